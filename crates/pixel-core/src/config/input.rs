//! Validation of create and patch requests: raw JSON values in, either a valid value or every
//! bad field at once (`Vec<FieldError>`), each named by its JSON path (`trackedEvents[2]`,
//! `eventMappings.cliente.pago_exitoso`).

use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

use super::credential::{NewCredential, create_credential};
use super::fields::{
    Errors, bool_field, conversion_actions, conversion_labels, event_mappings, google_api,
    google_only, google_tag_id, login_customer_id, string, test_event_code, token_field,
    tracked_events,
};
use super::ids::{ConversionActionId, GoogleCustomerId, IdError, InternalEventName, PixelId};
use super::{GoogleApi, GoogleSettings, TrackingConfig, default_tracked_events, supports_event};
use crate::{Platform, StandardEvent};

/// One bad field of a request, for the API's `error.details`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// JSON path: `pixelId`, `trackedEvents[2]`, `eventMappings.cliente.pago_exitoso`.
    pub field: String,
    /// Stable code: `required`, `invalid_type`, `invalid_format`, `too_long`, `unknown_event`,
    /// `unsupported_event`, `unknown_field`, `not_patchable`, `duplicate`, `unknown_platform`.
    pub code: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, code: &str, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            code: code.to_owned(),
            message: message.into(),
        }
    }

    pub(super) fn from_id(field: impl Into<String>, e: IdError) -> Self {
        Self::new(field, e.code, e.message)
    }
}

/// A create or patch body as raw JSON values (`None` = absent; `Some(Value::Null)` = explicit null).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ConfigInput {
    pub platform: Option<Value>,
    pub pixel_id: Option<Value>,
    /// The access token (Meta, TikTok) or the OAuth refresh token (Google).
    pub api_access_token: Option<Value>,
    /// Google's alternative name for the token field.
    pub refresh_token: Option<Value>,
    pub tracked_events: Option<Value>,
    pub event_mappings: Option<Value>,
    pub test_event_code: Option<Value>,
    pub is_active: Option<Value>,
    pub customer_id: Option<Value>,
    pub login_customer_id: Option<Value>,
    pub conversion_actions: Option<Value>,
    pub browser_pixel: Option<Value>,
    /// Google only: the tag id (`AW-123456789`) the browser pixel loads.
    pub google_tag_id: Option<Value>,
    /// Google only: the gtag conversion label per standard event.
    pub conversion_labels: Option<Value>,
    /// Google only: `dataManager` (default) or `adsApi`.
    pub google_api: Option<Value>,
    /// Google only: a pending connection's id from Conectar con Google, instead of a token.
    pub google_connection: Option<Value>,
}

const FIELDS: [&str; 16] = [
    "platform",
    "pixelId",
    "apiAccessToken",
    "refreshToken",
    "trackedEvents",
    "eventMappings",
    "testEventCode",
    "isActive",
    "customerId",
    "loginCustomerId",
    "conversionActions",
    "browserPixel",
    "googleTagId",
    "conversionLabels",
    "googleApi",
    "googleConnection",
];

impl ConfigInput {
    /// Split a JSON body into fields; a non-object or an unknown field is an error naming it.
    pub fn from_json(body: &Value) -> Result<Self, Vec<FieldError>> {
        let Some(obj) = body.as_object() else {
            return Err(vec![FieldError::new(
                "",
                "invalid_type",
                "the body must be a JSON object",
            )]);
        };
        let unknown: Vec<FieldError> = obj
            .keys()
            .filter(|k| !FIELDS.contains(&k.as_str()))
            .map(|k| FieldError::new(k.clone(), "unknown_field", format!("unknown field {k}")))
            .collect();
        if !unknown.is_empty() {
            return Err(unknown);
        }
        let take = |k: &str| obj.get(k).cloned();
        Ok(Self {
            platform: take("platform"),
            pixel_id: take("pixelId"),
            api_access_token: take("apiAccessToken"),
            refresh_token: take("refreshToken"),
            tracked_events: take("trackedEvents"),
            event_mappings: take("eventMappings"),
            test_event_code: take("testEventCode"),
            is_active: take("isActive"),
            customer_id: take("customerId"),
            login_customer_id: take("loginCustomerId"),
            conversion_actions: take("conversionActions"),
            browser_pixel: take("browserPixel"),
            google_tag_id: take("googleTagId"),
            conversion_labels: take("conversionLabels"),
            google_api: take("googleApi"),
            google_connection: take("googleConnection"),
        })
    }
}

