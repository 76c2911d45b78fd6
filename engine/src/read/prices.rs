//! Interval market prices pasted or exported as a plain CSV: `prices.csv` → an
//! [`IndexSeries::Interval`] (the form a JEPX `spot_summary` area column also becomes).

use rust_decimal::Decimal;
use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;
use std::str::FromStr;

use super::error::ReadError;
use super::load::read_intervals;
use super::text;
use crate::inputs::IndexSeries;

/// Reads interval prices from a CSV file: a header row, the interval start in the **first
/// column** (the load file's forms: `YYYY-MM-DD HH:MM[:SS]`, `YYYY-MM-DDTHH:MM[:SS]`,
/// `YYYY/M/D H:MM[:SS]`), and a column named `price` (case-insensitive; the currency per kWh
/// of the study, e.g. JPY/kWh) — a market's prices copied from any source. Intervals are 15,
/// 30 or 60 minutes, evenly spaced without gaps; prices are decimal numbers and may be
/// negative (markets with negative prices); rows with every cell empty are skipped.
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use voltlex_engine::inputs::IndexSeries;
/// let path = std::env::temp_dir().join(format!("voltlex-doc-prices-{}.csv", std::process::id()));
/// std::fs::write(&path, "start,price\n2024-07-01 00:00,10.5\n2024-07-01 00:30,-0.01\n")?;
/// let IndexSeries::Interval { interval_minutes, values } =
///     voltlex_engine::read::interval_prices_csv(&path)?
/// else {
///     unreachable!()
/// };
/// assert_eq!(interval_minutes, 30);
/// assert_eq!(values.values().map(|p| p.to_string()).collect::<Vec<_>>(), ["10.5", "-0.01"]);
/// # std::fs::remove_file(&path)?;
/// # Ok(())
/// # }
/// ```
pub fn interval_prices_csv(path: impl AsRef<Path>) -> Result<IndexSeries, ReadError> {
    let path = path.as_ref();
    let file = path.display().to_string();
    let text = text::decode(&file, text::read_path(path)?)?;
    parse_prices(&file, &text)
}

/// [`interval_prices_csv`] from any reader; `source_name` names it in errors.
///
/// ```
/// let series = voltlex_engine::read::interval_prices_csv_from_reader(
///     "pasted.csv",
///     "start,price\n2024-07-01 00:00,abc\n".as_bytes(),
/// );
/// let message = series.unwrap_err().to_string();
/// assert!(message.contains("pasted.csv:2"), "{message}");
/// ```
pub fn interval_prices_csv_from_reader(
    source_name: &str,
    reader: impl Read,
) -> Result<IndexSeries, ReadError> {
    let text = text::decode(source_name, text::read_source(source_name, reader)?)?;
    parse_prices(source_name, &text)
}

/// Whether decoded text's header names a `price` column after its first (interval start).
pub(crate) fn has_price_header(text: &str) -> bool {
    text.trim_start_matches('\u{feff}')
        .lines()
        .find(|line| !line.trim().is_empty())
        .is_some_and(|header| {
            header
                .split(',')
                .skip(1)
                .any(|cell| cell.trim().trim_matches('"').eq_ignore_ascii_case("price"))
        })
}

pub(crate) fn parse_prices(file: &str, text: &str) -> Result<IndexSeries, ReadError> {
    const EXPECTED: &str = "a price per kWh (a decimal number, e.g. 12.34 or -0.5)";
    let table = text::table(file, text, false)?;
    let column = match table.columns_named("price").as_slice() {
        [index] if *index > 0 => *index,
        _ => {
            return Err(table.layout_error(
                file,
                "the interval start in the first column and one column named \"price\"".into(),
            ))
        }
    };
    let (start, interval_minutes, prices) = read_intervals(file, &table, |row| {
        Decimal::from_str(row.get(column).trim())
            .map_err(|_| table.value_error(file, row, column, EXPECTED))
    })?;
    let step = chrono::Duration::minutes(i64::from(interval_minutes));
    let values: BTreeMap<_, _> = (0i32..)
        .zip(prices)
        .map(|(index, price)| (start + step * index, price))
        .collect();
    Ok(IndexSeries::Interval {
        interval_minutes,
        values,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_files_detect_the_price_header() {
        let text = "start,price\n2024-07-01 00:00,1\n2024-07-01 00:30,2\n";
        let series =
            crate::read::index_file_from_reader("p.csv", text.as_bytes(), "jepx-tokyo").unwrap();
        assert!(matches!(
            series,
            IndexSeries::Interval {
                interval_minutes: 30,
                ..
            }
        ));
        assert!(!has_price_header("month,value\n2024-04,1\n"));
    }

    #[test]
    fn a_gap_or_a_missing_price_column_is_named() {
        let gap = "start,price\n2024-07-01 00:00,1\n2024-07-01 00:30,2\n2024-07-01 01:30,3\n";
        let error = interval_prices_csv_from_reader("p.csv", gap.as_bytes())
            .unwrap_err()
            .to_string();
        assert!(error.contains("p.csv:4"), "{error}");
        let error = interval_prices_csv_from_reader("p.csv", "start,kw\n".as_bytes())
            .unwrap_err()
            .to_string();
        assert!(error.contains("\"price\""), "{error}");
    }
}
