//! engine::risk: price history from the real JEPX files, seeded scenario generation, the exact
//! battery dispatch against microlp, VaR/CVaR against analytic quantiles, stress cases.

// Test code (helpers included): a failed expectation should panic.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::PathBuf;

use chrono::{Datelike, NaiveDate};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use voltlex_engine::month::YearMonth;
use voltlex_engine::read::{jepx_spot_summary, JepxArea};
use voltlex_engine::risk::arbitrage::DailyArbitrage;
use voltlex_engine::risk::model::DayKind;
use voltlex_engine::risk::{
    dispatch, generate, stress_cases, DailyPrices, Dispatcher, Histogram, JumpParams, PriceModel,
    RiskError, RiskReport, StressCase, VirtualBattery, SLOTS_PER_DAY,
};

fn jepx_file(year: i32) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/data/jepx")
        .join(format!("spot_summary_{year}.csv"))
}

fn tokyo(year: i32) -> DailyPrices {
    let series = jepx_spot_summary(jepx_file(year), JepxArea::Tokyo).unwrap();
    DailyPrices::from_series(&series).unwrap()
}

fn tokyo_2021_2024() -> DailyPrices {
    (2022..=2024).fold(tokyo(2021), |all, year| all.merged(tokyo(year)).unwrap())
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len() as f64
}

// ---------------------------------------------------------------- history and stress cases

#[test]
fn history_of_2021_matches_the_published_figures() {
    let history = tokyo(2021);
    assert_eq!(history.len(), 365);
    assert!(history.skipped().is_empty());
    assert_eq!(history.dates()[0], date(2021, 1, 1));
    // FACTS.md: Tokyo 2021 mean 14.68, max 252.00.
    assert!((mean(history.prices()) - 14.68).abs() < 0.005);
    let max = history.prices().iter().copied().fold(0.0, f64::max);
    assert_eq!(max, 252.0);
    assert_eq!(history.in_months(&[1]).len(), 31);
    assert_eq!(
        history
            .in_season(voltlex_engine::risk::Season::Winter)
            .len(),
        31 + 28 + 31
    );
}

#[test]
fn history_of_four_years_merges_in_order() {
    let history = tokyo_2021_2024();
    assert_eq!(history.len(), 365 * 3 + 366);
    assert!(history
        .dates()
        .windows(2)
        .all(|w| w[0].succ_opt() == Some(w[1])));
    // FACTS.md: 2024 mean 13.00, p95 20.77.
    let year_2024 = history.filter(|d| d.year() == 2024);
    assert!((mean(year_2024.prices()) - 13.00).abs() < 0.005);
    let mut sorted = year_2024.prices().to_vec();
    sorted.sort_by(f64::total_cmp);
    let p95 = sorted[(0.95 * sorted.len() as f64) as usize];
    assert!((p95 - 20.77).abs() < 0.02, "p95 {p95}");
}

#[test]
fn stress_cases_contain_the_january_2021_spike_and_the_extreme_months() {
    let history = tokyo_2021_2024();
    let cases = stress_cases(&history);
    let january = cases
        .iter()
        .find(|c| c.name == "January 2021 spike")
        .unwrap();
    assert_eq!(january.first_day, date(2021, 1, 1));
    assert_eq!(january.days(), 31);
    assert_eq!(january.max_price(), 252.0);
    // The extreme months are found by scanning: check against a direct computation.
    let mut means: Vec<(YearMonth, f64)> = Vec::new();
    for year in 2021..=2024 {
        for month in 1..=12 {
            let days = history.filter(|d| d.year() == year && d.month() == month);
            means.push((YearMonth::new(year, month).unwrap(), mean(days.prices())));
        }
    }
    let dearest = means.iter().max_by(|a, b| a.1.total_cmp(&b.1)).unwrap();
    let cheapest = means.iter().min_by(|a, b| a.1.total_cmp(&b.1)).unwrap();
    let dearest_case = cases
        .iter()
        .find(|c| c.name.starts_with("Dearest"))
        .unwrap();
    let cheapest_case = cases
        .iter()
        .find(|c| c.name.starts_with("Cheapest"))
        .unwrap();
    assert_eq!(dearest_case.first_day, dearest.0.first_day().unwrap());
    assert_eq!(cheapest_case.first_day, cheapest.0.first_day().unwrap());
    assert!((dearest_case.mean_price() - dearest.1).abs() < 1e-9);
    eprintln!(
        "stress: {}; {}; January 2021 mean {:.2}",
        dearest_case.name,
        cheapest_case.name,
        january.mean_price()
    );
}

