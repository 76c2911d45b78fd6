//! Fleet charging: who charges when, under the site's limits, at least cost.
//!
//! - [`problem`] — the solver-form [`Problem`] (slots, limits, prices, chargers, sessions);
//! - [`plan`] — a [`Schedule`] (power per session per slot) and what follows from it;
//! - [`cost`] — [`ScheduleCost`], the objective every strategy is judged by;
//! - [`fleet`] — vehicles, stays, reservations and chargers → a [`Problem`];
//! - [`heuristic`] and [`optimal`] — the strategies, behind one [`strategy::run`];
//! - [`check`] — the independent checker every schedule goes through;
//! - [`reference`] — the same LP for general solvers (microlp; HiGHS with feature `highs`);
//! - [`generate`] — seeded synthetic problems for tests and benchmarks.
//!
//! Design, decisions and limits: `docs/scheduling.md`.
pub mod check;
pub mod cost;
pub mod fleet;
pub mod generate;
pub mod heuristic;
pub mod optimal;
pub mod plan;
pub mod problem;
pub mod reference;
pub mod strategy;

pub use cost::ScheduleCost;
pub use plan::Schedule;
pub use problem::{Charger, Mode, Problem, ProblemError, Session, ENERGY_TOLERANCE};
