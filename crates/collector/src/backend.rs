//! Backend events (`POST /api/v1/events`): one item of the body, validated and turned into the
//! core's [`Event`] with identifiers hashed at once. Pure: the clock comes in as an argument.
//!
//! An item is `{eventId, event, tenantId, occurredAt, customer: {email, phone, firstName,
//! lastName, externalId, city, region, postalCode, country, dateOfBirth, gender, ip, userAgent,
//! fbp, fbc, ttclid, gclid, consent}, value, currency, orderId, contentName}`. Match keys are
//! checked here (see [`crate::backend_customer`]) and hashed at once; none is stored raw. `event` is a TrainerERP internal name (`cliente.pago_exitoso`) or a
//! standard one (`PURCHASE`); a name the product does not know is still accepted when one of
//! the tenant's configs maps it (`mapped` below).

use pixel_core::StandardEvent;
use pixel_core::click_ids;
use pixel_core::config::TenantId;
use pixel_core::event::mapping::default_standard_event;
use pixel_core::event::{ActionSource, Consent, Event, EventId, HashedIdentity};
use serde_json::{Map, Value, json};

use crate::order::purchase_event_id;

/// The most events one request may carry.
pub const MAX_BATCH: usize = 500;

/// Phones without a country code are read as Spanish: TrainerERP's tenants have no country
/// setting yet, and Spain is its market.
pub const DEFAULT_COUNTRY: &str = "ES";

/// A valid item, ready for `edge_kit::pipeline::enqueue`.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub tenant: TenantId,
    pub event: Event,
    /// The TrainerERP name it came as, for per-config mappings.
    pub internal: Option<String>,
    /// The caller's `eventId` (the event's own id differs for Purchases with an order id).
    pub given_id: String,
}

/// One field error: `{field, code, message}`.
pub type FieldErr = Value;

pub(crate) fn err(field: &str, code: &str, message: &str) -> FieldErr {
    json!({ "field": field, "code": code, "message": message })
}

/// The item's tenant and event name, read before the rest so the caller can look up the
/// tenant's configs for names only a config maps.
pub fn tenant_and_name(v: &Value) -> (Option<TenantId>, Option<String>) {
    let tenant = v["tenantId"].as_str().and_then(|t| TenantId::parse(t).ok());
    let name = v["event"].as_str().map(|s| s.trim().to_owned());
    (tenant, name)
}

/// The standard event a name resolves to by default: the product's table, then a standard name.
pub fn default_event(name: &str) -> Option<StandardEvent> {
    default_standard_event(name).or_else(|| StandardEvent::parse(name))
}

