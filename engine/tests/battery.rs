//! Battery degradation: rainflow counting against hand-counted histories (ASTM E1049-85
//! example included), presets against their source figures, ageing monotonicity, rule errors.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use proptest::prelude::*;
use rust_decimal::Decimal;
use voltlex_dsl::rules::{ChemistryRule, CycleLifePoint, RuleRef};
use voltlex_engine::battery::chemistry::anode_potential;
use voltlex_engine::battery::rainflow::{count, count_state_of_charge, reversal_indices};
use voltlex_engine::battery::{
    cost_per_discharged_kwh, degradation, Chemistry, ChemistryProblem, Cycle, DegradationCost,
    Usage, UsageError,
};

/// (range, mean, count, start, end) of each counted cycle, in counting order.
fn summary(cycles: &[Cycle]) -> Vec<(f64, f64, f64, usize, usize)> {
    cycles
        .iter()
        .map(|c| (c.range, c.mean, c.count, c.start, c.end))
        .collect()
}

fn count_of_range(cycles: &[Cycle], range: f64) -> f64 {
    cycles
        .iter()
        .filter(|c| (c.range - range).abs() < 1e-12)
        .map(|c| c.count)
        .sum()
}

// ---------------------------------------------------------------------------------------
// Rainflow
// ---------------------------------------------------------------------------------------

/// The standard's rainflow example history (§5.4.4): −2, 1, −3, 5, −1, 3, −4, 4, −2 (points A..I,
/// indices 0..8).
///
/// By hand (S = starting point, X = latest range, Y = the range before it):
/// - A B C (−2, 1, −3): X = 4 ≥ Y = 3, Y contains S → half cycle A–B, range 3; S = B.
/// - B C D (1, −3, 5): X = 8 ≥ Y = 4, Y contains S → half cycle B–C, range 4; S = C.
/// - C D E (−3, 5, −1): X = 6 < Y = 8. Add F: D E F (5, −1, 3): X = 4 < Y = 6.
/// - Add G: E F G (−1, 3, −4): X = 7 ≥ Y = 4, Y does not contain S → full cycle E–F,
///   range 4; drop E, F. Now C D G (−3, 5, −4): X = 9 ≥ Y = 8, contains S → half cycle
///   C–D, range 8; S = D.
/// - D G H (5, −4, 4): X = 8 < Y = 9. G H I (−4, 4, −2): X = 6 < Y = 8. Out of data.
/// - Residue D G H I: half cycles D–G range 9, G–H range 8, H–I range 6.
///
/// Totals, as in the standard's table: range 3 → 0.5, 4 → 1.5, 6 → 0.5, 8 → 1.0, 9 → 0.5.
#[test]
fn astm_example_history() {
    let history = [-2.0, 1.0, -3.0, 5.0, -1.0, 3.0, -4.0, 4.0, -2.0];
    let cycles = count(&history);
    assert_eq!(
        summary(&cycles),
        vec![
            (3.0, -0.5, 0.5, 0, 1),
            (4.0, -1.0, 0.5, 1, 2),
            (4.0, 1.0, 1.0, 4, 5),
            (8.0, 1.0, 0.5, 2, 3),
            (9.0, 0.5, 0.5, 3, 6),
            (8.0, 0.0, 0.5, 6, 7),
            (6.0, 1.0, 0.5, 7, 8),
        ]
    );
    let totals = [3.0, 4.0, 6.0, 8.0, 9.0].map(|range| count_of_range(&cycles, range));
    assert_eq!(totals, [0.5, 1.5, 0.5, 1.0, 0.5]);
}

