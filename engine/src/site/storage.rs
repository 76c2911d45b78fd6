//! A stationary battery at the site, dispatched with the fleet as one more bidirectional
//! session (see [`super::add_to_problem`] and `docs/pv-storage.md`).

use serde::{Deserialize, Serialize};

use super::SiteError;

/// A stationary battery behind the site's meter.
///
/// ```
/// use voltlex_engine::site::storage::StationaryBattery;
/// let battery = StationaryBattery { capacity_kwh: 100.0, power_kw: 50.0,
///     round_trip_efficiency: 0.9, min_soc_pct: 10.0, initial_soc_pct: 50.0,
///     degradation_per_kwh: 3.0 };
/// assert!(battery.validate().is_ok());
/// assert!((battery.one_way_efficiency() - 0.9_f64.sqrt()).abs() < 1e-15);
/// assert_eq!(battery.initial_kwh(), 50.0);
/// assert_eq!(battery.floor_kwh(), 10.0);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StationaryBattery {
    /// Usable capacity, kWh (> 0).
    pub capacity_kwh: f64,
    /// Inverter power, AC side, kW, the same for charge and discharge.
    pub power_kw: f64,
    /// AC-to-AC round-trip efficiency, 0 < η ≤ 1: each way is √η.
    pub round_trip_efficiency: f64,
    /// State of charge the battery may not go below, % of capacity.
    pub min_soc_pct: f64,
    /// State of charge at the start of the horizon, % of capacity; the battery must end the
    /// horizon with this much again (so a day's plan cannot spend tomorrow's energy).
    pub initial_soc_pct: f64,
    /// Wear cost of each battery-side kWh discharged (from [`crate::battery`]), currency/kWh;
    /// must be > 0 (see [`Self::validate`]).
    pub degradation_per_kwh: f64,
}

impl StationaryBattery {
    /// Check the figures: capacity and wear finite and > 0; power finite and ≥ 0; round trip
    /// in (0, 1]; states of charge in [0, 100] with the initial one at least the minimum.
    ///
    /// # Errors
    ///
    /// [`SiteError::BadValue`] naming the first bad figure.
    pub fn validate(&self) -> Result<(), SiteError> {
        let bad = |what: &str, value: f64, expected: &str| SiteError::BadValue {
            what: format!("the stationary battery's {what}"),
            value,
            expected: expected.to_string(),
        };
        if !(self.capacity_kwh.is_finite() && self.capacity_kwh > 0.0) {
            return Err(bad(
                "capacity (kWh)",
                self.capacity_kwh,
                "a finite number > 0",
            ));
        }
        if !(self.power_kw.is_finite() && self.power_kw >= 0.0) {
            return Err(bad("power (kW)", self.power_kw, "a finite number ≥ 0"));
        }
        if !(self.round_trip_efficiency > 0.0 && self.round_trip_efficiency <= 1.0) {
            return Err(bad(
                "round-trip efficiency",
                self.round_trip_efficiency,
                "a number in (0, 1]",
            ));
        }
        for (what, value) in [
            ("minimum state of charge (%)", self.min_soc_pct),
            ("initial state of charge (%)", self.initial_soc_pct),
        ] {
            if !(value.is_finite() && (0.0..=100.0).contains(&value)) {
                return Err(bad(what, value, "a number from 0 to 100"));
            }
        }
        if self.initial_soc_pct < self.min_soc_pct {
            return Err(bad(
                "initial state of charge (%)",
                self.initial_soc_pct,
                &format!(
                    "at least the minimum state of charge, {} %",
                    self.min_soc_pct
                ),
            ));
        }
        // With no wear, free PV surplus could be burnt as losses by charging and discharging
        // in the same slot at no cost: the optimum would not be unique, and the checker, which
        // reads net power, would misread such a plan.
        if !(self.degradation_per_kwh.is_finite() && self.degradation_per_kwh > 0.0) {
            return Err(bad(
                "wear cost per kWh",
                self.degradation_per_kwh,
                "a finite number > 0 (every battery wears; see docs/pv-storage.md)",
            ));
        }
        Ok(())
    }

    /// Efficiency of each direction, √(round trip).
    pub fn one_way_efficiency(&self) -> f64 {
        self.round_trip_efficiency.sqrt()
    }

    /// Energy at the start (and, at least, at the end) of the horizon, kWh.
    pub fn initial_kwh(&self) -> f64 {
        self.capacity_kwh * self.initial_soc_pct / 100.0
    }

    /// Energy the battery may not go below, kWh.
    pub fn floor_kwh(&self) -> f64 {
        self.capacity_kwh * self.min_soc_pct / 100.0
    }
}
