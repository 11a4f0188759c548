//! Google's consent screen (approve, deny, refused requests) and the `authorization_code` grant:
//! a code is good once, for its client and redirect URI, and buys a refresh token.

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{Method, Request};

use crate::harness::Mock;

const REDIRECT: &str = "http://127.0.0.1:3000/api/v1/marketing/oauth/google/callback";
const FORM: [(&str, &str); 1] = [("content-type", "application/x-www-form-urlencoded")];

/// Status, `location` and body text: the consent screen answers HTML and redirects.
async fn raw(
    mock: &Mock,
    method: Method,
    path_and_query: &str,
    form: &str,
) -> (u16, String, String) {
    let mut req = Request::builder()
        .method(method)
        .uri(format!("{}{path_and_query}", mock.server.url()));
    if !form.is_empty() {
        req = req.header("content-type", "application/x-www-form-urlencoded");
    }
    let req = req
        .body(Full::new(Bytes::from(form.to_owned())))
        .expect("request");
    let resp = Mock::client().request(req).await.expect("mock answers");
    let status = resp.status().as_u16();
    let location = resp
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let body = resp.into_body().collect().await.expect("body").to_bytes();
    (
        status,
        location,
        String::from_utf8_lossy(&body).into_owned(),
    )
}

fn consent_query(client: &str, redirect: &str) -> String {
    format!(
        "/o/oauth2/v2/auth?client_id={client}&redirect_uri={}&response_type=code\
         &scope=https%3A%2F%2Fwww.googleapis.com%2Fauth%2Fdatamanager&access_type=offline\
         &prompt=consent&state=st%2Eate",
        redirect.replace(':', "%3A").replace('/', "%2F")
    )
}

fn decision(decision: &str, client: &str, access_type: &str) -> String {
    format!(
        "client_id={client}&redirect_uri={}&response_type=code\
         &scope=https%3A%2F%2Fwww.googleapis.com%2Fauth%2Fdatamanager&access_type={access_type}\
         &state=st.ate&decision={decision}",
        REDIRECT.replace(':', "%3A").replace('/', "%2F")
    )
}

/// The `code` of a redirect to the app.
fn code_of(location: &str) -> String {
    let query = location.split_once('?').expect("a query").1;
    query
        .split('&')
        .find_map(|p| p.strip_prefix("code="))
        .expect("a code")
        .replace("%2F", "/")
}

#[tokio::test]
async fn consent_page_shows_approve_and_deny() {
    let mock = Mock::start().await;
    let (status, _, page) = raw(&mock, Method::GET, &consent_query("cid", REDIRECT), "").await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("id=\"approve\"") && page.contains("id=\"deny\""));
    assert!(page.contains("auth/datamanager"));
    // The state rides along to the decision, escaped.
    assert!(page.contains("name=\"state\" value=\"st.ate\""), "{page}");
}

#[tokio::test]
async fn consent_refuses_what_google_refuses_without_redirecting() {
    let mock = Mock::start().await;
    for (path, want) in [
        (consent_query("invalid-client", REDIRECT), 401),
        (consent_query("", REDIRECT), 400),
        (consent_query("cid", "javascript:alert(1)"), 400),
        (
            consent_query("cid", REDIRECT).replace("response_type=code", "response_type=token"),
            400,
        ),
    ] {
        let (status, location, _) = raw(&mock, Method::GET, &path, "").await;
        assert_eq!(status, want, "{path}");
        assert!(location.is_empty(), "{path} must not redirect");
    }
}

#[tokio::test]
async fn deny_redirects_with_access_denied_and_the_state() {
    let mock = Mock::start().await;
    let (status, location, _) = raw(
        &mock,
        Method::POST,
        "/o/oauth2/v2/auth",
        &decision("deny", "cid", "offline"),
    )
    .await;
    assert_eq!(status, 302);
    assert_eq!(
        location,
        format!("{REDIRECT}?error=access_denied&state=st.ate")
    );
}

