//! What the Spin components share: the key-value adapter over Spin ([`kv::SpinStore`]), bearer
//! auth ([`auth`]), the API error type and its one mapping to HTTP ([`api`]), and the few host
//! facts a component needs (clock, randomness, variables: [`host`]).
//!
//! Everything here is a thin adapter; rules live in `pixel-core`.

pub mod api;
pub mod auth;
pub mod deliver;
pub mod host;
pub mod kv;
pub mod outbound;
pub mod pipeline;
pub mod redis_kv;
pub mod wake;
