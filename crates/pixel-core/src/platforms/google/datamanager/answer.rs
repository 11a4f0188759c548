//! What the Data Manager API's answer to `events:ingest` means.
//!
//! Fast-fail: one invalid event rejects the whole request with `400 INVALID_ARGUMENT`, a
//! `google.rpc.Status` whose `BadRequest.fieldViolations[].field` is a snake_case path with the
//! event's index (`events[3].ad_identifiers.gclid`). Those events are dead-lettered with Google's
//! reason and the rest resent at once ([`Outcome::RejectEvents`]); only a rejection that names
//! no event is bisected. A violation in a destination (`destinations[0]...`) is the config's
//! fault: every request would fail alike, so the config is held instead.
//!
//! Retry classes (Google's "understand errors" guide): `UNAVAILABLE`, `DEADLINE_EXCEEDED`,
//! `INTERNAL`, `UNKNOWN`, `ABORTED` and 429 `RESOURCE_EXHAUSTED` are retried; a 429 whose
//! `ErrorInfo.metadata.quota_limit` is a per-day quota waits for the daily reset (midnight
//! Pacific time), a per-minute one backs off a minute. `INVALID_ARGUMENT`, `NOT_FOUND`,
//! `FAILED_PRECONDITION` are never retried; `UNAUTHENTICATED`/`PERMISSION_DENIED` hold the config.

use super::DataManagerTarget;
use crate::outcome::{HttpAnswer, Outcome};
use crate::platforms::{CredentialVerdict, bad_event};
use serde_json::{Value, json};

/// Google's daily quotas reset at midnight Pacific time; 08:00 UTC is midnight PST (in summer,
/// PDT, the reset came an hour earlier: waiting an hour more is harmless).
const DAILY_RESET_UTC_SECS: i64 = 8 * 3600;
/// A per-minute quota: the next minute has a fresh budget.
const PER_MINUTE_WAIT_SECS: u64 = 60;

/// One `fieldViolations[]` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub field: String,
    pub reason: String,
    pub description: String,
}

impl Violation {
    /// The event index a field path names (`events[3].ad_identifiers.gclid` → 3).
    pub fn event_index(&self) -> Option<usize> {
        let rest = self.field.strip_prefix("events[")?;
        rest.split_once(']')?.0.parse().ok()
    }

    fn text(&self) -> String {
        let reason = if self.reason.is_empty() {
            "INVALID_ARGUMENT"
        } else {
            &self.reason
        };
        let mut t = format!("Google {reason} at {}", self.field);
        if !self.description.is_empty() {
            t.push_str(": ");
            t.extend(self.description.chars().take(300));
        }
        t
    }
}

/// The parts of a `google.rpc.Status` error body the classifier reads.
#[derive(Debug, Default)]
pub struct StatusError {
    pub status: String,
    pub message: String,
    /// `ErrorInfo.reason`, if any.
    pub reason: Option<String>,
    /// `ErrorInfo.metadata.quota_limit`, if any.
    pub quota_limit: Option<String>,
    pub violations: Vec<Violation>,
}

/// Read `{"error":{code,message,status,details[]}}`; `None` when the body is not one.
pub fn status_error(body: &[u8]) -> Option<StatusError> {
    let v: Value = serde_json::from_slice(body).ok()?;
    let e = v.get("error")?;
    let s = |v: &Value| v.as_str().unwrap_or("").to_owned();
    let mut out = StatusError {
        status: s(&e["status"]),
        message: e["message"]
            .as_str()
            .unwrap_or("")
            .chars()
            .take(300)
            .collect(),
        ..Default::default()
    };
    for d in e["details"].as_array().into_iter().flatten() {
        let kind = d["@type"].as_str().unwrap_or("");
        if kind.ends_with("google.rpc.ErrorInfo") {
            out.reason = d["reason"].as_str().map(str::to_owned);
            out.quota_limit = d["metadata"]["quota_limit"].as_str().map(str::to_owned);
        } else if kind.ends_with("google.rpc.BadRequest") {
            for fv in d["fieldViolations"].as_array().into_iter().flatten() {
                out.violations.push(Violation {
                    field: s(&fv["field"]),
                    reason: s(&fv["reason"]),
                    description: s(&fv["description"]),
                });
            }
        }
    }
    Some(out)
}

/// Seconds from `now` to the next daily quota reset.
pub fn secs_to_daily_reset(now: i64) -> u64 {
    let into_day = now.rem_euclid(86_400);
    let wait = (DAILY_RESET_UTC_SECS - into_day).rem_euclid(86_400);
    // Exactly at the reset, the quota may not have rolled over yet: the next one, then.
    u64::try_from(if wait == 0 { 86_400 } else { wait }).unwrap_or(86_400)
}

