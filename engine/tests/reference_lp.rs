//! The reference LP of the charging problem: hand-worked optima, infeasibility, the objective
//! equal to the schedule's cost, and microlp against HiGHS on random small problems.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use chrono::NaiveDate;
use voltlex_engine::schedule::generate::{synthetic_depot, tiny_random};
use voltlex_engine::schedule::reference::{solve_microlp, ReferenceError, ReferenceSolution};
use voltlex_engine::schedule::{Charger, Mode, Problem, ScheduleCost, Session};

/// A problem of hourly slots with one charger per session (each `(max_kw, efficiency,
/// first, end, energy, reserved)`).
fn hourly(
    base_kw: Vec<f64>,
    energy_price: Vec<f64>,
    import_cap_kw: f64,
    ratchet_kw: f64,
    demand_price_per_kw: f64,
    unmet_price_per_kwh: f64,
    sessions: &[(f64, f64, usize, usize, f64, f64)],
) -> Problem {
    let start = NaiveDate::from_ymd_opt(2024, 4, 1)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap();
    Problem {
        start,
        slot_minutes: 60,
        base_kw,
        import_cap_kw,
        ratchet_kw,
        energy_price,
        demand_price_per_kw,
        unmet_price_per_kwh,
        chargers: sessions
            .iter()
            .enumerate()
            .map(|(i, &(max_kw, efficiency, ..))| Charger {
                id: format!("C{i}"),
                max_kw,
                efficiency,
                v2g: false,
            })
            .collect(),
        sessions: sessions
            .iter()
            .enumerate()
            .map(
                |(i, &(max_kw, _, first_slot, end_slot, energy_kwh, reserved_kwh))| Session {
                    vehicle: format!("V{i}"),
                    charger: i,
                    first_slot,
                    end_slot,
                    max_kw,
                    energy_kwh,
                    reserved_kwh,
                    priority: 0,
                    battery_kwh: 100.0,
                    arrival_kwh: 0.0,
                },
            )
            .collect(),
    }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-6 * a.abs().max(b.abs()).max(1.0)
}

/// The schedule respects every bound and limit, and its cost is the reported objective.
fn assert_consistent(problem: &Problem, mode: Mode, solution: &ReferenceSolution) {
    let tol = 1e-6;
    let schedule = &solution.schedule;
    assert_eq!(schedule.power_kw.len(), problem.sessions.len());
    for (session, powers) in problem.sessions.iter().zip(&schedule.power_kw) {
        assert_eq!(powers.len(), session.window_len());
        assert!(powers
            .iter()
            .all(|&kw| (0.0..=session.max_kw).contains(&kw)));
    }
    for site in schedule.site_kw(problem) {
        assert!(site <= problem.import_cap_kw + tol, "{site} above the cap");
    }
    for (session, delivered) in problem.sessions.iter().zip(schedule.delivered_kwh(problem)) {
        assert!(delivered <= session.energy_kwh + tol);
        let must = match mode {
            Mode::Availability => session.energy_kwh,
            Mode::Cost => session.reserved_kwh.min(session.energy_kwh),
        };
        assert!(delivered >= must - tol, "{delivered} < {must}");
    }
    let cost = ScheduleCost::of(problem, schedule);
    assert!(
        close(cost.total, solution.objective),
        "schedule costs {} but the solver reports {}",
        cost.total,
        solution.objective
    );
}

fn solve(problem: &Problem, mode: Mode) -> ReferenceSolution {
    let solution = solve_microlp(problem, mode).unwrap();
    assert_consistent(problem, mode, &solution);
    #[cfg(feature = "highs")]
    {
        let highs = voltlex_engine::schedule::reference::solve_highs(problem, mode).unwrap();
        assert_consistent(problem, mode, &highs);
        assert!(close(highs.objective, solution.objective));
    }
    solution
}

#[test]
fn one_vehicle_charges_in_the_cheap_hour() {
    // 8 battery kWh at η = 0.8 is 10 grid kWh: all in the 10 JPY hour at 10 kW.
    // Base energy 5×30 + 5×10 = 200, charging 10×10 = 100.
    let problem = hourly(
        vec![5.0, 5.0],
        vec![30.0, 10.0],
        100.0,
        100.0,
        1000.0,
        100.0,
        &[(10.0, 0.8, 0, 2, 8.0, 0.0)],
    );
    for mode in [Mode::Availability, Mode::Cost] {
        let optimum = solve(&problem, mode);
        assert!(close(optimum.objective, 300.0), "{}", optimum.objective);
        assert!(close(optimum.schedule.power_kw[0][0], 0.0));
        assert!(close(optimum.schedule.power_kw[0][1], 10.0));
    }
}

