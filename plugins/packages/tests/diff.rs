//! `voltlex diff`: changed rate lines by tariff, bill impact per customer (parallel equals
//! serial, totals equal the engine's own bills), percentiles, winners and losers, and
//! supersession by effective date.

// Test code: a failed expectation should panic.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use chrono::NaiveDate;
use rust_decimal::Decimal;
use voltlex_dsl::compile_text;
use voltlex_engine::inputs::LoadProfile;
use voltlex_packages::diff::{diff_rules, summarize, Comparison, Failure, TariffChange};

const OLD: &str = r#"
tariff "Depot" {
  currency JPY
  periods { day = every day 08:00..22:00  night = otherwise }
  demand { contract = monthly peak  charge 1_000 JPY/kW per month }
  energy { day 20.00 JPY/kWh; night 10.00 JPY/kWh }
  fixed meter 500 JPY per month
}
tariff "Retired" { currency JPY energy 30 JPY/kWh }
"#;

const NEW: &str = r#"
tariff "Depot" {
  currency JPY
  periods { day = every day 08:00..22:00  night = otherwise }
  demand { contract = monthly peak  charge 1_200 JPY/kW per month }
  energy { day 18.00 JPY/kWh; night 10.00 JPY/kWh }
  minimum 1_000 JPY per month
}
tariff "Fresh" { currency JPY energy 25 JPY/kWh }
"#;

#[test]
fn changed_lines_are_listed_by_tariff() {
    let old = compile_text("old.vlx", OLD);
    let new = compile_text("new.vlx", NEW);
    assert!(!old.has_errors() && !new.has_errors());
    let changes = diff_rules(&old.rules, &new.rules);
    assert_eq!(changes.len(), 3, "{changes:?}");
    let TariffChange::Changed(name, lines) = &changes[0] else {
        panic!("{changes:?}")
    };
    assert_eq!(name, "Depot");
    let show: Vec<String> = lines
        .iter()
        .map(|l| format!("{}: {:?} -> {:?}", l.line, l.old, l.new))
        .collect();
    assert_eq!(
        show,
        vec![
            "demand charge: Some(\"1000 JPY/kW per month\") -> Some(\"1200 JPY/kW per month\")",
            "energy day: Some(\"20 JPY/kWh\") -> Some(\"18 JPY/kWh\")",
            "fixed meter: Some(\"500 JPY per month\") -> None",
            "minimum: None -> Some(\"1000 JPY per month\")",
        ],
        "{show:#?}"
    );
    assert_eq!(changes[1], TariffChange::Removed("Retired".into()));
    assert_eq!(changes[2], TariffChange::Added("Fresh".into()));
    // Moving a rule down a line changes no rule.
    let moved = compile_text("moved.vlx", &format!("\n\n{OLD}"));
    assert!(diff_rules(&old.rules, &moved.rules).is_empty());
}

/// A customer: `day_kw` from 08:00 to 22:00, `night_kw` otherwise, for April 2025 (30 days).
fn customer(day_kw: f64, night_kw: f64) -> LoadProfile {
    let start = NaiveDate::from_ymd_opt(2025, 4, 1)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap();
    let kwh = (0..30 * 48)
        .map(|slot| {
            let hour = (slot % 48) / 2;
            (if (8..22).contains(&hour) {
                day_kw
            } else {
                night_kw
            }) / 2.0
        })
        .collect();
    LoadProfile {
        start,
        interval_minutes: 30,
        kwh,
    }
}

