//! The fairness view: which values of a deal's free parameters leave every party better off
//! than without V2G (expected net above zero) and within its VaR limit.
//!
//! [`brute_force`] settles every grid point. [`search`] walks the grid line by line along the
//! last free parameter and uses what each term is: a transfer from one party to another that
//! grows with the parameter. So each party's net in each scenario is monotone along a line,
//! and so are its expected net and its VaR; each constraint then holds on a prefix or a
//! suffix of the line, found by bisection from the line's two ends, and the feasible points
//! are the intersection. Monotonicity needs margins that are never negative (a revenue share
//! of a loss runs the other way) and no party that receives a floor while paying a cap or an
//! upside share on the same revenue; when either fails, [`search`] scans the lines in full.
//! Both give the same answer (tested on grids against each other).

use std::collections::HashMap;

use serde::Serialize;
use voltlex_dsl::rules::{FreeTarget, RiskSharingRule, TermKind};

use super::{settle, with_values, FleetFacts, SharingError, SystemScenario};
use crate::risk::RiskReport;

/// One point of the grid, settled.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FairPoint {
    /// The free parameters' values, in the deal's order.
    pub values: Vec<f64>,
    /// Expected net per party, in the deal's order.
    pub expected: Vec<f64>,
    /// VaR per party at the view's confidence.
    pub value_at_risk: Vec<f64>,
}

impl FairPoint {
    /// The smallest expected net over the parties (what the fairest point maximises first).
    pub fn worst_expected(&self) -> f64 {
        self.expected.iter().copied().fold(f64::INFINITY, f64::min)
    }
}

/// The grid and where every party gains.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FairnessView {
    /// The free parameters, as `revenue fleet`, `floor`, … .
    pub parameters: Vec<String>,
    /// Their grids.
    pub grids: Vec<Vec<f64>>,
    /// Per parameter, whether its values are shares (fractions) rather than amounts.
    pub shares: Vec<bool>,
    /// The parties, in the deal's order.
    pub parties: Vec<String>,
    /// Confidence of the VaR limits.
    pub confidence: f64,
    /// The VaR limit per party (`None`: no limit).
    pub limits: Vec<Option<f64>>,
    /// The feasible points, in grid order (last parameter fastest).
    pub feasible: Vec<FairPoint>,
    /// Grid points settled.
    pub evaluated: usize,
    /// Grid points in all.
    pub grid_points: usize,
    /// The feasible point whose worst-off party gains most (leximin: then the next worst-off,
    /// …).
    pub best: Option<FairPoint>,
    /// Whether the lines were searched by bisection (`false`: scanned, see the module docs).
    pub bisected: bool,
}

/// Label of a free parameter.
fn label(target: &FreeTarget) -> String {
    match target {
        FreeTarget::Revenue(party) => format!("revenue {party}"),
        FreeTarget::Floor => "floor".into(),
        FreeTarget::Cap => "cap".into(),
        FreeTarget::Cover => "cover".into(),
        FreeTarget::Premium => "premium".into(),
        FreeTarget::Above => "above".into(),
    }
}

struct Grid<'a> {
    deal: &'a RiskSharingRule,
    fleet: &'a FleetFacts,
    scenarios: &'a [SystemScenario],
    confidence: f64,
    limits: Vec<Option<f64>>,
    evaluated: usize,
}

