//! The runtime config's `[outbound_networking] block_networks`, as Spin applies it: a list of
//! CIDRs and the keyword `"private"` (every network that is not globally routable), checked
//! against the addresses a host name resolves to when an outbound connection is made, so a
//! name that resolves to an internal address is refused even though `allowed_outbound_hosts`
//! allows it. Spin answers the guest `destination-ip-prohibited`.
//!
//! As in Spin, the blocked addresses of a name are dropped and the rest are tried; a name with
//! none left is refused (see `outbound_http.rs`, whose connector applies this).

use anyhow::{Context, Result, bail};
use serde::Deserialize;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::Path;

/// The blocked networks of one running app (empty: nothing blocked).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BlockedNetworks {
    private: bool,
    cidrs: Vec<(IpAddr, u8)>,
}

#[derive(Deserialize)]
struct Raw {
    #[serde(default)]
    outbound_networking: Option<RawOutbound>,
}

#[derive(Deserialize)]
struct RawOutbound {
    #[serde(default)]
    block_networks: Vec<String>,
}

impl BlockedNetworks {
    /// From a runtime config file (`None` or no `[outbound_networking]`: nothing blocked).
    pub fn load(file: Option<&Path>) -> Result<BlockedNetworks> {
        let Some(file) = file else {
            return Ok(BlockedNetworks::default());
        };
        let text = std::fs::read_to_string(file)
            .with_context(|| format!("cannot read runtime config {}", file.display()))?;
        let raw: Raw = toml::from_str(&text)
            .with_context(|| format!("invalid runtime config {}", file.display()))?;
        let list = raw.outbound_networking.map(|o| o.block_networks);
        BlockedNetworks::parse(&list.unwrap_or_default())
            .context("failed to parse [outbound_networking] table")
    }

    /// From `block_networks` entries.
    pub fn parse(entries: &[String]) -> Result<BlockedNetworks> {
        let mut out = BlockedNetworks::default();
        for e in entries {
            if e == "private" {
                out.private = true;
                continue;
            }
            let (addr, len) = e.split_once('/').unwrap_or((e.as_str(), ""));
            let ip: IpAddr = addr
                .parse()
                .with_context(|| format!("{e:?}: an IP network in CIDR notation or 'private'"))?;
            let max = if ip.is_ipv4() { 32 } else { 128 };
            let len: u8 = if len.is_empty() { max } else { len.parse()? };
            if len > max {
                bail!("{e:?}: prefix longer than the address");
            }
            out.cidrs.push((ip, len));
        }
        Ok(out)
    }

    pub fn is_empty(&self) -> bool {
        !self.private && self.cidrs.is_empty()
    }

    /// Whether a connection to `ip` is refused.
    pub fn is_blocked(&self, ip: IpAddr) -> bool {
        if let IpAddr::V6(v6) = ip
            && let Some(v4) = v6.to_ipv4_mapped().or_else(|| v6.to_ipv4())
            && self.is_blocked(IpAddr::V4(v4))
        {
            return true;
        }
        (self.private && !is_global(ip))
            || self.cidrs.iter().any(|(net, len)| contains(*net, *len, ip))
    }
}

fn contains(net: IpAddr, len: u8, ip: IpAddr) -> bool {
    match (net, ip) {
        (IpAddr::V4(n), IpAddr::V4(a)) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(len)).unwrap_or(0);
            u32::from(n) & mask == u32::from(a) & mask
        }
        (IpAddr::V6(n), IpAddr::V6(a)) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(len)).unwrap_or(0);
            u128::from(n) & mask == u128::from(a) & mask
        }
        _ => false,
    }
}

/// Globally routable, as `ip_network`'s `is_global` (IANA special-purpose registries).
fn is_global(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(a) => is_global_v4(a),
        IpAddr::V6(a) => is_global_v6(a),
    }
}

fn is_global_v4(a: Ipv4Addr) -> bool {
    let o = a.octets();
    !(a.is_unspecified()
        || o[0] == 0
        || a.is_private()
        || a.is_loopback()
        || a.is_link_local()
        || a.is_broadcast()
        || a.is_documentation()
        || a.is_multicast()
        || o[0] >= 240
        || (o[0] == 100 && (64..128).contains(&o[1]))
        || (o[0] == 192 && o[1] == 0 && o[2] == 0)
        || (o[0] == 198 && (o[1] == 18 || o[1] == 19)))
}

fn is_global_v6(a: Ipv6Addr) -> bool {
    let s = a.segments();
    !(a.is_unspecified()
        || a.is_loopback()
        || a.is_multicast()
        || (s[0] & 0xfe00) == 0xfc00
        || (s[0] & 0xffc0) == 0xfe80
        || (s[0] == 0x2001 && s[1] == 0x0db8)
        || a.to_ipv4_mapped().is_some_and(|v4| !is_global_v4(v4)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_and_cidrs_are_blocked_as_spin_does() {
        let b = BlockedNetworks::parse(&["private".into(), "203.0.113.0/24".into()]).unwrap();
        for ip in [
            "127.0.0.1",
            "10.1.1.1",
            "169.254.169.254",
            "192.168.0.9",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "203.0.113.7",
        ] {
            assert!(b.is_blocked(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["8.8.8.8", "1.1.1.1", "2606:4700::1111"] {
            assert!(!b.is_blocked(ip.parse().unwrap()), "{ip}");
        }
        let only = BlockedNetworks::parse(&["1.1.1.1/32".into()]).unwrap();
        assert!(only.is_blocked("1.1.1.1".parse().unwrap()));
        assert!(!only.is_blocked("127.0.0.1".parse().unwrap()));
        assert!(BlockedNetworks::parse(&[]).unwrap().is_empty());
        for bad in ["privat", "1.2.3.4/33", "nope/8"] {
            assert!(BlockedNetworks::parse(&[bad.into()]).is_err(), "{bad}");
        }
    }
}
