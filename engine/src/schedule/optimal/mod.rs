//! The optimal strategy: least energy cost + demand charge above the ratchet (+ unmet energy
//! in cost mode), solved exactly.
//!
//! The linear program (the one `reference` hands to a general LP solver) is a transportation
//! problem plus one coupling variable, the peak. This module splits it along that variable:
//!
//! - **inner** (`flow`): for a peak limit `P`, every slot may take `min(P, cap) − base` kW;
//!   the cheapest way to deliver the energy is a minimum-cost flow whose costs sit on slots
//!   only, solved by successive shortest paths in slot-price order;
//! - **outer** (`search`): the inner optimum plus `demand price × max(0, P − ratchet)` is
//!   convex and piecewise linear in `P`; Kelley's method in one dimension finds its minimum
//!   and a lower bound that certifies it.
//!
//! Availability mode prices each undelivered kWh at a penalty larger than any cost of
//! delivering it (`big_m`), so the optimum delivers everything whenever that is possible;
//! when it is not, the sessions left short are diagnosed (see [`Unservable`]). Cost mode
//! prices undelivered battery kWh at the problem's `unmet_price_per_kwh` and reserved energy
//! at the penalty.

mod flow;
mod search;

use serde::Serialize;

use super::cost::ScheduleCost;
use super::plan::Schedule;
use super::problem::{Mode, Problem, ProblemError};
use flow::{Network, Phase, Solver};

/// The optimal schedule and how it was proved (made by [`solve`], which has an example).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OptimalSolution {
    /// The schedule.
    pub schedule: Schedule,
    /// Its cost under the problem's prices.
    pub cost: ScheduleCost,
    /// The peak limit the search settled on, kW (the schedule's peak is at most this).
    pub peak_limit_kw: f64,
    /// Lower bound on the optimal objective: `cost.total − lower_bound` bounds the gap.
    pub lower_bound: f64,
    /// Inner solves performed.
    pub evaluations: usize,
    /// Sessions that cannot be fully served (availability mode), with the reason.
    pub unservable: Vec<Unservable>,
}

/// A session that cannot be served as the mode requires, and why (see the second half of
/// the example at [`solve`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Unservable {
    /// Index into `Problem::sessions`.
    pub session: usize,
    /// Its vehicle.
    pub vehicle: String,
    /// Battery kWh it lacks at departure in the returned schedule.
    pub short_kwh: f64,
    /// Why.
    pub reason: Shortfall,
}

/// Why a session cannot be fully served.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Shortfall {
    /// Even alone on the site, its window at its power is too short for its need.
    WindowTooShort {
        /// kW available to it (the smaller of charger and vehicle).
        max_kw: f64,
        /// Hours plugged in.
        hours: f64,
        /// Battery kWh it could take at most.
        possible_kwh: f64,
    },
    /// It could be served alone, but the site's headroom under the import cap is used up
    /// by others during its window.
    CapTooLow {
        /// First and last slot (indices) of its window in which the site is at the cap.
        congested_from: usize,
        /// Last congested slot.
        congested_to: usize,
        /// The import cap, kW.
        cap_kw: f64,
    },
}

/// Why the optimal strategy could not run.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum OptimalError {
    /// The problem is malformed.
    #[error(transparent)]
    Problem(#[from] ProblemError),
    /// The site's own load is above the import cap: no schedule can respect it.
    #[error("the base load at slot {slot} is {base_kw} kW, above the import cap of {cap_kw} kW")]
    BaseAboveCap {
        /// The slot.
        slot: usize,
        /// Its base load.
        base_kw: f64,
        /// The cap.
        cap_kw: f64,
    },
}

/// Progress of a long solve, for a terminal progress line.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Progress {
    /// Inner solves so far.
    pub evaluations: usize,
    /// Best objective so far.
    pub best: f64,
}

