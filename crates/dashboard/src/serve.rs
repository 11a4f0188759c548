//! The whole answer to one request, decided without I/O except through [`Files`].

use crate::headers::{self, Encoding};
use crate::path::{self, Target};

/// Read access to the built files (the component's `files` mount; a map in tests).
pub trait Files {
    /// The bytes of `path` (relative, no leading slash), or `None` when it is not a file.
    fn read(&self, path: &str) -> Option<Vec<u8>>;
}

/// The parts of a request that matter here.
#[derive(Debug, Default, Clone, Copy)]
pub struct Req<'a> {
    pub method: &'a str,
    /// The path below the base (see [`path::path_info`]); `None` when outside it.
    pub path_info: Option<&'a str>,
    pub accept_encoding: Option<&'a str>,
    pub if_none_match: Option<&'a str>,
}

/// What to answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// The page's Content-Security-Policy: everything from this origin, nothing from elsewhere
/// (inline styles are what Headless UI sets for positioning), and no page may frame it
/// (`frame-ancestors`: clickjacking a trainer into deleting a pixel).
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; \
frame-ancestors 'none'; form-action 'self'";

pub fn serve(req: &Req<'_>, files: &impl Files) -> Reply {
    let head = match req.method {
        "GET" => false,
        "HEAD" => true,
        _ => return plain(405, "method not allowed").with("allow", "GET, HEAD"),
    };
    let Some(info) = req.path_info else {
        return plain(404, "not found");
    };
    let file = match path::resolve(info) {
        Target::Rejected => return plain(400, "bad path"),
        Target::AppRoute => path::INDEX.to_string(),
        Target::File(file) => file,
    };
    let Some(identity) = files.read(&file) else {
        return plain(404, "not found");
    };

    let extension = path::extension(&file);
    let compressible = headers::is_compressible(extension.as_deref());
    let (body, encoding) = pick_encoding(&file, identity, compressible, req.accept_encoding, files);
    let etag = headers::etag(&body, encoding);
    let cache = if path::is_hashed_asset(&file) {
        headers::CACHE_IMMUTABLE
    } else {
        headers::CACHE_REVALIDATE
    };

    let mut reply = Reply {
        status: 200,
        headers: Vec::new(),
        body: Vec::new(),
    }
    .with("cache-control", cache)
    .with("etag", &etag);
    if compressible {
        reply = reply.with("vary", "Accept-Encoding");
    }
    if headers::not_modified(req.if_none_match, &etag) {
        reply.status = 304;
        return reply;
    }
    reply = reply
        .with("content-type", headers::content_type(extension.as_deref()))
        .with("x-content-type-options", "nosniff");
    if let Some(encoding) = encoding {
        reply = reply.with("content-encoding", encoding.header());
    }
    if extension.as_deref() == Some("html") {
        // The page may carry `?token=` for an instant: never send it on as a Referer.
        reply = reply
            .with("referrer-policy", "no-referrer")
            .with("content-security-policy", CSP)
            // For browsers without CSP level 2.
            .with("x-frame-options", "DENY");
    }
    if !head {
        reply.body = body;
    }
    reply
}

fn pick_encoding(
    file: &str,
    identity: Vec<u8>,
    compressible: bool,
    accept_encoding: Option<&str>,
    files: &impl Files,
) -> (Vec<u8>, Option<Encoding>) {
    if compressible {
        for encoding in headers::accepted_encodings(accept_encoding) {
            if let Some(bytes) = files.read(&format!("{file}{}", encoding.suffix())) {
                return (bytes, Some(encoding));
            }
        }
    }
    (identity, None)
}

fn plain(status: u16, message: &str) -> Reply {
    Reply {
        status,
        headers: Vec::new(),
        body: message.as_bytes().to_vec(),
    }
    .with("content-type", "text/plain; charset=utf-8")
    .with("cache-control", "no-store")
}

impl Reply {
    fn with(mut self, name: &'static str, value: &str) -> Self {
        self.headers.push((name, value.to_string()));
        self
    }
}

#[cfg(test)]
mod tests;
