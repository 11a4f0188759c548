//! Key-value labels: isolation, access control, persistence across a restart (SQLite), and
//! exact `increment` / compare-and-swap under concurrent requests.

use crate::support::*;
use std::sync::Arc;
use testhost::KvBackend;
use tokio::sync::Semaphore;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn labels_are_isolated_and_ungranted_labels_denied() {
    let host = start(config(&probe_app("labels"))).await;
    assert_eq!(
        ok(&host, "/?op=kv-set&label=alpha&key=k&value=one").await,
        "ok"
    );
    assert_eq!(
        ok(&host, "/?op=kv-set&label=beta&key=k&value=two").await,
        "ok"
    );
    assert_eq!(
        ok(&host, "/?op=kv-set&label=beta&key=only-beta&value=x").await,
        "ok"
    );
    assert_eq!(ok(&host, "/?op=kv-get&label=alpha&key=k").await, "one");
    assert_eq!(ok(&host, "/?op=kv-keys&label=alpha").await, "k");
    assert_eq!(
        host.kv_get("beta", "k").unwrap().as_deref(),
        Some(&b"two"[..])
    );
    // `gamma` exists (granted to `private`) but not to `probe`; `nope` exists nowhere.
    for label in ["gamma", "nope"] {
        let body = ok(&host, &format!("/?op=kv-get&label={label}&key=k")).await;
        assert!(body.contains("AccessDenied"), "{label}: {body}");
    }
    host.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn data_survive_a_restart_in_sqlite() {
    let app = probe_app("restart");
    let sqlite = KvBackend::Sqlite {
        runtime_config: Some(app.runtime_config.clone()),
    };
    let mut cfg = config(&app);
    cfg.kv = sqlite.clone();
    let host = start(cfg.clone()).await;
    assert_eq!(
        ok(&host, "/?op=kv-set&label=alpha&key=kept&value=yes").await,
        "ok"
    );
    host.shutdown().await;

    let host = start(cfg).await;
    assert_eq!(ok(&host, "/?op=kv-get&label=alpha&key=kept").await, "yes");
    assert_eq!(
        host.kv_dump("alpha").unwrap(),
        vec![("kept".to_string(), b"yes".to_vec())]
    );
    assert!(host.kv_dump("beta").unwrap().is_empty());
    assert!(app.dir.join("data/alpha.db").exists());
    host.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_label_fails_at_load() {
    let app = probe_app("unknown-label");
    let text = std::fs::read_to_string(&app.manifest)
        .unwrap()
        .replace("[\"alpha\", \"beta\"]", "[\"alpha\", \"delta\"]");
    std::fs::write(&app.manifest, text).unwrap();
    let mut cfg = config(&app);
    cfg.kv = KvBackend::Sqlite {
        runtime_config: Some(app.runtime_config.clone()),
    };
    let err = testhost::start(cfg, loopback())
        .await
        .err()
        .expect("start must fail");
    assert!(format!("{err:#}").contains("\"delta\""), "{err:#}");
}

/// `n` concurrent requests to `path` (at most 64 in flight), returning the bodies.
async fn hammer(host: &testhost::RunningHost, path: &str, n: usize) -> Vec<String> {
    let permits = Arc::new(Semaphore::new(64));
    let mut tasks = Vec::new();
    for _ in 0..n {
        let permit = permits.clone().acquire_owned().await.unwrap();
        let (addr, path) = (host.addr, path.to_string());
        tasks.push(tokio::spawn(async move {
            let r = get(addr, &path).await;
            drop(permit);
            r
        }));
    }
    let mut bodies = Vec::new();
    for t in tasks {
        let (status, body) = t.await.unwrap().unwrap();
        assert_eq!(status, 200, "{body}");
        bodies.push(body);
    }
    bodies
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_increments_are_exact() {
    let app = probe_app("incr");
    let mut cfg = config(&app);
    cfg.kv = KvBackend::Sqlite {
        runtime_config: Some(app.runtime_config.clone()),
    };
    let host = start(cfg).await;
    let path = "/?op=incr&label=alpha&key=counter";
    let (a, b) = tokio::join!(hammer(&host, path, 1000), hammer(&host, path, 1000));
    assert!(
        a.iter().chain(&b).all(|v| v.parse::<i64>().is_ok()),
        "a failed increment"
    );
    let stored = host.kv_get("alpha", "counter").unwrap().unwrap();
    assert_eq!(i64::from_le_bytes(stored.try_into().unwrap()), 2000);
    host.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_compare_and_swap_increments_are_exact() {
    let app = probe_app("cas");
    let mut cfg = config(&app);
    cfg.kv = KvBackend::Sqlite {
        runtime_config: Some(app.runtime_config.clone()),
    };
    let host = start(cfg).await;
    let path = "/?op=cas-incr&label=beta&key=n";
    let (a, b) = tokio::join!(hammer(&host, path, 300), hammer(&host, path, 300));
    // Every swap that reported success produced a distinct value.
    let mut seen: Vec<u64> = a.iter().chain(&b).map(|v| v.parse().expect(v)).collect();
    seen.sort();
    assert_eq!(seen, (1..=600).collect::<Vec<_>>());
    assert_eq!(
        host.kv_get("beta", "n").unwrap().as_deref(),
        Some(&b"600"[..])
    );
    host.shutdown().await;
}
