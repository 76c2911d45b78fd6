#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! The structured interior-point dispatch against independent solvers: the charging
//! scheduler's exact min-cost flow on charge-only problems, and the plain V2G LP (microlp)
//! on problems with discharge; every plan through the independent checker. "Equal" means a
//! relative objective gap ≤ 1e-6: the method stops at 1e-9, or — when the normal equations
//! get too ill-conditioned near a degenerate optimum — at its best iterate within 1e-6.

use voltlex_engine::schedule::check::{check_with, CheckOptions};
use voltlex_engine::schedule::generate::{synthetic_depot, tiny_random};
use voltlex_engine::schedule::{optimal, reference, Mode, ScheduleCost};
use voltlex_engine::v2g::generate::{tiny_random_v2g, v2g_depot};
use voltlex_engine::v2g::reference as v2g_reference;
use voltlex_engine::v2g::{dispatch, V2gProblem};

fn relative_gap(a: f64, b: f64) -> f64 {
    (a - b).abs() / a.abs().max(b.abs()).max(1.0)
}

#[test]
fn charge_only_matches_the_scheduler_on_random_small_problems() {
    let mut compared = 0;
    for seed in 0..300 {
        let charging = tiny_random(seed);
        for mode in [Mode::Availability, Mode::Cost] {
            let Ok(exact) = reference::solve_microlp(&charging, mode) else {
                continue;
            };
            let problem = V2gProblem::charge_only(charging.clone());
            let ours = dispatch(&problem, mode)
                .unwrap_or_else(|e| panic!("seed {seed} {mode:?}: {e}\n{charging:#?}"));
            assert!(
                relative_gap(ours.objective, exact.objective) <= 1e-6,
                "seed {seed} {mode:?}: ours {} vs LP {}",
                ours.objective,
                exact.objective
            );
            assert!(
                relative_gap(ours.cost.total, ours.objective) <= 1e-6,
                "seed {seed} {mode:?}: plan costs {} but objective {}",
                ours.cost.total,
                ours.objective
            );
            let report = check_with(
                &charging,
                &ours.plan.to_schedule(),
                mode,
                CheckOptions::v2g(),
            );
            assert!(report.is_ok(), "seed {seed} {mode:?}: {report:?}");
            compared += 1;
        }
    }
    assert!(compared > 300, "only {compared} comparisons");
}

#[test]
fn charge_only_matches_the_scheduler_on_depots() {
    for (vehicles, days, seed) in [(20, 1, 1), (60, 1, 2), (30, 3, 3)] {
        let charging = synthetic_depot(vehicles, days, seed);
        let exact = optimal::solve(&charging, Mode::Availability).unwrap();
        let exact_total = ScheduleCost::of(&charging, &exact.schedule).total;
        let ours = dispatch(
            &V2gProblem::charge_only(charging.clone()),
            Mode::Availability,
        )
        .unwrap();
        assert!(
            relative_gap(ours.objective, exact_total) <= 1e-6,
            "depot {vehicles}×{days}: ours {} vs flow {exact_total}",
            ours.objective
        );
    }
}

#[test]
fn v2g_matches_the_plain_lp_on_random_small_problems() {
    let mut compared = 0;
    let mut discharging = 0;
    for seed in 0..400 {
        let problem = tiny_random_v2g(seed);
        for mode in [Mode::Availability, Mode::Cost] {
            let Ok(exact) = v2g_reference::solve_microlp(&problem, mode) else {
                continue;
            };
            let ours = dispatch(&problem, mode)
                .unwrap_or_else(|e| panic!("seed {seed} {mode:?}: {e}\n{problem:#?}"));
            assert!(
                relative_gap(ours.objective, exact.objective) <= 1e-6,
                "seed {seed} {mode:?}: ours {} vs LP {}\n{problem:#?}",
                ours.objective,
                exact.objective
            );
            assert!(
                relative_gap(ours.cost.total, ours.objective) <= 1e-6,
                "seed {seed} {mode:?}: plan costs {} but objective {}",
                ours.cost.total,
                ours.objective
            );
            let report = check_with(
                &problem.charging,
                &ours.plan.to_schedule(),
                mode,
                CheckOptions::v2g(),
            );
            assert!(report.is_ok(), "seed {seed} {mode:?}: {report:?}");
            if ours.cost.discharged_kwh > 1e-3 {
                discharging += 1;
            }
            compared += 1;
        }
    }
    assert!(compared > 600, "only {compared} comparisons");
    assert!(discharging > 50, "only {discharging} plans discharge");
}

#[test]
fn v2g_matches_the_plain_lp_on_depots() {
    for (vehicles, days, seed) in [(10, 1, 1), (25, 1, 2), (12, 2, 3)] {
        let problem = v2g_depot(vehicles, days, seed);
        let exact = v2g_reference::solve_microlp(&problem, Mode::Availability).unwrap();
        let ours = dispatch(&problem, Mode::Availability).unwrap();
        assert!(
            relative_gap(ours.objective, exact.objective) <= 1e-6,
            "depot {vehicles}×{days}: ours {} vs LP {}",
            ours.objective,
            exact.objective
        );
        let report = check_with(
            &problem.charging,
            &ours.plan.to_schedule(),
            Mode::Availability,
            CheckOptions::v2g(),
        );
        assert!(report.is_ok(), "depot {vehicles}×{days}: {report:?}");
    }
}

/// Timing probe for the benchmark's largest instance (run with `--release -- --ignored`).
#[test]
#[ignore = "measurement: run in release"]
fn large_depot_timing() {
    for vehicles in [1000, 10_000] {
        let problem = v2g_depot(vehicles, 1, 2024);
        let started = std::time::Instant::now();
        let ours = dispatch(&problem, Mode::Availability).unwrap();
        eprintln!(
            "{vehicles} vehicles: {:.3} s, {} iterations, objective {}",
            started.elapsed().as_secs_f64(),
            ours.iterations,
            ours.objective
        );
    }
}

/// A wider sweep than CI runs (`V2G_SWEEP=N`, default 3000 seeds per generator): the
/// interior-point method against microlp (run with `--release -- --ignored`).
#[test]
#[ignore = "long sweep"]
fn wide_sweep_against_the_plain_lp() {
    let seeds: u64 = std::env::var("V2G_SWEEP")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3000);
    let mut worst: f64 = 0.0;
    for seed in 0..seeds {
        let problem = tiny_random_v2g(seed);
        for mode in [Mode::Availability, Mode::Cost] {
            let Ok(exact) = v2g_reference::solve_microlp(&problem, mode) else {
                continue;
            };
            let ours = dispatch(&problem, mode)
                .unwrap_or_else(|e| panic!("seed {seed} {mode:?}: {e}\n{problem:#?}"));
            let gap = relative_gap(ours.objective, exact.objective);
            worst = worst.max(gap);
            assert!(gap <= 1e-6, "seed {seed} {mode:?}: gap {gap}");
        }
    }
    eprintln!("{seeds} seeds: worst relative gap {worst:.2e}");
}
