//! Google Ads uploads (partial failure per row, duplicates, validateOnly) and Google OAuth.

use mock_platforms::Platform;
use serde_json::{Value, json};

use crate::harness::{ACTION, CID, GCLID, HASH, Mock, google_body, google_row, row_errors};

#[tokio::test]
async fn oauth_exchanges_a_refresh_token() {
    let mock = Mock::start().await;
    let form = [("content-type", "application/x-www-form-urlencoded")];
    let ok = mock
        .post_raw(
            "/token",
            &form,
            "grant_type=refresh_token&refresh_token=1%2F%2Fgood&client_id=cid.apps.googleusercontent.com&client_secret=s",
        )
        .await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert_eq!(ok.body["expires_in"], 3599);
    assert_eq!(ok.body["token_type"], "Bearer");
    let token = ok.body["access_token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(!token.is_empty() && !token.starts_with("invalid"));
    // The token it hands out works for the API.
    let list = mock
        .get_with(
            "/v26/customers:listAccessibleCustomers",
            &[("authorization", format!("Bearer {token}").as_str())],
        )
        .await;
    assert_eq!(list.status, 200);

    let revoked = mock
        .post_raw(
            "/token",
            &form,
            "grant_type=refresh_token&refresh_token=invalid-rt&client_id=c&client_secret=s",
        )
        .await;
    assert_eq!(revoked.status, 400);
    assert_eq!(revoked.body["error"], "invalid_grant");
    let grant = mock
        .post_raw(
            "/token",
            &form,
            "grant_type=password&refresh_token=x&client_id=c&client_secret=s",
        )
        .await;
    assert_eq!(grant.status, 400);
    assert_eq!(grant.body["error"], "unsupported_grant_type");
}

#[tokio::test]
async fn list_accessible_customers_checks_the_bearer() {
    let mock = Mock::start().await;
    let ok = mock
        .get_with(
            "/v26/customers:listAccessibleCustomers",
            &[("authorization", "Bearer ya29.x")],
        )
        .await;
    assert_eq!(ok.status, 200);
    assert!(
        ok.body["resourceNames"]
            .as_array()
            .is_some_and(|a| !a.is_empty())
    );
    for headers in [vec![("authorization", "Bearer invalid-at")], vec![]] {
        let resp = mock
            .get_with("/v26/customers:listAccessibleCustomers", &headers)
            .await;
        assert_eq!(resp.status, 401);
        assert_eq!(resp.body["error"]["status"], "UNAUTHENTICATED");
    }
    let upload = mock
        .google_upload(CID, "invalid", &google_body(vec![google_row(1)]))
        .await;
    assert_eq!(upload.status, 401);
    assert_eq!(mock.server.received().total(Platform::Google), 0);
}

#[tokio::test]
async fn valid_rows_are_accepted_and_tallied() {
    let mock = Mock::start().await;
    let resp = mock
        .google_upload(CID, "tok", &google_body(vec![google_row(1), google_row(2)]))
        .await;
    assert_eq!(resp.status, 200, "{}", resp.body);
    assert!(
        resp.body.get("partialFailureError").is_none(),
        "{}",
        resp.body
    );
    let results = resp.body["results"].as_array().cloned().unwrap_or_default();
    assert_eq!(results.len(), 2);
    assert_eq!(results[0]["gclid"], format!("{GCLID}1"));
    assert_eq!(results[0]["conversionAction"], ACTION);
    let received = mock.server.received();
    assert_eq!(received.count(Platform::Google, CID, ACTION), 2);
    assert_eq!(
        received.event_ids(Platform::Google),
        vec!["order-1", "order-2"]
    );
}

#[tokio::test]
async fn bad_rows_fail_alone_with_their_index() {
    let mock = Mock::start().await;
    let with = |n: usize, f: &dyn Fn(&mut Value)| {
        let mut row = google_row(n);
        f(&mut row);
        row
    };
    let rows = vec![
        google_row(0),
        with(1, &|r| r["gclid"] = json!("not a gclid")),
        with(2, &|r| {
            r.as_object_mut().map(|o| o.remove("gclid"));
        }),
        with(3, &|r| {
            r["conversionAction"] = json!("conversionActions/42")
        }),
        with(4, &|r| {
            r["conversionDateTime"] = json!("2026-11-27 10:00:00")
        }),
        with(5, &|r| {
            r["conversionAction"] = json!("customers/999/conversionActions/42")
        }),
        // Enhanced conversions for leads: no click id, but user identifiers.
        with(6, &|r| {
            r.as_object_mut().map(|o| o.remove("gclid"));
            r["userIdentifiers"] = json!([{"hashedEmail": HASH}]);
        }),
    ];
    let resp = mock.google_upload(CID, "tok", &google_body(rows)).await;
    assert_eq!(resp.status, 200, "{}", resp.body);
    let results = resp.body["results"].as_array().cloned().unwrap_or_default();
    assert_eq!(results.len(), 7);
    for (i, result) in results.iter().enumerate().take(6).skip(1) {
        assert_eq!(*result, json!({}), "row {i}");
    }
    assert_ne!(results[0], json!({}));
    assert_ne!(results[6], json!({}));
    let errors = row_errors(&resp.body);
    let codes: Vec<(u64, &str)> = errors.iter().map(|(i, _, v)| (*i, v.as_str())).collect();
    assert_eq!(
        codes,
        vec![
            (1, "UNPARSEABLE_GCLID"),
            (2, "REQUIRED"),
            (3, "NO_CONVERSION_ACTION_FOUND"),
            (4, "INVALID_STRING_DATE_TIME_SECONDS_WITH_OFFSET"),
            (5, "NO_CONVERSION_ACTION_FOUND"),
        ]
    );
    assert_eq!(errors[0].1, "conversionUploadError");
    let pfe = &resp.body["partialFailureError"];
    assert_eq!(pfe["code"], 3);
    assert!(
        pfe["message"]
            .as_str()
            .is_some_and(|m| m.contains("conversions[1]"))
    );
    assert!(
        pfe["details"][0]["@type"]
            .as_str()
            .is_some_and(|t| t.ends_with("errors.GoogleAdsFailure"))
    );
    assert_eq!(
        mock.server.received().count(Platform::Google, CID, ACTION),
        2
    );
}

#[tokio::test]
async fn duplicates_are_reported_as_google_does() {
    let mock = Mock::start().await;
    let first = mock
        .google_upload(CID, "tok", &google_body(vec![google_row(1)]))
        .await;
    assert!(
        first.body.get("partialFailureError").is_none(),
        "{}",
        first.body
    );
    // Same order id, other click.
    let mut same_order = google_row(1);
    same_order["gclid"] = json!(format!("{GCLID}other"));
    // Same click, action and time, no order id.
    let mut same_click = google_row(1);
    same_click.as_object_mut().map(|o| o.remove("orderId"));
    let resp = mock
        .google_upload(CID, "tok", &google_body(vec![same_order, same_click]))
        .await;
    let codes: Vec<String> = row_errors(&resp.body).into_iter().map(|e| e.2).collect();
    assert_eq!(
        codes,
        vec!["ORDER_ID_ALREADY_IN_USE", "CLICK_CONVERSION_ALREADY_EXISTS"]
    );
    assert_eq!(
        mock.server.received().count(Platform::Google, CID, ACTION),
        1
    );
}

#[tokio::test]
async fn validate_only_validates_without_recording() {
    let mock = Mock::start().await;
    let mut body = google_body(vec![google_row(1), {
        let mut bad = google_row(2);
        bad["gclid"] = json!("bad");
        bad
    }]);
    body["validateOnly"] = json!(true);
    let resp = mock.google_upload(CID, "tok", &body).await;
    assert_eq!(resp.status, 200);
    assert_eq!(row_errors(&resp.body).len(), 1);
    assert!(resp.body.get("results").is_none(), "{}", resp.body);
    assert_eq!(mock.server.received().total(Platform::Google), 0);
    // Nothing was recorded, so the same order can still be uploaded for real.
    let real = mock
        .google_upload(CID, "tok", &google_body(vec![google_row(1)]))
        .await;
    assert!(
        real.body.get("partialFailureError").is_none(),
        "{}",
        real.body
    );
    assert_eq!(mock.server.received().total(Platform::Google), 1);
}

#[tokio::test]
async fn whole_request_errors() {
    let mock = Mock::start().await;
    let rows = (0..2001).map(google_row).collect::<Vec<_>>();
    let over = mock.google_upload(CID, "tok", &google_body(rows)).await;
    assert_eq!(over.status, 400);
    assert_eq!(over.body["error"]["status"], "INVALID_ARGUMENT");
    assert_eq!(
        over.body["error"]["details"][0]["errors"][0]["errorCode"]["conversionUploadError"],
        "TOO_MANY_CONVERSIONS_IN_REQUEST"
    );
    let full = mock
        .google_upload(
            CID,
            "tok",
            &google_body((0..2000).map(google_row).collect()),
        )
        .await;
    assert_eq!(full.status, 200);

    let no_partial = mock
        .google_upload(CID, "tok", &json!({"conversions": [google_row(5000)]}))
        .await;
    assert_eq!(no_partial.status, 400);

    let garbage = mock
        .post_raw(
            &format!("/v26/customers/{CID}:uploadClickConversions"),
            &[
                ("authorization", "Bearer tok"),
                ("content-type", "application/json"),
            ],
            "{\"conversions\": [",
        )
        .await;
    assert_eq!(garbage.status, 400);
    assert_eq!(garbage.body["error"]["status"], "INVALID_ARGUMENT");

    let bad_login = mock
        .post_json(
            &format!("/v26/customers/{CID}:uploadClickConversions"),
            &[
                ("authorization", "Bearer tok"),
                ("login-customer-id", "12-34"),
            ],
            &google_body(vec![google_row(6000)]),
        )
        .await;
    assert_eq!(bad_login.status, 400);
    assert_eq!(
        mock.server.received().count(Platform::Google, CID, ACTION),
        2000
    );
}
