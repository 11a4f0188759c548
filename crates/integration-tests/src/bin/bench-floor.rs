//! bench-floor: what the edge costs a page next to the host's own floor, and where the time goes.
//!
//! `cargo run --release -p integration-tests --bin bench-floor` (components built first with
//! `scripts/build-components`). One process, one machine: a test origin, the test host with the
//! real app (outbound connections pooled, as Spin's default), a second test host with the
//! test-only `spin-probe` component for the floor, the mock platforms. Figures are printed,
//! never asserted.
//!
//! Pages, each on its own keep-alive connection, the ways taking turns in short rounds so a
//! slow spell of this shared machine hits them all alike:
//! - floor: the probe answering a constant (no host call): the host's cost of a request;
//! - floor 50 KB: the probe answering 50 KB it made itself (adds the body's way out);
//! - the origin directly (what the proxied page costs without the edge);
//! - the collector proxying the 50 KB page: no consent (tracking off), with consent (tracking
//!   on, no browser pixel), and with consent for a tenant whose config has `browserPixel`.
//!
//! The collector runs with `edge_timing = "true"`, so each answer carries `Server-Timing` with
//! the time of each step inside the guest; "outside" is the request's latency minus the guest's
//! total (the host, the body streaming out, the client). Ingest: one event per signed request
//! over several connections, then signed batches of 500.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use http::Method;
use integration_tests::{App, Client, origin, post_signed_events};
use serde_json::{Value, json};

const HOST: &str = "www.bench-entrena.es";
const TENANT: &str = "bench";
const PIXEL_HOST: &str = "www.bench-pixel.es";
const PIXEL_TENANT: &str = "benchpx";
const UA: &str =
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 Safari/605.1.15";
const CONSENT: &str = "tr_consent=marketing=granted; _fbp=fb.1.1790000000000.1234567890";
const ROUNDS: usize = 10;
const PER_ROUND: usize = 100;
const INGEST_CONNECTIONS: usize = 4;
const SINGLES: usize = 2_000;
const BATCHES: usize = 24;

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn pick(v: &[f64], q: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    let mut all = v.to_vec();
    all.sort_by(f64::total_cmp);
    all[((all.len() as f64 * q) as usize).min(all.len() - 1)]
}

/// One way of answering a page.
struct Way {
    name: &'static str,
    client: Client,
    path: &'static str,
    headers: Vec<(&'static str, &'static str)>,
    /// The answer's body must be at least this long (the page really went through).
    min_len: usize,
    lat: Vec<f64>,
    /// Server-Timing steps, milliseconds per request.
    steps: BTreeMap<String, Vec<f64>>,
    outside: Vec<f64>,
}

impl Way {
    fn new(
        name: &'static str,
        client: Client,
        path: &'static str,
        headers: Vec<(&'static str, &'static str)>,
        min_len: usize,
    ) -> Way {
        Way {
            name,
            client,
            path,
            headers,
            min_len,
            lat: Vec::new(),
            steps: BTreeMap::new(),
            outside: Vec::new(),
        }
    }

    async fn once(&mut self, record: bool) {
        let t = Instant::now();
        let a = self
            .client
            .send(Method::GET, self.path, &self.headers, Vec::new())
            .await;
        let took = ms(t.elapsed());
        assert_eq!(a.status, 200, "{}: {}", self.name, a.text());
        assert!(a.body.len() >= self.min_len, "{}: short body", self.name);
        if !record {
            return;
        }
        self.lat.push(took);
        let Some(timing) = a.headers.get("server-timing").and_then(|v| v.to_str().ok()) else {
            return;
        };
        for part in timing.split(',') {
            if let Some((name, dur)) = part.trim().split_once(";dur=")
                && let Ok(d) = dur.parse::<f64>()
            {
                self.steps.entry(name.to_string()).or_default().push(d);
                if name == "total" {
                    self.outside.push(took - d);
                }
            }
        }
    }
}

fn event(run: u128, i: usize) -> Value {
    json!({"eventId": format!("floor-{run}-{i}"), "event": "lead.registrado", "tenantId": TENANT,
           "customer": {"email": format!("lead{i}@example.com"), "phone": "612345678", "firstName": "Ana"}})
}

type Steps = std::sync::Arc<std::sync::Mutex<BTreeMap<String, Vec<f64>>>>;

