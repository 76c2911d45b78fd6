//! Demand: the month's peak, the contract demand it sets (ratchet, monthly peak or agreed),
//! and the demand lines — basic charge with its demand-charge holiday, power-factor
//! adjustment, and subscription blocks with overage.

use rust_decimal::Decimal;
use voltlex_dsl::rules::{ContractDemand, Demand, PowerFactorRule, Subscription, TimedValue};

use super::context::{MonthContext, Priced};
use super::error::BillingError;
use super::format;
use super::types::{LineItem, LineKind};
use crate::inputs::{BillingInputs, PowerFactorInput};
use crate::month::YearMonth;

/// A month's peak demand and energy, measured in one pass over its intervals.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Measured {
    /// Largest average kW over one demand interval.
    pub peak_kw: f64,
    /// Energy of the month, kWh.
    pub energy_kwh: f64,
}

/// Peak and energy of a month's intervals: the load intervals are summed into demand
/// intervals of `per_demand` load intervals each (kWh × 60 / demand minutes is the demand
/// interval's average kW) and the month's peak is the largest of them.
pub(crate) fn measure(kwh: &[f64], per_demand: usize, demand_minutes: u32) -> Measured {
    let mut peak_kwh = 0.0_f64;
    let mut energy = 0.0_f64;
    if per_demand == 1 {
        for &value in kwh {
            energy += value;
            peak_kwh = if value > peak_kwh { value } else { peak_kwh };
        }
    } else {
        for chunk in kwh.chunks_exact(per_demand) {
            let sum: f64 = chunk.iter().sum();
            energy += sum;
            peak_kwh = if sum > peak_kwh { sum } else { peak_kwh };
        }
    }
    Measured {
        peak_kw: peak_kwh * 60.0 / f64::from(demand_minutes),
        energy_kwh: energy,
    }
}

/// The demand a month's basic charge is billed on, and how it was found.
#[derive(Debug, Clone)]
pub(crate) struct Contract {
    /// Contract demand, kW (at least the month's peak).
    pub kw: f64,
    /// How it was found.
    pub basis: String,
}

/// Contract demand of the month `(month, peak)` (`earlier` holds the monthly peaks of the run's
/// months before it, in order).
///
/// - `Ratchet { months }` (実量制): the largest monthly peak over this month and the previous
///   `months − 1`. Earlier months come from this run's own peaks first, then from
///   `inputs.history`; months before `inputs.supply_start` are skipped (new supply: the
///   largest since supply began). A month before the load that is neither is an error.
/// - `MonthlyPeak`: the month's peak.
/// - `Agreed`: `inputs.contract_kw`; when the month's peak exceeds it the peak is billed and
///   the basis says so (contract demand is never below the peak).
/// - No demand block: the month's peak (nothing is billed on it).
pub(crate) fn contract(
    demand: Option<&Demand>,
    earlier: &[(YearMonth, f64)],
    (month, peak): (YearMonth, f64),
    inputs: &BillingInputs,
) -> Result<Contract, BillingError> {
    let Some(demand) = demand else {
        return Ok(Contract {
            kw: peak,
            basis: format!(
                "no demand charge: monthly peak {} kW",
                format::measure(peak)
            ),
        });
    };
    match demand.contract {
        ContractDemand::MonthlyPeak => Ok(Contract {
            kw: peak,
            basis: format!("monthly peak: {} kW", format::measure(peak)),
        }),
        ContractDemand::Agreed => {
            let agreed = inputs
                .contract_kw
                .ok_or_else(|| BillingError::MissingContractKw {
                    month,
                    rule: demand.origin.clone(),
                })?;
            if !agreed.is_finite() || agreed <= 0.0 {
                return Err(BillingError::ContractKw { kw: agreed });
            }
            if peak > agreed {
                Ok(Contract {
                    kw: peak,
                    basis: format!(
                        "agreed {} kW, exceeded by the month's peak: {} kW",
                        format::measure(agreed),
                        format::measure(peak)
                    ),
                })
            } else {
                Ok(Contract {
                    kw: agreed,
                    basis: format!("agreed contract demand: {} kW", format::measure(agreed)),
                })
            }
        }
        ContractDemand::Ratchet { months } => {
            if months == 0 {
                return Err(BillingError::InvalidTariff {
                    rule: demand.origin.clone(),
                    month,
                    problem: "a ratchet over 0 months".to_string(),
                });
            }
            ratchet(demand, months, earlier, (month, peak), inputs)
        }
    }
}

