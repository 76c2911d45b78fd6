//! The compiled form of `risk_sharing` blocks: parties, the revenue split and the money
//! terms between them, each with its payer and payee (design: `docs/risk-sharing.md`).
//!
//! Amounts are `f64` in the block's currency: the engine settles them in thousands of Monte
//! Carlo scenarios, like the V2G study's other solver prices; bills stay in `Decimal`.

use serde::{Deserialize, Serialize};

use super::{Currency, RuleRef};

/// One `risk_sharing` block, checked: shares add up to 100 %, every party is declared, every
/// money term has a payer and a different payee.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RiskSharingRule {
    /// The deal's name as written.
    pub name: String,
    /// Where the block starts.
    pub origin: RuleRef,
    /// Currency of every amount.
    pub currency: Currency,
    /// The parties, as declared.
    pub parties: Vec<String>,
    /// The party that carries the V2G operation without the deal (owns the vehicles, pays
    /// for their wear, receives what the operation earns): the status quo.
    pub owner: String,
    /// Shares of the V2G margin (site value + market revenue − charging energy), summing to 1.
    pub revenue: Vec<RevenueShare>,
    /// The money terms, in source order.
    pub terms: Vec<SharingTerm>,
    /// When transfers between parties are paid.
    pub payment: PaymentTiming,
    /// A battery maker's degradation model (wasm, degradation ABI v1, `docs/plugins.md`).
    pub wear_plugin: Option<WearPlugin>,
    /// Parameters the fairness view varies.
    pub free: Vec<FreeParameter>,
    /// The most each party accepts to lose at a confidence level (yearly VaR), if given.
    pub var_limits: Option<VarLimits>,
}

impl RiskSharingRule {
    /// The revenue share of `party` (0 when it has none).
    ///
    /// ```
    /// let compilation = voltlex_dsl::package::compile_text("d.vlx", r#"
    ///     risk_sharing "D" { parties fleet, aggregator owner fleet
    ///       revenue fleet 70%, aggregator 30% }"#);
    /// let deal = &compilation.rules.risk_sharings[0];
    /// assert!((deal.revenue_share("aggregator") - 0.3).abs() < 1e-12);
    /// assert_eq!(deal.revenue_share("oem"), 0.0);
    /// ```
    pub fn revenue_share(&self, party: &str) -> f64 {
        self.revenue
            .iter()
            .filter(|share| share.party == party)
            .map(|share| share.share)
            .sum()
    }
}

/// A party's share of the V2G margin.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RevenueShare {
    /// The party.
    pub party: String,
    /// Its share, 0..=1.
    pub share: f64,
}

/// What an amount is counted per.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AmountBasis {
    /// `… per vehicle per month` (enrolled vehicles).
    VehicleMonth,
    /// `… per month`.
    Month,
    /// `…/kWh`: per kWh the fleet discharges (battery side).
    KwhDischarged,
}

/// An amount and what it is counted per.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SharingAmount {
    /// The amount in the deal's currency.
    pub amount: f64,
    /// Its basis.
    pub basis: AmountBasis,
}

/// What triggers an insurance claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Trigger {
    /// The insured's yearly net (all other terms settled) below zero: the claim is the loss
    /// beyond the deductible.
    Loss,
    /// Wear beyond the warranty allowances that no `cover` pays: the claim is that cost
    /// beyond the deductible.
    Wear,
}

/// One money term between two parties.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SharingTerm {
    /// The party that pays (for `insurance`: the insurer, who pays claims).
    pub payer: String,
    /// The party that receives (for `insurance`: the insured, who pays the premium).
    pub payee: String,
    /// What is paid.
    pub kind: TermKind,
    /// The statement.
    pub origin: RuleRef,
}

/// The money terms of a deal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum TermKind {
    /// A fee: a V2G warranty or battery lease per kWh or per month, a service fee.
    Fee(SharingAmount),
    /// The payer reimburses `share` of the payee's extra wear cost from V2G beyond a warranty
    /// curve allowing `allowance_per_year` capacity loss a year, at most `cap_per_vehicle_year`.
    Cover {
        /// Share covered, 0..=1.
        share: f64,
        /// Capacity loss a year the warranty allows (fraction of nominal capacity).
        allowance_per_year: f64,
        /// Cap per vehicle per contract year.
        cap_per_vehicle_year: Option<f64>,
    },
    /// The payer tops the payee's revenue share up to this amount each month.
    Floor(SharingAmount),
    /// The payer hands the payee its own revenue share above this amount each month (with a
    /// floor the other way round: a collar).
    Cap(SharingAmount),
    /// The payer hands the payee `share` of its own revenue share above `threshold` each month.
    Above {
        /// Threshold per month.
        threshold: SharingAmount,
        /// Share above it, 0..=1.
        share: f64,
    },
    /// Tail cover: the payee pays the premium monthly; at each contract year's end the payer
    /// pays the claim beyond the deductible, up to the limit.
    Insurance {
        /// Premium per month.
        premium: SharingAmount,
        /// Deductible per contract year.
        deductible: f64,
        /// Limit per contract year (none: unlimited).
        limit: Option<f64>,
        /// What is claimed.
        trigger: Trigger,
    },
}

/// When transfers between parties are paid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentTiming {
    /// Months per payment period: 1 (monthly), 3 (quarterly) or 12 (yearly).
    pub period_months: u32,
    /// Months after the period's end.
    pub lag_months: u32,
}

impl Default for PaymentTiming {
    fn default() -> Self {
        PaymentTiming {
            period_months: 1,
            lag_months: 0,
        }
    }
}

/// A degradation model as a wasm plugin (degradation ABI v1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WearPlugin {
    /// The module's path in the package.
    pub file: String,
    /// The module (binary wasm or WebAssembly text), read at compile time.
    pub module: Vec<u8>,
    /// The export to call.
    pub export: String,
}

/// What a free parameter varies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum FreeTarget {
    /// The party's revenue share; the other shares scale to fill the rest.
    Revenue(String),
    /// The amount of the deal's `floor`.
    Floor,
    /// The amount of the deal's `cap`.
    Cap,
    /// The share of the deal's `cover`.
    Cover,
    /// The premium of the deal's `insurance`.
    Premium,
    /// The share of the deal's `above`.
    Above,
}

impl FreeTarget {
    /// Whether its values are shares (fractions from 0 to 1) rather than amounts.
    ///
    /// ```
    /// use voltlex_dsl::rules::FreeTarget;
    /// assert!(FreeTarget::Revenue("fleet".into()).is_share());
    /// assert!(!FreeTarget::Floor.is_share());
    /// ```
    pub fn is_share(&self) -> bool {
        matches!(
            self,
            FreeTarget::Revenue(_) | FreeTarget::Cover | FreeTarget::Above
        )
    }
}

/// A parameter of the deal the fairness view varies over a grid.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FreeParameter {
    /// What it varies.
    pub target: FreeTarget,
    /// The values, ascending (shares as fractions, amounts in the deal's currency).
    pub values: Vec<f64>,
    /// The statement.
    pub origin: RuleRef,
}

/// The largest yearly loss each party accepts at a confidence level.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VarLimits {
    /// Confidence level, e.g. 0.95.
    pub confidence: f64,
    /// Per party: the largest yearly VaR it accepts.
    pub limits: Vec<(String, f64)>,
}
