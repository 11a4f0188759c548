//! The queue on a store with a due index (as the Redis store keeps one): claims read the index,
//! never `keys()`, and everything the scan-based path guarantees still holds.

use super::*;
use crate::kv::MemoryStore;
use futures::executor::block_on;

const LEASE: i64 = 30_000;

fn t(s: &str) -> TenantId {
    TenantId::parse(s).unwrap()
}
fn c(s: &str) -> ConfigId {
    ConfigId::parse(s).unwrap()
}

fn enq(stores: &Stores<MemoryStore>, id: &str, configs: &[&str], now: i64) {
    let configs: Vec<ConfigId> = configs.iter().map(|s| c(s)).collect();
    let body = format!("{{\"eventId\":\"{id}\"}}");
    let r = block_on(enqueue(
        stores,
        &t("t1"),
        id,
        StandardEvent::Purchase,
        body.as_bytes(),
        &configs,
        now,
    ))
    .unwrap();
    assert_eq!(r, EnqueueResult::NewDeliveries(configs.len()));
}

fn claim(stores: &Stores<MemoryStore>, now: i64, max: usize) -> Vec<ConfigBatch> {
    block_on(claim_due(stores, now, LEASE, "w1", max)).unwrap()
}

fn count(batches: &[ConfigBatch], config: &str) -> usize {
    batches
        .iter()
        .filter(|b| b.config_id.as_str() == config)
        .map(|b| b.deliveries.len())
        .sum()
}

fn bodies(stores: &Stores<MemoryStore>) -> usize {
    stores
        .queue
        .dump()
        .keys()
        .filter(|k| k.starts_with("e/"))
        .count()
}

#[test]
fn claims_come_from_the_index_and_completion_empties_it() {
    let s = Stores::memory_indexed();
    enq(&s, "solo", &["a"], 1_000);
    enq(&s, "both", &["a", "b"], 1_000);
    assert_eq!(s.queue.index_members(), Some(3));
    let batches = claim(&s, 2_000, 100);
    assert_eq!((count(&batches, "a"), count(&batches, "b")), (2, 1));
    for b in &batches {
        block_on(complete(&s, &b.deliveries)).unwrap();
        block_on(release(&s, b)).unwrap();
    }
    assert_eq!(s.queue.index_members(), Some(0));
    assert!(claim(&s, 3_000, 100).is_empty());
    assert_eq!(block_on(next_due_time(&s)).unwrap(), None);
    // The unshared body went with its delivery; the shared one waits for the orphan sweep.
    assert_eq!(bodies(&s), 1);
    assert_eq!(block_on(sweep_orphan_events(&s, 2_000)).unwrap(), 0);
    let later = 1_000 + ORPHAN_GRACE_MS + 1;
    assert_eq!(block_on(sweep_orphan_events(&s, later)).unwrap(), 1);
    assert_eq!(bodies(&s), 0);
}

#[test]
fn a_shared_body_stays_while_another_config_still_needs_it() {
    let s = Stores::memory_indexed();
    enq(&s, "both", &["a", "b"], 1_000);
    let batches = claim(&s, 2_000, 100);
    let a = batches
        .iter()
        .find(|b| b.config_id.as_str() == "a")
        .unwrap();
    block_on(complete(&s, &a.deliveries)).unwrap();
    block_on(release(&s, a)).unwrap();
    // The sweep must not take a body a pending delivery uses, however old.
    assert_eq!(block_on(sweep_orphan_events(&s, i64::MAX / 2)).unwrap(), 0);
    let b = batches
        .iter()
        .find(|b| b.config_id.as_str() == "b")
        .unwrap();
    assert_eq!(
        b.deliveries[0].event_json,
        br#"{"eventId":"both"}"#.to_vec()
    );
}

#[test]
fn a_retry_moves_its_index_entry_and_is_not_due_before_its_time() {
    let s = Stores::memory_indexed();
    enq(&s, "e1", &["a"], 1_000);
    let batches = claim(&s, 2_000, 100);
    let d = &batches[0].deliveries[0];
    block_on(reschedule(
        &s,
        &[Reschedule {
            delivery: d,
            next_attempt_ms: 60_000,
            attempt: 1,
            last_error: Some("503".into()),
        }],
    ))
    .unwrap();
    block_on(release(&s, &batches[0])).unwrap();
    assert_eq!(s.queue.index_members(), Some(1));
    assert!(claim(&s, 59_999, 100).is_empty());
    assert_eq!(block_on(next_due_time(&s)).unwrap(), Some(60_000));
    let again = claim(&s, 60_000, 100);
    assert_eq!(again[0].deliveries[0].attempt, 1);
}

#[test]
fn a_held_config_is_skipped_and_does_not_count_as_due() {
    let s = Stores::memory_indexed();
    enq(&s, "e1", &["a"], 1_000);
    enq(&s, "e2", &["b"], 5_000);
    block_on(hold_config(&s, &c("a"))).unwrap();
    assert_eq!(block_on(next_due_time(&s)).unwrap(), Some(5_000));
    let batches = claim(&s, 10_000, 100);
    assert_eq!((count(&batches, "a"), count(&batches, "b")), (0, 1));
}

#[test]
fn a_huge_backlog_shares_the_pass_with_a_small_one() {
    let s = Stores::memory_indexed();
    for i in 0..50 {
        enq(&s, &format!("big-{i}"), &["big"], 1_000 + i);
    }
    enq(&s, "small-0", &["small"], 9_000);
    let batches = claim(&s, 10_000, 10);
    assert_eq!((count(&batches, "big"), count(&batches, "small")), (9, 1));
}

#[test]
fn cancelling_a_config_removes_its_index_entries() {
    let s = Stores::memory_indexed();
    enq(&s, "e1", &["a"], 1_000);
    enq(&s, "e2", &["a", "b"], 1_000);
    assert_eq!(block_on(cancel_config(&s, &c("a"), 2_000)).unwrap(), 2);
    assert_eq!(s.queue.index_members(), Some(1));
    assert_eq!(count(&claim(&s, 3_000, 100), "b"), 1);
}
