//! `GET/POST /tracking-configs`, `PATCH/DELETE /tracking-configs/{id}`.
//!
//! Invariants: a config exists only once its credentials were accepted by the platform; one
//! tenant has at most one config per platform + pixel (a compare-and-swap claim on
//! `cfguniq/...`, so concurrent creates leave exactly one); the token is stored encrypted and
//! never answered.

use edge_kit::api::{self, ApiError, Resp};
use edge_kit::host;
use edge_kit::kv::SpinStore;
use http::StatusCode;
use pixel_core::config::{
    ConfigId, ConfigInput, FieldError, HealthStatus, NewCredential, TenantId, TrackingConfig,
    validate_create, validate_patch,
};
use pixel_core::kv::KvStore;
use pixel_core::schema::{self, CONFIGS_STORE};
use serde_json::Value;
use spin_sdk::http::Request;

use crate::credentials::{self, GoogleTarget, Verdict};
use crate::ctx::{Ctx, iso};
use crate::oauth_connection;
use edge_kit::deliver::{self, Endpoints};

/// A compare-and-swap loop on an index gives up after this many lost races (then 500).
const CAS_ATTEMPTS: usize = 32;

pub async fn list(ctx: &Ctx) -> Result<Resp, ApiError> {
    let store = ctx.store(CONFIGS_STORE).await?;
    let configs = load_all(&store, &ctx.tenant).await?;
    let views: Vec<Value> = configs.iter().map(present).collect();
    Ok(api::json_response(StatusCode::OK, &views))
}

pub async fn create(ctx: &Ctx, req: Request) -> Result<Resp, ApiError> {
    let body: Value = api::read_json(req).await?;
    let input = ConfigInput::from_json(&body).map_err(field_errors)?;
    let new = validate_create(&input).map_err(field_errors)?;
    let store = ctx.store(CONFIGS_STORE).await?;

    // Cheap conflict check first, so a duplicate is not sent to the platform at all.
    let uniq = schema::config_unique_key(&ctx.tenant, new.platform, new.pixel_id.as_str());
    let claim = store.get(&uniq).await?;
    if let Some(owner) = &claim
        && claim_is_live(&store, &ctx.tenant, owner).await?
    {
        return Err(conflict(&new.platform, new.pixel_id.as_str()));
    }

    let keyring = deliver::keyring().await.map_err(ApiError::internal)?;
    // A Google connection made with Conectar con Google stands for its refresh token.
    let connection = match &new.credential {
        NewCredential::Token(_) => None,
        NewCredential::GoogleConnection(cid) => {
            Some(oauth_connection::resolve(&store, &keyring, &ctx.tenant, cid, ctx.now_ms).await?)
        }
    };
    let token = match (&new.credential, &connection) {
        (NewCredential::Token(t), _) => t.as_str(),
        (_, Some(c)) => c.refresh_token.as_str(),
        (_, None) => return Err(ApiError::internal("unresolved Google connection")),
    };

    let ep = Endpoints::load().await.map_err(ApiError::internal)?;
    let google = new.google.as_ref().map(|g| GoogleTarget {
        customer_id: g.customer_id.as_str(),
        login_customer_id: g.login_customer_id.as_ref().map(|c| c.as_str()),
        api: g.api,
        conversion_actions: Some(&g.conversion_actions),
    });
    let verdict = credentials::check(
        &ep,
        new.platform,
        new.pixel_id.as_str(),
        token,
        new.test_event_code.as_deref(),
        google,
    )
    .await?;

    let id = ConfigId::from_random(host::random_bytes::<8>());
    // Bound to this config: the ciphertext cannot be moved onto another one.
    let context = pixel_core::crypto::config_context(ctx.tenant.as_str(), id.as_str());
    let encrypted = keyring
        .encrypt_for(token, host::random_bytes::<12>(), &context)
        .map_err(ApiError::internal)?;
    if let Some(c) = &connection {
        c.consume(&store).await?;
    }
    let mut config =
        TrackingConfig::new(id.clone(), ctx.tenant.clone(), new, encrypted, ctx.now_ms);
    record_verdict(&mut config, &verdict, ctx.now_ms);

    // The config is written before the claim, so a claim always names a config that exists:
    // a claim whose config is missing is then truly stale (a create or delete that died half
    // way) and may be taken over. Claiming first would let a concurrent create see a winner's
    // claim before its config and take it over: two configs for one pixel.
    let key = schema::config_key(&ctx.tenant, &id);
    store.set(&key, &to_json(&config)?).await?;
    // The claim: only one of several concurrent creates swaps it from what it read.
    let claimed = store
        .compare_and_swap(&uniq, claim.as_deref(), id.as_str().as_bytes())
        .await;
    if !matches!(claimed, Ok(true)) {
        // Not indexed, so never listed; remove it before answering.
        let _ = store.delete(&key).await;
        if let Some(c) = &connection {
            c.restore(&store).await;
        }
        claimed?;
        return Err(conflict(&config.platform, config.pixel_id.as_str()));
    }
    let indexed = update_index(&store, &ctx.tenant, |ids| {
        if !ids.contains(&id.to_string()) {
            ids.push(id.to_string());
        }
    })
    .await;
    if let Err(e) = indexed {
        // Leave nothing half-written: a config without its index entry would be invisible.
        let _ = store.delete(&key).await;
        let _ = release_claim(&store, &uniq, &id).await;
        if let Some(c) = &connection {
            c.restore(&store).await;
        }
        return Err(e);
    }
    if let Some(c) = &connection {
        c.forget(&store).await;
    }
    Ok(api::json_response(StatusCode::CREATED, &present(&config)))
}

