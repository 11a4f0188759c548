//! One instance of a [`integration_tests::cluster::Cluster`]: the test host's command line
//! (`cluster-node up ...` is `testhost up ...`), built with this crate so the tests that start
//! instances as processes always have it.

use clap::Parser;

fn main() {
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
