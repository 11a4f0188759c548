//! Issue 15 end to end: richer match keys reaching each platform, bots and junk filtered at the
//! edge and counted, the daily series of the KPIs, and alerts with their signed webhook.

use std::time::Duration;

use integration_tests::{App, signature};
use serde_json::Value;

mod alerts;
mod bots;
mod match_keys;

/// Post backend events, signed; panics unless accepted.
pub async fn post_events(app: &App, events: &[Value]) {
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

/// Poll until `check` holds (15 s at most): the dispatcher runs after the response.
pub async fn until(what: &str, mut check: impl AsyncFnMut() -> bool) {
    for _ in 0..150 {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("gave up waiting for: {what}");
}
