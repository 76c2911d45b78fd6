//! Day-ahead forecasts for VPP planning, each with a backtest that reports its error
//! (design and decisions: `docs/vpp-forecast.md`):
//!
//! - [`usage`] — per-vehicle overnight stays (arrival, departure, energy for the next day's
//!   trips) as quantiles at the plan's confidence, from a trip log
//!   ([`crate::read::trips_csv`]); [`backtest_usage`];
//! - [`base_load`] — per-site base load (without the fleet) per 30-minute slot as a quantile;
//!   [`backtest_base_load`];
//! - [`synthetic`] — seeded trip logs and base loads for tests, examples and benchmarks.
//!
//! Both models are empirical: the samples of a key (vehicle or site × [`DayKind`] ×
//! [`Season`] …) sorted once at fit time, a prediction reads the quantile of the samples by
//! linear interpolation ([`quantile_sorted`], Hyndman & Fan type 7, R's default). Keys with
//! fewer than [`MIN_SAMPLES`] samples fall back to coarser keys; every prediction says which
//! key it used ([`Level`]).
//!
//! ```
//! use chrono::NaiveDate;
//! use voltlex_engine::vpp::forecast::{backtest_usage, synthetic, UsageModel};
//!
//! let vans: Vec<(String, String)> =
//!     (0..20).map(|i| (format!("V{i:02}"), "depot".to_string())).collect();
//! let first = NaiveDate::from_ymd_opt(2024, 1, 8).unwrap();
//! let trips = synthetic::trip_log(&vans, first, 120, 7);
//! let model = UsageModel::fit(&trips);
//! let night = NaiveDate::from_ymd_opt(2024, 5, 7).unwrap(); // Tuesday → Wednesday
//! let stay = model.predict("V03", night, 0.9).unwrap();
//! assert!(stay.arrival < stay.departure);
//!
//! let backtest = backtest_usage(&trips, 28, 0.9).unwrap();
//! assert!(backtest.energy_coverage > 0.75);
//! ```

pub mod base_load;
pub mod synthetic;
pub mod usage;

pub use crate::risk::model::DayKind;
pub use base_load::{backtest_base_load, BaseLoadBacktest, BaseLoadModel};
pub use usage::{backtest_usage, PredictedStay, UsageBacktest, UsageModel};

use chrono::{Datelike, NaiveDate, NaiveDateTime};

/// Fewer samples than this under a key and the forecast falls back to a coarser key.
///
/// ```
/// assert_eq!(voltlex_engine::vpp::forecast::MIN_SAMPLES, 4);
/// ```
pub const MIN_SAMPLES: usize = 4;

/// The quarter of the year a forecast key uses: meteorological seasons.
///
/// ```
/// use chrono::NaiveDate;
/// use voltlex_engine::vpp::forecast::Season;
/// let day = |m| NaiveDate::from_ymd_opt(2024, m, 15).unwrap();
/// assert_eq!(Season::of(day(12)), Season::Winter);
/// assert_eq!(Season::of(day(2)), Season::Winter);
/// assert_eq!(Season::of(day(5)), Season::Spring);
/// assert_eq!(Season::of(day(8)), Season::Summer);
/// assert_eq!(Season::of(day(11)), Season::Autumn);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Season {
    /// December to February.
    Winter = 0,
    /// March to May.
    Spring = 1,
    /// June to August.
    Summer = 2,
    /// September to November.
    Autumn = 3,
}

impl Season {
    /// The season of a date.
    ///
    /// ```
    /// use voltlex_engine::vpp::forecast::Season;
    /// let day = chrono::NaiveDate::from_ymd_opt(2024, 3, 1).unwrap();
    /// assert_eq!(Season::of(day), Season::Spring);
    /// ```
    pub fn of(date: NaiveDate) -> Season {
        match date.month() {
            3..=5 => Season::Spring,
            6..=8 => Season::Summer,
            9..=11 => Season::Autumn,
            _ => Season::Winter,
        }
    }
}

