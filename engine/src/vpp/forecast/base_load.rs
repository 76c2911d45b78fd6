//! Per-site base load (the site's consumption without the fleet) per 30-minute slot, as a
//! quantile at the plan's confidence.
//!
//! [`BaseLoadModel::fit`] turns the metered profile into 30-minute average kW (15-minute
//! intervals are paired, 60-minute ones split in two) and keeps the samples of every slot of
//! the day (0 = 00:00–00:30 … 47) under its [`DayKind`] (Japanese national holidays count
//! as Sundays) and [`Season`], sorted once. [`BaseLoadModel::predict`] reads the `p`-quantile
//! (type 7, [`quantile_sorted`]) per slot: at `p = 0.9` the load stays below the forecast in
//! about 9 slots out of 10, the side a plan under an import cap needs. With fewer than
//! [`MIN_SAMPLES`] samples the slot falls back to its day kind over all seasons, then to all
//! days ([`Level::SiteDayKindSeason`], [`Level::SiteDayKind`], [`Level::Site`]).

use chrono::{Duration, NaiveDate, NaiveDateTime, Timelike};

use super::{
    cell, check_confidence, fallback_quantile, Cells, DayKind, ForecastError, Level, Season,
};
use crate::inputs::LoadProfile;

#[cfg(doc)]
use super::{quantile_sorted, MIN_SAMPLES};

/// Slots of a day.
const SLOTS: usize = 48;
/// The shortest profile [`BaseLoadModel::fit`] accepts, days (every day kind at least once).
const MIN_DAYS: usize = 7;

/// Base-load quantiles per day kind, season and 30-minute slot of the day.
///
/// ```
/// use chrono::NaiveDate;
/// use voltlex_engine::vpp::forecast::{synthetic, BaseLoadModel};
/// let first = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
/// let load = synthetic::base_load(200.0, first, 120, 1);
/// let model = BaseLoadModel::fit(&load).unwrap();
/// let noon = NaiveDate::from_ymd_opt(2024, 5, 8).unwrap().and_hms_opt(12, 0, 0).unwrap();
/// let plan = model.predict(noon, 48, 0.9); // noon to noon
/// assert_eq!(plan.len(), 48);
/// assert!(plan[4] > plan[30]); // 14:00 on a Wednesday above 03:00 on the Thursday
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct BaseLoadModel {
    /// Per slot of the day: kW samples by day kind and season.
    slots: Vec<Cells>,
    /// Start of the first 30-minute slot fitted on.
    first: NaiveDateTime,
    /// Slots fitted on.
    count: usize,
}

impl BaseLoadModel {
    /// Learns from a 15-, 30- or 60-minute profile (at least 7 days). A 15-minute profile
    /// starting at :15 or :45 loses its first interval, and a last unpaired one is dropped.
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use voltlex_engine::inputs::LoadProfile;
    /// use voltlex_engine::vpp::forecast::{BaseLoadModel, ForecastError};
    /// let start = NaiveDate::from_ymd_opt(2024, 4, 1).unwrap().and_hms_opt(0, 0, 0).unwrap();
    /// let hourly = LoadProfile { start, interval_minutes: 60, kwh: vec![50.0; 24 * 7] };
    /// let model = BaseLoadModel::fit(&hourly).unwrap();
    /// assert_eq!(model.slots_fitted(), 48 * 7);
    /// assert_eq!(model.predict(start, 1, 0.9), vec![50.0]);
    ///
    /// let short = LoadProfile { start, interval_minutes: 30, kwh: vec![10.0; 48] };
    /// assert!(matches!(BaseLoadModel::fit(&short), Err(ForecastError::TooShort { .. })));
    /// ```
    ///
    /// # Errors
    ///
    /// [`ForecastError::Interval`] for another interval length, [`ForecastError::OffGrid`]
    /// for a first interval off the 15-minute grid, [`ForecastError::Value`] for an energy that is negative or not a
    /// number, [`ForecastError::TooShort`] for less than 7 days.
    pub fn fit(profile: &LoadProfile) -> Result<BaseLoadModel, ForecastError> {
        let (first, kw) = half_hours(profile)?;
        BaseLoadModel::from_half_hours(first, &kw)
    }

