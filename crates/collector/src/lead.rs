//! Lead forms: the visitor's e-mail, phone and name found in a posted form (url-encoded or JSON)
//! by their Spanish or English field names. The raw values live only in the returned
//! [`RawIdentity`], which the caller hashes at once and drops.

use edge_kit::auth::percent_decode;
use pixel_core::event::RawIdentity;
use serde_json::Value;

/// The most a lead form body may weigh: forms are small, and it is read whole to be parsed.
pub const MAX_FORM: usize = 256 * 1024;

#[derive(Clone, Copy)]
enum Field {
    Email,
    Phone,
    First,
    Last,
    Full,
    City,
    Zip,
    Country,
}

/// A field name reduced to lowercase ASCII letters and digits, accents folded, the last
/// `[bracketed]` part of `lead[email]` taken: `Teléfono_móvil` → `telefonomovil`.
fn simplify(name: &str) -> String {
    let name = name
        .trim_end_matches(']')
        .rsplit('[')
        .next()
        .unwrap_or(name);
    name.chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'á' | 'à' | 'ä' => 'a',
            'é' | 'è' | 'ë' => 'e',
            'í' | 'ì' | 'ï' => 'i',
            'ó' | 'ò' | 'ö' => 'o',
            'ú' | 'ù' | 'ü' => 'u',
            'ñ' => 'n',
            c => c,
        })
        .filter(char::is_ascii_alphanumeric)
        .collect()
}

fn classify(name: &str) -> Option<Field> {
    let n = simplify(name);
    let f = match n.as_str() {
        "email" | "mail" | "correo" | "correoelectronico" | "emailaddress" | "tuemail"
        | "tucorreo" => Field::Email,
        "phone" | "telefono" | "tel" | "movil" | "celular" | "phonenumber" | "mobile"
        | "whatsapp" | "telefonomovil" | "numerotelefono" | "tutelefono" => Field::Phone,
        "firstname" | "fname" | "givenname" | "nombrepila" => Field::First,
        "nombre" | "name" | "tunombre" => Field::Full,
        "fullname" | "nombrecompleto" | "nombreyapellidos" => Field::Full,
        "lastname" | "lname" | "surname" | "familyname" | "apellido" | "apellidos" => Field::Last,
        "city" | "ciudad" | "localidad" | "poblacion" => Field::City,
        "zip" | "zipcode" | "postalcode" | "cp" | "codigopostal" => Field::Zip,
        "country" | "pais" => Field::Country,
        _ => return None,
    };
    Some(f)
}

/// The identity in a form body, by its `Content-Type`. Empty for other bodies.
pub fn identity_from_form(content_type: Option<&str>, body: &[u8]) -> RawIdentity {
    let ct = content_type.unwrap_or("").trim().to_ascii_lowercase();
    let mut pairs: Vec<(String, String)> = Vec::new();
    if ct.starts_with("application/x-www-form-urlencoded") {
        let text = String::from_utf8_lossy(body);
        for pair in text.split('&') {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            pairs.push((percent_decode(k), percent_decode(v)));
        }
    } else if (ct.starts_with("application/json") || ct.ends_with("+json"))
        && let Ok(v) = serde_json::from_slice::<Value>(body)
    {
        collect_json(&v, 0, &mut pairs);
    }
    let mut raw = RawIdentity::default();
    let mut full = None;
    for (k, v) in pairs {
        let v = v.trim();
        if v.is_empty() {
            continue;
        }
        let slot = match classify(&k) {
            Some(Field::Email) => &mut raw.email,
            Some(Field::Phone) => &mut raw.phone,
            Some(Field::First) => &mut raw.first_name,
            Some(Field::Last) => &mut raw.last_name,
            Some(Field::Full) => &mut full,
            Some(Field::City) => &mut raw.city,
            Some(Field::Zip) => &mut raw.zip,
            Some(Field::Country) => &mut raw.country,
            None => continue,
        };
        slot.get_or_insert_with(|| v.to_owned());
    }
    // `nombre` beside `apellidos` is a first name; alone it is the whole name, split once.
    if let Some(full) = full {
        match (&raw.first_name, &raw.last_name) {
            (None, Some(_)) => raw.first_name = Some(full),
            (None, None) => {
                let mut parts = full.splitn(2, char::is_whitespace);
                raw.first_name = parts.next().map(str::to_owned);
                raw.last_name = parts
                    .next()
                    .map(|s| s.trim().to_owned())
                    .filter(|s| !s.is_empty());
            }
            _ => {}
        }
    }
    raw
}

fn collect_json(v: &Value, depth: u8, out: &mut Vec<(String, String)>) {
    let Value::Object(obj) = v else { return };
    for (k, v) in obj {
        match v {
            Value::String(s) => out.push((k.clone(), s.clone())),
            Value::Number(n) => out.push((k.clone(), n.to_string())),
            // Forms often nest the contact under `lead` or `contacto`.
            Value::Object(_) if depth < 3 => collect_json(v, depth + 1, out),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FORM: &str = "application/x-www-form-urlencoded";

    #[test]
    fn spanish_and_english_field_names_are_found() {
        let raw = identity_from_form(Some(FORM), "nombre=Ana&apellidos=Garc%C3%ADa+L%C3%B3pez&correo=ana%40example.com&tel%C3%A9fono=612+345+678&mensaje=hola".as_bytes());
        assert_eq!(raw.email.as_deref(), Some("ana@example.com"));
        assert_eq!(raw.phone.as_deref(), Some("612 345 678"));
        assert_eq!(raw.first_name.as_deref(), Some("Ana"));
        assert_eq!(raw.last_name.as_deref(), Some("García López"));
        let raw = identity_from_form(
            Some("application/json; charset=utf-8"),
            br#"{"lead":{"Email":"b@x.io","phone_number":"+34 600 000 000","name":"Bea Ruiz"}}"#,
        );
        assert_eq!(
            (raw.email.as_deref(), raw.phone.as_deref()),
            (Some("b@x.io"), Some("+34 600 000 000"))
        );
        assert_eq!(
            (raw.first_name.as_deref(), raw.last_name.as_deref()),
            (Some("Bea"), Some("Ruiz"))
        );
        let raw = identity_from_form(Some(FORM), b"contact[e_mail]=c@x.io&codigo_postal=28001");
        assert_eq!(
            (raw.email.as_deref(), raw.zip.as_deref()),
            (Some("c@x.io"), Some("28001"))
        );
    }

    #[test]
    fn other_bodies_yield_nothing() {
        assert_eq!(
            identity_from_form(Some("text/plain"), b"email=a@b.c"),
            RawIdentity::default()
        );
        assert_eq!(
            identity_from_form(Some("application/json"), b"not json"),
            RawIdentity::default()
        );
        assert_eq!(
            identity_from_form(None, b"email=a@b.c"),
            RawIdentity::default()
        );
    }
}
