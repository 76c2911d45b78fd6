//! On-site PV and a stationary battery, dispatched with the fleet by the V2G optimiser
//! (issue 6). Model, sources and limits: `docs/pv-storage.md`.
//!
//! - [`pv`] — [`PvSystem`]: generation per slot from a measured profile ([`read_pv_csv`]) or
//!   a clear-sky shape scaled to monthly yields ([`tokyo_monthly_yield`]);
//! - [`storage`] — [`StationaryBattery`];
//! - [`add_to_problem`] — both put into a [`V2gProblem`]: PV is subtracted from the base
//!   load, the battery becomes one more bidirectional session plugged in for the whole
//!   horizon, so that [`crate::v2g::dispatch`] (and the reference LP) optimise them with the
//!   fleet without any change to the programme.

pub mod pv;
pub mod storage;

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

pub use pv::{read_pv_csv, tokyo_monthly_yield, PvProfile, PvSystem, SolarGeometry};
pub use storage::StationaryBattery;

use crate::schedule::{Charger, ProblemError, Session};
use crate::v2g::{V2gPlan, V2gProblem, V2gSession};

/// Name of the stationary battery's charger (its inverter) and session in the problem.
pub const BATTERY_ID: &str = "site-battery";

/// Why PV or storage could not be modelled or added.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SiteError {
    /// A figure outside its range.
    #[error("{what} must be {expected}, found {value}")]
    BadValue {
        /// Which figure.
        what: String,
        /// Its value.
        value: f64,
        /// What it must be.
        expected: String,
    },
    /// A PV profile file could not be read.
    #[error("{path}: cannot read: {message}")]
    Io {
        /// The file.
        path: String,
        /// The operating system's reason.
        message: String,
    },
    /// A PV profile file is malformed.
    #[error("{file}:{line}:{column}: expected {expected}, found {found}")]
    Csv {
        /// The file (or source name).
        file: String,
        /// Line, from 1.
        line: usize,
        /// Column (character), from 1.
        column: usize,
        /// What was expected there.
        expected: String,
        /// What was there.
        found: String,
    },
    /// A slot outside a measured profile.
    #[error("no PV data for the slot starting {at}: the measured profile covers {first} to {end}")]
    OutsideProfile {
        /// Start of the slot.
        at: NaiveDateTime,
        /// Start of the profile.
        first: NaiveDateTime,
        /// End of its last interval.
        end: NaiveDateTime,
    },
    /// A clear-sky horizon that does not start on a whole minute.
    #[error("the clear-sky model integrates whole minutes: a start at {at} has seconds")]
    Unaligned {
        /// The start asked for.
        at: NaiveDateTime,
    },
    /// A month with a yield but no sun on the array (polar night, or an array facing away).
    #[error("month {year}-{month:02} has a PV yield but the clear-sky model puts no sunlight on the array")]
    NoSunlight {
        /// Year.
        year: i32,
        /// Month, 1–12.
        month: u32,
    },
    /// A PV series whose length is not the problem's horizon.
    #[error("the PV series has {found} slots but the problem has {expected}")]
    SeriesLength {
        /// Slots of the problem.
        expected: usize,
        /// Slots of PV.
        found: usize,
    },
    /// The problem, before or after adding the assets, is invalid.
    #[error("invalid V2G problem: {0}")]
    Problem(#[from] ProblemError),
}

/// What [`add_to_problem`] changed, so that callers can report the site assets apart from
/// the fleet.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SiteAssetsAdded {
    /// Index of the stationary battery's session in `charging.sessions` (and in the plan),
    /// if a battery was added.
    pub battery_session: Option<usize>,
    /// Index of its charger (the inverter) in `charging.chargers`.
    pub battery_charger: Option<usize>,
    /// Largest PV surplus over the site's own load, kW (0 when PV never exceeds it).
    pub largest_surplus_kw: f64,
    /// Whether the export price was set to 0 (the problem had no export: V2B only), making
    /// any export a curtailment of PV.
    pub export_priced_at_zero: bool,
}

impl SiteAssetsAdded {
    /// The battery's charge and discharge rows (grid-side kW per slot) in `plan`.
    pub fn battery_flows<'a>(&self, plan: &'a V2gPlan) -> Option<(&'a [f64], &'a [f64])> {
        let session = self.battery_session?;
        Some((
            plan.charge_kw.get(session)?.as_slice(),
            plan.discharge_kw.get(session)?.as_slice(),
        ))
    }
}

