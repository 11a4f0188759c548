//! Meta Graph API as the Conversions API sees it: `POST /{version}/{pixel_id}/events`, the
//! credential check `GET /{version}/{pixel_id}` and the Dataset Quality API, with Meta's error
//! body (`error.code`, `error_subcode`, `error_user_msg`, `fbtrace_id`).
//!
//! Meta signals errors with HTTP 400 and a code; the token travels as `access_token` in the query
//! or in the body. Tokens beginning with `invalid` fail with 190, every other token is accepted.

use serde_json::{Map, Value, json};

use crate::http::{Incoming, Reply, fresh_id, now_secs};
use crate::meta_events::validate_batch;
use crate::meta_quality;
use crate::state::{Fault, Platform, State};

/// A Meta error, turned into the `{"error":{...}}` body in one place.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct MetaError {
    pub status: u16,
    pub code: i64,
    pub subcode: Option<i64>,
    pub kind: &'static str,
    pub message: String,
    pub title: Option<String>,
    pub user_msg: Option<String>,
    pub transient: bool,
}

impl MetaError {
    pub fn new(code: i64, message: impl Into<String>) -> MetaError {
        MetaError {
            status: 400,
            code,
            subcode: None,
            kind: "OAuthException",
            message: message.into(),
            title: None,
            user_msg: None,
            transient: false,
        }
    }

    /// Code 100 with the user-facing title and message Meta puts next to it.
    pub fn invalid(title: &str, user_msg: impl Into<String>) -> MetaError {
        MetaError {
            title: Some(title.to_owned()),
            user_msg: Some(user_msg.into()),
            ..MetaError::new(100, "Invalid parameter")
        }
    }

    pub fn subcode(mut self, subcode: i64) -> MetaError {
        self.subcode = Some(subcode);
        self
    }

    pub fn into_reply(self) -> Reply {
        let mut error = Map::new();
        error.insert("message".into(), json!(self.message));
        error.insert("type".into(), json!(self.kind));
        error.insert("code".into(), json!(self.code));
        if let Some(subcode) = self.subcode {
            error.insert("error_subcode".into(), json!(subcode));
        }
        error.insert("is_transient".into(), json!(self.transient));
        if let Some(title) = self.title {
            error.insert("error_user_title".into(), json!(title));
        }
        if let Some(msg) = self.user_msg {
            error.insert("error_user_msg".into(), json!(msg));
        }
        error.insert("fbtrace_id".into(), json!(fresh_id(27)));
        let reply = Reply::new(self.status, json!({ "error": error }));
        if self.code == 190 {
            // Graph adds this on token errors; some clients key their re-auth on it.
            reply.with_header(
                "www-authenticate",
                "OAuth \"Facebook Platform\" \"invalid_token\" \"Invalid OAuth access token\"",
            )
        } else {
            reply
        }
    }
}

/// Route a request under `/{version}/...` that is not Google's.
pub(crate) fn handle(state: &State, req: &Incoming) -> Reply {
    let segments = req.segments();
    match (req.method.as_str(), segments.as_slice()) {
        ("POST", [_version, pixel, "events"]) => post_events(state, req, pixel),
        ("GET", [_version, "dataset_quality"]) => meta_quality::handle(state, req),
        ("GET", [_version, pixel]) => get_pixel(req, pixel),
        (method, _) => MetaError::invalid(
            "Unsupported request",
            format!(
                "Unsupported {} request to {}",
                method.to_lowercase(),
                req.path
            ),
        )
        .into_reply(),
    }
}

pub(crate) fn check_token(token: Option<&str>) -> Result<(), MetaError> {
    match token {
        None | Some("") => Err(MetaError::new(
            104,
            "An access token is required to request this resource.",
        )),
        Some(t) if t.starts_with("invalid") => Err(MetaError {
            subcode: Some(463),
            ..MetaError::new(
                190,
                "Error validating access token: Session has expired or the token is invalid.",
            )
        }),
        Some(_) => Ok(()),
    }
}

pub(crate) fn check_object(id: &str) -> Result<(), MetaError> {
    if !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(());
    }
    Err(MetaError {
        kind: "GraphMethodException",
        ..MetaError::new(
            100,
            format!(
                "Unsupported request. Object with ID '{id}' does not exist, cannot be loaded due to \
                 missing permissions, or does not support this operation"
            ),
        )
        .subcode(33)
    })
}

