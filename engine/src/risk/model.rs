//! Price models and seeded scenario generation.
//!
//! Two models, picked by the user ([`PriceModel`]):
//!
//! - **block bootstrap**: blocks of consecutive historical days, drawn from the same calendar
//!   month as the simulated day (± a window), so each scenario is made of real days with
//!   their real intraday shapes, spikes and day-to-day persistence within a block;
//! - **mean-reverting jump model** ([`JumpParams`]): log price = monthly level (with a random
//!   year-to-year offset) + AR(1) daily level with Poisson jumps + monthly intraday shape +
//!   intraday AR(1) noise, floored at 0.01 JPY/kWh. Calibrated on the history by
//!   [`JumpParams::calibrate`]; can produce days the history never saw.
//!
//! Determinism: scenario `k` draws from its own ChaCha8 stream (key from the seed, stream
//! number `k`), so it is the same whether 100 or 10,000 scenarios are generated, in any order
//! or on any thread. Draws are written out in `risk/random.rs` (Box–Muller normals,
//! Poisson by inversion) so that they depend on the seed alone.

use chrono::{Datelike, Days, NaiveDate, Weekday};

use super::history::{DailyPrices, SLOTS_PER_DAY};
use super::random::{scenario_rng, Draws};
use super::RiskError;

/// The JEPX price floor, JPY/kWh.
pub const PRICE_FLOOR: f64 = 0.01;

/// The price model the user picks.
///
/// ```
/// use voltlex_engine::risk::PriceModel;
///
/// let model = PriceModel::BlockBootstrap { block_days: 7, month_window: 0 };
/// assert!(matches!(model, PriceModel::BlockBootstrap { block_days: 7, .. }));
/// ```
// The jump model's parameters (4.7 kB of shapes) sit inline: a model is made once per run
// and never stored in bulk, and the issue's API names `MeanRevertingJump(JumpParams)`.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum PriceModel {
    /// Resample blocks of `block_days` consecutive historical days. A simulated day in
    /// calendar month `m` takes historical days of months within `month_window` of `m`
    /// (circularly: December neighbours January); 0 keeps the same calendar month, the
    /// default advice with several years of history. A block ends early when the history
    /// has a gap, leaves the eligible months, or the simulated month changes.
    BlockBootstrap {
        /// Days per block (≥ 1): 7 keeps weekly patterns and spells of high prices.
        block_days: usize,
        /// Months either side of the simulated day's month that may supply days.
        month_window: u32,
    },
    /// The calibrated mean-reverting jump model.
    MeanRevertingJump(JumpParams),
}

/// Parameters of the mean-reverting jump model, in natural logs of JPY/kWh.
///
/// Day `d` in month `m` of year `y`, slot `s`:
/// `ln p = level[m] + u_{y,m} + kind[k_d] + x_d + shape[m][s] + r_{d,s}` (`k_d` the
/// [`DayKind`]),, where `u ~ N(0, level_sd²)`
/// once per simulated month, `x_d = φ·x_{d−1} + σ·ε_d + Σ_{i ≤ N_d} J_i` with
/// `N_d ~ Poisson(λ)` and `J_i ~ N(jump_mean, jump_sd²)`, and `r` an AR(1) across the day's
/// slots (`intraday_phi`, `intraday_sigma`) centred to mean zero; `p ≥ 0.01`.
#[derive(Debug, Clone, PartialEq)]
pub struct JumpParams {
    /// Mean daily log-price per calendar month (index 0 = January).
    pub monthly_level: [f64; 12],
    /// Standard deviation of a year-month's mean log-price around its calendar month's.
    pub monthly_level_sd: f64,
    /// Mean deviation of each slot's log-price from its day's mean, per calendar month.
    pub slot_shape: [[f64; SLOTS_PER_DAY]; 12],
    /// Mean log-level offset of a day kind from its month: weekday, Saturday, Sunday or
    /// national holiday (index by [`DayKind`]).
    pub day_kind_offset: [f64; 3],
    /// AR(1) coefficient of the daily level.
    pub phi: f64,
    /// Standard deviation of the daily level's non-jump innovations.
    pub sigma: f64,
    /// Expected jumps per day.
    pub jump_intensity: f64,
    /// Mean jump size (log).
    pub jump_mean: f64,
    /// Standard deviation of jump sizes (log).
    pub jump_sd: f64,
    /// AR(1) coefficient of slot-to-slot deviations from the shape.
    pub intraday_phi: f64,
    /// Standard deviation of their innovations.
    pub intraday_sigma: f64,
    /// Complete days per calendar month that the calibration used (0: the month's level and
    /// shape are the average of the other months').
    pub days_per_month: [usize; 12],
    /// Pairs of consecutive days the AR(1) was fitted on (jumps included).
    pub day_pairs: usize,
    /// Jumps detected.
    pub jumps: usize,
}

