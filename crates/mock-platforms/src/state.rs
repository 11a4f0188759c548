//! What the mock remembers between requests: the request log, the faults still armed, the
//! conversions each platform accepted, and the per-platform bookkeeping (Meta match keys, Google
//! duplicate keys) that makes later answers depend on earlier ones, as on the real platforms.
//!
//! One `std::sync::Mutex` guards it all; it is never held across an `.await`, so a plain mutex is
//! enough and the typed helpers on `MockServer` can stay synchronous.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::sync::{Mutex, MutexGuard};

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The three platforms the mock speaks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Platform {
    Meta,
    Tiktok,
    Google,
}

impl Platform {
    pub fn as_str(self) -> &'static str {
        match self {
            Platform::Meta => "meta",
            Platform::Tiktok => "tiktok",
            Platform::Google => "google",
        }
    }

    pub fn parse(s: &str) -> Option<Platform> {
        match s {
            "meta" => Some(Platform::Meta),
            "tiktok" => Some(Platform::Tiktok),
            "google" => Some(Platform::Google),
            _ => None,
        }
    }
}

/// One request as the mock saw it, for `GET /_mock/requests`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RecordedRequest {
    pub platform: Platform,
    pub method: String,
    pub path: String,
    /// Decoded query parameters; a repeated name keeps its last value.
    pub query: BTreeMap<String, String>,
    /// Lower-case header names; repeated headers are joined with `, `.
    pub headers: BTreeMap<String, String>,
    /// The parsed JSON body, or the raw body as a string when it is not JSON (forms, garbage).
    pub body: Value,
}

/// A canned answer for a platform's next requests, set with `POST /_mock/faults`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Fault {
    pub platform: Platform,
    /// HTTP status of the faulted answer; the body is shaped like that platform's errors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// The platform's own error code: Meta `error.code`, TikTok `code`, Google an HTTP or gRPC code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<i64>,
    /// Meta `error_subcode`, for faults such as 100/2804003.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subcode: Option<i64>,
    /// Wait this long before answering (with the fault, or with the normal answer if nothing else is set).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delay_ms: Option<u64>,
    /// How many requests it applies to; absent means until cleared.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u32>,
    /// Seconds for a `Retry-After` header on the faulted answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
    /// Only requests whose path contains this text (e.g. `:uploadClickConversions` to spare `/token`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
}

impl Fault {
    pub fn new(platform: Platform) -> Fault {
        Fault {
            platform,
            status: None,
            code: None,
            subcode: None,
            delay_ms: None,
            count: None,
            retry_after: None,
            path: None,
        }
    }
    pub fn status(mut self, status: u16) -> Fault {
        self.status = Some(status);
        self
    }
    pub fn code(mut self, code: i64) -> Fault {
        self.code = Some(code);
        self
    }
    pub fn subcode(mut self, subcode: i64) -> Fault {
        self.subcode = Some(subcode);
        self
    }
    pub fn delay_ms(mut self, ms: u64) -> Fault {
        self.delay_ms = Some(ms);
        self
    }
    pub fn count(mut self, count: u32) -> Fault {
        self.count = Some(count);
        self
    }
    pub fn retry_after(mut self, secs: u64) -> Fault {
        self.retry_after = Some(secs);
        self
    }
    pub fn path(mut self, contains: impl Into<String>) -> Fault {
        self.path = Some(contains.into());
        self
    }

    /// A fault that only slows the normal answer down.
    pub fn is_delay_only(&self) -> bool {
        self.status.is_none_or(|s| s == 200) && self.code.is_none() && self.subcode.is_none()
    }
}

/// Accepted events of one event name: how many, and their event ids in arrival order.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct EventTally {
    pub count: u64,
    #[serde(rename = "eventIds")]
    pub event_ids: Vec<String>,
}

/// Account (pixel id, pixel code, customer id) → event name → tally.
pub type Accounts = BTreeMap<String, BTreeMap<String, EventTally>>;

