//! The V2G reference LP (`v2g::reference`) against the problem's own cost function, the
//! scheduler's independent checker, a hand-computed case and the charging reference.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use chrono::NaiveDate;
use voltlex_engine::schedule::check::{check_with, CheckOptions};
use voltlex_engine::schedule::reference::ReferenceError;
use voltlex_engine::schedule::{Charger, Mode, Problem, Session};
use voltlex_engine::v2g::generate::{tiny_random_v2g, v2g_depot};
use voltlex_engine::v2g::reference::{solve_microlp, V2gReferenceSolution};
use voltlex_engine::v2g::{V2gCost, V2gProblem, V2gSession};

const TINY_SEEDS: u64 = 500;

fn close(a: f64, b: f64, relative: f64) -> bool {
    (a - b).abs() <= relative * a.abs().max(b.abs()).max(1.0)
}

/// Everything a reference plan must satisfy, checked from the problem statement.
fn assert_plan_is_right(
    problem: &V2gProblem,
    solution: &V2gReferenceSolution,
    mode: Mode,
    tag: &str,
) {
    let charging = &problem.charging;
    let plan = &solution.plan;
    let cost = V2gCost::of(problem, plan);
    assert!(
        close(cost.total, solution.objective, 1e-6),
        "{tag}: LP objective {} but the plan costs {} ({cost:?})",
        solution.objective,
        cost.total
    );
    assert!(close(cost.peak_kw, solution.peak_kw, 1e-9), "{tag}: peak");

    let report = check_with(charging, &plan.to_schedule(), mode, CheckOptions::v2g());
    assert!(
        report.is_ok(),
        "{tag}: checker says {:?}",
        report.violations
    );

    let hours = charging.slot_hours();
    for (i, session) in charging.sessions.iter().enumerate() {
        let v2g = &problem.sessions[i];
        let efficiency = charging.efficiency_of(session);
        let charger = &charging.chargers[session.charger];
        assert_eq!(
            plan.charge_kw[i].len(),
            session.window_len(),
            "{tag}: shape"
        );
        assert_eq!(
            plan.discharge_kw[i].len(),
            session.window_len(),
            "{tag}: shape"
        );
        for (&c, &d) in plan.charge_kw[i].iter().zip(&plan.discharge_kw[i]) {
            assert!(c >= 0.0 && c <= session.max_kw.min(charger.max_kw) + 1e-9);
            assert!(d >= 0.0 && d <= problem.discharge_limit_kw(i) + 1e-9);
            if !charger.v2g {
                assert_eq!(d, 0.0, "{tag}: discharge on non-V2G charger {}", charger.id);
            }
        }
        let floor = problem.floor_of(i);
        let tolerance = 1e-6 * session.battery_kwh.max(1.0);
        for kwh in plan.battery_kwh(problem, i) {
            assert!(
                kwh >= floor - tolerance,
                "{tag}: session {i} at {kwh} below floor {floor}"
            );
            assert!(
                kwh <= session.battery_kwh + tolerance,
                "{tag}: session {i} above capacity"
            );
        }
        let drained: f64 = plan.discharge_kw[i]
            .iter()
            .map(|d| hours * d / efficiency)
            .sum();
        assert!(
            drained <= v2g.max_discharge_kwh + 1e-6 * v2g.max_discharge_kwh.max(1.0),
            "{tag}: session {i} discharged {drained} kWh over its cap {}",
            v2g.max_discharge_kwh
        );
    }
}

#[test]
fn tiny_random_problems_agree_with_cost_and_checker_in_both_modes() {
    let mut discharged = 0;
    let mut exported = 0;
    for seed in 0..TINY_SEEDS {
        let problem = tiny_random_v2g(seed);
        for mode in [Mode::Availability, Mode::Cost] {
            let solution = solve_microlp(&problem, mode)
                .unwrap_or_else(|e| panic!("seed {seed} {mode:?}: {e}"));
            assert_plan_is_right(&problem, &solution, mode, &format!("seed {seed} {mode:?}"));
            let cost = V2gCost::of(&problem, &solution.plan);
            if mode == Mode::Availability {
                discharged += usize::from(cost.discharged_kwh > 1e-6);
                exported += usize::from(cost.exported_kwh > 1e-6);
            }
        }
    }
    // The generator must make discharge and export worth it often enough for this to test
    // something.
    eprintln!("{discharged} of {TINY_SEEDS} instances discharge, {exported} export");
    assert!(discharged >= 50, "only {discharged} instances discharge");
    assert!(exported >= 10, "only {exported} instances export");
}

