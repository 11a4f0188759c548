//! The asynchronous half of a Data Manager delivery: a 200 from `events:ingest` only says the
//! request was received. Its `requestId` is polled with `requestStatus:retrieve` on Google's
//! schedule ([`next_poll`]: first after 30 min, each wait ×1.3 up to 60 min, none after 24 h)
//! until every destination left `PROCESSING`; the answer gives counts per reason, not per
//! event, so the outcome belongs to the request ([`RequestOutcome`]).

use crate::outcome::HttpAnswer;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// Google's advice: the first look no sooner than 30 minutes after the request.
pub const FIRST_POLL_MS: i64 = 30 * 60_000;
/// Each wait is 1.3 times the previous one (in tenths, to stay in integers)...
pub const BACKOFF_TENTHS: i64 = 13;
/// ...up to an hour.
pub const MAX_WAIT_MS: i64 = 60 * 60_000;
/// After a day, Google keeps no status worth asking for.
pub const GIVE_UP_MS: i64 = 24 * 3_600_000;

/// A request waiting for its outcome, as the queue keeps it until the next poll.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PendingRequest {
    pub request_id: String,
    /// When `events:ingest` answered (Unix ms).
    pub sent_ms: i64,
    /// Events the request carried.
    pub events: u32,
    /// The last wait (ms): the next one grows from it.
    pub wait_ms: i64,
    pub polls: u32,
}

impl PendingRequest {
    /// A request just answered with `request_id`, and when to look first.
    pub fn new(request_id: &str, events: usize, sent_ms: i64) -> (Self, i64) {
        let p = PendingRequest {
            request_id: request_id.to_owned(),
            sent_ms,
            events: u32::try_from(events).unwrap_or(u32::MAX),
            wait_ms: FIRST_POLL_MS,
            polls: 0,
        };
        (p, sent_ms + FIRST_POLL_MS)
    }
}

/// After a poll at `now_ms` that found the request still processing: the updated record and
/// when to look again, or `None` when the 24 h are over (the request stays "pending" for good).
pub fn next_poll(p: &PendingRequest, now_ms: i64) -> Option<(PendingRequest, i64)> {
    let wait = (p.wait_ms * BACKOFF_TENTHS / 10).clamp(FIRST_POLL_MS, MAX_WAIT_MS);
    let at = now_ms + wait;
    if at > p.sent_ms + GIVE_UP_MS {
        return None;
    }
    let next = PendingRequest {
        wait_ms: wait,
        polls: p.polls + 1,
        ..p.clone()
    };
    Some((next, at))
}

/// What `requestStatus:retrieve` said about one request, summed over its destinations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "state")]
pub enum RequestOutcome {
    /// At least one destination is still `PROCESSING` (or the status is unknown yet).
    Processing,
    /// Every destination is done.
    Done {
        /// The worst of the destinations': `SUCCESS`, `PARTIAL_SUCCESS` or `FAILED`.
        status: String,
        /// Events Google counted (`recordCount` includes the failed ones).
        records: u64,
        accepted: u64,
        failed: u64,
        /// Failed events per Google reason (`PROCESSING_ERROR_REASON_INVALID_GCLID` ...).
        reasons: BTreeMap<String, u64>,
    },
}

fn rank(status: &str) -> u8 {
    match status {
        "SUCCESS" => 0,
        "PARTIAL_SUCCESS" => 1,
        _ => 2,
    }
}

