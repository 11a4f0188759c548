//! The domain core of Pixel Manager & Conversions API.
//!
//! Pure Rust: no `spin-sdk`, no `wasmtime`, no I/O. Clock, randomness and storage come in from
//! the caller (see [`kv::KvStore`]), so every rule is tested natively and deterministically.

pub mod alerts;
pub mod click_ids;
pub mod config;
pub mod crypto;
pub mod event;
pub mod google_connect;
pub mod hash;
pub mod kv;
pub mod logs;
pub mod match_quality;
pub mod normalize;
pub mod outcome;
pub mod platform;
pub mod platforms;
pub mod polls;
pub mod queue;
pub mod quota;
pub mod retry;
pub mod schema;
pub mod site;
pub mod stats;

pub use platform::{Platform, StandardEvent};
