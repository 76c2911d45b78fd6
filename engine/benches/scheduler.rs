//! The optimal charging strategy against HiGHS on the plain LP, on the same instances in the
//! same run.
//!
//! `cargo bench -p voltlex-engine --features highs --bench scheduler` runs every instance
//! (optionally only those named after `--`, e.g. `-- 1000x7`) and prints a markdown table:
//! time, peak memory, objective of both, their ratio and relative gap. It exits non-zero when
//! a gap exceeds 1e-6 or a solver fails.
//!
//! Each solver runs in a child process (this binary re-executed as
//! `scheduler --child voltlex|highs VEHICLES DAYS`), so that its memory is its own: the child
//! reports its peak resident set (`VmHWM`), which includes the problem itself (a few MB, the
//! same for both). Times cover the solve only, from the `Problem` to a schedule — for HiGHS
//! that includes building its model.
//!
//! Run by `cargo test --all-targets` (no `--bench` argument), it only checks one small depot
//! in-process, so that CI keeps the benchmark from rotting without paying for it.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::process::{Command, ExitCode};
use std::time::Instant;

use voltlex_engine::schedule::generate::synthetic_depot;
use voltlex_engine::schedule::heuristic::Heuristic;
use voltlex_engine::schedule::reference::solve_highs;
use voltlex_engine::schedule::{Mode, Problem, Schedule, ScheduleCost};

/// Seed of every benchmark instance (the figures in docs/benchmarks.md use it).
const SEED: u64 = 2024;
/// The instances: (vehicles, days).
const INSTANCES: [(usize, usize); 5] = [(100, 1), (1000, 1), (5000, 1), (10000, 1), (1000, 7)];
/// Largest relative gap between the two objectives that counts as "the same optimum".
const MAX_GAP: f64 = 1e-6;

/// voltlex's optimal strategy, in availability mode (every departure met).
fn solve_voltlex(problem: &Problem) -> Result<Schedule, String> {
    voltlex_engine::schedule::optimal::solve(problem, Mode::Availability)
        .map(|solution| solution.schedule)
        .map_err(|e| e.to_string())
}

/// HiGHS on the plain LP; returns the schedule and the objective HiGHS reports.
fn solve_reference(problem: &Problem) -> Result<(Schedule, f64), String> {
    solve_highs(problem, Mode::Availability)
        .map(|solution| (solution.schedule, solution.objective))
        .map_err(|e| e.to_string())
}

/// What a child reports: seconds, objective, peak RSS in kB, and (voltlex) the heuristics'
/// costs and unmet kWh.
#[derive(Debug, Clone)]
struct Measure {
    seconds: f64,
    objective: f64,
    peak_kb: u64,
    heuristics: Vec<(String, f64, f64)>,
}

fn peak_rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|line| line.starts_with("VmHWM:"))
                .and_then(|line| line.split_whitespace().nth(1))
                .and_then(|kb| kb.parse().ok())
        })
        .unwrap_or(0)
}

/// Solve one instance with one solver and print `RESULT seconds objective peak_kb`.
fn child(solver: &str, vehicles: usize, days: usize) -> ExitCode {
    let problem = synthetic_depot(vehicles, days, SEED);
    let started = Instant::now();
    let outcome = match solver {
        "voltlex" => solve_voltlex(&problem).map(|schedule| {
            let objective = ScheduleCost::of(&problem, &schedule).total;
            (schedule, objective)
        }),
        "highs" => solve_reference(&problem),
        other => Err(format!("unknown solver {other}")),
    };
    let seconds = started.elapsed().as_secs_f64();
    match outcome {
        Ok((schedule, objective)) => {
            // The reported objective must be the schedule's cost, or the comparison means
            // nothing.
            let cost = ScheduleCost::of(&problem, &schedule);
            if relative_gap(cost.total, objective) > MAX_GAP || cost.unmet_kwh > 1e-4 {
                eprintln!(
                    "{solver}: objective {objective} but the schedule costs {} with {} kWh unmet",
                    cost.total, cost.unmet_kwh
                );
                return ExitCode::FAILURE;
            }
            println!("RESULT {seconds} {objective} {}", peak_rss_kb());
            if solver == "voltlex" {
                // After the measurement: the heuristics' cost on the same instance.
                for heuristic in Heuristic::ALL {
                    let cost =
                        ScheduleCost::of(&problem, &heuristic.run(&problem, Mode::Availability));
                    println!(
                        "HEURISTIC {} {} {}",
                        heuristic.name(),
                        cost.total,
                        cost.unmet_kwh
                    );
                }
            }
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("{solver}: {message}");
            ExitCode::FAILURE
        }
    }
}

fn relative_gap(a: f64, b: f64) -> f64 {
    (a - b).abs() / a.abs().max(b.abs()).max(1.0)
}

fn run_child(solver: &str, vehicles: usize, days: usize) -> Result<Measure, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let output = Command::new(exe)
        .args(["--child", solver, &vehicles.to_string(), &days.to_string()])
        .output()
        .map_err(|e| e.to_string())?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout
        .lines()
        .find_map(|line| line.strip_prefix("RESULT "))
        .ok_or_else(|| {
            format!(
                "{solver} child failed ({}): {}",
                output.status,
                String::from_utf8_lossy(&output.stderr).trim()
            )
        })?;
    let fields: Vec<&str> = line.split_whitespace().collect();
    let parse = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok());
    let heuristics = stdout
        .lines()
        .filter_map(|line| line.strip_prefix("HEURISTIC "))
        .filter_map(|line| {
            let mut fields = line.split_whitespace();
            let name = fields.next()?.to_string();
            let cost = fields.next()?.parse().ok()?;
            let unmet = fields.next()?.parse().ok()?;
            Some((name, cost, unmet))
        })
        .collect();
    match (parse(0), parse(1), parse(2)) {
        (Some(seconds), Some(objective), Some(kb)) => Ok(Measure {
            seconds,
            objective,
            peak_kb: kb as u64,
            heuristics,
        }),
        _ => Err(format!("{solver} child printed `{line}`")),
    }
}

