//! The per-row rules of `uploadClickConversions`: each row passes or fails on its own
//! (partial failure), and a duplicate of an accepted conversion fails the way Google reports it
//! (`ORDER_ID_ALREADY_IN_USE`, `CLICK_CONVERSION_ALREADY_EXISTS`), which the product must treat as
//! "already delivered", not as an error to retry.

use std::collections::HashSet;

use serde_json::{Map, Value, json};

use crate::state::Inner;

/// One row's failure: `errorCode.{kind}: {code}` at `conversions[i].{field}`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RowError {
    pub kind: &'static str,
    pub code: &'static str,
    pub message: &'static str,
    /// The field, in the snake_case Google uses in `fieldPathElements`.
    pub field: &'static str,
    pub trigger: Option<String>,
}

/// What an accepted row leaves behind.
pub(crate) struct Accepted {
    pub result: Value,
    pub action: String,
    pub event_id: Option<String>,
    pub order_key: Option<(String, String)>,
    pub click_key: Option<(String, String, String)>,
}

fn err(
    kind: &'static str,
    code: &'static str,
    message: &'static str,
    field: &'static str,
) -> RowError {
    RowError {
        kind,
        code,
        message,
        field,
        trigger: None,
    }
}

fn upload_err(code: &'static str, message: &'static str, field: &'static str) -> RowError {
    err("conversionUploadError", code, message, field)
}

fn text<'a>(row: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    row.get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

/// Check one row against the path's customer, the accepted conversions and this request's
/// earlier rows (whose duplicate keys it adds to the two sets when it passes).
pub(crate) fn check_row(
    row: &Value,
    cid: &str,
    inner: &Inner,
    request_orders: &mut HashSet<(String, String)>,
    request_clicks: &mut HashSet<(String, String, String)>,
) -> Result<Accepted, RowError> {
    let empty = Map::new();
    let row = row.as_object().unwrap_or(&empty);
    let Some(action) = text(row, "conversionAction") else {
        return Err(err(
            "fieldError",
            "REQUIRED",
            "The required field was not present.",
            "conversion_action",
        ));
    };
    if !action_is_valid(action, cid) {
        return Err(RowError {
            trigger: Some(action.to_owned()),
            ..upload_err(
                "NO_CONVERSION_ACTION_FOUND",
                "The conversion action specified in the upload request cannot be found. Make sure \
                 it's available in this account.",
                "conversion_action",
            )
        });
    }
    let Some(time) = text(row, "conversionDateTime") else {
        return Err(err(
            "fieldError",
            "REQUIRED",
            "The required field was not present.",
            "conversion_date_time",
        ));
    };
    if !date_time_is_valid(time) {
        return Err(RowError {
            trigger: Some(time.to_owned()),
            ..err(
                "dateError",
                "INVALID_STRING_DATE_TIME_SECONDS_WITH_OFFSET",
                "The string date time's format should be yyyy-mm-dd hh:mm:ss+|-hh:mm.",
                "conversion_date_time",
            )
        });
    }
    let clicks: Vec<(&'static str, &str)> = ["gclid", "gbraid", "wbraid"]
        .into_iter()
        .filter_map(|k| text(row, k).map(|v| (k, v)))
        .collect();
    if clicks.len() > 1 {
        return Err(upload_err(
            "GBRAID_WBRAID_BOTH_SET",
            "Can't use more than one of gclid, gbraid and wbraid. Use only 1 and try again.",
            clicks[1].0,
        ));
    }
    if let Some(&(field, value)) = clicks.first()
        && !click_id_is_valid(value)
    {
        let (code, message) = match field {
            "gclid" => (
                "UNPARSEABLE_GCLID",
                "The imported gclid could not be decoded.",
            ),
            "gbraid" => (
                "UNPARSEABLE_GBRAID",
                "Can't parse event import data. Check if your gbraid parameter was not modified and try again.",
            ),
            _ => (
                "UNPARSEABLE_WBRAID",
                "Can't parse event import data. Check if your wbraid parameter was not modified and try again.",
            ),
        };
        return Err(RowError {
            trigger: Some(value.to_owned()),
            ..upload_err(code, message, field)
        });
    }
    let identifiers = match row.get("userIdentifiers") {
        None | Some(Value::Null) => &[][..],
        Some(Value::Array(ids)) => ids.as_slice(),
        Some(_) => {
            return Err(err(
                "fieldError",
                "INVALID_VALUE",
                "The field's value is invalid.",
                "user_identifiers",
            ));
        }
    };
    if identifiers.len() > 5 {
        return Err(err(
            "collectionSizeError",
            "TOO_MANY",
            "Too many elements.",
            "user_identifiers",
        ));
    }
    if identifiers.iter().any(|id| !identifier_is_valid(id)) {
        return Err(upload_err(
            "INVALID_USER_IDENTIFIER",
            "Make sure you hash user provided data using SHA-256 and ensure you are normalizing \
             according to the guidelines.",
            "user_identifiers",
        ));
    }
    if clicks.is_empty() && identifiers.is_empty() {
        // Unverified which code Google uses here; the row can never match, so it must fail.
        return Err(err(
            "fieldError",
            "REQUIRED",
            "One of gclid, gbraid, wbraid or userIdentifiers is required.",
            "gclid",
        ));
    }
    let order = text(row, "orderId");
    let order_key = order.map(|o| (action.to_owned(), o.to_owned()));
    if let Some(key) = &order_key {
        if inner.google_orders.contains(key) {
            return Err(upload_err(
                "ORDER_ID_ALREADY_IN_USE",
                "The order ID has already been used for another conversion of this conversion action.",
                "order_id",
            ));
        }
        if request_orders.contains(key) {
            return Err(upload_err(
                "DUPLICATE_ORDER_ID",
                "The request contains more than one conversion with the same order ID.",
                "order_id",
            ));
        }
    }
    let click_key = clicks
        .first()
        .map(|(_, v)| ((*v).to_owned(), action.to_owned(), time.to_owned()));
    if let Some(key) = &click_key {
        if inner.google_clicks.contains(key) {
            return Err(upload_err(
                "CLICK_CONVERSION_ALREADY_EXISTS",
                "A conversion with the same click id, conversion action and conversion date time has \
                 already been uploaded.",
                clicks[0].0,
            ));
        }
        if request_clicks.contains(key) {
            return Err(upload_err(
                "DUPLICATE_CLICK_CONVERSION_IN_REQUEST",
                "The request contains more than one conversion with the same click id, conversion \
                 action and conversion date time.",
                clicks[0].0,
            ));
        }
    }
    if let Some(key) = &order_key {
        request_orders.insert(key.clone());
    }
    if let Some(key) = &click_key {
        request_clicks.insert(key.clone());
    }

    let mut result = json!({ "conversionAction": action, "conversionDateTime": time });
    if let Some(&(field, value)) = clicks.first() {
        result[field] = json!(value);
    }
    if !identifiers.is_empty() {
        result["userIdentifiers"] = Value::Array(identifiers.to_vec());
    }
    Ok(Accepted {
        result,
        action: action.to_owned(),
        event_id: order.or(clicks.first().map(|(_, v)| *v)).map(str::to_owned),
        order_key,
        click_key,
    })
}

/// `customers/{cid}/conversionActions/{digits}`, for the customer in the path.
fn action_is_valid(action: &str, cid: &str) -> bool {
    let mut parts = action.split('/');
    matches!(
        (parts.next(), parts.next(), parts.next(), parts.next(), parts.next()),
        (Some("customers"), Some(c), Some("conversionActions"), Some(id), None)
            if c == cid && !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit())
    )
}

