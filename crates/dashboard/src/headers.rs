//! Content type, cache policy, content negotiation and entity tags; and which hosts may serve
//! the dashboard at all.

/// `Cache-Control` for Vite's content-hashed files: a new build gets new names.
pub const CACHE_IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// `Cache-Control` for everything else (index.html above all): revalidate with the `ETag`.
pub const CACHE_REVALIDATE: &str = "no-cache";

/// Whether the dashboard may answer on `host`: with `app_hosts` set (comma-separated names,
/// an entry with a port matching that port only), only on the app's own hosts, never on a
/// trainer's site, whose pages share the origin (scripts, service workers) with whatever is
/// served there. Without `app_hosts` (local development), everywhere.
pub fn host_allowed(app_hosts: &str, host: Option<&str>) -> bool {
    let entries: Vec<String> = app_hosts
        .split(',')
        .map(|h| h.trim().trim_end_matches('.').to_ascii_lowercase())
        .filter(|h| !h.is_empty())
        .collect();
    if entries.is_empty() {
        return true;
    }
    let Some(host) = host.map(|h| h.trim().to_ascii_lowercase()) else {
        return false;
    };
    let name = match host.rsplit_once(':') {
        Some((n, p)) if p.bytes().all(|b| b.is_ascii_digit()) => n,
        _ => host.as_str(),
    };
    entries
        .iter()
        .any(|e| *e == host || (!e.contains(':') && e == name.trim_end_matches('.')))
}

/// The `Content-Type` for a file extension.
pub fn content_type(extension: Option<&str>) -> &'static str {
    match extension.unwrap_or_default() {
        "html" | "htm" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" | "map" => "application/json",
        "webmanifest" => "application/manifest+json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "avif" => "image/avif",
        "ico" => "image/x-icon",
        "woff" => "font/woff",
        "woff2" => "font/woff2",
        "txt" => "text/plain; charset=utf-8",
        "wasm" => "application/wasm",
        _ => "application/octet-stream",
    }
}

/// Whether the build writes `.br`/`.gz` twins for this extension (text formats only).
pub fn is_compressible(extension: Option<&str>) -> bool {
    matches!(
        extension.unwrap_or_default(),
        "html"
            | "htm"
            | "js"
            | "mjs"
            | "css"
            | "json"
            | "map"
            | "svg"
            | "txt"
            | "webmanifest"
            | "wasm"
    )
}

/// A precompressed twin the client accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Brotli,
    Gzip,
}

impl Encoding {
    pub fn suffix(self) -> &'static str {
        match self {
            Encoding::Brotli => ".br",
            Encoding::Gzip => ".gz",
        }
    }

    pub fn header(self) -> &'static str {
        match self {
            Encoding::Brotli => "br",
            Encoding::Gzip => "gzip",
        }
    }
}

/// The encodings the client accepts, best first (brotli before gzip; `q=0` means refused).
pub fn accepted_encodings(accept_encoding: Option<&str>) -> Vec<Encoding> {
    let mut brotli = false;
    let mut gzip = false;
    let mut star = false;
    for item in accept_encoding.unwrap_or_default().split(',') {
        let mut parts = item.split(';');
        let name = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
        let refused = parts.any(|p| {
            let p = p.trim();
            p.strip_prefix("q=")
                .and_then(|q| q.trim().parse::<f32>().ok())
                .is_some_and(|q| q <= 0.0)
        });
        let accepted = !refused;
        match name.as_str() {
            "br" => brotli = accepted,
            "gzip" | "x-gzip" => gzip = accepted,
            "*" => star = accepted,
            _ => {}
        }
    }
    let mut out = Vec::new();
    if brotli || (star && !mentions(accept_encoding, "br")) {
        out.push(Encoding::Brotli);
    }
    if gzip || (star && !mentions(accept_encoding, "gzip")) {
        out.push(Encoding::Gzip);
    }
    out
}

fn mentions(header: Option<&str>, name: &str) -> bool {
    header.unwrap_or_default().split(',').any(|item| {
        item.split(';')
            .next()
            .is_some_and(|n| n.trim().eq_ignore_ascii_case(name))
    })
}

/// A strong entity tag for a representation: FNV-1a over the bytes, plus the length and the
/// encoding, so the gzip and identity copies of one file never share a tag.
pub fn etag(body: &[u8], encoding: Option<Encoding>) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in body {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    let suffix = encoding
        .map(|e| format!("-{}", e.header()))
        .unwrap_or_default();
    format!("\"{:x}-{hash:016x}{suffix}\"", body.len())
}

/// `If-None-Match` against the tag we would send (weak comparison, `*` matches anything).
pub fn not_modified(if_none_match: Option<&str>, etag: &str) -> bool {
    let Some(header) = if_none_match else {
        return false;
    };
    let ours = etag.trim_start_matches("W/");
    header
        .split(',')
        .map(str::trim)
        .any(|candidate| candidate == "*" || candidate.trim_start_matches("W/") == ours)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_types() {
        assert_eq!(content_type(Some("html")), "text/html; charset=utf-8");
        assert_eq!(content_type(Some("js")), "text/javascript; charset=utf-8");
        assert_eq!(content_type(Some("css")), "text/css; charset=utf-8");
        assert_eq!(content_type(Some("svg")), "image/svg+xml");
        assert_eq!(content_type(Some("woff2")), "font/woff2");
        assert_eq!(content_type(Some("exe")), "application/octet-stream");
        assert_eq!(content_type(None), "application/octet-stream");
    }

    #[test]
    fn negotiates_encodings() {
        use Encoding::*;
        let table: [(Option<&str>, Vec<Encoding>); 8] = [
            (None, vec![]),
            (Some("identity"), vec![]),
            (Some("gzip, deflate"), vec![Gzip]),
            (Some("gzip, deflate, br, zstd"), vec![Brotli, Gzip]),
            (Some("br;q=0, gzip;q=0.5"), vec![Gzip]),
            (Some("gzip;q=0"), vec![]),
            (Some("*"), vec![Brotli, Gzip]),
            (Some("*, br;q=0"), vec![Gzip]),
        ];
        for (header, expected) in table {
            assert_eq!(accepted_encodings(header), expected, "{header:?}");
        }
    }

    #[test]
    fn etags_differ_by_content_and_encoding() {
        let a = etag(b"hello", None);
        assert_eq!(a, etag(b"hello", None));
        assert_ne!(a, etag(b"hellp", None));
        assert_ne!(a, etag(b"hello", Some(Encoding::Gzip)));
        assert!(a.starts_with('"') && a.ends_with('"'));
    }

    #[test]
    fn if_none_match() {
        let tag = etag(b"x", None);
        assert!(not_modified(Some(&tag), &tag));
        assert!(not_modified(Some(&format!("\"other\", W/{tag}")), &tag));
        assert!(not_modified(Some("*"), &tag));
        assert!(!not_modified(Some("\"other\""), &tag));
        assert!(!not_modified(None, &tag));
    }
}