/// The key a quantile was read from: the first of these, in this order, with at least
/// [`MIN_SAMPLES`] samples (if none has, the one with the most samples, the more specific on
/// a tie). The day kind is kept longer than the vehicle: a Sunday night or a Saturday's
/// energy is better told by the site's other vehicles on such days than by the same vehicle
/// on weekdays (`docs/vpp-forecast.md`). The base-load model uses the `Site…` levels only.
///
/// ```
/// use voltlex_engine::vpp::forecast::Level;
/// assert!(Level::VehicleDayKindSeason.is_vehicle());
/// assert!(!Level::SiteDayKind.is_vehicle());
/// assert!(Level::SiteDayKind < Level::Vehicle); // tried first
/// assert_eq!(Level::Site.to_string(), "the site, all day kinds and seasons");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Level {
    /// The vehicle, the day kind and the season.
    VehicleDayKindSeason,
    /// The vehicle and the day kind, all seasons.
    VehicleDayKind,
    /// The site (for usage: the stays of all vehicles at the site), the day kind and the
    /// season.
    SiteDayKindSeason,
    /// The site and the day kind, all seasons.
    SiteDayKind,
    /// The vehicle, all day kinds and seasons.
    Vehicle,
    /// The site, all day kinds and seasons.
    Site,
}

impl Level {
    /// Whether the level is one of the vehicle's own.
    ///
    /// ```
    /// use voltlex_engine::vpp::forecast::Level;
    /// assert!(Level::Vehicle.is_vehicle());
    /// ```
    pub fn is_vehicle(self) -> bool {
        matches!(
            self,
            Level::VehicleDayKindSeason | Level::VehicleDayKind | Level::Vehicle
        )
    }
}

impl std::fmt::Display for Level {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Level::VehicleDayKindSeason => "the vehicle, its day kind and season",
            Level::VehicleDayKind => "the vehicle, its day kind",
            Level::Vehicle => "the vehicle, all day kinds and seasons",
            Level::SiteDayKindSeason => "the site, its day kind and season",
            Level::SiteDayKind => "the site, its day kind",
            Level::Site => "the site, all day kinds and seasons",
        })
    }
}

/// Why a forecast cannot be fitted or backtested.
///
/// ```
/// use voltlex_engine::vpp::forecast::{backtest_usage, ForecastError};
/// let error = backtest_usage(&[], 7, 0.9).unwrap_err();
/// assert_eq!(error, ForecastError::NoTrips);
/// assert_eq!(error.to_string(), "expected a trip log with at least one valid trip, found none");
/// ```
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ForecastError {
    /// A confidence outside the open interval (0, 1).
    #[error(
        "confidence: expected a probability strictly between 0 and 1 (e.g. 0.9), found {found}"
    )]
    Confidence {
        /// The confidence given.
        found: f64,
    },
    /// The trip log holds no valid trip.
    #[error("expected a trip log with at least one valid trip, found none")]
    NoTrips,
    /// The holdout leaves too little to fit on, or is too short to test anything.
    #[error("holdout: expected {expected}, found {found}")]
    Holdout {
        /// What the backtest needs (e.g. "at least 2 days").
        expected: String,
        /// What it was given.
        found: String,
    },
    /// No stay or slot fell in the holdout, so no error can be measured.
    #[error("holdout {from} to {to}: expected at least one {what} to test, found none")]
    NothingToTest {
        /// First day held out.
        from: NaiveDate,
        /// Last day held out.
        to: NaiveDate,
        /// "stay" or "slot with a load above 0 kW".
        what: &'static str,
    },
    /// A load profile whose interval is not 15, 30 or 60 minutes.
    #[error("load profile: expected 15-, 30- or 60-minute intervals, found {found} minutes")]
    Interval {
        /// The profile's interval length, minutes.
        found: u32,
    },
    /// A load profile whose first interval does not start on the 30-minute grid counted
    /// from midnight.
    #[error("load profile: expected the first interval to start on the hour or half-hour, found {start}")]
    OffGrid {
        /// Start of the first interval.
        start: NaiveDateTime,
    },
    /// A load profile value that is negative or not a number.
    #[error("load profile: interval starting {at}: expected an energy ≥ 0 kWh, found {found}")]
    Value {
        /// Start of the interval.
        at: NaiveDateTime,
        /// The value found.
        found: f64,
    },
    /// A load profile too short to fit.
    #[error("load profile: expected at least {expected} days of 30-minute data to fit on, found {found:.1}")]
    TooShort {
        /// Days needed.
        expected: usize,
        /// Days found.
        found: f64,
    },
}

