//! A restart: the app dies with a retry pending and its worker asleep; the app that comes
//! back has no worker until something wakes one, and any authenticated request does.

use std::sync::Arc;
use std::time::{Duration, Instant};

use integration_tests::{App, loopback, sqlite_stores};
use mock_platforms::{Fault, Platform};
use serde_json::json;

use super::{CONFIGS, PIXEL, Pipeline, lead};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime")
}

#[test]
fn a_request_after_a_restart_wakes_the_dispatcher_for_work_left_pending() {
    let main = runtime();
    let mock = Arc::new(
        main.block_on(mock_platforms::spawn(loopback()))
            .expect("mock platforms"),
    );
    let dir = std::env::temp_dir().join(format!("pm-restart-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let stores = sqlite_stores(&dir);

    // The first life: an event is tried once, Meta says "come back in 2 s", and the app dies
    // (its runtime is dropped: every task, the sleeping worker included, is gone).
    let first = runtime();
    let died_at = first.block_on(async {
        let app = App::start_on(mock.clone(), &[], stores.clone()).await;
        app.config(
            "gym",
            json!({"platform": "Meta", "pixelId": PIXEL, "apiAccessToken": "tok"}),
        )
        .await;
        app.mock.set_fault(
            Fault::new(Platform::Meta)
                .status(429)
                .code(17)
                .retry_after(2)
                .count(1)
                .path("/events"),
        );
        app.post_events(&[lead("gym", "restart-1")]).await;
        app.until("the first attempt", async || app.meta_event_posts() == 1)
            .await;
        Instant::now()
    });
    first.shutdown_timeout(Duration::from_secs(2));

    main.block_on(async {
        let app = App::start_on(mock.clone(), &[], stores).await;
        // Past the retry time and past the dead worker's lease: due work, and nobody awake.
        let quiet = Duration::from_millis(pixel_core::queue::worker::TTL_MS as u64 + 1_500);
        tokio::time::sleep(quiet.saturating_sub(died_at.elapsed())).await;
        assert_eq!(
            app.meta_event_posts(),
            1,
            "nothing runs before a request comes"
        );
        // Any authenticated request: the trainer opens the dashboard.
        let r = app.client.get(CONFIGS, &app.token("gym")).await;
        assert_eq!(r.status, 200, "{}", r.text());
        app.until("the retry after the restart", async || {
            app.meta_event_posts() == 2
        })
        .await;
        assert_eq!(app.mock.received().count(Platform::Meta, PIXEL, "Lead"), 1);
    });
    let _ = std::fs::remove_dir_all(&dir);
}
