//! Index-linked adjustments per kWh: fuel-cost adjustment, market-price adjustment.
//!
//! **Monthly** mode: the window is the months `[M − lag − (average − 1), M − lag]` for
//! billing month `M`. Unit price = share × (mean of the index over the window − baseline in
//! force on M's 1st), rounded by the adjustment's unit rounding if it has one; the line is
//! unit price × the month's kWh. For a monthly index every window month must have a value
//! (the mean is of the monthly values). For an interval index the mean is of every interval
//! value in the window months, and every interval must be there.
//!
//! **Per-interval** mode: Σ over the month's load intervals of kWh × share × (index value
//! − baseline), where the index value is the one whose interval contains the load
//! interval's start (so the index step may be longer or shorter than the load step). A
//! monthly index gives every interval its month's value. Lag and averaging window apply to
//! the monthly mode only.
//!
//! The line is rounded by the adjustment's own rounding, else the tariff's `each_line`.

use chrono::{Duration, NaiveDateTime, NaiveTime};
use rust_decimal::Decimal;
use voltlex_dsl::rules::{Adjustment, AdjustmentMode};

use super::context::MonthContext;
use super::error::BillingError;
use super::format;
use super::months::{start_of, DAY_MINUTES};
use super::types::{LineItem, LineKind};
use crate::inputs::{BillingInputs, IndexSeries};
use crate::month::YearMonth;
use std::collections::BTreeMap;

/// The month's load that per-interval adjustments price.
pub(crate) struct MonthLoad<'a> {
    /// The month's interval kWh (whole days).
    pub kwh: &'a [f64],
    /// Load interval length, minutes.
    pub interval_minutes: u32,
    /// The month's kWh as a 3-decimal quantity.
    pub energy: Decimal,
}

/// The index series an adjustment reads, checked to have a usable interval.
pub(crate) fn series<'i>(
    adjustment: &Adjustment,
    inputs: &'i BillingInputs,
) -> Result<&'i IndexSeries, BillingError> {
    let series =
        inputs
            .indices
            .get(&adjustment.index)
            .ok_or_else(|| BillingError::UnknownIndex {
                adjustment: adjustment.name.clone(),
                index: adjustment.index.clone(),
                rule: adjustment.origin.clone(),
                given: inputs.indices.keys().cloned().collect(),
            })?;
    if let IndexSeries::Interval {
        interval_minutes, ..
    } = series
    {
        if *interval_minutes == 0 || !DAY_MINUTES.is_multiple_of(*interval_minutes) {
            return Err(BillingError::IndexInterval {
                index: adjustment.index.clone(),
                minutes: *interval_minutes,
            });
        }
    }
    Ok(series)
}

/// The adjustment's baseline in force on the month's 1st.
pub(crate) fn baseline(
    ctx: &MonthContext<'_>,
    adjustment: &Adjustment,
) -> Result<Decimal, BillingError> {
    Ok(ctx
        .value(
            &adjustment.baseline,
            &format!("baseline of adjustment {}", adjustment.name),
            &adjustment.origin,
        )?
        .value)
}

/// A monthly-mode adjustment's unit price for the month.
pub(crate) struct MonthlyUnit {
    /// Mean of the index over the window.
    pub mean: Decimal,
    /// The window, described (`mean of tepco-fuel 2024-01..2024-03`).
    pub window: String,
    /// share × (mean − baseline), before the unit rounding.
    pub unit_raw: Decimal,
    /// The unit price billed per kWh (after the unit rounding).
    pub unit: Decimal,
}

/// The unit price of a monthly-mode adjustment: share × (window mean − baseline), rounded
/// by the adjustment's unit rounding.
pub(crate) fn monthly_unit(
    ctx: &MonthContext<'_>,
    adjustment: &Adjustment,
    series: &IndexSeries,
    baseline: Decimal,
) -> Result<MonthlyUnit, BillingError> {
    let item = format!("adjustment {}", adjustment.name);
    let (mean, window) = window_mean(ctx, adjustment, series)?;
    let movement = ctx.sub(mean, baseline, &item)?;
    let unit_raw = ctx.mul(adjustment.share, movement, &item)?;
    let unit = ctx.round(unit_raw, adjustment.unit_rounding, &item)?;
    Ok(MonthlyUnit {
        mean,
        window,
        unit_raw,
        unit,
    })
}

