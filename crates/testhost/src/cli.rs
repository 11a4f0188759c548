//! The `testhost` command line: `up` (like `spin up`), `mock` (the mock platforms) and
//! `demo-site` (the demo trainer's site that `scripts/dev` puts behind the edge).

use crate::{HostConfig, KvBackend};
use anyhow::{Context, Result};
use clap::{Parser, Subcommand, ValueEnum};
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "testhost",
    about = "Run a Spin 4.1 app on wasmtime, like `spin up`"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum KvKind {
    /// In-memory stores: nothing persists (tests).
    Memory,
}

#[derive(Subcommand)]
pub enum Command {
    /// Serve the application, as `spin up`.
    Up {
        /// The manifest, or the directory holding `spin.toml`.
        #[arg(long, short = 'f', default_value = "spin.toml")]
        from: PathBuf,
        #[arg(long, default_value = "127.0.0.1:3000")]
        listen: SocketAddr,
        /// An application variable, `KEY=VALUE`; beats `SPIN_VARIABLE_KEY` and the default.
        #[arg(long = "variable", value_parser = parse_pair)]
        variables: Vec<(String, String)>,
        /// Key-value stores by label (`[key_value_store.<label>]`, `type = "spin"`).
        #[arg(long)]
        runtime_config_file: Option<PathBuf>,
        /// Run each component's build command first.
        #[arg(long)]
        build: bool,
        /// Keep key-value stores in memory instead of SQLite files.
        #[arg(long, value_enum)]
        kv: Option<KvKind>,
        /// Serve `GET /metrics` (key-value operation and request counts) on this address.
        #[arg(long)]
        metrics_listen: Option<SocketAddr>,
    },
    /// Serve the mock ad platforms (Meta, TikTok, Google).
    Mock {
        #[arg(long, default_value = "127.0.0.1:3001")]
        listen: SocketAddr,
    },
    /// Serve the demo trainer's site (static pages and its two forms), as an origin.
    DemoSite {
        /// The directory of the site's files.
        #[arg(long, default_value = "demo/site")]
        root: PathBuf,
        #[arg(long, default_value = "127.0.0.1:3002")]
        listen: SocketAddr,
        /// The app (`127.0.0.1:3000`) to which a paid checkout reports its payment, as
        /// TrainerERP's backend does; the secret comes from `SPIN_VARIABLE_INGEST_SIGNING_SECRET`.
        #[arg(long)]
        app: Option<SocketAddr>,
        /// The tenant the payments belong to.
        #[arg(long, default_value = "demo")]
        tenant: String,
    },
}

fn parse_pair(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_string(), v.to_string())),
        _ => Err(format!("expected KEY=VALUE, got {s:?}")),
    }
}

pub async fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Mock { listen } => mock_platforms::serve(listen).await,
        Command::DemoSite {
            root,
            listen,
            app,
            tenant,
        } => {
            // From the environment, not an argument: arguments show in `ps`.
            let backend = match app {
                Some(app) => {
                    let secret = std::env::var("SPIN_VARIABLE_INGEST_SIGNING_SECRET")
                        .context("--app needs SPIN_VARIABLE_INGEST_SIGNING_SECRET")?;
                    Some(crate::demo_site::Backend {
                        app,
                        tenant,
                        secret,
                    })
                }
                None => None,
            };
            crate::demo_site::serve(root, listen, backend).await
        }
        Command::Up {
            from,
            listen,
            variables,
            runtime_config_file,
            build,
            kv,
            metrics_listen,
        } => {
            let manifest_file = if from.is_dir() {
                from.join("spin.toml")
            } else {
                from
            };
            if build {
                let manifest = crate::manifest::Manifest::load(&manifest_file)?;
                crate::build::build_all(&manifest)?;
            }
            let kv = match (kv, runtime_config_file) {
                (Some(KvKind::Memory), _) => KvBackend::Memory,
                (None, runtime_config) => KvBackend::Sqlite { runtime_config },
            };
            let config = HostConfig {
                manifest: manifest_file,
                variables,
                env: None,
                kv,
            };
            let host = crate::start(config, listen).await?;
            if let Some(addr) = metrics_listen {
                let listener = tokio::net::TcpListener::bind(addr)
                    .await
                    .with_context(|| format!("cannot listen on {addr} for metrics"))?;
                let (_keep, rx) = tokio::sync::watch::channel(false);
                tokio::spawn(crate::server::serve_metrics(
                    listener,
                    host.app.registry.metrics.clone(),
                    rx,
                ));
                std::mem::forget(_keep);
                eprintln!("metrics on http://{addr}/metrics");
            }
            eprintln!("serving http://{}", host.addr);
            eprintln!("Available Routes:");
            for (route, component) in host.routes() {
                let (path, wildcard) = match route.strip_suffix("/...") {
                    Some(p) => (p.to_string(), " (wildcard)"),
                    None => (route.clone(), ""),
                };
                eprintln!(
                    "  {component}: http://{}{}{wildcard}",
                    host.addr,
                    if path.is_empty() { "/" } else { &path }
                );
            }
            for component in &host.app.private {
                eprintln!("  {component}: private (http://{component}.spin.internal)");
            }
            tokio::signal::ctrl_c()
                .await
                .context("waiting for ctrl-c")?;
            host.shutdown().await;
            Ok(())
        }
    }
}

/// Exit code and message for a failed start, as `spin up` prints `Error: ...`.
pub fn report(e: &anyhow::Error) -> i32 {
    eprintln!("Error: {e:#}");
    1
}
