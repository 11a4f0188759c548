//! Parsers for the single fields of a create or patch request; each pushes its own errors,
//! named by JSON path, and returns `None` when the field was bad.

use serde_json::Value;
use std::collections::BTreeMap;

use super::ids::{ConversionActionId, GoogleCustomerId, IdError, InternalEventName};
use super::input::{ConfigInput, FieldError};
use super::{GoogleApi, GoogleSettings, supports_event};
use crate::{Platform, StandardEvent};

pub(super) struct Errors(pub(super) Vec<FieldError>);

impl Errors {
    pub(super) fn push(
        &mut self,
        field: impl Into<String>,
        code: &str,
        message: impl Into<String>,
    ) {
        self.0.push(FieldError::new(field, code, message));
    }
    pub(super) fn ok<T>(&mut self, field: &str, r: Result<T, IdError>) -> Option<T> {
        r.map_err(|e| self.0.push(FieldError::from_id(field, e)))
            .ok()
    }
}

pub(super) fn string<'v>(errs: &mut Errors, field: &str, v: &'v Value) -> Option<&'v str> {
    match v.as_str() {
        Some(s) => Some(s),
        None => {
            errs.push(field, "invalid_type", format!("{field} must be a string"));
            None
        }
    }
}

pub(super) fn token(errs: &mut Errors, field: &str, v: &Value) -> Option<String> {
    let s = string(errs, field, v)?.trim();
    if s.is_empty() {
        errs.push(field, "required", format!("{field} must not be empty"));
        return None;
    }
    if s.len() > 4096 {
        errs.push(
            field,
            "too_long",
            format!("{field} must be at most 4096 characters"),
        );
        return None;
    }
    if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        errs.push(
            field,
            "invalid_format",
            format!("{field} must not contain spaces or control characters"),
        );
        return None;
    }
    Some(s.to_owned())
}

pub(super) fn bool_field(errs: &mut Errors, field: &str, v: &Value) -> Option<bool> {
    let b = v.as_bool();
    if b.is_none() {
        errs.push(
            field,
            "invalid_type",
            format!("{field} must be true or false"),
        );
    }
    b
}

pub(super) fn test_event_code(errs: &mut Errors, v: &Value) -> Option<Option<String>> {
    if v.is_null() {
        return Some(None);
    }
    let s = string(errs, "testEventCode", v)?.trim();
    let ok = !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if !ok {
        errs.push(
            "testEventCode",
            "invalid_format",
            "testEventCode is 1 to 64 letters, digits, '_' or '-'",
        );
        return None;
    }
    Some(Some(s.to_owned()))
}

pub(super) fn event_name(errs: &mut Errors, field: &str, v: &Value) -> Option<StandardEvent> {
    let s = string(errs, field, v)?;
    let e = StandardEvent::parse(s);
    if e.is_none() {
        errs.push(
            field,
            "unknown_event",
            format!("unknown event {s:?}; use a standard name such as PURCHASE or LEAD"),
        );
    }
    e
}

pub(super) fn tracked_events(
    errs: &mut Errors,
    v: &Value,
    platform: Platform,
    google: Option<&GoogleSettings>,
) -> Option<Vec<StandardEvent>> {
    let Some(items) = v.as_array() else {
        errs.push(
            "trackedEvents",
            "invalid_type",
            "trackedEvents must be an array of event names",
        );
        return None;
    };
    let before = errs.0.len();
    let mut out: Vec<StandardEvent> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let field = format!("trackedEvents[{i}]");
        let Some(e) = event_name(errs, &field, item) else {
            continue;
        };
        if out.contains(&e) {
            errs.push(field, "duplicate", format!("{e} is listed twice"));
        } else if !supports_event(platform, google, e) {
            errs.push(
                field,
                "unsupported_event",
                format!("{platform} cannot take {e}: add a conversion action for it"),
            );
        } else {
            out.push(e);
        }
    }
    (errs.0.len() == before).then_some(out)
}

pub(super) fn event_mappings(
    errs: &mut Errors,
    v: &Value,
) -> Option<BTreeMap<InternalEventName, StandardEvent>> {
    let Some(obj) = v.as_object() else {
        errs.push(
            "eventMappings",
            "invalid_type",
            "eventMappings must be an object of internal event name to standard event",
        );
        return None;
    };
    let before = errs.0.len();
    let mut out = BTreeMap::new();
    for (k, item) in obj {
        let field = format!("eventMappings.{k}");
        let name = errs.ok(&field, InternalEventName::parse(k));
        let event = event_name(errs, &field, item);
        if let (Some(name), Some(event)) = (name, event) {
            out.insert(name, event);
        }
    }
    (errs.0.len() == before).then_some(out)
}

pub(super) fn conversion_actions(
    errs: &mut Errors,
    v: &Value,
) -> Option<BTreeMap<StandardEvent, ConversionActionId>> {
    let Some(obj) = v.as_object() else {
        errs.push(
            "conversionActions",
            "invalid_type",
            "conversionActions must be an object of standard event to conversion action id",
        );
        return None;
    };
    let before = errs.0.len();
    let mut out = BTreeMap::new();
    for (k, item) in obj {
        let field = format!("conversionActions.{k}");
        let event = StandardEvent::parse(k);
        if event.is_none() {
            errs.push(&field, "unknown_event", format!("unknown event {k:?}"));
        }
        // Ids arrive as strings or as JSON numbers; both are digits.
        let raw = match item {
            Value::Number(n) if n.is_u64() => Some(n.to_string()),
            Value::String(s) => Some(s.clone()),
            _ => {
                errs.push(
                    &field,
                    "invalid_type",
                    "a conversion action id is a string of digits",
                );
                None
            }
        };
        let id = raw.and_then(|r| errs.ok(&field, ConversionActionId::parse(&r)));
        if let (Some(e), Some(id)) = (event, id)
            && out.insert(e, id).is_some()
        {
            errs.push(&field, "duplicate", format!("{k} is given twice"));
        }
    }
    (errs.0.len() == before).then_some(out)
}