/// Adds the steps of a `Server-Timing` header to `into`.
fn record_steps(into: &Steps, headers: &http::HeaderMap) {
    let Some(timing) = headers.get("server-timing").and_then(|v| v.to_str().ok()) else {
        return;
    };
    let mut steps = into.lock().expect("steps");
    for part in timing.split(',') {
        if let Some((name, dur)) = part.trim().split_once(";dur=")
            && let Ok(d) = dur.parse::<f64>()
        {
            steps.entry(name.to_string()).or_default().push(d);
        }
    }
}

async fn post_events(client: &Client, body: Vec<u8>, steps: Option<&Steps>) -> Value {
    let a = post_signed_events(client, body).await;
    if let Some(steps) = steps {
        record_steps(steps, &a.headers);
    }
    a.json()
}

/// `total` calls of `make(i)` over `connections` tasks: events per second of the whole run.
async fn throughput<F, Fut>(connections: usize, total: usize, make: F) -> f64
where
    F: Fn(usize) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let started = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..connections {
        let make = make.clone();
        tasks.push(tokio::spawn(async move {
            for i in (c..total).step_by(connections) {
                make(i).await;
            }
        }));
    }
    for t in tasks {
        t.await.expect("bench task");
    }
    total as f64 / started.elapsed().as_secs_f64()
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let origin = origin::spawn().await;
    let app = App::start_with(&[("edge_timing", "true")]).await;
    app.put_site(TENANT, HOST, json!({"originUrl": origin.url()}))
        .await;
    app.create_config(
        TENANT,
        json!({"platform": "Meta", "pixelId": "1234567890", "apiAccessToken": "tok", "browserPixel": false}),
    )
    .await;
    app.put_site(PIXEL_TENANT, PIXEL_HOST, json!({"originUrl": origin.url()}))
        .await;
    app.create_config(
        PIXEL_TENANT,
        json!({"platform": "Meta", "pixelId": "1234567891", "apiAccessToken": "tok", "browserPixel": true}),
    )
    .await;

    let dir = std::env::temp_dir().join(format!("bench-floor-{}", std::process::id()));
    _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("probe dir");
    let probe = testhost::probe::ProbeApp::render(&dir).expect("probe app (build components)");
    let probe_host = testhost::start(
        testhost::HostConfig {
            manifest: probe.manifest.clone(),
            variables: vec![("secret_token".into(), "s".into())],
            env: Some(Default::default()),
            kv: testhost::KvBackend::Memory,
        },
        integration_tests::loopback(),
    )
    .await
    .expect("probe host");

    let page = 50 * 1024 - 1024;
    let edge = |host: &'static str, cookie: Option<&'static str>| {
        let mut h = vec![("host", host), ("user-agent", UA)];
        if let Some(c) = cookie {
            h.push(("cookie", c));
        }
        h
    };
    // One client each: one keep-alive connection per way, requests one after another.
    let mut ways = [
        Way::new(
            "floor (constant)",
            Client::new(probe_host.addr),
            "/?op=const",
            vec![],
            2,
        ),
        Way::new(
            "floor, 50 KB constant",
            Client::new(probe_host.addr),
            "/?op=const&n=51200",
            vec![],
            51_200,
        ),
        Way::new(
            "origin direct",
            Client::new(origin.addr),
            "/big",
            vec![("host", HOST)],
            page,
        ),
        Way::new(
            "collector, no consent",
            Client::new(app.host.addr),
            "/big",
            edge(HOST, None),
            page,
        ),
        Way::new(
            "collector, tracked",
            Client::new(app.host.addr),
            "/big",
            edge(HOST, Some(CONSENT)),
            page,
        ),
        Way::new(
            "collector, tracked + pixel",
            Client::new(app.host.addr),
            "/big",
            edge(PIXEL_HOST, Some(CONSENT)),
            page,
        ),
    ];
    for w in ways.iter_mut() {
        for _ in 0..50 {
            w.once(false).await;
        }
    }
    for _ in 0..ROUNDS {
        for w in ways.iter_mut() {
            for _ in 0..PER_ROUND {
                w.once(true).await;
            }
        }
    }

    let floor = pick(&ways[0].lat, 0.5);
    println!(
        "50 KB page, one keep-alive connection per way, {ROUNDS} rounds x {PER_ROUND} requests taking turns"
    );
    println!(
        "{:<28} {:>8} {:>8} {:>12} {:>9}",
        "", "p50 ms", "p90 ms", "p50-floor", "x floor"
    );
    for w in &ways {
        let p50 = pick(&w.lat, 0.5);
        println!(
            "{:<28} {:>8.3} {:>8.3} {:>12.3} {:>9.2}",
            w.name,
            p50,
            pick(&w.lat, 0.9),
            p50 - floor,
            p50 / floor
        );
    }
    println!(
        "inside the collector (Server-Timing, p50 ms per step; outside = latency - guest total)"
    );
    let names: Vec<String> = {
        let mut seen: Vec<String> = Vec::new();
        for w in &ways[3..] {
            for k in w.steps.keys() {
                if !seen.contains(k) {
                    seen.push(k.clone());
                }
            }
        }
        let order = [
            "site", "policy", "prepare", "fetch", "classify", "skipped", "configs", "events",
            "head", "outbox", "total",
        ];
        let mut sorted: Vec<String> = order
            .iter()
            .filter(|n| seen.iter().any(|s| s == *n))
            .map(|s| s.to_string())
            .collect();
        sorted.extend(seen.into_iter().filter(|s| !order.contains(&s.as_str())));
        sorted
    };
    print!("{:<28}", "");
    for n in &names {
        print!(" {n:>8}");
    }
    println!(" {:>8}", "outside");
    for w in &ways[3..] {
        print!("{:<28}", w.name);
        for n in &names {
            match w.steps.get(n) {
                Some(v) => print!(" {:>8.3}", pick(v, 0.5)),
                None => print!(" {:>8}", "-"),
            }
        }
        println!(" {:>8.3}", pick(&w.outside, 0.5));
    }

    let run_id = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_nanos();
    let steps: Steps = Default::default();
    let make_single = |steps: Option<Steps>| {
        let client = app.client.clone();
        move |i: usize| {
            let client = client.clone();
            let steps = steps.clone();
            async move {
                let body = serde_json::to_vec(&event(run_id, i)).expect("json");
                let answer = post_events(&client, body, steps.as_ref()).await;
                assert_eq!(answer["status"], "accepted", "{answer}");
            }
        }
    };
    let warm = make_single(None);
    throughput(INGEST_CONNECTIONS, 200, move |i| warm(SINGLES * 10 + i)).await;
    let wakes = |app: &App| {
        app.host.metrics()["requests"]["dispatcher"]
            .as_u64()
            .unwrap_or(0)
    };
    let wakes_before = wakes(&app);
    let singles = throughput(
        INGEST_CONNECTIONS,
        SINGLES,
        make_single(Some(steps.clone())),
    )
    .await;
    let single_wakes = wakes(&app) - wakes_before;
    // The same with twice the connections: one request waits on several key-value hops, so
    // four connections leave the CPU idle part of the time.
    let wide = make_single(None);
    let singles_wide = throughput(2 * INGEST_CONNECTIONS, SINGLES, move |i| {
        wide(SINGLES * 20 + i)
    })
    .await;
    let client = app.client.clone();
    let batches = throughput(INGEST_CONNECTIONS, BATCHES, move |b: usize| {
        let client = client.clone();
        async move {
            let items: Vec<Value> = (0..500).map(|i| event(run_id + 1, b * 500 + i)).collect();
            let answer =
                post_events(&client, serde_json::to_vec(&items).expect("json"), None).await;
            assert_eq!(answer["accepted"], 500, "{answer}");
        }
    })
    .await;
    println!("backend ingest over {INGEST_CONNECTIONS} connections");
    println!(
        "one event per signed request: {singles:.0} events/s ({SINGLES} requests, {single_wakes} dispatcher requests meanwhile)"
    );
    println!(
        "one event per signed request over {} connections: {singles_wide:.0} events/s",
        2 * INGEST_CONNECTIONS
    );
    let steps = steps.lock().expect("steps").clone();
    println!(
        "  inside, p50 ms per step: {}",
        steps
            .iter()
            .map(|(k, v)| format!("{k} {:.3}", pick(v, 0.5)))
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!(
        "batches of 500: {:.0} events/s ({BATCHES} batches)",
        batches * 500.0
    );
    probe_host.shutdown().await;
    _ = std::fs::remove_dir_all(&dir);
}
