//! Many instances on one Redis (issue 13): three `testhost up` processes of the real app on a
//! real `redis-server` (`kv_backend = "redis"`), one mock platform server.
//!
//! What must hold across instances: one winner per uniqueness claim, each event delivered
//! once however many instances received it, nothing lost or sent twice when an instance dies
//! mid-delivery, and one tenant's huge backlog not starving another tenant.

use std::collections::BTreeMap;
use std::time::Duration;

use integration_tests::cluster::Cluster;
use integration_tests::{CONFIGS, Client, token_for};
use mock_platforms::Platform;
use serde_json::{Value, json};

mod backlog;
mod google_budget;
mod kill;
mod spin_store;

const TICK: &str = "/api/v1/marketing/dispatcher/tick";

fn meta_config(pixel: &str) -> Value {
    json!({"platform": "Meta", "pixelId": pixel, "apiAccessToken": "tok"})
}

/// A signed backend purchase.
fn purchase(tenant: &str, id: &str) -> Value {
    json!({"eventId": id, "event": "PURCHASE", "tenantId": tenant, "value": 49.0, "currency": "EUR",
           "customer": {"email": format!("{id}@example.com"), "externalId": id}})
}

/// Posts signed events to one instance, 500 a request; panics unless accepted.
async fn post_events(client: &Client, events: &[Value]) {
    for chunk in events.chunks(500) {
        let body = serde_json::to_vec(chunk).expect("json");
        integration_tests::post_signed_events(client, body).await;
    }
}

/// A system admin's tick on one instance (a pass now, as an outside scheduler would run it).
async fn tick(client: &Client) -> Value {
    let admin = token_for("x", "system_admin", 3600);
    let r = client.post(TICK, &admin, json!({})).await;
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()
}

/// Creates a config through instance 0; its id.
async fn create(c: &Cluster, tenant: &str, body: Value) -> String {
    let r = c.node(0).client.post(CONFIGS, &c.token(tenant), body).await;
    assert_eq!(r.status, 201, "{}", r.text());
    r.json()["id"].as_str().expect("id").to_owned()
}

/// Polls `check` every 100 ms for up to `secs` seconds.
async fn until(secs: u64, what: &str, mut check: impl FnMut() -> bool) {
    for _ in 0..secs * 10 {
        if check() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("gave up waiting for: {what}");
}

fn once_each(ids: &[String], expected: usize) {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for id in ids {
        *counts.entry(id).or_default() += 1;
    }
    let twice: Vec<_> = counts.iter().filter(|(_, n)| **n > 1).take(5).collect();
    assert!(
        twice.is_empty(),
        "events reached the platform twice: {twice:?}"
    );
    assert_eq!(counts.len(), expected, "distinct events received");
}

#[tokio::test(flavor = "multi_thread")]
async fn twelve_concurrent_creates_of_one_pixel_across_three_instances_give_exactly_one_201() {
    let c = Cluster::start(3, &[]).await;
    let token = c.token("acme");
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..12 {
        let client = Client::new(c.node(i % 3).addr);
        let token = token.clone();
        tasks.spawn(async move {
            client
                .post(CONFIGS, &token, meta_config("1234567890123"))
                .await
        });
    }
    let mut statuses = Vec::new();
    while let Some(r) = tasks.join_next().await {
        let r = r.expect("a create");
        if r.status != 201 {
            assert_eq!(r.status, 409, "{}", r.text());
        }
        statuses.push(r.status);
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        1,
        "{statuses:?}"
    );
    // Every instance lists the one config, and the losers left no claim or index entry behind.
    for client in c.clients() {
        let list = client.get(CONFIGS, &token).await.json();
        assert_eq!(list.as_array().map(Vec::len), Some(1), "{list}");
    }
    let again = c
        .node(2)
        .client
        .post(CONFIGS, &token, meta_config("1234567890123"))
        .await;
    assert_eq!(again.status, 409, "{}", again.text());
}

#[tokio::test(flavor = "multi_thread")]
async fn three_batches_of_500_purchases_each_posted_to_every_instance_reach_meta_once_each() {
    let c = Cluster::start(3, &[]).await;
    create(&c, "acme", meta_config("1234567890123")).await;
    for batch in 0..3 {
        let events: Vec<Value> = (0..500)
            .map(|i| purchase("acme", &format!("o-{batch}-{i:03}")))
            .collect();
        let posts = c.addrs().into_iter().map(|addr| {
            let events = events.clone();
            let client = Client::new(addr);
            tokio::spawn(async move { post_events(&client, &events).await })
        });
        for p in posts.collect::<Vec<_>>() {
            p.await.expect("a post");
        }
    }
    until(60, "1,500 purchases at Meta", || {
        c.mock.received().total(Platform::Meta) >= 1_500
    })
    .await;
    // Give a would-be duplicate time to arrive, and a last pass to find nothing.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let report = tick(&c.node(1).client).await;
    assert_eq!(report["claimed"], 0, "{report}");
    once_each(&c.mock.received().event_ids(Platform::Meta), 1_500);
}
