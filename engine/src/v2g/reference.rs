//! The reference optimum of the V2G dispatch problem: the linear programme of
//! [`super::problem`] written out plainly and handed to a general-purpose LP solver.
//!
//! This is the oracle the structured V2G solver is tested against, so it is built from the
//! problem statement alone (the module documentation of [`super::problem`]) and shares no
//! code with any other solver. It is slow on big instances and is not a strategy.
//!
//! # The programme as built here
//!
//! With `h` the slot length in hours and `η_i` the efficiency of session `i`'s charger:
//!
//! - per session and slot of its window: `charge[i][t] ∈ [0, min(session kW, charger kW)]`;
//!   `discharge[i][t] ∈ [0, discharge_limit_kw(i)]`, only when that limit is above 0;
//!   `energy[i][t] ∈ [floor_of(i), battery_kwh]`, the battery at the end of the slot, tied to
//!   the previous one by `energy[i][t] − energy[i][t−1] − h·η·charge + h·discharge/η = 0`
//!   (the first row has `arrival_kwh` on the right-hand side);
//! - the last `energy[i][t]` (departure) is fixed at `arrival + energy_kwh` in availability
//!   mode; in cost mode `energy[i][last] + unmet[i] = arrival + energy_kwh` with
//!   `unmet[i] ∈ [0, energy_kwh − reserved_kwh]`, priced at `unmet_price_per_kwh`;
//! - per session with a finite cycle cap: `Σ_t h·discharge/η ≤ max_discharge_kwh`;
//! - per slot: `import − export − Σ_i charge + Σ_i discharge = base_kw`,
//!   `import ∈ [0, import_cap_kw]`, `export ∈ [0, export_limit_kw(t)]` (no column when the
//!   limit is 0), `import − excess ≤ ratchet_kw`, `excess ≥ 0`;
//! - minimise `Σ_t h·(energy_price·import − sell_price·export) + demand_price·excess
//!   + Σ h·degradation/η·discharge + unmet_price·Σ unmet`.
//!
//! Every slot has its own import column, so the base load's energy cost is part of the
//! programme and [`V2gReferenceSolution::objective`] is directly comparable with
//! [`V2gCost::total`](super::V2gCost). No base load is rejected up front: unlike charging,
//! discharge may bring a site whose base load exceeds the import cap back under it.
//!
//! Two back ends solve the same programme: [`solve_microlp`] (pure Rust, always built) and
//! `solve_highs` (HiGHS, behind the engine's `highs` feature).
//!
//! The programme does not forbid charging and discharging one session in the same slot (it
//! only pays the losses both ways), so an optimum could in principle do both, and the
//! checker, which reads net power, would then account the battery differently. With
//! positive import prices that is rarely if ever better than the net of the two: none of the
//! plans for `tiny_random_v2g` seeds 0..2000 in both modes did it (measured), and the tests
//! run every returned plan through the checker.

use super::plan::V2gPlan;
use super::problem::V2gProblem;
use crate::schedule::reference::{run_microlp, Column, ReferenceError, RowKind};
use crate::schedule::Mode;

/// The optimum found by a reference solver.
#[derive(Debug, Clone, PartialEq)]
pub struct V2gReferenceSolution {
    /// The optimal dispatch (grid-side charge and discharge kW per session per slot of its
    /// window), clipped to the variables' bounds against the solver's round-off.
    pub plan: V2gPlan,
    /// The objective as the solver reports it (currency): comparable with
    /// [`V2gCost::total`](super::V2gCost) of [`Self::plan`].
    pub objective: f64,
    /// The highest site import of the plan, kW (base load plus net fleet power, 0 when the
    /// site exports in every slot).
    pub peak_kw: f64,
}

/// Where a session's columns are, to read the plan back.
#[derive(Debug)]
struct SessionColumns {
    /// First charge column; the window's follow.
    charge: usize,
    /// First discharge column, when the session may discharge.
    discharge: Option<usize>,
    /// Upper bounds of charge and discharge, kW.
    charge_limit_kw: f64,
    discharge_limit_kw: f64,
    window: usize,
}

