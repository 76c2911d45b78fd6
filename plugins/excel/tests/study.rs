//! The study's result workbook, built from hand-made results: read back with calamine, its
//! formulas and charts present, and opened by LibreOffice headless (PDF export, and a full
//! recalculation whose formula results must equal the values voltlex stored).

// Test code: a failed expectation should panic.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::{run_with_limit, soffice_installed};
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use calamine::{open_workbook, Data, Range, Reader, Xlsx};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use voltlex_dsl::rules::{Currency, RuleRef};
use voltlex_engine::billing::{BillRun, LineItem, LineKind, MonthlyBill};
use voltlex_engine::month::YearMonth;
use voltlex_engine::tco::model::YearCosts;
use voltlex_excel::study::{
    ev_ready_checklist, study_workbook, v2g_interconnection_checklist, write_study, DayProfile,
    FairestPoint, FreeParameter, GoalSeekRow, GoalSeekSheet, HistogramBin, ReadinessFacts,
    RiskFairness, RiskParty, RiskSharingSheet, RiskSystemYear, ScenarioResult, ScheduleSheet,
    StudyResults, V2gSheet, WhatIf,
};
use voltlex_excel::ExcelError;

/// Years 0..=3 of a fleet; `scale` varies the figures, `electric` gives EV-like lines.
fn years(scale: f64, electric: bool) -> Vec<YearCosts> {
    (0..=3u32)
        .map(|year| {
            let mut y = YearCosts {
                year,
                ..Default::default()
            };
            if year == 0 {
                y.purchase = 12_000_000.0 * scale;
                if electric {
                    y.subsidies = -1_800_000.0;
                    y.infrastructure = 900_000.0;
                }
            } else {
                y.energy =
                    if electric { 610_000.5 } else { 1_450_000.0 } * (1.0 + 0.02 * f64::from(year));
                y.maintenance = if electric { 160_000.0 } else { 240_000.0 };
                y.insurance = 300_000.0;
                y.taxes = if electric { 20_000.0 } else { 86_000.0 };
                if electric && scale > 1.0 {
                    y.market_revenue = -75_000.25;
                }
                if year == 3 {
                    y.residual = -2_000_000.0 * scale;
                }
            }
            y.total = y.purchase
                + y.financing
                + y.subsidies
                + y.infrastructure
                + y.energy
                + y.maintenance
                + y.insurance
                + y.taxes
                + y.battery_replacement
                + y.market_revenue
                + y.residual;
            y.co2_tonnes = if electric { 9.5 } else { 21.25 } * f64::from(year.min(1));
            y
        })
        .collect()
}

fn bill_run() -> BillRun {
    let line = |item: &str, amount: i64, informational: bool| LineItem {
        item: item.into(),
        kind: LineKind::Energy,
        quantity: Some(Decimal::new(36_015, 0)),
        unit: Some("kWh".into()),
        unit_price: Some(Decimal::new(2000, 2)),
        amount: Decimal::new(amount, 0),
        rule: RuleRef {
            file: "plan.vlx".into(),
            line: 5,
            column: 3,
        },
        calculation: format!("{item}: {amount}"),
        informational,
    };
    let april = MonthlyBill {
        month: YearMonth::new(2025, 4).unwrap(),
        peak_kw: 80.0,
        contract_kw: 80.0,
        contract_basis: "this month's peak".into(),
        energy_kwh: 36_015.0,
        power_factor: None,
        energy_by_period: vec![],
        lines: vec![
            line("energy", 720_300, false),
            line("consumption tax contained", 65_481, true),
        ],
        total: Decimal::new(720_300, 0),
    };
    BillRun {
        tariff: "Example plan".into(),
        currency: Currency::Jpy,
        months: vec![april],
        total: Decimal::new(720_300, 0),
    }
}

