//! The scheduling problem in solver form: slots, site limits, prices, chargers and sessions.
//!
//! A [`Problem`] is what every strategy and the checker read. It is plain data, already
//! resolved from a scenario file (see `crate::read::scenario`): charger assignment done, the
//! tariff turned into per-slot energy prices and a demand price, battery energy turned into
//! grid energy through the charger efficiency.
//!
//! **Units.** Power is grid-side kW, averaged over a slot; a slot lasts `slot_minutes`.
//! A session's needs are battery-side kWh: `power_kw × slot_hours × efficiency` reaches the
//! battery. Money is JPY (or the tariff's currency) as `f64` — the solver's objective, not a
//! bill; bills are recomputed with the billing engine from the resulting load.

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

/// Tolerance, in kWh or kW, below which the checker and the solvers treat a difference as
/// rounding noise.
pub const ENERGY_TOLERANCE: f64 = 1e-6;

/// One charger at the site.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Charger {
    /// Identifier, as in the scenario file and in OCPP (`connectorId` 1 of this station).
    pub id: String,
    /// Largest grid-side power, kW (AC 3–22, DC 20–150 in practice).
    pub max_kw: f64,
    /// Grid-to-battery efficiency, 0 < η ≤ 1.
    pub efficiency: f64,
    /// Whether the charger can discharge (V2G/V2B); used by the V2G modules.
    pub v2g: bool,
}

/// One plug-in session: a vehicle on a charger from `first_slot` to `end_slot` (exclusive),
/// which must leave with `energy_kwh` more in its battery.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Session {
    /// Vehicle identifier (a vehicle may have several sessions over a week).
    pub vehicle: String,
    /// Index into [`Problem::chargers`].
    pub charger: usize,
    /// First slot the vehicle is plugged in.
    pub first_slot: usize,
    /// Slot after the last one it is plugged in (its departure).
    pub end_slot: usize,
    /// Largest grid-side power: the smaller of the charger's and the vehicle's, kW.
    pub max_kw: f64,
    /// Battery energy to add before departure, kWh (battery side).
    pub energy_kwh: f64,
    /// Part of `energy_kwh` that is reserved for a booked trip: it must be delivered even
    /// in cost mode. `0` when the vehicle has no reservation.
    pub reserved_kwh: f64,
    /// Priority, higher first (used by heuristics and to choose who goes short).
    pub priority: u32,
    /// Battery capacity, kWh (for state-of-charge reporting).
    pub battery_kwh: f64,
    /// Battery energy at arrival, kWh.
    pub arrival_kwh: f64,
}

impl Session {
    /// Number of slots the vehicle is plugged in.
    pub fn window_len(&self) -> usize {
        self.end_slot.saturating_sub(self.first_slot)
    }

    /// Whether `slot` lies in the session's window.
    pub fn contains(&self, slot: usize) -> bool {
        (self.first_slot..self.end_slot).contains(&slot)
    }
}

/// Whether every departure must be met, or shortfalls may be traded against cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    /// Minimise cost; unmet energy costs [`Problem::unmet_price_per_kwh`] (reserved energy
    /// must still be met).
    Cost,
    /// Meet every departure; if that is impossible, name the vehicles that cannot be served.
    #[default]
    Availability,
}

