//! Checking a token against its platform before anything is stored (PLATFORMS.md says how):
//! Meta reads the pixel, TikTok takes one event flagged with a test event code, Google
//! exchanges the refresh token and lists the accessible customers.

use edge_kit::api::ApiError;
use edge_kit::outbound::{self, Answer, SendError};
use http::Method;
use pixel_core::Platform;
use serde_json::{Value, json};

use edge_kit::deliver::Endpoints;

/// A credential check waits at most this long per request.
const CHECK_TIMEOUT_MS: u64 = 5_000;
/// TikTok has no validate endpoint; this code keeps the probe event out of real reporting.
const TIKTOK_PROBE_CODE: &str = "PIXELMANAGER_CHECK";

/// What the platform said about the credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The token works for this pixel/account.
    Accepted,
    /// The token works but may not read the pixel (Meta permission error): stored, unverified.
    AcceptedUnverified(String),
}

/// What a Google check needs besides the token.
pub struct GoogleTarget<'a> {
    pub customer_id: &'a str,
    pub login_customer_id: Option<&'a str>,
}

/// Check `token` for `pixel` on `platform`; a refusal is a 422 with the platform's message.
pub async fn check(
    ep: &Endpoints,
    platform: Platform,
    pixel: &str,
    token: &str,
    test_event_code: Option<&str>,
    google: Option<GoogleTarget<'_>>,
) -> Result<Verdict, ApiError> {
    match platform {
        Platform::Meta => check_meta(ep, pixel, token).await,
        Platform::TikTok => check_tiktok(ep, pixel, token, test_event_code).await,
        Platform::Google => {
            let target = google.unwrap_or(GoogleTarget {
                customer_id: pixel,
                login_customer_id: None,
            });
            check_google(ep, token, &target).await
        }
    }
}

fn rejected(platform: Platform, message: &str, code: Value) -> ApiError {
    ApiError::Unprocessable {
        message: format!("{platform} rejected the credentials: {message}"),
        details: json!({ "platform": platform.as_str(), "platformCode": code, "platformMessage": message }),
    }
}

fn unreachable(platform: Platform, e: &SendError) -> ApiError {
    ApiError::BadGateway(format!(
        "could not check the credentials with {platform} ({e}); nothing was stored, try again"
    ))
}

fn unexpected(platform: Platform, a: &Answer) -> ApiError {
    ApiError::BadGateway(format!(
        "{platform} answered HTTP {} to the credential check; nothing was stored, try again",
        a.status
    ))
}

fn body_json(a: &Answer) -> Value {
    serde_json::from_slice(&a.body).unwrap_or(Value::Null)
}

async fn check_meta(ep: &Endpoints, pixel: &str, token: &str) -> Result<Verdict, ApiError> {
    let url = format!(
        "{}/{}/{}?fields=id,name&access_token={}",
        ep.meta_url,
        ep.meta_version,
        pixel,
        form_encode(token)
    );
    let a = outbound::send(Method::GET, &url, &[], None, CHECK_TIMEOUT_MS)
        .await
        .map_err(|e| unreachable(Platform::Meta, &e))?;
    if (200..300).contains(&a.status) {
        return Ok(Verdict::Accepted);
    }
    let body = body_json(&a);
    let err = &body["error"];
    let code = err["code"].as_i64();
    let subcode = err["error_subcode"].as_i64();
    let message = err["error_user_msg"]
        .as_str()
        .or(err["message"].as_str())
        .unwrap_or("unknown error");
    match (code, subcode) {
        (Some(190 | 102), _) => Err(rejected(Platform::Meta, message, json!(code))),
        (Some(100), Some(33)) => Err(rejected(
            Platform::Meta,
            &format!(
                "the pixel {pixel} does not exist or is not shared with this token ({message})"
            ),
            json!(code),
        )),
        (Some(10 | 3), _) | (Some(200..=299), _) => Ok(Verdict::AcceptedUnverified(format!(
            "the token was accepted but may not read the pixel: {message}"
        ))),
        _ if a.status >= 500 || a.status == 429 => Err(unexpected(Platform::Meta, &a)),
        _ => Err(rejected(Platform::Meta, message, json!(code))),
    }
}

