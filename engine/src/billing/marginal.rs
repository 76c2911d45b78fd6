//! Marginal prices for the scheduler: what one more kWh in a slot, and one more kW of peak
//! in a month, add to the bill.
//!
//! [`marginal_prices`] reads the tariff with the billing engine's own helpers (values in
//! force on the month's 1st, season and period tables, tier bounds, index windows, power
//! factor, demand-charge holiday, ratchet), so prices and bills cannot disagree; the
//! differential test `engine/tests/marginal_prices.rs` bills a month with and without a small
//! extra load and checks the difference against these prices.
//!
//! **Energy price of a slot** (currency per grid kWh), the sum of
//! - the energy charge of the load interval: flat, by season, by time-of-use period (the
//!   period of the tariff interval containing the interval's start) or, when tiered, the
//!   price of the tier the month's *base* consumption lies in (the next kWh of a month ending
//!   exactly on a bound goes to the higher tier). A schedule that pushes the month across a
//!   bound is priced at the lower tier for the whole slot: the tier is a property of the
//!   month, not of the slot;
//! - every index adjustment: monthly mode — the unit price as billed, share × (mean of the
//!   index over the window `[M − lag − (average − 1), M − lag]` − baseline), after the
//!   adjustment's unit rounding (that rounding is part of the price: the bill multiplies the
//!   rounded unit by kWh); per-interval mode — share × (index value of the index interval
//!   containing the load interval's start − baseline), unrounded;
//! - every per-kWh surcharge;
//! - × (1 + rate) when the tariff adds tax (tax contained in the prices changes nothing).
//!
//! A slot that covers several load intervals (a 60-minute slot on 30-minute data), or only
//! part of one, is priced at the mean of the load intervals' prices weighted by the minutes
//! each shares with the slot: the scheduler's power is taken as flat over the slot.
//!
//! **Demand price of a month** (currency per kW of contract demand per month): the basic
//! charge per kW in force × the demand-charge holiday's share × the power-factor multiplier
//! 1 + (base % − power factor %) × step (TEPCO: (185 − pf) / 100), × (1 + rate) for added tax.
//! It is charged on every kW the month's peak rises above [`MonthMarginal::ratchet_kw`], the
//! contract demand the month has without the fleet: for a 12-month ratchet the largest of the
//! previous 11 months' peaks (the load's own earlier months, then `inputs.history`) and the
//! month's base peak; for a monthly-peak contract the base peak; for an agreed contract the
//! larger of the agreed kW and the base peak. The price is per month: a ratchet keeps a new
//! peak for the next 11 months as well, which the caller weighs (see
//! `schedule::Problem::demand_price_per_kw`).
//!
//! **Not included**, and listed in [`MarginalPrices::not_included`] when the tariff has them:
//! - `computed` lines (scripts and plugins see the month's figures — kWh, peak, contract —
//!   and may return anything; bill the resulting load to price them);
//! - subscription blocks and overage (a step cost of the peak, not a price per kW);
//! - the minimum bill (prices assume the month's charges are above it; below it an extra
//!   kWh costs nothing until they reach it);
//! - line and total rounding (at most one rounding step per line per month).

use chrono::{Duration, NaiveDateTime};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use serde::Serialize;
use voltlex_dsl::rules::{AdjustmentMode, Currency, Tariff};

use super::context::MonthContext;
use super::days::Days;
use super::error::BillingError;
use super::{adjust, check_validity, demand, energy, months};
use crate::inputs::{BillingInputs, LoadProfile};
use crate::month::YearMonth;

/// Marginal prices over a horizon of equal slots. See the [module documentation](self) for
/// what each figure holds and what it leaves out.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MarginalPrices {
    /// The tariff's currency.
    pub currency: Currency,
    /// Start of the first slot.
    pub from: NaiveDateTime,
    /// Slot length, minutes.
    pub slot_minutes: u32,
    /// Price of one more grid kWh in each slot, currency per kWh.
    pub energy_per_kwh: Vec<f64>,
    /// Month of each slot's start, as an index into `months`.
    pub slot_month: Vec<usize>,
    /// Demand price and contract level of every month the horizon touches, in order.
    pub months: Vec<MonthMarginal>,
    /// `months[0].demand_per_kw_month`: the demand price of the month the horizon starts in.
    pub demand_per_kw_month: f64,
    /// `months[0].ratchet_kw`: the contract level of the month the horizon starts in.
    pub ratchet_kw: f64,
    /// The tariff's demand interval, minutes: the peak is the largest average over one.
    pub demand_interval_minutes: u32,
    /// Charges of the tariff these prices leave out, each with the reason.
    pub not_included: Vec<String>,
}

