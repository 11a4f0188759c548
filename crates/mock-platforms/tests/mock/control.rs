//! The `/_mock/*` API and the typed helpers: recording, faults, the received tally, robustness.

use std::time::{Duration, Instant};

use mock_platforms::{Fault, Platform};
use serde_json::{Value, json};

use crate::harness::{CID, Mock, google_body, google_row, meta_batch, tiktok_body, tiktok_event};

#[tokio::test]
async fn every_request_is_recorded_oldest_first() {
    let mock = Mock::start().await;
    mock.meta_events("111", "tok", &meta_batch(1)).await;
    mock.tiktok_track("tok", &tiktok_body(vec![tiktok_event(1)]))
        .await;
    mock.post_raw(
        "/token",
        &[("content-type", "application/x-www-form-urlencoded")],
        "grant_type=refresh_token&refresh_token=r&client_id=c&client_secret=s",
    )
    .await;
    mock.google_upload(CID, "tok", &google_body(vec![google_row(1)]))
        .await;

    let all = mock.get("/_mock/requests").await;
    let list = all.body.as_array().cloned().unwrap_or_default();
    let platforms: Vec<&str> = list.iter().filter_map(|r| r["platform"].as_str()).collect();
    assert_eq!(platforms, vec!["meta", "tiktok", "google", "google"]);
    let meta = &list[0];
    assert_eq!(meta["method"], "POST");
    assert_eq!(meta["path"], "/v25.0/111/events");
    assert_eq!(meta["query"]["access_token"], "tok");
    assert_eq!(meta["headers"]["content-type"], "application/json");
    assert_eq!(meta["body"]["data"][0]["event_id"], "ev-0");
    assert_eq!(list[1]["headers"]["access-token"], "tok");
    // A form body is kept as the string it was.
    assert!(
        list[2]["body"]
            .as_str()
            .is_some_and(|b| b.contains("grant_type=refresh_token"))
    );

    let google = mock.get("/_mock/requests?platform=google").await;
    assert_eq!(google.body.as_array().map(Vec::len), Some(2));
    assert_eq!(mock.server.requests_for(Platform::Tiktok).len(), 1);
    assert_eq!(mock.get("/_mock/requests?platform=snap").await.status, 400);

    assert_eq!(mock.delete("/_mock/requests").await.status, 204);
    assert_eq!(mock.get("/_mock/requests").await.body, json!([]));
    assert!(mock.server.requests().is_empty());
    // Clearing requests keeps the tally; `clear()` drops both.
    assert_eq!(mock.server.received().total(Platform::Meta), 1);
    mock.server.clear();
    assert_eq!(mock.server.received().total(Platform::Meta), 0);
}

#[tokio::test]
async fn a_counted_fault_answers_count_times_then_lets_go() {
    let mock = Mock::start().await;
    let set = mock
        .set_fault(json!({"platform": "meta", "status": 503, "count": 3, "retryAfter": 7}))
        .await;
    assert_eq!(set.status, 200, "{}", set.body);
    for _ in 0..3 {
        let resp = mock.meta_events("111", "tok", &meta_batch(1)).await;
        assert_eq!(resp.status, 503);
        assert_eq!(resp.body["error"]["is_transient"], true);
        assert_eq!(resp.header("retry-after"), Some("7"));
    }
    let ok = mock.meta_events("111", "tok", &meta_batch(1)).await;
    assert_eq!(ok.status, 200);
    // Faulted requests are recorded too; only the last one was accepted.
    assert_eq!(mock.server.requests().len(), 4);
    assert_eq!(mock.server.received().total(Platform::Meta), 1);
}

