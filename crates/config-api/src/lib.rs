//! `config-api`: the dashboard's HTTP API under `/api/v1/...` (tracking configs, their logs,
//! dead letters and test events, KPIs, sites, the OpenAPI document, the dispatcher tick).
//!
//! A thin adapter: parse and authenticate, call `pixel-core`, store, answer. Every failure
//! leaves through `edge_kit::api::ApiError`, so the client always gets
//! `{"error":{"code","message","details"}}` and never an internal cause.

mod alerts;
mod configs;
mod credentials;
mod ctx;
mod deliveries;
mod match_hints;
mod oauth;
mod oauth_connection;
mod oauth_page;
mod rekey;
mod routes;
mod site_verify;
mod sites;
mod stats;
mod test_event;

use edge_kit::api::{ApiError, Resp};
use routes::Route;
use spin_sdk::http::Request;
use spin_sdk::http_service;

#[http_service]
async fn handle(req: Request) -> Resp {
    match serve(req).await {
        Ok(resp) => resp,
        Err(e) => e.into_response(),
    }
}

async fn serve(req: Request) -> Result<Resp, ApiError> {
    let route = Route::parse(req.method(), req.uri().path())?;
    if let Route::OpenApi = route {
        return Ok(routes::openapi());
    }
    // Public: the browser comes back from Google's consent screen without a bearer token; the
    // signed, single-use state is what authenticates it.
    if let Route::GoogleOAuthCallback = route {
        return Ok(oauth::callback(req).await);
    }
    let ctx = ctx::Ctx::from_request(&req).await?;
    // After a restart nothing may be running the queue: any authenticated request wakes the
    // dispatcher if work is pending (rate-limited across instances by compare-and-swap).
    edge_kit::deliver::nudge();
    let query = req.uri().query().map(str::to_owned);
    let query = query.as_deref();
    match route {
        Route::OpenApi => Ok(routes::openapi()),
        Route::ListConfigs => configs::list(&ctx).await,
        Route::CreateConfig => configs::create(&ctx, req).await,
        Route::PatchConfig(id) => configs::patch(&ctx, &id, req).await,
        Route::DeleteConfig(id) => configs::delete(&ctx, &id).await,
        Route::ListSites => sites::list(&ctx).await,
        Route::GetSite(host) => sites::get(&ctx, &host).await,
        Route::PutSite(host) => sites::put(&ctx, &host, req).await,
        Route::DeleteSite(host) => sites::delete(&ctx, &host).await,
        Route::VerifySite(host) => site_verify::verify(&ctx, &host).await,
        Route::ReencryptTokens => rekey::reencrypt(&ctx).await,
        Route::ConfigLogs(id) => deliveries::list_logs(&ctx, &id, query).await,
        Route::DeadLetters(id) => deliveries::list_dead_letters(&ctx, &id, query).await,
        Route::ReplayDeadLetters(id) => deliveries::replay_dead_letters(&ctx, &id).await,
        Route::DispatcherTick => tick(&ctx, query).await,
        Route::TestEvent(id) => test_event::send(&ctx, &id).await,
        Route::TrackingStats => stats::get(&ctx, query).await,
        Route::GoogleOAuthStart => oauth::start(&ctx, &req).await,
        Route::GoogleOAuthCallback => Ok(oauth::callback(req).await),
        Route::Alerts => alerts::list(&ctx).await,
    }
}

/// `POST /api/v1/marketing/dispatcher/tick`: lets an outside scheduler (a Kubernetes CronJob,
/// Spin's cron plugin) drive the private dispatcher. System admins only.
async fn tick(ctx: &ctx::Ctx, query: Option<&str>) -> Result<Resp, ApiError> {
    if ctx.role != edge_kit::auth::Role::SystemAdmin {
        return Err(ApiError::Forbidden(
            "only a system_admin may drive the dispatcher".into(),
        ));
    }
    // `aheadMs` (flush deliveries due within that many ms) is the one parameter passed on.
    let url = match query.and_then(|q| edge_kit::auth::query_param(q, "aheadMs")) {
        Some(ms) => format!(
            "http://dispatcher.spin.internal/tick?aheadMs={}",
            crate::credentials::form_encode(&ms)
        ),
        None => "http://dispatcher.spin.internal/tick".to_owned(),
    };
    let answer = edge_kit::outbound::send(http::Method::POST, &url, &[], None, 30_000)
        .await
        .map_err(|e| ApiError::BadGateway(format!("the dispatcher did not answer: {e}")))?;
    let body: serde_json::Value =
        serde_json::from_slice(&answer.body).unwrap_or(serde_json::Value::Null);
    let status = http::StatusCode::from_u16(answer.status).unwrap_or(http::StatusCode::BAD_GATEWAY);
    Ok(edge_kit::api::json_response(status, &body))
}
