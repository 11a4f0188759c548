//! `allowed_outbound_hosts`, with a `{{ var }}` template resolved at load.

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn allowed_host_is_reached_and_others_are_denied() {
    let allowed = upstream("allowed").await;
    let other = upstream("other").await;
    let app = probe_app("outbound");
    let mut cfg = config(&app);
    cfg.variables
        .push(("allowed_host".into(), format!("http://{allowed}")));
    let host = start(cfg).await;

    assert_eq!(
        ok(&host, &format!("/?op=fetch&url=http://{allowed}/x")).await,
        "200 allowed"
    );
    // `other` is up: only the host's policy can make this fail.
    let denied = ok(&host, &format!("/?op=fetch&url=http://{other}/x")).await;
    assert!(denied.contains("HttpRequestDenied"), "{denied}");
    host.shutdown().await;
}

/// Two requests to one origin: one TCP connection with Spin's default pooling, two with
/// `[outbound_http] connection_pooling = false` in the runtime config.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outbound_connections_are_pooled_unless_the_runtime_config_says_not() {
    const REQUESTS: usize = 4;
    for pooling in [None, Some(true), Some(false)] {
        let (upstream, accepted) = counting_upstream("pooled").await;
        let app = probe_app("pooling");
        let mut cfg = config(&app);
        cfg.variables
            .push(("allowed_host".into(), format!("http://{upstream}")));
        if let Some(pooling) = pooling {
            let mut text = std::fs::read_to_string(&app.runtime_config).unwrap();
            text.push_str(&format!(
                "\n[outbound_http]\nconnection_pooling = {pooling}\n"
            ));
            std::fs::write(&app.runtime_config, text).unwrap();
            cfg.kv = testhost::KvBackend::Sqlite {
                runtime_config: Some(app.runtime_config.clone()),
            };
        }
        let host = start(cfg).await;
        for _ in 0..REQUESTS {
            assert_eq!(
                ok(&host, &format!("/?op=fetch&url=http://{upstream}/x")).await,
                "200 pooled"
            );
            // Lets the finished connection go back to the pool before the next request.
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        let accepted = accepted.load(std::sync::atomic::Ordering::SeqCst);
        if pooling == Some(false) {
            assert_eq!(accepted, REQUESTS, "a new connection per request");
        } else {
            // One connection, unless a loaded machine kept a connection from returning to the
            // pool within the pause: still far fewer than one per request.
            assert!(
                accepted <= REQUESTS / 2,
                "connection_pooling = {pooling:?}: {accepted} connections for {REQUESTS} requests"
            );
        }
        host.shutdown().await;
    }
}
