use super::*;

/// Browsers people use, in-app browsers included: none of them is junk.
const PEOPLE: [&str; 9] = [
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14.5; rv:132.0) Gecko/20100101 Firefox/132.0",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
    "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8 Build/AP2A; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/131.0.6778.39 Mobile Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 [FBAN/FBIOS;FBAV/480.0.0.38.108;FBBV/650000000;FBDV/iPhone15,2;FBMD/iPhone;FBSN/iOS;FBSV/17.5;FBSS/3;FBCR/;FBID/phone;FBLC/es_ES;FBOP/5]",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Instagram 345.0.0.25.91 (iPhone15,2; iOS 17_5; es_ES; es; scale=3.00; 1179x2556; 640000000)",
    "Mozilla/5.0 (Linux; Android 13; M2101K6G) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.230 Mobile Safari/537.36 musical_ly_2023207030 JsSdk/1.0 NetType/WIFI Channel/googleplay AppName/musical_ly app_version/32.7.3 ByteLocale/es ByteFullLocale/es Region/ES BytedanceWebview/d8a21c6",
];

#[test]
fn people_are_not_junk() {
    for ua in PEOPLE {
        let s = Signals {
            user_agent: Some(ua),
            ..Signals::default()
        };
        assert_eq!(classify(&Method::GET, &s), None, "{ua}");
    }
}

#[test]
fn crawlers_previewers_and_tools_are() {
    let bots = [
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
        "WhatsApp/2.23.20.0",
        "TelegramBot (like TwitterBot)",
        "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
        "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)",
        "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)",
        "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)",
        "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2; +https://openai.com/gptbot)",
        "curl/8.5.0",
        "Wget/1.21.4",
        "python-requests/2.32.3",
        "Go-http-client/2.0",
        "axios/1.7.2",
        "",
    ];
    for ua in bots {
        let s = Signals {
            user_agent: Some(ua),
            ..Signals::default()
        };
        assert_eq!(classify(&Method::GET, &s), Some(Junk::Crawler), "{ua}");
    }
    assert!(is_crawler(None));
}

#[test]
fn headless_prefetch_and_head_are_told_apart() {
    let chrome = PEOPLE[1];
    let with = |f: fn(&mut Signals<'static>)| {
        let mut s = Signals {
            user_agent: Some(chrome),
            ..Signals::default()
        };
        f(&mut s);
        classify(&Method::GET, &s)
    };
    assert_eq!(
        with(|s| s.user_agent = Some(
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36"
        )),
        Some(Junk::Headless)
    );
    assert_eq!(
        with(|s| s.sec_purpose = Some("prefetch")),
        Some(Junk::Prefetch)
    );
    assert_eq!(
        with(|s| s.sec_purpose = Some("prefetch;prerender")),
        Some(Junk::Prefetch)
    );
    assert_eq!(with(|s| s.purpose = Some("prefetch")), Some(Junk::Prefetch));
    assert_eq!(with(|s| s.x_moz = Some("prefetch")), Some(Junk::Prefetch));
    assert_eq!(
        with(|s| s.x_purpose = Some("preview")),
        Some(Junk::Prefetch)
    );
    let s = Signals {
        user_agent: Some(chrome),
        ..Signals::default()
    };
    assert_eq!(classify(&Method::HEAD, &s), Some(Junk::Head));
    assert_eq!(classify(&Method::POST, &s), None);
}

#[test]
fn the_vendored_list_is_large_and_credited() {
    let text = include_str!("crawlers.txt");
    assert!(text.contains("monperrus/crawler-user-agents") && text.contains("MIT"));
    assert!(text.lines().filter(|l| !l.starts_with('#')).count() > 1000);
}

const KEY: &[u8] = b"test-key";
const T0: u64 = 1_790_000_000_000;

#[test]
fn a_person_posting_after_a_few_seconds_passes() {
    let v = timer_value(KEY, "www.example.com", T0);
    assert!(!form_too_fast(KEY, "www.example.com", Some(&v), T0 + 8_000));
    // Host case does not matter, as in DNS.
    assert!(!form_too_fast(KEY, "WWW.example.com", Some(&v), T0 + 8_000));
}

#[test]
fn fast_missing_stale_or_forged_timers_are_junk() {
    let host = "www.example.com";
    let v = timer_value(KEY, host, T0);
    // Posted within a second of the page.
    assert!(form_too_fast(KEY, host, Some(&v), T0 + 900));
    // No cookie: the post did not come after a page served by the edge.
    assert!(form_too_fast(KEY, host, None, T0 + 8_000));
    // A day later: a bot cannot keep reusing one fetched cookie.
    assert!(form_too_fast(KEY, host, Some(&v), T0 + MAX_FORM_MS + 1));
    // An attacker backdates the timestamp but cannot sign it.
    let (_, tag) = v.split_once('.').unwrap();
    let forged = format!("{}.{tag}", T0 - 60_000);
    assert!(form_too_fast(KEY, host, Some(&forged), T0 + 100));
    assert!(form_too_fast(KEY, host, Some("0"), T0));
    assert!(form_too_fast(KEY, host, Some("0.00"), T0));
    assert!(form_too_fast(
        KEY,
        host,
        Some(&format!("{}.zz", T0 - 60_000)),
        T0
    ));
    // A timer of another site, or signed with another key, is worth nothing here.
    let other = timer_value(KEY, "evil.example", T0 - 60_000);
    assert!(form_too_fast(KEY, host, Some(&other), T0));
    let wrong_key = timer_value(b"guess", host, T0 - 60_000);
    assert!(form_too_fast(KEY, host, Some(&wrong_key), T0));
    // From the future (clock games) too.
    let future = timer_value(KEY, host, T0 + 60_000);
    assert!(form_too_fast(KEY, host, Some(&future), T0));
}

#[test]
fn the_timer_key_is_not_the_ingest_secret() {
    assert_ne!(timer_key("s"), b"s".to_vec());
    assert_eq!(timer_key("s"), timer_key("s"));
    assert_ne!(timer_key("s"), timer_key("t"));
}

#[test]
fn reasons_are_the_ones_the_kpis_read() {
    let names: Vec<&str> = Junk::ALL.iter().map(|j| j.as_str()).collect();
    assert_eq!(names, pixel_core::stats::FILTER_REASONS);
}