/// Everything the platforms accepted (not test events, not `validateOnly` rows), for `GET /_mock/received`.
///
/// Event names are Meta's `event_name`, TikTok's `event` and Google's `conversionAction`; event ids are
/// Meta/TikTok `event_id` and Google's `orderId` (or the click id when there is no order id).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Received {
    pub meta: Accounts,
    pub tiktok: Accounts,
    pub google: Accounts,
}

impl Received {
    pub fn accounts(&self, platform: Platform) -> &Accounts {
        match platform {
            Platform::Meta => &self.meta,
            Platform::Tiktok => &self.tiktok,
            Platform::Google => &self.google,
        }
    }

    fn accounts_mut(&mut self, platform: Platform) -> &mut Accounts {
        match platform {
            Platform::Meta => &mut self.meta,
            Platform::Tiktok => &mut self.tiktok,
            Platform::Google => &mut self.google,
        }
    }

    /// Accepted events of one name for one account (0 when none).
    pub fn count(&self, platform: Platform, account: &str, event: &str) -> u64 {
        self.accounts(platform)
            .get(account)
            .and_then(|events| events.get(event))
            .map_or(0, |t| t.count)
    }

    /// Accepted events of every name and account of a platform.
    pub fn total(&self, platform: Platform) -> u64 {
        self.accounts(platform)
            .values()
            .flat_map(|events| events.values())
            .map(|t| t.count)
            .sum()
    }

    /// Every accepted event id of a platform, in arrival order per account and event name.
    pub fn event_ids(&self, platform: Platform) -> Vec<String> {
        self.accounts(platform)
            .values()
            .flat_map(|events| events.values())
            .flat_map(|t| t.event_ids.iter().cloned())
            .collect()
    }

    pub(crate) fn add(&mut self, platform: Platform, account: &str, event: &str, id: Option<&str>) {
        let tally = self
            .accounts_mut(platform)
            .entry(account.to_owned())
            .or_default()
            .entry(event.to_owned())
            .or_default();
        tally.count += 1;
        if let Some(id) = id.filter(|id| !id.is_empty()) {
            tally.event_ids.push(id.to_owned());
        }
    }
}

/// Match-key coverage of the accepted Meta events of one pixel and event name.
#[derive(Clone, Debug, Default)]
pub(crate) struct MatchStats {
    pub events: u64,
    /// Key (or the pseudo key `ip_ua` for IP and user agent together) → events that carried it.
    pub keys: BTreeMap<String, u64>,
}

#[derive(Default)]
pub(crate) struct Inner {
    pub requests: Vec<RecordedRequest>,
    /// Alert webhooks received (`crate::webhooks`), and how many more answer 500.
    pub webhooks: Vec<crate::webhooks::ReceivedWebhook>,
    pub webhook_failures: u32,
    /// Armed faults with how many requests each still applies to (`None` = until cleared).
    pub faults: Vec<Fault>,
    pub received: Received,
    /// (pixel id, event name) → match-key coverage, for the Dataset Quality API.
    pub match_stats: BTreeMap<(String, String), MatchStats>,
    /// (conversion action, order id) already accepted.
    pub google_orders: HashSet<(String, String)>,
    /// (click id, conversion action, conversion date time) already accepted.
    pub google_clicks: HashSet<(String, String, String)>,
    /// Customer ids seen in uploads, listed by `listAccessibleCustomers`.
    pub google_customers: BTreeSet<String>,
    /// The Data Manager API's requests, transactions and per-minute counts.
    pub datamanager: crate::datamanager::DmState,
    /// Authorization codes the consent screen issued and `/token` has not redeemed yet.
    pub oauth_codes: BTreeMap<String, crate::oauth::IssuedCode>,
    /// Google tokens `/token` issued (access and refresh), and those the account owner revoked
    /// (`POST /_mock/google/revoke`): a revoked refresh token answers `invalid_grant`, a
    /// revoked access token 401, as when a trainer removes the app's access at Google.
    pub google_tokens_issued: Vec<String>,
    pub google_tokens_revoked: HashSet<String>,
}

/// The shared state behind one mock server.
#[derive(Default)]
pub struct State {
    inner: Mutex<Inner>,
    /// The DNS-over-HTTPS stand-in's records.
    pub(crate) dns: crate::doh::Records,
}

