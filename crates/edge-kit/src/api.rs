//! The API error type and its single mapping to HTTP, plus JSON request/response helpers.
//!
//! Every error answers `{"error":{"code","message","details"}}`. What the client did wrong is
//! said precisely; what went wrong inside is logged to stderr and answered with a generic
//! message, so no store error or stack of causes ever reaches a client.

use bytes::Bytes;
use http::{HeaderValue, StatusCode, header};
use http_body_util::{BodyExt, Full, Limited};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use spin_sdk::http::Request;

/// Every HTTP answer the components build.
pub type Resp = http::Response<Full<Bytes>>;

/// The most a JSON body may weigh (issue 4: bodies over 64 KiB answer 413).
pub const MAX_JSON_BODY: usize = 64 * 1024;

/// An error a handler answers with.
#[derive(Debug)]
pub enum ApiError {
    /// 400: the request is malformed; `details` names the fields.
    BadRequest {
        code: &'static str,
        message: String,
        details: Value,
    },
    /// 401, with `WWW-Authenticate`.
    Unauthorized(String),
    /// 403.
    Forbidden(String),
    /// 404: unknown, or another tenant's.
    NotFound(String),
    /// 405 with the allowed methods.
    MethodNotAllowed(&'static str),
    /// 409.
    Conflict(String),
    /// 413.
    PayloadTooLarge,
    /// 415.
    UnsupportedMediaType,
    /// 422: well-formed but refused (e.g. the platform rejected the credentials).
    Unprocessable { message: String, details: Value },
    /// 502: a platform or origin failed in a way the client cannot fix.
    BadGateway(String),
    /// 500: logged with its cause, answered generically.
    Internal(String),
}

impl ApiError {
    /// A 400 naming one field.
    pub fn field(field: &str, code: &'static str, message: impl Into<String>) -> Self {
        let message = message.into();
        ApiError::BadRequest {
            code: "validation_failed",
            details: json!([{ "field": field, "code": code, "message": message }]),
            message: format!("{field}: {message}"),
        }
    }

    /// A 400 with a list of field errors (`[{field, code, message}]`).
    pub fn validation(details: Value) -> Self {
        let count = details.as_array().map_or(0, Vec::len);
        ApiError::BadRequest {
            code: "validation_failed",
            message: format!("{count} invalid field(s)"),
            details,
        }
    }

    /// An internal error: the cause is logged, never answered.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        ApiError::Internal(cause.to_string())
    }

    fn parts(&self) -> (StatusCode, &'static str, String, Value) {
        match self {
            ApiError::BadRequest {
                code,
                message,
                details,
            } => (
                StatusCode::BAD_REQUEST,
                code,
                message.clone(),
                details.clone(),
            ),
            ApiError::Unauthorized(m) => (
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                m.clone(),
                Value::Null,
            ),
            ApiError::Forbidden(m) => (StatusCode::FORBIDDEN, "forbidden", m.clone(), Value::Null),
            ApiError::NotFound(m) => (StatusCode::NOT_FOUND, "not_found", m.clone(), Value::Null),
            ApiError::MethodNotAllowed(allow) => (
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                format!("allowed methods: {allow}"),
                Value::Null,
            ),
            ApiError::Conflict(m) => (StatusCode::CONFLICT, "conflict", m.clone(), Value::Null),
            ApiError::PayloadTooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                format!("the body exceeds {MAX_JSON_BODY} bytes"),
                Value::Null,
            ),
            ApiError::UnsupportedMediaType => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "the body must be application/json".into(),
                Value::Null,
            ),
            ApiError::Unprocessable { message, details } => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "unprocessable",
                message.clone(),
                details.clone(),
            ),
            ApiError::BadGateway(m) => (
                StatusCode::BAD_GATEWAY,
                "bad_gateway",
                m.clone(),
                Value::Null,
            ),
            ApiError::Internal(cause) => {
                eprintln!("internal error: {cause}");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "internal error; it has been logged".into(),
                    Value::Null,
                )
            }
        }
    }

    /// The HTTP answer.
    pub fn into_response(self) -> Resp {
        let (status, code, message, details) = self.parts();
        let mut error = json!({ "code": code, "message": message });
        if !details.is_null() {
            error["details"] = details;
        }
        let mut resp = json_response(status, &json!({ "error": error }));
        match &self {
            ApiError::Unauthorized(m) => {
                let challenge = format!(
                    "Bearer realm=\"trainererp\", error=\"invalid_token\", error_description=\"{}\"",
                    m.replace('"', "'")
                );
                if let Ok(v) = HeaderValue::from_str(&challenge) {
                    resp.headers_mut().insert(header::WWW_AUTHENTICATE, v);
                }
            }
            ApiError::MethodNotAllowed(allow) => {
                resp.headers_mut()
                    .insert(header::ALLOW, HeaderValue::from_static(allow));
            }
            _ => {}
        }
        resp
    }
}

impl From<pixel_core::kv::KvError> for ApiError {
    fn from(e: pixel_core::kv::KvError) -> Self {
        ApiError::Internal(e.to_string())
    }
}

/// A JSON answer.
pub fn json_response(status: StatusCode, body: &impl Serialize) -> Resp {
    let bytes = serde_json::to_vec(body).unwrap_or_else(|_| b"null".to_vec());
    let mut resp = http::Response::new(Full::new(Bytes::from(bytes)));
    *resp.status_mut() = status;
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

/// An empty answer (e.g. 204).
pub fn empty_response(status: StatusCode) -> Resp {
    let mut resp = http::Response::new(Full::new(Bytes::new()));
    *resp.status_mut() = status;
    resp
}

/// Read the whole body, refusing more than `limit` bytes with 413.
pub async fn read_body(req: Request, limit: usize) -> Result<Bytes, ApiError> {
    if let Some(len) = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok())
        && len > limit
    {
        return Err(ApiError::PayloadTooLarge);
    }
    match Limited::new(req.into_body(), limit).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => Err(ApiError::PayloadTooLarge),
        Err(e) => Err(ApiError::BadRequest {
            code: "bad_body",
            message: format!("the body could not be read: {e}"),
            details: Value::Null,
        }),
    }
}

/// Read a JSON body into `T` (at most [`MAX_JSON_BODY`]); a type error names the field path.
pub async fn read_json<T: DeserializeOwned>(req: Request) -> Result<T, ApiError> {
    let is_json = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_none_or(|ct| {
            let ct = ct
                .split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase();
            ct == "application/json" || ct.ends_with("+json")
        });
    if !is_json {
        return Err(ApiError::UnsupportedMediaType);
    }
    let body = read_body(req, MAX_JSON_BODY).await?;
    parse_json(&body)
}

/// Parse JSON bytes into `T`, with errors that name the field.
pub fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::BadRequest {
            code: "invalid_json",
            message: "the body is empty; a JSON object is expected".into(),
            details: Value::Null,
        });
    }
    let de = &mut serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if inner.is_syntax() || inner.is_eof() {
            ApiError::BadRequest {
                code: "invalid_json",
                message: format!("the body is not valid JSON: {inner}"),
                details: Value::Null,
            }
        } else {
            let field = if path == "." {
                "body".to_string()
            } else {
                path
            };
            ApiError::field(&field, "invalid", inner.to_string())
        }
    })
}