#[test]
fn v2g_never_costs_more_than_charge_only_and_charge_only_matches_the_charging_reference() {
    for seed in 0..TINY_SEEDS {
        let problem = tiny_random_v2g(seed);
        for mode in [Mode::Availability, Mode::Cost] {
            let v2g = solve_microlp(&problem, mode).unwrap();
            let charge_only_problem = V2gProblem::charge_only(problem.charging.clone());
            let charge_only = solve_microlp(&charge_only_problem, mode).unwrap();
            assert!(
                v2g.objective
                    <= charge_only.objective + 1e-6 * charge_only.objective.abs().max(1.0),
                "seed {seed} {mode:?}: V2G {} > charge-only {}",
                v2g.objective,
                charge_only.objective
            );
            assert!(charge_only
                .plan
                .discharge_kw
                .iter()
                .flatten()
                .all(|&d| d == 0.0));
            // The charging problem's own reference LP, a different formulation (no battery
            // states, no site balance), finds the same optimum.
            let charging =
                voltlex_engine::schedule::reference::solve_microlp(&problem.charging, mode)
                    .unwrap();
            assert!(
                close(charging.objective, charge_only.objective, 1e-6),
                "seed {seed} {mode:?}: charging reference {} vs V2G LP without discharge {}",
                charging.objective,
                charge_only.objective
            );
        }
    }
}

/// Two one-hour slots: the site (10 kW base load) buys at 40 JPY/kWh, then at 10. A vehicle
/// (η = 0.9, 10 kW both ways, arrival 30 kWh, needs nothing more) may cover part of the first
/// hour's load and buy the energy back in the second hour.
fn arbitrage_case(degradation_per_kwh: f64, export_cap_kw: f64, export_price: f64) -> V2gProblem {
    let start = NaiveDate::from_ymd_opt(2024, 7, 1)
        .unwrap()
        .and_hms_opt(18, 0, 0)
        .unwrap();
    V2gProblem {
        charging: Problem {
            start,
            slot_minutes: 60,
            base_kw: vec![10.0, 10.0],
            import_cap_kw: 50.0,
            ratchet_kw: 50.0,
            energy_price: vec![40.0, 10.0],
            demand_price_per_kw: 0.0,
            unmet_price_per_kwh: 0.0,
            chargers: vec![Charger {
                id: "B1".into(),
                max_kw: 10.0,
                efficiency: 0.9,
                v2g: true,
            }],
            sessions: vec![Session {
                vehicle: "EV1".into(),
                charger: 0,
                first_slot: 0,
                end_slot: 2,
                max_kw: 10.0,
                energy_kwh: 0.0,
                reserved_kwh: 0.0,
                priority: 0,
                battery_kwh: 60.0,
                arrival_kwh: 30.0,
            }],
        },
        export_price: vec![export_price, 0.0],
        export_cap_kw,
        sessions: vec![V2gSession {
            discharge_kw: 10.0,
            floor_kwh: 0.0,
            degradation_per_kwh,
            max_discharge_kwh: f64::INFINITY,
        }],
    }
}

