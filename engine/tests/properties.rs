//! Invariants of billing over random loads (proptest; case counts kept small for debug
//! builds): lines sum to the month total, month totals to the run total, contract demand is
//! never below the peak, and more load never lowers a bill when every per-kWh and per-kW
//! price is positive.

// Test code: a failed expectation should panic.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::BTreeMap;
use std::str::FromStr;

use chrono::{Duration, NaiveDate};
use proptest::prelude::*;
use rust_decimal::Decimal;
use voltlex_dsl::rules::*;
use voltlex_engine::billing::{bill, BillRun};
use voltlex_engine::inputs::{BillingInputs, IndexSeries, LoadProfile, PowerFactorInput};
use voltlex_engine::month::YearMonth;

/// April and May 2024 at 30 minutes.
const INTERVALS: usize = (30 + 31) * 48;

fn at(line: u32) -> RuleRef {
    RuleRef {
        file: "prop.vlx".into(),
        line,
        column: 1,
    }
}

fn dec(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap()
}

fn constant(value: &str) -> Timeline<Decimal> {
    Timeline::constant(dec(value), at(1))
}

fn rounding(step: &str, mode: RoundingMode) -> Rounding {
    Rounding {
        step: dec(step),
        mode,
    }
}

fn ym(year: i32, month: u32) -> YearMonth {
    YearMonth::new(year, month).unwrap()
}