/// Whether a `quota_limit` name is a daily quota (`...PerDay...`, `..._per_day`).
fn is_per_day(limit: &str) -> bool {
    let l = limit.to_ascii_lowercase();
    l.contains("perday") || l.contains("per_day") || l.contains("daily")
}

impl DataManagerTarget {
    /// The verdict on the answer to an `events:ingest` of `batch_len` events.
    pub fn classify(&self, answer: &HttpAnswer<'_>, batch_len: usize) -> Outcome {
        let err = status_error(answer.body).unwrap_or_default();
        let words = |what: &str| {
            let status = if err.status.is_empty() {
                String::new()
            } else {
                format!(" {}", err.status)
            };
            format!("{what} (HTTP {}{status}): {}", answer.status, err.message)
        };
        match answer.status {
            200..=299 => {
                let ok = serde_json::from_slice::<Value>(answer.body)
                    .ok()
                    .is_some_and(|v| v.is_object());
                if ok {
                    Outcome::Delivered
                } else {
                    Outcome::Retry {
                        after_secs: None,
                        reason: "Google answered without a readable body".to_owned(),
                    }
                }
            }
            429 => {
                let per_day = err.quota_limit.as_deref().is_some_and(is_per_day);
                let after = if per_day {
                    secs_to_daily_reset(self.clock_secs)
                } else {
                    answer.retry_after_secs().unwrap_or(PER_MINUTE_WAIT_SECS)
                };
                let limit = err.quota_limit.as_deref().unwrap_or("unknown quota");
                Outcome::Retry {
                    after_secs: Some(after),
                    reason: words(&format!("Google quota exhausted ({limit})")),
                }
            }
            401 | 403 => Outcome::PauseConfig {
                reason: words("Google refused the credentials"),
            },
            408 | 500..=599 => Outcome::Retry {
                after_secs: answer.retry_after_secs(),
                reason: words("Google unavailable"),
            },
            // ABORTED is retryable by Google's list; 409 is its HTTP form.
            409 => Outcome::Retry {
                after_secs: None,
                reason: words("Google aborted the request"),
            },
            404 => Outcome::PauseConfig {
                reason: words("Google cannot find the destination"),
            },
            _ if err.status == "FAILED_PRECONDITION" => Outcome::PauseConfig {
                reason: words("Google refused the account's setup"),
            },
            _ => fast_fail(&err, batch_len, words("Google refused the request")),
        }
    }

    /// What a `validateOnly` ingest (test event, credential check) says about the credentials
    /// and the account: the request is real, but Google stores nothing.
    pub fn classify_credential_check(&self, answer: &HttpAnswer<'_>) -> CredentialVerdict {
        let err = status_error(answer.body).unwrap_or_default();
        let code = |fallback: Value| {
            err.reason
                .clone()
                .map(Value::String)
                .or_else(|| (!err.status.is_empty()).then(|| json!(err.status)))
                .unwrap_or(fallback)
        };
        match answer.status {
            200..=299 => CredentialVerdict::Accepted,
            401 | 403 | 404 => CredentialVerdict::Rejected {
                code: code(json!(answer.status)),
                message: if err.message.is_empty() {
                    "access denied".to_owned()
                } else {
                    err.message.clone()
                },
            },
            // The probe event itself was refused but the credentials passed authentication.
            400 if err.violations.iter().all(|v| v.event_index().is_some())
                && !err.violations.is_empty() =>
            {
                CredentialVerdict::AcceptedUnverified {
                    note: format!("Google refused the probe event: {}", err.message),
                }
            }
            400 => CredentialVerdict::Rejected {
                code: code(json!(400)),
                message: err.message.clone(),
            },
            status => CredentialVerdict::Unavailable {
                reason: format!("it answered HTTP {status}"),
            },
        }
    }
}

/// A 400: the events the violations name, or the config's destinations, or a bisect.
fn fast_fail(err: &StatusError, batch_len: usize, whole: String) -> Outcome {
    if let Some(v) = err
        .violations
        .iter()
        .find(|v| v.field.starts_with("destinations"))
    {
        return Outcome::PauseConfig { reason: v.text() };
    }
    let mut bad: Vec<(usize, String)> = Vec::new();
    for v in &err.violations {
        match v.event_index() {
            Some(i) if i < batch_len => match bad.iter_mut().find(|(j, _)| *j == i) {
                Some((_, text)) => {
                    text.push_str("; ");
                    text.push_str(&v.text());
                }
                None => bad.push((i, v.text())),
            },
            _ => {}
        }
    }
    if bad.is_empty() {
        return bad_event(batch_len, whole);
    }
    bad.sort_by_key(|(i, _)| *i);
    Outcome::RejectEvents { bad }
}
