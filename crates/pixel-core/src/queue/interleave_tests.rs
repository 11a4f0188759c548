//! Two dispatchers over one backlog, their key-value operations interleaved step by step.
//!
//! Each dispatcher sees the shared [`MemoryStore`] through a [`Yielding`] handle that suspends
//! for a pseudo-random number of polls before every operation; `futures::join` polls the two
//! alternately, so each seed is a different interleaving of their reads, CAS and deletes.

use super::*;
use crate::kv::MemoryStore;
use futures::executor::block_on;
use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

struct YieldNow(u32);

impl Future for YieldNow {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 == 0 {
            return Poll::Ready(());
        }
        self.0 -= 1;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

/// A view of a shared store that yields before each operation.
struct Yielding<'a> {
    inner: &'a MemoryStore,
    rng: Cell<u64>,
}

impl Yielding<'_> {
    async fn pause(&self) {
        // xorshift: deterministic per seed.
        let mut x = self.rng.get();
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.rng.set(x);
        YieldNow((x % 4) as u32).await
    }
}

impl KvStore for Yielding<'_> {
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, KvError> {
        self.pause().await;
        self.inner.get(key).await
    }
    async fn set(&self, key: &str, value: &[u8]) -> Result<(), KvError> {
        self.pause().await;
        self.inner.set(key, value).await
    }
    async fn delete(&self, key: &str) -> Result<(), KvError> {
        self.pause().await;
        self.inner.delete(key).await
    }
    async fn get_many(&self, keys: &[String]) -> Result<Vec<Option<Vec<u8>>>, KvError> {
        self.pause().await;
        self.inner.get_many(keys).await
    }
    async fn set_many(&self, pairs: &[(String, Vec<u8>)]) -> Result<(), KvError> {
        self.pause().await;
        self.inner.set_many(pairs).await
    }
    async fn delete_many(&self, keys: &[String]) -> Result<(), KvError> {
        self.pause().await;
        self.inner.delete_many(keys).await
    }
    async fn keys(&self) -> Result<Vec<String>, KvError> {
        self.pause().await;
        self.inner.keys().await
    }
    async fn increment(&self, key: &str, delta: i64) -> Result<i64, KvError> {
        self.pause().await;
        self.inner.increment(key, delta).await
    }
    async fn compare_and_swap(
        &self,
        key: &str,
        expected: Option<&[u8]>,
        new: &[u8],
    ) -> Result<bool, KvError> {
        self.pause().await;
        self.inner.compare_and_swap(key, expected, new).await
    }
}

struct Shared {
    configs: MemoryStore,
    queue: MemoryStore,
    logs: MemoryStore,
    stats: MemoryStore,
}

fn view(s: &Shared, seed: u64) -> Stores<Yielding<'_>> {
    let y = |inner, n: u64| Yielding {
        inner,
        rng: Cell::new(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ n | 1),
    };
    Stores {
        configs: y(&s.configs, 1),
        queue: y(&s.queue, 2),
        logs: y(&s.logs, 3),
        stats: y(&s.stats, 4),
    }
}

/// A dispatcher: claim, "send" (record), complete, release, until nothing is due.
async fn dispatcher(
    stores: &Stores<Yielding<'_>>,
    owner: &str,
    sent: &RefCell<Vec<(String, String)>>,
) {
    for _ in 0..50 {
        let batches = claim_due(stores, 1_000, 60_000, owner, 7).await.unwrap();
        if batches.is_empty() {
            break;
        }
        for b in &batches {
            for d in &b.deliveries {
                sent.borrow_mut()
                    .push((d.config_id.to_string(), d.event_id.clone()));
            }
            complete(stores, &b.deliveries).await.unwrap();
            release(stores, b).await.unwrap();
        }
    }
}

fn seed_backlog(s: &Shared) -> Vec<(String, String)> {
    let stores = Stores {
        configs: &s.configs,
        queue: &s.queue,
        logs: &s.logs,
        stats: &s.stats,
    };
    let mut want = Vec::new();
    for i in 0..20 {
        let configs: Vec<ConfigId> = ["a", "b", "c"]
            .iter()
            .take(1 + i % 3)
            .map(|c| ConfigId::parse(c).unwrap())
            .collect();
        let id = format!("ev{i}");
        block_on(enqueue(
            &stores,
            &TenantId::parse("t").unwrap(),
            &id,
            StandardEvent::Lead,
            b"{}",
            &configs,
            i as i64,
        ))
        .unwrap();
        want.extend(configs.iter().map(|c| (c.to_string(), id.clone())));
    }
    want.sort();
    want
}

#[test]
fn two_dispatchers_never_send_one_delivery_twice() {
    for seed in 1..300u64 {
        let shared = Shared {
            configs: MemoryStore::new(),
            queue: MemoryStore::new(),
            logs: MemoryStore::new(),
            stats: MemoryStore::new(),
        };
        let want = seed_backlog(&shared);
        let sent = RefCell::new(Vec::new());
        let one = view(&shared, seed);
        let two = view(&shared, seed.wrapping_add(1_000_003));
        block_on(futures::future::join(
            dispatcher(&one, "one", &sent),
            dispatcher(&two, "two", &sent),
        ));
        let mut got = sent.into_inner();
        got.sort();
        assert_eq!(got, want, "seed {seed}: each delivery exactly once");
        let left: Vec<String> = shared
            .queue
            .dump()
            .into_keys()
            .filter(|k| !k.starts_with("lease/") && !k.starts_with("e/"))
            .collect();
        assert!(left.is_empty(), "seed {seed}: {left:?}");
    }
}

