//! One config's claimed events through the platform: pre-send checks, requests at the platform's
//! batch limit, and the classified answers turned into one [`Verdict`] per event.
//!
//! Batch-level answers become per-event verdicts here: `Bisect` splits the request in halves
//! and resends each until the bad event is alone (and permanent); `ResendWithoutFbc` resends
//! once without `fbc`; `PauseConfig` stops sending and holds every event not yet answered.

use std::collections::VecDeque;

use edge_kit::deliver::{Sent, payload_rows};
use pixel_core::config::TrackingConfig;
use pixel_core::event::Event;
use pixel_core::outcome::{EventOutcome, Outcome};
use pixel_core::platforms::{self, OutboundRequest, SendMode, Target};
use serde_json::Value;

/// The platform side of a pass: the real client in the component, a fake in native tests.
#[allow(async_fn_in_trait)]
pub trait Platforms {
    async fn target(&self, config: &TrackingConfig, now_ms: i64) -> Result<Target, Outcome>;
    async fn send(
        &self,
        target: &mut Target,
        config: &TrackingConfig,
        req: &OutboundRequest,
        batch_len: usize,
        now_ms: i64,
    ) -> Sent;
    /// Milliseconds since the Unix epoch, read after each answer (latency, deadlines).
    fn now_ms(&self) -> i64;
}

impl<S: pixel_core::kv::KvStore> Platforms for edge_kit::deliver::Client<'_, S> {
    async fn target(&self, config: &TrackingConfig, now_ms: i64) -> Result<Target, Outcome> {
        edge_kit::deliver::Client::target(self, config, now_ms).await
    }
    async fn send(
        &self,
        target: &mut Target,
        config: &TrackingConfig,
        req: &OutboundRequest,
        batch_len: usize,
        now_ms: i64,
    ) -> Sent {
        edge_kit::deliver::Client::send(self, target, config, req, batch_len, now_ms).await
    }
    fn now_ms(&self) -> i64 {
        edge_kit::host::now_ms() as i64
    }
}

/// What happened to one event in this pass.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// Not sent: the lease ran short before its turn (stays due, untouched).
    Unsent,
    Delivered {
        status: Option<u16>,
        latency_ms: u64,
        answered_ms: i64,
        payload: Value,
    },
    Retry {
        after_secs: Option<u64>,
        reason: String,
        status: Option<u16>,
        latency_ms: u64,
        payload: Value,
    },
    Dead {
        reason: String,
        status: Option<u16>,
        latency_ms: u64,
        payload: Value,
    },
    /// The config's credentials were refused: kept in the queue, config held.
    Held {
        reason: String,
        status: Option<u16>,
        payload: Value,
    },
}

/// The verdicts of a config's events, and what the pass learned about the config.
#[derive(Debug, Default)]
pub struct BatchResult {
    pub verdicts: Vec<Verdict>,
    /// Set when the platform refused the credentials: why.
    pub paused: Option<String>,
    pub requests: usize,
}

struct Job {
    idx: Vec<usize>,
    without_fbc: bool,
}

