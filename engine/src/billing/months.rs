//! Cutting a load profile into whole calendar months, and the checks that make that possible.
//!
//! Bills cover whole calendar months: the load must start at 00:00 on the 1st of a month and
//! end at 00:00 on the 1st of a later one. Its interval must divide a day, the tariff's
//! settlement interval (to resolve time-of-use periods) and the demand interval (to average
//! demand), so that every month is a whole number of days, every day a whole number of
//! tariff and demand intervals.

use chrono::{Duration, NaiveDateTime};
use voltlex_dsl::rules::Tariff;

use super::error::BillingError;
use crate::inputs::LoadProfile;
use crate::month::YearMonth;

/// Minutes in a day.
pub(crate) const DAY_MINUTES: u32 = 1440;

/// One calendar month of the load.
#[derive(Debug, Clone, Copy)]
pub(crate) struct MonthSlice<'l> {
    /// The month.
    pub month: YearMonth,
    /// Its intervals' kWh.
    pub kwh: &'l [f64],
}

/// The months of a load and the interval counts billing works with.
#[derive(Debug, Clone)]
pub(crate) struct Layout<'l> {
    /// Load intervals per day.
    pub per_day: usize,
    /// Load intervals per tariff interval.
    pub per_tariff_interval: usize,
    /// Load intervals per demand interval.
    pub per_demand_interval: usize,
    /// Length of a demand interval, minutes (the tariff's interval when it has no demand).
    pub demand_minutes: u32,
    /// The months, in order.
    pub months: Vec<MonthSlice<'l>>,
}

/// Midnight starting `month`.
pub(crate) fn start_of(month: YearMonth) -> Result<NaiveDateTime, BillingError> {
    month.start().ok_or(BillingError::MonthOutOfRange { month })
}

/// Check that `load` covers whole months at an interval the tariff can use, and list them.
pub(crate) fn layout<'l>(
    tariff: &Tariff,
    load: &'l LoadProfile,
) -> Result<Layout<'l>, BillingError> {
    let minutes = load.interval_minutes;
    if load.kwh.is_empty() {
        return Err(BillingError::EmptyLoad);
    }
    if minutes == 0 || !DAY_MINUTES.is_multiple_of(minutes) {
        return Err(BillingError::LoadInterval { minutes });
    }
    let first_month = YearMonth::of(load.start.date());
    let tariff_minutes = tariff.interval_minutes;
    if tariff_minutes == 0 || !DAY_MINUTES.is_multiple_of(tariff_minutes) {
        return Err(BillingError::InvalidTariff {
            rule: tariff.origin.clone(),
            month: first_month,
            problem: format!("the tariff interval of {tariff_minutes} min does not divide a day"),
        });
    }
    if !tariff_minutes.is_multiple_of(minutes) {
        return Err(BillingError::CoarseForTariff {
            load_minutes: minutes,
            tariff_minutes,
        });
    }
    let demand_minutes = match &tariff.demand {
        Some(demand) => {
            let demand_minutes = demand.interval_minutes;
            if demand_minutes == 0 || !DAY_MINUTES.is_multiple_of(demand_minutes) {
                return Err(BillingError::InvalidTariff {
                    rule: demand.origin.clone(),
                    month: first_month,
                    problem: format!(
                        "the demand interval of {demand_minutes} min does not divide a day"
                    ),
                });
            }
            if demand_minutes % minutes != 0 {
                return Err(BillingError::CoarseForDemand {
                    load_minutes: minutes,
                    demand_minutes,
                });
            }
            demand_minutes
        }
        None => tariff_minutes,
    };

    let step = Duration::minutes(i64::from(minutes));
    let start = load.start;
    let month_start = start_of(first_month)?;
    if start != month_start {
        let on_grid = (start - month_start).num_seconds() % (i64::from(minutes) * 60) == 0;
        let last_missing = if on_grid {
            start - step
        } else {
            // Off the interval grid: the missing part ends with the grid interval before it.
            let whole = (start - month_start).num_minutes() / i64::from(minutes);
            month_start + step * whole as i32
        };
        return Err(BillingError::StartsMidMonth {
            month: first_month,
            first_missing: month_start,
            last_missing,
        });
    }

    let count = load.kwh.len();
    let end =
        start + step * i32::try_from(count).map_err(|_| BillingError::LoadInterval { minutes })?;
    let end_month = YearMonth::of(end.date());
    if end != start_of(end_month)? {
        let next = start_of(end_month.next())?;
        return Err(BillingError::EndsMidMonth {
            month: end_month,
            first_missing: end,
            last_missing: next - step,
        });
    }

    // Branch-free scan first (it vectorises); find the culprit only when there is one.
    let valid = |value: f64| (0.0..=f64::MAX).contains(&value);
    let all_valid = load
        .kwh
        .chunks(64)
        .all(|chunk| chunk.iter().fold(true, |ok, &value| ok & valid(value)));
    if !all_valid {
        if let Some((index, &value)) = load
            .kwh
            .iter()
            .enumerate()
            .find(|&(_, &value)| !valid(value))
        {
            return Err(BillingError::LoadValue {
                index,
                at: load.interval_start(index),
                value,
            });
        }
    }

    let per_day = (DAY_MINUTES / minutes) as usize;
    let mut months = Vec::new();
    let mut month = first_month;
    let mut rest = load.kwh.as_slice();
    while !rest.is_empty() {
        let len = month.days() as usize * per_day;
        // The load ends on a month boundary (checked above): every month is whole.
        let Some((kwh, after)) = rest.split_at_checked(len) else {
            return Err(BillingError::EndsMidMonth {
                month,
                first_missing: end,
                last_missing: start_of(month.next())? - step,
            });
        };
        months.push(MonthSlice { month, kwh });
        rest = after;
        month = month.next();
    }
    Ok(Layout {
        per_day,
        per_tariff_interval: (tariff_minutes / minutes) as usize,
        per_demand_interval: (demand_minutes / minutes) as usize,
        demand_minutes,
        months,
    })
}
