//! The aggregator's portfolio for one planning day: sites, vehicles, their predicted stays,
//! and the market products it may sell, in stacking order.

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

use crate::schedule::Charger;

/// How a vehicle is controlled (what its participation costs, `vpp::cost`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Connection {
    /// Through an OCPP charger the aggregator can send charging profiles to.
    Ocpp,
    /// Through a proprietary device (a dongle or the carmaker's cloud).
    Proprietary,
}

/// One site: its grid connection, its base load forecast and its chargers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Site {
    /// Identifier.
    pub id: String,
    /// Import cap of the connection, kW.
    pub import_cap_kw: f64,
    /// Base load forecast per slot (without the fleet), kW.
    pub base_kw: Vec<f64>,
    /// Energy price per slot (the site's tariff's marginal price), per kWh.
    pub energy_price: Vec<f64>,
    /// Demand price per kW of a new peak (the site's own energy management: peak shaving).
    pub demand_price_per_kw: f64,
    /// The peak already paid for this month, kW.
    pub ratchet_kw: f64,
    /// Chargers.
    pub chargers: Vec<Charger>,
}

/// One vehicle of the portfolio.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Vehicle {
    /// Identifier.
    pub id: String,
    /// Usable battery, kWh.
    pub battery_kwh: f64,
    /// Largest charging power it accepts, kW.
    pub max_kw: f64,
    /// Whether it can discharge (on a bidirectional charger).
    pub v2g: bool,
    /// How it is controlled.
    pub connection: Connection,
}

/// A stay of a vehicle at a site on the planning day, as predicted (at the plan's confidence)
/// or booked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlannedStay {
    /// The vehicle.
    pub vehicle: String,
    /// The site.
    pub site: String,
    /// First slot plugged in.
    pub arrival_slot: usize,
    /// Slot it leaves (exclusive).
    pub departure_slot: usize,
    /// Battery energy on arrival, kWh.
    pub arrival_kwh: f64,
    /// Energy it must add before leaving, kWh (battery side): its next trips.
    pub energy_kwh: f64,
    /// A booked reservation (its energy is owed, not predicted).
    pub booked: bool,
}

/// Which way a product moves the portfolio's consumption.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// Less consumption (curtailed charging, discharge): upward regulation, peak capacity,
    /// a supplier's demand response.
    Up,
    /// More consumption (charging brought forward): downward regulation.
    Down,
}

/// A market product or obligation the portfolio bids into.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Product {
    /// Name (`capacity`, `tertiary2-up`, `retail-dr`, …).
    pub name: String,
    /// Up or down.
    pub direction: Direction,
    /// Smallest bid the market accepts, kW (portfolio-wide, per block).
    pub min_bid_kw: f64,
    /// Slots per block: a bid holds for a whole block.
    pub block_slots: usize,
    /// First slot of the product's window.
    pub first_slot: usize,
    /// Slot after its window.
    pub end_slot: usize,
    /// Availability payment per kW per block.
    pub price_per_kw_block: f64,
    /// Payment per kWh activated.
    pub energy_price_per_kwh: f64,
    /// Penalty per kW committed and not delivered, per block.
    pub penalty_per_kw: f64,
}

impl Product {
    /// The product's blocks as slot ranges.
    pub fn blocks(&self) -> Vec<std::ops::Range<usize>> {
        let step = self.block_slots.max(1);
        (self.first_slot..self.end_slot)
            .step_by(step)
            .filter(|start| start + step <= self.end_slot)
            .map(|start| start..start + step)
            .collect()
    }
}

/// The portfolio on one planning day.
///
/// Stacking order (decisions in `docs/vpp.md`): the vehicles' own use first (every stay's
/// energy is scheduled before anything is sold), then each site's energy management (its cap
/// and its peak), then the products in the order listed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Portfolio {
    /// Start of the first slot.
    pub start: NaiveDateTime,
    /// Slot length, minutes.
    pub slot_minutes: u32,
    /// Slots in the horizon.
    pub slots: usize,
    /// Sites.
    pub sites: Vec<Site>,
    /// Vehicles.
    pub vehicles: Vec<Vehicle>,
    /// The day's stays.
    pub stays: Vec<PlannedStay>,
    /// Products, in stacking priority.
    pub products: Vec<Product>,
    /// Lowest state of charge a discharge may leave, as a share of the battery.
    pub discharge_floor: f64,
}

impl Portfolio {
    /// Slot length in hours.
    pub fn slot_hours(&self) -> f64 {
        f64::from(self.slot_minutes) / 60.0
    }
}
