//! [`KvStore`] over Spin: `spin:key-value@3.0.0` (async) for single-key reads and writes and the
//! key listing, `wasi:keyvalue@0.2.0-draft2` for batches, `increment` and compare-and-swap.
//!
//! Both handles are opened once per store and request; Spin checks the label against the
//! component's `key_value_stores` and answers `access-denied` for any other.
//!
//! With the variable `kv_backend = "redis"` every store is instead a prefix on the Redis at
//! `redis_url`, reached with outbound Redis ([`crate::redis_kv`]): Spin's own Redis key-value
//! store cannot compare-and-swap, which the app needs for every claim and lease.

use pixel_core::kv::{DueGroups, IndexEntry, KvError, KvStore};
use spin_sdk::experimental::wasi::keyvalue::{atomics, batch, store as wasi_store};
use spin_sdk::key_value::Store;

use crate::redis_kv::RedisStore;

/// One store of the app, by label: a Spin key-value store, or a prefix on Redis.
pub struct SpinStore {
    label: &'static str,
    backend: Backend,
}

enum Backend {
    Spin {
        store: Store,
        bucket: wasi_store::Bucket,
    },
    Redis(RedisStore),
}

/// Which store backs the labels, from the component's variables (read once per instance:
/// Spin resolves component variables at load).
async fn redis_url() -> Option<String> {
    thread_local! {
        static CHOICE: std::cell::RefCell<Option<Option<String>>> = const { std::cell::RefCell::new(None) };
    }
    if let Some(c) = CHOICE.with(|c| c.borrow().clone()) {
        return c;
    }
    let backend = spin_sdk::variables::get("kv_backend").await.ok();
    let choice = match backend.as_deref().map(str::trim) {
        Some("redis") => spin_sdk::variables::get("redis_url").await.ok(),
        _ => None,
    };
    CHOICE.with(|c| *c.borrow_mut() = Some(choice.clone()));
    choice
}

impl SpinStore {
    /// Open the store `label` (both interfaces, or the Redis connection).
    pub async fn open(label: &'static str) -> Result<Self, KvError> {
        if let Some(url) = redis_url().await {
            let conn = crate::redis_kv::connection(&url).await?;
            return Ok(Self {
                label,
                backend: Backend::Redis(RedisStore::new(conn, label)),
            });
        }
        let store = Store::open(label)
            .await
            .map_err(|e| KvError(format!("open {label}: {e:?}")))?;
        let bucket =
            wasi_store::open(label).map_err(|e| KvError(format!("open {label}: {e:?}")))?;
        Ok(Self {
            label,
            backend: Backend::Spin { store, bucket },
        })
    }

    /// The label this store was opened with.
    pub fn label(&self) -> &'static str {
        self.label
    }

    fn err(&self, op: &str, e: impl std::fmt::Debug) -> KvError {
        KvError(format!("{op} on {}: {e:?}", self.label))
    }
}

impl KvStore for SpinStore {
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, KvError> {
        match &self.backend {
            Backend::Redis(r) => r.get(key).await,
            Backend::Spin { store, .. } => store.get(key).await.map_err(|e| self.err("get", e)),
        }
    }

    async fn set(&self, key: &str, value: &[u8]) -> Result<(), KvError> {
        match &self.backend {
            Backend::Redis(r) => r.set(key, value).await,
            Backend::Spin { store, .. } => {
                store.set(key, value).await.map_err(|e| self.err("set", e))
            }
        }
    }

    async fn delete(&self, key: &str) -> Result<(), KvError> {
        match &self.backend {
            Backend::Redis(r) => r.delete(key).await,
            Backend::Spin { store, .. } => {
                store.delete(key).await.map_err(|e| self.err("delete", e))
            }
        }
    }

    async fn get_many(&self, keys: &[String]) -> Result<Vec<Option<Vec<u8>>>, KvError> {
        let bucket = match &self.backend {
            Backend::Redis(r) => return r.get_many(keys).await,
            Backend::Spin { bucket, .. } => bucket,
        };
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let pairs = batch::get_many(bucket, keys).map_err(|e| self.err("get-many", e))?;
        // The interface answers pairs; do not rely on their order matching the request.
        let mut found: std::collections::HashMap<String, Option<Vec<u8>>> =
            pairs.into_iter().collect();
        Ok(keys.iter().map(|k| found.remove(k).flatten()).collect())
    }

