//! Credential checks: the requests that create nothing, and every verdict on their answers
//! (what the config API stores, or answers 422 with the platform's words, or 502).

use super::super::{NOW, google, meta, tiktok};
use crate::outcome::HttpAnswer;
use crate::platforms::{CredentialVerdict, GoogleTarget, Target};

/// A verdict in one line: its kind, the platform's code and what the user reads.
fn said(v: CredentialVerdict) -> String {
    match v {
        CredentialVerdict::Accepted => "accepted".into(),
        CredentialVerdict::AcceptedUnverified { note } => format!("unverified: {note}"),
        CredentialVerdict::Rejected { code, message } => format!("rejected {code}: {message}"),
        CredentialVerdict::Unavailable { reason } => format!("unavailable: {reason}"),
    }
}

fn answer(status: u16, body: &str) -> HttpAnswer<'_> {
    HttpAnswer {
        status,
        retry_after: None,
        body: body.as_bytes(),
    }
}

fn table(classify: impl Fn(&HttpAnswer<'_>) -> CredentialVerdict, cases: &[(u16, &str, &str)]) {
    for (status, body, want) in cases {
        assert_eq!(
            said(classify(&answer(*status, body))),
            *want,
            "{status} {body}"
        );
    }
}

fn meta_err(code: i64, sub: Option<i64>) -> String {
    let mut e = serde_json::json!({"error": {"message": "m", "type": "OAuthException",
        "code": code, "fbtrace_id": "A1"}});
    if let Some(s) = sub {
        e["error"]["error_subcode"] = s.into();
    }
    e.to_string()
}

#[test]
fn meta_pixel_read_answers() {
    let e = meta_err;
    let user_msg = r#"{"error":{"message":"m","error_user_msg":"Ask the owner","code":190}}"#;
    let unverified = "unverified: the token was accepted but may not read the pixel: m";
    let transient = r#"{"error":{"message":"m","code":9999,"is_transient":true}}"#;
    table(
        meta::classify_credential_check,
        &[
            (200, r#"{"id":"1234567890","name":"Gym"}"#, "accepted"),
            (400, &e(190, Some(463)), "rejected 190: m"),
            (400, &e(102, None), "rejected 102: m"),
            // The user's message, when Meta wrote one, over the developer's.
            (400, user_msg, "rejected 190: Ask the owner"),
            (
                400,
                &e(100, Some(33)),
                "rejected 100: the pixel does not exist or is not shared with this token (m)",
            ),
            (400, &e(100, None), "rejected 100: m"),
            // A CAPI-only token may lack read permission: not proof of a bad token.
            (403, &e(10, None), unverified),
            (403, &e(200, None), unverified),
            (403, &e(299, None), unverified),
            (400, &e(3, None), unverified),
            // What a delivery would retry says nothing about the token: try again later.
            (500, &e(1, None), "unavailable: Meta error 1: m"),
            (400, &e(2, None), "unavailable: Meta error 2: m"),
            (429, &e(4, None), "unavailable: Meta error 4: m"),
            (400, &e(17, None), "unavailable: Meta error 17: m"),
            (400, &e(32, None), "unavailable: Meta error 32: m"),
            (400, &e(613, None), "unavailable: Meta error 613: m"),
            (400, &e(80_004, None), "unavailable: Meta error 80004: m"),
            (400, &e(368, None), "unavailable: Meta error 368: m"),
            (400, transient, "unavailable: Meta error 9999: m"),
            (
                503,
                "<html>Service unavailable</html>",
                "unavailable: platform unavailable (HTTP 503)",
            ),
            (500, &e(100, None), "unavailable: it answered HTTP 500"),
            (400, "not json", "rejected null: unknown error"),
            (404, "", "rejected null: unknown error"),
        ],
    );
}

#[test]
fn tiktok_probe_answers() {
    let b = |code: i64| format!(r#"{{"code":{code},"message":"m","request_id":"r","data":{{}}}}"#);
    table(
        tiktok::classify_credential_check,
        &[
            (200, &b(0), "accepted"),
            // The probe event was refused, which says nothing against the token.
            (
                200,
                &b(40002),
                "unverified: the token was accepted; the probe event was refused: m",
            ),
            (200, &b(40001), "rejected 40001: m"),
            (200, &b(40105), "rejected 40105: m"),
            (
                200,
                &b(40100),
                "unavailable: rate limited (TikTok code 40100: m)",
            ),
            (200, &b(50000), "unavailable: TikTok code 50000: m"),
            (
                200,
                "<html>maintenance</html>",
                "unavailable: an answer without TikTok's result code",
            ),
            (
                200,
                r#"{"message":"m"}"#,
                "unavailable: an answer without TikTok's result code",
            ),
            (500, "", "unavailable: it answered HTTP 500"),
            (429, "", "unavailable: it answered HTTP 429"),
            // TikTok answers its verdicts with HTTP 200: any other status is not one.
            (401, &b(40105), "unavailable: it answered HTTP 401"),
        ],
    );
}

#[test]
fn google_token_exchange_answers() {
    let exchange = |a: &HttpAnswer<'_>| match google::classify_token_exchange(a, NOW) {
        Ok(token) => {
            assert_eq!(token.token, "ya29.fresh");
            CredentialVerdict::Accepted
        }
        Err(v) => v,
    };
    table(
        exchange,
        &[
            (
                200,
                r#"{"access_token":"ya29.fresh","expires_in":3599,"token_type":"Bearer"}"#,
                "accepted",
            ),
            (
                400,
                r#"{"error":"invalid_grant","error_description":"Token has been expired or revoked."}"#,
                r#"rejected "invalid_grant": Token has been expired or revoked."#,
            ),
            (
                401,
                r#"{"error":"invalid_client"}"#,
                r#"rejected "invalid_client": invalid_client"#,
            ),
            (
                400,
                "not json",
                "rejected null: the refresh token was refused",
            ),
            (503, "", "unavailable: platform unavailable (HTTP 503)"),
            (429, "", "unavailable: rate limited (HTTP 429)"),
            (
                200,
                "<html>proxy</html>",
                "unavailable: Google's token answer had no access_token",
            ),
            (
                200,
                "{}",
                "unavailable: Google's token answer had no access_token",
            ),
        ],
    );
}

fn google_target(login: Option<&str>) -> GoogleTarget {
    let Target::Google(mut g) = google() else {
        unreachable!()
    };
    g.login_customer_id = login.map(str::to_owned);
    g
}

#[test]
fn google_accessible_customers_answers() {
    let direct = google_target(None);
    let managed = google_target(Some("111-222-3333"));
    let listed = |ids: &[&str]| {
        let names: Vec<String> = ids.iter().map(|i| format!("customers/{i}")).collect();
        serde_json::json!({ "resourceNames": names }).to_string()
    };
    let not_accessible = |id: &str| {
        format!(
            r#"rejected "CUSTOMER_NOT_ACCESSIBLE": this Google account cannot access customer {id}"#
        )
    };
    let unauthenticated = r#"{"error":{"code":401,"message":"Request had invalid authentication credentials.","status":"UNAUTHENTICATED"}}"#;
    let cases = [
        (
            &direct,
            200,
            listed(&["999", "1234567890"]),
            "accepted".to_owned(),
        ),
        (&direct, 200, listed(&["999"]), not_accessible("1234567890")),
        // An empty list is left out of Google's JSON.
        (&direct, 200, "{}".into(), not_accessible("1234567890")),
        // Through a manager account, the manager is what must be listed.
        (&managed, 200, listed(&["1112223333"]), "accepted".into()),
        (
            &managed,
            200,
            listed(&["1234567890"]),
            not_accessible("1112223333"),
        ),
        (
            &direct,
            401,
            unauthenticated.into(),
            "rejected 401: Request had invalid authentication credentials.".into(),
        ),
        (
            &direct,
            403,
            "{}".into(),
            "rejected 403: access denied".into(),
        ),
        (
            &direct,
            500,
            "".into(),
            "unavailable: it answered HTTP 500".into(),
        ),
        (
            &direct,
            429,
            "".into(),
            "unavailable: it answered HTTP 429".into(),
        ),
        (
            &direct,
            400,
            "{}".into(),
            "unavailable: it answered HTTP 400".into(),
        ),
        (
            &direct,
            200,
            "<html>proxy</html>".into(),
            "unavailable: Google answered without a readable body".into(),
        ),
    ];
    for (target, status, body, want) in cases {
        let got = said(target.classify_credential_check(&answer(status, &body)));
        assert_eq!(got, want, "{status} {body}");
    }
}

#[test]
fn the_check_requests_create_nothing_and_keep_the_token_apart() {
    let Target::Meta(m) = meta() else {
        unreachable!()
    };
    let Target::TikTok(t) = tiktok(&[]) else {
        unreachable!()
    };
    let g = google_target(None);

    let read = m.credential_check();
    assert_eq!((read.method, read.body.is_null()), ("GET", true));
    assert_eq!(
        read.url_with_credential(),
        "http://127.0.0.1:9/v25.0/1234567890?fields=id,name&access_token=meta-secret-token"
    );

    let list = g.credential_check();
    assert_eq!(list.method, "GET");
    assert_eq!(
        list.url,
        "http://127.0.0.1:9/v26/customers:listAccessibleCustomers"
    );
    assert!(
        list.headers_with_credential()
            .contains(&("Authorization".into(), "Bearer google-secret-token".into()))
    );

    for (req, secret) in [
        (&read, "meta-secret-token"),
        (&list, "google-secret-token"),
        (
            &t.credential_check(None, NOW, "ab12"),
            "tiktok-secret-token",
        ),
    ] {
        let logged = format!("{} {:?} {}", req.url, req.headers, req.body);
        assert!(!logged.contains(secret), "{logged}");
    }
}

#[test]
fn the_tiktok_probe_is_one_test_event() {
    let Target::TikTok(t) = tiktok(&[]) else {
        unreachable!()
    };
    let probe = t.credential_check(None, NOW, "0a1b2c3d4e5f6071");
    assert_eq!(probe.method, "POST");
    assert_eq!(probe.url, "http://127.0.0.1:9/open_api/v1.3/event/track/");
    assert_eq!(
        probe.body,
        serde_json::json!({
            "event_source": "web",
            "event_source_id": "C4ABCDEF",
            "test_event_code": "PIXELMANAGER_CHECK",
            "data": [{
                "event": "ViewContent",
                "event_time": NOW,
                "event_id": "pm-check-0a1b2c3d4e5f6071",
                "page": { "url": "https://pixel-manager.invalid/credential-check" },
            }],
        })
    );
    assert!(
        probe
            .headers_with_credential()
            .contains(&("Access-Token".into(), "tiktok-secret-token".into()))
    );
    // The config's own test event code, when it has one, so the probe shows in its test view.
    let own = t.credential_check(Some("TEST123"), NOW, "00");
    assert_eq!(own.body["test_event_code"], "TEST123");
}
