//! The storage port: the small key-value interface the core's schema and queue logic are written
//! against. Components implement it over Spin's key-value stores (`edge-kit`); tests use
//! [`MemoryStore`].
//!
//! The operations mirror what Spin offers portably (SQLite, Redis, Cosmos, DynamoDB):
//! `spin:key-value@3.0.0` for get/set/delete/keys and `wasi:keyvalue@0.2.0-draft2` for
//! batch, `increment` and compare-and-swap. There are no transactions: anything that must be
//! atomic across instances goes through [`KvStore::increment`] or [`KvStore::compare_and_swap`].
//!
//! Never mix `increment` and `set` on one key: hosts encode counters differently (SQLite as
//! 8-byte little-endian, Redis as ASCII), so a counter key is only ever touched by `increment`
//! (and read back with `increment(key, 0)`).

use std::cell::RefCell;
use std::collections::BTreeMap;

/// A store failed; the message is the host's and may be shown in logs, never to end users.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("key-value store error: {0}")]
pub struct KvError(pub String);

/// An entry of a store's due index: `member` (a key of the store) in `group`, ordered by `score`
/// (the queue: a delivery key in its config's group, scored by its due time).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexEntry {
    pub group: String,
    pub score: i64,
    pub member: String,
}

/// What [`KvStore::index_due`] answers: per group, its members scored up to the bound.
pub type DueGroups = Vec<(String, Vec<(i64, String)>)>;

/// One key-value store (one Spin label).
///
/// Futures are not `Send`: components are single-threaded WebAssembly.
#[allow(async_fn_in_trait)]
pub trait KvStore {
    /// The value of `key`, or `None` when absent.
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, KvError>;
    /// Write `value` at `key`, overwriting.
    async fn set(&self, key: &str, value: &[u8]) -> Result<(), KvError>;
    /// Remove `key`; removing an absent key is not an error.
    async fn delete(&self, key: &str) -> Result<(), KvError>;
    /// The values of `keys`, in order, `None` for absent ones. One round trip.
    async fn get_many(&self, keys: &[String]) -> Result<Vec<Option<Vec<u8>>>, KvError>;
    /// Write many pairs in one round trip (not atomic as a whole).
    async fn set_many(&self, pairs: &[(String, Vec<u8>)]) -> Result<(), KvError>;
    /// Remove many keys in one round trip (not atomic as a whole).
    async fn delete_many(&self, keys: &[String]) -> Result<(), KvError>;
    /// Every key of the store: a full scan. Only for sets bounded by the backlog.
    async fn keys(&self) -> Result<Vec<String>, KvError>;
    /// Atomically add `delta` to the counter at `key` (absent = 0) and return the new value.
    async fn increment(&self, key: &str, delta: i64) -> Result<i64, KvError>;
    /// Atomically replace the value of `key` with `new` if it is still `expected`
    /// (`None` = the key is absent). `Ok(false)` when another writer got there first.
    async fn compare_and_swap(
        &self,
        key: &str,
        expected: Option<&[u8]>,
        new: &[u8],
    ) -> Result<bool, KvError>;

    /// The values of many counters (absent = 0). The default reads each with
    /// `increment(key, 0)`, the one portable way to read a counter; hosts that can read counters
    /// in one round trip may override it.
    async fn get_counters(&self, keys: &[String]) -> Result<Vec<i64>, KvError> {
        let mut out = Vec::with_capacity(keys.len());
        for k in keys {
            out.push(self.increment(k, 0).await?);
        }
        Ok(out)
    }

    /// Whether this store keeps a due index (sorted sets: the Redis store). Without one the
    /// index arguments below are ignored and readers scan [`KvStore::keys`] instead; Spin's
    /// key-value interfaces have no ordered index, so its stores have none.
    fn has_index(&self) -> bool {
        false
    }

