//! Browser pixels injected into the page's `<head>` with the same `event_id` as the server
//! event, so each platform keeps one of the two (Meta `eventID`, TikTok `event_id`, Google
//! `transaction_id`), and their placement before `</head>` without buffering the page.

use std::collections::{BTreeMap, VecDeque};
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body::{Body, Frame};
use http_body_util::BodyExt;
use pixel_core::config::TrackingConfig;
use pixel_core::event::Event;
use pixel_core::{Platform, StandardEvent};

use crate::head::{self, HeadEnd};

pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A JavaScript string literal that cannot close the `<script>` element it sits in.
fn js(s: &str) -> String {
    serde_json::to_string(s)
        .unwrap_or_else(|_| "\"\"".into())
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
}

fn params(e: &Event) -> String {
    let mut p = serde_json::Map::new();
    if let (Some(v), Some(c)) = (e.custom.value, e.custom.currency.as_deref()) {
        p.insert("value".into(), v.into());
        p.insert("currency".into(), c.into());
    }
    if let Some(n) = e.custom.content_name.as_deref() {
        p.insert("content_name".into(), n.into());
    }
    script_safe(serde_json::Value::Object(p).to_string())
}

/// JSON that cannot close the `<script>` element it sits in.
fn script_safe(json: String) -> String {
    json.replace('<', "\\u003c").replace('>', "\\u003e")
}

const META_BASE: &str = "!function(f,b,e,v,n,t,s){if(f.fbq)return;n=f.fbq=function(){n.callMethod?n.callMethod.apply(n,arguments):n.queue.push(arguments)};if(!f._fbq)f._fbq=n;n.push=n;n.loaded=!0;n.version='2.0';n.queue=[];t=b.createElement(e);t.async=!0;t.src=v;s=b.getElementsByTagName(e)[0];s.parentNode.insertBefore(t,s)}(window,document,'script','https://connect.facebook.net/en_US/fbevents.js');";

const TIKTOK_BASE: &str = "!function(w,d,t){w.TiktokAnalyticsObject=t;var ttq=w[t]=w[t]||[];ttq.methods=['page','track','identify','instances','debug','on','off','once','ready','alias','group','enableCookie','disableCookie'];ttq.setAndDefer=function(t,e){t[e]=function(){t.push([e].concat(Array.prototype.slice.call(arguments,0)))}};for(var i=0;i<ttq.methods.length;i++)ttq.setAndDefer(ttq,ttq.methods[i]);ttq.load=function(e,n){var r='https://analytics.tiktok.com/i18n/pixel/events.js';ttq._i=ttq._i||{};ttq._i[e]=[];ttq._i[e]._u=r;ttq._t=ttq._t||{};ttq._t[e]=+new Date;ttq._o=ttq._o||{};ttq._o[e]=n||{};var o=d.createElement('script');o.type='text/javascript';o.async=!0;o.src=r+'?sdkid='+e+'&lib='+t;var a=d.getElementsByTagName('script')[0];a.parentNode.insertBefore(o,a)}}(window,document,'ttq');";

/// A browser pixel to put in a page, with what its platform's tag needs.
#[derive(Debug, Clone, PartialEq)]
pub enum Pixel {
    Meta(String),
    TikTok(String),
    /// A Google tag (`AW-…`) and its conversion label per standard event.
    Google {
        tag_id: String,
        labels: BTreeMap<StandardEvent, String>,
    },
}

/// The pixels of the active configs that ask for one (a Google config needs its tag id).
pub fn pixels_of(configs: &[TrackingConfig]) -> Vec<Pixel> {
    configs
        .iter()
        .filter(|c| c.is_active && c.browser_pixel)
        .filter_map(|c| match c.platform {
            Platform::Meta => Some(Pixel::Meta(c.pixel_id.as_str().to_owned())),
            Platform::TikTok => Some(Pixel::TikTok(c.pixel_id.as_str().to_owned())),
            Platform::Google => {
                let g = c.google.as_ref()?;
                Some(Pixel::Google {
                    tag_id: g.tag_id.clone()?,
                    labels: g.conversion_labels.clone(),
                })
            }
        })
        .collect()
}

fn granted(yes: bool) -> &'static str {
    if yes { "granted" } else { "denied" }
}

