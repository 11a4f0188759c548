//! The ad platforms and the standard events: the vocabulary every other module speaks.

use serde::{Deserialize, Serialize};
use std::fmt;

/// An ad platform the product delivers to. Serialised as the API's `"Meta" | "Google" | "TikTok"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Platform {
    Meta,
    Google,
    TikTok,
}

impl Platform {
    pub const ALL: [Platform; 3] = [Platform::Meta, Platform::Google, Platform::TikTok];

    /// The API's name (`"Meta"`, `"Google"`, `"TikTok"`).
    pub fn as_str(self) -> &'static str {
        match self {
            Platform::Meta => "Meta",
            Platform::Google => "Google",
            Platform::TikTok => "TikTok",
        }
    }

    /// Parse the API's name; case-insensitive, `"Google Ads"` accepted.
    pub fn parse(s: &str) -> Option<Platform> {
        match s.trim().to_ascii_lowercase().as_str() {
            "meta" | "facebook" => Some(Platform::Meta),
            "google" | "google ads" | "googleads" => Some(Platform::Google),
            "tiktok" => Some(Platform::TikTok),
            _ => None,
        }
    }

    /// The most events one request may carry (PLATFORMS.md).
    pub fn batch_limit(self) -> usize {
        match self {
            Platform::Meta => 1_000,
            Platform::TikTok => 1_000,
            Platform::Google => 2_000,
        }
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A standard conversion event. Serialised with the spec's names (`"PURCHASE"`, `"PAGE_VIEW"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum StandardEvent {
    PageView,
    ViewContent,
    Lead,
    Schedule,
    InitiateCheckout,
    Purchase,
    Subscribe,
    CompleteRegistration,
    StartTrial,
    Contact,
    AddToCart,
    AddPaymentInfo,
    Search,
    SubmitApplication,
}

impl StandardEvent {
    pub const ALL: [StandardEvent; 14] = [
        StandardEvent::PageView,
        StandardEvent::ViewContent,
        StandardEvent::Lead,
        StandardEvent::Schedule,
        StandardEvent::InitiateCheckout,
        StandardEvent::Purchase,
        StandardEvent::Subscribe,
        StandardEvent::CompleteRegistration,
        StandardEvent::StartTrial,
        StandardEvent::Contact,
        StandardEvent::AddToCart,
        StandardEvent::AddPaymentInfo,
        StandardEvent::Search,
        StandardEvent::SubmitApplication,
    ];

    /// The spec's name: `PURCHASE`, `PAGE_VIEW`, ...
    pub fn spec_name(self) -> &'static str {
        match self {
            StandardEvent::PageView => "PAGE_VIEW",
            StandardEvent::ViewContent => "VIEW_CONTENT",
            StandardEvent::Lead => "LEAD",
            StandardEvent::Schedule => "SCHEDULE",
            StandardEvent::InitiateCheckout => "INITIATE_CHECKOUT",
            StandardEvent::Purchase => "PURCHASE",
            StandardEvent::Subscribe => "SUBSCRIBE",
            StandardEvent::CompleteRegistration => "COMPLETE_REGISTRATION",
            StandardEvent::StartTrial => "START_TRIAL",
            StandardEvent::Contact => "CONTACT",
            StandardEvent::AddToCart => "ADD_TO_CART",
            StandardEvent::AddPaymentInfo => "ADD_PAYMENT_INFO",
            StandardEvent::Search => "SEARCH",
            StandardEvent::SubmitApplication => "SUBMIT_APPLICATION",
        }
    }

    /// Meta's standard name (also the canonical CamelCase name): `Purchase`, `PageView`.
    pub fn camel_name(self) -> &'static str {
        match self {
            StandardEvent::PageView => "PageView",
            StandardEvent::ViewContent => "ViewContent",
            StandardEvent::Lead => "Lead",
            StandardEvent::Schedule => "Schedule",
            StandardEvent::InitiateCheckout => "InitiateCheckout",
            StandardEvent::Purchase => "Purchase",
            StandardEvent::Subscribe => "Subscribe",
            StandardEvent::CompleteRegistration => "CompleteRegistration",
            StandardEvent::StartTrial => "StartTrial",
            StandardEvent::Contact => "Contact",
            StandardEvent::AddToCart => "AddToCart",
            StandardEvent::AddPaymentInfo => "AddPaymentInfo",
            StandardEvent::Search => "Search",
            StandardEvent::SubmitApplication => "SubmitApplication",
        }
    }

    /// Parse a spec name (`PURCHASE`) or a platform's own name as an alias (`Purchase`,
    /// `PageView`, TikTok's `Pageview`, legacy `CompletePayment`/`SubmitForm`).
    pub fn parse(s: &str) -> Option<StandardEvent> {
        let s = s.trim();
        if let Some(e) = StandardEvent::ALL
            .into_iter()
            .find(|e| e.spec_name() == s || e.camel_name().eq_ignore_ascii_case(s))
        {
            return Some(e);
        }
        match s {
            "CompletePayment" => Some(StandardEvent::Purchase),
            "SubmitForm" => Some(StandardEvent::Lead),
            _ => None,
        }
    }
}

impl fmt::Display for StandardEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.spec_name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_names_and_platform_aliases_parse() {
        for e in StandardEvent::ALL {
            assert_eq!(StandardEvent::parse(e.spec_name()), Some(e));
            assert_eq!(StandardEvent::parse(e.camel_name()), Some(e));
        }
        assert_eq!(
            StandardEvent::parse("Pageview"),
            Some(StandardEvent::PageView)
        );
        assert_eq!(
            StandardEvent::parse("CompletePayment"),
            Some(StandardEvent::Purchase)
        );
        assert_eq!(StandardEvent::parse("purchase_made"), None);
        assert_eq!(
            serde_json::to_string(&StandardEvent::InitiateCheckout).unwrap(),
            "\"INITIATE_CHECKOUT\""
        );
    }
}