/// A repeated inner cycle: 0, 10, 2, 8, 2, 8, 0 (indices 0..6).
///
/// By hand: 0 10 2: X = 8 < Y = 10. 10 2 8: X = 6 < 8. 2 8 2: X = 6 ≥ Y = 6 (2–8, not S)
/// → full cycle range 6 (indices 2, 3); stack 0 10 2(4). 10 2 8: X = 6 < 8. 2 8 0: X = 8 ≥
/// Y = 6 → full cycle range 6 (indices 4, 5); stack 0 10 0. X = 10 ≥ Y = 10, contains S →
/// half cycle 0–10 (0, 1). Residue 10 0 → half cycle (1, 6).
/// Totals: range 6 → 2 full cycles, range 10 → two halves.
#[test]
fn repeated_full_cycle() {
    let cycles = count(&[0.0, 10.0, 2.0, 8.0, 2.0, 8.0, 0.0]);
    assert_eq!(
        summary(&cycles),
        vec![
            (6.0, 5.0, 1.0, 2, 3),
            (6.0, 5.0, 1.0, 4, 5),
            (10.0, 5.0, 0.5, 0, 1),
            (10.0, 5.0, 0.5, 1, 6),
        ]
    );
}

/// Nested small cycles, with a point on a slope (2.5, 6) and plateaus (5 5, 4 4):
/// 0, 2.5, 5, 5, 3, 4, 4, 2, 6, 10, 0 (indices 0..10).
///
/// Reversals: 0@0, 5@2 (first point of the plateau), 3@4, 4@5, 2@7, 10@9, 0@10.
/// By hand: 0 5 3: X = 2 < 5. 5 3 4: X = 1 < 2. 3 4 2: X = 2 ≥ Y = 1 → full cycle 3–4
/// (range 1, mean 3.5, indices 4, 5); stack 0 5 2: X = 3 < 5. 5 2 10: X = 8 ≥ Y = 3 → full
/// cycle 5–2 (range 3, mean 3.5, indices 2, 7); stack 0 10: add 0: X = 10 ≥ Y = 10, contains S
/// → half cycle 0–10 (0, 9). Residue 10 0 → half cycle (9, 10).
#[test]
fn nested_small_cycles_with_plateaus_and_slopes() {
    let history = [0.0, 2.5, 5.0, 5.0, 3.0, 4.0, 4.0, 2.0, 6.0, 10.0, 0.0];
    assert_eq!(reversal_indices(&history), vec![0, 2, 4, 5, 7, 9, 10]);
    assert_eq!(
        summary(&count(&history)),
        vec![
            (1.0, 3.5, 1.0, 4, 5),
            (3.0, 3.5, 1.0, 2, 7),
            (10.0, 5.0, 0.5, 0, 9),
            (10.0, 5.0, 0.5, 9, 10),
        ]
    );
}

#[test]
fn degenerate_histories() {
    assert!(count(&[]).is_empty());
    assert!(count(&[1.0]).is_empty());
    assert!(count(&[1.0, 1.0, 1.0]).is_empty());
    assert_eq!(summary(&count(&[1.0, 3.0])), vec![(2.0, 2.0, 0.5, 0, 1)]);
}

#[test]
fn state_of_charge_counting_refuses_values_outside_zero_to_one() {
    let error = count_state_of_charge(&[0.5, 0.2, -0.1]).unwrap_err();
    assert_eq!((error.index, error.found), (2, -0.1));
    assert!(error.to_string().contains("expected a fraction in 0..=1"));
    assert!(count_state_of_charge(&[0.5, f64::NAN]).is_err());
    let cycles = count_state_of_charge(&[1.0, 0.2, 1.0]).unwrap();
    assert!(cycles.iter().all(|c| (c.range - 0.8).abs() < 1e-12));
}

