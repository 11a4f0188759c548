//! A config's delivery history: `GET .../{id}/logs`, `GET .../{id}/dead-letters` and
//! `POST .../{id}/dead-letters/replay`.

use edge_kit::api::{self, ApiError, Resp};
use edge_kit::auth::query_param;
use edge_kit::kv::open_stores;
use http::StatusCode;
use pixel_core::config::{ConfigId, TrackingConfig};
use pixel_core::kv::KvStore;
use pixel_core::schema;
use pixel_core::{logs, queue};
use serde_json::{Value, json};

use crate::ctx::{Ctx, iso};

/// `?limit=` for the logs: default 50, at most 500 (issue 4's contract).
pub fn parse_limit(query: Option<&str>) -> Result<usize, ApiError> {
    match query.and_then(|q| query_param(q, "limit")) {
        None => Ok(50),
        Some(raw) => match raw.parse::<usize>() {
            Ok(n) if (1..=500).contains(&n) => Ok(n),
            _ => Err(ApiError::field(
                "limit",
                "out_of_range",
                format!("must be a whole number from 1 to 500, got {raw:?}"),
            )),
        },
    }
}

/// The caller's own config, or 404.
pub async fn own_config(
    store: &impl KvStore,
    ctx: &Ctx,
    raw_id: &str,
) -> Result<TrackingConfig, ApiError> {
    let missing = || ApiError::NotFound(format!("no tracking config {raw_id}"));
    let id = ConfigId::parse(raw_id).map_err(|_| missing())?;
    let raw = store
        .get(&schema::config_key(&ctx.tenant, &id))
        .await?
        .ok_or_else(missing)?;
    serde_json::from_slice(&raw).map_err(|e| ApiError::internal(format!("corrupt config: {e}")))
}

pub async fn list_logs(ctx: &Ctx, raw_id: &str, query: Option<&str>) -> Result<Resp, ApiError> {
    let limit = parse_limit(query)?;
    let stores = open_stores().await?;
    let config = own_config(&stores.configs, ctx, raw_id).await?;
    let entries = logs::list(&stores.logs, &config.id, limit).await?;
    let out: Vec<Value> = entries
        .into_iter()
        .map(|e| {
            let mut v = serde_json::to_value(&e).unwrap_or(Value::Null);
            v["timestamp"] = Value::String(iso(e.timestamp));
            v
        })
        .collect();
    Ok(api::json_response(StatusCode::OK, &out))
}

pub async fn list_dead_letters(
    ctx: &Ctx,
    raw_id: &str,
    query: Option<&str>,
) -> Result<Resp, ApiError> {
    let limit = parse_limit(query)?;
    let stores = open_stores().await?;
    let config = own_config(&stores.configs, ctx, raw_id).await?;
    let records = queue::list_dead_letters(&stores, &config.id, limit)
        .await
        .map_err(ApiError::internal)?;
    let out: Vec<Value> = records
        .into_iter()
        .map(|r| {
            json!({
                "id": r.eid,
                "eventId": r.event_id,
                "eventName": r.event_name,
                "attempt": r.attempt,
                "firstEnqueuedAt": iso(r.first_enqueued_at),
                "deadAt": iso(r.dead_at),
                "reason": r.reason,
                "responseCode": r.response_code,
            })
        })
        .collect();
    Ok(api::json_response(StatusCode::OK, &out))
}

pub async fn replay_dead_letters(ctx: &Ctx, raw_id: &str) -> Result<Resp, ApiError> {
    let stores = open_stores().await?;
    let config = own_config(&stores.configs, ctx, raw_id).await?;
    let replayed = queue::replay_dead_letters(&stores, &config.id, ctx.now_ms)
        .await
        .map_err(ApiError::internal)?;
    if replayed > 0 {
        edge_kit::wake::wake_dispatcher("dead letters replayed");
    }
    Ok(api::json_response(
        StatusCode::OK,
        &json!({ "replayed": replayed }),
    ))
}
