//! "Conectar con Google": the rules of the OAuth authorization-code flow, with no I/O.
//!
//! The flow: an authenticated trainer asks for the consent URL ([`consent_url`]), carrying a
//! `state` that is signed ([`sign_state`]), bound to the tenant, the user and the browser that
//! asked (a cookie whose SHA-256 is in the state), short-lived ([`STATE_TTL_MS`]) and
//! single-use (the caller claims its nonce with compare-and-swap). Google sends the browser to
//! the public callback with `code` and `state`; the callback checks the state
//! ([`verify_state`]), exchanges the code ([`code_exchange_request`], [`parse_code_exchange`])
//! and keeps the refresh token, encrypted, as a [`PendingConnection`] of that tenant, which a
//! create body names by [`ConnectionId`] instead of a pasted refresh token.
//!
//! Why a browser binding on top of the tenant binding: the callback is public, so without it
//! an attacker could make a victim's browser finish the attacker's flow with the victim's
//! Google consent, and the victim's Ads account would land in the attacker's tenant.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::fmt;

use crate::config::{IdError, TenantId};
use crate::outcome::HttpAnswer;
use crate::platforms::google::oauth::TokenRequest;
use crate::platforms::percent_encode;

/// The Data Manager API's scope (not the Ads API's: connections made here are new credentials).
pub const SCOPE: &str = "https://www.googleapis.com/auth/datamanager";
/// Added only when the trainer explicitly picks the Google Ads API upload (allowlisted accounts).
pub const ADS_SCOPE: &str = "https://www.googleapis.com/auth/adwords";
/// A consent must come back within this long (Google's own codes live about as long).
pub const STATE_TTL_MS: i64 = 10 * 60 * 1000;
/// The trainer has this long to finish the config after consenting.
pub const CONNECTION_TTL_MS: i64 = 60 * 60 * 1000;
/// The public callback's path, appended to the request's origin when no URL is configured.
pub const CALLBACK_PATH: &str = "/api/v1/marketing/oauth/google/callback";
/// The cookie that binds a flow to the browser that started it.
pub const BROWSER_COOKIE: &str = "tr_google_oauth";

/// Domain separation: the state's MAC key is derived from a secret that also signs other things.
const STATE_MAC_CONTEXT: &[u8] = b"pixel-manager google oauth state v1\0";

/// A pending connection's id: 32 lowercase hex digits from 16 random bytes.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ConnectionId(String);

impl ConnectionId {
    pub fn parse(s: &str) -> Result<Self, IdError> {
        let ok = s.len() == 32 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        if ok {
            Ok(Self(s.to_owned()))
        } else {
            Err(IdError::new(
                "invalid_format",
                "googleConnection must be the id answered by Conectar con Google (32 hex digits)",
            ))
        }
    }

    /// The core does no I/O, so the caller brings the randomness.
    pub fn from_random(bytes: [u8; 16]) -> Self {
        Self(hex::encode(bytes))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ConnectionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for ConnectionId {
    type Error = IdError;
    fn try_from(s: String) -> Result<Self, IdError> {
        Self::parse(&s)
    }
}

impl From<ConnectionId> for String {
    fn from(v: ConnectionId) -> String {
        v.0
    }
}

/// What a `state` carries; all of it is covered by the MAC.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StateClaims {
    pub tenant: TenantId,
    /// The JWT `sub` of the trainer who started the flow.
    pub user: String,
    /// 32 hex digits; the single-use claim's key.
    pub nonce: String,
    /// Unix ms after which the state is refused.
    pub exp_ms: i64,
    /// The exact redirect URI sent to Google, which the code exchange must repeat.
    pub redirect_uri: String,
    /// Hex SHA-256 of the browser cookie's value ([`browser_hash`]).
    pub browser: String,
    /// The trainer asked for the Google Ads API upload too (`googleApi: "adsApi"`).
    #[serde(default)]
    pub ads_api: bool,
    /// The Google config this flow reconnects (a revoked grant), when it was started for one:
    /// the callback sends the browser back with it, and the dashboard PATCHes that config.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reconnect: Option<crate::config::ConfigId>,
}

/// Why a state was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StateError {
    /// Not of the form `payload.mac`, or the payload is not ours.
    Malformed,
    /// The MAC does not match: forged or altered.
    BadSignature,
    Expired,
    /// Signed by us, but this browser did not start it.
    OtherBrowser,
}

impl StateError {
    /// A stable code for the error page and the logs.
    pub fn code(self) -> &'static str {
        match self {
            StateError::Malformed => "state_malformed",
            StateError::BadSignature => "state_forged",
            StateError::Expired => "state_expired",
            StateError::OtherBrowser => "state_foreign",
        }
    }
}

