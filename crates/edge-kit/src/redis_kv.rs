//! [`KvStore`] over Spin's outbound Redis (`spin:redis`), the store of the app when it runs as
//! many instances on one Redis/Valkey (`kv_backend = "redis"`).
//!
//! Why not Spin's own `type = "redis"` key-value store: its compare-and-swap reports failure on
//! every swap (it sends `UNWATCH key`, which Redis refuses), so every claim, index update and
//! lease of the app would fail there (see the `testhost` crate docs). Outbound Redis lets the
//! app say exactly what it means, each in one command:
//!
//! - compare-and-swap is one `EVAL` of a 6-line Lua script (Redis runs scripts atomically);
//! - `increment` is `INCRBY`, `get_many` `MGET`, `set_many` `MSET`, `delete_many` `DEL`;
//! - `keys` is `SCAN MATCH {prefix}*`, so one label's scan never walks another's keys;
//! - the queue's due set is a sorted set per config plus one of configs (the store's due
//!   index, [`KvStore::index_due`]): a pass reads what is due now, never the whole backlog.
//!   Keys and their index entries are written and removed together, in one `EVAL`.
//!
//! Every label lives in database 0 under its own prefix (`pm:{label}:`): Valkey/Redis clusters
//! have only database 0, and `allowed_outbound_hosts` takes no path.

use pixel_core::kv::{DueGroups, IndexEntry, KvError, KvStore};
use spin_sdk::redis::{Connection, RedisParameter, RedisResult};
use std::rc::Rc;

/// Compare-and-swap: ARGV = [has-expected "0"/"1", expected, new]. 1 when written.
const CAS_SCRIPT: &str = "local cur = redis.call('GET', KEYS[1]) \
if ARGV[1] == '1' then if cur ~= ARGV[2] then return 0 end \
elseif cur then return 0 end \
redis.call('SET', KEYS[1], ARGV[3]) return 1";

/// `set_many_indexed`: ARGV = [prefix, n, k1, v1, ..., kn, vn, then (group, score, member)...].
/// A group is a sorted set `{prefix}~due/{group}`; `{prefix}~due-groups` scores each group no
/// later than its earliest member (`LT`: only ever lowered here, repaired by `INDEX_DUE`).
const SET_INDEXED: &str = "local p = ARGV[1] local n = tonumber(ARGV[2]) local i = 3 \
for _ = 1, n do redis.call('SET', p .. ARGV[i], ARGV[i + 1]) i = i + 2 end \
while i <= #ARGV do \
redis.call('ZADD', p .. '~due/' .. ARGV[i], ARGV[i + 1], ARGV[i + 2]) \
redis.call('ZADD', p .. '~due-groups', 'LT', ARGV[i + 1], ARGV[i]) \
i = i + 3 end return 1";

/// `delete_many_indexed`: ARGV = [prefix, n, k1, ..., kn, then (group, member)...].
const DELETE_INDEXED: &str = "local p = ARGV[1] local n = tonumber(ARGV[2]) local i = 3 \
for _ = 1, n do redis.call('DEL', p .. ARGV[i]) i = i + 1 end \
while i <= #ARGV do redis.call('ZREM', p .. '~due/' .. ARGV[i], ARGV[i + 1]) i = i + 2 end \
return 1";

/// `index_due`: ARGV = [prefix, max score, per group]. Answers, flattened, per group with due
/// members: group, count, then member and score pairs. A group with nothing due gets its
/// true earliest score back (or leaves the group set when empty).
const INDEX_DUE: &str = "local p = ARGV[1] local out = {} \
for _, g in ipairs(redis.call('ZRANGEBYSCORE', p .. '~due-groups', '-inf', ARGV[2])) do \
local z = p .. '~due/' .. g \
local items = redis.call('ZRANGEBYSCORE', z, '-inf', ARGV[2], 'WITHSCORES', 'LIMIT', 0, tonumber(ARGV[3])) \
if #items == 0 then \
local first = redis.call('ZRANGE', z, 0, 0, 'WITHSCORES') \
if #first == 0 then redis.call('ZREM', p .. '~due-groups', g) \
else redis.call('ZADD', p .. '~due-groups', first[2], g) end \
else table.insert(out, g) table.insert(out, tostring(#items / 2)) \
for _, x in ipairs(items) do table.insert(out, x) end end end \
return out";

/// Keys per `SCAN` round trip.
const SCAN_COUNT: i64 = 1_000;

/// One label on a shared connection.
pub struct RedisStore {
    conn: Rc<Connection>,
    prefix: String,
}

fn bin(b: impl Into<Vec<u8>>) -> RedisParameter {
    RedisParameter::Binary(b.into())
}

impl RedisStore {
    pub fn new(conn: Rc<Connection>, label: &str) -> Self {
        Self {
            conn,
            prefix: format!("pm:{label}:"),
        }
    }