/// Solve `problem` exactly in `mode`.
///
/// ```
/// use chrono::NaiveDate;
/// use voltlex_engine::schedule::{optimal, Charger, Mode, Problem, Session};
///
/// // One EV needs 24 kWh; the two night slots (18 JPY/kWh) give 11 kW each at most, so
/// // 2 kWh must be bought in the evening, in the cheaper of its two slots.
/// let start = NaiveDate::from_ymd_opt(2024, 4, 1).unwrap().and_hms_opt(20, 0, 0).unwrap();
/// let problem = Problem {
///     start, slot_minutes: 60, base_kw: vec![30.0, 30.0, 10.0, 10.0],
///     import_cap_kw: 40.0, ratchet_kw: 100.0,
///     energy_price: vec![30.0, 32.0, 18.0, 18.0], demand_price_per_kw: 22_800.0,
///     unmet_price_per_kwh: 100.0,
///     chargers: vec![Charger { id: "C1".into(), max_kw: 11.0, efficiency: 1.0, v2g: false }],
///     sessions: vec![Session { vehicle: "EV1".into(), charger: 0, first_slot: 0,
///         end_slot: 4, max_kw: 11.0, energy_kwh: 24.0, reserved_kwh: 0.0, priority: 0,
///         battery_kwh: 60.0, arrival_kwh: 10.0 }],
/// };
/// let solution = optimal::solve(&problem, Mode::Availability).unwrap();
/// assert!(solution.unservable.is_empty());
/// assert_eq!(solution.schedule.power_kw[0], vec![2.0, 0.0, 11.0, 11.0]);
/// assert_eq!(solution.cost.total, (30.0 + 2.0) * 30.0 + 30.0 * 32.0 + (10.0 + 11.0) * 18.0 * 2.0);
///
/// // A lower cap leaves 20 kW of headroom in total: the vehicle cannot be served.
/// let tight = Problem { import_cap_kw: 35.0, base_kw: vec![30.0, 30.0, 30.0, 30.0], ..problem };
/// let solution = optimal::solve(&tight, Mode::Availability).unwrap();
/// assert_eq!(solution.unservable.len(), 1);
/// assert_eq!(solution.unservable[0].short_kwh, 4.0);
/// ```
///
/// # Errors
///
/// [`OptimalError`] when the problem is malformed or its base load alone breaks the cap.
pub fn solve(problem: &Problem, mode: Mode) -> Result<OptimalSolution, OptimalError> {
    solve_with_progress(problem, mode, &mut |_| {})
}

/// [`solve`], calling `progress` after every inner solve.
///
/// # Errors
///
/// As [`solve`].
pub fn solve_with_progress(
    problem: &Problem,
    mode: Mode,
    progress: &mut dyn FnMut(Progress),
) -> Result<OptimalSolution, OptimalError> {
    problem.validate()?;
    let cap = problem.import_cap_kw;
    let mut max_base = 0.0_f64;
    for (slot, &base_kw) in problem.base_kw.iter().enumerate() {
        if base_kw > cap {
            return Err(OptimalError::BaseAboveCap {
                slot,
                base_kw,
                cap_kw: cap,
            });
        }
        max_base = max_base.max(base_kw);
    }
    let network = Network::new(problem);
    let mut solver = Solver::new(&network);
    let pricing = Pricing::new(problem, mode);
    let phases = pricing.phases(problem, false);
    let hours = problem.slot_hours();
    let capacity = |peak_kw: f64| -> Vec<f64> {
        problem
            .base_kw
            .iter()
            .map(|base| (peak_kw.min(cap) - base) * hours)
            .collect()
    };
    let mut evaluations = 0;
    let mut best_so_far = f64::INFINITY;
    let mut objective = |solver: &mut Solver, peak_kw: f64| -> f64 {
        let flow = solver.solve(&capacity(peak_kw), &phases);
        let value = pricing.objective(problem, &flow.slot_kwh, &flow.delivered)
            + problem.demand_price_per_kw * (peak_kw - problem.ratchet_kw).max(0.0);
        evaluations += 1;
        best_so_far = best_so_far.min(value);
        progress(Progress {
            evaluations,
            best: best_so_far,
        });
        value
    };

    // Unconstrained by the peak: if that schedule's peak is free (under the ratchet), done.
    objective(&mut solver, cap);
    let free_peak = site_peak(problem, solver.flow_slot_kwh(), hours);
    let lo = max_base.max(problem.ratchet_kw.min(cap));
    let (peak_limit, lower_bound) = if free_peak <= lo {
        (cap, f64::NEG_INFINITY)
    } else {
        let step = 1e-7 * cap.max(1.0);
        let minimum = search::minimize(
            |peak| objective(&mut solver, peak),
            lo,
            free_peak,
            step,
            1e-11,
            200,
        );
        (minimum.at, minimum.lower_bound)
    };
    let flow = solver.solve(&capacity(peak_limit), &phases);
    let mut schedule = flow_to_schedule(problem, &network, &flow.kwh);
    let mut unservable = Vec::new();
    if !shortfalls(problem, &schedule, mode).is_empty() {
        if mode == Mode::Availability {
            // Serve by priority under the cap alone, then say why the rest cannot be served.
            let by_priority = pricing.phases(problem, true);
            let flow = solver.solve(&capacity(cap), &by_priority);
            schedule = flow_to_schedule(problem, &network, &flow.kwh);
            unservable = diagnose(problem, &schedule, mode, &flow.slot_kwh, &capacity(cap));
        } else {
            // Reserved energy that even the penalty could not bring in: serve it by
            // priority under the same peak limit, and name what is still short.
            let by_priority = pricing.phases(problem, true);
            let flow = solver.solve(&capacity(peak_limit), &by_priority);
            schedule = flow_to_schedule(problem, &network, &flow.kwh);
            unservable = diagnose(
                problem,
                &schedule,
                mode,
                &flow.slot_kwh,
                &capacity(peak_limit),
            );
        }
    }
    let cost = ScheduleCost::of(problem, &schedule);
    let lower_bound = if lower_bound.is_finite() && unservable.is_empty() {
        lower_bound.min(cost.total)
    } else {
        cost.total
    };
    Ok(OptimalSolution {
        schedule,
        cost,
        peak_limit_kw: peak_limit,
        lower_bound,
        evaluations: evaluations + 1,
        unservable,
    })
}

