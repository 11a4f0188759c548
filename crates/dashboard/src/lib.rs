//! `dashboard`: serves the built web app (`web/dist`, mounted at `/` by `spin.toml`)
//! under `/dashboard/marketing/pixels/`.
//!
//! Everything that decides what to answer lives in pure modules, tested natively:
//! [`path`] turns the request path into a file to read (or refuses it),
//! [`headers`] picks content type, cache policy, encoding and `ETag`,
//! [`serve`] puts them together over a small [`serve::Files`] trait.
//! The Spin adapter in `component` only reads the filesystem and converts types.

pub mod headers;
pub mod path;
pub mod serve;

#[cfg(target_arch = "wasm32")]
mod component;
