//! The storage half of the core through its public API only, as the components use it:
//! a config created, stored and claimed uniquely; events queued, delivered, retried,
//! dead-lettered, logged and counted; nothing in any store holds the clear token.

use futures::executor::block_on;
use pixel_core::config::{ConfigId, ConfigInput, TenantId, TrackingConfig, validate_create};
use pixel_core::crypto::Keyring;
use pixel_core::kv::{KvStore, MemoryStore, Stores};
use pixel_core::logs::{self, LogEntry, LogStatus};
use pixel_core::queue::{self, DeadLetter, EnqueueResult, Reschedule};
use pixel_core::stats::{self, DeliveryOutcome, DeliveryStat};
use pixel_core::{Platform, StandardEvent, schema};
use serde_json::json;

const TOKEN: &str = "EAAGm0PX4ZCpsBAKZAZCsecretTOKEN123";
const KEY: &str = "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=";

fn create(
    stores: &Stores<MemoryStore>,
    tenant: &TenantId,
    id: [u8; 8],
    now: i64,
) -> Option<TrackingConfig> {
    let input = ConfigInput::from_json(&json!({
        "platform": "Meta", "pixelId": "123456789012345", "apiAccessToken": TOKEN,
        "eventMappings": {"cliente.pago_exitoso": "PURCHASE"}
    }))
    .unwrap();
    let new = validate_create(&input).unwrap();
    let ring = Keyring::from_config(KEY, "").unwrap();
    let encrypted = ring
        .encrypt(
            new.credential.token().unwrap(),
            id.map(|b| b ^ 0x5a).repeat(2)[..12].try_into().unwrap(),
        )
        .unwrap();
    let id = ConfigId::from_random(id);
    let uniq = schema::config_unique_key(tenant, new.platform, new.pixel_id.as_str());
    block_on(async {
        if !stores
            .configs
            .compare_and_swap(&uniq, None, id.as_str().as_bytes())
            .await
            .unwrap()
        {
            return None;
        }
        let cfg = TrackingConfig::new(id.clone(), tenant.clone(), new, encrypted, now);
        let key = schema::config_key(tenant, &id);
        stores
            .configs
            .set(&key, &serde_json::to_vec(&cfg).unwrap())
            .await
            .unwrap();
        Some(cfg)
    })
}

fn log(d: &queue::ClaimedDelivery, status: LogStatus, now: i64) -> LogEntry {
    LogEntry {
        id: String::new(),
        timestamp: now,
        event_name: d.event_name.spec_name().into(),
        status,
        response_code: Some(200),
        error_message: None,
        payload: json!({"event_id": d.event_id, "user_data": {"em": ["a".repeat(64)]}}),
        latency_ms: (now - d.first_enqueued_ms) as u64,
        attempt: d.attempt + 1,
    }
}

