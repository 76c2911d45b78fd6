//! A V2G study over consecutive days: each day dispatched twice (V2G and charge-only
//! baseline) by the exact optimiser, the month's running peak carried from day to day, and
//! every vehicle's figures for its [`Waterfall`](super::waterfall::Waterfall).
//!
//! **Day-ahead, day by day.** JEPX prices for a day are known at 10:00 the day before, so a
//! fleet operator dispatches one day at a time. Each day's problem sees the highest import
//! so far this month as its ratchet (`ratchet_kw` = max of the contract level and the
//! running peak): a peak already paid for costs nothing more, a new one costs the demand
//! price. The V2G and baseline runs each carry their own running peak.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::dispatch::{dispatch, V2gError};
use super::plan::V2gPlan;
use super::problem::{V2gProblem, V2gSession};
use super::waterfall::VehicleFigures;
use crate::battery::{degradation, Chemistry, DegradationCost, Usage};
use crate::schedule::Mode;

/// How a session's battery wears: its chemistry and replacement cost.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionWear {
    /// Chemistry of the vehicle's pack.
    pub chemistry: Chemistry,
    /// Pack replacement cost per kWh of capacity.
    pub replacement_cost_per_kwh: f64,
}

/// Conditions of the study.
#[derive(Debug, Clone, PartialEq)]
pub struct StudyOptions {
    /// Departure rule.
    pub mode: Mode,
    /// Cell temperature for wear, °C.
    pub temperature_c: f64,
    /// Age of the packs at the start, days (calendar ageing is not additive).
    pub age_days: f64,
}

impl Default for StudyOptions {
    fn default() -> Self {
        StudyOptions {
            mode: Mode::Availability,
            temperature_c: 25.0,
            age_days: 365.0,
        }
    }
}

/// One day of the study.
#[derive(Debug, Clone, PartialEq)]
pub struct StudyDay {
    /// The day's problem (its `ratchet_kw` is replaced by the running peak).
    pub problem: V2gProblem,
    /// Wear per session, parallel to the problem's sessions.
    pub wear: Vec<SessionWear>,
}

/// What one day's two dispatches did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DayResult {
    /// Start of the day's horizon.
    pub start: chrono::NaiveDateTime,
    /// Objective of the V2G dispatch.
    pub v2g_objective: f64,
    /// Objective of the baseline.
    pub baseline_objective: f64,
    /// Highest import of the V2G dispatch, kW.
    pub v2g_peak_kw: f64,
    /// Highest import of the baseline, kW.
    pub baseline_peak_kw: f64,
    /// Battery-side kWh discharged.
    pub discharged_kwh: f64,
    /// Grid-side kWh exported.
    pub exported_kwh: f64,
    /// Interior-point iterations of the V2G dispatch.
    pub iterations: usize,
}

/// A day's dispatches, kept for reports, balancing offers and OCPP.
#[derive(Debug, Clone, PartialEq)]
pub struct DayPlans {
    /// The problem as solved (with the running-peak ratchet).
    pub problem: V2gProblem,
    /// The V2G plan.
    pub v2g: V2gPlan,
    /// The charge-only baseline.
    pub baseline: V2gPlan,
}

/// The study's results.
#[derive(Debug, Clone, PartialEq)]
pub struct StudyResult {
    /// Per day.
    pub days: Vec<DayResult>,
    /// Per day, the plans.
    pub plans: Vec<DayPlans>,
    /// Per vehicle (by id), summed over the days; demand saving, balancing and penalties are
    /// left at 0 for the caller (they need the bill and the market).
    pub vehicles: BTreeMap<String, VehicleFigures>,
}

/// The baseline of a problem: the same problem with discharge switched off.
///
/// ```
/// use voltlex_engine::v2g::generate::tiny_random_v2g;
/// use voltlex_engine::v2g::study::baseline_of;
/// let problem = tiny_random_v2g(3);
/// assert!(baseline_of(&problem).sessions.iter().all(|s| s.discharge_kw == 0.0));
/// ```
pub fn baseline_of(problem: &V2gProblem) -> V2gProblem {
    let mut baseline = problem.clone();
    for session in &mut baseline.sessions {
        *session = V2gSession {
            floor_kwh: session.floor_kwh,
            ..V2gSession::charge_only()
        };
    }
    baseline
}

