//! Files with one figure per month: past peaks, power factors, monthly index values.
//!
//! All three share a layout: a header row naming a `month` column (`YYYY-MM`) and a value
//! column (names case-insensitive, in any order, other columns ignored), one row per month,
//! each month at most once, at least one month. Lines starting with `#` are comments, so a
//! file can say where its figures come from. UTF-8 (with or without BOM) or Shift-JIS.

use rust_decimal::Decimal;
use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;
use std::str::FromStr;

use super::error::ReadError;
use super::text::{self, Row, Table};
use crate::inputs::{IndexSeries, PeakHistory};
use crate::month::YearMonth;

/// Reads the maximum demand of months before the meter data (for the ratchet): columns
/// `month,peak_kw`, peaks in kW (finite, ≥ 0).
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let path = std::env::temp_dir().join(format!("voltlex-doc-history-{}.csv", std::process::id()));
/// std::fs::write(&path, "month,peak_kw\n2023-07,402.5\n2023-08,431\n")?;
/// let history = voltlex_engine::read::peak_history_csv(&path)?;
/// assert_eq!(history[&"2023-08".parse()?], 431.0);
/// # std::fs::remove_file(&path)?;
/// # Ok(())
/// # }
/// ```
pub fn peak_history_csv(path: impl AsRef<Path>) -> Result<PeakHistory, ReadError> {
    let (file, text) = read_path(path.as_ref())?;
    parse_peak_history(&file, &text)
}

/// [`peak_history_csv`] from any reader; `source_name` names it in errors.
///
/// ```
/// use voltlex_engine::read::peak_history_csv_from_reader;
/// let csv = "month,peak_kw\n2023-07,402.5\n2023-07,410\n";
/// let error = peak_history_csv_from_reader("history.csv", csv.as_bytes()).unwrap_err();
/// assert_eq!(
///     error.to_string(),
///     "history.csv:3: expected each month once, found 2023-07 again (first on line 2)"
/// );
/// ```
pub fn peak_history_csv_from_reader(
    source_name: &str,
    reader: impl Read,
) -> Result<PeakHistory, ReadError> {
    let text = read_source(source_name, reader)?;
    parse_peak_history(source_name, &text)
}

/// Reads a power factor per month: columns `month,power_factor`, a percentage with
/// 0 < pf ≤ 100 (a trailing `%` is allowed). Wrap the result in
/// [`PowerFactorInput::Monthly`](crate::inputs::PowerFactorInput::Monthly).
///
/// A value of 1 or less is refused as a fraction written by mistake (`0.98` for 98 %):
/// no site runs at a power factor of 1 %.
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use rust_decimal::Decimal;
/// let path = std::env::temp_dir().join(format!("voltlex-doc-pf-{}.csv", std::process::id()));
/// std::fs::write(&path, "month,power_factor\n2024-04,98\n2024-05,97.5%\n")?;
/// let pf = voltlex_engine::read::power_factor_csv(&path)?;
/// assert_eq!(pf[&"2024-05".parse()?], Decimal::new(975, 1));
/// # std::fs::remove_file(&path)?;
/// # Ok(())
/// # }
/// ```
pub fn power_factor_csv(path: impl AsRef<Path>) -> Result<BTreeMap<YearMonth, Decimal>, ReadError> {
    let (file, text) = read_path(path.as_ref())?;
    parse_power_factor(&file, &text)
}

/// [`power_factor_csv`] from any reader; `source_name` names it in errors.
///
/// ```
/// use voltlex_engine::read::power_factor_csv_from_reader;
/// let csv = "month,power_factor\n2024-04,0.98\n";
/// let error = power_factor_csv_from_reader("pf.csv", csv.as_bytes()).unwrap_err();
/// assert_eq!(
///     error.to_string(),
///     "pf.csv:2: column \"power_factor\": expected a power factor in percent, \
///      1 < pf ≤ 100 (e.g. 98, not 0.98), found \"0.98\""
/// );
/// ```
pub fn power_factor_csv_from_reader(
    source_name: &str,
    reader: impl Read,
) -> Result<BTreeMap<YearMonth, Decimal>, ReadError> {
    let text = read_source(source_name, reader)?;
    parse_power_factor(source_name, &text)
}

/// Reads a monthly index (e.g. fuel-cost adjustment unit prices, JPY/kWh): columns
/// `month,value`, values decimal and possibly negative.
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use rust_decimal::Decimal;
/// use voltlex_engine::inputs::IndexSeries;
/// let path = std::env::temp_dir().join(format!("voltlex-doc-index-{}.csv", std::process::id()));
/// std::fs::write(&path, "# illustrative figures\nmonth,value\n2024-04,-1.23\n")?;
/// let IndexSeries::Monthly(values) = voltlex_engine::read::monthly_index_csv(&path)? else {
///     unreachable!("a monthly file reads as a monthly series")
/// };
/// assert_eq!(values[&"2024-04".parse()?], Decimal::new(-123, 2));
/// # std::fs::remove_file(&path)?;
/// # Ok(())
/// # }
/// ```
pub fn monthly_index_csv(path: impl AsRef<Path>) -> Result<IndexSeries, ReadError> {
    let (file, text) = read_path(path.as_ref())?;
    parse_monthly_index(&file, &text)
}

