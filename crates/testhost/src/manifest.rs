//! `spin.toml` (manifest version 2): the subset the app and the probe use, parsed into typed values.
//!
//! Unknown fields are ignored, as Spin tolerates fields of triggers and plugins it does not run.

use anyhow::{Context, Result, bail};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A parsed manifest with its directory, against which relative paths resolve.
#[derive(Debug, Clone)]
pub struct Manifest {
    pub dir: PathBuf,
    pub name: String,
    pub variables: BTreeMap<String, VariableDecl>,
    pub http_triggers: Vec<HttpTrigger>,
    pub components: BTreeMap<String, ComponentDecl>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VariableDecl {
    #[serde(default)]
    pub default: Option<String>,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub secret: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RouteDecl {
    Path(String),
    Private,
}

#[derive(Debug, Clone)]
pub struct HttpTrigger {
    pub route: RouteDecl,
    pub component: String,
}

#[derive(Debug, Clone)]
pub struct FileMount {
    /// Host directory or file, relative to the manifest's directory.
    pub source: PathBuf,
    /// Guest path.
    pub destination: String,
}

#[derive(Debug, Clone)]
pub struct ComponentDecl {
    pub id: String,
    pub source: PathBuf,
    pub files: Vec<FileMount>,
    pub key_value_stores: Vec<String>,
    pub allowed_outbound_hosts: Vec<String>,
    pub variables: BTreeMap<String, String>,
    pub build: Option<BuildDecl>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct BuildDecl {
    pub command: String,
    #[serde(default)]
    pub workdir: Option<String>,
}

#[derive(Deserialize)]
struct RawManifest {
    spin_manifest_version: u32,
    application: RawApplication,
    #[serde(default)]
    variables: BTreeMap<String, VariableDecl>,
    #[serde(default)]
    trigger: RawTriggers,
    #[serde(default)]
    component: BTreeMap<String, RawComponent>,
}

#[derive(Deserialize)]
struct RawApplication {
    name: String,
}

#[derive(Deserialize, Default)]
struct RawTriggers {
    #[serde(default)]
    http: Vec<RawHttpTrigger>,
}

#[derive(Deserialize)]
struct RawHttpTrigger {
    route: RawRoute,
    component: String,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawRoute {
    Path(String),
    Private { private: bool },
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawSource {
    Path(String),
    /// `{ url = "...", digest = "..." }` sources are not fetched by the test host.
    Other(serde::de::IgnoredAny),
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawFile {
    Path(String),
    Mount { source: String, destination: String },
}

#[derive(Deserialize)]
struct RawComponent {
    source: RawSource,
    #[serde(default)]
    files: Vec<RawFile>,
    #[serde(default)]
    key_value_stores: Vec<String>,
    #[serde(default)]
    allowed_outbound_hosts: Vec<String>,
    #[serde(default)]
    variables: BTreeMap<String, String>,
    #[serde(default)]
    build: Option<BuildDecl>,
}

impl Manifest {
    pub fn load(path: &Path) -> Result<Manifest> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read manifest {}", path.display()))?;
        let dir = path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."));
        let dir = if dir.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            dir
        };
        Self::parse(&text, dir).with_context(|| format!("invalid manifest {}", path.display()))
    }

    pub fn parse(text: &str, dir: PathBuf) -> Result<Manifest> {
        let raw: RawManifest = toml::from_str(text)?;
        if raw.spin_manifest_version != 2 {
            bail!("spin_manifest_version must be 2");
        }
        let mut components = BTreeMap::new();
        for (id, c) in raw.component {
            let source = match c.source {
                RawSource::Path(p) => PathBuf::from(p),
                RawSource::Other(_) => bail!("component {id:?}: only file sources are supported"),
            };
            let files = c
                .files
                .into_iter()
                .map(|f| match f {
                    // A plain entry keeps its relative path inside the guest, as in Spin.
                    RawFile::Path(p) => FileMount {
                        destination: format!("/{}", p.trim_start_matches("./")),
                        source: PathBuf::from(p),
                    },
                    RawFile::Mount {
                        source,
                        destination,
                    } => FileMount {
                        source: PathBuf::from(source),
                        destination,
                    },
                })
                .collect();
            components.insert(
                id.clone(),
                ComponentDecl {
                    id,
                    source,
                    files,
                    key_value_stores: c.key_value_stores,
                    allowed_outbound_hosts: c.allowed_outbound_hosts,
                    variables: c.variables,
                    build: c.build,
                },
            );
        }
        let mut http_triggers = Vec::new();
        for t in raw.trigger.http {
            if !components.contains_key(&t.component) {
                bail!("trigger refers to unknown component {:?}", t.component);
            }
            let route = match t.route {
                RawRoute::Path(p) => RouteDecl::Path(p),
                RawRoute::Private { private: true } => RouteDecl::Private,
                RawRoute::Private { private: false } => {
                    bail!("route = {{ private = false }} is not a valid route")
                }
            };
            http_triggers.push(HttpTrigger {
                route,
                component: t.component,
            });
        }
        for name in raw.variables.keys() {
            crate::variables::check_name(name)
                .with_context(|| format!("invalid application variable {name:?}"))?;
        }
        Ok(Manifest {
            dir,
            name: raw.application.name,
            variables: raw.variables,
            http_triggers,
            components,
        })
    }

    /// A manifest-relative path made absolute (or left as is when already absolute).
    pub fn resolve(&self, p: &Path) -> PathBuf {
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            self.dir.join(p)
        }
    }
}
