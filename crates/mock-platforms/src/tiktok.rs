//! TikTok Events API 2.0: `POST /open_api/v1.3/event/track/`, header `Access-Token`.
//!
//! TikTok answers HTTP 200 even on errors and puts the verdict in `code` (0 OK, 40001 no
//! permission, 40002 invalid parameter, 40100 rate limited), which is exactly what a client that
//! only looks at the status gets wrong. Tokens beginning with `invalid` get 40001.

use serde_json::{Map, Value, json};

use crate::http::{Incoming, Reply, fresh_id};
use crate::state::{Fault, Platform, State};

pub(crate) const MAX_EVENTS: usize = 1000;
const EVENT_SOURCES: &[&str] = &["web", "app", "offline", "crm"];

/// The `{"code","message","request_id","data"}` envelope.
pub(crate) fn envelope(status: u16, code: i64, message: impl Into<String>) -> Reply {
    let message = message.into();
    Reply::new(
        status,
        json!({ "code": code, "message": message, "request_id": fresh_id(32), "data": {} }),
    )
}

fn invalid(message: impl Into<String>) -> Reply {
    envelope(200, 40002, message)
}

pub(crate) fn handle(state: &State, req: &Incoming) -> Reply {
    let segments = req.segments();
    let is_track = matches!(segments.as_slice(), ["open_api", _, "event", "track"]);
    if !is_track || req.method != hyper::Method::POST {
        return envelope(
            404,
            40002,
            format!("Unknown endpoint {} {}", req.method, req.path),
        );
    }
    let body = req.json();
    let pixel = body
        .as_ref()
        .ok()
        .and_then(|b| b.get("event_source_id"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    match req.header("access-token") {
        None | Some("") => return envelope(200, 40104, "Access token is empty"),
        Some(t) if t.starts_with("invalid") => {
            return envelope(
                200,
                40001,
                format!(
                    "No permission to operate pixel code: {pixel}. Make sure you have been granted \
                     access to the pixel and that the access token is valid"
                ),
            );
        }
        Some(_) => {}
    }
    let body = match body {
        Ok(Value::Object(body)) => body,
        Ok(_) => return invalid("The request body must be a JSON object."),
        Err(e) => return invalid(format!("Invalid JSON payload: {e}")),
    };
    let events = match validate(&body) {
        Ok(events) => events,
        Err(message) => return invalid(message),
    };
    let test = body
        .get("test_event_code")
        .and_then(Value::as_str)
        .is_some_and(|c| !c.is_empty());
    if !test {
        let mut inner = state.lock();
        for event in events {
            let name = event["event"].as_str().unwrap_or_default();
            let id = event.get("event_id").and_then(Value::as_str);
            inner.received.add(Platform::Tiktok, &pixel, name, id);
        }
    }
    envelope(200, 0, "OK")
}

/// The body's rules; the error text names the field and, for rows, the row.
fn validate(body: &Map<String, Value>) -> Result<&Vec<Value>, String> {
    match body.get("event_source").and_then(Value::as_str) {
        Some(s) if EVENT_SOURCES.contains(&s) => {}
        Some(s) => {
            return Err(format!(
                "event_source: Must be one of: {}. Got '{s}'.",
                EVENT_SOURCES.join(", ")
            ));
        }
        None => return Err("event_source: Missing data for required field.".into()),
    }
    if body
        .get("event_source_id")
        .and_then(Value::as_str)
        .is_none_or(|s| s.is_empty())
    {
        return Err("event_source_id: Missing data for required field.".into());
    }
    if body.get("test_event_code").is_some_and(|c| !c.is_string()) {
        return Err("test_event_code: Not a valid string.".into());
    }
    let events = match body.get("data") {
        Some(Value::Array(events)) => events,
        Some(_) => return Err("data: Not a valid list.".into()),
        None => return Err("data: Missing data for required field.".into()),
    };
    if events.is_empty() || events.len() > MAX_EVENTS {
        return Err(format!(
            "data: Length must be between 1 and {MAX_EVENTS}, got {}.",
            events.len()
        ));
    }
    for (i, event) in events.iter().enumerate() {
        let Some(event) = event.as_object() else {
            return Err(format!("data[{i}]: Not a valid object."));
        };
        if event
            .get("event")
            .and_then(Value::as_str)
            .is_none_or(|s| s.is_empty())
        {
            return Err(format!("data[{i}].event: Missing data for required field."));
        }
        match event.get("event_time") {
            None | Some(Value::Null) => {
                return Err(format!(
                    "data[{i}].event_time: Missing data for required field."
                ));
            }
            Some(t) if t.as_i64().is_none() => {
                return Err(format!("data[{i}].event_time: Not a valid integer."));
            }
            Some(_) => {}
        }
        if event.get("event_id").is_some_and(|id| !id.is_string()) {
            return Err(format!("data[{i}].event_id: Not a valid string."));
        }
    }
    Ok(events)
}

/// The answer for an armed fault: TikTok's code in an HTTP 200 unless a status is given.
pub(crate) fn fault_reply(fault: &Fault) -> Reply {
    let code = fault.code.unwrap_or(match fault.status {
        Some(429) => 40100,
        Some(401) => 40105,
        Some(403) => 40001,
        Some(s) if s >= 500 => 50000,
        _ => 40002,
    });
    let message = match code {
        40001 => "No permission to operate pixel code. Make sure the access token is valid",
        40002 => "Invalid parameter",
        40100 => "Too many requests. Please retry in some time.",
        40104 => "Access token is empty",
        40105 => "Access token is incorrect or has been revoked.",
        50000..=59999 => "Internal error. Please retry later.",
        _ => "Mock fault",
    };
    envelope(fault.status.unwrap_or(200), code, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(data: Value) -> Map<String, Value> {
        json!({"event_source": "web", "event_source_id": "CPIXEL", "data": data})
            .as_object()
            .cloned()
            .unwrap_or_default()
    }

    #[test]
    fn rows_are_named() {
        let ok = json!({"event": "Purchase", "event_time": 1, "event_id": "a"});
        for (row, want) in [
            (
                json!({"event": "Lead", "event_time": 1, "event_id": 7}),
                "data[1].event_id",
            ),
            (json!({"event_time": 1}), "data[1].event:"),
            (json!({"event": "Lead"}), "data[1].event_time"),
            (
                json!({"event": "Lead", "event_time": "x"}),
                "data[1].event_time",
            ),
        ] {
            let b = body(json!([ok.clone(), row]));
            let err = validate(&b).expect_err(want);
            assert!(err.starts_with(want), "{err}");
        }
        assert!(validate(&body(json!([ok]))).is_ok());
    }

    #[test]
    fn batch_limits_and_envelope() {
        let row = json!({"event": "Lead", "event_time": 1});
        assert!(validate(&body(Value::Array(vec![row.clone(); MAX_EVENTS]))).is_ok());
        assert!(validate(&body(Value::Array(vec![row; MAX_EVENTS + 1]))).is_err());
        assert!(validate(&body(json!([]))).is_err());
        let mut b = body(json!([]));
        b.remove("event_source");
        assert!(validate(&b).is_err());
    }
}
