//! `cargo run --release -p integration-tests --bin bench-pipeline`: the delivery pipeline's
//! figures through the test host and the mock platforms over loopback (issue 5's benchmark).
//!
//! 1. Backlog: 10,000 backend events for one Meta config queue up behind a held config (the
//!    platform refused the token), then a new token releases them; measured from the PATCH to
//!    the last event at the mock: events delivered per second, key-value operations per
//!    delivered event (counted by the host: draining alone, and with enqueueing), platform
//!    requests per 1,000 events.
//! 2. Stream: events posted in small batches while the dispatcher runs; enqueue (the POST) to
//!    the platform's answer (first seen at the mock), p50 and p95.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use integration_tests::{App, CONFIGS, signature};
use mock_platforms::{Fault, Platform};
use serde_json::{Value, json};

const BACKLOG: usize = 10_000;
const STREAM_BATCHES: usize = 20;
const STREAM_BATCH: usize = 50;

fn lead(tenant: &str, id: &str) -> Value {
    json!({"eventId": id, "event": "LEAD", "tenantId": tenant,
           "customer": {"email": format!("{id}@example.com"), "externalId": id}})
}

async fn post(app: &App, events: &[Value]) {
    let body = serde_json::to_vec(events).expect("json");
    let sig = signature(&body);
    let headers = [
        ("content-type", "application/json"),
        ("x-signature", sig.as_str()),
    ];
    let r = app
        .client
        .send(http::Method::POST, "/api/v1/events", &headers, body)
        .await;
    assert_eq!(r.status, 202, "{}", r.text());
}

async fn config(app: &App, tenant: &str, pixel: &str) -> String {
    let body = json!({"platform": "Meta", "pixelId": pixel, "apiAccessToken": "bench-token"});
    app.create_config(tenant, body).await["id"]
        .as_str()
        .expect("id")
        .to_owned()
}

async fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    for _ in 0..60_000 {
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    panic!("gave up waiting for {what}");
}

fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 * q).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i]
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let app = App::start().await;

    // 1. A backlog of 10,000 held behind a refused token, then released.
    let id = config(&app, "bench", "1000000001").await;
    app.mock.set_fault(
        Fault::new(Platform::Meta)
            .code(190)
            .count(1)
            .path("/events"),
    );
    let events: Vec<Value> = (0..BACKLOG)
        .map(|i| lead("bench", &format!("bk-{i:05}")))
        .collect();
    let kv_start = app.host.kv_op_count();
    post(&app, &events[..500]).await;
    let t = app.token("bench");
    wait_for("the config to be held", || config_held(&app)).await;
    for chunk in events[500..].chunks(500) {
        post(&app, chunk).await;
    }
    let kv_enqueued = app.host.kv_op_count();
    app.mock.clear();
    let started = Instant::now();
    let patched = app
        .client
        .patch(
            &format!("{CONFIGS}/{id}"),
            &t,
            json!({"apiAccessToken": "bench-token-2"}),
        )
        .await;
    assert_eq!(patched.status, 200, "{}", patched.text());
    wait_for("the backlog to be delivered", || {
        app.mock.received().total(Platform::Meta) >= BACKLOG as u64
    })
    .await;
    let elapsed = started.elapsed().as_secs_f64();
    // Let the pass finish its bookkeeping (log, counters, release) before counting.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let kv_end = app.host.kv_op_count();
    let requests = app.meta_event_posts();

    // 2. A stream: small batches while the dispatcher runs.
    let _ = config(&app, "stream", "1000000002").await;
    app.mock.clear();
    let total = STREAM_BATCHES * STREAM_BATCH;
    // Post and watch at once: each event's answer is the first time the mock shows it.
    let posting = async {
        let mut posted_at: HashMap<String, Instant> = HashMap::new();
        for b in 0..STREAM_BATCHES {
            let batch: Vec<Value> = (0..STREAM_BATCH)
                .map(|i| lead("stream", &format!("st-{b:02}-{i:03}")))
                .collect();
            let at = Instant::now();
            post(&app, &batch).await;
            for e in &batch {
                posted_at.insert(e["eventId"].as_str().unwrap_or("").to_owned(), at);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        posted_at
    };
    let watching = async {
        let mut seen: HashMap<String, Instant> = HashMap::new();
        let deadline = Instant::now() + Duration::from_secs(120);
        while seen.len() < total && Instant::now() < deadline {
            let now = Instant::now();
            for id in app.mock.received().event_ids(Platform::Meta) {
                seen.entry(id).or_insert(now);
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        seen
    };
    let (posted_at, seen) = tokio::join!(posting, watching);
    let mut latencies: Vec<f64> = seen
        .iter()
        .filter_map(|(id, at)| Some(at.duration_since(*posted_at.get(id)?).as_secs_f64() * 1000.0))
        .collect();
    latencies.sort_by(f64::total_cmp);

    let n = BACKLOG as f64;
    println!("bench-pipeline: test host + mock platforms on 127.0.0.1, one Meta config");
    println!("| figure | value |");
    println!("|---|---|");
    println!("| backlog delivered | {BACKLOG} events in {elapsed:.2} s |");
    println!(
        "| events delivered per second (backlog) | {:.0} |",
        n / elapsed
    );
    println!(
        "| KV operations per delivered event, draining | {:.2} |",
        (kv_end - kv_enqueued) as f64 / n
    );
    println!(
        "| KV operations per delivered event, enqueue + draining | {:.2} |",
        (kv_end - kv_start) as f64 / n
    );
    println!(
        "| platform requests per 1,000 events | {:.2} |",
        requests as f64 / (n / 1000.0)
    );
    println!(
        "| enqueue-to-answer latency p50 / p95 ({} events in batches of {STREAM_BATCH}) | {:.0} ms / {:.0} ms |",
        latencies.len(),
        percentile(&latencies, 0.50),
        percentile(&latencies, 0.95)
    );
}

/// Whether the bench config is held yet (health `credentials_invalid`), read synchronously
/// from the host's storage so the poll loop stays a plain closure.
fn config_held(app: &App) -> bool {
    app.host
        .kv_dump("configs")
        .unwrap_or_default()
        .iter()
        .filter(|(k, _)| k.starts_with("cfg/bench/"))
        .any(|(_, v)| {
            serde_json::from_slice::<Value>(v)
                .is_ok_and(|c| c["health"]["status"] == "credentials_invalid")
        })
}
