use super::*;
use crate::kv::MemoryStore;
use crate::outcome::HttpAnswer;
use crate::platforms::google::datamanager::status::{FIRST_POLL_MS, parse_status};
use futures::executor::block_on;

const NOW: i64 = 1_790_000_000_000;

fn ids() -> (TenantId, ConfigId) {
    (
        TenantId::parse("acme").unwrap(),
        ConfigId::parse("cfg1").unwrap(),
    )
}

fn done(body: &str) -> Result<RequestOutcome, String> {
    parse_status(&HttpAnswer {
        status: 200,
        retry_after: None,
        body: body.as_bytes(),
    })
}

#[test]
fn a_request_is_polled_when_due_and_its_counts_reach_log_and_kpis() {
    block_on(async {
        let q = MemoryStore::new();
        let l = MemoryStore::new();
        let st = MemoryStore::new();
        let stores = Stores {
            configs: &q,
            queue: &q,
            logs: &l,
            stats: &st,
        };
        let (tenant, config) = ids();
        track(&stores, &tenant, &config, "req-1", 3, NOW)
            .await
            .unwrap();
        // Not due before Google's first 30 minutes; the worker still sees it as future work.
        assert!(
            due(&stores, NOW + FIRST_POLL_MS - 1, 10)
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            crate::queue::next_due_time(&stores).await.unwrap(),
            Some(NOW + FIRST_POLL_MS)
        );
        let polls = due(&stores, NOW + FIRST_POLL_MS, 10).await.unwrap();
        assert_eq!(polls.len(), 1);
        let poll = &polls[0];
        assert!(claim(&stores, poll).await.unwrap());
        assert!(!claim(&stores, poll).await.unwrap(), "one poller per round");
        // Still processing: polled again 39 minutes later.
        settle(
            &stores,
            poll,
            Ok(RequestOutcome::Processing),
            NOW + FIRST_POLL_MS,
        )
        .await
        .unwrap();
        let later = NOW + FIRST_POLL_MS + 39 * 60_000;
        assert!(due(&stores, later - 1, 10).await.unwrap().is_empty());
        let polls = due(&stores, later, 10).await.unwrap();
        assert_eq!(polls[0].pending.polls, 1);
        assert!(claim(&stores, &polls[0]).await.unwrap());
        let outcome = done(
            r#"{"requestStatusPerDestination":[{"requestStatus":"PARTIAL_SUCCESS",
            "eventsIngestionStatus":{"recordCount":"3"},"errorInfo":{"errorCounts":[
            {"recordCount":"1","reason":"PROCESSING_ERROR_REASON_INVALID_GCLID"}]}}]}"#,
        );
        settle(&stores, &polls[0], outcome, later).await.unwrap();
        assert!(
            due(&stores, later + 86_400_000, 10)
                .await
                .unwrap()
                .is_empty()
        );
        assert!(q.dump().is_empty(), "{:?}", q.dump().keys());
        let log = logs::list(&l, &config, 10).await.unwrap();
        assert_eq!(log[0].status, LogStatus::Failed);
        assert_eq!(
            log[0].error_message.as_deref(),
            Some("accepted 2 / failed 1 (PROCESSING_ERROR_REASON_INVALID_GCLID: 1)")
        );
        assert_eq!(log[0].payload["accepted"], 2);
        assert_eq!(log[1].status, LogStatus::Pending);
        assert_eq!(log[1].payload["requestId"], "req-1");
        let kpi = crate::stats::summary(&st, &tenant, None, 7, later, &[])
            .await
            .unwrap()
            .google_requests;
        assert_eq!((kpi.sent, kpi.pending), (1, 0));
        assert_eq!((kpi.accepted_events, kpi.failed_events), (2, 1));
        assert_eq!(kpi.failed_by_reason.get("INVALID_GCLID"), Some(&1));
    });
}

#[test]
fn polling_gives_up_after_a_day_with_a_log_line() {
    block_on(async {
        let q = MemoryStore::new();
        let l = MemoryStore::new();
        let st = MemoryStore::new();
        let stores = Stores {
            configs: &q,
            queue: &q,
            logs: &l,
            stats: &st,
        };
        let (tenant, config) = ids();
        track(&stores, &tenant, &config, "req-2", 1, NOW)
            .await
            .unwrap();
        let mut rounds = 0;
        let mut at = NOW;
        while let Some(t) = crate::queue::next_due_time(&stores).await.unwrap() {
            at = t;
            for p in due(&stores, at, 10).await.unwrap() {
                assert!(claim(&stores, &p).await.unwrap());
                settle(&stores, &p, Err("HTTP 503".into()), at)
                    .await
                    .unwrap();
            }
            rounds += 1;
            assert!(rounds < 40, "never gave up");
        }
        assert!(at - NOW <= 24 * 3_600_000);
        let log = logs::list(&l, &config, 1).await.unwrap();
        assert_eq!(log[0].status, LogStatus::Failed);
        assert!(log[0].error_message.as_deref().unwrap().contains("24 h"));
        assert!(l.dump().keys().all(|k| !k.starts_with("rsc/")));
    });
}
