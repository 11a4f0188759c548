//! Meta's browser ids: `fbc` (from the landing URL's `fbclid`) and `fbp` (one per visitor),
//! plus a check for the other platforms' click ids.
//!
//! Click ids are case-sensitive and never hashed. The edge sets `_fbp` once per visitor and
//! reuses it: two different `fbp` for one visitor split their events into two people.

/// How long the edge keeps `_fbc` / `_fbp` cookies, as Meta's pixel does.
pub const COOKIE_MAX_AGE_SECS: u64 = 90 * 86_400;

/// The earliest plausible creation time (2015), to reject ids that are not Meta's.
const MIN_CREATION_MS: u64 = 1_420_070_400_000;

/// A parsed `fb.{subdomain}.{creation_ms}.{payload}[.{appendix}]` id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FbId<'a> {
    pub subdomain_index: u8,
    pub creation_ms: u64,
    /// The fbclid for `fbc`, the random number for `fbp`.
    pub payload: &'a str,
    /// Meta's parameter builder may append one more part; it must be kept as is.
    pub appendix: Option<&'a str>,
}

fn parse_fb(s: &str, now_ms: u64) -> Option<FbId<'_>> {
    let mut parts = s.split('.');
    if parts.next()? != "fb" {
        return None;
    }
    let subdomain_index: u8 = parts.next()?.parse().ok().filter(|i| *i <= 2)?;
    let ms_text = parts.next()?;
    if ms_text.is_empty() || ms_text.len() > 16 || !ms_text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let creation_ms: u64 = ms_text.parse().ok()?;
    // An hour of tolerance for the browser's clock.
    if creation_ms < MIN_CREATION_MS || creation_ms > now_ms.saturating_add(3_600_000) {
        return None;
    }
    let payload = parts.next().filter(|p| is_click_token(p))?;
    let appendix = match parts.next() {
        Some(a) if is_click_token(a) && a.len() <= 32 => Some(a),
        Some(_) => return None,
        None => None,
    };
    if parts.next().is_some() {
        return None;
    }
    Some(FbId {
        subdomain_index,
        creation_ms,
        payload,
        appendix,
    })
}

/// Characters of URL-safe click ids (base64url and friends), 1-500 long.
fn is_click_token(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 500
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// A valid `fbc`, or `None`.
pub fn parse_fbc(s: &str, now_ms: u64) -> Option<FbId<'_>> {
    parse_fb(s.trim(), now_ms)
}

/// A valid `fbp` (its payload is a number), or `None`.
pub fn parse_fbp(s: &str, now_ms: u64) -> Option<FbId<'_>> {
    parse_fb(s.trim(), now_ms).filter(|id| id.payload.bytes().all(|b| b.is_ascii_digit()))
}

/// `fb.1.{creation_ms}.{fbclid}`, keeping the fbclid's case. `None` for a malformed fbclid.
pub fn new_fbc(fbclid: &str, creation_ms: u64) -> Option<String> {
    let fbclid = fbclid.trim();
    is_click_token(fbclid).then(|| format!("fb.1.{creation_ms}.{fbclid}"))
}

/// `fb.1.{creation_ms}.{10 random digits}`; `random` is any uniformly random number.
pub fn new_fbp(creation_ms: u64, random: u64) -> String {
    let digits = 1_000_000_000 + random % 9_000_000_000;
    format!("fb.1.{creation_ms}.{digits}")
}

/// The `fbc` for this request: a new one when the landing URL brings an fbclid that the
/// cookie does not hold yet, else the cookie if it is valid.
pub fn fbc_for_visit(fbclid: Option<&str>, cookie: Option<&str>, now_ms: u64) -> Option<String> {
    let cookie = cookie.filter(|c| parse_fbc(c, now_ms).is_some());
    match fbclid.map(str::trim).filter(|f| is_click_token(f)) {
        Some(f) => match cookie {
            // Same click: keep the original creation time.
            Some(c) if parse_fbc(c, now_ms).is_some_and(|id| id.payload == f) => {
                Some(c.trim().to_owned())
            }
            _ => new_fbc(f, now_ms),
        },
        None => cookie.map(|c| c.trim().to_owned()),
    }
}

/// The visitor's `fbp`: the cookie when valid, else a new one. The flag says whether it is new
/// (the edge must then set the cookie, before the first event that uses it).
pub fn fbp_for_visit(cookie: Option<&str>, now_ms: u64, random: u64) -> (String, bool) {
    match cookie.filter(|c| parse_fbp(c, now_ms).is_some()) {
        Some(c) => (c.trim().to_owned(), false),
        None => (new_fbp(now_ms, random), true),
    }
}