/// Validate and convert one item. `mapped` is what a config of the tenant maps an unknown
/// internal name to, if any; `now_ms` bounds `occurredAt`.
pub fn parse_item(
    v: &Value,
    mapped: Option<StandardEvent>,
    now_ms: i64,
) -> Result<Item, Vec<FieldErr>> {
    let mut errors = Vec::new();
    let Some(obj) = v.as_object() else {
        return Err(vec![err(
            "",
            "invalid_type",
            "each event must be a JSON object",
        )]);
    };
    let given_id = match obj
        .get("eventId")
        .and_then(Value::as_str)
        .map(EventId::parse)
    {
        Some(Ok(id)) => Some(id),
        Some(Err(_)) => {
            errors.push(err(
                "eventId",
                "invalid_format",
                "must be 1-128 printable ASCII characters",
            ));
            None
        }
        None => {
            errors.push(err("eventId", "required", "eventId is required (a string)"));
            None
        }
    };
    let tenant = match obj.get("tenantId").and_then(Value::as_str) {
        Some(t) => TenantId::parse(t)
            .map_err(|_| errors.push(err("tenantId", "invalid_format", "not a valid tenant id")))
            .ok(),
        None => {
            errors.push(err(
                "tenantId",
                "required",
                "tenantId is required (a string)",
            ));
            None
        }
    };
    let (name, internal) = match obj.get("event").and_then(Value::as_str).map(str::trim) {
        Some(n) => match default_event(n).or(mapped) {
            Some(e) => (
                Some(e),
                (StandardEvent::parse(n).is_none()).then(|| n.to_owned()),
            ),
            None => {
                errors.push(err(
                    "event",
                    "unknown_event",
                    "neither a TrainerERP event nor a standard event, and no config maps it",
                ));
                (None, None)
            }
        },
        None => {
            errors.push(err("event", "required", "event is required (a string)"));
            (None, None)
        }
    };
    let time = match obj.get("occurredAt") {
        None | Some(Value::Null) => Some(now_ms / 1000),
        Some(t) => match parse_time(t) {
            Some(secs) if secs * 1000 <= now_ms + 600_000 => Some(secs),
            Some(_) => {
                errors.push(err(
                    "occurredAt",
                    "in_future",
                    "occurredAt is more than ten minutes ahead",
                ));
                None
            }
            None => {
                errors.push(err(
                    "occurredAt",
                    "invalid_format",
                    "must be an RFC 3339 date-time or Unix seconds",
                ));
                None
            }
        },
    };
    let value = match obj.get("value") {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) if n.as_f64().is_some_and(|f| f.is_finite() && f >= 0.0) => {
            n.as_f64()
        }
        Some(_) => {
            errors.push(err(
                "value",
                "invalid_value",
                "must be a non-negative number",
            ));
            None
        }
    };
    let currency = match obj.get("currency") {
        None | Some(Value::Null) => None,
        Some(Value::String(c))
            if c.trim().len() == 3 && c.trim().bytes().all(|b| b.is_ascii_alphabetic()) =>
        {
            Some(c.trim().to_ascii_uppercase())
        }
        Some(_) => {
            errors.push(err(
                "currency",
                "invalid_format",
                "must be an ISO 4217 code such as EUR",
            ));
            None
        }
    };
    if name == Some(StandardEvent::Purchase) && (value.is_none() || currency.is_none()) {
        errors.push(err(
            "value",
            "required",
            "a Purchase needs value and currency",
        ));
    }
    let order_id = opt_str(obj, "orderId", &mut errors);
    let content_name = opt_str(obj, "contentName", &mut errors);
    let empty = Map::new();
    let customer = match obj.get("customer") {
        None | Some(Value::Null) => &empty,
        Some(Value::Object(c)) => c,
        Some(_) => {
            errors.push(err("customer", "invalid_type", "must be an object"));
            &empty
        }
    };
    let consent = match parse_consent(customer.get("consent")) {
        Some(c) => c,
        None => {
            errors.push(err("customer.consent", "invalid_value", "must be true/false, \"granted\"/\"denied\" or {adUserData, adPersonalization, limitedDataUse}"));
            Consent::default()
        }
    };
    let raw = crate::backend_customer::raw_identity(customer, &mut errors);
    let mut s = |k: &str| opt_str(customer, k, &mut errors);
    let (ip, ua) = (s("ip"), s("userAgent"));
    let (fbp, fbc, ttclid, gclid) = (s("fbp"), s("fbc"), s("ttclid"), s("gclid"));
    let (Some(given_id), Some(tenant), Some(name), Some(time), true) =
        (given_id, tenant, name, time, errors.is_empty())
    else {
        return Err(errors);
    };
    let event_id = match (name, order_id.as_deref().and_then(purchase_event_id)) {
        (StandardEvent::Purchase, Some(derived)) => derived,
        _ => given_id.clone(),
    };
    let now = u64::try_from(now_ms).unwrap_or(0);
    let mut event = Event::new(event_id, name, time);
    // The backend knows no page URL, and Meta refuses a `website` event without one.
    event.action_source = ActionSource::SystemGenerated;
    event.consent = consent;
    event.client_ip = ip;
    event.user_agent = ua;
    event.click_ids.fbp = fbp.filter(|f| click_ids::parse_fbp(f, now).is_some());
    event.click_ids.fbc = fbc.filter(|f| click_ids::parse_fbc(f, now).is_some());
    event.click_ids.ttclid = ttclid.as_deref().and_then(click_ids::clean_click_id);
    event.click_ids.gclid = gclid.as_deref().and_then(click_ids::clean_click_id);
    event.custom.value = value;
    event.custom.currency = currency;
    event.custom.order_id = order_id;
    event.custom.content_name = content_name;
    event.identity = HashedIdentity::from_raw(&raw, DEFAULT_COUNTRY);
    Ok(Item {
        tenant,
        event,
        internal,
        given_id: given_id.to_string(),
    })
}

