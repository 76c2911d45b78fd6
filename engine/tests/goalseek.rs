#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! The goal seek against brute force: same best, runner-ups, binding slack, closest and
//! nearest cheaper candidate on hand-made and random evaluators; pruning counts;
//! determinism across thread counts; the memo's reuse; errors naming their candidate.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use proptest::prelude::*;
use voltlex_engine::goalseek::{
    brute_force, seek, Candidate, Choice, DecisionSpace, Dimension, Evaluation, Evaluator, Memo,
    SeekError, SeekOptions, SeekOutcome, SeekProgress, Target,
};

/// One candidate's figures and how far below its cost the lower bound sits.
#[derive(Debug, Clone)]
struct Row {
    cost: f64,
    npv: f64,
    payback: Option<f64>,
    crossover: Option<u32>,
    co2: f64,
    bound_slack: f64,
}

/// An evaluator that looks candidates up in a table (by candidate number).
struct Table {
    space: DecisionSpace,
    rows: Vec<Row>,
    calls: AtomicUsize,
}

impl Table {
    fn new(space: DecisionSpace, rows: Vec<Row>) -> Self {
        assert_eq!(space.size(), rows.len());
        Table {
            space,
            rows,
            calls: AtomicUsize::new(0),
        }
    }

    fn row(&self, candidate: &Candidate) -> &Row {
        &self.rows[self.space.index_of(candidate).unwrap()]
    }
}

#[derive(Debug, thiserror::Error)]
#[error("table error")]
struct TableError;

impl Evaluator for Table {
    type Error = TableError;

    fn cost_lower_bound(&self, candidate: &Candidate) -> f64 {
        let row = self.row(candidate);
        row.cost - row.bound_slack
    }

    fn evaluate(&self, candidate: &Candidate) -> Result<Evaluation, TableError> {
        self.calls.fetch_add(1, Ordering::Relaxed);
        let row = self.row(candidate);
        Ok(Evaluation {
            cost: row.cost,
            payback_years: row.payback,
            crossover_year: row.crossover,
            npv: row.npv,
            co2_saved_tonnes: row.co2,
        })
    }
}

fn counts(lengths: &[usize]) -> DecisionSpace {
    DecisionSpace::new(lengths.iter().enumerate().map(|(d, &n)| {
        Dimension::new(
            format!("d{d}"),
            (0..n).map(|i| Choice::Count(u32::try_from(i).unwrap())),
        )
    }))
}

fn options(runner_ups: usize, threads: usize) -> SeekOptions {
    SeekOptions {
        runner_ups,
        threads: Some(threads),
    }
}

/// Everything but the work counts.
fn answer(outcome: &SeekOutcome) -> SeekOutcome {
    SeekOutcome {
        evaluated: 0,
        pruned: 0,
        ..outcome.clone()
    }
}

/// Runs both searches and checks they agree; returns seek's outcome.
fn seek_equals_brute_force(
    table: &Table,
    targets: &[Target],
    runner_ups: usize,
    threads: usize,
) -> SeekOutcome {
    let options = options(runner_ups, threads);
    let fast = seek(&table.space, targets, table, &options, &|_| {}).unwrap();
    let full = brute_force(&table.space, targets, table, &options, &|_| {}).unwrap();
    assert_eq!(answer(&fast), answer(&full));
    assert_eq!(fast.evaluated + fast.pruned, fast.total);
    assert_eq!(full.evaluated, full.total);
    assert_eq!(full.pruned, 0);
    assert_eq!(fast.total, table.space.size());
    fast
}

fn row(cost: f64, npv: f64, payback: Option<f64>) -> Row {
    Row {
        cost,
        npv,
        payback,
        crossover: payback.map(|p| p.ceil() as u32),
        co2: cost / 10.0,
        bound_slack: 0.0,
    }
}

