//! The config API's contract: status codes, validation, credentials, isolation, secrecy.

use integration_tests::{App, CONFIGS, TOKEN_KEY, sign, token_for};
use serde_json::{Value, json};

mod browser_pixel;
mod credentials;

fn meta(pixel: &str, token: &str) -> Value {
    json!({ "platform": "Meta", "pixelId": pixel, "apiAccessToken": token })
}

#[tokio::test(flavor = "multi_thread")]
async fn a_meta_config_is_created_with_checked_credentials_and_no_token_in_the_answer() {
    let app = App::start().await;
    let t = app.token("acme");
    let created = app
        .client
        .post(CONFIGS, &t, meta("1234567890123", "EAAB-good-token-abc"))
        .await;
    assert_eq!(created.status, 201, "{}", created.text());
    let body = created.json();
    assert_eq!(body["platform"], "Meta");
    assert_eq!(body["pixelId"], "1234567890123");
    assert_eq!(body["isActive"], true);
    assert_eq!(body["health"]["status"], "ok");
    assert!(body["lastEvent"].is_null());
    assert!(
        body["trackedEvents"]
            .as_array()
            .unwrap()
            .contains(&json!("PURCHASE"))
    );
    assert!(!created.text().contains("EAAB-good-token-abc"));
    // The platform was asked: Meta's pixel read, with the token.
    let checks = app.mock.requests();
    assert!(
        checks
            .iter()
            .any(|r| r.method == "GET" && r.path.ends_with("/1234567890123")),
        "no credential check reached the mock: {checks:?}"
    );

    let listed = app.client.get(CONFIGS, &t).await;
    assert_eq!(listed.status, 200);
    let list = listed.json();
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["id"], body["id"]);
    assert!(!listed.text().contains("EAAB-good-token-abc"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rejected_token_answers_422_with_the_platform_message_and_stores_nothing() {
    let app = App::start().await;
    let t = app.token("acme");
    for body in [
        meta("1234567890123", "invalid-token"),
        json!({"platform": "TikTok", "pixelId": "CABC123DEF456GHI789J0", "apiAccessToken": "invalid-x"}),
        json!({"platform": "Google", "pixelId": "123-456-7890", "refreshToken": "invalid-refresh",
               "conversionActions": {"PURCHASE": "987654321"}}),
    ] {
        let r = app.client.post(CONFIGS, &t, body.clone()).await;
        assert_eq!(r.status, 422, "{body} -> {}", r.text());
        let message = r.json()["error"]["message"]
            .as_str()
            .unwrap_or("")
            .to_owned();
        assert!(message.contains("rejected the credentials"), "{message}");
        assert!(!r.text().contains("invalid-token") && !r.text().contains("invalid-refresh"));
    }
    assert_eq!(app.client.get(CONFIGS, &t).await.json(), json!([]));
}

#[tokio::test(flavor = "multi_thread")]
async fn tiktok_and_google_configs_are_created_after_their_checks() {
    let app = App::start().await;
    let t = app.token("acme");
    let tiktok = app
        .client
        .post(
            CONFIGS,
            &t,
            json!({"platform": "TikTok", "pixelId": "CABC123DEF456GHI789J0", "apiAccessToken": "tt-token"}),
        )
        .await;
    assert_eq!(tiktok.status, 201, "{}", tiktok.text());
    let google = app
        .client
        .post(
            CONFIGS,
            &t,
            json!({"platform": "Google", "pixelId": "123-456-7890", "refreshToken": "1//refresh",
                   "conversionActions": {"PURCHASE": "987654321", "LEAD": "987654322"}}),
        )
        .await;
    assert_eq!(google.status, 201, "{}", google.text());
    let g = google.json();
    assert_eq!(g["pixelId"], "1234567890");
    let mut tracked: Vec<String> = serde_json::from_value(g["trackedEvents"].clone()).unwrap();
    tracked.sort();
    assert_eq!(tracked, ["LEAD", "PURCHASE"]);
    assert!(!google.text().contains("1//refresh"));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_same_platform_and_pixel_twice_is_a_conflict() {
    let app = App::start().await;
    let t = app.token("acme");
    assert_eq!(
        app.client
            .post(CONFIGS, &t, meta("1234567890123", "tok"))
            .await
            .status,
        201
    );
    let again = app
        .client
        .post(CONFIGS, &t, meta("1234567890123", "tok2"))
        .await;
    assert_eq!(again.status, 409, "{}", again.text());
    // Another tenant may track the same pixel.
    let other = app.token("other");
    assert_eq!(
        app.client
            .post(CONFIGS, &other, meta("1234567890123", "tok"))
            .await
            .status,
        201
    );
}

// Regression: a create that read the winner's claim before the winner's config existed took the
// claim over as stale, and two configs for one pixel were answered 201.
#[tokio::test(flavor = "multi_thread")]
async fn concurrent_creates_of_one_pixel_leave_exactly_one_config() {
    let app = App::start().await;
    let t = app.token("acme");
    let mut tasks = Vec::new();
    for i in 0..8 {
        let client = app.client.clone();
        let t = t.clone();
        tasks.push(tokio::spawn(async move {
            client
                .post(CONFIGS, &t, meta("5555555555", &format!("tok-{i}")))
                .await
                .status
        }));
    }
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.unwrap().as_u16());
    }
    statuses.sort();
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| *s == 201 || *s == 409),
        "{statuses:?}"
    );
    assert_eq!(
        app.client
            .get(CONFIGS, &t)
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_input_is_a_4xx_that_names_the_problem() {
    let app = App::start().await;
    let t = app.token("acme");
    let auth = format!("Bearer {t}");
    let json_headers = [
        ("authorization", auth.as_str()),
        ("content-type", "application/json"),
    ];

    let r = app
        .client
        .send(
            http::Method::POST,
            CONFIGS,
            &json_headers,
            b"{\"platform\":".to_vec(),
        )
        .await;
    assert_eq!(
        (r.status.as_u16(), r.error_code().as_str()),
        (400, "invalid_json"),
        "{}",
        r.text()
    );

    let cases = [
        (
            json!({"platform": "MySpace", "pixelId": "1", "apiAccessToken": "x"}),
            "platform",
        ),
        (
            json!({"platform": "Meta", "pixelId": "", "apiAccessToken": "x"}),
            "pixelId",
        ),
        (
            json!({"platform": "Meta", "pixelId": "12ab", "apiAccessToken": "x"}),
            "pixelId",
        ),
        (
            json!({"platform": "Meta", "pixelId": 1234567890, "apiAccessToken": "x"}),
            "pixelId",
        ),
        (
            json!({"platform": "Meta", "pixelId": "1234567890", "apiAccessToken": "x", "trackedEvents": ["PURCHASE", "BUY_NOW"]}),
            "trackedEvents[1]",
        ),
        (
            json!({"platform": "Meta", "pixelId": "1234567890", "apiAccessToken": "x", "eventMappings": {"cliente.pago_exitoso": "NOPE"}}),
            "eventMappings.cliente.pago_exitoso",
        ),
        (
            json!({"platform": "Meta", "pixelId": "1234567890", "apiAccessToken": "x", "colour": "red"}),
            "colour",
        ),
        (
            json!({"platform": "Meta", "pixelId": "1234567890"}),
            "apiAccessToken",
        ),
        (json!(["not", "an", "object"]), ""),
    ];
    for (body, field) in cases {
        let r = app.client.post(CONFIGS, &t, body.clone()).await;
        assert_eq!(r.status, 400, "{body} -> {}", r.text());
        let details = r.json()["error"]["details"].clone();
        let fields: Vec<String> = details
            .as_array()
            .map(|ds| {
                ds.iter()
                    .filter_map(|d| d["field"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        assert!(
            fields.iter().any(|f| f == field),
            "{body}: {field} not in {fields:?}"
        );
    }

    let huge = json!({"platform": "Meta", "pixelId": "1234567890", "apiAccessToken": "x".repeat(70 * 1024)});
    assert_eq!(app.client.post(CONFIGS, &t, huge).await.status, 413);

    let r = app
        .client
        .send(
            http::Method::POST,
            CONFIGS,
            &[
                ("authorization", auth.as_str()),
                ("content-type", "text/plain"),
            ],
            b"hi".to_vec(),
        )
        .await;
    assert_eq!(r.status, 415);
    // Nothing of the above was stored.
    assert_eq!(app.client.get(CONFIGS, &t).await.json(), json!([]));
}

#[tokio::test(flavor = "multi_thread")]
async fn every_request_needs_a_valid_token() {
    let app = App::start().await;
    let cases = [
        ("", "missing"),
        ("Basic dXNlcjpwYXNz", "not bearer"),
        ("Bearer not.a.jwt", "malformed"),
        (
            &*format!("Bearer {}", token_for("acme", "trainer_admin", -3600)),
            "expired",
        ),
        (
            &*format!(
                "Bearer {}",
                sign("acme", "trainer_admin", 3600, "wrong-secret")
            ),
            "bad signature",
        ),
    ];
    for (header, why) in cases {
        let headers: Vec<(&str, &str)> = if header.is_empty() {
            vec![]
        } else {
            vec![("authorization", header)]
        };
        let r = app
            .client
            .send(http::Method::GET, CONFIGS, &headers, vec![])
            .await;
        assert_eq!(r.status, 401, "{why}: {}", r.text());
        assert!(
            r.headers.contains_key("www-authenticate"),
            "{why}: no WWW-Authenticate"
        );
        assert_eq!(r.error_code(), "unauthorized");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_config_can_be_paused_resumed_and_deleted() {
    let app = App::start().await;
    let t = app.token("acme");
    let created = app
        .client
        .post(CONFIGS, &t, meta("1234567890123", "tok"))
        .await
        .json();
    let id = created["id"].as_str().unwrap().to_owned();
    let path = format!("{CONFIGS}/{id}");

    let paused = app
        .client
        .patch(&path, &t, json!({"isActive": false}))
        .await;
    assert_eq!(paused.status, 200, "{}", paused.text());
    assert_eq!(paused.json()["isActive"], false);
    assert!(paused.json()["updatedAt"].as_str() >= created["updatedAt"].as_str());
    let listed = app.client.get(CONFIGS, &t).await.json();
    assert_eq!(listed[0]["isActive"], false);

    let events = app
        .client
        .patch(&path, &t, json!({"isActive": true, "trackedEvents": ["Purchase", "LEAD"], "eventMappings": {"suscripcion.renovada": "PURCHASE"}}))
        .await;
    assert_eq!(events.status, 200, "{}", events.text());
    assert_eq!(events.json()["trackedEvents"], json!(["PURCHASE", "LEAD"]));
    assert_eq!(
        events.json()["eventMappings"]["suscripcion.renovada"],
        "PURCHASE"
    );

    // A rejected replacement token changes nothing.
    let bad = app
        .client
        .patch(
            &path,
            &t,
            json!({"apiAccessToken": "invalid-new", "isActive": false}),
        )
        .await;
    assert_eq!(bad.status, 422, "{}", bad.text());
    assert_eq!(
        app.client.get(CONFIGS, &t).await.json()[0]["isActive"],
        true
    );

    let unknown = app
        .client
        .patch(
            &format!("{CONFIGS}/00000000deadbeef"),
            &t,
            json!({"isActive": false}),
        )
        .await;
    assert_eq!(unknown.status, 404);

    assert_eq!(app.client.delete(&path, &t).await.status, 204);
    assert_eq!(app.client.delete(&path, &t).await.status, 404);
    assert_eq!(app.client.get(CONFIGS, &t).await.json(), json!([]));
    // The pixel may be connected again after deletion.
    assert_eq!(
        app.client
            .post(CONFIGS, &t, meta("1234567890123", "tok"))
            .await
            .status,
        201
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_tenant_never_sees_or_touches_another_tenants_configs() {
    let app = App::start().await;
    let (a, b) = (app.token("tenant-a"), app.token("tenant-b"));
    let id = app
        .client
        .post(CONFIGS, &a, meta("1234567890123", "tok"))
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("{CONFIGS}/{id}");
    assert_eq!(app.client.get(CONFIGS, &b).await.json(), json!([]));
    assert_eq!(
        app.client
            .patch(&path, &b, json!({"isActive": false}))
            .await
            .status,
        404
    );
    assert_eq!(
        app.client.get(&format!("{path}/logs"), &b).await.status,
        404
    );
    assert_eq!(
        app.client
            .get(&format!("{path}/dead-letters"), &b)
            .await
            .status,
        404
    );
    assert_eq!(app.client.delete(&path, &b).await.status, 404);
    // A trainer admin cannot borrow another tenant through ?tenantId=.
    assert_eq!(
        app.client
            .get(&format!("{CONFIGS}?tenantId=tenant-a"), &b)
            .await
            .status,
        403
    );
    // A system admin can.
    let admin = token_for("trainererp", "system_admin", 3600);
    let seen = app
        .client
        .get(&format!("{CONFIGS}?tenantId=tenant-a"), &admin)
        .await;
    assert_eq!(
        seen.json().as_array().map(Vec::len),
        Some(1),
        "{}",
        seen.text()
    );
    // And A still has it, untouched.
    assert_eq!(
        app.client.get(CONFIGS, &a).await.json()[0]["isActive"],
        true
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn tokens_are_encrypted_at_rest() {
    let app = App::start().await;
    let t = app.token("acme");
    let secret = "EAAB-very-secret-token-value-123";
    assert_eq!(
        app.client
            .post(CONFIGS, &t, meta("1234567890123", secret))
            .await
            .status,
        201
    );
    let refresh = "1//google-refresh-secret-456";
    let g = json!({"platform": "Google", "pixelId": "1234567890", "refreshToken": refresh, "conversionActions": {"PURCHASE": "1"}});
    assert_eq!(app.client.post(CONFIGS, &t, g).await.status, 201);
    let mut scanned = 0;
    for label in ["configs", "queue", "logs", "stats"] {
        for (key, value) in app.kv_dump(label) {
            scanned += 1;
            let text = String::from_utf8_lossy(&value);
            assert!(
                !text.contains(secret) && !text.contains(refresh),
                "{label}/{key} holds a token in clear"
            );
        }
    }
    assert!(scanned >= 2, "the stores were not scanned");
    // The stored form names the key it was encrypted with (so keys can rotate) and is bound to
    // its config (v2: SECURITY.md).
    let configs = app.kv_dump("configs");
    assert!(
        configs
            .iter()
            .any(|(_, v)| String::from_utf8_lossy(v).contains("\"encryptedToken\":\"v2."))
    );
    let _ = TOKEN_KEY;
}

#[tokio::test(flavor = "multi_thread")]
async fn logs_take_a_bounded_limit() {
    let app = App::start().await;
    let t = app.token("acme");
    let id = app
        .client
        .post(CONFIGS, &t, meta("1234567890123", "tok"))
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let logs = format!("{CONFIGS}/{id}/logs");
    assert_eq!(app.client.get(&logs, &t).await.json(), json!([]));
    assert_eq!(
        app.client
            .get(&format!("{logs}?limit=500"), &t)
            .await
            .status,
        200
    );
    for bad in ["0", "501", "abc", "-1", "1.5"] {
        let r = app.client.get(&format!("{logs}?limit={bad}"), &t).await;
        assert_eq!(r.status, 400, "limit={bad}");
        assert_eq!(r.json()["error"]["details"][0]["field"], "limit");
    }
}