#[test]
fn bill_impact_per_customer_in_parallel_equals_the_serial_reference() {
    let old = compile_text("old.vlx", OLD);
    let new = compile_text("new.vlx", NEW);
    let comparison = Comparison::new(
        old.rules.tariff("Depot").unwrap(),
        new.rules.tariff("Depot").unwrap(),
    );
    // Day-heavy customers win (day energy −2 JPY/kWh), night-heavy ones lose (demand +200).
    let shapes = [(100.0, 10.0), (10.0, 100.0), (50.0, 50.0), (0.0, 0.0)];
    let load_of = |i: usize| -> Result<(String, LoadProfile), Failure> {
        let (day, night) = shapes[i];
        Ok((format!("c{i}"), customer(day, night)))
    };
    let parallel = comparison.impacts(shapes.len(), load_of, &|_| {});
    let serial = comparison.impacts_serial(shapes.len(), load_of);
    assert_eq!(parallel, serial);
    let impacts: Vec<_> = parallel.into_iter().map(Result::unwrap).collect();
    // c0 by hand: day 100 kW × 14 h × 30 d = 42,000 kWh, night 10 × 10 × 30 = 3,000 kWh, peak 100.
    //   old 42,000 × 20 + 3,000 × 10 + 100 × 1,000 + 500 = 970,500
    //   new 42,000 × 18 + 3,000 × 10 + 100 × 1,200       = 906,000
    assert_eq!(impacts[0].old_total, Decimal::from(970_500));
    assert_eq!(impacts[0].new_total, Decimal::from(906_000));
    // c1: day 10 × 14 × 30 = 4,200; night 100 × 10 × 30 = 30,000; peak 100.
    //   old 84,000 + 300,000 + 100,000 + 500 = 484,500; new 75,600 + 300,000 + 120,000 = 495,600
    assert_eq!(impacts[1].change(), Decimal::from(11_100));
    // c3 uses nothing: old 500 fixed, new the 1,000 minimum.
    assert_eq!(impacts[3].change(), Decimal::from(500));

    let summary = summarize(&impacts, 2);
    assert_eq!(summary.customers, 4);
    // c2: day 21,000 kWh, night 15,000, peak 50: old 420,000 + 150,000 + 50,000 + 500 =
    // 620,500; new 378,000 + 150,000 + 60,000 = 588,000: down 32,500.
    assert_eq!(impacts[2].change(), Decimal::from(-32_500));
    assert_eq!((summary.up, summary.down, summary.same), (2, 2, 0));
    let names = |list: &[voltlex_packages::diff::Impact]| {
        list.iter().map(|i| i.customer.clone()).collect::<Vec<_>>()
    };
    assert_eq!(names(&summary.winners), vec!["c0", "c2"]);
    assert_eq!(names(&summary.losers), vec!["c1", "c3"]);
    // Nearest-rank median of (−64,500, −32,500, 500, 11,100) is the 2nd value.
    assert!(summary
        .change_percentiles
        .contains(&(50, Decimal::from(-32_500))));
    let p0 = summary.change_percentiles.first().unwrap();
    let p100 = summary.change_percentiles.last().unwrap();
    assert_eq!(*p0, (0, Decimal::from(-64_500)));
    assert_eq!(*p100, (100, Decimal::from(11_100)));
}

#[test]
fn a_customer_that_cannot_be_billed_is_reported_not_counted() {
    let old = compile_text("old.vlx", OLD);
    let indexed = compile_text(
        "new.vlx",
        "tariff \"Depot\" { currency JPY energy 10 JPY/kWh adjustment fuel index \"fuel\" }",
    );
    assert!(
        !indexed.has_errors(),
        "{}",
        indexed.render_diagnostics(false)
    );
    let comparison = Comparison::new(
        old.rules.tariff("Depot").unwrap(),
        indexed.rules.tariff("Depot").unwrap(),
    );
    let results = comparison.impacts(1, |_| Ok(("c0".to_string(), customer(1.0, 1.0))), &|_| {});
    let failure = results[0].clone().unwrap_err();
    assert_eq!(failure.customer, "c0");
    assert!(
        failure.reason.starts_with("new tariff:"),
        "{}",
        failure.reason
    );
    assert!(failure.reason.contains("fuel"), "{}", failure.reason);
}
