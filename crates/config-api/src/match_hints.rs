//! The match-quality hints of the KPIs: per platform, the missing keys that would raise the
//! score most, from the day counters the dispatcher keeps (`schema::match_quality_missing_metric`),
//! ranked by `match_quality::hint_value`. The dashboard words each key in Spanish.

use edge_kit::api::ApiError;
use pixel_core::Platform;
use pixel_core::kv::KvStore;
use pixel_core::match_quality::{hint_value, weights};
use pixel_core::schema::{self, StatsScope, match_quality_missing_metric};
use pixel_core::stats;
use serde_json::{Value, json};

/// At most this many hints per platform: the panel is a nudge, not a report.
const MAX_HINTS: usize = 3;

/// `{"Meta": [{"key": "phone", "missingShare": 0.8, "weight": 20, "events": 10}], ...}` for
/// each of `platforms` that delivered something in the window.
pub async fn hints(
    store: &impl KvStore,
    tenant: &pixel_core::config::TenantId,
    scope: StatsScope<'_>,
    platforms: &[Platform],
    days: u32,
    now_ms: i64,
) -> Result<Value, ApiError> {
    let day_list: Vec<u32> = (0..days)
        .map(|i| stats::utc_day(now_ms - i64::from(i) * 86_400_000))
        .collect();
    let mut metrics: Vec<(Platform, Option<&'static str>)> = Vec::new();
    for p in platforms {
        metrics.push((*p, None));
        metrics.extend(weights(*p).iter().map(|(k, _)| (*p, Some(*k))));
    }
    if metrics.is_empty() {
        return Ok(json!({}));
    }
    let keys: Vec<String> = day_list
        .iter()
        .flat_map(|day| {
            metrics.iter().map(move |(p, k)| {
                schema::stats_key(tenant, scope, *day, &match_quality_missing_metric(*p, *k))
            })
        })
        .collect();
    let values = store.get_counters(&keys).await?;
    let mut totals = vec![0u64; metrics.len()];
    for (i, v) in values.into_iter().enumerate() {
        totals[i % metrics.len()] += u64::try_from(v).unwrap_or(0);
    }
    let mut out = serde_json::Map::new();
    let mut i = 0;
    for p in platforms {
        let events = totals[i];
        let mut ranked: Vec<(u64, Value)> = weights(*p)
            .iter()
            .enumerate()
            .map(|(j, (key, weight))| {
                let missing = totals[i + 1 + j].min(events);
                let value = hint_value(*weight, missing, events);
                let share = if events == 0 {
                    0.0
                } else {
                    (missing as f64 / events as f64 * 100.0).round() / 100.0
                };
                (
                    value,
                    json!({ "key": key, "missingShare": share, "weight": weight, "events": events }),
                )
            })
            .filter(|(v, _)| *v > 0)
            .collect();
        // Stable: equal values keep the weights' order (most valuable key first).
        ranked.sort_by_key(|(v, _)| std::cmp::Reverse(*v));
        if events > 0 {
            out.insert(
                p.to_string(),
                Value::Array(ranked.into_iter().take(MAX_HINTS).map(|(_, h)| h).collect()),
            );
        }
        i += 1 + weights(*p).len();
    }
    Ok(Value::Object(out))
}
