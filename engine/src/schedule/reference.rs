//! The reference optimum: the scheduling problem written as a plain linear program and
//! handed to a general-purpose LP solver.
//!
//! This module exists to check and benchmark the fast optimal strategy: it is built from
//! [`Problem`] alone, with no knowledge of how the optimal strategy works, so that the two
//! can only agree by both being right. It is slow on big instances and is not a strategy.
//!
//! # The linear program
//!
//! With `h` the slot length in hours, `η_s` the efficiency of session `s`'s charger and
//! `b_t` the base load of slot `t`:
//!
//! - variables: `x[s][t] ∈ [0, max_kw_s]` for every slot `t` of session `s`'s window (grid
//!   kW); `z ≥ 0`, the peak above the ratchet level; in cost mode `u_s ∈ [0, energy_s −
//!   reserved_s]`, the battery kWh session `s` is left short;
//! - import cap, per slot with a session: `b_t + Σ_s x[s][t] ≤ import_cap_kw`;
//! - ratchet, per slot: `b_t + Σ_s x[s][t] − z ≤ ratchet_kw`;
//! - energy, per session: `Σ_t x[s][t]·h·η_s (+ u_s in cost mode) = energy_s`;
//! - minimise `Σ_t price_t·h·(b_t + Σ_s x[s][t]) + demand_price·z + unmet_price·Σ_s u_s`.
//!
//! The base load's energy cost is a constant the solvers never see; it is added back so that
//! [`ReferenceSolution::objective`] equals [`ScheduleCost::total`](super::ScheduleCost) of the
//! returned schedule. "One vehicle per charger at a time" needs no constraint: the sessions
//! of one charger already have disjoint windows.
//!
//! Two back ends solve the same program: [`solve_microlp`] (pure Rust, always built) and
//! `solve_highs` (HiGHS, behind the engine's `highs` feature).

use super::plan::Schedule;
use super::problem::{Mode, Problem, ProblemError};

/// The optimum found by a reference solver.
#[derive(Debug, Clone, PartialEq)]
pub struct ReferenceSolution {
    /// The optimal schedule (grid kW per session per slot of its window), clipped to the
    /// variables' bounds against the solver's round-off.
    pub schedule: Schedule,
    /// The objective as the solver reports it, plus the constant energy cost of the base
    /// load: comparable with [`ScheduleCost::total`](super::ScheduleCost).
    pub objective: f64,
}

/// Why a reference solve gave no optimum.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ReferenceError {
    /// The problem is malformed.
    #[error(transparent)]
    Problem(#[from] ProblemError),
    /// No schedule meets the constraints (in availability mode: some departure cannot be met;
    /// in either mode: the base load alone exceeds the import cap, or reservations cannot be).
    #[error("{solver}: no schedule meets the constraints")]
    Infeasible {
        /// The solver that said so.
        solver: &'static str,
    },
    /// The solver failed without an answer.
    #[error("{solver} failed: {message}")]
    Solver {
        /// The solver.
        solver: &'static str,
        /// Its message or status.
        message: String,
    },
}

/// Sense and right-hand side of a constraint row (shared with `v2g::reference`).
#[derive(Debug, Clone, Copy)]
pub(crate) enum RowKind {
    AtMost(f64),
    Equal(f64),
}

/// One variable: objective coefficient, bounds, and its entries in the constraint rows.
#[derive(Debug)]
pub(crate) struct Column {
    pub(crate) cost: f64,
    pub(crate) lower: f64,
    pub(crate) upper: f64,
    pub(crate) entries: Vec<(usize, f64)>,
}

/// The LP in a solver-neutral column-wise form, so that both back ends solve exactly the
/// same program.
#[derive(Debug)]
struct Lp {
    rows: Vec<RowKind>,
    columns: Vec<Column>,
    /// Energy cost of the base load, added to the solver's objective.
    constant: f64,
    /// Per session, the index of its first `x` column (its window's columns follow).
    first_column: Vec<usize>,
}

