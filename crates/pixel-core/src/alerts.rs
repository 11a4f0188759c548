//! Alerts: what is wrong with a tenant's tracking, kept as **stored state** so that each alert
//! is raised once on a change of state, clears by itself when its cause is gone, and each raise
//! and clear is recorded (`since`, `clearedAt`) and announced once by a signed webhook.
//!
//! Kinds (per config unless said):
//! - `credentials_refused`: the platform refused the token; deliveries are held until a PATCH
//!   with a token that works (the dispatcher sets the config's health).
//! - `success_rate_low`: over the last hour (the current hour's counters plus the previous
//!   hour's, weighted by the part of it still inside the hour), at least [`MIN_RATE_EVENTS`]
//!   delivery attempts and less than 90% of them accepted.
//! - `dead_letters_today`: the dead-letter list grew today (UTC); clears with the day.
//! - `google_request_failures`: Google's asynchronous request status reported failed events
//!   (FAILED or PARTIAL_SUCCESS) today.
//! - `site_silent` (per site): a site whose pages produced events in the 24 h before produced
//!   none for [`SILENT_MS`]; once open it stays open until the site's next event.
//!
//! Not built: Meta's dataset quality as a kind (it is shown in the KPIs; polling it per config
//! from the worker is one more Graph call per minute and config).
//!
//! Pieces: [`facts`] turns a tenant's configs, sites and counters into [`Facts`]; [`evaluate`]
//! (pure) compares them with the stored [`AlertState`] and says what changed; [`check`] runs
//! it over the stores (compare-and-swap per tenant); [`webhook`] queues, signs and retries the
//! webhook of each change. The dispatcher's worker drives it (`dispatcher::alerting`).

pub mod check;
pub mod facts;
pub mod webhook;

use serde::{Deserialize, Serialize};

use crate::Platform;
use crate::config::{HealthStatus, TrackingConfig};

pub use facts::{ConfigFacts, Facts, SiteFacts};

/// Attempts the last hour must hold before its success rate may raise an alert.
pub const MIN_RATE_EVENTS: u64 = 20;
/// Below this share of accepted attempts, the success rate is low.
pub const MIN_SUCCESS_RATE: f64 = 0.9;
/// A site with traffic in the previous 24 h that produced no event for this long is silent.
pub const SILENT_MS: i64 = 6 * 3_600_000;
/// How far back a silent site must have had traffic.
pub const TRAFFIC_WINDOW_MS: i64 = 24 * 3_600_000;
/// Cleared alerts kept in a tenant's history.
pub const HISTORY: usize = 50;

/// One alert, open or (in the history) cleared.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Alert {
    /// Stable per cause (`{kind}:{configId}` or `site_silent:{host}`), so a client can tell a
    /// new alert from a known one.
    pub id: String,
    pub kind: AlertKind,
    /// The config concerned (absent for a site's alert).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<Platform>,
    /// The site concerned (`site_silent`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// Unix ms when the alert was raised.
    pub since: Option<i64>,
    /// How many events the cause concerns, when it counts events (updated while open).
    pub count: Option<u64>,
    /// Unix ms when it cleared (only in the history and in `alert.cleared` webhooks).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cleared_at: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    CredentialsRefused,
    SuccessRateLow,
    DeadLettersToday,
    GoogleRequestFailures,
    SiteSilent,
}

impl AlertKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AlertKind::CredentialsRefused => "credentials_refused",
            AlertKind::SuccessRateLow => "success_rate_low",
            AlertKind::DeadLettersToday => "dead_letters_today",
            AlertKind::GoogleRequestFailures => "google_request_failures",
            AlertKind::SiteSilent => "site_silent",
        }
    }
}

/// A raise or a clear, as the webhook announces it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Change {
    #[serde(rename = "alert.raised")]
    Raised,
    #[serde(rename = "alert.cleared")]
    Cleared,
}

impl Change {
    pub fn as_str(self) -> &'static str {
        match self {
            Change::Raised => "alert.raised",
            Change::Cleared => "alert.cleared",
        }
    }
}

