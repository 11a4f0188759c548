//! The delivery log per config: newest first, bounded at [`LOG_CAPACITY`] entries.
//!
//! A ring of fixed slots `log/{config}/{slot}` and a sequence counter `logseq/{config}`:
//! an append of n entries is one `increment` (which hands out n sequence numbers, so concurrent
//! appenders never share a slot) plus one `set_many`; a listing is one `increment(_, 0)` plus
//! one `get_many`. Older entries are overwritten in place, so the bound costs nothing.
//!
//! Each entry stores its own id (its sequence number, from 1). A slot whose id is not the one
//! expected (not yet written by a concurrent appender, or a corrupt value) is skipped.

use serde::{Deserialize, Serialize};

use crate::config::ConfigId;
use crate::kv::{KvError, KvStore};
use crate::schema;

/// Entries kept per config.
pub const LOG_CAPACITY: u64 = 1_000;

/// The outcome a log entry (and a config's `lastEvent`) records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LogStatus {
    Success,
    Retry,
    Failed,
    DeadLetter,
    Cancelled,
    Test,
    /// A Google Data Manager request accepted, its outcome not known yet.
    Pending,
}

/// One log entry, as `GET .../logs` returns it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LogEntry {
    /// Assigned by [`append`] (the entry's sequence number); whatever the caller puts is replaced.
    #[serde(default)]
    pub id: String,
    /// Unix ms.
    pub timestamp: i64,
    pub event_name: String,
    pub status: LogStatus,
    pub response_code: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
    /// What was sent, hashed fields only; never the token.
    pub payload: serde_json::Value,
    pub latency_ms: u64,
    pub attempt: u32,
}

/// Append `entries` (oldest first) to `config`'s log. Two KV operations whatever the count;
/// of a batch larger than the ring only the newest [`LOG_CAPACITY`] are written.
pub async fn append<S: KvStore>(
    logs: &S,
    config: &ConfigId,
    entries: Vec<LogEntry>,
) -> Result<(), KvError> {
    if entries.is_empty() {
        return Ok(());
    }
    let n = entries.len() as u64;
    let end = logs
        .increment(&schema::log_seq_key(config), n as i64)
        .await?;
    let end = u64::try_from(end).map_err(|_| KvError(format!("negative log sequence {end}")))?;
    let first = end.saturating_sub(n) + 1;
    let skip = n.saturating_sub(LOG_CAPACITY);
    let mut pairs = Vec::with_capacity((n - skip) as usize);
    for (i, mut entry) in entries.into_iter().enumerate().skip(skip as usize) {
        let seq = first + i as u64;
        entry.id = seq.to_string();
        let value = serde_json::to_vec(&entry).map_err(|e| KvError(e.to_string()))?;
        pairs.push((schema::log_slot_key(config, seq % LOG_CAPACITY), value));
    }
    logs.set_many(&pairs).await
}

/// The newest `limit` entries of `config`'s log, newest first (at most [`LOG_CAPACITY`]).
pub async fn list<S: KvStore>(
    logs: &S,
    config: &ConfigId,
    limit: usize,
) -> Result<Vec<LogEntry>, KvError> {
    let end = logs.increment(&schema::log_seq_key(config), 0).await?;
    let end = u64::try_from(end).unwrap_or(0);
    let n = (limit as u64).min(end).min(LOG_CAPACITY);
    if n == 0 {
        return Ok(Vec::new());
    }
    let seqs: Vec<u64> = (0..n).map(|i| end - i).collect();
    let keys: Vec<String> = seqs
        .iter()
        .map(|s| schema::log_slot_key(config, s % LOG_CAPACITY))
        .collect();
    let values = logs.get_many(&keys).await?;
    Ok(seqs
        .iter()
        .zip(values)
        .filter_map(|(seq, v)| {
            let entry: LogEntry = serde_json::from_slice(&v?).ok()?;
            (entry.id == seq.to_string()).then_some(entry)
        })
        .collect())
}

