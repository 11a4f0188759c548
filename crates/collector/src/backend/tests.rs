use super::*;
use serde_json::json;

const NOW_MS: i64 = 1_790_000_000_000;

fn full() -> Value {
    json!({
        "eventId": "pay-77", "event": "cliente.pago_exitoso", "tenantId": "t1",
        "occurredAt": "2026-09-21T12:00:00+02:00",
        "customer": {"email": " Ana@Example.com ", "phone": "612 345 678", "firstName": "Ana",
                     "ip": "203.0.113.9", "userAgent": "Mozilla/5.0", "gclid": "Cj0KCQ-abc",
                     "fbp": "fb.1.1780000000000.1234567890"},
        "value": 49.9, "currency": "eur", "orderId": "A-1001"
    })
}

#[test]
fn a_payment_event_becomes_a_hashed_purchase_keyed_by_its_order() {
    let item = parse_item(&full(), None, NOW_MS).unwrap();
    assert_eq!(item.event.name, StandardEvent::Purchase);
    assert_eq!(item.internal.as_deref(), Some("cliente.pago_exitoso"));
    assert_eq!(item.event.event_id, purchase_event_id("A-1001").unwrap());
    assert_eq!(item.given_id, "pay-77");
    assert_eq!(
        item.event.time,
        parse_rfc3339("2026-09-21T10:00:00Z").unwrap()
    );
    assert_eq!(item.event.custom.currency.as_deref(), Some("EUR"));
    assert_eq!(
        item.event.click_ids.fbp.as_deref(),
        Some("fb.1.1780000000000.1234567890")
    );
    let stored = serde_json::to_string(&item.event).unwrap();
    assert!(
        !stored.contains("Ana@") && !stored.contains("ana@") && !stored.contains("612"),
        "{stored}"
    );
    assert!(item.event.identity.phone_e164.is_some() && item.event.identity.phone_digits.is_some());
}

#[test]
fn rfc3339_and_unix_times_agree() {
    assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(0));
    assert_eq!(parse_rfc3339("2026-11-27T10:00:00Z"), Some(1_795_773_600));
    assert_eq!(
        parse_rfc3339("2026-11-27T11:00:00.250+01:00"),
        Some(1_795_773_600)
    );
    assert_eq!(parse_time(&json!(1_795_773_600)), Some(1_795_773_600));
    assert_eq!(
        parse_time(&json!(1_795_773_600_000_i64)),
        Some(1_795_773_600)
    );
    for bad in [
        "2026-13-01T00:00:00Z",
        "yesterday",
        "2026-11-27T10:00:00",
        "2026-11-27T10:00:00+0100",
    ] {
        assert_eq!(parse_rfc3339(bad), None, "{bad}");
    }
}

#[test]
fn every_bad_field_is_reported_at_once() {
    let v = json!({"eventId": "", "event": "cliente.borrado", "tenantId": "bad tenant",
                   "value": -1, "currency": "euros", "customer": {"consent": "maybe"}});
    let errs = parse_item(&v, None, NOW_MS).unwrap_err();
    let fields: Vec<&str> = errs.iter().filter_map(|e| e["field"].as_str()).collect();
    for f in [
        "eventId",
        "event",
        "tenantId",
        "value",
        "currency",
        "customer.consent",
    ] {
        assert!(fields.contains(&f), "{f} missing from {fields:?}");
    }
    assert!(parse_item(&json!([1]), None, NOW_MS).is_err());
}

#[test]
fn a_purchase_without_value_is_refused_before_it_can_sink_a_meta_batch() {
    let mut v = full();
    v.as_object_mut().unwrap().remove("value");
    let errs = parse_item(&v, None, NOW_MS).unwrap_err();
    assert_eq!(errs[0]["field"], "value");
}

#[test]
fn names_a_config_maps_are_accepted_and_standard_names_need_no_mapping() {
    let v = json!({"eventId": "e1", "event": "clase.reservada", "tenantId": "t1"});
    assert!(parse_item(&v, None, NOW_MS).is_err());
    let item = parse_item(&v, Some(StandardEvent::Schedule), NOW_MS).unwrap();
    assert_eq!(
        (item.event.name, item.internal.as_deref()),
        (StandardEvent::Schedule, Some("clase.reservada"))
    );
    let v =
        json!({"eventId": "e2", "event": "LEAD", "tenantId": "t1", "customer": {"consent": false}});
    let item = parse_item(&v, None, NOW_MS).unwrap();
    assert_eq!(
        (item.event.name, item.internal),
        (StandardEvent::Lead, None)
    );
    assert!(!item.event.consent.ad_user_data);
    assert_eq!(item.event.event_id.as_str(), "e2");
}

#[test]
fn future_events_are_refused() {
    let v = json!({"eventId": "e1", "event": "LEAD", "tenantId": "t1", "occurredAt": NOW_MS / 1000 + 3600});
    assert_eq!(
        parse_item(&v, None, NOW_MS).unwrap_err()[0]["code"],
        "in_future"
    );
}
