//! Access tokens at rest: AES-256-GCM (RustCrypto `aes-gcm`).
//!
//! Format: `v1.<key-id>.<base64url(nonce || ciphertext+tag)>`, where key-id is the first 8 hex
//! digits of SHA-256 of the key. The key id lets keys rotate: a [`Keyring`] encrypts with its
//! current key and decrypts with whichever key the id names, so tokens written under an old key
//! stay readable until they are re-encrypted ([`Keyring::needs_reencrypt`]).
//! The header `v1.<key-id>` is authenticated as associated data, so it cannot be swapped.
//!
//! The core does no I/O: the caller passes the 12 random nonce bytes. A nonce must never repeat
//! under one key; 96 random bits make that negligible for the number of tokens we store.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE, URL_SAFE_NO_PAD};
use sha2::{Digest, Sha256};

const VERSION: &str = "v1";
const NONCE_LEN: usize = 12;

/// Why a key could not be loaded or a token not decrypted. Messages never contain secrets.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CryptoError {
    #[error("token_encryption_key must be base64 of 32 bytes: {0}")]
    BadKey(String),
    #[error("encrypted token is malformed")]
    Malformed,
    #[error("encrypted token uses key {0}, which is not in the keyring")]
    UnknownKey(String),
    #[error("encrypted token failed authentication (wrong key or tampered)")]
    Authentication,
    #[error("decrypted token is not UTF-8")]
    NotUtf8,
}

/// One AES-256 key and its id.
#[derive(Clone)]
pub struct TokenKey {
    id: String,
    cipher: Aes256Gcm,
}

impl std::fmt::Debug for TokenKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print key material.
        f.debug_struct("TokenKey").field("id", &self.id).finish()
    }
}

impl TokenKey {
    /// A key from its base64 text (standard or URL-safe alphabet, padded or not); exactly 32
    /// bytes, anything else is refused.
    pub fn from_base64(text: &str) -> Result<Self, CryptoError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(CryptoError::BadKey("the key is empty".into()));
        }
        let bytes = STANDARD
            .decode(text)
            .or_else(|_| URL_SAFE.decode(text))
            .or_else(|_| URL_SAFE_NO_PAD.decode(text))
            .map_err(|_| CryptoError::BadKey("not valid base64".into()))?;
        Self::from_bytes(&bytes)
    }

    /// A key from its 32 raw bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, CryptoError> {
        if bytes.len() != 32 {
            return Err(CryptoError::BadKey(format!(
                "decoded to {} bytes, need 32",
                bytes.len()
            )));
        }
        let cipher = Aes256Gcm::new_from_slice(bytes)
            .map_err(|_| CryptoError::BadKey("invalid key length".into()))?;
        let id = hex::encode(&Sha256::digest(bytes)[..4]);
        Ok(Self { id, cipher })
    }

    /// First 8 hex digits of SHA-256 of the key.
    pub fn id(&self) -> &str {
        &self.id
    }
}

/// The current key (encrypts) and older keys (still decrypt).
#[derive(Debug, Clone)]
pub struct Keyring {
    current: TokenKey,
    previous: Vec<TokenKey>,
}

impl Keyring {
    pub fn new(current: TokenKey) -> Self {
        Self {
            current,
            previous: Vec::new(),
        }
    }

    /// From configuration: the current key and a comma-separated list of previous keys
    /// (empty for none), all base64.
    pub fn from_config(current: &str, previous: &str) -> Result<Self, CryptoError> {
        let mut ring = Self::new(TokenKey::from_base64(current)?);
        for k in previous.split(',').filter(|k| !k.trim().is_empty()) {
            ring = ring.with_previous(TokenKey::from_base64(k)?);
        }
        Ok(ring)
    }

    /// Add an older key that may still decrypt.
    pub fn with_previous(mut self, key: TokenKey) -> Self {
        self.previous.push(key);
        self
    }

    pub fn current_id(&self) -> &str {
        self.current.id()
    }

    /// Encrypt `clear` with the current key and the caller's 12 random bytes.
    pub fn encrypt(&self, clear: &str, nonce: [u8; NONCE_LEN]) -> Result<String, CryptoError> {
        let header = format!("{VERSION}.{}", self.current.id);
        let sealed = self
            .current
            .cipher
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: clear.as_bytes(),
                    aad: header.as_bytes(),
                },
            )
            .map_err(|_| CryptoError::Authentication)?;
        let mut blob = Vec::with_capacity(NONCE_LEN + sealed.len());
        blob.extend_from_slice(&nonce);
        blob.extend_from_slice(&sealed);
        Ok(format!("{header}.{}", URL_SAFE_NO_PAD.encode(blob)))
    }

    /// Decrypt a value made by [`Keyring::encrypt`] under any key of the ring.
    pub fn decrypt(&self, encrypted: &str) -> Result<String, CryptoError> {
        let (key_id, blob) = parse(encrypted)?;
        let key = std::iter::once(&self.current)
            .chain(&self.previous)
            .find(|k| k.id == key_id)
            .ok_or_else(|| CryptoError::UnknownKey(key_id.to_owned()))?;
        let (nonce, sealed) = blob.split_at(NONCE_LEN);
        let header = format!("{VERSION}.{key_id}");
        let clear = key
            .cipher
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: sealed,
                    aad: header.as_bytes(),
                },
            )
            .map_err(|_| CryptoError::Authentication)?;
        String::from_utf8(clear).map_err(|_| CryptoError::NotUtf8)
    }

    /// Whether `encrypted` was made under an older key (re-encrypt it when convenient).
    pub fn needs_reencrypt(&self, encrypted: &str) -> bool {
        parse(encrypted).is_ok_and(|(id, _)| id != self.current.id)
    }
}

