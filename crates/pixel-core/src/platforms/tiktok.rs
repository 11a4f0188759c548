//! TikTok Events API 2.0: `POST {base}/open_api/v1.3/event/track/`.
//!
//! TikTok answers HTTP 200 even on errors, so the verdict comes from the body's `code`.

use super::{
    Credential, CredentialVerdict, OutboundRequest, Rejection, SendMode, bad_event, event_name,
    trim_slash,
};
use crate::event::Event;
use crate::outcome::{HttpAnswer, Outcome};
use crate::platform::StandardEvent;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// The production default; a Spin variable so tests point at the mock platforms.
pub const DEFAULT_BASE_URL: &str = "https://business-api.tiktok.com";

/// The test event code of the credential probe when the config has none: it keeps the probe
/// out of real reporting.
pub const PROBE_TEST_EVENT_CODE: &str = "PIXELMANAGER_CHECK";

/// The page URL of the credential probe; `.invalid` can never be a real site.
pub const PROBE_PAGE_URL: &str = "https://pixel-manager.invalid/credential-check";

/// One TikTok pixel and how to reach it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TikTokTarget {
    /// `https://business-api.tiktok.com` in production.
    pub base_url: String,
    /// The pixel code, sent as `event_source_id`.
    pub pixel_code: String,
    pub access_token: String,
    /// The config's own names; required for PageView, which TikTok has no standard name for.
    pub event_names: BTreeMap<StandardEvent, String>,
}

/// TikTok's standard names. PageView is the pixel's own `page()` call and has none: a config
/// must map it (for example to `Pageview`) to send it server-side.
pub fn default_event_name(e: StandardEvent) -> Option<&'static str> {
    match e {
        StandardEvent::PageView => None,
        other => Some(other.camel_name()),
    }
}

impl TikTokTarget {
    pub(super) fn check(&self, event: &Event, _now: i64) -> Result<(), Rejection> {
        if !event.consent.ad_user_data {
            return Err(Rejection::NoConsent);
        }
        if event_name(&self.event_names, event.name, default_event_name).is_none() {
            return Err(Rejection::NotMapped(event.name));
        }
        Ok(())
    }

    pub(super) fn build(&self, events: &[Event], mode: &SendMode, now: i64) -> OutboundRequest {
        let data: Vec<Value> = events.iter().map(|e| self.event_json(e, now)).collect();
        let mut body = json!({
            "event_source": "web",
            "event_source_id": self.pixel_code,
            "data": data,
        });
        if let SendMode::Test {
            test_event_code: Some(code),
        } = mode
        {
            body["test_event_code"] = json!(code);
        }
        OutboundRequest {
            method: "POST",
            url: format!("{}/open_api/v1.3/event/track/", trim_slash(&self.base_url)),
            headers: vec![("content-type".into(), "application/json".into())],
            body,
            credential: Credential::Header {
                name: "Access-Token",
                value: self.access_token.clone(),
            },
        }
    }

    /// TikTok has no validate endpoint, so the credential check is one ViewContent flagged
    /// with a test event code (the config's, else [`PROBE_TEST_EVENT_CODE`]). `nonce` (random,
    /// from the caller) makes its event id `pm-check-{nonce}` unique.
    pub fn credential_check(
        &self,
        test_event_code: Option<&str>,
        now: i64,
        nonce: &str,
    ) -> OutboundRequest {
        OutboundRequest {
            method: "POST",
            url: format!("{}/open_api/v1.3/event/track/", trim_slash(&self.base_url)),
            headers: vec![("content-type".into(), "application/json".into())],
            body: json!({
                "event_source": "web",
                "event_source_id": self.pixel_code,
                "test_event_code": test_event_code.unwrap_or(PROBE_TEST_EVENT_CODE),
                "data": [{
                    "event": "ViewContent",
                    "event_time": now,
                    "event_id": format!("pm-check-{nonce}"),
                    "page": { "url": PROBE_PAGE_URL },
                }],
            }),
            credential: Credential::Header {
                name: "Access-Token",
                value: self.access_token.clone(),
            },
        }
    }

    fn event_json(&self, e: &Event, now: i64) -> Value {
        let name = event_name(&self.event_names, e.name, default_event_name)
            .unwrap_or_else(|| e.name.camel_name().to_owned());
        let mut ev = json!({
            "event": name,
            "event_time": e.time.min(now),
            // Always a string: TikTok rejects a numeric event_id.
            "event_id": e.event_id.as_str(),
            "user": Value::Object(user(e)),
            "limited_data_use": e.consent.limited_data_use,
        });
        let props = properties(e);
        if !props.is_empty() {
            ev["properties"] = Value::Object(props);
        }
        let mut page = Map::new();
        if let Some(u) = &e.source_url {
            page.insert("url".into(), json!(u));
        }
        if let Some(r) = &e.referrer {
            page.insert("referrer".into(), json!(r));
        }
        if !page.is_empty() {
            ev["page"] = Value::Object(page);
        }
        ev
    }
}

