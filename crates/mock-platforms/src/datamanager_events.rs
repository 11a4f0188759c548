//! The Data Manager API's validation of an `events:ingest` body, as the real service applies
//! it: every problem becomes a `BadRequest.fieldViolations[]` entry whose `field` is the
//! snake_case path (`events[3].ad_identifiers.gclid`), and any violation fails the whole
//! request (fast-fail). What passes may still fail asynchronously, per event, with a
//! `PROCESSING_ERROR_REASON_*` ([`async_failure`]): the mock's rules for that are a gclid
//! beginning with `notfound` (no such click), a transaction id seen before for the same
//! destination, an event older than 90 days, consent denied with no click id, no identifier.

use std::collections::HashSet;
use std::net::IpAddr;

use serde_json::{Map, Value};

use crate::google_rows::click_id_is_valid;

pub(crate) const MAX_EVENTS: usize = 2000;
pub(crate) const MAX_DESTINATIONS: usize = 10;
const MAX_IDENTIFIERS: usize = 10;

/// One `fieldViolations[]` entry.
pub(crate) struct Violation {
    pub field: String,
    pub reason: &'static str,
    pub description: String,
}

fn v(field: impl Into<String>, reason: &'static str, description: impl Into<String>) -> Violation {
    Violation {
        field: field.into(),
        reason,
        description: description.into(),
    }
}

