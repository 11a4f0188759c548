//! The small HTTP vocabulary the platform handlers share: a fully read request, a JSON reply,
//! query/form decoding and the ids and clock the answers carry.
//!
//! Handlers are plain functions from `Incoming` to `Reply`, so they never touch hyper and never
//! see a half-read body.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use hyper::{HeaderMap, Method};
use serde_json::Value;

/// A request with its body read to the end.
pub(crate) struct Incoming {
    pub method: Method,
    /// Percent-decoded, so `customers%3AlistAccessibleCustomers` routes like the plain form.
    pub path: String,
    pub query: BTreeMap<String, String>,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Incoming {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn is_form(&self) -> bool {
        self.header("content-type")
            .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"))
    }

    pub fn json(&self) -> Result<Value, serde_json::Error> {
        serde_json::from_slice(&self.body)
    }

    pub fn form(&self) -> BTreeMap<String, String> {
        parse_pairs(&String::from_utf8_lossy(&self.body))
    }

    /// The path split on `/`, without empty segments.
    pub fn segments(&self) -> Vec<&str> {
        self.path.split('/').filter(|s| !s.is_empty()).collect()
    }
}

/// A JSON answer (or, for the OAuth consent screen, an HTML page in `html`).
pub(crate) struct Reply {
    pub status: u16,
    pub body: Value,
    pub headers: Vec<(String, String)>,
    /// When set, the answer is this HTML instead of `body`.
    pub html: Option<String>,
}

impl Reply {
    pub fn new(status: u16, body: Value) -> Reply {
        Reply {
            status,
            body,
            headers: Vec::new(),
            html: None,
        }
    }

    /// An HTML page (Google's consent screen is one).
    pub fn html(status: u16, page: String) -> Reply {
        Reply {
            html: Some(page),
            ..Reply::new(status, Value::Null)
        }
    }

    /// A redirect with an empty body.
    pub fn redirect(location: &str) -> Reply {
        Reply::new(302, Value::Null).with_header("location", location)
    }

    pub fn ok(body: Value) -> Reply {
        Reply::new(200, body)
    }

    pub fn with_header(mut self, name: &str, value: impl Into<String>) -> Reply {
        self.headers.push((name.to_owned(), value.into()));
        self
    }
}

/// Decode `a=1&b=x%20y` (also `+` as space); a repeated name keeps its last value.
pub(crate) fn parse_pairs(s: &str) -> BTreeMap<String, String> {
    s.split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(k, true), percent_decode(v, true))
        })
        .collect()
}

/// Percent-decode; malformed escapes are kept as they are rather than failing the request.
pub(crate) fn percent_decode(s: &str, plus_is_space: bool) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3])
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(b) => {
                        out.push(b);
                        i += 3;
                    }
                    None => {
                        out.push(b'%');
                        i += 1;
                    }
                }
            }
            b'+' if plus_is_space => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Seconds since the Unix epoch.
pub(crate) fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// A fresh opaque id (fbtrace ids, TikTok request ids, Google request ids): unique per process,
/// scrambled so that it looks like the platforms' ids rather than a counter.
pub(crate) fn fresh_id(len: usize) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    let mut x = nanos
        ^ COUNTER
            .fetch_add(1, Ordering::Relaxed)
            .wrapping_mul(0x9E37_79B9_7F4A_7C15);
    let mut out = String::with_capacity(len);
    for _ in 0..len {
        // splitmix64: cheap, well mixed, no dependency.
        x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = x;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        out.push(ALPHABET[(z % 64) as usize] as char);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_queries() {
        let q = parse_pairs("fields=web%7Bevent_name%7D&access_token=a+b&empty&x=%zz");
        assert_eq!(q["fields"], "web{event_name}");
        assert_eq!(q["access_token"], "a b");
        assert_eq!(q["empty"], "");
        assert_eq!(q["x"], "%zz");
    }

    #[test]
    fn trailing_percent_is_kept() {
        assert_eq!(percent_decode("a%", false), "a%");
        assert_eq!(percent_decode("a%4", false), "a%4");
        assert_eq!(percent_decode("a%3A", false), "a:");
    }

    #[test]
    fn ids_are_unique() {
        let a = fresh_id(27);
        let b = fresh_id(27);
        assert_eq!(a.len(), 27);
        assert_ne!(a, b);
    }
}
