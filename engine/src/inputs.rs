//! What a bill needs besides the rules: meter data, past peaks, power factor, index series.
//!
//! These are plain in-memory values; `crate::read` turns files into them.

use chrono::NaiveDateTime;
use rust_decimal::Decimal;
use std::collections::BTreeMap;

use crate::month::YearMonth;

/// Interval meter data: consecutive intervals of equal length, each labelled by its start in
/// the tariff's local time, holding the energy drawn in the interval.
///
/// ```
/// use chrono::NaiveDate;
/// use voltlex_engine::inputs::LoadProfile;
/// let start = NaiveDate::from_ymd_opt(2024, 4, 1).unwrap().and_hms_opt(0, 0, 0).unwrap();
/// let load = LoadProfile { start, interval_minutes: 30, kwh: vec![50.0, 60.0] };
/// assert_eq!(load.average_kw(1), Some(120.0));
/// assert_eq!(load.average_kw(2), None);
/// assert_eq!(load.interval_start(1).to_string(), "2024-04-01 00:30:00");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct LoadProfile {
    /// Start of the first interval (local time).
    pub start: NaiveDateTime,
    /// Interval length in minutes (15, 30 or 60).
    pub interval_minutes: u32,
    /// Energy per interval, kWh, in time order without gaps.
    pub kwh: Vec<f64>,
}

impl LoadProfile {
    /// Start of interval `index`.
    pub fn interval_start(&self, index: usize) -> NaiveDateTime {
        self.start + chrono::Duration::minutes(i64::from(self.interval_minutes) * index as i64)
    }

    /// Average power over interval `index`, kW; `None` past the last interval.
    pub fn average_kw(&self, index: usize) -> Option<f64> {
        let kwh = self.kwh.get(index)?;
        Some(kwh * 60.0 / f64::from(self.interval_minutes))
    }
}

/// Monthly maximum demands (kW) of months before the meter data, for the ratchet.
pub type PeakHistory = BTreeMap<YearMonth, f64>;

/// Power factor per month as a percentage (e.g. `98`): one figure for all months or one per month.
#[derive(Debug, Clone, PartialEq)]
pub enum PowerFactorInput {
    /// The same power factor every month.
    Flat(Decimal),
    /// A power factor for each month.
    Monthly(BTreeMap<YearMonth, Decimal>),
}

/// An index series an adjustment reads: monthly figures, or interval prices (JEPX).
#[derive(Debug, Clone, PartialEq)]
pub enum IndexSeries {
    /// One value per month (e.g. a fuel-cost adjustment unit price, JPY/kWh).
    Monthly(BTreeMap<YearMonth, Decimal>),
    /// One value per interval, labelled by interval start (e.g. JEPX area prices per 30 min).
    Interval {
        /// Interval length in minutes.
        interval_minutes: u32,
        /// Values by interval start.
        values: BTreeMap<NaiveDateTime, Decimal>,
    },
}

/// Everything a bill needs besides the tariff and the load.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BillingInputs {
    /// Peaks of months before the load data.
    pub history: PeakHistory,
    /// First month of supply (new-supply rule): no history is needed for earlier months.
    pub supply_start: Option<YearMonth>,
    /// Power factor, required when the tariff adjusts by power factor.
    pub power_factor: Option<PowerFactorInput>,
    /// Index series by name.
    pub indices: BTreeMap<String, IndexSeries>,
    /// Agreed contract demand (kW) for tariffs with `contract = agreed`.
    pub contract_kw: Option<f64>,
    /// Subscribed demand (kW) for subscription tariffs; `None` picks the cheapest level each month.
    pub subscription_kw: Option<f64>,
}