/// `yyyy-mm-dd hh:mm:ss+hh:mm` (or `-hh:mm`); the timezone is what clients forget.
fn date_time_is_valid(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 25 {
        return false;
    }
    let shape = b"dddd-dd-dd dd:dd:dd?dd:dd";
    let fits = shape.iter().zip(b).all(|(want, got)| match want {
        b'd' => got.is_ascii_digit(),
        b'?' => matches!(got, b'+' | b'-'),
        other => other == got,
    });
    let num =
        |r: std::ops::Range<usize>| s.get(r).and_then(|t| t.parse::<u32>().ok()).unwrap_or(99);
    fits && (1..=12).contains(&num(5..7))
        && (1..=31).contains(&num(8..10))
        && num(11..13) < 24
        && num(14..16) < 60
        && num(17..19) < 60
        && num(20..22) <= 14
        && num(23..25) < 60
}

/// Click ids are URL-safe base64 of a protobuf: long, no spaces, no punctuation but `-` and `_`.
/// The mock cannot decode them, so "looks like one" is 16 to 512 such characters.
pub(crate) fn click_id_is_valid(id: &str) -> bool {
    (16..=512).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_'))
}

/// `{"hashedEmail": hex64}` or `{"hashedPhoneNumber": hex64}`; other identifier kinds pass.
fn identifier_is_valid(id: &Value) -> bool {
    let Some(id) = id.as_object() else {
        return false;
    };
    ["hashedEmail", "hashedPhoneNumber"]
        .into_iter()
        .filter_map(|k| id.get(k))
        .all(|v| {
            v.as_str().is_some_and(|h| {
                h.len() == 64
                    && h.bytes()
                        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
            })
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_times() {
        for (s, ok) in [
            ("2026-11-27 10:00:00+01:00", true),
            ("2026-11-27 10:00:00-05:30", true),
            ("2026-11-27 10:00:00", false),
            ("2026-11-27T10:00:00+01:00", false),
            ("2026-13-27 10:00:00+01:00", false),
            ("2026-11-27 10:00:00Z", false),
        ] {
            assert_eq!(date_time_is_valid(s), ok, "{s}");
        }
    }

    #[test]
    fn actions_and_click_ids() {
        assert!(action_is_valid(
            "customers/123/conversionActions/456",
            "123"
        ));
        assert!(!action_is_valid(
            "customers/999/conversionActions/456",
            "123"
        ));
        assert!(!action_is_valid(
            "customers/123/conversionActions/abc",
            "123"
        ));
        assert!(!action_is_valid("conversionActions/456", "123"));
        assert!(click_id_is_valid("Cj0KCQiA_test-gclid_0123456789"));
        assert!(!click_id_is_valid("not a gclid"));
        assert!(!click_id_is_valid("short"));
    }

    #[test]
    fn identifiers() {
        let h = "a".repeat(64);
        assert!(identifier_is_valid(&json!({"hashedEmail": h})));
        assert!(!identifier_is_valid(
            &json!({"hashedEmail": "user@example.com"})
        ));
        assert!(!identifier_is_valid(
            &json!({"hashedPhoneNumber": "A".repeat(64)})
        ));
        assert!(identifier_is_valid(&json!({"addressInfo": {}})));
    }
}
