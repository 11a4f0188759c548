//! `testhost up` / `testhost mock`: see `testhost::cli`.

use clap::Parser;

fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = testhost::cli::Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => std::process::exit(testhost::cli::report(&e.into())),
    };
    if let Err(e) = runtime.block_on(testhost::cli::run(cli)) {
        std::process::exit(testhost::cli::report(&e));
    }
}