pub async fn patch(ctx: &Ctx, raw_id: &str, req: Request) -> Result<Resp, ApiError> {
    let id = parse_id(raw_id)?;
    let body: Value = api::read_json(req).await?;
    let input = ConfigInput::from_json(&body).map_err(field_errors)?;
    let store = ctx.store(CONFIGS_STORE).await?;
    let key = schema::config_key(&ctx.tenant, &id);
    let (mut config, raw) = load(&store, &key).await?.ok_or_else(|| missing(raw_id))?;
    let mut patch = validate_patch(&config, &input).map_err(field_errors)?;

    // Reconnected with Conectar con Google: the new connection's refresh token replaces the
    // stored one, checked like any new token; the connection is consumed only with the write.
    let connection = match &patch.connection {
        Some(cid) => {
            let keyring = deliver::keyring().await.map_err(ApiError::internal)?;
            let c =
                oauth_connection::resolve(&store, &keyring, &ctx.tenant, cid, ctx.now_ms).await?;
            patch.token = Some(c.refresh_token.clone());
            Some(c)
        }
        None => None,
    };

    let mut verdict = None;
    let encrypted = match &patch.token {
        Some(token) => {
            let ep = Endpoints::load().await.map_err(ApiError::internal)?;
            let google = config.google.as_ref().map(|g| GoogleTarget {
                customer_id: g.customer_id.as_str(),
                login_customer_id: g.login_customer_id.as_ref().map(|c| c.as_str()),
                api: patch.google_api.unwrap_or(g.api),
                conversion_actions: Some(
                    patch
                        .conversion_actions
                        .as_ref()
                        .unwrap_or(&g.conversion_actions),
                ),
            });
            let test_code = match &patch.test_event_code {
                Some(code) => code.clone(),
                None => config.test_event_code.clone(),
            };
            verdict = Some(
                credentials::check(
                    &ep,
                    config.platform,
                    config.pixel_id.as_str(),
                    token,
                    test_code.as_deref(),
                    google,
                )
                .await?,
            );
            let keyring = deliver::keyring().await.map_err(ApiError::internal)?;
            Some(
                keyring
                    .encrypt_for(
                        token,
                        host::random_bytes::<12>(),
                        &pixel_core::crypto::config_context(ctx.tenant.as_str(), id.as_str()),
                    )
                    .map_err(ApiError::internal)?,
            )
        }
        None => None,
    };
    config.apply(patch, encrypted, ctx.now_ms);
    if let Some(v) = &verdict {
        record_verdict(&mut config, v, ctx.now_ms);
    }
    if let Some(c) = &connection {
        c.consume(&store).await?;
    }
    // Compare-and-swap against what was read, so a concurrent dispatcher's health update or
    // another PATCH is never silently overwritten.
    let written = store
        .compare_and_swap(&key, Some(&raw), &to_json(&config)?)
        .await;
    if !matches!(written, Ok(true)) {
        // Nothing changed: the trainer may retry with the same connection.
        if let Some(c) = &connection {
            c.restore(&store).await;
        }
        written?;
        return Err(ApiError::Conflict(
            "the config changed while it was being updated; read it again and retry".into(),
        ));
    }
    if let Some(c) = &connection {
        c.forget(&store).await;
    }
    if verdict.is_some() || config.is_active {
        // A replaced token resumes deliveries held for invalid credentials; re-activation
        // resumes a paused config. Either way the dispatcher should look now.
        let stores = edge_kit::kv::open_stores().await?;
        if verdict.is_some() {
            pixel_core::queue::release_config(&stores, &id)
                .await
                .map_err(ApiError::internal)?;
            // A token that works ends a `credentials_refused` alert now, not at the next
            // scheduled evaluation. The config is written either way: a failure here only
            // leaves the alert to that evaluation.
            if let Err(e) =
                pixel_core::alerts::check::recheck_now(&stores, &ctx.tenant, ctx.now_ms).await
            {
                eprintln!("alerts of {}: {e}", ctx.tenant);
            }
        }
        if pixel_core::queue::has_pending_work(&stores, ctx.now_ms, 60_000)
            .await
            .unwrap_or(false)
        {
            edge_kit::wake::wake_dispatcher("config updated");
        }
    }
    Ok(api::json_response(StatusCode::OK, &present(&config)))
}

