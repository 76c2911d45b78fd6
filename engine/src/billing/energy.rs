//! Energy: the month's kWh split by season and time-of-use period, and the energy lines.
//!
//! - `Flat`: one line `energy`, price × the month's kWh.
//! - `BySeason`: one line per season present in the month (`energy (summer)`), each day's
//!   kWh counted in the season containing the day ([`Tariff::season_of`]).
//! - `ByPeriod`: one line per period that occurs in the month (`energy (peak)`), each
//!   interval's kWh counted in the period of the tariff interval containing its start
//!   ([`Tariff::period_of`], cached per day kind: see [`super::days`]).
//! - `Tiered`: cumulative blocks on the month's kWh, one line per block used
//!   (`energy (tier 2: 120–300 kWh)`).
//!
//! Lines follow the order of the rates in the rule; each is rounded by the energy rule's
//! rounding, else the tariff's `each_line`.

use chrono::{NaiveDateTime, Timelike};
use rust_decimal::Decimal;
use voltlex_dsl::rules::{EnergyCharge, EnergyPricing, KeyedRate, Tariff, Tier};

use super::context::{MonthContext, Priced};
use super::days::Days;
use super::error::BillingError;
use super::format;
use super::types::{LineItem, LineKind};

/// A month's kWh by season and by period (indices follow the tariff's lists).
#[derive(Debug, Clone, Default)]
pub(crate) struct Split {
    /// kWh per period.
    pub by_period: Vec<f64>,
    /// Whether the period has at least one interval in the month.
    pub period_seen: Vec<bool>,
    /// kWh per season.
    pub by_season: Vec<f64>,
    /// Whether the season has at least one day in the month.
    pub season_seen: Vec<bool>,
}

impl Split {
    /// kWh per period that occurs (in period order), else per season present, else empty.
    pub fn by_period_named(&self, tariff: &Tariff) -> Vec<(String, f64)> {
        if !tariff.periods.is_empty() {
            named(
                &tariff.periods,
                |p| &p.name,
                &self.by_period,
                &self.period_seen,
            )
        } else {
            named(
                &tariff.seasons,
                |s| &s.name,
                &self.by_season,
                &self.season_seen,
            )
        }
    }
}

fn named<T>(
    items: &[T],
    name: impl Fn(&T) -> &String,
    kwh: &[f64],
    seen: &[bool],
) -> Vec<(String, f64)> {
    items
        .iter()
        .zip(kwh.iter().zip(seen))
        .filter(|(_, (_, &seen))| seen)
        .map(|(item, (&kwh, _))| (name(item).clone(), kwh))
        .collect()
}

/// Split the month's intervals (`kwh`, whole days of `per_day` intervals, `per_slot` load
/// intervals per tariff interval) by season and period. A day in no season is an error when
/// energy is priced by season.
pub(crate) fn split(
    ctx: &MonthContext<'_>,
    days: &mut Days<'_>,
    kwh: &[f64],
    per_day: usize,
    per_slot: usize,
) -> Result<Split, BillingError> {
    let tariff = ctx.tariff;
    let mut split = Split {
        by_period: vec![0.0; tariff.periods.len()],
        period_seen: vec![false; tariff.periods.len()],
        by_season: vec![0.0; tariff.seasons.len()],
        season_seen: vec![false; tariff.seasons.len()],
    };
    if tariff.periods.is_empty() && tariff.seasons.is_empty() {
        return Ok(split);
    }
    let by_season = matches!(
        tariff.energy.as_ref().map(|energy| &energy.pricing),
        Some(EnergyPricing::BySeason(_))
    );
    // The load's days exist, so the dates run at least as far as its chunks.
    for (day, date) in kwh.chunks(per_day).zip(ctx.day.iter_days()) {
        let season = days.season(date);
        match season {
            // An index into the tariff's seasons, as the split's season lists.
            Some(index) => {
                let (Some(seen), Some(total)) = (
                    split.season_seen.get_mut(index),
                    split.by_season.get_mut(index),
                ) else {
                    return Err(unknown(ctx, "season", index));
                };
                *seen = true;
                *total += day.iter().sum::<f64>();
            }
            None if by_season => {
                let rule = tariff.energy.as_ref().map_or(&tariff.origin, |e| &e.origin);
                return Err(ctx.invalid(rule, format!("no season contains {date}")));
            }
            None => {}
        }
        if !tariff.periods.is_empty() {
            let table = days.periods(ctx, date, season)?;
            // Indices into the tariff's periods, as the split's period lists.
            for (&period, slot) in table.iter().zip(day.chunks(per_slot)) {
                let period = usize::from(period);
                let (Some(seen), Some(total)) = (
                    split.period_seen.get_mut(period),
                    split.by_period.get_mut(period),
                ) else {
                    return Err(unknown(ctx, "period", period));
                };
                *seen = true;
                *total += slot.iter().sum::<f64>();
            }
        }
    }
    Ok(split)
}

