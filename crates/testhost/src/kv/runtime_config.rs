//! `runtime-config.toml`: the key-value stores by label. Other sections are ignored.

use anyhow::{Context, Result, bail};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreConfig {
    /// `type = "spin"`: SQLite at `path`, or in memory without one.
    Sqlite(Option<PathBuf>),
    /// `type = "redis"`, `url = "redis://host:port[/db]"`: Spin's Redis store, flaws included.
    Redis(String),
}

#[derive(Debug, Clone, Default)]
pub struct RuntimeConfig {
    pub key_value_stores: BTreeMap<String, StoreConfig>,
}

#[derive(Deserialize)]
struct Raw {
    #[serde(default)]
    key_value_store: BTreeMap<String, RawStore>,
}

#[derive(Deserialize)]
struct RawStore {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    path: Option<PathBuf>,
    #[serde(default)]
    url: Option<String>,
}

impl RuntimeConfig {
    pub fn load(file: &Path) -> Result<RuntimeConfig> {
        let text = std::fs::read_to_string(file)
            .with_context(|| format!("cannot read runtime config {}", file.display()))?;
        let raw: Raw = toml::from_str(&text)
            .with_context(|| format!("invalid runtime config {}", file.display()))?;
        // Relative paths resolve against the runtime config file's directory.
        let base = file.parent().unwrap_or(Path::new("."));
        let mut key_value_stores = BTreeMap::new();
        for (label, store) in raw.key_value_store {
            let config = match store.kind.as_str() {
                "spin" => StoreConfig::Sqlite(store.path.map(|p| base.join(p))),
                // As Spin: `url` is required and must be a Redis URL.
                "redis" => match store.url {
                    Some(url) => {
                        super::resp::parse_url(&url)
                            .with_context(|| format!("key_value_store.{label}: url"))?;
                        StoreConfig::Redis(url)
                    }
                    None => bail!("key_value_store.{label}: type \"redis\" needs a `url`"),
                },
                other => bail!(
                    "key_value_store.{label}: type {other:?} is not supported by the test host (only \"spin\" and \"redis\")"
                ),
            };
            key_value_stores.insert(label, config);
        }
        Ok(RuntimeConfig { key_value_stores })
    }
}
