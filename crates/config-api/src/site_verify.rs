//! `POST /sites/{host}/verify`: looks the site's ownership TXT record up over DNS-over-HTTPS
//! (`dns_resolver_url`, the JSON dialect) and marks the site verified when it holds the
//! expected text. Every failure is a 4xx that says what was looked up and what was found, so a
//! trainer can fix the record; a resolver that fails is a 502.

use edge_kit::api::{ApiError, Resp, json_response};
use edge_kit::host::variable;
use edge_kit::outbound::send;
use http::{Method, StatusCode};
use pixel_core::kv::KvStore;
use pixel_core::schema::{self, CONFIGS_STORE};
use pixel_core::site::verification::{Lookup, read_answer, txt_name};
use pixel_core::site::{Site, VerificationStatus};
use serde_json::{Value, json};

use crate::ctx::Ctx;
use crate::sites::{expected_txt, host_param, load_own, present};

const RESOLVER_TIMEOUT_MS: u64 = 5_000;

pub async fn verify(ctx: &Ctx, raw_host: &str) -> Result<Resp, ApiError> {
    let host = host_param(raw_host)?;
    let store = ctx.store(CONFIGS_STORE).await?;
    let (site, raw) = load_own(&store, &ctx.tenant, &host).await?;
    if site.verification.is_verified() {
        return Ok(json_response(
            StatusCode::OK,
            &present(&site, &expected_txt(ctx, &host).await?),
        ));
    }
    let expected = expected_txt(ctx, &host).await?;
    let name = txt_name(&host);
    match lookup(&name, &expected).await? {
        Lookup::Found => {}
        Lookup::Missing => {
            return Err(not_proven(
                format!("no TXT record found at {name}"),
                &name,
                &expected,
                Value::Null,
            ));
        }
        Lookup::Mismatch(seen) => {
            return Err(not_proven(
                format!("the TXT records at {name} do not hold the expected value"),
                &name,
                &expected,
                json!(seen),
            ));
        }
        Lookup::ResolverError(why) => {
            return Err(ApiError::BadGateway(format!(
                "the DNS resolver could not answer for {name}: {why}; retry later"
            )));
        }
    }
    let mut verified = site.clone();
    verified.verification.status = VerificationStatus::Verified;
    verified.verification.verified_at = Some(ctx.now_ms);
    verified.updated_at = ctx.now_ms;
    let bytes = serde_json::to_vec(&verified).map_err(ApiError::internal)?;
    if !store
        .compare_and_swap(&schema::site_key(&host), Some(&raw), &bytes)
        .await?
    {
        return Err(ApiError::Conflict(format!(
            "the site {host} changed while it was being verified; retry"
        )));
    }
    Ok(json_response(
        StatusCode::OK,
        &present(&verified, &expected),
    ))
}

fn not_proven(message: String, name: &str, expected: &str, found: Value) -> ApiError {
    ApiError::Unprocessable {
        message: format!("{message}: add a TXT record {name} with the value {expected}"),
        details: json!({"txtName": name, "txtValue": expected, "found": found}),
    }
}

/// Ask the resolver for the TXT records at `name`.
async fn lookup(name: &str, expected: &str) -> Result<Lookup, ApiError> {
    let base = variable("dns_resolver_url").await?;
    let sep = if base.contains('?') { '&' } else { '?' };
    let url = format!("{}{sep}name={name}&type=TXT", base.trim());
    let answer = send(
        Method::GET,
        &url,
        &[("accept", "application/dns-json")],
        None,
        RESOLVER_TIMEOUT_MS,
    )
    .await
    .map_err(|e| ApiError::BadGateway(format!("the DNS resolver could not be reached: {e}")))?;
    if answer.status != 200 {
        return Ok(Lookup::ResolverError(format!(
            "HTTP status {}",
            answer.status
        )));
    }
    let body: Value = match serde_json::from_slice(&answer.body) {
        Ok(v) => v,
        Err(_) => return Ok(Lookup::ResolverError("an answer that is not JSON".into())),
    };
    Ok(read_answer(&body, expected))
}

/// Whether `site` is someone else's verified claim (what makes a PUT a 409).
pub fn held_by_other(site: &Site, ctx: &Ctx) -> bool {
    site.tenant_id != ctx.tenant && site.verification.is_verified()
}

/// Drop `host` from `site`'s previous owner's index, after the site changed hands.
pub async fn forget_previous_owner(
    store: &impl KvStore,
    previous: &Site,
    host: &str,
) -> Result<(), ApiError> {
    crate::sites::update_index(store, &previous.tenant_id, |hosts| {
        hosts.retain(|h| h != host)
    })
    .await
}