/// A click id from a URL or cookie (`gclid`, `gbraid`, `wbraid`, `ttclid`, `_ttp`): trimmed,
/// case kept, `None` when it cannot be one (empty, too long, characters no platform issues).
pub fn clean_click_id(raw: &str) -> Option<String> {
    let t = raw.trim();
    let ok = !t.is_empty()
        && t.len() <= 500
        && t.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.~".contains(&b));
    ok.then(|| t.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW_MS: u64 = 1_790_000_000_000;

    #[test]
    fn fbc_table() {
        let cases: &[(&str, bool)] = &[
            (
                "fb.1.1554763741205.AbCdEfGhIjKlMnOpQrStUvWxYz1234567890",
                true,
            ),
            (
                "fb.0.1554763741205.IwAR2F4-dbP0l7Mn1IawQQGCINEz7PYXQvwjNwB_qa2ofrHyiLjcbCRxTDMgk",
                true,
            ),
            ("fb.1.1554763741205.AbCdEf.Ab12Cd34", true),
            ("fb.1.1554763741205", false),
            ("fb.1.1554763741205.", false),
            ("fb.3.1554763741205.AbCd", false),
            ("fb.1.abc.AbCd", false),
            ("fb.1.1554763741205.Ab Cd", false),
            ("fb.1.1554763741205.AbCd.x.y", false),
            ("fb.1.99.AbCd", false),
            ("fb.1.1890000000000.AbCd", false),
            ("gb.1.1554763741205.AbCd", false),
            ("", false),
        ];
        for (s, ok) in cases {
            assert_eq!(parse_fbc(s, NOW_MS).is_some(), *ok, "{s}");
        }
        let id = parse_fbc("fb.1.1554763741205.AbCdEf.Ab12Cd34", NOW_MS).unwrap();
        assert_eq!((id.payload, id.appendix), ("AbCdEf", Some("Ab12Cd34")));
    }

    #[test]
    fn fbp_is_generated_with_ten_digits_and_parses_back() {
        for random in [0, 1, 8_999_999_999, u64::MAX] {
            let fbp = new_fbp(NOW_MS, random);
            let id = parse_fbp(&fbp, NOW_MS).unwrap();
            assert_eq!(id.payload.len(), 10, "{fbp}");
            assert_eq!(id.creation_ms, NOW_MS);
        }
        assert!(parse_fbp("fb.1.1554763741205.AbCd", NOW_MS).is_none());
    }

    #[test]
    fn fbclid_case_is_kept() {
        assert_eq!(
            new_fbc("IwAR2F4-dbP0", NOW_MS).unwrap(),
            format!("fb.1.{NOW_MS}.IwAR2F4-dbP0")
        );
        assert_eq!(new_fbc("bad id", NOW_MS), None);
    }

    #[test]
    fn a_visitor_keeps_one_fbp() {
        let (first, new) = fbp_for_visit(None, NOW_MS, 42);
        assert!(new);
        let (again, new) = fbp_for_visit(Some(&first), NOW_MS + 5_000, 43);
        assert!(!new);
        assert_eq!(again, first);
        let (replaced, new) = fbp_for_visit(Some("garbage"), NOW_MS, 44);
        assert!(new && replaced != "garbage");
    }

    #[test]
    fn fbc_follows_the_latest_click_and_keeps_the_first_creation_time() {
        let old = "fb.1.1780000000000.ClickA";
        assert_eq!(
            fbc_for_visit(Some("ClickA"), Some(old), NOW_MS).as_deref(),
            Some(old)
        );
        assert_eq!(
            fbc_for_visit(Some("ClickB"), Some(old), NOW_MS),
            Some(format!("fb.1.{NOW_MS}.ClickB"))
        );
        assert_eq!(fbc_for_visit(None, Some(old), NOW_MS).as_deref(), Some(old));
        assert_eq!(fbc_for_visit(None, Some("junk"), NOW_MS), None);
        assert_eq!(fbc_for_visit(Some("<script>"), None, NOW_MS), None);
    }

    #[test]
    fn click_id_table() {
        let cases: &[(&str, Option<&str>)] = &[
            (" Cj0KCQiA-abc_DEF ", Some("Cj0KCQiA-abc_DEF")),
            ("E.C.P.abc~1", Some("E.C.P.abc~1")),
            ("", None),
            ("a b", None),
            ("<script>", None),
        ];
        for (raw, want) in cases {
            assert_eq!(clean_click_id(raw).as_deref(), *want, "{raw}");
        }
        assert_eq!(clean_click_id(&"a".repeat(501)), None);
    }
}
