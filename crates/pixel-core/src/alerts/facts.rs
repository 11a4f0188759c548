//! What the alert evaluation looks at, read for one tenant: its config and site indexes (one
//! `get_many`), its configs (one `get_many`), and its counters: six per config, seven per site,
//! 24 more per silent site (`get_counters`: one round trip on Redis, one `increment(k, 0)` per
//! counter on Spin's stores).

use crate::config::{ConfigId, TenantId, TrackingConfig};
use crate::kv::{KvError, KvStore, Stores};
use crate::schema::{self, StatsScope};
use crate::stats::{unix_hour, utc_day};

/// One config and its counters.
#[derive(Debug, Clone)]
pub struct ConfigFacts {
    pub config: TrackingConfig,
    /// Delivery attempts accepted / not accepted over the last hour (see [`super`]).
    pub hour_ok: u64,
    pub hour_bad: u64,
    /// Deliveries dead-lettered today (UTC).
    pub dead_today: u64,
    /// Events Google's request status reported as failed today.
    pub google_failed_today: u64,
}

/// One site's traffic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteFacts {
    pub host: String,
    /// Events queued in the current hour and the six before (so at least 6 h).
    pub events_last_6h: u64,
    /// Events queued in the 24 hours before those.
    pub events_before: u64,
}

#[derive(Debug, Clone, Default)]
pub struct Facts {
    pub configs: Vec<ConfigFacts>,
    pub sites: Vec<SiteFacts>,
}

/// Hourly buckets of the silent window (the current one included) and of the traffic before.
const SILENT_HOURS: i64 = 7;
const BEFORE_HOURS: i64 = 24;

fn list(raw: Option<Vec<u8>>) -> Vec<String> {
    raw.and_then(|r| serde_json::from_slice::<Vec<String>>(&r).ok())
        .unwrap_or_default()
}

/// Counters as non-negative numbers (a corrupt negative one reads 0); nothing to read, no call.
async fn read<S: KvStore>(stats: &S, keys: &[String]) -> Result<Vec<u64>, KvError> {
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    Ok(stats
        .get_counters(keys)
        .await?
        .into_iter()
        .map(|v| u64::try_from(v).unwrap_or(0))
        .collect())
}

/// The facts of `tenant` at `now_ms`.
pub async fn gather<S: KvStore>(
    stores: &Stores<S>,
    tenant: &TenantId,
    now_ms: i64,
) -> Result<Facts, KvError> {
    let index = stores
        .configs
        .get_many(&[
            schema::config_index_key(tenant),
            schema::site_index_key(tenant),
        ])
        .await?;
    let mut index = index.into_iter();
    let ids = list(index.next().flatten());
    let hosts = list(index.next().flatten());
    let keys: Vec<String> = ids
        .iter()
        .filter_map(|i| ConfigId::parse(i).ok())
        .map(|id| schema::config_key(tenant, &id))
        .collect();
    let configs: Vec<TrackingConfig> = if keys.is_empty() {
        Vec::new()
    } else {
        stores
            .configs
            .get_many(&keys)
            .await?
            .into_iter()
            .flatten()
            .filter_map(|raw| serde_json::from_slice(&raw).ok())
            .collect()
    };
    let hour = unix_hour(now_ms);
    let day = utc_day(now_ms);
    let mut counters: Vec<String> = Vec::new();
    for c in &configs {
        for h in [hour, hour - 1] {
            counters.push(schema::config_hour_key(tenant, &c.id, h, "ok"));
            counters.push(schema::config_hour_key(tenant, &c.id, h, "bad"));
        }
        counters.push(schema::stats_key(
            tenant,
            StatsScope::Config(&c.id),
            day,
            "dead",
        ));
        counters.push(schema::stats_key(
            tenant,
            StatsScope::Config(&c.id),
            day,
            "gdm_fail",
        ));
    }
    for host in &hosts {
        for i in 0..SILENT_HOURS {
            counters.push(schema::site_hour_key(tenant, host, hour - i));
        }
    }
    let values = read(&stores.stats, &counters).await?;
    let mut values = values.into_iter();
    let mut next = || values.next().unwrap_or(0);
    // The previous hour counts for the part of it still within the last 60 minutes.
    let into_hour = now_ms.rem_euclid(3_600_000) as u64;
    let weigh = |prev: u64| prev * (3_600_000 - into_hour) / 3_600_000;
    let mut facts = Facts::default();
    for config in configs {
        let (ok, bad, prev_ok, prev_bad) = (next(), next(), next(), next());
        let (dead_today, google_failed_today) = (next(), next());
        facts.configs.push(ConfigFacts {
            config,
            hour_ok: ok + weigh(prev_ok),
            hour_bad: bad + weigh(prev_bad),
            dead_today,
            google_failed_today,
        });
    }
    for host in hosts {
        let recent: u64 = (0..SILENT_HOURS).map(|_| next()).sum();
        facts.sites.push(SiteFacts {
            host,
            events_last_6h: recent,
            events_before: 0,
        });
    }
    // Only a silent site needs the day before its silence (a live one costs 7 reads, not 31).
    let silent: Vec<usize> = (0..facts.sites.len())
        .filter(|i| facts.sites[*i].events_last_6h == 0)
        .collect();
    let before: Vec<String> = silent
        .iter()
        .flat_map(|i| {
            let host = &facts.sites[*i].host;
            (SILENT_HOURS..SILENT_HOURS + BEFORE_HOURS)
                .map(move |h| schema::site_hour_key(tenant, host, hour - h))
        })
        .collect();
    let values = read(&stores.stats, &before).await?;
    let per_site = BEFORE_HOURS as usize;
    for (n, i) in silent.iter().enumerate() {
        facts.sites[*i].events_before = values
            .get(n * per_site..(n + 1) * per_site)
            .map_or(0, |v| v.iter().sum());
    }
    Ok(facts)
}