#[tokio::test]
async fn fault_codes_take_each_platform_shape() {
    let mock = Mock::start().await;
    mock.set_fault(json!({"platform": "meta", "code": 190, "count": 1}))
        .await;
    mock.set_fault(json!({"platform": "tiktok", "code": 40100, "count": 1}))
        .await;
    mock.set_fault(json!({"platform": "google", "code": 429, "count": 1, "retryAfter": 30}))
        .await;
    let meta = mock.meta_events("111", "tok", &meta_batch(1)).await;
    assert_eq!(meta.status, 400);
    assert_eq!(meta.body["error"]["code"], 190);
    assert_eq!(meta.body["error"]["type"], "OAuthException");
    let tiktok = mock
        .tiktok_track("tok", &tiktok_body(vec![tiktok_event(1)]))
        .await;
    assert_eq!(tiktok.status, 200);
    assert_eq!(tiktok.body["code"], 40100);
    let google = mock
        .google_upload(CID, "tok", &google_body(vec![google_row(1)]))
        .await;
    assert_eq!(google.status, 429);
    assert_eq!(google.body["error"]["status"], "RESOURCE_EXHAUSTED");
    assert_eq!(google.header("retry-after"), Some("30"));
    // All three were one-shot.
    assert_eq!(
        mock.meta_events("111", "tok", &meta_batch(1)).await.status,
        200
    );
    let again = mock
        .tiktok_track("tok", &tiktok_body(vec![tiktok_event(2)]))
        .await;
    assert_eq!(again.body["code"], 0);
    let g = mock
        .google_upload(CID, "tok", &google_body(vec![google_row(2)]))
        .await;
    assert_eq!(g.status, 200);
}

#[tokio::test]
async fn a_fault_without_count_holds_until_cleared() {
    let mock = Mock::start().await;
    mock.server
        .set_fault(Fault::new(Platform::Tiktok).status(500));
    for _ in 0..4 {
        let resp = mock
            .tiktok_track("tok", &tiktok_body(vec![tiktok_event(1)]))
            .await;
        assert_eq!(resp.status, 500);
        assert_ne!(resp.body["code"], 0);
    }
    let listed = mock.get("/_mock/faults").await;
    assert_eq!(listed.body.as_array().map(Vec::len), Some(1));
    assert_eq!(mock.delete("/_mock/faults").await.status, 204);
    let resp = mock
        .tiktok_track("tok", &tiktok_body(vec![tiktok_event(1)]))
        .await;
    assert_eq!(resp.body["code"], 0);
    mock.server
        .set_fault(Fault::new(Platform::Tiktok).status(500));
    mock.server.clear_faults();
    assert_eq!(
        mock.tiktok_track("tok", &tiktok_body(vec![tiktok_event(2)]))
            .await
            .body["code"],
        0
    );
}

#[tokio::test]
async fn a_delay_only_fault_slows_the_normal_answer() {
    let mock = Mock::start().await;
    mock.server
        .set_fault(Fault::new(Platform::Meta).delay_ms(300).count(1));
    let started = Instant::now();
    let slow = mock.meta_events("111", "tok", &meta_batch(1)).await;
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(slow.status, 200);
    assert_eq!(mock.server.received().total(Platform::Meta), 1);
    let started = Instant::now();
    mock.meta_events("111", "tok", &meta_batch(1)).await;
    assert!(started.elapsed() < Duration::from_millis(300));
}

#[tokio::test]
async fn a_path_filter_spares_the_token_endpoint() {
    let mock = Mock::start().await;
    mock.set_fault(
        json!({"platform": "google", "status": 503, "count": 1, "path": ":uploadClickConversions"}),
    )
    .await;
    let token = mock
        .post_raw(
            "/token",
            &[("content-type", "application/x-www-form-urlencoded")],
            "grant_type=refresh_token&refresh_token=r&client_id=c&client_secret=s",
        )
        .await;
    assert_eq!(token.status, 200);
    let upload = mock
        .google_upload(CID, "tok", &google_body(vec![google_row(1)]))
        .await;
    assert_eq!(upload.status, 503);
    assert_eq!(upload.body["error"]["status"], "UNAVAILABLE");
}

#[tokio::test]
async fn bad_fault_requests_are_refused() {
    let mock = Mock::start().await;
    for body in [
        json!({"status": 503}),
        json!({"platform": "snapchat"}),
        json!({"platform": "meta", "staus": 503}),
    ] {
        let resp = mock.set_fault(body.clone()).await;
        assert_eq!(resp.status, 400, "{body}");
    }
    assert!(mock.server.requests().is_empty());
    assert_eq!(mock.get("/_mock/faults").await.body, json!([]));
}

