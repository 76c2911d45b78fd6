//! The input workbook: the template read back empty (the Quick defaults), the example copy
//! read back as the example study, a filled round trip, a corpus of broken workbooks each
//! giving its `Sheet!Cell` message, and LibreOffice opening the template and the example.

// Test code: a failed expectation should panic.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::{run_with_limit, soffice_installed};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use chrono::NaiveDate;
use rust_xlsxwriter::{ExcelDateTime, Format, IntoExcelData, Workbook};
use serde_json::{json, Value};
use voltlex_engine::tco::catalogue::Catalogue;
use voltlex_excel::input::{
    read_input, read_input_bytes, template_workbook, write_template, ExampleValues, InputErrors,
    StudyInput, TemplateOptions,
};
use voltlex_excel::ExcelError;

const BASIC: &str = "TEPCO EP High-Voltage Basic Plan";
const MARKET_LINKED: &str = "TEPCO EP High-Voltage Market-Linked Plan";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The lists as the CLI offers them: the built-in catalogue and two TEPCO plans.
fn options() -> TemplateOptions {
    let catalogue = Catalogue::builtin().unwrap();
    TemplateOptions {
        tariffs: vec![
            ("tariff-rules/jp-tepco-hv".into(), BASIC.into()),
            ("tariff-rules/jp-tepco-hv".into(), MARKET_LINKED.into()),
        ],
        vehicle_models: catalogue.vehicles.iter().map(|v| v.name.clone()).collect(),
        charger_models: catalogue.chargers.iter().map(|c| c.name.clone()).collect(),
        ice_models: catalogue.ice.iter().map(|i| i.name.clone()).collect(),
        subsidy_packages: vec!["tariff-rules/jp-subsidies".into()],
    }
}

fn blank() -> Workbook {
    template_workbook(&options(), None).unwrap()
}

fn example() -> Workbook {
    template_workbook(&options(), Some(&ExampleValues::kei_vans())).unwrap()
}

fn read(mut book: Workbook) -> Result<StudyInput, InputErrors> {
    read_input_bytes(&book.save_to_buffer().unwrap())
}

/// 0-based (row, column) of `D7`.
fn position(cell: &str) -> (u32, u16) {
    let letters: String = cell.chars().take_while(char::is_ascii_uppercase).collect();
    let digits = &cell[letters.len()..];
    let column = letters
        .chars()
        .fold(0u16, |n, c| n * 26 + (c as u16 - 'A' as u16 + 1))
        - 1;
    (digits.parse::<u32>().unwrap() - 1, column)
}

/// Writes `value` over a cell of the workbook (the later write wins).
fn set(book: &mut Workbook, sheet: &str, cell: &str, value: impl IntoExcelData) {
    let (row, column) = position(cell);
    book.worksheet_from_name(sheet)
        .unwrap()
        .write(row, column, value)
        .unwrap();
}

/// Empties a cell (a blank with a format: rust_xlsxwriter ignores an empty string).
fn clear(book: &mut Workbook, sheet: &str, cell: &str) {
    let (row, column) = position(cell);
    book.worksheet_from_name(sheet)
        .unwrap()
        .write_blank(row, column, &Format::new().set_italic())
        .unwrap();
}

fn messages(result: Result<StudyInput, InputErrors>) -> Vec<String> {
    match result {
        Ok(input) => panic!("expected errors, read {}", input.study),
        Err(errors) => errors.0.iter().map(ToString::to_string).collect(),
    }
}

#[test]
fn the_empty_template_reads_as_the_quick_defaults() {
    let input = read(blank()).unwrap();
    assert_eq!(
        input.study,
        json!({
            "site": {
                "rules": "tariff-rules/jp-tepco-hv",
                "tariff": BASIC,
                "import_cap_kw": 600
            },
            "fleet": { "vehicle": "Mitsubishi Minicab EV", "size": 20, "km_per_day": 60 },
            "chargers": { "model": "AC wall box 6 kW" },
            "finance": {
                "horizon_years": 10,
                "fuel_price_per_litre": 159,
                "battery_replacement_per_kwh": 30000
            }
        })
    );
    let defaults: Vec<(&str, &str)> = input
        .defaults_used
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    assert_eq!(
        defaults,
        [
            ("Tariff plan", BASIC),
            ("Site contract", "600 kW"),
            ("Vehicle model", "Mitsubishi Minicab EV"),
            ("Fleet size", "20 vehicles"),
            ("Distance per day", "60 km"),
            ("Charger model", "AC wall box 6 kW"),
            ("Horizon", "10 years"),
            ("Fuel price", "159 JPY/L"),
            ("Battery replacement", "30000 JPY/kWh"),
        ]
    );
    assert_eq!(input.site_load, None);
    assert_eq!(input.catalogue_overlay, None);
}

#[test]
fn quick_values_and_detailed_sheets_override_the_defaults() {
    let mut book = blank();
    set(&mut book, "Quick", "B4", 12);
    set(&mut book, "Quick", "B8", MARKET_LINKED);
    set(&mut book, "Quick", "B6", 45.5);
    // The Fleet sheet wins over Quick's fleet size.
    set(&mut book, "Fleet", "B4", 8);
    let input = read(book).unwrap();
    assert_eq!(input.study["fleet"]["size"], 8);
    assert_eq!(input.study["fleet"]["km_per_day"], 45.5);
    assert_eq!(input.study["site"]["tariff"], MARKET_LINKED);
    assert_eq!(input.study["site"]["rules"], "tariff-rules/jp-tepco-hv");
    let used: Vec<&str> = input
        .defaults_used
        .iter()
        .map(|(a, _)| a.as_str())
        .collect();
    assert!(!used.contains(&"Fleet size"), "{used:?}");
    assert!(!used.contains(&"Tariff plan"), "{used:?}");
    assert!(used.contains(&"Horizon"), "{used:?}");
}

