//! The data of one component instance's `Store`: WASI, wasi:http with the outbound hooks,
//! key-value access and variables.

use crate::kv::KvAccess;
use crate::outbound_hooks::OutboundHooks;
use std::collections::BTreeMap;
use std::sync::Arc;
use wasmtime::component::ResourceTable;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};

pub struct HostState {
    pub table: ResourceTable,
    pub wasi: WasiCtx,
    pub http: WasiHttpCtx,
    pub hooks: OutboundHooks,
    pub kv: KvAccess,
    /// The component's variables, already expanded from the application variables.
    pub variables: Arc<BTreeMap<String, String>>,
}

impl WasiView for HostState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl WasiHttpView for HostState {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView {
            ctx: &mut self.http,
            table: &mut self.table,
            hooks: &mut self.hooks,
        }
    }
}

/// The `view` function `ProxyHandler` needs.
pub fn http_view(state: &mut HostState) -> WasiHttpCtxView<'_> {
    state.http()
}
