//! bench-edge: what the edge costs a page, and how fast the backend intake takes events.
//!
//! `cargo run --release -p integration-tests --bin bench-edge` (components built first with
//! `scripts/build-components`). Everything runs on 127.0.0.1 in this process: a test origin,
//! the test host with the real components, the mock platforms. Loops are bounded; the figures
//! are printed, never asserted.
//!
//! Pages: a 50 KB HTML page three ways in one run: straight from the origin, through the
//! collector for a visitor without consent (tracking off: site lookup and consent check only),
//! and through it with consent (PageView built, cookies, pixel injected, event queued after the
//! answer). Measured twice: latency on one connection (no queueing, so p50 is the work a page
//! costs) and throughput over [`CONNECTIONS`]. The three ways take turns in short rounds, so a
//! slow spell of this shared machine hits all of them alike. Ingest: signed batches of 500 over
//! several connections, then one event per request.

use std::time::{Duration, Instant};

use http::Method;
use integration_tests::{App, Client, origin, post_signed_events};
use serde_json::{Value, json};

const HOST: &str = "www.bench-entrena.es";
const TENANT: &str = "bench";
const UA: &str =
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 Safari/605.1.15";
const CONNECTIONS: usize = 4;
/// Rounds of the three ways taking turns, and requests per way and round.
const ROUNDS: usize = 8;
const PER_ROUND: usize = 60;
const BATCHES: usize = 24;
const SINGLES: usize = 600;

#[derive(Default)]
struct Figures {
    lat: Vec<Duration>,
    busy: Duration,
    requests: usize,
}

impl Figures {
    fn add(&mut self, other: Figures) {
        self.lat.extend(other.lat);
        self.busy += other.busy;
        self.requests += other.requests;
    }
    fn pick(&self, q: f64) -> Duration {
        let mut all = self.lat.clone();
        all.sort();
        all[((all.len() as f64 * q) as usize).min(all.len() - 1)]
    }
    fn p50(&self) -> Duration {
        self.pick(0.50)
    }
    fn p99(&self) -> Duration {
        self.pick(0.99)
    }
    fn per_sec(&self) -> f64 {
        self.requests as f64 / self.busy.as_secs_f64()
    }
}

/// `total` requests spread over `connections` concurrent tasks; `make(i)` sends request `i`.
async fn run<F, Fut>(total: usize, make: F) -> Figures
where
    F: Fn(usize) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    run_on(CONNECTIONS, total, make).await
}

