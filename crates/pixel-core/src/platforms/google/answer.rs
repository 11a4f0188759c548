//! Google Ads answers: HTTP 200 with a `partialFailureError` naming failed rows by index; and
//! the two steps of a credential check (token exchange, `listAccessibleCustomers`).

use super::{GoogleTarget, oauth};
use crate::outcome::{EventOutcome, HttpAnswer, Outcome};
use crate::platforms::CredentialVerdict;
use serde_json::{Value, json};

/// Codes that say the config itself is wrong (every row of it will fail the same way): pause
/// the config and keep the events rather than dead-lettering each of them.
const CONFIG_CODES: [&str; 3] = [
    "NO_CONVERSION_ACTION_FOUND",
    "INVALID_CONVERSION_ACTION_TYPE",
    "CUSTOMER_NOT_ACCEPTED_CUSTOMER_DATA_TERMS",
];

/// Google refuses conversions for very fresh clicks or actions; they succeed some hours later.
const TOO_RECENT_RETRY_SECS: u64 = 6 * 3600;

/// The verdict for one row error code.
fn row_verdict(code: &str, message: &str) -> EventOutcome {
    let reason = format!("Google {code}: {message}");
    match code {
        // The `DUPLICATE_*` pair names the second copy inside one request: the first one lands.
        "CLICK_CONVERSION_ALREADY_EXISTS"
        | "ORDER_ID_ALREADY_IN_USE"
        | "DUPLICATE_CLICK_CONVERSION_IN_REQUEST"
        | "DUPLICATE_ORDER_ID" => EventOutcome::AlreadyDelivered { reason },
        "TOO_RECENT_EVENT" | "TOO_RECENT_CONVERSION_ACTION" => EventOutcome::Retry {
            after_secs: Some(TOO_RECENT_RETRY_SECS),
            reason,
        },
        "INTERNAL_ERROR"
        | "TRANSIENT_ERROR"
        | "RESOURCE_TEMPORARILY_EXHAUSTED"
        | "RESOURCE_EXHAUSTED" => EventOutcome::Retry {
            after_secs: None,
            reason,
        },
        _ => EventOutcome::Permanent { reason },
    }
}

/// Which verdict wins when one row has several errors: the one that stops sending for good.
fn severity(o: &EventOutcome) -> u8 {
    match o {
        EventOutcome::Delivered => 0,
        EventOutcome::AlreadyDelivered { .. } => 1,
        EventOutcome::Retry { .. } => 2,
        EventOutcome::Permanent { .. } => 3,
    }
}

/// One error of a `GoogleAdsFailure`: its code and the row it names, if any.
struct RowError {
    code: String,
    message: String,
    index: Option<usize>,
}

fn errors(failure: &Value) -> Vec<RowError> {
    let mut out = Vec::new();
    let details = failure.get("details").and_then(Value::as_array);
    for detail in details.into_iter().flatten() {
        for err in detail
            .get("errors")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            // `errorCode` holds one key per error family (`conversionUploadError`,
            // `internalError`, `quotaError`, ...); the value is the code.
            let code = err
                .get("errorCode")
                .and_then(Value::as_object)
                .and_then(|o| o.values().find_map(Value::as_str))
                .unwrap_or("UNKNOWN")
                .to_owned();
            let message: String = err
                .get("message")
                .and_then(Value::as_str)
                .unwrap_or("")
                .chars()
                .take(300)
                .collect();
            let index = err
                .pointer("/location/fieldPathElements")
                .and_then(Value::as_array)
                .and_then(|path| {
                    path.iter()
                        .find(|p| p.get("fieldName").and_then(Value::as_str) == Some("conversions"))
                })
                .and_then(|p| p.get("index"))
                .and_then(Value::as_u64)
                .and_then(|i| usize::try_from(i).ok());
            out.push(RowError {
                code,
                message,
                index,
            });
        }
    }
    out
}

