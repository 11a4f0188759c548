use super::*;
use serde_json::json;

fn input(v: serde_json::Value) -> ConfigInput {
    ConfigInput::from_json(&v).expect("known fields")
}

fn fields(errs: &[FieldError]) -> Vec<(&str, &str)> {
    errs.iter()
        .map(|e| (e.field.as_str(), e.code.as_str()))
        .collect()
}

fn meta_config() -> TrackingConfig {
    let new = validate_create(&input(json!({
        "platform": "Meta", "pixelId": "1234567890", "apiAccessToken": "EAAB"
    })))
    .unwrap();
    TrackingConfig::new(
        ConfigId::parse("c1").unwrap(),
        TenantId::parse("t1").unwrap(),
        new,
        "v1.x.y".into(),
        1000,
    )
}

#[test]
fn create_defaults_per_platform() {
    let meta = validate_create(&input(json!({
        "platform": "Meta", "pixelId": "1234567890", "apiAccessToken": " EAAB "
    })))
    .unwrap();
    assert_eq!(meta.tracked_events, StandardEvent::ALL.to_vec());
    assert_eq!(meta.credential, NewCredential::Token("EAAB".into()));
    assert!(meta.is_active);

    let tiktok = validate_create(&input(json!({
        "platform": "TikTok", "pixelId": "CABC123DEF456GHI789J0", "apiAccessToken": "tok"
    })))
    .unwrap();
    assert!(!tiktok.tracked_events.contains(&StandardEvent::PageView));
    assert_eq!(tiktok.tracked_events.len(), StandardEvent::ALL.len() - 1);

    // PageView on TikTok only when listed explicitly.
    let tiktok_pv = validate_create(&input(json!({
        "platform": "TikTok", "pixelId": "CABC123DEF456GHI789J0", "apiAccessToken": "tok",
        "trackedEvents": ["PAGE_VIEW", "Purchase"]
    })))
    .unwrap();
    assert_eq!(
        tiktok_pv.tracked_events,
        vec![StandardEvent::PageView, StandardEvent::Purchase]
    );

    let google = validate_create(&input(json!({
        "platform": "Google", "pixelId": "123-456-7890", "refreshToken": "1//r",
        "loginCustomerId": "111-222-3333",
        "conversionActions": {"PURCHASE": "987654", "Lead": 42}
    })))
    .unwrap();
    assert_eq!(google.pixel_id.as_str(), "1234567890");
    assert_eq!(
        google.tracked_events,
        vec![StandardEvent::Lead, StandardEvent::Purchase]
    );
    let g = google.google.unwrap();
    assert_eq!(g.login_customer_id.unwrap().as_str(), "1112223333");
    assert_eq!(g.conversion_actions[&StandardEvent::Lead].as_str(), "42");
}

#[test]
fn google_conversion_action_resource_name() {
    let new = validate_create(&input(json!({
        "platform": "Google", "customerId": "1234567890", "apiAccessToken": "r",
        "conversionActions": {"PURCHASE": "55"}
    })))
    .unwrap();
    let g = new.google.unwrap();
    assert_eq!(
        g.conversion_action(StandardEvent::Purchase).unwrap(),
        "customers/1234567890/conversionActions/55"
    );
    assert_eq!(g.conversion_action(StandardEvent::Lead), None);
}

#[test]
fn create_reports_every_bad_field_at_once() {
    let cases: &[(serde_json::Value, &[(&str, &str)])] = &[
        (
            json!({}),
            &[("apiAccessToken", "required"), ("platform", "required")],
        ),
        (
            json!({"platform": "Myspace", "pixelId": "1", "apiAccessToken": "t"}),
            &[("platform", "unknown_platform")],
        ),
        (
            json!({
                "platform": "Meta", "pixelId": "12ab", "apiAccessToken": "",
                "trackedEvents": ["PURCHASE", "LEAD", "BUY_STUFF", 7, "Purchase"],
                "eventMappings": {"cliente.pago_exitoso": "NOPE", "Bad Name": "LEAD"},
                "testEventCode": "has space", "isActive": "yes"
            }),
            &[
                ("apiAccessToken", "required"),
                ("isActive", "invalid_type"),
                ("testEventCode", "invalid_format"),
                ("eventMappings.Bad Name", "invalid_format"),
                ("eventMappings.cliente.pago_exitoso", "unknown_event"),
                ("pixelId", "invalid_format"),
                ("trackedEvents[2]", "unknown_event"),
                ("trackedEvents[3]", "invalid_type"),
                ("trackedEvents[4]", "duplicate"),
            ],
        ),
        (
            json!({"platform": "Meta", "pixelId": "1234567890", "apiAccessToken": "t",
                   "customerId": "1234567890"}),
            &[("customerId", "unknown_field")],
        ),
        (
            json!({"platform": "Google", "pixelId": "1234567890", "apiAccessToken": "t",
                   "trackedEvents": ["LEAD"], "conversionActions": {"PURCHASE": "1"}}),
            &[("trackedEvents[0]", "unsupported_event")],
        ),
        (
            json!({"platform": "Google", "pixelId": "1234567890", "apiAccessToken": "t"}),
            &[("conversionActions", "required")],
        ),
        (
            json!({"platform": "Google", "pixelId": "1234567890", "customerId": "1111111111",
                   "apiAccessToken": "t", "conversionActions": {"PURCHASE": "x1"}}),
            &[
                ("conversionActions.PURCHASE", "invalid_format"),
                ("customerId", "mismatch"),
            ],
        ),
        (
            json!({"platform": "TikTok", "pixelId": "CABC123DEF456GHI789J0",
                   "refreshToken": "r"}),
            &[("refreshToken", "unknown_field")],
        ),
        (
            json!({"platform": "Meta", "pixelId": "1234567890", "apiAccessToken": "a b"}),
            &[("apiAccessToken", "invalid_format")],
        ),
    ];
    for (body, want) in cases {
        let errs = validate_create(&input(body.clone())).expect_err(&body.to_string());
        let mut got = fields(&errs);
        got.sort();
        let mut want = want.to_vec();
        want.sort();
        assert_eq!(got, want, "{body}");
    }
}

