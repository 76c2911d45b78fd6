//! Golden bills: a package's `tests/*.toml` files, each a bill request with the expected
//! totals and lines. `voltlex test PKG` runs them.
//!
//! ```toml
//! tariff = "TEPCO EP High-Voltage Basic Plan"
//! load = "data/flat-april.csv"          # paths relative to this file
//! history = "data/history.csv"          # optional
//! supply_start = "2024-04"              # optional
//! power_factor = "98"                   # a percentage, or a CSV path
//! contract_kw = 600                     # optional
//! subscription_kw = 100                 # optional
//! [index]
//! tepco-fuel-cost = "data/fuel.csv"     # or a list of files
//!
//! [[month]]
//! month = "2024-04"
//! total = "1234567"
//! contract_kw = 300.0                   # optional
//! [month.lines]                         # optional: expected amounts by line item
//! "basic charge" = "551880"
//! ```

use rust_decimal::Decimal;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::request::{BillRequest, PowerFactorSource, RequestError};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TestFile {
    tariff: Option<String>,
    load: String,
    history: Option<String>,
    supply_start: Option<String>,
    power_factor: Option<toml::Value>,
    contract_kw: Option<f64>,
    subscription_kw: Option<f64>,
    #[serde(default)]
    index: BTreeMap<String, OneOrMany>,
    #[serde(default)]
    month: Vec<ExpectedMonth>,
    total: Option<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExpectedMonth {
    month: String,
    total: Option<String>,
    contract_kw: Option<f64>,
    peak_kw: Option<f64>,
    #[serde(default)]
    lines: BTreeMap<String, String>,
}

/// The outcome of one golden test file.
#[derive(Debug, Clone)]
pub struct TestOutcome {
    /// The test file.
    pub file: PathBuf,
    /// Every mismatch or error; empty when the test passed.
    pub failures: Vec<String>,
    /// How many expectations were compared.
    pub checks: usize,
}

impl TestOutcome {
    /// Did it pass?
    pub fn passed(&self) -> bool {
        self.failures.is_empty() && self.checks > 0
    }
}

/// The test files of a package, sorted.
pub fn test_files(package: &Path) -> std::io::Result<Vec<PathBuf>> {
    let dir = package.join("tests");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    Ok(files)
}

/// Runs one golden test file of the package at `package`.
pub fn run_test(package: &Path, file: &Path) -> TestOutcome {
    let mut outcome = TestOutcome {
        file: file.to_path_buf(),
        failures: vec![],
        checks: 0,
    };
    let text = match std::fs::read_to_string(file) {
        Ok(text) => text,
        Err(e) => {
            outcome.failures.push(format!("cannot read: {e}"));
            return outcome;
        }
    };
    let test: TestFile = match toml::from_str(&text) {
        Ok(test) => test,
        Err(e) => {
            outcome
                .failures
                .push(format!("not a golden test file: {e}"));
            return outcome;
        }
    };
    let base = file.parent().unwrap_or(Path::new("."));
    let rel = |p: &str| base.join(p);
    let supply_start = match test.supply_start.as_deref().map(str::parse) {
        None => None,
        Some(Ok(month)) => Some(month),
        Some(Err(e)) => {
            outcome.failures.push(format!("supply_start: {e}"));
            return outcome;
        }
    };
    // A power factor is a percentage (`98`, `84.9`, "97%") or a CSV path relative to the test.
    let power_factor = test.power_factor.as_ref().map(|value| {
        let text = match value {
            toml::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        match PowerFactorSource::parse(&text) {
            PowerFactorSource::File(path) => PowerFactorSource::File(base.join(path)),
            flat => flat,
        }
    });
    let request = BillRequest {
        rules: package.to_path_buf(),
        tariff: test.tariff.clone(),
        load: rel(&test.load),
        history: test.history.as_deref().map(rel),
        supply_start,
        power_factor,
        indices: test
            .index
            .iter()
            .map(|(name, files)| {
                let files = match files {
                    OneOrMany::One(f) => vec![rel(f)],
                    OneOrMany::Many(fs) => fs.iter().map(|f| rel(f)).collect(),
                };
                (name.clone(), files)
            })
            .collect(),
        contract_kw: test.contract_kw,
        subscription_kw: test.subscription_kw,
    };
    let run = match request.run() {
        Ok((_, run)) => run,
        Err(RequestError::Rules(path, compilation)) => {
            outcome.failures.push(format!(
                "the rules in {} have errors:\n{}",
                path.display(),
                compilation.render_diagnostics(false)
            ));
            return outcome;
        }
        Err(e) => {
            outcome.failures.push(e.to_string());
            return outcome;
        }
    };
    let mut failures = Vec::new();
    if let Some(total) = &test.total {
        compare_amount(
            &mut outcome.checks,
            "total".into(),
            total,
            run.total,
            &mut failures,
        );
    }
    for expected in &test.month {
        let Some(bill) = run
            .months
            .iter()
            .find(|b| b.month.to_string() == expected.month)
        else {
            failures.push(format!(
                "{}: no bill for this month (billed: {})",
                expected.month,
                run.months
                    .iter()
                    .map(|b| b.month.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
            continue;
        };
        if let Some(total) = &expected.total {
            compare_amount(
                &mut outcome.checks,
                format!("{} total", expected.month),
                total,
                bill.total,
                &mut failures,
            );
        }
        for (item, amount) in &expected.lines {
            match bill.lines.iter().find(|l| &l.item == item) {
                Some(line) => compare_amount(
                    &mut outcome.checks,
                    format!("{} {item}", expected.month),
                    amount,
                    line.amount,
                    &mut failures,
                ),
                None => failures.push(format!(
                    "{}: no line \"{item}\" (lines: {})",
                    expected.month,
                    bill.lines
                        .iter()
                        .map(|l| format!("\"{}\"", l.item))
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            }
        }
        for (what, expected_kw, actual) in [
            ("contract_kw", expected.contract_kw, bill.contract_kw),
            ("peak_kw", expected.peak_kw, bill.peak_kw),
        ] {
            if let Some(kw) = expected_kw {
                outcome.checks += 1;
                if (kw - actual).abs() > 1e-6 {
                    failures.push(format!(
                        "{} {what}: expected {kw}, got {actual}",
                        expected.month
                    ));
                }
            }
        }
    }
    outcome.failures = failures;
    if outcome.checks == 0 && outcome.failures.is_empty() {
        outcome
            .failures
            .push("the test expects nothing: give `total` or `[[month]]` entries".into());
    }
    outcome
}

fn compare_amount(
    checks: &mut usize,
    what: String,
    expected: &str,
    actual: Decimal,
    failures: &mut Vec<String>,
) {
    *checks += 1;
    match expected.replace(',', "").parse::<Decimal>() {
        Ok(value) if value == actual => {}
        Ok(value) => failures.push(format!("{what}: expected {value}, got {actual}")),
        Err(_) => failures.push(format!(
            "{what}: expected amount {expected:?} is not a number"
        )),
    }
}
