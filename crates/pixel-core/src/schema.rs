//! Every key of the four key-value stores, in one place.
//!
//! One Spin label per kind of data, so that the only full scan the product makes (`keys()` on
//! `queue`, to find due work) never walks another kind's keys:
//!
//! | store | keys | why |
//! |---|---|---|
//! | `configs` | `cfg/{tenant}/{config}` config JSON | tenant in the key: a lookup with another tenant's id misses (404) |
//! | | `cfgidx/{tenant}` JSON array of config ids | list a tenant's configs without a scan; updated with CAS |
//! | | `cfguniq/{tenant}/{platform}/{pixel}` config id | uniqueness claim: CAS on absent, so concurrent creates leave one |
//! | | `site/{host}` site JSON | the edge maps a request's host to a tenant in one get |
//! | | `siteidx/{tenant}` JSON array of hosts | list a tenant's sites; CAS |
//! | | `goauth/{nonce}` `open {exp_ms}` | a Conectar con Google state not yet used: claimed by CAS, then deleted; swept once expired |
//! | | `gconn/{tenant}/{id}` pending connection JSON | a consented Google account waiting for its config; swept once expired |
//! | `queue` | `d/{config}/{due_ms:013}/{eid}` delivery | the due set: the key alone says whose and when, so claiming reads keys, not values |
//! | | `e/{eid}` event body | stored once, shared by the deliveries of every config |
//! | | `lease/{config}` lease JSON | one lease per config: a dispatcher owns a config's due batch |
//! | | `hold/{config}` marker | credentials invalid: deliveries kept but not claimed |
//! | | `wake` time | rate limit for "wake the dispatcher", CAS |
//! | | `rs/{config}/{due_ms:013}/{rid}` pending Google request | polled for its outcome when due, found with the due set |
//! | `logs` | `rsc/{rid}/{round}` counter | one poller per round of a Google request |
//! | `stats` | `gq/{minute}`, `gq/{minute}/{tenant}` counters | the shared Data Manager budget (`quota`) |
//! | `logs` | `log/{config}/{slot}` entry JSON, `logseq/{config}` counter | a ring of 1,000 slots per config |
//! | | `dead/{config}/{eid}`, `deadidx/{config}` | dead letters with their event, and their list (CAS) |
//! | | `dedup/{tenant}/{hash}` expiry ms | 48 h idempotency claims: they outlive the backlog, so not in `queue` |
//! | `stats` | `st/{tenant}/{scope}/{day}/{metric}` counter | only ever `increment`ed |
//! | | `sth/{tenant}/c/{config}/{hour}/{ok,bad}`, `sth/{tenant}/s/{host}/{hour}/ev` counters | hourly, for the alerts |
//! | `queue` | `alertdue`, `alertrun` times | when alert work is next due; the last evaluation (CAS) |
//! | | `wh/{event}` webhook JSON | an alert webhook to send, with its attempt and due time |
//! | `logs` | `alerts/{tenant}` JSON | the tenant's alert state (open, history, outbox), CAS |
//!
//! `eid` is 32 hex digits of SHA-256 over tenant and event id: fixed length whatever the
//! caller's event id, and no `/` in it. Every key goes through [`fit`], which keeps it within
//! [`MAX_KEY_LEN`] bytes (longer keys become a prefix plus a hash of the whole key).

use sha2::{Digest, Sha256};

use crate::config::{ConfigId, TenantId};
use crate::{Platform, StandardEvent};

/// The store labels, as in `spin.toml`'s `key_value_stores`.
pub const CONFIGS_STORE: &str = "configs";
pub const QUEUE_STORE: &str = "queue";
pub const LOGS_STORE: &str = "logs";
pub const STATS_STORE: &str = "stats";

/// The portable key length limit (DynamoDB/Cosmos-safe).
pub const MAX_KEY_LEN: usize = 255;

/// `key` if it fits in [`MAX_KEY_LEN`] bytes; else its first 180 bytes, `~`, and the SHA-256
/// hex of the whole key (245 bytes at most, and still unique).
pub fn fit(key: String) -> String {
    if key.len() <= MAX_KEY_LEN {
        return key;
    }
    let mut cut = 180;
    while !key.is_char_boundary(cut) {
        cut -= 1;
    }
    format!(
        "{}~{}",
        &key[..cut],
        hex::encode(Sha256::digest(key.as_bytes()))
    )
}