#[test]
fn a_month_missing_days_is_no_stress_case() {
    let history = tokyo(2021).filter(|d| d != date(2021, 1, 15));
    let error = StressCase::month(&history, YearMonth::new(2021, 1).unwrap(), "x").unwrap_err();
    assert!(
        error.to_string().contains("30 complete days of 31"),
        "{error}"
    );
}

// ---------------------------------------------------------------- models and determinism

#[test]
fn calibration_on_tokyo_2021_2024_gives_plausible_figures() {
    let params = JumpParams::calibrate(&tokyo_2021_2024()).unwrap();
    eprintln!("{params:#?}");
    // FACTS.md: the daily log-mean reverts fast (φ ≈ 0.3–0.5); allow a margin for the
    // de-seasonalisation chosen here.
    assert!((0.3..0.55).contains(&params.phi), "phi {}", params.phi);
    assert!(params.sigma > 0.05 && params.sigma < 1.0);
    assert!(params.jump_intensity > 0.0 && params.jump_intensity < 0.1);
    assert!(params.days_per_month.iter().all(|&d| d >= 4 * 28));
    // The shape of a month averages to zero (it is a deviation from the day's mean).
    for shape in &params.slot_shape {
        assert!(mean(shape).abs() < 1e-9);
    }
    // Evening peak above the solar trough in May (FACTS: peak codes 36–38, trough 25–26).
    let may = &params.slot_shape[4];
    assert!(may[36] > may[25]);
}

fn both_models(history: &DailyPrices) -> Vec<PriceModel> {
    vec![
        PriceModel::BlockBootstrap {
            block_days: 7,
            month_window: 0,
        },
        PriceModel::MeanRevertingJump(JumpParams::calibrate(history).unwrap()),
    ]
}

#[test]
fn same_seed_same_numbers_and_scenario_k_does_not_depend_on_the_count() {
    let history = tokyo_2021_2024();
    for model in both_models(&history) {
        let first = date(2025, 1, 1);
        let a = generate(&model, &history, first, 31, 50, 7).unwrap();
        let b = generate(&model, &history, first, 31, 50, 7).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.seed(), 7);
        assert_eq!(a.prices().len(), 50 * 31 * SLOTS_PER_DAY);
        let prefix = generate(&model, &history, first, 31, 20, 7).unwrap();
        for k in 0..20 {
            assert_eq!(prefix.scenario(k), a.scenario(k));
        }
        let other = generate(&model, &history, first, 31, 50, 8).unwrap();
        assert_ne!(a.prices(), other.prices());
        assert_ne!(a.scenario(0), a.scenario(1));
        assert_eq!(
            a.day(3, 30),
            Some(&a.scenario(3).unwrap()[30 * 48..31 * 48])
        );
        assert_eq!(a.day(3, 31), None);
        assert!(a.prices().iter().all(|&p| p >= 0.01 && p.is_finite()));
    }
}