proptest! {
    #[test]
    fn twice_the_count_is_reversals_minus_one(series in prop::collection::vec(-50i32..50, 1..80)) {
        let series: Vec<f64> = series.into_iter().map(f64::from).collect();
        let cycles = count(&series);
        let doubled: f64 = cycles.iter().map(|c| 2.0 * c.count).sum();
        prop_assert_eq!(doubled, (reversal_indices(&series).len() - 1) as f64);
    }

    #[test]
    fn ranges_fit_the_history_and_name_their_points(
        series in prop::collection::vec(-1.0e3f64..1.0e3, 0..80)
    ) {
        let max = series.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let min = series.iter().copied().fold(f64::INFINITY, f64::min);
        for c in count(&series) {
            prop_assert!(c.range <= max - min);
            prop_assert!(c.start < c.end);
            prop_assert_eq!(c.range, (series[c.end] - series[c.start]).abs());
            prop_assert!(c.count == 0.5 || c.count == 1.0);
        }
    }

    #[test]
    fn a_constant_offset_changes_only_the_means(
        series in prop::collection::vec(-1000i32..1000, 0..80),
        offset in -10_000i32..10_000,
    ) {
        // Integers: the shifted history is exact, so every comparison is the same.
        let series: Vec<f64> = series.into_iter().map(f64::from).collect();
        let shifted: Vec<f64> = series.iter().map(|v| v + f64::from(offset)).collect();
        let expected: Vec<_> = count(&series)
            .into_iter()
            .map(|c| Cycle { mean: c.mean + f64::from(offset), ..c })
            .collect();
        prop_assert_eq!(count(&shifted), expected);
    }
}

// ---------------------------------------------------------------------------------------
// Presets against their sources
// ---------------------------------------------------------------------------------------

/// State of charge of `cycles` full cycles of `depth` around 50 % at 0.5C: each leg in
/// `legs` slots of depth/legs, slot length (depth/legs)/0.5 h.
fn repeated_cycles(depth: f64, cycles: usize, legs: usize) -> (Vec<f64>, f64) {
    let top = 0.5 + depth / 2.0;
    let mut soc = vec![top];
    for _ in 0..cycles {
        for j in 1..=legs {
            soc.push(top - depth * j as f64 / legs as f64);
        }
        for j in 1..=legs {
            soc.push(top - depth + depth * j as f64 / legs as f64);
        }
    }
    (soc, depth / legs as f64 / 0.5)
}

#[test]
fn presets_reproduce_their_cycle_lives_at_three_depths() {
    // FACTS.md: closed-form cell-level cycle lives to 20 % loss at 25 °C, 50 % mean SoC.
    let sources = [
        (
            Chemistry::lfp(),
            [(1.0, 3_700.0), (0.8, 4_750.0), (0.4, 10_000.0)],
        ),
        (
            Chemistry::nmc(),
            [(1.0, 3_450.0), (0.8, 8_000.0), (0.4, 19_400.0)],
        ),
    ];
    for (chemistry, points) in sources {
        assert_eq!(chemistry.end_of_life_loss, 0.2);
        for (depth, cycles) in points {
            assert_eq!(
                chemistry.cycle_life(depth).unwrap(),
                cycles,
                "{}",
                chemistry.name
            );
            let (soc, slot_hours) = repeated_cycles(depth, cycles as usize, 4);
            let usage = Usage {
                state_of_charge: &soc,
                slot_hours,
                temperature_c: 25.0,
                capacity_kwh: 100.0,
                age_days: 0.0,
            };
            let report = degradation(&chemistry, &usage).unwrap();
            assert!(report.cycles.iter().all(|c| (c.c_rate - 0.5).abs() < 1e-9));
            let relative = report.cycle_loss / chemistry.end_of_life_loss - 1.0;
            assert!(
                relative.abs() < 0.005,
                "{} at depth {depth}: cycle loss {} after {cycles} cycles",
                chemistry.name,
                report.cycle_loss
            );
            assert!((report.equivalent_full_cycles - cycles * depth).abs() < 1e-6 * cycles);
            assert!((report.throughput_kwh - cycles * depth * 100.0).abs() < 1e-6 * cycles);
        }
    }
}