/// The programme in a solver-neutral column-wise form, so both back ends solve exactly the
/// same one.
#[derive(Debug)]
struct Lp {
    rows: Vec<RowKind>,
    columns: Vec<Column>,
    sessions: Vec<SessionColumns>,
}

impl Lp {
    fn add_row(&mut self, kind: RowKind) -> usize {
        self.rows.push(kind);
        self.rows.len() - 1
    }

    fn add_column(&mut self, cost: f64, lower: f64, upper: f64, entries: Vec<(usize, f64)>) {
        self.columns.push(Column {
            cost,
            lower,
            upper,
            entries,
        });
    }

    /// Build the programme of `problem` in `mode` (see the module documentation).
    fn build(problem: &V2gProblem, mode: Mode) -> Result<Self, ReferenceError> {
        problem.validate()?;
        let charging = &problem.charging;
        let hours = charging.slot_hours();
        let mut lp = Lp {
            rows: Vec::new(),
            columns: Vec::new(),
            sessions: Vec::with_capacity(charging.sessions.len()),
        };

        // Site rows: balance (= base load) and peak (import − excess ≤ ratchet) per slot.
        let mut balance_rows = Vec::with_capacity(charging.slots());
        let mut peak_rows = Vec::with_capacity(charging.slots());
        for &base in &charging.base_kw {
            balance_rows.push(lp.add_row(RowKind::Equal(base)));
            peak_rows.push(lp.add_row(RowKind::AtMost(charging.ratchet_kw)));
        }
        for (slot, ((&balance, &peak), &price)) in balance_rows
            .iter()
            .zip(&peak_rows)
            .zip(&charging.energy_price)
            .enumerate()
        {
            lp.add_column(
                hours * price,
                0.0,
                charging.import_cap_kw,
                vec![(balance, 1.0), (peak, 1.0)],
            );
            let export_limit = problem.export_limit_kw(slot);
            if export_limit > 0.0 {
                lp.add_column(
                    -hours * problem.sell_price(slot),
                    0.0,
                    export_limit,
                    vec![(balance, -1.0)],
                );
            }
        }
        lp.add_column(
            charging.demand_price_per_kw,
            0.0,
            f64::INFINITY,
            peak_rows.iter().map(|&row| (row, -1.0)).collect(),
        );

        for (index, session) in charging.sessions.iter().enumerate() {
            let efficiency = charging.efficiency_of(session);
            let charger_kw = charging
                .chargers
                .get(session.charger)
                .map_or(f64::INFINITY, |c| c.max_kw);
            let charge_limit_kw = session.max_kw.min(charger_kw).max(0.0);
            let discharge_limit_kw = problem.discharge_limit_kw(index);
            let v2g = problem.sessions.get(index);
            let wear = v2g.map_or(0.0, |v| v.degradation_per_kwh);
            let cycle_cap = v2g.map_or(f64::INFINITY, |v| v.max_discharge_kwh);
            let floor = problem.floor_of(index);
            let window = session.window_len();
            let slots = session.first_slot..session.end_slot;

            // Battery balance rows, one per slot of the window.
            let battery_rows: Vec<usize> = slots
                .clone()
                .enumerate()
                .map(|(offset, _)| {
                    let rhs = if offset == 0 {
                        session.arrival_kwh
                    } else {
                        0.0
                    };
                    lp.add_row(RowKind::Equal(rhs))
                })
                .collect();
            let cycle_row = (discharge_limit_kw > 0.0 && cycle_cap.is_finite())
                .then(|| lp.add_row(RowKind::AtMost(cycle_cap)));

            let first_charge = lp.columns.len();
            for (slot, &battery_row) in slots.clone().zip(&battery_rows) {
                let mut entries = vec![(battery_row, -hours * efficiency)];
                if let Some(&row) = balance_rows.get(slot) {
                    entries.push((row, -1.0));
                }
                lp.add_column(0.0, 0.0, charge_limit_kw, entries);
            }
            let first_discharge = (discharge_limit_kw > 0.0).then_some(lp.columns.len());
            if first_discharge.is_some() {
                for (slot, &battery_row) in slots.clone().zip(&battery_rows) {
                    let drained = hours / efficiency;
                    let mut entries = vec![(battery_row, drained)];
                    if let Some(&row) = balance_rows.get(slot) {
                        entries.push((row, 1.0));
                    }
                    if let Some(row) = cycle_row {
                        entries.push((row, drained));
                    }
                    lp.add_column(wear * drained, 0.0, discharge_limit_kw, entries);
                }
            }

            // Battery energy columns: each appears in its own slot's row (+1) and the next
            // slot's (−1). The last one is the departure energy.
            let wanted = session.arrival_kwh + session.energy_kwh;
            let lowest_departure = match mode {
                Mode::Availability => wanted,
                Mode::Cost => session.arrival_kwh + session.reserved_kwh.min(session.energy_kwh),
            };
            for (offset, &row) in battery_rows.iter().enumerate() {
                let mut entries = vec![(row, 1.0)];
                if let Some(&next) = battery_rows.get(offset + 1) {
                    entries.push((next, -1.0));
                }
                if offset + 1 < window {
                    lp.add_column(0.0, floor, session.battery_kwh, entries);
                } else {
                    // `validate` lets arrival + energy exceed the capacity by a rounding
                    // tolerance; the departure bounds then meet at the wanted energy.
                    let upper = wanted.min(session.battery_kwh).max(lowest_departure);
                    let lower = lowest_departure.max(floor);
                    match mode {
                        Mode::Availability => lp.add_column(0.0, lower, upper, entries),
                        Mode::Cost => {
                            // energy + unmet = wanted, unmet ∈ [0, energy − reserved].
                            let departure_row = lp.add_row(RowKind::Equal(wanted));
                            entries.push((departure_row, 1.0));
                            lp.add_column(0.0, lower, upper, entries);
                            lp.add_column(
                                charging.unmet_price_per_kwh,
                                0.0,
                                (wanted - lowest_departure).max(0.0),
                                vec![(departure_row, 1.0)],
                            );
                        }
                    }
                }
            }

            lp.sessions.push(SessionColumns {
                charge: first_charge,
                discharge: first_discharge,
                charge_limit_kw,
                discharge_limit_kw,
                window,
            });
        }
        Ok(lp)
    }