/// A confidence for a backtest: finite and strictly between 0 and 1.
pub(crate) fn check_confidence(confidence: f64) -> Result<f64, ForecastError> {
    if confidence.is_finite() && confidence > 0.0 && confidence < 1.0 {
        Ok(confidence)
    } else {
        Err(ForecastError::Confidence { found: confidence })
    }
}

/// The `p`-quantile of sorted samples by linear interpolation between order statistics
/// (Hyndman & Fan type 7, R's and NumPy's default): with `n` samples `x₀ ≤ … ≤ xₙ₋₁` and
/// `h = (n − 1)·p`, the quantile is `x⌊h⌋ + (h − ⌊h⌋)(x⌊h⌋₊₁ − x⌊h⌋)`. `p` is clamped to
/// [0, 1]; `None` for no samples or a `p` that is not a number. The slice must be sorted
/// ascending (not checked).
///
/// ```
/// use voltlex_engine::vpp::forecast::quantile_sorted;
/// let x = [1.0, 2.0, 4.0, 8.0];
/// assert_eq!(quantile_sorted(&x, 0.5), Some(3.0));
/// assert_eq!(quantile_sorted(&x, 0.75), Some(5.0)); // h = 2.25: 4 + 0.25 × (8 − 4)
/// assert_eq!(quantile_sorted(&x, 1.0), Some(8.0));
/// assert_eq!(quantile_sorted(&[], 0.5), None);
/// ```
pub fn quantile_sorted(sorted: &[f64], p: f64) -> Option<f64> {
    if p.is_nan() {
        return None;
    }
    let (lower, upper, fraction) = order_statistics(sorted.len(), p)?;
    let low = *sorted.get(lower)?;
    let high = *sorted.get(upper)?;
    Some(interpolate(low, high, fraction))
}

/// The `p`-quantile (type 7) of samples in any order, without sorting them all: the two
/// order statistics by selection on a copy.
pub(crate) fn quantile_unsorted(samples: &[f64], p: f64) -> Option<f64> {
    if p.is_nan() {
        return None;
    }
    let (lower, _, fraction) = order_statistics(samples.len(), p)?;
    let mut copy = samples.to_vec();
    if lower >= copy.len() {
        return None;
    }
    let (_, low, rest) = copy.select_nth_unstable_by(lower, f64::total_cmp);
    let low = *low;
    let high = rest.iter().copied().min_by(f64::total_cmp).unwrap_or(low);
    Some(interpolate(low, high, fraction))
}

/// Indices of the two order statistics type 7 interpolates between, and the weight of the
/// upper one.
fn order_statistics(count: usize, p: f64) -> Option<(usize, usize, f64)> {
    let last = count.checked_sub(1)?;
    let h = last as f64 * p.clamp(0.0, 1.0);
    let lower = (h.floor() as usize).min(last);
    let upper = (lower + 1).min(last);
    Some((lower, upper, h - lower as f64))
}

fn interpolate(low: f64, high: f64, fraction: f64) -> f64 {
    if fraction == 0.0 {
        low
    } else {
        low + fraction * (high - low)
    }
}

/// Samples under the finest keys (`cells`: day kind × season, index `kind * 4 + season`),
/// sorted within each key and stored contiguously, so that every coarser key of the same
/// entity (a day kind: 4 cells; all: 12) is one contiguous slice.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Cells {
    values: Vec<f64>,
    /// `values[bounds[c]..bounds[c + 1]]` are the samples of cell `c`.
    bounds: [usize; 13],
}

/// Cell index of a day kind and season.
pub(crate) fn cell(kind: DayKind, season: Season) -> usize {
    kind as usize * 4 + season as usize
}