fn ratchet(
    demand: &Demand,
    window: u32,
    earlier: &[(YearMonth, f64)],
    (month, month_peak): (YearMonth, f64),
    inputs: &BillingInputs,
) -> Result<Contract, BillingError> {
    let first_run_month = earlier.first().map_or(month, |&(first, _)| first);
    let window_start = month.minus(window - 1);
    let mut best: Option<(YearMonth, f64)> = None;
    let mut first_counted: Option<YearMonth> = None;
    let mut missing = Vec::new();
    let mut skipped = false;
    for offset in 0..window {
        let candidate = window_start.plus(offset);
        let peak = if candidate == month {
            Some(month_peak)
        } else if candidate >= first_run_month {
            // The run's months are consecutive from its first.
            let run_peak = usize::try_from(candidate.months_since(first_run_month))
                .ok()
                .and_then(|run_index| earlier.get(run_index))
                .map(|&(_, peak)| peak);
            if run_peak.is_none() {
                missing.push(candidate);
            }
            run_peak
        } else if inputs.supply_start.is_some_and(|start| candidate < start) {
            skipped = true;
            None
        } else if let Some(&peak) = inputs.history.get(&candidate) {
            if !(0.0..=f64::MAX).contains(&peak) {
                return Err(BillingError::HistoryPeak {
                    month: candidate,
                    kw: peak,
                });
            }
            Some(peak)
        } else {
            missing.push(candidate);
            None
        };
        if let Some(peak) = peak {
            first_counted.get_or_insert(candidate);
            if best.is_none_or(|(_, top)| peak >= top) {
                best = Some((candidate, peak));
            }
        }
    }
    if !missing.is_empty() {
        return Err(BillingError::MissingHistory {
            month,
            window,
            missing,
            rule: demand.origin.clone(),
        });
    }
    // The billing month is always in the window, and counted: these defaults never apply.
    let (best_month, kw) = best.unwrap_or((month, month_peak));
    let from = first_counted.unwrap_or(month);
    let since = if skipped { " since supply start" } else { "" };
    Ok(Contract {
        kw,
        basis: format!(
            "max monthly peak{since} {from}..{month}: {} kW in {best_month}",
            format::measure(kw)
        ),
    })
}

/// The demand lines of a month, in order: basic charge, power-factor adjustment,
/// subscription and overage. Returns the power factor used, if any.
///
/// - **Basic charge** = price per kW × contract kW × the demand-charge holiday's share
///   ([`voltlex_dsl::rules::DemandHoliday::share_at`] the month's 1st). While waived the
///   line is shown with 0 and the calculation says why.
/// - **Power-factor adjustment**: the basic charge adjusted by (base % − power factor %) ×
///   step per point (base 85 %, step 1 %, power factor 98 % → −13 %), rounded once as a
///   utility does (price × kW × (185 − pf) / 100), less the rounded basic line.
///   The power factor comes from `inputs.power_factor` in percent and must lie in (0, 100].
/// - **Subscription**: `inputs.subscription_kw` rounded up to whole blocks, or, when not
///   given, the whole number of blocks (the peak's floor or ceiling in blocks) that makes
///   blocks + overage cheapest (a tie takes more blocks). Overage = kW of the month's peak
///   above the subscribed level × the overage price; no overage line when there is none.
///   The demand-charge holiday does not apply to subscriptions.
///
/// Every line is rounded by the demand block's rounding, else the tariff's `each_line`.
pub(crate) fn lines(
    ctx: &MonthContext<'_>,
    demand: &Demand,
    contract_kw: f64,
    peak_kw: f64,
    inputs: &BillingInputs,
    out: &mut Vec<LineItem>,
) -> Result<Option<Decimal>, BillingError> {
    let mut power_factor = None;
    if let Some(charge) = &demand.charge_per_kw {
        let price = ctx.value(charge, "basic charge per kW", &demand.origin)?;
        let kw = ctx.quantity(contract_kw, "contract demand")?;
        let (raw, basic) = basic_charge(ctx, demand, price, kw, out)?;
        if let Some(rule) = &demand.power_factor {
            let (pf, factor) = power_factor_change(ctx, rule, inputs)?;
            power_factor = Some(pf);
            // Utilities round the adjusted basic charge once (price × kW × (185 − pf) / 100);
            // the adjustment line is that rounded figure less the rounded basic line, so the
            // two lines add up to the utility's basic charge to the yen.
            let adjustment = ctx.mul(raw, factor, "power-factor adjustment")?;
            let adjusted = ctx.add(raw, adjustment, "power-factor adjustment")?;
            let rounding = ctx.rounding(demand.rounding);
            let adjusted_rounded = ctx.round(adjusted, rounding, "power-factor adjustment")?;
            let amount = ctx.sub(adjusted_rounded, basic, "power-factor adjustment")?;
            out.push(LineItem {
                item: "power-factor adjustment".to_string(),
                kind: LineKind::PowerFactor,
                quantity: None,
                unit: None,
                unit_price: None,
                amount,
                rule: rule.origin.clone(),
                calculation: format!(
                    "basic {} {} × (1 + ({} − {}) points × {}) = {}{}; less the basic line {} = {}",
                    format::money(raw),
                    ctx.currency(),
                    format::number(rule.base * Decimal::ONE_HUNDRED),
                    format::number(pf),
                    format::percent(rule.step),
                    format::money(adjusted),
                    format::rounding(rounding, ctx.currency()),
                    format::number(basic),
                    format::number(amount),
                ),
                informational: false,
            });
        }
    }
    if let Some(subscription) = &demand.subscription {
        subscription_lines(ctx, demand, subscription, peak_kw, inputs, out)?;
    }
    Ok(power_factor.or_else(|| given_power_factor(ctx.month, inputs)))
}