    /// The plan and its peak from the solver's column values, clipped to the bounds.
    fn solution(
        &self,
        problem: &V2gProblem,
        values: &[f64],
        objective: f64,
    ) -> V2gReferenceSolution {
        let read = |first: usize, window: usize, limit: f64| -> Vec<f64> {
            values
                .iter()
                .skip(first)
                .take(window)
                .map(|&kw| kw.clamp(0.0, limit))
                .collect()
        };
        let mut charge_kw = Vec::with_capacity(self.sessions.len());
        let mut discharge_kw = Vec::with_capacity(self.sessions.len());
        for columns in &self.sessions {
            charge_kw.push(read(
                columns.charge,
                columns.window,
                columns.charge_limit_kw,
            ));
            discharge_kw.push(match columns.discharge {
                Some(first) => read(first, columns.window, columns.discharge_limit_kw),
                None => vec![0.0; columns.window],
            });
        }
        let plan = V2gPlan {
            charge_kw,
            discharge_kw,
        };

        // Site load from the plan, as the meter would read it.
        let charging = &problem.charging;
        let mut site_kw = charging.base_kw.clone();
        for ((session, charge), discharge) in charging
            .sessions
            .iter()
            .zip(&plan.charge_kw)
            .zip(&plan.discharge_kw)
        {
            for (load, (c, d)) in site_kw
                .iter_mut()
                .skip(session.first_slot)
                .zip(charge.iter().zip(discharge))
            {
                *load += c - d;
            }
        }
        let peak_kw = site_kw.iter().copied().fold(0.0, f64::max);
        V2gReferenceSolution {
            plan,
            objective,
            peak_kw,
        }
    }
}

