//! `spin:redis/redis@3.0.0`, outbound Redis, as Spin's `factor-outbound-redis` serves it: `open`
//! checks the address against `allowed_outbound_hosts` (`redis://host:port`) and answers
//! `invalid-address` when it is not allowed; `execute` runs any command and flattens nested
//! replies into one list (`nil`, `status`, `int64`, `binary`), as Spin does; a refused command is
//! `other(message)`.
//!
//! Each connection is a real TCP connection to the server (the blocking client in
//! [`crate::kv::resp`], run on the blocking pool). The test host has no connection limit.

use crate::bindings::spin::redis::redis::{self, Error, RedisParameter, RedisResult};
use crate::kv::resp::{self, Conn, Reply};
use crate::state::HostState;
use std::sync::{Arc, Mutex};
use wasmtime::component::{Accessor, HasData, Linker, Resource};

/// A guest's open connection.
#[derive(Clone)]
pub struct RedisConn(Arc<Mutex<Conn>>);

pub struct SpinRedis;

impl HasData for SpinRedis {
    type Data<'a> = &'a mut HostState;
}

pub fn add_to_linker(linker: &mut Linker<HostState>) -> anyhow::Result<()> {
    redis::add_to_linker::<HostState, SpinRedis>(linker, |s| s)?;
    Ok(())
}

fn other(e: impl std::fmt::Display) -> Error {
    Error::Other(e.to_string())
}

fn conn<T>(accessor: &Accessor<T, SpinRedis>, c: &Resource<RedisConn>) -> Result<RedisConn, Error> {
    accessor.with(|mut access| access.get().table.get(c).cloned().map_err(other))
}

/// Runs one command on the blocking pool.
async fn run(c: RedisConn, args: Vec<Vec<u8>>) -> Result<Reply, Error> {
    tokio::task::spawn_blocking(move || {
        let mut conn = c.0.lock().unwrap_or_else(|e| e.into_inner());
        conn.cmd(&args)
    })
    .await
    .map_err(other)?
    .map_err(other)
    .and_then(|r| r.ok().map_err(other))
}

fn flatten(reply: Reply, out: &mut Vec<RedisResult>) {
    match reply {
        Reply::Nil => out.push(RedisResult::Nil),
        Reply::Status(s) => out.push(RedisResult::Status(s)),
        Reply::Int(n) => out.push(RedisResult::Int64(n)),
        Reply::Bulk(b) => out.push(RedisResult::Binary(b)),
        Reply::Array(items) => items.into_iter().for_each(|r| flatten(r, out)),
        // `run` turns server errors into `Err` before this point.
        Reply::Error(e) => out.push(RedisResult::Status(e)),
    }
}

impl redis::Host for &mut HostState {}

impl redis::HostConnection for &mut HostState {
    fn drop(&mut self, rep: Resource<RedisConn>) -> wasmtime::Result<()> {
        self.table.delete(rep)?;
        Ok(())
    }
}

fn args(cmd: &str, rest: impl IntoIterator<Item = Vec<u8>>) -> Vec<Vec<u8>> {
    std::iter::once(cmd.as_bytes().to_vec())
        .chain(rest)
        .collect()
}

/// `SADD`/`SREM key value...` on the guest's connection: the raw reply.
async fn set_members<T>(
    accessor: &Accessor<T, SpinRedis>,
    c: &Resource<RedisConn>,
    cmd: &str,
    key: String,
    values: Vec<String>,
) -> Result<Reply, Error> {
    let rest = std::iter::once(key.into_bytes()).chain(values.into_iter().map(String::into_bytes));
    run(conn(accessor, c)?, args(cmd, rest)).await
}

