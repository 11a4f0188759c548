//! The Data Manager API's project-wide quota as one budget shared by every instance:
//! Google allows the app's Cloud project 300 `events:ingest` requests a minute, for all
//! trainers together, so no instance may count for itself.
//!
//! Increment-based, so it holds on every key-value store (Spin's Redis store has no working
//! compare-and-swap; see SPIN-NOTES): each request takes a slot by incrementing the minute's
//! counter and is sent only if the value it got is within the budget; a refused request gives
//! its slot back (a negative increment), so the counter is "granted + in flight" and the
//! granted never exceed the budget, whatever the interleaving.
//!
//! Fairness: each tenant's first [`Budget::fair_share`] requests of a minute may use the whole
//! budget; beyond that a tenant is served only while [`Budget::reserve`] slots are left for the
//! others. A trainer with a backlog thus drains at up to `per_minute - reserve` a minute, and
//! every other trainer still finds room in the same minute.
//!
//! Counters live in the `stats` store (never scanned), one per minute and one per tenant and
//! minute; the first taker of a minute deletes the same counters of a few minutes before.

use crate::config::TenantId;
use crate::kv::{KvError, KvStore};
use crate::schema;

/// The shape of the shared budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    /// Requests a minute for the whole project (Google: 300 for `events:ingest`).
    pub per_minute: i64,
    /// Requests a minute a tenant always may make while the budget lasts.
    pub fair_share: i64,
    /// Slots a tenant beyond its fair share must leave to the others.
    pub reserve: i64,
}

impl Budget {
    /// A per-minute budget in the product's proportions: a tenth as fair share, a third held
    /// in reserve. Google's 300 gives 30 and 100.
    pub fn per_minute(n: i64) -> Budget {
        let n = n.max(1);
        Budget {
            per_minute: n,
            fair_share: (n / 10).max(1),
            reserve: n / 3,
        }
    }
}

/// Whether a request may go now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    Granted,
    /// Not this minute: try again at `at_ms` (the next minute's start).
    Wait {
        at_ms: i64,
    },
}

const MINUTE_MS: i64 = 60_000;
/// Minutes of counters the first taker of a minute deletes (those before the previous one).
const CLEANUP_MINUTES: i64 = 5;

/// Take one request's slot of the shared budget for `tenant` at `now_ms`.
pub async fn admit<S: KvStore>(
    store: &S,
    budget: Budget,
    tenant: &TenantId,
    now_ms: i64,
) -> Result<Admission, KvError> {
    let minute = now_ms.div_euclid(MINUTE_MS);
    let wait = Admission::Wait {
        at_ms: (minute + 1) * MINUTE_MS,
    };
    let tenant_key = schema::quota_tenant_key(minute, tenant);
    let global_key = schema::quota_key(minute);
    let mine = store.increment(&tenant_key, 1).await?;
    if mine == 1 {
        cleanup(store, minute, Some(tenant)).await;
    }
    if mine > budget.fair_share {
        // Past its fair share: only while the reserve is untouched. A read first, so that a
        // backlog does not churn the shared counter with slots it gives back at once.
        let used = store
            .get_counters(std::slice::from_ref(&global_key))
            .await?;
        if used.first().copied().unwrap_or(0) >= budget.per_minute - budget.reserve {
            store.increment(&tenant_key, -1).await?;
            return Ok(wait);
        }
    }
    let taken = store.increment(&global_key, 1).await?;
    if taken == 1 {
        cleanup(store, minute, None).await;
    }
    let limit = if mine > budget.fair_share {
        budget.per_minute - budget.reserve
    } else {
        budget.per_minute
    };
    if taken > limit {
        store.increment(&global_key, -1).await?;
        store.increment(&tenant_key, -1).await?;
        return Ok(wait);
    }
    Ok(Admission::Granted)
}

/// Requests granted in `minute` so far (plus any in the act of being refused): for tests and
/// operators.
pub async fn used<S: KvStore>(store: &S, now_ms: i64) -> Result<i64, KvError> {
    let key = schema::quota_key(now_ms.div_euclid(MINUTE_MS));
    Ok(store
        .get_counters(std::slice::from_ref(&key))
        .await?
        .first()
        .copied()
        .unwrap_or(0))
}

/// Drop the counters of the minutes before the previous one; a failure leaves a few small
/// keys behind, nothing worse.
async fn cleanup<S: KvStore>(store: &S, minute: i64, tenant: Option<&TenantId>) {
    let keys: Vec<String> = (2..2 + CLEANUP_MINUTES)
        .map(|back| match tenant {
            Some(t) => schema::quota_tenant_key(minute - back, t),
            None => schema::quota_key(minute - back),
        })
        .collect();
    let _ = store.delete_many(&keys).await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kv::MemoryStore;
    use futures::executor::block_on;

    fn tenant(s: &str) -> TenantId {
        TenantId::parse(s).unwrap()
    }

    #[test]
    fn the_budget_is_never_exceeded_and_a_backlog_leaves_room_for_others() {
        block_on(async {
            let store = MemoryStore::new();
            let b = Budget {
                per_minute: 10,
                fair_share: 2,
                reserve: 4,
            };
            let now = 1_790_000_000_000;
            let mut granted = 0;
            for _ in 0..50 {
                if admit(&store, b, &tenant("big"), now).await.unwrap() == Admission::Granted {
                    granted += 1;
                }
            }
            // The backlog gets everything but the reserve...
            assert_eq!(granted, 6);
            // ...and a small tenant still gets the rest, up to the budget and no further.
            let mut small = 0;
            for t in ["a", "b", "c", "d", "e"] {
                if admit(&store, b, &tenant(t), now).await.unwrap() == Admission::Granted {
                    small += 1;
                }
            }
            assert_eq!(small, 4);
            assert_eq!(used(&store, now).await.unwrap(), 10);
            assert_eq!(
                admit(&store, b, &tenant("f"), now).await.unwrap(),
                Admission::Wait {
                    at_ms: (now / 60_000 + 1) * 60_000
                }
            );
            // A new minute has a new budget, and the old counters are cleaned up later.
            let later = now + 2 * 60_000;
            assert_eq!(
                admit(&store, b, &tenant("big"), later).await.unwrap(),
                Admission::Granted
            );
            let keys = store.keys().await.unwrap();
            let minute = now / 60_000;
            for gone in [
                schema::quota_key(minute),
                schema::quota_tenant_key(minute, &tenant("big")),
            ] {
                assert!(!keys.contains(&gone), "{gone} in {keys:?}");
            }
        });
    }

    #[test]
    fn refused_requests_give_their_slot_back() {
        block_on(async {
            let store = MemoryStore::new();
            let b = Budget::per_minute(3);
            let now = 0;
            for t in ["a", "b", "c", "d", "e"] {
                let _ = admit(&store, b, &tenant(t), now).await.unwrap();
            }
            assert_eq!(used(&store, now).await.unwrap(), 3);
        });
    }
}
