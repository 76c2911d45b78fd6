//! Risk-sharing settlement: conservation in every scenario and month (property test), the
//! example deal settled by hand on two scenarios, and the fairness search against brute force.

// Test code: a failed expectation should panic.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use proptest::prelude::*;
use voltlex_dsl::rules::RiskSharingRule;
use voltlex_engine::sharing::fairness::{brute_force, lines_are_monotone};
use voltlex_engine::sharing::{
    evaluate, search, settle, FleetFacts, SystemMonth, SystemScenario, YearWear,
};

fn deal(text: &str) -> RiskSharingRule {
    let compilation = voltlex_dsl::package::compile_text("deal.vlx", text);
    assert!(
        !compilation.has_errors(),
        "{}",
        compilation.render_diagnostics(false)
    );
    compilation.rules.risk_sharings[0].clone()
}

/// The example package's deal (its wear plugin is not used by the settlement).
fn example_deal() -> RiskSharingRule {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tariff-rules/examples-risk-sharing");
    let compilation = voltlex_dsl::package::compile_package(&dir).expect("package loads");
    assert!(
        !compilation.has_errors(),
        "{}",
        compilation.render_diagnostics(false)
    );
    compilation.rules.risk_sharings[0].clone()
}

fn constant_year(margin: f64, kwh: f64, with: f64, without: f64) -> SystemScenario {
    SystemScenario {
        months: vec![
            SystemMonth {
                margin,
                discharged_kwh: kwh
            };
            12
        ],
        years: vec![YearWear {
            loss_with_v2g: with,
            loss_without_v2g: without,
        }],
    }
}

const FLEET: FleetFacts = FleetFacts {
    vehicles: 2.0,
    battery_kwh: 50.0,
    replacement_cost_per_kwh: 20_000.0,
    end_of_life_loss: 0.2,
};

/// Worked by hand (the same cases as the package's golden test
/// `tariff-rules/examples-risk-sharing/tests/two-scenarios.toml`, where the arithmetic is
/// written out): a loss of L costs a vehicle L / 0.2 × 20,000 × 50 = L × 5,000,000 JPY.
#[test]
fn example_deal_settled_by_hand() {
    let deal = example_deal();
    assert_eq!(deal.parties, ["fleet", "aggregator", "oem", "insurer"]);
    let good = constant_year(200_000.0, 1_000.0, 0.06, 0.02);
    let bad = constant_year(2_000.0, 100.0, 0.025, 0.02);

    let settled = settle(&deal, &FLEET, &good).expect("settles");
    assert_eq!(
        settled
            .totals()
            .iter()
            .map(|t| t.round())
            .collect::<Vec<_>>(),
        [1_038_000.0, 1_236_000.0, -102_000.0, -172_000.0]
    );
    // Quarterly, one month late: the first quarter's transfers to the aggregator (its share
    // 80,000 + upside 18,000 + fee 5,000 a month) arrive in the fourth month.
    assert!((settled.paid[1][3] - 309_000.0).abs() < 1e-6);
    assert!(settled.paid[1][..3].iter().all(|v| *v == 0.0));

    let settled = settle(&deal, &FLEET, &bad).expect("settles");
    assert_eq!(
        settled
            .totals()
            .iter()
            .map(|t| t.round())
            .collect::<Vec<_>>(),
        [-140_600.0, 64_800.0, 1_800.0, 48_000.0]
    );

    let outcome = evaluate(&deal, &FLEET, &[good, bad], 0.5).expect("evaluates");
    let fleet = &outcome.parties[0];
    assert!((fleet.expected - (1_038_000.0 - 140_600.0) / 2.0).abs() < 1e-6);
    assert!((fleet.status_quo_expected - (2_000_000.0 - 26_000.0) / 2.0).abs() < 1e-6);
    assert_eq!(fleet.probability_of_loss, 0.5);
    assert_eq!(fleet.status_quo_probability_of_loss, 0.5);
    assert!(outcome.conservation_error < 1e-6);
    // The insurer loses in the good year only.
    assert_eq!(outcome.parties[3].probability_of_loss, 0.5);
}

/// A deal drawn from every kind of term, between random parties.
fn arbitrary_deal() -> impl Strategy<Value = String> {
    let party = 0usize..4;
    let term = (
        0usize..7,
        party.clone(),
        1usize..4,
        0.0..5_000.0f64,
        0.0..1.0f64,
    );
    (
        prop::collection::vec(term, 0..8),
        0usize..3,
        0usize..3,
        0.0..1.0f64,
    )
        .prop_map(|(terms, period, lag, split)| {
            let names = ["fleet", "aggregator", "oem", "insurer"];
            let split = (split * 100.0).round();
            let mut text = format!(
                "risk_sharing \"random\" {{ parties fleet, aggregator, oem, insurer owner fleet \
                 revenue fleet {split}%, aggregator {}% ",
                100.0 - split
            );
            for (kind, payer, offset, amount, share) in terms {
                let payer_name = names[payer];
                let payee_name = names[(payer + offset) % 4];
                let flow = format!("from {payer_name} to {payee_name}");
                let amount = amount.round();
                let share = (share * 100.0).round();
                text += &match kind {
                    0 => format!("fee {amount} JPY per month {flow} "),
                    1 => format!("fee {} JPY/kWh {flow} ", amount / 1000.0),
                    2 => format!("floor {amount} JPY per vehicle per month {flow} "),
                    3 => format!("cap {amount} JPY per month {flow} "),
                    4 => format!("above {amount} JPY per month {share}% {flow} "),
                    5 => format!(
                        "cover {share}% of wear beyond 2% per year {flow} cap {amount} JPY per vehicle per year "
                    ),
                    _ => format!(
                        "insurance {flow} premium {amount} JPY per month deductible 1000 JPY limit 50000 JPY trigger {} ",
                        if share > 50.0 { "loss" } else { "wear" }
                    ),
                };
            }
            text += &format!(
                "payment {} lag {lag} months }}",
                ["monthly", "quarterly", "yearly"][period]
            );
            text
        })
}

