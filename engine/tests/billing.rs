//! Bills under hand-built tariffs, with every expected amount worked out by hand in the
//! comments, and every error path of `bill`.

// Test code: a failed expectation should panic.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::BTreeMap;
use std::str::FromStr;

use chrono::{Duration, NaiveDate, NaiveDateTime};
use rust_decimal::Decimal;
use voltlex_dsl::rules::*;
use voltlex_engine::billing::{bill, BillRun, BillingError, LineKind, MonthlyBill};
use voltlex_engine::inputs::{BillingInputs, IndexSeries, LoadProfile, PowerFactorInput};
use voltlex_engine::month::YearMonth;

// ---------------------------------------------------------------------------------------
// Builders
// ---------------------------------------------------------------------------------------

fn at(line: u32) -> RuleRef {
    RuleRef {
        file: "test.vlx".into(),
        line,
        column: 3,
    }
}

fn dec(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap()
}

fn day(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

fn time(text: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").unwrap()
}

fn ym(text: &str) -> YearMonth {
    text.parse().unwrap()
}

fn constant(value: &str, line: u32) -> Timeline<Decimal> {
    Timeline::constant(dec(value), at(line))
}

fn down(step: &str) -> Rounding {
    Rounding {
        step: dec(step),
        mode: RoundingMode::Down,
    }
}

fn nearest(step: &str) -> Rounding {
    Rounding {
        step: dec(step),
        mode: RoundingMode::Nearest,
    }
}

/// A tariff with nothing in it: 30-minute intervals, weekends-only calendar.
fn empty_tariff(currency: Currency) -> Tariff {
    Tariff {
        name: "test plan".into(),
        origin: at(1),
        currency,
        calendar: Calendar {
            kind: CalendarKind::WeekendsOnly,
            time_zone: "Asia/Tokyo".into(),
            added: vec![],
            removed: vec![],
        },
        interval_minutes: 30,
        seasons: vec![],
        periods: vec![],
        demand: None,
        energy: None,
        adjustments: vec![],
        surcharges: vec![],
        fixed_charges: vec![],
        computed: vec![],
        minimum_bill: None,
        tax: None,
        rounding: RoundingPolicy::default(),
        validity: None,
    }
}

fn demand(contract: ContractDemand, charge: Option<&str>) -> Demand {
    Demand {
        origin: at(10),
        interval_minutes: 30,
        contract,
        charge_per_kw: charge.map(|price| constant(price, 11)),
        power_factor: None,
        holiday: None,
        subscription: None,
        rounding: None,
    }
}

fn flat_energy(price: &str) -> EnergyCharge {
    EnergyCharge {
        pricing: EnergyPricing::Flat(constant(price, 20)),
        origin: at(20),
        rounding: None,
    }
}

fn yen_each_line() -> RoundingPolicy {
    RoundingPolicy {
        each_line: Some((down("1"), at(90))),
        total: None,
    }
}

/// `months` whole months of `minutes`-minute data from the 1st of `first`, energy per
/// interval given by `kwh(interval start)`.
fn load(first: &str, months: u32, minutes: u32, kwh: impl Fn(NaiveDateTime) -> f64) -> LoadProfile {
    let first = ym(first);
    let start = first.start().unwrap();
    let end = first.plus(months).start().unwrap();
    let count = ((end - start).num_minutes() / i64::from(minutes)) as usize;
    let step = Duration::minutes(i64::from(minutes));
    LoadProfile {
        start,
        interval_minutes: minutes,
        kwh: (0..count).map(|i| kwh(start + step * i as i32)).collect(),
    }
}

fn line<'b>(month: &'b MonthlyBill, item: &str) -> &'b voltlex_engine::billing::LineItem {
    month
        .lines
        .iter()
        .find(|line| line.item == item)
        .unwrap_or_else(|| panic!("no line {item:?} in {:#?}", month.lines))
}

fn amounts(month: &MonthlyBill) -> Vec<(String, Decimal)> {
    month
        .lines
        .iter()
        .map(|line| (line.item.clone(), line.amount))
        .collect()
}

fn items(pairs: &[(&str, &str)]) -> Vec<(String, Decimal)> {
    pairs
        .iter()
        .map(|(item, amount)| (item.to_string(), dec(amount)))
        .collect()
}

fn assert_sums(run: &BillRun) {
    let mut run_total = Decimal::ZERO;
    for month in &run.months {
        let sum: Decimal = month
            .lines
            .iter()
            .filter(|line| !line.informational)
            .map(|line| line.amount)
            .sum();
        assert_eq!(
            sum, month.total,
            "lines of {} sum to its total",
            month.month
        );
        assert!(month.contract_kw >= month.peak_kw);
        run_total += month.total;
    }
    assert_eq!(run_total, run.total);
}

// ---------------------------------------------------------------------------------------
// Japanese high-voltage: ratchet + power factor + flat energy + fuel index + 30 % market
// adjustment + renewable surcharge + 10 % tax included + each line down to 1 JPY
// ---------------------------------------------------------------------------------------

fn japanese_high_voltage() -> Tariff {
    let mut tariff = empty_tariff(Currency::Jpy);
    tariff.name = "TEPCO EP high-voltage Basic Plan".into();
    tariff.demand = Some(Demand {
        power_factor: Some(PowerFactorRule {
            base: dec("0.85"),
            step: dec("0.01"),
            origin: at(12),
        }),
        ..demand(ContractDemand::Ratchet { months: 12 }, Some("1890.00"))
    });
    tariff.energy = Some(flat_energy("19.51"));
    tariff.adjustments = vec![
        Adjustment {
            name: "fuel_cost".into(),
            index: "tepco-fuel".into(),
            lag_months: 2,
            average_months: 3,
            mode: AdjustmentMode::Monthly,
            share: Decimal::ONE,
            baseline: constant("0", 30),
            unit_rounding: Some(down("0.01")),
            rounding: None,
            origin: at(30),
        },
        Adjustment {
            name: "market_price".into(),
            index: "jepx-tokyo".into(),
            lag_months: 0,
            average_months: 1,
            mode: AdjustmentMode::PerInterval,
            share: dec("0.30"),
            baseline: constant("10.00", 31),
            unit_rounding: None,
            rounding: None,
            origin: at(31),
        },
    ];
    tariff.surcharges = vec![Surcharge {
        name: "renewable".into(),
        rate: constant("3.49", 40),
        rounding: None,
        origin: at(40),
    }];
    tariff.tax = Some(Tax {
        name: "consumption".into(),
        rate: dec("0.10"),
        included: true,
        origin: at(50),
    });
    tariff.rounding = yen_each_line();
    tariff
}

