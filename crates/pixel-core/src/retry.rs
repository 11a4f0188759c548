//! The retry policy as a pure state machine: given what happened to an event, when to try
//! again, or whether to give up.
//!
//! Capped exponential backoff with full jitter spreads retries after an outage instead of
//! hammering the platform in waves; a per-platform deadline dead-letters an event before the
//! platform would refuse it for its age (Meta: 7 days). Clock and randomness come in.

use crate::outcome::EventOutcome;
use crate::platform::Platform;
use serde::{Deserialize, Serialize};

/// What the queue remembers about one delivery between attempts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetryState {
    /// Attempts made so far (the first send is attempt 1).
    pub attempts: u32,
    /// When the event happened (Unix seconds): the platforms' age limits count from it.
    pub first_seen: i64,
}

/// What to do with a delivery after an attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// The platform has it: remove from the queue, count as delivered.
    Done,
    /// Try again at this time (Unix seconds), with the updated state.
    RetryAt { at: i64, state: RetryState },
    /// It can never be delivered: keep it in the dead-letter log with the reason.
    DeadLetter { reason: String },
}

/// Tunables; [`RetryPolicy::default`] is the product's policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// The shortest delay (the first retry comes after at least this).
    pub min_delay_secs: u64,
    /// The longest delay of the first retry; it doubles with each attempt.
    pub first_max_delay_secs: u64,
    /// No delay grows beyond this.
    pub cap_secs: u64,
    /// Give up after this many attempts.
    pub max_attempts: u32,
}

impl Default for RetryPolicy {
    /// First retry within 5-30 s, cap 1 h, 25 attempts: about 20 hours of retries before
    /// giving up, enough to ride out a platform outage of most of a day.
    fn default() -> Self {
        RetryPolicy {
            min_delay_secs: 5,
            first_max_delay_secs: 30,
            cap_secs: 3_600,
            max_attempts: 25,
        }
    }
}

/// How long after the event a platform still accepts it. Meta refuses events older than
/// 7 days (a minute of margin for the time in flight); TikTok documents the same window
/// (unverified); Google's limit is the click's conversion window, at most 90 days.
pub fn deadline_secs(platform: Platform) -> i64 {
    match platform {
        Platform::Meta | Platform::TikTok => crate::platforms::meta::MAX_AGE_SECS,
        Platform::Google => 90 * 86_400,
    }
}

/// True once the event is too old for the platform: dead-letter it instead of sending.
pub fn expired(platform: Platform, first_seen: i64, now: i64) -> bool {
    now - first_seen > deadline_secs(platform)
}

impl RetryPolicy {
    /// The delay before the next attempt, after `attempts` attempts, drawn with full jitter in
    /// `[min, min(cap, first_max * 2^(attempts-1))]`. `random` is any uniformly random number.
    pub fn backoff_secs(&self, attempts: u32, random: u64) -> u64 {
        let exp = attempts.saturating_sub(1).min(32);
        let ceiling = self
            .first_max_delay_secs
            .saturating_mul(1u64 << exp)
            .min(self.cap_secs)
            .max(self.min_delay_secs);
        self.min_delay_secs + random % (ceiling - self.min_delay_secs + 1)
    }

