//! Every payload voltlex writes validates against the OCA's OCPP 1.6 `SetChargingProfile`
//! request schema (draft-04, `schemas/SetChargingProfile.json`), and the schema check can fail.

// Test code: a failed expectation should panic.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::{Path, PathBuf};

use chrono::{FixedOffset, NaiveDate};
use serde_json::{json, Value};
use voltlex_engine::schedule::{Charger, Problem, Schedule, Session};
use voltlex_ocpp::{
    charging_profiles, file_name, write_profiles, ChargerProfiles, OcppError, OcppOptions, RateUnit,
};

fn validator() -> jsonschema::Validator {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas/SetChargingProfile.json");
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    assert_eq!(schema["title"], "SetChargingProfileRequest");
    jsonschema::draft4::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap()
}

/// Panics with every schema error of `payload`.
fn assert_valid(validator: &jsonschema::Validator, payload: &Value) {
    let errors: Vec<String> = validator
        .iter_errors(payload)
        .map(|error| format!("{} at {}", error, error.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{}\n{errors:#?}",
        serde_json::to_string_pretty(payload).unwrap()
    );
}

fn charger(id: &str, max_kw: f64) -> Charger {
    Charger {
        id: id.into(),
        max_kw,
        efficiency: 0.92,
        v2g: false,
    }
}

fn session(vehicle: &str, charger: usize, first_slot: usize, end_slot: usize) -> Session {
    Session {
        vehicle: vehicle.into(),
        charger,
        first_slot,
        end_slot,
        max_kw: 50.0,
        energy_kwh: 20.0,
        reserved_kwh: 0.0,
        priority: 0,
        battery_kwh: 60.0,
        arrival_kwh: 10.0,
    }
}

/// An evening at a depot: AC 6 kW, AC 22 kW and DC 50 kW chargers, 30-minute slots from
/// 17:00, two sessions on the 22 kW charger.
fn depot() -> (Problem, Schedule) {
    let start = NaiveDate::from_ymd_opt(2025, 4, 1)
        .unwrap()
        .and_hms_opt(17, 0, 0)
        .unwrap();
    let problem = Problem {
        start,
        slot_minutes: 30,
        base_kw: vec![50.0; 16],
        import_cap_kw: 200.0,
        ratchet_kw: 120.0,
        energy_price: vec![20.0; 16],
        demand_price_per_kw: 1_650.0,
        unmet_price_per_kwh: 100.0,
        chargers: vec![
            charger("AC-6", 6.0),
            charger("AC-22", 22.0),
            charger("DC-50", 50.0),
            charger("idle", 22.0),
        ],
        sessions: vec![
            session("EV1", 0, 2, 10),
            session("EV2", 1, 0, 4),
            session("EV3", 2, 4, 16),
            session("EV4", 1, 6, 16),
        ],
    };
    let schedule = Schedule {
        power_kw: vec![
            vec![6.0, 6.0, 6.0, 3.3, 3.3, 0.0, 0.0, 6.0],
            vec![22.0, 22.0, 7.3, 0.0],
            vec![
                50.0, 50.0, 49.99, 49.99, 12.345, 0.0, 0.0, 0.0, 25.0, 25.0, 25.0, 0.0,
            ],
            vec![11.0, 11.0, 11.0, 11.0, 0.0, 0.0, 0.0, 0.0, 0.0, 22.0],
        ],
    };
    (problem, schedule)
}

fn payloads(chargers: &[ChargerProfiles]) -> Vec<Value> {
    chargers
        .iter()
        .flat_map(|c| &c.profiles)
        .map(|p| serde_json::to_value(&p.request).unwrap())
        .collect()
}

#[test]
fn every_payload_is_valid_against_the_ocpp_schema() {
    let validator = validator();
    let (problem, schedule) = depot();
    let mut options = OcppOptions::default();
    options.transaction_ids.insert(1, 4711);
    for unit in [RateUnit::Auto, RateUnit::Watts, RateUnit::Amperes] {
        for phases in [3, 1] {
            let options = OcppOptions {
                unit,
                phases,
                ..options.clone()
            };
            let chargers = charging_profiles(&problem, &schedule, &options);
            let all = payloads(&chargers);
            assert_eq!(all.len(), 4);
            for payload in &all {
                assert_valid(&validator, payload);
            }
        }
    }
}

#[test]
fn the_mapping_of_the_depot_evening() {
    let (problem, schedule) = depot();
    let mut options = OcppOptions::default();
    options.transaction_ids.insert(1, 4711);
    let chargers = charging_profiles(&problem, &schedule, &options);
    // The idle charger has no session and no profiles.
    let ids: Vec<&str> = chargers.iter().map(|c| c.charger_id.as_str()).collect();
    assert_eq!(ids, ["AC-6", "AC-22", "DC-50"]);
    assert_eq!(chargers[1].profiles.len(), 2);

    let ac22 = serde_json::to_value(&chargers[1].profiles[0].request).unwrap();
    assert_eq!(
        ac22,
        json!({
            "connectorId": 1,
            "csChargingProfiles": {
                "chargingProfileId": 2,
                "transactionId": 4711,
                "stackLevel": 0,
                "chargingProfilePurpose": "TxProfile",
                "chargingProfileKind": "Absolute",
                "chargingSchedule": {
                    "duration": 7200,
                    "startSchedule": "2025-04-01T17:00:00+09:00",
                    "chargingRateUnit": "A",
                    "chargingSchedulePeriod": [
                        // 22,000 / (√3 × 200) = 63.508… A
                        { "startPeriod": 0, "limit": 63.5, "numberPhases": 3 },
                        // 7,300 / 346.41 = 21.07… A
                        { "startPeriod": 3600, "limit": 21.0, "numberPhases": 3 },
                        { "startPeriod": 5400, "limit": 0.0, "numberPhases": 3 }
                    ]
                }
            }
        })
    );

    // DC in watts, no phases; 49.99 kW and 12.345 kW kept to 0.1 W, rounded down.
    let dc = serde_json::to_value(&chargers[2].profiles[0].request).unwrap();
    let schedule = &dc["csChargingProfiles"]["chargingSchedule"];
    assert_eq!(schedule["chargingRateUnit"], "W");
    assert_eq!(schedule["startSchedule"], "2025-04-01T19:00:00+09:00");
    assert_eq!(schedule["duration"], 12 * 1800);
    assert!(dc["csChargingProfiles"].get("transactionId").is_none());
    assert_eq!(
        schedule["chargingSchedulePeriod"],
        json!([
            { "startPeriod": 0, "limit": 50000.0 },
            { "startPeriod": 3600, "limit": 49990.0 },
            { "startPeriod": 7200, "limit": 12345.0 },
            { "startPeriod": 9000, "limit": 0.0 },
            { "startPeriod": 14400, "limit": 25000.0 },
            { "startPeriod": 19800, "limit": 0.0 }
        ])
    );
    // Profile ids follow the session order over all chargers.
    let ids: Vec<i64> = payloads(&chargers)
        .iter()
        .map(|p| {
            p["csChargingProfiles"]["chargingProfileId"]
                .as_i64()
                .unwrap()
        })
        .collect();
    assert_eq!(ids, [1, 2, 4, 3]);
}

#[test]
fn single_phase_offset_and_ids_follow_the_options() {
    let (problem, schedule) = depot();
    let options = OcppOptions {
        utc_offset: FixedOffset::west_opt(5 * 3600).unwrap(),
        phases: 1,
        first_profile_id: 100,
        stack_level: 2,
        connector_id: 2,
        ..OcppOptions::default()
    };
    let chargers = charging_profiles(&problem, &schedule, &options);
    let ac6 = serde_json::to_value(&chargers[0].profiles[0].request).unwrap();
    assert_eq!(ac6["connectorId"], 2);
    let profile = &ac6["csChargingProfiles"];
    assert_eq!(profile["chargingProfileId"], 100);
    assert_eq!(profile["stackLevel"], 2);
    let schedule = &profile["chargingSchedule"];
    assert_eq!(schedule["startSchedule"], "2025-04-01T18:00:00-05:00");
    // Single-phase 200 V: 6 kW → 30 A, 3.3 kW → 16.5 A.
    let periods = schedule["chargingSchedulePeriod"].as_array().unwrap();
    let limits: Vec<f64> = periods
        .iter()
        .map(|p| p["limit"].as_f64().unwrap())
        .collect();
    assert_eq!(limits, [30.0, 16.5, 0.0, 30.0]);
    assert!(periods.iter().all(|p| p["numberPhases"] == 1));
}

#[test]
fn discharge_is_sent_as_zero_and_counted() {
    let validator = validator();
    let (problem, mut schedule) = depot();
    schedule.power_kw[2][5] = -20.0;
    schedule.power_kw[2][6] = -20.0;
    let chargers = charging_profiles(&problem, &schedule, &OcppOptions::default());
    let dc = &chargers[2].profiles[0];
    assert_eq!(dc.discharge_slots, 2);
    for payload in payloads(&chargers) {
        assert_valid(&validator, &payload);
        for period in payload["csChargingProfiles"]["chargingSchedule"]["chargingSchedulePeriod"]
            .as_array()
            .unwrap()
        {
            assert!(period["limit"].as_f64().unwrap() >= 0.0);
        }
    }
}

/// Random schedules (a fixed-seed generator): every payload validates, and the periods
/// reproduce the schedule to within one rounding step, never above it.
#[test]
fn random_schedules_validate_and_round_trip() {
    let validator = validator();
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let start = NaiveDate::from_ymd_opt(2025, 12, 31)
        .unwrap()
        .and_hms_opt(20, 0, 0)
        .unwrap();
    for round in 0..200 {
        let slots = 4 + (next() * 60.0) as usize;
        let slot_minutes = [15, 30, 60][round % 3];
        // One charger per session: sessions overlapping on one charger are refused.
        let chargers: Vec<Charger> = (0..5)
            .map(|i| charger(&format!("C{i}"), [7.0, 22.0, 90.0][i % 3]))
            .collect();
        let mut sessions = Vec::new();
        let mut power = Vec::new();
        for (i, charger) in chargers.iter().enumerate() {
            let first = (next() * (slots - 1) as f64) as usize;
            let end = first + 1 + (next() * (slots - first - 1) as f64) as usize;
            let max_kw = charger.max_kw;
            sessions.push(session(&format!("EV{i}"), i, first, end));
            power.push(
                (first..end)
                    .map(|_| match (next() * 4.0) as u32 {
                        0 => 0.0,
                        1 => max_kw,
                        _ => next() * max_kw,
                    })
                    .collect::<Vec<f64>>(),
            );
        }
        let problem = Problem {
            start,
            slot_minutes,
            base_kw: vec![0.0; slots],
            import_cap_kw: 500.0,
            ratchet_kw: 0.0,
            energy_price: vec![10.0; slots],
            demand_price_per_kw: 0.0,
            unmet_price_per_kwh: 0.0,
            chargers,
            sessions,
        };
        problem.validate().unwrap();
        let schedule = Schedule { power_kw: power };
        let options = OcppOptions {
            unit: RateUnit::Watts,
            ..OcppOptions::default()
        };
        for charger in charging_profiles(&problem, &schedule, &options) {
            for profile in &charger.profiles {
                let payload = serde_json::to_value(&profile.request).unwrap();
                assert_valid(&validator, &payload);
                let schedule_json = &payload["csChargingProfiles"]["chargingSchedule"];
                let periods = schedule_json["chargingSchedulePeriod"].as_array().unwrap();
                let powers = &schedule.power_kw[profile.session];
                let seconds = i64::from(slot_minutes) * 60;
                assert_eq!(
                    schedule_json["duration"].as_i64().unwrap(),
                    powers.len() as i64 * seconds
                );
                for (slot, kw) in powers.iter().enumerate() {
                    let at = slot as i64 * seconds;
                    let period = periods
                        .iter()
                        .rev()
                        .find(|p| p["startPeriod"].as_i64().unwrap() <= at)
                        .unwrap();
                    let limit = period["limit"].as_f64().unwrap();
                    let watts = kw * 1000.0;
                    assert!(limit <= watts + 1e-6 && limit > watts - 0.1 - 1e-6);
                }
                // Merged: no two neighbouring periods share a limit.
                for pair in periods.windows(2) {
                    assert_ne!(pair[0]["limit"], pair[1]["limit"]);
                }
            }
        }
    }
}

/// A change that makes a payload invalid.
type Breakage = Box<dyn Fn(&mut Value)>;

#[test]
fn broken_payloads_fail_the_schema() {
    let validator = validator();
    let (problem, schedule) = depot();
    let chargers = charging_profiles(&problem, &schedule, &OcppOptions::default());
    let good = serde_json::to_value(&chargers[1].profiles[0].request).unwrap();
    assert_valid(&validator, &good);
    let breakages: Vec<(&str, Breakage)> = vec![
        (
            "unit kW",
            Box::new(|p: &mut Value| {
                p["csChargingProfiles"]["chargingSchedule"]["chargingRateUnit"] = json!("kW")
            }),
        ),
        (
            "purpose",
            Box::new(|p: &mut Value| {
                p["csChargingProfiles"]["chargingProfilePurpose"] = json!("TxProfiles")
            }),
        ),
        (
            "limit with two decimals",
            Box::new(|p: &mut Value| {
                p["csChargingProfiles"]["chargingSchedule"]["chargingSchedulePeriod"][0]["limit"] =
                    json!(63.55)
            }),
        ),
        (
            "limit as text",
            Box::new(|p: &mut Value| {
                p["csChargingProfiles"]["chargingSchedule"]["chargingSchedulePeriod"][0]["limit"] =
                    json!("63.5")
            }),
        ),
        (
            "missing stack level",
            Box::new(|p: &mut Value| {
                p["csChargingProfiles"]
                    .as_object_mut()
                    .unwrap()
                    .remove("stackLevel");
            }),
        ),
        (
            "unknown field",
            Box::new(|p: &mut Value| {
                p["csChargingProfiles"]["chargingSchedule"]["unit"] = json!("A")
            }),
        ),
        (
            "start not a date-time",
            Box::new(|p: &mut Value| {
                p["csChargingProfiles"]["chargingSchedule"]["startSchedule"] =
                    json!("2025-04-01 17:00")
            }),
        ),
        (
            "fractional duration",
            Box::new(|p: &mut Value| {
                p["csChargingProfiles"]["chargingSchedule"]["duration"] = json!(7200.5)
            }),
        ),
    ];
    for (what, breakage) in breakages {
        let mut broken = good.clone();
        breakage(&mut broken);
        assert!(!validator.is_valid(&broken), "{what} passed the schema");
    }
}

// ---------------------------------------------------------------------------------------
// Files
// ---------------------------------------------------------------------------------------

/// A fresh folder under the system's temporary folder, removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        let path =
            std::env::temp_dir().join(format!("voltlex-ocpp-test-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        Scratch(path)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn files_hold_valid_payloads_per_charger() {
    let validator = validator();
    let scratch = Scratch::new("files");
    let dir = scratch.0.join("ocpp"); // created by write_profiles
    let (problem, schedule) = depot();
    let chargers = charging_profiles(&problem, &schedule, &OcppOptions::default());
    let written = write_profiles(&dir, &chargers).unwrap();
    let names: Vec<String> = written
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["AC-6.json", "AC-22.json", "DC-50.json"]);
    let ac22: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("AC-22.json")).unwrap()).unwrap();
    let ac22 = ac22.as_array().unwrap();
    assert_eq!(ac22.len(), 2);
    for payload in ac22 {
        assert_valid(&validator, payload);
    }
    // No temporary files left behind.
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 3);
}