#[test]
fn bootstrap_days_are_real_days_of_the_same_month_in_blocks() {
    let history = tokyo_2021_2024();
    let model = PriceModel::BlockBootstrap {
        block_days: 5,
        month_window: 0,
    };
    let scenarios = generate(&model, &history, date(2025, 7, 1), 31, 20, 1).unwrap();
    let mut continued = 0;
    let mut transitions = 0;
    for k in 0..20 {
        let mut previous: Option<usize> = None;
        for d in 0..31 {
            let day = scenarios.day(k, d).unwrap();
            let index = (0..history.len())
                .find(|&i| history.day(i).unwrap() == day)
                .unwrap();
            assert_eq!(history.dates()[index].month(), 7);
            if let Some(p) = previous {
                transitions += 1;
                if index == p + 1 {
                    continued += 1;
                }
            }
            previous = Some(index);
        }
    }
    // Blocks of 5: four of five transitions continue a block (fewer at month ends).
    let share = continued as f64 / transitions as f64;
    assert!((0.7..0.85).contains(&share), "share {share}");
}

#[test]
fn bootstrap_refuses_a_month_without_history() {
    let history = tokyo(2021).in_months(&[1]);
    let model = PriceModel::BlockBootstrap {
        block_days: 3,
        month_window: 1,
    };
    assert!(generate(&model, &history, date(2025, 2, 1), 28, 2, 0).is_ok());
    let error = generate(&model, &history, date(2025, 3, 1), 5, 2, 0).unwrap_err();
    assert!(
        matches!(error, RiskError::NotEnoughHistory { .. }),
        "{error}"
    );
}

#[test]
fn jump_model_reproduces_monthly_levels_roughly() {
    let history = tokyo_2021_2024();
    let params = JumpParams::calibrate(&history).unwrap();
    let model = PriceModel::MeanRevertingJump(params.clone());
    for month in [1, 5, 8] {
        let scenarios = generate(&model, &history, date(2025, month, 1), 28, 400, 11).unwrap();
        // Mean of daily log-means against the calibrated level: level[m] + the month's mean
        // day-kind offset + the jumps' mean contribution (the monthly offset, the AR(1)'s
        // normal part and the centred intraday noise have mean zero).
        let log_means: Vec<f64> = scenarios
            .prices()
            .chunks(48)
            .map(|day| day.iter().map(|p| p.ln()).sum::<f64>() / 48.0)
            .collect();
        let kinds: f64 = (0..28)
            .map(|d| params.day_kind_offset[DayKind::of(date(2025, month, 1 + d)) as usize])
            .sum::<f64>()
            / 28.0;
        let expected = params.monthly_level[month as usize - 1]
            + kinds
            + params.jump_intensity * params.jump_mean / (1.0 - params.phi);
        let found = mean(&log_means);
        // Standard error is dominated by the monthly offset: sd/√400.
        let tolerance = 4.0 * params.monthly_level_sd / 20.0 + 0.05;
        assert!(
            (found - expected).abs() < tolerance,
            "month {month}: {found} vs {expected}"
        );
    }
}

// ---------------------------------------------------------------- dispatch

/// The dispatch LP written plainly for microlp.
fn microlp_cost(battery: &VirtualBattery, buy: &[f64], sell: &[f64]) -> Option<f64> {
    use microlp::{ComparisonOp, LinearExpr, OptimizationDirection, Problem};
    let h = battery.slot_hours;
    let eta = battery.efficiency;
    let mut lp = Problem::new(OptimizationDirection::Minimize);
    let mut previous: Option<microlp::Variable> = None;
    for t in 0..buy.len() {
        let charge = lp.add_var(h * buy[t], (0.0, battery.charge_kw_max[t]));
        let discharge = lp.add_var(
            -h * sell[t] + battery.degradation_per_kwh * h / eta,
            (0.0, battery.discharge_kw_max[t]),
        );
        let energy = lp.add_var(0.0, (battery.energy_min_kwh[t], battery.energy_max_kwh[t]));
        let mut row = LinearExpr::empty();
        row.add(energy, 1.0);
        row.add(charge, -h * eta);
        row.add(discharge, h / eta);
        let rhs = match previous {
            Some(before) => {
                row.add(before, -1.0);
                0.0
            }
            None => battery.initial_kwh,
        };
        lp.add_constraint(row, ComparisonOp::Eq, rhs);
        previous = Some(energy);
    }
    match lp.solve() {
        Ok(outcome) => Some(outcome.into_solution().unwrap().objective()),
        Err(microlp::Error::Infeasible) => None,
        Err(other) => panic!("microlp: {other}"),
    }
}