    /// [`KvStore::set_many`], adding `index` entries in the same step (atomic together where
    /// the store has an index).
    async fn set_many_indexed(
        &self,
        pairs: &[(String, Vec<u8>)],
        index: &[IndexEntry],
    ) -> Result<(), KvError> {
        let _ = index;
        self.set_many(pairs).await
    }

    /// [`KvStore::delete_many`], removing `index` entries (their scores are ignored) in the same step.
    async fn delete_many_indexed(
        &self,
        keys: &[String],
        index: &[IndexEntry],
    ) -> Result<(), KvError> {
        let _ = index;
        self.delete_many(keys).await
    }

    /// For every group with a member scored at most `max_score`: up to `per_group` such
    /// members, lowest score first. Groups left empty are dropped on the way. `None` without
    /// an index. Cost grows with the groups that have due work, not with the members.
    async fn index_due(
        &self,
        max_score: i64,
        per_group: usize,
    ) -> Result<Option<DueGroups>, KvError> {
        let _ = (max_score, per_group);
        Ok(None)
    }

    /// Every group with members, and a score no later than its lowest member's (an earlier one
    /// after removals, until [`KvStore::index_due`] passes it). `None` without an index.
    async fn index_groups(&self) -> Result<Option<Vec<(String, i64)>>, KvError> {
        Ok(None)
    }
}

/// A shared reference to a store is a store: lets tests and adapters pass `&S` where `S` is expected.
impl<T: KvStore + ?Sized> KvStore for &T {
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, KvError> {
        (**self).get(key).await
    }
    async fn set(&self, key: &str, value: &[u8]) -> Result<(), KvError> {
        (**self).set(key, value).await
    }
    async fn delete(&self, key: &str) -> Result<(), KvError> {
        (**self).delete(key).await
    }
    async fn get_many(&self, keys: &[String]) -> Result<Vec<Option<Vec<u8>>>, KvError> {
        (**self).get_many(keys).await
    }
    async fn set_many(&self, pairs: &[(String, Vec<u8>)]) -> Result<(), KvError> {
        (**self).set_many(pairs).await
    }
    async fn delete_many(&self, keys: &[String]) -> Result<(), KvError> {
        (**self).delete_many(keys).await
    }
    async fn keys(&self) -> Result<Vec<String>, KvError> {
        (**self).keys().await
    }
    async fn increment(&self, key: &str, delta: i64) -> Result<i64, KvError> {
        (**self).increment(key, delta).await
    }
    async fn compare_and_swap(
        &self,
        key: &str,
        expected: Option<&[u8]>,
        new: &[u8],
    ) -> Result<bool, KvError> {
        (**self).compare_and_swap(key, expected, new).await
    }
    async fn get_counters(&self, keys: &[String]) -> Result<Vec<i64>, KvError> {
        (**self).get_counters(keys).await
    }
    fn has_index(&self) -> bool {
        (**self).has_index()
    }
    async fn set_many_indexed(
        &self,
        pairs: &[(String, Vec<u8>)],
        index: &[IndexEntry],
    ) -> Result<(), KvError> {
        (**self).set_many_indexed(pairs, index).await
    }
    async fn delete_many_indexed(
        &self,
        keys: &[String],
        index: &[IndexEntry],
    ) -> Result<(), KvError> {
        (**self).delete_many_indexed(keys, index).await
    }
    async fn index_due(
        &self,
        max_score: i64,
        per_group: usize,
    ) -> Result<Option<DueGroups>, KvError> {
        (**self).index_due(max_score, per_group).await
    }
    async fn index_groups(&self) -> Result<Option<Vec<(String, i64)>>, KvError> {
        (**self).index_groups().await
    }
}

/// The four stores of the product, one Spin label each (`schema::*_STORE`).
#[derive(Debug, Default)]
pub struct Stores<S> {
    pub configs: S,
    pub queue: S,
    pub logs: S,
    pub stats: S,
}

