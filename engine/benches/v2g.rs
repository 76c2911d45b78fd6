//! The V2G dispatch (structured interior-point method) against HiGHS on the plain LP, on the
//! same instances in the same run.
//!
//! `cargo bench -p voltlex-engine --features highs --bench v2g` runs every instance
//! (optionally only those named after `--`, e.g. `-- 1000x7`) and prints a markdown table:
//! time, peak memory, objective of both, their ratio and relative gap, the interior-point
//! iterations and whether each plan passes the independent checker. It exits non-zero when a
//! gap exceeds 1e-6, a solver fails, or the interior-point plan fails the checker.
//!
//! Each solver runs in a child process (this binary re-executed as
//! `v2g --child voltlex|highs VEHICLES DAYS`), so that its memory is its own: the child
//! reports its peak resident set (`VmHWM`), which includes the problem itself (the same for
//! both). Times cover the solve only, from the `V2gProblem` to a plan — for HiGHS that
//! includes building its model; for the interior-point method validation, building the
//! structured programme, the iterations and reading the plan back. The checker runs in the
//! child after the clock is stopped.
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

use voltlex_engine::schedule::check::{check_with, CheckOptions};
use voltlex_engine::schedule::Mode;
use voltlex_engine::v2g::generate::v2g_depot;
use voltlex_engine::v2g::reference::solve_highs;
use voltlex_engine::v2g::{dispatch, V2gCost, V2gPlan, V2gProblem};

/// Seed of every benchmark instance (the same as the scheduler benchmark's; the figures in
/// docs/benchmarks.md use it).
const SEED: u64 = 2024;
/// The instances: (vehicles, days).
const INSTANCES: [(usize, usize); 5] = [(100, 1), (1000, 1), (5000, 1), (10000, 1), (1000, 7)];
/// Largest relative gap between the two objectives that counts as "the same optimum".
const MAX_GAP: f64 = 1e-6;
/// How many checker violations a child prints (the count is always complete).
const VIOLATIONS_SHOWN: usize = 5;

/// A solver's answer: the plan, the objective it reports and its iteration count (0 when the
/// solver does not report one).
struct Solved {
    plan: V2gPlan,
    objective: f64,
    iterations: usize,
}

/// voltlex's structured interior-point dispatch, in availability mode (every departure met).
fn solve_voltlex(problem: &V2gProblem) -> Result<Solved, String> {
    dispatch(problem, Mode::Availability)
        .map(|solution| Solved {
            plan: solution.plan,
            objective: solution.objective,
            iterations: solution.iterations,
        })
        .map_err(|e| e.to_string())
}

/// HiGHS on the plain LP; returns the plan and the objective HiGHS reports.
fn solve_reference(problem: &V2gProblem) -> Result<Solved, String> {
    solve_highs(problem, Mode::Availability)
        .map(|solution| Solved {
            plan: solution.plan,
            objective: solution.objective,
            iterations: 0,
        })
        .map_err(|e| e.to_string())
}

/// The independent checker on a plan's net powers: the number of violations and the first
/// few, written out.
fn check_plan(problem: &V2gProblem, plan: &V2gPlan) -> (usize, Vec<String>) {
    let report = check_with(
        &problem.charging,
        &plan.to_schedule(),
        Mode::Availability,
        CheckOptions::v2g(),
    );
    let shown = report
        .violations
        .iter()
        .take(VIOLATIONS_SHOWN)
        .map(ToString::to_string)
        .collect();
    (report.violations.len(), shown)
}

