//! The alert step as the dispatcher runs it (the mechanism is `pixel_core::alerts::check`):
//! after passes when it is due, and on every tick. The webhook goes to `alerts_webhook_url`
//! (empty: no webhook, and no webhook events are kept), signed with `alerts_webhook_secret`,
//! or with `ingest_signing_secret` when that is empty: the secret TrainerERP already holds and
//! verifies the same scheme with, so the usual setup needs nothing more; a separate secret
//! keeps the two directions apart for those who want it.

use edge_kit::host;
use edge_kit::outbound;
use http::Method;
use pixel_core::alerts::check::{self, StepReport};
use pixel_core::alerts::webhook::{self, WebhookEvent};
use pixel_core::kv::{KvStore, Stores};

/// How long one webhook request may take (connect, and first byte).
const WEBHOOK_TIMEOUT_MS: u64 = 10_000;

struct Target {
    url: String,
    secret: String,
}

async fn variable(name: &str) -> String {
    spin_sdk::variables::get(name)
        .await
        .map(|v| v.trim().to_owned())
        .unwrap_or_default()
}

async fn target() -> Option<Target> {
    let url = variable("alerts_webhook_url").await;
    if url.is_empty() {
        return None;
    }
    let mut secret = variable("alerts_webhook_secret").await;
    if secret.is_empty() {
        secret = variable("ingest_signing_secret").await;
    }
    if secret.is_empty() {
        eprintln!("alerts: no webhook secret; webhooks are not sent");
        return None;
    }
    Some(Target { url, secret })
}

async fn post(target: &Target, event: &WebhookEvent, body: Vec<u8>) -> bool {
    let t = host::now_ms() as i64 / 1000;
    let signature = webhook::signature(target.secret.as_bytes(), t, &body);
    let headers = [
        ("content-type", "application/json"),
        ("x-signature", signature.as_str()),
        ("x-alert-event-id", event.id.as_str()),
    ];
    match outbound::send(
        Method::POST,
        &target.url,
        &headers,
        Some(body),
        WEBHOOK_TIMEOUT_MS,
    )
    .await
    {
        Ok(a) if (200..300).contains(&a.status) => true,
        Ok(a) => {
            eprintln!("alerts: webhook {} answered {}", event.id, a.status);
            false
        }
        Err(e) => {
            eprintln!("alerts: webhook {}: {e}", event.id);
            false
        }
    }
}

/// Whether the alert step is due at `now_ms` (one `get`): unset counts as due.
pub async fn due<S: KvStore>(stores: &Stores<S>, now_ms: i64) -> bool {
    match check::due_at(&stores.queue).await {
        Ok(t) => t.is_none_or(|t| t <= now_ms),
        Err(e) => {
            eprintln!("alerts: {e}");
            false
        }
    }
}

/// Run the step: evaluate at `now_ms` (a tick may look ahead of `clock_ms`), always when
/// `force`, else at most once a minute; send the webhooks due.
pub async fn step<S: KvStore>(
    stores: &Stores<S>,
    now_ms: i64,
    clock_ms: i64,
    force: bool,
    random: impl Fn() -> u64,
) -> Option<StepReport> {
    let target = target().await;
    let send = target
        .as_ref()
        .map(|t| async move |e: &WebhookEvent, body: Vec<u8>| post(t, e, body).await);
    match check::step(stores, now_ms, clock_ms, force, random, send).await {
        Ok(r) => Some(r),
        Err(e) => {
            eprintln!("alerts: {e}");
            None
        }
    }
}
