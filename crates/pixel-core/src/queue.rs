//! The durable delivery queue over [`KvStore`]: enqueue, claim with leases, complete, retry,
//! dead-letter, hold and cancel.
//!
//! Layout (see [`crate::schema`]): an event is stored once (`e/{eid}`), with one delivery key per
//! config, `d/{config}/{due_ms}/{eid}`, whose key alone says whose it is and when it is due.
//! The queue store holds nothing else that grows (dedup claims and dead letters live in `logs`),
//! so the dispatcher's single `keys()` scan is bounded by the backlog and finds due work without
//! reading a value.
//!
//! Concurrency: the lease is **per config** (`lease/{config}`, taken by compare-and-swap), and a
//! dispatcher holding it owns every due delivery of that config: two dispatchers never hold the
//! same config, so they never send the same delivery, and one broken destination never blocks
//! another. After taking a lease the claimer re-reads the delivery keys it saw in its scan and
//! drops those that are gone, so a stale scan (another dispatcher finished them in between)
//! sends nothing twice. A lease that expires is taken over: a dispatcher that died mid-batch
//! loses nothing. The lease must outlast a send (platform timeout plus margin), or a slow
//! dispatcher and its successor may both send.
//!
//! KV operations: enqueue is 2 (dedup compare-and-swap, one `set_many`); a claim is
//! `keys` + `get_many` (leases) + one compare-and-swap per config + `get_many`; completing a
//! batch is one `delete_many`, rescheduling one `set_many` + one `delete_many`. With batches, a
//! delivered event costs about 2 operations.
//!
//! Corrupt stored data never panics: an unreadable delivery or event body is dropped (deleted)
//! when met, since nothing could ever send it; an unreadable lease counts as free; an unreadable
//! dedup claim counts as expired.

mod claim;
mod dead;
mod record;
pub mod worker;

pub use claim::{ClaimPlan, claim_due, extend_lease, plan_claim, release, take_claim};
pub use dead::{DeadLetter, DeadLetterRecord, dead_letter, list_dead_letters, replay_dead_letters};

use std::collections::BTreeSet;

use crate::StandardEvent;
use crate::config::{ConfigId, TenantId};
use crate::kv::{IndexEntry, KvError, KvStore, Stores};
use crate::logs::{self, LogEntry, LogStatus};
use crate::schema::{self, QueueKey};
use record::{DeliveryRecord, EventHeader, encode_event, to_json};

/// How long an event id stays a duplicate of itself: platforms deduplicate for 48 h too.
pub const DEDUP_WINDOW_MS: i64 = 48 * 3_600_000;

/// A delivery whose event body is missing for this long is dropped (a non-atomic `set_many`
/// may show the delivery before the body for a moment; after this it is corruption).
pub const ORPHAN_GRACE_MS: i64 = 10 * 60_000;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueueError {
    #[error(transparent)]
    Kv(#[from] KvError),
}

/// What [`enqueue`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnqueueResult {
    /// The event was new; this many deliveries were queued (0 when no config tracks it).
    NewDeliveries(usize),
    /// The tenant already sent this event id within [`DEDUP_WINDOW_MS`]: nothing was done.
    Duplicate,
}

/// The queue entries of one event: its body, and one delivery per config, due now.
fn entries(
    tenant: &TenantId,
    event_id: &str,
    event_name: StandardEvent,
    event_json: &[u8],
    configs: &BTreeSet<&ConfigId>,
    now_ms: i64,
) -> Vec<(String, Vec<u8>)> {
    let eid = schema::event_ref(tenant, event_id);
    let header = EventHeader {
        tenant: tenant.clone(),
        event_id: event_id.to_owned(),
        event_name,
        enqueued_at: now_ms,
    };
    let record = to_json(&DeliveryRecord {
        tenant: tenant.clone(),
        event_id: event_id.to_owned(),
        event_name,
        attempt: 0,
        first_enqueued_at: now_ms,
        last_error: None,
        shared: configs.len() > 1,
    });
    let mut pairs = Vec::with_capacity(configs.len() + 1);
    pairs.push((schema::event_key(&eid), encode_event(&header, event_json)));
    for c in configs {
        pairs.push((schema::delivery_key(c, now_ms, &eid), record.clone()));
    }
    pairs
}

/// An event for [`enqueue_minted`].
#[derive(Debug, Clone)]
pub struct MintedEvent<'a> {
    pub tenant: &'a TenantId,
    pub event_id: &'a str,
    pub event_name: StandardEvent,
    pub event_json: &'a [u8],
    /// The configs that receive it.
    pub configs: &'a [ConfigId],
}

