//! Running the evaluation over the stores, and when.
//!
//! **No cron in Spin: the dispatcher's worker is the clock.** After its passes the worker calls
//! [`step`] whenever [`schema::ALERT_DUE_KEY`] is due (or unset). A step evaluates every
//! tenant at most once a minute across instances (compare-and-swap on
//! [`schema::ALERT_RUN_KEY`], like `queue::try_wake`), sends the webhooks due, and writes the
//! next due time: the earliest webhook retry, or [`CHECK_EVERY_MS`] from now. Since
//! `queue::next_due_time` counts that time as work, an alert check falls due like a delivery:
//! a worker on duty runs it, an idle deployment's next `nudge` (any API call, page view or
//! backend event) sees pending work and wakes a worker, and an outside scheduler's tick
//! (`POST /api/v1/marketing/dispatcher/tick`) runs it too. So a site that goes silent is found
//! even when no event arrives, as long as anything at all reaches the app (or a scheduler
//! ticks). [`CHECK_EVERY_MS`] is beyond the worker's horizon, so an idle worker still ends
//! instead of waiting for the next check.

use serde::Serialize;

use super::webhook::{self, Sent, WebhookEvent};
use super::{Alert, AlertState, Change, evaluate, facts};
use crate::config::TenantId;
use crate::kv::{KvError, KvStore, Stores};
use crate::schema;

/// The longest wait between two evaluations while anything wakes the dispatcher.
pub const CHECK_EVERY_MS: i64 = 5 * 60_000;
/// Evaluations happen at most this often (across instances).
pub const MIN_INTERVAL_MS: i64 = 60_000;

/// What a step did (the tick answers it as `alerts`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StepReport {
    pub evaluated: bool,
    pub tenants: usize,
    pub raised: usize,
    pub cleared: usize,
    pub webhooks: Sent,
}

/// The tenants with configs or sites: one `keys` scan of the `configs` store (small: configs,
/// sites and their indexes), at most once a minute.
pub async fn tenants<S: KvStore>(configs: &S) -> Result<Vec<TenantId>, KvError> {
    let mut out: Vec<TenantId> = configs
        .keys()
        .await?
        .iter()
        .filter_map(|k| {
            k.strip_prefix("cfgidx/")
                .or_else(|| k.strip_prefix("siteidx/"))
        })
        .filter_map(|t| TenantId::parse(t).ok())
        .collect();
    out.sort();
    out.dedup();
    Ok(out)
}

fn read_state(raw: Option<&[u8]>) -> AlertState {
    raw.and_then(|r| serde_json::from_slice(r).ok())
        .unwrap_or_default()
}

/// The open alerts of `tenant` as stored (what `GET /api/v1/marketing/alerts` lists).
pub async fn open_alerts<S: KvStore>(logs: &S, tenant: &TenantId) -> Result<Vec<Alert>, KvError> {
    Ok(read_state(logs.get(&schema::alerts_key(tenant)).await?.as_deref()).open)
}

