//! End-to-end tests of `voltlex tco` and `voltlex goal-seek` on a four-van study
//! (`tests/data/tco-small.json`): the figures the report builds from the catalogue, and the
//! search equal to the exhaustive evaluation of every design.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use chrono::{Datelike, NaiveDate, Weekday};
use common::{stderr, stdout, voltlex};
use serde_json::Value;
use voltlex_engine::tco::catalogue::Catalogue;

const STUDY: &str = "tests/data/tco-small.json";

fn json(args: &[&str]) -> Value {
    let output = voltlex(args);
    assert!(output.status.success(), "{}", stderr(&output));
    serde_json::from_str(&stdout(&output)).unwrap()
}

fn close(a: f64, b: f64, tolerance: f64) {
    assert!((a - b).abs() <= tolerance, "{a} != {b}");
}

/// Weekdays of the example site's year (April 2024 to March 2025).
fn weekdays() -> f64 {
    let mut day = NaiveDate::from_ymd_opt(2024, 4, 1).unwrap();
    let end = NaiveDate::from_ymd_opt(2025, 3, 31).unwrap();
    let mut count = 0;
    while day <= end {
        if !matches!(day.weekday(), Weekday::Sat | Weekday::Sun) {
            count += 1;
        }
        day += chrono::Duration::days(1);
    }
    f64::from(count)
}

#[test]
fn tco_builds_each_line_from_the_catalogue_and_the_bills() {
    let report = json(&["tco", "--study", STUDY, "--format", "json"]);
    let catalogue = Catalogue::builtin().unwrap();
    let van = catalogue.vehicle("Mitsubishi Minicab EV").unwrap();
    let petrol = catalogue.ice_for_class("kei-van").unwrap();
    let charger = catalogue.charger("AC wall box 6 kW").unwrap();
    let money = |d: rust_decimal::Decimal| d.to_string().parse::<f64>().unwrap();

    // The combustion fleet: 4 vans × 60 km × the weekdays of the year.
    let km = 4.0 * 60.0 * weekdays();
    let baseline = report["baseline"].as_array().unwrap();
    assert_eq!(baseline.len(), 9, "years 0..=8");
    close(
        baseline[0]["purchase"].as_f64().unwrap(),
        4.0 * money(petrol.price),
        0.5,
    );
    close(
        baseline[1]["energy"].as_f64().unwrap(),
        km * petrol.litres_per_100km / 100.0 * 159.0,
        0.5,
    );
    close(
        baseline[1]["maintenance"].as_f64().unwrap(),
        km * money(petrol.maintenance_per_km),
        0.5,
    );

    let scenarios = report["scenarios"].as_array().unwrap();
    assert_eq!(
        scenarios.len(),
        2,
        "no v2g section: uncontrolled and optimised"
    );
    for scenario in scenarios {
        let result = &scenario[1];
        let years = result["years"].as_array().unwrap();
        // Year 0: 4 vans and 4 chargers (equipment + works) and 20 kWp of PV, minus subsidies.
        let capex =
            4.0 * (money(charger.equipment_price) + money(charger.works_price)) + 20.0 * 250_000.0;
        close(
            years[0]["purchase"].as_f64().unwrap(),
            4.0 * money(van.list_price),
            0.5,
        );
        close(years[0]["infrastructure"].as_f64().unwrap(), capex, 0.5);
        let subsidies: f64 = result["subsidies"]
            .as_array()
            .unwrap()
            .iter()
            .map(|pair| pair[1].as_f64().unwrap())
            .sum();
        assert!(
            subsidies > 0.0,
            "the CEV rules pay for the vans and chargers"
        );
        close(years[0]["subsidies"].as_f64().unwrap(), -subsidies, 0.5);
        // The electricity line is the change of the site's bills, escalated by 0 %.
        let energy = &result["energy"];
        close(
            years[1]["energy"].as_f64().unwrap(),
            energy["electricity_change"].as_f64().unwrap(),
            1e-6,
        );
        // Charged energy: 4 vans × 60 km × kWh/km at the battery, more at the grid.
        let driven_kwh = km * van.kwh_per_km;
        let charged = energy["fleet_kwh"].as_f64().unwrap();
        assert!(
            charged > driven_kwh && charged < driven_kwh / 0.85,
            "{charged} vs {driven_kwh}"
        );
        // Residual at the horizon: the class's share × price.
        assert!(years[8]["residual"].as_f64().unwrap() < 0.0);
        // Totals add up.
        for year in years {
            let sum: f64 = [
                "purchase",
                "financing",
                "subsidies",
                "infrastructure",
                "energy",
                "maintenance",
                "insurance",
                "taxes",
                "battery_replacement",
                "market_revenue",
                "residual",
            ]
            .iter()
            .map(|line| year[line].as_f64().unwrap())
            .sum();
            close(year["total"].as_f64().unwrap(), sum, 1e-3);
        }
    }
}

