//! A backlog made by the core's own enqueue, for tests and benchmarks that need a queue of
//! 100,000 deliveries without posting them one batch at a time
//! ([`super::RedisServer::seed_queue`] writes it into the app's Redis).

use pixel_core::StandardEvent;
use pixel_core::config::{ConfigId, TenantId};
use pixel_core::event::{ActionSource, Event, EventId, HashedIdentity, RawIdentity};
use pixel_core::kv::Stores;
use pixel_core::queue::{MintedEvent, enqueue_minted};

/// A backend purchase as the collector stores it (identifiers hashed).
fn purchase_json(id: &str, time_secs: i64) -> Vec<u8> {
    let mut e = Event::new(
        EventId::parse(id).expect("event id"),
        StandardEvent::Purchase,
        time_secs,
    );
    e.action_source = ActionSource::SystemGenerated;
    e.custom.value = Some(49.0);
    e.custom.currency = Some("EUR".into());
    e.identity = HashedIdentity::from_raw(
        &RawIdentity {
            email: Some(format!("{id}@example.com")),
            external_id: Some(id.to_owned()),
            ..Default::default()
        },
        "ES",
    );
    serde_json::to_vec(&e).expect("event json")
}

/// The queue entries (event bodies and deliveries) of `n` purchases `{prefix}{i:06}` of
/// `tenant` for `config`, due at `due_ms`.
pub async fn purchases(
    tenant: &str,
    config: &str,
    prefix: &str,
    n: usize,
    due_ms: i64,
) -> Vec<(String, Vec<u8>)> {
    let tenant = TenantId::parse(tenant).expect("tenant");
    let configs = [ConfigId::parse(config).expect("config id")];
    let stores = Stores::memory();
    let ids: Vec<String> = (0..n).map(|i| format!("{prefix}{i:06}")).collect();
    let now_secs = crate::now_secs();
    let bodies: Vec<Vec<u8>> = ids.iter().map(|id| purchase_json(id, now_secs)).collect();
    let events: Vec<MintedEvent<'_>> = ids
        .iter()
        .zip(&bodies)
        .map(|(id, body)| MintedEvent {
            tenant: &tenant,
            event_id: id,
            event_name: StandardEvent::Purchase,
            event_json: body,
            configs: &configs,
        })
        .collect();
    let queued = enqueue_minted(&stores, &events, due_ms)
        .await
        .expect("enqueue on a memory store");
    assert_eq!(queued, n);
    stores.queue.dump().into_iter().collect()
}
