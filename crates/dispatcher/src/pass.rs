//! One bounded pass over the queue: claim due deliveries (the core's per-config leases), load
//! their configs in one read, deliver each config's batch, write the results down, give the
//! leases back.

use pixel_core::config::TrackingConfig;
use pixel_core::event::Event;
use pixel_core::kv::{KvStore, Stores};
use pixel_core::logs::{self, LogEntry, LogStatus};
use pixel_core::queue::{self, ConfigBatch};
use pixel_core::schema;
use serde::Serialize;
use serde_json::json;

use crate::batch::{self, Platforms};
use crate::polling;
use crate::record::{self, RetryNote};

/// How long a claimed config is ours, unless the variable `delivery_lease_ms` says otherwise.
/// It must outlast the sends of one config's batch; the pass stops sending [`SEND_MARGIN_MS`]
/// before it runs out. It is also how long a crashed instance's claimed deliveries wait
/// before another instance takes them over.
pub const LEASE_MS: i64 = 120_000;
/// The shortest lease `delivery_lease_ms` may set: room for one send after the margin.
pub const MIN_LEASE_MS: i64 = SEND_MARGIN_MS + 5_000;
/// The longest one request may take (timeout of connect + first byte, and a Google refresh).
pub const SEND_MARGIN_MS: i64 = 3 * edge_kit::deliver::SEND_TIMEOUT_MS as i64 + 5_000;
/// Deliveries claimed per pass: a few requests' worth per config.
pub const MAX_PER_PASS: usize = 5_000;

/// How a pass runs.
#[derive(Debug, Clone)]
pub struct PassOptions {
    /// The dispatcher's clock (Unix ms).
    pub now_ms: i64,
    /// Also claim deliveries due up to this much later (an operator's flush; 0 normally).
    pub ahead_ms: i64,
    /// Unique per dispatcher instance: the lease owner.
    pub owner: String,
    pub max: usize,
    /// How long a claim lasts ([`LEASE_MS`] unless configured).
    pub lease_ms: i64,
}

/// The configured lease: `delivery_lease_ms`, clamped to [`MIN_LEASE_MS`]..=1 h; [`LEASE_MS`]
/// when unset or unreadable.
pub fn lease_ms(raw: Option<&str>) -> i64 {
    raw.and_then(|r| r.trim().parse::<i64>().ok())
        .map_or(LEASE_MS, |ms| ms.clamp(MIN_LEASE_MS, 3_600_000))
}

/// What a pass did, as `/tick` answers it.
#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PassReport {
    pub configs: usize,
    pub claimed: usize,
    pub delivered: usize,
    pub retried: usize,
    pub dead_lettered: usize,
    pub held: usize,
    pub cancelled: usize,
    /// Claimed but not sent because the lease ran short; still due.
    pub unsent: usize,
    /// Waiting for the next minute of the shared Google Data Manager budget.
    pub deferred: usize,
    /// Google Data Manager requests whose outcome was asked for.
    pub polled: usize,
    /// Requests made to the platforms.
    pub requests: usize,
    pub retries: Vec<RetryNote>,
    /// Configs whose pass failed on storage (their leases expire and they are retried).
    pub errors: Vec<String>,
    /// The alert step a tick runs after its pass (`None` in a worker's passes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alerts: Option<pixel_core::alerts::check::StepReport>,
}