/// The line of one adjustment for the month.
pub(crate) fn line(
    ctx: &MonthContext<'_>,
    adjustment: &Adjustment,
    inputs: &BillingInputs,
    load: &MonthLoad<'_>,
) -> Result<LineItem, BillingError> {
    let series = series(adjustment, inputs)?;
    let baseline = baseline(ctx, adjustment)?;
    let item = format!("adjustment {}", adjustment.name);
    let currency = ctx.currency();
    let rounding = ctx.rounding(adjustment.rounding);
    match adjustment.mode {
        AdjustmentMode::Monthly => {
            let MonthlyUnit {
                mean,
                window,
                unit_raw,
                unit,
            } = monthly_unit(ctx, adjustment, series, baseline)?;
            let raw = ctx.mul(unit, load.energy, &item)?;
            let amount = ctx.round(raw, rounding, &item)?;
            let shown_mean = mean.round_dp(6);
            let calculation = format!(
                "{} × ({} [{}] − {} [baseline]) = {} {currency}/kWh{}; {} {currency}/kWh × {} kWh = {}{}",
                format::percent(adjustment.share),
                format::money(shown_mean),
                window,
                format::money(baseline),
                format::money(unit_raw.round_dp(6)),
                format::rounding(adjustment.unit_rounding, currency),
                format::money(unit),
                format::number(load.energy),
                format::money(raw),
                format::rounding(rounding, currency),
            );
            Ok(LineItem {
                item,
                kind: LineKind::Adjustment,
                quantity: Some(load.energy),
                unit: Some("kWh".to_string()),
                unit_price: Some(unit),
                amount,
                rule: adjustment.origin.clone(),
                calculation,
                informational: false,
            })
        }
        AdjustmentMode::PerInterval => {
            let (sum, intervals) = per_interval_sum(ctx, adjustment, series, baseline, load)?;
            let raw = ctx.mul(adjustment.share, sum, &item)?;
            let amount = ctx.round(raw, rounding, &item)?;
            let average = if load.energy.is_zero() {
                String::new()
            } else {
                format!(
                    " (average {} {currency}/kWh over {} kWh)",
                    format::money(ctx.div(raw, load.energy, &item)?.round_dp(4)),
                    format::number(load.energy)
                )
            };
            let calculation = format!(
                "{} × Σ kWh × (index {} − baseline {}) over {} intervals = {}{}{average}",
                format::percent(adjustment.share),
                adjustment.index,
                format::money(baseline),
                format::number(Decimal::from(intervals)),
                format::money(raw),
                format::rounding(rounding, currency),
            );
            Ok(LineItem {
                item,
                kind: LineKind::Adjustment,
                quantity: Some(load.energy),
                unit: Some("kWh".to_string()),
                unit_price: None,
                amount,
                rule: adjustment.origin.clone(),
                calculation,
                informational: false,
            })
        }
    }
}

/// Mean of the index over the adjustment's window, and the window described for the
/// calculation (`mean of tepco-fuel 2024-01..2024-03`).
fn window_mean(
    ctx: &MonthContext<'_>,
    adjustment: &Adjustment,
    series: &IndexSeries,
) -> Result<(Decimal, String), BillingError> {
    if adjustment.average_months == 0 {
        return Err(ctx.invalid(&adjustment.origin, "an average over 0 months".to_string()));
    }
    let last = ctx.month.minus(adjustment.lag_months);
    let first = last.minus(adjustment.average_months - 1);
    let what = format!("adjustment {}", adjustment.name);
    let mut sum = Decimal::ZERO;
    let mut count: u64 = 0;
    for offset in 0..adjustment.average_months {
        let month = first.plus(offset);
        match series {
            IndexSeries::Monthly(values) => {
                let value = values
                    .get(&month)
                    .ok_or_else(|| BillingError::MissingIndexMonth {
                        index: adjustment.index.clone(),
                        adjustment: adjustment.name.clone(),
                        index_month: month,
                        month: ctx.month,
                    })?;
                sum = ctx.add(sum, *value, &what)?;
                count += 1;
            }
            IndexSeries::Interval {
                interval_minutes,
                values,
            } => {
                let (month_sum, month_count) =
                    interval_month_sum(ctx, adjustment, values, *interval_minutes, month)?;
                sum = ctx.add(sum, month_sum, &what)?;
                count += month_count;
            }
        }
    }
    let mean = ctx.div(sum, Decimal::from(count), &what)?;
    let window = if first == last {
        format!("{} {first}", adjustment.index)
    } else {
        format!("mean of {} {first}..{last}", adjustment.index)
    };
    Ok((mean, window))
}

