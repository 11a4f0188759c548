//! Sites: which tenant a hostname belongs to, where its origin is, how consent is read, and what
//! each path means to the edge (content, lead form, checkout, thank-you page).
//!
//! A site is created with `PUT /api/v1/marketing/sites/{host}`; every field but `originUrl` has
//! a default, chosen for the Spanish-speaking trainers' sites TrainerERP hosts.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::config::{FieldError, TenantId};

pub mod origin;
pub mod verification;

pub use verification::{Verification, VerificationStatus};

/// The consent cookie TrainerERP's banner writes (`marketing=granted|denied`).
pub const DEFAULT_CONSENT_COOKIE: &str = "tr_consent";
/// The most patterns one rule list may hold.
pub const MAX_PATTERNS: usize = 50;

/// What the edge does when a visitor has given no consent signal at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ConsentPolicy {
    /// No signal = no consent (the default, as GDPR requires in Spain).
    OptIn,
    /// No signal = consent, where the law allows it.
    OptOut,
}

/// How the site's consent is read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConsentSettings {
    pub cookie: String,
    pub policy: ConsentPolicy,
    /// Ask Meta to apply Limited Data Use to visitors it locates in US states whose privacy
    /// laws require it (California among them). Off by default.
    #[serde(default)]
    pub limited_data_use: bool,
}

impl Default for ConsentSettings {
    fn default() -> Self {
        Self {
            cookie: DEFAULT_CONSENT_COOKIE.into(),
            policy: ConsentPolicy::OptIn,
            limited_data_use: false,
        }
    }
}

/// Path patterns (with `*` matching any run of characters) per kind of page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SiteRules {
    pub content_paths: Vec<String>,
    pub lead_paths: Vec<String>,
    pub checkout_paths: Vec<String>,
    pub thank_you_paths: Vec<String>,
}

impl Default for SiteRules {
    fn default() -> Self {
        let v = |xs: &[&str]| xs.iter().map(|s| (*s).to_owned()).collect();
        Self {
            content_paths: v(&["/blog/*", "/programas/*", "/servicios/*"]),
            lead_paths: v(&["/contacto", "/lead", "/registro", "/api/lead", "/api/leads"]),
            checkout_paths: v(&["/checkout", "/checkout/*", "/pago", "/pago/*"]),
            thank_you_paths: v(&["/gracias", "/gracias/*", "/thank-you", "/thanks"]),
        }
    }
}

/// What a path means to the edge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageKind {
    Content,
    Lead,
    Checkout,
    ThankYou,
    Plain,
}

impl SiteRules {
    /// The first kind whose patterns match `path` (thank-you, checkout, lead, content, in that
    /// order: the most specific conversion wins).
    pub fn classify(&self, path: &str) -> PageKind {
        let any = |ps: &[String]| ps.iter().any(|p| glob_match(p, path));
        if any(&self.thank_you_paths) {
            PageKind::ThankYou
        } else if any(&self.checkout_paths) {
            PageKind::Checkout
        } else if any(&self.lead_paths) {
            PageKind::Lead
        } else if any(&self.content_paths) {
            PageKind::Content
        } else {
            PageKind::Plain
        }
    }
}

/// A site as stored under `schema::site_key(host)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Site {
    pub host: String,
    pub tenant_id: TenantId,
    pub origin_url: String,
    pub consent: ConsentSettings,
    pub rules: SiteRules,
    /// Whether a thank-you page's Purchase needs TrainerERP's signature over order and value.
    #[serde(default)]
    pub require_signed_orders: bool,
    /// Whether the tenant has proven control of the host (a site stored before ownership
    /// checks existed reads as pending).
    #[serde(default)]
    pub verification: Verification,
    /// Unix ms.
    pub created_at: i64,
    /// Unix ms.
    pub updated_at: i64,
}