/// BLAST-Lite LFP–Gr 250 Ah: loss = k_cal · days^0.526,
/// k_cal = 8.37e4 · exp(−5.21e3/T) · exp(−3.56e3 · Ua(SoC)/T).
/// At 25 °C (T = 298.15 K), 50 % SoC: Ua(0.5) = 0.1233037 V (Safari–Delacourt graphite,
/// x = 0.0085 + 0.5 × 0.7715 = 0.39425), exp(−5210/298.15) = 2.576045e-8,
/// exp(−3560 × 0.1233037/298.15) = 0.2294012, so k_cal = 8.37e4 × 2.576045e-8 × 0.2294012
/// = 4.946233e-4; 365^0.526 = 22.27235; loss after one year = 1.101642 %.
/// At 35 °C, 90 % SoC, two years: Ua(0.9) = 0.0881845 V, k_cal = 8.37e4 · exp(−5210/308.15)
/// · exp(−3560 × 0.0881845/308.15) and 730^0.526 = 32.07065 give 4.401636 %.
/// (Numbers evaluated independently of this crate, in Python.)
#[test]
fn lfp_calendar_matches_blast_lite() {
    let lfp = Chemistry::lfp();
    assert!((anode_potential(0.5) - 0.123_303_7).abs() < 1e-7);
    assert!((lfp.calendar.first_year_loss - 0.011_016_42).abs() < 1e-8);
    assert!((lfp.calendar.loss(365.0, 25.0, 0.5) - 0.011_016_42).abs() < 1e-8);
    assert!((lfp.calendar.loss(730.0, 35.0, 0.9) - 0.044_016_36).abs() < 1e-8);

    // The same through a usage: one idle year at 50 %.
    let soc = vec![0.5; 366];
    let year = Usage {
        state_of_charge: &soc,
        slot_hours: 24.0,
        temperature_c: 25.0,
        capacity_kwh: 60.0,
        age_days: 0.0,
    };
    let report = degradation(&lfp, &year).unwrap();
    assert!((report.calendar_loss - 0.011_016_42).abs() < 1e-8);
    assert_eq!(report.cycle_loss, 0.0);
}

/// BLAST-Lite NMC111–Gr Kokam 75 Ah: q1 = 2.66e7 · exp(−17.8/T_N) · exp(−5.21 · (Ua/0.123)/T_N),
/// T_N = T/308.15, loss = q1 · days^0.357. At 25 °C, 50 %: q1 = 1.232597e-3, 365^0.357 =
/// 8.217478, loss after one year = 1.012884 %.
#[test]
fn nmc_calendar_matches_blast_lite() {
    let nmc = Chemistry::nmc();
    assert!((nmc.calendar.first_year_loss - 0.010_128_84).abs() < 1e-8);
    assert_eq!(nmc.calendar.exponent, 0.357);
}

#[test]
fn calendar_loss_over_spans_adds_up_given_the_age() {
    let lfp = Chemistry::lfp();
    let soc = vec![0.7; 49];
    let day = |age_days| Usage {
        state_of_charge: &soc,
        slot_hours: 0.5,
        temperature_c: 30.0,
        capacity_kwh: 60.0,
        age_days,
    };
    let first = degradation(&lfp, &day(0.0)).unwrap().calendar_loss;
    let second = degradation(&lfp, &day(1.0)).unwrap().calendar_loss;
    let both = lfp.calendar.loss(2.0, 30.0, 0.7);
    assert!((first + second - both).abs() < 1e-15);
    assert!(second < first);
}

// ---------------------------------------------------------------------------------------
// Monotonicity
// ---------------------------------------------------------------------------------------

#[test]
fn deeper_cycles_last_fewer_cycles() {
    for chemistry in [Chemistry::lfp(), Chemistry::nmc()] {
        let lives: Vec<f64> = (1..=100)
            .map(|percent| chemistry.cycle_life(f64::from(percent) / 100.0).unwrap())
            .collect();
        assert!(lives.windows(2).all(|w| w[1] < w[0]), "{}", chemistry.name);
    }
}

#[test]
fn hotter_means_more_calendar_loss_and_higher_soc_too() {
    for chemistry in [Chemistry::lfp(), Chemistry::nmc()] {
        let at = |t, soc| chemistry.calendar.loss(365.0, t, soc);
        assert!(at(10.0, 0.5) < at(25.0, 0.5) && at(25.0, 0.5) < at(40.0, 0.5));
        assert!(at(25.0, 0.2) < at(25.0, 0.5) && at(25.0, 0.5) < at(25.0, 0.95));
    }
}

