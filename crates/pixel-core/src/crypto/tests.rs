//! The token cipher's properties: round trip, tampering, rotation, context binding, nonces.

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
    assert!(enc.starts_with(&format!("v2.{id}.")), "{enc}");
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
        let enc = r.encrypt(token, [i as u8 + 1; 12]).unwrap();
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
        "v3.00000000.AAAA",
        "v2.00000000.AAAA",
        "v1.0000.AAAA",
        "v1.12345678.!!!",
    ] {
        assert!(r.decrypt(bad).is_err(), "{bad}");
    }
    // A valid body under a renamed key id is refused (unknown key or authentication).
    let other_id = format!("v2.ffffffff.{body}");
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

/// A value in the `v1` format (header only as associated data), as stored before contexts.
fn legacy(key: [u8; 32], clear: &str, nonce: [u8; 12]) -> String {
    let k = TokenKey::from_bytes(&key).unwrap();
    let header = format!("v1.{}", k.id());
    let sealed = k
        .cipher
        .encrypt(
            Nonce::from_slice(&nonce),
            Payload {
                msg: clear.as_bytes(),
                aad: header.as_bytes(),
            },
        )
        .unwrap();
    let blob: Vec<u8> = nonce.iter().copied().chain(sealed).collect();
    format!("{header}.{}", URL_SAFE_NO_PAD.encode(blob))
}

#[test]
fn a_ciphertext_is_bound_to_its_config() {
    let r = ring(KEY_A);
    let (a, b) = (config_context("t1", "cfg-a"), config_context("t2", "cfg-a"));
    let enc = r.encrypt_for("tok", [8; 12], &a).unwrap();
    assert_eq!(r.decrypt_for(&enc, &a).unwrap(), "tok");
    assert_eq!(r.decrypt_for(&enc, &b), Err(CryptoError::Authentication));
    assert_eq!(r.decrypt(&enc), Err(CryptoError::Authentication));
    assert!(!r.needs_reencrypt(&enc));
    assert!(r.is_bound(&enc, &a));
    assert!(!r.is_bound(&enc, &b));
}

#[test]
fn an_unbound_value_is_read_under_any_context_and_reported_unbound() {
    let r = ring(KEY_A);
    let loose = r.encrypt("tok", [10; 12]).unwrap();
    let c = config_context("t", "c");
    assert_eq!(r.decrypt_for(&loose, &c).unwrap(), "tok");
    assert!(!r.is_bound(&loose, &c));
    assert!(r.is_bound(&loose, ""));
}

#[test]
fn old_v1_ciphertexts_stay_readable_and_ask_to_be_rewritten() {
    let r = ring(KEY_A);
    let old = legacy(KEY_A, "tok-v1", [9; 12]);
    assert!(old.starts_with("v1."));
    assert_eq!(
        r.decrypt_for(&old, &config_context("t", "c")).unwrap(),
        "tok-v1"
    );
    assert!(r.needs_reencrypt(&old));
}

#[test]
fn a_zero_nonce_is_refused() {
    let r = ring(KEY_A);
    assert_eq!(r.encrypt("tok", [0; 12]), Err(CryptoError::BadNonce));
    assert_eq!(
        r.encrypt_for("tok", [0; 12], "x"),
        Err(CryptoError::BadNonce)
    );
}
