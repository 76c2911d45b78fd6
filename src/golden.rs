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
//!
//! A file with `[[scenario]]` tables is a golden settlement test of a `risk_sharing` deal
//! (`crate::golden_sharing`).
//!
//! A file with `[[item]]` tables is a golden subsidy test instead: items bought on `date`, the
//! awards expected for each (every award the package gives must be listed; an item without
//! `awards` expects none) and optionally each item's and the file's total.
//!
//! ```toml
//! date = "2024-10-01"
//! total = "2000000"                     # optional: all awards of all items
//!
//! [[item]]
//! name = "depot charger"
//! kind = "charger"                      # vehicle, charger, battery or pv
//! total = "2000000"                     # optional
//! [item.attributes]                     # money as a number or a "decimal" string
//! type = "normal"
//! power = 6
//! equipment_price = 400000
//! works_price = 2000000
//! [item.awards]
//! "CEV normal charger" = "1550000"
//! "Tokyo normal charger works" = "450000"
//! ```

use rust_decimal::Decimal;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::request::{BillRequest, PowerFactorSource, RequestError};
use voltlex_dsl::rules::{AttributeType, SubsidyItemKind};
use voltlex_engine::tco::subsidy::{awards, AttributeValue, Item};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SubsidyTest {
    date: String,
    total: Option<String>,
    item: Vec<SubsidyCase>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SubsidyCase {
    name: String,
    kind: String,
    #[serde(default)]
    attributes: toml::Table,
    #[serde(default)]
    awards: BTreeMap<String, String>,
    total: Option<String>,
}

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

/// The golden test files of a package: its manifest's `tests` (by default every
/// `tests/*.toml`, sorted).
pub fn test_files(package: &Path) -> std::io::Result<Vec<PathBuf>> {
    // The manifest's `tests` list when the package compiles (by default every tests/*.toml,
    // so `voltlex pack` and `voltlex test` run the same files); otherwise the folder, and
    // each test reports the package's errors.
    if let Ok(compilation) = voltlex_dsl::package::compile_package(package) {
        if let Some(manifest) = compilation.manifest {
            return Ok(manifest.tests.iter().map(|t| package.join(t)).collect());
        }
    }
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
    if toml::from_str::<toml::Table>(&text).is_ok_and(|t| t.contains_key("item")) {
        run_subsidy_test(package, &text, &mut outcome);
        return outcome;
    }
    if crate::golden_sharing::is_settlement_test(&text) {
        crate::golden_sharing::run_settlement_test(package, &text, &mut outcome);
        return outcome;
    }
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

/// Runs a golden subsidy test (a file with `[[item]]`): the package's subsidy rules applied
/// to the items by `voltlex_engine::tco::subsidy::awards`, compared award by award.
fn run_subsidy_test(package: &Path, text: &str, outcome: &mut TestOutcome) {
    let test: SubsidyTest = match toml::from_str(text) {
        Ok(test) => test,
        Err(e) => {
            outcome
                .failures
                .push(format!("not a golden subsidy test file: {e}"));
            return;
        }
    };
    let date = match chrono::NaiveDate::parse_from_str(&test.date, "%Y-%m-%d") {
        Ok(date) => date,
        Err(e) => {
            outcome
                .failures
                .push(format!("date {:?} is not YYYY-MM-DD: {e}", test.date));
            return;
        }
    };
    let compilation = match voltlex_dsl::compile_path(package) {
        Ok(compilation) if !compilation.has_errors() => compilation,
        Ok(compilation) => {
            outcome.failures.push(format!(
                "the rules in {} have errors:\n{}",
                package.display(),
                compilation.render_diagnostics(false)
            ));
            return;
        }
        Err(e) => {
            outcome.failures.push(e.to_string());
            return;
        }
    };
    let mut items = Vec::with_capacity(test.item.len());
    for case in &test.item {
        match item_of(case) {
            Ok(item) => items.push(item),
            Err(e) => outcome
                .failures
                .push(format!("item \"{}\": {e}", case.name)),
        }
    }
    if !outcome.failures.is_empty() {
        return;
    }
    let got = match awards(&compilation.rules.subsidies, &items, date) {
        Ok(got) => got,
        Err(e) => {
            outcome.failures.push(e.to_string());
            return;
        }
    };
    let mut grand_total = Decimal::ZERO;
    for case in &test.item {
        let mine: Vec<_> = got.iter().filter(|a| a.item == case.name).collect();
        let item_total: Decimal = mine.iter().map(|a| a.amount).sum();
        grand_total += item_total;
        for (subsidy, expected) in &case.awards {
            let what = format!("{}: {subsidy}", case.name);
            match mine.iter().find(|a| &a.subsidy == subsidy) {
                Some(award) => {
                    let before = outcome.failures.len();
                    compare_amount(
                        &mut outcome.checks,
                        what,
                        expected,
                        award.amount,
                        &mut outcome.failures,
                    );
                    if outcome.failures.len() > before {
                        outcome
                            .failures
                            .push(format!("    arithmetic: {}", award.trace));
                    }
                }
                None => {
                    outcome.checks += 1;
                    outcome
                        .failures
                        .push(format!("{what}: expected {expected}, got no award"));
                }
            }
        }
        // Every award must be expected: a rule that pays where it should not is a failure too.
        outcome.checks += 1;
        for award in mine
            .iter()
            .filter(|a| !case.awards.contains_key(&a.subsidy))
        {
            outcome.failures.push(format!(
                "{}: {}: expected no award, got {} ({})",
                case.name, award.subsidy, award.amount, award.trace
            ));
        }
        if let Some(total) = &case.total {
            compare_amount(
                &mut outcome.checks,
                format!("{} total", case.name),
                total,
                item_total,
                &mut outcome.failures,
            );
        }
    }
    if let Some(total) = &test.total {
        compare_amount(
            &mut outcome.checks,
            "total".into(),
            total,
            grand_total,
            &mut outcome.failures,
        );
    }
}

/// An item of a subsidy test, its attributes read by the types the language gives them.
fn item_of(case: &SubsidyCase) -> Result<Item, String> {
    let kind = SubsidyItemKind::from_word(&case.kind).ok_or_else(|| {
        format!(
            "kind {:?} is not one of vehicle, charger, battery, pv",
            case.kind
        )
    })?;
    let mut item = Item::new(kind, case.name.clone());
    for (name, value) in &case.attributes {
        let spec = kind.attribute(name).ok_or_else(|| {
            let known: Vec<&str> = kind.attributes().iter().map(|a| a.name).collect();
            format!(
                "a {kind} has no attribute `{name}` (it has {})",
                known.join(", ")
            )
        })?;
        let read = match (spec.kind, value) {
            (AttributeType::Text, toml::Value::String(s)) => Some(AttributeValue::Text(s.clone())),
            (AttributeType::Flag, toml::Value::Boolean(b)) => Some(AttributeValue::Flag(*b)),
            (AttributeType::Money, toml::Value::Integer(n)) => {
                Some(AttributeValue::Money(Decimal::from(*n)))
            }
            (AttributeType::Money, toml::Value::String(s)) => s
                .replace(',', "")
                .parse::<Decimal>()
                .ok()
                .map(AttributeValue::Money),
            (AttributeType::Money, toml::Value::Float(x)) => {
                Decimal::try_from(*x).ok().map(AttributeValue::Money)
            }
            (_, toml::Value::Integer(n)) => Some(AttributeValue::Number(*n as f64)),
            (_, toml::Value::Float(x)) => Some(AttributeValue::Number(*x)),
            _ => None,
        };
        let value = read.ok_or_else(|| {
            let expected = match spec.kind {
                AttributeType::Text => "a text".to_string(),
                AttributeType::Flag => "true or false".to_string(),
                AttributeType::Money => "money (a number or a \"decimal\" string)".to_string(),
                other => format!("a number in {}", other.unit().unwrap_or("")),
            };
            format!("`{name}` should be {expected}, found {value}")
        })?;
        item = item.with(name.clone(), value);
    }
    Ok(item)
}
