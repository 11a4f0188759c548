//! A webhook receiver standing in for TrainerERP's alert endpoint: `POST /webhooks/alerts`
//! records each request (headers and raw body, so a test can check the signature over the
//! exact bytes) and answers 200, or 500 while failures are armed
//! (`POST /_mock/webhooks/fail` with `{"count": N}`, or [`crate::MockServer::fail_webhooks`]).
//! `GET /_mock/webhooks` lists what arrived, `DELETE /_mock/webhooks` forgets it.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Value, json};

use crate::http::{Incoming, Reply};
use crate::state::State;

/// Where the app's `alerts_webhook_url` points in tests.
pub const PATH: &str = "/webhooks/alerts";

/// One webhook request as it arrived, with the status the mock answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReceivedWebhook {
    pub headers: BTreeMap<String, String>,
    /// The body, byte for byte (as UTF-8; the app sends JSON).
    pub body: String,
    pub status: u16,
}

impl ReceivedWebhook {
    /// The body as JSON (`Null` when it is not JSON).
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }
}

pub(crate) fn handle(state: &State, req: &Incoming) -> Reply {
    if req.method != hyper::Method::POST {
        return Reply::new(405, json!({"error": "POST only"}));
    }
    let mut inner = state.lock();
    let status = if inner.webhook_failures > 0 {
        inner.webhook_failures -= 1;
        500
    } else {
        200
    };
    let headers = req
        .headers
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_owned(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    inner.webhooks.push(ReceivedWebhook {
        headers,
        body: String::from_utf8_lossy(&req.body).into_owned(),
        status,
    });
    if status == 500 {
        Reply::new(500, json!({"error": "armed webhook failure"}))
    } else {
        Reply::ok(json!({"received": true}))
    }
}

/// `/_mock/webhooks[/fail]`.
pub(crate) fn control(state: &State, req: &Incoming, rest: &str) -> Reply {
    match (req.method.as_str(), rest) {
        ("GET", "") => Reply::ok(json!(state.lock().webhooks)),
        ("DELETE", "") => {
            state.lock().webhooks.clear();
            Reply::new(204, Value::Null)
        }
        ("POST", "fail") => {
            let count = serde_json::from_slice::<Value>(&req.body)
                .ok()
                .and_then(|v| v["count"].as_u64());
            match count.and_then(|c| u32::try_from(c).ok()) {
                Some(c) => {
                    state.lock().webhook_failures = c;
                    Reply::ok(json!({"count": c}))
                }
                None => Reply::new(400, json!({"error": "body must be {\"count\": N}"})),
            }
        }
        _ => Reply::new(
            404,
            json!({"error": format!("unknown mock control route {} {}", req.method, req.path)}),
        ),
    }
}
