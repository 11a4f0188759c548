//! Meta's rules for a CAPI batch: at most 1,000 events, and one invalid event rejects the whole
//! batch with an `error_user_msg` that names it (`data[17]`), which is what lets the product
//! bisect a batch down to the bad event.

use serde_json::{Map, Value};

use crate::meta::MetaError;

pub(crate) const MAX_EVENTS: usize = 1000;
const SEVEN_DAYS: i64 = 7 * 24 * 3600;
/// Meta tolerates a little clock skew; "about a minute" in its docs.
const FUTURE_SKEW: i64 = 60;

const ACTION_SOURCES: &[&str] = &[
    "website",
    "system_generated",
    "email",
    "phone_call",
    "chat",
    "physical_store",
    "app",
    "business_messaging",
    "other",
];

/// Key sets too thin to match on their own (PLATFORMS.md); `client_user_agent` is the "UA".
const THIN_SETS: &[&[&str]] = &[
    &["ct", "country", "st", "zp", "ge", "client_user_agent"],
    &["db", "client_user_agent"],
    &["fn", "ge"],
    &["ln", "ge"],
];

/// Check the batch and hand back its events.
pub(crate) fn validate_batch(data: Option<&Value>, now: i64) -> Result<&Vec<Value>, MetaError> {
    let events = match data {
        None | Some(Value::Null) => {
            return Err(MetaError::invalid(
                "Missing data",
                "The parameter data is required",
            ));
        }
        Some(Value::Array(events)) => events,
        Some(_) => {
            return Err(MetaError::invalid(
                "Invalid data",
                "The parameter data must be an array of events",
            ));
        }
    };
    if events.is_empty() {
        return Err(MetaError::invalid(
            "Missing data",
            "The parameter data must contain at least one event",
        ));
    }
    if events.len() > MAX_EVENTS {
        return Err(MetaError::invalid(
            "Too many events",
            format!(
                "The parameter data has {} events; at most {MAX_EVENTS} are allowed per request",
                events.len()
            ),
        ));
    }
    for (i, event) in events.iter().enumerate() {
        validate_event(event, now).map_err(|mut e| {
            e.user_msg = e.user_msg.map(|m| format!("data[{i}]: {m}"));
            e
        })?;
    }
    Ok(events)
}

