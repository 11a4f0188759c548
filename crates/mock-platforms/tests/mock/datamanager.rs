//! Google's Data Manager API as the mock speaks it: fast-fail 400s with snake_case field paths,
//! 401/403, 429 naming the quota, and request ids whose status moves from PROCESSING to counts.

use mock_platforms::{Fault, Platform};
use serde_json::{Value, json};

use crate::harness::{HASH, Mock};

const INGEST: &str = "/v1/events:ingest";

fn event(tx: &str, gclid: &str) -> Value {
    json!({"destinationReferences": ["555"], "transactionId": tx,
           "eventTimestamp": "2026-11-30T10:00:00Z", "eventSource": "WEB",
           "conversionValue": 10.0, "currency": "EUR",
           "adIdentifiers": {"gclid": gclid},
           "consent": {"adUserData": "CONSENT_GRANTED", "adPersonalization": "CONSENT_DENIED"},
           "userData": {"userIdentifiers": [{"emailAddress": HASH}]}})
}

fn body(events: Vec<Value>) -> Value {
    json!({"destinations": [{"reference": "555",
              "operatingAccount": {"accountType": "GOOGLE_ADS", "accountId": "1234567890"},
              "productDestinationId": "555"}],
           "encoding": "HEX", "events": events})
}

async fn ingest(mock: &Mock, token: &str, body: &Value) -> crate::harness::Resp {
    let auth = format!("Bearer {token}");
    mock.post_json(INGEST, &[("authorization", &auth)], body)
        .await
}

async fn status(mock: &Mock, id: &str) -> Value {
    let r = mock
        .get_with(
            &format!("/v1/requestStatus:retrieve?requestId={id}"),
            &[("authorization", "Bearer ya29.ok")],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body
}

#[tokio::test]
async fn one_bad_event_fails_the_request_with_its_snake_case_path() {
    let mock = Mock::start().await;
    let mut bad = event("t2", "short");
    bad["userData"]["userIdentifiers"][0]["emailAddress"] = json!("ana@example.com");
    let r = ingest(
        &mock,
        "ya29.ok",
        &body(vec![event("t1", "Cj0KCQiA1234567890"), bad]),
    )
    .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.body["error"]["status"], "INVALID_ARGUMENT");
    let details = r.body["error"]["details"].as_array().unwrap();
    let violations = details
        .iter()
        .find(|d| d["@type"] == "type.googleapis.com/google.rpc.BadRequest")
        .unwrap()["fieldViolations"]
        .as_array()
        .unwrap();
    let fields: Vec<&str> = violations
        .iter()
        .map(|v| v["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        [
            "events[1].ad_identifiers.gclid",
            "events[1].user_data.user_identifiers[0].email_address"
        ]
    );
    // Fast-fail: nothing of the request was taken.
    assert_eq!(mock.server.received().total(Platform::Google), 0);
    // User data without an encoding is refused too.
    let mut no_encoding = body(vec![event("t3", "Cj0KCQiA1234567890")]);
    no_encoding.as_object_mut().unwrap().remove("encoding");
    let r = ingest(&mock, "ya29.ok", &no_encoding).await;
    assert_eq!(r.status, 400);
    assert!(r.body.to_string().contains("\"field\":\"encoding\""));
}

#[tokio::test]
async fn a_request_id_moves_from_processing_to_counts_per_reason() {
    let mock = Mock::start().await;
    let r = ingest(
        &mock,
        "ya29.ok",
        &body(vec![
            event("t1", "Cj0KCQiA1234567890"),
            event("t2", "notfoundCj0KCQiA12345"),
            event("t1", "Cj0KCQiA0987654321"),
        ]),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let id = r.body["requestId"].as_str().unwrap().to_owned();
    let s = status(&mock, &id).await;
    assert_eq!(
        s["requestStatusPerDestination"][0]["requestStatus"],
        "PROCESSING"
    );
    assert_eq!(mock.server.datamanager_advance(Some(&id)), 1);
    let s = status(&mock, &id).await;
    let d = &s["requestStatusPerDestination"][0];
    assert_eq!(d["requestStatus"], "PARTIAL_SUCCESS");
    assert_eq!(d["eventsIngestionStatus"]["recordCount"], "3");
    let mut counts: Vec<(String, String)> = d["errorInfo"]["errorCounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["reason"].as_str().unwrap().into(),
                c["recordCount"].as_str().unwrap().into(),
            )
        })
        .collect();
    counts.sort();
    assert_eq!(
        counts,
        [
            ("PROCESSING_ERROR_REASON_CLICK_NOT_FOUND".into(), "1".into()),
            (
                "PROCESSING_ERROR_REASON_DUPLICATE_TRANSACTION_ID".into(),
                "1".into()
            )
        ]
    );
    assert_eq!(
        mock.server
            .received()
            .count(Platform::Google, "1234567890", "555"),
        1
    );
    let unknown = mock
        .get_with(
            "/v1/requestStatus:retrieve?requestId=nope",
            &[("authorization", "Bearer ya29.ok")],
        )
        .await;
    assert_eq!(unknown.status, 404);
}

#[tokio::test]
async fn credentials_quota_and_faults_answer_as_google_does() {
    let mock = Mock::start().await;
    let ok = body(vec![event("t1", "Cj0KCQiA1234567890")]);
    assert_eq!(ingest(&mock, "invalid-x", &ok).await.status, 401);
    let denied = ingest(&mock, "forbidden-x", &ok).await;
    assert_eq!(denied.status, 403);
    assert_eq!(denied.body["error"]["status"], "PERMISSION_DENIED");
    // validateOnly stores nothing and is not counted against the quota.
    let mut check = ok.clone();
    check["validateOnly"] = json!(true);
    assert_eq!(ingest(&mock, "ya29.ok", &check).await.status, 200);
    assert_eq!(mock.server.received().total(Platform::Google), 0);
    // The refused credentials above were requests too: the third of the minute is the last.
    mock.server.datamanager_quota(Some(3));
    assert_eq!(ingest(&mock, "ya29.ok", &ok).await.status, 200);
    let over = ingest(&mock, "ya29.ok", &ok).await;
    assert_eq!(over.status, 429);
    assert_eq!(over.body["error"]["status"], "RESOURCE_EXHAUSTED");
    assert_eq!(
        over.body["error"]["details"][0]["metadata"]["quota_limit"],
        "IngestEventsRequestsPerMinutePerProject"
    );
    mock.server.datamanager_quota(None);
    // A fault on demand: the daily quota (code 1), once.
    mock.server.set_fault(
        Fault::new(Platform::Google)
            .status(429)
            .code(1)
            .count(1)
            .path(":ingest"),
    );
    let day = ingest(&mock, "ya29.ok", &ok).await;
    assert_eq!(
        day.body["error"]["details"][0]["metadata"]["quota_limit"],
        "IngestEventsRequestsPerDayPerProject"
    );
    assert_eq!(ingest(&mock, "ya29.ok", &ok).await.status, 200);
    let minutes = mock.server.datamanager_minutes();
    assert_eq!(minutes.values().sum::<u64>(), 6, "{minutes:?}");
}
