//! Sites: the edge's map from hostname to tenant.

use integration_tests::App;
use serde_json::json;

#[tokio::test(flavor = "multi_thread")]
async fn a_host_belongs_to_one_tenant() {
    let app = App::start().await;
    let (a, b) = (app.token("tenant-a"), app.token("tenant-b"));
    let path = "/api/v1/marketing/sites/www.entrena-con-ana.es";
    let created = app
        .client
        .put(
            path,
            &a,
            json!({"originUrl": "https://origin.entrena-con-ana.es"}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text());
    let site = created.json();
    assert_eq!(site["consent"]["cookie"], "tr_consent");
    assert_eq!(site["consent"]["policy"], "opt-in");
    assert!(
        site["rules"]["thankYouPaths"]
            .as_array()
            .is_some_and(|p| !p.is_empty())
    );

    let updated = app
        .client
        .put(path, &a, json!({"originUrl": "https://origin2.entrena-con-ana.es", "consent": {"policy": "opt-out"}, "rules": {"leadPaths": ["/reserva"]}}))
        .await;
    assert_eq!(updated.status, 200, "{}", updated.text());
    assert_eq!(updated.json()["rules"]["leadPaths"], json!(["/reserva"]));
    assert_eq!(updated.json()["createdAt"], site["createdAt"]);

    // A proves the host is theirs (a pending claim would not keep B out: tests/e2e/security).
    let txt = updated.json()["verification"].clone();
    let (name, value) = (txt["txtName"].as_str(), txt["txtValue"].as_str());
    app.mock
        .add_dns_record(name.unwrap_or(""), "TXT", value.unwrap_or(""));
    let verify = format!("{path}/verify");
    assert_eq!(app.client.post(&verify, &a, json!({})).await.status, 200);

    let stolen = app
        .client
        .put(path, &b, json!({"originUrl": "https://evil.example.com"}))
        .await;
    assert_eq!(stolen.status, 409, "{}", stolen.text());
    assert_eq!(app.client.get(path, &b).await.status, 404);
    assert_eq!(app.client.delete(path, &b).await.status, 404);
    assert_eq!(
        app.client.get("/api/v1/marketing/sites", &b).await.json(),
        json!([])
    );

    let listed = app.client.get("/api/v1/marketing/sites", &a).await.json();
    assert_eq!(listed.as_array().map(Vec::len), Some(1));
    assert_eq!(listed[0]["originUrl"], "https://origin2.entrena-con-ana.es");

    let bad = app
        .client
        .put(
            path,
            &a,
            json!({"originUrl": "ftp://x", "rules": {"leadPaths": ["nope"]}}),
        )
        .await;
    assert_eq!(bad.status, 400);
    assert_eq!(
        app.client
            .get("/api/v1/marketing/sites/not..a..host", &a)
            .await
            .status,
        400
    );

    assert_eq!(app.client.delete(path, &a).await.status, 204);
    assert_eq!(app.client.get(path, &a).await.status, 404);
    // Once released, another tenant may claim it.
    assert_eq!(
        app.client
            .put(path, &b, json!({"originUrl": "https://b.example.com"}))
            .await
            .status,
        201
    );
}
