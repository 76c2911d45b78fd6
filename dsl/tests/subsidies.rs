//! `subsidy` blocks: parsing, checking, lowering, every subsidy diagnostic (insta snapshots of
//! the rendering, as users see it) and the formatter's round trip.

// Test code: a failed expectation should panic.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use rust_decimal::Decimal;
use voltlex_dsl::diagnostic::codes;
use voltlex_dsl::format::format_source;
use voltlex_dsl::rules::{
    AmountExpr, CompareOp, CompareValue, ProgrammeLevel, RoundingMode, SubsidyCondition,
    SubsidyItemKind,
};
use voltlex_dsl::{compile_text, Compilation};

const EXAMPLE: &str = r#"
subsidy "CEV charger (normal)" {
  programme "CEV" national
  applies to charger where type == "normal" and power <= 50 kW
  amount min(350000 JPY, 50% of equipment_price) + min(1350000 JPY, 100% of works_price)
  window 2025-04-01..2026-03-31
  excludes "LEVO truck"
}

subsidy "LEVO truck" {
  programme "LEVO" national
  applies to vehicle where class == "truck" and (powertrain == "BEV" or powertrain == "FCV") and not v2h
  amount 2/3 of (price - ice_price)
  round down to 1000 JPY
}

subsidy "Tokyo fast charger works" {
  programme "Tokyo charger programme" local
  applies to charger where type == "fast"
  amount min(3090000 JPY, 60000 JPY per kW * power, works_price - awarded)
}
"#;

fn compiled(text: &str) -> Compilation {
    let compilation = compile_text("s.vlx", text);
    assert!(
        !compilation.has_errors(),
        "{}",
        compilation.render_diagnostics(false)
    );
    compilation
}

fn dec(text: &str) -> Decimal {
    text.parse().unwrap()
}

#[test]
fn the_example_lowers_to_rules() {
    let compilation = compiled(EXAMPLE);
    let rules = &compilation.rules;
    assert_eq!(rules.subsidies.len(), 3);
    let cev = rules.subsidy("CEV charger (normal)").unwrap();
    assert_eq!(cev.programme, "CEV");
    assert_eq!(cev.level, ProgrammeLevel::National);
    assert_eq!(cev.applies_to, SubsidyItemKind::Charger);
    assert_eq!(cev.origin.line, 2);
    assert_eq!(cev.condition_origin.line, 4);
    assert_eq!(cev.amount_origin.line, 5);
    assert_eq!(
        cev.window,
        Some((
            chrono::NaiveDate::from_ymd_opt(2025, 4, 1).unwrap(),
            chrono::NaiveDate::from_ymd_opt(2026, 3, 31).unwrap()
        ))
    );
    assert_eq!(cev.excludes, vec!["LEVO truck".to_string()]);
    assert_eq!(
        cev.condition,
        Some(SubsidyCondition::All(vec![
            SubsidyCondition::Compare {
                attribute: "type".into(),
                op: CompareOp::Equal,
                value: CompareValue::Text("normal".into()),
            },
            SubsidyCondition::Compare {
                attribute: "power".into(),
                op: CompareOp::LessOrEqual,
                value: CompareValue::Number(50.0),
            },
        ]))
    );
    let equipment = AmountExpr::Min(vec![
        AmountExpr::Constant(dec("350000")),
        AmountExpr::ShareOf {
            share_text: "50%".into(),
            share: dec("0.5"),
            of: Box::new(AmountExpr::Attribute("equipment_price".into())),
        },
    ]);
    let AmountExpr::Add(left, _) = &cev.amount else {
        panic!("{:?}", cev.amount)
    };
    assert_eq!(**left, equipment);
    assert_eq!(
        cev.amount_text,
        "min(350000 JPY, 50% of equipment_price) + min(1350000 JPY, 100% of works_price)"
    );
    // Default rounding: down to 1 JPY.
    assert_eq!(cev.rounding.step, Decimal::ONE);
    assert_eq!(cev.rounding.mode, RoundingMode::Down);

    let levo = rules.subsidy("LEVO truck").unwrap();
    assert_eq!(levo.rounding.step, dec("1000"));
    let Some(SubsidyCondition::All(terms)) = &levo.condition else {
        panic!()
    };
    assert_eq!(terms.len(), 3);
    assert!(matches!(&terms[1], SubsidyCondition::Any(any) if any.len() == 2));
    assert_eq!(
        terms[2],
        SubsidyCondition::Not(Box::new(SubsidyCondition::Flag("v2h".into())))
    );
    let AmountExpr::ShareOf { share, of, .. } = &levo.amount else {
        panic!()
    };
    assert_eq!(*share, dec("2") / dec("3"));
    assert!(matches!(**of, AmountExpr::Subtract(_, _)));

    let tokyo = rules.subsidy("Tokyo fast charger works").unwrap();
    assert_eq!(tokyo.level, ProgrammeLevel::Local);
    let AmountExpr::Min(parts) = &tokyo.amount else {
        panic!()
    };
    assert_eq!(
        parts[1],
        AmountExpr::Multiply(
            Box::new(AmountExpr::Constant(dec("60000"))),
            Box::new(AmountExpr::Attribute("power".into()))
        )
    );
    assert_eq!(
        parts[2],
        AmountExpr::Subtract(
            Box::new(AmountExpr::Attribute("works_price".into())),
            Box::new(AmountExpr::Awarded)
        )
    );
    assert_eq!(tokyo.amount.attributes(), vec!["power", "works_price"]);
}

