//! A visitor's or customer's identifiers, raw as received and hashed as stored.
//!
//! Platforms disagree on normalisation (Meta hashes phone digits without `+`, Google and TikTok
//! hash E.164 with `+`, Google drops Gmail dots), so one raw value can yield several hashes:
//! [`HashedIdentity`] keeps one per scheme and each payload builder picks its own.

use crate::hash::HashedValue;
use crate::normalize::{self, EmailScheme, Phone};
use serde::{Deserialize, Serialize};

/// Identifiers as they arrive (form post, backend event). Any field may already be a SHA-256
/// hex digest. Never stored: turn it into a [`HashedIdentity`] at once.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct RawIdentity {
    pub email: Option<String>,
    pub phone: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub city: Option<String>,
    pub state: Option<String>,
    pub zip: Option<String>,
    /// ISO 3166-1 alpha-2.
    pub country: Option<String>,
    pub date_of_birth: Option<String>,
    pub gender: Option<String>,
    pub external_id: Option<String>,
}

/// The hashed identifiers of one event, one hash per platform scheme where schemes differ.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct HashedIdentity {
    /// Trimmed lowercase e-mail (Meta `em`, TikTok `email`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<HashedValue>,
    /// As `email`, Gmail dots removed (Google `hashedEmail`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email_google: Option<HashedValue>,
    /// Digits with country code, no `+` (Meta `ph`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone_digits: Option<HashedValue>,
    /// E.164 with `+` (Google `hashedPhoneNumber`, TikTok `phone`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone_e164: Option<HashedValue>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_name: Option<HashedValue>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_name: Option<HashedValue>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub city: Option<HashedValue>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<HashedValue>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zip: Option<HashedValue>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<HashedValue>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date_of_birth: Option<HashedValue>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gender: Option<HashedValue>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_id: Option<HashedValue>,
    /// Google's address identifier travels with region and postal code in clear (only names are
    /// hashed), so they are kept, upper-case ISO-2 and trimmed, and only when first name, last
    /// name, country and postal code are all known: a partial address is refused by Google.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address_region: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address_postal: Option<String>,
    /// Location keys TikTok takes in clear (normalised, never hashed).
    #[serde(skip_serializing_if = "ClearLocation::is_empty")]
    pub clear: ClearLocation,
}

/// Location keys TikTok documents as unhashed (`user.city/state/country`). Normalised forms of
/// coarse location only; the contact identifiers (e-mail, phone, names) are never kept in clear.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ClearLocation {
    /// ISO 3166-1 alpha-2, lowercase (`es`): TikTok `country`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// [`normalize::city`]: TikTok `city`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// [`normalize::state`]: TikTok `state`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
}

impl ClearLocation {
    pub fn is_empty(&self) -> bool {
        *self == ClearLocation::default()
    }
}

/// Google's address identifier (Data Manager `AddressInfo`, Ads API `addressInfo`): the four
/// parts Google requires together, names hashed, region and postal code in clear.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GoogleAddress<'a> {
    /// SHA-256 of the [`normalize::name`] form (`givenName` / `hashedFirstName`).
    pub given_name: &'a HashedValue,
    /// SHA-256 of the [`normalize::name`] form (`familyName` / `hashedLastName`).
    pub family_name: &'a HashedValue,
    /// ISO 3166-1 alpha-2, uppercase (`regionCode` / `countryCode`).
    pub region_code: &'a str,
    /// Unhashed (`postalCode`).
    pub postal_code: &'a str,
}

