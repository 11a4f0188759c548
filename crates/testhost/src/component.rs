//! One component of the app: its pre-instance, what it is granted, and how `ProxyHandler`
//! instantiates and retires its instances (Spin 4.1's policy: up to 128 requests per instance,
//! 16 at once, dropped after 1 s idle; work spawned after a response keeps the instance alive).

use crate::app::AppInner;
use crate::kv::KvAccess;
use crate::outbound::AllowedHosts;
use crate::outbound_hooks::OutboundHooks;
use crate::state::{HostState, http_view};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::{Arc, Weak};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use wasmtime::component::{GuestTaskId, ResourceTable};
use wasmtime::{Engine, Store, StoreContextMut};
use wasmtime_wasi::{FsPerms, WasiCtx};
use wasmtime_wasi_http::WasiHttpCtx;
use wasmtime_wasi_http::handler::{
    HandlerState, Instance, Proxy, ShouldAccept, WorkerExpiration, WorkerState, WorkerStatus,
};
use wasmtime_wasi_http::p3::bindings::ServicePre;

const MAX_REQUESTS_PER_INSTANCE: usize = 128;
const MAX_CONCURRENT_PER_INSTANCE: usize = 16;
const IDLE_TIMEOUT: Duration = Duration::from_secs(1);

/// A `files` mount: host directory → guest path, read-only.
#[derive(Debug, Clone)]
pub struct Mount {
    pub host: PathBuf,
    pub guest: String,
}

/// Everything needed to make a store for this component.
pub struct ComponentState {
    pub id: String,
    pub engine: Engine,
    pub pre: ServicePre<HostState>,
    pub allowed: Arc<AllowedHosts>,
    pub kv: KvAccess,
    pub variables: Arc<BTreeMap<String, String>>,
    pub mounts: Vec<Mount>,
    pub app: Weak<AppInner>,
    /// The app's outbound HTTP client (one pool for the whole app, as Spin's).
    pub http: crate::outbound_http::OutboundHttp,
}

impl ComponentState {
    fn new_host_state(&self) -> wasmtime::Result<HostState> {
        let mut wasi = WasiCtx::builder();
        // As `spin up`, the component's stdout and stderr go to the terminal.
        wasi.inherit_stdout().inherit_stderr();
        for m in &self.mounts {
            wasi.preopened_dir(&m.host, &m.guest, FsPerms::ReadOnly)?;
        }
        Ok(HostState {
            table: ResourceTable::new(),
            wasi: wasi.build(),
            http: WasiHttpCtx::new(),
            hooks: OutboundHooks {
                component: self.id.clone(),
                allowed: self.allowed.clone(),
                app: self.app.clone(),
                http: self.http.clone(),
            },
            kv: self.kv.clone(),
            variables: self.variables.clone(),
        })
    }
}

impl HandlerState for ComponentState {
    type StoreData = HostState;
    type WorkerExpiration = IdleExpiry;
    type WorkerState = Worker;

    async fn instantiate(&self) -> wasmtime::Result<Instance<HostState, IdleExpiry, Worker>> {
        let mut store = Store::new(&self.engine, self.new_host_state()?);
        let service = self.pre.instantiate_async(&mut store).await?;
        Ok(Instance {
            store,
            proxy: Proxy::P3(service),
            view: http_view,
            expiration: IdleExpiry {
                sleep: Box::pin(tokio::time::sleep(IDLE_TIMEOUT)),
                armed_for: None,
            },
            state: Worker {
                component: self.id.clone(),
            },
        })
    }
}

/// Retires an instance after it has been idle for `IDLE_TIMEOUT`. There is no request timeout:
/// `spin up` has none by default, so spawned work runs to completion.
pub struct IdleExpiry {
    sleep: Pin<Box<tokio::time::Sleep>>,
    armed_for: Option<Instant>,
}

impl WorkerExpiration for IdleExpiry {
    fn poll(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        state: WorkerStatus,
        start: Instant,
    ) -> Poll<()> {
        let this = self.get_mut();
        if state != WorkerStatus::Idle {
            return Poll::Pending;
        }
        let deadline = start + IDLE_TIMEOUT;
        if this.armed_for != Some(deadline) {
            this.sleep.as_mut().reset(deadline.into());
            this.armed_for = Some(deadline);
        }
        this.sleep.as_mut().poll(cx)
    }
}

pub struct Worker {
    component: String,
}

impl WorkerState for Worker {
    type StoreData = HostState;
    type RequestData = ();

    fn should_accept_request(&self, concurrent: usize, total: usize) -> ShouldAccept {
        if total >= MAX_REQUESTS_PER_INSTANCE {
            ShouldAccept::Never
        } else if concurrent >= MAX_CONCURRENT_PER_INSTANCE {
            ShouldAccept::No
        } else {
            ShouldAccept::Yes
        }
    }

    fn on_request_start(
        &self,
        _store: StoreContextMut<'_, HostState>,
        _data: (),
        _task: GuestTaskId,
    ) -> Pin<Box<dyn Future<Output = ()> + Send + Sync>> {
        Box::pin(std::future::pending())
    }

    fn drop(&self, store: Store<HostState>, result: wasmtime::Result<()>) {
        // "worker panicked" is also what a runtime shutting down reports for live workers; a real
        // panic prints its own message.
        if let Err(e) = result.as_ref().map_err(|e| e.to_string())
            && e != "worker panicked"
        {
            eprintln!(
                "component {:?}: instance ended with an error: {e:?}",
                self.component
            );
        }
        drop(store);
    }
}
