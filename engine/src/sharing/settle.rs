//! One scenario settled under a deal.
//!
//! Accrual, month by month: the owner receives the system's flow (margin − wear); the revenue
//! split moves each other party's share of the margin from the owner to it; fees, floors,
//! caps and upside shares are worked out on the month's figures; at each contract year's end
//! the wear covers, then the insurance claims (in source order, each seeing what came before).
//! Every transfer is one amount taken from its payer and given to its payee, so the parties'
//! flows add up to the system's in every month. Cash: a transfer accrued in month `m` is paid
//! at the end of its payment period plus the lag; the system's flow stays in its month.

use voltlex_dsl::rules::{
    AmountBasis, FreeTarget, RiskSharingRule, SharingAmount, TermKind, Trigger,
};

use super::{FleetFacts, SharingError, SystemScenario};

/// Every party's flows in one scenario (parties in the deal's order).
#[derive(Debug, Clone, PartialEq)]
pub struct ScenarioSettlement {
    /// The system's flow per month (margin − wear).
    pub system: Vec<f64>,
    /// Per party, per month: what it earns (+) or pays (−), when it is earned.
    pub accrued: Vec<Vec<f64>>,
    /// Per party, per month: the same when it is paid (longer by the payment delay).
    pub paid: Vec<Vec<f64>>,
}

impl ScenarioSettlement {
    /// Per party: the total over the horizon.
    pub fn totals(&self) -> Vec<f64> {
        self.accrued
            .iter()
            .map(|flows| flows.iter().sum())
            .collect()
    }

    /// The largest gap, over months, between the parties' summed accrued flows and the
    /// system's flow (0 up to round-off: conservation).
    pub fn conservation_error(&self) -> f64 {
        self.system
            .iter()
            .enumerate()
            .map(|(month, system)| {
                let parties: f64 = self
                    .accrued
                    .iter()
                    .map(|flows| flows.get(month).copied().unwrap_or(0.0))
                    .sum();
                (parties - system).abs()
            })
            .fold(0.0, f64::max)
    }
}

/// The ledger of one settlement.
struct Ledger<'a> {
    parties: &'a [String],
    accrued: Vec<Vec<f64>>,
    paid: Vec<Vec<f64>>,
    period: usize,
    lag: usize,
}

impl Ledger<'_> {
    fn index(&self, deal: &str, party: &str) -> Result<usize, SharingError> {
        self.parties
            .iter()
            .position(|p| p == party)
            .ok_or_else(|| SharingError::UnknownParty {
                deal: deal.to_string(),
                party: party.to_string(),
            })
    }

    /// `amount` from `payer` to `payee`, accrued in `month`.
    fn transfer(&mut self, payer: usize, payee: usize, month: usize, amount: f64) {
        let paid_in = (month / self.period + 1) * self.period - 1 + self.lag;
        for (party, sign) in [(payer, -1.0), (payee, 1.0)] {
            if let Some(slot) = self.accrued.get_mut(party).and_then(|f| f.get_mut(month)) {
                *slot += sign * amount;
            }
            if let Some(slot) = self.paid.get_mut(party).and_then(|f| f.get_mut(paid_in)) {
                *slot += sign * amount;
            }
        }
    }

    fn year_total(&self, party: usize, months: std::ops::Range<usize>) -> f64 {
        self.accrued
            .get(party)
            .and_then(|flows| flows.get(months))
            .map_or(0.0, |flows| flows.iter().sum())
    }
}

/// The amount of a term in a month.
fn amount_in(amount: &SharingAmount, vehicles: f64, discharged_kwh: f64) -> f64 {
    match amount.basis {
        AmountBasis::VehicleMonth => amount.amount * vehicles,
        AmountBasis::Month => amount.amount,
        AmountBasis::KwhDischarged => amount.amount * discharged_kwh,
    }
}

