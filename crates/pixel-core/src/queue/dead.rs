//! Dead letters: deliveries that can never succeed, kept with their event so they can be listed
//! and replayed per config. They live in the `logs` store (they outlive the backlog, and the
//! queue store must stay bounded by it): `dead/{config}/{eid}` holds the record and the event,
//! `deadidx/{config}` the list of eids, oldest first, updated by compare-and-swap and capped at
//! [`DEAD_LETTER_CAP`] (the oldest go first). A corrupt index counts as empty; a corrupt or
//! missing body is left out of listings and replays.

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

use super::record::{DeliveryRecord, EventHeader, encode_event, to_json};
use super::{ClaimedDelivery, QueueError, removal_keys};
use crate::StandardEvent;
use crate::config::{ConfigId, TenantId};
use crate::kv::{KvError, KvStore, Stores};
use crate::schema;

/// Dead letters kept per config.
pub const DEAD_LETTER_CAP: usize = 5_000;

/// A delivery to dead-letter, and why.
#[derive(Debug, Clone)]
pub struct DeadLetter<'a> {
    pub delivery: &'a ClaimedDelivery,
    /// The platform's message, or the core's reason (e.g. too old to send).
    pub reason: String,
    pub response_code: Option<u16>,
}

/// A dead letter as listed (`GET .../dead-letters`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeadLetterRecord {
    pub eid: String,
    pub tenant: TenantId,
    pub event_id: String,
    pub event_name: StandardEvent,
    pub attempt: u32,
    pub first_enqueued_at: i64,
    pub dead_at: i64,
    pub reason: String,
    pub response_code: Option<u16>,
}

fn encode(record: &DeadLetterRecord, event_json: &[u8]) -> Vec<u8> {
    let mut out = to_json(record);
    out.push(b'\n');
    out.extend_from_slice(event_json);
    out
}

fn decode(bytes: &[u8]) -> Option<(DeadLetterRecord, Vec<u8>)> {
    let nl = bytes.iter().position(|b| *b == b'\n')?;
    let record = serde_json::from_slice(&bytes[..nl]).ok()?;
    Some((record, bytes[nl + 1..].to_vec()))
}

/// Rewrite `config`'s index with `edit`, retrying on concurrent writers; returns the eids that
/// fell off the cap.
async fn update_index<S: KvStore>(
    logs: &S,
    config: &ConfigId,
    edit: impl Fn(&mut Vec<String>),
) -> Result<Vec<String>, QueueError> {
    let key = schema::dead_index_key(config);
    for _ in 0..16 {
        let current = logs.get(&key).await?;
        let mut list: Vec<String> = current
            .as_deref()
            .and_then(|v| serde_json::from_slice(v).ok())
            .unwrap_or_default();
        edit(&mut list);
        let dropped: Vec<String> = if list.len() > DEAD_LETTER_CAP {
            list.drain(..list.len() - DEAD_LETTER_CAP).collect()
        } else {
            Vec::new()
        };
        if logs
            .compare_and_swap(&key, current.as_deref(), &to_json(&list))
            .await?
        {
            return Ok(dropped);
        }
    }
    Err(KvError(format!(
        "dead-letter index of {config} kept changing; retry"
    ))
    .into())
}

