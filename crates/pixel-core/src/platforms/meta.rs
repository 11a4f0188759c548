//! Meta Conversions API: `POST {base}/{version}/{pixel_id}/events`.
//!
//! One invalid event rejects Meta's whole batch, so the pre-send rules here mirror Meta's own
//! (too old, Purchase without value, too-thin user data) and the classifier asks for a bisect
//! when a batch is rejected for an event-level reason.

use super::{
    Credential, CredentialVerdict, OutboundRequest, Rejection, SendMode, bad_event, event_name,
    trim_slash,
};
use crate::event::Event;
use crate::outcome::{HttpAnswer, Outcome};
use crate::platform::StandardEvent;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// Production defaults; both are Spin variables so tests point at the mock platforms.
pub const DEFAULT_BASE_URL: &str = "https://graph.facebook.com";
pub const DEFAULT_API_VERSION: &str = "v25.0";

/// Meta refuses events older than 7 days; a minute of margin covers the time in flight.
pub const MAX_AGE_SECS: i64 = 7 * 86_400 - 60;

/// One Meta pixel (dataset) and how to reach it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetaTarget {
    /// `https://graph.facebook.com` in production; the mock server in tests.
    pub base_url: String,
    /// Configuration, not a constant: `v25.0` by default.
    pub api_version: String,
    pub pixel_id: String,
    pub access_token: String,
    /// The config's own names for standard events (custom events), else Meta's standard name.
    pub event_names: BTreeMap<StandardEvent, String>,
}

/// Meta's standard names are the canonical CamelCase names.
pub fn default_event_name(e: StandardEvent) -> Option<&'static str> {
    Some(e.camel_name())
}

impl MetaTarget {
    pub(super) fn check(&self, event: &Event, now: i64) -> Result<(), Rejection> {
        if !event.consent.ad_user_data {
            return Err(Rejection::NoConsent);
        }
        let age = now - event.time;
        if age > MAX_AGE_SECS {
            return Err(Rejection::TooOld { age_secs: age });
        }
        if event_name(&self.event_names, event.name, default_event_name).is_none() {
            return Err(Rejection::NotMapped(event.name));
        }
        if event.action_source == crate::event::ActionSource::Website
            && (event.source_url.is_none() || event.user_agent.is_none())
        {
            return Err(Rejection::MissingWebsiteContext);
        }
        if event.name == StandardEvent::Purchase
            && (event.custom.value.is_none()
                || !super::valid_currency(event.custom.currency.as_deref()))
        {
            return Err(Rejection::MissingValue("Purchase"));
        }
        let user = user_data(event);
        if too_thin(&user) {
            let keys: Vec<&str> = user.keys().map(String::as_str).collect();
            return Err(Rejection::TooThin(if keys.is_empty() {
                "nothing".to_owned()
            } else {
                keys.join(", ")
            }));
        }
        Ok(())
    }

    pub(super) fn build(&self, events: &[Event], mode: &SendMode, now: i64) -> OutboundRequest {
        let data: Vec<Value> = events.iter().map(|e| self.event_json(e, now)).collect();
        let mut body = json!({ "data": data });
        if let SendMode::Test {
            test_event_code: Some(code),
        } = mode
        {
            body["test_event_code"] = json!(code);
        }
        OutboundRequest {
            method: "POST",
            url: format!(
                "{}/{}/{}/events",
                trim_slash(&self.base_url),
                self.api_version,
                self.pixel_id
            ),
            headers: vec![("content-type".into(), "application/json".into())],
            body,
            credential: Credential::QueryParam {
                name: "access_token",
                value: self.access_token.clone(),
            },
        }
    }

    /// A cheap credential check that creates nothing: read the pixel's id and name.
    pub fn credential_check(&self) -> OutboundRequest {
        OutboundRequest {
            method: "GET",
            url: format!(
                "{}/{}/{}?fields=id,name",
                trim_slash(&self.base_url),
                self.api_version,
                self.pixel_id
            ),
            headers: Vec::new(),
            body: Value::Null,
            credential: Credential::QueryParam {
                name: "access_token",
                value: self.access_token.clone(),
            },
        }
    }

