//! `GET /api/v1/marketing/tracking-stats?days=7[&configId=]`: the KPIs of the caller's tenant
//! (or of one of its configs) from the day counters the dispatcher keeps (the core's
//! `stats::summary`), plus the active configs, the core's match-quality estimate per platform
//! and event type, and Meta's own Event Match Quality (Dataset Quality API, cached an hour in
//! the `stats` store, fetched only when the token may read it), the daily series (sent, failed,
//! filtered per day, for the chart) and the match-quality hints (`match_hints`).

use std::collections::BTreeMap;

use edge_kit::api::{self, ApiError, Resp};
use edge_kit::auth::query_param;
use edge_kit::deliver::{self, Endpoints};
use edge_kit::kv::open_stores;
use edge_kit::outbound;
use http::{Method, StatusCode};
use pixel_core::config::TrackingConfig;
use pixel_core::kv::KvStore;
use pixel_core::schema::match_quality_metrics;
use pixel_core::schema::{self, StatsScope};
use pixel_core::stats::{self, MAX_DAYS};
use pixel_core::{Platform, StandardEvent};
use serde_json::{Value, json};

use crate::ctx::{Ctx, iso};
use crate::deliveries::own_config;

/// Meta's Event Match Quality is read at most this often per config.
const EMQ_TTL_MS: i64 = 3_600_000;

fn parse_days(query: Option<&str>) -> Result<u32, ApiError> {
    match query.and_then(|q| query_param(q, "days")) {
        None => Ok(7),
        Some(raw) => match raw.parse::<u32>() {
            Ok(n) if (1..=MAX_DAYS).contains(&n) => Ok(n),
            _ => Err(ApiError::field(
                "days",
                "out_of_range",
                format!("must be a whole number from 1 to {MAX_DAYS}, got {raw:?}"),
            )),
        },
    }
}

pub async fn get(ctx: &Ctx, query: Option<&str>) -> Result<Resp, ApiError> {
    let days = parse_days(query)?;
    let stores = open_stores().await?;
    let only = match query.and_then(|q| query_param(q, "configId")) {
        Some(id) => Some(own_config(&stores.configs, ctx, &id).await?),
        None => None,
    };
    let configs: Vec<TrackingConfig> = match &only {
        Some(c) => vec![c.clone()],
        None => edge_kit::pipeline::load_configs(&stores.configs, &ctx.tenant).await?,
    };
    let hosts: Vec<String> = match stores
        .configs
        .get(&schema::site_index_key(&ctx.tenant))
        .await?
    {
        Some(raw) => serde_json::from_slice(&raw).unwrap_or_default(),
        None => Vec::new(),
    };
    let summary = stats::summary(
        &stores.stats,
        &ctx.tenant,
        only.as_ref().map(|c| &c.id),
        days,
        ctx.now_ms,
        &hosts,
    )
    .await?;
    let match_quality = estimates(&stores.stats, ctx, only.as_ref(), &configs, days).await?;
    let mut meta_emq = Vec::new();
    for c in configs.iter().filter(|c| c.platform == Platform::Meta) {
        meta_emq.push(json!({
            "configId": c.id,
            "pixelId": c.pixel_id,
            "eventMatchQuality": meta_quality(&stores.stats, ctx, c).await,
        }));
    }
    let mut body = serde_json::to_value(&summary).map_err(ApiError::internal)?;
    body["configId"] = json!(only.as_ref().map(|c| &c.id));
    body["from"] = json!(iso(ctx.now_ms - i64::from(days - 1) * 86_400_000).get(..10));
    body["to"] = json!(iso(ctx.now_ms).get(..10));
    body["activeConfigs"] = json!(configs.iter().filter(|c| c.is_active).count());
    body["matchQuality"] = match_quality;
    body["daily"] = json!(
        stats::daily(
            &stores.stats,
            &ctx.tenant,
            only.as_ref().map(|c| &c.id),
            days,
            ctx.now_ms
        )
        .await?
    );
    let mut platforms: Vec<Platform> = configs.iter().map(|c| c.platform).collect();
    platforms.sort();
    platforms.dedup();
    let scope = only
        .as_ref()
        .map_or(StatsScope::Tenant, |c| StatsScope::Config(&c.id));
    body["matchHints"] = crate::match_hints::hints(
        &stores.stats,
        &ctx.tenant,
        scope,
        &platforms,
        days,
        ctx.now_ms,
    )
    .await?;
    body["metaEventMatchQuality"] = Value::Array(meta_emq);
    Ok(api::json_response(StatusCode::OK, &body))
}

