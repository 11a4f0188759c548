//! The backend's `customer` match keys: read, checked, and handed over raw for hashing at once.
//!
//! Malformed keys answer 400 with the field (`customer.country`), so TrainerERP finds its bug
//! instead of silently losing match quality: a country that is not an assigned ISO 3166-1
//! alpha-2 code, a date of birth that is not `YYYY-MM-DD` (or `YYYYMMDD`), a postal code with
//! characters no postal code has. A gender other than female/male is not an error (TrainerERP
//! may record others); platforms only take `f`/`m`, so it is simply not sent. Any key may come
//! already hashed (64 hex), as elsewhere.

use pixel_core::event::RawIdentity;
use pixel_core::hash::HashedValue;
use pixel_core::normalize;
use serde_json::{Map, Value};

use crate::backend::{FieldErr, err, opt_str};

/// The raw identity of `customer`; problems are pushed to `errors`.
pub fn raw_identity(customer: &Map<String, Value>, errors: &mut Vec<FieldErr>) -> RawIdentity {
    let mut s = |k: &str| opt_str(customer, k, errors);
    let mut raw = RawIdentity {
        email: s("email"),
        phone: s("phone"),
        first_name: s("firstName"),
        last_name: s("lastName"),
        external_id: s("externalId"),
        city: s("city"),
        state: s("region"),
        zip: s("postalCode"),
        country: s("country"),
        date_of_birth: s("dateOfBirth"),
        gender: s("gender"),
    };
    let hashed = |v: &str| HashedValue::detect(v).is_some();
    if let Some(c) = raw.country.as_deref()
        && !hashed(c)
        && !normalize::is_iso_country(c)
    {
        errors.push(err(
            "customer.country",
            "invalid_format",
            "must be an ISO 3166-1 alpha-2 country code such as ES",
        ));
        raw.country = None;
    }
    if let Some(d) = raw.date_of_birth.as_deref()
        && !hashed(d)
        && normalize::date_of_birth(d).is_none()
    {
        errors.push(err(
            "customer.dateOfBirth",
            "invalid_format",
            "must be a date YYYY-MM-DD",
        ));
        raw.date_of_birth = None;
    }
    if let Some(z) = raw.zip.as_deref()
        && !hashed(z)
        && normalize::postal_code_clear(z, None).is_none()
    {
        errors.push(err(
            "customer.postalCode",
            "invalid_format",
            "must be a postal code: letters, digits, spaces and dashes, at most 16",
        ));
        raw.zip = None;
    }
    raw
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn read(v: Value) -> (RawIdentity, Vec<FieldErr>) {
        let mut errors = Vec::new();
        let raw = raw_identity(v.as_object().unwrap(), &mut errors);
        (raw, errors)
    }

    #[test]
    fn every_match_key_is_read() {
        let (raw, errors) = read(json!({
            "city": "Madrid", "region": "MD", "postalCode": "28001", "country": "es",
            "dateOfBirth": "1990-05-17", "gender": "mujer", "externalId": 42
        }));
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(raw.city.as_deref(), Some("Madrid"));
        assert_eq!(raw.state.as_deref(), Some("MD"));
        assert_eq!(raw.zip.as_deref(), Some("28001"));
        assert_eq!(raw.country.as_deref(), Some("es"));
        assert_eq!(raw.date_of_birth.as_deref(), Some("1990-05-17"));
        assert_eq!(raw.gender.as_deref(), Some("mujer"));
        assert_eq!(raw.external_id.as_deref(), Some("42"));
    }

    #[test]
    fn malformed_keys_are_field_errors() {
        let (_, errors) = read(json!({
            "country": "Spain", "dateOfBirth": "17/05/1990", "postalCode": "<b>28001</b>",
            "city": 7
        }));
        let fields: Vec<&str> = errors.iter().filter_map(|e| e["field"].as_str()).collect();
        assert_eq!(
            fields,
            [
                "city",
                "customer.country",
                "customer.dateOfBirth",
                "customer.postalCode"
            ]
        );
        // UK is not an ISO code (GB is): refused rather than silently dropped.
        assert_eq!(read(json!({"country": "UK"})).1.len(), 1);
    }

    #[test]
    fn hashed_keys_and_unknown_genders_pass() {
        let h = HashedValue::hash("es").to_string();
        let (raw, errors) = read(json!({"country": h, "dateOfBirth": h, "gender": "x"}));
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(raw.country.as_deref(), Some(h.as_str()));
    }
}
