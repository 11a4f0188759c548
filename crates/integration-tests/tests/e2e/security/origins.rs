//! Attack 1, SSRF: a trainer maps a host to an internal address and reads it through the edge.
//! Refused when the site is saved (400 naming the reason), again before every forward (the
//! policy may have changed), and at connect time for names that resolve inside
//! (`block_networks`); the edge never proxies to itself and unknown hosts get a 404 page.

use integration_tests::origin;
use integration_tests::{App, SITES, loopback};
use serde_json::json;
use std::sync::Arc;

use super::{APP_HOST, dev, strict, visit};

#[tokio::test(flavor = "multi_thread")]
async fn internal_origins_are_refused_when_a_site_is_saved_and_say_why() {
    let app = strict().await;
    let token = app.token("tenant-a");
    let path = format!("{SITES}/www.trainer-a.es");
    for (origin, why) in [
        ("http://127.0.0.1:8080", "loopback"),
        ("http://169.254.169.254", "link-local"),
        ("http://10.0.0.5", "private network"),
        ("http://192.168.1.10:3000", "private network"),
        ("http://2130706433", "dotted IPv4"),
        ("http://0x7f.1", "dotted IPv4"),
        ("http://localhost:3000", "local network name"),
        ("http://dispatcher.spin.internal", "spin.internal"),
        ("http://app.trainererp.test", "own host name"),
        ("https://www.trainer-a.es", "site's own host"),
    ] {
        let r = app
            .client
            .put(&path, &token, json!({"originUrl": origin}))
            .await;
        assert_eq!(r.status, 400, "{origin}: {}", r.text());
        let body = r.json();
        assert_eq!(body["error"]["details"][0]["field"], "originUrl", "{body}");
        assert_eq!(
            body["error"]["details"][0]["code"], "forbidden_origin",
            "{body}"
        );
        let message = body["error"]["details"][0]["message"]
            .as_str()
            .unwrap_or("");
        assert!(message.contains(why), "{origin}: {message}");
    }
    // Nothing was half-written by the refusals.
    assert_eq!(app.client.get(&path, &token).await.status, 404);
    // A public origin is fine (and the site starts pending).
    let ok = app
        .client
        .put(
            &path,
            &token,
            json!({"originUrl": "https://origin.trainer-a.es"}),
        )
        .await;
    assert_eq!(ok.status, 201, "{}", ok.text());
    assert_eq!(ok.json()["verification"]["status"], "pending");
}

/// A runtime config with SQLite stores in `dir` and, optionally, `block_networks`.
fn stores(dir: &std::path::Path, block: bool) -> testhost::KvBackend {
    std::fs::create_dir_all(dir).expect("stores dir");
    let mut text: String = ["default", "configs", "queue", "logs", "stats"]
        .iter()
        .map(|l| format!("[key_value_store.{l}]\ntype = \"spin\"\npath = \"{l}.db\"\n\n"))
        .collect();
    if block {
        text.push_str("[outbound_networking]\nblock_networks = [\"private\"]\n");
    }
    let file = dir.join(if block { "blocked.toml" } else { "open.toml" });
    std::fs::write(&file, text).expect("runtime config");
    testhost::KvBackend::Sqlite {
        runtime_config: Some(file),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_origin_is_checked_again_at_every_forward_and_at_connect_time() {
    let internal = origin::spawn().await;
    let port = internal.addr.port();
    let mock = Arc::new(mock_platforms::spawn(loopback()).await.expect("mock"));
    let dir = std::env::temp_dir().join(format!("pm-ssrf-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let host = "www.rebind.es";
    // Saved while local origins were allowed (development), by a name that resolves to
    // loopback, the way a public name can be re-pointed after the check.
    {
        let dev = [("allow_private_origins", "true")];
        let app = App::start_on(mock.clone(), &dev, stores(&dir, false)).await;
        let origin_url = format!("http://localhost:{port}");
        app.put_site("tenant-a", host, json!({"originUrl": origin_url}))
            .await;
        assert_eq!(visit(&app, host, "/", &[]).await.status, 200);
    }
    let seen = internal.received().len();
    // Production's runtime config: the name now resolves to a blocked network.
    {
        let dev = [("allow_private_origins", "true")];
        let app = App::start_on(mock.clone(), &dev, stores(&dir, true)).await;
        let r = visit(&app, host, "/secreto", &[]).await;
        assert_eq!(r.status, 502, "{}", r.text());
        assert_eq!(
            internal.received().len(),
            seen,
            "nothing reached the origin"
        );
    }
    // Production's switch: the stored origin is refused before any connection.
    {
        let prod = [("allow_private_origins", "false")];
        let app = App::start_on(mock.clone(), &prod, stores(&dir, false)).await;
        let r = visit(&app, host, "/secreto", &[]).await;
        assert_eq!(r.status, 502, "{}", r.text());
        assert!(r.text().contains("Origen no permitido"), "{}", r.text());
        assert_eq!(
            internal.received().len(),
            seen,
            "nothing reached the origin"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_edge_never_proxies_to_itself_and_unknown_hosts_get_a_404_page() {
    let app = dev().await;
    // A site whose origin is the app itself (its loopback address, allowed in development).
    let own = format!("http://{}", app.host.addr);
    app.put_site("tenant-a", "www.loop.es", json!({"originUrl": own}))
        .await;
    let r = visit(&app, "www.loop.es", "/", &[]).await;
    assert_eq!(r.status, 508, "the second hop refuses: {}", r.text());
    // The marker cannot be used from outside to get anything else either.
    let marked = visit(&app, "www.loop.es", "/", &[("x-trainererp-edge", "1")]).await;
    assert_eq!(marked.status, 508);

    for host in ["nadie.example.com", APP_HOST, "127.0.0.1"] {
        let r = visit(&app, host, "/", &[]).await;
        assert_eq!(r.status, 404, "{host}: {}", r.text());
        assert!(r.text().contains("no está configurado"), "{}", r.text());
    }
    // The app's own paths are never an origin's, whatever the host.
    let internal = origin::spawn().await;
    app.put_site(
        "tenant-a",
        "www.ana.es",
        json!({"originUrl": internal.url()}),
    )
    .await;
    let r = visit(&app, "www.ana.es", "/api/v1/marketing/dispatcher/tick", &[]).await;
    assert_eq!(
        r.status,
        405,
        "the API answers, not the origin: {}",
        r.text()
    );
    assert!(internal.received().is_empty());
}
