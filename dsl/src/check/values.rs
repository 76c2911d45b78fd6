//! Reading values: numbers, dates, quantities in the expected unit, and timelines that cover
//! the package's validity window.

use chrono::NaiveDate;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use std::str::FromStr;

use super::Checker;
use crate::ast::{self, Quantity, RoundMode, RoundingSpec, Spanned};
use crate::diagnostic::{codes, Diagnostic};
use crate::rules::{Rounding, RoundingMode, TimedValue, Timeline};
use crate::source::Span;
use crate::units::{read_unit, UnitKind};

impl Checker<'_> {
    /// The number of a quantity, if it can be read.
    pub(super) fn number(&mut self, number: &Spanned<String>) -> Option<Decimal> {
        let text = number.value.replace('_', "");
        match Decimal::from_str(&text) {
            Ok(value) => Some(value),
            Err(_) => {
                self.report(Diagnostic::error(
                    codes::BAD_NUMBER,
                    format!("`{}` cannot be read as a number", number.value),
                    number.span,
                    "too many digits",
                ));
                None
            }
        }
    }

    /// A quantity's value, provided its unit is of `kind` (money in the tariff's currency).
    /// Percentages come back as fractions (`30%` → `0.30`).
    pub(super) fn quantity(&mut self, quantity: &Quantity, kind: UnitKind) -> Option<Decimal> {
        let unit = match read_unit(quantity) {
            Ok(unit) => unit,
            Err(diagnostic) => {
                self.report(*diagnostic);
                return None;
            }
        };
        let expected = kind.example(self.currency);
        let Some(unit) = unit.filter(|unit| unit.kind == kind) else {
            self.report(
                Diagnostic::error(
                    codes::WRONG_UNIT,
                    format!("expected {expected}, found {}", quantity.unit_text.value),
                    quantity.unit_text.span,
                    format!("expected {expected}"),
                )
                .with_help(format!("write the value in {expected}")),
            );
            return None;
        };
        if let Some(currency) = unit.currency {
            if currency != self.currency {
                self.report(
                    Diagnostic::error(
                        codes::CURRENCY_MISMATCH,
                        format!(
                            "amount in {currency}, but the tariff bills in {}",
                            self.currency
                        ),
                        quantity.unit_text.span,
                        format!("expected {expected}"),
                    )
                    .with_label(self.currency_span, "the tariff's currency")
                    .with_help(format!("convert the figure to {}", self.currency)),
                );
                return None;
            }
        }
        let value = self.number(&quantity.number)?;
        Some(if kind == UnitKind::Percent {
            value / Decimal::ONE_HUNDRED
        } else {
            value
        })
    }

    /// A quantity that must be a whole number (months, minutes) in `range`.
    pub(super) fn whole(
        &mut self,
        quantity: &Quantity,
        kind: UnitKind,
        range: std::ops::RangeInclusive<u32>,
    ) -> Option<u32> {
        let value = self.quantity(quantity, kind)?;
        let whole = if value.fract().is_zero() {
            value.to_u32()
        } else {
            None
        };
        match whole {
            Some(n) if range.contains(&n) => Some(n),
            _ => {
                self.report(Diagnostic::error(
                    codes::BAD_NUMBER,
                    format!(
                        "expected a whole number from {} to {}, found {}",
                        range.start(),
                        range.end(),
                        quantity.number.value
                    ),
                    quantity.number.span,
                    format!(
                        "{}..={} {}",
                        range.start(),
                        range.end(),
                        kind.example(self.currency)
                    ),
                ));
                None
            }
        }
    }

    /// A date as written.
    pub(super) fn date(&mut self, date: &Spanned<String>) -> Option<NaiveDate> {
        match NaiveDate::parse_from_str(&date.value, "%Y-%m-%d") {
            Ok(d) if date.value.len() == 10 => Some(d),
            _ => {
                self.report(
                    Diagnostic::error(
                        codes::BAD_DATE,
                        format!("`{}` is not a date", date.value),
                        date.span,
                        "expected an existing day as YYYY-MM-DD",
                    )
                    .with_help("dates are written like 2025-04-01"),
                );
                None
            }
        }
    }

    /// A rounding clause.
    pub(super) fn rounding(&mut self, spec: &RoundingSpec, kind: UnitKind) -> Option<Rounding> {
        let step = self.quantity(&spec.step, kind)?;
        if step <= Decimal::ZERO {
            self.report(Diagnostic::error(
                codes::BAD_NUMBER,
                "rounding step must be positive",
                spec.step.span,
                "expected a step above zero",
            ));
            return None;
        }
        let mode = match spec.mode {
            RoundMode::Down => RoundingMode::Down,
            RoundMode::Up => RoundingMode::Up,
            RoundMode::Nearest => RoundingMode::Nearest,
        };
        Some(Rounding { step, mode })
    }

    /// A timeline whose values are of `kind`, checked for order and for covering the
    /// validity window.
    pub(super) fn timeline(
        &mut self,
        timeline: &ast::Timeline,
        kind: UnitKind,
    ) -> Option<Timeline<Decimal>> {
        let mut steps = Vec::with_capacity(timeline.steps.len());
        let mut ok = true;
        let mut previous: Option<(NaiveDate, Span)> = None;
        for (position, step) in timeline.steps.iter().enumerate() {
            let value = self.quantity(&step.quantity, kind);
            let from = match &step.from {
                Some(text) => match self.date(text) {
                    Some(date) => Some(date),
                    None => {
                        ok = false;
                        continue;
                    }
                },
                None => None,
            };
            if from.is_none() && position > 0 {
                self.report(
                    Diagnostic::error(
                        codes::TIMELINE_ORDER,
                        "only the first value of a timeline may omit `from`",
                        step.quantity.span,
                        "needs `from DATE`",
                    )
                    .with_help("say when this value takes effect: `… from 2025-04-01`"),
                );
                ok = false;
            }
            if let (Some(date), Some(text)) = (from, &step.from) {
                if let Some((before, before_span)) = previous {
                    if date <= before {
                        let message = if date == before {
                            format!("two values take effect on {date}")
                        } else {
                            format!("{date} comes before {before}: timeline values must be in date order")
                        };
                        self.report(
                            Diagnostic::error(codes::TIMELINE_ORDER, message, text.span, "out of order")
                                .with_label(before_span, "the previous value starts here")
                                .with_help("list values in increasing order of their `from` dates, each date once"),
                        );
                        ok = false;
                    }
                }
                previous = Some((date, text.span));
            }
            match value {
                Some(value) => steps.push(TimedValue {
                    from,
                    value,
                    origin: self.rule_ref(step.quantity.span),
                }),
                None => ok = false,
            }
        }
        let until = match &timeline.until {
            Some(text) => {
                let date = self.date(text)?;
                if let Some((last, last_span)) = previous {
                    if date <= last {
                        self.report(
                            Diagnostic::error(
                                codes::TIMELINE_ORDER,
                                format!(
                                    "`until {date}` is not after the last value's start {last}"
                                ),
                                text.span,
                                "ends too early",
                            )
                            .with_label(last_span, "the last value starts here"),
                        );
                        ok = false;
                    }
                }
                Some(date)
            }
            None => None,
        };
        if !ok {
            return None;
        }
        let timeline_value = Timeline { steps, until };
        self.check_covers(&timeline_value, timeline);
        Some(timeline_value)
    }

    /// Reports a timeline that leaves part of the package's validity window without a value.
    fn check_covers(&mut self, timeline: &Timeline<Decimal>, ast: &ast::Timeline) {
        let Some((valid_from, valid_until)) = self.validity else {
            return;
        };
        if let Some(start) = timeline.start() {
            if start > valid_from {
                let last_day = start.pred_opt().unwrap_or(start);
                self.report(
                    Diagnostic::error(
                        codes::TIMELINE_GAP,
                        format!("no value from {valid_from} to {last_day}: the package is valid from {valid_from}"),
                        ast.steps[0].from.as_ref().map_or(ast.span, |f| f.span),
                        format!("first value starts {start}"),
                    )
                    .with_help(format!("give the value in force on {valid_from}, or set valid_from = \"{start}\" in package.toml")),
                );
            }
        }
        if let Some(end) = timeline.until {
            if end < valid_until {
                let span = ast.until.as_ref().map_or(ast.span, |u| u.span);
                self.report(
                    Diagnostic::error(
                        codes::TIMELINE_GAP,
                        format!("no value from {end} on, but the package is valid until {valid_until}"),
                        span,
                        "the value ends here",
                    )
                    .with_help(format!("give the value that follows, or set valid_until = \"{end}\" in package.toml")),
                );
            }
        }
    }
}
