//! `chemistry` blocks: checked and lowered to [`ChemistryRule`].
//!
//! Percentages become `f64` fractions (`end of life 80%` → a loss of `0.2`), the cycle-life
//! curve is sorted by depth of discharge, and a statement left out stays `None` for the engine
//! to take from the preset (`based on`).

use rust_decimal::Decimal;

use super::contract::decimal_f64;
use super::Checker;
use crate::ast::{ChemistryDecl, ChemistryItemKind, CyclePoint, Quantity, Spanned};
use crate::diagnostic::{codes, did_you_mean, Diagnostic};
use crate::rules::{ChemistryRule, Currency, CycleLifePoint};
use crate::source::Span;
use crate::units::{read_unit, UnitKind};

/// The statements of a chemistry, for "did you mean" and the help line.
const CHEMISTRY_ITEMS: &[&str] = &[
    "based on",
    "cycle life",
    "end of life",
    "calendar loss",
    "calendar exponent",
    "replacement cost",
];

/// The presets `based on` may name.
pub(super) const PRESETS: [&str; 2] = ["LFP", "NMC"];

/// A checked chemistry, with the currency of its replacement cost (if given) and where that
/// is written, for the package-level currency check.
pub(super) struct CheckedChemistry {
    /// The lowered rule.
    pub rule: ChemistryRule,
    /// The replacement cost's currency and unit span.
    pub cost_currency: Option<(Currency, Span)>,
}