/// The demand side of one month, and the per-kWh parts that are the same all month.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MonthMarginal {
    /// The month.
    pub month: YearMonth,
    /// The month's energy in the load (without the schedule), kWh.
    pub base_energy_kwh: f64,
    /// The month's peak in the load, kW.
    pub base_peak_kw: f64,
    /// Contract demand the month has with the load alone, kW: a peak up to it costs nothing.
    pub ratchet_kw: f64,
    /// How `ratchet_kw` was found, as on the bill.
    pub ratchet_basis: String,
    /// Basic charge per kW-month in force (0 without one).
    pub basic_charge_per_kw: f64,
    /// Share of the basic charge billed under a demand-charge holiday (1 without one).
    pub holiday_share: f64,
    /// 1 + the power-factor change (1 without a power-factor rule).
    pub power_factor_multiplier: f64,
    /// Cost of each kW of contract demand above `ratchet_kw` in this month.
    pub demand_per_kw_month: f64,
    /// The per-kWh parts constant over the month (monthly adjustments, surcharges), by line
    /// name, currency per kWh before any added tax.
    pub per_kwh_month: Vec<(String, f64)>,
}

/// Marginal energy prices for `slots` slots of `slot_minutes` from `from`, and the demand
/// price and contract level of each month they touch, under `tariff` with `load` as the
/// site's base load (whole months, as for [`bill`](super::bill), covering the horizon).
///
/// The load sets what depends on the month's totals: the tier of a tiered energy charge and
/// the month's own peak in the ratchet. `inputs` are those of a bill (history, power factor,
/// indices).
///
/// # Errors
///
/// [`BillingError::BadHorizon`] for no slots, slots of 0 minutes or a horizon outside the
/// load; otherwise the errors [`bill`](super::bill) gives for the same data (partial months,
/// values not in force, missing history, power factor or index data).
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use rust_decimal::Decimal;
/// use voltlex_dsl::rules::*;
/// use voltlex_engine::billing::marginal_prices;
/// use voltlex_engine::inputs::{BillingInputs, LoadProfile, PowerFactorInput};
///
/// let at = |line| RuleRef { file: "demo.vlx".into(), line, column: 3 };
/// let tariff = Tariff {
///     name: "demo".into(), origin: at(1), currency: Currency::Jpy,
///     calendar: Calendar { kind: CalendarKind::WeekendsOnly, time_zone: "Asia/Tokyo".into(),
///         added: vec![], removed: vec![] },
///     interval_minutes: 30, seasons: vec![], periods: vec![],
///     demand: Some(Demand {
///         origin: at(2), interval_minutes: 30, contract: ContractDemand::MonthlyPeak,
///         charge_per_kw: Some(Timeline::constant(Decimal::new(1000, 0), at(3))),
///         power_factor: Some(PowerFactorRule { base: Decimal::new(85, 2),
///             step: Decimal::new(1, 2), origin: at(4) }),
///         holiday: None, subscription: None, rounding: None,
///     }),
///     energy: Some(EnergyCharge {
///         pricing: EnergyPricing::Flat(Timeline::constant(Decimal::new(2000, 2), at(5))),
///         origin: at(5), rounding: None,
///     }),
///     adjustments: vec![],
///     surcharges: vec![Surcharge { name: "renewable".into(),
///         rate: Timeline::constant(Decimal::new(349, 2), at(6)), rounding: None,
///         origin: at(6) }],
///     fixed_charges: vec![], computed: vec![], minimum_bill: None, tax: None,
///     rounding: RoundingPolicy::default(), validity: None,
/// };
/// // April 2025 at a flat 50 kW.
/// let start = NaiveDate::from_ymd_opt(2025, 4, 1).unwrap().and_hms_opt(0, 0, 0).unwrap();
/// let load = LoadProfile { start, interval_minutes: 30, kwh: vec![25.0; 30 * 48] };
/// let inputs = BillingInputs {
///     power_factor: Some(PowerFactorInput::Flat(Decimal::new(95, 0))),
///     ..BillingInputs::default()
/// };
/// // One day of 60-minute slots from April 10th, 18:00.
/// let from = start + chrono::Duration::hours(9 * 24 + 18);
/// let prices = marginal_prices(&tariff, &load, &inputs, from, 24, 60)?;
/// // 20.00 energy + 3.49 renewable per kWh, every slot.
/// assert!(prices.energy_per_kwh.iter().all(|&p| (p - 23.49).abs() < 1e-9));
/// // 1,000 JPY/kW × (185 − 95) / 100 = 900 JPY per kW above the 50 kW the month already has.
/// assert!((prices.demand_per_kw_month - 900.0).abs() < 1e-9);
/// assert_eq!(prices.ratchet_kw, 50.0);
/// # Ok::<(), voltlex_engine::billing::BillingError>(())
/// ```
pub fn marginal_prices(
    tariff: &Tariff,
    load: &LoadProfile,
    inputs: &BillingInputs,
    from: NaiveDateTime,
    slots: usize,
    slot_minutes: u32,
) -> Result<MarginalPrices, BillingError> {
    let bad = |problem: String| BillingError::BadHorizon {
        from,
        slots,
        slot_minutes,
        problem,
    };
    if slots == 0 || slot_minutes == 0 {
        return Err(bad("the horizon is empty".to_string()));
    }
    let layout = months::layout(tariff, load)?;
    check_validity(tariff, &layout)?;

    let slot = Duration::minutes(i64::from(slot_minutes));
    let until = i32::try_from(slots)
        .ok()
        .and_then(|count| from.checked_add_signed(slot * count))
        .ok_or_else(|| bad("the horizon ends beyond the dates voltlex can compute".into()))?;
    let load_until = load.interval_start(load.kwh.len());
    if from < load.start || until > load_until {
        return Err(bad(format!(
            "it reaches outside the load ({} to {load_until}); marginal prices need the base \
             load of every month the horizon touches",
            load.start
        )));
    }

    let mut days = Days::new(tariff);
    let mut not_included = not_included(tariff);
    let tax_factor = match &tariff.tax {
        Some(tax) if !tax.included => Decimal::ONE + tax.rate,
        _ => Decimal::ONE,
    };
    let first_month = YearMonth::of(from.date());
    // The month of the horizon's last minute (the horizon ends after its start).
    let last_month = YearMonth::of((until - Duration::seconds(1)).date());

    // Contract demand needs every month's peak up to the last horizon month, in order, as
    // `bill` measures them.
    let mut earlier: Vec<(YearMonth, f64)> = Vec::new();
    let mut months_out: Vec<PricedMonth<'_>> = Vec::new();
    for slice in &layout.months {
        if slice.month > last_month {
            break;
        }
        let measured =
            demand::measure(slice.kwh, layout.per_demand_interval, layout.demand_minutes);
        let peak = (slice.month, measured.peak_kw);
        let contract = demand::contract(tariff.demand.as_ref(), &earlier, peak, inputs)?;
        earlier.push(peak);
        if slice.month < first_month {
            continue;
        }
        let ctx = MonthContext::new(tariff, slice.month)?;
        let (month, per_kwh_month) = price_month(&ctx, inputs, measured, contract, tax_factor)?;
        months_out.push(PricedMonth {
            ctx,
            month,
            per_kwh_month,
        });
    }
    if let Some(demand) = &tariff.demand {
        if demand.subscription.is_some() {
            not_included.push(
                "subscription blocks and overage: a step cost of the peak, not a price per kW"
                    .to_string(),
            );
        }
    }

    // Per-interval prices of the load intervals the horizon touches, weighted into slots.
    let load_step = i64::from(load.interval_minutes) * 60;
    let mut energy_per_kwh = Vec::with_capacity(slots);
    let mut slot_month = Vec::with_capacity(slots);
    let mut cache: Option<(i64, f64)> = None;
    for index in 0..slots {
        let start = from + slot * i32::try_from(index).unwrap_or(i32::MAX);
        let end = start + slot;
        let (first, last) = (
            (start - load.start).num_seconds(),
            (end - load.start).num_seconds(),
        );
        let mut weighted = 0.0;
        let mut interval = first.div_euclid(load_step);
        while interval * load_step < last {
            let overlap =
                (last.min((interval + 1) * load_step) - first.max(interval * load_step)) as f64;
            let price = match cache {
                Some((cached, price)) if cached == interval => price,
                _ => {
                    let at = load.start + Duration::seconds(interval * load_step);
                    let price = interval_price(&months_out, &mut days, inputs, at, tax_factor)?;
                    cache = Some((interval, price));
                    price
                }
            };
            weighted += price * overlap;
            interval += 1;
        }
        energy_per_kwh.push(weighted / (last - first) as f64);
        let month = YearMonth::of(start.date());
        slot_month.push(
            months_out
                .iter()
                .position(|priced| priced.ctx.month == month)
                .unwrap_or(0),
        );
    }

    let months: Vec<MonthMarginal> = months_out.into_iter().map(|m| m.month).collect();
    let (demand_per_kw_month, ratchet_kw) = months
        .first()
        .map_or((0.0, 0.0), |m| (m.demand_per_kw_month, m.ratchet_kw));
    not_included.dedup();
    Ok(MarginalPrices {
        currency: tariff.currency,
        from,
        slot_minutes,
        energy_per_kwh,
        slot_month,
        months,
        demand_per_kw_month,
        ratchet_kw,
        demand_interval_minutes: layout.demand_minutes,
        not_included,
    })
}

