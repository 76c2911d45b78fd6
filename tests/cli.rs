//! End-to-end tests of the `voltlex` binary: the commands a user types, on the example data.

// Test code: a failed expectation should panic.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::{root, stderr, stdout, tempdir, voltlex};
use std::process::Output;

/// The JEPX file beside the checkout (`../shared/data`), as in CI.
fn jepx_2024() -> String {
    root()
        .join("../shared/data/jepx/spot_summary_2024.csv")
        .display()
        .to_string()
}

fn basic_plan_args(format: &str) -> Vec<String> {
    [
        "bill",
        "--rules",
        "tariff-rules/jp-tepco-hv",
        "--tariff",
        "TEPCO EP High-Voltage Basic Plan",
        "--load",
        "workbooks/examples/site-2024-load.csv",
        "--history",
        "workbooks/examples/site-2024-history.csv",
        "--pf",
        "workbooks/examples/site-2024-pf.csv",
        "--index",
        "tepco-fuel-cost=workbooks/examples/fuel-cost-tepco-hv.csv",
        "--format",
        format,
    ]
    .iter()
    .map(|s| s.to_string())
    .chain(["--index".to_string(), format!("jepx-tokyo={}", jepx_2024())])
    .collect()
}

fn run(args: &[String]) -> Output {
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    voltlex(&refs)
}

#[test]
fn check_accepts_every_package() {
    let packages: Vec<String> = std::fs::read_dir(root().join("tariff-rules"))
        .unwrap()
        .map(|e| e.unwrap().path().display().to_string())
        .collect();
    assert!(packages.len() >= 4);
    let mut args = vec!["check"];
    args.extend(packages.iter().map(String::as_str));
    let output = voltlex(&args);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stdout(&output).contains("TEPCO EP High-Voltage Basic Plan"));
}