#[test]
fn non_monotone_costs_with_ties_rank_by_npv_then_candidate_order() {
    // 3 × 4 candidates; costs jump around; several share cost 50.
    let costs = [90., 50., 70., 50., 20., 50., 80., 10., 50., 60., 30., 40.];
    let npvs = [1., 5., 1., 5., 0., 7., 1., 0., 5., 1., 1., 1.];
    let paybacks = [
        Some(3.),
        Some(4.),
        Some(2.),
        Some(4.5),
        Some(9.),
        Some(5.),
        Some(1.),
        None,
        Some(4.),
        Some(4.),
        Some(6.),
        Some(8.),
    ];
    let rows = (0..12)
        .map(|i| Row {
            bound_slack: (i % 3) as f64 * 5.0,
            ..row(costs[i], npvs[i], paybacks[i])
        })
        .collect();
    let table = Table::new(counts(&[3, 4]), rows);
    let targets = [Target::PaybackWithin { years: 5.0 }];
    let outcome = seek_equals_brute_force(&table, &targets, 3, 2);
    // Feasible at cost 50: #1 (npv 5), #3 (npv 5), #5 (npv 7), #8 (npv 5) — #5 first by NPV,
    // then #1, #3, #8 by candidate order.
    let best = outcome.best.unwrap();
    assert_eq!(best.description, "d0=1, d1=1");
    let runner_ups: Vec<_> = outcome
        .runner_ups
        .iter()
        .map(|f| f.description.as_str())
        .collect();
    assert_eq!(runner_ups, ["d0=0, d1=1", "d0=0, d1=3", "d0=2, d1=0"]);
    // Payback exactly at the target: zero slack, binding.
    assert_eq!(outcome.binding.len(), 1);
    assert!(outcome.binding[0].binding);
    assert_eq!(outcome.binding[0].slack, 0.0);
    // Cheaper candidates: #7 (10, never), #4 (20, 9 y), #10 (30, 6 y), #11 (40, 8 y):
    // the nearest misses by one year.
    let (cheaper, why) = outcome.nearest_cheaper.unwrap();
    assert_eq!(cheaper.description, "d0=2, d1=2");
    assert_eq!(why[0].shortfall, Some(1.0));
}

#[test]
fn infeasible_region_is_skipped_and_binding_is_the_tightest_target() {
    // 4 × 5: cost grows with d0 + d1, payback shrinks with d0, CO2 grows with d1.
    let space = counts(&[4, 5]);
    let rows = space
        .candidates()
        .map(|c| {
            let (a, b) = (c.choices[0] as f64, c.choices[1] as f64);
            Row {
                cost: 100.0 * a + 70.0 * b,
                npv: 10.0 * a - b,
                payback: (a > 0.0).then(|| 12.0 / a),
                crossover: (a > 0.0).then(|| (12.0 / a).ceil() as u32),
                co2: 25.0 * b + 5.0 * a,
                bound_slack: 30.0,
            }
        })
        .collect();
    let table = Table::new(space, rows);
    let targets = [
        Target::PaybackWithin { years: 6.0 },
        Target::Co2SavedAtLeast { tonnes: 60.0 },
    ];
    let outcome = seek_equals_brute_force(&table, &targets, 1, 2);
    // Payback ≤ 6 needs a ≥ 2; CO2 ≥ 60 needs 25 b + 5 a ≥ 60: (2, 2) costs 340.
    let best = outcome.best.unwrap();
    assert_eq!(best.description, "d0=2, d1=2");
    assert_eq!(best.evaluation.cost, 340.0);
    // Payback 6.0 of 6 (slack 0), CO2 60 of 60 (slack 0): a tie, the first target binds.
    assert!(outcome.binding[0].binding && !outcome.binding[1].binding);
    assert!(outcome.pruned > 0, "pruned {}", outcome.pruned);
}

