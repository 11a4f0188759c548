//! The canonical conversion event: what the collector builds once and every platform's payload
//! builder reads.
//!
//! It holds identifiers only in hashed form ([`HashedIdentity`]), except the coarse location
//! keys Google and TikTok take in clear ([`ClearLocation`]); raw e-mail, phone and names exist
//! only in [`RawIdentity`], which is never serialised.
//!
//! For payload builders (the Data Manager one included): `identity.email_google` and
//! `identity.phone_e164` are Google's e-mail and phone hashes, and
//! [`HashedIdentity::google_address`] gives the address identifier (names hashed,
//! `regionCode` and `postalCode` in clear) only when all four parts are known.

pub mod identity;
pub mod mapping;

pub use identity::{ClearLocation, GoogleAddress, HashedIdentity, RawIdentity};
pub use mapping::{EventMapping, InternalEventTarget};

use crate::platform::StandardEvent;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The deduplication key shared with the browser pixel. Platforms compare it as a string
/// (TikTok rejects a number), so it is one: 1-128 printable ASCII characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct EventId(String);

impl EventId {
    pub fn parse(s: &str) -> Result<EventId, EventError> {
        let s = s.trim();
        if s.is_empty() || s.len() > 128 || !s.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(EventError::InvalidEventId);
        }
        Ok(EventId(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for EventId {
    type Error = EventError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        EventId::parse(&s)
    }
}

impl From<EventId> for String {
    fn from(id: EventId) -> Self {
        id.0
    }
}

impl fmt::Display for EventId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Building an event from outside input failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EventError {
    #[error("event_id must be 1-128 printable ASCII characters")]
    InvalidEventId,
}

/// Where the conversion happened, in Meta's vocabulary (the other platforms need less).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum ActionSource {
    #[default]
    Website,
    SystemGenerated,
    Email,
    PhoneCall,
    Chat,
    PhysicalStore,
    App,
    BusinessMessaging,
    Other,
}

impl ActionSource {
    pub fn as_str(self) -> &'static str {
        match self {
            ActionSource::Website => "website",
            ActionSource::SystemGenerated => "system_generated",
            ActionSource::Email => "email",
            ActionSource::PhoneCall => "phone_call",
            ActionSource::Chat => "chat",
            ActionSource::PhysicalStore => "physical_store",
            ActionSource::App => "app",
            ActionSource::BusinessMessaging => "business_messaging",
            ActionSource::Other => "other",
        }
    }
}

/// The visitor's consent as the page's consent banner (or the backend) reported it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Consent {
    /// Personal data may be sent to ad platforms for measurement. When false, Meta and TikTok
    /// get nothing, and Google gets only the click id with `adUserData: DENIED`.
    pub ad_user_data: bool,
    /// The data may be used for ad personalisation (Google's `adPersonalization`).
    pub ad_personalization: bool,
    /// Limited Data Use (US state privacy laws) for a customer known to be in California:
    /// Meta `data_processing_options: ["LDU"]` with California's codes, TikTok
    /// `limited_data_use: true`.
    pub limited_data_use: bool,
    /// Limited Data Use wherever the visitor turns out to be in a US state that requires it:
    /// Meta `["LDU"]` with country and state 0, which tells Meta to locate the visitor itself
    /// (the edge does not geolocate). What a site that enables LDU gets on its page events.
    /// TikTok has no such mode and is sent no LDU flag for it.
    pub ldu_by_location: bool,
    /// Nobody stated it: a backend event without `customer.consent`. Meta and TikTok take such
    /// an event as granted (it comes from a customer relationship); Google is told nothing
    /// either way, so it applies the account's own consent settings and never reads a grant we
    /// were not given.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub assumed: bool,
}

impl Default for Consent {
    /// Denied: an event whose consent is unknown is not sent with personal data.
    fn default() -> Self {
        Consent {
            ad_user_data: false,
            ad_personalization: false,
            limited_data_use: false,
            ldu_by_location: false,
            assumed: false,
        }
    }
}

impl Consent {
    /// Everything granted (server-to-server events from a customer relationship).
    pub fn granted() -> Self {
        Consent {
            ad_user_data: true,
            ad_personalization: true,
            limited_data_use: false,
            ldu_by_location: false,
            assumed: false,
        }
    }

    /// What a backend event without `customer.consent` carries: granted for the platforms that
    /// take a customer relationship as consent, marked as nobody's statement for Google.
    pub fn assumed() -> Self {
        Consent {
            assumed: true,
            ..Consent::granted()
        }
    }
}

/// Click and browser ids, kept exactly as received: they are case-sensitive and never hashed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ClickIds {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fbc: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fbp: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ttclid: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ttp: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gclid: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gbraid: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wbraid: Option<String>,
}

/// What was bought or asked for.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CustomData {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    /// ISO 4217, uppercase (`EUR`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_name: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub content_ids: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub num_items: Option<u32>,
}

/// One conversion, as stored in the queue and read by every payload builder.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub event_id: EventId,
    pub name: StandardEvent,
    /// When it happened, Unix seconds.
    pub time: i64,
    #[serde(default)]
    pub action_source: ActionSource,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referrer: Option<String>,
    #[serde(default)]
    pub consent: Consent,
    #[serde(default)]
    pub click_ids: ClickIds,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_ip: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<String>,
    #[serde(default)]
    pub custom: CustomData,
    #[serde(default)]
    pub identity: HashedIdentity,
}

impl Event {
    /// A minimal event: consent denied, no identifiers; fill the rest with struct update syntax.
    pub fn new(event_id: EventId, name: StandardEvent, time: i64) -> Event {
        Event {
            event_id,
            name,
            time,
            action_source: ActionSource::Website,
            source_url: None,
            referrer: None,
            consent: Consent::default(),
            click_ids: ClickIds::default(),
            client_ip: None,
            user_agent: None,
            custom: CustomData::default(),
            identity: HashedIdentity::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_id_is_always_a_string_and_rejects_junk() {
        assert_eq!(EventId::parse(" ord-1 ").unwrap().as_str(), "ord-1");
        assert!(EventId::parse("").is_err());
        assert!(EventId::parse("a b").is_err());
        assert!(EventId::parse(&"x".repeat(129)).is_err());
        // A numeric id from JSON is refused rather than silently becoming a number later.
        assert!(serde_json::from_str::<EventId>("42").is_err());
        assert_eq!(
            serde_json::to_string(&EventId::parse("42").unwrap()).unwrap(),
            "\"42\""
        );
    }

    #[test]
    fn an_event_round_trips_through_storage() {
        let mut e = Event::new(
            EventId::parse("e1").unwrap(),
            StandardEvent::Purchase,
            1_700_000_000,
        );
        e.custom.value = Some(49.9);
        e.custom.currency = Some("EUR".into());
        e.click_ids.gclid = Some("Cj0KCQ".into());
        let json = serde_json::to_string(&e).unwrap();
        assert_eq!(serde_json::from_str::<Event>(&json).unwrap(), e);
        assert!(json.contains("\"name\":\"PURCHASE\""), "{json}");
    }
}
