//! Waking the private dispatcher after the caller's answer has gone: a chained request to
//! `http://dispatcher.spin.internal/run` started with `wasip3::spawn`, so the response of the
//! caller never waits on it. The dispatcher answers at once and works in its own spawned task.

/// Ask the dispatcher to run now, without holding the current response.
pub fn wake_dispatcher(reason: &'static str) {
    spin_sdk::wasip3::spawn(async move {
        let url = "http://dispatcher.spin.internal/run";
        if let Err(e) = crate::outbound::send(
            http::Method::POST,
            url,
            &[("x-wake-reason", reason)],
            None,
            10_000,
        )
        .await
        {
            eprintln!("could not wake the dispatcher ({reason}): {e}");
        }
    });
}

/// Wake the dispatcher unless its worker is on duty (one `get` on the queue store instead of a
/// chained request per event). Call it **after** the deliveries are written: the worker gives
/// its lease back before its last look at the queue, so work it might miss finds no worker
/// here and wakes one (see `pixel_core::queue::worker`). A failed read wakes, to be safe.
pub async fn wake_unless_on_duty<S: pixel_core::kv::KvStore>(queue: &S, reason: &'static str) {
    let now = crate::host::now_ms() as i64;
    if !pixel_core::queue::worker::on_duty(queue, now)
        .await
        .unwrap_or(false)
    {
        wake_dispatcher(reason);
    }
}
