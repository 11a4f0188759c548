//! Backend events through the collector's signed intake.

use http::Method;
use integration_tests::INGEST_SECRET;
use serde_json::json;

use super::{Edge, GRANTED, TENANT, post_signed};
use integration_tests::{now_secs, signature_at};

fn payment(id: &str, order: &str) -> serde_json::Value {
    json!({"eventId": id, "event": "cliente.pago_exitoso", "tenantId": TENANT, "value": 49.9, "currency": "EUR",
           "orderId": order, "customer": {"email": "ana@example.com", "phone": "+34 612 345 678"}})
}

#[tokio::test(flavor = "multi_thread")]
async fn a_backend_event_posted_twice_is_queued_and_delivered_once() {
    let edge = Edge::start().await;
    let lead = json!({"eventId": "lead-1", "event": "lead.registrado", "tenantId": TENANT,
                      "customer": {"email": "bea@example.com", "ip": "203.0.113.7", "userAgent": "Mozilla/5.0"}});
    let first = post_signed(&edge.app, &lead).await;
    assert_eq!(first.status, 202, "{}", first.text());
    assert_eq!(first.json()["status"], "accepted");
    let second = post_signed(&edge.app, &lead).await;
    assert_eq!(second.status, 202, "{}", second.text());
    assert_eq!(second.json()["status"], "duplicate");
    edge.delivered("Lead", 1).await;
    let third = post_signed(&edge.app, &lead).await;
    assert_eq!(
        third.json()["status"],
        "duplicate",
        "still a duplicate after delivery"
    );
    edge.delivered("Lead", 1).await;
    assert_eq!(
        edge.app
            .mock
            .received()
            .count(mock_platforms::Platform::Meta, super::PIXEL, "Lead"),
        1
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_or_stale_signatures_are_refused() {
    let edge = Edge::start().await;
    let body = serde_json::to_vec(&payment("p1", "A-1")).expect("json");
    let cases = [
        (
            "a wrong secret",
            signature_at(&body, now_secs(), "not-the-secret"),
        ),
        (
            "a stale timestamp",
            signature_at(&body, now_secs() - 301, INGEST_SECRET),
        ),
        ("garbage", "v1=00".to_owned()),
    ];
    for (why, sig) in cases {
        let headers = [
            ("content-type", "application/json"),
            ("x-signature", sig.as_str()),
        ];
        let a = edge
            .app
            .client
            .send(Method::POST, "/api/v1/events", &headers, body.clone())
            .await;
        assert_eq!(a.status, 401, "{why}: {}", a.text());
        assert_eq!(a.error_code(), "unauthorized");
    }
    let unsigned = edge
        .app
        .client
        .send(
            Method::POST,
            "/api/v1/events",
            &[("content-type", "application/json")],
            body,
        )
        .await;
    assert_eq!(unsigned.status, 401);
    assert_eq!(edge.tracked().await, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_batch_with_one_bad_item_accepts_the_rest_and_reports_the_bad_one() {
    let edge = Edge::start().await;
    let batch = json!([
        payment("p1", "A-1"),
        {"eventId": "p2", "event": "cliente.pago_exitoso", "tenantId": TENANT, "orderId": "A-2"},
        {"eventId": "v1", "event": "PAGE_VIEW", "tenantId": TENANT, "customer": {"ip": "203.0.113.7", "userAgent": "Mozilla/5.0"}}
    ]);
    let a = post_signed(&edge.app, &batch).await;
    assert_eq!(a.status, 207, "{}", a.text());
    let body = a.json();
    assert_eq!(
        (body["accepted"].as_u64(), body["rejected"].as_u64()),
        (Some(2), Some(1))
    );
    assert_eq!(body["results"][1]["status"], "rejected");
    assert_eq!(body["results"][1]["errors"][0]["field"], "value");
    assert_eq!(body["results"][0]["queuedAs"], "order-A-1");
    edge.delivered("Purchase", 1).await;
    edge.delivered("PageView", 1).await;
    assert_eq!(
        edge.row(mock_platforms::Platform::Meta, "order-A-1")["custom_data"]["value"],
        49.9
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_thank_you_page_and_the_backend_payment_count_one_purchase_per_order() {
    let edge = Edge::start().await;
    // Unsigned: the page's order waits for the backend's word (tests/e2e/security/purchases).
    let page = edge
        .visit(
            Method::GET,
            "/gracias?pedido=A-1001&valor=49,90",
            Some(GRANTED),
            &[],
            vec![],
        )
        .await;
    assert_eq!(page.status, 200);
    assert!(!page.text().contains("order-A-1001"), "{}", page.text());
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let backend = post_signed(&edge.app, &payment("pay-9", "A-1001")).await;
    assert_eq!(backend.status, 202, "{}", backend.text());
    assert_eq!(
        backend.json()["status"],
        "accepted",
        "the backend's payment replaces the page's copy on hold"
    );
    edge.delivered("Purchase", 1).await;
    let purchase = edge.row(mock_platforms::Platform::Meta, "order-A-1001");
    assert_eq!(purchase["custom_data"]["value"], 49.9);
    edge.delivered("PageView", 1).await;
    assert_eq!(
        edge.app
            .mock
            .received()
            .count(mock_platforms::Platform::Meta, super::PIXEL, "Purchase"),
        1
    );
    let kpis = edge
        .app
        .client
        .get(
            "/api/v1/marketing/tracking-stats?days=7",
            &edge.app.token(TENANT),
        )
        .await;
    assert_eq!(kpis.status, 200, "{}", kpis.text());
    assert_eq!(
        kpis.json()["reconciliation"]["purchasesReceived"],
        1,
        "one order, received once whichever side saw it first"
    );
}
