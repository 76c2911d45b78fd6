//! `voltlex import urdb`: the hand-written fixture (from the URDB API field documentation)
//! becomes a package that checks, whose golden total — computed by the importer from the
//! URDB figures — the engine reproduces; inexpressible fields are refused by name.

// Test code: a failed expectation should panic.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::Path;

use serde_json::Value;
use voltlex_engine::billing::bill;
use voltlex_engine::inputs::BillingInputs;
use voltlex_engine::month::YearMonth;
use voltlex_packages::urdb::import;

fn fixture() -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/urdb-commercial-tou.json"),
    )
    .unwrap()
}

fn scratch(name: &str) -> std::path::PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("urdb")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn the_fixture_imports_to_a_package_whose_golden_total_the_engine_bills() {
    let package = import(&fixture(), "fixture").unwrap();
    let dir = scratch("fixture");
    package.write(&dir).unwrap();
    let rules = &package.files["rate.vlx"];
    // Summer months (Jun–Sep) have an on-peak period; the others do not: two seasons.
    assert!(rules.contains("season s1 = Jan..May, Oct..Dec"), "{rules}");
    assert!(rules.contains("season s2 = Jun..Sep"), "{rules}");
    assert!(
        rules.contains("p2 = weekdays 12:00..18:00 in s2"),
        "{rules}"
    );
    assert!(rules.contains("p0 = otherwise"), "{rules}");
    assert!(rules.contains("p2 0.2225 USD/kWh"), "{rules}");
    // Flat 9.5 + a one-period TOU demand 3.25 on the same peak; 100 % ratchet over 11 + 1.
    assert!(rules.contains("charge 12.75 USD/kW per month"), "{rules}");
    assert!(
        rules.contains("contract = max demand over 12 months"),
        "{rules}"
    );
    assert!(rules.contains("interval 15 min"), "{rules}");
    assert!(rules.contains("fixed customer 35 USD per month"), "{rules}");
    assert!(rules.contains("minimum 60 USD per month"), "{rules}");

    let compilation = voltlex_dsl::compile_package(&dir).unwrap();
    assert!(
        !compilation.has_errors(),
        "{rules}\n{}",
        compilation.render_diagnostics(false)
    );
    let manifest = compilation.manifest.as_ref().unwrap();
    assert_eq!(manifest.valid_from.to_string(), "2024-06-01");

    // The golden test's expected total, billed by the engine from the generated rules.
    let test: toml::Table = toml::from_str(&package.files["tests/golden-month.toml"]).unwrap();
    let expected = test["month"].as_array().unwrap()[0]["total"]
        .as_str()
        .unwrap()
        .parse::<rust_decimal::Decimal>()
        .unwrap();
    let load = voltlex_engine::read::load_csv(dir.join("tests/data/load.csv")).unwrap();
    let inputs = BillingInputs {
        supply_start: Some(YearMonth::new(2024, 6).unwrap()),
        ..BillingInputs::default()
    };
    let run = bill(&compilation.rules.tariffs[0], &load, &inputs).unwrap();
    assert_eq!(run.months.len(), 1);
    assert_eq!(run.total, expected);
    // By hand: June 2024 has 20 weekdays and 10 weekend days; 10 kW flat is 2.5 kWh a quarter
    // hour, 25 kW on Monday the 10th 17:00–18:00 (on-peak) adds 15 kWh.
    // off-peak: weekdays 10 h, weekends 24 h: (20·10 + 10·24) h · 10 kW = 4,400 kWh × 0.0925
    // mid: weekdays 8–12 and 18–22 = 8 h: 20 · 8 · 10 = 1,600 kWh × 0.1325
    // on-peak: weekdays 12–18 = 6 h: 20 · 6 · 10 + 15 = 1,215 kWh × 0.2225
    // demand 25 kW × 12.75; fixed 35.
    let by_hand = 4400.0 * 0.0925 + 1600.0 * 0.1325 + 1215.0 * 0.2225 + 25.0 * 12.75 + 35.0;
    assert_eq!(
        expected.to_string(),
        format!("{by_hand:.2}").trim_end_matches('0')
    );
}

fn with(
    change: impl FnOnce(&mut Value),
) -> Result<voltlex_packages::urdb::ImportedPackage, String> {
    let mut root: Value = serde_json::from_str(&fixture()).unwrap();
    change(&mut root["items"][0]);
    import(&root.to_string(), "edited").map_err(|e| e.to_string())
}

