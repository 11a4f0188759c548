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
