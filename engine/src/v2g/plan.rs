//! A V2G dispatch (charge and discharge per session and slot) and the objective it scores.

use serde::{Deserialize, Serialize};

use super::problem::V2gProblem;
use crate::schedule::Schedule;

/// Charge and discharge, grid-side kW, per session per slot of its window (like
/// [`Schedule`], but with the two directions apart so that losses are counted right).
///
/// ```
/// use voltlex_engine::v2g::V2gPlan;
/// let plan = V2gPlan { charge_kw: vec![vec![0.0, 7.0]], discharge_kw: vec![vec![5.0, 0.0]] };
/// assert_eq!(plan.to_schedule().power_kw, vec![vec![-5.0, 7.0]]);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct V2gPlan {
    /// Charging power, kW ≥ 0, one row per session, one value per slot of its window.
    pub charge_kw: Vec<Vec<f64>>,
    /// Discharging power, kW ≥ 0, same shape.
    pub discharge_kw: Vec<Vec<f64>>,
}

impl V2gPlan {
    /// Net power per session and slot (charge − discharge), the form the checker, OCPP and
    /// the reports read.
    pub fn to_schedule(&self) -> Schedule {
        let power_kw = self
            .charge_kw
            .iter()
            .zip(&self.discharge_kw)
            .map(|(charge, discharge)| charge.iter().zip(discharge).map(|(c, d)| c - d).collect())
            .collect();
        Schedule { power_kw }
    }

    /// Battery energy of session `session` at the end of each slot of its window, kWh
    /// (charging stores η of the grid energy, discharging drains grid energy ÷ η).
    pub fn battery_kwh(&self, problem: &V2gProblem, session: usize) -> Vec<f64> {
        let charging = &problem.charging;
        let Some(s) = charging.sessions.get(session) else {
            return Vec::new();
        };
        let efficiency = charging.efficiency_of(s);
        let hours = charging.slot_hours();
        let mut battery = s.arrival_kwh;
        let empty = Vec::new();
        let charge = self.charge_kw.get(session).unwrap_or(&empty);
        let discharge = self.discharge_kw.get(session).unwrap_or(&empty);
        charge
            .iter()
            .zip(discharge)
            .map(|(c, d)| {
                battery += hours * (efficiency * c - d / efficiency);
                battery
            })
            .collect()
    }
}

/// The objective of a [`V2gPlan`] (see [`super::problem`] for the programme), computed from
/// the plan alone: the site's net load per slot is split into import and export.
///
/// ```
/// use chrono::NaiveDate;
/// use voltlex_engine::schedule::{Charger, Problem, Session};
/// use voltlex_engine::v2g::{V2gCost, V2gPlan, V2gProblem, V2gSession};
/// let start = NaiveDate::from_ymd_opt(2024, 7, 1).unwrap().and_hms_opt(0, 0, 0).unwrap();
/// let charging = Problem {
///     start, slot_minutes: 60, base_kw: vec![2.0, 2.0], import_cap_kw: 50.0, ratchet_kw: 10.0,
///     energy_price: vec![30.0, 10.0], demand_price_per_kw: 1000.0, unmet_price_per_kwh: 0.0,
///     chargers: vec![Charger { id: "C".into(), max_kw: 10.0, efficiency: 1.0, v2g: true }],
///     sessions: vec![Session { vehicle: "V".into(), charger: 0, first_slot: 0, end_slot: 2,
///         max_kw: 10.0, energy_kwh: 0.0, reserved_kwh: 0.0, priority: 0, battery_kwh: 50.0,
///         arrival_kwh: 20.0 }],
/// };
/// let problem = V2gProblem {
///     charging, export_price: vec![20.0, 5.0], export_cap_kw: 10.0,
///     sessions: vec![V2gSession { discharge_kw: 10.0, floor_kwh: 0.0,
///         degradation_per_kwh: 1.0, max_discharge_kwh: f64::INFINITY }],
/// };
/// // Sell 5 kWh at the 20 JPY spot price (site exports 3 kW), buy them back at 10.
/// let plan = V2gPlan { charge_kw: vec![vec![0.0, 5.0]], discharge_kw: vec![vec![5.0, 0.0]] };
/// let cost = V2gCost::of(&problem, &plan);
/// assert_eq!(cost.import_cost, 7.0 * 10.0);
/// assert_eq!(cost.export_revenue, 3.0 * 20.0);
/// assert_eq!(cost.degradation, 5.0);
/// assert_eq!(cost.total, 70.0 - 60.0 + 5.0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct V2gCost {
    /// Energy bought: Σ import × hours × energy price (base load included).
    pub import_cost: f64,
    /// Energy sold: Σ export × hours × sell price ([`V2gProblem::sell_price`]).
    pub export_revenue: f64,
    /// Demand cost above the ratchet level.
    pub demand: f64,
    /// Wear: Σ battery kWh discharged × the session's degradation cost.
    pub degradation: f64,
    /// Penalty for undelivered energy.
    pub unmet: f64,
    /// `import_cost − export_revenue + demand + degradation + unmet`.
    pub total: f64,
    /// Highest import, kW.
    pub peak_kw: f64,
    /// Battery-side kWh discharged, all sessions.
    pub discharged_kwh: f64,
    /// Grid-side kWh exported.
    pub exported_kwh: f64,
}

impl V2gCost {
    /// Evaluate `plan` under `problem`'s prices.
    pub fn of(problem: &V2gProblem, plan: &V2gPlan) -> Self {
        let charging = &problem.charging;
        let hours = charging.slot_hours();
        let mut net = charging.base_kw.clone();
        let mut degradation = 0.0;
        let mut discharged_kwh = 0.0;
        let mut unmet_kwh = 0.0;
        for (index, session) in charging.sessions.iter().enumerate() {
            let efficiency = charging.efficiency_of(session);
            let wear = problem
                .sessions
                .get(index)
                .map_or(0.0, |v| v.degradation_per_kwh);
            let (Some(charge), Some(discharge)) =
                (plan.charge_kw.get(index), plan.discharge_kw.get(index))
            else {
                continue;
            };
            let mut stored = 0.0;
            for (offset, (c, d)) in charge.iter().zip(discharge).enumerate() {
                if let Some(load) = net.get_mut(session.first_slot + offset) {
                    *load += c - d;
                }
                let drained = hours * d / efficiency;
                discharged_kwh += drained;
                degradation += wear * drained;
                stored += hours * efficiency * c - drained;
            }
            unmet_kwh += (session.energy_kwh - stored).max(0.0);
        }
        let mut import_cost = 0.0;
        let mut export_revenue = 0.0;
        let mut exported_kwh = 0.0;
        let mut peak_kw: f64 = 0.0;
        for (slot, (&load, &price)) in net.iter().zip(&charging.energy_price).enumerate() {
            if load >= 0.0 {
                import_cost += load * hours * price;
                peak_kw = peak_kw.max(load);
            } else {
                export_revenue += -load * hours * problem.sell_price(slot);
                exported_kwh += -load * hours;
            }
        }
        let demand = charging.demand_price_per_kw * (peak_kw - charging.ratchet_kw).max(0.0);
        let unmet = charging.unmet_price_per_kwh * unmet_kwh;
        V2gCost {
            import_cost,
            export_revenue,
            demand,
            degradation,
            unmet,
            total: import_cost - export_revenue + demand + degradation + unmet,
            peak_kw,
            discharged_kwh,
            exported_kwh,
        }
    }
}