/// Check, send and classify `events` (`None` = unreadable, dead at once). Stops sending once
/// the clock passes `send_until_ms` (the lease must outlast every send).
pub async fn run<P: Platforms>(
    platforms: &P,
    config: &TrackingConfig,
    events: &[Option<Event>],
    now_ms: i64,
    send_until_ms: i64,
) -> BatchResult {
    let mut out = BatchResult {
        verdicts: vec![Verdict::Unsent; events.len()],
        ..Default::default()
    };
    let dead = |reason: String| Verdict::Dead {
        reason,
        status: None,
        latency_ms: 0,
        payload: Value::Null,
    };
    let mut target = match platforms.target(config, now_ms).await {
        Ok(t) => t,
        Err(outcome) => {
            let n = events.len();
            let all: Vec<usize> = (0..n).collect();
            apply(&mut out, &all, &outcome, None, now_ms, &[]);
            return out;
        }
    };
    let now_secs = now_ms / 1000;
    let mut ok = Vec::new();
    for (i, e) in events.iter().enumerate() {
        match e {
            None => out.verdicts[i] = dead("the stored event could not be read".into()),
            Some(e) => match target.check(e, now_secs) {
                Ok(()) => ok.push(i),
                Err(rejection) => out.verdicts[i] = dead(rejection.to_string()),
            },
        }
    }
    let limit = target.platform().batch_limit();
    let mut jobs: VecDeque<Job> = ok
        .chunks(limit)
        .map(|c| Job {
            idx: c.to_vec(),
            without_fbc: false,
        })
        .collect();
    while let Some(job) = jobs.pop_front() {
        if out.paused.is_some() || platforms.now_ms() > send_until_ms {
            // Held events stay as they are; unsent ones stay due.
            if let Some(reason) = &out.paused {
                for &i in &job.idx {
                    out.verdicts[i] = Verdict::Held {
                        reason: reason.clone(),
                        status: None,
                        payload: Value::Null,
                    };
                }
            }
            continue;
        }
        let mut batch: Vec<Event> = job.idx.iter().filter_map(|&i| events[i].clone()).collect();
        if job.without_fbc {
            batch = platforms::without_fbc(&batch);
        }
        let Some(req) = target
            .build(&batch, &SendMode::Live, now_secs)
            .into_iter()
            .next()
        else {
            continue;
        };
        let sent = platforms
            .send(&mut target, config, &req, batch.len(), now_ms)
            .await;
        out.requests += 1;
        let answered = platforms.now_ms();
        let rows = payload_rows(&req.body).to_vec();
        match &sent.outcome {
            Outcome::Bisect { .. } if job.idx.len() > 1 => {
                let (a, b) = platforms::bisect(&job.idx);
                jobs.push_front(Job {
                    idx: b.to_vec(),
                    without_fbc: job.without_fbc,
                });
                jobs.push_front(Job {
                    idx: a.to_vec(),
                    without_fbc: job.without_fbc,
                });
            }
            Outcome::ResendWithoutFbc { .. } if !job.without_fbc => jobs.push_front(Job {
                idx: job.idx,
                without_fbc: true,
            }),
            outcome => apply(&mut out, &job.idx, outcome, Some(&sent), answered, &rows),
        }
    }
    out
}

/// Record `outcome` for the events `idx` (in request order, matching `rows`).
fn apply(
    out: &mut BatchResult,
    idx: &[usize],
    outcome: &Outcome,
    sent: Option<&Sent>,
    answered_ms: i64,
    rows: &[Value],
) {
    let status = sent.and_then(|s| s.status);
    let latency_ms = sent.map_or(0, |s| s.latency_ms);
    // Google's per-row reasons are already the row's own; elsewhere add the platform's words.
    let per_row = matches!(outcome, Outcome::PerEvent(_));
    let with_message = |reason: &str| match sent.and_then(|s| s.platform_message.as_deref()) {
        Some(m) if !per_row && !reason.contains(m) => format!("{reason} ({m})"),
        _ => reason.to_owned(),
    };
    let per_event: Vec<EventOutcome> = match outcome {
        Outcome::PauseConfig { reason } => {
            let reason = with_message(reason);
            for (k, &i) in idx.iter().enumerate() {
                out.verdicts[i] = Verdict::Held {
                    reason: reason.clone(),
                    status,
                    payload: rows.get(k).cloned().unwrap_or(Value::Null),
                };
            }
            out.paused = Some(reason);
            return;
        }
        // A batch of one that still asks to be split or stripped cannot succeed.
        Outcome::Bisect { reason } | Outcome::ResendWithoutFbc { reason } => {
            vec![
                EventOutcome::Permanent {
                    reason: reason.clone()
                };
                idx.len()
            ]
        }
        other => other.per_event(idx.len()).unwrap_or_default(),
    };
    for (k, &i) in idx.iter().enumerate() {
        let payload = rows.get(k).cloned().unwrap_or(Value::Null);
        out.verdicts[i] = match per_event.get(k) {
            Some(EventOutcome::Delivered | EventOutcome::AlreadyDelivered { .. }) => {
                Verdict::Delivered {
                    status,
                    latency_ms,
                    answered_ms,
                    payload,
                }
            }
            Some(EventOutcome::Retry { after_secs, reason }) => Verdict::Retry {
                after_secs: *after_secs,
                reason: with_message(reason),
                status,
                latency_ms,
                payload,
            },
            Some(EventOutcome::Permanent { reason }) => Verdict::Dead {
                reason: with_message(reason),
                status,
                latency_ms,
                payload,
            },
            None => Verdict::Unsent,
        };
    }
}
