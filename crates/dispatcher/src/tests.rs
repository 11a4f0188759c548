//! Native tests of a pass: in-memory stores, a fake platform that judges each request the way
//! Meta does (a batch holding a bad event is rejected whole; a revoked token pauses).

use std::cell::RefCell;
use std::collections::BTreeMap;

use edge_kit::deliver::Sent;
use futures::executor::block_on;
use pixel_core::config::{ConfigId, Health, PixelId, TenantId, TrackingConfig};
use pixel_core::event::{ActionSource, Consent, Event, EventId, HashedIdentity, RawIdentity};
use pixel_core::kv::{KvStore, Stores};
use pixel_core::outcome::Outcome;
use pixel_core::platforms::{MetaTarget, OutboundRequest, Target};
use pixel_core::{Platform, StandardEvent, queue, schema};

use crate::batch::Platforms;
use crate::pass::{self, PassOptions};

mod datamanager;

const NOW: i64 = 1_790_000_000_000;

struct Fake {
    bad: Option<String>,
    revoked: bool,
    batches: RefCell<Vec<Vec<String>>>,
}

impl Fake {
    fn new() -> Self {
        Self {
            bad: None,
            revoked: false,
            batches: RefCell::new(Vec::new()),
        }
    }
}

impl Platforms for Fake {
    async fn target(&self, config: &TrackingConfig, _now: i64) -> Result<Target, Outcome> {
        Ok(Target::Meta(MetaTarget {
            base_url: "http://meta.invalid".into(),
            api_version: "v25.0".into(),
            pixel_id: config.pixel_id.as_str().to_owned(),
            access_token: "secret-token".into(),
            event_names: BTreeMap::new(),
        }))
    }