/// A season or period index beyond the tariff's list (the day tables are built from it, so
/// this means a bug, not bad rules).
fn unknown(ctx: &MonthContext<'_>, what: &str, index: usize) -> BillingError {
    ctx.invalid(
        &ctx.tariff.origin,
        format!("{what} number {index} is not one of the tariff's"),
    )
}

/// Push the energy lines of the month.
pub(crate) fn lines(
    ctx: &MonthContext<'_>,
    energy: &EnergyCharge,
    energy_kwh: f64,
    split: &Split,
    out: &mut Vec<LineItem>,
) -> Result<(), BillingError> {
    match &energy.pricing {
        EnergyPricing::Flat(rate) => {
            let price = ctx.value(rate, "energy rate", &energy.origin)?;
            out.push(ctx.priced(Priced {
                item: "energy".to_string(),
                kind: LineKind::Energy,
                quantity: ctx.quantity(energy_kwh, "energy")?,
                unit: "kWh",
                price: price.clone(),
                note: String::new(),
                own_rounding: energy.rounding,
            })?);
        }
        EnergyPricing::BySeason(rates) => {
            let names: Vec<&str> = ctx.tariff.seasons.iter().map(|s| s.name.as_str()).collect();
            keyed(
                ctx,
                energy,
                rates,
                &names,
                &split.by_season,
                &split.season_seen,
                "season",
                out,
            )?;
        }
        EnergyPricing::ByPeriod(rates) => {
            let names: Vec<&str> = ctx.tariff.periods.iter().map(|p| p.name.as_str()).collect();
            keyed(
                ctx,
                energy,
                rates,
                &names,
                &split.by_period,
                &split.period_seen,
                "period",
                out,
            )?;
        }
        EnergyPricing::Tiered(tiers) => tiered(ctx, energy, tiers, energy_kwh, out)?,
    }
    Ok(())
}

/// The energy price of one more kWh in the load interval starting `at` (a time in the
/// month), given the month's `energy_kwh` without it:
///
/// - `Flat`: the rate in force;
/// - `BySeason`: the rate of the season containing `at`'s date;
/// - `ByPeriod`: the rate of the period of the tariff interval containing `at` (as
///   [`split`] assigns a load interval by its start);
/// - `Tiered`: the rate of the tier the month's kWh (3 decimals) lies in, the next kWh
///   going to the higher tier when the month ends exactly on a bound.
pub(crate) fn marginal_rate(
    ctx: &MonthContext<'_>,
    energy: &EnergyCharge,
    days: &mut Days<'_>,
    at: NaiveDateTime,
    energy_kwh: f64,
) -> Result<Decimal, BillingError> {
    let keyed_rate = |rates: &[KeyedRate], key: &str, what: &str| {
        let rate = rates.iter().find(|rate| rate.key == key).ok_or_else(|| {
            ctx.invalid(
                &energy.origin,
                format!("{what} {key} occurs in the month but has no energy rate"),
            )
        })?;
        ctx.value(&rate.rate, &format!("energy rate ({key})"), &energy.origin)
            .map(|price| price.value)
    };
    let tariff = ctx.tariff;
    let date = at.date();
    match &energy.pricing {
        EnergyPricing::Flat(rate) => Ok(ctx.value(rate, "energy rate", &energy.origin)?.value),
        EnergyPricing::BySeason(rates) => {
            let season = days
                .season(date)
                .and_then(|index| tariff.seasons.get(index))
                .ok_or_else(|| ctx.invalid(&energy.origin, format!("no season contains {date}")))?;
            keyed_rate(rates, &season.name, "season")
        }
        EnergyPricing::ByPeriod(rates) => {
            let season = days.season(date);
            let slot = at.time().num_seconds_from_midnight() / 60 / tariff.interval_minutes.max(1);
            let period = days
                .periods(ctx, date, season)?
                .get(slot as usize)
                .and_then(|&period| tariff.periods.get(usize::from(period)))
                .ok_or_else(|| {
                    ctx.invalid(
                        &tariff.origin,
                        format!("no time-of-use period covers the interval starting {at}"),
                    )
                })?;
            keyed_rate(rates, &period.name, "period")
        }
        EnergyPricing::Tiered(tiers) => {
            let total = ctx.quantity(energy_kwh, "energy")?;
            for (number, tier) in (1..).zip(tiers) {
                let within = match tier.up_to_kwh {
                    Some(bound) => total < ctx.quantity(bound, "tier bound")?,
                    None => true,
                };
                if within {
                    let what = format!("energy rate (tier {number})");
                    return Ok(ctx.value(&tier.rate, &what, &energy.origin)?.value);
                }
            }
            Err(ctx.invalid(
                &energy.origin,
                format!(
                    "the tiers end below the month's {} kWh",
                    format::number(total)
                ),
            ))
        }
    }
}

