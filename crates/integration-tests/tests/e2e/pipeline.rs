//! The delivery pipeline end to end (issue 5's scenarios): backend events in through the
//! collector's signed intake, the dispatcher draining the queue to the mock platforms.
//!
//! Passes are driven with the system admin's tick; `aheadMs` makes retries due now instead of
//! waiting out the backoff, and the delays the policy chose are read from what was stored
//! (the delivery's due time against its log entry), never from the wall clock.

use std::collections::BTreeMap;
use std::time::Duration;

use integration_tests::{App, CONFIGS, now_secs, token_for};
use mock_platforms::{Fault, Platform};
use serde_json::{Value, json};

mod google_datamanager;
mod platforms;
mod restart;

const TICK: &str = "/api/v1/marketing/dispatcher/tick";
const PIXEL: &str = "1234567890123";

fn admin() -> String {
    token_for("x", "system_admin", 3600)
}

/// A backend Lead with a hashed-at-the-edge e-mail (no user agent: not a website event).
fn lead(tenant: &str, id: &str) -> Value {
    json!({"eventId": id, "event": "LEAD", "tenantId": tenant,
           "customer": {"email": format!("{id}@example.com"), "externalId": id}})
}

trait Pipeline {
    async fn config(&self, tenant: &str, body: Value) -> String;
    async fn post_events(&self, events: &[Value]);
    async fn tick(&self, ahead_ms: i64) -> Value;
    async fn logs(&self, tenant: &str, id: &str) -> Vec<Value>;
    async fn dead_letters(&self, tenant: &str, id: &str) -> Vec<Value>;
    async fn until(&self, what: &str, check: impl AsyncFnMut() -> bool);
    fn meta_batches(&self) -> Vec<usize>;
}

impl Pipeline for App {
    async fn config(&self, tenant: &str, body: Value) -> String {
        self.create_config(tenant, body).await["id"]
            .as_str()
            .expect("id")
            .to_owned()
    }

    async fn post_events(&self, events: &[Value]) {
        for chunk in events.chunks(500) {
            let body = serde_json::to_vec(chunk).expect("json");
            integration_tests::post_signed_events(&self.client, body).await;
        }
    }

    async fn tick(&self, ahead_ms: i64) -> Value {
        let r = self
            .client
            .post(&format!("{TICK}?aheadMs={ahead_ms}"), &admin(), json!({}))
            .await;
        assert_eq!(r.status, 200, "{}", r.text());
        r.json()
    }

    async fn logs(&self, tenant: &str, id: &str) -> Vec<Value> {
        let r = self
            .client
            .get(
                &format!("{CONFIGS}/{id}/logs?limit=500"),
                &self.token(tenant),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text());
        r.json().as_array().cloned().unwrap_or_default()
    }

    async fn dead_letters(&self, tenant: &str, id: &str) -> Vec<Value> {
        let r = self
            .client
            .get(
                &format!("{CONFIGS}/{id}/dead-letters?limit=500"),
                &self.token(tenant),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text());
        r.json().as_array().cloned().unwrap_or_default()
    }

