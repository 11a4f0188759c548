//! The Data Manager half of the client: a slot of the project's shared per-minute budget
//! before each `events:ingest` (the core's `quota`), and the `requestStatus:retrieve` poll of
//! an accepted request.

use pixel_core::config::TrackingConfig;
use pixel_core::kv::KvStore;
use pixel_core::outcome::{HttpAnswer, Outcome};
use pixel_core::platforms::Target;
use pixel_core::platforms::google::datamanager::status::{self, RequestOutcome};
use pixel_core::quota::{self, Admission, Budget};

use super::{Client, send_request};
use crate::outbound::SendError;

impl<S: KvStore> Client<'_, S> {
    /// A slot of the project's per-minute Data Manager budget for a request of `config`. A
    /// store failure lets the request go: Google's own 429 is the backstop.
    pub async fn admit(&self, config: &TrackingConfig, now_ms: i64) -> Admission {
        let Some(store) = self.quota else {
            return Admission::Granted;
        };
        // 300 (Google's quota) gives `Budget::GOOGLE_INGEST`: 30 fair share, 100 reserve.
        let budget = Budget::per_minute(self.endpoints.google_datamanager_per_minute);
        quota::admit(store, budget, &config.tenant_id, now_ms)
            .await
            .unwrap_or_else(|e| {
                eprintln!("dispatcher: quota store: {e}");
                Admission::Granted
            })
    }

    /// Ask Google what became of an accepted Data Manager request of `config`. `Err` is why
    /// there is no answer yet (the poll is tried again on schedule).
    pub async fn request_status(
        &self,
        config: &TrackingConfig,
        request_id: &str,
        now_ms: i64,
    ) -> Result<RequestOutcome, String> {
        let target = self.target(config, now_ms).await.map_err(|o| match o {
            Outcome::Retry { reason, .. }
            | Outcome::PauseConfig { reason }
            | Outcome::Permanent { reason } => reason,
            other => format!("{other:?}"),
        })?;
        let Target::GoogleDataManager(t) = target else {
            return Err("the config no longer uses the Data Manager API".to_owned());
        };
        let req = t.status_request(request_id);
        let answer = send_request(&req, self.timeout_ms)
            .await
            .map_err(|e| match e {
                SendError::Timeout => "Google did not answer in time".to_owned(),
                _ => "could not reach Google".to_owned(),
            })?;
        status::parse_status(&HttpAnswer {
            status: answer.status,
            retry_after: None,
            body: &answer.body,
        })
    }
}
