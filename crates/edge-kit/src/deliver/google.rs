//! Google's access tokens: the stored refresh token is exchanged at `{google_oauth_url}/token`
//! (the core builds the form and reads the answer) and the access token is cached in the
//! `configs` store until it expires, encrypted like every stored token.
//!
//! The cache entry remembers a fingerprint of the encrypted refresh token it came from, so a
//! replaced refresh token (PATCH) never reuses an access token of the old grant.

use http::Method;
use pixel_core::config::TrackingConfig;
use pixel_core::kv::KvStore;
use pixel_core::outcome::{self, HttpAnswer, Outcome, TransportFailure};
use pixel_core::platforms::google::oauth;
use pixel_core::schema;
use serde::{Deserialize, Serialize};

use super::Client;
use crate::outbound::{self, SendError};

#[derive(Serialize, Deserialize)]
struct Cached {
    /// Which refresh token this came from (the tail of its ciphertext: random per encryption).
    fp: String,
    /// The access token, encrypted with the keyring.
    token: String,
    /// Unix seconds after which it is not used (already includes the core's margin).
    exp: i64,
}

fn fingerprint(config: &TrackingConfig) -> String {
    let t = &config.encrypted_token;
    t[t.len().saturating_sub(24)..].to_owned()
}

/// An access token for `config`: the cached one unless `force` or expired, else a fresh
/// exchange of `refresh_token`, cached for the next caller.
pub(super) async fn access_token<S: KvStore>(
    client: &Client<'_, S>,
    config: &TrackingConfig,
    refresh_token: &str,
    now_ms: i64,
    force: bool,
) -> Result<String, Outcome> {
    let now = now_ms / 1000;
    let key = schema::google_access_token_key(&config.id);
    let fp = fingerprint(config);
    if !force
        && let Ok(Some(raw)) = client.configs.get(&key).await
        && let Ok(c) = serde_json::from_slice::<Cached>(&raw)
        && c.fp == fp
        && c.exp > now
        && let Ok(token) = client.keyring.decrypt(&c.token)
    {
        return Ok(token);
    }
    let ep = client.endpoints;
    let req = oauth::token_request(
        &format!("{}/token", ep.google_oauth_url),
        &ep.google_client_id,
        &ep.google_client_secret,
        refresh_token,
    );
    let answer = outbound::send(
        Method::POST,
        &req.url,
        &[("content-type", "application/x-www-form-urlencoded")],
        Some(req.body.into_bytes()),
        client.timeout_ms,
    )
    .await
    .map_err(|e| {
        outcome::transport_failure(match e {
            SendError::Timeout => TransportFailure::Timeout,
            _ => TransportFailure::Connect,
        })
    })?;
    let retry_after = answer
        .headers
        .get("retry-after")
        .and_then(|v| v.to_str().ok());
    let token = oauth::parse_token_answer(
        &HttpAnswer {
            status: answer.status,
            retry_after,
            body: &answer.body,
        },
        now,
    )?;
    let nonce = crate::host::random_bytes::<12>();
    if let Ok(encrypted) = client.keyring.encrypt(&token.token, nonce) {
        let cached = Cached {
            fp,
            token: encrypted,
            exp: token.expires_at,
        };
        if let Ok(bytes) = serde_json::to_vec(&cached) {
            // A failed cache write costs one more exchange later, nothing else.
            let _ = client.configs.set(&key, &bytes).await;
        }
    }
    Ok(token.token)
}
