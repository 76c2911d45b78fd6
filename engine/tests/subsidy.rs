//! Subsidy awards case by case, with amounts computed by hand in the comments, and the
//! properties every award set keeps: awards are above zero and an item's awards never exceed
//! its cost.

// Test code: a failed expectation should panic.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use chrono::NaiveDate;
use proptest::prelude::*;
use rust_decimal::Decimal;
use voltlex_dsl::rules::SubsidyRule;
use voltlex_engine::tco::subsidy::{awards, AttributeValue, Award, Item, ItemKind, SubsidyError};

const RULES: &str = r#"
subsidy "Tokyo normal charger works" {
  programme "Tokyo charger programme" local
  applies to charger where type == "normal"
  amount min(680000 JPY, works_price - awarded)
}

subsidy "Tokyo fast charger works" {
  programme "Tokyo charger programme" local
  applies to charger where type == "fast"
  amount min(3090000 JPY, 60000 JPY per kW * power, works_price - awarded)
}

subsidy "CEV charger (normal)" {
  programme "CEV" national
  applies to charger where type == "normal" and power <= 50 kW
  amount min(350000 JPY, 50% of equipment_price) + min(1350000 JPY, 100% of works_price)
  window 2025-04-01..2026-03-31
}

subsidy "LEVO truck" {
  programme "LEVO" national
  applies to vehicle where class == "truck" and powertrain == "BEV"
  amount 2/3 of (price - ice_price)
}

subsidy "CEV commercial EV" {
  programme "CEV" national
  applies to vehicle where powertrain == "BEV" and battery >= 20 kWh
  amount min(850000 JPY, 50% of (price - ice_price))
  excludes "LEVO truck"
}

subsidy "Generous" {
  programme "Test" local
  applies to battery
  amount price + 1000000 JPY
}

subsidy "Either" {
  programme "Test" national
  applies to pv where capacity >= 10 kW or price >= 1000000 JPY
  amount 2/3 of price
  round down to 1000 JPY
}
"#;