/// The kind of a day for price levels: Japanese demand drops on Saturdays, more on Sundays
/// and national holidays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DayKind {
    /// Monday to Friday, not a holiday.
    Weekday = 0,
    /// Saturday, not a holiday.
    Saturday = 1,
    /// Sunday or national holiday.
    SundayOrHoliday = 2,
}

impl DayKind {
    /// The kind of a date (national holidays from `voltlex_dsl::calendar::japan`).
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use voltlex_engine::risk::model::DayKind;
    ///
    /// let holiday = NaiveDate::from_ymd_opt(2024, 5, 6).unwrap(); // substitute holiday
    /// assert_eq!(DayKind::of(holiday), DayKind::SundayOrHoliday);
    /// ```
    pub fn of(date: NaiveDate) -> DayKind {
        if date.weekday() == Weekday::Sun
            || voltlex_dsl::calendar::japan::holiday_name(date).is_some()
        {
            DayKind::SundayOrHoliday
        } else if date.weekday() == Weekday::Sat {
            DayKind::Saturday
        } else {
            DayKind::Weekday
        }
    }
}

/// A residual beyond this many standard deviations is a jump.
pub const JUMP_THRESHOLD_SIGMAS: f64 = 3.0;

impl JumpParams {
    /// Calibrate on a history (see `docs/risk.md`, "Calibration"):
    ///
    /// 1. per day, logs of prices floored at 0.01, their mean `x_d` and deviations;
    /// 2. the intraday shape = mean deviation per slot per calendar month; the level of each
    ///    year-month = mean of its `x_d`; a calendar month's level = mean of its year-months;
    ///    `monthly_level_sd` = their spread (degrees of freedom per calendar month);
    /// 3. day-kind offsets = mean of `x_d − level(year-month)` per [`DayKind`]; AR(1) by
    ///    least squares (through the origin) on `y_d = x_d − level(year-month) − kind(d)`
    ///    over consecutive days of the same year-month; residuals further than 3 robust
    ///    standard deviations (1.4826 × MAD) from their median are jumps; φ and σ are
    ///    refitted without them; λ = jumps / pairs, jump mean and sd of those residuals;
    /// 4. the intraday AR(1) on the slot residuals, pooled.
    ///
    /// # Errors
    ///
    /// [`RiskError::NotEnoughHistory`] with fewer than 30 pairs of consecutive days in a
    /// month, or a fitted φ outside (−1, 1).
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use voltlex_engine::risk::{DailyPrices, JumpParams};
    ///
    /// let first = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
    /// let days = (0..60)
    ///     .map(|d| {
    ///         let level = 10.0 + ((d * 7919) % 13) as f64;
    ///         (first + chrono::Duration::days(d), vec![level; 48])
    ///     })
    ///     .collect();
    /// let params = JumpParams::calibrate(&DailyPrices::from_days(days).unwrap()).unwrap();
    /// assert!(params.phi.abs() < 1.0 && params.sigma > 0.0);
    /// assert_eq!(params.days_per_month[0], 31);
    /// ```
    pub fn calibrate(history: &DailyPrices) -> Result<JumpParams, RiskError> {
        let days = history.len();
        let mut day_mean = Vec::with_capacity(days);
        let mut deviations = Vec::with_capacity(days * SLOTS_PER_DAY);
        for (_, prices) in history.iter() {
            let start = deviations.len();
            deviations.extend(prices.iter().map(|&p| p.max(PRICE_FLOOR).ln()));
            let logs = deviations.get_mut(start..).unwrap_or_default();
            let mean = logs.iter().sum::<f64>() / SLOTS_PER_DAY as f64;
            logs.iter_mut().for_each(|l| *l -= mean);
            day_mean.push(mean);
        }

        // Shapes and levels per calendar month; year-month groups in date order.
        let mut shape = [[0.0; SLOTS_PER_DAY]; 12];
        let mut days_per_month = [0usize; 12];
        let mut groups: Vec<(i32, u32, f64, usize)> = Vec::new();
        for ((date, _), (&mean, deviation)) in history
            .iter()
            .zip(day_mean.iter().zip(deviations.chunks_exact(SLOTS_PER_DAY)))
        {
            let month = month_index(date);
            if let (Some(sums), Some(count)) = (shape.get_mut(month), days_per_month.get_mut(month))
            {
                sums.iter_mut().zip(deviation).for_each(|(s, d)| *s += d);
                *count += 1;
            }
            match groups.last_mut() {
                Some(group) if (group.0, group.1) == (date.year(), date.month()) => {
                    group.2 += mean;
                    group.3 += 1;
                }
                _ => groups.push((date.year(), date.month(), mean, 1)),
            }
        }
        let mut level = [0.0; 12];
        let mut groups_per_month = [0usize; 12];
        for &(_, month, sum, count) in &groups {
            let index = (month as usize).saturating_sub(1);
            if let (Some(l), Some(g)) = (level.get_mut(index), groups_per_month.get_mut(index)) {
                *l += sum / count as f64;
                *g += 1;
            }
        }
        let present = groups_per_month.iter().filter(|&&g| g > 0).count();
        if present == 0 {
            return Err(RiskError::NotEnoughHistory {
                what: "no complete day to calibrate on".to_string(),
            });
        }
        for ((sums, &count), (l, &g)) in shape
            .iter_mut()
            .zip(&days_per_month)
            .zip(level.iter_mut().zip(&groups_per_month))
        {
            if count > 0 {
                sums.iter_mut().for_each(|s| *s /= count as f64);
                *l /= g as f64;
            }
        }
        // Months without data take the average of the others.
        let mut pooled_shape = [0.0; SLOTS_PER_DAY];
        let mut pooled_level = 0.0;
        for ((sums, &count), &l) in shape.iter().zip(&days_per_month).zip(&level) {
            if count > 0 {
                pooled_shape
                    .iter_mut()
                    .zip(sums)
                    .for_each(|(p, s)| *p += s / present as f64);
                pooled_level += l / present as f64;
            }
        }
        for ((sums, &count), l) in shape.iter_mut().zip(&days_per_month).zip(level.iter_mut()) {
            if count == 0 {
                *sums = pooled_shape;
                *l = pooled_level;
            }
        }
        let spread: f64 = groups
            .iter()
            .map(|&(_, month, sum, count)| {
                let mean_of_month = level.get((month as usize).saturating_sub(1)).copied();
                (sum / count as f64 - mean_of_month.unwrap_or(0.0)).powi(2)
            })
            .sum();
        let degrees = groups.len().saturating_sub(present);
        let monthly_level_sd = if degrees > 0 {
            (spread / degrees as f64).sqrt()
        } else {
            0.0
        };

        // Daily level deviations and the pairs of consecutive days in one year-month.
        let mut deviation_of_day = Vec::with_capacity(days);
        {
            let mut group = groups.iter();
            let mut current = group.next();
            for ((date, _), &mean) in history.iter().zip(&day_mean) {
                while let Some(&(year, month, _, _)) = current {
                    if (year, month) == (date.year(), date.month()) {
                        break;
                    }
                    current = group.next();
                }
                let group_level = current.map_or(mean, |&(_, _, sum, count)| sum / count as f64);
                deviation_of_day.push(mean - group_level);
            }
        }
        let mut kind_sums = [(0.0, 0usize); 3];
        for (&date, &deviation) in history.dates().iter().zip(&deviation_of_day) {
            if let Some((sum, count)) = kind_sums.get_mut(DayKind::of(date) as usize) {
                *sum += deviation;
                *count += 1;
            }
        }
        let day_kind_offset = kind_sums.map(|(sum, count)| sum / count.max(1) as f64);
        for (&date, deviation) in history.dates().iter().zip(deviation_of_day.iter_mut()) {
            *deviation -= day_kind_offset
                .get(DayKind::of(date) as usize)
                .copied()
                .unwrap_or(0.0);
        }
        let mut pairs: Vec<(f64, f64)> = Vec::new();
        for ((pair_dates, pair_values), _) in history
            .dates()
            .windows(2)
            .zip(deviation_of_day.windows(2))
            .zip(0..)
        {
            if let ([before, after], [x0, x1]) = (pair_dates, pair_values) {
                if before.succ_opt() == Some(*after) && before.month() == after.month() {
                    pairs.push((*x0, *x1));
                }
            }
        }
        if pairs.len() < 30 {
            return Err(RiskError::NotEnoughHistory {
                what: format!(
                    "{} pairs of consecutive days within a month; the AR(1) fit needs 30",
                    pairs.len()
                ),
            });
        }
        // A first fit on all pairs; its residuals' robust scale (1.4826 × median absolute
        // deviation, σ for normal residuals, unmoved by the spikes themselves) sets the jump
        // threshold; φ and σ are then refitted on the pairs that are not jumps.
        let fit = |keep: &dyn Fn(usize) -> bool| {
            let (mut xy, mut xx) = (0.0, 0.0);
            for (index, &(x0, x1)) in pairs.iter().enumerate() {
                if keep(index) {
                    xy += x0 * x1;
                    xx += x0 * x0;
                }
            }
            if xx > 0.0 {
                xy / xx
            } else {
                0.0
            }
        };
        let first_phi = fit(&|_| true);
        let mut absolute: Vec<f64> = pairs.iter().map(|&(x0, x1)| x1 - first_phi * x0).collect();
        let centre = median(&mut absolute.clone());
        absolute.iter_mut().for_each(|r| *r = (*r - centre).abs());
        let robust_sigma = 1.4826 * median(&mut absolute.clone());
        let is_jump: Vec<bool> = absolute
            .iter()
            .map(|&r| r > JUMP_THRESHOLD_SIGMAS * robust_sigma)
            .collect();
        let keep = |index: usize| !is_jump.get(index).copied().unwrap_or(false);
        let phi = fit(&keep);
        let (squares, kept) = pairs
            .iter()
            .enumerate()
            .filter(|&(index, _)| keep(index))
            .fold((0.0, 0usize), |(sum, n), (_, &(x0, x1))| {
                (sum + (x1 - phi * x0).powi(2), n + 1)
            });
        let sigma = (squares / kept.saturating_sub(1).max(1) as f64).sqrt();
        if phi.is_nan() || phi.abs() >= 1.0 {
            return Err(RiskError::NotEnoughHistory {
                what: format!("the daily level is not mean-reverting (φ = {phi})"),
            });
        }
        let sizes: Vec<f64> = pairs
            .iter()
            .zip(&is_jump)
            .filter(|(_, &jump)| jump)
            .map(|(&(x0, x1), _)| x1 - phi * x0)
            .collect();
        let (jump_mean, jump_sd) = mean_and_sd(&sizes);

        // Intraday AR(1) on residuals from the shape: one pass for φ, one for innovations.
        let residual_days = || {
            history
                .iter()
                .zip(deviations.chunks_exact(SLOTS_PER_DAY))
                .map(|((date, _), deviation)| {
                    let month_shape = shape.get(month_index(date)).unwrap_or(&pooled_shape);
                    let mut residuals = [0.0; SLOTS_PER_DAY];
                    for ((r, d), s) in residuals.iter_mut().zip(deviation).zip(month_shape) {
                        *r = d - s;
                    }
                    residuals
                })
        };
        let (mut xy, mut xx) = (0.0, 0.0);
        for residuals in residual_days() {
            for pair in residuals.windows(2) {
                if let [r0, r1] = pair {
                    xy += r0 * r1;
                    xx += r0 * r0;
                }
            }
        }
        let intraday_phi = if xx > 0.0 { xy / xx } else { 0.0 }.clamp(-0.999, 0.999);
        let mut innovations = Vec::with_capacity(days * (SLOTS_PER_DAY - 1));
        for residuals in residual_days() {
            for pair in residuals.windows(2) {
                if let [r0, r1] = pair {
                    innovations.push(r1 - intraday_phi * r0);
                }
            }
        }
        let (_, intraday_sigma) = mean_and_sd(&innovations);

        Ok(JumpParams {
            monthly_level: level,
            monthly_level_sd,
            slot_shape: shape,
            phi,
            sigma,
            jump_intensity: sizes.len() as f64 / pairs.len() as f64,
            jump_mean,
            jump_sd,
            intraday_phi,
            intraday_sigma,
            days_per_month,
            day_kind_offset,
            day_pairs: pairs.len(),
            jumps: sizes.len(),
        })
    }
}

