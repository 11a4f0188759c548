//! The stored forms of the queue: event bodies, delivery records and leases.
//!
//! An event body is a JSON header line, `\n`, then the caller's event bytes untouched (so the
//! event is neither re-parsed nor re-encoded on its way through the queue).

use serde::{Deserialize, Serialize};

use crate::StandardEvent;
use crate::config::TenantId;

/// What the queue knows about an event besides its bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct EventHeader {
    pub tenant: TenantId,
    pub event_id: String,
    pub event_name: StandardEvent,
    pub enqueued_at: i64,
}

pub(crate) fn encode_event(header: &EventHeader, event_json: &[u8]) -> Vec<u8> {
    // serde_json never writes a raw newline, so the first `\n` ends the header.
    let mut out = serde_json::to_vec(header).unwrap_or_default();
    out.push(b'\n');
    out.extend_from_slice(event_json);
    out
}

/// `None` for a corrupt body.
pub(crate) fn decode_event(bytes: &[u8]) -> Option<(EventHeader, Vec<u8>)> {
    let nl = bytes.iter().position(|b| *b == b'\n')?;
    let header = serde_json::from_slice(&bytes[..nl]).ok()?;
    Some((header, bytes[nl + 1..].to_vec()))
}

/// One delivery of an event to one config (the value of `d/{config}/{due}/{eid}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DeliveryRecord {
    pub tenant: TenantId,
    pub event_id: String,
    pub event_name: StandardEvent,
    /// Attempts made so far.
    pub attempt: u32,
    pub first_enqueued_at: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    /// Whether other configs got the same event. With a due index there is no scan to count
    /// an event's users, so a shared body is left to [`super::sweep_orphan_events`].
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub shared: bool,
}

pub(crate) fn to_json<T: Serialize>(v: &T) -> Vec<u8> {
    // Serialising these plain structs cannot fail; an empty value would read back as corrupt.
    serde_json::to_vec(v).unwrap_or_default()
}

/// A config's lease (the value of `lease/{config}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct LeaseRecord {
    pub owner: String,
    pub until: i64,
}

impl LeaseRecord {
    /// The value a released lease holds: free for anyone.
    pub fn released() -> Vec<u8> {
        to_json(&LeaseRecord {
            owner: String::new(),
            until: 0,
        })
    }
}

/// Whether a lease value leaves the config free to claim at `now_ms`; a corrupt lease is free
/// (it can only be taken over by compare-and-swap on its exact bytes).
pub(crate) fn lease_is_free(value: Option<&[u8]>, now_ms: i64) -> bool {
    match value {
        None => true,
        Some(v) => serde_json::from_slice::<LeaseRecord>(v).map_or(true, |l| l.until <= now_ms),
    }
}
