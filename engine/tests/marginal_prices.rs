//! Marginal prices against the billing engine: bill a month, add a little energy in one slot
//! (or raise the peak), bill again, and compare the bill's difference with the price.
//!
//! Each check runs twice: on the tariff as published, where each line is rounded down to
//! 1 JPY so the difference may be off by up to one yen per rounded line, and on the same
//! tariff with every line and total rounding removed, where it must agree to the
//! floating-point noise of converting prices to `f64`. Unit roundings (the market
//! adjustment's 0.01 JPY/kWh) stay: they are part of the price.

// Test code: a failed expectation should panic.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::BTreeMap;
use std::path::PathBuf;

use chrono::{Duration, NaiveDateTime};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use voltlex_dsl::rules::{EnergyPricing, Tariff, Tier, Timeline};
use voltlex_engine::billing::{
    bill, marginal_prices, BillRun, BillingError, LineKind, MonthlyBill,
};
use voltlex_engine::inputs::{BillingInputs, LoadProfile, PowerFactorInput};
use voltlex_engine::month::YearMonth;
use voltlex_engine::read;

// ---------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn tariff(package: &str, name: &str) -> Tariff {
    let compilation = voltlex_dsl::compile_path(&root().join("tariff-rules").join(package))
        .expect("package reads");
    assert!(
        !compilation.has_errors(),
        "{}",
        compilation.render_diagnostics(false)
    );
    compilation
        .rules
        .tariff(name)
        .unwrap_or_else(|| panic!("no tariff {name} in {package}"))
        .clone()
}

/// The tariff with every line and total rounding removed (unit roundings kept).
fn unrounded(tariff: &Tariff) -> Tariff {
    let mut tariff = tariff.clone();
    tariff.rounding.each_line = None;
    tariff.rounding.total = None;
    if let Some(demand) = &mut tariff.demand {
        demand.rounding = None;
    }
    if let Some(energy) = &mut tariff.energy {
        energy.rounding = None;
    }
    for adjustment in &mut tariff.adjustments {
        adjustment.rounding = None;
    }
    for surcharge in &mut tariff.surcharges {
        surcharge.rounding = None;
    }
    tariff
}

/// The example site-year of the README's command: load, history, power factors, the
/// fuel-cost index and the real JEPX 2024 Tokyo prices.
fn tepco_site() -> (LoadProfile, BillingInputs) {
    let examples = root().join("workbooks/examples");
    let load = read::load_csv(examples.join("site-2024-load.csv")).unwrap();
    let mut indices = BTreeMap::new();
    indices.insert(
        "tepco-fuel-cost".to_string(),
        read::index_file(examples.join("fuel-cost-tepco-hv.csv"), "tepco-fuel-cost").unwrap(),
    );
    indices.insert(
        "jepx-tokyo".to_string(),
        read::index_file(
            root().join("../shared/data/jepx/spot_summary_2024.csv"),
            "jepx-tokyo",
        )
        .unwrap(),
    );
    let inputs = BillingInputs {
        history: read::peak_history_csv(examples.join("site-2024-history.csv")).unwrap(),
        power_factor: Some(PowerFactorInput::Monthly(
            read::power_factor_csv(examples.join("site-2024-pf.csv")).unwrap(),
        )),
        indices,
        ..BillingInputs::default()
    };
    (load, inputs)
}

/// The site-year cut to April–December 2024: the JEPX file per interval covers 2024 only.
fn tepco_site_2024() -> (LoadProfile, BillingInputs) {
    let (mut load, inputs) = tepco_site();
    let end = index_of(&load, at("2025-01-01 00:00"));
    load.kwh.truncate(end);
    (load, inputs)
}

/// The EV depot's September–October 2027 test data (25 % and 50 % demand-charge phase-in).
fn depot_2027() -> (LoadProfile, BillingInputs) {
    let data = root().join("tariff-rules/ev-depot-tou/tests/data");
    let load = read::load_csv(data.join("load-2027-09-to-10.csv")).unwrap();
    let inputs = BillingInputs {
        history: read::peak_history_csv(data.join("history-2026-10-to-2027-08.csv")).unwrap(),
        ..BillingInputs::default()
    };
    (load, inputs)
}

fn at(text: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").unwrap()
}

fn ym(text: &str) -> YearMonth {
    text.parse().unwrap()
}

