//! Checking a token against its platform before anything is stored (PLATFORMS.md says how):
//! Meta reads the pixel, TikTok takes one event flagged with a test event code, Google
//! exchanges the refresh token, then (Data Manager configs) sends one probe event with
//! `validateOnly: true` to the config's own destination, a real request that stores nothing,
//! or (Ads API configs) lists the accessible customers. The core builds each request
//! and judges each answer ([`CredentialVerdict`]); this module only sends them and answers a
//! refusal with 422 and the platform's words, no verdict with 502 (nothing stored).

use std::collections::BTreeMap;

use edge_kit::api::ApiError;
use edge_kit::deliver::{self, Endpoints};
use edge_kit::outbound::{self, Answer, SendError};
use http::Method;
use pixel_core::config::{ConversionActionId, GoogleApi};
use pixel_core::event::{Consent, Event, EventId, HashedIdentity, RawIdentity};
use pixel_core::outcome::HttpAnswer;
use pixel_core::platforms::google::{self, oauth};
use pixel_core::platforms::{
    self, CredentialVerdict, DataManagerTarget, MetaTarget, SendMode, TikTokTarget, meta, tiktok,
};
use pixel_core::{Platform, StandardEvent};
use serde_json::json;

/// A credential check waits at most this long per request.
const CHECK_TIMEOUT_MS: u64 = 5_000;

/// What the platform said about the credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The token works for this pixel/account.
    Accepted,
    /// The token works but the check could not prove it reaches the pixel: stored, unverified.
    AcceptedUnverified(String),
}

/// What a Google check needs besides the token.
pub struct GoogleTarget<'a> {
    pub customer_id: &'a str,
    pub login_customer_id: Option<&'a str>,
    pub api: GoogleApi,
    /// The config's conversion actions: a Data Manager probe goes to one of them.
    pub conversion_actions: Option<&'a BTreeMap<StandardEvent, ConversionActionId>>,
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
    let verdict = match platform {
        Platform::Meta => check_meta(ep, pixel, token).await,
        Platform::TikTok => check_tiktok(ep, pixel, token, test_event_code).await,
        Platform::Google => {
            let target = google.unwrap_or(GoogleTarget {
                customer_id: pixel,
                login_customer_id: None,
                api: GoogleApi::DataManager,
                conversion_actions: None,
            });
            check_google(ep, token, &target).await
        }
    };
    match verdict.unwrap_or_else(|e| CredentialVerdict::Unavailable {
        reason: e.to_string(),
    }) {
        CredentialVerdict::Accepted => Ok(Verdict::Accepted),
        CredentialVerdict::AcceptedUnverified { note } => Ok(Verdict::AcceptedUnverified(note)),
        CredentialVerdict::Rejected { code, message } => Err(ApiError::Unprocessable {
            message: format!("{platform} rejected the credentials: {message}"),
            details: json!({
                "platform": platform.as_str(),
                "platformCode": code,
                "platformMessage": message,
            }),
        }),
        CredentialVerdict::Unavailable { reason } => Err(ApiError::BadGateway(format!(
            "could not check the credentials with {platform}: {reason}; nothing was stored, try again"
        ))),
    }
}

/// The parts of an answer the core's verdicts read.
fn answer(a: &Answer) -> HttpAnswer<'_> {
    HttpAnswer {
        status: a.status,
        retry_after: a.headers.get("retry-after").and_then(|v| v.to_str().ok()),
        body: &a.body,
    }
}

fn now_secs() -> i64 {
    (edge_kit::host::now_ms() / 1000) as i64
}

async fn check_meta(
    ep: &Endpoints,
    pixel: &str,
    token: &str,
) -> Result<CredentialVerdict, SendError> {
    let target = MetaTarget {
        base_url: ep.meta_url.clone(),
        api_version: ep.meta_version.clone(),
        pixel_id: pixel.to_owned(),
        access_token: token.to_owned(),
        event_names: BTreeMap::new(),
    };
    let a = deliver::send_request(&target.credential_check(), CHECK_TIMEOUT_MS).await?;
    Ok(meta::classify_credential_check(&answer(&a)))
}