impl<T> redis::HostConnectionWithStore<T> for SpinRedis {
    async fn open(
        accessor: &Accessor<T, Self>,
        address: String,
    ) -> Result<Resource<RedisConn>, Error> {
        let Ok((host, port, _)) = resp::parse_url(&address) else {
            return Err(Error::InvalidAddress);
        };
        let allowed = accessor.with(|mut access| access.get().hooks.allowed.clone());
        if !allowed.allows("redis", &host, Some(port)) {
            let component = accessor.with(|mut access| access.get().hooks.component.clone());
            eprintln!(
                "testhost: component {component:?} may not open redis://{host}:{port} (add it to allowed_outbound_hosts)"
            );
            return Err(Error::InvalidAddress);
        }
        let conn = tokio::task::spawn_blocking(move || Conn::open(&address))
            .await
            .map_err(other)?
            .map_err(other)?;
        let conn = RedisConn(Arc::new(Mutex::new(conn)));
        accessor.with(|mut access| {
            access
                .get()
                .table
                .push(conn)
                .map_err(|_| Error::TooManyConnections)
        })
    }

    async fn publish(
        accessor: &Accessor<T, Self>,
        c: Resource<RedisConn>,
        channel: String,
        payload: Vec<u8>,
    ) -> Result<(), Error> {
        run(
            conn(accessor, &c)?,
            args("PUBLISH", [channel.into_bytes(), payload]),
        )
        .await?;
        Ok(())
    }

    async fn get(
        accessor: &Accessor<T, Self>,
        c: Resource<RedisConn>,
        key: String,
    ) -> Result<Option<Vec<u8>>, Error> {
        run(conn(accessor, &c)?, args("GET", [key.into_bytes()]))
            .await?
            .into_bytes()
            .map_err(other)
    }

    async fn set(
        accessor: &Accessor<T, Self>,
        c: Resource<RedisConn>,
        key: String,
        value: Vec<u8>,
    ) -> Result<(), Error> {
        run(conn(accessor, &c)?, args("SET", [key.into_bytes(), value])).await?;
        Ok(())
    }

    async fn incr(
        accessor: &Accessor<T, Self>,
        c: Resource<RedisConn>,
        key: String,
    ) -> Result<i64, Error> {
        run(
            conn(accessor, &c)?,
            args("INCRBY", [key.into_bytes(), b"1".to_vec()]),
        )
        .await?
        .into_int()
        .map_err(|_| Error::TypeError)
    }

    async fn del(
        accessor: &Accessor<T, Self>,
        c: Resource<RedisConn>,
        keys: Vec<String>,
    ) -> Result<u32, Error> {
        let n = run(
            conn(accessor, &c)?,
            args("DEL", keys.into_iter().map(String::into_bytes)),
        )
        .await?
        .into_int()
        .map_err(other)?;
        Ok(n as u32)
    }

    async fn sadd(
        accessor: &Accessor<T, Self>,
        c: Resource<RedisConn>,
        key: String,
        values: Vec<String>,
    ) -> Result<u32, Error> {
        let n = set_members(accessor, &c, "SADD", key, values)
            .await?
            .into_int()
            .map_err(|_| Error::TypeError)?;
        Ok(n as u32)
    }

    async fn smembers(
        accessor: &Accessor<T, Self>,
        c: Resource<RedisConn>,
        key: String,
    ) -> Result<Vec<String>, Error> {
        run(conn(accessor, &c)?, args("SMEMBERS", [key.into_bytes()]))
            .await?
            .into_array()
            .map_err(other)?
            .into_iter()
            .map(|r| {
                let b = r.into_bytes().map_err(other)?.unwrap_or_default();
                String::from_utf8(b).map_err(|_| Error::TypeError)
            })
            .collect()
    }

    async fn srem(
        accessor: &Accessor<T, Self>,
        c: Resource<RedisConn>,
        key: String,
        values: Vec<String>,
    ) -> Result<u32, Error> {
        let n = set_members(accessor, &c, "SREM", key, values)
            .await?
            .into_int()
            .map_err(other)?;
        Ok(n as u32)
    }

    async fn execute(
        accessor: &Accessor<T, Self>,
        c: Resource<RedisConn>,
        command: String,
        arguments: Vec<RedisParameter>,
    ) -> Result<Vec<RedisResult>, Error> {
        let rest = arguments.into_iter().map(|a| match a {
            RedisParameter::Int64(n) => n.to_string().into_bytes(),
            RedisParameter::Binary(b) => b,
        });
        let reply = run(conn(accessor, &c)?, args(&command, rest)).await?;
        let mut out = Vec::new();
        flatten(reply, &mut out);
        Ok(out)
    }
}
