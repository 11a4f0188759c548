//! Hashing of personal data, applied exactly once and at the edge.
//!
//! Raw e-mail addresses and phone numbers never leave the collector: it normalises them per
//! platform scheme (PLATFORMS.md, "Shared rules"), hashes them with SHA-256 and keeps only the
//! hashes in a [`crate::event::HashedIdentity`]. A value that already is a SHA-256 hex digest passes through
//! unchanged (lowercased), so a backend that hashes on its side never gets double-hashed.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;

/// A SHA-256 digest as 64 lowercase hex characters, optionally followed by Meta's parameter
/// builder appendix (`.` and 8 characters), which Meta accepts and we must not strip or reject.
///
/// Only [`HashedValue::hash`] and [`HashedValue::detect`] create one, so a `HashedValue` can never
/// hold a raw e-mail or phone number by mistake.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct HashedValue(String);

impl HashedValue {
    /// Hash an already normalised value.
    pub fn hash(normalised: &str) -> Self {
        HashedValue(hex::encode(Sha256::digest(normalised.as_bytes())))
    }

    /// Recognise a value that is already a SHA-256 hex digest (any case, with or without Meta's
    /// appendix). `None` for anything else, which then has to be normalised and hashed.
    pub fn detect(value: &str) -> Option<Self> {
        let value = value.trim();
        let (digest, appendix) = match value.split_once('.') {
            Some((d, a)) => (d, Some(a)),
            None => (value, None),
        };
        if digest.len() != 64 || !digest.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let mut out = digest.to_ascii_lowercase();
        if let Some(appendix) = appendix {
            let ok = appendix.len() == 8
                && appendix
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
            if !ok {
                return None;
            }
            // The appendix is Meta's opaque marker: keep its case as given.
            out.push('.');
            out.push_str(appendix);
        }
        Some(HashedValue(out))
    }

    /// Pass an existing hash through, otherwise normalise with `normalise` and hash.
    /// `None` when the raw value does not normalise to anything usable.
    pub fn from_input(raw: &str, normalise: impl FnOnce(&str) -> Option<String>) -> Option<Self> {
        if let Some(h) = Self::detect(raw) {
            return Some(h);
        }
        normalise(raw).map(|n| Self::hash(&n))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for HashedValue {
    type Error = String;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        HashedValue::detect(&value).ok_or_else(|| "not a SHA-256 hex digest".to_owned())
    }
}

impl From<HashedValue> for String {
    fn from(value: HashedValue) -> Self {
        value.0
    }
}

impl fmt::Display for HashedValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_lowercase_sha256_hex() {
        // Known vector: sha256("abc").
        assert_eq!(
            HashedValue::hash("abc").as_str(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn an_existing_hash_passes_through_instead_of_being_hashed_twice() {
        let upper = "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD";
        let h = HashedValue::from_input(upper, |_| panic!("must not normalise a hash")).unwrap();
        assert_eq!(h, HashedValue::hash("abc"));
    }

    #[test]
    fn meta_appendix_is_kept() {
        let v = format!("{}.AbCd1234", HashedValue::hash("x"));
        assert_eq!(HashedValue::detect(&v).unwrap().as_str(), v);
        let bad = format!("{}.toolongappendix", HashedValue::hash("x"));
        assert_eq!(HashedValue::detect(&bad), None);
    }

    #[test]
    fn raw_values_are_not_mistaken_for_hashes() {
        assert_eq!(HashedValue::detect("jane@example.com"), None);
        assert_eq!(HashedValue::detect(&"a".repeat(63)), None);
        assert_eq!(HashedValue::detect(&"g".repeat(64)), None);
    }

    #[test]
    fn deserialising_rejects_a_raw_value() {
        assert!(serde_json::from_str::<HashedValue>("\"jane@example.com\"").is_err());
        let h = HashedValue::hash("abc");
        let json = serde_json::to_string(&h).unwrap();
        assert_eq!(serde_json::from_str::<HashedValue>(&json).unwrap(), h);
    }
}
