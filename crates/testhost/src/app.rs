//! A loaded application: the manifest checked and resolved as Spin does at start-up, one
//! `ProxyHandler` per component, and request dispatch with Spin's routing and headers.

use crate::component::{ComponentState, Mount};
use crate::kv::{KvAccess, KvBackend, Registry};
use crate::manifest::{Manifest, RouteDecl};
use crate::outbound::AllowedHosts;
use crate::routes::{RouteMatch, Router};
use crate::state::HostState;
use crate::variables::{Variables, check_name};
use anyhow::{Context, Result, bail};
use bytes::Bytes;
use http::{HeaderValue, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use wasmtime::Engine;
use wasmtime::component::Linker;
use wasmtime_wasi_http::handler::ProxyHandler;
use wasmtime_wasi_http::p3::bindings::ServicePre;
use wasmtime_wasi_http::{Error, WasiBody};

pub struct AppInner {
    pub name: String,
    pub router: Router,
    pub registry: Arc<Registry>,
    handlers: HashMap<String, ProxyHandler<ComponentState>>,
    /// Components with `route = { private = true }`, for the start-up listing.
    pub private: Vec<String>,
}

/// Everything `load` needs besides the manifest.
pub struct LoadOptions {
    pub variables: Vec<(String, String)>,
    pub env: HashMap<String, String>,
    pub kv: KvBackend,
}

fn linker(engine: &Engine) -> Result<Linker<HostState>> {
    let mut linker = Linker::new(engine);
    wasmtime_wasi::p2::add_to_linker_async(&mut linker).to_anyhow()?;
    wasmtime_wasi::p3::add_to_linker(&mut linker).to_anyhow()?;
    wasmtime_wasi_http::p3::add_to_linker(&mut linker).to_anyhow()?;
    crate::kv::spin_kv::add_to_linker(&mut linker)?;
    crate::kv::wasi_kv::add_to_linker(&mut linker)?;
    crate::variables_host::add_to_linker(&mut linker)?;
    crate::redis_host::add_to_linker(&mut linker)?;
    Ok(linker)
}

trait ToAnyhow<T> {
    fn to_anyhow(self) -> Result<T>;
}
impl<T> ToAnyhow<T> for wasmtime::Result<T> {
    fn to_anyhow(self) -> Result<T> {
        self.map_err(anyhow::Error::from)
    }
}

fn shared_linker(engine: &Engine) -> Result<&'static Linker<HostState>> {
    static LINKER: OnceLock<Linker<HostState>> = OnceLock::new();
    if let Some(l) = LINKER.get() {
        return Ok(l);
    }
    let l = linker(engine)?;
    Ok(LINKER.get_or_init(|| l))
}

fn mounts(
    manifest: &Manifest,
    id: &str,
    files: &[crate::manifest::FileMount],
) -> Result<Vec<Mount>> {
    files
        .iter()
        .map(|f| {
            let host = manifest.resolve(&f.source);
            if !host.is_dir() {
                bail!(
                    "component {id:?}: files source {} is not a directory (build it first; single files and globs are not supported by the test host)",
                    host.display()
                );
            }
            Ok(Mount { host, guest: f.destination.clone() })
        })
        .collect()
}

