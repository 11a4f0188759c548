//! Answer classification tables: every code of PLATFORMS.md, per platform.

use super::{google, meta, tiktok};
use crate::outcome::{EventOutcome, HttpAnswer, Outcome, TransportFailure, transport_failure};
use crate::platforms::Target;

mod credentials;

/// The verdict's kind and suggested delay, enough to tell every rule apart.
fn verdict(o: &Outcome) -> String {
    match o {
        Outcome::Delivered => "delivered".into(),
        Outcome::Retry { after_secs, .. } => format!("retry {after_secs:?}"),
        Outcome::Permanent { .. } => "permanent".into(),
        Outcome::Bisect { .. } => "bisect".into(),
        Outcome::ResendWithoutFbc { .. } => "resend without fbc".into(),
        Outcome::PauseConfig { .. } => "pause".into(),
        Outcome::PerEvent(rows) => format!("per event {rows:?}"),
        Outcome::RejectEvents { bad } => format!("reject {bad:?}"),
    }
}

fn run(t: &Target, cases: &[(u16, Option<&str>, &str, usize, &str)]) {
    for (status, retry_after, body, n, want) in cases {
        let answer = HttpAnswer {
            status: *status,
            retry_after: *retry_after,
            body: body.as_bytes(),
        };
        assert_eq!(
            verdict(&t.classify(&answer, *n)),
            *want,
            "{status} {body} n={n}"
        );
    }
}

fn meta_err(code: i64, sub: Option<i64>, transient: bool) -> String {
    let mut e = serde_json::json!({"error":{"message":"m","type":"OAuthException","code":code,
        "is_transient":transient,"fbtrace_id":"A1"}});
    if let Some(s) = sub {
        e["error"]["error_subcode"] = s.into();
    }
    e.to_string()
}

#[test]
fn meta_answers() {
    let e = |c, s| meta_err(c, s, false);
    let cases: Vec<(u16, Option<&str>, String, usize, &str)> = vec![
        (
            200,
            None,
            r#"{"events_received":3,"messages":[],"fbtrace_id":"x"}"#.into(),
            3,
            "delivered",
        ),
        (400, None, e(190, Some(463)), 3, "pause"),
        (400, None, e(102, None), 3, "pause"),
        (403, None, e(10, None), 3, "pause"),
        (403, None, e(200, None), 3, "pause"),
        (403, None, e(294, None), 3, "pause"),
        (400, None, e(3, None), 3, "pause"),
        (400, None, e(100, Some(33)), 3, "pause"),
        (400, None, e(100, Some(2_804_003)), 1, "permanent"),
        (400, None, e(100, Some(2_804_003)), 4, "bisect"),
        (400, None, e(100, Some(2_804_001)), 4, "resend without fbc"),
        (400, None, e(100, Some(2_804_009)), 1, "permanent"),
        (400, None, e(100, Some(2_804_009)), 2, "bisect"),
        (400, None, e(100, None), 7, "bisect"),
        (500, None, e(1, None), 3, "retry None"),
        (503, None, e(2, None), 3, "retry None"),
        (400, None, e(4, None), 3, "retry Some(60)"),
        (400, None, e(17, None), 3, "retry Some(60)"),
        (400, None, e(32, None), 3, "retry Some(60)"),
        (400, None, e(613, None), 3, "retry Some(60)"),
        (400, None, e(80_003, None), 3, "retry Some(60)"),
        (400, None, e(80_004, None), 3, "retry Some(60)"),
        (429, Some("30"), e(4, None), 3, "retry Some(30)"),
        (400, None, e(341, None), 3, "retry Some(900)"),
        (400, None, e(368, None), 3, "retry Some(900)"),
        (400, None, meta_err(9_999, None, true), 3, "retry None"),
        (
            502,
            None,
            "<html>Bad gateway</html>".into(),
            3,
            "retry None",
        ),
        (503, Some("120"), "".into(), 3, "retry Some(120)"),
        (404, None, "".into(), 3, "permanent"),
        (400, None, e(9_999, None), 1, "permanent"),
    ];
    let cases: Vec<_> = cases
        .iter()
        .map(|(s, r, b, n, w)| (*s, *r, b.as_str(), *n, *w))
        .collect();
    run(&meta(), &cases);
}

