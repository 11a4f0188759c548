//! Platform-specific answers through the whole pipeline: TikTok's rate limit inside HTTP 200,
//! Google's partial failure, and the dashboard's test event.

use integration_tests::App;
use mock_platforms::{Fault, Platform};
use serde_json::{Value, json};

use super::{CONFIGS, Pipeline, lead, meta_config};

#[tokio::test(flavor = "multi_thread")]
async fn tiktok_40100_is_retried_until_delivered() {
    let app = App::start().await;
    let body =
        json!({"platform": "TikTok", "pixelId": "CABC123DEF456GHI789J0", "apiAccessToken": "tt"});
    let id = app.config("acme", body).await;
    // HTTP 200 with code 40100: TikTok's rate limit, not a success.
    app.mock.set_fault(
        Fault::new(Platform::Tiktok)
            .code(40100)
            .count(1)
            .path("/event/track"),
    );
    app.post_events(&[lead("acme", "tt-1")]).await;
    app.until("first attempt logged", async || {
        !app.logs("acme", &id).await.is_empty()
    })
    .await;
    let first = app.logs("acme", &id).await;
    assert_eq!(first[0]["status"], "retry", "{first:?}");
    assert!(first[0]["errorMessage"].as_str().unwrap().contains("40100"));
    assert_eq!(app.mock.received().total(Platform::Tiktok), 0);
    // TikTok's rate limit asks for a minute; flush it now.
    let report = app.tick(120_000).await;
    assert_eq!(report["delivered"], 1, "{report}");
    assert_eq!(app.mock.received().total(Platform::Tiktok), 1);
    assert_eq!(app.logs("acme", &id).await[0]["status"], "success");
}

#[tokio::test(flavor = "multi_thread")]
async fn google_partial_failure_delivers_the_good_rows_and_dead_letters_the_bad_one() {
    let app = App::start().await;
    // The Ads API upload, kept for allowlisted accounts (`googleApi: adsApi`).
    let body = json!({"platform": "Google", "pixelId": "123-456-7890", "refreshToken": "1//refresh",
                      "conversionActions": {"PURCHASE": "987654321"}, "googleApi": "adsApi"});
    let id = app.config("acme", body).await;
    let purchase = |id: &str, gclid: &str| {
        json!({"eventId": id, "event": "PURCHASE", "tenantId": "acme", "value": 49.0,
               "currency": "EUR", "customer": {"email": format!("{id}@example.com"), "gclid": gclid}})
    };
    app.post_events(&[
        purchase("g-1", "Cj0KCQiA1234567890abcdef"),
        purchase("g-2", "short"),
        purchase("g-3", "Cj0KCQiA0987654321fedcba"),
    ])
    .await;
    app.until("one dead letter", async || {
        app.dead_letters("acme", &id).await.len() == 1
    })
    .await;
    assert_eq!(app.mock.received().total(Platform::Google), 2);
    let dead = app.dead_letters("acme", &id).await;
    assert_eq!(dead[0]["eventId"], "g-2");
    assert!(
        dead[0]["reason"]
            .as_str()
            .unwrap()
            .contains("UNPARSEABLE_GCLID"),
        "{dead:?}"
    );
    // One access token exchange served the upload (cached in the configs store).
    let uploads = app
        .mock
        .requests_for(Platform::Google)
        .iter()
        .filter(|r| r.path.ends_with(":uploadClickConversions"))
        .count();
    assert_eq!(uploads, 1);
    let kpis = async || {
        app.client
            .get(
                &format!("/api/v1/marketing/tracking-stats?days=7&configId={id}"),
                &app.token("acme"),
            )
            .await
            .json()
    };
    // The counters are written just after the dead letter: wait for them.
    app.until("two successes counted", async || {
        kpis().await["succeeded"] == 2
    })
    .await;
    let k = kpis().await;
    assert_eq!(k["reconciliation"]["purchasesReceived"], 3);
    assert_eq!(k["reconciliation"]["purchasesAccepted"]["Google"], 2);
    let other = app
        .client
        .get(
            &format!("/api/v1/marketing/tracking-stats?configId={id}"),
            &app.token("other"),
        )
        .await;
    assert_eq!(other.status, 404);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_test_event_answers_the_platforms_verdict_and_is_logged_as_test() {
    let app = App::start().await;
    let mut body = meta_config("tok");
    body["testEventCode"] = json!("TEST123");
    let id = app.config("acme", body).await;
    let t = app.token("acme");
    let r = app
        .client
        .post(&format!("{CONFIGS}/{id}/test"), &t, json!({}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    assert_eq!(v["delivered"], true);
    assert_eq!(v["responseCode"], 200);
    assert_eq!(v["payload"]["test_event_code"], "TEST123");
    assert!(!r.text().contains("\"tok\""));
    // Meta keeps test events apart: nothing counted as received.
    assert_eq!(app.mock.received().total(Platform::Meta), 0);
    let logs = app.logs("acme", &id).await;
    assert_eq!(logs[0]["status"], "test");

    // The platform's refusal is its verdict (200), an unreachable platform a 502.
    app.mock.set_fault(
        Fault::new(Platform::Meta)
            .code(190)
            .count(1)
            .path("/events"),
    );
    let refused: Value = app
        .client
        .post(&format!("{CONFIGS}/{id}/test"), &t, json!({}))
        .await
        .json();
    assert_eq!(refused["delivered"], false);
    assert_eq!(refused["responseCode"], 400);
    assert!(refused["platformMessage"].as_str().is_some());
    let missing = app
        .client
        .post(
            &format!("{CONFIGS}/{id}/test"),
            &app.token("other"),
            json!({}),
        )
        .await;
    assert_eq!(missing.status, 404);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_google_401_refreshes_the_access_token_once_and_resends() {
    let app = App::start().await;
    let body = json!({"platform": "Google", "pixelId": "123-456-7890", "refreshToken": "1//refresh",
                      "conversionActions": {"LEAD": "987654322"}, "googleApi": "adsApi"});
    let _id = app.config("acme", body).await;
    let token_calls = |app: &App| {
        app.mock
            .requests_for(Platform::Google)
            .iter()
            .filter(|r| r.path == "/token")
            .count()
    };
    let before = token_calls(&app);
    app.mock.set_fault(
        Fault::new(Platform::Google)
            .status(401)
            .count(1)
            .path(":uploadClickConversions"),
    );
    let mut ev = lead("acme", "g-401");
    ev["customer"]["gclid"] = json!("Cj0KCQiA1234567890abcdef");
    app.post_events(&[ev]).await;
    app.until("delivered after the refresh", async || {
        app.mock.received().total(Platform::Google) == 1
    })
    .await;
    // One exchange for the first upload, one more after Google refused the access token.
    assert_eq!(token_calls(&app) - before, 2);
}
