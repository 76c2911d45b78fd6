//! What billing produces: a run of monthly bills, each a list of traced line items.

use rust_decimal::Decimal;
use serde::Serialize;
use voltlex_dsl::rules::{Currency, RuleRef};

use crate::month::YearMonth;

/// The bills of every month a load profile covers, under one tariff.
#[derive(Debug, Clone, Serialize)]
pub struct BillRun {
    /// The tariff's name.
    pub tariff: String,
    /// Billing currency.
    pub currency: Currency,
    /// One bill per calendar month, in order.
    pub months: Vec<MonthlyBill>,
    /// Sum of the monthly totals.
    pub total: Decimal,
}

/// The bill of one calendar month.
#[derive(Debug, Clone, Serialize)]
pub struct MonthlyBill {
    /// The month billed.
    pub month: YearMonth,
    /// The month's maximum demand: the largest average kW over one demand interval.
    pub peak_kw: f64,
    /// The demand the basic charge is billed on (never below `peak_kw`).
    pub contract_kw: f64,
    /// How `contract_kw` was found, e.g.
    /// `"max monthly peak 2023-08..2024-07: 412.5 kW in 2024-07"`.
    pub contract_basis: String,
    /// Energy drawn in the month, kWh.
    pub energy_kwh: f64,
    /// The power factor used (percent), when the inputs give one for the month.
    pub power_factor: Option<Decimal>,
    /// kWh per time-of-use period that occurs in the month, in the tariff's period order;
    /// per season when the tariff has seasons but no periods; empty when it has neither.
    pub energy_by_period: Vec<(String, f64)>,
    /// The line items, in billing order (demand, energy, adjustments, surcharges, fixed,
    /// minimum, tax, rounding).
    pub lines: Vec<LineItem>,
    /// Sum of the non-informational lines.
    pub total: Decimal,
}

/// One line of a bill, with the rule it comes from and the arithmetic behind it.
#[derive(Debug, Clone, Serialize)]
pub struct LineItem {
    /// What the line is: `"basic charge"`, `"power-factor adjustment"`, `"energy (peak)"`,
    /// `"adjustment fuel_cost"`, `"surcharge renewable"`, `"consumption tax (included)"`,
    /// `"rounding"`, ...
    pub item: String,
    /// The kind of charge.
    pub kind: LineKind,
    /// The quantity priced (kW, kWh or blocks), rounded to 3 decimals.
    pub quantity: Option<Decimal>,
    /// Unit of `quantity`: `"kW"`, `"kWh"` or `"block"`.
    pub unit: Option<String>,
    /// Price per unit of `quantity`.
    pub unit_price: Option<Decimal>,
    /// The amount, after the line's rounding.
    pub amount: Decimal,
    /// The rule that produced the line (for a rate: the step of its timeline in force).
    pub rule: RuleRef,
    /// The arithmetic with its numbers, e.g.
    /// `"1,890.00 JPY/kW × 412.5 kW = 779,625.00 → round down to 1 JPY"`.
    pub calculation: String,
    /// `true`: shown but not added to the total (tax contained in tax-inclusive prices).
    pub informational: bool,
}

/// The kind of a [`LineItem`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum LineKind {
    /// Basic (demand) charge per kW of contract demand.
    Basic,
    /// Power-factor adjustment of the basic charge.
    PowerFactor,
    /// Subscription blocks of demand.
    Subscription,
    /// Demand above the subscribed level.
    Overage,
    /// Energy charge.
    Energy,
    /// Index-linked adjustment (fuel cost, market price).
    Adjustment,
    /// Per-kWh surcharge (renewable levy).
    Surcharge,
    /// Fixed monthly charge.
    Fixed,
    /// Top-up to the minimum bill.
    Minimum,
    /// Tax, added or contained.
    Tax,
    /// A line priced by a script or plugin.
    Computed,
    /// Rounding of the total.
    Rounding,
}
