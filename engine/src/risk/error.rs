//! Why a risk computation gave no answer.

use chrono::NaiveDate;

/// Why a risk computation gave no answer.
///
/// ```
/// use voltlex_engine::risk::RiskError;
///
/// let error = RiskError::InvalidParameter { name: "confidence", value: 1.5 };
/// assert_eq!(error.to_string(), "invalid confidence: 1.5");
/// ```
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RiskError {
    /// The index series has one value per month: daily price paths need interval prices.
    #[error("the price series is monthly: interval prices (JEPX half-hours) are needed")]
    NotIntervalPrices,
    /// Prices are not half-hourly.
    #[error("the price series has {minutes}-minute intervals: 30-minute prices are needed")]
    NotHalfHourly {
        /// The series' interval length.
        minutes: u32,
    },
    /// A price is not a finite number.
    #[error("the price at {at} is not a finite number")]
    NonFinitePrice {
        /// Where.
        at: String,
    },
    /// Two histories cover the same day.
    #[error("the day {date} appears twice in the price history")]
    DuplicateDay {
        /// The day.
        date: NaiveDate,
    },
    /// Not enough history for what was asked.
    #[error("not enough price history: {what}")]
    NotEnoughHistory {
        /// What was missing.
        what: String,
    },
    /// A parameter is out of its range.
    #[error("invalid {name}: {value}")]
    InvalidParameter {
        /// The parameter.
        name: &'static str,
        /// Its value.
        value: f64,
    },
    /// A sample to measure is empty or holds a value that is not finite.
    #[error("the sample {problem}")]
    BadSample {
        /// What is wrong with it.
        problem: String,
    },
    /// Per-slot inputs of a battery dispatch disagree in length.
    #[error("{field} has {found} values, expected {expected} (one per slot)")]
    LengthMismatch {
        /// The input.
        field: &'static str,
        /// The number of slots.
        expected: usize,
        /// Its length.
        found: usize,
    },
    /// The sell price exceeds the buy price in a slot, or is so close to a negative buy
    /// price that charging and discharging at once would pay (see
    /// [`dispatch`](super::dispatch)).
    #[error(
        "slot {slot}: selling at {sell} against buying at {buy} would pay for charging and \
         discharging at once (needs sell ≤ buy and sell·η − degradation ≤ buy/η)"
    )]
    SellAboveBuy {
        /// The slot (0-based).
        slot: usize,
        /// Its sell price.
        sell: f64,
        /// Its buy price.
        buy: f64,
    },
    /// No dispatch meets the battery's energy bounds.
    #[error("slot {slot}: infeasible battery bounds: {reason}")]
    Infeasible {
        /// The first slot (0-based) whose bounds cannot be met.
        slot: usize,
        /// Why.
        reason: String,
    },
}
