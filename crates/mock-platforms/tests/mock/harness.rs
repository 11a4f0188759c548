//! A started mock plus a plain HTTP client, with typed helpers so tests read arrange, act, assert.

use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{HeaderMap, Method, Request};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use mock_platforms::MockServer;
use serde_json::{Value, json};

pub struct Mock {
    pub server: MockServer,
    client: Client<HttpConnector, Full<Bytes>>,
}

pub struct Resp {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

impl Mock {
    pub async fn start() -> Mock {
        let server = mock_platforms::spawn("127.0.0.1:0".parse().expect("addr"))
            .await
            .expect("mock starts");
        let client = Client::builder(TokioExecutor::new()).build_http();
        Mock { server, client }
    }

    pub async fn send(
        &self,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        body: Vec<u8>,
    ) -> Resp {
        let mut req = Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.server.url()));
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let req = req.body(Full::new(Bytes::from(body))).expect("request");
        let resp = self.client.request(req).await.expect("mock answers");
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let bytes = resp.into_body().collect().await.expect("body").to_bytes();
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap_or_else(|_| {
                panic!(
                    "mock answered non-JSON: {}",
                    String::from_utf8_lossy(&bytes)
                )
            })
        };
        Resp {
            status,
            headers,
            body,
        }
    }

    pub async fn get(&self, path: &str) -> Resp {
        self.send(Method::GET, path, &[], Vec::new()).await
    }

    pub async fn get_with(&self, path: &str, headers: &[(&str, &str)]) -> Resp {
        self.send(Method::GET, path, headers, Vec::new()).await
    }

    pub async fn delete(&self, path: &str) -> Resp {
        self.send(Method::DELETE, path, &[], Vec::new()).await
    }

    pub async fn post_json(&self, path: &str, headers: &[(&str, &str)], body: &Value) -> Resp {
        let mut all = vec![("content-type", "application/json")];
        all.extend_from_slice(headers);
        self.send(Method::POST, path, &all, body.to_string().into_bytes())
            .await
    }

    pub async fn post_raw(&self, path: &str, headers: &[(&str, &str)], body: &str) -> Resp {
        self.send(Method::POST, path, headers, body.as_bytes().to_vec())
            .await
    }

    // --- Meta ---

    pub async fn meta_events(&self, pixel: &str, token: &str, body: &Value) -> Resp {
        let path = format!("/v25.0/{pixel}/events?access_token={token}");
        self.post_json(&path, &[], body).await
    }

    // --- TikTok ---

    pub async fn tiktok_track(&self, token: &str, body: &Value) -> Resp {
        self.post_json(
            "/open_api/v1.3/event/track/",
            &[("access-token", token)],
            body,
        )
        .await
    }

    // --- Google ---

    pub async fn google_upload(&self, cid: &str, token: &str, body: &Value) -> Resp {
        let auth = format!("Bearer {token}");
        let path = format!("/v26/customers/{cid}:uploadClickConversions");
        self.post_json(&path, &[("authorization", auth.as_str())], body)
            .await
    }

    /// A separate client, for tasks that run concurrently with the test.
    pub fn client() -> Client<HttpConnector, Full<Bytes>> {
        Client::builder(TokioExecutor::new()).build_http()
    }

    /// POST JSON with a separate client; the status.
    pub async fn post_to(
        client: &Client<HttpConnector, Full<Bytes>>,
        url: &str,
        body: &Value,
    ) -> u16 {
        let req = Request::post(url)
            .header("content-type", "application/json")
            .body(Full::new(Bytes::from(body.to_string())))
            .expect("request");
        let resp = client.request(req).await.expect("mock answers");
        resp.status().as_u16()
    }

    pub async fn set_fault(&self, fault: Value) -> Resp {
        self.post_json("/_mock/faults", &[], &fault).await
    }
}

pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

pub const HASH: &str = "5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8";

/// A valid `website` Lead that Meta accepts.
pub fn meta_event(id: usize) -> Value {
    json!({
        "event_name": "Lead",
        "event_time": now() - 30,
        "event_id": format!("ev-{id}"),
        "action_source": "website",
        "event_source_url": "https://gym.example/contact",
        "user_data": {
            "em": [HASH],
            "client_ip_address": "203.0.113.7",
            "client_user_agent": "Mozilla/5.0",
            "fbp": "fb.1.1790000000000.1234567890",
        },
    })
}

pub fn meta_batch(n: usize) -> Value {
    json!({ "data": (0..n).map(meta_event).collect::<Vec<_>>() })
}

/// A valid TikTok row.
pub fn tiktok_event(id: usize) -> Value {
    json!({
        "event": "Purchase",
        "event_time": now() - 30,
        "event_id": format!("tt-{id}"),
        "user": { "email": HASH, "ip": "203.0.113.7", "user_agent": "Mozilla/5.0" },
        "properties": { "currency": "EUR", "value": 49.0 },
    })
}

pub fn tiktok_body(rows: Vec<Value>) -> Value {
    json!({ "event_source": "web", "event_source_id": "CPIXEL123", "data": rows })
}

pub const CID: &str = "1234567890";
pub const ACTION: &str = "customers/1234567890/conversionActions/987654";
pub const GCLID: &str = "Cj0KCQiAmock_gclid-0123456789abcdef";

/// A valid click conversion row; `n` varies the order id.
pub fn google_row(n: usize) -> Value {
    json!({
        "gclid": format!("{GCLID}{n}"),
        "conversionAction": ACTION,
        "conversionDateTime": "2026-11-27 10:00:00+01:00",
        "conversionValue": 49.0,
        "currencyCode": "EUR",
        "orderId": format!("order-{n}"),
        "consent": { "adUserData": "GRANTED", "adPersonalization": "GRANTED" },
    })
}

pub fn google_body(rows: Vec<Value>) -> Value {
    json!({ "conversions": rows, "partialFailure": true })
}

/// The `errors[]` of a partial failure as (index, errorCode key, value).
pub fn row_errors(body: &Value) -> Vec<(u64, String, String)> {
    let mut out = Vec::new();
    for detail in body["partialFailureError"]["details"]
        .as_array()
        .into_iter()
        .flatten()
    {
        for e in detail["errors"].as_array().into_iter().flatten() {
            let index = e["location"]["fieldPathElements"][0]["index"]
                .as_u64()
                .expect("index");
            let (k, v) = e["errorCode"]
                .as_object()
                .and_then(|o| o.iter().next())
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                .expect("errorCode");
            out.push((index, k, v));
        }
    }
    out
}
