//! The edge's outbox: the events of this instance's pages leave for the queue together, a
//! moment after the first of them, instead of one write (and one dispatcher check) per page.
//!
//! Spin serves many requests with one instance, and work spawned after a response keeps the
//! instance alive until it ends, so a page only appends its events here (no storage on the
//! page's path) and the first page of a quiet spell starts the flush, which waits
//! [`FLUSH_AFTER_MS`] for the pages that follow. Ids minted at random here need no dedup claim:
//! those events go in one `set_many` per tenant; a thank-you page's Purchase, whose id comes
//! from the order (and comes back from the backend), is held for the backend's
//! ([`crate::purchase`]).
//! A failed write is retried; what still fails is reported in the log with the event ids.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::rc::Rc;
use std::time::Duration;

use edge_kit::kv::SpinStore;
use edge_kit::pipeline::{enqueue_loaded, enqueue_minted};
use pixel_core::StandardEvent;
use pixel_core::config::{TenantId, TrackingConfig};
use pixel_core::event::Event;
use pixel_core::kv::{KvError, Stores};

/// How long the first event of a quiet spell waits for others: the longest a page's event
/// stays in memory, and the delivery latency it adds.
pub const FLUSH_AFTER_MS: u64 = 20;
/// Attempts at writing a flush, and the pause before each retry.
const ATTEMPTS: u32 = 3;
const RETRY_PAUSE_MS: u64 = 100;

/// Events of one page: the tenant's configs as the page saw them, and the events.
pub struct PageEvents {
    pub tenant: TenantId,
    /// The site the page belongs to (its hourly event counter feeds the silent-site alert).
    pub host: String,
    pub configs: Rc<Vec<TrackingConfig>>,
    pub events: Vec<Event>,
    /// Whether each event's id was minted at random for it (no dedup claim needed).
    pub minted: Vec<bool>,
    /// Whether the page's order (if any) carried TrainerERP's signature: then its Purchase is
    /// the backend's word and goes out at once; otherwise it is held ([`crate::purchase`]).
    pub signed_order: bool,
}

thread_local! {
    static PENDING: RefCell<Vec<PageEvents>> = const { RefCell::new(Vec::new()) };
    static SCHEDULED: Cell<bool> = const { Cell::new(false) };
}

/// Hand a page's events over; they are written after the response, with their neighbours'.
pub fn post(page: PageEvents) {
    if page.events.is_empty() {
        return;
    }
    PENDING.with(|p| p.borrow_mut().push(page));
    if !SCHEDULED.with(|s| s.replace(true)) {
        spin_sdk::wasip3::spawn(async move {
            spin_sdk::time::sleep(Duration::from_millis(FLUSH_AFTER_MS)).await;
            // Take the lot and reopen the outbox before writing: pages arriving during the
            // write start the next flush.
            let pages = PENDING.with(|p| std::mem::take(&mut *p.borrow_mut()));
            SCHEDULED.with(|s| s.set(false));
            flush(pages, edge_kit::host::now_ms() as i64).await;
        });
    }
}