/// Queue events whose ids the caller has just minted at random (128 bits, as the edge does for
/// a page view): no one else can hold such an id, so no dedup claim is taken, and every event
/// with its deliveries goes in one `set_many`. Returns the deliveries queued. Ids that may come
/// back (an order's, a backend's) must go through [`enqueue`].
pub async fn enqueue_minted<S: KvStore>(
    stores: &Stores<S>,
    events: &[MintedEvent<'_>],
    now_ms: i64,
) -> Result<usize, QueueError> {
    let mut pairs = Vec::new();
    let mut deliveries = 0;
    for e in events {
        let unique: BTreeSet<&ConfigId> = e.configs.iter().collect();
        if unique.is_empty() {
            continue;
        }
        deliveries += unique.len();
        pairs.extend(entries(
            e.tenant,
            e.event_id,
            e.event_name,
            e.event_json,
            &unique,
            now_ms,
        ));
    }
    if !pairs.is_empty() {
        let index = due_index(&stores.queue, pairs.iter().map(|(k, _)| k));
        stores.queue.set_many_indexed(&pairs, &index).await?;
    }
    Ok(deliveries)
}

/// A delivery owned by this dispatcher until its batch's lease runs out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimedDelivery {
    pub config_id: ConfigId,
    pub tenant: TenantId,
    /// The queue's id of the event ([`schema::event_ref`]).
    pub eid: String,
    pub event_id: String,
    pub event_name: StandardEvent,
    /// Attempts made before this one (0 on the first).
    pub attempt: u32,
    /// When the event was enqueued (latency KPI, platform deadlines).
    pub first_enqueued_ms: i64,
    /// When this attempt was due.
    pub due_ms: i64,
    pub last_error: Option<String>,
    /// The event as the caller enqueued it.
    pub event_json: Vec<u8>,
    /// Whether other configs' deliveries still used the event body when it was claimed.
    pub(crate) event_shared: bool,
}

impl ClaimedDelivery {
    fn key(&self) -> String {
        schema::delivery_key(&self.config_id, self.due_ms, &self.eid)
    }

    fn record(&self) -> DeliveryRecord {
        DeliveryRecord {
            tenant: self.tenant.clone(),
            event_id: self.event_id.clone(),
            event_name: self.event_name,
            attempt: self.attempt,
            first_enqueued_at: self.first_enqueued_ms,
            last_error: self.last_error.clone(),
            shared: self.event_shared,
        }
    }
}

/// A config's lease, as taken by [`claim_due`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    pub config_id: ConfigId,
    pub owner: String,
    pub until_ms: i64,
    pub(crate) value: Vec<u8>,
}

/// The due deliveries of one config, claimed under one lease.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigBatch {
    pub config_id: ConfigId,
    pub lease: Lease,
    /// Oldest due first.
    pub deliveries: Vec<ClaimedDelivery>,
}

/// Queue `event_json` once for `tenant` + `event_id`, with one delivery per config in `configs`
/// (the active configs of the tenant that track `event_name`), due now.
/// Idempotent for [`DEDUP_WINDOW_MS`]; an expired claim is reclaimed.
#[allow(clippy::too_many_arguments)]
pub async fn enqueue<S: KvStore>(
    stores: &Stores<S>,
    tenant: &TenantId,
    event_id: &str,
    event_name: StandardEvent,
    event_json: &[u8],
    configs: &[ConfigId],
    now_ms: i64,
) -> Result<EnqueueResult, QueueError> {
    let dedup = schema::dedup_key(tenant, event_id);
    let expiry = (now_ms + DEDUP_WINDOW_MS).to_string();
    if !stores
        .logs
        .compare_and_swap(&dedup, None, expiry.as_bytes())
        .await?
    {
        let Some(old) = stores.logs.get(&dedup).await? else {
            // Deleted in between: a failed enqueue gave its claim back; let the caller retry.
            return Err(KvError("dedup claim changed under us; retry".into()).into());
        };
        let live = std::str::from_utf8(&old)
            .ok()
            .and_then(|s| s.parse::<i64>().ok())
            .is_some_and(|until| until > now_ms);
        if live
            || !stores
                .logs
                .compare_and_swap(&dedup, Some(&old), expiry.as_bytes())
                .await?
        {
            return Ok(EnqueueResult::Duplicate);
        }
    }
    let unique: BTreeSet<&ConfigId> = configs.iter().collect();
    if unique.is_empty() {
        return Ok(EnqueueResult::NewDeliveries(0));
    }
    let pairs = entries(tenant, event_id, event_name, event_json, &unique, now_ms);
    let index = due_index(&stores.queue, pairs.iter().map(|(k, _)| k));
    if let Err(e) = stores.queue.set_many_indexed(&pairs, &index).await {
        // Give the claim back so the caller's retry is not taken for a duplicate.
        let _ = stores.logs.delete(&dedup).await;
        return Err(e.into());
    }
    Ok(EnqueueResult::NewDeliveries(unique.len()))
}

