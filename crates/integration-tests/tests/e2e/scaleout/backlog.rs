//! Per-tenant fairness with a huge backlog: tenant `big` has 100,000 purchases queued (seeded
//! straight into Redis with the core's own enqueue, as a day-long outage leaves them), tenant
//! `small` posts five. A pass shares its 5,000 deliveries between the configs with due work, so
//! `small`'s five leave with the first pass instead of after `big`'s whole backlog.

use super::*;
use integration_tests::cluster::seed;

const BACKLOG: usize = 100_000;

#[tokio::test(flavor = "multi_thread")]
async fn a_tenants_backlog_of_100000_does_not_starve_another_tenants_five_events() {
    let c = Cluster::start(3, &[]).await;
    let big = create(&c, "big", meta_config("1111111111")).await;
    create(&c, "small", meta_config("2222222222")).await;
    let due = integration_tests::now_secs() * 1_000 - 60_000;
    c.redis
        .seed_queue(&seed::purchases("big", &big, "b-", BACKLOG, due).await);

    let events: Vec<Value> = (0..5)
        .map(|i| purchase("small", &format!("s-{i}")))
        .collect();
    post_events(&c.node(1).client, &events).await;
    let count = |prefix: &str| {
        c.mock
            .received()
            .event_ids(Platform::Meta)
            .iter()
            .filter(|id| id.starts_with(prefix))
            .count()
    };
    until(120, "small's five purchases at Meta", || count("s-") >= 5).await;
    let big_sent = count("b-");
    assert!(
        big_sent < BACKLOG / 2,
        "small waited for {big_sent} of big's backlog"
    );
    assert_eq!(count("s-"), 5);
}