#[test]
fn existing_files_are_never_overwritten_and_nothing_is_half_written() {
    let scratch = Scratch::new("exists");
    let dir = &scratch.0;
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("DC-50.json"), "mine").unwrap();
    let (problem, schedule) = depot();
    let chargers = charging_profiles(&problem, &schedule, &OcppOptions::default());
    let error = write_profiles(dir, &chargers).unwrap_err();
    assert!(matches!(error, OcppError::Exists(ref path) if path.ends_with("DC-50.json")));
    assert!(error.to_string().contains("already exists"), "{error}");
    assert_eq!(
        std::fs::read_to_string(dir.join("DC-50.json")).unwrap(),
        "mine"
    );
    // The other chargers' files were not written either.
    assert_eq!(std::fs::read_dir(dir).unwrap().count(), 1);
}

#[test]
fn charger_ids_become_safe_distinct_file_names() {
    assert_eq!(file_name("AC-1").unwrap(), "AC-1.json");
    assert_eq!(file_name("../etc/passwd").unwrap(), ".._etc_passwd.json");
    assert_eq!(file_name("充電器1").unwrap(), "___1.json");
    for bad in ["", ".", ".."] {
        assert!(matches!(file_name(bad), Err(OcppError::BadChargerId(_))));
    }
    let scratch = Scratch::new("names");
    let same = |id: &str| ChargerProfiles {
        charger_id: id.into(),
        profiles: vec![],
    };
    let error = write_profiles(&scratch.0, &[same("A 1"), same("A/1")]).unwrap_err();
    assert!(matches!(error, OcppError::SameFile { .. }), "{error}");
    let error = write_profiles(&scratch.0, &[same("ac"), same("AC")]).unwrap_err();
    assert!(matches!(error, OcppError::SameFile { .. }), "{error}");
    assert!(!scratch.0.exists(), "nothing is created on a bad id");
}