/// How delivered and undelivered energy is valued in a mode.
struct Pricing {
    mode: Mode,
    /// Penalty per undelivered grid kWh that must be delivered.
    big_m: f64,
}

impl Pricing {
    fn new(problem: &Problem, mode: Mode) -> Self {
        let max_price = problem
            .energy_price
            .iter()
            .fold(0.0_f64, |m, p| m.max(p.abs()));
        // Delivering one more kWh costs at most its energy plus the demand charge of the
        // peak it adds (1 kWh in a slot of h hours adds 1/h kW): anything above never pays.
        let big_m = 10.0
            * (problem.demand_price_per_kw / problem.slot_hours()
                + max_price
                + problem.unmet_price_per_kwh
                + 1.0);
        Pricing { mode, big_m }
    }

    /// The supply phases: mandatory energy first, then, in cost mode, the optional energy.
    /// Sessions are grouped by what one grid kWh of theirs is worth: in availability mode the
    /// penalty (raised by priority when `by_priority`); in cost mode the penalty for reserved
    /// energy plus the unmet price × efficiency (a reserved kWh also counts against the
    /// unmet price), and the unmet price × efficiency for the rest.
    fn phases(&self, problem: &Problem, by_priority: bool) -> Vec<Phase> {
        let n = problem.sessions.len();
        let mandatory: Vec<f64> = (0..n)
            .map(|v| match self.mode {
                Mode::Availability => problem.grid_kwh_needed(v),
                Mode::Cost => problem.grid_kwh_reserved(v),
            })
            .collect();
        let efficiency = |v: usize| {
            problem
                .sessions
                .get(v)
                .map_or(1.0, |s| problem.efficiency_of(s))
        };
        let mandatory_value = |v: usize| -> f64 {
            // Among energy that cannot all be delivered, higher priorities first.
            let bump = if by_priority {
                let priority = problem.sessions.get(v).map_or(0, |s| s.priority);
                self.big_m * 0.01 * f64::from(priority.min(1000))
            } else {
                0.0
            };
            match self.mode {
                Mode::Availability => self.big_m + bump,
                Mode::Cost => self.big_m + bump + problem.unmet_price_per_kwh * efficiency(v),
            }
        };
        let mut phases = vec![grouped(mandatory.clone(), mandatory_value)];
        if self.mode == Mode::Cost {
            let optional = (0..n)
                .map(|v| {
                    let reserved = mandatory.get(v).copied().unwrap_or(0.0);
                    (problem.grid_kwh_needed(v) - reserved).max(0.0)
                })
                .collect();
            phases.push(grouped(optional, |v| {
                problem.unmet_price_per_kwh * efficiency(v)
            }));
        }
        phases
    }

    /// Energy cost (base included) plus penalties of a flow, without the demand charge.
    fn objective(&self, problem: &Problem, slot_kwh: &[f64], delivered: &[f64]) -> f64 {
        let hours = problem.slot_hours();
        let energy: f64 = problem
            .energy_price
            .iter()
            .zip(slot_kwh.iter().zip(&problem.base_kw))
            .map(|(price, (fleet, base))| price * (fleet + base * hours))
            .sum();
        let mut penalty = 0.0;
        for (v, (session, delivered)) in problem.sessions.iter().zip(delivered).enumerate() {
            let eta = problem.efficiency_of(session);
            match self.mode {
                Mode::Availability => {
                    penalty += self.big_m * (problem.grid_kwh_needed(v) - delivered).max(0.0);
                }
                Mode::Cost => {
                    penalty += problem.unmet_price_per_kwh
                        * (session.energy_kwh - delivered * eta).max(0.0)
                        + self.big_m * (problem.grid_kwh_reserved(v) - delivered).max(0.0);
                }
            }
        }
        energy + penalty
    }
}

