//! The Data Manager answers, one row per rule of Google's "understand errors" guide, and the
//! request limits.

use super::answer::secs_to_daily_reset;
use super::*;
use crate::event::{Consent, EventId};
use crate::outcome::{HttpAnswer, Outcome};
use crate::platforms::CredentialVerdict;

const NOW: i64 = 1_790_000_000;

fn target() -> DataManagerTarget {
    DataManagerTarget {
        base_url: "http://dm.invalid/".into(),
        customer_id: "123-456-7890".into(),
        login_customer_id: None,
        access_token: "ya29.secret".into(),
        conversion_actions: (0..12)
            .zip(StandardEvent::ALL)
            .map(|(i, e)| (e, format!("{}", 100 + i)))
            .collect(),
        clock_secs: NOW,
    }
}

fn status(code: u16, status: &str, details: &str) -> String {
    format!(
        r#"{{"error":{{"code":{code},"status":"{status}","message":"m","details":[{details}]}}}}"#
    )
}

fn violation(field: &str) -> String {
    format!(
        r#"{{"@type":"type.googleapis.com/google.rpc.BadRequest","fieldViolations":[{{"field":"{field}","reason":"INVALID_GCLID","description":"bad"}}]}}"#
    )
}

fn quota(limit: &str) -> String {
    format!(
        r#"{{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"RATE_LIMIT_EXCEEDED","metadata":{{"quota_limit":"{limit}"}}}}"#
    )
}

fn kind(o: &Outcome) -> String {
    match o {
        Outcome::Delivered => "delivered".into(),
        Outcome::Retry { after_secs, .. } => format!("retry {after_secs:?}"),
        Outcome::Permanent { .. } => "permanent".into(),
        Outcome::Bisect { .. } => "bisect".into(),
        Outcome::PauseConfig { .. } => "pause".into(),
        Outcome::RejectEvents { bad } => {
            format!(
                "reject {:?}",
                bad.iter().map(|(i, _)| *i).collect::<Vec<_>>()
            )
        }
        other => format!("{other:?}"),
    }
}

#[test]
fn answers_table() {
    let reset = secs_to_daily_reset(NOW);
    let bad3 = status(
        400,
        "INVALID_ARGUMENT",
        &violation("events[3].ad_identifiers.gclid"),
    );
    let two = status(
        400,
        "INVALID_ARGUMENT",
        r#"{"@type":"type.googleapis.com/google.rpc.BadRequest","fieldViolations":[
            {"field":"events[4].currency","reason":"INVALID_CURRENCY_CODE"},
            {"field":"events[1].event_timestamp","reason":"INVALID_TIMESTAMP"},
            {"field":"events[4].conversion_value","reason":"INVALID_ARGUMENT"}]}"#,
    );
    let cases: Vec<(u16, Option<&str>, String, usize, String)> = vec![
        (
            200,
            None,
            r#"{"requestId":"r1"}"#.into(),
            5,
            "delivered".into(),
        ),
        (200, None, "not json".into(), 5, "retry None".into()),
        (400, None, bad3.clone(), 5, "reject [3]".into()),
        (400, None, two, 5, "reject [1, 4]".into()),
        // An index past the batch is not ours to trust: bisect instead.
        (400, None, bad3, 2, "bisect".into()),
        (
            400,
            None,
            status(400, "INVALID_ARGUMENT", ""),
            5,
            "bisect".into(),
        ),
        (
            400,
            None,
            status(400, "INVALID_ARGUMENT", ""),
            1,
            "permanent".into(),
        ),
        (
            400,
            None,
            status(
                400,
                "INVALID_ARGUMENT",
                &violation("destinations[0].product_destination_id"),
            ),
            5,
            "pause".into(),
        ),
        (
            400,
            None,
            status(400, "FAILED_PRECONDITION", ""),
            5,
            "pause".into(),
        ),
        (
            401,
            None,
            status(401, "UNAUTHENTICATED", ""),
            5,
            "pause".into(),
        ),
        (
            403,
            None,
            status(403, "PERMISSION_DENIED", ""),
            5,
            "pause".into(),
        ),
        (404, None, status(404, "NOT_FOUND", ""), 5, "pause".into()),
        (
            409,
            None,
            status(409, "ABORTED", ""),
            5,
            "retry None".into(),
        ),
        (
            429,
            None,
            status(
                429,
                "RESOURCE_EXHAUSTED",
                &quota("IngestEventsRequestsPerMinutePerProject"),
            ),
            5,
            "retry Some(60)".into(),
        ),
        (
            429,
            Some("17"),
            status(
                429,
                "RESOURCE_EXHAUSTED",
                &quota("IngestEventsRequestsPerMinutePerProject"),
            ),
            5,
            "retry Some(17)".into(),
        ),
        (
            429,
            Some("17"),
            status(
                429,
                "RESOURCE_EXHAUSTED",
                &quota("IngestEventsRequestsPerDayPerProject"),
            ),
            5,
            format!("retry Some({reset})"),
        ),
        (
            500,
            None,
            status(500, "INTERNAL", ""),
            5,
            "retry None".into(),
        ),
        (
            503,
            Some("5"),
            status(503, "UNAVAILABLE", ""),
            5,
            "retry Some(5)".into(),
        ),
        (
            504,
            None,
            status(504, "DEADLINE_EXCEEDED", ""),
            5,
            "retry None".into(),
        ),
    ];
    let t = target();
    for (code, retry_after, body, n, want) in cases {
        let a = HttpAnswer {
            status: code,
            retry_after,
            body: body.as_bytes(),
        };
        assert_eq!(kind(&t.classify(&a, n)), want, "{code} {body} n={n}");
    }
}

