//! End-to-end tests of the Excel flow: `voltlex template` → (the example filled) →
//! `voltlex study` → the result workbook, read back with calamine and compared with
//! `voltlex tco` on the study the workbook became.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use calamine::{open_workbook, Data, Reader, Xlsx};
use common::{stderr, stdout, tempdir, voltlex};
use serde_json::Value;

fn numbers(path: &std::path::Path, sheet: &str) -> Vec<f64> {
    let mut book: Xlsx<_> = open_workbook(path).unwrap();
    let range = book.worksheet_range(sheet).unwrap();
    range
        .cells()
        .filter_map(|(_, _, cell)| match cell {
            Data::Float(x) => Some(*x),
            Data::Int(x) => Some(*x as f64),
            _ => None,
        })
        .collect()
}

fn has(values: &[f64], wanted: f64) -> bool {
    values.iter().any(|v| (v - wanted).abs() <= 0.5)
}

#[test]
fn the_template_is_written_once_and_never_overwritten() {
    let dir = tempdir("study-template");
    let path = dir.join("input.xlsx");
    let output = voltlex(&["template", "-o", path.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    let before = std::fs::read(&path).unwrap();
    let again = voltlex(&["template", "-o", path.to_str().unwrap()]);
    assert!(!again.status.success(), "an existing workbook is refused");
    assert_eq!(std::fs::read(&path).unwrap(), before, "and left as it was");
    let book: Xlsx<_> = open_workbook(&path).unwrap();
    let names = book.sheet_names();
    for sheet in [
        "Quick", "Scenario", "SiteLoad", "Fleet", "Chargers", "Finance", "Goal",
    ] {
        assert!(names.iter().any(|n| n == sheet), "{sheet} in {names:?}");
    }
}

#[test]
fn the_example_study_runs_from_its_workbook_and_matches_voltlex_tco() {
    let dir = tempdir("study-example");
    let input = dir.join("example.xlsx");
    let result = dir.join("result.xlsx");
    let saved = dir.join("study");
    let output = voltlex(&["template", "--example", "-o", input.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    let input_bytes = std::fs::read(&input).unwrap();
    let output = voltlex(&[
        "study",
        input.to_str().unwrap(),
        "-o",
        result.to_str().unwrap(),
        "--save-study",
        saved.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        std::fs::read(&input).unwrap(),
        input_bytes,
        "the input is untouched"
    );

    // The study the workbook became, run by the command line.
    let study = saved.join("study.json");
    let output = voltlex(&[
        "tco",
        "--study",
        study.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let report: Value = serde_json::from_str(&stdout(&output)).unwrap();

    let book: Xlsx<_> = open_workbook(&result).unwrap();
    let names = book.sheet_names();
    for sheet in [
        "Summary",
        "TCO",
        "Energy profile",
        "Bills",
        "What-if",
        "Checklists",
    ] {
        assert!(names.iter().any(|n| n == sheet), "{sheet} in {names:?}");
    }
    // Every scenario's yearly totals are in the TCO sheet, as numbers.
    let tco = numbers(&result, "TCO");
    for scenario in report["scenarios"].as_array().unwrap() {
        for year in scenario[1]["years"].as_array().unwrap() {
            let total = year["total"].as_f64().unwrap();
            assert!(has(&tco, total), "year total {total} not in the TCO sheet");
        }
    }
    for year in report["baseline"].as_array().unwrap() {
        assert!(has(&tco, year["total"].as_f64().unwrap()));
    }
    // The best scenario's NPV of the saving is a figure of the Summary.
    let best = report["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s[1]["comparison"]["savings_npv"].as_f64().unwrap())
        .fold(f64::MIN, f64::max);
    assert!(
        has(&numbers(&result, "Summary"), best),
        "NPV {best} on Summary"
    );

    // The example's RiskSharing sheet: the repository's deal over its V2G study, settled as
    // `voltlex risk-share` settles it with the sheet's 200 scenarios.
    let root = common::root();
    let deal = voltlex::risk_share::read_deal(
        &root.join("tariff-rules/examples-risk-sharing"),
        Some("Depot V2G three-party deal"),
    )
    .unwrap();
    let options = voltlex::risk_share::RiskShareOptions {
        name: Some(deal.name.clone()),
        scenarios: Some(200),
        ..Default::default()
    };
    let report = voltlex::risk_share::run(
        &deal,
        &root.join("workbooks/examples/fleet/v2g-risk-share.json"),
        &options,
        &mut |_| {},
    )
    .unwrap();
    let mut book: Xlsx<_> = open_workbook(&result).unwrap();
    let range = book
        .worksheet_range("Risk sharing")
        .expect("a Risk sharing sheet");
    let row_starting = |first: &str| {
        range
            .rows()
            .find(|row| matches!(row.first(), Some(Data::String(s)) if s == first))
            .unwrap_or_else(|| panic!("no row {first:?}"))
            .to_vec()
    };
    let float = |cell: &Data| match cell {
        Data::Float(x) => *x,
        other => panic!("expected a number, found {other:?}"),
    };
    assert_eq!(report.outcome.parties.len(), 4);
    for party in &report.outcome.parties {
        let row = row_starting(&party.party);
        let found: Vec<f64> = row[1..8].iter().map(float).collect();
        let expected = [
            party.expected,
            party.status_quo_expected,
            party.value_at_risk,
            party.status_quo_value_at_risk,
            party.conditional_value_at_risk,
            party.probability_of_loss,
            party.status_quo_probability_of_loss,
        ];
        for (found, expected) in found.iter().zip(expected) {
            assert!(
                (found - expected).abs() <= 1e-6 * expected.abs().max(1.0),
                "{}: {found:?} vs {expected:?}",
                party.party
            );
        }
    }
    // The cash table's total row adds each party's months as paid.
    let total = row_starting("Total");
    for (cell, party) in total[1..].iter().zip(&report.outcome.parties) {
        let paid: f64 = party.monthly_expected_paid.iter().sum();
        assert!((float(cell) - paid).abs() < 1e-6, "{}", party.party);
    }
    assert!(
        range
            .cells()
            .any(|(_, _, cell)| matches!(cell, Data::String(s) if s == "✓")),
        "the fairness grid"
    );
}

#[test]
fn a_bad_risk_sharing_cell_or_file_is_named_at_its_cell() {
    let dir = tempdir("study-risk-sharing");
    let root = common::root();
    let v2g_study = root.join("workbooks/examples/fleet/v2g-risk-share.json");
    let write = |name: &str, contract: &str, study: &str, scenarios: &str| {
        let mut book = example_workbook(&dir);
        let sheet = book.worksheet_from_name("RiskSharing").unwrap();
        sheet.write_string(3, 1, contract).unwrap();
        sheet.write_string(5, 1, study).unwrap();
        sheet.write_string(6, 1, scenarios).unwrap();
        let input = dir.join(name);
        book.save(&input).unwrap();
        input
    };
    let contract = root.join("tariff-rules/examples-risk-sharing");
    let study = |input: &std::path::Path| {
        let result = dir.join("result.xlsx");
        let output = voltlex(&[
            "study",
            input.to_str().unwrap(),
            "-o",
            result.to_str().unwrap(),
        ]);
        assert!(!output.status.success());
        assert!(!result.exists(), "nothing written");
        stderr(&output)
    };
    // A cell that is not what it should be: the workbook's own Sheet!Cell message.
    let (contract, v2g_study) = (contract.to_str().unwrap(), v2g_study.to_str().unwrap());
    let message = study(&write("bad-cell.xlsx", contract, v2g_study, "lots"));
    assert!(
        message.contains(
            "RiskSharing!B7: price scenarios must be a whole number of scenarios, found \"lots\""
        ),
        "{message}"
    );
    // A contract that is not there: the error names the cell that gave it.
    let message = study(&write(
        "no-contract.xlsx",
        "no-such-deal.vlx",
        v2g_study,
        "50",
    ));
    assert!(
        message.contains("RiskSharing!B4 (contract rules no-such-deal.vlx): cannot read"),
        "{message}"
    );
    // A V2G study that is not there: named at its own cell, with the deal it was to settle.
    let message = study(&write(
        "no-study.xlsx",
        contract,
        "no-such-study.json",
        "50",
    ));
    assert!(
        message.contains(
            "RiskSharing!B6 (V2G study no-such-study.json, settling \"Depot V2G three-party deal\")"
        ),
        "{message}"
    );
}

/// Every sheet's cells as text, sheet by sheet.
fn contents(path: &std::path::Path) -> Vec<(String, Vec<Vec<String>>)> {
    let mut book: Xlsx<_> = open_workbook(path).unwrap();
    book.sheet_names()
        .into_iter()
        .map(|name| {
            let range = book.worksheet_range(&name).unwrap();
            let rows = range
                .rows()
                .map(|row| row.iter().map(|cell| cell.to_string()).collect())
                .collect();
            (name, rows)
        })
        .collect()
}

#[test]
fn the_committed_example_workbooks_are_what_the_code_writes() {
    // workbooks/examples/make-study-workbooks.sh wrote them; written again here (from the
    // repository's folder, as the script does), they hold the same cells.
    let dir = tempdir("study-committed");
    let input = common::root().join("workbooks/examples/study-input.xlsx");
    let fresh_input = common::root().join(format!(
        "workbooks/examples/fresh-input-{}.xlsx",
        std::process::id()
    ));
    let output = voltlex(&["template", "--example", "-o", fresh_input.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    let same_input = contents(&fresh_input) == contents(&input);
    std::fs::remove_file(&fresh_input).unwrap();
    assert!(
        same_input,
        "study-input.xlsx is stale: run workbooks/examples/make-study-workbooks.sh"
    );

    let fresh_result = dir.join("result.xlsx");
    let output = voltlex(&[
        "study",
        input.to_str().unwrap(),
        "-o",
        fresh_result.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let committed = contents(&common::root().join("workbooks/examples/study-result.xlsx"));
    assert!(
        contents(&fresh_result) == committed,
        "study-result.xlsx is stale: run workbooks/examples/make-study-workbooks.sh"
    );
}

/// The filled example input workbook, in memory (for a test to change cells), with absolute
/// package paths so it runs from `dir`.
fn example_workbook(dir: &std::path::Path) -> rust_xlsxwriter::Workbook {
    let root = common::root();
    let options = voltlex::study::template_options(&root.join("tariff-rules"), dir).unwrap();
    let mut example = voltlex_excel::input::ExampleValues::kei_vans();
    example.rules_package = format!("{}/tariff-rules/jp-tepco-hv", root.display());
    example.subsidy_package = format!("{}/tariff-rules/jp-subsidies", root.display());
    voltlex_excel::input::template_workbook(&options, Some(&example)).unwrap()
}

/// The row (0-based) of the key/value sheet `sheet` whose label (column A) is `label`.
fn row_of(path: &std::path::Path, sheet: &str, label: &str) -> u32 {
    let mut book: Xlsx<_> = open_workbook(path).unwrap();
    let range = book.worksheet_range(sheet).unwrap();
    let (first_row, _) = range.start().unwrap();
    range
        .rows()
        .position(|row| row.first().map(|c| c.to_string()) == Some(label.to_string()))
        .map(|index| first_row + index as u32)
        .unwrap_or_else(|| panic!("{sheet} has no row {label:?}"))
}

#[test]
fn with_v2g_on_the_result_has_a_waterfall_that_adds_up() {
    let dir = tempdir("study-v2g");
    // The example, written by the library so the test can set three Markets cells.
    let plain = dir.join("plain.xlsx");
    let output = voltlex(&["template", "--example", "-o", plain.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    let rows: Vec<u32> = ["V2G", "JEPX spot file", "JEPX area"]
        .iter()
        .map(|label| row_of(&plain, "Markets", label))
        .collect();
    let root = common::root();
    let mut book = example_workbook(&dir);
    let markets = book.worksheet_from_name("Markets").unwrap();
    let spot = root.join("../shared/data/jepx/spot_summary_2024.csv");
    markets.write_string(rows[0], 1, "yes").unwrap();
    markets
        .write_string(rows[1], 1, spot.to_str().unwrap())
        .unwrap();
    markets.write_string(rows[2], 1, "tokyo").unwrap();
    let input = dir.join("v2g.xlsx");
    book.save(&input).unwrap();

    let result = dir.join("result.xlsx");
    let output = voltlex(&[
        "study",
        input.to_str().unwrap(),
        "-o",
        result.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let mut read: Xlsx<_> = open_workbook(&result).unwrap();
    let range = read.worksheet_range("V2G").expect("a V2G sheet");
    // The waterfall's rows: label, amount; the first is the gross, the last the net.
    let steps: Vec<(String, f64)> = range
        .rows()
        .filter_map(|row| match (row.first(), row.get(1)) {
            (Some(Data::String(label)), Some(Data::Float(amount))) => {
                Some((label.clone(), *amount))
            }
            _ => None,
        })
        .collect();
    let gross = steps
        .iter()
        .position(|(l, _)| l.starts_with("Gross"))
        .unwrap();
    let net = steps.iter().position(|(l, _)| l == "Net a year").unwrap();
    let changes: f64 = steps[gross + 1..net].iter().map(|(_, a)| a).sum();
    assert!(
        (steps[gross].1 + changes - steps[net].1).abs() < 0.5,
        "{steps:?}"
    );

    // Market risk: the year's net under the seeded price scenarios, every scenario in the
    // histogram, CVaR (mean loss beyond VaR) at least VaR.
    let text: Vec<String> = range
        .rows()
        .filter_map(|row| match row.first() {
            Some(Data::String(text)) => Some(text.clone()),
            _ => None,
        })
        .collect();
    let heading = text
        .iter()
        .find(|t| t.starts_with("Market risk of"))
        .unwrap();
    assert!(
        heading.contains("1000 market-price scenarios") && heading.contains("seed 2024"),
        "{heading}"
    );
    let value = |label: &str| {
        steps
            .iter()
            .find(|(l, _)| l.starts_with(label))
            .map(|(_, v)| *v)
            .unwrap()
    };
    let (var, cvar) = (value("Value at risk"), value("Conditional VaR"));
    assert!(cvar >= var - 1e-9, "VaR {var}, CVaR {cvar}");
    let counts: f64 = range
        .rows()
        .skip_while(|row| row.first() != Some(&Data::String("Bin".into())))
        .skip(1)
        .filter_map(|row| match row.get(3) {
            Some(Data::Float(count)) => Some(*count),
            _ => None,
        })
        .sum();
    assert_eq!(counts, 1000.0);
}

#[test]
fn the_result_never_overwrites_the_input_and_bad_files_are_named() {
    let dir = tempdir("study-refusals");
    let input = dir.join("example.xlsx");
    let output = voltlex(&["template", "--example", "-o", input.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    let output = voltlex(&[
        "study",
        input.to_str().unwrap(),
        "-o",
        input.to_str().unwrap(),
    ]);
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("overwrite the input"),
        "{}",
        stderr(&output)
    );

    let not_a_workbook = dir.join("notes.xlsx");
    std::fs::write(&not_a_workbook, "not a zip").unwrap();
    let result = dir.join("result.xlsx");
    let output = voltlex(&[
        "study",
        not_a_workbook.to_str().unwrap(),
        "-o",
        result.to_str().unwrap(),
    ]);
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("notes.xlsx"),
        "{}",
        stderr(&output)
    );
    assert!(!result.exists(), "nothing is written when the input is bad");
}

#[test]
fn a_workbook_with_two_trip_groups_runs_them_as_vehicle_groups() {
    let dir = tempdir("study-groups");
    let mut book = example_workbook(&dir);
    // Row 4 (the example's routine) becomes 12 booked delivery vans; row 5 adds 8 vans that
    // also work weekends and come back later.
    let trips = book.worksheet_from_name("Trips").unwrap();
    trips.write_number(3, 7, 12).unwrap();
    trips.write_string(3, 8, "yes").unwrap();
    trips.write_string(3, 9, "delivery rounds").unwrap();
    trips.write_string(4, 1, "19:00").unwrap();
    trips.write_number(4, 2, 40).unwrap();
    trips.write_string(4, 3, "all").unwrap();
    trips.write_number(4, 7, 8).unwrap();
    trips.write_string(4, 9, "weekend service").unwrap();
    let input = dir.join("groups.xlsx");
    book.save(&input).unwrap();

    let result = dir.join("result.xlsx");
    let saved = dir.join("study");
    let output = voltlex(&[
        "study",
        input.to_str().unwrap(),
        "-o",
        result.to_str().unwrap(),
        "--save-study",
        saved.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let study: Value =
        serde_json::from_str(&std::fs::read_to_string(saved.join("study.json")).unwrap()).unwrap();
    let groups = study["fleet"]["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 2, "{study}");
    assert_eq!(groups[0]["booked"], true);
    assert_eq!(groups[1]["operating_days"], "all");
    // The weekend group's nights are simulated: the saved study runs with 24 days.
    let output = voltlex(&[
        "tco",
        "--study",
        saved.join("study.json").to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let report = stdout(&output);
    assert!(report.contains("\"days_dispatched\": 24"), "{report}");
}

#[test]
fn prices_pasted_on_market_prices_become_the_studys_spot_file() {
    let dir = tempdir("study-prices");
    let root = common::root();
    let spot = root.join("../shared/data/jepx/spot_summary_2024.csv");
    let write = |name: &str, paste: bool| {
        let mut book = example_workbook(&dir);
        let plain = dir.join("plain.xlsx");
        if !plain.exists() {
            example_workbook(&dir).save(&plain).unwrap();
        }
        let rows: Vec<u32> = ["V2G", "JEPX spot file", "JEPX area"]
            .iter()
            .map(|label| row_of(&plain, "Markets", label))
            .collect();
        let markets = book.worksheet_from_name("Markets").unwrap();
        markets.write_string(rows[0], 1, "yes").unwrap();
        markets.write_string(rows[2], 1, "tokyo").unwrap();
        if paste {
            // The Tokyo column of the JEPX file, as a finance user pastes it.
            let series = voltlex_engine::read::jepx_spot_summary(
                &spot,
                voltlex_engine::read::JepxArea::Tokyo,
            )
            .unwrap();
            let voltlex_engine::inputs::IndexSeries::Interval { values, .. } = series else {
                panic!("interval prices")
            };
            let prices = book.worksheet_from_name("MarketPrices").unwrap();
            for (row, (start, price)) in (3u32..).zip(&values) {
                prices
                    .write_string(row, 0, start.format("%Y-%m-%d %H:%M").to_string())
                    .unwrap();
                prices
                    .write_number(row, 1, price.to_string().parse::<f64>().unwrap())
                    .unwrap();
            }
        } else {
            markets
                .write_string(rows[1], 1, spot.to_str().unwrap())
                .unwrap();
        }
        let input = dir.join(name);
        book.save(&input).unwrap();
        input
    };
    let report = |input: &std::path::Path, name: &str| {
        let saved = dir.join(name);
        let output = voltlex(&[
            "study",
            input.to_str().unwrap(),
            "-o",
            dir.join(format!("{name}-result.xlsx")).to_str().unwrap(),
            "--save-study",
            saved.to_str().unwrap(),
        ]);
        assert!(output.status.success(), "{}", stderr(&output));
        let output = voltlex(&[
            "tco",
            "--study",
            saved.join("study.json").to_str().unwrap(),
            "--format",
            "json",
        ]);
        assert!(output.status.success(), "{}", stderr(&output));
        serde_json::from_str::<Value>(&stdout(&output)).unwrap()
    };
    let from_file = report(&write("file.xlsx", false), "file");
    let pasted = report(&write("pasted.xlsx", true), "pasted");
    // The pasted prices became the study's spot file: every interval of the JEPX file's
    // Tokyo column, in order (tests/tco_cli.rs proves such a file prices exports as the JEPX
    // file does).
    let saved: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("pasted/study.json")).unwrap())
            .unwrap();
    assert_eq!(saved["v2g"]["spot"]["file"], "market-prices.csv", "{saved}");
    let csv = std::fs::read_to_string(dir.join("pasted/market-prices.csv")).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 1 + 366 * 48);
    assert_eq!(lines[1], "2024-01-01 00:00,15.64");
    assert_eq!(from_file["scenarios"], pasted["scenarios"]);
}