#[test]
fn every_day_dispatch_agrees_with_representative_days() {
    let representative = json(&["tco", "--study", STUDY, "--format", "json"]);
    let every_day = json(&[
        "tco",
        "--study",
        "tests/data/tco-small-every-day.json",
        "--format",
        "json",
    ]);
    for (one, all) in representative["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .zip(every_day["scenarios"].as_array().unwrap())
    {
        let (one, all) = (&one[1]["energy"], &all[1]["energy"]);
        assert_eq!(one["days_dispatched"].as_u64(), Some(12));
        // Every weekday but the last, whose night lies beyond the meter data (the day before
        // stands for it).
        assert_eq!(all["days_dispatched"].as_f64(), Some(weekdays() - 1.0));
        // The same vans on the same routine: the same energy, and bills within 2 %.
        close(
            one["fleet_kwh"].as_f64().unwrap(),
            all["fleet_kwh"].as_f64().unwrap(),
            1e-3,
        );
        let (a, b) = (
            one["electricity_change"].as_f64().unwrap(),
            all["electricity_change"].as_f64().unwrap(),
        );
        assert!((a - b).abs() <= 0.02 * a.abs().max(b.abs()), "{a} vs {b}");
    }
}

#[test]
fn worn_batteries_are_replaced_in_the_year_they_reach_end_of_life() {
    // 25 years at 35 °C: the packs wear out within the horizon.
    let report = json(&[
        "tco",
        "--study",
        "tests/data/tco-long.json",
        "--format",
        "json",
    ]);
    let mut lives = Vec::new();
    for scenario in report["scenarios"].as_array().unwrap() {
        let result = &scenario[1];
        let life = result["energy"]["vehicle_battery_life_years"]
            .as_u64()
            .expect("a pack wears out within 25 years at 35 °C");
        lives.push(life);
        for year in result["years"].as_array().unwrap() {
            let number = year["year"].as_u64().unwrap();
            let replaced = year["battery_replacement"].as_f64().unwrap();
            if number > 0 && number % life == 0 && number < 25 {
                // 4 packs × 20 kWh × 30,000 JPY/kWh.
                close(replaced, 4.0 * 20.0 * 30_000.0, 1e-6);
            } else {
                assert_eq!(replaced, 0.0, "year {number}");
            }
        }
    }
    // Charging late (optimised) keeps the packs at a lower state of charge through the day
    // than charging on arrival: less calendar ageing, a longer life.
    assert!(
        lives[1] >= lives[0],
        "uncontrolled {} vs optimised {}",
        lives[0],
        lives[1]
    );
}

#[test]
fn an_own_catalogue_adds_a_v2g_van_and_the_market_line_nets_share_and_fees() {
    // tests/data/v2g-catalogue.toml adds a V2G-approved van over the built-in catalogue.
    let report = json(&[
        "tco",
        "--study",
        "tests/data/tco-v2g.json",
        "--format",
        "json",
    ]);
    let scenarios = report["scenarios"].as_array().unwrap();
    assert_eq!(
        scenarios.len(),
        3,
        "with a v2g section the V2G scenario runs"
    );
    let v2g = &scenarios[2][1];
    assert_eq!(v2g["design"]["v2g"], Value::Bool(true));
    let energy = &v2g["energy"];
    let revenue = energy["export_revenue"].as_f64().unwrap();
    assert!(revenue >= 0.0 && energy["exported_kwh"].as_f64().unwrap() >= 0.0);
    // Market line of year 1: spot sales × (1 − 30 % aggregator share) − 500 JPY per van-month.
    close(
        -v2g["years"][1]["market_revenue"].as_f64().unwrap(),
        revenue * 0.7 - 500.0 * 12.0 * 4.0,
        1e-6,
    );
    // Without V2G there is no market line.
    assert_eq!(
        scenarios[1][1]["years"][1]["market_revenue"].as_f64(),
        Some(0.0)
    );
}

#[test]
fn tco_table_names_the_scenarios_and_the_simulation() {
    let output = voltlex(&["tco", "--study", STUDY]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    for expected in [
        "Combustion today",
        "EV, uncontrolled charging",
        "EV, optimised charging",
        "one dispatched day per month",
        "Simple payback",
        "CEV",
    ] {
        assert!(text.contains(expected), "{expected:?} missing:\n{text}");
    }
}

#[test]
fn goal_seek_equals_the_exhaustive_evaluation() {
    let searched = json(&["goal-seek", "--study", STUDY, "--format", "json", "--quiet"]);
    let exhaustive = json(&[
        "goal-seek",
        "--study",
        STUDY,
        "--format",
        "json",
        "--quiet",
        "--exhaustive",
    ]);
    for field in [
        "best",
        "runner_ups",
        "binding",
        "closest",
        "nearest_cheaper",
    ] {
        assert_eq!(searched[field], exhaustive[field], "{field}");
    }
    assert!(
        searched["best"].is_object(),
        "payback within 7 years is reachable"
    );
    let total = searched["total"].as_u64().unwrap();
    assert_eq!(total, 16);
    assert_eq!(
        searched["evaluated"].as_u64().unwrap() + searched["pruned"].as_u64().unwrap(),
        total
    );
    assert!(
        searched["pruned"].as_u64().unwrap() > 0,
        "the investment bound prunes"
    );
    assert_eq!(exhaustive["evaluated"].as_u64().unwrap(), total);
}

#[test]
fn goal_seek_out_of_reach_reports_the_closest_and_why() {
    let output = voltlex(&["goal-seek", "--study", STUDY, "--payback", "1", "--quiet"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(text.contains("No design meets the targets."), "{text}");
    assert!(
        text.contains("Closest:") && text.contains("payback within 1 years"),
        "{text}"
    );
}

#[test]
fn v2g_designs_without_a_v2g_section_are_refused_before_searching() {
    let dir = common::tempdir("tco-v2g-space");
    let mut study: Value =
        serde_json::from_str(&std::fs::read_to_string(common::root().join(STUDY)).unwrap())
            .unwrap();
    study["goal_seek"]["space"]["v2g"] = serde_json::json!([false, true]);
    let text = serde_json::to_string_pretty(&study)
        .unwrap()
        .replace("\"../../", "\"../../../");
    let path = dir.join("study.json");
    std::fs::write(&path, text).unwrap();
    let output = voltlex(&["goal-seek", "--study", path.to_str().unwrap(), "--quiet"]);
    assert!(!output.status.success());
    let message = stderr(&output);
    assert!(message.contains("goal_seek.space.v2g"), "{message}");
}

#[test]
fn bad_study_files_say_where_and_what() {
    let dir = common::tempdir("tco-bad");
    let mut study: Value =
        serde_json::from_str(&std::fs::read_to_string(common::root().join(STUDY)).unwrap())
            .unwrap();
    study["fleet"]["vehicle"] = Value::from("Minicab");
    let text = serde_json::to_string_pretty(&study)
        .unwrap()
        .replace("\"../../", "\"../../../../");
    let path = dir.join("study.json");
    std::fs::write(&path, text).unwrap();
    let output = voltlex(&["tco", "--study", path.to_str().unwrap()]);
    assert!(!output.status.success());
    let message = stderr(&output);
    assert!(
        message.contains("fleet.vehicle") && message.contains("Mitsubishi Minicab EV"),
        "{message}"
    );

    let broken = dir.join("broken.json");
    std::fs::write(&broken, "{\n  \"fleet\": 3,\n").unwrap();
    let output = voltlex(&["tco", "--study", broken.to_str().unwrap()]);
    assert!(!output.status.success());
    let message = stderr(&output);
    assert!(message.contains("broken.json:2:"), "{message}");
}

/// The V2G test study under the Market-Linked Plan (the spot price passed on in full), with a
/// JEPX file covering its fiscal year: the 2024 file plus its January–March relabelled 2025
/// (synthetic: the shared data stop at 2024-12-31; 29 February is left out).
fn market_linked_v2g_study(dir: &std::path::Path) -> std::path::PathBuf {
    let root = common::root();
    let original = std::fs::read(root.join("../shared/data/jepx/spot_summary_2024.csv")).unwrap();
    let mut bytes = Vec::with_capacity(original.len() * 5 / 4);
    let mut extra = Vec::new();
    for line in original.split_inclusive(|b| *b == b'\n') {
        bytes.extend_from_slice(line);
        for month in [&b"2024/1/"[..], b"2024/2/", b"2024/3/"] {
            if line.starts_with(month) && !line.starts_with(b"2024/2/29,") {
                extra.extend_from_slice(b"2025/");
                extra.extend_from_slice(&line[5..]);
            }
        }
    }
    bytes.extend_from_slice(&extra);
    let spot = dir.join("spot_fy2024.csv");
    std::fs::write(&spot, bytes).unwrap();
    let data = root.join("tests/data");
    let mut study: Value =
        serde_json::from_str(&std::fs::read_to_string(data.join("tco-v2g.json")).unwrap()).unwrap();
    let absolute = |relative: &Value| {
        Value::String(
            data.join(relative.as_str().unwrap())
                .to_string_lossy()
                .into_owned(),
        )
    };
    for key in ["rules", "load", "history", "power_factor"] {
        study["site"][key] = absolute(&study["site"][key]);
    }
    study["site"]["tariff"] = "TEPCO EP High-Voltage Market-Linked Plan".into();
    study["site"]["indices"]["tepco-fuel-cost"] =
        absolute(&study["site"]["indices"]["tepco-fuel-cost"]);
    study["site"]["indices"]["jepx-tokyo"] = spot.to_string_lossy().into_owned().into();
    study["subsidies"]["rules"] = absolute(&study["subsidies"]["rules"]);
    study["catalogue"] = absolute(&study["catalogue"]);
    study["v2g"]["spot"]["file"] = spot.to_string_lossy().into_owned().into();
    let path = dir.join("market-linked-v2g.json");
    std::fs::write(&path, serde_json::to_string_pretty(&study).unwrap()).unwrap();
    path
}

#[test]
fn v2g_price_scenarios_are_seeded_and_move_the_discharge_value() {
    use voltlex::tco_scenario::{Charging, PriceRisk, TcoStudy};
    let dir = common::tempdir("tco-price-risk");
    let study = TcoStudy::read(&market_linked_v2g_study(&dir)).unwrap();
    let design = study.design(Charging::Optimal, true);
    let first = study.v2g_price_risk(&design, 200, 11).unwrap();
    let again = study.v2g_price_risk(&design, 200, 11).unwrap();
    let other = study.v2g_price_risk(&design, 200, 12).unwrap();
    assert_eq!(first, again, "same seed, same numbers");
    assert_eq!((first.changes.len(), first.seed), (200, 11));
    assert_ne!(first.changes, other.changes, "another seed, other paths");
    let spread = |r: &PriceRisk| {
        let max = r.changes.iter().copied().fold(f64::MIN, f64::max);
        let min = r.changes.iter().copied().fold(f64::MAX, f64::min);
        max - min
    };
    // With the spot price passed on in full, the paths change what discharging is worth.
    assert!(spread(&first) > 1.0, "spread {}", spread(&first));

    // The Basic Plan passes on about 30 % of the spot price and its energy price is flat:
    // discharging never pays there, in any scenario, so the price risk is nil.
    let basic = TcoStudy::read(&common::root().join("tests/data/tco-v2g.json")).unwrap();
    let flat = basic
        .v2g_price_risk(&basic.design(Charging::Optimal, true), 50, 11)
        .unwrap();
    assert!(spread(&flat) < 1e-6, "spread {}", spread(&flat));
}

#[test]
fn energy_per_day_is_the_distance_at_the_models_consumption() {
    use voltlex::tco_scenario::{Charging, TcoStudy};
    let path = common::root().join("tests/data/tco-small.json");
    let by_km: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let km_study = TcoStudy::from_json(by_km.clone(), &path).unwrap();
    let kwh = 60.0 * km_study.vehicle_model().kwh_per_km;
    let mut by_kwh = by_km.clone();
    by_kwh["fleet"]
        .as_object_mut()
        .unwrap()
        .remove("km_per_day");
    by_kwh["fleet"]["kwh_per_day"] = kwh.into();
    let kwh_study = TcoStudy::from_json(by_kwh.clone(), &path).unwrap();
    close(kwh_study.km_per_day(), 60.0, 1e-9);
    close(kwh_study.kwh_per_day(), km_study.kwh_per_day(), 1e-9);
    let design = km_study.design(Charging::Optimal, false);
    let a = km_study.evaluate(&design).unwrap();
    let b = kwh_study.evaluate(&design).unwrap();
    close(
        b.energy.electricity_change,
        a.energy.electricity_change,
        1e-6,
    );
    close(b.comparison.savings_npv, a.comparison.savings_npv, 1e-6);

    // Both, or neither, is refused with the key to fix.
    let mut both = by_kwh.clone();
    both["fleet"]["km_per_day"] = 60.into();
    let error = TcoStudy::from_json(both, &path).err().unwrap().to_string();
    assert!(
        error.contains("give km_per_day or kwh_per_day, not both"),
        "{error}"
    );
    let mut neither = by_kwh;
    neither["fleet"]
        .as_object_mut()
        .unwrap()
        .remove("kwh_per_day");
    let error = TcoStudy::from_json(neither, &path)
        .err()
        .unwrap()
        .to_string();
    assert!(
        error.contains("km_per_day (or kwh_per_day) is required"),
        "{error}"
    );
}

#[test]
fn a_start_price_csv_gives_the_jepx_files_price_risk() {
    // Under the Market-Linked Plan the spot history moves what discharging is worth
    // (v2g_price_risk bootstraps it); the same prices as a plain `start,price` CSV (what an
    // input workbook's MarketPrices sheet becomes) give the same numbers.
    use voltlex::tco_scenario::{Charging, TcoStudy};
    let dir = common::tempdir("tco-price-csv");
    let by_jepx_path = market_linked_v2g_study(&dir);
    let mut study: Value =
        serde_json::from_str(&std::fs::read_to_string(&by_jepx_path).unwrap()).unwrap();
    let spot = std::path::PathBuf::from(study["v2g"]["spot"]["file"].as_str().unwrap());
    let series =
        voltlex_engine::read::jepx_spot_summary(&spot, voltlex_engine::read::JepxArea::Tokyo)
            .unwrap();
    let voltlex_engine::inputs::IndexSeries::Interval { values, .. } = series else {
        panic!("interval prices")
    };
    let mut csv = String::from("start,price\n");
    for (start, price) in &values {
        csv.push_str(&format!("{},{price}\n", start.format("%Y-%m-%d %H:%M")));
    }
    let prices = dir.join("tokyo-prices.csv");
    std::fs::write(&prices, csv).unwrap();
    study["v2g"]["spot"]["file"] = Value::String(prices.to_string_lossy().into_owned());
    let by_csv_path = dir.join("market-linked-price-csv.json");
    std::fs::write(&by_csv_path, serde_json::to_string_pretty(&study).unwrap()).unwrap();

    let by_jepx = TcoStudy::read(&by_jepx_path).unwrap();
    let by_csv = TcoStudy::read(&by_csv_path).unwrap();
    let design = by_jepx.design(Charging::Optimal, true);
    let a = by_jepx.v2g_price_risk(&design, 100, 7).unwrap();
    let b = by_csv.v2g_price_risk(&design, 100, 7).unwrap();
    let spread = a.changes.iter().copied().fold(f64::MIN, f64::max)
        - a.changes.iter().copied().fold(f64::MAX, f64::min);
    assert!(spread > 1.0, "the prices matter: spread {spread}");
    assert_eq!(a, b);
}
