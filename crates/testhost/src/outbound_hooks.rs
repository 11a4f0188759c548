//! `WasiHttpHooks::send_request`: enforces `allowed_outbound_hosts` and dispatches service
//! chaining (`http://<component-id>.spin.internal/...`) in-process.
//!
//! A chained call runs on its own tokio task through the target's `ProxyHandler`: running it on
//! the caller's store would re-enter `run_concurrent` and panic.

use crate::app::AppInner;
use crate::outbound::AllowedHosts;
use std::sync::{Arc, Weak};
use wasmtime_wasi_http::{Error, RequestOptions, WasiBody, WasiHttpHooks};

type IoFuture = Box<dyn Future<Output = Result<(), Error>> + Send>;
type SendFuture =
    Box<dyn Future<Output = Result<(http::Response<WasiBody>, IoFuture), Error>> + Send>;

pub struct OutboundHooks {
    pub component: String,
    pub allowed: Arc<AllowedHosts>,
    pub app: Weak<AppInner>,
    /// The app's outbound client: pooled as Spin's, `block_networks` applied at connect time.
    pub http: crate::outbound_http::OutboundHttp,
}

const INTERNAL_SUFFIX: &str = ".spin.internal";

impl WasiHttpHooks for OutboundHooks {
    fn send_request(
        &mut self,
        request: http::Request<WasiBody>,
        options: Option<RequestOptions>,
        fut: IoFuture,
    ) -> SendFuture {
        _ = fut;
        let uri = request.uri();
        let scheme = uri.scheme_str().unwrap_or("https").to_string();
        let host = uri.host().unwrap_or_default().to_ascii_lowercase();
        let port = uri.port_u16();
        if !self.allowed.allows(&scheme, &host, port) {
            // Spin logs the denied URL and the guest gets `HttpRequestDenied`.
            eprintln!(
                "A component tried to make an HTTP request to a non-allowed host: {} (component {:?}; add it to allowed_outbound_hosts)",
                uri, self.component
            );
            return Box::new(async { Err(Error::HttpRequestDenied) });
        }
        if let Some(target) = host.strip_suffix(INTERNAL_SUFFIX) {
            let target = target.to_string();
            let app = self.app.clone();
            return Box::new(async move {
                let app = app.upgrade().ok_or(Error::DestinationUnavailable)?;
                let task = tokio::spawn(async move { app.handle_chained(&target, request).await });
                let response = task
                    .await
                    .map_err(|e| Error::InternalError(Some(e.to_string())))??;
                Ok((response, Box::new(async { Ok(()) }) as IoFuture))
            });
        }
        let http = self.http.clone();
        Box::new(async move {
            let response = http.send(request, options).await?;
            Ok((response, Box::new(async { Ok(()) }) as IoFuture))
        })
    }
}
