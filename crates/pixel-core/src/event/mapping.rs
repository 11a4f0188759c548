//! TrainerERP's internal event names and the standard events they become.
//!
//! The defaults are the product's; a tracking config may override any entry (for example to
//! count a subscription renewal as a Purchase rather than a Subscribe) or map a new name.

use crate::platform::StandardEvent;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// TrainerERP's internal events and their default standard event.
pub const DEFAULT_MAPPING: [(&str, StandardEvent); 7] = [
    ("cliente.pago_exitoso", StandardEvent::Purchase),
    ("lead.registrado", StandardEvent::Lead),
    ("cita.agendada", StandardEvent::Schedule),
    ("checkout.iniciado", StandardEvent::InitiateCheckout),
    ("suscripcion.renovada", StandardEvent::Subscribe),
    ("pagina.vista", StandardEvent::PageView),
    ("contenido.visto", StandardEvent::ViewContent),
];

/// What an internal event becomes under a config's mapping.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "event")]
pub enum InternalEventTarget {
    Standard(StandardEvent),
    /// The config chose not to send this internal event at all.
    Ignored,
}

/// A config's overrides on top of [`DEFAULT_MAPPING`], keyed by internal event name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct EventMapping {
    pub overrides: BTreeMap<String, InternalEventTarget>,
}

impl EventMapping {
    /// The standard event for an internal name: the override, else the default, else a
    /// standard event's own name (`PURCHASE`, `Purchase`) so the backend may also send those.
    pub fn resolve(&self, internal: &str) -> Option<StandardEvent> {
        let internal = internal.trim();
        if let Some(target) = self.overrides.get(internal) {
            return match target {
                InternalEventTarget::Standard(e) => Some(*e),
                InternalEventTarget::Ignored => None,
            };
        }
        default_standard_event(internal).or_else(|| StandardEvent::parse(internal))
    }
}

/// The default standard event of a TrainerERP internal event name.
pub fn default_standard_event(internal: &str) -> Option<StandardEvent> {
    DEFAULT_MAPPING
        .iter()
        .find(|(name, _)| *name == internal)
        .map(|(_, e)| *e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_follow_the_product_table() {
        let m = EventMapping::default();
        let table = [
            ("cliente.pago_exitoso", Some(StandardEvent::Purchase)),
            ("lead.registrado", Some(StandardEvent::Lead)),
            ("cita.agendada", Some(StandardEvent::Schedule)),
            ("checkout.iniciado", Some(StandardEvent::InitiateCheckout)),
            ("suscripcion.renovada", Some(StandardEvent::Subscribe)),
            ("pagina.vista", Some(StandardEvent::PageView)),
            ("contenido.visto", Some(StandardEvent::ViewContent)),
            ("PURCHASE", Some(StandardEvent::Purchase)),
            ("cliente.borrado", None),
        ];
        for (internal, want) in table {
            assert_eq!(m.resolve(internal), want, "{internal}");
        }
    }

    #[test]
    fn a_config_can_count_renewals_as_purchases_or_ignore_page_views() {
        let m: EventMapping = serde_json::from_str(
            r#"{"suscripcion.renovada":{"kind":"standard","event":"PURCHASE"},
                "pagina.vista":{"kind":"ignored"}}"#,
        )
        .unwrap();
        assert_eq!(
            m.resolve("suscripcion.renovada"),
            Some(StandardEvent::Purchase)
        );
        assert_eq!(m.resolve("pagina.vista"), None);
        assert_eq!(m.resolve("lead.registrado"), Some(StandardEvent::Lead));
    }
}