fn results() -> StudyResults {
    let start = NaiveDate::from_ymd_opt(2025, 4, 15)
        .unwrap()
        .and_hms_opt(12, 0, 0)
        .unwrap();
    let day = |label: &str, peak: f64| DayProfile {
        label: label.into(),
        start,
        slot_minutes: 30,
        contract_kw: 120.0,
        series: vec![
            ("Base load".into(), vec![80.0, 85.5, 90.0, 70.0, 60.0, 55.0]),
            (
                "Uncontrolled charging".into(),
                vec![0.0, 0.0, peak, peak, 10.0, 0.0],
            ),
            (
                "Optimised charging".into(),
                vec![0.0, 0.0, 12.0, 12.0, 12.0, 12.0],
            ),
        ],
    };
    let facts = ReadinessFacts {
        ev_count: 8,
        charger_count: 8,
        vehicles_can_discharge: Some(true),
        chargers_can_discharge: Some(false),
        export_approved: Some(false),
        export_cap_kw: None,
        contract_kw: Some(120.0),
        peak_kw_uncontrolled: Some(138.0),
        peak_kw_optimised: Some(102.0),
        minimum_soc_pct: Some(40.0),
        aggregator_terms: Some(true),
        km_per_day: Some(60.0),
        subsidies: Some((2, "1,800,000 JPY".into())),
        payback_years: Some(4.2),
    };
    StudyResults {
        title: "Kei vans".into(),
        currency: "JPY".into(),
        horizon_years: 3,
        simulation: "one dispatched day per month".into(),
        defaults_used: vec![("Daily km".into(), "60 km".into())],
        baseline: ScenarioResult {
            label: "Combustion fleet".into(),
            design: "8 × petrol van".into(),
            years: years(1.0, false),
            ..Default::default()
        },
        scenarios: vec![
            ScenarioResult {
                label: "EV, uncontrolled charging".into(),
                design: "8 × Minicab EV".into(),
                years: years(1.0, true),
                savings_npv: Some(-250_000.0),
                simple_payback_years: None,
                discounted_payback_years: None,
                irr: None,
                roi: Some(-0.02),
                crossover_year: None,
                co2_saved_tonnes: 35.25,
                subsidies: vec![("CEV".into(), 1_800_000.0)],
            },
            ScenarioResult {
                label: "EV, optimised + V2B/V2G".into(),
                design: "8 × Minicab EV, 8 × 6 kW".into(),
                years: years(1.01, true),
                savings_npv: Some(1_234_567.0),
                simple_payback_years: Some(2.7),
                discounted_payback_years: Some(2.9),
                irr: Some(0.183),
                roi: Some(0.315),
                crossover_year: Some(3),
                co2_saved_tonnes: 35.25,
                subsidies: vec![("CEV".into(), 1_800_000.0)],
            },
        ],
        recommended: 1,
        energy_days: vec![day("Typical day", 48.0), day("Peak day", 60.5)],
        bills: vec![("EV, optimised + V2B/V2G".into(), bill_run())],
        v2g: Some(V2gSheet {
            waterfall: vec![
                ("Gross market revenue".into(), 120_000.0),
                ("Charging energy".into(), -30_000.0),
                ("Battery degradation".into(), -9_999.75),
                ("Aggregator fee".into(), -5_000.0),
                ("Net".into(), 75_000.25),
            ],
            risk_measure: "monthly profit (JPY)".into(),
            confidence: 0.95,
            value_at_risk: 1_500.0,
            conditional_value_at_risk: 2_750.5,
            histogram: vec![
                HistogramBin {
                    from: -5_000.0,
                    to: 0.0,
                    count: 4,
                },
                HistogramBin {
                    from: 0.0,
                    to: 5_000.0,
                    count: 10,
                },
                HistogramBin {
                    from: 5_000.0,
                    to: 10_000.0,
                    count: 6,
                },
            ],
        }),
        schedule: Some(ScheduleSheet {
            slot_minutes: 30,
            slot_starts: (0..4)
                .map(|i| start + chrono::Duration::minutes(30 * i))
                .collect(),
            vehicles: vec![
                ("Van 1".into(), vec![6.0, 6.0, 0.0, -3.5]),
                ("Van 2".into(), vec![0.0, 6.0, 6.0, 2.25]),
            ],
        }),
        goal_seek: Some(GoalSeekSheet {
            targets: "payback ≤ 6 years".into(),
            rows: vec![
                GoalSeekRow {
                    rank: 1,
                    design: "6 EVs, 6 chargers".into(),
                    investment: 9_100_000.0,
                    simple_payback_years: Some(4.2),
                    crossover_year: Some(5),
                    savings_npv: Some(800_000.0),
                    co2_saved_tonnes: 30.0,
                },
                GoalSeekRow {
                    rank: 2,
                    design: "8 EVs, 8 chargers".into(),
                    investment: 11_900_000.0,
                    simple_payback_years: None,
                    crossover_year: None,
                    savings_npv: None,
                    co2_saved_tonnes: 40.0,
                },
            ],
            binding: "payback (slack 1.8 years)".into(),
            closest: None,
        }),
        risk_sharing: None,
        what_if: Some(WhatIf {
            row_name: "EV count".into(),
            rows: vec!["4".into(), "8".into()],
            column_name: "Price outlook".into(),
            columns: vec!["Low".into(), "High".into()],
            page_name: "Subsidy".into(),
            pages: vec!["on".into(), "off".into()],
            measure: "NPV of the saving (JPY)".into(),
            values: vec![
                vec![vec![100.0, 200.5], vec![300.0, -400.0]],
                vec![vec![-1_000.0, -2_000.0], vec![3_000.25, 4_000.0]],
            ],
        }),
        checklists: vec![
            v2g_interconnection_checklist(&facts),
            ev_ready_checklist(&facts),
        ],
    }
}

const SHEETS: [&str; 9] = [
    "Summary",
    "TCO",
    "Energy profile",
    "Bills",
    "V2G",
    "Schedule",
    "Goal seek",
    "What-if",
    "Checklists",
];

