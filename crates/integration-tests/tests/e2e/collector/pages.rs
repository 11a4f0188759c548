//! Pages through the edge: the page itself, cookies, consent, lead forms, what is never
//! tracked, and origins that fail.

use super::*;

#[tokio::test(flavor = "multi_thread")]
async fn a_page_through_the_edge_is_the_origins_plus_a_pixel_sharing_the_server_events_id() {
    let edge = Edge::start().await;
    let a = edge
        .visit(
            Method::GET,
            "/big?fbclid=IwAR2F4-dbP0MixedCASE_x",
            Some(GRANTED),
            &[],
            vec![],
        )
        .await;
    assert_eq!(a.status, 200);
    let (without, snippet) = split_snippet(&a.text());
    assert_eq!(
        without,
        origin::big_page(),
        "the page changed beyond the injected snippet"
    );
    assert_eq!(
        a.headers["content-length"],
        a.body.len().to_string().as_str(),
        "the origin's Content-Length, grown by the snippet"
    );
    assert!(
        snippet.contains("fbq(") && !snippet.contains("ttq."),
        "only the config that asks for it gets a browser pixel: {snippet}"
    );
    let event_id = snippet
        .split("eventID:\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("eventID")
        .to_owned();

    let cookies = set_cookies(&a);
    let fbp = cookie_value(&cookies, "_fbp").expect("_fbp set on the first visit");
    let fbc = cookie_value(&cookies, "_fbc").expect("_fbc set from fbclid");
    assert!(
        fbc.starts_with("fb.1.") && fbc.ends_with(".IwAR2F4-dbP0MixedCASE_x"),
        "{fbc}"
    );
    assert!(
        cookies.iter().all(|c| c.contains("Domain=example.com")
            && c.contains("Secure")
            && c.contains("SameSite=Lax")),
        "{cookies:?}"
    );

    edge.delivered("PageView", 1).await;
    let data = edge.row(Platform::Meta, &event_id);
    assert_eq!(
        data["event_name"], "PageView",
        "the pixel's eventID is the server event's"
    );
    assert_eq!(data["user_data"]["client_ip_address"], "127.0.0.1");
    assert_eq!(data["user_data"]["client_user_agent"], UA);
    assert_eq!(data["user_data"]["fbp"], fbp.as_str());
    assert_eq!(data["user_data"]["fbc"], fbc.as_str());
    assert!(
        data["event_source_url"]
            .as_str()
            .is_some_and(|u| u.starts_with(&format!("http://{HOST}/big"))),
        "{data}"
    );

    // A returning visitor keeps its _fbp: no new cookie, the same id on the next event.
    let again = edge
        .visit(
            Method::GET,
            "/",
            Some(&format!("{GRANTED}; _fbp={fbp}; _fbc={fbc}")),
            &[],
            vec![],
        )
        .await;
    // Only the form timer (issue 15) is set again: it restarts with every page.
    assert!(
        set_cookies(&again).iter().all(|c| c.starts_with("_tr_t=")),
        "{:?}",
        set_cookies(&again)
    );
    edge.delivered("PageView", 2).await;
    let rows = edge.rows(Platform::Meta);
    assert_eq!(rows.len(), 2);
    assert!(
        rows.iter().all(|r| r["user_data"]["fbp"] == fbp.as_str()),
        "{rows:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn without_consent_the_page_is_served_untouched_with_no_event_and_no_cookie() {
    let edge = Edge::start().await;
    for cookie in [None, Some("tr_consent=marketing=denied")] {
        let a = edge
            .visit(
                Method::GET,
                "/big?fbclid=abc&gclid=Cj0KCQiAxyz0123456789",
                cookie,
                &[],
                vec![],
            )
            .await;
        assert_eq!(a.status, 200);
        assert_eq!(a.text(), origin::big_page());
        assert!(set_cookies(&a).is_empty(), "{:?}", set_cookies(&a));
    }
    // Nothing is spawned for a visitor without consent, so the queue is final already.
    assert_eq!(edge.tracked().await, 0);
    let stats = edge.app.host.kv_dump("stats").expect("stats");
    assert!(
        stats
            .iter()
            .any(|(k, _)| k.ends_with(&format!("/consent/{HOST}"))),
        "skips are counted per site: {stats:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_lead_form_reaches_the_origin_unchanged_and_only_its_hashes_are_kept() {
    let edge = Edge::start().await;
    let form =
        "nombre=Ana&correo=ana%40example.com&tel%C3%A9fono=612+345+678&mensaje=Quiero+empezar";
    let ct = [("content-type", "application/x-www-form-urlencoded")];
    // The visitor loaded the form's page ten seconds ago (the edge's form timer).
    let cookie = format!(
        "{GRANTED}; {}",
        integration_tests::form_timer("example.com", integration_tests::now_ms() - 10_000)
    );
    let a = edge
        .visit(
            Method::POST,
            "/contacto",
            Some(&cookie),
            &ct,
            form.as_bytes().to_vec(),
        )
        .await;
    assert_eq!(a.status, 303, "the origin's redirect is passed on");
    assert_eq!(a.headers["location"], "/gracias-contacto");
    let got = edge
        .origin
        .received()
        .into_iter()
        .find(|r| r.method == Method::POST)
        .expect("the origin got the form");
    assert_eq!(got.body, form.as_bytes());
    assert_eq!(got.headers["x-forwarded-host"], HOST);
    assert_eq!(got.headers["x-forwarded-for"], "127.0.0.1");
    assert!(
        got.headers
            .get("host")
            .is_some_and(|h| h.to_str().unwrap_or("").starts_with("127.0.0.1:"))
    );

    edge.delivered("Lead", 1).await;
    edge.delivered_to(Platform::Tiktok, TIKTOK_PIXEL, "Lead", 1)
        .await;
    let meta = edge
        .rows(Platform::Meta)
        .into_iter()
        .find(|r| r["event_name"] == "Lead")
        .expect("a Meta Lead");
    assert_eq!(
        meta["user_data"]["em"],
        "8e43ca37701228e74983efdbd0cff5c16b3b1e5d4e29a7c05626d4d25a018e11"
    );
    assert_eq!(
        meta["user_data"]["ph"], "11f976ff0fae9007051c1c0be7821b65f86e69e36f63542ae8c72dbf3b9cd9dc",
        "Meta: digits"
    );
    let tiktok = edge
        .rows(Platform::Tiktok)
        .into_iter()
        .find(|r| r["event"] == "Lead")
        .expect("a TikTok Lead");
    assert_eq!(
        tiktok["user"]["phone"], "1e41ef79cb1baa05fa88e837a70de6f6ae248454bc8dae474312c0baebe8c7a5",
        "TikTok: E.164"
    );
    for label in ["configs", "queue", "logs", "stats"] {
        for (k, v) in edge.app.host.kv_dump(label).expect("dump") {
            let text = format!("{k} {}", String::from_utf8_lossy(&v)).to_lowercase();
            for raw in [
                "ana@example.com",
                "ana%40example.com",
                "612345678",
                "612 345 678",
                "612+345+678",
            ] {
                assert!(!text.contains(raw), "raw {raw} stored in {label}/{k}");
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn errors_assets_and_bots_are_proxied_but_never_tracked() {
    let edge = Edge::start().await;
    let err = edge
        .visit(Method::GET, "/error", Some(GRANTED), &[], vec![])
        .await;
    assert_eq!(err.status, 500);
    assert!(err.text().contains("Algo ha fallado"));
    let js = edge
        .visit(Method::GET, "/app.js", Some(GRANTED), &[], vec![])
        .await;
    assert_eq!(
        (js.status.as_u16(), js.text().as_str()),
        (200, "console.log('hola');")
    );
    let bot = edge
        .app
        .client
        .send(
            Method::GET,
            "/",
            &[
                ("host", HOST),
                ("user-agent", "Googlebot/2.1"),
                ("cookie", GRANTED),
            ],
            vec![],
        )
        .await;
    assert_eq!(bot.status, 200);
    assert!(
        set_cookies(&err).is_empty() && set_cookies(&js).is_empty() && set_cookies(&bot).is_empty()
    );
    let echo = edge
        .visit(Method::GET, "/echo?q=1", Some(GRANTED), &[], vec![])
        .await;
    let seen = echo.json();
    // The visitor's (empty) body stream is passed on: a page view still goes without framing.
    assert!(
        seen.get("transfer-encoding").is_none() && seen.get("content-length").is_none(),
        "{seen}"
    );
    assert_eq!(seen["x-forwarded-proto"], "http");
    assert!(
        seen.get("spin-client-addr").is_none() && seen.get("spin-full-url").is_none(),
        "{seen}"
    );
    assert_eq!(edge.tracked().await, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_origin_that_is_down_gives_502_and_no_event() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", closed.local_addr().expect("addr"));
    drop(closed);
    let edge = Edge::start_with_origin(Some(url)).await;
    let a = edge
        .visit(Method::GET, "/", Some(GRANTED), &[], vec![])
        .await;
    assert_eq!(a.status, 502);
    assert!(a.text().contains("502"), "{}", a.text());
    assert!(set_cookies(&a).is_empty());
    assert_eq!(edge.tracked().await, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_origin_that_is_too_slow_gives_504_and_no_event() {
    let edge = Edge::start_with(Setup {
        variables: vec![("origin_timeout_ms", "1000")],
        ..Setup::default()
    })
    .await;
    let a = edge
        .visit(Method::GET, "/lento", Some(GRANTED), &[], vec![])
        .await;
    assert_eq!(a.status, 504);
    assert!(a.text().contains("504"), "{}", a.text());
    assert!(set_cookies(&a).is_empty());
    assert_eq!(edge.tracked().await, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_site_with_limited_data_use_lets_meta_locate_its_visitors() {
    let edge = Edge::start_with(Setup {
        site_consent: Some(json!({"limitedDataUse": true})),
        ..Setup::default()
    })
    .await;
    let a = edge
        .visit(Method::GET, "/", Some(GRANTED), &[], vec![])
        .await;
    assert_eq!(a.status, 200);
    edge.delivered("PageView", 1).await;
    let row = &edge.rows(Platform::Meta)[0];
    assert_eq!(row["data_processing_options"], json!(["LDU"]), "{row}");
    assert_eq!(row["data_processing_options_country"], 0);
    assert_eq!(row["data_processing_options_state"], 0);
    // Without the setting (the default), no LDU.
    let plain = Edge::start().await;
    plain
        .visit(Method::GET, "/", Some(GRANTED), &[], vec![])
        .await;
    plain.delivered("PageView", 1).await;
    assert_eq!(
        plain.rows(Platform::Meta)[0]["data_processing_options"],
        json!([])
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn googles_gtag_and_ingest_carry_the_same_order_id() {
    let edge = Edge::start().await;
    edge.app
        .create_config(
            TENANT,
            json!({"platform": "Google", "pixelId": "123-456-7890", "refreshToken": "1//refresh",
                   "conversionActions": {"PURCHASE": "987654321"}, "browserPixel": true,
                   "googleTagId": "AW-123456789", "conversionLabels": {"PURCHASE": "AbC-1_x"}}),
        )
        .await;
    let a = edge
        .visit(
            Method::GET,
            &format!(
                "/gracias?pedido=A-7&valor=30&gclid=Cj0KCQiA-test_123&firma={}",
                crate::security::firma("A-7", 30.0)
            ),
            Some(GRANTED),
            &[],
            vec![],
        )
        .await;
    assert_eq!(a.status, 200);
    let (_, snippet) = split_snippet(&a.text());
    assert!(
        snippet.contains(r#""send_to":"AW-123456789/AbC-1_x","transaction_id":"A-7""#),
        "{snippet}"
    );
    edge.delivered("Purchase", 1).await;
    let mut upload = None;
    for _ in 0..100 {
        upload = edge
            .app
            .mock
            .requests_for(Platform::Google)
            .into_iter()
            .find(|r| r.path == "/v1/events:ingest" && r.body["validateOnly"] != true);
        if upload.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let upload = upload.expect("Google got the events:ingest");
    let row = &upload.body["events"][0];
    assert_eq!(row["transactionId"], "A-7", "{row}");
    assert_eq!(row["adIdentifiers"]["gclid"], "Cj0KCQiA-test_123");
    assert_eq!(row["eventSource"], "WEB");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_body_the_edge_does_not_read_reaches_the_origin_byte_for_byte() {
    let edge = Edge::start().await;
    // Not a lead page: the edge passes the visitor's body stream on without reading it.
    let body: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    let ct = [("content-type", "application/octet-stream")];
    let a = edge
        .visit(Method::POST, "/rechazado", Some(GRANTED), &ct, body.clone())
        .await;
    assert_eq!(a.status, 422, "the origin's answer is passed on");
    let got = edge
        .origin
        .received()
        .into_iter()
        .find(|r| r.method == Method::POST && r.path_and_query == "/rechazado")
        .expect("the origin got the body");
    assert_eq!(got.body.len(), body.len());
    assert!(got.body == body, "the body changed on its way");
}
