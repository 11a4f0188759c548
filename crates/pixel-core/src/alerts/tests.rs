use super::*;
use crate::config::{ConfigId, ConfigInput, TenantId, validate_create};
use crate::kv::{KvStore, Stores};
use crate::schema;
use serde_json::json;

fn meta() -> TrackingConfig {
    let input = ConfigInput::from_json(
        &json!({"platform": "Meta", "pixelId": "1234567890", "apiAccessToken": "EAAB"}),
    )
    .unwrap();
    TrackingConfig::new(
        ConfigId::parse("c1").unwrap(),
        TenantId::parse("t1").unwrap(),
        validate_create(&input).unwrap(),
        "v1.x.y".into(),
        1000,
    )
}

fn facts(config: TrackingConfig) -> ConfigFacts {
    ConfigFacts {
        config,
        hour_ok: 0,
        hour_bad: 0,
        dead_today: 0,
        google_failed_today: 0,
    }
}

fn one(c: ConfigFacts) -> Facts {
    Facts {
        configs: vec![c],
        sites: Vec::new(),
    }
}

#[test]
fn an_alert_is_raised_once_and_clears_when_its_cause_is_gone() {
    let mut c = meta();
    let (s0, ch) = evaluate(&AlertState::default(), &one(facts(c.clone())), 1);
    assert!(s0.open.is_empty() && ch.is_empty());
    c.health.status = HealthStatus::CredentialsInvalid;
    let (s1, ch) = evaluate(&s0, &one(facts(c.clone())), 5_000);
    assert_eq!(ch.len(), 1);
    assert_eq!(ch[0].0, Change::Raised);
    assert_eq!(s1.open[0].id, "credentials_refused:c1");
    assert_eq!(s1.open[0].since, Some(5_000));
    // Still refused: nothing new, the stored alert keeps its `since`.
    let (s2, ch) = evaluate(&s1, &one(facts(c.clone())), 9_000);
    assert!(ch.is_empty());
    assert_eq!(s2, s1);
    c.health.status = HealthStatus::Ok;
    let (s3, ch) = evaluate(&s2, &one(facts(c)), 12_000);
    assert_eq!(ch.len(), 1);
    assert_eq!(ch[0].0, Change::Cleared);
    assert_eq!(ch[0].1.cleared_at, Some(12_000));
    assert!(s3.open.is_empty());
    assert_eq!(s3.history.len(), 1);
    assert_eq!(s3.history[0].since, Some(5_000));
}

#[test]
fn success_rate_needs_twenty_attempts_and_less_than_ninety_percent() {
    let mut f = facts(meta());
    f.hour_ok = 10;
    f.hour_bad = 9;
    let (s, _) = evaluate(&AlertState::default(), &one(f.clone()), 1);
    assert!(s.open.is_empty(), "19 attempts are too few");
    f.hour_ok = 18;
    f.hour_bad = 2;
    let (s, _) = evaluate(&AlertState::default(), &one(f.clone()), 1);
    assert!(s.open.is_empty(), "90% is not below 90%");
    f.hour_ok = 17;
    f.hour_bad = 3;
    let (s, ch) = evaluate(&AlertState::default(), &one(f), 1);
    assert_eq!(ch[0].1.kind, AlertKind::SuccessRateLow);
    assert_eq!(s.open[0].count, Some(3));
}

#[test]
fn a_paused_config_raises_nothing() {
    let mut c = meta();
    c.health.status = HealthStatus::CredentialsInvalid;
    c.is_active = false;
    let mut f = facts(c);
    f.dead_today = 9;
    assert!(
        evaluate(&AlertState::default(), &one(f), 1)
            .0
            .open
            .is_empty()
    );
}

#[test]
fn a_site_is_silent_after_traffic_and_stays_so_until_its_next_event() {
    let site = |recent, before| Facts {
        configs: Vec::new(),
        sites: vec![SiteFacts {
            host: "www.example.com".into(),
            events_last_6h: recent,
            events_before: before,
        }],
    };
    let (s, ch) = evaluate(&AlertState::default(), &site(0, 0), 1);
    assert!(ch.is_empty(), "a site that never had traffic is not silent");
    let (s, ch) = evaluate(&s, &site(0, 12), 2);
    assert_eq!(ch[0].1.id, "site_silent:www.example.com");
    assert_eq!(ch[0].1.host.as_deref(), Some("www.example.com"));
    // A day later the traffic has left the window; still silent, still open, not raised again.
    let (s, ch) = evaluate(&s, &site(0, 0), 3);
    assert!(ch.is_empty());
    assert_eq!(s.open.len(), 1);
    let (s, ch) = evaluate(&s, &site(1, 0), 4);
    assert_eq!(ch[0].0, Change::Cleared);
    assert!(s.open.is_empty());
}

