//! Outbound HTTP as Spin 4.1 sends it: one `hyper_util` legacy `Client` per app, keyed by
//! scheme and authority, reusing idle keep-alive connections unless the runtime config says
//! `[outbound_http] connection_pooling = false` (then every request opens its own connection).
//!
//! The connector resolves the name and applies `[outbound_networking] block_networks` when it
//! connects, as Spin does: blocked addresses are dropped and the rest are tried; a name left
//! with none is refused (`destination-ip-prohibited`). A pooled connection was checked when it
//! was opened, so reusing it needs no new check (Spin behaves the same way).

use crate::blocked::BlockedNetworks;
use anyhow::{Context, Result};
use http_body_util::BodyExt;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::{Connected, Connection};
use hyper_util::rt::{TokioExecutor, TokioIo};
use serde::Deserialize;
use std::io;
use std::net::SocketAddr;
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll};
use std::time::Duration;
use tokio::net::TcpStream;
use wasmtime_wasi_http::{Error, RequestOptions, WasiBody};

/// The runtime config's `[outbound_http]` table (only what the test host honours).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutboundHttpConfig {
    /// Reuse idle connections to the same scheme and authority (Spin's default: true).
    pub connection_pooling: bool,
}

impl Default for OutboundHttpConfig {
    fn default() -> Self {
        OutboundHttpConfig {
            connection_pooling: true,
        }
    }
}

#[derive(Deserialize)]
struct Raw {
    #[serde(default)]
    outbound_http: Option<RawOutboundHttp>,
}

#[derive(Deserialize)]
struct RawOutboundHttp {
    #[serde(default)]
    connection_pooling: Option<bool>,
}

impl OutboundHttpConfig {
    /// From a runtime config file (`None` or no `[outbound_http]`: Spin's defaults).
    pub fn load(file: Option<&Path>) -> Result<OutboundHttpConfig> {
        let Some(file) = file else {
            return Ok(OutboundHttpConfig::default());
        };
        let text = std::fs::read_to_string(file)
            .with_context(|| format!("cannot read runtime config {}", file.display()))?;
        OutboundHttpConfig::parse(&text)
            .with_context(|| format!("invalid runtime config {}", file.display()))
    }

    pub fn parse(text: &str) -> Result<OutboundHttpConfig> {
        let raw: Raw = toml::from_str(text).context("failed to parse [outbound_http] table")?;
        let mut config = OutboundHttpConfig::default();
        if let Some(pooling) = raw.outbound_http.and_then(|o| o.connection_pooling) {
            config.connection_pooling = pooling;
        }
        Ok(config)
    }
}

/// How long an idle pooled connection is kept (hyper_util's default).
const IDLE_TIMEOUT: Duration = Duration::from_secs(90);
/// As wasmtime's default sender, when the guest gives no timeouts.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(600);

tokio::task_local! {
    /// The guest's connect timeout for the request being sent.
    static CONNECT_TIMEOUT: Duration;
}

/// The outbound HTTP client of one running app.
#[derive(Clone)]
pub struct OutboundHttp {
    client: Client<Connector, WasiBody>,
}

impl OutboundHttp {
    pub fn new(config: OutboundHttpConfig, blocked: BlockedNetworks) -> OutboundHttp {
        let connector = Connector {
            blocked: Arc::new(blocked),
            tls: Arc::new(tls_config()),
        };
        let mut builder = Client::builder(TokioExecutor::new());
        builder.pool_idle_timeout(IDLE_TIMEOUT);
        if !config.connection_pooling {
            // No idle connection is kept: every request connects anew.
            builder.pool_max_idle_per_host(0);
        }
        OutboundHttp {
            client: builder.build(connector),
        }
    }