    async fn set_many(&self, pairs: &[(String, Vec<u8>)]) -> Result<(), KvError> {
        let bucket = match &self.backend {
            Backend::Redis(r) => return r.set_many(pairs).await,
            Backend::Spin { bucket, .. } => bucket,
        };
        if pairs.is_empty() {
            return Ok(());
        }
        batch::set_many(bucket, pairs).map_err(|e| self.err("set-many", e))
    }

    async fn delete_many(&self, keys: &[String]) -> Result<(), KvError> {
        let bucket = match &self.backend {
            Backend::Redis(r) => return r.delete_many(keys).await,
            Backend::Spin { bucket, .. } => bucket,
        };
        if keys.is_empty() {
            return Ok(());
        }
        batch::delete_many(bucket, keys).map_err(|e| self.err("delete-many", e))
    }

    async fn keys(&self) -> Result<Vec<String>, KvError> {
        match &self.backend {
            Backend::Redis(r) => r.keys().await,
            Backend::Spin { store, .. } => {
                let keys = store.get_keys().await;
                keys.collect().await.map_err(|e| self.err("get-keys", e))
            }
        }
    }

    async fn increment(&self, key: &str, delta: i64) -> Result<i64, KvError> {
        match &self.backend {
            Backend::Redis(r) => r.increment(key, delta).await,
            Backend::Spin { bucket, .. } => {
                atomics::increment(bucket, key, delta).map_err(|e| self.err("increment", e))
            }
        }
    }

    async fn compare_and_swap(
        &self,
        key: &str,
        expected: Option<&[u8]>,
        new: &[u8],
    ) -> Result<bool, KvError> {
        let bucket = match &self.backend {
            Backend::Redis(r) => return r.compare_and_swap(key, expected, new).await,
            Backend::Spin { bucket, .. } => bucket,
        };
        let cas = atomics::Cas::new(bucket, key).map_err(|e| self.err("cas", e))?;
        let current = cas.current().map_err(|e| self.err("cas-current", e))?;
        if current.as_deref() != expected {
            return Ok(false);
        }
        match atomics::swap(cas, new) {
            Ok(()) => Ok(true),
            Err(atomics::CasError::CasFailed(_)) => Ok(false),
            Err(atomics::CasError::StoreError(e)) => Err(self.err("swap", e)),
        }
    }

    fn has_index(&self) -> bool {
        matches!(self.backend, Backend::Redis(_))
    }

    async fn set_many_indexed(
        &self,
        pairs: &[(String, Vec<u8>)],
        index: &[IndexEntry],
    ) -> Result<(), KvError> {
        match &self.backend {
            Backend::Redis(r) => r.set_many_indexed(pairs, index).await,
            Backend::Spin { .. } => self.set_many(pairs).await,
        }
    }

    async fn delete_many_indexed(
        &self,
        keys: &[String],
        index: &[IndexEntry],
    ) -> Result<(), KvError> {
        match &self.backend {
            Backend::Redis(r) => r.delete_many_indexed(keys, index).await,
            Backend::Spin { .. } => self.delete_many(keys).await,
        }
    }

    async fn index_due(
        &self,
        max_score: i64,
        per_group: usize,
    ) -> Result<Option<DueGroups>, KvError> {
        match &self.backend {
            Backend::Redis(r) => r.index_due(max_score, per_group).await,
            Backend::Spin { .. } => Ok(None),
        }
    }

    async fn index_groups(&self) -> Result<Option<Vec<(String, i64)>>, KvError> {
        match &self.backend {
            Backend::Redis(r) => r.index_groups().await,
            Backend::Spin { .. } => Ok(None),
        }
    }

    async fn get_counters(&self, keys: &[String]) -> Result<Vec<i64>, KvError> {
        match &self.backend {
            Backend::Redis(r) => r.get_counters(keys).await,
            Backend::Spin { .. } => {
                let mut out = Vec::with_capacity(keys.len());
                for k in keys {
                    out.push(self.increment(k, 0).await?);
                }
                Ok(out)
            }
        }
    }
}

/// The four stores of the product (`configs`, `queue`, `logs`, `stats`), opened at once.
pub async fn open_stores() -> Result<pixel_core::kv::Stores<SpinStore>, KvError> {
    use pixel_core::schema::{CONFIGS_STORE, LOGS_STORE, QUEUE_STORE, STATS_STORE};
    Ok(pixel_core::kv::Stores {
        configs: SpinStore::open(CONFIGS_STORE).await?,
        queue: SpinStore::open(QUEUE_STORE).await?,
        logs: SpinStore::open(LOGS_STORE).await?,
        stats: SpinStore::open(STATS_STORE).await?,
    })
}
