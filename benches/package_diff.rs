//! Bill impact of a rate change over many customers (`voltlex diff --loads`): every customer
//! billed under the old and the new tariff by the engine, in parallel with rayon
//! (`Comparison::impacts`), beside the same work in a plain serial loop
//! (`Comparison::impacts_serial`, the reference), in the same run.
//!
//! `cargo bench --bench package_diff` bills 10,000 customer-years generated from the example
//! site load (`workbooks/examples/site-2024-load.csv`, a year of 30-minute data: each customer
//! is the site scaled by its own factor and tilted between day and night) under a seasonal
//! TOU tariff with a 12-month ratchet, consumption tax and rounding, before and after a rate
//! revision. It prints a markdown table: customers, wall time, time per customer, and the
//! serial/parallel ratio; both runs must give the same bills (checked). `VOLTLEX_CUSTOMERS`
//! changes the count.
//!
//! Run by `cargo test --all-targets` (no `--bench` argument), it bills 24 customers both ways
//! and checks they agree.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::Path;
use std::time::Instant;

use voltlex_engine::inputs::LoadProfile;
use voltlex_packages::diff::{summarize, Comparison, Failure, Impact};

const TARIFF: &str = r#"
tariff "Depot TOU" {
  currency JPY
  calendar japan
  interval 30 min
  season summer = Jul..Sep
  season other = otherwise
  periods {
    peak  = weekdays 13:00..16:00 in summer
    day   = weekdays 08:00..22:00 except peak
    night = otherwise
  }
  demand {
    contract = max demand over 12 months
    charge DEMAND JPY/kW per month
    round down to 1 JPY
  }
  energy { peak PEAK JPY/kWh; day 19.50 JPY/kWh; night NIGHT JPY/kWh }
  surcharge renewable 3.49 JPY/kWh
  fixed meter 1_100 JPY per month
  tax consumption 10% included
  round each line down to 1 JPY
}
"#;

fn tariff(demand: &str, peak: &str, night: &str) -> voltlex_dsl::rules::Tariff {
    let text = TARIFF
        .replace("DEMAND", demand)
        .replace("PEAK", peak)
        .replace("NIGHT", night);
    let compilation = voltlex_dsl::compile_text("bench.vlx", &text);
    assert!(
        !compilation.has_errors(),
        "{}",
        compilation.render_diagnostics(false)
    );
    compilation.rules.tariffs[0].clone()
}

/// Customer `i`: the site scaled by 0.2–3.0 and tilted between day and night, deterministic.
fn customer(site: &LoadProfile, i: usize) -> Result<(String, LoadProfile), Failure> {
    let scale = 0.2 + (i.wrapping_mul(7919) % 1000) as f64 / 1000.0 * 2.8;
    let tilt = (i.wrapping_mul(104_729) % 100) as f64 / 100.0 - 0.5;
    let kwh = site
        .kwh
        .iter()
        .enumerate()
        .map(|(slot, kwh)| {
            let hour = (slot % 48) / 2;
            let day = (8..22).contains(&hour);
            kwh * scale
                * if day {
                    1.0 + tilt * 0.5
                } else {
                    1.0 - tilt * 0.5
                }
        })
        .collect();
    Ok((
        format!("customer-{i:05}"),
        LoadProfile {
            start: site.start,
            interval_minutes: site.interval_minutes,
            kwh,
        },
    ))
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let count: usize = std::env::var("VOLTLEX_CUSTOMERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if full { 10_000 } else { 24 });
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let site =
        voltlex_engine::read::load_csv(root.join("workbooks/examples/site-2024-load.csv")).unwrap();
    // The revision: demand 1,890 → 2,050 JPY/kW, summer peak 28.00 → 30.10, night 12.10 → 11.20.
    let comparison = Comparison::new(
        &tariff("1_890.00", "28.00", "12.10"),
        &tariff("2_050.00", "30.10", "11.20"),
    );
    let load_of = |i: usize| customer(&site, i);

    let started = Instant::now();
    let parallel = comparison.impacts(count, load_of, &|_| {});
    let parallel_seconds = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let serial = comparison.impacts_serial(count, load_of);
    let serial_seconds = started.elapsed().as_secs_f64();
    assert_eq!(parallel, serial, "the parallel and serial bills disagree");
    let impacts: Vec<Impact> = parallel
        .into_iter()
        .map(|r| r.unwrap_or_else(|f| panic!("{}: {}", f.customer, f.reason)))
        .collect();
    let summary = summarize(&impacts, 1);

    println!(
        "\nbill impact over {count} customer-years ({} months of 30-minute data each, 2 bills per customer, {} threads)\n",
        site.kwh.len() / 48 / 30,
        rayon::current_num_threads()
    );
    println!("| run | customers | wall time (s) | ms per customer |");
    println!("|---|---:|---:|---:|");
    for (name, seconds) in [
        ("parallel (rayon, Comparison::impacts)", parallel_seconds),
        ("serial loop (reference)", serial_seconds),
    ] {
        println!(
            "| {name} | {count} | {seconds:.2} | {:.3} |",
            seconds * 1000.0 / count as f64
        );
    }
    println!(
        "\nserial / parallel: {:.2}× the time; median change {} JPY, {} up, {} down",
        serial_seconds / parallel_seconds.max(1e-9),
        summary
            .change_percentiles
            .iter()
            .find(|(p, _)| *p == 50)
            .map_or("-".into(), |(_, v)| v.to_string()),
        summary.up,
        summary.down
    );
}