impl Grid<'_> {
    fn point(&mut self, values: &[f64]) -> Result<FairPoint, SharingError> {
        self.evaluated += 1;
        let deal = with_values(self.deal, values)?;
        let parties = deal.parties.len();
        let mut totals = vec![Vec::with_capacity(self.scenarios.len()); parties];
        for scenario in self.scenarios {
            let settled = settle(&deal, self.fleet, scenario)?;
            for (list, total) in totals.iter_mut().zip(settled.totals()) {
                list.push(total);
            }
        }
        let mut expected = Vec::with_capacity(parties);
        let mut value_at_risk = Vec::with_capacity(parties);
        for list in &totals {
            let report = RiskReport::of(list, self.confidence)?;
            expected.push(report.mean_profit);
            value_at_risk.push(report.value_at_risk);
        }
        Ok(FairPoint {
            values: values.to_vec(),
            expected,
            value_at_risk,
        })
    }

    /// Per constraint (party gains; party within its limit), whether it holds.
    fn holds(&self, point: &FairPoint) -> Vec<bool> {
        let mut out = Vec::with_capacity(point.expected.len() * 2);
        for (index, expected) in point.expected.iter().enumerate() {
            out.push(*expected > 0.0);
            let var = point.value_at_risk.get(index).copied().unwrap_or(0.0);
            out.push(
                self.limits
                    .get(index)
                    .copied()
                    .flatten()
                    .is_none_or(|limit| var <= limit),
            );
        }
        out
    }
}

/// Odometer order over the grids except the last: every prefix.
fn prefixes(grids: &[Vec<f64>]) -> Vec<Vec<f64>> {
    let mut out: Vec<Vec<f64>> = vec![Vec::new()];
    for grid in grids.iter().take(grids.len().saturating_sub(1)) {
        out = out
            .into_iter()
            .flat_map(|prefix| {
                grid.iter().map(move |v| {
                    let mut next = prefix.clone();
                    next.push(*v);
                    next
                })
            })
            .collect();
    }
    out
}

/// Whether every line along the last free parameter is monotone (see the module docs).
///
/// Along a floor, cap, upside share, cover or premium each party's net is monotone whatever
/// the scenario: one transfer grows, the revenue it is worked out on does not move, and an
/// insurance claim is a monotone function of the insured's net — unless two insurance terms
/// insure different parties (the insurer's net could then turn). Along a revenue share it also
/// needs margins that are never negative, and no party that receives a floor while paying a
/// cap or an upside share (its net would fall between the floor and the threshold).
pub fn lines_are_monotone(deal: &RiskSharingRule, scenarios: &[SystemScenario]) -> bool {
    let mut insureds = deal.terms.iter().filter_map(|t| match t.kind {
        TermKind::Insurance { .. } => Some(&t.payee),
        _ => None,
    });
    let one_insured = match insureds.next() {
        Some(first) => insureds.all(|other| other == first),
        None => true,
    };
    let along_revenue = matches!(
        deal.free.last().map(|p| &p.target),
        Some(FreeTarget::Revenue(_))
    );
    if !along_revenue {
        return one_insured;
    }
    let margins_ok = scenarios
        .iter()
        .all(|s| s.months.iter().all(|m| m.margin >= 0.0));
    let collar_free = deal.parties.iter().all(|party| {
        let receives_floor = deal
            .terms
            .iter()
            .any(|t| t.payee == *party && matches!(t.kind, TermKind::Floor(_)));
        let pays_upside = deal.terms.iter().any(|t| {
            t.payer == *party && matches!(t.kind, TermKind::Cap(_) | TermKind::Above { .. })
        });
        !(receives_floor && pays_upside)
    });
    one_insured && margins_ok && collar_free
}

fn setup<'a>(
    deal: &'a RiskSharingRule,
    fleet: &'a FleetFacts,
    scenarios: &'a [SystemScenario],
    confidence: f64,
) -> Result<(Grid<'a>, Vec<Vec<f64>>, f64), SharingError> {
    if scenarios.is_empty() {
        return Err(SharingError::NoScenarios);
    }
    for (index, scenario) in scenarios.iter().enumerate() {
        scenario.check(index)?;
    }
    let confidence = deal
        .var_limits
        .as_ref()
        .map_or(confidence, |l| l.confidence);
    let limits = deal
        .parties
        .iter()
        .map(|party| {
            deal.var_limits.as_ref().and_then(|l| {
                l.limits
                    .iter()
                    .find(|(p, _)| p == party)
                    .map(|(_, limit)| *limit)
            })
        })
        .collect();
    let grids: Vec<Vec<f64>> = deal.free.iter().map(|p| p.values.clone()).collect();
    Ok((
        Grid {
            deal,
            fleet: fleet.validated().map(|_| fleet)?,
            scenarios,
            confidence,
            limits,
            evaluated: 0,
        },
        grids,
        confidence,
    ))
}