/// April 2024: 100 kWh every half hour (200 kW), 150 kWh (300 kW) at 2024-04-10 13:00.
fn april_load() -> LoadProfile {
    load("2024-04", 1, 30, |start| {
        if start == time("2024-04-10 13:00") {
            150.0
        } else {
            100.0
        }
    })
}

fn fuel_index() -> IndexSeries {
    IndexSeries::Monthly(BTreeMap::from([
        (ym("2023-12"), dec("-1.00")),
        (ym("2024-01"), dec("-1.20")),
        (ym("2024-02"), dec("-1.40")),
        (ym("2024-03"), dec("-1.60")),
    ]))
}

/// JEPX at 12.00 JPY/kWh for every half hour of `months` from `first`, 20.00 at 2024-04-10 13:00.
fn jepx(first: &str, months: u32) -> IndexSeries {
    let source = load(first, months, 30, |_| 0.0);
    let values = (0..source.kwh.len())
        .map(|i| {
            let start = source.interval_start(i);
            let price = if start == time("2024-04-10 13:00") {
                "20.00"
            } else {
                "12.00"
            };
            (start, dec(price))
        })
        .collect();
    IndexSeries::Interval {
        interval_minutes: 30,
        values,
    }
}

/// Peaks of May 2023 – March 2024, the largest 412.5 kW in August 2023.
fn history() -> BTreeMap<YearMonth, f64> {
    (0..11)
        .map(|i| {
            let month = ym("2023-05").plus(i);
            (month, if month == ym("2023-08") { 412.5 } else { 250.0 })
        })
        .collect()
}

fn japanese_inputs() -> BillingInputs {
    BillingInputs {
        history: history(),
        power_factor: Some(PowerFactorInput::Flat(dec("98"))),
        indices: BTreeMap::from([
            ("tepco-fuel".to_string(), fuel_index()),
            ("jepx-tokyo".to_string(), jepx("2024-04", 1)),
        ]),
        ..BillingInputs::default()
    }
}

#[test]
fn japanese_high_voltage_month() {
    let run = bill(&japanese_high_voltage(), &april_load(), &japanese_inputs()).unwrap();
    assert_eq!(run.currency, Currency::Jpy);
    assert_eq!(run.months.len(), 1);
    let april = &run.months[0];
    assert_eq!(april.month, ym("2024-04"));
    // 1,439 × 100 kWh + 150 kWh = 144,050 kWh; peak 150 kWh in 30 min = 300 kW.
    assert_eq!(april.energy_kwh, 144_050.0);
    assert_eq!(april.peak_kw, 300.0);
    // Ratchet over 2023-05..2024-04: 412.5 kW in 2023-08 beats this month's 300 kW.
    assert_eq!(april.contract_kw, 412.5);
    assert_eq!(
        april.contract_basis,
        "max monthly peak 2023-05..2024-04: 412.5 kW in 2023-08"
    );
    assert_eq!(april.power_factor, Some(dec("98")));
    assert!(april.energy_by_period.is_empty());

    assert_eq!(
        amounts(april),
        items(&[
            // 1,890.00 × 412.5 = 779,625.00
            ("basic charge", "779625"),
            // Rounded once, as the utility does: 779,625.00 × (1 + (85 − 98) × 1 %)
            // = 678,273.75 → down 678,273; less the basic line 779,625 = −101,352.
            ("power-factor adjustment", "-101352"),
            // 19.51 × 144,050 = 2,810,415.50 → 2,810,415
            ("energy", "2810415"),
            // window 2023-12..2024-02 (lag 2, 3 months): mean(−1.00, −1.20, −1.40) = −1.20;
            // −1.20 × 144,050 = −172,860.00
            ("adjustment fuel_cost", "-172860"),
            // 30 % × (1,439 × 100 × (12.00 − 10.00) + 150 × (20.00 − 10.00))
            //   = 30 % × (287,800 + 1,500) = 86,790.00
            ("adjustment market_price", "86790"),
            // 3.49 × 144,050 = 502,734.50 → 502,734
            ("surcharge renewable", "502734"),
            // subtotal 3,905,352 × 0.10 / 1.10 = 355,032.00 → 355,032 (informational)
            ("consumption tax (included)", "355032"),
        ])
    );
    assert_eq!(april.total, dec("3905352"));
    assert_eq!(run.total, dec("3905352"));
    assert_sums(&run);

    let basic = line(april, "basic charge");
    assert_eq!(basic.kind, LineKind::Basic);
    assert_eq!(basic.quantity, Some(dec("412.5")));
    assert_eq!(basic.unit.as_deref(), Some("kW"));
    assert_eq!(basic.unit_price, Some(dec("1890.00")));
    assert_eq!(basic.rule, at(11));
    assert_eq!(
        basic.calculation,
        "1,890.00 JPY/kW × 412.5 kW = 779,625.00 → round down to 1 JPY"
    );
    let pf = line(april, "power-factor adjustment");
    assert_eq!(pf.rule, at(12));
    assert_eq!(
        pf.calculation,
        "basic 779,625.00 JPY × (1 + (85 − 98) points × 1 %) = 678,273.75 → round down to 1 JPY; less the basic line 779,625 = -101,352"
    );
    let fuel = line(april, "adjustment fuel_cost");
    assert_eq!(fuel.unit_price, Some(dec("-1.20")));
    assert_eq!(fuel.rule, at(30));
    assert!(
        fuel.calculation
            .contains("mean of tepco-fuel 2023-12..2024-02"),
        "{}",
        fuel.calculation
    );
    let tax = line(april, "consumption tax (included)");
    assert!(tax.informational);
    assert_eq!(tax.kind, LineKind::Tax);
    assert_eq!(tax.rule, at(50));
    let energy = line(april, "energy");
    assert_eq!(energy.rule, at(20));
    assert_eq!(
        energy.calculation,
        "19.51 JPY/kWh × 144,050 kWh = 2,810,415.50 → round down to 1 JPY"
    );
    assert_eq!(line(april, "surcharge renewable").rule, at(40));

    // The bill serialises (the CLI prints it as JSON).
    let json = serde_json::to_value(&run).unwrap();
    assert_eq!(json["months"][0]["lines"][0]["kind"], "Basic");
    assert_eq!(json["months"][0]["month"], "2024-04");
}