/// Every key both files have is equal; paths compare by what follows `tariff-rules/` (the
/// JSON's paths are relative to its folder, the workbook's to the repository's root).
fn assert_overlap_equal(ours: &Value, theirs: &Value, path: &str) -> usize {
    match (ours, theirs) {
        (Value::Object(a), Value::Object(b)) => {
            let mut compared = 0;
            for (key, value) in a {
                if let Some(other) = b.get(key) {
                    compared += assert_overlap_equal(value, other, &format!("{path}.{key}"));
                }
            }
            compared
        }
        (Value::String(a), Value::String(b)) if b.contains("tariff-rules/") => {
            let tail = |s: &str| s[s.find("tariff-rules/").unwrap()..].to_string();
            assert_eq!(tail(a), tail(b), "{path}");
            1
        }
        _ => {
            assert_eq!(ours, theirs, "{path}");
            1
        }
    }
}

#[test]
fn the_example_copy_reads_as_the_example_study_and_names_the_site_files() {
    let mut example = ExampleValues::kei_vans();
    example.history = Some("../site-2024-history.csv".into());
    example.power_factor = Some("../site-2024-pf.csv".into());
    example.indices = Some("tepco-fuel-cost=../fuel-cost-tepco-hv.csv".into());
    let input = read(template_workbook(&options(), Some(&example)).unwrap()).unwrap();
    assert_eq!(input.study["site"]["history"], "../site-2024-history.csv");
    assert_eq!(input.study["site"]["power_factor"], "../site-2024-pf.csv");
    assert_eq!(
        input.study["site"]["indices"],
        json!({ "tepco-fuel-cost": "../fuel-cost-tepco-hv.csv" })
    );
}

#[test]
fn the_example_copy_reads_as_the_example_study() {
    let input = read(example()).unwrap();
    assert!(input.defaults_used.is_empty(), "{:?}", input.defaults_used);
    let file =
        std::fs::read_to_string(root().join("workbooks/examples/fleet/tco-kei-vans.json")).unwrap();
    let expected: Value = serde_json::from_str(&file).unwrap();
    let compared = assert_overlap_equal(&input.study, &expected, "");
    // Every key the workbook gives is in the example file, so each one was compared.
    fn leaves(value: &Value) -> usize {
        match value {
            Value::Object(map) => map.values().map(leaves).sum(),
            _ => 1,
        }
    }
    assert_eq!(compared, leaves(&input.study), "{}", input.study);
    assert_eq!(
        input.study,
        json!({
            "name": "Depot: 20 kei vans, petrol today vs electric",
            "site": {
                "rules": "tariff-rules/jp-tepco-hv",
                "tariff": BASIC,
                "import_cap_kw": 600,
                "demand_charge_months": 12
            },
            "fleet": {
                "vehicle": "Mitsubishi Minicab EV",
                "size": 20,
                "electric": 20,
                "departure": "08:30",
                "arrival": "17:30",
                "km_per_day": 60,
                "operating_days": "weekdays",
                "arrival_spread_minutes": 120,
                "target_soc_pct": 90
            },
            "chargers": { "model": "Nichicon EV Power Station VCG-663CN3" },
            "finance": {
                "horizon_years": 10,
                "discount_rate_pct": 5,
                "electricity_escalation_pct": 1,
                "fuel_escalation_pct": 1,
                "fuel_price_per_litre": 159,
                "battery_replacement_per_kwh": 30000,
                "financing": "cash"
            },
            "subsidies": { "rules": "tariff-rules/jp-subsidies", "date": "2025-06-02" },
            "goal_seek": {
                "targets": { "payback_years": 6 },
                "space": {
                    "electric": [5, 10, 15, 20],
                    "charger": ["AC wall box 6 kW", "Nichicon EV Power Station VCG-663CN3"],
                    "charging": ["uncontrolled", "optimal"]
                },
                "runner_ups": 3
            }
        })
    );
}

