//! Conectar con Google end to end: `/oauth/google/start`, the mock's consent screen, the public
//! callback and a create that consumes the pending connection. Every refused path (replayed,
//! expired, forged or foreign state, denied consent, failed exchange) answers the Spanish error
//! page and leaves no pending connection behind.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http::Method;
use integration_tests::{App, CONFIGS, Client, JWT_SECRET};
use mock_platforms::{Fault, Platform};
use pixel_core::google_connect::{StateClaims, sign_state};
use serde_json::{Value, json};

mod examples;

pub(crate) const START: &str = "/api/v1/marketing/oauth/google/start";
const CALLBACK: &str = "/api/v1/marketing/oauth/google/callback";

pub(crate) async fn app() -> App {
    let mock = mock_platforms::spawn("127.0.0.1:0".parse().expect("addr"))
        .await
        .expect("mock");
    let auth = format!("{}/o/oauth2/v2/auth", mock.url());
    App::start_on(
        std::sync::Arc::new(mock),
        &[("google_auth_url", auth.as_str())],
        testhost::KvBackend::Memory,
    )
    .await
}

/// A started flow: the consent URL's query and the browser cookie `start` set.
pub(crate) struct Flow {
    pub(crate) consent_query: String,
    pub(crate) cookie: String,
}

impl Flow {
    fn param(&self, name: &str) -> String {
        self.consent_query
            .split('&')
            .find_map(|p| p.strip_prefix(&format!("{name}=")))
            .map(percent_decode)
            .unwrap_or_default()
    }
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).expect("hex"));
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).expect("utf-8")
}

pub(crate) async fn start(app: &App, tenant: &str) -> Flow {
    start_at(app, tenant, START).await
}