/// Sum and count of an interval index over a month; every interval must be present.
fn interval_month_sum(
    ctx: &MonthContext<'_>,
    adjustment: &Adjustment,
    values: &BTreeMap<NaiveDateTime, Decimal>,
    minutes: u32,
    month: YearMonth,
) -> Result<(Decimal, u64), BillingError> {
    let start = start_of(month)?;
    let end = start_of(month.next())?;
    let step = Duration::minutes(i64::from(minutes));
    let missing = |at| BillingError::MissingIndexInterval {
        index: adjustment.index.clone(),
        adjustment: adjustment.name.clone(),
        at,
        month: ctx.month,
    };
    let what = format!("adjustment {}", adjustment.name);
    let mut expected = start;
    let mut sum = Decimal::ZERO;
    let mut count = 0;
    for (&at, &value) in values.range(start..end) {
        if at < expected {
            continue; // off the index's grid: not one of its intervals
        }
        if at > expected {
            return Err(missing(expected));
        }
        sum = ctx.add(sum, value, &what)?;
        count += 1;
        expected += step;
    }
    if expected < end {
        return Err(missing(expected));
    }
    Ok((sum, count))
}

/// Σ kWh × (index − baseline) over the month's load intervals, and the number of intervals.
fn per_interval_sum(
    ctx: &MonthContext<'_>,
    adjustment: &Adjustment,
    series: &IndexSeries,
    baseline: Decimal,
    load: &MonthLoad<'_>,
) -> Result<(Decimal, usize), BillingError> {
    let what = format!("adjustment {}", adjustment.name);
    let intervals = load.kwh.len();
    match series {
        IndexSeries::Monthly(_) => {
            let value = interval_value(ctx, adjustment, series, ctx.day.and_time(NaiveTime::MIN))?;
            let movement = ctx.sub(value, baseline, &what)?;
            // Σ kWh (each rounded to 3 decimals) × movement.
            let mut thousandths: i64 = 0;
            for &kwh in load.kwh {
                thousandths = thousandths.saturating_add(milli(kwh));
            }
            Ok((
                ctx.mul(Decimal::new(thousandths, 3), movement, &what)?,
                intervals,
            ))
        }
        IndexSeries::Interval {
            interval_minutes, ..
        } => {
            // Load intervals are grouped by the index interval containing their start; the
            // group's kWh (in thousandths, exact) is priced once per group.
            let load_minutes = i64::from(load.interval_minutes);
            let index_minutes = i64::from(*interval_minutes);
            let start = ctx.day.and_time(NaiveTime::MIN);
            let mut sum = Decimal::ZERO;
            let mut group_key: Option<i64> = None;
            let mut group_thousandths: i64 = 0;
            let flush =
                |key: i64, thousandths: i64, sum: &mut Decimal| -> Result<(), BillingError> {
                    let at = start + Duration::minutes(key * index_minutes);
                    let value = interval_value(ctx, adjustment, series, at)?;
                    let movement = ctx.sub(value, baseline, &what)?;
                    let priced = ctx.mul(Decimal::new(thousandths, 3), movement, &what)?;
                    *sum = ctx.add(*sum, priced, &what)?;
                    Ok(())
                };
            for (position, &kwh) in load.kwh.iter().enumerate() {
                let key = position as i64 * load_minutes / index_minutes;
                if group_key != Some(key) {
                    if let Some(previous) = group_key {
                        flush(previous, group_thousandths, &mut sum)?;
                    }
                    group_key = Some(key);
                    group_thousandths = 0;
                }
                group_thousandths = group_thousandths.saturating_add(milli(kwh));
            }
            if let Some(previous) = group_key {
                flush(previous, group_thousandths, &mut sum)?;
            }
            Ok((sum, intervals))
        }
    }
}

/// The index value a per-interval adjustment prices the load interval starting `at` (in
/// the billing month) with: for an interval index, the value of the index interval
/// containing `at` (index intervals are laid from the month's midnight); for a monthly
/// index, the billing month's value.
pub(crate) fn interval_value(
    ctx: &MonthContext<'_>,
    adjustment: &Adjustment,
    series: &IndexSeries,
    at: NaiveDateTime,
) -> Result<Decimal, BillingError> {
    match series {
        IndexSeries::Monthly(values) => {
            values
                .get(&ctx.month)
                .copied()
                .ok_or_else(|| BillingError::MissingIndexMonth {
                    index: adjustment.index.clone(),
                    adjustment: adjustment.name.clone(),
                    index_month: ctx.month,
                    month: ctx.month,
                })
        }
        IndexSeries::Interval {
            interval_minutes,
            values,
        } => {
            let start = ctx.day.and_time(NaiveTime::MIN);
            let minutes = i64::from((*interval_minutes).max(1));
            let key = (at - start).num_minutes().div_euclid(minutes);
            let at = start + Duration::minutes(key * minutes);
            values
                .get(&at)
                .copied()
                .ok_or_else(|| BillingError::MissingIndexInterval {
                    index: adjustment.index.clone(),
                    adjustment: adjustment.name.clone(),
                    at,
                    month: ctx.month,
                })
        }
    }
}

/// An interval's kWh in thousandths (the 3-decimal quantity), for exact grouping.
fn milli(kwh: f64) -> i64 {
    (kwh * 1000.0).round() as i64
}