/// Run one pass.
pub async fn run<S: KvStore, P: Platforms>(
    stores: &Stores<S>,
    platforms: &P,
    opts: &PassOptions,
    random: impl Fn() -> u64 + Copy,
) -> Result<PassReport, String> {
    let mut report = PassReport::default();
    // Google's asynchronous outcomes first: a failure there must not stop deliveries.
    match polling::run(
        stores,
        platforms,
        opts.now_ms,
        opts.now_ms + opts.ahead_ms.max(0),
        // A tick (owner `t-…`) is an operator's or a test's explicit pass: it always looks.
        opts.ahead_ms > 0 || opts.owner.starts_with("t-"),
    )
    .await
    {
        Ok(n) => report.polled = n,
        Err(e) => report.errors.push(format!("polls: {e}")),
    }
    let batches = queue::claim_due(
        stores,
        opts.now_ms + opts.ahead_ms.max(0),
        opts.lease_ms,
        &opts.owner,
        opts.max,
    )
    .await
    .map_err(|e| e.to_string())?;
    if batches.is_empty() {
        return Ok(report);
    }
    let keys: Vec<String> = batches
        .iter()
        .map(|b| schema::config_key(&b.deliveries[0].tenant, &b.config_id))
        .collect();
    let raws = stores
        .configs
        .get_many(&keys)
        .await
        .map_err(|e| e.to_string())?;
    for (batch, raw) in batches.iter().zip(raws) {
        report.configs += 1;
        report.claimed += batch.deliveries.len();
        let config = raw.as_deref().and_then(|r| {
            serde_json::from_slice::<TrackingConfig>(r)
                .ok()
                .map(|c| (c, r.to_vec()))
        });
        let res = match config {
            None => cancel_all(stores, batch, opts.now_ms)
                .await
                .map(|n| report.cancelled += n),
            Some((c, _)) if !c.is_active => {
                cancel_claimed(stores, batch, opts.now_ms, "tracking config paused")
                    .await
                    .map(|n| report.cancelled += n)
            }
            Some((c, raw)) => {
                deliver(
                    stores,
                    platforms,
                    &c,
                    &raw,
                    batch,
                    opts,
                    random,
                    &mut report,
                )
                .await
            }
        };
        if let Err(e) = res {
            eprintln!("dispatcher: config {}: {e}", batch.config_id);
            report
                .errors
                .push(format!("config {}: {e}", batch.config_id));
        }
        let _ = queue::release(stores, batch).await;
    }
    Ok(report)
}

#[allow(clippy::too_many_arguments)]
async fn deliver<S: KvStore, P: Platforms>(
    stores: &Stores<S>,
    platforms: &P,
    config: &TrackingConfig,
    raw: &[u8],
    batch: &ConfigBatch,
    opts: &PassOptions,
    random: impl Fn() -> u64,
    report: &mut PassReport,
) -> Result<(), String> {
    let events: Vec<Option<Event>> = batch
        .deliveries
        .iter()
        .map(|d| serde_json::from_slice(&d.event_json).ok())
        .collect();
    let send_until = batch.lease.until_ms - SEND_MARGIN_MS;
    let result = batch::run(platforms, config, &events, opts.now_ms, send_until).await;
    report.requests += result.requests;
    let now = platforms.now_ms();
    let tally = record::record(
        stores,
        config,
        raw,
        &batch.deliveries,
        &events,
        &result,
        now,
        random,
    )
    .await
    .map_err(|e| e.to_string())?;
    report.delivered += tally.delivered;
    report.retried += tally.retried;
    report.dead_lettered += tally.dead_lettered;
    report.held += tally.held;
    report.unsent += tally.unsent;
    report.deferred += tally.deferred;
    report.retries.extend(tally.retries);
    for (request_id, events) in &result.accepted_requests {
        pixel_core::polls::track(
            stores,
            &config.tenant_id,
            &config.id,
            request_id,
            *events,
            now,
        )
        .await
        .map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// The config is gone: the core cancels every delivery of it (logged as `cancelled`).
async fn cancel_all<S: KvStore>(
    stores: &Stores<S>,
    batch: &ConfigBatch,
    now_ms: i64,
) -> Result<usize, String> {
    queue::cancel_config(stores, &batch.config_id, now_ms)
        .await
        .map_err(|e| e.to_string())
}

/// The config is paused by its owner: what was due is not sent, and the log says so.
async fn cancel_claimed<S: KvStore>(
    stores: &Stores<S>,
    batch: &ConfigBatch,
    now_ms: i64,
    why: &str,
) -> Result<usize, String> {
    queue::complete(stores, &batch.deliveries)
        .await
        .map_err(|e| e.to_string())?;
    let entries = batch
        .deliveries
        .iter()
        .map(|d| LogEntry {
            id: String::new(),
            timestamp: now_ms,
            event_name: d.event_name.spec_name().to_owned(),
            status: LogStatus::Cancelled,
            response_code: None,
            error_message: Some(why.to_owned()),
            payload: json!({ "eventId": d.event_id }),
            latency_ms: 0,
            attempt: d.attempt,
        })
        .collect();
    logs::append(&stores.logs, &batch.config_id, entries)
        .await
        .map_err(|e| e.to_string())?;
    Ok(batch.deliveries.len())
}
