//! Monte Carlo risk of a V2G fleet-month: 10,000 block-bootstrap price scenarios × one month ×
//! a 1,000-vehicle fleet, against the exact per-day interior-point study on a few of the same
//! scenarios, in the same run.
//!
//! `cargo bench -p voltlex-engine --bench v2g_risk` prints two markdown tables: the Monte
//! Carlo's phases (aggregation, generation, `monthly_profits`, `RiskReport::of` at 95 % and
//! 99 %) with wall time per phase and per scenario, then the exact study (`v2g::study::run`
//! over the 30 days, each day's prices replaced by a scenario's) on the first
//! 3 scenarios: time per scenario, the ratio to the Monte Carlo's, and each
//! scenario's monthly profit under both models.
//!
//! The month: `v2g_depot(1000, 1, 2024)` is one day (noon to noon; the generator starts it on
//! Monday 2024-04-01). It is moved to Monday 2024-07-01 (July: the month of the repository's
//! V2G example; on April's history this fleet earns next to nothing), and day `d` of the month
//! is that same problem with `charging.start` moved by `d` more days (same sessions, base load,
//! limits and prices per slot, so every day is the depot's Monday). `FleetDay::of` maps slots
//! to scenario prices by date, so day `d` reads scenario days `d` and `d + 1`, and the
//! scenarios cover 31 days (2024-07-01 to 2024-07-31, all drawn from Julys of the history).
//! Each `FleetDay` has pass-through 1.0 per slot (a market-linked tariff: import = studied
//! import + scenario spot − studied spot), spot = the
//! problem's export prices, export on. The exact study gets the same prices: per slot,
//! export = the scenario's spot, import = the studied import + (scenario spot − studied spot).
//!
//! History: JEPX Tokyo 2023 and 2024 from `shared/data/jepx` next to the repository (as the
//! engine's tests find it). When those files are absent the bench says so and exits
//! successfully: it measures nothing rather than something else.
//!
//! Run by `cargo test --all-targets` (no `--bench` argument), it runs a tiny version in-process
//! (20 vehicles, 3 days, 50 scenarios, the exact study on 2 of them) and checks that every
//! profit is finite and that each report's VaR lies within its interval.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use chrono::{Duration, NaiveDate};
use voltlex_engine::battery::Chemistry;
use voltlex_engine::read::{jepx_spot_summary, JepxArea};
use voltlex_engine::risk::{generate, DailyPrices, PriceModel, RiskReport};
use voltlex_engine::v2g::generate::v2g_depot;
use voltlex_engine::v2g::monte_carlo::{monthly_profits, FleetDay, MonthTerms};
use voltlex_engine::v2g::study::{run, DayResult, SessionWear, StudyDay, StudyOptions};
use voltlex_engine::v2g::V2gProblem;

/// Seed of the depot and of the scenarios (the figures in docs/benchmarks.md use it).
const SEED: u64 = 2024;
/// First day of the simulated month: July 2024, the month of the repository's V2G example and
/// of the Tokyo summer evening peaks (a Monday, like the depot's own start, 2024-04-01).
fn month_start() -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(2024, 7, 1)
}

/// Block length of the bootstrap, days (keeps weekly patterns and spells of high prices).
const BLOCK_DAYS: usize = 7;
/// Confidence levels reported.
const CONFIDENCES: [f64; 2] = [0.95, 0.99];
/// Years of JEPX history used.
const HISTORY_YEARS: [i32; 2] = [2023, 2024];

/// One benchmark configuration.
#[derive(Debug, Clone, Copy)]
struct Config {
    vehicles: usize,
    days: usize,
    scenarios: usize,
    exact_scenarios: usize,
}

/// The benchmark: 10,000 scenarios × one month (30 days) × 1,000 vehicles; the exact
/// study on 3 of the scenarios.
const FULL: Config = Config {
    vehicles: 1000,
    days: 30,
    scenarios: 10_000,
    exact_scenarios: 3,
};

/// What `cargo test --all-targets` runs.
const SMOKE: Config = Config {
    vehicles: 20,
    days: 3,
    scenarios: 50,
    exact_scenarios: 2,
};

type BenchError = Box<dyn std::error::Error>;

fn jepx_file(year: i32) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/data/jepx")
        .join(format!("spot_summary_{year}.csv"))
}

/// Tokyo days of the history years, or `None` (with the missing paths) when a file is absent.
fn history() -> Result<Result<DailyPrices, Vec<PathBuf>>, BenchError> {
    let files: Vec<PathBuf> = HISTORY_YEARS.iter().map(|&y| jepx_file(y)).collect();
    let missing: Vec<PathBuf> = files.iter().filter(|f| !f.is_file()).cloned().collect();
    if !missing.is_empty() {
        return Ok(Err(missing));
    }
    let mut merged: Option<DailyPrices> = None;
    for file in &files {
        let days = DailyPrices::from_series(&jepx_spot_summary(file, JepxArea::Tokyo)?)?;
        merged = Some(match merged {
            Some(all) => all.merged(days)?,
            None => days,
        });
    }
    merged
        .map(Ok)
        .ok_or_else(|| "no history files configured".into())
}

