//! Alerts end to end: raised once on a change of state, listed by the API, announced by a
//! signed webhook that is retried when TrainerERP answers 500, and cleared by themselves (one
//! `alert.cleared` webhook). The dispatcher's worker evaluates them after its passes; the
//! system admin's tick evaluates them on demand, `aheadMs` into the future, which is how the
//! six silent hours of a site are reached without waiting for them.

use std::sync::Arc;

use http::Method;
use integration_tests::{App, CONFIGS, loopback, origin, signature_at, token_for};
use mock_platforms::{Fault, Platform, ReceivedWebhook, WEBHOOK_PATH};
use serde_json::{Value, json};

use super::{post_events, until};
use crate::collector::{Edge, GRANTED, HOST, TENANT as EDGE_TENANT};

const TENANT: &str = "t-alerts";
const SECRET: &str = "test-alerts-webhook-secret";
const TICK: &str = "/api/v1/marketing/dispatcher/tick";

/// The app with its alert webhook pointed at the mock's receiver.
async fn start() -> App {
    let mock = Arc::new(mock_platforms::spawn(loopback()).await.expect("mock"));
    let url = format!("{}{WEBHOOK_PATH}", mock.url());
    let origin = mock.url();
    App::start_on(
        mock,
        &[
            ("alerts_webhook_url", url.as_str()),
            ("alerts_webhook_origin", origin.as_str()),
            ("alerts_webhook_secret", SECRET),
        ],
        testhost::KvBackend::Memory,
    )
    .await
}

async fn alerts(app: &App, tenant: &str) -> Vec<Value> {
    let a = app
        .client
        .get("/api/v1/marketing/alerts", &app.token(tenant))
        .await;
    assert_eq!(a.status, 200, "{}", a.text());
    a.json()["alerts"].as_array().cloned().unwrap_or_default()
}