fn number(value: Decimal) -> f64 {
    value.to_f64().unwrap()
}

fn index_of(load: &LoadProfile, at: NaiveDateTime) -> usize {
    let minutes = (at - load.start).num_minutes();
    assert_eq!(
        minutes % i64::from(load.interval_minutes),
        0,
        "{at} off the grid"
    );
    usize::try_from(minutes / i64::from(load.interval_minutes)).unwrap()
}

fn month_of(run: &BillRun, month: YearMonth) -> &MonthlyBill {
    run.months.iter().find(|bill| bill.month == month).unwrap()
}

/// Sum of a month's demand lines (basic charge and power-factor adjustment).
fn demand_lines(run: &BillRun, month: YearMonth) -> f64 {
    number(
        month_of(run, month)
            .lines
            .iter()
            .filter(|line| matches!(line.kind, LineKind::Basic | LineKind::PowerFactor))
            .map(|line| line.amount)
            .sum(),
    )
}

/// Non-informational lines of a month that carry a rounding of their own (their number
/// bounds how far a rounded bill's difference may stray from the price × quantity).
fn rounded_lines(tariff: &Tariff, run: &BillRun, month: YearMonth) -> f64 {
    if tariff.rounding.each_line.is_none() && tariff.rounding.total.is_none() {
        return 0.0;
    }
    month_of(run, month)
        .lines
        .iter()
        .filter(|line| !line.informational)
        .count() as f64
}

/// The bill's change for `month` from adding energy to intervals of the load, and a check
/// that no earlier month moved — nor a later one, unless `carried` (a new peak raises the
/// ratchet of the months after it).
fn bill_difference(
    tariff: &Tariff,
    load: &LoadProfile,
    inputs: &BillingInputs,
    added: &[(NaiveDateTime, f64)],
    month: YearMonth,
    carried: bool,
) -> (f64, BillRun, BillRun) {
    let base = bill(tariff, load, inputs).unwrap();
    let mut bumped = load.clone();
    for &(when, kwh) in added {
        bumped.kwh[index_of(load, when)] += kwh;
    }
    let after = bill(tariff, &bumped, inputs).unwrap();
    for (before, later) in base.months.iter().zip(&after.months) {
        if before.month < month || (before.month > month && !carried) {
            assert_eq!(before.total, later.total, "{} moved", before.month);
        }
    }
    let difference = number(month_of(&after, month).total - month_of(&base, month).total);
    (difference, base, after)
}

/// Add `kwh` at `when` (one load interval, one slot): the bill moves by price × kWh, and the
/// month's peak does not move.
fn check_energy(tariff: &Tariff, load: &LoadProfile, inputs: &BillingInputs, when: &str, kwh: f64) {
    let when = at(when);
    let month = YearMonth::of(when.date());
    for (tariff, tolerance_per_line) in [(unrounded(tariff), 0.0), (tariff.clone(), 1.0)] {
        let prices = marginal_prices(&tariff, load, inputs, when, 1, load.interval_minutes)
            .unwrap_or_else(|error| panic!("{}: {error}", tariff.name));
        let price = prices.energy_per_kwh[0];
        let (difference, base, after) =
            bill_difference(&tariff, load, inputs, &[(when, kwh)], month, false);
        assert_eq!(
            month_of(&base, month).peak_kw,
            month_of(&after, month).peak_kw,
            "the added energy moved the peak"
        );
        let tolerance = 1e-6 + tolerance_per_line * rounded_lines(&tariff, &after, month);
        assert!(
            (difference - price * kwh).abs() <= tolerance,
            "{} at {when}: bill +{difference}, price {price} × {kwh} kWh = {} (tolerance {tolerance})",
            tariff.name,
            price * kwh
        );
    }
}