#[test]
fn hand_computed_arbitrage_is_taken_only_when_it_beats_wear() {
    // Per battery kWh cycled: sold at 40 × η = 36 in the first hour, bought back at
    // 10 ÷ η = 11.11 in the second, so it pays while wear < 24.89 JPY/kWh. Recharging is
    // limited to 10 kW × 0.9 = 9 battery kWh, so 9 kWh (8.1 kW at the grid) are cycled.
    let charge_only_cost = 10.0 * 40.0 + 10.0 * 10.0;
    let threshold = 40.0 * 0.9 - 10.0 / 0.9;

    let worth_it = arbitrage_case(20.0, 0.0, 0.0);
    let solution = solve_microlp(&worth_it, Mode::Availability).unwrap();
    let expected = charge_only_cost - 9.0 * (threshold - 20.0);
    assert!(
        close(solution.objective, expected, 1e-9),
        "{} vs {expected}",
        solution.objective
    );
    assert!(close(solution.objective, 456.0, 1e-9));
    assert!((solution.plan.discharge_kw[0][0] - 8.1).abs() < 1e-6);
    assert!((solution.plan.charge_kw[0][1] - 10.0).abs() < 1e-6);
    assert_plan_is_right(&worth_it, &solution, Mode::Availability, "worth it");

    // Just above the threshold, and well above: no discharge.
    for wear in [threshold + 0.01, 30.0] {
        let not_worth_it = arbitrage_case(wear, 0.0, 0.0);
        let solution = solve_microlp(&not_worth_it, Mode::Availability).unwrap();
        assert!(close(solution.objective, charge_only_cost, 1e-9));
        assert!(solution.plan.discharge_kw[0]
            .iter()
            .all(|&d| d.abs() < 1e-9));
        assert_plan_is_right(&not_worth_it, &solution, Mode::Availability, "not worth it");
    }
    // Just below: still worth it.
    let solution = solve_microlp(
        &arbitrage_case(threshold - 0.01, 0.0, 0.0),
        Mode::Availability,
    )
    .unwrap();
    assert!(solution.objective < charge_only_cost - 1e-3);
}

#[test]
fn hand_computed_export_is_paid_at_the_capped_sell_price() {
    // With a 5 kW export cap the vehicle can feed up to 15 kW in the first hour, but the
    // recharge limit keeps it at 8.1 kW: export would need the base load covered first, and
    // the recharge allows only 8.1 kW, so nothing is exported and the spot price is moot.
    let problem = arbitrage_case(20.0, 5.0, 60.0);
    let solution = solve_microlp(&problem, Mode::Availability).unwrap();
    assert!(close(solution.objective, 456.0, 1e-9));
    assert_eq!(V2gCost::of(&problem, &solution.plan).exported_kwh, 0.0);

    // With a 2 kW base load the discharge exceeds the site's load: the rest is exported at
    // the sell price, capped at the 40 JPY import price even though spot pays 60.
    let mut problem = arbitrage_case(5.0, 10.0, 60.0);
    problem.charging.base_kw = vec![2.0, 2.0];
    assert_eq!(problem.sell_price(0), 40.0);
    let solution = solve_microlp(&problem, Mode::Availability).unwrap();
    // Discharge 8.1 kW (9 battery kWh, the recharge limit again): 2 kW covers the site,
    // 6.1 kW exported at 40; recharge 10 kW + 2 kW base at 10; wear 9 × 5.
    let expected = -6.1 * 40.0 + 12.0 * 10.0 + 9.0 * 5.0;
    assert!(
        close(solution.objective, expected, 1e-9),
        "{} vs {expected}",
        solution.objective
    );
    let cost = V2gCost::of(&problem, &solution.plan);
    assert!((cost.exported_kwh - 6.1).abs() < 1e-6);
    assert_plan_is_right(&problem, &solution, Mode::Availability, "export");
}

