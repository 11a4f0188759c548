//! `POST /api/v1/marketing/tracking-configs/{configId}/test`: send one test event now and
//! answer the platform's verdict. Meta and TikTok get the config's `testEventCode` (the event
//! shows in the platform's test tool), Google a `validateOnly` request (Data Manager
//! `events:ingest` or the Ads API upload; nothing stored).
//! The attempt is logged with status `test`.
//!
//! 200 when the platform answered (whatever it said), 502 when it could not be reached,
//! 404 for an unknown config or another tenant's.

use edge_kit::api::{self, ApiError, Resp};
use edge_kit::deliver::{self, Client, Endpoints};
use edge_kit::kv::open_stores;
use http::StatusCode;
use pixel_core::StandardEvent;
use pixel_core::config::TrackingConfig;
use pixel_core::event::{Consent, Event, EventId, HashedIdentity, RawIdentity};
use pixel_core::logs::{self, LogEntry, LogStatus};
use pixel_core::outcome::{EventOutcome, Outcome};
use pixel_core::platforms::{SendMode, Target};
use serde_json::{Value, json};

use crate::ctx::Ctx;
use crate::deliveries::own_config;

/// A synthetic event the config tracks, rich enough to pass the platform's rules.
fn test_event(config: &TrackingConfig, target: &Target, now_ms: i64) -> Option<Event> {
    let now = now_ms / 1000;
    let mut candidates: Vec<StandardEvent> = config.tracked_events.clone();
    // Prefer a Lead: it needs no value, and every platform takes it.
    candidates.sort_by_key(|e| *e != StandardEvent::Lead);
    candidates.into_iter().find_map(|name| {
        let id = EventId::parse(&format!("pm-test-{}", edge_kit::host::random_hex::<8>())).ok()?;
        let mut e = Event::new(id, name, now);
        e.consent = Consent::granted();
        e.source_url = Some("https://pixel-manager.invalid/test-event".into());
        e.user_agent = Some("TrainerERP Pixel Manager test event".into());
        e.client_ip = Some("192.0.2.1".into());
        e.custom.value = Some(1.0);
        e.custom.currency = Some("EUR".into());
        e.identity = HashedIdentity::from_raw(
            &RawIdentity {
                email: Some("test-event@trainererp.invalid".into()),
                ..RawIdentity::default()
            },
            "ES",
        );
        target.check(&e, now).is_ok().then_some(e)
    })
}

pub async fn send(ctx: &Ctx, raw_id: &str) -> Result<Resp, ApiError> {
    let stores = open_stores().await?;
    let config = own_config(&stores.configs, ctx, raw_id).await?;
    let endpoints = Endpoints::load().await.map_err(ApiError::internal)?;
    let keyring = deliver::keyring().await.map_err(ApiError::internal)?;
    let client = Client::new(&endpoints, &keyring, &stores.configs);
    let mut target = match client.target(&config, ctx.now_ms).await {
        Ok(t) => t,
        // The platform refused to let us in at all (Google's token exchange): its answer.
        Err(Outcome::PauseConfig { reason }) => {
            return Ok(verdict(false, None, Some(reason), Value::Null));
        }
        Err(other) => {
            return Err(ApiError::BadGateway(format!(
                "could not reach {}: {}",
                config.platform,
                reason_of(&other)
            )));
        }
    };
    let Some(event) = test_event(&config, &target, ctx.now_ms) else {
        return Err(ApiError::Unprocessable {
            message: "this config tracks no event a test can be sent as".into(),
            details: json!({ "trackedEvents": config.tracked_events }),
        });
    };
    let mode = SendMode::Test {
        test_event_code: config.test_event_code.clone(),
    };
    let Some(req) = target
        .build(std::slice::from_ref(&event), &mode, ctx.now_ms / 1000)
        .into_iter()
        .next()
    else {
        return Err(ApiError::internal("the test request could not be built"));
    };
    let sent = client.send(&mut target, &config, &req, 1, ctx.now_ms).await;
    let Some(status) = sent.status else {
        return Err(ApiError::BadGateway(format!(
            "could not reach {}: {}",
            config.platform,
            reason_of(&sent.outcome)
        )));
    };
    let delivered = match &sent.outcome {
        Outcome::Delivered => true,
        Outcome::PerEvent(rows) => rows.iter().all(|r| {
            matches!(
                r,
                EventOutcome::Delivered | EventOutcome::AlreadyDelivered { .. }
            )
        }),
        _ => false,
    };
    let message = sent
        .platform_message
        .clone()
        .or_else(|| (!delivered).then(|| reason_of(&sent.outcome)));
    let entry = LogEntry {
        id: String::new(),
        timestamp: ctx.now_ms,
        event_name: event.name.spec_name().to_owned(),
        status: LogStatus::Test,
        response_code: Some(status),
        error_message: message.clone(),
        payload: req.body.clone(),
        latency_ms: sent.latency_ms,
        attempt: 1,
    };
    logs::append(&stores.logs, &config.id, vec![entry]).await?;
    Ok(verdict(delivered, Some(status), message, req.body))
}

fn verdict(delivered: bool, code: Option<u16>, message: Option<String>, payload: Value) -> Resp {
    api::json_response(
        StatusCode::OK,
        &json!({
            "delivered": delivered,
            "responseCode": code,
            "platformMessage": message,
            "payload": payload,
        }),
    )
}

fn reason_of(outcome: &Outcome) -> String {
    match outcome {
        Outcome::Delivered => "delivered".into(),
        Outcome::Retry { reason, .. }
        | Outcome::Permanent { reason }
        | Outcome::Bisect { reason }
        | Outcome::ResendWithoutFbc { reason }
        | Outcome::PauseConfig { reason } => reason.clone(),
        Outcome::RejectEvents { bad } => bad
            .first()
            .map_or_else(|| "refused".into(), |(_, r)| r.clone()),
        Outcome::PerEvent(rows) => rows
            .iter()
            .find_map(|r| match r {
                EventOutcome::Retry { reason, .. } | EventOutcome::Permanent { reason } => {
                    Some(reason.clone())
                }
                _ => None,
            })
            .unwrap_or_else(|| "partially failed".into()),
    }
}
