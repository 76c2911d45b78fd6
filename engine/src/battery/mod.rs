//! Battery degradation: calendar and cycle ageing, rainflow cycle counting, and the cost of
//! wear per kWh of throughput and per schedule.
//!
//! - [`rainflow`] — ASTM E1049-85 rainflow counting ([`rainflow::count`]) and its
//!   state-of-charge form;
//! - [`chemistry`] — [`Chemistry`]: cycle-life curve, calendar ageing, cycle stress factors,
//!   the LFP and NMC presets with their sources, custom chemistries from rule blocks;
//! - [`ageing`] — [`degradation`] of a [`Usage`] (state-of-charge trajectory, temperature,
//!   age) into a [`DegradationReport`];
//! - [`cost`] — [`cost_per_discharged_kwh`] and [`DegradationCost`]: capacity lost ×
//!   replacement cost.
//!
//! Model, equations, sources, decisions and limits: `docs/battery.md`.
pub mod ageing;
pub mod chemistry;
pub mod cost;
pub mod rainflow;

pub use ageing::{degradation, CycleAgeing, DegradationReport, Usage, UsageError};
pub use chemistry::{CalendarAgeing, Chemistry, ChemistryError, ChemistryProblem, CycleStress};
pub use cost::{cost_per_discharged_kwh, DegradationCost};
pub use rainflow::Cycle;