    /// Sends `request` (absolute URI) and answers its response with the body streaming.
    pub async fn send(
        &self,
        request: http::Request<WasiBody>,
        options: Option<RequestOptions>,
    ) -> Result<http::Response<WasiBody>, Error> {
        let connect = options
            .and_then(|o| o.connect_timeout)
            .unwrap_or(DEFAULT_TIMEOUT);
        let first_byte = options
            .and_then(|o| o.first_byte_timeout)
            .unwrap_or(DEFAULT_TIMEOUT);
        let between = options
            .and_then(|o| o.between_bytes_timeout)
            .unwrap_or(DEFAULT_TIMEOUT)
            .max(Duration::from_nanos(1));
        // The connector reads the connect timeout from the scope (it sees only the URI); the
        // first-byte timeout bounds the whole wait for the answer's head, as Spin's client does.
        let response = CONNECT_TIMEOUT
            .scope(
                connect,
                tokio::time::timeout(first_byte, self.client.request(request)),
            )
            .await
            .map_err(|_| Error::ConnectionReadTimeout)?
            .map_err(client_error)?;
        Ok(response.map(|incoming| {
            BetweenBytes {
                incoming,
                sleep: Box::pin(tokio::time::sleep(between)),
                between,
            }
            .boxed_unsync()
        }))
    }
}

/// The wasi:http error for a client failure: the connector's own when it refused or failed.
fn client_error(e: hyper_util::client::legacy::Error) -> Error {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&e);
    while let Some(s) = source {
        if let Some(c) = s.downcast_ref::<ConnectError>() {
            return c.to_wasi();
        }
        if let Some(h) = s.downcast_ref::<hyper::Error>() {
            if h.is_timeout() {
                return Error::HttpResponseTimeout;
            }
            if h.is_incomplete_message() || h.is_canceled() || h.is_closed() {
                return Error::ConnectionTerminated;
            }
            return Error::HttpProtocolError;
        }
        source = s.source();
    }
    Error::InternalError(Some(e.to_string()))
}

/// A response body that fails when no frame arrives within `between`.
struct BetweenBytes {
    incoming: hyper::body::Incoming,
    sleep: Pin<Box<tokio::time::Sleep>>,
    between: Duration,
}

impl http_body::Body for BetweenBytes {
    type Data = bytes::Bytes;
    type Error = Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
    ) -> Poll<Option<Result<http_body::Frame<bytes::Bytes>, Error>>> {
        match Pin::new(&mut self.incoming).poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => {
                let deadline = tokio::time::Instant::now() + self.between;
                self.sleep.as_mut().reset(deadline);
                Poll::Ready(Some(Ok(frame)))
            }
            Poll::Ready(Some(Err(e))) => Poll::Ready(Some(Err(if e.is_timeout() {
                Error::HttpResponseTimeout
            } else {
                Error::from(e)
            }))),
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Pending => match self.sleep.as_mut().poll(cx) {
                Poll::Ready(()) => Poll::Ready(Some(Err(Error::ConnectionReadTimeout))),
                Poll::Pending => Poll::Pending,
            },
        }
    }

    fn is_end_stream(&self) -> bool {
        http_body::Body::is_end_stream(&self.incoming)
    }

    fn size_hint(&self) -> http_body::SizeHint {
        http_body::Body::size_hint(&self.incoming)
    }
}

fn tls_config() -> rustls::ClientConfig {
    let roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.into(),
    };
    rustls::ClientConfig::builder()
        .with_root_certificates(roots)
        .with_no_client_auth()
}

/// Opens TCP (and TLS for `https`) connections, applying `block_networks` to the addresses.
#[derive(Clone)]
struct Connector {
    blocked: Arc<BlockedNetworks>,
    tls: Arc<rustls::ClientConfig>,
}

#[derive(Debug)]
enum ConnectError {
    Prohibited,
    Dns(io::Error),
    NoAddress,
    Refused,
    Timeout,
    Io(io::Error),
    Tls(io::Error),
    BadName,
    Uri,
}

impl ConnectError {
    fn to_wasi(&self) -> Error {
        match self {
            ConnectError::Prohibited => Error::DestinationIpProhibited,
            ConnectError::Dns(e) => Error::DnsError {
                rcode: Some(e.to_string()),
                info_code: None,
            },
            ConnectError::NoAddress => Error::DestinationNotFound,
            ConnectError::Refused => Error::ConnectionRefused,
            ConnectError::Timeout => Error::ConnectionTimeout,
            ConnectError::Io(e) => Error::Connect(io::Error::new(e.kind(), e.to_string())),
            ConnectError::Tls(e) => Error::Tls(io::Error::new(e.kind(), e.to_string())),
            ConnectError::BadName | ConnectError::Uri => Error::HttpRequestUriInvalid,
        }
    }
}

impl std::fmt::Display for ConnectError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{self:?}")
    }
}