/// Day `day` of the month: the one-day depot moved by `day` days.
fn shifted(base: &V2gProblem, day: usize) -> V2gProblem {
    let mut problem = base.clone();
    problem.charging.start += Duration::days(day as i64);
    problem
}

/// The exact study's day: `fleet_day`'s problem with the scenario's prices, as the Monte Carlo
/// prices it (export = scenario spot, import moved by the spot change × pass-through 1.0).
fn repriced(problem: &V2gProblem, fleet_day: &FleetDay, path: &[f64]) -> V2gProblem {
    let mut repriced = problem.clone();
    for (slot, &index) in fleet_day.scenario_index.iter().enumerate() {
        let spot = path[index];
        let studied_spot = problem.export_price[slot];
        repriced.export_price[slot] = spot;
        repriced.charging.energy_price[slot] = problem.charging.energy_price[slot]
            + fleet_day.pass_through[slot] * (spot - studied_spot);
    }
    repriced
}

/// Seconds of one phase.
struct Phase {
    name: &'static str,
    seconds: f64,
}

/// One scenario under both models.
struct Compared {
    scenario: usize,
    monte_carlo: f64,
    exact: f64,
    /// The part of `exact` that is the month's demand charge saved (the V2G run's month peak
    /// below the baseline's), which the Monte Carlo does not reprice by design (the CLI passes
    /// the study's demand saving as `MonthTerms::constant`).
    exact_demand_saving: f64,
    /// Battery-side kWh the exact study discharged over the month.
    exact_discharged_kwh: f64,
    /// Grid-side kWh it exported (the rest of the discharge displaced the site's imports).
    exact_exported_kwh: f64,
}

/// What one configuration measured.
struct Outcome {
    history_days: usize,
    sessions: usize,
    v2g_sessions: usize,
    export_cap_kw: f64,
    /// Slots (of all days) where the aggregate credits discharge at the import price (the
    /// site's load covers the whole fleet's discharge), and all slots.
    wear_classes: usize,
    phases: Vec<Phase>,
    reports: Vec<RiskReport>,
    /// Per exact scenario.
    compared: Vec<Compared>,
    exact_seconds: f64,
    exact_iterations: usize,
    problems: Vec<String>,
}

