//! The dispatcher's worker lease (`worker` in the queue store): at most one worker runs passes
//! at a time across instances, and whoever queues work can tell whether one is on duty and
//! skip the wake.
//!
//! No wake is ever lost, by ordering alone: a producer writes its deliveries **then** reads the
//! lease ([`on_duty`]); a worker gives the lease back ([`release`]) **then** looks at the queue
//! once more. Either the producer's read comes before the release, and the worker's last look
//! (after it) sees the new deliveries, or it comes after, and the producer sees no worker and
//! wakes one. Correctness of sending never rests on this lease: the per-config leases keep two
//! passes from sending one delivery; this one only keeps wakes from becoming many workers.

use serde::{Deserialize, Serialize};

use crate::kv::{KvError, KvStore};
use crate::schema;

/// A worker that stops renewing is replaced after this: also how long work waits after a
/// crash took the worker down with its lease still live (the next wake after it starts one).
/// Holders renew at half-life, between passes.
pub const TTL_MS: i64 = 10_000;

#[derive(Serialize, Deserialize)]
struct WorkerLease {
    owner: String,
    until: i64,
}

fn value(owner: &str, until: i64) -> Vec<u8> {
    serde_json::to_vec(&WorkerLease {
        owner: owner.to_owned(),
        until,
    })
    .unwrap_or_default()
}

fn live(raw: &[u8], now: i64) -> bool {
    serde_json::from_slice::<WorkerLease>(raw).is_ok_and(|l| l.until > now)
}

/// Whether a worker is on duty now (one `get`). An unreadable lease counts as free.
pub async fn on_duty<S: KvStore>(q: &S, now: i64) -> Result<bool, KvError> {
    Ok(q.get(schema::WORKER_KEY)
        .await?
        .is_some_and(|v| live(&v, now)))
}

/// Take the lease if it is free or expired: the value written, to [`renew`] and [`release`].
pub async fn take<S: KvStore>(q: &S, owner: &str, now: i64) -> Option<Vec<u8>> {
    let current = q.get(schema::WORKER_KEY).await.ok()?;
    if current.as_deref().is_some_and(|c| live(c, now)) {
        return None;
    }
    let new = value(owner, now + TTL_MS);
    match q
        .compare_and_swap(schema::WORKER_KEY, current.as_deref(), &new)
        .await
    {
        Ok(true) => Some(new),
        _ => None,
    }
}

/// Extend a held lease to `now + TTL_MS`: the new value, or `Ok(None)` when it was lost (the
/// holder stalled past its expiry and another worker took over). A storage error is not a
/// loss: the lease is still ours until it expires, and the caller tries again later rather
/// than walk away from a live lease (which would leave due work waiting for the next wake).
pub async fn renew<S: KvStore>(
    q: &S,
    held: &[u8],
    owner: &str,
    now: i64,
) -> Result<Option<Vec<u8>>, KvError> {
    let renewed = value(owner, now + TTL_MS);
    Ok(q.compare_and_swap(schema::WORKER_KEY, Some(held), &renewed)
        .await?
        .then_some(renewed))
}

/// Give a held lease back (only if it is still ours). The caller must look at the queue once
/// more afterwards: work queued meanwhile was left to it.
pub async fn release<S: KvStore>(q: &S, held: &[u8]) {
    let _ = q
        .compare_and_swap(schema::WORKER_KEY, Some(held), &value("", 0))
        .await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kv::MemoryStore;

    fn block<F: std::future::Future>(f: F) -> F::Output {
        futures::executor::block_on(f)
    }

    #[test]
    fn one_holder_until_release_or_expiry() {
        block(async {
            let q = MemoryStore::default();
            let half = TTL_MS / 2;
            assert!(!on_duty(&q, 0).await.unwrap());
            let a = take(&q, "a", 1_000).await.expect("free lease");
            assert!(on_duty(&q, 1_000).await.unwrap());
            assert!(take(&q, "b", 2_000).await.is_none(), "held by a");
            let a = renew(&q, &a, "a", 1_000 + half)
                .await
                .unwrap()
                .expect("still a's");
            let later = 1_000 + TTL_MS + 1;
            assert!(
                take(&q, "b", later).await.is_none(),
                "renewed past its first expiry"
            );
            release(&q, &a).await;
            assert!(!on_duty(&q, later).await.unwrap());
            let b = take(&q, "b", later).await.expect("released");
            // a stalled, its old value no longer matches: it can neither renew nor release.
            assert!(renew(&q, &a, "a", later + 1).await.unwrap().is_none());
            release(&q, &a).await;
            assert!(on_duty(&q, later + 1).await.unwrap());
            // b dies: its lease expires and c takes over.
            assert!(!on_duty(&q, later + TTL_MS).await.unwrap());
            assert!(take(&q, "c", later + TTL_MS).await.is_some());
            assert!(renew(&q, &b, "b", later + TTL_MS).await.unwrap().is_none());
        });
    }

    #[test]
    fn an_unreadable_lease_counts_as_free() {
        block(async {
            let q = MemoryStore::default();
            q.set(schema::WORKER_KEY, b"garbage").await.unwrap();
            assert!(!on_duty(&q, 0).await.unwrap());
            assert!(take(&q, "a", 0).await.is_some());
        });
    }
}