    fn event_json(&self, e: &Event, now: i64) -> Value {
        let name = event_name(&self.event_names, e.name, default_event_name)
            .unwrap_or_else(|| e.name.camel_name().to_owned());
        let mut ev = json!({
            "event_name": name,
            "event_time": e.time.min(now),
            "event_id": e.event_id.as_str(),
            "action_source": e.action_source.as_str(),
            "user_data": Value::Object(user_data(e)),
        });
        if let Some(url) = &e.source_url {
            ev["event_source_url"] = json!(url);
        }
        if let Some(r) = &e.referrer {
            ev["referrer_url"] = json!(r);
        }
        let custom = custom_data(e);
        if !custom.is_empty() {
            ev["custom_data"] = Value::Object(custom);
        }
        if e.consent.limited_data_use {
            // LDU with California's codes, as Meta documents for US state privacy laws.
            ev["data_processing_options"] = json!(["LDU"]);
            ev["data_processing_options_country"] = json!(1);
            ev["data_processing_options_state"] = json!(1000);
        } else if e.consent.ldu_by_location {
            // Country and state 0: Meta locates the visitor and applies LDU where required.
            ev["data_processing_options"] = json!(["LDU"]);
            ev["data_processing_options_country"] = json!(0);
            ev["data_processing_options_state"] = json!(0);
        } else {
            ev["data_processing_options"] = json!([]);
        }
        ev
    }
}

/// Meta's `user_data`: hashed keys from the identity, raw keys as received.
fn user_data(e: &Event) -> Map<String, Value> {
    let id = &e.identity;
    let mut m = Map::new();
    let mut put = |k: &str, v: Option<&str>| {
        if let Some(v) = v {
            m.insert(k.to_owned(), json!(v));
        }
    };
    put("em", id.email.as_ref().map(|h| h.as_str()));
    put("ph", id.phone_digits.as_ref().map(|h| h.as_str()));
    put("fn", id.first_name.as_ref().map(|h| h.as_str()));
    put("ln", id.last_name.as_ref().map(|h| h.as_str()));
    put("db", id.date_of_birth.as_ref().map(|h| h.as_str()));
    put("ge", id.gender.as_ref().map(|h| h.as_str()));
    put("ct", id.city.as_ref().map(|h| h.as_str()));
    put("st", id.state.as_ref().map(|h| h.as_str()));
    put("zp", id.zip.as_ref().map(|h| h.as_str()));
    put("country", id.country.as_ref().map(|h| h.as_str()));
    put("external_id", id.external_id.as_ref().map(|h| h.as_str()));
    put("client_ip_address", e.client_ip.as_deref());
    put("client_user_agent", e.user_agent.as_deref());
    put("fbc", e.click_ids.fbc.as_deref());
    put("fbp", e.click_ids.fbp.as_deref());
    m
}

/// Meta's thin combinations: an event whose keys all fall in one of these sets cannot match.
fn too_thin(user: &Map<String, Value>) -> bool {
    const THIN: [&[&str]; 4] = [
        &["ct", "country", "st", "zp", "ge", "client_user_agent"],
        &["db", "client_user_agent"],
        &["fn", "ge"],
        &["ln", "ge"],
    ];
    user.is_empty()
        || THIN
            .iter()
            .any(|set| user.keys().all(|k| set.contains(&k.as_str())))
}

fn custom_data(e: &Event) -> Map<String, Value> {
    let c = &e.custom;
    let mut m = Map::new();
    if let Some(v) = c.value {
        m.insert("value".into(), json!(v));
    }
    if let Some(cur) = &c.currency {
        m.insert("currency".into(), json!(cur));
    }
    if let Some(n) = &c.content_name {
        m.insert("content_name".into(), json!(n));
    }
    if !c.content_ids.is_empty() {
        m.insert("content_ids".into(), json!(c.content_ids));
    }
    if let Some(o) = &c.order_id {
        m.insert("order_id".into(), json!(o));
    }
    if let Some(n) = c.num_items {
        m.insert("num_items".into(), json!(n));
    }
    m
}

