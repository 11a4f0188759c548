//! Per-request context: who is calling, on which tenant, when; and access to the stores.

use edge_kit::api::ApiError;
use edge_kit::auth::{self, Role};
use edge_kit::host;
use edge_kit::kv::SpinStore;
use pixel_core::config::TenantId;
use spin_sdk::http::Request;

pub struct Ctx {
    pub tenant: TenantId,
    pub role: Role,
    /// The JWT's `sub`: who is acting.
    pub user: String,
    pub now_ms: i64,
}

impl Ctx {
    pub async fn from_request(req: &Request) -> Result<Self, ApiError> {
        let secret = host::variable("auth_jwt_secret").await?;
        let caller = auth::authenticate(req, &secret)?;
        let tenant = TenantId::parse(&caller.tenant)
            .map_err(|_| ApiError::Unauthorized("the token's tenant is invalid".into()))?;
        Ok(Self {
            tenant,
            role: caller.claims.role,
            user: caller.claims.sub,
            now_ms: host::now_ms() as i64,
        })
    }

    pub async fn store(&self, label: &'static str) -> Result<SpinStore, ApiError> {
        Ok(SpinStore::open(label).await?)
    }
}

/// Unix ms as RFC 3339 UTC with milliseconds (`2026-11-27T21:05:00.123Z`).
pub fn iso(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let millis = ms.rem_euclid(1000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Howard Hinnant's civil-from-days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{millis:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}
