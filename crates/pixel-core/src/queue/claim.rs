//! Claiming due work: a read phase ([`plan_claim`]: scan keys, read leases) and a write phase
//! ([`take_claim`]: compare-and-swap the leases, re-read what was won). They are separate
//! functions so tests can interleave two dispatchers between the phases.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::record::{DeliveryRecord, LeaseRecord, decode_event, lease_is_free, to_json};
use super::{ClaimedDelivery, ConfigBatch, Lease, ORPHAN_GRACE_MS, QueueError};
use crate::config::ConfigId;
use crate::kv::{KvStore, Stores};
use crate::schema::{self, QueueKey};

/// A config's due deliveries `(due_ms, eid)`, oldest first, and its lease value as read.
type PlannedConfig = (ConfigId, Vec<(i64, String)>, Option<Vec<u8>>);

/// What a dispatcher saw: the configs with due work and free leases.
#[derive(Debug, Clone)]
pub struct ClaimPlan {
    now_ms: i64,
    configs: Vec<PlannedConfig>,
    /// How many delivery keys use each event.
    users: HashMap<String, usize>,
    /// Event bodies no delivery uses (garbage unless just written).
    orphans: Vec<String>,
    /// Planned from the store's due index: no scan, so `users` is empty and each delivery
    /// record says whether its event is shared.
    indexed: bool,
}

impl ClaimPlan {
    /// Whether this plan found anything to take.
    pub fn is_empty(&self) -> bool {
        self.configs.is_empty() && self.orphans.is_empty()
    }
}

/// Read phase: one `keys()` scan of the queue store, then one `get_many` of the leases of the
/// configs with due deliveries. At most `max` deliveries, shared fairly between the configs
/// ([`fair_shares`]), oldest first within each.
pub async fn plan_claim<S: KvStore>(
    stores: &Stores<S>,
    now_ms: i64,
    max: usize,
) -> Result<ClaimPlan, QueueError> {
    if let Some(groups) = stores.queue.index_due(now_ms, max).await? {
        return plan_from_index(stores, now_ms, max, groups).await;
    }
    let keys = stores.queue.keys().await?;
    let mut held = BTreeSet::new();
    let mut events = BTreeSet::new();
    let mut users: HashMap<String, usize> = HashMap::new();
    let mut due: BTreeMap<ConfigId, Vec<(i64, String)>> = BTreeMap::new();
    for k in &keys {
        match schema::parse_queue_key(k) {
            QueueKey::Delivery {
                config,
                due_ms,
                eid,
            } => {
                *users.entry(eid.clone()).or_default() += 1;
                if due_ms <= now_ms {
                    due.entry(config).or_default().push((due_ms, eid));
                }
            }
            QueueKey::Event { eid } => {
                events.insert(eid);
            }
            QueueKey::Hold { config } => {
                held.insert(config);
            }
            _ => {}
        }
    }
    let orphans = events
        .into_iter()
        .filter(|e| !users.contains_key(e))
        .collect();
    let candidates: Vec<(ConfigId, Vec<(i64, String)>)> = due
        .into_iter()
        .filter(|(c, _)| !held.contains(c))
        .map(|(c, mut items)| {
            items.sort();
            (c, items)
        })
        .collect();
    let configs = choose_and_read_leases(stores, candidates, max, now_ms).await?;
    Ok(ClaimPlan {
        now_ms,
        configs,
        users,
        orphans,
        indexed: false,
    })
}

/// What both planners share once they know each unheld config's due deliveries (sorted):
/// the configs with the oldest work first, each pass shared fairly between them
/// ([`fair_shares`]), and one `get_many` of the chosen configs' leases, keeping the free ones.
async fn choose_and_read_leases<S: KvStore>(
    stores: &Stores<S>,
    mut candidates: Vec<(ConfigId, Vec<(i64, String)>)>,
    max: usize,
    now_ms: i64,
) -> Result<Vec<PlannedConfig>, QueueError> {
    candidates.sort_by_key(|(_, items)| items[0].0);
    let quotas = fair_shares(
        &candidates.iter().map(|(_, i)| i.len()).collect::<Vec<_>>(),
        max,
    );
    let chosen: Vec<(ConfigId, Vec<(i64, String)>)> = candidates
        .into_iter()
        .zip(quotas)
        .filter(|(_, q)| *q > 0)
        .map(|((c, mut items), q)| {
            items.truncate(q);
            (c, items)
        })
        .collect();
    if chosen.is_empty() {
        return Ok(Vec::new());
    }
    let lease_keys: Vec<String> = chosen.iter().map(|(c, _)| schema::lease_key(c)).collect();
    let leases = stores.queue.get_many(&lease_keys).await?;
    Ok(chosen
        .into_iter()
        .zip(leases)
        .filter(|(_, lease)| lease_is_free(lease.as_deref(), now_ms))
        .map(|((c, items), lease)| (c, items, lease))
        .collect())
}

