//! Meta Conversions API: batches, the whole-batch rejection rules, tokens and match quality.

use mock_platforms::Platform;
use serde_json::{Value, json};

use crate::harness::{HASH, Mock, meta_batch, meta_event, now};

#[tokio::test]
async fn a_valid_batch_is_received_and_tallied() {
    let mock = Mock::start().await;
    let resp = mock.meta_events("111", "good-token", &meta_batch(3)).await;
    assert_eq!(resp.status, 200, "{}", resp.body);
    assert_eq!(resp.body["events_received"], 3);
    assert_eq!(resp.body["messages"], json!([]));
    assert!(
        resp.body["fbtrace_id"]
            .as_str()
            .is_some_and(|t| !t.is_empty())
    );
    let received = mock.server.received();
    assert_eq!(received.count(Platform::Meta, "111", "Lead"), 3);
    assert_eq!(
        received.event_ids(Platform::Meta),
        vec!["ev-0", "ev-1", "ev-2"]
    );
}

#[tokio::test]
async fn test_events_are_answered_but_not_tallied() {
    let mock = Mock::start().await;
    let mut body = meta_batch(2);
    body["test_event_code"] = json!("TEST123");
    let resp = mock.meta_events("111", "good-token", &body).await;
    assert_eq!(resp.status, 200);
    assert_eq!(resp.body["events_received"], 2);
    assert_eq!(mock.server.received().total(Platform::Meta), 0);
    assert_eq!(mock.server.requests().len(), 1);
}

#[tokio::test]
async fn the_token_may_travel_in_the_json_or_form_body() {
    let mock = Mock::start().await;
    let mut body = meta_batch(1);
    body["access_token"] = json!("good-token");
    let resp = mock.post_json("/v24.0/111/events", &[], &body).await;
    assert_eq!(resp.status, 200, "{}", resp.body);

    let data = meta_batch(1)["data"].to_string();
    let form = format!(
        "access_token=good&data={}",
        data.replace('%', "%25")
            .replace('&', "%26")
            .replace('+', "%2B")
    );
    let resp = mock
        .post_raw(
            "/v22.0/111/events",
            &[("content-type", "application/x-www-form-urlencoded")],
            &form,
        )
        .await;
    assert_eq!(resp.status, 200, "{}", resp.body);
    assert_eq!(
        mock.server.received().count(Platform::Meta, "111", "Lead"),
        2
    );
}

#[tokio::test]
async fn tokens_beginning_with_invalid_get_190_everywhere() {
    let mock = Mock::start().await;
    for resp in [
        mock.meta_events("111", "invalid-token", &meta_batch(1))
            .await,
        mock.get("/v25.0/111?fields=id,name&access_token=invalidXYZ")
            .await,
        mock.get("/v25.0/dataset_quality?dataset_id=111&access_token=invalid")
            .await,
    ] {
        assert_eq!(resp.status, 400, "{}", resp.body);
        assert_eq!(resp.body["error"]["code"], 190);
        assert_eq!(resp.body["error"]["type"], "OAuthException");
    }
    let missing = mock
        .post_json("/v25.0/111/events", &[], &meta_batch(1))
        .await;
    assert_eq!(missing.body["error"]["code"], 104);
    assert_eq!(mock.server.received().total(Platform::Meta), 0);
}

#[tokio::test]
async fn the_credential_check_reads_the_pixel() {
    let mock = Mock::start().await;
    let ok = mock.get("/v25.0/111?fields=id,name&access_token=tok").await;
    assert_eq!(ok.status, 200);
    assert_eq!(ok.body["id"], "111");
    assert!(ok.body["name"].is_string());
    let bad = mock
        .get("/v25.0/not-a-pixel?fields=id,name&access_token=tok")
        .await;
    assert_eq!(bad.status, 400);
    assert_eq!(bad.body["error"]["code"], 100);
    assert_eq!(bad.body["error"]["error_subcode"], 33);
    let events = mock.meta_events("abc", "tok", &meta_batch(1)).await;
    assert_eq!(events.body["error"]["error_subcode"], 33);
}

/// Rejects the whole batch and names the event: this is what the product bisects on.
async fn rejected(mock: &Mock, bad: Value) -> Value {
    let mut body = meta_batch(20);
    body["data"][17] = bad;
    let resp = mock.meta_events("111", "tok", &body).await;
    assert_eq!(resp.status, 400, "{}", resp.body);
    let error = resp.body["error"].clone();
    assert_eq!(error["code"], 100, "{error}");
    let msg = error["error_user_msg"].as_str().unwrap_or_default();
    assert!(msg.contains("data[17]"), "{msg}");
    assert!(error["fbtrace_id"].is_string());
    error
}

