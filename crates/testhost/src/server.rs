//! The HTTP front: accepts connections on loopback (or any address), turns each request into
//! the absolute-URI form components see under Spin, and serves `/metrics` on its own listener.

use crate::app::AppInner;
use crate::kv::Metrics;
use bytes::Bytes;
use http::{Request, Response, StatusCode, Uri};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::sync::watch;
use wasmtime_wasi_http::{Error, WasiBody};

/// Accepts until `stop` turns true; connections already open finish on their own.
pub async fn serve(listener: TcpListener, app: Arc<AppInner>, mut stop: watch::Receiver<bool>) {
    loop {
        let (stream, client) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    eprintln!("accept failed: {e}");
                    continue;
                }
            },
            _ = stop.changed() => break,
        };
        let app = app.clone();
        let local = listener.local_addr().ok();
        tokio::spawn(async move {
            _ = stream.set_nodelay(true);
            let service = service_fn(move |req: Request<Incoming>| {
                let app = app.clone();
                async move {
                    let req = into_component_request(req, local);
                    Ok::<_, Infallible>(app.handle_external(req, client).await)
                }
            });
            let builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
            // Client resets and half-read bodies are normal under load; nothing to report.
            _ = builder
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

/// Gives the request an absolute `http://host/path` URI, as Spin passes it to components.
fn into_component_request(req: Request<Incoming>, local: Option<SocketAddr>) -> Request<WasiBody> {
    let (mut parts, body) = req.into_parts();
    let host = parts
        .headers
        .get(http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_string)
        .or_else(|| parts.uri.authority().map(|a| a.to_string()))
        .or_else(|| local.map(|a| a.to_string()))
        .unwrap_or_else(|| "localhost".to_string());
    let path = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/");
    if let Ok(uri) = Uri::builder()
        .scheme("http")
        .authority(host.as_str())
        .path_and_query(path)
        .build()
    {
        parts.uri = uri;
    }
    Request::from_parts(parts, body.map_err(Error::Hyper).boxed_unsync())
}

/// `GET /metrics`: key-value operations per label and operation, requests per component.
pub async fn serve_metrics(
    listener: TcpListener,
    metrics: Arc<Metrics>,
    mut stop: watch::Receiver<bool>,
) {
    loop {
        let (stream, _) = tokio::select! {
            accepted = listener.accept() => match accepted { Ok(a) => a, Err(_) => continue },
            _ = stop.changed() => break,
        };
        let metrics = metrics.clone();
        tokio::spawn(async move {
            let service = service_fn(move |req: Request<Incoming>| {
                let metrics = metrics.clone();
                async move {
                    let (status, body) = if req.uri().path() == "/metrics" {
                        (StatusCode::OK, metrics.to_json().to_string())
                    } else {
                        (
                            StatusCode::NOT_FOUND,
                            "{\"error\":\"not found\"}".to_string(),
                        )
                    };
                    let mut res = Response::new(Full::new(Bytes::from(body)));
                    *res.status_mut() = status;
                    res.headers_mut().insert(
                        http::header::CONTENT_TYPE,
                        http::HeaderValue::from_static("application/json"),
                    );
                    Ok::<_, Infallible>(res)
                }
            });
            _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}
