//! KPI counters per tenant and per config, per UTC day, kept with `increment` only (never `set`:
//! hosts encode counters their own way, see [`crate::kv`]), and the summary computed from them.
//!
//! Counters (`schema::stats_key`), each for the tenant scope and for the config's scope:
//! - `sent`: delivery attempts answered (`ok` + `fail` + `dead`); `ok` accepted by the platform;
//!   `fail` failed and scheduled for retry; `dead` dead-lettered.
//! - `ev/{EVENT}`: accepted deliveries per standard event.
//! - `lat_sum`, `lat_n`: latency (enqueue to the accepting answer, ms) of accepted deliveries;
//!   `lat/{i}`: how many fell in bucket `i` of [`LATENCY_BUCKETS_MS`] (the last one is open), so
//!   p95 is the upper bound of the bucket where 95% is reached: coarse, by design.
//! - `pr_ok/{Platform}`: accepted Purchase deliveries per platform; `pr_recv` (tenant scope
//!   only): Purchase events received from the backend; together they are the reconciliation.
//! - `consent/{host}` (tenant scope only): events not sent for want of consent, per site.
//! - `gdm_*`: Google Data Manager requests and their asynchronous outcomes ([`requests`]).
//! - hourly (`schema::config_hour_key`, `schema::site_hour_key`): `ok` / `bad` delivery
//!   attempts per config and events queued per site, read by [`crate::alerts`].
//! - `filtered/{reason}` (tenant scope only): events the edge did not produce because the
//!   request was junk, per reason of [`FILTER_REASONS`].
//!
//! Success rate = `ok / (ok + dead)`: of the deliveries that reached a final outcome, the share
//! the platform accepted (retries in flight are neither).

pub mod requests;

use serde::Serialize;
use std::collections::BTreeMap;

mod daily;
pub use daily::{DayPoint, daily};

use crate::config::{ConfigId, TenantId};
use crate::kv::{KvError, KvStore};
use crate::schema::{self, StatsScope};
use crate::{Platform, StandardEvent};

/// Upper bounds (ms) of the latency histogram's buckets; one more open bucket follows.
pub const LATENCY_BUCKETS_MS: [u64; 12] = [
    250, 500, 1_000, 2_000, 5_000, 10_000, 30_000, 60_000, 300_000, 900_000, 3_600_000, 21_600_000,
];

/// The most days a summary may span.
pub const MAX_DAYS: u32 = 90;

/// Why the edge produced no event for a request (the collector's `junk::Junk`).
pub const FILTER_REASONS: [&str; 5] = ["crawler", "headless", "prefetch", "head", "too_fast"];

/// What happened to one delivery attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryOutcome {
    Succeeded,
    Failed,
    DeadLettered,
}

/// One attempt to count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeliveryStat {
    pub event: StandardEvent,
    pub outcome: DeliveryOutcome,
    /// Enqueue to platform answer, for accepted deliveries.
    pub latency_ms: Option<u64>,
}

/// `YYYYMMDD` of a unix time in ms (UTC); times before 1970 count as 1970-01-01.
pub fn utc_day(unix_ms: i64) -> u32 {
    let days = unix_ms.max(0) / 86_400_000;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y * 10_000 + m * 100 + d) as u32
}

fn bucket(latency_ms: u64) -> usize {
    LATENCY_BUCKETS_MS
        .iter()
        .position(|b| latency_ms <= *b)
        .unwrap_or(LATENCY_BUCKETS_MS.len())
}

