//! The platform client the dispatcher and the config API's test event share: a stored
//! [`TrackingConfig`] becomes the core's [`Target`] (token decrypted with the [`Keyring`],
//! endpoints from the app's variables, Google's refresh token exchanged for a cached access
//! token), and each [`OutboundRequest`] is sent with a timeout and classified by the core.
//!
//! The credential stays apart from url, headers and body all the way (the core's
//! [`OutboundRequest`] keeps it so); nothing here formats a token into a message, so no
//! error, log line or log entry can carry one. Also here: [`nudge`], the cheap "wake the
//! dispatcher if work is pending" any handler may call.

mod datamanager;
mod google;

use std::collections::BTreeMap;
use std::time::Instant;

use http::Method;
use pixel_core::config::GoogleApi;
use pixel_core::config::TrackingConfig;
use pixel_core::crypto::Keyring;
use pixel_core::kv::{KvError, KvStore, Stores};
use pixel_core::outcome::{self, HttpAnswer, Outcome, TransportFailure};
use pixel_core::platforms::{
    Credential, DataManagerTarget, GoogleTarget, MetaTarget, OutboundRequest, Target, TikTokTarget,
};

use pixel_core::{Platform, queue};
use serde_json::Value;

use crate::outbound::{self, SendError};

/// How long a platform may take to connect and to start answering. Meta recommends 1.5 s and
/// answers most requests in under 600 ms; a batch of 1,000 events needs a little more.
pub const SEND_TIMEOUT_MS: u64 = 5_000;

/// Wake the dispatcher at most this often from [`nudge`] (across all instances).
pub const NUDGE_INTERVAL_MS: i64 = 5_000;

/// Where the platforms are and the Google OAuth client, from the app's variables.
#[derive(Debug, Clone)]
pub struct Endpoints {
    pub meta_url: String,
    pub meta_version: String,
    pub tiktok_url: String,
    pub google_ads_url: String,
    pub google_ads_version: String,
    /// The Data Manager API (`https://datamanager.googleapis.com`).
    pub google_datamanager_url: String,
    /// `events:ingest` requests a minute for the whole Cloud project (Google: 300).
    pub google_datamanager_per_minute: i64,
    pub google_oauth_url: String,
    pub google_client_id: String,
    /// A secret: never formatted into a message (`Debug` of this struct is not logged).
    pub google_client_secret: String,
}

async fn var(name: &str) -> Result<String, String> {
    spin_sdk::variables::get(name)
        .await
        .map_err(|e| format!("variable {name}: {e:?}"))
}

impl Endpoints {
    /// Read every endpoint variable; a missing one is a deployment error.
    pub async fn load() -> Result<Self, String> {
        let url = |s: String| s.trim_end_matches('/').to_owned();
        Ok(Self {
            meta_url: url(var("meta_api_url").await?),
            meta_version: var("meta_api_version").await?,
            tiktok_url: url(var("tiktok_api_url").await?),
            google_ads_url: url(var("google_ads_api_url").await?),
            google_ads_version: var("google_ads_api_version").await?,
            google_datamanager_url: url(var("google_datamanager_api_url").await?),
            google_datamanager_per_minute: {
                let raw = var("google_datamanager_requests_per_minute").await?;
                match raw.trim().parse::<i64>() {
                    Ok(n) if n > 0 => n,
                    _ => {
                        return Err(format!(
                            "variable google_datamanager_requests_per_minute: {raw:?} is not a positive number"
                        ));
                    }
                }
            },
            google_oauth_url: url(var("google_oauth_url").await?),
            google_client_id: var("google_client_id").await?,
            google_client_secret: var("google_client_secret").await?,
        })
    }
}

/// The token keyring from `token_encryption_key` and `token_encryption_previous_keys`.
pub async fn keyring() -> Result<Keyring, String> {
    let current = var("token_encryption_key").await?;
    let previous = var("token_encryption_previous_keys").await?;
    Keyring::from_config(&current, &previous).map_err(|e| format!("token_encryption_key: {e}"))
}

/// What one request came to.
#[derive(Debug, Clone)]
pub struct Sent {
    pub outcome: Outcome,
    /// The HTTP status, `None` when no answer arrived.
    pub status: Option<u16>,
    /// Request start to answer.
    pub latency_ms: u64,
    /// The platform's own words (error message), when it said any.
    pub platform_message: Option<String>,
    /// The answer body as JSON, when it was JSON (platform answers never echo our token).
    pub answer: Option<Value>,
}

/// Sends requests for configs; `configs` is the store holding the Google access-token cache.
pub struct Client<'a, S: KvStore> {
    pub endpoints: &'a Endpoints,
    pub keyring: &'a Keyring,
    pub configs: &'a S,
    pub timeout_ms: u64,
    /// The store of the shared Data Manager budget (`stats`); `None` = no budget is kept
    /// (test events and credential checks, one request each).
    pub quota: Option<&'a S>,
}