/// Read phase over a due index: one read of the due members of each config with due work,
/// one `get_many` of those configs' holds, one of the chosen configs' leases. Nothing here
/// grows with the backlog beyond `max` per config.
async fn plan_from_index<S: KvStore>(
    stores: &Stores<S>,
    now_ms: i64,
    max: usize,
    groups: crate::kv::DueGroups,
) -> Result<ClaimPlan, QueueError> {
    let mut candidates: Vec<(ConfigId, Vec<(i64, String)>)> = groups
        .into_iter()
        .filter_map(|(group, members)| {
            let config = ConfigId::parse(&group).ok()?;
            let mut items: Vec<(i64, String)> = members
                .iter()
                .filter_map(|(_, key)| match schema::parse_queue_key(key) {
                    QueueKey::Delivery { due_ms, eid, .. } => Some((due_ms, eid)),
                    _ => None,
                })
                .collect();
            items.sort();
            (!items.is_empty()).then_some((config, items))
        })
        .collect();
    if candidates.is_empty() {
        return Ok(ClaimPlan {
            now_ms,
            configs: Vec::new(),
            users: HashMap::new(),
            orphans: Vec::new(),
            indexed: true,
        });
    }
    let holds: Vec<String> = candidates
        .iter()
        .map(|(c, _)| schema::hold_key(c))
        .collect();
    let held = stores.queue.get_many(&holds).await?;
    let mut unheld = held.iter().map(Option::is_none);
    candidates.retain(|_| unheld.next().unwrap_or(false));
    let configs = choose_and_read_leases(stores, candidates, max, now_ms).await?;
    Ok(ClaimPlan {
        now_ms,
        configs,
        users: HashMap::new(),
        orphans: Vec::new(),
        indexed: true,
    })
}

/// How many of `due[i]` deliveries each config gets out of `max`: equal shares, what a config
/// does not need going to the others (water-filling), oldest configs first for the remainder.
/// So one tenant's backlog of 100,000 never starves another tenant's five events: both are in
/// the next pass.
pub(crate) fn fair_shares(due: &[usize], max: usize) -> Vec<usize> {
    let mut quota = vec![0; due.len()];
    let mut left = max;
    loop {
        let active = (0..due.len()).filter(|&i| quota[i] < due[i]).count();
        if active == 0 || left == 0 {
            return quota;
        }
        let share = (left / active).max(1);
        for i in 0..due.len() {
            let take = share.min(due[i] - quota[i]).min(left);
            quota[i] += take;
            left -= take;
        }
    }
}

/// Write phase: take each planned config's lease by compare-and-swap (losers skip the config),
/// then read the won deliveries and their events in one `get_many`, dropping what another
/// dispatcher finished since the plan was made. Also removes garbage found on the way.
pub async fn take_claim<S: KvStore>(
    stores: &Stores<S>,
    plan: ClaimPlan,
    lease_ms: i64,
    owner: &str,
) -> Result<Vec<ConfigBatch>, QueueError> {
    let now = plan.now_ms;
    let mut won = Vec::new();
    for (config, items, current) in plan.configs {
        let value = to_json(&LeaseRecord {
            owner: owner.to_owned(),
            until: now + lease_ms,
        });
        let key = schema::lease_key(&config);
        if stores
            .queue
            .compare_and_swap(&key, current.as_deref(), &value)
            .await?
        {
            let lease = Lease {
                config_id: config.clone(),
                owner: owner.to_owned(),
                until_ms: now + lease_ms,
                value,
            };
            won.push((config, items, lease));
        }
    }
    if won.is_empty() && plan.orphans.is_empty() {
        return Ok(Vec::new());
    }

    // One read: every won delivery, every event they use, every orphan candidate.
    let mut keys = Vec::new();
    for (config, items, _) in &won {
        keys.extend(
            items
                .iter()
                .map(|(due, eid)| schema::delivery_key(config, *due, eid)),
        );
    }
    let n_deliveries = keys.len();
    let mut event_eids: Vec<String> = won
        .iter()
        .flat_map(|(_, items, _)| items.iter().map(|(_, eid)| eid.clone()))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    event_eids.extend(plan.orphans.iter().cloned());
    keys.extend(event_eids.iter().map(|e| schema::event_key(e)));
    let mut values = stores.queue.get_many(&keys).await?.into_iter();
    let delivery_values: Vec<Option<Vec<u8>>> = values.by_ref().take(n_deliveries).collect();
    let event_values: HashMap<String, Option<Vec<u8>>> =
        event_eids.into_iter().zip(values).collect();

    let mut garbage = Vec::new();
    for eid in &plan.orphans {
        let stale = match event_values.get(eid).cloned().flatten() {
            None => false,
            Some(body) => {
                decode_event(&body).is_none_or(|(h, _)| h.enqueued_at < now - ORPHAN_GRACE_MS)
            }
        };
        if stale {
            garbage.push(schema::event_key(eid));
        }
    }

    let mut batches = Vec::new();
    let mut stale = Vec::new();
    let mut delivery_values = delivery_values.into_iter();
    let mut empty_leases = Vec::new();
    for (config, items, lease) in won {
        let mut deliveries = Vec::new();
        for (due, eid) in items {
            let key = schema::delivery_key(&config, due, &eid);
            // Gone since the plan: another dispatcher completed or moved it. An index entry
            // whose key has been missing for long is stale: drop it (keys and entries are
            // written and removed together, so this is only a safety net).
            let Some(raw) = delivery_values.next().flatten() else {
                if plan.indexed && due < now - ORPHAN_GRACE_MS {
                    stale.push(key);
                }
                continue;
            };
            let Ok(rec) = serde_json::from_slice::<DeliveryRecord>(&raw) else {
                garbage.push(key);
                continue;
            };
            let body = event_values.get(&eid).cloned().flatten();
            let Some((_, event_json)) = body.as_deref().and_then(decode_event) else {
                if rec.first_enqueued_at < now - ORPHAN_GRACE_MS {
                    garbage.push(key);
                }
                continue;
            };
            deliveries.push(ClaimedDelivery {
                config_id: config.clone(),
                tenant: rec.tenant,
                eid: eid.clone(),
                event_id: rec.event_id,
                event_name: rec.event_name,
                attempt: rec.attempt,
                first_enqueued_ms: rec.first_enqueued_at,
                due_ms: due,
                last_error: rec.last_error,
                event_json,
                event_shared: if plan.indexed {
                    rec.shared
                } else {
                    plan.users.get(&eid).copied().unwrap_or(0) > 1
                },
            });
        }
        if deliveries.is_empty() {
            empty_leases.push(lease);
        } else {
            batches.push(ConfigBatch {
                config_id: config,
                lease,
                deliveries,
            });
        }
    }
    garbage.extend(stale);
    if !garbage.is_empty() {
        super::delete_indexed(&stores.queue, &garbage).await?;
    }
    for lease in &empty_leases {
        release_lease(stores, lease).await?;
    }
    Ok(batches)
}

