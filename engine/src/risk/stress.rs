//! Historical stress cases: whole months of real prices replayed as one scenario.

use chrono::{Datelike, NaiveDate};

use super::history::{DailyPrices, SLOTS_PER_DAY};
use super::model::PriceScenarios;
use super::RiskError;
use crate::month::YearMonth;

/// A stretch of real history to replay: consecutive days of 48 prices.
///
/// ```
/// use chrono::NaiveDate;
/// use voltlex_engine::month::YearMonth;
/// use voltlex_engine::risk::{DailyPrices, StressCase};
///
/// let first = NaiveDate::from_ymd_opt(2023, 2, 1).unwrap();
/// let days = (0..28).map(|d| (first + chrono::Duration::days(d), vec![20.0 + d as f64; 48]));
/// let history = DailyPrices::from_days(days.collect()).unwrap();
/// let case = StressCase::month(&history, YearMonth::new(2023, 2).unwrap(), "February").unwrap();
/// assert_eq!((case.days(), case.max_price()), (28, 47.0));
/// assert_eq!(case.to_scenarios().scenarios(), 1);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct StressCase {
    /// What it is, for reports.
    pub name: String,
    /// Its first day.
    pub first_day: NaiveDate,
    /// Prices, day-major (`days × 48`), JPY/kWh.
    pub prices: Vec<f64>,
}

impl StressCase {
    /// A whole calendar month of the history.
    ///
    /// # Errors
    ///
    /// [`RiskError::NotEnoughHistory`] unless every day of the month is in the history.
    pub fn month(
        history: &DailyPrices,
        month: YearMonth,
        name: &str,
    ) -> Result<StressCase, RiskError> {
        let days = history.filter(|date| YearMonth::of(date) == month);
        let expected = month.days() as usize;
        let first_day = month
            .first_day()
            .filter(|_| days.len() == expected)
            .ok_or_else(|| RiskError::NotEnoughHistory {
                what: format!(
                    "{month} has {} complete days of {expected} in the history",
                    days.len()
                ),
            })?;
        Ok(StressCase {
            name: name.to_string(),
            first_day,
            prices: days.prices().to_vec(),
        })
    }

    /// Number of days.
    pub fn days(&self) -> usize {
        self.prices.len() / SLOTS_PER_DAY
    }

    /// The 48 prices of day `index`.
    pub fn day(&self, index: usize) -> Option<&[f64]> {
        let start = index.checked_mul(SLOTS_PER_DAY)?;
        self.prices.get(start..start.checked_add(SLOTS_PER_DAY)?)
    }

    /// Mean price.
    pub fn mean_price(&self) -> f64 {
        self.prices.iter().sum::<f64>() / self.prices.len().max(1) as f64
    }

    /// Highest price.
    pub fn max_price(&self) -> f64 {
        self.prices
            .iter()
            .copied()
            .fold(f64::NEG_INFINITY, f64::max)
    }

    /// The case as a single scenario (seed 0: nothing random), e.g. for
    /// [`DailyArbitrage::profits`](super::arbitrage::DailyArbitrage::profits).
    pub fn to_scenarios(&self) -> PriceScenarios {
        PriceScenarios::from_parts(0, self.first_day, self.days(), 1, self.prices.clone())
    }
}

/// The stress cases a history offers, found by scanning it:
///
/// - "January 2021 spike" (the JEPX price crisis of winter 2020–21), when the history has all
///   of January 2021;
/// - the dearest and the cheapest complete calendar months by mean price.
///
/// ```
/// use chrono::NaiveDate;
/// use voltlex_engine::risk::{stress_cases, DailyPrices};
///
/// let first = NaiveDate::from_ymd_opt(2023, 1, 1).unwrap();
/// let days = (0..59).map(|d| (first + chrono::Duration::days(d), vec![10.0 + d as f64; 48]));
/// let cases = stress_cases(&DailyPrices::from_days(days.collect()).unwrap());
/// assert_eq!(cases.len(), 2);
/// assert!(cases[0].name.starts_with("Dearest month 2023-02"));
/// assert!(cases[1].name.starts_with("Cheapest month 2023-01"));
/// ```
pub fn stress_cases(history: &DailyPrices) -> Vec<StressCase> {
    let mut cases = Vec::new();
    if let Some(january) = YearMonth::new(2021, 1) {
        if let Ok(case) = StressCase::month(history, january, "January 2021 spike") {
            cases.push(case);
        }
    }
    // Mean price of every complete calendar month, in date order.
    let mut months: Vec<(YearMonth, f64, usize)> = Vec::new();
    for (date, prices) in history.iter() {
        let month = YearMonth::of(date);
        let sum: f64 = prices.iter().sum();
        match months.last_mut() {
            Some(last) if last.0 == month => {
                last.1 += sum;
                last.2 += 1;
            }
            _ => months.push((month, sum, 1)),
        }
    }
    let complete = months
        .iter()
        .filter(|(month, _, days)| *days == month.days() as usize)
        .map(|&(month, sum, days)| (month, sum / (days * SLOTS_PER_DAY) as f64));
    let dearest = complete.clone().max_by(|a, b| a.1.total_cmp(&b.1));
    let cheapest = complete.min_by(|a, b| a.1.total_cmp(&b.1));
    for (label, found) in [("Dearest", dearest), ("Cheapest", cheapest)] {
        if let Some((month, mean)) = found {
            let name = format!("{label} month {month} (mean {mean:.2} JPY/kWh)");
            if let Ok(case) = StressCase::month(history, month, &name) {
                cases.push(case);
            }
        }
    }
    debug_assert!(cases.iter().all(|c| c.first_day.day() == 1));
    cases
}
