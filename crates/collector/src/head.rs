//! Where a page's `<head>` ends: the offset of its first `</head>` end tag, found with the part
//! of the HTML tokenizer that can hide one (comments, tags and their quoted attributes, raw-text
//! and RCDATA elements such as `<script>`, `<style>` and `<title>`), so a `</head>` inside a
//! script string, a comment or an attribute value is not taken for the real one.
//!
//! It replaces a full HTML rewriter on the page's path: the edge only needs this one offset,
//! and a scan of a few hundred bytes costs a microsecond where building a rewriter and its
//! selector cost tens. The tests hold it to what lol_html finds on the same pages.
//! Out of scope, as for the rewriter: a head closed only implicitly (no `</head>` before
//! `<body>`), and script content in the "double escaped" state (`<!--<script>` inside a script).

/// The verdict on a page's beginning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeadEnd {
    /// `</head>` starts at this offset.
    At(usize),
    /// Not in these bytes yet; more may show it.
    NotYet,
    /// The body began (or the rest is plain text): no explicit `</head>` will come.
    Never,
}

/// Elements whose content is text up to their own end tag.
const RAW_TEXT: [&[u8]; 9] = [
    b"script",
    b"style",
    b"title",
    b"textarea",
    b"xmp",
    b"iframe",
    b"noembed",
    b"noframes",
    b"noscript",
];

fn is_space(b: u8) -> bool {
    matches!(b, b'\t' | b'\n' | b'\x0c' | b'\r' | b' ')
}

/// Whether `html[at..]` starts with `pat`, ASCII case-insensitively.
fn starts_with_ci(html: &[u8], at: usize, pat: &[u8]) -> bool {
    html.get(at..at + pat.len())
        .is_some_and(|s| s.eq_ignore_ascii_case(pat))
}

/// The end of a tag name starting at `at` (letters, digits and anything but space, `/`, `>`).
fn name_end(html: &[u8], mut at: usize) -> usize {
    while at < html.len() && !is_space(html[at]) && html[at] != b'/' && html[at] != b'>' {
        at += 1;
    }
    at
}

/// Past the `>` that closes a tag whose attributes start at `at`, honouring quoted values.
fn tag_end(html: &[u8], mut at: usize) -> Option<usize> {
    let mut quote = None;
    while at < html.len() {
        let b = html[at];
        match quote {
            Some(q) if b == q => quote = None,
            Some(_) => {}
            // A quote only opens a value right after `=` (and spaces); elsewhere it is a
            // character of an attribute name, as in the tokenizer.
            None if (b == b'"' || b == b'\'') && after_equals(html, at) => quote = Some(b),
            None if b == b'>' => return Some(at + 1),
            None => {}
        }
        at += 1;
    }
    None
}

fn after_equals(html: &[u8], at: usize) -> bool {
    html[..at]
        .iter()
        .rev()
        .find(|b| !is_space(**b))
        .is_some_and(|b| *b == b'=')
}

/// Past the end tag `</name` (followed by space, `/` or `>`) that closes a raw-text element
/// whose content starts at `at`.
fn raw_text_end(html: &[u8], name: &[u8], mut at: usize) -> Option<usize> {
    while let Some(off) = memchr(b'<', &html[at..]) {
        let lt = at + off;
        if html.get(lt + 1) == Some(&b'/') && starts_with_ci(html, lt + 2, name) {
            let after = lt + 2 + name.len();
            match html.get(after) {
                Some(b) if is_space(*b) || *b == b'/' || *b == b'>' => return tag_end(html, after),
                None => return None,
                _ => {}
            }
        }
        at = lt + 1;
    }
    None
}

fn memchr(needle: u8, hay: &[u8]) -> Option<usize> {
    hay.iter().position(|b| *b == needle)
}

/// Find where the head ends in `html` (the page's first bytes).
pub fn find(html: &[u8]) -> HeadEnd {
    let mut at = 0;
    while let Some(off) = memchr(b'<', &html[at..]) {
        let lt = at + off;
        let Some(&next) = html.get(lt + 1) else {
            return HeadEnd::NotYet;
        };
        at = match next {
            b'!' if starts_with_ci(html, lt + 2, b"--") => {
                // A comment; `<!-->` and `<!--->` end at once, as in the tokenizer.
                let body = lt + 4;
                if html.get(body) == Some(&b'>') {
                    body + 1
                } else if html.get(body..body + 2) == Some(b"->") {
                    body + 2
                } else {
                    match html[body..].windows(3).position(|w| w == b"-->") {
                        Some(p) => body + p + 3,
                        None => return HeadEnd::NotYet,
                    }
                }
            }
            // Doctype, CDATA, processing instructions and other bogus comments end at `>`.
            b'!' | b'?' => match memchr(b'>', &html[lt..]) {
                Some(p) => lt + p + 1,
                None => return HeadEnd::NotYet,
            },
            b'/' => {
                let start = lt + 2;
                match html.get(start) {
                    None => return HeadEnd::NotYet,
                    Some(b) if b.is_ascii_alphabetic() => {
                        let end = name_end(html, start);
                        if end == html.len() {
                            return HeadEnd::NotYet;
                        }
                        if html[start..end].eq_ignore_ascii_case(b"head") {
                            return HeadEnd::At(lt);
                        }
                        match tag_end(html, end) {
                            Some(p) => p,
                            None => return HeadEnd::NotYet,
                        }
                    }
                    // `</>` is dropped, `</ ...>` is a bogus comment: both end at `>`.
                    Some(_) => match memchr(b'>', &html[start..]) {
                        Some(p) => start + p + 1,
                        None => return HeadEnd::NotYet,
                    },
                }
            }
            b if b.is_ascii_alphabetic() => {
                let start = lt + 1;
                let end = name_end(html, start);
                if end == html.len() {
                    return HeadEnd::NotYet;
                }
                let name = &html[start..end];
                if name.eq_ignore_ascii_case(b"body") || name.eq_ignore_ascii_case(b"plaintext") {
                    return HeadEnd::Never;
                }
                let Some(content) = tag_end(html, end) else {
                    return HeadEnd::NotYet;
                };
                match RAW_TEXT.iter().find(|r| name.eq_ignore_ascii_case(r)) {
                    Some(raw) => match raw_text_end(html, raw, content) {
                        Some(p) => p,
                        None => return HeadEnd::NotYet,
                    },
                    None => content,
                }
            }
            // A `<` that opens nothing is text.
            _ => lt + 1,
        };
    }
    HeadEnd::NotYet
}

#[cfg(test)]
mod tests;
