//! The credential of a create request: a pasted token (Meta and TikTok access tokens; Google's
//! legacy `refreshToken`), or, for Google, `googleConnection`, the id of a pending connection
//! made with "Conectar con Google", which the API resolves to its refresh token and consumes.

use serde_json::Value;

use super::fields::{Errors, token_field};
use super::input::ConfigInput;
use crate::Platform;
use crate::google_connect::ConnectionId;

/// What a validated create request authenticates with.
#[derive(Clone, PartialEq, Eq)]
pub enum NewCredential {
    /// The clear token: check it against the platform, then encrypt it.
    Token(String),
    /// A pending Google connection of the caller's tenant, to resolve and consume.
    GoogleConnection(ConnectionId),
}

impl NewCredential {
    /// The clear token, when one was given (not for a connection, which the API resolves).
    pub fn token(&self) -> Option<&str> {
        match self {
            NewCredential::Token(t) => Some(t),
            NewCredential::GoogleConnection(_) => None,
        }
    }
}

impl std::fmt::Debug for NewCredential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NewCredential::Token(_) => f.write_str("Token(<redacted>)"),
            NewCredential::GoogleConnection(id) => write!(f, "GoogleConnection({id})"),
        }
    }
}

/// Exactly one credential: `apiAccessToken`/`refreshToken`, or `googleConnection` (Google only).
pub(super) fn create_credential(
    errs: &mut Errors,
    input: &ConfigInput,
    platform: Option<Platform>,
) -> Option<NewCredential> {
    let Some(connection) = &input.google_connection else {
        return match token_field(errs, input, platform) {
            Some(Some(token)) => Some(NewCredential::Token(token)),
            Some(None) => {
                let message = if platform == Some(Platform::Google) {
                    "googleConnection (from Conectar con Google) or refreshToken is required"
                } else {
                    "apiAccessToken is required"
                };
                errs.push("apiAccessToken", "required", message);
                None
            }
            None => None,
        };
    };
    if platform.is_some_and(|p| p != Platform::Google) {
        errs.push(
            "googleConnection",
            "unknown_field",
            "googleConnection is for Google only",
        );
        return None;
    }
    if input.api_access_token.is_some() || input.refresh_token.is_some() {
        errs.push(
            "googleConnection",
            "duplicate",
            "give either googleConnection or a refresh token, not both",
        );
        return None;
    }
    match connection {
        Value::String(s) => errs
            .ok("googleConnection", ConnectionId::parse(s))
            .map(NewCredential::GoogleConnection),
        _ => {
            errs.push(
                "googleConnection",
                "invalid_type",
                "googleConnection must be a string",
            );
            None
        }
    }
}