/// One event's rules; the caller prefixes the message with the event's index.
fn validate_event(event: &Value, now: i64) -> Result<(), MetaError> {
    let Some(event) = event.as_object() else {
        return Err(MetaError::invalid(
            "Invalid event",
            "Each event must be a JSON object",
        ));
    };
    let name = required_str(event, "event_name")?;
    let time = match event.get("event_time") {
        None | Some(Value::Null) => return Err(missing("event_time")),
        Some(Value::Number(n)) => n.as_i64(),
        // Form-encoded callers send numbers as text; Graph reads those too.
        Some(Value::String(s)) => s.parse::<i64>().ok(),
        Some(_) => None,
    }
    .ok_or_else(|| {
        MetaError::invalid(
            "Invalid event_time",
            "The parameter event_time must be a Unix timestamp in seconds",
        )
    })?;
    if now - time > SEVEN_DAYS {
        return Err(MetaError::invalid(
            "Event Timestamp Too Old",
            "The timestamp for this event is more than 7 days in the past. \
             Events must be sent within 7 days of when they occurred",
        )
        .subcode(2804003));
    }
    if time - now > FUTURE_SKEW {
        return Err(MetaError::invalid(
            "Event Timestamp In Future",
            "The timestamp for this event is in the future. Send event_time in seconds, not milliseconds",
        ));
    }
    let source = required_str(event, "action_source")?;
    if !ACTION_SOURCES.contains(&source) {
        return Err(MetaError::invalid(
            "Invalid action_source",
            format!(
                "The action_source '{source}' is not one of {}",
                ACTION_SOURCES.join(", ")
            ),
        ));
    }
    let user_data = match event.get("user_data") {
        Some(Value::Object(u)) => u,
        None | Some(Value::Null) => return Err(missing("user_data")),
        Some(_) => {
            return Err(MetaError::invalid(
                "Invalid user_data",
                "The parameter user_data must be an object",
            ));
        }
    };
    let keys: Vec<&str> = user_data
        .iter()
        .filter(|(_, v)| present(v))
        .map(|(k, _)| k.as_str())
        .collect();
    if keys.is_empty() {
        return Err(MetaError::invalid(
            "Missing User Data",
            "The parameter user_data must contain at least one customer information parameter",
        ));
    }
    if let Some(fbc) = user_data.get("fbc").filter(|v| present(v))
        && !fbc.as_str().is_some_and(fbc_is_valid)
    {
        return Err(MetaError::invalid(
                "Invalid fbc Parameter",
                "The fbc parameter is malformed; expected fb.{subdomain_index}.{creation_time_ms}.{fbclid}",
            )
            .subcode(2804001));
    }
    if THIN_SETS
        .iter()
        .any(|set| keys.iter().all(|k| set.contains(k)))
    {
        return Err(MetaError::invalid(
            "Insufficient Customer Information",
            format!(
                "The user_data of this event ({}) has too few customer information parameters to match",
                keys.join(", ")
            ),
        ));
    }
    if source == "website" {
        if !user_data.get("client_user_agent").is_some_and(present) {
            return Err(MetaError::invalid(
                "Missing client_user_agent",
                "The parameter client_user_agent is required for events with action_source website",
            ));
        }
        if !event.get("event_source_url").is_some_and(present) {
            return Err(MetaError::invalid(
                "Missing event_source_url",
                "The parameter event_source_url is required for events with action_source website",
            ));
        }
    }
    if name == "Purchase" {
        let custom = event.get("custom_data").and_then(Value::as_object);
        let value_ok = custom
            .and_then(|c| c.get("value"))
            .is_some_and(|v| v.is_number() || v.as_str().is_some_and(|s| s.parse::<f64>().is_ok()));
        let currency_ok = custom
            .and_then(|c| c.get("currency"))
            .and_then(Value::as_str)
            .is_some_and(|c| c.len() == 3 && c.bytes().all(|b| b.is_ascii_alphabetic()));
        if !value_ok || !currency_ok {
            return Err(MetaError::invalid(
                "Missing Value Or Currency",
                "Purchase events must include custom_data.value (a number) and custom_data.currency \
                 (an ISO 4217 code)",
            )
            .subcode(2804009));
        }
    }
    Ok(())
}

fn required_str<'a>(event: &'a Map<String, Value>, key: &str) -> Result<&'a str, MetaError> {
    match event.get(key) {
        Some(Value::String(s)) if !s.is_empty() => Ok(s),
        None | Some(Value::Null) => Err(missing(key)),
        Some(Value::String(_)) => Err(missing(key)),
        Some(_) => Err(MetaError::invalid(
            "Invalid parameter",
            format!("The parameter {key} must be a string"),
        )),
    }
}

fn missing(key: &str) -> MetaError {
    MetaError::invalid(
        "Missing parameter",
        format!("The parameter {key} is required"),
    )
}

/// A value that counts as given: not null, not an empty string, not an empty array.
fn present(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => a.iter().any(present),
        _ => true,
    }
}