/// Remove `config`'s whole log (the config was deleted).
pub async fn purge<S: KvStore>(logs: &S, config: &ConfigId) -> Result<(), KvError> {
    let mut keys: Vec<String> = (0..LOG_CAPACITY)
        .map(|slot| schema::log_slot_key(config, slot))
        .collect();
    keys.push(schema::log_seq_key(config));
    logs.delete_many(&keys).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kv::MemoryStore;
    use futures::executor::block_on;

    pub(crate) fn entry(t: i64, status: LogStatus) -> LogEntry {
        LogEntry {
            id: String::new(),
            timestamp: t,
            event_name: "PURCHASE".into(),
            status,
            response_code: Some(200),
            error_message: None,
            payload: serde_json::json!({"em": "a".repeat(64)}),
            latency_ms: 120,
            attempt: 1,
        }
    }

    fn cfg() -> ConfigId {
        ConfigId::parse("c1").unwrap()
    }

    #[test]
    fn newest_first_with_ids() {
        let s = MemoryStore::new();
        block_on(async {
            append(
                &s,
                &cfg(),
                vec![entry(1, LogStatus::Retry), entry(2, LogStatus::Success)],
            )
            .await
            .unwrap();
            append(&s, &cfg(), vec![entry(3, LogStatus::Test)])
                .await
                .unwrap();
            let got = list(&s, &cfg(), 50).await.unwrap();
            let ts: Vec<(i64, &str)> = got.iter().map(|e| (e.timestamp, e.id.as_str())).collect();
            assert_eq!(ts, vec![(3, "3"), (2, "2"), (1, "1")]);
            assert_eq!(list(&s, &cfg(), 2).await.unwrap().len(), 2);
            assert!(
                list(&s, &ConfigId::parse("other").unwrap(), 50)
                    .await
                    .unwrap()
                    .is_empty()
            );
        });
    }

    #[test]
    fn bounded_at_one_thousand() {
        let s = MemoryStore::new();
        block_on(async {
            for batch in 0..25 {
                let entries = (0..100)
                    .map(|i| entry(batch * 100 + i, LogStatus::Success))
                    .collect();
                append(&s, &cfg(), entries).await.unwrap();
            }
            let got = list(&s, &cfg(), 5_000).await.unwrap();
            assert_eq!(got.len(), 1_000);
            assert_eq!(got[0].timestamp, 2_499);
            assert_eq!(got[999].timestamp, 1_500);
            let slots = s.dump().keys().filter(|k| k.starts_with("log/")).count();
            assert_eq!(
                slots, 1_000,
                "older entries are overwritten, not accumulated"
            );
            // A batch larger than the ring keeps its newest entries.
            let big = (0..1_500)
                .map(|i| entry(10_000 + i, LogStatus::Retry))
                .collect();
            append(&s, &cfg(), big).await.unwrap();
            let got = list(&s, &cfg(), 1_000).await.unwrap();
            assert_eq!(got.len(), 1_000);
            assert_eq!(got[0].timestamp, 11_499);
            assert_eq!(got[999].timestamp, 10_500);
        });
    }

    #[test]
    fn few_kv_operations() {
        let s = MemoryStore::new();
        block_on(async {
            let entries = (0..500).map(|i| entry(i, LogStatus::Success)).collect();
            append(&s, &cfg(), entries).await.unwrap();
            assert_eq!(s.op_count(), 2);
            list(&s, &cfg(), 50).await.unwrap();
            assert_eq!(s.op_count(), 4);
        });
    }

    #[test]
    fn stale_or_corrupt_slots_are_skipped() {
        let s = MemoryStore::new();
        block_on(async {
            append(
                &s,
                &cfg(),
                vec![entry(1, LogStatus::Success), entry(2, LogStatus::Success)],
            )
            .await
            .unwrap();
            s.set(&schema::log_slot_key(&cfg(), 2), b"{not json")
                .await
                .unwrap();
            // A reserved but unwritten slot (a concurrent appender between its two operations).
            s.increment(&schema::log_seq_key(&cfg()), 1).await.unwrap();
            let got = list(&s, &cfg(), 10).await.unwrap();
            assert_eq!(got.iter().map(|e| e.timestamp).collect::<Vec<_>>(), vec![1]);
            purge(&s, &cfg()).await.unwrap();
            assert!(list(&s, &cfg(), 10).await.unwrap().is_empty());
        });
    }

    #[test]
    fn wire_form_matches_the_contract() {
        let mut e = entry(5, LogStatus::DeadLetter);
        e.error_message = Some("Invalid parameter".into());
        let v = serde_json::to_value(&e).unwrap();
        for k in [
            "id",
            "timestamp",
            "eventName",
            "status",
            "responseCode",
            "errorMessage",
            "payload",
            "latencyMs",
            "attempt",
        ] {
            assert!(v.get(k).is_some(), "{k}");
        }
        assert_eq!(v["status"], "dead_letter");
    }
}