fn base(currency: Currency) -> Tariff {
    Tariff {
        name: "prop".into(),
        origin: at(1),
        currency,
        calendar: Calendar {
            kind: CalendarKind::WeekendsOnly,
            time_zone: "Asia/Tokyo".into(),
            added: vec![NaiveDate::from_ymd_opt(2024, 4, 29).unwrap()],
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
        rounding: RoundingPolicy {
            each_line: Some((rounding("1", RoundingMode::Down), at(2))),
            total: None,
        },
        validity: None,
    }
}

fn demand(contract: ContractDemand, charge: Option<&str>) -> Demand {
    Demand {
        origin: at(3),
        interval_minutes: 30,
        contract,
        charge_per_kw: charge.map(constant),
        power_factor: None,
        holiday: None,
        subscription: None,
        rounding: None,
    }
}

fn adjustment(name: &str, mode: AdjustmentMode, share: &str, baseline: &str) -> Adjustment {
    Adjustment {
        name: name.into(),
        index: name.into(),
        lag_months: if mode == AdjustmentMode::Monthly {
            2
        } else {
            0
        },
        average_months: if mode == AdjustmentMode::Monthly {
            3
        } else {
            1
        },
        mode,
        share: dec(share),
        baseline: constant(baseline),
        unit_rounding: Some(rounding("0.01", RoundingMode::Down)),
        rounding: None,
        origin: at(4),
    }
}

/// Japanese high voltage: ratchet, power factor, flat energy, fuel index, 30 % market
/// adjustment, renewable surcharge, 10 % tax included.
fn japanese() -> Tariff {
    let mut tariff = base(Currency::Jpy);
    tariff.demand = Some(Demand {
        power_factor: Some(PowerFactorRule {
            base: dec("0.85"),
            step: dec("0.01"),
            origin: at(5),
        }),
        ..demand(ContractDemand::Ratchet { months: 12 }, Some("1890.00"))
    });
    tariff.energy = Some(EnergyCharge {
        pricing: EnergyPricing::Flat(constant("19.51")),
        origin: at(6),
        rounding: None,
    });
    tariff.adjustments = vec![
        adjustment("fuel", AdjustmentMode::Monthly, "1", "0"),
        adjustment("spot", AdjustmentMode::PerInterval, "0.30", "10.00"),
    ];
    tariff.surcharges = vec![Surcharge {
        name: "renewable".into(),
        rate: constant("3.49"),
        rounding: None,
        origin: at(7),
    }];
    tariff.tax = Some(Tax {
        name: "consumption".into(),
        rate: dec("0.10"),
        included: true,
        origin: at(8),
    });
    tariff
}

/// Time of use with seasons and a holiday, a demand-charge phase-in, a minimum bill and
/// rounding of the total to 10 JPY.
fn time_of_use() -> Tariff {
    let mut tariff = base(Currency::Jpy);
    let md = |month, day| MonthDay { month, day };
    tariff.seasons = vec![
        Season {
            name: "spring".into(),
            ranges: vec![(md(3, 1), md(5, 15))],
            origin: at(9),
        },
        Season {
            name: "rest".into(),
            ranges: vec![(md(5, 16), md(2, 29))],
            origin: at(9),
        },
    ];
    tariff.periods = vec![
        Period {
            name: "peak".into(),
            rule: PeriodRule::When {
                clauses: vec![PeriodClause {
                    days: vec![DaySet::Weekdays],
                    times: vec![TimeRange {
                        start_minute: 9 * 60,
                        end_minute: 17 * 60,
                    }],
                    seasons: vec!["spring".into()],
                }],
                except: vec![],
            },
            origin: at(10),
        },
        Period {
            name: "off".into(),
            rule: PeriodRule::Otherwise,
            origin: at(10),
        },
    ];
    tariff.energy = Some(EnergyCharge {
        pricing: EnergyPricing::ByPeriod(vec![
            KeyedRate {
                key: "off".into(),
                rate: constant("12.10"),
            },
            KeyedRate {
                key: "peak".into(),
                rate: constant("28.00"),
            },
        ]),
        origin: at(11),
        rounding: None,
    });
    let may = NaiveDate::from_ymd_opt(2024, 5, 1).unwrap();
    tariff.demand = Some(Demand {
        holiday: Some(DemandHoliday {
            waived_until: may,
            phase_in: vec![(may, dec("0.5"))],
            origin: at(12),
        }),
        ..demand(ContractDemand::MonthlyPeak, Some("1650"))
    });
    tariff.minimum_bill = Some(MinimumBill {
        amount: constant("150000"),
        origin: at(13),
    });
    tariff.rounding.total = Some((rounding("10", RoundingMode::Down), at(14)));
    tariff
}

/// US style: subscription blocks with overage, tiered energy, a fixed charge, sales tax
/// added, lines rounded to the nearest cent.
fn subscription() -> Tariff {
    let mut tariff = base(Currency::Usd);
    tariff.demand = Some(Demand {
        subscription: Some(Subscription {
            block_kw: 50.0,
            block_price: constant("95.56"),
            overage_per_kw: constant("3.82"),
            origin: at(15),
        }),
        ..demand(ContractDemand::MonthlyPeak, None)
    });
    let tier = |up_to, price| Tier {
        up_to_kwh: up_to,
        rate: constant(price),
    };
    tariff.energy = Some(EnergyCharge {
        pricing: EnergyPricing::Tiered(vec![
            tier(Some(20_000.0), "0.21"),
            tier(Some(60_000.0), "0.25"),
            tier(None, "0.31"),
        ]),
        origin: at(16),
        rounding: None,
    });
    tariff.fixed_charges = vec![FixedCharge {
        name: "customer".into(),
        amount: constant("12.50"),
        origin: at(17),
    }];
    tariff.tax = Some(Tax {
        name: "sales".into(),
        rate: dec("0.0825"),
        included: false,
        origin: at(18),
    });
    tariff.rounding.each_line = Some((rounding("0.01", RoundingMode::Nearest), at(2)));
    tariff
}

fn tariff(kind: usize) -> Tariff {
    match kind {
        0 => japanese(),
        1 => time_of_use(),
        _ => subscription(),
    }
}

/// Inputs for every tariff above. Index values never fall below their baselines, so every
/// per-kWh price stays positive; `power_factor` ≤ 85 keeps the power-factor line ≥ 0.
fn inputs(power_factor: Decimal) -> BillingInputs {
    let fuel = (1..=12)
        .map(|month| (ym(2023, month), Decimal::new(i64::from(month) * 7, 2)))
        .chain((1..=5).map(|month| (ym(2024, month), dec("0.55"))))
        .collect();
    let start = NaiveDate::from_ymd_opt(2024, 4, 1)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap();
    let spot = (0..INTERVALS)
        .map(|i| {
            let price = Decimal::new(1000 + (i as i64 * 37) % 900, 2);
            (start + Duration::minutes(30 * i as i64), price)
        })
        .collect();
    BillingInputs {
        supply_start: Some(ym(2024, 4)),
        power_factor: Some(PowerFactorInput::Flat(power_factor)),
        indices: BTreeMap::from([
            ("fuel".to_string(), IndexSeries::Monthly(fuel)),
            (
                "spot".to_string(),
                IndexSeries::Interval {
                    interval_minutes: 30,
                    values: spot,
                },
            ),
        ]),
        ..BillingInputs::default()
    }
}

/// A daily shape (kWh per half hour), a scale per day and a few spikes.
fn load_strategy() -> impl Strategy<Value = LoadProfile> {
    (
        prop::collection::vec(0.0f64..60.0, 48),
        prop::collection::vec(0.5f64..1.5, 61),
        prop::collection::vec((0..INTERVALS, 0.0f64..300.0), 0..6),
    )
        .prop_map(|(shape, scale, spikes)| {
            let mut kwh: Vec<f64> = (0..INTERVALS)
                .map(|i| (shape[i % 48] * scale[i / 48] * 1000.0).round() / 1000.0)
                .collect();
            for (index, extra) in spikes {
                kwh[index] += (extra * 1000.0).round() / 1000.0;
            }
            LoadProfile {
                start: NaiveDate::from_ymd_opt(2024, 4, 1)
                    .unwrap()
                    .and_hms_opt(0, 0, 0)
                    .unwrap(),
                interval_minutes: 30,
                kwh,
            }
        })
}

fn check_sums(run: &BillRun) -> Result<(), TestCaseError> {
    let mut total = Decimal::ZERO;
    for month in &run.months {
        let lines: Decimal = month
            .lines
            .iter()
            .filter(|line| !line.informational)
            .map(|line| line.amount)
            .sum();
        prop_assert_eq!(lines, month.total, "lines of {}", month.month);
        prop_assert!(
            month.contract_kw >= month.peak_kw,
            "contract {} < peak {} in {}",
            month.contract_kw,
            month.peak_kw,
            month.month
        );
        total += month.total;
    }
    prop_assert_eq!(total, run.total);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Sums and demand hold for every tariff, with power factors on both sides of 85 %.
    #[test]
    fn lines_and_months_sum_to_totals(
        kind in 0usize..3,
        load in load_strategy(),
        power_factor in 50u32..=100,
    ) {
        let run = bill(&tariff(kind), &load, &inputs(Decimal::from(power_factor))).unwrap();
        prop_assert_eq!(run.months.len(), 2);
        check_sums(&run)?;
    }

    /// Raising any one interval's energy never lowers the bill.
    #[test]
    fn more_load_never_lowers_the_bill(
        kind in 0usize..3,
        load in load_strategy(),
        index in 0..INTERVALS,
        extra in prop_oneof![0.001f64..1.0, 1.0f64..500.0],
    ) {
        let inputs = inputs(dec("80"));
        let tariff = tariff(kind);
        let before = bill(&tariff, &load, &inputs).unwrap();
        let mut more = load.clone();
        more.kwh[index] += (extra * 1000.0).round() / 1000.0;
        let after = bill(&tariff, &more, &inputs).unwrap();
        check_sums(&after)?;
        prop_assert!(
            after.total >= before.total,
            "adding {} kWh at interval {} lowered the bill from {} to {}",
            extra, index, before.total, after.total
        );
        for (was, now) in before.months.iter().zip(&after.months) {
            prop_assert!(now.total >= was.total, "{} fell from {} to {}", now.month, was.total, now.total);
        }
    }
}