    fn from_half_hours(first: NaiveDateTime, kw: &[f64]) -> Result<BaseLoadModel, ForecastError> {
        let days = kw.len() / SLOTS;
        if days < MIN_DAYS {
            return Err(ForecastError::TooShort {
                expected: MIN_DAYS,
                found: kw.len() as f64 / SLOTS as f64,
            });
        }
        let mut per_slot: Vec<Vec<(usize, f64)>> =
            (0..SLOTS).map(|_| Vec::with_capacity(days + 1)).collect();
        let mut at = first;
        let mut day = (
            first.date(),
            DayKind::of(first.date()),
            Season::of(first.date()),
        );
        for &value in kw {
            if at.date() != day.0 {
                day = (at.date(), DayKind::of(at.date()), Season::of(at.date()));
            }
            if let Some(list) = per_slot.get_mut(slot_of_day(at)) {
                list.push((cell(day.1, day.2), value));
            }
            at += Duration::minutes(30);
        }
        Ok(BaseLoadModel {
            slots: per_slot.into_iter().map(Cells::new).collect(),
            first,
            count: kw.len(),
        })
    }

    /// kW per 30-minute slot for `slots` slots from the slot holding `start` (a plan from
    /// noon runs `predict(noon, 48, p)`): the `confidence`-quantile (clamped to [0, 1]; not
    /// a number gives NaN) of the slot of the day under the day's kind and season.
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use voltlex_engine::vpp::forecast::{synthetic, BaseLoadModel};
    /// let first = NaiveDate::from_ymd_opt(2024, 3, 1).unwrap();
    /// let model = BaseLoadModel::fit(&synthetic::base_load(100.0, first, 60, 4)).unwrap();
    /// let at = |d| NaiveDate::from_ymd_opt(2024, 5, d).unwrap().and_hms_opt(14, 0, 0).unwrap();
    /// let holiday = model.predict(at(3), 1, 0.5)[0]; // Constitution Memorial Day, a Friday
    /// let sunday = model.predict(at(5), 1, 0.5)[0];
    /// let thursday = model.predict(at(2), 1, 0.5)[0];
    /// assert_eq!(holiday, sunday);
    /// assert!(thursday > 1.5 * holiday);
    /// ```
    pub fn predict(&self, start: NaiveDateTime, slots: usize, confidence: f64) -> Vec<f64> {
        self.predict_with_levels(start, slots, confidence)
            .into_iter()
            .map(|(kw, _)| kw)
            .collect()
    }

    /// [`BaseLoadModel::predict`] with the key each slot was read from.
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use voltlex_engine::vpp::forecast::{synthetic, BaseLoadModel, Level};
    /// let first = NaiveDate::from_ymd_opt(2024, 3, 1).unwrap();
    /// let model = BaseLoadModel::fit(&synthetic::base_load(100.0, first, 60, 4)).unwrap();
    /// let at = |m, d| NaiveDate::from_ymd_opt(2024, m, d).unwrap().and_hms_opt(0, 0, 0).unwrap();
    /// let (_, level) = model.predict_with_levels(at(4, 10), 1, 0.9)[0];
    /// assert_eq!(level, Level::SiteDayKindSeason);
    /// let (_, level) = model.predict_with_levels(at(7, 10), 1, 0.9)[0]; // no summer data
    /// assert_eq!(level, Level::SiteDayKind);
    /// ```
    pub fn predict_with_levels(
        &self,
        start: NaiveDateTime,
        slots: usize,
        confidence: f64,
    ) -> Vec<(f64, Level)> {
        const LEVELS: [Level; 3] = [Level::SiteDayKindSeason, Level::SiteDayKind, Level::Site];
        let mut at = start
            - Duration::seconds(i64::from(start.num_seconds_from_midnight() % 1800))
            - Duration::nanoseconds(i64::from(start.nanosecond()));
        let mut out = Vec::with_capacity(slots);
        for _ in 0..slots {
            let date = at.date();
            let value = self.slots.get(slot_of_day(at)).and_then(|cells| {
                let (kw, index) = fallback_quantile(
                    &cells.levels(DayKind::of(date), Season::of(date)),
                    confidence,
                )?;
                Some((kw, *LEVELS.get(index)?))
            });
            out.push(value.unwrap_or((f64::NAN, Level::Site)));
            at += Duration::minutes(30);
        }
        out
    }

    /// Start of the first 30-minute slot fitted on.
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use voltlex_engine::vpp::forecast::{synthetic, BaseLoadModel};
    /// let first = NaiveDate::from_ymd_opt(2024, 3, 1).unwrap();
    /// let model = BaseLoadModel::fit(&synthetic::base_load(100.0, first, 10, 4)).unwrap();
    /// assert_eq!(model.first_slot(), first.and_hms_opt(0, 0, 0).unwrap());
    /// ```
    pub fn first_slot(&self) -> NaiveDateTime {
        self.first
    }

