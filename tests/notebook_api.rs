//! The notebook API (`voltlex::notebook`) on the committed example data: it computes what the
//! CLI's request and scenario types compute, and its HTML carries the results' figures.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use voltlex::prelude::*;

const RULES: &str = "tariff-rules/jp-tepco-hv";
const LOAD: &str = "workbooks/examples/site-2024-load.csv";
const HISTORY: &str = "workbooks/examples/site-2024-history.csv";
const POWER_FACTOR: &str = "workbooks/examples/site-2024-pf.csv";
const FUEL_COST: &str = "workbooks/examples/fuel-cost-tepco-hv.csv";
const JEPX: &str = "../shared/data/jepx/spot_summary_2024.csv";
const BASIC: &str = "TEPCO EP High-Voltage Basic Plan";
const MARKET: &str = "TEPCO EP High-Voltage Market-Linked Plan";
const ZERO: &str = "TEPCO EP High-Voltage Market-Adjustment-Zero Plan";

fn site_bill() -> Bill {
    Bill::new(RULES)
        .load(LOAD)
        .history(HISTORY)
        .power_factor(POWER_FACTOR)
        .index("tepco-fuel-cost", FUEL_COST)
        .index("jepx-tokyo", JEPX)
}

/// The `points` attribute of each polyline, as point counts.
fn polyline_points(svg: &str) -> Vec<usize> {
    svg.split("<polyline")
        .skip(1)
        .map(|element| {
            let points = element.split("points=\"").nth(1).unwrap();
            points.split('"').next().unwrap().split(' ').count()
        })
        .collect()
}

#[test]
fn bill_equals_the_cli_request_and_shows_every_month() {
    let bill = site_bill().tariff(BASIC).run().unwrap();
    let (_, direct) = voltlex::request::BillRequest {
        tariff: Some(BASIC.into()),
        ..site_bill().request
    }
    .run()
    .unwrap();
    assert_eq!(bill.run.total, direct.total);
    assert_eq!(bill.monthly().len(), 12);
    let sum: f64 = bill.monthly().iter().map(|(_, total)| total).sum();
    assert!(
        (sum - bill.total()).abs() < 1.0,
        "{sum} vs {}",
        bill.total()
    );
    let html = bill.to_html();
    // Monthly summary (12 months) and a bar per month.
    assert_eq!(html.matches("class=\"bar\"").count(), 12);
    assert!(html.contains("<table"));
    let first_month = bill.run.months[0].month.to_string();
    assert!(html.contains(&format!("<td>{first_month}</td>")));
    // Line items: every line of every month is a row.
    let lines: usize = bill.run.months.iter().map(|m| m.lines.len()).sum();
    let items = voltlex_html::results::bill_lines(&bill.run);
    assert_eq!(items.rows(), lines);
}

#[test]
fn tariff_comparison_names_the_cheapest() {
    // The example year runs to March 2025, past the JEPX prices the market-linked plan
    // needs: the fixed-price plans are compared over the year.
    let bills = site_bill().compare([BASIC, ZERO]).unwrap();
    assert_eq!(bills.bills.len(), 2);
    let cheapest = bills.cheapest().unwrap();
    for bill in &bills.bills {
        assert!(cheapest.total() <= bill.total());
    }
    let html = bills.to_html();
    // One monthly line per tariff, one point per month.
    assert_eq!(polyline_points(&html), vec![12, 12]);
    assert!(html.contains("Market-Adjustment-Zero Plan"));
    // The market-linked plan without prices for the year's end: the error names the tariff.
    let error = site_bill().compare([MARKET]).unwrap_err();
    assert!(format!("{error:#}").contains(MARKET), "{error:#}");
}

#[test]
fn unknown_tariff_suggests_the_closest_name() {
    let error = site_bill()
        .tariff("TEPCO EP High-Voltage Basic Plam")
        .run()
        .unwrap_err();
    assert!(format!("{error:#}").contains("did you mean"), "{error:#}");
}

