//! `GET /api/v1/marketing/alerts`: the caller's open alerts as stored by the dispatcher's alert
//! evaluation (`pixel_core::alerts`): each was raised once, on a change of state, and leaves
//! this list by itself when its cause is gone (the change is announced by webhook).

use edge_kit::api::{self, ApiError, Resp};
use edge_kit::kv::open_stores;
use http::StatusCode;
use pixel_core::alerts::check;
use serde_json::json;

use crate::ctx::Ctx;

pub async fn list(ctx: &Ctx) -> Result<Resp, ApiError> {
    let stores = open_stores().await?;
    let open = check::open_alerts(&stores.logs, &ctx.tenant).await?;
    Ok(api::json_response(
        StatusCode::OK,
        &json!({ "alerts": open }),
    ))
}