/// Evaluate `tenant` at `now_ms` and store the result (compare-and-swap, retried when another
/// evaluator wrote in between). With `webhooks`, each change becomes a webhook event, put in
/// the state's outbox in the same write, then handed to the queue and taken out of the outbox.
pub async fn check_tenant<S: KvStore>(
    stores: &Stores<S>,
    tenant: &TenantId,
    now_ms: i64,
    webhooks: bool,
) -> Result<Vec<(Change, Alert)>, KvError> {
    let key = schema::alerts_key(tenant);
    for _ in 0..5 {
        let raw = stores.logs.get(&key).await?;
        let state = read_state(raw.as_deref());
        let facts = facts::gather(stores, tenant, now_ms).await?;
        let (mut next, changes) = evaluate(&state, &facts, now_ms);
        if webhooks {
            next.outbox.extend(
                changes
                    .iter()
                    .map(|(c, a)| WebhookEvent::new(tenant, *c, a.clone())),
            );
        }
        if next == state {
            return Ok(changes);
        }
        let bytes = serde_json::to_vec(&next).map_err(|e| KvError(e.to_string()))?;
        if !stores
            .logs
            .compare_and_swap(&key, raw.as_deref(), &bytes)
            .await?
        {
            continue;
        }
        if !next.outbox.is_empty() {
            webhook::enqueue(&stores.queue, &next.outbox, now_ms).await?;
            let handed = AlertState {
                outbox: Vec::new(),
                ..next
            };
            let handed = serde_json::to_vec(&handed).map_err(|e| KvError(e.to_string()))?;
            // Lost to a concurrent write: the outbox is handed over again (same event ids).
            let _ = stores
                .logs
                .compare_and_swap(&key, Some(&bytes), &handed)
                .await?;
        }
        return Ok(changes);
    }
    Err(KvError(format!("alert state of {tenant} kept changing")))
}

/// One alert step at `now_ms` (see the module): evaluate when `force` or when the last
/// evaluation is a minute old; send the webhooks due with `send` (none when `None`: no webhook
/// configured); write when the next step is due, counted from `clock_ms` (the real clock; a
/// tick may evaluate ahead of it).
pub async fn step<S: KvStore>(
    stores: &Stores<S>,
    now_ms: i64,
    clock_ms: i64,
    force: bool,
    random: impl Fn() -> u64,
    send: Option<impl AsyncFn(&WebhookEvent, Vec<u8>) -> bool>,
) -> Result<StepReport, KvError> {
    let mut report = StepReport::default();
    let evaluate = force
        || crate::queue::once_per(
            &stores.queue,
            schema::ALERT_RUN_KEY,
            now_ms,
            MIN_INTERVAL_MS,
        )
        .await
        .map_err(|e| KvError(e.to_string()))?;
    if evaluate {
        report.evaluated = true;
        for tenant in tenants(&stores.configs).await? {
            report.tenants += 1;
            match check_tenant(stores, &tenant, now_ms, send.is_some()).await {
                Ok(changes) => {
                    for (c, _) in changes {
                        match c {
                            Change::Raised => report.raised += 1,
                            Change::Cleared => report.cleared += 1,
                        }
                    }
                }
                Err(e) => eprintln!("alerts of {tenant}: {e}"),
            }
        }
    }
    if let Some(send) = send {
        report.webhooks = webhook::deliver_due(&stores.queue, now_ms, random, send).await?;
    }
    let mut next = clock_ms + CHECK_EVERY_MS;
    if let Some(t) = report.webhooks.next_due_ms {
        next = next.min(t.max(clock_ms));
    }
    stores
        .queue
        .set(schema::ALERT_DUE_KEY, next.to_string().as_bytes())
        .await?;
    Ok(report)
}

/// Evaluate `tenant` now, outside the worker's schedule: what a change that may end an alert
/// calls (a PATCH that brings working credentials), so the API and the webhook say so at once
/// instead of at the next scheduled step. A change makes the alert step due now, so the
/// worker the caller wakes sends its webhook. Returns how many alerts changed.
pub async fn recheck_now<S: KvStore>(
    stores: &Stores<S>,
    tenant: &TenantId,
    now_ms: i64,
) -> Result<usize, KvError> {
    let changes = check_tenant(stores, tenant, now_ms, true).await?;
    if !changes.is_empty() {
        stores
            .queue
            .set(schema::ALERT_DUE_KEY, now_ms.to_string().as_bytes())
            .await?;
    }
    Ok(changes.len())
}

/// When the next alert step is due (`None` before the first one).
pub async fn due_at<S: KvStore>(queue: &S) -> Result<Option<i64>, KvError> {
    Ok(queue
        .get(schema::ALERT_DUE_KEY)
        .await?
        .and_then(|v| std::str::from_utf8(&v).ok()?.parse::<i64>().ok()))
}
