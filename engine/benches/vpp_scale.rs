//! The VPP day-ahead plan at scale: 1,000 to 10,000 vehicles over 20 to 200 sites (50 vans a
//! site), time and peak memory per 1,000 vehicles, beside the same portfolio scheduled for
//! the vehicles' own use only (no product sold) in the same run.
//!
//! `cargo bench -p voltlex-engine --bench vpp_scale` prints a markdown table. Each measurement
//! runs in a child process (this binary re-executed as `vpp_scale --child plan|schedule
//! VEHICLES`) so that its peak resident set (`VmHWM`) is its own; it includes generating the
//! portfolio (the same for both). Times cover `vpp::plan` only.
//!
//! Run by `cargo test --all-targets` (no `--bench` argument), it plans one 200-vehicle
//! portfolio in-process, so that CI keeps the benchmark from rotting without paying for it.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::process::{Command, ExitCode};
use std::time::Instant;

use voltlex_engine::vpp::generate::portfolio;
use voltlex_engine::vpp::plan::plan;

const SEED: u64 = 2024;
const VEHICLES_PER_SITE: usize = 50;
const SIZES: [usize; 4] = [1_000, 2_000, 5_000, 10_000];

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

/// Plans `vehicles` (`sell`: with the products; otherwise own use only) and prints
/// `RESULT seconds peak_kb bids sessions`.
fn child(what: &str, vehicles: usize) -> ExitCode {
    let mut portfolio = portfolio(vehicles, vehicles / VEHICLES_PER_SITE, SEED);
    if what == "schedule" {
        portfolio.products.clear();
    }
    let started = Instant::now();
    let day = plan(&portfolio).expect("plans");
    let seconds = started.elapsed().as_secs_f64();
    let peak_kb = peak_rss_kb();
    let sessions: usize = day.sites.iter().map(|s| s.sessions.len()).sum();
    println!("RESULT {seconds} {peak_kb} {} {sessions}", day.bids.len());
    ExitCode::SUCCESS
}

fn measure(what: &str, vehicles: usize) -> (f64, u64, usize) {
    let exe = std::env::current_exe().expect("own path");
    let output = Command::new(exe)
        .args(["--child", what, &vehicles.to_string()])
        .output()
        .expect("child runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout
        .lines()
        .find(|l| l.starts_with("RESULT "))
        .unwrap_or_else(|| {
            panic!(
                "child {what} {vehicles} failed: {}",
                String::from_utf8_lossy(&output.stderr)
            )
        });
    let fields: Vec<&str> = line.split_whitespace().collect();
    (
        fields[1].parse().unwrap(),
        fields[2].parse().unwrap(),
        fields[3].parse().unwrap(),
    )
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    if let Some(position) = args.iter().position(|a| a == "--child") {
        let what = args[position + 1].clone();
        let vehicles = args[position + 2].parse().unwrap();
        return child(&what, vehicles);
    }
    if !args.iter().any(|a| a == "--bench") {
        // cargo test: one small portfolio in-process.
        let portfolio = portfolio(200, 4, SEED);
        let day = plan(&portfolio).expect("plans");
        assert!(day.sites.iter().all(|s| s.unservable.is_empty()));
        return ExitCode::SUCCESS;
    }
    println!("| vehicles | sites | plan (s) | s per 1,000 vehicles | own use only (s) | plan / own use | peak memory (MB) | MB per 1,000 vehicles | bids |");
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for vehicles in SIZES {
        let (seconds, peak_kb, bids) = measure("plan", vehicles);
        let (own_use, _, _) = measure("schedule", vehicles);
        let thousands = vehicles as f64 / 1_000.0;
        let megabytes = peak_kb as f64 / 1_024.0;
        println!(
            "| {vehicles} | {} | {seconds:.2} | {:.3} | {own_use:.2} | {:.2} | {megabytes:.0} | {:.1} | {bids} |",
            vehicles / VEHICLES_PER_SITE,
            seconds / thousands,
            seconds / own_use,
            megabytes / thousands,
        );
    }
    ExitCode::SUCCESS
}
