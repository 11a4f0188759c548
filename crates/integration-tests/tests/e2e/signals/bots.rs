//! Bots and junk at the edge, as an attacker would send them: each gets its page, none yields
//! an event, and the KPIs count each by reason.

use http::Method;
use integration_tests::{form_timer, now_ms};
use mock_platforms::Platform;
use serde_json::Value;

use crate::collector::{Edge, GRANTED, HOST, TENANT};

const FORM: &str = "nombre=Ana&correo=ana%40example.com&telefono=612345678";
const FORM_CT: (&str, &str) = ("content-type", "application/x-www-form-urlencoded");

async fn filtered(edge: &Edge) -> Value {
    let a = edge
        .app
        .client
        .get(
            "/api/v1/marketing/tracking-stats?days=1",
            &edge.app.token(TENANT),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.text());
    a.json()["filtered"].clone()
}

async fn post_form(edge: &Edge, cookie: &str) -> u16 {
    edge.visit(
        Method::POST,
        "/contacto",
        Some(cookie),
        &[FORM_CT],
        FORM.as_bytes().to_vec(),
    )
    .await
    .status
    .as_u16()
}

#[tokio::test(flavor = "multi_thread")]
async fn crawlers_prefetches_head_and_hasty_forms_get_their_page_but_no_event() {
    let edge = Edge::start().await;
    let crawl = |ua: &'static str| {
        let edge = &edge;
        async move {
            edge.app
                .client
                .send(
                    Method::GET,
                    "/",
                    &[("host", HOST), ("user-agent", ua), ("cookie", GRANTED)],
                    vec![],
                )
                .await
        }
    };
    // A link previewer and a crawler from the maintained list, not from a short list of ours.
    for ua in [
        "WhatsApp/2.24.1.0 A",
        "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)",
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36",
    ] {
        let a = crawl(ua).await;
        assert_eq!(a.status, 200, "{ua} still gets the page");
        assert!(
            a.headers.get_all("set-cookie").iter().next().is_none(),
            "{ua} got cookies"
        );
    }
    let prefetch = edge
        .visit(
            Method::GET,
            "/",
            Some(GRANTED),
            &[("sec-purpose", "prefetch;prerender")],
            vec![],
        )
        .await;
    assert_eq!(prefetch.status, 200);
    let head = edge
        .visit(Method::HEAD, "/", Some(GRANTED), &[], vec![])
        .await;
    assert_eq!(head.status, 200);

    // No timer at all (a script posting straight to the form's URL), and one made up without
    // the edge's key.
    assert_eq!(post_form(&edge, GRANTED).await, 303);
    let made_up = format!("{GRANTED}; _tr_t={}.{}", now_ms() - 60_000, "ab".repeat(16));
    assert_eq!(post_form(&edge, &made_up).await, 303);
    assert_eq!(edge.tracked().await, 0, "junk yielded events");

    // A bot posting right after loading the page, with the very timer it was given.
    let page = edge
        .visit(Method::GET, "/", Some(GRANTED), &[], vec![])
        .await;
    let timer = page
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("_tr_t="))
        .expect("a tracked page sets the form timer")
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    assert_eq!(post_form(&edge, &format!("{GRANTED}; {timer}")).await, 303);
    // Backdating it by hand breaks its signature.
    let (ms, tag) = timer["_tr_t=".len()..].split_once('.').unwrap();
    let backdated = format!("_tr_t={}.{tag}", ms.parse::<i64>().unwrap() - 60_000);
    assert_eq!(
        post_form(&edge, &format!("{GRANTED}; {backdated}")).await,
        303
    );
    // The origin got every form: filtering never costs the trainer a submission.
    let posts = edge
        .origin
        .received()
        .into_iter()
        .filter(|r| r.method == Method::POST)
        .count();
    assert_eq!(posts, 4);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let leads = edge
        .rows(Platform::Meta)
        .into_iter()
        .filter(|r| r["event_name"] == "Lead")
        .count()
        + edge.queued().iter().filter(|e| e["name"] == "LEAD").count();
    assert_eq!(leads, 0, "a hasty form yielded a Lead");
    let f = filtered(&edge).await;
    assert_eq!(f["crawler"], 2, "{f}");
    assert_eq!(f["headless"], 1, "{f}");
    // PageView and nothing else for `/`: one each.
    assert_eq!(f["prefetch"], 1, "{f}");
    assert_eq!(f["head"], 1, "{f}");
    assert_eq!(f["too_fast"], 4, "{f}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_person_who_took_their_time_is_tracked() {
    let edge = Edge::start().await;
    let cookie = format!(
        "{GRANTED}; {}",
        form_timer("example.com", now_ms() - 20_000)
    );
    assert_eq!(post_form(&edge, &cookie).await, 303);
    edge.delivered("Lead", 1).await;
    assert_eq!(filtered(&edge).await["too_fast"], 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_stats_serve_a_7_and_a_30_day_series_with_what_was_filtered() {
    let edge = Edge::start().await;
    let a = edge
        .visit(Method::HEAD, "/", Some(GRANTED), &[], vec![])
        .await;
    assert_eq!(a.status, 200);
    for days in [7, 30] {
        let a = edge
            .app
            .client
            .get(
                &format!("/api/v1/marketing/tracking-stats?days={days}"),
                &edge.app.token(TENANT),
            )
            .await;
        let series = a.json()["daily"].as_array().cloned().unwrap_or_default();
        assert_eq!(series.len(), days, "{}", a.text());
        let today = series.last().unwrap();
        assert_eq!(today["filtered"], 1, "{today}");
        assert_eq!(
            (today["sent"].as_u64(), today["failed"].as_u64()),
            (Some(0), Some(0))
        );
        assert!(series[0]["date"].as_str().unwrap() < today["date"].as_str().unwrap());
    }
}