/// The median (sorts the slice; 0 for an empty one).
fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let middle = values.len() / 2;
    match (values.get(middle.wrapping_sub(1)), values.get(middle)) {
        (Some(a), Some(b)) if values.len().is_multiple_of(2) => (a + b) / 2.0,
        (_, Some(b)) => *b,
        _ => 0.0,
    }
}

/// Mean and standard deviation (n − 1); zeros for an empty sample, sd 0 for one value.
fn mean_and_sd(values: &[f64]) -> (f64, f64) {
    if values.is_empty() {
        return (0.0, 0.0);
    }
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    if values.len() < 2 {
        return (mean, 0.0);
    }
    let variance = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, variance.sqrt())
}

/// 0-based calendar month of a date.
fn month_index(date: NaiveDate) -> usize {
    date.month0() as usize
}

/// Generated price scenarios: `scenarios × days × 48` prices (JPY/kWh) in one flat vector,
/// scenario-major, with the seed that made them.
///
/// ```
/// use chrono::NaiveDate;
/// use voltlex_engine::risk::{generate, DailyPrices, PriceModel};
///
/// let first = NaiveDate::from_ymd_opt(2024, 3, 1).unwrap();
/// let days = (0..31).map(|d| (first + chrono::Duration::days(d), vec![8.0 + d as f64; 48]));
/// let history = DailyPrices::from_days(days.collect()).unwrap();
/// let model = PriceModel::BlockBootstrap { block_days: 7, month_window: 0 };
/// let scenarios = generate(&model, &history, first, 2, 3, 9).unwrap();
/// assert_eq!((scenarios.scenarios(), scenarios.days(), scenarios.prices().len()), (3, 2, 288));
/// assert_eq!(scenarios.day(2, 1).unwrap(), &scenarios.scenario(2).unwrap()[48..]);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct PriceScenarios {
    seed: u64,
    first_day: NaiveDate,
    days: usize,
    scenarios: usize,
    prices: Vec<f64>,
}

