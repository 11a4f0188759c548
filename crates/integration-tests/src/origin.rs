//! A landing-page origin on 127.0.0.1 for the edge's tests and benchmark: HTML pages (one of
//! 50 KB), a lead form endpoint that records what it received, a thank-you page, an endpoint
//! that answers 500, static assets, and `/echo` that answers the request headers it got.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http::{HeaderMap, Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto::Builder;

/// A request the origin received.
#[derive(Debug, Clone)]
pub struct Received {
    pub method: Method,
    pub path_and_query: String,
    pub headers: HeaderMap,
    pub body: Bytes,
}

/// A running origin; stops when dropped.
pub struct Origin {
    pub addr: SocketAddr,
    received: Arc<Mutex<Vec<Received>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Origin {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Origin {
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every request received so far, oldest first.
    pub fn received(&self) -> Vec<Received> {
        self.received.lock().expect("origin log").clone()
    }
}

/// A page with a `<head>`, as a landing page builder would serve it; `extra` pads the body.
pub fn html_page(title: &str, extra: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"es\">\n<head>\n<meta charset=\"utf-8\">\n<title>{title}</title>\n\
         <link rel=\"stylesheet\" href=\"/app.css\">\n</head>\n<body>\n<h1>{title}</h1>\n{extra}\n\
         <form method=\"post\" action=\"/contacto\"><input name=\"correo\"><input name=\"telefono\"></form>\n</body>\n</html>\n"
    )
}

/// The 50 KB page of the benchmark and the byte-identity test.
pub fn big_page() -> String {
    let para = "<p>Entrenamiento personal en Madrid: fuerza, movilidad y nutrición. Reserva tu primera sesión gratis.</p>\n";
    let mut body = String::new();
    while body.len() < 50 * 1024 - 600 {
        body.push_str(para);
    }
    html_page("Entrena con Ana", &body)
}

fn answer(status: StatusCode, content_type: &str, body: impl Into<Bytes>) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(body.into()));
    *r.status_mut() = status;
    r.headers_mut().insert(
        http::header::CONTENT_TYPE,
        content_type.parse().expect("content type"),
    );
    r
}

async fn route(
    req: Request<Incoming>,
    log: Arc<Mutex<Vec<Received>>>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let (parts, body) = req.into_parts();
    let body = body
        .collect()
        .await
        .map(|c| c.to_bytes())
        .unwrap_or_default();
    let pq = parts
        .uri
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .to_owned();
    log.lock().expect("origin log").push(Received {
        method: parts.method.clone(),
        path_and_query: pq.clone(),
        headers: parts.headers.clone(),
        body,
    });
    let html = "text/html; charset=utf-8";
    let path = parts.uri.path();
    let resp = match (parts.method.clone(), path) {
        (Method::POST, "/contacto" | "/api/lead") => {
            let mut r = answer(StatusCode::SEE_OTHER, html, "");
            r.headers_mut().insert(
                http::header::LOCATION,
                "/gracias-contacto".parse().expect("location"),
            );
            r
        }
        (Method::POST, "/rechazado") => answer(
            StatusCode::UNPROCESSABLE_ENTITY,
            html,
            html_page("Error", ""),
        ),
        (_, "/error") => answer(
            StatusCode::INTERNAL_SERVER_ERROR,
            html,
            html_page("Error", "<p>Algo ha fallado</p>"),
        ),
        (_, "/big") => answer(StatusCode::OK, html, big_page()),
        // An origin that takes too long to answer (the edge's timeout is shorter in tests).
        (_, "/lento") => {
            tokio::time::sleep(std::time::Duration::from_secs(5)).await;
            answer(StatusCode::OK, html, html_page("Tarde", "<p>Tarde</p>"))
        }
        (_, "/app.js") => answer(
            StatusCode::OK,
            "application/javascript",
            "console.log('hola');",
        ),
        (_, "/app.css") => answer(StatusCode::OK, "text/css", "body{margin:0}"),
        (_, "/logo.png") => answer(StatusCode::OK, "image/png", vec![0x89, b'P', b'N', b'G']),
        (_, "/echo") => {
            let headers: serde_json::Map<String, serde_json::Value> = parts
                .headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").into()))
                .collect();
            answer(
                StatusCode::OK,
                "application/json",
                serde_json::to_vec(&headers).unwrap_or_default(),
            )
        }
        (_, p) if p.starts_with("/gracias") => answer(
            StatusCode::OK,
            html,
            html_page("¡Gracias por tu compra!", "<p>Pedido confirmado</p>"),
        ),
        _ => answer(
            StatusCode::OK,
            html,
            html_page("Entrena con Ana", "<p>Hola</p>"),
        ),
    };
    Ok(resp)
}

/// Start an origin on 127.0.0.1 (free port).
pub async fn spawn() -> Origin {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind origin");
    let addr = listener.local_addr().expect("origin address");
    let received: Arc<Mutex<Vec<Received>>> = Arc::default();
    let log = received.clone();
    let task = tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let log = log.clone();
            tokio::spawn(async move {
                let svc = service_fn(move |req| route(req, log.clone()));
                let _ = Builder::new(TokioExecutor::new())
                    .serve_connection(TokioIo::new(stream), svc)
                    .await;
            });
        }
    });
    Origin {
        addr,
        received,
        task,
    }
}