async fn seed(stores: &Stores<crate::kv::MemoryStore>, c: &TrackingConfig) {
    let t = &c.tenant_id;
    stores
        .configs
        .set(
            &schema::config_key(t, &c.id),
            &serde_json::to_vec(c).unwrap(),
        )
        .await
        .unwrap();
    stores
        .configs
        .set(&schema::config_index_key(t), br#"["c1"]"#)
        .await
        .unwrap();
}

#[test]
fn a_check_stores_the_change_and_queues_one_signed_webhook_retried_until_acknowledged() {
    futures::executor::block_on(check_flow());
}

async fn check_flow() {
    let stores = Stores::memory();
    let mut c = meta();
    c.health.status = HealthStatus::CredentialsInvalid;
    seed(&stores, &c).await;
    let never = |_: &webhook::WebhookEvent, _: Vec<u8>| async { false };
    let r = check::step(
        &stores,
        10_000,
        10_000,
        false,
        || 7,
        Some(async |e: &webhook::WebhookEvent, b: Vec<u8>| never(e, b).await),
    )
    .await
    .unwrap();
    assert!(r.evaluated);
    assert_eq!((r.raised, r.webhooks.failed), (1, 1));
    let open = check::open_alerts(&stores.logs, &c.tenant_id)
        .await
        .unwrap();
    assert_eq!(open.len(), 1);
    // The retry is due within the backoff; the next step is due then.
    let due = check::due_at(&stores.queue).await.unwrap().unwrap();
    assert!(due > 10_000 && due <= 10_000 + 30_000, "{due}");
    // Within the minute: no second evaluation, nothing raised twice.
    let got = std::cell::RefCell::new(Vec::new());
    let r = check::step(
        &stores,
        due,
        due,
        false,
        || 7,
        Some(async |e: &webhook::WebhookEvent, b: Vec<u8>| {
            got.borrow_mut().push((e.id.clone(), b));
            true
        }),
    )
    .await
    .unwrap();
    assert!(!r.evaluated);
    assert_eq!(r.webhooks.sent, 1);
    let body: serde_json::Value = serde_json::from_slice(&got.borrow()[0].1).unwrap();
    assert_eq!(body["type"], "alert.raised");
    assert_eq!(body["alert"]["kind"], "credentials_refused");
    assert_eq!(body["tenantId"], "t1");
    assert!(webhook::queued(&stores.queue).await.unwrap().is_empty());
    // Fixed: one clear, one more webhook.
    c.health.status = HealthStatus::Ok;
    seed(&stores, &c).await;
    let r = check::step(
        &stores,
        due + 60_000,
        due + 60_000,
        false,
        || 7,
        Some(async |_: &webhook::WebhookEvent, _: Vec<u8>| true),
    )
    .await
    .unwrap();
    assert_eq!((r.cleared, r.webhooks.sent), (1, 1));
    assert!(
        check::open_alerts(&stores.logs, &c.tenant_id)
            .await
            .unwrap()
            .is_empty()
    );
}

#[test]
fn the_signature_is_the_backends_scheme() {
    // HMAC-SHA256("key", "1700000000.{}"), checked with an independent implementation.
    let s = webhook::signature(b"key", 1_700_000_000, b"{}");
    assert!(s.starts_with("t=1700000000,v1="));
    assert_eq!(s.len(), "t=1700000000,v1=".len() + 64);
}

#[test]
fn facts_read_the_hourly_counters_of_configs_and_sites() {
    futures::executor::block_on(async {
        let stores = Stores::memory();
        let c = meta();
        let t = c.tenant_id.clone();
        seed(&stores, &c).await;
        stores
            .configs
            .set(&schema::site_index_key(&t), br#"["www.example.com"]"#)
            .await
            .unwrap();
        // 15 minutes into hour 1000: the previous hour counts for three quarters.
        let now = 1000 * 3_600_000 + 15 * 60_000;
        let inc = |k: String, n: i64| {
            let s = &stores.stats;
            async move { s.increment(&k, n).await.unwrap() }
        };
        inc(schema::config_hour_key(&t, &c.id, 1000, "ok"), 5).await;
        inc(schema::config_hour_key(&t, &c.id, 999, "bad"), 40).await;
        inc(schema::config_hour_key(&t, &c.id, 998, "bad"), 1_000).await;
        inc(schema::site_hour_key(&t, "www.example.com", 993), 4).await;
        inc(schema::site_hour_key(&t, "www.example.com", 969), 99).await;
        let f = facts::gather(&stores, &t, now).await.unwrap();
        assert_eq!((f.configs[0].hour_ok, f.configs[0].hour_bad), (5, 30));
        // Hour 993 is seven hours back: before the silent window; 969 is out of the day.
        assert_eq!(
            f.sites,
            vec![SiteFacts {
                host: "www.example.com".into(),
                events_last_6h: 0,
                events_before: 4,
            }]
        );
        let (s, ch) = evaluate(&AlertState::default(), &f, now);
        let kinds: Vec<AlertKind> = ch.iter().map(|(_, a)| a.kind).collect();
        assert_eq!(
            kinds,
            vec![AlertKind::SuccessRateLow, AlertKind::SiteSilent]
        );
        assert_eq!(s.open.len(), 2);
    });
}

type NoWebhook = fn(&webhook::WebhookEvent, Vec<u8>) -> bool;

#[test]
fn a_step_without_change_costs_a_few_operations_per_tenant() {
    futures::executor::block_on(async {
        let stores = Stores::memory();
        let c = meta();
        seed(&stores, &c).await;
        let t = c.tenant_id.clone();
        stores
            .configs
            .set(&schema::site_index_key(&t), br#"["www.example.com"]"#)
            .await
            .unwrap();
        let hour = 60_000 / 3_600_000;
        stores
            .stats
            .increment(&schema::site_hour_key(&t, "www.example.com", hour), 3)
            .await
            .unwrap();
        let none =
            None::<NoWebhook>.map(|f| async move |e: &webhook::WebhookEvent, b: Vec<u8>| f(e, b));
        check::step(&stores, 0, 0, true, || 0, none).await.unwrap();
        let before = stores.op_count();
        let r = check::step(&stores, 60_000, 60_000, false, || 0, none)
            .await
            .unwrap();
        assert!(r.evaluated && r.raised + r.cleared == 0);
        // once-a-minute CAS (get + CAS), tenants (keys), per tenant: state, indexes, configs,
        // six counters of its config and seven of its live site (one read each on this store,
        // as on Spin's); then the next due time (set).
        assert_eq!(stores.op_count() - before, 2 + 1 + 3 + 6 + 7 + 1);
    });
}