impl PriceScenarios {
    /// Scenarios from their parts (`prices.len() = scenarios × days × 48`).
    pub(crate) fn from_parts(
        seed: u64,
        first_day: NaiveDate,
        days: usize,
        scenarios: usize,
        prices: Vec<f64>,
    ) -> PriceScenarios {
        PriceScenarios {
            seed,
            first_day,
            days,
            scenarios,
            prices,
        }
    }

    /// The seed (report it with every result).
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The first simulated day.
    pub fn first_day(&self) -> NaiveDate {
        self.first_day
    }

    /// Days per scenario.
    pub fn days(&self) -> usize {
        self.days
    }

    /// Number of scenarios.
    pub fn scenarios(&self) -> usize {
        self.scenarios
    }

    /// All prices: index `(scenario × days + day) × 48 + slot`.
    pub fn prices(&self) -> &[f64] {
        &self.prices
    }

    /// The prices of one scenario (`days × 48`).
    pub fn scenario(&self, scenario: usize) -> Option<&[f64]> {
        let length = self.days.checked_mul(SLOTS_PER_DAY)?;
        let start = scenario.checked_mul(length)?;
        self.prices.get(start..start.checked_add(length)?)
    }

    /// The 48 prices of one day of one scenario.
    pub fn day(&self, scenario: usize, day: usize) -> Option<&[f64]> {
        if day >= self.days {
            return None;
        }
        let start = scenario
            .checked_mul(self.days)?
            .checked_add(day)?
            .checked_mul(SLOTS_PER_DAY)?;
        self.prices.get(start..start.checked_add(SLOTS_PER_DAY)?)
    }
}

