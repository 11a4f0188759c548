//! The state's signature, expiry and browser binding; the consent URL; the code exchange.

use super::*;

const SECRET: &[u8] = b"test-secret";
const NOW: i64 = 1_764_500_000_000;

fn claims() -> StateClaims {
    StateClaims {
        tenant: TenantId::parse("acme").unwrap(),
        user: "trainer-1".into(),
        nonce: "0123456789abcdef0123456789abcdef".into(),
        exp_ms: NOW + STATE_TTL_MS,
        redirect_uri: "http://127.0.0.1:3000/api/v1/marketing/oauth/google/callback".into(),
        browser: browser_hash("cookie-secret"),
        ads_api: false,
        reconnect: None,
    }
}

#[test]
fn a_signed_state_verifies_in_the_browser_that_started_it() {
    let state = sign_state(SECRET, &claims());
    assert_eq!(
        verify_state(SECRET, &state, Some("cookie-secret"), NOW),
        Ok(claims())
    );
}

#[test]
fn states_are_refused_when_expired_forged_altered_or_from_another_browser() {
    let state = sign_state(SECRET, &claims());
    let cookie = Some("cookie-secret");
    assert_eq!(
        verify_state(SECRET, &state, cookie, NOW + STATE_TTL_MS + 1),
        Err(StateError::Expired)
    );
    assert_eq!(
        verify_state(b"another-secret", &state, cookie, NOW),
        Err(StateError::BadSignature)
    );
    assert_eq!(
        verify_state(SECRET, &state, Some("attacker-cookie"), NOW),
        Err(StateError::OtherBrowser)
    );
    assert_eq!(
        verify_state(SECRET, &state, None, NOW),
        Err(StateError::OtherBrowser)
    );
    // Another tenant's claims with this state's MAC: the MAC covers the payload.
    let (_, tag) = state.split_once('.').unwrap();
    let mut other = claims();
    other.tenant = TenantId::parse("victim").unwrap();
    let forged_payload = sign_state(SECRET, &other);
    let (payload, _) = forged_payload.split_once('.').unwrap();
    assert_eq!(
        verify_state(SECRET, &format!("{payload}.{tag}"), cookie, NOW),
        Err(StateError::BadSignature)
    );
    for bad in ["", "no-dot", "a.b", ".", "%%%.%%%"] {
        assert!(verify_state(SECRET, bad, cookie, NOW).is_err(), "{bad}");
    }
}

#[test]
fn consent_url_asks_for_offline_data_manager_access() {
    let url = consent_url(
        "https://accounts.google.com/o/oauth2/v2/auth",
        "client.apps.googleusercontent.com",
        "https://app.example/api/v1/marketing/oauth/google/callback",
        "abc.def",
        false,
    );
    assert_eq!(
        url,
        "https://accounts.google.com/o/oauth2/v2/auth?client_id=client.apps.googleusercontent.com\
         &redirect_uri=https%3A%2F%2Fapp.example%2Fapi%2Fv1%2Fmarketing%2Foauth%2Fgoogle%2Fcallback\
         &response_type=code&scope=https%3A%2F%2Fwww.googleapis.com%2Fauth%2Fdatamanager\
         &access_type=offline&prompt=consent&include_granted_scopes=true&state=abc.def"
    );
    let both = consent_url("https://a/auth", "c", "https://r/cb", "s", true);
    assert!(
        both.contains("scope=https%3A%2F%2Fwww.googleapis.com%2Fauth%2Fdatamanager%20https%3A%2F%2Fwww.googleapis.com%2Fauth%2Fadwords&"),
        "{both}"
    );
}

#[test]
fn redirect_uri_is_derived_from_the_origin_only() {
    for (full, want) in [
        (
            "http://127.0.0.1:3000/api/v1/marketing/oauth/google/start?x=1",
            Some("http://127.0.0.1:3000/api/v1/marketing/oauth/google/callback"),
        ),
        (
            "https://app.example/api",
            Some("https://app.example/api/v1/marketing/oauth/google/callback"),
        ),
        ("ftp://app.example/x", None),
        ("https:///x", None),
        ("https://user@evil.example/x", None),
        ("garbage", None),
    ] {
        assert_eq!(derive_redirect_uri(full).as_deref(), want, "{full}");
    }
}

