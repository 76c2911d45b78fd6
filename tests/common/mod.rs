//! What the end-to-end tests of the `voltlex` binary share: running it from the repository
//! root, reading its output, scratch folders.

use std::path::PathBuf;
use std::process::{Command, Output};

/// The repository root (where the README's commands run).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Run `voltlex ARGS…` from the repository root, without colours.
pub fn voltlex(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_voltlex"))
        .args(args)
        .current_dir(root())
        .env("NO_COLOR", "1")
        .output()
        .expect("the voltlex binary runs")
}

/// Standard output as text.
pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Standard error as text.
pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// An empty scratch folder under `target/test-tmp`, unique to this test process.
pub fn tempdir(name: &str) -> PathBuf {
    let dir = root()
        .join("target/test-tmp")
        .join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a scratch folder");
    dir
}