async fn add_all<S: KvStore>(
    stats: &S,
    tenant: &TenantId,
    scopes: &[StatsScope<'_>],
    day: u32,
    deltas: &BTreeMap<String, i64>,
) -> Result<(), KvError> {
    for scope in scopes {
        for (metric, delta) in deltas {
            if *delta != 0 {
                stats
                    .increment(&schema::stats_key(tenant, *scope, day, metric), *delta)
                    .await?;
            }
        }
    }
    Ok(())
}

/// Count a dispatcher batch's outcomes for `config` (and its tenant) on the day of `now_ms`.
/// One `increment` per touched counter and scope, whatever the batch size.
pub async fn record_deliveries<S: KvStore>(
    stats: &S,
    tenant: &TenantId,
    config: &ConfigId,
    platform: Platform,
    now_ms: i64,
    items: &[DeliveryStat],
) -> Result<(), KvError> {
    let mut deltas: BTreeMap<String, i64> = BTreeMap::new();
    let mut add = |k: String, d: i64| *deltas.entry(k).or_default() += d;
    for it in items {
        add("sent".into(), 1);
        match it.outcome {
            DeliveryOutcome::Succeeded => {
                add("ok".into(), 1);
                add(format!("ev/{}", it.event.spec_name()), 1);
                if it.event == StandardEvent::Purchase {
                    add(format!("pr_ok/{platform}"), 1);
                }
                if let Some(l) = it.latency_ms {
                    add("lat_sum".into(), i64::try_from(l).unwrap_or(i64::MAX));
                    add("lat_n".into(), 1);
                    add(format!("lat/{}", bucket(l)), 1);
                }
            }
            DeliveryOutcome::Failed => add("fail".into(), 1),
            DeliveryOutcome::DeadLettered => add("dead".into(), 1),
        }
    }
    let scopes = [StatsScope::Tenant, StatsScope::Config(config)];
    add_all(stats, tenant, &scopes, utc_day(now_ms), &deltas).await?;
    // The hour's counters of the success-rate alert: two more `increment`s per batch at most.
    let ok = items
        .iter()
        .filter(|i| i.outcome == DeliveryOutcome::Succeeded)
        .count() as i64;
    let bad = items.len() as i64 - ok;
    let hour = unix_hour(now_ms);
    for (metric, n) in [("ok", ok), ("bad", bad)] {
        if n > 0 {
            stats
                .increment(&schema::config_hour_key(tenant, config, hour, metric), n)
                .await?;
        }
    }
    Ok(())
}

/// Unix hours of a time in ms (the hourly counters' bucket).
pub fn unix_hour(unix_ms: i64) -> i64 {
    unix_ms.div_euclid(3_600_000)
}

/// Count `n` events the edge queued for site `host` in the hour of `now_ms` (the silent-site
/// alert's counter): one `increment` per site and flush.
pub async fn record_site_events<S: KvStore>(
    stats: &S,
    tenant: &TenantId,
    host: &str,
    now_ms: i64,
    n: u32,
) -> Result<(), KvError> {
    let key = schema::site_hour_key(tenant, host, unix_hour(now_ms));
    stats.increment(&key, i64::from(n)).await.map(|_| ())
}

/// Count Purchase events received from the backend (the reconciliation's left side).
pub async fn record_purchases_received<S: KvStore>(
    stats: &S,
    tenant: &TenantId,
    now_ms: i64,
    n: u32,
) -> Result<(), KvError> {
    add_tenant_day(stats, tenant, now_ms, "pr_recv", n).await
}

/// Count events not sent for want of consent on site `host`.
pub async fn record_consent_skipped<S: KvStore>(
    stats: &S,
    tenant: &TenantId,
    host: &str,
    now_ms: i64,
    n: u32,
) -> Result<(), KvError> {
    add_tenant_day(stats, tenant, now_ms, &format!("consent/{host}"), n).await
}

/// Count events the edge did not produce because the request was junk (`reason` one of
/// [`FILTER_REASONS`]).
pub async fn record_filtered<S: KvStore>(
    stats: &S,
    tenant: &TenantId,
    reason: &str,
    now_ms: i64,
    n: u32,
) -> Result<(), KvError> {
    add_tenant_day(stats, tenant, now_ms, &format!("filtered/{reason}"), n).await
}

/// Add `n` to the tenant's counter `name` for the UTC day of `now_ms` (one `increment`).
async fn add_tenant_day<S: KvStore>(
    stats: &S,
    tenant: &TenantId,
    now_ms: i64,
    name: &str,
    n: u32,
) -> Result<(), KvError> {
    let key = schema::stats_key(tenant, StatsScope::Tenant, utc_day(now_ms), name);
    stats.increment(&key, i64::from(n)).await.map(|_| ())
}

/// Backend Purchases received versus Purchase deliveries accepted, per platform.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Reconciliation {
    pub purchases_received: u64,
    pub purchases_accepted: BTreeMap<Platform, u64>,
}

/// The KPIs over a window of days.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    pub days: u32,
    pub events_sent: u64,
    pub succeeded: u64,
    pub failed: u64,
    pub dead_lettered: u64,
    /// `succeeded / (succeeded + dead_lettered)`; `None` before any final outcome.
    pub success_rate: Option<f64>,
    /// Accepted deliveries per event.
    pub events_by_type: BTreeMap<StandardEvent, u64>,
    pub avg_latency_ms: Option<u64>,
    /// Upper bound of the histogram bucket holding the 95th percentile.
    pub p95_latency_ms: Option<u64>,
    pub reconciliation: Reconciliation,
    pub consent_skipped: BTreeMap<String, u64>,
    /// Google Data Manager requests and their asynchronous outcomes.
    pub google_requests: requests::GoogleRequests,
    /// Events the edge did not produce, per reason of [`FILTER_REASONS`] (tenant-wide).
    pub filtered: BTreeMap<String, u64>,
}

