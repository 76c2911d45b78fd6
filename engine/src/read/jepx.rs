//! JEPX day-ahead spot results: the published `spot_summary_YYYY.csv` → a 30-minute price
//! series for one area.

use chrono::{Duration, NaiveDate, NaiveDateTime};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::io::Read;
use std::path::Path;
use std::str::FromStr;

use super::error::ReadError;
use super::text::{self, Table};
use crate::inputs::IndexSeries;

/// What the first header cell of a `spot_summary` file starts with: 受渡日, delivery date.
pub(crate) const JEPX_HEADER_MARK: &str = "受渡日";

/// The price a JEPX series follows: the system price or one of the nine area prices.
///
/// ```
/// use voltlex_engine::read::JepxArea;
/// let area: JepxArea = "tokyo".parse().unwrap();
/// assert_eq!(area, JepxArea::Tokyo);
/// assert_eq!(area.to_string(), "tokyo");
/// let error = "kanto".parse::<JepxArea>().unwrap_err();
/// assert_eq!(
///     error.to_string(),
///     "expected a JEPX area, one of system, hokkaido, tohoku, tokyo, chubu, hokuriku, \
///      kansai, chugoku, shikoku, kyushu; found \"kanto\""
/// );
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum JepxArea {
    /// システムプライス: the price of the whole market before area splitting.
    System,
    /// 北海道
    Hokkaido,
    /// 東北
    Tohoku,
    /// 東京
    Tokyo,
    /// 中部
    Chubu,
    /// 北陸
    Hokuriku,
    /// 関西
    Kansai,
    /// 中国
    Chugoku,
    /// 四国
    Shikoku,
    /// 九州
    Kyushu,
}

impl JepxArea {
    /// Every area, in the order of the file's columns.
    pub const ALL: [JepxArea; 10] = [
        JepxArea::System,
        JepxArea::Hokkaido,
        JepxArea::Tohoku,
        JepxArea::Tokyo,
        JepxArea::Chubu,
        JepxArea::Hokuriku,
        JepxArea::Kansai,
        JepxArea::Chugoku,
        JepxArea::Shikoku,
        JepxArea::Kyushu,
    ];

    /// The lowercase English name (`tokyo`), as [`FromStr`] reads it.
    pub fn name(self) -> &'static str {
        match self {
            JepxArea::System => "system",
            JepxArea::Hokkaido => "hokkaido",
            JepxArea::Tohoku => "tohoku",
            JepxArea::Tokyo => "tokyo",
            JepxArea::Chubu => "chubu",
            JepxArea::Hokuriku => "hokuriku",
            JepxArea::Kansai => "kansai",
            JepxArea::Chugoku => "chugoku",
            JepxArea::Shikoku => "shikoku",
            JepxArea::Kyushu => "kyushu",
        }
    }

    /// What the price column's header in a `spot_summary` file contains
    /// (`エリアプライス東京(円/kWh)` contains `東京`).
    pub fn japanese_name(self) -> &'static str {
        match self {
            JepxArea::System => "システムプライス",
            JepxArea::Hokkaido => "北海道",
            JepxArea::Tohoku => "東北",
            JepxArea::Tokyo => "東京",
            JepxArea::Chubu => "中部",
            JepxArea::Hokuriku => "北陸",
            JepxArea::Kansai => "関西",
            JepxArea::Chugoku => "中国",
            JepxArea::Shikoku => "四国",
            JepxArea::Kyushu => "九州",
        }
    }

    /// The 0-based column of this price in a `spot_summary` file (system price: 5, Hokkaido: 6,
    /// …, Kyushu: 14).
    ///
    /// ```
    /// use voltlex_engine::read::JepxArea;
    /// assert_eq!(JepxArea::Tokyo.column(), 8);
    /// assert_eq!(JepxArea::Tokyo.japanese_name(), "東京");
    /// assert_eq!(JepxArea::Tokyo.name(), "tokyo");
    /// ```
    pub fn column(self) -> usize {
        5 + self as usize
    }
}

impl fmt::Display for JepxArea {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An unknown JEPX area name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "expected a JEPX area, one of system, hokkaido, tohoku, tokyo, chubu, hokuriku, kansai, \
     chugoku, shikoku, kyushu; found {0:?}"
)]
pub struct ParseAreaError(pub String);

impl FromStr for JepxArea {
    type Err = ParseAreaError;

    /// Reads a lowercase English area name; surrounding spaces and letter case are ignored.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let wanted = text.trim();
        JepxArea::ALL
            .into_iter()
            .find(|area| area.name().eq_ignore_ascii_case(wanted))
            .ok_or_else(|| ParseAreaError(text.to_string()))
    }
}