fn random_instance(rng: &mut ChaCha8Rng) -> (VirtualBattery, Vec<f64>, Vec<f64>) {
    let slots = rng.random_range(1..=12);
    let capacity = rng.random_range(5.0..60.0);
    let power = rng.random_range(1.0..20.0);
    let mut battery = VirtualBattery::constant(
        slots,
        if rng.random_bool(0.5) { 0.5 } else { 1.0 },
        power,
        power * rng.random_range(0.5..1.5),
        (0.0, capacity),
        rng.random_range(0.0..capacity),
        rng.random_range(0.8..=1.0),
        if rng.random_bool(0.3) {
            0.0
        } else {
            rng.random_range(0.0..3.0)
        },
    );
    for t in 0..slots {
        if rng.random_bool(0.2) {
            battery.charge_kw_max[t] = 0.0; // away
            battery.discharge_kw_max[t] = 0.0;
        }
        if rng.random_bool(0.3) {
            battery.energy_min_kwh[t] = rng.random_range(0.0..capacity * 0.5);
        }
        if rng.random_bool(0.3) {
            battery.energy_max_kwh[t] = rng.random_range(capacity * 0.5..capacity);
        }
    }
    let buy: Vec<f64> = (0..slots).map(|_| rng.random_range(-3.0..60.0)).collect();
    let (eta, deg) = (battery.efficiency, battery.degradation_per_kwh);
    let sell = buy
        .iter()
        .map(|b| {
            let sell = if rng.random_bool(0.3) {
                *b
            } else {
                b - rng.random_range(0.0..8.0)
            };
            // Below a negative buy price, the convexity bound binds (see `dispatch`).
            sell.min((b / eta + deg) / eta)
        })
        .collect();
    (battery, buy, sell)
}

#[test]
fn dispatch_equals_microlp_on_random_instances() {
    let mut rng = ChaCha8Rng::seed_from_u64(20_240_101);
    let mut dispatcher = Dispatcher::new();
    let (mut agreed, mut infeasible) = (0, 0);
    for case in 0..600 {
        let (battery, buy, sell) = random_instance(&mut rng);
        let reference = microlp_cost(&battery, &buy, &sell);
        match (dispatcher.dispatch(&battery, &buy, &sell), reference) {
            (Ok(plan), Some(optimum)) => {
                let scale = 1.0 + optimum.abs();
                assert!(
                    (plan.cost - optimum).abs() <= 1e-6 * scale,
                    "case {case}: {} vs microlp {optimum}\n{battery:?}\n{buy:?}\n{sell:?}",
                    plan.cost
                );
                // The schedule is feasible and costs what it says.
                let h = battery.slot_hours;
                let eta = battery.efficiency;
                let mut energy = battery.initial_kwh;
                let mut cost = 0.0f64;
                for t in 0..buy.len() {
                    let (c, d) = (plan.charge_kw[t], plan.discharge_kw[t]);
                    assert!((0.0..=battery.charge_kw_max[t] + 1e-9).contains(&c));
                    assert!((0.0..=battery.discharge_kw_max[t] + 1e-9).contains(&d));
                    energy += h * (eta * c - d / eta);
                    assert!((energy - plan.energy_kwh[t]).abs() < 1e-7);
                    assert!(energy >= battery.energy_min_kwh[t] - 1e-7);
                    assert!(energy <= battery.energy_max_kwh[t] + 1e-7);
                    cost +=
                        h * (buy[t] * c - sell[t] * d) + battery.degradation_per_kwh * h * d / eta;
                }
                assert!((cost - plan.cost).abs() <= 1e-9 * scale);
                agreed += 1;
            }
            (Err(RiskError::Infeasible { .. }), None) => infeasible += 1,
            (ours, theirs) => panic!("case {case}: {ours:?} vs microlp {theirs:?}"),
        }
    }
    assert!(agreed >= 300, "only {agreed} feasible instances");
    eprintln!("dispatch vs microlp: {agreed} optima agree, {infeasible} infeasible in both");
}

