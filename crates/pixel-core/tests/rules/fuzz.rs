//! Fuzzing, with proptest, of every parser that reads outside input: no panic on any input,
//! and normalisation is stable (normalising twice changes nothing).

use pixel_core::click_ids;
use pixel_core::event::EventId;
use pixel_core::hash::HashedValue;
use pixel_core::normalize::{self, EmailScheme, Phone};
use pixel_core::outcome::HttpAnswer;
use pixel_core::platforms::google::oauth;
use pixel_core::platforms::{google, meta, tiktok};
use proptest::prelude::*;

/// Answers that look like the platforms' (so the fuzzer reaches the code paths), and noise.
fn answer_body() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        (any::<i64>(), proptest::option::of(any::<i64>()), any::<bool>()).prop_map(|(c, s, t)| {
            serde_json::json!({"error": {"code": c, "error_subcode": s, "is_transient": t}}).to_string()
        }),
        (any::<i64>(), any::<String>()).prop_map(|(c, m)| serde_json::json!({"code": c, "message": m}).to_string()),
        (any::<u64>(), "[A-Z_]{0,40}", any::<String>()).prop_map(|(i, code, fam)| {
            serde_json::json!({"results": [{}], "partialFailureError": {"details": [{"errors": [
                {"errorCode": {fam: code}, "location": {"fieldPathElements": [{"fieldName": "conversions", "index": i}]}}
            ]}]}}).to_string()
        }),
    ]
}

proptest! {
    #[test]
    fn identity_parsers_never_panic(s in any::<String>(), country in "[A-Za-z]{0,3}") {
        let _ = normalize::email(&s, EmailScheme::Standard);
        let _ = normalize::email(&s, EmailScheme::Google);
        let _ = Phone::parse(&s, &country);
        let _ = normalize::name(&s);
        let _ = normalize::city(&s);
        let _ = normalize::zip(&s, Some(&country));
        let _ = normalize::country(&s);
        let _ = normalize::date_of_birth(&s);
        let _ = normalize::gender(&s);
        let _ = HashedValue::detect(&s);
        let _ = EventId::parse(&s);
    }

    #[test]
    fn click_id_parsers_never_panic(s in any::<String>(), now in any::<u64>(), r in any::<u64>()) {
        let _ = click_ids::parse_fbc(&s, now);
        let _ = click_ids::parse_fbp(&s, now);
        let _ = click_ids::clean_click_id(&s);
        let _ = click_ids::fbc_for_visit(Some(&s), Some(&s), now);
        let (fbp, _) = click_ids::fbp_for_visit(Some(&s), now, r);
        prop_assert!(fbp.starts_with("fb.1."));
    }

    #[test]
    fn answer_classifiers_never_panic(
        status in 0u16..1000,
        retry_after in proptest::option::of(any::<String>()),
        body in answer_body(),
        n in 0usize..3000,
    ) {
        let a = HttpAnswer { status, retry_after: retry_after.as_deref(), body: body.as_bytes() };
        let _ = meta::classify(&a, n);
        let _ = meta::classify_credential_check(&a);
        let _ = tiktok::classify(&a, n);
        if let pixel_core::outcome::Outcome::PerEvent(rows) = google::classify(&a, n) {
            prop_assert_eq!(rows.len(), n);
        }
        let _ = oauth::parse_token_answer(&a, 0);
    }

    #[test]
    fn normalising_twice_changes_nothing(s in "\\PC{0,40}") {
        if let Some(e) = normalize::email(&s, EmailScheme::Google) {
            prop_assert_eq!(normalize::email(&e, EmailScheme::Google), Some(e.clone()));
        }
        if let Some(n) = normalize::name(&s) {
            prop_assert_eq!(normalize::name(&n), Some(n.clone()));
        }
        if let Some(c) = normalize::city(&s) {
            prop_assert_eq!(normalize::city(&c), Some(c.clone()));
        }
    }

    #[test]
    fn a_parsed_phone_parses_back_to_itself(digits in "[1-9][0-9]{7,14}") {
        let p = Phone::parse(&format!("+{digits}"), "ES").unwrap();
        prop_assert_eq!(Phone::parse(&p.e164(), "ZZ"), Some(p.clone()));
        prop_assert_eq!(p.meta_form(), digits);
    }
}
