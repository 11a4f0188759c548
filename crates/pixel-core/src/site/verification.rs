//! Proof that a tenant controls a host: a DNS TXT record `_trainererp.<host>` holding
//! `trainererp-site-verification=<token>`, looked up over DNS-over-HTTPS (the JSON dialect,
//! `application/dns-json`). Until then the site is `pending` and the edge does not serve it.
//!
//! The token is an HMAC of tenant and host under a server secret, not random: it is the same
//! every time the tenant claims the host, so another tenant re-claiming a pending host (which
//! is allowed, a pending claim proves nothing) cannot invalidate the owner's record.

use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::Sha256;

/// The label the TXT record lives under.
pub const TXT_LABEL: &str = "_trainererp";
/// What the record's text begins with.
pub const TXT_PREFIX: &str = "trainererp-site-verification=";

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum VerificationStatus {
    /// Claimed, not proven: not proxied, and another tenant may claim it too.
    #[default]
    Pending,
    /// Proven by DNS: proxied, and no other tenant may claim it.
    Verified,
}

/// A site's ownership state, stored with it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Verification {
    pub status: VerificationStatus,
    /// Unix ms of the successful lookup.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verified_at: Option<i64>,
}

impl Verification {
    pub fn is_verified(&self) -> bool {
        self.status == VerificationStatus::Verified
    }
}

/// The record's name for `host` (its port, if any, dropped: DNS knows names only).
pub fn txt_name(host: &str) -> String {
    let name = match host.rsplit_once(':') {
        Some((n, p)) if p.bytes().all(|b| b.is_ascii_digit()) => n,
        _ => host,
    };
    format!("{TXT_LABEL}.{}", name.trim_end_matches('.'))
}

/// The record's expected text for `tenant` and `host`, keyed by `secret`.
pub fn txt_value(secret: &[u8], tenant: &str, host: &str) -> String {
    let mut m = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes any key length");
    m.update(b"site-verification\0");
    m.update(tenant.as_bytes());
    m.update(b"\0");
    m.update(host.to_ascii_lowercase().as_bytes());
    let digest = m.finalize().into_bytes();
    format!("{TXT_PREFIX}{}", hex::encode(&digest[..16]))
}

/// What a DNS-over-HTTPS JSON answer says about the expected TXT record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    Found,
    /// The name has TXT records, none with the expected text (the texts seen, for the message).
    Mismatch(Vec<String>),
    /// No such name or no TXT record at it.
    Missing,
    /// The resolver's answer was not usable (`Status` other than 0/3, or not the JSON dialect).
    ResolverError(String),
}

/// Read a resolver's answer (`{"Status":0,"Answer":[{"type":16,"data":"\"...\""}]}`). TXT data
/// arrives quoted and possibly split into several quoted strings, which are joined.
pub fn read_answer(answer: &Value, expected: &str) -> Lookup {
    let Some(status) = answer.get("Status").and_then(Value::as_u64) else {
        return Lookup::ResolverError("the resolver's answer has no Status".into());
    };
    match status {
        0 => {}
        3 => return Lookup::Missing,
        other => return Lookup::ResolverError(format!("the resolver answered Status {other}")),
    }
    let texts: Vec<String> = answer
        .get("Answer")
        .and_then(Value::as_array)
        .map(|records| {
            records
                .iter()
                .filter(|r| r.get("type").and_then(Value::as_u64) == Some(16))
                .filter_map(|r| r.get("data").and_then(Value::as_str))
                .map(unquote_txt)
                .collect()
        })
        .unwrap_or_default();
    if texts.iter().any(|t| t == expected) {
        Lookup::Found
    } else if texts.is_empty() {
        Lookup::Missing
    } else {
        Lookup::Mismatch(texts)
    }
}

/// `"\"abc\" \"def\""` → `abcdef`; unquoted data is taken as it is.
fn unquote_txt(data: &str) -> String {
    let data = data.trim();
    if !data.starts_with('"') {
        return data.to_owned();
    }
    let mut out = String::new();
    let mut inside = false;
    let mut chars = data.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => inside = !inside,
            '\\' if inside => out.extend(chars.next()),
            c if inside => out.push(c),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn names_and_values() {
        assert_eq!(
            txt_name("demo.localhost:3000"),
            "_trainererp.demo.localhost"
        );
        let a = txt_value(b"k", "tenant-a", "www.x.es");
        assert!(a.starts_with(TXT_PREFIX));
        assert_eq!(a, txt_value(b"k", "tenant-a", "WWW.x.es"));
        assert_ne!(a, txt_value(b"k", "tenant-b", "www.x.es"));
        assert_ne!(a, txt_value(b"other", "tenant-a", "www.x.es"));
    }

    #[test]
    fn answers_are_read_like_resolvers_write_them() {
        let want = "trainererp-site-verification=abc";
        let found = json!({"Status":0,"Answer":[
            {"name":"x.","type":5,"TTL":60,"data":"y."},
            {"name":"x.","type":16,"TTL":60,"data":"\"trainererp-site-\" \"verification=abc\""}]});
        assert_eq!(read_answer(&found, want), Lookup::Found);
        let other = json!({"Status":0,"Answer":[{"type":16,"data":"\"v=spf1 -all\""}]});
        assert_eq!(
            read_answer(&other, want),
            Lookup::Mismatch(vec!["v=spf1 -all".into()])
        );
        assert_eq!(read_answer(&json!({"Status":3}), want), Lookup::Missing);
        assert_eq!(read_answer(&json!({"Status":0}), want), Lookup::Missing);
        assert!(matches!(
            read_answer(&json!({"Status":2}), want),
            Lookup::ResolverError(_)
        ));
        assert!(matches!(
            read_answer(&json!([]), want),
            Lookup::ResolverError(_)
        ));
    }
}
