//! What each party earns and risks under a deal, over all scenarios, beside the status quo.

use serde::Serialize;
use voltlex_dsl::rules::RiskSharingRule;

use super::{settle, FleetFacts, SharingError, SystemScenario};
use crate::risk::RiskReport;

/// One party over all scenarios (amounts over the whole horizon unless said otherwise).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PartyOutcome {
    /// The party.
    pub party: String,
    /// Expected net under the deal (its gain against no V2G at all).
    pub expected: f64,
    /// Expected net in the status quo (the owner carries everything; the others get 0).
    pub status_quo_expected: f64,
    /// VaR of the net at the outcome's confidence (a loss: negative = even the bad case earns).
    pub value_at_risk: f64,
    /// CVaR of the net.
    pub conditional_value_at_risk: f64,
    /// VaR in the status quo.
    pub status_quo_value_at_risk: f64,
    /// Share of scenarios where the party's net is below zero.
    pub probability_of_loss: f64,
    /// The same in the status quo.
    pub status_quo_probability_of_loss: f64,
    /// Expected accrued net per contract year.
    pub yearly_expected: Vec<f64>,
    /// Expected cash per month as paid (longer than the horizon by the payment delay).
    pub monthly_expected_paid: Vec<f64>,
    /// The net in every scenario, in scenario order (for histograms).
    pub totals: Vec<f64>,
}

/// A deal over all scenarios.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SharingOutcome {
    /// The deal.
    pub deal: String,
    /// Currency.
    pub currency: String,
    /// Confidence of the VaR and CVaR.
    pub confidence: f64,
    /// Scenarios settled.
    pub scenarios: usize,
    /// Months per scenario.
    pub months: usize,
    /// Expected system net (margin − wear): what there is to share.
    pub system_expected: f64,
    /// Per party, in the deal's order.
    pub parties: Vec<PartyOutcome>,
    /// Largest gap, over scenarios and months, between the parties' flows and the system's.
    pub conservation_error: f64,
}

/// Settles every scenario under `deal` and measures each party.
///
/// ```
/// use voltlex_engine::sharing::{evaluate, FleetFacts, SystemMonth, SystemScenario, YearWear};
/// let compilation = voltlex_dsl::package::compile_text("d.vlx", r#"
///   risk_sharing "D" { parties fleet, aggregator owner fleet
///     revenue fleet 50%, aggregator 50% }"#);
/// let deal = &compilation.rules.risk_sharings[0];
/// let fleet = FleetFacts { vehicles: 1.0, battery_kwh: 1.0, replacement_cost_per_kwh: 1.0,
///     end_of_life_loss: 0.2 };
/// let scenario = |margin: f64| SystemScenario {
///     months: vec![SystemMonth { margin, discharged_kwh: 0.0 }],
///     years: vec![YearWear::default()],
/// };
/// let outcome = evaluate(deal, &fleet, &[scenario(100.0), scenario(-20.0)], 0.9)?;
/// assert_eq!(outcome.parties[1].expected, 20.0); // (50 − 10) / 2
/// assert_eq!(outcome.parties[0].status_quo_expected, 40.0);
/// assert_eq!(outcome.parties[1].probability_of_loss, 0.5);
/// # Ok::<(), voltlex_engine::sharing::SharingError>(())
/// ```
///
/// # Errors
///
/// [`SharingError::NoScenarios`]; the errors of [`settle`] (naming the scenario) and of the
/// risk measures.
pub fn evaluate(
    deal: &RiskSharingRule,
    fleet: &FleetFacts,
    scenarios: &[SystemScenario],
    confidence: f64,
) -> Result<SharingOutcome, SharingError> {
    if scenarios.is_empty() {
        return Err(SharingError::NoScenarios);
    }
    let fleet = fleet.validated()?;
    let parties = deal.parties.len();
    let count = scenarios.len() as f64;
    let months = scenarios.iter().map(|s| s.months.len()).max().unwrap_or(0);
    let years = months.div_ceil(12);
    let mut totals = vec![Vec::with_capacity(scenarios.len()); parties];
    let mut system_totals = Vec::with_capacity(scenarios.len());
    let mut yearly = vec![vec![0.0; years]; parties];
    let mut paid_mean: Vec<Vec<f64>> = vec![Vec::new(); parties];
    let mut conservation_error: f64 = 0.0;
    for (index, scenario) in scenarios.iter().enumerate() {
        scenario.check(index)?;
        let settled = settle(deal, &fleet, scenario)?;
        conservation_error = conservation_error.max(settled.conservation_error());
        system_totals.push(settled.system.iter().sum::<f64>());
        for (party, flows) in settled.accrued.iter().enumerate() {
            if let Some(list) = totals.get_mut(party) {
                list.push(flows.iter().sum());
            }
            for (year, slot) in yearly.get_mut(party).into_iter().flatten().enumerate() {
                let range = scenario.year_months(year);
                *slot += flows.get(range).map_or(0.0, |f| f.iter().sum::<f64>()) / count;
            }
        }
        for (party, flows) in settled.paid.iter().enumerate() {
            if let Some(mean) = paid_mean.get_mut(party) {
                if mean.len() < flows.len() {
                    mean.resize(flows.len(), 0.0);
                }
                for (slot, value) in mean.iter_mut().zip(flows) {
                    *slot += value / count;
                }
            }
        }
    }
    let loss_share = |values: &[f64]| values.iter().filter(|v| **v < 0.0).count() as f64 / count;
    let system_report = RiskReport::of(&system_totals, confidence)?;
    let mut out = Vec::with_capacity(parties);
    for (index, party) in deal.parties.iter().enumerate() {
        let party_totals = totals.get(index).cloned().unwrap_or_default();
        let report = RiskReport::of(&party_totals, confidence)?;
        let is_owner = *party == deal.owner;
        out.push(PartyOutcome {
            party: party.clone(),
            expected: report.mean_profit,
            status_quo_expected: if is_owner {
                system_report.mean_profit
            } else {
                0.0
            },
            value_at_risk: report.value_at_risk,
            conditional_value_at_risk: report.conditional_value_at_risk,
            status_quo_value_at_risk: if is_owner {
                system_report.value_at_risk
            } else {
                0.0
            },
            probability_of_loss: loss_share(&party_totals),
            status_quo_probability_of_loss: if is_owner {
                loss_share(&system_totals)
            } else {
                0.0
            },
            yearly_expected: yearly.get(index).cloned().unwrap_or_default(),
            monthly_expected_paid: paid_mean.get(index).cloned().unwrap_or_default(),
            totals: party_totals,
        });
    }
    Ok(SharingOutcome {
        deal: deal.name.clone(),
        currency: deal.currency.code().to_string(),
        confidence,
        scenarios: scenarios.len(),
        months,
        system_expected: system_report.mean_profit,
        parties: out,
        conservation_error,
    })
}
