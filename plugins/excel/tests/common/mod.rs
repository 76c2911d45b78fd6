//! What the excel crate's tests share: running LibreOffice (the real client) with a time
//! limit, and whether it is there.
#![allow(dead_code, clippy::unwrap_used, clippy::panic)]

use std::io::Write as _;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Runs a command, killing it after `limit`.
pub fn run_with_limit(command: &mut Command, limit: Duration) -> std::process::Output {
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > limit {
            let _ = child.kill();
            panic!("{command:?} did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    child.wait_with_output().unwrap()
}

pub fn soffice_installed() -> bool {
    let installed = Command::new("soffice")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok();
    // The suite (`scripts/test`, which CI runs) installs LibreOffice and sets this, so there the
    // real-client check can never be skipped; a plain `cargo test` without LibreOffice skips.
    if !installed && std::env::var_os("VOLTLEX_REQUIRE_REAL_CLIENTS").is_some() {
        panic!("VOLTLEX_REQUIRE_REAL_CLIENTS is set but soffice (LibreOffice) is not installed");
    }
    if !installed {
        // Straight to stderr, not `eprintln!`: the test harness would swallow that.
        let _ = writeln!(
            std::io::stderr(),
            "skipped: soffice not installed (install LibreOffice to open the workbook in a real client)"
        );
    }
    installed
}