/// The `<script>` for `pixels` tracking `events` (one page's, sharing one consent), each
/// event with the id of its server twin: Meta `eventID`, TikTok `event_id`, Google
/// `transaction_id` (what the API upload sends as `orderId`). Empty when there is no pixel.
pub fn snippet(pixels: &[Pixel], events: &[Event]) -> String {
    let mut js_code = String::new();
    for pixel in pixels {
        match pixel {
            Pixel::Meta(id) => {
                if !js_code.contains("fbevents.js") {
                    js_code.push_str(META_BASE);
                }
                js_code.push_str(&format!("fbq('init',{});", js(id)));
                for e in events {
                    js_code.push_str(&format!(
                        "fbq('trackSingle',{},{},{},{{eventID:{}}});",
                        js(id),
                        js(e.name.camel_name()),
                        params(e),
                        js(e.event_id.as_str())
                    ));
                }
            }
            Pixel::TikTok(id) => {
                if !js_code.contains("TiktokAnalyticsObject") {
                    js_code.push_str(TIKTOK_BASE);
                }
                js_code.push_str(&format!("ttq.load({});", js(id)));
                for e in events {
                    if e.name == StandardEvent::PageView {
                        js_code.push_str("ttq.page();");
                    } else {
                        js_code.push_str(&format!(
                            "ttq.instance({}).track({},{},{{event_id:{}}});",
                            js(id),
                            js(e.name.camel_name()),
                            params(e),
                            js(e.event_id.as_str())
                        ));
                    }
                }
            }
            Pixel::Google { tag_id, labels } => {
                if !js_code.contains("function gtag(") {
                    let consent = events.first().map(|e| e.consent).unwrap_or_default();
                    js_code.push_str(&format!(
                        "window.dataLayer=window.dataLayer||[];function gtag(){{dataLayer.push(arguments);}}\
                         gtag('consent','default',{{ad_storage:'granted',ad_user_data:'{}',ad_personalization:'{}'}});\
                         gtag('js',new Date());\
                         (function(d){{var t=d.createElement('script');t.async=!0;t.src='https://www.googletagmanager.com/gtag/js?id='+encodeURIComponent({});d.head.appendChild(t)}})(document);",
                        granted(consent.ad_user_data),
                        granted(consent.ad_personalization),
                        js(tag_id)
                    ));
                }
                js_code.push_str(&format!("gtag('config',{});", js(tag_id)));
                for e in events {
                    let Some(label) = labels.get(&e.name) else {
                        continue;
                    };
                    let mut p = serde_json::Map::new();
                    p.insert("send_to".into(), format!("{tag_id}/{label}").into());
                    if let (Some(v), Some(c)) = (e.custom.value, e.custom.currency.as_deref()) {
                        p.insert("value".into(), v.into());
                        p.insert("currency".into(), c.into());
                    }
                    let tx = e.custom.order_id.as_deref().unwrap_or(e.event_id.as_str());
                    p.insert("transaction_id".into(), tx.into());
                    js_code.push_str(&format!(
                        "gtag('event','conversion',{});",
                        script_safe(serde_json::Value::Object(p).to_string())
                    ));
                }
            }
        }
    }
    if js_code.is_empty() {
        return js_code;
    }
    format!("<script data-trainererp-pixel>{js_code}</script>")
}

/// The most of a page read before its answer goes out, looking for `</head>`; a page whose
/// head ends later is sent as it is, without the browser pixel.
pub const MAX_HEAD: usize = 64 * 1024;

/// An answer's body after [`inject_head`].
pub struct Injection<B> {
    pub body: Replay<B>,
    /// Bytes added (the snippet), `None` when the body is unchanged.
    pub added: Option<usize>,
}

/// Put `snippet` right before the page's first `</head>` (after its `<meta charset>`, which
/// must stay within the first 1024 bytes). Reads the page only until `</head>` shows (at most
/// [`MAX_HEAD`]); the rest streams on untouched. Knowing the exact size added, the caller keeps
/// the origin's `Content-Length`. A page without `</head>` in reach, a trailer or an error
/// leaves the body byte for byte as it came.
pub async fn inject_head<B>(mut inner: B, snippet: &str) -> Injection<B>
where
    B: Body<Data = Bytes> + Unpin,
    B::Error: Into<BoxError>,
{
    let mut seen: VecDeque<Result<Frame<Bytes>, BoxError>> = VecDeque::new();
    // The page so far, once it spans more than one chunk (usually the first chunk has it all).
    let mut joined: Vec<u8> = Vec::new();
    let unchanged = |mut seen: VecDeque<_>, last: Option<Result<Frame<Bytes>, BoxError>>, inner| {
        seen.extend(last);
        Injection {
            body: Replay { first: seen, inner },
            added: None,
        }
    };
    loop {
        let data = match inner.frame().await {
            None => return unchanged(seen, None, None),
            Some(Err(e)) => return unchanged(seen, Some(Err(e.into())), None),
            Some(Ok(frame)) => match frame.into_data() {
                Ok(data) => data,
                Err(trailers) => return unchanged(seen, Some(Ok(trailers)), Some(inner)),
            },
        };
        let verdict = if seen.is_empty() {
            head::find(&data[..data.len().min(MAX_HEAD)])
        } else {
            joined.extend_from_slice(&data);
            head::find(&joined[..joined.len().min(MAX_HEAD)])
        };
        match verdict {
            HeadEnd::At(at) => {
                let page: &[u8] = if seen.is_empty() { &data } else { &joined };
                let mut out = Vec::with_capacity(page.len() + snippet.len());
                out.extend_from_slice(&page[..at]);
                out.extend_from_slice(snippet.as_bytes());
                out.extend_from_slice(&page[at..]);
                return Injection {
                    body: Replay {
                        first: VecDeque::from([Ok(Frame::data(Bytes::from(out)))]),
                        inner: Some(inner),
                    },
                    added: Some(snippet.len()),
                };
            }
            HeadEnd::Never => return unchanged(seen, Some(Ok(Frame::data(data))), Some(inner)),
            HeadEnd::NotYet => {
                if seen.is_empty() {
                    joined.extend_from_slice(&data);
                }
                seen.push_back(Ok(Frame::data(data)));
                if joined.len() >= MAX_HEAD {
                    return unchanged(seen, None, Some(inner));
                }
            }
        }
    }
}

/// Frames already read, then the rest of the body.
pub struct Replay<B> {
    first: VecDeque<Result<Frame<Bytes>, BoxError>>,
    inner: Option<B>,
}

impl<B> Body for Replay<B>
where
    B: Body<Data = Bytes> + Unpin,
    B::Error: Into<BoxError>,
{
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        if let Some(f) = self.first.pop_front() {
            return Poll::Ready(Some(f));
        }
        match self.inner.as_mut() {
            Some(b) => Pin::new(b).poll_frame(cx).map_err(Into::into),
            None => Poll::Ready(None),
        }
    }
}

#[cfg(test)]
mod tests;
