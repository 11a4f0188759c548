//! The KPIs' daily series: per UTC day, what was sent (accepted by the platform), what failed
//! (attempts answered with an error: retried or dead-lettered) and what the edge filtered as
//! junk, from the same day counters as the summary.

use serde::Serialize;

use super::{FILTER_REASONS, MAX_DAYS, utc_day};
use crate::config::{ConfigId, TenantId};
use crate::kv::{KvError, KvStore};
use crate::schema::{self, StatsScope};

/// One day of the series.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DayPoint {
    /// `YYYY-MM-DD` (UTC).
    pub date: String,
    pub sent: u64,
    pub failed: u64,
    /// Tenant-wide: junk is filtered before any config is involved.
    pub filtered: u64,
}

/// The `days` UTC days ending with the day of `today_ms`, oldest first (1..=[`MAX_DAYS`],
/// clamped); every day is present, zeros included, so a chart's x axis is the calendar.
pub async fn daily<S: KvStore>(
    stats: &S,
    tenant: &TenantId,
    config: Option<&ConfigId>,
    days: u32,
    today_ms: i64,
) -> Result<Vec<DayPoint>, KvError> {
    let days = days.clamp(1, MAX_DAYS);
    let scope = config.map_or(StatsScope::Tenant, StatsScope::Config);
    let mut metrics: Vec<(StatsScope<'_>, String)> = ["ok", "fail", "dead"]
        .into_iter()
        .map(|m| (scope, m.to_owned()))
        .collect();
    metrics.extend(
        FILTER_REASONS
            .iter()
            .map(|r| (StatsScope::Tenant, format!("filtered/{r}"))),
    );
    let day_list: Vec<u32> = (0..days)
        .rev()
        .map(|i| utc_day(today_ms - i64::from(i) * 86_400_000))
        .collect();
    let keys: Vec<String> = day_list
        .iter()
        .flat_map(|day| {
            metrics
                .iter()
                .map(move |(sc, m)| schema::stats_key(tenant, *sc, *day, m))
        })
        .collect();
    let values = stats.get_counters(&keys).await?;
    let width = metrics.len();
    Ok(day_list
        .iter()
        .zip(values.chunks(width))
        .map(|(day, row)| {
            let v = |i: usize| u64::try_from(row.get(i).copied().unwrap_or(0)).unwrap_or(0);
            DayPoint {
                date: format!(
                    "{:04}-{:02}-{:02}",
                    day / 10_000,
                    day / 100 % 100,
                    day % 100
                ),
                sent: v(0),
                failed: v(1) + v(2),
                filtered: (3..width).map(v).sum(),
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kv::MemoryStore;
    use crate::schema::stats_key;
    use futures::executor::block_on;

    const DAY_MS: i64 = 86_400_000;
    /// 2026-11-30 12:00 UTC.
    const NOW: i64 = 1_796_040_000_000;

    #[test]
    fn every_day_of_the_window_oldest_first_with_zeros() {
        block_on(window());
    }

    async fn window() {
        let s = MemoryStore::default();
        let t = TenantId::parse("acme").unwrap();
        let k = |days_ago: i64, m: &str| {
            stats_key(&t, StatsScope::Tenant, utc_day(NOW - days_ago * DAY_MS), m)
        };
        s.increment(&k(0, "ok"), 5).await.unwrap();
        s.increment(&k(0, "fail"), 2).await.unwrap();
        s.increment(&k(0, "dead"), 1).await.unwrap();
        s.increment(&k(0, "filtered/crawler"), 3).await.unwrap();
        s.increment(&k(0, "filtered/too_fast"), 1).await.unwrap();
        s.increment(&k(6, "ok"), 7).await.unwrap();
        // Outside a 7-day window.
        s.increment(&k(7, "ok"), 100).await.unwrap();
        let week = daily(&s, &t, None, 7, NOW).await.unwrap();
        assert_eq!(week.len(), 7);
        assert_eq!(week[0].date, "2026-11-24");
        assert_eq!(week[6].date, "2026-11-30");
        assert_eq!(
            week[6],
            DayPoint {
                date: "2026-11-30".into(),
                sent: 5,
                failed: 3,
                filtered: 4
            }
        );
        assert_eq!(week[0].sent, 7);
        assert!(
            week[1..6]
                .iter()
                .all(|d| d.sent + d.failed + d.filtered == 0)
        );
        let month = daily(&s, &t, None, 30, NOW).await.unwrap();
        assert_eq!(month.len(), 30);
        assert_eq!(month.iter().map(|d| d.sent).sum::<u64>(), 112);
        assert_eq!(daily(&s, &t, None, 0, NOW).await.unwrap().len(), 1);
    }
}
