//! V2B and V2G dispatch: discharge into the site and the markets, priced against wear.
//!
//! - `problem.rs` — [`V2gProblem`]: the charging [`crate::schedule::Problem`] plus export
//!   prices, discharge limits, battery floors, cycle caps and wear; the linear programme in
//!   its module documentation is what every solver solves.
//! - `plan.rs` — [`V2gPlan`] (charge and discharge per session and slot) and [`V2gCost`],
//!   the objective computed from a plan alone.

pub mod balancing;
pub mod dispatch;
pub mod generate;
mod ipm;
pub mod monte_carlo;
pub mod plan;
pub mod power_factor;
pub mod problem;
pub mod reference;
mod structured;
pub mod study;
pub mod waterfall;

pub use dispatch::{dispatch, V2gDispatch, V2gError};
pub use ipm::IpmError;
pub use plan::{V2gCost, V2gPlan};
pub use problem::{V2gProblem, V2gSession};