/// Solve the plain LP with microlp (pure Rust; a 30-vehicle one-day `v2g_depot` took about
/// 0.1 s in a release build, measured on the development machine).
///
/// # Errors
///
/// [`ReferenceError::Problem`] for a malformed problem, [`ReferenceError::Infeasible`] when
/// no plan meets the constraints, [`ReferenceError::Solver`] when microlp fails.
///
/// ```
/// use chrono::NaiveDate;
/// use voltlex_engine::schedule::{Charger, Mode, Problem, Session};
/// use voltlex_engine::v2g::reference::solve_microlp;
/// use voltlex_engine::v2g::{V2gCost, V2gProblem, V2gSession};
///
/// // Two hours: the site buys at 40 JPY/kWh, then at 10. One vehicle (η = 0.9) covers part
/// // of the first hour's 10 kW load and buys the energy back in the second hour.
/// let start = NaiveDate::from_ymd_opt(2024, 7, 1).unwrap().and_hms_opt(18, 0, 0).unwrap();
/// let charging = Problem {
///     start, slot_minutes: 60, base_kw: vec![10.0, 10.0], import_cap_kw: 50.0,
///     ratchet_kw: 50.0, energy_price: vec![40.0, 10.0], demand_price_per_kw: 0.0,
///     unmet_price_per_kwh: 0.0,
///     chargers: vec![Charger { id: "B1".into(), max_kw: 10.0, efficiency: 0.9, v2g: true }],
///     sessions: vec![Session { vehicle: "EV1".into(), charger: 0, first_slot: 0, end_slot: 2,
///         max_kw: 10.0, energy_kwh: 0.0, reserved_kwh: 0.0, priority: 0, battery_kwh: 60.0,
///         arrival_kwh: 30.0 }],
/// };
/// let problem = V2gProblem {
///     charging, export_price: vec![0.0, 0.0], export_cap_kw: 0.0,
///     sessions: vec![V2gSession { discharge_kw: 10.0, floor_kwh: 0.0,
///         degradation_per_kwh: 20.0, max_discharge_kwh: f64::INFINITY }],
/// };
/// let optimum = solve_microlp(&problem, Mode::Availability).unwrap();
/// // The 10 kW charger can put back 9 kWh in the second hour, so 9 battery kWh (8.1 kWh
/// // at the grid) are discharged first: 1.9 × 40 + 20 × 10 + 9 × 20 = 456 JPY, against 500
/// // without discharge.
/// assert!((optimum.objective - 456.0).abs() < 1e-6);
/// assert!((optimum.plan.discharge_kw[0][0] - 8.1).abs() < 1e-6);
/// let cost = V2gCost::of(&problem, &optimum.plan);
/// assert!((cost.total - optimum.objective).abs() < 1e-6);
/// assert_eq!(optimum.peak_kw, 20.0);
/// ```
pub fn solve_microlp(
    problem: &V2gProblem,
    mode: Mode,
) -> Result<V2gReferenceSolution, ReferenceError> {
    let lp = Lp::build(problem, mode)?;
    let (values, objective) = run_microlp(&lp.rows, &lp.columns)?;
    Ok(lp.solution(problem, &values, objective))
}

/// Solve the plain LP with HiGHS (the `highs` feature): the reference for big instances.
///
/// HiGHS runs with its default options (dual simplex after presolve), quietly.
///
/// # Errors
///
/// [`ReferenceError::Problem`] for a malformed problem, [`ReferenceError::Infeasible`] when
/// no plan meets the constraints, [`ReferenceError::Solver`] when HiGHS fails.
///
/// ```
/// use voltlex_engine::schedule::Mode;
/// use voltlex_engine::v2g::generate::v2g_depot;
/// use voltlex_engine::v2g::reference::{solve_highs, solve_microlp};
///
/// let depot = v2g_depot(4, 1, 3);
/// let highs = solve_highs(&depot, Mode::Cost).unwrap();
/// let microlp = solve_microlp(&depot, Mode::Cost).unwrap();
/// assert!((highs.objective - microlp.objective).abs() <= 1e-6 * highs.objective.abs());
/// ```
#[cfg(feature = "highs")]
pub fn solve_highs(
    problem: &V2gProblem,
    mode: Mode,
) -> Result<V2gReferenceSolution, ReferenceError> {
    let lp = Lp::build(problem, mode)?;
    let (values, objective) = crate::schedule::reference::run_highs(&lp.rows, &lp.columns)?;
    Ok(lp.solution(problem, &values, objective))
}
