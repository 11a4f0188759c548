//! The edge's side of junk filtering (`junk` holds the rules): the form timer's key, its cookie,
//! and the per-reason counters of what was filtered.

use std::cell::OnceCell;

use edge_kit::host::variable;
use edge_kit::kv::SpinStore;
use pixel_core::schema;
use pixel_core::site::Site;

use crate::cookies;
use crate::junk::{self, Junk};

thread_local! {
    /// Variables do not change while an instance lives.
    static KEY: OnceCell<Option<Vec<u8>>> = const { OnceCell::new() };
}

/// The form timer's key; `None` when the ingest secret is unset (then no form is timed and none
/// is refused as too fast: a missing secret must not cost real leads).
pub async fn timer_key() -> Option<Vec<u8>> {
    if let Some(k) = KEY.with(|c| c.get().cloned()) {
        return k;
    }
    let key = variable("ingest_signing_secret")
        .await
        .ok()
        .filter(|s| !s.is_empty())
        .map(|s| junk::timer_key(&s));
    KEY.with(|c| {
        let _ = c.set(key.clone());
    });
    key
}

/// What the timer is bound to: the registrable domain, as the other first-party cookies (a
/// form on `www.` may post to the bare domain), else the host without its port.
fn scope(host: &str) -> (String, Option<String>) {
    let domain = cookies::registrable_domain(host);
    let name = host.split(':').next().unwrap_or(host).to_ascii_lowercase();
    (domain.clone().unwrap_or(name), domain)
}

/// The `Set-Cookie` of the form timer for a page of `host` served now. Only tracked visitors
/// get it (no consent, no cookie), and only their forms can yield a Lead anyway.
pub fn timer_cookie(key: &[u8], host: &str, now_ms: u64) -> String {
    let (bound, domain) = scope(host);
    cookies::set_cookie(
        junk::TIMER_COOKIE,
        &junk::timer_value(key, &bound, now_ms),
        junk::MAX_FORM_MS / 1000,
        domain.as_deref(),
        true,
    )
}

/// Whether a lead form post on `host` came faster than a person can (see `junk`).
pub async fn lead_too_fast(host: &str, cookie_header: &str, now_ms: u64) -> bool {
    let Some(key) = timer_key().await else {
        return false;
    };
    let value = cookies::get(cookie_header, junk::TIMER_COOKIE);
    junk::form_too_fast(&key, &scope(host).0, value, now_ms)
}

/// Count `n` events not produced on `site` for `why`. A store that cannot be opened loses the
/// count, never the page.
pub async fn count(site: &Site, why: Junk, n: usize, now_ms: u64) {
    let Ok(stats) = SpinStore::open(schema::STATS_STORE).await else {
        return;
    };
    let n = u32::try_from(n).unwrap_or(u32::MAX);
    if let Err(e) =
        pixel_core::stats::record_filtered(&stats, &site.tenant_id, why.as_str(), now_ms as i64, n)
            .await
    {
        eprintln!("filtered counter: {e}");
    }
}