    /// 30-minute slots fitted on.
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use voltlex_engine::vpp::forecast::{synthetic, BaseLoadModel};
    /// let first = NaiveDate::from_ymd_opt(2024, 3, 1).unwrap();
    /// let model = BaseLoadModel::fit(&synthetic::base_load(100.0, first, 10, 4)).unwrap();
    /// assert_eq!(model.slots_fitted(), 480);
    /// ```
    pub fn slots_fitted(&self) -> usize {
        self.count
    }
}

/// Slot of the day (0–47) of a time.
fn slot_of_day(at: NaiveDateTime) -> usize {
    (at.num_seconds_from_midnight() / 1800) as usize
}

/// The profile as 30-minute average kW from the first slot start on the 30-minute grid.
fn half_hours(profile: &LoadProfile) -> Result<(NaiveDateTime, Vec<f64>), ForecastError> {
    for (index, kwh) in profile.kwh.iter().enumerate() {
        if !kwh.is_finite() || *kwh < 0.0 {
            return Err(ForecastError::Value {
                at: profile.interval_start(index),
                found: *kwh,
            });
        }
    }
    let on_grid = |at: NaiveDateTime| {
        at.nanosecond() == 0 && at.num_seconds_from_midnight().is_multiple_of(1800)
    };
    match profile.interval_minutes {
        30 | 60 if !on_grid(profile.start) => Err(ForecastError::OffGrid {
            start: profile.start,
        }),
        30 => Ok((
            profile.start,
            profile.kwh.iter().map(|kwh| kwh * 2.0).collect(),
        )),
        60 => Ok((
            profile.start,
            profile.kwh.iter().flat_map(|kwh| [*kwh, *kwh]).collect(),
        )),
        15 => {
            let skip = usize::from(!on_grid(profile.start));
            let start = profile.interval_start(skip);
            if !on_grid(start) {
                return Err(ForecastError::OffGrid {
                    start: profile.start,
                });
            }
            let kw = profile
                .kwh
                .get(skip..)
                .unwrap_or(&[])
                .chunks_exact(2)
                .map(|pair| pair.iter().sum::<f64>() * 2.0)
                .collect();
            Ok((start, kw))
        }
        found => Err(ForecastError::Interval { found }),
    }
}

/// How well the base-load forecast held on days it did not see.
///
/// Over every 30-minute slot of the held-out days: `mae_kw` and `mape` are the errors of the
/// median (`p = 0.5`) forecast, `coverage` the share of slots whose load stayed at or below
/// the `confidence` forecast. `naive_*` are the errors of the seasonal naive forecast (the
/// same slot one week earlier), the bar a model must clear.
///
/// ```
/// use chrono::NaiveDate;
/// use voltlex_engine::vpp::forecast::{backtest_base_load, synthetic};
/// let first = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
/// let load = synthetic::base_load(150.0, first, 90, 2);
/// let result = backtest_base_load(&load, 14, 0.9).unwrap();
/// assert_eq!((result.days, result.slots), (14, 14 * 48));
/// assert!(result.mape < 10.0 && result.mae_kw < result.naive_mae_kw);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct BaseLoadBacktest {
    /// Whole days held out.
    pub days: usize,
    /// First day held out.
    pub first_day: NaiveDate,
    /// Last day held out.
    pub last_day: NaiveDate,
    /// Slots scored (`days × 48`).
    pub slots: usize,
    /// The confidence tested.
    pub confidence: f64,
    /// Mean absolute percentage error of the median forecast, percent, over the slots with
    /// a load above 0 kW.
    pub mape: f64,
    /// Mean absolute error of the median forecast, kW.
    pub mae_kw: f64,
    /// Share of slots at or below the forecast at `confidence`.
    pub coverage: f64,
    /// Mean absolute percentage error of the same slot a week earlier, percent.
    pub naive_mape: f64,
    /// Mean absolute error of the same slot a week earlier, kW.
    pub naive_mae_kw: f64,
}

