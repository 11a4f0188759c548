//! `collector`: the edge in front of the trainers' landing pages, and backend event intake.

use spin_sdk::http::{IntoResponse, Request};
use spin_sdk::http_service;

#[http_service]
async fn handle(_req: Request) -> impl IntoResponse {
    (spin_sdk::http::StatusCode::BAD_GATEWAY, String::from("no origin configured"))
}
