use super::*;
use futures::executor::block_on;
use http_body_util::{BodyExt, StreamBody};
use pixel_core::event::EventId;

fn event(name: StandardEvent, id: &str) -> Event {
    Event::new(EventId::parse(id).unwrap(), name, 1_790_000_000)
}

fn rewrite(chunks: &[&str], snippet: &str) -> String {
    let bytes: Vec<&[u8]> = chunks.iter().map(|c| c.as_bytes()).collect();
    rewrite_bytes(&bytes, snippet)
}

/// Chunks may split a UTF-8 character, as network reads do. Also checks that the size the
/// injection reports is exact (the edge's Content-Length rests on it).
fn rewrite_bytes(chunks: &[&[u8]], snippet: &str) -> String {
    let frames: Vec<Result<Frame<Bytes>, BoxError>> = chunks
        .iter()
        .map(|c| Ok(Frame::data(Bytes::copy_from_slice(c))))
        .collect();
    let given: usize = chunks.iter().map(|c| c.len()).sum();
    let injected = block_on(inject_head(
        StreamBody::new(futures::stream::iter(frames)),
        snippet,
    ));
    let added = injected.added;
    let bytes = block_on(injected.body.collect()).unwrap().to_bytes();
    assert_eq!(bytes.len(), given + added.unwrap_or(0));
    assert!(added.is_none() || added == Some(snippet.len()));
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
            Pixel::Meta("1234567890".into()),
            Pixel::TikTok("CABC".into()),
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
    assert_eq!(snippet(&[], &events), "");
}

#[test]
fn google_gets_gtag_with_consent_and_the_upload_order_id() {
    let mut pv = event(StandardEvent::PageView, "pv1");
    pv.consent.ad_user_data = true;
    let mut purchase = event(StandardEvent::Purchase, "ev-2");
    purchase.custom.order_id = Some("A-1</script>".into());
    purchase.custom.value = Some(49.9);
    purchase.custom.currency = Some("EUR".into());
    let lead = event(StandardEvent::Lead, "ev-3");
    let labels = BTreeMap::from([
        (StandardEvent::Purchase, "AbC_1-2".to_owned()),
        (StandardEvent::Lead, "LeadLbl".to_owned()),
    ]);
    let s = snippet(
        &[Pixel::Google {
            tag_id: "AW-123456789".into(),
            labels,
        }],
        &[pv, purchase, lead],
    );
    assert!(
        s.contains("gtag/js?id='+encodeURIComponent(\"AW-123456789\")"),
        "{s}"
    );
    assert!(
        s.contains("ad_user_data:'granted',ad_personalization:'denied'"),
        "consent mode from the page's consent: {s}"
    );
    assert!(s.contains(r#"gtag('config',"AW-123456789");"#), "{s}");
    // The Purchase's transaction_id is the order id the upload sends as orderId.
    assert!(
        s.contains(r#"{"currency":"EUR","send_to":"AW-123456789/AbC_1-2","transaction_id":"A-1\u003c/script\u003e","value":49.9}"#),
        "{s}"
    );
    // Without an order, the event id (also the upload's orderId).
    assert!(
        s.contains(r#"{"send_to":"AW-123456789/LeadLbl","transaction_id":"ev-3"}"#),
        "{s}"
    );
    assert_eq!(
        s.matches("'conversion'").count(),
        2,
        "no label, no conversion: {s}"
    );
    assert_eq!(s.matches("</script>").count(), 1, "{s}");
}

#[test]
fn only_active_configs_that_ask_for_it_get_a_pixel() {
    use pixel_core::config::{
        ConfigId, GoogleCustomerId, GoogleSettings, Health, PixelId, TenantId,
    };
    let config =
        |id: &str, platform: Platform, pixel: &str, active: bool, browser: bool| TrackingConfig {
            id: ConfigId::parse(id).unwrap(),
            tenant_id: TenantId::parse("t1").unwrap(),
            platform,
            pixel_id: PixelId::parse(platform, pixel).unwrap(),
            is_active: active,
            created_at: 0,
            updated_at: 0,
            tracked_events: vec![StandardEvent::PageView],
            event_mappings: BTreeMap::new(),
            test_event_code: None,
            encrypted_token: "v1.x.y".into(),
            google: (platform == Platform::Google).then(|| GoogleSettings {
                customer_id: GoogleCustomerId::parse(pixel).unwrap(),
                login_customer_id: None,
                conversion_actions: BTreeMap::new(),
                tag_id: (id == "g-tag").then(|| "AW-123456789".to_owned()),
                conversion_labels: BTreeMap::new(),
                api: pixel_core::config::GoogleApi::DataManager,
            }),
            health: Health::unverified(),
            last_event: None,
            browser_pixel: browser,
        };
    let configs = [
        config("m-on", Platform::Meta, "1111111111", true, true),
        config("m-off", Platform::Meta, "2222222222", true, false),
        config("m-paused", Platform::Meta, "3333333333", false, true),
        config("t-on", Platform::TikTok, "CABCDEFGHIJKLMNOPQRS", true, true),
        config("g-notag", Platform::Google, "1234567890", true, true),
        config("g-tag", Platform::Google, "1234567891", true, true),
    ];
    assert_eq!(
        pixels_of(&configs),
        vec![
            Pixel::Meta("1111111111".into()),
            Pixel::TikTok("CABCDEFGHIJKLMNOPQRS".into()),
            Pixel::Google {
                tag_id: "AW-123456789".into(),
                labels: BTreeMap::new()
            },
        ]
    );
}

#[test]
fn after_head_the_page_passes_through_unparsed_in_any_chunking() {
    // A long body with markup lol_html would have to tokenise, and a second <head> that must
    // stay untouched: the output equals the input with one snippet, for every split point.
    let body: String = (0..400)
        .map(|i| format!("<div class=\"c{i}\"><p>línea {i} &amp; más</p><head></head></div>"))
        .collect();
    let page = format!(
        "<!doctype html><html><head><meta charset=utf-8><title>t</title></head><body>{body}</body></html>"
    );
    let expected = page.replacen("</head>", "<script>S</script></head>", 1);
    for split in [0, 1, 30, 75, 76, 77, 2047, 2048, 5000, page.len()] {
        let b = page.as_bytes();
        let out = rewrite_bytes(&[&b[..split], &b[split..]], "<script>S</script>");
        assert_eq!(out, expected, "split at {split}");
    }
    let one_byte: Vec<String> = page.chars().take(200).map(String::from).collect();
    let mut chunks: Vec<&str> = one_byte.iter().map(String::as_str).collect();
    let rest_at: usize = one_byte.iter().map(String::len).sum();
    chunks.push(&page[rest_at..]);
    assert_eq!(rewrite(&chunks, "<script>S</script>"), expected);
}

#[test]
fn a_head_out_of_reach_leaves_the_page_untouched() {
    let filler = "<!-- relleno -->".repeat(MAX_HEAD / 8);
    let late = format!("<html><head>{filler}</head><body>x</body></html>");
    assert!(rewrite(&[&late], "<script>S</script>") == late, "one chunk");
    // The same page in many small chunks: still read no further than MAX_HEAD, still intact.
    let pieces: Vec<&str> = late
        .as_bytes()
        .chunks(1000)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    assert!(
        rewrite(&pieces, "<script>S</script>") == late,
        "many chunks"
    );
    // No head at all, and an empty body.
    assert_eq!(
        rewrite(&["<p>hola</p>"], "<script>S</script>"),
        "<p>hola</p>"
    );
    assert_eq!(rewrite(&[], "<script>S</script>"), "");
}
