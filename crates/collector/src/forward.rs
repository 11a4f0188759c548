//! What a reverse proxy must change in the headers it passes on: hop-by-hop headers dropped
//! (RFC 9110 §7.6.1, including those the `Connection` header names), Spin's own request headers
//! kept from the origin, and `X-Forwarded-For/-Proto/-Host` set from what the edge saw.

use http::{HeaderMap, HeaderName, HeaderValue};

const HOP_BY_HOP: [&str; 9] = [
    "connection",
    "keep-alive",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "proxy-authorization",
    "proxy-authenticate",
];

/// Remove hop-by-hop headers, in place.
pub fn drop_hop_by_hop(headers: &mut HeaderMap) {
    let named: Vec<String> = headers
        .get_all(http::header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(',').map(|s| s.trim().to_ascii_lowercase()))
        .filter(|s| !s.is_empty())
        .collect();
    for name in HOP_BY_HOP.iter().map(|s| (*s).to_owned()).chain(named) {
        headers.remove(name.as_str());
    }
}

/// The client's address from Spin's `spin-client-addr` (`203.0.113.9:5123`, `[::1]:80`).
pub fn client_ip(spin_client_addr: Option<&str>) -> Option<String> {
    let a = spin_client_addr?.trim();
    let ip = if let Some(rest) = a.strip_prefix('[') {
        rest.split(']').next()?
    } else if a.matches(':').count() == 1 {
        a.split(':').next()?
    } else {
        a
    };
    (!ip.is_empty()).then(|| ip.to_owned())
}

/// The headers to send to the origin: the client's, minus hop-by-hop, `Host` (the outbound
/// request's authority is the origin's; Spin refuses a `Host` header) and Spin's `spin-*`
/// headers, plus `X-Forwarded-*`.
pub fn origin_headers(
    incoming: &HeaderMap,
    client_ip: Option<&str>,
    proto: &str,
    host: &str,
) -> HeaderMap {
    let mut h = incoming.clone();
    drop_hop_by_hop(&mut h);
    h.remove(http::header::HOST);
    let spin: Vec<HeaderName> = h
        .keys()
        .filter(|k| k.as_str().starts_with("spin-"))
        .cloned()
        .collect();
    for k in spin {
        h.remove(k);
    }
    let prior = h
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect::<Vec<_>>()
        .join(", ");
    let xff = match (prior.is_empty(), client_ip) {
        (true, Some(ip)) => ip.to_owned(),
        (false, Some(ip)) => format!("{prior}, {ip}"),
        (_, None) => prior,
    };
    let mut set = |name: &'static str, value: &str| {
        if let Ok(v) = HeaderValue::from_str(value) {
            h.insert(name, v);
        }
    };
    if !xff.is_empty() {
        set("x-forwarded-for", &xff);
    }
    set("x-forwarded-proto", proto);
    set("x-forwarded-host", host);
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proxy_headers() {
        let mut h = HeaderMap::new();
        for (k, v) in [
            ("host", "www.example.com"),
            ("connection", "keep-alive, x-secret-hop"),
            ("x-secret-hop", "1"),
            ("keep-alive", "timeout=5"),
            ("te", "trailers"),
            ("spin-client-addr", "203.0.113.9:5000"),
            ("spin-full-url", "http://x/"),
            ("x-forwarded-for", "198.51.100.1"),
            ("cookie", "a=1"),
            ("content-type", "text/plain"),
        ] {
            h.append(k, HeaderValue::from_static(v));
        }
        let out = origin_headers(&h, Some("203.0.113.9"), "https", "www.example.com");
        let names: Vec<&str> = out.keys().map(|k| k.as_str()).collect();
        for gone in [
            "host",
            "connection",
            "x-secret-hop",
            "keep-alive",
            "te",
            "spin-client-addr",
            "spin-full-url",
        ] {
            assert!(!names.contains(&gone), "{gone} forwarded");
        }
        assert_eq!(out["x-forwarded-for"], "198.51.100.1, 203.0.113.9");
        assert_eq!(out["x-forwarded-proto"], "https");
        assert_eq!(out["x-forwarded-host"], "www.example.com");
        assert_eq!(out["cookie"], "a=1");
    }

    #[test]
    fn client_addresses() {
        assert_eq!(
            client_ip(Some("203.0.113.9:5000")).as_deref(),
            Some("203.0.113.9")
        );
        assert_eq!(
            client_ip(Some("[2001:db8::1]:443")).as_deref(),
            Some("2001:db8::1")
        );
        assert_eq!(
            client_ip(Some("2001:db8::1")).as_deref(),
            Some("2001:db8::1")
        );
        assert_eq!(client_ip(None), None);
    }
}
