//! Spin's HTTP routing: which component answers a path.
//!
//! Precedence as Spin's router: an exact route beats any wildcard; among wildcards (`/a/...`) the
//! longest prefix wins, so `/...` is the catch-all; `:name` segments match one segment and rank
//! after literal segments of the same length. Private routes are not routable from outside.

use crate::manifest::{HttpTrigger, RouteDecl};
use anyhow::{Result, bail};

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    Param,
}

#[derive(Debug, Clone)]
struct Route {
    /// As written in the manifest, e.g. `/api/...`.
    raw: String,
    segments: Vec<Segment>,
    wildcard: bool,
    component: String,
}

/// A successful match and the facts Spin passes to the component as headers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteMatch {
    pub component: String,
    /// `spin-matched-route` / `spin-raw-component-route`: the route as declared.
    pub matched_route: String,
    /// `spin-component-route`: the route without its trailing `/...`.
    pub component_route: String,
    /// `spin-path-info`: the part of the path after the component route.
    pub path_info: String,
}

#[derive(Debug, Clone, Default)]
pub struct Router {
    routes: Vec<Route>,
}

fn split(path: &str) -> impl Iterator<Item = &str> {
    path.split('/').filter(|s| !s.is_empty())
}

impl Router {
    pub fn build(triggers: &[HttpTrigger]) -> Result<Router> {
        let mut routes: Vec<Route> = Vec::new();
        for t in triggers {
            let RouteDecl::Path(raw) = &t.route else {
                continue;
            };
            if !raw.starts_with('/') {
                bail!(
                    "route {raw:?} of component {:?} must start with `/`",
                    t.component
                );
            }
            let (base, wildcard) = match raw.strip_suffix("/...") {
                Some(base) => (base, true),
                None if raw == "/..." => ("", true),
                None => (raw.as_str(), false),
            };
            let segments = split(base)
                .map(|s| {
                    if s.starts_with(':') {
                        Segment::Param
                    } else {
                        Segment::Literal(s.to_string())
                    }
                })
                .collect::<Vec<_>>();
            if routes
                .iter()
                .any(|r| r.wildcard == wildcard && r.segments == segments)
            {
                // Spin keeps the first of duplicate routes and warns.
                tracing::warn!("duplicate route {raw:?}: the first declaration wins");
                continue;
            }
            routes.push(Route {
                raw: raw.clone(),
                segments,
                wildcard,
                component: t.component.clone(),
            });
        }
        // Most specific first: exact before wildcard, then longer, then fewer parameters.
        routes.sort_by_key(|r| {
            let params = r.segments.iter().filter(|s| **s == Segment::Param).count();
            (r.wildcard, std::cmp::Reverse(r.segments.len()), params)
        });
        Ok(Router { routes })
    }

    pub fn route(&self, path: &str) -> Option<RouteMatch> {
        let parts: Vec<&str> = split(path).collect();
        self.routes.iter().find_map(|r| {
            let n = r.segments.len();
            let fits = if r.wildcard {
                parts.len() >= n
            } else {
                parts.len() == n
            };
            let same = fits
                && r.segments.iter().zip(&parts).all(|(s, p)| match s {
                    Segment::Literal(l) => l == p,
                    Segment::Param => true,
                });
            same.then(|| {
                let prefix = parts[..n]
                    .iter()
                    .map(|p| format!("/{p}"))
                    .collect::<String>();
                // What follows the matched prefix, as written: `/` for `/` under `/...`, empty for
                // `/a` under `/a/...`.
                let info = if r.wildcard {
                    path.strip_prefix(prefix.as_str())
                        .map(str::to_string)
                        .unwrap_or_else(|| {
                            parts[n..]
                                .iter()
                                .map(|p| format!("/{p}"))
                                .collect::<String>()
                        })
                } else {
                    String::new()
                };
                RouteMatch {
                    component: r.component.clone(),
                    matched_route: r.raw.clone(),
                    component_route: prefix,
                    path_info: info,
                }
            })
        })
    }

    /// `(route, component)` pairs in declaration-independent, most-specific-first order.
    pub fn describe(&self) -> Vec<(String, String)> {
        self.routes
            .iter()
            .map(|r| (r.raw.clone(), r.component.clone()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn router(routes: &[(&str, &str)]) -> Router {
        let triggers: Vec<HttpTrigger> = routes
            .iter()
            .map(|(r, c)| HttpTrigger {
                route: RouteDecl::Path(r.to_string()),
                component: c.to_string(),
            })
            .collect();
        Router::build(&triggers).unwrap()
    }

    #[test]
    fn most_specific_route_wins() {
        let r = router(&[
            ("/...", "all"),
            ("/a/...", "a"),
            ("/a/b/...", "ab"),
            ("/a/b", "exact"),
            ("/u/:id", "user"),
        ]);
        let table = [
            ("/", "all"),
            ("/x", "all"),
            ("/a", "a"),
            ("/ab", "all"),
            ("/a/x/y", "a"),
            ("/a/b", "exact"),
            ("/a/b/c", "ab"),
            ("/u/7", "user"),
            ("/u/7/x", "all"),
        ];
        for (path, want) in table {
            assert_eq!(r.route(path).unwrap().component, want, "{path}");
        }
        let m = r.route("/a/b/c/d").unwrap();
        assert_eq!(
            (m.component_route.as_str(), m.path_info.as_str()),
            ("/a/b", "/c/d")
        );
    }

    #[test]
    fn no_catch_all_means_no_match() {
        assert!(router(&[("/a", "a")]).route("/b").is_none());
    }
}
