//! `spin-probe`: a test-only component that exercises every host interface, so the test host's
//! Spin behaviour is tested on its own, apart from the product's components.

use spin_sdk::http::{IntoResponse, Request};
use spin_sdk::http_service;

#[http_service]
async fn handle(_req: Request) -> impl IntoResponse {
    "probe"
}