#[test]
fn ratchet_uses_the_run_before_history_and_rates_in_force_on_the_first() {
    let mut tariff = japanese_high_voltage();
    tariff.adjustments.clear();
    tariff.surcharges.clear();
    tariff.tax = None;
    // The basic charge changes on 2024-05-15: May still bills 1,890.00 (in force on the 1st).
    tariff.demand.as_mut().unwrap().charge_per_kw = Some(Timeline {
        steps: vec![
            TimedValue {
                from: None,
                value: dec("1890.00"),
                origin: at(11),
            },
            TimedValue {
                from: Some(day("2024-05-15")),
                value: dec("3030.00"),
                origin: at(13),
            },
        ],
        until: None,
    });
    // April 250 kW, May 500 kW, June 100 kW (constant half-hours).
    let load = load("2024-04", 3, 30, |start| {
        match start.format("%m").to_string().as_str() {
            "04" => 125.0,
            "05" => 250.0,
            _ => 50.0,
        }
    });
    let mut inputs = japanese_inputs();
    // A (wrong) history entry for May is ignored: the run's own May comes first.
    inputs.history.insert(ym("2024-05"), 9999.0);
    let run = bill(&tariff, &load, &inputs).unwrap();
    let [april, may, june] = &run.months[..] else {
        panic!("three months")
    };
    assert_eq!(april.contract_kw, 412.5);
    assert_eq!(may.peak_kw, 500.0);
    assert_eq!(may.contract_kw, 500.0);
    assert_eq!(
        may.contract_basis,
        "max monthly peak 2023-06..2024-05: 500 kW in 2024-05"
    );
    assert_eq!(june.peak_kw, 100.0);
    assert_eq!(june.contract_kw, 500.0);
    assert_eq!(
        june.contract_basis,
        "max monthly peak 2023-07..2024-06: 500 kW in 2024-05"
    );
    // May: 1,890.00 × 500 = 945,000 (the 3,030.00 of 05-15 is not in force on 05-01).
    assert_eq!(line(may, "basic charge").amount, dec("945000"));
    assert_eq!(line(may, "basic charge").rule, at(11));
    // June: 3,030.00 × 500 = 1,515,000, traced to the new step.
    assert_eq!(line(june, "basic charge").amount, dec("1515000"));
    assert_eq!(line(june, "basic charge").rule, at(13));
    // June power factor: 1,515,000 × −13 % = −196,950.
    assert_eq!(line(june, "power-factor adjustment").amount, dec("-196950"));
    assert_sums(&run);
}

#[test]
fn new_supply_needs_no_history_before_supply_start() {
    let mut tariff = japanese_high_voltage();
    tariff.adjustments.clear();
    let inputs = BillingInputs {
        supply_start: Some(ym("2024-03")),
        history: BTreeMap::from([(ym("2024-03"), 320.0)]),
        power_factor: Some(PowerFactorInput::Monthly(BTreeMap::from([(
            ym("2024-04"),
            dec("85"),
        )]))),
        ..BillingInputs::default()
    };
    let run = bill(&tariff, &april_load(), &inputs).unwrap();
    let april = &run.months[0];
    assert_eq!(april.contract_kw, 320.0);
    assert_eq!(
        april.contract_basis,
        "max monthly peak since supply start 2024-03..2024-04: 320 kW in 2024-03"
    );
    // Power factor 85 %: no adjustment. 1,890.00 × 320 = 604,800.
    assert_eq!(line(april, "basic charge").amount, dec("604800"));
    assert_eq!(line(april, "power-factor adjustment").amount, dec("0"));
}

// ---------------------------------------------------------------------------------------
// Time of use, seasons, tiers
// ---------------------------------------------------------------------------------------

fn summer_other() -> Vec<Season> {
    let md = |month, day| MonthDay { month, day };
    vec![
        Season {
            name: "summer".into(),
            ranges: vec![(md(7, 1), md(9, 30))],
            origin: at(5),
        },
        Season {
            name: "other".into(),
            ranges: vec![(md(10, 1), md(6, 30))],
            origin: at(6),
        },
    ]
}

fn tou_tariff() -> Tariff {
    let mut tariff = empty_tariff(Currency::Jpy);
    tariff.name = "EV depot TOU".into();
    // Marine Day 2024-07-15 as an added holiday (the weekends-only calendar has none).
    tariff.calendar.added = vec![day("2024-07-15")];
    tariff.seasons = summer_other();
    let range = |from: u32, to: u32| TimeRange {
        start_minute: from * 60,
        end_minute: to * 60,
    };
    tariff.periods = vec![
        Period {
            name: "peak".into(),
            rule: PeriodRule::When {
                clauses: vec![PeriodClause {
                    days: vec![DaySet::Weekdays],
                    times: vec![range(13, 16)],
                    seasons: vec!["summer".into()],
                }],
                except: vec![],
            },
            origin: at(7),
        },
        Period {
            name: "day".into(),
            rule: PeriodRule::When {
                clauses: vec![PeriodClause {
                    days: vec![DaySet::Weekdays],
                    times: vec![range(8, 22)],
                    seasons: vec![],
                }],
                except: vec!["peak".into()],
            },
            origin: at(8),
        },
        Period {
            name: "night".into(),
            rule: PeriodRule::Otherwise,
            origin: at(9),
        },
    ];
    let rate = |key: &str, price: &str, line| KeyedRate {
        key: key.into(),
        rate: constant(price, line),
    };
    tariff.energy = Some(EnergyCharge {
        pricing: EnergyPricing::ByPeriod(vec![
            rate("peak", "28.00", 21),
            rate("day", "19.50", 22),
            rate("night", "12.10", 23),
        ]),
        origin: at(20),
        rounding: None,
    });
    tariff.rounding = yen_each_line();
    tariff
}