#[test]
fn nothing_feasible_evaluates_everything_and_names_the_closest() {
    let space = counts(&[2, 3]);
    let rows = vec![
        row(10.0, -50.0, None), // never: counted as 1 year after the latest (12) = 13
        row(20.0, -10.0, Some(12.0)), // payback misses by 7 of 5 (1.4), NPV by 10/20 (0.5)
        row(30.0, -3.0, Some(8.0)), // 0.6 + 0.1 = 0.7
        row(40.0, -1.0, Some(9.0)), // 0.8 + 0.025 = 0.825
        row(50.0, -100.0, Some(6.0)), // 0.2 + 2.0 = 2.2
        row(60.0, 5.0, Some(11.0)), // 1.2 + 0 = 1.2
    ];
    let table = Table::new(space, rows);
    let targets = [
        Target::PaybackWithin { years: 5.0 },
        Target::NpvAtLeast { amount: 0.0 },
    ];
    let outcome = seek_equals_brute_force(&table, &targets, 3, 1);
    assert!(outcome.best.is_none() && outcome.binding.is_empty());
    assert_eq!((outcome.evaluated, outcome.pruned), (6, 0));
    let (closest, why) = outcome.closest.unwrap();
    assert_eq!(closest.evaluation.cost, 30.0);
    assert_eq!(why.len(), 2);
    assert_eq!(why[0].shortfall, Some(3.0));
    assert!((why[0].normalised - 0.6).abs() < 1e-12);
    assert!((why[1].normalised - 0.1).abs() < 1e-12);
    assert_eq!(
        why[0].to_string(),
        "payback within 5 years: needed 5.00 years, achieved 8.00 years, short by 3.00 years"
    );
}

#[test]
fn never_ranks_behind_any_payback() {
    let space = counts(&[3]);
    let rows = vec![
        row(10.0, 0.0, None),
        row(20.0, 0.0, Some(30.0)),
        row(30.0, 0.0, None),
    ];
    let table = Table::new(space, rows);
    let outcome = seek_equals_brute_force(&table, &[Target::PaybackWithin { years: 5.0 }], 1, 2);
    let (closest, why) = outcome.closest.unwrap();
    assert_eq!(closest.evaluation.payback_years, Some(30.0));
    assert_eq!(why[0].achieved, Some(30.0));
}

#[test]
fn pruning_prunes_a_monotone_space() {
    // 10 × 10 × 10: cost and CO2 grow with every choice; the bound is the cost minus a bit.
    let space = counts(&[10, 10, 10]);
    let rows = space
        .candidates()
        .map(|c| {
            let [a, b, d] = [0, 1, 2].map(|i| c.choices[i] as f64);
            let cost = 1000.0 * a + 100.0 * b + 10.0 * d;
            Row {
                cost,
                npv: 0.0,
                payback: Some(3.0),
                crossover: Some(3),
                co2: 3.0 * a + 2.0 * b + d,
                bound_slack: 5.0,
            }
        })
        .collect();
    let table = Table::new(space, rows);
    let targets = [Target::Co2SavedAtLeast { tonnes: 8.0 }];
    let outcome = seek_equals_brute_force(&table, &targets, 3, 2);
    // Cheapest with 3a + 2b + d ≥ 8 is a = 0, b = 0, d = 8 (cost 80).
    assert_eq!(outcome.best.unwrap().evaluation.cost, 80.0);
    assert_eq!(outcome.total, 1000);
    // Feasible, cheapest first: 80 (0,0,8), 90 (0,0,9), 160 (0,1,6), 170 (0,1,7). Every
    // candidate whose bound is ≤ 170 (cost ≤ 175) must be evaluated: 10 + 8 = 18; the
    // search may overshoot by less than one batch (4 candidates with two threads).
    assert!(
        (18..18 + 4).contains(&outcome.evaluated),
        "evaluated {}",
        outcome.evaluated
    );
    assert_eq!(outcome.pruned, 1000 - outcome.evaluated);
    table.calls.store(0, Ordering::Relaxed);
    seek(&table.space, &targets, &table, &options(3, 2), &|_| {}).unwrap();
    assert_eq!(table.calls.load(Ordering::Relaxed), outcome.evaluated);
}