fn measure(config: Config, history: &DailyPrices) -> Result<Outcome, BenchError> {
    let mut base = v2g_depot(config.vehicles, 1, SEED);
    let month_start = month_start().ok_or("invalid month start")?;
    let days_to_month = (month_start - base.charging.start.date()).num_days();
    base.charging.start += Duration::days(days_to_month);
    let first_day: NaiveDate = base.charging.start.date();
    let slots = base.charging.slots();
    let mut phases = Vec::new();

    // Aggregation: one virtual battery per day.
    let started = Instant::now();
    let problems: Vec<V2gProblem> = (0..config.days).map(|d| shifted(&base, d)).collect();
    let mut fleet_days = Vec::with_capacity(config.days);
    for problem in &problems {
        fleet_days.push(FleetDay::of(
            problem,
            first_day,
            vec![1.0; slots],
            problem.export_price.clone(),
        )?);
    }
    phases.push(Phase {
        name: "aggregate the days (`FleetDay::of`)",
        seconds: started.elapsed().as_secs_f64(),
    });
    let span = fleet_days
        .iter()
        .flat_map(|d| d.scenario_index.iter())
        .max()
        .map_or(0, |&last| last / 48 + 1);

    let started = Instant::now();
    let model = PriceModel::BlockBootstrap {
        block_days: BLOCK_DAYS,
        month_window: 0,
    };
    let scenarios = generate(&model, history, first_day, span, config.scenarios, SEED)?;
    phases.push(Phase {
        name: "generate scenarios (block bootstrap)",
        seconds: started.elapsed().as_secs_f64(),
    });

    let started = Instant::now();
    let profits = monthly_profits(&fleet_days, &scenarios, &MonthTerms::default())?;
    phases.push(Phase {
        name: "`monthly_profits` (V2G + baseline dispatch per day)",
        seconds: started.elapsed().as_secs_f64(),
    });

    let started = Instant::now();
    let reports = CONFIDENCES
        .iter()
        .map(|&c| RiskReport::of(&profits, c))
        .collect::<Result<Vec<_>, _>>()?;
    phases.push(Phase {
        name: "`RiskReport::of` at 95 % and 99 %",
        seconds: started.elapsed().as_secs_f64(),
    });

    let mut problems_found = Vec::new();
    if let Some(bad) = profits.iter().position(|p| !p.is_finite()) {
        problems_found.push(format!("scenario {bad}: profit {}", profits[bad]));
    }
    for report in &reports {
        if !report.value_at_risk_interval.contains(report.value_at_risk) {
            problems_found.push(format!(
                "VaR {:.0} at {} outside its interval [{:.0}, {:.0}]",
                report.value_at_risk,
                report.confidence,
                report.value_at_risk_interval.lower,
                report.value_at_risk_interval.upper
            ));
        }
    }

    // The reference: every vehicle re-dispatched exactly, day by day, per scenario.
    let wear = vec![
        SessionWear {
            chemistry: Chemistry::lfp(),
            replacement_cost_per_kwh: 20_000.0,
        };
        base.sessions.len()
    ];
    let options = StudyOptions::default();
    let mut compared = Vec::new();
    let mut exact_iterations = 0;
    let started = Instant::now();
    for (scenario, &monte_carlo) in profits.iter().enumerate().take(config.exact_scenarios) {
        let path = scenarios
            .scenario(scenario)
            .ok_or("scenario out of range")?;
        let days: Vec<StudyDay> = problems
            .iter()
            .zip(&fleet_days)
            .map(|(problem, fleet_day)| StudyDay {
                problem: repriced(problem, fleet_day, path),
                wear: wear.clone(),
            })
            .collect();
        let result = run(&days, &options)?;
        let exact: f64 = result
            .days
            .iter()
            .map(|d| d.baseline_objective - d.v2g_objective)
            .sum();
        exact_iterations += result.days.iter().map(|d| d.iterations).sum::<usize>();
        if !exact.is_finite() {
            problems_found.push(format!("exact study, scenario {scenario}: profit {exact}"));
        }
        // Each day's problem sees the month's running peak as its ratchet, so over the month
        // each run pays the demand price once for its peak above the contract ratchet.
        let ratchet = base.charging.ratchet_kw;
        let month_peak =
            |peak: fn(&DayResult) -> f64| result.days.iter().map(peak).fold(ratchet, f64::max);
        let exact_demand_saving = base.charging.demand_price_per_kw
            * (month_peak(|d| d.baseline_peak_kw) - month_peak(|d| d.v2g_peak_kw));
        compared.push(Compared {
            scenario,
            monte_carlo,
            exact,
            exact_demand_saving,
            exact_discharged_kwh: result.days.iter().map(|d| d.discharged_kwh).sum(),
            exact_exported_kwh: result.days.iter().map(|d| d.exported_kwh).sum(),
        });
    }
    let exact_seconds = started.elapsed().as_secs_f64();

    Ok(Outcome {
        history_days: history.len(),
        sessions: base.sessions.len(),
        v2g_sessions: (0..base.sessions.len())
            .filter(|&i| base.discharge_limit_kw(i) > 0.0)
            .count(),
        export_cap_kw: base.export_cap_kw,
        wear_classes: fleet_days.first().map_or(0, |d| d.classes.len()),
        phases,
        reports,
        compared,
        exact_seconds,
        exact_iterations,
        problems: problems_found,
    })
}

/// The 1-minute load average, as `uptime` shows it.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().map(str::to_string))
        .unwrap_or_else(|| "?".to_string())
}

