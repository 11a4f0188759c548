//! Google conversions through the Data Manager API: `POST {base}/v1/events:ingest`, the path
//! Google leaves open to new adopters since the Ads API upload closed (June 2026).
//!
//! One request carries at most [`MAX_EVENTS`] events and [`MAX_DESTINATIONS`] destinations (one
//! per conversion action: `productDestinationId`); each event names its destination by
//! `reference`. Identifiers travel hashed, lower-case hex, with `encoding: HEX`; the address
//! identifier only when given name, family name, region and postal code are all known (Google
//! refuses a partial one). Consent is per event and never granted by default: the event's own
//! signal decides, and without `adUserData` no user data or device info leaves at all.
//!
//! The answer is asynchronous: HTTP 200 carries a `requestId` whose outcome
//! `requestStatus:retrieve` tells later ([`status`]); a bad event fails the whole request
//! (fast-fail) and [`answer`] finds it by the index in the field path.

pub mod answer;
pub mod status;

use super::super::{Credential, OutboundRequest, Rejection, SendMode, trim_slash};
use super::{click_id, rfc3339};
use crate::event::{ActionSource, Event};
use crate::platform::StandardEvent;
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// Production default; a Spin variable (`google_datamanager_api_url`) so tests use the mock.
pub const DEFAULT_BASE_URL: &str = "https://datamanager.googleapis.com";
/// Events per `events:ingest` request.
pub const MAX_EVENTS: usize = 2_000;
/// Destinations per request.
pub const MAX_DESTINATIONS: usize = 10;

/// One Google Ads account reached through the Data Manager API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataManagerTarget {
    /// `https://datamanager.googleapis.com` in production.
    pub base_url: String,
    /// The operating account: ten digits (dashes tolerated and removed).
    pub customer_id: String,
    /// The manager account, when the account is reached through one (goes in the destination,
    /// not in a header as with the Ads API).
    pub login_customer_id: Option<String>,
    /// An OAuth access token with the `datamanager` scope.
    pub access_token: String,
    /// The conversion action id (`productDestinationId`) for each event this config sends.
    pub conversion_actions: BTreeMap<StandardEvent, String>,
    /// The pass's clock (Unix seconds): a per-day quota answer waits for the daily reset.
    pub clock_secs: i64,
}

impl DataManagerTarget {
    pub(in crate::platforms) fn check(&self, event: &Event) -> Result<(), Rejection> {
        if !self.conversion_actions.contains_key(&event.name) {
            return Err(Rejection::NotMapped(event.name));
        }
        // Google fails an event with neither kind of identifier (`NO_IDENTIFIERS_PROVIDED`),
        // and that failure would reject the whole request.
        if click_id(event).is_none() && user_identifiers(event).is_empty() {
            return Err(Rejection::NoClickIdOrIdentifier);
        }
        Ok(())
    }

    fn action(&self, e: &Event) -> &str {
        self.conversion_actions
            .get(&e.name)
            .map_or("", String::as_str)
    }

    /// Split `events` (indices into the caller's list) into requests that respect both limits:
    /// [`MAX_EVENTS`] events and [`MAX_DESTINATIONS`] distinct conversion actions, in order.
    pub fn chunks(&self, idx: &[usize], events: &[Option<Event>]) -> Vec<Vec<usize>> {
        let mut out: Vec<Vec<usize>> = Vec::new();
        let mut actions: Vec<&str> = Vec::new();
        for &i in idx {
            let action = events[i].as_ref().map_or("", |e| self.action(e));
            let fits = out.last().is_some_and(|c| c.len() < MAX_EVENTS)
                && (actions.contains(&action) || actions.len() < MAX_DESTINATIONS);
            if !fits {
                out.push(Vec::new());
                actions.clear();
            }
            if !actions.contains(&action) {
                actions.push(action);
            }
            if let Some(c) = out.last_mut() {
                c.push(i);
            }
        }
        out
    }

    /// The `events:ingest` request for `events` (checked, at most the limits of [`Self::chunks`]).
    /// A test asks Google to validate only: nothing is stored and no `requestId` is to be polled.
    pub fn build(&self, events: &[Event], mode: &SendMode, now: i64) -> OutboundRequest {
        let mut destinations: Vec<Value> = Vec::new();
        let mut seen: Vec<&str> = Vec::new();
        for e in events {
            let action = self.action(e);
            if !seen.contains(&action) {
                seen.push(action);
                destinations.push(self.destination(action));
            }
        }
        let rows: Vec<Value> = events.iter().map(|e| self.event(e, now)).collect();
        let mut body = json!({ "destinations": destinations, "events": rows });
        if rows.iter().any(|r| r.get("userData").is_some()) {
            body["encoding"] = json!("HEX");
        }
        if matches!(mode, SendMode::Test { .. }) {
            body["validateOnly"] = json!(true);
        }
        OutboundRequest {
            method: "POST",
            url: format!("{}/v1/events:ingest", trim_slash(&self.base_url)),
            headers: vec![("content-type".to_owned(), "application/json".to_owned())],
            body,
            credential: self.credential(),
        }
    }