#[tokio::test]
async fn received_is_served_over_http_like_the_typed_helper() {
    let mock = Mock::start().await;
    mock.meta_events("111", "tok", &meta_batch(2)).await;
    mock.tiktok_track("tok", &tiktok_body(vec![tiktok_event(9)]))
        .await;
    mock.google_upload(CID, "tok", &google_body(vec![google_row(1)]))
        .await;
    let http = mock.get("/_mock/received").await;
    assert_eq!(http.body["meta"]["111"]["Lead"]["count"], 2);
    assert_eq!(
        http.body["meta"]["111"]["Lead"]["eventIds"],
        json!(["ev-0", "ev-1"])
    );
    assert_eq!(
        http.body["tiktok"]["CPIXEL123"]["Purchase"]["eventIds"],
        json!(["tt-9"])
    );
    let typed: Value = serde_json::to_value(mock.server.received()).unwrap_or_default();
    assert_eq!(http.body, typed);
    assert_eq!(mock.delete("/_mock/received").await.status, 204);
    assert_eq!(mock.server.received().total(Platform::Google), 0);
}

#[tokio::test]
async fn concurrent_batches_are_each_counted_once() {
    let mock = Mock::start().await;
    let mut tasks = Vec::new();
    for n in 0..50 {
        let url = mock.server.url();
        tasks.push(tokio::spawn(async move {
            let client = Mock::client();
            let mut body = meta_batch(20);
            for (i, e) in body["data"]
                .as_array_mut()
                .into_iter()
                .flatten()
                .enumerate()
            {
                e["event_id"] = json!(format!("c{n}-{i}"));
            }
            Mock::post_to(
                &client,
                &format!("{url}/v25.0/111/events?access_token=t"),
                &body,
            )
            .await
        }));
    }
    for task in tasks {
        assert_eq!(task.await.ok(), Some(200));
    }
    let received = mock.server.received();
    assert_eq!(received.count(Platform::Meta, "111", "Lead"), 1000);
    let mut ids = received.event_ids(Platform::Meta);
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 1000);
    assert_eq!(mock.server.requests().len(), 50);
}

#[tokio::test]
async fn unknown_paths_are_404_and_not_recorded() {
    let mock = Mock::start().await;
    assert_eq!(mock.get("/").await.status, 404);
    assert_eq!(mock.get("/_mock/nothing").await.status, 404);
    assert_eq!(mock.get("/_mock/health").await.status, 200);
    assert!(mock.server.requests().is_empty());
}

#[tokio::test]
async fn shutdown_closes_the_port() {
    let mock = Mock::start().await;
    let addr = mock.server.addr;
    assert_eq!(mock.get("/_mock/health").await.status, 200);
    mock.server.shutdown().await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(tokio::net::TcpStream::connect(addr).await.is_err());
}

#[tokio::test]
async fn a_delayed_fault_waits_then_fails() {
    let mock = Mock::start().await;
    mock.set_fault(json!({"platform": "tiktok", "status": 503, "delayMs": 250, "count": 1}))
        .await;
    let started = Instant::now();
    let resp = mock
        .tiktok_track("tok", &tiktok_body(vec![tiktok_event(1)]))
        .await;
    assert!(started.elapsed() >= Duration::from_millis(250));
    assert_eq!(resp.status, 503);
    assert_eq!(mock.server.received().total(Platform::Tiktok), 0);
}

#[tokio::test]
async fn a_meta_fault_can_carry_a_subcode() {
    let mock = Mock::start().await;
    mock.server.set_fault(
        Fault::new(Platform::Meta)
            .code(100)
            .subcode(2804003)
            .count(1),
    );
    let resp = mock.meta_events("111", "tok", &meta_batch(1)).await;
    assert_eq!(resp.status, 400);
    assert_eq!(resp.body["error"]["code"], 100);
    assert_eq!(resp.body["error"]["error_subcode"], 2804003);
    for code in [1, 2, 4, 17, 613] {
        mock.server
            .set_fault(Fault::new(Platform::Meta).code(code).count(1));
        let resp = mock.meta_events("111", "tok", &meta_batch(1)).await;
        assert_eq!(resp.body["error"]["code"], code);
        assert_eq!(resp.body["error"]["is_transient"], true, "{code}");
    }
}

#[tokio::test]
async fn a_google_fault_on_token_speaks_oauth() {
    let mock = Mock::start().await;
    mock.server
        .set_fault(Fault::new(Platform::Google).status(503).count(1));
    let resp = mock
        .post_raw(
            "/token",
            &[("content-type", "application/x-www-form-urlencoded")],
            "grant_type=refresh_token&refresh_token=r&client_id=c&client_secret=s",
        )
        .await;
    assert_eq!(resp.status, 503);
    assert!(resp.body["error"].is_string(), "{}", resp.body);
}
