//! What a request through the edge means: whether it can be tracked at all (static assets;
//! bots and prefetches are `junk`'s), which events an answered page yields, and the visitor's click ids with
//! the first-party cookies that keep them. Pure: clock and randomness come in as arguments.

use edge_kit::auth::query_param;
use pixel_core::StandardEvent;
use pixel_core::click_ids::{self, COOKIE_MAX_AGE_SECS};
use pixel_core::event::ClickIds;
use pixel_core::site::PageKind;

use crate::cookies;

const STATIC_EXTENSIONS: [&str; 24] = [
    "css", "js", "mjs", "map", "png", "jpg", "jpeg", "gif", "webp", "avif", "svg", "ico", "woff",
    "woff2", "ttf", "otf", "eot", "mp4", "webm", "mp3", "pdf", "zip", "txt", "xml",
];

/// A path no visitor "views": scripts, styles, images, fonts, media, files.
pub fn is_static_asset(path: &str) -> bool {
    let last = path.rsplit('/').next().unwrap_or("");
    last.rsplit_once('.')
        .is_some_and(|(_, ext)| STATIC_EXTENSIONS.contains(&ext.to_ascii_lowercase().as_str()))
}

/// An HTML document answer.
pub fn is_html(content_type: Option<&str>) -> bool {
    content_type.is_some_and(|ct| {
        let ct = ct.trim_start().to_ascii_lowercase();
        ct.starts_with("text/html") || ct.starts_with("application/xhtml+xml")
    })
}

/// An order on the thank-you page: id and value from its query (`?pedido=A-1&valor=49,90`).
#[derive(Debug, Clone, PartialEq)]
pub struct Order {
    pub id: String,
    pub value: f64,
    pub currency: String,
}

fn first_param(query: &str, names: &[&str]) -> Option<String> {
    names
        .iter()
        .find_map(|n| query_param(query, n))
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

/// Spanish decimal commas are common in these URLs: `49,90`.
fn parse_amount(raw: &str) -> Option<f64> {
    let v: f64 = raw.replace(',', ".").parse().ok()?;
    (v.is_finite() && v >= 0.0).then_some(v)
}

pub fn order_from_query(query: &str) -> Option<Order> {
    let id = first_param(
        query,
        &[
            "order_id",
            "orderId",
            "pedido",
            "order",
            "id_pedido",
            "transaction_id",
        ],
    )?;
    let value = parse_amount(&first_param(
        query,
        &["value", "valor", "total", "importe", "amount"],
    )?)?;
    let currency = first_param(query, &["currency", "moneda"])
        .filter(|c| c.len() == 3 && c.bytes().all(|b| b.is_ascii_alphabetic()))
        .map_or_else(|| "EUR".to_owned(), |c| c.to_ascii_uppercase());
    Some(Order {
        id,
        value,
        currency,
    })
}

/// The events a page answered 2xx to a GET yields, beyond its PageView.
pub fn page_event(kind: PageKind, query: &str) -> Option<(StandardEvent, Option<Order>)> {
    match kind {
        PageKind::Content => Some((StandardEvent::ViewContent, None)),
        PageKind::Checkout => Some((StandardEvent::InitiateCheckout, None)),
        // A thank-you page without an order (a reload, a bookmark) is just a page view.
        PageKind::ThankYou => order_from_query(query).map(|o| (StandardEvent::Purchase, Some(o))),
        PageKind::Lead | PageKind::Plain => None,
    }
}

/// The visitor's click ids for this request and the cookies to set for them.
pub fn visit_ids(
    query: &str,
    cookie_header: &str,
    domain: Option<&str>,
    now_ms: u64,
    random: u64,
) -> (ClickIds, Vec<String>) {
    let mut set = Vec::new();
    let fbclid = query_param(query, "fbclid");
    let fbc_cookie = cookies::get(cookie_header, "_fbc");
    let fbc = click_ids::fbc_for_visit(fbclid.as_deref(), fbc_cookie, now_ms);
    if let Some(f) = fbc.as_deref().filter(|f| Some(*f) != fbc_cookie) {
        set.push(cookies::set_cookie(
            "_fbc",
            f,
            COOKIE_MAX_AGE_SECS,
            domain,
            false,
        ));
    }
    let (fbp, new) = click_ids::fbp_for_visit(cookies::get(cookie_header, "_fbp"), now_ms, random);
    if new {
        set.push(cookies::set_cookie(
            "_fbp",
            &fbp,
            COOKIE_MAX_AGE_SECS,
            domain,
            false,
        ));
    }
    let mut kept = |param: &str, cookie: &str| {
        let from_url = query_param(query, param)
            .as_deref()
            .and_then(click_ids::clean_click_id);
        let from_cookie = cookies::get(cookie_header, cookie).and_then(click_ids::clean_click_id);
        match from_url {
            Some(v) => {
                if from_cookie.as_deref() != Some(v.as_str()) {
                    set.push(cookies::set_cookie(
                        cookie,
                        &v,
                        COOKIE_MAX_AGE_SECS,
                        domain,
                        true,
                    ));
                }
                Some(v)
            }
            None => from_cookie,
        }
    };
    let ids = ClickIds {
        fbc,
        fbp: Some(fbp),
        ttclid: kept("ttclid", cookies::TTCLID),
        gclid: kept("gclid", cookies::GCLID),
        gbraid: kept("gbraid", cookies::GBRAID),
        wbraid: kept("wbraid", cookies::WBRAID),
        ttp: cookies::get(cookie_header, "_ttp").and_then(click_ids::clean_click_id),
    };
    (ids, set)
}

#[cfg(test)]
mod tests;
