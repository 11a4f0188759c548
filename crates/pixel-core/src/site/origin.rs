//! Where the edge may forward to: a site's origin must be a public host, never the app itself,
//! Spin's service-chaining names, or an address inside the network the app runs in (loopback,
//! private, link-local such as cloud metadata at 169.254.169.254, unique-local, multicast).
//!
//! Checked when a site is saved (a 400 that names the reason) and again before every forward
//! (the policy or the app's host list may have changed since). Names are not resolved here (a
//! component cannot): the runtime config's `[outbound_networking] block_networks` refuses a
//! name that resolves to such an address when the connection is made.

use std::net::{Ipv4Addr, Ipv6Addr};

/// What the policy allows besides public hosts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OriginPolicy {
    /// The development switch (`allow_private_origins`): loopback, private networks and local
    /// names (`localhost`, single-label hosts) become acceptable origins.
    pub allow_private: bool,
    /// The app's own host names (`app_hosts`), never an origin and never a site.
    pub app_hosts: Vec<String>,
}

impl OriginPolicy {
    /// From the variables' text (`"true"`/`"false"`, comma-separated host names).
    pub fn from_vars(allow_private: &str, app_hosts: &str) -> OriginPolicy {
        OriginPolicy {
            allow_private: allow_private.trim().eq_ignore_ascii_case("true"),
            app_hosts: parse_app_hosts(app_hosts),
        }
    }

    /// Whether `host` (a name with an optional port) is one of the app's own.
    pub fn is_app_host(&self, host: &str) -> bool {
        let (name, _) = split_port(host);
        let name = name.trim_end_matches('.').to_ascii_lowercase();
        self.app_hosts.iter().any(|a| {
            let (a_name, a_port) = split_port(a);
            // An entry with a port names that port only; without one, every port.
            a_name == name && a_port.is_none_or(|_| a.eq_ignore_ascii_case(host))
        })
    }
}

/// `"app.example.com, admin.example.com:8443"` → lowercase names, empty entries dropped.
pub fn parse_app_hosts(raw: &str) -> Vec<String> {
    raw.split(',')
        .map(|h| h.trim().trim_end_matches('.').to_ascii_lowercase())
        .filter(|h| !h.is_empty())
        .collect()
}

fn split_port(host: &str) -> (&str, Option<&str>) {
    match host.rsplit_once(':') {
        Some((n, p)) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => (n, Some(p)),
        _ => (host, None),
    }
}

/// The authority's host of an origin URL (`https://h:8443/x` → `h`).
pub fn origin_host(origin_url: &str) -> Option<&str> {
    let rest = origin_url
        .strip_prefix("https://")
        .or_else(|| origin_url.strip_prefix("http://"))?;
    let authority = rest.split(['/', '?', '#']).next()?;
    Some(split_port(authority).0)
}

/// Why an origin host is refused, or `Ok` for an acceptable one.
pub fn check_origin_host(host: &str, policy: &OriginPolicy) -> Result<(), String> {
    let name = host.trim_end_matches('.').to_ascii_lowercase();
    if name == "spin.internal" || name.ends_with(".spin.internal") {
        return Err(format!(
            "{name} is one of the app's internal components (*.spin.internal), never an origin"
        ));
    }
    if policy.is_app_host(&name) {
        return Err(format!(
            "{name} is this app's own host name: the edge would forward to itself"
        ));
    }
    if let Some(v6) = name.strip_prefix('[').and_then(|n| n.strip_suffix(']')) {
        let ip: Ipv6Addr = v6
            .parse()
            .map_err(|_| format!("{name} is not a valid IPv6 address"))?;
        return check_ipv6(ip, policy.allow_private);
    }
    if let Some(ip) = ipv4_literal(&name)? {
        return check_ipv4(ip, policy.allow_private);
    }
    let local_name = name == "localhost"
        || name.ends_with(".localhost")
        || name.ends_with(".local")
        || name.ends_with(".internal")
        || name.ends_with(".home.arpa")
        || !name.contains('.');
    if local_name && !policy.allow_private {
        return Err(format!(
            "{name} is a local network name, not a public host (set allow_private_origins=true for local development)"
        ));
    }
    Ok(())
}

/// A host whose last label starts with a digit is an IPv4 address to every resolver (which also
/// read `2130706433`, `127.1` and `0x7f.0.0.1` as 127.0.0.1), so only the dotted-quad form
/// is accepted, and checked as an address.
fn ipv4_literal(name: &str) -> Result<Option<Ipv4Addr>, String> {
    let last = name.rsplit('.').next().unwrap_or("");
    if !last.starts_with(|c: char| c.is_ascii_digit()) {
        return Ok(None);
    }
    let octets: Vec<&str> = name.split('.').collect();
    let canonical = octets.len() == 4
        && octets.iter().all(|o| {
            !o.is_empty()
                && o.len() <= 3
                && o.bytes().all(|b| b.is_ascii_digit())
                && (o.len() == 1 || !o.starts_with('0'))
        });
    if !canonical {
        return Err(format!(
            "{name} is not a host name nor a dotted IPv4 address such as 203.0.113.10"
        ));
    }
    name.parse()
        .map(Some)
        .map_err(|_| format!("{name} is not a valid IPv4 address"))
}