/// Run the study: every day dispatched with and without discharge.
///
/// ```
/// use voltlex_engine::battery::Chemistry;
/// use voltlex_engine::v2g::generate::v2g_depot;
/// use voltlex_engine::v2g::study::{run, SessionWear, StudyDay, StudyOptions};
///
/// let days: Vec<StudyDay> = (0..2)
///     .map(|seed| {
///         let problem = v2g_depot(6, 1, seed);
///         let wear = vec![
///             SessionWear { chemistry: Chemistry::lfp(), replacement_cost_per_kwh: 20_000.0 };
///             problem.sessions.len()
///         ];
///         StudyDay { problem, wear }
///     })
///     .collect();
/// let result = run(&days, &StudyOptions::default())?;
/// assert_eq!(result.days.len(), 2);
/// // Discharge is an option, never an obligation: V2G never costs more than the baseline.
/// assert!(result.days.iter().all(|d| d.v2g_objective <= d.baseline_objective + 1e-6));
/// # Ok::<(), voltlex_engine::v2g::V2gError>(())
/// ```
///
/// # Errors
///
/// The first day that cannot be dispatched.
pub fn run(days: &[StudyDay], options: &StudyOptions) -> Result<StudyResult, V2gError> {
    let mut results = Vec::with_capacity(days.len());
    let mut plans = Vec::with_capacity(days.len());
    let mut vehicles: BTreeMap<String, VehicleFigures> = BTreeMap::new();
    let mut v2g_peak: Option<(crate::month::YearMonth, f64)> = None;
    let mut baseline_peak: Option<(crate::month::YearMonth, f64)> = None;
    for day in days {
        let month = crate::month::YearMonth::of(day.problem.charging.start.date());
        let carried = |peak: &Option<(crate::month::YearMonth, f64)>| match peak {
            Some((m, kw)) if *m == month => *kw,
            _ => 0.0,
        };
        let mut problem = day.problem.clone();
        problem.charging.ratchet_kw = problem.charging.ratchet_kw.max(carried(&v2g_peak));
        let mut baseline_problem = baseline_of(&day.problem);
        baseline_problem.charging.ratchet_kw = baseline_problem
            .charging
            .ratchet_kw
            .max(carried(&baseline_peak));
        let v2g = dispatch(&problem, options.mode)?;
        let baseline = dispatch(&baseline_problem, options.mode)?;
        v2g_peak = Some((month, carried(&v2g_peak).max(v2g.cost.peak_kw)));
        baseline_peak = Some((month, carried(&baseline_peak).max(baseline.cost.peak_kw)));

        add_vehicle_figures(
            &problem,
            &v2g.plan,
            &baseline.plan,
            &day.wear,
            options,
            &mut vehicles,
        )?;
        results.push(DayResult {
            start: problem.charging.start,
            v2g_objective: v2g.objective,
            baseline_objective: baseline.objective,
            v2g_peak_kw: v2g.cost.peak_kw,
            baseline_peak_kw: baseline.cost.peak_kw,
            discharged_kwh: v2g.cost.discharged_kwh,
            exported_kwh: v2g.cost.exported_kwh,
            iterations: v2g.iterations,
        });
        plans.push(DayPlans {
            problem,
            v2g: v2g.plan,
            baseline: baseline.plan,
        });
    }
    Ok(StudyResult {
        days: results,
        plans,
        vehicles,
    })
}

