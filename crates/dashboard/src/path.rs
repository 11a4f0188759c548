//! From the request path to the file to serve.

/// The route prefix the component is mounted on (spin.toml and Vite's `base`).
pub const BASE: &str = "/dashboard/marketing/pixels";

/// The single-page app's entry point.
pub const INDEX: &str = "index.html";

/// What a request path asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A file in the mount, relative to its root, without a leading slash.
    File(String),
    /// A client-side route (no file extension): answered with `index.html`.
    AppRoute,
    /// `..`, a backslash, a NUL, bad percent-encoding, or outside the base path.
    Rejected,
}

/// The path below [`BASE`]: Spin's `spin-path-info` header when present, otherwise the URI path
/// with the base stripped. `None` when the URI is not under the base at all.
pub fn path_info<'a>(spin_path_info: Option<&'a str>, uri_path: &'a str) -> Option<&'a str> {
    if let Some(info) = spin_path_info {
        return Some(info);
    }
    let rest = uri_path.strip_prefix(BASE)?;
    if rest.is_empty() || rest.starts_with('/') {
        Some(rest)
    } else {
        // `/dashboard/marketing/pixelsXYZ` is not ours.
        None
    }
}

/// Resolves the path below the base (`""`, `/`, `/assets/index-3f2a.js`, `/config/42/logs`).
pub fn resolve(path_info: &str) -> Target {
    let path = path_info.split(['?', '#']).next().unwrap_or_default();
    let Some(decoded) = percent_decode(path) else {
        return Target::Rejected;
    };
    if decoded.contains(['\\', '\0']) {
        return Target::Rejected;
    }
    let mut segments = Vec::new();
    for segment in decoded.split('/') {
        match segment {
            "" => continue,
            "." | ".." => return Target::Rejected,
            s => segments.push(s),
        }
    }
    let Some(last) = segments.last() else {
        return Target::File(INDEX.to_string());
    };
    if extension(last).is_none() {
        return Target::AppRoute;
    }
    Target::File(segments.join("/"))
}

/// The lowercase extension of a file name, if it has one (`.hidden` has none).
pub fn extension(name: &str) -> Option<String> {
    let name = name.rsplit('/').next().unwrap_or(name);
    match name.rfind('.') {
        Some(0) | None => None,
        Some(i) if i + 1 < name.len() => Some(name[i + 1..].to_ascii_lowercase()),
        Some(_) => None,
    }
}

/// Whether the file is one of Vite's content-hashed outputs, safe to cache forever.
pub fn is_hashed_asset(file: &str) -> bool {
    file.starts_with("assets/")
}

fn percent_decode(input: &str) -> Option<String> {
    let bytes = input.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3)?;
            let hex = std::str::from_utf8(hex).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_paths() {
        let table = [
            ("", Target::File("index.html".into())),
            ("/", Target::File("index.html".into())),
            ("/index.html", Target::File("index.html".into())),
            (
                "/assets/index-3f2a9c.js",
                Target::File("assets/index-3f2a9c.js".into()),
            ),
            (
                "/assets//index-3f2a9c.js",
                Target::File("assets/index-3f2a9c.js".into()),
            ),
            ("/favicon.svg?v=2", Target::File("favicon.svg".into())),
            ("/config/42/logs", Target::AppRoute),
            ("/nuevo", Target::AppRoute),
            ("/assets/%69ndex.js", Target::File("assets/index.js".into())),
        ];
        for (input, expected) in table {
            assert_eq!(resolve(input), expected, "{input}");
        }
    }

    // Traversal out of the mount must never reach std::fs.
    #[test]
    fn rejects_traversal() {
        for input in [
            "/../etc/passwd",
            "/assets/../../secret.txt",
            "/%2e%2e/secret.txt",
            "/%2E%2E%2Fsecret.txt",
            "/assets/..%5c..%5csecret.js",
            "/a\\b.js",
            "/./index.html",
            "/x%00.js",
            "/bad%zz.js",
            "/cut%2",
        ] {
            assert_eq!(resolve(input), Target::Rejected, "{input}");
        }
    }

    #[test]
    fn path_info_prefers_spin_header_and_strips_base_otherwise() {
        assert_eq!(
            path_info(Some("/assets/a.js"), "/whatever"),
            Some("/assets/a.js")
        );
        assert_eq!(
            path_info(None, "/dashboard/marketing/pixels/assets/a.js"),
            Some("/assets/a.js")
        );
        assert_eq!(path_info(None, "/dashboard/marketing/pixels"), Some(""));
        assert_eq!(path_info(None, "/dashboard/marketing/pixelsXYZ"), None);
        assert_eq!(path_info(None, "/api/v1/marketing"), None);
    }

    #[test]
    fn extensions() {
        assert_eq!(extension("index.HTML").as_deref(), Some("html"));
        assert_eq!(extension("assets/app.v2.js").as_deref(), Some("js"));
        assert_eq!(extension(".hidden"), None);
        assert_eq!(extension("logs"), None);
        assert_eq!(extension("trailing."), None);
    }
}
