//! Application variables and `{{ name }}` templates, resolved once at start-up.
//!
//! Precedence, as Spin's providers: `--variable`, then `SPIN_VARIABLE_<NAME>`, then the manifest
//! default. Spin resolves a component variable on each `get`; resolving at start-up gives the same
//! values because these providers are static, and lets a missing required value stop start-up.

use crate::manifest::Manifest;
use anyhow::{Context, Result, anyhow, bail};
use std::collections::{BTreeMap, HashMap};

/// Spin's rule for variable names: lowercase ASCII letters, digits and single underscores,
/// starting with a letter.
pub fn check_name(name: &str) -> Result<()> {
    let ok = name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !name.contains("__")
        && !name.ends_with('_');
    if ok {
        Ok(())
    } else {
        bail!(
            "{name:?} must be lowercase letters, digits and single underscores, starting with a letter"
        )
    }
}

/// One piece of a template.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Literal(String),
    Var(String),
}

fn parse_template(template: &str) -> Result<Vec<Part>> {
    let mut parts = Vec::new();
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        if start > 0 {
            parts.push(Part::Literal(rest[..start].to_string()));
        }
        let after = &rest[start + 2..];
        let end = after
            .find("}}")
            .ok_or_else(|| anyhow!("unterminated `{{{{` in {template:?}"))?;
        let name = after[..end].trim();
        check_name(name).with_context(|| format!("in template {template:?}"))?;
        parts.push(Part::Var(name.to_string()));
        rest = &after[end + 2..];
    }
    if !rest.is_empty() {
        parts.push(Part::Literal(rest.to_string()));
    }
    Ok(parts)
}

/// The application variables' values, after precedence and the required check.
#[derive(Debug, Clone, Default)]
pub struct Variables {
    values: HashMap<String, String>,
}

impl Variables {
    /// Resolves every application variable. `env` is the process environment (passed in so tests
    /// can give their own); a required variable without a value is an error naming it.
    pub fn resolve(
        manifest: &Manifest,
        cli: &[(String, String)],
        env: &HashMap<String, String>,
    ) -> Result<Variables> {
        let cli: BTreeMap<&str, &str> = cli.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        for key in cli.keys() {
            if !manifest.variables.contains_key(*key) {
                // Spin ignores values for undeclared variables; say so instead of silently dropping.
                tracing::warn!("--variable {key}: no such application variable in the manifest");
            }
        }
        let mut values = HashMap::new();
        let mut missing = Vec::new();
        for (name, decl) in &manifest.variables {
            let env_name = format!("SPIN_VARIABLE_{}", name.to_ascii_uppercase());
            let value = cli
                .get(name.as_str())
                .map(|v| v.to_string())
                .or_else(|| env.get(&env_name).cloned())
                .or_else(|| decl.default.clone());
            match value {
                Some(v) => {
                    values.insert(name.clone(), v);
                }
                None if decl.required => missing.push(name.clone()),
                None => {}
            }
        }
        if !missing.is_empty() {
            let list: Vec<String> = missing
                .iter()
                .map(|n| {
                    format!(
                        "{n} (--variable {n}=VALUE or SPIN_VARIABLE_{})",
                        n.to_ascii_uppercase()
                    )
                })
                .collect();
            bail!(
                "required application variable has no value: {}",
                list.join(", ")
            );
        }
        Ok(Variables { values })
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }

    /// Expands `{{ name }}` references; an undeclared or unset variable is an error.
    pub fn expand(&self, template: &str) -> Result<String> {
        let mut out = String::new();
        for part in parse_template(template)? {
            match part {
                Part::Literal(s) => out.push_str(&s),
                Part::Var(name) => out
                    .push_str(self.get(&name).ok_or_else(|| {
                        anyhow!("variable {name:?} in {template:?} has no value")
                    })?),
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_split_into_literals_and_names() {
        assert_eq!(
            parse_template("a{{ x_1 }}b{{y}}").unwrap(),
            vec![
                Part::Literal("a".into()),
                Part::Var("x_1".into()),
                Part::Literal("b".into()),
                Part::Var("y".into())
            ]
        );
        assert!(parse_template("{{ Bad }}").is_err());
        assert!(parse_template("{{ open").is_err());
    }

    #[test]
    fn names_follow_spin_rules() {
        for ok in ["a", "meta_api_url", "x1"] {
            assert!(check_name(ok).is_ok(), "{ok}");
        }
        for bad in ["", "A", "1a", "a__b", "a_", "a-b"] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
    }
}
