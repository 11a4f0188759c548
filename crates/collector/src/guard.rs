//! What the edge refuses before it forwards anything: a request that already went through the
//! edge (the loop marker), the app's own paths, hosts no verified site serves, and origins the
//! origin policy forbids (checked again here, not only when the site was saved, because the
//! policy and the app's host names are variables that may have changed since).

use edge_kit::host::variable;
use http::HeaderMap;
use pixel_core::site::Site;
use pixel_core::site::origin::{OriginPolicy, check_origin_host, origin_host};
use std::rc::Rc;

/// Set on every request the edge forwards; a request arriving with it came from the edge
/// itself (an origin that points back at the app), and is refused instead of looping.
pub const LOOP_MARKER: &str = "x-trainererp-edge";

/// Paths that belong to the app on every host (Spin routes them to the API and the dashboard);
/// the edge never hands them to a site's origin, so no tenant can serve content there.
const APP_PATHS: [&str; 2] = ["/api/v1", "/dashboard/marketing/pixels"];

thread_local! {
    static POLICY: std::cell::RefCell<Option<Rc<OriginPolicy>>> = const { std::cell::RefCell::new(None) };
}

/// `allow_private_origins` and `app_hosts`, read once per instance (variables do not change
/// while the app runs). A variable that cannot be read means the strict default.
pub async fn policy() -> Rc<OriginPolicy> {
    if let Some(p) = POLICY.with(|c| c.borrow().clone()) {
        return p;
    }
    let allow = variable("allow_private_origins").await.unwrap_or_default();
    let hosts = variable("app_hosts").await.unwrap_or_default();
    let p = Rc::new(OriginPolicy::from_vars(&allow, &hosts));
    POLICY.with(|c| *c.borrow_mut() = Some(p.clone()));
    p
}

/// Why the edge will not serve a request, before looking at the origin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The request carries the loop marker.
    Loop,
    /// `/api/v1/...` or `/dashboard/marketing/pixels/...` reached the edge.
    AppPath,
    /// No site maps this host (or it is one of the app's own).
    UnknownHost,
    /// The site exists but its owner has not proven control of the host.
    Unverified,
    /// The site's origin is forbidden by the origin policy (the reason).
    Origin(String),
}

/// The verdict for a request to `host` and `path` with `headers`, given its site.
pub fn check(
    headers: &HeaderMap,
    host: &str,
    path: &str,
    site: Option<&Site>,
    policy: &OriginPolicy,
) -> Result<(), Refusal> {
    if headers.contains_key(LOOP_MARKER) {
        return Err(Refusal::Loop);
    }
    let app_path = APP_PATHS
        .iter()
        .any(|p| path == *p || path.strip_prefix(p).is_some_and(|r| r.starts_with('/')));
    if app_path {
        return Err(Refusal::AppPath);
    }
    if policy.is_app_host(host) {
        return Err(Refusal::UnknownHost);
    }
    let site = site.ok_or(Refusal::UnknownHost)?;
    if !site.verification.is_verified() {
        return Err(Refusal::Unverified);
    }
    let origin = origin_host(&site.origin_url).unwrap_or("");
    check_origin_host(origin, policy).map_err(Refusal::Origin)
}

/// Status, title and text of the page that answers a refusal (the reason is for the visitor's
/// eyes: no tenant data in it).
pub fn page_of(refusal: &Refusal) -> (http::StatusCode, &'static str, &'static str) {
    use http::StatusCode as S;
    match refusal {
        Refusal::Loop => (
            S::LOOP_DETECTED,
            "508 Loop Detected",
            "Este sitio apunta de nuevo a sí mismo (the site's origin points back at this edge)",
        ),
        Refusal::AppPath | Refusal::UnknownHost => (
            S::NOT_FOUND,
            "404 Sitio no encontrado",
            "Este dominio no está configurado en TrainerERP (this host is not configured)",
        ),
        Refusal::Unverified => (
            S::NOT_FOUND,
            "404 Sitio pendiente de verificación",
            "El propietario de este dominio aún no lo ha verificado (this host is not verified yet)",
        ),
        Refusal::Origin(_) => (
            S::BAD_GATEWAY,
            "502 Origen no permitido",
            "El servidor de origen de este sitio no está permitido (the site's origin is not allowed)",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pixel_core::config::TenantId;
    use pixel_core::site::{ConsentSettings, SiteRules, Verification, VerificationStatus};

    fn site(origin: &str, verified: bool) -> Site {
        Site {
            host: "www.x.es".into(),
            tenant_id: TenantId::parse("t").unwrap(),
            origin_url: origin.into(),
            consent: ConsentSettings::default(),
            rules: SiteRules::default(),
            require_signed_orders: false,
            verification: Verification {
                status: if verified {
                    VerificationStatus::Verified
                } else {
                    VerificationStatus::Pending
                },
                verified_at: None,
            },
            created_at: 0,
            updated_at: 0,
        }
    }

    #[test]
    fn refusals() {
        let p = OriginPolicy::from_vars("false", "app.x.es");
        let ok = site("https://origin.x.es", true);
        let none = HeaderMap::new();
        let mut looped = HeaderMap::new();
        looped.insert(LOOP_MARKER, "1".parse().unwrap());
        let c =
            |h: &HeaderMap, host: &str, path: &str, s: Option<&Site>| check(h, host, path, s, &p);
        assert_eq!(c(&none, "www.x.es", "/", Some(&ok)), Ok(()));
        assert_eq!(c(&none, "www.x.es", "/api/v10", Some(&ok)), Ok(()));
        assert_eq!(c(&none, "www.x.es", "/api/lead", Some(&ok)), Ok(()));
        assert_eq!(c(&looped, "www.x.es", "/", Some(&ok)), Err(Refusal::Loop));
        assert_eq!(
            c(&none, "www.x.es", "/api/v1/x", Some(&ok)),
            Err(Refusal::AppPath)
        );
        assert_eq!(
            c(&none, "www.x.es", "/dashboard/marketing/pixels", Some(&ok)),
            Err(Refusal::AppPath)
        );
        assert_eq!(
            c(&none, "app.x.es", "/", Some(&ok)),
            Err(Refusal::UnknownHost)
        );
        assert_eq!(c(&none, "www.x.es", "/", None), Err(Refusal::UnknownHost));
        let pending = site("https://origin.x.es", false);
        assert_eq!(
            c(&none, "www.x.es", "/", Some(&pending)),
            Err(Refusal::Unverified)
        );
        let inside = site("http://169.254.169.254", true);
        assert!(matches!(
            c(&none, "www.x.es", "/", Some(&inside)),
            Err(Refusal::Origin(_))
        ));
    }
}
