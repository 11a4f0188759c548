//! First-party cookies: reading the request's `Cookie` header and writing `Set-Cookie` values
//! on the site's registrable domain (Public Suffix List), `Secure` and `SameSite=Lax`, as the
//! platforms' own pixels would, so the browser pixel and the edge share one `_fbp`/`_fbc`.

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

/// The registrable domain of `host` (port dropped) by the Public Suffix List (the `psl` crate,
/// which compiles the list in; ICANN and private sections, so `ana.github.io` is its own site):
/// `www.entrena.es` → `entrena.es`, `shop.gym.com.es` → `gym.com.es`. `None` for an IP
/// address, a public suffix itself or a name under no known suffix (`localhost`), where a
/// host-only cookie is right.
pub fn registrable_domain(host: &str) -> Option<String> {
    let name = match host.rsplit_once(':') {
        Some((n, p)) if p.bytes().all(|b| b.is_ascii_digit()) => n,
        _ => host,
    };
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    if name.starts_with('[') || name.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return None;
    }
    if name.split('.').count() < 2 || name.split('.').any(str::is_empty) {
        return None;
    }
    // A suffix the list only knows through its default rule (`*`) is no real registry.
    let suffix = psl::suffix(name.as_bytes())?;
    if !suffix.is_known() {
        return None;
    }
    let domain = psl::domain(name.as_bytes())?;
    std::str::from_utf8(domain.as_bytes())
        .ok()
        .map(str::to_owned)
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
            ("gob.es", None),
            ("www.sanidad.gob.es", Some("sanidad.gob.es")),
            ("ana.github.io", Some("ana.github.io")),
            ("tienda.gym.com.co", Some("gym.com.co")),
            ("www.gym.co.jp", Some("gym.co.jp")),
            ("127.0.0.1:3000", None),
            ("localhost", None),
            ("demo.localhost:3000", None),
            ("intranet.corp", None),
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