#[test]
fn cycle_cap_and_floor_bind() {
    // Cap the cycled energy at 4 battery kWh: saving 4 × (36 − 11.11 − 20).
    let mut problem = arbitrage_case(20.0, 0.0, 0.0);
    problem.sessions[0].max_discharge_kwh = 4.0;
    let solution = solve_microlp(&problem, Mode::Availability).unwrap();
    let threshold = 40.0 * 0.9 - 10.0 / 0.9;
    assert!(close(
        solution.objective,
        500.0 - 4.0 * (threshold - 20.0),
        1e-9
    ));
    assert_plan_is_right(&problem, &solution, Mode::Availability, "cycle cap");

    // A floor at 27 kWh leaves 3 kWh to cycle.
    let mut problem = arbitrage_case(20.0, 0.0, 0.0);
    problem.sessions[0].floor_kwh = 27.0;
    let solution = solve_microlp(&problem, Mode::Availability).unwrap();
    assert!(close(
        solution.objective,
        500.0 - 3.0 * (threshold - 20.0),
        1e-9
    ));
    assert_plan_is_right(&problem, &solution, Mode::Availability, "floor");

    // Discharge on a charger that cannot: never.
    let mut problem = arbitrage_case(0.0, 10.0, 60.0);
    problem.charging.chargers[0].v2g = false;
    let solution = solve_microlp(&problem, Mode::Availability).unwrap();
    assert!(close(solution.objective, 500.0, 1e-9));
    assert_plan_is_right(&problem, &solution, Mode::Availability, "no V2G");
}

#[test]
fn discharge_can_rescue_a_base_load_above_the_cap_and_otherwise_it_is_infeasible() {
    let mut problem = arbitrage_case(5.0, 0.0, 0.0);
    problem.charging.import_cap_kw = 15.0;
    problem.charging.base_kw = vec![20.0, 5.0];
    let solution = solve_microlp(&problem, Mode::Availability).unwrap();
    assert!(solution.plan.discharge_kw[0][0] >= 5.0 - 1e-9);
    assert!(solution.peak_kw <= 15.0 + 1e-9);
    assert_plan_is_right(&problem, &solution, Mode::Availability, "rescue");

    problem.charging.chargers[0].v2g = false;
    assert!(matches!(
        solve_microlp(&problem, Mode::Availability),
        Err(ReferenceError::Infeasible { solver: "microlp" })
    ));
}

#[test]
fn small_depots_solve_and_check() {
    for seed in 0..3 {
        let depot = v2g_depot(4, 1, seed);
        for mode in [Mode::Availability, Mode::Cost] {
            let solution = solve_microlp(&depot, mode).unwrap();
            assert_plan_is_right(&depot, &solution, mode, &format!("depot {seed} {mode:?}"));
            let charge_only =
                solve_microlp(&V2gProblem::charge_only(depot.charging.clone()), mode).unwrap();
            assert!(solution.objective <= charge_only.objective + 1e-6 * charge_only.objective);
        }
    }
}

#[test]
fn malformed_problems_are_refused() {
    let mut problem = arbitrage_case(5.0, 0.0, 0.0);
    problem.export_price.pop();
    assert!(matches!(
        solve_microlp(&problem, Mode::Cost),
        Err(ReferenceError::Problem(_))
    ));
}

#[cfg(feature = "highs")]
mod highs {
    use super::*;
    use voltlex_engine::v2g::reference::solve_highs;

    #[test]
    fn highs_and_microlp_agree_on_tiny_problems() {
        for seed in 0..50 {
            let problem = tiny_random_v2g(seed);
            for mode in [Mode::Availability, Mode::Cost] {
                let highs = solve_highs(&problem, mode).unwrap();
                let microlp = solve_microlp(&problem, mode).unwrap();
                assert!(
                    close(highs.objective, microlp.objective, 1e-6),
                    "seed {seed} {mode:?}: HiGHS {} vs microlp {}",
                    highs.objective,
                    microlp.objective
                );
                assert_plan_is_right(&problem, &highs, mode, &format!("HiGHS seed {seed}"));
            }
        }
    }

    #[test]
    fn highs_and_microlp_agree_on_a_20_vehicle_depot() {
        let depot = v2g_depot(20, 1, 2024);
        for mode in [Mode::Availability, Mode::Cost] {
            let highs = solve_highs(&depot, mode).unwrap();
            let microlp = solve_microlp(&depot, mode).unwrap();
            assert!(
                close(highs.objective, microlp.objective, 1e-6),
                "{mode:?}: HiGHS {} vs microlp {}",
                highs.objective,
                microlp.objective
            );
            assert_plan_is_right(&depot, &highs, mode, "HiGHS depot");
            assert_plan_is_right(&depot, &microlp, mode, "microlp depot");
        }
    }
}
