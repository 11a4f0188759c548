//! Identifier newtypes: once one exists it is valid ("parse, don't validate").
//!
//! Every id that becomes part of a storage key ([`TenantId`], [`ConfigId`]) is restricted to
//! `[A-Za-z0-9_.-]`, so it can never contain the `/` that separates key segments.

use serde::{Deserialize, Serialize};
use std::fmt;

use crate::Platform;

/// Why an identifier was refused; the message is safe to show to the API's caller.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct IdError {
    /// Stable machine code: `required`, `invalid_format`, `too_long`.
    pub code: &'static str,
    pub message: String,
}

impl IdError {
    pub(crate) fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

fn key_safe(s: &str, what: &str, max: usize) -> Result<String, IdError> {
    if s.is_empty() {
        return Err(IdError::new(
            "required",
            format!("{what} must not be empty"),
        ));
    }
    if s.len() > max {
        return Err(IdError::new(
            "too_long",
            format!("{what} must be at most {max} characters"),
        ));
    }
    if !s
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
    {
        return Err(IdError::new(
            "invalid_format",
            format!("{what} may contain only letters, digits, '_', '-' and '.'"),
        ));
    }
    Ok(s.to_owned())
}

macro_rules! string_newtype {
    ($name:ident) => {
        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
        impl TryFrom<String> for $name {
            type Error = IdError;
            fn try_from(s: String) -> Result<Self, IdError> {
                Self::parse(&s)
            }
        }
        impl From<$name> for String {
            fn from(v: $name) -> String {
                v.0
            }
        }
    };
}

/// A TrainerERP tenant (the JWT's `tenant` claim): 1-64 of `[A-Za-z0-9_.-]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TenantId(String);
string_newtype!(TenantId);

impl TenantId {
    pub fn parse(s: &str) -> Result<Self, IdError> {
        key_safe(s, "tenant id", 64).map(Self)
    }
}

/// A tracking config's id: 1-64 of `[A-Za-z0-9_.-]`; new ones are 16 lowercase hex digits made
/// from 8 random bytes the caller passes in ([`ConfigId::from_random`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ConfigId(String);
string_newtype!(ConfigId);

impl ConfigId {
    pub fn parse(s: &str) -> Result<Self, IdError> {
        key_safe(s, "config id", 64).map(Self)
    }