/// `*` matches any run of characters (including `/`); everything else matches itself.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let (p, t) = (pattern.as_bytes(), text.as_bytes());
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && p[pi] == b'*' {
            star = Some((pi, ti));
            pi += 1;
        } else if pi < p.len() && p[pi] == t[ti] {
            pi += 1;
            ti += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&b| b == b'*')
}

/// Normalise and check a hostname as used in `sites/{host}`: lowercase, letters, digits,
/// hyphens and dots, an optional `:port`.
pub fn parse_host(raw: &str) -> Result<String, FieldError> {
    let host = raw.trim().trim_end_matches('.').to_ascii_lowercase();
    let (name, port) = match host.rsplit_once(':') {
        Some((n, p)) => (n, Some(p)),
        None => (host.as_str(), None),
    };
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    };
    let port_ok = port.is_none_or(|p| p.parse::<u16>().is_ok_and(|n| n > 0));
    if name.is_empty() || name.len() > 253 || !name.split('.').all(label_ok) || !port_ok {
        return Err(FieldError::new(
            "host",
            "invalid_format",
            "must be a hostname such as www.example.com (letters, digits, hyphens, dots)",
        ));
    }
    Ok(host)
}

/// The validated body of `PUT /sites/{host}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteInput {
    pub origin_url: String,
    pub consent: ConsentSettings,
    pub rules: SiteRules,
    pub require_signed_orders: bool,
}

/// Validate a site body, reporting every bad field at once.
pub fn validate_site(body: &Value) -> Result<SiteInput, Vec<FieldError>> {
    let mut errors = Vec::new();
    let Some(obj) = body.as_object() else {
        return Err(vec![FieldError::new(
            "",
            "invalid_type",
            "the body must be a JSON object",
        )]);
    };
    for k in obj.keys() {
        if !["originUrl", "consent", "rules", "requireSignedOrders"].contains(&k.as_str()) {
            errors.push(FieldError::new(
                k.clone(),
                "unknown_field",
                format!("unknown field {k}"),
            ));
        }
    }
    let origin_url = match obj.get("originUrl") {
        None | Some(Value::Null) => {
            errors.push(FieldError::new(
                "originUrl",
                "required",
                "originUrl is required",
            ));
            String::new()
        }
        Some(Value::String(s)) => match parse_origin(s) {
            Ok(u) => u,
            Err(e) => {
                errors.push(e);
                String::new()
            }
        },
        Some(_) => {
            errors.push(FieldError::new(
                "originUrl",
                "invalid_type",
                "must be a string",
            ));
            String::new()
        }
    };
    let consent = parse_consent(obj.get("consent"), &mut errors);
    let rules = parse_rules(obj.get("rules"), &mut errors);
    let require_signed_orders = match obj.get("requireSignedOrders") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => {
            errors.push(FieldError::new(
                "requireSignedOrders",
                "invalid_type",
                "must be true or false",
            ));
            false
        }
    };
    if errors.is_empty() {
        Ok(SiteInput {
            origin_url,
            consent,
            rules,
            require_signed_orders,
        })
    } else {
        Err(errors)
    }
}

/// The origin policy's verdict on a (syntactically valid) origin URL, as a field error.
pub fn check_origin(origin_url: &str, policy: &origin::OriginPolicy) -> Result<(), FieldError> {
    let host = origin::origin_host(origin_url).unwrap_or("");
    origin::check_origin_host(host, policy)
        .map_err(|why| FieldError::new("originUrl", "forbidden_origin", why))
}

fn parse_origin(s: &str) -> Result<String, FieldError> {
    let bad = |m: &str| FieldError::new("originUrl", "invalid_format", m);
    let s = s.trim().trim_end_matches('/');
    let rest = s
        .strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"))
        .ok_or_else(|| bad("must start with http:// or https://"))?;
    if rest.contains(['?', '#', ' ']) || rest.contains('@') {
        return Err(bad(
            "must be a plain origin URL, without query, fragment or credentials",
        ));
    }
    let authority = rest.split('/').next().unwrap_or("");
    parse_host(authority).map_err(|_| bad("must name a valid host"))?;
    Ok(s.to_owned())
}

