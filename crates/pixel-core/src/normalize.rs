//! Field normalisation before hashing, per platform rule (PLATFORMS.md).
//!
//! A hash only matches when both sides normalised the same way, so these functions follow the
//! platforms' published rules literally. Each returns `None` for input that cannot be a valid
//! value: sending the hash of garbage only lowers match quality.

mod location;
pub use location::{country, is_iso_country, postal_code_clear, region_code};

/// Which platform's e-mail rule applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmailScheme {
    /// Trim and lowercase (Meta, TikTok).
    Standard,
    /// Also drop the dots of a Gmail local part, as Google does on its side.
    Google,
}

/// Trim, lowercase; for [`EmailScheme::Google`] also remove dots in `@gmail.com` /
/// `@googlemail.com` local parts.
pub fn email(raw: &str, scheme: EmailScheme) -> Option<String> {
    let lower = raw.trim().to_lowercase();
    let (local, domain) = lower.rsplit_once('@')?;
    let domain_ok = domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.chars().any(char::is_whitespace);
    if local.is_empty() || local.contains('@') || local.chars().any(char::is_whitespace) {
        return None;
    }
    if !domain_ok {
        return None;
    }
    let local = if scheme == EmailScheme::Google && matches!(domain, "gmail.com" | "googlemail.com")
    {
        local.replace('.', "")
    } else {
        local.to_owned()
    };
    Some(format!("{local}@{domain}"))
}

/// A phone number in E.164, stored as its digits (country code first, no `+`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phone {
    digits: String,
}

impl Phone {
    /// Parse what a visitor typed. `+` or `00` start an international number; anything else is
    /// national and gets the calling code of `default_country` (the tenant's, ISO-2, e.g. `ES`),
    /// after dropping one trunk `0` except in Italy, where the leading 0 is part of the number.
    /// `None` for an unknown country, or outside E.164's 8-15 digits.
    pub fn parse(raw: &str, default_country: &str) -> Option<Phone> {
        let trimmed = raw.trim();
        if trimmed.is_empty()
            || !trimmed
                .chars()
                .all(|c| c.is_ascii_digit() || " +-().\u{a0}/".contains(c))
        {
            return None;
        }
        let international = trimmed.starts_with('+');
        // "+44 (0)20 ..." shows the national trunk 0 in brackets; it is not dialled from abroad.
        let cleaned = if international {
            trimmed.replace("(0)", "")
        } else {
            trimmed.to_owned()
        };
        let digits: String = cleaned.chars().filter(char::is_ascii_digit).collect();
        let full = if international {
            digits
        } else if let Some(rest) = digits.strip_prefix("00") {
            rest.to_owned()
        } else {
            let code = calling_code(default_country)?;
            let code_text = code.to_string();
            // Backends often store "34612345678": the country code without `+`. Where the
            // national length is fixed, that shape cannot be a national number.
            let has_code = national_len(default_country).is_some_and(|len| {
                digits.len() == code_text.len() + len && digits.starts_with(&code_text)
            });
            if has_code {
                digits
            } else {
                let national = match digits.strip_prefix('0') {
                    Some(rest) if code != 39 => rest,
                    _ => digits.as_str(),
                };
                format!("{code}{national}")
            }
        };
        if !(8..=15).contains(&full.len()) || full.starts_with('0') {
            return None;
        }
        Some(Phone { digits: full })
    }

    /// Meta's form: digits only, country code included, no `+`.
    pub fn meta_form(&self) -> String {
        self.digits.clone()
    }

    /// Google's and TikTok's form: E.164 with `+`.
    pub fn e164(&self) -> String {
        format!("+{}", self.digits)
    }
}

/// The international calling code of an ISO-2 country, for the countries TrainerERP sells in
/// and their neighbours. Unknown countries give `None`: a national number is then dropped
/// rather than sent with a guessed prefix.
pub fn calling_code(country: &str) -> Option<u16> {
    let code = match country.trim().to_ascii_uppercase().as_str() {
        "ES" => 34,
        "PT" => 351,
        "FR" => 33,
        "IT" => 39,
        "DE" => 49,
        "GB" | "UK" => 44,
        "IE" => 353,
        "NL" => 31,
        "BE" => 32,
        "CH" => 41,
        "AT" => 43,
        "AD" => 376,
        "US" | "CA" => 1,
        "MX" => 52,
        "AR" => 54,
        "CO" => 57,
        "CL" => 56,
        "PE" => 51,
        "BR" => 55,
        "UY" => 598,
        "EC" => 593,
        "VE" => 58,
        _ => return None,
    };
    Some(code)
}

