//! `GET /api/v1/marketing/alerts`: the caller's open alerts (`pixel_core::alerts`), read from
//! the configs' state and today's counters, so each clears by itself when its cause does.

use edge_kit::api::{self, ApiError, Resp};
use edge_kit::kv::open_stores;
use http::StatusCode;
use pixel_core::kv::KvStore;
use pixel_core::schema::{self, StatsScope};
use pixel_core::{alerts, stats};
use serde_json::json;

use crate::ctx::Ctx;

pub async fn list(ctx: &Ctx) -> Result<Resp, ApiError> {
    let stores = open_stores().await?;
    let configs = edge_kit::pipeline::load_configs(&stores.configs, &ctx.tenant).await?;
    let day = stats::utc_day(ctx.now_ms);
    let keys: Vec<String> = configs
        .iter()
        .map(|c| schema::stats_key(&ctx.tenant, StatsScope::Config(&c.id), day, "dead"))
        .collect();
    let dead = if keys.is_empty() {
        Vec::new()
    } else {
        stores.stats.get_counters(&keys).await?
    };
    let open: Vec<alerts::Alert> = configs
        .iter()
        .zip(dead)
        .flat_map(|(c, d)| alerts::of_config(c, u64::try_from(d).unwrap_or(0)))
        .collect();
    Ok(api::json_response(
        StatusCode::OK,
        &json!({ "alerts": open }),
    ))
}
