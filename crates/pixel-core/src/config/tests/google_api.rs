//! `googleApi`: which Google API a config delivers through.

use super::*;

fn google(extra: serde_json::Value) -> ConfigInput {
    let mut body = json!({
        "platform": "Google", "pixelId": "123-456-7890", "refreshToken": "1//r",
        "conversionActions": {"PURCHASE": "987654"}
    });
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    input(body)
}

fn stored(new: NewConfig) -> TrackingConfig {
    TrackingConfig::new(
        ConfigId::parse("g1").unwrap(),
        TenantId::parse("t1").unwrap(),
        new,
        "v1.x.y".into(),
        1000,
    )
}

#[test]
fn a_new_config_uses_the_data_manager_api_unless_it_asks_for_the_ads_api() {
    let dm = validate_create(&google(json!({}))).unwrap();
    assert_eq!(dm.google.unwrap().api, GoogleApi::DataManager);
    let ads = validate_create(&google(json!({"googleApi": "adsApi"}))).unwrap();
    assert_eq!(ads.google.as_ref().unwrap().api, GoogleApi::AdsApi);
    let view = serde_json::to_value(stored(ads).view()).unwrap();
    assert_eq!(view["googleApi"], "adsApi");
}

#[test]
fn a_config_stored_before_the_field_existed_keeps_the_ads_api() {
    let mut json =
        serde_json::to_value(stored(validate_create(&google(json!({}))).unwrap())).unwrap();
    json["google"].as_object_mut().unwrap().remove("googleApi");
    let old: TrackingConfig = serde_json::from_value(json).unwrap();
    assert_eq!(old.google.unwrap().api, GoogleApi::AdsApi);
}

#[test]
fn bad_values_and_other_platforms_are_refused_by_field() {
    for bad in [
        json!("datamanager"),
        json!(1),
        json!("ADS_API"),
        json!(true),
    ] {
        let errs = validate_create(&google(json!({ "googleApi": bad }))).unwrap_err();
        assert_eq!(fields(&errs)[0].0, "googleApi", "{bad}");
    }
    let errs = validate_create(&input(json!({
        "platform": "Meta", "pixelId": "1234567890", "apiAccessToken": "EAAB",
        "googleApi": "dataManager"
    })))
    .unwrap_err();
    assert_eq!(fields(&errs), [("googleApi", "unknown_field")]);
}

#[test]
fn a_patch_switches_the_api_and_validates_it() {
    let mut c = stored(validate_create(&google(json!({}))).unwrap());
    let patch = validate_patch(&c, &input(json!({"googleApi": "adsApi"}))).unwrap();
    c.apply(patch, None, 2000);
    assert_eq!(c.google.as_ref().unwrap().api, GoogleApi::AdsApi);
    let errs = validate_patch(&c, &input(json!({"googleApi": null}))).unwrap_err();
    assert_eq!(fields(&errs)[0].0, "googleApi");
    let meta = meta_config();
    let errs = validate_patch(&meta, &input(json!({"googleApi": "adsApi"}))).unwrap_err();
    assert_eq!(fields(&errs), [("googleApi", "unknown_field")]);
}