pub async fn delete(ctx: &Ctx, raw_id: &str) -> Result<Resp, ApiError> {
    let id = parse_id(raw_id)?;
    let store = ctx.store(CONFIGS_STORE).await?;
    let key = schema::config_key(&ctx.tenant, &id);
    let (config, _) = load(&store, &key).await?.ok_or_else(|| missing(raw_id))?;
    // Cancel first: a delivery must never outlive its config and then fail for lack of it.
    let stores = edge_kit::kv::open_stores().await?;
    pixel_core::queue::cancel_config(&stores, &id, ctx.now_ms)
        .await
        .map_err(ApiError::internal)?;
    store.delete(&key).await?;
    update_index(&store, &ctx.tenant, |ids| ids.retain(|i| i != id.as_str())).await?;
    let uniq = schema::config_unique_key(&ctx.tenant, config.platform, config.pixel_id.as_str());
    release_claim(&store, &uniq, &id).await?;
    Ok(api::empty_response(StatusCode::NO_CONTENT))
}

/// The API's view of a config: the core's token-free view, with times as RFC 3339.
pub fn present(config: &TrackingConfig) -> Value {
    let mut v = serde_json::to_value(config.view()).unwrap_or(Value::Null);
    // `pointer_mut`, not indexing: indexing a `null` mutably would turn it into an object.
    for path in [
        "/createdAt",
        "/updatedAt",
        "/health/checkedAt",
        "/lastEvent/time",
    ] {
        if let Some(slot) = v.pointer_mut(path)
            && let Some(ms) = slot.as_i64()
        {
            *slot = Value::String(iso(ms));
        }
    }
    v
}