/// A calendar fact about one simulated day, computed once per generation.
#[derive(Debug, Clone, Copy)]
struct SimulatedDay {
    /// 0-based calendar month.
    month: usize,
    /// Its day kind.
    kind: DayKind,
    /// The first simulated day of its year-month.
    starts_month: bool,
}

/// Generates one scenario at a time into a caller's buffer (for streaming many scenarios
/// without storing them all); [`generate`] is built on it.
///
/// ```
/// use chrono::NaiveDate;
/// use voltlex_engine::risk::{DailyPrices, PriceModel, ScenarioGenerator};
///
/// let first = NaiveDate::from_ymd_opt(2024, 6, 1).unwrap();
/// let days = (0..30).map(|d| (first + chrono::Duration::days(d), vec![d as f64 + 1.0; 48]));
/// let history = DailyPrices::from_days(days.collect()).unwrap();
/// let model = PriceModel::BlockBootstrap { block_days: 3, month_window: 0 };
/// let mut generator = ScenarioGenerator::new(&model, &history, first, 10).unwrap();
/// let mut buffer = vec![0.0; generator.values_per_scenario()];
/// generator.fill(7, 0, &mut buffer).unwrap();
/// // Every simulated day is a whole historical day.
/// assert!(buffer.chunks(48).all(|day| day.iter().all(|&p| p == day[0])));
/// ```
#[derive(Debug, Clone)]
pub struct ScenarioGenerator<'a> {
    model: &'a PriceModel,
    history: &'a DailyPrices,
    calendar: Vec<SimulatedDay>,
    /// Bootstrap: per calendar month, the historical days it may draw.
    eligible: Vec<Vec<usize>>,
    /// Bootstrap: per historical day, whether the next one is the next calendar day.
    continues: Vec<bool>,
    residuals: [f64; SLOTS_PER_DAY],
}