#[test]
fn tiktok_answers() {
    let b = |code: i64| format!(r#"{{"code":{code},"message":"m","request_id":"r","data":{{}}}}"#);
    let cases: Vec<(u16, Option<&str>, String, usize, &str)> = vec![
        (200, None, b(0), 5, "delivered"),
        (200, None, b(40001), 5, "pause"),
        (200, None, b(40104), 5, "pause"),
        (200, None, b(40105), 5, "pause"),
        (200, None, b(40100), 5, "retry Some(60)"),
        (200, None, b(40002), 1, "permanent"),
        (200, None, b(40002), 5, "bisect"),
        (200, None, b(50000), 5, "retry None"),
        (
            200,
            None,
            "<html>maintenance</html>".into(),
            5,
            "retry None",
        ),
        (500, None, "".into(), 5, "retry None"),
        (429, None, "".into(), 5, "retry Some(60)"),
        (401, None, "".into(), 5, "pause"),
        (404, None, "".into(), 5, "permanent"),
    ];
    let cases: Vec<_> = cases
        .iter()
        .map(|(s, r, b, n, w)| (*s, *r, b.as_str(), *n, *w))
        .collect();
    run(&tiktok(&[]), &cases);
}

/// A Google partial failure naming `(row, code)` pairs; `None` row = the whole request.
fn partial(errors: &[(Option<u64>, &str, &str)]) -> String {
    let errs: Vec<_> = errors
        .iter()
        .map(|(row, family, code)| {
            let mut e = serde_json::json!({"errorCode": {*family: *code}, "message": "m"});
            if let Some(i) = row {
                e["location"] = serde_json::json!({"fieldPathElements":
                    [{"fieldName":"conversions","index":i},{"fieldName":"gclid"}]});
            }
            e
        })
        .collect();
    serde_json::json!({
        "results": [{}, {}, {}],
        "partialFailureError": {"code": 3, "message": "m", "details": [{
            "@type": "type.googleapis.com/google.ads.googleads.v26.errors.GoogleAdsFailure",
            "errors": errs}]}
    })
    .to_string()
}

#[test]
fn google_answers() {
    const U: &str = "conversionUploadError";
    let d = EventOutcome::Delivered;
    let perm = || EventOutcome::Permanent {
        reason: String::new(),
    };
    let rows = |r: Vec<EventOutcome>| format!("per event {r:?}");
    let strip = |o: Outcome| match o {
        // Reasons carry Google's message; the table compares verdicts.
        Outcome::PerEvent(rows) => Outcome::PerEvent(
            rows.into_iter()
                .map(|r| match r {
                    EventOutcome::Permanent { .. } => perm(),
                    EventOutcome::Retry { after_secs, .. } => EventOutcome::Retry {
                        after_secs,
                        reason: String::new(),
                    },
                    EventOutcome::AlreadyDelivered { .. } => EventOutcome::AlreadyDelivered {
                        reason: String::new(),
                    },
                    other => other,
                })
                .collect(),
        ),
        other => other,
    };
    let retry = |s| EventOutcome::Retry {
        after_secs: s,
        reason: String::new(),
    };
    let already = || EventOutcome::AlreadyDelivered {
        reason: String::new(),
    };
    let cases: Vec<(u16, String, String)> = vec![
        (
            200,
            r#"{"results":[{"gclid":"a"},{"gclid":"b"},{"gclid":"c"}]}"#.into(),
            "delivered".into(),
        ),
        (
            200,
            r#"{"results":[{}],"partialFailureError":{}}"#.into(),
            "delivered".into(),
        ),
        (
            200,
            partial(&[(Some(1), U, "UNPARSEABLE_GCLID")]),
            rows(vec![d.clone(), perm(), d.clone()]),
        ),
        (
            200,
            partial(&[
                (Some(0), U, "CLICK_CONVERSION_ALREADY_EXISTS"),
                (Some(2), U, "TOO_RECENT_EVENT"),
            ]),
            rows(vec![already(), d.clone(), retry(Some(21_600))]),
        ),
        (
            200,
            partial(&[(Some(1), U, "ORDER_ID_ALREADY_IN_USE")]),
            rows(vec![d.clone(), already(), d.clone()]),
        ),
        // The second copy inside one request: the first one lands.
        (
            200,
            partial(&[
                (Some(1), U, "DUPLICATE_ORDER_ID"),
                (Some(2), U, "DUPLICATE_CLICK_CONVERSION_IN_REQUEST"),
            ]),
            rows(vec![d.clone(), already(), already()]),
        ),
        (
            200,
            partial(&[(Some(2), U, "TOO_RECENT_CONVERSION_ACTION")]),
            rows(vec![d.clone(), d.clone(), retry(Some(21_600))]),
        ),
        (
            200,
            partial(&[(Some(0), "internalError", "TRANSIENT_ERROR")]),
            rows(vec![retry(None), d.clone(), d.clone()]),
        ),
        (
            200,
            partial(&[(Some(0), "internalError", "INTERNAL_ERROR")]),
            rows(vec![retry(None), d.clone(), d.clone()]),
        ),
        (
            200,
            partial(&[(None, "quotaError", "RESOURCE_TEMPORARILY_EXHAUSTED")]),
            rows(vec![retry(None), retry(None), retry(None)]),
        ),
        (
            200,
            partial(&[
                (Some(0), U, "EXPIRED_EVENT"),
                (Some(1), U, "CONVERSION_PRECEDES_EVENT"),
                (Some(2), U, "INVALID_USER_IDENTIFIER"),
            ]),
            rows(vec![perm(), perm(), perm()]),
        ),
        // Two errors on one row: the final one wins over "already there".
        (
            200,
            partial(&[
                (Some(0), U, "CLICK_CONVERSION_ALREADY_EXISTS"),
                (Some(0), U, "UNPARSEABLE_GCLID"),
            ]),
            rows(vec![perm(), d.clone(), d.clone()]),
        ),
        (
            200,
            partial(&[(Some(0), U, "NO_CONVERSION_ACTION_FOUND")]),
            "pause".into(),
        ),
        (
            200,
            partial(&[(Some(0), U, "INVALID_CONVERSION_ACTION_TYPE")]),
            "pause".into(),
        ),
        (
            200,
            partial(&[(None, U, "CUSTOMER_NOT_ACCEPTED_CUSTOMER_DATA_TERMS")]),
            "pause".into(),
        ),
        (200, "not json".into(), "retry None".into()),
        (
            401,
            r#"{"error":{"code":401,"status":"UNAUTHENTICATED"}}"#.into(),
            "pause".into(),
        ),
        (
            403,
            r#"{"error":{"code":403,"status":"PERMISSION_DENIED"}}"#.into(),
            "pause".into(),
        ),
        (429, "".into(), "retry Some(60)".into()),
        (503, "".into(), "retry None".into()),
        (
            400,
            r#"{"error":{"code":400,"message":"bad","status":"INVALID_ARGUMENT"}}"#.into(),
            "permanent".into(),
        ),
    ];
    let t = google();
    for (status, body, want) in cases {
        let answer = HttpAnswer {
            status,
            retry_after: None,
            body: body.as_bytes(),
        };
        assert_eq!(
            verdict(&strip(t.classify(&answer, 3))),
            want,
            "{status} {body}"
        );
    }
}

#[test]
fn no_answer_is_always_worth_a_retry() {
    for f in [
        TransportFailure::Timeout,
        TransportFailure::Connect,
        TransportFailure::Other,
    ] {
        assert_eq!(verdict(&transport_failure(f)), "retry None");
    }
}