/// Settles `scenario` under `deal` (see the module documentation).
///
/// ```
/// use voltlex_engine::sharing::{settle, FleetFacts, SystemMonth, SystemScenario, YearWear};
/// let compilation = voltlex_dsl::package::compile_text("d.vlx", r#"
///   risk_sharing "D" {
///     parties fleet, aggregator owner fleet
///     revenue fleet 70%, aggregator 30%
///     floor 100 JPY per month from aggregator to fleet
///   }"#);
/// let deal = &compilation.rules.risk_sharings[0];
/// let fleet = FleetFacts { vehicles: 1.0, battery_kwh: 1.0, replacement_cost_per_kwh: 1.0,
///     end_of_life_loss: 0.2 };
/// let scenario = SystemScenario {
///     months: vec![SystemMonth { margin: 100.0, discharged_kwh: 1.0 }],
///     years: vec![YearWear::default()],
/// };
/// let settled = settle(deal, &fleet, &scenario)?;
/// // The fleet's 70 is topped up to 100 by the aggregator, whose 30 becomes 0.
/// assert_eq!(settled.totals(), vec![100.0, 0.0]);
/// assert!(settled.conservation_error() < 1e-9);
/// # Ok::<(), voltlex_engine::sharing::SharingError>(())
/// ```
///
/// # Errors
///
/// [`SharingError::Years`] when the scenario's years do not match its months;
/// [`SharingError::UnknownParty`] for a deal that names an undeclared party.
pub fn settle(
    deal: &RiskSharingRule,
    fleet: &FleetFacts,
    scenario: &SystemScenario,
) -> Result<ScenarioSettlement, SharingError> {
    let months = scenario.months.len();
    let system = scenario.system_flows(fleet)?;
    let period = deal.payment.period_months.max(1) as usize;
    let lag = deal.payment.lag_months as usize;
    let cash_months = months.div_ceil(period) * period + lag;
    let mut ledger = Ledger {
        parties: &deal.parties,
        accrued: vec![vec![0.0; months]; deal.parties.len()],
        paid: vec![vec![0.0; cash_months.max(months)]; deal.parties.len()],
        period,
        lag,
    };
    let owner = ledger.index(&deal.name, &deal.owner)?;
    let mut shares = Vec::with_capacity(deal.revenue.len());
    for share in &deal.revenue {
        shares.push((ledger.index(&deal.name, &share.party)?, share.share));
    }
    let mut terms = Vec::with_capacity(deal.terms.len());
    for term in &deal.terms {
        terms.push((
            ledger.index(&deal.name, &term.payer)?,
            ledger.index(&deal.name, &term.payee)?,
            &term.kind,
        ));
    }
    let revenue_of = |party: usize, margin: f64| -> f64 {
        shares
            .iter()
            .filter(|(p, _)| *p == party)
            .map(|(_, share)| share * margin)
            .sum()
    };
    let vehicles = fleet.vehicles;
    for (month, (flow, figures)) in system.iter().zip(&scenario.months).enumerate() {
        // The system's flow is the owner's, as it happens.
        if let Some(slot) = ledger.accrued.get_mut(owner).and_then(|f| f.get_mut(month)) {
            *slot += flow;
        }
        if let Some(slot) = ledger.paid.get_mut(owner).and_then(|f| f.get_mut(month)) {
            *slot += flow;
        }
        let margin = figures.margin;
        for &(party, share) in &shares {
            if party != owner {
                ledger.transfer(owner, party, month, share * margin);
            }
        }
        let kwh = figures.discharged_kwh;
        for &(payer, payee, kind) in &terms {
            let amount = match kind {
                TermKind::Fee(amount) => amount_in(amount, vehicles, kwh),
                TermKind::Floor(floor) => {
                    (amount_in(floor, vehicles, kwh) - revenue_of(payee, margin)).max(0.0)
                }
                TermKind::Cap(cap) => {
                    (revenue_of(payer, margin) - amount_in(cap, vehicles, kwh)).max(0.0)
                }
                TermKind::Above { threshold, share } => {
                    share
                        * (revenue_of(payer, margin) - amount_in(threshold, vehicles, kwh)).max(0.0)
                }
                TermKind::Insurance { premium, .. } => {
                    // The premium runs the other way: the insured (payee) pays the insurer.
                    let premium = amount_in(premium, vehicles, kwh);
                    ledger.transfer(payee, payer, month, premium);
                    continue;
                }
                TermKind::Cover { .. } => continue,
            };
            ledger.transfer(payer, payee, month, amount);
        }
    }
    // Year ends: covers first, then claims.
    for year in 0..scenario.years.len() {
        let range = scenario.year_months(year);
        let Some(last) = range.clone().last() else {
            continue;
        };
        let wear = scenario.years.get(year).copied().unwrap_or_default();
        let wear_cost = scenario.wear_cost_of_year(year, fleet);
        let mut covered = vec![0.0; deal.parties.len()];
        // Scale a year's allowance to its months (the last year may be short).
        let year_fraction = range.len() as f64 / 12.0;
        for &(payer, payee, kind) in &terms {
            if let TermKind::Cover {
                share,
                allowance_per_year,
                cap_per_vehicle_year,
            } = kind
            {
                let allowance = allowance_per_year * year_fraction;
                let excess = (wear.loss_with_v2g - allowance).max(0.0)
                    - (wear.loss_without_v2g - allowance).max(0.0);
                let per_vehicle = share * fleet.loss_cost_per_vehicle(excess.max(0.0));
                let per_vehicle = match cap_per_vehicle_year {
                    Some(cap) => per_vehicle.min(cap * year_fraction),
                    None => per_vehicle,
                };
                let amount = per_vehicle * vehicles;
                ledger.transfer(payer, payee, last, amount);
                if let Some(slot) = covered.get_mut(payee) {
                    *slot += amount;
                }
            }
        }
        for &(payer, payee, kind) in &terms {
            if let TermKind::Insurance {
                deductible,
                limit,
                trigger,
                ..
            } = kind
            {
                let loss = match trigger {
                    Trigger::Loss => -ledger.year_total(payee, range.clone()),
                    Trigger::Wear => {
                        let carried = if payee == owner { wear_cost } else { 0.0 };
                        carried - covered.get(payee).copied().unwrap_or(0.0)
                    }
                };
                let claim = (loss - deductible).max(0.0);
                let claim = limit.map_or(claim, |limit| claim.min(limit));
                ledger.transfer(payer, payee, last, claim);
            }
        }
    }
    Ok(ScenarioSettlement {
        system,
        accrued: ledger.accrued,
        paid: ledger.paid,
    })
}