#[test]
fn a_stale_plan_sends_nothing_that_was_finished_meanwhile() {
    // A plans; B claims, completes and releases everything; A then takes the (now free) lease.
    let s = Stores::memory();
    block_on(enqueue(
        &s,
        &TenantId::parse("t").unwrap(),
        "ev1",
        StandardEvent::Lead,
        b"{}",
        &[ConfigId::parse("a").unwrap()],
        0,
    ))
    .unwrap();
    let plan_a = block_on(plan_claim(&s, 10, 100)).unwrap();
    let plan_b = block_on(plan_claim(&s, 10, 100)).unwrap();
    let b = block_on(take_claim(&s, plan_b, 60_000, "B")).unwrap();
    assert_eq!(b[0].deliveries.len(), 1);
    block_on(complete(&s, &b[0].deliveries)).unwrap();
    block_on(release(&s, &b[0])).unwrap();
    let a = block_on(take_claim(&s, plan_a, 60_000, "A")).unwrap();
    assert!(a.is_empty(), "A must not resend ev1: {a:?}");
}

#[test]
fn two_planners_one_lease() {
    // Both plan before either takes: the compare-and-swap lets exactly one win.
    let s = Stores::memory();
    block_on(enqueue(
        &s,
        &TenantId::parse("t").unwrap(),
        "ev1",
        StandardEvent::Lead,
        b"{}",
        &[ConfigId::parse("a").unwrap()],
        0,
    ))
    .unwrap();
    let plan_a = block_on(plan_claim(&s, 10, 100)).unwrap();
    let plan_b = block_on(plan_claim(&s, 10, 100)).unwrap();
    let a = block_on(take_claim(&s, plan_a, 60_000, "A")).unwrap();
    let b = block_on(take_claim(&s, plan_b, 60_000, "B")).unwrap();
    assert_eq!(a.len() + b.len(), 1);
}

#[test]
fn a_stale_plan_does_not_collect_a_body_replayed_meanwhile() {
    // The event was dead-lettered long ago, its body gone; a planner sees a leftover orphan
    // body, a replay rewrites it with a fresh delivery, then the planner takes its plan.
    let s = Stores::memory();
    let cfg = ConfigId::parse("a").unwrap();
    block_on(enqueue(
        &s,
        &TenantId::parse("t").unwrap(),
        "ev1",
        StandardEvent::Lead,
        b"{}",
        std::slice::from_ref(&cfg),
        0,
    ))
    .unwrap();
    let b = block_on(claim_due(&s, 0, 60_000, "w", 10)).unwrap();
    let dl = [DeadLetter {
        delivery: &b[0].deliveries[0],
        reason: "x".into(),
        response_code: None,
    }];
    block_on(dead_letter(&s, &dl, 0)).unwrap();
    block_on(release(&s, &b[0])).unwrap();
    // A stale copy of the body, as a crash between two deletes might leave.
    let eid = schema::event_ref(&TenantId::parse("t").unwrap(), "ev1");
    let header = record::EventHeader {
        tenant: TenantId::parse("t").unwrap(),
        event_id: "ev1".into(),
        event_name: StandardEvent::Lead,
        enqueued_at: 0,
    };
    block_on(s.queue.set(
        &schema::event_key(&eid),
        &record::encode_event(&header, b"{}"),
    ))
    .unwrap();
    let later = 10 * ORPHAN_GRACE_MS;
    let plan = block_on(plan_claim(&s, later, 10)).unwrap();
    assert_eq!(block_on(replay_dead_letters(&s, &cfg, later)).unwrap(), 1);
    block_on(take_claim(&s, plan, 60_000, "w")).unwrap();
    let again = block_on(claim_due(&s, later, 60_000, "w", 10)).unwrap();
    assert_eq!(again.len(), 1, "the replayed delivery still has its event");
    assert_eq!(again[0].deliveries[0].event_id, "ev1");
}

#[test]
fn concurrent_enqueues_of_one_event_store_it_once() {
    for seed in 1..200u64 {
        let shared = Shared {
            configs: MemoryStore::new(),
            queue: MemoryStore::new(),
            logs: MemoryStore::new(),
            stats: MemoryStore::new(),
        };
        let one = view(&shared, seed);
        let two = view(&shared, seed.wrapping_add(7_777));
        let tenant = TenantId::parse("t").unwrap();
        let configs = [ConfigId::parse("a").unwrap(), ConfigId::parse("b").unwrap()];
        let go = |stores| {
            let (tenant, configs) = (&tenant, &configs);
            async move {
                enqueue(
                    stores,
                    tenant,
                    "pay-1",
                    StandardEvent::Purchase,
                    b"{}",
                    configs,
                    5,
                )
                .await
                .unwrap()
            }
        };
        let (a, b) = block_on(futures::future::join(go(&one), go(&two)));
        let mut got = [a, b];
        got.sort_by_key(|r| matches!(r, EnqueueResult::Duplicate));
        assert_eq!(
            got,
            [EnqueueResult::NewDeliveries(2), EnqueueResult::Duplicate],
            "seed {seed}"
        );
        let deliveries = shared
            .queue
            .dump()
            .keys()
            .filter(|k| k.starts_with("d/"))
            .count();
        assert_eq!(deliveries, 2, "seed {seed}");
    }
}
