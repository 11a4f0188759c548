//! Pre-send rules and request building, per platform. Answers are in `tests/answers.rs`,
//! whole payloads in the golden files (`tests/golden/`).

mod answers;

use super::*;
use crate::event::{ActionSource, Consent, EventId, HashedIdentity, RawIdentity};

pub(super) const NOW: i64 = 1_790_000_000;

pub(super) fn meta() -> Target {
    Target::Meta(MetaTarget {
        base_url: "http://127.0.0.1:9/".into(),
        api_version: "v25.0".into(),
        pixel_id: "1234567890".into(),
        access_token: "meta-secret-token".into(),
        event_names: BTreeMap::new(),
    })
}

pub(super) fn tiktok(names: &[(StandardEvent, &str)]) -> Target {
    Target::TikTok(TikTokTarget {
        base_url: "http://127.0.0.1:9".into(),
        pixel_code: "C4ABCDEF".into(),
        access_token: "tiktok-secret-token".into(),
        event_names: names.iter().map(|(e, n)| (*e, (*n).to_owned())).collect(),
    })
}

pub(super) fn google() -> Target {
    Target::Google(GoogleTarget {
        base_url: "http://127.0.0.1:9".into(),
        api_version: "v26".into(),
        customer_id: "123-456-7890".into(),
        login_customer_id: Some("111-222-3333".into()),
        access_token: "google-secret-token".into(),
        conversion_actions: [
            (StandardEvent::Purchase, "555".to_owned()),
            (StandardEvent::Lead, "777".to_owned()),
        ]
        .into(),
    })
}

/// A complete website purchase with consent: every platform accepts it.
pub(super) fn purchase() -> Event {
    let identity = HashedIdentity::from_raw(
        &RawIdentity {
            email: Some("Jane.Doe@gmail.com".into()),
            phone: Some("+34 612 34 56 78".into()),
            ..RawIdentity::default()
        },
        "ES",
    );
    let mut e = Event::new(
        EventId::parse("evt-1").unwrap(),
        StandardEvent::Purchase,
        NOW - 60,
    );
    e.consent = Consent::granted();
    e.source_url = Some("https://studio.example/checkout".into());
    e.user_agent = Some("Mozilla/5.0".into());
    e.client_ip = Some("203.0.113.7".into());
    e.click_ids.gclid = Some("Cj0KCQiA".into());
    e.custom.value = Some(49.9);
    e.custom.currency = Some("EUR".into());
    e.identity = identity;
    e
}

#[test]
fn meta_pre_send_rules() {
    let t = meta();
    let mut cases: Vec<(&str, Event, Result<(), Rejection>)> =
        vec![("complete", purchase(), Ok(()))];
    let mut e = purchase();
    e.consent = Consent::default();
    cases.push(("no consent", e, Err(Rejection::NoConsent)));
    let mut e = purchase();
    e.time = NOW - 8 * 86_400;
    cases.push((
        "8 days old",
        e,
        Err(Rejection::TooOld {
            age_secs: 8 * 86_400,
        }),
    ));
    let mut e = purchase();
    e.time = NOW - 7 * 86_400 + 3_600;
    cases.push(("6 days 23 h old", e, Ok(())));
    let mut e = purchase();
    e.time = NOW + 7_200;
    cases.push(("2 h in the future", e, Err(Rejection::InFuture)));
    let mut e = purchase();
    e.custom.value = None;
    cases.push((
        "purchase without value",
        e,
        Err(Rejection::MissingValue("Purchase")),
    ));
    let mut e = purchase();
    e.custom.currency = Some("eur".into());
    cases.push((
        "lowercase currency",
        e,
        Err(Rejection::MissingValue("Purchase")),
    ));
    let mut e = purchase();
    e.user_agent = None;
    cases.push((
        "website without UA",
        e,
        Err(Rejection::MissingWebsiteContext),
    ));
    let mut e = purchase();
    e.name = StandardEvent::Lead;
    e.custom = Default::default();
    cases.push(("lead without value", e, Ok(())));
    let mut e = purchase();
    e.action_source = ActionSource::SystemGenerated;
    e.source_url = None;
    e.user_agent = None;
    e.client_ip = None;
    cases.push(("backend event with e-mail", e, Ok(())));
    let thin = |raw: RawIdentity| {
        let mut e = purchase();
        e.action_source = ActionSource::SystemGenerated;
        e.source_url = None;
        e.user_agent = None;
        e.client_ip = None;
        e.identity = HashedIdentity::from_raw(&raw, "ES");
        e
    };
    let loc = RawIdentity {
        city: Some("Madrid".into()),
        country: Some("ES".into()),
        ..Default::default()
    };
    cases.push((
        "city and country only",
        thin(loc),
        Err(Rejection::TooThin("country, ct".into())),
    ));
    let fn_ge = RawIdentity {
        first_name: Some("Ana".into()),
        gender: Some("f".into()),
        ..Default::default()
    };
    cases.push((
        "first name and gender",
        thin(fn_ge),
        Err(Rejection::TooThin("fn, ge".into())),
    ));
    let fn_ln = RawIdentity {
        first_name: Some("Ana".into()),
        last_name: Some("Núñez".into()),
        ..Default::default()
    };
    cases.push(("first and last name", thin(fn_ln), Ok(())));
    cases.push((
        "nothing",
        thin(RawIdentity::default()),
        Err(Rejection::TooThin("nothing".into())),
    ));
    for (what, event, want) in cases {
        assert_eq!(t.check(&event, NOW), want, "{what}");
    }
}