fn state_mac(secret: &[u8], payload: &str) -> Hmac<Sha256> {
    // `new_from_slice` accepts keys of any length for HMAC; the error arm is unreachable.
    let mut mac = Hmac::<Sha256>::new_from_slice(secret)
        .unwrap_or_else(|_| Hmac::<Sha256>::new_from_slice(b"\0").expect("a one-byte HMAC key"));
    mac.update(STATE_MAC_CONTEXT);
    mac.update(payload.as_bytes());
    mac
}

/// `base64url(claims JSON) "." base64url(HMAC-SHA256)`.
pub fn sign_state(secret: &[u8], claims: &StateClaims) -> String {
    let json = serde_json::to_vec(claims).unwrap_or_default();
    let payload = URL_SAFE_NO_PAD.encode(json);
    let tag = state_mac(secret, &payload).finalize().into_bytes();
    format!("{payload}.{}", URL_SAFE_NO_PAD.encode(tag))
}

/// Check a state's MAC (in constant time), expiry and browser binding. `browser_cookie` is the
/// value of [`BROWSER_COOKIE`] the callback request carried, if any.
pub fn verify_state(
    secret: &[u8],
    state: &str,
    browser_cookie: Option<&str>,
    now_ms: i64,
) -> Result<StateClaims, StateError> {
    let (payload, tag) = state.split_once('.').ok_or(StateError::Malformed)?;
    let tag = URL_SAFE_NO_PAD
        .decode(tag)
        .map_err(|_| StateError::Malformed)?;
    state_mac(secret, payload)
        .verify_slice(&tag)
        .map_err(|_| StateError::BadSignature)?;
    let json = URL_SAFE_NO_PAD
        .decode(payload)
        .map_err(|_| StateError::Malformed)?;
    let claims: StateClaims = serde_json::from_slice(&json).map_err(|_| StateError::Malformed)?;
    if now_ms > claims.exp_ms {
        return Err(StateError::Expired);
    }
    // Both sides are hashes of secrets, so comparing them plainly leaks nothing useful.
    if browser_cookie.map(browser_hash).as_deref() != Some(claims.browser.as_str()) {
        return Err(StateError::OtherBrowser);
    }
    Ok(claims)
}

/// What the state keeps of the browser cookie: its SHA-256, so the state reveals no cookie.
pub fn browser_hash(cookie: &str) -> String {
    hex::encode(Sha256::digest(cookie.as_bytes()))
}

/// The consent screen's URL: offline access and a forced consent, so Google answers with a
/// refresh token every time (it omits it on a silent re-consent). `ads_api` adds the Ads API
/// scope, which the legacy upload needs.
pub fn consent_url(
    auth_url: &str,
    client_id: &str,
    redirect_uri: &str,
    state: &str,
    ads_api: bool,
) -> String {
    let sep = if auth_url.contains('?') { '&' } else { '?' };
    let scope = if ads_api {
        format!("{SCOPE} {ADS_SCOPE}")
    } else {
        SCOPE.to_owned()
    };
    format!(
        "{auth_url}{sep}client_id={}&redirect_uri={}&response_type=code&scope={}&access_type=offline&prompt=consent&include_granted_scopes=true&state={}",
        percent_encode(client_id),
        percent_encode(redirect_uri),
        percent_encode(&scope),
        percent_encode(state),
    )
}

/// The callback URL when none is configured: the origin the API was reached at (Spin's
/// `spin-full-url` header) plus [`CALLBACK_PATH`]. `None` when the URL has no origin.
pub fn derive_redirect_uri(full_url: &str) -> Option<String> {
    let (scheme, rest) = full_url.split_once("://")?;
    if scheme != "http" && scheme != "https" {
        return None;
    }
    let authority = rest.split(['/', '?', '#']).next()?;
    if authority.is_empty() || authority.contains('@') {
        return None;
    }
    Some(format!("{scheme}://{authority}{CALLBACK_PATH}"))
}

/// The `authorization_code` grant at `{google_oauth_url}/token`.
pub fn code_exchange_request(
    token_url: &str,
    client_id: &str,
    client_secret: &str,
    code: &str,
    redirect_uri: &str,
) -> TokenRequest {
    TokenRequest {
        url: token_url.to_owned(),
        body: format!(
            "grant_type=authorization_code&code={}&client_id={}&client_secret={}&redirect_uri={}",
            percent_encode(code),
            percent_encode(client_id),
            percent_encode(client_secret),
            percent_encode(redirect_uri)
        ),
    }
}

