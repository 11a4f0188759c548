//! Google's Data Manager API: `POST /v1/events:ingest` and `GET /v1/requestStatus:retrieve`,
//! behind `Authorization: Bearer` (tokens beginning with `invalid`, or revoked with
//! `POST /_mock/google/revoke`, get 401 `UNAUTHENTICATED`; beginning with `forbidden` 403
//! `PERMISSION_DENIED`).
//!
//! Errors are `google.rpc.Status` bodies: `{"error":{code,message,status,details[]}}` with an
//! `ErrorInfo` (reason, domain, metadata) and, for a bad body, `BadRequest.fieldViolations` with
//! snake_case paths; one bad event fails the whole request ([`crate::datamanager_events`]).
//! An accepted request answers `{"requestId"}`; its status stays `PROCESSING` until a test
//! advances it (`POST /_mock/datamanager/advance`), then gives per-destination counts per
//! reason. With a per-minute quota set (`PUT /_mock/datamanager/quota`), ingest requests past it
//! get 429 `RESOURCE_EXHAUSTED` naming the `quota_limit`; every ingest request but the
//! `validateOnly` ones is counted per minute for `GET /_mock/datamanager/minutes`, whatever
//! its answer.

use std::collections::{BTreeMap, HashSet};

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::datamanager_events::{self as events, Violation};
use crate::google::status_name;
use crate::http::{Incoming, Reply, fresh_id, now_secs};
use crate::state::{Fault, Platform, State};

pub(crate) const INGEST_PATH: &str = "/v1/events:ingest";
pub(crate) const STATUS_PATH: &str = "/v1/requestStatus:retrieve";
const DOMAIN: &str = "datamanager.googleapis.com";
const MINUTE_QUOTA: &str = "IngestEventsRequestsPerMinutePerProject";
const DAY_QUOTA: &str = "IngestEventsRequestsPerDayPerProject";

/// One destination's share of an accepted request.
#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DestinationCounts {
    pub reference: String,
    pub records: u64,
    pub failures: BTreeMap<String, u64>,
}

#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct StoredRequest {
    pub done: bool,
    pub destinations: Vec<DestinationCounts>,
}

/// What the Data Manager stand-in remembers.
#[derive(Default)]
pub(crate) struct DmState {
    pub requests: BTreeMap<String, StoredRequest>,
    /// `(productDestinationId, transactionId)` already ingested.
    pub transactions: HashSet<(String, String)>,
    /// Unix minute → ingest requests received.
    pub minutes: BTreeMap<i64, u64>,
    pub quota_per_minute: Option<u64>,
}

/// `PUT /_mock/datamanager/quota` body.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct QuotaSetting {
    pub per_minute: Option<u64>,
}

fn error(status: u16, message: &str, reason: &str, metadata: Value, extra: Option<Value>) -> Reply {
    let mut details = vec![json!({
        "@type": "type.googleapis.com/google.rpc.ErrorInfo",
        "reason": reason,
        "domain": DOMAIN,
        "metadata": metadata,
    })];
    details.extend(extra);
    Reply::new(
        status,
        json!({ "error": {
            "code": status,
            "message": message,
            "status": status_name(status),
            "details": details,
        }}),
    )
}

fn bad_request(violations: Vec<Violation>) -> Reply {
    let message = match violations.first() {
        Some(v) if violations.len() == 1 => {
            format!("Invalid argument at {}: {}", v.field, v.description)
        }
        _ => format!("{} invalid arguments", violations.len()),
    };
    let list: Vec<Value> = violations
        .iter()
        .map(|v| json!({ "field": v.field, "reason": v.reason, "description": v.description }))
        .collect();
    let extra = json!({
        "@type": "type.googleapis.com/google.rpc.BadRequest",
        "fieldViolations": list,
    });
    error(400, &message, "INVALID_ARGUMENT", json!({}), Some(extra))
}

fn quota_reply(limit: &str) -> Reply {
    error(
        429,
        "Quota exceeded for quota metric 'Ingest events requests' and limit",
        "RATE_LIMIT_EXCEEDED",
        json!({ "quota_limit": limit, "service": DOMAIN }),
        None,
    )
    .with_header("retry-after", "60")
}

