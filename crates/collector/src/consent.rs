//! Whether the edge may track a visitor, from the site's consent cookie, the IAB TCF string and
//! the site's policy: no signal means no consent unless the site chose opt-out.

use edge_kit::auth::percent_decode;
use pixel_core::event::Consent;
use pixel_core::site::{ConsentPolicy, ConsentSettings};

use crate::{cookies, tcf};

/// The TCF cookie CMPs write.
pub const TCF_COOKIE: &str = "euconsent-v2";

/// The decision for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    /// Events and tracking cookies allowed.
    pub track: bool,
    /// What the event carries (Google's flags come from TCF when present).
    pub consent: Consent,
}

/// Read `marketing=granted|denied` from the site cookie's value (URL-encoded or not, among other
/// categories separated by `&`, `,` or `|`); a bare `granted`/`denied` counts too.
fn site_cookie(value: &str) -> Option<bool> {
    let decoded = percent_decode(value);
    let verdict = |v: &str| match v.trim().to_ascii_lowercase().as_str() {
        "granted" | "true" | "yes" | "1" => Some(true),
        "denied" | "false" | "no" | "0" => Some(false),
        _ => None,
    };
    if !decoded.contains('=') && !decoded.contains(':') {
        return verdict(&decoded);
    }
    decoded.split(['&', ',', '|']).find_map(|pair| {
        let (k, v) = pair.split_once('=').or_else(|| pair.split_once(':'))?;
        (k.trim().trim_matches('"').eq_ignore_ascii_case("marketing"))
            .then(|| verdict(v.trim_matches('"')))
            .flatten()
    })
}

/// Decide from the request's `Cookie` header. The site cookie wins over TCF for whether to
/// track at all (it is the site's own banner); TCF purposes, when present, still narrow
/// Google's `adUserData`/`adPersonalization`.
pub fn decide(settings: &ConsentSettings, cookie_header: &str) -> Decision {
    let site = cookies::get(cookie_header, &settings.cookie).and_then(site_cookie);
    let purposes = cookies::get(cookie_header, TCF_COOKIE).and_then(tcf::parse);
    let track = match (site, purposes) {
        (Some(granted), _) => granted,
        (None, Some(p)) => p.ad_user_data(),
        (None, None) => settings.policy == ConsentPolicy::OptOut,
    };
    let consent = Consent {
        ad_user_data: track && purposes.is_none_or(tcf::Purposes::ad_user_data),
        ad_personalization: track && purposes.is_none_or(tcf::Purposes::ad_personalization),
        limited_data_use: false,
        ldu_by_location: track && settings.limited_data_use,
        assumed: false,
    };
    Decision { track, consent }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(policy: ConsentPolicy) -> ConsentSettings {
        ConsentSettings {
            policy,
            ..ConsentSettings::default()
        }
    }

    #[test]
    fn consent_table() {
        let tcf_all = format!("euconsent-v2={}", tcf::encode_for_tests(&[1, 3, 4, 7]));
        let tcf_measure = format!("euconsent-v2={}", tcf::encode_for_tests(&[1, 7]));
        let tcf_none = format!("euconsent-v2={}", tcf::encode_for_tests(&[]));
        let granted_measure = format!("tr_consent=marketing=granted; {tcf_measure}");
        use ConsentPolicy::{OptIn, OptOut};
        // (policy, cookie header, track, adUserData, adPersonalization)
        let cases: &[(ConsentPolicy, &str, bool, bool, bool)] = &[
            (OptIn, "", false, false, false),
            (OptOut, "", true, true, true),
            (OptIn, "tr_consent=marketing=granted", true, true, true),
            (
                OptIn,
                "tr_consent=marketing%3Dgranted%26analytics%3Ddenied",
                true,
                true,
                true,
            ),
            (
                OptIn,
                "tr_consent=analytics=granted|marketing=denied",
                false,
                false,
                false,
            ),
            (OptOut, "tr_consent=marketing=denied", false, false, false),
            (OptIn, "tr_consent=granted", true, true, true),
            (OptIn, "tr_consent=whatever", false, false, false),
            (OptIn, &tcf_all, true, true, true),
            (OptIn, &tcf_measure, true, true, false),
            (OptOut, &tcf_none, false, false, false),
            (OptIn, &granted_measure, true, true, false),
        ];
        for (policy, header, track, aud, ap) in cases {
            let d = decide(&settings(*policy), header);
            assert_eq!(
                (
                    d.track,
                    d.consent.ad_user_data,
                    d.consent.ad_personalization
                ),
                (*track, *aud, *ap),
                "{policy:?} {header}"
            );
        }
    }

    #[test]
    fn the_site_may_name_its_own_cookie() {
        let s = ConsentSettings {
            cookie: "cmp".into(),
            policy: ConsentPolicy::OptIn,
            limited_data_use: false,
        };
        assert!(decide(&s, "cmp=marketing:granted").track);
        assert!(!decide(&s, "tr_consent=marketing=granted").track);
    }

    #[test]
    fn a_site_with_ldu_marks_its_events_for_meta_to_locate() {
        let mut s = settings(ConsentPolicy::OptIn);
        let granted = "tr_consent=marketing=granted";
        assert!(!decide(&s, granted).consent.ldu_by_location);
        s.limited_data_use = true;
        let d = decide(&s, granted);
        assert!(d.track && d.consent.ldu_by_location && !d.consent.limited_data_use);
        assert!(
            !decide(&s, "tr_consent=marketing=denied")
                .consent
                .ldu_by_location
        );
    }
}
