//! What a platform's answer means for the events that were sent: the classifiers in
//! [`crate::platforms`] turn HTTP answers into an [`Outcome`]; the dispatcher and
//! [`crate::retry`] act on it.

use serde::{Deserialize, Serialize};

/// The verdict on one request (one batch of one config).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Outcome {
    /// Every event of the batch was accepted.
    Delivered,
    /// Nothing was accepted, and sending the same batch again later may work (rate limit,
    /// outage, timeout). `after_secs` is the platform's hint (`Retry-After`, a known code);
    /// `None` leaves the delay to the retry policy's backoff.
    Retry {
        after_secs: Option<u64>,
        reason: String,
    },
    /// The batch can never succeed as sent: dead-letter every event of it.
    Permanent { reason: String },
    /// The platform rejected a batch of several events because of at least one bad event
    /// (Meta and TikTok reject the whole batch). Split it in halves and resend each, so the
    /// good events go through and the bad one ends alone as [`Outcome::Permanent`].
    Bisect { reason: String },
    /// Meta refused the `fbc` (bad click id): resend the same events without it.
    ResendWithoutFbc { reason: String },
    /// Every event of this config will fail until a person acts: the token is invalid or
    /// expired, or the pixel/account is not reachable with it. Pause the config's deliveries,
    /// mark its health, and keep the events for when it is fixed.
    PauseConfig { reason: String },
    /// One verdict per event, in batch order (Google's partial failure).
    PerEvent(Vec<EventOutcome>),
    /// The platform refused the whole request for the events at these indices (Google Data
    /// Manager's fast-fail names them in its field paths): dead-letter those with the reason
    /// given, and resend the others at once. Nothing of the request was accepted.
    RejectEvents { bad: Vec<(usize, String)> },
}

/// The verdict on one event of a batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum EventOutcome {
    Delivered,
    /// The platform already has it (same order id or click conversion): count as delivered,
    /// never send again.
    AlreadyDelivered {
        reason: String,
    },
    Retry {
        after_secs: Option<u64>,
        reason: String,
    },
    Permanent {
        reason: String,
    },
}

impl Outcome {
    /// The verdict for each of `batch_len` events, for callers that keep per-event records.
    /// `Bisect`, `ResendWithoutFbc` and `PauseConfig` are batch-level actions, not verdicts,
    /// and give `None`.
    pub fn per_event(&self, batch_len: usize) -> Option<Vec<EventOutcome>> {
        let all = |o: EventOutcome| Some(vec![o; batch_len]);
        match self {
            Outcome::Delivered => all(EventOutcome::Delivered),
            Outcome::Retry { after_secs, reason } => all(EventOutcome::Retry {
                after_secs: *after_secs,
                reason: reason.clone(),
            }),
            Outcome::Permanent { reason } => all(EventOutcome::Permanent {
                reason: reason.clone(),
            }),
            Outcome::PerEvent(rows) => Some(rows.clone()),
            Outcome::Bisect { .. }
            | Outcome::ResendWithoutFbc { .. }
            | Outcome::PauseConfig { .. }
            | Outcome::RejectEvents { .. } => None,
        }
    }
}

/// The parts of an HTTP answer the classifiers read.
#[derive(Debug, Clone, Copy)]
pub struct HttpAnswer<'a> {
    pub status: u16,
    /// The `Retry-After` header, if any.
    pub retry_after: Option<&'a str>,
    pub body: &'a [u8],
}

impl HttpAnswer<'_> {
    /// `Retry-After` in seconds. Only the delta-seconds form is read: the HTTP-date form would
    /// need the clock, and the platforms we call send seconds.
    pub fn retry_after_secs(&self) -> Option<u64> {
        self.retry_after?.trim().parse().ok()
    }
}

/// How the request failed before any answer arrived (the dispatcher maps its HTTP client's
/// error to one of these). Every one is worth a retry: nothing was accepted, or we cannot know,
/// and the platforms deduplicate on `event_id`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransportFailure {
    Timeout,
    Connect,
    Other,
}

/// The verdict when no answer arrived.
pub fn transport_failure(failure: TransportFailure) -> Outcome {
    let reason = match failure {
        TransportFailure::Timeout => "platform did not answer in time",
        TransportFailure::Connect => "could not connect to the platform",
        TransportFailure::Other => "request to the platform failed",
    };
    Outcome::Retry {
        after_secs: None,
        reason: reason.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_reads_seconds_only() {
        let a = |h| HttpAnswer {
            status: 429,
            retry_after: h,
            body: b"",
        };
        assert_eq!(a(Some(" 120 ")).retry_after_secs(), Some(120));
        assert_eq!(
            a(Some("Wed, 21 Oct 2026 07:28:00 GMT")).retry_after_secs(),
            None
        );
        assert_eq!(a(None).retry_after_secs(), None);
    }

    #[test]
    fn batch_actions_have_no_per_event_verdict() {
        let bisect = Outcome::Bisect { reason: "x".into() };
        assert_eq!(bisect.per_event(2), None);
        assert_eq!(
            Outcome::Delivered.per_event(2),
            Some(vec![EventOutcome::Delivered, EventOutcome::Delivered])
        );
    }
}
