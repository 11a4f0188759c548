//! What a trainer is told when the platform refuses the credentials (422, with the platform's
//! own code and words) or cannot be asked right now (502): either way nothing is stored.

use integration_tests::App;
use mock_platforms::{Fault, Platform};
use serde_json::json;

use super::CONFIGS;

#[tokio::test(flavor = "multi_thread")]
async fn a_refusal_carries_the_platforms_code_and_words_and_an_outage_is_a_502() {
    let app = App::start().await;
    let t = app.token("acme");
    let meta = json!({"platform": "Meta", "pixelId": "1234567890123", "apiAccessToken": "EAAB-ok"});

    // Meta: the pixel does not exist or is not shared with this token (100/33).
    app.mock
        .set_fault(Fault::new(Platform::Meta).code(100).subcode(33).count(1));
    let r = app.client.post(CONFIGS, &t, meta.clone()).await;
    assert_eq!(r.status, 422, "{}", r.text());
    let details = &r.json()["error"]["details"];
    assert_eq!(details["platform"], "Meta", "{details}");
    assert_eq!(details["platformCode"], 100, "{details}");
    assert!(
        details["platformMessage"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{details}"
    );

    // Meta down: a 502 that says to try again, never a verdict on the token.
    app.mock
        .set_fault(Fault::new(Platform::Meta).status(503).count(1));
    let r = app.client.post(CONFIGS, &t, meta.clone()).await;
    assert_eq!(r.status, 502, "{}", r.text());
    assert!(r.text().contains("nothing was stored"), "{}", r.text());
    assert!(!r.text().contains("EAAB-ok"), "the token never comes back");

    // TikTok's own refusal code, and Google's OAuth refusal.
    let r = app
        .client
        .post(
            CONFIGS,
            &t,
            json!({"platform": "TikTok", "pixelId": "CABC123DEF456GHI789J0", "apiAccessToken": "invalid-x"}),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.text());
    assert_eq!(r.json()["error"]["details"]["platform"], "TikTok");
    assert!(r.json()["error"]["details"]["platformCode"].is_i64());
    let r = app
        .client
        .post(
            CONFIGS,
            &t,
            json!({"platform": "Google", "pixelId": "123-456-7890", "refreshToken": "invalid-refresh",
                   "conversionActions": {"PURCHASE": "987654321"}}),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.text());
    assert_eq!(
        r.json()["error"]["details"]["platformCode"],
        "invalid_grant"
    );

    assert_eq!(app.client.get(CONFIGS, &t).await.json(), json!([]));
    // With the platform back, the same request goes through.
    let ok = app.client.post(CONFIGS, &t, meta).await;
    assert_eq!(ok.status, 201, "{}", ok.text());
}