#[test]
fn check_rejects_a_wrong_file_with_a_located_diagnostic() {
    let dir = tempdir("check-wrong");
    let file = dir.join("wrong.vlx");
    std::fs::write(
        &file,
        "tariff \"X\" {\n  currency JPY\n  energy 16.56 JPY/kwh\n}\n",
    )
    .unwrap();
    let output = voltlex(&["check", file.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    let text = stderr(&output);
    assert!(text.contains("error[E0101]: unknown unit `kwh`"), "{text}");
    assert!(text.contains("wrong.vlx:3:20"), "{text}");
    assert!(text.contains("did you mean `kWh`?"), "{text}");
}

#[test]
fn check_json_gives_one_object_per_diagnostic() {
    let dir = tempdir("check-json");
    let file = dir.join("wrong.vlx");
    std::fs::write(
        &file,
        "tariff \"X\" {\n  currency JPY\n  energy 16.56 JPY/kwh\n  enrgy 1 JPY/kWh\n}\n",
    )
    .unwrap();
    let output = voltlex(&["check", "--format", "json", file.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    let value: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    let items = value.as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["code"], "E0101");
    assert_eq!(items[0]["line"], 3);
    assert_eq!(items[0]["column"], 20);
    assert_eq!(items[1]["code"], "E0002");
    assert_eq!(items[1]["help"], "did you mean `energy`?");
}

#[test]
fn bill_json_has_the_documented_shape_and_adds_up() {
    let output = run(&basic_plan_args("json"));
    assert!(output.status.success(), "{}", stderr(&output));
    let value: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(value["tariff"], "TEPCO EP High-Voltage Basic Plan");
    assert_eq!(value["currency"], "JPY");
    let months = value["months"].as_array().unwrap();
    assert_eq!(months.len(), 12);
    assert_eq!(months[0]["month"], "2024-04");
    let mut year = rust_decimal::Decimal::ZERO;
    for month in months {
        let peak = month["peak_kw"].as_f64().unwrap();
        let contract = month["contract_kw"].as_f64().unwrap();
        assert!(contract >= peak, "contract {contract} below peak {peak}");
        let mut sum = rust_decimal::Decimal::ZERO;
        for line in month["lines"].as_array().unwrap() {
            let amount: rust_decimal::Decimal = line["amount"].as_str().unwrap().parse().unwrap();
            assert!(line["rule"].as_str().unwrap().contains(".vlx:"), "{line}");
            if !line["informational"].as_bool().unwrap() {
                sum += amount;
            }
        }
        let total: rust_decimal::Decimal = month["total"].as_str().unwrap().parse().unwrap();
        assert_eq!(sum, total);
        year += total;
    }
    assert_eq!(
        year,
        value["total"]
            .as_str()
            .unwrap()
            .parse::<rust_decimal::Decimal>()
            .unwrap()
    );
    // The ratchet: April 2024 is billed on the 430.6 kW peak of August 2023 (history).
    assert_eq!(months[0]["contract_kw"].as_f64().unwrap(), 430.6);
    let items: Vec<&str> = months[0]["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["item"].as_str().unwrap())
        .collect();
    for expected in [
        "basic charge",
        "power-factor adjustment",
        "energy",
        "adjustment fuel_cost",
        "adjustment market_price",
        "surcharge renewable",
        "consumption tax (included)",
    ] {
        assert!(items.contains(&expected), "missing {expected} in {items:?}");
    }
}

#[test]
fn bill_table_csv_and_output_file() {
    let table = run(&basic_plan_args("table"));
    assert!(table.status.success(), "{}", stderr(&table));
    assert!(stdout(&table).contains("2025-03"));
    let dir = tempdir("bill-csv");
    let out = dir.join("bills.csv");
    let mut args = basic_plan_args("csv");
    args.extend(["--output".to_string(), out.display().to_string()]);
    let output = run(&args);
    assert!(output.status.success(), "{}", stderr(&output));
    let csv = std::fs::read_to_string(&out).unwrap();
    assert!(csv.starts_with("month,item,quantity,unit,unit_price,amount,informational,rule\n"));
    assert!(csv.contains("2024-08,basic charge,435.8,kW,1890.00,"));
    // No temporary file left behind.
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
}

#[test]
fn explain_shows_the_arithmetic_and_the_rule_of_each_line() {
    let mut args = basic_plan_args("table");
    args[0] = "explain".into();
    let format_at = args.iter().position(|a| a == "--format").unwrap();
    args.drain(format_at..format_at + 2);
    args.extend(["--month".to_string(), "2024-08".to_string()]);
    let output = run(&args);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(text.contains("1,890.00 JPY/kW × 435.8 kW"), "{text}");
    assert!(text.contains("basic.vlx:"), "{text}");
    assert!(text.contains("jepx-tokyo 2024-05"), "{text}");
}

#[test]
fn missing_inputs_are_named_not_zeroed() {
    // No fuel-cost index: the error names the index and the ones given.
    let mut args = basic_plan_args("table");
    let at = args
        .iter()
        .position(|a| a.starts_with("tepco-fuel-cost="))
        .unwrap();
    args.drain(at - 1..=at);
    let output = run(&args);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("tepco-fuel-cost"),
        "{}",
        stderr(&output)
    );

    // No history: the ratchet needs the prior eleven months.
    let mut args = basic_plan_args("table");
    let at = args.iter().position(|a| a == "--history").unwrap();
    args.drain(at..=at + 1);
    let output = run(&args);
    assert_eq!(output.status.code(), Some(2));
    let text = stderr(&output);
    assert!(
        text.contains("2023-05") && text.contains("--history"),
        "{text}"
    );
}

#[test]
fn a_gap_in_the_load_is_reported_with_its_place() {
    let dir = tempdir("gap");
    let source =
        std::fs::read_to_string(root().join("workbooks/examples/site-2024-load.csv")).unwrap();
    let lines: Vec<&str> = source.lines().collect();
    let mut kept: Vec<&str> = lines[..=200].to_vec();
    kept.extend(&lines[202..]);
    let load = dir.join("gap.csv");
    std::fs::write(&load, kept.join("\n")).unwrap();
    let output = voltlex(&[
        "bill",
        "--rules",
        "tariff-rules/jp-tepco-hv",
        "--tariff",
        "TEPCO EP High-Voltage Market-Adjustment-Zero Plan",
        "--load",
        load.to_str().unwrap(),
        "--supply-start",
        "2024-04",
        "--pf",
        "100",
    ]);
    assert_eq!(output.status.code(), Some(2));
    let text = stderr(&output);
    assert!(text.contains("gap.csv:202"), "{text}");
    assert!(
        text.contains("1 interval missing") || text.contains("missing"),
        "{text}"
    );
}

#[test]
fn unknown_tariff_name_suggests_the_closest() {
    let output = voltlex(&[
        "bill",
        "--rules",
        "tariff-rules/jp-tepco-hv",
        "--tariff",
        "TEPCO EP High-Voltage Basic Plna",
        "--load",
        "workbooks/examples/site-2024-load.csv",
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("did you mean \"TEPCO EP High-Voltage Basic Plan\""),
        "{}",
        stderr(&output)
    );
}

#[test]
fn golden_tests_of_every_package_pass() {
    let mut packages: Vec<String> = std::fs::read_dir(root().join("tariff-rules"))
        .unwrap()
        .map(|e| e.unwrap().path().display().to_string())
        .collect();
    packages.sort();
    assert!(packages.len() >= 6);
    let mut args = vec!["test"];
    args.extend(packages.iter().map(String::as_str));
    let output = voltlex(&args);
    let text = stdout(&output);
    assert!(output.status.success(), "{text}");
    assert!(text.contains(" passed, 0 failed"), "{text}");
}

#[test]
fn explain_error_explains_every_code() {
    let list = voltlex(&["explain-error"]);
    assert!(list.status.success());
    let codes: Vec<String> = stdout(&list)
        .lines()
        .map(|l| l.split_whitespace().next().unwrap().to_string())
        .collect();
    assert!(codes.len() >= 25);
    for code in codes {
        let one = voltlex(&["explain-error", &code]);
        assert!(one.status.success(), "{code}");
        assert!(stdout(&one).starts_with(&code));
    }
    assert_eq!(voltlex(&["explain-error", "E9999"]).status.code(), Some(2));
}

#[test]
fn bill_writes_a_workbook_and_insists_on_an_output_file() {
    let dir = tempdir("bill-xlsx");
    let out = dir.join("bills.xlsx");
    let mut args = basic_plan_args("xlsx");
    let refused = run(&args);
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        stderr(&refused).contains("--output"),
        "{}",
        stderr(&refused)
    );
    args.extend(["--output".to_string(), out.display().to_string()]);
    let output = run(&args);
    assert!(output.status.success(), "{}", stderr(&output));
    let bytes = std::fs::read(&out).unwrap();
    assert!(bytes.starts_with(b"PK"), "an xlsx file is a zip archive");
    assert_eq!(
        std::fs::read_dir(&dir).unwrap().count(),
        1,
        "no temporary file left behind"
    );
}

#[test]
fn fmt_checks_then_rewrites_a_messy_file_in_place() {
    let dir = tempdir("fmt");
    let file = dir.join("plan.vlx");
    let messy = "# a plan\ntariff \"Flat\"{currency JPY;energy 16.56   JPY/kWh # per kWh\n\n\n round each line down to 1 JPY}";
    std::fs::write(&file, messy).unwrap();
    let path = file.display().to_string();

    let check = voltlex(&["fmt", "--check", &path]);
    assert_eq!(check.status.code(), Some(1), "{}", stderr(&check));
    assert!(stdout(&check).contains(&path), "{}", stdout(&check));
    assert!(
        stdout(&check).contains("+  energy 16.56 JPY/kWh # per kWh"),
        "{}",
        stdout(&check)
    );
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        messy,
        "--check changes nothing"
    );

    let rewrite = voltlex(&["fmt", &dir.display().to_string()]);
    assert!(rewrite.status.success(), "{}", stderr(&rewrite));
    assert_eq!(stdout(&rewrite).trim(), path);
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        "# a plan\ntariff \"Flat\" {\n  currency JPY\n  energy 16.56 JPY/kWh # per kWh\n\n  round each line down to 1 JPY\n}\n"
    );
    assert_eq!(
        std::fs::read_dir(&dir).unwrap().count(),
        1,
        "no temporary file left behind"
    );

    let again = voltlex(&["fmt", "--check", &path]);
    assert_eq!(again.status.code(), Some(0), "{}", stdout(&again));
    assert_eq!(stdout(&again), "");

    // A syntax error: the diagnostic, exit 1, the file untouched.
    let broken = dir.join("broken.vlx");
    std::fs::write(&broken, "tariff \"B\" { energy 16.56 }").unwrap();
    let refused = voltlex(&["fmt", &broken.display().to_string()]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(stderr(&refused).contains("E0001"), "{}", stderr(&refused));
    assert_eq!(
        std::fs::read_to_string(&broken).unwrap(),
        "tariff \"B\" { energy 16.56 }"
    );
}

#[test]
fn a_runaway_script_fails_the_bill_with_the_rule_and_the_limit() {
    // A copy of the four-band package whose script never ends.
    let dir = tempdir("runaway");
    let package = root().join("tariff-rules/jp-tepco-hv-fy2025-bands");
    copy_dir(&package, &dir.join("pkg"));
    std::fs::write(dir.join("pkg/scripts/four_bands.rhai"), "loop { }\n").unwrap();
    let tests = dir.join("pkg/tests");
    let output = voltlex(&["test", dir.join("pkg").to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
    let text = stdout(&output);
    assert!(
        text.contains("computed market_price (basic-fy2025-bands.vlx:"),
        "{text}"
    );
    assert!(
        text.contains("operations limit") || text.contains("deadline limit"),
        "{text}"
    );
    assert!(tests.exists());
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}
