//! Attack 2, host squatting: tenant A claims tenant B's host (or the app's own) and serves any
//! path of it. A claim is pending, and not proxied, until a DNS TXT record proves the host; a
//! pending claim blocks nobody; the app's hosts are never claimable; a system admin releases a
//! squatted host.

use integration_tests::origin;
use integration_tests::{SITES, token_for};
use serde_json::json;

use super::{APP_HOST, dev, strict, visit};

#[tokio::test(flavor = "multi_thread")]
async fn a_claim_is_pending_until_dns_proves_it_and_a_pending_claim_blocks_nobody() {
    let app = dev().await;
    let (a, b) = (app.token("tenant-a"), app.token("tenant-b"));
    let host = "www.trainer-b.es";
    let path = format!("{SITES}/{host}");
    let evil = origin::spawn().await;
    let real = origin::spawn().await;

    // A squats B's host: pending, and the edge serves nothing of A's there.
    let squat = app
        .client
        .put(&path, &a, json!({"originUrl": evil.url()}))
        .await;
    assert_eq!(squat.status, 201, "{}", squat.text());
    let v = squat.json()["verification"].clone();
    assert_eq!(v["status"], "pending");
    assert_eq!(v["txtName"], "_trainererp.www.trainer-b.es");
    let a_value = v["txtValue"].as_str().expect("txtValue").to_owned();
    assert!(a_value.starts_with("trainererp-site-verification="));
    let page = visit(&app, host, "/sw.js", &[]).await;
    assert_eq!(page.status, 404, "{}", page.text());
    assert!(page.text().contains("pendiente de verificación"));
    assert!(evil.received().is_empty(), "a pending host is not proxied");

    // A cannot verify without controlling B's DNS: no record, then someone else's.
    let verify = format!("{path}/verify");
    let none = app.client.post(&verify, &a, json!({})).await;
    assert_eq!(none.status, 422, "{}", none.text());
    assert!(none.text().contains("_trainererp.www.trainer-b.es"));
    assert_eq!(
        none.json()["error"]["details"]["txtValue"],
        a_value.as_str()
    );

    // B, the owner, claims it too (A's pending claim is no obstacle) and proves it.
    let claim = app
        .client
        .put(&path, &b, json!({"originUrl": real.url()}))
        .await;
    assert_eq!(claim.status, 201, "{}", claim.text());
    let b_value = claim.json()["verification"]["txtValue"]
        .as_str()
        .expect("txtValue")
        .to_owned();
    assert_ne!(a_value, b_value, "the token is the tenant's");
    assert_eq!(app.client.get(&path, &a).await.status, 404, "A lost it");
    app.mock
        .add_dns_record("_trainererp.www.trainer-b.es", "TXT", &b_value);
    let mismatch = app.client.post(&verify, &a, json!({})).await;
    assert_eq!(mismatch.status, 404, "A no longer has a claim to verify");
    let ok = app.client.post(&verify, &b, json!({})).await;
    assert_eq!(ok.status, 200, "{}", ok.text());
    assert_eq!(ok.json()["verification"]["status"], "verified");

    // Verified: proxied to B's origin (once the edge's one-second memory of the pending
    // site has passed), and A gets 409 from now on.
    let mut status = 0;
    for _ in 0..50 {
        status = visit(&app, host, "/", &[]).await.status.as_u16();
        if status == 200 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(status, 200);
    assert!(!real.received().is_empty());
    let again = app
        .client
        .put(&path, &a, json!({"originUrl": evil.url()}))
        .await;
    assert_eq!(again.status, 409, "{}", again.text());
    // B's later edits keep the proof.
    let edit = app
        .client
        .put(
            &path,
            &b,
            json!({"originUrl": real.url(), "consent": {"policy": "opt-out"}}),
        )
        .await;
    assert_eq!(edit.status, 200, "{}", edit.text());
    assert_eq!(edit.json()["verification"]["status"], "verified");
    assert!(evil.received().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_txt_record_is_explained() {
    let app = strict().await;
    let a = app.token("tenant-a");
    let path = format!("{SITES}/www.ana.es");
    let r = app
        .client
        .put(&path, &a, json!({"originUrl": "https://origen.ana.es"}))
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    app.mock
        .add_dns_record("_trainererp.www.ana.es", "TXT", "v=spf1 -all");
    let wrong = app
        .client
        .post(&format!("{path}/verify"), &a, json!({}))
        .await;
    assert_eq!(wrong.status, 422, "{}", wrong.text());
    assert_eq!(
        wrong.json()["error"]["details"]["found"],
        json!(["v=spf1 -all"])
    );
    let unknown = app
        .client
        .post(&format!("{SITES}/www.nadie.es/verify"), &a, json!({}))
        .await;
    assert_eq!(unknown.status, 404);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_apps_own_hosts_are_never_claimable() {
    let app = strict().await;
    let a = app.token("tenant-a");
    for host in [APP_HOST, "APP.trainererp.test", "app.trainererp.test:3000"] {
        let r = app
            .client
            .put(
                &format!("{SITES}/{host}"),
                &a,
                json!({"originUrl": "https://origen.example.com"}),
            )
            .await;
        assert_eq!(r.status, 400, "{host}: {}", r.text());
        assert_eq!(r.json()["error"]["details"][0]["code"], "reserved");
    }
    let page = visit(&app, APP_HOST, "/sw.js", &[]).await;
    assert_eq!(page.status, 404);
    // The dashboard shares no origin with a trainer's site: it answers on the app's hosts only.
    let dash = "/dashboard/marketing/pixels/";
    let elsewhere = visit(&app, "www.trainer-a.es", dash, &[]).await;
    assert_eq!(elsewhere.status, 404);
    assert!(elsewhere.text().contains("app's own host only"));
    let home = visit(&app, APP_HOST, dash, &[]).await;
    assert!(
        !home.text().contains("app's own host only"),
        "{}",
        home.text()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_system_admin_releases_a_squatted_host() {
    let app = dev().await;
    let squatter = origin::spawn().await;
    let host = "www.secuestrado.es";
    let path = format!("{SITES}/{host}");
    // Squatted before ownership was checked: verified in the squatter's name.
    app.put_site("tenant-a", host, json!({"originUrl": squatter.url()}))
        .await;
    let b = app.token("tenant-b");
    let blocked = app
        .client
        .put(&path, &b, json!({"originUrl": "https://b.example.com"}))
        .await;
    assert_eq!(blocked.status, 409);
    // Another trainer cannot release it; a system admin can.
    assert_eq!(app.client.delete(&path, &b).await.status, 404);
    let admin = token_for("staff", "system_admin", 3600);
    assert_eq!(app.client.delete(&path, &admin).await.status, 204);
    let listed = app.client.get(SITES, &app.token("tenant-a")).await.json();
    assert_eq!(listed, json!([]), "gone from the squatter's list too");
    assert_eq!(visit(&app, host, "/", &[]).await.status, 404);
    let claim = app
        .client
        .put(&path, &b, json!({"originUrl": "https://b.example.com"}))
        .await;
    assert_eq!(claim.status, 201, "{}", claim.text());
}