/// Classify Meta's answer to a batch of `batch_len` events.
pub fn classify(answer: &HttpAnswer<'_>, batch_len: usize) -> Outcome {
    if (200..300).contains(&answer.status) {
        return Outcome::Delivered;
    }
    let parsed: Option<Value> = serde_json::from_slice(answer.body).ok();
    let err = parsed.as_ref().and_then(|v| v.get("error"));
    let Some(err) = err else {
        return super::http_retry(answer).unwrap_or_else(|| Outcome::Permanent {
            reason: format!("HTTP {} without a Meta error", answer.status),
        });
    };
    let code = err.get("code").and_then(Value::as_i64).unwrap_or(0);
    let sub = err.get("error_subcode").and_then(Value::as_i64);
    let transient = err.get("is_transient").and_then(Value::as_bool) == Some(true);
    let message: String = err
        .get("message")
        .and_then(Value::as_str)
        .unwrap_or("")
        .chars()
        .take(300)
        .collect();
    let reason = match sub {
        Some(s) => format!("Meta error {code}/{s}: {message}"),
        None => format!("Meta error {code}: {message}"),
    };
    let retry = |after: Option<u64>| Outcome::Retry {
        after_secs: answer.retry_after_secs().or(after),
        reason: reason.clone(),
    };
    match (code, sub) {
        (190 | 102, _) => Outcome::PauseConfig { reason },
        (3 | 10 | 200..=299, _) => Outcome::PauseConfig { reason },
        (100, Some(33)) => Outcome::PauseConfig { reason },
        (100, Some(2_804_001)) => Outcome::ResendWithoutFbc { reason },
        (100, _) => bad_event(batch_len, reason),
        (4 | 17 | 32 | 613 | 80_003 | 80_004, _) => retry(Some(60)),
        (341 | 368, _) => retry(Some(900)),
        (1 | 2, _) => retry(None),
        _ if transient => retry(None),
        _ => super::http_retry(answer).unwrap_or_else(|| {
            if answer.status == 400 {
                bad_event(batch_len, reason)
            } else {
                Outcome::Permanent { reason }
            }
        }),
    }
}

/// What Meta's answer to a [`MetaTarget::credential_check`] (the pixel read) says about the
/// token.
pub fn classify_credential_check(answer: &HttpAnswer<'_>) -> CredentialVerdict {
    if (200..300).contains(&answer.status) {
        return CredentialVerdict::Accepted;
    }
    let parsed: Value = serde_json::from_slice(answer.body).unwrap_or(Value::Null);
    let err = &parsed["error"];
    let code = err["code"].as_i64();
    let message = err["error_user_msg"]
        .as_str()
        .or(err["message"].as_str())
        .unwrap_or("unknown error");
    match (code, err["error_subcode"].as_i64()) {
        (Some(190 | 102), _) => CredentialVerdict::Rejected {
            code: json!(code),
            message: message.to_owned(),
        },
        (Some(100), Some(33)) => CredentialVerdict::Rejected {
            code: json!(code),
            message: format!(
                "the pixel does not exist or is not shared with this token ({message})"
            ),
        },
        // Some CAPI tokens may send events but not read the pixel: not proof of a bad token.
        (Some(3 | 10 | 200..=299), _) => CredentialVerdict::AcceptedUnverified {
            note: format!("the token was accepted but may not read the pixel: {message}"),
        },
        // What a delivery would retry (rate limits, outages, transient errors) says nothing
        // about the token either.
        _ => match classify(answer, 1) {
            Outcome::Retry { reason, .. } => CredentialVerdict::Unavailable { reason },
            _ if answer.status >= 500 || answer.status == 429 => CredentialVerdict::Unavailable {
                reason: format!("it answered HTTP {}", answer.status),
            },
            _ => CredentialVerdict::Rejected {
                code: json!(code),
                message: message.to_owned(),
            },
        },
    }
}
