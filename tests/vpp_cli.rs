//! End-to-end tests of `voltlex vpp plan|settle` on the example portfolio
//! (workbooks/examples/vpp/portfolio.json: forecasts from the trip log and base-load history)
//! and a synthetic one, and their errors.

// Test code: a failed expectation should panic.
#![allow(
    dead_code, // the shared helpers in common/ this file does not use
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::{root, stderr, stdout, tempdir, voltlex};
use serde_json::Value;

const PORTFOLIO: &str = "workbooks/examples/vpp/portfolio.json";

fn json(args: &[&str]) -> Value {
    let mut all = args.to_vec();
    all.extend_from_slice(&["--format", "json"]);
    let output = voltlex(&all);
    assert!(output.status.success(), "{}", stderr(&output));
    serde_json::from_str(&stdout(&output)).unwrap()
}

#[test]
fn example_portfolio_is_planned_from_its_history() {
    let report = json(&["vpp", "plan", "--portfolio", PORTFOLIO]);
    assert_eq!(report["vehicles"], 200);
    assert_eq!(report["sites"], 8);
    // Three reservations booked in advance replace their vans' forecast stays; the fleets'
    // share comes from the aggregator contract "Example VPP" (share fleet 70%).
    assert_eq!(report["booked"], 3);
    assert_eq!(report["stays"], 200);
    assert_eq!(report["fleet_share"], 0.7);
    let backtests = &report["backtests"];
    assert!(backtests["days"].as_u64().unwrap() >= 20);
    let coverage = backtests["usage_coverage"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&coverage));
    // The base-load forecast beats the naive one on the example's history.
    assert!(
        backtests["base_load_mape"].as_f64().unwrap()
            < backtests["base_load_naive_mape"].as_f64().unwrap()
    );
    // Vehicle use first: nobody short, nobody without a charger.
    for site in report["site_lines"].as_array().unwrap() {
        assert!(site["unservable"].as_array().unwrap().is_empty());
        assert!(site["peak_kw"].as_f64().unwrap() <= site["cap_kw"].as_f64().unwrap() + 1e-6);
    }
    // 200 vans are too few for the 1 MW products: those blocks are listed as not bid.
    assert!(report["below_minimum"]
        .as_array()
        .unwrap()
        .iter()
        .any(|b| b[0] == "capacity"));
    // A higher confidence plans stays no shorter: no more flexibility.
    let cautious = json(&[
        "vpp",
        "plan",
        "--portfolio",
        PORTFOLIO,
        "--confidence",
        "0.99",
    ]);
    assert!(
        cautious["availability_revenue"].as_f64().unwrap()
            <= report["availability_revenue"].as_f64().unwrap() + 1e-6
    );
}

