//! Issue 12's attacks replayed end to end, each next to the legitimate path it must not break:
//! SSRF through a site's origin ([`origins`]), host squatting ([`ownership`]), forged purchases
//! ([`purchases`]), the signature CPU burn ([`ingest`]) and the lesser items ([`lesser`]).
//! Apps here run with the development switch `allow_private_origins` off unless a test needs a
//! loopback origin to proxy to (tests talk to 127.0.0.1 only), and say so.

use http::Method;
use integration_tests::{Answer, App, INGEST_SECRET};
use jsonwebtoken::{Algorithm, EncodingKey};

mod ingest;
mod lesser;
mod origins;
mod ownership;
mod purchases;

/// The app's own host name in these tests (`app_hosts`).
pub const APP_HOST: &str = "app.trainererp.test";
pub const UA: &str = "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0";

/// The app as production runs it: no private origins, its own host name declared.
pub async fn strict() -> App {
    App::start_with(&[("allow_private_origins", "false"), ("app_hosts", APP_HOST)]).await
}

/// The app with the development switch on (loopback origins) and its host name declared.
pub async fn dev() -> App {
    App::start_with(&[("allow_private_origins", "true"), ("app_hosts", APP_HOST)]).await
}

/// An anonymous visitor's GET of `path` on `host`, through the edge.
pub async fn visit(app: &App, host: &str, path: &str, extra: &[(&str, &str)]) -> Answer {
    let mut headers = vec![("host", host), ("user-agent", UA)];
    headers.extend_from_slice(extra);
    app.client
        .send(Method::GET, path, &headers, Vec::new())
        .await
}

fn hmac(key: &[u8], msg: &[u8]) -> Vec<u8> {
    use base64::Engine;
    let b64 = jsonwebtoken::crypto::sign(msg, &EncodingKey::from_secret(key), Algorithm::HS256)
        .expect("hmac");
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(b64)
        .expect("base64")
}

/// The `firma` TrainerERP appends to a thank-you URL: HMAC-SHA256 of `"<order>|<value .2>"`
/// under HMAC-SHA256(ingest secret, "thank-you-url").
pub fn firma(order: &str, value: f64) -> String {
    let key = hmac(INGEST_SECRET.as_bytes(), b"thank-you-url");
    let mac = hmac(&key, format!("{order}|{value:.2}").as_bytes());
    mac.iter().map(|b| format!("{b:02x}")).collect()
}
