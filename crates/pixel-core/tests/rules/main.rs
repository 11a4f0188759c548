//! Platform rules, tested from outside the crate: golden payloads and fuzzing of the parsers
//! that read outside input. One binary, one module per concern.

mod fuzz;
mod golden;
