use super::*;

const NOW: u64 = 1_790_000_000_000;

#[test]
fn assets_bots_and_html() {
    for p in ["/app.js", "/img/Logo.PNG", "/f/x.woff2", "/robots.txt"] {
        assert!(is_static_asset(p), "{p}");
    }
    for p in ["/", "/blog/post", "/gracias", "/v1.2/page"] {
        assert!(!is_static_asset(p), "{p}");
    }
    assert!(
        is_html(Some("text/html; charset=utf-8"))
            && !is_html(Some("application/json"))
            && !is_html(None)
    );
}

#[test]
fn thank_you_pages_need_an_order_and_a_value() {
    assert_eq!(
        page_event(PageKind::ThankYou, "pedido=A-1001&valor=49,90"),
        Some((
            StandardEvent::Purchase,
            Some(Order {
                id: "A-1001".into(),
                value: 49.9,
                currency: "EUR".into()
            })
        ))
    );
    let o = order_from_query("order_id=7&value=10&currency=usd").unwrap();
    assert_eq!((o.id.as_str(), o.currency.as_str()), ("7", "USD"));
    assert_eq!(page_event(PageKind::ThankYou, "pedido=A-1"), None);
    assert_eq!(page_event(PageKind::ThankYou, "valor=3"), None);
    assert_eq!(
        page_event(PageKind::Content, ""),
        Some((StandardEvent::ViewContent, None))
    );
    assert_eq!(page_event(PageKind::Plain, ""), None);
}

#[test]
fn first_visit_from_an_ad_sets_every_cookie_and_keeps_fbclid_case() {
    let (ids, set) = visit_ids(
        "fbclid=IwAR2F4-dbP0Xy&gclid=Cj0KCQiA_abc&ttclid=E.C.P.x",
        "",
        Some("example.com"),
        NOW,
        7,
    );
    assert_eq!(
        ids.fbc.as_deref(),
        Some(format!("fb.1.{NOW}.IwAR2F4-dbP0Xy").as_str())
    );
    assert!(
        ids.fbp
            .as_deref()
            .is_some_and(|f| f.starts_with(&format!("fb.1.{NOW}.")))
    );
    assert_eq!(
        (ids.gclid.as_deref(), ids.ttclid.as_deref()),
        (Some("Cj0KCQiA_abc"), Some("E.C.P.x"))
    );
    let names: Vec<&str> = set.iter().map(|c| c.split('=').next().unwrap()).collect();
    assert_eq!(names, ["_fbc", "_fbp", "_tr_ttclid", "_tr_gclid"]);
    assert!(
        set.iter()
            .all(|c| c.contains("Domain=example.com; Secure; SameSite=Lax"))
    );
}

#[test]
fn a_returning_visitor_keeps_its_ids_and_gets_no_new_cookies() {
    let fbp = "fb.1.1780000000000.1234567890";
    let fbc = "fb.1.1780000000000.ClickA";
    let header = format!("_fbp={fbp}; _fbc={fbc}; _tr_gclid=Cj0-old");
    let (ids, set) = visit_ids("", &header, None, NOW, 9);
    assert_eq!(
        (ids.fbp.as_deref(), ids.fbc.as_deref(), ids.gclid.as_deref()),
        (Some(fbp), Some(fbc), Some("Cj0-old"))
    );
    assert!(set.is_empty(), "{set:?}");
    // A new ad click replaces the stored click ids.
    let (ids, set) = visit_ids("gclid=Cj0-new", &header, None, NOW, 9);
    assert_eq!(ids.gclid.as_deref(), Some("Cj0-new"));
    assert_eq!(set.len(), 1);
}