/// Raise the month's peak interval to `ratchet + above` kW: the demand lines move by the
/// demand price × `above`, and the whole bill by that plus the energy price of the energy
/// added. Also checks the ratchet level is the bill's contract demand without the change.
fn check_demand(
    tariff: &Tariff,
    load: &LoadProfile,
    inputs: &BillingInputs,
    month: &str,
    above: f64,
) -> f64 {
    let month = ym(month);
    let start = month.start().unwrap();
    let slots = usize::try_from(month.days()).unwrap() * 24 * 60
        / usize::try_from(load.interval_minutes).unwrap();
    let mut demand_price = 0.0;
    for (tariff, tolerance_per_line) in [(unrounded(tariff), 0.0), (tariff.clone(), 1.0)] {
        let prices =
            marginal_prices(&tariff, load, inputs, start, slots, load.interval_minutes).unwrap();
        assert_eq!(prices.months.len(), 1);
        let base = bill(&tariff, load, inputs).unwrap();
        assert_eq!(prices.ratchet_kw, month_of(&base, month).contract_kw);
        assert_eq!(
            prices.months[0].base_peak_kw,
            month_of(&base, month).peak_kw
        );

        // The month's peak interval (30-minute demand on 30-minute data).
        let first = index_of(load, start);
        let (offset, &old) = load.kwh[first..first + slots]
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.total_cmp(b.1))
            .unwrap();
        let hours = f64::from(load.interval_minutes) / 60.0;
        let added = (prices.ratchet_kw + above) * hours - old;
        let when = load.interval_start(first + offset);
        let (difference, base, after) =
            bill_difference(&tariff, load, inputs, &[(when, added)], month, true);
        assert!((month_of(&after, month).contract_kw - (prices.ratchet_kw + above)).abs() < 1e-9);

        let tolerance = 1e-6 + tolerance_per_line * 2.0;
        let demand_difference = demand_lines(&after, month) - demand_lines(&base, month);
        assert!(
            (demand_difference - prices.demand_per_kw_month * above).abs() <= tolerance,
            "{} {month}: demand lines +{demand_difference}, price {} × {above} kW",
            tariff.name,
            prices.demand_per_kw_month
        );
        let expected = prices.demand_per_kw_month * above + prices.energy_per_kwh[offset] * added;
        let tolerance = 1e-6 + tolerance_per_line * rounded_lines(&tariff, &after, month);
        assert!(
            (difference - expected).abs() <= tolerance,
            "{} {month}: bill +{difference}, expected {expected}",
            tariff.name
        );
        demand_price = prices.demand_per_kw_month;
    }
    demand_price
}

// ---------------------------------------------------------------------------------------
// TEPCO high-voltage Basic Plan: fuel-cost index (monthly), JEPX market index (monthly
// mode, lag 3, unit rounding), renewable surcharge, power factor, 12-month ratchet
// ---------------------------------------------------------------------------------------

const TEPCO_BASIC: &str = "TEPCO EP High-Voltage Basic Plan";

#[test]
fn tepco_basic_energy_price_matches_the_bill() {
    let tariff = tariff("jp-tepco-hv", TEPCO_BASIC);
    let (load, inputs) = tepco_site();
    for when in ["2024-07-10 03:00", "2024-11-20 14:30", "2025-01-05 23:30"] {
        check_energy(&tariff, &load, &inputs, when, 1.0);
        check_energy(&tariff, &load, &inputs, when, 12.5);
    }
}

#[test]
fn tepco_basic_energy_price_is_made_of_the_month_lines() {
    let tariff = tariff("jp-tepco-hv", TEPCO_BASIC);
    let (load, inputs) = tepco_site();
    let prices = marginal_prices(&tariff, &load, &inputs, at("2024-07-10 00:00"), 48, 30).unwrap();
    let run = bill(&tariff, &load, &inputs).unwrap();
    let july = month_of(&run, ym("2024-07"));
    // Every kWh-priced line's unit price, as the bill shows it, adds up to the price.
    let from_bill: f64 = july
        .lines
        .iter()
        .filter(|line| line.unit.as_deref() == Some("kWh"))
        .map(|line| number(line.unit_price.unwrap()))
        .sum();
    for &price in &prices.energy_per_kwh {
        assert!((price - from_bill).abs() < 1e-9, "{price} vs {from_bill}");
    }
    let names: Vec<&str> = prices.months[0]
        .per_kwh_month
        .iter()
        .map(|(name, _)| name.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "adjustment fuel_cost",
            "adjustment market_price",
            "surcharge renewable"
        ]
    );
    assert!(prices.not_included.is_empty());
}

#[test]
fn tepco_basic_demand_price_matches_the_bill() {
    let tariff = tariff("jp-tepco-hv", TEPCO_BASIC);
    let (load, inputs) = tepco_site();
    // July 2024: power factor 97 % → 1,890 × (185 − 97) / 100 = 1,663.2 JPY/kW.
    let july = check_demand(&tariff, &load, &inputs, "2024-07", 5.0);
    assert!((july - 1_663.2).abs() < 1e-9, "{july}");
    // FY2025 price in force from 2025-04-01 is beyond the load; January 2025 still FY2024.
    check_demand(&tariff, &load, &inputs, "2025-01", 2.5);
}

