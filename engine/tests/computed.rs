//! Computed lines through the whole engine: a script's price billed exactly, and a runaway
//! script or plugin failing the bill with the rule and the limit named.
// Test code: a failed expectation should panic.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use chrono::NaiveDate;
use rust_decimal::Decimal;
use std::str::FromStr;
use voltlex_engine::billing::{bill, BillingError};
use voltlex_engine::inputs::{BillingInputs, LoadProfile};

/// April 2025 (30 days of 30-minute intervals) with 60,046 kWh in all.
fn april_60046_kwh() -> LoadProfile {
    let start = NaiveDate::from_ymd_opt(2025, 4, 1)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap();
    let mut kwh = vec![41.0; 30 * 48];
    kwh[0] = 1047.0; // 1,439 × 41 + 1,047 = 60,046
    LoadProfile {
        start,
        interval_minutes: 30,
        kwh,
    }
}

fn tariff(computed: &str) -> voltlex_dsl::rules::Tariff {
    let text = format!(
        "tariff \"T\" {{\n  currency JPY\n  round each line down to 1 JPY\n{computed}\n}}\n"
    );
    let compilation = voltlex_dsl::compile_text("t.vlx", &text);
    assert!(
        !compilation.has_errors(),
        "{}",
        compilation.render_diagnostics(false)
    );
    compilation.rules.tariffs[0].clone()
}

#[test]
fn a_script_price_is_billed_at_full_precision() {
    // A load-weighted price 145,159.98 JPY / 60,046 kWh = 2.41747993…: rounded to six places
    // (2.417480) it would bill 145,160; at the f64's precision it bills 145,159.98 → 145,159.
    let tariff = tariff(
        "  computed weighted {\n    script rhai \"\"\"\n      quantity(145159.98 / input.energy_kwh, \"JPY/kWh\")\n    \"\"\"\n    returns JPY/kWh\n  }",
    );
    let run = bill(&tariff, &april_60046_kwh(), &BillingInputs::default()).unwrap();
    let line = &run.months[0].lines[0];
    assert_eq!(line.item, "computed weighted");
    assert_eq!(line.amount, Decimal::from_str("145159").unwrap());
    assert!(line.rule.to_string().starts_with("t.vlx:"));
}

#[test]
fn a_runaway_script_fails_the_bill_naming_the_rule_and_the_limit() {
    let tariff = tariff(
        "  computed runaway {\n    script rhai \"\"\"\n      loop { }\n    \"\"\"\n    returns JPY per month\n  }",
    );
    let error = bill(&tariff, &april_60046_kwh(), &BillingInputs::default()).unwrap_err();
    assert!(matches!(error, BillingError::Computed { .. }), "{error:?}");
    let message = error.to_string();
    assert!(message.contains("computed runaway (t.vlx:4)"), "{message}");
    assert!(message.contains("2025-04"), "{message}");
    assert!(
        message.contains("operations limit") || message.contains("deadline limit"),
        "{message}"
    );
}

#[test]
fn a_script_with_the_wrong_unit_fails_the_bill() {
    let tariff = tariff(
        "  computed wrong_unit {\n    script rhai \"\"\"\n      quantity(1.0, \"JPY/kW per month\")\n    \"\"\"\n    returns JPY/kWh\n  }",
    );
    let message = bill(&tariff, &april_60046_kwh(), &BillingInputs::default())
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("computed wrong_unit") && message.contains("JPY/kWh"),
        "{message}"
    );
}