fn check_auth(state: &State, req: &Incoming) -> Result<(), Reply> {
    let token = req
        .header("authorization")
        .and_then(|h| h.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty());
    match token {
        None => Err(error(
            401,
            "Request is missing required authentication credential.",
            "CREDENTIALS_MISSING",
            json!({}),
            None,
        )),
        Some(t) if t.starts_with("invalid") || crate::oauth::is_revoked(state, t) => Err(error(
            401,
            "Request had invalid authentication credentials. Expected OAuth 2 access token.",
            "ACCESS_TOKEN_EXPIRED",
            json!({}),
            None,
        )),
        Some(t) if t.starts_with("forbidden") => Err(error(
            403,
            "The caller does not have permission on the operating account.",
            "PERMISSION_DENIED",
            json!({}),
            None,
        )),
        Some(_) => Ok(()),
    }
}

pub(crate) fn handle(state: &State, req: &Incoming, over_quota: bool) -> Reply {
    match (req.method.as_str(), req.path.as_str()) {
        ("POST", INGEST_PATH) => ingest(state, req, over_quota),
        ("GET", STATUS_PATH) => status(state, req),
        _ => error(404, "Method not found.", "NOT_FOUND", json!({}), None),
    }
}

/// Count an ingest request in its minute (the server calls it before any fault applies, so
/// the count is what reached Google), unless it only validates (test events and credential
/// checks, which the app sends outside its shared budget). Returns whether it is past the
/// quota set.
pub(crate) fn count_ingest(state: &State, req: &Incoming) -> bool {
    let validate_only = req
        .json()
        .is_ok_and(|b| b["validateOnly"].as_bool() == Some(true));
    if validate_only {
        return false;
    }
    let minute = now_secs().div_euclid(60);
    let mut inner = state.lock();
    let dm = &mut inner.datamanager;
    let n = dm.minutes.entry(minute).or_default();
    *n += 1;
    dm.quota_per_minute.is_some_and(|q| *n > q)
}

fn ingest(state: &State, req: &Incoming, over_quota: bool) -> Reply {
    if over_quota {
        return quota_reply(MINUTE_QUOTA);
    }
    if let Err(reply) = check_auth(state, req) {
        return reply;
    }
    let Ok(body) = req.json() else {
        return bad_request(vec![Violation {
            field: String::new(),
            reason: "INVALID_ARGUMENT",
            description: "Invalid JSON payload received.".to_owned(),
        }]);
    };
    let refs = match events::validate(&body) {
        Ok(refs) => refs,
        Err(violations) => return bad_request(violations),
    };
    let request_id = fresh_id(24);
    if body["validateOnly"].as_bool() == Some(true) {
        return Reply::ok(json!({ "requestId": request_id }));
    }
    let dests = body["destinations"].as_array().cloned().unwrap_or_default();
    let mut counts: Vec<DestinationCounts> = refs
        .iter()
        .map(|r| DestinationCounts {
            reference: r.clone(),
            ..Default::default()
        })
        .collect();
    let now = now_secs();
    let mut inner = state.lock();
    for e in body["events"].as_array().into_iter().flatten() {
        let reference = e["destinationReferences"][0].as_str().unwrap_or("");
        let at = refs.iter().position(|r| r == reference).unwrap_or(0);
        let product = dests[at]["productDestinationId"]
            .as_str()
            .unwrap_or("")
            .to_owned();
        let account = dests[at]["operatingAccount"]["accountId"]
            .as_str()
            .unwrap_or("")
            .to_owned();
        counts[at].records += 1;
        match events::async_failure(e, &product, now, &mut inner.datamanager.transactions) {
            Some(reason) => *counts[at].failures.entry(reason.to_owned()).or_default() += 1,
            None => {
                let tx = e["transactionId"].as_str();
                inner.received.add(Platform::Google, &account, &product, tx);
            }
        }
    }
    inner.datamanager.requests.insert(
        request_id.clone(),
        StoredRequest {
            done: false,
            destinations: counts,
        },
    );
    Reply::ok(json!({ "requestId": request_id }))
}

