//! The test host behaves like Spin 4.1 where the app relies on it. One binary, one module per
//! behaviour; every test drives the real `spin-probe` component over HTTP.

mod kv;
mod outbound;
mod redis;
mod routing;
mod spawn;
mod startup;
mod support;
mod variables;