#[tokio::test]
async fn one_bad_event_rejects_the_batch_with_its_index() {
    let mock = Mock::start().await;
    let with = |f: &dyn Fn(&mut Value)| {
        let mut e = meta_event(17);
        f(&mut e);
        e
    };
    let cases: Vec<(&str, Value, Option<i64>)> = vec![
        (
            "older than 7 days",
            with(&|e| e["event_time"] = json!(now() - 8 * 86400)),
            Some(2804003),
        ),
        (
            "in the future",
            with(&|e| e["event_time"] = json!(now() + 600)),
            None,
        ),
        (
            "milliseconds",
            with(&|e| e["event_time"] = json!(now() * 1000)),
            None,
        ),
        (
            "purchase without value",
            with(&|e| {
                e["event_name"] = json!("Purchase");
                e["custom_data"] = json!({"currency": "EUR"});
            }),
            Some(2804009),
        ),
        (
            "purchase without currency",
            with(&|e| {
                e["event_name"] = json!("Purchase");
                e["custom_data"] = json!({"value": 10});
            }),
            Some(2804009),
        ),
        (
            "bad fbc",
            with(&|e| e["user_data"]["fbc"] = json!("fb.1.1790000000.abc")),
            Some(2804001),
        ),
        (
            "no event_name",
            with(&|e| e["event_name"] = Value::Null),
            None,
        ),
        (
            "no event_time",
            with(&|e| e["event_time"] = Value::Null),
            None,
        ),
        (
            "no action_source",
            with(&|e| e["action_source"] = Value::Null),
            None,
        ),
        (
            "unknown action_source",
            with(&|e| e["action_source"] = json!("web")),
            None,
        ),
        (
            "no user_data",
            with(&|e| e["user_data"] = Value::Null),
            None,
        ),
        (
            "empty user_data",
            with(&|e| e["user_data"] = json!({})),
            None,
        ),
        (
            "website without user agent",
            with(&|e| e["user_data"] = json!({"em": HASH})),
            None,
        ),
        (
            "website without url",
            with(&|e| e["event_source_url"] = Value::Null),
            None,
        ),
        (
            "thin: location and UA only",
            with(&|e| {
                e["user_data"] = json!({"ct": HASH, "zp": HASH, "client_user_agent": "UA"});
            }),
            None,
        ),
        (
            "thin: first name and gender",
            with(&|e| {
                e["action_source"] = json!("system_generated");
                e["user_data"] = json!({"fn": HASH, "ge": HASH});
            }),
            None,
        ),
    ];
    for (name, event, subcode) in cases {
        let error = rejected(&mock, event).await;
        assert_eq!(error["error_subcode"].as_i64(), subcode, "{name}: {error}");
    }
    assert_eq!(mock.server.received().total(Platform::Meta), 0);
}

#[tokio::test]
async fn batch_size_is_capped_at_1000() {
    let mock = Mock::start().await;
    let full = mock.meta_events("111", "tok", &meta_batch(1000)).await;
    assert_eq!(full.status, 200, "{}", full.body);
    assert_eq!(full.body["events_received"], 1000);
    let over = mock.meta_events("111", "tok", &meta_batch(1001)).await;
    assert_eq!(over.status, 400);
    assert_eq!(over.body["error"]["code"], 100);
    assert_eq!(
        mock.server.received().count(Platform::Meta, "111", "Lead"),
        1000
    );
}

#[tokio::test]
async fn malformed_json_is_an_invalid_parameter_not_a_crash() {
    let mock = Mock::start().await;
    for body in ["{\"data\": [", "[1,2]", "\u{0}\u{1}garbage"] {
        let resp = mock
            .post_raw(
                "/v25.0/111/events?access_token=tok",
                &[("content-type", "application/json")],
                body,
            )
            .await;
        assert_eq!(resp.status, 400, "{body}");
        assert_eq!(resp.body["error"]["code"], 100, "{body}");
    }
    let missing_data = mock.meta_events("111", "tok", &json!({})).await;
    assert_eq!(missing_data.body["error"]["code"], 100);
    // The mock is still up.
    assert_eq!(
        mock.meta_events("111", "tok", &meta_batch(1)).await.status,
        200
    );
}

#[tokio::test]
async fn match_quality_follows_the_keys_received() {
    let mock = Mock::start().await;
    let mut rich = meta_event(1);
    rich["event_name"] = json!("Purchase");
    rich["custom_data"] = json!({"value": 49, "currency": "EUR"});
    rich["user_data"]["ph"] = json!([HASH]);
    rich["user_data"]["external_id"] = json!(HASH);
    rich["user_data"]["fbc"] = json!("fb.1.1790000000000.IwAR2abc");
    let mut poor = meta_event(2);
    poor["event_name"] = json!("ViewContent");
    poor["user_data"] = json!({"fbp": "fb.1.1790000000000.1", "client_user_agent": "UA"});
    let resp = mock
        .meta_events("111", "tok", &json!({"data": [rich, poor]}))
        .await;
    assert_eq!(resp.status, 200, "{}", resp.body);

    let q = mock
        .get("/v25.0/dataset_quality?dataset_id=111&fields=web%7Bevent_match_quality%2Cevent_name%7D&access_token=tok")
        .await;
    assert_eq!(q.status, 200, "{}", q.body);
    let score = |name: &str| {
        q.body["web"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|e| e["event_name"] == name)
            .and_then(|e| e["event_match_quality"]["composite_score"].as_f64())
            .unwrap_or(-1.0)
    };
    let (purchase, view) = (score("Purchase"), score("ViewContent"));
    assert!((0.0..=10.0).contains(&purchase) && (0.0..=10.0).contains(&view));
    assert!(purchase >= 8.0, "{purchase}");
    assert!(view < 2.0 && view > 0.0, "{view}");
    let other = mock
        .get("/v25.0/dataset_quality?dataset_id=222&access_token=tok")
        .await;
    assert_eq!(other.body["web"], json!([]));
}
