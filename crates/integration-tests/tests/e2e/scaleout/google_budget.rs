//! Google's project-wide quota across instances: the app's Google Cloud project may make so many
//! `events:ingest` requests a minute, all trainers and all instances together. Three instances
//! on one Redis share one budget (`google_datamanager_requests_per_minute`, 4 here): twelve
//! trainers' purchases posted to all three and flushed by concurrent passes on every instance
//! never make more than 4 requests in any minute at Google (as the mock counts them), and what
//! found no slot is delivered in a later minute, nothing lost, nothing twice.

use super::*;

const BUDGET: u64 = 4;
const TRAINERS: usize = 12;

fn google(customer: &str) -> Value {
    json!({"platform": "Google", "pixelId": customer, "refreshToken": "1//refresh",
           "conversionActions": {"PURCHASE": "987654321"}})
}

fn purchase_with_click(tenant: &str, id: &str) -> Value {
    json!({"eventId": id, "event": "PURCHASE", "tenantId": tenant, "value": 49.9,
           "currency": "EUR", "customer": {"email": format!("{id}@example.com"),
           "gclid": "Cj0KCQiA1234567890abcdef"}})
}

fn ingested(c: &Cluster) -> Vec<String> {
    c.mock
        .requests_for(Platform::Google)
        .into_iter()
        .filter(|r| r.path.ends_with("events:ingest") && r.body["validateOnly"] != true)
        .flat_map(|r| {
            r.body["events"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .filter_map(|e| e["transactionId"].as_str().map(str::to_owned))
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn three_instances_share_one_google_budget_a_minute_and_lose_nothing() {
    let c = Cluster::start(3, &[("google_datamanager_requests_per_minute", "4")]).await;
    for n in 0..TRAINERS {
        let customer = format!("{:010}", 1_000_000_000 + n);
        create(&c, &format!("t{n}"), google(&customer)).await;
    }
    // Each trainer's purchase reaches a different instance; each needs its own request.
    for n in 0..TRAINERS {
        let tenant = format!("t{n}");
        let event = purchase_with_click(&tenant, &format!("q-{n}"));
        post_events(&c.node(n % 3).client, &[event]).await;
    }
    // Every instance runs passes at once, on top of the workers the posts woke.
    let clients = c.clients();
    let all_tick = async || {
        tokio::join!(tick(clients[0]), tick(clients[1]), tick(clients[2]));
    };
    for _ in 0..3 {
        all_tick().await;
    }
    until(30, "a minute's budget used", || {
        c.mock.datamanager_minutes().values().sum::<u64>() >= BUDGET
    })
    .await;
    let minutes = c.mock.datamanager_minutes();
    assert!(
        minutes.values().all(|n| *n <= BUDGET),
        "a minute over the shared budget: {minutes:?}"
    );
    // Even straddling a minute boundary, two minutes' budgets (8) cannot carry twelve.
    assert!(ingested(&c).len() < TRAINERS, "{minutes:?}");

    // The rest leaves in the next minutes, within each minute's budget, once each.
    for _ in 0..150 {
        if ingested(&c).len() >= TRAINERS {
            break;
        }
        all_tick().await;
        tokio::time::sleep(Duration::from_millis(1_000)).await;
    }
    let minutes = c.mock.datamanager_minutes();
    assert!(
        minutes.values().all(|n| *n <= BUDGET),
        "a minute over the shared budget: {minutes:?}"
    );
    once_each(&ingested(&c), TRAINERS);
}
