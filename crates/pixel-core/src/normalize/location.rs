//! Location keys: country codes checked against ISO 3166-1 alpha-2, and the clear (unhashed)
//! forms Google's address identifier and TikTok's `user` object ask for.
//!
//! The code list is the IANA time zone database's `iso3166.tab` (public domain; Debian's
//! `tzdata`, `/usr/share/zoneinfo/iso3166.tab`), which tracks ISO 3166-1's assigned
//! alpha-2 codes. To refresh it: `grep -v '^#' iso3166.tab | cut -f1`. A two-letter string that
//! is not assigned (`UK`, `XX`) is refused: platforms drop it, and a backend sending it has a bug
//! worth a 400.

/// The assigned ISO 3166-1 alpha-2 codes, sorted (binary search).
const ISO_3166_ALPHA2: &str = "\
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ
    BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM
    DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS
    GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN
    KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ
    MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM
    PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV
    SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI
    VN VU WF WS YE YT ZA ZM ZW";

/// Whether `code` (any case) is an assigned ISO 3166-1 alpha-2 code.
pub fn is_iso_country(code: &str) -> bool {
    let code = code.trim();
    if code.len() != 2 || !code.bytes().all(|b| b.is_ascii_alphabetic()) {
        return false;
    }
    let upper = code.to_ascii_uppercase();
    let list: Vec<&str> = ISO_3166_ALPHA2.split_whitespace().collect();
    list.binary_search(&upper.as_str()).is_ok()
}

/// Country as Meta and TikTok hash or send it: ISO 3166-1 alpha-2, lowercase.
pub fn country(raw: &str) -> Option<String> {
    is_iso_country(raw).then(|| raw.trim().to_ascii_lowercase())
}

/// Google's `regionCode` / `countryCode`: ISO 3166-1 alpha-2, uppercase, sent unhashed.
pub fn region_code(raw: &str) -> Option<String> {
    is_iso_country(raw).then(|| raw.trim().to_ascii_uppercase())
}

/// The postal code Google's address identifier takes in clear: trimmed, inner whitespace
/// collapsed to one space (UK `SW1A 1AA` keeps its space), uppercase; in the US the first five
/// digits (Google accepts 5-digit ZIP codes). Letters, digits, spaces and dashes only, at most
/// 16 characters: anything else is not a postal code.
pub fn postal_code_clear(raw: &str, country: Option<&str>) -> Option<String> {
    let collapsed = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    let ok = !collapsed.is_empty()
        && collapsed.len() <= 16
        && collapsed
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b' ' || b == b'-');
    if !ok {
        return None;
    }
    if country.is_some_and(|c| c.eq_ignore_ascii_case("us")) {
        let digits: String = collapsed.chars().take(5).collect();
        return (digits.len() == 5 && digits.bytes().all(|b| b.is_ascii_digit())).then_some(digits);
    }
    Some(collapsed.to_ascii_uppercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_code_list_is_sorted_and_complete() {
        let list: Vec<&str> = ISO_3166_ALPHA2.split_whitespace().collect();
        let mut sorted = list.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(list, sorted);
        assert_eq!(list.len(), 249);
    }

    #[test]
    fn country_table() {
        let cases: &[(&str, Option<&str>)] = &[
            ("ES", Some("es")),
            (" es ", Some("es")),
            ("Us", Some("us")),
            ("GB", Some("gb")),
            // Not assigned: the United Kingdom is GB.
            ("UK", None),
            ("XX", None),
            ("ESP", None),
            ("Spain", None),
            ("E1", None),
            ("", None),
        ];
        for (raw, want) in cases {
            assert_eq!(country(raw).as_deref(), *want, "{raw:?}");
        }
        assert_eq!(region_code("es").as_deref(), Some("ES"));
    }

    #[test]
    fn postal_code_clear_table() {
        let cases: &[(&str, Option<&str>, Option<&str>)] = &[
            ("28001", Some("es"), Some("28001")),
            (" 28 001 ", Some("es"), Some("28 001")),
            ("94043-1351", Some("us"), Some("94043")),
            ("sw1a  1aa", Some("gb"), Some("SW1A 1AA")),
            ("1000-001", Some("pt"), Some("1000-001")),
            ("9404", Some("us"), None),
            ("<script>", None, None),
            ("", None, None),
        ];
        for (raw, c, want) in cases {
            assert_eq!(postal_code_clear(raw, *c).as_deref(), *want, "{raw:?}");
        }
    }
}
