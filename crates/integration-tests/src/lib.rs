//! The end-to-end harness: the real `spin.toml` and compiled components in the test host,
//! the mock platforms on 127.0.0.1, and a typed client so tests read as arrange, act, assert.

pub mod client;
pub mod cluster;
pub mod origin;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use base64::Engine;
pub use client::{Answer, Client};
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use mock_platforms::MockServer;
use serde_json::{Value, json};

/// The config API's collections.
pub const CONFIGS: &str = "/api/v1/marketing/tracking-configs";
pub const SITES: &str = "/api/v1/marketing/sites";

/// The secrets every test app runs with (never real ones).
pub const JWT_SECRET: &str = "test-jwt-secret-not-for-production";
pub const INGEST_SECRET: &str = "test-ingest-secret";
/// base64 of 32 bytes 0x2a.
pub const TOKEN_KEY: &str = "KioqKioqKioqKioqKioqKioqKioqKioqKioqKioqKio=";

/// The repository root (where spin.toml is).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("repository root")
}

/// A running app: host + mock platforms.
pub struct App {
    pub host: testhost::RunningHost,
    /// Shared, so an app started again (a restart) talks to the same mock.
    pub mock: Arc<MockServer>,
    pub client: Client,
}

impl App {
    /// The real app with in-memory stores, every platform URL pointed at a fresh mock.
    pub async fn start() -> App {
        Self::start_with(&[]).await
    }

    /// As [`App::start`], with extra variables.
    pub async fn start_with(extra: &[(&str, &str)]) -> App {
        let mock = mock_platforms::spawn(loopback())
            .await
            .expect("start mock platforms");
        Self::start_on(Arc::new(mock), extra, testhost::KvBackend::Memory).await
    }

    /// The app on an existing mock, with extra variables and the given stores.
    pub async fn start_on(
        mock: Arc<MockServer>,
        extra: &[(&str, &str)],
        kv: testhost::KvBackend,
    ) -> App {
        let mut variables = app_variables(&mock.url());
        for (k, v) in extra {
            variables.retain(|(name, _)| name != k);
            variables.push(((*k).into(), (*v).into()));
        }
        let config = testhost::HostConfig {
            manifest: repo_root().join("spin.toml"),
            variables,
            // No SPIN_VARIABLE_* from the developer's shell leaks into a test.
            env: Some(Default::default()),
            kv,
        };
        let host = testhost::start(config, loopback())
            .await
            .expect("start the test host (run scripts/build-components first)");
        let client = Client::new(host.addr);
        App { host, mock, client }
    }

    /// Every entry of store `label`, straight from the host's storage.
    pub fn kv_dump(&self, label: &str) -> Vec<(String, Vec<u8>)> {
        self.host.kv_dump(label).expect("dump a key-value store")
    }

    /// Create a tracking config as a trainer of `tenant` (the platform check runs against the
    /// mock); panics unless the API answers 201. The config as answered.
    pub async fn create_config(&self, tenant: &str, body: Value) -> Value {
        let r = self.client.post(CONFIGS, &self.token(tenant), body).await;
        assert_eq!(r.status, 201, "{}", r.text());
        r.json()
    }

    /// Map `host` to a site of `tenant` and prove ownership the way a trainer does (the TXT
    /// record the answer names, published on the mock resolver, then `verify`); panics unless
    /// the API answers 201 and 200. The verified site as answered.
    pub async fn put_site(&self, tenant: &str, host: &str, body: Value) -> Value {
        let token = self.token(tenant);
        let r = self
            .client
            .put(&format!("{SITES}/{host}"), &token, body)
            .await;
        assert_eq!(r.status, 201, "{}", r.text());
        let v = r.json();
        let (name, value) = (
            &v["verification"]["txtName"],
            &v["verification"]["txtValue"],
        );
        let (name, value) = (
            name.as_str().expect("txtName"),
            value.as_str().expect("txtValue"),
        );
        self.mock.add_dns_record(name, "TXT", value);
        let verified = self
            .client
            .post(&format!("{SITES}/{host}/verify"), &token, json!({}))
            .await;
        assert_eq!(verified.status, 200, "{}", verified.text());
        verified.json()
    }

    /// Event batches Meta has received (`POST …/events`), credential checks and test events
    /// aside: how many requests the dispatcher made.
    pub fn meta_event_posts(&self) -> usize {
        self.mock
            .requests_for(mock_platforms::Platform::Meta)
            .iter()
            .filter(|r| r.method == "POST" && r.path.ends_with("/events"))
            .count()
    }

    /// A bearer token for a trainer admin of `tenant`.
    pub fn token(&self, tenant: &str) -> String {
        token_for(tenant, "trainer_admin", 3600)
    }
}