/// As [`start`], at `path` (the start route with a query).
pub(crate) async fn start_at(app: &App, tenant: &str, path: &str) -> Flow {
    let r = app.client.get(path, &app.token(tenant)).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let url = r.json()["authUrl"].as_str().expect("authUrl").to_owned();
    let (base, query) = url.split_once('?').expect("a query");
    assert_eq!(base, format!("{}/o/oauth2/v2/auth", app.mock.url()));
    let set_cookie = r
        .headers
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .expect("a browser-binding cookie");
    assert!(set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Lax"));
    let cookie = set_cookie.split(';').next().expect("name=value").to_owned();
    Flow {
        consent_query: query.to_owned(),
        cookie,
    }
}

/// Press a button on the mock's consent screen; the callback path and query Google sends back.
pub(crate) async fn decide(app: &App, flow: &Flow, decision: &str) -> String {
    let mock = Client::new(app.mock.addr);
    let page = mock
        .send(
            Method::GET,
            &format!("/o/oauth2/v2/auth?{}", flow.consent_query),
            &[],
            Vec::new(),
        )
        .await;
    assert_eq!(page.status, 200, "{} {}", page.text(), flow.consent_query);
    assert!(page.text().contains(&format!("id=\"{decision}\"")));
    let form = format!("{}&decision={decision}", flow.consent_query);
    let r = mock
        .send(
            Method::POST,
            "/o/oauth2/v2/auth",
            &[("content-type", "application/x-www-form-urlencoded")],
            form.into_bytes(),
        )
        .await;
    assert_eq!(r.status, 302, "{}", r.text());
    let location = r.headers["location"].to_str().expect("location").to_owned();
    let prefix = format!("http://{}{CALLBACK}", app.host.addr);
    assert!(location.starts_with(&prefix), "{location}");
    location[prefix.len() - CALLBACK.len()..].to_owned()
}

/// The browser arriving at the callback, with `cookie` if any.
pub(crate) async fn arrive(
    app: &App,
    path: &str,
    cookie: Option<&str>,
) -> integration_tests::Answer {
    let headers: Vec<(&str, &str)> = cookie.map(|c| ("cookie", c)).into_iter().collect();
    app.client
        .send(Method::GET, path, &headers, Vec::new())
        .await
}

/// The connection id of a successful callback.
pub(crate) fn connection_of(r: &integration_tests::Answer) -> String {
    assert_eq!(r.status, 303, "{}", r.text());
    let location = r.headers["location"].to_str().expect("location");
    location
        .strip_prefix("/dashboard/marketing/pixels/?googleConnection=")
        .unwrap_or_else(|| panic!("{location}"))
        .to_owned()
}

/// The error page's code, checking it is the Spanish HTML page.
fn page_code(r: &integration_tests::Answer, status: u16) -> String {
    assert_eq!(r.status, status, "{}", r.text());
    let ct = r.headers["content-type"].to_str().unwrap_or_default();
    assert!(ct.starts_with("text/html"), "{ct}");
    let text = r.text();
    assert!(text.contains("Volver al panel"), "{text}");
    let at = text.find("data-error-code=\"").expect("a code") + 17;
    text[at..].split('"').next().unwrap_or_default().to_owned()
}

fn pending_connections(app: &App) -> usize {
    app.kv_dump("configs")
        .iter()
        .filter(|(k, v)| k.starts_with("gconn/") && !v.is_empty())
        .count()
}

fn google_body(connection: &str) -> Value {
    json!({"platform": "Google", "customerId": "1234567890", "googleConnection": connection,
           "conversionActions": {"PURCHASE": "987654321"}})
}

#[tokio::test(flavor = "multi_thread")]
async fn a_trainer_connects_google_and_creates_the_config_with_the_connection() {
    let app = app().await;
    let flow = start(&app, "acme").await;
    assert_eq!(
        flow.param("scope"),
        "https://www.googleapis.com/auth/datamanager"
    );
    assert_eq!(flow.param("access_type"), "offline");
    assert_eq!(flow.param("prompt"), "consent");
    assert_eq!(flow.param("response_type"), "code");
    assert_eq!(flow.param("client_id"), "test-client");
    assert_eq!(
        flow.param("redirect_uri"),
        format!("http://{}{CALLBACK}", app.host.addr)
    );

    let back = decide(&app, &flow, "approve").await;
    let r = arrive(&app, &back, Some(&flow.cookie)).await;
    let id = connection_of(&r);
    assert_eq!(r.headers["referrer-policy"], "no-referrer");
    assert_eq!(pending_connections(&app), 1);
    // The refresh token is stored encrypted only.
    let exchanged = app
        .mock
        .requests_for(Platform::Google)
        .into_iter()
        .find(|r| r.path == "/token")
        .expect("a code exchange");
    assert!(
        exchanged
            .body
            .as_str()
            .unwrap_or_default()
            .contains("grant_type=authorization_code")
    );
    for (_, v) in app.kv_dump("configs") {
        assert!(
            !String::from_utf8_lossy(&v).contains("1//mock-"),
            "a clear refresh token"
        );
    }

    // Another tenant cannot use it.
    let r = app
        .client
        .post(CONFIGS, &app.token("other"), google_body(&id))
        .await;
    assert_eq!(r.status, 400, "{}", r.text());
    assert_eq!(r.json()["error"]["details"][0]["code"], "not_found");

    let config = app.create_config("acme", google_body(&id)).await;
    assert_eq!(config["platform"], "Google");
    assert!(!config.to_string().contains("1//mock-"));
    // The credential check exchanged the connection's refresh token for an access token.
    let refreshes = app
        .mock
        .requests_for(Platform::Google)
        .into_iter()
        .filter(|r| {
            r.path == "/token"
                && r.body
                    .as_str()
                    .is_some_and(|b| b.contains("grant_type=refresh_token&"))
        })
        .count();
    assert_eq!(refreshes, 1);
    // Consumed: used once, then gone.
    assert_eq!(pending_connections(&app), 0);
    let mut other_account = google_body(&id);
    other_account["customerId"] = json!("1234567891");
    let again = app
        .client
        .post(CONFIGS, &app.token("acme"), other_account)
        .await;
    assert_eq!(again.status, 400, "{}", again.text());
    assert_eq!(again.json()["error"]["details"][0]["code"], "not_found");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_replayed_state_is_refused_and_stores_nothing_more() {
    let app = app().await;
    let flow = start(&app, "acme").await;
    let back = decide(&app, &flow, "approve").await;
    connection_of(&arrive(&app, &back, Some(&flow.cookie)).await);
    let replay = arrive(&app, &back, Some(&flow.cookie)).await;
    assert_eq!(page_code(&replay, 400), "state_used");
    // Even with a fresh code for the same state.
    let back2 = decide(&app, &flow, "approve").await;
    let replay = arrive(&app, &back2, Some(&flow.cookie)).await;
    assert_eq!(page_code(&replay, 400), "state_used");
    assert_eq!(pending_connections(&app), 1);
}

/// The claims of a state, to forge variants of it.
fn claims_of(state: &str) -> StateClaims {
    let payload = state.split('.').next().expect("payload");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).expect("base64")).expect("claims")
}

