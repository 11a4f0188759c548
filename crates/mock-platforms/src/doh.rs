//! A DNS-over-HTTPS JSON resolver stand-in (the `application/dns-json` dialect Cloudflare and
//! Google serve), so the app's host-ownership check can be tested without real DNS.
//!
//! `GET /dns-query?name=<name>&type=TXT` answers the records added with `POST /_mock/dns`
//! (`{"name","type","data"}`); `DELETE /_mock/dns` forgets them all. As real resolvers do, an
//! unknown name is `Status: 3` (NXDOMAIN) and TXT data comes back quoted.

use std::sync::Mutex;

use serde::Deserialize;
use serde_json::{Value, json};

use crate::http::{Incoming, Reply};

/// One record as a test adds it.
#[derive(Debug, Clone, Deserialize)]
pub struct Record {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub data: String,
}

/// The records the mock resolver knows.
#[derive(Default)]
pub struct Records(Mutex<Vec<Record>>);

impl Records {
    /// Add a record, as `POST /_mock/dns` does.
    pub fn add(&self, record: Record) {
        self.lock().push(record);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Record>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// RFC 1035 type numbers for the types a test may add.
fn type_number(kind: &str) -> Option<u16> {
    match kind.to_ascii_uppercase().as_str() {
        "A" => Some(1),
        "CNAME" => Some(5),
        "TXT" => Some(16),
        "AAAA" => Some(28),
        _ => None,
    }
}

fn normal(name: &str) -> String {
    name.trim().trim_end_matches('.').to_ascii_lowercase()
}

/// `GET /dns-query`.
pub(crate) fn query(records: &Records, req: &Incoming) -> Reply {
    if req.method != hyper::Method::GET {
        return Reply::new(405, json!({"error": "the JSON API is GET only"}));
    }
    let Some(name) = req
        .query
        .get("name")
        .map(|n| normal(n))
        .filter(|n| !n.is_empty())
    else {
        return Reply::new(400, json!({"error": "missing name"}));
    };
    let kind = req.query.get("type").map_or("A", String::as_str);
    let Some(number) = type_number(kind).or_else(|| kind.parse().ok()) else {
        return Reply::new(400, json!({"error": format!("unknown type {kind}")}));
    };
    let all = records.lock();
    let known = all.iter().any(|r| normal(&r.name) == name);
    let answer: Vec<Value> = all
        .iter()
        .filter(|r| normal(&r.name) == name && type_number(&r.kind) == Some(number))
        .map(|r| {
            let data = if number == 16 {
                format!("\"{}\"", r.data.replace('"', "\\\""))
            } else {
                r.data.clone()
            };
            json!({"name": format!("{name}."), "type": number, "TTL": 60, "data": data})
        })
        .collect();
    let status = if known { 0 } else { 3 };
    let mut body = json!({
        "Status": status, "TC": false, "RD": true, "RA": true, "AD": false, "CD": false,
        "Question": [{"name": format!("{name}."), "type": number}],
    });
    if !answer.is_empty() {
        body["Answer"] = Value::Array(answer);
    }
    Reply::ok(body)
}

/// `POST /_mock/dns` (add a record) and `DELETE /_mock/dns` (forget them all).
pub(crate) fn control(records: &Records, req: &Incoming) -> Reply {
    if req.method == hyper::Method::DELETE {
        records.lock().clear();
        return Reply::new(204, Value::Null);
    }
    match serde_json::from_slice::<Record>(&req.body) {
        Ok(r) if type_number(&r.kind).is_some() && !normal(&r.name).is_empty() => {
            let body = json!({"name": r.name, "type": r.kind, "data": r.data});
            records.lock().push(r);
            Reply::new(201, body)
        }
        Ok(r) => Reply::new(
            400,
            json!({"error": format!("unsupported record {} {}", r.name, r.kind)}),
        ),
        Err(e) => Reply::new(400, json!({"error": format!("invalid record: {e}")})),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;
    use std::collections::BTreeMap;

    fn req(method: hyper::Method, query: &[(&str, &str)], body: &str) -> Incoming {
        Incoming {
            method,
            path: "/dns-query".into(),
            query: query
                .iter()
                .map(|(k, v)| ((*k).into(), (*v).into()))
                .collect::<BTreeMap<_, _>>(),
            headers: Default::default(),
            body: Bytes::from(body.to_owned()),
        }
    }

    #[test]
    fn txt_records_are_answered_quoted_and_unknown_names_are_nxdomain() {
        let records = Records::default();
        let add = r#"{"name":"_trainererp.demo.localhost","type":"TXT","data":"tok-1"}"#;
        assert_eq!(
            control(&records, &req(hyper::Method::POST, &[], add)).status,
            201
        );
        let q = [("name", "_TrainerERP.demo.localhost."), ("type", "TXT")];
        let r = query(&records, &req(hyper::Method::GET, &q, ""));
        assert_eq!(r.body["Status"], 0);
        assert_eq!(r.body["Answer"][0]["type"], 16);
        assert_eq!(r.body["Answer"][0]["data"], "\"tok-1\"");
        let other = [("name", "x.example"), ("type", "TXT")];
        let r = query(&records, &req(hyper::Method::GET, &other, ""));
        assert_eq!(r.body["Status"], 3);
        assert!(r.body.get("Answer").is_none());
        control(&records, &req(hyper::Method::DELETE, &[], ""));
        let r = query(&records, &req(hyper::Method::GET, &q, ""));
        assert_eq!(r.body["Status"], 3);
        let bad = control(&records, &req(hyper::Method::POST, &[], "{"));
        assert_eq!(bad.status, 400);
    }
}
