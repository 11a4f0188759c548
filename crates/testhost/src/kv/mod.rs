//! Key-value stores by label: the storage port, its SQLite, Redis and in-memory adapters, the label
//! registry built from the runtime config, and the operation counters `/metrics` reports.
//!
//! Each store serialises its operations behind one lock (one SQLite connection), as Spin's SQLite
//! store does, which is what makes `increment` and compare-and-swap exact under concurrency.

mod memory;
mod redis;
pub mod resp;
mod runtime_config;
pub mod spin_kv;
mod sqlite;
pub mod wasi_kv;

use anyhow::{Result, bail};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::{Arc, Mutex};

pub use memory::MemoryStore;
pub use redis::RedisStore;
pub use runtime_config::{RuntimeConfig, StoreConfig};
pub use sqlite::SqliteStore;

/// One label's storage. Methods are synchronous: every operation is short and under one lock.
pub trait Store: Send + Sync {
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>>;
    fn set(&self, key: &str, value: &[u8]) -> Result<()>;
    fn delete(&self, key: &str) -> Result<()>;
    fn exists(&self, key: &str) -> Result<bool>;
    /// Every key of the store (Spin's `get-keys` is a full scan too).
    fn keys(&self) -> Result<Vec<String>>;
    /// Adds `delta` to the 8-byte little-endian counter at `key` (0 if absent); the new value.
    fn increment(&self, key: &str, delta: i64) -> Result<i64>;
    /// Writes `value` only if the current value is still `expected`; whether it did.
    fn swap_if(&self, key: &str, expected: Option<&[u8]>, value: &[u8]) -> Result<bool>;
    /// Every entry, for tests that scan raw storage.
    fn dump(&self) -> Result<Vec<(String, Vec<u8>)>>;
    /// `wasi:keyvalue/batch.get-many`: the pairs found (Spin's stores may leave absent keys out).
    fn get_many(&self, keys: &[String]) -> Result<Vec<(String, Option<Vec<u8>>)>> {
        keys.iter().map(|k| Ok((k.clone(), self.get(k)?))).collect()
    }
    /// `wasi:keyvalue/batch.set-many` (not atomic as a whole, as in Spin).
    fn set_many(&self, entries: &[(String, Vec<u8>)]) -> Result<()> {
        entries.iter().try_for_each(|(k, v)| self.set(k, v))
    }
    /// `wasi:keyvalue/batch.delete-many`.
    fn delete_many(&self, keys: &[String]) -> Result<()> {
        keys.iter().try_for_each(|k| self.delete(k))
    }
}

/// Decodes a counter as Spin's SQLite store keeps it.
pub(crate) fn decode_counter(key: &str, bytes: &[u8]) -> Result<i64> {
    match <[u8; 8]>::try_from(bytes) {
        Ok(b) => Ok(i64::from_le_bytes(b)),
        Err(_) => bail!("value at {key:?} is not a counter (8-byte little-endian integer)"),
    }
}

/// Counts of key-value operations per label and operation, and of requests per component.
#[derive(Default)]
pub struct Metrics {
    kv: Mutex<BTreeMap<String, BTreeMap<&'static str, u64>>>,
    requests: Mutex<BTreeMap<String, u64>>,
}

impl Metrics {
    pub fn kv_op(&self, label: &str, op: &'static str) {
        let mut kv = self.kv.lock().unwrap_or_else(|e| e.into_inner());
        *kv.entry(label.to_string())
            .or_default()
            .entry(op)
            .or_default() += 1;
    }

    pub fn request(&self, component: &str) {
        let mut r = self.requests.lock().unwrap_or_else(|e| e.into_inner());
        *r.entry(component.to_string()).or_default() += 1;
    }

    pub fn kv_total(&self) -> u64 {
        let kv = self.kv.lock().unwrap_or_else(|e| e.into_inner());
        kv.values().flat_map(|ops| ops.values()).sum()
    }

    /// `{"kv": {label: {op: n}}, "kv_total": n, "requests": {component: n}, "requests_total": n}`
    pub fn to_json(&self) -> serde_json::Value {
        let kv = self.kv.lock().unwrap_or_else(|e| e.into_inner()).clone();
        let requests = self
            .requests
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        serde_json::json!({
            "kv_total": kv.values().flat_map(|ops| ops.values()).sum::<u64>(),
            "kv": kv,
            "requests_total": requests.values().sum::<u64>(),
            "requests": requests,
        })
    }
}