fn scratch(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("voltlex-excel-study-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn float(cell: Option<&Data>) -> f64 {
    match cell {
        Some(Data::Float(x)) => *x,
        Some(Data::Int(x)) => *x as f64,
        other => panic!("expected a number, found {other:?}"),
    }
}

fn text(cell: Option<&Data>) -> String {
    match cell {
        Some(Data::String(s)) => s.clone(),
        other => panic!("expected text, found {other:?}"),
    }
}

/// The (absolute) row whose first cell is the text `first`.
fn row_of(range: &Range<Data>, first: &str) -> u32 {
    let end = range.end().unwrap().0;
    (0..=end)
        .find(|&r| matches!(range.get_value((r, 0)), Some(Data::String(s)) if s == first))
        .unwrap_or_else(|| panic!("no row starting {first:?}"))
}

/// The (absolute) rows whose first cell is the text `first`.
fn rows_of(range: &Range<Data>, first: &str) -> Vec<u32> {
    let end = range.end().unwrap().0;
    (0..=end)
        .filter(|&r| matches!(range.get_value((r, 0)), Some(Data::String(s)) if s == first))
        .collect()
}

fn close(found: f64, expected: f64, what: &str) {
    assert!(
        (found - expected).abs() <= 1e-6 * expected.abs().max(1.0),
        "{what}: found {found}, expected {expected}"
    );
}

/// The TCO sheet: for each scenario (baseline first), its block's year rows and total row.
fn tco_blocks(tco: &Range<Data>, results: &StudyResults) -> Vec<(Vec<u32>, u32)> {
    let totals = rows_of(tco, "Total");
    std::iter::once(&results.baseline)
        .chain(&results.scenarios)
        .zip(totals)
        .map(|(scenario, total)| {
            let first = total - scenario.years.len() as u32;
            ((first..total).collect(), total)
        })
        .collect()
}

/// Every value the test compares after a recalculation: (sheet, row, col, expected).
fn formula_cells(
    book: &mut Xlsx<std::io::BufReader<std::fs::File>>,
    results: &StudyResults,
) -> Vec<(String, u32, u32, f64)> {
    let mut cells = Vec::new();
    let tco = book.worksheet_range("TCO").unwrap();
    let scenarios: Vec<&ScenarioResult> = std::iter::once(&results.baseline)
        .chain(&results.scenarios)
        .collect();
    for ((year_rows, total_row), scenario) in tco_blocks(&tco, results).into_iter().zip(&scenarios)
    {
        for (row, year) in year_rows.iter().zip(&scenario.years) {
            cells.push(("TCO".to_string(), *row, 12, year.total));
        }
        let sum: f64 = scenario.years.iter().map(|y| y.total).sum();
        cells.push(("TCO".to_string(), total_row, 12, sum));
        let energy: f64 = scenario.years.iter().map(|y| y.energy).sum();
        cells.push(("TCO".to_string(), total_row, 5, energy));
        let co2: f64 = scenario.years.iter().map(|y| y.co2_tonnes).sum();
        cells.push(("TCO".to_string(), total_row, 13, co2));
    }
    let bills = book.worksheet_range("Bills").unwrap();
    let run_row = row_of(&bills, "EV, optimised + V2B/V2G");
    cells.push(("Bills".to_string(), run_row, 3, 720_300.0));
    let schedule = book.worksheet_range("Schedule").unwrap();
    let plan = results.schedule.as_ref().unwrap();
    for slot in 0..4 {
        let total: f64 = plan.vehicles.iter().map(|(_, kw)| kw[slot]).sum();
        assert!(schedule.get_value((slot as u32 + 1, 3)).is_some());
        cells.push(("Schedule".to_string(), slot as u32 + 1, 3, total));
    }
    let summary = book.worksheet_range("Summary").unwrap();
    let baseline: f64 = results.baseline.years.iter().map(|y| y.total).sum();
    let recommended: f64 = results.scenarios[1].years.iter().map(|y| y.total).sum();
    let saving_total = rows_of(&summary, "Total");
    cells.push((
        "Summary".to_string(),
        *saving_total.last().unwrap(),
        1,
        baseline - recommended,
    ));
    cells
}

/// The what-if table as shown: (row, col) → value, for page `page`.
fn what_if_cells(results: &StudyResults, page: usize) -> Vec<(u32, u32, f64)> {
    let grid = results.what_if.as_ref().unwrap();
    let mut cells = Vec::new();
    for row in 0..grid.rows.len() {
        for col in 0..grid.columns.len() {
            cells.push((
                5 + row as u32,
                1 + col as u32,
                grid.value(page, row, col).unwrap(),
            ));
        }
    }
    cells
}

#[test]
fn the_workbook_reads_back_with_the_results_values_and_formulas() {
    let results = results();
    let dir = scratch("readback");
    let path = dir.join("result.xlsx");
    write_study(&results, &path).unwrap();
    let mut book: Xlsx<_> = open_workbook(&path).unwrap();
    assert_eq!(book.sheet_names(), SHEETS);

    // The large figures of the recommended scenario.
    let summary = book.worksheet_range("Summary").unwrap();
    let best = &results.scenarios[1];
    assert_eq!(text(summary.get_value((0, 0))), "Study: Kei vans");
    assert!(text(summary.get_value((2, 0))).contains(&best.label));
    assert_eq!(float(summary.get_value((5, 0))), best.savings_npv.unwrap());
    assert_eq!(
        float(summary.get_value((5, 2))),
        best.simple_payback_years.unwrap()
    );
    assert_eq!(float(summary.get_value((5, 4))), best.roi.unwrap());
    assert_eq!(float(summary.get_value((5, 6))), best.co2_saved_tonnes);
    // Each scenario side by side; "never" where there is no payback.
    let uncontrolled = row_of(&summary, "EV, uncontrolled charging");
    assert_eq!(text(summary.get_value((uncontrolled, 4))), "never");
    assert_eq!(float(summary.get_value((uncontrolled, 7))), -0.02);
    // The cumulative cost of the last year is the sum of the years.
    let year_header = row_of(&summary, "Year");
    let last_year = year_header + 4;
    let baseline_total: f64 = results.baseline.years.iter().map(|y| y.total).sum();
    close(
        float(summary.get_value((last_year, 1))),
        baseline_total,
        "cumulative baseline",
    );
    let best_total: f64 = best.years.iter().map(|y| y.total).sum();
    close(
        float(summary.get_value((last_year, 3))),
        best_total,
        "cumulative best",
    );
    // The saving breakdown adds up to the difference of the totals; the doughnut's column
    // holds the positive parts only.
    let energy_row = row_of(&summary, "Energy (fuel vs electricity)");
    let baseline_energy: f64 = results.baseline.years.iter().map(|y| y.energy).sum();
    let best_energy: f64 = best.years.iter().map(|y| y.energy).sum();
    close(
        float(summary.get_value((energy_row, 1))),
        baseline_energy - best_energy,
        "energy saving",
    );
    let market_row = row_of(&summary, "V2G / market revenue");
    close(
        float(summary.get_value((market_row, 2))),
        3.0 * 75_000.25,
        "market saving",
    );
    let other_row = row_of(
        &summary,
        "Purchase, financing, infrastructure, batteries, residual",
    );
    assert!(
        float(summary.get_value((other_row, 1))) < 0.0,
        "the EVs cost more up front"
    );
    assert_eq!(text(summary.get_value((other_row, 2))), "not charted");
    let total_row = *rows_of(&summary, "Total").last().unwrap();
    close(
        float(summary.get_value((total_row, 1))),
        baseline_total - best_total,
        "saving total",
    );
    assert_eq!(
        text(summary.get_value((row_of(&summary, "Daily km"), 1))),
        "60 km"
    );

    // TCO: every yearly line and total, with SUM formulas.
    let tco = book.worksheet_range("TCO").unwrap();
    let tco_formulas = book.worksheet_formula("TCO").unwrap();
    let scenarios: Vec<&ScenarioResult> = std::iter::once(&results.baseline)
        .chain(&results.scenarios)
        .collect();
    let blocks = tco_blocks(&tco, &results);
    assert_eq!(blocks.len(), 3);
    for ((year_rows, total_row), scenario) in blocks.iter().zip(&scenarios) {
        for (row, year) in year_rows.iter().zip(&scenario.years) {
            assert_eq!(float(tco.get_value((*row, 0))), f64::from(year.year));
            assert_eq!(float(tco.get_value((*row, 1))), year.purchase);
            assert_eq!(float(tco.get_value((*row, 5))), year.energy);
            assert_eq!(float(tco.get_value((*row, 10))), year.market_revenue);
            assert_eq!(float(tco.get_value((*row, 12))), year.total);
            assert_eq!(float(tco.get_value((*row, 13))), year.co2_tonnes);
            assert_eq!(
                tco_formulas.get_value((*row, 12)).unwrap(),
                &format!("SUM(B{0}:L{0})", row + 1)
            );
        }
        let sum: f64 = scenario.years.iter().map(|y| y.total).sum();
        assert_eq!(float(tco.get_value((*total_row, 12))), sum);
        assert_eq!(
            tco_formulas.get_value((*total_row, 12)).unwrap(),
            &format!("SUM(M{}:M{})", year_rows[0] + 1, total_row)
        );
    }

    // Energy profile: the days side by side, with the contract line.
    let energy = book.worksheet_range("Energy profile").unwrap();
    assert_eq!(text(energy.get_value((3, 1))), "Base load (kW)");
    assert_eq!(text(energy.get_value((3, 4))), "Contract (kW)");
    assert_eq!(float(energy.get_value((5, 1))), 85.5);
    assert_eq!(float(energy.get_value((6, 2))), 48.0);
    assert_eq!(float(energy.get_value((6, 8))), 60.5, "the second day");
    assert_eq!(float(energy.get_value((9, 4))), 120.0);
    // 2025-04-15 12:00 as an Excel serial date.
    assert!(matches!(energy.get_value((4, 0)), Some(Data::DateTime(d)) if d.as_f64() == 45_762.5));

    // Bills: both lines with their rule; the run's total a formula.
    let bills = book.worksheet_range("Bills").unwrap();
    // The totals table and the lines table both start with a "Run" column.
    let header = rows_of(&bills, "Run")[1];
    assert_eq!(text(bills.get_value((header, 1))), "Month");
    assert_eq!(text(bills.get_value((header, 6))), "Amount (JPY)");
    assert_eq!(text(bills.get_value((header + 1, 2))), "energy");
    assert_eq!(float(bills.get_value((header + 1, 6))), 720_300.0);
    assert_eq!(text(bills.get_value((header + 1, 8))), "plan.vlx:5");
    assert_eq!(bills.get_value((header + 2, 7)), Some(&Data::Bool(true)));
    let run_row = row_of(&bills, "EV, optimised + V2B/V2G");
    assert_eq!(float(bills.get_value((run_row, 3))), 720_300.0);
    let bill_formulas = book.worksheet_formula("Bills").unwrap();
    assert!(bill_formulas
        .get_value((run_row, 3))
        .unwrap()
        .starts_with("SUMPRODUCT("));

    // V2G: the waterfall's steps and the invisible base, VaR, CVaR, the histogram.
    let v2g = book.worksheet_range("V2G").unwrap();
    let charging = row_of(&v2g, "Charging energy");
    assert_eq!(float(v2g.get_value((charging, 1))), -30_000.0);
    assert_eq!(float(v2g.get_value((charging, 2))), 90_000.0);
    assert_eq!(float(v2g.get_value((charging, 3))), 90_000.0, "base");
    assert_eq!(float(v2g.get_value((charging, 4))), 30_000.0, "visible");
    assert_eq!(float(v2g.get_value((row_of(&v2g, "Net"), 4))), 75_000.25);
    assert_eq!(
        float(v2g.get_value((row_of(&v2g, "Value at risk (95 %)"), 1))),
        1_500.0
    );
    assert_eq!(
        float(v2g.get_value((row_of(&v2g, "Conditional VaR (95 %)"), 1))),
        2_750.5
    );
    assert_eq!(float(v2g.get_value((row_of(&v2g, "0 to 5000"), 3))), 10.0);

    // Schedule: per-vehicle kW and a total per slot.
    let schedule = book.worksheet_range("Schedule").unwrap();
    assert_eq!(text(schedule.get_value((0, 1))), "Van 1 (kW)");
    assert_eq!(float(schedule.get_value((4, 1))), -3.5);
    assert_eq!(float(schedule.get_value((4, 3))), -1.25);
    let schedule_formulas = book.worksheet_formula("Schedule").unwrap();
    assert_eq!(schedule_formulas.get_value((4, 3)).unwrap(), "SUM(B5:C5)");

    // Goal seek.
    let goal = book.worksheet_range("Goal seek").unwrap();
    assert_eq!(float(goal.get_value((4, 2))), 9_100_000.0);
    assert_eq!(text(goal.get_value((5, 3))), "never");
    assert_eq!(
        text(goal.get_value((row_of(&goal, "Binding"), 1))),
        "payback (slack 1.8 years)"
    );

    // What-if: the shown table is the first page, by lookup; the data block holds every page.
    let what_if = book.worksheet_range("What-if").unwrap();
    let what_if_formulas = book.worksheet_formula("What-if").unwrap();
    assert_eq!(text(what_if.get_value((2, 1))), "on");
    for (row, col, value) in what_if_cells(&results, 0) {
        assert_eq!(float(what_if.get_value((row, col))), value);
        let formula = what_if_formulas.get_value((row, col)).unwrap();
        assert!(
            formula.starts_with("INDEX(") && formula.contains("MATCH($B$3,"),
            "{formula}"
        );
    }
    let grid = results.what_if.as_ref().unwrap();
    // "Subsidy" labels the drop-down (row 3) and heads the data block's page column.
    let data_header = rows_of(&what_if, "Subsidy")[1];
    let mut row = data_header;
    for (page, label) in grid.pages.iter().enumerate() {
        for r in 0..grid.rows.len() {
            row += 1;
            assert_eq!(&text(what_if.get_value((row, 0))), label);
            assert_eq!(text(what_if.get_value((row, 1))), grid.rows[r]);
            for c in 0..grid.columns.len() {
                assert_eq!(
                    float(what_if.get_value((row, 2 + c as u32))),
                    grid.values[page][r][c]
                );
            }
        }
    }

    // Checklists, answered where the study knows.
    let lists = book.worksheet_range("Checklists").unwrap();
    let chargers = row_of(&lists, "Chargers can discharge (bidirectional)");
    assert_eq!(text(lists.get_value((chargers, 1))), "no: charging only");
    let peak = row_of(&lists, "Site peak stays within the contract demand");
    assert_eq!(
        text(lists.get_value((peak, 1))),
        "peak 102.0 kW vs contract 120.0 kW: within, 18.0 kW to spare"
    );
    let uncontrolled = row_of(
        &lists,
        "2 Prepare the site — peak with uncontrolled charging within the contract",
    );
    assert!(text(lists.get_value((uncontrolled, 1))).ends_with("exceeds by 18.0 kW"));

    // Charts: Summary line + doughnut, one per day, the waterfall and the histogram.
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&path).unwrap()).unwrap();
    let charts: Vec<String> = zip
        .file_names()
        .map(|n| n.unwrap().into_owned())
        .filter(|n| n.starts_with("xl/charts/chart") && n.ends_with(".xml"))
        .collect();
    assert_eq!(charts.len(), 6, "{charts:?}");
    let mut kinds = String::new();
    for name in &charts {
        zip.by_name(name)
            .unwrap()
            .read_to_string(&mut kinds)
            .unwrap();
    }
    assert!(kinds.contains("<c:doughnutChart>"));
    assert!(kinds.contains("<c:lineChart>"));
    assert!(
        kinds.contains("<c:grouping val=\"stacked\"/>"),
        "the waterfall stacks"
    );
    assert!(
        kinds.contains("<a:noFill/>"),
        "the waterfall's base is invisible"
    );
    // The page cell is a drop-down list over the page names.
    let mut sheets = String::new();
    for i in 1..=SHEETS.len() {
        zip.by_name(&format!("xl/worksheets/sheet{i}.xml"))
            .unwrap()
            .read_to_string(&mut sheets)
            .unwrap();
    }
    assert!(
        sheets.contains("<dataValidation type=\"list\""),
        "a drop-down"
    );
    assert!(sheets.contains("sqref=\"B3\""));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn optional_sheets_are_left_out_and_bad_paths_refused() {
    let mut results = results();
    results.v2g = None;
    results.schedule = None;
    results.goal_seek = None;
    results.what_if = None;
    let dir = scratch("optional");
    let path = dir.join("RESULT.XLSX");
    write_study(&results, &path).unwrap();
    let book: Xlsx<_> = open_workbook(&path).unwrap();
    assert_eq!(
        book.sheet_names(),
        ["Summary", "TCO", "Energy profile", "Bills", "Checklists"]
    );
    for name in ["result.csv", "result", "result.xls"] {
        let error = write_study(&results, &dir.join(name)).unwrap_err();
        assert!(matches!(error, ExcelError::NotXlsx(_)), "{error}");
    }
    let names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        names,
        ["RESULT.XLSX"],
        "nothing else written, no temporary file"
    );
    // A ragged what-if grid is refused rather than shown wrong.
    let mut ragged = self::results();
    ragged.what_if.as_mut().unwrap().values[1].pop();
    let error = write_study(&ragged, &dir.join("ragged.xlsx")).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("page off: 1 rows of values for 2 rows named"),
        "{error}"
    );
    assert!(!dir.join("ragged.xlsx").exists());
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A three-party deal with two free parameters (a 3 × 2 grid, three points feasible).
fn risk_sharing() -> RiskSharingSheet {
    let party = |name: &str, expected: f64, paid: [f64; 4]| RiskParty {
        party: name.into(),
        expected,
        status_quo_expected: if name == "fleet" { 400_000.0 } else { 0.0 },
        value_at_risk: -expected / 2.0,
        status_quo_value_at_risk: 0.0,
        conditional_value_at_risk: -expected / 3.0,
        probability_of_loss: 0.125,
        status_quo_probability_of_loss: 0.0,
        monthly_paid: paid.to_vec(),
    };
    RiskSharingSheet {
        deal: "Depot deal".into(),
        study: "Depot V2G".into(),
        currency: "JPY".into(),
        basis: "3 month(s) from 2024-07, 8 price scenarios (seed 1)".into(),
        fleet: "4 enrolled vehicles".into(),
        terms: vec![
            "revenue fleet 60%, aggregator 40% (owner: fleet)".into(),
            "fee 1.5 JPY/kWh discharged — from fleet to oem (sharing.vlx:18)".into(),
        ],
        system_per_year: RiskSystemYear {
            margin: 500_000.0,
            wear: 100_000.0,
            net: 400_000.0,
            discharged_kwh: 15_000.0,
        },
        confidence: 0.95,
        parties: vec![
            party(
                "fleet",
                250_000.5,
                [10_000.0, 20_000.0, -5_000.25, 225_000.75],
            ),
            party("aggregator", 140_000.0, [0.0, 0.0, 70_000.0, 70_000.0]),
            party("oem", 9_999.5, [0.0, 0.0, 4_999.75, 4_999.75]),
        ],
        conservation_error: 1e-11,
        months: vec![
            "2024-07".into(),
            "2024-08".into(),
            "2024-09".into(),
            "2024-10".into(),
        ],
        fairness: Some(RiskFairness {
            parameters: vec![
                FreeParameter {
                    name: "revenue fleet".into(),
                    share: true,
                    grid: vec![0.4, 0.5, 0.6],
                },
                FreeParameter {
                    name: "floor".into(),
                    share: false,
                    grid: vec![0.0, 500.0],
                },
            ],
            parties: vec!["fleet".into(), "aggregator".into(), "oem".into()],
            confidence: 0.95,
            limits: vec![Some(100_000.0), None, None],
            feasible: vec![vec![0.5, 0.0], vec![0.5, 500.0], vec![0.6, 500.0]],
            evaluated: 5,
            bisected: true,
            best: Some(FairestPoint {
                values: vec![0.5, 500.0],
                expected: vec![200_000.0, 190_000.0, 9_999.5],
            }),
        }),
    }
}