/// A horizon month with its context, for pricing its load intervals.
struct PricedMonth<'t> {
    ctx: MonthContext<'t>,
    month: MonthMarginal,
    /// Σ of the per-kWh parts constant over the month, before added tax.
    per_kwh_month: Decimal,
}

/// Lines of the tariff the prices leave out, each with the reason.
fn not_included(tariff: &Tariff) -> Vec<String> {
    let mut out: Vec<String> = tariff
        .computed
        .iter()
        .map(|rule| {
            format!(
                "computed {}: priced by a script or plugin from the month's figures; bill the \
                 resulting load to include it",
                rule.name
            )
        })
        .collect();
    if tariff.minimum_bill.is_some() {
        out.push(
            "minimum bill: the prices assume the month's charges are above the minimum".to_string(),
        );
    }
    out
}

/// The demand side of one month, and the sum of its month-constant per-kWh parts.
fn price_month(
    ctx: &MonthContext<'_>,
    inputs: &BillingInputs,
    measured: demand::Measured,
    contract: demand::Contract,
    tax_factor: Decimal,
) -> Result<(MonthMarginal, Decimal), BillingError> {
    let tariff = ctx.tariff;
    let (mut basic, mut share, mut multiplier) = (Decimal::ZERO, Decimal::ONE, Decimal::ONE);
    if let Some(demand) = &tariff.demand {
        if let Some(charge) = &demand.charge_per_kw {
            basic = ctx
                .value(charge, "basic charge per kW", &demand.origin)?
                .value;
            share = demand::holiday_share(ctx, demand);
            if let Some(rule) = &demand.power_factor {
                let (_, change) = demand::power_factor_change(ctx, rule, inputs)?;
                multiplier = ctx.add(Decimal::ONE, change, "power-factor adjustment")?;
            }
        }
    }
    let demand_price = [share, multiplier, tax_factor]
        .into_iter()
        .try_fold(basic, |price, factor| {
            ctx.mul(price, factor, "marginal demand price")
        })?;

    let mut per_kwh_month = Vec::new();
    let mut constant = Decimal::ZERO;
    let what = "marginal energy price";
    for adjustment in &tariff.adjustments {
        if adjustment.mode == AdjustmentMode::Monthly {
            let series = adjust::series(adjustment, inputs)?;
            let baseline = adjust::baseline(ctx, adjustment)?;
            let unit = adjust::monthly_unit(ctx, adjustment, series, baseline)?.unit;
            constant = ctx.add(constant, unit, what)?;
            per_kwh_month.push((format!("adjustment {}", adjustment.name), number(unit)));
        }
    }
    for surcharge in &tariff.surcharges {
        let what = format!("surcharge {}", surcharge.name);
        let rate = ctx.value(&surcharge.rate, &what, &surcharge.origin)?.value;
        constant = ctx.add(constant, rate, &what)?;
        per_kwh_month.push((what, number(rate)));
    }
    let month = MonthMarginal {
        month: ctx.month,
        base_energy_kwh: measured.energy_kwh,
        base_peak_kw: measured.peak_kw,
        ratchet_kw: contract.kw,
        ratchet_basis: contract.basis,
        basic_charge_per_kw: number(basic),
        holiday_share: number(share),
        power_factor_multiplier: number(multiplier),
        demand_per_kw_month: number(demand_price),
        per_kwh_month,
    };
    Ok((month, constant))
}

