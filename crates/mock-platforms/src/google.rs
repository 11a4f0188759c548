//! Google Ads API: `POST /{version}/customers/{cid}:uploadClickConversions` and
//! `GET /{version}/customers:listAccessibleCustomers`, behind `Authorization: Bearer`.
//!
//! Whole-request problems answer a `google.rpc.Status` error (`{"error":{"code","status",...}}`);
//! row problems answer HTTP 200 with an empty `{}` at the row's index in `results` and the row's
//! error in `partialFailureError.details[].errors[]`, located by `fieldPathElements`, as the real
//! API does. Bearer tokens beginning with `invalid` get 401 `UNAUTHENTICATED`.

use std::collections::HashSet;

use serde_json::{Value, json};

use crate::google_rows::{RowError, check_row};
use crate::http::{Incoming, Reply, fresh_id, now_secs};
use crate::state::{Fault, Platform, State};

pub(crate) const MAX_ROWS: usize = 2000;
const DEFAULT_CUSTOMER: &str = "1234567890";

/// The HTTP status's canonical gRPC name, as Google puts it in `error.status`.
pub(crate) fn status_name(status: u16) -> &'static str {
    match status {
        400 => "INVALID_ARGUMENT",
        401 => "UNAUTHENTICATED",
        403 => "PERMISSION_DENIED",
        404 => "NOT_FOUND",
        409 => "ABORTED",
        429 => "RESOURCE_EXHAUSTED",
        501 => "UNIMPLEMENTED",
        503 => "UNAVAILABLE",
        504 => "DEADLINE_EXCEEDED",
        _ => "INTERNAL",
    }
}

/// `{"error":{code,message,status,details:[GoogleAdsFailure]}}`; `errors` may be empty.
pub(crate) fn api_error(status: u16, message: &str, version: &str, errors: Vec<Value>) -> Reply {
    let mut error = json!({
        "code": status,
        "message": message,
        "status": status_name(status),
    });
    if !errors.is_empty() {
        error["details"] = json!([failure(version, errors)]);
    }
    Reply::new(status, json!({ "error": error }))
}

/// One `GoogleAdsFailure` detail.
fn failure(version: &str, errors: Vec<Value>) -> Value {
    json!({
        "@type": format!("type.googleapis.com/google.ads.googleads.{version}.errors.GoogleAdsFailure"),
        "errors": errors,
        "requestId": fresh_id(22),
    })
}

fn one_error(key: &str, value: &str, message: &str) -> Value {
    json!({ "errorCode": { key: value }, "message": message })
}

/// A malformed body, in the `google.rpc.BadRequest` form Google's front end uses.
fn bad_json(message: &str) -> Reply {
    Reply::new(
        400,
        json!({ "error": {
            "code": 400,
            "message": message,
            "status": "INVALID_ARGUMENT",
            "details": [{
                "@type": "type.googleapis.com/google.rpc.BadRequest",
                "fieldViolations": [{ "description": message }],
            }],
        }}),
    )
}

fn version_of(req: &Incoming) -> String {
    req.segments()
        .first()
        .filter(|v| v.starts_with('v'))
        .map_or_else(|| "v26".to_owned(), |v| (*v).to_owned())
}

/// 401 unless the bearer token is present and does not begin with `invalid`.
fn check_auth(req: &Incoming, version: &str) -> Result<(), Reply> {
    let token = req
        .header("authorization")
        .and_then(|h| {
            h.strip_prefix("Bearer ")
                .or_else(|| h.strip_prefix("bearer "))
        })
        .map(str::trim)
        .filter(|t| !t.is_empty());
    match token {
        None => Err(api_error(
            401,
            "Request is missing required authentication credential. Expected OAuth 2 access token, \
             login cookie or other valid authentication credential.",
            version,
            Vec::new(),
        )),
        Some(t) if t.starts_with("invalid") => Err(api_error(
            401,
            "Request had invalid authentication credentials. Expected OAuth 2 access token, login \
             cookie or other valid authentication credential.",
            version,
            vec![one_error(
                "authenticationError",
                "OAUTH_TOKEN_INVALID",
                "Oauth token is invalid.",
            )],
        )),
        Some(_) => Ok(()),
    }
}

pub(crate) fn handle(state: &State, req: &Incoming) -> Reply {
    let version = version_of(req);
    let segments = req.segments();
    let route = match (req.method.as_str(), segments.as_slice()) {
        ("GET", [_, "customers:listAccessibleCustomers"]) => None,
        ("POST", [_, "customers", action]) => {
            match action.strip_suffix(":uploadClickConversions") {
                Some(cid) => Some(cid),
                None => return not_found(req, &version),
            }
        }
        _ => return not_found(req, &version),
    };
    if let Err(reply) = check_auth(req, &version) {
        return reply;
    }
    match route {
        None => list_customers(state),
        Some(cid) => upload(state, req, &version, cid),
    }
}

fn not_found(req: &Incoming, version: &str) -> Reply {
    api_error(
        404,
        &format!("Method not found: {} {}", req.method, req.path),
        version,
        Vec::new(),
    )
}

fn list_customers(state: &State) -> Reply {
    let inner = state.lock();
    let mut names: Vec<String> = vec![format!("customers/{DEFAULT_CUSTOMER}")];
    names.extend(
        inner
            .google_customers
            .iter()
            .filter(|c| c.as_str() != DEFAULT_CUSTOMER)
            .map(|c| format!("customers/{c}")),
    );
    Reply::ok(json!({ "resourceNames": names }))
}

fn digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

