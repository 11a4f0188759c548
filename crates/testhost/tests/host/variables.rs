//! Variables: `--variable` beats `SPIN_VARIABLE_*` beats the default; component variables are
//! templates over application variables; undeclared names are undefined.

use crate::support::*;
use std::collections::HashMap;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn precedence_cli_then_env_then_default() {
    let app = probe_app("vars");
    let env: HashMap<String, String> =
        [("SPIN_VARIABLE_PRIO".to_string(), "from-env".to_string())].into();

    let host = start(config(&app)).await;
    assert_eq!(ok(&host, "/?op=var&name=prio").await, "from-default");
    assert_eq!(ok(&host, "/?op=var&name=greeting").await, "hello, world");
    assert_eq!(ok(&host, "/?op=var&name=token").await, "s3cret");
    let undefined = ok(&host, "/?op=var&name=nope").await;
    assert!(undefined.contains("Undefined"), "{undefined}");
    host.shutdown().await;

    let mut cfg = config(&app);
    cfg.env = Some(env.clone());
    let host = start(cfg).await;
    assert_eq!(ok(&host, "/?op=var&name=prio").await, "from-env");
    host.shutdown().await;

    let mut cfg = config(&app).variable("prio", "from-cli");
    cfg.env = Some(env);
    let host = start(cfg).await;
    assert_eq!(ok(&host, "/?op=var&name=prio").await, "from-cli");
    host.shutdown().await;
}
