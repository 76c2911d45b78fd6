#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! The fleet readers (`chargers.csv`, `vehicles.csv`): good files, and every message verbatim.

use chrono::NaiveDateTime;
use std::path::PathBuf;

use voltlex_engine::read::{
    chargers_csv, chargers_csv_from_reader, vehicles_csv, vehicles_csv_from_reader,
};
use voltlex_engine::schedule::fleet::{FleetCharger, FleetVehicle, Stay};

fn at(text: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").unwrap()
}

fn temp_file(name: &str, bytes: &[u8]) -> PathBuf {
    let path =
        std::env::temp_dir().join(format!("voltlex-fleet-test-{}-{name}", std::process::id()));
    std::fs::write(&path, bytes).unwrap();
    path
}

fn chargers_error(csv: &str) -> String {
    chargers_csv_from_reader("chargers.csv", csv.as_bytes())
        .unwrap_err()
        .to_string()
}

fn vehicles_error(csv: &str) -> String {
    vehicles_csv_from_reader("vehicles.csv", csv.as_bytes())
        .unwrap_err()
        .to_string()
}

const VEHICLE_HEADER: &str = "id,battery_kwh,arrival,departure,arrival_soc_pct,target_soc_pct";

// ---------------------------------------------------------------------------------------------
// Good files

#[test]
fn reads_a_chargers_file_with_defaults_comments_and_any_column_order() {
    let csv = "# depot A, as installed 2024-03\n\
               Vehicles,ID,V2G,Max_kW,dc,efficiency\n\
               \"V1 V2;V3\",AC-1,yes,7.4,,93%\n\
               ,AC-2,,22,,\n\
               \n\
               ,DC-1,FALSE,50,,0.95\n\
               \"V1,V2\",DC-2,1,30,no,1\n\
               ,AC-3,0,350,TRUE,100%\n";
    let chargers = chargers_csv_from_reader("chargers.csv", csv.as_bytes()).unwrap();
    let charger = |id: &str, max_kw, efficiency, v2g, dc, vehicles: &[&str]| FleetCharger {
        id: id.into(),
        max_kw,
        efficiency,
        v2g,
        dc,
        vehicles: vehicles.iter().map(|v| v.to_string()).collect(),
    };
    assert_eq!(
        chargers,
        vec![
            charger("AC-1", 7.4, 0.93, true, false, &["V1", "V2", "V3"]),
            // 22 kW is not above 22: AC by default.
            charger("AC-2", 22.0, 0.92, false, false, &[]),
            charger("DC-1", 50.0, 0.95, false, true, &[]),
            // An explicit dc wins over the power.
            charger("DC-2", 30.0, 1.0, true, false, &["V1", "V2"]),
            charger("AC-3", 350.0, 1.0, false, true, &[]),
        ]
    );
}

