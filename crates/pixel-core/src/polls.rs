//! Google Data Manager requests waiting for their asynchronous outcome, kept in the `queue`
//! store as `rs/{config}/{due_ms:013}/{rid}` (see [`crate::schema::poll_key`]) so that the
//! dispatcher's worker finds them with the due deliveries ([`crate::queue::next_due_time`]
//! counts them) and no cron is needed.
//!
//! The life of one request: [`track`] after `events:ingest` answered 200 (a `pending` log
//! entry, a counter); [`due`] lists what is due; [`claim`] makes one poller per round (an
//! `increment`, which works on every store); [`settle`] writes the outcome down (a log entry
//! "accepted N / failed M by reason", the KPIs' counters) or schedules the next poll on Google's
//! schedule, and gives up after 24 h.

use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::config::{ConfigId, TenantId};
use crate::kv::{KvError, KvStore, Stores};
use crate::logs::{self, LogEntry, LogStatus};
use crate::platforms::google::datamanager::status::{PendingRequest, RequestOutcome, next_poll};
use crate::schema::{self, QueueKey};
use crate::stats;

/// The log's event name for a request's own entries (they concern a request, not one event).
pub const LOG_EVENT_NAME: &str = "GOOGLE_REQUEST";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Stored {
    tenant: TenantId,
    #[serde(flatten)]
    pending: PendingRequest,
}

/// One request whose poll is due.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuePoll {
    pub key: String,
    pub config: ConfigId,
    pub tenant: TenantId,
    pub pending: PendingRequest,
}

fn kv(e: serde_json::Error) -> KvError {
    KvError(e.to_string())
}

/// Remember an accepted request: its first poll in 30 minutes, a `pending` log entry, and
/// the `requests` counter of the day.
pub async fn track<S: KvStore>(
    stores: &Stores<S>,
    tenant: &TenantId,
    config: &ConfigId,
    request_id: &str,
    events: usize,
    now_ms: i64,
) -> Result<(), KvError> {
    let (pending, due_ms) = PendingRequest::new(request_id, events, now_ms);
    let stored = Stored {
        tenant: tenant.clone(),
        pending,
    };
    let value = serde_json::to_vec(&stored).map_err(kv)?;
    stores
        .queue
        .set(&schema::poll_key(config, due_ms, request_id), &value)
        .await?;
    let entry = log_entry(now_ms, LogStatus::Pending, &stored.pending, None, None);
    logs::append(&stores.logs, config, vec![entry]).await?;
    stats::requests::record_sent(&stores.stats, tenant, config, now_ms).await
}

/// The polls due by `now_ms`, oldest first, at most `max`. One `keys()` scan of the queue and
/// one `get_many`.
pub async fn due<S: KvStore>(
    stores: &Stores<S>,
    now_ms: i64,
    max: usize,
) -> Result<Vec<DuePoll>, KvError> {
    let mut found: Vec<(i64, String, ConfigId)> = stores
        .queue
        .keys()
        .await?
        .into_iter()
        .filter_map(|k| match schema::parse_queue_key(&k) {
            QueueKey::Poll { config, due_ms } if due_ms <= now_ms => Some((due_ms, k, config)),
            _ => None,
        })
        .collect();
    found.sort();
    found.truncate(max);
    let keys: Vec<String> = found.iter().map(|(_, k, _)| k.clone()).collect();
    let values = stores.queue.get_many(&keys).await?;
    Ok(found
        .into_iter()
        .zip(values)
        .filter_map(|((_, key, config), v)| {
            let s: Stored = serde_json::from_slice(&v?).ok()?;
            Some(DuePoll {
                key,
                config,
                tenant: s.tenant,
                pending: s.pending,
            })
        })
        .collect())
}

/// Whether this caller polls `poll` in this round: the first `increment` of the round's claim
/// counter wins, so two dispatchers never log one outcome twice.
pub async fn claim<S: KvStore>(stores: &Stores<S>, poll: &DuePoll) -> Result<bool, KvError> {
    let key = schema::poll_claim_key(&poll.pending.request_id, poll.pending.polls);
    Ok(stores.logs.increment(&key, 1).await? == 1)
}

/// Write down what a claimed poll found. `Ok(Done)` is final; `Ok(Processing)` and `Err`
/// (no usable answer) schedule the next poll, until 24 h after the request.
pub async fn settle<S: KvStore>(
    stores: &Stores<S>,
    poll: &DuePoll,
    found: Result<RequestOutcome, String>,
    now_ms: i64,
) -> Result<(), KvError> {
    let p = &poll.pending;
    match &found {
        Ok(done @ RequestOutcome::Done { failed, .. }) => {
            let status = if *failed > 0 {
                LogStatus::Failed
            } else {
                LogStatus::Success
            };
            let message = (*failed > 0).then(|| done.summary());
            let entry = log_entry(now_ms, status, p, Some(done), message);
            logs::append(&stores.logs, &poll.config, vec![entry]).await?;
            stats::requests::record_outcome(
                &stores.stats,
                &poll.tenant,
                &poll.config,
                now_ms,
                done,
            )
            .await?;
            finish(stores, poll).await
        }
        _ => match next_poll(p, now_ms) {
            Some((next, at)) => {
                let value = serde_json::to_vec(&Stored {
                    tenant: poll.tenant.clone(),
                    pending: next,
                })
                .map_err(kv)?;
                let key = schema::poll_key(&poll.config, at, &p.request_id);
                stores.queue.set(&key, &value).await?;
                stores.queue.delete(&poll.key).await
            }
            None => {
                let why = match &found {
                    Err(e) => format!("Google gave no outcome within 24 h ({e})"),
                    _ => "Google gave no outcome within 24 h".to_owned(),
                };
                let entry = log_entry(now_ms, LogStatus::Failed, p, None, Some(why));
                logs::append(&stores.logs, &poll.config, vec![entry]).await?;
                finish(stores, poll).await
            }
        },
    }
}

/// Forget a request without an outcome (its config was deleted).
pub async fn forget<S: KvStore>(stores: &Stores<S>, poll: &DuePoll) -> Result<(), KvError> {
    finish(stores, poll).await
}

/// Forget the request: its poll key and its claim counters.
async fn finish<S: KvStore>(stores: &Stores<S>, poll: &DuePoll) -> Result<(), KvError> {
    stores.queue.delete(&poll.key).await?;
    let claims: Vec<String> = (0..=poll.pending.polls)
        .map(|n| schema::poll_claim_key(&poll.pending.request_id, n))
        .collect();
    stores.logs.delete_many(&claims).await
}

fn log_entry(
    now_ms: i64,
    status: LogStatus,
    p: &PendingRequest,
    outcome: Option<&RequestOutcome>,
    error_message: Option<String>,
) -> LogEntry {
    let mut payload = json!({
        "requestId": p.request_id,
        "events": p.events,
        "requestStatus": "PENDING",
    });
    if let Some(RequestOutcome::Done {
        status,
        records,
        accepted,
        failed,
        reasons,
    }) = outcome
    {
        payload["requestStatus"] = json!(status);
        payload["records"] = json!(records);
        payload["accepted"] = json!(accepted);
        payload["failed"] = json!(failed);
        payload["failedByReason"] = json!(reasons);
    }
    LogEntry {
        id: String::new(),
        timestamp: now_ms,
        event_name: LOG_EVENT_NAME.to_owned(),
        status,
        response_code: None,
        error_message,
        payload,
        latency_ms: 0,
        attempt: p.polls,
    }
}

#[cfg(test)]
mod tests;