/// Put on-site PV (`pv_kw`, one mean kW per slot, e.g. from [`PvSystem::generation_kw`]) and
/// an optional stationary battery into `problem`.
///
/// - PV is subtracted from `charging.base_kw`; a negative base load is PV surplus, which
///   leaves the site through [`V2gProblem::export_limit_kw`] (the export cap *plus* the
///   surplus), so the cap itself is left as it is.
/// - When the problem has no export (`export_cap_kw == 0`, V2B only) every export price is
///   set to 0: exporting is then curtailment — surplus PV is worth nothing unless it is used
///   or stored. Vehicles still cannot sell: the export limit is the surplus alone, and a
///   sell price of 0 with wear ≥ 0 makes discharging into an export never pay.
/// - The battery becomes a session on its own V2G charger [`BATTERY_ID`] (max kW = inverter
///   power, efficiency = √round trip), plugged in from the first slot to the last, arriving
///   with its initial energy and leaving with exactly that (`energy_kwh` = `reserved_kwh`
///   = 0, so in cost mode too), floor = minimum state of charge, wear = its degradation
///   cost, no cycle cap.
///
/// ```
/// use chrono::NaiveDate;
/// use voltlex_engine::schedule::{Mode, Problem};
/// use voltlex_engine::site::{add_to_problem, StationaryBattery};
/// use voltlex_engine::v2g::{dispatch, V2gProblem};
///
/// let start = NaiveDate::from_ymd_opt(2024, 7, 1).unwrap().and_hms_opt(12, 0, 0).unwrap();
/// let charging = Problem { start, slot_minutes: 60, base_kw: vec![10.0, 10.0],
///     import_cap_kw: 50.0, ratchet_kw: 50.0, energy_price: vec![20.0, 40.0],
///     demand_price_per_kw: 0.0, unmet_price_per_kwh: 0.0, chargers: vec![], sessions: vec![] };
/// let mut problem = V2gProblem::charge_only(charging);
/// let battery = StationaryBattery { capacity_kwh: 20.0, power_kw: 10.0,
///     round_trip_efficiency: 1.0, min_soc_pct: 0.0, initial_soc_pct: 0.0,
///     degradation_per_kwh: 0.5 };
/// // 20 kW of PV at noon: 10 kW surplus, stored and used at 13:00.
/// let added = add_to_problem(&mut problem, &[20.0, 0.0], Some(&battery)).unwrap();
/// assert_eq!(added.battery_session, Some(0));
/// assert_eq!(problem.charging.base_kw, vec![-10.0, 10.0]);
/// let result = dispatch(&problem, Mode::Availability).unwrap();
/// let (charge, discharge) = added.battery_flows(&result.plan).unwrap();
/// assert!((charge[0] - 10.0).abs() < 1e-6 && (discharge[1] - 10.0).abs() < 1e-6);
/// assert!((result.cost.total - 5.0).abs() < 1e-6); // nothing bought; 10 kWh × 0.5 of wear
/// ```
///
/// # Errors
///
/// [`SiteError::SeriesLength`] when `pv_kw` is not one value per slot,
/// [`SiteError::BadValue`] for a negative or non-finite PV value or a bad battery,
/// [`SiteError::Problem`] when `problem` is invalid. On error `problem` is unchanged.
pub fn add_to_problem(
    problem: &mut V2gProblem,
    pv_kw: &[f64],
    battery: Option<&StationaryBattery>,
) -> Result<SiteAssetsAdded, SiteError> {
    problem.validate()?;
    let slots = problem.charging.slots();
    if pv_kw.len() != slots {
        return Err(SiteError::SeriesLength {
            expected: slots,
            found: pv_kw.len(),
        });
    }
    for (slot, &kw) in pv_kw.iter().enumerate() {
        if !(kw.is_finite() && kw >= 0.0) {
            return Err(SiteError::BadValue {
                what: format!("PV generation of slot {slot} (kW)"),
                value: kw,
                expected: "a finite number ≥ 0".into(),
            });
        }
    }
    if let Some(battery) = battery {
        battery.validate()?;
    }

    let mut changed = problem.clone();
    for (base, &kw) in changed.charging.base_kw.iter_mut().zip(pv_kw) {
        *base -= kw;
    }
    let largest_surplus_kw = changed
        .charging
        .base_kw
        .iter()
        .fold(0.0_f64, |most, &base| most.max(-base));
    let export_priced_at_zero = changed.export_cap_kw == 0.0;
    if export_priced_at_zero {
        changed
            .export_price
            .iter_mut()
            .for_each(|price| *price = 0.0);
    }

    let (mut battery_session, mut battery_charger) = (None, None);
    if let Some(battery) = battery {
        let charger = changed.charging.chargers.len();
        changed.charging.chargers.push(Charger {
            id: BATTERY_ID.into(),
            max_kw: battery.power_kw,
            efficiency: battery.one_way_efficiency(),
            v2g: true,
        });
        let session = changed.charging.sessions.len();
        changed.charging.sessions.push(Session {
            vehicle: BATTERY_ID.into(),
            charger,
            first_slot: 0,
            end_slot: slots,
            max_kw: battery.power_kw,
            energy_kwh: 0.0,
            reserved_kwh: 0.0,
            priority: 0,
            battery_kwh: battery.capacity_kwh,
            arrival_kwh: battery.initial_kwh(),
        });
        changed.sessions.push(V2gSession {
            discharge_kw: battery.power_kw,
            floor_kwh: battery.floor_kwh(),
            degradation_per_kwh: battery.degradation_per_kwh,
            max_discharge_kwh: f64::INFINITY,
        });
        battery_session = Some(session);
        battery_charger = Some(charger);
    }
    changed.validate()?;
    *problem = changed;
    Ok(SiteAssetsAdded {
        battery_session,
        battery_charger,
        largest_surplus_kw,
        export_priced_at_zero,
    })
}