/// Reads one area's prices from a JEPX `spot_summary_YYYY.csv` exactly as downloaded.
///
/// The file: Shift-JIS (cp932), or UTF-8 with or without a byte-order mark; a header row
/// whose first cell starts with 受渡日; 19 columns — delivery date (`2023/4/1` or
/// `2024/04/01`), time code 1..48, sell/buy bid volumes, contracted volume, system price,
/// the nine area prices (Hokkaido … Kyushu), four block-bid volumes. The header is checked
/// cell by cell (date, time code, the ten price columns) so a changed layout is an error,
/// not wrong prices; columns after the prices are not read. Rows of empty cells (JEPX pads
/// its files with `,,,,` rows) are skipped.
///
/// Time code k covers minutes [30(k−1), 30k) after midnight, so the series is keyed by
/// interval start: delivery date + 30(k−1) minutes. Rows must follow each other by exactly
/// 30 minutes (a gap, repeat or step backwards is an error naming both times). Prices are
/// JPY/kWh decimals, kept exactly as written.
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use voltlex_engine::inputs::IndexSeries;
/// use voltlex_engine::read::{jepx_spot_summary, JepxArea};
/// # let header = "受渡日,時刻コード,売り入札量(kWh),買い入札量(kWh),約定総量(kWh),\
/// #     システムプライス(円/kWh),エリアプライス北海道(円/kWh),エリアプライス東北(円/kWh),\
/// #     エリアプライス東京(円/kWh),エリアプライス中部(円/kWh),エリアプライス北陸(円/kWh),\
/// #     エリアプライス関西(円/kWh),エリアプライス中国(円/kWh),エリアプライス四国(円/kWh),\
/// #     エリアプライス九州(円/kWh),売りブロック入札総量(kWh),売りブロック約定総量(kWh),\
/// #     買いブロック入札総量(kWh),買いブロック約定総量(kWh)";
/// # let text = format!("{header}\r\n2024/4/1,1,1,1,1,10.5,11,11,12.2,11,11,11,11,11,11,0,0,0,0\r\n");
/// # let (bytes, _, _) = encoding_rs::SHIFT_JIS.encode(&text);
/// # let path = std::env::temp_dir().join(format!("voltlex-doc-spot-{}.csv", std::process::id()));
/// # std::fs::write(&path, &bytes)?;
/// // `path`: a spot_summary_YYYY.csv as downloaded from JEPX (here a one-row sample).
/// let series = jepx_spot_summary(&path, JepxArea::Tokyo)?;
/// let IndexSeries::Interval { interval_minutes, values } = series else { unreachable!() };
/// assert_eq!((interval_minutes, values.len()), (30, 1));
/// assert_eq!(values.values().next().unwrap().to_string(), "12.2");
/// # std::fs::remove_file(&path)?;
/// # Ok(())
/// # }
/// ```
///
/// The same on an in-memory file is on [`jepx_spot_summary_from_reader`].
pub fn jepx_spot_summary(path: impl AsRef<Path>, area: JepxArea) -> Result<IndexSeries, ReadError> {
    let path = path.as_ref();
    let file = path.display().to_string();
    let text = text::decode(&file, text::read_path(path)?)?;
    parse_spot_summary(&file, &text, area)
}

/// [`jepx_spot_summary`] from any reader; `source_name` names it in errors.
///
/// ```
/// use chrono::NaiveDate;
/// use rust_decimal::Decimal;
/// use voltlex_engine::inputs::IndexSeries;
/// use voltlex_engine::read::{jepx_spot_summary_from_reader, JepxArea};
///
/// let header = "受渡日,時刻コード,売り入札量(kWh),買い入札量(kWh),約定総量(kWh),\
///     システムプライス(円/kWh),エリアプライス北海道(円/kWh),エリアプライス東北(円/kWh),\
///     エリアプライス東京(円/kWh),エリアプライス中部(円/kWh),エリアプライス北陸(円/kWh),\
///     エリアプライス関西(円/kWh),エリアプライス中国(円/kWh),エリアプライス四国(円/kWh),\
///     エリアプライス九州(円/kWh),売りブロック入札総量(kWh),売りブロック約定総量(kWh),\
///     買いブロック入札総量(kWh),買いブロック約定総量(kWh)";
/// let text = format!(
///     "{header}\r\n\
///      2024/4/1,1,1,1,1,10.5,11,11,12.2,11,11,11,11,11,11,0,0,0,0\r\n\
///      2024/4/1,2,1,1,1,10.1,11,11,11.9,11,11,11,11,11,11,0,0,0,0\r\n\
///      ,,,,,,,,,,,,,,,,,,\r\n"
/// );
/// // As downloaded, the file is Shift-JIS:
/// let (bytes, _, _) = encoding_rs::SHIFT_JIS.encode(&text);
/// let series = jepx_spot_summary_from_reader("spot.csv", &bytes[..], JepxArea::Tokyo).unwrap();
/// let IndexSeries::Interval { interval_minutes, values } = series else { unreachable!() };
/// assert_eq!(interval_minutes, 30);
/// let half_past = NaiveDate::from_ymd_opt(2024, 4, 1).unwrap().and_hms_opt(0, 30, 0).unwrap();
/// assert_eq!(values[&half_past], Decimal::new(119, 1));
/// ```
pub fn jepx_spot_summary_from_reader(
    source_name: &str,
    reader: impl Read,
    area: JepxArea,
) -> Result<IndexSeries, ReadError> {
    let text = text::decode(source_name, text::read_source(source_name, reader)?)?;
    parse_spot_summary(source_name, &text, area)
}