/// Delivered: remove the deliveries, and their event bodies when no other config needs them.
pub async fn complete<S: KvStore>(
    stores: &Stores<S>,
    deliveries: &[ClaimedDelivery],
) -> Result<(), QueueError> {
    if deliveries.is_empty() {
        return Ok(());
    }
    delete_indexed(&stores.queue, &removal_keys(deliveries)).await?;
    Ok(())
}

/// The due-index entries of the delivery keys among `keys`: none when the store keeps no index.
pub(crate) fn due_index<'a, S: KvStore>(
    q: &S,
    keys: impl IntoIterator<Item = &'a String>,
) -> Vec<IndexEntry> {
    if !q.has_index() {
        return Vec::new();
    }
    keys.into_iter()
        .filter_map(|k| match schema::parse_queue_key(k) {
            QueueKey::Delivery { config, due_ms, .. } => Some(IndexEntry {
                group: config.to_string(),
                score: due_ms,
                member: k.clone(),
            }),
            _ => None,
        })
        .collect()
}

/// Delete queue keys, and the index entries of the deliveries among them.
pub(crate) async fn delete_indexed<S: KvStore>(q: &S, keys: &[String]) -> Result<(), KvError> {
    q.delete_many_indexed(keys, &due_index(q, keys)).await
}

fn removal_keys(deliveries: &[ClaimedDelivery]) -> Vec<String> {
    let mut keys: Vec<String> = deliveries.iter().map(ClaimedDelivery::key).collect();
    keys.extend(
        deliveries
            .iter()
            .filter(|d| !d.event_shared)
            .map(|d| schema::event_key(&d.eid)),
    );
    keys
}

/// A retry to schedule.
#[derive(Debug, Clone)]
pub struct Reschedule<'a> {
    pub delivery: &'a ClaimedDelivery,
    pub next_attempt_ms: i64,
    /// Attempts made so far, this one included.
    pub attempt: u32,
    pub last_error: Option<String>,
}

