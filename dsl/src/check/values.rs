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
                self.report(
                    Diagnostic::error(
                        codes::BAD_NUMBER,
                        format!("`{}` cannot be read as a number", number.value),
                        number.span,
                        "too many digits",
                    )
                    .with_help("numbers have at most 28 significant digits"),
                );
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
                        "expected {} to {} {}",
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
                    .with_help(date_help(&date.value)),
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
                        let (message, label) = if date == before {
                            (
                                format!("two values take effect on {date}"),
                                "same date as the previous value",
                            )
                        } else {
                            (format!("{date} comes before {before}: timeline values must be in date order"), "out of order")
                        };
                        self.report(
                            Diagnostic::error(codes::TIMELINE_ORDER, message, text.span, label)
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
                            .with_label(last_span, "the last value starts here")
                            .with_help("`until` is the first day without a value: it must come after the last `from`"),
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
                        ast.steps
                            .first()
                            .and_then(|step| step.from.as_ref())
                            .map_or(ast.span, |f| f.span),
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

/// Why a `YYYY-MM-DD`-like text is not a date, as a help line.
fn date_help(text: &str) -> String {
    let parts: Vec<&str> = text.split('-').collect();
    let numbers: Vec<Option<u32>> = parts.iter().map(|p| p.parse().ok()).collect();
    match (parts.as_slice(), numbers.as_slice()) {
        ([y, m, d], [Some(year), Some(month), Some(day)])
            if y.len() == 4 && m.len() == 2 && d.len() == 2 =>
        {
            if !(1..=12).contains(month) {
                "months run from 01 to 12".to_string()
            } else if *day == 0 {
                "days start at 01".to_string()
            } else {
                let first = NaiveDate::from_ymd_opt(*year as i32, *month, 1);
                let next = if *month == 12 {
                    NaiveDate::from_ymd_opt(*year as i32 + 1, 1, 1)
                } else {
                    NaiveDate::from_ymd_opt(*year as i32, month + 1, 1)
                };
                match first.zip(next) {
                    Some((first, next)) => format!(
                        "{} has {} days",
                        first.format("%B %Y"),
                        (next - first).num_days()
                    ),
                    None => "dates are written YYYY-MM-DD, like 2025-04-01".to_string(),
                }
            }
        }
        _ => "dates are written YYYY-MM-DD, like 2025-04-01".to_string(),
    }
}
