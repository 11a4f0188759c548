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
    for (pooling, want) in [(None, 1), (Some(true), 1), (Some(false), 2)] {
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
        for _ in 0..2 {
            assert_eq!(
                ok(&host, &format!("/?op=fetch&url=http://{upstream}/x")).await,
                "200 pooled"
            );
            // Lets the finished connection go back to the pool before the next request; the
            // count below does not depend on how long this takes.
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        assert_eq!(
            accepted.load(std::sync::atomic::Ordering::SeqCst),
            want,
            "connection_pooling = {pooling:?}"
        );
        host.shutdown().await;
    }
}