#[test]
fn the_risk_sharing_sheet_shows_terms_parties_cash_and_the_fairness_grid() {
    let results = StudyResults {
        currency: "JPY".into(),
        risk_sharing: Some(risk_sharing()),
        ..Default::default()
    };
    let dir = scratch("risk-sharing");
    let path = dir.join("risk.xlsx");
    write_study(&results, &path).unwrap();
    let mut book: Xlsx<_> = open_workbook(&path).unwrap();
    assert_eq!(
        book.sheet_names(),
        [
            "Summary",
            "TCO",
            "Energy profile",
            "Bills",
            "Risk sharing",
            "Checklists"
        ]
    );
    let range = book.worksheet_range("Risk sharing").unwrap();
    let sheet = risk_sharing();
    // The terms, one per row.
    let terms = row_of(&range, "The deal's terms");
    for (offset, term) in (1..).zip(&sheet.terms) {
        assert_eq!(text(range.get_value((terms + offset, 0))), *term);
    }
    close(
        float(range.get_value((row_of(&range, "Net: what there is to share"), 1))),
        400_000.0,
        "system net",
    );
    // Party rows: the eight columns.
    let header = row_of(&range, "Party");
    let titles: Vec<String> = (0..8).map(|c| text(range.get_value((header, c)))).collect();
    assert_eq!(
        titles,
        [
            "Party",
            "Expected",
            "Status quo",
            "VaR 95 %",
            "VaR status quo",
            "CVaR 95 %",
            "P(loss)",
            "P(loss) status quo"
        ]
    );
    for party in &sheet.parties {
        let row = row_of(&range, &party.party);
        let found: Vec<f64> = (1..8).map(|c| float(range.get_value((row, c)))).collect();
        assert_eq!(
            found,
            [
                party.expected,
                party.status_quo_expected,
                party.value_at_risk,
                party.status_quo_value_at_risk,
                party.conditional_value_at_risk,
                party.probability_of_loss,
                party.status_quo_probability_of_loss
            ],
            "{}",
            party.party
        );
    }
    // Cash by month: one row per month, one column per party, a total row of formulas.
    let month = row_of(&range, "Month");
    for (index, label) in sheet.months.iter().enumerate() {
        let row = month + 1 + index as u32;
        assert_eq!(text(range.get_value((row, 0))), *label);
        for (col, party) in (1u32..).zip(&sheet.parties) {
            assert_eq!(
                float(range.get_value((row, col))),
                party.monthly_paid[index]
            );
        }
    }
    let total = month + 1 + sheet.months.len() as u32;
    assert_eq!(text(range.get_value((total, 0))), "Total");
    let formulas = book.worksheet_formula("Risk sharing").unwrap();
    for (col, party) in (1u32..).zip(&sheet.parties) {
        close(
            float(range.get_value((total, col))),
            party.monthly_paid.iter().sum(),
            "cash total",
        );
        let formula = formulas.get_value((total, col)).unwrap();
        let column = char::from(b'A' + col as u8);
        assert_eq!(
            formula,
            &format!("SUM({column}{}:{column}{})", month + 2, total)
        );
    }
    // Fairness: ranges, the fairest point, the grid with ✓ where every party gains.
    let ranges = row_of(&range, "Free parameter");
    assert_eq!(
        (
            float(range.get_value((ranges + 1, 1))),
            float(range.get_value((ranges + 1, 2)))
        ),
        (0.5, 0.6)
    );
    assert_eq!(
        (
            float(range.get_value((ranges + 2, 1))),
            float(range.get_value((ranges + 2, 2)))
        ),
        (0.0, 500.0)
    );
    let grid = row_of(&range, "revenue fleet \\ floor");
    assert_eq!(float(range.get_value((grid, 2))), 500.0);
    let marks: Vec<Vec<bool>> = (1..=3)
        .map(|r| {
            (1..=2)
                .map(
                    |c| matches!(range.get_value((grid + r, c)), Some(Data::String(s)) if s == "✓"),
                )
                .collect()
        })
        .collect();
    assert_eq!(marks, [[false, false], [true, true], [false, true]]);
    // The ✓ cells are filled by a conditional format over the grid; percent and money formats.
    let mut archive = zip::ZipArchive::new(std::fs::File::open(&path).unwrap()).unwrap();
    let mut xml = String::new();
    archive
        .by_name("xl/worksheets/sheet5.xml")
        .unwrap()
        .read_to_string(&mut xml)
        .unwrap();
    let first = grid + 2;
    assert!(
        xml.contains(&format!(
            r#"<conditionalFormatting sqref="B{first}:C{}">"#,
            first + 2
        )),
        "{xml}"
    );
    assert!(
        xml.contains("&quot;✓&quot;") || xml.contains("\"✓\""),
        "{xml}"
    );
    let mut styles = String::new();
    archive
        .by_name("xl/styles.xml")
        .unwrap()
        .read_to_string(&mut styles)
        .unwrap();
    assert!(styles.contains(r#"formatCode="0.0%""#) && styles.contains(r##"formatCode="#,##0""##));
    // LibreOffice prints the sheet and, recalculating, gets the same cash totals.
    if !soffice_installed() {
        std::fs::remove_dir_all(&dir).unwrap();
        return;
    }
    let pdf = libreoffice_convert(&dir, &path, "pdf");
    assert!(std::fs::read(pdf).unwrap().starts_with(b"%PDF"));
    let recalculated = libreoffice_convert(&dir, &path, "xlsx");
    let mut again: Xlsx<_> = open_workbook(&recalculated).unwrap();
    let range = again.worksheet_range("Risk sharing").unwrap();
    for (col, party) in (1u32..).zip(&sheet.parties) {
        close(
            float(range.get_value((total, col))),
            party.monthly_paid.iter().sum(),
            "recalculated cash total",
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Converts `file` with LibreOffice headless to `target` (`pdf`, `xlsx`) in `dir/out`, with a
/// private profile that recalculates every formula on load.
fn libreoffice_convert(dir: &Path, file: &Path, target: &str) -> PathBuf {
    let profile = dir.join("lo-profile");
    std::fs::create_dir_all(profile.join("user")).unwrap();
    std::fs::write(
        profile.join("user/registrymodifications.xcu"),
        r#"<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"#,
    )
    .unwrap();
    let out = dir.join(format!("out-{target}"));
    let filter = match target {
        "xlsx" => "xlsx:Calc MS Excel 2007 XML",
        other => other,
    };
    let output = run_with_limit(
        Command::new("soffice")
            .arg(format!(
                "-env:UserInstallation=file://{}",
                profile.display()
            ))
            .args([
                "--headless",
                "--norestore",
                "--convert-to",
                filter,
                "--outdir",
            ])
            .arg(&out)
            .arg(file),
        Duration::from_secs(180),
    );
    assert!(
        output.status.success(),
        "soffice: {}\n{}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let stem = file.file_stem().unwrap().to_string_lossy();
    let converted = out.join(format!("{stem}.{target}"));
    assert!(
        converted.exists(),
        "no {}: {}",
        converted.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    converted
}

/// LibreOffice opens the workbook and prints it to PDF, and recalculating every formula gives
/// the values voltlex stored: yearly and horizon totals, the bill total, the schedule's fleet
/// totals, the saving breakdown, and the what-if lookups of the page shown.
#[test]
fn libreoffice_prints_the_workbook_and_recalculates_the_same_numbers() {
    if !soffice_installed() {
        return;
    }
    let results = results();
    let dir = scratch("libreoffice");
    let path = dir.join("result.xlsx");
    write_study(&results, &path).unwrap();

    let pdf = libreoffice_convert(&dir, &path, "pdf");
    let bytes = std::fs::read(&pdf).unwrap();
    assert!(bytes.starts_with(b"%PDF"), "a PDF");
    assert!(bytes.len() > 10_000, "{} bytes", bytes.len());

    let mut original: Xlsx<_> = open_workbook(&path).unwrap();
    let expected = formula_cells(&mut original, &results);
    let recalculated = libreoffice_convert(&dir, &path, "xlsx");
    let mut book: Xlsx<_> = open_workbook(&recalculated).unwrap();
    assert_eq!(book.sheet_names(), SHEETS);
    for (sheet, row, col, value) in &expected {
        let range = book.worksheet_range(sheet).unwrap();
        close(
            float(range.get_value((*row, *col))),
            *value,
            &format!("{sheet}!({row},{col})"),
        );
    }
    let what_if = book.worksheet_range("What-if").unwrap();
    for (row, col, value) in what_if_cells(&results, 0) {
        close(
            float(what_if.get_value((row, col))),
            value,
            "what-if, first page",
        );
    }
    // The formulas survive LibreOffice's round trip.
    let formulas = book.worksheet_formula("What-if").unwrap();
    assert!(formulas.get_value((5, 1)).unwrap().contains("MATCH"));
    // VOLTLEX_KEEP_OUTPUT=1 keeps the workbook and its PDF to look at.
    if std::env::var_os("VOLTLEX_KEEP_OUTPUT").is_none() {
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

/// Choosing another page in the drop-down cell changes the shown table to that page's values
/// once recalculated: the lookups really read the data block.
#[test]
fn libreoffice_shows_another_what_if_page_when_the_reader_chooses_it() {
    if !soffice_installed() {
        return;
    }
    let results = results();
    let dir = scratch("libreoffice-page");
    let mut workbook = study_workbook(&results).unwrap();
    // What a reader does with the drop-down: B3 of the What-if sheet becomes "off".
    workbook
        .worksheet_from_name("What-if")
        .unwrap()
        .write_string(2, 1, "off")
        .unwrap();
    let path = dir.join("chosen.xlsx");
    workbook.save(&path).unwrap();
    let recalculated = libreoffice_convert(&dir, &path, "xlsx");
    let mut book: Xlsx<_> = open_workbook(&recalculated).unwrap();
    let what_if = book.worksheet_range("What-if").unwrap();
    assert_eq!(text(what_if.get_value((2, 1))), "off");
    for (row, col, value) in what_if_cells(&results, 1) {
        close(
            float(what_if.get_value((row, col))),
            value,
            "what-if, second page",
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