fn parse_consent(v: Option<&Value>, errors: &mut Vec<FieldError>) -> ConsentSettings {
    let mut consent = ConsentSettings::default();
    let Some(v) = v.filter(|v| !v.is_null()) else {
        return consent;
    };
    let Some(obj) = v.as_object() else {
        errors.push(FieldError::new(
            "consent",
            "invalid_type",
            "must be an object",
        ));
        return consent;
    };
    for (k, val) in obj {
        match (k.as_str(), val) {
            ("cookie", Value::String(c))
                if !c.is_empty()
                    && c.len() <= 64
                    && c.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b)) =>
            {
                consent.cookie = c.clone();
            }
            ("cookie", _) => errors.push(FieldError::new(
                "consent.cookie",
                "invalid_format",
                "must be a cookie name (letters, digits, - _ .), at most 64 characters",
            )),
            ("policy", Value::String(p)) if p == "opt-in" => consent.policy = ConsentPolicy::OptIn,
            ("policy", Value::String(p)) if p == "opt-out" => {
                consent.policy = ConsentPolicy::OptOut
            }
            ("policy", _) => errors.push(FieldError::new(
                "consent.policy",
                "invalid_value",
                "must be \"opt-in\" or \"opt-out\"",
            )),
            ("limitedDataUse", Value::Bool(b)) => consent.limited_data_use = *b,
            ("limitedDataUse", _) => errors.push(FieldError::new(
                "consent.limitedDataUse",
                "invalid_type",
                "must be true or false",
            )),
            (other, _) => errors.push(FieldError::new(
                format!("consent.{other}"),
                "unknown_field",
                format!("unknown field {other}"),
            )),
        }
    }
    consent
}

fn parse_rules(v: Option<&Value>, errors: &mut Vec<FieldError>) -> SiteRules {
    let mut rules = SiteRules::default();
    let Some(v) = v.filter(|v| !v.is_null()) else {
        return rules;
    };
    let Some(obj) = v.as_object() else {
        errors.push(FieldError::new(
            "rules",
            "invalid_type",
            "must be an object",
        ));
        return rules;
    };
    for (k, val) in obj {
        let slot = match k.as_str() {
            "contentPaths" => &mut rules.content_paths,
            "leadPaths" => &mut rules.lead_paths,
            "checkoutPaths" => &mut rules.checkout_paths,
            "thankYouPaths" => &mut rules.thank_you_paths,
            other => {
                errors.push(FieldError::new(
                    format!("rules.{other}"),
                    "unknown_field",
                    format!("unknown field {other}"),
                ));
                continue;
            }
        };
        match parse_patterns(&format!("rules.{k}"), val) {
            Ok(ps) => *slot = ps,
            Err(mut es) => errors.append(&mut es),
        }
    }
    rules
}

fn parse_patterns(field: &str, v: &Value) -> Result<Vec<String>, Vec<FieldError>> {
    let Some(items) = v.as_array() else {
        return Err(vec![FieldError::new(
            field,
            "invalid_type",
            "must be an array of path patterns",
        )]);
    };
    if items.len() > MAX_PATTERNS {
        return Err(vec![FieldError::new(
            field,
            "too_long",
            format!("at most {MAX_PATTERNS} patterns"),
        )]);
    }
    let mut errors = Vec::new();
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        match item.as_str() {
            Some(p)
                if (p.starts_with('/') || p.starts_with('*'))
                    && p.len() <= 200
                    && !p.contains(char::is_whitespace) =>
            {
                out.push(p.to_owned())
            }
            _ => errors.push(FieldError::new(
                format!("{field}[{i}]"),
                "invalid_format",
                "must be a path pattern starting with / or *, at most 200 characters, no spaces",
            )),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests;