/// A system admin's tick, `ahead_ms` into the future: a pass, then the alert step.
async fn tick(app: &App, ahead_ms: i64) -> Value {
    let r = app
        .client
        .post(
            &format!("{TICK}?aheadMs={ahead_ms}"),
            &token_for("x", "system_admin", 3600),
            json!({}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()
}

fn lead(id: &str) -> Value {
    json!({"eventId": id, "event": "LEAD", "tenantId": TENANT,
           "customer": {"email": format!("{id}@example.com")}})
}

/// The webhook's signature checks out with the shared secret, over the exact bytes received.
fn assert_signed(w: &ReceivedWebhook) {
    let header = w.headers.get("x-signature").expect("x-signature");
    let t: i64 = header
        .strip_prefix("t=")
        .and_then(|r| r.split(',').next())
        .and_then(|t| t.parse().ok())
        .expect("t=<secs>");
    assert_eq!(header, &signature_at(w.body.as_bytes(), t, SECRET));
    assert_ne!(
        header,
        &signature_at(w.body.as_bytes(), t, "another-secret")
    );
}

fn of_type<'a>(hooks: &'a [ReceivedWebhook], kind: &str) -> Vec<&'a ReceivedWebhook> {
    hooks.iter().filter(|w| w.json()["type"] == kind).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_revoked_token_raises_one_alert_and_one_signed_webhook_retried_then_cleared_after_a_patch()
 {
    let app = start().await;
    let config = app
        .create_config(
            TENANT,
            json!({"platform": "Meta", "pixelId": "1234567890123", "apiAccessToken": "good"}),
        )
        .await;
    let id = config["id"].as_str().unwrap().to_owned();
    assert!(alerts(&app, TENANT).await.is_empty());
    // TrainerERP is down for the first webhook.
    app.mock.fail_webhooks(1);
    // Meta says the token was revoked (190) on the next deliveries.
    app.mock.set_fault(
        Fault::new(Platform::Meta)
            .code(190)
            .count(1)
            .path("/events"),
    );
    post_events(&app, &[lead("a-1")]).await;
    until("the alert is raised", async || {
        !alerts(&app, TENANT).await.is_empty()
    })
    .await;
    until("the first webhook arrives", async || {
        !app.mock.webhooks().is_empty()
    })
    .await;
    // More failing traffic and more evaluations do not raise it twice: one cause, one alert.
    post_events(&app, &[lead("a-2"), lead("a-3")]).await;
    let first = tick(&app, 0).await;
    assert_eq!(first["alerts"]["raised"], 0, "{first}");
    let open = alerts(&app, TENANT).await;
    assert_eq!(open.len(), 1, "{open:?}");
    assert_eq!(open[0]["kind"], "credentials_refused");
    assert_eq!(open[0]["configId"], id.as_str());
    assert_eq!(open[0]["platform"], "Meta");
    assert!(open[0]["since"].as_i64().is_some());
    // No token in the answer.
    assert!(!serde_json::to_string(&open).unwrap().contains("good"));

    // The webhook answered 500: it is retried with backoff (the tick reaches the retry's time).
    let hooks = app.mock.webhooks();
    assert_eq!(hooks.len(), 1, "{hooks:?}");
    assert_eq!(hooks[0].status, 500);
    until("the webhook is retried", async || {
        tick(&app, 60_000).await;
        app.mock.webhooks().len() >= 2
    })
    .await;
    let hooks = app.mock.webhooks();
    assert_eq!(hooks.len(), 2, "{hooks:?}");
    assert_eq!(hooks[1].status, 200);
    let event_id = hooks[0].headers.get("x-alert-event-id").expect("event id");
    assert_eq!(hooks[1].headers.get("x-alert-event-id"), Some(event_id));
    for w in &hooks {
        assert_signed(w);
        let body = w.json();
        assert_eq!(body["type"], "alert.raised");
        assert_eq!(body["tenantId"], TENANT);
        assert_eq!(body["alert"]["kind"], "credentials_refused");
        assert_eq!(body["alert"]["configId"], id.as_str());
        assert!(body["sentAt"].as_i64().is_some());
        assert!(!w.body.contains("good"), "no token in the webhook");
    }

    app.mock.clear();
    let patched = app
        .client
        .patch(
            &format!("{CONFIGS}/{id}"),
            &app.token(TENANT),
            json!({"apiAccessToken": "new-token"}),
        )
        .await;
    assert_eq!(patched.status, 200, "{}", patched.text());
    until("the alert clears by itself", async || {
        tick(&app, 0).await;
        alerts(&app, TENANT).await.is_empty()
    })
    .await;
    until("the cleared webhook arrives", async || {
        !of_type(&app.mock.webhooks(), "alert.cleared").is_empty()
    })
    .await;
    tick(&app, 0).await;
    let hooks = app.mock.webhooks();
    let cleared = of_type(&hooks, "alert.cleared");
    assert_eq!(cleared.len(), 1, "one change, one webhook: {hooks:?}");
    assert_signed(cleared[0]);
    assert_eq!(cleared[0].json()["alert"]["kind"], "credentials_refused");
    assert!(cleared[0].json()["alert"]["clearedAt"].as_i64().is_some());
    assert_ne!(cleared[0].headers.get("x-alert-event-id"), Some(event_id));
    assert_eq!(of_type(&hooks, "alert.raised").len(), 2, "{hooks:?}");
    // Another tenant never sees it.
    assert_eq!(alerts(&app, "someone-else").await, Vec::<Value>::new());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_success_rate_below_ninety_percent_over_twenty_events_raises_success_rate_low() {
    let app = start().await;
    let config = app
        .create_config(
            TENANT,
            json!({"platform": "Meta", "pixelId": "1234567890123", "apiAccessToken": "good"}),
        )
        .await;
    // Meta fails the whole first batch with a server error: 25 attempts, none accepted.
    app.mock.set_fault(
        Fault::new(Platform::Meta)
            .status(500)
            .count(1)
            .path("/events"),
    );
    let events: Vec<Value> = (0..25).map(|i| lead(&format!("r-{i}"))).collect();
    post_events(&app, &events).await;
    until("success_rate_low is raised", async || {
        tick(&app, 0).await;
        alerts(&app, TENANT)
            .await
            .iter()
            .any(|a| a["kind"] == "success_rate_low")
    })
    .await;
    let open = alerts(&app, TENANT).await;
    let low: Vec<&Value> = open
        .iter()
        .filter(|a| a["kind"] == "success_rate_low")
        .collect();
    assert_eq!(low.len(), 1, "{open:?}");
    assert_eq!(low[0]["configId"], config["id"]);
    assert!(low[0]["count"].as_u64().unwrap_or(0) >= 3, "{open:?}");
    let hooks = app.mock.webhooks();
    let raised: Vec<&ReceivedWebhook> = of_type(&hooks, "alert.raised")
        .into_iter()
        .filter(|w| w.json()["alert"]["kind"] == "success_rate_low")
        .collect();
    assert_eq!(raised.len(), 1, "{hooks:?}");
    assert_signed(raised[0]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_site_silent_for_six_hours_after_traffic_raises_its_alert() {
    let app = start().await;
    let origin = origin::spawn().await;
    app.put_site(EDGE_TENANT, HOST, json!({"originUrl": origin.url()}))
        .await;
    app.create_config(
        EDGE_TENANT,
        json!({"platform": "Meta", "pixelId": "1234567890", "apiAccessToken": "tok"}),
    )
    .await;
    let edge = Edge { app, origin };
    let page = edge
        .visit(Method::GET, "/", Some(GRANTED), &[], vec![])
        .await;
    assert_eq!(page.status, 200);
    until("the site's hourly counter is written", async || {
        edge.app
            .kv_dump("stats")
            .iter()
            .any(|(k, _)| k.starts_with(&format!("sth/{EDGE_TENANT}/s/{HOST}/")))
    })
    .await;
    // Now: traffic, no alert.
    tick(&edge.app, 0).await;
    assert!(
        !alerts(&edge.app, EDGE_TENANT)
            .await
            .iter()
            .any(|a| a["kind"] == "site_silent")
    );
    // Seven hours later without an event: silent.
    let later = tick(&edge.app, 7 * 3_600_000).await;
    assert!(
        later["alerts"]["raised"].as_u64().unwrap_or(0) >= 1,
        "{later}"
    );
    let open = alerts(&edge.app, EDGE_TENANT).await;
    let silent: Vec<&Value> = open.iter().filter(|a| a["kind"] == "site_silent").collect();
    assert_eq!(silent.len(), 1, "{open:?}");
    assert_eq!(silent[0]["host"], HOST);
    assert_eq!(silent[0]["id"], format!("site_silent:{HOST}"));
    let hooks = edge.app.mock.webhooks();
    let raised: Vec<&ReceivedWebhook> = of_type(&hooks, "alert.raised")
        .into_iter()
        .filter(|w| w.json()["alert"]["kind"] == "site_silent")
        .collect();
    assert_eq!(raised.len(), 1, "{hooks:?}");
    assert_signed(raised[0]);
    assert_eq!(raised[0].json()["alert"]["host"], HOST);
}
