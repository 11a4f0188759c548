//! Golden payloads: the exact request each platform gets for each event type, in
//! `tests/golden/*.json`, so a reviewer reads what leaves the product.
//!
//! Regenerate after an intended change with `UPDATE_GOLDEN=1 cargo test -p pixel-core --test
//! rules`, then read the diff.

use pixel_core::StandardEvent;
use pixel_core::event::{ActionSource, Consent, Event, EventId, HashedIdentity, RawIdentity};
use pixel_core::platforms::{
    DataManagerTarget, GoogleTarget, MetaTarget, SendMode, Target, TikTokTarget,
};
use serde_json::{Value, json};
use std::path::PathBuf;

const NOW: i64 = 1_790_000_000;

fn actions() -> std::collections::BTreeMap<StandardEvent, String> {
    [
        (StandardEvent::Purchase, "1001".to_owned()),
        (StandardEvent::Lead, "1002".to_owned()),
        (StandardEvent::Schedule, "1003".to_owned()),
    ]
    .into()
}

fn datamanager() -> DataManagerTarget {
    DataManagerTarget {
        base_url: "http://127.0.0.1:8480".into(),
        customer_id: "123-456-7890".into(),
        login_customer_id: Some("111-222-3333".into()),
        access_token: "ya29.test-token".into(),
        conversion_actions: actions(),
        clock_secs: NOW,
    }
}