/// Why a code exchange gave no refresh token; `Display` never shows a token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExchangeError {
    /// Google refused the code (`invalid_grant`, `invalid_client`, ...), its `error` value.
    Refused(String),
    /// 200, but no refresh token in it (the consent was not offline).
    NoRefreshToken,
    /// Not an answer we can read, or Google is unavailable.
    Unreadable(u16),
}

impl fmt::Display for ExchangeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExchangeError::Refused(e) => write!(f, "Google refused the authorization code ({e})"),
            ExchangeError::NoRefreshToken => f.write_str("Google answered without a refresh token"),
            ExchangeError::Unreadable(s) => write!(f, "Google's token endpoint answered {s}"),
        }
    }
}

/// The refresh token from the token endpoint's answer to the code exchange.
pub fn parse_code_exchange(answer: &HttpAnswer<'_>) -> Result<String, ExchangeError> {
    let parsed: Option<Value> = serde_json::from_slice(answer.body).ok();
    if !(200..300).contains(&answer.status) {
        let error = parsed
            .as_ref()
            .and_then(|v| v.get("error"))
            .and_then(Value::as_str)
            // Only OAuth's short error codes are kept: never echo arbitrary text.
            .filter(|e| e.len() <= 64 && e.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'));
        return Err(match error {
            Some(e) if (400..500).contains(&answer.status) => ExchangeError::Refused(e.to_owned()),
            _ => ExchangeError::Unreadable(answer.status),
        });
    }
    let parsed = parsed.ok_or(ExchangeError::Unreadable(answer.status))?;
    parsed
        .get("refresh_token")
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .ok_or(ExchangeError::NoRefreshToken)
}

/// A consented Google account waiting for its config, stored under
/// `schema::google_connection_key(tenant, id)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PendingConnection {
    pub id: ConnectionId,
    pub tenant_id: TenantId,
    /// The JWT `sub` of the trainer who consented.
    pub user_id: String,
    /// `crypto::Keyring::encrypt` of the refresh token.
    pub encrypted_refresh_token: String,
    /// Unix ms.
    pub created_at: i64,
    /// Unix ms; after it, the connection cannot be used.
    pub expires_at: i64,
}

/// What a pending connection's refresh token is encrypted for (`crypto::Keyring::encrypt_for`),
/// so its ciphertext cannot be moved onto another tenant's connection or a config.
pub fn connection_context(tenant: &TenantId, id: &ConnectionId) -> String {
    format!("gconn/{tenant}/{id}")
}

impl PendingConnection {
    pub fn is_expired(&self, now_ms: i64) -> bool {
        now_ms > self.expires_at
    }
}

/// The value of a started, unused state (`goauth/{nonce}`): `open` and the state's expiry, so
/// a sweep can remove the states of flows nobody finished.
pub fn open_state_marker(exp_ms: i64) -> Vec<u8> {
    format!("open {exp_ms}").into_bytes()
}

/// Remove what abandoned flows leave behind in the configs store: started states past their
/// expiry (and leftover `used` markers), and pending connections nobody turned into a config
/// within their hour. A housekeeping pass (the dispatcher's, a few times a day) calls it; every
/// other path ignores expired entries anyway. Returns how many keys were removed.
pub async fn sweep_abandoned<S: crate::kv::KvStore>(
    configs: &S,
    now_ms: i64,
) -> Result<usize, crate::kv::KvError> {
    let keys: Vec<String> = configs
        .keys()
        .await?
        .into_iter()
        .filter(|k| k.starts_with("goauth/") || k.starts_with("gconn/"))
        .collect();
    let mut gone = Vec::new();
    for chunk in keys.chunks(500) {
        let values = configs.get_many(chunk).await?;
        for (k, v) in chunk.iter().zip(values) {
            let Some(v) = v else { continue };
            let expired = if k.starts_with("goauth/") {
                abandoned_state(&v, now_ms)
            } else {
                // The empty marker is a create consuming it right now: leave it alone.
                !v.is_empty()
                    && serde_json::from_slice::<PendingConnection>(&v)
                        .map_or(true, |c| c.is_expired(now_ms))
            };
            if expired {
                gone.push(k.clone());
            }
        }
    }
    for chunk in gone.chunks(500) {
        configs.delete_many(chunk).await?;
    }
    Ok(gone.len())
}

/// A state marker whose flow can no longer finish: past its expiry, a spent `used` marker, or
/// a marker from before expiries were recorded (`open`, at most one state lifetime old when
/// the first sweep after an upgrade runs).
fn abandoned_state(v: &[u8], now_ms: i64) -> bool {
    let s = String::from_utf8_lossy(v);
    match s.strip_prefix("open ") {
        Some(exp) => exp.trim().parse::<i64>().map_or(true, |exp| exp < now_ms),
        None => true,
    }
}

#[cfg(test)]
mod tests;
