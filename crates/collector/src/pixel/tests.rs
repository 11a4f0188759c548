use super::*;
use futures::executor::block_on;
use http_body_util::{BodyExt, StreamBody};
use pixel_core::event::EventId;

fn event(name: StandardEvent, id: &str) -> Event {
    Event::new(EventId::parse(id).unwrap(), name, 1_790_000_000)
}

fn rewrite(chunks: &[&str], snippet: &str) -> String {
    let frames: Vec<Result<Frame<Bytes>, BoxError>> = chunks
        .iter()
        .map(|c| Ok(Frame::data(Bytes::copy_from_slice(c.as_bytes()))))
        .collect();
    let body = Injected::new(
        StreamBody::new(futures::stream::iter(frames)),
        snippet.to_owned(),
    );
    let bytes = block_on(body.collect()).unwrap().to_bytes();
    String::from_utf8(bytes.to_vec()).unwrap()
}

#[test]
fn the_snippet_lands_at_the_end_of_head_and_nothing_else_changes() {
    let page = "<!doctype html><html><HEAD><meta charset=utf-8><title>Á</title></HEAD><body><p>x</p><!-- c --></body></html>";
    // Split mid-tag to show chunk boundaries do not matter.
    let out = rewrite(
        &[&page[..20], &page[20..45], &page[45..]],
        "<script>S</script>",
    );
    assert_eq!(out, page.replace("</HEAD>", "<script>S</script></HEAD>"));
    assert_eq!(
        rewrite(&["<p>no head</p>"], "<script>S</script>"),
        "<p>no head</p>"
    );
}

#[test]
fn meta_and_tiktok_carry_the_server_event_ids() {
    let mut purchase = event(StandardEvent::Purchase, "order-A'1</script>");
    purchase.custom.value = Some(49.9);
    purchase.custom.currency = Some("EUR".into());
    let events = [event(StandardEvent::PageView, "pv1"), purchase];
    let s = snippet(
        &[
            (Platform::Meta, "1234567890".into()),
            (Platform::TikTok, "CABC".into()),
        ],
        &events,
    );
    assert!(
        s.contains(r#"fbq('trackSingle',"1234567890","PageView",{},{eventID:"pv1"});"#),
        "{s}"
    );
    assert!(
        s.contains(
            r#""Purchase",{"currency":"EUR","value":49.9},{eventID:"order-A'1\u003c/script\u003e"}"#
        ),
        "{s}"
    );
    assert!(
        s.contains("ttq.page();") && s.contains(r#"ttq.instance("CABC").track("Purchase""#),
        "{s}"
    );
    assert_eq!(
        s.matches("</script>").count(),
        1,
        "the id must not close the script: {s}"
    );
    assert_eq!(snippet(&[(Platform::Google, "1".into())], &events), "");
}