/// The deal with its free parameters set to `values` (in the order of `deal.free`).
///
/// A revenue share sets the party's share; the other parties' shares scale to fill the rest
/// in their written proportions.
///
/// ```
/// use voltlex_engine::sharing::with_values;
/// let compilation = voltlex_dsl::package::compile_text("d.vlx", r#"
///   risk_sharing "D" {
///     parties fleet, aggregator, oem owner fleet
///     revenue fleet 60%, aggregator 30%, oem 10%
///     free revenue fleet 20..80 step 10
///   }"#);
/// let deal = &compilation.rules.risk_sharings[0];
/// let varied = with_values(deal, &[0.8])?;
/// assert!((varied.revenue_share("fleet") - 0.8).abs() < 1e-12);
/// assert!((varied.revenue_share("aggregator") - 0.15).abs() < 1e-12);
/// assert!((varied.revenue_share("oem") - 0.05).abs() < 1e-12);
/// # Ok::<(), voltlex_engine::sharing::SharingError>(())
/// ```
///
/// # Errors
///
/// [`SharingError::Parameter`] when the number of values differs from the free parameters or
/// a value is out of its range (a share outside 0..=1, a negative amount).
pub fn with_values(
    deal: &RiskSharingRule,
    values: &[f64],
) -> Result<RiskSharingRule, SharingError> {
    if values.len() != deal.free.len() {
        return Err(SharingError::Parameter(format!(
            "deal \"{}\" has {} free parameter(s), {} value(s) given",
            deal.name,
            deal.free.len(),
            values.len()
        )));
    }
    let mut out = deal.clone();
    for (parameter, &value) in deal.free.iter().zip(values) {
        let is_share = parameter.target.is_share();
        if !value.is_finite() || value < 0.0 || (is_share && value > 1.0) {
            return Err(SharingError::Parameter(format!(
                "{value} is not a value of {:?} ({})",
                parameter.target, parameter.origin
            )));
        }
        match &parameter.target {
            FreeTarget::Revenue(party) => {
                let others: f64 = out
                    .revenue
                    .iter()
                    .filter(|s| &s.party != party)
                    .map(|s| s.share)
                    .sum();
                if others <= 0.0 {
                    return Err(SharingError::Parameter(format!(
                        "no other party's share can make room for `{party}`"
                    )));
                }
                for share in &mut out.revenue {
                    share.share = if &share.party == party {
                        value
                    } else {
                        share.share / others * (1.0 - value)
                    };
                }
            }
            target => {
                for term in &mut out.terms {
                    match (target, &mut term.kind) {
                        (FreeTarget::Floor, TermKind::Floor(amount))
                        | (FreeTarget::Cap, TermKind::Cap(amount))
                        | (
                            FreeTarget::Premium,
                            TermKind::Insurance {
                                premium: amount, ..
                            },
                        ) => {
                            amount.amount = value;
                        }
                        (FreeTarget::Cover, TermKind::Cover { share, .. })
                        | (FreeTarget::Above, TermKind::Above { share, .. }) => *share = value,
                        _ => {}
                    }
                }
            }
        }
    }
    Ok(out)
}