    /// The next step after an attempt with this verdict.
    pub fn next(
        &self,
        platform: Platform,
        state: RetryState,
        outcome: &EventOutcome,
        now: i64,
        random: u64,
    ) -> Decision {
        let (after, reason) = match outcome {
            EventOutcome::Delivered | EventOutcome::AlreadyDelivered { .. } => {
                return Decision::Done;
            }
            EventOutcome::Permanent { reason } => {
                return Decision::DeadLetter {
                    reason: reason.clone(),
                };
            }
            EventOutcome::Retry { after_secs, reason } => (*after_secs, reason),
        };
        let state = RetryState {
            attempts: state.attempts.saturating_add(1),
            ..state
        };
        if state.attempts >= self.max_attempts {
            return Decision::DeadLetter {
                reason: format!("gave up after {} attempts: {reason}", state.attempts),
            };
        }
        let delay = match after {
            // The platform's own hint, plus up to 10% jitter so a fleet does not return at once.
            Some(hint) => hint + random % (hint / 10 + 1),
            None => self.backoff_secs(state.attempts, random),
        };
        let at = now.saturating_add(i64::try_from(delay).unwrap_or(i64::MAX));
        if expired(platform, state.first_seen, at) {
            return Decision::DeadLetter {
                reason: format!("too old for {platform} before the next attempt: {reason}"),
            };
        }
        Decision::RetryAt { at, state }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_790_000_000;

    fn retry(after: Option<u64>) -> EventOutcome {
        EventOutcome::Retry {
            after_secs: after,
            reason: "503".into(),
        }
    }

    #[test]
    fn backoff_grows_from_5_30_s_to_the_one_hour_cap() {
        let p = RetryPolicy::default();
        // (attempts, lowest and highest delay over all random draws)
        let table = [
            (1, 5, 30),
            (2, 5, 60),
            (3, 5, 120),
            (5, 5, 480),
            (8, 5, 3_600),
            (20, 5, 3_600),
            (u32::MAX, 5, 3_600),
        ];
        for (attempts, lo, hi) in table {
            let draws: Vec<u64> = (0..5_000u64)
                .map(|r| p.backoff_secs(attempts, r.wrapping_mul(0x9E37_79B9_7F4A_7C15)))
                .collect();
            assert_eq!(*draws.iter().min().unwrap(), lo, "attempts {attempts}");
            assert_eq!(*draws.iter().max().unwrap(), hi, "attempts {attempts}");
        }
    }

    #[test]
    fn verdicts_table() {
        let p = RetryPolicy::default();
        let fresh = RetryState {
            attempts: 1,
            first_seen: NOW - 60,
        };
        let done = |o: EventOutcome| p.next(Platform::Meta, fresh, &o, NOW, 7);
        assert_eq!(done(EventOutcome::Delivered), Decision::Done);
        assert_eq!(
            done(EventOutcome::AlreadyDelivered {
                reason: "dup".into()
            }),
            Decision::Done
        );
        assert_eq!(
            done(EventOutcome::Permanent {
                reason: "bad gclid".into()
            }),
            Decision::DeadLetter {
                reason: "bad gclid".into()
            }
        );
        match done(retry(None)) {
            Decision::RetryAt { at, state } => {
                assert!((NOW + 5..=NOW + 60).contains(&at), "{at}");
                assert_eq!(state.attempts, 2);
                assert_eq!(state.first_seen, fresh.first_seen);
            }
            other => panic!("{other:?}"),
        }
        // A platform hint wins over backoff, with at most 10% added.
        match done(retry(Some(21_600))) {
            Decision::RetryAt { at, .. } => assert!((NOW + 21_600..=NOW + 23_760).contains(&at)),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn gives_up_after_the_last_attempt() {
        let p = RetryPolicy::default();
        let s = RetryState {
            attempts: 24,
            first_seen: NOW - 60,
        };
        assert!(matches!(
            p.next(Platform::Google, s, &retry(None), NOW, 1),
            Decision::DeadLetter { .. }
        ));
        let s = RetryState { attempts: 23, ..s };
        assert!(matches!(
            p.next(Platform::Google, s, &retry(None), NOW, 1),
            Decision::RetryAt { .. }
        ));
    }

    #[test]
    fn a_meta_event_is_dead_lettered_before_it_turns_seven_days_old() {
        let p = RetryPolicy::default();
        let old = RetryState {
            attempts: 3,
            first_seen: NOW - 7 * 86_400 + 1_800,
        };
        // Half an hour left, but the platform asks to come back in six hours.
        assert!(matches!(
            p.next(Platform::Meta, old, &retry(Some(21_600)), NOW, 0),
            Decision::DeadLetter { .. }
        ));
        // Google keeps such an event: its window is the click's, up to 90 days.
        assert!(matches!(
            p.next(Platform::Google, old, &retry(Some(21_600)), NOW, 0),
            Decision::RetryAt { .. }
        ));
        assert!(expired(Platform::Meta, NOW - 7 * 86_400, NOW));
        assert!(!expired(Platform::Meta, NOW - 6 * 86_400, NOW));
    }
}
