//! Monthly bills from interval meter data under a compiled [`Tariff`].
//!
//! [`bill`] cuts the load into calendar months (see the checks there), measures each month's
//! peak and energy, finds its contract demand, and prices it line by line in a fixed order:
//!
//! 1. demand — basic charge (with demand-charge holiday), power-factor adjustment,
//!    subscription and overage (module `demand`);
//! 2. energy — flat, by season, by time-of-use period or tiered (module `energy`, with the
//!    per-day period tables of module `days`);
//! 3. index-linked adjustments (fuel cost, market price; module `adjust`);
//! 4. per-kWh surcharges; 5. fixed charges; 6. the minimum-bill top-up;
//! 7. tax — contained (informational line) or added; 8. rounding of the total.
//!
//! **Values in force.** Every rate is the value its timeline has on the 1st of the billing
//! month (the straddling rule: the value in force on the 1st applies to the whole month). A
//! timeline with no value then, or a month whose 1st lies outside the tariff's validity, is
//! an error naming the rule and the month.
//!
//! **Quantities and rounding.** kWh and kW figures are turned into decimals rounded to 3
//! places before they are priced. Each line is rounded by its own rule's rounding if it has
//! one, else by the tariff's `round each line`; a line with neither is not rounded.
//!
//! **Trace.** Every line carries the [`RuleRef`](voltlex_dsl::rules::RuleRef) of the rule
//! that produced it (for a rate, the timeline step in force) and its arithmetic in words.

mod adjust;
mod computed;
mod context;
mod days;
mod demand;
mod energy;
mod error;
mod format;
pub mod marginal;
mod money;
mod months;
mod types;

pub use error::BillingError;
pub use marginal::{marginal_prices, MarginalPrices, MonthMarginal};
pub use types::{BillRun, LineItem, LineKind, MonthlyBill};

use rust_decimal::Decimal;
use voltlex_dsl::rules::Tariff;
use voltlex_dsl::sandbox::Sandboxes;

use crate::inputs::{BillingInputs, LoadProfile};
use crate::month::YearMonth;
use context::MonthContext;
use days::Days;