#[test]
fn unknown_fields_are_named() {
    let errs =
        ConfigInput::from_json(&json!({"platform": "Meta", "pixelID": "1", "x": 1})).unwrap_err();
    let mut got = fields(&errs);
    got.sort();
    assert_eq!(
        got,
        vec![("pixelID", "unknown_field"), ("x", "unknown_field")]
    );
    assert!(ConfigInput::from_json(&json!([1])).is_err());
}

#[test]
fn patch_validates_and_applies() {
    let mut cfg = meta_config();
    let patch = validate_patch(
        &cfg,
        &input(json!({
            "isActive": false, "trackedEvents": ["LEAD"], "testEventCode": "TEST123",
            "eventMappings": {"cliente.pago_exitoso": "PURCHASE"}, "apiAccessToken": "NEW"
        })),
    )
    .unwrap();
    assert_eq!(patch.token.as_deref(), Some("NEW"));
    cfg.health.status = HealthStatus::CredentialsInvalid;
    cfg.apply(patch, Some("v1.k.new".into()), 2000);
    assert!(!cfg.is_active);
    assert_eq!(cfg.tracked_events, vec![StandardEvent::Lead]);
    assert_eq!(cfg.test_event_code.as_deref(), Some("TEST123"));
    assert_eq!(
        cfg.mapped_event("cliente.pago_exitoso"),
        Some(StandardEvent::Purchase)
    );
    assert_eq!(cfg.encrypted_token, "v1.k.new");
    assert_eq!(cfg.health.status, HealthStatus::Unverified);
    assert_eq!((cfg.created_at, cfg.updated_at), (1000, 2000));
    assert!(!cfg.tracks(StandardEvent::Lead), "inactive tracks nothing");

    let patch = validate_patch(&cfg, &input(json!({"testEventCode": null}))).unwrap();
    assert_eq!(patch.test_event_code, Some(None));
}

#[test]
fn patch_refuses_immutable_and_bad_fields() {
    let cfg = meta_config();
    let errs = validate_patch(
        &cfg,
        &input(
            json!({"platform": "Meta", "pixelId": "1234567891", "trackedEvents": ["X"],
                      "isActive": 1}),
        ),
    )
    .unwrap_err();
    let mut got = fields(&errs);
    got.sort();
    assert_eq!(
        got,
        vec![
            ("isActive", "invalid_type"),
            ("pixelId", "not_patchable"),
            ("platform", "not_patchable"),
            ("trackedEvents[0]", "unknown_event"),
        ]
    );
}

#[test]
fn google_patch_keeps_tracked_events_covered() {
    let new = validate_create(&input(json!({
        "platform": "Google", "pixelId": "1234567890", "apiAccessToken": "r",
        "conversionActions": {"PURCHASE": "1", "LEAD": "2"}
    })))
    .unwrap();
    let cfg = TrackingConfig::new(
        ConfigId::parse("g").unwrap(),
        TenantId::parse("t").unwrap(),
        new,
        "v1.a.b".into(),
        0,
    );
    let errs = validate_patch(
        &cfg,
        &input(json!({"conversionActions": {"PURCHASE": "1"}})),
    )
    .unwrap_err();
    assert_eq!(fields(&errs), vec![("conversionActions.LEAD", "required")]);
    let ok = validate_patch(
        &cfg,
        &input(json!({"conversionActions": {"PURCHASE": "1"}, "trackedEvents": ["PURCHASE"]})),
    );
    assert!(ok.is_ok());
}

