//! The exact V2G dispatch: the programme of [`super::problem`] solved by the structured
//! interior-point method.

use serde::{Deserialize, Serialize};

use super::ipm::{self, IpmError, IpmOptions, LinearProgram};
use super::plan::{V2gCost, V2gPlan};
use super::problem::V2gProblem;
use super::structured::StructuredLp;
use crate::schedule::{Mode, ProblemError};

/// An optimal dispatch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct V2gDispatch {
    /// Charge and discharge per session and slot.
    pub plan: V2gPlan,
    /// The programme's optimal objective (currency), as the solver computed it.
    pub objective: f64,
    /// The objective recomputed from the plan alone.
    pub cost: V2gCost,
    /// Interior-point iterations.
    pub iterations: usize,
}

/// Why a dispatch could not be computed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum V2gError {
    /// The problem is malformed.
    #[error("invalid V2G problem: {0}")]
    Invalid(#[from] ProblemError),
    /// The solver stopped without an optimum (in practice: an infeasible problem; check the
    /// charge-only problem with the scheduler's diagnosis first).
    #[error(transparent)]
    Solver(#[from] IpmError),
    /// A vehicle's wear could not be assessed (e.g. a temperature outside the chemistry's
    /// fitted range).
    #[error("vehicle {vehicle}: wear: {message}")]
    Wear {
        /// The vehicle.
        vehicle: String,
        /// What the battery model said.
        message: String,
    },
}

/// Solve `problem` exactly (to a relative duality gap of 1e-10) in `mode`.
///
/// ```
/// use chrono::NaiveDate;
/// use voltlex_engine::schedule::{Charger, Mode, Problem, Session};
/// use voltlex_engine::v2g::{dispatch, V2gProblem, V2gSession};
///
/// let start = NaiveDate::from_ymd_opt(2024, 7, 1).unwrap().and_hms_opt(16, 0, 0).unwrap();
/// let charging = Problem {
///     start, slot_minutes: 60, base_kw: vec![50.0, 50.0], import_cap_kw: 100.0,
///     ratchet_kw: 100.0, energy_price: vec![40.0, 10.0], demand_price_per_kw: 0.0,
///     unmet_price_per_kwh: 0.0,
///     chargers: vec![Charger { id: "B1".into(), max_kw: 10.0, efficiency: 1.0, v2g: true }],
///     sessions: vec![Session { vehicle: "EV1".into(), charger: 0, first_slot: 0, end_slot: 2,
///         max_kw: 10.0, energy_kwh: 0.0, reserved_kwh: 0.0, priority: 0, battery_kwh: 40.0,
///         arrival_kwh: 20.0 }],
/// };
/// let problem = V2gProblem {
///     charging, export_price: vec![0.0, 0.0], export_cap_kw: 0.0,
///     sessions: vec![V2gSession { discharge_kw: 10.0, floor_kwh: 10.0,
///         degradation_per_kwh: 5.0, max_discharge_kwh: f64::INFINITY }],
/// };
/// // Discharge 10 kWh into the site at 40, buy it back at 10, pay 5 of wear: saves 250.
/// let result = dispatch(&problem, Mode::Availability).unwrap();
/// assert!((result.plan.discharge_kw[0][0] - 10.0).abs() < 1e-6);
/// assert!((result.objective - (40.0 * 40.0 + 60.0 * 10.0 + 50.0)).abs() < 1e-5);
/// ```
///
/// # Errors
///
/// [`V2gError::Invalid`] for a malformed problem, [`V2gError::Solver`] when the method does
/// not converge (an infeasible problem).
pub fn dispatch(problem: &V2gProblem, mode: Mode) -> Result<V2gDispatch, V2gError> {
    problem.validate()?;
    let mut lp = StructuredLp::new(problem, mode);
    let cost = lp.cost.clone();
    let lower = lp.lower.clone();
    let upper = lp.upper.clone();
    let rhs = lp.rhs.clone();
    let solution = ipm::solve(
        LinearProgram {
            matrix: &mut lp,
            cost: &cost,
            rhs: &rhs,
            lower: &lower,
            upper: &upper,
        },
        IpmOptions::default(),
    )?;
    let sessions = &problem.charging.sessions;
    let mut charge_kw: Vec<Vec<f64>> = sessions.iter().map(|s| vec![0.0; s.window_len()]).collect();
    let mut discharge_kw = charge_kw.clone();
    for block in &lp.blocks {
        let (Some(charge_row), Some(discharge_row)) = (
            charge_kw.get_mut(block.session),
            discharge_kw.get_mut(block.session),
        ) else {
            continue;
        };
        for (k, (c, d)) in charge_row
            .iter_mut()
            .zip(discharge_row.iter_mut())
            .enumerate()
        {
            let (charge, discharge) = lp.powers(block, &solution.x, k);
            // Interior points sit strictly inside the bounds; clamp rounding noise only.
            *c = charge.max(0.0);
            *d = discharge.max(0.0);
        }
    }
    let plan = V2gPlan {
        charge_kw,
        discharge_kw,
    };
    let cost = V2gCost::of(problem, &plan);
    Ok(V2gDispatch {
        plan,
        objective: solution.objective + lp.objective_offset,
        cost,
        iterations: solution.iterations,
    })
}
