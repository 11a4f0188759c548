//! The demo site's stand-in for TrainerERP's backend: the payment event a paid checkout reports
//! to the app (`POST /api/v1/events`), signed as the app checks it: `X-Signature: t=<unix
//! seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">` with the `ingest_signing_secret`.
//!
//! The click ids the edge kept in the visitor's first-party cookies go along, as a backend that
//! captured them at checkout would send them, so the platforms can attribute the purchase.

use anyhow::{Context, Result, bail};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::demo_site::Backend;

/// The demo programme's price, in euros.
const PRICE: f64 = 49.90;

/// The payment of `order`, with the checkout form's e-mail and the visitor's click ids.
pub fn payment_event(tenant: &str, order: &str, form: &[u8], cookie_header: &str) -> Value {
    let mut customer = Map::new();
    let email = url_form(form).find(|(k, _)| k == "email").map(|(_, v)| v);
    if let Some(email) = email.filter(|e| !e.trim().is_empty()) {
        customer.insert("email".into(), json!(email));
    }
    for (cookie, field) in [
        ("_fbp", "fbp"),
        ("_fbc", "fbc"),
        ("_tr_gclid", "gclid"),
        ("_tr_ttclid", "ttclid"),
    ] {
        if let Some(v) = cookie_value(cookie_header, cookie) {
            customer.insert(field.into(), json!(v));
        }
    }
    json!({
        "eventId": format!("pago-{order}"),
        "event": "cliente.pago_exitoso",
        "tenantId": tenant,
        "orderId": order,
        "value": PRICE,
        "currency": "EUR",
        "customer": customer,
    })
}

/// Post `event` to the app, signed; an answer other than 2xx is an error.
pub async fn post(backend: &Backend, event: &Value) -> Result<()> {
    let body = serde_json::to_vec(event)?;
    let t = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let signature = sign(&body, backend.secret.as_bytes(), t);
    let stream = tokio::net::TcpStream::connect(backend.app)
        .await
        .with_context(|| format!("connect {}", backend.app))?;
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(conn);
    let req = http::Request::builder()
        .method("POST")
        .uri("/api/v1/events")
        .header(http::header::HOST, backend.app.to_string())
        .header(http::header::CONTENT_TYPE, "application/json")
        .header("x-signature", signature)
        .body(Full::new(Bytes::from(body)))?;
    let res = sender.send_request(req).await?;
    let status = res.status();
    let text = res.into_body().collect().await?.to_bytes();
    if !status.is_success() {
        // The app's error names the field or the signature problem, never the secret.
        bail!("{status}: {}", String::from_utf8_lossy(&text));
    }
    Ok(())
}

/// `t=<t>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`.
pub fn sign(body: &[u8], secret: &[u8], t: u64) -> String {
    let mut message = t.to_string().into_bytes();
    message.push(b'.');
    message.extend_from_slice(body);
    format!("t={t},v1={}", hex::encode(hmac_sha256(secret, &message)))
}

/// HMAC (RFC 2104) over SHA-256: twelve lines instead of one more dependency for the host.
fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    const BLOCK: usize = 64;
    let mut k = [0u8; BLOCK];
    if key.len() > BLOCK {
        k[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        k[..key.len()].copy_from_slice(key);
    }
    let pad = |byte: u8| k.map(|b| b ^ byte);
    let inner = Sha256::new()
        .chain_update(pad(0x36))
        .chain_update(message)
        .finalize();
    Sha256::new()
        .chain_update(pad(0x5c))
        .chain_update(inner)
        .finalize()
        .into()
}

/// `a=1&b=2` pairs, `+` and `%XX` decoded.
fn url_form(body: &[u8]) -> impl Iterator<Item = (String, String)> + '_ {
    body.split(|&b| b == b'&').filter_map(|pair| {
        let mut kv = pair.splitn(2, |&b| b == b'=');
        let k = decode(kv.next()?);
        Some((k, decode(kv.next().unwrap_or(b""))))
    })
}

fn decode(raw: &[u8]) -> String {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        match raw[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < raw.len()
                && raw[i + 1].is_ascii_hexdigit()
                && raw[i + 2].is_ascii_hexdigit() =>
            {
                let hex = [raw[i + 1], raw[i + 2]];
                out.push(u8::from_str_radix(&String::from_utf8_lossy(&hex), 16).unwrap_or(b'?'));
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn cookie_value(header: &str, name: &str) -> Option<String> {
    header.split(';').find_map(|pair| {
        let (k, v) = pair.trim().split_once('=')?;
        (k == name && !v.is_empty()).then(|| v.to_owned())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 4231, test cases 2 and 6 (a key longer than the block).
    #[test]
    fn hmac_matches_rfc_4231() {
        assert_eq!(
            hex::encode(hmac_sha256(b"Jefe", b"what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert_eq!(
            hex::encode(hmac_sha256(
                &[0xaa; 131],
                b"Test Using Larger Than Block-Size Key - Hash Key First"
            )),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
        assert!(sign(b"{}", b"k", 7).starts_with("t=7,v1="));
    }

    #[test]
    fn the_payment_carries_the_order_the_email_and_the_click_ids() {
        let e = payment_event(
            "demo",
            "DEMO-1",
            b"email=ana%2Bdemo%40example.com&x=1",
            "tr_consent=x; _fbp=fb.1.2.3; _tr_gclid=Cj0-abc; other=1",
        );
        assert_eq!(e["orderId"], "DEMO-1");
        assert_eq!(e["eventId"], "pago-DEMO-1");
        assert_eq!(e["tenantId"], "demo");
        assert_eq!(e["customer"]["email"], "ana+demo@example.com");
        assert_eq!(e["customer"]["fbp"], "fb.1.2.3");
        assert_eq!(e["customer"]["gclid"], "Cj0-abc");
        assert!(e["customer"].get("ttclid").is_none());
        // A truncated escape is kept as it came, not a panic.
        assert_eq!(decode(b"a%4"), "a%4");
        assert_eq!(decode(b"%"), "%");
        assert_eq!(decode(b"%zz"), "%zz");
    }
}