#[test]
fn threads_do_not_change_the_answer() {
    let space = counts(&[6, 5, 4]);
    let rows = space
        .candidates()
        .map(|c| {
            let i = space.index_of(&c).unwrap();
            let cost = ((i * 37) % 23) as f64 * 10.0;
            Row {
                cost,
                npv: ((i * 11) % 5) as f64,
                payback: (!i.is_multiple_of(7)).then(|| ((i * 13) % 9) as f64),
                crossover: Some(((i * 5) % 8) as u32),
                co2: ((i * 17) % 31) as f64,
                bound_slack: (i % 4) as f64 * 7.0,
            }
        })
        .collect();
    let table = Table::new(space, rows);
    let targets = [
        Target::PaybackWithin { years: 6.0 },
        Target::CrossoverBy { year: 5 },
        Target::Co2SavedAtLeast { tonnes: 10.0 },
    ];
    let one = seek_equals_brute_force(&table, &targets, 3, 1);
    let two = seek_equals_brute_force(&table, &targets, 3, 2);
    assert_eq!(answer(&one), answer(&two));
    assert!(one.best.is_some() && one.runner_ups.len() == 3);
    for _ in 0..5 {
        let again = seek(&table.space, &targets, &table, &options(3, 2), &|_| {}).unwrap();
        assert_eq!(again, two);
    }
}

#[test]
fn progress_counts_up_to_the_total() {
    let space = counts(&[10, 10]);
    let rows = space
        .candidates()
        .map(|c| row((c.choices[0] * 10 + c.choices[1]) as f64, 1.0, Some(2.0)))
        .collect();
    let table = Table::new(space, rows);
    let seen = Mutex::new(Vec::<SeekProgress>::new());
    let outcome = seek(
        &table.space,
        &[Target::NpvAtLeast { amount: 0.5 }],
        &table,
        &options(0, 1),
        &|p| seen.lock().unwrap().push(p),
    )
    .unwrap();
    let seen = seen.into_inner().unwrap();
    assert!(seen.len() >= 2);
    assert!(seen.windows(2).all(|w| w[0].evaluated <= w[1].evaluated));
    let last = seen.last().unwrap();
    assert_eq!(last.evaluated + last.pruned, 100);
    assert_eq!(last.best_cost, Some(0.0));
    assert_eq!(last.evaluated, outcome.evaluated);
}

/// Only `d0` (the "strategy") is expensive; `d1` (a subsidy) shifts the cost.
struct Counting {
    space: DecisionSpace,
    schedules: Memo<usize, f64>,
    simulations: AtomicUsize,
}

impl Evaluator for Counting {
    type Error = TableError;

    fn cost_lower_bound(&self, _: &Candidate) -> f64 {
        f64::NEG_INFINITY
    }

    fn evaluate(&self, candidate: &Candidate) -> Result<Evaluation, TableError> {
        let strategy = candidate.choices[0];
        let energy = self.schedules.get_or_try_insert_with(strategy, || {
            self.simulations.fetch_add(1, Ordering::Relaxed);
            Ok::<_, TableError>(1000.0 / (strategy as f64 + 1.0))
        })?;
        let subsidy = candidate.number(&self.space, "d1").unwrap();
        Ok(Evaluation {
            cost: energy - subsidy,
            payback_years: Some(3.0),
            crossover_year: Some(3),
            npv: 0.0,
            co2_saved_tonnes: 0.0,
        })
    }
}

#[test]
fn memo_reuses_the_expensive_part() {
    let counting = Counting {
        space: counts(&[2, 10]),
        schedules: Memo::new(),
        simulations: AtomicUsize::new(0),
    };
    let targets = [Target::PaybackWithin { years: 5.0 }];
    let outcome = brute_force(
        &counting.space,
        &targets,
        &counting,
        &options(3, 2),
        &|_| {},
    )
    .unwrap();
    assert_eq!(outcome.evaluated, 20);
    assert_eq!(counting.simulations.load(Ordering::Relaxed), 2);
    assert_eq!(counting.schedules.misses(), 2);
    assert_eq!(counting.schedules.hits(), 18);
    assert_eq!(counting.schedules.len(), 2);
    // Strategy 1 with the largest subsidy: 500 − 9.
    assert_eq!(outcome.best.unwrap().evaluation.cost, 491.0);
}