pub(crate) fn opt_str(
    obj: &Map<String, Value>,
    key: &str,
    errors: &mut Vec<FieldErr>,
) -> Option<String> {
    match obj.get(key) {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.trim().is_empty() => None,
        Some(Value::String(s)) if s.len() <= 1024 => Some(s.trim().to_owned()),
        // Numeric ids are common in backends; accept them as their decimal text.
        Some(Value::Number(n)) if key == "orderId" || key == "externalId" => Some(n.to_string()),
        Some(_) => {
            errors.push(err(
                key,
                "invalid_type",
                "must be a string of at most 1024 characters",
            ));
            None
        }
    }
}

/// Absent consent is assumed for Meta and TikTok: backend events come from an existing customer
/// relationship (TrainerERP records the customer's consent and sends `consent: false` when it
/// was refused). Google is never told "granted" unless the backend said so ([`Consent::assumed`]).
fn parse_consent(v: Option<&Value>) -> Option<Consent> {
    match v {
        None | Some(Value::Null) => Some(Consent::assumed()),
        Some(Value::Bool(true)) => Some(Consent::granted()),
        Some(Value::Bool(false)) => Some(Consent::default()),
        Some(Value::String(s)) => match s.trim().to_ascii_lowercase().as_str() {
            "granted" => Some(Consent::granted()),
            "denied" => Some(Consent::default()),
            _ => None,
        },
        Some(Value::Object(o)) => {
            let flag = |k: &str| match o.get(k) {
                None | Some(Value::Null) => Some(false),
                Some(Value::Bool(b)) => Some(*b),
                Some(Value::String(s)) if s.eq_ignore_ascii_case("granted") => Some(true),
                Some(Value::String(s)) if s.eq_ignore_ascii_case("denied") => Some(false),
                _ => None,
            };
            Some(Consent {
                ad_user_data: flag("adUserData")?,
                ad_personalization: flag("adPersonalization")?,
                limited_data_use: flag("limitedDataUse")?,
                ldu_by_location: false,
                assumed: false,
            })
        }
        Some(_) => None,
    }
}

/// Unix seconds from a number (seconds, or milliseconds when it is that large) or an RFC 3339
/// date-time (`2026-11-27T10:00:00Z`, `2026-11-27T11:00:00.5+01:00`).
pub fn parse_time(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => {
            let t = n.as_i64()?;
            let secs = if t > 100_000_000_000 { t / 1000 } else { t };
            (secs > 0).then_some(secs)
        }
        Value::String(s) => parse_rfc3339(s.trim()),
        _ => None,
    }
}

fn parse_rfc3339(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() < 20
        || b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b'T' | b't' | b' ')
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let num = |r: std::ops::Range<usize>| s.get(r)?.parse::<i64>().ok();
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, se) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || se > 60 {
        return None;
    }
    let mut rest = &s[19..];
    if let Some(frac) = rest.strip_prefix('.') {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        rest = &frac[digits..];
    }
    let offset = match rest {
        "Z" | "z" => 0,
        _ if rest.len() == 6 && rest.as_bytes()[3] == b':' => {
            let sign = match rest.as_bytes()[0] {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            sign * (rest[1..3].parse::<i64>().ok()? * 3600 + rest[4..6].parse::<i64>().ok()? * 60)
        }
        _ => return None,
    };
    // Howard Hinnant's days_from_civil.
    let y = if mo <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (mo + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86_400 + h * 3600 + mi * 60 + se - offset)
}

#[cfg(test)]
mod tests;
