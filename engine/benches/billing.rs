//! Billing one 30-minute site-year (17,520 intervals) under a Basic-Plan-like tariff, beside
//! a naive reference: the same bills computed by hand-written loops with no rules engine.
//! Both must agree on the total before anything is timed; the figure is the ratio.
//!
//! Run: `cargo bench -p voltlex-engine --bench billing -- --warm-up-time 1 --measurement-time 3`

// Test code: a failed expectation should panic.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::Instant;

use chrono::{Datelike, Duration, NaiveDate};
use criterion::{criterion_group, criterion_main, Criterion};
use rust_decimal::prelude::FromPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};
use voltlex_dsl::rules::*;
use voltlex_engine::billing::bill;
use voltlex_engine::inputs::{BillingInputs, IndexSeries, LoadProfile, PowerFactorInput};
use voltlex_engine::month::YearMonth;

const BASIC_OLD: i64 = 189000; // 1,890.00 JPY/kW until 2025-03-31
const BASIC_NEW: i64 = 303000; // 3,030.00 JPY/kW from 2025-04-01
const ENERGY_OLD: i64 = 1951; // 19.51 JPY/kWh
const ENERGY_NEW: i64 = 1656; // 16.56 JPY/kWh
const RENEWABLE_OLD: i64 = 349; // 3.49 JPY/kWh until 2025-04-30
const RENEWABLE_NEW: i64 = 398; // 3.98 JPY/kWh from 2025-05-01
const POWER_FACTOR: i64 = 97; // %

fn at(line: u32) -> RuleRef {
    RuleRef {
        file: "bench.vlx".into(),
        line,
        column: 3,
    }
}

fn date(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).unwrap()
}

fn steps(old: i64, new: i64, change: NaiveDate, line: u32) -> Timeline<Decimal> {
    Timeline {
        steps: vec![
            TimedValue {
                from: None,
                value: Decimal::new(old, 2),
                origin: at(line),
            },
            TimedValue {
                from: Some(change),
                value: Decimal::new(new, 2),
                origin: at(line + 1),
            },
        ],
        until: None,
    }
}

fn yen_down() -> Rounding {
    Rounding {
        step: Decimal::ONE,
        mode: RoundingMode::Down,
    }
}

/// TEPCO-like high-voltage Basic Plan: 12-month ratchet, power factor, flat energy, fuel
/// index (3-month average, 2 months' lag), renewable surcharge, 10 % tax included, each
/// line and the total rounded down to 1 JPY.
fn tariff() -> Tariff {
    Tariff {
        name: "Basic Plan (bench)".into(),
        origin: at(1),
        currency: Currency::Jpy,
        calendar: Calendar {
            kind: CalendarKind::Japan,
            time_zone: "Asia/Tokyo".into(),
            added: vec![],
            removed: vec![],
        },
        interval_minutes: 30,
        seasons: vec![],
        periods: vec![],
        demand: Some(Demand {
            origin: at(10),
            interval_minutes: 30,
            contract: ContractDemand::Ratchet { months: 12 },
            charge_per_kw: Some(steps(BASIC_OLD, BASIC_NEW, date(2025, 4, 1), 11)),
            power_factor: Some(PowerFactorRule {
                base: Decimal::new(85, 2),
                step: Decimal::new(1, 2),
                origin: at(13),
            }),
            holiday: None,
            subscription: None,
            rounding: None,
        }),
        energy: Some(EnergyCharge {
            pricing: EnergyPricing::Flat(steps(ENERGY_OLD, ENERGY_NEW, date(2025, 4, 1), 20)),
            origin: at(20),
            rounding: None,
        }),
        adjustments: vec![Adjustment {
            name: "fuel_cost".into(),
            index: "tepco-fuel".into(),
            lag_months: 2,
            average_months: 3,
            mode: AdjustmentMode::Monthly,
            share: Decimal::ONE,
            baseline: Timeline::constant(Decimal::ZERO, at(30)),
            unit_rounding: Some(Rounding {
                step: Decimal::new(1, 2),
                mode: RoundingMode::Down,
            }),
            rounding: None,
            origin: at(30),
        }],
        surcharges: vec![Surcharge {
            name: "renewable".into(),
            rate: steps(RENEWABLE_OLD, RENEWABLE_NEW, date(2025, 5, 1), 40),
            rounding: None,
            origin: at(40),
        }],
        fixed_charges: vec![],
        computed: vec![],
        minimum_bill: None,
        tax: Some(Tax {
            name: "consumption".into(),
            rate: Decimal::new(10, 2),
            included: true,
            origin: at(50),
        }),
        rounding: RoundingPolicy {
            each_line: Some((yen_down(), at(60))),
            total: Some((yen_down(), at(61))),
        },
        validity: None,
    }
}

/// FY2024 (2024-04-01 to 2025-03-31) at 30 minutes: a working-day shape, a seasonal swing
/// and deterministic noise (a linear congruential generator), kWh to 3 decimals.
fn site_year() -> LoadProfile {
    let start = date(2024, 4, 1).and_hms_opt(0, 0, 0).unwrap();
    let mut state: u64 = 0x5eed;
    let kwh = (0..17_520)
        .map(|i: usize| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            let noise = (state >> 33) as f64 / f64::from(1u32 << 31); // 0..1
            let when = start + Duration::minutes(30 * i as i64);
            let slot = i % 48;
            let working = when.weekday().num_days_from_monday() < 5 && (16..40).contains(&slot);
            let season =
                1.0 + 0.3 * ((when.ordinal() as f64 / 365.0) * std::f64::consts::TAU).sin();
            let kwh = (if working { 120.0 } else { 45.0 }) * season + 30.0 * noise;
            (kwh * 1000.0).round() / 1000.0
        })
        .collect();
    LoadProfile {
        start,
        interval_minutes: 30,
        kwh,
    }
}

