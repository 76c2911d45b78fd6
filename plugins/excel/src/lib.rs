//! voltlex-excel: bills as a workbook a finance team can open, filter, chart and sum.
//!
//! [`write_bills`] writes a [`BillRun`] as an `.xlsx` file with two sheets:
//!
//! - **Summary** — the tariff and currency, one row per month (month, peak kW, contract kW,
//!   energy kWh, total), a total row whose cells are real `=SUM(...)` formulas (with their
//!   computed values stored, so a reader that does not recalculate still shows them), and a
//!   native column chart of the monthly totals;
//! - **Lines** — one row per line item (month, item, quantity, unit, unit price, amount,
//!   informational, rule, calculation) with an autofilter, a frozen header row and print
//!   settings (landscape, one page wide, header repeated).
//!
//! Amounts are written as numbers, so they can be summed and charted. They are `f64`
//! conversions of the engine's [`Decimal`](rust_decimal::Decimal) amounts: exact for every
//! amount a bill realistically holds (whole yen, cents), but a spreadsheet number all the
//! same. **The decimal strings of `voltlex bill --format json` and `--format csv` stay the
//! authoritative figures**; the workbook is for reading and analysis. Amount cells show
//! thousands separators and the currency's decimals (0 for JPY, 2 for USD); quantities and
//! unit prices show as many decimals as the engine computed. Months are written as text
//! (`2024-07`), as in the other formats.
//!
//! Informational lines (tax contained in tax-inclusive prices) are listed with
//! `Informational` = `TRUE` and shown in grey italics: they are not part of the total, so
//! filter them out before summing the `Amount` column.
//!
//! ```
//! use rust_decimal::Decimal;
//! use voltlex_dsl::rules::{Currency, RuleRef};
//! use voltlex_engine::billing::{BillRun, LineItem, LineKind, MonthlyBill};
//! use voltlex_engine::month::YearMonth;
//!
//! let line = LineItem {
//!     item: "energy".into(),
//!     kind: LineKind::Energy,
//!     quantity: Some(Decimal::new(36_015, 0)),
//!     unit: Some("kWh".into()),
//!     unit_price: Some(Decimal::new(2000, 2)),
//!     amount: Decimal::new(720_300, 0),
//!     rule: RuleRef { file: "plan.vlx".into(), line: 5, column: 3 },
//!     calculation: "20.00 JPY/kWh × 36,015 kWh = 720,300".into(),
//!     informational: false,
//! };
//! let april = MonthlyBill {
//!     month: YearMonth::new(2025, 4).unwrap(),
//!     peak_kw: 80.0,
//!     contract_kw: 80.0,
//!     contract_basis: "this month's peak".into(),
//!     energy_kwh: 36_015.0,
//!     power_factor: None,
//!     energy_by_period: vec![],
//!     lines: vec![line],
//!     total: Decimal::new(720_300, 0),
//! };
//! let run = BillRun {
//!     tariff: "Example plan".into(),
//!     currency: Currency::Jpy,
//!     months: vec![april],
//!     total: Decimal::new(720_300, 0),
//! };
//!
//! let dir = std::env::temp_dir().join(format!("voltlex-excel-doc-crate-{}", std::process::id()));
//! std::fs::create_dir_all(&dir)?;
//! let path = dir.join("bills.xlsx");
//! voltlex_excel::write_bills(&run, &path)?;
//! assert!(std::fs::metadata(&path)?.len() > 0);
//! # std::fs::remove_dir_all(&dir)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod bills;
pub mod input;
pub mod save;
pub mod study;

use std::path::{Path, PathBuf};

use voltlex_engine::billing::BillRun;

pub use bills::bills_workbook;

