//! Per-instance memory of the edge's lookups (a site by host, a tenant's configs) for
//! [`FRESH_MS`]. Spin serves many requests with one instance (up to 128, 16 at once), so a page
//! under traffic skips two to three key-value reads; a change made in the API reaches the edge
//! within [`FRESH_MS`]. Nothing depends on it for correctness: the dispatcher reads each
//! config again before sending and cancels (and logs) deliveries of a config paused meanwhile.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

/// How long a lookup is reused.
pub const FRESH_MS: u64 = 1_000;
/// Entries per cache; a full cache is emptied (a request then reads the store once more).
const MAX_ENTRIES: usize = 256;

/// A small time-bounded map; pure (the clock is an argument) so its rules are tested natively.
pub struct Recent<V> {
    entries: RefCell<HashMap<String, (u64, Rc<V>)>>,
}

impl<V> Default for Recent<V> {
    fn default() -> Self {
        Self {
            entries: RefCell::default(),
        }
    }
}

impl<V> Recent<V> {
    /// The value stored for `key` less than [`FRESH_MS`] before `now_ms`.
    pub fn get(&self, key: &str, now_ms: u64) -> Option<Rc<V>> {
        let entries = self.entries.borrow();
        let (at, v) = entries.get(key)?;
        (now_ms.saturating_sub(*at) < FRESH_MS && *at <= now_ms).then(|| v.clone())
    }

    pub fn put(&self, key: &str, value: Rc<V>, now_ms: u64) {
        let mut entries = self.entries.borrow_mut();
        if entries.len() >= MAX_ENTRIES && !entries.contains_key(key) {
            entries.clear();
        }
        entries.insert(key.to_owned(), (now_ms, value));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_is_reused_for_a_second_then_read_again() {
        let r: Recent<u32> = Recent::default();
        assert!(r.get("a", 1_000).is_none());
        r.put("a", Rc::new(7), 1_000);
        assert_eq!(r.get("a", 1_000).as_deref(), Some(&7));
        assert_eq!(r.get("a", 1_999).as_deref(), Some(&7));
        assert!(r.get("a", 2_000).is_none(), "stale after FRESH_MS");
        // A clock that went backwards does not make a value fresh forever.
        assert!(r.get("a", 999).is_none());
        assert!(r.get("b", 1_500).is_none());
    }

    #[test]
    fn the_map_stays_bounded() {
        let r: Recent<usize> = Recent::default();
        for i in 0..(MAX_ENTRIES * 3) {
            r.put(&format!("k{i}"), Rc::new(i), 5);
        }
        assert!(r.entries.borrow().len() <= MAX_ENTRIES);
        let last = MAX_ENTRIES * 3 - 1;
        assert_eq!(r.get(&format!("k{last}"), 5).as_deref(), Some(&last));
    }
}
