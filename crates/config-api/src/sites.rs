//! `GET /sites`, `GET/PUT/DELETE /sites/{host}`: which tenant a hostname belongs to, for the
//! edge. A claim is `pending` until the tenant proves control of the host with a DNS TXT record
//! ([`crate::site_verify`]); a pending claim proves nothing, so another tenant may claim the
//! host too (the claim moves), while a verified host is a 409 for everyone else. The claim is
//! a compare-and-swap so two tenants racing for one host cannot both win. The app's own host
//! names and forbidden origins (pixel_core::site::origin) are refused with a 400 that says why;
//! a system admin may release any host (DELETE), e.g. one squatted before ownership checks.

use edge_kit::api::{self, ApiError, Resp};
use edge_kit::auth::Role;
use edge_kit::host::variable;
use http::StatusCode;
use pixel_core::config::TenantId;
use pixel_core::kv::KvStore;
use pixel_core::schema::{self, CONFIGS_STORE};
use pixel_core::site::origin::{OriginPolicy, origin_host};
use pixel_core::site::verification::{txt_name, txt_value};
use pixel_core::site::{Site, Verification, check_origin, parse_host, validate_site};
use serde_json::{Value, json};
use spin_sdk::http::Request;

use crate::configs::field_errors;
use crate::ctx::{Ctx, iso};
use crate::site_verify::{forget_previous_owner, held_by_other};

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
            let txt = expected_txt(ctx, &site.host).await?;
            sites.push(present(&site, &txt));
        }
    }
    Ok(api::json_response(StatusCode::OK, &sites))
}

pub async fn get(ctx: &Ctx, raw_host: &str) -> Result<Resp, ApiError> {
    let host = host_param(raw_host)?;
    let store = ctx.store(CONFIGS_STORE).await?;
    let (site, _) = load_own(&store, &ctx.tenant, &host).await?;
    let txt = expected_txt(ctx, &host).await?;
    Ok(api::json_response(StatusCode::OK, &present(&site, &txt)))
}

pub async fn put(ctx: &Ctx, raw_host: &str, req: Request) -> Result<Resp, ApiError> {
    let host = host_param(raw_host)?;
    let policy = origin_policy().await?;
    if policy.is_app_host(&host) {
        return Err(ApiError::field(
            "host",
            "reserved",
            format!("{host} is one of this app's own host names; it cannot be a site"),
        ));
    }
    let body: Value = api::read_json(req).await?;
    let input = validate_site(&body).map_err(field_errors)?;
    check_origin(&input.origin_url, &policy).map_err(|e| field_errors(vec![e]))?;
    let site_name = host.rsplit_once(':').map_or(host.as_str(), |(n, _)| n);
    if origin_host(&input.origin_url).is_some_and(|o| o.eq_ignore_ascii_case(site_name)) {
        return Err(ApiError::field(
            "originUrl",
            "forbidden_origin",
            "the origin cannot be the site's own host: the edge would forward to itself",
        ));
    }
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
        && held_by_other(site, ctx)
    {
        return Err(ApiError::Conflict(format!(
            "the host {host} is already claimed and verified by another account"
        )));
    }
    // Only the same tenant's claim carries over; a pending claim of another tenant is replaced.
    let own = existing.as_ref().filter(|s| s.tenant_id == ctx.tenant);
    let site = Site {
        host: host.clone(),
        tenant_id: ctx.tenant.clone(),
        origin_url: input.origin_url,
        consent: input.consent,
        rules: input.rules,
        require_signed_orders: input.require_signed_orders,
        verification: own.map_or_else(Verification::default, |s| s.verification.clone()),
        created_at: own.map_or(ctx.now_ms, |s| s.created_at),
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
    if let Some(previous) = existing.as_ref().filter(|s| s.tenant_id != ctx.tenant) {
        forget_previous_owner(&store, previous, &host).await?;
    }
    let status = if own.is_some() {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    let txt = expected_txt(ctx, &host).await?;
    Ok(api::json_response(status, &present(&site, &txt)))
}

pub async fn delete(ctx: &Ctx, raw_host: &str) -> Result<Resp, ApiError> {
    let host = host_param(raw_host)?;
    let store = ctx.store(CONFIGS_STORE).await?;
    // A system admin releases any tenant's host (a squatted one); a trainer only their own.
    let site = if ctx.role == Role::SystemAdmin {
        let raw = store
            .get(&schema::site_key(&host))
            .await?
            .ok_or_else(|| ApiError::NotFound(format!("no site {host}")))?;
        serde_json::from_slice::<Site>(&raw)
            .map_err(|e| ApiError::internal(format!("corrupt site {host}: {e}")))?
    } else {
        load_own(&store, &ctx.tenant, &host).await?.0
    };
    store.delete(&schema::site_key(&host)).await?;
    update_index(&store, &site.tenant_id, |hosts| {
        hosts.retain(|h| h != &host)
    })
    .await?;
    Ok(api::empty_response(StatusCode::NO_CONTENT))
}

/// The site as the API answers it, with what its owner must publish in DNS.
pub fn present(site: &Site, txt: &str) -> Value {
    json!({
        "host": site.host,
        "originUrl": site.origin_url,
        "consent": site.consent,
        "rules": site.rules,
        "requireSignedOrders": site.require_signed_orders,
        "verification": {
            "status": site.verification.status,
            "txtName": txt_name(&site.host),
            "txtValue": txt,
            "verifiedAt": site.verification.verified_at.map(iso),
        },
        "createdAt": iso(site.created_at),
        "updatedAt": iso(site.updated_at),
    })
}

/// The TXT value that proves the caller's tenant controls `host`.
pub async fn expected_txt(ctx: &Ctx, host: &str) -> Result<String, ApiError> {
    let secret = variable("auth_jwt_secret").await?;
    Ok(txt_value(secret.as_bytes(), ctx.tenant.as_str(), host))
}

async fn origin_policy() -> Result<OriginPolicy, ApiError> {
    let allow = variable("allow_private_origins").await?;
    let hosts = variable("app_hosts").await?;
    Ok(OriginPolicy::from_vars(&allow, &hosts))
}

pub fn host_param(raw: &str) -> Result<String, ApiError> {
    let decoded = edge_kit::auth::percent_decode(raw);
    parse_host(&decoded).map_err(|e| ApiError::field("host", "invalid_format", e.message))
}

/// The tenant's own site, or 404 (another tenant's host is not found, not forbidden).
pub async fn load_own(
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

pub async fn update_index(
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