fn status(state: &State, req: &Incoming) -> Reply {
    if let Err(reply) = check_auth(state, req) {
        return reply;
    }
    let Some(id) = req.query.get("requestId").filter(|s| !s.is_empty()) else {
        return bad_request(vec![Violation {
            field: "request_id".into(),
            reason: "REQUIRED_FIELD_MISSING",
            description: "requestId is required".into(),
        }]);
    };
    let inner = state.lock();
    let Some(stored) = inner.datamanager.requests.get(id) else {
        return error(404, "Request not found.", "NOT_FOUND", json!({}), None);
    };
    let list: Vec<Value> = stored
        .destinations
        .iter()
        .map(|d| {
            if !stored.done {
                return json!({ "destination": { "reference": d.reference }, "requestStatus": "PROCESSING" });
            }
            let failed: u64 = d.failures.values().sum();
            let status = match failed {
                0 => "SUCCESS",
                f if f == d.records => "FAILED",
                _ => "PARTIAL_SUCCESS",
            };
            let mut out = json!({
                "destination": { "reference": d.reference },
                "requestStatus": status,
                // int64 in Google's JSON mapping is a string.
                "eventsIngestionStatus": { "recordCount": d.records.to_string() },
            });
            if failed > 0 {
                let counts: Vec<Value> = d
                    .failures
                    .iter()
                    .map(|(r, n)| json!({ "recordCount": n.to_string(), "reason": r }))
                    .collect();
                out["errorInfo"] = json!({ "errorCounts": counts });
            }
            out
        })
        .collect();
    Reply::ok(json!({ "requestStatusPerDestination": list }))
}

/// A fault in the Data Manager's words: 429 names the quota (`code` 1 = per day, else per
/// minute), 401/403 the credentials, 5xx the service.
pub(crate) fn fault_reply(fault: &Fault) -> Reply {
    let status = fault.status.unwrap_or(match fault.code {
        Some(c @ 400..=599) => c as u16,
        _ => 503,
    });
    match status {
        429 => quota_reply(if fault.code == Some(1) {
            DAY_QUOTA
        } else {
            MINUTE_QUOTA
        }),
        401 => error(
            401,
            "Request had invalid authentication credentials.",
            "ACCESS_TOKEN_EXPIRED",
            json!({}),
            None,
        ),
        403 => error(
            403,
            "The caller does not have permission.",
            "PERMISSION_DENIED",
            json!({}),
            None,
        ),
        s if s >= 500 => error(
            s,
            "The service is currently unavailable.",
            status_name(s),
            json!({}),
            None,
        ),
        s => error(s, "Mock fault.", status_name(s), json!({}), None),
    }
}

/// End the processing of every request, or of `only`: how many changed.
pub(crate) fn advance(state: &State, only: Option<&str>) -> u64 {
    let mut inner = state.lock();
    let mut n = 0;
    for (id, r) in inner.datamanager.requests.iter_mut() {
        if only.is_none_or(|o| o == id) && !r.done {
            r.done = true;
            n += 1;
        }
    }
    n
}

/// `/_mock/datamanager/*`: advance request statuses, set the quota, read per-minute counts.
pub(crate) fn control(state: &State, req: &Incoming, resource: &str) -> Reply {
    match (req.method.as_str(), resource) {
        ("POST", "advance") => {
            // Every request, or only `{"requestId": "..."}`'s: processing is over.
            let only = req
                .json()
                .ok()
                .and_then(|b| b["requestId"].as_str().map(str::to_owned));
            Reply::ok(json!({ "advanced": advance(state, only.as_deref()) }))
        }
        ("PUT", "quota") => match serde_json::from_slice::<QuotaSetting>(&req.body) {
            Ok(q) => {
                state.lock().datamanager.quota_per_minute = q.per_minute;
                Reply::ok(json!({ "perMinute": q.per_minute }))
            }
            Err(e) => Reply::new(400, json!({ "error": format!("invalid quota: {e}") })),
        },
        ("GET", "minutes") => {
            let inner = state.lock();
            let m: BTreeMap<String, u64> = inner
                .datamanager
                .minutes
                .iter()
                .map(|(k, v)| (k.to_string(), *v))
                .collect();
            Reply::ok(json!(m))
        }
        ("GET", "requests") => Reply::ok(json!(state.lock().datamanager.requests)),
        _ => Reply::new(
            404,
            json!({"error": format!("unknown mock control route {} {}", req.method, req.path)}),
        ),
    }
}