fn rules() -> Vec<SubsidyRule> {
    let compilation = voltlex_dsl::compile_text("rules.vlx", RULES);
    assert!(
        !compilation.has_errors(),
        "{}",
        compilation.render_diagnostics(false)
    );
    compilation.rules.subsidies
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn yen(n: i64) -> AttributeValue {
    AttributeValue::Money(Decimal::from(n))
}

fn text(t: &str) -> AttributeValue {
    AttributeValue::Text(t.into())
}

fn charger(kind: &str, power: f64, equipment: i64, works: i64) -> Item {
    Item::new(ItemKind::Charger, format!("{kind} charger"))
        .with("type", text(kind))
        .with("power", AttributeValue::Number(power))
        .with("equipment_price", yen(equipment))
        .with("works_price", yen(works))
}

fn vehicle(class: &str, powertrain: &str, battery: f64, price: i64, ice_price: i64) -> Item {
    Item::new(ItemKind::Vehicle, format!("{class} {powertrain}"))
        .with("class", text(class))
        .with("powertrain", text(powertrain))
        .with("battery", AttributeValue::Number(battery))
        .with("price", yen(price))
        .with("ice_price", yen(ice_price))
}

/// (subsidy, amount) of each award.
fn amounts(awards: &[Award]) -> Vec<(&str, i64)> {
    awards
        .iter()
        .map(|a| (a.subsidy.as_str(), a.amount.try_into().unwrap()))
        .collect()
}

const IN_FY2025: (i32, u32, u32) = (2025, 6, 1);

fn in_fy2025() -> NaiveDate {
    day(IN_FY2025.0, IN_FY2025.1, IN_FY2025.2)
}

#[test]
fn national_pays_first_then_local_what_remains() {
    // CEV: min(350,000, 50% × 400,000 = 200,000) + min(1,350,000, 2,000,000) = 1,550,000.
    // Tokyo (written first, applied second): min(680,000, 2,000,000 − 1,550,000 = 450,000).
    let got = awards(
        &rules(),
        &[charger("normal", 6.0, 400_000, 2_000_000)],
        in_fy2025(),
    )
    .unwrap();
    assert_eq!(
        amounts(&got),
        vec![
            ("CEV charger (normal)", 1_550_000),
            ("Tokyo normal charger works", 450_000)
        ]
    );
    assert_eq!(got[0].programme, "CEV");
    assert_eq!(got[0].item, "normal charger");
    assert_eq!(got[0].rule.line, 17);
    assert!(
        got[1]
            .trace
            .contains("2000000 (works_price) - 1550000 (awarded)"),
        "{}",
        got[1].trace
    );
}

#[test]
fn programme_caps_bind() {
    // Equipment 50% × 1,000,000 = 500,000 → cap 350,000; works 2,500,000 → cap 1,350,000.
    // Tokyo: min(680,000, 2,500,000 − 1,700,000 = 800,000) = 680,000.
    let got = awards(
        &rules(),
        &[charger("normal", 50.0, 1_000_000, 2_500_000)],
        in_fy2025(),
    )
    .unwrap();
    assert_eq!(
        amounts(&got),
        vec![
            ("CEV charger (normal)", 1_700_000),
            ("Tokyo normal charger works", 680_000)
        ]
    );
    assert!(got[0].trace.contains("= 350000"), "{}", got[0].trace);
}

#[test]
fn outside_the_window_or_the_condition_nothing() {
    // 2024-06-01 is before CEV's window: Tokyo alone, min(680,000, 800,000 − 0).
    let got = awards(
        &rules(),
        &[charger("normal", 6.0, 400_000, 800_000)],
        day(2024, 6, 1),
    )
    .unwrap();
    assert_eq!(amounts(&got), vec![("Tokyo normal charger works", 680_000)]);
    // The window's last day is in it, the day after is not.
    let last = awards(
        &rules(),
        &[charger("normal", 6.0, 400_000, 0)],
        day(2026, 3, 31),
    )
    .unwrap();
    assert_eq!(amounts(&last), vec![("CEV charger (normal)", 200_000)]);
    let after = awards(
        &rules(),
        &[charger("normal", 6.0, 400_000, 0)],
        day(2026, 4, 1),
    )
    .unwrap();
    assert!(after.is_empty());
    // 60 kW is above CEV's 50 kW: Tokyo alone.
    let big = awards(
        &rules(),
        &[charger("normal", 60.0, 400_000, 800_000)],
        in_fy2025(),
    )
    .unwrap();
    assert_eq!(amounts(&big), vec![("Tokyo normal charger works", 680_000)]);
}

#[test]
fn per_kw_cap_binds() {
    // Fast, 50 kW: min(3,090,000, 60,000 × 50 = 3,000,000, 5,000,000) = 3,000,000.
    let got = awards(
        &rules(),
        &[charger("fast", 50.0, 2_000_000, 5_000_000)],
        in_fy2025(),
    )
    .unwrap();
    assert_eq!(amounts(&got), vec![("Tokyo fast charger works", 3_000_000)]);
    assert!(
        got[0].trace.contains("60000 × 50 (power)"),
        "{}",
        got[0].trace
    );
    // 150 kW: 9,000,000 per kW, so the 3,090,000 cap binds.
    let big = awards(
        &rules(),
        &[charger("fast", 150.0, 2_000_000, 5_000_000)],
        in_fy2025(),
    )
    .unwrap();
    assert_eq!(amounts(&big), vec![("Tokyo fast charger works", 3_090_000)]);
    // 7.5 kW: 450,000, works 400,000 bind.
    let small = awards(
        &rules(),
        &[charger("fast", 7.5, 100_000, 400_000)],
        in_fy2025(),
    )
    .unwrap();
    assert_eq!(amounts(&small), vec![("Tokyo fast charger works", 400_000)]);
}

#[test]
fn excludes_rules_out_a_second_national_award() {
    // BEV truck: LEVO 2/3 × (15,000,000 − 6,000,000) = 6,000,000; CEV excluded.
    let truck = vehicle("truck", "BEV", 80.0, 15_000_000, 6_000_000);
    let got = awards(&rules(), &[truck], in_fy2025()).unwrap();
    assert_eq!(amounts(&got), vec![("LEVO truck", 6_000_000)]);
    // A van is no LEVO truck: CEV pays min(850,000, 50% × (4,000,000 − 2,500,000) = 750,000).
    let van = vehicle("van", "BEV", 40.0, 4_000_000, 2_500_000);
    let got = awards(&rules(), &[van], in_fy2025()).unwrap();
    assert_eq!(amounts(&got), vec![("CEV commercial EV", 750_000)]);
    // A small battery: not eligible.
    let kei = vehicle("kei-van", "BEV", 10.0, 2_500_000, 1_500_000);
    assert!(awards(&rules(), &[kei], in_fy2025()).unwrap().is_empty());
}

#[test]
fn a_negative_amount_is_no_award() {
    // Cheaper than its diesel twin: 50% × (2,000,000 − 2,500,000) < 0.
    let van = vehicle("van", "BEV", 40.0, 2_000_000, 2_500_000);
    assert!(awards(&rules(), &[van], in_fy2025()).unwrap().is_empty());
}

#[test]
fn the_items_cost_caps_its_awards() {
    // price + 1,000,000 for a 3,000,000 battery: capped at 3,000,000.
    let battery = Item::new(ItemKind::Battery, "storage").with("price", yen(3_000_000));
    let got = awards(&rules(), &[battery], in_fy2025()).unwrap();
    assert_eq!(amounts(&got), vec![("Generous", 3_000_000)]);
    assert!(
        got[0]
            .trace
            .contains("capped at the item's cost 3000000 less 0 already awarded: 3000000"),
        "{}",
        got[0].trace
    );
}

#[test]
fn rounding_and_short_circuit_or() {
    // capacity 12 kW ≥ 10 kW, so `price` is not compared; 2/3 × 1,000,000 = 666,666.67 → 666,000.
    let pv = Item::new(ItemKind::Pv, "roof")
        .with("capacity", AttributeValue::Number(12.0))
        .with("price", yen(1_000_000));
    let got = awards(&rules(), &[pv], in_fy2025()).unwrap();
    assert_eq!(amounts(&got), vec![("Either", 666_000)]);
    assert!(
        got[0].trace.contains("rounded down to 1000 JPY: 666000"),
        "{}",
        got[0].trace
    );
    // Items are independent: two items, two awards, in item order.
    let two = awards(
        &rules(),
        &[
            charger("fast", 50.0, 1, 5_000_000),
            charger("normal", 6.0, 400_000, 0),
        ],
        in_fy2025(),
    )
    .unwrap();
    assert_eq!(
        amounts(&two),
        vec![
            ("Tokyo fast charger works", 3_000_000),
            ("CEV charger (normal)", 200_000)
        ]
    );
}

#[test]
fn a_missing_attribute_names_the_item_the_attribute_and_the_rule() {
    let charger = Item::new(ItemKind::Charger, "depot 1")
        .with("type", text("normal"))
        .with("equipment_price", yen(400_000))
        .with("works_price", yen(800_000));
    let error = awards(&rules(), &[charger], in_fy2025()).unwrap_err();
    assert!(
        matches!(&error, SubsidyError::MissingAttribute(problem) if problem.attribute == "power")
    );
    assert_eq!(
        error.to_string(),
        "charger \"depot 1\" has no `power`, which subsidy \"CEV charger (normal)\" (rules.vlx:16) needs"
    );
}

#[test]
fn a_value_of_the_wrong_kind_is_an_error() {
    let charger = charger("normal", 6.0, 400_000, 800_000).with("power", text("6 kW"));
    let error = awards(&rules(), &[charger], in_fy2025()).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("`power` should be a finite number, found the text \"6 kW\""),
        "{error}"
    );
    let priced_as_number =
        Item::new(ItemKind::Battery, "b").with("price", AttributeValue::Number(1.0));
    assert!(matches!(
        awards(&rules(), &[priced_as_number], in_fy2025()),
        Err(SubsidyError::WrongAttribute(_))
    ));
}