/// The KPIs of `tenant` (or of one of its configs) over the `days` UTC days ending with the day
/// of `today_ms` (1..=[`MAX_DAYS`], clamped). `hosts` are the tenant's sites, for
/// consent-skipped counts. Counters read as negative (corrupt) count as zero.
pub async fn summary<S: KvStore>(
    stats: &S,
    tenant: &TenantId,
    config: Option<&ConfigId>,
    days: u32,
    today_ms: i64,
    hosts: &[String],
) -> Result<Summary, KvError> {
    let days = days.clamp(1, MAX_DAYS);
    let scope = config.map_or(StatsScope::Tenant, StatsScope::Config);
    let mut metrics: Vec<(StatsScope<'_>, String)> =
        ["sent", "ok", "fail", "dead", "lat_sum", "lat_n"]
            .into_iter()
            .map(|m| (scope, m.to_owned()))
            .collect();
    metrics.extend(
        StandardEvent::ALL
            .iter()
            .map(|e| (scope, format!("ev/{}", e.spec_name()))),
    );
    metrics.extend((0..=LATENCY_BUCKETS_MS.len()).map(|i| (scope, format!("lat/{i}"))));
    metrics.extend(Platform::ALL.iter().map(|p| (scope, format!("pr_ok/{p}"))));
    metrics.push((StatsScope::Tenant, "pr_recv".to_owned()));
    metrics.extend(requests::metrics().into_iter().map(|m| (scope, m)));
    metrics.extend(
        hosts
            .iter()
            .map(|h| (StatsScope::Tenant, format!("consent/{h}"))),
    );
    metrics.extend(
        FILTER_REASONS
            .iter()
            .map(|r| (StatsScope::Tenant, format!("filtered/{r}"))),
    );

    let day_list: Vec<u32> = (0..days)
        .map(|i| utc_day(today_ms - i64::from(i) * 86_400_000))
        .collect();
    let keys: Vec<String> = day_list
        .iter()
        .flat_map(|day| {
            metrics
                .iter()
                .map(move |(sc, m)| schema::stats_key(tenant, *sc, *day, m))
        })
        .collect();
    let values = stats.get_counters(&keys).await?;
    let mut totals: BTreeMap<&str, u64> = BTreeMap::new();
    for (i, v) in values.into_iter().enumerate() {
        let metric = metrics[i % metrics.len()].1.as_str();
        *totals.entry(metric).or_default() += u64::try_from(v).unwrap_or(0);
    }
    let get = |m: &str| totals.get(m).copied().unwrap_or(0);

    let (ok, dead) = (get("ok"), get("dead"));
    let success_rate = (ok + dead > 0).then(|| ok as f64 / (ok + dead) as f64);
    let lat_n = get("lat_n");
    let avg_latency_ms = (lat_n > 0).then(|| get("lat_sum") / lat_n);
    let histogram: Vec<u64> = (0..=LATENCY_BUCKETS_MS.len())
        .map(|i| get(&format!("lat/{i}")))
        .collect();
    let p95_latency_ms = percentile(&histogram, 0.95);
    let events_by_type = StandardEvent::ALL
        .iter()
        .map(|e| (*e, get(&format!("ev/{}", e.spec_name()))))
        .filter(|(_, n)| *n > 0)
        .collect();
    let reconciliation = Reconciliation {
        purchases_received: get("pr_recv"),
        purchases_accepted: Platform::ALL
            .iter()
            .map(|p| (*p, get(&format!("pr_ok/{p}"))))
            .filter(|(_, n)| *n > 0)
            .collect(),
    };
    let consent_skipped = hosts
        .iter()
        .map(|h| (h.clone(), get(&format!("consent/{h}"))))
        .collect();
    Ok(Summary {
        days,
        events_sent: get("sent"),
        succeeded: ok,
        failed: get("fail"),
        dead_lettered: dead,
        success_rate,
        events_by_type,
        avg_latency_ms,
        p95_latency_ms,
        reconciliation,
        consent_skipped,
        filtered: FILTER_REASONS
            .iter()
            .map(|r| ((*r).to_owned(), get(&format!("filtered/{r}"))))
            .collect(),
        google_requests: requests::summarize(get),
    })
}

/// Upper bound of the bucket where the cumulative share reaches `q`; the open last bucket
/// reports the last finite bound.
fn percentile(histogram: &[u64], q: f64) -> Option<u64> {
    let total: u64 = histogram.iter().sum();
    if total == 0 {
        return None;
    }
    let target = ((total as f64) * q).ceil() as u64;
    let mut seen = 0;
    for (i, n) in histogram.iter().enumerate() {
        seen += n;
        if seen >= target {
            let last = LATENCY_BUCKETS_MS.len() - 1;
            return Some(LATENCY_BUCKETS_MS[i.min(last)]);
        }
    }
    LATENCY_BUCKETS_MS.last().copied()
}

#[cfg(test)]
mod tests;
