//! Per-platform request builders, pre-send checks and answer classifiers.
//!
//! The dispatcher's loop, per config: [`Target::check`] each due event (a rejected event is
//! dead-lettered at once, because one invalid event makes Meta reject the whole batch),
//! [`Target::build`] requests of at most [`Platform::batch_limit`] events, send them, and
//! [`Target::classify`] the answers. Nothing here does I/O; the clock comes in as `now`.
//!
//! Credentials are checked before a config is stored, with a request that creates nothing
//! (each platform's `credential_check`); each platform's `classify_credential_check` turns the
//! answer into a [`CredentialVerdict`].

pub mod google;
pub mod meta;
pub mod tiktok;

use crate::event::Event;
use crate::outcome::{HttpAnswer, Outcome};
use crate::platform::{Platform, StandardEvent};
use std::collections::BTreeMap;
use std::fmt;

pub use google::GoogleTarget;
pub use google::datamanager::DataManagerTarget;
pub use meta::MetaTarget;
pub use tiktok::TikTokTarget;

/// Where and how one tracking config delivers.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    Meta(MetaTarget),
    TikTok(TikTokTarget),
    Google(GoogleTarget),
    /// Google through the Data Manager API (`events:ingest`), the default for Google configs.
    GoogleDataManager(DataManagerTarget),
}

/// Whether a request is real, a test the user asked for, or a dry run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendMode {
    Live,
    /// The dashboard's "send test event": Meta and TikTok get the `test_event_code` (Meta keeps
    /// such events, so never use this to probe credentials); Google validates without storing.
    Test {
        test_event_code: Option<String>,
    },
}

/// Why an event is not sent to a platform at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    #[error("the visitor did not consent to sharing data with ad platforms")]
    NoConsent,
    #[error("event is older than the platform accepts ({age_secs} s)")]
    TooOld { age_secs: i64 },
    #[error("event time is more than an hour in the future")]
    InFuture,
    #[error("{0} events need a value and an ISO 4217 currency")]
    MissingValue(&'static str),
    #[error("website events need the page URL and the browser's user agent")]
    MissingWebsiteContext,
    #[error("user data too thin to match (only {0})")]
    TooThin(String),
    #[error("no click id (gclid, gbraid, wbraid) and no hashed e-mail or phone")]
    NoClickIdOrIdentifier,
    #[error("this config does not map {0} to a platform event or conversion action")]
    NotMapped(StandardEvent),
}

/// What a credential check (a request that creates nothing) says about new credentials: the
/// config API stores them or answers the user with the platform's own code and words.
#[derive(Debug, Clone, PartialEq)]
pub enum CredentialVerdict {
    /// The token works for this pixel or account.
    Accepted,
    /// The token was accepted, but the check could not prove it reaches the pixel (Meta: it may
    /// send events but not read the pixel; TikTok: our probe event was refused). Store it,
    /// marked unverified with `note`.
    AcceptedUnverified { note: String },
    /// The platform refused the token, or the pixel or account is not reachable with it.
    /// `code` is the platform's own (Meta's and TikTok's number, Google's error string or HTTP
    /// status), `Null` when it gave none; `message` is its words.
    Rejected {
        code: serde_json::Value,
        message: String,
    },
    /// No verdict (outage, rate limit, an answer that is not the platform's): store nothing,
    /// the user tries again.
    Unavailable { reason: String },
}

/// One HTTP request, ready to send. The credential is kept apart so that what is logged
/// (`url`, `headers`, `body`) can never contain it; `Debug` redacts it too.
#[derive(Clone, PartialEq)]
pub struct OutboundRequest {
    pub method: &'static str,
    /// Without the credential.
    pub url: String,
    /// Without the credential.
    pub headers: Vec<(String, String)>,
    /// The JSON payload, safe to log (hashed fields only).
    pub body: serde_json::Value,
    pub credential: Credential,
}

/// The secret that authenticates a request.
#[derive(Clone, PartialEq, Eq)]
pub enum Credential {
    /// Appended to the URL as `?name=value` (Meta's `access_token`).
    QueryParam { name: &'static str, value: String },
    /// Sent as a header (TikTok's `Access-Token`, Google's `Authorization`).
    Header { name: &'static str, value: String },
}

impl OutboundRequest {
    /// The URL to send to, credential included when it travels in the query.
    pub fn url_with_credential(&self) -> String {
        match &self.credential {
            Credential::QueryParam { name, value } => {
                let sep = if self.url.contains('?') { '&' } else { '?' };
                format!("{}{sep}{name}={}", self.url, percent_encode(value))
            }
            Credential::Header { .. } => self.url.clone(),
        }
    }

    /// The headers to send, credential included when it travels as a header.
    pub fn headers_with_credential(&self) -> Vec<(String, String)> {
        let mut headers = self.headers.clone();
        if let Credential::Header { name, value } = &self.credential {
            headers.push(((*name).to_owned(), value.clone()));
        }
        headers
    }

    /// The body as bytes (empty for a GET).
    pub fn body_bytes(&self) -> Vec<u8> {
        if self.body.is_null() {
            Vec::new()
        } else {
            self.body.to_string().into_bytes()
        }
    }
}

impl fmt::Debug for OutboundRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OutboundRequest")
            .field("method", &self.method)
            .field("url", &self.url)
            .field("headers", &self.headers)
            .field("body", &self.body)
            .field("credential", &"<redacted>")
            .finish()
    }
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Credential(<redacted>)")
    }
}

