//! Golden settlement tests of a package's `risk_sharing` deals: a file with `[[scenario]]`
//! tables gives the fleet and the operation's months and wear by hand, and each party's
//! expected total over the horizon (and optionally cash paid in given months). `voltlex test`
//! runs them beside the golden bills.
//!
//! ```toml
//! deal = "Depot V2G three-party deal"   # optional when the package has one deal
//! [fleet]
//! vehicles = 2
//! battery_kwh = 50
//! replacement_cost_per_kwh = 20000
//! end_of_life_loss = 0.2
//!
//! [[scenario]]
//! name = "good year"
//! margin = [200000]                      # per month; one value = every month
//! discharged_kwh = [1000]
//! months = 12                            # optional: the length of the lists otherwise
//! loss_with_v2g = [0.06]                 # per contract year
//! loss_without_v2g = [0.02]
//! [scenario.totals]                      # every party of the deal, amounts to the yen
//! fleet = "1038000"
//! [[scenario.paid]]                      # optional: cash as paid
//! party = "aggregator"
//! month = 3                              # months after the first (0-based)
//! amount = "309000"
//! ```

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use voltlex_engine::sharing::{settle, FleetFacts, SystemMonth, SystemScenario, YearWear};

use crate::golden::TestOutcome;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SettlementTest {
    deal: Option<String>,
    fleet: FleetTable,
    scenario: Vec<ScenarioCase>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FleetTable {
    vehicles: f64,
    battery_kwh: f64,
    replacement_cost_per_kwh: f64,
    end_of_life_loss: f64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ScenarioCase {
    name: String,
    margin: Vec<f64>,
    discharged_kwh: Vec<f64>,
    months: Option<usize>,
    loss_with_v2g: Vec<f64>,
    loss_without_v2g: Vec<f64>,
    totals: BTreeMap<String, String>,
    #[serde(default)]
    paid: Vec<PaidCase>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PaidCase {
    party: String,
    month: usize,
    amount: String,
}

/// Is this golden test file a settlement test (it has `[[scenario]]` tables)?
pub fn is_settlement_test(text: &str) -> bool {
    toml::from_str::<toml::Table>(text).is_ok_and(|t| t.contains_key("scenario"))
}

/// A list of one value repeated, or as many values as months.
fn per_month(values: &[f64], months: usize, what: &str) -> Result<Vec<f64>, String> {
    match values {
        [one] => Ok(vec![*one; months]),
        _ if values.len() == months => Ok(values.to_vec()),
        _ => Err(format!(
            "{what}: expected one value or {months} (one per month), found {}",
            values.len()
        )),
    }
}

fn scenario_of(case: &ScenarioCase) -> Result<SystemScenario, String> {
    let months = case
        .months
        .unwrap_or(case.margin.len().max(case.discharged_kwh.len()));
    if months == 0 {
        return Err("months: expected at least 1".into());
    }
    let margin = per_month(&case.margin, months, "margin")?;
    let kwh = per_month(&case.discharged_kwh, months, "discharged_kwh")?;
    let years = months.div_ceil(12);
    let with = per_month(&case.loss_with_v2g, years, "loss_with_v2g (per year)")?;
    let without = per_month(&case.loss_without_v2g, years, "loss_without_v2g (per year)")?;
    Ok(SystemScenario {
        months: margin
            .into_iter()
            .zip(kwh)
            .map(|(margin, discharged_kwh)| SystemMonth {
                margin,
                discharged_kwh,
            })
            .collect(),
        years: with
            .into_iter()
            .zip(without)
            .map(|(loss_with_v2g, loss_without_v2g)| YearWear {
                loss_with_v2g,
                loss_without_v2g,
            })
            .collect(),
    })
}

/// Compares `actual` with the expected amount `expected` (to half a yen).
fn compare(what: String, expected: &str, actual: f64, outcome: &mut TestOutcome) {
    outcome.checks += 1;
    match expected.replace(',', "").parse::<f64>() {
        Ok(value) if (value - actual).abs() < 0.5 => {}
        Ok(value) => outcome
            .failures
            .push(format!("{what}: expected {value}, got {actual:.2}")),
        Err(_) => outcome.failures.push(format!(
            "{what}: expected amount {expected:?} is not a number"
        )),
    }
}

/// Runs a golden settlement test of the package at `package` (see the module docs).
pub fn run_settlement_test(package: &Path, text: &str, outcome: &mut TestOutcome) {
    let test: SettlementTest = match toml::from_str(text) {
        Ok(test) => test,
        Err(e) => {
            outcome
                .failures
                .push(format!("not a golden settlement test file: {e}"));
            return;
        }
    };
    let deal = match crate::risk_share::read_deal(package, test.deal.as_deref()) {
        Ok(deal) => deal,
        Err(e) => {
            outcome.failures.push(format!("{e:#}"));
            return;
        }
    };
    let fleet = FleetFacts {
        vehicles: test.fleet.vehicles,
        battery_kwh: test.fleet.battery_kwh,
        replacement_cost_per_kwh: test.fleet.replacement_cost_per_kwh,
        end_of_life_loss: test.fleet.end_of_life_loss,
    };
    for case in &test.scenario {
        let scenario = match scenario_of(case) {
            Ok(scenario) => scenario,
            Err(e) => {
                outcome
                    .failures
                    .push(format!("scenario \"{}\": {e}", case.name));
                continue;
            }
        };
        let settled = match settle(&deal, &fleet, &scenario) {
            Ok(settled) => settled,
            Err(e) => {
                outcome
                    .failures
                    .push(format!("scenario \"{}\": {e}", case.name));
                continue;
            }
        };
        outcome.checks += 1;
        if settled.conservation_error() > 1e-6 {
            outcome.failures.push(format!(
                "scenario \"{}\": the parties' flows miss the system's by {}",
                case.name,
                settled.conservation_error()
            ));
        }
        let totals = settled.totals();
        for (party, total) in deal.parties.iter().zip(&totals) {
            match case.totals.get(party) {
                Some(expected) => compare(
                    format!("scenario \"{}\": {party}", case.name),
                    expected,
                    *total,
                    outcome,
                ),
                None => outcome.failures.push(format!(
                    "scenario \"{}\": no expected total for party `{party}` (got {total:.2}): every party is listed",
                    case.name
                )),
            }
        }
        for party in case.totals.keys().filter(|p| !deal.parties.contains(p)) {
            outcome.failures.push(format!(
                "scenario \"{}\": `{party}` is not a party of \"{}\"",
                case.name, deal.name
            ));
        }
        for paid in &case.paid {
            let actual = deal
                .parties
                .iter()
                .position(|p| *p == paid.party)
                .and_then(|index| settled.paid.get(index))
                .and_then(|flows| flows.get(paid.month))
                .copied();
            match actual {
                Some(actual) => compare(
                    format!(
                        "scenario \"{}\": {} paid in month {}",
                        case.name, paid.party, paid.month
                    ),
                    &paid.amount,
                    actual,
                    outcome,
                ),
                None => outcome.failures.push(format!(
                    "scenario \"{}\": no cash of `{}` in month {}",
                    case.name, paid.party, paid.month
                )),
            }
        }
    }
}