/// A phase whose sessions are grouped by equal value per grid kWh.
fn grouped(amount: Vec<f64>, value_of: impl Fn(usize) -> f64) -> Phase {
    let values_by_session: Vec<f64> = (0..amount.len()).map(value_of).collect();
    let mut value = values_by_session.clone();
    value.sort_by(f64::total_cmp);
    value.dedup();
    let group = values_by_session
        .iter()
        .map(|v| {
            value
                .binary_search_by(|probe| probe.total_cmp(v))
                .unwrap_or(0) as u16
        })
        .collect();
    Phase {
        amount,
        group,
        value,
    }
}

fn site_peak(problem: &Problem, fleet_kwh: &[f64], hours: f64) -> f64 {
    problem
        .base_kw
        .iter()
        .zip(fleet_kwh)
        .map(|(base, fleet)| base + fleet / hours)
        .fold(0.0, f64::max)
}

fn flow_to_schedule(problem: &Problem, network: &Network, kwh: &[f64]) -> Schedule {
    let hours = problem.slot_hours();
    Schedule {
        power_kw: (0..network.sessions())
            .map(|v| {
                let from = network.offset.get(v).copied().unwrap_or(0);
                let len = network.len.get(v).copied().unwrap_or(0);
                kwh.get(from..from + len)
                    .unwrap_or(&[])
                    .iter()
                    .map(|k| k / hours)
                    .collect()
            })
            .collect(),
    }
}

/// Sessions short of what they must receive (their need in availability mode, their
/// reserved energy in cost mode) by more than rounding noise, with the battery kWh missing.
fn shortfalls(problem: &Problem, schedule: &Schedule, mode: Mode) -> Vec<(usize, f64)> {
    schedule
        .delivered_kwh(problem)
        .into_iter()
        .zip(&problem.sessions)
        .enumerate()
        .filter_map(|(v, (delivered, session))| {
            let must = match mode {
                Mode::Availability => session.energy_kwh,
                Mode::Cost => session.reserved_kwh.min(session.energy_kwh),
            };
            let short = must - delivered;
            // The checker's tolerance: rounding noise of the flow is not a shortfall.
            (short > super::problem::ENERGY_TOLERANCE * must.max(1.0)).then_some((v, short))
        })
        .collect()
}

/// The sessions a (heuristic) schedule leaves short of what `mode` requires, with the
/// reason: [`Shortfall::WindowTooShort`] when even alone it could not be served, else
/// [`Shortfall::CapTooLow`] naming the slots of its window where the site is at the cap.
pub fn shortfall_report(problem: &Problem, schedule: &Schedule, mode: Mode) -> Vec<Unservable> {
    let hours = problem.slot_hours();
    let cap = problem.import_cap_kw;
    let site = schedule.site_kw(problem);
    let capacity: Vec<f64> = problem.base_kw.iter().map(|b| (cap - b) * hours).collect();
    let fleet: Vec<f64> = site
        .iter()
        .zip(&problem.base_kw)
        .map(|(s, b)| (s - b) * hours)
        .collect();
    diagnose(problem, schedule, mode, &fleet, &capacity)
}

fn diagnose(
    problem: &Problem,
    schedule: &Schedule,
    mode: Mode,
    slot_kwh: &[f64],
    capacity: &[f64],
) -> Vec<Unservable> {
    let hours = problem.slot_hours();
    shortfalls(problem, schedule, mode)
        .into_iter()
        .filter_map(|(v, short_kwh)| {
            let session = problem.sessions.get(v)?;
            let eta = problem.efficiency_of(session);
            let window_hours = session.window_len() as f64 * hours;
            let possible_kwh = session.max_kw * window_hours * eta;
            let must = match mode {
                Mode::Availability => session.energy_kwh,
                Mode::Cost => session.reserved_kwh.min(session.energy_kwh),
            };
            let reason = if possible_kwh + 1e-9 < must {
                Shortfall::WindowTooShort {
                    max_kw: session.max_kw,
                    hours: window_hours,
                    possible_kwh,
                }
            } else {
                let full: Vec<usize> = (session.first_slot..session.end_slot)
                    .filter(|&t| {
                        let used = slot_kwh.get(t).copied().unwrap_or(0.0);
                        let cap = capacity.get(t).copied().unwrap_or(0.0);
                        used >= cap - 1e-9 * cap.abs().max(1.0)
                    })
                    .collect();
                Shortfall::CapTooLow {
                    congested_from: full.first().copied().unwrap_or(session.first_slot),
                    congested_to: full.last().copied().unwrap_or(session.end_slot - 1),
                    cap_kw: problem.import_cap_kw,
                }
            };
            Some(Unservable {
                session: v,
                vehicle: session.vehicle.clone(),
                short_kwh,
                reason,
            })
        })
        .collect()
}
