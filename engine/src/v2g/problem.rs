//! The V2B/V2G dispatch problem: the charging problem plus discharge, export and wear.
//!
//! **The linear programme** every V2G solver (the structured interior-point method in
//! [`super::solve`], the plain LP in [`super::reference`]) solves. With `h` the slot length
//! in hours and, for session `i` on a charger of efficiency `η_i`, per slot `t` of its window:
//!
//! - `charge[i][t] ∈ [0, min(session max kW, charger max kW)]` (grid side),
//! - `discharge[i][t] ∈ [0, V2gSession::discharge_kw]` (grid side; 0 when the pair cannot
//!   discharge),
//! - battery energy at the end of each slot
//!   `e[i][t] = e[i][t−1] + h·η·charge − h·discharge/η`, `e[i][before first] = arrival_kwh`,
//!   kept within `[floor_kwh, battery_kwh]` (the floor is [`V2gProblem::floor_of`]),
//! - at departure `e ≤ arrival + energy_kwh`, and `e ≥ arrival + energy_kwh` in
//!   availability mode (`≥ arrival + reserved_kwh` in cost mode, each missing kWh costing
//!   `unmet_price_per_kwh`),
//! - `Σ_t h·discharge/η ≤ max_discharge_kwh` (the contract's cycle cap for the stay).
//!
//! Site, per slot: `import − export = base_kw + Σ_i (charge − discharge)`,
//! `0 ≤ import ≤ import_cap_kw`, `0 ≤ export ≤` [`V2gProblem::export_limit_kw`], and the
//! peak `import ≤ ratchet_kw + excess`, `excess ≥ 0`.
//!
//! Objective (currency): `Σ_t h·(energy_price·import − sell_price·export)
//! + demand_price_per_kw·excess + Σ_i Σ_t degradation_per_kwh·h·discharge/η
//! + unmet_price_per_kwh·Σ_i (arrival + energy_kwh − e_departure)`, where the sell price
//! is [`V2gProblem::sell_price`]: the export price capped at the import price of the slot.
//! The cap keeps the programme convex — one meter cannot buy and sell in the same half hour,
//! and without the cap a solver would "export" and "import" at once to earn the difference.
//! When the spot price is above the import price the fleet's export revenue is therefore
//! understated; `docs/v2g.md` discusses it.

use serde::{Deserialize, Serialize};

use crate::schedule::{Problem, ProblemError};

/// V2G parameters of one session, parallel to [`Problem::sessions`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct V2gSession {
    /// Largest grid-side discharge power, kW; 0 when the charger or the vehicle cannot
    /// discharge, or the contract does not enrol it.
    pub discharge_kw: f64,
    /// Battery energy the session may not go below while plugged in, kWh (the contract's
    /// minimum state of charge × capacity). Clipped to the arrival energy: a vehicle that
    /// arrives below its floor is not infeasible, it just cannot discharge below arrival.
    pub floor_kwh: f64,
    /// Wear cost of each battery-side kWh discharged (from [`crate::battery`]).
    pub degradation_per_kwh: f64,
    /// Largest battery-side energy discharged over the stay, kWh (cycles per day × capacity ×
    /// days of the stay); `f64::INFINITY` for no cap.
    pub max_discharge_kwh: f64,
}

impl V2gSession {
    /// A session that only charges.
    ///
    /// ```
    /// use voltlex_engine::v2g::V2gSession;
    /// assert_eq!(V2gSession::charge_only().discharge_kw, 0.0);
    /// ```
    pub fn charge_only() -> Self {
        V2gSession {
            discharge_kw: 0.0,
            floor_kwh: 0.0,
            degradation_per_kwh: 0.0,
            max_discharge_kwh: f64::INFINITY,
        }
    }
}

