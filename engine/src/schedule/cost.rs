//! The objective every strategy is judged by, computed from a schedule alone.

use serde::{Deserialize, Serialize};

use super::plan::Schedule;
use super::problem::Problem;

/// The cost of a schedule under the problem's prices: what the optimal strategy minimises.
///
/// `total = energy + demand + unmet`, where
/// - `energy` = Σ slots (site load × slot hours × energy price) — the base load included, so
///   totals of different strategies are comparable with a bill;
/// - `demand` = `demand_price_per_kw` × max(0, peak − ratchet);
/// - `unmet` = `unmet_price_per_kwh` × battery kWh not delivered.
///
/// ```
/// use chrono::NaiveDate;
/// use voltlex_engine::schedule::{Charger, Problem, Schedule, Session, ScheduleCost};
/// let start = NaiveDate::from_ymd_opt(2024, 4, 1).unwrap().and_hms_opt(0, 0, 0).unwrap();
/// let problem = Problem {
///     start, slot_minutes: 60, base_kw: vec![10.0, 10.0], import_cap_kw: 50.0,
///     ratchet_kw: 15.0, energy_price: vec![20.0, 10.0], demand_price_per_kw: 1000.0,
///     unmet_price_per_kwh: 50.0,
///     chargers: vec![Charger { id: "C".into(), max_kw: 10.0, efficiency: 1.0, v2g: false }],
///     sessions: vec![Session { vehicle: "V".into(), charger: 0, first_slot: 0, end_slot: 2,
///         max_kw: 10.0, energy_kwh: 10.0, reserved_kwh: 0.0, priority: 0,
///         battery_kwh: 50.0, arrival_kwh: 10.0 }],
/// };
/// let schedule = Schedule { power_kw: vec![vec![0.0, 8.0]] };
/// let cost = ScheduleCost::of(&problem, &schedule);
/// assert_eq!(cost.peak_kw, 18.0);
/// assert_eq!(cost.energy, 10.0 * 20.0 + 18.0 * 10.0);
/// assert_eq!(cost.demand, 3.0 * 1000.0);
/// assert_eq!(cost.unmet_kwh, 2.0);
/// assert_eq!(cost.total, cost.energy + cost.demand + 2.0 * 50.0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ScheduleCost {
    /// Energy cost of the site load.
    pub energy: f64,
    /// Demand cost above the ratchet level.
    pub demand: f64,
    /// Penalty for undelivered energy.
    pub unmet: f64,
    /// Sum of the three.
    pub total: f64,
    /// Highest site load, kW.
    pub peak_kw: f64,
    /// Battery kWh not delivered, over all sessions.
    pub unmet_kwh: f64,
}

impl ScheduleCost {
    /// Evaluate `schedule` under `problem`'s prices.
    pub fn of(problem: &Problem, schedule: &Schedule) -> Self {
        let site = schedule.site_kw(problem);
        let hours = problem.slot_hours();
        let energy = site
            .iter()
            .zip(&problem.energy_price)
            .map(|(kw, price)| kw * hours * price)
            .sum::<f64>();
        let peak_kw = site.iter().copied().fold(0.0, f64::max);
        let demand = problem.demand_price_per_kw * (peak_kw - problem.ratchet_kw).max(0.0);
        let unmet_kwh = schedule.unmet_kwh(problem).iter().sum::<f64>();
        let unmet = problem.unmet_price_per_kwh * unmet_kwh;
        ScheduleCost {
            energy,
            demand,
            unmet,
            total: energy + demand + unmet,
            peak_kw,
            unmet_kwh,
        }
    }
}