/// Add one day's figures per vehicle: discharge valued at the site's price (import slots)
/// or the sell price (the exported share of an export slot's discharge), extra charging at
/// the import price, and the wear of both trajectories.
fn add_vehicle_figures(
    problem: &V2gProblem,
    v2g: &V2gPlan,
    baseline: &V2gPlan,
    wear: &[SessionWear],
    options: &StudyOptions,
    vehicles: &mut BTreeMap<String, VehicleFigures>,
) -> Result<(), V2gError> {
    let charging = &problem.charging;
    let hours = charging.slot_hours();
    let slots = charging.slots();
    // Per slot: net site load and total discharge of the V2G plan.
    let mut net = charging.base_kw.clone();
    let mut discharge_total = vec![0.0; slots];
    for (session, (charge, discharge)) in charging
        .sessions
        .iter()
        .zip(v2g.charge_kw.iter().zip(&v2g.discharge_kw))
    {
        for (offset, (c, d)) in charge.iter().zip(discharge).enumerate() {
            let slot = session.first_slot + offset;
            if let Some(n) = net.get_mut(slot) {
                *n += c - d;
            }
            if let Some(total) = discharge_total.get_mut(slot) {
                *total += d;
            }
        }
    }
    for (index, session) in charging.sessions.iter().enumerate() {
        let figures = vehicles
            .entry(session.vehicle.clone())
            .or_insert_with(|| VehicleFigures {
                vehicle: session.vehicle.clone(),
                ..VehicleFigures::default()
            });
        figures.enrolled |= problem.discharge_limit_kw(index) > 0.0;
        let empty = Vec::new();
        let charge = v2g.charge_kw.get(index).unwrap_or(&empty);
        let discharge = v2g.discharge_kw.get(index).unwrap_or(&empty);
        let base_charge = baseline.charge_kw.get(index).unwrap_or(&empty);
        let efficiency = charging.efficiency_of(session);
        for (offset, ((c, d), b)) in charge.iter().zip(discharge).zip(base_charge).enumerate() {
            let slot = session.first_slot + offset;
            let price = charging.energy_price.get(slot).copied().unwrap_or(0.0);
            let site_net = net.get(slot).copied().unwrap_or(0.0);
            let total = discharge_total.get(slot).copied().unwrap_or(0.0);
            let exported_share = if site_net < 0.0 && total > 0.0 {
                (-site_net / total).min(1.0)
            } else {
                0.0
            };
            let kwh = d * hours;
            figures.spot_revenue += kwh * exported_share * problem.sell_price(slot);
            figures.site_value += kwh * (1.0 - exported_share) * price;
            figures.market_kwh += kwh * exported_share;
            figures.discharged_kwh += kwh / efficiency;
            figures.extra_charging_cost += (c - b) * hours * price;
        }
        if let Some(wear) = wear.get(index) {
            let with = wear_cost(problem, v2g, index, wear, options)?;
            let without = wear_cost(problem, baseline, index, wear, options)?;
            figures.extra_degradation_cost += with - without;
        }
    }
    Ok(())
}

/// Wear cost of a session's plugged-in trajectory (calendar and cycle, rainflow-counted).
fn wear_cost(
    problem: &V2gProblem,
    plan: &V2gPlan,
    session: usize,
    wear: &SessionWear,
    options: &StudyOptions,
) -> Result<f64, V2gError> {
    let Some(s) = problem.charging.sessions.get(session) else {
        return Ok(0.0);
    };
    if s.battery_kwh <= 0.0 {
        return Ok(0.0);
    }
    let mut soc = vec![(s.arrival_kwh / s.battery_kwh).clamp(0.0, 1.0)];
    soc.extend(
        plan.battery_kwh(problem, session)
            .iter()
            .map(|kwh| (kwh / s.battery_kwh).clamp(0.0, 1.0)),
    );
    let usage = Usage {
        state_of_charge: &soc,
        slot_hours: problem.charging.slot_hours(),
        temperature_c: options.temperature_c,
        capacity_kwh: s.battery_kwh,
        age_days: options.age_days,
    };
    let report = degradation(&wear.chemistry, &usage).map_err(|error| V2gError::Wear {
        vehicle: s.vehicle.clone(),
        message: error.to_string(),
    })?;
    Ok(DegradationCost::of(&wear.chemistry, &report, wear.replacement_cost_per_kwh).total)
}
