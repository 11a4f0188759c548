//! Meta's Dataset Quality API (`GET /{version}/dataset_quality`): an Event Match Quality score
//! per event name, derived from the `user_data` keys the mock actually accepted for that pixel, so
//! a product that sends better keys sees a better number.
//!
//! The weights follow Meta's guidance on key strength (em, ph, external_id, fbc, IP + UA, fbp);
//! the real formula is not public, so only the ordering is meant to be realistic.

use serde_json::{Map, Value, json};

use crate::http::{Incoming, Reply};
use crate::meta::{MetaError, check_object, check_token};
use crate::state::{MatchStats, State};

/// (stats key, identifier name in `match_key_feedback`, weight). The weights add up to a little
/// over 10 so that a well-keyed event reaches the top of the scale.
const KEYS: &[(&str, &str, f64)] = &[
    ("em", "email", 3.0),
    ("ph", "phone", 2.0),
    ("external_id", "external_id", 1.5),
    ("fbc", "click_id", 1.0),
    ("ip_ua", "ip_address_and_user_agent", 1.0),
    ("fbp", "browser_id", 0.7),
    ("fn", "first_name", 0.2),
    ("ln", "last_name", 0.2),
    ("db", "date_of_birth", 0.2),
    ("ct", "city", 0.1),
    ("st", "state", 0.1),
    ("zp", "zip", 0.1),
    ("country", "country", 0.1),
    ("ge", "gender", 0.1),
];

/// Count one accepted event's keys.
pub(crate) fn observe(stats: &mut MatchStats, user_data: &Map<String, Value>) {
    let has = |k: &str| {
        user_data.get(k).is_some_and(|v| match v {
            Value::String(s) => !s.is_empty(),
            Value::Array(a) => !a.is_empty(),
            Value::Null => false,
            _ => true,
        })
    };
    stats.events += 1;
    for (key, _, _) in KEYS {
        let seen = if *key == "ip_ua" {
            has("client_ip_address") && has("client_user_agent")
        } else {
            has(key)
        };
        if seen {
            *stats.keys.entry((*key).to_owned()).or_default() += 1;
        }
    }
}

/// Score 0-10 with one decimal: each key's weight times the share of events that carried it.
pub(crate) fn score(stats: &MatchStats) -> f64 {
    if stats.events == 0 {
        return 0.0;
    }
    let raw: f64 = KEYS
        .iter()
        .map(|(key, _, weight)| weight * coverage(stats, key))
        .sum();
    (raw.min(10.0) * 10.0).round() / 10.0
}

fn coverage(stats: &MatchStats, key: &str) -> f64 {
    let seen = stats.keys.get(key).copied().unwrap_or(0);
    seen as f64 / stats.events.max(1) as f64
}

pub(crate) fn handle(state: &State, req: &Incoming) -> Reply {
    if let Err(e) = check_token(req.query.get("access_token").map(String::as_str)) {
        return e.into_reply();
    }
    let Some(dataset) = req.query.get("dataset_id") else {
        return MetaError::invalid("Missing parameter", "The parameter dataset_id is required")
            .into_reply();
    };
    if let Err(e) = check_object(dataset) {
        return e.into_reply();
    }
    let inner = state.lock();
    let web: Vec<Value> = inner
        .match_stats
        .iter()
        .filter(|((pixel, _), _)| pixel == dataset)
        .map(|((_, event), stats)| {
            let feedback: Vec<Value> = KEYS
                .iter()
                .filter(|(key, _, _)| stats.keys.contains_key(*key))
                .map(|(key, name, _)| {
                    let pct = (coverage(stats, key) * 1000.0).round() / 10.0;
                    json!({"identifier": name, "coverage": {"percentage": pct}})
                })
                .collect();
            json!({
                "event_name": event,
                "event_match_quality": {
                    "composite_score": score(stats),
                    "match_key_feedback": feedback,
                },
            })
        })
        .collect();
    Reply::ok(json!({ "web": web }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stats_of(events: &[Value]) -> MatchStats {
        let mut stats = MatchStats::default();
        for e in events {
            observe(&mut stats, e.as_object().expect("object"));
        }
        stats
    }

    #[test]
    fn richer_keys_score_higher() {
        let thin = stats_of(&[json!({"ct": "x", "ph": ""})]);
        let email = stats_of(&[json!({"em": "h"})]);
        let rich = stats_of(&[json!({
            "em": "h", "ph": "h", "external_id": "h", "fbc": "f", "fbp": "p",
            "client_ip_address": "1.2.3.4", "client_user_agent": "UA", "fn": "h", "ln": "h"
        })]);
        assert_eq!(score(&thin), 0.1);
        assert_eq!(score(&email), 3.0);
        assert!(
            score(&rich) > 9.0 && score(&rich) <= 10.0,
            "{}",
            score(&rich)
        );
    }

    #[test]
    fn coverage_is_averaged_over_events() {
        let half = stats_of(&[json!({"em": "h"}), json!({"ph": "p"})]);
        assert_eq!(score(&half), 2.5); // 3.0 * 0.5 + 2.0 * 0.5
    }
}
