//! Interval meter data: `load.csv` → [`LoadProfile`].

use chrono::NaiveDateTime;
use std::io::Read;
use std::path::Path;

use super::error::ReadError;
use super::text::{self, Row, Table};
use crate::inputs::LoadProfile;

/// What the value column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Quantity {
    /// Average power over the interval.
    Kw,
    /// Energy drawn in the interval.
    Kwh,
}

const TIMESTAMP_EXPECTED: &str =
    "an interval start as YYYY-MM-DD HH:MM[:SS], YYYY-MM-DDTHH:MM[:SS] or YYYY/M/D H:MM[:SS]";

const TIMESTAMP_FORMATS: [&str; 6] = [
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
];

/// Reads interval meter data from a CSV file.
///
/// The layout:
/// - a header row; the **first column** holds the interval start (local time, any header
///   name) as `YYYY-MM-DD HH:MM[:SS]`, `YYYY-MM-DDTHH:MM[:SS]` or `YYYY/M/D H:MM[:SS]`;
/// - a value column named `kw` (average kW over the interval) or `kwh` (energy in the
///   interval), case-insensitive; other columns are ignored; both or neither is an error;
/// - the interval length is inferred from the first two rows and must be 15, 30 or 60
///   minutes; the first interval must start on that grid (e.g. `:00`/`:30` for 30 minutes);
///   every further row must be exactly one step after the previous one, so a gap, a
///   duplicate or a row out of order is an error naming both timestamps;
/// - values are finite numbers ≥ 0 with a decimal point (`12.5`, not `12,5`);
/// - rows with every cell empty (blank lines, trailing `,,`) are skipped.
///
/// `kw` values become kWh as kW × minutes / 60. The text may be UTF-8 (with or without a
/// byte-order mark) or Shift-JIS (cp932).
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let path = std::env::temp_dir().join(format!("voltlex-doc-load-{}.csv", std::process::id()));
/// std::fs::write(&path, "timestamp,kw\n2024-04-01 00:00,100\n2024-04-01 00:30,120\n")?;
/// let load = voltlex_engine::read::load_csv(&path)?;
/// assert_eq!(load.interval_minutes, 30);
/// assert_eq!(load.kwh, vec![50.0, 60.0]);
/// # std::fs::remove_file(&path)?;
/// # Ok(())
/// # }
/// ```
pub fn load_csv(path: impl AsRef<Path>) -> Result<LoadProfile, ReadError> {
    let path = path.as_ref();
    let file = path.display().to_string();
    let text = text::decode(&file, text::read_path(path)?)?;
    parse_load(&file, &text)
}

/// [`load_csv`] from any reader; `source_name` names it in errors.
///
/// ```
/// use voltlex_engine::read::load_csv_from_reader;
/// let csv = "time,kWh\n2024/4/1 0:00,12.5\n2024/4/1 0:15,13\n";
/// let load = load_csv_from_reader("meter.csv", csv.as_bytes()).unwrap();
/// assert_eq!(load.interval_minutes, 15);
/// assert_eq!(load.average_kw(0), Some(50.0));
///
/// let gap = "timestamp,kw\n2024-05-03 13:30,1\n2024-05-03 14:00,1\n2024-05-03 15:30,1\n";
/// let error = load_csv_from_reader("load.csv", gap.as_bytes()).unwrap_err();
/// assert_eq!(
///     error.to_string(),
///     "load.csv:4: expected the interval starting 2024-05-03 14:30 (30-minute steps), \
///      found 2024-05-03 15:30: 2 intervals missing"
/// );
/// ```
pub fn load_csv_from_reader(
    source_name: &str,
    reader: impl Read,
) -> Result<LoadProfile, ReadError> {
    let text = text::decode(source_name, text::read_source(source_name, reader)?)?;
    parse_load(source_name, &text)
}

fn parse_load(file: &str, text: &str) -> Result<LoadProfile, ReadError> {
    let table = text::table(file, text, false)?;
    let (value_column, quantity) = value_column(file, &table)?;
    let expected_value = match quantity {
        Quantity::Kw => "a number of kW (≥ 0, decimal point, e.g. 12.5)",
        Quantity::Kwh => "a number of kWh (≥ 0, decimal point, e.g. 12.5)",
    };

    let (start, interval_minutes, values) = read_intervals(file, &table, |row| {
        parse_amount(&table, file, row, value_column, expected_value)
    })?;
    let kwh = match quantity {
        Quantity::Kwh => values,
        Quantity::Kw => {
            let hours = f64::from(interval_minutes) / 60.0;
            values.into_iter().map(|kw| kw * hours).collect()
        }
    };
    Ok(LoadProfile {
        start,
        interval_minutes,
        kwh,
    })
}