/// A template filled cell by cell (times and dates both as Excel values and as text, a
/// pasted load, loan financing, PV, storage, V2G, every goal list) reads back as written.
#[test]
fn a_filled_template_reads_back_as_written() {
    let mut book = blank();
    let time = |h, m| ExcelDateTime::from_hms(h, m, 0).unwrap();
    set(&mut book, "Scenario", "B4", "Filled depot");
    set(&mut book, "Scenario", "B5", "rules/own-package");
    set(&mut book, "Scenario", "B6", "Own Plan");
    set(&mut book, "Scenario", "B7", "every-day");
    set(&mut book, "Scenario", "B8", 450);
    set(&mut book, "Scenario", "B9", 6);
    set(&mut book, "Scenario", "B10", "98 %");
    set(&mut book, "Scenario", "B11", "history.csv");
    set(
        &mut book,
        "Scenario",
        "B12",
        "tepco-fuel-cost=fuel.csv; jepx-tokyo=spot.csv",
    );
    set(
        &mut book,
        "Scenario",
        "B13",
        ExcelDateTime::from_ymd(2024, 4, 1).unwrap(),
    );
    set(&mut book, "Fleet", "A4", "nissan sakura x");
    set(&mut book, "Fleet", "B4", 10);
    set(&mut book, "Fleet", "C4", 6);
    set(&mut book, "Fleet", "D4", 21.5);
    set(&mut book, "Fleet", "E4", "lfp");
    set(&mut book, "Fleet", "G4", 2_500_000);
    set(&mut book, "Fleet", "H4", "Suzuki Every PA (petrol)");
    set(&mut book, "Trips", "A4", time(7, 45));
    set(&mut book, "Trips", "B4", "19:15");
    set(&mut book, "Trips", "C4", 80);
    set(&mut book, "Trips", "D4", "All");
    set(&mut book, "Trips", "E4", 60);
    set(&mut book, "Trips", "F4", "85 %");
    set(&mut book, "Chargers", "A4", "DC fast 50 kW CHAdeMO");
    set(&mut book, "Chargers", "B4", 6);
    set(&mut book, "Finance", "B4", 8);
    set(&mut book, "Finance", "B5", 3.5);
    set(&mut book, "Finance", "B6", -0.5);
    set(&mut book, "Finance", "B7", 2);
    set(&mut book, "Finance", "B8", 170);
    set(&mut book, "Finance", "B9", 25_000);
    set(&mut book, "Finance", "B10", 18);
    set(&mut book, "Finance", "B11", "loan");
    set(&mut book, "Finance", "B12", 80);
    set(&mut book, "Finance", "B13", 2.1);
    set(&mut book, "Finance", "B14", 5);
    set(&mut book, "Finance", "B16", 0.43);
    set(&mut book, "Subsidies", "B4", "tariff-rules/jp-subsidies");
    set(
        &mut book,
        "Subsidies",
        "B5",
        ExcelDateTime::from_ymd(2025, 7, 1).unwrap(),
    );
    set(&mut book, "Markets", "B4", true);
    set(&mut book, "Markets", "B5", "spot.csv");
    set(&mut book, "Markets", "B6", "Tokyo");
    set(&mut book, "Markets", "B7", 20);
    set(&mut book, "Markets", "B8", 25);
    set(&mut book, "Markets", "B9", 500);
    set(&mut book, "Markets", "B10", 45);
    set(&mut book, "Markets", "B12", 50);
    set(&mut book, "Markets", "B13", 250_000);
    set(&mut book, "Markets", "B14", 30);
    set(&mut book, "Markets", "B15", 100);
    set(&mut book, "Markets", "B16", 50);
    set(&mut book, "Markets", "B17", 15_000_000);
    set(&mut book, "Goal", "B4", 7.5);
    set(&mut book, "Goal", "B5", 8);
    set(&mut book, "Goal", "B6", -1_000_000);
    set(&mut book, "Goal", "B7", 40);
    set(&mut book, "Goal", "B8", "2,4, 6");
    set(&mut book, "Goal", "B9", "ac wall box 6 kw");
    set(&mut book, "Goal", "B10", "0, 50");
    set(&mut book, "Goal", "B11", "0, 100");
    set(&mut book, "Goal", "B12", "no, yes");
    set(&mut book, "Goal", "B13", "optimal");
    set(&mut book, "Goal", "B14", 2);
    // The site load: a date-time value, then text in both spellings.
    set(
        &mut book,
        "SiteLoad",
        "A4",
        ExcelDateTime::from_ymd(2024, 4, 1)
            .unwrap()
            .and_hms(0, 0, 0)
            .unwrap(),
    );
    set(&mut book, "SiteLoad", "B4", 120.5);
    set(&mut book, "SiteLoad", "A5", "2024-04-01 00:30");
    set(&mut book, "SiteLoad", "B5", 118);
    set(&mut book, "SiteLoad", "A6", "2024/4/1 1:00");
    set(&mut book, "SiteLoad", "B6", "117");

    let input = read(book).unwrap();
    assert_eq!(
        input.study,
        json!({
            "name": "Filled depot",
            "simulation": "every-day",
            "site": {
                "rules": "rules/own-package",
                "tariff": "Own Plan",
                "import_cap_kw": 450,
                "demand_charge_months": 6,
                "power_factor": 98,
                "history": "history.csv",
                "indices": { "tepco-fuel-cost": "fuel.csv", "jepx-tokyo": "spot.csv" },
                "supply_start": "2024-04"
            },
            "fleet": {
                "vehicle": "Nissan Sakura X",
                "size": 10,
                "electric": 6,
                "ice": "Suzuki Every PA (petrol)",
                "departure": "07:45",
                "arrival": "19:15",
                "km_per_day": 80,
                "operating_days": "all",
                "arrival_spread_minutes": 60,
                "target_soc_pct": 85
            },
            "chargers": { "model": "DC fast 50 kW CHAdeMO", "count": 6 },
            "finance": {
                "horizon_years": 8,
                "discount_rate_pct": 3.5,
                "electricity_escalation_pct": -0.5,
                "fuel_escalation_pct": 2,
                "fuel_price_per_litre": 170,
                "battery_replacement_per_kwh": 25000,
                "battery_temperature_c": 18,
                "financing": { "loan": { "financed_pct": 80, "rate_pct": 2.1, "years": 5 } }
            },
            "co2": { "grid_kg_per_kwh": 0.43 },
            "subsidies": { "rules": "tariff-rules/jp-subsidies", "date": "2025-07-01" },
            "v2g": {
                "spot": { "file": "spot.csv", "area": "tokyo" },
                "export_cap_kw": 20,
                "aggregator_share_pct": 25,
                "fee_per_vehicle_month": 500,
                "minimum_soc_pct": 45
            },
            "pv": { "kwp": 50, "price_per_kwp": 250000, "tilt_deg": 30 },
            "storage": { "kwh": 100, "kw": 50, "price": 15000000 },
            "goal_seek": {
                "targets": {
                    "payback_years": 7.5,
                    "crossover_year": 8,
                    "npv_at_least": -1000000,
                    "co2_saved_tonnes": 40
                },
                "space": {
                    "electric": [2, 4, 6],
                    "charger": ["AC wall box 6 kW"],
                    "pv_kwp": [0, 50],
                    "storage_kwh": [0, 100],
                    "v2g": [false, true],
                    "charging": ["optimal"]
                },
                "runner_ups": 2
            }
        })
    );
    assert!(input.defaults_used.is_empty(), "{:?}", input.defaults_used);
    let at = |h, m| {
        NaiveDate::from_ymd_opt(2024, 4, 1)
            .unwrap()
            .and_hms_opt(h, m, 0)
            .unwrap()
    };
    assert_eq!(
        input.site_load,
        Some(vec![
            (at(0, 0), 120.5),
            (at(0, 30), 118.0),
            (at(1, 0), 117.0)
        ])
    );

    // The Fleet overrides become a catalogue overlay the catalogue reader accepts.
    let overlay = input.catalogue_overlay.unwrap();
    let catalogue = Catalogue::builtin_with(&overlay, "overlay.toml").unwrap();
    let sakura = catalogue.vehicle("Nissan Sakura X").unwrap();
    let builtin = Catalogue::builtin()
        .unwrap()
        .vehicle("Nissan Sakura X")
        .unwrap();
    assert_eq!(sakura.battery_kwh, 21.5);
    assert_eq!(sakura.chemistry, "LFP");
    assert_eq!(sakura.list_price.to_string(), "2500000");
    assert_eq!(sakura.kwh_per_km, builtin.kwh_per_km, "not overridden");
    assert_eq!(sakura.class, builtin.class);
    assert!(sakura.sources[0].note.contains("Fleet!D4"), "{overlay}");
}

