//! `testhost demo-site`: the origin of the demo trainer's site (`demo/site`), the static pages
//! `scripts/dev` puts behind the edge, plus the two form posts a real site's backend would answer.
//!
//! It is a development origin, not a web server for the internet: it serves only files whose path
//! segments are plain names (letters, digits, `-`, `_`, `.`, never `..`), never follows a path
//! out of its root, and keeps nothing a visitor posts (the lead form's e-mail is read by the edge,
//! hashed there, and dropped here unread).
//!
//! A paid checkout also plays TrainerERP's backend: it posts the signed payment event
//! (`POST /api/v1/events`, the order id of the thank-you page it redirects to) to the app, as a
//! real backend does. The edge holds a thank-you page's unsigned purchase until the backend
//! confirms it, so without this the demo's purchase would wait; the checkout's e-mail goes to
//! the app (which hashes it) and is not kept here.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result};
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

/// Forms are small; anything bigger is refused rather than buffered.
const MAX_FORM: usize = 64 * 1024;
/// The demo programme's price, as the thank-you page's query carries it (`valor=49,90`).
const PRICE: &str = "49,90";

/// What the origin answers to one request, before it becomes an HTTP response.
#[derive(Debug, PartialEq, Eq)]
pub enum Answer {
    File {
        path: PathBuf,
        content_type: &'static str,
    },
    Redirect(String),
    NotFound,
    MethodNotAllowed,
}

/// Where a paid checkout reports its payment: the app's base URL (`http://127.0.0.1:3000`), the
/// tenant, and the `ingest_signing_secret`.
#[derive(Clone)]
pub struct Backend {
    pub app: SocketAddr,
    pub tenant: String,
    pub secret: String,
}