#[test]
fn a_peak_below_the_ratchet_costs_nothing() {
    let tariff = tariff("jp-tepco-hv", TEPCO_BASIC);
    let (load, inputs) = tepco_site();
    let start = at("2024-11-01 00:00");
    let prices = marginal_prices(&tariff, &load, &inputs, start, 30 * 48, 30).unwrap();
    let november = &prices.months[0];
    assert!(
        november.ratchet_kw > november.base_peak_kw + 10.0,
        "November's contract comes from an earlier month: {november:?}"
    );
    // Raise the month's peak to 1 kW under the ratchet: the demand lines do not move.
    let first = index_of(&load, start);
    let (offset, &old) = load.kwh[first..first + 30 * 48]
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(b.1))
        .unwrap();
    let added = (november.ratchet_kw - 1.0) * 0.5 - old;
    let (_, base, after) = bill_difference(
        &tariff,
        &load,
        &inputs,
        &[(load.interval_start(first + offset), added)],
        ym("2024-11"),
        false,
    );
    assert_eq!(
        demand_lines(&base, ym("2024-11")),
        demand_lines(&after, ym("2024-11"))
    );
}

// ---------------------------------------------------------------------------------------
// TEPCO Market-Linked Plan: the JEPX index per interval
// ---------------------------------------------------------------------------------------

#[test]
fn per_interval_market_price_matches_the_bill() {
    let tariff = tariff("jp-tepco-hv", "TEPCO EP High-Voltage Market-Linked Plan");
    let (load, inputs) = tepco_site_2024();
    for when in [
        "2024-07-10 03:00",
        "2024-07-10 17:30",
        "2024-08-01 00:00",
        "2024-12-31 23:30",
    ] {
        check_energy(&tariff, &load, &inputs, when, 1.0);
    }
    // Prices follow the spot price: they differ between slots of a day.
    let prices = marginal_prices(&tariff, &load, &inputs, at("2024-07-10 00:00"), 48, 30).unwrap();
    let (low, high) = prices
        .energy_per_kwh
        .iter()
        .fold((f64::MAX, f64::MIN), |(l, h), &p| (l.min(p), h.max(p)));
    assert!(high > low + 1.0, "{low}..{high}");
}

#[test]
fn an_hour_slot_is_the_mean_of_its_half_hours() {
    let tariff = unrounded(&tariff(
        "jp-tepco-hv",
        "TEPCO EP High-Voltage Market-Linked Plan",
    ));
    let (load, inputs) = tepco_site_2024();
    let from = at("2024-07-10 17:00");
    let half_hours = marginal_prices(&tariff, &load, &inputs, from, 2, 30).unwrap();
    let hour = marginal_prices(&tariff, &load, &inputs, from, 1, 60).unwrap();
    let mean = (half_hours.energy_per_kwh[0] + half_hours.energy_per_kwh[1]) / 2.0;
    assert!((hour.energy_per_kwh[0] - mean).abs() < 1e-9);
    // 2 kWh spread evenly over the hour: the bill moves by the hour's price × 2.
    let (difference, _, _) = bill_difference(
        &tariff,
        &load,
        &inputs,
        &[(from, 1.0), (from + Duration::minutes(30), 1.0)],
        ym("2024-07"),
        false,
    );
    assert!((difference - hour.energy_per_kwh[0] * 2.0).abs() < 1e-6);
    // A 15-minute slot lies in one half-hour and takes its price.
    let quarter =
        marginal_prices(&tariff, &load, &inputs, from + Duration::minutes(45), 1, 15).unwrap();
    assert!((quarter.energy_per_kwh[0] - half_hours.energy_per_kwh[1]).abs() < 1e-9);
}

// ---------------------------------------------------------------------------------------
// A tiered variant: the tier the month's base consumption lies in
// ---------------------------------------------------------------------------------------

