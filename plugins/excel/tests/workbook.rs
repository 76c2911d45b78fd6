//! A real bill (the example site-year under the TEPCO Basic Plan, with real JEPX 2024 prices)
//! written as a workbook and read back: with calamine, and with LibreOffice when installed.

// Test code: a failed expectation should panic.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::{run_with_limit, soffice_installed};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use calamine::{open_workbook, Data, Reader, Xlsx};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use voltlex_dsl::rules::{Currency, RuleRef};
use voltlex_engine::billing::{bill, BillRun, LineItem, LineKind, MonthlyBill};
use voltlex_engine::inputs::{BillingInputs, PowerFactorInput};
use voltlex_engine::month::YearMonth;
use voltlex_engine::read;
use voltlex_excel::{write_bills, ExcelError};

const TARIFF: &str = "TEPCO EP High-Voltage Basic Plan";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The real JEPX file beside the checkout, as in CI.
fn jepx_2024() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/jepx/spot_summary_2024.csv")
}

/// Bills the example site-year as `voltlex bill` does in the README.
fn basic_plan_run() -> BillRun {
    let compilation =
        voltlex_dsl::compile_package(&root().join("tariff-rules/jp-tepco-hv")).unwrap();
    assert!(
        !compilation.has_errors(),
        "{}",
        compilation.render_diagnostics(false)
    );
    let tariff = compilation
        .rules
        .tariffs
        .iter()
        .find(|t| t.name == TARIFF)
        .expect("the package has the Basic Plan");
    let examples = root().join("workbooks/examples");
    let load = read::load_csv(examples.join("site-2024-load.csv")).unwrap();
    let mut indices = BTreeMap::new();
    indices.insert(
        "tepco-fuel-cost".to_string(),
        read::index_files(
            &[examples.join("fuel-cost-tepco-hv.csv")],
            "tepco-fuel-cost",
        )
        .unwrap(),
    );
    indices.insert(
        "jepx-tokyo".to_string(),
        read::index_files(&[jepx_2024()], "jepx-tokyo").unwrap(),
    );
    let inputs = BillingInputs {
        history: read::peak_history_csv(examples.join("site-2024-history.csv")).unwrap(),
        power_factor: Some(PowerFactorInput::Monthly(
            read::power_factor_csv(examples.join("site-2024-pf.csv")).unwrap(),
        )),
        indices,
        ..Default::default()
    };
    let run = bill(tariff, &load, &inputs).unwrap();
    assert_eq!(run.months.len(), 12, "the example is a whole year");
    run
}

