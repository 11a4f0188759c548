//! `POST /api/v1/events`: the TrainerERP backend's events, signed, one object or a batch of up
//! to [`MAX_BATCH`], each validated on its own: the valid ones are queued, the invalid ones are
//! reported per item (207) so one bad row never costs the others. Never waits on a platform.

use std::collections::HashMap;

use edge_kit::api::{ApiError, Resp, json_response, read_body};
use edge_kit::host::{now_ms, variable};
use edge_kit::kv::open_stores;
use edge_kit::pipeline::{enqueue_loaded, load_configs};
use http::StatusCode;
use pixel_core::StandardEvent;
use pixel_core::config::{TenantId, TrackingConfig};
use serde_json::{Value, json};
use spin_sdk::http::Request;

use crate::backend::{MAX_BATCH, default_event, parse_item, tenant_and_name};
use crate::signature;

/// 500 events of a few hundred bytes each, with room to spare.
const MAX_BODY: usize = 4 * 1024 * 1024;

thread_local! {
    static SECRET: std::cell::RefCell<Option<std::rc::Rc<String>>> =
        const { std::cell::RefCell::new(None) };
}

/// The signing secret, read once per instance (variables do not change while the app runs).
async fn signing_secret() -> Result<std::rc::Rc<String>, ApiError> {
    if let Some(s) = SECRET.with(|c| c.borrow().clone()) {
        return Ok(s);
    }
    let s = std::rc::Rc::new(variable("ingest_signing_secret").await?);
    SECRET.with(|c| *c.borrow_mut() = Some(s.clone()));
    Ok(s)
}

pub async fn handle(req: Request) -> Resp {
    let mut timing = crate::timing::Timing::start().await;
    let mut resp = match ingest(req, &mut timing).await {
        Ok(resp) => resp,
        Err(e) => e.into_response(),
    };
    timing.finish(resp.headers_mut());
    resp
}

async fn ingest(req: Request, timing: &mut crate::timing::Timing) -> Result<Resp, ApiError> {
    if req.method() != http::Method::POST {
        return Err(ApiError::MethodNotAllowed("POST"));
    }
    let sig = req
        .headers()
        .get("x-signature")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let now = now_ms() as i64;
    // A missing, malformed or stale header is refused before a byte of the body is read; a
    // well-formed one costs one HMAC of the body, whatever it holds.
    let header = signature::parse_header(sig.as_deref(), now / 1000)
        .map_err(|e| ApiError::Unauthorized(e.message().into()))?;
    let body = read_body(req, MAX_BODY).await?;
    timing.mark("read");
    let secret = signing_secret().await?;
    signature::verify_body(&header, &body, secret.as_bytes())
        .map_err(|e| ApiError::Unauthorized(e.message().into()))?;
    // Any signed backend call after a restart wakes the dispatcher if work is pending.
    edge_kit::deliver::nudge();
    timing.mark("verify");

    let parsed: Value = serde_json::from_slice(&body).map_err(|e| ApiError::BadRequest {
        code: "invalid_json",
        message: format!("the body is not valid JSON: {e}"),
        details: Value::Null,
    })?;
    let (items, single) = match parsed {
        Value::Array(items) if items.is_empty() => {
            return Err(ApiError::field(
                "body",
                "empty",
                "the batch holds no events",
            ));
        }
        Value::Array(items) if items.len() > MAX_BATCH => {
            return Err(ApiError::field(
                "body",
                "too_long",
                format!("at most {MAX_BATCH} events per request"),
            ));
        }
        Value::Array(items) => (items, false),
        Value::Object(_) => (vec![parsed], true),
        _ => {
            return Err(ApiError::field(
                "body",
                "invalid_type",
                "must be an event object or an array of them",
            ));
        }
    };

    timing.mark("parse");
    let stores = open_stores().await?;
    timing.mark("open");
    let mut configs: HashMap<TenantId, Vec<TrackingConfig>> = HashMap::new();
    let mut purchases: HashMap<TenantId, u32> = HashMap::new();
    let mut results = Vec::with_capacity(items.len());
    let (mut accepted, mut duplicates, mut rejected, mut deliveries) = (0, 0, 0, 0);
    for (index, raw) in items.iter().enumerate() {
        let (tenant, name) = tenant_and_name(raw);
        let tenant_configs = match &tenant {
            Some(t) if !configs.contains_key(t) => {
                let loaded = load_configs(&stores.configs, t).await?;
                configs.entry(t.clone()).or_insert(loaded)
            }
            Some(t) => configs.entry(t.clone()).or_default(),
            None => &mut Vec::new(),
        };
        // A name the product does not know may still be one a config of the tenant maps.
        let mapped = name
            .as_deref()
            .filter(|n| default_event(n).is_none())
            .and_then(|n| tenant_configs.iter().find_map(|c| c.mapped_event(n)));
        timing.mark("configs");
        let item = match parse_item(raw, mapped, now) {
            Ok(item) => item,
            Err(errors) => {
                rejected += 1;
                results.push(json!({"index": index, "eventId": raw["eventId"], "status": "rejected", "errors": errors}));
                continue;
            }
        };
        let done = enqueue_loaded(
            &stores,
            tenant_configs,
            &item.tenant,
            &item.event,
            item.internal.as_deref(),
            now,
        )
        .await?;
        timing.mark("enqueue");
        // The backend's Purchase of an order replaces a thank-you page's copy still on hold
        // (that order was counted as received when the page reported it).
        let superseded = item.event.name == StandardEvent::Purchase
            && item.event.custom.order_id.is_some()
            && crate::purchase::cancel_held(
                &stores,
                tenant_configs,
                &item.tenant,
                item.event.event_id.as_str(),
                now,
            )
            .await?;
        let status = if done.duplicate {
            duplicates += 1;
            "duplicate"
        } else {
            accepted += 1;
            deliveries += done.deliveries;
            if item.event.name == StandardEvent::Purchase && !superseded {
                *purchases.entry(item.tenant.clone()).or_default() += 1;
            }
            "accepted"
        };
        results.push(json!({"index": index, "eventId": item.given_id, "queuedAs": item.event.event_id, "status": status, "deliveries": done.deliveries}));
    }
    for (tenant, n) in purchases {
        pixel_core::stats::record_purchases_received(&stores.stats, &tenant, now, n).await?;
    }
    if deliveries > 0 {
        edge_kit::wake::wake_unless_on_duty(&stores.queue, "backend events queued").await;
    }
    timing.mark("wake");
    if single {
        let only = results.pop().unwrap_or(Value::Null);
        if only["status"] == "rejected" {
            return Err(ApiError::validation(only["errors"].clone()));
        }
        return Ok(json_response(StatusCode::ACCEPTED, &only));
    }
    let status = if rejected > 0 {
        StatusCode::MULTI_STATUS
    } else {
        StatusCode::ACCEPTED
    };
    Ok(json_response(
        status,
        &json!({"accepted": accepted, "duplicates": duplicates, "rejected": rejected, "results": results}),
    ))
}