fn is_hex64(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

fn ten_digits(s: &str) -> bool {
    s.len() == 10 && s.bytes().all(|b| b.is_ascii_digit())
}

/// `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)`, as Google's JSON mapping of a `Timestamp`.
pub(crate) fn rfc3339_secs(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| s.get(r)?.parse::<i64>().ok();
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, se) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || se > 60 {
        return None;
    }
    let tail = s[19..].trim_start_matches(|c: char| c == '.' || c.is_ascii_digit());
    if tail != "Z" && !(tail.len() == 6 && (tail.starts_with('+') || tail.starts_with('-'))) {
        return None;
    }
    // Days from civil (Howard Hinnant), enough for an age check.
    let (yy, mm) = if mo <= 2 {
        (y - 1, mo + 9)
    } else {
        (y, mo - 3)
    };
    let era = yy.div_euclid(400);
    let yoe = yy - era * 400;
    let doy = (153 * mm + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some((era * 146_097 + doe - 719_468) * 86_400 + h * 3600 + mi * 60 + se)
}

/// Check the whole body; the destinations' references in order when it is valid.
pub(crate) fn validate(body: &Value) -> Result<Vec<String>, Vec<Violation>> {
    let mut out = Vec::new();
    let Some(obj) = body.as_object() else {
        return Err(vec![v(
            "",
            "INVALID_ARGUMENT",
            "the body must be a JSON object",
        )]);
    };
    let refs = destinations(obj, &mut out);
    let events = obj.get("events").and_then(Value::as_array);
    match events {
        None => out.push(v("events", "REQUIRED_FIELD_MISSING", "events is required")),
        Some(list) if list.is_empty() => {
            out.push(v("events", "REQUIRED_FIELD_MISSING", "events is required"))
        }
        Some(list) if list.len() > MAX_EVENTS => out.push(v(
            "events",
            "TOO_MANY_ELEMENTS",
            format!("at most {MAX_EVENTS} events a request"),
        )),
        Some(list) => {
            let has_user_data = list.iter().any(|e| e.get("userData").is_some());
            match obj.get("encoding").and_then(Value::as_str) {
                Some("HEX") | Some("BASE64") => {}
                None if !has_user_data => {}
                None => out.push(v(
                    "encoding",
                    "REQUIRED_FIELD_MISSING",
                    "encoding is required when user data is present",
                )),
                Some(_) => out.push(v(
                    "encoding",
                    "INVALID_ENUM_VALUE",
                    "encoding must be HEX or BASE64",
                )),
            }
            let hex = obj.get("encoding").and_then(Value::as_str) != Some("BASE64");
            for (i, e) in list.iter().enumerate() {
                event(i, e, &refs, hex, &mut out);
            }
        }
    }
    if out.is_empty() { Ok(refs) } else { Err(out) }
}

fn account(field: &str, a: Option<&Value>, out: &mut Vec<Violation>) -> bool {
    let Some(a) = a else { return false };
    match a.get("accountType").and_then(Value::as_str) {
        Some("GOOGLE_ADS" | "GOOGLE_ANALYTICS_PROPERTY" | "DISPLAY_VIDEO_PARTNER") => {}
        _ => out.push(v(
            format!("{field}.account_type"),
            "INVALID_ENUM_VALUE",
            "unknown account type",
        )),
    }
    if !a
        .get("accountId")
        .and_then(Value::as_str)
        .is_some_and(ten_digits)
    {
        out.push(v(
            format!("{field}.account_id"),
            "INVALID_ACCOUNT_ID",
            "the account id must be 10 digits without hyphens",
        ));
    }
    true
}

fn destinations(obj: &Map<String, Value>, out: &mut Vec<Violation>) -> Vec<String> {
    let list = obj
        .get("destinations")
        .and_then(Value::as_array)
        .map_or(&[][..], Vec::as_slice);
    if list.is_empty() {
        out.push(v(
            "destinations",
            "REQUIRED_FIELD_MISSING",
            "destinations is required",
        ));
    } else if list.len() > MAX_DESTINATIONS {
        out.push(v(
            "destinations",
            "TOO_MANY_ELEMENTS",
            "at most 10 destinations a request",
        ));
    }
    let mut refs = Vec::new();
    for (i, d) in list.iter().enumerate() {
        let f = format!("destinations[{i}]");
        if !account(
            &format!("{f}.operating_account"),
            d.get("operatingAccount"),
            out,
        ) {
            out.push(v(
                format!("{f}.operating_account"),
                "REQUIRED_FIELD_MISSING",
                "operating account is required",
            ));
        }
        account(&format!("{f}.login_account"), d.get("loginAccount"), out);
        let product = d
            .get("productDestinationId")
            .and_then(Value::as_str)
            .unwrap_or("");
        if product.is_empty() || !product.bytes().all(|b| b.is_ascii_digit()) {
            out.push(v(
                format!("{f}.product_destination_id"),
                "INVALID_PRODUCT_DESTINATION_ID",
                "productDestinationId must be the conversion action id",
            ));
        }
        let reference = d
            .get("reference")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned();
        if refs.contains(&reference) {
            out.push(v(
                format!("{f}.reference"),
                "DUPLICATE_DESTINATION_REFERENCE",
                "references must be unique",
            ));
        }
        refs.push(reference);
    }
    refs
}

fn event(i: usize, e: &Value, refs: &[String], hex: bool, out: &mut Vec<Violation>) {
    let f = |s: &str| format!("events[{i}].{s}");
    let Some(e) = e.as_object() else {
        out.push(v(
            format!("events[{i}]"),
            "INVALID_ARGUMENT",
            "an event must be an object",
        ));
        return;
    };
    match e.get("eventTimestamp").and_then(Value::as_str) {
        Some(t) if rfc3339_secs(t).is_some() => {}
        Some(_) => out.push(v(
            f("event_timestamp"),
            "INVALID_TIMESTAMP",
            "eventTimestamp must be RFC 3339",
        )),
        None => out.push(v(
            f("event_timestamp"),
            "REQUIRED_FIELD_MISSING",
            "eventTimestamp is required",
        )),
    }
    match e.get("eventSource").and_then(Value::as_str) {
        Some("WEB" | "APP" | "IN_STORE" | "PHONE" | "MESSAGE" | "OTHER") => {}
        Some(_) => out.push(v(
            f("event_source"),
            "INVALID_ENUM_VALUE",
            "unknown event source",
        )),
        None => out.push(v(
            f("event_source"),
            "REQUIRED_FIELD_MISSING",
            "eventSource is required for conversions",
        )),
    }
    let named: Vec<&str> = e
        .get("destinationReferences")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if named.iter().any(|r| !refs.iter().any(|d| d == r)) || (named.is_empty() && refs.len() > 1) {
        out.push(v(
            f("destination_references"),
            "INVALID_DESTINATION_REFERENCE",
            "destination reference not in the request",
        ));
    }
    if let Some(c) = e.get("currency")
        && !c
            .as_str()
            .is_some_and(|c| c.len() == 3 && c.bytes().all(|b| b.is_ascii_uppercase()))
    {
        out.push(v(
            f("currency"),
            "INVALID_CURRENCY_CODE",
            "currency must be an ISO 4217 code",
        ));
    }
    if let Some(n) = e.get("conversionValue")
        && !n.as_f64().is_some_and(|n| n >= 0.0)
    {
        out.push(v(
            f("conversion_value"),
            "INVALID_ARGUMENT",
            "conversionValue must be a number",
        ));
    }
    for (k, c) in ["adUserData", "adPersonalization"]
        .iter()
        .zip(["ad_user_data", "ad_personalization"])
    {
        if let Some(s) = e.get("consent").and_then(|x| x.get(*k))
            && !matches!(s.as_str(), Some("CONSENT_GRANTED" | "CONSENT_DENIED"))
        {
            out.push(v(
                f(&format!("consent.{c}")),
                "INVALID_ENUM_VALUE",
                "consent is CONSENT_GRANTED or CONSENT_DENIED",
            ));
        }
    }
    if let Some(ad) = e.get("adIdentifiers").and_then(Value::as_object) {
        for k in ["gclid", "gbraid", "wbraid"] {
            if let Some(id) = ad.get(k)
                && !id.as_str().is_some_and(click_id_is_valid)
            {
                out.push(v(
                    f(&format!("ad_identifiers.{k}")),
                    "INVALID_GCLID",
                    format!("the {k} could not be decoded"),
                ));
            }
        }
    }
    if let Some(ip) = e.get("eventDeviceInfo").and_then(|d| d.get("ipAddress"))
        && ip.as_str().and_then(|s| s.parse::<IpAddr>().ok()).is_none()
    {
        out.push(v(
            f("event_device_info.ip_address"),
            "INVALID_IP_ADDRESS",
            "not an IP address",
        ));
    }
    let ids = e
        .get("userData")
        .and_then(|u| u.get("userIdentifiers"))
        .and_then(Value::as_array)
        .map_or(&[][..], Vec::as_slice);
    if ids.len() > MAX_IDENTIFIERS {
        out.push(v(
            f("user_data.user_identifiers"),
            "TOO_MANY_ELEMENTS",
            "at most 10 identifiers",
        ));
    }
    let hashed = |s: Option<&Value>| {
        s.and_then(Value::as_str)
            .is_some_and(|s| !hex || is_hex64(s))
    };
    for (j, id) in ids.iter().enumerate() {
        let g = f(&format!("user_data.user_identifiers[{j}]"));
        let kinds: Vec<&String> = id
            .as_object()
            .map(|o| o.keys().collect())
            .unwrap_or_default();
        if kinds.len() != 1 {
            out.push(v(
                g,
                "INVALID_ARGUMENT",
                "exactly one of email_address, phone_number, address",
            ));
            continue;
        }
        match kinds[0].as_str() {
            "emailAddress" if !hashed(id.get("emailAddress")) => out.push(v(
                format!("{g}.email_address"),
                "INVALID_HEX_ENCODING",
                "not a hex SHA-256 hash",
            )),
            "phoneNumber" if !hashed(id.get("phoneNumber")) => out.push(v(
                format!("{g}.phone_number"),
                "INVALID_HEX_ENCODING",
                "not a hex SHA-256 hash",
            )),
            "address" => {
                let a = &id["address"];
                for (k, snake) in [("givenName", "given_name"), ("familyName", "family_name")] {
                    if !hashed(a.get(k)) {
                        out.push(v(
                            format!("{g}.address.{snake}"),
                            "INVALID_HEX_ENCODING",
                            "not a hex SHA-256 hash",
                        ));
                    }
                }
                if !a["regionCode"]
                    .as_str()
                    .is_some_and(|r| r.len() == 2 && r.bytes().all(|b| b.is_ascii_uppercase()))
                {
                    out.push(v(
                        format!("{g}.address.region_code"),
                        "INVALID_REGION_CODE",
                        "region code is ISO 3166-1 alpha-2",
                    ));
                }
                if a["postalCode"]
                    .as_str()
                    .is_none_or(|p| p.is_empty() || is_hex64(p))
                {
                    out.push(v(
                        format!("{g}.address.postal_code"),
                        "INVALID_POSTAL_CODE",
                        "postal code is sent unhashed",
                    ));
                }
            }
            "emailAddress" | "phoneNumber" => {}
            other => out.push(v(
                g,
                "INVALID_ARGUMENT",
                format!("unknown identifier {other}"),
            )),
        }
    }
}

/// Why an accepted event fails later, if it does (Google's `ProcessingErrorReason`).
/// `seen` holds `(productDestinationId, transactionId)` already ingested.
pub(crate) fn async_failure(
    e: &Value,
    product: &str,
    now_secs: i64,
    seen: &mut HashSet<(String, String)>,
) -> Option<&'static str> {
    let ad = e.get("adIdentifiers");
    let click = ["gclid", "gbraid", "wbraid"]
        .iter()
        .find_map(|k| ad.and_then(|a| a.get(*k)).and_then(Value::as_str));
    let has_user = e
        .get("userData")
        .and_then(|u| u.get("userIdentifiers"))
        .and_then(Value::as_array)
        .is_some_and(|a| !a.is_empty());
    let denied = e["consent"]["adUserData"].as_str() != Some("CONSENT_GRANTED");
    let time = e["eventTimestamp"]
        .as_str()
        .and_then(rfc3339_secs)
        .unwrap_or(now_secs);
    let tx = e["transactionId"].as_str().unwrap_or("").to_owned();
    if click.is_none() && !has_user {
        return Some("PROCESSING_ERROR_REASON_NO_IDENTIFIERS_PROVIDED");
    }
    if denied && click.is_none() {
        return Some("PROCESSING_ERROR_REASON_DENIED_CONSENT");
    }
    if now_secs - time > 90 * 86_400 {
        return Some("PROCESSING_ERROR_REASON_EVENT_TOO_OLD");
    }
    if click.is_some_and(|c| c.starts_with("notfound")) {
        return Some("PROCESSING_ERROR_REASON_CLICK_NOT_FOUND");
    }
    if !tx.is_empty() && !seen.insert((product.to_owned(), tx)) {
        return Some("PROCESSING_ERROR_REASON_DUPLICATE_TRANSACTION_ID");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps() {
        assert_eq!(rfc3339_secs("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(rfc3339_secs("2023-11-14T22:13:20Z"), Some(1_700_000_000));
        // The offset is read but not applied: the mock only needs the age in days.
        assert!(rfc3339_secs("2023-11-14T22:13:20.5+01:00").is_some());
        assert_eq!(rfc3339_secs("2023-11-14 22:13:20+00:00"), None);
        assert_eq!(rfc3339_secs("yesterday"), None);
    }
}