impl<'a, S: KvStore> Client<'a, S> {
    pub fn new(endpoints: &'a Endpoints, keyring: &'a Keyring, configs: &'a S) -> Self {
        Self {
            endpoints,
            keyring,
            configs,
            timeout_ms: SEND_TIMEOUT_MS,
            quota: None,
        }
    }

    /// Keep the shared Data Manager budget in `stats` (the dispatcher does).
    pub fn with_quota(mut self, stats: &'a S) -> Self {
        self.quota = Some(stats);
        self
    }

    /// The core's target for `config`. `Err` is what to do with the config's deliveries when
    /// no target can be had: retry later (outage, undecryptable token) or pause (refused
    /// refresh token, missing Google settings).
    pub async fn target(&self, config: &TrackingConfig, now_ms: i64) -> Result<Target, Outcome> {
        let token = self
            .keyring
            .decrypt_for(&config.encrypted_token, &token_context(config))
            .map_err(|e| Outcome::Retry {
                after_secs: Some(300),
                reason: format!("the stored token could not be decrypted: {e}"),
            })?;
        let ep = self.endpoints;
        Ok(match config.platform {
            Platform::Meta => Target::Meta(MetaTarget {
                base_url: ep.meta_url.clone(),
                api_version: ep.meta_version.clone(),
                pixel_id: config.pixel_id.as_str().to_owned(),
                access_token: token,
                event_names: BTreeMap::new(),
            }),
            Platform::TikTok => Target::TikTok(TikTokTarget {
                base_url: ep.tiktok_url.clone(),
                pixel_code: config.pixel_id.as_str().to_owned(),
                access_token: token,
                event_names: BTreeMap::new(),
            }),
            Platform::Google => {
                let Some(settings) = &config.google else {
                    return Err(Outcome::PauseConfig {
                        reason: "the Google config has no customer id".into(),
                    });
                };
                let access = google::access_token(self, config, &token, now_ms, false).await?;
                let actions = settings
                    .conversion_actions
                    .iter()
                    .map(|(e, id)| (*e, id.as_str().to_owned()))
                    .collect();
                if settings.api == GoogleApi::DataManager {
                    return Ok(Target::GoogleDataManager(DataManagerTarget {
                        base_url: ep.google_datamanager_url.clone(),
                        customer_id: settings.customer_id.as_str().to_owned(),
                        login_customer_id: settings
                            .login_customer_id
                            .as_ref()
                            .map(|l| l.as_str().to_owned()),
                        access_token: access,
                        conversion_actions: actions,
                        clock_secs: now_ms / 1000,
                    }));
                }
                Target::Google(GoogleTarget {
                    base_url: ep.google_ads_url.clone(),
                    api_version: ep.google_ads_version.clone(),
                    customer_id: settings.customer_id.as_str().to_owned(),
                    login_customer_id: settings
                        .login_customer_id
                        .as_ref()
                        .map(|l| l.as_str().to_owned()),
                    access_token: access,
                    conversion_actions: actions,
                })
            }
        })
    }

    /// Send `req` (of `batch_len` events) and classify the answer. A Google 401 refreshes the
    /// access token once and resends; `target` then carries the new token for later requests.
    pub async fn send(
        &self,
        target: &mut Target,
        config: &TrackingConfig,
        req: &OutboundRequest,
        batch_len: usize,
        now_ms: i64,
    ) -> Sent {
        let sent = self.send_once(target, req, batch_len).await;
        let token_slot = match target {
            Target::Google(g) => &mut g.access_token,
            Target::GoogleDataManager(g) => &mut g.access_token,
            _ => return sent,
        };
        if sent.status != Some(401) {
            return sent;
        }
        // The cached access token may have been revoked early: one fresh exchange, one resend.
        let Ok(refresh) = self
            .keyring
            .decrypt_for(&config.encrypted_token, &token_context(config))
        else {
            return sent;
        };
        match google::access_token(self, config, &refresh, now_ms, true).await {
            Ok(fresh) => {
                *token_slot = fresh;
                let mut again = req.clone();
                again.credential = Credential::Header {
                    name: "Authorization",
                    value: format!("Bearer {token_slot}"),
                };
                self.send_once(target, &again, batch_len).await
            }
            Err(outcome) => Sent { outcome, ..sent },
        }
    }

    async fn send_once(&self, target: &Target, req: &OutboundRequest, batch_len: usize) -> Sent {
        let started = Instant::now();
        let result = send_request(req, self.timeout_ms).await;
        let latency_ms = started.elapsed().as_millis() as u64;
        match result {
            Ok(a) => {
                let retry_after = a
                    .headers
                    .get("retry-after")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned);
                let answer = HttpAnswer {
                    status: a.status,
                    retry_after: retry_after.as_deref(),
                    body: &a.body,
                };
                let json: Option<Value> = serde_json::from_slice(&a.body).ok();
                Sent {
                    outcome: target.classify(&answer, batch_len),
                    status: Some(a.status),
                    latency_ms,
                    platform_message: json
                        .as_ref()
                        .and_then(|j| platform_message(target.platform(), a.status, j)),
                    answer: json,
                }
            }
            Err(e) => Sent {
                outcome: outcome::transport_failure(match e {
                    SendError::Timeout => TransportFailure::Timeout,
                    SendError::Unreachable(_) => TransportFailure::Connect,
                    SendError::Denied => TransportFailure::Other,
                }),
                status: None,
                latency_ms,
                platform_message: None,
                answer: None,
            },
        }
    }
}