/// A fleet-charging problem over a horizon of equal slots.
///
/// ```
/// use chrono::NaiveDate;
/// use voltlex_engine::schedule::{Charger, Problem, Session};
///
/// let start = NaiveDate::from_ymd_opt(2024, 4, 1).unwrap().and_hms_opt(18, 0, 0).unwrap();
/// let problem = Problem {
///     start,
///     slot_minutes: 30,
///     base_kw: vec![40.0, 40.0, 30.0, 20.0],
///     import_cap_kw: 60.0,
///     ratchet_kw: 50.0,
///     energy_price: vec![30.0, 30.0, 20.0, 20.0],
///     demand_price_per_kw: 21_000.0,
///     unmet_price_per_kwh: 100.0,
///     chargers: vec![Charger { id: "C1".into(), max_kw: 22.0, efficiency: 0.9, v2g: false }],
///     sessions: vec![Session {
///         vehicle: "EV1".into(), charger: 0, first_slot: 0, end_slot: 4, max_kw: 22.0,
///         energy_kwh: 18.0, reserved_kwh: 0.0, priority: 0, battery_kwh: 60.0,
///         arrival_kwh: 20.0,
///     }],
/// };
/// assert!(problem.validate().is_ok());
/// assert_eq!(problem.slot_hours(), 0.5);
/// assert_eq!(problem.grid_kwh_needed(0), 20.0);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Problem {
    /// Start of the first slot (local time, like meter data).
    pub start: NaiveDateTime,
    /// Slot length, minutes.
    pub slot_minutes: u32,
    /// Site load without the fleet, kW per slot; its length is the horizon.
    pub base_kw: Vec<f64>,
    /// Hard import limit of the site connection, kW.
    pub import_cap_kw: f64,
    /// The current contract demand from the 12-month ratchet, kW: a peak up to this level
    /// costs nothing extra.
    pub ratchet_kw: f64,
    /// Marginal energy price per slot, currency per kWh (energy charge, adjustments and
    /// per-kWh surcharges of the tariff).
    pub energy_price: Vec<f64>,
    /// Cost of each kW of peak above `ratchet_kw`: the basic charge per kW-month × the
    /// power-factor multiplier × the months the ratchet keeps it (12 by default).
    pub demand_price_per_kw: f64,
    /// Price of each battery kWh left undelivered in cost mode.
    pub unmet_price_per_kwh: f64,
    /// Chargers.
    pub chargers: Vec<Charger>,
    /// Plug-in sessions.
    pub sessions: Vec<Session>,
}

/// Why a [`Problem`] is malformed (not: why it is infeasible — see `diagnose`).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ProblemError {
    /// Per-slot series of different lengths.
    #[error("the site has {base} slots of base load but {prices} slots of prices")]
    SeriesLength {
        /// Slots of base load.
        base: usize,
        /// Slots of prices.
        prices: usize,
    },
    /// A number that must be finite (and usually not negative) is not.
    #[error("{what} must be a finite number ≥ 0, found {value}")]
    BadNumber {
        /// Which figure.
        what: String,
        /// Its value.
        value: f64,
    },
    /// Two sessions on one charger at the same time: the strategies assume one vehicle per
    /// charger for a whole stay (the fleet builder assigns chargers that way).
    #[error("sessions {first} ({first_vehicle}) and {second} ({second_vehicle}) overlap on charger {charger}")]
    ChargerOverlap {
        /// The charger's id.
        charger: String,
        /// The earlier session.
        first: usize,
        /// Its vehicle.
        first_vehicle: String,
        /// The later session.
        second: usize,
        /// Its vehicle.
        second_vehicle: String,
    },
    /// A session that points outside the horizon or to a missing charger.
    #[error("session {index} ({vehicle}): {problem}")]
    BadSession {
        /// Position in the session list.
        index: usize,
        /// Its vehicle.
        vehicle: String,
        /// What is wrong.
        problem: String,
    },
}

impl Problem {
    /// Number of slots.
    pub fn slots(&self) -> usize {
        self.base_kw.len()
    }

    /// Slot length, hours.
    pub fn slot_hours(&self) -> f64 {
        f64::from(self.slot_minutes) / 60.0
    }

    /// Start of slot `slot`.
    pub fn slot_start(&self, slot: usize) -> NaiveDateTime {
        self.start + chrono::Duration::minutes(i64::from(self.slot_minutes) * slot as i64)
    }

    /// Grid-side energy session `session` needs, kWh (battery energy ÷ efficiency); 0 for an
    /// unknown session.
    pub fn grid_kwh_needed(&self, session: usize) -> f64 {
        self.sessions
            .get(session)
            .map(|s| s.energy_kwh / self.efficiency_of(s))
            .unwrap_or(0.0)
    }

    /// Grid-side reserved energy of session `session`, kWh.
    pub fn grid_kwh_reserved(&self, session: usize) -> f64 {
        self.sessions
            .get(session)
            .map(|s| s.reserved_kwh.min(s.energy_kwh) / self.efficiency_of(s))
            .unwrap_or(0.0)
    }

    /// Charger efficiency of a session (1 when the charger index is invalid; `validate`
    /// rejects that).
    pub fn efficiency_of(&self, session: &Session) -> f64 {
        self.chargers
            .get(session.charger)
            .map(|c| c.efficiency)
            .unwrap_or(1.0)
    }