/// Classify Google's answer to an upload of `batch_len` rows.
pub fn classify(answer: &HttpAnswer<'_>, batch_len: usize) -> Outcome {
    if let Some(retry) = super::super::http_retry(answer) {
        return retry;
    }
    let parsed: Option<Value> = serde_json::from_slice(answer.body).ok();
    if matches!(answer.status, 401 | 403) {
        let status = parsed
            .as_ref()
            .and_then(|v| v.pointer("/error/status"))
            .and_then(Value::as_str)
            .unwrap_or("");
        return Outcome::PauseConfig {
            reason: format!(
                "Google refused the credentials (HTTP {} {status})",
                answer.status
            ),
        };
    }
    if !(200..300).contains(&answer.status) {
        let failure = parsed.as_ref().and_then(|v| v.get("error"));
        let errs = failure.map(errors).unwrap_or_default();
        if let Some(e) = errs
            .iter()
            .find(|e| CONFIG_CODES.contains(&e.code.as_str()))
        {
            return Outcome::PauseConfig {
                reason: format!("Google {}: {}", e.code, e.message),
            };
        }
        let message = failure
            .and_then(|f| f.get("message"))
            .and_then(Value::as_str)
            .unwrap_or("");
        return Outcome::Permanent {
            reason: format!(
                "Google refused the request (HTTP {}): {message}",
                answer.status
            ),
        };
    }
    let Some(body) = parsed else {
        return Outcome::Retry {
            after_secs: None,
            reason: "Google answered without a readable body".to_owned(),
        };
    };
    let failure = body
        .get("partialFailureError")
        .filter(|f| f.as_object().is_some_and(|o| !o.is_empty()));
    let Some(failure) = failure else {
        return Outcome::Delivered;
    };
    let errs = errors(failure);
    if let Some(e) = errs
        .iter()
        .find(|e| CONFIG_CODES.contains(&e.code.as_str()))
    {
        return Outcome::PauseConfig {
            reason: format!("Google {}: {}", e.code, e.message),
        };
    }
    let mut rows = vec![EventOutcome::Delivered; batch_len];
    for e in &errs {
        let verdict = row_verdict(&e.code, &e.message);
        // An error that names no row concerns the whole request.
        let targets: Vec<usize> = match e.index {
            Some(i) if i < batch_len => vec![i],
            Some(_) => continue,
            None => (0..batch_len).collect(),
        };
        for i in targets {
            if severity(&verdict) > severity(&rows[i]) {
                rows[i] = verdict.clone();
            }
        }
    }
    if rows.iter().all(|r| *r == EventOutcome::Delivered) {
        Outcome::Delivered
    } else {
        Outcome::PerEvent(rows)
    }
}

/// What the token endpoint's answer to the refresh-token grant of a credential check says:
/// the access token for the second step, or the verdict. The rules are the dispatcher's
/// ([`oauth::parse_token_answer`]); a refused grant is the user's to see, in Google's words.
pub fn classify_token_exchange(
    answer: &HttpAnswer<'_>,
    now: i64,
) -> Result<oauth::AccessToken, CredentialVerdict> {
    oauth::parse_token_answer(answer, now).map_err(|outcome| match outcome {
        Outcome::Retry { reason, .. } => CredentialVerdict::Unavailable { reason },
        _ => {
            let body: Value = serde_json::from_slice(answer.body).unwrap_or(Value::Null);
            let message = body["error_description"]
                .as_str()
                .or(body["error"].as_str())
                .unwrap_or("the refresh token was refused");
            CredentialVerdict::Rejected {
                code: body["error"].clone(),
                message: message.to_owned(),
            }
        }
    })
}

impl GoogleTarget {
    /// What the answer to [`GoogleTarget::credential_check`] (`listAccessibleCustomers`) says
    /// about the access token and this account.
    pub fn classify_credential_check(&self, answer: &HttpAnswer<'_>) -> CredentialVerdict {
        let parsed: Option<Value> = serde_json::from_slice(answer.body).ok();
        match answer.status {
            200..=299 => {}
            401 | 403 => {
                let message = parsed
                    .as_ref()
                    .and_then(|v| v.pointer("/error/message"))
                    .and_then(Value::as_str)
                    .unwrap_or("access denied");
                return CredentialVerdict::Rejected {
                    code: json!(answer.status),
                    message: message.to_owned(),
                };
            }
            status => {
                return CredentialVerdict::Unavailable {
                    reason: format!("it answered HTTP {status}"),
                };
            }
        }
        let Some(Value::Object(body)) = parsed else {
            return CredentialVerdict::Unavailable {
                reason: "Google answered without a readable body".to_owned(),
            };
        };
        // Through a manager account the customer itself need not be listed, its manager must.
        let via = self
            .login_customer_id
            .as_deref()
            .unwrap_or(&self.customer_id)
            .replace('-', "");
        let listed = format!("customers/{via}");
        // JSON leaves out an empty list: no `resourceNames` is no account at all.
        let reachable = body
            .get("resourceNames")
            .and_then(Value::as_array)
            .is_some_and(|names| names.iter().any(|n| n.as_str() == Some(&listed)));
        if reachable {
            CredentialVerdict::Accepted
        } else {
            CredentialVerdict::Rejected {
                code: json!("CUSTOMER_NOT_ACCESSIBLE"),
                message: format!("this Google account cannot access customer {via}"),
            }
        }
    }
}
