//! Whole days of half-hour spot prices, the raw material of every model and stress case.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike};
use rust_decimal::prelude::ToPrimitive;

use super::RiskError;
use crate::inputs::IndexSeries;

/// Half-hour slots in a day (JEPX time codes 1–48; Japan has no daylight saving time).
pub const SLOTS_PER_DAY: usize = 48;

/// A season of the year, for filtering history by season.
///
/// ```
/// use voltlex_engine::risk::Season;
///
/// assert_eq!(Season::of_month(1), Some(Season::Winter));
/// assert_eq!(Season::of_month(8), Some(Season::Summer));
/// assert_eq!(Season::Autumn.months(), [9, 10, 11]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Season {
    /// December, January, February.
    Winter,
    /// March, April, May.
    Spring,
    /// June, July, August.
    Summer,
    /// September, October, November.
    Autumn,
}

impl Season {
    /// The season of a month (1–12); `None` for any other number.
    pub fn of_month(month: u32) -> Option<Season> {
        match month {
            12 | 1 | 2 => Some(Season::Winter),
            3..=5 => Some(Season::Spring),
            6..=8 => Some(Season::Summer),
            9..=11 => Some(Season::Autumn),
            _ => None,
        }
    }

    /// Its three months.
    pub fn months(self) -> [u32; 3] {
        match self {
            Season::Winter => [12, 1, 2],
            Season::Spring => [3, 4, 5],
            Season::Summer => [6, 7, 8],
            Season::Autumn => [9, 10, 11],
        }
    }
}

/// A day the history left out because it does not have all 48 half-hour prices.
///
/// ```
/// use chrono::NaiveDate;
/// use voltlex_engine::risk::history::SkippedDay;
///
/// let day = SkippedDay { date: NaiveDate::from_ymd_opt(2024, 1, 1).unwrap(), slots_present: 46 };
/// assert!(day.slots_present < voltlex_engine::risk::SLOTS_PER_DAY);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SkippedDay {
    /// The day.
    pub date: NaiveDate,
    /// How many of its 48 prices were present.
    pub slots_present: usize,
}

/// Whole days of 48 half-hour prices (JPY/kWh), in date order, stored flat (day-major).
///
/// Days need not be consecutive (a gap in the data, or a filtered history); models that need
/// consecutive days check dates.
///
/// ```
/// use chrono::NaiveDate;
/// use voltlex_engine::risk::DailyPrices;
///
/// let first = NaiveDate::from_ymd_opt(2024, 1, 31).unwrap();
/// let days = vec![(first, vec![10.0; 48]), (first.succ_opt().unwrap(), vec![12.0; 48])];
/// let history = DailyPrices::from_days(days).unwrap();
/// assert_eq!(history.len(), 2);
/// assert_eq!(history.in_months(&[2]).dates(), &[first.succ_opt().unwrap()]);
/// assert_eq!(history.day(1).unwrap()[0], 12.0);
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DailyPrices {
    dates: Vec<NaiveDate>,
    prices: Vec<f64>,
    skipped: Vec<SkippedDay>,
}

impl DailyPrices {
    /// The complete days of a half-hourly interval series (e.g. what
    /// [`jepx_spot_summary`](crate::read::jepx_spot_summary) returns). A day missing any of
    /// its 48 half-hours is left out and listed by [`skipped`](Self::skipped).
    ///
    /// # Errors
    ///
    /// [`RiskError::NotIntervalPrices`] for a monthly series, [`RiskError::NotHalfHourly`]
    /// for another interval length, [`RiskError::NonFinitePrice`] for a price that does not
    /// fit a float.
    ///
    /// ```
    /// use std::collections::BTreeMap;
    /// use chrono::NaiveDate;
    /// use rust_decimal::Decimal;
    /// use voltlex_engine::inputs::IndexSeries;
    /// use voltlex_engine::risk::DailyPrices;
    ///
    /// let day = NaiveDate::from_ymd_opt(2024, 4, 1).unwrap();
    /// let mut values = BTreeMap::new();
    /// for slot in 0..48 {
    ///     let start = day.and_hms_opt(0, 0, 0).unwrap() + chrono::Duration::minutes(30 * slot);
    ///     values.insert(start, Decimal::new(100 + slot, 1));
    /// }
    /// // The next day has one price only: incomplete, skipped.
    /// values.insert(day.succ_opt().unwrap().and_hms_opt(0, 0, 0).unwrap(), Decimal::ONE);
    /// let series = IndexSeries::Interval { interval_minutes: 30, values };
    /// let history = DailyPrices::from_series(&series).unwrap();
    /// assert_eq!(history.dates(), &[day]);
    /// assert_eq!(history.skipped()[0].slots_present, 1);
    /// assert_eq!(history.day(0).unwrap()[47], 14.7);
    /// ```
    pub fn from_series(series: &IndexSeries) -> Result<DailyPrices, RiskError> {
        let IndexSeries::Interval {
            interval_minutes,
            values,
        } = series
        else {
            return Err(RiskError::NotIntervalPrices);
        };
        if *interval_minutes != 30 {
            return Err(RiskError::NotHalfHourly {
                minutes: *interval_minutes,
            });
        }
        let mut days: BTreeMap<NaiveDate, [Option<f64>; SLOTS_PER_DAY]> = BTreeMap::new();
        for (start, value) in values {
            let price = value.to_f64().filter(|p| p.is_finite()).ok_or_else(|| {
                RiskError::NonFinitePrice {
                    at: start.to_string(),
                }
            })?;
            let slot = slot_of(start);
            let day = days.entry(start.date()).or_insert([None; SLOTS_PER_DAY]);
            // A start off the half-hour grid cannot come from a 30-minute series; it leaves
            // its day incomplete rather than being moved.
            if let Some(cell) = slot.and_then(|slot| day.get_mut(slot)) {
                *cell = Some(price);
            }
        }
        let mut history = DailyPrices::default();
        for (date, slots) in days {
            let present = slots.iter().flatten().count();
            if present == SLOTS_PER_DAY {
                history.dates.push(date);
                history.prices.extend(slots.iter().flatten());
            } else {
                history.skipped.push(SkippedDay {
                    date,
                    slots_present: present,
                });
            }
        }
        Ok(history)
    }

