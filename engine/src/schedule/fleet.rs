//! From a fleet (vehicles, their stays and reservations, chargers) to a [`Problem`]:
//! state of charge turned into energy, times into slots, and every stay given a charger.
//!
//! **Stays.** A vehicle is plugged in during each of its stays; a stay must leave with a
//! target energy (from a target state of charge or an energy to add). A reservation — a
//! booked trip — sets the energy the stay before it *must* deliver (`Session::reserved_kwh`),
//! which cost mode may not trade away.
//!
//! **Slots.** A stay occupies the whole slots between its arrival and its departure: it can
//! charge from the first slot starting at or after the arrival to the last slot ending at or
//! before the departure. A vehicle plugged in before the horizon starts charges from slot 0
//! with its state of charge at the horizon start; a stay entirely outside the horizon is
//! ignored; a stay departing after the horizon ends is an error (its need would be unknown).
//!
//! **Chargers.** Stays are taken in order of arrival (higher priority first at equal
//! arrival) and each gets the free charger it may use that gives it the most power (AC
//! chargers are limited by the vehicle's AC limit, DC chargers by its DC limit), the first
//! listed among equals. A charger is free for a stay when no earlier stay on it is still
//! plugged in: one vehicle per charger at a time, for the whole stay — plugs are not swapped
//! during a stay. A stay that finds no free charger is reported, not scheduled.

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

use super::problem::{Charger, Problem, Session};

/// A charger as the fleet manager describes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FleetCharger {
    /// Identifier.
    pub id: String,
    /// Largest grid-side power, kW.
    pub max_kw: f64,
    /// Grid-to-battery efficiency (0 < η ≤ 1).
    pub efficiency: f64,
    /// Whether it can discharge (V2G).
    pub v2g: bool,
    /// Direct current (DC fast charger) or not.
    pub dc: bool,
    /// Vehicles allowed on it; empty = any.
    pub vehicles: Vec<String>,
}

/// A vehicle and its stays at the depot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FleetVehicle {
    /// Identifier.
    pub id: String,
    /// Usable battery capacity, kWh.
    pub battery_kwh: f64,
    /// Battery chemistry (`LFP`, `NMC`, …), carried for the battery modules.
    pub chemistry: String,
    /// Largest AC charging power the vehicle accepts, kW.
    pub max_ac_kw: f64,
    /// Largest DC charging power the vehicle accepts, kW.
    pub max_dc_kw: f64,
    /// Priority, higher first.
    pub priority: u32,
    /// A charger the vehicle must use, if any.
    pub charger: Option<String>,
    /// Stays, in any order.
    pub stays: Vec<Stay>,
}

/// One stay of a vehicle: plugged in from `arrival` to `departure`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stay {
    /// Arrival (local time).
    pub arrival: NaiveDateTime,
    /// Departure (local time).
    pub departure: NaiveDateTime,
    /// Battery energy at arrival, kWh.
    pub arrival_kwh: f64,
    /// Battery energy wanted at departure, kWh.
    pub target_kwh: f64,
    /// Battery energy that must be there at departure for a booked trip, kWh (0 = none).
    pub reserved_kwh: f64,
}

/// The site as the scheduler sees it over the horizon.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SiteSlots {
    /// Start of slot 0.
    pub start: NaiveDateTime,
    /// Slot length, minutes.
    pub slot_minutes: u32,
    /// Base load per slot, kW.
    pub base_kw: Vec<f64>,
    /// Energy price per slot, currency per kWh.
    pub energy_price: Vec<f64>,
    /// Import cap, kW.
    pub import_cap_kw: f64,
    /// Contract level from the ratchet, kW.
    pub ratchet_kw: f64,
    /// Cost per kW of peak above the ratchet (all months it lasts).
    pub demand_price_per_kw: f64,
    /// Price of an undelivered battery kWh (cost mode).
    pub unmet_price_per_kwh: f64,
}

/// A stay that is not scheduled, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Unassigned {
    /// Vehicle.
    pub vehicle: String,
    /// Arrival of the stay.
    pub arrival: NaiveDateTime,
    /// Departure of the stay.
    pub departure: NaiveDateTime,
    /// Battery kWh it needed.
    pub needed_kwh: f64,
    /// Why it is not scheduled.
    pub reason: String,
}

/// A fleet turned into a problem.
#[derive(Debug, Clone, PartialEq)]
pub struct FleetProblem {
    /// The problem (sessions = scheduled stays).
    pub problem: Problem,
    /// Stays not scheduled (no free charger, no whole slot plugged in).
    pub unassigned: Vec<Unassigned>,
}

