//! The background worker a wake (`POST /run`) starts: it runs passes while deliveries are due
//! soon, sleeping until the next attempt time (naps of at most [`NAP_MAX_MS`], so work queued
//! meanwhile is picked up quickly), and ends when nothing is due within [`HORIZON_MS`].
//!
//! One worker at a time across instances: the worker holds `worker` in the queue store (a
//! lease taken and renewed by compare-and-swap, expiring after [`WORKER_TTL_MS`] if its
//! holder dies). A wake that finds a live worker leaves the work to it. Correctness never
//! rests on this: the core's per-config leases keep two passes from sending the same
//! delivery; this only keeps many wakes from becoming many sleeping workers.
//! The core's schema has no such key yet; it lives here (a single fixed key).

use pixel_core::kv::{KvStore, Stores};
use pixel_core::queue;
use serde::{Deserialize, Serialize};

use crate::batch::Platforms;
use crate::pass::{self, PassOptions};

pub const WORKER_KEY: &str = "worker";
/// A worker that stops renewing is replaced after this.
pub const WORKER_TTL_MS: i64 = 30_000;
/// Stay while something is due within this.
pub const HORIZON_MS: i64 = 180_000;
/// Shortest and longest sleep between looks at the queue.
pub const NAP_MIN_MS: i64 = 50;
pub const NAP_MAX_MS: i64 = 1_000;
/// A worker hands over after this long, whatever is due (the next wake or nudge starts another).
pub const MAX_LIFETIME_MS: i64 = 15 * 60_000;

#[derive(Serialize, Deserialize)]
struct WorkerLease {
    owner: String,
    until: i64,
}

fn lease_value(owner: &str, until: i64) -> Vec<u8> {
    serde_json::to_vec(&WorkerLease {
        owner: owner.to_owned(),
        until,
    })
    .unwrap_or_default()
}

/// Take the worker lease if it is free or expired; the value written, to renew and release.
async fn take<S: KvStore>(q: &S, owner: &str, now: i64) -> Option<Vec<u8>> {
    let current = q.get(WORKER_KEY).await.ok()?;
    if let Some(cur) = &current
        && serde_json::from_slice::<WorkerLease>(cur).is_ok_and(|l| l.until > now)
    {
        return None;
    }
    let new = lease_value(owner, now + WORKER_TTL_MS);
    match q
        .compare_and_swap(WORKER_KEY, current.as_deref(), &new)
        .await
    {
        Ok(true) => Some(new),
        _ => None,
    }
}

/// Whether a worker is on duty now (one `get`).
pub async fn busy<S: KvStore>(q: &S, now: i64) -> bool {
    matches!(q.get(WORKER_KEY).await, Ok(Some(v))
        if serde_json::from_slice::<WorkerLease>(&v).is_ok_and(|l| l.until > now))
}

/// Run as the worker until nothing is due soon. Returns the passes made.
pub async fn work<S: KvStore, P: Platforms>(
    stores: &Stores<S>,
    platforms: &P,
    owner: &str,
    random: impl Fn() -> u64 + Copy,
) -> usize {
    let mut passes = 0;
    loop {
        let start = platforms.now_ms();
        let Some(mut held) = take(&stores.queue, owner, start).await else {
            return passes;
        };
        let mut until = start + WORKER_TTL_MS;
        let mut nap = NAP_MIN_MS;
        loop {
            let now = platforms.now_ms();
            let opts = PassOptions {
                now_ms: now,
                ahead_ms: 0,
                owner: owner.to_owned(),
                max: pass::MAX_PER_PASS,
            };
            passes += 1;
            let progressed = match pass::run(stores, platforms, &opts, random).await {
                Ok(r) => r.claimed > r.unsent,
                Err(e) => {
                    eprintln!("dispatcher worker: {e}");
                    false
                }
            };
            let now = platforms.now_ms();
            if now - start > MAX_LIFETIME_MS {
                break;
            }
            if !progressed {
                match queue::next_due_time(stores).await {
                    Ok(Some(t)) if t <= now + HORIZON_MS => {
                        let wait = (t - now).clamp(0, nap);
                        nap = (nap * 2).min(NAP_MAX_MS);
                        if wait > 0 {
                            spin_sdk::time::sleep(std::time::Duration::from_millis(wait as u64))
                                .await;
                        }
                    }
                    _ => break,
                }
            } else {
                nap = NAP_MIN_MS;
            }
            let now = platforms.now_ms();
            if until - now < WORKER_TTL_MS / 2 {
                let renewed = lease_value(owner, now + WORKER_TTL_MS);
                match stores
                    .queue
                    .compare_and_swap(WORKER_KEY, Some(&held), &renewed)
                    .await
                {
                    Ok(true) => {
                        held = renewed;
                        until = now + WORKER_TTL_MS;
                    }
                    // Lost it (we stalled past the TTL): the new holder carries on.
                    _ => return passes,
                }
            }
        }
        let released = lease_value("", 0);
        let _ = stores
            .queue
            .compare_and_swap(WORKER_KEY, Some(&held), &released)
            .await;
        // Work queued between our last look and the release found us busy and left it to
        // us: look once more now that we are gone, and carry on if there is any.
        let now = platforms.now_ms();
        if now - start > MAX_LIFETIME_MS
            || !queue::has_pending_work(stores, now, 0)
                .await
                .unwrap_or(false)
        {
            return passes;
        }
    }
}