pub(super) fn login_customer_id(errs: &mut Errors, v: &Value) -> Option<Option<GoogleCustomerId>> {
    if v.is_null() {
        return Some(None);
    }
    let s = string(errs, "loginCustomerId", v)?;
    errs.ok("loginCustomerId", GoogleCustomerId::parse(s))
        .map(Some)
}

/// `googleTagId`: `AW-` and 6 to 12 digits, or null for none. The edge writes it into a script,
/// so nothing else may pass.
pub(super) fn google_tag_id(errs: &mut Errors, v: &Value) -> Option<Option<String>> {
    if v.is_null() {
        return Some(None);
    }
    let s = string(errs, "googleTagId", v)?.trim();
    let ok = s.strip_prefix("AW-").is_some_and(|digits| {
        (6..=12).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit())
    });
    if !ok {
        errs.push(
            "googleTagId",
            "invalid_format",
            "googleTagId is AW- followed by 6 to 12 digits, such as AW-123456789",
        );
        return None;
    }
    Some(Some(s.to_owned()))
}

/// `conversionLabels`: standard event → gtag conversion label (`[A-Za-z0-9_-]{1,64}`), or null
/// for none. Events the config does not track are allowed: their labels are simply unused.
pub(super) fn conversion_labels(
    errs: &mut Errors,
    v: &Value,
) -> Option<BTreeMap<StandardEvent, String>> {
    if v.is_null() {
        return Some(BTreeMap::new());
    }
    let Some(obj) = v.as_object() else {
        errs.push(
            "conversionLabels",
            "invalid_type",
            "conversionLabels must be an object of standard event to conversion label",
        );
        return None;
    };
    let before = errs.0.len();
    let mut out = BTreeMap::new();
    for (k, item) in obj {
        let field = format!("conversionLabels.{k}");
        let event = StandardEvent::parse(k);
        if event.is_none() {
            errs.push(&field, "unknown_event", format!("unknown event {k:?}"));
        }
        let label = match item.as_str().map(str::trim) {
            Some(s)
                if !s.is_empty()
                    && s.len() <= 64
                    && s.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-') =>
            {
                Some(s.to_owned())
            }
            Some(_) => {
                errs.push(
                    &field,
                    "invalid_format",
                    "a conversion label is 1 to 64 letters, digits, '_' or '-'",
                );
                None
            }
            None => {
                errs.push(&field, "invalid_type", "a conversion label is a string");
                None
            }
        };
        if let (Some(e), Some(label)) = (event, label)
            && out.insert(e, label).is_some()
        {
            errs.push(&field, "duplicate", format!("{k} is given twice"));
        }
    }
    (errs.0.len() == before).then_some(out)
}

/// The token field of a request: `apiAccessToken`, or for Google also `refreshToken`.
pub(super) fn token_field(
    errs: &mut Errors,
    input: &ConfigInput,
    platform: Option<Platform>,
) -> Option<Option<String>> {
    match (&input.api_access_token, &input.refresh_token) {
        (Some(_), Some(_)) => {
            errs.push(
                "refreshToken",
                "duplicate",
                "give either apiAccessToken or refreshToken, not both",
            );
            None
        }
        (Some(v), None) => token(errs, "apiAccessToken", v).map(Some),
        (None, Some(v)) => {
            if platform.is_some_and(|p| p != Platform::Google) {
                errs.push(
                    "refreshToken",
                    "unknown_field",
                    "refreshToken is for Google only; use apiAccessToken",
                );
                return None;
            }
            token(errs, "refreshToken", v).map(Some)
        }
        (None, None) => Some(None),
    }
}

pub(super) fn google_only(errs: &mut Errors, input: &ConfigInput, platform: Platform) {
    if platform == Platform::Google {
        return;
    }
    for (field, v) in [
        ("customerId", &input.customer_id),
        ("loginCustomerId", &input.login_customer_id),
        ("conversionActions", &input.conversion_actions),
        ("googleTagId", &input.google_tag_id),
        ("conversionLabels", &input.conversion_labels),
        ("googleApi", &input.google_api),
    ] {
        if v.is_some() {
            errs.push(
                field,
                "unknown_field",
                format!("{field} is for Google only"),
            );
        }
    }
}

/// `googleApi`: `dataManager` or `adsApi` (the Ads API upload only works for accounts Google
/// allowlisted before June 2026).
pub(super) fn google_api(errs: &mut Errors, v: &Value) -> Option<GoogleApi> {
    let s = string(errs, "googleApi", v)?;
    let api = GoogleApi::parse(s.trim());
    if api.is_none() {
        errs.push(
            "googleApi",
            "invalid_value",
            "googleApi must be dataManager or adsApi",
        );
    }
    api
}