/// One defect per workbook, each with its exact message(s).
#[test]
fn every_broken_workbook_gives_its_sheet_cell_message() {
    type Defect = fn(&mut Workbook);
    let inputs_of_finance = "Horizon, Discount rate, Electricity escalation, Fuel escalation, \
        Fuel price, Battery replacement, Battery temperature, Financing, Loan financed share, \
        Loan rate, Loan term, Lease, Grid CO2 factor";
    let finance_unknown = format!(
        "Finance!A17: unknown input \"Inflation\"; this sheet's inputs are {inputs_of_finance}"
    );
    let sheets = "Quick, Scenario, SiteLoad, Fleet, Trips, Chargers, Finance, Subsidies, Markets, MarketPrices, Goal, RiskSharing, Lists";
    let unknown_notes =
        format!("Notes!A1: unknown sheet; the input workbook has the sheets {sheets}");
    let unknown_goals =
        format!("Goals!A1: unknown sheet; the input workbook has the sheets {sheets}");
    let corpus: Vec<(&str, Defect, Vec<&str>)> = vec![
        ("text in a number cell", |b| set(b, "Fleet", "D4", "40kwh"),
            vec!["Fleet!D4: battery capacity must be a number of kWh, found \"40kwh\""]),
        ("unknown vehicle model", |b| set(b, "Fleet", "A4", "Tesla Cybertruck"),
            vec!["Fleet!A4: vehicle model must be a vehicle model of the catalogue (see the drop-down), found \"Tesla Cybertruck\""]),
        ("negative count", |b| set(b, "Fleet", "B4", -3),
            vec!["Fleet!B4: number of vehicles must be at least 1, found -3"]),
        ("fractional count", |b| set(b, "Fleet", "B4", 2.5),
            vec!["Fleet!B4: number of vehicles must be a whole number of vehicles, found 2.5"]),
        ("bad date", |b| set(b, "Subsidies", "B5", "2025-02-30"),
            vec!["Subsidies!B5: application date must be a date (YYYY-MM-DD), found \"2025-02-30\""]),
        ("time 25:00", |b| set(b, "Trips", "A4", "25:00"),
            vec!["Trips!A4: departure must be a time of day (HH:MM, 00:00 to 23:59), found \"25:00\""]),
        ("two fleet rows", |b| { set(b, "Fleet", "A5", "Nissan Sakura X"); set(b, "Fleet", "B5", 3) },
            vec!["Fleet!A5: one vehicle group per study: row 4 is the study's, this row is a second one; delete it or make a second workbook"]),
        ("distance and energy", |b| { set(b, "Trips", "C4", 60); set(b, "Trips", "G4", 6.6) },
            vec!["Trips!G4: give the distance or the energy per day, not both (the other cell on this row is filled)"]),
        ("two trip rows without vehicles", |b| set(b, "Trips", "A6", "09:00"),
            vec!["Trips!H4: number of vehicles in the group is required when Trips has several rows (one per vehicle group)",
                 "Trips!H6: number of vehicles in the group is required when Trips has several rows (one per vehicle group)"]),
        ("groups that do not add up", |b| { set(b, "Trips", "H4", 12); set(b, "Trips", "H5", 5) },
            vec!["Trips!H5: the groups' vehicles add up to 17, but the fleet has 20 (Fleet › Vehicles or Quick › Fleet size)"]),
        ("one row that is not the fleet", |b| set(b, "Trips", "H4", 12),
            vec!["Trips!H4: one Trips row is the whole fleet of 20 vehicles, found 12; add a row per vehicle group or leave this cell empty"]),
        ("booked as a number", |b| set(b, "Trips", "I4", 1),
            vec!["Trips!I4: booked trips must be yes or no, found 1"]),
        ("missing required key", |b| { clear(b, "Scenario", "A8"); clear(b, "Scenario", "B8") },
            vec!["Scenario!A3: the input \"Import cap\" is missing (a row with \"Import cap\" in column A); copy it from a new template"]),
        ("percent over 100", |b| set(b, "Finance", "B5", 120),
            vec!["Finance!B5: discount rate must be at most 100%, found 120"]),
        ("unknown sheet", |b| { b.add_worksheet().set_name("Notes").unwrap(); },
            vec![]),
        ("missing sheet", |b| { b.worksheet_from_name("Goal").unwrap().set_name("Goals").unwrap(); },
            vec![]),
        ("wrong yes/no", |b| set(b, "Subsidies", "B6", "maybe"),
            vec!["Subsidies!B6: apply subsidies must be yes or no, found \"maybe\""]),
        ("lease without price", |b| set(b, "Finance", "B11", "lease"),
            vec!["Finance!B15: lease price is required when Financing is lease"]),
        ("loan figure with cash", |b| set(b, "Finance", "B13", 2),
            vec!["Finance!B13: loan rate is given but Financing is cash"]),
        ("unknown financing", |b| set(b, "Finance", "B11", "credit card"),
            vec!["Finance!B11: financing must be one of cash, loan, lease, found \"credit card\""]),
        ("unknown charger in the goal", |b| set(b, "Goal", "B9", "AC wall box 6 kW, Turbo 9000"),
            vec!["Goal!B9: charger models must be a charger model of the catalogue (see the drop-down), found \"Turbo 9000\""]),
        ("unknown strategy", |b| set(b, "Goal", "B13", "uncontrolled, smart"),
            vec!["Goal!B13: charging strategies must be uncontrolled, optimal separated by commas, found \"uncontrolled, smart\""]),
        ("text in a number list", |b| set(b, "Goal", "B8", "5, ten"),
            vec!["Goal!B8: electric counts must be whole numbers of vehicles (at least 0) separated by commas, found \"5, ten\""]),
        ("PV without a price", |b| set(b, "Markets", "B12", 50),
            vec!["Markets!B13: PV price is required with a PV size"]),
        ("storage price without a size", |b| set(b, "Markets", "B17", 1_000_000),
            vec!["Markets!B17: storage price is given without a storage energy (Markets › Storage energy)"]),
        ("V2G without market terms", |b| set(b, "Markets", "B4", "yes"),
            vec!["Markets!B5: JEPX spot file (or prices pasted on MarketPrices) is required when V2G is yes",
                 "Markets!B6: JEPX area is required when V2G is yes"]),
        ("a spot file and pasted prices", |b| {
            set(b, "Markets", "B4", "yes");
            set(b, "Markets", "B5", "spot.csv");
            set(b, "Markets", "B6", "tokyo");
            set(b, "MarketPrices", "A4", "2024-07-01 00:00");
            set(b, "MarketPrices", "B4", 10.5);
        }, vec!["Markets!B5: give a JEPX spot file or prices pasted on MarketPrices, not both"]),
        ("a price with units", |b| {
            set(b, "MarketPrices", "A4", "2024-07-01 00:00");
            set(b, "MarketPrices", "B4", "10 yen");
        }, vec!["MarketPrices!B4: price must be a number of JPY/kWh, found \"10 yen\""]),
        ("PV sizes to search without a PV price", |b| set(b, "Goal", "B10", "0, 50"),
            vec!["Goal!B10: PV sizes need a PV price on Markets"]),
        ("load with units", |b| {
            set(b, "SiteLoad", "A4", "2024-04-01 00:00"); set(b, "SiteLoad", "B4", 100);
            set(b, "SiteLoad", "A5", "2024-04-01 00:30"); set(b, "SiteLoad", "B5", "12kW") },
            vec!["SiteLoad!B5: load must be a number of kW, found \"12kW\""]),
        ("load going back in time", |b| {
            set(b, "SiteLoad", "A4", "2024-04-01 00:30"); set(b, "SiteLoad", "B4", 100);
            set(b, "SiteLoad", "A5", "2024-04-01 00:00"); set(b, "SiteLoad", "B5", 90) },
            vec!["SiteLoad!A5: interval starts must increase: this one (2024-04-01 00:00) is not after the row above's (2024-04-01 00:30)"]),
        ("bad load date-time", |b| { set(b, "SiteLoad", "A4", "1 April"); set(b, "SiteLoad", "B4", 100) },
            vec!["SiteLoad!A4: interval start must be a date and time (YYYY-MM-DD HH:MM), found \"1 April\""]),
        ("more EVs than vehicles", |b| set(b, "Fleet", "C4", 25),
            vec!["Fleet!C4: number of electric vehicles must be at most the fleet size (20), found 25"]),
        ("unknown input row", |b| { set(b, "Finance", "A17", "Inflation"); set(b, "Finance", "B17", 2) },
            vec![]),
        ("header renamed", |b| set(b, "Fleet", "D3", "Battery"),
            vec!["Fleet!D3: the column header must be \"Battery (kWh)\" (columns are read by position), found \"Battery\""]),
        ("unknown chemistry", |b| set(b, "Fleet", "E4", "LiIon"),
            vec!["Fleet!E4: chemistry must be LFP or NMC, found \"LiIon\""]),
        ("unknown tariff without a package", |b| { clear(b, "Scenario", "B5"); set(b, "Scenario", "B6", "Some Plan") },
            vec!["Scenario!B6: tariff plan must be a tariff of the drop-down list when Scenario › Rules package is empty, found \"Some Plan\""]),
        ("package without a date", |b| clear(b, "Subsidies", "B5"),
            vec!["Subsidies!B5: application date is required with a subsidy package (budget windows depend on it)"]),
        ("bad index files", |b| set(b, "Scenario", "B12", "fuel.csv"),
            vec!["Scenario!B12: index files must be name=file pairs separated by ';', found \"fuel.csv\""]),
        ("power factor with a unit", |b| set(b, "Scenario", "B10", "98pf"),
            vec!["Scenario!B10: power factor must be a number of % or a CSV file (ending in .csv), found \"98pf\""]),
        ("power factor over 100", |b| set(b, "Scenario", "B10", 101),
            vec!["Scenario!B10: power factor must be at most 100%, found 101"]),
        ("a boolean for a number", |b| set(b, "Trips", "C4", true),
            vec!["Trips!C4: distance per day must be a number of km, found TRUE"]),
        ("a value without an input name", |b| set(b, "Goal", "B16", 4),
            vec!["Goal!B16: a value without an input name in column A, found 4"]),
        ("risk sharing without a V2G study", |b| set(b, "RiskSharing", "B4", "deal.vlx"),
            vec!["RiskSharing!B6: V2G study file is required with contract rules: a scenario JSON with v2g and v2g.risk sections"]),
        ("risk sharing scenarios as text", |b| {
            set(b, "RiskSharing", "B4", "deal.vlx");
            set(b, "RiskSharing", "B6", "study.json");
            set(b, "RiskSharing", "B7", "many");
        }, vec!["RiskSharing!B7: price scenarios must be a whole number of scenarios, found \"many\""]),
        ("risk sharing over 120 months", |b| {
            set(b, "RiskSharing", "B4", "deal.vlx");
            set(b, "RiskSharing", "B6", "study.json");
            set(b, "RiskSharing", "B9", 240);
        }, vec!["RiskSharing!B9: contract months must be at most 120, found 240"]),
        ("risk sharing months without a contract", |b| set(b, "RiskSharing", "B9", 24),
            vec!["RiskSharing!B9: contract months is given without contract rules (RiskSharing › Contract rules); fill the contract or clear this cell"]),
    ];
    assert!(corpus.len() >= 20);
    for (name, defect, expected) in corpus {
        let mut book = example();
        defect(&mut book);
        let expected: Vec<String> = match name {
            "unknown sheet" => vec![unknown_notes.clone()],
            "missing sheet" => vec![
                unknown_goals.clone(),
                "Goal!A1: the sheet is missing (copy it from a new template: voltlex template)"
                    .to_string(),
            ],
            "unknown input row" => vec![finance_unknown.clone()],
            _ => expected.iter().map(ToString::to_string).collect(),
        };
        assert_eq!(messages(read(book)), expected, "{name}");
    }
}

