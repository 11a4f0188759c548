//! Access tokens at rest: AES-256-GCM (RustCrypto `aes-gcm`).
//!
//! Format: `v2.<key-id>.<base64url(nonce || ciphertext+tag)>`, where key-id is the first 8 hex
//! digits of SHA-256 of the key. The key id lets keys rotate: a [`Keyring`] encrypts with its
//! current key and decrypts with whichever key the id names, so tokens written under an old key
//! stay readable until they are re-encrypted ([`Keyring::needs_reencrypt`]); once none is left
//! (config-api's re-encryption sweep says so) the old key can be removed from the variables.
//!
//! Associated data: the header `v2.<key-id>` and a *context* naming what the token belongs to
//! ([`config_context`]: tenant and config id), so a ciphertext copied onto another config (or
//! another tenant) fails authentication instead of lending its token. `v1` values (header
//! only, written before contexts) are still read, and rewritten as `v2` by the sweep.
//!
//! The core does no I/O: the caller passes the 12 random nonce bytes. A nonce must never repeat
//! under one key; 96 random bits make that negligible for the number of tokens we store. An
//! all-zero nonce is what a failed random source leaves behind, so it is refused.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE, URL_SAFE_NO_PAD};
use sha2::{Digest, Sha256};

/// Header only as associated data (read, never written).
const LEGACY: &str = "v1";
/// Header and context as associated data.
const VERSION: &str = "v2";
const NONCE_LEN: usize = 12;

/// The context a config's token is bound to.
pub fn config_context(tenant: &str, config_id: &str) -> String {
    format!("config/{tenant}/{config_id}")
}

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
    #[error("refusing an all-zero nonce (the random source failed)")]
    BadNonce,
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

    /// Encrypt `clear` with the current key and the caller's 12 random bytes, bound to
    /// `context` (see [`config_context`]).
    pub fn encrypt_for(
        &self,
        clear: &str,
        nonce: [u8; NONCE_LEN],
        context: &str,
    ) -> Result<String, CryptoError> {
        if nonce == [0; NONCE_LEN] {
            return Err(CryptoError::BadNonce);
        }
        let header = format!("{VERSION}.{}", self.current.id);
        let aad = associated(&header, VERSION, context);
        let sealed = self
            .current
            .cipher
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: clear.as_bytes(),
                    aad: &aad,
                },
            )
            .map_err(|_| CryptoError::Authentication)?;
        let mut blob = Vec::with_capacity(NONCE_LEN + sealed.len());
        blob.extend_from_slice(&nonce);
        blob.extend_from_slice(&sealed);
        Ok(format!("{header}.{}", URL_SAFE_NO_PAD.encode(blob)))
    }

    /// [`Keyring::encrypt_for`] with an empty context: for values that belong to no config.
    pub fn encrypt(&self, clear: &str, nonce: [u8; NONCE_LEN]) -> Result<String, CryptoError> {
        self.encrypt_for(clear, nonce, "")
    }

    /// Decrypt a value made by [`Keyring::encrypt_for`] with the same `context` under any key
    /// of the ring (or a `v1` value, which has no context). A value written with the empty
    /// context (by code that does not bind yet) is still read, so a branch that encrypts with
    /// [`Keyring::encrypt`] never strands a token; [`Keyring::is_bound`] tells the
    /// re-encryption sweep to bind it.
    pub fn decrypt_for(&self, encrypted: &str, context: &str) -> Result<String, CryptoError> {
        match self.decrypt_exact(encrypted, context) {
            Err(CryptoError::Authentication) if !context.is_empty() => {
                self.decrypt_exact(encrypted, "")
            }
            other => other,
        }
    }

    /// Whether `encrypted` is a current-format value bound to exactly `context`.
    pub fn is_bound(&self, encrypted: &str, context: &str) -> bool {
        !self.needs_reencrypt(encrypted) && self.decrypt_exact(encrypted, context).is_ok()
    }

    fn decrypt_exact(&self, encrypted: &str, context: &str) -> Result<String, CryptoError> {
        let (version, key_id, blob) = parse(encrypted)?;
        let key = std::iter::once(&self.current)
            .chain(&self.previous)
            .find(|k| k.id == key_id)
            .ok_or_else(|| CryptoError::UnknownKey(key_id.to_owned()))?;
        let (nonce, sealed) = blob.split_at(NONCE_LEN);
        let header = format!("{version}.{key_id}");
        let aad = associated(&header, version, context);
        let clear = key
            .cipher
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: sealed,
                    aad: &aad,
                },
            )
            .map_err(|_| CryptoError::Authentication)?;
        String::from_utf8(clear).map_err(|_| CryptoError::NotUtf8)
    }

    /// [`Keyring::decrypt_for`] with an empty context.
    pub fn decrypt(&self, encrypted: &str) -> Result<String, CryptoError> {
        self.decrypt_for(encrypted, "")
    }

    /// Whether `encrypted` should be rewritten: made under an older key, or in the `v1` format
    /// without a context.
    pub fn needs_reencrypt(&self, encrypted: &str) -> bool {
        parse(encrypted).is_ok_and(|(v, id, _)| id != self.current.id || v != VERSION)
    }
}

/// The associated data: the header, then (from `v2`) a NUL and the context.
fn associated(header: &str, version: &str, context: &str) -> Vec<u8> {
    let mut aad = header.as_bytes().to_vec();
    if version != LEGACY {
        aad.push(0);
        aad.extend_from_slice(context.as_bytes());
    }
    aad
}

fn parse(encrypted: &str) -> Result<(&'static str, &str, Vec<u8>), CryptoError> {
    let mut parts = encrypted.splitn(3, '.');
    let (Some(version), Some(key_id), Some(body)) = (parts.next(), parts.next(), parts.next())
    else {
        return Err(CryptoError::Malformed);
    };
    let version = match version {
        LEGACY => LEGACY,
        VERSION => VERSION,
        _ => return Err(CryptoError::Malformed),
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
    Ok((version, key_id, blob))
}

#[cfg(test)]
mod tests;