impl<'a> ScenarioGenerator<'a> {
    /// Prepare generation of `days` days from `first_day`.
    ///
    /// # Errors
    ///
    /// [`RiskError::InvalidParameter`] for zero block days or a horizon past the calendar;
    /// [`RiskError::NotEnoughHistory`] when the bootstrap has no historical day for a
    /// simulated month.
    pub fn new(
        model: &'a PriceModel,
        history: &'a DailyPrices,
        first_day: NaiveDate,
        days: usize,
    ) -> Result<ScenarioGenerator<'a>, RiskError> {
        let mut calendar = Vec::with_capacity(days);
        let mut previous: Option<(i32, u32)> = None;
        for day in 0..days {
            let date = first_day.checked_add_days(Days::new(day as u64)).ok_or(
                RiskError::InvalidParameter {
                    name: "days",
                    value: days as f64,
                },
            )?;
            let key = (date.year(), date.month());
            calendar.push(SimulatedDay {
                month: month_index(date),
                kind: DayKind::of(date),
                starts_month: previous != Some(key),
            });
            previous = Some(key);
        }
        let mut eligible = vec![Vec::new(); 12];
        let mut continues = Vec::new();
        if let PriceModel::BlockBootstrap {
            block_days,
            month_window,
        } = model
        {
            if *block_days == 0 {
                return Err(RiskError::InvalidParameter {
                    name: "block_days",
                    value: 0.0,
                });
            }
            for (target, list) in eligible.iter_mut().enumerate() {
                list.extend(
                    history
                        .dates()
                        .iter()
                        .enumerate()
                        .filter(|(_, date)| {
                            month_distance(month_index(**date), target) <= *month_window as usize
                        })
                        .map(|(index, _)| index),
                );
            }
            for simulated in &calendar {
                if eligible.get(simulated.month).is_none_or(Vec::is_empty) {
                    return Err(RiskError::NotEnoughHistory {
                        what: format!(
                            "no historical day within {month_window} month(s) of month {} to \
                             bootstrap from",
                            simulated.month + 1
                        ),
                    });
                }
            }
            continues = history
                .dates()
                .windows(2)
                .map(|pair| matches!(pair, [a, b] if a.succ_opt() == Some(*b)))
                .collect();
        }
        Ok(ScenarioGenerator {
            model,
            history,
            calendar,
            eligible,
            continues,
            residuals: [0.0; SLOTS_PER_DAY],
        })
    }

    /// Prices per scenario (`days × 48`).
    pub fn values_per_scenario(&self) -> usize {
        self.calendar.len() * SLOTS_PER_DAY
    }

    /// Write scenario `scenario` under `seed` into `out` (`days × 48` values).
    ///
    /// # Errors
    ///
    /// [`RiskError::LengthMismatch`] when `out` has the wrong length.
    pub fn fill(&mut self, seed: u64, scenario: usize, out: &mut [f64]) -> Result<(), RiskError> {
        if out.len() != self.values_per_scenario() {
            return Err(RiskError::LengthMismatch {
                field: "scenario buffer",
                expected: self.values_per_scenario(),
                found: out.len(),
            });
        }
        let mut draws = Draws::new(scenario_rng(seed, scenario));
        match self.model {
            PriceModel::BlockBootstrap {
                block_days,
                month_window,
            } => self.bootstrap(&mut draws, *block_days, *month_window as usize, out),
            PriceModel::MeanRevertingJump(params) => self.jump_model(&mut draws, params, out),
        }
        Ok(())
    }

    fn bootstrap<R: rand::RngCore>(
        &self,
        draws: &mut Draws<R>,
        block_days: usize,
        month_window: usize,
        out: &mut [f64],
    ) {
        let dates = self.history.dates();
        let mut current: Option<usize> = None;
        let mut left_in_block = 0usize;
        for (simulated, slots) in self
            .calendar
            .iter()
            .zip(out.chunks_exact_mut(SLOTS_PER_DAY))
        {
            let next = current.filter(|_| left_in_block > 0 && !simulated.starts_month);
            let next = next.and_then(|index| {
                let follows = self.continues.get(index).copied().unwrap_or(false);
                let next_date = dates.get(index + 1)?;
                (follows
                    && month_distance(month_index(*next_date), simulated.month) <= month_window)
                    .then_some(index + 1)
            });
            let index = match next {
                Some(index) => index,
                None => {
                    left_in_block = block_days;
                    let pool = self
                        .eligible
                        .get(simulated.month)
                        .map_or(&[][..], Vec::as_slice);
                    pool.get(draws.index(pool.len())).copied().unwrap_or(0)
                }
            };
            left_in_block = left_in_block.saturating_sub(1);
            current = Some(index);
            if let Some(prices) = self.history.day(index) {
                slots.copy_from_slice(prices);
            }
        }
    }

    fn jump_model<R: rand::RngCore>(
        &mut self,
        draws: &mut Draws<R>,
        params: &JumpParams,
        out: &mut [f64],
    ) {
        let phi = params.phi;
        let stationary_sd = params.sigma / (1.0 - phi * phi).max(1e-12).sqrt();
        let intraday_start_sd = params.intraday_sigma
            / (1.0 - params.intraday_phi * params.intraday_phi)
                .max(1e-12)
                .sqrt();
        let mut daily = stationary_sd * draws.normal();
        let mut month_offset = 0.0;
        for (day, (simulated, slots)) in self
            .calendar
            .iter()
            .zip(out.chunks_exact_mut(SLOTS_PER_DAY))
            .enumerate()
        {
            if simulated.starts_month {
                month_offset = params.monthly_level_sd * draws.normal();
            }
            if day > 0 {
                daily = phi * daily + params.sigma * draws.normal();
                for _ in 0..draws.poisson(params.jump_intensity) {
                    daily += params.jump_mean + params.jump_sd * draws.normal();
                }
            }
            let mut residual = intraday_start_sd * draws.normal();
            let mut sum = 0.0;
            for (slot, r) in self.residuals.iter_mut().enumerate() {
                if slot > 0 {
                    residual =
                        params.intraday_phi * residual + params.intraday_sigma * draws.normal();
                }
                *r = residual;
                sum += residual;
            }
            let centre = sum / SLOTS_PER_DAY as f64;
            let level = params
                .monthly_level
                .get(simulated.month)
                .copied()
                .unwrap_or(0.0)
                + month_offset
                + params
                    .day_kind_offset
                    .get(simulated.kind as usize)
                    .copied()
                    .unwrap_or(0.0)
                + daily
                - centre;
            let shape = params.slot_shape.get(simulated.month);
            for (slot, (price, r)) in slots.iter_mut().zip(&self.residuals).enumerate() {
                let shape = shape.and_then(|s| s.get(slot)).copied().unwrap_or(0.0);
                *price = (level + shape + r).exp().max(PRICE_FLOOR);
            }
        }
    }
}

