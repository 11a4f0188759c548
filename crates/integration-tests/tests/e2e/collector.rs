//! The edge collector end to end: pages through the test host to a real origin on 127.0.0.1,
//! events queued and delivered to the mock platforms, consent, lead forms, backend intake.

use std::time::Duration;

use http::Method;
use integration_tests::origin::{self, Origin};
use integration_tests::{Answer, App, INGEST_SECRET, now_secs, signature_at, token_for};
use mock_platforms::Platform;
use serde_json::{Value, json};

mod backend;
mod pages;

pub const HOST: &str = "www.example.com";
pub const TENANT: &str = "t-edge";
pub const PIXEL: &str = "1234567890";
pub const TIKTOK_PIXEL: &str = "CEDGE0123456789";
pub const UA: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Safari/604.1";
pub const GRANTED: &str = "tr_consent=marketing=granted";

/// What differs between the tests' apps.
#[derive(Default)]
pub struct Setup {
    /// The site's origin, instead of the test origin.
    pub origin_url: Option<String>,
    /// The site's `consent` settings.
    pub site_consent: Option<Value>,
    /// More app variables.
    pub variables: Vec<(&'static str, &'static str)>,
}

/// The app with its origin, a site for [`HOST`], a Meta config that asks for the browser pixel
/// and a TikTok config that does not.
pub struct Edge {
    pub app: App,
    pub origin: Origin,
}

impl Edge {
    pub async fn start() -> Edge {
        Self::start_with(Setup::default()).await
    }

    /// `origin_url` overrides the site's origin (e.g. a closed port).
    pub async fn start_with_origin(origin_url: Option<String>) -> Edge {
        Self::start_with(Setup {
            origin_url,
            ..Setup::default()
        })
        .await
    }

    pub async fn start_with(setup: Setup) -> Edge {
        let origin = origin::spawn().await;
        let url = setup.origin_url.unwrap_or_else(|| origin.url());
        let app = App::start_with(&setup.variables).await;
        let mut site = json!({"originUrl": url});
        if let Some(consent) = setup.site_consent {
            site["consent"] = consent;
        }
        app.put_site(TENANT, HOST, site).await;
        app.create_config(
            TENANT,
            json!({"platform": "Meta", "pixelId": PIXEL, "apiAccessToken": "tok", "browserPixel": true}),
        )
        .await;
        app.create_config(
            TENANT,
            json!({"platform": "TikTok", "pixelId": TIKTOK_PIXEL, "apiAccessToken": "tok"}),
        )
        .await;
        Edge { app, origin }
    }

    /// A visitor's request to the site through the edge.
    pub async fn visit(
        &self,
        method: Method,
        path: &str,
        cookie: Option<&str>,
        extra: &[(&str, &str)],
        body: Vec<u8>,
    ) -> Answer {
        let mut headers = vec![("host", HOST), ("user-agent", UA)];
        if let Some(c) = cookie {
            headers.push(("cookie", c));
        }
        headers.extend_from_slice(extra);
        self.app.client.send(method, path, &headers, body).await
    }

    /// The events in the queue (`e/` bodies: a header line, then the event JSON).
    pub fn queued(&self) -> Vec<Value> {
        let dump = self.app.host.kv_dump("queue").expect("queue dump");
        dump.iter()
            .filter(|(k, _)| k.starts_with("e/"))
            .filter_map(|(_, v)| {
                let nl = v.iter().position(|b| *b == b'\n')?;
                serde_json::from_slice(&v[nl + 1..]).ok()
            })
            .collect()
    }

    /// How many events were ever queued or delivered, once the edge's outbox has had time to
    /// flush: events still in the queue, idempotency claims (backend and order ids leave one
    /// for 48 h), and every event row the mock platforms received.
    pub async fn tracked(&self) -> usize {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let logs = self.app.host.kv_dump("logs").expect("logs dump");
        let claims = logs.iter().filter(|(k, _)| k.starts_with("dedup/")).count();
        // TikTok's credential check at config creation is a test event of its own.
        let delivered = [Platform::Meta, Platform::Tiktok]
            .into_iter()
            .flat_map(|p| self.rows(p))
            .filter(|r| {
                !r["event_id"]
                    .as_str()
                    .unwrap_or("")
                    .starts_with("pm-check-")
            })
            .count();
        claims + self.queued().len() + delivered
    }

    /// Every event row the mock got for `platform` (Meta `data[]`, TikTok `data[]`).
    pub fn rows(&self, platform: Platform) -> Vec<Value> {
        self.app
            .mock
            .requests_for(platform)
            .into_iter()
            .filter(|r| r.method == "POST")
            .flat_map(|r| r.body["data"].as_array().cloned().unwrap_or_default())
            .collect()
    }

    /// The row with `event_id` the mock got for `platform`.
    pub fn row(&self, platform: Platform, event_id: &str) -> Value {
        self.rows(platform)
            .into_iter()
            .find(|r| r["event_id"] == event_id)
            .unwrap_or_else(|| {
                panic!(
                    "{platform:?} got no event {event_id}: {:?}",
                    self.rows(platform)
                )
            })
    }

    /// Drive the dispatcher as an outside scheduler would, until Meta accepted `n` events
    /// (the edge queues after its answer and wakes the dispatcher itself; ticks only hurry it).
    pub async fn delivered(&self, event: &str, n: u64) {
        self.delivered_to(Platform::Meta, PIXEL, event, n).await;
    }

    pub async fn delivered_to(&self, platform: Platform, account: &str, event: &str, n: u64) {
        for _ in 0..100 {
            let r = self
                .app
                .client
                .post(
                    "/api/v1/marketing/dispatcher/tick",
                    &token_for("x", "system_admin", 3600),
                    json!({}),
                )
                .await;
            assert_eq!(r.status, 200, "{}", r.text());
            if self.app.mock.received().count(platform, account, event) >= n {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!(
            "{platform:?} never received {n} {event}: {:?}",
            self.app.mock.requests()
        );
    }
}

pub async fn post_signed(app: &App, body: &Value) -> Answer {
    let bytes = serde_json::to_vec(body).expect("json");
    let sig = signature_at(&bytes, now_secs(), INGEST_SECRET);
    let headers = [
        ("content-type", "application/json"),
        ("x-signature", sig.as_str()),
    ];
    app.client
        .send(Method::POST, "/api/v1/events", &headers, bytes)
        .await
}

fn set_cookies(a: &Answer) -> Vec<String> {
    a.headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap_or("").to_owned())
        .collect()
}

fn cookie_value(cookies: &[String], name: &str) -> Option<String> {
    cookies.iter().find_map(|c| {
        c.strip_prefix(&format!("{name}="))?
            .split(';')
            .next()
            .map(str::to_owned)
    })
}

/// The injected snippet, cut out of a page.
fn split_snippet(page: &str) -> (String, String) {
    let start = page
        .find("<script data-trainererp-pixel>")
        .expect("a pixel was injected");
    let end = start + page[start..].find("</script>").expect("closed") + "</script>".len();
    (
        format!("{}{}", &page[..start], &page[end..]),
        page[start..end].to_owned(),
    )
}