#[test]
fn infeasible_bounds_name_the_slot() {
    // 4 kW × 0.5 h × 0.9 = 1.8 kWh per slot: from 5 kWh, 9 kWh at the end of slot 2 needs
    // three slots of charging (5 + 3·1.8 = 10.4 ≥ 9) but slot 1 is away.
    let mut battery = VirtualBattery::constant(4, 0.5, 4.0, 4.0, (0.0, 10.0), 5.0, 0.9, 0.0);
    battery.charge_kw_max[1] = 0.0;
    battery.energy_min_kwh[2] = 9.0;
    let prices = [10.0; 4];
    let error = dispatch(&battery, &prices, &prices).unwrap_err();
    assert!(
        matches!(error, RiskError::Infeasible { slot: 2, .. }),
        "{error}"
    );
    assert!(error.to_string().starts_with("slot 2: "), "{error}");

    battery.energy_min_kwh[3] = 11.0;
    let error = dispatch(&battery, &prices, &prices).unwrap_err();
    assert_eq!(
        error.to_string(),
        "slot 3: infeasible battery bounds: energy_min_kwh 11 exceeds energy_max_kwh 10"
    );
}

#[test]
fn dispatch_refuses_sell_above_buy_and_mismatched_lengths() {
    let battery = VirtualBattery::constant(2, 0.5, 4.0, 4.0, (0.0, 10.0), 5.0, 0.9, 0.0);
    let error = dispatch(&battery, &[10.0, 10.0], &[9.0, 11.0]).unwrap_err();
    assert!(matches!(error, RiskError::SellAboveBuy { slot: 1, .. }));
    // At a negative price, equal buy and sell prices would pay for burning energy in the
    // losses by charging and discharging at once: refused.
    let error = dispatch(&battery, &[10.0, -2.0], &[9.0, -2.0]).unwrap_err();
    assert!(matches!(error, RiskError::SellAboveBuy { slot: 1, .. }));
    assert!(dispatch(&battery, &[10.0, -2.0], &[9.0, -2.5]).is_ok());
    let error = dispatch(&battery, &[10.0, 10.0, 10.0], &[9.0, 9.0, 9.0]).unwrap_err();
    assert!(matches!(error, RiskError::LengthMismatch { .. }));
}

#[test]
fn a_real_day_is_dispatched_like_microlp() {
    let history = tokyo(2024);
    let battery = VirtualBattery::constant(48, 0.5, 6.0, 6.0, (8.0, 60.0), 30.0, 0.93, 2.5);
    let mut dispatcher = Dispatcher::new();
    for index in (0..history.len()).step_by(37) {
        let buy: Vec<f64> = history
            .day(index)
            .unwrap()
            .iter()
            .map(|p| p + 10.0)
            .collect();
        let sell = history.day(index).unwrap().to_vec();
        let ours = dispatcher.cost(&battery, &buy, &sell).unwrap();
        let theirs = microlp_cost(&battery, &buy, &sell).unwrap();
        assert!(
            (ours - theirs).abs() <= 1e-6 * (1.0 + theirs.abs()),
            "{ours} vs {theirs}"
        );
    }
}