impl Checker<'_> {
    /// Checks one chemistry; `None` when it has an error (reported).
    pub(super) fn chemistry(&mut self, decl: &ChemistryDecl) -> Option<CheckedChemistry> {
        let errors_before = self.error_count();
        let mut seen: Vec<(&'static str, Span)> = Vec::new();
        let mut rule = ChemistryRule {
            name: decl.name.value.clone(),
            origin: self.rule_ref(decl.span),
            based_on: None,
            cycle_life: Vec::new(),
            end_of_life_loss: None,
            calendar_loss_first_year: None,
            calendar_exponent: None,
            replacement_cost_per_kwh: None,
        };
        let mut cost_currency = None;
        for item in &decl.items {
            let what = match &item.kind {
                ChemistryItemKind::BasedOn(_) => "based on",
                ChemistryItemKind::CycleLife(_) => "cycle life",
                ChemistryItemKind::EndOfLife(_) => "end of life",
                ChemistryItemKind::CalendarLoss { .. } => "calendar loss",
                ChemistryItemKind::CalendarExponent(_) => "calendar exponent",
                ChemistryItemKind::ReplacementCost(_) => "replacement cost",
                ChemistryItemKind::Unknown(word) => {
                    self.unknown(word, CHEMISTRY_ITEMS, "chemistry");
                    continue;
                }
            };
            if !self.once_in_block(&mut seen, what, item.keyword) {
                continue;
            }
            match &item.kind {
                ChemistryItemKind::BasedOn(preset) => rule.based_on = self.preset(preset),
                ChemistryItemKind::CycleLife(points) => {
                    rule.cycle_life = self.cycle_life(points, item.span).unwrap_or_default();
                }
                ChemistryItemKind::EndOfLife(quantity) => {
                    rule.end_of_life_loss = self.end_of_life(quantity);
                }
                ChemistryItemKind::CalendarLoss { loss, after } => {
                    let one_year = self.one_year(after);
                    let loss = self.calendar_loss(loss);
                    rule.calendar_loss_first_year = one_year.and(loss);
                }
                ChemistryItemKind::CalendarExponent(number) => {
                    rule.calendar_exponent = self.positive(number, "as a calendar exponent");
                }
                ChemistryItemKind::ReplacementCost(quantity) => {
                    if let Some((cost, currency)) = self.replacement_cost(quantity) {
                        rule.replacement_cost_per_kwh = Some(cost);
                        cost_currency = Some((currency, quantity.unit_text.span));
                    }
                }
                ChemistryItemKind::Unknown(_) => {}
            }
        }
        let has = |what: &str| seen.iter().any(|(w, _)| *w == what);
        if !has("cycle life") && !has("based on") {
            self.report(
                Diagnostic::error(
                    codes::MISSING,
                    format!(
                        "chemistry \"{}\" has neither a cycle life nor a preset",
                        decl.name.value
                    ),
                    decl.name.span,
                    "needs `cycle life …` or `based on \"LFP\"`",
                )
                .with_help(
                    "give the curve (`cycle life 3000 at 100% DoD, 9000 at 40% DoD`) or name the preset the chemistry starts from (`based on \"LFP\"` or `based on \"NMC\"`)",
                ),
            );
        }
        (self.error_count() == errors_before).then_some(CheckedChemistry {
            rule,
            cost_currency,
        })
    }

    fn preset(&mut self, preset: &Spanned<String>) -> Option<String> {
        if let Some(known) = PRESETS.iter().find(|p| **p == preset.value) {
            return Some((*known).to_string());
        }
        let diagnostic = Diagnostic::error(
            codes::UNKNOWN_PRESET,
            format!("unknown chemistry preset \"{}\"", preset.value),
            preset.span,
            "expected \"LFP\" or \"NMC\"",
        );
        self.report(match did_you_mean(&preset.value, PRESETS) {
            Some(suggestion) => diagnostic.with_help(format!("did you mean \"{suggestion}\"?")),
            None => diagnostic
                .with_help("the presets are \"LFP\" and \"NMC\"; for another chemistry give its `cycle life` without `based on`"),
        });
        None
    }

    /// The curve: at least two points, depths in (0, 100] %, cycles above zero and falling
    /// strictly as the depth grows; sorted by depth.
    fn cycle_life(
        &mut self,
        points: &[CyclePoint],
        statement: Span,
    ) -> Option<Vec<CycleLifePoint>> {
        let mut read: Vec<(Decimal, Decimal, &CyclePoint)> = Vec::with_capacity(points.len());
        let mut ok = true;
        for point in points {
            let cycles = self.number(&point.cycles);
            if let Some(cycles) = cycles.filter(|c| *c <= Decimal::ZERO) {
                self.report(Diagnostic::error(
                    codes::BAD_NUMBER,
                    format!("{cycles} cycles is not above zero"),
                    point.cycles.span,
                    "expected a number of cycles above zero",
                ));
                ok = false;
                continue;
            }
            let depth = self.quantity(&point.depth_of_discharge, UnitKind::Percent);
            if let Some(depth) = depth.filter(|d| *d <= Decimal::ZERO || *d > Decimal::ONE) {
                self.report(
                    Diagnostic::error(
                        codes::BAD_PERCENT,
                        format!(
                            "a depth of discharge of {}% is out of range",
                            (depth * Decimal::ONE_HUNDRED).normalize()
                        ),
                        point.depth_of_discharge.span,
                        "expected a depth above 0% and at most 100%",
                    )
                    .with_help("100% DoD is a full cycle from full to empty"),
                );
                ok = false;
                continue;
            }
            match (cycles, depth) {
                (Some(cycles), Some(depth)) => read.push((depth, cycles, point)),
                _ => ok = false,
            }
        }
        if !ok {
            return None;
        }
        if read.len() < 2 {
            self.report(
                Diagnostic::error(
                    codes::CYCLE_LIFE,
                    format!(
                        "a cycle-life curve needs at least two points, found {}",
                        read.len()
                    ),
                    statement,
                    "one point gives no curve",
                )
                .with_help("give the cycles at two depths or more: `cycle life 3000 at 100% DoD, 9000 at 40% DoD`"),
            );
            return None;
        }
        // Stable: points at one depth stay in written order, so the message names the second.
        read.sort_by_key(|point| point.0);
        for pair in read.windows(2) {
            let [(shallow_depth, shallow_cycles, shallow), (deep_depth, deep_cycles, deep)] = pair
            else {
                continue;
            };
            let percent = |d: &Decimal| (*d * Decimal::ONE_HUNDRED).normalize();
            if shallow_depth == deep_depth {
                self.report(
                    Diagnostic::error(
                        codes::CYCLE_LIFE,
                        format!("two points at {}% DoD", percent(deep_depth)),
                        deep.span,
                        "same depth as another point",
                    )
                    .with_label(shallow.span, "the other point at this depth")
                    .with_help("give each depth of discharge once"),
                );
                return None;
            }
            if deep_cycles >= shallow_cycles {
                self.report(
                    Diagnostic::error(
                        codes::CYCLE_LIFE,
                        format!(
                            "cycles must fall as the depth of discharge grows: {} at {}% DoD, but {} at {}% DoD",
                            shallow.cycles.value,
                            percent(shallow_depth),
                            deep.cycles.value,
                            percent(deep_depth)
                        ),
                        deep.span,
                        format!("expected fewer than {} cycles", shallow.cycles.value),
                    )
                    .with_label(shallow.span, "the shallower point")
                    .with_help("deeper cycles wear a battery faster: check the figures and their depths"),
                );
                return None;
            }
        }
        read.into_iter()
            .map(|(depth, cycles, _)| {
                Some(CycleLifePoint {
                    depth_of_discharge: decimal_f64(depth)?,
                    cycles: decimal_f64(cycles)?,
                })
            })
            .collect()
    }

    /// `end of life P%` (capacity remaining, 0 < P < 100) as the capacity lost.
    fn end_of_life(&mut self, quantity: &Quantity) -> Option<f64> {
        let remaining = self.quantity(quantity, UnitKind::Percent)?;
        if remaining <= Decimal::ZERO || remaining >= Decimal::ONE {
            self.report(
                Diagnostic::error(
                    codes::BAD_PERCENT,
                    format!("{}% is out of range", quantity.number.value),
                    quantity.span,
                    "expected a capacity above 0% and below 100%",
                )
                .with_help("end of life is the capacity left when the pack is retired, e.g. `end of life 80%`"),
            );
            return None;
        }
        decimal_f64(Decimal::ONE - remaining)
    }

    /// `calendar loss P%`: 0 ≤ P < 100.
    fn calendar_loss(&mut self, quantity: &Quantity) -> Option<f64> {
        let loss = self.quantity(quantity, UnitKind::Percent)?;
        if loss < Decimal::ZERO || loss >= Decimal::ONE {
            self.report(Diagnostic::error(
                codes::BAD_PERCENT,
                format!("{}% is out of range", quantity.number.value),
                quantity.span,
                "expected a loss from 0% to below 100%",
            ));
            return None;
        }
        decimal_f64(loss)
    }

    /// `after 1 year` (or `after 12 months`): the loss is stated for the first year.
    fn one_year(&mut self, after: &Quantity) -> Option<()> {
        let unit = after.unit_text.value.as_str();
        let months = match unit {
            "year" | "years" => Some(Decimal::from(12)),
            "month" | "months" => Some(Decimal::ONE),
            _ => None,
        };
        let Some(months) = months else {
            self.report(Diagnostic::error(
                codes::WRONG_UNIT,
                format!("expected 1 year, found {unit}"),
                after.unit_text.span,
                "expected `1 year`",
            ));
            return None;
        };
        let value = self.number(&after.number)? * months;
        if value != Decimal::from(12) {
            self.report(
                Diagnostic::error(
                    codes::BAD_NUMBER,
                    format!("calendar loss is given after one year, not after {} {unit}", after.number.value),
                    after.span,
                    "expected `1 year`",
                )
                .with_help("state the loss after the first year; the calendar exponent carries it to other ages"),
            );
            return None;
        }
        Some(())
    }

    /// `replacement cost Q JPY/kWh` (not negative), with its currency.
    fn replacement_cost(&mut self, quantity: &Quantity) -> Option<(Decimal, Currency)> {
        let unit = match read_unit(quantity) {
            Ok(unit) => unit,
            Err(diagnostic) => {
                self.report(*diagnostic);
                return None;
            }
        };
        let Some(currency) = unit
            .filter(|u| u.kind == UnitKind::MoneyPerKwh)
            .and_then(|u| u.currency)
        else {
            self.report(
                Diagnostic::error(
                    codes::WRONG_UNIT,
                    format!(
                        "expected JPY/kWh or USD/kWh, found {}",
                        quantity.unit_text.value
                    ),
                    quantity.unit_text.span,
                    "expected money per kWh",
                )
                .with_help("the replacement cost is per kWh of pack capacity: `25000 JPY/kWh`"),
            );
            return None;
        };
        let value = self.number(&quantity.number)?;
        let value = self.not_negative(value, quantity, "a replacement cost")?;
        Some((value, currency))
    }
}
