//! SQLite stores with Spin's schema: `spin_key_value(store, key, value)`, the label in `store`.
//! One connection per file, shared by the labels on that file, so operations are serialised.

use super::{Store, decode_counter};
use anyhow::{Context, Result};
use rusqlite::{Connection, OptionalExtension, params};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

/// Opens each file once.
#[derive(Default)]
pub(super) struct Connections {
    open: HashMap<PathBuf, Arc<Mutex<Connection>>>,
}

impl Connections {
    pub(super) fn open(&mut self, path: &Path, label: &str) -> Result<SqliteStore> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
        }
        let conn = match self.open.get(path) {
            Some(c) => c.clone(),
            None => {
                let conn = Connection::open(path)
                    .with_context(|| format!("cannot open key-value store {}", path.display()))?;
                conn.execute_batch(
                    "CREATE TABLE IF NOT EXISTS spin_key_value (
                        store TEXT NOT NULL,
                        key TEXT NOT NULL,
                        value BLOB NOT NULL,
                        PRIMARY KEY (store, key)
                    );",
                )?;
                // Another process may hold the file (a restart racing the old one): wait for it.
                conn.busy_timeout(std::time::Duration::from_secs(5))?;
                let conn = Arc::new(Mutex::new(conn));
                self.open.insert(path.to_path_buf(), conn.clone());
                conn
            }
        };
        Ok(SqliteStore {
            conn,
            label: label.to_string(),
        })
    }
}

pub struct SqliteStore {
    conn: Arc<Mutex<Connection>>,
    label: String,
}

impl SqliteStore {
    fn lock(&self) -> MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn read(conn: &Connection, store: &str, key: &str) -> Result<Option<Vec<u8>>> {
        Ok(conn
            .prepare_cached("SELECT value FROM spin_key_value WHERE store = ?1 AND key = ?2")?
            .query_row(params![store, key], |r| r.get(0))
            .optional()?)
    }

    fn write(conn: &Connection, store: &str, key: &str, value: &[u8]) -> Result<()> {
        conn.prepare_cached(
            "INSERT INTO spin_key_value (store, key, value) VALUES (?1, ?2, ?3)
             ON CONFLICT (store, key) DO UPDATE SET value = excluded.value",
        )?
        .execute(params![store, key, value])?;
        Ok(())
    }
}

impl Store for SqliteStore {
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>> {
        Self::read(&self.lock(), &self.label, key)
    }

    fn set(&self, key: &str, value: &[u8]) -> Result<()> {
        Self::write(&self.lock(), &self.label, key, value)
    }

    fn delete(&self, key: &str) -> Result<()> {
        self.lock()
            .prepare_cached("DELETE FROM spin_key_value WHERE store = ?1 AND key = ?2")?
            .execute(params![self.label, key])?;
        Ok(())
    }

    fn exists(&self, key: &str) -> Result<bool> {
        Ok(self.get(key)?.is_some())
    }

    fn keys(&self) -> Result<Vec<String>> {
        let conn = self.lock();
        let mut stmt = conn.prepare_cached("SELECT key FROM spin_key_value WHERE store = ?1")?;
        let keys = stmt
            .query_map(params![self.label], |r| r.get(0))?
            .collect::<rusqlite::Result<Vec<String>>>()?;
        Ok(keys)
    }

    fn increment(&self, key: &str, delta: i64) -> Result<i64> {
        let conn = self.lock();
        let old = match Self::read(&conn, &self.label, key)? {
            Some(v) => decode_counter(key, &v)?,
            None => 0,
        };
        let new = old.wrapping_add(delta);
        Self::write(&conn, &self.label, key, &new.to_le_bytes())?;
        Ok(new)
    }

    fn swap_if(&self, key: &str, expected: Option<&[u8]>, value: &[u8]) -> Result<bool> {
        let conn = self.lock();
        if Self::read(&conn, &self.label, key)?.as_deref() != expected {
            return Ok(false);
        }
        Self::write(&conn, &self.label, key, value)?;
        Ok(true)
    }

    fn dump(&self) -> Result<Vec<(String, Vec<u8>)>> {
        let conn = self.lock();
        let mut stmt = conn.prepare_cached(
            "SELECT key, value FROM spin_key_value WHERE store = ?1 ORDER BY key",
        )?;
        let rows = stmt
            .query_map(params![self.label], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }
}
