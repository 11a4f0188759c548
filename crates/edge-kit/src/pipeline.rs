//! The enqueue side of the delivery pipeline, called by the collector (edge and backend events)
//! and the config API: store the event once per resolved standard event, with one delivery per
//! active config of the tenant that tracks it, then wake the dispatcher after the answer.
//!
//! A config may map one internal TrainerERP event to another standard event than the default
//! (`suscripcion.renovada` → `PURCHASE` instead of `SUBSCRIBE`). The queue stores one event
//! name per event, so configs are grouped by the event they resolve to and each group is queued
//! as its own copy. Every copy keeps the caller's `event_id` (what the platforms deduplicate
//! on, together with the event name); only the queue's idempotency key differs per copy.

use std::collections::BTreeMap;

use pixel_core::StandardEvent;
use pixel_core::config::{ConfigId, TenantId, TrackingConfig};
use pixel_core::event::Event;
use pixel_core::kv::{KvError, KvStore, Stores};
use pixel_core::queue::{self, EnqueueResult};
use pixel_core::schema;

/// What an enqueue did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Enqueued {
    /// The tenant already sent this event id recently: nothing was queued.
    pub duplicate: bool,
    /// Deliveries queued (0 when no active config tracks the event).
    pub deliveries: usize,
}

/// Every config of `tenant`, in creation order: the index, then one `get_many`.
pub async fn load_configs<S: KvStore>(
    configs: &S,
    tenant: &TenantId,
) -> Result<Vec<TrackingConfig>, KvError> {
    let ids: Vec<String> = match configs.get(&schema::config_index_key(tenant)).await? {
        Some(raw) => serde_json::from_slice(&raw)
            .map_err(|e| KvError(format!("corrupt config index of {tenant}: {e}")))?,
        None => Vec::new(),
    };
    let keys: Vec<String> = ids
        .iter()
        .filter_map(|i| ConfigId::parse(i).ok())
        .map(|id| schema::config_key(tenant, &id))
        .collect();
    let mut out = Vec::with_capacity(keys.len());
    for (key, raw) in keys.iter().zip(configs.get_many(&keys).await?) {
        match raw.map(|r| serde_json::from_slice::<TrackingConfig>(&r)) {
            Some(Ok(c)) => out.push(c),
            Some(Err(e)) => eprintln!("skipping corrupt config at {key}: {e}"),
            None => {}
        }
    }
    Ok(out)
}

/// Which configs receive `event`, grouped by the standard event each resolves it to.
/// `internal` is the TrainerERP event name it came as, if any (for per-config mappings).
pub fn route(
    configs: &[TrackingConfig],
    default: StandardEvent,
    internal: Option<&str>,
) -> BTreeMap<StandardEvent, Vec<ConfigId>> {
    let mut groups: BTreeMap<StandardEvent, Vec<ConfigId>> = BTreeMap::new();
    for c in configs {
        let standard = internal
            .and_then(|name| c.mapped_event(name))
            .unwrap_or(default);
        if c.tracks(standard) {
            groups.entry(standard).or_default().push(c.id.clone());
        }
    }
    groups
}

/// Queue `event` for every config of `tenant` that tracks it. Does not wait on any platform.
pub async fn enqueue<S: KvStore>(
    stores: &Stores<S>,
    tenant: &TenantId,
    event: &Event,
    internal: Option<&str>,
    now_ms: i64,
) -> Result<Enqueued, KvError> {
    let configs = load_configs(&stores.configs, tenant).await?;
    let done = enqueue_loaded(stores, &configs, tenant, event, internal, now_ms).await?;
    if done.deliveries > 0 {
        crate::wake::wake_unless_on_duty(&stores.queue, "events queued").await;
    }
    Ok(done)
}

/// As [`enqueue`], with the tenant's configs already loaded and without waking the dispatcher:
/// for callers that queue many events at once (a backend batch, a page's several events) and
/// wake it once with [`crate::wake::wake_unless_on_duty`] when any delivery was queued.
pub async fn enqueue_loaded<S: KvStore>(
    stores: &Stores<S>,
    configs: &[TrackingConfig],
    tenant: &TenantId,
    event: &Event,
    internal: Option<&str>,
    now_ms: i64,
) -> Result<Enqueued, KvError> {
    let groups = route(configs, event.name, internal);
    let id = event.event_id.as_str();
    // The group of the event's own name goes first and claims the caller's id, so a replay of
    // the same event is recognised as a duplicate before anything else is queued.
    let mut order: Vec<(StandardEvent, Vec<ConfigId>)> = groups.into_iter().collect();
    order.sort_by_key(|(name, _)| *name != event.name);
    if order.first().is_none_or(|(name, _)| *name != event.name) {
        order.insert(0, (event.name, Vec::new()));
    }
    let mut done = Enqueued::default();
    for (i, (name, ids)) in order.iter().enumerate() {
        let mut copy = event.clone();
        copy.name = *name;
        let json = serde_json::to_vec(&copy).map_err(|e| KvError(e.to_string()))?;
        let key = if i == 0 {
            id.to_owned()
        } else {
            format!("{id}~{}", name.spec_name())
        };
        match queue::enqueue(stores, tenant, &key, *name, &json, ids, now_ms)
            .await
            .map_err(|e| KvError(e.to_string()))?
        {
            EnqueueResult::Duplicate if i == 0 => {
                return Ok(Enqueued {
                    duplicate: true,
                    deliveries: 0,
                });
            }
            EnqueueResult::Duplicate => {}
            EnqueueResult::NewDeliveries(n) => done.deliveries += n,
        }
    }
    Ok(done)
}

/// Queue events whose ids were minted at random here (the edge's page views, content views,
/// leads, checkouts) in one write: see [`queue::enqueue_minted`]. Each event goes to the
/// configs that track its name. Returns the deliveries queued.
pub async fn enqueue_minted<S: KvStore>(
    stores: &Stores<S>,
    configs: &[TrackingConfig],
    tenant: &TenantId,
    events: &[Event],
    now_ms: i64,
) -> Result<usize, KvError> {
    let mut bodies = Vec::with_capacity(events.len());
    for e in events {
        // Without an internal name, every config that takes the event takes it under its name.
        let Some(ids) = route(configs, e.name, None).remove(&e.name) else {
            continue;
        };
        let json = serde_json::to_vec(e).map_err(|err| KvError(err.to_string()))?;
        bodies.push((e, json, ids));
    }
    let minted: Vec<queue::MintedEvent<'_>> = bodies
        .iter()
        .map(|(e, json, ids)| queue::MintedEvent {
            tenant,
            event_id: e.event_id.as_str(),
            event_name: e.name,
            event_json: json,
            configs: ids,
        })
        .collect();
    queue::enqueue_minted(stores, &minted, now_ms)
        .await
        .map_err(|e| KvError(e.to_string()))
}