#[test]
fn memo_computes_each_key_once_under_contention() {
    let memo: Memo<u32, u64> = Memo::new();
    let computed = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..8 {
            scope.spawn(|| {
                for key in 0..100u32 {
                    let value = memo.get_or_insert_with(key, || {
                        computed.fetch_add(1, Ordering::Relaxed);
                        std::thread::yield_now();
                        u64::from(key) * 3
                    });
                    assert_eq!(value, u64::from(key) * 3);
                }
            });
        }
    });
    assert_eq!(computed.load(Ordering::Relaxed), 100);
    assert_eq!(memo.misses(), 100);
    assert_eq!(memo.hits(), 700);
    assert_eq!(memo.len(), 100);
}

#[test]
fn memo_failure_is_not_cached() {
    let memo: Memo<u8, u8> = Memo::new();
    assert!(memo.get_or_try_insert_with(1, || Err(TableError)).is_err());
    assert!(memo.is_empty());
    assert_eq!(
        memo.get_or_try_insert_with(1, || Ok::<_, TableError>(4))
            .unwrap(),
        4
    );
    assert_eq!((memo.hits(), memo.misses()), (0, 2));
}

/// Fails on one candidate.
struct Failing {
    space: DecisionSpace,
}

impl Evaluator for Failing {
    type Error = std::io::Error;

    fn cost_lower_bound(&self, candidate: &Candidate) -> f64 {
        candidate.choices[0] as f64
    }

    fn evaluate(&self, candidate: &Candidate) -> Result<Evaluation, std::io::Error> {
        if candidate.label(&self.space, "strategy") == Some("optimal") && candidate.choices[0] == 2
        {
            return Err(std::io::Error::other("the schedule did not converge"));
        }
        Ok(Evaluation {
            cost: candidate.choices[0] as f64,
            payback_years: None,
            crossover_year: None,
            npv: 0.0,
            co2_saved_tonnes: 0.0,
        })
    }
}

#[test]
fn evaluator_errors_name_the_candidate() {
    let space = DecisionSpace::new([
        Dimension::new("ev_count", [10, 20, 40].map(Choice::Count)),
        Dimension::new(
            "strategy",
            ["uncontrolled", "optimal"].map(|s| Choice::Label(s.into())),
        ),
    ]);
    let failing = Failing { space };
    let targets = [Target::NpvAtLeast { amount: 1.0 }];
    for result in [
        seek(&failing.space, &targets, &failing, &options(0, 2), &|_| {}),
        brute_force(&failing.space, &targets, &failing, &options(0, 1), &|_| {}),
    ] {
        let error = result.unwrap_err();
        assert_eq!(
            error.to_string(),
            "ev_count=40, strategy=optimal: the schedule did not converge"
        );
        let source = std::error::Error::source(&error).unwrap();
        assert_eq!(source.to_string(), "the schedule did not converge");
        assert!(matches!(error, SeekError::Evaluate { .. }));
    }
}

