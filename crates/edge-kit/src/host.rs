//! The host facts a component needs: wall clock, randomness, variables.

use crate::api::ApiError;

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// `N` random bytes from the host.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut buf = [0u8; N];
    // The host's random source does not fail on WASI; a zeroed buffer would be caught by tests.
    let _ = getrandom::fill(&mut buf);
    buf
}

/// A random lowercase hex id of `2 * N` characters.
pub fn random_hex<const N: usize>() -> String {
    random_bytes::<N>()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A variable the component needs; its absence is a deployment error (500, logged).
pub async fn variable(name: &str) -> Result<String, ApiError> {
    spin_sdk::variables::get(name)
        .await
        .map_err(|e| ApiError::internal(format!("variable {name}: {e:?}")))
}