fn targets() -> [(&'static str, Target); 4] {
    [
        (
            "meta",
            Target::Meta(MetaTarget {
                base_url: "http://127.0.0.1:8480".into(),
                api_version: "v25.0".into(),
                pixel_id: "1234567890".into(),
                access_token: "EAAB-test-token".into(),
                event_names: Default::default(),
            }),
        ),
        (
            "tiktok",
            Target::TikTok(TikTokTarget {
                base_url: "http://127.0.0.1:8480".into(),
                pixel_code: "C4ABCDEFGH".into(),
                access_token: "tt-test-token".into(),
                event_names: Default::default(),
            }),
        ),
        (
            "google",
            Target::Google(GoogleTarget {
                base_url: "http://127.0.0.1:8480".into(),
                api_version: "v26".into(),
                customer_id: "123-456-7890".into(),
                login_customer_id: None,
                access_token: "ya29.test-token".into(),
                conversion_actions: [
                    (StandardEvent::Purchase, "1001".to_owned()),
                    (StandardEvent::Lead, "1002".to_owned()),
                    (StandardEvent::Schedule, "1003".to_owned()),
                ]
                .into(),
            }),
        ),
        (
            "google_datamanager",
            Target::GoogleDataManager(datamanager()),
        ),
    ]
}

/// A class bought on a landing page after an ad click on every platform.
fn purchase() -> Event {
    let mut e = Event::new(
        EventId::parse("ord-2026-0042").unwrap(),
        StandardEvent::Purchase,
        NOW - 120,
    );
    e.consent = Consent::granted();
    e.source_url = Some("https://studio.example/checkout/ok".into());
    e.referrer = Some("https://studio.example/checkout".into());
    e.client_ip = Some("203.0.113.7".into());
    e.user_agent = Some("Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X)".into());
    e.click_ids.fbc = Some("fb.1.1789990000000.IwAR2F4-dbP0".into());
    e.click_ids.fbp = Some("fb.1.1789990000000.1234567890".into());
    e.click_ids.ttclid = Some("E.C.P.CqgBabc".into());
    e.click_ids.ttp = Some("2Xb8Nq7yQmPz".into());
    e.click_ids.gclid = Some("Cj0KCQiA-test".into());
    e.custom.value = Some(49.9);
    e.custom.currency = Some("EUR".into());
    e.custom.content_name = Some("Bono 10 clases".into());
    e.custom.content_ids = vec!["bono-10".into()];
    e.custom.order_id = Some("ord-2026-0042".into());
    e.custom.num_items = Some(1);
    e.identity = HashedIdentity::from_raw(
        &RawIdentity {
            email: Some(" Lucia.Garcia@Gmail.com ".into()),
            phone: Some("+34 612 34 56 78".into()),
            first_name: Some("Lucía".into()),
            last_name: Some("García".into()),
            zip: Some("28001".into()),
            country: Some("ES".into()),
            external_id: Some("cust-981".into()),
            ..Default::default()
        },
        "ES",
    );
    e
}

/// A lead from TrainerERP's backend (`lead.registrado`): no browser, national phone number.
fn lead() -> Event {
    let mut e = Event::new(
        EventId::parse("lead-7731").unwrap(),
        StandardEvent::Lead,
        NOW - 3_600,
    );
    e.action_source = ActionSource::SystemGenerated;
    e.consent = Consent::granted();
    e.identity = HashedIdentity::from_raw(
        &RawIdentity {
            email: Some("marta.lopez@hotmail.es".into()),
            phone: Some("612 345 678".into()),
            ..Default::default()
        },
        "ES",
    );
    e
}

/// A backend lead with every match key TrainerERP's `customer` can carry, in the shapes the
/// platforms' docs use for their examples (Meta's customer information parameters: `Menlo Park`,
/// `CA`, `94025-1234`, `US`, `1997-02-16`, `Female`; Google's address identifier: given and
/// family name hashed, `US` and the 5-digit ZIP in clear).
fn match_keys() -> Event {
    let mut e = Event::new(
        EventId::parse("lead-full-1").unwrap(),
        StandardEvent::Lead,
        NOW - 600,
    );
    e.action_source = ActionSource::SystemGenerated;
    e.consent = Consent::granted();
    e.identity = HashedIdentity::from_raw(
        &RawIdentity {
            email: Some("Joe.Smith@Example.com".into()),
            phone: Some("+1 (650) 555-1212".into()),
            first_name: Some("Joe".into()),
            last_name: Some("Smith".into()),
            city: Some("Menlo Park".into()),
            state: Some("CA".into()),
            zip: Some("94025-1234".into()),
            country: Some("US".into()),
            date_of_birth: Some("1997-02-16".into()),
            gender: Some("Female".into()),
            external_id: Some("crm-77".into()),
        },
        "ES",
    );
    e
}

/// A booked session (`cita.agendada`) from a visitor under Limited Data Use, gbraid click.
fn schedule() -> Event {
    let mut e = Event::new(
        EventId::parse("cita-55").unwrap(),
        StandardEvent::Schedule,
        NOW - 30,
    );
    e.consent = Consent {
        limited_data_use: true,
        ..Consent::granted()
    };
    e.source_url = Some("https://studio.example/reservar".into());
    e.client_ip = Some("198.51.100.4".into());
    e.user_agent = Some("Mozilla/5.0".into());
    e.click_ids.gbraid = Some("0AAAAAo-test".into());
    e.identity = HashedIdentity::from_raw(
        &RawIdentity {
            email: Some("pablo@example.com".into()),
            ..Default::default()
        },
        "ES",
    );
    e
}

fn render(t: &Target, events: &[Event], mode: &SendMode) -> Value {
    let reqs = t.build(events, mode, NOW);
    assert_eq!(reqs.len(), 1);
    let r = &reqs[0];
    json!({
        "method": r.method,
        "url": r.url,
        "headers": r.headers.iter().map(|(k, v)| json!([k, v])).collect::<Vec<_>>(),
        "body": r.body,
    })
}

fn check_golden(name: &str, actual: &Value) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(format!("{name}.json"));
    let text = serde_json::to_string_pretty(actual).unwrap() + "\n";
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, &text).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (run with UPDATE_GOLDEN=1 to create)",
            path.display()
        )
    });
    let expected: Value = serde_json::from_str(&expected).unwrap();
    assert!(
        expected == *actual,
        "{name} differs from its golden file; actual:\n{text}"
    );
}

#[test]
fn golden_payloads_per_platform_and_event_type() {
    let events = [
        ("purchase", purchase()),
        ("lead", lead()),
        ("schedule", schedule()),
        ("match_keys", match_keys()),
    ];
    for (platform, target) in targets() {
        for (kind, event) in &events {
            target
                .check(event, NOW)
                .unwrap_or_else(|r| panic!("{platform} {kind}: {r}"));
            check_golden(
                &format!("{platform}_{kind}"),
                &render(&target, std::slice::from_ref(event), &SendMode::Live),
            );
        }
        let test = SendMode::Test {
            test_event_code: Some("TEST4242".into()),
        };
        check_golden(
            &format!("{platform}_test_event"),
            &render(&target, &[purchase()], &test),
        );
    }
}