#[test]
fn a_config_from_create_to_kpis() {
    let stores = Stores::memory();
    let tenant = TenantId::parse("studio-7").unwrap();
    let now = 1_795_780_800_000;
    let cfg = create(&stores, &tenant, [1, 2, 3, 4, 5, 6, 7, 8], now).unwrap();
    assert!(
        create(&stores, &tenant, [9; 8], now).is_none(),
        "same platform + pixel: one config"
    );

    // The stored token decrypts; no store holds it in clear.
    let ring = Keyring::from_config(KEY, "").unwrap();
    assert_eq!(ring.decrypt(&cfg.encrypted_token).unwrap(), TOKEN);

    // Backend sends a payment event twice; one delivery results.
    let event = cfg.mapped_event("cliente.pago_exitoso").unwrap();
    assert!(cfg.tracks(event));
    let body = json!({"event_id": "pay-1", "value": 30, "currency": "EUR"}).to_string();
    for (i, expect) in [EnqueueResult::NewDeliveries(1), EnqueueResult::Duplicate]
        .into_iter()
        .enumerate()
    {
        let got = block_on(queue::enqueue(
            &stores,
            &tenant,
            "pay-1",
            event,
            body.as_bytes(),
            std::slice::from_ref(&cfg.id),
            now + i as i64,
        ))
        .unwrap();
        assert_eq!(got, expect);
    }
    block_on(stats::record_purchases_received(
        &stores.stats,
        &tenant,
        now,
        1,
    ))
    .unwrap();
    let bad = json!({"event_id": "lead-1"}).to_string();
    block_on(queue::enqueue(
        &stores,
        &tenant,
        "lead-1",
        StandardEvent::Lead,
        bad.as_bytes(),
        std::slice::from_ref(&cfg.id),
        now,
    ))
    .unwrap();

    // First attempt: 503 for both; retried 10 s later.
    let t1 = now + 100;
    let batch = block_on(queue::claim_due(&stores, t1, 30_000, "w", 1_000)).unwrap();
    assert_eq!(batch.len(), 1);
    let items: Vec<Reschedule> = batch[0]
        .deliveries
        .iter()
        .map(|d| Reschedule {
            delivery: d,
            next_attempt_ms: t1 + 10_000,
            attempt: 1,
            last_error: Some("503".into()),
        })
        .collect();
    block_on(queue::reschedule(&stores, &items)).unwrap();
    let entries = batch[0]
        .deliveries
        .iter()
        .map(|d| log(d, LogStatus::Retry, t1))
        .collect();
    block_on(logs::append(&stores.logs, &cfg.id, entries)).unwrap();
    let failures: Vec<DeliveryStat> = batch[0]
        .deliveries
        .iter()
        .map(|d| DeliveryStat {
            event: d.event_name,
            outcome: DeliveryOutcome::Failed,
            latency_ms: None,
        })
        .collect();
    block_on(stats::record_deliveries(
        &stores.stats,
        &tenant,
        &cfg.id,
        Platform::Meta,
        t1,
        &failures,
    ))
    .unwrap();
    block_on(queue::release(&stores, &batch[0])).unwrap();
    assert_eq!(
        block_on(queue::next_due_time(&stores)).unwrap(),
        Some(t1 + 10_000)
    );

    // Second attempt: the Purchase is accepted, the Lead is invalid and dead-lettered.
    let t2 = t1 + 10_000;
    let batch = block_on(queue::claim_due(&stores, t2, 30_000, "w", 1_000)).unwrap();
    let (ok, bad): (Vec<_>, Vec<_>) = batch[0]
        .deliveries
        .iter()
        .cloned()
        .partition(|d| d.event_name == StandardEvent::Purchase);
    assert_eq!((ok.len(), bad.len()), (1, 1));
    assert_eq!(ok[0].attempt, 1);
    block_on(queue::complete(&stores, &ok)).unwrap();
    let dead: Vec<DeadLetter> = bad
        .iter()
        .map(|d| DeadLetter {
            delivery: d,
            reason: "Invalid parameter".into(),
            response_code: Some(400),
        })
        .collect();
    block_on(queue::dead_letter(&stores, &dead, t2)).unwrap();
    block_on(queue::release(&stores, &batch[0])).unwrap();
    let mut entries = vec![log(&ok[0], LogStatus::Success, t2)];
    entries.push(log(&bad[0], LogStatus::DeadLetter, t2));
    block_on(logs::append(&stores.logs, &cfg.id, entries)).unwrap();
    let outcomes = [
        DeliveryStat {
            event: StandardEvent::Purchase,
            outcome: DeliveryOutcome::Succeeded,
            latency_ms: Some((t2 - now) as u64),
        },
        DeliveryStat {
            event: StandardEvent::Lead,
            outcome: DeliveryOutcome::DeadLettered,
            latency_ms: None,
        },
    ];
    block_on(stats::record_deliveries(
        &stores.stats,
        &tenant,
        &cfg.id,
        Platform::Meta,
        t2,
        &outcomes,
    ))
    .unwrap();

    // What the API shows.
    let shown = block_on(logs::list(&stores.logs, &cfg.id, 50)).unwrap();
    let statuses: Vec<LogStatus> = shown.iter().map(|e| e.status).collect();
    assert_eq!(
        statuses,
        vec![
            LogStatus::DeadLetter,
            LogStatus::Success,
            LogStatus::Retry,
            LogStatus::Retry
        ]
    );
    let dl = block_on(queue::list_dead_letters(&stores, &cfg.id, 50)).unwrap();
    assert_eq!(dl.len(), 1);
    assert_eq!(dl[0].event_id, "lead-1");
    let kpi = block_on(stats::summary(&stores.stats, &tenant, None, 7, t2, &[])).unwrap();
    assert_eq!(
        (
            kpi.events_sent,
            kpi.succeeded,
            kpi.failed,
            kpi.dead_lettered
        ),
        (4, 1, 2, 1)
    );
    assert_eq!(kpi.success_rate, Some(0.5));
    assert_eq!(kpi.reconciliation.purchases_received, 1);
    assert_eq!(kpi.reconciliation.purchases_accepted[&Platform::Meta], 1);
    assert_eq!(block_on(queue::next_due_time(&stores)).unwrap(), None);

    // Nowhere in raw storage is the clear token.
    for store in [&stores.configs, &stores.queue, &stores.logs, &stores.stats] {
        for (k, v) in store.dump() {
            let text = String::from_utf8_lossy(&v);
            assert!(
                !text.contains(TOKEN) && !k.contains(TOKEN),
                "token in clear at {k}"
            );
        }
    }
}
