//! A TCO study's fleet as groups of vehicles that share a daily routine: when they leave and
//! come back, how far they go, on which days, and whether their trips are booked.
//!
//! A study gives either one routine for the whole fleet (the `fleet` section's own fields) or
//! `fleet.groups`, one entry per group: a day shift and a late shift, vans and a pool of
//! reserved cars. A group's missing field takes the `fleet` section's value, then the built-in
//! default (departure 08:00, return 18:00, spread 120 minutes, target 90 %, weekdays), so the
//! section's fields are the groups' common values. The groups' vehicles add up to the fleet's
//! size; the study's electric vehicles are the first ones in group order (a design with 12 EVs
//! out of 8 + 8 electrifies the first group and half of the second), so list the group to
//! electrify first on top.
//!
//! **Booked trips.** A group with `"booked": true` drives trips that are reserved ahead (a
//! delivery round with a customer's date, a pool car booked for a visit): the energy its
//! vehicles need at departure is *reserved* (`Stay::reserved_kwh`), served before any other
//! vehicle's charging and never traded away by the cost-minimising dispatch or by V2G.

use anyhow::{anyhow, bail};
use chrono::{Datelike, NaiveDate, NaiveTime, Weekday};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Which days the fleet goes out (and comes back to charge).
#[derive(Deserialize, Serialize, Clone, Copy, Debug, Default, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum OperatingDays {
    /// Monday to Friday.
    #[default]
    Weekdays,
    /// Every day.
    All,
}

impl OperatingDays {
    /// Whether vehicles on this routine go out on `day`.
    pub fn includes(self, day: NaiveDate) -> bool {
        match self {
            OperatingDays::All => true,
            OperatingDays::Weekdays => !matches!(day.weekday(), Weekday::Sat | Weekday::Sun),
        }
    }
}

/// The routine fields a study file gives, for the whole fleet or for one group (every field
/// optional: a group's missing field is the fleet's).
#[derive(Default, Clone, Debug)]
pub(crate) struct RoutineFields {
    /// Kilometres per operating day (or `kwh_per_day`, not both).
    pub km_per_day: Option<f64>,
    /// Energy each vehicle uses per operating day, kWh from the battery (or `km_per_day`).
    pub kwh_per_day: Option<f64>,
    pub operating_days: Option<OperatingDays>,
    pub arrival: Option<String>,
    pub departure: Option<String>,
    pub arrival_spread_minutes: Option<u32>,
    pub target_soc_pct: Option<f64>,
    /// Trips booked ahead: the departure energy is reserved.
    pub booked: Option<bool>,
}

/// One entry of `fleet.groups`.
#[derive(Deserialize, Clone, Debug)]
#[serde(deny_unknown_fields)]
pub(crate) struct GroupFile {
    /// Shown in messages and results (default "group N").
    #[serde(default)]
    pub name: Option<String>,
    /// How many of the fleet's vehicles drive this routine.
    pub vehicles: u32,
    #[serde(default)]
    km_per_day: Option<f64>,
    #[serde(default)]
    kwh_per_day: Option<f64>,
    #[serde(default)]
    operating_days: Option<OperatingDays>,
    #[serde(default)]
    arrival: Option<String>,
    #[serde(default)]
    departure: Option<String>,
    #[serde(default)]
    arrival_spread_minutes: Option<u32>,
    #[serde(default)]
    target_soc_pct: Option<f64>,
    #[serde(default)]
    booked: Option<bool>,
}

impl GroupFile {
    fn routine(&self) -> RoutineFields {
        RoutineFields {
            km_per_day: self.km_per_day,
            kwh_per_day: self.kwh_per_day,
            operating_days: self.operating_days,
            arrival: self.arrival.clone(),
            departure: self.departure.clone(),
            arrival_spread_minutes: self.arrival_spread_minutes,
            target_soc_pct: self.target_soc_pct,
            booked: self.booked,
        }
    }
}

/// A group's routine with every default applied and checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Routine {
    /// The group's name (the study's name for a one-routine fleet: "fleet").
    pub name: String,
    /// Vehicles in the group.
    pub vehicles: u32,
    /// Kilometres per operating day.
    pub km_per_day: f64,
    /// Battery energy used per operating day, kWh.
    pub kwh_per_day: f64,
    /// The days it goes out.
    pub operating_days: OperatingDays,
    /// When the vehicles come back and plug in.
    pub arrival: NaiveTime,
    /// When they leave.
    pub departure: NaiveTime,
    /// Arrivals (and departures) spread evenly over this many minutes.
    pub arrival_spread_minutes: u32,
    /// State of charge at departure, %.
    pub target_soc_pct: f64,
    /// Whether the departure energy is reserved (booked trips).
    pub booked: bool,
}