#[test]
fn reads_a_chargers_file_from_a_path_with_only_the_required_columns() {
    let path = temp_file("chargers.csv", b"id,max_kw\r\nAC-1,11\r\nDC-1,150\r\n");
    let chargers = chargers_csv(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    assert_eq!(chargers.len(), 2);
    assert_eq!(
        (chargers[0].dc, chargers[0].v2g, chargers[0].efficiency),
        (false, false, 0.92)
    );
    assert!(chargers[1].dc);
    assert!(chargers[1].vehicles.is_empty());
}

#[test]
fn reads_a_vehicles_file_one_row_per_stay() {
    let csv = "# night shift and a booked trip\n\
               ID,Battery_kWh,chemistry,max_ac_kw,max_dc_kw,priority,charger,arrival,departure,arrival_soc_pct,target_soc_pct,target_kwh,reserved_soc_pct\n\
               V1,60,LFP,7.4,,2,,2024-04-15 18:00,2024-04-16 07:00,25,90,,50\n\
               V2,80.0,,,,,DC-1,2024-04-15T19:30,2024-04-16T06:00,40%,,70,\n\
               V1,60.0,LFP,7.40,50,2,,2024/4/16 19:00,2024/4/17 6:30,30,80%,,\n\
               ,,,,,,,,,,,,\n\
               V1,60,LFP,7.4,,2,,2024-04-17 07:00,2024-04-17 12:00,75,,60,100\n";
    let vehicles = vehicles_csv_from_reader("vehicles.csv", csv.as_bytes()).unwrap();
    let stay = |arrival, departure, arrival_kwh, target_kwh, reserved_kwh| Stay {
        arrival: at(arrival),
        departure: at(departure),
        arrival_kwh,
        target_kwh,
        reserved_kwh,
    };
    assert_eq!(
        vehicles,
        vec![
            FleetVehicle {
                id: "V1".into(),
                battery_kwh: 60.0,
                chemistry: "LFP".into(),
                max_ac_kw: 7.4,
                max_dc_kw: 50.0,
                priority: 2,
                charger: None,
                stays: vec![
                    stay("2024-04-15 18:00", "2024-04-16 07:00", 15.0, 54.0, 30.0),
                    stay("2024-04-16 19:00", "2024-04-17 06:30", 18.0, 48.0, 0.0),
                    // Arriving the minute the previous stay departs is allowed.
                    stay("2024-04-17 07:00", "2024-04-17 12:00", 45.0, 60.0, 60.0),
                ],
            },
            FleetVehicle {
                id: "V2".into(),
                battery_kwh: 80.0,
                chemistry: "NMC".into(),
                max_ac_kw: 11.0,
                max_dc_kw: 50.0,
                priority: 0,
                charger: Some("DC-1".into()),
                stays: vec![stay(
                    "2024-04-15 19:30",
                    "2024-04-16 06:00",
                    32.0,
                    70.0,
                    0.0
                )],
            },
        ]
    );
}

#[test]
fn reads_a_vehicles_file_from_a_path_with_only_target_kwh() {
    let path = temp_file(
        "vehicles.csv",
        b"\xEF\xBB\xBFarrival,departure,id,battery_kwh,arrival_soc_pct,target_kwh\n\
          2024-04-15 18:00,2024-04-16 07:00,Bus 7,300,10,240\n",
    );
    let vehicles = vehicles_csv(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    assert_eq!(vehicles.len(), 1);
    assert_eq!(vehicles[0].id, "Bus 7");
    assert_eq!(vehicles[0].stays[0].arrival_kwh, 30.0);
    assert_eq!(vehicles[0].stays[0].target_kwh, 240.0);
}

#[test]
fn reads_shift_jis_files() {
    let (chargers, _, unmappable) =
        encoding_rs::SHIFT_JIS.encode("id,max_kw,vehicles\n急速1,50,バス1 バス2\n");
    assert!(!unmappable);
    let chargers = chargers_csv_from_reader("充電器.csv", &chargers[..]).unwrap();
    assert_eq!(chargers[0].id, "急速1");
    assert_eq!(chargers[0].vehicles, ["バス1", "バス2"]);

    let text = format!(
        "{VEHICLE_HEADER},chemistry\n\
         バス1,300,2024-04-15 18:00,2024-04-16 07:00,20,90,リン酸鉄\n\
         バス1,300,2024-04-16 18:00,2024-04-17 07:00,20,九十,リン酸鉄\n"
    );
    let (bytes, _, unmappable) = encoding_rs::SHIFT_JIS.encode(&text);
    assert!(!unmappable);
    assert!(std::str::from_utf8(&bytes).is_err(), "really Shift-JIS");
    let path = temp_file("vehicles-sjis.csv", &bytes);
    let error = vehicles_csv(&path).unwrap_err().to_string();
    std::fs::remove_file(&path).unwrap();
    assert_eq!(
        error,
        format!(
            "{}:3: column \"target_soc_pct\": expected a state of charge in percent, 0 to 100 \
             (e.g. 35 or 35%), found \"九十\"",
            path.display()
        )
    );

    let good = text.replace("九十", "90");
    let (bytes, _, _) = encoding_rs::SHIFT_JIS.encode(&good);
    let vehicles = vehicles_csv_from_reader("車両.csv", &bytes[..]).unwrap();
    assert_eq!(vehicles[0].chemistry, "リン酸鉄");
    assert_eq!(vehicles[0].stays.len(), 2);
}

// ---------------------------------------------------------------------------------------------
// Chargers: every message

#[test]
fn charger_layout_errors() {
    assert_eq!(
        chargers_error("id,efficiency\nAC-1,0.9\n"),
        "chargers.csv:1: expected a column named \"max_kw\", found columns \"id\", \"efficiency\""
    );
    assert_eq!(
        chargers_error("id,max_kw,v2g_capable\nAC-1,11,yes\n"),
        "chargers.csv:1: expected only the columns id, model, max_kw, efficiency, v2g, dc, vehicles, \
         found \"v2g_capable\" (did you mean \"v2g\"?)"
    );
    assert_eq!(
        chargers_error("id,max_kw,site\nAC-1,11,north\n"),
        "chargers.csv:1: expected only the columns id, model, max_kw, efficiency, v2g, dc, vehicles, \
         found \"site\""
    );
    assert_eq!(
        chargers_error("id,max_kw,efficency\nAC-1,11,0.9\n"),
        "chargers.csv:1: expected only the columns id, model, max_kw, efficiency, v2g, dc, vehicles, \
         found \"efficency\" (did you mean \"efficiency\"?)"
    );
    assert_eq!(
        chargers_error("id,max_kw,dc,DC\nAC-1,11,no,no\n"),
        "chargers.csv:1: expected at most one column named \"dc\", found columns \"id\", \
         \"max_kw\", \"dc\", \"DC\""
    );
    assert_eq!(
        chargers_error("# no chargers yet\nid,max_kw\n"),
        "chargers.csv:2: expected at least one charger row after the header, found none"
    );
    assert_eq!(
        chargers_error(""),
        "chargers.csv:1: expected a header row, found an empty file"
    );
    // An unquoted list with commas spills into cells without a header.
    assert_eq!(
        chargers_error("id,max_kw,vehicles\nAC-1,11,V1,V2\n"),
        "chargers.csv:2: expected at most 3 cells, one per column of the header (quote a cell \
         holding a comma), found 4 cells, \"V2\" in none"
    );
    // A trailing comma everywhere is harmless; an unnamed column with values is not.
    assert_eq!(
        chargers_csv_from_reader("c.csv", "id,max_kw,\nAC-1,11,\n".as_bytes())
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        chargers_error("id,max_kw,\nAC-1,11,x\n"),
        "chargers.csv:1: expected a header for column 3 (it holds values), found columns \
         \"id\", \"max_kw\", \"\""
    );
}

#[test]
fn charger_value_errors() {
    assert_eq!(
        chargers_error("id,max_kw\nAC-1,11\nAC-2,11\nAC-1,22\n"),
        "chargers.csv:4: column \"id\": expected an id no other charger has (line 2 is already \
         \"AC-1\"), found \"AC-1\""
    );
    assert_eq!(
        chargers_error("id,max_kw\n,11\n"),
        "chargers.csv:2: column \"id\": expected a charger id, found an empty cell"
    );
    assert_eq!(
        chargers_error("id,Max_kW\nAC-1,\"7,4\"\n"),
        "chargers.csv:2: column \"Max_kW\": expected a charger power in kW, 0 < kW ≤ 350 \
         (decimal point, e.g. 7.4), found \"7,4\""
    );
    for bad in ["0", "400", "-7", "NaN", "inf", ""] {
        assert_eq!(
            chargers_error(&format!("id,max_kw\nAC-1,{bad}\n")),
            format!(
                "chargers.csv:2: column \"max_kw\": expected a charger power in kW, 0 < kW ≤ 350 \
                 (decimal point, e.g. 7.4), found {}",
                if bad.is_empty() {
                    "an empty cell".to_string()
                } else {
                    format!("{bad:?}")
                }
            )
        );
    }
    for bad in ["93", "0", "0%", "101%", "ninety"] {
        assert_eq!(
            chargers_error(&format!("id,max_kw,efficiency\nAC-1,11,{bad}\n")),
            format!(
                "chargers.csv:2: column \"efficiency\": expected an efficiency 0 < η ≤ 1 or a \
                 percentage with its sign (e.g. 0.93 or 93%), found {bad:?}"
            )
        );
    }
    assert_eq!(
        chargers_error("id,max_kw,v2g\nAC-1,11,maybe\n"),
        "chargers.csv:2: column \"v2g\": expected true or false (or yes/no, 1/0), or an empty \
         cell for the default, found \"maybe\""
    );
    assert_eq!(
        chargers_error("id,max_kw,dc\nAC-1,11,y\n"),
        "chargers.csv:2: column \"dc\": expected true or false (or yes/no, 1/0), or an empty \
         cell for the default, found \"y\""
    );
}

// ---------------------------------------------------------------------------------------------
// Vehicles: every message

#[test]
fn vehicle_layout_errors() {
    assert_eq!(
        vehicles_error("id,arrival,departure,arrival_soc_pct,target_soc_pct\n"),
        "vehicles.csv:1: expected a column named \"battery_kwh\", found columns \"id\", \
         \"arrival\", \"departure\", \"arrival_soc_pct\", \"target_soc_pct\""
    );
    assert_eq!(
        vehicles_error(
            "id,battery_kwh,arrival,departure,arrival_soc_pct\n\
             V1,60,2024-04-15 18:00,2024-04-16 07:00,25\n"
        ),
        "vehicles.csv:1: expected a column named \"target_soc_pct\" or \"target_kwh\", found \
         columns \"id\", \"battery_kwh\", \"arrival\", \"departure\", \"arrival_soc_pct\""
    );
    assert_eq!(
        vehicles_error(&format!(
            "{VEHICLE_HEADER},reserved_soc\nV1,60,2024-04-15 18:00,2024-04-16 07:00,25,90,50\n"
        )),
        "vehicles.csv:1: expected only the columns id, model, battery_kwh, chemistry, max_ac_kw, \
         max_dc_kw, priority, charger, arrival, departure, arrival_soc_pct, target_soc_pct, \
         target_kwh, reserved_soc_pct, found \"reserved_soc\" (did you mean \"reserved_soc_pct\"?)"
    );
    assert_eq!(
        vehicles_error(
            "id,battery_kwh,arival,departure,arrival_soc_pct,target_soc_pct\n\
             V1,60,2024-04-15 18:00,2024-04-16 07:00,25,90\n"
        ),
        "vehicles.csv:1: expected only the columns id, model, battery_kwh, chemistry, max_ac_kw, \
         max_dc_kw, priority, charger, arrival, departure, arrival_soc_pct, target_soc_pct, \
         target_kwh, reserved_soc_pct, found \"arival\" (did you mean \"arrival\"?)"
    );
    assert_eq!(
        vehicles_error(&format!("{VEHICLE_HEADER}\n\n")),
        "vehicles.csv:1: expected at least one stay row after the header, found none"
    );
}

#[test]
fn vehicle_value_errors() {
    let row = |cells: &str| vehicles_error(&format!("{VEHICLE_HEADER}\n{cells}\n"));
    assert_eq!(
        row(",60,2024-04-15 18:00,2024-04-16 07:00,25,90"),
        "vehicles.csv:2: column \"id\": expected a vehicle id, found an empty cell"
    );
    assert_eq!(
        row("V1,\"60,5\",2024-04-15 18:00,2024-04-16 07:00,25,90"),
        "vehicles.csv:2: column \"battery_kwh\": expected a battery capacity in kWh, > 0 \
         (decimal point, e.g. 60), found \"60,5\""
    );
    assert_eq!(
        row("V1,0,2024-04-15 18:00,2024-04-16 07:00,25,90"),
        "vehicles.csv:2: column \"battery_kwh\": expected a battery capacity in kWh, > 0 \
         (decimal point, e.g. 60), found \"0\""
    );
    assert_eq!(
        row("V1,60,15.4.2024 18:00,2024-04-16 07:00,25,90"),
        "vehicles.csv:2: column \"arrival\": expected a time as YYYY-MM-DD HH:MM[:SS], \
         YYYY-MM-DDTHH:MM[:SS] or YYYY/M/D H:MM[:SS], found \"15.4.2024 18:00\""
    );
    assert_eq!(
        row("V1,60,2024-04-15 18:00,2024-04-15 18:00,25,90"),
        "vehicles.csv:2: column \"departure\": expected a time after the arrival \
         (2024-04-15 18:00), found \"2024-04-15 18:00\""
    );
    assert_eq!(
        row("V1,60,2024-04-15 18:00,2024-04-15 07:00,25,90"),
        "vehicles.csv:2: column \"departure\": expected a time after the arrival \
         (2024-04-15 18:00), found \"2024-04-15 07:00\""
    );
    for (cells, column, found) in [
        ("135,90", "arrival_soc_pct", "\"135\""),
        ("-5,90", "arrival_soc_pct", "\"-5\""),
        (",90", "arrival_soc_pct", "an empty cell"),
        ("25,100.5%", "target_soc_pct", "\"100.5%\""),
    ] {
        assert_eq!(
            row(&format!("V1,60,2024-04-15 18:00,2024-04-16 07:00,{cells}")),
            format!(
                "vehicles.csv:2: column \"{column}\": expected a state of charge in percent, \
                 0 to 100 (e.g. 35 or 35%), found {found}"
            )
        );
    }
    assert_eq!(
        row("V1,60,2024-04-15 18:00,2024-04-16 07:00,25,"),
        "vehicles.csv:2: column \"target_soc_pct\": expected a target: a state of charge in \
         target_soc_pct or an energy in target_kwh, found an empty cell"
    );
}

#[test]
fn vehicle_target_and_optional_column_errors() {
    let header = "id,battery_kwh,max_ac_kw,max_dc_kw,priority,arrival,departure,\
                  arrival_soc_pct,target_soc_pct,target_kwh,reserved_soc_pct";
    let row = |cells: &str| vehicles_error(&format!("{header}\n{cells}\n"));
    let stay = "2024-04-15 18:00,2024-04-16 07:00";
    assert_eq!(
        row(&format!("V1,60,,,,{stay},25,90,54,")),
        "vehicles.csv:2: column \"target_kwh\": expected an empty cell when target_soc_pct is \
         given (one target per stay), found \"54\""
    );
    assert_eq!(
        row(&format!("V1,60,,,,{stay},25,,,")),
        "vehicles.csv:2: column \"target_soc_pct\": expected a target: a state of charge in \
         target_soc_pct or an energy in target_kwh, found an empty cell"
    );
    assert_eq!(
        row(&format!("V1,62.5,,,,{stay},25,,70,")),
        "vehicles.csv:2: column \"target_kwh\": expected a target energy in kWh, \
         0 ≤ kWh ≤ 62.5 (the battery capacity), found \"70\""
    );
    assert_eq!(
        row(&format!("V1,60,,,,{stay},25,90,,101")),
        "vehicles.csv:2: column \"reserved_soc_pct\": expected a state of charge in percent, \
         0 to 100 (e.g. 35 or 35%), found \"101\""
    );
    assert_eq!(
        row(&format!("V1,60,-7.4,,,{stay},25,90,,")),
        "vehicles.csv:2: column \"max_ac_kw\": expected an AC charging limit in kW, ≥ 0 \
         (e.g. 7.4), or an empty cell for 11, found \"-7.4\""
    );
    assert_eq!(
        row(&format!("V1,60,,fast,,{stay},25,90,,")),
        "vehicles.csv:2: column \"max_dc_kw\": expected a DC charging limit in kW, ≥ 0 \
         (e.g. 90), or an empty cell for 50, found \"fast\""
    );
    assert_eq!(
        row(&format!("V1,60,,,-1,{stay},25,90,,")),
        "vehicles.csv:2: column \"priority\": expected a priority, a whole number ≥ 0 (higher \
         first), or an empty cell for 0, found \"-1\""
    );
    // With only `target_kwh` in the header, a missing target is reported there.
    assert_eq!(
        vehicles_error(
            "id,battery_kwh,arrival,departure,arrival_soc_pct,target_kwh\n\
             V1,60,2024-04-15 18:00,2024-04-16 07:00,25,\n"
        ),
        "vehicles.csv:2: column \"target_kwh\": expected a target: a state of charge in \
         target_soc_pct or an energy in target_kwh, found an empty cell"
    );
}

#[test]
fn rows_of_one_vehicle_must_agree() {
    let header = "id,battery_kwh,chemistry,max_ac_kw,charger,arrival,departure,arrival_soc_pct,target_soc_pct";
    let two = |first: &str, second: &str| {
        vehicles_error(&format!(
            "{header}\n\
             {first},2024-04-15 18:00,2024-04-16 07:00,25,90\n\
             V9,50,,,,2024-04-15 18:00,2024-04-16 07:00,25,90\n\
             {second},2024-04-16 18:00,2024-04-17 07:00,25,90\n"
        ))
    };
    assert_eq!(
        two("V1,60,LFP,7.4,", "V1,64,LFP,7.4,"),
        "vehicles.csv:4: column \"battery_kwh\": expected the same as on line 2 for vehicle \
         \"V1\" (\"60\"), found \"64\""
    );
    assert_eq!(
        two("V1,60,LFP,7.4,", "V1,60,NMC,7.4,"),
        "vehicles.csv:4: column \"chemistry\": expected the same as on line 2 for vehicle \
         \"V1\" (\"LFP\"), found \"NMC\""
    );
    // The default on the first row (empty = 11) against a written 7.4.
    assert_eq!(
        two("V1,60,LFP,,", "V1,60,LFP,7.4,"),
        "vehicles.csv:4: column \"max_ac_kw\": expected the same as on line 2 for vehicle \
         \"V1\" (an empty cell), found \"7.4\""
    );
    assert_eq!(
        two("V1,60,LFP,7.4,AC-1", "V1,60,LFP,7.4,"),
        "vehicles.csv:4: column \"charger\": expected the same as on line 2 for vehicle \
         \"V1\" (\"AC-1\"), found an empty cell"
    );
    // Values that agree once read: 60 = 60.0, an empty cell = the written default.
    let vehicles = vehicles_csv_from_reader(
        "vehicles.csv",
        format!(
            "{header}\n\
             V1,60,,,,2024-04-15 18:00,2024-04-16 07:00,25,90\n\
             V1,60.0,NMC,11,,2024-04-16 18:00,2024-04-17 07:00,25,90\n"
        )
        .as_bytes(),
    )
    .unwrap();
    assert_eq!(vehicles[0].stays.len(), 2);
}

#[test]
fn stays_of_one_vehicle_must_not_overlap() {
    let csv = format!(
        "{VEHICLE_HEADER}\n\
         V1,60,2024-04-16 18:00,2024-04-17 07:00,25,90\n\
         V2,60,2024-04-15 18:00,2024-04-16 07:00,25,90\n\
         V1,60,2024-04-15 18:00,2024-04-16 19:00,25,90\n"
    );
    assert_eq!(
        vehicles_error(&csv),
        "vehicles.csv:2: column \"arrival\": expected a time at or after 2024-04-16 19:00, \
         when the stay of vehicle \"V1\" on line 4 departs, found \"2024-04-16 18:00\""
    );
}
