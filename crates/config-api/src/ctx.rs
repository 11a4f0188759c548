//! Per-request context: who is calling, on which tenant, when; and lazy access to the stores,
//! the token keyring and the platforms' endpoints.

use edge_kit::api::ApiError;
use edge_kit::auth::{self, Role};
use edge_kit::host;
use edge_kit::kv::SpinStore;
use pixel_core::config::TenantId;
use pixel_core::crypto::Keyring;
use spin_sdk::http::Request;

pub struct Ctx {
    pub tenant: TenantId,
    pub role: Role,
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
            now_ms: host::now_ms() as i64,
        })
    }

    pub async fn store(&self, label: &'static str) -> Result<SpinStore, ApiError> {
        Ok(SpinStore::open(label).await?)
    }

    pub async fn keyring(&self) -> Result<Keyring, ApiError> {
        let current = host::variable("token_encryption_key").await?;
        let previous = host::variable("token_encryption_previous_keys").await?;
        Keyring::from_config(&current, &previous)
            .map_err(|e| ApiError::internal(format!("token_encryption_key: {e}")))
    }
}

/// Where the platforms are, from the app's variables (tests point them at the mock).
pub struct Endpoints {
    pub meta_url: String,
    pub meta_version: String,
    pub tiktok_url: String,
    pub google_ads_url: String,
    pub google_ads_version: String,
    pub google_oauth_url: String,
    pub google_client_id: String,
    pub google_client_secret: String,
}

impl Endpoints {
    pub async fn load() -> Result<Self, ApiError> {
        let v = |n| host::variable(n);
        Ok(Self {
            meta_url: v("meta_api_url").await?.trim_end_matches('/').to_owned(),
            meta_version: v("meta_api_version").await?,
            tiktok_url: v("tiktok_api_url").await?.trim_end_matches('/').to_owned(),
            google_ads_url: v("google_ads_api_url")
                .await?
                .trim_end_matches('/')
                .to_owned(),
            google_ads_version: v("google_ads_api_version").await?,
            google_oauth_url: v("google_oauth_url")
                .await?
                .trim_end_matches('/')
                .to_owned(),
            google_client_id: v("google_client_id").await?,
            google_client_secret: v("google_client_secret").await?,
        })
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