/// Send one request the core built, its credential put back only here, with `timeout_ms`
/// for connect and first byte. [`Client::send`] and the config API's credential checks use it.
pub async fn send_request(
    req: &OutboundRequest,
    timeout_ms: u64,
) -> Result<outbound::Answer, SendError> {
    let method = Method::from_bytes(req.method.as_bytes()).unwrap_or(Method::POST);
    let headers = req.headers_with_credential();
    let header_refs: Vec<(&str, &str)> = headers
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let body = req.body_bytes();
    let body = (!body.is_empty()).then_some(body);
    outbound::send(
        method,
        &req.url_with_credential(),
        &header_refs,
        body,
        timeout_ms,
    )
    .await
}

/// The platform's own message in an answer, if it gave one (errors only).
pub fn platform_message(platform: Platform, status: u16, body: &Value) -> Option<String> {
    let s = |v: &Value| v.as_str().filter(|s| !s.is_empty()).map(str::to_owned);
    match platform {
        Platform::Meta => {
            let e = body.get("error")?;
            let base = s(&e["message"]).or_else(|| s(&e["error_user_title"]))?;
            Some(match s(&e["error_user_msg"]) {
                Some(user) => format!("{base}: {user}"),
                None => base,
            })
        }
        Platform::TikTok => match body.get("code").and_then(Value::as_i64) {
            Some(0) => None,
            _ => s(&body["message"]),
        },
        Platform::Google => {
            if (200..300).contains(&status) {
                s(&body["partialFailureError"]["message"])
            } else {
                s(&body["error"]["message"]).or_else(|| s(&body["error_description"]))
            }
        }
    }
}

/// The events of a built request body (`data` for Meta and TikTok, `conversions` for the
/// Google Ads API, `events` for the Data Manager API), to log each event's own payload.
pub fn payload_rows(body: &Value) -> &[Value] {
    body.get("data")
        .or_else(|| body.get("conversions"))
        .or_else(|| body.get("events"))
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

/// Wake the dispatcher if deliveries are due and no one woke it in the last
/// [`NUDGE_INTERVAL_MS`] (compare-and-swap in the core's `try_wake`). Cheap enough for every
/// request: one `get` when a wake happened recently, else a `get`, a compare-and-swap, the
/// queue's key scan and, with work pending, a read of the worker lease (no wake while a worker
/// is on duty). Returns whether it woke the dispatcher.
pub async fn nudge_with<S: KvStore>(stores: &Stores<S>, now_ms: i64) -> Result<bool, KvError> {
    let err = |e: queue::QueueError| KvError(e.to_string());
    if !queue::try_wake(stores, now_ms, NUDGE_INTERVAL_MS)
        .await
        .map_err(err)?
    {
        return Ok(false);
    }
    if !queue::has_pending_work(stores, now_ms, 0)
        .await
        .map_err(err)?
    {
        return Ok(false);
    }
    if pixel_core::queue::worker::on_duty(&stores.queue, now_ms).await? {
        // The worker on duty picks the work up; its lease release re-checks the queue.
        return Ok(false);
    }
    crate::wake::wake_dispatcher("pending work");
    Ok(true)
}

/// [`nudge_with`] after the current response, on the component's own stores: a handler calls
/// it and answers at once ("any request after a restart wakes the dispatcher").
///
/// An instance tries at most once per [`NUDGE_INTERVAL_MS`]: `try_wake` would refuse the
/// attempts in between anyway, and each costs a store open and a read after every request.
pub fn nudge() {
    thread_local! {
        static LAST_TRY: std::cell::Cell<Option<i64>> = const { std::cell::Cell::new(None) };
    }
    let now = crate::host::now_ms() as i64;
    let recent = LAST_TRY.with(|t| {
        t.get()
            .is_some_and(|at| at <= now && now - at < NUDGE_INTERVAL_MS)
    });
    if recent {
        return;
    }
    LAST_TRY.with(|t| t.set(Some(now)));
    spin_sdk::wasip3::spawn(async move {
        // Only the queue store is read, and not every component may open the others.
        match crate::kv::SpinStore::open(pixel_core::schema::QUEUE_STORE).await {
            Ok(q) => {
                let stores = Stores {
                    configs: &q,
                    queue: &q,
                    logs: &q,
                    stats: &q,
                };
                if let Err(e) = nudge_with(&stores, now).await {
                    eprintln!("nudge: {e}");
                }
            }
            Err(e) => eprintln!("nudge: {e}"),
        }
    });
}

/// What a config's stored token is bound to (AES-GCM associated data).
pub fn token_context(config: &TrackingConfig) -> String {
    pixel_core::crypto::config_context(config.tenant_id.as_str(), config.id.as_str())
}
