//! Shared arrangements: a fresh probe app directory, a started host, a tiny upstream server.

use bytes::Bytes;
use http_body_util::Full;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use testhost::probe::ProbeApp;
use testhost::{HostConfig, KvBackend, RunningHost};

pub use testhost::client::get;

/// A new empty directory under the system temp dir, unique per test.
pub fn temp_dir(tag: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "testhost-{tag}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create temp dir");
    dir
}

pub fn probe_app(tag: &str) -> ProbeApp {
    ProbeApp::render(&temp_dir(tag))
        .expect("render the probe app (run scripts/build-components first)")
}

/// The probe app's config with its required secret set and no environment variables.
pub fn config(app: &ProbeApp) -> HostConfig {
    HostConfig {
        manifest: app.manifest.clone(),
        variables: vec![("secret_token".into(), "s3cret".into())],
        env: Some(Default::default()),
        kv: KvBackend::Memory,
    }
}

pub fn loopback() -> SocketAddr {
    "127.0.0.1:0".parse().unwrap()
}

pub async fn start(config: HostConfig) -> RunningHost {
    testhost::start(config, loopback())
        .await
        .expect("start the test host")
}

/// An upstream server that answers every request with `body`.
pub async fn upstream(body: &'static str) -> SocketAddr {
    counting_upstream(body).await.0
}

/// Body of `GET path`, asserting a 200.
pub async fn ok(host: &RunningHost, path: &str) -> String {
    let (status, body) = get(host.addr, path).await.expect("request");
    assert_eq!(status, 200, "GET {path}: {body}");
    body
}

/// As [`upstream`], also counting the TCP connections it accepts.
pub async fn counting_upstream(body: &'static str) -> (SocketAddr, std::sync::Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind(loopback()).await.unwrap();
    let addr = listener.local_addr().unwrap();
    let accepted = std::sync::Arc::new(AtomicUsize::new(0));
    let count = accepted.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            count.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                let svc = service_fn(move |_req| async move {
                    Ok::<_, Infallible>(hyper::Response::new(Full::new(Bytes::from_static(
                        body.as_bytes(),
                    ))))
                });
                _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), svc)
                    .await;
            });
        }
    });
    (addr, accepted)
}