#[test]
fn tiered_energy_is_priced_at_the_month_tier() {
    let base = tariff("jp-tepco-hv", TEPCO_BASIC);
    let (load, inputs) = tepco_site();
    let when = "2024-07-10 03:00";
    let july = marginal_prices(&base, &load, &inputs, at(when), 1, 30).unwrap();
    let used = july.months[0].base_energy_kwh;
    let rate = |value: i64| Timeline::constant(Decimal::new(value, 2), base.origin.clone());
    let tiers = |bound: f64| {
        let mut tariff = base.clone();
        let energy = tariff.energy.as_mut().unwrap();
        energy.pricing = EnergyPricing::Tiered(vec![
            Tier {
                up_to_kwh: Some(bound),
                rate: rate(1500),
            },
            Tier {
                up_to_kwh: None,
                rate: rate(2500),
            },
        ]);
        tariff
    };
    // Month above the bound: the upper tier (25.00) replaces the flat 19.51.
    let upper = tiers((used / 2.0).round());
    let prices = marginal_prices(&upper, &load, &inputs, at(when), 1, 30).unwrap();
    assert!((prices.energy_per_kwh[0] - (july.energy_per_kwh[0] - 19.51 + 25.0)).abs() < 1e-9);
    check_energy(&upper, &load, &inputs, when, 1.0);
    // Month well below the bound: the lower tier.
    let lower = tiers((used * 2.0).round());
    let prices = marginal_prices(&lower, &load, &inputs, at(when), 1, 30).unwrap();
    assert!((prices.energy_per_kwh[0] - (july.energy_per_kwh[0] - 19.51 + 15.0)).abs() < 1e-9);
    check_energy(&lower, &load, &inputs, when, 1.0);
}

// ---------------------------------------------------------------------------------------
// EV Depot TOU: seasons, periods, holidays, demand-charge phase-in
// ---------------------------------------------------------------------------------------

#[test]
fn depot_tou_energy_price_matches_the_bill() {
    let tariff = tariff("ev-depot-tou", "EV Depot TOU");
    let (load, inputs) = depot_2027();
    let cases = [
        // Summer business-day afternoon: peak 28.00 + renewable 3.98.
        ("2027-09-22 14:00", 31.98),
        // Autumnal Equinox Day, same hour: night 12.10 + 3.98.
        ("2027-09-23 14:30", 16.08),
        // Business-day morning: day 19.50 + 3.98.
        ("2027-09-22 09:00", 23.48),
        // October afternoon (not summer): day.
        ("2027-10-13 14:00", 23.48),
        // Night.
        ("2027-10-13 03:00", 16.08),
    ];
    for (when, expected) in cases {
        let prices = marginal_prices(&tariff, &load, &inputs, at(when), 1, 30).unwrap();
        assert!(
            (prices.energy_per_kwh[0] - expected).abs() < 1e-9,
            "{when}: {}",
            prices.energy_per_kwh[0]
        );
        check_energy(&tariff, &load, &inputs, when, 1.0);
        check_energy(&tariff, &load, &inputs, when, 7.5);
    }
}

#[test]
fn depot_tou_demand_price_follows_the_phase_in() {
    let tariff = tariff("ev-depot-tou", "EV Depot TOU");
    let (load, inputs) = depot_2027();
    // 1,650 JPY/kW × 25 % in September, × 50 % in October; above 2027-07's 388.8 kW.
    let september = check_demand(&tariff, &load, &inputs, "2027-09", 4.0);
    assert!((september - 412.5).abs() < 1e-9, "{september}");
    let october = check_demand(&tariff, &load, &inputs, "2027-10", 4.0);
    assert!((october - 825.0).abs() < 1e-9, "{october}");
}

#[test]
fn a_horizon_across_months_prices_each_month() {
    let tariff = tariff("ev-depot-tou", "EV Depot TOU");
    let (load, inputs) = depot_2027();
    // Two days of hourly slots from September 30th.
    let prices = marginal_prices(&tariff, &load, &inputs, at("2027-09-30 00:00"), 48, 60).unwrap();
    assert_eq!(prices.months.len(), 2);
    assert_eq!(prices.slot_month[..24], [0; 24]);
    assert_eq!(prices.slot_month[24..], [1; 24]);
    assert_eq!(prices.months[0].ratchet_kw, 388.8);
    assert_eq!(
        prices.demand_per_kw_month,
        prices.months[0].demand_per_kw_month
    );
    // September 30th (Thursday, summer) 13:00–16:00 is peak; October 1st (Friday) is not.
    assert!((prices.energy_per_kwh[14] - 31.98).abs() < 1e-9);
    assert!((prices.energy_per_kwh[24 + 14] - 23.48).abs() < 1e-9);
}

