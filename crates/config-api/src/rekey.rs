//! `POST /api/v1/marketing/token-keys/reencrypt` (system admin): how an old encryption key is
//! retired. Every stored platform token written under a previous key, in the `v1` format or
//! not bound to its config is decrypted and written again under the current key, bound to its
//! config; the answer says how many are left on old keys. When that is 0, the old key can be
//! removed from `token_encryption_previous_keys` and nothing becomes unreadable.
//!
//! Each config is rewritten with a compare-and-swap, so a trainer's concurrent edit wins (the
//! edit itself encrypts under the current key). A token that cannot be decrypted is reported
//! by config id, never with any part of the token.

use edge_kit::api::{ApiError, Resp, json_response};
use edge_kit::auth::Role;
use edge_kit::deliver::{self, token_context};
use edge_kit::host;
use http::StatusCode;
use pixel_core::config::TrackingConfig;
use pixel_core::kv::KvStore;
use pixel_core::schema::CONFIGS_STORE;
use serde_json::json;

use crate::ctx::Ctx;

pub async fn reencrypt(ctx: &Ctx) -> Result<Resp, ApiError> {
    if ctx.role != Role::SystemAdmin {
        return Err(ApiError::Forbidden(
            "only a system_admin may re-encrypt every tenant's tokens".into(),
        ));
    }
    let keyring = deliver::keyring().await.map_err(ApiError::internal)?;
    let store = ctx.store(CONFIGS_STORE).await?;
    let keys: Vec<String> = store
        .keys()
        .await?
        .into_iter()
        .filter(|k| k.starts_with("cfg/"))
        .collect();
    let (mut rewritten, mut current, mut failed) = (0, 0, Vec::new());
    for key in keys {
        let Some(raw) = store.get(&key).await? else {
            continue;
        };
        let Ok(mut config) = serde_json::from_slice::<TrackingConfig>(&raw) else {
            continue;
        };
        let context = token_context(&config);
        if keyring.is_bound(&config.encrypted_token, &context) {
            current += 1;
            continue;
        }
        let fresh = keyring
            .decrypt_for(&config.encrypted_token, &context)
            .and_then(|clear| keyring.encrypt_for(&clear, host::random_bytes::<12>(), &context));
        let Ok(fresh) = fresh else {
            failed.push(config.id.as_str().to_owned());
            continue;
        };
        config.encrypted_token = fresh;
        let bytes = serde_json::to_vec(&config).map_err(ApiError::internal)?;
        if store.compare_and_swap(&key, Some(&raw), &bytes).await? {
            rewritten += 1;
        } else {
            // Changed meanwhile; the next sweep sees the new value.
            failed.push(config.id.as_str().to_owned());
        }
    }
    Ok(json_response(
        StatusCode::OK,
        &json!({
            "currentKeyId": keyring.current_id(),
            "reencrypted": rewritten,
            "alreadyCurrent": current,
            "remainingOnOldKeys": failed.len(),
            "failedConfigIds": failed,
        }),
    ))
}