#[test]
fn monthly_profits_of_scenarios_and_of_the_january_2021_spike() {
    let history = tokyo_2021_2024();
    let model = PriceModel::BlockBootstrap {
        block_days: 7,
        month_window: 0,
    };
    let scenarios = generate(&model, &history, date(2025, 1, 1), 31, 200, 3).unwrap();
    let trade = DailyArbitrage {
        battery: VirtualBattery::constant(48, 0.5, 6.0, 6.0, (8.0, 60.0), 30.0, 0.93, 2.5),
        buy_adder_per_kwh: 0.0,
        sell_discount_per_kwh: 1.0,
    };
    let profits = trade.profits(&scenarios).unwrap();
    assert_eq!(profits.len(), 200);
    // Doing nothing is always allowed: an optimal dispatch never loses money.
    assert!(profits.iter().all(|&p| p >= -1e-9));
    let report = RiskReport::of(&profits, 0.95).unwrap();
    assert!(report.value_at_risk <= -profits.iter().copied().fold(f64::INFINITY, f64::min));
    let january = stress_cases(&history)
        .into_iter()
        .find(|c| c.name == "January 2021 spike")
        .unwrap();
    let spike = trade.profits(&january.to_scenarios()).unwrap()[0];
    eprintln!(
        "January 2021 replay profit {spike:.0} JPY; bootstrap Januaries mean {:.0}, VaR95 {:.0}",
        report.mean_profit, report.value_at_risk
    );
    // The spike month's spreads pay a single battery more than a typical January.
    assert!(spike > report.mean_profit);
}

// ---------------------------------------------------------------- measures

/// Standard normal quantiles (tables; e.g. Abramowitz & Stegun 26.2).
const Z_95: f64 = 1.644_853_626_951_472_2;
const Z_99: f64 = 2.326_347_874_040_840_8;