fn get_pixel(req: &Incoming, pixel: &str) -> Reply {
    if let Err(e) = check_token(req.query.get("access_token").map(String::as_str)) {
        return e.into_reply();
    }
    if let Err(e) = check_object(pixel) {
        return e.into_reply();
    }
    let fields = req.query.get("fields").map_or("id,name", String::as_str);
    let mut body = Map::new();
    body.insert("id".into(), json!(pixel));
    if fields.split(',').any(|f| f.trim() == "name") {
        body.insert("name".into(), json!(format!("Mock pixel {pixel}")));
    }
    Reply::ok(Value::Object(body))
}

/// The request body as Meta reads it: JSON, or a form whose `data` is a JSON string.
fn read_body(req: &Incoming) -> Result<Map<String, Value>, MetaError> {
    if req.is_form() {
        let form = req.form();
        let mut body = Map::new();
        for (k, v) in form {
            let value = if k == "data" {
                serde_json::from_str(&v).map_err(|_| {
                    MetaError::invalid("Invalid data", "The parameter data is not valid JSON")
                })?
            } else {
                Value::String(v)
            };
            body.insert(k, value);
        }
        return Ok(body);
    }
    if req.body.is_empty() {
        return Ok(Map::new());
    }
    match req.json() {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(MetaError::invalid(
            "Invalid body",
            "The request body must be a JSON object",
        )),
        Err(_) => Err(MetaError::invalid(
            "Invalid body",
            "The request body is not valid JSON",
        )),
    }
}

fn post_events(state: &State, req: &Incoming, pixel: &str) -> Reply {
    let body = read_body(req);
    let token = req
        .query
        .get("access_token")
        .map(String::as_str)
        .or_else(|| body.as_ref().ok()?.get("access_token")?.as_str());
    if let Err(e) = check_token(token).and_then(|()| check_object(pixel)) {
        return e.into_reply();
    }
    let body = match body {
        Ok(body) => body,
        Err(e) => return e.into_reply(),
    };
    let data = match validate_batch(body.get("data"), now_secs()) {
        Ok(data) => data,
        Err(e) => return e.into_reply(),
    };
    let test = body
        .get("test_event_code")
        .and_then(Value::as_str)
        .is_some_and(|c| !c.is_empty());
    // Test events reach Meta's Test Events tool like any other, but they are not conversions the
    // product delivered, so the tally for tests and KPIs leaves them out.
    if !test {
        let mut inner = state.lock();
        for event in data {
            let name = event["event_name"].as_str().unwrap_or_default();
            let id = event.get("event_id").and_then(id_text);
            inner
                .received
                .add(Platform::Meta, pixel, name, id.as_deref());
            if let Some(user_data) = event.get("user_data").and_then(Value::as_object) {
                let stats = inner
                    .match_stats
                    .entry((pixel.to_owned(), name.to_owned()))
                    .or_default();
                meta_quality::observe(stats, user_data);
            }
        }
    }
    Reply::ok(json!({
        "events_received": data.len(),
        "messages": [],
        "fbtrace_id": fresh_id(27),
    }))
}

/// Meta takes an `event_id` as a string, but numbers are common and are kept for the tally.
fn id_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The answer for an armed fault: the given code, or one that fits the given status.
pub(crate) fn fault_reply(fault: &Fault) -> Reply {
    let code = fault.code.unwrap_or(match fault.status {
        Some(401) => 190,
        Some(403) => 200,
        Some(429) => 4,
        Some(s) if s >= 500 => 2,
        _ => 1,
    });
    let (message, transient) = match code {
        1 => ("An unknown error occurred", true),
        2 => (
            "An unexpected error has occurred. Please retry your request later.",
            true,
        ),
        4 => ("(#4) Application request limit reached", true),
        10 => (
            "(#10) Application does not have permission for this action",
            false,
        ),
        17 => ("(#17) User request limit reached", true),
        32 => ("(#32) Page request limit reached", true),
        100 => ("Invalid parameter", false),
        102 => ("Session key invalid or no longer valid", false),
        190 => (
            "Error validating access token: The session has been invalidated.",
            false,
        ),
        200..=299 => ("(#200) Permissions error", false),
        341 => ("(#341) Application limit reached", true),
        368 => (
            "(#368) The action attempted has been deemed abusive or is otherwise disallowed",
            true,
        ),
        613 => (
            "(#613) Calls to this api have exceeded the rate limit.",
            true,
        ),
        80003 | 80004 => ("There have been too many calls to this ad-account.", true),
        _ => ("Mock fault", false),
    };
    let status = fault.status.unwrap_or(match code {
        1 => 500,
        2 => 503,
        _ => 400,
    });
    let error = MetaError {
        status,
        subcode: fault.subcode,
        transient,
        ..MetaError::new(code, message)
    };
    error.into_reply()
}
