//! An estimate, 0-10, of how well a platform can match an event to a person, from the
//! identifiers it will actually receive. The dashboard shows it per event type next to Meta's
//! own Event Match Quality, and tells the user which identifier would raise it most.
//!
//! Weights, in tenths of a point, sum to 100 per platform, in the order PLATFORMS.md ranks
//! the keys:
//! - Meta ("strongest keys: em, ph, fbc, external_id, IP + UA, fbp"): e-mail 30, phone 20,
//!   fbc 15, external id 10, IP and user agent together 10, fbp 8, first and last name
//!   together 3, any of city/state/zip/country 2, date of birth 2.
//! - TikTok (same identity keys, its own click id): e-mail 30, phone 20, ttclid 20,
//!   external id 10, IP and user agent together 10, ttp 10.
//! - Google: a click id matches the click exactly, so it alone is worth 60; enhanced
//!   conversions for leads add e-mail 22, phone 13 and the address identifier (first and last
//!   name, country and postal code together) 5.
//!
//! The dispatcher also counts, per platform, the delivered events that lacked each key
//! ([`WEIGHTS`] names them); the KPI endpoint turns that into hints ranked by
//! [`hint_value`], which the dashboard words in Spanish.
//!
//! Without consent to share user data, nothing is sent to Meta or TikTok, and Google gets only
//! the click id, so the estimate follows.

use crate::event::Event;
use crate::platform::Platform;

/// The estimate and what would raise it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatchQuality {
    /// 0-100 tenths of a point (so `score_tenths / 10` is the 0-10 score).
    pub score_tenths: u8,
    /// Missing keys, most valuable first, with what each would add (tenths).
    pub missing: Vec<(&'static str, u8)>,
}

impl MatchQuality {
    /// The score on Meta's 0-10 scale.
    pub fn score(&self) -> f32 {
        f32::from(self.score_tenths) / 10.0
    }
}

/// Each platform's keys and weights (tenths), most valuable first.
pub const WEIGHTS: [(Platform, &[(&str, u8)]); 3] = [
    (
        Platform::Meta,
        &[
            ("email", 30),
            ("phone", 20),
            ("fbc", 15),
            ("external_id", 10),
            ("ip_and_user_agent", 10),
            ("fbp", 8),
            ("first_and_last_name", 3),
            ("location", 2),
            ("date_of_birth", 2),
        ],
    ),
    (
        Platform::TikTok,
        &[
            ("email", 30),
            ("phone", 20),
            ("ttclid", 20),
            ("external_id", 10),
            ("ip_and_user_agent", 10),
            ("ttp", 10),
        ],
    ),
    (
        Platform::Google,
        &[
            ("click_id", 60),
            ("email", 22),
            ("phone", 13),
            ("address", 5),
        ],
    ),
];

/// The keys and weights of `platform`.
pub fn weights(platform: Platform) -> &'static [(&'static str, u8)] {
    WEIGHTS
        .iter()
        .find(|(p, _)| *p == platform)
        .map_or(&[], |(_, w)| w)
}

/// How much a hint is worth: the key's weight times the share of events that lacked it, in
/// hundredths of tenths (so integer ranking stays exact). A key every event lacks ranks by its
/// weight; one that is nearly always present sinks.
pub fn hint_value(weight: u8, missing: u64, events: u64) -> u64 {
    if events == 0 {
        return 0;
    }
    u64::from(weight) * missing.min(events) * 100 / events
}

/// Whether `event` carries `key` as `platform` would receive it (consent aside).
fn present(event: &Event, platform: Platform, key: &str) -> bool {
    let id = &event.identity;
    let c = &event.click_ids;
    match (platform, key) {
        (_, "email") if platform == Platform::Google => id.email_google.is_some(),
        (_, "email") => id.email.is_some(),
        (Platform::Meta, "phone") => id.phone_digits.is_some(),
        (_, "phone") => id.phone_e164.is_some(),
        (_, "fbc") => c.fbc.is_some(),
        (_, "fbp") => c.fbp.is_some(),
        (_, "ttclid") => c.ttclid.is_some(),
        (_, "ttp") => c.ttp.is_some(),
        (_, "click_id") => c.gclid.is_some() || c.gbraid.is_some() || c.wbraid.is_some(),
        (_, "external_id") => id.external_id.is_some(),
        (_, "ip_and_user_agent") => event.client_ip.is_some() && event.user_agent.is_some(),
        (_, "first_and_last_name") => id.first_name.is_some() && id.last_name.is_some(),
        (_, "location") => {
            id.city.is_some() || id.state.is_some() || id.zip.is_some() || id.country.is_some()
        }
        (_, "date_of_birth") => id.date_of_birth.is_some(),
        (_, "address") => id.google_address().is_some(),
        _ => false,
    }
}