impl Lp {
    /// Build the program, or say at once that the base load alone breaks the import cap.
    fn build(problem: &Problem, mode: Mode, solver: &'static str) -> Result<Self, ReferenceError> {
        problem.validate()?;
        let hours = problem.slot_hours();
        if problem.base_kw.iter().any(|&b| b > problem.import_cap_kw) {
            return Err(ReferenceError::Infeasible { solver });
        }

        // Rows: per slot a ratchet row, per slot with a session a cap row, per session an
        // energy row. Cap rows of slots without sessions would be empty (0 ≤ cap − base),
        // which the check above already settled.
        let mut rows = Vec::new();
        let mut covered = vec![false; problem.slots()];
        for session in &problem.sessions {
            for flag in covered
                .iter_mut()
                .take(session.end_slot)
                .skip(session.first_slot)
            {
                *flag = true;
            }
        }
        let mut ratchet_row = Vec::with_capacity(problem.slots());
        let mut cap_row = Vec::with_capacity(problem.slots());
        for (&base, &has_session) in problem.base_kw.iter().zip(&covered) {
            ratchet_row.push(rows.len());
            rows.push(RowKind::AtMost(problem.ratchet_kw - base));
            if has_session {
                cap_row.push(Some(rows.len()));
                rows.push(RowKind::AtMost(problem.import_cap_kw - base));
            } else {
                cap_row.push(None);
            }
        }

        let mut columns = Vec::new();
        let mut first_column = Vec::with_capacity(problem.sessions.len());
        for session in &problem.sessions {
            let energy_row = rows.len();
            rows.push(RowKind::Equal(session.energy_kwh));
            let delivery = hours * problem.efficiency_of(session);
            first_column.push(columns.len());
            for slot in session.first_slot..session.end_slot {
                let price = problem.energy_price.get(slot).copied().unwrap_or(0.0);
                let mut entries = vec![(energy_row, delivery)];
                if let Some(&row) = ratchet_row.get(slot) {
                    entries.push((row, 1.0));
                }
                if let Some(&Some(row)) = cap_row.get(slot) {
                    entries.push((row, 1.0));
                }
                columns.push(Column {
                    cost: price * hours,
                    lower: 0.0,
                    upper: session.max_kw,
                    entries,
                });
            }
            if mode == Mode::Cost {
                columns.push(Column {
                    cost: problem.unmet_price_per_kwh,
                    lower: 0.0,
                    upper: (session.energy_kwh - session.reserved_kwh.min(session.energy_kwh))
                        .max(0.0),
                    entries: vec![(energy_row, 1.0)],
                });
            }
        }
        columns.push(Column {
            cost: problem.demand_price_per_kw,
            lower: 0.0,
            upper: f64::INFINITY,
            entries: ratchet_row.iter().map(|&row| (row, -1.0)).collect(),
        });

        let constant = problem
            .base_kw
            .iter()
            .zip(&problem.energy_price)
            .map(|(base, price)| base * hours * price)
            .sum();
        Ok(Lp {
            rows,
            columns,
            constant,
            first_column,
        })
    }

    /// The schedule from the solver's column values, clipped to the bounds.
    fn schedule(&self, problem: &Problem, values: &[f64]) -> Schedule {
        let power_kw = problem
            .sessions
            .iter()
            .zip(&self.first_column)
            .map(|(session, &first)| {
                values
                    .iter()
                    .skip(first)
                    .take(session.window_len())
                    .map(|&kw| kw.clamp(0.0, session.max_kw))
                    .collect()
            })
            .collect();
        Schedule { power_kw }
    }
}

/// Solve the plain LP with microlp (pure Rust; fine up to a few hundred sessions).
///
/// # Errors
///
/// [`ReferenceError::Problem`] for a malformed problem, [`ReferenceError::Infeasible`] when
/// no schedule meets the constraints, [`ReferenceError::Solver`] when microlp fails.
///
/// ```
/// use voltlex_engine::schedule::generate::synthetic_depot;
/// use voltlex_engine::schedule::reference::solve_microlp;
/// use voltlex_engine::schedule::{Mode, ScheduleCost};
///
/// let depot = synthetic_depot(10, 1, 3);
/// let optimum = solve_microlp(&depot, Mode::Availability).unwrap();
/// let cost = ScheduleCost::of(&depot, &optimum.schedule);
/// assert!((cost.total - optimum.objective).abs() <= 1e-6 * optimum.objective.abs());
/// assert!(cost.unmet_kwh < 1e-6);
/// ```
pub fn solve_microlp(problem: &Problem, mode: Mode) -> Result<ReferenceSolution, ReferenceError> {
    let lp = Lp::build(problem, mode, "microlp")?;
    let (values, objective) = run_microlp(&lp.rows, &lp.columns)?;
    Ok(ReferenceSolution {
        schedule: lp.schedule(problem, &values),
        objective: objective + lp.constant,
    })
}