/// One day at age one year: a 90 % → 10 % → 90 % V2G cycle at 0.5C, idle otherwise.
fn daily_cycle(temperature_c: f64, slot_hours: f64) -> (Vec<f64>, Usage<'static>) {
    let mut soc = vec![0.9; 20];
    soc.extend((1..=8).map(|j| 0.9 - 0.1 * f64::from(j)));
    soc.extend((1..=8).map(|j| 0.1 + 0.1 * f64::from(j)));
    soc.extend(vec![0.9; 13]);
    let usage = Usage {
        state_of_charge: &[],
        slot_hours,
        temperature_c,
        capacity_kwh: 60.0,
        age_days: 365.0,
    };
    (soc, usage)
}

#[test]
fn hotter_means_more_loss_overall() {
    for chemistry in [Chemistry::lfp(), Chemistry::nmc()] {
        let loss = |t| {
            let (soc, usage) = daily_cycle(t, 0.5);
            let usage = Usage {
                state_of_charge: &soc,
                ..usage
            };
            degradation(&chemistry, &usage).unwrap()
        };
        let (cool, warm, hot) = (loss(15.0), loss(25.0), loss(40.0));
        assert!(cool.calendar_loss < warm.calendar_loss && warm.calendar_loss < hot.calendar_loss);
        assert!(cool.total_loss < warm.total_loss && warm.total_loss < hot.total_loss);
        if chemistry.name == "NMC" {
            assert!(cool.cycle_loss < warm.cycle_loss && warm.cycle_loss < hot.cycle_loss);
        } else {
            // BLAST-Lite's LFP cycling term wears more when colder (inside 10–45 °C).
            assert!(cool.cycle_loss > warm.cycle_loss && warm.cycle_loss > hot.cycle_loss);
        }
    }
}

#[test]
fn higher_c_rate_means_more_cycle_loss() {
    let lfp = Chemistry::lfp();
    let loss = |slot_hours| {
        let (soc, usage) = daily_cycle(25.0, slot_hours);
        let usage = Usage {
            state_of_charge: &soc,
            ..usage
        };
        degradation(&lfp, &usage).unwrap()
    };
    // Steps of 0.1 per slot: 1 h slots → 0.1C, 0.2 h → 0.5C (reference), 0.1 h → 1C.
    let (slow, reference, fast) = (loss(1.0), loss(0.2), loss(0.1));
    assert!(slow.cycle_loss < reference.cycle_loss && reference.cycle_loss < fast.cycle_loss);
    // At the reference rate the two half cycles of depth 0.8 cost exactly 0.2/4750.
    assert!((reference.cycle_loss - 0.2 / 4750.0).abs() < 1e-15);
    // BLAST-Lite LFP form at 1C vs 0.5C, depth 0.8:
    // (4.38e-8 + 1.24e-8 + 1.68e-7) / (4.38e-8 + 1.24e-8 + 8.4e-8) = 2.242e-7 / 1.402e-7.
    assert!((fast.cycle_loss / reference.cycle_loss - 2.242e-7 / 1.402e-7).abs() < 1e-9);
}

/// Idle plateaus and slopes do not dilute a cycle's C-rate: only slots in which the state of
/// charge moves count.
#[test]
fn c_rate_ignores_idle_slots() {
    let soc = [0.9, 0.9, 0.5, 0.1, 0.1, 0.1, 0.5, 0.9];
    let usage = Usage {
        state_of_charge: &soc,
        slot_hours: 1.0,
        temperature_c: 25.0,
        capacity_kwh: 60.0,
        age_days: 0.0,
    };
    let report = degradation(&Chemistry::lfp(), &usage).unwrap();
    let rates: Vec<(usize, usize, f64)> = report
        .cycles
        .iter()
        .map(|c| (c.cycle.start, c.cycle.end, c.c_rate))
        .collect();
    assert_eq!(rates.len(), 2);
    for (_, _, rate) in &rates {
        assert!((rate - 0.4).abs() < 1e-12);
    }
    assert_eq!(
        (rates[0].0, rates[0].1, rates[1].0, rates[1].1),
        (0, 3, 3, 7)
    );
}

