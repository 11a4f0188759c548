//! Run the mock alone, without the test host: `cargo run --release -p mock-platforms --example serve -- 127.0.0.1:4000`.

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:4000".to_owned())
        .parse()?;
    mock_platforms::serve(addr).await
}
