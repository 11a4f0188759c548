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