/// Bill every calendar month of `load` under `tariff`.
///
/// **Months.** The load must cover whole months: it starts at 00:00 on a 1st and ends at
/// 00:00 on a later 1st (a load starting or ending mid-month is an error naming the month
/// and its first and last missing interval). Its interval must divide the tariff's interval
/// (time-of-use periods cannot be resolved from coarser data) and the demand interval
/// (15-minute demand cannot be derived from 30-minute data). Interval energies must be
/// finite and not negative. Interval labels are local clock times, taken as they are (no
/// daylight-saving gaps).
///
/// **Demand.** A month's peak is the largest average kW over a demand interval (the load's
/// intervals summed into demand intervals; the tariff's interval when it has no demand
/// block). Its contract demand follows the tariff's rule — ratchet over the run's own
/// earlier months, then `inputs.history`, months before `inputs.supply_start` skipped; the
/// monthly peak; or the agreed `inputs.contract_kw` — and is never below the peak.
///
/// **Lines**, in order: basic charge × holiday share; power-factor adjustment; subscription
/// and overage; energy; adjustments; surcharges (rate × month kWh); fixed charges; a
/// "minimum bill" top-up when the lines so far fall short of the minimum; tax; a "rounding"
/// line when the tariff rounds the total and that changes it. See the module
/// documentation for values in force, quantities and rounding.
///
/// **Tax.** Included: an informational line "*name* tax (included)" = subtotal × rate ÷ (1 +
/// rate), rounded down to the currency unit (1 JPY, 0.01 USD), not added to the total.
/// Added: a line subtotal × rate, rounded by `round each line`.
///
/// **Totals.** A month's total is the sum of its non-informational lines (after the total
/// rounding); the run's total is the sum of the month totals.
///
/// # Errors
///
/// Any [`BillingError`]: partial months, unusable intervals, values not in force, missing
/// history, power factor, contract demand or index data. Nothing is billed on error.
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use rust_decimal::Decimal;
/// use voltlex_dsl::rules::*;
/// use voltlex_engine::billing::{bill, LineKind};
/// use voltlex_engine::inputs::{BillingInputs, LoadProfile};
///
/// let at = |line| RuleRef { file: "demo.vlx".into(), line, column: 3 };
/// let tariff = Tariff {
///     name: "demo".into(),
///     origin: at(1),
///     currency: Currency::Jpy,
///     calendar: Calendar { kind: CalendarKind::WeekendsOnly, time_zone: "Asia/Tokyo".into(),
///         added: vec![], removed: vec![] },
///     interval_minutes: 30,
///     seasons: vec![],
///     periods: vec![],
///     demand: Some(Demand {
///         origin: at(2),
///         interval_minutes: 30,
///         contract: ContractDemand::MonthlyPeak,
///         charge_per_kw: Some(Timeline::constant(Decimal::new(1000, 0), at(3))),
///         power_factor: None,
///         holiday: None,
///         subscription: None,
///         rounding: None,
///     }),
///     energy: Some(EnergyCharge {
///         pricing: EnergyPricing::Flat(Timeline::constant(Decimal::new(2000, 2), at(5))),
///         origin: at(5),
///         rounding: None,
///     }),
///     adjustments: vec![],
///     surcharges: vec![],
///     fixed_charges: vec![],
///     computed: vec![],
///     minimum_bill: None,
///     tax: Some(Tax { name: "consumption".into(), rate: Decimal::new(10, 2), included: true,
///         origin: at(6) }),
///     rounding: RoundingPolicy {
///         each_line: Some((Rounding { step: Decimal::ONE, mode: RoundingMode::Down }, at(7))),
///         total: None,
///     },
///     validity: None,
/// };
///
/// // April 2025: 30 days of 30-minute intervals at 25 kWh (50 kW), one at 40 kWh (80 kW).
/// let mut kwh = vec![25.0; 30 * 48];
/// kwh[100] = 40.0;
/// let start = NaiveDate::from_ymd_opt(2025, 4, 1).unwrap().and_hms_opt(0, 0, 0).unwrap();
/// let load = LoadProfile { start, interval_minutes: 30, kwh };
///
/// let run = bill(&tariff, &load, &BillingInputs::default())?;
/// let april = &run.months[0];
/// assert_eq!(april.peak_kw, 80.0);
/// // basic 1,000 JPY/kW × 80 kW = 80,000; energy 20.00 JPY/kWh × 36,015 kWh = 720,300.
/// assert_eq!(april.lines[0].amount, Decimal::new(80_000, 0));
/// assert_eq!(april.lines[1].amount, Decimal::new(720_300, 0));
/// // 10 % tax contained in 800,300: 800,300 × 0.1 / 1.1 = 72,754.54… → 72,754 (not added).
/// let tax = &april.lines[2];
/// assert!(tax.informational && tax.kind == LineKind::Tax);
/// assert_eq!(tax.amount, Decimal::new(72_754, 0));
/// assert_eq!(run.total, Decimal::new(800_300, 0));
/// # Ok::<(), voltlex_engine::billing::BillingError>(())
/// ```
pub fn bill(
    tariff: &Tariff,
    load: &LoadProfile,
    inputs: &BillingInputs,
) -> Result<BillRun, BillingError> {
    let layout = months::layout(tariff, load)?;
    check_validity(tariff, &layout)?;

    let measured: Vec<demand::Measured> = layout
        .months
        .iter()
        .map(|slice| demand::measure(slice.kwh, layout.per_demand_interval, layout.demand_minutes))
        .collect();

    let mut days = Days::new(tariff);
    // Scripts and plugins are compiled once for the whole run.
    // Created on first use: a tariff without computed lines pays nothing for the engines.
    let mut sandboxes: Option<Sandboxes> = None;
    let mut bills = Vec::with_capacity(layout.months.len());
    let mut total = Decimal::ZERO;
    // The monthly peaks of the run so far, for the ratchet.
    let mut earlier: Vec<(YearMonth, f64)> = Vec::with_capacity(layout.months.len());
    for (slice, &measured) in layout.months.iter().zip(&measured) {
        let ctx = MonthContext::new(tariff, slice.month)?;
        let peak = (slice.month, measured.peak_kw);
        let contract = demand::contract(tariff.demand.as_ref(), &earlier, peak, inputs)?;
        earlier.push(peak);
        let kwh = slice.kwh;
        let split = energy::split(
            &ctx,
            &mut days,
            kwh,
            layout.per_day,
            layout.per_tariff_interval,
        )?;
        let month_bill = bill_month(
            &ctx,
            MonthFacts {
                kwh,
                interval_minutes: load.interval_minutes,
                measured,
                contract,
                split,
            },
            inputs,
            &mut sandboxes,
        )?;
        total = ctx.add(total, month_bill.total, "the run's total")?;
        bills.push(month_bill);
    }
    Ok(BillRun {
        tariff: tariff.name.clone(),
        currency: tariff.currency,
        months: bills,
        total,
    })
}

