//! The dispatcher's second job: polling Google for the outcome of accepted Data Manager
//! requests when due (the core's [`pixel_core::polls`]), from the same passes that deliver,
//! so no cron is needed: the queue's next due time counts the polls, and the worker or a
//! nudge picks them up.
//!
//! The due polls are found with one more key scan of the queue; a worker making passes every
//! few milliseconds looks at most every [`SCAN_EVERY_MS`] (an instance's memory, only an
//! optimisation: polls are 30 minutes apart, a few seconds late is nothing).

use std::sync::atomic::{AtomicI64, Ordering};

use pixel_core::config::TrackingConfig;
use pixel_core::kv::{KvStore, Stores};
use pixel_core::{polls, schema};

use crate::batch::Platforms;

/// How often one instance looks for due polls.
pub const SCAN_EVERY_MS: i64 = 5_000;
/// Polls per pass at most (Google's `requestStatus` quota is 300 a minute, shared).
pub const MAX_PER_PASS: usize = 50;

static NEXT_SCAN_MS: AtomicI64 = AtomicI64::new(0);

/// Poll what is due by `due_by_ms`; `force` skips the instance's scan interval (a tick).
/// Returns the polls made.
pub async fn run<S: KvStore, P: Platforms>(
    stores: &Stores<S>,
    platforms: &P,
    now_ms: i64,
    due_by_ms: i64,
    force: bool,
) -> Result<usize, String> {
    if !force && NEXT_SCAN_MS.load(Ordering::Relaxed) > now_ms {
        return Ok(0);
    }
    NEXT_SCAN_MS.store(now_ms + SCAN_EVERY_MS, Ordering::Relaxed);
    let due = polls::due(stores, due_by_ms, MAX_PER_PASS)
        .await
        .map_err(|e| e.to_string())?;
    let mut made = 0;
    for poll in due {
        if !polls::claim(stores, &poll)
            .await
            .map_err(|e| e.to_string())?
        {
            continue;
        }
        let raw = stores
            .configs
            .get(&schema::config_key(&poll.tenant, &poll.config))
            .await
            .map_err(|e| e.to_string())?;
        let Some(config) = raw.and_then(|r| serde_json::from_slice::<TrackingConfig>(&r).ok())
        else {
            // The config is gone, and its log with it: nothing left to tell.
            polls::forget(stores, &poll)
                .await
                .map_err(|e| e.to_string())?;
            continue;
        };
        let found = platforms
            .request_status(&config, &poll.pending.request_id, now_ms)
            .await;
        made += 1;
        polls::settle(stores, &poll, found, platforms.now_ms())
            .await
            .map_err(|e| e.to_string())?;
    }
    Ok(made)
}
