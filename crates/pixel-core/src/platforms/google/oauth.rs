//! Google's OAuth refresh: a stored refresh token buys short-lived access tokens.
//!
//! The dispatcher caches the access token until [`AccessToken::expires_at`]; a refused refresh
//! token means a person must reconnect the account, so it pauses the config.

use crate::outcome::{HttpAnswer, Outcome};
use serde_json::Value;
use std::fmt;

/// Renew this long before Google's expiry, so a token never expires in flight.
const EXPIRY_MARGIN_SECS: i64 = 120;

/// The form POST to `https://oauth2.googleapis.com/token`. Holds secrets: `Debug` redacts.
#[derive(Clone, PartialEq, Eq)]
pub struct TokenRequest {
    pub url: String,
    /// `application/x-www-form-urlencoded`; never log it.
    pub body: String,
}

impl fmt::Debug for TokenRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenRequest")
            .field("url", &self.url)
            .field("body", &"<redacted>")
            .finish()
    }
}

/// An access token and when to stop using it (Unix seconds).
#[derive(Clone, PartialEq, Eq)]
pub struct AccessToken {
    pub token: String,
    pub expires_at: i64,
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessToken")
            .field("token", &"<redacted>")
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// The refresh-token grant.
pub fn token_request(
    token_url: &str,
    client_id: &str,
    client_secret: &str,
    refresh_token: &str,
) -> TokenRequest {
    let enc = super::super::percent_encode;
    TokenRequest {
        url: token_url.to_owned(),
        body: format!(
            "grant_type=refresh_token&client_id={}&client_secret={}&refresh_token={}",
            enc(client_id),
            enc(client_secret),
            enc(refresh_token)
        ),
    }
}

/// Read the token endpoint's answer. `Err` carries what to do with the config's deliveries.
pub fn parse_token_answer(answer: &HttpAnswer<'_>, now: i64) -> Result<AccessToken, Outcome> {
    if let Some(retry) = super::super::http_retry(answer) {
        return Err(retry);
    }
    let parsed: Option<Value> = serde_json::from_slice(answer.body).ok();
    if !(200..300).contains(&answer.status) {
        let error = parsed
            .as_ref()
            .and_then(|v| v.get("error"))
            .and_then(Value::as_str)
            .unwrap_or("unknown");
        // invalid_grant (revoked or expired refresh token) and invalid_client both need a person.
        return Err(Outcome::PauseConfig {
            reason: format!("Google refused the refresh token ({error})"),
        });
    }
    let token = parsed
        .as_ref()
        .and_then(|v| v.get("access_token"))
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty());
    let expires_in = parsed
        .as_ref()
        .and_then(|v| v.get("expires_in"))
        .and_then(Value::as_i64)
        .unwrap_or(3600);
    match token {
        Some(token) => Ok(AccessToken {
            token: token.to_owned(),
            expires_at: now + (expires_in - EXPIRY_MARGIN_SECS).max(0),
        }),
        None => Err(Outcome::Retry {
            after_secs: None,
            reason: "Google's token answer had no access_token".to_owned(),
        }),
    }
}