/// Price of one more kWh in the load interval starting `at`, tax factor included.
fn interval_price(
    months: &[PricedMonth<'_>],
    days: &mut Days<'_>,
    inputs: &BillingInputs,
    at: NaiveDateTime,
    tax_factor: Decimal,
) -> Result<f64, BillingError> {
    let month = YearMonth::of(at.date());
    // The horizon lies in the load and every horizon month was priced: not found is a bug.
    let priced = months
        .iter()
        .find(|priced| priced.ctx.month == month)
        .ok_or(BillingError::MonthOutOfRange { month })?;
    let ctx = &priced.ctx;
    let tariff = ctx.tariff;
    let what = "marginal energy price";
    let mut price = priced.per_kwh_month;
    if let Some(charge) = &tariff.energy {
        let rate = energy::marginal_rate(ctx, charge, days, at, priced.month.base_energy_kwh)?;
        price = ctx.add(price, rate, what)?;
    }
    for adjustment in &tariff.adjustments {
        if adjustment.mode == AdjustmentMode::PerInterval {
            let series = adjust::series(adjustment, inputs)?;
            let baseline = adjust::baseline(ctx, adjustment)?;
            let value = adjust::interval_value(ctx, adjustment, series, at)?;
            let movement = ctx.sub(value, baseline, what)?;
            price = ctx.add(price, ctx.mul(adjustment.share, movement, what)?, what)?;
        }
    }
    Ok(number(ctx.mul(price, tax_factor, what)?))
}

/// A decimal price as the solver's `f64` (decimals of money are far inside its range).
fn number(value: Decimal) -> f64 {
    value.to_f64().unwrap_or(0.0)
}
