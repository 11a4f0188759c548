//! `spin-probe`: a test-only component that exercises every host interface, so the test host's
//! Spin behaviour is tested on its own, apart from the product's components.
//!
//! One wasm serves several component ids of the test manifest; its variable `name` says which.
//! The operation comes from the query: `?op=kv-set&label=a&key=k&value=v`, etc.; no `op`
//! answers `name|spin-matched-route|spin-path-info`. Failures answer 200 with `error: ...` so
//! tests can assert on the error the guest saw.

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use spin_sdk::experimental::wasi::keyvalue::{atomics, store as wasi_store};
use spin_sdk::http::{IntoResponse, Request, StatusCode};
use spin_sdk::http_service;
use spin_sdk::key_value::Store;
use std::collections::HashMap;

fn query(req: &Request) -> HashMap<String, String> {
    req.uri()
        .query()
        .unwrap_or("")
        .split('&')
        .filter_map(|p| p.split_once('='))
        .map(|(k, v)| (k.to_string(), v.replace("%2F", "/").replace("%3A", ":")))
        .collect()
}

fn header(req: &Request, name: &str) -> String {
    req.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string()
}

#[http_service]
async fn handle(req: Request) -> impl IntoResponse {
    let q = query(&req);
    let arg = |k: &str| q.get(k).cloned().unwrap_or_default();
    let body = match arg("op").as_str() {
        "" => {
            let name = spin_sdk::variables::get("name").await.unwrap_or_default();
            format!(
                "{name}|{}|{}",
                header(&req, "spin-matched-route"),
                header(&req, "spin-path-info")
            )
        }
        "headers" => [
            "spin-full-url",
            "spin-path-info",
            "spin-matched-route",
            "spin-component-route",
            "spin-base-path",
            "spin-client-addr",
        ]
        .iter()
        .map(|h| format!("{h}={}", header(&req, h)))
        .collect::<Vec<_>>()
        .join("\n"),
        // The floor: no host call at all, a constant answer (`n` bytes of it when given).
        "const" => match arg("n").parse::<usize>() {
            Ok(n) => "x".repeat(n),
            Err(_) => "ok".to_string(),
        },
        "var" => match spin_sdk::variables::get(arg("name")).await {
            Ok(v) => v,
            Err(e) => format!("error: {e:?}"),
        },
        "kv-set" => result(kv_set(&arg("label"), &arg("key"), &arg("value")).await),
        "kv-get" => result(kv_get(&arg("label"), &arg("key")).await),
        "kv-keys" => result(kv_keys(&arg("label")).await),
        "incr" => result(incr(&arg("label"), &arg("key"))),
        "cas-incr" => result(cas_incr(&arg("label"), &arg("key"))),
        "fetch" => result(fetch(&arg("url")).await),
        "file" => std::fs::read_to_string(arg("path")).unwrap_or_else(|e| format!("error: {e}")),
        "spawn" => {
            let (label, key) = (arg("label"), arg("key"));
            let ms: u64 = arg("ms").parse().unwrap_or(200);
            spin_sdk::wasip3::spawn(async move {
                spin_sdk::wasip3::clocks::monotonic_clock::wait_for(ms * 1_000_000).await;
                _ = kv_set(&label, &key, "done").await;
            });
            "accepted".to_string()
        }
        other => return (StatusCode::BAD_REQUEST, format!("unknown op {other:?}")),
    };
    (StatusCode::OK, body)
}

fn result(r: Result<String, String>) -> String {
    r.unwrap_or_else(|e| format!("error: {e}"))
}

async fn kv_set(label: &str, key: &str, value: &str) -> Result<String, String> {
    let store = Store::open(label).await.map_err(|e| format!("{e:?}"))?;
    store
        .set(key, value.as_bytes())
        .await
        .map_err(|e| format!("{e:?}"))?;
    Ok("ok".into())
}

async fn kv_get(label: &str, key: &str) -> Result<String, String> {
    let store = Store::open(label).await.map_err(|e| format!("{e:?}"))?;
    match store.get(key).await.map_err(|e| format!("{e:?}"))? {
        Some(v) => Ok(String::from_utf8_lossy(&v).into_owned()),
        None => Ok("none".into()),
    }
}

async fn kv_keys(label: &str) -> Result<String, String> {
    let store = Store::open(label).await.map_err(|e| format!("{e:?}"))?;
    let mut keys = store
        .get_keys()
        .await
        .collect()
        .await
        .map_err(|e| format!("{e:?}"))?;
    keys.sort();
    Ok(keys.join(","))
}

fn incr(label: &str, key: &str) -> Result<String, String> {
    let bucket = wasi_store::open(label).map_err(|e| format!("{e:?}"))?;
    atomics::increment(&bucket, key, 1)
        .map(|n| n.to_string())
        .map_err(|e| format!("{e:?}"))
}

/// A counter kept as decimal text, incremented by compare-and-swap with retries.
fn cas_incr(label: &str, key: &str) -> Result<String, String> {
    let bucket = wasi_store::open(label).map_err(|e| format!("{e:?}"))?;
    let mut cas = atomics::Cas::new(&bucket, key).map_err(|e| format!("{e:?}"))?;
    for _ in 0..10_000 {
        let current = cas.current().map_err(|e| format!("{e:?}"))?;
        let n: u64 = current
            .and_then(|v| String::from_utf8(v).ok())
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        match atomics::swap(cas, (n + 1).to_string().as_bytes()) {
            Ok(()) => return Ok((n + 1).to_string()),
            Err(atomics::CasError::CasFailed(fresh)) => cas = fresh,
            Err(atomics::CasError::StoreError(e)) => return Err(format!("{e:?}")),
        }
    }
    Err("too many retries".into())
}

async fn fetch(url: &str) -> Result<String, String> {
    let req = http::Request::builder()
        .uri(url)
        .body(Full::new(Bytes::new()))
        .map_err(|e| e.to_string())?;
    let resp = spin_sdk::http::send(req)
        .await
        .map_err(|e| format!("{e:?}"))?;
    let status = resp.status().as_u16();
    let body = resp
        .into_body()
        .collect()
        .await
        .map_err(|e| format!("{e:?}"))?
        .to_bytes();
    Ok(format!("{status} {}", String::from_utf8_lossy(&body)))
}