/// The variables every test app runs with: test secrets, every platform URL at `mock_url`.
pub fn app_variables(mock_url: &str) -> Vec<(String, String)> {
    let url = mock_url.to_owned();
    vec![
        ("auth_jwt_secret".into(), JWT_SECRET.into()),
        ("token_encryption_key".into(), TOKEN_KEY.into()),
        ("ingest_signing_secret".into(), INGEST_SECRET.into()),
        ("meta_api_url".into(), url.clone()),
        ("tiktok_api_url".into(), url.clone()),
        ("google_ads_api_url".into(), url.clone()),
        ("google_datamanager_api_url".into(), url.clone()),
        ("google_oauth_url".into(), url.clone()),
        ("google_client_id".into(), "test-client".into()),
        ("google_client_secret".into(), "test-client-secret".into()),
        // The existing tests' origins are on 127.0.0.1: the development switch is on by
        // default here; the attack tests turn it off (tests/e2e/security).
        ("allow_private_origins".into(), "true".into()),
        ("dns_resolver_url".into(), format!("{url}/dns-query")),
        ("dns_resolver_origin".into(), url.clone()),
    ]
}

/// SQLite stores as `spin up --runtime-config-file` keeps them, one file per label in `dir`
/// (`default` included, so nothing is written next to the repository's `spin.toml`): what
/// survives a restart.
pub fn sqlite_stores(dir: &Path) -> testhost::KvBackend {
    std::fs::create_dir_all(dir).expect("create the stores' directory");
    let config: String = ["default", "configs", "queue", "logs", "stats"]
        .iter()
        .map(|l| format!("[key_value_store.{l}]\ntype = \"spin\"\npath = \"{l}.db\"\n\n"))
        .collect();
    let file = dir.join("runtime-config.toml");
    std::fs::write(&file, config).expect("write the runtime config");
    testhost::KvBackend::Sqlite {
        runtime_config: Some(file),
    }
}

/// 127.0.0.1 on a free port.
pub fn loopback() -> SocketAddr {
    "127.0.0.1:0".parse().expect("loopback address")
}

/// A JWT as TrainerERP signs it; `ttl_secs` may be negative for an expired one.
pub fn token_for(tenant: &str, role: &str, ttl_secs: i64) -> String {
    sign(tenant, role, ttl_secs, JWT_SECRET)
}

/// A JWT signed with `secret` (a wrong one for the bad-signature tests).
pub fn sign(tenant: &str, role: &str, ttl_secs: i64, secret: &str) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs() as i64;
    let claims = json!({ "sub": "tester", "tenant": tenant, "role": role, "exp": now + ttl_secs, "iat": now, "iss": "trainererp", "aud": "pixel-manager" });
    encode(
        &Header::default(),
        &claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .expect("sign a JWT")
}

/// Unix seconds now.
pub fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs() as i64
}

/// `X-Signature` of a backend post as TrainerERP computes it: HMAC-SHA256 of `"<t>.<body>"`.
pub fn signature_at(body: &[u8], t: i64, secret: &str) -> String {
    let mut msg = format!("{t}.").into_bytes();
    msg.extend_from_slice(body);
    let key = EncodingKey::from_secret(secret.as_bytes());
    let b64 = jsonwebtoken::crypto::sign(&msg, &key, Algorithm::HS256).expect("hmac");
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(b64)
        .expect("base64");
    let hex: String = raw.iter().map(|b| format!("{b:02x}")).collect();
    format!("t={t},v1={hex}")
}

/// `X-Signature` of a backend post, now, with the test app's ingest secret.
pub fn signature(body: &[u8]) -> String {
    signature_at(body, now_secs(), INGEST_SECRET)
}

/// `POST /api/v1/events` with `body` signed as TrainerERP signs it; panics unless every event
/// was accepted (202).
pub async fn post_signed_events(client: &Client, body: Vec<u8>) -> Answer {
    let sig = signature(&body);
    let a = client
        .send(
            http::Method::POST,
            "/api/v1/events",
            &[
                ("content-type", "application/json"),
                ("x-signature", sig.as_str()),
            ],
            body,
        )
        .await;
    assert_eq!(
        a.status,
        http::StatusCode::ACCEPTED,
        "ingest answered {}: {}",
        a.status,
        a.text()
    );
    a
}

/// HMAC-SHA256 of `msg` under `key`, raw bytes (through jsonwebtoken's HS256, as above).
fn hmac_sha256(key: &[u8], msg: &[u8]) -> Vec<u8> {
    let b64 = jsonwebtoken::crypto::sign(msg, &EncodingKey::from_secret(key), Algorithm::HS256)
        .expect("hmac");
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(b64)
        .expect("base64")
}

/// The edge's form-timer cookie (`_tr_t=…`) for a page of `domain` (the site's registrable
/// domain, `example.com` for `www.example.com`) served at `served_ms`, signed as the collector
/// signs it with the test app's ingest secret: what a browser that loaded the page then holds
/// when it posts the form (collector `junk`).
pub fn form_timer(domain: &str, served_ms: i64) -> String {
    let key = hmac_sha256(INGEST_SECRET.as_bytes(), b"pixel-manager form timer key v1");
    let msg = format!("form-timer\n{}\n{served_ms}", domain.to_ascii_lowercase());
    let tag: String = hmac_sha256(&key, msg.as_bytes())[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("_tr_t={served_ms}.{tag}")
}

/// Unix milliseconds now.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_millis() as i64
}
