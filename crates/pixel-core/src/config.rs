//! Tracking configurations: one per tenant, platform and pixel, as stored in the `configs` store
//! (camelCase JSON), and the views the API answers with (never the token).
//!
//! Which events a platform takes server-side when the caller does not list them
//! ([`default_tracked_events`]):
//! - **Meta**: every [`StandardEvent`]; all fourteen are Meta standard events.
//! - **TikTok**: every standard event but `PageView`. TikTok's page view is the pixel's own
//!   `page()` call; server-side it is sent (as `Pageview`) only when the config lists it
//!   explicitly (PLATFORMS.md, unverified naming).
//! - **Google Ads**: an upload needs a conversion action per event, so the default is exactly the
//!   events that have one in `conversionActions`, and listing an event without one is an error.

mod credential;
mod fields;
mod ids;
mod input;

pub use credential::NewCredential;
pub use ids::{
    ConfigId, ConversionActionId, GoogleCustomerId, IdError, InternalEventName, PixelId, TenantId,
};
pub use input::{ConfigInput, ConfigPatch, FieldError, NewConfig, validate_create, validate_patch};

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use crate::logs::LogStatus;
use crate::{Platform, StandardEvent};

/// Whether the stored credentials work, as last seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HealthStatus {
    Ok,
    CredentialsInvalid,
    Unverified,
}

/// The config's health as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Health {
    pub status: HealthStatus,
    pub last_error: Option<String>,
    /// Unix ms of the last check, `None` before the first.
    pub checked_at: Option<i64>,
}

impl Health {
    pub fn unverified() -> Self {
        Self {
            status: HealthStatus::Unverified,
            last_error: None,
            checked_at: None,
        }
    }
}

/// The last delivery seen for a config.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LastEvent {
    /// Unix ms.
    pub time: i64,
    pub status: LogStatus,
}

/// Which Google API a Google config delivers through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum GoogleApi {
    /// `events:ingest` of the Data Manager API: the default for new configs, the only path
    /// Google leaves open to new adopters.
    DataManager,
    /// The Google Ads API's `uploadClickConversions`, only for accounts already allowlisted.
    AdsApi,
}

impl GoogleApi {
    /// Configs stored before the field existed were created against the Ads API.
    pub fn stored_default() -> Self {
        GoogleApi::AdsApi
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "dataManager" => Some(GoogleApi::DataManager),
            "adsApi" => Some(GoogleApi::AdsApi),
            _ => None,
        }
    }
}

/// What a Google Ads upload needs beyond the customer id (which is the config's `pixelId`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GoogleSettings {
    pub customer_id: GoogleCustomerId,
    #[serde(default)]
    pub login_customer_id: Option<GoogleCustomerId>,
    /// `customers/{customerId}/conversionActions/{id}` per standard event.
    #[serde(default)]
    pub conversion_actions: BTreeMap<StandardEvent, ConversionActionId>,
    /// The Google tag (`AW-123456789`) the edge injects when the config asks for the browser
    /// pixel; without it Google gets no browser tag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag_id: Option<String>,
    /// The tag's conversion label per standard event (`send_to: "AW-…/label"`): events without
    /// one get no browser conversion.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub conversion_labels: BTreeMap<StandardEvent, String>,
    /// The API deliveries go through (`googleApi`; configs stored without it are Ads API ones).
    #[serde(rename = "googleApi", default = "GoogleApi::stored_default")]
    pub api: GoogleApi,
}

impl GoogleSettings {
    /// The resource name of the conversion action for `event`, if configured.
    pub fn conversion_action(&self, event: StandardEvent) -> Option<String> {
        self.conversion_actions.get(&event).map(|id| {
            format!(
                "customers/{}/conversionActions/{}",
                self.customer_id.as_str(),
                id.as_str()
            )
        })
    }
}

/// A tracking config as stored under `schema::config_key(tenant, id)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TrackingConfig {
    pub id: ConfigId,
    pub tenant_id: TenantId,
    pub platform: Platform,
    pub pixel_id: PixelId,
    pub is_active: bool,
    /// Unix ms.
    pub created_at: i64,
    /// Unix ms.
    pub updated_at: i64,
    pub tracked_events: Vec<StandardEvent>,
    #[serde(default)]
    pub event_mappings: BTreeMap<InternalEventName, StandardEvent>,
    #[serde(default)]
    pub test_event_code: Option<String>,
    /// `crypto::Keyring::encrypt` output; the clear token is never stored.
    pub encrypted_token: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub google: Option<GoogleSettings>,
    pub health: Health,
    #[serde(default)]
    pub last_event: Option<LastEvent>,
    /// The edge also injects this platform's browser pixel into the site's pages, carrying the
    /// server event's id so the platform keeps one of the two. Off by default: a site that
    /// already has its own pixel would count browser events twice.
    #[serde(default)]
    pub browser_pixel: bool,
}

impl TrackingConfig {
    /// A new config from validated input; `encrypted_token` is the ciphertext of
    /// `new.credential`'s token, made by the caller with `crypto::Keyring::encrypt`.
    pub fn new(
        id: ConfigId,
        tenant_id: TenantId,
        new: NewConfig,
        encrypted_token: String,
        now_ms: i64,
    ) -> Self {
        Self {
            id,
            tenant_id,
            platform: new.platform,
            pixel_id: new.pixel_id,
            is_active: new.is_active,
            created_at: now_ms,
            updated_at: now_ms,
            tracked_events: new.tracked_events,
            event_mappings: new.event_mappings,
            test_event_code: new.test_event_code,
            encrypted_token,
            google: new.google,
            health: Health::unverified(),
            last_event: None,
            browser_pixel: new.browser_pixel,
        }
    }

