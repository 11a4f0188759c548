//! The Spanish page a trainer sees when "Conectar con Google" cannot finish: what happened,
//! what to do, and a way back to the dashboard. The page shows a stable code (also in
//! `data-error-code`) for support and tests, and never anything from the query.

use bytes::Bytes;
use edge_kit::api::Resp;
use http::{HeaderMap, HeaderValue, StatusCode, header};
use http_body_util::Full;
use pixel_core::google_connect::{ExchangeError, StateError};

/// Why the callback stopped; nothing was stored in any case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    StateMissing,
    State(StateError),
    /// The state was already used (a replay, a reload, a second tab).
    StateUsed,
    /// The trainer pressed "Cancelar"/"Denegar" on Google's consent screen.
    Denied,
    /// Google sent another `error` back.
    ConsentError,
    CodeMissing,
    Exchange(ExchangeError),
    ExchangeUnavailable,
    Internal,
}

impl Failure {
    pub fn code(&self) -> &'static str {
        match self {
            Failure::StateMissing => "state_missing",
            Failure::State(e) => e.code(),
            Failure::StateUsed => "state_used",
            Failure::Denied => "access_denied",
            Failure::ConsentError => "consent_error",
            Failure::CodeMissing => "code_missing",
            Failure::Exchange(_) | Failure::ExchangeUnavailable => "exchange_failed",
            Failure::Internal => "internal",
        }
    }

    fn status(&self) -> StatusCode {
        match self {
            Failure::Exchange(_) | Failure::ExchangeUnavailable => StatusCode::BAD_GATEWAY,
            Failure::Internal => StatusCode::INTERNAL_SERVER_ERROR,
            _ => StatusCode::BAD_REQUEST,
        }
    }

    /// Title and explanation, in the dashboard's Spanish.
    fn text(&self) -> (&'static str, &'static str) {
        match self {
            Failure::Denied => (
                "No has dado permiso a Google",
                "Has cancelado la pantalla de permisos de Google, así que no se ha conectado ninguna cuenta. Vuelve al panel y pulsa de nuevo «Conectar con Google» si quieres conectarla.",
            ),
            Failure::StateUsed => (
                "Este enlace ya se ha usado",
                "Cada conexión con Google solo se puede completar una vez. Vuelve al panel y pulsa de nuevo «Conectar con Google».",
            ),
            Failure::State(StateError::Expired) => (
                "La conexión ha caducado",
                "Han pasado más de 10 minutos desde que empezaste a conectar Google. Vuelve al panel y pulsa de nuevo «Conectar con Google».",
            ),
            Failure::State(StateError::OtherBrowser) => (
                "Esta conexión se empezó en otro navegador",
                "Por seguridad, la conexión con Google debe terminarse en el mismo navegador en el que se empezó. Vuelve al panel en este navegador y pulsa «Conectar con Google».",
            ),
            Failure::StateMissing | Failure::State(_) | Failure::CodeMissing => (
                "Enlace de conexión no válido",
                "Este enlace no procede de una conexión iniciada desde el panel. Vuelve al panel y pulsa «Conectar con Google».",
            ),
            Failure::ConsentError => (
                "Google no ha completado la conexión",
                "Google ha devuelto un error en la pantalla de permisos. Vuelve al panel e inténtalo de nuevo.",
            ),
            Failure::Exchange(_) | Failure::ExchangeUnavailable => (
                "Google no ha confirmado la conexión",
                "Google no ha aceptado el permiso que acabas de dar o no ha respondido. No se ha guardado nada: vuelve al panel e inténtalo de nuevo dentro de unos minutos.",
            ),
            Failure::Internal => (
                "No se ha podido conectar con Google",
                "Ha ocurrido un error en el servidor y no se ha guardado nada. Vuelve al panel e inténtalo de nuevo.",
            ),
        }
    }
}

/// The error page.
pub fn error_page(failure: &Failure) -> Resp {
    let (title, message) = failure.text();
    let code = failure.code();
    let html = format!(
        "<!doctype html>\n<html lang=\"es\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<title>{title}</title>\
<style>body{{font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#1f2937}}\
a{{display:inline-block;margin-top:1rem;padding:.6rem 1rem;background:#2563eb;color:#fff;border-radius:.4rem;text-decoration:none}}\
small{{color:#6b7280}}</style></head>\
<body data-error-code=\"{code}\"><main><h1>{title}</h1><p>{message}</p>\
<a href=\"/dashboard/marketing/pixels/\">Volver al panel</a>\
<p><small>Código: <code>{code}</code></small></p></main></body></html>\n"
    );
    let mut resp = http::Response::new(Full::new(Bytes::from(html)));
    *resp.status_mut() = failure.status();
    let headers = resp.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'"),
    );
    private_headers(headers);
    resp
}

/// The callback's URL carries a code and a state: keep it out of caches and referrers.
pub fn private_headers(headers: &mut HeaderMap) {
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
}
