//! `allowed_outbound_hosts`: parsing and matching, as Spin's outbound-networking does.
//!
//! An entry is `scheme://host[:port]`: `*` for any scheme, host or port; `*.example.com` for
//! subdomains; a port range `8000..8100`; no port means the scheme's well-known port.
//! `{{ var }}` templates are expanded once, at load.

use anyhow::{Context, Result, bail};

#[derive(Debug, Clone, PartialEq, Eq)]
enum HostPattern {
    Any,
    Exact(String),
    /// `*.example.com`: stored as `.example.com`.
    Subdomain(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum PortPattern {
    Any,
    Range(u16, u16),
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct AllowedHost {
    scheme: Option<String>,
    host: HostPattern,
    port: PortPattern,
}

/// The parsed `allowed_outbound_hosts` of one component, with the runtime config's
/// `block_networks` (checked when a connection is made).
#[derive(Debug, Clone, Default)]
pub struct AllowedHosts {
    entries: Vec<AllowedHost>,
    blocked: crate::blocked::BlockedNetworks,
}

fn well_known_port(scheme: &str) -> Option<u16> {
    match scheme {
        "http" => Some(80),
        "https" => Some(443),
        "redis" => Some(6379),
        "mysql" => Some(3306),
        "postgres" => Some(5432),
        "mqtt" => Some(1883),
        _ => None,
    }
}

fn parse_entry(entry: &str) -> Result<AllowedHost> {
    let Some((scheme, rest)) = entry.split_once("://") else {
        bail!("{entry:?} must be `scheme://host[:port]`");
    };
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    if rest.contains('/') {
        bail!("{entry:?}: paths are not allowed in allowed_outbound_hosts");
    }
    let scheme = if scheme == "*" {
        None
    } else {
        Some(scheme.to_ascii_lowercase())
    };
    let (host, port) = match rest.rsplit_once(':') {
        // An IPv6 literal `[::1]` has colons inside brackets.
        Some((h, p)) if !p.contains(']') => (h, Some(p)),
        _ => (rest, None),
    };
    let host = host.to_ascii_lowercase();
    let host = if host == "*" {
        HostPattern::Any
    } else if let Some(suffix) = host.strip_prefix("*.") {
        HostPattern::Subdomain(format!(".{suffix}"))
    } else if host.is_empty() || host.contains('*') {
        bail!("{entry:?}: invalid host");
    } else {
        HostPattern::Exact(host)
    };
    let port = match port {
        Some("*") => PortPattern::Any,
        Some(p) => match p.split_once("..") {
            Some((a, b)) => PortPattern::Range(a.parse()?, b.parse()?),
            None => {
                let n: u16 = p
                    .parse()
                    .with_context(|| format!("{entry:?}: invalid port"))?;
                PortPattern::Range(n, n)
            }
        },
        None => match scheme.as_deref().and_then(well_known_port) {
            Some(n) => PortPattern::Range(n, n),
            None => bail!("{entry:?}: a port is required for this scheme"),
        },
    };
    Ok(AllowedHost { scheme, host, port })
}

impl AllowedHosts {
    /// Parses already-expanded entries.
    pub fn parse(entries: &[String]) -> Result<AllowedHosts> {
        let entries = entries
            .iter()
            .map(|e| parse_entry(e.trim()))
            .collect::<Result<Vec<_>>>()?;
        Ok(AllowedHosts {
            entries,
            blocked: Default::default(),
        })
    }

    /// These hosts, with the app's blocked networks.
    pub fn with_blocked(mut self, blocked: crate::blocked::BlockedNetworks) -> AllowedHosts {
        self.blocked = blocked;
        self
    }

    pub fn blocked(&self) -> &crate::blocked::BlockedNetworks {
        &self.blocked
    }

    /// Whether a request to `scheme://host:port` may go out.
    pub fn allows(&self, scheme: &str, host: &str, port: Option<u16>) -> bool {
        let scheme = scheme.to_ascii_lowercase();
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        let Some(port) = port.or_else(|| well_known_port(&scheme)) else {
            return false;
        };
        self.entries.iter().any(|e| {
            e.scheme.as_ref().is_none_or(|s| *s == scheme)
                && match &e.host {
                    HostPattern::Any => true,
                    HostPattern::Exact(h) => *h == host,
                    HostPattern::Subdomain(suffix) => host.ends_with(suffix.as_str()),
                }
                && match e.port {
                    PortPattern::Any => true,
                    PortPattern::Range(a, b) => (a..=b).contains(&port),
                }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hosts(list: &[&str]) -> AllowedHosts {
        AllowedHosts::parse(&list.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap()
    }

    #[test]
    fn matching_follows_spin() {
        let h = hosts(&[
            "https://graph.facebook.com",
            "http://127.0.0.1:3001",
            "http://dispatcher.spin.internal",
        ]);
        let table = [
            ("https", "graph.facebook.com", None, true),
            ("https", "graph.facebook.com", Some(443), true),
            ("https", "graph.facebook.com", Some(8443), false),
            ("http", "graph.facebook.com", None, false),
            ("http", "127.0.0.1", Some(3001), true),
            ("http", "127.0.0.1", Some(3002), false),
            ("http", "dispatcher.spin.internal", None, true),
            ("http", "collector.spin.internal", None, false),
        ];
        for (scheme, host, port, want) in table {
            assert_eq!(
                h.allows(scheme, host, port),
                want,
                "{scheme}://{host}:{port:?}"
            );
        }
        let any = hosts(&["http://*:*", "https://*.example.com"]);
        assert!(any.allows("http", "anything", Some(1234)));
        assert!(any.allows("https", "a.example.com", None));
        assert!(!any.allows("https", "example.org", None));
    }

    #[test]
    fn bad_entries_are_rejected() {
        for bad in [
            "graph.facebook.com",
            "https://a.com/path",
            "tcp://a.com",
            "https://a.com:x",
        ] {
            assert!(AllowedHosts::parse(&[bad.to_string()]).is_err(), "{bad}");
        }
    }
}