impl Cells {
    /// From `(cell, value)` pairs in any order (cells ≥ 12 and values that are not finite
    /// are dropped).
    pub(crate) fn new(mut samples: Vec<(usize, f64)>) -> Cells {
        samples.retain(|(cell, value)| *cell < 12 && value.is_finite());
        samples.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)));
        let mut bounds = [0usize; 13];
        for (cell, _) in &samples {
            if let Some(bound) = bounds.get_mut(cell + 1) {
                *bound += 1;
            }
        }
        for index in 1..13 {
            let previous = bounds.get(index - 1).copied().unwrap_or(0);
            if let Some(bound) = bounds.get_mut(index) {
                *bound += previous;
            }
        }
        Cells {
            values: samples.into_iter().map(|(_, value)| value).collect(),
            bounds,
        }
    }

    fn range(&self, first_cell: usize, end_cell: usize) -> &[f64] {
        let start = self.bounds.get(first_cell).copied().unwrap_or(0);
        let end = self.bounds.get(end_cell).copied().unwrap_or(0);
        self.values.get(start..end).unwrap_or(&[])
    }

    /// Samples of one day kind and season (sorted).
    pub(crate) fn kind_season(&self, kind: DayKind, season: Season) -> &[f64] {
        let cell = cell(kind, season);
        self.range(cell, cell + 1)
    }

    /// Samples of one day kind, all seasons (sorted per season).
    pub(crate) fn kind(&self, kind: DayKind) -> &[f64] {
        let first = kind as usize * 4;
        self.range(first, first + 4)
    }

    /// All samples (sorted per cell).
    pub(crate) fn all(&self) -> &[f64] {
        &self.values
    }

    /// The three keys of a day kind and season, finest first, with whether each is sorted.
    pub(crate) fn levels(&self, kind: DayKind, season: Season) -> [(&[f64], bool); 3] {
        [
            (self.kind_season(kind, season), true),
            (self.kind(kind), false),
            (self.all(), false),
        ]
    }
}

/// The quantile of the first key with at least [`MIN_SAMPLES`] samples (else the one with
/// the most samples, the more specific on a tie), and its index in `keys`.
pub(crate) fn fallback_quantile(keys: &[(&[f64], bool)], p: f64) -> Option<(f64, usize)> {
    let chosen = keys
        .iter()
        .position(|(samples, _)| samples.len() >= MIN_SAMPLES)
        .or_else(|| {
            let most = keys.iter().map(|(samples, _)| samples.len()).max()?;
            keys.iter()
                .position(|(samples, _)| samples.len() == most && most > 0)
        })?;
    let (samples, sorted) = keys.get(chosen)?;
    let value = if *sorted {
        quantile_sorted(samples, p)?
    } else {
        quantile_unsorted(samples, p)?
    };
    Some((value, chosen))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsorted_quantile_equals_sorted() {
        let samples = [5.0, 1.0, 9.0, 3.0, 3.0, 7.5, 2.0];
        let mut sorted = samples.to_vec();
        sorted.sort_by(f64::total_cmp);
        for p in [0.0, 0.1, 0.25, 0.5, 0.77, 0.9, 1.0] {
            assert_eq!(
                quantile_unsorted(&samples, p),
                quantile_sorted(&sorted, p),
                "{p}"
            );
        }
        assert_eq!(quantile_unsorted(&[4.0], 0.9), Some(4.0));
        assert_eq!(quantile_unsorted(&[], 0.9), None);
    }

    #[test]
    fn cells_are_contiguous_by_kind() {
        let cells = Cells::new(vec![
            (cell(DayKind::Saturday, Season::Summer), 3.0),
            (cell(DayKind::Weekday, Season::Winter), 2.0),
            (cell(DayKind::Saturday, Season::Spring), 5.0),
            (cell(DayKind::Saturday, Season::Summer), 1.0),
            (cell(DayKind::SundayOrHoliday, Season::Autumn), 9.0),
        ]);
        assert_eq!(
            cells.kind_season(DayKind::Saturday, Season::Summer),
            &[1.0, 3.0]
        );
        assert_eq!(cells.kind(DayKind::Saturday), &[5.0, 1.0, 3.0]);
        assert_eq!(cells.all().len(), 5);
        assert!(cells
            .kind_season(DayKind::Weekday, Season::Summer)
            .is_empty());
    }

    #[test]
    fn falls_back_to_the_first_key_with_enough_samples() {
        let few = [1.0, 2.0];
        let enough = [1.0, 2.0, 3.0, 4.0];
        let keys = [(&few[..], true), (&enough[..], false), (&enough[..], false)];
        assert_eq!(fallback_quantile(&keys, 0.0), Some((1.0, 1)));
        let keys = [(&few[..], true), (&[][..], false)];
        assert_eq!(fallback_quantile(&keys, 1.0), Some((2.0, 0)));
        let keys: [(&[f64], bool); 2] = [(&[], true), (&[], false)];
        assert_eq!(fallback_quantile(&keys, 1.0), None);
    }
}