#[test]
fn a_waived_demand_charge_has_no_demand_price() {
    let tariff = tariff("ev-depot-tou", "EV Depot TOU");
    let data = root().join("tariff-rules/ev-depot-tou/tests/data");
    let load = read::load_csv(data.join("load-2025-09.csv")).unwrap();
    let inputs = BillingInputs {
        history: read::peak_history_csv(data.join("history-2025-04-to-08.csv")).unwrap(),
        supply_start: Some(ym("2025-04")),
        ..BillingInputs::default()
    };
    let prices = marginal_prices(&tariff, &load, &inputs, at("2025-09-01 00:00"), 48, 30).unwrap();
    assert_eq!(prices.demand_per_kw_month, 0.0);
    assert_eq!(prices.months[0].holiday_share, 0.0);
    assert_eq!(prices.ratchet_kw, 400.0);
}

// ---------------------------------------------------------------------------------------
// What is left out, and errors
// ---------------------------------------------------------------------------------------

#[test]
fn computed_lines_and_subscriptions_are_reported_as_not_included() {
    let tariff = tariff("us-pge-bev", "PG&E BEV-2-S");
    let data = root().join("tariff-rules/us-pge-bev/tests/data");
    let load = read::load_csv(data.join("load-2025-01.csv")).unwrap();
    let prices = marginal_prices(
        &tariff,
        &load,
        &BillingInputs::default(),
        at("2025-01-15 00:00"),
        96,
        15,
    )
    .unwrap();
    assert!(
        prices
            .not_included
            .iter()
            .any(|note| note.starts_with("subscription")),
        "{:?}",
        prices.not_included
    );
    assert_eq!(prices.demand_interval_minutes, 15);

    let bands = tariff_with_computed();
    let (load, inputs) = tepco_site();
    let prices = marginal_prices(&bands, &load, &inputs, at("2024-07-10 00:00"), 1, 30).unwrap();
    assert!(
        prices
            .not_included
            .iter()
            .any(|note| note.starts_with("computed")),
        "{:?}",
        prices.not_included
    );
}

/// The TEPCO Basic Plan with a `computed` line borrowed from the FY2025 four-band package.
fn tariff_with_computed() -> Tariff {
    let compilation =
        voltlex_dsl::compile_path(&root().join("tariff-rules/jp-tepco-hv-fy2025-bands")).unwrap();
    let with_computed = compilation
        .rules
        .tariffs
        .iter()
        .find(|t| !t.computed.is_empty())
        .expect("the bands package has a computed line");
    let mut tariff = tariff("jp-tepco-hv", TEPCO_BASIC);
    tariff.computed = with_computed.computed.clone();
    tariff
}

#[test]
fn a_horizon_outside_the_load_is_an_error() {
    let tariff = tariff("ev-depot-tou", "EV Depot TOU");
    let (load, inputs) = depot_2027();
    for (from, slots, minutes) in [
        ("2027-10-31 12:00", 48, 30),
        ("2027-08-31 23:30", 2, 30),
        ("2027-09-10 00:00", 0, 30),
        ("2027-09-10 00:00", 4, 0),
    ] {
        let error = marginal_prices(&tariff, &load, &inputs, at(from), slots, minutes).unwrap_err();
        assert!(
            matches!(error, BillingError::BadHorizon { .. }),
            "{from}: {error}"
        );
    }
}

#[test]
fn missing_inputs_fail_as_the_bill_does() {
    let tariff = tariff("jp-tepco-hv", TEPCO_BASIC);
    let (load, mut inputs) = tepco_site();
    inputs.power_factor = None;
    let error =
        marginal_prices(&tariff, &load, &inputs, at("2024-07-10 00:00"), 1, 30).unwrap_err();
    assert!(
        matches!(error, BillingError::MissingPowerFactor { .. }),
        "{error}"
    );
    inputs.indices.remove("jepx-tokyo");
    let error =
        marginal_prices(&tariff, &load, &inputs, at("2024-07-10 00:00"), 1, 30).unwrap_err();
    assert!(
        matches!(
            error,
            BillingError::MissingPowerFactor { .. } | BillingError::UnknownIndex { .. }
        ),
        "{error}"
    );
}
