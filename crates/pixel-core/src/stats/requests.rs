//! KPI counters of Google Data Manager requests, whose outcome comes asynchronously:
//! `gdm_req` requests accepted by `events:ingest`, `gdm_done` requests whose outcome arrived,
//! `gdm_acc` / `gdm_fail` events Google counted as accepted / failed, and `gdm_r/{REASON}`
//! failed events per reason, for a fixed list of reasons (the rest as `OTHER`): the summary
//! reads counters by name, never by scan.

use serde::Serialize;
use std::collections::BTreeMap;

use super::{add_all, utc_day};
use crate::config::{ConfigId, TenantId};
use crate::kv::{KvError, KvStore};
use crate::platforms::google::datamanager::status::RequestOutcome;
use crate::schema::StatsScope;

/// Google's `ProcessingErrorReason`s a trainer can act on, without their common prefix.
pub const REASONS: [&str; 9] = [
    "INVALID_GCLID",
    "CLICK_NOT_FOUND",
    "DUPLICATE_TRANSACTION_ID",
    "EVENT_TOO_OLD",
    "DENIED_CONSENT",
    "NO_IDENTIFIERS_PROVIDED",
    "INVALID_CONVERSION_ACTION",
    "CONVERSION_ACTION_NOT_ENABLED",
    "OTHER",
];

const PREFIX: &str = "PROCESSING_ERROR_REASON_";

/// The counter name of a reason as Google gives it.
pub fn reason_key(reason: &str) -> &'static str {
    let short = reason.strip_prefix(PREFIX).unwrap_or(reason);
    REASONS
        .iter()
        .find(|r| **r == short)
        .copied()
        .unwrap_or("OTHER")
}

/// What the KPIs show about Google's asynchronous outcomes over the window.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GoogleRequests {
    /// Requests accepted by `events:ingest`.
    pub sent: u64,
    /// Of them, still without an outcome (sent minus resolved, never negative).
    pub pending: u64,
    /// Events Google accepted / failed in the requests resolved.
    pub accepted_events: u64,
    pub failed_events: u64,
    /// Failed events per reason (short names, such as `INVALID_GCLID`).
    pub failed_by_reason: BTreeMap<String, u64>,
}

fn scopes(config: &ConfigId) -> [StatsScope<'_>; 2] {
    [StatsScope::Tenant, StatsScope::Config(config)]
}

/// One request accepted by `events:ingest`.
pub async fn record_sent<S: KvStore>(
    stats: &S,
    tenant: &TenantId,
    config: &ConfigId,
    now_ms: i64,
) -> Result<(), KvError> {
    let deltas = BTreeMap::from([("gdm_req".to_owned(), 1)]);
    add_all(stats, tenant, &scopes(config), utc_day(now_ms), &deltas).await
}

/// One request's final outcome.
pub async fn record_outcome<S: KvStore>(
    stats: &S,
    tenant: &TenantId,
    config: &ConfigId,
    now_ms: i64,
    outcome: &RequestOutcome,
) -> Result<(), KvError> {
    let RequestOutcome::Done {
        accepted,
        failed,
        reasons,
        ..
    } = outcome
    else {
        return Ok(());
    };
    let n = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
    let mut deltas = BTreeMap::from([
        ("gdm_done".to_owned(), 1),
        ("gdm_acc".to_owned(), n(*accepted)),
        ("gdm_fail".to_owned(), n(*failed)),
    ]);
    for (reason, count) in reasons {
        *deltas
            .entry(format!("gdm_r/{}", reason_key(reason)))
            .or_default() += n(*count);
    }
    add_all(stats, tenant, &scopes(config), utc_day(now_ms), &deltas).await
}

/// The counters [`summarize`] reads, per day.
pub(super) fn metrics() -> Vec<String> {
    let mut m: Vec<String> = ["gdm_req", "gdm_done", "gdm_acc", "gdm_fail"]
        .into_iter()
        .map(str::to_owned)
        .collect();
    m.extend(REASONS.iter().map(|r| format!("gdm_r/{r}")));
    m
}

/// The summary from the totals of [`metrics`].
pub(super) fn summarize(get: impl Fn(&str) -> u64) -> GoogleRequests {
    let sent = get("gdm_req");
    GoogleRequests {
        sent,
        pending: sent.saturating_sub(get("gdm_done")),
        accepted_events: get("gdm_acc"),
        failed_events: get("gdm_fail"),
        failed_by_reason: REASONS
            .iter()
            .map(|r| ((*r).to_owned(), get(&format!("gdm_r/{r}"))))
            .filter(|(_, n)| *n > 0)
            .collect(),
    }
}