#[test]
fn data_loaders_read_the_examples() {
    let rules = rules(RULES).unwrap();
    assert_eq!(rules.tariffs().len(), 3);
    assert!(rules.to_html().contains(BASIC));

    let load = load_csv(LOAD).unwrap();
    assert_eq!(load.monthly_kwh().len(), 12);
    let monthly: f64 = load.monthly_kwh().values().sum();
    assert!((monthly - load.total_kwh()).abs() < 1e-6 * load.total_kwh());
    assert_eq!(load.to_html().matches("class=\"bar\"").count(), 12);
    let day = load.day(chrono::NaiveDate::from_ymd_opt(2024, 7, 16).unwrap());
    let per_day = (24 * 60 / load.profile.interval_minutes) as usize;
    assert_eq!(polyline_points(&day.to_html()), vec![per_day]);

    let prices = jepx(JEPX, "tokyo").unwrap();
    assert_eq!(prices.daily_shape().len(), 48);
    assert!(prices.mean() > 0.0);
    assert_eq!(polyline_points(&prices.to_html()), vec![48]);
    assert!(jepx(JEPX, "atlantis").is_err());

    // A filled example of the current template (the reader and the writer agree).
    let folder = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("notebook-api");
    std::fs::create_dir_all(&folder).unwrap();
    let path = folder.join("study-input.xlsx");
    let _ = std::fs::remove_file(&path);
    voltlex_excel::input::write_template(
        &path,
        &voltlex_excel::input::TemplateOptions::default(),
        Some(&voltlex_excel::input::ExampleValues::kei_vans()),
    )
    .unwrap();
    let book = workbook(&path).unwrap();
    assert!(book.input.study["fleet"].is_object());
    assert!(book.to_html().contains("fleet."));
}

#[test]
fn schedule_optimal_is_no_dearer_than_uncontrolled() {
    let result = Schedule::scenario("workbooks/examples/fleet/depot-night.json")
        .strategies([Strategy::Uncontrolled, Strategy::Optimal])
        .run()
        .unwrap();
    let uncontrolled = result.outcome(Strategy::Uncontrolled).unwrap();
    let optimal = result.outcome(Strategy::Optimal).unwrap();
    assert!(optimal.run.check.is_ok());
    assert!(optimal.run.cost.total <= uncontrolled.run.cost.total + 1e-6);
    let slots = result.scenario.fleet.problem.base_kw.len();
    // The site alone, then one line per strategy: a point per slot each.
    assert_eq!(polyline_points(&result.to_html()), vec![slots; 3]);
}

#[test]
fn small_v2g_study_draws_its_waterfall_and_risk() {
    let report = V2g::scenario("workbooks/examples/fleet/v2g-july.json")
        .days(2)
        .scenarios(100)
        .seed(3)
        .run()
        .unwrap();
    assert_eq!(report.days, 2);
    assert_eq!(report.daily.len(), 2);
    assert_eq!(report.checker_failures, 0);
    let html = report.to_html();
    let risk = report.risk.as_ref().unwrap();
    assert_eq!(risk.scenarios, 100);
    // The waterfall's lines plus the net, then one bar per histogram bin.
    assert_eq!(
        html.matches("class=\"bar\"").count(),
        report.fleet.lines.len() + 1 + risk.histogram.1.len()
    );
    assert_eq!(
        html.matches("class=\"marker\"").count(),
        2 * risk.levels.len()
    );
    // The changed copy of the scenario is gone.
    let leftovers = std::fs::read_dir("workbooks/examples/fleet")
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .is_ok_and(|e| e.file_name().to_string_lossy().contains(".notebook-"))
        })
        .count();
    assert_eq!(leftovers, 0);
}

#[test]
fn setting_that_names_nothing_is_refused() {
    let error = V2g::scenario("workbooks/examples/fleet/v2g-july.json")
        .set("/nowhere/days", 2.into())
        .run()
        .unwrap_err();
    assert!(format!("{error:#}").contains("/nowhere/days"), "{error:#}");
}

#[test]
fn fleet_sweep_costs_grow_with_the_fleet() {
    let tco = Tco::read_with(
        "workbooks/examples/fleet/tco-kei-vans.json",
        &[("/fleet/size", 4.into()), ("/fleet/electric", 4.into())],
    )
    .unwrap();
    let sweep = tco.fleet_sweep([2, 4]).unwrap();
    assert_eq!(sweep.rows.len(), 2);
    assert!(sweep.rows[1].result.investment > sweep.rows[0].result.investment);
    let horizon = sweep.baseline.len();
    let html = sweep.to_html();
    // Combustion and one line per size, a point per year (0..=N).
    assert_eq!(polyline_points(&html), vec![horizon; 3]);
    assert!(sweep.best_npv().is_some());
}

#[test]
fn evcxr_display_text_is_one_block() {
    let text = evcxr_html("<table></table>");
    assert_eq!(text.matches("EVCXR_BEGIN_CONTENT text/html\n").count(), 1);
    assert!(text.ends_with("\nEVCXR_END_CONTENT"));
}
