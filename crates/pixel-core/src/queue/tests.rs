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

fn enq(stores: &Stores<MemoryStore>, id: &str, configs: &[&str], now: i64) -> EnqueueResult {
    let configs: Vec<ConfigId> = configs.iter().map(|s| c(s)).collect();
    let body = format!("{{\"eventId\":\"{id}\"}}");
    block_on(enqueue(
        stores,
        &t("t1"),
        id,
        StandardEvent::Purchase,
        body.as_bytes(),
        &configs,
        now,
    ))
    .unwrap()
}

fn claim(stores: &Stores<MemoryStore>, now: i64, owner: &str) -> Vec<ConfigBatch> {
    block_on(claim_due(stores, now, LEASE, owner, 10_000)).unwrap()
}

fn ids(batches: &[ConfigBatch]) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = batches
        .iter()
        .flat_map(|b| {
            b.deliveries
                .iter()
                .map(|d| (d.config_id.to_string(), d.event_id.clone()))
        })
        .collect();
    v.sort();
    v
}

fn queue_keys(stores: &Stores<MemoryStore>, prefix: &str) -> usize {
    stores
        .queue
        .dump()
        .keys()
        .filter(|k| k.starts_with(prefix))
        .count()
}

#[test]
fn enqueue_is_idempotent_for_48_hours() {
    let s = Stores::memory();
    assert_eq!(
        enq(&s, "ev1", &["a", "b"], 1_000),
        EnqueueResult::NewDeliveries(2)
    );
    assert_eq!(enq(&s, "ev1", &["a", "b"], 2_000), EnqueueResult::Duplicate);
    assert_eq!(
        enq(&s, "ev1", &["a"], 1_000 + DEDUP_WINDOW_MS - 1),
        EnqueueResult::Duplicate
    );
    // Another tenant's event with the same id is a different event.
    let other = block_on(enqueue(
        &s,
        &t("t2"),
        "ev1",
        StandardEvent::Lead,
        b"{}",
        &[c("z")],
        2_000,
    ))
    .unwrap();
    assert_eq!(other, EnqueueResult::NewDeliveries(1));
    // After the window the claim may be taken again.
    assert_eq!(
        enq(&s, "ev1", &["a"], 1_000 + DEDUP_WINDOW_MS),
        EnqueueResult::NewDeliveries(1)
    );
    // No config tracks it: claimed (so a repeat is a duplicate) but nothing stored.
    assert_eq!(enq(&s, "ev2", &[], 0), EnqueueResult::NewDeliveries(0));
    assert_eq!(enq(&s, "ev2", &["a"], 1), EnqueueResult::Duplicate);
}

#[test]
fn enqueue_stores_the_event_once_in_two_operations() {
    let s = Stores::memory();
    assert_eq!(
        enq(&s, "ev1", &["a", "b", "c", "a"], 5),
        EnqueueResult::NewDeliveries(3)
    );
    assert_eq!(s.op_count(), 2);
    assert_eq!(queue_keys(&s, "e/"), 1);
    assert_eq!(queue_keys(&s, "d/"), 3);
    assert!(
        s.queue.dump().keys().all(|k| !k.starts_with("dedup")),
        "dedup claims stay out of the scanned queue store"
    );
}

#[test]
fn corrupt_dedup_claim_counts_as_expired() {
    let s = Stores::memory();
    block_on(s.logs.set(&schema::dedup_key(&t("t1"), "ev1"), b"garbage")).unwrap();
    assert_eq!(enq(&s, "ev1", &["a"], 5), EnqueueResult::NewDeliveries(1));
}