/// Why a workbook could not be built or written.
///
/// ```
/// # use rust_decimal::Decimal;
/// # use voltlex_dsl::rules::Currency;
/// # use voltlex_engine::billing::BillRun;
/// use voltlex_excel::{write_bills, ExcelError};
/// let run = BillRun { tariff: "Example plan".into(), currency: Currency::Jpy, months: vec![], total: Decimal::ZERO };
/// let path = std::env::temp_dir().join("voltlex-excel-doc-error.csv");
/// let error = write_bills(&run, &path).unwrap_err();
/// assert!(matches!(error, ExcelError::NotXlsx(_)));
/// assert!(error.to_string().contains("xlsx"));
/// assert!(!path.exists());
/// ```
#[derive(Debug, thiserror::Error)]
pub enum ExcelError {
    /// The output path does not end in `.xlsx`: Excel refuses to open a workbook whose
    /// extension does not match its format, so voltlex refuses to write one.
    #[error("{}: a workbook must be written to a file ending in .xlsx", .0.display())]
    NotXlsx(PathBuf),
    /// The workbook could not be assembled (a cell or sheet limit of the xlsx format).
    #[error("cannot build the workbook: {0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
    /// The file could not be written; nothing was left at `path`, and a file that was
    /// there before is unchanged.
    #[error("cannot write {}: {source}", path.display())]
    Io {
        /// The file voltlex was asked to write.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
}

/// Writes `run` as an `.xlsx` workbook at `path` (the layout is described in the
/// [crate documentation](crate)).
///
/// The workbook is written to a temporary file in `path`'s folder, flushed to disk and then
/// renamed over `path`, so a reader never sees half a workbook and a failure leaves no
/// partial file (and an existing file at `path` unchanged). A `path` whose extension is not
/// `.xlsx` (in any case) is refused with [`ExcelError::NotXlsx`] before anything is written.
///
/// Amounts are written as spreadsheet numbers (`f64`); the decimal strings of the JSON and
/// CSV formats stay authoritative.
///
/// ```
/// use voltlex_engine::billing::bill;
/// use voltlex_engine::inputs::BillingInputs;
///
/// // A small tariff, and one whole month of a flat 50 kW load.
/// let rules = voltlex_dsl::compile_text("plan.vlx", r#"
/// tariff "Example plan" {
///   currency JPY
///   calendar japan
///   interval 30 min
///   demand {
///     contract = monthly peak
///     charge 1_000.00 JPY/kW per month
///   }
///   energy 20.00 JPY/kWh
///   round each line down to 1 JPY
/// }
/// "#);
/// assert!(!rules.has_errors(), "{}", rules.render_diagnostics(false));
/// let mut csv = String::from("timestamp,kw\n");
/// for day in 1..=30 {
///     for half_hour in 0..48 {
///         csv += &format!("2025-04-{day:02} {:02}:{:02},50\n", half_hour / 2, half_hour % 2 * 30);
///     }
/// }
/// let load = voltlex_engine::read::load_csv_from_reader("load.csv", csv.as_bytes())?;
/// let run = bill(&rules.rules.tariffs[0], &load, &BillingInputs::default())?;
///
/// let dir = std::env::temp_dir().join(format!("voltlex-excel-doc-write-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// let path = dir.join("april.xlsx");
/// voltlex_excel::write_bills(&run, &path)?;
/// // Only the workbook is there: no temporary file is left behind.
/// let names: Vec<_> = std::fs::read_dir(&dir)?.map(|e| e.map(|e| e.file_name())).collect::<Result<_, _>>()?;
/// assert_eq!(names, ["april.xlsx"]);
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn write_bills(run: &BillRun, path: &Path) -> Result<(), ExcelError> {
    let is_xlsx = path
        .extension()
        .is_some_and(|ext| ext.eq_ignore_ascii_case("xlsx"));
    if !is_xlsx {
        return Err(ExcelError::NotXlsx(path.to_path_buf()));
    }
    let bytes = bills_workbook(run)?.save_to_buffer()?;
    save::write_atomically(path, &bytes).map_err(|source| ExcelError::Io {
        path: path.to_path_buf(),
        source,
    })
}
