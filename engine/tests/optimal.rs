#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! The optimal strategy against a general LP solver (microlp) on the same linear program,
//! and its schedules through the independent checker.

use voltlex_engine::schedule::check::check;
use voltlex_engine::schedule::generate::{synthetic_depot, tiny_random};
use voltlex_engine::schedule::reference::solve_microlp;
use voltlex_engine::schedule::{optimal, Mode, ScheduleCost};

fn relative_gap(a: f64, b: f64) -> f64 {
    (a - b).abs() / a.abs().max(b.abs()).max(1.0)
}

#[test]
fn matches_the_lp_on_random_small_problems() {
    let mut compared = 0;
    for seed in 0..400 {
        let problem = tiny_random(seed);
        for mode in [Mode::Availability, Mode::Cost] {
            let reference = solve_microlp(&problem, mode);
            let ours = optimal::solve(&problem, mode);
            match (reference, ours) {
                (Ok(reference), Ok(ours)) => {
                    assert!(
                        ours.unservable.is_empty(),
                        "seed {seed} {mode:?}: LP feasible but we report {:?}",
                        ours.unservable
                    );
                    let ours_total = ScheduleCost::of(&problem, &ours.schedule).total;
                    assert!(
                        relative_gap(ours_total, reference.objective) <= 1e-6,
                        "seed {seed} {mode:?}: ours {ours_total} vs LP {}\n{problem:#?}\n{:#?}\n{:#?}",
                        reference.objective,
                        ours.schedule,
                        reference.schedule
                    );
                    let report = check(&problem, &ours.schedule, mode);
                    assert!(report.is_ok(), "seed {seed} {mode:?}: {report:?}");
                    compared += 1;
                }
                (Err(_), Ok(ours)) => {
                    // The LP is infeasible: we must say who cannot be served.
                    assert!(
                        !ours.unservable.is_empty(),
                        "seed {seed} {mode:?}: {ours:?}"
                    );
                }
                (_, Err(_)) => {}
            }
        }
    }
    assert!(compared > 300, "only {compared} comparisons");
}

#[test]
fn matches_the_lp_on_a_depot_day() {
    for (vehicles, seed) in [(30, 1), (60, 2)] {
        let problem = synthetic_depot(vehicles, 1, seed);
        for mode in [Mode::Availability, Mode::Cost] {
            let reference = solve_microlp(&problem, mode).unwrap();
            let ours = optimal::solve(&problem, mode).unwrap();
            let total = ScheduleCost::of(&problem, &ours.schedule).total;
            assert!(
                relative_gap(total, reference.objective) <= 1e-6,
                "{vehicles} {mode:?}: {total} vs {}",
                reference.objective
            );
            assert!(check(&problem, &ours.schedule, mode).is_ok());
            assert!(ours.lower_bound <= total + 1e-6 * total.abs());
        }
    }
}

/// Tight caps and low ratchets force long re-routing paths through many slots.
#[test]
fn matches_the_lp_on_congested_depots() {
    let mut compared = 0;
    for seed in 0..24 {
        let mut problem = synthetic_depot(8 + (seed as usize % 5) * 6, 1 + seed as usize % 2, seed);
        let fleet_max: f64 = problem.sessions.iter().map(|s| s.max_kw).sum();
        let base_max = problem.base_kw.iter().copied().fold(0.0, f64::max);
        problem.import_cap_kw = base_max + fleet_max * (0.15 + 0.05 * (seed % 4) as f64);
        problem.ratchet_kw = base_max * 0.9;
        for mode in [Mode::Availability, Mode::Cost] {
            let ours = optimal::solve(&problem, mode).unwrap();
            match solve_microlp(&problem, mode) {
                Ok(reference) => {
                    let total = ScheduleCost::of(&problem, &ours.schedule).total;
                    assert!(
                        relative_gap(total, reference.objective) <= 1e-6,
                        "seed {seed} {mode:?}: {total} vs {}",
                        reference.objective
                    );
                    assert!(check(&problem, &ours.schedule, mode).is_ok(), "seed {seed}");
                    compared += 1;
                }
                Err(_) => assert!(!ours.unservable.is_empty(), "seed {seed} {mode:?}"),
            }
        }
    }
    assert!(compared >= 24, "only {compared} comparisons");
}