/// Read a `requestStatus:retrieve` answer. `Err` is a reason to try the poll again later
/// (not an answer about the request).
pub fn parse_status(answer: &HttpAnswer<'_>) -> Result<RequestOutcome, String> {
    if !(200..300).contains(&answer.status) {
        return Err(format!("requestStatus answered HTTP {}", answer.status));
    }
    let v: Value = serde_json::from_slice(answer.body)
        .map_err(|_| "requestStatus answered without a readable body".to_owned())?;
    let dests = v["requestStatusPerDestination"]
        .as_array()
        .map_or(&[][..], Vec::as_slice);
    if dests.is_empty() {
        return Ok(RequestOutcome::Processing);
    }
    let mut worst = "SUCCESS";
    let (mut records, mut failed) = (0u64, 0u64);
    let mut reasons: BTreeMap<String, u64> = BTreeMap::new();
    for d in dests {
        let status = d["requestStatus"].as_str().unwrap_or("");
        if !matches!(status, "SUCCESS" | "PARTIAL_SUCCESS" | "FAILED") {
            return Ok(RequestOutcome::Processing);
        }
        if rank(status) > rank(worst) {
            worst = status;
        }
        // int64 counts travel as JSON strings in Google's REST mapping; accept numbers too.
        let count = |v: &Value| {
            v.as_u64()
                .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
                .unwrap_or(0)
        };
        records += count(&d["eventsIngestionStatus"]["recordCount"]);
        for c in d["errorInfo"]["errorCounts"]
            .as_array()
            .into_iter()
            .flatten()
        {
            let n = count(&c["recordCount"]);
            let reason = c["reason"].as_str().unwrap_or("UNKNOWN");
            let reason: String = reason.chars().take(120).collect();
            failed += n;
            *reasons.entry(reason).or_default() += n;
        }
    }
    Ok(RequestOutcome::Done {
        status: worst.to_owned(),
        records,
        accepted: records.saturating_sub(failed),
        failed,
        reasons,
    })
}

impl RequestOutcome {
    /// The log's one line: `accepted 2 / failed 1 (PROCESSING_ERROR_REASON_INVALID_GCLID: 1)`.
    pub fn summary(&self) -> String {
        match self {
            RequestOutcome::Processing => "pending".to_owned(),
            RequestOutcome::Done {
                accepted,
                failed,
                reasons,
                ..
            } => {
                let mut s = format!("accepted {accepted} / failed {failed}");
                if !reasons.is_empty() {
                    let list: Vec<String> =
                        reasons.iter().map(|(r, n)| format!("{r}: {n}")).collect();
                    s.push_str(&format!(" ({})", list.join(", ")));
                }
                s
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn polls_follow_googles_schedule_and_stop_after_a_day() {
        let (mut p, first) = PendingRequest::new("r1", 3, 0);
        assert_eq!(first, 30 * 60_000);
        let mut at = first;
        let mut waits = Vec::new();
        while let Some((next, when)) = next_poll(&p, at) {
            waits.push((when - at) / 60_000);
            p = next;
            at = when;
        }
        // 30 min ×1.3 = 39, 50, 65→60, then 60 each; nothing after 24 h.
        assert_eq!(&waits[..4], &[39, 50, 60, 60]);
        assert!(at <= GIVE_UP_MS && at + MAX_WAIT_MS > GIVE_UP_MS, "{at}");
    }

    fn answer(body: &str) -> Result<RequestOutcome, String> {
        parse_status(&HttpAnswer {
            status: 200,
            retry_after: None,
            body: body.as_bytes(),
        })
    }

    #[test]
    fn counts_are_summed_per_reason_and_processing_wins() {
        let done = answer(
            r#"{"requestStatusPerDestination":[
              {"requestStatus":"PARTIAL_SUCCESS","eventsIngestionStatus":{"recordCount":"3"},
               "errorInfo":{"errorCounts":[{"recordCount":"1","reason":"PROCESSING_ERROR_REASON_INVALID_GCLID"}]}},
              {"requestStatus":"SUCCESS","eventsIngestionStatus":{"recordCount":2}}]}"#,
        )
        .unwrap();
        assert_eq!(
            done.summary(),
            "accepted 4 / failed 1 (PROCESSING_ERROR_REASON_INVALID_GCLID: 1)"
        );
        let RequestOutcome::Done { status, .. } = &done else {
            panic!("{done:?}")
        };
        assert_eq!(status, "PARTIAL_SUCCESS");
        let mixed = r#"{"requestStatusPerDestination":[{"requestStatus":"SUCCESS"},
            {"requestStatus":"PROCESSING"}]}"#;
        assert_eq!(answer(mixed).unwrap(), RequestOutcome::Processing);
        assert!(answer("not json").is_err());
        assert_eq!(answer("{}").unwrap(), RequestOutcome::Processing);
    }
}
