//! `dispatcher`: drains the delivery queue. Private (reached only by service chaining at
//! `http://dispatcher.spin.internal`):
//!
//! - `POST /run`: a wake. Answers 202 at once; a spawned worker ([`worker`]) then runs passes
//!   while deliveries are due soon, unless another worker is already on duty.
//! - `POST /tick[?aheadMs=N]`: one bounded pass now, answering what it did ([`pass::PassReport`]).
//!   `aheadMs` also claims deliveries due within the next N ms (at most 7 days): an operator's
//!   flush after an outage, and how tests reach retries without waiting out the backoff. Only
//!   config-api's system-admin tick route reaches it. A tick also runs the alert step
//!   ([`alerting`]) at `now + aheadMs`, and answers what it did as `alerts`.
//!
//! A pass ([`pass`]): claim → per config: load, check, batch, send, classify ([`batch`]) →
//! write down ([`record`]) → release.

mod alerting;
mod batch;
mod pass;
mod polling;
mod record;
#[cfg(test)]
mod tests;
mod worker;

use edge_kit::api::{self, ApiError, Resp};
use edge_kit::deliver::{self, Client, Endpoints};
use edge_kit::host;
use edge_kit::kv::open_stores;
use http::{Method, StatusCode};
use serde_json::json;
use spin_sdk::http::Request;
use spin_sdk::http_service;

/// The longest flush a tick may ask for.
const MAX_AHEAD_MS: i64 = 7 * 86_400_000;

#[http_service]
async fn handle(req: Request) -> Resp {
    match serve(req).await {
        Ok(resp) => resp,
        Err(e) => e.into_response(),
    }
}

async fn serve(req: Request) -> Result<Resp, ApiError> {
    let path = req.uri().path().trim_end_matches('/').to_owned();
    let query = req.uri().query().unwrap_or("").to_owned();
    match (req.method(), path.as_str()) {
        (&Method::POST, "/run") => Ok(wake()),
        (&Method::POST, "/tick") => tick(&query).await,
        (_, "/run" | "/tick") => Err(ApiError::MethodNotAllowed("POST")),
        _ => Err(ApiError::NotFound(format!(
            "no dispatcher route for {path}"
        ))),
    }
}

fn random() -> u64 {
    u64::from_le_bytes(host::random_bytes::<8>())
}

/// Answer first; the worker runs after the response.
fn wake() -> Resp {
    spin_sdk::wasip3::spawn(async {
        let owner = format!("w-{}", host::random_hex::<8>());
        let Ok(stores) = open_stores().await else {
            eprintln!("dispatcher: cannot open the stores");
            return;
        };
        if worker::busy(&stores.queue, host::now_ms() as i64).await {
            return;
        }
        let (endpoints, keyring) = match (Endpoints::load().await, deliver::keyring().await) {
            (Ok(e), Ok(k)) => (e, k),
            (Err(e), _) | (_, Err(e)) => {
                eprintln!("dispatcher: {e}");
                return;
            }
        };
        let client = Client::new(&endpoints, &keyring, &stores.configs).with_quota(&stores.stats);
        worker::work(&stores, &client, &owner, random).await;
        // Housekeeping off the delivery path: expired idempotency claims, a few times a day.
        match pixel_core::queue::sweep_if_due(&stores, host::now_ms() as i64).await {
            Ok(Some(n)) if n > 0 => eprintln!("dispatcher: swept {n} expired dedup claims"),
            Ok(_) => {}
            Err(e) => eprintln!("dispatcher: dedup sweep: {e}"),
        }
    });
    api::json_response(StatusCode::ACCEPTED, &json!({ "woken": true }))
}

async fn tick(query: &str) -> Result<Resp, ApiError> {
    let ahead_ms = match edge_kit::auth::query_param(query, "aheadMs") {
        None => 0,
        Some(raw) => match raw.parse::<i64>() {
            Ok(n) if (0..=MAX_AHEAD_MS).contains(&n) => n,
            _ => {
                return Err(ApiError::field(
                    "aheadMs",
                    "out_of_range",
                    format!("must be a whole number of ms from 0 to {MAX_AHEAD_MS}"),
                ));
            }
        },
    };
    let stores = open_stores().await?;
    let endpoints = Endpoints::load().await.map_err(ApiError::internal)?;
    let keyring = deliver::keyring().await.map_err(ApiError::internal)?;
    let client = Client::new(&endpoints, &keyring, &stores.configs).with_quota(&stores.stats);
    let opts = pass::PassOptions {
        now_ms: host::now_ms() as i64,
        ahead_ms,
        owner: format!("t-{}", host::random_hex::<8>()),
        max: pass::MAX_PER_PASS,
        lease_ms: pass::lease_ms(
            spin_sdk::variables::get("delivery_lease_ms")
                .await
                .ok()
                .as_deref(),
        ),
    };
    let mut report = pass::run(&stores, &client, &opts, random)
        .await
        .map_err(ApiError::internal)?;
    // A tick also evaluates the alerts, `aheadMs` into the future (how tests reach a site's
    // six silent hours), and sends the alert webhooks due by then.
    report.alerts =
        alerting::step(&stores, opts.now_ms + ahead_ms, opts.now_ms, true, random).await;
    Ok(api::json_response(StatusCode::OK, &report))
}
