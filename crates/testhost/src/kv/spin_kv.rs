//! `spin:key-value/key-value@3.0.0` (async functions) over the label registry.
//! Store operations run on the blocking pool: SQLite calls must not stall the event loop.

use super::{KvHandle, OpenError, Store};
use crate::bindings::spin::key_value::key_value::{self, Error};
use crate::state::HostState;
use wasmtime::component::{Accessor, FutureReader, HasData, Linker, Resource, StreamReader};

pub struct SpinKv;

impl HasData for SpinKv {
    type Data<'a> = &'a mut HostState;
}

pub fn add_to_linker(linker: &mut Linker<HostState>) -> anyhow::Result<()> {
    key_value::add_to_linker::<HostState, SpinKv>(linker, |s| s)?;
    Ok(())
}

fn other(e: impl std::fmt::Display) -> Error {
    Error::Other(e.to_string())
}

fn handle<T>(
    accessor: &Accessor<T, SpinKv>,
    store: &Resource<KvHandle>,
) -> Result<KvHandle, Error> {
    accessor.with(|mut access| access.get().table.get(store).cloned().map_err(other))
}

async fn run<R: Send + 'static>(
    h: KvHandle,
    op: &'static str,
    f: impl FnOnce(&dyn Store) -> anyhow::Result<R> + Send + 'static,
) -> Result<R, Error> {
    tokio::task::spawn_blocking(move || h.op(op, f))
        .await
        .map_err(other)?
        .map_err(other)
}

impl key_value::Host for &mut HostState {}

impl key_value::HostStore for &mut HostState {
    fn drop(&mut self, rep: Resource<KvHandle>) -> wasmtime::Result<()> {
        self.table.delete(rep)?;
        Ok(())
    }
}

impl<T> key_value::HostStoreWithStore<T> for SpinKv {
    async fn open(
        accessor: &Accessor<T, Self>,
        label: String,
    ) -> Result<Resource<KvHandle>, Error> {
        accessor.with(|mut access| {
            let state = access.get();
            let h = state.kv.open(&label).map_err(|e| match e {
                OpenError::AccessDenied => Error::AccessDenied,
                OpenError::NoSuchStore => Error::NoSuchStore,
            })?;
            state.table.push(h).map_err(|_| Error::StoreTableFull)
        })
    }

    async fn get(
        accessor: &Accessor<T, Self>,
        self_: Resource<KvHandle>,
        key: String,
    ) -> Result<Option<Vec<u8>>, Error> {
        let h = handle(accessor, &self_)?;
        run(h, "get", move |s| s.get(&key)).await
    }

    async fn set(
        accessor: &Accessor<T, Self>,
        self_: Resource<KvHandle>,
        key: String,
        value: Vec<u8>,
    ) -> Result<(), Error> {
        let h = handle(accessor, &self_)?;
        run(h, "set", move |s| s.set(&key, &value)).await
    }

    async fn delete(
        accessor: &Accessor<T, Self>,
        self_: Resource<KvHandle>,
        key: String,
    ) -> Result<(), Error> {
        let h = handle(accessor, &self_)?;
        run(h, "delete", move |s| s.delete(&key)).await
    }

    async fn exists(
        accessor: &Accessor<T, Self>,
        self_: Resource<KvHandle>,
        key: String,
    ) -> Result<bool, Error> {
        let h = handle(accessor, &self_)?;
        run(h, "exists", move |s| s.exists(&key)).await
    }

    async fn get_keys(
        accessor: &Accessor<T, Self>,
        self_: Resource<KvHandle>,
    ) -> wasmtime::Result<(StreamReader<String>, FutureReader<Result<(), Error>>)> {
        let keys = match handle(accessor, &self_) {
            Ok(h) => run(h, "get_keys", |s| s.keys()).await,
            Err(e) => Err(e),
        };
        let (keys, result) = match keys {
            Ok(keys) => (keys, Ok(())),
            Err(e) => (Vec::new(), Err(e)),
        };
        accessor.with(|mut access| {
            let stream = StreamReader::new(&mut access, keys)?;
            let future =
                FutureReader::new(&mut access, async move { wasmtime::error::Ok(result) })?;
            Ok((stream, future))
        })
    }
}
