//! TikTok Events API: HTTP 200 with a `code` for everything, rows named in the message.

use mock_platforms::Platform;
use serde_json::json;

use crate::harness::{Mock, tiktok_body, tiktok_event};

#[tokio::test]
async fn a_valid_batch_answers_code_0_and_is_tallied() {
    let mock = Mock::start().await;
    let resp = mock
        .tiktok_track("tok", &tiktok_body(vec![tiktok_event(1), tiktok_event(2)]))
        .await;
    assert_eq!(resp.status, 200);
    assert_eq!(resp.body["code"], 0, "{}", resp.body);
    assert_eq!(resp.body["message"], "OK");
    assert!(
        resp.body["request_id"]
            .as_str()
            .is_some_and(|r| !r.is_empty())
    );
    assert!(resp.body["data"].is_object());
    let received = mock.server.received();
    assert_eq!(received.count(Platform::Tiktok, "CPIXEL123", "Purchase"), 2);
    assert_eq!(received.event_ids(Platform::Tiktok), vec!["tt-1", "tt-2"]);
}

#[tokio::test]
async fn test_events_are_not_tallied() {
    let mock = Mock::start().await;
    let mut body = tiktok_body(vec![tiktok_event(1)]);
    body["test_event_code"] = json!("TEST42");
    let resp = mock.tiktok_track("tok", &body).await;
    assert_eq!(resp.body["code"], 0);
    assert_eq!(mock.server.received().total(Platform::Tiktok), 0);
}

#[tokio::test]
async fn bad_tokens_answer_40001_in_an_http_200() {
    let mock = Mock::start().await;
    let resp = mock
        .tiktok_track("invalid-token", &tiktok_body(vec![tiktok_event(1)]))
        .await;
    assert_eq!(resp.status, 200);
    assert_eq!(resp.body["code"], 40001);
    let missing = mock
        .post_json(
            "/open_api/v1.3/event/track/",
            &[],
            &tiktok_body(vec![tiktok_event(1)]),
        )
        .await;
    assert_eq!(missing.status, 200);
    assert_ne!(missing.body["code"], 0);
    assert_eq!(mock.server.received().total(Platform::Tiktok), 0);
}

#[tokio::test]
async fn invalid_rows_answer_40002_naming_the_row() {
    let mock = Mock::start().await;
    let numeric_id = {
        let mut e = tiktok_event(2);
        e["event_id"] = json!(12345);
        e
    };
    let no_event = {
        let mut e = tiktok_event(2);
        e.as_object_mut().map(|o| o.remove("event"));
        e
    };
    let no_time = {
        let mut e = tiktok_event(2);
        e.as_object_mut().map(|o| o.remove("event_time"));
        e
    };
    for (row, field) in [
        (numeric_id, "data[2].event_id"),
        (no_event, "data[2].event"),
        (no_time, "data[2].event_time"),
    ] {
        let body = tiktok_body(vec![tiktok_event(0), tiktok_event(1), row]);
        let resp = mock.tiktok_track("tok", &body).await;
        assert_eq!(resp.status, 200);
        assert_eq!(resp.body["code"], 40002, "{}", resp.body);
        let msg = resp.body["message"].as_str().unwrap_or_default();
        assert!(msg.contains(field), "{msg}");
    }
    assert_eq!(mock.server.received().total(Platform::Tiktok), 0);
}

#[tokio::test]
async fn batch_size_is_capped_at_1000() {
    let mock = Mock::start().await;
    let rows = |n| (0..n).map(tiktok_event).collect::<Vec<_>>();
    let full = mock.tiktok_track("tok", &tiktok_body(rows(1000))).await;
    assert_eq!(full.body["code"], 0);
    let over = mock.tiktok_track("tok", &tiktok_body(rows(1001))).await;
    assert_eq!(over.status, 200);
    assert_eq!(over.body["code"], 40002);
    assert_eq!(mock.server.received().total(Platform::Tiktok), 1000);
}

#[tokio::test]
async fn malformed_bodies_answer_40002() {
    let mock = Mock::start().await;
    for body in ["{not json", "[]", ""] {
        let resp = mock
            .post_raw(
                "/open_api/v1.3/event/track/",
                &[
                    ("access-token", "tok"),
                    ("content-type", "application/json"),
                ],
                body,
            )
            .await;
        assert_eq!(resp.status, 200, "{body}");
        assert_eq!(resp.body["code"], 40002, "{body}");
    }
    let no_source = mock
        .tiktok_track(
            "tok",
            &json!({"event_source_id": "P", "data": [tiktok_event(1)]}),
        )
        .await;
    assert_eq!(no_source.body["code"], 40002);
}
