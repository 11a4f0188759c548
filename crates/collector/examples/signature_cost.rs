//! What a backend request's `X-Signature` costs the collector, for a 3 MB body: the legitimate
//! header (the baseline: one HMAC), a rotation header with two `v1`, a wrong pair, and the issue
//! 12 attack (200 `v1` entries, refused before any HMAC). Prints each as a ratio of the baseline
//! measured in the same run. `cargo run --release -p collector --example signature_cost`

use std::hint::black_box;
use std::time::Instant;

use collector::signature::{parse_header, sign, verify_body};

const SECRET: &[u8] = b"bench-secret";
const NOW: i64 = 1_790_000_000;
const ROUNDS: u32 = 20;

fn cost(header: &str, body: &[u8]) -> f64 {
    let start = Instant::now();
    for _ in 0..ROUNDS {
        let verdict = parse_header(Some(header), NOW).and_then(|h| verify_body(&h, body, SECRET));
        black_box(verdict.is_ok());
    }
    start.elapsed().as_secs_f64() * 1e3 / f64::from(ROUNDS)
}

fn main() {
    let body = vec![b'x'; 3 * 1024 * 1024];
    let good = sign(&body, SECRET, NOW);
    let wrong = format!(",v1={}", "00".repeat(32));
    let rotation = format!("{good}{wrong}");
    let wrong_pair = format!("t={NOW}{wrong}{wrong}");
    let attack = format!("t={NOW}{}", wrong.repeat(200));
    let baseline = cost(&good, &body);
    println!("3 MB body, ms per request (mean of {ROUNDS}); ratio to one valid signature");
    println!("  valid t,v1             {baseline:8.3} ms  1.00x");
    for (name, header) in [
        ("rotation t,v1,v1", rotation.as_str()),
        ("two wrong v1", wrong_pair.as_str()),
        ("attack: 200 x v1", attack.as_str()),
    ] {
        let ms = cost(header, &body);
        println!("  {name:<22} {ms:8.3} ms  {:.2}x", ms / baseline);
    }
}
