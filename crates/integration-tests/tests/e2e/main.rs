//! End-to-end tests: the real components in the test host, the mock platforms on 127.0.0.1.
//! One test binary with modules (STYLE.md 7); the components are built once beforehand by
//! `scripts/build-components`.

mod collector;
mod config_api;
mod google_connect;
mod openapi;
mod pipeline;
mod scaleout;
mod security;
mod signals;
mod sites;
