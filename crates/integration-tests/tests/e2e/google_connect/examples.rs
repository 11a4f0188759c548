//! The OpenAPI document's create examples, run as they stand against the mock, and the
//! explicit Google Ads API choice of Conectar con Google.

use http::Method;
use integration_tests::{App, CONFIGS};
use serde_json::json;

use super::{Flow, START, app, arrive, connection_of, decide, start};

/// A whole approved flow for `tenant`: the pending connection's id.
async fn connect(app: &App, tenant: &str) -> String {
    let flow = start(app, tenant).await;
    let back = decide(app, &flow, "approve").await;
    connection_of(&arrive(app, &back, Some(&flow.cookie)).await)
}

#[tokio::test(flavor = "multi_thread")]
async fn every_create_example_of_the_openapi_document_works_against_the_mock() {
    let app = app().await;
    let doc = app
        .client
        .send(Method::GET, "/api/v1/openapi.json", &[], Vec::new())
        .await
        .json();
    let examples =
        doc["paths"][CONFIGS]["post"]["requestBody"]["content"]["application/json"]["examples"]
            .as_object()
            .expect("create examples")
            .clone();
    let platforms: Vec<&str> = examples
        .values()
        .filter_map(|e| e["value"]["platform"].as_str())
        .collect();
    for p in ["Meta", "TikTok", "Google"] {
        assert!(platforms.contains(&p), "no {p} example");
    }
    // A tenant per example: two Google examples name the one account the mock knows.
    for (name, example) in &examples {
        let tenant = format!("example-{name}");
        let mut body = example["value"].clone();
        // The one thing an example cannot carry: a connection made by a real consent.
        if body.get("googleConnection").is_some() {
            body["googleConnection"] = json!(connect(&app, &tenant).await);
        }
        let r = app.client.post(CONFIGS, &app.token(&tenant), body).await;
        assert_eq!(r.status, 201, "example {name}: {}", r.text());
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_ads_api_choice_asks_for_its_scope_and_comes_back_with_the_connection() {
    let app = app().await;
    let r = app
        .client
        .get(&format!("{START}?googleApi=adsApi"), &app.token("acme"))
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let url = r.json()["authUrl"].as_str().unwrap_or_default().to_owned();
    assert!(
        url.contains("auth%2Fdatamanager%20https%3A%2F%2Fwww.googleapis.com%2Fauth%2Fadwords"),
        "{url}"
    );
    let cookie = r.headers["set-cookie"].to_str().unwrap_or_default();
    let flow = Flow {
        consent_query: url.split_once('?').expect("query").1.to_owned(),
        cookie: cookie.split(';').next().unwrap_or_default().to_owned(),
    };
    let back = decide(&app, &flow, "approve").await;
    let r = arrive(&app, &back, Some(&flow.cookie)).await;
    assert_eq!(r.status, 303, "{}", r.text());
    let location = r.headers["location"].to_str().unwrap_or_default();
    assert!(location.ends_with("&googleApi=adsApi"), "{location}");

    let bad = app
        .client
        .get(&format!("{START}?googleApi=merchant"), &app.token("acme"))
        .await;
    assert_eq!(bad.status, 400, "{}", bad.text());
}