    /// A fresh id from 8 random bytes (the core does no I/O, so the caller brings randomness).
    pub fn from_random(bytes: [u8; 8]) -> Self {
        Self(hex::encode(bytes))
    }
}

/// A TrainerERP internal event name such as `cliente.pago_exitoso`: 1-64 of `[a-z0-9._]`,
/// starting with a letter.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct InternalEventName(String);
string_newtype!(InternalEventName);

impl InternalEventName {
    pub fn parse(s: &str) -> Result<Self, IdError> {
        if s.is_empty() {
            return Err(IdError::new("required", "event name must not be empty"));
        }
        if s.len() > 64 {
            return Err(IdError::new(
                "too_long",
                "event name must be at most 64 characters",
            ));
        }
        let ok_chars = s
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_'));
        if !ok_chars || !s.as_bytes()[0].is_ascii_lowercase() {
            return Err(IdError::new(
                "invalid_format",
                "event name must start with a lowercase letter and contain only lowercase letters, digits, '.' and '_'",
            ));
        }
        Ok(Self(s.to_owned()))
    }
}

/// The platform's id of what receives the events, normalised:
/// Meta pixel (dataset) id, TikTok pixel code, Google Ads customer id (10 digits, no dashes).
///
/// Stored configs were validated when written, so deserialisation trusts the stored string.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PixelId(String);

impl PixelId {
    /// Parse a pixel id for `platform`: Meta 10-20 digits; TikTok 12-32 uppercase letters and
    /// digits; Google a customer id ([`GoogleCustomerId`]). Surrounding spaces are ignored.
    pub fn parse(platform: Platform, raw: &str) -> Result<Self, IdError> {
        let s = raw.trim();
        if s.is_empty() {
            return Err(IdError::new("required", "pixel id must not be empty"));
        }
        match platform {
            Platform::Meta => {
                if !s.bytes().all(|b| b.is_ascii_digit()) || !(10..=20).contains(&s.len()) {
                    return Err(IdError::new(
                        "invalid_format",
                        "a Meta pixel id is 10 to 20 digits",
                    ));
                }
                Ok(Self(s.to_owned()))
            }
            Platform::TikTok => {
                let ok = s
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
                if !ok || !(12..=32).contains(&s.len()) {
                    return Err(IdError::new(
                        "invalid_format",
                        "a TikTok pixel code is 12 to 32 uppercase letters and digits",
                    ));
                }
                Ok(Self(s.to_owned()))
            }
            Platform::Google => GoogleCustomerId::parse(s).map(|c| Self(c.0)),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PixelId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A Google Ads customer id: 10 digits; `123-456-7890` is accepted and stored as `1234567890`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct GoogleCustomerId(String);
string_newtype!(GoogleCustomerId);

impl GoogleCustomerId {
    pub fn parse(raw: &str) -> Result<Self, IdError> {
        let s = raw.trim();
        if s.is_empty() {
            return Err(IdError::new("required", "customer id must not be empty"));
        }
        let dashes_ok = match s.len() {
            10 => s.bytes().all(|b| b.is_ascii_digit()),
            12 => s.bytes().enumerate().all(|(i, b)| {
                if i == 3 || i == 7 {
                    b == b'-'
                } else {
                    b.is_ascii_digit()
                }
            }),
            _ => false,
        };
        if !dashes_ok {
            return Err(IdError::new(
                "invalid_format",
                "a Google Ads customer id is 10 digits, optionally written 123-456-7890",
            ));
        }
        Ok(Self(s.chars().filter(char::is_ascii_digit).collect()))
    }
}

/// A Google Ads conversion action id: 1-20 digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ConversionActionId(String);
string_newtype!(ConversionActionId);

impl ConversionActionId {
    pub fn parse(raw: &str) -> Result<Self, IdError> {
        let s = raw.trim();
        if s.is_empty() || s.len() > 20 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(IdError::new(
                "invalid_format",
                "a conversion action id is 1 to 20 digits",
            ));
        }
        Ok(Self(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pixel_ids_per_platform() {
        use Platform::*;
        let cases: &[(Platform, &str, Option<&str>)] = &[
            (Meta, "1234567890", Some("1234567890")),
            (Meta, " 123456789012345 ", Some("123456789012345")),
            (Meta, "12345678901234567890", Some("12345678901234567890")),
            (Meta, "123456789", None),
            (Meta, "123456789012345678901", None),
            (Meta, "12345abc90", None),
            (Meta, "", None),
            (
                TikTok,
                "CABC123DEF456GHI789J0",
                Some("CABC123DEF456GHI789J0"),
            ),
            (TikTok, "cabc123def456ghi789j0", None),
            (TikTok, "CABC-123DEF456GHI789", None),
            (TikTok, "CABC123", None),
            (Google, "1234567890", Some("1234567890")),
            (Google, "123-456-7890", Some("1234567890")),
            (Google, "123-4567-890", None),
            (Google, "123456789", None),
            (Google, "12345678901", None),
            (Google, "123 456 7890", None),
        ];
        for (platform, raw, want) in cases {
            let got = PixelId::parse(*platform, raw).ok();
            assert_eq!(
                got.as_ref().map(PixelId::as_str),
                *want,
                "{platform} {raw:?}"
            );
        }
    }

    #[test]
    fn key_safe_ids() {
        assert!(TenantId::parse("tenant-42").is_ok());
        assert!(TenantId::parse("a/b").is_err());
        assert!(TenantId::parse("").is_err());
        assert!(TenantId::parse(&"x".repeat(65)).is_err());
        assert!(ConfigId::parse("0123456789abcdef").is_ok());
        assert!(ConfigId::parse("../etc").is_err());
        assert_eq!(
            ConfigId::from_random([0, 1, 2, 3, 0xaa, 0xbb, 0xcc, 0xff]).as_str(),
            "00010203aabbccff"
        );
    }

    #[test]
    fn internal_event_names() {
        for ok in ["cliente.pago_exitoso", "lead.registrado", "a", "x1.y_2"] {
            assert!(InternalEventName::parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "Cliente.pago",
            "1abc",
            "cliente pago",
            "cliente-pago",
            "ñ",
            &"a".repeat(65),
        ] {
            assert!(InternalEventName::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn serde_refuses_bad_ids() {
        assert!(serde_json::from_str::<TenantId>("\"a/b\"").is_err());
        assert_eq!(
            serde_json::from_str::<TenantId>("\"t1\"").unwrap().as_str(),
            "t1"
        );
    }
}