fn finish(
    grid: &Grid<'_>,
    grids: Vec<Vec<f64>>,
    confidence: f64,
    feasible: Vec<FairPoint>,
    bisected: bool,
) -> FairnessView {
    // Leximin: the worst-off party's gain first, then the next worst, … (the first such
    // point in grid order on a tie).
    let sorted = |p: &FairPoint| {
        let mut gains = p.expected.clone();
        gains.sort_by(f64::total_cmp);
        gains
    };
    let mut best: Option<(&FairPoint, Vec<f64>)> = None;
    for point in &feasible {
        let key = sorted(point);
        let better = best.as_ref().is_none_or(|(_, best_key)| {
            key.iter()
                .zip(best_key)
                .map(|(a, b)| a.total_cmp(b))
                .find(|order| order.is_ne())
                .is_some_and(|order| order.is_gt())
        });
        if better {
            best = Some((point, key));
        }
    }
    let best = best.map(|(point, _)| point.clone());
    FairnessView {
        parameters: grid.deal.free.iter().map(|p| label(&p.target)).collect(),
        shares: grid.deal.free.iter().map(|p| p.target.is_share()).collect(),
        grid_points: grids.iter().map(Vec::len).product(),
        grids,
        parties: grid.deal.parties.clone(),
        confidence,
        limits: grid.limits.clone(),
        feasible,
        evaluated: grid.evaluated,
        best,
        bisected,
    }
}

/// Every grid point settled: the reference for [`search`].
///
/// # Errors
///
/// As [`search`].
pub fn brute_force(
    deal: &RiskSharingRule,
    fleet: &FleetFacts,
    scenarios: &[SystemScenario],
    confidence: f64,
) -> Result<FairnessView, SharingError> {
    let (mut grid, grids, confidence) = setup(deal, fleet, scenarios, confidence)?;
    let last = grids.last().cloned().unwrap_or_default();
    let mut feasible = Vec::new();
    for prefix in prefixes(&grids) {
        let line: Vec<Vec<f64>> = if grids.is_empty() {
            vec![prefix.clone()]
        } else {
            last.iter()
                .map(|v| {
                    let mut values = prefix.clone();
                    values.push(*v);
                    values
                })
                .collect()
        };
        for values in line {
            let point = grid.point(&values)?;
            if grid.holds(&point).iter().all(|ok| *ok) {
                feasible.push(point);
            }
        }
    }
    Ok(finish(&grid, grids, confidence, feasible, false))
}

/// Bisection for where `constraint` changes along a line whose two ends disagree: with
/// `holds_first`, it holds at `first` and not at `last` and the answer is the last index where
/// it holds; otherwise the first index where it holds.
fn boundary<'a>(
    grid: &mut Grid<'a>,
    at: &mut impl FnMut(&mut Grid<'a>, usize) -> Result<(FairPoint, Vec<bool>), SharingError>,
    constraint: usize,
    first: usize,
    last: usize,
    holds_first: bool,
) -> Result<usize, SharingError> {
    // Invariant: the constraint's value at `near` is `holds_first`, at `far` the opposite.
    let (mut near, mut far) = (first, last);
    while far - near > 1 {
        let mid = (near + far) / 2;
        let (_, holds) = at(grid, mid)?;
        if holds.get(constraint).copied().unwrap_or(false) == holds_first {
            near = mid;
        } else {
            far = mid;
        }
    }
    Ok(if holds_first { near } else { far })
}

