//! The reverse proxy in front of a site: forwards the request to its origin, answers with the
//! origin's answer (streamed; rewritten only to inject a browser pixel), and turns what it saw
//! into events that are queued after the answer has gone. An origin that fails gives a 502/504
//! page and no event; a visitor without consent gets the page and nothing else.

use bytes::Bytes;
use edge_kit::host::{now_ms, random_bytes, random_hex, variable};
use edge_kit::kv::SpinStore;
use edge_kit::pipeline::load_configs;
use http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use http_body::Body;
use http_body_util::{BodyExt, Full, Limited};
use pixel_core::StandardEvent;
use pixel_core::config::TrackingConfig;
use pixel_core::event::{Event, EventId, HashedIdentity};
use pixel_core::kv::KvStore;
use pixel_core::schema;
use pixel_core::site::{PageKind, Site, parse_host};
use spin_sdk::http::Request;
use spin_sdk::wasip3::http::types::{
    ErrorCode, Fields, Request as WasiRequest, RequestOptions, Response as WasiResponse,
};
use spin_sdk::wasip3::http_compat::{
    IncomingRequestBody, IncomingResponseBody, RequestOptionsExtension, http_from_wasi_response,
    http_into_wasi_response,
};
use spin_sdk::wasip3::wit_future;
use std::pin::Pin;
use std::rc::Rc;

use crate::backend::DEFAULT_COUNTRY;
use crate::pixel::{BoxError, inject_head, pixels_of, snippet};
use crate::recent::Recent;
use crate::{consent, cookies, filter, forward, guard, junk, lead, order, outbox, purchase, track};

/// Every answer's body: a page, the origin's stream, or that stream rewritten.
pub type EdgeBody = Pin<Box<dyn Body<Data = Bytes, Error = BoxError>>>;

const CONNECT_TIMEOUT_MS: u64 = 5_000;
/// The first-byte (and between-bytes) timeout without the `origin_timeout_ms` variable.
const ORIGIN_TIMEOUT_MS: u64 = 30_000;

thread_local! {
    static ORIGIN_TIMEOUT: std::cell::Cell<Option<u64>> = const { std::cell::Cell::new(None) };
}

/// The `origin_timeout_ms` variable, read once per instance (variables do not change while
/// the app runs).
async fn origin_timeout_ms() -> u64 {
    if let Some(t) = ORIGIN_TIMEOUT.with(|c| c.get()) {
        return t;
    }
    let t = variable("origin_timeout_ms")
        .await
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .filter(|t| *t > 0)
        .unwrap_or(ORIGIN_TIMEOUT_MS);
    ORIGIN_TIMEOUT.with(|c| c.set(Some(t)));
    t
}

fn full(body: impl Into<Bytes>) -> EdgeBody {
    Box::pin(Full::new(body.into()).map_err(|never| match never {}))
}

/// An answer's body as the edge holds it: the origin's answer untouched (handed back to the
/// host as it came, so its bytes never pass through the guest), or a body made or rewritten here.
pub enum Out {
    Origin(IncomingResponseBody),
    Body(EdgeBody),
}

impl Out {
    fn into_edge(self) -> EdgeBody {
        match self {
            Out::Body(b) => b,
            Out::Origin(b) => {
                Box::pin(b.map_err(|e| -> BoxError { format!("origin body: {e:?}").into() }))
            }
        }
    }
}

