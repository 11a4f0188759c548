//! Google's OAuth endpoints: the consent screen (`/o/oauth2/v2/auth`, in `oauth_consent`) and
//! the token endpoint, `POST /token`, with `grant_type=authorization_code` (what Conectar con
//! Google does once, after consent) and `grant_type=refresh_token` (what the product does before
//! every upload whose cached access token expired).
//!
//! Errors use OAuth's own `{"error","error_description"}` body, not the Ads API's; a refresh
//! token beginning with `invalid` answers 400 `invalid_grant`, like a revoked one. A code is
//! good once, for ten minutes, for the client and redirect URI it was issued to, as at Google.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::http::{Incoming, Reply, fresh_id, now_secs};
use crate::oauth_consent;
use crate::state::{Fault, State};

/// Google's authorization codes expire after about ten minutes.
const CODE_TTL_SECS: i64 = 600;

/// What the consent screen issued a code for.
#[derive(Clone, Debug)]
pub(crate) struct IssuedCode {
    pub client_id: String,
    pub redirect_uri: String,
    pub scope: String,
    /// `access_type=offline`: only then does the exchange answer a refresh token.
    pub offline: bool,
    pub issued_at: i64,
}

/// Whether `path` is one of Google OAuth's.
pub(crate) fn serves(path: &str) -> bool {
    path == "/token" || path == oauth_consent::PATH
}

fn oauth_error(status: u16, error: &str, description: &str) -> Reply {
    Reply::new(
        status,
        json!({ "error": error, "error_description": description }),
    )
}

/// The parameters, from a form (what Google documents) or a JSON object (which it also takes).
fn params(req: &Incoming) -> Option<BTreeMap<String, String>> {
    if req.is_form() || req.body.is_empty() {
        return Some(req.form());
    }
    match req.json().ok()? {
        Value::Object(map) => Some(
            map.into_iter()
                .filter_map(|(k, v)| match v {
                    Value::String(s) => Some((k, s)),
                    _ => None,
                })
                .collect(),
        ),
        _ => None,
    }
}

pub(crate) fn handle(state: &State, req: &Incoming) -> Reply {
    if req.path == oauth_consent::PATH {
        return oauth_consent::handle(state, req);
    }
    if req.method != hyper::Method::POST {
        return oauth_error(
            405,
            "invalid_request",
            "The token endpoint only accepts POST",
        );
    }
    let Some(p) = params(req) else {
        return oauth_error(400, "invalid_request", "Invalid request body");
    };
    let get = |k: &str| p.get(k).map(String::as_str).filter(|v| !v.is_empty());
    let grant = get("grant_type");
    match grant {
        Some("refresh_token" | "authorization_code") => {}
        Some(other) => {
            return oauth_error(
                400,
                "unsupported_grant_type",
                &format!("Invalid grant_type: {other}"),
            );
        }
        None => return oauth_error(400, "unsupported_grant_type", "Invalid grant_type: "),
    }
    let Some(client_id) = get("client_id") else {
        return oauth_error(
            400,
            "invalid_request",
            "Could not determine client ID from request.",
        );
    };
    if client_id.starts_with("invalid") || get("client_secret").is_none() {
        return oauth_error(401, "invalid_client", "The OAuth client was not found.");
    }
    if grant == Some("authorization_code") {
        return redeem_code(state, client_id, get("code"), get("redirect_uri"));
    }
    match get("refresh_token") {
        None => oauth_error(
            400,
            "invalid_request",
            "Missing required parameter: refresh_token",
        ),
        Some(t) if t.starts_with("invalid") || is_revoked(state, t) => {
            oauth_error(400, "invalid_grant", "Token has been expired or revoked.")
        }
        Some(_) => Reply::ok(json!({
            "access_token": issue(state, format!("ya29.mock-{}", fresh_id(40))),
            "expires_in": 3599,
            "token_type": "Bearer",
            "scope": "https://www.googleapis.com/auth/adwords",
        })),
    }
}

/// The answer for an armed Google fault that lands on `/token`.
pub(crate) fn fault_reply(fault: &Fault) -> Reply {
    let status = fault
        .status
        .or(fault
            .code
            .and_then(|c| u16::try_from(c).ok())
            .filter(|c| *c >= 400))
        .unwrap_or(500);
    let error = match status {
        400 => "invalid_grant",
        401 => "invalid_client",
        429 => "rate_limit_exceeded",
        503 => "temporarily_unavailable",
        _ => "internal_failure",
    };
    oauth_error(status, error, "Mock fault")
}

/// `grant_type=authorization_code`: a code is taken out of the state whatever the outcome, so
/// it is good exactly once, as at Google.
fn redeem_code(
    state: &State,
    client_id: &str,
    code: Option<&str>,
    redirect_uri: Option<&str>,
) -> Reply {
    let Some(code) = code else {
        return oauth_error(400, "invalid_request", "Missing required parameter: code");
    };
    let Some(redirect_uri) = redirect_uri else {
        return oauth_error(
            400,
            "invalid_request",
            "Missing required parameter: redirect_uri",
        );
    };
    let Some(issued) = state.lock().oauth_codes.remove(code) else {
        return oauth_error(400, "invalid_grant", "Malformed auth code.");
    };
    if now_secs() - issued.issued_at > CODE_TTL_SECS {
        return oauth_error(400, "invalid_grant", "Bad Request");
    }
    if issued.client_id != client_id {
        return oauth_error(400, "invalid_grant", "Bad Request");
    }
    if issued.redirect_uri != redirect_uri {
        return oauth_error(400, "redirect_uri_mismatch", "Bad Request");
    }
    let mut answer = json!({
        "access_token": issue(state, format!("ya29.mock-{}", fresh_id(40))),
        "expires_in": 3599,
        "token_type": "Bearer",
        "scope": issued.scope,
    });
    if issued.offline {
        answer["refresh_token"] = json!(issue(state, format!("1//mock-{}", fresh_id(60))));
    }
    Reply::ok(answer)
}

/// Remember a token `/token` hands out, so a revocation can reach it.
fn issue(state: &State, token: String) -> String {
    state.lock().google_tokens_issued.push(token.clone());
    token
}

/// Whether the account owner revoked `token` (`POST /_mock/google/revoke`).
pub(crate) fn is_revoked(state: &State, token: &str) -> bool {
    state.lock().google_tokens_revoked.contains(token)
}

/// `POST /_mock/google/revoke`: every Google token issued so far stops working (the trainer
/// removed the app's access in their Google account); tokens issued afterwards work. Answers
/// how many were revoked.
pub(crate) fn revoke_all(state: &State) -> Reply {
    Reply::ok(json!({ "revoked": revoke(state) }))
}

/// Revoke every Google token issued so far; how many.
pub(crate) fn revoke(state: &State) -> u64 {
    let mut inner = state.lock();
    let issued = std::mem::take(&mut inner.google_tokens_issued);
    let n = issued.len() as u64;
    inner.google_tokens_revoked.extend(issued);
    n
}