async fn check_tiktok(
    ep: &Endpoints,
    pixel: &str,
    token: &str,
    test_event_code: Option<&str>,
) -> Result<CredentialVerdict, SendError> {
    let target = TikTokTarget {
        base_url: ep.tiktok_url.clone(),
        pixel_code: pixel.to_owned(),
        access_token: token.to_owned(),
        event_names: BTreeMap::new(),
    };
    let nonce = edge_kit::host::random_hex::<8>();
    let probe = target.credential_check(test_event_code, now_secs(), &nonce);
    let a = deliver::send_request(&probe, CHECK_TIMEOUT_MS).await?;
    Ok(tiktok::classify_credential_check(&answer(&a)))
}

async fn check_google(
    ep: &Endpoints,
    refresh_token: &str,
    target: &GoogleTarget<'_>,
) -> Result<CredentialVerdict, SendError> {
    let exchange = oauth::token_request(
        &format!("{}/token", ep.google_oauth_url),
        &ep.google_client_id,
        &ep.google_client_secret,
        refresh_token,
    );
    let a = outbound::send(
        Method::POST,
        &exchange.url,
        &[("content-type", "application/x-www-form-urlencoded")],
        Some(exchange.body.into_bytes()),
        CHECK_TIMEOUT_MS,
    )
    .await?;
    let access = match google::classify_token_exchange(&answer(&a), now_secs()) {
        Ok(access) => access,
        Err(verdict) => return Ok(verdict),
    };
    if target.api == GoogleApi::DataManager {
        return check_datamanager(ep, access.token, target).await;
    }
    let account = platforms::GoogleTarget {
        base_url: ep.google_ads_url.clone(),
        api_version: ep.google_ads_version.clone(),
        customer_id: target.customer_id.to_owned(),
        login_customer_id: target.login_customer_id.map(str::to_owned),
        access_token: access.token,
        conversion_actions: BTreeMap::new(),
    };
    let a = deliver::send_request(&account.credential_check(), CHECK_TIMEOUT_MS).await?;
    Ok(account.classify_credential_check(&answer(&a)))
}

/// One probe event with `validateOnly: true` to the config's first conversion action: Google
/// authenticates, checks the account and the destination, and stores nothing.
async fn check_datamanager(
    ep: &Endpoints,
    access_token: String,
    target: &GoogleTarget<'_>,
) -> Result<CredentialVerdict, SendError> {
    let Some((event, action)) = target
        .conversion_actions
        .and_then(|a| a.iter().next())
        .map(|(e, id)| (*e, id.as_str().to_owned()))
    else {
        // Nothing to probe with (the create's own validation asks for an action first).
        return Ok(CredentialVerdict::AcceptedUnverified {
            note: "no conversion action to check the Data Manager destination with".into(),
        });
    };
    let dm = DataManagerTarget {
        base_url: ep.google_datamanager_url.clone(),
        customer_id: target.customer_id.to_owned(),
        login_customer_id: target.login_customer_id.map(str::to_owned),
        access_token,
        conversion_actions: BTreeMap::from([(event, action)]),
        clock_secs: now_secs(),
    };
    let id = format!("pm-check-{}", edge_kit::host::random_hex::<8>());
    let Ok(id) = EventId::parse(&id) else {
        return Ok(CredentialVerdict::Unavailable {
            reason: "could not build the probe event".into(),
        });
    };
    let mut probe = Event::new(id, event, now_secs());
    probe.consent = Consent::granted();
    probe.custom.value = Some(1.0);
    probe.custom.currency = Some("EUR".into());
    probe.identity = HashedIdentity::from_raw(
        &RawIdentity {
            email: Some("credential-check@trainererp.invalid".into()),
            ..RawIdentity::default()
        },
        "ES",
    );
    let mode = SendMode::Test {
        test_event_code: None,
    };
    let req = dm.build(std::slice::from_ref(&probe), &mode, now_secs());
    let a = deliver::send_request(&req, CHECK_TIMEOUT_MS).await?;
    Ok(dm.classify_credential_check(&answer(&a)))
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