fn check_ipv4(ip: Ipv4Addr, allow_private: bool) -> Result<(), String> {
    let o = ip.octets();
    let never = if ip.is_unspecified() || o[0] == 0 {
        Some("the unspecified network 0.0.0.0/8")
    } else if ip.is_link_local() {
        Some("link-local (169.254.0.0/16, where cloud metadata services answer)")
    } else if ip.is_multicast() || ip.is_broadcast() || o[0] >= 240 {
        Some("multicast, broadcast or reserved")
    } else {
        None
    };
    if let Some(why) = never {
        return Err(format!("{ip} is {why}, never an origin"));
    }
    let private = if ip.is_loopback() {
        Some("loopback (127.0.0.0/8)")
    } else if ip.is_private() {
        Some("a private network (10/8, 172.16/12, 192.168/16)")
    } else if o[0] == 100 && (64..128).contains(&o[1]) {
        Some("carrier-grade NAT (100.64.0.0/10)")
    } else if o[0] == 198 && (o[1] == 18 || o[1] == 19) {
        Some("a benchmarking network (198.18.0.0/15)")
    } else if o[0] == 192 && o[1] == 0 && o[2] == 0 {
        Some("IETF protocol assignments (192.0.0.0/24)")
    } else {
        None
    };
    match private {
        Some(why) if !allow_private => Err(format!(
            "{ip} is {why}, not a public address (set allow_private_origins=true for local development)"
        )),
        _ => Ok(()),
    }
}

fn check_ipv6(ip: Ipv6Addr, allow_private: bool) -> Result<(), String> {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return check_ipv4(v4, allow_private);
    }
    let first = ip.segments()[0];
    if ip.is_unspecified() || ip.is_multicast() || (first & 0xffc0) == 0xfe80 {
        return Err(format!(
            "{ip} is unspecified, multicast or link-local, never an origin"
        ));
    }
    let private = ip.is_loopback() || (first & 0xfe00) == 0xfc00;
    if private && !allow_private {
        return Err(format!(
            "{ip} is loopback or unique-local (fc00::/7), not a public address (set allow_private_origins=true for local development)"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strict() -> OriginPolicy {
        OriginPolicy::from_vars("false", "app.trainererp.es, admin.trainererp.es:8443")
    }

    #[test]
    fn internal_and_private_addresses_are_refused_with_a_reason() {
        let p = strict();
        for (host, word) in [
            ("127.0.0.1", "loopback"),
            ("127.9.9.9", "loopback"),
            ("10.1.2.3", "private"),
            ("172.16.0.1", "private"),
            ("192.168.1.1", "private"),
            ("169.254.169.254", "link-local"),
            ("0.0.0.0", "unspecified"),
            ("224.0.0.1", "multicast"),
            ("100.64.0.1", "carrier-grade"),
            ("2130706433", "dotted IPv4"),
            ("127.1", "dotted IPv4"),
            ("0x7f.0.0.1", "dotted IPv4"),
            ("0177.0.0.1", "dotted IPv4"),
            ("[::1]", "loopback"),
            ("[fd00::1]", "unique-local"),
            ("[fe80::1]", "link-local"),
            ("[::ffff:127.0.0.1]", "loopback"),
            ("localhost", "local network name"),
            ("demo.localhost", "local network name"),
            ("intranet", "local network name"),
            ("dispatcher.spin.internal", "spin.internal"),
            ("app.trainererp.es", "own host"),
            ("APP.trainererp.es.", "own host"),
        ] {
            let err = check_origin_host(host, &p).expect_err(host);
            assert!(err.contains(word), "{host}: {err}");
        }
        for ok in [
            "www.example.com",
            "203.0.113.10",
            "8.8.8.8",
            "[2001:db8::1]",
        ] {
            assert_eq!(check_origin_host(ok, &p), Ok(()), "{ok}");
        }
    }

    #[test]
    fn the_development_switch_opens_loopback_and_private_only() {
        let dev = OriginPolicy::from_vars("true", "app.trainererp.es");
        for ok in ["127.0.0.1", "10.0.0.2", "localhost", "[::1]"] {
            assert_eq!(check_origin_host(ok, &dev), Ok(()), "{ok}");
        }
        for still in [
            "169.254.169.254",
            "dispatcher.spin.internal",
            "app.trainererp.es",
            "0.0.0.0",
            "2130706433",
        ] {
            assert!(check_origin_host(still, &dev).is_err(), "{still}");
        }
    }

    #[test]
    fn app_hosts_match_by_name_and_port() {
        let p = strict();
        assert!(p.is_app_host("app.trainererp.es:3000"));
        assert!(p.is_app_host("admin.trainererp.es:8443"));
        assert!(!p.is_app_host("admin.trainererp.es:9000"));
        assert!(!p.is_app_host("www.trainererp.es"));
        assert_eq!(origin_host("https://h.example:8443/x"), Some("h.example"));
        assert_eq!(origin_host("http://127.0.0.1:99"), Some("127.0.0.1"));
        assert_eq!(origin_host("ftp://x"), None);
    }
}