fn normal_sample(rng: &mut ChaCha8Rng, n: usize, mean: f64, sd: f64) -> Vec<f64> {
    // Box–Muller, written here independently of the engine's.
    (0..n)
        .map(|_| {
            let u1: f64 = 1.0 - rng.random::<f64>();
            let u2: f64 = rng.random();
            mean + sd * (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
        })
        .collect()
}

fn standard_normal_density(z: f64) -> f64 {
    (-0.5 * z * z).exp() / (std::f64::consts::TAU).sqrt()
}

#[test]
fn var_and_cvar_of_a_normal_profit_match_the_formulas_within_their_intervals() {
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let (mu, sigma) = (1000.0, 400.0);
    let profits = normal_sample(&mut rng, 20_000, mu, sigma);
    for (alpha, z) in [(0.95, Z_95), (0.99, Z_99)] {
        let report = RiskReport::of(&profits, alpha).unwrap();
        // Loss = −profit ~ N(−μ, σ²): VaR = −μ + zσ, CVaR = −μ + σ·φ(z)/(1 − α).
        let var = -mu + z * sigma;
        let cvar = -mu + sigma * standard_normal_density(z) / (1.0 - alpha);
        assert!(
            report.value_at_risk_interval.contains(var),
            "{report:?} vs {var}"
        );
        assert!(report.value_at_risk_interval.coverage >= 0.95);
        assert!(
            report.conditional_value_at_risk_interval.contains(cvar),
            "{report:?} vs {cvar}"
        );
        assert_eq!(report.scenarios, 20_000);
        // The intervals are informative, not the whole sample.
        let width = report.value_at_risk_interval.upper - report.value_at_risk_interval.lower;
        assert!(width < 0.2 * sigma, "width {width}");
    }
}

#[test]
fn var_of_exponential_and_uniform_losses_match_their_quantiles() {
    let mut rng = ChaCha8Rng::seed_from_u64(2);
    // Loss ~ Exp(rate 1/500): quantile −ln(1 − α)·500; CVaR = VaR + 500 (memorylessness).
    let profits: Vec<f64> = (0..10_000)
        .map(|_| 500.0 * (1.0 - rng.random::<f64>()).ln())
        .collect();
    for alpha in [0.9, 0.95, 0.99] {
        let report = RiskReport::of(&profits, alpha).unwrap();
        let var = -(1.0f64 - alpha).ln() * 500.0;
        assert!(
            report.value_at_risk_interval.contains(var),
            "{alpha}: {report:?}"
        );
        assert!(report
            .conditional_value_at_risk_interval
            .contains(var + 500.0));
    }
    // Profit ~ U(−100, 300): loss quantile at α = 100 − 400·(1 − α); CVaR midway to 100.
    let profits: Vec<f64> = (0..10_000)
        .map(|_| rng.random_range(-100.0..300.0))
        .collect();
    for alpha in [0.95, 0.975] {
        let report = RiskReport::of(&profits, alpha).unwrap();
        let var = 100.0 - 400.0 * (1.0 - alpha);
        assert!(
            report.value_at_risk_interval.contains(var),
            "{alpha}: {report:?}"
        );
        assert!(report
            .conditional_value_at_risk_interval
            .contains((var + 100.0) / 2.0));
    }
}

#[test]
fn var_interval_covers_the_true_quantile_about_95_percent_of_the_time() {
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let trials = 400;
    let (mut var_hits, mut cvar_hits) = (0, 0);
    let cvar = standard_normal_density(Z_95) / 0.05;
    for _ in 0..trials {
        let profits = normal_sample(&mut rng, 2_000, 0.0, 1.0);
        let report = RiskReport::of(&profits, 0.95).unwrap();
        var_hits += usize::from(report.value_at_risk_interval.contains(Z_95));
        cvar_hits += usize::from(report.conditional_value_at_risk_interval.contains(cvar));
    }
    let var_rate = var_hits as f64 / trials as f64;
    let cvar_rate = cvar_hits as f64 / trials as f64;
    eprintln!("coverage over {trials} samples of 2,000: VaR {var_rate}, CVaR {cvar_rate}");
    // Binomial(400, 0.95) has sd 1.1 %: 0.91 is more than three below.
    assert!(var_rate >= 0.91, "VaR interval coverage {var_rate}");
    assert!(cvar_rate >= 0.88, "CVaR interval coverage {cvar_rate}");
}

#[test]
fn small_samples_report_the_coverage_they_reach() {
    let profits = [1.0, 2.0, 3.0, 4.0, 5.0];
    let report = RiskReport::of(&profits, 0.99).unwrap();
    assert_eq!(report.value_at_risk, -1.0);
    assert_eq!(report.value_at_risk_interval.upper, -1.0);
    assert!(report.value_at_risk_interval.coverage < 0.95);
    assert!(RiskReport::of(&profits, 1.0).is_err());
    assert!(RiskReport::of(&[], 0.95).is_err());
    assert!(RiskReport::of(&[1.0, f64::NAN], 0.95).is_err());
}

#[test]
fn histogram_counts_sum_to_the_sample_size() {
    let mut rng = ChaCha8Rng::seed_from_u64(4);
    let values = normal_sample(&mut rng, 5_001, 0.0, 1.0);
    let histogram = Histogram::of(&values, 40).unwrap();
    assert_eq!(histogram.counts.iter().sum::<usize>(), 5_001);
    assert_eq!(histogram.edges.len(), 41);
    assert!(histogram.edges.windows(2).all(|w| w[0] < w[1]));
    let min = values.iter().copied().fold(f64::INFINITY, f64::min);
    let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    assert_eq!((histogram.edges[0], histogram.edges[40]), (min, max));
    // The middle bins hold the most (a bell shape).
    let peak = (0..40).max_by_key(|&i| histogram.counts[i]).unwrap();
    assert!((15..25).contains(&peak));
    assert_eq!(Histogram::of(&[3.0, 3.0], 2).unwrap().counts, vec![0, 2]);
    assert!(Histogram::of(&values, 0).is_err());
}
