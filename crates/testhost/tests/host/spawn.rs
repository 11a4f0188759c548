//! Work spawned after the response runs to completion, and `files` mounts are readable.

use crate::support::*;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spawned_work_completes_after_the_response() {
    let host = start(config(&probe_app("spawn"))).await;
    assert_eq!(
        ok(&host, "/?op=spawn&label=alpha&key=bg&ms=300").await,
        "accepted"
    );
    // Poll storage, bounded: the assertion is on the outcome, not on how long it took.
    let mut value = None;
    for _ in 0..600 {
        value = host.kv_get("alpha", "bg").unwrap();
        if value.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(value.as_deref(), Some(&b"done"[..]));
    host.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_mount_is_readable() {
    let host = start(config(&probe_app("files"))).await;
    assert_eq!(
        ok(&host, "/?op=file&path=/static/hello.txt").await,
        "hello from a files mount"
    );
    host.shutdown().await;
}