impl Target {
    pub fn platform(&self) -> Platform {
        match self {
            Target::Meta(_) => Platform::Meta,
            Target::TikTok(_) => Platform::TikTok,
            Target::Google(_) | Target::GoogleDataManager(_) => Platform::Google,
        }
    }

    /// Whether `event` may be sent at all; run before batching.
    pub fn check(&self, event: &Event, now: i64) -> Result<(), Rejection> {
        if event.time > now + 3_600 {
            return Err(Rejection::InFuture);
        }
        match self {
            Target::Meta(t) => t.check(event, now),
            Target::TikTok(t) => t.check(event, now),
            Target::Google(t) => t.check(event),
            Target::GoogleDataManager(t) => t.check(event),
        }
    }

    /// One request per chunk of at most the platform's batch limit, in order. Events must have
    /// passed [`Target::check`]; times slightly in the future (clock skew) are sent as `now`.
    pub fn build(&self, events: &[Event], mode: &SendMode, now: i64) -> Vec<OutboundRequest> {
        events
            .chunks(self.platform().batch_limit())
            .map(|chunk| match self {
                Target::Meta(t) => t.build(chunk, mode, now),
                Target::TikTok(t) => t.build(chunk, mode, now),
                Target::Google(t) => t.build(chunk, mode, now),
                Target::GoogleDataManager(t) => t.build(chunk, mode, now),
            })
            .collect()
    }

    /// The verdict on the answer to a request of `batch_len` events.
    pub fn classify(&self, answer: &HttpAnswer<'_>, batch_len: usize) -> Outcome {
        match self {
            Target::Meta(_) => meta::classify(answer, batch_len),
            Target::TikTok(_) => tiktok::classify(answer, batch_len),
            Target::Google(_) => google::classify(answer, batch_len),
            Target::GoogleDataManager(t) => t.classify(answer, batch_len),
        }
    }
}

/// The two halves of a batch to resend after [`Outcome::Bisect`]; a batch of one cannot be
/// split (the classifier already answers `Permanent` for it).
pub fn bisect<T>(batch: &[T]) -> (&[T], &[T]) {
    batch.split_at(batch.len() / 2)
}

/// The events to resend after [`Outcome::ResendWithoutFbc`].
pub fn without_fbc(events: &[Event]) -> Vec<Event> {
    events
        .iter()
        .cloned()
        .map(|mut e| {
            e.click_ids.fbc = None;
            e
        })
        .collect()
}

/// The platform's own event name: the config's override, else the platform's default.
pub(crate) fn event_name(
    overrides: &BTreeMap<StandardEvent, String>,
    event: StandardEvent,
    default: fn(StandardEvent) -> Option<&'static str>,
) -> Option<String> {
    overrides
        .get(&event)
        .cloned()
        .or_else(|| default(event).map(str::to_owned))
}

/// ISO 4217 as the platforms want it: three uppercase ASCII letters.
pub(crate) fn valid_currency(c: Option<&str>) -> bool {
    c.is_some_and(|c| c.len() == 3 && c.bytes().all(|b| b.is_ascii_uppercase()))
}

pub(crate) fn trim_slash(base: &str) -> &str {
    base.trim_end_matches('/')
}

pub(crate) fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Common HTTP-level verdicts: rate limit and server errors are worth retrying.
pub(crate) fn http_retry(answer: &HttpAnswer<'_>) -> Option<Outcome> {
    match answer.status {
        429 => Some(Outcome::Retry {
            after_secs: answer.retry_after_secs().or(Some(60)),
            reason: format!("rate limited (HTTP {})", answer.status),
        }),
        408 | 500..=599 => Some(Outcome::Retry {
            after_secs: answer.retry_after_secs(),
            reason: format!("platform unavailable (HTTP {})", answer.status),
        }),
        _ => None,
    }
}

/// A batch-level rejection caused by one bad event: bisect a batch, give up on a single event.
pub(crate) fn bad_event(batch_len: usize, reason: String) -> Outcome {
    if batch_len > 1 {
        Outcome::Bisect { reason }
    } else {
        Outcome::Permanent { reason }
    }
}

#[cfg(test)]
mod tests;