/// Move deliveries to their next attempt time (new key written before the old one goes, so the
/// event is never without a delivery).
pub async fn reschedule<S: KvStore>(
    stores: &Stores<S>,
    items: &[Reschedule<'_>],
) -> Result<(), QueueError> {
    if items.is_empty() {
        return Ok(());
    }
    let mut pairs = Vec::with_capacity(items.len());
    let mut old = Vec::with_capacity(items.len());
    for it in items {
        let d = it.delivery;
        let mut record = d.record();
        record.attempt = it.attempt;
        record.last_error = it.last_error.clone();
        let new_key = schema::delivery_key(&d.config_id, it.next_attempt_ms, &d.eid);
        if new_key != d.key() {
            old.push(d.key());
        }
        pairs.push((new_key, to_json(&record)));
    }
    let index = due_index(&stores.queue, pairs.iter().map(|(k, _)| k));
    stores.queue.set_many_indexed(&pairs, &index).await?;
    if !old.is_empty() {
        delete_indexed(&stores.queue, &old).await?;
    }
    Ok(())
}

/// Credentials invalid: keep the config's deliveries but stop claiming them.
pub async fn hold_config<S: KvStore>(
    stores: &Stores<S>,
    config: &ConfigId,
) -> Result<(), QueueError> {
    stores.queue.set(&schema::hold_key(config), b"1").await?;
    Ok(())
}

/// The token was replaced: the config's deliveries are claimable again (those already due at once).
pub async fn release_config<S: KvStore>(
    stores: &Stores<S>,
    config: &ConfigId,
) -> Result<(), QueueError> {
    stores.queue.delete(&schema::hold_key(config)).await?;
    Ok(())
}

/// The config was deleted: remove its pending deliveries (held ones too), its lease and hold,
/// and record each as `cancelled` in its log. Returns how many were cancelled.
pub async fn cancel_config<S: KvStore>(
    stores: &Stores<S>,
    config: &ConfigId,
    now_ms: i64,
) -> Result<usize, QueueError> {
    let keys = stores.queue.keys().await?;
    let mut mine = Vec::new();
    let mut users: std::collections::HashMap<String, usize> = Default::default();
    for k in &keys {
        if let QueueKey::Delivery { config: c, eid, .. } = schema::parse_queue_key(k) {
            *users.entry(eid.clone()).or_default() += 1;
            if &c == config {
                mine.push((k.clone(), eid));
            }
        }
    }
    let values = if mine.is_empty() {
        Vec::new()
    } else {
        let ks: Vec<String> = mine.iter().map(|(k, _)| k.clone()).collect();
        stores.queue.get_many(&ks).await?
    };
    let mut delete: Vec<String> = vec![schema::hold_key(config), schema::lease_key(config)];
    let mut entries = Vec::new();
    for ((key, eid), value) in mine.iter().zip(values) {
        delete.push(key.clone());
        if users.get(eid).copied().unwrap_or(0) <= 1 {
            delete.push(schema::event_key(eid));
        }
        let Some(rec) = value.and_then(|v| serde_json::from_slice::<DeliveryRecord>(&v).ok())
        else {
            continue;
        };
        entries.push(LogEntry {
            id: String::new(),
            timestamp: now_ms,
            event_name: rec.event_name.spec_name().to_owned(),
            status: LogStatus::Cancelled,
            response_code: None,
            error_message: Some("tracking config deleted".into()),
            payload: serde_json::json!({ "eventId": rec.event_id }),
            latency_ms: 0,
            attempt: rec.attempt,
        });
    }
    delete_indexed(&stores.queue, &delete).await?;
    let n = mine.len();
    logs::append(&stores.logs, config, entries).await?;
    Ok(n)
}

/// When the earliest claimable delivery is due (held configs excluded), `None` when the queue
/// is empty: how long a worker may sleep. One `keys()` call, or with a due index one read of
/// its groups and one `get_many` of their holds.
pub async fn next_due_time<S: KvStore>(stores: &Stores<S>) -> Result<Option<i64>, QueueError> {
    // The alert step (evaluation, webhooks) is work too (`crate::alerts::check`): one `get`.
    let alerts = crate::alerts::check::due_at(&stores.queue).await?;
    let deliveries = next_delivery_time(stores).await?;
    Ok(match (alerts, deliveries) {
        (Some(a), Some(d)) => Some(a.min(d)),
        (a, d) => a.or(d),
    })
}

async fn next_delivery_time<S: KvStore>(stores: &Stores<S>) -> Result<Option<i64>, QueueError> {
    if let Some(groups) = stores.queue.index_groups().await? {
        let groups: Vec<(ConfigId, i64)> = groups
            .into_iter()
            .filter_map(|(g, t)| ConfigId::parse(&g).ok().map(|c| (c, t)))
            .collect();
        if groups.is_empty() {
            return Ok(None);
        }
        let holds: Vec<String> = groups.iter().map(|(c, _)| schema::hold_key(c)).collect();
        let held = stores.queue.get_many(&holds).await?;
        return Ok(groups
            .into_iter()
            .zip(held)
            .filter(|(_, h)| h.is_none())
            .map(|((_, t), _)| t)
            .min());
    }
    let keys = stores.queue.keys().await?;
    let mut held = BTreeSet::new();
    let mut due: Vec<(ConfigId, i64)> = Vec::new();
    let mut polls: Vec<i64> = Vec::new();
    for k in &keys {
        match schema::parse_queue_key(k) {
            QueueKey::Hold { config } => {
                held.insert(config);
            }
            QueueKey::Delivery { config, due_ms, .. } => due.push((config, due_ms)),
            // Google request outcomes to poll: work for the same worker, held config or not.
            QueueKey::Poll { due_ms, .. } => polls.push(due_ms),
            _ => {}
        }
    }
    Ok(due
        .into_iter()
        .filter(|(c, _)| !held.contains(c))
        .map(|(_, t)| t)
        .chain(polls)
        .min())
}

/// Whether any claimable delivery is due by `now_ms + within_ms`.
pub async fn has_pending_work<S: KvStore>(
    stores: &Stores<S>,
    now_ms: i64,
    within_ms: i64,
) -> Result<bool, QueueError> {
    Ok(next_due_time(stores)
        .await?
        .is_some_and(|t| t <= now_ms + within_ms))
}

/// Rate limit for waking the dispatcher: `true` for at most one caller per `min_interval_ms`
/// across all instances (compare-and-swap on `wake`).
pub async fn try_wake<S: KvStore>(
    stores: &Stores<S>,
    now_ms: i64,
    min_interval_ms: i64,
) -> Result<bool, QueueError> {
    once_per(&stores.queue, schema::WAKE_KEY, now_ms, min_interval_ms).await
}

/// How often expired dedup claims are swept out of `logs`.
pub const SWEEP_INTERVAL_MS: i64 = 6 * 3_600_000;

/// [`sweep_expired_dedup`] if no one did in the last [`SWEEP_INTERVAL_MS`] (compare-and-swap on
/// `sweep`): what a dispatcher worker calls when it ends its duty. `None` when not due.
pub async fn sweep_if_due<S: KvStore>(
    stores: &Stores<S>,
    now_ms: i64,
) -> Result<Option<usize>, QueueError> {
    if !once_per(&stores.queue, schema::SWEEP_KEY, now_ms, SWEEP_INTERVAL_MS).await? {
        return Ok(None);
    }
    if stores.queue.has_index() {
        sweep_orphan_events(stores, now_ms).await?;
    }
    // Conectar con Google flows nobody finished (states, pending connections).
    crate::google_connect::sweep_abandoned(&stores.configs, now_ms).await?;
    sweep_expired_dedup(stores, now_ms).await.map(Some)
}

/// `true` for at most one caller per `min_interval_ms` across all instances: the time of the
/// last `true` is kept in `key` and replaced by compare-and-swap.
pub(crate) async fn once_per<S: KvStore>(
    q: &S,
    key: &str,
    now_ms: i64,
    min_interval_ms: i64,
) -> Result<bool, QueueError> {
    let now = now_ms.to_string();
    let old = q.get(key).await?;
    if let Some(old) = &old {
        let last = std::str::from_utf8(old)
            .ok()
            .and_then(|s| s.parse::<i64>().ok());
        if last.is_some_and(|t| now_ms - t < min_interval_ms && t <= now_ms) {
            return Ok(false);
        }
    }
    Ok(q.compare_and_swap(key, old.as_deref(), now.as_bytes())
        .await?)
}

#[cfg(test)]
mod index_tests;
#[cfg(test)]
mod interleave_tests;

/// Maintenance for stores with a due index, where claims never scan: delete event bodies no
/// delivery uses any more (a shared event's body outlives its last delivery until this runs)
/// once older than [`ORPHAN_GRACE_MS`]. A full scan of the queue store; [`sweep_if_due`] runs
/// it a few times a day. Returns how many.
pub async fn sweep_orphan_events<S: KvStore>(
    stores: &Stores<S>,
    now_ms: i64,
) -> Result<usize, QueueError> {
    let mut events = BTreeSet::new();
    let mut used = std::collections::HashSet::new();
    for k in stores.queue.keys().await? {
        match schema::parse_queue_key(&k) {
            QueueKey::Event { eid } => {
                events.insert(eid);
            }
            QueueKey::Delivery { eid, .. } => {
                used.insert(eid);
            }
            _ => {}
        }
    }
    let orphans: Vec<String> = events
        .into_iter()
        .filter(|e| !used.contains(e))
        .map(|e| schema::event_key(&e))
        .collect();
    let mut gone = Vec::new();
    for chunk in orphans.chunks(1_000) {
        for (k, v) in chunk.iter().zip(stores.queue.get_many(chunk).await?) {
            let old = v
                .as_deref()
                .and_then(record::decode_event)
                .is_none_or(|(h, _)| h.enqueued_at < now_ms - ORPHAN_GRACE_MS);
            if old {
                gone.push(k.clone());
            }
        }
    }
    for chunk in gone.chunks(1_000) {
        stores.queue.delete_many(chunk).await?;
    }
    Ok(gone.len())
}
/// Maintenance: delete dedup claims that expired before `now_ms` (claims are otherwise only
/// overwritten when their event id comes back). A full scan of the `logs` store, so run it
/// rarely (e.g. once a day from the tick endpoint), never on a request path. Returns how many.
pub async fn sweep_expired_dedup<S: KvStore>(
    stores: &Stores<S>,
    now_ms: i64,
) -> Result<usize, QueueError> {
    let keys: Vec<String> = stores
        .logs
        .keys()
        .await?
        .into_iter()
        .filter(|k| k.starts_with("dedup/"))
        .collect();
    let mut expired = Vec::new();
    for chunk in keys.chunks(1_000) {
        let values = stores.logs.get_many(chunk).await?;
        for (k, v) in chunk.iter().zip(values) {
            let until = v
                .as_deref()
                .and_then(|v| std::str::from_utf8(v).ok())
                .and_then(|s| s.parse::<i64>().ok());
            if until.is_none_or(|t| t <= now_ms) {
                expired.push(k.clone());
            }
        }
    }
    for chunk in expired.chunks(1_000) {
        stores.logs.delete_many(chunk).await?;
    }
    Ok(expired.len())
}

#[cfg(test)]
mod tests;
