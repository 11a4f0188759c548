//! `type = "redis"` key-value stores, backed by a real `redis-server`, behaving as Spin's Redis
//! store (`crates/key-value-redis/src/store.rs` in Spin's repository, read at commit 0bfcaef),
//! **flaws included, on purpose**: the test host must fail where Spin fails, or a test would pass
//! on an app that cannot run on Spin.
//!
//! - `increment` is `INCRBY` (atomic; counters are ASCII, not Spin SQLite's 8-byte integers).
//! - `get-keys` is `KEYS *`: the whole database.
//! - Compare-and-swap is `WATCH key` + `GET`, then `MULTI / SET / EXEC`, then `UNWATCH key`.
//!   Redis refuses `UNWATCH` with an argument ("wrong number of arguments"), and Spin turns that
//!   error into `CasFailed`: **every swap reports failure**, after the `SET` was applied when
//!   nobody else touched the key (an `EXEC` aborted by a concurrent writer writes nothing and
//!   also reports failure). The `UNWATCH key` is really sent, so the failure comes from the
//!   server, not from this file. Spin WATCHes when the guest reads `current`; the test host
//!   WATCHes at the swap and treats a value different from the one the guest read as a
//!   concurrent write (it cannot see a write of the same bytes in between).
//! - `get-many` is `KEYS k1 k2 ...` (the `redis` crate's `keys` was called with the key list):
//!   Redis refuses it for more than one key, and for one key it answers key names, not values.
//! - `set-many` is `MSET`, `delete-many` is `DEL`.
//!
//! The one-line fix Spin needs is `UNWATCH` without an argument (and `MGET` for `get-many`).

use super::Store;
use super::resp::{Conn, Reply};
use anyhow::{Result, bail};
use std::sync::Mutex;

/// One label on one Redis database.
pub struct RedisStore {
    url: String,
    /// Idle connections; a CAS takes its own, as Spin opens one per compare-and-swap.
    pool: Mutex<Vec<Conn>>,
}

impl RedisStore {
    /// Connections are made on first use, as Spin's connection manager does.
    pub fn new(url: &str) -> Result<RedisStore> {
        super::resp::parse_url(url)?;
        Ok(RedisStore {
            url: url.to_string(),
            pool: Mutex::new(Vec::new()),
        })
    }

    fn with<R>(&self, f: impl FnOnce(&mut Conn) -> Result<R>) -> Result<R> {
        let conn = self.pool.lock().unwrap_or_else(|e| e.into_inner()).pop();
        let mut conn = match conn {
            Some(c) => c,
            None => Conn::open(&self.url)?,
        };
        let out = f(&mut conn);
        // A connection that failed mid-reply may be out of step: drop it.
        if out.is_ok() {
            self.pool
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(conn);
        }
        out
    }

    fn cmd<A: AsRef<[u8]>>(&self, args: &[A]) -> Result<Reply> {
        self.with(|c| c.cmd(args)?.ok())
    }
}

impl Store for RedisStore {
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>> {
        self.cmd(&[&b"GET"[..], key.as_bytes()])?.into_bytes()
    }

    fn set(&self, key: &str, value: &[u8]) -> Result<()> {
        self.cmd(&[&b"SET"[..], key.as_bytes(), value])?;
        Ok(())
    }

    fn delete(&self, key: &str) -> Result<()> {
        self.cmd(&[&b"DEL"[..], key.as_bytes()])?;
        Ok(())
    }

    fn exists(&self, key: &str) -> Result<bool> {
        Ok(self.cmd(&[&b"EXISTS"[..], key.as_bytes()])?.into_int()? > 0)
    }

    fn keys(&self) -> Result<Vec<String>> {
        self.cmd(&["KEYS", "*"])?
            .into_array()?
            .into_iter()
            .map(|r| Ok(String::from_utf8(r.into_bytes()?.unwrap_or_default())?))
            .collect()
    }

    fn increment(&self, key: &str, delta: i64) -> Result<i64> {
        self.cmd(&[&b"INCRBY"[..], key.as_bytes(), delta.to_string().as_bytes()])?
            .into_int()
    }

    fn swap_if(&self, key: &str, expected: Option<&[u8]>, value: &[u8]) -> Result<bool> {
        // A connection of its own: WATCH is per connection.
        let mut c = Conn::open(&self.url)?;
        c.cmd(&[&b"WATCH"[..], key.as_bytes()])?.ok()?;
        let current = c.cmd(&[&b"GET"[..], key.as_bytes()])?.into_bytes()?;
        let mut wrote = false;
        if current.as_deref() == expected {
            c.cmd(&[&b"MULTI"[..]])?.ok()?;
            c.cmd(&[&b"SET"[..], key.as_bytes(), value])?.ok()?;
            // A nil EXEC means a concurrent writer aborted it; the redis crate maps that to Ok.
            wrote = matches!(c.cmd(&[&b"EXEC"[..]])?.ok()?, Reply::Array(_));
        }
        match c.cmd(&[&b"UNWATCH"[..], key.as_bytes()])? {
            // What Redis answers today: Spin reports CasFailed whatever happened above.
            Reply::Error(_) => Ok(false),
            _ => Ok(wrote),
        }
    }

    fn get_many(&self, keys: &[String]) -> Result<Vec<(String, Option<Vec<u8>>)>> {
        let mut args: Vec<&[u8]> = vec![&b"KEYS"[..]];
        args.extend(keys.iter().map(|k| k.as_bytes()));
        let items = self.cmd(&args)?.into_array()?;
        if items.len() % 2 != 0 {
            bail!("Could not convert the KEYS reply into key-value pairs");
        }
        let mut out = Vec::new();
        let mut it = items.into_iter();
        while let (Some(k), Some(v)) = (it.next(), it.next()) {
            out.push((
                String::from_utf8(k.into_bytes()?.unwrap_or_default())?,
                v.into_bytes()?,
            ));
        }
        Ok(out)
    }

    fn set_many(&self, entries: &[(String, Vec<u8>)]) -> Result<()> {
        let mut args: Vec<&[u8]> = vec![&b"MSET"[..]];
        for (k, v) in entries {
            args.push(k.as_bytes());
            args.push(v);
        }
        self.cmd(&args)?;
        Ok(())
    }

    fn delete_many(&self, keys: &[String]) -> Result<()> {
        let mut args: Vec<&[u8]> = vec![&b"DEL"[..]];
        args.extend(keys.iter().map(|k| k.as_bytes()));
        self.cmd(&args)?;
        Ok(())
    }

    fn dump(&self) -> Result<Vec<(String, Vec<u8>)>> {
        let mut out = Vec::new();
        for k in self.keys()? {
            if let Some(v) = self.get(&k)? {
                out.push((k, v));
            }
        }
        Ok(out)
    }
}
