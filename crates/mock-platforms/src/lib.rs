//! The mock platform server: Meta Conversions API, TikTok Events API 2.0, Google Ads
//! `uploadClickConversions`, Google's Data Manager API and Google OAuth on one port, each at its real paths, so that pointing
//! the app's `*_api_url` variables at `http://127.0.0.1:PORT` is all a test or demo needs.
//!
//! It validates like the platforms (the rules in `shared/PLATFORMS.md`), answers with their error
//! shapes and codes, records every request (`GET /_mock/requests`), tallies what it accepted
//! (`GET /_mock/received`; for people, `GET /_mock/received.html`) and takes faults on demand
//! (`POST /_mock/faults`). Any token or refresh token beginning with `invalid` is rejected as
//! that platform rejects a bad token.
//!
//! Codemap: `server` (accept, route, record, faults, `/_mock/*`), `state` (what is remembered),
//! `http` (request/reply types), `meta` + `meta_events` + `meta_quality`, `tiktok`,
//! `google` + `google_rows`, `datamanager` + `datamanager_events`, `oauth`, `doh` (a
//! DNS-over-HTTPS resolver: `GET /dns-query`, records added with `POST /_mock/dns`),
//! `received_page`, `webhooks` (TrainerERP's alert webhook: `POST /webhooks/alerts`, 500 on
//! demand with `POST /_mock/webhooks/fail`).

mod datamanager;
mod datamanager_events;
mod doh;
mod google;
mod google_rows;
mod http;
mod meta;
mod meta_events;
mod meta_quality;
mod oauth;
mod oauth_consent;
mod received_page;
mod server;
mod state;
mod tiktok;
mod webhooks;

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::task::JoinHandle;

pub use state::{Accounts, EventTally, Fault, Platform, Received, RecordedRequest};
pub use webhooks::{PATH as WEBHOOK_PATH, ReceivedWebhook};

/// Serve the mock platforms on `addr` until the process ends.
pub async fn serve(addr: SocketAddr) -> anyhow::Result<()> {
    let listener = TcpListener::bind(addr).await?;
    eprintln!(
        "mock platforms listening on http://{}",
        listener.local_addr()?
    );
    server::run(listener, Arc::new(state::State::default()), true).await;
    Ok(())
}

/// Start the mock in the background on the current tokio runtime; port 0 picks a free port.
pub async fn spawn(addr: SocketAddr) -> anyhow::Result<MockServer> {
    let listener = TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    let state = Arc::new(state::State::default());
    // Quiet: tests read the log through `requests()`, not stderr.
    let task = tokio::spawn(server::run(listener, state.clone(), false));
    Ok(MockServer {
        addr,
        state,
        task: Some(task),
    })
}

/// A running mock; dropping it (or `shutdown`) stops it and closes its connections.
pub struct MockServer {
    pub addr: SocketAddr,
    state: Arc<state::State>,
    task: Option<JoinHandle<()>>,
}

impl MockServer {
    /// `http://127.0.0.1:PORT`, the value for every `*_api_url` variable.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every request so far, oldest first.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.state.requests(None)
    }

    /// The requests to one platform, oldest first.
    pub fn requests_for(&self, platform: Platform) -> Vec<RecordedRequest> {
        self.state.requests(Some(platform))
    }

    /// Forget recorded requests and accepted conversions (faults stay armed).
    pub fn clear(&self) {
        self.state.clear_requests();
        self.state.clear_received();
    }

    /// Arm a fault; it replaces an armed fault of the same platform and path filter.
    pub fn set_fault(&self, fault: Fault) {
        self.state.set_fault(fault);
    }

    pub fn clear_faults(&self) {
        self.state.clear_faults();
    }

    /// Finish processing of Data Manager requests (all, or one `requestId`): their
    /// `requestStatus` leaves `PROCESSING`. Returns how many changed.
    pub fn datamanager_advance(&self, request_id: Option<&str>) -> u64 {
        datamanager::advance(&self.state, request_id)
    }

    /// The trainer removes the app's access in their Google account: every Google token issued
    /// so far stops working (`POST /_mock/google/revoke`). Returns how many.
    pub fn revoke_google_tokens(&self) -> u64 {
        oauth::revoke(&self.state)
    }

    /// Refuse Data Manager ingest requests past `per_minute` in a minute (429), or stop.
    pub fn datamanager_quota(&self, per_minute: Option<u64>) {
        self.state.lock().datamanager.quota_per_minute = per_minute;
    }

    /// Data Manager ingest requests received per Unix minute (whatever their answer).
    pub fn datamanager_minutes(&self) -> std::collections::BTreeMap<i64, u64> {
        self.state.lock().datamanager.minutes.clone()
    }

    /// The alert webhooks received at [`WEBHOOK_PATH`], oldest first.
    pub fn webhooks(&self) -> Vec<ReceivedWebhook> {
        self.state.lock().webhooks.clone()
    }

    /// Answer the next `n` webhooks with 500.
    pub fn fail_webhooks(&self, n: u32) {
        self.state.lock().webhook_failures = n;
    }

    /// What each platform accepted, per account and event name.
    pub fn received(&self) -> Received {
        self.state.received()
    }

    /// Publish a DNS record on the mock DNS-over-HTTPS resolver (`GET /dns-query`), as
    /// `POST /_mock/dns` does: `("_trainererp.www.example.com", "TXT", "…")`.
    pub fn add_dns_record(&self, name: &str, kind: &str, data: &str) {
        self.state.dns.add(doh::Record {
            name: name.into(),
            kind: kind.into(),
            data: data.into(),
        });
    }

    /// Stop serving and wait until the listener is closed.
    pub async fn shutdown(mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
            let _ = task.await;
        }
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}
