//! `dashboard`: serves the built web app under `/dashboard/marketing/pixels`.

use spin_sdk::http::{IntoResponse, Request};
use spin_sdk::http_service;

#[http_service]
async fn handle(_req: Request) -> impl IntoResponse {
    "dashboard"
}
