//! End-to-end tests of `voltlex risk-share`: the example deal
//! (tariff-rules/examples-risk-sharing) over the July 2024 V2G study
//! (workbooks/examples/fleet/v2g-risk-share.json), and its errors.

// Test code: a failed expectation should panic.
#![allow(
    dead_code, // the shared helpers in common/ this file does not use
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::{root, stderr, stdout, voltlex};
use serde_json::Value;

const DEAL: &str = "tariff-rules/examples-risk-sharing";
const SCENARIO: &str = "workbooks/examples/fleet/v2g-risk-share.json";

fn run(extra: &[&str]) -> std::process::Output {
    let mut args = vec!["risk-share", "--contract", DEAL, "--scenario", SCENARIO];
    args.extend_from_slice(extra);
    voltlex(&args)
}

#[test]
fn example_deal_settles_and_conserves() {
    let output = run(&["--scenarios", "60", "--seed", "3", "--format", "json"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let report: Value = serde_json::from_str(&stdout(&output)).unwrap();
    let outcome = &report["outcome"];
    assert_eq!(outcome["scenarios"], 60);
    assert_eq!(outcome["months"], 12);
    assert!(outcome["conservation_error"].as_f64().unwrap() < 1e-6);
    let parties: Vec<&str> = outcome["parties"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["party"].as_str().unwrap())
        .collect();
    assert_eq!(parties, ["fleet", "aggregator", "oem", "insurer"]);
    // The parties' expected nets add up to the system's.
    let sum: f64 = outcome["parties"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["expected"].as_f64().unwrap())
        .sum();
    let system = outcome["system_expected"].as_f64().unwrap();
    assert!(
        (sum - system).abs() < 1e-6 * system.abs().max(1.0),
        "{sum} vs {system}"
    );
    // The owner's status quo is the whole system; the others are not involved without V2G.
    assert_eq!(
        outcome["parties"][0]["status_quo_expected"],
        outcome["system_expected"]
    );
    assert_eq!(outcome["parties"][2]["status_quo_expected"], 0.0);
    // The wear came from the carmaker's plugin.
    assert!(report["wear_model"]
        .as_str()
        .unwrap()
        .contains("oem-wear.wat"));
    // The fairness view covers the grid of the deal's two free parameters.
    let fairness = &report["fairness"];
    assert_eq!(fairness["grid_points"], 13 * 9);
    assert_eq!(fairness["parameters"][0], "revenue fleet");
    for point in fairness["feasible"].as_array().unwrap() {
        assert!(point["expected"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e.as_f64().unwrap() > 0.0));
    }
}

#[test]
fn table_shows_parties_cash_and_fairness() {
    let output = run(&["--scenarios", "40", "--months", "6"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let table = stdout(&output);
    for needle in [
        "Depot V2G three-party deal",
        "6 month(s) from 2024-07",
        "fleet",
        "aggregator",
        "oem",
        "insurer",
        "Expected cash by month as paid",
        "Fairness:",
        "conservation",
    ] {
        assert!(table.contains(needle), "{needle:?} missing:\n{table}");
    }
}

#[test]
fn errors_name_what_is_wrong() {
    // A deal name that is not there.
    let output = run(&["--name", "No such deal"]);
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("no risk_sharing named \"No such deal\"")
            && stderr(&output).contains("Depot V2G three-party deal"),
        "{}",
        stderr(&output)
    );
    // Rules without a deal.
    let output = voltlex(&[
        "risk-share",
        "--contract",
        "tariff-rules/examples-v2g",
        "--scenario",
        SCENARIO,
    ]);
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("no risk_sharing block"),
        "{}",
        stderr(&output)
    );
    // A study without a Monte Carlo section.
    let output = run_edited("no-risk", |scenario| {
        scenario["v2g"].as_object_mut().unwrap().remove("risk");
    });
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("give a `v2g.risk` section"),
        "{}",
        stderr(&output)
    );
    // A bad horizon in the file.
    let output = run_edited("bad-months", |scenario| {
        scenario["v2g"]["risk_sharing"]["months"] = Value::from(0);
    });
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("v2g.risk_sharing.months: expected 1 to 120, found 0"),
        "{}",
        stderr(&output)
    );
}

/// `voltlex risk-share` over the example study changed by `edit`, written beside the example
/// (whose relative paths it keeps) and removed at once.
fn run_edited(name: &str, edit: impl FnOnce(&mut Value)) -> std::process::Output {
    let mut scenario: Value =
        serde_json::from_str(&std::fs::read_to_string(root().join(SCENARIO)).unwrap()).unwrap();
    edit(&mut scenario);
    let path = root()
        .join("workbooks/examples/fleet")
        .join(format!("{name}-{}.json", std::process::id()));
    std::fs::write(&path, serde_json::to_string(&scenario).unwrap()).unwrap();
    let output = voltlex(&[
        "risk-share",
        "--contract",
        DEAL,
        "--scenario",
        path.to_str().unwrap(),
    ]);
    std::fs::remove_file(&path).unwrap();
    output
}