/// Why a fleet cannot be turned into a problem.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FleetError {
    /// A stay that leaves after the horizon ends.
    #[error("vehicle {vehicle}: the stay from {arrival} departs at {departure}, after the horizon ends at {horizon_end}")]
    PastHorizon {
        /// Vehicle.
        vehicle: String,
        /// Arrival.
        arrival: NaiveDateTime,
        /// Departure.
        departure: NaiveDateTime,
        /// End of the horizon.
        horizon_end: NaiveDateTime,
    },
    /// A figure out of range.
    #[error("vehicle {vehicle}: {problem}")]
    BadVehicle {
        /// Vehicle.
        vehicle: String,
        /// What is wrong.
        problem: String,
    },
    /// A vehicle asks for a charger that does not exist.
    #[error("vehicle {vehicle} is tied to charger {charger}, which is not in the charger list")]
    UnknownCharger {
        /// Vehicle.
        vehicle: String,
        /// The charger it names.
        charger: String,
    },
}

/// Turn `vehicles` on `chargers` into a problem over `site`'s horizon (see the module
/// documentation for the rules).
///
/// ```
/// use chrono::NaiveDate;
/// use voltlex_engine::schedule::fleet::*;
///
/// let at = |d, h, m| NaiveDate::from_ymd_opt(2024, 4, d).unwrap().and_hms_opt(h, m, 0).unwrap();
/// let site = SiteSlots {
///     start: at(1, 12, 0), slot_minutes: 30, base_kw: vec![50.0; 48], energy_price: vec![20.0; 48],
///     import_cap_kw: 200.0, ratchet_kw: 120.0, demand_price_per_kw: 22_800.0,
///     unmet_price_per_kwh: 100.0,
/// };
/// let chargers = vec![FleetCharger { id: "AC-1".into(), max_kw: 11.0, efficiency: 0.9,
///     v2g: false, dc: false, vehicles: vec![] }];
/// let van = |id: &str, arrive| FleetVehicle {
///     id: id.into(), battery_kwh: 60.0, chemistry: "LFP".into(), max_ac_kw: 7.4,
///     max_dc_kw: 50.0, priority: 0, charger: None,
///     stays: vec![Stay { arrival: arrive, departure: at(2, 7, 0), arrival_kwh: 15.0,
///         target_kwh: 45.0, reserved_kwh: 0.0 }],
/// };
/// let built = build_problem(&site, &chargers, &[van("V1", at(1, 18, 10)), van("V2", at(1, 19, 0))]).unwrap();
/// let session = &built.problem.sessions[0];
/// assert_eq!((session.first_slot, session.end_slot), (13, 38)); // 18:30 to 07:00
/// assert_eq!(session.max_kw, 7.4); // the vehicle's AC limit
/// assert_eq!(session.energy_kwh, 30.0);
/// // The only charger is taken all night: V2 is reported, not scheduled.
/// assert_eq!(built.unassigned[0].vehicle, "V2");
/// ```
///
/// # Errors
///
/// [`FleetError`] for stays past the horizon, impossible figures or unknown chargers.
pub fn build_problem(
    site: &SiteSlots,
    chargers: &[FleetCharger],
    vehicles: &[FleetVehicle],
) -> Result<FleetProblem, FleetError> {
    let slots = site.base_kw.len();
    let slot_minutes = i64::from(site.slot_minutes.max(1));
    let horizon_end = site.start + chrono::Duration::minutes(slot_minutes * slots as i64);
    // Minutes from the horizon start, rounded to whole slots inwards.
    let first_slot_of = |at: NaiveDateTime| -> usize {
        let minutes = (at - site.start).num_minutes().max(0);
        ((minutes + slot_minutes - 1) / slot_minutes) as usize
    };
    let end_slot_of = |at: NaiveDateTime| -> usize {
        let minutes = (at - site.start).num_minutes().max(0);
        (minutes / slot_minutes) as usize
    };

    struct Pending<'v> {
        vehicle: &'v FleetVehicle,
        stay: &'v Stay,
        first_slot: usize,
        end_slot: usize,
        energy_kwh: f64,
        reserved_kwh: f64,
    }
    let mut pending = Vec::new();
    let mut unassigned = Vec::new();
    for vehicle in vehicles {
        let bad = |problem: String| FleetError::BadVehicle {
            vehicle: vehicle.id.clone(),
            problem,
        };
        if !(vehicle.battery_kwh.is_finite() && vehicle.battery_kwh > 0.0) {
            return Err(bad(format!(
                "battery capacity must be > 0 kWh, found {}",
                vehicle.battery_kwh
            )));
        }
        if let Some(tied) = &vehicle.charger {
            if !chargers.iter().any(|c| &c.id == tied) {
                return Err(FleetError::UnknownCharger {
                    vehicle: vehicle.id.clone(),
                    charger: tied.clone(),
                });
            }
        }
        for stay in &vehicle.stays {
            if stay.departure <= stay.arrival {
                return Err(bad(format!(
                    "the stay from {} departs at {}, not after it arrives",
                    stay.arrival, stay.departure
                )));
            }
            for (what, kwh) in [
                ("energy at arrival", stay.arrival_kwh),
                ("target energy", stay.target_kwh),
                ("reserved energy", stay.reserved_kwh),
            ] {
                if !(kwh.is_finite() && (0.0..=vehicle.battery_kwh * (1.0 + 1e-9)).contains(&kwh)) {
                    return Err(bad(format!(
                        "{what} of the stay from {} must be 0–{} kWh (the battery), found {kwh}",
                        stay.arrival, vehicle.battery_kwh
                    )));
                }
            }
            if stay.departure <= site.start || stay.arrival >= horizon_end {
                continue;
            }
            if stay.departure > horizon_end {
                return Err(FleetError::PastHorizon {
                    vehicle: vehicle.id.clone(),
                    arrival: stay.arrival,
                    departure: stay.departure,
                    horizon_end,
                });
            }
            let target = stay.target_kwh.max(stay.reserved_kwh);
            let energy_kwh = (target - stay.arrival_kwh).max(0.0);
            let reserved_kwh = (stay.reserved_kwh - stay.arrival_kwh).max(0.0);
            let first_slot = first_slot_of(stay.arrival);
            let end_slot = end_slot_of(stay.departure).min(slots);
            if end_slot <= first_slot {
                if energy_kwh > 0.0 {
                    unassigned.push(Unassigned {
                        vehicle: vehicle.id.clone(),
                        arrival: stay.arrival,
                        departure: stay.departure,
                        needed_kwh: energy_kwh,
                        reason: format!(
                            "window too short: plugged in for no whole {}-minute slot",
                            site.slot_minutes
                        ),
                    });
                }
                continue;
            }
            pending.push(Pending {
                vehicle,
                stay,
                first_slot,
                end_slot,
                energy_kwh,
                reserved_kwh,
            });
        }
    }
    pending.sort_by(|a, b| {
        (
            a.first_slot,
            std::cmp::Reverse(a.vehicle.priority),
            &a.vehicle.id,
        )
            .cmp(&(
                b.first_slot,
                std::cmp::Reverse(b.vehicle.priority),
                &b.vehicle.id,
            ))
    });

    // A charger's stays are assigned in arrival order, so it is free for a new stay exactly
    // when its latest stay has left.
    let mut busy_until = vec![0usize; chargers.len()];
    let mut sessions = Vec::with_capacity(pending.len());
    for stay in pending {
        let vehicle = stay.vehicle;
        let power = |charger: &FleetCharger| {
            let accepted = if charger.dc {
                vehicle.max_dc_kw
            } else {
                vehicle.max_ac_kw
            };
            charger.max_kw.min(accepted)
        };
        let mut best: Option<(usize, f64)> = None;
        for (index, charger) in chargers.iter().enumerate() {
            let allowed = match &vehicle.charger {
                Some(tied) => &charger.id == tied,
                None => charger.vehicles.is_empty() || charger.vehicles.contains(&vehicle.id),
            };
            let free = busy_until
                .get(index)
                .is_some_and(|&until| until <= stay.first_slot);
            let kw = power(charger);
            if allowed && free && kw > 0.0 && best.is_none_or(|(_, best_kw)| kw > best_kw) {
                best = Some((index, kw));
            }
        }
        let Some((index, max_kw)) = best else {
            unassigned.push(Unassigned {
                vehicle: vehicle.id.clone(),
                arrival: stay.stay.arrival,
                departure: stay.stay.departure,
                needed_kwh: stay.energy_kwh,
                reason: "no free charger it may use for the whole stay".into(),
            });
            continue;
        };
        if let Some(until) = busy_until.get_mut(index) {
            *until = stay.end_slot;
        }
        sessions.push(Session {
            vehicle: vehicle.id.clone(),
            charger: index,
            first_slot: stay.first_slot,
            end_slot: stay.end_slot,
            max_kw,
            energy_kwh: stay.energy_kwh,
            reserved_kwh: stay.reserved_kwh,
            priority: vehicle.priority,
            battery_kwh: vehicle.battery_kwh,
            arrival_kwh: stay.stay.arrival_kwh,
        });
    }
    let problem = Problem {
        start: site.start,
        slot_minutes: site.slot_minutes,
        base_kw: site.base_kw.clone(),
        import_cap_kw: site.import_cap_kw,
        ratchet_kw: site.ratchet_kw,
        energy_price: site.energy_price.clone(),
        demand_price_per_kw: site.demand_price_per_kw,
        unmet_price_per_kwh: site.unmet_price_per_kwh,
        chargers: chargers
            .iter()
            .map(|c| Charger {
                id: c.id.clone(),
                max_kw: c.max_kw,
                efficiency: c.efficiency,
                v2g: c.v2g,
            })
            .collect(),
        sessions,
    };
    Ok(FleetProblem {
        problem,
        unassigned,
    })
}