fn with_state(path: &str, state: &str) -> String {
    let (base, query) = path.split_once('?').expect("query");
    let rest: Vec<&str> = query
        .split('&')
        .filter(|p| !p.starts_with("state="))
        .collect();
    format!(
        "{base}?{}&state={}",
        rest.join("&"),
        state.replace('=', "%3D")
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn expired_forged_and_foreign_states_are_refused_and_store_nothing() {
    let app = app().await;
    let flow = start(&app, "acme").await;
    let state = flow.param("state");
    let back = decide(&app, &flow, "approve").await;

    // Expired: the same claims, signed with the app's secret, but past their expiry.
    let mut expired = claims_of(&state);
    expired.exp_ms = 1_000;
    let path = with_state(&back, &sign_state(JWT_SECRET.as_bytes(), &expired));
    assert_eq!(
        page_code(&arrive(&app, &path, Some(&flow.cookie)).await, 400),
        "state_expired"
    );

    // Forged: another tenant put in the claims without the secret.
    let mut other = claims_of(&state);
    other.tenant = pixel_core::config::TenantId::parse("victim").expect("tenant");
    let forged = sign_state(b"attacker-guess", &other);
    let path = with_state(&back, &forged);
    assert_eq!(
        page_code(&arrive(&app, &path, Some(&flow.cookie)).await, 400),
        "state_forged"
    );
    let garbage = with_state(&back, "not-a-state");
    assert_eq!(
        page_code(&arrive(&app, &garbage, Some(&flow.cookie)).await, 400),
        "state_malformed"
    );
    let none = back.split('?').next().expect("path").to_owned();
    assert_eq!(
        page_code(&arrive(&app, &none, None).await, 400),
        "state_missing"
    );

    // Foreign: the genuine state in a browser that did not start it (a link sent to a victim).
    assert_eq!(
        page_code(&arrive(&app, &back, None).await, 400),
        "state_foreign"
    );
    let attacker = start(&app, "acme").await;
    assert_eq!(
        page_code(&arrive(&app, &back, Some(&attacker.cookie)).await, 400),
        "state_foreign"
    );
    assert_eq!(pending_connections(&app), 0);

    // None of that used the state up: the browser that started it still finishes.
    connection_of(&arrive(&app, &back, Some(&flow.cookie)).await);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_denied_consent_stores_nothing_and_spends_the_state() {
    let app = app().await;
    let flow = start(&app, "acme").await;
    let back = decide(&app, &flow, "deny").await;
    assert!(back.contains("error=access_denied"), "{back}");
    let r = arrive(&app, &back, Some(&flow.cookie)).await;
    assert_eq!(page_code(&r, 400), "access_denied");
    assert!(r.text().contains("No has dado permiso a Google"));
    assert_eq!(pending_connections(&app), 0);
    assert!(
        !app.mock
            .requests_for(Platform::Google)
            .iter()
            .any(|r| r.path == "/token"),
        "no exchange after a denial"
    );
    // The state cannot be reused to approve after all.
    let approve = decide(&app, &flow, "approve").await;
    assert_eq!(
        page_code(&arrive(&app, &approve, Some(&flow.cookie)).await, 400),
        "state_used"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failed_exchange_stores_nothing_and_leaks_no_code() {
    let app = app().await;
    let flow = start(&app, "acme").await;
    let back = decide(&app, &flow, "approve").await;
    app.mock.set_fault(
        Fault::new(Platform::Google)
            .status(500)
            .path("/token")
            .count(1),
    );
    let r = arrive(&app, &back, Some(&flow.cookie)).await;
    assert_eq!(page_code(&r, 502), "exchange_failed");
    assert!(!r.text().contains("4/0mock"), "the code is never shown");
    assert_eq!(pending_connections(&app), 0);

    // A code Google refuses (here: made up) is the same failure.
    let flow = start(&app, "acme").await;
    let back = decide(&app, &flow, "approve").await;
    let (base, query) = back.split_once('?').expect("query");
    let tampered: Vec<String> = query
        .split('&')
        .map(|p| match p.strip_prefix("code=") {
            Some(_) => "code=4%2F0made-up".to_owned(),
            None => p.to_owned(),
        })
        .collect();
    let r = arrive(
        &app,
        &format!("{base}?{}", tampered.join("&")),
        Some(&flow.cookie),
    )
    .await;
    assert_eq!(page_code(&r, 502), "exchange_failed");
    assert_eq!(pending_connections(&app), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn start_needs_a_trainer_and_a_configured_client() {
    let app = app().await;
    let r = app.client.send(Method::GET, START, &[], Vec::new()).await;
    assert_eq!(r.status, 401, "{}", r.text());
    let r = app.client.post(START, &app.token("acme"), json!({})).await;
    assert_eq!(r.status, 405);

    let unconfigured = App::start_with(&[("google_client_id", "")]).await;
    let r = unconfigured
        .client
        .get(START, &unconfigured.token("acme"))
        .await;
    assert_eq!(r.status, 409, "{}", r.text());
    assert_eq!(r.error_code(), "conflict");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_configured_redirect_url_is_used_as_is() {
    let app = App::start_with(&[(
        "google_oauth_redirect_url",
        "https://pixels.example/api/v1/marketing/oauth/google/callback",
    )])
    .await;
    let r = app.client.get(START, &app.token("acme")).await;
    let url = r.json()["authUrl"].as_str().unwrap_or_default().to_owned();
    assert!(
        url.starts_with("https://accounts.google.com/o/oauth2/v2/auth?"),
        "{url}"
    );
    assert!(
        url.contains("redirect_uri=https%3A%2F%2Fpixels.example%2Fapi%2Fv1%2Fmarketing%2Foauth%2Fgoogle%2Fcallback"),
        "{url}"
    );
    // Over HTTPS the binding cookie is Secure.
    let cookie = r.headers["set-cookie"].to_str().unwrap_or_default();
    assert!(cookie.contains("; Secure"), "{cookie}");
}

/// A connection as the trainer gets it: start, approve at Google, come back.
async fn connect(app: &App, tenant: &str) -> String {
    let flow = start(app, tenant).await;
    let back = decide(app, &flow, "approve").await;
    connection_of(&arrive(app, &back, Some(&flow.cookie)).await)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_revoked_google_grant_is_renewed_by_reconnecting_the_config() {
    let app = app().await;
    let first = connect(&app, "acme").await;
    let config = app.create_config("acme", google_body(&first)).await;
    let id = config["id"].as_str().expect("id").to_owned();
    let path = format!("{CONFIGS}/{id}");
    let patch = |body: Value| {
        let (app, path) = (&app, &path);
        async move { app.client.patch(path, &app.token("acme"), body).await }
    };
    let tick = async || {
        let admin = integration_tests::token_for("x", "system_admin", 3600);
        let r = app
            .client
            .post("/api/v1/marketing/dispatcher/tick", &admin, json!({}))
            .await;
        assert_eq!(r.status, 200, "{}", r.text());
    };
    let health = async || {
        let r = app.client.get(CONFIGS, &app.token("acme")).await;
        r.json()[0]["health"]["status"]
            .as_str()
            .unwrap_or("")
            .to_owned()
    };
    // What Google accepted for the purchase's conversion action.
    let ingested = || {
        app.mock
            .received()
            .count(Platform::Google, "1234567890", "987654321")
    };

    // The trainer removes the app's access at Google; the next payment finds it refused.
    assert!(
        app.mock.revoke_google_tokens() >= 2,
        "access and refresh tokens"
    );
    let payment = json!([{"eventId": "pay-r1", "event": "PURCHASE", "tenantId": "acme",
        "value": 30.0, "currency": "EUR", "orderId": "R-1",
        "customer": {"email": "r1@example.com", "gclid": "Cj0KCQiA_reconnect_1"}}]);
    integration_tests::post_signed_events(&app.client, serde_json::to_vec(&payment).unwrap()).await;
    for _ in 0..50 {
        tick().await;
        if health().await == "credentials_invalid" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(health().await, "credentials_invalid");
    assert_eq!(ingested(), 0, "nothing counted with a revoked grant");
    let refused_alerts = async || {
        let r = app
            .client
            .get("/api/v1/marketing/alerts", &app.token("acme"))
            .await;
        assert_eq!(r.status, 200, "{}", r.text());
        r.json()["alerts"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .filter(|a| a["kind"] == "credentials_refused" && a["configId"] == id.as_str())
            .count()
    };
    // A tick always evaluates the alerts: the refusal is one.
    tick().await;
    assert_eq!(refused_alerts().await, 1);

    // The spent connection cannot be used again, nor another tenant's, nor with a token too.
    let r = patch(json!({ "googleConnection": first })).await;
    assert_eq!(r.status, 400, "{}", r.text());
    assert_eq!(r.json()["error"]["details"][0]["code"], "not_found");
    let foreign = connect(&app, "other").await;
    let r = patch(json!({ "googleConnection": foreign })).await;
    assert_eq!(r.status, 400, "{}", r.text());
    let second = connect(&app, "acme").await;
    let r = patch(json!({ "googleConnection": second, "refreshToken": "1//x" })).await;
    assert_eq!(r.status, 400, "{}", r.text());
    assert_eq!(r.json()["error"]["details"][0]["code"], "duplicate");

    // Google refuses the refresh: the check fails, nothing is stored and the connection stays.
    app.mock.set_fault(
        Fault::new(Platform::Google)
            .status(400)
            .path("/token")
            .count(1),
    );
    let r = patch(json!({ "googleConnection": second })).await;
    assert!(r.status.is_client_error(), "{} {}", r.status, r.text());
    assert_eq!(pending_connections(&app), 2, "acme's second and other's");

    // The dashboard's way: a flow started for this config comes back naming it.
    let r = app
        .client
        .get(&format!("{START}?configId=nope!"), &app.token("acme"))
        .await;
    assert_eq!(r.status, 400, "{}", r.text());
    let r = app
        .client
        .get(&format!("{START}?configId={id}"), &app.token("other"))
        .await;
    assert_eq!(r.status, 404, "another tenant's config: {}", r.text());
    let flow = start_at(&app, "acme", &format!("{START}?configId={id}")).await;
    let back = decide(&app, &flow, "approve").await;
    let r = arrive(&app, &back, Some(&flow.cookie)).await;
    assert_eq!(r.status, 303, "{}", r.text());
    let location = r.headers["location"].to_str().expect("location").to_owned();
    assert!(
        location.ends_with(&format!("&reconnect={id}")),
        "{location}"
    );

    // The reconnection: checked, stored encrypted, the connection consumed.
    let r = patch(json!({ "googleConnection": second })).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(!r.text().contains("1//mock-"));
    assert_eq!(r.json()["health"]["status"], "ok", "{}", r.text());
    // The alert ends with the PATCH itself, not at the next scheduled evaluation.
    assert_eq!(refused_alerts().await, 0);
    // The payment held while the grant was refused now reaches Google, once.
    for _ in 0..50 {
        if ingested() >= 1 {
            break;
        }
        tick().await;
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(ingested(), 1, "the held payment, once");
    assert_eq!(
        health().await,
        "ok",
        "the new grant works for deliveries too"
    );
    assert_eq!(
        pending_connections(&app),
        2,
        "other's and the one the dashboard's flow made"
    );
    let stored: Vec<String> = app
        .kv_dump("configs")
        .into_iter()
        .map(|(_, v)| String::from_utf8_lossy(&v).into_owned())
        .collect();
    assert!(stored.iter().all(|v| !v.contains("1//mock-")));
}