#[test]
fn a_google_config_is_reconnected_by_patching_a_new_connection() {
    let new = validate_create(&input(json!({
        "platform": "Google", "pixelId": "1234567890", "apiAccessToken": "r",
        "conversionActions": {"PURCHASE": "1"}, "trackedEvents": ["PURCHASE"]
    })))
    .unwrap();
    let google = TrackingConfig::new(
        ConfigId::parse("g").unwrap(),
        TenantId::parse("t").unwrap(),
        new,
        "v1.a.b".into(),
        0,
    );
    let id = "0123456789abcdef0123456789abcdef";
    let patch = validate_patch(&google, &input(json!({ "googleConnection": id }))).unwrap();
    assert_eq!(patch.connection.as_ref().map(|c| c.as_str()), Some(id));
    assert_eq!(patch.token, None);
    let both = validate_patch(
        &google,
        &input(json!({ "googleConnection": id, "refreshToken": "r2" })),
    )
    .unwrap_err();
    assert_eq!(fields(&both), vec![("googleConnection", "duplicate")]);
    let bad = validate_patch(&google, &input(json!({ "googleConnection": "x" }))).unwrap_err();
    assert_eq!(fields(&bad), vec![("googleConnection", "invalid_format")]);
    let meta =
        validate_patch(&meta_config(), &input(json!({ "googleConnection": id }))).unwrap_err();
    assert_eq!(fields(&meta), vec![("googleConnection", "unknown_field")]);
}

#[test]
fn stored_form_round_trips_and_view_has_no_token() {
    let mut cfg = meta_config();
    cfg.event_mappings.insert(
        InternalEventName::parse("cliente.pago_exitoso").unwrap(),
        StandardEvent::Purchase,
    );
    cfg.last_event = Some(LastEvent {
        time: 5,
        status: LogStatus::Success,
    });
    let stored = serde_json::to_string(&cfg).unwrap();
    assert!(stored.contains("\"encryptedToken\""));
    assert!(stored.contains("\"cliente.pago_exitoso\":\"PURCHASE\""));
    let back: TrackingConfig = serde_json::from_str(&stored).unwrap();
    assert_eq!(back, cfg);

    let view = serde_json::to_value(cfg.view()).unwrap();
    let keys: Vec<&str> = view
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    for want in [
        "id",
        "platform",
        "pixelId",
        "isActive",
        "createdAt",
        "updatedAt",
        "trackedEvents",
        "eventMappings",
        "health",
        "lastEvent",
    ] {
        assert!(keys.contains(&want), "{want} missing from {keys:?}");
    }
    assert!(!view.to_string().contains("v1.x.y"));
    assert!(!view.to_string().to_lowercase().contains("token"));
    assert_eq!(view["platform"], "Meta");
    assert_eq!(view["health"]["status"], "unverified");
    assert_eq!(view["lastEvent"]["status"], "success");
}

mod browser_pixel;
mod google_api;

#[test]
fn google_takes_a_connection_id_instead_of_a_refresh_token() {
    let conn = "0123456789abcdef0123456789abcdef";
    let new = validate_create(&input(json!({
        "platform": "Google", "customerId": "1234567890", "googleConnection": conn,
        "conversionActions": {"PURCHASE": "987654321"}
    })))
    .unwrap();
    assert_eq!(
        new.credential,
        NewCredential::GoogleConnection(crate::google_connect::ConnectionId::parse(conn).unwrap())
    );
    // The legacy pasted refresh token still works.
    let legacy = validate_create(&input(json!({
        "platform": "Google", "customerId": "1234567890", "refreshToken": "1//r",
        "conversionActions": {"PURCHASE": "987654321"}
    })))
    .unwrap();
    assert_eq!(legacy.credential, NewCredential::Token("1//r".into()));
    assert!(
        !format!("{legacy:?}").contains("1//r"),
        "Debug hides the token"
    );
}

#[test]
fn google_connection_is_exclusive_well_formed_and_google_only() {
    let google = |extra: serde_json::Value| {
        let mut body = json!({"platform": "Google", "customerId": "1234567890",
                              "conversionActions": {"PURCHASE": "987654321"}});
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        validate_create(&input(body)).unwrap_err()
    };
    let conn = "0123456789abcdef0123456789abcdef";
    assert_eq!(
        fields(&google(
            json!({"googleConnection": conn, "refreshToken": "r"})
        )),
        [("googleConnection", "duplicate")]
    );
    assert_eq!(
        fields(&google(json!({"googleConnection": "../../cfg/other"}))),
        [("googleConnection", "invalid_format")]
    );
    assert_eq!(
        fields(&google(json!({"googleConnection": 7}))),
        [("googleConnection", "invalid_type")]
    );
    assert_eq!(fields(&google(json!({}))), [("apiAccessToken", "required")]);
    let meta = validate_create(&input(json!({
        "platform": "Meta", "pixelId": "1234567890", "googleConnection": conn
    })))
    .unwrap_err();
    assert_eq!(fields(&meta), [("googleConnection", "unknown_field")]);
}