fn full(filters: &[String]) -> ExitCode {
    let mut ok = true;
    let mut heuristic_rows: Vec<HeuristicRow> = Vec::new();
    println!(
        "| instance | vehicles | slots | sessions | voltlex s | HiGHS s | speed-up | voltlex peak MB | HiGHS peak MB | voltlex objective (JPY) | HiGHS objective (JPY) | relative gap |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (vehicles, days) in INSTANCES {
        let name = format!("{vehicles}x{days}");
        if !filters.is_empty() && !filters.contains(&name) {
            continue;
        }
        let problem = synthetic_depot(vehicles, days, SEED);
        let label = format!(
            "depot({vehicles}, {days} day{})",
            if days == 1 { "" } else { "s" }
        );
        match (
            run_child("voltlex", vehicles, days),
            run_child("highs", vehicles, days),
        ) {
            (Ok(v), Ok(h)) => {
                let gap = relative_gap(v.objective, h.objective);
                ok &= gap <= MAX_GAP;
                println!(
                    "| {label} | {vehicles} | {} | {} | {:.3} | {:.3} | {:.1}× | {:.1} | {:.1} | {:.2} | {:.2} | {gap:.1e}{} |",
                    problem.slots(),
                    problem.sessions.len(),
                    v.seconds,
                    h.seconds,
                    h.seconds / v.seconds,
                    v.peak_kb as f64 / 1024.0,
                    h.peak_kb as f64 / 1024.0,
                    v.objective,
                    h.objective,
                    if gap <= MAX_GAP { "" } else { " **FAIL**" },
                );
                // The site without the fleet: base energy and its own demand above the ratchet.
                let idle = ScheduleCost::of(&problem, &Schedule::idle(&problem));
                let idle = idle.energy + idle.demand;
                heuristic_rows.push((label, v.objective.min(h.objective), idle, v.heuristics));
            }
            (v, h) => {
                ok = false;
                for error in [v.err(), h.err()].into_iter().flatten() {
                    eprintln!("{label}: {error}");
                }
                println!(
                    "| {label} | {vehicles} | {} | {} | failed | | | | | | | |",
                    problem.slots(),
                    problem.sessions.len()
                );
            }
        }
    }
    print_heuristics(&heuristic_rows);
    if ok {
        ExitCode::SUCCESS
    } else {
        eprintln!("a solver failed or the objectives differ by more than {MAX_GAP}");
        ExitCode::FAILURE
    }
}

/// Instance label, optimum, cost of the base load alone, and per heuristic: name, cost,
/// unmet kWh.
type HeuristicRow = (String, f64, f64, Vec<(String, f64, f64)>);

/// The heuristics' cost above the optimum: of the whole bill (base load included) and of the
/// fleet's share of it (the cost above that of the base load alone).
fn print_heuristics(rows: &[HeuristicRow]) {
    if rows.iter().all(|(.., heuristics)| heuristics.is_empty()) {
        return;
    }
    println!();
    println!("| instance | strategy | cost (JPY) | above optimum, total | above optimum, fleet share | unmet kWh |");
    println!("|---|---|---:|---:|---:|---:|");
    for (label, optimum, idle, heuristics) in rows {
        let fleet = optimum - idle;
        println!("| {label} | optimal | {optimum:.0} | – | – | 0 |");
        for (name, cost, unmet) in heuristics {
            println!(
                "| {label} | {name} | {cost:.0} | {:.2} % | {:.1} % | {unmet:.1} |",
                100.0 * (cost - optimum) / optimum,
                100.0 * (cost - optimum) / fleet,
            );
        }
    }
}

/// `cargo test --all-targets`: one small depot, both solvers in-process, the gap checked.
fn smoke() -> ExitCode {
    let problem = synthetic_depot(50, 1, SEED);
    let voltlex = solve_voltlex(&problem).map(|s| ScheduleCost::of(&problem, &s).total);
    let highs = solve_reference(&problem).map(|(_, objective)| objective);
    match (voltlex, highs) {
        (Ok(v), Ok(h)) if relative_gap(v, h) <= MAX_GAP => {
            println!("scheduler bench smoke check: voltlex {v:.2} = HiGHS {h:.2} JPY");
            ExitCode::SUCCESS
        }
        other => {
            eprintln!("scheduler bench smoke check failed: {other:?}");
            ExitCode::FAILURE
        }
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Some(at) = args.iter().position(|a| a == "--child") {
        let solver = args.get(at + 1).map(String::as_str).unwrap_or("");
        let number = |i: usize| args.get(at + i).and_then(|a| a.parse::<usize>().ok());
        return match (number(2), number(3)) {
            (Some(vehicles), Some(days)) => child(solver, vehicles, days),
            _ => {
                eprintln!("usage: scheduler --child voltlex|highs VEHICLES DAYS");
                ExitCode::FAILURE
            }
        };
    }
    if !args.iter().any(|a| a == "--bench") {
        return smoke();
    }
    let filters: Vec<String> = args.into_iter().filter(|a| !a.starts_with("--")).collect();
    full(&filters)
}
