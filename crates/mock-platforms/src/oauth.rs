//! Google's OAuth token endpoint, `POST /token` with `grant_type=refresh_token`: the step the
//! product takes before every Google Ads upload whose cached access token expired.
//!
//! Errors use OAuth's own `{"error","error_description"}` body, not the Ads API's; a refresh
//! token beginning with `invalid` answers 400 `invalid_grant`, like a revoked one.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::http::{Incoming, Reply, fresh_id};
use crate::state::Fault;

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

pub(crate) fn handle(req: &Incoming) -> Reply {
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
    match get("grant_type") {
        Some("refresh_token") => {}
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
    match get("refresh_token") {
        None => oauth_error(
            400,
            "invalid_request",
            "Missing required parameter: refresh_token",
        ),
        Some(t) if t.starts_with("invalid") => {
            oauth_error(400, "invalid_grant", "Token has been expired or revoked.")
        }
        Some(_) => Reply::ok(json!({
            "access_token": format!("ya29.mock-{}", fresh_id(40)),
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