fn print(config: Config, outcome: &Outcome) {
    let per = |s: f64| s / config.scenarios as f64;
    println!(
        "v2g_depot({}, 1 day, seed {SEED}) moved over {} days: {} sessions per day, {} with \
         discharge, export cap {:.0} kW; history {} Tokyo days ({}–{}); block bootstrap {} days, \
         seed {SEED}; the aggregate: {} wear classes per day, V2B (discharge within the site's load)",
        config.vehicles,
        config.days,
        outcome.sessions,
        outcome.v2g_sessions,
        outcome.export_cap_kw,
        outcome.history_days,
        HISTORY_YEARS[0],
        HISTORY_YEARS[HISTORY_YEARS.len() - 1],
        BLOCK_DAYS,
        outcome.wear_classes,
    );
    println!();
    println!("| Monte Carlo phase | wall s | per scenario µs |");
    println!("|---|---:|---:|");
    let mut total = 0.0;
    for phase in &outcome.phases {
        total += phase.seconds;
        println!(
            "| {} | {:.3} | {:.1} |",
            phase.name,
            phase.seconds,
            per(phase.seconds) * 1e6
        );
    }
    println!(
        "| **total, {} scenarios** | **{total:.3}** | **{:.1}** |",
        config.scenarios,
        per(total) * 1e6
    );
    println!();
    println!("| confidence | mean profit (JPY) | VaR (JPY) | VaR interval | CVaR (JPY) | CVaR interval |");
    println!("|---:|---:|---:|---|---:|---|");
    for r in &outcome.reports {
        println!(
            "| {:.0} % | {:.0} | {:.0} | [{:.0}, {:.0}] | {:.0} | [{:.0}, {:.0}] |",
            100.0 * r.confidence,
            r.mean_profit,
            r.value_at_risk,
            r.value_at_risk_interval.lower,
            r.value_at_risk_interval.upper,
            r.conditional_value_at_risk,
            r.conditional_value_at_risk_interval.lower,
            r.conditional_value_at_risk_interval.upper,
        );
    }
    let exact_count = outcome.compared.len();
    if exact_count == 0 {
        return;
    }
    let exact_per = outcome.exact_seconds / exact_count as f64;
    let mc_per = per(total);
    println!();
    println!("| model | per scenario s | ratio |");
    println!("|---|---:|---:|");
    println!(
        "| exact per-day interior-point study ({exact_count} scenarios, {} IPM iterations of V2G dispatch in all) | {exact_per:.3} | {:.0}× |",
        outcome.exact_iterations,
        exact_per / mc_per
    );
    println!(
        "| Monte Carlo (all phases / {}) | {mc_per:.2e} | 1× |",
        config.scenarios
    );
    println!();
    println!(
        "| scenario | Monte Carlo profit (JPY) | exact profit (JPY) | of which demand saving | \
         exact without demand saving | Monte Carlo − exact | Monte Carlo − exact without demand | \
         exact discharged kWh | exact exported kWh |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    let row = |label: &str, mc: f64, exact: f64, demand: f64, kwh: (f64, f64)| {
        println!(
            "| {label} | {mc:.0} | {exact:.0} | {demand:.0} | {:.0} | {:.0} | {:.0} | {:.0} | {:.0} |",
            exact - demand,
            mc - exact,
            mc - (exact - demand),
            kwh.0,
            kwh.1,
        );
    };
    for c in &outcome.compared {
        row(
            &c.scenario.to_string(),
            c.monte_carlo,
            c.exact,
            c.exact_demand_saving,
            (c.exact_discharged_kwh, c.exact_exported_kwh),
        );
    }
    let mean =
        |f: fn(&Compared) -> f64| outcome.compared.iter().map(f).sum::<f64>() / exact_count as f64;
    row(
        "**mean**",
        mean(|c| c.monte_carlo),
        mean(|c| c.exact),
        mean(|c| c.exact_demand_saving),
        (
            mean(|c| c.exact_discharged_kwh),
            mean(|c| c.exact_exported_kwh),
        ),
    );
}

fn run_config(config: Config, label: &str) -> ExitCode {
    let history = match history() {
        Ok(Ok(history)) => history,
        Ok(Err(missing)) => {
            let names: Vec<String> = missing.iter().map(|p| p.display().to_string()).collect();
            println!(
                "v2g_risk {label}: skipped, JEPX history not found: {}",
                names.join(", ")
            );
            return ExitCode::SUCCESS;
        }
        Err(error) => {
            eprintln!("v2g_risk {label}: reading the JEPX history failed: {error}");
            return ExitCode::FAILURE;
        }
    };
    let load_before = load_average();
    let outcome = measure(config, &history);
    let load_after = load_average();
    match outcome {
        Ok(outcome) => {
            print(config, &outcome);
            println!();
            println!(
                "nproc {}, 1-minute load average {load_before} → {load_after}",
                std::thread::available_parallelism().map_or(0, |n| n.get())
            );
            if outcome.problems.is_empty() {
                ExitCode::SUCCESS
            } else {
                for problem in &outcome.problems {
                    eprintln!("v2g_risk {label}: {problem}");
                }
                ExitCode::FAILURE
            }
        }
        Err(error) => {
            eprintln!("v2g_risk {label}: {error}");
            ExitCode::FAILURE
        }
    }
}

/// `--scenarios=N` and `--exact=N` after `--` override the full run's counts (for a quick
/// look; the documented figures use the defaults).
fn option(args: &[String], name: &str) -> Option<usize> {
    args.iter()
        .find_map(|a| a.strip_prefix(name)?.strip_prefix('=')?.parse().ok())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if !args.iter().any(|a| a == "--bench") {
        return run_config(SMOKE, "smoke check");
    }
    let config = Config {
        scenarios: option(&args, "--scenarios").unwrap_or(FULL.scenarios),
        exact_scenarios: option(&args, "--exact").unwrap_or(FULL.exact_scenarios),
        ..FULL
    };
    run_config(config, "bench")
}
