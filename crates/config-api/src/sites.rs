//! `GET /sites`, `GET/PUT/DELETE /sites/{host}`: which tenant a hostname belongs to, for the
//! edge. A host belongs to one tenant at a time: claiming another tenant's host is a 409, and
//! the claim itself is a compare-and-swap so two tenants racing for one host cannot both win.

use edge_kit::api::{self, ApiError, Resp};
use http::StatusCode;
use pixel_core::config::TenantId;
use pixel_core::kv::KvStore;
use pixel_core::schema::{self, CONFIGS_STORE};
use pixel_core::site::{Site, parse_host, validate_site};
use serde_json::{Value, json};
use spin_sdk::http::Request;

use crate::configs::field_errors;
use crate::ctx::{Ctx, iso};

const CAS_ATTEMPTS: usize = 32;

pub async fn list(ctx: &Ctx) -> Result<Resp, ApiError> {
    let store = ctx.store(CONFIGS_STORE).await?;
    let (hosts, _) = read_index(&store, &ctx.tenant).await?;
    let keys: Vec<String> = hosts.iter().map(|h| schema::site_key(h)).collect();
    let mut sites = Vec::new();
    for raw in store.get_many(&keys).await?.into_iter().flatten() {
        if let Ok(site) = serde_json::from_slice::<Site>(&raw)
            && site.tenant_id == ctx.tenant
        {
            sites.push(present(&site));
        }
    }
    Ok(api::json_response(StatusCode::OK, &sites))
}

pub async fn get(ctx: &Ctx, raw_host: &str) -> Result<Resp, ApiError> {
    let host = host_param(raw_host)?;
    let store = ctx.store(CONFIGS_STORE).await?;
    let (site, _) = load_own(&store, &ctx.tenant, &host).await?;
    Ok(api::json_response(StatusCode::OK, &present(&site)))
}

pub async fn put(ctx: &Ctx, raw_host: &str, req: Request) -> Result<Resp, ApiError> {
    let host = host_param(raw_host)?;
    let body: Value = api::read_json(req).await?;
    let input = validate_site(&body).map_err(field_errors)?;
    let store = ctx.store(CONFIGS_STORE).await?;
    let key = schema::site_key(&host);
    let raw = store.get(&key).await?;
    let existing = match &raw {
        Some(bytes) => Some(
            serde_json::from_slice::<Site>(bytes)
                .map_err(|e| ApiError::internal(format!("corrupt site {host}: {e}")))?,
        ),
        None => None,
    };
    if let Some(site) = &existing
        && site.tenant_id != ctx.tenant
    {
        return Err(ApiError::Conflict(format!(
            "the host {host} is already claimed by another account"
        )));
    }
    let site = Site {
        host: host.clone(),
        tenant_id: ctx.tenant.clone(),
        origin_url: input.origin_url,
        consent: input.consent,
        rules: input.rules,
        created_at: existing.as_ref().map_or(ctx.now_ms, |s| s.created_at),
        updated_at: ctx.now_ms,
    };
    let bytes = serde_json::to_vec(&site).map_err(ApiError::internal)?;
    if !store.compare_and_swap(&key, raw.as_deref(), &bytes).await? {
        return Err(ApiError::Conflict(format!(
            "the host {host} changed while it was being saved; retry"
        )));
    }
    update_index(&store, &ctx.tenant, |hosts| {
        if !hosts.contains(&host) {
            hosts.push(host.clone());
        }
    })
    .await?;
    let status = if existing.is_some() {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok(api::json_response(status, &present(&site)))
}

pub async fn delete(ctx: &Ctx, raw_host: &str) -> Result<Resp, ApiError> {
    let host = host_param(raw_host)?;
    let store = ctx.store(CONFIGS_STORE).await?;
    load_own(&store, &ctx.tenant, &host).await?;
    store.delete(&schema::site_key(&host)).await?;
    update_index(&store, &ctx.tenant, |hosts| hosts.retain(|h| h != &host)).await?;
    Ok(api::empty_response(StatusCode::NO_CONTENT))
}

fn present(site: &Site) -> Value {
    json!({
        "host": site.host,
        "originUrl": site.origin_url,
        "consent": site.consent,
        "rules": site.rules,
        "createdAt": iso(site.created_at),
        "updatedAt": iso(site.updated_at),
    })
}

fn host_param(raw: &str) -> Result<String, ApiError> {
    let decoded = edge_kit::auth::percent_decode(raw);
    parse_host(&decoded).map_err(|e| ApiError::field("host", "invalid_format", e.message))
}

/// The tenant's own site, or 404 (another tenant's host is not found, not forbidden).
async fn load_own(
    store: &impl KvStore,
    tenant: &TenantId,
    host: &str,
) -> Result<(Site, Vec<u8>), ApiError> {
    let missing = || ApiError::NotFound(format!("no site {host}"));
    let raw = store
        .get(&schema::site_key(host))
        .await?
        .ok_or_else(missing)?;
    let site: Site = serde_json::from_slice(&raw)
        .map_err(|e| ApiError::internal(format!("corrupt site {host}: {e}")))?;
    if &site.tenant_id != tenant {
        return Err(missing());
    }
    Ok((site, raw))
}

async fn read_index(
    store: &impl KvStore,
    tenant: &TenantId,
) -> Result<(Vec<String>, Option<Vec<u8>>), ApiError> {
    let raw = store.get(&schema::site_index_key(tenant)).await?;
    let hosts = match &raw {
        Some(bytes) => serde_json::from_slice(bytes)
            .map_err(|e| ApiError::internal(format!("corrupt site index: {e}")))?,
        None => Vec::new(),
    };
    Ok((hosts, raw))
}

async fn update_index(
    store: &impl KvStore,
    tenant: &TenantId,
    change: impl Fn(&mut Vec<String>),
) -> Result<(), ApiError> {
    let key = schema::site_index_key(tenant);
    for _ in 0..CAS_ATTEMPTS {
        let (mut hosts, raw) = read_index(store, tenant).await?;
        change(&mut hosts);
        let new = serde_json::to_vec(&hosts).map_err(ApiError::internal)?;
        if store.compare_and_swap(&key, raw.as_deref(), &new).await? {
            return Ok(());
        }
    }
    Err(ApiError::internal(
        "site index: too many concurrent updates",
    ))
}