#[test]
fn time_of_use_periods_with_a_holiday() {
    // July 2024, 15-minute data of 0.5 kWh (2 kW) against 30-minute tariff periods.
    let load = load("2024-07", 1, 15, |_| 0.5);
    let run = bill(&tou_tariff(), &load, &BillingInputs::default()).unwrap();
    let july = &run.months[0];
    // 23 weekdays in July 2024, minus the added holiday 07-15: 22 business days.
    // peak: 13:00–16:00 = 3 h × 2 kW = 6 kWh × 22 = 132 kWh
    // day: 08:00–22:00 minus peak = 11 h × 2 kW = 22 kWh × 22 = 484 kWh
    // night: 31 × 48 kWh − 132 − 484 = 872 kWh
    assert_eq!(
        july.energy_by_period,
        vec![
            ("peak".to_string(), 132.0),
            ("day".to_string(), 484.0),
            ("night".to_string(), 872.0)
        ]
    );
    assert_eq!(
        amounts(july),
        items(&[
            ("energy (peak)", "3696"),   // 28.00 × 132
            ("energy (day)", "9438"),    // 19.50 × 484
            ("energy (night)", "10551"), // 12.10 × 872 = 10,551.20 → 10,551
        ])
    );
    assert_eq!(line(july, "energy (day)").rule, at(22));
    assert_eq!(july.total, dec("23685"));
    assert_eq!(july.peak_kw, 2.0);
    assert_sums(&run);
}

#[test]
fn time_of_use_lines_only_for_periods_that_occur() {
    // October: no summer, so no peak period, and no "energy (peak)" line.
    let load = load("2024-10", 1, 30, |_| 1.0);
    let run = bill(&tou_tariff(), &load, &BillingInputs::default()).unwrap();
    let october = &run.months[0];
    let names: Vec<_> = october.lines.iter().map(|l| l.item.as_str()).collect();
    assert_eq!(names, ["energy (day)", "energy (night)"]);
    // 23 weekdays in October 2024 × 28 half-hours = 644 kWh day; 31 × 48 − 644 = 844 night.
    assert_eq!(
        october.energy_by_period,
        vec![("day".to_string(), 644.0), ("night".to_string(), 844.0)]
    );
}

#[test]
fn seasonal_energy_splits_a_month_by_day() {
    let mut tariff = empty_tariff(Currency::Jpy);
    let md = |month, day| MonthDay { month, day };
    tariff.seasons = vec![
        Season {
            name: "summer".into(),
            ranges: vec![(md(6, 16), md(9, 15))],
            origin: at(5),
        },
        Season {
            name: "other".into(),
            ranges: vec![(md(9, 16), md(6, 15))],
            origin: at(6),
        },
    ];
    tariff.energy = Some(EnergyCharge {
        pricing: EnergyPricing::BySeason(vec![
            KeyedRate {
                key: "summer".into(),
                rate: constant("13.94", 21),
            },
            KeyedRate {
                key: "other".into(),
                rate: constant("12.87", 22),
            },
        ]),
        origin: at(20),
        rounding: Some(down("1")),
    });
    // June 2024: 5 kWh per half hour = 240 kWh a day; 06-01..06-15 other, 06-16..06-30 summer.
    let run = bill(
        &tariff,
        &load("2024-06", 1, 30, |_| 5.0),
        &BillingInputs::default(),
    )
    .unwrap();
    let june = &run.months[0];
    assert_eq!(
        amounts(june),
        items(&[
            ("energy (summer)", "50184"), // 13.94 × 3,600
            ("energy (other)", "46332"),  // 12.87 × 3,600
        ])
    );
    assert_eq!(
        june.energy_by_period,
        vec![
            ("summer".to_string(), 3600.0),
            ("other".to_string(), 3600.0)
        ]
    );
    assert_eq!(june.total, dec("96516"));
}

fn tiered_tariff() -> Tariff {
    let mut tariff = empty_tariff(Currency::Jpy);
    let tier = |up_to: Option<f64>, price: &str, line| Tier {
        up_to_kwh: up_to,
        rate: constant(price, line),
    };
    tariff.energy = Some(EnergyCharge {
        pricing: EnergyPricing::Tiered(vec![
            tier(Some(120.0), "19.88", 21),
            tier(Some(300.0), "26.46", 22),
            tier(None, "30.57", 23),
        ]),
        origin: at(20),
        rounding: None,
    });
    tariff.rounding = yen_each_line();
    tariff
}