impl Stores<MemoryStore> {
    /// Four empty in-memory stores, for tests.
    pub fn memory() -> Self {
        Self::default()
    }

    /// As [`Stores::memory`], the queue keeping a due index as the Redis store does.
    pub fn memory_indexed() -> Self {
        Self {
            queue: MemoryStore::with_index(),
            ..Self::default()
        }
    }

    /// Operations made on all four stores.
    pub fn op_count(&self) -> u64 {
        self.configs.op_count()
            + self.queue.op_count()
            + self.logs.op_count()
            + self.stats.op_count()
    }
}

/// An in-memory [`KvStore`] for tests. Counters live apart from plain values, as they do in
/// real hosts, so a test that mixes `set` and `increment` on one key fails loudly.
#[derive(Debug, Default)]
pub struct MemoryStore {
    values: RefCell<BTreeMap<String, Vec<u8>>>,
    counters: RefCell<BTreeMap<String, i64>>,
    ops: RefCell<u64>,
    /// `Some` for a store with a due index (as the Redis store keeps one): group -> members.
    index: Option<RefCell<BTreeMap<String, BTreeMap<String, i64>>>>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty store with a due index, to test the indexed paths the Redis store takes.
    pub fn with_index() -> Self {
        Self {
            index: Some(RefCell::default()),
            ..Self::default()
        }
    }

    /// Members of the due index (`None` without one), for assertions.
    pub fn index_members(&self) -> Option<usize> {
        self.index
            .as_ref()
            .map(|i| i.borrow().values().map(BTreeMap::len).sum())
    }

    /// How many operations were made on this store (each call counts one, batches included).
    pub fn op_count(&self) -> u64 {
        *self.ops.borrow()
    }

    /// A copy of every plain value, for assertions that scan raw storage.
    pub fn dump(&self) -> BTreeMap<String, Vec<u8>> {
        self.values.borrow().clone()
    }

    fn count(&self) {
        *self.ops.borrow_mut() += 1;
    }

    fn check_not_counter(&self, key: &str) -> Result<(), KvError> {
        if self.counters.borrow().contains_key(key) {
            return Err(KvError(format!("key {key} holds a counter; use increment")));
        }
        Ok(())
    }
}

impl KvStore for MemoryStore {
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, KvError> {
        self.count();
        self.check_not_counter(key)?;
        Ok(self.values.borrow().get(key).cloned())
    }

    async fn set(&self, key: &str, value: &[u8]) -> Result<(), KvError> {
        self.count();
        self.check_not_counter(key)?;
        self.values
            .borrow_mut()
            .insert(key.to_owned(), value.to_vec());
        Ok(())
    }

    async fn delete(&self, key: &str) -> Result<(), KvError> {
        self.count();
        self.values.borrow_mut().remove(key);
        self.counters.borrow_mut().remove(key);
        Ok(())
    }

    async fn get_many(&self, keys: &[String]) -> Result<Vec<Option<Vec<u8>>>, KvError> {
        self.count();
        let values = self.values.borrow();
        Ok(keys.iter().map(|k| values.get(k).cloned()).collect())
    }

    async fn set_many(&self, pairs: &[(String, Vec<u8>)]) -> Result<(), KvError> {
        self.count();
        let mut values = self.values.borrow_mut();
        for (k, v) in pairs {
            values.insert(k.clone(), v.clone());
        }
        Ok(())
    }

    async fn delete_many(&self, keys: &[String]) -> Result<(), KvError> {
        self.count();
        let mut values = self.values.borrow_mut();
        let mut counters = self.counters.borrow_mut();
        for k in keys {
            values.remove(k);
            counters.remove(k);
        }
        Ok(())
    }

    async fn keys(&self) -> Result<Vec<String>, KvError> {
        self.count();
        let mut keys: Vec<String> = self.values.borrow().keys().cloned().collect();
        keys.extend(self.counters.borrow().keys().cloned());
        keys.sort();
        Ok(keys)
    }