/// Claim up to `max` due deliveries, grouped by config, each config under a lease of
/// `lease_ms` held by `owner` (unique per dispatcher instance).
pub async fn claim_due<S: KvStore>(
    stores: &Stores<S>,
    now_ms: i64,
    lease_ms: i64,
    owner: &str,
    max: usize,
) -> Result<Vec<ConfigBatch>, QueueError> {
    let plan = plan_claim(stores, now_ms, max).await?;
    if plan.is_empty() {
        return Ok(Vec::new());
    }
    take_claim(stores, plan, lease_ms, owner).await
}

/// Give a batch's lease back once its deliveries are completed, rescheduled or dead-lettered.
/// `false` when the lease had expired and another dispatcher took it.
pub async fn release<S: KvStore>(
    stores: &Stores<S>,
    batch: &ConfigBatch,
) -> Result<bool, QueueError> {
    release_lease(stores, &batch.lease).await
}

/// Lengthen a batch's lease to `until_ms` (a send that takes long); `false` when the lease had
/// expired and another dispatcher took it, in which case the batch must be abandoned.
pub async fn extend_lease<S: KvStore>(
    stores: &Stores<S>,
    batch: &mut ConfigBatch,
    until_ms: i64,
) -> Result<bool, QueueError> {
    let value = to_json(&LeaseRecord {
        owner: batch.lease.owner.clone(),
        until: until_ms,
    });
    let swapped = stores
        .queue
        .compare_and_swap(
            &schema::lease_key(&batch.config_id),
            Some(&batch.lease.value),
            &value,
        )
        .await?;
    if swapped {
        batch.lease.value = value;
        batch.lease.until_ms = until_ms;
    }
    Ok(swapped)
}

async fn release_lease<S: KvStore>(stores: &Stores<S>, lease: &Lease) -> Result<bool, QueueError> {
    Ok(stores
        .queue
        .compare_and_swap(
            &schema::lease_key(&lease.config_id),
            Some(&lease.value),
            &LeaseRecord::released(),
        )
        .await?)
}

#[cfg(test)]
mod fair_tests {
    use super::fair_shares;

    #[test]
    fn a_huge_backlog_leaves_room_for_everyone_else() {
        assert_eq!(fair_shares(&[100_000, 5], 5_000), vec![4_995, 5]);
        assert_eq!(fair_shares(&[100_000, 100_000], 5_000), vec![2_500, 2_500]);
        assert_eq!(fair_shares(&[3, 2], 5_000), vec![3, 2]);
        assert_eq!(fair_shares(&[10, 10, 10], 4), vec![2, 1, 1]);
        assert_eq!(fair_shares(&[], 10), Vec::<usize>::new());
        assert_eq!(fair_shares(&[7], 0), vec![0]);
    }
}
