//! "Conectar con Google": `GET /oauth/google/start` (authenticated) answers the consent URL;
//! `GET /oauth/google/callback` (public: the browser arrives from Google without the
//! dashboard's bearer token) checks the state, exchanges the code and keeps the refresh token,
//! encrypted, as a pending connection of the state's tenant, then sends the browser back to
//! the dashboard with the connection's id. The rules live in `pixel_core::google_connect`.
//!
//! Invariants: a state is used at most once (compare-and-swap from `open` before anything
//! else, a denied consent included); a refused state, a denied consent or a failed exchange
//! stores nothing and answers a Spanish error page; no code or token is ever logged or shown.

use edge_kit::api::{self, ApiError, Resp};
use edge_kit::host;
use edge_kit::kv::SpinStore;
use edge_kit::outbound;
use http::{HeaderValue, StatusCode, header};
use pixel_core::config::{ConfigId, GoogleApi, TrackingConfig};
use pixel_core::google_connect::{
    self, BROWSER_COOKIE, CONNECTION_TTL_MS, ConnectionId, PendingConnection, STATE_TTL_MS,
    StateClaims,
};
use pixel_core::kv::KvStore;
use pixel_core::outcome::HttpAnswer;
use pixel_core::schema::{self, CONFIGS_STORE};
use serde_json::json;
use spin_sdk::http::Request;

use crate::ctx::{Ctx, iso};
use crate::oauth_page::{self, Failure};

/// The code exchange waits at most this long.
const EXCHANGE_TIMEOUT_MS: u64 = 10_000;
/// Where the browser goes once connected; the dashboard reads `googleConnection` from it.
const DASHBOARD_PATH: &str = "/dashboard/marketing/pixels/";

/// `GET /api/v1/marketing/oauth/google/start[?googleApi=dataManager|adsApi][&configId=<id>]`.
pub async fn start(ctx: &Ctx, req: &Request) -> Result<Resp, ApiError> {
    let query = req.uri().query().unwrap_or("");
    // A reconnection of an existing Google config: it must be this tenant's, and its API
    // decides the scope asked for.
    let reconnect = match edge_kit::auth::query_param(query, "configId") {
        None => None,
        Some(raw) => Some(reconnected_config(ctx, &raw).await?),
    };
    let ads_api = match edge_kit::auth::query_param(query, "googleApi").as_deref() {
        None if reconnect
            .as_ref()
            .is_some_and(|(_, api)| *api == GoogleApi::AdsApi) =>
        {
            true
        }
        None | Some("dataManager") => false,
        Some("adsApi") => true,
        Some(_) => {
            return Err(ApiError::field(
                "googleApi",
                "invalid",
                "googleApi must be dataManager or adsApi",
            ));
        }
    };
    let client_id = host::variable("google_client_id").await?;
    if client_id.trim().is_empty() {
        return Err(ApiError::Conflict(
            "Conectar con Google is not configured on this server (google_client_id is empty)"
                .into(),
        ));
    }
    let auth_url = host::variable("google_auth_url").await?;
    let redirect_uri = redirect_uri(req).await?;
    let secret = host::variable("auth_jwt_secret").await?;

    let nonce = host::random_hex::<16>();
    let browser_secret = host::random_hex::<16>();
    let claims = StateClaims {
        tenant: ctx.tenant.clone(),
        user: ctx.user.clone(),
        nonce: nonce.clone(),
        exp_ms: ctx.now_ms + STATE_TTL_MS,
        redirect_uri: redirect_uri.clone(),
        browser: google_connect::browser_hash(&browser_secret),
        ads_api,
        reconnect: reconnect.map(|(id, _)| id),
    };
    let state = google_connect::sign_state(secret.as_bytes(), &claims);
    let store = ctx.store(CONFIGS_STORE).await?;
    store
        .set(
            &schema::google_oauth_state_key(&nonce),
            &google_connect::open_state_marker(claims.exp_ms),
        )
        .await?;

    let url = google_connect::consent_url(
        auth_url.trim(),
        client_id.trim(),
        &redirect_uri,
        &state,
        ads_api,
    );
    let mut resp = api::json_response(
        StatusCode::OK,
        &json!({ "authUrl": url, "expiresAt": iso(claims.exp_ms) }),
    );
    let cookie = format!(
        "{BROWSER_COOKIE}={browser_secret}; Path={}; Max-Age={}; HttpOnly; SameSite=Lax{}",
        google_connect::CALLBACK_PATH,
        STATE_TTL_MS / 1000,
        secure_attr(&redirect_uri)
    );
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(resp)
}

