//! Google through the Data Manager API, end to end: what `events:ingest` receives from a
//! backend purchase and an edge lead, fast-fail on one bad event, the asynchronous outcome in
//! the log and the KPIs, and the shared per-minute budget under concurrent dispatchers.

use http::Method;
use integration_tests::App;
use mock_platforms::Platform;
use pixel_core::hash::HashedValue;
use serde_json::{Value, json};

use super::{CONFIGS, Pipeline};
use crate::collector::{Edge, GRANTED, TENANT, post_signed};

const INGEST: &str = "/v1/events:ingest";

fn sha(s: &str) -> String {
    HashedValue::hash(s).as_str().to_owned()
}

fn google(customer: &str, actions: Value) -> Value {
    json!({"platform": "Google", "pixelId": customer, "refreshToken": "1//refresh",
           "conversionActions": actions})
}

/// The `events:ingest` bodies the mock got, credential checks and test events (validate
/// only) aside.
fn ingests(app: &App) -> Vec<Value> {
    app.mock
        .requests_for(Platform::Google)
        .into_iter()
        .filter(|r| r.path == INGEST && r.body["validateOnly"] != true)
        .map(|r| r.body)
        .collect()
}

fn purchase(tenant: &str, id: &str, gclid: &str) -> Value {
    json!({"eventId": id, "event": "PURCHASE", "tenantId": tenant, "value": 49.9,
           "currency": "EUR", "customer": {"email": format!("{id}@example.com"), "gclid": gclid}})
}

