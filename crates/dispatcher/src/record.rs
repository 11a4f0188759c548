//! Writing down what a config's pass came to: the queue (complete, reschedule with the core's
//! retry policy, dead-letter, hold), the delivery log, the day's counters, and the config's
//! `lastEvent` and health (compare-and-swap on its JSON, as config-api's PATCH does).
//!
//! Few operations whatever the batch size: one `delete_many`, one `set_many` + `delete_many`,
//! the dead letters' two or three, two for the log, one `increment` per touched counter, one
//! compare-and-swap for the config.

use pixel_core::config::{HealthStatus, LastEvent, TrackingConfig};
use pixel_core::event::Event;
use pixel_core::kv::{KvError, KvStore, Stores};
use pixel_core::logs::{self, LogEntry, LogStatus};
use pixel_core::outcome::EventOutcome;
use pixel_core::queue::{self, ClaimedDelivery, DeadLetter, Reschedule};
use pixel_core::retry::{Decision, RetryPolicy, RetryState};
use pixel_core::schema;
use pixel_core::stats::{self, DeliveryOutcome, DeliveryStat};
use serde::Serialize;

use crate::batch::{BatchResult, Verdict};

/// What a delivery waiting for the shared budget carries as its last error.
const QUOTA_WAIT: &str = "waiting for the next minute of the shared Google Data Manager quota";

/// A retry as scheduled, reported by `/tick` so operators (and tests) see the policy at work.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RetryNote {
    pub config_id: String,
    pub event_id: String,
    /// Attempts made so far, this one included.
    pub attempt: u32,
    /// When this attempt was answered (Unix ms).
    pub answered_at: i64,
    /// When the next attempt is due (Unix ms).
    pub next_attempt_at: i64,
    pub reason: String,
}

/// Counts for the pass report.
#[derive(Debug, Default, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Tally {
    pub delivered: usize,
    pub retried: usize,
    pub dead_lettered: usize,
    pub held: usize,
    pub unsent: usize,
    /// Waiting for the next minute's shared Google budget (no attempt counted).
    pub deferred: usize,
    pub retries: Vec<RetryNote>,
}