/// The feasible set by bisection along the last free parameter (see the module docs).
///
/// ```
/// use voltlex_engine::sharing::{search, FleetFacts, SystemMonth, SystemScenario, YearWear};
/// use voltlex_engine::sharing::fairness::brute_force;
/// let compilation = voltlex_dsl::package::compile_text("d.vlx", r#"
///   risk_sharing "D" { parties fleet, aggregator owner fleet
///     revenue fleet 50%, aggregator 50%
///     fee 20 JPY per month from aggregator to fleet
///     free revenue fleet 0..100 step 10 }"#);
/// let deal = &compilation.rules.risk_sharings[0];
/// let fleet = FleetFacts { vehicles: 1.0, battery_kwh: 1.0, replacement_cost_per_kwh: 1.0,
///     end_of_life_loss: 0.2 };
/// let scenario = SystemScenario { months: vec![SystemMonth { margin: 100.0, discharged_kwh: 0.0 }],
///     years: vec![YearWear::default()] };
/// let view = search(deal, &fleet, &[scenario.clone()], 0.95)?;
/// // The aggregator keeps (1 − s)·100 − 20 > 0: s < 80 %; the fleet s·100 + 20 > 0 always.
/// let shares: Vec<f64> = view.feasible.iter().map(|p| p.values[0]).collect();
/// assert_eq!(shares.len(), 8);
/// assert!((shares[7] - 0.7).abs() < 1e-12);
/// assert_eq!(view.feasible, brute_force(deal, &fleet, &[scenario], 0.95)?.feasible);
/// # Ok::<(), voltlex_engine::sharing::SharingError>(())
/// ```
///
/// # Errors
///
/// [`SharingError::NoScenarios`], [`SharingError::Years`], [`SharingError::Fleet`] and the
/// errors of settling a point.
pub fn search(
    deal: &RiskSharingRule,
    fleet: &FleetFacts,
    scenarios: &[SystemScenario],
    confidence: f64,
) -> Result<FairnessView, SharingError> {
    if deal.free.is_empty() || !lines_are_monotone(deal, scenarios) {
        return brute_force(deal, fleet, scenarios, confidence);
    }
    let (mut grid, grids, confidence) = setup(deal, fleet, scenarios, confidence)?;
    let last = grids.last().cloned().unwrap_or_default();
    let mut feasible = Vec::new();
    for prefix in prefixes(&grids) {
        let mut cache: HashMap<usize, (FairPoint, Vec<bool>)> = HashMap::new();
        let mut at =
            |grid: &mut Grid<'_>, index: usize| -> Result<(FairPoint, Vec<bool>), SharingError> {
                if let Some(hit) = cache.get(&index) {
                    return Ok(hit.clone());
                }
                let mut values = prefix.clone();
                values.push(last.get(index).copied().unwrap_or(0.0));
                let point = grid.point(&values)?;
                let holds = grid.holds(&point);
                cache.insert(index, (point.clone(), holds.clone()));
                Ok((point, holds))
            };
        let end = last.len().saturating_sub(1);
        let (_, first) = at(&mut grid, 0)?;
        let (_, final_) = at(&mut grid, end)?;
        let (mut low, mut high) = (0usize, end);
        let mut empty = false;
        for constraint in 0..first.len() {
            let start_ok = first.get(constraint).copied().unwrap_or(false);
            let end_ok = final_.get(constraint).copied().unwrap_or(false);
            match (start_ok, end_ok) {
                (true, true) => {}
                (false, false) => empty = true,
                (true, false) => {
                    // Holds on a prefix: up to the last index where it holds.
                    high = high.min(boundary(&mut grid, &mut at, constraint, 0, end, true)?);
                }
                (false, true) => {
                    // Holds on a suffix: from the first index where it holds.
                    low = low.max(boundary(&mut grid, &mut at, constraint, 0, end, false)?);
                }
            }
            if empty {
                break;
            }
        }
        if empty || low > high {
            continue;
        }
        for index in low..=high {
            let (point, holds) = at(&mut grid, index)?;
            if holds.iter().all(|ok| *ok) {
                feasible.push(point);
            }
        }
    }
    Ok(finish(&grid, grids, confidence, feasible, true))
}