fn record_verdict(config: &mut TrackingConfig, verdict: &Verdict, now_ms: i64) {
    config.health.checked_at = Some(now_ms);
    match verdict {
        Verdict::Accepted => {
            config.health.status = HealthStatus::Ok;
            config.health.last_error = None;
        }
        Verdict::AcceptedUnverified(why) => {
            config.health.status = HealthStatus::Unverified;
            config.health.last_error = Some(why.clone());
        }
    }
}

fn parse_id(raw: &str) -> Result<ConfigId, ApiError> {
    // An id that cannot exist is simply not found: the same answer as another tenant's id.
    ConfigId::parse(raw).map_err(|_| missing(raw))
}

fn missing(raw: &str) -> ApiError {
    ApiError::NotFound(format!("no tracking config {raw}"))
}

fn conflict(platform: &pixel_core::Platform, pixel: &str) -> ApiError {
    ApiError::Conflict(format!(
        "a {platform} config for pixel {pixel} already exists for this account"
    ))
}

pub fn field_errors(errors: Vec<FieldError>) -> ApiError {
    ApiError::validation(serde_json::to_value(errors).unwrap_or(Value::Null))
}

fn to_json(config: &TrackingConfig) -> Result<Vec<u8>, ApiError> {
    serde_json::to_vec(config).map_err(ApiError::internal)
}

/// A config and the exact bytes it was read as (for compare-and-swap).
async fn load(store: &SpinStore, key: &str) -> Result<Option<(TrackingConfig, Vec<u8>)>, ApiError> {
    let Some(raw) = store.get(key).await? else {
        return Ok(None);
    };
    let config = serde_json::from_slice(&raw)
        .map_err(|e| ApiError::internal(format!("corrupt config at {key}: {e}")))?;
    Ok(Some((config, raw)))
}

/// Every config of a tenant, in creation order, in two round trips.
pub async fn load_all(
    store: &SpinStore,
    tenant: &TenantId,
) -> Result<Vec<TrackingConfig>, ApiError> {
    Ok(edge_kit::pipeline::load_configs(store, tenant).await?)
}

/// Give up `id`'s uniqueness claim, only if it is still `id`'s: a compare-and-swap to an empty
/// marker, so a claim another create took in between is never erased.
async fn release_claim(store: &SpinStore, uniq: &str, id: &ConfigId) -> Result<(), ApiError> {
    store
        .compare_and_swap(uniq, Some(id.as_str().as_bytes()), b"")
        .await?;
    Ok(())
}

/// A uniqueness claim is live when the config it names still exists; a claim left by a
/// create that died half-way may be taken over.
async fn claim_is_live(
    store: &SpinStore,
    tenant: &TenantId,
    owner: &[u8],
) -> Result<bool, ApiError> {
    let Some(id) = std::str::from_utf8(owner)
        .ok()
        .and_then(|s| ConfigId::parse(s).ok())
    else {
        return Ok(false);
    };
    Ok(store.get(&schema::config_key(tenant, &id)).await?.is_some())
}

async fn read_index(
    store: &SpinStore,
    tenant: &TenantId,
) -> Result<(Vec<String>, Option<Vec<u8>>), ApiError> {
    let raw = store.get(&schema::config_index_key(tenant)).await?;
    let ids = match &raw {
        Some(bytes) => serde_json::from_slice(bytes)
            .map_err(|e| ApiError::internal(format!("corrupt config index: {e}")))?,
        None => Vec::new(),
    };
    Ok((ids, raw))
}

async fn update_index(
    store: &SpinStore,
    tenant: &TenantId,
    change: impl Fn(&mut Vec<String>),
) -> Result<(), ApiError> {
    let key = schema::config_index_key(tenant);
    for _ in 0..CAS_ATTEMPTS {
        let (mut ids, raw) = read_index(store, tenant).await?;
        change(&mut ids);
        let new = serde_json::to_vec(&ids).map_err(ApiError::internal)?;
        if store.compare_and_swap(&key, raw.as_deref(), &new).await? {
            return Ok(());
        }
    }
    Err(ApiError::internal(
        "config index: too many concurrent updates",
    ))
}