/// The configured public callback URL, or the one derived from the URL the API was reached at.
async fn redirect_uri(req: &Request) -> Result<String, ApiError> {
    let configured = host::variable("google_oauth_redirect_url").await?;
    if !configured.trim().is_empty() {
        return Ok(configured.trim().to_owned());
    }
    req.headers()
        .get("spin-full-url")
        .and_then(|v| v.to_str().ok())
        .and_then(google_connect::derive_redirect_uri)
        .ok_or_else(|| {
            ApiError::internal("no google_oauth_redirect_url and no spin-full-url to derive it")
        })
}

/// The tenant's Google config `raw` names, and its API: 400 for a malformed id or a config of
/// another platform, 404 for one this tenant does not have.
async fn reconnected_config(ctx: &Ctx, raw: &str) -> Result<(ConfigId, GoogleApi), ApiError> {
    let id = ConfigId::parse(raw).map_err(|e| ApiError::field("configId", e.code, e.message))?;
    let store = ctx.store(CONFIGS_STORE).await?;
    let config = store
        .get(&schema::config_key(&ctx.tenant, &id))
        .await?
        .and_then(|raw| serde_json::from_slice::<TrackingConfig>(&raw).ok())
        .ok_or_else(|| ApiError::NotFound(format!("no tracking config {id}")))?;
    match &config.google {
        Some(g) => Ok((id, g.api)),
        None => Err(ApiError::field(
            "configId",
            "not_google",
            format!(
                "tracking config {id} is not a Google config; only Google configs connect with Google"
            ),
        )),
    }
}

/// The cookie is `Secure` whenever the flow runs over HTTPS (it always does in production).
fn secure_attr(redirect_uri: &str) -> &'static str {
    if redirect_uri.starts_with("https://") {
        "; Secure"
    } else {
        ""
    }
}

/// `GET /api/v1/marketing/oauth/google/callback`: always a page or a redirect, never JSON.
pub async fn callback(req: Request) -> Resp {
    match finish(&req).await {
        Ok((id, claims)) => connected(&id, claims.ads_api, claims.reconnect.as_ref()),
        Err(failure) => {
            // Codes only: the query holds a code and a state that must not reach the logs.
            eprintln!("google oauth callback refused: {}", failure.code());
            oauth_page::error_page(&failure)
        }
    }
}

/// The new connection's id, and the state's claims (the Ads API choice, the config reconnected).
async fn finish(req: &Request) -> Result<(ConnectionId, StateClaims), Failure> {
    let query = req.uri().query().unwrap_or("");
    let param = |name| edge_kit::auth::query_param(query, name).filter(|v| !v.is_empty());
    let state = param("state").ok_or(Failure::StateMissing)?;
    let secret = host::variable("auth_jwt_secret")
        .await
        .map_err(|_| Failure::Internal)?;
    let cookie = browser_cookie(req);
    let now_ms = host::now_ms() as i64;
    let claims = google_connect::verify_state(secret.as_bytes(), &state, cookie.as_deref(), now_ms)
        .map_err(Failure::State)?;

    let store = SpinStore::open(CONFIGS_STORE)
        .await
        .map_err(|_| Failure::Internal)?;
    claim_state(&store, &claims.nonce, claims.exp_ms).await?;

    if let Some(error) = param("error") {
        return Err(if error == "access_denied" {
            Failure::Denied
        } else {
            Failure::ConsentError
        });
    }
    let code = param("code").ok_or(Failure::CodeMissing)?;
    let refresh_token = exchange(&code, &claims.redirect_uri).await?;

    let keyring = edge_kit::deliver::keyring()
        .await
        .map_err(|_| Failure::Internal)?;
    let id = ConnectionId::from_random(host::random_bytes::<16>());
    let encrypted = keyring
        .encrypt_for(
            &refresh_token,
            host::random_bytes::<12>(),
            &google_connect::connection_context(&claims.tenant, &id),
        )
        .map_err(|_| Failure::Internal)?;
    let connection = PendingConnection {
        id: id.clone(),
        tenant_id: claims.tenant.clone(),
        user_id: claims.user.clone(),
        encrypted_refresh_token: encrypted,
        created_at: now_ms,
        expires_at: now_ms + CONNECTION_TTL_MS,
    };
    let bytes = serde_json::to_vec(&connection).map_err(|_| Failure::Internal)?;
    store
        .set(&schema::google_connection_key(&claims.tenant, &id), &bytes)
        .await
        .map_err(|_| Failure::Internal)?;
    Ok((id, claims))
}