    /// Apply a validated patch; `encrypted_token` must be given when `patch.token` is.
    /// A replaced token makes the health `unverified` again (the caller re-checks it).
    pub fn apply(&mut self, patch: ConfigPatch, encrypted_token: Option<String>, now_ms: i64) {
        if let Some(active) = patch.is_active {
            self.is_active = active;
        }
        if let Some(events) = patch.tracked_events {
            self.tracked_events = events;
        }
        if let Some(mappings) = patch.event_mappings {
            self.event_mappings = mappings;
        }
        if let Some(code) = patch.test_event_code {
            self.test_event_code = code;
        }
        if let (Some(google), Some(actions)) = (self.google.as_mut(), patch.conversion_actions) {
            google.conversion_actions = actions;
        }
        if let (Some(google), Some(login)) = (self.google.as_mut(), patch.login_customer_id) {
            google.login_customer_id = login;
        }
        if let Some(on) = patch.browser_pixel {
            self.browser_pixel = on;
        }
        if let (Some(google), Some(tag)) = (self.google.as_mut(), patch.google_tag_id) {
            google.tag_id = tag;
        }
        if let (Some(google), Some(labels)) = (self.google.as_mut(), patch.conversion_labels) {
            google.conversion_labels = labels;
        }
        if let (Some(google), Some(api)) = (self.google.as_mut(), patch.google_api) {
            google.api = api;
        }
        if let Some(ciphertext) = encrypted_token {
            self.encrypted_token = ciphertext;
            self.health = Health::unverified();
        }
        self.updated_at = now_ms;
    }

    /// Whether an event of this standard name is to be delivered with this config now.
    pub fn tracks(&self, event: StandardEvent) -> bool {
        self.is_active && self.tracked_events.contains(&event)
    }

    /// This config's own mapping of an internal event, if it overrides the default mapping.
    pub fn mapped_event(&self, internal: &str) -> Option<StandardEvent> {
        let name = InternalEventName::parse(internal).ok()?;
        self.event_mappings.get(&name).copied()
    }

    /// The API's view: the contract's fields, never the token.
    pub fn view(&self) -> ConfigView<'_> {
        ConfigView {
            id: &self.id,
            platform: self.platform,
            pixel_id: &self.pixel_id,
            is_active: self.is_active,
            created_at: self.created_at,
            updated_at: self.updated_at,
            tracked_events: &self.tracked_events,
            event_mappings: &self.event_mappings,
            test_event_code: self.test_event_code.as_deref(),
            health: &self.health,
            last_event: self.last_event.as_ref(),
            customer_id: self.google.as_ref().map(|g| &g.customer_id),
            login_customer_id: self
                .google
                .as_ref()
                .and_then(|g| g.login_customer_id.as_ref()),
            conversion_actions: self.google.as_ref().map(|g| &g.conversion_actions),
            browser_pixel: self.browser_pixel,
            google_tag_id: self.google.as_ref().map(|g| g.tag_id.as_deref()),
            conversion_labels: self.google.as_ref().map(|g| &g.conversion_labels),
            google_api: self.google.as_ref().map(|g| g.api),
        }
    }
}

/// What `GET/POST/PATCH .../tracking-configs` answer with: no token field exists here.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConfigView<'a> {
    pub id: &'a ConfigId,
    pub platform: Platform,
    pub pixel_id: &'a PixelId,
    pub is_active: bool,
    pub created_at: i64,
    pub updated_at: i64,
    pub tracked_events: &'a [StandardEvent],
    pub event_mappings: &'a BTreeMap<InternalEventName, StandardEvent>,
    pub test_event_code: Option<&'a str>,
    pub health: &'a Health,
    pub last_event: Option<&'a LastEvent>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer_id: Option<&'a GoogleCustomerId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub login_customer_id: Option<&'a GoogleCustomerId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conversion_actions: Option<&'a BTreeMap<StandardEvent, ConversionActionId>>,
    pub browser_pixel: bool,
    /// Google only: `null` until a tag id is set; absent for the other platforms.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub google_tag_id: Option<Option<&'a str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conversion_labels: Option<&'a BTreeMap<StandardEvent, String>>,
    /// Google only: `dataManager` or `adsApi`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub google_api: Option<GoogleApi>,
}

/// The events tracked when the caller lists none (see the module header for why).
pub fn default_tracked_events(
    platform: Platform,
    google: Option<&GoogleSettings>,
) -> Vec<StandardEvent> {
    match platform {
        Platform::Meta => StandardEvent::ALL.to_vec(),
        Platform::TikTok => StandardEvent::ALL
            .into_iter()
            .filter(|e| *e != StandardEvent::PageView)
            .collect(),
        Platform::Google => google
            .map(|g| g.conversion_actions.keys().copied().collect())
            .unwrap_or_default(),
    }
}

/// Whether `platform` can take `event` server-side when a config lists it explicitly.
pub fn supports_event(
    platform: Platform,
    google: Option<&GoogleSettings>,
    event: StandardEvent,
) -> bool {
    match platform {
        Platform::Meta | Platform::TikTok => true,
        Platform::Google => google.is_some_and(|g| g.conversion_actions.contains_key(&event)),
    }
}

#[cfg(test)]
mod tests;