/// Solve a column-wise LP (minimise) with microlp: column values and objective.
pub(crate) fn run_microlp(
    rows: &[RowKind],
    columns: &[Column],
) -> Result<(Vec<f64>, f64), ReferenceError> {
    use microlp::{ComparisonOp, Error, LinearExpr, OptimizationDirection};
    const SOLVER: &str = "microlp";

    let mut model = microlp::Problem::new(OptimizationDirection::Minimize);
    // microlp takes constraints row by row: transpose the columns.
    let mut row_terms: Vec<LinearExpr> = rows.iter().map(|_| LinearExpr::empty()).collect();
    let mut variables = Vec::with_capacity(columns.len());
    for column in columns {
        let variable = model.add_var(column.cost, (column.lower, column.upper));
        variables.push(variable);
        for &(row, coefficient) in &column.entries {
            if let Some(terms) = row_terms.get_mut(row) {
                terms.add(variable, coefficient);
            }
        }
    }
    for (kind, terms) in rows.iter().zip(row_terms) {
        match *kind {
            RowKind::AtMost(rhs) => model.add_constraint(terms, ComparisonOp::Le, rhs),
            RowKind::Equal(rhs) => model.add_constraint(terms, ComparisonOp::Eq, rhs),
        }
    }

    let failed = |message: String| ReferenceError::Solver {
        solver: SOLVER,
        message,
    };
    let solution = match model.solve() {
        Ok(outcome) => outcome
            .into_solution()
            .map_err(|interrupted| failed(format!("{interrupted:?}")))?,
        Err(Error::Infeasible) => return Err(ReferenceError::Infeasible { solver: SOLVER }),
        Err(other) => return Err(failed(other.to_string())),
    };
    let values: Vec<f64> = variables.iter().map(|&v| solution.var_value(v)).collect();
    Ok((values, solution.objective()))
}

/// Solve the plain LP with HiGHS (the `highs` feature): the reference for big instances.
///
/// HiGHS runs with its default options (dual simplex after presolve), quietly.
///
/// # Errors
///
/// [`ReferenceError::Problem`] for a malformed problem, [`ReferenceError::Infeasible`] when
/// no schedule meets the constraints, [`ReferenceError::Solver`] when HiGHS fails.
///
/// ```
/// use voltlex_engine::schedule::generate::synthetic_depot;
/// use voltlex_engine::schedule::reference::{solve_highs, solve_microlp};
/// use voltlex_engine::schedule::Mode;
///
/// let depot = synthetic_depot(10, 1, 3);
/// let highs = solve_highs(&depot, Mode::Cost).unwrap();
/// let microlp = solve_microlp(&depot, Mode::Cost).unwrap();
/// assert!((highs.objective - microlp.objective).abs() <= 1e-6 * highs.objective.abs());
/// ```
#[cfg(feature = "highs")]
pub fn solve_highs(problem: &Problem, mode: Mode) -> Result<ReferenceSolution, ReferenceError> {
    let lp = Lp::build(problem, mode, "HiGHS")?;
    let (values, objective) = run_highs(&lp.rows, &lp.columns)?;
    Ok(ReferenceSolution {
        schedule: lp.schedule(problem, &values),
        objective: objective + lp.constant,
    })
}

/// Solve a column-wise LP (minimise) with HiGHS: column values and objective.
#[cfg(feature = "highs")]
pub(crate) fn run_highs(
    rows: &[RowKind],
    columns: &[Column],
) -> Result<(Vec<f64>, f64), ReferenceError> {
    use highs::{ColProblem, HighsModelStatus, Sense};
    const SOLVER: &str = "HiGHS";

    let mut model = ColProblem::default();
    let rows: Vec<highs::Row> = rows
        .iter()
        .map(|kind| match *kind {
            RowKind::AtMost(rhs) => model.add_row(..=rhs),
            RowKind::Equal(rhs) => model.add_row(rhs..=rhs),
        })
        .collect();
    for column in columns {
        let entries: Vec<(highs::Row, f64)> = column
            .entries
            .iter()
            .filter_map(|&(row, coefficient)| rows.get(row).map(|&r| (r, coefficient)))
            .collect();
        if column.upper.is_finite() {
            model.add_column(column.cost, column.lower..=column.upper, entries);
        } else {
            model.add_column(column.cost, column.lower.., entries);
        }
    }

    let failed = |message: String| ReferenceError::Solver {
        solver: SOLVER,
        message,
    };
    let mut model = model
        .try_optimise(Sense::Minimise)
        .map_err(|status| failed(format!("{status:?}")))?;
    model.make_quiet();
    let solved = model
        .try_solve()
        .map_err(|status| failed(format!("{status:?}")))?;
    match solved.status() {
        HighsModelStatus::Optimal => {}
        // Callers' LPs bound every column but ones with non-negative cost: the objective is
        // bounded below, so "unbounded or infeasible" can only be infeasible.
        HighsModelStatus::Infeasible | HighsModelStatus::UnboundedOrInfeasible => {
            return Err(ReferenceError::Infeasible { solver: SOLVER })
        }
        other => return Err(failed(format!("model status {other:?}"))),
    }
    let values = solved.get_solution().columns().to_vec();
    Ok((values, solved.objective_value()))
}
