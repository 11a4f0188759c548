//! Start-up as `spin up`: the real binary refuses to start without a required variable.

use crate::support::*;
use std::process::Command;

#[test]
fn missing_required_variable_stops_startup() {
    let app = probe_app("required");
    let out = Command::new(env!("CARGO_BIN_EXE_testhost"))
        .args(["up", "--kv", "memory", "--listen", "127.0.0.1:0", "--from"])
        .arg(&app.manifest)
        .env_remove("SPIN_VARIABLE_SECRET_TOKEN")
        .output()
        .expect("run testhost");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success(),
        "testhost started without secret_token: {stderr}"
    );
    assert!(
        stderr.contains("secret_token"),
        "the message must name the variable: {stderr}"
    );
    assert!(!stderr.contains("serving http://"), "{stderr}");
}