#[test]
fn a_bound_above_the_cost_and_bad_figures_are_refused() {
    let mut rows: Vec<Row> = (0..4).map(|i| row(f64::from(i), 0.0, Some(1.0))).collect();
    rows[2].bound_slack = -1.0; // bound 3 above cost 2
    let table = Table::new(counts(&[4]), rows.clone());
    let targets = [Target::PaybackWithin { years: 2.0 }];
    let error = brute_force(&table.space, &targets, &table, &options(5, 1), &|_| {}).unwrap_err();
    assert!(
        matches!(&error, SeekError::BoundAboveCost { candidate, bound, cost }
            if candidate == "d0=2" && *bound == 3.0 && *cost == 2.0),
        "{error}"
    );
    // seek with 5 runner-ups never prunes, so it meets the broken bound too.
    assert!(matches!(
        seek(&table.space, &targets, &table, &options(5, 1), &|_| {}),
        Err(SeekError::BoundAboveCost { .. })
    ));

    rows[2].bound_slack = 0.0;
    rows[1].npv = f64::NAN;
    let table = Table::new(counts(&[4]), rows);
    assert!(matches!(
        seek(&table.space, &targets, &table, &options(0, 1), &|_| {}),
        Err(SeekError::NotFinite { figure: "npv", .. })
    ));
    assert!(matches!(
        seek(
            &table.space,
            &[Target::PaybackWithin { years: f64::NAN }],
            &table,
            &options(0, 1),
            &|_| {}
        ),
        Err(SeekError::Target(_))
    ));
}

#[test]
fn an_empty_space_finds_nothing() {
    let table = Table::new(counts(&[3, 0]), Vec::new());
    let outcome = seek_equals_brute_force(&table, &[Target::NpvAtLeast { amount: 0.0 }], 3, 1);
    assert!(outcome.best.is_none() && outcome.closest.is_none());
    assert_eq!(outcome.total, 0);
}

#[test]
fn the_outcome_serialises() {
    let table = Table::new(
        counts(&[2]),
        vec![row(1.0, 2.0, Some(3.0)), row(2.0, 1.0, None)],
    );
    let outcome = seek_equals_brute_force(&table, &[Target::PaybackWithin { years: 4.0 }], 1, 1);
    let json = serde_json::to_value(&outcome).unwrap();
    assert_eq!(json["best"]["description"], "d0=0");
    assert_eq!(json["binding"][0]["target"]["payback_within"]["years"], 4.0);
}

fn arbitrary_row() -> impl Strategy<Value = Row> {
    (
        0u32..12,
        -3i32..4,
        prop::option::weighted(0.8, 0u32..12),
        prop::option::weighted(0.8, 0u32..12),
        0u32..20,
        prop_oneof![Just(0.0), 0.0..40.0f64],
    )
        .prop_map(|(cost, npv, payback, crossover, co2, bound_slack)| Row {
            // Few distinct costs and NPVs: plenty of ties.
            cost: f64::from(cost) * 10.0,
            npv: f64::from(npv),
            payback: payback.map(|p| f64::from(p) / 2.0),
            crossover,
            co2: f64::from(co2),
            bound_slack,
        })
}

fn arbitrary_target() -> impl Strategy<Value = Target> {
    prop_oneof![
        (0u32..12).prop_map(|y| Target::PaybackWithin {
            years: f64::from(y) / 2.0
        }),
        (0u32..10).prop_map(|year| Target::CrossoverBy { year }),
        (-3i32..4).prop_map(|a| Target::NpvAtLeast {
            amount: f64::from(a)
        }),
        (0u32..20).prop_map(|t| Target::Co2SavedAtLeast {
            tonnes: f64::from(t)
        }),
    ]
}

fn arbitrary_case() -> impl Strategy<Value = (Vec<usize>, Vec<Row>)> {
    prop::collection::vec(1usize..6, 2..=4)
        .prop_filter("at most 200 candidates", |lengths| {
            lengths.iter().product::<usize>() <= 200
        })
        .prop_flat_map(|lengths| {
            let size = lengths.iter().product::<usize>();
            (Just(lengths), prop::collection::vec(arbitrary_row(), size))
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn seek_equals_brute_force_on_random_tables(
        (lengths, rows) in arbitrary_case(),
        targets in prop::collection::vec(arbitrary_target(), 1..=3),
        runner_ups in 0usize..4,
        threads in 1usize..=2,
    ) {
        let table = Table::new(counts(&lengths), rows);
        seek_equals_brute_force(&table, &targets, runner_ups, threads);
    }
}
