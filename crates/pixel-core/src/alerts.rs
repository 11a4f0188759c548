//! Alerts: what is wrong with a tracking config right now, derived from its state and its
//! day counters, so an alert exists exactly while its cause does and clears by itself.
//!
//! Implemented kinds (issue 15 asks for more, see the module's callers for what is listed):
//! - `credentials_refused`: the platform refused the token; deliveries are held until a PATCH
//!   with a token that works (the dispatcher sets the config's health).
//! - `dead_letters_today`: events were dead-lettered today (UTC), i.e. the dead-letter list grew.

use serde::Serialize;

use crate::Platform;
use crate::config::{HealthStatus, TrackingConfig};

/// One open alert.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Alert {
    /// Stable per cause (`{kind}:{configId}`), so a client can tell a new alert from a known one.
    pub id: String,
    pub kind: AlertKind,
    pub config_id: String,
    pub platform: Platform,
    /// Unix ms when the cause was first seen, when known.
    pub since: Option<i64>,
    /// How many events the cause concerns, when it counts events.
    pub count: Option<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    CredentialsRefused,
    DeadLettersToday,
}

impl AlertKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AlertKind::CredentialsRefused => "credentials_refused",
            AlertKind::DeadLettersToday => "dead_letters_today",
        }
    }
}

/// The open alerts of `config`, given how many of its deliveries were dead-lettered today.
/// A paused config raises nothing: its owner turned it off.
pub fn of_config(config: &TrackingConfig, dead_today: u64) -> Vec<Alert> {
    if !config.is_active {
        return Vec::new();
    }
    let alert = |kind: AlertKind, since, count| Alert {
        id: format!("{}:{}", kind.as_str(), config.id),
        kind,
        config_id: config.id.to_string(),
        platform: config.platform,
        since,
        count,
    };
    let mut out = Vec::new();
    if config.health.status == HealthStatus::CredentialsInvalid {
        out.push(alert(
            AlertKind::CredentialsRefused,
            config.health.checked_at,
            None,
        ));
    }
    if dead_today > 0 {
        out.push(alert(AlertKind::DeadLettersToday, None, Some(dead_today)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{ConfigId, ConfigInput, TenantId, validate_create};
    use serde_json::json;

    fn meta() -> TrackingConfig {
        let input = ConfigInput::from_json(
            &json!({"platform": "Meta", "pixelId": "1234567890", "apiAccessToken": "EAAB"}),
        )
        .unwrap();
        TrackingConfig::new(
            ConfigId::parse("c1").unwrap(),
            TenantId::parse("t1").unwrap(),
            validate_create(&input).unwrap(),
            "v1.x.y".into(),
            1000,
        )
    }

    #[test]
    fn an_alert_lives_exactly_as_long_as_its_cause() {
        let mut c = meta();
        assert!(of_config(&c, 0).is_empty());
        c.health.status = HealthStatus::CredentialsInvalid;
        c.health.checked_at = Some(5_000);
        let open = of_config(&c, 0);
        assert_eq!(open.len(), 1);
        assert_eq!(open[0].kind, AlertKind::CredentialsRefused);
        assert_eq!(open[0].id, "credentials_refused:c1");
        assert_eq!(open[0].since, Some(5_000));
        // A PATCH with a new token makes the health unverified, then ok: the alert is gone.
        c.health.status = HealthStatus::Ok;
        assert!(of_config(&c, 0).is_empty());
        let dead = of_config(&c, 3);
        assert_eq!(
            (dead[0].kind, dead[0].count),
            (AlertKind::DeadLettersToday, Some(3))
        );
    }

    #[test]
    fn a_paused_config_raises_nothing() {
        let mut c = meta();
        c.health.status = HealthStatus::CredentialsInvalid;
        c.is_active = false;
        assert!(of_config(&c, 9).is_empty());
    }
}