impl State {
    /// A poisoned lock only means another request panicked mid-update; the data is still usable
    /// for a test double, and refusing every later request would hide the first failure.
    pub(crate) fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn record(&self, request: RecordedRequest) {
        self.lock().requests.push(request);
    }

    pub fn requests(&self, platform: Option<Platform>) -> Vec<RecordedRequest> {
        self.lock()
            .requests
            .iter()
            .filter(|r| platform.is_none_or(|p| r.platform == p))
            .cloned()
            .collect()
    }

    pub fn clear_requests(&self) {
        self.lock().requests.clear();
    }

    pub fn received(&self) -> Received {
        self.lock().received.clone()
    }

    /// Forget accepted conversions and everything derived from them (match quality, duplicates).
    pub fn clear_received(&self) {
        let mut inner = self.lock();
        inner.received = Received::default();
        inner.match_stats.clear();
        inner.google_orders.clear();
        inner.google_clicks.clear();
        inner.google_customers.clear();
        inner.datamanager = Default::default();
    }

    /// Arm a fault; it replaces an armed fault of the same platform and path filter.
    pub fn set_fault(&self, fault: Fault) {
        let mut inner = self.lock();
        inner
            .faults
            .retain(|f| !(f.platform == fault.platform && f.path == fault.path));
        if fault.count != Some(0) {
            inner.faults.push(fault);
        }
    }

    pub fn faults(&self) -> Vec<Fault> {
        self.lock().faults.clone()
    }

    pub fn clear_faults(&self) {
        self.lock().faults.clear();
    }

    /// The fault that applies to this request, if any, counting it down.
    pub fn take_fault(&self, platform: Platform, path: &str) -> Option<Fault> {
        let mut inner = self.lock();
        let index = inner.faults.iter().position(|f| {
            f.platform == platform && f.path.as_deref().is_none_or(|p| path.contains(p))
        })?;
        let fault = inner.faults[index].clone();
        if let Some(left) = inner.faults[index].count.as_mut() {
            *left = left.saturating_sub(1);
            if *left == 0 {
                inner.faults.remove(index);
            }
        }
        Some(fault)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_counted_fault_disarms_after_its_count() {
        let state = State::default();
        state.set_fault(Fault::new(Platform::Meta).status(503).count(2));
        assert!(state.take_fault(Platform::Tiktok, "/x").is_none());
        assert!(state.take_fault(Platform::Meta, "/x").is_some());
        assert!(state.take_fault(Platform::Meta, "/x").is_some());
        assert!(state.take_fault(Platform::Meta, "/x").is_none());
    }

    #[test]
    fn an_uncounted_fault_stays_until_cleared() {
        let state = State::default();
        state.set_fault(Fault::new(Platform::Google).code(429));
        for _ in 0..5 {
            assert!(state.take_fault(Platform::Google, "/token").is_some());
        }
        state.clear_faults();
        assert!(state.take_fault(Platform::Google, "/token").is_none());
    }

    #[test]
    fn a_path_filter_spares_other_paths() {
        let state = State::default();
        state.set_fault(
            Fault::new(Platform::Google)
                .status(503)
                .path(":uploadClickConversions"),
        );
        assert!(state.take_fault(Platform::Google, "/token").is_none());
        assert!(
            state
                .take_fault(Platform::Google, "/v26/customers/1:uploadClickConversions")
                .is_some()
        );
    }

    #[test]
    fn received_counts_and_ids() {
        let mut r = Received::default();
        r.add(Platform::Meta, "1", "Purchase", Some("a"));
        r.add(Platform::Meta, "1", "Purchase", None);
        r.add(Platform::Meta, "2", "Lead", Some("b"));
        assert_eq!(r.count(Platform::Meta, "1", "Purchase"), 2);
        assert_eq!(r.total(Platform::Meta), 3);
        assert_eq!(r.event_ids(Platform::Meta), vec!["a", "b"]);
        assert_eq!(r.total(Platform::Google), 0);
    }
}