// ---- configs store ----

pub fn config_key(tenant: &TenantId, id: &ConfigId) -> String {
    fit(format!("cfg/{tenant}/{id}"))
}

pub fn config_index_key(tenant: &TenantId) -> String {
    fit(format!("cfgidx/{tenant}"))
}

pub fn config_unique_key(tenant: &TenantId, platform: Platform, pixel: &str) -> String {
    fit(format!("cfguniq/{tenant}/{platform}/{pixel}"))
}

/// `host` should be a lowercase hostname (no `/`).
pub fn site_key(host: &str) -> String {
    fit(format!("site/{host}"))
}

pub fn site_index_key(tenant: &TenantId) -> String {
    fit(format!("siteidx/{tenant}"))
}

/// A Google config's cached OAuth access token (encrypted, with its expiry).
pub fn google_access_token_key(config: &ConfigId) -> String {
    fit(format!("gat/{config}"))
}

/// A Conectar con Google `state`'s single-use claim (`google_connect::StateClaims::nonce`).
pub fn google_oauth_state_key(nonce: &str) -> String {
    fit(format!("goauth/{nonce}"))
}

/// A pending Google connection: tenant in the key, so another tenant's id misses.
pub fn google_connection_key(
    tenant: &TenantId,
    id: &crate::google_connect::ConnectionId,
) -> String {
    fit(format!("gconn/{tenant}/{id}"))
}

// ---- queue store ----

/// The queue's id of an event: 32 hex digits of SHA-256 over tenant and event id.
pub fn event_ref(tenant: &TenantId, event_id: &str) -> String {
    let mut h = Sha256::new();
    h.update(tenant.as_str().as_bytes());
    h.update([0]);
    h.update(event_id.as_bytes());
    hex::encode(&h.finalize()[..16])
}

pub fn event_key(eid: &str) -> String {
    fit(format!("e/{eid}"))
}

/// A delivery of event `eid` to `config`, due at `due_ms` (zero-padded so keys sort by time).
pub fn delivery_key(config: &ConfigId, due_ms: i64, eid: &str) -> String {
    fit(format!("d/{config}/{:013}/{eid}", due_ms.max(0)))
}

pub fn lease_key(config: &ConfigId) -> String {
    fit(format!("lease/{config}"))
}

pub fn hold_key(config: &ConfigId) -> String {
    fit(format!("hold/{config}"))
}

pub const WAKE_KEY: &str = "wake";

/// The dispatcher worker's lease (see `queue::worker`).
pub const WORKER_KEY: &str = "worker";

/// When expired dedup claims were last swept (Unix ms): at most one sweep per interval.
pub const SWEEP_KEY: &str = "sweep";

/// When the alert work is next due (Unix ms, text): the next evaluation or the earliest
/// webhook retry, whichever comes first. `queue::next_due_time` reads it (one `get`), so the
/// dispatcher's worker treats a due alert check like a due delivery (`crate::alerts`).
pub const ALERT_DUE_KEY: &str = "alertdue";

/// When alerts were last evaluated (Unix ms): at most one evaluation a minute, by CAS.
pub const ALERT_RUN_KEY: &str = "alertrun";

/// `wh/{event}` in `queue`: an alert webhook not yet acknowledged (`crate::alerts::webhook`).
pub fn webhook_key(event_id: &str) -> String {
    fit(format!("wh/{event_id}"))
}

/// A key of the queue store, parsed; anything else (corrupt or foreign) is `Other` and skipped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueueKey {
    Delivery {
        config: ConfigId,
        due_ms: i64,
        eid: String,
    },
    Event {
        eid: String,
    },
    Lease {
        config: ConfigId,
    },
    Hold {
        config: ConfigId,
    },
    /// A Google Data Manager request whose outcome is due to be polled (`crate::polls`).
    Poll {
        config: ConfigId,
        due_ms: i64,
    },
    Other,
}

