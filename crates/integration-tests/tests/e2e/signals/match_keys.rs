//! A backend event with every match key reaches Meta, TikTok and Google (Data Manager, the
//! default for new configs) normalised the way each documents it, and the KPIs say which missing key would help most.

use integration_tests::App;
use mock_platforms::Platform;
use pixel_core::hash::HashedValue;
use serde_json::{Value, json};

use super::{post_events, until};

const TENANT: &str = "t-keys";

fn h(s: &str) -> Value {
    json!(HashedValue::hash(s).as_str())
}

/// The lead's row as `platform` received it: Meta and TikTok `data[]` by `event_id`, Google's
/// Data Manager `events[]` of a live (not `validateOnly`) `events:ingest`.
fn row(app: &App, platform: Platform) -> Option<Value> {
    let posts = app
        .mock
        .requests_for(platform)
        .into_iter()
        .filter(|r| r.method == "POST");
    if platform == Platform::Google {
        return posts
            .filter(|r| r.path.ends_with("events:ingest") && r.body["validateOnly"] != true)
            .flat_map(|r| r.body["events"].as_array().cloned().unwrap_or_default())
            .next();
    }
    posts
        .flat_map(|r| r.body["data"].as_array().cloned().unwrap_or_default())
        .find(|r| r["event_id"] == "lead-keys-1")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_backend_event_with_every_match_key_reaches_each_platform_normalised() {
    let app = App::start().await;
    app.create_config(
        TENANT,
        json!({"platform": "Meta", "pixelId": "1234567890123", "apiAccessToken": "tok"}),
    )
    .await;
    app.create_config(
        TENANT,
        json!({"platform": "TikTok", "pixelId": "CKEYS0123456789", "apiAccessToken": "tok"}),
    )
    .await;
    app.create_config(
        TENANT,
        json!({"platform": "Google", "pixelId": "123-456-7890", "refreshToken": "1//refresh",
               "conversionActions": {"LEAD": "987654321"}}),
    )
    .await;
    let lead = json!({"eventId": "lead-keys-1", "event": "lead.registrado", "tenantId": TENANT,
        "customer": {"email": " Joe.Smith@Example.com", "phone": "+1 (650) 555-1212",
            "firstName": "Joe", "lastName": "Smith", "city": "Menlo Park", "region": "CA",
            "postalCode": "94025-1234", "country": "us", "dateOfBirth": "1997-02-16",
            "gender": "Female", "externalId": "crm-77"}});
    post_events(&app, &[lead]).await;
    until("Meta, TikTok and Google got the lead", async || {
        [Platform::Meta, Platform::Tiktok, Platform::Google]
            .into_iter()
            .all(|p| row(&app, p).is_some())
    })
    .await;

    let meta = row(&app, Platform::Meta).unwrap()["user_data"].clone();
    for (key, want) in [
        ("em", h("joe.smith@example.com")),
        ("ph", h("16505551212")),
        ("fn", h("joe")),
        ("ln", h("smith")),
        ("ct", h("menlopark")),
        ("st", h("ca")),
        ("zp", h("94025")),
        ("country", h("us")),
        ("db", h("19970216")),
        ("ge", h("f")),
        ("external_id", h("crm-77")),
    ] {
        assert_eq!(meta[key], want, "Meta {key}: {meta}");
    }
    let tiktok = row(&app, Platform::Tiktok).unwrap()["user"].clone();
    for (key, want) in [
        ("phone", h("+16505551212")),
        ("zip_code", h("94025")),
        ("external_id", h("crm-77")),
        ("city", json!("menlopark")),
        ("state", json!("ca")),
        ("country", json!("us")),
    ] {
        assert_eq!(tiktok[key], want, "TikTok {key}: {tiktok}");
    }
    let google = row(&app, Platform::Google).unwrap()["userData"]["userIdentifiers"].clone();
    let address = google
        .as_array()
        .unwrap()
        .iter()
        .find_map(|i| i.get("address"))
        .cloned()
        .unwrap_or_else(|| panic!("no address identifier: {google}"));
    assert_eq!(
        address,
        json!({"givenName": h("joe"), "familyName": h("smith"),
               "regionCode": "US", "postalCode": "94025"})
    );
    assert!(
        google
            .as_array()
            .unwrap()
            .contains(&json!({"phoneNumber": h("+16505551212")})),
        "{google}"
    );

    // Nothing raw was stored on the way: the queue and logs hold hashes only.
    for label in ["queue", "logs"] {
        for (k, v) in app.kv_dump(label) {
            let text = String::from_utf8_lossy(&v);
            for raw in ["Joe", "Smith", "Menlo", "1997-02-16", "555-1212"] {
                assert!(!text.contains(raw), "{raw} stored in {label}/{k}");
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn malformed_match_keys_are_refused_with_the_field() {
    let app = App::start().await;
    let bad = json!({"eventId": "bad-1", "event": "LEAD", "tenantId": TENANT,
        "customer": {"email": "a@b.es", "country": "Spain", "dateOfBirth": "31/12/1990"}});
    // One object, not a batch: a single bad item answers 400 with its fields.
    let body = serde_json::to_vec(&bad).unwrap();
    let sig = integration_tests::signature(&body);
    let a = app
        .client
        .send(
            http::Method::POST,
            "/api/v1/events",
            &[("content-type", "application/json"), ("x-signature", &sig)],
            body,
        )
        .await;
    assert!(a.status.is_client_error(), "{}", a.text());
    let text = a.text();
    assert!(text.contains("customer.country"), "{text}");
    assert!(text.contains("customer.dateOfBirth"), "{text}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_kpis_say_which_missing_key_would_help_most() {
    let app = App::start().await;
    app.create_config(
        TENANT,
        json!({"platform": "Meta", "pixelId": "1234567890123", "apiAccessToken": "tok"}),
    )
    .await;
    // E-mail only: the phone is the most valuable key missing from every event.
    let leads: Vec<Value> = (0..3)
        .map(|i| {
            json!({"eventId": format!("l-{i}"), "event": "LEAD", "tenantId": TENANT,
                        "customer": {"email": format!("l{i}@example.com")}})
        })
        .collect();
    post_events(&app, &leads).await;
    let stats = async || {
        app.client
            .get(
                "/api/v1/marketing/tracking-stats?days=7",
                &app.token(TENANT),
            )
            .await
            .json()
    };
    until("three deliveries counted", async || {
        stats().await["matchHints"]["Meta"][0]["events"] == 3
    })
    .await;
    let hints = stats().await["matchHints"]["Meta"].clone();
    assert_eq!(hints[0]["key"], "phone", "{hints}");
    assert_eq!(hints[0]["missingShare"], 1.0, "{hints}");
    assert!(
        hints
            .as_array()
            .unwrap()
            .iter()
            .all(|h| h["key"] != "email"),
        "{hints}"
    );
}