// ---------------------------------------------------------------------------------------
// Costs
// ---------------------------------------------------------------------------------------

#[test]
fn cost_per_kwh_prices_the_same_wear_as_the_usage_cost() {
    let replacement = 20_000.0;
    for chemistry in [Chemistry::lfp(), Chemistry::nmc()] {
        for depth in [0.3, 0.8, 1.0] {
            let (soc, slot_hours) = repeated_cycles(depth, 50, 4);
            let usage = Usage {
                state_of_charge: &soc,
                slot_hours,
                temperature_c: 25.0,
                capacity_kwh: 80.0,
                age_days: 200.0,
            };
            let report = degradation(&chemistry, &usage).unwrap();
            let cost = DegradationCost::of(&chemistry, &report, replacement);
            let per_kwh = cost_per_discharged_kwh(&chemistry, depth, replacement).unwrap();
            assert!((cost.cycle - per_kwh * report.throughput_kwh).abs() < 1e-9 * cost.cycle);
            assert!(cost.calendar > 0.0);
            assert_eq!(cost.total, cost.calendar + cost.cycle);
        }
    }
    // LFP at 100 %: 20,000 / (3,700 × 1.0) = 5.405 per kWh.
    let full = cost_per_discharged_kwh(&Chemistry::lfp(), 1.0, replacement).unwrap();
    assert!((full - 20_000.0 / 3_700.0).abs() < 1e-12);
    assert!(matches!(
        cost_per_discharged_kwh(&Chemistry::lfp(), 0.0, replacement),
        Err(ChemistryProblem::DepthQuery { .. })
    ));
}

#[test]
fn usage_errors_name_the_parameter() {
    let lfp = Chemistry::lfp();
    let base = Usage {
        state_of_charge: &[0.5, 0.6],
        slot_hours: 0.5,
        temperature_c: 25.0,
        capacity_kwh: 60.0,
        age_days: 0.0,
    };
    for (usage, name) in [
        (
            Usage {
                capacity_kwh: 0.0,
                ..base
            },
            "capacity_kwh",
        ),
        (
            Usage {
                age_days: -1.0,
                ..base
            },
            "age_days",
        ),
        (
            Usage {
                temperature_c: f64::NAN,
                ..base
            },
            "temperature_c",
        ),
        (
            Usage {
                slot_hours: f64::INFINITY,
                ..base
            },
            "slot_hours",
        ),
    ] {
        match degradation(&lfp, &usage) {
            Err(UsageError::Parameter { name: found, .. }) => assert_eq!(found, name),
            other => panic!("{name}: {other:?}"),
        }
    }
    let bad_soc = Usage {
        state_of_charge: &[0.5, 1.5],
        ..base
    };
    let error = degradation(&lfp, &bad_soc).unwrap_err();
    assert_eq!(
        error.to_string(),
        "state of charge at point 1: expected a fraction in 0..=1, found 1.5"
    );
}

// ---------------------------------------------------------------------------------------
// Chemistries from rules
// ---------------------------------------------------------------------------------------

fn rule(based_on: Option<&str>, cycle_life: &[(f64, f64)]) -> ChemistryRule {
    ChemistryRule {
        name: "Depot pack".into(),
        origin: RuleRef {
            file: "fleet/chemistry.vlx".into(),
            line: 12,
            column: 1,
        },
        based_on: based_on.map(String::from),
        cycle_life: cycle_life
            .iter()
            .map(|&(depth_of_discharge, cycles)| CycleLifePoint {
                depth_of_discharge,
                cycles,
            })
            .collect(),
        end_of_life_loss: None,
        calendar_loss_first_year: None,
        calendar_exponent: None,
        replacement_cost_per_kwh: None,
    }
}