    /// `GET {base}/v1/requestStatus:retrieve?requestId=...`: the asynchronous outcome.
    pub fn status_request(&self, request_id: &str) -> OutboundRequest {
        OutboundRequest {
            method: "GET",
            url: format!(
                "{}/v1/requestStatus:retrieve?requestId={}",
                trim_slash(&self.base_url),
                super::super::percent_encode(request_id)
            ),
            headers: Vec::new(),
            body: Value::Null,
            credential: self.credential(),
        }
    }

    pub(crate) fn credential(&self) -> Credential {
        Credential::Header {
            name: "Authorization",
            value: format!("Bearer {}", self.access_token),
        }
    }

    fn destination(&self, action: &str) -> Value {
        let account =
            |id: &str| json!({ "accountType": "GOOGLE_ADS", "accountId": id.replace('-', "") });
        let mut d = json!({
            "reference": action,
            "operatingAccount": account(&self.customer_id),
            "productDestinationId": action,
        });
        if let Some(login) = &self.login_customer_id {
            d["loginAccount"] = account(login);
        }
        d
    }

    fn event(&self, e: &Event, now: i64) -> Value {
        let mut row = json!({
            "destinationReferences": [self.action(e)],
            // The order id, else the event id: Google deduplicates on it per conversion action,
            // so a resent request never counts a conversion twice.
            "transactionId": e.custom.order_id.as_deref().unwrap_or(e.event_id.as_str()),
            "eventTimestamp": rfc3339(e.time.min(now)),
            "eventSource": event_source(e.action_source),
        });
        // Never a grant nobody gave: an event whose consent was not stated carries none, and
        // Google applies the account's own consent settings to it.
        if !e.consent.assumed {
            row["consent"] = json!({
                "adUserData": consent(e.consent.ad_user_data),
                "adPersonalization": consent(e.consent.ad_personalization),
            });
        }
        if let Some(v) = e.custom.value {
            row["conversionValue"] = json!(v);
        }
        if let Some(c) = &e.custom.currency {
            row["currency"] = json!(c);
        }
        if let Some((key, value)) = click_id(e) {
            row["adIdentifiers"] = json!({ key: value });
        }
        let ids = user_identifiers(e);
        if !ids.is_empty() {
            row["userData"] = json!({ "userIdentifiers": ids });
        }
        // IP and user agent are personal data too: only with consent to share user data.
        if e.consent.ad_user_data {
            let mut device = serde_json::Map::new();
            if let Some(ua) = &e.user_agent {
                device.insert("userAgent".into(), json!(ua));
            }
            if let Some(ip) = &e.client_ip {
                device.insert("ipAddress".into(), json!(ip));
            }
            if !device.is_empty() {
                row["eventDeviceInfo"] = Value::Object(device);
            }
        }
        row
    }
}

/// `WEB` for what the edge saw; the backend's own channel otherwise.
fn event_source(s: ActionSource) -> &'static str {
    match s {
        ActionSource::Website => "WEB",
        ActionSource::App => "APP",
        ActionSource::PhysicalStore => "IN_STORE",
        ActionSource::PhoneCall => "PHONE",
        ActionSource::Chat | ActionSource::BusinessMessaging => "MESSAGE",
        ActionSource::SystemGenerated | ActionSource::Email | ActionSource::Other => "OTHER",
    }
}

fn consent(yes: bool) -> &'static str {
    if yes {
        "CONSENT_GRANTED"
    } else {
        "CONSENT_DENIED"
    }
}

/// Hashed e-mail, E.164 phone and the address, only with consent to share user data
/// (at most 10 identifiers; we have at most three).
fn user_identifiers(e: &Event) -> Vec<Value> {
    if !e.consent.ad_user_data {
        return Vec::new();
    }
    let id = &e.identity;
    let mut ids = Vec::new();
    if let Some(h) = &id.email_google {
        ids.push(json!({ "emailAddress": h.as_str() }));
    }
    if let Some(h) = &id.phone_e164 {
        ids.push(json!({ "phoneNumber": h.as_str() }));
    }
    // All four or none: Google refuses an address identifier with a part missing.
    if let (Some(given), Some(family), Some(region), Some(postal)) = (
        &id.first_name,
        &id.last_name,
        &id.address_region,
        &id.address_postal,
    ) {
        ids.push(json!({ "address": {
            "givenName": given.as_str(),
            "familyName": family.as_str(),
            "regionCode": region,
            "postalCode": postal,
        }}));
    }
    ids
}

#[cfg(test)]
mod tests;