/// One Data Manager request for three conversion actions (three destinations) and a visitor
/// who denied consent: click id only, `CONSENT_DENIED`, no user data, no device info.
#[test]
fn golden_datamanager_request_with_several_destinations_and_denied_consent() {
    let mut denied = schedule();
    denied.event_id = EventId::parse("cita-56").unwrap();
    denied.consent = Consent::default();
    let target = Target::GoogleDataManager(datamanager());
    let events = [purchase(), lead(), schedule(), denied];
    for e in &events {
        target.check(e, NOW).unwrap();
    }
    check_golden(
        "google_datamanager_batch",
        &render(&target, &events, &SendMode::Live),
    );
}

#[test]
fn golden_files_hold_no_token_and_no_raw_identifier() {
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        // The files are being rewritten by the other test right now.
        return;
    }
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let mut seen = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        for secret in [
            "test-token",
            "gmail.com",
            "hotmail",
            "612",
            "Lucía",
            "cust-981",
            "Menlo",
            "Smith",
            "crm-77",
            "1997",
        ] {
            assert!(!text.contains(secret), "{secret} in a golden file");
        }
        seen += 1;
    }
    assert!(seen >= 21, "{seen} golden files");
}

/// The documented normalisation of each match key, read from the built requests: the hash of
/// the form each platform's docs give (Meta: digits-only phone, `menlopark`, `ca`, `94025`, `us`,
/// `19970216`, `f`; TikTok: E.164 phone, city/state/country in clear; Google: E.164 phone and
/// the address identifier with `US`/`94025` unhashed).
#[test]
fn match_keys_follow_each_platforms_documented_normalisation() {
    use pixel_core::hash::HashedValue;
    let h = |s: &str| json!(HashedValue::hash(s).as_str());
    let event = match_keys();
    let [(_, meta), (_, tiktok), (_, google), (_, data_manager)] = targets();
    let body = |t: &Target| {
        t.build(std::slice::from_ref(&event), &SendMode::Live, NOW)[0]
            .body
            .clone()
    };

    let m = body(&meta)["data"][0]["user_data"].clone();
    let meta_cases = [
        ("em", h("joe.smith@example.com")),
        ("ph", h("16505551212")),
        ("fn", h("joe")),
        ("ln", h("smith")),
        ("ct", h("menlopark")),
        ("st", h("ca")),
        ("zp", h("94025")),
        ("country", h("us")),
        ("db", h("19970216")),
        ("ge", h("f")),
        ("external_id", h("crm-77")),
    ];
    for (key, want) in meta_cases {
        assert_eq!(m[key], want, "meta {key}");
    }

    let t = body(&tiktok)["data"][0]["user"].clone();
    let tiktok_cases = [
        ("email", h("joe.smith@example.com")),
        ("phone", h("+16505551212")),
        ("first_name", h("joe")),
        ("last_name", h("smith")),
        ("zip_code", h("94025")),
        ("external_id", h("crm-77")),
        ("city", json!("menlopark")),
        ("state", json!("ca")),
        ("country", json!("us")),
    ];
    for (key, want) in tiktok_cases {
        assert_eq!(t[key], want, "tiktok {key}");
    }

    let g = body(&google)["conversions"][0]["userIdentifiers"].clone();
    assert_eq!(
        g,
        json!([
            { "hashedEmail": h("joe.smith@example.com") },
            { "hashedPhoneNumber": h("+16505551212") },
            { "addressInfo": {
                "hashedFirstName": h("joe"),
                "hashedLastName": h("smith"),
                "countryCode": "US",
                "postalCode": "94025",
            }},
        ])
    );
    // The Data Manager API: the same identity, its own field names.
    let ids = body(&data_manager)["events"][0]["userData"]["userIdentifiers"].clone();
    let address = ids
        .as_array()
        .and_then(|a| a.iter().find_map(|i| i.get("address")))
        .cloned();
    assert_eq!(
        address,
        Some(json!({"givenName": h("joe"), "familyName": h("smith"),
                    "regionCode": "US", "postalCode": "94025"})),
        "{ids}"
    );
}
