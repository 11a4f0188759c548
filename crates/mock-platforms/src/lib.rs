//! The mock platform server: Meta, TikTok and Google on one port, by path.

use std::net::SocketAddr;

/// Serve the mock platforms on `addr` until the process ends.
pub async fn serve(addr: SocketAddr) -> anyhow::Result<()> {
    let _listener = tokio::net::TcpListener::bind(addr).await?;
    anyhow::bail!("not built yet")
}