/// A validated create request. `credential` is the clear token (or the Google connection that
/// holds one): check it against the platform, encrypt it, then build the stored config with
/// [`TrackingConfig::new`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewConfig {
    pub platform: Platform,
    pub pixel_id: PixelId,
    pub credential: NewCredential,
    pub is_active: bool,
    pub tracked_events: Vec<StandardEvent>,
    pub event_mappings: BTreeMap<InternalEventName, StandardEvent>,
    pub test_event_code: Option<String>,
    pub google: Option<GoogleSettings>,
    pub browser_pixel: bool,
}

/// A validated patch; `None` = leave as is. `test_event_code: Some(None)` clears it, as
/// `google_tag_id: Some(None)` does; `conversion_labels: Some(empty)` removes every label.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConfigPatch {
    pub is_active: Option<bool>,
    pub token: Option<String>,
    pub tracked_events: Option<Vec<StandardEvent>>,
    pub event_mappings: Option<BTreeMap<InternalEventName, StandardEvent>>,
    pub test_event_code: Option<Option<String>>,
    pub conversion_actions: Option<BTreeMap<StandardEvent, ConversionActionId>>,
    pub login_customer_id: Option<Option<GoogleCustomerId>>,
    pub browser_pixel: Option<bool>,
    pub google_tag_id: Option<Option<String>>,
    pub conversion_labels: Option<BTreeMap<StandardEvent, String>>,
    pub google_api: Option<GoogleApi>,
    /// Google only: reconnect with a new Conectar con Google connection (its refresh token
    /// replaces the stored one), the only way a trainer can renew a revoked Google grant.
    pub connection: Option<crate::google_connect::ConnectionId>,
}