fn user(e: &Event) -> Map<String, Value> {
    let id = &e.identity;
    let mut m = Map::new();
    let mut put = |k: &str, v: Option<&str>| {
        if let Some(v) = v {
            m.insert(k.to_owned(), json!(v));
        }
    };
    put("email", id.email.as_ref().map(|h| h.as_str()));
    put("phone", id.phone_e164.as_ref().map(|h| h.as_str()));
    put("external_id", id.external_id.as_ref().map(|h| h.as_str()));
    put("first_name", id.first_name.as_ref().map(|h| h.as_str()));
    put("last_name", id.last_name.as_ref().map(|h| h.as_str()));
    put("zip_code", id.zip.as_ref().map(|h| h.as_str()));
    // TikTok documents city, state and country unhashed (PLATFORMS.md).
    put("city", id.clear.city.as_deref());
    put("state", id.clear.state.as_deref());
    put("country", id.clear.country.as_deref());
    put("ttclid", e.click_ids.ttclid.as_deref());
    put("ttp", e.click_ids.ttp.as_deref());
    put("ip", e.client_ip.as_deref());
    put("user_agent", e.user_agent.as_deref());
    m
}

fn properties(e: &Event) -> Map<String, Value> {
    let c = &e.custom;
    let mut m = Map::new();
    if let Some(v) = c.value {
        m.insert("value".into(), json!(v));
    }
    if let Some(cur) = &c.currency {
        m.insert("currency".into(), json!(cur));
    }
    if !c.content_ids.is_empty() {
        let contents: Vec<Value> = c
            .content_ids
            .iter()
            .map(|id| json!({ "content_id": id }))
            .collect();
        m.insert("contents".into(), Value::Array(contents));
        m.insert("content_type".into(), json!("product"));
    }
    if let Some(o) = &c.order_id {
        m.insert("order_id".into(), json!(o));
    }
    m
}

/// Classify TikTok's answer to a batch of `batch_len` events.
pub fn classify(answer: &HttpAnswer<'_>, batch_len: usize) -> Outcome {
    if let Some(retry) = super::http_retry(answer) {
        return retry;
    }
    if matches!(answer.status, 401 | 403) {
        return Outcome::PauseConfig {
            reason: format!("TikTok refused the access token (HTTP {})", answer.status),
        };
    }
    if !(200..300).contains(&answer.status) {
        return Outcome::Permanent {
            reason: format!("TikTok answered HTTP {}", answer.status),
        };
    }
    let parsed: Option<Value> = serde_json::from_slice(answer.body).ok();
    let Some(code) = parsed
        .as_ref()
        .and_then(|v| v.get("code"))
        .and_then(Value::as_i64)
    else {
        // A 200 without TikTok's envelope is a proxy or an outage page, not an acceptance.
        return Outcome::Retry {
            after_secs: None,
            reason: "TikTok answered without a result code".to_owned(),
        };
    };
    let message: String = parsed
        .as_ref()
        .and_then(|v| v.get("message"))
        .and_then(Value::as_str)
        .unwrap_or("")
        .chars()
        .take(300)
        .collect();
    let reason = format!("TikTok code {code}: {message}");
    match code {
        0 => Outcome::Delivered,
        40100 => Outcome::Retry {
            after_secs: answer.retry_after_secs().or(Some(60)),
            reason,
        },
        40001 | 40101..=40199 => Outcome::PauseConfig { reason },
        50000.. => Outcome::Retry {
            after_secs: None,
            reason,
        },
        _ => bad_event(batch_len, reason),
    }
}

/// What TikTok's answer to a [`TikTokTarget::credential_check`] (the probe event) says about
/// the token. TikTok signals in the body's `code`; any other HTTP status is not its verdict.
pub fn classify_credential_check(answer: &HttpAnswer<'_>) -> CredentialVerdict {
    if !(200..300).contains(&answer.status) {
        return CredentialVerdict::Unavailable {
            reason: format!("it answered HTTP {}", answer.status),
        };
    }
    let parsed: Value = serde_json::from_slice(answer.body).unwrap_or(Value::Null);
    let message = parsed["message"].as_str().unwrap_or("unknown error");
    match parsed["code"].as_i64() {
        Some(0) => CredentialVerdict::Accepted,
        // Our probe event was refused, which says nothing against the token.
        Some(40002) => CredentialVerdict::AcceptedUnverified {
            note: format!("the token was accepted; the probe event was refused: {message}"),
        },
        Some(40100) => CredentialVerdict::Unavailable {
            reason: format!("rate limited (TikTok code 40100: {message})"),
        },
        Some(code @ 50000..) => CredentialVerdict::Unavailable {
            reason: format!("TikTok code {code}: {message}"),
        },
        Some(code) => CredentialVerdict::Rejected {
            code: json!(code),
            message: message.to_owned(),
        },
        None => CredentialVerdict::Unavailable {
            reason: "an answer without TikTok's result code".to_owned(),
        },
    }
}
