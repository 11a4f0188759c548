//! The alert webhook to TrainerERP: one event per raise or clear, queued in the `queue` store
//! as `wh/{id}` and sent until acknowledged (2xx), with the delivery queue's capped exponential
//! backoff (`retry::RetryPolicy`), and never given up: an unreachable TrainerERP gets its
//! events when it comes back. At least once; the `X-Alert-Event-Id` header is the same on every
//! attempt of one event, so the receiver keeps one.
//!
//! The body is `{"type": "alert.raised"|"alert.cleared", "alert": {...}, "tenantId", "sentAt"}`
//! and `X-Signature: t=<unix secs>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, the scheme of the
//! backend's own events, so TrainerERP verifies it with the code it signs with.

use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::{Alert, Change};
use crate::config::TenantId;
use crate::kv::{KvError, KvStore};
use crate::retry::RetryPolicy;
use crate::schema;

/// How long a sender owns an event it claimed: longer than one send (timeout included).
pub const IN_FLIGHT_MS: i64 = 60_000;
/// At most this many webhooks are sent per step.
pub const MAX_PER_STEP: usize = 50;

/// One change to announce.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookEvent {
    /// 32 hex digits, the idempotency key (`X-Alert-Event-Id`).
    pub id: String,
    #[serde(rename = "type")]
    pub change: Change,
    pub alert: Alert,
    pub tenant_id: TenantId,
}

impl WebhookEvent {
    /// The event of `change` of `alert` (its id derives from tenant, alert, change and time).
    pub fn new(tenant: &TenantId, change: Change, alert: Alert) -> WebhookEvent {
        let at = match change {
            Change::Raised => alert.since,
            Change::Cleared => alert.cleared_at,
        };
        let mut h = Sha256::new();
        h.update(tenant.as_str().as_bytes());
        h.update([0]);
        h.update(alert.id.as_bytes());
        h.update([0]);
        h.update(change.as_str().as_bytes());
        h.update(at.unwrap_or(0).to_string().as_bytes());
        WebhookEvent {
            id: hex::encode(&h.finalize()[..16]),
            change,
            alert,
            tenant_id: tenant.clone(),
        }
    }

    /// The request body, stamped `sentAt` = `now_ms`.
    pub fn body(&self, now_ms: i64) -> Vec<u8> {
        serde_json::to_vec(&json!({
            "type": self.change.as_str(),
            "alert": self.alert,
            "tenantId": self.tenant_id,
            "sentAt": now_ms,
        }))
        .unwrap_or_default()
    }
}

/// `X-Signature` of `body` at `t_secs` under `secret`.
pub fn signature(secret: &[u8], t_secs: i64, body: &[u8]) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret).expect("HMAC takes any key");
    mac.update(t_secs.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("t={t_secs},v1={}", hex::encode(mac.finalize().into_bytes()))
}

/// A queued event, with its attempts so far and when it is next due.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Pending {
    pub event: WebhookEvent,
    pub attempt: u32,
    pub due_ms: i64,
}

/// Queue `events`, due at `now_ms` (one `set_many`). Writing an event again (a retried
/// hand-over) sends it again under the same id.
pub async fn enqueue<S: KvStore>(
    queue: &S,
    events: &[WebhookEvent],
    now_ms: i64,
) -> Result<(), KvError> {
    if events.is_empty() {
        return Ok(());
    }
    let pairs: Vec<(String, Vec<u8>)> = events
        .iter()
        .map(|e| {
            let p = Pending {
                event: e.clone(),
                attempt: 0,
                due_ms: now_ms,
            };
            (
                schema::webhook_key(&e.id),
                serde_json::to_vec(&p).unwrap_or_default(),
            )
        })
        .collect();
    queue.set_many(&pairs).await
}

/// Every queued event with its key and stored bytes (one `keys` scan and one `get_many`).
pub async fn queued<S: KvStore>(queue: &S) -> Result<Vec<(String, Vec<u8>, Pending)>, KvError> {
    let keys: Vec<String> = queue
        .keys()
        .await?
        .into_iter()
        .filter(|k| k.starts_with("wh/"))
        .collect();
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    let values = queue.get_many(&keys).await?;
    let mut out: Vec<(String, Vec<u8>, Pending)> = keys
        .into_iter()
        .zip(values)
        .filter_map(|(k, v)| {
            let v = v?;
            let p = serde_json::from_slice(&v).ok()?;
            Some((k, v, p))
        })
        .collect();
    out.sort_by_key(|(_, _, p)| p.due_ms);
    Ok(out)
}

/// What [`deliver_due`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Sent {
    pub sent: usize,
    pub failed: usize,
    /// When the earliest event still queued is due.
    #[serde(skip)]
    pub next_due_ms: Option<i64>,
}

/// Send the events due by `now_ms` with `send` (given the event and its body; `true` when
/// acknowledged). Each is claimed first by compare-and-swap (its due time moved
/// [`IN_FLIGHT_MS`] on), so two senders never send one attempt twice; acknowledged ones are
/// deleted, the others rescheduled with the delivery backoff.
pub async fn deliver_due<S: KvStore>(
    queue: &S,
    now_ms: i64,
    random: impl Fn() -> u64,
    send: impl AsyncFn(&WebhookEvent, Vec<u8>) -> bool,
) -> Result<Sent, KvError> {
    let mut out = Sent::default();
    let mut taken = 0;
    for (key, raw, p) in queued(queue).await? {
        if p.due_ms > now_ms || taken >= MAX_PER_STEP {
            out.next_due_ms = Some(out.next_due_ms.map_or(p.due_ms, |t: i64| t.min(p.due_ms)));
            continue;
        }
        taken += 1;
        let claimed = Pending {
            due_ms: now_ms + IN_FLIGHT_MS,
            ..p.clone()
        };
        let claimed_raw = serde_json::to_vec(&claimed).unwrap_or_default();
        if !queue
            .compare_and_swap(&key, Some(&raw), &claimed_raw)
            .await?
        {
            continue;
        }
        if send(&p.event, p.event.body(now_ms)).await {
            queue.delete(&key).await?;
            out.sent += 1;
            continue;
        }
        out.failed += 1;
        let attempt = p.attempt.saturating_add(1);
        let delay = RetryPolicy::default().backoff_secs(attempt, random()) as i64 * 1000;
        let next = Pending {
            attempt,
            due_ms: now_ms + delay,
            ..p
        };
        let next_raw = serde_json::to_vec(&next).unwrap_or_default();
        if queue
            .compare_and_swap(&key, Some(&claimed_raw), &next_raw)
            .await?
        {
            out.next_due_ms = Some(out.next_due_ms.map_or(next.due_ms, |t| t.min(next.due_ms)));
        }
    }
    Ok(out)
}