fn arbitrary_scenario() -> impl Strategy<Value = SystemScenario> {
    (1usize..30).prop_flat_map(|months| {
        let years = months.div_ceil(12);
        (
            prop::collection::vec((-20_000.0..200_000.0f64, 0.0..2_000.0f64), months),
            prop::collection::vec((0.0..0.05f64, 0.0..0.05f64), years),
        )
            .prop_map(|(months, years)| SystemScenario {
                months: months
                    .into_iter()
                    .map(|(margin, discharged_kwh)| SystemMonth {
                        margin,
                        discharged_kwh,
                    })
                    .collect(),
                years: years
                    .into_iter()
                    .map(|(base, extra)| YearWear {
                        loss_with_v2g: base + extra,
                        loss_without_v2g: base,
                    })
                    .collect(),
            })
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Every party's flows add up to the system's in every month, and every amount accrued is
    /// paid once (the cash view sums to the same totals).
    #[test]
    fn flows_are_conserved(text in arbitrary_deal(), scenario in arbitrary_scenario()) {
        let deal = deal(&text);
        let settled = settle(&deal, &FLEET, &scenario).expect("settles");
        let scale = 1.0 + settled.system.iter().map(|v| v.abs()).sum::<f64>();
        prop_assert!(settled.conservation_error() < 1e-9 * scale, "{text}");
        for (accrued, paid) in settled.accrued.iter().zip(&settled.paid) {
            let a: f64 = accrued.iter().sum();
            let p: f64 = paid.iter().sum();
            prop_assert!((a - p).abs() < 1e-9 * scale, "{text}: accrued {a}, paid {p}");
        }
        let system: f64 = settled.system.iter().sum();
        let parties: f64 = settled.totals().iter().sum();
        prop_assert!((system - parties).abs() < 1e-9 * scale);
    }
}

/// Scenarios with some spread: margins and wear that differ.
fn spread_scenarios(count: usize) -> Vec<SystemScenario> {
    (0..count)
        .map(|index| {
            let x = index as f64 / count as f64;
            SystemScenario {
                months: (0..12)
                    .map(|month| SystemMonth {
                        margin: 20_000.0 + 60_000.0 * x + 3_000.0 * (month as f64 * 0.7).sin(),
                        discharged_kwh: 200.0 + 400.0 * x,
                    })
                    .collect(),
                years: vec![YearWear {
                    loss_with_v2g: 0.02 + 0.03 * (1.0 - x),
                    loss_without_v2g: 0.02,
                }],
            }
        })
        .collect()
}

#[test]
fn fairness_search_matches_brute_force() {
    let scenarios = spread_scenarios(40);
    let cases = [
        // Revenue last: bisection (margins are positive, no collar on the fleet).
        r#"risk_sharing "A" { parties fleet, aggregator, oem owner fleet
             revenue fleet 60%, aggregator 40%
             fee 1 JPY/kWh from fleet to oem
             cover 50% of wear beyond 3% per year from oem to fleet
             free cover 0..100 step 25
             free revenue fleet 0..100 step 5
             var limit 90% fleet 400000 JPY, aggregator 400000 JPY }"#,
        // Floor last with an upside share the other way: still monotone along the floor.
        r#"risk_sharing "B" { parties fleet, aggregator owner fleet
             revenue fleet 50%, aggregator 50%
             floor 500 JPY per vehicle per month from aggregator to fleet
             above 30000 JPY per month 40% from fleet to aggregator
             free revenue fleet 20..80 step 10
             free floor 0..20000 step 2500 }"#,
        // Revenue last with a floor and an upside share on the fleet: scanned, not bisected.
        r#"risk_sharing "C" { parties fleet, aggregator, insurer owner fleet
             revenue fleet 50%, aggregator 50%
             floor 10000 JPY per month from aggregator to fleet
             cap 30000 JPY per month from fleet to aggregator
             insurance from insurer to fleet premium 2000 JPY per month deductible 10000 JPY limit 20000 JPY trigger wear
             free premium 0..6000 step 1000
             free revenue fleet 0..100 step 10 }"#,
    ];
    let mut bisected = 0;
    for text in cases {
        let deal = deal(text);
        let fast = search(&deal, &FLEET, &scenarios, 0.95).expect("search");
        let reference = brute_force(&deal, &FLEET, &scenarios, 0.95).expect("brute force");
        assert_eq!(fast.feasible, reference.feasible, "{}", deal.name);
        assert_eq!(fast.best, reference.best, "{}", deal.name);
        assert_eq!(fast.grid_points, reference.grid_points);
        assert_eq!(reference.evaluated, reference.grid_points);
        assert!(
            !reference.feasible.is_empty(),
            "{}: a case with no answer tests little",
            deal.name
        );
        assert!(
            reference.feasible.len() < reference.grid_points,
            "{}: nor one where everything works",
            deal.name
        );
        assert_eq!(fast.bisected, lines_are_monotone(&deal, &scenarios));
        if fast.bisected {
            bisected += 1;
            assert!(fast.evaluated <= reference.evaluated);
        }
        // Every feasible point really is: each party gains and stays within its limit.
        for point in &fast.feasible {
            assert!(point.expected.iter().all(|e| *e > 0.0));
        }
    }
    assert_eq!(bisected, 2, "cases A and B are bisected, C is scanned");
}