/// Whether decoded text looks like a `spot_summary` file: its first line starts with 受渡日.
pub(crate) fn is_spot_summary(text: &str) -> bool {
    text.trim_start_matches('\u{feff}')
        .trim_start()
        .trim_start_matches('"')
        .starts_with(JEPX_HEADER_MARK)
}

pub(crate) fn parse_spot_summary(
    file: &str,
    text: &str,
    area: JepxArea,
) -> Result<IndexSeries, ReadError> {
    const DATE_EXPECTED: &str = "a delivery date as YYYY/M/D (e.g. 2024/4/1)";
    const CODE_EXPECTED: &str = "a time code 1..48";
    let table = text::table(file, text, false)?;
    check_header(file, &table)?;
    let price_column = area.column();
    let price_expected = format!("the {area} price in JPY/kWh (a decimal number)");

    let mut values = BTreeMap::new();
    let mut previous: Option<NaiveDateTime> = None;
    for row in &table.rows {
        let date =
            parse_date(row.get(0)).ok_or_else(|| table.value_error(file, row, 0, DATE_EXPECTED))?;
        let code: u32 = row
            .get(1)
            .parse()
            .ok()
            .filter(|code| (1..=48).contains(code))
            .ok_or_else(|| table.value_error(file, row, 1, CODE_EXPECTED))?;
        let start =
            date.and_time(chrono::NaiveTime::MIN) + Duration::minutes(30 * (i64::from(code) - 1));
        if let Some(previous) = previous {
            text::check_next(file, row.line, previous, start, 30)?;
        }
        previous = Some(start);
        let price = Decimal::from_str(row.get(price_column))
            .map_err(|_| table.value_error(file, row, price_column, &price_expected))?;
        values.insert(start, price);
    }
    if values.is_empty() {
        return Err(ReadError::Layout {
            file: file.to_string(),
            line: table.last_line(),
            expected: "at least one row of prices after the header".to_string(),
            found: "none".to_string(),
        });
    }
    Ok(IndexSeries::Interval {
        interval_minutes: 30,
        values,
    })
}

/// The header names the columns this reader relies on, where it expects them.
fn check_header(file: &str, table: &Table) -> Result<(), ReadError> {
    let mut wanted: Vec<(usize, &str, String)> = vec![
        (
            0,
            JEPX_HEADER_MARK,
            "the delivery date (受渡日)".to_string(),
        ),
        (1, "時刻コード", "the time code (時刻コード)".to_string()),
    ];
    for area in JepxArea::ALL {
        let what = match area {
            JepxArea::System => "the system price (システムプライス)".to_string(),
            _ => format!(
                "the {area} area price (エリアプライス{})",
                area.japanese_name()
            ),
        };
        wanted.push((area.column(), area.japanese_name(), what));
    }
    for (column, mark, what) in wanted {
        let found = table.header.get(column).map(String::as_str);
        if !found.is_some_and(|header| header.contains(mark)) {
            return Err(ReadError::Layout {
                file: file.to_string(),
                line: table.header_line,
                expected: format!(
                    "a JEPX spot_summary header (19 columns) with {what} in column {}",
                    column + 1
                ),
                found: match found {
                    Some(header) => format!("{header:?} there"),
                    None => format!("{} columns", table.header.len()),
                },
            });
        }
    }
    Ok(())
}

fn parse_date(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y/%m/%d")
        .or_else(|_| NaiveDate::parse_from_str(text, "%Y-%m-%d"))
        .ok()
}