#[test]
fn code_exchange_repeats_the_redirect_uri_and_hides_its_secrets() {
    let req = code_exchange_request("http://g/token", "id", "s&cret", "4/0Ab", "http://a/cb");
    assert_eq!(
        req.body,
        "grant_type=authorization_code&code=4%2F0Ab&client_id=id&client_secret=s%26cret&redirect_uri=http%3A%2F%2Fa%2Fcb"
    );
    assert!(!format!("{req:?}").contains("cret"));
}

#[test]
fn code_exchange_answers() {
    let answer = |status, body: &'static str| HttpAnswer {
        status,
        retry_after: None,
        body: body.as_bytes(),
    };
    assert_eq!(
        parse_code_exchange(&answer(
            200,
            r#"{"access_token":"ya29","refresh_token":"1//r"}"#
        )),
        Ok("1//r".into())
    );
    assert_eq!(
        parse_code_exchange(&answer(200, r#"{"access_token":"ya29"}"#)),
        Err(ExchangeError::NoRefreshToken)
    );
    assert_eq!(
        parse_code_exchange(&answer(400, r#"{"error":"invalid_grant"}"#)),
        Err(ExchangeError::Refused("invalid_grant".into()))
    );
    // Free text in `error` is never echoed.
    assert_eq!(
        parse_code_exchange(&answer(400, r#"{"error":"<script>"}"#)),
        Err(ExchangeError::Unreadable(400))
    );
    assert_eq!(
        parse_code_exchange(&answer(503, "busy")),
        Err(ExchangeError::Unreadable(503))
    );
}

#[test]
fn connection_ids() {
    let id = ConnectionId::from_random([0xab; 16]);
    assert_eq!(id.as_str(), "abababababababababababababababab");
    assert_eq!(ConnectionId::parse(id.as_str()), Ok(id));
    for bad in [
        "",
        "ABABABABABABABABABABABABABABABAB",
        "../x",
        &"a".repeat(33),
    ] {
        assert!(ConnectionId::parse(bad).is_err(), "{bad}");
    }
}

#[test]
fn abandoned_flows_are_swept_and_live_ones_kept() {
    use crate::kv::{KvStore, MemoryStore};
    futures::executor::block_on(async {
        let store = MemoryStore::default();
        let pending = |id: &str, expires_at: i64| {
            serde_json::to_vec(&PendingConnection {
                id: ConnectionId::parse(id).unwrap(),
                tenant_id: TenantId::parse("acme").unwrap(),
                user_id: "u".into(),
                encrypted_refresh_token: "v1.x.y".into(),
                created_at: expires_at - 3_600_000,
                expires_at,
            })
            .unwrap()
        };
        let (live, old) = (
            "0123456789abcdef0123456789abcdef",
            "fedcba9876543210fedcba9876543210",
        );
        let entries: Vec<(String, Vec<u8>)> = vec![
            ("goauth/live".into(), open_state_marker(NOW + 60_000)),
            ("goauth/stale".into(), open_state_marker(NOW - 1)),
            ("goauth/spent".into(), b"used".to_vec()),
            (format!("gconn/acme/{live}"), pending(live, NOW + 60_000)),
            (format!("gconn/acme/{old}"), pending(old, NOW - 1)),
            // Being consumed by a create right now.
            ("gconn/acme/busy".into(), Vec::new()),
            ("cfg/acme/1".into(), b"{}".to_vec()),
        ];
        for (k, v) in &entries {
            store.set(k, v).await.unwrap();
        }
        assert_eq!(sweep_abandoned(&store, NOW).await.unwrap(), 3);
        let mut left = store.keys().await.unwrap();
        left.sort();
        assert_eq!(
            left,
            [
                "cfg/acme/1".to_owned(),
                "gconn/acme/0123456789abcdef0123456789abcdef".into(),
                "gconn/acme/busy".into(),
                "goauth/live".into(),
            ]
        );
    });
}
