//! Normalisation tables: at least 20 cases per field family, the inputs TrainerERP's Spanish
//! customers actually type (accents, `+34 612 34 56 78`, `0034...`, gmail dots).

use super::*;

#[test]
fn email_table() {
    use EmailScheme::{Google, Standard};
    let cases: &[(&str, EmailScheme, Option<&str>)] = &[
        (
            "  Jane.Doe@Example.COM ",
            Standard,
            Some("jane.doe@example.com"),
        ),
        (
            "  Jane.Doe@Example.COM ",
            Google,
            Some("jane.doe@example.com"),
        ),
        ("Jane.Doe@GMail.com", Standard, Some("jane.doe@gmail.com")),
        ("Jane.Doe@GMail.com", Google, Some("janedoe@gmail.com")),
        ("Jane.Doe@Gmail.Com", Google, Some("janedoe@gmail.com")),
        (
            "j.a.n.e@googlemail.com",
            Google,
            Some("jane@googlemail.com"),
        ),
        ("jane+ads@gmail.com", Google, Some("jane+ads@gmail.com")),
        ("JANE@EXAMPLE.ES", Standard, Some("jane@example.es")),
        (
            "\tmaria.lopez@hotmail.es\n",
            Standard,
            Some("maria.lopez@hotmail.es"),
        ),
        // Dots only vanish for Gmail: Hotmail treats them as part of the address.
        (
            "maria.lopez@hotmail.es",
            Google,
            Some("maria.lopez@hotmail.es"),
        ),
        ("José@Correo.es", Standard, Some("josé@correo.es")),
        (
            "first.last@sub.gmail.com",
            Google,
            Some("first.last@sub.gmail.com"),
        ),
        ("a.b@gmail.com.", Standard, None),
        ("not an email", Standard, None),
        ("@example.com", Standard, None),
        ("jane@localhost", Standard, None),
        ("ja ne@example.com", Standard, None),
        ("jane@@example.com", Standard, None),
        ("", Standard, None),
        ("jane@exa mple.com", Standard, None),
        ("jane@.com", Standard, None),
    ];
    for (raw, scheme, want) in cases {
        assert_eq!(email(raw, *scheme).as_deref(), *want, "{raw:?} {scheme:?}");
    }
}

#[test]
fn phone_table() {
    let cases: &[(&str, &str, Option<&str>)] = &[
        ("+34 612 34 56 78", "ES", Some("34612345678")),
        ("0034612345678", "ES", Some("34612345678")),
        ("612345678", "ES", Some("34612345678")),
        ("612345678", "es", Some("34612345678")),
        ("612-34-56-78", "ES", Some("34612345678")),
        ("(612) 345 678", "ES", Some("34612345678")),
        ("612\u{a0}345\u{a0}678", "ES", Some("34612345678")),
        ("+44 (0)20 7946 0958", "ES", Some("442079460958")),
        ("07911 123456", "GB", Some("447911123456")),
        ("06 12 34 56 78", "FR", Some("33612345678")),
        ("06 1234 5678", "IT", Some("390612345678")),
        ("+1 (650) 555-1212", "ES", Some("16505551212")),
        ("650.555.1212", "US", Some("16505551212")),
        ("+351 912 345 678", "ES", Some("351912345678")),
        ("912345678", "PT", Some("351912345678")),
        ("+52 1 55 1234 5678", "ES", Some("5215512345678")),
        // The country code without `+`, as backends often store it.
        ("34612345678", "ES", Some("34612345678")),
        ("16505551212", "US", Some("16505551212")),
        ("6505551212", "US", Some("16505551212")),
        ("612345678", "ZZ", None),
        ("call me", "ES", None),
        ("612 345 678 ext 2", "ES", None),
        ("+12", "ES", None),
        ("", "ES", None),
        ("+34 612 345 678 901 234 5", "ES", None),
        ("00", "ES", None),
        ("+0 612 345 678", "ES", None),
    ];
    for (raw, country, want) in cases {
        let got = Phone::parse(raw, country).map(|p| p.meta_form());
        assert_eq!(got.as_deref(), *want, "{raw:?} {country}");
    }
}

#[test]
fn meta_hashes_digits_while_google_and_tiktok_hash_e164() {
    let p = Phone::parse("+34 612 34 56 78", "ES").unwrap();
    assert_eq!(p.meta_form(), "34612345678");
    assert_eq!(p.e164(), "+34612345678");
}

#[test]
fn name_table() {
    let cases: &[(&str, Option<&str>)] = &[
        ("Jane", Some("jane")),
        ("José María", Some("josé maría")),
        ("  NÚÑEZ  ", Some("núñez")),
        ("Begoña", Some("begoña")),
        ("Iñaki", Some("iñaki")),
        ("O'Connor", Some("oconnor")),
        ("Mary-Ann", Some("maryann")),
        ("de la Fuente", Some("de la fuente")),
        ("García-Lorca", Some("garcíalorca")),
        ("JEAN-LUC", Some("jeanluc")),
        ("Zoë", Some("zoë")),
        ("Strauß", Some("strauß")),
        ("Ángel.", Some("ángel")),
        ("\tAna\n", Some("ana")),
        ("Anne   Marie", Some("anne marie")),
        ("Dr. Smith", Some("dr smith")),
        ("Łukasz", Some("łukasz")),
        ("ÇAĞLAR", Some("çağlar")),
        ("李", Some("李")),
        ("", None),
        ("   ", None),
        ("-", None),
    ];
    for (raw, want) in cases {
        assert_eq!(name(raw).as_deref(), *want, "{raw:?}");
    }
}