#[test]
fn an_empty_quick_cell_without_default_or_detail_is_required() {
    let mut book = blank();
    clear(&mut book, "Quick", "D4");
    assert_eq!(
        messages(read(book)),
        ["Quick!B4: fleet size is required: this cell, its Default and Fleet!B4 are empty"]
    );
    // The detailed sheet supplies it: no error.
    let mut book = blank();
    clear(&mut book, "Quick", "D4");
    set(&mut book, "Fleet", "B4", 7);
    assert_eq!(read(book).unwrap().study["fleet"]["size"], 7);
}

#[test]
fn three_defects_are_reported_at_once_in_sheet_order() {
    let mut book = example();
    set(&mut book, "Finance", "B5", 120);
    set(&mut book, "Fleet", "D4", "40kwh");
    set(&mut book, "Trips", "B4", "25:00");
    assert_eq!(
        messages(read(book)),
        [
            "Fleet!D4: battery capacity must be a number of kWh, found \"40kwh\"",
            "Trips!B4: return must be a time of day (HH:MM, 00:00 to 23:59), found \"25:00\"",
            "Finance!B5: discount rate must be at most 100%, found 120",
        ]
    );
}

#[test]
fn several_trip_rows_are_vehicle_groups() {
    let mut book = blank();
    set(&mut book, "Trips", "B4", "17:30");
    set(&mut book, "Trips", "C4", 70);
    set(&mut book, "Trips", "H4", 12);
    set(&mut book, "Trips", "I4", "Yes");
    set(&mut book, "Trips", "J4", "delivery rounds");
    set(
        &mut book,
        "Trips",
        "A5",
        ExcelDateTime::from_hms(7, 0, 0).unwrap(),
    );
    set(&mut book, "Trips", "D5", "all");
    set(&mut book, "Trips", "G5", 5.5);
    set(&mut book, "Trips", "H5", 8);
    let input = read(book).unwrap();
    let fleet = &input.study["fleet"];
    assert!(fleet.get("arrival").is_none(), "{fleet}");
    assert!(
        fleet.get("km_per_day").is_none(),
        "every row has its own: {fleet}"
    );
    let groups = fleet["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 2);
    assert_eq!(groups[0]["name"], "delivery rounds");
    assert_eq!(groups[0]["vehicles"], 12);
    assert_eq!(groups[0]["arrival"], "17:30");
    assert_eq!(groups[0]["km_per_day"], 70);
    assert_eq!(groups[0]["booked"], true);
    assert_eq!(groups[1]["name"], "group 2");
    assert_eq!(groups[1]["departure"], "07:00");
    assert_eq!(groups[1]["operating_days"], "all");
    assert_eq!(groups[1]["kwh_per_day"], 5.5);
    assert!(groups[1].get("booked").is_none());
    // A row without distance or energy takes Quick's, as the groups' common value.
    let mut book = blank();
    set(&mut book, "Trips", "H4", 10);
    set(&mut book, "Trips", "H5", 10);
    let input = read(book).unwrap();
    assert_eq!(input.study["fleet"]["km_per_day"], 60);
    assert_eq!(input.study["fleet"]["groups"][1]["vehicles"], 10);
}

#[test]
fn percent_formatted_cells_read_as_the_percentage_they_show() {
    // Typing "5%" in Excel stores 0.05 with a percent format; the reader takes what it shows.
    let mut book = blank();
    let percent = rust_xlsxwriter::Format::new().set_num_format("0%");
    book.worksheet_from_name("Finance")
        .unwrap()
        .write_number_with_format(4, 1, 0.05, &percent)
        .unwrap();
    book.worksheet_from_name("Trips")
        .unwrap()
        .write_number_with_format(3, 5, 0.85, &percent)
        .unwrap();
    // Not a percentage field: the number as stored.
    book.worksheet_from_name("Trips")
        .unwrap()
        .write_number_with_format(3, 2, 0.5, &percent)
        .unwrap();
    let input = read(book).unwrap();
    assert_eq!(input.study["finance"]["discount_rate_pct"], 5);
    assert_eq!(input.study["fleet"]["target_soc_pct"], 85);
    assert_eq!(input.study["fleet"]["km_per_day"], 0.5);
    // 150 % shown is refused as the percentage it is.
    let mut book = blank();
    book.worksheet_from_name("Finance")
        .unwrap()
        .write_number_with_format(4, 1, 1.5, &percent)
        .unwrap();
    let errors = read(book).unwrap_err().to_string();
    assert!(
        errors.contains("Finance!B5: discount rate must be at most 100%, found 150"),
        "{errors}"
    );
}

#[test]
fn the_risk_sharing_sheet_reads_with_its_cells_and_is_optional() {
    // Empty: no risk sharing.
    assert_eq!(read(example()).unwrap().risk_sharing, None);
    // The example copy with the repository's deal.
    let mut values = ExampleValues::kei_vans();
    values.risk_sharing = Some(voltlex_excel::input::RiskSharingExample {
        contract: "../../tariff-rules/examples-risk-sharing".into(),
        deal: Some("Depot V2G three-party deal".into()),
        study: "fleet/v2g-risk-share.json".into(),
        scenarios: Some(200),
    });
    let mut book = template_workbook(&options(), Some(&values)).unwrap();
    set(&mut book, "RiskSharing", "B8", "7");
    set(&mut book, "RiskSharing", "B9", 18);
    let bytes = book.save_to_buffer().unwrap();
    let risk = read_input_bytes(&bytes).unwrap().risk_sharing.unwrap();
    assert_eq!(
        risk,
        voltlex_excel::input::RiskSharingInput {
            contract: "../../tariff-rules/examples-risk-sharing".into(),
            contract_cell: "RiskSharing!B4".into(),
            deal: Some("Depot V2G three-party deal".into()),
            study: "fleet/v2g-risk-share.json".into(),
            study_cell: "RiskSharing!B6".into(),
            scenarios: Some(200),
            seed: Some(7),
            months: Some(18),
        }
    );

    // A workbook written before the sheet existed (the sheet taken out of the file) reads
    // as before, without risk sharing.
    let older = without_sheet(&bytes, "RiskSharing");
    let input = read_input_bytes(&older).unwrap();
    assert_eq!(input.risk_sharing, None);
    assert_eq!(input.study, read(example()).unwrap().study);
}

/// The workbook `bytes` with the sheet `name` removed from its parts and its sheet list.
fn without_sheet(bytes: &[u8], name: &str) -> Vec<u8> {
    use std::io::{Read, Write};
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut text = |part: &str| {
        let mut file = archive.by_name(part).unwrap();
        let mut s = String::new();
        file.read_to_string(&mut s).unwrap();
        s
    };
    let workbook = text("xl/workbook.xml");
    let rels = text("xl/_rels/workbook.xml.rels");
    let start = workbook.find(&format!("<sheet name=\"{name}\"")).unwrap();
    let end = start + workbook[start..].find("/>").unwrap() + 2;
    let entry = &workbook[start..end];
    let id = entry
        .split("r:id=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    let target = rels
        .split("<Relationship ")
        .find(|r| r.contains(&format!("Id=\"{id}\"")))
        .unwrap()
        .split("Target=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let removed = format!("xl/{target}");
    let workbook = workbook.replace(entry, "");
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for index in 0..archive.len() {
        let mut file = archive.by_index(index).unwrap();
        let part = file.name().unwrap().to_string();
        if part == removed {
            continue;
        }
        let mut content = Vec::new();
        file.read_to_end(&mut content).unwrap();
        if part == "xl/workbook.xml" {
            content = workbook.clone().into_bytes();
        }
        out.start_file(part, zip::write::SimpleFileOptions::default())
            .unwrap();
        out.write_all(&content).unwrap();
    }
    out.finish().unwrap().into_inner()
}

#[test]
fn pasted_market_prices_stand_for_the_spot_file() {
    let mut book = blank();
    set(&mut book, "Markets", "B4", "yes");
    set(&mut book, "Markets", "B6", "tokyo");
    set(&mut book, "MarketPrices", "A4", "2024-07-01 00:00");
    set(&mut book, "MarketPrices", "B4", 10.5);
    set(
        &mut book,
        "MarketPrices",
        "A5",
        ExcelDateTime::from_ymd(2024, 7, 1)
            .unwrap()
            .and_hms(0, 30, 0)
            .unwrap(),
    );
    set(&mut book, "MarketPrices", "B5", -0.01);
    let input = read(book).unwrap();
    let spot = &input.study["v2g"]["spot"];
    assert_eq!(spot["area"], "tokyo");
    assert!(spot.get("file").is_none(), "{spot}");
    let prices = input.market_prices.unwrap();
    assert_eq!(prices.len(), 2);
    assert_eq!(prices[1].0.to_string(), "2024-07-01 00:30:00");
    assert_eq!(prices[1].1, -0.01);
}

#[test]
fn energy_per_day_replaces_the_distance_and_its_quick_default() {
    let mut book = blank();
    set(&mut book, "Trips", "G4", 7.5);
    let input = read(book).unwrap();
    assert_eq!(input.study["fleet"]["kwh_per_day"], 7.5);
    assert!(input.study["fleet"].get("km_per_day").is_none());
    assert!(
        input
            .defaults_used
            .iter()
            .all(|(name, _)| name != "Distance per day"),
        "{:?}",
        input.defaults_used
    );
}

#[test]
fn a_template_file_is_written_once_and_read_from_disk() {
    let dir = scratch("file");
    let path = dir.join("input.xlsx");
    write_template(&path, &options(), Some(&ExampleValues::kei_vans())).unwrap();
    let input = read_input(&path).unwrap();
    assert_eq!(input.study["fleet"]["size"], 20);
    // Never overwritten: it may be a filled input.
    let before = std::fs::read(&path).unwrap();
    let error = write_template(&path, &options(), None).unwrap_err();
    assert!(
        matches!(&error, ExcelError::Io { source, .. } if source.kind() == std::io::ErrorKind::AlreadyExists),
        "{error}"
    );
    assert_eq!(std::fs::read(&path).unwrap(), before);
    let error = write_template(&dir.join("input.xls"), &options(), None).unwrap_err();
    assert!(matches!(error, ExcelError::NotXlsx(_)), "{error}");
    // A file that is not a workbook.
    std::fs::write(dir.join("bad.xlsx"), b"text").unwrap();
    let errors = read_input(&dir.join("bad.xlsx")).unwrap_err();
    assert_eq!(errors.0.len(), 1);
    assert!(
        errors.to_string().starts_with("not an xlsx workbook"),
        "{errors}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_template_has_drop_downs_frozen_headers_and_a_hidden_lists_sheet() {
    let bytes = blank().save_to_buffer().unwrap();
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut text = |name: &str| {
        let mut file = archive.by_name(name).unwrap();
        let mut s = String::new();
        std::io::Read::read_to_string(&mut file, &mut s).unwrap();
        s
    };
    let workbook = text("xl/workbook.xml");
    assert!(
        workbook.contains(r#"name="Lists" sheetId="13" state="hidden""#),
        "{workbook}"
    );
    // Fleet (sheet 4): the model drop-down from the Lists sheet, chemistries inline, frozen.
    let fleet = text("xl/worksheets/sheet4.xml");
    assert!(
        fleet.contains("<formula1>Lists!$C$2:$C$8</formula1>"),
        "{fleet}"
    );
    assert!(
        fleet.contains("<formula1>\"LFP,NMC\"</formula1>"),
        "{fleet}"
    );
    assert!(fleet.contains(r#"state="frozen""#), "{fleet}");
    // Quick (sheet 1): the tariff drop-down.
    let quick = text("xl/worksheets/sheet1.xml");
    assert!(
        quick.contains("<formula1>Lists!$A$2:$A$3</formula1>"),
        "{quick}"
    );
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("voltlex-input-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// LibreOffice opens the template and the example copy and prints them to PDF, with no
/// repair dialogue or error.
#[test]
fn libreoffice_converts_the_template_and_the_example_to_pdf() {
    if !soffice_installed() {
        return;
    }
    let dir = scratch("libreoffice");
    write_template(&dir.join("template.xlsx"), &options(), None).unwrap();
    write_template(
        &dir.join("example.xlsx"),
        &options(),
        Some(&ExampleValues::kei_vans()),
    )
    .unwrap();
    let profile = dir.join("lo-profile");
    let out = dir.join("out");
    let output = run_with_limit(
        Command::new("soffice")
            .arg(format!(
                "-env:UserInstallation=file://{}",
                profile.display()
            ))
            .args([
                "--headless",
                "--norestore",
                "--convert-to",
                "pdf",
                "--outdir",
            ])
            .arg(&out)
            .arg(dir.join("template.xlsx"))
            .arg(dir.join("example.xlsx")),
        Duration::from_secs(180),
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    let report = stderr.to_lowercase();
    assert!(
        !report.contains("repair") && !report.contains("error"),
        "{stderr}"
    );
    for name in ["template.pdf", "example.pdf"] {
        let pdf = std::fs::read(out.join(name))
            .unwrap_or_else(|e| panic!("{name}: {e}\n{stdout}\n{stderr}"));
        assert!(pdf.starts_with(b"%PDF"), "{name}");
        assert!(pdf.len() > 5_000, "{name}: {} bytes", pdf.len());
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