#[test]
fn tiered_energy_uses_cumulative_blocks() {
    // April: 350 kWh (7 half-hours of 50 kWh); May: 100 kWh (2 of 50).
    let load = load("2024-04", 2, 30, |start| {
        let first = start.format("%d %H:%M").to_string();
        let april = start < time("2024-05-01 00:00");
        let day: u32 = first[..2].parse().unwrap();
        if first.ends_with("12:00") && (april && day <= 7 || !april && day <= 2) {
            50.0
        } else {
            0.0
        }
    });
    let run = bill(&tiered_tariff(), &load, &BillingInputs::default()).unwrap();
    assert_eq!(
        amounts(&run.months[0]),
        items(&[
            ("energy (tier 1: 0–120 kWh)", "2385"), // 19.88 × 120 = 2,385.60
            ("energy (tier 2: 120–300 kWh)", "4762"), // 26.46 × 180 = 4,762.80
            ("energy (tier 3: above 300 kWh)", "1528"), // 30.57 × 50 = 1,528.50
        ])
    );
    assert_eq!(run.months[0].total, dec("8675"));
    assert_eq!(
        amounts(&run.months[1]),
        items(&[("energy (tier 1: 0–120 kWh)", "1988")]) // 19.88 × 100
    );
    assert_eq!(
        line(&run.months[0], "energy (tier 2: 120–300 kWh)").rule,
        at(22)
    );
    assert_sums(&run);
}

// ---------------------------------------------------------------------------------------
// Subscription, demand-charge holiday, minimum bill, added tax, total rounding
// ---------------------------------------------------------------------------------------

fn subscription_tariff() -> Tariff {
    let mut tariff = empty_tariff(Currency::Usd);
    tariff.name = "Business EV".into();
    tariff.interval_minutes = 15;
    tariff.demand = Some(Demand {
        interval_minutes: 15,
        subscription: Some(Subscription {
            block_kw: 50.0,
            block_price: constant("95.56", 14),
            overage_per_kw: constant("3.82", 15),
            origin: at(14),
        }),
        ..demand(ContractDemand::MonthlyPeak, None)
    });
    tariff.rounding = RoundingPolicy {
        each_line: Some((nearest("0.01"), at(90))),
        total: None,
    };
    tariff
}

/// June 2024 at 15 minutes: 5 kWh (20 kW) everywhere, one interval of `peak_kwh`.
fn june_with_peak(peak_kwh: f64) -> LoadProfile {
    load("2024-06", 1, 15, move |start| {
        if start == time("2024-06-12 17:00") {
            peak_kwh
        } else {
            5.0
        }
    })
}

#[test]
fn subscription_picks_the_cheapest_block_count() {
    // Peak 40.6 kWh in 15 min = 162.4 kW. 3 blocks (150 kW) + 12.4 kW × 3.82 = 286.68 +
    // 47.368 = 334.048 < 4 blocks = 382.24: 3 blocks and overage.
    let run = bill(
        &subscription_tariff(),
        &june_with_peak(40.6),
        &BillingInputs::default(),
    )
    .unwrap();
    let june = &run.months[0];
    assert_eq!(june.peak_kw, 162.4);
    assert_eq!(
        amounts(june),
        items(&[
            ("subscription (3 × 50 kW)", "286.68"), // 95.56 × 3
            ("overage", "47.37"),                   // 3.82 × 12.4 = 47.368 → 47.37
        ])
    );
    let subscription = line(june, "subscription (3 × 50 kW)");
    assert_eq!(subscription.unit.as_deref(), Some("block"));
    assert_eq!(subscription.quantity, Some(dec("3")));
    assert_eq!(subscription.rule, at(14));
    assert_eq!(line(june, "overage").rule, at(15));
    assert_eq!(line(june, "overage").quantity, Some(dec("12.4")));
    assert_eq!(june.total, dec("334.05"));

    // Peak 47.5 kWh = 190 kW: 3 blocks + 40 kW × 3.82 = 439.48 > 4 blocks = 382.24.
    let run = bill(
        &subscription_tariff(),
        &june_with_peak(47.5),
        &BillingInputs::default(),
    )
    .unwrap();
    assert_eq!(
        amounts(&run.months[0]),
        items(&[("subscription (4 × 50 kW)", "382.24")])
    );
}

#[test]
fn subscription_given_in_kw_rounds_up_to_blocks() {
    // 175 kW → ⌈3.5⌉ = 4 blocks = 200 kW ≥ the 162.4 kW peak: no overage line.
    let inputs = BillingInputs {
        subscription_kw: Some(175.0),
        ..BillingInputs::default()
    };
    let run = bill(&subscription_tariff(), &june_with_peak(40.6), &inputs).unwrap();
    assert_eq!(
        amounts(&run.months[0]),
        items(&[("subscription (4 × 50 kW)", "382.24")])
    );
    // 100 kW subscribed: 2 blocks, overage 62.4 kW × 3.82 = 238.368 → 238.37.
    let inputs = BillingInputs {
        subscription_kw: Some(100.0),
        ..BillingInputs::default()
    };
    let run = bill(&subscription_tariff(), &june_with_peak(40.6), &inputs).unwrap();
    assert_eq!(
        amounts(&run.months[0]),
        items(&[
            ("subscription (2 × 50 kW)", "191.12"),
            ("overage", "238.37")
        ])
    );
}

#[test]
fn demand_holiday_waives_then_phases_in() {
    let mut tariff = empty_tariff(Currency::Jpy);
    tariff.demand = Some(Demand {
        holiday: Some(DemandHoliday {
            waived_until: day("2025-04-01"),
            phase_in: vec![
                (day("2025-04-01"), dec("0.5")),
                (day("2025-06-01"), Decimal::ONE),
            ],
            origin: at(16),
        }),
        ..demand(ContractDemand::MonthlyPeak, Some("1650"))
    });
    tariff.rounding = yen_each_line();
    // March–June 2025 at 50 kWh per half hour = 100 kW.
    let run = bill(
        &tariff,
        &load("2025-03", 4, 30, |_| 50.0),
        &BillingInputs::default(),
    )
    .unwrap();
    let basic: Vec<Decimal> = run
        .months
        .iter()
        .map(|month| line(month, "basic charge").amount)
        .collect();
    // March waived; April and May 50 % × 1,650 × 100 = 82,500; June 165,000.
    assert_eq!(basic, [dec("0"), dec("82500"), dec("82500"), dec("165000")]);
    let march = line(&run.months[0], "basic charge");
    assert_eq!(march.rule, at(16));
    assert!(
        march
            .calculation
            .starts_with("waived: demand-charge holiday until 2025-04-01"),
        "{}",
        march.calculation
    );
    let april = line(&run.months[1], "basic charge");
    assert_eq!(april.rule, at(11));
    assert!(april.calculation.contains("× 50 % (demand-charge phase-in"));
    assert_eq!(run.total, dec("330000"));
}