/// Peaks of 2023-05..2024-03 and the fuel index from 2023-12.
fn inputs() -> BillingInputs {
    let history = (0..11)
        .map(|i| {
            (
                YearMonth::new(2023, 5).unwrap().plus(i),
                300.0 + f64::from(i) * 7.5,
            )
        })
        .collect();
    let fuel = (0..16)
        .map(|i| {
            let month = YearMonth::new(2023, 12).unwrap().plus(i);
            (month, Decimal::new(-150 + i64::from(i) * 13, 2))
        })
        .collect();
    BillingInputs {
        history,
        power_factor: Some(PowerFactorInput::Flat(Decimal::from(POWER_FACTOR))),
        indices: BTreeMap::from([("tepco-fuel".to_string(), IndexSeries::Monthly(fuel))]),
        ..BillingInputs::default()
    }
}

/// The naive reference: the same bills by plain loops over the intervals, prices and rules
/// written straight into the code.
fn naive(
    kwh: &[f64],
    history: &BTreeMap<YearMonth, f64>,
    fuel: &BTreeMap<YearMonth, Decimal>,
) -> Decimal {
    let three = |x: f64| {
        Decimal::from_f64(x)
            .unwrap()
            .round_dp_with_strategy(3, RoundingStrategy::MidpointAwayFromZero)
    };
    let down = |x: Decimal| x.round_dp_with_strategy(0, RoundingStrategy::ToZero);
    let mut peaks: Vec<f64> = Vec::new();
    let mut total = Decimal::ZERO;
    let mut month = YearMonth::new(2024, 4).unwrap();
    let mut first = 0;
    while first < kwh.len() {
        let len = month.days() as usize * 48;
        let mut energy = 0.0;
        let mut peak = 0.0f64;
        for &k in &kwh[first..first + len] {
            energy += k;
            peak = peak.max(k);
        }
        let peak_kw = peak * 2.0;
        peaks.push(peak_kw);
        let mut contract = 0.0f64;
        for back in 0..12 {
            let m = month.minus(back);
            let run_index = peaks.len() as i64 - 1 - i64::from(back);
            let p = if run_index >= 0 {
                peaks[run_index as usize]
            } else {
                history[&m]
            };
            contract = contract.max(p);
        }
        let new_prices = month >= YearMonth::new(2025, 4).unwrap();
        let (basic_price, energy_price) = if new_prices {
            (BASIC_NEW, ENERGY_NEW)
        } else {
            (BASIC_OLD, ENERGY_OLD)
        };
        let renewable = if month >= YearMonth::new(2025, 5).unwrap() {
            RENEWABLE_NEW
        } else {
            RENEWABLE_OLD
        };
        let kw = three(contract);
        let kwh_q = three(energy);
        let basic_raw = Decimal::new(basic_price, 2) * kw;
        let basic = down(basic_raw);
        let pf = down(basic_raw * Decimal::from(85 - POWER_FACTOR) / Decimal::ONE_HUNDRED);
        let energy_charge = down(Decimal::new(energy_price, 2) * kwh_q);
        let window: Decimal = (2..5).map(|lag| fuel[&month.minus(lag)]).sum();
        let unit = (window / Decimal::from(3)).round_dp_with_strategy(2, RoundingStrategy::ToZero);
        let fuel_charge = down(unit * kwh_q);
        let surcharge = down(Decimal::new(renewable, 2) * kwh_q);
        total += basic + pf + energy_charge + fuel_charge + surcharge;
        first += len;
        month = month.next();
    }
    total
}

fn billing(c: &mut Criterion) {
    let tariff = tariff();
    let load = site_year();
    let inputs = inputs();
    let IndexSeries::Monthly(fuel) = &inputs.indices["tepco-fuel"] else {
        panic!("tepco-fuel is a monthly series")
    };
    assert_eq!(load.kwh.len(), 17_520);

    let engine_total = bill(&tariff, &load, &inputs).expect("bench bill").total;
    let naive_total = naive(&load.kwh, &inputs.history, fuel);
    assert_eq!(
        engine_total, naive_total,
        "engine and naive reference disagree"
    );
    println!("site-year total: {engine_total} JPY (engine and naive agree)");

    let mut group = c.benchmark_group("billing site-year 30 min");
    group.bench_function("engine", |b| {
        b.iter(|| bill(black_box(&tariff), black_box(&load), black_box(&inputs)).unwrap())
    });
    group.bench_function("naive reference", |b| {
        b.iter(|| {
            naive(
                black_box(&load.kwh),
                black_box(&inputs.history),
                black_box(fuel),
            )
        })
    });
    group.finish();

    // The ratio, from a plain timing of both in the same run.
    let rounds = 200;
    let time = |f: &dyn Fn()| {
        let start = Instant::now();
        for _ in 0..rounds {
            f();
        }
        start.elapsed().as_secs_f64() / f64::from(rounds)
    };
    let engine = time(&|| {
        black_box(bill(&tariff, &load, &inputs).unwrap());
    });
    let reference = time(&|| {
        black_box(naive(&load.kwh, &inputs.history, fuel));
    });
    println!(
        "engine {:.1} µs, naive {:.1} µs per site-year: ratio engine/naive = {:.2}",
        engine * 1e6,
        reference * 1e6,
        engine / reference
    );
}

criterion_group!(benches, billing);
criterion_main!(benches);