#[test]
fn claim_groups_by_config_and_complete_cleans_up() {
    let s = Stores::memory();
    enq(&s, "ev1", &["a", "b"], 10);
    enq(&s, "ev2", &["a"], 20);
    assert!(
        claim(&s, 5, "w1").is_empty(),
        "nothing due before enqueue time"
    );
    let batches = claim(&s, 100, "w1");
    assert_eq!(batches.len(), 2);
    let a = batches.iter().find(|b| b.config_id == c("a")).unwrap();
    assert_eq!(
        a.deliveries
            .iter()
            .map(|d| d.event_id.as_str())
            .collect::<Vec<_>>(),
        vec!["ev1", "ev2"]
    );
    let d = &a.deliveries[0];
    assert_eq!((d.attempt, d.first_enqueued_ms, d.due_ms), (0, 10, 10));
    assert_eq!(d.event_json, br#"{"eventId":"ev1"}"#);
    assert_eq!(d.event_name, StandardEvent::Purchase);
    assert!(
        claim(&s, 100, "w2").is_empty(),
        "leased configs are not claimed twice"
    );

    block_on(complete(&s, &a.deliveries)).unwrap();
    block_on(release(&s, a)).unwrap();
    // ev1 is still needed by config b; ev2 is gone.
    assert_eq!(queue_keys(&s, "e/"), 1);
    let b = batches.iter().find(|b| b.config_id == c("b")).unwrap();
    block_on(complete(&s, &b.deliveries)).unwrap();
    assert!(block_on(release(&s, b)).unwrap());
    assert_eq!(queue_keys(&s, "d/"), 0);
    // Both batches were claimed while ev1 was shared, so neither removed it: the next claim
    // after the grace period collects it.
    assert!(claim(&s, 200, "w2").is_empty());
    assert_eq!(queue_keys(&s, "e/"), 1);
    assert!(claim(&s, 200 + ORPHAN_GRACE_MS, "w2").is_empty());
    assert_eq!(queue_keys(&s, "e/"), 0);
    assert_eq!(block_on(next_due_time(&s)).unwrap(), None);
}

#[test]
fn an_expired_lease_is_taken_over() {
    let s = Stores::memory();
    enq(&s, "ev1", &["a"], 0);
    let first = claim(&s, 0, "dead-worker");
    assert_eq!(ids(&first).len(), 1);
    // The worker dies without completing.
    assert!(claim(&s, LEASE - 1, "w2").is_empty());
    let second = claim(&s, LEASE, "w2");
    assert_eq!(ids(&second), ids(&first));
    assert_eq!(second[0].lease.owner, "w2");
    // The dead worker's late release does not free w2's lease.
    assert!(!block_on(release(&s, &first[0])).unwrap());
    assert!(claim(&s, LEASE + 1, "w3").is_empty());
}

#[test]
fn reschedule_moves_the_delivery_and_keeps_its_history() {
    let s = Stores::memory();
    enq(&s, "ev1", &["a"], 0);
    let b = claim(&s, 0, "w");
    let d = &b[0].deliveries[0];
    block_on(reschedule(
        &s,
        &[Reschedule {
            delivery: d,
            next_attempt_ms: 5_000,
            attempt: 1,
            last_error: Some("503".into()),
        }],
    ))
    .unwrap();
    block_on(release(&s, &b[0])).unwrap();
    assert_eq!(block_on(next_due_time(&s)).unwrap(), Some(5_000));
    assert!(!block_on(has_pending_work(&s, 1_000, 3_000)).unwrap());
    assert!(block_on(has_pending_work(&s, 1_000, 4_000)).unwrap());
    assert!(claim(&s, 4_999, "w").is_empty());
    let again = claim(&s, 5_000, "w");
    let d = &again[0].deliveries[0];
    assert_eq!((d.attempt, d.first_enqueued_ms), (1, 0));
    assert_eq!(d.last_error.as_deref(), Some("503"));
    assert_eq!(queue_keys(&s, "d/"), 1);
    assert_eq!(queue_keys(&s, "e/"), 1);
}

#[test]
fn held_configs_keep_their_deliveries_but_are_not_claimed() {
    let s = Stores::memory();
    enq(&s, "ev1", &["a", "b"], 0);
    block_on(hold_config(&s, &c("a"))).unwrap();
    let got = claim(&s, 10, "w");
    assert_eq!(ids(&got), vec![("b".into(), "ev1".into())]);
    block_on(complete(&s, &got[0].deliveries)).unwrap();
    block_on(release(&s, &got[0])).unwrap();
    assert_eq!(
        block_on(next_due_time(&s)).unwrap(),
        None,
        "held work is not pending"
    );
    assert_eq!(
        queue_keys(&s, "e/"),
        1,
        "the held delivery still needs the event"
    );
    block_on(release_config(&s, &c("a"))).unwrap();
    assert_eq!(block_on(next_due_time(&s)).unwrap(), Some(0));
    assert_eq!(ids(&claim(&s, 20, "w")), vec![("a".into(), "ev1".into())]);
}

#[test]
fn dead_letters_are_listed_and_replayed() {
    let s = Stores::memory();
    enq(&s, "ev1", &["a"], 0);
    enq(&s, "ev2", &["a"], 1);
    let b = claim(&s, 10, "w");
    let items: Vec<DeadLetter> = b[0]
        .deliveries
        .iter()
        .map(|d| DeadLetter {
            delivery: d,
            reason: "Invalid parameter".into(),
            response_code: Some(400),
        })
        .collect();
    block_on(dead_letter(&s, &items, 50)).unwrap();
    block_on(release(&s, &b[0])).unwrap();
    assert_eq!(queue_keys(&s, "d/"), 0);
    assert_eq!(queue_keys(&s, "e/"), 0);
    let listed = block_on(list_dead_letters(&s, &c("a"), 10)).unwrap();
    assert_eq!(
        listed
            .iter()
            .map(|r| r.event_id.as_str())
            .collect::<Vec<_>>(),
        vec!["ev2", "ev1"],
        "newest first"
    );
    assert_eq!(listed[0].reason, "Invalid parameter");
    assert_eq!(listed[0].response_code, Some(400));
    assert!(
        block_on(list_dead_letters(&s, &c("b"), 10))
            .unwrap()
            .is_empty()
    );

    assert_eq!(block_on(replay_dead_letters(&s, &c("a"), 100)).unwrap(), 2);
    assert!(
        block_on(list_dead_letters(&s, &c("a"), 10))
            .unwrap()
            .is_empty()
    );
    let again = claim(&s, 100, "w");
    assert_eq!(again[0].deliveries.len(), 2);
    let d = &again[0].deliveries[0];
    assert_eq!((d.attempt, d.first_enqueued_ms), (0, 0));
    assert_eq!(d.event_json, br#"{"eventId":"ev1"}"#);
}

#[test]
fn dead_letters_are_capped_per_config() {
    let s = Stores::memory();
    let n = dead::DEAD_LETTER_CAP + 3;
    for i in 0..n {
        enq(&s, &format!("ev{i}"), &["a"], i as i64);
    }
    let b = claim(&s, n as i64, "w");
    let items: Vec<DeadLetter> = b[0]
        .deliveries
        .iter()
        .map(|d| DeadLetter {
            delivery: d,
            reason: "x".into(),
            response_code: None,
        })
        .collect();
    block_on(dead_letter(&s, &items, 0)).unwrap();
    let listed = block_on(list_dead_letters(&s, &c("a"), usize::MAX)).unwrap();
    assert_eq!(listed.len(), dead::DEAD_LETTER_CAP);
    assert_eq!(
        listed.last().unwrap().event_id,
        "ev3",
        "the oldest went first"
    );
    let bodies = s
        .logs
        .dump()
        .keys()
        .filter(|k| k.starts_with("dead/"))
        .count();
    assert_eq!(bodies, dead::DEAD_LETTER_CAP);
}

#[test]
fn cancel_config_removes_and_logs_its_deliveries() {
    let s = Stores::memory();
    enq(&s, "ev1", &["a", "b"], 0);
    enq(&s, "ev2", &["a"], 0);
    block_on(hold_config(&s, &c("a"))).unwrap();
    assert_eq!(block_on(cancel_config(&s, &c("a"), 77)).unwrap(), 2);
    assert_eq!(queue_keys(&s, "d/"), 1);
    assert_eq!(queue_keys(&s, "e/"), 1, "ev1 still belongs to config b");
    assert_eq!(queue_keys(&s, "hold/"), 0);
    let log = block_on(logs::list(&s.logs, &c("a"), 10)).unwrap();
    assert_eq!(log.len(), 2);
    assert!(
        log.iter()
            .all(|e| e.status == LogStatus::Cancelled && e.timestamp == 77)
    );
    assert_eq!(ids(&claim(&s, 10, "w")), vec![("b".into(), "ev1".into())]);
}

#[test]
fn max_limits_a_claim_oldest_first() {
    let s = Stores::memory();
    for i in 0..5 {
        enq(&s, &format!("ev{i}"), &["a"], 10 - i);
    }
    let got = block_on(claim_due(&s, 100, LEASE, "w", 2)).unwrap();
    let due: Vec<i64> = got[0].deliveries.iter().map(|d| d.due_ms).collect();
    assert_eq!(due, vec![6, 7]);
}

#[test]
fn corrupt_queue_data_is_dropped_not_fatal() {
    let s = Stores::memory();
    enq(&s, "ev1", &["a"], 0);
    enq(&s, "ev2", &["a"], 0);
    let eid2 = schema::event_ref(&t("t1"), "ev2");
    // ev2's delivery record is garbage; a foreign key sits in the store; the lease is junk.
    block_on(
        s.queue
            .set(&schema::delivery_key(&c("a"), 0, &eid2), b"{oops"),
    )
    .unwrap();
    block_on(s.queue.set("junk/key", b"x")).unwrap();
    block_on(s.queue.set(&schema::lease_key(&c("a")), b"not a lease")).unwrap();
    let got = claim(&s, 10, "w");
    assert_eq!(ids(&got), vec![("a".into(), "ev1".into())]);
    assert_eq!(queue_keys(&s, "d/"), 1, "the corrupt delivery was dropped");
}

#[test]
fn orphan_events_are_collected_after_the_grace_period() {
    let s = Stores::memory();
    let eid = schema::event_ref(&t("t1"), "lost");
    let header = record::EventHeader {
        tenant: t("t1"),
        event_id: "lost".into(),
        event_name: StandardEvent::Lead,
        enqueued_at: 0,
    };
    block_on(s.queue.set(
        &schema::event_key(&eid),
        &record::encode_event(&header, b"{}"),
    ))
    .unwrap();
    claim(&s, ORPHAN_GRACE_MS - 1, "w");
    assert_eq!(queue_keys(&s, "e/"), 1, "may be a half-written enqueue");
    claim(&s, ORPHAN_GRACE_MS + 1, "w");
    assert_eq!(queue_keys(&s, "e/"), 0);
}

#[test]
fn wake_is_rate_limited() {
    let s = Stores::memory();
    assert!(block_on(try_wake(&s, 1_000, 5_000)).unwrap());
    assert!(!block_on(try_wake(&s, 3_000, 5_000)).unwrap());
    assert!(block_on(try_wake(&s, 6_000, 5_000)).unwrap());
    block_on(s.queue.set(schema::WAKE_KEY, b"bad")).unwrap();
    assert!(block_on(try_wake(&s, 6_001, 5_000)).unwrap());
}

#[test]
fn a_delivered_event_costs_at_most_five_kv_operations() {
    // 2,500 events, one config, batches of 1,000: enqueue, claim, log, complete, release.
    let s = Stores::memory();
    for i in 0..2_500 {
        enq(&s, &format!("ev{i}"), &["meta"], i);
    }
    let mut delivered = 0;
    loop {
        let batches = block_on(claim_due(&s, 10_000, LEASE, "w", 1_000)).unwrap();
        if batches.is_empty() {
            break;
        }
        for b in &batches {
            let entries = b
                .deliveries
                .iter()
                .map(|d| crate::logs::LogEntry {
                    id: String::new(),
                    timestamp: 10_000,
                    event_name: d.event_name.spec_name().into(),
                    status: LogStatus::Success,
                    response_code: Some(200),
                    error_message: None,
                    payload: serde_json::Value::Null,
                    latency_ms: 1,
                    attempt: 1,
                })
                .collect();
            block_on(logs::append(&s.logs, &b.config_id, entries)).unwrap();
            block_on(complete(&s, &b.deliveries)).unwrap();
            block_on(release(&s, b)).unwrap();
            delivered += b.deliveries.len();
        }
    }
    assert_eq!(delivered, 2_500);
    let per_event = s.op_count() as f64 / delivered as f64;
    assert!(
        per_event <= 5.0,
        "{per_event} operations per delivered event"
    );
    assert!(s.queue.dump().keys().all(|k| k.starts_with("lease/")));
}

#[test]
fn expired_dedup_claims_are_swept() {
    let s = Stores::memory();
    enq(&s, "old", &["a"], 0);
    enq(&s, "new", &["a"], DEDUP_WINDOW_MS);
    block_on(s.logs.set("log/a/1", b"{}")).unwrap();
    assert_eq!(
        block_on(sweep_expired_dedup(&s, DEDUP_WINDOW_MS)).unwrap(),
        1
    );
    assert_eq!(
        enq(&s, "new", &["a"], DEDUP_WINDOW_MS + 1),
        EnqueueResult::Duplicate
    );
    assert!(
        s.logs.dump().contains_key("log/a/1"),
        "other keys untouched"
    );
}

#[test]
fn the_sweep_runs_once_per_interval_across_dispatchers() {
    let s = Stores::memory();
    enq(&s, "old", &["a"], 0);
    let t = DEDUP_WINDOW_MS + 1;
    assert_eq!(block_on(sweep_if_due(&s, t)).unwrap(), Some(1));
    enq(&s, "old2", &["a"], 1);
    assert_eq!(
        block_on(sweep_if_due(&s, t + 1)).unwrap(),
        None,
        "swept just now"
    );
    assert_eq!(
        block_on(sweep_if_due(&s, t + SWEEP_INTERVAL_MS)).unwrap(),
        Some(1),
        "due again after the interval"
    );
}

#[test]
fn an_extended_lease_is_not_taken_over() {
    let s = Stores::memory();
    enq(&s, "ev1", &["a"], 0);
    let mut b = claim(&s, 0, "w1");
    assert!(block_on(extend_lease(&s, &mut b[0], 3 * LEASE)).unwrap());
    assert!(claim(&s, 2 * LEASE, "w2").is_empty());
    assert!(
        block_on(release(&s, &b[0])).unwrap(),
        "release uses the extended value"
    );
    assert_eq!(claim(&s, 2 * LEASE, "w2").len(), 1);
    // A lease that was lost cannot be extended.
    let mut lost = b.remove(0);
    assert!(!block_on(extend_lease(&s, &mut lost, 9 * LEASE)).unwrap());
}

#[test]
fn minted_events_are_queued_in_one_write_and_claimed_like_any_other() {
    let s = Stores::memory();
    let (a, b) = (c("a"), c("b"));
    let both = [a.clone(), b.clone()];
    let only_a = [a.clone()];
    let none: [ConfigId; 0] = [];
    let tenant = t("t1");
    let events = [
        MintedEvent {
            tenant: &tenant,
            event_id: "0123456789abcdef0123456789abcdef",
            event_name: StandardEvent::PageView,
            event_json: b"{\"n\":1}",
            configs: &both,
        },
        MintedEvent {
            tenant: &tenant,
            event_id: "fedcba9876543210fedcba9876543210",
            event_name: StandardEvent::ViewContent,
            event_json: b"{\"n\":2}",
            configs: &only_a,
        },
        MintedEvent {
            tenant: &tenant,
            event_id: "00000000000000000000000000000000",
            event_name: StandardEvent::PageView,
            event_json: b"{\"n\":3}",
            configs: &none,
        },
    ];
    let ops = s.queue.op_count();
    assert_eq!(block_on(enqueue_minted(&s, &events, 1_000)).unwrap(), 3);
    assert_eq!(s.queue.op_count() - ops, 1, "one set_many");
    assert_eq!(
        queue_keys(&s, "e/"),
        2,
        "an event no config takes is not stored"
    );
    assert!(s.logs.dump().is_empty(), "no dedup claim for minted ids");
    let batches = claim(&s, 1_000, "w");
    assert_eq!(
        ids(&batches),
        vec![
            ("a".into(), "0123456789abcdef0123456789abcdef".into()),
            ("a".into(), "fedcba9876543210fedcba9876543210".into()),
            ("b".into(), "0123456789abcdef0123456789abcdef".into()),
        ]
    );
    // Each delivery carries its own event's body.
    for d in batches.iter().flat_map(|b| &b.deliveries) {
        let want: &[u8] = if d.event_id.starts_with("0123") {
            b"{\"n\":1}"
        } else {
            b"{\"n\":2}"
        };
        assert_eq!(d.event_json, want, "{}", d.event_id);
    }
}