/// The most groups a study may have (days are grouped by which routines operate, as bits).
pub const MAX_GROUPS: usize = 64;

/// Resolves the fleet's routines: `groups` when given (each field falling back to `common`),
/// otherwise one routine of `size` vehicles from `common`. `kwh_per_km` converts between
/// distance and energy; `battery_kwh` bounds what a day may use.
///
/// # Errors
///
/// Names the file and the field: both or neither of distance and energy, a bad time, a
/// negative figure, groups that do not add up to the fleet's size, a day's energy above what
/// the battery holds at the target.
pub(crate) fn resolve(
    common: &RoutineFields,
    groups: &[GroupFile],
    size: u32,
    kwh_per_km: f64,
    battery_kwh: f64,
    path: &Path,
) -> anyhow::Result<Vec<Routine>> {
    let file = path.display();
    if groups.is_empty() {
        return Ok(vec![routine(
            "fleet",
            "fleet",
            size,
            common,
            &RoutineFields::default(),
            kwh_per_km,
            battery_kwh,
            path,
        )?]);
    }
    if groups.len() > MAX_GROUPS {
        bail!(
            "{file}: fleet.groups: at most {MAX_GROUPS} groups, found {}",
            groups.len()
        );
    }
    let total: u64 = groups.iter().map(|g| u64::from(g.vehicles)).sum();
    if total != u64::from(size) {
        bail!(
            "{file}: fleet.groups: the groups' vehicles add up to {total}, but fleet.size is {size}"
        );
    }
    groups
        .iter()
        .enumerate()
        .map(|(index, group)| {
            let place = format!("fleet.groups[{index}]");
            let name = group
                .name
                .clone()
                .unwrap_or_else(|| format!("group {}", index + 1));
            routine(
                &name,
                &place,
                group.vehicles,
                &group.routine(),
                common,
                kwh_per_km,
                battery_kwh,
                path,
            )
        })
        .collect()
}

#[allow(clippy::too_many_arguments)]
fn routine(
    name: &str,
    place: &str,
    vehicles: u32,
    own: &RoutineFields,
    common: &RoutineFields,
    kwh_per_km: f64,
    battery_kwh: f64,
    path: &Path,
) -> anyhow::Result<Routine> {
    let file = path.display();
    // A group that gives a distance or an energy replaces both of the fleet's.
    let (km, kwh) = if own.km_per_day.is_some() || own.kwh_per_day.is_some() {
        (own.km_per_day, own.kwh_per_day)
    } else {
        (common.km_per_day, common.kwh_per_day)
    };
    let (km_per_day, kwh_per_day) = match (km, kwh) {
        (Some(_), Some(_)) => {
            bail!("{file}: {place}: give km_per_day or kwh_per_day, not both")
        }
        (None, None) => bail!("{file}: {place}: km_per_day (or kwh_per_day) is required"),
        (Some(value), None) | (None, Some(value)) if !(value >= 0.0 && value.is_finite()) => {
            bail!(
                "{file}: {place}: the daily distance or energy must be a number ≥ 0, found {value}"
            )
        }
        (Some(km), None) => (km, km * kwh_per_km),
        (None, Some(kwh)) => (
            if kwh_per_km > 0.0 {
                kwh / kwh_per_km
            } else {
                0.0
            },
            kwh,
        ),
    };
    let clock = |value: &Option<String>, fallback: &Option<String>, what: &str, default: &str| {
        let text = value
            .as_deref()
            .or(fallback.as_deref())
            .unwrap_or(default)
            .to_string();
        NaiveTime::parse_from_str(text.trim(), "%H:%M").map_err(|_| {
            anyhow!("{file}: {place}.{what}: expected a time like 18:00, found {text:?}")
        })
    };
    let arrival = clock(&own.arrival, &common.arrival, "arrival", "18:00")?;
    let departure = clock(&own.departure, &common.departure, "departure", "08:00")?;
    let target_soc_pct = own.target_soc_pct.or(common.target_soc_pct).unwrap_or(90.0);
    if !(target_soc_pct > 0.0 && target_soc_pct <= 100.0) {
        bail!("{file}: {place}.target_soc_pct: expected a percentage above 0 and at most 100, found {target_soc_pct}");
    }
    let target_kwh = battery_kwh * target_soc_pct / 100.0;
    if kwh_per_day > target_kwh {
        let given = match km {
            Some(km) => format!("km_per_day: {km} km use"),
            None => "kwh_per_day:".to_string(),
        };
        bail!(
            "{file}: {place}.{given} {kwh_per_day:.1} kWh, more than the {target_kwh:.1} kWh the battery holds at {target_soc_pct} %"
        );
    }
    Ok(Routine {
        name: name.to_string(),
        vehicles,
        km_per_day,
        kwh_per_day,
        operating_days: own
            .operating_days
            .or(common.operating_days)
            .unwrap_or_default(),
        arrival,
        departure,
        arrival_spread_minutes: own
            .arrival_spread_minutes
            .or(common.arrival_spread_minutes)
            .unwrap_or(120),
        target_soc_pct,
        booked: own.booked.or(common.booked).unwrap_or(false),
    })
}

