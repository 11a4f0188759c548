//! One `Engine` per process and compiled components cached on disk, keyed by the wasm's hash and
//! the engine's compatibility hash (wasmtime version and settings), so restarts and test runs
//! deserialize instead of recompiling.

use anyhow::{Context, Result};
use sha2::{Digest, Sha256};
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use wasmtime::component::Component;
use wasmtime::{Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig};

/// The process-wide engine: every app started in this process shares it and its code.
pub fn engine() -> Result<Engine> {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    if let Some(e) = ENGINE.get() {
        return Ok(e.clone());
    }
    let engine = new_engine()?;
    Ok(ENGINE.get_or_init(|| engine).clone())
}

fn base_config() -> Config {
    let mut config = Config::new();
    config.wasm_component_model_async(true);
    config
}

fn new_engine() -> Result<Engine> {
    // Pooling, as Spin: instances are recycled from preallocated slots.
    let mut pooling = PoolingAllocationConfig::default();
    pooling.total_component_instances(1000);
    pooling.total_memories(1000);
    pooling.total_tables(2000);
    pooling.max_memory_size(256 << 20);
    let mut config = base_config();
    config.allocation_strategy(InstanceAllocationStrategy::Pooling(pooling));
    match Engine::new(&config) {
        Ok(e) => Ok(e),
        Err(err) => {
            // Machines that refuse the pool's address-space reservation still run, on demand.
            tracing::warn!("pooling allocator unavailable ({err}); allocating on demand");
            Engine::new(&base_config()).map_err(anyhow::Error::from)
        }
    }
}

/// `$TESTHOST_CACHE_DIR`, else `$CARGO_TARGET_DIR/testhost-cache`, else the workspace's
/// `target/testhost-cache`.
pub fn cache_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("TESTHOST_CACHE_DIR") {
        return PathBuf::from(d);
    }
    if let Some(d) = std::env::var_os("CARGO_TARGET_DIR") {
        return PathBuf::from(d).join("testhost-cache");
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/testhost-cache")
}

fn cache_key(engine: &Engine, wasm: &[u8]) -> String {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    engine.precompile_compatibility_hash().hash(&mut h);
    let digest = Sha256::digest(wasm);
    format!("{}-{:016x}", hex::encode(&digest[..16]), h.finish())
}

/// Loads a component, from the cache when its compiled form is there.
pub fn load_component(engine: &Engine, path: &Path) -> Result<Component> {
    let wasm = std::fs::read(path).with_context(|| {
        format!(
            "cannot read component {} (build the components first)",
            path.display()
        )
    })?;
    let dir = cache_dir();
    let file = dir.join(format!("{}.cwasm", cache_key(engine, &wasm)));
    if file.exists() {
        match deserialize(engine, &file) {
            Ok(c) => return Ok(c),
            Err(e) => tracing::warn!("ignoring stale cache entry {}: {e}", file.display()),
        }
    }
    let compiled = engine
        .precompile_component(&wasm)
        .map_err(anyhow::Error::from)
        .with_context(|| format!("cannot compile {}", path.display()))?;
    if std::fs::create_dir_all(&dir).is_ok() {
        // Write then rename, so a concurrent reader never sees half a file.
        let tmp = dir.join(format!(
            ".{}.{}",
            std::process::id(),
            file.file_name().and_then(|n| n.to_str()).unwrap_or("c")
        ));
        if std::fs::write(&tmp, &compiled).is_ok() {
            _ = std::fs::rename(&tmp, &file);
        }
    }
    deserialize_own(engine, &compiled)
}

// The only unsafe code of the crate: wasmtime cannot verify that precompiled code is its own.
#[allow(unsafe_code)]
fn deserialize(engine: &Engine, file: &Path) -> Result<Component> {
    // SAFETY: the file is one this host wrote under its own cache directory, named by the hash of
    // the source wasm and of the engine settings; wasmtime checks the version and settings again.
    unsafe { Component::deserialize_file(engine, file) }.map_err(anyhow::Error::from)
}

#[allow(unsafe_code)]
fn deserialize_own(engine: &Engine, compiled: &[u8]) -> Result<Component> {
    // SAFETY: `compiled` was produced a moment ago by `engine.precompile_component`.
    unsafe { Component::deserialize(engine, compiled) }.map_err(anyhow::Error::from)
}
