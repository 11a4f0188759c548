//! `collector`: the edge in front of the trainers' landing pages, and backend event intake.
//!
//! `/api/v1/events` is the backend's signed intake ([`ingest`]); every other path is proxied to
//! the site's origin ([`edge`]), turning what it sees into events. Pure rules live in the
//! modules without Spin imports, so `cargo test -p collector --lib` runs them natively.

pub mod backend;
pub mod ingest;
pub mod order;
pub mod signature;

use spin_sdk::http::{IntoResponse, Request};
use spin_sdk::http_service;

#[http_service]
async fn handle(req: Request) -> impl IntoResponse {
    if req.uri().path() == "/api/v1/events" {
        return ingest::handle(req).await;
    }
    edge_kit::api::empty_response(http::StatusCode::BAD_GATEWAY)
}
