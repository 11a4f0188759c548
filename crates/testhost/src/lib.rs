//! `testhost`: runs a Spin 4.1 application (the real `spin.toml` and compiled components) on
//! wasmtime 48, behaving like Spin where the app relies on it: routing, private routes,
//! `allowed_outbound_hosts`, service chaining, key-value labels (SQLite, Redis or memory),
//! outbound Redis (`spin:redis`), variables, `files` mounts, and work spawned after the
//! response running to completion.
//!
//! `type = "redis"` stores reproduce Spin's Redis store **deliberately, flaws included**: its
//! compare-and-swap reports failure on every swap (see `kv/redis.rs`), because an app that
//! passed here and failed under Spin would make every test a lie.
//!
//! Library use (tests, benchmarks): [`start`] a [`HostConfig`] on an address, drive it over
//! HTTP, inspect storage through [`RunningHost`], then [`RunningHost::shutdown`].

pub mod app;
pub mod bindings;
pub mod blocked;
pub mod build;
pub mod cli;
pub mod client;
pub mod compile;
pub mod component;
pub mod demo_backend;
pub mod demo_site;
pub mod kv;
pub mod manifest;
pub mod outbound;
pub mod outbound_hooks;
pub mod outbound_http;
pub mod probe;
pub mod redis_host;
pub mod routes;
pub mod server;
pub mod state;
pub mod variables;
pub mod variables_host;

use anyhow::{Context, Result};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use tokio::sync::watch;

pub use kv::KvBackend;

/// What to run and with which settings.
#[derive(Debug, Clone)]
pub struct HostConfig {
    /// Path to `spin.toml` (or to the directory holding it).
    pub manifest: PathBuf,
    /// `--variable KEY=VALUE` pairs: highest precedence.
    pub variables: Vec<(String, String)>,
    /// Environment for `SPIN_VARIABLE_*`; `None` reads the process environment.
    pub env: Option<HashMap<String, String>>,
    pub kv: KvBackend,
}

impl HostConfig {
    /// In-memory stores, no variables, the process environment.
    pub fn new(manifest: impl Into<PathBuf>) -> HostConfig {
        HostConfig {
            manifest: manifest.into(),
            variables: Vec::new(),
            env: None,
            kv: KvBackend::Memory,
        }
    }

    pub fn variable(mut self, key: &str, value: &str) -> HostConfig {
        self.variables.push((key.to_string(), value.to_string()));
        self
    }
}

/// A host serving on `addr` until [`RunningHost::shutdown`] (or drop).
pub struct RunningHost {
    pub addr: SocketAddr,
    pub(crate) app: Arc<app::AppInner>,
    stop: watch::Sender<bool>,
    server: Option<tokio::task::JoinHandle<()>>,
}

fn manifest_path(p: &std::path::Path) -> PathBuf {
    if p.is_dir() {
        p.join("spin.toml")
    } else {
        p.to_path_buf()
    }
}

/// Loads the app (compiling components once per process, cached on disk) and starts serving.
/// Fails as `spin up` does on a bad manifest, a missing required variable or an unknown store label.
pub async fn start(config: HostConfig, listen: SocketAddr) -> Result<RunningHost> {
    let app = tokio::task::spawn_blocking(move || load(&config)).await??;
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    let addr = listener.local_addr()?;
    let (stop, stop_rx) = watch::channel(false);
    let server = tokio::spawn(server::serve(listener, app.clone(), stop_rx));
    Ok(RunningHost {
        addr,
        app,
        stop,
        server: Some(server),
    })
}

fn load(config: &HostConfig) -> Result<Arc<app::AppInner>> {
    let manifest = manifest::Manifest::load(&manifest_path(&config.manifest))?;
    let env = config
        .env
        .clone()
        .unwrap_or_else(|| std::env::vars().collect());
    app::AppInner::load(
        &manifest,
        app::LoadOptions {
            variables: config.variables.clone(),
            env,
            kv: config.kv.clone(),
        },
    )
}

impl RunningHost {
    /// The value at `key` in store `label`, read directly from storage.
    pub fn kv_get(&self, label: &str, key: &str) -> Result<Option<Vec<u8>>> {
        self.store(label)?.get(key)
    }

    /// Every entry of store `label`, to scan raw storage (e.g. for secrets in clear).
    pub fn kv_dump(&self, label: &str) -> Result<Vec<(String, Vec<u8>)>> {
        self.store(label)?.dump()
    }

    /// Key-value operations the components made so far (all labels).
    pub fn kv_op_count(&self) -> u64 {
        self.app.registry.metrics.kv_total()
    }

    /// The `/metrics` document.
    pub fn metrics(&self) -> serde_json::Value {
        self.app.registry.metrics.to_json()
    }

    /// `(route, component)`, most specific first.
    pub fn routes(&self) -> Vec<(String, String)> {
        self.app.router.describe()
    }

    fn store(&self, label: &str) -> Result<Arc<dyn kv::Store>> {
        self.app
            .registry
            .get(label)
            .with_context(|| format!("no key-value store {label:?}"))
    }

    /// Stops accepting connections; open connections finish on their own.
    pub async fn shutdown(mut self) {
        _ = self.stop.send(true);
        if let Some(s) = self.server.take() {
            _ = s.await;
        }
    }
}

impl Drop for RunningHost {
    fn drop(&mut self) {
        _ = self.stop.send(true);
    }
}