fn upload(state: &State, req: &Incoming, version: &str, cid: &str) -> Reply {
    let invalid = "Request contains an invalid argument.";
    if !digits(cid) {
        let e = one_error(
            "requestError",
            "INVALID_CUSTOMER_ID",
            "Customer id is invalid.",
        );
        return api_error(400, invalid, version, vec![e]);
    }
    if let Some(login) = req.header("login-customer-id")
        && !digits(login)
    {
        let e = one_error(
            "headerError",
            "INVALID_LOGIN_CUSTOMER_ID",
            "The login customer ID could not be validated.",
        );
        return api_error(400, invalid, version, vec![e]);
    }
    let body = match req.json() {
        Ok(Value::Object(body)) => body,
        Ok(_) => return bad_json("Invalid JSON payload received. Expected an object."),
        Err(e) => return bad_json(&format!("Invalid JSON payload received. {e}")),
    };
    let rows = match body.get("conversions") {
        Some(Value::Array(rows)) => rows,
        None => {
            let e = one_error(
                "fieldError",
                "REQUIRED",
                "The required field was not present.",
            );
            return api_error(400, invalid, version, vec![e]);
        }
        Some(_) => return bad_json("Invalid value at 'conversions', expected a list."),
    };
    if rows.len() > MAX_ROWS {
        let e = one_error(
            "conversionUploadError",
            "TOO_MANY_CONVERSIONS_IN_REQUEST",
            "Upload fewer than 2001 events in a single request.",
        );
        return api_error(400, invalid, version, vec![e]);
    }
    if body.get("partialFailure").and_then(Value::as_bool) != Some(true) {
        let e = one_error(
            "partialFailureError",
            "PARTIAL_FAILURE_MODE_REQUIRED",
            "The partial failure field was false in the request. This method requires this field be \
             set to true.",
        );
        return api_error(400, invalid, version, vec![e]);
    }
    if let Some(i) = rows.iter().position(|r| !r.is_object()) {
        return bad_json(&format!(
            "Invalid value at 'conversions[{i}]', expected an object."
        ));
    }
    let validate_only = body.get("validateOnly").and_then(Value::as_bool) == Some(true);

    let mut inner = state.lock();
    let mut request_orders = HashSet::new();
    let mut request_clicks = HashSet::new();
    let mut results = Vec::with_capacity(rows.len());
    let mut errors: Vec<(usize, RowError)> = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        match check_row(row, cid, &inner, &mut request_orders, &mut request_clicks) {
            Err(e) => {
                results.push(json!({}));
                errors.push((i, e));
            }
            Ok(accepted) => {
                results.push(accepted.result);
                if !validate_only {
                    if let Some(order) = accepted.order_key {
                        inner.google_orders.insert(order);
                    }
                    if let Some(click) = accepted.click_key {
                        inner.google_clicks.insert(click);
                    }
                    inner.received.add(
                        Platform::Google,
                        cid,
                        &accepted.action,
                        accepted.event_id.as_deref(),
                    );
                }
            }
        }
    }
    if !validate_only {
        inner.google_customers.insert(cid.to_owned());
    }
    drop(inner);

    let mut reply = json!({});
    if !validate_only {
        // validateOnly requests answer errors only, never results.
        reply["results"] = Value::Array(results);
        reply["jobId"] = json!(now_secs().rem_euclid(1 << 31));
    }
    if !errors.is_empty() {
        reply["partialFailureError"] = partial_failure(version, &errors);
    }
    Reply::ok(reply)
}

fn partial_failure(version: &str, errors: &[(usize, RowError)]) -> Value {
    let message = errors
        .iter()
        .map(|(i, e)| format!("{}, at conversions[{i}].{}", e.message, e.field))
        .collect::<Vec<_>>()
        .join(", ");
    let details: Vec<Value> = errors
        .iter()
        .map(|(i, e)| {
            let mut error = json!({
                "errorCode": { e.kind: e.code },
                "message": e.message,
                "location": { "fieldPathElements": [
                    { "fieldName": "conversions", "index": i },
                    { "fieldName": e.field },
                ]},
            });
            if let Some(trigger) = &e.trigger {
                error["trigger"] = json!({ "stringValue": trigger });
            }
            error
        })
        .collect();
    json!({ "code": 3, "message": message, "details": [failure(version, details)] })
}

/// The answer for an armed fault on the API paths: `code` may be an HTTP status or a gRPC code.
pub(crate) fn fault_reply(fault: &Fault, req: &Incoming) -> Reply {
    let status = fault.status.unwrap_or(match fault.code {
        Some(c @ 400..=599) => c as u16,
        Some(3) => 400,
        Some(4) => 504,
        Some(7) => 403,
        Some(8) => 429,
        Some(14) => 503,
        Some(16) => 401,
        _ => 500,
    });
    let (key, value, message) = match status {
        401 => (
            "authenticationError",
            "OAUTH_TOKEN_INVALID",
            "Oauth token is invalid.",
        ),
        403 => (
            "authorizationError",
            "USER_PERMISSION_DENIED",
            "User doesn't have permission to access customer.",
        ),
        429 => (
            "quotaError",
            "RESOURCE_EXHAUSTED",
            "Too many requests. Retry in a while.",
        ),
        503 => (
            "internalError",
            "TRANSIENT_ERROR",
            "The service is temporarily unavailable.",
        ),
        s if s >= 500 => (
            "internalError",
            "INTERNAL_ERROR",
            "An internal error has occurred.",
        ),
        _ => ("requestError", "UNKNOWN", "Mock fault."),
    };
    let top = match status {
        429 => "Resource has been exhausted (e.g. check quota).",
        503 => "The service is currently unavailable.",
        _ => message,
    };
    api_error(
        status,
        top,
        &version_of(req),
        vec![one_error(key, value, message)],
    )
}