impl AppInner {
    /// Loads and checks the app, compiling (or loading cached) components. Blocking.
    pub fn load(manifest: &Manifest, opts: LoadOptions) -> Result<Arc<AppInner>> {
        let vars = Variables::resolve(manifest, &opts.variables, &opts.env)?;
        let labels: Vec<String> = manifest
            .components
            .values()
            .flat_map(|c| c.key_value_stores.iter().cloned())
            .collect();
        let registry = Arc::new(Registry::open(&opts.kv, &manifest.dir, &labels)?);
        let engine = crate::compile::engine()?;
        let linker = shared_linker(&engine)?;
        let router = Router::build(&manifest.http_triggers)?;
        let runtime_config = match &opts.kv {
            KvBackend::Sqlite { runtime_config } => runtime_config.as_deref(),
            _ => None,
        };
        let blocked = crate::blocked::BlockedNetworks::load(runtime_config)?;
        let http = crate::outbound_http::OutboundHttp::new(
            crate::outbound_http::OutboundHttpConfig::load(runtime_config)?,
            blocked.clone(),
        );

        struct Prepared {
            id: String,
            pre: ServicePre<HostState>,
            allowed: Arc<AllowedHosts>,
            kv: KvAccess,
            variables: Arc<BTreeMap<String, String>>,
            mounts: Vec<Mount>,
        }
        let mut prepared = Vec::new();
        for (id, c) in &manifest.components {
            for label in &c.key_value_stores {
                if !registry.contains(label) {
                    bail!(
                        "unknown key_value_stores label {label:?} for component {id:?} (declare it in the runtime config: --runtime-config-file)"
                    );
                }
            }
            let allowed = c
                .allowed_outbound_hosts
                .iter()
                .map(|h| vars.expand(h))
                .collect::<Result<Vec<_>>>()
                .with_context(|| format!("component {id:?}: allowed_outbound_hosts"))?;
            let allowed = AllowedHosts::parse(&allowed)
                .with_context(|| format!("component {id:?}: allowed_outbound_hosts"))?
                .with_blocked(blocked.clone());
            let mut variables = BTreeMap::new();
            for (name, template) in &c.variables {
                check_name(name).with_context(|| format!("component {id:?}: variable {name:?}"))?;
                let value = vars
                    .expand(template)
                    .with_context(|| format!("component {id:?}: variable {name:?}"))?;
                variables.insert(name.clone(), value);
            }
            let source = manifest.resolve(&c.source);
            let component = crate::compile::load_component(&engine, &source)
                .with_context(|| format!("component {id:?}"))?;
            let pre = linker
                .instantiate_pre(&component)
                .to_anyhow()
                .with_context(|| format!("component {id:?}: cannot link its imports"))?;
            let pre = ServicePre::new(pre).to_anyhow().with_context(|| {
                format!("component {id:?} does not export wasi:http/handler@0.3.0")
            })?;
            prepared.push(Prepared {
                id: id.clone(),
                pre,
                allowed: Arc::new(allowed),
                kv: KvAccess {
                    registry: registry.clone(),
                    granted: Arc::new(c.key_value_stores.clone()),
                },
                variables: Arc::new(variables),
                mounts: mounts(manifest, id, &c.files)?,
            });
        }
        let private = manifest
            .http_triggers
            .iter()
            .filter(|t| t.route == RouteDecl::Private)
            .map(|t| t.component.clone())
            .collect();
        Ok(Arc::new_cyclic(|app| AppInner {
            name: manifest.name.clone(),
            router,
            registry,
            private,
            handlers: prepared
                .into_iter()
                .map(|p| {
                    let state = ComponentState {
                        id: p.id.clone(),
                        engine: engine.clone(),
                        pre: p.pre,
                        allowed: p.allowed,
                        kv: p.kv,
                        variables: p.variables,
                        mounts: p.mounts,
                        app: app.clone(),
                        http: http.clone(),
                    };
                    (p.id, ProxyHandler::new(state))
                })
                .collect(),
        }))
    }

    /// A request from outside: routed by the triggers; private routes are not reachable.
    pub async fn handle_external(
        &self,
        req: Request<WasiBody>,
        client: SocketAddr,
    ) -> Response<WasiBody> {
        let Some(m) = self.router.route(req.uri().path()) else {
            return text(StatusCode::NOT_FOUND, "Not Found");
        };
        let req = with_spin_headers(req, &m, &client.to_string());
        match self.dispatch(&m.component, req).await {
            Ok(res) => res,
            Err(e) => {
                eprintln!("component {:?} failed: {e:?}", m.component);
                text(StatusCode::INTERNAL_SERVER_ERROR, "")
            }
        }
    }

    /// A service-chaining request for `http://<id>.spin.internal/...`.
    pub async fn handle_chained(
        &self,
        id: &str,
        req: Request<WasiBody>,
    ) -> Result<Response<WasiBody>, Error> {
        if !self.handlers.contains_key(id) {
            return Err(Error::DestinationNotFound);
        }
        let m = RouteMatch {
            component: id.to_string(),
            matched_route: "/...".to_string(),
            component_route: String::new(),
            path_info: req.uri().path().to_string(),
        };
        let req = with_spin_headers(req, &m, "127.0.0.1:0");
        self.dispatch(id, req)
            .await
            .map_err(|e| Error::InternalError(Some(format!("{e:?}"))))
    }

    async fn dispatch(&self, id: &str, req: Request<WasiBody>) -> Result<Response<WasiBody>> {
        let handler = self.handlers.get(id).context("no such component")?;
        self.registry.metrics.request(id);
        handler.handle((), req).await.map_err(anyhow::Error::from)
    }
}

fn text(status: StatusCode, body: &'static str) -> Response<WasiBody> {
    let mut res = Response::new(
        Full::new(Bytes::from_static(body.as_bytes()))
            .map_err(|e| match e {})
            .boxed_unsync(),
    );
    *res.status_mut() = status;
    res
}

/// Adds the headers Spin gives a component, replacing any a client sent.
fn with_spin_headers(
    mut req: Request<WasiBody>,
    m: &RouteMatch,
    client: &str,
) -> Request<WasiBody> {
    let full_url = req.uri().to_string();
    let pairs = [
        ("spin-full-url", full_url.as_str()),
        ("spin-path-info", m.path_info.as_str()),
        ("spin-matched-route", m.matched_route.as_str()),
        ("spin-raw-component-route", m.matched_route.as_str()),
        ("spin-component-route", m.component_route.as_str()),
        ("spin-base-path", "/"),
        ("spin-client-addr", client),
    ];
    for (name, value) in pairs {
        if let Ok(v) = HeaderValue::from_str(value) {
            req.headers_mut().insert(name, v);
        }
    }
    req
}
