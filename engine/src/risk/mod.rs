//! Market risk: seeded Monte Carlo of spot prices, VaR and CVaR, historical stress cases.
//!
//! - [`history`] — whole days of 48 half-hour prices from a JEPX series ([`DailyPrices`]);
//! - [`model`] — the price models the user picks ([`PriceModel`]: block bootstrap of history
//!   or a calibrated mean-reverting jump model) and seeded scenario generation;
//! - [`arbitrage`] — the exact dispatch of one virtual battery against a price path (backward
//!   dynamic programming on a convex piecewise-linear value function) and monthly profits;
//! - [`measures`] — VaR, CVaR with confidence intervals, histograms;
//! - [`stress`] — historical stress cases (January 2021, the dearest and cheapest months).
//!
//! Models, calibration, measures and decisions: `docs/risk.md`.

pub mod arbitrage;
mod error;
pub mod history;
pub mod measures;
pub mod model;
pub(crate) mod random;
pub mod stress;

pub use arbitrage::{dispatch, DailyArbitrage, Dispatch, Dispatcher, VirtualBattery};
pub use error::RiskError;
pub use history::{DailyPrices, Season, SLOTS_PER_DAY};
pub use measures::{Histogram, Interval, RiskReport};
pub use model::{generate, JumpParams, PriceModel, PriceScenarios, ScenarioGenerator};
pub use stress::{stress_cases, StressCase};
