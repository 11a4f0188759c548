//! The HTTP front: accepts connections, reads each body whole, routes by path to a platform (or
//! to the `/_mock/*` control API), records the request, applies an armed fault, and writes the
//! JSON reply.
//!
//! Routing is by path alone, because each platform is served at its real paths and the app only
//! swaps the origin: `/token` is Google OAuth, `/open_api/...` TikTok, `/{version}/customers...`
//! Google Ads, `/v1/events:ingest` and `/v1/requestStatus:retrieve` Google's Data Manager API,
//! and any other `/{version}/...` Meta's Graph API.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::task::JoinSet;

use crate::http::{Incoming, Reply, parse_pairs, percent_decode};
use crate::state::{Fault, Platform, RecordedRequest, State};
use crate::{datamanager, google, meta, oauth, tiktok};

/// A Meta batch of 1,000 rich events is about 1-2 MB; leave room, but not unbounded memory.
const MAX_BODY: usize = 32 * 1024 * 1024;

/// Serve until the task is aborted; aborting drops the `JoinSet`, which ends every connection.
/// With `log`, one line per platform request goes to stderr, so a demo shows what the app sent.
pub(crate) async fn run(listener: TcpListener, state: Arc<State>, log: bool) {
    let mut connections = JoinSet::new();
    loop {
        while connections.try_join_next().is_some() {}
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(e) => {
                // Running out of file descriptors is transient; spinning on it is not useful.
                eprintln!("mock platforms: accept failed: {e}");
                tokio::time::sleep(Duration::from_millis(20)).await;
                continue;
            }
        };
        let state = state.clone();
        connections.spawn(async move {
            let service = service_fn(move |req| {
                let state = state.clone();
                async move { Ok::<_, Infallible>(handle(&state, req, log).await) }
            });
            // A client hanging up mid-request is its business, not an error of the mock.
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

async fn handle(
    state: &State,
    req: Request<hyper::body::Incoming>,
    log: bool,
) -> Response<Full<Bytes>> {
    let (parts, body) = req.into_parts();
    let body = match Limited::new(body, MAX_BODY).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(_) => {
            let reply = Reply::new(
                413,
                json!({"error": "request body too large or unreadable"}),
            );
            return respond(reply);
        }
    };
    let req = Incoming {
        method: parts.method,
        path: percent_decode(parts.uri.path(), false),
        query: parse_pairs(parts.uri.query().unwrap_or("")),
        headers: parts.headers,
        body,
    };
    if req.path == "/dns-query" {
        return respond(crate::doh::query(&state.dns, &req));
    }
    if req.method == hyper::Method::GET && req.path == "/_mock/received.html" {
        return html(crate::received_page::render(&state.received()));
    }
    if req.path == crate::webhooks::PATH {
        return respond(crate::webhooks::handle(state, &req));
    }
    if req.path == "/_mock" || req.path.starts_with("/_mock/") {
        return respond(control(state, &req));
    }
    let Some(platform) = platform_of(&req.path) else {
        let reply = Reply::new(
            404,
            json!({"error": format!("no mock platform serves {}", req.path)}),
        );
        return respond(reply);
    };
    state.record(recorded(platform, &req));
    let over_quota = req.path == datamanager::INGEST_PATH && datamanager::count_ingest(state, &req);
    let fault = state.take_fault(platform, &req.path);
    if let Some(ms) = fault.as_ref().and_then(|f| f.delay_ms) {
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }
    let reply = match fault.filter(|f| !f.is_delay_only()) {
        Some(fault) => {
            let reply = fault_reply(platform, &fault, &req);
            match fault.retry_after {
                Some(secs) => reply.with_header("retry-after", secs.to_string()),
                None => reply,
            }
        }
        None => match platform {
            Platform::Meta => meta::handle(state, &req),
            Platform::Tiktok => tiktok::handle(state, &req),
            Platform::Google if oauth::serves(&req.path) => oauth::handle(state, &req),
            Platform::Google if is_datamanager(&req.path) => {
                datamanager::handle(state, &req, over_quota)
            }
            Platform::Google => google::handle(state, &req),
        },
    };
    if log {
        eprintln!(
            "mock {} {} {} -> {}",
            platform.as_str(),
            req.method,
            req.path,
            reply.status
        );
    }
    respond(reply)
}

/// Which platform a path belongs to, or `None` for paths no platform serves.
pub(crate) fn platform_of(path: &str) -> Option<Platform> {
    if oauth::serves(path) || is_datamanager(path) {
        return Some(Platform::Google);
    }
    if path.starts_with("/open_api/") {
        return Some(Platform::Tiktok);
    }
    let mut segments = path.split('/').filter(|s| !s.is_empty());
    let version = segments.next()?;
    let looks_versioned = version.len() > 1
        && version.starts_with('v')
        && version[1..]
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b'.');
    if !looks_versioned {
        return None;
    }
    match segments.next()? {
        s if s.starts_with("customers") => Some(Platform::Google),
        _ => Some(Platform::Meta),
    }
}

/// The Data Manager API's two methods (under `/v1/`, which Meta's versions never reach).
fn is_datamanager(path: &str) -> bool {
    path == datamanager::INGEST_PATH || path == datamanager::STATUS_PATH
}

fn fault_reply(platform: Platform, fault: &Fault, req: &Incoming) -> Reply {
    match platform {
        Platform::Meta => meta::fault_reply(fault),
        Platform::Tiktok => tiktok::fault_reply(fault),
        Platform::Google if oauth::serves(&req.path) => oauth::fault_reply(fault),
        Platform::Google if is_datamanager(&req.path) => datamanager::fault_reply(fault),
        Platform::Google => google::fault_reply(fault, req),
    }
}

fn recorded(platform: Platform, req: &Incoming) -> RecordedRequest {
    let mut headers: BTreeMap<String, String> = BTreeMap::new();
    for (name, value) in &req.headers {
        let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
        headers
            .entry(name.as_str().to_owned())
            .and_modify(|v| {
                v.push_str(", ");
                v.push_str(&value);
            })
            .or_insert(value);
    }
    let body = serde_json::from_slice(&req.body)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&req.body).into_owned()));
    RecordedRequest {
        platform,
        method: req.method.to_string(),
        path: req.path.clone(),
        query: req.query.clone(),
        headers,
        body,
    }
}