/// A fleet dispatch problem with discharge: [`Problem`] plus export prices and per-session
/// discharge limits and wear.
///
/// ```
/// use chrono::NaiveDate;
/// use voltlex_engine::schedule::{Charger, Problem, Session};
/// use voltlex_engine::v2g::{V2gProblem, V2gSession};
///
/// let start = NaiveDate::from_ymd_opt(2024, 7, 1).unwrap().and_hms_opt(16, 0, 0).unwrap();
/// let charging = Problem {
///     start, slot_minutes: 30, base_kw: vec![80.0, 90.0, 40.0, 30.0],
///     import_cap_kw: 120.0, ratchet_kw: 60.0, energy_price: vec![30.0, 32.0, 15.0, 14.0],
///     demand_price_per_kw: 20_000.0, unmet_price_per_kwh: 100.0,
///     chargers: vec![Charger { id: "B1".into(), max_kw: 10.0, efficiency: 0.9, v2g: true }],
///     sessions: vec![Session { vehicle: "EV1".into(), charger: 0, first_slot: 0, end_slot: 4,
///         max_kw: 10.0, energy_kwh: 5.0, reserved_kwh: 0.0, priority: 0, battery_kwh: 40.0,
///         arrival_kwh: 20.0 }],
/// };
/// let problem = V2gProblem {
///     charging,
///     export_price: vec![25.0, 40.0, 10.0, 9.0],
///     export_cap_kw: 0.0,
///     sessions: vec![V2gSession { discharge_kw: 10.0, floor_kwh: 8.0,
///         degradation_per_kwh: 5.0, max_discharge_kwh: f64::INFINITY }],
/// };
/// assert!(problem.validate().is_ok());
/// assert_eq!(problem.sell_price(1), 32.0); // capped at the import price
/// assert_eq!(problem.floor_of(0), 8.0);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct V2gProblem {
    /// Site, prices, chargers and sessions as for charging.
    pub charging: Problem,
    /// Price received for each kWh exported, per slot (the JEPX area price for spot
    /// arbitrage), currency per kWh.
    pub export_price: Vec<f64>,
    /// Largest export to the grid, kW; 0 for V2B only (discharge may only cover the site's
    /// own load).
    pub export_cap_kw: f64,
    /// Discharge limits and wear per session, parallel to `charging.sessions`.
    pub sessions: Vec<V2gSession>,
}

impl V2gProblem {
    /// A problem without discharge: every session charge-only, no export.
    ///
    /// ```
    /// # use chrono::NaiveDate;
    /// # use voltlex_engine::schedule::Problem;
    /// use voltlex_engine::v2g::V2gProblem;
    /// # let start = NaiveDate::from_ymd_opt(2024, 7, 1).unwrap().and_hms_opt(0, 0, 0).unwrap();
    /// # let charging = Problem { start, slot_minutes: 30, base_kw: vec![1.0], import_cap_kw: 5.0,
    /// #     ratchet_kw: 0.0, energy_price: vec![10.0], demand_price_per_kw: 0.0,
    /// #     unmet_price_per_kwh: 0.0, chargers: vec![], sessions: vec![] };
    /// let problem = V2gProblem::charge_only(charging);
    /// assert_eq!(problem.export_cap_kw, 0.0);
    /// ```
    pub fn charge_only(charging: Problem) -> Self {
        let sessions = vec![V2gSession::charge_only(); charging.sessions.len()];
        let export_price = vec![0.0; charging.slots()];
        V2gProblem {
            charging,
            export_price,
            export_cap_kw: 0.0,
            sessions,
        }
    }

    /// The price the objective pays for exports in `slot`: the export price, at most the
    /// import price (see the module documentation). A negative export price is kept:
    /// exporting then costs money.
    pub fn sell_price(&self, slot: usize) -> f64 {
        let export = self.export_price.get(slot).copied().unwrap_or(0.0);
        let import = self.charging.energy_price.get(slot).copied().unwrap_or(0.0);
        export.min(import)
    }

    /// Largest export in `slot`, kW: the contract's export cap, plus what the site without
    /// the fleet already exports (a negative base load, e.g. PV), which is not the fleet's to
    /// forbid.
    pub fn export_limit_kw(&self, slot: usize) -> f64 {
        let base = self.charging.base_kw.get(slot).copied().unwrap_or(0.0);
        self.export_cap_kw + (-base).max(0.0)
    }

    /// Battery floor of session `session` while plugged in, kWh: its `floor_kwh` clipped to
    /// `[0, arrival_kwh]`.
    pub fn floor_of(&self, session: usize) -> f64 {
        let arrival = self
            .charging
            .sessions
            .get(session)
            .map_or(0.0, |s| s.arrival_kwh);
        let floor = self.sessions.get(session).map_or(0.0, |v| v.floor_kwh);
        floor.clamp(0.0, arrival.max(0.0))
    }