#[test]
fn minimum_bill_tops_up_a_small_month() {
    let mut tariff = empty_tariff(Currency::Jpy);
    tariff.energy = Some(flat_energy("20.00"));
    tariff.minimum_bill = Some(MinimumBill {
        amount: constant("5000", 60),
        origin: at(60),
    });
    tariff.rounding = yen_each_line();
    // April: 100 kWh (one interval); May: 300 kWh (one interval).
    let load = load("2024-04", 2, 30, |start| {
        if start == time("2024-04-02 10:00") {
            100.0
        } else if start == time("2024-05-02 10:00") {
            300.0
        } else {
            0.0
        }
    });
    let run = bill(&tariff, &load, &BillingInputs::default()).unwrap();
    // April: energy 2,000 < 5,000 → minimum bill 3,000. May: 6,000, no top-up.
    assert_eq!(
        amounts(&run.months[0]),
        items(&[("energy", "2000"), ("minimum bill", "3000")])
    );
    assert_eq!(line(&run.months[0], "minimum bill").kind, LineKind::Minimum);
    assert_eq!(run.months[0].total, dec("5000"));
    assert_eq!(amounts(&run.months[1]), items(&[("energy", "6000")]));
    assert_eq!(run.total, dec("11000"));
}

#[test]
fn fixed_charges_and_added_tax() {
    let mut tariff = empty_tariff(Currency::Usd);
    tariff.energy = Some(flat_energy("0.25"));
    tariff.fixed_charges = vec![FixedCharge {
        name: "customer".into(),
        amount: constant("12.50", 70),
        origin: at(70),
    }];
    tariff.tax = Some(Tax {
        name: "sales".into(),
        rate: dec("0.0825"),
        included: false,
        origin: at(50),
    });
    tariff.rounding = RoundingPolicy {
        each_line: Some((nearest("0.01"), at(90))),
        total: None,
    };
    // 1,000.5 kWh in April: one interval of 1,000 and one of 0.5.
    let load = load("2024-04", 1, 30, |start| {
        if start == time("2024-04-02 10:00") {
            1000.0
        } else if start == time("2024-04-03 10:00") {
            0.5
        } else {
            0.0
        }
    });
    let run = bill(&tariff, &load, &BillingInputs::default()).unwrap();
    assert_eq!(
        amounts(&run.months[0]),
        items(&[
            ("energy", "250.13"),        // 0.25 × 1,000.5 = 250.125 → 250.13 (half away)
            ("fixed customer", "12.50"), //
            ("sales tax", "21.67"),      // 262.63 × 8.25 % = 21.666975 → 21.67
        ])
    );
    let tax = line(&run.months[0], "sales tax");
    assert!(!tax.informational);
    assert_eq!(run.months[0].total, dec("284.30"));
}

#[test]
fn total_rounding_shows_the_difference() {
    let mut tariff = empty_tariff(Currency::Jpy);
    tariff.energy = Some(flat_energy("16.56"));
    tariff.rounding = RoundingPolicy {
        each_line: None,
        total: Some((down("1"), at(91))),
    };
    let load = load("2024-04", 1, 30, |start| {
        if start == time("2024-04-02 10:00") {
            1234.5
        } else {
            0.0
        }
    });
    let run = bill(&tariff, &load, &BillingInputs::default()).unwrap();
    let april = &run.months[0];
    // 16.56 × 1,234.5 = 20,443.32 (lines not rounded) → total 20,443, rounding −0.32.
    assert_eq!(
        amounts(april),
        items(&[("energy", "20443.32"), ("rounding", "-0.32")])
    );
    let rounding = line(april, "rounding");
    assert_eq!(rounding.kind, LineKind::Rounding);
    assert_eq!(rounding.rule, at(91));
    assert_eq!(april.total, dec("20443"));
    assert_eq!(run.total, dec("20443"));
}

#[test]
fn agreed_contract_demand() {
    let mut tariff = empty_tariff(Currency::Jpy);
    tariff.demand = Some(demand(ContractDemand::Agreed, Some("1000")));
    let inputs = BillingInputs {
        contract_kw: Some(600.0),
        ..BillingInputs::default()
    };
    // April at 200 kW, May with one half-hour of 350 kWh = 700 kW above the agreed 600.
    let load = load("2024-04", 2, 30, |start| {
        if start == time("2024-05-10 10:00") {
            350.0
        } else {
            100.0
        }
    });
    let run = bill(&tariff, &load, &inputs).unwrap();
    assert_eq!(run.months[0].contract_kw, 600.0);
    assert_eq!(
        run.months[0].contract_basis,
        "agreed contract demand: 600 kW"
    );
    assert_eq!(run.months[1].contract_kw, 700.0);
    assert_eq!(
        run.months[1].contract_basis,
        "agreed 600 kW, exceeded by the month's peak: 700 kW"
    );
    let err = bill(&tariff, &load, &BillingInputs::default()).unwrap_err();
    assert!(
        matches!(err, BillingError::MissingContractKw { .. }),
        "{err}"
    );
    assert!(err.to_string().contains("--contract-kw"));
}

