//! The probe app (`tests/fixtures/probe.toml` + the `spin-probe` component) rendered into a
//! directory, for the test suite and the benchmark.

use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};

const MANIFEST: &str = include_str!("../tests/fixtures/probe.toml");
const RUNTIME_CONFIG: &str = include_str!("../tests/fixtures/runtime-config.toml");

/// The target directory: `$CARGO_TARGET_DIR`, else the workspace's `target`.
pub fn target_dir() -> PathBuf {
    let dir = match std::env::var_os("CARGO_TARGET_DIR") {
        Some(d) => PathBuf::from(d),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"),
    };
    dir.canonicalize().unwrap_or(dir)
}

/// A release component built for wasm32-wasip2, e.g. `spin_probe`.
pub fn component_wasm(name: &str) -> Result<PathBuf> {
    let path = target_dir()
        .join("wasm32-wasip2/release")
        .join(format!("{name}.wasm"));
    if !path.exists() {
        bail!(
            "{} is missing: run scripts/build-components first",
            path.display()
        );
    }
    Ok(path)
}

pub struct ProbeApp {
    pub dir: PathBuf,
    pub manifest: PathBuf,
    pub runtime_config: PathBuf,
}

impl ProbeApp {
    /// Writes the manifest, the runtime config and a `files` directory (with `hello.txt`) into
    /// `dir`, pointing at the built probe wasm.
    pub fn render(dir: &Path) -> Result<ProbeApp> {
        let wasm = component_wasm("spin_probe")?;
        let files = dir.join("static");
        std::fs::create_dir_all(&files)
            .with_context(|| format!("cannot create {}", files.display()))?;
        std::fs::write(files.join("hello.txt"), "hello from a files mount")?;
        let manifest = dir.join("spin.toml");
        let text = MANIFEST
            .replace("@PROBE_WASM@", &wasm.display().to_string())
            .replace("@FILES@", &files.display().to_string());
        std::fs::write(&manifest, text)?;
        let runtime_config = dir.join("runtime-config.toml");
        std::fs::write(&runtime_config, RUNTIME_CONFIG)?;
        Ok(ProbeApp {
            dir: dir.to_path_buf(),
            manifest,
            runtime_config,
        })
    }
}
