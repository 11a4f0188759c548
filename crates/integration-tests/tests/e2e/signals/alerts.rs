//! Alerts: a token revoked at the platform raises one alert, listed by the API, that clears by
//! itself once a PATCH brings a token that works. (The signed webhook is not built yet.)

use integration_tests::{App, CONFIGS};
use mock_platforms::{Fault, Platform};
use serde_json::{Value, json};

use super::{post_events, until};

const TENANT: &str = "t-alerts";

async fn alerts(app: &App) -> Vec<Value> {
    let a = app
        .client
        .get("/api/v1/marketing/alerts", &app.token(TENANT))
        .await;
    assert_eq!(a.status, 200, "{}", a.text());
    a.json()["alerts"].as_array().cloned().unwrap_or_default()
}

fn lead(id: &str) -> Value {
    json!({"eventId": id, "event": "LEAD", "tenantId": TENANT,
           "customer": {"email": format!("{id}@example.com")}})
}

#[tokio::test(flavor = "multi_thread")]
async fn a_revoked_token_raises_one_alert_that_clears_after_a_patch_with_a_good_token() {
    let app = App::start().await;
    let config = app
        .create_config(
            TENANT,
            json!({"platform": "Meta", "pixelId": "1234567890123", "apiAccessToken": "good"}),
        )
        .await;
    let id = config["id"].as_str().unwrap().to_owned();
    assert!(alerts(&app).await.is_empty());
    // Meta says the token was revoked (190) on the next deliveries.
    app.mock.set_fault(
        Fault::new(Platform::Meta)
            .code(190)
            .count(1)
            .path("/events"),
    );
    post_events(&app, &[lead("a-1")]).await;
    until("the alert is raised", async || {
        !alerts(&app).await.is_empty()
    })
    .await;
    // More failing traffic does not raise it twice: one cause, one alert.
    post_events(&app, &[lead("a-2"), lead("a-3")]).await;
    let open = alerts(&app).await;
    assert_eq!(open.len(), 1, "{open:?}");
    assert_eq!(open[0]["kind"], "credentials_refused");
    assert_eq!(open[0]["configId"], id.as_str());
    assert_eq!(open[0]["platform"], "Meta");
    // No token in the answer.
    assert!(!serde_json::to_string(&open).unwrap().contains("good"));

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
        alerts(&app).await.is_empty()
    })
    .await;
    // Another tenant never sees it.
    let other = app
        .client
        .get("/api/v1/marketing/alerts", &app.token("someone-else"))
        .await;
    assert_eq!(other.json()["alerts"], json!([]));
}