async fn flush(pages: Vec<PageEvents>, now_ms: i64) {
    let stores: Stores<SpinStore> = match edge_kit::kv::open_stores().await {
        Ok(s) => s,
        Err(e) => return lost(&pages, &format!("stores: {e}")),
    };
    // One write per tenant for the minted ids (their configs are the newest a page saw).
    let mut minted: BTreeMap<&TenantId, (&Rc<Vec<TrackingConfig>>, Vec<Event>)> = BTreeMap::new();
    let mut claimed: Vec<(&PageEvents, &Event)> = Vec::new();
    for page in &pages {
        let entry = minted
            .entry(&page.tenant)
            .or_insert_with(|| (&page.configs, Vec::new()));
        entry.0 = &page.configs;
        for (e, m) in page.events.iter().zip(&page.minted) {
            if *m {
                entry.1.push(e.clone());
            } else {
                claimed.push((page, e));
            }
        }
    }
    let mut deliveries = 0;
    for (tenant, (configs, events)) in &minted {
        if events.is_empty() {
            continue;
        }
        match retrying(|| enqueue_minted(&stores, configs, tenant, events, now_ms)).await {
            Ok(n) => deliveries += n,
            Err(e) => {
                let ids: Vec<&str> = events.iter().map(|e| e.event_id.as_str()).collect();
                eprintln!(
                    "edge events of {tenant} not queued ({e}): {}",
                    ids.join(",")
                );
            }
        }
    }
    let mut purchases: BTreeMap<&TenantId, u32> = BTreeMap::new();
    for (page, e) in claimed {
        // An unsigned thank-you page's order is held for the backend's word; a signed one is
        // the backend's word, and replaces an unsigned copy on hold (crate::purchase).
        let queued = if e.name == StandardEvent::Purchase && page.signed_order {
            let done =
                retrying(|| enqueue_loaded(&stores, &page.configs, &page.tenant, e, None, now_ms))
                    .await;
            if let Ok(d) = &done
                && !d.duplicate
                && let Err(err) = crate::purchase::cancel_held(
                    &stores,
                    &page.configs,
                    &page.tenant,
                    e.event_id.as_str(),
                    now_ms,
                )
                .await
            {
                eprintln!("held copy of {} not cancelled: {err}", e.event_id);
            }
            done
        } else if e.name == StandardEvent::Purchase {
            retrying(|| {
                crate::purchase::enqueue_page_purchase(
                    &stores,
                    &page.configs,
                    &page.tenant,
                    e,
                    now_ms,
                )
            })
            .await
        } else {
            retrying(|| enqueue_loaded(&stores, &page.configs, &page.tenant, e, None, now_ms)).await
        };
        match queued {
            Ok(done) => {
                deliveries += done.deliveries;
                // A thank-you page's order, first seen here: the reconciliation's "received".
                if !done.duplicate && e.name == StandardEvent::Purchase {
                    *purchases.entry(&page.tenant).or_default() += 1;
                }
            }
            Err(err) => eprintln!(
                "edge {} {} of {} not queued: {err}",
                e.name.spec_name(),
                e.event_id,
                page.tenant
            ),
        }
    }
    // The silent-site alert's counters: one `increment` per site and flush, not per page.
    let mut per_site: BTreeMap<(&TenantId, &str), u32> = BTreeMap::new();
    for page in &pages {
        *per_site
            .entry((&page.tenant, page.host.as_str()))
            .or_default() += page.events.len() as u32;
    }
    for ((tenant, host), n) in per_site {
        if let Err(e) =
            pixel_core::stats::record_site_events(&stores.stats, tenant, host, now_ms, n).await
        {
            eprintln!("site events of {host}: {e}");
        }
    }
    for (tenant, n) in purchases {
        if let Err(e) =
            pixel_core::stats::record_purchases_received(&stores.stats, tenant, now_ms, n).await
        {
            eprintln!("purchases received of {tenant}: {e}");
        }
    }
    if deliveries > 0 {
        edge_kit::wake::wake_unless_on_duty(&stores.queue, "edge events queued").await;
    }
}

async fn retrying<T, F, Fut>(mut op: F) -> Result<T, KvError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, KvError>>,
{
    let mut attempt = 1;
    loop {
        match op().await {
            Ok(v) => return Ok(v),
            Err(e) if attempt >= ATTEMPTS => return Err(e),
            Err(e) => {
                eprintln!("edge events: write failed (attempt {attempt}), retrying: {e}");
                spin_sdk::time::sleep(Duration::from_millis(RETRY_PAUSE_MS * u64::from(attempt)))
                    .await;
                attempt += 1;
            }
        }
    }
}

fn lost(pages: &[PageEvents], why: &str) {
    for p in pages {
        let ids: Vec<&str> = p.events.iter().map(|e| e.event_id.as_str()).collect();
        eprintln!(
            "edge events of {} not queued ({why}): {}",
            p.tenant,
            ids.join(",")
        );
    }
}