/// `/_mock/*`: what tests use to look inside the mock and to steer it.
fn control(state: &State, req: &Incoming) -> Reply {
    let resource = req.path.trim_start_matches("/_mock").trim_matches('/');
    if let Some(rest) = resource.strip_prefix("datamanager/") {
        return datamanager::control(state, req, rest);
    }
    if let Some(rest) = resource.strip_prefix("webhooks") {
        return crate::webhooks::control(state, req, rest.trim_start_matches('/'));
    }
    match (req.method.as_str(), resource) {
        ("GET", "health") => Reply::ok(json!({"ok": true})),
        ("GET", "requests") => {
            let platform = match req.query.get("platform") {
                None => None,
                Some(p) => match Platform::parse(p) {
                    Some(p) => Some(p),
                    None => return bad_request(format!("unknown platform '{p}'")),
                },
            };
            Reply::ok(json!(state.requests(platform)))
        }
        ("DELETE", "requests") => {
            state.clear_requests();
            Reply::new(204, Value::Null)
        }
        ("GET", "received") => Reply::ok(json!(state.received())),
        ("DELETE", "received") => {
            state.clear_received();
            Reply::new(204, Value::Null)
        }
        ("GET", "faults") => Reply::ok(json!(state.faults())),
        ("POST", "faults") => match serde_json::from_slice::<Fault>(&req.body) {
            Ok(fault) => {
                state.set_fault(fault.clone());
                Reply::ok(json!(fault))
            }
            Err(e) => bad_request(format!("invalid fault: {e}")),
        },
        ("POST" | "DELETE", "dns") => crate::doh::control(&state.dns, req),
        ("POST", "google/revoke") => crate::oauth::revoke_all(state),
        ("DELETE", "faults") => {
            state.clear_faults();
            Reply::new(204, Value::Null)
        }
        ("POST", "reset") => {
            state.clear_requests();
            state.clear_received();
            state.clear_faults();
            let mut inner = state.lock();
            inner.webhooks.clear();
            inner.webhook_failures = 0;
            Reply::new(204, Value::Null)
        }
        _ => Reply::new(
            404,
            json!({"error": format!("unknown mock control route {} {}", req.method, req.path)}),
        ),
    }
}

fn bad_request(message: String) -> Reply {
    Reply::new(400, json!({ "error": message }))
}

/// A page for people (the demo's "what did the platforms receive").
fn html(page: String) -> Response<Full<Bytes>> {
    let mut resp = Response::new(Full::new(Bytes::from(page)));
    resp.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("text/html; charset=utf-8"),
    );
    resp
}

fn respond(reply: Reply) -> Response<Full<Bytes>> {
    let empty = reply.status == 204 || (reply.status == 302 && reply.body.is_null());
    let body = match &reply.html {
        Some(page) => Bytes::from(page.clone()),
        None if empty => Bytes::new(),
        None => Bytes::from(serde_json::to_vec(&reply.body).unwrap_or_default()),
    };
    let mut builder = Response::builder().status(reply.status);
    if reply.html.is_some() {
        builder = builder.header("content-type", "text/html; charset=utf-8");
    } else if !empty {
        builder = builder.header("content-type", "application/json; charset=UTF-8");
    }
    for (name, value) in &reply.headers {
        builder = builder.header(name.as_str(), value.as_str());
    }
    builder.body(Full::new(body)).unwrap_or_else(|_| {
        // Only reachable with an invalid header from a handler; answer rather than panic.
        let mut fallback =
            Response::new(Full::new(Bytes::from_static(b"{\"error\":\"mock reply\"}")));
        *fallback.status_mut() = hyper::StatusCode::INTERNAL_SERVER_ERROR;
        fallback
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_by_path() {
        for (path, want) in [
            ("/v25.0/123/events", Some(Platform::Meta)),
            ("/v22.0/dataset_quality", Some(Platform::Meta)),
            ("/v25.0/123", Some(Platform::Meta)),
            ("/open_api/v1.3/event/track/", Some(Platform::Tiktok)),
            (
                "/v26/customers/123:uploadClickConversions",
                Some(Platform::Google),
            ),
            (
                "/v26/customers:listAccessibleCustomers",
                Some(Platform::Google),
            ),
            ("/token", Some(Platform::Google)),
            ("/v1/events:ingest", Some(Platform::Google)),
            ("/v1/requestStatus:retrieve", Some(Platform::Google)),
            ("/v1/123/events", Some(Platform::Meta)),
            ("/o/oauth2/v2/auth", Some(Platform::Google)),
            ("/", None),
            ("/favicon.ico", None),
            ("/version/123", None),
        ] {
            assert_eq!(platform_of(path), want, "{path}");
        }
    }
}
