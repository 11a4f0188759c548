//! Bearer auth: TrainerERP signs HS256 JWTs with the `auth_jwt_secret` variable, carrying
//! `sub`, `tenant`, `role`, `exp`, and `iss` = [`ISSUER`], `aud` = [`AUDIENCE`], so a token
//! TrainerERP signs for another of its services with the same secret is refused here. A
//! `system_admin` may act on the tenant named by `?tenantId=`; everyone else acts on their own
//! tenant only.

use crate::api::ApiError;
use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode};
use serde::{Deserialize, Serialize};
use spin_sdk::http::Request;

/// The `iss` every accepted token carries: TrainerERP.
pub const ISSUER: &str = "trainererp";
/// The `aud` every accepted token carries: this product.
pub const AUDIENCE: &str = "pixel-manager";

/// Who may do what.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    TrainerAdmin,
    SystemAdmin,
}

/// The claims the product relies on.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub tenant: String,
    pub role: Role,
    pub exp: u64,
}

/// An authenticated caller acting on one tenant.
#[derive(Debug, Clone)]
pub struct Caller {
    pub claims: Claims,
    /// The tenant this request acts on (the caller's, or `?tenantId=` for a system admin).
    pub tenant: String,
}

/// Verify `Authorization: Bearer <jwt>` against `secret` and resolve the tenant acted on.
pub fn authenticate(req: &Request, secret: &str) -> Result<Caller, ApiError> {
    let header = req
        .headers()
        .get(http::header::AUTHORIZATION)
        .ok_or_else(|| ApiError::Unauthorized("missing Authorization header".into()))?;
    let header = header
        .to_str()
        .map_err(|_| ApiError::Unauthorized("malformed Authorization header".into()))?;
    let token = header
        .strip_prefix("Bearer ")
        .or_else(|| header.strip_prefix("bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| ApiError::Unauthorized("expected a Bearer token".into()))?;
    let claims = verify_token(token, secret)?;
    let query_tenant = query_param(req.uri().query().unwrap_or(""), "tenantId");
    let tenant = match (claims.role, query_tenant) {
        (Role::SystemAdmin, Some(t)) if valid_tenant(&t) => t,
        (Role::SystemAdmin, Some(_)) => {
            return Err(ApiError::field(
                "tenantId",
                "invalid",
                "not a valid tenant id",
            ));
        }
        (Role::TrainerAdmin, Some(t)) if t != claims.tenant => {
            return Err(ApiError::Forbidden(
                "only a system_admin may act on another tenant".into(),
            ));
        }
        _ => claims.tenant.clone(),
    };
    Ok(Caller { claims, tenant })
}

/// Verify a token's signature, algorithm and expiry.
pub fn verify_token(token: &str, secret: &str) -> Result<Claims, ApiError> {
    let mut validation = Validation::new(Algorithm::HS256);
    validation.set_required_spec_claims(&["exp", "sub", "iss", "aud"]);
    validation.set_issuer(&[ISSUER]);
    validation.set_audience(&[AUDIENCE]);
    validation.leeway = 30;
    let data = decode::<Claims>(
        token,
        &DecodingKey::from_secret(secret.as_bytes()),
        &validation,
    )
    .map_err(|e| {
        use jsonwebtoken::errors::ErrorKind;
        let why = match e.kind() {
            ErrorKind::ExpiredSignature => "the token has expired",
            ErrorKind::InvalidSignature => "the token's signature is invalid",
            ErrorKind::InvalidAlgorithm => "the token must be signed with HS256",
            ErrorKind::InvalidIssuer => "the token was not issued by trainererp (iss)",
            ErrorKind::InvalidAudience => "the token is not meant for pixel-manager (aud)",
            ErrorKind::MissingRequiredClaim(_) | ErrorKind::Json(_) => {
                "the token lacks the claims sub, tenant, role, iss, aud, exp"
            }
            _ => "the token is malformed",
        };
        ApiError::Unauthorized(why.into())
    })?;
    if !valid_tenant(&data.claims.tenant) {
        return Err(ApiError::Unauthorized(
            "the token's tenant is invalid".into(),
        ));
    }
    Ok(data.claims)
}

/// Tenant ids are short, URL- and key-safe.
pub fn valid_tenant(t: &str) -> bool {
    !t.is_empty()
        && t.len() <= 64
        && t.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The first value of `name` in a query string, percent-decoded.
pub fn query_param(query: &str, name: &str) -> Option<String> {
    query.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        (k == name).then(|| percent_decode(v))
    })
}

/// Decode `%XX` and `+` in a query component; invalid escapes are kept as they are.
pub fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