#[test]
fn per_interval_index_with_coarser_steps() {
    // A 60-minute index against 30-minute load: both half-hours of an hour use its value.
    let mut tariff = empty_tariff(Currency::Jpy);
    tariff.adjustments = vec![Adjustment {
        name: "market".into(),
        index: "spot".into(),
        lag_months: 0,
        average_months: 1,
        mode: AdjustmentMode::PerInterval,
        share: Decimal::ONE,
        baseline: constant("0", 31),
        unit_rounding: None,
        rounding: None,
        origin: at(31),
    }];
    let load = load("2024-04", 1, 30, |start| {
        if start == time("2024-04-02 10:00") {
            1.0
        } else if start == time("2024-04-02 10:30") {
            2.0
        } else {
            0.0
        }
    });
    let hours = crate::load("2024-04", 1, 60, |_| 0.0);
    let values = (0..hours.kwh.len())
        .map(|i| {
            let start = hours.interval_start(i);
            let price = if start == time("2024-04-02 10:00") {
                "7.25"
            } else {
                "1"
            };
            (start, dec(price))
        })
        .collect();
    let inputs = BillingInputs {
        indices: BTreeMap::from([(
            "spot".to_string(),
            IndexSeries::Interval {
                interval_minutes: 60,
                values,
            },
        )]),
        ..BillingInputs::default()
    };
    let run = bill(&tariff, &load, &inputs).unwrap();
    // (1 + 2) kWh × 7.25 = 21.75 (no rounding anywhere).
    assert_eq!(
        amounts(&run.months[0]),
        items(&[("adjustment market", "21.75")])
    );
}

#[test]
fn monthly_adjustment_over_an_interval_index() {
    // Window: March 2024 (lag 1), every half-hour at 11.50: mean 11.50, and
    // 100 % × (11.50 − 10.00) = 1.50 JPY/kWh.
    let mut tariff = empty_tariff(Currency::Jpy);
    tariff.adjustments = vec![Adjustment {
        name: "market".into(),
        index: "spot".into(),
        lag_months: 1,
        average_months: 1,
        mode: AdjustmentMode::Monthly,
        share: Decimal::ONE,
        baseline: constant("10.00", 31),
        unit_rounding: None,
        rounding: Some(down("1")),
        origin: at(31),
    }];
    let march = load("2024-03", 1, 30, |_| 0.0);
    let values = (0..march.kwh.len())
        .map(|i| (march.interval_start(i), dec("11.50")))
        .collect();
    let inputs = BillingInputs {
        indices: BTreeMap::from([(
            "spot".to_string(),
            IndexSeries::Interval {
                interval_minutes: 30,
                values,
            },
        )]),
        ..BillingInputs::default()
    };
    // April: 1 kWh per half hour = 1,440 kWh × 1.50 = 2,160.
    let run = bill(&tariff, &load("2024-04", 1, 30, |_| 1.0), &inputs).unwrap();
    let line = line(&run.months[0], "adjustment market");
    assert_eq!(line.amount, dec("2160"));
    assert_eq!(line.unit_price, Some(dec("1.50")));
}

// ---------------------------------------------------------------------------------------
// Error paths
// ---------------------------------------------------------------------------------------

fn simple_tariff() -> Tariff {
    let mut tariff = empty_tariff(Currency::Jpy);
    tariff.energy = Some(flat_energy("20.00"));
    tariff
}

#[test]
fn error_load_starting_mid_month() {
    let mut load = load("2024-04", 1, 30, |_| 1.0);
    load.start = time("2024-04-03 00:00");
    load.kwh.truncate(28 * 48);
    let err = bill(&simple_tariff(), &load, &BillingInputs::default()).unwrap_err();
    assert_eq!(
        err,
        BillingError::StartsMidMonth {
            month: ym("2024-04"),
            first_missing: time("2024-04-01 00:00"),
            last_missing: time("2024-04-02 23:30"),
        }
    );
    let text = err.to_string();
    assert!(
        text.contains("2024-04") && text.contains("2024-04-02 23:30:00"),
        "{text}"
    );
}

#[test]
fn error_load_ending_mid_month() {
    let mut load = load("2024-04", 1, 30, |_| 1.0);
    load.kwh.truncate(28 * 48);
    let err = bill(&simple_tariff(), &load, &BillingInputs::default()).unwrap_err();
    assert_eq!(
        err,
        BillingError::EndsMidMonth {
            month: ym("2024-04"),
            first_missing: time("2024-04-29 00:00"),
            last_missing: time("2024-04-30 23:30"),
        }
    );
}

#[test]
fn error_missing_history_month() {
    let mut inputs = japanese_inputs();
    inputs.history.remove(&ym("2023-09"));
    inputs.history.remove(&ym("2023-10"));
    let err = bill(&japanese_high_voltage(), &april_load(), &inputs).unwrap_err();
    let BillingError::MissingHistory { month, missing, .. } = &err else {
        panic!("{err}")
    };
    assert_eq!(*month, ym("2024-04"));
    assert_eq!(missing, &[ym("2023-09"), ym("2023-10")]);
    let text = err.to_string();
    assert!(text.contains("2023-09, 2023-10"), "{text}");
    assert!(
        text.contains("--history") && text.contains("--supply-start"),
        "{text}"
    );
}

#[test]
fn error_missing_power_factor() {
    let mut inputs = japanese_inputs();
    inputs.power_factor = None;
    let err = bill(&japanese_high_voltage(), &april_load(), &inputs).unwrap_err();
    assert!(
        matches!(err, BillingError::MissingPowerFactor { month, .. } if month == ym("2024-04"))
    );
    assert!(err.to_string().contains("give --pf"), "{err}");

    inputs.power_factor = Some(PowerFactorInput::Monthly(BTreeMap::new()));
    let err = bill(&japanese_high_voltage(), &april_load(), &inputs).unwrap_err();
    assert!(
        matches!(err, BillingError::MissingPowerFactor { .. }),
        "{err}"
    );

    inputs.power_factor = Some(PowerFactorInput::Flat(dec("0.98")));
    let ok = bill(&japanese_high_voltage(), &april_load(), &inputs);
    assert!(ok.is_ok(), "0.98 % is odd but in range");
    for bad in ["0", "-5", "100.5"] {
        inputs.power_factor = Some(PowerFactorInput::Flat(dec(bad)));
        let err = bill(&japanese_high_voltage(), &april_load(), &inputs).unwrap_err();
        assert!(
            matches!(err, BillingError::PowerFactorRange { .. }),
            "{err}"
        );
    }
}

