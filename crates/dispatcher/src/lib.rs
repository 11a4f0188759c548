//! `dispatcher`: drains the delivery queue.

use spin_sdk::http::{IntoResponse, Request};
use spin_sdk::http_service;

#[http_service]
async fn handle(_req: Request) -> impl IntoResponse {
    (spin_sdk::http::StatusCode::ACCEPTED, String::from("nothing to do"))
}