#[test]
fn rules_survive_json() {
    let compilation = compiled(EXAMPLE);
    let json = serde_json::to_string(&compilation.rules).unwrap();
    let back: voltlex_dsl::rules::CompiledRules = serde_json::from_str(&json).unwrap();
    assert_eq!(back, compilation.rules);
    // Rules serialised before subsidies existed still read.
    let old: voltlex_dsl::rules::CompiledRules =
        serde_json::from_str(r#"{"tariffs": []}"#).unwrap();
    assert!(old.subsidies.is_empty());
}

#[test]
fn money_per_unit_spellings_and_comparisons_of_every_kind() {
    let compilation = compiled(
        r#"subsidy "A" {
  programme "P" local
  applies to vehicle where gross_weight > 3.5 t and price >= 8400000 JPY and battery != 20 kWh and v2h == true
  amount max(1000 JPY, 80% of min(850000 JPY, price - ice_price)) * 1
}
subsidy "B" {
  programme "P" local
  applies to battery where capacity >= 10 kWh
  amount 10000 JPY/kWh * capacity + 2 * 1000 JPY
}
subsidy "C" {
  programme "P" national
  applies to pv
  amount min(100000 JPY per kW * capacity, price)
}"#,
    );
    let a = compilation.rules.subsidy("A").unwrap();
    let Some(SubsidyCondition::All(terms)) = &a.condition else {
        panic!()
    };
    assert_eq!(
        terms[1],
        SubsidyCondition::Compare {
            attribute: "price".into(),
            op: CompareOp::GreaterOrEqual,
            value: CompareValue::Money(dec("8400000")),
        }
    );
    assert_eq!(
        terms[3],
        SubsidyCondition::Compare {
            attribute: "v2h".into(),
            op: CompareOp::Equal,
            value: CompareValue::Flag(true),
        }
    );
    assert!(compilation.rules.subsidy("C").unwrap().condition.is_none());
}

/// Compiles `text`, expects its first diagnostic to have `code`, and snapshots the rendering.
fn expect(case: &str, text: &str, code: &str) {
    let compilation = compile_text("subsidy.vlx", text);
    let rendered = compilation.render_diagnostics(false);
    let first = compilation
        .diagnostics
        .first()
        .unwrap_or_else(|| panic!("{case}: expected {code}, but it compiles cleanly"));
    assert_eq!(first.code, code, "{case}\n{rendered}");
    assert!(first.is_error(), "{case}: {code} should be an error");
    assert!(compilation.rules.subsidies.len() < text.matches("subsidy \"").count());
    assert!(rendered.contains("subsidy.vlx:"), "{rendered}");
    assert!(rendered.contains('^'), "{rendered}");
    assert!(
        voltlex_dsl::diagnostic::codes::explain(code).is_some(),
        "{code} has no explanation"
    );
    insta::assert_snapshot!(case, rendered);
}

