//! A minimal HTTP/1.1 client for tests and the benchmark (one request per call or per
//! kept-alive connection), so they need no client crate of their own.

use anyhow::{Context, Result};
use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use std::net::SocketAddr;

/// A kept-alive connection.
pub struct Conn {
    addr: SocketAddr,
    sender: SendRequest<Empty<Bytes>>,
}

impl Conn {
    pub async fn open(addr: SocketAddr) -> Result<Conn> {
        let stream = tokio::net::TcpStream::connect(addr)
            .await
            .with_context(|| format!("connect {addr}"))?;
        _ = stream.set_nodelay(true);
        let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
        tokio::spawn(conn);
        Ok(Conn { addr, sender })
    }

    /// `GET path` on this connection: status and body as text.
    pub async fn get(&mut self, path: &str) -> Result<(u16, String)> {
        self.sender.ready().await?;
        let req = http::Request::builder()
            .uri(path)
            .header(http::header::HOST, self.addr.to_string())
            .body(Empty::new())?;
        let res = self.sender.send_request(req).await?;
        let status = res.status().as_u16();
        let body = res.into_body().collect().await?.to_bytes();
        Ok((status, String::from_utf8_lossy(&body).into_owned()))
    }
}

/// `GET path` on a fresh connection.
pub async fn get(addr: SocketAddr, path: &str) -> Result<(u16, String)> {
    Conn::open(addr).await?.get(path).await
}