impl HashedIdentity {
    /// Normalise and hash every field. `default_country` (the tenant's, ISO-2; `ES` when the
    /// tenant set none) completes national phone numbers.
    pub fn from_raw(raw: &RawIdentity, default_country: &str) -> HashedIdentity {
        let field = |v: &Option<String>, f: fn(&str) -> Option<String>| {
            v.as_deref().and_then(|s| HashedValue::from_input(s, f))
        };
        let email = |scheme| {
            raw.email
                .as_deref()
                .and_then(|s| HashedValue::from_input(s, |s| normalize::email(s, scheme)))
        };
        let (phone_digits, phone_e164) = match raw.phone.as_deref() {
            // A pre-hashed phone cannot be re-normalised; it is the caller's job to have hashed
            // the right form, so it goes to every platform as given.
            Some(p) if HashedValue::detect(p).is_some() => {
                (HashedValue::detect(p), HashedValue::detect(p))
            }
            Some(p) => match Phone::parse(p, default_country) {
                Some(phone) => (
                    Some(HashedValue::hash(&phone.meta_form())),
                    Some(HashedValue::hash(&phone.e164())),
                ),
                None => (None, None),
            },
            None => (None, None),
        };
        let country_norm = raw.country.as_deref().and_then(normalize::country);
        // Google's address: region and postal code normalised (ISO-checked region, postal code
        // per `normalize::postal_code_clear`), kept only when both names are known too.
        let postal = raw
            .zip
            .as_deref()
            .filter(|z| HashedValue::detect(z).is_none())
            .and_then(|z| normalize::postal_code_clear(z, country_norm.as_deref()));
        let names_known = raw
            .first_name
            .as_deref()
            .is_some_and(|n| !n.trim().is_empty())
            && raw
                .last_name
                .as_deref()
                .is_some_and(|n| !n.trim().is_empty());
        let (address_region, address_postal) = match (&country_norm, postal, names_known) {
            (Some(c), Some(z), true) => (Some(c.to_ascii_uppercase()), Some(z)),
            _ => (None, None),
        };
        // Clear values cannot come from a pre-hashed input: a digest has no clear form.
        let clear = |v: &Option<String>, f: &dyn Fn(&str) -> Option<String>| {
            v.as_deref()
                .filter(|s| HashedValue::detect(s).is_none())
                .and_then(f)
        };
        HashedIdentity {
            email: email(EmailScheme::Standard),
            email_google: email(EmailScheme::Google),
            phone_digits,
            phone_e164,
            first_name: field(&raw.first_name, normalize::name),
            last_name: field(&raw.last_name, normalize::name),
            city: field(&raw.city, normalize::city),
            state: field(&raw.state, normalize::state),
            zip: raw.zip.as_deref().and_then(|z| {
                HashedValue::from_input(z, |z| normalize::zip(z, country_norm.as_deref()))
            }),
            country: field(&raw.country, normalize::country),
            date_of_birth: field(&raw.date_of_birth, normalize::date_of_birth),
            gender: field(&raw.gender, normalize::gender),
            external_id: field(&raw.external_id, normalize::external_id),
            address_region,
            address_postal,
            clear: ClearLocation {
                country: clear(&raw.country, &normalize::country),
                city: clear(&raw.city, &normalize::city),
                state: clear(&raw.state, &normalize::state),
            },
        }
    }

    /// Google's address identifier, when all four parts are known (Google refuses a partial
    /// one). For the Data Manager builder as for the Ads API one.
    pub fn google_address(&self) -> Option<GoogleAddress<'_>> {
        Some(GoogleAddress {
            given_name: self.first_name.as_ref()?,
            family_name: self.last_name.as_ref()?,
            region_code: self.address_region.as_deref()?,
            postal_code: self.address_postal.as_deref()?,
        })
    }

    /// True when no identifier survived normalisation.
    pub fn is_empty(&self) -> bool {
        *self == HashedIdentity::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(s: &str) -> Option<HashedValue> {
        Some(HashedValue::hash(s))
    }

    #[test]
    fn one_raw_identity_yields_one_hash_per_platform_scheme() {
        let raw = RawIdentity {
            email: Some(" Jane.Doe@Gmail.com".into()),
            phone: Some("612 345 678".into()),
            first_name: Some("Jane".into()),
            zip: Some("28001".into()),
            country: Some("ES".into()),
            ..RawIdentity::default()
        };
        let id = HashedIdentity::from_raw(&raw, "ES");
        assert_eq!(id.email, h("jane.doe@gmail.com"));
        assert_eq!(id.email_google, h("janedoe@gmail.com"));
        assert_eq!(id.phone_digits, h("34612345678"));
        assert_eq!(id.phone_e164, h("+34612345678"));
        assert_eq!(id.first_name, h("jane"));
        assert_eq!(id.zip, h("28001"));
        assert_eq!(id.country, h("es"));
        assert_eq!(id.last_name, None);
    }

    #[test]
    fn stored_identity_never_contains_the_raw_email_or_phone() {
        let raw = RawIdentity {
            email: Some("jane@example.com".into()),
            phone: Some("+34612345678".into()),
            ..RawIdentity::default()
        };
        let json = serde_json::to_string(&HashedIdentity::from_raw(&raw, "ES")).unwrap();
        assert!(!json.contains("jane"), "{json}");
        assert!(!json.contains("612345678"), "{json}");
    }

    #[test]
    fn invalid_input_is_dropped_not_hashed() {
        let raw = RawIdentity {
            email: Some("n/a".into()),
            phone: Some("612345678".into()),
            ..RawIdentity::default()
        };
        // Unknown default country: a national number is not guessed.
        assert!(HashedIdentity::from_raw(&raw, "ZZ").is_empty());
    }
}
