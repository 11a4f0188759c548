//! The IAB TCF v2 consent string (`euconsent-v2` cookie): only the core segment's purpose
//! consents are read, which is what the edge decides on.
//!
//! Purposes used: 1 store/access information on a device, 3 create a personalised ads profile,
//! 4 select personalised ads, 7 measure ad performance. Google's consent mode maps them as
//! `ad_user_data` = 1 and 7, `ad_personalization` = 3 and 4.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// Bit offset of the 24 purpose-consent bits in a v2 core segment.
const PURPOSES_OFFSET: usize = 152;

/// The purposes a visitor consented to (bit `i - 1` is purpose `i`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Purposes(u32);

impl Purposes {
    pub fn allows(self, purpose: u8) -> bool {
        (1..=24).contains(&purpose) && self.0 & (1 << (purpose - 1)) != 0
    }

    /// Measurement with personal data: store on the device and measure ad performance.
    pub fn ad_user_data(self) -> bool {
        self.allows(1) && self.allows(7)
    }

    pub fn ad_personalization(self) -> bool {
        self.allows(3) && self.allows(4)
    }
}

/// The purpose consents of a TCF v2 string; `None` when it is not one.
pub fn parse(tc_string: &str) -> Option<Purposes> {
    let core = tc_string.trim().split('.').next()?;
    let bytes = URL_SAFE_NO_PAD.decode(core.trim_end_matches('=')).ok()?;
    let bit = |i: usize| bytes.get(i / 8).is_some_and(|b| b & (0x80 >> (i % 8)) != 0);
    let version = (0..6).fold(0u8, |v, i| (v << 1) | u8::from(bit(i)));
    if version != 2 || bytes.len() * 8 < PURPOSES_OFFSET + 24 {
        return None;
    }
    let mut purposes = 0u32;
    for p in 0..24 {
        if bit(PURPOSES_OFFSET + p) {
            purposes |= 1 << p;
        }
    }
    Some(Purposes(purposes))
}

/// A minimal v2 core segment with `purposes` consented: for tests here and end to end.
pub fn encode_for_tests(purposes: &[u8]) -> String {
    let mut bits = vec![false; PURPOSES_OFFSET + 24 + 40];
    for (i, b) in bits.iter_mut().enumerate().take(6) {
        *b = (2 >> (5 - i)) & 1 == 1;
    }
    for p in purposes {
        bits[PURPOSES_OFFSET + usize::from(*p) - 1] = true;
    }
    let bytes: Vec<u8> = bits
        .chunks(8)
        .map(|c| {
            c.iter()
                .enumerate()
                .fold(0u8, |acc, (i, b)| acc | (u8::from(*b) << (7 - i)))
        })
        .collect();
    URL_SAFE_NO_PAD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purposes_are_read_from_the_core_segment() {
        let all = parse(&encode_for_tests(&[1, 3, 4, 7])).unwrap();
        assert!(all.ad_user_data() && all.ad_personalization());
        let measure_only = parse(&format!("{}.YAAAAAAAAAAA", encode_for_tests(&[1, 7]))).unwrap();
        assert!(measure_only.ad_user_data() && !measure_only.ad_personalization());
        let storage_only = parse(&encode_for_tests(&[1])).unwrap();
        assert!(!storage_only.ad_user_data());
        assert!(!storage_only.allows(0) && !storage_only.allows(25));
    }

    #[test]
    fn junk_is_not_a_consent_string() {
        for junk in ["", "granted", "!!!", "AAAA", &encode_for_tests(&[1])[..10]] {
            assert_eq!(parse(junk), None, "{junk}");
        }
    }
}