#[test]
fn tiktok_needs_a_mapping_for_page_views() {
    let mut e = purchase();
    e.name = StandardEvent::PageView;
    assert_eq!(
        tiktok(&[]).check(&e, NOW),
        Err(Rejection::NotMapped(StandardEvent::PageView))
    );
    let mapped = tiktok(&[(StandardEvent::PageView, "Pageview")]);
    assert_eq!(mapped.check(&e, NOW), Ok(()));
    let req = &mapped.build(&[e], &SendMode::Live, NOW)[0];
    assert_eq!(req.body["data"][0]["event"], "Pageview");
    let mut e = purchase();
    e.consent.ad_user_data = false;
    assert_eq!(tiktok(&[]).check(&e, NOW), Err(Rejection::NoConsent));
}

#[test]
fn google_needs_a_click_id_or_a_consented_identifier() {
    let t = google();
    let mut e = purchase();
    assert_eq!(t.check(&e, NOW), Ok(()));
    e.click_ids.gclid = None;
    assert_eq!(t.check(&e, NOW), Ok(()), "enhanced conversions for leads");
    e.consent.ad_user_data = false;
    assert_eq!(t.check(&e, NOW), Err(Rejection::NoClickIdOrIdentifier));
    let mut e = purchase();
    e.name = StandardEvent::Schedule;
    assert_eq!(
        t.check(&e, NOW),
        Err(Rejection::NotMapped(StandardEvent::Schedule))
    );
    // Without consent the click id still goes, flagged DENIED, and no identifiers.
    let mut e = purchase();
    e.consent.ad_user_data = false;
    assert_eq!(t.check(&e, NOW), Ok(()));
    let row = &t.build(&[e], &SendMode::Live, NOW)[0].body["conversions"][0];
    assert_eq!(row["consent"]["adUserData"], "DENIED");
    assert!(row.get("userIdentifiers").is_none(), "{row}");
}

#[test]
fn google_sends_exactly_one_click_id() {
    let mut e = purchase();
    e.click_ids.gbraid = Some("GB1".into());
    e.click_ids.wbraid = Some("WB1".into());
    let row = &google().build(&[e.clone()], &SendMode::Live, NOW)[0].body["conversions"][0];
    assert_eq!(row["gclid"], "Cj0KCQiA");
    assert!(row.get("gbraid").is_none() && row.get("wbraid").is_none());
    e.click_ids.gclid = None;
    let row = &google().build(&[e], &SendMode::Live, NOW)[0].body["conversions"][0];
    assert_eq!(row["gbraid"], "GB1");
    assert!(row.get("wbraid").is_none());
}

#[test]
fn batches_respect_each_platform_limit() {
    let events: Vec<Event> = (0..2_500)
        .map(|i| {
            let mut e = purchase();
            e.event_id = EventId::parse(&format!("evt-{i}")).unwrap();
            e
        })
        .collect();
    let sizes = |t: Target, key: &str| -> Vec<usize> {
        t.build(&events, &SendMode::Live, NOW)
            .iter()
            .map(|r| r.body[key].as_array().unwrap().len())
            .collect()
    };
    assert_eq!(sizes(meta(), "data"), [1_000, 1_000, 500]);
    assert_eq!(sizes(tiktok(&[]), "data"), [1_000, 1_000, 500]);
    assert_eq!(sizes(google(), "conversions"), [2_000, 500]);
    // Order is kept, so verdicts map back to events by index.
    let reqs = meta().build(&events, &SendMode::Live, NOW);
    assert_eq!(reqs[1].body["data"][0]["event_id"], "evt-1000");
}