#[test]
fn rule_fields_left_out_come_from_the_preset() {
    let custom = Chemistry::from_rule(&ChemistryRule {
        calendar_loss_first_year: Some(0.025),
        ..rule(Some("nmc"), &[(0.5, 6_000.0), (1.0, 2_500.0)])
    })
    .unwrap();
    let nmc = Chemistry::nmc();
    assert_eq!(custom.name, "Depot pack");
    assert_eq!(custom.cycle_life(0.5).unwrap(), 6_000.0);
    assert_eq!(custom.calendar.first_year_loss, 0.025);
    assert_eq!(custom.calendar.exponent, nmc.calendar.exponent);
    assert_eq!(custom.cycle_stress, nmc.cycle_stress);

    // Without based_on: LFP for the rest.
    let plain = Chemistry::from_rule(&rule(None, &[(0.5, 6_000.0), (1.0, 2_500.0)])).unwrap();
    assert_eq!(plain.calendar, Chemistry::lfp().calendar);

    // Serde round trip.
    let json = serde_json::to_string(&custom).unwrap();
    assert_eq!(serde_json::from_str::<Chemistry>(&json).unwrap(), custom);
}

#[test]
fn rule_errors_name_the_chemistry_its_origin_and_what_was_expected() {
    let cases: Vec<(ChemistryRule, &str)> = vec![
        (rule(Some("LTO"), &[]), "based_on: expected \"LFP\" or \"NMC\", found \"LTO\""),
        (rule(None, &[]), "cycle_life: expected at least 2 points, found 0"),
        (rule(None, &[(0.5, 100.0)]), "cycle_life: expected at least 2 points, found 1"),
        (
            rule(None, &[(0.0, 100.0), (1.0, 50.0)]),
            "cycle_life point 0: expected a depth of discharge in (0, 1], found 0",
        ),
        (
            rule(None, &[(0.5, 100.0), (1.2, 50.0)]),
            "cycle_life point 1: expected a depth of discharge in (0, 1], found 1.2",
        ),
        (
            rule(None, &[(0.8, 100.0), (0.5, 150.0)]),
            "cycle_life point 1: expected depths in strictly ascending order, found 0.5 after 0.8",
        ),
        (
            rule(None, &[(0.5, 100.0), (1.0, 0.0)]),
            "cycle_life point 1: expected a positive number of cycles, found 0",
        ),
        (
            rule(None, &[(0.5, 100.0), (1.0, 150.0)]),
            "cycle_life point 1: expected cycles non-increasing with depth (at most 100), found 150",
        ),
        (
            ChemistryRule { end_of_life_loss: Some(1.0), ..rule(Some("LFP"), &[]) },
            "end_of_life_loss: expected a fraction in (0, 1), found 1",
        ),
        (
            ChemistryRule { calendar_loss_first_year: Some(0.0), ..rule(Some("LFP"), &[]) },
            "calendar_loss_first_year: expected a fraction in (0, 1), found 0",
        ),
        (
            ChemistryRule { calendar_exponent: Some(1.5), ..rule(Some("LFP"), &[]) },
            "calendar_exponent: expected a number in (0, 1], found 1.5",
        ),
    ];
    for (rule, problem) in cases {
        let error = Chemistry::from_rule(&rule).unwrap_err();
        assert_eq!(error.origin.line, 12);
        assert_eq!(
            error.to_string(),
            format!("chemistry `Depot pack` (fleet/chemistry.vlx:12): {problem}")
        );
    }
}

#[test]
fn replacement_cost_comes_from_the_rule_as_a_solver_price() {
    let with_cost = |amount| ChemistryRule {
        replacement_cost_per_kwh: Some(amount),
        ..rule(Some("LFP"), &[])
    };
    assert_eq!(
        Chemistry::replacement_cost_from_rule(&with_cost(Decimal::new(185_005, 1))).unwrap(),
        Some(18_500.5)
    );
    assert_eq!(
        Chemistry::replacement_cost_from_rule(&rule(Some("LFP"), &[])).unwrap(),
        None
    );
    let error = Chemistry::replacement_cost_from_rule(&with_cost(Decimal::new(-1, 0))).unwrap_err();
    assert!(error
        .to_string()
        .ends_with("expected a non-negative amount, found -1"));
}
