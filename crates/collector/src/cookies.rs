//! First-party cookies: reading the request's `Cookie` header and writing `Set-Cookie` values
//! on the site's registrable domain, `Secure` and `SameSite=Lax`, as the platforms' own pixels
//! would, so the browser pixel and the edge share one `_fbp`/`_fbc`.

/// Cookie names the edge writes besides Meta's `_fbp`/`_fbc` (whose names Meta's pixel reads).
pub const TTCLID: &str = "_tr_ttclid";
pub const GCLID: &str = "_tr_gclid";
pub const GBRAID: &str = "_tr_gbraid";
pub const WBRAID: &str = "_tr_wbraid";

/// The value of cookie `name` in a `Cookie` header (first occurrence, surrounding quotes removed).
pub fn get<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    header.split(';').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (k.trim() == name).then(|| v.trim().trim_matches('"'))
    })
}

/// Second-level labels under which registrations happen (`example.com.es`), for the markets
/// TrainerERP sells in; a full public-suffix list is not worth its weight in a component.
const SECOND_LEVEL: [&str; 12] = [
    "com.es", "org.es", "nom.es", "co.uk", "org.uk", "com.mx", "com.ar", "com.co", "com.br",
    "com.pe", "com.uy", "com.ec",
];

/// The registrable domain of `host` (port dropped): `www.entrena.es` → `entrena.es`. `None` for
/// an IP address or a single-label host (`localhost`), where a host-only cookie is right.
pub fn registrable_domain(host: &str) -> Option<String> {
    let name = match host.rsplit_once(':') {
        Some((n, p)) if p.bytes().all(|b| b.is_ascii_digit()) => n,
        _ => host,
    };
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    if name.starts_with('[') || name.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return None;
    }
    let labels: Vec<&str> = name.split('.').collect();
    if labels.len() < 2 || labels.iter().any(|l| l.is_empty()) {
        return None;
    }
    let last_two = labels[labels.len() - 2..].join(".");
    let keep = if SECOND_LEVEL.contains(&last_two.as_str()) {
        3
    } else {
        2
    };
    (labels.len() >= keep).then(|| labels[labels.len() - keep..].join("."))
}

/// A `Set-Cookie` value. `http_only` for cookies no script needs.
pub fn set_cookie(
    name: &str,
    value: &str,
    max_age_secs: u64,
    domain: Option<&str>,
    http_only: bool,
) -> String {
    let mut c = format!("{name}={value}; Max-Age={max_age_secs}; Path=/");
    if let Some(d) = domain {
        c.push_str("; Domain=");
        c.push_str(d);
    }
    c.push_str("; Secure; SameSite=Lax");
    if http_only {
        c.push_str("; HttpOnly");
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_found_by_exact_name() {
        let h = "a=1; _fbp=fb.1.1.2; x_fbp=no; tr_consent=\"marketing=granted\"";
        assert_eq!(get(h, "_fbp"), Some("fb.1.1.2"));
        assert_eq!(get(h, "tr_consent"), Some("marketing=granted"));
        assert_eq!(get(h, "fbp"), None);
    }

    #[test]
    fn registrable_domains() {
        let cases = [
            ("www.entrena-con-ana.es", Some("entrena-con-ana.es")),
            ("entrena.es:8443", Some("entrena.es")),
            ("shop.gym.com.es", Some("gym.com.es")),
            ("a.b.studio.co.uk", Some("studio.co.uk")),
            ("co.uk", None),
            ("127.0.0.1:3000", None),
            ("localhost", None),
            ("[::1]:80", None),
        ];
        for (host, want) in cases {
            assert_eq!(registrable_domain(host).as_deref(), want, "{host}");
        }
    }

    #[test]
    fn set_cookie_is_secure_and_lax() {
        assert_eq!(
            set_cookie("_fbp", "fb.1.2.3", 60, Some("example.com"), false),
            "_fbp=fb.1.2.3; Max-Age=60; Path=/; Domain=example.com; Secure; SameSite=Lax"
        );
        assert!(set_cookie("_tr_gclid", "x", 1, None, true).ends_with("; HttpOnly"));
    }
}
