//! In-memory store for tests: one map behind one lock.

use super::{Store, decode_counter};
use anyhow::Result;
use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};

#[derive(Default)]
pub struct MemoryStore {
    map: Mutex<BTreeMap<String, Vec<u8>>>,
}

impl MemoryStore {
    fn lock(&self) -> MutexGuard<'_, BTreeMap<String, Vec<u8>>> {
        self.map.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Store for MemoryStore {
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>> {
        Ok(self.lock().get(key).cloned())
    }
    fn set(&self, key: &str, value: &[u8]) -> Result<()> {
        self.lock().insert(key.to_string(), value.to_vec());
        Ok(())
    }
    fn delete(&self, key: &str) -> Result<()> {
        self.lock().remove(key);
        Ok(())
    }
    fn exists(&self, key: &str) -> Result<bool> {
        Ok(self.lock().contains_key(key))
    }
    fn keys(&self) -> Result<Vec<String>> {
        Ok(self.lock().keys().cloned().collect())
    }
    fn increment(&self, key: &str, delta: i64) -> Result<i64> {
        let mut map = self.lock();
        let old = match map.get(key) {
            Some(v) => decode_counter(key, v)?,
            None => 0,
        };
        let new = old.wrapping_add(delta);
        map.insert(key.to_string(), new.to_le_bytes().to_vec());
        Ok(new)
    }
    fn swap_if(&self, key: &str, expected: Option<&[u8]>, value: &[u8]) -> Result<bool> {
        let mut map = self.lock();
        if map.get(key).map(Vec::as_slice) != expected {
            return Ok(false);
        }
        map.insert(key.to_string(), value.to_vec());
        Ok(true)
    }
    fn dump(&self) -> Result<Vec<(String, Vec<u8>)>> {
        Ok(self
            .lock()
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect())
    }
}