/// The month's power factor (percent) and the change of the basic charge it brings, as a
/// fraction: (base % − power factor %) × step (base 85 %, step 1 %, 98 % → −0.13). The
/// basic charge is multiplied by 1 + the change.
pub(crate) fn power_factor_change(
    ctx: &MonthContext<'_>,
    rule: &PowerFactorRule,
    inputs: &BillingInputs,
) -> Result<(Decimal, Decimal), BillingError> {
    let pf = power_factor_of(ctx, inputs, &rule.origin)?;
    let points = ctx.sub(rule.base * Decimal::ONE_HUNDRED, pf, "power factor")?;
    let factor = ctx.mul(points, rule.step, "power-factor adjustment")?;
    Ok((pf, factor))
}

/// Share of the basic charge billed in the month under the demand-charge holiday (1 without one).
pub(crate) fn holiday_share(ctx: &MonthContext<'_>, demand: &Demand) -> Decimal {
    demand
        .holiday
        .as_ref()
        .map_or(Decimal::ONE, |holiday| holiday.share_at(ctx.day))
}

/// Push the basic-charge line; return its unrounded amount (the power-factor base) and the
/// line's rounded amount.
fn basic_charge(
    ctx: &MonthContext<'_>,
    demand: &Demand,
    price: &TimedValue<Decimal>,
    kw: Decimal,
    out: &mut Vec<LineItem>,
) -> Result<(Decimal, Decimal), BillingError> {
    let full = ctx.mul(price.value, kw, "basic charge")?;
    let (share, holiday_note, rule) = match &demand.holiday {
        Some(holiday) => {
            let share = holiday_share(ctx, demand);
            let note = if share.is_zero() {
                format!(
                    "waived: demand-charge holiday until {} ({})",
                    holiday.waived_until, holiday.origin
                )
            } else if share < Decimal::ONE {
                format!(
                    " × {} (demand-charge phase-in, {})",
                    format::percent(share),
                    holiday.origin
                )
            } else {
                String::new()
            };
            let rule = if share.is_zero() {
                holiday.origin.clone()
            } else {
                price.origin.clone()
            };
            (share, note, rule)
        }
        None => (Decimal::ONE, String::new(), price.origin.clone()),
    };
    let raw = ctx.mul(full, share, "basic charge")?;
    let rounding = ctx.rounding(demand.rounding);
    let amount = ctx.round(raw, rounding, "basic charge")?;
    let product = format!(
        "{} {}/kW × {} kW",
        format::money(price.value),
        ctx.currency(),
        format::number(kw)
    );
    let calculation = if share.is_zero() {
        format!(
            "{holiday_note}: {product} = {} not billed",
            format::money(full)
        )
    } else {
        format!(
            "{product}{holiday_note} = {}{}",
            format::money(raw),
            format::rounding(rounding, ctx.currency())
        )
    };
    out.push(LineItem {
        item: "basic charge".to_string(),
        kind: LineKind::Basic,
        quantity: Some(kw),
        unit: Some("kW".to_string()),
        unit_price: Some(price.value),
        amount,
        rule,
        calculation,
        informational: false,
    });
    Ok((raw, amount))
}

/// The power factor given for the month, if any (not checked).
fn given_power_factor(month: YearMonth, inputs: &BillingInputs) -> Option<Decimal> {
    match inputs.power_factor.as_ref()? {
        PowerFactorInput::Flat(value) => Some(*value),
        PowerFactorInput::Monthly(values) => values.get(&month).copied(),
    }
}

