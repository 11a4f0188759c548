//! `type = "redis"` stores behave as Spin's Redis store, on a real `redis-server`: `increment`
//! is exact, and compare-and-swap reports failure on every swap, having written only when the
//! key was as expected (Spin's `UNWATCH key` flaw, reproduced on purpose).

use std::process::{Child, Command, Stdio};
use std::time::Duration;
use testhost::kv::resp::Conn;
use testhost::kv::{RedisStore, Store};

struct Server(Child, u16);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn redis() -> Server {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .unwrap()
        .port();
    // Owned by `Server` at once, so it is killed and reaped on every path.
    let server = Server(
        Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .spawn()
            .expect("redis-server (apt-get install redis-server)"),
        port,
    );
    for _ in 0..100 {
        if Conn::open(&format!("redis://127.0.0.1:{port}")).is_ok() {
            return server;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("redis-server did not start");
}

#[test]
fn every_swap_reports_failure_and_writes_only_an_untouched_key() {
    let server = redis();
    let store = RedisStore::new(&format!("redis://127.0.0.1:{}/3", server.1)).unwrap();
    // A fresh claim: written, yet reported as lost, as under Spin.
    assert!(!store.swap_if("claim", None, b"mine").unwrap());
    assert_eq!(store.get("claim").unwrap().as_deref(), Some(&b"mine"[..]));
    // A stale expectation (someone else wrote in between): not written, also reported as lost.
    assert!(!store.swap_if("claim", Some(b"old"), b"theirs").unwrap());
    assert_eq!(store.get("claim").unwrap().as_deref(), Some(&b"mine"[..]));
}

#[test]
fn increment_is_incrby_and_get_many_fails_as_spins_does() {
    let server = redis();
    let store = RedisStore::new(&format!("redis://127.0.0.1:{}", server.1)).unwrap();
    assert_eq!(store.increment("n", 2).unwrap(), 2);
    assert_eq!(store.increment("n", 0).unwrap(), 2);
    // Counters are ASCII on Redis (not Spin SQLite's 8-byte integers).
    assert_eq!(store.get("n").unwrap().as_deref(), Some(&b"2"[..]));
    store
        .set_many(&[("a".into(), b"1".to_vec()), ("b".into(), b"2".to_vec())])
        .unwrap();
    // Spin sends `KEYS a b`, which Redis refuses.
    assert!(store.get_many(&["a".into(), "b".into()]).is_err());
    let mut keys = store.keys().unwrap();
    keys.sort();
    assert_eq!(keys, ["a", "b", "n"]);
    store.delete_many(&["a".into(), "b".into()]).unwrap();
    assert!(!store.exists("a").unwrap());
}

#[test]
fn a_runtime_config_accepts_redis_stores_and_refuses_a_bad_url() {
    let dir = std::env::temp_dir().join(format!("th-redis-rc-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let ok = dir.join("ok.toml");
    std::fs::write(
        &ok,
        "[key_value_store.queue]\ntype = \"redis\"\nurl = \"redis://127.0.0.1:6399/2\"\n",
    )
    .unwrap();
    let rc = testhost::kv::RuntimeConfig::load(&ok).unwrap();
    assert_eq!(
        rc.key_value_stores["queue"],
        testhost::kv::StoreConfig::Redis("redis://127.0.0.1:6399/2".into())
    );
    for bad in [
        "[key_value_store.queue]\ntype = \"redis\"\n",
        "[key_value_store.queue]\ntype = \"redis\"\nurl = \"http://x\"\n",
    ] {
        let f = dir.join("bad.toml");
        std::fs::write(&f, bad).unwrap();
        assert!(testhost::kv::RuntimeConfig::load(&f).is_err(), "{bad}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