#[tokio::test]
async fn an_approved_code_buys_a_refresh_token_once() {
    let mock = Mock::start().await;
    let (status, location, _) = raw(
        &mock,
        Method::POST,
        "/o/oauth2/v2/auth",
        &decision("approve", "cid", "offline"),
    )
    .await;
    assert_eq!(status, 302);
    assert!(
        location.starts_with(&format!("{REDIRECT}?code=")),
        "{location}"
    );
    assert!(location.ends_with("&state=st.ate"), "{location}");
    let code = code_of(&location);
    let exchange = |code: &str, client: &str, redirect: &str| {
        format!(
            "grant_type=authorization_code&code={}&client_id={client}&client_secret=s&redirect_uri={}",
            code.replace('/', "%2F"),
            redirect.replace(':', "%3A").replace('/', "%2F")
        )
    };
    let ok = mock
        .post_raw("/token", &FORM, &exchange(&code, "cid", REDIRECT))
        .await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    let refresh = ok.body["refresh_token"].as_str().expect("a refresh token");
    assert!(refresh.starts_with("1//"));
    assert_eq!(
        ok.body["scope"],
        "https://www.googleapis.com/auth/datamanager"
    );
    // The refresh token it gave works for the refresh grant.
    let refreshed = mock
        .post_raw(
            "/token",
            &FORM,
            &format!(
                "grant_type=refresh_token&refresh_token={}&client_id=cid&client_secret=s",
                refresh.replace('/', "%2F")
            ),
        )
        .await;
    assert_eq!(refreshed.status, 200, "{}", refreshed.body);
    // A code is good once.
    let replay = mock
        .post_raw("/token", &FORM, &exchange(&code, "cid", REDIRECT))
        .await;
    assert_eq!(replay.status, 400);
    assert_eq!(replay.body["error"], "invalid_grant");
}

#[tokio::test]
async fn a_code_is_bound_to_its_client_and_redirect_uri() {
    let mock = Mock::start().await;
    let mut codes = Vec::new();
    for _ in 0..2 {
        let (_, location, _) = raw(
            &mock,
            Method::POST,
            "/o/oauth2/v2/auth",
            &decision("approve", "cid", "offline"),
        )
        .await;
        codes.push(code_of(&location));
    }
    let form = |code: &str, client: &str, redirect: &str| {
        format!(
            "grant_type=authorization_code&code={}&client_id={client}&client_secret=s&redirect_uri={}",
            code.replace('/', "%2F"),
            redirect.replace(':', "%3A").replace('/', "%2F")
        )
    };
    let other_client = mock
        .post_raw("/token", &FORM, &form(&codes[0], "other", REDIRECT))
        .await;
    assert_eq!(other_client.body["error"], "invalid_grant");
    let other_redirect = mock
        .post_raw(
            "/token",
            &FORM,
            &form(&codes[1], "cid", "http://evil.example/cb"),
        )
        .await;
    assert_eq!(other_redirect.body["error"], "redirect_uri_mismatch");
    let unknown = mock
        .post_raw("/token", &FORM, &form("4/0made-up", "cid", REDIRECT))
        .await;
    assert_eq!(unknown.body["error"], "invalid_grant");
}

#[tokio::test]
async fn online_access_gets_no_refresh_token() {
    let mock = Mock::start().await;
    let (_, location, _) = raw(
        &mock,
        Method::POST,
        "/o/oauth2/v2/auth",
        &decision("approve", "cid", "online"),
    )
    .await;
    let code = code_of(&location);
    let ok = mock
        .post_raw(
            "/token",
            &FORM,
            &format!(
                "grant_type=authorization_code&code={}&client_id=cid&client_secret=s&redirect_uri={}",
                code.replace('/', "%2F"),
                REDIRECT.replace(':', "%3A").replace('/', "%2F")
            ),
        )
        .await;
    assert_eq!(ok.status, 200);
    assert!(ok.body.get("refresh_token").is_none());
}