#[test]
fn a_large_synthetic_portfolio_bids_every_product_and_writes_ocpp_profiles() {
    let dir = tempdir("vpp-synthetic");
    let file = dir.join("portfolio.json");
    std::fs::write(
        &file,
        r#"{ "synthetic": { "vehicles": 2000, "sites": 40, "seed": 3 } }"#,
    )
    .unwrap();
    let ocpp = dir.join("ocpp");
    let report = json(&[
        "vpp",
        "plan",
        "--portfolio",
        file.to_str().unwrap(),
        "--ocpp",
        ocpp.to_str().unwrap(),
    ]);
    let products: Vec<&str> = report["bids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["product"].as_str().unwrap())
        .collect();
    for product in ["tertiary2-up", "tertiary2-down", "retail-dr"] {
        assert!(
            products.contains(&product),
            "{product} not bid: {products:?}"
        );
    }
    for bid in report["bids"].as_array().unwrap() {
        let minimum = if bid["product"] == "retail-dr" {
            50.0
        } else {
            1000.0
        };
        assert!(bid["kw"].as_f64().unwrap() >= minimum);
    }
    // One folder of charging profiles per site.
    let sites = std::fs::read_dir(&ocpp).unwrap().count();
    assert_eq!(sites, 40);
    // Participation cost falls as the portfolio grows.
    let curve = report["cost_curve"].as_array().unwrap();
    assert!(curve
        .windows(2)
        .all(|w| w[1]["ocpp"].as_f64().unwrap() < w[0]["ocpp"].as_f64().unwrap()));
}

#[test]
fn the_day_is_settled() {
    let report = json(&["vpp", "settle", "--portfolio", PORTFOLIO]);
    let settlement = &report["settlement"];
    let total = settlement["total"].as_f64().unwrap();
    let split =
        settlement["to_fleets"].as_f64().unwrap() + settlement["to_aggregator"].as_f64().unwrap();
    assert!((total - split).abs() < 1e-6);
    let by_sites: f64 = settlement["sites"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s[1].as_f64().unwrap())
        .sum();
    assert!((by_sites - total).abs() < 1e-6 * total.abs().max(1.0));
    assert_eq!(report["events"].as_array().unwrap().len(), 2);
    // Handed to the three-party deal as a month of such days: its parties share the margin.
    let deal = &report["risk_sharing"];
    assert_eq!(deal["deal"], "Depot V2G three-party deal");
    assert!((deal["margin"].as_f64().unwrap() - 30.0 * total).abs() < 1e-6 * total.abs().max(1.0));
    let shared: f64 = deal["parties"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p[1].as_f64().unwrap())
        .sum();
    assert!((shared - deal["margin"].as_f64().unwrap()).abs() < 1e-6 * total.abs().max(1.0));
    // The van that left early delivered less than activated, and the penalty shows.
    let delivery = &report["deliveries"][0];
    assert!(delivery[4].as_f64().unwrap() < delivery[3].as_f64().unwrap());
    assert!(settlement["products"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["penalties"].as_f64().unwrap() > 0.0));
    assert!(!report["short"].as_array().unwrap().is_empty());
}

#[test]
fn bad_input_is_named() {
    // A bad cell: file, line, column, expected, found.
    let dir = tempdir("vpp-bad");
    for name in [
        "chargers.csv",
        "vehicles.csv",
        "trips.csv",
        "base-load.csv",
        "portfolio.json",
    ] {
        std::fs::copy(
            root().join("workbooks/examples/vpp").join(name),
            dir.join(name),
        )
        .unwrap();
    }
    // The copies refer to the rule packages by absolute paths.
    let packages = root().join("tariff-rules");
    let absolute = |text: String| text.replace("../../../tariff-rules", packages.to_str().unwrap());
    let portfolio =
        std::fs::read_to_string(root().join("workbooks/examples/vpp/portfolio.json")).unwrap();
    std::fs::write(dir.join("portfolio.json"), absolute(portfolio)).unwrap();
    let sites =
        absolute(std::fs::read_to_string(root().join("workbooks/examples/vpp/sites.csv")).unwrap());
    // S01 is priced by its day/night pair: a word where its demand price should be.
    let edited: String = sites
        .lines()
        .map(|line| {
            if line.starts_with("S01,") {
                line.replacen(",1650,", ",lots,", 1)
            } else {
                line.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(dir.join("sites.csv"), edited).unwrap();
    let file = dir.join("portfolio.json");
    let output = voltlex(&["vpp", "plan", "--portfolio", file.to_str().unwrap()]);
    assert!(!output.status.success());
    let message = stderr(&output);
    assert!(
        message.contains(
            "sites.csv:3: column `demand_price_per_kw`: expected a price per kW, found \"lots\""
        ),
        "{message}"
    );
    // S00 bills under a tariff of a rule package: a name the package does not have.
    std::fs::write(
        dir.join("sites.csv"),
        sites.replacen("EV Depot TOU", "EV Depot TUO", 1),
    )
    .unwrap();
    let output = voltlex(&["vpp", "plan", "--portfolio", file.to_str().unwrap()]);
    assert!(!output.status.success());
    let message = stderr(&output);
    assert!(
        message.contains("sites.csv:2: site S00: tariff \"EV Depot TUO\"")
            && message.contains("no tariff named \"EV Depot TUO\""),
        "{message}"
    );
    // An event naming a bid the plan does not have.
    let events = dir.join("events.json");
    std::fs::write(
        &events,
        r#"[{ "event": "activation", "bid": 99, "share": 1.0 }]"#,
    )
    .unwrap();
    let output = voltlex(&[
        "vpp",
        "settle",
        "--portfolio",
        PORTFOLIO,
        "--events",
        events.to_str().unwrap(),
    ]);
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("activation of bid 99"),
        "{}",
        stderr(&output)
    );
    // A portfolio file that is not JSON says where.
    std::fs::write(&file, "{ \"day\": 2024 ").unwrap();
    let output = voltlex(&["vpp", "plan", "--portfolio", file.to_str().unwrap()]);
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("portfolio.json:1:"),
        "{}",
        stderr(&output)
    );
}
