//! Goal seeking on the example TCO study: the search (`engine::goalseek::seek` — designs in
//! order of investment, pruned once none can rank, simulated years shared by designs that
//! dispatch alike) beside the exhaustive evaluation of every design
//! (`engine::goalseek::brute_force`), in the same run, each on a fresh study (no simulation
//! carried over).
//!
//! `cargo bench --bench goal_seek` runs `workbooks/examples/fleet/tco-kei-vans.json` (128
//! designs) and prints a markdown table: designs evaluated, years simulated, wall time, and the
//! exhaustive/search time ratio; both must give the same answer (checked).
//!
//! Run by `cargo test --all-targets` (no `--bench` argument), it runs the four-van test study
//! (`tests/data/tco-small.json`, 16 designs) the same way and checks the answers agree.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::Path;
use std::time::Instant;

use voltlex::goal_seek::{GoalSeek, TargetOverrides};
use voltlex::tco_scenario::TcoStudy;
use voltlex_engine::goalseek::SeekOutcome;

struct Run {
    outcome: SeekOutcome,
    seconds: f64,
    simulated: usize,
    reused: usize,
}

fn run(study_file: &Path, exhaustive: bool) -> Run {
    let study = TcoStudy::read(study_file).unwrap();
    let seek = GoalSeek::of(&study, &TargetOverrides::default()).unwrap();
    let started = Instant::now();
    let outcome = seek.run(exhaustive, &|_| {}).unwrap();
    let seconds = started.elapsed().as_secs_f64();
    let (simulated, reused) = seek.simulations();
    Run {
        outcome,
        seconds,
        simulated,
        reused,
    }
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    if !root
        .join("../shared/data/jepx/spot_summary_2024.csv")
        .exists()
    {
        println!(
            "goal_seek: ../shared/data/jepx is absent next to the repository; nothing measured"
        );
        return;
    }
    let study = if full {
        root.join("workbooks/examples/fleet/tco-kei-vans.json")
    } else {
        root.join("tests/data/tco-small.json")
    };
    let search = run(&study, false);
    let exhaustive = run(&study, true);
    for field in [
        "best",
        "runner_ups",
        "binding",
        "closest",
        "nearest_cheaper",
    ] {
        let a = serde_json::to_value(&search.outcome).unwrap()[field].clone();
        let b = serde_json::to_value(&exhaustive.outcome).unwrap()[field].clone();
        assert_eq!(
            a, b,
            "the search and the exhaustive evaluation disagree on {field}"
        );
    }
    println!(
        "\ngoal seek on {} ({} designs, {} threads)\n",
        study.file_name().unwrap().to_string_lossy(),
        search.outcome.total,
        rayon::current_num_threads()
    );
    println!("| run | designs evaluated | years simulated | years reused | wall time (s) |");
    println!("|---|---:|---:|---:|---:|");
    for (name, r) in [("search", &search), ("exhaustive (reference)", &exhaustive)] {
        println!(
            "| {name} | {} | {} | {} | {:.2} |",
            r.outcome.evaluated, r.simulated, r.reused, r.seconds
        );
    }
    println!(
        "\nexhaustive / search: {:.1}× the time; the same answer: {}",
        exhaustive.seconds / search.seconds.max(1e-9),
        search
            .outcome
            .best
            .as_ref()
            .map_or("nothing meets the targets".to_string(), |b| b
                .description
                .clone())
    );
}
