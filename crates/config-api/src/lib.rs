//! `config-api`: the dashboard's HTTP API under `/api/v1/marketing/...`.

use spin_sdk::http::{IntoResponse, Request, Response};
use spin_sdk::http_service;

#[http_service]
async fn handle(req: Request) -> impl IntoResponse {
    let body = format!(r#"{{"error":{{"code":"not_found","message":"no route for {}"}}}}"#, req.uri().path());
    Response::builder()
        .status(404)
        .header("content-type", "application/json")
        .body(body)
        .unwrap()
}
