//! The lesser items of issue 12: JWTs of other services, `Range` requests, and retiring an old
//! encryption key. (Framing, cookie domains, AES-GCM contexts and zero nonces are unit-tested
//! in the dashboard, the collector and pixel-core.)

use std::sync::Arc;
use std::time::Duration;

use http::Method;
use integration_tests::origin;
use integration_tests::{App, CONFIGS, JWT_SECRET, TOKEN_KEY, loopback, now_secs, token_for};
use jsonwebtoken::{EncodingKey, Header, encode};
use mock_platforms::Platform;
use serde_json::{Value, json};

use crate::collector::{Edge, GRANTED, post_signed};

fn jwt(claims: Value) -> String {
    encode(
        &Header::default(),
        &claims,
        &EncodingKey::from_secret(JWT_SECRET.as_bytes()),
    )
    .expect("jwt")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_token_signed_for_another_service_is_refused() {
    let app = App::start().await;
    let exp = now_secs() + 600;
    let base = json!({"sub": "u", "tenant": "t1", "role": "trainer_admin", "exp": exp});
    let with = |extra: Value| {
        let mut c = base.clone();
        for (k, v) in extra.as_object().expect("object") {
            c[k] = v.clone();
        }
        jwt(c)
    };
    for (token, why) in [
        (with(json!({"iss": "trainererp", "aud": "billing"})), "aud"),
        (
            with(json!({"iss": "other-idp", "aud": "pixel-manager"})),
            "iss",
        ),
        (with(json!({"iss": "trainererp"})), "aud"),
        (with(json!({"aud": "pixel-manager"})), "iss"),
    ] {
        let r = app.client.get(CONFIGS, &token).await;
        assert_eq!(r.status, 401, "{}", r.text());
        assert!(r.text().contains(why), "{why}: {}", r.text());
    }
    let good = with(json!({"iss": "trainererp", "aud": "pixel-manager"}));
    assert_eq!(app.client.get(CONFIGS, &good).await.status, 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_range_request_is_neither_tracked_nor_spliced() {
    let edge = Edge::start().await;
    let a = edge
        .visit(
            Method::GET,
            "/big",
            Some(GRANTED),
            &[("range", "bytes=0-99")],
            vec![],
        )
        .await;
    assert_eq!(a.status, 200);
    assert_eq!(
        a.text(),
        origin::big_page(),
        "the origin's bytes, untouched"
    );
    assert_eq!(edge.tracked().await, 0, "no event for a partial fetch");
    // The same page without Range is a page view with its pixel.
    let full = edge
        .visit(Method::GET, "/big", Some(GRANTED), &[], vec![])
        .await;
    assert!(full.text().contains("data-trainererp-pixel"));
}

/// Tick the dispatcher until Meta accepted `n` Leads of `pixel` (or give up).
async fn meta_leads(app: &App, pixel: &str, n: u64) -> u64 {
    let admin = token_for("ops", "system_admin", 600);
    for _ in 0..60 {
        let tick = "/api/v1/marketing/dispatcher/tick";
        app.client.post(tick, &admin, json!({})).await;
        let got = app.mock.received().count(Platform::Meta, pixel, "Lead");
        if got >= n {
            return got;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    app.mock.received().count(Platform::Meta, pixel, "Lead")
}

#[tokio::test(flavor = "multi_thread")]
async fn an_old_encryption_key_is_retired_after_the_reencryption_sweep() {
    let mock = Arc::new(mock_platforms::spawn(loopback()).await.expect("mock"));
    let dir = std::env::temp_dir().join(format!("pm-rekey-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let stores = integration_tests::sqlite_stores(&dir);
    let new_key = "BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=";
    let pixel = "5550001112223";
    {
        let app = App::start_on(mock.clone(), &[], stores.clone()).await;
        app.create_config(
            "t-keys",
            json!({"platform": "Meta", "pixelId": pixel, "apiAccessToken": "EAAB-rotate-me"}),
        )
        .await;
    }
    {
        let rotating = [
            ("token_encryption_key", new_key),
            ("token_encryption_previous_keys", TOKEN_KEY),
        ];
        let app = App::start_on(mock.clone(), &rotating, stores.clone()).await;
        let path = "/api/v1/marketing/token-keys/reencrypt";
        let trainer = app.client.post(path, &app.token("t-keys"), json!({})).await;
        assert_eq!(trainer.status, 403, "{}", trainer.text());
        let admin = token_for("ops", "system_admin", 600);
        let swept = app.client.post(path, &admin, json!({})).await;
        assert_eq!(swept.status, 200, "{}", swept.text());
        let body = swept.json();
        assert_eq!(body["reencrypted"], 1, "{body}");
        assert_eq!(body["remainingOnOldKeys"], 0, "{body}");
        assert!(!swept.text().contains("EAAB-rotate-me"));
        let again = app.client.post(path, &admin, json!({})).await.json();
        assert_eq!(
            (
                again["reencrypted"].clone(),
                again["alreadyCurrent"].clone()
            ),
            (json!(0), json!(1))
        );
    }
    // The old key is gone from the variables: the token still decrypts and events go out.
    let app = App::start_on(mock.clone(), &[("token_encryption_key", new_key)], stores).await;
    let lead = json!({"eventId": "rekey-1", "event": "lead.registrado", "tenantId": "t-keys",
                      "customer": {"email": "a@example.com"}});
    let r = post_signed(&app, &lead).await;
    assert_eq!(r.status, 202, "{}", r.text());
    assert_eq!(meta_leads(&app, pixel, 1).await, 1);
    let _ = std::fs::remove_dir_all(&dir);
}