/// What a child reports.
#[derive(Debug, Clone)]
struct Measure {
    seconds: f64,
    objective: f64,
    peak_kb: u64,
    iterations: usize,
    discharged_kwh: f64,
    violations: usize,
    shown: Vec<String>,
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

/// Solve one instance with one solver and print
/// `RESULT seconds objective peak_kb iterations discharged_kwh violations`, then one
/// `VIOLATION …` line per violation shown.
fn child(solver: &str, vehicles: usize, days: usize) -> ExitCode {
    let problem = v2g_depot(vehicles, days, SEED);
    let started = Instant::now();
    let outcome = match solver {
        "voltlex" => solve_voltlex(&problem),
        "highs" => solve_reference(&problem),
        other => Err(format!("unknown solver {other}")),
    };
    let seconds = started.elapsed().as_secs_f64();
    // Read before the checks below, which allocate: the figure is the solver's.
    let peak_kb = peak_rss_kb();
    match outcome {
        Ok(solved) => {
            // The reported objective must be the plan's cost, or the comparison means
            // nothing.
            let cost = V2gCost::of(&problem, &solved.plan);
            if relative_gap(cost.total, solved.objective) > MAX_GAP || cost.unmet > 1e-4 {
                eprintln!(
                    "{solver}: objective {} but the plan costs {} with {} unmet",
                    solved.objective, cost.total, cost.unmet
                );
                return ExitCode::FAILURE;
            }
            let (violations, shown) = check_plan(&problem, &solved.plan);
            println!(
                "RESULT {seconds} {} {peak_kb} {} {} {violations}",
                solved.objective, solved.iterations, cost.discharged_kwh
            );
            for line in shown {
                println!("VIOLATION {line}");
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
    let count = |i: usize| fields.get(i).and_then(|f| f.parse::<usize>().ok());
    let shown = stdout
        .lines()
        .filter_map(|line| line.strip_prefix("VIOLATION "))
        .map(str::to_string)
        .collect();
    match (parse(0), parse(1), count(2), count(3), parse(4), count(5)) {
        (
            Some(seconds),
            Some(objective),
            Some(peak_kb),
            Some(iterations),
            Some(discharged_kwh),
            Some(violations),
        ) => Ok(Measure {
            seconds,
            objective,
            peak_kb: peak_kb as u64,
            iterations,
            discharged_kwh,
            violations,
            shown,
        }),
        _ => Err(format!("{solver} child printed `{line}`")),
    }
}

/// `1234567.891` → `1,234,567.89`: the table is pasted into the docs as printed.
fn thousands(value: f64, decimals: usize) -> String {
    let text = format!("{:.*}", decimals, value.abs());
    let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
    let mut grouped = String::new();
    for (i, digit) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    let sign = if value < 0.0 && text.chars().any(|c| c.is_ascii_digit() && c != '0') {
        "-"
    } else {
        ""
    };
    if fraction.is_empty() {
        format!("{sign}{grouped}")
    } else {
        format!("{sign}{grouped}.{fraction}")
    }
}

fn checker_cell(measure: &Measure) -> String {
    if measure.violations == 0 {
        "ok".to_string()
    } else {
        format!("{} violations", measure.violations)
    }
}

fn full(filters: &[String]) -> ExitCode {
    let mut ok = true;
    println!(
        "| instance | slots | sessions | V2G sessions | voltlex s | HiGHS s | speed-up | voltlex peak MB | HiGHS peak MB | voltlex objective (JPY) | HiGHS objective (JPY) | relative gap | IPM iterations | discharged kWh | checker voltlex / HiGHS |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
    for (vehicles, days) in INSTANCES {
        let name = format!("{vehicles}x{days}");
        if !filters.is_empty() && !filters.contains(&name) {
            continue;
        }
        let problem = v2g_depot(vehicles, days, SEED);
        let v2g_sessions = (0..problem.sessions.len())
            .filter(|&i| problem.discharge_limit_kw(i) > 0.0)
            .count();
        let label = format!(
            "v2g_depot({vehicles}, {days} day{})",
            if days == 1 { "" } else { "s" }
        );
        match (
            run_child("voltlex", vehicles, days),
            run_child("highs", vehicles, days),
        ) {
            (Ok(v), Ok(h)) => {
                let gap = relative_gap(v.objective, h.objective);
                ok &= gap <= MAX_GAP && v.violations == 0;
                println!(
                    "| {label} | {} | {} | {} | {:.3} | {:.3} | {:.1}× | {:.1} | {:.1} | {} | {} | {gap:.1e}{} | {} | {} | {} / {} |",
                    problem.charging.slots(),
                    thousands(problem.sessions.len() as f64, 0),
                    thousands(v2g_sessions as f64, 0),
                    v.seconds,
                    h.seconds,
                    h.seconds / v.seconds,
                    v.peak_kb as f64 / 1024.0,
                    h.peak_kb as f64 / 1024.0,
                    thousands(v.objective, 2),
                    thousands(h.objective, 2),
                    if gap <= MAX_GAP { "" } else { " **FAIL**" },
                    v.iterations,
                    thousands(v.discharged_kwh, 0),
                    checker_cell(&v),
                    checker_cell(&h),
                );
                for (solver, measure) in [("voltlex", &v), ("HiGHS", &h)] {
                    for violation in &measure.shown {
                        eprintln!("{label}: {solver} plan: {violation}");
                    }
                }
                if h.violations > 0 {
                    // The reference's plan is not what the benchmark judges; say so loudly
                    // all the same, since the comparison then rests on its objective alone.
                    eprintln!(
                        "{label}: the HiGHS plan fails the checker (not counted as a failure)"
                    );
                }
            }
            (v, h) => {
                ok = false;
                for error in [v.err(), h.err()].into_iter().flatten() {
                    eprintln!("{label}: {error}");
                }
                println!(
                    "| {label} | {} | {} | {v2g_sessions} | failed | | | | | | | | | | |",
                    problem.charging.slots(),
                    problem.sessions.len()
                );
            }
        }
    }
    if ok {
        ExitCode::SUCCESS
    } else {
        eprintln!(
            "a solver failed, the objectives differ by more than {MAX_GAP}, or the interior-point plan fails the checker"
        );
        ExitCode::FAILURE
    }
}

/// `cargo test --all-targets`: one small depot, both solvers in-process, the gap and the
/// checker verified.
fn smoke() -> ExitCode {
    let problem = v2g_depot(50, 1, SEED);
    match (solve_voltlex(&problem), solve_reference(&problem)) {
        (Ok(v), Ok(h)) => {
            let gap = relative_gap(v.objective, h.objective);
            let plan_gap = relative_gap(V2gCost::of(&problem, &v.plan).total, v.objective);
            let (violations, shown) = check_plan(&problem, &v.plan);
            if gap <= MAX_GAP && plan_gap <= MAX_GAP && violations == 0 {
                println!(
                    "v2g bench smoke check: voltlex {:.2} = HiGHS {:.2} JPY ({} iterations), plan checked",
                    v.objective, h.objective, v.iterations
                );
                ExitCode::SUCCESS
            } else {
                eprintln!(
                    "v2g bench smoke check failed: voltlex {} vs HiGHS {} (gap {gap:e}), plan cost gap {plan_gap:e}, {violations} violations: {shown:?}",
                    v.objective, h.objective
                );
                ExitCode::FAILURE
            }
        }
        (v, h) => {
            eprintln!(
                "v2g bench smoke check failed: voltlex {:?}, HiGHS {:?}",
                v.err(),
                h.err()
            );
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
                eprintln!("usage: v2g --child voltlex|highs VEHICLES DAYS");
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
