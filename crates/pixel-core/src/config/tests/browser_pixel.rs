//! `browserPixel`, and Google's `googleTagId` and `conversionLabels`.

use super::*;

fn google(extra: serde_json::Value) -> serde_json::Value {
    let mut body = json!({
        "platform": "Google", "pixelId": "1234567890", "refreshToken": "1//r",
        "conversionActions": {"PURCHASE": "1"}
    });
    body.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    body
}

fn google_config(extra: serde_json::Value) -> TrackingConfig {
    let new = validate_create(&input(google(extra))).unwrap();
    TrackingConfig::new(
        ConfigId::parse("g").unwrap(),
        TenantId::parse("t").unwrap(),
        new,
        "v1.a.b".into(),
        0,
    )
}

fn sorted_fields(errs: &[FieldError]) -> Vec<(&str, &str)> {
    let mut got = fields(errs);
    got.sort();
    got
}

#[test]
fn browser_pixel_is_off_unless_asked_for_on_every_platform() {
    assert!(!meta_config().browser_pixel);
    for body in [
        json!({"platform": "Meta", "pixelId": "1234567890", "apiAccessToken": "t", "browserPixel": true}),
        json!({"platform": "TikTok", "pixelId": "CABC123DEF456GHI789J0", "apiAccessToken": "t",
               "browserPixel": true}),
        google(json!({"browserPixel": true, "googleTagId": "AW-123456789"})),
    ] {
        let new = validate_create(&input(body.clone())).unwrap_or_else(|e| panic!("{body}: {e:?}"));
        assert!(new.browser_pixel, "{body}");
        let cfg = TrackingConfig::new(
            ConfigId::parse("c").unwrap(),
            TenantId::parse("t").unwrap(),
            new,
            "v1.x.y".into(),
            0,
        );
        assert!(cfg.browser_pixel);
        assert_eq!(
            serde_json::to_value(cfg.view()).unwrap()["browserPixel"],
            true
        );
    }
    let errs = validate_create(&input(json!({
        "platform": "Meta", "pixelId": "1234567890", "apiAccessToken": "t", "browserPixel": "yes"
    })))
    .unwrap_err();
    assert_eq!(fields(&errs), vec![("browserPixel", "invalid_type")]);
}

#[test]
fn google_tag_id_and_labels_are_stored() {
    let cfg = google_config(json!({
        "browserPixel": true, "googleTagId": " AW-123456789 ",
        // LEAD is not tracked: its label is allowed and simply unused.
        "conversionLabels": {"PURCHASE": "AbC-D_efG-h12_34-567", "Lead": "x"}
    }));
    let g = cfg.google.as_ref().unwrap();
    assert_eq!(g.tag_id.as_deref(), Some("AW-123456789"));
    assert_eq!(
        g.conversion_labels[&StandardEvent::Purchase],
        "AbC-D_efG-h12_34-567"
    );
    assert_eq!(g.conversion_labels[&StandardEvent::Lead], "x");
    assert_eq!(cfg.tracked_events, vec![StandardEvent::Purchase]);

    let view = serde_json::to_value(cfg.view()).unwrap();
    assert_eq!(view["googleTagId"], "AW-123456789");
    assert_eq!(
        view["conversionLabels"],
        json!({"PURCHASE": "AbC-D_efG-h12_34-567", "LEAD": "x"})
    );
    let back: TrackingConfig = serde_json::from_str(&serde_json::to_string(&cfg).unwrap()).unwrap();
    assert_eq!(back, cfg);

    // A tag id without the browser pixel is kept for later; null labels are none.
    let off = google_config(json!({"googleTagId": "AW-123456", "conversionLabels": null}));
    assert!(!off.browser_pixel);
    assert_eq!(
        off.google.as_ref().unwrap().tag_id.as_deref(),
        Some("AW-123456")
    );
    assert!(off.google.as_ref().unwrap().conversion_labels.is_empty());
}

#[test]
fn the_view_shows_google_fields_only_for_google() {
    let view = serde_json::to_value(google_config(json!({})).view()).unwrap();
    assert_eq!(view["browserPixel"], false);
    assert_eq!(view["googleTagId"], serde_json::Value::Null);
    assert!(view.as_object().unwrap().contains_key("googleTagId"));
    assert_eq!(view["conversionLabels"], json!({}));

    let view = serde_json::to_value(meta_config().view()).unwrap();
    assert_eq!(view["browserPixel"], false);
    let obj = view.as_object().unwrap();
    assert!(!obj.contains_key("googleTagId") && !obj.contains_key("conversionLabels"));
}

