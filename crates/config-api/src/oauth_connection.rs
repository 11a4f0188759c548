//! A create body's `googleConnection`: the pending connection Conectar con Google left for
//! this tenant, resolved to its refresh token and consumed when the config is written.
//!
//! Consumption is a compare-and-swap from the bytes that were read to an empty marker, so two
//! concurrent creates with one connection leave one config; a create that fails after
//! consuming puts the connection back, so the trainer can retry without consenting again.

use edge_kit::api::ApiError;
use edge_kit::kv::SpinStore;
use pixel_core::config::TenantId;
use pixel_core::crypto::Keyring;
use pixel_core::google_connect::{ConnectionId, PendingConnection};
use pixel_core::kv::KvStore;
use pixel_core::schema;

/// A pending connection, read and decrypted, not yet consumed.
pub struct Resolved {
    key: String,
    raw: Vec<u8>,
    /// The clear refresh token: only in memory, never answered or logged.
    pub refresh_token: String,
}

fn field(code: &'static str, message: String) -> ApiError {
    ApiError::field("googleConnection", code, message)
}

/// The tenant's pending connection `id`; another tenant's id is simply not found.
pub async fn resolve(
    store: &SpinStore,
    keyring: &Keyring,
    tenant: &TenantId,
    id: &ConnectionId,
    now_ms: i64,
) -> Result<Resolved, ApiError> {
    let key = schema::google_connection_key(tenant, id);
    let missing = || {
        field(
            "not_found",
            format!("no pending Google connection {id}; connect with Google again"),
        )
    };
    let raw = store.get(&key).await?.ok_or_else(missing)?;
    if raw.is_empty() {
        // The empty marker: another create is consuming it right now.
        return Err(field(
            "already_used",
            format!("the Google connection {id} has already been used"),
        ));
    }
    let connection: PendingConnection = serde_json::from_slice(&raw)
        .map_err(|e| ApiError::internal(format!("corrupt pending connection at {key}: {e}")))?;
    if connection.tenant_id != *tenant {
        return Err(missing());
    }
    if connection.is_expired(now_ms) {
        let _ = store.delete(&key).await;
        return Err(field(
            "expired",
            format!("the Google connection {id} has expired; connect with Google again"),
        ));
    }
    let refresh_token = keyring
        .decrypt_for(
            &connection.encrypted_refresh_token,
            &pixel_core::google_connect::connection_context(tenant, id),
        )
        .map_err(ApiError::internal)?;
    Ok(Resolved {
        key,
        raw,
        refresh_token,
    })
}

impl Resolved {
    /// Take the connection for this create; a lost race is a 409.
    pub async fn consume(&self, store: &SpinStore) -> Result<(), ApiError> {
        if store
            .compare_and_swap(&self.key, Some(&self.raw), b"")
            .await?
        {
            Ok(())
        } else {
            Err(ApiError::Conflict(
                "this Google connection was used by another request at the same time".into(),
            ))
        }
    }

    /// The config is written: the connection is gone for good.
    pub async fn forget(&self, store: &SpinStore) {
        let _ = store.delete(&self.key).await;
    }

    /// The create failed after consuming: give the connection back.
    pub async fn restore(&self, store: &SpinStore) {
        let _ = store
            .compare_and_swap(&self.key, Some(b""), &self.raw)
            .await;
    }
}