/// A fresh, empty folder for one test.
fn scratch(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("voltlex-excel-test-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn f64_of(value: Decimal) -> f64 {
    value.to_f64().unwrap()
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

#[test]
fn a_real_bill_reads_back_with_its_totals_lines_and_formula() {
    let run = basic_plan_run();
    let dir = scratch("readback");
    let path = dir.join("bills.xlsx");
    write_bills(&run, &path).unwrap();

    let mut book: Xlsx<_> = open_workbook(&path).unwrap();
    assert_eq!(book.sheet_names(), ["Summary", "Lines"]);

    // Summary: tariff, currency, one row per month, the total row.
    let summary = book.worksheet_range("Summary").unwrap();
    assert_eq!(text(summary.get_value((0, 1))), TARIFF);
    assert_eq!(text(summary.get_value((1, 1))), "JPY");
    let headers: Vec<String> = (0..5).map(|c| text(summary.get_value((3, c)))).collect();
    assert_eq!(
        headers,
        [
            "Month",
            "Peak kW",
            "Contract kW",
            "Energy kWh",
            "Total (JPY)"
        ]
    );
    for (i, month) in run.months.iter().enumerate() {
        let row = 4 + i as u32;
        assert_eq!(text(summary.get_value((row, 0))), month.month.to_string());
        assert!((float(summary.get_value((row, 1))) - month.peak_kw).abs() < 5e-4);
        assert!((float(summary.get_value((row, 2))) - month.contract_kw).abs() < 5e-4);
        assert!((float(summary.get_value((row, 3))) - month.energy_kwh).abs() < 5e-4);
        assert_eq!(
            float(summary.get_value((row, 4))),
            f64_of(month.total),
            "{}",
            month.month
        );
    }
    let total_row = 4 + run.months.len() as u32;
    assert_eq!(text(summary.get_value((total_row, 0))), "Total");
    // The stored (cached) result of the SUM formula is the run's total.
    assert_eq!(float(summary.get_value((total_row, 4))), f64_of(run.total));
    let sum_of_months: f64 = run.months.iter().map(|m| f64_of(m.total)).sum();
    assert_eq!(sum_of_months, f64_of(run.total));

    let formulas = book.worksheet_formula("Summary").unwrap();
    assert_eq!(
        formulas.get_value((total_row, 4)).map(String::as_str),
        Some("SUM(E5:E16)")
    );
    assert_eq!(
        formulas.get_value((total_row, 3)).map(String::as_str),
        Some("SUM(D5:D16)")
    );

    // Lines: every line item, in billing order.
    let lines = book.worksheet_range("Lines").unwrap();
    assert_eq!(
        (0..9)
            .map(|c| text(lines.get_value((0, c))))
            .collect::<Vec<_>>(),
        [
            "Month",
            "Item",
            "Quantity",
            "Unit",
            "Unit price (JPY)",
            "Amount (JPY)",
            "Informational",
            "Rule",
            "Calculation"
        ]
    );
    let mut row = 0u32;
    let mut informational = 0;
    for month in &run.months {
        let mut counted = 0.0;
        for line in &month.lines {
            row += 1;
            let at = |c: u32| lines.get_value((row, c));
            assert_eq!(text(at(0)), month.month.to_string(), "row {row}");
            assert_eq!(text(at(1)), line.item, "row {row}");
            match line.quantity {
                Some(q) => assert_eq!(float(at(2)), f64_of(q), "row {row}"),
                None => assert!(matches!(at(2), None | Some(Data::Empty)), "row {row}"),
            }
            match &line.unit {
                Some(unit) => assert_eq!(&text(at(3)), unit, "row {row}"),
                None => assert!(matches!(at(3), None | Some(Data::Empty)), "row {row}"),
            }
            match line.unit_price {
                Some(p) => assert_eq!(float(at(4)), f64_of(p), "row {row}"),
                None => assert!(matches!(at(4), None | Some(Data::Empty)), "row {row}"),
            }
            assert_eq!(float(at(5)), f64_of(line.amount), "row {row}");
            assert_eq!(at(6), Some(&Data::Bool(line.informational)), "row {row}");
            assert_eq!(text(at(7)), line.rule.to_string(), "row {row}");
            assert_eq!(text(at(8)), line.calculation, "row {row}");
            if line.informational {
                informational += 1;
            } else {
                counted += float(at(5));
            }
        }
        // The non-informational amounts of the sheet add up to the month's total.
        assert_eq!(counted, f64_of(month.total), "{}", month.month);
    }
    let line_count: usize = run.months.iter().map(|m| m.lines.len()).sum();
    assert_eq!(row as usize, line_count);
    assert_eq!(
        lines.height(),
        line_count + 1,
        "no row beyond the line items"
    );
    assert!(informational > 0, "the contained consumption tax is listed");

    // A native chart is part of the package.
    let bytes = std::fs::read(&path).unwrap();
    let has = |name: &str| bytes.windows(name.len()).any(|w| w == name.as_bytes());
    assert!(has("xl/charts/chart1.xml"), "the workbook has a chart");

    assert_eq!(entries(&dir), ["bills.xlsx"], "no temporary file is left");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_path_without_the_xlsx_extension_is_refused_and_nothing_is_written() {
    let run = basic_plan_run();
    let dir = scratch("refuse");
    for name in ["bills.csv", "bills", "bills.xls", "bills.xlsx.tmp"] {
        let path = dir.join(name);
        let error = write_bills(&run, &path).unwrap_err();
        assert!(matches!(error, ExcelError::NotXlsx(_)), "{name}: {error}");
        assert!(error.to_string().contains(".xlsx"), "{error}");
        assert!(error.to_string().contains(name), "{error}");
    }
    assert!(
        entries(&dir).is_empty(),
        "nothing written: {:?}",
        entries(&dir)
    );
    // The extension is matched in any case.
    write_bills(&run, &dir.join("BILLS.XLSX")).unwrap();
    assert_eq!(entries(&dir), ["BILLS.XLSX"]);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn rewriting_replaces_the_file_and_a_failure_leaves_no_temporary_file() {
    let run = basic_plan_run();
    let dir = scratch("atomic");
    let path = dir.join("bills.xlsx");
    std::fs::write(&path, b"an older file").unwrap();
    write_bills(&run, &path).unwrap();
    write_bills(&run, &path).unwrap();
    assert_eq!(entries(&dir), ["bills.xlsx"]);
    let book: Xlsx<_> = open_workbook(&path).unwrap();
    assert_eq!(book.sheet_names(), ["Summary", "Lines"]);

    // The target is a non-empty folder: the rename fails, and nothing is left behind.
    let taken = dir.join("taken.xlsx");
    std::fs::create_dir(&taken).unwrap();
    std::fs::write(taken.join("keep.txt"), b"keep").unwrap();
    let error = write_bills(&run, &taken).unwrap_err();
    assert!(matches!(error, ExcelError::Io { .. }), "{error}");
    assert!(error.to_string().contains("taken.xlsx"), "{error}");
    assert_eq!(entries(&dir), ["bills.xlsx", "taken.xlsx"]);
    assert_eq!(entries(&taken), ["keep.txt"]);

    // A folder that does not exist.
    let error = write_bills(&run, &dir.join("missing/bills.xlsx")).unwrap_err();
    assert!(matches!(error, ExcelError::Io { .. }), "{error}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Splits one CSV line (LibreOffice's export: `,` separated, `"` quoted).
fn csv_fields(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                chars.next();
                fields.last_mut().unwrap().push('"');
            }
            '"' => quoted = !quoted,
            ',' if !quoted => fields.push(String::new()),
            _ => fields.last_mut().unwrap().push(c),
        }
    }
    fields
}

/// Opens `dir/bills.xlsx` in LibreOffice headless and returns each sheet as shown, converted
/// to CSV rows: `[("Summary", rows), ("Lines", rows)]`.
///
/// A private profile sets `OOXMLRecalcMode` to "always", so every formula is recalculated on
/// load rather than shown from the value stored with it.
fn libreoffice_sheets(dir: &Path) -> Vec<(String, Vec<Vec<String>>)> {
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
    // Filter options: comma, double quote, UTF-8, from line 1, standard cells, default
    // language, quoted text not forced, detect numbers, cell contents *as shown* (so the
    // number formats are checked too), no formulas, keep spaces, every sheet to its own file
    // (`bills-Summary.csv`, `bills-Lines.csv`; LibreOffice 7.2 or newer).
    let out = dir.join("out");
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
                "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false,false,-1",
                "--outdir",
            ])
            .arg(&out)
            .arg(dir.join("bills.xlsx")),
        Duration::from_secs(180),
    );
    let report = format!(
        "soffice: {}\n{}\n{}\nfiles: {:?}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr),
        std::fs::read_dir(&out).map(|d| d.flatten().map(|e| e.file_name()).collect::<Vec<_>>())
    );
    ["Summary", "Lines"]
        .iter()
        .map(|sheet| {
            let file = out.join(format!("bills-{sheet}.csv"));
            let csv = std::fs::read_to_string(&file).unwrap_or_else(|e| {
                panic!(
                    "no {} ({e}); LibreOffice 7.2+ writes one CSV per sheet\n{report}",
                    file.display()
                )
            });
            (sheet.to_string(), csv.lines().map(csv_fields).collect())
        })
        .collect()
}

/// The row of `rows` whose first cell is `first`.
fn row<'r>(rows: &'r [Vec<String>], first: &str) -> &'r [String] {
    rows.iter()
        .find(|r| r[0] == first)
        .unwrap_or_else(|| panic!("no row {first:?} in {rows:?}"))
}

/// `field` shows `amount` with `decimals` decimals and its thousands separated (by whichever
/// characters the locale uses).
fn assert_shown(field: &str, amount: Decimal, decimals: u32) {
    let digits: String = field
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == '-')
        .collect();
    let expected = format!("{:.*}", decimals as usize, amount.round_dp(decimals)).replace('.', "");
    assert_eq!(digits, expected, "{field:?} shows {amount}");
    let separators = field
        .chars()
        .filter(|c| !c.is_ascii_digit() && *c != '-')
        .count();
    let whole_digits = amount.round_dp(decimals).abs().trunc().to_string().len();
    let wanted = usize::from(decimals > 0) + (whole_digits - 1) / 3;
    assert_eq!(separators, wanted, "{field:?}: separators");
}

/// A real spreadsheet application opens the workbook: LibreOffice recalculates the formulas
/// and shows the months and the total as voltlex computed them, in whole yen with thousands
/// separators, and every line item.
#[test]
fn libreoffice_opens_the_workbook_and_recalculates_the_totals() {
    if !soffice_installed() {
        return;
    }
    let run = basic_plan_run();
    let dir = scratch("libreoffice");
    write_bills(&run, &dir.join("bills.xlsx")).unwrap();
    let sheets = libreoffice_sheets(&dir);

    let summary = &sheets[0].1;
    assert_eq!(row(summary, "Tariff")[1], TARIFF);
    assert_eq!(row(summary, "Currency")[1], "JPY");
    for month in &run.months {
        assert_shown(&row(summary, &month.month.to_string())[4], month.total, 0);
    }
    // The recalculated =SUM(...) is voltlex's total.
    assert_shown(&row(summary, "Total")[4], run.total, 0);

    // Lines: a header and every line item, amounts as voltlex computed them.
    let lines = &sheets[1].1;
    let items: Vec<(String, &voltlex_engine::billing::LineItem)> = run
        .months
        .iter()
        .flat_map(|m| m.lines.iter().map(move |l| (m.month.to_string(), l)))
        .collect();
    assert_eq!(lines.len(), items.len() + 1, "{lines:?}");
    assert_eq!(lines[0][5], "Amount (JPY)");
    for (shown, (month, line)) in lines[1..].iter().zip(&items) {
        assert_eq!(&shown[0], month);
        assert_eq!(shown[1], line.item);
        assert_shown(&shown[5], line.amount, 0);
        let flag = if line.informational { "TRUE" } else { "FALSE" };
        assert_eq!(shown[6], flag);
        assert_eq!(shown[7], line.rule.to_string());
        assert_eq!(shown[8], line.calculation);
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Dollar amounts show cents: `12,345.60`, and the recalculated total is exact to the cent.
#[test]
fn libreoffice_shows_dollar_amounts_with_cents() {
    if !soffice_installed() {
        return;
    }
    let usd = |cents: i64| Decimal::new(cents, 2);
    let line = |amount: Decimal| LineItem {
        item: "subscription".into(),
        kind: LineKind::Subscription,
        quantity: Some(Decimal::from(3)),
        unit: Some("block".into()),
        unit_price: Some(usd(9556)),
        amount,
        rule: RuleRef {
            file: "bev2s.vlx".into(),
            line: 9,
            column: 3,
        },
        calculation: "95.56 USD × 3 blocks".into(),
        informational: false,
    };
    let month = |m: u32, amount: Decimal| MonthlyBill {
        month: YearMonth::new(2025, m).unwrap(),
        peak_kw: 140.0,
        contract_kw: 150.0,
        contract_basis: "3 blocks of 50 kW".into(),
        energy_kwh: 20_000.0,
        power_factor: None,
        energy_by_period: vec![],
        lines: vec![line(amount)],
        total: amount,
    };
    let run = BillRun {
        tariff: "Business EV subscription".into(),
        currency: Currency::Usd,
        months: vec![
            month(1, usd(1_234_560)),
            month(2, usd(10)),
            month(3, usd(-5)),
        ],
        total: usd(1_234_565),
    };
    let dir = scratch("libreoffice-usd");
    write_bills(&run, &dir.join("bills.xlsx")).unwrap();
    let sheets = libreoffice_sheets(&dir);
    let summary = &sheets[0].1;
    for month in &run.months {
        assert_shown(&row(summary, &month.month.to_string())[4], month.total, 2);
    }
    assert_shown(&row(summary, "Total")[4], run.total, 2);
    let lines = &sheets[1].1;
    assert_eq!(lines[0][4], "Unit price (USD)");
    assert_eq!(lines[0][5], "Amount (USD)");
    assert_shown(&lines[1][4], usd(9556), 2);
    assert_shown(&lines[1][5], usd(1_234_560), 2);
    std::fs::remove_dir_all(&dir).unwrap();
}