/// One line per key (season or period) present in the month, in rate order.
#[allow(clippy::too_many_arguments)]
fn keyed(
    ctx: &MonthContext<'_>,
    energy: &EnergyCharge,
    rates: &[KeyedRate],
    names: &[&str],
    kwh: &[f64],
    seen: &[bool],
    what: &str,
    out: &mut Vec<LineItem>,
) -> Result<(), BillingError> {
    // `names`, `kwh` and `seen` follow the tariff's list of periods or seasons.
    for (name, &seen) in names.iter().zip(seen) {
        if seen && !rates.iter().any(|rate| rate.key == *name) {
            return Err(ctx.invalid(
                &energy.origin,
                format!("{what} {name} occurs in the month but has no energy rate"),
            ));
        }
    }
    for rate in rates {
        let (&seen, &kwh) = names
            .iter()
            .zip(seen.iter().zip(kwh))
            .find(|(name, _)| **name == rate.key)
            .map(|(_, facts)| facts)
            .ok_or_else(|| {
                ctx.invalid(
                    &energy.origin,
                    format!("energy rate for unknown {what} {}", rate.key),
                )
            })?;
        if !seen {
            continue;
        }
        let item = format!("energy ({})", rate.key);
        let price = ctx.value(
            &rate.rate,
            &format!("energy rate ({})", rate.key),
            &energy.origin,
        )?;
        out.push(ctx.priced(Priced {
            quantity: ctx.quantity(kwh, &item)?,
            item,
            kind: LineKind::Energy,
            unit: "kWh",
            price: price.clone(),
            note: String::new(),
            own_rounding: energy.rounding,
        })?);
    }
    Ok(())
}

/// Cumulative blocks: tier `i` holds the month's kWh above tier `i − 1`'s bound up to its
/// own; only blocks holding energy give a line.
fn tiered(
    ctx: &MonthContext<'_>,
    energy: &EnergyCharge,
    tiers: &[Tier],
    energy_kwh: f64,
    out: &mut Vec<LineItem>,
) -> Result<(), BillingError> {
    let total = ctx.quantity(energy_kwh, "energy")?;
    let mut lower = Decimal::ZERO;
    for (number, tier) in (1..).zip(tiers) {
        if total <= lower {
            return Ok(());
        }
        let upper = match tier.up_to_kwh {
            Some(bound) => Some(ctx.quantity(bound, "tier bound")?),
            None => None,
        };
        let top = upper.map_or(total, |upper| upper.min(total));
        let block = top - lower;
        if block > Decimal::ZERO {
            let range = match upper {
                Some(upper) => format!("{}–{} kWh", format::number(lower), format::number(upper)),
                None => format!("above {} kWh", format::number(lower)),
            };
            let item = format!("energy (tier {number}: {range})");
            let price = ctx.value(
                &tier.rate,
                &format!("energy rate (tier {number})"),
                &energy.origin,
            )?;
            out.push(ctx.priced(Priced {
                item,
                kind: LineKind::Energy,
                quantity: block,
                unit: "kWh",
                price: price.clone(),
                note: format!(" of {} kWh", format::number(total)),
                own_rounding: energy.rounding,
            })?);
        }
        match upper {
            Some(upper) => lower = lower.max(upper),
            None => return Ok(()),
        }
    }
    if total > lower {
        return Err(ctx.invalid(
            &energy.origin,
            format!(
                "the tiers end at {} kWh but the month used {} kWh",
                format::number(lower),
                format::number(total)
            ),
        ));
    }
    Ok(())
}