/// A tenant's stored alert state (`schema::alerts_key`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AlertState {
    /// Open alerts, in the order raised.
    #[serde(default)]
    pub open: Vec<Alert>,
    /// The latest cleared alerts, newest last (at most [`HISTORY`]).
    #[serde(default)]
    pub history: Vec<Alert>,
    /// Webhook events of changes already decided but not yet handed to the queue: written in
    /// the same compare-and-swap as the change, so none is lost between the two writes.
    #[serde(default)]
    pub outbox: Vec<webhook::WebhookEvent>,
}

/// A config alert's cause as seen now, `None` when absent.
fn config_causes(c: &ConfigFacts) -> Vec<(AlertKind, Option<u64>)> {
    let config = &c.config;
    if !config.is_active {
        // A paused config raises nothing: its owner turned it off.
        return Vec::new();
    }
    let mut out = Vec::new();
    if config.health.status == HealthStatus::CredentialsInvalid {
        out.push((AlertKind::CredentialsRefused, None));
    }
    let total = c.hour_ok + c.hour_bad;
    if total >= MIN_RATE_EVENTS && (c.hour_ok as f64) < MIN_SUCCESS_RATE * total as f64 {
        out.push((AlertKind::SuccessRateLow, Some(c.hour_bad)));
    }
    if c.dead_today > 0 {
        out.push((AlertKind::DeadLettersToday, Some(c.dead_today)));
    }
    if c.google_failed_today > 0 {
        out.push((
            AlertKind::GoogleRequestFailures,
            Some(c.google_failed_today),
        ));
    }
    out
}

/// The id of a config's alert of `kind`.
pub fn config_alert_id(kind: AlertKind, config: &TrackingConfig) -> String {
    format!("{}:{}", kind.as_str(), config.id)
}

/// The id of a site's silent alert.
pub fn site_alert_id(host: &str) -> String {
    format!("{}:{host}", AlertKind::SiteSilent.as_str())
}

/// Compare `facts` (seen at `now_ms`) with the stored `state`: the new state and the changes,
/// raises first. An alert already open is neither raised again nor re-announced (its `count`
/// follows the cause); one whose cause is gone moves to the history with `clearedAt`.
pub fn evaluate(
    state: &AlertState,
    facts: &Facts,
    now_ms: i64,
) -> (AlertState, Vec<(Change, Alert)>) {
    let is_open = |id: &str| state.open.iter().any(|a| a.id == id);
    let mut wanted: Vec<Alert> = Vec::new();
    for c in &facts.configs {
        for (kind, count) in config_causes(c) {
            wanted.push(Alert {
                id: config_alert_id(kind, &c.config),
                kind,
                config_id: Some(c.config.id.to_string()),
                platform: Some(c.config.platform),
                host: None,
                since: Some(now_ms),
                count,
                cleared_at: None,
            });
        }
    }
    for s in &facts.sites {
        let id = site_alert_id(&s.host);
        let silent = s.events_last_6h == 0;
        // Raised when the silence follows traffic; kept while it lasts, however long.
        if silent && (s.events_before > 0 || is_open(&id)) {
            wanted.push(Alert {
                id,
                kind: AlertKind::SiteSilent,
                config_id: None,
                platform: None,
                host: Some(s.host.clone()),
                since: Some(now_ms),
                count: None,
                cleared_at: None,
            });
        }
    }
    let mut next = AlertState {
        open: Vec::new(),
        history: state.history.clone(),
        outbox: state.outbox.clone(),
    };
    let mut changes = Vec::new();
    for old in &state.open {
        match wanted.iter().find(|w| w.id == old.id) {
            Some(w) => next.open.push(Alert {
                count: w.count,
                ..old.clone()
            }),
            None => {
                let cleared = Alert {
                    cleared_at: Some(now_ms),
                    ..old.clone()
                };
                next.history.push(cleared.clone());
                changes.push((Change::Cleared, cleared));
            }
        }
    }
    for w in wanted {
        if !is_open(&w.id) {
            next.open.push(w.clone());
            changes.insert(
                changes.iter().filter(|(c, _)| *c == Change::Raised).count(),
                (Change::Raised, w),
            );
        }
    }
    let excess = next.history.len().saturating_sub(HISTORY);
    next.history.drain(..excess);
    (next, changes)
}

#[cfg(test)]
mod tests;
