use super::*;
use crate::kv::MemoryStore;
use futures::executor::block_on;

const DAY: i64 = 86_400_000;
/// 2026-11-27 12:00 UTC.
const NOW: i64 = 1_795_780_800_000;

fn t() -> TenantId {
    TenantId::parse("t1").unwrap()
}
fn c(s: &str) -> ConfigId {
    ConfigId::parse(s).unwrap()
}
fn ok(event: StandardEvent, latency: u64) -> DeliveryStat {
    DeliveryStat {
        event,
        outcome: DeliveryOutcome::Succeeded,
        latency_ms: Some(latency),
    }
}
fn failed(event: StandardEvent) -> DeliveryStat {
    DeliveryStat {
        event,
        outcome: DeliveryOutcome::Failed,
        latency_ms: None,
    }
}
fn dead(event: StandardEvent) -> DeliveryStat {
    DeliveryStat {
        event,
        outcome: DeliveryOutcome::DeadLettered,
        latency_ms: None,
    }
}

#[test]
fn utc_days() {
    let cases = [
        (0, 19_700_101),
        (-5, 19_700_101),
        (DAY - 1, 19_700_101),
        (DAY, 19_700_102),
        (951_782_400_000, 20_000_229),
        (1_700_000_000_000, 20_231_114),
        (1_735_689_599_999, 20_241_231),
        (1_735_689_600_000, 20_250_101),
        (NOW, 20_261_127),
    ];
    for (ms, want) in cases {
        assert_eq!(utc_day(ms), want, "{ms}");
    }
}

#[test]
fn percentiles_from_the_histogram() {
    let mut h = vec![0u64; LATENCY_BUCKETS_MS.len() + 1];
    assert_eq!(percentile(&h, 0.95), None);
    h[0] = 95;
    h[3] = 5;
    assert_eq!(percentile(&h, 0.95), Some(250));
    h[0] = 94;
    assert_eq!(percentile(&h, 0.95), Some(2_000));
    let mut open = vec![0u64; LATENCY_BUCKETS_MS.len() + 1];
    open[LATENCY_BUCKETS_MS.len()] = 1;
    assert_eq!(percentile(&open, 0.95), Some(21_600_000));
    let cases = [(0, 0), (250, 0), (251, 1), (1_000, 2), (21_600_001, 12)];
    for (l, b) in cases {
        assert_eq!(bucket(l), b, "{l}");
    }
}

#[test]
fn counters_are_exact_and_only_incremented() {
    let s = MemoryStore::new();
    use StandardEvent::*;
    block_on(async {
        let batch = [
            ok(Purchase, 100),
            ok(Purchase, 300),
            ok(Lead, 900),
            failed(Lead),
            dead(Lead),
        ];
        record_deliveries(&s, &t(), &c("meta"), Platform::Meta, NOW, &batch)
            .await
            .unwrap();
        record_deliveries(
            &s,
            &t(),
            &c("tt"),
            Platform::TikTok,
            NOW,
            &[ok(Purchase, 4_000)],
        )
        .await
        .unwrap();
        // Yesterday, and a day outside a 2-day window.
        record_deliveries(
            &s,
            &t(),
            &c("meta"),
            Platform::Meta,
            NOW - DAY,
            &[ok(Lead, 50)],
        )
        .await
        .unwrap();
        record_deliveries(
            &s,
            &t(),
            &c("meta"),
            Platform::Meta,
            NOW - 2 * DAY,
            &[ok(Lead, 50)],
        )
        .await
        .unwrap();
        record_purchases_received(&s, &t(), NOW, 4).await.unwrap();
        record_consent_skipped(&s, &t(), "studio.example.com", NOW, 2)
            .await
            .unwrap();
        // Another tenant never shows up.
        let other = TenantId::parse("t2").unwrap();
        record_deliveries(&s, &other, &c("x"), Platform::Meta, NOW, &[ok(Purchase, 1)])
            .await
            .unwrap();
        assert!(
            s.dump().is_empty(),
            "counters are never set as plain values"
        );

        let hosts = vec![
            "studio.example.com".to_owned(),
            "other.example.com".to_owned(),
        ];
        let all = summary(&s, &t(), None, 2, NOW, &hosts).await.unwrap();
        assert_eq!(
            (
                all.events_sent,
                all.succeeded,
                all.failed,
                all.dead_lettered
            ),
            (7, 5, 1, 1)
        );
        assert_eq!(all.success_rate, Some(5.0 / 6.0));
        assert_eq!(all.events_by_type[&Purchase], 3);
        assert_eq!(all.events_by_type[&Lead], 2);
        assert_eq!(all.avg_latency_ms, Some((100 + 300 + 900 + 4_000 + 50) / 5));
        assert_eq!(all.p95_latency_ms, Some(5_000));
        assert_eq!(all.reconciliation.purchases_received, 4);
        assert_eq!(all.reconciliation.purchases_accepted[&Platform::Meta], 2);
        assert_eq!(all.reconciliation.purchases_accepted[&Platform::TikTok], 1);
        assert_eq!(all.consent_skipped["studio.example.com"], 2);
        assert_eq!(all.consent_skipped["other.example.com"], 0);

        let meta = summary(&s, &t(), Some(&c("meta")), 1, NOW, &[])
            .await
            .unwrap();
        assert_eq!((meta.events_sent, meta.succeeded), (5, 3));
        assert_eq!(
            meta.reconciliation
                .purchases_accepted
                .get(&Platform::TikTok),
            None
        );
        assert_eq!(meta.p95_latency_ms, Some(1_000));

        let week = summary(&s, &t(), None, 7, NOW, &[]).await.unwrap();
        assert_eq!(week.succeeded, 6);
        let empty = summary(&s, &t(), Some(&c("none")), 7, NOW, &[])
            .await
            .unwrap();
        assert_eq!(empty.success_rate, None);
        assert_eq!(empty.avg_latency_ms, None);
        assert_eq!(empty.events_sent, 0);
    });
}

#[test]
fn a_batch_costs_one_increment_per_counter_and_scope() {
    let s = MemoryStore::new();
    let batch: Vec<DeliveryStat> = (0..1_000).map(|_| ok(StandardEvent::Lead, 200)).collect();
    block_on(record_deliveries(
        &s,
        &t(),
        &c("m"),
        Platform::Meta,
        NOW,
        &batch,
    ))
    .unwrap();
    // sent, ok, ev/LEAD, lat_sum, lat_n, lat/0 in two scopes, and the hour's `ok` of the
    // config (the success-rate alert's counter).
    assert_eq!(s.op_count(), 13);
}

#[test]
fn summary_serialises_for_the_api() {
    let s = MemoryStore::new();
    block_on(async {
        record_deliveries(
            &s,
            &t(),
            &c("m"),
            Platform::Meta,
            NOW,
            &[ok(StandardEvent::Purchase, 10)],
        )
        .await
        .unwrap();
        let v = serde_json::to_value(summary(&s, &t(), None, 7, NOW, &[]).await.unwrap()).unwrap();
        assert_eq!(v["eventsSent"], 1);
        assert_eq!(v["eventsByType"]["PURCHASE"], 1);
        assert_eq!(v["reconciliation"]["purchasesAccepted"]["Meta"], 1);
        assert_eq!(v["p95LatencyMs"], 250);
    });
}
