//! Calendar months, the unit of billing.

use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A calendar month (`2024-07`), the period a bill covers.
///
/// ```
/// use voltlex_engine::month::YearMonth;
/// let july: YearMonth = "2024-07".parse().unwrap();
/// assert_eq!(july.to_string(), "2024-07");
/// assert_eq!(july.plus(6).to_string(), "2025-01");
/// assert_eq!(july.minus(7).to_string(), "2023-12");
/// assert_eq!(july.days(), 31);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct YearMonth {
    /// Calendar year.
    pub year: i32,
    /// Month, 1–12.
    pub month: u32,
}

impl YearMonth {
    /// A month; `None` unless `month` is 1–12.
    pub fn new(year: i32, month: u32) -> Option<Self> {
        (1..=12)
            .contains(&month)
            .then_some(YearMonth { year, month })
    }

    /// The month a date lies in.
    pub fn of(date: NaiveDate) -> Self {
        YearMonth {
            year: date.year(),
            month: date.month(),
        }
    }

    /// The first day of the month; `None` for a month no date has (a year beyond chrono's
    /// range of about ±262,000 years, or a `month` field outside 1–12).
    ///
    /// ```
    /// use voltlex_engine::month::YearMonth;
    /// let july = YearMonth::new(2024, 7).unwrap();
    /// assert_eq!(july.first_day().unwrap().to_string(), "2024-07-01");
    /// assert_eq!(YearMonth::new(999_999, 1).unwrap().first_day(), None);
    /// ```
    pub fn first_day(self) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(self.year, self.month, 1)
    }

    /// Midnight starting the month; `None` as for [`first_day`](Self::first_day).
    pub fn start(self) -> Option<NaiveDateTime> {
        self.first_day().map(|day| day.and_time(NaiveTime::MIN))
    }

    /// The month `count` months later.
    pub fn plus(self, count: u32) -> Self {
        let index = self.index() + i64::from(count);
        Self::from_index(index)
    }

    /// The month `count` months earlier.
    pub fn minus(self, count: u32) -> Self {
        let index = self.index() - i64::from(count);
        Self::from_index(index)
    }

    /// The next month.
    pub fn next(self) -> Self {
        self.plus(1)
    }

    /// Number of days in the month (proleptic Gregorian calendar, as chrono's dates).
    pub fn days(self) -> u32 {
        let leap = self.year % 4 == 0 && (self.year % 100 != 0 || self.year % 400 == 0);
        match self.month {
            2 if leap => 29,
            2 => 28,
            4 | 6 | 9 | 11 => 30,
            _ => 31,
        }
    }

    /// Months from `earlier` to `self` (negative if `earlier` is later).
    pub fn months_since(self, earlier: YearMonth) -> i64 {
        self.index() - earlier.index()
    }

    fn index(self) -> i64 {
        i64::from(self.year) * 12 + i64::from(self.month) - 1
    }

    fn from_index(index: i64) -> Self {
        YearMonth {
            year: index.div_euclid(12) as i32,
            month: index.rem_euclid(12) as u32 + 1,
        }
    }
}

impl fmt::Display for YearMonth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

/// Why a month could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("expected a month as YYYY-MM (e.g. 2024-07), found {0:?}")]
pub struct ParseMonthError(pub String);

impl FromStr for YearMonth {
    type Err = ParseMonthError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let error = || ParseMonthError(text.to_string());
        let trimmed = text.trim();
        let (year, month) = trimmed.split_once(['-', '/']).ok_or_else(error)?;
        let year: i32 = year.parse().map_err(|_| error())?;
        let month: u32 = month.parse().map_err(|_| error())?;
        YearMonth::new(year, month).ok_or_else(error)
    }
}

impl TryFrom<String> for YearMonth {
    type Error = ParseMonthError;
    fn try_from(text: String) -> Result<Self, Self::Error> {
        text.parse()
    }
}

impl From<YearMonth> for String {
    fn from(month: YearMonth) -> String {
        month.to_string()
    }
}