/// Estimate for `event` as `platform` will receive it.
pub fn estimate(event: &Event, platform: Platform) -> MatchQuality {
    let consent = event.consent.ad_user_data;
    let keys: Vec<(&'static str, u8, bool)> = weights(platform)
        .iter()
        .map(|(k, w)| (*k, *w, present(event, platform, k)))
        .collect();
    // What travels without consent: only Google's click id.
    let sent = |name: &str| consent || (platform == Platform::Google && name == "click_id");
    let score_tenths = keys
        .iter()
        .filter(|(name, _, present)| *present && sent(name))
        .map(|(_, w, _)| *w)
        .sum();
    let mut missing: Vec<(&'static str, u8)> = keys
        .iter()
        .filter(|(_, _, present)| !present)
        .map(|(name, w, _)| (*name, *w))
        .collect();
    missing.sort_by_key(|m| std::cmp::Reverse(m.1));
    MatchQuality {
        score_tenths,
        missing,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{Consent, EventId, HashedIdentity, RawIdentity};
    use crate::platform::StandardEvent;

    fn event(raw: RawIdentity) -> Event {
        let mut e = Event::new(EventId::parse("e").unwrap(), StandardEvent::Lead, 0);
        e.consent = Consent::granted();
        e.identity = HashedIdentity::from_raw(&raw, "ES");
        e
    }

    #[test]
    fn weights_sum_to_ten_when_everything_is_present() {
        let mut e = event(RawIdentity {
            email: Some("a@b.es".into()),
            phone: Some("612345678".into()),
            first_name: Some("Ana".into()),
            last_name: Some("Ruiz".into()),
            zip: Some("28001".into()),
            country: Some("ES".into()),
            date_of_birth: Some("1990-01-01".into()),
            external_id: Some("c1".into()),
            ..Default::default()
        });
        e.client_ip = Some("203.0.113.1".into());
        e.user_agent = Some("UA".into());
        e.click_ids.fbc = Some("fb.1.1.x".into());
        e.click_ids.fbp = Some("fb.1.1.1".into());
        e.click_ids.ttclid = Some("t".into());
        e.click_ids.ttp = Some("t".into());
        e.click_ids.gclid = Some("g".into());
        for p in Platform::ALL {
            let q = estimate(&e, p);
            assert_eq!(q.score_tenths, 100, "{p}");
            assert!(q.missing.is_empty());
        }
    }

    #[test]
    fn weights_sum_to_a_hundred_tenths() {
        for (p, w) in WEIGHTS {
            assert_eq!(
                w.iter().map(|(_, w)| u32::from(*w)).sum::<u32>(),
                100,
                "{p}"
            );
        }
    }

    #[test]
    fn hints_rank_by_weight_times_how_often_the_key_is_missing() {
        // Phone missing from every lead beats e-mail missing from a tenth of them.
        assert!(hint_value(20, 100, 100) > hint_value(30, 10, 100));
        assert_eq!(hint_value(30, 50, 100), 1500);
        assert_eq!(hint_value(30, 5, 0), 0);
        // A corrupt counter above the total cannot rank beyond "always missing".
        assert_eq!(hint_value(10, 500, 100), hint_value(10, 100, 100));
    }

    #[test]
    fn table() {
        let email_only = event(RawIdentity {
            email: Some("a@b.es".into()),
            ..Default::default()
        });
        let mut gclid_only = event(RawIdentity::default());
        gclid_only.click_ids.gclid = Some("g".into());
        let mut no_consent = gclid_only.clone();
        no_consent.identity = email_only.identity.clone();
        no_consent.consent = Consent::default();
        let cases = [
            (&email_only, Platform::Meta, 30),
            (&email_only, Platform::TikTok, 30),
            (&email_only, Platform::Google, 22),
            (&gclid_only, Platform::Google, 60),
            (&gclid_only, Platform::Meta, 0),
            (&no_consent, Platform::Meta, 0),
            (&no_consent, Platform::Google, 60),
        ];
        for (e, p, want) in cases {
            assert_eq!(estimate(e, p).score_tenths, want, "{p}");
        }
        // The dashboard's hint: the most valuable missing key first.
        assert_eq!(
            estimate(&email_only, Platform::Meta).missing[0],
            ("phone", 20)
        );
        assert_eq!(
            estimate(&email_only, Platform::Google).missing[0],
            ("click_id", 60)
        );
    }
}