/// Write down `result` for the claimed `deliveries` of `config` (`raw` = its JSON as read).
#[allow(clippy::too_many_arguments)]
pub async fn record<S: KvStore>(
    stores: &Stores<S>,
    config: &TrackingConfig,
    raw: &[u8],
    deliveries: &[ClaimedDelivery],
    events: &[Option<Event>],
    result: &BatchResult,
    now_ms: i64,
    random: impl Fn() -> u64,
) -> Result<Tally, KvError> {
    let err = |e: queue::QueueError| KvError(e.to_string());
    let policy = RetryPolicy::default();
    let mut tally = Tally::default();
    let mut done = Vec::new();
    let mut moves = Vec::new();
    let mut dead: Vec<DeadLetter<'_>> = Vec::new();
    let mut entries = Vec::new();
    let mut counted = Vec::new();
    for ((d, verdict), event) in deliveries.iter().zip(&result.verdicts).zip(events) {
        let attempt = d.attempt + 1;
        let entry = |status, code, error: Option<String>, latency, payload| LogEntry {
            id: String::new(),
            timestamp: now_ms,
            event_name: d.event_name.spec_name().to_owned(),
            status,
            response_code: code,
            error_message: error,
            payload,
            latency_ms: latency,
            attempt,
        };
        let stat = |outcome, latency_ms| DeliveryStat {
            event: d.event_name,
            outcome,
            latency_ms,
        };
        match verdict {
            Verdict::Unsent => tally.unsent += 1,
            Verdict::Deferred { at_ms } => {
                tally.deferred += 1;
                moves.push((d, *at_ms, d.attempt, QUOTA_WAIT.to_owned()));
            }
            Verdict::Delivered {
                status,
                latency_ms,
                answered_ms,
                payload,
            } => {
                done.push(d.clone());
                tally.delivered += 1;
                entries.push(entry(
                    LogStatus::Success,
                    *status,
                    None,
                    *latency_ms,
                    payload.clone(),
                ));
                let e2e = u64::try_from(answered_ms - d.first_enqueued_ms).unwrap_or(0);
                counted.push(stat(DeliveryOutcome::Succeeded, Some(e2e)));
            }
            Verdict::Retry {
                after_secs,
                reason,
                status,
                latency_ms,
                payload,
            } => {
                let state = RetryState {
                    attempts: d.attempt,
                    first_seen: event
                        .as_ref()
                        .map_or(d.first_enqueued_ms / 1000, |e| e.time),
                };
                let outcome = EventOutcome::Retry {
                    after_secs: *after_secs,
                    reason: reason.clone(),
                };
                let platform = config.platform;
                match policy.next(platform, state, &outcome, now_ms / 1000, random()) {
                    Decision::RetryAt { at, state } => {
                        // Keep the sub-second part of now, so a retry is never due before it.
                        let next = at * 1000 + now_ms % 1000;
                        tally.retried += 1;
                        tally.retries.push(RetryNote {
                            config_id: config.id.to_string(),
                            event_id: d.event_id.clone(),
                            attempt: state.attempts,
                            answered_at: now_ms,
                            next_attempt_at: next,
                            reason: reason.clone(),
                        });
                        moves.push((d, next, state.attempts, reason.clone()));
                        entries.push(entry(
                            LogStatus::Retry,
                            *status,
                            Some(reason.clone()),
                            *latency_ms,
                            payload.clone(),
                        ));
                        counted.push(stat(DeliveryOutcome::Failed, None));
                    }
                    Decision::Done => {}
                    Decision::DeadLetter { reason } => {
                        tally.dead_lettered += 1;
                        dead.push(DeadLetter {
                            delivery: d,
                            reason: reason.clone(),
                            response_code: *status,
                        });
                        entries.push(entry(
                            LogStatus::DeadLetter,
                            *status,
                            Some(reason),
                            *latency_ms,
                            payload.clone(),
                        ));
                        counted.push(stat(DeliveryOutcome::DeadLettered, None));
                    }
                }
            }
            Verdict::Dead {
                reason,
                status,
                latency_ms,
                payload,
            } => {
                tally.dead_lettered += 1;
                dead.push(DeadLetter {
                    delivery: d,
                    reason: reason.clone(),
                    response_code: *status,
                });
                entries.push(entry(
                    LogStatus::DeadLetter,
                    *status,
                    Some(reason.clone()),
                    *latency_ms,
                    payload.clone(),
                ));
                counted.push(stat(DeliveryOutcome::DeadLettered, None));
            }
            Verdict::Held {
                reason,
                status,
                payload,
            } => {
                tally.held += 1;
                entries.push(entry(
                    LogStatus::Failed,
                    *status,
                    Some(reason.clone()),
                    0,
                    payload.clone(),
                ));
                counted.push(stat(DeliveryOutcome::Failed, None));
            }
        }
    }
    if result.paused.is_some() {
        // Hold before anything else: the config's events must not be claimed again until a
        // person replaces the token (config-api releases the hold on PATCH).
        queue::hold_config(stores, &config.id).await.map_err(err)?;
    }
    queue::complete(stores, &done).await.map_err(err)?;
    let items: Vec<Reschedule<'_>> = moves
        .iter()
        .map(|(d, next, attempt, reason)| Reschedule {
            delivery: d,
            next_attempt_ms: *next,
            attempt: *attempt,
            last_error: Some(reason.clone()),
        })
        .collect();
    queue::reschedule(stores, &items).await.map_err(err)?;
    queue::dead_letter(stores, &dead, now_ms)
        .await
        .map_err(err)?;
    logs::append(&stores.logs, &config.id, entries).await?;
    stats::record_deliveries(
        &stores.stats,
        &config.tenant_id,
        &config.id,
        config.platform,
        now_ms,
        &counted,
    )
    .await?;
    record_match_quality(stores, config, deliveries, events, &result.verdicts, now_ms).await?;
    let last = if tally.delivered > 0 {
        Some(LogStatus::Success)
    } else if result.paused.is_some() {
        Some(LogStatus::Failed)
    } else if tally.retried > 0 {
        Some(LogStatus::Retry)
    } else if tally.dead_lettered > 0 {
        Some(LogStatus::DeadLetter)
    } else {
        None
    };
    if let Some(status) = last {
        let same_token = update_config(
            stores,
            config,
            raw,
            now_ms,
            status,
            result.paused.as_deref(),
        )
        .await?;
        if result.paused.is_some() && !same_token {
            // The token was replaced while this pass used the old one; config-api's release
            // may have come before our hold, so lift it here.
            queue::release_config(stores, &config.id)
                .await
                .map_err(err)?;
        }
    }
    Ok(tally)
}