#[tokio::test(flavor = "multi_thread")]
async fn a_backend_purchase_and_an_edge_lead_reach_events_ingest_as_google_wants_them() {
    let edge = Edge::start().await;
    let app = &edge.app;
    let mut body = google(
        "123-456-7890",
        json!({"PURCHASE": "987654321", "LEAD": "987654322"}),
    );
    body["loginCustomerId"] = json!("111-222-3333");
    let created = app.create_config(TENANT, body).await;
    assert_eq!(created["googleApi"], "dataManager", "{created}");
    // The credential check was a real request that stores nothing.
    let check = app
        .mock
        .requests_for(Platform::Google)
        .into_iter()
        .find(|r| r.path == INGEST)
        .expect("a validateOnly credential check");
    assert_eq!(check.body["validateOnly"], true);

    let purchase = json!({"eventId": "pay-1", "event": "PURCHASE", "tenantId": TENANT,
        "value": 49.9, "currency": "EUR", "orderId": "A-100",
        "customer": {"email": "Lucia.Garcia@Gmail.com", "phone": "612 345 678",
                     "gclid": "Cj0KCQiA_backend_gclid_1", "ip": "203.0.113.7",
                     "consent": {"adUserData": true, "adPersonalization": false}}});
    // A second payment whose backend said nothing about consent.
    let silent = json!({"eventId": "pay-2", "event": "PURCHASE", "tenantId": TENANT,
        "value": 19.9, "currency": "EUR", "orderId": "A-101",
        "customer": {"email": "marta@example.com", "gclid": "Cj0KCQiA_backend_gclid_2"}});
    assert_eq!(
        post_signed(app, &json!([purchase, silent])).await.status,
        202
    );
    let form = "nombre=Ana&correo=ana%40example.com&tel%C3%A9fono=612+345+679";
    let ct = [("content-type", "application/x-www-form-urlencoded")];
    // The visitor loaded the form's page ten seconds ago (the edge's signed form timer).
    let cookie = format!(
        "{GRANTED}; {}",
        integration_tests::form_timer("example.com", integration_tests::now_ms() - 10_000)
    );
    let a = edge
        .visit(Method::POST, "/contacto", Some(&cookie), &ct, form.into())
        .await;
    assert_eq!(a.status, 303);
    edge.delivered_to(Platform::Google, "1234567890", "987654321", 2)
        .await;
    edge.delivered_to(Platform::Google, "1234567890", "987654322", 1)
        .await;

    let events: Vec<(Value, Value)> = ingests(app)
        .into_iter()
        .flat_map(|b| {
            let events = b["events"].as_array().cloned().unwrap_or_default();
            events.into_iter().map(move |e| (b.clone(), e))
        })
        .collect();
    let (req, p) = events
        .iter()
        .find(|(_, e)| e["transactionId"] == "A-100")
        .expect("the purchase");
    assert_eq!(req["encoding"], "HEX");
    let dest = req["destinations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["reference"] == p["destinationReferences"][0])
        .expect("the purchase's destination");
    assert_eq!(
        dest["operatingAccount"],
        json!({"accountType": "GOOGLE_ADS", "accountId": "1234567890"})
    );
    assert_eq!(dest["loginAccount"]["accountId"], "1112223333");
    assert_eq!(dest["productDestinationId"], "987654321");
    assert_eq!(p["eventSource"], "OTHER", "the backend is not the web");
    assert_eq!(p["adIdentifiers"]["gclid"], "Cj0KCQiA_backend_gclid_1");
    assert_eq!(p["conversionValue"], 49.9);
    assert_eq!(p["currency"], "EUR");
    assert_eq!(
        p["consent"],
        json!({"adUserData": "CONSENT_GRANTED", "adPersonalization": "CONSENT_DENIED"})
    );
    let ids = &p["userData"]["userIdentifiers"];
    // Gmail dots dropped for Google; the phone in E.164 with `+`.
    assert_eq!(ids[0]["emailAddress"], sha("luciagarcia@gmail.com"));
    assert_eq!(ids[1]["phoneNumber"], sha("+34612345678"));
    assert_eq!(p["eventDeviceInfo"]["ipAddress"], "203.0.113.7");

    // Never granted by default: no consent is claimed for the silent one.
    let (_, silent) = events
        .iter()
        .find(|(_, e)| e["transactionId"] == "A-101")
        .expect("the payment without consent");
    assert!(silent.get("consent").is_none(), "{silent}");

    let (_, lead) = events
        .iter()
        .find(|(_, e)| e["eventSource"] == "WEB")
        .expect("the edge's lead");
    assert_eq!(
        lead["consent"],
        json!({"adUserData": "CONSENT_GRANTED", "adPersonalization": "CONSENT_GRANTED"})
    );
    assert_eq!(
        lead["userData"]["userIdentifiers"][0]["emailAddress"],
        sha("ana@example.com")
    );
    assert_eq!(
        lead["userData"]["userIdentifiers"][1]["phoneNumber"],
        sha("+34612345679")
    );
    assert!(lead["eventDeviceInfo"]["userAgent"].as_str().is_some());
    // The access token travels in the header only.
    for r in app.mock.requests_for(Platform::Google) {
        if r.path == INGEST {
            assert!(r.headers["authorization"].starts_with("Bearer "));
            assert!(!r.body.to_string().contains("Bearer"));
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn one_bad_gclid_is_dead_lettered_with_googles_reason_and_the_rest_resent_at_once() {
    let app = App::start().await;
    let id = app
        .config(
            "acme",
            google("123-456-7890", json!({"PURCHASE": "987654321"})),
        )
        .await;
    app.post_events(&[
        purchase("acme", "g-1", "Cj0KCQiA1234567890abcdef"),
        purchase("acme", "g-2", "short"),
        purchase("acme", "g-3", "notfoundCj0KCQiA0987654321"),
        purchase("acme", "g-4", "Cj0KCQiA0987654321fedcba"),
    ])
    .await;
    app.until("one dead letter", async || {
        app.dead_letters("acme", &id).await.len() == 1
    })
    .await;
    let dead = app.dead_letters("acme", &id).await;
    assert_eq!(dead[0]["eventId"], "g-2");
    let reason = dead[0]["reason"].as_str().unwrap();
    assert!(
        reason.contains("INVALID_GCLID") && reason.contains("ad_identifiers.gclid"),
        "{reason}"
    );
    app.until("the others delivered", async || {
        app.mock.received().total(Platform::Google) == 2
    })
    .await;
    // Fast-fail: the first request carried all four and was refused whole; the next one,
    // sent at once, the three good ones. No bisecting.
    let sizes: Vec<usize> = ingests(&app)
        .iter()
        .map(|b| b["events"].as_array().map_or(0, Vec::len))
        .collect();
    assert_eq!(sizes, [4, 3]);

    // Google's asynchronous outcome: pending until its status leaves PROCESSING.
    let request_entries = async || -> Vec<Value> {
        app.logs("acme", &id)
            .await
            .into_iter()
            .filter(|e| e["eventName"] == "GOOGLE_REQUEST")
            .collect()
    };
    app.until("the request logged as pending", async || {
        !request_entries().await.is_empty()
    })
    .await;
    let pending = request_entries().await;
    assert_eq!(pending[0]["status"], "pending", "{pending:?}");
    let request_id = pending[0]["payload"]["requestId"]
        .as_str()
        .unwrap()
        .to_owned();
    // Google's first look comes 30 minutes later: a tick flushing 31 minutes ahead polls it,
    // finds it still processing, and logs nothing new.
    let report = app.tick(31 * 60_000).await;
    assert_eq!(report["polled"], 1, "{report}");
    assert_eq!(request_entries().await.len(), 1);
    assert_eq!(app.mock.datamanager_advance(Some(&request_id)), 1);
    // The next look is 39 minutes after the first.
    let report = app.tick(40 * 60_000).await;
    assert_eq!(report["polled"], 1, "{report}");
    let entries = request_entries().await;
    assert_eq!(entries.len(), 2, "{entries:?}");
    let done = &entries[0];
    assert_eq!(done["status"], "failed");
    assert_eq!(done["payload"]["accepted"], 2);
    assert_eq!(done["payload"]["failed"], 1);
    assert_eq!(
        done["errorMessage"],
        "accepted 2 / failed 1 (PROCESSING_ERROR_REASON_CLICK_NOT_FOUND: 1)"
    );
    // Resolved: no more polls.
    assert_eq!(app.tick(7 * 86_400_000).await["polled"], 0);
    let kpis = app
        .client
        .get(
            &format!("/api/v1/marketing/tracking-stats?days=7&configId={id}"),
            &app.token("acme"),
        )
        .await
        .json();
    assert_eq!(
        kpis["googleRequests"],
        json!({"sent": 1, "pending": 0, "acceptedEvents": 2, "failedEvents": 1,
               "failedByReason": {"CLICK_NOT_FOUND": 1}}),
        "{kpis}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn concurrent_dispatchers_never_exceed_the_shared_budget_of_a_minute() {
    const BUDGET: u64 = 4;
    let app = App::start_with(&[("google_datamanager_requests_per_minute", "4")]).await;
    // Twelve trainers, each needing one request: three minutes' worth of budget.
    let mut events = Vec::new();
    for n in 0..12 {
        let tenant = format!("t{n}");
        let customer = format!("{:010}", 1_000_000_000 + n);
        app.config(&tenant, google(&customer, json!({"PURCHASE": "987654321"})))
            .await;
        events.push(purchase(
            &tenant,
            &format!("q-{n}"),
            "Cj0KCQiA1234567890abcdef",
        ));
    }
    app.post_events(&events).await;
    // Four dispatchers at once, on top of the worker the posts woke.
    let (a, b, c, d) = tokio::join!(app.tick(0), app.tick(0), app.tick(0), app.tick(0));
    let deferred: u64 = [a, b, c, d]
        .iter()
        .map(|r| r["deferred"].as_u64().unwrap_or(0))
        .sum();
    // The minute's budget is used (by the ticks or the worker the posts woke)...
    app.until("a minute's budget used", async || {
        app.mock.received().total(Platform::Google) >= BUDGET
    })
    .await;
    // ...and what found no slot waits, unlogged and unretried, for the next minute (once
    // any pass in flight has written its outcome down).
    let waiting = || {
        app.kv_dump("queue")
            .iter()
            .filter(|(k, _)| k.starts_with("d/"))
            .count() as u64
    };
    app.until("every event either delivered or waiting", async || {
        waiting() + app.mock.received().total(Platform::Google) == 12
    })
    .await;
    let minutes = app.mock.datamanager_minutes();
    assert!(
        minutes.values().all(|n| *n <= BUDGET),
        "a minute over the budget: {minutes:?}"
    );
    let sent: u64 = minutes.values().sum();
    // Even straddling a minute boundary, two minutes' budgets (8) cannot carry twelve.
    assert!((BUDGET..=2 * BUDGET).contains(&sent), "{minutes:?}");
    assert!(
        waiting() > 0,
        "nothing was held back (deferred in the ticks: {deferred})"
    );
    for n in 0..12 {
        let t = format!("t{n}");
        let r = app.client.get(CONFIGS, &app.token(&t)).await.json();
        let id = r[0]["id"].as_str().unwrap().to_owned();
        for e in app.logs(&t, &id).await {
            assert_ne!(
                e["status"], "retry",
                "a wait for the budget is no retry: {e}"
            );
        }
    }
}

/// An attacker's (or a careless client's) values for `googleApi` get a 400 naming the field,
/// never a 500 or a half-written config; switching a config to the Ads API works.
#[tokio::test(flavor = "multi_thread")]
async fn google_api_is_validated_on_create_and_patch() {
    let app = App::start().await;
    let t = app.token("acme");
    for bad in [
        json!("../adsApi"),
        json!(42),
        json!({"$ne": 1}),
        json!("ADSAPI"),
    ] {
        let mut body = google("123-456-7890", json!({"PURCHASE": "987654321"}));
        body["googleApi"] = bad.clone();
        let r = app.client.post(CONFIGS, &t, body).await;
        assert_eq!(r.status, 400, "{bad} -> {}", r.text());
        assert!(r.text().contains("googleApi"), "{}", r.text());
    }
    let meta = json!({"platform": "Meta", "pixelId": "1234567890123", "apiAccessToken": "tok",
                      "googleApi": "dataManager"});
    assert_eq!(app.client.post(CONFIGS, &t, meta).await.status, 400);
    assert_eq!(app.client.get(CONFIGS, &t).await.json(), json!([]));

    let id = app
        .config(
            "acme",
            google("123-456-7890", json!({"PURCHASE": "987654321"})),
        )
        .await;
    let path = format!("{CONFIGS}/{id}");
    let r = app
        .client
        .patch(&path, &t, json!({"googleApi": null}))
        .await;
    assert_eq!(r.status, 400, "{}", r.text());
    let r = app
        .client
        .patch(&path, &t, json!({"googleApi": "adsApi"}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["googleApi"], "adsApi");
    app.post_events(&[purchase("acme", "ads-1", "Cj0KCQiA1234567890abcdef")])
        .await;
    app.until("delivered through the Ads API", async || {
        app.mock.received().total(Platform::Google) == 1
    })
    .await;
    assert!(ingests(&app).is_empty(), "nothing went to events:ingest");
}

/// Google's status endpoint failing (5xx, garbage) leaves the request pending and polled
/// again later; nothing is logged as an outcome that Google did not give.
#[tokio::test(flavor = "multi_thread")]
async fn a_failing_request_status_keeps_the_request_pending_for_the_next_poll() {
    let app = App::start().await;
    let id = app
        .config(
            "acme",
            google("123-456-7890", json!({"PURCHASE": "987654321"})),
        )
        .await;
    app.post_events(&[purchase("acme", "s-1", "Cj0KCQiA1234567890abcdef")])
        .await;
    app.until("delivered", async || {
        app.mock.received().total(Platform::Google) == 1
    })
    .await;
    app.until("the request logged", async || {
        app.logs("acme", &id)
            .await
            .iter()
            .any(|e| e["status"] == "pending")
    })
    .await;
    app.mock.datamanager_advance(None);
    app.mock.set_fault(
        mock_platforms::Fault::new(Platform::Google)
            .status(503)
            .count(1)
            .path("requestStatus"),
    );
    assert_eq!(app.tick(31 * 60_000).await["polled"], 1);
    let outcomes = |logs: Vec<Value>| {
        logs.into_iter()
            .filter(|e| e["eventName"] == "GOOGLE_REQUEST" && e["status"] != "pending")
            .count()
    };
    assert_eq!(outcomes(app.logs("acme", &id).await), 0);
    assert_eq!(app.tick(40 * 60_000).await["polled"], 1);
    let logs = app.logs("acme", &id).await;
    assert_eq!(outcomes(logs.clone()), 1, "{logs:?}");
    assert_eq!(logs[0]["status"], "success");
    assert_eq!(logs[0]["payload"]["accepted"], 1);
}