    /// Poll (with ticks in between, as an outside scheduler would) until `check` holds.
    async fn until(&self, what: &str, mut check: impl AsyncFnMut() -> bool) {
        for _ in 0..150 {
            if check().await {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("gave up waiting for: {what}");
    }

    /// Sizes of the event batches Meta received, in order.
    fn meta_batches(&self) -> Vec<usize> {
        self.mock
            .requests_for(Platform::Meta)
            .iter()
            .filter(|r| r.method == "POST" && r.path.ends_with("/events"))
            .map(|r| r.body["data"].as_array().map_or(0, Vec::len))
            .collect()
    }
}

fn meta_config(token: &str) -> Value {
    json!({"platform": "Meta", "pixelId": PIXEL, "apiAccessToken": token})
}

fn once_each(ids: &[String], expected: usize) {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for id in ids {
        *counts.entry(id).or_default() += 1;
    }
    assert_eq!(counts.len(), expected, "distinct events received");
    assert!(
        counts.values().all(|n| *n == 1),
        "an event reached the platform twice"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_revoked_token_holds_the_backlog_and_a_new_token_sends_2500_events_in_three_requests() {
    let app = App::start().await;
    let id = app.config("acme", meta_config("good-token")).await;
    // Meta says the token was revoked (190) on the first delivery.
    app.mock.set_fault(
        Fault::new(Platform::Meta)
            .code(190)
            .count(1)
            .path("/events"),
    );
    let events: Vec<Value> = (0..2_500)
        .map(|i| lead("acme", &format!("ev-{i:04}")))
        .collect();
    app.post_events(&events[..500]).await;
    let t = app.token("acme");
    app.until("health credentials_invalid", async || {
        let list = app.client.get(CONFIGS, &t).await.json();
        list[0]["health"]["status"] == "credentials_invalid"
    })
    .await;
    // Held, not dropped: more events queue up behind the hold and nothing is sent.
    app.post_events(&events[500..]).await;
    let report = app.tick(0).await;
    assert_eq!(
        report["claimed"], 0,
        "a held config is not claimed: {report}"
    );
    assert!(app.dead_letters("acme", &id).await.is_empty());
    let logs = app.logs("acme", &id).await;
    assert!(
        logs.iter()
            .any(|l| l["status"] == "failed" && l["responseCode"] == 400),
        "{logs:?}"
    );
    app.mock.clear();

    let patched = app
        .client
        .patch(
            &format!("{CONFIGS}/{id}"),
            &t,
            json!({"apiAccessToken": "new-token"}),
        )
        .await;
    assert_eq!(patched.status, 200, "{}", patched.text());
    app.until("2,500 delivered", async || {
        app.mock.received().total(Platform::Meta) >= 2_500
    })
    .await;
    assert_eq!(app.meta_batches(), vec![1_000, 1_000, 500]);
    once_each(&app.mock.received().event_ids(Platform::Meta), 2_500);
    // The platform answers before the dispatcher writes the outcome down: wait for it.
    app.until("the last delivery recorded as a success", async || {
        let list = app.client.get(CONFIGS, &t).await.json();
        list[0]["lastEvent"]["status"] == "success"
    })
    .await;
    let list = app.client.get(CONFIGS, &t).await.json();
    assert_eq!(list[0]["health"]["status"], "ok");
    let text = serde_json::to_string(&app.logs("acme", &id).await).unwrap();
    assert!(!text.contains("good-token") && !text.contains("new-token"));
}

#[tokio::test(flavor = "multi_thread")]
async fn three_503s_then_200_deliver_once_with_delays_from_the_retry_policy() {
    let app = App::start().await;
    let id = app.config("acme", meta_config("tok")).await;
    app.mock.set_fault(
        Fault::new(Platform::Meta)
            .status(503)
            .count(3)
            .path("/events"),
    );
    app.post_events(&[lead("acme", "ev-retry")]).await;
    // Each failed attempt: the delivery is due again after the policy's delay for that attempt
    // (5-30 s, then 5-60 s, then 5-120 s; full jitter), measured from its log entry.
    for (attempt, max_delay_ms) in [(1, 30_999), (2, 60_999), (3, 120_999)] {
        app.until(&format!("attempt {attempt} logged"), async || {
            raw_logs(&app).iter().any(|l| l["attempt"] == attempt)
        })
        .await;
        let logged = raw_logs(&app)
            .into_iter()
            .find(|l| l["attempt"] == attempt)
            .unwrap();
        assert_eq!(logged["status"], "retry");
        assert_eq!(logged["responseCode"], 503);
        let (due, record) = queued(&app).pop().expect("the delivery is still queued");
        assert_eq!(record["attempt"], attempt);
        let delay = due - logged["timestamp"].as_i64().unwrap();
        assert!(
            (5_000..=max_delay_ms).contains(&delay),
            "attempt {attempt}: {delay} ms"
        );
        // Make it due now rather than waiting out the delay.
        app.tick(130_000).await;
    }
    app.until("delivered", async || {
        app.mock.received().total(Platform::Meta) == 1
    })
    .await;
    // The platform answers before the dispatcher logs it: wait for the entry.
    app.until("the delivery logged", async || {
        app.logs("acme", &id)
            .await
            .iter()
            .any(|l| l["status"] == "success")
    })
    .await;
    let logs = app.logs("acme", &id).await;
    let statuses: Vec<(&str, i64)> = logs
        .iter()
        .map(|l| {
            (
                l["status"].as_str().unwrap(),
                l["attempt"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        statuses,
        [("success", 4), ("retry", 3), ("retry", 2), ("retry", 1)]
    );
    assert!(queued(&app).is_empty());
}

/// Raw log entries (Unix ms timestamps) straight from the host's storage.
fn raw_logs(app: &App) -> Vec<Value> {
    app.host
        .kv_dump("logs")
        .expect("logs store")
        .into_iter()
        .filter(|(k, _)| k.starts_with("log/"))
        .filter_map(|(_, v)| serde_json::from_slice(&v).ok())
        .collect()
}

/// Queued deliveries: (due ms, record).
fn queued(app: &App) -> Vec<(i64, Value)> {
    app.host
        .kv_dump("queue")
        .expect("queue store")
        .into_iter()
        .filter_map(|(k, v)| {
            let parts: Vec<&str> = k.split('/').collect();
            match parts.as_slice() {
                ["d", _, due, _] => Some((due.parse().ok()?, serde_json::from_slice(&v).ok()?)),
                _ => None,
            }
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn one_bad_event_of_100_is_isolated_and_the_kpis_match_the_platform() {
    let app = App::start().await;
    let id = app.config("acme", meta_config("tok")).await;
    // The core and the collector already refuse what Meta refuses, so the bad event is
    // simulated at the platform: Meta rejects (100) every request that still holds the
    // batch's first event, which takes seven requests as the batch is halved down to it.
    app.mock.set_fault(
        Fault::new(Platform::Meta)
            .code(100)
            .count(7)
            .path("/events"),
    );
    let events: Vec<Value> = (0..100)
        .map(|i| lead("acme", &format!("b-{i:03}")))
        .collect();
    app.post_events(&events).await;
    app.until("99 delivered", async || {
        app.mock.received().total(Platform::Meta) == 99
    })
    .await;
    app.until("1 dead letter", async || {
        app.dead_letters("acme", &id).await.len() == 1
    })
    .await;
    once_each(&app.mock.received().event_ids(Platform::Meta), 99);
    let dead = app.dead_letters("acme", &id).await;
    let reason = dead[0]["reason"].as_str().unwrap();
    assert!(reason.starts_with("Meta error 100"), "{reason}");
    assert_eq!(dead[0]["responseCode"], 400);
    assert!(
        !app.mock
            .received()
            .event_ids(Platform::Meta)
            .contains(&dead[0]["eventId"].as_str().unwrap().to_owned())
    );

    let kpis = async || {
        let r = app
            .client
            .get(
                "/api/v1/marketing/tracking-stats?days=1",
                &app.token("acme"),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text());
        r.json()
    };
    // The counters are written just after the dead letter: wait for them.
    app.until("the outcomes counted", async || {
        let k = kpis().await;
        k["deadLettered"] == 1 && k["succeeded"] == 99
    })
    .await;
    let k = kpis().await;
    assert_eq!(k["succeeded"], app.mock.received().total(Platform::Meta));
    assert_eq!(k["deadLettered"], 1);
    assert_eq!(k["eventsByType"]["LEAD"], 99);
    assert_eq!(k["activeConfigs"], 1);
    assert!((k["successRate"].as_f64().unwrap() - 0.99).abs() < 1e-9);
    assert!(k["avgLatencyMs"].as_u64().is_some() && k["p95LatencyMs"].as_u64().is_some());
    assert!(k["matchQuality"]["Meta"]["LEAD"]["score"].as_f64().unwrap() > 0.0);
    let emq = &k["metaEventMatchQuality"][0]["eventMatchQuality"]["Lead"];
    assert!(emq.as_f64().is_some(), "{k}");
    for days in ["0", "91", "x"] {
        let r = app
            .client
            .get(
                &format!("/api/v1/marketing/tracking-stats?days={days}"),
                &app.token("acme"),
            )
            .await;
        assert_eq!(r.status, 400, "days={days}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_event_older_than_seven_days_is_dead_lettered_without_being_sent() {
    let app = App::start().await;
    let id = app.config("acme", meta_config("tok")).await;
    let mut old = lead("acme", "too-old");
    old["occurredAt"] = json!(now_secs() - 8 * 86_400);
    app.post_events(&[old]).await;
    app.until("dead-lettered", async || {
        app.dead_letters("acme", &id).await.len() == 1
    })
    .await;
    let dead = app.dead_letters("acme", &id).await;
    assert!(
        dead[0]["reason"].as_str().unwrap().contains("older than"),
        "{dead:?}"
    );
    assert!(app.meta_batches().is_empty(), "nothing was sent to Meta");
}

#[tokio::test(flavor = "multi_thread")]
async fn two_dispatchers_over_one_backlog_send_each_event_exactly_once() {
    let app = App::start().await;
    let mut ids = Vec::new();
    for pixel in ["1111111111", "2222222222", "3333333333"] {
        let body = json!({"platform": "Meta", "pixelId": pixel, "apiAccessToken": "tok"});
        ids.push(app.config("acme", body).await);
    }
    // Slow answers keep the dispatchers' passes overlapping.
    app.mock
        .set_fault(Fault::new(Platform::Meta).delay_ms(150).path("/events"));
    let events: Vec<Value> = (0..1_500)
        .map(|i| lead("acme", &format!("c-{i:04}")))
        .collect();
    let posting = app.post_events(&events);
    let ticking = async {
        for _ in 0..10 {
            let (a, b) = tokio::join!(app.tick(0), app.tick(0));
            let _ = (a, b);
        }
    };
    tokio::join!(posting, ticking);
    // The trainer's dashboard keeps polling meanwhile: its requests are the documented way
    // (`deliver::nudge`) a worker that ended while work remained is replaced.
    let mut delivered = false;
    for round in 0..300 {
        if app.mock.received().total(Platform::Meta) >= 4_500 {
            delivered = true;
            break;
        }
        if round % 10 == 9 {
            let r = app.client.get(CONFIGS, &app.token("acme")).await;
            assert_eq!(r.status, 200, "{}", r.text());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    if !delivered {
        // What the queue holds, to tell a stranded lease from a lost wake.
        let queue: Vec<String> = app
            .kv_dump("queue")
            .into_iter()
            .filter(|(k, _)| !k.starts_with("d/"))
            .map(|(k, v)| format!("{k} = {}", String::from_utf8_lossy(&v)))
            .collect();
        let pending = app
            .kv_dump("queue")
            .iter()
            .filter(|(k, _)| k.starts_with("d/"))
            .count();
        panic!(
            "gave up waiting for all delivered: Meta has {}, {pending} deliveries queued; \
             queue bookkeeping: {queue:#?}",
            app.mock.received().total(Platform::Meta)
        );
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let received = app.mock.received();
    assert_eq!(received.total(Platform::Meta), 4_500);
    for pixel in ["1111111111", "2222222222", "3333333333"] {
        let ids: Vec<String> = received.meta[pixel]
            .values()
            .flat_map(|t| t.event_ids.clone())
            .collect();
        once_each(&ids, 1_500);
    }
}