    /// A history from explicit days (any order; each with exactly 48 prices).
    ///
    /// # Errors
    ///
    /// [`RiskError::LengthMismatch`] for a day without 48 prices, [`RiskError::DuplicateDay`],
    /// [`RiskError::NonFinitePrice`].
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use voltlex_engine::risk::DailyPrices;
    ///
    /// let day = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
    /// assert!(DailyPrices::from_days(vec![(day, vec![1.0; 47])]).is_err());
    /// ```
    pub fn from_days(days: Vec<(NaiveDate, Vec<f64>)>) -> Result<DailyPrices, RiskError> {
        let mut days = days;
        days.sort_by_key(|(date, _)| *date);
        let mut history = DailyPrices::default();
        for (date, prices) in days {
            if prices.len() != SLOTS_PER_DAY {
                return Err(RiskError::LengthMismatch {
                    field: "a day's prices",
                    expected: SLOTS_PER_DAY,
                    found: prices.len(),
                });
            }
            if prices.iter().any(|p| !p.is_finite()) {
                return Err(RiskError::NonFinitePrice {
                    at: date.to_string(),
                });
            }
            if history.dates.last() == Some(&date) {
                return Err(RiskError::DuplicateDay { date });
            }
            history.dates.push(date);
            history.prices.extend(prices);
        }
        Ok(history)
    }

    /// This history and another (e.g. the next year's file) as one, in date order; skipped
    /// days of both are kept.
    ///
    /// # Errors
    ///
    /// [`RiskError::DuplicateDay`] when both have the same day.
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use voltlex_engine::risk::DailyPrices;
    ///
    /// let day = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
    /// let a = DailyPrices::from_days(vec![(day, vec![1.0; 48])]).unwrap();
    /// let b = DailyPrices::from_days(vec![(day.pred_opt().unwrap(), vec![2.0; 48])]).unwrap();
    /// let both = a.clone().merged(b).unwrap();
    /// assert_eq!(both.dates()[1], day);
    /// assert!(both.merged(a).is_err());
    /// ```
    pub fn merged(self, other: DailyPrices) -> Result<DailyPrices, RiskError> {
        let mut skipped = self.skipped.clone();
        skipped.extend(other.skipped.iter().copied());
        skipped.sort_by_key(|day| day.date);
        let days = self
            .iter()
            .chain(other.iter())
            .map(|(date, prices)| (date, prices.to_vec()))
            .collect();
        let mut history = DailyPrices::from_days(days)?;
        history.skipped = skipped;
        Ok(history)
    }

    /// Number of complete days.
    pub fn len(&self) -> usize {
        self.dates.len()
    }

    /// Whether there is no complete day.
    pub fn is_empty(&self) -> bool {
        self.dates.is_empty()
    }

    /// The days, in order.
    pub fn dates(&self) -> &[NaiveDate] {
        &self.dates
    }

    /// Days left out for missing prices.
    pub fn skipped(&self) -> &[SkippedDay] {
        &self.skipped
    }

    /// All prices, day-major (`day × 48 + slot`).
    pub fn prices(&self) -> &[f64] {
        &self.prices
    }

    /// The 48 prices of the `index`-th day.
    pub fn day(&self, index: usize) -> Option<&[f64]> {
        let start = index.checked_mul(SLOTS_PER_DAY)?;
        self.prices.get(start..start.checked_add(SLOTS_PER_DAY)?)
    }

    /// The index of a date, if the history has it.
    pub fn index_of(&self, date: NaiveDate) -> Option<usize> {
        self.dates.binary_search(&date).ok()
    }

    /// Days with their prices, in order.
    pub fn iter(&self) -> impl Iterator<Item = (NaiveDate, &[f64])> + '_ {
        self.dates
            .iter()
            .copied()
            .zip(self.prices.chunks_exact(SLOTS_PER_DAY))
    }

    /// The days `keep` accepts (skipped days are not carried over).
    pub fn filter(&self, mut keep: impl FnMut(NaiveDate) -> bool) -> DailyPrices {
        let mut history = DailyPrices::default();
        for (date, prices) in self.iter() {
            if keep(date) {
                history.dates.push(date);
                history.prices.extend_from_slice(prices);
            }
        }
        history
    }

    /// The days of the given calendar months (1–12), every year.
    pub fn in_months(&self, months: &[u32]) -> DailyPrices {
        self.filter(|date| months.contains(&date.month()))
    }

    /// The days of a season, every year.
    pub fn in_season(&self, season: Season) -> DailyPrices {
        self.in_months(&season.months())
    }
}

/// The 0-based half-hour slot an interval start opens, if it is on the half-hour grid.
fn slot_of(start: &NaiveDateTime) -> Option<usize> {
    let time = start.time();
    if time.second() != 0 || time.nanosecond() != 0 || !time.minute().is_multiple_of(30) {
        return None;
    }
    usize::try_from(time.hour() * 2 + time.minute() / 30).ok()
}