#[test]
fn the_token_is_never_in_what_gets_logged() {
    for (t, secret) in [
        (meta(), "meta-secret-token"),
        (tiktok(&[]), "tiktok-secret-token"),
        (google(), "google-secret-token"),
    ] {
        let req = &t.build(&[purchase()], &SendMode::Live, NOW)[0];
        let logged = format!("{} {:?} {}", req.url, req.headers, req.body);
        assert!(!logged.contains(secret), "{logged}");
        assert!(!format!("{req:?}").contains(secret));
        let sent = format!(
            "{} {:?}",
            req.url_with_credential(),
            req.headers_with_credential()
        );
        assert!(sent.contains(secret), "{sent}");
    }
    let req = &meta().build(&[purchase()], &SendMode::Live, NOW)[0];
    assert_eq!(
        req.url_with_credential(),
        "http://127.0.0.1:9/v25.0/1234567890/events?access_token=meta-secret-token"
    );
}

#[test]
fn test_mode_marks_the_request_and_live_mode_does_not() {
    let test = SendMode::Test {
        test_event_code: Some("TEST123".into()),
    };
    let body = |t: Target, m: &SendMode| t.build(&[purchase()], m, NOW).remove(0).body;
    assert_eq!(body(meta(), &test)["test_event_code"], "TEST123");
    assert!(
        body(meta(), &SendMode::Live)
            .get("test_event_code")
            .is_none()
    );
    assert_eq!(body(tiktok(&[]), &test)["test_event_code"], "TEST123");
    assert_eq!(body(google(), &test)["validateOnly"], true);
    assert!(
        body(google(), &SendMode::Live)
            .get("validateOnly")
            .is_none()
    );
}

#[test]
fn clock_skew_sends_now_instead_of_a_future_time() {
    let mut e = purchase();
    e.time = NOW + 30;
    assert_eq!(meta().check(&e, NOW), Ok(()));
    let req = &meta().build(&[e], &SendMode::Live, NOW)[0];
    assert_eq!(req.body["data"][0]["event_time"], NOW);
}

#[test]
fn limited_data_use_reaches_meta_and_tiktok() {
    let mut e = purchase();
    e.consent.limited_data_use = true;
    let m = &meta().build(&[e.clone()], &SendMode::Live, NOW)[0].body["data"][0];
    assert_eq!(m["data_processing_options"], serde_json::json!(["LDU"]));
    assert_eq!(m["data_processing_options_state"], 1000);
    let t = &tiktok(&[]).build(&[e], &SendMode::Live, NOW)[0].body["data"][0];
    assert_eq!(t["limited_data_use"], true);
}

#[test]
fn ldu_by_location_lets_meta_locate_the_visitor() {
    let mut e = purchase();
    e.consent.ldu_by_location = true;
    let m = &meta().build(&[e.clone()], &SendMode::Live, NOW)[0].body["data"][0];
    assert_eq!(m["data_processing_options"], serde_json::json!(["LDU"]));
    assert_eq!(m["data_processing_options_country"], 0);
    assert_eq!(m["data_processing_options_state"], 0);
    // TikTok has no located mode: no flag that would restrict every visitor.
    let t = &tiktok(&[]).build(&[e.clone()], &SendMode::Live, NOW)[0].body["data"][0];
    assert_eq!(t["limited_data_use"], false);
    e.consent.ldu_by_location = false;
    let m = &meta().build(&[e], &SendMode::Live, NOW)[0].body["data"][0];
    assert_eq!(m["data_processing_options"], serde_json::json!([]));
}

#[test]
fn bisect_and_fbc_removal_prepare_the_resend() {
    let events: Vec<Event> = (0..5).map(|_| purchase()).collect();
    let (a, b) = bisect(&events);
    assert_eq!((a.len(), b.len()), (2, 3));
    let mut e = purchase();
    e.click_ids.fbc = Some("fb.1.1780000000000.x".into());
    let resend = without_fbc(&[e]);
    assert_eq!(resend[0].click_ids.fbc, None);
    let body = &meta().build(&resend, &SendMode::Live, NOW)[0].body;
    assert!(body["data"][0]["user_data"].get("fbc").is_none());
}
