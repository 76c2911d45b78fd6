//! Fleet economics (issue 6, in progress): the discounted cash-flow arithmetic every TCO and
//! goal-seek figure is built on, the vehicle and charger catalogue, and subsidy awards.
//!
//! - `finance.rs` — NPV, IRR, simple and discounted payback, ROI.
//! - `model.rs` — a fleet option's costs year by year, compared with a baseline.
//! - `catalogue.rs` — vehicles, chargers and ICE comparators with their sources.
//! - `subsidy.rs` — which `subsidy` rules pay for an item, how much, stacked in order.

pub mod catalogue;
pub mod finance;
pub mod model;
pub mod subsidy;
