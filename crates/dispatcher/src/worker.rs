//! The background worker a wake (`POST /run`) starts: it runs passes while deliveries are due
//! soon, sleeping until the next attempt time (naps of at most [`NAP_MAX_MS`], so work queued
//! meanwhile is picked up quickly), and ends when nothing is due within [`HORIZON_MS`].
//!
//! One worker at a time across instances: the worker holds the core's worker lease
//! ([`pixel_core::queue::worker`]), and producers that find it on duty skip the wake. After a
//! pass that sent something, the worker lingers [`LINGER_MS`] before the next, so events that
//! arrive one page at a time leave in batches instead of one request each (unless the pass was
//! full: a backlog is drained without pause).
//!
//! After a pass, the worker runs the alert step when it is due ([`crate::alerting`]): the alert
//! check is work like a due delivery (`queue::next_due_time` counts it), so no cron is needed.

use pixel_core::kv::{KvStore, Stores};
use pixel_core::queue::{self, worker as lease};

use crate::alerting;
use crate::batch::Platforms;
use crate::pass::{self, PassOptions};

/// A worker that stops renewing is replaced after this.
pub const WORKER_TTL_MS: i64 = lease::TTL_MS;
/// Stay while something is due within this.
pub const HORIZON_MS: i64 = 180_000;
/// Shortest and longest sleep between looks at the queue.
pub const NAP_MIN_MS: i64 = 50;
pub const NAP_MAX_MS: i64 = 1_000;
/// The pause after a pass that sent something and did not fill up: what gathers a trickle of
/// events into one request per config (at most this much added latency).
pub const LINGER_MS: u64 = 50;
/// A worker hands over after this long, whatever is due (the next wake or nudge starts another).
pub const MAX_LIFETIME_MS: i64 = 15 * 60_000;

/// Whether a worker is on duty now (one `get`).
pub async fn busy<S: KvStore>(q: &S, now: i64) -> bool {
    lease::on_duty(q, now).await.unwrap_or(false)
}

/// Run as the worker until nothing is due soon. Returns the passes made.
pub async fn work<S: KvStore, P: Platforms>(
    stores: &Stores<S>,
    platforms: &P,
    owner: &str,
    random: impl Fn() -> u64 + Copy,
) -> usize {
    let mut passes = 0;
    let lease_ms = pass::lease_ms(
        spin_sdk::variables::get("delivery_lease_ms")
            .await
            .ok()
            .as_deref(),
    );
    loop {
        let start = platforms.now_ms();
        let Some(mut held) = lease::take(&stores.queue, owner, start).await else {
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
                lease_ms,
            };
            passes += 1;
            let (progressed, full) = match pass::run(stores, platforms, &opts, random).await {
                Ok(r) => (r.claimed > r.unsent, r.claimed >= opts.max),
                Err(e) => {
                    eprintln!("dispatcher worker: {e}");
                    (false, false)
                }
            };
            let now = platforms.now_ms();
            // The alert step, when due (one `get` to know): see `pixel_core::alerts::check`.
            if alerting::due(stores, now).await {
                alerting::step(stores, now, now, false, random).await;
            }
            if now - start > MAX_LIFETIME_MS {
                break;
            }
            if !progressed {
                match queue::next_due_time(stores).await {
                    Ok(Some(t)) if t <= now + HORIZON_MS => {
                        // Something due that this pass could not take (a lease held elsewhere, a
                        // poll inside its scan interval) must not make the worker spin.
                        let wait = (t - now).clamp(NAP_MIN_MS, nap);
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
                if !full {
                    spin_sdk::time::sleep(std::time::Duration::from_millis(LINGER_MS)).await;
                }
            }
            let now = platforms.now_ms();
            if until - now < WORKER_TTL_MS / 2 {
                match lease::renew(&stores.queue, &held, owner, now).await {
                    Ok(Some(renewed)) => {
                        held = renewed;
                        until = now + WORKER_TTL_MS;
                    }
                    // Lost it (we stalled past the TTL): the new holder carries on.
                    Ok(None) => return passes,
                    // Storage hiccup: still ours until `until`; try again after the next pass,
                    // and hand over if it lapses (the check above then fails for good).
                    Err(e) if now < until => eprintln!("dispatcher worker: renewing: {e}"),
                    Err(_) => return passes,
                }
            }
        }
        lease::release(&stores.queue, &held).await;
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
