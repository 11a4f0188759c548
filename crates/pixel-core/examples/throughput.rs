//! Benchmark: events per second for normalise + hash + build, per platform, for one event per
//! request and for full batches of 1,000. Prints figures; asserts nothing.
//!
//! `cargo run -p pixel-core --release --example throughput`

use pixel_core::StandardEvent;
use pixel_core::event::{Consent, Event, EventId, HashedIdentity, RawIdentity};
use pixel_core::platforms::{GoogleTarget, MetaTarget, SendMode, Target, TikTokTarget};
use std::hint::black_box;
use std::time::Instant;

const NOW: i64 = 1_790_000_000;

fn targets() -> Vec<(&'static str, Target)> {
    vec![
        (
            "Meta",
            Target::Meta(MetaTarget {
                base_url: "http://127.0.0.1:8480".into(),
                api_version: "v25.0".into(),
                pixel_id: "1234567890".into(),
                access_token: "t".into(),
                event_names: Default::default(),
            }),
        ),
        (
            "TikTok",
            Target::TikTok(TikTokTarget {
                base_url: "http://127.0.0.1:8480".into(),
                pixel_code: "C4ABCDEFGH".into(),
                access_token: "t".into(),
                event_names: Default::default(),
            }),
        ),
        (
            "Google",
            Target::Google(GoogleTarget {
                base_url: "http://127.0.0.1:8480".into(),
                api_version: "v26".into(),
                customer_id: "1234567890".into(),
                login_customer_id: None,
                access_token: "t".into(),
                conversion_actions: [(StandardEvent::Purchase, "1".to_owned())].into(),
            }),
        ),
    ]
}

/// What the collector does per event: normalise and hash the raw identity, build the event.
fn make_event(i: usize) -> Event {
    let raw = RawIdentity {
        email: Some(format!(" Cliente.{i}@Gmail.com ")),
        phone: Some(format!("6{:08}", i % 100_000_000)),
        first_name: Some("Lucía".into()),
        last_name: Some("García".into()),
        zip: Some("28001".into()),
        country: Some("ES".into()),
        external_id: Some(format!("cust-{i}")),
        ..Default::default()
    };
    let mut e = Event::new(
        EventId::parse(&format!("evt-{i}")).unwrap(),
        StandardEvent::Purchase,
        NOW - 60,
    );
    e.consent = Consent::granted();
    e.source_url = Some("https://studio.example/checkout/ok".into());
    e.user_agent = Some("Mozilla/5.0".into());
    e.client_ip = Some("203.0.113.7".into());
    e.click_ids.gclid = Some("Cj0KCQiA-test".into());
    e.custom.value = Some(49.9);
    e.custom.currency = Some("EUR".into());
    e.identity = HashedIdentity::from_raw(&raw, "ES");
    e
}

fn main() {
    let total = 20_000;
    let start = Instant::now();
    for i in 0..total {
        black_box(make_event(i));
    }
    println!(
        "normalise + hash only: {:>9.0} events/s",
        total as f64 / start.elapsed().as_secs_f64()
    );
    let prepared: Vec<Event> = (0..1_000).map(make_event).collect();
    for (name, target) in targets() {
        let start = Instant::now();
        let rounds = total / 1_000;
        for _ in 0..rounds {
            for req in target.build(&prepared, &SendMode::Live, NOW) {
                black_box(req.body_bytes());
            }
        }
        println!(
            "{name:<7} build + serialise only, batch 1000: {:>9.0} events/s",
            total as f64 / start.elapsed().as_secs_f64()
        );
    }
    println!("events/s for normalise + hash + build + serialise ({total} events per run)");
    for (name, target) in targets() {
        for batch in [1usize, 1_000] {
            let start = Instant::now();
            let mut bytes = 0usize;
            for chunk_start in (0..total).step_by(batch) {
                let events: Vec<Event> =
                    (chunk_start..chunk_start + batch).map(make_event).collect();
                for e in &events {
                    target.check(e, NOW).unwrap();
                }
                for req in target.build(&events, &SendMode::Live, NOW) {
                    bytes += black_box(req.body_bytes()).len();
                }
            }
            let secs = start.elapsed().as_secs_f64();
            println!(
                "{name:<7} batch {batch:>5}: {:>9.0} events/s  ({:.0} bytes/event)",
                total as f64 / secs,
                bytes as f64 / total as f64
            );
        }
    }
}