/// Set the config's `lastEvent`, and its health when the pass learned something about the
/// credentials, by compare-and-swap against what was read (re-read on a concurrent change).
/// Returns whether the config still has the token this pass used.
async fn update_config<S: KvStore>(
    stores: &Stores<S>,
    config: &TrackingConfig,
    raw: &[u8],
    now_ms: i64,
    status: LogStatus,
    paused: Option<&str>,
) -> Result<bool, KvError> {
    let key = schema::config_key(&config.tenant_id, &config.id);
    let mut current = (config.clone(), raw.to_vec());
    for _ in 0..4 {
        let (mut c, bytes) = current;
        // A token replaced since this pass read the config: its health is not ours to judge.
        let same_token = c.encrypted_token == config.encrypted_token;
        c.last_event = Some(LastEvent {
            time: now_ms,
            status,
        });
        if same_token {
            if let Some(reason) = paused {
                c.health.status = HealthStatus::CredentialsInvalid;
                c.health.last_error = Some(reason.to_owned());
                c.health.checked_at = Some(now_ms);
            } else if status == LogStatus::Success && c.health.status != HealthStatus::Ok {
                c.health.status = HealthStatus::Ok;
                c.health.last_error = None;
                c.health.checked_at = Some(now_ms);
            }
        }
        let new = serde_json::to_vec(&c).map_err(|e| KvError(e.to_string()))?;
        if stores
            .configs
            .compare_and_swap(&key, Some(&bytes), &new)
            .await?
        {
            return Ok(same_token);
        }
        let Some(fresh) = stores.configs.get(&key).await? else {
            return Ok(true); // deleted meanwhile: its deliveries are cancelled with it
        };
        let Ok(parsed) = serde_json::from_slice::<TrackingConfig>(&fresh) else {
            return Ok(true);
        };
        current = (parsed, fresh);
    }
    Err(KvError(format!("config {} kept changing", config.id)))
}

/// Add the core's match-quality estimate of each delivered event to the day's counters (per
/// platform and event type, tenant and config scope): two increments per type and scope.
async fn record_match_quality<S: KvStore>(
    stores: &Stores<S>,
    config: &TrackingConfig,
    deliveries: &[ClaimedDelivery],
    events: &[Option<Event>],
    verdicts: &[Verdict],
    now_ms: i64,
) -> Result<(), KvError> {
    use std::collections::BTreeMap;
    let mut per_type: BTreeMap<pixel_core::StandardEvent, (i64, i64)> = BTreeMap::new();
    // The hints' counters: delivered events, and those lacking each key.
    let mut missing: BTreeMap<String, i64> = BTreeMap::new();
    for ((d, e), v) in deliveries.iter().zip(events).zip(verdicts) {
        if let (Some(e), Verdict::Delivered { .. }) = (e, v) {
            let q = pixel_core::match_quality::estimate(e, config.platform);
            let slot = per_type.entry(d.event_name).or_default();
            slot.0 += i64::from(q.score_tenths);
            slot.1 += 1;
            let metric = |k| schema::match_quality_missing_metric(config.platform, k);
            *missing.entry(metric(None)).or_default() += 1;
            for (key, _) in &q.missing {
                *missing.entry(metric(Some(key))).or_default() += 1;
            }
        }
    }
    let day = stats::utc_day(now_ms);
    for (metric, n) in &missing {
        for scope in [
            schema::StatsScope::Tenant,
            schema::StatsScope::Config(&config.id),
        ] {
            let key = schema::stats_key(&config.tenant_id, scope, day, metric);
            stores.stats.increment(&key, *n).await?;
        }
    }
    for (event, (sum, n)) in per_type {
        let (sum_key, n_key) = pixel_core::schema::match_quality_metrics(config.platform, event);
        for scope in [
            schema::StatsScope::Tenant,
            schema::StatsScope::Config(&config.id),
        ] {
            let k = |m: &str| schema::stats_key(&config.tenant_id, scope, day, m);
            stores.stats.increment(&k(&sum_key), sum).await?;
            stores.stats.increment(&k(&n_key), n).await?;
        }
    }
    Ok(())
}
