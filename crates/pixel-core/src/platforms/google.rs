//! Google Ads click-conversion upload with enhanced conversions for leads:
//! `POST {base}/{version}/customers/{customer_id}:uploadClickConversions`.
//!
//! Requests always ask for partial failure, so one bad row never blocks the others; the
//! classifier in [`answer`] returns a verdict per row.

pub mod answer;
pub mod datamanager;
pub mod oauth;

pub use answer::{classify, classify_token_exchange};

/// Production defaults; Spin variables so tests point at the mock platforms.
pub const DEFAULT_BASE_URL: &str = "https://googleads.googleapis.com";
pub const DEFAULT_API_VERSION: &str = "v26";
pub const DEFAULT_TOKEN_URL: &str = "https://oauth2.googleapis.com/token";

use super::{Credential, OutboundRequest, Rejection, SendMode, trim_slash};
use crate::event::Event;
use crate::platform::StandardEvent;
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// One Google Ads account and its conversion actions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoogleTarget {
    /// `https://googleads.googleapis.com` in production.
    pub base_url: String,
    /// Configuration, not a constant: `v26` by default.
    pub api_version: String,
    /// Ten digits; dashes are tolerated and removed.
    pub customer_id: String,
    /// The manager account, when the account is reached through one.
    pub login_customer_id: Option<String>,
    /// An OAuth access token (see [`oauth`]), not the refresh token.
    pub access_token: String,
    /// The "import from clicks" conversion action id for each event this config sends.
    pub conversion_actions: BTreeMap<StandardEvent, String>,
}

impl GoogleTarget {
    fn customer(&self) -> String {
        self.customer_id.replace('-', "")
    }

    pub(super) fn check(&self, event: &Event) -> Result<(), Rejection> {
        if !self.conversion_actions.contains_key(&event.name) {
            return Err(Rejection::NotMapped(event.name));
        }
        if click_id(event).is_none() && identifiers(event).is_empty() {
            return Err(Rejection::NoClickIdOrIdentifier);
        }
        Ok(())
    }

    pub(super) fn build(&self, events: &[Event], mode: &SendMode, now: i64) -> OutboundRequest {
        let rows: Vec<Value> = events.iter().map(|e| self.row(e, now)).collect();
        let mut body = json!({ "conversions": rows, "partialFailure": true });
        if matches!(mode, SendMode::Test { .. }) {
            body["validateOnly"] = json!(true);
        }
        let mut headers = vec![("content-type".to_owned(), "application/json".to_owned())];
        if let Some(login) = &self.login_customer_id {
            headers.push(("login-customer-id".to_owned(), login.replace('-', "")));
        }
        OutboundRequest {
            method: "POST",
            url: format!(
                "{}/{}/customers/{}:uploadClickConversions",
                trim_slash(&self.base_url),
                self.api_version,
                self.customer()
            ),
            headers,
            body,
            credential: Credential::Header {
                name: "Authorization",
                value: format!("Bearer {}", self.access_token),
            },
        }
    }

    /// A credential check that uploads nothing: list the accounts the token can reach.
    pub fn credential_check(&self) -> OutboundRequest {
        OutboundRequest {
            method: "GET",
            url: format!(
                "{}/{}/customers:listAccessibleCustomers",
                trim_slash(&self.base_url),
                self.api_version
            ),
            headers: Vec::new(),
            body: Value::Null,
            credential: Credential::Header {
                name: "Authorization",
                value: format!("Bearer {}", self.access_token),
            },
        }
    }

    fn row(&self, e: &Event, now: i64) -> Value {
        let action_id = self
            .conversion_actions
            .get(&e.name)
            .map(String::as_str)
            .unwrap_or_default();
        let mut row = json!({
            "conversionAction": format!("customers/{}/conversionActions/{action_id}", self.customer()),
            "conversionDateTime": date_time(e.time.min(now)),
            // The event id doubles as order id, so a retried upload is refused as a duplicate
            // instead of counted twice.
            "orderId": e.custom.order_id.as_deref().unwrap_or(e.event_id.as_str()),
            "consent": {
                "adUserData": granted(e.consent.ad_user_data),
                "adPersonalization": granted(e.consent.ad_personalization),
            },
        });
        if let Some((key, value)) = click_id(e) {
            row[key] = json!(value);
        }
        if let Some(v) = e.custom.value {
            row["conversionValue"] = json!(v);
        }
        if let Some(c) = &e.custom.currency {
            row["currencyCode"] = json!(c);
        }
        let ids = identifiers(e);
        if !ids.is_empty() {
            row["userIdentifiers"] = Value::Array(ids);
        }
        row
    }
}

/// Exactly one click id: Google refuses a row with two. gclid is the most precise.
pub(super) fn click_id(e: &Event) -> Option<(&'static str, &str)> {
    let c = &e.click_ids;
    c.gclid
        .as_deref()
        .map(|v| ("gclid", v))
        .or(c.gbraid.as_deref().map(|v| ("gbraid", v)))
        .or(c.wbraid.as_deref().map(|v| ("wbraid", v)))
}

/// Hashed e-mail and phone, and the address identifier (`addressInfo`: names hashed, country
/// and postal code in clear), only with the visitor's consent to share user data.
fn identifiers(e: &Event) -> Vec<Value> {
    if !e.consent.ad_user_data {
        return Vec::new();
    }
    let mut ids = Vec::new();
    if let Some(h) = &e.identity.email_google {
        ids.push(json!({ "hashedEmail": h.as_str() }));
    }
    if let Some(h) = &e.identity.phone_e164 {
        ids.push(json!({ "hashedPhoneNumber": h.as_str() }));
    }
    if let Some(a) = e.identity.google_address() {
        ids.push(json!({ "addressInfo": {
            "hashedFirstName": a.given_name.as_str(),
            "hashedLastName": a.family_name.as_str(),
            "countryCode": a.region_code,
            "postalCode": a.postal_code,
        }}));
    }
    ids
}

fn granted(yes: bool) -> &'static str {
    if yes { "GRANTED" } else { "DENIED" }
}

/// Google's `yyyy-mm-dd hh:mm:ss+hh:mm`, in UTC: the offset is required, and UTC is as correct
/// as the account's zone without needing a time-zone database.
pub fn date_time(unix_secs: i64) -> String {
    let days = unix_secs.div_euclid(86_400);
    let secs = unix_secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}+00:00",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

/// RFC 3339 in UTC (`2026-09-21T10:40:00Z`), the Data Manager API's `eventTimestamp`.
pub fn rfc3339(unix_secs: i64) -> String {
    let days = unix_secs.div_euclid(86_400);
    let secs = unix_secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

/// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_time_table() {
        let cases = [
            (0, "1970-01-01 00:00:00+00:00"),
            (951_782_400, "2000-02-29 00:00:00+00:00"),
            (1_700_000_000, "2023-11-14 22:13:20+00:00"),
            (1_798_761_599, "2026-12-31 23:59:59+00:00"),
            (-1, "1969-12-31 23:59:59+00:00"),
        ];
        for (secs, want) in cases {
            assert_eq!(date_time(secs), want, "{secs}");
        }
        assert_eq!(rfc3339(1_700_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(rfc3339(-1), "1969-12-31T23:59:59Z");
    }
}
