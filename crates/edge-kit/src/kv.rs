//! [`KvStore`] over Spin: `spin:key-value@3.0.0` (async) for single-key reads and writes and the
//! key listing, `wasi:keyvalue@0.2.0-draft2` for batches, `increment` and compare-and-swap.
//!
//! Both handles are opened once per store and request; Spin checks the label against the
//! component's `key_value_stores` and answers `access-denied` for any other.

use pixel_core::kv::{KvError, KvStore};
use spin_sdk::experimental::wasi::keyvalue::{atomics, batch, store as wasi_store};
use spin_sdk::key_value::Store;

/// One Spin key-value store, by label.
pub struct SpinStore {
    label: &'static str,
    store: Store,
    bucket: wasi_store::Bucket,
}

impl SpinStore {
    /// Open the store `label` (both interfaces).
    pub async fn open(label: &'static str) -> Result<Self, KvError> {
        let store = Store::open(label)
            .await
            .map_err(|e| KvError(format!("open {label}: {e:?}")))?;
        let bucket =
            wasi_store::open(label).map_err(|e| KvError(format!("open {label}: {e:?}")))?;
        Ok(Self {
            label,
            store,
            bucket,
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
        self.store.get(key).await.map_err(|e| self.err("get", e))
    }

    async fn set(&self, key: &str, value: &[u8]) -> Result<(), KvError> {
        self.store
            .set(key, value)
            .await
            .map_err(|e| self.err("set", e))
    }

    async fn delete(&self, key: &str) -> Result<(), KvError> {
        self.store
            .delete(key)
            .await
            .map_err(|e| self.err("delete", e))
    }

    async fn get_many(&self, keys: &[String]) -> Result<Vec<Option<Vec<u8>>>, KvError> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let pairs = batch::get_many(&self.bucket, keys).map_err(|e| self.err("get-many", e))?;
        // The interface answers pairs; do not rely on their order matching the request.
        let mut found: std::collections::HashMap<String, Option<Vec<u8>>> =
            pairs.into_iter().collect();
        Ok(keys.iter().map(|k| found.remove(k).flatten()).collect())
    }

    async fn set_many(&self, pairs: &[(String, Vec<u8>)]) -> Result<(), KvError> {
        if pairs.is_empty() {
            return Ok(());
        }
        batch::set_many(&self.bucket, pairs).map_err(|e| self.err("set-many", e))
    }

    async fn delete_many(&self, keys: &[String]) -> Result<(), KvError> {
        if keys.is_empty() {
            return Ok(());
        }
        batch::delete_many(&self.bucket, keys).map_err(|e| self.err("delete-many", e))
    }

    async fn keys(&self) -> Result<Vec<String>, KvError> {
        let keys = self.store.get_keys().await;
        keys.collect().await.map_err(|e| self.err("get-keys", e))
    }

    async fn increment(&self, key: &str, delta: i64) -> Result<i64, KvError> {
        atomics::increment(&self.bucket, key, delta).map_err(|e| self.err("increment", e))
    }

    async fn compare_and_swap(
        &self,
        key: &str,
        expected: Option<&[u8]>,
        new: &[u8],
    ) -> Result<bool, KvError> {
        let cas = atomics::Cas::new(&self.bucket, key).map_err(|e| self.err("cas", e))?;
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