fn block(applies: &str, amount: &str) -> String {
    format!(
        "subsidy \"S\" {{\n  programme \"P\" national\n  applies to {applies}\n  amount {amount}\n}}\n"
    )
}

#[test]
fn unknown_attribute_names_the_known_ones() {
    expect(
        "subsidy_unknown_attribute",
        &block("vehicle where batery >= 20 kWh", "1000 JPY"),
        codes::UNKNOWN_ATTRIBUTE,
    );
    expect(
        "subsidy_unknown_attribute_in_amount",
        &block("charger", "50% of price"),
        codes::UNKNOWN_ATTRIBUTE,
    );
    expect(
        "subsidy_awarded_in_condition",
        &block("charger where awarded > 0 JPY", "1000 JPY"),
        codes::UNKNOWN_ATTRIBUTE,
    );
}

#[test]
fn unit_mismatches() {
    expect(
        "subsidy_unit_mismatch",
        &block("vehicle where battery >= 20 kW", "1000 JPY"),
        codes::WRONG_UNIT,
    );
    expect(
        "subsidy_number_without_unit",
        &block("charger where power <= 50", "1000 JPY"),
        codes::WRONG_UNIT,
    );
    expect(
        "subsidy_amount_in_usd",
        &block("charger", "1000 USD"),
        codes::CURRENCY_MISMATCH,
    );
}

#[test]
fn comparisons_of_different_kinds() {
    expect(
        "subsidy_text_compared_with_number",
        &block("vehicle where class == 3", "1000 JPY"),
        codes::CONDITION_TYPE,
    );
    expect(
        "subsidy_number_compared_with_text",
        &block("charger where power >= \"fast\"", "1000 JPY"),
        codes::CONDITION_TYPE,
    );
    expect(
        "subsidy_text_ordered",
        &block("charger where type < \"fast\"", "1000 JPY"),
        codes::CONDITION_TYPE,
    );
    expect(
        "subsidy_not_a_flag",
        &block("charger where power", "1000 JPY"),
        codes::CONDITION_TYPE,
    );
    expect(
        "subsidy_unknown_value",
        &block("vehicle where powertrain == \"EV\"", "1000 JPY"),
        codes::UNKNOWN_VALUE,
    );
}

#[test]
fn amounts_that_are_not_money() {
    expect(
        "subsidy_money_plus_power",
        &block("charger", "works_price + power"),
        codes::AMOUNT_TYPE,
    );
    expect(
        "subsidy_price_per_unit_alone",
        &block("charger", "60000 JPY per kW"),
        codes::AMOUNT_TYPE,
    );
    expect(
        "subsidy_price_per_wrong_unit",
        &block("charger", "60000 JPY per kWh * power"),
        codes::AMOUNT_TYPE,
    );
    expect(
        "subsidy_min_of_mixed_kinds",
        &block("charger", "min(1000 JPY, power)"),
        codes::AMOUNT_TYPE,
    );
    expect(
        "subsidy_text_in_amount",
        &block("charger", "1000 JPY * type"),
        codes::AMOUNT_TYPE,
    );
    expect(
        "subsidy_share_above_all",
        &block("charger", "150% of works_price"),
        codes::BAD_PERCENT,
    );
    expect(
        "subsidy_bad_fraction",
        &block("charger", "3/2 of works_price"),
        codes::BAD_NUMBER,
    );
}