/// Single use: only the request that swaps `open` to `used` goes on; the key is then removed.
async fn claim_state(store: &SpinStore, nonce: &str, exp_ms: i64) -> Result<(), Failure> {
    let key = schema::google_oauth_state_key(nonce);
    let open = google_connect::open_state_marker(exp_ms);
    let claimed = store
        .compare_and_swap(&key, Some(&open), b"used")
        .await
        .map_err(|_| Failure::Internal)?;
    if !claimed {
        return Err(Failure::StateUsed);
    }
    // A leftover `used` marker is harmless (a replay still fails the swap), so ignore errors.
    let _ = store.delete(&key).await;
    Ok(())
}

/// The `authorization_code` grant; the refresh token on success.
async fn exchange(code: &str, redirect_uri: &str) -> Result<String, Failure> {
    let ep = edge_kit::deliver::Endpoints::load()
        .await
        .map_err(|_| Failure::Internal)?;
    let request = google_connect::code_exchange_request(
        &format!("{}/token", ep.google_oauth_url),
        &ep.google_client_id,
        &ep.google_client_secret,
        code,
        redirect_uri,
    );
    let answer = outbound::send(
        http::Method::POST,
        &request.url,
        &[("content-type", "application/x-www-form-urlencoded")],
        Some(request.body.into_bytes()),
        EXCHANGE_TIMEOUT_MS,
    )
    .await
    .map_err(|_| Failure::ExchangeUnavailable)?;
    google_connect::parse_code_exchange(&HttpAnswer {
        status: answer.status,
        retry_after: None,
        body: &answer.body,
    })
    .map_err(Failure::Exchange)
}

/// The value of the browser-binding cookie, from any `Cookie` header.
fn browser_cookie(req: &Request) -> Option<String> {
    req.headers()
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == BROWSER_COOKIE)
        .map(|(_, value)| value.trim().to_owned())
}

/// 303 to the dashboard with the connection id (and the API choice, which the browser lost on
/// the way through Google); the binding cookie is spent, so clear it.
fn connected(id: &ConnectionId, ads_api: bool, reconnect: Option<&ConfigId>) -> Resp {
    let mut resp = api::empty_response(StatusCode::SEE_OTHER);
    let headers = resp.headers_mut();
    let api_choice = if ads_api { "&googleApi=adsApi" } else { "" };
    // Config ids are key-safe ([A-Za-z0-9._-]), nothing to escape.
    let reconnect = reconnect.map_or(String::new(), |c| format!("&reconnect={c}"));
    let location = format!("{DASHBOARD_PATH}?googleConnection={id}{api_choice}{reconnect}");
    if let Ok(v) = HeaderValue::from_str(&location) {
        headers.insert(header::LOCATION, v);
    }
    let clear = format!(
        "{BROWSER_COOKIE}=; Path={}; Max-Age=0; HttpOnly; SameSite=Lax",
        google_connect::CALLBACK_PATH
    );
    if let Ok(v) = HeaderValue::from_str(&clear) {
        headers.insert(header::SET_COOKIE, v);
    }
    oauth_page::private_headers(headers);
    resp
}
