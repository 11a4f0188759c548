//! The backend's request signature: `X-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of
//! "<t>.<body>">` with the `ingest_signing_secret`, accepted within a five-minute window.
//!
//! The timestamp is inside the MAC, so a captured request cannot be replayed later with a fresh
//! `t`; within the window, replays are harmless because ingestion is idempotent on `eventId`.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// How far `t` may be from the host's clock, either way.
pub const MAX_SKEW_SECS: i64 = 300;
/// At most this many `v1` entries: two let the backend sign with an old and a new secret while
/// rotating; more only buy an attacker work.
pub const MAX_MACS: usize = 2;
/// A well-formed header is under 200 bytes; anything much longer is refused unread.
pub const MAX_HEADER_LEN: usize = 512;

/// Why a signature was refused (answered as 401 with this text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignatureError {
    Missing,
    Malformed,
    Stale,
    Mismatch,
}

impl SignatureError {
    pub fn message(&self) -> &'static str {
        match self {
            SignatureError::Missing => "missing X-Signature header",
            SignatureError::Malformed => {
                "X-Signature must be t=<unix seconds>,v1=<64 hex digits> (at most two v1 entries)"
            }
            SignatureError::Stale => "the signature's timestamp is outside the five-minute window",
            SignatureError::Mismatch => "the signature does not match the body",
        }
    }
}

/// A header that passed every check that needs no body: well formed, fresh.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    t_text: String,
    macs: Vec<[u8; 32]>,
}

/// Check the header alone, before the body is read: its size, its shape (one `t`, one or two
/// `v1` of exactly 32 bytes in hex, nothing else) and its freshness at `now_secs`.
pub fn parse_header(header: Option<&str>, now_secs: i64) -> Result<Header, SignatureError> {
    let header = header.ok_or(SignatureError::Missing)?;
    if header.len() > MAX_HEADER_LEN {
        return Err(SignatureError::Malformed);
    }
    let (mut t, mut macs) = (None, Vec::new());
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", v)) if t.is_none() => t = Some(v.trim()),
            Some(("v1", v)) if macs.len() < MAX_MACS => {
                let mut mac = [0u8; 32];
                hex::decode_to_slice(v.trim(), &mut mac).map_err(|_| SignatureError::Malformed)?;
                macs.push(mac);
            }
            _ => return Err(SignatureError::Malformed),
        }
    }
    let t_text = t.ok_or(SignatureError::Malformed)?;
    let t: i64 = t_text.parse().map_err(|_| SignatureError::Malformed)?;
    if macs.is_empty() {
        return Err(SignatureError::Malformed);
    }
    if (now_secs - t).abs() > MAX_SKEW_SECS {
        return Err(SignatureError::Stale);
    }
    Ok(Header {
        t_text: t_text.to_owned(),
        macs,
    })
}

/// Check a parsed header against `body`: one HMAC of the body whatever the header holds, then
/// a constant-time comparison with each (at most [`MAX_MACS`]) candidate.
pub fn verify_body(header: &Header, body: &[u8], secret: &[u8]) -> Result<(), SignatureError> {
    let mut m = Hmac::<Sha256>::new_from_slice(secret).map_err(|_| SignatureError::Mismatch)?;
    m.update(header.t_text.as_bytes());
    m.update(b".");
    m.update(body);
    // The body is hashed once; each candidate only finishes a copy of that state.
    if header
        .macs
        .iter()
        .any(|mac| m.clone().verify_slice(mac).is_ok())
    {
        Ok(())
    } else {
        Err(SignatureError::Mismatch)
    }
}

/// Check `header` for `body` at `now_secs` ([`parse_header`], then [`verify_body`]).
pub fn verify(
    header: Option<&str>,
    body: &[u8],
    secret: &[u8],
    now_secs: i64,
) -> Result<(), SignatureError> {
    verify_body(&parse_header(header, now_secs)?, body, secret)
}

/// The header value for `body` at `t` (tests and the benchmark sign the same way).
pub fn sign(body: &[u8], secret: &[u8], t: i64) -> String {
    let mut m = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes any key length");
    m.update(t.to_string().as_bytes());
    m.update(b".");
    m.update(body);
    format!("t={t},v1={}", hex::encode(m.finalize().into_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_790_000_000;

    #[test]
    fn signatures_are_checked_for_body_secret_and_time() {
        let body = br#"{"eventId":"e1"}"#;
        let good = sign(body, b"s3cret", NOW);
        assert_eq!(verify(Some(&good), body, b"s3cret", NOW + 10), Ok(()));
        // (header, body, secret, now, expected error)
        type Case<'a> = (Option<&'a str>, &'a [u8], &'a [u8], i64, SignatureError);
        let cases: &[Case<'_>] = &[
            (None, body, b"s3cret", NOW, SignatureError::Missing),
            (
                Some("garbage"),
                body,
                b"s3cret",
                NOW,
                SignatureError::Malformed,
            ),
            (
                Some("t=abc,v1=00"),
                body,
                b"s3cret",
                NOW,
                SignatureError::Malformed,
            ),
            (
                Some("t=1,v1=00"),
                body,
                b"s3cret",
                NOW,
                SignatureError::Malformed,
            ),
            (
                Some("t=1,v1=zz"),
                body,
                b"s3cret",
                NOW,
                SignatureError::Malformed,
            ),
            (Some(&good), b"{}", b"s3cret", NOW, SignatureError::Mismatch),
            (Some(&good), body, b"other", NOW, SignatureError::Mismatch),
            (
                Some(&good),
                body,
                b"s3cret",
                NOW + 301,
                SignatureError::Stale,
            ),
            (
                Some(&good),
                body,
                b"s3cret",
                NOW - 301,
                SignatureError::Stale,
            ),
        ];
        for (header, body, secret, now, want) in cases {
            assert_eq!(
                verify(*header, body, secret, *now).as_ref(),
                Err(want),
                "{header:?}"
            );
        }
    }

    #[test]
    fn a_rotated_secret_may_sign_alongside_the_old_one() {
        let body = b"[]";
        let old = sign(body, b"old", NOW);
        let new = sign(body, b"new", NOW);
        let both = format!("{},{}", old, new.split(',').nth(1).unwrap());
        assert_eq!(verify(Some(&both), body, b"new", NOW), Ok(()));
    }

    #[test]
    fn more_entries_than_a_rotation_needs_or_a_long_header_are_malformed_unread() {
        let body = b"[]";
        let good = sign(body, b"k", NOW);
        let v1 = good.split(',').nth(1).unwrap();
        let three = format!("{good},{v1},{v1}");
        let long = format!("{good},{}", "x".repeat(MAX_HEADER_LEN));
        let two_t = format!("t={NOW},{good}");
        let junk = format!("{good},v0=abc");
        for h in [three, long, two_t, junk] {
            assert_eq!(
                parse_header(Some(&h), NOW),
                Err(SignatureError::Malformed),
                "{h}"
            );
        }
        assert_eq!(
            parse_header(Some(&good), NOW + 301),
            Err(SignatureError::Stale)
        );
    }
}
