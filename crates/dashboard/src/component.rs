//! The Spin adapter: request headers in, [`serve`](crate::serve::serve) over the `files` mount, response out.

use crate::path;
use crate::serve::{self, Files, Req};
use bytes::Bytes;
use spin_sdk::http::{FullBody, Request, Response};
use spin_sdk::http_service;

/// The component's filesystem: spin.toml mounts `web/dist` at `/`.
struct Mount;

impl Files for Mount {
    fn read(&self, path: &str) -> Option<Vec<u8>> {
        let full = format!("/{path}");
        // A directory named like a file must not be "read" as one.
        if !std::fs::metadata(&full).ok()?.is_file() {
            return None;
        }
        std::fs::read(full).ok()
    }
}

#[http_service]
async fn handle(req: Request) -> Response<FullBody<Bytes>> {
    let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok());
    // A variable that cannot be read means "not restricted", as in local development.
    let app_hosts = spin_sdk::variables::get("app_hosts")
        .await
        .unwrap_or_default();
    // Under Spin 4.1 (wasi:http 0.3) the request's host is its authority, not a `host` header;
    // read both, as the collector does, or no host ever matches `app_hosts`.
    let host = header("host").or_else(|| req.uri().authority().map(|a| a.as_str()));
    if !crate::headers::host_allowed(&app_hosts, host) {
        let mut response = Response::new(FullBody::new(Bytes::from_static(
            b"not found: the dashboard is served on the app's own host only",
        )));
        *response.status_mut() = spin_sdk::http::StatusCode::NOT_FOUND;
        return response;
    }
    let parts = Req {
        method: req.method().as_str(),
        path_info: path::path_info(header("spin-path-info"), req.uri().path()),
        accept_encoding: header("accept-encoding"),
        if_none_match: header("if-none-match"),
    };
    let reply = serve::serve(&parts, &Mount);
    let mut builder = Response::builder().status(reply.status);
    for (name, value) in &reply.headers {
        builder = builder.header(*name, value.as_str());
    }
    builder
        .body(FullBody::new(Bytes::from(reply.body)))
        .unwrap_or_else(|_| {
            let mut response = Response::new(FullBody::new(Bytes::from_static(b"internal error")));
            *response.status_mut() = spin_sdk::http::StatusCode::INTERNAL_SERVER_ERROR;
            response
        })
}