/// The month's power factor, required and checked to lie in (0, 100] %.
fn power_factor_of(
    ctx: &MonthContext<'_>,
    inputs: &BillingInputs,
    rule: &voltlex_dsl::rules::RuleRef,
) -> Result<Decimal, BillingError> {
    let value =
        given_power_factor(ctx.month, inputs).ok_or_else(|| BillingError::MissingPowerFactor {
            month: ctx.month,
            rule: rule.clone(),
        })?;
    if value <= Decimal::ZERO || value > Decimal::ONE_HUNDRED {
        return Err(BillingError::PowerFactorRange {
            month: ctx.month,
            value,
        });
    }
    Ok(value)
}

fn subscription_lines(
    ctx: &MonthContext<'_>,
    demand: &Demand,
    subscription: &Subscription,
    peak_kw: f64,
    inputs: &BillingInputs,
    out: &mut Vec<LineItem>,
) -> Result<(), BillingError> {
    let block_price = ctx.value(
        &subscription.block_price,
        "subscription block price",
        &subscription.origin,
    )?;
    let overage_price = ctx.value(
        &subscription.overage_per_kw,
        "subscription overage price",
        &subscription.origin,
    )?;
    let block_kw = match ctx.quantity(subscription.block_kw, "subscription block") {
        Ok(kw) if kw > Decimal::ZERO => kw,
        _ => {
            return Err(ctx.invalid(
                &subscription.origin,
                format!("a subscription block of {} kW", subscription.block_kw),
            ))
        }
    };
    let peak = ctx.quantity(peak_kw, "peak demand")?;
    let cost = |blocks: Decimal| -> Result<Decimal, BillingError> {
        let subscribed = ctx.mul(blocks, block_kw, "subscription")?;
        let over = (peak - subscribed).max(Decimal::ZERO);
        let blocks_cost = ctx.mul(blocks, block_price.value, "subscription")?;
        let over_cost = ctx.mul(over, overage_price.value, "overage")?;
        ctx.add(blocks_cost, over_cost, "subscription")
    };
    let (blocks, why) = match inputs.subscription_kw {
        Some(kw) => {
            let given = match ctx.quantity(kw, "subscribed demand") {
                Ok(given) if given > Decimal::ZERO => given,
                _ => return Err(BillingError::SubscriptionKw { kw }),
            };
            let blocks = ctx.div(given, block_kw, "subscription")?.ceil();
            (blocks, format!("given {} kW", format::number(given)))
        }
        None => {
            let exact = ctx.div(peak, block_kw, "subscription")?;
            let (low, high) = (exact.floor(), exact.ceil());
            if low == high {
                (high, format!("covers the {} kW peak", format::number(peak)))
            } else {
                let (low_cost, high_cost) = (cost(low)?, cost(high)?);
                let blocks = if low_cost < high_cost { low } else { high };
                let why = format!(
                    "cheapest for the {} kW peak: {} blocks + overage = {} {cur}, \
                     {} blocks = {} {cur}",
                    format::number(peak),
                    format::number(low),
                    format::money(low_cost),
                    format::number(high),
                    format::money(high_cost),
                    cur = ctx.currency()
                );
                (blocks, why)
            }
        }
    };
    let subscribed = ctx.mul(blocks, block_kw, "subscription")?;
    let rounding = demand.rounding;
    out.push(ctx.priced(Priced {
        item: format!(
            "subscription ({} × {} kW)",
            format::number(blocks),
            format::number(block_kw)
        ),
        kind: LineKind::Subscription,
        quantity: blocks,
        unit: "block",
        price: block_price.clone(),
        note: format!(" ({} kW; {why})", format::number(subscribed)),
        own_rounding: rounding,
    })?);
    let over = peak - subscribed;
    if over > Decimal::ZERO {
        out.push(ctx.priced(Priced {
            item: "overage".to_string(),
            kind: LineKind::Overage,
            quantity: over,
            unit: "kW",
            price: overage_price.clone(),
            note: format!(
                " (peak {} kW − {} kW subscribed)",
                format::number(peak),
                format::number(subscribed)
            ),
            own_rounding: rounding,
        })?);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn measure_sums_demand_intervals() {
        // 15-minute data, 30-minute demand: pairs (1+3)=4 kWh, (5+0)=5 kWh → 10 kW peak.
        let measured = measure(&[1.0, 3.0, 5.0, 0.0], 2, 30);
        assert_eq!(measured.peak_kw, 10.0);
        assert_eq!(measured.energy_kwh, 9.0);
    }
}