#[test]
fn windows_exclusions_and_missing_statements() {
    expect(
        "subsidy_window_backwards",
        "subsidy \"S\" {\n  programme \"P\" national\n  applies to pv\n  amount 1 JPY\n  window 2026-03-31..2025-04-01\n}\n",
        codes::BAD_WINDOW,
    );
    expect(
        "subsidy_window_bad_date",
        "subsidy \"S\" {\n  programme \"P\" national\n  applies to pv\n  amount 1 JPY\n  window 2025-02-30..2026-03-31\n}\n",
        codes::BAD_DATE,
    );
    expect(
        "subsidy_excludes_unknown",
        "subsidy \"LEVO truck\" {\n  programme \"LEVO\" national\n  applies to vehicle\n  amount 1 JPY\n}\nsubsidy \"S\" {\n  programme \"P\" national\n  applies to vehicle\n  amount 1 JPY\n  excludes \"LEVO trucks\"\n}\n",
        codes::UNKNOWN_SUBSIDY,
    );
    expect(
        "subsidy_excludes_itself",
        "subsidy \"S\" {\n  programme \"P\" national\n  applies to vehicle\n  amount 1 JPY\n  excludes \"S\"\n}\n",
        codes::UNKNOWN_SUBSIDY,
    );
    expect(
        "subsidy_without_amount",
        "subsidy \"S\" {\n  programme \"P\" national\n  applies to vehicle\n}\n",
        codes::MISSING,
    );
    expect(
        "subsidy_given_twice",
        "subsidy \"S\" {\n  programme \"P\" national\n  applies to vehicle\n  amount 1 JPY\n  amount 2 JPY\n}\n",
        codes::DUPLICATE,
    );
    expect(
        "subsidy_unknown_statement",
        "subsidy \"S\" {\n  programme \"P\" national\n  applies to vehicle\n  amonut 1 JPY\n}\n",
        codes::UNKNOWN_ITEM,
    );
    expect(
        "subsidy_duplicate_name",
        "subsidy \"S\" {\n  programme \"P\" national\n  applies to pv\n  amount 1 JPY\n}\nsubsidy \"S\" {\n  programme \"P\" national\n  applies to pv\n  amount 2 JPY\n}\n",
        codes::DUPLICATE_NAME,
    );
}

#[test]
fn syntax_errors_name_what_was_expected() {
    expect(
        "subsidy_unknown_item_kind",
        "subsidy \"S\" {\n  programme \"P\" national\n  applies to truck\n  amount 1 JPY\n}\n",
        codes::SYNTAX,
    );
    expect(
        "subsidy_missing_level",
        "subsidy \"S\" {\n  programme \"P\"\n  applies to pv\n  amount 1 JPY\n}\n",
        codes::SYNTAX,
    );
    expect(
        "subsidy_single_equals",
        "subsidy \"S\" {\n  programme \"P\" national\n  applies to charger where type = \"fast\"\n  amount 1 JPY\n}\n",
        codes::SYNTAX,
    );
}

#[test]
fn fmt_lays_out_subsidies_and_reads_back_the_same() {
    let messy = "subsidy \"CEV\" { programme \"CEV\"   national; applies to charger where ( type==\"normal\" or v2g ) and power<=50 kW # the cap\n amount min( 350000 JPY ,50 % of equipment_price )+min(1350000 JPY, 100% of works_price) window 2025-04-01 .. 2026-03-31 excludes \"CEV\" , \"X\" }";
    let formatted = format_source(messy).unwrap();
    assert_eq!(
        formatted,
        "subsidy \"CEV\" {\n  programme \"CEV\" national\n  applies to charger where (type == \"normal\" or v2g) and power <= 50 kW # the cap\n  amount min(350000 JPY, 50% of equipment_price) + min(1350000 JPY, 100% of works_price)\n  window 2025-04-01..2026-03-31\n  excludes \"CEV\", \"X\"\n}\n"
    );
    // Idempotent, and the example reads back to the same rules.
    assert_eq!(format_source(&formatted).unwrap(), formatted);
    let example = format_source(EXAMPLE).unwrap();
    assert_eq!(format_source(&example).unwrap(), example);
    assert_eq!(compiled(&example).rules, {
        let mut rules = compiled(EXAMPLE).rules;
        // Only the origins move (the formatter drops the leading blank line).
        for rule in &mut rules.subsidies {
            rule.origin.line -= 1;
            rule.condition_origin.line -= 1;
            rule.amount_origin.line -= 1;
        }
        rules
    });
    let fractions = format_source("subsidy \"L\" { programme \"LEVO\" national applies to vehicle amount 2/3 of (price-ice_price) * 1 }").unwrap();
    assert!(
        fractions.contains("  amount 2/3 of (price - ice_price) * 1\n"),
        "{fractions}"
    );
}
