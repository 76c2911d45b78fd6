//! Fleet charging: who charges when, under the site's limits, at least cost.
//!
//! - [`problem`] — the solver-form [`Problem`] (slots, limits, prices, chargers, sessions);
//! - [`plan`] — a [`Schedule`] (power per session per slot) and what follows from it;
//! - [`cost`] — [`ScheduleCost`], the objective every strategy is judged by.
pub mod check;
pub mod cost;
pub mod fleet;
pub mod heuristic;
pub mod optimal;
pub mod generate;
pub mod plan;
pub mod problem;
pub mod strategy;
pub mod reference;

pub use cost::ScheduleCost;
pub use plan::Schedule;
pub use problem::{Charger, Mode, Problem, ProblemError, Session, ENERGY_TOLERANCE};
