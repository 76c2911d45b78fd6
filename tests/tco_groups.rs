//! Vehicle groups in a TCO study (`fleet.groups`, `src/fleet_routines.rs`): groups that repeat
//! the fleet's routine give the fleet's numbers; different groups add up group by group; the
//! electric vehicles are the first ones; booked trips reserve their departure energy.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use voltlex::tco_scenario::{Charging, TcoStudy};

const STUDY: &str = "tests/data/tco-small.json";

fn study_json() -> (Value, PathBuf) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(STUDY);
    let text = std::fs::read_to_string(&path).unwrap();
    (serde_json::from_str(&text).unwrap(), path)
}

fn close(a: f64, b: f64, tolerance: f64) {
    assert!(
        (a - b).abs() <= tolerance * b.abs().max(1.0),
        "{a} != {b} (relative tolerance {tolerance})"
    );
}

fn with_groups(mut file: Value, groups: Value) -> Value {
    let fleet = file["fleet"].as_object_mut().unwrap();
    fleet.remove("km_per_day");
    fleet.remove("operating_days");
    fleet.insert("groups".into(), groups);
    file
}

#[test]
fn groups_that_repeat_the_fleets_routine_give_the_fleets_numbers() {
    let (mut file, path) = study_json();
    // Arrivals are spread within each group: all at once, the split changes no arrival.
    file["fleet"]["arrival_spread_minutes"] = 0.into();
    let flat = TcoStudy::from_json(file.clone(), &path).unwrap();
    let split = TcoStudy::from_json(
        with_groups(
            file,
            json!([
                { "name": "a", "vehicles": 1, "km_per_day": 60 },
                { "name": "b", "vehicles": 3, "km_per_day": 60 }
            ]),
        ),
        &path,
    )
    .unwrap();
    assert_eq!(split.routines().len(), 2);
    for charging in [Charging::Uncontrolled, Charging::Optimal] {
        let design = flat.design(charging, false);
        let a = flat.evaluate(&design).unwrap();
        let b = split.evaluate(&design).unwrap();
        close(b.energy.fleet_kwh, a.energy.fleet_kwh, 1e-9);
        close(
            b.energy.electricity_change,
            a.energy.electricity_change,
            1e-9,
        );
        close(b.comparison.savings_npv, a.comparison.savings_npv, 1e-9);
    }
}

#[test]
fn the_first_groups_become_electric_and_the_rest_drive_their_own_kilometres() {
    let (file, path) = study_json();
    let groups = TcoStudy::from_json(
        with_groups(
            file.clone(),
            json!([
                { "name": "short", "vehicles": 2, "km_per_day": 30 },
                { "name": "long", "vehicles": 2, "km_per_day": 90 }
            ]),
        ),
        &path,
    )
    .unwrap();
    let mut design = groups.design(Charging::Optimal, false);
    design.electric = 2;
    design.chargers = 2;
    let result = groups.evaluate(&design).unwrap();
    // The same two EVs in a fleet that drives 30 km, and two petrol vans that drive 90 km.
    let flat = |km: u32| {
        let mut file = file.clone();
        file["fleet"]["km_per_day"] = km.into();
        TcoStudy::from_json(file, &path).unwrap()
    };
    let short = flat(30).evaluate(&design).unwrap();
    let long = flat(90).evaluate(&design).unwrap();
    let ev = &result.parts[0];
    let ice = &result.parts[1];
    close(
        ev.maintenance_per_year,
        short.parts[0].maintenance_per_year,
        1e-9,
    );
    close(ev.energy_per_year, short.parts[0].energy_per_year, 1e-9);
    close(ice.energy_per_year, long.parts[1].energy_per_year, 1e-9);
    close(
        ice.maintenance_per_year,
        long.parts[1].maintenance_per_year,
        1e-9,
    );
    assert!(ice.energy_per_year > 2.5 * short.parts[1].energy_per_year);
    close(groups.km_per_day(), 60.0, 1e-12);
}

#[test]
fn a_group_that_works_weekends_gets_its_weekend_nights_simulated() {
    let (file, path) = study_json();
    let weekdays = TcoStudy::from_json(file.clone(), &path).unwrap();
    let mixed = TcoStudy::from_json(
        with_groups(
            file,
            json!([
                { "vehicles": 2, "km_per_day": 60 },
                { "vehicles": 2, "km_per_day": 60, "operating_days": "all" }
            ]),
        ),
        &path,
    )
    .unwrap();
    let design = weekdays.design(Charging::Optimal, false);
    let a = weekdays.evaluate(&design).unwrap();
    let b = mixed.evaluate(&design).unwrap();
    // One representative weekday and one weekend day per month instead of one.
    assert_eq!(a.energy.days_dispatched, 12);
    assert_eq!(b.energy.days_dispatched, 24);
    // Two of four vans also charge after weekend days: 365 / weekdays as much energy for them.
    let weekdays_in_year = 261.0;
    let expected = a.energy.fleet_kwh / 2.0 * (1.0 + 365.0 / weekdays_in_year);
    close(b.energy.fleet_kwh, expected, 1e-6);
}

#[test]
fn booked_trips_are_reserved_and_groups_must_add_up() {
    let (file, path) = study_json();
    let booked = TcoStudy::from_json(
        with_groups(
            file.clone(),
            json!([
                { "name": "rounds", "vehicles": 4, "km_per_day": 60, "booked": true }
            ]),
        ),
        &path,
    )
    .unwrap();
    assert!(booked.routines()[0].booked);
    let plain = TcoStudy::from_json(file.clone(), &path).unwrap();
    // With room on the site the reservation changes nothing: the energy is the same.
    let design = plain.design(Charging::Optimal, false);
    close(
        booked.evaluate(&design).unwrap().energy.fleet_kwh,
        plain.evaluate(&design).unwrap().energy.fleet_kwh,
        1e-9,
    );
    let error = TcoStudy::from_json(
        with_groups(file, json!([{ "vehicles": 3, "km_per_day": 60 }])),
        &path,
    )
    .err()
    .unwrap()
    .to_string();
    assert!(
        error.contains("fleet.groups: the groups' vehicles add up to 3, but fleet.size is 4"),
        "{error}"
    );
}