    fn key(&self, k: &str) -> RedisParameter {
        bin(format!("{}{k}", self.prefix))
    }

    async fn exec(
        &self,
        cmd: &str,
        args: Vec<RedisParameter>,
    ) -> Result<Vec<RedisResult>, KvError> {
        // The message names the command only: values (tokens, events) never reach a log.
        self.conn.execute(cmd, args).await.map_err(|e| {
            // A broken connection must not stay cached for the instance's next requests
            // (a refused command costs only a reconnect).
            forget_connection();
            KvError(format!("redis {cmd} on {}: {e:?}", self.prefix))
        })
    }
}

fn bytes(r: RedisResult) -> Option<Vec<u8>> {
    match r {
        RedisResult::Binary(b) => Some(b),
        RedisResult::Status(s) => Some(s.into_bytes()),
        RedisResult::Int64(n) => Some(n.to_string().into_bytes()),
        RedisResult::Nil => None,
    }
}

fn int(r: &RedisResult) -> Option<i64> {
    match r {
        RedisResult::Int64(n) => Some(*n),
        // Sorted-set scores come back as text, possibly in floating-point form.
        RedisResult::Binary(b) => {
            let t = std::str::from_utf8(b).ok()?.trim();
            t.parse()
                .ok()
                .or_else(|| t.parse::<f64>().ok().map(|f| f as i64))
        }
        _ => None,
    }
}

impl KvStore for RedisStore {
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, KvError> {
        let r = self.exec("GET", vec![self.key(key)]).await?;
        Ok(r.into_iter().next().and_then(bytes))
    }

    async fn set(&self, key: &str, value: &[u8]) -> Result<(), KvError> {
        self.exec("SET", vec![self.key(key), bin(value)]).await?;
        Ok(())
    }

    async fn delete(&self, key: &str) -> Result<(), KvError> {
        self.exec("DEL", vec![self.key(key)]).await?;
        Ok(())
    }