    /// Largest grid-side discharge of session `session`, kW: its `discharge_kw`, the session's
    /// and the charger's power limits, and 0 unless the charger is V2G-capable.
    pub fn discharge_limit_kw(&self, session: usize) -> f64 {
        let Some(s) = self.charging.sessions.get(session) else {
            return 0.0;
        };
        let Some(charger) = self.charging.chargers.get(s.charger) else {
            return 0.0;
        };
        if !charger.v2g {
            return 0.0;
        }
        let asked = self.sessions.get(session).map_or(0.0, |v| v.discharge_kw);
        asked.min(s.max_kw).min(charger.max_kw).max(0.0)
    }

    /// Check the figures are usable: the charging problem's checks, one V2G entry per
    /// session, one export price per slot, finite non-negative limits and costs.
    ///
    /// # Errors
    ///
    /// The first [`ProblemError`] found.
    pub fn validate(&self) -> Result<(), ProblemError> {
        self.validate_charging()?;
        if self.export_price.len() != self.charging.slots() {
            return Err(ProblemError::SeriesLength {
                base: self.charging.slots(),
                prices: self.export_price.len(),
            });
        }
        if !self.export_price.iter().all(|p| p.is_finite()) {
            return Err(ProblemError::BadNumber {
                what: "an export price".into(),
                value: f64::NAN,
            });
        }
        if !(self.export_cap_kw.is_finite() && self.export_cap_kw >= 0.0) {
            return Err(ProblemError::BadNumber {
                what: "the export cap (kW)".into(),
                value: self.export_cap_kw,
            });
        }
        if self.sessions.len() != self.charging.sessions.len() {
            return Err(ProblemError::BadSession {
                index: self.sessions.len().min(self.charging.sessions.len()),
                vehicle: String::new(),
                problem: format!(
                    "{} V2G entries for {} sessions",
                    self.sessions.len(),
                    self.charging.sessions.len()
                ),
            });
        }
        for (index, (v2g, session)) in self
            .sessions
            .iter()
            .zip(&self.charging.sessions)
            .enumerate()
        {
            let bad = |what: &str, value: f64| ProblemError::BadSession {
                index,
                vehicle: session.vehicle.clone(),
                problem: format!("{what} must be a finite number ≥ 0, found {value}"),
            };
            for (what, value) in [
                ("discharge kW", v2g.discharge_kw),
                ("floor kWh", v2g.floor_kwh),
                ("degradation cost per kWh", v2g.degradation_per_kwh),
            ] {
                if !(value.is_finite() && value >= 0.0) {
                    return Err(bad(what, value));
                }
            }
            if v2g.max_discharge_kwh.is_nan() || v2g.max_discharge_kwh < 0.0 {
                return Err(bad("discharge cap kWh", v2g.max_discharge_kwh));
            }
            if session.arrival_kwh + session.energy_kwh
                > session.battery_kwh + crate::schedule::ENERGY_TOLERANCE
            {
                return Err(ProblemError::BadSession {
                    index,
                    vehicle: session.vehicle.clone(),
                    problem: format!(
                        "arrival {} kWh + {} kWh to add is more than the battery's {} kWh",
                        session.arrival_kwh, session.energy_kwh, session.battery_kwh
                    ),
                });
            }
        }
        Ok(())
    }

    /// The charging problem's checks, except that a finite negative base load is accepted:
    /// here it leaves the site through [`Self::export_limit_kw`] (on-site PV above the site's
    /// own load, `crate::site`), whereas the charging problem, which has no export, must
    /// reject it. The charging checks then see the base load cut at 0.
    fn validate_charging(&self) -> Result<(), ProblemError> {
        if self.charging.base_kw.iter().all(|&base| base >= 0.0) {
            return self.charging.validate();
        }
        for (slot, &base) in self.charging.base_kw.iter().enumerate() {
            if !base.is_finite() {
                return Err(ProblemError::BadNumber {
                    what: format!("base load of slot {slot}"),
                    value: base,
                });
            }
        }
        let mut importing = self.charging.clone();
        for base in &mut importing.base_kw {
            *base = base.max(0.0);
        }
        importing.validate()
    }
}