    async fn send(
        &self,
        _t: &mut Target,
        _c: &TrackingConfig,
        req: &OutboundRequest,
        n: usize,
        _now: i64,
    ) -> Sent {
        let ids: Vec<String> = req.body["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["event_id"].as_str().unwrap().to_owned())
            .collect();
        self.batches.borrow_mut().push(ids.clone());
        let outcome = if self.revoked {
            Outcome::PauseConfig {
                reason: "Meta error 190: token revoked".into(),
            }
        } else if self.bad.as_ref().is_some_and(|b| ids.contains(b)) {
            let reason = "Meta error 100: Invalid parameter".to_owned();
            if n > 1 {
                Outcome::Bisect { reason }
            } else {
                Outcome::Permanent { reason }
            }
        } else {
            Outcome::Delivered
        };
        Sent {
            outcome,
            status: Some(200),
            latency_ms: 5,
            platform_message: None,
            answer: None,
        }
    }

    fn now_ms(&self) -> i64 {
        NOW
    }
}

fn tenant() -> TenantId {
    TenantId::parse("acme").unwrap()
}

fn config() -> TrackingConfig {
    TrackingConfig {
        id: ConfigId::parse("c1").unwrap(),
        tenant_id: tenant(),
        platform: Platform::Meta,
        pixel_id: PixelId::parse(Platform::Meta, "1234567890").unwrap(),
        is_active: true,
        created_at: NOW,
        updated_at: NOW,
        tracked_events: vec![StandardEvent::Lead],
        event_mappings: BTreeMap::new(),
        test_event_code: None,
        encrypted_token: "v1.x.y".into(),
        google: None,
        health: Health::unverified(),
        last_event: None,
        browser_pixel: false,
    }
}

fn event(id: &str) -> Event {
    let mut e = Event::new(
        EventId::parse(id).unwrap(),
        StandardEvent::Lead,
        NOW / 1000 - 60,
    );
    e.action_source = ActionSource::SystemGenerated;
    e.consent = Consent::granted();
    e.identity = HashedIdentity::from_raw(
        &RawIdentity {
            email: Some(format!("{id}@example.com")),
            ..RawIdentity::default()
        },
        "ES",
    );
    e
}

/// A store with the config and `n` queued events.
fn setup(n: usize) -> Stores<pixel_core::kv::MemoryStore> {
    let stores = Stores::memory();
    let c = config();
    block_on(async {
        let key = schema::config_key(&c.tenant_id, &c.id);
        stores
            .configs
            .set(&key, &serde_json::to_vec(&c).unwrap())
            .await
            .unwrap();
        for i in 0..n {
            let e = event(&format!("ev-{i:05}"));
            let json = serde_json::to_vec(&e).unwrap();
            queue::enqueue(
                &stores,
                &tenant(),
                e.event_id.as_str(),
                e.name,
                &json,
                std::slice::from_ref(&c.id),
                NOW - 1_000,
            )
            .await
            .unwrap();
        }
    });
    stores
}

fn opts() -> PassOptions {
    PassOptions {
        now_ms: NOW,
        ahead_ms: 0,
        owner: "test".into(),
        max: pass::MAX_PER_PASS,
        lease_ms: pass::LEASE_MS,
    }
}

#[test]
fn a_backlog_of_2500_goes_out_in_three_requests_with_few_kv_operations() {
    let stores = setup(2_500);
    let before = stores.op_count();
    let fake = Fake::new();
    let report = block_on(pass::run(&stores, &fake, &opts(), || 7)).unwrap();
    assert_eq!(report.delivered, 2_500);
    let sizes: Vec<usize> = fake.batches.borrow().iter().map(Vec::len).collect();
    assert_eq!(sizes, [1_000, 1_000, 500]);
    let ops = stores.op_count() - before;
    assert!(ops <= 60, "{ops} KV operations to deliver 2,500 events");
    assert_eq!(block_on(queue::next_due_time(&stores)).unwrap(), None);
}

#[test]
fn one_bad_event_is_isolated_by_halving_and_only_it_is_dead_lettered() {
    let stores = setup(100);
    let mut fake = Fake::new();
    fake.bad = Some("ev-00042".into());
    let report = block_on(pass::run(&stores, &fake, &opts(), || 7)).unwrap();
    assert_eq!((report.delivered, report.dead_lettered), (99, 1));
    // Every good event was accepted exactly once (rejected batches do not count).
    let mut accepted: BTreeMap<String, usize> = BTreeMap::new();
    for b in fake
        .batches
        .borrow()
        .iter()
        .filter(|b| !b.contains(&"ev-00042".to_owned()))
    {
        for id in b {
            *accepted.entry(id.clone()).or_default() += 1;
        }
    }
    assert_eq!(accepted.len(), 99);
    assert!(accepted.values().all(|n| *n == 1));
    let dead = block_on(queue::list_dead_letters(&stores, &config().id, 10)).unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].event_id, "ev-00042");
    assert!(dead[0].reason.contains("Invalid parameter"));
}

#[test]
fn a_revoked_token_holds_the_config_and_marks_its_health_without_losing_events() {
    let stores = setup(10);
    let mut fake = Fake::new();
    fake.revoked = true;
    let report = block_on(pass::run(&stores, &fake, &opts(), || 7)).unwrap();
    assert_eq!(
        (report.held, report.delivered, report.dead_lettered),
        (10, 0, 0)
    );
    let c = config();
    let raw = block_on(stores.configs.get(&schema::config_key(&c.tenant_id, &c.id)))
        .unwrap()
        .unwrap();
    let stored: TrackingConfig = serde_json::from_slice(&raw).unwrap();
    assert_eq!(
        stored.health.status,
        pixel_core::config::HealthStatus::CredentialsInvalid
    );
    assert!(!stored.health.last_error.unwrap().contains("secret-token"));
    // Held: the next pass claims nothing, and the events are all still queued.
    fake.revoked = false;
    let again = block_on(pass::run(&stores, &fake, &opts(), || 7)).unwrap();
    assert_eq!(again.claimed, 0);
    block_on(queue::release_config(&stores, &c.id)).unwrap();
    let after = block_on(pass::run(&stores, &fake, &opts(), || 7)).unwrap();
    assert_eq!(after.delivered, 10);
}
