//! A schedule: grid-side power per session per slot, and what follows from it.

use serde::{Deserialize, Serialize};

use super::problem::Problem;

/// Grid-side charging power of every session over its window.
///
/// `power_kw[i][k]` is the power of session `i` in slot `first_slot + k` of that session;
/// the inner vectors have the session's window length. Discharge (V2G) is negative power and
/// appears only in the V2G modules.
///
/// ```
/// use voltlex_engine::schedule::Schedule;
/// let schedule = Schedule { power_kw: vec![vec![10.0, 0.0], vec![5.0]] };
/// assert_eq!(schedule.power_kw[0].iter().sum::<f64>(), 10.0);
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Schedule {
    /// Power per session (outer) per slot of its window (inner), kW.
    pub power_kw: Vec<Vec<f64>>,
}

impl Schedule {
    /// An all-zero schedule shaped for `problem`.
    pub fn idle(problem: &Problem) -> Self {
        Schedule {
            power_kw: problem
                .sessions
                .iter()
                .map(|s| vec![0.0; s.window_len()])
                .collect(),
        }
    }

    /// Fleet power per slot over the horizon, kW.
    pub fn fleet_kw(&self, problem: &Problem) -> Vec<f64> {
        let mut fleet = vec![0.0; problem.slots()];
        for (session, powers) in problem.sessions.iter().zip(&self.power_kw) {
            for (slot_load, power) in fleet.iter_mut().skip(session.first_slot).zip(powers) {
                *slot_load += power;
            }
        }
        fleet
    }

    /// Site load per slot (base + fleet), kW.
    pub fn site_kw(&self, problem: &Problem) -> Vec<f64> {
        self.fleet_kw(problem)
            .iter()
            .zip(&problem.base_kw)
            .map(|(fleet, base)| fleet + base)
            .collect()
    }

    /// Battery energy delivered to each session, kWh.
    pub fn delivered_kwh(&self, problem: &Problem) -> Vec<f64> {
        let hours = problem.slot_hours();
        problem
            .sessions
            .iter()
            .zip(&self.power_kw)
            .map(|(session, powers)| {
                powers.iter().sum::<f64>() * hours * problem.efficiency_of(session)
            })
            .collect()
    }

    /// Battery energy each session still lacks at departure, kWh (never negative).
    pub fn unmet_kwh(&self, problem: &Problem) -> Vec<f64> {
        problem
            .sessions
            .iter()
            .zip(self.delivered_kwh(problem))
            .map(|(session, delivered)| (session.energy_kwh - delivered).max(0.0))
            .collect()
    }
}