/// Which routines go out on `day`, as bits (bit *i* for group *i*; 0 = nobody drives).
pub fn operating_mask(routines: &[Routine], day: NaiveDate) -> u64 {
    routines
        .iter()
        .enumerate()
        .filter(|(index, routine)| *index < MAX_GROUPS && routine.operating_days.includes(day))
        .fold(0, |mask, (index, _)| mask | (1u64 << index))
}

/// The fleet's vehicles in group order, each as (its routine, its position in the group):
/// the first `count` of them are a design's electric vehicles.
pub fn vehicles(routines: &[Routine]) -> impl Iterator<Item = (&Routine, u32)> {
    routines
        .iter()
        .flat_map(|routine| (0..routine.vehicles).map(move |index| (routine, index)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group(name: &str, vehicles: u32, km: f64) -> GroupFile {
        GroupFile {
            name: Some(name.into()),
            vehicles,
            km_per_day: Some(km),
            kwh_per_day: None,
            operating_days: None,
            arrival: None,
            departure: None,
            arrival_spread_minutes: None,
            target_soc_pct: None,
            booked: None,
        }
    }

    #[test]
    fn groups_inherit_the_fleets_fields_and_defaults() {
        let common = RoutineFields {
            arrival: Some("17:00".into()),
            booked: Some(true),
            ..Default::default()
        };
        let mut late = group("late", 3, 90.0);
        late.arrival = Some("22:00".into());
        late.booked = Some(false);
        let routines = resolve(
            &common,
            &[group("day", 5, 60.0), late],
            8,
            0.15,
            40.0,
            Path::new("s.json"),
        )
        .unwrap();
        assert_eq!(routines.len(), 2);
        assert_eq!(
            routines[0].arrival,
            NaiveTime::from_hms_opt(17, 0, 0).unwrap()
        );
        assert!(routines[0].booked);
        assert_eq!(
            routines[1].arrival,
            NaiveTime::from_hms_opt(22, 0, 0).unwrap()
        );
        assert!(!routines[1].booked);
        assert_eq!(
            routines[1].departure,
            NaiveTime::from_hms_opt(8, 0, 0).unwrap()
        );
        assert!((routines[1].kwh_per_day - 13.5).abs() < 1e-9);
        let order: Vec<_> = vehicles(&routines)
            .map(|(r, i)| (r.name.as_str(), i))
            .collect();
        assert_eq!(order.len(), 8);
        assert_eq!(order[5], ("late", 0));
    }

    #[test]
    fn groups_must_add_up_and_fit_the_battery() {
        let common = RoutineFields::default();
        let error = resolve(
            &common,
            &[group("a", 2, 10.0)],
            3,
            0.15,
            40.0,
            Path::new("s.json"),
        )
        .unwrap_err()
        .to_string();
        assert!(
            error.contains("add up to 2, but fleet.size is 3"),
            "{error}"
        );
        let error = resolve(
            &common,
            &[group("a", 3, 400.0)],
            3,
            0.15,
            40.0,
            Path::new("s.json"),
        )
        .unwrap_err()
        .to_string();
        assert!(
            error.contains("fleet.groups[0].km_per_day: 400 km use 60.0 kWh"),
            "{error}"
        );
        let mut both = group("a", 3, 10.0);
        both.kwh_per_day = Some(3.0);
        let error = resolve(&common, &[both], 3, 0.15, 40.0, Path::new("s.json"))
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("fleet.groups[0]: give km_per_day or kwh_per_day"),
            "{error}"
        );
    }

    #[test]
    fn the_mask_says_who_drives() {
        let common = RoutineFields {
            km_per_day: Some(10.0),
            ..Default::default()
        };
        let mut weekend = group("all week", 1, 10.0);
        weekend.operating_days = Some(OperatingDays::All);
        let routines = resolve(
            &common,
            &[group("weekdays", 1, 10.0), weekend],
            2,
            0.15,
            40.0,
            Path::new("s.json"),
        )
        .unwrap();
        let saturday = NaiveDate::from_ymd_opt(2024, 7, 6).unwrap();
        let monday = NaiveDate::from_ymd_opt(2024, 7, 8).unwrap();
        assert_eq!(operating_mask(&routines, saturday), 0b10);
        assert_eq!(operating_mask(&routines, monday), 0b11);
    }
}
