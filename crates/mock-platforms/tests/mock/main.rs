//! Drives the mock over real HTTP on 127.0.0.1, as the app and the integration tests do.

mod control;
mod datamanager;
mod google;
mod harness;
mod meta;
mod oauth;
mod tiktok;
