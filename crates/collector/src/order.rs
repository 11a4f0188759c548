//! The one derivation of a Purchase's `event_id` from its order id, shared by the thank-you page
//! at the edge and the backend's payment event, so the platforms (and our queue) count one
//! purchase per order whichever side reports it first; and the signed thank-you URL.
//!
//! TrainerERP may append `firma=<hex>` to the thank-you URL it redirects to: an HMAC-SHA256 of
//! `"<order id>|<value with two decimals>"` under a key derived from the `ingest_signing_secret`
//! (HMAC of `"thank-you-url"` under that secret, so a URL signature can never pass for an
//! ingest signature). A site with `requireSignedOrders` yields no Purchase without a valid one.

use hmac::{Hmac, Mac};
use pixel_core::event::EventId;
use sha2::{Digest, Sha256};

/// The query parameter that carries a thank-you URL's signature.
pub const SIGNATURE_PARAM: &str = "firma";

/// What the thank-you URL's signature says about its order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderProof {
    /// Signed by TrainerERP: order and value are the backend's.
    Signed,
    /// No signature: anyone could have typed this URL.
    Unsigned,
    /// A signature that does not match: a tampered URL.
    Forged,
}

fn url_key(ingest_secret: &[u8]) -> Vec<u8> {
    let mut m = Hmac::<Sha256>::new_from_slice(ingest_secret).expect("HMAC takes any key length");
    m.update(b"thank-you-url");
    m.finalize().into_bytes().to_vec()
}

fn url_mac(ingest_secret: &[u8], order_id: &str, value: f64) -> Hmac<Sha256> {
    let mut m = Hmac::<Sha256>::new_from_slice(&url_key(ingest_secret)).expect("any key length");
    m.update(format!("{}|{value:.2}", order_id.trim()).as_bytes());
    m
}

/// The `firma` TrainerERP appends for `order_id` and `value`.
pub fn sign_thank_you(ingest_secret: &[u8], order_id: &str, value: f64) -> String {
    hex::encode(
        url_mac(ingest_secret, order_id, value)
            .finalize()
            .into_bytes(),
    )
}

/// Check a thank-you URL's `firma` (hex) for its order, in constant time.
pub fn order_proof(
    signature: Option<&str>,
    ingest_secret: &[u8],
    order_id: &str,
    value: f64,
) -> OrderProof {
    let Some(sig) = signature.map(str::trim).filter(|s| !s.is_empty()) else {
        return OrderProof::Unsigned;
    };
    let mut mac = [0u8; 32];
    if hex::decode_to_slice(sig, &mut mac).is_err() {
        return OrderProof::Forged;
    }
    match url_mac(ingest_secret, order_id, value).verify_slice(&mac) {
        Ok(()) => OrderProof::Signed,
        Err(_) => OrderProof::Forged,
    }
}

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

    #[test]
    fn a_thank_you_signature_binds_order_and_value() {
        let s = b"ingest-secret";
        let sig = sign_thank_you(s, "A-1002", 499.0);
        assert_eq!(
            order_proof(Some(&sig), s, "A-1002", 499.0),
            OrderProof::Signed
        );
        assert_eq!(
            order_proof(Some(&sig), s, " A-1002 ", 499.001),
            OrderProof::Signed
        );
        assert_eq!(
            order_proof(Some(&sig), s, "A-1002", 0.01),
            OrderProof::Forged
        );
        assert_eq!(
            order_proof(Some(&sig), s, "A-1003", 499.0),
            OrderProof::Forged
        );
        assert_eq!(
            order_proof(Some(&sig), b"other", "A-1002", 499.0),
            OrderProof::Forged
        );
        assert_eq!(
            order_proof(Some("zz"), s, "A-1002", 499.0),
            OrderProof::Forged
        );
        assert_eq!(order_proof(None, s, "A-1002", 499.0), OrderProof::Unsigned);
        // Not the ingest signature of the same text.
        assert_ne!(sig, crate::signature::sign(b"A-1002|499.00", s, 0));
    }
}
