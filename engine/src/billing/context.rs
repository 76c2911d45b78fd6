//! The month being billed: its values in force, its roundings, checked money arithmetic and
//! the common "price × quantity" line.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use voltlex_dsl::rules::{Currency, Rounding, RuleRef, Tariff, TimedValue, Timeline};

use super::error::BillingError;
use super::format;
use super::money;
use super::types::{LineItem, LineKind};
use crate::month::YearMonth;

/// A tariff applied to one month. Every rate is the value in force on the month's 1st.
pub(crate) struct MonthContext<'a> {
    /// The tariff.
    pub tariff: &'a Tariff,
    /// The month billed.
    pub month: YearMonth,
    /// Its first day: the day every timeline is read at.
    pub day: NaiveDate,
}

/// A line priced as unit price × quantity.
pub(crate) struct Priced {
    /// Line name.
    pub item: String,
    /// Line kind.
    pub kind: LineKind,
    /// Quantity (3 decimals).
    pub quantity: Decimal,
    /// Unit of the quantity: "kW", "kWh" or "block".
    pub unit: &'static str,
    /// The price step in force.
    pub price: TimedValue<Decimal>,
    /// Text shown after the quantity in the calculation (may be empty).
    pub note: String,
    /// The line's own rounding, if its rule has one.
    pub own_rounding: Option<Rounding>,
}

impl<'a> MonthContext<'a> {
    /// The tariff applied to `month`.
    pub fn new(tariff: &'a Tariff, month: YearMonth) -> Result<Self, BillingError> {
        Ok(MonthContext {
            tariff,
            month,
            day: month
                .first_day()
                .ok_or(BillingError::MonthOutOfRange { month })?,
        })
    }

    /// The billing currency.
    pub fn currency(&self) -> Currency {
        self.tariff.currency
    }

    /// The step of `timeline` in force on the month's 1st, or an error naming `what` and `rule`.
    pub fn value<'t, T>(
        &self,
        timeline: &'t Timeline<T>,
        what: &str,
        rule: &RuleRef,
    ) -> Result<&'t TimedValue<T>, BillingError> {
        timeline.at(self.day).ok_or_else(|| BillingError::NoValue {
            what: what.to_string(),
            rule: rule.clone(),
            month: self.month,
            day: self.day,
        })
    }

    /// A line's rounding: its rule's own, else the tariff's `each_line`.
    pub fn rounding(&self, own: Option<Rounding>) -> Option<Rounding> {
        own.or_else(|| {
            self.tariff
                .rounding
                .each_line
                .as_ref()
                .map(|(rule, _)| *rule)
        })
    }

    /// An error about rules the checker should have rejected.
    pub fn invalid(&self, rule: &RuleRef, problem: String) -> BillingError {
        BillingError::InvalidTariff {
            rule: rule.clone(),
            month: self.month,
            problem,
        }
    }

    /// A kWh or kW figure as a 3-decimal quantity.
    pub fn quantity(&self, value: f64, what: &str) -> Result<Decimal, BillingError> {
        money::month_quantity(value, what, self.month)
    }

    /// Checked `a × b`.
    pub fn mul(&self, a: Decimal, b: Decimal, what: &str) -> Result<Decimal, BillingError> {
        money::mul(a, b, what, self.month)
    }

    /// Checked `a + b`.
    pub fn add(&self, a: Decimal, b: Decimal, what: &str) -> Result<Decimal, BillingError> {
        money::add(a, b, what, self.month)
    }

    /// Checked `a − b`.
    pub fn sub(&self, a: Decimal, b: Decimal, what: &str) -> Result<Decimal, BillingError> {
        money::sub(a, b, what, self.month)
    }

    /// Checked `a ÷ b`.
    pub fn div(&self, a: Decimal, b: Decimal, what: &str) -> Result<Decimal, BillingError> {
        money::div(a, b, what, self.month)
    }

    /// Round by `rounding`, checked.
    pub fn round(
        &self,
        amount: Decimal,
        rounding: Option<Rounding>,
        what: &str,
    ) -> Result<Decimal, BillingError> {
        money::round(amount, rounding, what, self.month)
    }

    /// The line `price × quantity`, rounded by its own rule or `each_line`, with the
    /// calculation spelled out: `16.56 JPY/kWh × 1,234.5 kWh = 20,443.32 → round down to 1 JPY`.
    pub fn priced(&self, line: Priced) -> Result<LineItem, BillingError> {
        let raw = self.mul(line.price.value, line.quantity, &line.item)?;
        let rounding = self.rounding(line.own_rounding);
        let amount = self.round(raw, rounding, &line.item)?;
        let quantity_unit = if line.unit == "block" {
            "blocks"
        } else {
            line.unit
        };
        let calculation = format!(
            "{} {}/{} × {} {}{} = {}{}",
            format::money(line.price.value),
            self.currency(),
            line.unit,
            format::number(line.quantity),
            quantity_unit,
            line.note,
            format::money(raw),
            format::rounding(rounding, self.currency()),
        );
        Ok(LineItem {
            item: line.item,
            kind: line.kind,
            quantity: Some(line.quantity),
            unit: Some(line.unit.to_string()),
            unit_price: Some(line.price.value),
            amount,
            rule: line.price.origin,
            calculation,
            informational: false,
        })
    }
}
