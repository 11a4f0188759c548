use super::*;
use std::collections::HashMap;

struct Dist(HashMap<&'static str, &'static [u8]>);

impl Files for Dist {
    fn read(&self, path: &str) -> Option<Vec<u8>> {
        self.0.get(path).map(|b| b.to_vec())
    }
}

fn dist() -> Dist {
    Dist(HashMap::from([
        ("index.html", &b"<!doctype html><title>Pixels</title>"[..]),
        ("index.html.gz", &b"GZ-INDEX"[..]),
        ("assets/index-3f2a9c.js", &b"console.log(1)"[..]),
        ("assets/index-3f2a9c.js.br", &b"BR-JS"[..]),
        ("assets/index-3f2a9c.js.gz", &b"GZ-JS"[..]),
        ("assets/logo-77aa.png", &b"\x89PNG"[..]),
        ("favicon.svg", &b"<svg/>"[..]),
    ]))
}

fn get(path: &str) -> Req<'_> {
    Req {
        method: "GET",
        path_info: Some(path),
        ..Req::default()
    }
}

#[test]
fn hashed_assets_are_immutable_with_their_type() {
    let reply = serve(&get("/assets/index-3f2a9c.js"), &dist());
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.header("content-type"),
        Some("text/javascript; charset=utf-8")
    );
    assert_eq!(
        reply.header("cache-control"),
        Some(headers::CACHE_IMMUTABLE)
    );
    assert_eq!(reply.header("content-encoding"), None);
    assert_eq!(reply.body, b"console.log(1)");
}

#[test]
fn index_is_revalidated_and_carries_referrer_policy() {
    for path in ["", "/", "/index.html"] {
        let reply = serve(&get(path), &dist());
        assert_eq!(reply.status, 200, "{path}");
        assert_eq!(reply.header("cache-control"), Some("no-cache"));
        assert_eq!(
            reply.header("content-type"),
            Some("text/html; charset=utf-8")
        );
        assert_eq!(reply.header("referrer-policy"), Some("no-referrer"));
        let csp = reply.header("content-security-policy").unwrap_or_default();
        assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
        assert_eq!(reply.header("x-frame-options"), Some("DENY"));
    }
}

#[test]
fn client_routes_get_index_html() {
    let reply = serve(&get("/config/42/logs"), &dist());
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body, b"<!doctype html><title>Pixels</title>");
    assert_eq!(reply.header("cache-control"), Some("no-cache"));
}

#[test]
fn missing_assets_are_404_not_index() {
    let reply = serve(&get("/assets/index-000000.js"), &dist());
    assert_eq!(reply.status, 404);
    assert_eq!(reply.header("cache-control"), Some("no-store"));
}

#[test]
fn traversal_is_refused() {
    assert_eq!(serve(&get("/../../etc/passwd"), &dist()).status, 400);
    assert_eq!(
        serve(&get("/assets/%2e%2e/%2e%2e/etc/passwd"), &dist()).status,
        400
    );
}

#[test]
fn outside_the_base_is_404() {
    let req = Req {
        method: "GET",
        path_info: None,
        ..Req::default()
    };
    assert_eq!(serve(&req, &dist()).status, 404);
}

#[test]
fn precompressed_twins_follow_accept_encoding() {
    let mut req = get("/assets/index-3f2a9c.js");
    req.accept_encoding = Some("gzip, deflate, br");
    let reply = serve(&req, &dist());
    assert_eq!(reply.header("content-encoding"), Some("br"));
    assert_eq!(reply.header("vary"), Some("Accept-Encoding"));
    assert_eq!(reply.body, b"BR-JS");

    req.accept_encoding = Some("gzip");
    let reply = serve(&req, &dist());
    assert_eq!(reply.header("content-encoding"), Some("gzip"));
    assert_eq!(reply.body, b"GZ-JS");

    // index.html only has a gzip twin: a brotli-first client still gets gzip.
    let mut req = get("/");
    req.accept_encoding = Some("br, gzip");
    let reply = serve(&req, &dist());
    assert_eq!(reply.header("content-encoding"), Some("gzip"));
    assert_eq!(reply.body, b"GZ-INDEX");
}

#[test]
fn images_are_never_negotiated() {
    let mut req = get("/assets/logo-77aa.png");
    req.accept_encoding = Some("gzip, br");
    let reply = serve(&req, &dist());
    assert_eq!(reply.header("content-type"), Some("image/png"));
    assert_eq!(reply.header("content-encoding"), None);
    assert_eq!(reply.header("vary"), None);
}

#[test]
fn etag_round_trip_gives_304_without_body() {
    let first = serve(&get("/favicon.svg"), &dist());
    let tag = first.header("etag").unwrap().to_string();
    let mut again = get("/favicon.svg");
    again.if_none_match = Some(&tag);
    let reply = serve(&again, &dist());
    assert_eq!(reply.status, 304);
    assert!(reply.body.is_empty());
    assert_eq!(reply.header("etag"), Some(tag.as_str()));

    // The gzip copy has its own tag: an identity tag does not validate it.
    let mut index = get("/");
    index.if_none_match = Some(&tag);
    index.accept_encoding = Some("gzip");
    assert_eq!(serve(&index, &dist()).status, 200);
}

#[test]
fn head_has_headers_but_no_body() {
    let req = Req {
        method: "HEAD",
        path_info: Some("/assets/index-3f2a9c.js"),
        ..Req::default()
    };
    let reply = serve(&req, &dist());
    assert_eq!(reply.status, 200);
    assert!(reply.body.is_empty());
    assert_eq!(
        reply.header("content-type"),
        Some("text/javascript; charset=utf-8")
    );
    assert!(reply.header("etag").is_some());
}

#[test]
fn other_methods_are_405() {
    let req = Req {
        method: "POST",
        path_info: Some("/"),
        ..Req::default()
    };
    let reply = serve(&req, &dist());
    assert_eq!(reply.status, 405);
    assert_eq!(reply.header("allow"), Some("GET, HEAD"));
}

#[test]
fn the_dashboard_answers_only_on_the_apps_hosts_once_they_are_named() {
    use crate::headers::host_allowed;
    assert!(host_allowed("", Some("www.trainer.es")));
    assert!(host_allowed(" ", None));
    let hosts = "app.trainererp.es, admin.trainererp.es:8443";
    assert!(host_allowed(hosts, Some("app.trainererp.es")));
    assert!(host_allowed(hosts, Some("APP.trainererp.es:443")));
    assert!(host_allowed(hosts, Some("admin.trainererp.es:8443")));
    assert!(!host_allowed(hosts, Some("admin.trainererp.es:9000")));
    assert!(!host_allowed(hosts, Some("www.trainer.es")));
    assert!(!host_allowed(hosts, None));
}