/// Circular distance between two 0-based months.
fn month_distance(a: usize, b: usize) -> usize {
    let d = a.abs_diff(b) % 12;
    d.min(12 - d)
}

/// Generate `scenarios` price paths of `days` days from `first_day` under `seed`.
///
/// # Errors
///
/// As [`ScenarioGenerator::new`]; [`RiskError::InvalidParameter`] when the number of prices
/// overflows `usize` (stream larger runs with [`ScenarioGenerator`]).
///
/// ```
/// use chrono::NaiveDate;
/// use voltlex_engine::risk::{generate, DailyPrices, PriceModel};
///
/// let first = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
/// let days = (0..31).map(|d| (first + chrono::Duration::days(d), vec![d as f64; 48]));
/// let history = DailyPrices::from_days(days.collect()).unwrap();
/// let model = PriceModel::BlockBootstrap { block_days: 7, month_window: 0 };
/// let a = generate(&model, &history, first, 31, 100, 2024).unwrap();
/// let b = generate(&model, &history, first, 31, 10, 2024).unwrap();
/// assert_eq!(a.seed(), 2024);
/// // Scenario 3 is the same whether 10 or 100 are generated.
/// assert_eq!(a.scenario(3), b.scenario(3));
/// ```
pub fn generate(
    model: &PriceModel,
    history: &DailyPrices,
    first_day: NaiveDate,
    days: usize,
    scenarios: usize,
    seed: u64,
) -> Result<PriceScenarios, RiskError> {
    let mut generator = ScenarioGenerator::new(model, history, first_day, days)?;
    let per_scenario = generator.values_per_scenario();
    let total = per_scenario
        .checked_mul(scenarios)
        .ok_or(RiskError::InvalidParameter {
            name: "scenarios",
            value: scenarios as f64,
        })?;
    let mut prices = vec![0.0; total];
    if per_scenario > 0 {
        for (scenario, out) in prices.chunks_exact_mut(per_scenario).enumerate() {
            generator.fill(seed, scenario, out)?;
        }
    }
    Ok(PriceScenarios {
        seed,
        first_day,
        days,
        scenarios,
        prices,
    })
}
