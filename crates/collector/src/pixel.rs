//! Browser pixels injected into the page's `<head>` with the same `event_id` as the server
//! event, so each platform keeps one of the two (Meta `eventID`, TikTok `event_id`), and the
//! streaming rewrite that puts them there without buffering the page.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body::{Body, Frame};
use lol_html::html_content::ContentType;
use lol_html::{HtmlRewriter, Settings, element};
use pixel_core::event::Event;
use pixel_core::{Platform, StandardEvent};

pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Where the rewriter writes: the chunks [`Injected`] hands out next.
type Sink = Box<dyn FnMut(&[u8])>;

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
    serde_json::Value::Object(p)
        .to_string()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
}

const META_BASE: &str = "!function(f,b,e,v,n,t,s){if(f.fbq)return;n=f.fbq=function(){n.callMethod?n.callMethod.apply(n,arguments):n.queue.push(arguments)};if(!f._fbq)f._fbq=n;n.push=n;n.loaded=!0;n.version='2.0';n.queue=[];t=b.createElement(e);t.async=!0;t.src=v;s=b.getElementsByTagName(e)[0];s.parentNode.insertBefore(t,s)}(window,document,'script','https://connect.facebook.net/en_US/fbevents.js');";

const TIKTOK_BASE: &str = "!function(w,d,t){w.TiktokAnalyticsObject=t;var ttq=w[t]=w[t]||[];ttq.methods=['page','track','identify','instances','debug','on','off','once','ready','alias','group','enableCookie','disableCookie'];ttq.setAndDefer=function(t,e){t[e]=function(){t.push([e].concat(Array.prototype.slice.call(arguments,0)))}};for(var i=0;i<ttq.methods.length;i++)ttq.setAndDefer(ttq,ttq.methods[i]);ttq.load=function(e,n){var r='https://analytics.tiktok.com/i18n/pixel/events.js';ttq._i=ttq._i||{};ttq._i[e]=[];ttq._i[e]._u=r;ttq._t=ttq._t||{};ttq._t[e]=+new Date;ttq._o=ttq._o||{};ttq._o[e]=n||{};var o=d.createElement('script');o.type='text/javascript';o.async=!0;o.src=r+'?sdkid='+e+'&lib='+t;var a=d.getElementsByTagName('script')[0];a.parentNode.insertBefore(o,a)}}(window,document,'ttq');";

/// The `<script>` for `pixels` (platform, pixel id) tracking `events`; empty when no pixel of
/// a platform with a browser pixel applies. Google's gtag needs a conversion label per event,
/// which configs do not hold yet, so it is not injected.
pub fn snippet(pixels: &[(Platform, String)], events: &[Event]) -> String {
    let mut js_code = String::new();
    for (platform, id) in pixels {
        match platform {
            Platform::Meta => {
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
            Platform::TikTok => {
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
            Platform::Google => {}
        }
    }
    if js_code.is_empty() {
        return js_code;
    }
    format!("<script data-trainererp-pixel>{js_code}</script>")
}

/// A body that streams `inner` through an HTML rewriter appending `snippet` to `<head>`.
/// Chunks go out as the rewriter releases them; nothing waits for the whole page.
pub struct Injected<B> {
    inner: Pin<Box<B>>,
    rewriter: Option<HtmlRewriter<'static, Sink>>,
    out: Rc<RefCell<VecDeque<Bytes>>>,
}

impl<B> Injected<B> {
    pub fn new(inner: B, snippet: String) -> Self {
        let out: Rc<RefCell<VecDeque<Bytes>>> = Rc::default();
        let sink_out = out.clone();
        let sink: Sink = Box::new(move |chunk: &[u8]| {
            if !chunk.is_empty() {
                sink_out
                    .borrow_mut()
                    .push_back(Bytes::copy_from_slice(chunk));
            }
        });
        let mut done = false;
        let settings = Settings {
            element_content_handlers: vec![element!("head", move |el| {
                // Only the first <head>: a stray second one in a broken page gets nothing.
                if !done {
                    el.append(&snippet, ContentType::Html);
                    done = true;
                }
                Ok(())
            })],
            ..Settings::new()
        };
        Self {
            inner: Box::pin(inner),
            rewriter: Some(HtmlRewriter::new(settings, sink)),
            out,
        }
    }
}

impl<B> Body for Injected<B>
where
    B: Body<Data = Bytes>,
    B::Error: Into<BoxError>,
{
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        loop {
            if let Some(chunk) = self.out.borrow_mut().pop_front() {
                return Poll::Ready(Some(Ok(Frame::data(chunk))));
            }
            if self.rewriter.is_none() {
                return Poll::Ready(None);
            }
            match self.inner.as_mut().poll_frame(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Some(Err(e))) => return Poll::Ready(Some(Err(e.into()))),
                Poll::Ready(Some(Ok(frame))) => {
                    if let Ok(data) = frame.into_data() {
                        let this = &mut *self;
                        if let Some(r) = this.rewriter.as_mut()
                            && let Err(e) = r.write(&data)
                        {
                            this.rewriter = None;
                            return Poll::Ready(Some(Err(e.to_string().into())));
                        }
                    }
                }
                Poll::Ready(None) => {
                    if let Some(r) = self.rewriter.take()
                        && let Err(e) = r.end()
                    {
                        return Poll::Ready(Some(Err(e.to_string().into())));
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;