/// The fixed length of national numbers (without trunk 0), where a country has one.
fn national_len(country: &str) -> Option<usize> {
    match country.trim().to_ascii_uppercase().as_str() {
        "ES" | "PT" | "FR" | "IE" | "BE" => Some(9),
        "US" | "CA" | "MX" | "GB" | "UK" => Some(10),
        _ => None,
    }
}

/// First or last name: lowercase, punctuation removed, letters of any script kept, inner
/// whitespace collapsed to one space.
pub fn name(raw: &str) -> Option<String> {
    let kept: String = raw
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || c.is_whitespace())
        .collect();
    non_empty(kept.split_whitespace().collect::<Vec<_>>().join(" "))
}

/// City: lowercase, no spaces, no punctuation (`"San Sebastián de los Reyes"` ->
/// `"sansebastiándelosreyes"`).
pub fn city(raw: &str) -> Option<String> {
    non_empty(
        raw.to_lowercase()
            .chars()
            .filter(|c| c.is_alphanumeric())
            .collect(),
    )
}

/// State or province: lowercase, letters and digits only (Meta asks for the 2-letter code in
/// the US and this form elsewhere).
pub fn state(raw: &str) -> Option<String> {
    city(raw)
}

/// Postal code as Meta hashes it: lowercase, no spaces or dashes; a US ZIP+4 (`94043-1351`,
/// any country given or none) keeps only the part before the dash, and in the US only the
/// first 5 digits count.
pub fn zip(raw: &str, country: Option<&str>) -> Option<String> {
    let trimmed = raw.trim();
    let zip_plus_four = trimmed.split_once('-').is_some_and(|(head, tail)| {
        head.len() == 5
            && tail.len() == 4
            && head.bytes().chain(tail.bytes()).all(|b| b.is_ascii_digit())
    });
    let us_like = zip_plus_four && country.is_none_or(|c| c.eq_ignore_ascii_case("us"));
    let source = if us_like { &trimmed[..5] } else { trimmed };
    let compact: String = source
        .to_lowercase()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect();
    if country.is_some_and(|c| c.eq_ignore_ascii_case("us")) && compact.len() >= 5 {
        let five = &compact[..5];
        return five
            .bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| five.to_owned());
    }
    non_empty(compact)
}

/// Date of birth as `YYYYMMDD`, from `YYYY-MM-DD`, `YYYY/MM/DD` or `YYYYMMDD`.
pub fn date_of_birth(raw: &str) -> Option<String> {
    let digits: String = raw
        .trim()
        .chars()
        .filter(|c| *c != '-' && *c != '/')
        .collect();
    if digits.len() != 8 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let year: u32 = digits[..4].parse().ok()?;
    let month: u32 = digits[4..6].parse().ok()?;
    let day: u32 = digits[6..].parse().ok()?;
    let ok = (1900..=2100).contains(&year) && (1..=12).contains(&month) && (1..=31).contains(&day);
    ok.then_some(digits)
}

/// Gender as Meta's single letter, `f` or `m`.
pub fn gender(raw: &str) -> Option<String> {
    match raw.trim().to_lowercase().as_str() {
        "f" | "female" | "woman" | "mujer" => Some("f".to_owned()),
        "m" | "male" | "man" | "hombre" => Some("m".to_owned()),
        _ => None,
    }
}

/// External id: trimmed only. Ids may be case-sensitive, and the pixel sends the same id the
/// backend does, so changing case would break the match.
pub fn external_id(raw: &str) -> Option<String> {
    non_empty(raw.trim().to_owned())
}

fn non_empty(s: String) -> Option<String> {
    (!s.is_empty()).then_some(s)
}

#[cfg(test)]
mod tests;