#[test]
fn overflow_goes_to_the_dear_hour() {
    // 12 battery kWh at η = 0.8 is 15 grid kWh: 10 in the cheap hour, 5 in the dear one.
    // 200 base + 10×10 + 5×30 = 450.
    let problem = hourly(
        vec![5.0, 5.0],
        vec![30.0, 10.0],
        100.0,
        100.0,
        1000.0,
        100.0,
        &[(10.0, 0.8, 0, 2, 12.0, 0.0)],
    );
    let optimum = solve(&problem, Mode::Availability);
    assert!(close(optimum.objective, 450.0));
    assert!(close(optimum.schedule.power_kw[0][0], 5.0));
}

#[test]
fn the_import_cap_pushes_charging_into_the_dear_hour() {
    // Two 10 kW vehicles need 10 kWh each; base 5 kW and a 15 kW cap leave 10 kW per hour.
    // Base 5×10 + 5×20 = 150; charging 10×10 + 10×20 = 300.
    let problem = hourly(
        vec![5.0, 5.0],
        vec![10.0, 20.0],
        15.0,
        100.0,
        0.0,
        100.0,
        &[(10.0, 1.0, 0, 2, 10.0, 0.0), (10.0, 1.0, 0, 2, 10.0, 0.0)],
    );
    let optimum = solve(&problem, Mode::Availability);
    assert!(close(optimum.objective, 450.0));
    let fleet = optimum.schedule.fleet_kw(&problem);
    assert!(close(fleet[0], 10.0) && close(fleet[1], 10.0));
}

#[test]
fn paying_demand_beats_leaving_energy_unmet() {
    // One hour: base 10 kW, ratchet 15 kW, 10 JPY/kWh, unmet 100 JPY/kWh, a 10 kW vehicle
    // needing 10 kWh. Above 5 kW every kW costs 10 energy + 20 demand < 100 unmet: charge
    // fully. Base 100 + charging 100 + demand 5×20 = 300.
    let cheap_demand = hourly(
        vec![10.0],
        vec![10.0],
        100.0,
        15.0,
        20.0,
        100.0,
        &[(10.0, 1.0, 0, 1, 10.0, 0.0)],
    );
    let optimum = solve(&cheap_demand, Mode::Cost);
    assert!(close(optimum.objective, 300.0));
    assert!(close(optimum.schedule.power_kw[0][0], 10.0));

    // At 200 JPY/kW the fifth-and-beyond kW costs 210 > 100: stop at the ratchet, leave 5 kWh
    // unmet. Base 100 + charging 50 + unmet 500 = 650.
    let dear_demand = Problem {
        demand_price_per_kw: 200.0,
        ..cheap_demand.clone()
    };
    let optimum = solve(&dear_demand, Mode::Cost);
    assert!(close(optimum.objective, 650.0));
    assert!(close(optimum.schedule.power_kw[0][0], 5.0));
    let cost = ScheduleCost::of(&dear_demand, &optimum.schedule);
    assert!(close(cost.unmet_kwh, 5.0));

    // Availability mode must charge fully and pay 5 kW of demand: 100 + 100 + 1000.
    let optimum = solve(&dear_demand, Mode::Availability);
    assert!(close(optimum.objective, 1200.0));

    // A reservation of 8 kWh forces 3 kW above the ratchet: 100 + 80 + 600 + 200 unmet.
    let mut reserved = dear_demand.clone();
    reserved.sessions[0].reserved_kwh = 8.0;
    let optimum = solve(&reserved, Mode::Cost);
    assert!(close(optimum.objective, 980.0), "{}", optimum.objective);
}

#[test]
fn demand_is_paid_once_for_the_highest_slot() {
    // Two hours, ratchet 0: the peak costs 100/kW. 10 kWh over two hours at 5 kW each is
    // cheaper than 10 kW in the cheap hour (saves 5×100 demand, costs 5×(20−10) energy).
    let problem = hourly(
        vec![0.0, 0.0],
        vec![20.0, 10.0],
        100.0,
        0.0,
        100.0,
        1000.0,
        &[(10.0, 1.0, 0, 2, 10.0, 0.0)],
    );
    let optimum = solve(&problem, Mode::Availability);
    // 5×20 + 5×10 + 5×100 = 650.
    assert!(close(optimum.objective, 650.0));
    assert!(close(optimum.schedule.power_kw[0][0], 5.0));
}

