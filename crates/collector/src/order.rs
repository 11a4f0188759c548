//! The one derivation of a Purchase's `event_id` from its order id, shared by the thank-you page
//! at the edge and the backend's payment event, so the platforms (and our queue) count one
//! purchase per order whichever side reports it first.

use pixel_core::event::EventId;
use sha2::{Digest, Sha256};

/// `order-<order id>` when the order id is short printable ASCII, else `order-` and the first
/// 32 hex digits of its SHA-256 (an id must be at most 128 printable ASCII characters).
/// `None` for an empty order id.
pub fn purchase_event_id(order_id: &str) -> Option<EventId> {
    let order_id = order_id.trim();
    if order_id.is_empty() {
        return None;
    }
    let plain = order_id.len() <= 100 && order_id.bytes().all(|b| b.is_ascii_graphic());
    let id = if plain {
        format!("order-{order_id}")
    } else {
        let digest = Sha256::digest(order_id.as_bytes());
        format!("order-{}", hex::encode(&digest[..16]))
    };
    EventId::parse(&id).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_order_gives_the_same_event_id_and_junk_still_gives_a_valid_one() {
        let a = purchase_event_id(" A-1001 ").unwrap();
        assert_eq!(a.as_str(), "order-A-1001");
        assert_eq!(purchase_event_id("A-1001"), Some(a));
        let spaced = purchase_event_id("pedido número 7").unwrap();
        assert_eq!(spaced.as_str().len(), 6 + 32);
        assert_eq!(
            purchase_event_id(&"x".repeat(300)).unwrap().as_str().len(),
            38
        );
        assert_eq!(purchase_event_id("  "), None);
    }
}