/// Reads a table of evenly spaced intervals: the first column's interval starts (15, 30 or
/// 60 minutes apart, the first on that grid counted from midnight, no gap, duplicate or row
/// out of order) and a value per row from `value`. Returns the first start, the interval
/// length in minutes and the values (the load and the interval-price readers share it).
pub(crate) fn read_intervals<T>(
    file: &str,
    table: &Table,
    mut value: impl FnMut(&Row) -> Result<T, ReadError>,
) -> Result<(NaiveDateTime, u32, Vec<T>), ReadError> {
    let mut start: Option<NaiveDateTime> = None;
    let mut previous: Option<NaiveDateTime> = None;
    let mut step_minutes: Option<u32> = None;
    let mut values = Vec::with_capacity(table.rows.len());
    for row in &table.rows {
        let time = parse_timestamp(row.get(0))
            .ok_or_else(|| table.value_error(file, row, 0, TIMESTAMP_EXPECTED))?;
        match (previous, step_minutes) {
            (None, _) => start = Some(time),
            (Some(first), None) => {
                let step = infer_step(file, row, first, time)?;
                if !text::on_grid(first, step) {
                    // The row `first` was read from.
                    let first_row = table.rows.first().unwrap_or(row);
                    return Err(table.value_error(
                        file,
                        first_row,
                        0,
                        &format!(
                            "the first interval to start on the {step}-minute grid counted from midnight"
                        ),
                    ));
                }
                step_minutes = Some(step);
            }
            (Some(previous), Some(step)) => text::check_next(file, row.line, previous, time, step)?,
        }
        previous = Some(time);
        values.push(value(row)?);
    }
    let (Some(start), Some(interval_minutes)) = (start, step_minutes) else {
        return Err(ReadError::TooFewRows {
            file: file.to_string(),
            line: table.last_line(),
            rows: table.rows.len(),
        });
    };
    Ok((start, interval_minutes, values))
}

/// The `kw` or `kwh` column (not the first, which holds the timestamps).
fn value_column(file: &str, table: &Table) -> Result<(usize, Quantity), ReadError> {
    let expected =
        "a value column named \"kw\" or \"kwh\" (case-insensitive) after the timestamp column";
    let kw = table.columns_named("kw");
    let kwh = table.columns_named("kwh");
    if kw.contains(&0) || kwh.contains(&0) {
        return Err(table.layout_error(
            file,
            "the interval start in the first column and \"kw\" or \"kwh\" in another".to_string(),
        ));
    }
    match (kw.as_slice(), kwh.as_slice()) {
        ([index], []) => Ok((*index, Quantity::Kw)),
        ([], [index]) => Ok((*index, Quantity::Kwh)),
        ([], []) => Err(table.layout_error(file, expected.to_string())),
        _ => Err(table.layout_error(
            file,
            "exactly one value column named \"kw\" or \"kwh\" (not both, not twice)".to_string(),
        )),
    }
}

/// The interval length from the first two interval starts.
fn infer_step(
    file: &str,
    second_row: &Row,
    first: NaiveDateTime,
    second: NaiveDateTime,
) -> Result<u32, ReadError> {
    let gap = second - first;
    let minutes = gap.num_minutes();
    let whole = gap.num_seconds() % 60 == 0;
    match minutes {
        15 | 30 | 60 if whole => Ok(minutes as u32),
        _ => Err(ReadError::IntervalLength {
            file: file.to_string(),
            line: second_row.line,
            first,
            second,
            minutes,
        }),
    }
}

/// A finite number ≥ 0.
fn parse_amount(
    table: &Table,
    file: &str,
    row: &Row,
    column: usize,
    expected: &str,
) -> Result<f64, ReadError> {
    row.get(column)
        .parse::<f64>()
        .ok()
        .filter(|value| value.is_finite() && *value >= 0.0)
        .ok_or_else(|| table.value_error(file, row, column, expected))
}

/// An interval start in one of the accepted forms (also the fleet readers' times).
pub(crate) fn parse_timestamp(text: &str) -> Option<NaiveDateTime> {
    TIMESTAMP_FORMATS
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
}

#[cfg(test)]
mod tests {
    use super::parse_timestamp;

    #[test]
    fn accepts_the_documented_timestamp_forms() {
        for text in [
            "2024-05-03 09:30",
            "2024-05-03 09:30:00",
            "2024-05-03T09:30",
            "2024-05-03T09:30:00",
            "2024/5/3 9:30",
            "2024/05/03 09:30",
            "2024/5/3 9:30:00",
        ] {
            let time = parse_timestamp(text).unwrap_or_else(|| panic!("{text}"));
            assert_eq!(time.to_string(), "2024-05-03 09:30:00", "{text}");
        }
        for text in [
            "2024-05-03",
            "03/05/2024 09:30",
            "2024-05-03 24:00",
            "2024-05-03 9:30+09:00",
        ] {
            assert_eq!(parse_timestamp(text), None, "{text}");
        }
    }
}
