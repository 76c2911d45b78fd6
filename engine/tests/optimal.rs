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