fn page(status: StatusCode, title: &str, text: &str) -> http::Response<Out> {
    let html = format!(
        "<!doctype html><html lang=\"es\"><head><meta charset=\"utf-8\"><title>{title}</title></head>\
         <body><h1>{title}</h1><p>{text}</p></body></html>"
    );
    let mut resp = http::Response::new(Out::Body(full(html)));
    *resp.status_mut() = status;
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

/// What the edge knows about the request before the origin answers.
struct Visit {
    site: Option<Rc<Site>>,
    host: String,
    url: String,
    path: String,
    query: String,
    method: Method,
    ip: Option<String>,
    user_agent: Option<String>,
    referrer: Option<String>,
    cookie: String,
}

pub async fn handle(req: Request) -> Result<WasiResponse, ErrorCode> {
    let mut timing = crate::timing::Timing::start().await;
    let (mut parts, body) = serve(req, &mut timing).await.into_parts();
    timing.finish(&mut parts.headers);
    match body {
        Out::Origin(mut origin) => match origin.take_unstarted() {
            Some(origin) => pass_through(parts, origin),
            None => http_into_wasi_response(http::Response::from_parts(
                parts,
                Out::Origin(origin).into_edge(),
            )),
        },
        Out::Body(body) => http_into_wasi_response(http::Response::from_parts(parts, body)),
    }
}

/// The origin's answer with the edge's headers: its body stream is handed back to the host
/// unread, which then streams it to the visitor itself (wasi:http unwraps a host-owned stream).
fn pass_through(
    parts: http::response::Parts,
    origin: WasiResponse,
) -> Result<WasiResponse, ErrorCode> {
    // The origin's side learns the body was taken whole (the default, written on drop).
    let (_taken, taken) = wit_future::new(|| Ok(()));
    let (stream, trailers) = WasiResponse::consume_body(origin, taken);
    let fields = Fields::try_from(parts.headers)
        .map_err(|e| ErrorCode::InternalError(Some(format!("headers: {e:?}"))))?;
    let (resp, _sent) = WasiResponse::new(fields, Some(stream), trailers);
    resp.set_status_code(parts.status.as_u16())
        .map_err(|()| ErrorCode::InternalError(Some("status".into())))?;
    Ok(resp)
}

async fn serve(req: Request, timing: &mut crate::timing::Timing) -> http::Response<Out> {
    let (parts, body) = req.into_parts();
    let hv = |name: &str| {
        parts
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let host = hv("host")
        .or_else(|| parts.uri.authority().map(|a| a.to_string()))
        .unwrap_or_default();
    let proto = hv("spin-full-url")
        .filter(|u| u.starts_with("https:"))
        .map_or("http", |_| "https");
    let path_and_query = parts
        .uri
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .to_owned();
    let now = now_ms();
    let mut configs = ConfigsStore::default();
    let site = site_of(&mut configs, &host, now).await;
    timing.mark("site");
    // Unknown, unverified or app hosts, the app's own paths, loops and forbidden origins end
    // here: nothing is forwarded (there is no default origin).
    let policy = guard::policy().await;
    if let Err(refusal) = guard::check(
        &parts.headers,
        &host,
        parts.uri.path(),
        site.as_deref(),
        &policy,
    ) {
        if let guard::Refusal::Origin(why) = &refusal {
            eprintln!("site {host}: origin refused: {why}");
        }
        let (status, title, text) = guard::page_of(&refusal);
        return page(status, title, text);
    }
    timing.mark("policy");
    let origin = site
        .as_ref()
        .map_or_else(String::new, |s| s.origin_url.clone());
    let visit = Visit {
        site,
        url: format!("{proto}://{host}{path_and_query}"),
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().unwrap_or("").to_owned(),
        method: parts.method.clone(),
        ip: forward::client_ip(hv("spin-client-addr").as_deref()),
        user_agent: hv("user-agent"),
        referrer: hv("referer"),
        cookie: hv("cookie").unwrap_or_default(),
        host,
    };
    // Junk (bots, headless browsers, prefetches, HEAD) still gets its page; it yields no
    // event, and what it would have yielded is counted per reason (`junk`, `filter`).
    let (sec_purpose, purpose) = (hv("sec-purpose"), hv("purpose"));
    let (x_purpose, x_moz) = (hv("x-purpose"), hv("x-moz"));
    let mut junk = junk::classify(
        &parts.method,
        &junk::Signals {
            user_agent: visit.user_agent.as_deref(),
            sec_purpose: sec_purpose.as_deref(),
            purpose: purpose.as_deref(),
            x_purpose: x_purpose.as_deref(),
            x_moz: x_moz.as_deref(),
        },
    );
    let trackable = visit.site.is_some()
        && !track::is_static_asset(&visit.path)
        // A partial answer is no page view, and splicing a pixel into it would corrupt it.
        && !parts.headers.contains_key(header::RANGE);
    let kind = visit
        .site
        .as_ref()
        .map_or(PageKind::Plain, |s| s.rules.classify(&visit.path));
    let is_lead = trackable && visit.method == Method::POST && kind == PageKind::Lead;

    let mut headers =
        forward::origin_headers(&parts.headers, visit.ip.as_deref(), proto, &visit.host);
    headers.insert(guard::LOOP_MARKER, HeaderValue::from_static("1"));
    let content_type = hv("content-type");
    let mut lead_form = None;
    let out_body = if is_lead {
        // A lead form is read whole to find its fields; it goes on byte for byte.
        match Limited::new(body, lead::MAX_FORM).collect().await {
            Ok(c) => {
                let bytes = c.to_bytes();
                lead_form = Some(bytes.clone());
                OriginBody::Read(bytes)
            }
            Err(_) => {
                return page(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "413",
                    "El formulario es demasiado grande (form too large)",
                );
            }
        }
    } else {
        OriginBody::Visitor(body)
    };
    let Ok(uri) = format!("{}{path_and_query}", origin.trim_end_matches('/')).parse::<http::Uri>()
    else {
        return page(
            StatusCode::BAD_GATEWAY,
            "502 Bad Gateway",
            "La dirección del servidor de origen no es válida (invalid origin URL)",
        );
    };
    let wait_ns = origin_timeout_ms().await * 1_000_000;
    let options = RequestOptions::new();
    let _ = options.set_connect_timeout(Some(CONNECT_TIMEOUT_MS * 1_000_000));
    let _ = options.set_first_byte_timeout(Some(wait_ns));
    let _ = options.set_between_bytes_timeout(Some(wait_ns));
    timing.mark("prepare");

    let resp = match send_origin(parts.method.clone(), uri, headers, out_body, options).await {
        Ok(r) => r,
        Err(code) => return origin_failed(&code),
    };
    timing.mark("fetch");
    let (mut rparts, rbody) = resp.into_parts();
    forward::drop_hop_by_hop(&mut rparts.headers);
    let status = rparts.status;
    let mut body = Out::Origin(rbody);

    let rct = rparts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let html = track::is_html(rct);
    let page_view = visit.method == Method::GET || visit.method == Method::HEAD;
    let mut names: Vec<(StandardEvent, Option<track::Order>)> = if !trackable {
        Vec::new()
    } else if is_lead && (status.is_success() || status.is_redirection()) {
        vec![(StandardEvent::Lead, None)]
    } else if page_view && status.is_success() && html {
        std::iter::once((StandardEvent::PageView, None))
            .chain(track::page_event(kind, &visit.query))
            .collect()
    } else {
        Vec::new()
    };
    if let (false, Some(site)) = (names.is_empty(), &visit.site) {
        if junk.is_none() && is_lead && filter::lead_too_fast(&visit.host, &visit.cookie, now).await
        {
            junk = Some(junk::Junk::TooFast);
        }
        if let Some(why) = junk {
            filter::count(site, why, names.len(), now).await;
            names.clear();
        }
    }
    // A thank-you page's order needs TrainerERP's signature where the site asks for it (junk
    // never gets this far).
    let (names, signed_order) =
        purchase::proven_orders(names, visit.site.as_deref(), &visit.query).await;
    timing.mark("classify");
    if let (false, Some(site)) = (names.is_empty(), &visit.site) {
        let decision = consent::decide(&site.consent, &visit.cookie);
        if !decision.track {
            count_consent_skipped(site, names.len(), now).await;
            timing.mark("skipped");
        } else {
            let loaded = configs_of(&mut configs, &site.tenant_id, now).await;
            timing.mark("configs");
            if loaded.iter().any(|c| c.is_active) {
                let domain = cookies::registrable_domain(&visit.host);
                let random = u64::from_le_bytes(random_bytes::<8>());
                let (ids, set_cookies) =
                    track::visit_ids(&visit.query, &visit.cookie, domain.as_deref(), now, random);
                // The form timer starts with every page a tracked visitor is served.
                let timer = match (html && status.is_success(), filter::timer_key().await) {
                    (true, Some(key)) => Some(filter::timer_cookie(&key, &visit.host, now)),
                    _ => None,
                };
                for c in set_cookies.into_iter().chain(timer) {
                    if let Ok(v) = HeaderValue::from_str(&c) {
                        rparts.headers.append(header::SET_COOKIE, v);
                    }
                }
                let identity = lead_form
                    .map(|b| {
                        HashedIdentity::from_raw(
                            &lead::identity_from_form(content_type.as_deref(), &b),
                            DEFAULT_COUNTRY,
                        )
                    })
                    .unwrap_or_default();
                // An id derived from an order may come back from the backend; the rest are
                // minted here at random.
                let (events, minted): (Vec<Event>, Vec<bool>) = names
                    .into_iter()
                    .filter_map(|(name, order)| {
                        let minted = order.is_none();
                        build_event(name, order, &visit, &ids, &identity, decision.consent, now)
                            .map(|e| (e, minted))
                    })
                    .unzip();
                timing.mark("events");
                if html && status.is_success() && !encoded(&rparts.headers) {
                    // An unsigned order's value is the visitor's word: the browser pixel
                    // does not report it (the backend will, server-side).
                    let s = if signed_order {
                        snippet(&pixels_of(&loaded), &events)
                    } else {
                        let shown: Vec<Event> = events
                            .iter()
                            .filter(|e| e.name != StandardEvent::Purchase)
                            .cloned()
                            .collect();
                        snippet(&pixels_of(&loaded), &shown)
                    };
                    if !s.is_empty() {
                        let injected = inject_head(body.into_edge(), &s).await;
                        if let Some(added) = injected.added {
                            grow_content_length(&mut rparts.headers, added);
                        }
                        body = Out::Body(Box::pin(injected.body));
                    }
                    timing.mark("head");
                }
                outbox::post(outbox::PageEvents {
                    tenant: site.tenant_id.clone(),
                    host: site.host.clone(),
                    configs: loaded,
                    events,
                    minted,
                    signed_order,
                });
                timing.mark("outbox");
            }
        }
    }
    http::Response::from_parts(rparts, body)
}

/// What goes to the origin as the request's body.
enum OriginBody {
    /// The visitor's body stream, handed to the host unread (it streams it to the origin).
    Visitor(IncomingRequestBody),
    /// A body the edge has read (a lead form).
    Read(Bytes),
}

/// Sends the request to the origin. The visitor's body is passed on as the stream it is, so
/// its bytes (none, for a page view) never pass through the guest.
async fn send_origin(
    method: Method,
    uri: http::Uri,
    mut headers: HeaderMap,
    body: OriginBody,
    options: RequestOptions,
) -> Result<http::Response<IncomingResponseBody>, ErrorCode> {
    let mut visitor = match body {
        OriginBody::Read(bytes) => {
            let mut out = http::Request::new(full(bytes));
            *out.method_mut() = method;
            *out.headers_mut() = headers;
            *out.uri_mut() = uri;
            out.extensions_mut()
                .insert(RequestOptionsExtension(options));
            return spin_sdk::http::send(out).await;
        }
        OriginBody::Visitor(b) => b,
    };
    let Some(incoming) = visitor.take_unstarted() else {
        return Err(ErrorCode::InternalError(Some(
            "the visitor's body was already read".into(),
        )));
    };
    // wasi:http carries the authority apart; the origin's comes from the URI.
    headers.remove(header::HOST);
    let fields = Fields::try_from(headers)
        .map_err(|e| ErrorCode::InternalError(Some(format!("headers: {e:?}"))))?;
    // The visitor's side learns its body was taken whole (the default, written on drop).
    let (_taken, taken) = wit_future::new(|| Ok(()));
    let (stream, trailers) = WasiRequest::consume_body(incoming, taken);
    let (req, _sent) = WasiRequest::new(fields, Some(stream), trailers, Some(options));
    req.set_method(&(&method).into())
        .map_err(|()| ErrorCode::HttpRequestMethodInvalid)?;
    let scheme = uri.scheme().map(Into::into);
    req.set_scheme(scheme.as_ref())
        .map_err(|()| ErrorCode::HttpProtocolError)?;
    req.set_authority(uri.authority().map(|a| a.as_str()))
        .map_err(|()| ErrorCode::HttpRequestUriInvalid)?;
    req.set_path_with_query(uri.path_and_query().map(|p| p.as_str()))
        .map_err(|()| ErrorCode::HttpRequestUriInvalid)?;
    let resp = spin_sdk::wasip3::http::client::send(req).await?;
    http_from_wasi_response(resp)
}

thread_local! {
    static SITES: Recent<Option<Rc<Site>>> = Recent::default();
    static CONFIGS: Recent<Vec<TrackingConfig>> = Recent::default();
}

/// The `configs` store, opened on the first lookup the instance does not remember (most pages
/// under traffic open nothing). A store that cannot be opened means no tracking, not an error.
#[derive(Default)]
struct ConfigsStore(Option<Option<SpinStore>>);

impl ConfigsStore {
    async fn get(&mut self) -> Option<&SpinStore> {
        if self.0.is_none() {
            let opened = SpinStore::open(schema::CONFIGS_STORE)
                .await
                .map_err(|e| eprintln!("configs store unavailable, proxying without tracking: {e}"))
                .ok();
            self.0 = Some(opened);
        }
        self.0.as_ref().and_then(Option::as_ref)
    }
}

/// The site served under `host`, remembered for a second by this instance (a page shares it,
/// it is not copied).
async fn site_of(configs: &mut ConfigsStore, host: &str, now: u64) -> Option<Rc<Site>> {
    let key = host.to_ascii_lowercase();
    let found = match SITES.with(|c| c.get(&key, now)) {
        Some(hit) => hit,
        None => {
            let store = configs.get().await?;
            let read = Rc::new(find_site(store, host).await.map(Rc::new));
            SITES.with(|c| c.put(&key, read.clone(), now));
            read
        }
    };
    (*found).clone()
}

/// A tenant's configs, remembered for a second by this instance. A failed read is not
/// remembered.
async fn configs_of(
    configs: &mut ConfigsStore,
    tenant: &pixel_core::config::TenantId,
    now: u64,
) -> Rc<Vec<TrackingConfig>> {
    if let Some(hit) = CONFIGS.with(|c| c.get(tenant.as_str(), now)) {
        return hit;
    }
    let Some(store) = configs.get().await else {
        return Rc::new(Vec::new());
    };
    match load_configs(store, tenant).await {
        Ok(list) => {
            let list = Rc::new(list);
            CONFIGS.with(|c| c.put(tenant.as_str(), list.clone(), now));
            list
        }
        Err(e) => {
            eprintln!("configs of {tenant}: {e}");
            Rc::new(Vec::new())
        }
    }
}

async fn find_site(store: &SpinStore, host: &str) -> Option<Site> {
    let host = parse_host(host).ok()?;
    let mut keys = vec![host.clone()];
    if let Some((name, _port)) = host.rsplit_once(':') {
        keys.push(name.to_owned());
    }
    for k in keys {
        match store.get(&schema::site_key(&k)).await {
            Ok(Some(raw)) => {
                return serde_json::from_slice(&raw)
                    .map_err(|e| eprintln!("corrupt site {k}: {e}"))
                    .ok();
            }
            Ok(None) => {}
            Err(e) => {
                eprintln!("site lookup {k}: {e}");
                return None;
            }
        }
    }
    None
}

fn origin_failed(code: &ErrorCode) -> http::Response<Out> {
    eprintln!("origin failed: {code:?}");
    match code {
        ErrorCode::ConnectionTimeout
        | ErrorCode::ConnectionReadTimeout
        | ErrorCode::HttpResponseTimeout => page(
            StatusCode::GATEWAY_TIMEOUT,
            "504 Gateway Timeout",
            "El servidor de este sitio no ha respondido a tiempo (the site's server timed out)",
        ),
        _ => page(
            StatusCode::BAD_GATEWAY,
            "502 Bad Gateway",
            "No se ha podido contactar con el servidor de este sitio (the site's server could not be reached)",
        ),
    }
}

fn build_event(
    name: StandardEvent,
    order: Option<track::Order>,
    visit: &Visit,
    ids: &pixel_core::event::ClickIds,
    identity: &HashedIdentity,
    consent: pixel_core::event::Consent,
    now: u64,
) -> Option<Event> {
    let id = match &order {
        Some(o) => order::purchase_event_id(&o.id)?,
        None => EventId::parse(&random_hex::<16>()).ok()?,
    };
    let mut e = Event::new(id, name, (now / 1000) as i64);
    e.source_url = Some(visit.url.clone());
    e.referrer = visit.referrer.clone();
    e.consent = consent;
    e.click_ids = ids.clone();
    e.client_ip = visit.ip.clone();
    e.user_agent = visit.user_agent.clone();
    e.identity = identity.clone();
    if let Some(o) = order {
        e.custom.order_id = Some(o.id);
        e.custom.value = Some(o.value);
        e.custom.currency = Some(o.currency);
    }
    if name == StandardEvent::ViewContent {
        e.custom.content_name = Some(visit.path.clone());
    }
    Some(e)
}

/// The origin's `Content-Length` plus what the injection added (none if it had none: the
/// answer is then chunked as the origin sent it).
fn grow_content_length(h: &mut HeaderMap, added: usize) {
    let len = h
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if let Some(len) = len {
        h.insert(
            header::CONTENT_LENGTH,
            HeaderValue::from(len + added as u64),
        );
    }
}

fn encoded(h: &HeaderMap) -> bool {
    h.get(header::CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| !v.eq_ignore_ascii_case("identity"))
}

async fn count_consent_skipped(site: &Site, n: usize, now: u64) {
    let Ok(stats) = SpinStore::open(schema::STATS_STORE).await else {
        return;
    };
    let n = u32::try_from(n).unwrap_or(u32::MAX);
    if let Err(e) = pixel_core::stats::record_consent_skipped(
        &stats,
        &site.tenant_id,
        &site.host,
        now as i64,
        n,
    )
    .await
    {
        eprintln!("consent counter: {e}");
    }
}