#[test]
fn a_google_browser_pixel_needs_a_tag_id() {
    for extra in [
        json!({"browserPixel": true}),
        json!({"browserPixel": true, "googleTagId": null}),
        json!({"browserPixel": true, "conversionLabels": {"PURCHASE": "abc"}}),
    ] {
        let errs = validate_create(&input(google(extra.clone()))).unwrap_err();
        assert_eq!(fields(&errs), vec![("googleTagId", "required")], "{extra}");
        assert!(
            errs[0].message.contains("browserPixel"),
            "{}",
            errs[0].message
        );
    }
}

#[test]
fn bad_google_tag_ids_and_labels_are_named() {
    let long = "a".repeat(65);
    let cases: &[(serde_json::Value, &[(&str, &str)])] = &[
        (
            json!({"googleTagId": "AW-12345"}),
            &[("googleTagId", "invalid_format")],
        ),
        (
            json!({"googleTagId": "AW-1234567890123"}),
            &[("googleTagId", "invalid_format")],
        ),
        (
            json!({"googleTagId": "aw-123456789"}),
            &[("googleTagId", "invalid_format")],
        ),
        (
            json!({"googleTagId": "G-ABC1234567"}),
            &[("googleTagId", "invalid_format")],
        ),
        (
            json!({"googleTagId": "AW-12345678a"}),
            &[("googleTagId", "invalid_format")],
        ),
        (
            json!({"googleTagId": "AW-123456789');alert(1)//"}),
            &[("googleTagId", "invalid_format")],
        ),
        (
            json!({"googleTagId": 123456789}),
            &[("googleTagId", "invalid_type")],
        ),
        // A bad tag id is its own error, not also a missing one.
        (
            json!({"browserPixel": true, "googleTagId": ""}),
            &[("googleTagId", "invalid_format")],
        ),
        (
            json!({"conversionLabels": ["abc"]}),
            &[("conversionLabels", "invalid_type")],
        ),
        (
            json!({"conversionLabels": {"NOPE": "abc", "PURCHASE": "ok"}}),
            &[("conversionLabels.NOPE", "unknown_event")],
        ),
        (
            json!({"conversionLabels": {"PURCHASE": "a b"}}),
            &[("conversionLabels.PURCHASE", "invalid_format")],
        ),
        (
            json!({"conversionLabels": {"PURCHASE": ""}}),
            &[("conversionLabels.PURCHASE", "invalid_format")],
        ),
        (
            json!({"conversionLabels": {"PURCHASE": long}}),
            &[("conversionLabels.PURCHASE", "invalid_format")],
        ),
        (
            json!({"conversionLabels": {"PURCHASE": 5}}),
            &[("conversionLabels.PURCHASE", "invalid_type")],
        ),
        (
            json!({"conversionLabels": {"PURCHASE": "a", "Purchase": "b"}}),
            &[("conversionLabels.Purchase", "duplicate")],
        ),
    ];
    for (extra, want) in cases {
        let errs = validate_create(&input(google(extra.clone()))).expect_err(&extra.to_string());
        let mut want = want.to_vec();
        want.sort();
        assert_eq!(sorted_fields(&errs), want, "{extra}");
    }
    // The edges of the formats pass.
    let ok = google_config(json!({
        "googleTagId": "AW-123456789012",
        "conversionLabels": {"PURCHASE": "a".repeat(64), "LEAD": "-"}
    }));
    assert_eq!(
        ok.google.unwrap().tag_id.as_deref(),
        Some("AW-123456789012")
    );
}

#[test]
fn google_tag_fields_are_for_google_only() {
    let meta = meta_config();
    for (platform, pixel) in [("Meta", "1234567890"), ("TikTok", "CABC123DEF456GHI789J0")] {
        let errs = validate_create(&input(json!({
            "platform": platform, "pixelId": pixel, "apiAccessToken": "t",
            "googleTagId": "AW-123456789", "conversionLabels": {"PURCHASE": "abc"}
        })))
        .unwrap_err();
        assert_eq!(
            sorted_fields(&errs),
            vec![
                ("conversionLabels", "unknown_field"),
                ("googleTagId", "unknown_field")
            ],
            "{platform}"
        );
    }
    let errs = validate_patch(&meta, &input(json!({"googleTagId": null}))).unwrap_err();
    assert_eq!(fields(&errs), vec![("googleTagId", "unknown_field")]);
    let errs = validate_patch(&meta, &input(json!({"conversionLabels": {}}))).unwrap_err();
    assert_eq!(fields(&errs), vec![("conversionLabels", "unknown_field")]);
}