#[test]
fn error_missing_index_month() {
    let mut inputs = japanese_inputs();
    let IndexSeries::Monthly(values) = inputs.indices.get_mut("tepco-fuel").unwrap() else {
        panic!("tepco-fuel is a monthly series")
    };
    values.remove(&ym("2024-01"));
    let err = bill(&japanese_high_voltage(), &april_load(), &inputs).unwrap_err();
    assert_eq!(
        err,
        BillingError::MissingIndexMonth {
            index: "tepco-fuel".into(),
            adjustment: "fuel_cost".into(),
            index_month: ym("2024-01"),
            month: ym("2024-04"),
        }
    );
}

#[test]
fn error_missing_index_interval() {
    let mut inputs = japanese_inputs();
    let IndexSeries::Interval { values, .. } = inputs.indices.get_mut("jepx-tokyo").unwrap() else {
        panic!("jepx-tokyo is an interval series")
    };
    values.remove(&time("2024-04-20 17:30"));
    values.remove(&time("2024-04-21 08:00"));
    let err = bill(&japanese_high_voltage(), &april_load(), &inputs).unwrap_err();
    assert_eq!(
        err,
        BillingError::MissingIndexInterval {
            index: "jepx-tokyo".into(),
            adjustment: "market_price".into(),
            at: time("2024-04-20 17:30"),
            month: ym("2024-04"),
        }
    );

    // The monthly mode checks every interval of its window too.
    let mut tariff = japanese_high_voltage();
    tariff.adjustments[1].mode = AdjustmentMode::Monthly;
    let err = bill(&tariff, &april_load(), &inputs).unwrap_err();
    assert!(
        matches!(&err, BillingError::MissingIndexInterval { at, .. } if *at == time("2024-04-20 17:30")),
        "{err}"
    );
}

#[test]
fn error_unknown_index() {
    let mut inputs = japanese_inputs();
    inputs.indices.remove("tepco-fuel");
    inputs.indices.insert("tepco_fuel".into(), fuel_index());
    let err = bill(&japanese_high_voltage(), &april_load(), &inputs).unwrap_err();
    assert!(matches!(err, BillingError::UnknownIndex { .. }), "{err}");
    let text = err.to_string();
    assert!(text.contains("\"tepco-fuel\""), "{text}");
    assert!(text.contains("\"jepx-tokyo\", \"tepco_fuel\""), "{text}");
}

#[test]
fn error_hourly_load_for_half_hourly_tariff() {
    let err = bill(
        &simple_tariff(),
        &load("2024-04", 1, 60, |_| 1.0),
        &BillingInputs::default(),
    )
    .unwrap_err();
    assert_eq!(
        err,
        BillingError::CoarseForTariff {
            load_minutes: 60,
            tariff_minutes: 30
        }
    );
    assert!(err
        .to_string()
        .contains("cannot resolve the tariff's 30-minute periods from 60-minute data"));
}

#[test]
fn error_half_hourly_load_for_15_minute_demand() {
    let mut tariff = subscription_tariff();
    tariff.interval_minutes = 30;
    let err = bill(
        &tariff,
        &load("2024-06", 1, 30, |_| 1.0),
        &BillingInputs::default(),
    )
    .unwrap_err();
    assert_eq!(
        err,
        BillingError::CoarseForDemand {
            load_minutes: 30,
            demand_minutes: 15
        }
    );
    assert!(err
        .to_string()
        .starts_with("15-minute demand cannot be derived from 30-minute data"));
}

#[test]
fn error_values_not_in_force() {
    // The renewable surcharge starts 2024-05-01: April has no value.
    let mut tariff = japanese_high_voltage();
    tariff.surcharges[0].rate = Timeline {
        steps: vec![TimedValue {
            from: Some(day("2024-05-01")),
            value: dec("3.49"),
            origin: at(41),
        }],
        until: None,
    };
    let err = bill(&tariff, &april_load(), &japanese_inputs()).unwrap_err();
    assert!(
        matches!(&err, BillingError::NoValue { rule, month, .. } if *rule == at(40) && *month == ym("2024-04")),
        "{err}"
    );
    assert!(
        err.to_string()
            .contains("surcharge renewable (test.vlx:40)"),
        "{err}"
    );

    // Outside the tariff's validity.
    let mut tariff = japanese_high_voltage();
    tariff.validity = Some((day("2024-05-01"), day("2026-04-01")));
    let err = bill(&tariff, &april_load(), &japanese_inputs()).unwrap_err();
    assert!(matches!(err, BillingError::OutsideValidity { month, .. } if month == ym("2024-04")));
}

#[test]
fn error_bad_load_values() {
    let mut load = load("2024-04", 1, 30, |_| 1.0);
    load.kwh[3] = f64::NAN;
    let err = bill(&simple_tariff(), &load, &BillingInputs::default()).unwrap_err();
    assert!(
        matches!(err, BillingError::LoadValue { index: 3, at, .. } if at == time("2024-04-01 01:30")),
        "{err}"
    );
    load.kwh[3] = -1.0;
    assert!(bill(&simple_tariff(), &load, &BillingInputs::default()).is_err());
    load.kwh.clear();
    assert_eq!(
        bill(&simple_tariff(), &load, &BillingInputs::default()).unwrap_err(),
        BillingError::EmptyLoad
    );
}

#[test]
fn time_of_use_with_the_japanese_calendar() {
    // The Japanese calendar knows Marine Day (2024-07-15): same split as the added holiday.
    let mut tariff = tou_tariff();
    tariff.calendar.kind = CalendarKind::Japan;
    tariff.calendar.added.clear();
    let load = load("2024-07", 1, 30, |_| 1.0);
    let run = bill(&tariff, &load, &BillingInputs::default()).unwrap();
    assert_eq!(
        run.months[0].energy_by_period,
        vec![
            ("peak".to_string(), 132.0),
            ("day".to_string(), 484.0),
            ("night".to_string(), 872.0)
        ]
    );
}