/// Validate a create request, reporting every bad field.
pub fn validate_create(input: &ConfigInput) -> Result<NewConfig, Vec<FieldError>> {
    let mut errs = Errors(Vec::new());
    let platform = match &input.platform {
        None | Some(Value::Null) => {
            errs.push("platform", "required", "platform is required");
            None
        }
        Some(v) => string(&mut errs, "platform", v).and_then(|s| {
            let p = Platform::parse(s);
            if p.is_none() {
                errs.push(
                    "platform",
                    "unknown_platform",
                    "platform must be Meta, Google or TikTok",
                );
            }
            p
        }),
    };
    let credential = create_credential(&mut errs, input, platform);
    let is_active = match &input.is_active {
        None => Some(true),
        Some(v) => bool_field(&mut errs, "isActive", v),
    };
    let test_event_code = match &input.test_event_code {
        None => Some(None),
        Some(v) => test_event_code(&mut errs, v),
    };
    let event_mappings = match &input.event_mappings {
        None | Some(Value::Null) => Some(BTreeMap::new()),
        Some(v) => event_mappings(&mut errs, v),
    };
    // Off unless asked for: a site that has its own pixel would count browser events twice.
    let browser_pixel = match &input.browser_pixel {
        None => Some(false),
        Some(v) => bool_field(&mut errs, "browserPixel", v),
    };

    let Some(platform) = platform else {
        return Err(errs.0);
    };
    google_only(&mut errs, input, platform);

    // Google: pixelId and customerId name the same thing; either may be given, and they agree.
    let pixel_raw = match (&input.pixel_id, platform, &input.customer_id) {
        (Some(v), _, _) => string(&mut errs, "pixelId", v),
        (None, Platform::Google, Some(v)) => string(&mut errs, "customerId", v),
        (None, _, _) => {
            errs.push("pixelId", "required", "pixelId is required");
            None
        }
    };
    let pixel_id = pixel_raw.and_then(|s| errs.ok("pixelId", PixelId::parse(platform, s)));

    let mut google = None;
    if platform == Platform::Google {
        let customer = match &input.customer_id {
            Some(v) => string(&mut errs, "customerId", v)
                .and_then(|s| errs.ok("customerId", GoogleCustomerId::parse(s))),
            None => pixel_id
                .as_ref()
                .and_then(|p| GoogleCustomerId::parse(p.as_str()).ok()),
        };
        if let (Some(c), Some(p)) = (&customer, &pixel_id)
            && c.as_str() != p.as_str()
        {
            errs.push(
                "customerId",
                "mismatch",
                "customerId and pixelId must name the same Google Ads customer",
            );
        }
        let login = match &input.login_customer_id {
            None => Some(None),
            Some(v) => login_customer_id(&mut errs, v),
        };
        let actions = match &input.conversion_actions {
            None | Some(Value::Null) => Some(BTreeMap::new()),
            Some(v) => conversion_actions(&mut errs, v),
        };
        let tag_id = match &input.google_tag_id {
            None => Some(None),
            Some(v) => google_tag_id(&mut errs, v),
        };
        let labels = match &input.conversion_labels {
            None => Some(BTreeMap::new()),
            Some(v) => conversion_labels(&mut errs, v),
        };
        // A new config goes through the Data Manager API unless it asks for the Ads API.
        let api = match &input.google_api {
            None | Some(Value::Null) => Some(GoogleApi::DataManager),
            Some(v) => google_api(&mut errs, v),
        };
        if browser_pixel == Some(true) && tag_id == Some(None) {
            tag_id_required(&mut errs);
        }
        if let (
            Some(customer_id),
            Some(login_customer_id),
            Some(conversion_actions),
            Some(tag_id),
            Some(conversion_labels),
            Some(api),
        ) = (customer, login, actions, tag_id, labels, api)
        {
            google = Some(GoogleSettings {
                customer_id,
                login_customer_id,
                conversion_actions,
                tag_id,
                conversion_labels,
                api,
            });
        }
    }

    let tracked = match &input.tracked_events {
        None | Some(Value::Null) => Some(default_tracked_events(platform, google.as_ref())),
        Some(v) => tracked_events(&mut errs, v, platform, google.as_ref()),
    };
    // Only when the Google settings themselves were valid: else their own errors say it.
    if google.is_some() && tracked.as_ref().is_some_and(Vec::is_empty) {
        errs.push(
            "conversionActions",
            "required",
            "Google needs a conversion action for at least one event",
        );
    }

    if !errs.0.is_empty() {
        return Err(errs.0);
    }
    match (
        pixel_id,
        credential,
        is_active,
        tracked,
        event_mappings,
        test_event_code,
        browser_pixel,
    ) {
        (
            Some(pixel_id),
            Some(credential),
            Some(is_active),
            Some(tracked_events),
            Some(event_mappings),
            Some(test_event_code),
            Some(browser_pixel),
        ) => Ok(NewConfig {
            platform,
            pixel_id,
            credential,
            is_active,
            tracked_events,
            event_mappings,
            test_event_code,
            google,
            browser_pixel,
        }),
        // Every None above pushed an error, so this is unreachable in practice; stay total.
        _ => Err(vec![FieldError::new("", "invalid", "invalid request")]),
    }
}

/// A Google browser pixel is the Google tag: without its id the edge has nothing to load.
fn tag_id_required(errs: &mut Errors) {
    errs.push(
        "googleTagId",
        "required",
        "googleTagId (AW- followed by 6 to 12 digits) is required when browserPixel is true",
    );
}