/// Fits on the profile before its last `holdout_days` whole days (midnight to midnight; a
/// partial last day is left out) and scores the forecast of every held-out slot (details:
/// [`BaseLoadBacktest`]).
///
/// ```
/// use chrono::NaiveDate;
/// use voltlex_engine::vpp::forecast::{backtest_base_load, synthetic};
/// let first = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
/// let load = synthetic::base_load(150.0, first, 30, 2);
/// let error = backtest_base_load(&load, 28, 0.9).unwrap_err();
/// assert_eq!(
///     error.to_string(),
///     "holdout: expected at most 23 whole days (the profile's 30 whole days from 2024-01-01, \
///      less 7 to fit on), found 28 days"
/// );
/// ```
///
/// # Errors
///
/// [`ForecastError::Confidence`] outside (0, 1); the errors of [`BaseLoadModel::fit`];
/// [`ForecastError::Holdout`] for no held-out day or fewer than 7 days left to fit on;
/// [`ForecastError::NothingToTest`] when every held-out slot is 0 kW.
pub fn backtest_base_load(
    profile: &LoadProfile,
    holdout_days: usize,
    confidence: f64,
) -> Result<BaseLoadBacktest, ForecastError> {
    let p = check_confidence(confidence)?;
    let (first, kw) = half_hours(profile)?;
    // Whole days: from the first midnight at or after `first` to the last midnight at or
    // before the end.
    let lead = (SLOTS - slot_of_day(first)) % SLOTS;
    let whole_days = kw.len().saturating_sub(lead) / SLOTS;
    let first_midnight = first + Duration::minutes(30 * lead as i64);
    if holdout_days == 0 {
        return Err(ForecastError::Holdout {
            expected: "at least 1 day".to_string(),
            found: "0 days".to_string(),
        });
    }
    if holdout_days + MIN_DAYS > whole_days {
        return Err(ForecastError::Holdout {
            expected: format!(
                "at most {} whole days (the profile's {whole_days} whole days from {}, less {MIN_DAYS} to fit on)",
                whole_days.saturating_sub(MIN_DAYS),
                first_midnight.date()
            ),
            found: format!("{holdout_days} days"),
        });
    }
    let training_slots = lead + (whole_days - holdout_days) * SLOTS;
    let model = BaseLoadModel::from_half_hours(first, kw.get(..training_slots).unwrap_or(&[]))?;
    let held = kw
        .get(training_slots..training_slots + holdout_days * SLOTS)
        .unwrap_or(&[]);
    let held_start = first + Duration::minutes(30 * training_slots as i64);
    let mut tally = Tally::default();
    for (day_index, actual) in held.chunks_exact(SLOTS).enumerate() {
        let day_start = held_start + Duration::days(day_index as i64);
        let cautious = model.predict(day_start, SLOTS, p);
        let median = model.predict(day_start, SLOTS, 0.5);
        for (slot, ((&actual, &high), &middle)) in
            actual.iter().zip(&cautious).zip(&median).enumerate()
        {
            let week_ago = (training_slots + day_index * SLOTS + slot)
                .checked_sub(7 * SLOTS)
                .and_then(|index| kw.get(index))
                .copied();
            tally.add(actual, high, middle, week_ago);
        }
    }
    if tally.positive == 0 {
        return Err(ForecastError::NothingToTest {
            from: held_start.date(),
            to: held_start.date() + Duration::days(holdout_days as i64 - 1),
            what: "slot with a load above 0 kW",
        });
    }
    let slots = holdout_days * SLOTS;
    Ok(BaseLoadBacktest {
        days: holdout_days,
        first_day: held_start.date(),
        last_day: held_start.date() + Duration::days(holdout_days as i64 - 1),
        slots,
        confidence: p,
        mape: 100.0 * tally.relative / tally.positive as f64,
        mae_kw: tally.absolute / slots as f64,
        coverage: tally.covered as f64 / slots as f64,
        naive_mape: 100.0 * tally.naive_relative / tally.positive as f64,
        naive_mae_kw: tally.naive_absolute / slots as f64,
    })
}

/// Sums over the held-out slots.
#[derive(Debug, Default)]
struct Tally {
    covered: usize,
    positive: usize,
    absolute: f64,
    relative: f64,
    naive_absolute: f64,
    naive_relative: f64,
}

impl Tally {
    fn add(&mut self, actual: f64, high: f64, median: f64, week_ago: Option<f64>) {
        self.covered += usize::from(actual <= high);
        self.absolute += (median - actual).abs();
        // The training data precede the holdout by 7 days or more, so a week ago exists.
        let naive = week_ago.unwrap_or(median);
        self.naive_absolute += (naive - actual).abs();
        if actual > 0.0 {
            self.positive += 1;
            self.relative += (median - actual).abs() / actual;
            self.naive_relative += (naive - actual).abs() / actual;
        }
    }
}