#[test]
fn the_japanese_package_compiles_and_pays_a_normal_charger() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tariff-rules/jp-subsidies");
    let compilation = voltlex_dsl::compile_path(&dir).unwrap();
    assert!(
        !compilation.has_errors(),
        "{}",
        compilation.render_diagnostics(false)
    );
    assert!(compilation.rules.subsidies.len() >= 6);
    let got = awards(
        &compilation.rules.subsidies,
        &[charger("normal", 6.0, 400_000, 800_000)
            .with("v2g", AttributeValue::Flag(false))
            .with("with_truck", AttributeValue::Flag(false))],
        day(2024, 10, 1),
    )
    .unwrap();
    assert!(!got.is_empty());
}

fn arbitrary_item() -> impl Strategy<Value = Item> {
    let money = || (0i64..20_000_000).prop_map(yen);
    prop_oneof![
        (
            prop_oneof![Just("normal"), Just("fast"), Just("ultra-fast")],
            0.0f64..400.0,
            money(),
            money()
        )
            .prop_map(|(kind, power, equipment, works)| {
                Item::new(ItemKind::Charger, "c")
                    .with("type", text(kind))
                    .with("power", AttributeValue::Number(power))
                    .with("equipment_price", equipment)
                    .with("works_price", works)
            }),
        (
            prop_oneof![Just("truck"), Just("van"), Just("kei-van")],
            prop_oneof![Just("BEV"), Just("PHEV")],
            0.0f64..200.0,
            money(),
            money()
        )
            .prop_map(|(class, powertrain, battery, price, ice)| {
                Item::new(ItemKind::Vehicle, "v")
                    .with("class", text(class))
                    .with("powertrain", text(powertrain))
                    .with("battery", AttributeValue::Number(battery))
                    .with("price", price)
                    .with("ice_price", ice)
            }),
        money().prop_map(|price| Item::new(ItemKind::Battery, "b").with("price", price)),
        (0.0f64..100.0, money()).prop_map(|(capacity, price)| {
            Item::new(ItemKind::Pv, "p")
                .with("capacity", AttributeValue::Number(capacity))
                .with("price", price)
        }),
    ]
}

proptest! {
    #[test]
    fn awards_are_positive_and_never_exceed_the_cost(
        item in arbitrary_item(),
        days in 0i64..1200,
    ) {
        let date = day(2024, 1, 1) + chrono::Duration::days(days);
        let got = awards(&rules(), std::slice::from_ref(&item), date).unwrap();
        let cost = item.cost().unwrap();
        let mut total = Decimal::ZERO;
        for award in &got {
            prop_assert!(award.amount > Decimal::ZERO, "{award:?}");
            total += award.amount;
        }
        prop_assert!(total <= cost, "{total} > {cost}: {got:?}");
    }
}
