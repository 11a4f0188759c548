//! Route precedence, private routes, Spin's headers and service chaining.

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn most_specific_route_wins() {
    let host = start(config(&probe_app("routes"))).await;
    let table = [
        ("/", "probe|/...|/"),
        ("/zzz", "probe|/...|/zzz"),
        ("/a", "wild-a|/a/...|"),
        ("/a/x", "wild-a|/a/...|/x"),
        ("/ab", "probe|/...|/ab"),
        ("/a/b", "exact|/a/b|"),
        ("/a/b/c/d", "wild-ab|/a/b/...|/c/d"),
    ];
    for (path, want) in table {
        assert_eq!(ok(&host, path).await, want, "{path}");
    }
    host.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spin_headers_are_set() {
    let host = start(config(&probe_app("headers"))).await;
    let body = ok(&host, "/a/x/y?op=headers").await;
    for want in [
        format!("spin-full-url=http://{}/a/x/y?op=headers", host.addr),
        "spin-path-info=/x/y".to_string(),
        "spin-matched-route=/a/...".to_string(),
        "spin-component-route=/a".to_string(),
        "spin-base-path=/".to_string(),
        "spin-client-addr=127.0.0.1:".to_string(),
    ] {
        assert!(body.contains(&want), "{want:?} missing in:\n{body}");
    }
    host.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn private_route_is_404_from_outside_but_reachable_by_chaining() {
    let app = probe_app("private");
    // Without the catch-all, nothing outside reaches `private`.
    let text = std::fs::read_to_string(&app.manifest)
        .unwrap()
        .replace("route = \"/...\"", "route = \"/probe/...\"");
    std::fs::write(&app.manifest, text).unwrap();
    let host = start(config(&app)).await;
    for path in ["/", "/private", "/private/x"] {
        let (status, _) = get(host.addr, path).await.unwrap();
        assert_eq!(status, 404, "{path}");
    }
    let body = ok(
        &host,
        "/probe/?op=fetch&url=http://private.spin.internal/hi",
    )
    .await;
    assert_eq!(body, "200 private|/...|/hi");
    host.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chaining_needs_the_target_in_allowed_outbound_hosts() {
    let host = start(config(&probe_app("chain-denied"))).await;
    let body = ok(&host, "/a/b?op=fetch&url=http://private.spin.internal/").await;
    assert!(body.contains("HttpRequestDenied"), "{body}");
    host.shutdown().await;
}