/// A change to the fixture's rate object.
type Edit = Box<dyn FnOnce(&mut Value)>;

#[test]
fn what_the_language_cannot_say_is_refused_with_the_field_named() {
    let cases: Vec<(Edit, &str)> = vec![
        (
            Box::new(|r| r["lookbackPercent"] = serde_json::json!(0.8)),
            "`lookbackPercent`: 0.8",
        ),
        (
            Box::new(|r| {
                r["demandratestructure"] = serde_json::json!([[{"rate": 5}], [{"rate": 9}]])
            }),
            "`demandratestructure`: time-of-use demand charges (2 periods)",
        ),
        (
            Box::new(|r| {
                r["flatdemandstructure"] = serde_json::json!([[{"rate": 9.5}], [{"rate": 7}]]);
                r.as_object_mut().unwrap().remove("flatdemandmonths");
            }),
            "`flatdemandmonths`: missing: which period",
        ),
        (
            Box::new(|r| {
                r["flatdemandstructure"] = serde_json::json!([[{"rate": 9.5}], [{"rate": 7}]]);
                r["flatdemandmonths"] = serde_json::json!([0, 0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0]);
            }),
            "`flatdemandmonths`: flat demand charges that differ by month",
        ),
        (
            Box::new(|r| {
                r["energyratestructure"][2] =
                    serde_json::json!([{"rate": 0.2, "max": 500}, {"rate": 0.3}])
            }),
            "`energyratestructure[2]`: tiers inside a time-of-use period",
        ),
        (
            Box::new(|r| r["fixedchargeunits"] = serde_json::json!("$/day")),
            "`fixedchargeunits`: `$/day`",
        ),
        (
            Box::new(|r| r["minchargeunits"] = serde_json::json!("$/year")),
            "`minchargeunits`: `$/year`",
        ),
        (
            Box::new(|r| r["energyratestructure"][0][0]["unit"] = serde_json::json!("kWh daily")),
            "`energyratestructure[0][0].unit`",
        ),
        (
            Box::new(|r| r["coincidentratestructure"] = serde_json::json!([[{"rate": 4}]])),
            "`coincidentratestructure`",
        ),
        (
            Box::new(|r| r["energyweekdayschedule"][3][5] = serde_json::json!(7)),
            "`energyweekdayschedule[3][5]`: 7 is not a period",
        ),
    ];
    for (change, expected) in cases {
        let Err(error) = with(change) else {
            panic!("expected a refusal with {expected:?}, the import went through");
        };
        assert!(
            error.contains(expected),
            "expected {expected:?} in {error:?}"
        );
    }
}

#[test]
fn a_single_period_rate_with_tiers_becomes_energy_tiers() {
    let package = with(|r| {
        r["energyratestructure"] = serde_json::json!([[
            {"max": 1000, "rate": 0.10, "adj": 0.01},
            {"max": 5000, "rate": 0.09},
            {"rate": 0.07}
        ]]);
        let zeros = serde_json::json!(vec![vec![0; 24]; 12]);
        r["energyweekdayschedule"] = zeros.clone();
        r["energyweekendschedule"] = zeros;
        r["mincharge"] = serde_json::json!(5000);
    })
    .unwrap();
    let rules = &package.files["rate.vlx"];
    assert!(rules.contains("up to 1000 kWh at 0.11 USD/kWh"), "{rules}");
    assert!(rules.contains("rest at 0.07 USD/kWh"), "{rules}");
    let dir = scratch("tiers");
    package.write(&dir).unwrap();
    let compilation = voltlex_dsl::compile_package(&dir).unwrap();
    assert!(
        !compilation.has_errors(),
        "{}",
        compilation.render_diagnostics(false)
    );
    let load = voltlex_engine::read::load_csv(dir.join("tests/data/load.csv")).unwrap();
    let inputs = BillingInputs {
        supply_start: Some(YearMonth::new(2024, 6).unwrap()),
        ..BillingInputs::default()
    };
    let run = bill(&compilation.rules.tariffs[0], &load, &inputs).unwrap();
    // 7,215 kWh: 1,000 × 0.11 + 4,000 × 0.09 + 2,215 × 0.07 + 25 × 12.75 + 35 = 979.80,
    // under the 5,000 minimum.
    assert_eq!(run.total.to_string(), "5000.00");
    assert!(package.files["tests/golden-month.toml"].contains("total = \"5000\""));
}