#[test]
fn patch_turns_the_browser_pixel_on_and_off() {
    let mut cfg = meta_config();
    let on = validate_patch(&cfg, &input(json!({"browserPixel": true}))).unwrap();
    cfg.apply(on, None, 1);
    assert!(cfg.browser_pixel);
    // A patch that does not name it leaves it as it is.
    let other = validate_patch(&cfg, &input(json!({"isActive": false}))).unwrap();
    cfg.apply(other, None, 2);
    assert!(cfg.browser_pixel);
    let off = validate_patch(&cfg, &input(json!({"browserPixel": false}))).unwrap();
    cfg.apply(off, None, 3);
    assert!(!cfg.browser_pixel);
    let errs = validate_patch(&cfg, &input(json!({"browserPixel": null}))).unwrap_err();
    assert_eq!(fields(&errs), vec![("browserPixel", "invalid_type")]);
}

#[test]
fn google_patch_checks_the_tag_id_against_the_result() {
    let mut cfg = google_config(json!({}));
    // On without a tag id, stored or sent: refused.
    let errs = validate_patch(&cfg, &input(json!({"browserPixel": true}))).unwrap_err();
    assert_eq!(fields(&errs), vec![("googleTagId", "required")]);
    // On with the tag id in the same patch.
    let patch = validate_patch(
        &cfg,
        &input(json!({"browserPixel": true, "googleTagId": "AW-123456789",
                      "conversionLabels": {"PURCHASE": "abc_DEF-123"}})),
    )
    .unwrap();
    cfg.apply(patch, None, 1);
    assert!(cfg.browser_pixel);
    let g = cfg.google.as_ref().unwrap();
    assert_eq!(g.tag_id.as_deref(), Some("AW-123456789"));
    assert_eq!(g.conversion_labels[&StandardEvent::Purchase], "abc_DEF-123");

    // Clearing the tag id while the pixel stays on: refused.
    let errs = validate_patch(&cfg, &input(json!({"googleTagId": null}))).unwrap_err();
    assert_eq!(fields(&errs), vec![("googleTagId", "required")]);
    // A new tag id replaces the stored one; on again with the stored one is fine.
    let patch = validate_patch(&cfg, &input(json!({"googleTagId": "AW-987654"}))).unwrap();
    cfg.apply(patch, None, 2);
    assert_eq!(
        cfg.google.as_ref().unwrap().tag_id.as_deref(),
        Some("AW-987654")
    );
    assert!(validate_patch(&cfg, &input(json!({"browserPixel": true}))).is_ok());

    // Off and cleared together; null labels remove them all.
    let patch = validate_patch(
        &cfg,
        &input(json!({"browserPixel": false, "googleTagId": null, "conversionLabels": null})),
    )
    .unwrap();
    assert_eq!(patch.google_tag_id, Some(None));
    assert_eq!(patch.conversion_labels, Some(BTreeMap::new()));
    cfg.apply(patch, None, 3);
    assert!(!cfg.browser_pixel);
    let g = cfg.google.as_ref().unwrap();
    assert_eq!(g.tag_id, None);
    assert!(g.conversion_labels.is_empty());

    // A bad tag id in a patch is named once, as its format.
    let errs = validate_patch(
        &cfg,
        &input(json!({"browserPixel": true, "googleTagId": "AW-1"})),
    )
    .unwrap_err();
    assert_eq!(fields(&errs), vec![("googleTagId", "invalid_format")]);
    let errs = validate_patch(&cfg, &input(json!({"conversionLabels": {"BUY": "x"}}))).unwrap_err();
    assert_eq!(
        fields(&errs),
        vec![("conversionLabels.BUY", "unknown_event")]
    );
}

#[test]
fn unknown_fields_stay_unknown_next_to_the_new_ones() {
    let errs = ConfigInput::from_json(&json!({"browserpixel": true, "googleTagID": "AW-123456"}))
        .unwrap_err();
    assert_eq!(
        sorted_fields(&errs),
        vec![
            ("browserpixel", "unknown_field"),
            ("googleTagID", "unknown_field")
        ]
    );
}
