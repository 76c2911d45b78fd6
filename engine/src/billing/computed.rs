//! Lines priced by a script or plugin (`computed NAME { … }`): the month's facts go into the
//! sandbox, a price in the declared unit comes out, and the line is that price × the month's
//! kWh, × its contract kW, or the amount itself.

use chrono::Duration;
use rust_decimal::prelude::FromPrimitive;
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use voltlex_dsl::rules::{Computed, ComputedBasis};
use voltlex_dsl::sandbox::{ComputeInput, Sandboxes};

use super::context::MonthContext;
use super::format;
use super::{BillingError, LineItem, LineKind};
use crate::inputs::{BillingInputs, IndexSeries};
use crate::month::YearMonth;

/// What the month offers a computed rule.
pub(crate) struct MonthFacts<'a> {
    pub kwh: &'a [f64],
    pub interval_minutes: u32,
    pub energy_kwh: f64,
    pub peak_kw: f64,
    pub contract_kw: f64,
}

/// The line of one computed rule for one month.
pub(crate) fn line(
    ctx: &MonthContext<'_>,
    computed: &Computed,
    facts: &MonthFacts<'_>,
    inputs: &BillingInputs,
    sandboxes: &mut Sandboxes,
) -> Result<LineItem, BillingError> {
    let fail = |problem: String| BillingError::Computed {
        name: computed.name.clone(),
        rule: computed.origin.clone(),
        month: ctx.month,
        problem,
    };
    let mut index = BTreeMap::new();
    for wanted in &computed.indices {
        let series = inputs.indices.get(&wanted.name).ok_or_else(|| {
            let given: Vec<&str> = inputs.indices.keys().map(String::as_str).collect();
            fail(format!(
                "reads index \"{}\", which was not given (--index {}=FILE); indices given: {}",
                wanted.name,
                wanted.name,
                if given.is_empty() {
                    "none".to_string()
                } else {
                    given.join(", ")
                }
            ))
        })?;
        let month = ctx.month.minus(wanted.lag_months);
        index.insert(
            wanted.name.clone(),
            month_values(series, month)
                .map_err(|problem| fail(format!("index \"{}\": {problem}", wanted.name)))?,
        );
    }
    let input = ComputeInput {
        month: ctx.month.to_string(),
        year: ctx.month.year,
        month_number: ctx.month.month,
        days: ctx.month.days(),
        energy_kwh: facts.energy_kwh,
        peak_kw: facts.peak_kw,
        contract_kw: facts.contract_kw,
        interval_minutes: facts.interval_minutes,
        interval_kwh: facts.kwh.to_vec(),
        index,
    };
    let value = sandboxes
        .evaluate(computed, &input)
        .map_err(|e| fail(e.to_string()))?;
    // The script's price as exactly as the f64 holds it (shortest round-trip decimal): a
    // weighted average rounded to a few places could move a rounded-down line by a yen.
    let price = Decimal::from_f64(value)
        .ok_or_else(|| fail(format!("result {value} is not a representable price")))?;
    let currency = ctx.currency();
    let what = format!("computed {}", computed.name);
    let (quantity, unit, raw, product) = match computed.basis {
        ComputedBasis::PerKwh => {
            let kwh = ctx.quantity(facts.energy_kwh, "energy")?;
            let raw = ctx.mul(price, kwh, &what)?;
            (
                Some(kwh),
                Some("kWh"),
                raw,
                format!(
                    "{} {} × {} kWh",
                    format::money(price),
                    computed.returns,
                    format::number(kwh)
                ),
            )
        }
        ComputedBasis::PerKwMonth => {
            let kw = ctx.quantity(facts.contract_kw, "contract demand")?;
            let raw = ctx.mul(price, kw, &what)?;
            (
                Some(kw),
                Some("kW"),
                raw,
                format!(
                    "{} {} × {} kW",
                    format::money(price),
                    computed.returns,
                    format::number(kw)
                ),
            )
        }
        ComputedBasis::PerMonth => (
            None,
            None,
            price,
            format!("{} {}", format::money(price), computed.returns),
        ),
    };
    let rounding = ctx.rounding(computed.rounding);
    let amount = ctx.round(raw, rounding, &what)?;
    let source = match &computed.source {
        voltlex_dsl::rules::ComputedSource::Script { file, .. } => format!("script {file}"),
        voltlex_dsl::rules::ComputedSource::Plugin { file, export, .. } => {
            format!("plugin {file} export {export}")
        }
    };
    Ok(LineItem {
        item: what,
        kind: LineKind::Computed,
        quantity,
        unit: unit.map(str::to_string),
        unit_price: Some(price),
        amount,
        rule: computed.origin.clone(),
        calculation: format!(
            "{source} gave {}; {product} = {}{}",
            format::money(price),
            format::money(raw),
            format::rounding(rounding, currency)
        ),
        informational: false,
    })
}

/// The values of an index in one month, in time order: its one monthly value, or every
/// interval (each must be present).
fn month_values(series: &IndexSeries, month: YearMonth) -> Result<Vec<f64>, String> {
    let to_f64 = |d: &Decimal| d.to_string().parse::<f64>().unwrap_or(f64::NAN);
    match series {
        IndexSeries::Monthly(values) => values
            .get(&month)
            .map(|v| vec![to_f64(v)])
            .ok_or_else(|| format!("no value for {month}")),
        IndexSeries::Interval {
            interval_minutes,
            values,
        } => {
            let start_of = |month: YearMonth| {
                month
                    .start()
                    .ok_or_else(|| BillingError::MonthOutOfRange { month }.to_string())
            };
            let start = start_of(month)?;
            let end = start_of(month.next())?;
            let step = Duration::minutes(i64::from(*interval_minutes));
            let mut expected = start;
            let mut out = Vec::new();
            for (&at, value) in values.range(start..end) {
                if at != expected {
                    return Err(format!("no value for the interval starting {expected}"));
                }
                out.push(to_f64(value));
                expected += step;
            }
            if expected < end {
                return Err(format!("no value for the interval starting {expected}"));
            }
            Ok(out)
        }
    }
}
