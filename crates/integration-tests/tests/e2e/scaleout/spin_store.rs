//! The test host's `type = "redis"` store fails where Spin's does: the app left on Spin's own
//! Redis key-value store (`kv_backend = "spin"`) cannot create a config, exactly as issue 13
//! saw under real Spin 4.1 (409 on the first create, the uniqueness claim left behind), and the
//! same app on outbound Redis (`kv_backend = "redis"`) can.

use super::*;
use integration_tests::App;
use integration_tests::cluster::RedisServer;
use std::sync::Arc;
use testhost::kv::resp::Reply;

fn runtime_config(redis: &RedisServer, dir: &std::path::Path) -> testhost::KvBackend {
    std::fs::create_dir_all(dir).expect("dir");
    let text: String = ["default", "configs", "queue", "logs", "stats"]
        .iter()
        .enumerate()
        .map(|(i, l)| {
            format!(
                "[key_value_store.{l}]\ntype = \"redis\"\nurl = \"{}/{}\"\n\n",
                redis.url(),
                i + 1
            )
        })
        .collect();
    let file = dir.join("runtime-config.toml");
    std::fs::write(&file, text).expect("write the runtime config");
    testhost::KvBackend::Sqlite {
        runtime_config: Some(file),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn on_spins_own_redis_store_the_first_create_is_a_409_and_on_outbound_redis_a_201() {
    let redis = RedisServer::start();
    let dir = std::env::temp_dir().join(format!("pm-spin-redis-{}", redis.port));
    let kv = runtime_config(&redis, &dir);
    let mock = Arc::new(
        mock_platforms::spawn(integration_tests::loopback())
            .await
            .expect("mock"),
    );

    let spin_store = App::start_on(mock.clone(), &[], kv.clone()).await;
    let r = spin_store
        .client
        .post(
            CONFIGS,
            &spin_store.token("acme"),
            meta_config("1234567890123"),
        )
        .await;
    assert_eq!(r.status, 409, "{}", r.text());
    // The swap wrote the claim and then reported failure: it is left behind in `configs`
    // (database 2), and nothing is listed.
    let mut conn = redis.conn();
    conn.cmd(&["SELECT", "2"]).expect("select");
    let claims = conn.cmd(&["KEYS", "cfguniq/*"]).expect("keys");
    assert!(
        matches!(&claims, Reply::Array(a) if a.len() == 1),
        "{claims:?}"
    );
    let list = spin_store
        .client
        .get(CONFIGS, &spin_store.token("acme"))
        .await;
    assert_eq!(list.json(), json!([]), "{}", list.text());
    drop(spin_store);

    let url = redis.url();
    let outbound = App::start_on(
        mock,
        &[("kv_backend", "redis"), ("redis_url", url.as_str())],
        kv,
    )
    .await;
    let r = outbound
        .client
        .post(
            CONFIGS,
            &outbound.token("acme"),
            meta_config("1234567890123"),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    let list = outbound.client.get(CONFIGS, &outbound.token("acme")).await;
    assert_eq!(list.json().as_array().map(Vec::len), Some(1));
    let _ = std::fs::remove_dir_all(&dir);
}
