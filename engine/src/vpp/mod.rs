//! VPP aggregation at scale: a portfolio of sites and vehicles planned day-ahead for the
//! vehicles' own use first, each site's energy management next, then market products in
//! stacking order (design and decisions: `docs/vpp.md`).
//!
//! - [`portfolio`] — sites, vehicles, the day's stays, products;
//! - [`plan`] — the day-ahead plan: site schedules (exact scheduler, in parallel), the
//!   portfolio's offers per product and block, bids that meet the minimum bid size;
//! - [`intraday`] — activations and early departures applied, disaggregated to sessions and
//!   recharged;
//! - [`generate`] — seeded synthetic portfolios (tests, the 10,000-vehicle benchmark).

pub mod generate;
pub mod intraday;
pub mod plan;
pub mod portfolio;

mod error;

pub use error::VppError;
pub use plan::{plan, DayAheadPlan};
pub use portfolio::{Connection, Direction, PlannedStay, Portfolio, Product, Site, Vehicle};
