//! An instance dies (`SIGKILL`) while its dispatcher has a batch in flight at the platform: the
//! platform never completes that request, the dead instance's leases run out, and another
//! instance sends every event, each once.

use super::*;
use mock_platforms::Fault;
use testhost::kv::resp::Reply;

/// The shortest lease the dispatcher accepts (20 s send margin + 5 s): how long the dead
/// instance's claim blocks its config.
const LEASE_MS: &str = "25000";

#[tokio::test(flavor = "multi_thread")]
async fn killing_an_instance_mid_delivery_loses_nothing_and_sends_nothing_twice() {
    let mut c = Cluster::start(3, &[("delivery_lease_ms", LEASE_MS)]).await;
    let config = create(&c, "acme", meta_config("1234567890123")).await;
    let due_index = format!("pm:queue:~due/{config}");
    // The first batch hangs at Meta long enough to kill its sender mid-request.
    c.mock.set_fault(
        Fault::new(Platform::Meta)
            .delay_ms(20_000)
            .count(1)
            .path("/events"),
    );
    let events: Vec<Value> = (0..600)
        .map(|i| purchase("acme", &format!("k-{i:03}")))
        .collect();
    // Only instance 0 hears of them, so its own dispatcher (service chaining) sends them.
    post_events(&c.node(0).client, &events).await;
    let mock = c.mock.clone();
    let posts = || {
        mock.requests_for(Platform::Meta)
            .iter()
            .filter(|r| r.method == "POST" && r.path.ends_with("/events"))
            .count()
    };
    until(30, "the first batch in flight at Meta", || posts() >= 1).await;
    c.kill(0);
    // The deliveries are in the store's due index (what a pass reads instead of a scan).
    let zcard = || c.redis.conn().cmd(&["ZCARD", due_index.as_str()]).unwrap();
    assert_eq!(zcard(), Reply::Int(600));
    assert_eq!(
        c.mock.received().total(Platform::Meta),
        0,
        "the killed request must not have been completed"
    );

    // The survivors finish the work once the dead instance's lease has run out (ticks stand in
    // for the outside scheduler; the worker's own lease expires too).
    for _ in 0..120 {
        if c.mock.received().total(Platform::Meta) >= 600 {
            break;
        }
        tick(&c.node(1).client).await;
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    once_each(&c.mock.received().event_ids(Platform::Meta), 600);
    assert!(
        posts() >= 2,
        "the batch was sent again by a survivor after the kill"
    );
    let report = tick(&c.node(2).client).await;
    assert_eq!(report["claimed"], 0, "{report}");
    assert_eq!(zcard(), Reply::Int(0), "delivered entries leave the index");
}
