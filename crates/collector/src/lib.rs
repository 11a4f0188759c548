//! `collector`: the edge in front of the trainers' landing pages, and backend event intake.
//!
//! `/api/v1/events` is the backend's signed intake ([`ingest`]); every other path is proxied to
//! the site's origin ([`edge`]), turning what it sees into events. Pure rules live in the
//! modules without Spin imports, so `cargo test -p collector --lib` runs them natively.

pub mod backend;
pub mod backend_customer;
pub mod consent;
pub mod cookies;
pub mod edge;
pub mod filter;
pub mod forward;
pub mod guard;
pub mod head;
pub mod ingest;
pub mod junk;
pub mod lead;
pub mod order;
pub mod outbox;
pub mod pixel;
pub mod purchase;
pub mod recent;
pub mod signature;
pub mod tcf;
pub mod timing;
pub mod track;

use spin_sdk::http::{IntoResponse, Request};
use spin_sdk::http_service;

#[http_service]
async fn handle(req: Request) -> impl IntoResponse {
    if req.uri().path() == "/api/v1/events" {
        return ingest::handle(req).await.into_response();
    }
    edge::handle(req).await
}
