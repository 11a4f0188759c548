//! One config's claimed events through the platform: pre-send checks, requests at the platform's
//! batch limit, and the classified answers turned into one [`Verdict`] per event.
//!
//! Batch-level answers become per-event verdicts here: `Bisect` splits the request in halves
//! and resends each until the bad event is alone (and permanent); `ResendWithoutFbc` resends
//! once without `fbc`; `PauseConfig` stops sending and holds every event not yet answered.
//! Google Data Manager: `RejectEvents` dead-letters the events Google's fast-fail named and
//! resends the rest at once; each request first takes a slot of the project's shared
//! per-minute budget ([`Platforms::admit`]), and what finds none waits for the next minute
//! unsent ([`Verdict::Deferred`]); each accepted request's `requestId` is kept for polling.

use std::collections::VecDeque;

use edge_kit::deliver::{Sent, payload_rows};
use pixel_core::config::TrackingConfig;
use pixel_core::event::Event;
use pixel_core::outcome::{EventOutcome, Outcome};
use pixel_core::platforms::google::datamanager::status::RequestOutcome;
use pixel_core::platforms::{self, OutboundRequest, SendMode, Target};
use pixel_core::quota::Admission;
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
    /// A slot of the shared per-minute budget for one Data Manager request of `config`.
    async fn admit(&self, _config: &TrackingConfig, _now_ms: i64) -> Admission {
        Admission::Granted
    }
    /// What became of an accepted Data Manager request.
    async fn request_status(
        &self,
        _config: &TrackingConfig,
        _request_id: &str,
        _now_ms: i64,
    ) -> Result<RequestOutcome, String> {
        Err("this platform client cannot poll Google".to_owned())
    }
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
    async fn admit(&self, config: &TrackingConfig, now_ms: i64) -> Admission {
        edge_kit::deliver::Client::admit(self, config, now_ms).await
    }
    async fn request_status(
        &self,
        config: &TrackingConfig,
        request_id: &str,
        now_ms: i64,
    ) -> Result<RequestOutcome, String> {
        edge_kit::deliver::Client::request_status(self, config, request_id, now_ms).await
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
    /// Not sent: the shared Google budget of this minute is used up. Due again at `at_ms`,
    /// with no attempt counted and nothing logged.
    Deferred { at_ms: i64 },
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
    /// Data Manager requests Google accepted: `(requestId, events)`, to poll for the outcome.
    pub accepted_requests: Vec<(String, usize)>,
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
    let chunks: Vec<Vec<usize>> = match &target {
        Target::GoogleDataManager(t) => t.chunks(&ok, events),
        _ => ok.chunks(limit).map(<[usize]>::to_vec).collect(),
    };
    let mut jobs: VecDeque<Job> = chunks
        .into_iter()
        .map(|idx| Job {
            idx,
            without_fbc: false,
        })
        .collect();
    let shared_budget = matches!(target, Target::GoogleDataManager(_));
    let mut deferred: Option<i64> = None;
    while let Some(job) = jobs.pop_front() {
        if let Some(at_ms) = deferred {
            for &i in &job.idx {
                out.verdicts[i] = Verdict::Deferred { at_ms };
            }
            continue;
        }
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
        if shared_budget
            && let Admission::Wait { at_ms } = platforms.admit(config, platforms.now_ms()).await
        {
            // No slot this minute: neither this request nor the config's later ones go now.
            deferred = Some(at_ms);
            for &i in &job.idx {
                out.verdicts[i] = Verdict::Deferred { at_ms };
            }
            continue;
        }
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
            Outcome::RejectEvents { bad } => {
                let mut rest = Vec::new();
                for (k, &i) in job.idx.iter().enumerate() {
                    match bad.iter().find(|(b, _)| *b == k) {
                        Some((_, reason)) => {
                            out.verdicts[i] = Verdict::Dead {
                                reason: reason.clone(),
                                status: sent.status,
                                latency_ms: sent.latency_ms,
                                payload: rows.get(k).cloned().unwrap_or(Value::Null),
                            }
                        }
                        None => rest.push(i),
                    }
                }
                // The others were refused only for their company: resend them at once.
                if !rest.is_empty() {
                    jobs.push_front(Job {
                        idx: rest,
                        without_fbc: job.without_fbc,
                    });
                }
            }
            Outcome::Delivered if shared_budget => {
                if let Some(id) = sent
                    .answer
                    .as_ref()
                    .and_then(|a| a.get("requestId"))
                    .and_then(Value::as_str)
                {
                    out.accepted_requests.push((id.to_owned(), job.idx.len()));
                }
                apply(
                    &mut out,
                    &job.idx,
                    &sent.outcome,
                    Some(&sent),
                    answered,
                    &rows,
                );
            }
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