#[test]
fn address_table() {
    let cities: &[(&str, Option<&str>)] = &[
        ("Madrid", Some("madrid")),
        ("  San Sebastián ", Some("sansebastián")),
        ("L'Hospitalet de Llobregat", Some("lhospitaletdellobregat")),
        ("A Coruña", Some("acoruña")),
        ("Castelló de la Plana", Some("castellódelaplana")),
        ("St. Louis", Some("stlouis")),
        ("...", None),
    ];
    for (raw, want) in cities {
        assert_eq!(city(raw).as_deref(), *want, "city {raw:?}");
    }
    let states: &[(&str, Option<&str>)] = &[
        ("CA", Some("ca")),
        (" ny ", Some("ny")),
        ("Comunidad de Madrid", Some("comunidaddemadrid")),
        ("", None),
    ];
    for (raw, want) in states {
        assert_eq!(state(raw).as_deref(), *want, "state {raw:?}");
    }
    let zips: &[(&str, Option<&str>, Option<&str>)] = &[
        ("28001", Some("es"), Some("28001")),
        ("94025-1234", Some("US"), Some("94025")),
        // A US ZIP+4 keeps what comes before the dash even when the country is unknown.
        ("94025-1234", None, Some("94025")),
        // Meta's own example (customer information parameters, `zp`).
        ("94035", Some("us"), Some("94035")),
        ("SW1A 1AA", Some("gb"), Some("sw1a1aa")),
        ("1000-001", Some("pt"), Some("1000001")),
        ("K1A 0B1", Some("ca"), Some("k1a0b1")),
        ("ABCDE", Some("us"), None),
        (" ", None, None),
    ];
    for (raw, c, want) in zips {
        assert_eq!(zip(raw, *c).as_deref(), *want, "zip {raw:?} {c:?}");
    }
    let countries: &[(&str, Option<&str>)] = &[
        ("ES", Some("es")),
        (" Us ", Some("us")),
        ("ESP", None),
        ("Spain", None),
        ("E1", None),
        ("UK", None),
    ];
    for (raw, want) in countries {
        assert_eq!(country(raw).as_deref(), *want, "country {raw:?}");
    }
}

#[test]
fn birth_date_and_gender_table() {
    let dates: &[(&str, Option<&str>)] = &[
        ("1990-02-28", Some("19900228")),
        ("1990/02/28", Some("19900228")),
        ("19900228", Some("19900228")),
        (" 1985-12-01 ", Some("19851201")),
        ("1990-13-01", None),
        ("1990-00-10", None),
        ("1990-01-32", None),
        ("1890-01-01", None),
        // Spanish day-first order is ambiguous with nothing else to go on: refused, not guessed.
        ("28/02/1990", None),
        ("1990-2-28", None),
        ("abcd-ef-gh", None),
        ("", None),
    ];
    for (raw, want) in dates {
        assert_eq!(date_of_birth(raw).as_deref(), *want, "dob {raw:?}");
    }
    let genders: &[(&str, Option<&str>)] = &[
        ("f", Some("f")),
        ("F", Some("f")),
        ("female", Some("f")),
        ("Mujer", Some("f")),
        ("m", Some("m")),
        (" MALE ", Some("m")),
        ("hombre", Some("m")),
        ("x", None),
        ("other", None),
        ("", None),
    ];
    for (raw, want) in genders {
        assert_eq!(gender(raw).as_deref(), *want, "gender {raw:?}");
    }
}

#[test]
fn external_id_and_already_hashed_table() {
    use crate::hash::HashedValue;
    let digest = HashedValue::hash("jane@example.com");
    let upper = digest.as_str().to_ascii_uppercase();
    let with_appendix = format!("{digest}.Ab12Cd34");
    let ids: &[(&str, Option<&str>)] = &[
        (" Cust-42 ", Some("Cust-42")),
        ("ABC", Some("ABC")),
        ("42", Some("42")),
        ("", None),
        ("   ", None),
    ];
    for (raw, want) in ids {
        assert_eq!(external_id(raw).as_deref(), *want, "external id {raw:?}");
    }
    // Every family passes an existing digest through instead of hashing it again.
    let normalisers: [fn(&str) -> Option<String>; 8] = [
        |s| email(s, EmailScheme::Standard),
        |s| email(s, EmailScheme::Google),
        name,
        city,
        country,
        date_of_birth,
        gender,
        external_id,
    ];
    for f in normalisers {
        for input in [digest.as_str(), upper.as_str(), with_appendix.as_str()] {
            let got = HashedValue::from_input(input, f).unwrap();
            let want = HashedValue::detect(input).unwrap();
            assert_eq!(got, want, "{input}");
        }
    }
    assert_eq!(HashedValue::from_input(&upper, name).unwrap(), digest);
}