/// Move deliveries to the dead letters of their configs and out of the queue.
pub async fn dead_letter<S: KvStore>(
    stores: &Stores<S>,
    items: &[DeadLetter<'_>],
    now_ms: i64,
) -> Result<(), QueueError> {
    if items.is_empty() {
        return Ok(());
    }
    let mut bodies = Vec::with_capacity(items.len());
    let mut per_config: BTreeMap<&ConfigId, Vec<String>> = BTreeMap::new();
    for it in items {
        let d = it.delivery;
        let record = DeadLetterRecord {
            eid: d.eid.clone(),
            tenant: d.tenant.clone(),
            event_id: d.event_id.clone(),
            event_name: d.event_name,
            attempt: d.attempt,
            first_enqueued_at: d.first_enqueued_ms,
            dead_at: now_ms,
            reason: it.reason.clone(),
            response_code: it.response_code,
        };
        bodies.push((
            schema::dead_letter_key(&d.config_id, &d.eid),
            encode(&record, &d.event_json),
        ));
        per_config
            .entry(&d.config_id)
            .or_default()
            .push(d.eid.clone());
    }
    stores.logs.set_many(&bodies).await?;
    let mut dropped = Vec::new();
    for (config, eids) in per_config {
        let fell_off = update_index(&stores.logs, config, |list| {
            list.retain(|e| !eids.contains(e));
            list.extend(eids.iter().cloned());
        })
        .await?;
        dropped.extend(fell_off.iter().map(|e| schema::dead_letter_key(config, e)));
    }
    if !dropped.is_empty() {
        stores.logs.delete_many(&dropped).await?;
    }
    let deliveries: Vec<ClaimedDelivery> = items.iter().map(|it| it.delivery.clone()).collect();
    super::delete_indexed(&stores.queue, &removal_keys(&deliveries)).await?;
    Ok(())
}

async fn read_all<S: KvStore>(
    stores: &Stores<S>,
    config: &ConfigId,
) -> Result<Vec<(DeadLetterRecord, Vec<u8>)>, QueueError> {
    let Some(index) = stores.logs.get(&schema::dead_index_key(config)).await? else {
        return Ok(Vec::new());
    };
    let eids: Vec<String> = serde_json::from_slice(&index).unwrap_or_default();
    if eids.is_empty() {
        return Ok(Vec::new());
    }
    let keys: Vec<String> = eids
        .iter()
        .map(|e| schema::dead_letter_key(config, e))
        .collect();
    let values = stores.logs.get_many(&keys).await?;
    Ok(values.into_iter().filter_map(|v| decode(&v?)).collect())
}

/// `config`'s dead letters, newest first, at most `limit`.
pub async fn list_dead_letters<S: KvStore>(
    stores: &Stores<S>,
    config: &ConfigId,
    limit: usize,
) -> Result<Vec<DeadLetterRecord>, QueueError> {
    let mut all: Vec<DeadLetterRecord> = read_all(stores, config)
        .await?
        .into_iter()
        .map(|(r, _)| r)
        .collect();
    all.reverse();
    all.truncate(limit);
    Ok(all)
}

/// Put every dead letter of `config` back in the queue, due at `now_ms`, with a fresh attempt
/// count (the first-enqueued time is kept, so platform deadlines still apply). Returns how many.
pub async fn replay_dead_letters<S: KvStore>(
    stores: &Stores<S>,
    config: &ConfigId,
    now_ms: i64,
) -> Result<usize, QueueError> {
    let all = read_all(stores, config).await?;
    if all.is_empty() {
        return Ok(0);
    }
    let mut pairs = Vec::with_capacity(all.len() * 2);
    for (r, event_json) in &all {
        // The body's time is when it was (re)written: the orphan collector's grace period
        // counts from it, so a claim planned before this replay cannot collect the new body.
        let header = EventHeader {
            tenant: r.tenant.clone(),
            event_id: r.event_id.clone(),
            event_name: r.event_name,
            enqueued_at: now_ms,
        };
        let record = DeliveryRecord {
            tenant: r.tenant.clone(),
            event_id: r.event_id.clone(),
            event_name: r.event_name,
            attempt: 0,
            first_enqueued_at: r.first_enqueued_at,
            last_error: None,
            // Another config may still hold a delivery of this event: with a due index nothing
            // counts its users, so the body is left to the orphan sweep.
            shared: true,
        };
        pairs.push((schema::event_key(&r.eid), encode_event(&header, event_json)));
        pairs.push((
            schema::delivery_key(config, now_ms, &r.eid),
            to_json(&record),
        ));
    }
    let index = super::due_index(&stores.queue, pairs.iter().map(|(k, _)| k));
    stores.queue.set_many_indexed(&pairs, &index).await?;
    let replayed: BTreeSet<String> = all.iter().map(|(r, _)| r.eid.clone()).collect();
    update_index(&stores.logs, config, |list| {
        list.retain(|e| !replayed.contains(e))
    })
    .await?;
    let keys: Vec<String> = replayed
        .iter()
        .map(|e| schema::dead_letter_key(config, e))
        .collect();
    stores.logs.delete_many(&keys).await?;
    Ok(all.len())
}