    /// Check the figures are usable: equal series lengths, finite non-negative numbers,
    /// sessions inside the horizon on existing chargers with positive power.
    ///
    /// # Errors
    ///
    /// The first [`ProblemError`] found.
    pub fn validate(&self) -> Result<(), ProblemError> {
        if self.base_kw.len() != self.energy_price.len() {
            return Err(ProblemError::SeriesLength {
                base: self.base_kw.len(),
                prices: self.energy_price.len(),
            });
        }
        let finite = |what: &str, value: f64| {
            if value.is_finite() && value >= 0.0 {
                Ok(())
            } else {
                Err(ProblemError::BadNumber {
                    what: what.to_string(),
                    value,
                })
            }
        };
        for (slot, (&base, &price)) in self.base_kw.iter().zip(&self.energy_price).enumerate() {
            finite(&format!("base load of slot {slot}"), base)?;
            if !price.is_finite() {
                return Err(ProblemError::BadNumber {
                    what: format!("energy price of slot {slot}"),
                    value: price,
                });
            }
        }
        finite("the import cap", self.import_cap_kw)?;
        finite("the ratchet level", self.ratchet_kw)?;
        finite("the demand price", self.demand_price_per_kw)?;
        finite("the price of unmet energy", self.unmet_price_per_kwh)?;
        if self.slot_minutes == 0 {
            return Err(ProblemError::BadNumber {
                what: "the slot length".into(),
                value: 0.0,
            });
        }
        for charger in &self.chargers {
            finite(&format!("max kW of charger {}", charger.id), charger.max_kw)?;
            if !(charger.efficiency > 0.0 && charger.efficiency <= 1.0) {
                return Err(ProblemError::BadNumber {
                    what: format!("efficiency of charger {} (0 < η ≤ 1)", charger.id),
                    value: charger.efficiency,
                });
            }
        }
        for (index, session) in self.sessions.iter().enumerate() {
            let bad = |problem: String| ProblemError::BadSession {
                index,
                vehicle: session.vehicle.clone(),
                problem,
            };
            if session.charger >= self.chargers.len() {
                return Err(bad(format!("no charger #{}", session.charger)));
            }
            if session.first_slot >= session.end_slot || session.end_slot > self.slots() {
                return Err(bad(format!(
                    "window of slots {}..{} is empty or outside the {} slots",
                    session.first_slot,
                    session.end_slot,
                    self.slots()
                )));
            }
            for (what, value) in [
                ("max kW", session.max_kw),
                ("energy needed", session.energy_kwh),
                ("reserved energy", session.reserved_kwh),
                ("battery kWh", session.battery_kwh),
                ("arrival kWh", session.arrival_kwh),
            ] {
                finite(&format!("{what} of {}", session.vehicle), value)?;
            }
            if session.arrival_kwh + session.energy_kwh > session.battery_kwh * (1.0 + 1e-9) {
                return Err(bad(format!(
                    "arrives with {} kWh and needs {} kWh more, beyond its {} kWh battery",
                    session.arrival_kwh, session.energy_kwh, session.battery_kwh
                )));
            }
        }
        let mut by_charger: Vec<(usize, usize, usize)> = self
            .sessions
            .iter()
            .enumerate()
            .map(|(index, s)| (s.charger, s.first_slot, index))
            .collect();
        by_charger.sort_unstable();
        for pair in by_charger.windows(2) {
            let (Some(&(charger, _, first)), Some(&(next_charger, next_start, second))) =
                (pair.first(), pair.get(1))
            else {
                continue;
            };
            let earlier_end = self.sessions.get(first).map_or(0, |s| s.end_slot);
            if charger == next_charger && next_start < earlier_end {
                let vehicle = |i: usize| {
                    self.sessions
                        .get(i)
                        .map(|s| s.vehicle.clone())
                        .unwrap_or_default()
                };
                return Err(ProblemError::ChargerOverlap {
                    charger: self
                        .chargers
                        .get(charger)
                        .map(|c| c.id.clone())
                        .unwrap_or_default(),
                    first,
                    first_vehicle: vehicle(first),
                    second,
                    second_vehicle: vehicle(second),
                });
            }
        }
        Ok(())
    }
}
