//! The backend's request signature: `X-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of
//! "<t>.<body>">` with the `ingest_signing_secret`, accepted within a five-minute window.
//!
//! The timestamp is inside the MAC, so a captured request cannot be replayed later with a fresh
//! `t`; within the window, replays are harmless because ingestion is idempotent on `eventId`.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// How far `t` may be from the host's clock, either way.
pub const MAX_SKEW_SECS: i64 = 300;

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
            SignatureError::Malformed => "X-Signature must be t=<unix seconds>,v1=<hex hmac>",
            SignatureError::Stale => "the signature's timestamp is outside the five-minute window",
            SignatureError::Mismatch => "the signature does not match the body",
        }
    }
}

/// Check `header` for `body` at `now_secs`. The MAC is compared in constant time.
pub fn verify(
    header: Option<&str>,
    body: &[u8],
    secret: &[u8],
    now_secs: i64,
) -> Result<(), SignatureError> {
    let header = header.ok_or(SignatureError::Missing)?;
    let (mut t, mut v1) = (None, Vec::new());
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", v)) => t = Some(v.trim()),
            // Several v1 values are allowed so the backend can sign with two secrets while rotating.
            Some(("v1", v)) => v1.push(v.trim()),
            _ => {}
        }
    }
    let t_text = t.ok_or(SignatureError::Malformed)?;
    let t: i64 = t_text.parse().map_err(|_| SignatureError::Malformed)?;
    let macs: Vec<Vec<u8>> = v1.iter().filter_map(|v| hex::decode(v).ok()).collect();
    if macs.is_empty() {
        return Err(SignatureError::Malformed);
    }
    if (now_secs - t).abs() > MAX_SKEW_SECS {
        return Err(SignatureError::Stale);
    }
    for mac in macs {
        let mut m = Hmac::<Sha256>::new_from_slice(secret).map_err(|_| SignatureError::Mismatch)?;
        m.update(t_text.as_bytes());
        m.update(b".");
        m.update(body);
        if m.verify_slice(&mac).is_ok() {
            return Ok(());
        }
    }
    Err(SignatureError::Mismatch)
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
}
