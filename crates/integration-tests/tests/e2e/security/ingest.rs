//! Attack 4, signature CPU burn: `X-Signature: t=<now>,v1=00,v1=00,...` used to cost one HMAC
//! of the whole body per entry. A header with more than two `v1`, or malformed, is refused
//! before the body is read; a well-formed one costs one HMAC whatever it lists.

use http::Method;
use integration_tests::{App, INGEST_SECRET, now_secs, signature_at};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Send the head of a POST announcing `announced` body bytes and only part of the body, then
/// read what the app answers while the rest never comes.
async fn answer_before_the_body(app: &App, signature: &str, announced: usize) -> String {
    let mut stream = tokio::net::TcpStream::connect(app.host.addr)
        .await
        .expect("connect");
    let head = format!(
        "POST /api/v1/events HTTP/1.1\r\nhost: app\r\ncontent-type: application/json\r\n\
         content-length: {announced}\r\nx-signature: {signature}\r\n\r\n[{{\"eventId\":"
    );
    stream.write_all(head.as_bytes()).await.expect("write");
    let mut buf = vec![0u8; 4096];
    // The app has the head and a few bytes: its answer cannot depend on the rest.
    let read = tokio::time::timeout(std::time::Duration::from_secs(20), stream.read(&mut buf))
        .await
        .expect("the app answered without waiting for the body")
        .expect("read");
    String::from_utf8_lossy(&buf[..read]).into_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_header_with_many_entries_is_refused_before_the_body_is_read() {
    let app = App::start().await;
    let now = now_secs();
    let burn = format!("t={now}{}", format!(",v1={}", "00".repeat(32)).repeat(200));
    let three = format!("t={now}{}", format!(",v1={}", "ab".repeat(32)).repeat(3));
    for sig in [burn.as_str(), three.as_str(), "t=abc,v1=00", "garbage"] {
        let head = answer_before_the_body(&app, sig, 3_000_000).await;
        assert!(head.starts_with("HTTP/1.1 401"), "{head}");
        assert!(head.contains("at most two v1"), "{head}");
    }
    let stale = signature_at(b"[]", now - 3600, INGEST_SECRET);
    let head = answer_before_the_body(&app, &stale, 3_000_000).await;
    assert!(head.starts_with("HTTP/1.1 401"), "{head}");
    assert!(head.contains("five-minute window"), "{head}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rotation_header_with_two_entries_still_works() {
    let app = App::start().await;
    let body = serde_json::to_vec(&json!({"eventId": "rot-1", "event": "lead.registrado",
        "tenantId": "t-rot", "customer": {"email": "a@example.com"}}))
    .expect("json");
    let good = signature_at(&body, now_secs(), INGEST_SECRET);
    let (t, v1) = good.split_once(',').expect("t and v1");
    let old = signature_at(&body, now_secs(), "the-previous-secret");
    let old_v1 = old.split_once(',').expect("t and v1").1;
    let both = format!("{t},{old_v1},{v1}");
    let headers = [
        ("content-type", "application/json"),
        ("x-signature", both.as_str()),
    ];
    let r = app
        .client
        .send(Method::POST, "/api/v1/events", &headers, body.clone())
        .await;
    assert_eq!(r.status, 202, "{}", r.text());
    // Two wrong entries: one HMAC, no match.
    let wrong = format!("{t},{old_v1},{old_v1}");
    let headers = [
        ("content-type", "application/json"),
        ("x-signature", wrong.as_str()),
    ];
    let r = app
        .client
        .send(Method::POST, "/api/v1/events", &headers, body)
        .await;
    assert_eq!(r.status, 401, "{}", r.text());
    assert_eq!(r.error_code(), "unauthorized");
}
