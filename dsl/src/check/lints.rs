//! Warnings for likely mistakes in a tariff that checks: periods nothing prices by, and a rate
//! far from its siblings (a misplaced decimal point). They never stop compilation.

use rust_decimal::Decimal;
use std::str::FromStr;

use crate::ast::{self, EnergyBody, ItemKind, Quantity, Timeline};
use crate::diagnostic::{codes, Diagnostic};
use crate::rules::{EnergyPricing, Tariff};
use crate::source::Span;

/// How far from its siblings a rate may be before it is suspicious: a factor of 5 either way
/// catches a slipped decimal point (×10) and leaves real spreads alone (Japanese TOU prices
/// span about 2×, US super-off-peak to peak about 2.5×).
const OUTLIER_FACTOR: i64 = 5;

/// The warnings of one tariff that checked without errors.
pub(super) fn warnings(decl: &ast::TariffDecl, tariff: &Tariff) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    unused_periods(decl, tariff, &mut out);
    for item in &decl.items {
        match &item.kind {
            ItemKind::Energy {
                body: EnergyBody::Keyed(entries),
                ..
            } => {
                let firsts: Vec<(String, &Quantity)> = entries
                    .iter()
                    .filter_map(|(key, t)| {
                        t.steps.first().map(|s| (key.value.clone(), &s.quantity))
                    })
                    .collect();
                sibling_outliers(&firsts, "energy price", &mut out);
                entries
                    .iter()
                    .for_each(|(_, t)| timeline_jumps(t, &mut out));
            }
            ItemKind::Energy {
                body: EnergyBody::Tiers(tiers),
                ..
            } => {
                let firsts: Vec<(String, &Quantity)> = tiers
                    .iter()
                    .enumerate()
                    .filter_map(|(i, (_, t, _))| {
                        t.steps
                            .first()
                            .map(|s| (format!("tier {}", i + 1), &s.quantity))
                    })
                    .collect();
                sibling_outliers(&firsts, "tier price", &mut out);
                tiers
                    .iter()
                    .for_each(|(_, t, _)| timeline_jumps(t, &mut out));
            }
            ItemKind::Energy {
                body: EnergyBody::Flat(t),
                ..
            }
            | ItemKind::Surcharge { rate: t, .. }
            | ItemKind::Fixed { amount: t, .. }
            | ItemKind::Minimum(t) => timeline_jumps(t, &mut out),
            ItemKind::Demand(items) => {
                for item in items {
                    if let ast::DemandItem::Charge(t) | ast::DemandItem::Overage(t) = &item.value {
                        timeline_jumps(t, &mut out);
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// Periods are declared but no price is keyed by them.
fn unused_periods(decl: &ast::TariffDecl, tariff: &Tariff, out: &mut Vec<Diagnostic>) {
    if tariff.periods.is_empty()
        || matches!(
            tariff.energy.as_ref().map(|e| &e.pricing),
            Some(EnergyPricing::ByPeriod(_))
        )
    {
        return;
    }
    let Some(span) = decl
        .items
        .iter()
        .find(|i| matches!(i.kind, ItemKind::Periods(_)))
        .map(|i| i.keyword)
    else {
        return;
    };
    let names: Vec<&str> = tariff.periods.iter().map(|p| p.name.as_str()).collect();
    out.push(
        Diagnostic::warning(
            codes::UNUSED_PERIOD,
            format!(
                "periods `{}` are declared but nothing is priced by them",
                names.join("`, `")
            ),
            span,
            "never used",
        )
        .with_help("price energy by period (`energy { peak … }`), or remove the periods block"),
    );
}

fn value(quantity: &Quantity) -> Option<Decimal> {
    Decimal::from_str(&quantity.number.value.replace('_', "")).ok()
}

/// A sibling price more than [`OUTLIER_FACTOR`] times above or below the median of all of them.
fn sibling_outliers(siblings: &[(String, &Quantity)], what: &str, out: &mut Vec<Diagnostic>) {
    if siblings.len() < 3 {
        return;
    }
    let mut all: Vec<Decimal> = siblings
        .iter()
        .filter_map(|(_, q)| value(q))
        .filter(|v| *v > Decimal::ZERO)
        .collect();
    if all.len() < 3 {
        return;
    }
    all.sort();
    let Some(median) = median(&all) else {
        return;
    };
    for (name, quantity) in siblings {
        let Some(mine) = value(quantity).filter(|v| *v > Decimal::ZERO) else {
            continue;
        };
        if let Some(ratio) = far_apart(mine, median) {
            out.push(outlier(
                quantity.number.span,
                format!("{what} for `{name}` is {ratio} the median of its siblings ({median})"),
            ));
        }
    }
}

/// The median of sorted values; `None` for none.
fn median(sorted: &[Decimal]) -> Option<Decimal> {
    let middle = sorted.len() / 2;
    let upper = *sorted.get(middle)?;
    if sorted.len() % 2 == 1 {
        Some(upper)
    } else {
        let lower = *sorted.get(middle.checked_sub(1)?)?;
        Some((lower + upper) / Decimal::TWO)
    }
}

/// A timeline whose value jumps by more than [`OUTLIER_FACTOR`] from one step to the next.
fn timeline_jumps(timeline: &Timeline, out: &mut Vec<Diagnostic>) {
    for (first, second) in timeline.steps.iter().zip(timeline.steps.iter().skip(1)) {
        let (Some(before), Some(after)) = (value(&first.quantity), value(&second.quantity)) else {
            continue;
        };
        if before <= Decimal::ZERO || after <= Decimal::ZERO {
            continue;
        }
        if let Some(ratio) = far_apart(after, before) {
            out.push(outlier(
                second.quantity.number.span,
                format!("{after} is {ratio} the value before it ({before})"),
            ));
        }
    }
}

/// "12× " or "1/12 of" when `value` is more than the outlier factor away from `reference`.
fn far_apart(value: Decimal, reference: Decimal) -> Option<String> {
    let factor = Decimal::from(OUTLIER_FACTOR);
    if value > reference * factor {
        Some(format!("{}×", (value / reference).round()))
    } else if value * factor < reference {
        Some(format!("1/{} of", (reference / value).round()))
    } else {
        None
    }
}

fn outlier(span: Span, message: String) -> Diagnostic {
    Diagnostic::warning(codes::RATE_OUTLIER, message, span, "far from its siblings")
        .with_help("check for a misplaced decimal point or a wrong unit; if the figure is right, ignore this warning")
}