/// Every month of `layout` must start inside the tariff's validity window.
fn check_validity(tariff: &Tariff, layout: &months::Layout<'_>) -> Result<(), BillingError> {
    if let Some((from, until)) = tariff.validity {
        for slice in &layout.months {
            let day = slice
                .month
                .first_day()
                .ok_or(BillingError::MonthOutOfRange { month: slice.month })?;
            if day < from || day >= until {
                return Err(BillingError::OutsideValidity {
                    tariff: tariff.name.clone(),
                    month: slice.month,
                    from,
                    until,
                });
            }
        }
    }
    Ok(())
}

/// What was measured about a month before it is priced.
struct MonthFacts<'a> {
    kwh: &'a [f64],
    interval_minutes: u32,
    measured: demand::Measured,
    contract: demand::Contract,
    split: energy::Split,
}

/// Price one month: every line in order, then tax and total rounding.
fn bill_month(
    ctx: &MonthContext<'_>,
    facts: MonthFacts<'_>,
    inputs: &BillingInputs,
    sandboxes: &mut Option<Sandboxes>,
) -> Result<MonthlyBill, BillingError> {
    let tariff = ctx.tariff;
    let currency = ctx.currency();
    let energy_kwh = facts.measured.energy_kwh;
    let energy_quantity = ctx.quantity(energy_kwh, "energy")?;
    let mut lines = Vec::new();

    let mut power_factor = None;
    if let Some(demand) = &tariff.demand {
        power_factor = demand::lines(
            ctx,
            demand,
            facts.contract.kw,
            facts.measured.peak_kw,
            inputs,
            &mut lines,
        )?;
    }
    if let Some(energy) = &tariff.energy {
        energy::lines(ctx, energy, energy_kwh, &facts.split, &mut lines)?;
    }
    let month_load = adjust::MonthLoad {
        kwh: facts.kwh,
        interval_minutes: facts.interval_minutes,
        energy: energy_quantity,
    };
    for adjustment in &tariff.adjustments {
        lines.push(adjust::line(ctx, adjustment, inputs, &month_load)?);
    }
    for surcharge in &tariff.surcharges {
        let what = format!("surcharge {}", surcharge.name);
        let rate = ctx.value(&surcharge.rate, &what, &surcharge.origin)?;
        lines.push(ctx.priced(context::Priced {
            item: what,
            kind: LineKind::Surcharge,
            quantity: energy_quantity,
            unit: "kWh",
            price: rate.clone(),
            note: String::new(),
            own_rounding: surcharge.rounding,
        })?);
    }
    for rule in &tariff.computed {
        let month = computed::MonthFacts {
            kwh: facts.kwh,
            interval_minutes: facts.interval_minutes,
            energy_kwh,
            peak_kw: facts.measured.peak_kw,
            contract_kw: facts.contract.kw,
        };
        let sandboxes = sandboxes.get_or_insert_with(Sandboxes::default);
        lines.push(computed::line(ctx, rule, &month, inputs, sandboxes)?);
    }
    for fixed in &tariff.fixed_charges {
        lines.push(fixed_line(ctx, fixed)?);
    }
    if let Some(minimum) = &tariff.minimum_bill {
        let value = ctx.value(&minimum.amount, "minimum bill", &minimum.origin)?;
        let charges = sum_lines(ctx, &lines)?;
        if charges < value.value {
            let raw = ctx.sub(value.value, charges, "minimum bill")?;
            let rounding = ctx.rounding(None);
            let amount = ctx.round(raw, rounding, "minimum bill")?;
            lines.push(LineItem {
                item: "minimum bill".to_string(),
                kind: LineKind::Minimum,
                quantity: None,
                unit: None,
                unit_price: None,
                amount,
                rule: value.origin.clone(),
                calculation: format!(
                    "minimum {} {currency} − charges {} {currency} = {}{}",
                    format::money(value.value),
                    format::money(charges),
                    format::money(raw),
                    format::rounding(rounding, currency),
                ),
                informational: false,
            });
        }
    }
    if let Some(tax) = &tariff.tax {
        let subtotal = sum_lines(ctx, &lines)?;
        let what = format!("{} tax", tax.name);
        let taxed = ctx.mul(subtotal, tax.rate, &what)?;
        let (raw, rounding, item, how) = if tax.included {
            let raw = ctx.div(taxed, Decimal::ONE + tax.rate, &what)?;
            (
                raw,
                Some(money::down_to_unit(currency)),
                format!("{} tax (included)", tax.name),
                format!(
                    "{} {currency} × {} ÷ (1 + {})",
                    format::money(subtotal),
                    format::percent(tax.rate),
                    format::percent(tax.rate)
                ),
            )
        } else {
            (
                taxed,
                ctx.rounding(None),
                what.clone(),
                format!(
                    "{} {currency} × {}",
                    format::money(subtotal),
                    format::percent(tax.rate)
                ),
            )
        };
        let amount = ctx.round(raw, rounding, &what)?;
        let shown = raw.round_dp(6);
        let equals = if shown == raw { "=" } else { "≈" };
        let tail = if tax.included {
            "; contained in the prices, not added"
        } else {
            ""
        };
        lines.push(LineItem {
            item,
            kind: LineKind::Tax,
            quantity: None,
            unit: None,
            unit_price: None,
            amount,
            rule: tax.origin.clone(),
            calculation: format!(
                "{how} {equals} {}{}{tail}",
                format::money(shown),
                format::rounding(rounding, currency)
            ),
            informational: tax.included,
        });
    }
    let mut total = sum_lines(ctx, &lines)?;
    if let Some((rounding, rule)) = &tariff.rounding.total {
        let rounded = ctx.round(total, Some(*rounding), "total")?;
        if rounded != total {
            let difference = ctx.sub(rounded, total, "total rounding")?;
            lines.push(LineItem {
                item: "rounding".to_string(),
                kind: LineKind::Rounding,
                quantity: None,
                unit: None,
                unit_price: None,
                amount: difference,
                rule: rule.clone(),
                calculation: format!(
                    "total {} {currency}{} = {}: {}",
                    format::money(total),
                    format::rounding(Some(*rounding), currency),
                    format::money(rounded),
                    format::money(difference)
                ),
                informational: false,
            });
            total = rounded;
        }
    }
    Ok(MonthlyBill {
        month: ctx.month,
        peak_kw: facts.measured.peak_kw,
        contract_kw: facts.contract.kw,
        contract_basis: facts.contract.basis,
        energy_kwh,
        power_factor,
        energy_by_period: facts.split.by_period_named(tariff),
        lines,
        total,
    })
}

/// A fixed monthly charge, rounded by `each_line`.
fn fixed_line(
    ctx: &MonthContext<'_>,
    fixed: &voltlex_dsl::rules::FixedCharge,
) -> Result<LineItem, BillingError> {
    let what = format!("fixed {}", fixed.name);
    let value = ctx.value(&fixed.amount, &what, &fixed.origin)?;
    let rounding = ctx.rounding(None);
    let amount = ctx.round(value.value, rounding, &what)?;
    Ok(LineItem {
        calculation: format!(
            "{} {} per month{}",
            format::money(value.value),
            ctx.currency(),
            format::rounding(rounding, ctx.currency())
        ),
        item: what,
        kind: LineKind::Fixed,
        quantity: None,
        unit: None,
        unit_price: None,
        amount,
        rule: value.origin.clone(),
        informational: false,
    })
}

/// Sum of the non-informational lines.
fn sum_lines(ctx: &MonthContext<'_>, lines: &[LineItem]) -> Result<Decimal, BillingError> {
    lines
        .iter()
        .filter(|line| !line.informational)
        .try_fold(Decimal::ZERO, |sum, line| {
            ctx.add(sum, line.amount, "the month's total")
        })
}
