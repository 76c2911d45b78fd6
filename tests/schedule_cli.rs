//! End-to-end tests of `voltlex schedule` on the example depot (workbooks/examples/fleet).

// Test code: a failed expectation should panic.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::{root, stderr, stdout, tempdir, voltlex};

const SCENARIO: &str = "workbooks/examples/fleet/depot-night.json";

#[test]
fn the_example_depot_compares_every_strategy_and_avoids_the_trap() {
    let output = voltlex(&["schedule", "--scenario", SCENARIO, "--format", "json"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let report: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    let strategies = report["strategies"].as_array().unwrap();
    let names: Vec<&str> = strategies
        .iter()
        .map(|s| s["strategy"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "uncontrolled",
            "balance-equal",
            "balance-proportional",
            "rotation",
            "priority",
            "optimal"
        ]
    );
    let by_name = |name: &str| strategies.iter().find(|s| s["strategy"] == name).unwrap();
    let contract = report["contract_kw"].as_f64().unwrap();
    let uncontrolled = by_name("uncontrolled");
    let optimal = by_name("optimal");
    // The trap: uncontrolled charging sets a new peak above the contract demand …
    assert!(uncontrolled["peak_kw"].as_f64().unwrap() > contract + 50.0);
    // … the optimum stays under it, meets every departure, and costs no more than any other.
    assert!(optimal["peak_kw"].as_f64().unwrap() <= contract + 1e-6);
    assert!(optimal["unmet_kwh"].as_f64().unwrap() < 1e-9);
    assert!(optimal["violations"].as_array().unwrap().is_empty());
    for strategy in strategies {
        assert!(
            strategy["objective"].as_f64().unwrap()
                >= optimal["objective"].as_f64().unwrap() - 1e-6,
            "{strategy}"
        );
    }
    // The bills (billing engine) of the optimum are lower than uncontrolled charging's, and
    // the ratchet carry-over is the contract change × the demand price × 11 months.
    let bill = &optimal["bill"];
    let delta: f64 = bill["delta"].as_str().unwrap().parse().unwrap();
    assert!(delta < 0.0, "{bill}");
    let uncontrolled_contract = uncontrolled["bill"]["contract_kw"].as_f64().unwrap();
    let expected = (bill["contract_kw"].as_f64().unwrap() - uncontrolled_contract)
        * report["demand_price_per_kw_month"].as_f64().unwrap()
        * 11.0;
    assert!((bill["ratchet_carry_over"].as_f64().unwrap() - expected).abs() < 1e-6);
    // The detailed schedule is the optimal one; its sessions add up to the slot totals.
    let schedule = &report["schedule"];
    assert_eq!(schedule["strategy"], "optimal");
    let slots = schedule["slots"].as_array().unwrap();
    assert_eq!(slots.len(), 48);
    let mut fleet = vec![0.0; 48];
    for session in schedule["sessions"].as_array().unwrap() {
        let first = slots
            .iter()
            .position(|s| s["start"] == session["plugged_in"])
            .unwrap();
        for (k, kw) in session["power_kw"].as_array().unwrap().iter().enumerate() {
            fleet[first + k] += kw.as_f64().unwrap();
        }
    }
    for (slot, total) in slots.iter().zip(&fleet) {
        assert!((slot["fleet_kw"].as_f64().unwrap() - total).abs() < 1e-6);
    }
}

#[test]
fn table_csv_and_ocpp_profiles() {
    let output = voltlex(&["schedule", "--scenario", SCENARIO, "--strategy", "priority"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let table = stdout(&output);
    assert!(
        table.contains("priority schedule (Availability mode)"),
        "{table}"
    );
    assert!(table.contains("VAN-14"), "{table}");

    let dir = tempdir("schedule-cli");
    let csv_path = dir.join("schedule.csv");
    let ocpp = dir.join("ocpp");
    let output = voltlex(&[
        "schedule",
        "--scenario",
        SCENARIO,
        "--mode",
        "cost",
        "--format",
        "csv",
        "--output",
        csv_path.to_str().unwrap(),
        "--ocpp",
        ocpp.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let csv = std::fs::read_to_string(&csv_path).unwrap();
    let mut lines = csv.lines();
    let header = lines.next().unwrap();
    assert!(header.starts_with("start,base_kw,fleet_kw,site_kw,price_per_kwh,VAN-01,"));
    assert_eq!(lines.count(), 48);
    // One file per charger in use, each an array of SetChargingProfile requests.
    let files: Vec<_> = std::fs::read_dir(&ocpp).unwrap().collect();
    assert_eq!(files.len(), 40);
    let payloads: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(ocpp.join("DC-1.json")).unwrap()).unwrap();
    let profile = &payloads[0]["csChargingProfiles"];
    assert_eq!(profile["chargingProfilePurpose"], "TxProfile");
    assert_eq!(profile["chargingProfileKind"], "Absolute");
    // Never overwrite: a second run into the same folder fails and leaves the files alone.
    let before = std::fs::read_to_string(ocpp.join("DC-1.json")).unwrap();
    let output = voltlex(&[
        "schedule",
        "--scenario",
        SCENARIO,
        "--ocpp",
        ocpp.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("already exists"),
        "{}",
        stderr(&output)
    );
    assert_eq!(
        std::fs::read_to_string(ocpp.join("DC-1.json")).unwrap(),
        before
    );
}

#[test]
fn an_impossible_departure_is_named_with_its_reason() {
    let dir = tempdir("schedule-impossible");
    let scenario = serde_json::json!({
        "horizon": { "start": "2024-07-16 12:00", "end": "2024-07-17 06:00" },
        "site": {
            "load": root().join("workbooks/examples/fleet/site-2024-07-load.csv"),
            "import_cap_kw": 310,
            "energy_price_per_kwh": 25.0,
            "demand_price_per_kw_month": 1500.0,
            "ratchet_kw": 300.0
        },
        "chargers": [
            { "id": "AC-1", "max_kw": 6 },
            { "id": "DC-1", "max_kw": 50 }
        ],
        "vehicles": [
            { "id": "SHORT", "battery_kwh": 60, "max_ac_kw": 6,
              "stays": [{ "arrival": "2024-07-17 04:00", "departure": "2024-07-17 05:00",
                          "arrival_soc_pct": 10, "target_soc_pct": 90 }] },
            { "id": "BUSY", "battery_kwh": 100, "max_dc_kw": 50,
              "stays": [{ "arrival": "2024-07-16 13:00", "departure": "2024-07-16 15:00",
                          "arrival_soc_pct": 10, "target_soc_pct": 90 }] }
        ]
    });
    let path = dir.join("impossible.json");
    std::fs::write(&path, serde_json::to_string_pretty(&scenario).unwrap()).unwrap();
    let output = voltlex(&["schedule", "--scenario", path.to_str().unwrap()]);
    // Availability mode cannot keep its promise: exit 1, and say who and why.
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let table = stdout(&output);
    assert!(
        table.contains("cannot serve SHORT") && table.contains("window too short"),
        "{table}"
    );
    assert!(
        table.contains("cannot serve BUSY") && table.contains("cap too low"),
        "{table}"
    );
}

#[test]
fn vehicles_and_chargers_can_be_named_by_catalogue_model() {
    let dir = tempdir("schedule-models");
    let scenario = |vehicle_model: &str| {
        serde_json::json!({
            "horizon": { "start": "2024-07-16 12:00", "end": "2024-07-17 12:00" },
            "site": {
                "load": root().join("workbooks/examples/fleet/site-2024-07-load.csv"),
                "import_cap_kw": 600,
                "energy_price_per_kwh": 25.0,
                "demand_price_per_kw_month": 1500.0,
                "ratchet_kw": 300.0
            },
            "chargers": [ { "id": "WALL-1", "model": "AC wall box 6 kW" } ],
            "vehicles": [
                { "id": "VAN-1", "model": vehicle_model,
                  "stays": [{ "arrival": "2024-07-16 18:00", "departure": "2024-07-17 08:00",
                              "arrival_soc_pct": 50, "target_soc_pct": 90 }] }
            ]
        })
    };
    let path = dir.join("models.json");
    std::fs::write(
        &path,
        serde_json::to_string_pretty(&scenario("mitsubishi minicab ev")).unwrap(),
    )
    .unwrap();
    let output = voltlex(&[
        "schedule",
        "--scenario",
        path.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let report: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    // The Minicab's 20 kWh from the catalogue: 50 % → 90 % is 8 kWh at the battery.
    let text = report.to_string();
    assert!(text.contains("VAN-1"), "{text}");
    let problem = voltlex::scenario::read(&path).unwrap();
    let session = &problem.fleet.problem.sessions[0];
    assert_eq!(session.battery_kwh, 20.0);
    assert!((session.energy_kwh - 8.0).abs() < 1e-9);
    assert_eq!(problem.fleet.problem.chargers[0].max_kw, 6.0);

    std::fs::write(
        &path,
        serde_json::to_string_pretty(&scenario("Minicab")).unwrap(),
    )
    .unwrap();
    let output = voltlex(&["schedule", "--scenario", path.to_str().unwrap()]);
    assert!(!output.status.success());
    let message = stderr(&output);
    assert!(
        message.contains("vehicle VAN-1: model") && message.contains("Mitsubishi Minicab EV"),
        "{message}"
    );
}

#[test]
fn a_broken_scenario_is_reported_with_file_line_and_column() {
    let dir = tempdir("schedule-broken");
    let path = dir.join("broken.json");
    std::fs::write(
        &path,
        "{\n  \"horizon\": { \"start\": \"2024-07-16 12:00\", \"end\": \"2024-07-17 12:00\" },\n  \"site\": { \"load\": \"x.csv\", \"import_cap_kw\": \"lots\" }\n}\n",
    )
    .unwrap();
    let output = voltlex(&["schedule", "--scenario", path.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    assert!(message.contains("broken.json:3:"), "{message}");
    assert!(message.contains("expected f64"), "{message}");

    let output = voltlex(&["schedule", "--scenario", SCENARIO, "--strategy", "fastest"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("unknown strategy \"fastest\": expected one of uncontrolled"));
}