async fn run_on<F, Fut>(connections: usize, total: usize, make: F) -> Figures
where
    F: Fn(usize) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let started = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..connections {
        let make = make.clone();
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            for i in (c..total).step_by(connections) {
                let t = Instant::now();
                make(i).await;
                lat.push(t.elapsed());
            }
            lat
        }));
    }
    let mut all = Vec::with_capacity(total);
    for t in tasks {
        all.extend(t.await.expect("bench task"));
    }
    Figures {
        lat: all,
        busy: started.elapsed(),
        requests: total,
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn event(run: u128, i: usize) -> Value {
    json!({"eventId": format!("bench-{run}-{i}"), "event": "lead.registrado", "tenantId": TENANT,
           "customer": {"email": format!("lead{i}@example.com"), "phone": "612345678", "firstName": "Ana"}})
}

async fn post_events(client: &Client, body: Vec<u8>) -> Value {
    post_signed_events(client, body).await.json()
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let origin = origin::spawn().await;
    let app = App::start().await;
    app.put_site(TENANT, HOST, json!({"originUrl": origin.url()}))
        .await;
    app.create_config(
        TENANT,
        json!({"platform": "Meta", "pixelId": "1234567890", "apiAccessToken": "tok", "browserPixel": true}),
    )
    .await;

    let direct = Client::new(origin.addr);
    let edge = app.client.clone();
    let page = |client: Client, cookie: Option<&'static str>| {
        move |_i: usize| {
            let client = client.clone();
            async move {
                let mut h = vec![("host", HOST), ("user-agent", UA)];
                if let Some(c) = cookie {
                    h.push(("cookie", c));
                }
                let a = client.send(Method::GET, "/big", &h, Vec::new()).await;
                assert_eq!(a.status, 200);
                assert!(a.body.len() >= 50 * 1024 - 1024);
            }
        }
    };
    let tracked_cookie = "tr_consent=marketing=granted; _fbp=fb.1.1790000000000.1234567890";
    // Warm-up: instances, compiled code, connection pools.
    run(40, page(direct.clone(), None)).await;
    run(40, page(edge.clone(), None)).await;
    run(40, page(edge.clone(), Some(tracked_cookie))).await;

    for connections in [1, CONNECTIONS] {
        let mut figs: [Figures; 3] = Default::default();
        for _ in 0..ROUNDS {
            let n = PER_ROUND * connections;
            figs[0].add(run_on(connections, n, page(direct.clone(), None)).await);
            figs[1].add(run_on(connections, n, page(edge.clone(), None)).await);
            figs[2].add(run_on(connections, n, page(edge.clone(), Some(tracked_cookie))).await);
        }
        let [d, off, on] = &figs;
        println!(
            "50 KB HTML page, {} requests each way over {connections} connection(s), {ROUNDS} rounds taking turns",
            d.requests
        );
        println!("{:<34} {:>9} {:>9} {:>10}", "", "p50 ms", "p99 ms", "req/s");
        for (name, f) in [
            ("direct to origin", d),
            ("collector, tracking off", off),
            ("collector, tracking on", on),
        ] {
            println!(
                "{name:<34} {:>9.2} {:>9.2} {:>10.0}",
                ms(f.p50()),
                ms(f.p99()),
                f.per_sec()
            );
        }
        println!(
            "ratios: tracking off / direct p50 {:.2}x; tracking on / tracking off p50 {:.2}x (+{:.1}%), p99 {:.2}x, req/s {:.2}x",
            ms(off.p50()) / ms(d.p50()),
            ms(on.p50()) / ms(off.p50()),
            (ms(on.p50()) / ms(off.p50()) - 1.0) * 100.0,
            ms(on.p99()) / ms(off.p99()),
            on.per_sec() / off.per_sec()
        );
    }

    // What tracking costs the rest of the system, per 1,000 tracked pages: dispatcher wakes,
    // key-value operations (edge and dispatcher), platform requests.
    let before = app.host.metrics();
    let meta_before = app.meta_event_posts();
    let pages = 1_000;
    run_on(1, pages, page(edge.clone(), Some(tracked_cookie))).await;
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    let after = app.host.metrics();
    let delta = |path: &[&str]| {
        let get = |m: &Value| path.iter().fold(m, |v, k| &v[*k]).as_u64().unwrap_or(0);
        get(&after) - get(&before)
    };
    println!(
        "per 1,000 tracked pages: {} dispatcher wakes, {} key-value operations, {} Meta requests",
        delta(&["requests", "dispatcher"]) * 1_000 / pages as u64,
        delta(&["kv_total"]) * 1_000 / pages as u64,
        (app.meta_event_posts() - meta_before) * 1_000 / pages
    );

    let run_id = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_nanos();
    let client = app.client.clone();
    let batches = run(BATCHES, move |b: usize| {
        let client = client.clone();
        async move {
            let items: Vec<Value> = (0..500).map(|i| event(run_id, b * 500 + i)).collect();
            let answer = post_events(&client, serde_json::to_vec(&items).expect("json")).await;
            assert_eq!(answer["accepted"], 500, "{answer}");
        }
    })
    .await;
    let client = app.client.clone();
    let singles = run(SINGLES, move |i: usize| {
        let client = client.clone();
        async move {
            let answer = post_events(
                &client,
                serde_json::to_vec(&event(run_id + 1, i)).expect("json"),
            )
            .await;
            assert_eq!(answer["status"], "accepted", "{answer}");
        }
    })
    .await;
    println!("backend ingest over {CONNECTIONS} connections");
    println!(
        "batches of 500: {:.0} events/s ({} batches, p50 {:.1} ms, p99 {:.1} ms per batch)",
        batches.per_sec() * 500.0,
        BATCHES,
        ms(batches.p50()),
        ms(batches.p99())
    );
    println!(
        "one event per request: {:.0} events/s (p50 {:.2} ms, p99 {:.2} ms)",
        singles.per_sec(),
        ms(singles.p50()),
        ms(singles.p99())
    );
}
