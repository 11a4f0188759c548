//! A pass against a fake Data Manager API that answers as Google does: fast-fail naming the
//! bad event's index, a `requestId` on success; and the shared budget taken from a store.

use std::cell::RefCell;
use std::collections::BTreeMap;

use edge_kit::deliver::Sent;
use futures::executor::block_on;
use pixel_core::config::TrackingConfig;
use pixel_core::kv::{KvStore, MemoryStore};
use pixel_core::outcome::{HttpAnswer, Outcome};
use pixel_core::platforms::{DataManagerTarget, OutboundRequest, Target};
use pixel_core::quota::{self, Admission, Budget};
use pixel_core::{StandardEvent, queue};
use serde_json::json;

use super::{NOW, config, opts, setup};
use crate::batch::Platforms;
use crate::pass;

struct FakeGoogle {
    bad: Vec<String>,
    budget: Budget,
    quota: MemoryStore,
    requests: RefCell<Vec<Vec<String>>>,
}

impl FakeGoogle {
    fn new(bad: &[&str], per_minute: i64) -> Self {
        Self {
            bad: bad.iter().map(|s| (*s).to_owned()).collect(),
            budget: Budget::per_minute(per_minute),
            quota: MemoryStore::new(),
            requests: RefCell::new(Vec::new()),
        }
    }
}

impl Platforms for FakeGoogle {
    async fn target(&self, _c: &TrackingConfig, now_ms: i64) -> Result<Target, Outcome> {
        Ok(Target::GoogleDataManager(DataManagerTarget {
            base_url: "http://google.invalid".into(),
            customer_id: "1234567890".into(),
            login_customer_id: None,
            access_token: "ya29.secret".into(),
            conversion_actions: BTreeMap::from([(StandardEvent::Lead, "555".to_owned())]),
            clock_secs: now_ms / 1000,
        }))
    }

    async fn send(
        &self,
        target: &mut Target,
        _c: &TrackingConfig,
        req: &OutboundRequest,
        n: usize,
        _now: i64,
    ) -> Sent {
        let ids: Vec<String> = req.body["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["transactionId"].as_str().unwrap().to_owned())
            .collect();
        let bad: Vec<usize> = (0..ids.len())
            .filter(|i| self.bad.contains(&ids[*i]))
            .collect();
        self.requests.borrow_mut().push(ids);
        let (status, body) = if bad.is_empty() {
            let id = format!("req-{}", self.requests.borrow().len());
            (200, json!({ "requestId": id }))
        } else {
            let violations: Vec<_> = bad
                .iter()
                .map(|i| {
                    json!({"field": format!("events[{i}].ad_identifiers.gclid"),
                                 "reason": "INVALID_GCLID", "description": "bad click"})
                })
                .collect();
            (
                400,
                json!({"error": {"code": 400, "status": "INVALID_ARGUMENT", "message": "invalid",
                    "details": [{"@type": "type.googleapis.com/google.rpc.BadRequest",
                                 "fieldViolations": violations}]}}),
            )
        };
        let bytes = body.to_string().into_bytes();
        let outcome = target.classify(
            &HttpAnswer {
                status,
                retry_after: None,
                body: &bytes,
            },
            n,
        );
        Sent {
            outcome,
            status: Some(status),
            latency_ms: 3,
            platform_message: None,
            answer: Some(body),
        }
    }

    fn now_ms(&self) -> i64 {
        NOW
    }

    async fn admit(&self, c: &TrackingConfig, now_ms: i64) -> Admission {
        quota::admit(&self.quota, self.budget, &c.tenant_id, now_ms)
            .await
            .unwrap()
    }
}

#[test]
fn fast_fail_dead_letters_the_named_events_and_resends_the_rest_at_once() {
    let stores = setup(100);
    let fake = FakeGoogle::new(&["ev-00042", "ev-00077"], 300);
    let report = block_on(pass::run(&stores, &fake, &opts(), || 7)).unwrap();
    assert_eq!((report.delivered, report.dead_lettered), (98, 2));
    // No bisecting: the refused request, then the 98 others in one.
    let sizes: Vec<usize> = fake.requests.borrow().iter().map(Vec::len).collect();
    assert_eq!(sizes, [100, 98]);
    let dead = block_on(queue::list_dead_letters(&stores, &config().id, 10)).unwrap();
    assert_eq!(dead.len(), 2);
    assert!(
        dead.iter().all(|d| d.reason.contains("INVALID_GCLID")),
        "{dead:?}"
    );
    // The accepted request waits for its outcome: Google's first look in 30 minutes.
    assert_eq!(
        block_on(queue::next_due_time(&stores)).unwrap(),
        Some(NOW + 30 * 60_000)
    );
}

#[test]
fn past_the_shared_budget_a_request_waits_for_the_next_minute_unlogged() {
    // 2,500 events are two requests; a budget of one a minute sends the first only.
    let stores = setup(2_500);
    let fake = FakeGoogle::new(&[], 1);
    let report = block_on(pass::run(&stores, &fake, &opts(), || 7)).unwrap();
    assert_eq!((report.delivered, report.deferred), (2_000, 500));
    assert_eq!((report.retried, report.dead_lettered), (0, 0));
    let next_minute = (NOW / 60_000 + 1) * 60_000;
    let keys = block_on(stores.queue.keys()).unwrap();
    let due: Vec<&String> = keys.iter().filter(|k| k.starts_with("d/")).collect();
    assert_eq!(due.len(), 500);
    assert!(
        due.iter()
            .all(|k| k.contains(&format!("/{next_minute:013}/"))),
        "{:?}",
        &due[..1]
    );
    // A wait is no attempt: the log holds deliveries and the request, no retry.
    let logged = block_on(pixel_core::logs::list(&stores.logs, &config().id, 1_000)).unwrap();
    assert!(
        logged.iter().all(|e| matches!(
            e.status,
            pixel_core::logs::LogStatus::Success | pixel_core::logs::LogStatus::Pending
        )),
        "{:?}",
        logged
            .iter()
            .find(|e| e.status != pixel_core::logs::LogStatus::Success)
    );
}