    async fn get_many(&self, keys: &[String]) -> Result<Vec<Option<Vec<u8>>>, KvError> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let r = self
            .exec("MGET", keys.iter().map(|k| self.key(k)).collect())
            .await?;
        if r.len() != keys.len() {
            return Err(KvError(format!(
                "redis MGET answered {} of {}",
                r.len(),
                keys.len()
            )));
        }
        Ok(r.into_iter().map(bytes).collect())
    }

    async fn set_many(&self, pairs: &[(String, Vec<u8>)]) -> Result<(), KvError> {
        if pairs.is_empty() {
            return Ok(());
        }
        let mut args = Vec::with_capacity(pairs.len() * 2);
        for (k, v) in pairs {
            args.push(self.key(k));
            args.push(bin(v.as_slice()));
        }
        self.exec("MSET", args).await?;
        Ok(())
    }

    async fn delete_many(&self, keys: &[String]) -> Result<(), KvError> {
        if keys.is_empty() {
            return Ok(());
        }
        self.exec("DEL", keys.iter().map(|k| self.key(k)).collect())
            .await?;
        Ok(())
    }

    async fn keys(&self) -> Result<Vec<String>, KvError> {
        let pattern = format!("{}*", self.prefix);
        let mut cursor = b"0".to_vec();
        let mut out = Vec::new();
        loop {
            let r = self
                .exec(
                    "SCAN",
                    vec![
                        bin(cursor.clone()),
                        bin("MATCH"),
                        bin(pattern.as_str()),
                        bin("COUNT"),
                        RedisParameter::Int64(SCAN_COUNT),
                    ],
                )
                .await?;
            // Flattened: the next cursor, then the keys of this page.
            let mut it = r.into_iter();
            cursor = it.next().and_then(bytes).unwrap_or_else(|| b"0".to_vec());
            for k in it.filter_map(bytes) {
                if let Some(k) = k.strip_prefix(self.prefix.as_bytes()) {
                    out.push(String::from_utf8_lossy(k).into_owned());
                }
            }
            if cursor == b"0" {
                break;
            }
        }
        // SCAN may return a key twice; callers expect a set.
        out.sort();
        out.dedup();
        Ok(out)
    }

    async fn increment(&self, key: &str, delta: i64) -> Result<i64, KvError> {
        let r = self
            .exec("INCRBY", vec![self.key(key), RedisParameter::Int64(delta)])
            .await?;
        r.first()
            .and_then(int)
            .ok_or_else(|| KvError("redis INCRBY answered no integer".into()))
    }

    async fn compare_and_swap(
        &self,
        key: &str,
        expected: Option<&[u8]>,
        new: &[u8],
    ) -> Result<bool, KvError> {
        let (has, exp) = match expected {
            Some(e) => ("1", e),
            None => ("0", &b""[..]),
        };
        let r = self
            .exec(
                "EVAL",
                vec![
                    bin(CAS_SCRIPT),
                    RedisParameter::Int64(1),
                    self.key(key),
                    bin(has),
                    bin(exp),
                    bin(new),
                ],
            )
            .await?;
        Ok(r.first().and_then(int) == Some(1))
    }

    fn has_index(&self) -> bool {
        true
    }

    async fn set_many_indexed(
        &self,
        pairs: &[(String, Vec<u8>)],
        index: &[IndexEntry],
    ) -> Result<(), KvError> {
        if index.is_empty() {
            return self.set_many(pairs).await;
        }
        let mut args = vec![
            bin(SET_INDEXED),
            RedisParameter::Int64(0),
            bin(self.prefix.as_str()),
            RedisParameter::Int64(pairs.len() as i64),
        ];
        for (k, v) in pairs {
            args.push(bin(k.as_str()));
            args.push(bin(v.as_slice()));
        }
        for e in index {
            args.push(bin(e.group.as_str()));
            args.push(RedisParameter::Int64(e.score));
            args.push(bin(e.member.as_str()));
        }
        self.exec("EVAL", args).await?;
        Ok(())
    }

    async fn delete_many_indexed(
        &self,
        keys: &[String],
        index: &[IndexEntry],
    ) -> Result<(), KvError> {
        if index.is_empty() {
            return self.delete_many(keys).await;
        }
        let mut args = vec![
            bin(DELETE_INDEXED),
            RedisParameter::Int64(0),
            bin(self.prefix.as_str()),
            RedisParameter::Int64(keys.len() as i64),
        ];
        args.extend(keys.iter().map(|k| bin(k.as_str())));
        for e in index {
            args.push(bin(e.group.as_str()));
            args.push(bin(e.member.as_str()));
        }
        self.exec("EVAL", args).await?;
        Ok(())
    }

    async fn index_due(
        &self,
        max_score: i64,
        per_group: usize,
    ) -> Result<Option<DueGroups>, KvError> {
        let r = self
            .exec(
                "EVAL",
                vec![
                    bin(INDEX_DUE),
                    RedisParameter::Int64(0),
                    bin(self.prefix.as_str()),
                    RedisParameter::Int64(max_score),
                    RedisParameter::Int64(per_group as i64),
                ],
            )
            .await?;
        let text = |r: RedisResult| bytes(r).map(|b| String::from_utf8_lossy(&b).into_owned());
        let mut it = r.into_iter();
        let mut out = Vec::new();
        while let Some(group) = it.next().and_then(text) {
            let n = it.next().as_ref().and_then(int).unwrap_or(0);
            let mut members = Vec::new();
            for _ in 0..n {
                let member = it.next().and_then(text).unwrap_or_default();
                let score = it.next().as_ref().and_then(int).unwrap_or(0);
                members.push((score, member));
            }
            out.push((group, members));
        }
        Ok(Some(out))
    }

    async fn index_groups(&self) -> Result<Option<Vec<(String, i64)>>, KvError> {
        let r = self
            .exec(
                "ZRANGE",
                vec![
                    bin(format!("{}~due-groups", self.prefix)),
                    RedisParameter::Int64(0),
                    RedisParameter::Int64(-1),
                    bin("WITHSCORES"),
                ],
            )
            .await?;
        let mut it = r.into_iter();
        let mut out = Vec::new();
        while let (Some(g), Some(score)) = (it.next(), it.next()) {
            let Some(g) = bytes(g) else { continue };
            out.push((
                String::from_utf8_lossy(&g).into_owned(),
                int(&score).unwrap_or(0),
            ));
        }
        Ok(Some(out))
    }

    async fn get_counters(&self, keys: &[String]) -> Result<Vec<i64>, KvError> {
        Ok(self
            .get_many(keys)
            .await?
            .iter()
            .map(|v| {
                v.as_deref()
                    .and_then(|b| std::str::from_utf8(b).ok()?.trim().parse().ok())
                    .unwrap_or(0)
            })
            .collect())
    }
}

thread_local! {
    /// This instance's connection: Spin reuses an instance for many requests, and a connection
    /// per request would cost a TCP handshake each time.
    static CONN: std::cell::RefCell<Option<(String, Rc<Connection>)>> = const { std::cell::RefCell::new(None) };
}

/// The instance's connection to `url`, opened on first use.
pub async fn connection(url: &str) -> Result<Rc<Connection>, KvError> {
    let cached = CONN.with(|c| {
        c.borrow()
            .as_ref()
            .filter(|(u, _)| u == url)
            .map(|(_, conn)| conn.clone())
    });
    if let Some(conn) = cached {
        return Ok(conn);
    }
    let conn = Rc::new(
        Connection::open(url)
            .await
            .map_err(|e| KvError(format!("redis open: {e:?}")))?,
    );
    CONN.with(|c| *c.borrow_mut() = Some((url.to_owned(), conn.clone())));
    Ok(conn)
}

/// Drop the cached connection (after an error: the next request reconnects).
pub fn forget_connection() {
    CONN.with(|c| *c.borrow_mut() = None);
}