#[test]
fn impossible_departures_are_infeasible_in_availability_mode_only() {
    // A 10 kW charger for 2 hours at η = 0.9 delivers 18 kWh: 20 are impossible.
    let problem = hourly(
        vec![0.0, 0.0],
        vec![10.0, 10.0],
        100.0,
        100.0,
        0.0,
        100.0,
        &[(10.0, 0.9, 0, 2, 20.0, 0.0)],
    );
    assert!(matches!(
        solve_microlp(&problem, Mode::Availability),
        Err(ReferenceError::Infeasible { .. })
    ));
    // Cost mode delivers the 18 kWh and pays for 2 unmet: 20 grid kWh × 10 + 2 × 100.
    let optimum = solve(&problem, Mode::Cost);
    assert!(close(optimum.objective, 400.0));

    // A reservation beyond what the window can deliver is infeasible in cost mode too.
    let mut reserved = problem.clone();
    reserved.sessions[0].reserved_kwh = 19.0;
    assert!(matches!(
        solve_microlp(&reserved, Mode::Cost),
        Err(ReferenceError::Infeasible { .. })
    ));

    // So is a cap the base load alone exceeds, and one that leaves too little room.
    let mut over_cap = problem.clone();
    over_cap.sessions[0].energy_kwh = 5.0;
    over_cap.base_kw = vec![120.0, 0.0];
    assert!(matches!(
        solve_microlp(&over_cap, Mode::Cost),
        Err(ReferenceError::Infeasible { .. })
    ));
    let mut tight = problem.clone();
    tight.sessions[0].energy_kwh = 10.0;
    tight.import_cap_kw = 5.0;
    assert!(matches!(
        solve_microlp(&tight, Mode::Availability),
        Err(ReferenceError::Infeasible { .. })
    ));
    #[cfg(feature = "highs")]
    for (p, mode) in [
        (&problem, Mode::Availability),
        (&reserved, Mode::Cost),
        (&over_cap, Mode::Cost),
        (&tight, Mode::Availability),
    ] {
        assert!(matches!(
            voltlex_engine::schedule::reference::solve_highs(p, mode),
            Err(ReferenceError::Infeasible { .. })
        ));
    }
}

#[test]
fn malformed_problems_are_refused() {
    let mut problem = hourly(
        vec![0.0, 0.0],
        vec![10.0],
        100.0,
        100.0,
        0.0,
        100.0,
        &[(10.0, 0.9, 0, 2, 5.0, 0.0)],
    );
    assert!(matches!(
        solve_microlp(&problem, Mode::Cost),
        Err(ReferenceError::Problem(_))
    ));
    problem.energy_price.push(10.0);
    problem.sessions[0].end_slot = 3;
    assert!(matches!(
        solve_microlp(&problem, Mode::Cost),
        Err(ReferenceError::Problem(_))
    ));
}

#[test]
fn random_small_problems_solve_consistently() {
    let mut solved = 0;
    let mut infeasible = 0;
    for seed in 0..300 {
        let problem = tiny_random(seed);
        for mode in [Mode::Availability, Mode::Cost] {
            let microlp = solve_microlp(&problem, mode);
            #[cfg(feature = "highs")]
            {
                let highs = voltlex_engine::schedule::reference::solve_highs(&problem, mode);
                match (&microlp, &highs) {
                    (Ok(a), Ok(b)) => assert!(
                        close(a.objective, b.objective),
                        "seed {seed} {mode:?}: microlp {} vs HiGHS {}",
                        a.objective,
                        b.objective
                    ),
                    (
                        Err(ReferenceError::Infeasible { .. }),
                        Err(ReferenceError::Infeasible { .. }),
                    ) => {}
                    other => panic!("seed {seed} {mode:?}: solvers disagree: {other:?}"),
                }
                if let Ok(b) = &highs {
                    assert_consistent(&problem, mode, b);
                }
            }
            match microlp {
                Ok(solution) => {
                    assert_consistent(&problem, mode, &solution);
                    solved += 1;
                }
                Err(ReferenceError::Infeasible { .. }) => infeasible += 1,
                Err(other) => panic!("seed {seed} {mode:?}: {other}"),
            }
        }
    }
    // The generator covers both outcomes.
    assert!(solved > 200 && infeasible > 20, "{solved} / {infeasible}");
}

#[test]
fn cost_mode_is_never_dearer_than_availability() {
    for seed in 0..100 {
        let problem = tiny_random(seed);
        if let Ok(available) = solve_microlp(&problem, Mode::Availability) {
            let cost = solve_microlp(&problem, Mode::Cost).unwrap();
            assert!(cost.objective <= available.objective + 1e-6 * available.objective.abs());
        }
    }
}

#[test]
fn synthetic_depots_are_feasible_and_consistent() {
    for (vehicles, days, seed) in [(40, 1, 1), (15, 3, 2)] {
        let problem = synthetic_depot(vehicles, days, seed);
        for mode in [Mode::Availability, Mode::Cost] {
            let optimum = solve(&problem, mode);
            if mode == Mode::Availability {
                let cost = ScheduleCost::of(&problem, &optimum.schedule);
                assert!(cost.unmet_kwh < 1e-5);
            }
        }
    }
}
