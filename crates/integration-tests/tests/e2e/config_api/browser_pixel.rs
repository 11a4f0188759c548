//! The per-config browser pixel switch and Google's tag fields, through the API.

use integration_tests::{Answer, App};
use serde_json::{Value, json};

use super::{CONFIGS, meta};

/// The `(field, code)` pairs of a 400's details.
fn field_errors(r: &Answer) -> Vec<(String, String)> {
    r.json()["error"]["details"]
        .as_array()
        .map(|ds| {
            ds.iter()
                .map(|d| {
                    let s = |k: &str| d[k].as_str().unwrap_or("").to_owned();
                    (s("field"), s("code"))
                })
                .collect()
        })
        .unwrap_or_default()
}

fn pair(field: &str, code: &str) -> (String, String) {
    (field.to_owned(), code.to_owned())
}

#[tokio::test(flavor = "multi_thread")]
async fn the_browser_pixel_is_switched_per_config_and_google_needs_its_tag() {
    let app = App::start().await;
    let t = app.token("acme");

    // Meta: on at creation, shown, then off by PATCH.
    let mut body = meta("1234567890123", "EAAB-tok");
    body["browserPixel"] = json!(true);
    let created = app.client.post(CONFIGS, &t, body).await;
    assert_eq!(created.status, 201, "{}", created.text());
    let created = created.json();
    assert_eq!(created["browserPixel"], true);
    assert!(created.get("googleTagId").is_none(), "{created}");
    let listed = app.client.get(CONFIGS, &t).await.json();
    assert_eq!(listed[0]["browserPixel"], true);
    let path = format!("{CONFIGS}/{}", created["id"].as_str().unwrap());
    let off = app
        .client
        .patch(&path, &t, json!({"browserPixel": false}))
        .await;
    assert_eq!(off.status, 200, "{}", off.text());
    assert_eq!(off.json()["browserPixel"], false);
    assert_eq!(
        app.client.get(CONFIGS, &t).await.json()[0]["browserPixel"],
        false
    );

    // Google with the browser pixel but no tag id: refused, nothing stored.
    let google = |extra: Value| {
        let mut body = json!({"platform": "Google", "pixelId": "123-456-7890",
                              "refreshToken": "1//refresh", "conversionActions": {"PURCHASE": "987654321"},
                              "browserPixel": true});
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        body
    };
    let no_tag = app.client.post(CONFIGS, &t, google(json!({}))).await;
    assert_eq!(no_tag.status, 400, "{}", no_tag.text());
    assert_eq!(field_errors(&no_tag), [pair("googleTagId", "required")]);
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

    // With the tag id and a label: created and shown, on create and on a later GET.
    let tagged = app
        .client
        .post(
            CONFIGS,
            &t,
            google(json!({"googleTagId": "AW-123456789",
                          "conversionLabels": {"PURCHASE": "abc_DEF-123"}})),
        )
        .await;
    assert_eq!(tagged.status, 201, "{}", tagged.text());
    assert!(!tagged.text().contains("1//refresh"));
    let g = tagged.json();
    assert_eq!(g["browserPixel"], true);
    assert_eq!(g["googleTagId"], "AW-123456789");
    assert_eq!(g["conversionLabels"], json!({"PURCHASE": "abc_DEF-123"}));
    let listed = app.client.get(CONFIGS, &t).await.json();
    let shown = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == g["id"])
        .expect("the Google config is listed");
    assert_eq!(shown["googleTagId"], "AW-123456789");
    assert_eq!(shown["conversionLabels"]["PURCHASE"], "abc_DEF-123");

    // Clearing the tag id while the pixel is on is refused; off and cleared together is not.
    let g_path = format!("{CONFIGS}/{}", g["id"].as_str().unwrap());
    let cleared = app
        .client
        .patch(&g_path, &t, json!({"googleTagId": null}))
        .await;
    assert_eq!(cleared.status, 400, "{}", cleared.text());
    assert_eq!(field_errors(&cleared), [pair("googleTagId", "required")]);
    let off = app
        .client
        .patch(
            &g_path,
            &t,
            json!({"browserPixel": false, "googleTagId": null, "conversionLabels": null}),
        )
        .await;
    assert_eq!(off.status, 200, "{}", off.text());
    let off = off.json();
    assert_eq!(off["browserPixel"], false);
    assert_eq!(off["googleTagId"], Value::Null);
    assert_eq!(off["conversionLabels"], json!({}));

    // A bad label names its event; the Google fields on a Meta config are refused.
    let bad = app
        .client
        .patch(&g_path, &t, json!({"conversionLabels": {"NOPE": "abc"}}))
        .await;
    assert_eq!(bad.status, 400, "{}", bad.text());
    assert_eq!(
        field_errors(&bad),
        [pair("conversionLabels.NOPE", "unknown_event")]
    );
    let mut body = meta("1234567890999", "EAAB-tok");
    body["googleTagId"] = json!("AW-123456789");
    let on_meta = app.client.post(CONFIGS, &t, body).await;
    assert_eq!(on_meta.status, 400, "{}", on_meta.text());
    assert_eq!(
        field_errors(&on_meta),
        [pair("googleTagId", "unknown_field")]
    );
    let on_meta = app
        .client
        .patch(&path, &t, json!({"googleTagId": "AW-123456789"}))
        .await;
    assert_eq!(on_meta.status, 400, "{}", on_meta.text());
}
