//! `cargo run --release -p integration-tests --bin bench-scaleout`: many instances on one Redis
//! (issue 13's benchmark). Needs `redis-server` and the components (`scripts/build-components`).
//!
//! 1. Throughput: 3,000 signed purchases for one Meta config, posted in batches of 500 spread
//!    over the instances, with 1 and then 3 instances on one Redis: events delivered per second
//!    (first post to the last event at the mock) and Redis commands per delivered event
//!    (`INFO stats` of the server, enqueue included).
//! 2. Pass cost: a dispatcher pass (a system admin's tick) over an empty queue, then over a
//!    backlog of 200,000 deliveries waiting for their retry (due in an hour): time and Redis
//!    commands per pass, and the ratio backlog / empty measured in this run. A pass that
//!    listed the backlog would cost hundreds of `SCAN` round trips; the due index costs the same
//!    with or without it.

use std::time::{Duration, Instant};

use integration_tests::cluster::{Cluster, seed};
use integration_tests::{CONFIGS, Client, now_secs, token_for};
use mock_platforms::Platform;
use serde_json::{Value, json};

const EVENTS: usize = 3_000;
const BATCH: usize = 500;
const BACKLOG: usize = 200_000;
const TICKS: usize = 20;

fn purchase(id: &str) -> Value {
    json!({"eventId": id, "event": "PURCHASE", "tenantId": "bench", "value": 49.0, "currency": "EUR",
           "customer": {"email": format!("{id}@example.com"), "externalId": id}})
}

async fn post(client: &Client, events: &[Value]) {
    let body = serde_json::to_vec(events).expect("json");
    integration_tests::post_signed_events(client, body).await;
}

async fn create(c: &Cluster, pixel: &str) -> String {
    let body = json!({"platform": "Meta", "pixelId": pixel, "apiAccessToken": "bench-token"});
    let r = c
        .node(0)
        .client
        .post(CONFIGS, &c.token("bench"), body)
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    r.json()["id"].as_str().expect("id").to_owned()
}

/// Events per second and Redis commands per event with `n` instances.
async fn throughput(n: usize) -> (f64, f64) {
    let c = Cluster::start(n, &[]).await;
    create(&c, "1234567890123").await;
    let before = c.redis.commands_processed();
    let start = Instant::now();
    let addrs = c.addrs();
    let mut posts = tokio::task::JoinSet::new();
    for (i, chunk) in (0..EVENTS)
        .map(|i| purchase(&format!("t{n}-{i:05}")))
        .collect::<Vec<_>>()
        .chunks(BATCH)
        .enumerate()
    {
        let client = Client::new(addrs[i % addrs.len()]);
        let chunk = chunk.to_vec();
        posts.spawn(async move { post(&client, &chunk).await });
    }
    while let Some(r) = posts.join_next().await {
        r.expect("a post");
    }
    for _ in 0..120_000 {
        if c.mock.received().total(Platform::Meta) >= EVENTS as u64 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let secs = start.elapsed().as_secs_f64();
    let delivered = c.mock.received().total(Platform::Meta);
    assert_eq!(delivered, EVENTS as u64, "every event delivered once");
    // Let the dispatcher write its outcomes down before counting its commands.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let commands = c.redis.commands_processed() - before;
    (EVENTS as f64 / secs, commands as f64 / EVENTS as f64)
}

/// Mean milliseconds and Redis commands of one tick-driven pass.
async fn pass_cost(c: &Cluster) -> (f64, f64) {
    let admin = token_for("x", "system_admin", 3600);
    let client = &c.node(0).client;
    let before = c.redis.commands_processed();
    let start = Instant::now();
    for _ in 0..TICKS {
        let r = client
            .post("/api/v1/marketing/dispatcher/tick", &admin, json!({}))
            .await;
        assert_eq!(r.status, 200, "{}", r.text());
        assert_eq!(r.json()["claimed"], 0, "nothing is due");
    }
    let ms = start.elapsed().as_secs_f64() * 1_000.0 / TICKS as f64;
    // The harness's own INFO costs one command.
    let commands = (c.redis.commands_processed() - before - 1) as f64 / TICKS as f64;
    (ms, commands)
}

#[tokio::main]
async fn main() {
    println!("bench-scaleout: {EVENTS} signed purchases, batches of {BATCH}, one Meta config");
    let (eps1, cpe1) = throughput(1).await;
    println!("  1 instance : {eps1:>8.0} events/s  {cpe1:>6.2} Redis commands per event");
    let (eps3, cpe3) = throughput(3).await;
    println!("  3 instances: {eps3:>8.0} events/s  {cpe3:>6.2} Redis commands per event");
    println!("  3 vs 1     : {:>8.2}x events/s", eps3 / eps1);

    let c = Cluster::start(1, &[]).await;
    let config = create(&c, "1234567890123").await;
    let (empty_ms, empty_cmds) = pass_cost(&c).await;
    let due = now_secs() * 1_000 + 3_600_000;
    let seeding = Instant::now();
    c.redis
        .seed_queue(&seed::purchases("bench", &config, "r-", BACKLOG, due).await);
    let seeded = seeding.elapsed().as_secs_f64();
    let (full_ms, full_cmds) = pass_cost(&c).await;
    println!("dispatcher pass (mean of {TICKS} ticks, nothing due now):");
    println!("  empty queue      : {empty_ms:>7.2} ms  {empty_cmds:>5.1} Redis commands");
    println!(
        "  {BACKLOG} waiting: {full_ms:>7.2} ms  {full_cmds:>5.1} Redis commands  (seeded in {seeded:.1} s)"
    );
    println!(
        "  backlog / empty  : {:>7.2}x time  {:>5.2}x commands",
        full_ms / empty_ms,
        full_cmds / empty_cmds
    );
}