    async fn increment(&self, key: &str, delta: i64) -> Result<i64, KvError> {
        self.count();
        if self.values.borrow().contains_key(key) {
            return Err(KvError(format!(
                "key {key} holds a value; cannot increment"
            )));
        }
        let mut counters = self.counters.borrow_mut();
        let slot = counters.entry(key.to_owned()).or_insert(0);
        *slot += delta;
        Ok(*slot)
    }

    async fn compare_and_swap(
        &self,
        key: &str,
        expected: Option<&[u8]>,
        new: &[u8],
    ) -> Result<bool, KvError> {
        self.count();
        self.check_not_counter(key)?;
        let mut values = self.values.borrow_mut();
        if values.get(key).map(Vec::as_slice) != expected {
            return Ok(false);
        }
        values.insert(key.to_owned(), new.to_vec());
        Ok(true)
    }

    fn has_index(&self) -> bool {
        self.index.is_some()
    }

    async fn set_many_indexed(
        &self,
        pairs: &[(String, Vec<u8>)],
        index: &[IndexEntry],
    ) -> Result<(), KvError> {
        self.set_many(pairs).await?;
        if let Some(ix) = &self.index {
            let mut ix = ix.borrow_mut();
            for e in index {
                ix.entry(e.group.clone())
                    .or_default()
                    .insert(e.member.clone(), e.score);
            }
        }
        Ok(())
    }

    async fn delete_many_indexed(
        &self,
        keys: &[String],
        index: &[IndexEntry],
    ) -> Result<(), KvError> {
        self.delete_many(keys).await?;
        if let Some(ix) = &self.index {
            let mut ix = ix.borrow_mut();
            for e in index {
                if let Some(g) = ix.get_mut(&e.group) {
                    g.remove(&e.member);
                }
            }
        }
        Ok(())
    }

    async fn index_due(
        &self,
        max_score: i64,
        per_group: usize,
    ) -> Result<Option<DueGroups>, KvError> {
        self.count();
        let Some(ix) = &self.index else {
            return Ok(None);
        };
        let mut ix = ix.borrow_mut();
        ix.retain(|_, members| !members.is_empty());
        let mut out = Vec::new();
        for (group, members) in ix.iter() {
            let mut due: Vec<(i64, String)> = members
                .iter()
                .filter(|(_, s)| **s <= max_score)
                .map(|(m, s)| (*s, m.clone()))
                .collect();
            due.sort();
            due.truncate(per_group);
            if !due.is_empty() {
                out.push((group.clone(), due));
            }
        }
        Ok(Some(out))
    }

    async fn index_groups(&self) -> Result<Option<Vec<(String, i64)>>, KvError> {
        self.count();
        Ok(self.index.as_ref().map(|ix| {
            ix.borrow()
                .iter()
                .filter_map(|(g, m)| m.values().min().map(|s| (g.clone(), *s)))
                .collect()
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::executor::block_on;

    #[test]
    fn compare_and_swap_refuses_a_stale_expectation() {
        let store = MemoryStore::new();
        block_on(async {
            assert!(store.compare_and_swap("k", None, b"a").await.unwrap());
            // A second creator that also expected "absent" loses.
            assert!(!store.compare_and_swap("k", None, b"b").await.unwrap());
            assert!(store.compare_and_swap("k", Some(b"a"), b"c").await.unwrap());
            assert_eq!(store.get("k").await.unwrap().as_deref(), Some(&b"c"[..]));
        });
    }

    #[test]
    fn counters_and_values_do_not_mix() {
        let store = MemoryStore::new();
        block_on(async {
            assert_eq!(store.increment("n", 2).await.unwrap(), 2);
            assert_eq!(store.increment("n", 0).await.unwrap(), 2);
            assert!(store.set("n", b"x").await.is_err());
            store.set("v", b"x").await.unwrap();
            assert!(store.increment("v", 1).await.is_err());
        });
    }
}
