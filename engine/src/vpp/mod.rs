//! VPP aggregation at scale: a portfolio of sites and vehicles planned day-ahead for the
//! vehicles' own use first, each site's energy management next, then market products in
//! stacking order (design and decisions: `docs/vpp.md`).
//!
//! - [`forecast`] — each vehicle's stay and each site's base load from history, as quantiles
//!   at the plan's confidence, with backtests;
//! - [`portfolio`] — sites, vehicles, the day's stays, products;
//! - [`plan`] — the day-ahead plan: site schedules (exact scheduler, in parallel), the
//!   portfolio's offers per product and block, bids that meet the minimum bid size;
//! - [`intraday`] — activations and early departures applied, disaggregated to sessions and
//!   recharged;
//! - [`settle`] — delivered against committed per bid, money per product, site and vehicle,
//!   the fleets' and the aggregator's shares;
//! - [`cost`] — what taking part costs a vehicle a month, and how it falls with the
//!   portfolio's size;
//! - [`generate`] — seeded synthetic portfolios (tests, the 10,000-vehicle benchmark).

pub mod cost;
pub mod forecast;
pub mod generate;
pub mod intraday;
pub mod plan;
pub mod portfolio;
pub mod settle;

mod error;

pub use error::VppError;
pub use plan::{plan, DayAheadPlan};
pub use portfolio::{Connection, Direction, PlannedStay, Portfolio, Product, Site, Vehicle};