/// `fb.{subdomain_index}.{creation_time_ms}.{fbclid}`, where Meta's parameter builder may append
/// `.{appendix}` to the fbclid; a creation time in seconds (10 digits) is the classic mistake.
fn fbc_is_valid(fbc: &str) -> bool {
    let mut parts = fbc.splitn(4, '.');
    let (Some("fb"), Some(index), Some(created), Some(fbclid)) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    matches!(index, "0" | "1" | "2")
        && created.len() == 13
        && created.bytes().all(|b| b.is_ascii_digit())
        && !fbclid.is_empty()
        && fbclid
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const NOW: i64 = 1_790_000_000;

    fn good() -> Value {
        json!({
            "event_name": "Lead", "event_time": NOW - 10, "action_source": "website",
            "event_source_url": "https://gym.example/", "event_id": "e1",
            "user_data": {"em": ["a".repeat(64)], "client_user_agent": "UA", "client_ip_address": "1.2.3.4"}
        })
    }

    fn check(event: Value) -> Result<(), MetaError> {
        validate_batch(Some(&json!([good(), event])), NOW).map(|_| ())
    }

    #[test]
    fn fbc_shapes() {
        for (fbc, ok) in [
            ("fb.1.1790000000000.AbCdEf_123", true),
            ("fb.1.1790000000000.IwAR2x.Ab12", true),
            ("fb.1.1790000000.AbCdEf", false),
            ("fb.1.1790000000000.", false),
            ("fbclid", false),
            ("fb.9.1790000000000.x", false),
        ] {
            assert_eq!(fbc_is_valid(fbc), ok, "{fbc}");
        }
    }

    #[test]
    fn each_rule_names_the_second_event() {
        let mut cases: Vec<(Value, Option<i64>)> = Vec::new();
        let mut e = good();
        e["event_time"] = json!(NOW - SEVEN_DAYS - 5);
        cases.push((e, Some(2804003)));
        let mut e = good();
        e["event_time"] = json!(NOW + 120);
        cases.push((e, None));
        let mut e = good();
        e["event_name"] = json!("Purchase");
        cases.push((e, Some(2804009)));
        let mut e = good();
        e["user_data"]["fbc"] = json!("fb.1.123.abc");
        cases.push((e, Some(2804001)));
        let mut e = good();
        e["user_data"] = json!({"ct": "madrid", "country": "es", "client_user_agent": "UA"});
        e["action_source"] = json!("system_generated");
        cases.push((e, None));
        let mut e = good();
        e["user_data"] = json!({"fn": "x", "ge": "f"});
        e["action_source"] = json!("system_generated");
        cases.push((e, None));
        let mut e = good();
        e["user_data"]
            .as_object_mut()
            .map(|u| u.remove("client_user_agent"));
        cases.push((e, None));
        let mut e = good();
        e.as_object_mut().map(|o| o.remove("event_source_url"));
        cases.push((e, None));
        for key in ["event_name", "event_time", "action_source", "user_data"] {
            let mut e = good();
            e.as_object_mut().map(|o| o.remove(key));
            cases.push((e, None));
        }
        for (event, subcode) in cases {
            let err = check(event.clone()).expect_err(&event.to_string());
            assert_eq!(err.code, 100, "{event}");
            assert_eq!(err.subcode, subcode, "{event}");
            let msg = err.user_msg.unwrap_or_default();
            assert!(msg.starts_with("data[1]: "), "{msg}");
        }
    }

    #[test]
    fn good_events_pass() {
        let mut purchase = good();
        purchase["event_name"] = json!("Purchase");
        purchase["custom_data"] = json!({"value": 49.9, "currency": "EUR"});
        let mut phone_only = good();
        phone_only["action_source"] = json!("system_generated");
        phone_only["user_data"] = json!({"ph": "a".repeat(64)});
        assert!(check(purchase).is_ok());
        assert!(check(phone_only).is_ok());
    }

    #[test]
    fn batch_limits() {
        let many = Value::Array(vec![good(); MAX_EVENTS + 1]);
        assert!(validate_batch(Some(&many), NOW).is_err());
        let full = Value::Array(vec![good(); MAX_EVENTS]);
        assert_eq!(
            validate_batch(Some(&full), NOW).map(Vec::len),
            Ok(MAX_EVENTS)
        );
        assert!(validate_batch(Some(&json!([])), NOW).is_err());
        assert!(validate_batch(None, NOW).is_err());
        assert!(validate_batch(Some(&json!({"a": 1})), NOW).is_err());
    }
}