/// [`monthly_index_csv`] from any reader; `source_name` names it in errors.
///
/// ```
/// use voltlex_engine::read::monthly_index_csv_from_reader;
/// let csv = "# source: the utility's 燃料費調整単価 page\nmonth,value\n2024-04,-1.5\n2024-05,x\n";
/// let error = monthly_index_csv_from_reader("fuel.csv", csv.as_bytes()).unwrap_err();
/// assert_eq!(
///     error.to_string(),
///     "fuel.csv:4: column \"value\": expected a decimal number (e.g. -1.23), found \"x\""
/// );
/// ```
pub fn monthly_index_csv_from_reader(
    source_name: &str,
    reader: impl Read,
) -> Result<IndexSeries, ReadError> {
    let text = read_source(source_name, reader)?;
    parse_monthly_index(source_name, &text)
}

fn read_path(path: &Path) -> Result<(String, String), ReadError> {
    let file = path.display().to_string();
    let text = text::decode(&file, text::read_path(path)?)?;
    Ok((file, text))
}

fn read_source(file: &str, reader: impl Read) -> Result<String, ReadError> {
    text::decode(file, text::read_source(file, reader)?)
}

fn parse_peak_history(file: &str, text: &str) -> Result<PeakHistory, ReadError> {
    const EXPECTED: &str = "a peak demand in kW (a number ≥ 0, decimal point, e.g. 431.5)";
    read_months(file, text, "peak_kw", |table, row, column| {
        row.get(column)
            .parse::<f64>()
            .ok()
            .filter(|kw| kw.is_finite() && *kw >= 0.0)
            .ok_or_else(|| table.value_error(file, row, column, EXPECTED))
    })
}

fn parse_power_factor(file: &str, text: &str) -> Result<BTreeMap<YearMonth, Decimal>, ReadError> {
    const EXPECTED: &str = "a power factor in percent, 1 < pf ≤ 100 (e.g. 98, not 0.98)";
    read_months(file, text, "power_factor", |table, row, column| {
        let cell = row.get(column);
        let number = cell.strip_suffix('%').unwrap_or(cell).trim_end();
        Decimal::from_str(number)
            .ok()
            .filter(|pf| *pf > Decimal::ONE && *pf <= Decimal::ONE_HUNDRED)
            .ok_or_else(|| table.value_error(file, row, column, EXPECTED))
    })
}

pub(crate) fn parse_monthly_index(file: &str, text: &str) -> Result<IndexSeries, ReadError> {
    const EXPECTED: &str = "a decimal number (e.g. -1.23)";
    let values = read_months(file, text, "value", |table, row, column| {
        Decimal::from_str(row.get(column))
            .ok()
            .ok_or_else(|| table.value_error(file, row, column, EXPECTED))
    })?;
    Ok(IndexSeries::Monthly(values))
}

/// The shared layout: `month` plus `value_column`, each month once, at least one.
fn read_months<T>(
    file: &str,
    text: &str,
    value_column: &str,
    parse: impl Fn(&Table, &Row, usize) -> Result<T, ReadError>,
) -> Result<BTreeMap<YearMonth, T>, ReadError> {
    let table = text::table(file, text, true)?;
    let month_column = table.column(file, "month")?;
    let value_column = table.column(file, value_column)?;
    let mut values = BTreeMap::new();
    let mut first_lines: BTreeMap<YearMonth, u64> = BTreeMap::new();
    for row in &table.rows {
        let month: YearMonth = row
            .get(month_column)
            .parse()
            .ok()
            .filter(|_| is_year_dash_month(row.get(month_column)))
            .ok_or_else(|| {
                table.value_error(file, row, month_column, "a month as YYYY-MM (e.g. 2024-07)")
            })?;
        if let Some(&first_line) = first_lines.get(&month) {
            return Err(ReadError::DuplicateMonth {
                file: file.to_string(),
                line: row.line,
                month,
                first_line,
            });
        }
        first_lines.insert(month, row.line);
        values.insert(month, parse(&table, row, value_column)?);
    }
    if values.is_empty() {
        return Err(ReadError::Layout {
            file: file.to_string(),
            line: table.last_line(),
            expected: "at least one month row after the header".to_string(),
            found: "none".to_string(),
        });
    }
    Ok(values)
}

/// `YYYY-MM` exactly, as the layout says (`YearMonth`'s own parser is more lenient and also
/// takes `2024/7` or `2024-7`).
fn is_year_dash_month(text: &str) -> bool {
    matches!(
        text.as_bytes(),
        [y1, y2, y3, y4, b'-', m1, m2] if [y1, y2, y3, y4, m1, m2].iter().all(|b| b.is_ascii_digit())
    )
}