/// Where stores live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KvBackend {
    /// In-memory stores, one per label the manifest or runtime config names (tests).
    Memory,
    /// SQLite files as Spin: the runtime config's labels, plus `default` at
    /// `.spin/sqlite_key_value.db` next to the manifest.
    Sqlite {
        runtime_config: Option<std::path::PathBuf>,
    },
}

/// The stores of one running app, by label.
pub struct Registry {
    stores: HashMap<String, Arc<dyn Store>>,
    pub metrics: Arc<Metrics>,
}

impl Registry {
    /// Opens the stores. `manifest_labels` are the labels components list; with the memory
    /// backend each gets a store, with SQLite only configured labels exist (as in Spin).
    pub fn open(
        backend: &KvBackend,
        app_dir: &Path,
        manifest_labels: &[String],
    ) -> Result<Registry> {
        let mut stores: HashMap<String, Arc<dyn Store>> = HashMap::new();
        match backend {
            KvBackend::Memory => {
                for label in manifest_labels
                    .iter()
                    .chain(std::iter::once(&"default".to_string()))
                {
                    stores.insert(label.clone(), Arc::new(MemoryStore::default()));
                }
            }
            KvBackend::Sqlite { runtime_config } => {
                let mut configs = BTreeMap::new();
                configs.insert(
                    "default".to_string(),
                    StoreConfig::Sqlite(Some(app_dir.join(".spin").join("sqlite_key_value.db"))),
                );
                if let Some(file) = runtime_config {
                    configs.extend(RuntimeConfig::load(file)?.key_value_stores);
                }
                let mut conns = sqlite::Connections::default();
                for (label, config) in configs {
                    let store: Arc<dyn Store> = match config {
                        StoreConfig::Sqlite(Some(path)) => Arc::new(conns.open(&path, &label)?),
                        // Spin keeps a `type = "spin"` store without `path` in memory.
                        StoreConfig::Sqlite(None) => Arc::new(MemoryStore::default()),
                        StoreConfig::Redis(url) => Arc::new(RedisStore::new(&url)?),
                    };
                    stores.insert(label, store);
                }
            }
        }
        Ok(Registry {
            stores,
            metrics: Arc::new(Metrics::default()),
        })
    }

    pub fn get(&self, label: &str) -> Option<Arc<dyn Store>> {
        self.stores.get(label).cloned()
    }

    pub fn contains(&self, label: &str) -> bool {
        self.stores.contains_key(label)
    }
}

/// An open store as a guest holds it (`spin:key-value` store, `wasi:keyvalue` bucket).
#[derive(Clone)]
pub struct KvHandle {
    pub label: String,
    pub store: Arc<dyn Store>,
    pub metrics: Arc<Metrics>,
}

impl KvHandle {
    /// Counts one operation, then runs it.
    pub fn op<R>(&self, op: &'static str, f: impl FnOnce(&dyn Store) -> Result<R>) -> Result<R> {
        self.metrics.kv_op(&self.label, op);
        f(self.store.as_ref())
    }
}

/// A compare-and-swap in progress: the value read when it began.
pub struct CasHandle {
    pub bucket: KvHandle,
    pub key: String,
    pub current: Option<Vec<u8>>,
}

/// What a component may open: its granted labels over the app's registry.
#[derive(Clone)]
pub struct KvAccess {
    pub registry: Arc<Registry>,
    pub granted: Arc<Vec<String>>,
}

pub enum OpenError {
    AccessDenied,
    NoSuchStore,
}

impl KvAccess {
    pub fn open(&self, label: &str) -> Result<KvHandle, OpenError> {
        // As Spin: a label the component is not granted is denied whether or not it exists.
        if !self.granted.iter().any(|g| g == label) {
            return Err(OpenError::AccessDenied);
        }
        let store = self.registry.get(label).ok_or(OpenError::NoSuchStore)?;
        self.registry.metrics.kv_op(label, "open");
        Ok(KvHandle {
            label: label.to_string(),
            store,
            metrics: self.registry.metrics.clone(),
        })
    }
}
