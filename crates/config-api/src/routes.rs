//! The API's routes: method and path to a [`Route`], or the right 404/405.

use edge_kit::api::{ApiError, Resp};
use http::{HeaderValue, Method, StatusCode, header};

const CONFIGS: &str = "/api/v1/marketing/tracking-configs";
const SITES: &str = "/api/v1/marketing/sites";

/// What a request asks for; path parameters are raw strings, parsed by the handlers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    OpenApi,
    ListConfigs,
    CreateConfig,
    PatchConfig(String),
    DeleteConfig(String),
    ConfigLogs(String),
    DeadLetters(String),
    ReplayDeadLetters(String),
    ListSites,
    GetSite(String),
    PutSite(String),
    DeleteSite(String),
    VerifySite(String),
    ReencryptTokens,
    DispatcherTick,
    TestEvent(String),
    TrackingStats,
    GoogleOAuthStart,
    GoogleOAuthCallback,
    Alerts,
}

impl Route {
    pub fn parse(method: &Method, path: &str) -> Result<Route, ApiError> {
        let path = path.trim_end_matches('/');
        let not_allowed = |allow| Err(ApiError::MethodNotAllowed(allow));
        if path == "/api/v1/openapi.json" {
            return match *method {
                Method::GET | Method::HEAD => Ok(Route::OpenApi),
                _ => not_allowed("GET"),
            };
        }
        if path == CONFIGS {
            return match *method {
                Method::GET => Ok(Route::ListConfigs),
                Method::POST => Ok(Route::CreateConfig),
                _ => not_allowed("GET, POST"),
            };
        }
        if let Some(rest) = path.strip_prefix(CONFIGS).and_then(|r| r.strip_prefix('/')) {
            let segs: Vec<&str> = rest.split('/').collect();
            return match (segs.as_slice(), method) {
                ([id], &Method::PATCH) => Ok(Route::PatchConfig((*id).to_owned())),
                ([id], &Method::DELETE) => Ok(Route::DeleteConfig((*id).to_owned())),
                ([_], _) => not_allowed("PATCH, DELETE"),
                ([id, "logs"], &Method::GET) => Ok(Route::ConfigLogs((*id).to_owned())),
                ([_, "logs"], _) => not_allowed("GET"),
                ([id, "dead-letters"], &Method::GET) => Ok(Route::DeadLetters((*id).to_owned())),
                ([_, "dead-letters"], _) => not_allowed("GET"),
                ([id, "dead-letters", "replay"], &Method::POST) => {
                    Ok(Route::ReplayDeadLetters((*id).to_owned()))
                }
                ([_, "dead-letters", "replay"], _) => not_allowed("POST"),
                ([id, "test"], &Method::POST) => Ok(Route::TestEvent((*id).to_owned())),
                ([_, "test"], _) => not_allowed("POST"),
                _ => Err(not_found(path)),
            };
        }
        if path == "/api/v1/marketing/alerts" {
            return match *method {
                Method::GET => Ok(Route::Alerts),
                _ => not_allowed("GET"),
            };
        }
        if path == "/api/v1/marketing/tracking-stats" {
            return match *method {
                Method::GET => Ok(Route::TrackingStats),
                _ => not_allowed("GET"),
            };
        }
        if path == "/api/v1/marketing/token-keys/reencrypt" {
            return match *method {
                Method::POST => Ok(Route::ReencryptTokens),
                _ => not_allowed("POST"),
            };
        }
        if let Some(step) = path.strip_prefix("/api/v1/marketing/oauth/google/") {
            return match (step, method) {
                ("start", &Method::GET) => Ok(Route::GoogleOAuthStart),
                ("callback", &Method::GET) => Ok(Route::GoogleOAuthCallback),
                ("start" | "callback", _) => not_allowed("GET"),
                _ => Err(not_found(path)),
            };
        }
        if path == "/api/v1/marketing/dispatcher/tick" {
            return match *method {
                Method::POST => Ok(Route::DispatcherTick),
                _ => not_allowed("POST"),
            };
        }
        if path == SITES {
            return match *method {
                Method::GET => Ok(Route::ListSites),
                _ => not_allowed("GET"),
            };
        }
        if let Some(host) = path
            .strip_prefix(SITES)
            .and_then(|r| r.strip_prefix('/'))
            .and_then(|r| r.strip_suffix("/verify"))
            && !host.contains('/')
        {
            return match *method {
                Method::POST => Ok(Route::VerifySite(host.to_owned())),
                _ => not_allowed("POST"),
            };
        }
        if let Some(host) = path.strip_prefix(SITES).and_then(|r| r.strip_prefix('/'))
            && !host.contains('/')
        {
            let host = host.to_owned();
            return match *method {
                Method::GET => Ok(Route::GetSite(host)),
                Method::PUT => Ok(Route::PutSite(host)),
                Method::DELETE => Ok(Route::DeleteSite(host)),
                _ => not_allowed("GET, PUT, DELETE"),
            };
        }
        Err(not_found(path))
    }
}

fn not_found(path: &str) -> ApiError {
    ApiError::NotFound(format!("no API route for {path}"))
}

/// The OpenAPI 3.1 description of this API, checked against the implementation by a test.
pub fn openapi() -> Resp {
    let mut resp = http::Response::new(http_body_util_full(include_str!("../openapi.json")));
    *resp.status_mut() = StatusCode::OK;
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp
}

fn http_body_util_full(s: &'static str) -> http_body_util::Full<bytes::Bytes> {
    http_body_util::Full::new(bytes::Bytes::from_static(s.as_bytes()))
}
