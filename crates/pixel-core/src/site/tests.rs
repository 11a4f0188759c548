use super::*;
use serde_json::json;

#[test]
fn glob_matches_like_a_user_expects() {
    let cases = [
        ("/gracias", "/gracias", true),
        ("/gracias", "/gracias/", false),
        ("/gracias/*", "/gracias/pedido-12", true),
        ("/blog/*", "/blog/", true),
        ("/blog/*", "/blogs/x", false),
        ("*/lead", "/es/lead", true),
        ("*", "/anything/at/all", true),
        ("/a*c", "/abbbc", true),
        ("/a*c", "/abbbd", false),
        ("/checkout", "/checkout?x=1", false),
    ];
    for (p, t, want) in cases {
        assert_eq!(glob_match(p, t), want, "{p} ~ {t}");
    }
}

#[test]
fn pages_are_classified_most_specific_conversion_first() {
    let rules = SiteRules::default();
    assert_eq!(rules.classify("/gracias/123"), PageKind::ThankYou);
    assert_eq!(rules.classify("/checkout/paso-1"), PageKind::Checkout);
    assert_eq!(rules.classify("/contacto"), PageKind::Lead);
    assert_eq!(rules.classify("/blog/rutina-fuerza"), PageKind::Content);
    assert_eq!(rules.classify("/"), PageKind::Plain);
}

#[test]
fn a_site_needs_only_its_origin() {
    let site = validate_site(&json!({"originUrl": "https://origen.example.com/"})).unwrap();
    assert_eq!(site.origin_url, "https://origen.example.com");
    assert_eq!(site.consent, ConsentSettings::default());
    assert_eq!(site.rules, SiteRules::default());
    assert!(!site.consent.limited_data_use, "LDU is opt-in per site");
    let ldu = validate_site(&json!({"originUrl": "https://o.example.com",
        "consent": {"limitedDataUse": true}}))
    .unwrap();
    assert!(ldu.consent.limited_data_use);
}

#[test]
fn every_bad_field_is_named() {
    let errors = validate_site(&json!({
        "originUrl": "ftp://x",
        "consent": {"cookie": "bad cookie", "policy": "maybe", "extra": 1, "limitedDataUse": "yes"},
        "rules": {"leadPaths": ["contacto", "/ok"], "weird": []},
        "color": "red"
    }))
    .unwrap_err();
    let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
    for f in [
        "color",
        "originUrl",
        "consent.cookie",
        "consent.policy",
        "consent.extra",
        "consent.limitedDataUse",
        "rules.leadPaths[0]",
        "rules.weird",
    ] {
        assert!(fields.contains(&f), "{f} missing from {fields:?}");
    }
    assert!(!fields.contains(&"rules.leadPaths[1]"));
}

#[test]
fn hosts_are_normalised_and_checked() {
    assert_eq!(parse_host("WWW.Example.com.").unwrap(), "www.example.com");
    assert_eq!(parse_host("localhost:8080").unwrap(), "localhost:8080");
    for bad in [
        "",
        "exa mple.com",
        "-a.com",
        "a..com",
        "a.com:0",
        "a.com:99999",
        "a/b",
    ] {
        assert!(parse_host(bad).is_err(), "{bad:?} accepted");
    }
}

#[test]
fn origin_urls_must_be_plain_http() {
    for bad in [
        "example.com",
        "http://",
        "https://u:p@x.com",
        "https://x.com/?q=1",
        "javascript:alert(1)",
    ] {
        assert!(
            validate_site(&json!({ "originUrl": bad })).is_err(),
            "{bad} accepted"
        );
    }
    assert!(validate_site(&json!({"originUrl": "http://127.0.0.1:8080/base"})).is_ok());
}