impl std::error::Error for ConnectError {}

impl tower_service::Service<http::Uri> for Connector {
    type Response = TokioIo<Stream>;
    type Error = ConnectError;
    type Future = Pin<Box<dyn Future<Output = Result<TokioIo<Stream>, ConnectError>> + Send>>;

    fn poll_ready(&mut self, _: &mut TaskContext<'_>) -> Poll<Result<(), ConnectError>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, uri: http::Uri) -> Self::Future {
        let this = self.clone();
        // Called while the request's future is polled, inside its scope.
        let timeout = CONNECT_TIMEOUT.try_with(|t| *t).unwrap_or(DEFAULT_TIMEOUT);
        Box::pin(async move {
            tokio::time::timeout(timeout, this.connect(uri))
                .await
                .map_err(|_| ConnectError::Timeout)?
        })
    }
}

impl Connector {
    async fn connect(self, uri: http::Uri) -> Result<TokioIo<Stream>, ConnectError> {
        let tls = uri.scheme() == Some(&http::uri::Scheme::HTTPS);
        let host = uri.host().ok_or(ConnectError::Uri)?;
        let name = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_string();
        let port = uri.port_u16().unwrap_or(if tls { 443 } else { 80 });
        let resolved: Vec<SocketAddr> = tokio::net::lookup_host((name.as_str(), port))
            .await
            .map_err(ConnectError::Dns)?
            .collect();
        if resolved.is_empty() {
            return Err(ConnectError::NoAddress);
        }
        let allowed: Vec<SocketAddr> = resolved
            .iter()
            .copied()
            .filter(|a| !self.blocked.is_blocked(a.ip()))
            .collect();
        if allowed.is_empty() {
            eprintln!(
                "A component tried to connect to a blocked address: {name} ({}) (see block_networks in the runtime config)",
                resolved[0].ip()
            );
            return Err(ConnectError::Prohibited);
        }
        let mut last = None;
        let mut tcp = None;
        for addr in allowed {
            match TcpStream::connect(addr).await {
                Ok(s) => {
                    tcp = Some(s);
                    break;
                }
                Err(e) => last = Some(e),
            }
        }
        let tcp = match (tcp, last) {
            (Some(s), _) => s,
            (None, Some(e)) if e.kind() == io::ErrorKind::ConnectionRefused => {
                return Err(ConnectError::Refused);
            }
            (None, Some(e)) => return Err(ConnectError::Io(e)),
            (None, None) => return Err(ConnectError::NoAddress),
        };
        _ = tcp.set_nodelay(true);
        if !tls {
            return Ok(TokioIo::new(Stream::Plain(tcp)));
        }
        let server_name =
            rustls::pki_types::ServerName::try_from(name).map_err(|_| ConnectError::BadName)?;
        let stream = tokio_rustls::TlsConnector::from(self.tls.clone())
            .connect(server_name, tcp)
            .await
            .map_err(ConnectError::Tls)?;
        Ok(TokioIo::new(Stream::Tls(Box::new(stream))))
    }
}

/// A plain or TLS connection.
enum Stream {
    Plain(TcpStream),
    Tls(Box<tokio_rustls::client::TlsStream<TcpStream>>),
}

impl Connection for Stream {
    fn connected(&self) -> Connected {
        Connected::new()
    }
}

impl tokio::io::AsyncRead for Stream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl tokio::io::AsyncWrite for Stream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_flush(cx),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_write_vectored(cx, bufs),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_write_vectored(cx, bufs),
        }
    }

    fn is_write_vectored(&self) -> bool {
        match self {
            Stream::Plain(s) => s.is_write_vectored(),
            Stream::Tls(s) => s.is_write_vectored(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pooling_defaults_on_and_follows_the_runtime_config() {
        assert!(OutboundHttpConfig::parse("").unwrap().connection_pooling);
        assert!(
            OutboundHttpConfig::parse("[outbound_http]\n")
                .unwrap()
                .connection_pooling
        );
        assert!(
            !OutboundHttpConfig::parse("[outbound_http]\nconnection_pooling = false\n")
                .unwrap()
                .connection_pooling
        );
        assert!(
            OutboundHttpConfig::parse("[outbound_http]\nconnection_pooling = \"no\"\n").is_err()
        );
    }
}