#[test]
fn the_daily_reset_is_midnight_pacific_standard_time() {
    let day = 86_400 * 20_000;
    assert_eq!(secs_to_daily_reset(day), 8 * 3600);
    assert_eq!(secs_to_daily_reset(day + 8 * 3600), 86_400);
    assert_eq!(secs_to_daily_reset(day + 9 * 3600), 23 * 3600);
}

#[test]
fn the_reasons_of_a_fast_fail_name_googles_field_and_words() {
    let body = status(
        400,
        "INVALID_ARGUMENT",
        &violation("events[0].ad_identifiers.gclid"),
    );
    let a = HttpAnswer {
        status: 400,
        retry_after: None,
        body: body.as_bytes(),
    };
    let Outcome::RejectEvents { bad } = target().classify(&a, 2) else {
        panic!()
    };
    assert_eq!(
        bad[0].1,
        "Google INVALID_GCLID at events[0].ad_identifiers.gclid: bad"
    );
}

fn event(n: usize, name: StandardEvent) -> Option<Event> {
    let mut e = Event::new(EventId::parse(&format!("e{n}")).unwrap(), name, NOW);
    e.click_ids.gclid = Some("Cj0KCQiA1234567890".into());
    Some(e)
}

#[test]
fn requests_keep_to_2000_events_and_10_destinations() {
    let t = target();
    let many: Vec<Option<Event>> = (0..4_500).map(|n| event(n, StandardEvent::Lead)).collect();
    let idx: Vec<usize> = (0..many.len()).collect();
    let sizes: Vec<usize> = t.chunks(&idx, &many).iter().map(Vec::len).collect();
    assert_eq!(sizes, [2_000, 2_000, 500]);
    // Twelve event types mapped to twelve conversion actions: two requests.
    let mixed: Vec<Option<Event>> = StandardEvent::ALL
        .iter()
        .take(12)
        .enumerate()
        .map(|(n, e)| event(n, *e))
        .collect();
    let idx: Vec<usize> = (0..mixed.len()).collect();
    let chunks = t.chunks(&idx, &mixed);
    assert_eq!(chunks.iter().map(Vec::len).collect::<Vec<_>>(), [10, 2]);
    let events: Vec<Event> = chunks[0].iter().filter_map(|&i| mixed[i].clone()).collect();
    let req = t.build(&events, &SendMode::Live, NOW);
    assert_eq!(req.body["destinations"].as_array().unwrap().len(), 10);
    assert_eq!(req.url, "http://dm.invalid/v1/events:ingest");
    // Click ids only: no user data, so no encoding either.
    assert!(req.body.get("encoding").is_none());
    assert!(!format!("{req:?}").contains("ya29.secret"));
}

#[test]
fn an_event_without_click_id_or_consented_identifier_is_not_sent() {
    let t = target();
    let mut e = Event::new(EventId::parse("x").unwrap(), StandardEvent::Lead, NOW);
    e.identity.email_google = Some(crate::hash::HashedValue::hash("a@b.c"));
    // Consent denied: the e-mail may not go, and nothing else identifies the event.
    assert_eq!(t.check(&e), Err(Rejection::NoClickIdOrIdentifier));
    e.consent.ad_user_data = true;
    assert_eq!(t.check(&e), Ok(()));
}

#[test]
fn the_credential_check_reads_the_validate_only_answer() {
    let t = target();
    let verdict = |code: u16, body: &str| {
        t.classify_credential_check(&HttpAnswer {
            status: code,
            retry_after: None,
            body: body.as_bytes(),
        })
    };
    assert_eq!(
        verdict(200, r#"{"requestId":"x"}"#),
        CredentialVerdict::Accepted
    );
    assert!(matches!(
        verdict(401, &status(401, "UNAUTHENTICATED", "")),
        CredentialVerdict::Rejected { .. }
    ));
    assert!(matches!(
        verdict(
            400,
            &status(
                400,
                "INVALID_ARGUMENT",
                &violation("destinations[0].operating_account.account_id")
            )
        ),
        CredentialVerdict::Rejected { .. }
    ));
    assert!(matches!(
        verdict(
            400,
            &status(
                400,
                "INVALID_ARGUMENT",
                &violation("events[0].ad_identifiers.gclid")
            )
        ),
        CredentialVerdict::AcceptedUnverified { .. }
    ));
    assert!(matches!(
        verdict(503, ""),
        CredentialVerdict::Unavailable { .. }
    ));
}

#[test]
fn consent_goes_to_google_only_as_stated() {
    let t = target();
    let with = |consent: Consent| {
        let mut e = event(0, StandardEvent::Purchase).unwrap();
        e.consent = consent;
        t.build(&[e], &SendMode::Live, NOW).body["events"][0].clone()
    };
    let stated = with(Consent::granted());
    assert_eq!(stated["consent"]["adUserData"], "CONSENT_GRANTED");
    assert_eq!(stated["consent"]["adPersonalization"], "CONSENT_GRANTED");
    let refused = with(Consent::default());
    assert_eq!(refused["consent"]["adUserData"], "CONSENT_DENIED");
    // A backend event that said nothing about consent: no grant is claimed on its behalf.
    let unstated = with(Consent::assumed());
    assert!(unstated.get("consent").is_none(), "{unstated}");
}