fn parse(encrypted: &str) -> Result<(&str, Vec<u8>), CryptoError> {
    let mut parts = encrypted.splitn(3, '.');
    let (Some(VERSION), Some(key_id), Some(body)) = (parts.next(), parts.next(), parts.next())
    else {
        return Err(CryptoError::Malformed);
    };
    if key_id.len() != 8 {
        return Err(CryptoError::Malformed);
    }
    let blob = URL_SAFE_NO_PAD
        .decode(body)
        .map_err(|_| CryptoError::Malformed)?;
    // Nonce plus the 16-byte tag at least.
    if blob.len() < NONCE_LEN + 16 {
        return Err(CryptoError::Malformed);
    }
    Ok((key_id, blob))
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY_A: [u8; 32] = [7; 32];
    const KEY_B: [u8; 32] = [9; 32];

    fn ring(key: [u8; 32]) -> Keyring {
        Keyring::new(TokenKey::from_bytes(&key).unwrap())
    }

    #[test]
    fn round_trip_and_format() {
        let r = ring(KEY_A);
        let token = "EAABsbCS1iHgBAKZC0ZD";
        let enc = r.encrypt(token, [1; 12]).unwrap();
        let id = hex::encode(&Sha256::digest(KEY_A)[..4]);
        assert!(enc.starts_with(&format!("v1.{id}.")), "{enc}");
        assert_eq!(r.decrypt(&enc).unwrap(), token);
        assert_eq!(r.decrypt(&r.encrypt("", [2; 12]).unwrap()).unwrap(), "");
    }

    #[test]
    fn ciphertext_never_contains_the_clear_token() {
        let r = ring(KEY_A);
        for (i, token) in [
            "EAABsbCS1iHgBAKZC0ZD",
            "act.abcdef0123456789",
            "1//0gRefresh-Tok_en",
        ]
        .into_iter()
        .enumerate()
        {
            let enc = r.encrypt(token, [i as u8; 12]).unwrap();
            assert!(!enc.contains(token));
            // Nor any 6-character run of it, in case the encoding leaked a fragment.
            for w in token.as_bytes().windows(6) {
                assert!(!enc.contains(std::str::from_utf8(w).unwrap()), "{enc}");
            }
        }
    }

    #[test]
    fn tampering_fails_cleanly() {
        let r = ring(KEY_A);
        let enc = r.encrypt("secret-token", [3; 12]).unwrap();
        let (head, body) = enc.rsplit_once('.').unwrap();
        let mut blob = URL_SAFE_NO_PAD.decode(body).unwrap();
        for i in [0, 12, blob.len() - 1] {
            blob[i] ^= 1;
            let bad = format!("{head}.{}", URL_SAFE_NO_PAD.encode(&blob));
            assert_eq!(
                r.decrypt(&bad),
                Err(CryptoError::Authentication),
                "byte {i}"
            );
            blob[i] ^= 1;
        }
        for bad in [
            "",
            "v1",
            "v1.abc",
            "v2.00000000.AAAA",
            "v1.0000.AAAA",
            "v1.12345678.!!!",
        ] {
            assert!(r.decrypt(bad).is_err(), "{bad}");
        }
        // A valid body under a renamed key id is refused (unknown key or authentication).
        let other_id = format!("v1.ffffffff.{body}");
        assert!(r.decrypt(&other_id).is_err());
    }

    #[test]
    fn wrong_key_fails_cleanly() {
        let enc = ring(KEY_A).encrypt("secret-token", [4; 12]).unwrap();
        let b = ring(KEY_B);
        assert!(matches!(b.decrypt(&enc), Err(CryptoError::UnknownKey(_))));
        // Same id forged onto the other key's ring still cannot authenticate.
        let forged = enc.replacen(&hex::encode(&Sha256::digest(KEY_A)[..4]), b.current_id(), 1);
        assert_eq!(b.decrypt(&forged), Err(CryptoError::Authentication));
    }

    #[test]
    fn rotation_old_key_decrypts_new_key_encrypts() {
        let old = ring(KEY_A);
        let enc_old = old.encrypt("tok-old", [5; 12]).unwrap();
        let b64 = |k: [u8; 32]| STANDARD.encode(k);
        let rotated = Keyring::from_config(&b64(KEY_B), &format!(" {} ,", b64(KEY_A))).unwrap();
        assert_eq!(rotated.decrypt(&enc_old).unwrap(), "tok-old");
        assert!(rotated.needs_reencrypt(&enc_old));
        let enc_new = rotated.encrypt("tok-new", [6; 12]).unwrap();
        assert!(!rotated.needs_reencrypt(&enc_new));
        assert!(enc_new.contains(rotated.current_id()));
        assert!(old.decrypt(&enc_new).is_err());
    }

    #[test]
    fn keys_of_the_wrong_length_are_refused() {
        let cases = [
            ("", false),
            ("not base64 at all!", false),
            ("AAAA", false),
            (&STANDARD.encode([1u8; 16]), false),
            (&STANDARD.encode([1u8; 33]), false),
            (&STANDARD.encode([1u8; 32]), true),
            (&URL_SAFE_NO_PAD.encode([0xfbu8; 32]), true),
        ];
        for (text, ok) in cases {
            let r = TokenKey::from_base64(text);
            assert_eq!(r.is_ok(), ok, "{text:?}");
            if let Err(e) = r {
                assert!(e.to_string().contains("token_encryption_key"));
            }
        }
        let err = TokenKey::from_base64(&STANDARD.encode([1u8; 16])).unwrap_err();
        assert!(err.to_string().contains("16 bytes"), "{err}");
    }
}
