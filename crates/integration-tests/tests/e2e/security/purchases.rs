//! Attack 3, forged purchases: `GET /gracias?pedido=A-1002&valor=0.01` used to send a Purchase
//! of 0.01 and claim the order's event id, so the backend's signed 499 EUR payment was a
//! `duplicate`. Now the page's unsigned order is held for the backend's word, the backend's
//! value reaches each platform once whichever side comes first, and a site may require
//! TrainerERP's signature on its thank-you URLs.

use http::Method;
use mock_platforms::Platform;
use serde_json::{Value, json};

use crate::collector::{Edge, GRANTED, HOST, PIXEL, TENANT, TIKTOK_PIXEL, post_signed};

fn payment(order: &str, value: f64) -> Value {
    json!({"eventId": format!("pay-{order}"), "event": "cliente.pago_exitoso", "tenantId": TENANT,
           "value": value, "currency": "EUR", "orderId": order,
           "customer": {"email": "ana@example.com"}})
}

async fn thank_you(edge: &Edge, query: &str) -> String {
    let page = edge
        .visit(
            Method::GET,
            &format!("/gracias?{query}"),
            Some(GRANTED),
            &[],
            vec![],
        )
        .await;
    assert_eq!(page.status, 200, "{}", page.text());
    page.text()
}

/// Rows of `event_id` each platform received.
fn rows(edge: &Edge, event_id: &str) -> (Vec<Value>, Vec<Value>) {
    let of = |p| {
        edge.rows(p)
            .into_iter()
            .filter(|r| r["event_id"] == event_id)
            .collect::<Vec<_>>()
    };
    (of(Platform::Meta), of(Platform::Tiktok))
}

/// Deliver until both platforms have the order's Purchase, then a few more rounds, so a copy
/// still on its way would show.
async fn settle(edge: &Edge, order: &str) {
    edge.delivered("Purchase", 1).await;
    edge.delivered_to(Platform::Tiktok, TIKTOK_PIXEL, "Purchase", 1)
        .await;
    for _ in 0..5 {
        edge.delivered("PageView", 0).await;
    }
    let queued: Vec<Value> = edge
        .queued()
        .into_iter()
        .filter(|e| e["eventId"] == format!("order-{order}"))
        .collect();
    assert_eq!(
        queued,
        Vec::<Value>::new(),
        "no copy of the order left queued"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_forged_thank_you_page_never_suppresses_the_backend_payment() {
    let edge = Edge::start().await;
    let page = thank_you(&edge, "pedido=A-1002&valor=0.01").await;
    assert!(
        !page.contains("order-A-1002"),
        "no browser Purchase for an unsigned order: {page}"
    );
    // The page's events are written a moment after its answer.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let backend = post_signed(&edge.app, &payment("A-1002", 499.0)).await;
    assert_eq!(backend.status, 202, "{}", backend.text());
    assert_eq!(backend.json()["status"], "accepted", "{}", backend.text());
    settle(&edge, "A-1002").await;
    let (meta, tiktok) = rows(&edge, "order-A-1002");
    assert_eq!(meta.len(), 1, "{meta:?}");
    assert_eq!(meta[0]["custom_data"]["value"], 499.0);
    assert_eq!(tiktok.len(), 1, "{tiktok:?}");
    assert_eq!(tiktok[0]["properties"]["value"], 499.0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_backend_payment_before_the_page_is_the_only_purchase() {
    let edge = Edge::start().await;
    let backend = post_signed(&edge.app, &payment("A-2001", 120.0)).await;
    assert_eq!(backend.json()["status"], "accepted", "{}", backend.text());
    thank_you(&edge, "pedido=A-2001&valor=1").await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    settle(&edge, "A-2001").await;
    let (meta, tiktok) = rows(&edge, "order-A-2001");
    assert_eq!((meta.len(), tiktok.len()), (1, 1));
    assert_eq!(meta[0]["custom_data"]["value"], 120.0);
    let kpis = edge
        .app
        .client
        .get(
            "/api/v1/marketing/tracking-stats?days=7",
            &edge.app.token(TENANT),
        )
        .await;
    assert_eq!(kpis.json()["reconciliation"]["purchasesReceived"], 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_site_that_requires_signed_orders_takes_only_signed_thank_you_urls() {
    let edge = Edge::start().await;
    let site = edge
        .app
        .client
        .put(
            &format!("{}/{HOST}", integration_tests::SITES),
            &edge.app.token(TENANT),
            json!({"originUrl": edge.origin.url(), "requireSignedOrders": true}),
        )
        .await;
    assert_eq!(site.status, 200, "{}", site.text());
    assert_eq!(site.json()["requireSignedOrders"], true);
    assert_eq!(site.json()["verification"]["status"], "verified");

    // Unsigned, and signed for another value: page views only.
    thank_you(&edge, "pedido=A-3001&valor=0.01").await;
    let forged = super::firma("A-3001", 49.9);
    thank_you(&edge, &format!("pedido=A-3001&valor=0.01&firma={forged}")).await;
    // Signed by TrainerERP: a Purchase at once, in the browser pixel too.
    let good = super::firma("A-3001", 49.9);
    let page = thank_you(&edge, &format!("pedido=A-3001&valor=49,90&firma={good}")).await;
    assert!(page.contains("order-A-3001"), "{page}");
    edge.delivered("Purchase", 1).await;
    edge.delivered("PageView", 3).await;
    let (meta, _) = rows(&edge, "order-A-3001");
    assert_eq!(meta.len(), 1);
    assert_eq!(meta[0]["custom_data"]["value"], 49.9);
    assert_eq!(
        edge.app
            .mock
            .received()
            .count(Platform::Meta, PIXEL, "Purchase"),
        1
    );
}
