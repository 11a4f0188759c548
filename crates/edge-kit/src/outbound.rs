//! Outbound HTTP with explicit timeouts. Spin's default connect and first-byte timeouts are
//! 600 s; a platform call must never hold a worker that long (PLATFORMS.md recommends 1.5 s for
//! Meta), so every request here sets both.

use bytes::Bytes;
use http::{HeaderMap, Method};
use http_body_util::{BodyExt, Full, Limited};
use spin_sdk::http::send as spin_send;
use spin_sdk::wasip3::http::types::{ErrorCode, RequestOptions};
use spin_sdk::wasip3::http_compat::RequestOptionsExtension;

/// The most of an answer body we read: platform answers are small; more is a broken peer.
pub const MAX_ANSWER: usize = 2 * 1024 * 1024;

/// A received answer.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Bytes,
}

/// Why no answer came.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendError {
    /// Connect or first byte took longer than allowed.
    Timeout,
    /// The host refused the destination (`allowed_outbound_hosts`).
    Denied,
    /// DNS, refused connection, TLS, protocol: the peer could not be reached.
    Unreachable(String),
}

impl std::fmt::Display for SendError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SendError::Timeout => f.write_str("timed out"),
            SendError::Denied => f.write_str("destination not allowed by allowed_outbound_hosts"),
            SendError::Unreachable(why) => write!(f, "unreachable: {why}"),
        }
    }
}

/// Send one request with `timeout_ms` for connect and for the first byte.
pub async fn send(
    method: Method,
    url: &str,
    headers: &[(&str, &str)],
    body: Option<Vec<u8>>,
    timeout_ms: u64,
) -> Result<Answer, SendError> {
    let mut builder = http::Request::builder().method(method).uri(url);
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    let mut req = builder
        .body(Full::new(Bytes::from(body.unwrap_or_default())))
        .map_err(|e| SendError::Unreachable(format!("bad request: {e}")))?;
    let options = RequestOptions::new();
    let nanos = timeout_ms.saturating_mul(1_000_000);
    // A host that does not support a timeout answers Err; the request still goes.
    let _ = options.set_connect_timeout(Some(nanos));
    let _ = options.set_first_byte_timeout(Some(nanos));
    let _ = options.set_between_bytes_timeout(Some(nanos));
    req.extensions_mut()
        .insert(RequestOptionsExtension(options));

    let resp = spin_send(req).await.map_err(classify)?;
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let body = Limited::new(resp.into_body(), MAX_ANSWER)
        .collect()
        .await
        .map_err(|e| SendError::Unreachable(format!("answer body: {e}")))?
        .to_bytes();
    Ok(Answer {
        status,
        headers,
        body,
    })
}

fn classify(code: ErrorCode) -> SendError {
    match code {
        ErrorCode::ConnectionTimeout
        | ErrorCode::ConnectionReadTimeout
        | ErrorCode::ConnectionWriteTimeout
        | ErrorCode::HttpResponseTimeout => SendError::Timeout,
        ErrorCode::HttpRequestDenied => SendError::Denied,
        other => SendError::Unreachable(format!("{other:?}")),
    }
}
