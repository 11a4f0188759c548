//! Where a page's time goes inside the edge, for the benchmark: with the variable
//! `edge_timing = "true"` the answer carries a `Server-Timing` header (`site;dur=0.012, ...`,
//! milliseconds per step since the previous mark). Off by default: then nothing is measured
//! and no header is added. The flag is read once per instance.

use http::{HeaderMap, HeaderValue};
use std::cell::Cell;
use std::time::Instant;

thread_local! {
    static ON: Cell<Option<bool>> = const { Cell::new(None) };
}

async fn enabled() -> bool {
    if let Some(on) = ON.with(Cell::get) {
        return on;
    }
    let on = edge_kit::host::variable("edge_timing")
        .await
        .is_ok_and(|v| v.trim() == "true");
    ON.with(|c| c.set(Some(on)));
    on
}

/// The marks of one request (empty when timing is off).
pub struct Timing {
    start: Option<Instant>,
    last: Option<Instant>,
    marks: Vec<(&'static str, f64)>,
}

impl Timing {
    pub async fn start() -> Timing {
        let now = enabled().await.then(Instant::now);
        Timing {
            start: now,
            last: now,
            marks: Vec::new(),
        }
    }

    /// Closes the step `name`: the time since the previous mark.
    pub fn mark(&mut self, name: &'static str) {
        if let Some(last) = self.last {
            let now = Instant::now();
            self.marks
                .push((name, now.duration_since(last).as_secs_f64() * 1000.0));
            self.last = Some(now);
        }
    }

    /// Adds `Server-Timing` with every step and `total` (nothing when timing is off).
    pub fn finish(mut self, headers: &mut HeaderMap) {
        let Some(start) = self.start else { return };
        self.marks
            .push(("total", start.elapsed().as_secs_f64() * 1000.0));
        let value = self
            .marks
            .iter()
            .map(|(name, ms)| format!("{name};dur={ms:.4}"))
            .collect::<Vec<_>>()
            .join(", ");
        if let Ok(v) = HeaderValue::from_str(&value) {
            headers.append("server-timing", v);
        }
    }
}
