//! `wasi:keyvalue@0.2.0-draft2` store, atomics and batch (synchronous imports).
//!
//! Compare-and-swap as Spin: `cas.new` reads the current value; `swap` writes only if the value
//! is unchanged since, else `cas-failed` with a fresh handle holding the newer value.

use super::{CasHandle, KvHandle, OpenError};
use crate::bindings::wasi::keyvalue::{atomics, batch, store};
use crate::state::HostState;
use store::Error;
use wasmtime::component::{HasData, Linker, Resource};

pub struct WasiKv;

impl HasData for WasiKv {
    type Data<'a> = &'a mut HostState;
}

pub fn add_to_linker(linker: &mut Linker<HostState>) -> anyhow::Result<()> {
    store::add_to_linker::<HostState, WasiKv>(linker, |s| s)?;
    atomics::add_to_linker::<HostState, WasiKv>(linker, |s| s)?;
    batch::add_to_linker::<HostState, WasiKv>(linker, |s| s)?;
    Ok(())
}

fn other(e: impl std::fmt::Display) -> Error {
    Error::Other(e.to_string())
}

fn bucket(state: &mut HostState, b: &Resource<KvHandle>) -> Result<KvHandle, Error> {
    state.table.get(b).cloned().map_err(other)
}

impl store::Host for &mut HostState {
    fn open(&mut self, identifier: String) -> Result<Resource<KvHandle>, Error> {
        let h = self.kv.open(&identifier).map_err(|e| match e {
            OpenError::AccessDenied => Error::AccessDenied,
            OpenError::NoSuchStore => Error::NoSuchStore,
        })?;
        self.table.push(h).map_err(other)
    }
}

impl store::HostBucket for &mut HostState {
    fn get(&mut self, b: Resource<KvHandle>, key: String) -> Result<Option<Vec<u8>>, Error> {
        bucket(self, &b)?.op("get", |s| s.get(&key)).map_err(other)
    }

    fn set(&mut self, b: Resource<KvHandle>, key: String, value: Vec<u8>) -> Result<(), Error> {
        bucket(self, &b)?
            .op("set", |s| s.set(&key, &value))
            .map_err(other)
    }

    fn delete(&mut self, b: Resource<KvHandle>, key: String) -> Result<(), Error> {
        bucket(self, &b)?
            .op("delete", |s| s.delete(&key))
            .map_err(other)
    }

    fn exists(&mut self, b: Resource<KvHandle>, key: String) -> Result<bool, Error> {
        bucket(self, &b)?
            .op("exists", |s| s.exists(&key))
            .map_err(other)
    }

    fn list_keys(
        &mut self,
        b: Resource<KvHandle>,
        _cursor: Option<String>,
    ) -> Result<store::KeyResponse, Error> {
        // One page with every key, as Spin's SQLite store answers.
        let keys = bucket(self, &b)?
            .op("list_keys", |s| s.keys())
            .map_err(other)?;
        Ok(store::KeyResponse { keys, cursor: None })
    }

    fn drop(&mut self, rep: Resource<KvHandle>) -> wasmtime::Result<()> {
        self.table.delete(rep)?;
        Ok(())
    }
}

impl atomics::Host for &mut HostState {
    fn increment(&mut self, b: Resource<KvHandle>, key: String, delta: i64) -> Result<i64, Error> {
        bucket(self, &b)?
            .op("increment", |s| s.increment(&key, delta))
            .map_err(other)
    }

    fn swap(&mut self, cas: Resource<CasHandle>, value: Vec<u8>) -> Result<(), atomics::CasError> {
        let c = self
            .table
            .delete(cas)
            .map_err(|e| atomics::CasError::StoreError(other(e)))?;
        let swapped = c
            .bucket
            .op("swap", |s| s.swap_if(&c.key, c.current.as_deref(), &value))
            .map_err(|e| atomics::CasError::StoreError(other(e)))?;
        if swapped {
            return Ok(());
        }
        let current = c
            .bucket
            .op("get", |s| s.get(&c.key))
            .map_err(|e| atomics::CasError::StoreError(other(e)))?;
        let fresh = CasHandle {
            bucket: c.bucket,
            key: c.key,
            current,
        };
        let fresh = self
            .table
            .push(fresh)
            .map_err(|e| atomics::CasError::StoreError(other(e)))?;
        Err(atomics::CasError::CasFailed(fresh))
    }
}

impl atomics::HostCas for &mut HostState {
    fn new(&mut self, b: Resource<KvHandle>, key: String) -> Result<Resource<CasHandle>, Error> {
        let b = bucket(self, &b)?;
        let current = b.op("cas_new", |s| s.get(&key)).map_err(other)?;
        self.table
            .push(CasHandle {
                bucket: b,
                key,
                current,
            })
            .map_err(other)
    }

    fn current(&mut self, cas: Resource<CasHandle>) -> Result<Option<Vec<u8>>, Error> {
        Ok(self.table.get(&cas).map_err(other)?.current.clone())
    }

    fn drop(&mut self, rep: Resource<CasHandle>) -> wasmtime::Result<()> {
        self.table.delete(rep)?;
        Ok(())
    }
}

impl batch::Host for &mut HostState {
    fn get_many(
        &mut self,
        b: Resource<KvHandle>,
        keys: Vec<String>,
    ) -> Result<Vec<(String, Option<Vec<u8>>)>, Error> {
        bucket(self, &b)?
            .op("get_many", |s| s.get_many(&keys))
            .map_err(other)
    }

    fn set_many(
        &mut self,
        b: Resource<KvHandle>,
        entries: Vec<(String, Vec<u8>)>,
    ) -> Result<(), Error> {
        bucket(self, &b)?
            .op("set_many", |s| s.set_many(&entries))
            .map_err(other)
    }

    fn delete_many(&mut self, b: Resource<KvHandle>, keys: Vec<String>) -> Result<(), Error> {
        bucket(self, &b)?
            .op("delete_many", |s| s.delete_many(&keys))
            .map_err(other)
    }
}
