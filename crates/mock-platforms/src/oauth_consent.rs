//! Google's consent screen, `GET /o/oauth2/v2/auth`: an HTML page with "Permitir" (approve)
//! and "Denegar" (deny) buttons that post back to the same path, which redirects the browser to
//! `redirect_uri` with `code` and `state`, or with `error=access_denied` and `state`, as Google
//! does. Requests Google would refuse (no client, an `invalid…` client, a redirect URI that is
//! not an absolute http(s) URL, a response type other than `code`, no scope) get Google's error
//! page and never redirect.

use crate::http::{Incoming, Reply, fresh_id, now_secs};
use crate::oauth::IssuedCode;
use crate::state::State;

pub(crate) const PATH: &str = "/o/oauth2/v2/auth";

pub(crate) fn handle(state: &State, req: &Incoming) -> Reply {
    match req.method {
        hyper::Method::GET => consent_page(&req.query),
        hyper::Method::POST => decide(state, &req.form()),
        _ => error_page(405, "invalid_request", "Method not allowed"),
    }
}

type Params = std::collections::BTreeMap<String, String>;

/// What Google checks before it shows anything; `Err` is its error page.
fn checked(p: &Params) -> Result<(&str, &str, &str), Reply> {
    let get = |k: &str| p.get(k).map(String::as_str).filter(|v| !v.is_empty());
    let client_id = get("client_id").ok_or_else(|| {
        error_page(
            400,
            "invalid_request",
            "Missing required parameter: client_id",
        )
    })?;
    if client_id.starts_with("invalid") {
        return Err(error_page(
            401,
            "invalid_client",
            "The OAuth client was not found.",
        ));
    }
    let redirect_uri = get("redirect_uri")
        .filter(|u| u.starts_with("http://") || u.starts_with("https://"))
        .ok_or_else(|| error_page(400, "redirect_uri_mismatch", "Invalid redirect_uri"))?;
    if get("response_type") != Some("code") {
        return Err(error_page(
            400,
            "unsupported_response_type",
            "Only response_type=code is supported",
        ));
    }
    let scope = get("scope")
        .ok_or_else(|| error_page(400, "invalid_request", "Missing required parameter: scope"))?;
    Ok((client_id, redirect_uri, scope))
}

fn consent_page(p: &Params) -> Reply {
    let (client_id, _, scope) = match checked(p) {
        Ok(v) => v,
        Err(page) => return page,
    };
    let hidden: String = [
        "client_id",
        "redirect_uri",
        "response_type",
        "scope",
        "state",
        "access_type",
    ]
    .iter()
    .filter_map(|k| p.get(*k).map(|v| (k, v)))
    .map(|(k, v)| {
        format!(
            "<input type=\"hidden\" name=\"{k}\" value=\"{}\">",
            escape(v)
        )
    })
    .collect();
    let page = format!(
        "<!doctype html><html lang=\"es\"><head><meta charset=\"utf-8\"><title>Iniciar sesión: Cuentas de Google (mock)</title></head>\
<body><h1>Google (mock)</h1><p>La aplicación <b>{}</b> quiere acceder a tu cuenta de Google:</p>\
<p><code>{}</code></p>\
<form method=\"post\" action=\"{PATH}\">{hidden}\
<button id=\"deny\" name=\"decision\" value=\"deny\">Denegar</button> \
<button id=\"approve\" name=\"decision\" value=\"approve\">Permitir</button></form></body></html>",
        escape(client_id),
        escape(scope)
    );
    Reply::html(200, page)
}

/// The button's answer: a redirect back to the app.
fn decide(state: &State, p: &Params) -> Reply {
    let (client_id, redirect_uri, scope) = match checked(p) {
        Ok(v) => v,
        Err(page) => return page,
    };
    let mut back = format!(
        "{redirect_uri}{}",
        if redirect_uri.contains('?') { '&' } else { '?' }
    );
    match p.get("decision").map(String::as_str) {
        Some("approve") => {
            let code = format!("4/0mock-{}", fresh_id(40));
            state.lock().oauth_codes.insert(
                code.clone(),
                IssuedCode {
                    client_id: client_id.to_owned(),
                    redirect_uri: redirect_uri.to_owned(),
                    scope: scope.to_owned(),
                    offline: p.get("access_type").map(String::as_str) == Some("offline"),
                    issued_at: now_secs(),
                },
            );
            back.push_str(&format!("code={}&scope={}", encode(&code), encode(scope)));
        }
        Some("deny") => back.push_str("error=access_denied"),
        _ => return error_page(400, "invalid_request", "Missing decision"),
    }
    if let Some(s) = p.get("state") {
        back.push_str(&format!("&state={}", encode(s)));
    }
    Reply::redirect(&back)
}

fn error_page(status: u16, error: &str, description: &str) -> Reply {
    let page = format!(
        "<!doctype html><html lang=\"es\"><head><meta charset=\"utf-8\"><title>Error {status}: {error}</title></head>\
<body><h1>Acceso bloqueado: error de autorización</h1><p id=\"error\">Error {status}: {error}</p><p>{}</p></body></html>",
        escape(description)
    );
    Reply::html(status, page)
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
