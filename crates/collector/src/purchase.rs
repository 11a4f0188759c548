//! A thank-you page's Purchase never beats the backend's. Anyone can open
//! `/gracias?pedido=A-1&valor=0.01`, while the backend's payment event is signed, so the page's
//! Purchase is *held*: queued under its own idempotency key (`order-A-1~page`, the event itself
//! keeps the order's `event_id`) with deliveries due [`HOLD_MS`] later. When the backend's
//! Purchase for the order arrives within the hold, it is queued at once (nothing stands on its
//! id) and the held copy is cancelled; when it arrived first, the page queues nothing. So each
//! platform gets one event per order, with the backend's value, whichever side comes first; a
//! page whose order the backend never confirms is still reported, late.
//!
//! Interleavings: the page checks the backend's claim, queues, and checks again (cancelling
//! itself if the claim appeared); the backend claims first and cancels after. Whatever the
//! order of those steps, one side sees the other.

use edge_kit::auth::query_param;
use edge_kit::host::variable;
use edge_kit::pipeline::{Enqueued, route};
use pixel_core::StandardEvent;
use pixel_core::config::{TenantId, TrackingConfig};
use pixel_core::event::Event;
use pixel_core::kv::{KvError, KvStore, Stores};
use pixel_core::queue::{self, DEDUP_WINDOW_MS, EnqueueResult};
use pixel_core::schema;
use pixel_core::site::Site;

use crate::order::{OrderProof, SIGNATURE_PARAM, order_proof};
use crate::track::Order;

/// How long a page's Purchase waits for the backend's before it is sent on its own.
pub const HOLD_MS: i64 = 30 * 60_000;

/// Keep a thank-you page's Purchase only with the proof its site asks for: a forged signature
/// never counts, a missing one only where the site does not require it. Also whether an order
/// was signed (then its value is the backend's, and the browser pixel may show it).
pub async fn proven_orders(
    names: Vec<(StandardEvent, Option<Order>)>,
    site: Option<&Site>,
    query: &str,
) -> (Vec<(StandardEvent, Option<Order>)>, bool) {
    let (Some(site), true) = (site, names.iter().any(|(_, o)| o.is_some())) else {
        return (names, false);
    };
    let secret = variable("ingest_signing_secret").await.unwrap_or_default();
    let sig = query_param(query, SIGNATURE_PARAM);
    let mut signed = false;
    let mut kept = Vec::with_capacity(names.len());
    for (name, order) in names {
        if let Some(o) = &order {
            match order_proof(sig.as_deref(), secret.as_bytes(), &o.id, o.value) {
                OrderProof::Signed => signed = true,
                OrderProof::Unsigned if !site.require_signed_orders => {}
                proof => {
                    eprintln!("site {}: thank-you order refused ({proof:?})", site.host);
                    continue;
                }
            }
        }
        kept.push((name, order));
    }
    (kept, signed)
}

/// The queue key of a page's copy of the order's event.
pub fn page_key(event_id: &str) -> String {
    format!("{event_id}~page")
}

/// Whether a live dedup claim stands on `key` (the backend's event, or a held page copy), and
/// until when.
async fn claim_until<S: KvStore>(
    stores: &Stores<S>,
    tenant: &TenantId,
    key: &str,
    now_ms: i64,
) -> Result<Option<i64>, KvError> {
    let raw = stores.logs.get(&schema::dedup_key(tenant, key)).await?;
    Ok(raw
        .and_then(|r| std::str::from_utf8(&r).ok()?.parse::<i64>().ok())
        .filter(|until| *until > now_ms))
}

/// Queue a thank-you page's Purchase (its id derived from the order) on hold.
pub async fn enqueue_page_purchase<S: KvStore>(
    stores: &Stores<S>,
    configs: &[TrackingConfig],
    tenant: &TenantId,
    event: &Event,
    now_ms: i64,
) -> Result<Enqueued, KvError> {
    let id = event.event_id.as_str();
    let duplicate = Enqueued {
        duplicate: true,
        deliveries: 0,
    };
    if claim_until(stores, tenant, id, now_ms).await?.is_some() {
        return Ok(duplicate);
    }
    let ids = route(configs, StandardEvent::Purchase, None)
        .remove(&StandardEvent::Purchase)
        .unwrap_or_default();
    let json = serde_json::to_vec(event).map_err(|e| KvError(e.to_string()))?;
    let due = now_ms + HOLD_MS;
    let key = page_key(id);
    let queued = queue::enqueue(
        stores,
        tenant,
        &key,
        StandardEvent::Purchase,
        &json,
        &ids,
        due,
    )
    .await
    .map_err(|e| KvError(e.to_string()))?;
    let EnqueueResult::NewDeliveries(n) = queued else {
        return Ok(duplicate);
    };
    if claim_until(stores, tenant, id, now_ms).await?.is_some() {
        cancel_held(stores, configs, tenant, id, now_ms).await?;
        return Ok(duplicate);
    }
    Ok(Enqueued {
        duplicate: false,
        deliveries: n,
    })
}

/// Cancel the held page copy of the order event `event_id`, if one is still waiting: called
/// when the backend's Purchase is queued. Whether a copy was cancelled (the order was already
/// counted as received when the page reported it).
pub async fn cancel_held<S: KvStore>(
    stores: &Stores<S>,
    configs: &[TrackingConfig],
    tenant: &TenantId,
    event_id: &str,
    now_ms: i64,
) -> Result<bool, KvError> {
    let key = page_key(event_id);
    // The claim was taken with `now = due`, so it says when the copy is due.
    let Some(until) = claim_until(stores, tenant, &key, now_ms).await? else {
        return Ok(false);
    };
    let due = until - DEDUP_WINDOW_MS;
    if due <= now_ms {
        return Ok(false);
    }
    let eid = schema::event_ref(tenant, &key);
    // Every config of the tenant: one created or changed since the page only makes a key that
    // is not there.
    let mut keys: Vec<String> = configs
        .iter()
        .map(|c| schema::delivery_key(&c.id, due, &eid))
        .collect();
    keys.push(schema::event_key(&eid));
    stores.queue.delete_many(&keys).await?;
    Ok(true)
}