/// Serve `root` on `addr` until the process ends (Ctrl-C ends the process).
pub async fn serve(root: PathBuf, addr: SocketAddr, backend: Option<Backend>) -> Result<()> {
    let root = root
        .canonicalize()
        .with_context(|| format!("demo site root {}", root.display()))?;
    let listener = TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))?;
    eprintln!(
        "demo site origin on http://{} (files in {})",
        listener.local_addr()?,
        root.display()
    );
    let site = Arc::new(Site {
        root,
        orders: AtomicU64::new(0),
        backend,
    });
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let site = site.clone();
        tokio::spawn(async move {
            let service = service_fn(move |req| {
                let site = site.clone();
                async move { Ok::<_, Infallible>(handle(&site, req).await) }
            });
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

struct Site {
    root: PathBuf,
    orders: AtomicU64,
    backend: Option<Backend>,
}

async fn handle(site: &Site, req: Request<hyper::body::Incoming>) -> Response<Full<Bytes>> {
    let (parts, body) = req.into_parts();
    // The form is read (so the connection stays usable) and dropped: the origin keeps no lead.
    let form = match Limited::new(body, MAX_FORM).collect().await {
        Ok(c) => c.to_bytes(),
        Err(_) => return text(StatusCode::PAYLOAD_TOO_LARGE, "Formulario demasiado grande"),
    };
    let order = order_id(site.orders.fetch_add(1, Ordering::Relaxed));
    let answer = answer(&site.root, &parts.method, parts.uri.path(), &order);
    if let (Answer::Redirect(to), Some(backend)) = (&answer, &site.backend)
        && to.starts_with("/gracias")
    {
        let cookie = parts
            .headers
            .get(hyper::header::COOKIE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let event = crate::demo_backend::payment_event(&backend.tenant, &order, &form, cookie);
        // A failed report leaves the thank-you page's own purchase: say so, and go on.
        if let Err(e) = crate::demo_backend::post(backend, &event).await {
            eprintln!("demo site: the payment of {order} was not reported to the app: {e:#}");
        }
    }
    match answer {
        Answer::File { path, content_type } => match tokio::fs::read(&path).await {
            Ok(bytes) => {
                let body = if parts.method == Method::HEAD {
                    Bytes::new()
                } else {
                    Bytes::from(bytes)
                };
                build(StatusCode::OK, content_type, body, None)
            }
            Err(_) => text(StatusCode::NOT_FOUND, "Página no encontrada"),
        },
        Answer::Redirect(to) => build(StatusCode::SEE_OTHER, "text/plain", Bytes::new(), Some(to)),
        Answer::NotFound => text(StatusCode::NOT_FOUND, "Página no encontrada"),
        Answer::MethodNotAllowed => text(StatusCode::METHOD_NOT_ALLOWED, "Método no permitido"),
    }
}

/// An order id that differs between runs and between orders of one run.
fn order_id(n: u64) -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    format!("DEMO-{secs:x}-{}", n + 1)
}

/// The routing, pure but for checking which files exist: the lead form goes on to the checkout,
/// the checkout to the thank-you page with its order, every other GET/HEAD to a file.
pub fn answer(root: &Path, method: &Method, path: &str, order: &str) -> Answer {
    match (method.as_str(), path) {
        ("POST", "/registro") => return Answer::Redirect("/checkout".into()),
        ("POST", "/checkout") => {
            return Answer::Redirect(format!("/gracias?pedido={order}&valor={PRICE}"));
        }
        ("GET" | "HEAD", _) => {}
        _ => return Answer::MethodNotAllowed,
    }
    match file_for(root, path) {
        Some(path) => {
            let content_type = content_type(&path);
            Answer::File { path, content_type }
        }
        None => Answer::NotFound,
    }
}

/// `/` is `index.html`, `/a/b` is `a/b` or `a/b.html`; `None` for a path with any segment that
/// is not a plain name, or that leaves `root` through a symbolic link.
pub fn file_for(root: &Path, path: &str) -> Option<PathBuf> {
    let plain = |s: &str| {
        !s.is_empty()
            && !s.starts_with('.')
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
    };
    let rel = path.strip_prefix('/')?;
    let rel = if rel.is_empty() { "index.html" } else { rel };
    if !rel.split('/').all(plain) {
        return None;
    }
    let exact = root.join(rel);
    let candidates = [exact.clone(), exact.with_extension("html")];
    let root = root.canonicalize().ok()?;
    candidates.into_iter().find_map(|c| {
        let real = c.canonicalize().ok()?;
        (real.is_file() && real.starts_with(&root)).then_some(real)
    })
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()) {
        Some("html") => "text/html; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("png") => "image/png",
        Some("svg") => "image/svg+xml",
        _ => "application/octet-stream",
    }
}

fn text(status: StatusCode, message: &str) -> Response<Full<Bytes>> {
    build(
        status,
        "text/plain; charset=utf-8",
        Bytes::from(message.to_owned()),
        None,
    )
}

fn build(
    status: StatusCode,
    content_type: &'static str,
    body: Bytes,
    location: Option<String>,
) -> Response<Full<Bytes>> {
    let mut resp = Response::new(Full::new(body));
    *resp.status_mut() = status;
    let h = resp.headers_mut();
    h.insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static(content_type),
    );
    h.insert(
        hyper::header::CACHE_CONTROL,
        hyper::header::HeaderValue::from_static("no-store"),
    );
    if let Some(v) = location.and_then(|l| hyper::header::HeaderValue::from_str(&l).ok()) {
        h.insert(hyper::header::LOCATION, v);
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../demo/site")
    }

    fn file(path: &str) -> Option<String> {
        match answer(&site(), &Method::GET, path, "X") {
            Answer::File { path, .. } => Some(path.file_name()?.to_str()?.to_owned()),
            _ => None,
        }
    }

    #[test]
    fn every_page_of_the_walk_is_served() {
        assert_eq!(file("/").as_deref(), Some("index.html"));
        assert_eq!(file("/programas/fuerza").as_deref(), Some("fuerza.html"));
        assert_eq!(file("/registro").as_deref(), Some("registro.html"));
        assert_eq!(file("/checkout").as_deref(), Some("checkout.html"));
        assert_eq!(file("/gracias").as_deref(), Some("gracias.html"));
        assert_eq!(file("/estilos.css").as_deref(), Some("estilos.css"));
        assert_eq!(file("/nada"), None);
    }

    #[test]
    fn the_forms_lead_on_to_checkout_and_to_a_thank_you_page_with_the_order() {
        let post = |p: &str| answer(&site(), &Method::POST, p, "DEMO-1");
        assert_eq!(post("/registro"), Answer::Redirect("/checkout".into()));
        assert_eq!(
            post("/checkout"),
            Answer::Redirect("/gracias?pedido=DEMO-1&valor=49,90".into())
        );
        assert_eq!(post("/"), Answer::MethodNotAllowed);
        assert_eq!(
            answer(&site(), &Method::DELETE, "/", "X"),
            Answer::MethodNotAllowed
        );
    }

    // An attacker's paths: parent segments (plain, encoded, backslashed), hidden files, absolute
    // paths and a symbolic link pointing out of the root never reach a file outside it.
    #[test]
    fn no_path_leaves_the_root() {
        for path in [
            "/../Cargo.toml",
            "/programas/../../README.md",
            "/..%2f..%2fCargo.toml",
            "/%2e%2e/Cargo.toml",
            "/..\\..\\Cargo.toml",
            "/.git",
            "//etc/passwd",
            "/programas//fuerza",
            "/index.html\0.css",
            "relative",
        ] {
            assert_eq!(file(path), None, "{path}");
        }
        let dir = std::env::temp_dir().join(format!("demo-site-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("index.html"), "ok").unwrap();
        let link = dir.join("fuera.html");
        let _ = std::fs::remove_file(&link);
        #[cfg(unix)]
        std::os::unix::fs::symlink(site().join("../../Cargo.toml"), &link).unwrap();
        assert!(file_for(&dir, "/").is_some());
        assert_eq!(file_for(&dir, "/fuera"), None);
        assert_eq!(file_for(&dir, "/fuera.html"), None);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