/// The core's estimate (0-10) averaged per platform and event type over the window.
async fn estimates(
    store: &impl KvStore,
    ctx: &Ctx,
    only: Option<&TrackingConfig>,
    configs: &[TrackingConfig],
    days: u32,
) -> Result<Value, ApiError> {
    let scope = only.map_or(StatsScope::Tenant, |c| StatsScope::Config(&c.id));
    let mut platforms: Vec<Platform> = configs.iter().map(|c| c.platform).collect();
    platforms.sort();
    platforms.dedup();
    let mut metrics = Vec::new();
    for p in &platforms {
        for e in StandardEvent::ALL {
            let (sum, n) = match_quality_metrics(*p, e);
            metrics.push((*p, e, sum, n));
        }
    }
    let day_list: Vec<u32> = (0..days)
        .map(|i| stats::utc_day(ctx.now_ms - i64::from(i) * 86_400_000))
        .collect();
    let mut keys = Vec::new();
    for day in &day_list {
        for (_, _, sum, n) in &metrics {
            keys.push(schema::stats_key(&ctx.tenant, scope, *day, sum));
            keys.push(schema::stats_key(&ctx.tenant, scope, *day, n));
        }
    }
    let values = if keys.is_empty() {
        Vec::new()
    } else {
        store.get_counters(&keys).await?
    };
    let mut totals: BTreeMap<(Platform, StandardEvent), (i64, i64)> = BTreeMap::new();
    for (i, pair) in values.chunks(2).enumerate() {
        let (p, e, _, _) = &metrics[i % metrics.len()];
        let t = totals.entry((*p, *e)).or_default();
        t.0 += pair[0].max(0);
        t.1 += pair.get(1).copied().unwrap_or(0).max(0);
    }
    let mut out: BTreeMap<String, BTreeMap<String, Value>> = BTreeMap::new();
    for ((p, e), (sum, n)) in totals {
        if n > 0 {
            let score = (sum as f64 / n as f64 / 10.0 * 10.0).round() / 10.0;
            out.entry(p.to_string()).or_default().insert(
                e.spec_name().to_owned(),
                json!({ "score": score, "events": n }),
            );
        }
    }
    Ok(json!(out))
}

/// Meta's own score for a Meta config, from the cache or the Dataset Quality API; `null` when
/// the token may not read it or Meta could not be reached (never an error for the KPIs).
async fn meta_quality(store: &impl KvStore, ctx: &Ctx, config: &TrackingConfig) -> Value {
    let key = schema::meta_quality_cache_key(&config.id);
    if let Ok(Some(raw)) = store.get(&key).await
        && let Ok(cached) = serde_json::from_slice::<Value>(&raw)
        && cached["fetchedAt"]
            .as_i64()
            .is_some_and(|t| ctx.now_ms - t < EMQ_TTL_MS)
    {
        return cached["data"].clone();
    }
    let data = fetch_meta_quality(config).await.unwrap_or(Value::Null);
    let entry = json!({ "fetchedAt": ctx.now_ms, "data": data });
    let _ = store.set(&key, entry.to_string().as_bytes()).await;
    data
}

async fn fetch_meta_quality(config: &TrackingConfig) -> Option<Value> {
    let ep = Endpoints::load().await.ok()?;
    let keyring = deliver::keyring().await.ok()?;
    let context = pixel_core::crypto::config_context(config.tenant_id.as_str(), config.id.as_str());
    let token = keyring
        .decrypt_for(&config.encrypted_token, &context)
        .ok()?;
    let url = format!(
        "{}/{}/dataset_quality?dataset_id={}&fields=web%7Bevent_match_quality%2Cevent_name%7D&access_token={}",
        ep.meta_url,
        ep.meta_version,
        config.pixel_id.as_str(),
        crate::credentials::form_encode(&token)
    );
    let a = outbound::send(Method::GET, &url, &[], None, deliver::SEND_TIMEOUT_MS)
        .await
        .ok()?;
    if !(200..300).contains(&a.status) {
        return None;
    }
    let body: Value = serde_json::from_slice(&a.body).ok()?;
    let per_event: BTreeMap<String, Value> = body["web"]
        .as_array()?
        .iter()
        .filter_map(|row| {
            let name = row["event_name"].as_str()?.to_owned();
            let score = row["event_match_quality"]["composite_score"].clone();
            Some((name, score))
        })
        .collect();
    Some(json!(per_event))
}
