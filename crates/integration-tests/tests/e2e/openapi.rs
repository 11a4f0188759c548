//! The served OpenAPI document describes what the implementation does: every documented
//! operation is routed (no route-level 404/405), and the documented required fields of the
//! main answers are there.

use integration_tests::App;
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread")]
async fn the_openapi_document_matches_the_routes() {
    let app = App::start().await;
    let doc = app
        .client
        .send(http::Method::GET, "/api/v1/openapi.json", &[], vec![])
        .await;
    assert_eq!(doc.status, 200);
    let doc = doc.json();
    assert_eq!(doc["openapi"], "3.1.0");
    let admin = integration_tests::token_for("acme", "system_admin", 3600);
    let paths = doc["paths"].as_object().expect("paths");
    assert!(paths.len() >= 5);
    for (path, ops) in paths {
        for (method, op) in ops.as_object().unwrap() {
            let concrete = path
                .replace("{configId}", "00000000deadbeef")
                .replace("{host}", "www.example.com");
            let m = http::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let body = op.get("requestBody").map(|_| json!({}));
            let r = app.client.call(m, &concrete, &admin, body).await;
            assert_ne!(
                r.status, 405,
                "{method} {path} is documented but not routed"
            );
            if r.status == 404 {
                let message = r.json()["error"]["message"]
                    .as_str()
                    .unwrap_or("")
                    .to_owned();
                assert!(
                    !message.starts_with("no API route"),
                    "{method} {path}: {message}"
                );
            }
            let documented = op["responses"].as_object().unwrap();
            assert!(
                documented.contains_key(r.status.as_str()),
                "{method} {path} answered {} which is not documented",
                r.status
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_created_config_has_every_documented_required_field() {
    let app = App::start().await;
    let doc = app
        .client
        .send(http::Method::GET, "/api/v1/openapi.json", &[], vec![])
        .await
        .json();
    let required: Vec<String> =
        serde_json::from_value(doc["components"]["schemas"]["TrackingConfig"]["required"].clone())
            .unwrap();
    let t = app.token("acme");
    let created = app
        .client
        .post(
            "/api/v1/marketing/tracking-configs",
            &t,
            json!({"platform": "Meta", "pixelId": "1234567890", "apiAccessToken": "tok"}),
        )
        .await
        .json();
    for field in &required {
        assert!(
            created.get(field).is_some(),
            "created config lacks {field}: {created}"
        );
    }
    let listed: Value = app
        .client
        .get("/api/v1/marketing/tracking-configs", &t)
        .await
        .json();
    for field in &required {
        assert!(
            listed[0].get(field).is_some(),
            "listed config lacks {field}"
        );
    }
}