async fn check_tiktok(
    ep: &Endpoints,
    pixel: &str,
    token: &str,
    test_event_code: Option<&str>,
) -> Result<Verdict, ApiError> {
    let url = format!("{}/open_api/v1.3/event/track/", ep.tiktok_url);
    let body = json!({
        "event_source": "web",
        "event_source_id": pixel,
        "test_event_code": test_event_code.unwrap_or(TIKTOK_PROBE_CODE),
        "data": [{
            "event": "ViewContent",
            "event_time": edge_kit::host::now_ms() / 1000,
            "event_id": format!("pm-check-{}", edge_kit::host::random_hex::<8>()),
            "page": { "url": "https://pixel-manager.invalid/credential-check" }
        }]
    });
    let a = outbound::send(
        Method::POST,
        &url,
        &[
            ("content-type", "application/json"),
            ("access-token", token),
        ],
        Some(body.to_string().into_bytes()),
        CHECK_TIMEOUT_MS,
    )
    .await
    .map_err(|e| unreachable(Platform::TikTok, &e))?;
    if a.status >= 300 {
        return Err(unexpected(Platform::TikTok, &a));
    }
    let body = body_json(&a);
    let message = body["message"].as_str().unwrap_or("unknown error");
    match body["code"].as_i64() {
        Some(0) => Ok(Verdict::Accepted),
        // 40002 = our probe event was refused, which says nothing against the token.
        Some(40002) => Ok(Verdict::AcceptedUnverified(format!(
            "the token was accepted; the probe event was refused: {message}"
        ))),
        Some(40100) | None => Err(unexpected(Platform::TikTok, &a)),
        Some(code) => Err(rejected(Platform::TikTok, message, json!(code))),
    }
}

async fn check_google(
    ep: &Endpoints,
    refresh_token: &str,
    target: &GoogleTarget<'_>,
) -> Result<Verdict, ApiError> {
    let form = format!(
        "grant_type=refresh_token&refresh_token={}&client_id={}&client_secret={}",
        form_encode(refresh_token),
        form_encode(&ep.google_client_id),
        form_encode(&ep.google_client_secret)
    );
    let a = outbound::send(
        Method::POST,
        &format!("{}/token", ep.google_oauth_url),
        &[("content-type", "application/x-www-form-urlencoded")],
        Some(form.into_bytes()),
        CHECK_TIMEOUT_MS,
    )
    .await
    .map_err(|e| unreachable(Platform::Google, &e))?;
    let body = body_json(&a);
    if a.status >= 500 {
        return Err(unexpected(Platform::Google, &a));
    }
    let Some(access) = body["access_token"].as_str().filter(|_| a.status < 300) else {
        let message = body["error_description"]
            .as_str()
            .or(body["error"].as_str())
            .unwrap_or("the refresh token was refused");
        return Err(rejected(Platform::Google, message, body["error"].clone()));
    };
    let url = format!(
        "{}/{}/customers:listAccessibleCustomers",
        ep.google_ads_url, ep.google_ads_version
    );
    let bearer = format!("Bearer {access}");
    let a = outbound::send(
        Method::GET,
        &url,
        &[("authorization", bearer.as_str())],
        None,
        CHECK_TIMEOUT_MS,
    )
    .await
    .map_err(|e| unreachable(Platform::Google, &e))?;
    let body = body_json(&a);
    match a.status {
        200..=299 => {}
        401 | 403 => {
            let message = body["error"]["message"].as_str().unwrap_or("access denied");
            return Err(rejected(Platform::Google, message, json!(a.status)));
        }
        _ => return Err(unexpected(Platform::Google, &a)),
    }
    let reachable = |id: &str| {
        body["resourceNames"].as_array().is_some_and(|names| {
            names
                .iter()
                .any(|n| n.as_str() == Some(&format!("customers/{id}")))
        })
    };
    // Through a manager account the customer itself need not be listed, its manager must.
    let via = target.login_customer_id.unwrap_or(target.customer_id);
    if reachable(via) {
        Ok(Verdict::Accepted)
    } else {
        Err(rejected(
            Platform::Google,
            &format!("this Google account cannot access customer {via}"),
            json!("CUSTOMER_NOT_ACCESSIBLE"),
        ))
    }
}

/// `application/x-www-form-urlencoded` / query component encoding.
pub fn form_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}