fn is_eid(s: &str) -> bool {
    s.len() == 32 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

pub fn parse_queue_key(key: &str) -> QueueKey {
    let parts: Vec<&str> = key.split('/').collect();
    let config = |s: &str| ConfigId::parse(s).ok();
    match parts.as_slice() {
        ["d", c, due, eid] if is_eid(eid) && due.len() == 13 => {
            match (config(c), due.parse::<i64>()) {
                (Some(config), Ok(due_ms)) => QueueKey::Delivery {
                    config,
                    due_ms,
                    eid: (*eid).to_owned(),
                },
                _ => QueueKey::Other,
            }
        }
        ["e", eid] if is_eid(eid) => QueueKey::Event {
            eid: (*eid).to_owned(),
        },
        ["lease", c] => config(c).map_or(QueueKey::Other, |config| QueueKey::Lease { config }),
        ["hold", c] => config(c).map_or(QueueKey::Other, |config| QueueKey::Hold { config }),
        ["rs", c, due, rid] if is_eid(rid) && due.len() == 13 => {
            match (config(c), due.parse::<i64>()) {
                (Some(config), Ok(due_ms)) => QueueKey::Poll { config, due_ms },
                _ => QueueKey::Other,
            }
        }
        _ => QueueKey::Other,
    }
}

// ---- logs store ----

pub fn log_slot_key(config: &ConfigId, slot: u64) -> String {
    fit(format!("log/{config}/{slot}"))
}

pub fn log_seq_key(config: &ConfigId) -> String {
    fit(format!("logseq/{config}"))
}

pub fn dead_letter_key(config: &ConfigId, eid: &str) -> String {
    fit(format!("dead/{config}/{eid}"))
}

pub fn dead_index_key(config: &ConfigId) -> String {
    fit(format!("deadidx/{config}"))
}

pub fn dedup_key(tenant: &TenantId, event_id: &str) -> String {
    fit(format!("dedup/{tenant}/{}", event_ref(tenant, event_id)))
}

/// `alerts/{tenant}` in `logs`: the tenant's stored alert state (open alerts, recent history,
/// webhook events not yet handed to the queue), replaced by compare-and-swap.
pub fn alerts_key(tenant: &TenantId) -> String {
    fit(format!("alerts/{tenant}"))
}

// ---- stats store ----

/// An hourly counter of one config (`hour` in Unix hours): `ok` / `bad` delivery attempts,
/// what the success-rate alert reads.
pub fn config_hour_key(tenant: &TenantId, config: &ConfigId, hour: i64, metric: &str) -> String {
    fit(format!("sth/{tenant}/c/{config}/{hour}/{metric}"))
}

/// Events the edge queued for site `host` in Unix hour `hour`: what the silent-site alert reads.
pub fn site_hour_key(tenant: &TenantId, host: &str, hour: i64) -> String {
    fit(format!("sth/{tenant}/s/{host}/{hour}/ev"))
}

/// Whose counters: the whole tenant, or one config of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatsScope<'a> {
    Tenant,
    Config(&'a ConfigId),
}

/// Meta's own Event Match Quality for a config, cached for an hour (the KPIs read it).
pub fn meta_quality_cache_key(config: &ConfigId) -> String {
    fit(format!("emq/{config}"))
}

/// The two counters of the match-quality estimate of delivered events of one platform and
/// event type (sum of tenths, count), as [`stats_key`] metrics: written by the dispatcher,
/// averaged by the KPIs.
pub fn match_quality_metrics(platform: Platform, event: StandardEvent) -> (String, String) {
    let base = format!("mq/{platform}/{}", event.spec_name());
    (format!("{base}/sum"), format!("{base}/n"))
}

/// The day counters behind the match-quality hints: delivered events of `platform`, and those
/// of them lacking `key` (a name of `match_quality::WEIGHTS`).
pub fn match_quality_missing_metric(platform: Platform, key: Option<&str>) -> String {
    match key {
        Some(k) => format!("mqm/{platform}/miss/{k}"),
        None => format!("mqm/{platform}/n"),
    }
}

/// A counter; `day` is `YYYYMMDD` (UTC), `metric` a short name such as `sent` or `ev/PURCHASE`.
pub fn stats_key(tenant: &TenantId, scope: StatsScope<'_>, day: u32, metric: &str) -> String {
    match scope {
        StatsScope::Tenant => fit(format!("st/{tenant}/all/{day}/{metric}")),
        StatsScope::Config(c) => fit(format!("st/{tenant}/c/{c}/{day}/{metric}")),
    }
}

/// 32 hex digits naming a Google `requestId` in keys (its own alphabet is Google's).
fn request_ref(request_id: &str) -> String {
    hex::encode(&Sha256::digest(request_id.as_bytes())[..16])
}

/// `rs/{config}/{due_ms:013}/{rid}` in `queue`: a Data Manager request to poll at `due_ms`.
pub fn poll_key(config: &ConfigId, due_ms: i64, request_id: &str) -> String {
    format!(
        "rs/{}/{:013}/{}",
        config.as_str(),
        due_ms.max(0),
        request_ref(request_id)
    )
}

/// `rsc/{rid}/{round}` in `logs`: the claim counter of one poll round.
pub fn poll_claim_key(request_id: &str, round: u32) -> String {
    format!("rsc/{}/{round}", request_ref(request_id))
}

// ---- stats store: the shared Data Manager budget (`crate::quota`) ----

/// `gq/{minute}`: requests taken in that minute (Unix minutes), all tenants together.
pub fn quota_key(minute: i64) -> String {
    format!("gq/{minute}")
}

/// `gq/{minute}/{tenant}`: requests one tenant took in that minute.
pub fn quota_tenant_key(minute: i64, tenant: &TenantId) -> String {
    fit(format!("gq/{minute}/{}", tenant.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t() -> TenantId {
        TenantId::parse(&"t".repeat(64)).unwrap()
    }
    fn c() -> ConfigId {
        ConfigId::parse(&"c".repeat(64)).unwrap()
    }

    #[test]
    fn every_key_fits_even_with_the_longest_parts() {
        let long_host = format!("{}.example.com", "a".repeat(240));
        let long_event = "é".repeat(300);
        let eid = event_ref(&t(), &long_event);
        let keys = [
            config_key(&t(), &c()),
            config_index_key(&t()),
            config_unique_key(&t(), Platform::TikTok, &"P".repeat(200)),
            site_key(&long_host),
            site_index_key(&t()),
            google_access_token_key(&c()),
            meta_quality_cache_key(&c()),
            event_key(&eid),
            delivery_key(&c(), i64::MAX, &eid),
            lease_key(&c()),
            hold_key(&c()),
            log_slot_key(&c(), u64::MAX),
            log_seq_key(&c()),
            dead_letter_key(&c(), &eid),
            dead_index_key(&c()),
            dedup_key(&t(), &long_event),
            stats_key(&t(), StatsScope::Config(&c()), 20261127, &"m".repeat(300)),
        ];
        for k in &keys {
            assert!(k.len() <= MAX_KEY_LEN, "{} bytes: {k}", k.len());
        }
        // Two long keys that share the kept prefix stay distinct.
        assert_ne!(
            site_key(&format!("{long_host}1")),
            site_key(&format!("{long_host}2"))
        );
    }

    #[test]
    fn queue_keys_parse_back() {
        let cfg = ConfigId::parse("abc").unwrap();
        let eid = event_ref(&TenantId::parse("t").unwrap(), "ev-1");
        assert_eq!(eid.len(), 32);
        assert_eq!(
            parse_queue_key(&delivery_key(&cfg, 1_700_000_000_123, &eid)),
            QueueKey::Delivery {
                config: cfg.clone(),
                due_ms: 1_700_000_000_123,
                eid: eid.clone()
            }
        );
        assert_eq!(parse_queue_key(&event_key(&eid)), QueueKey::Event { eid });
        assert_eq!(
            parse_queue_key(&lease_key(&cfg)),
            QueueKey::Lease {
                config: cfg.clone()
            }
        );
        assert_eq!(
            parse_queue_key(&hold_key(&cfg)),
            QueueKey::Hold { config: cfg }
        );
        for junk in [
            "",
            "d/abc/12/xyz",
            "e/short",
            "lease/a/b",
            "wake",
            "d/a b/0000000000000/x",
        ] {
            assert_eq!(parse_queue_key(junk), QueueKey::Other, "{junk}");
        }
    }

    #[test]
    fn delivery_keys_sort_by_due_time() {
        let cfg = ConfigId::parse("c").unwrap();
        let eid = "0".repeat(32);
        assert!(delivery_key(&cfg, 999, &eid) < delivery_key(&cfg, 1000, &eid));
    }

    #[test]
    fn event_refs_separate_tenants() {
        let a = TenantId::parse("a").unwrap();
        let b = TenantId::parse("b").unwrap();
        assert_ne!(event_ref(&a, "1"), event_ref(&b, "1"));
        assert_eq!(event_ref(&a, "1"), event_ref(&a, "1"));
    }
}