/// Validate a patch of `existing`, reporting every bad field. Platform, pixel and customer id
/// cannot change (delete and create instead).
pub fn validate_patch(
    existing: &TrackingConfig,
    input: &ConfigInput,
) -> Result<ConfigPatch, Vec<FieldError>> {
    let mut errs = Errors(Vec::new());
    for (field, v) in [
        ("platform", &input.platform),
        ("pixelId", &input.pixel_id),
        ("customerId", &input.customer_id),
    ] {
        if v.is_some() {
            errs.push(
                field,
                "not_patchable",
                format!("{field} cannot be changed; create a new config instead"),
            );
        }
    }
    let platform = existing.platform;
    google_only(&mut errs, input, platform);
    let mut patch = ConfigPatch::default();
    if input.google_connection.is_some() {
        // A reconnection: the same checks as on create (Google only, not with a token too).
        if let Some(NewCredential::GoogleConnection(id)) =
            create_credential(&mut errs, input, Some(platform))
        {
            patch.connection = Some(id);
        }
    } else {
        patch.token = token_field(&mut errs, input, Some(platform)).flatten();
    }
    if let Some(v) = &input.is_active {
        patch.is_active = bool_field(&mut errs, "isActive", v);
    }
    if let Some(v) = &input.browser_pixel {
        patch.browser_pixel = bool_field(&mut errs, "browserPixel", v);
    }
    if let Some(v) = &input.test_event_code {
        patch.test_event_code = test_event_code(&mut errs, v);
    }
    if let Some(v) = &input.event_mappings {
        patch.event_mappings = if v.is_null() {
            Some(BTreeMap::new())
        } else {
            event_mappings(&mut errs, v)
        };
    }
    // The Google settings as they will be after the patch, to check tracked events against.
    let mut google = existing.google.clone();
    if platform == Platform::Google {
        if let Some(v) = &input.login_customer_id {
            patch.login_customer_id = login_customer_id(&mut errs, v);
        }
        if let Some(v) = &input.conversion_actions {
            patch.conversion_actions = conversion_actions(&mut errs, v);
            if let (Some(g), Some(a)) = (google.as_mut(), &patch.conversion_actions) {
                g.conversion_actions = a.clone();
            }
        }
        if let Some(v) = &input.conversion_labels {
            patch.conversion_labels = conversion_labels(&mut errs, v);
        }
        if let Some(v) = &input.google_api {
            patch.google_api = google_api(&mut errs, v);
        }
        // Checked against the config as it will be: turning the pixel on, or clearing the tag
        // id of a config whose pixel is on, both leave a browser pixel without its tag.
        let tag_after = match &input.google_tag_id {
            Some(v) => {
                patch.google_tag_id = google_tag_id(&mut errs, v);
                patch.google_tag_id.clone()
            }
            None => Some(google.as_ref().and_then(|g| g.tag_id.clone())),
        };
        let browser_after = patch.browser_pixel.unwrap_or(existing.browser_pixel);
        // A bad tag id has already said so on its field.
        if browser_after && tag_after == Some(None) {
            tag_id_required(&mut errs);
        }
    }
    match &input.tracked_events {
        Some(Value::Null) => {
            patch.tracked_events = Some(default_tracked_events(platform, google.as_ref()))
        }
        Some(v) => patch.tracked_events = tracked_events(&mut errs, v, platform, google.as_ref()),
        None => {
            // New conversion actions may drop an event still tracked: say so on that field.
            if platform == Platform::Google && patch.conversion_actions.is_some() {
                for e in &existing.tracked_events {
                    if !supports_event(platform, google.as_ref(), *e) {
                        errs.push(
                            format!("conversionActions.{}", e.spec_name()),
                            "required",
                            format!("{e} is tracked and needs a conversion action"),
                        );
                    }
                }
            }
        }
    }
    if errs.0.is_empty() {
        Ok(patch)
    } else {
        Err(errs.0)
    }
}
