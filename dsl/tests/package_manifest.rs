//! package.toml: semantic versions, exports checked against the rule files, dependencies
//! (found, matched, loaded first, cycles refused) and the list of golden tests.

// Test code: a failed expectation should panic.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::{Path, PathBuf};
use voltlex_dsl::compile_package;

/// A fresh folder under cargo's per-test-target temporary directory.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("package_manifest")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

const FLAT: &str = "tariff \"Flat\" { currency JPY energy 16.56 JPY/kWh }\n";

/// Writes a package: `extra_package` goes into `[package]`, `rest` after it.
fn package(dir: &Path, name: &str, version: &str, extra_package: &str, rest: &str) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(
        dir.join("package.toml"),
        format!(
            "[package]\nname = \"{name}\"\nversion = \"{version}\"\nvalid_from = \"2024-04-01\"\nvalid_until = \"2026-04-01\"\n{extra_package}\n{rest}"
        ),
    )
    .unwrap();
    std::fs::write(dir.join("rules.vlx"), FLAT).unwrap();
}

fn errors(dir: &Path) -> Vec<String> {
    let compilation = compile_package(dir).unwrap();
    compilation
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| d.render_with(&compilation.sources, false))
        .collect()
}

#[test]
fn version_must_be_semver_with_the_parser_reason() {
    let dir = scratch("semver");
    package(&dir, "a", "2025.04.0", "", "");
    let errors = errors(&dir);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].contains("is not a semantic version"),
        "{}",
        errors[0]
    );
    // Leading zeros are not semver: the span points at the version in package.toml.
    assert!(errors[0].contains("package.toml:3:"), "{}", errors[0]);
    package(&dir, "a", "2025.4.0-rc.1+build.5", "", "");
    assert!(self::errors(&dir).is_empty());
}

#[test]
fn a_missing_export_is_an_error_at_its_name_with_a_suggestion() {
    let dir = scratch("exports");
    package(
        &dir,
        "a",
        "1.0.0",
        "[package.exports]\ntariffs = [\"Flat\", \"Falt \"]\nsubsidies = [\"CEV\"]",
        "",
    );
    let errors = errors(&dir);
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(
        errors[0].contains("exports tariff \"Falt \""),
        "{}",
        errors[0]
    );
    assert!(errors[0].contains("did you mean \"Flat\""), "{}", errors[0]);
    assert!(errors[0].contains("package.toml:7:"), "{}", errors[0]);
    assert!(
        errors[1].contains("exports subsidy \"CEV\""),
        "{}",
        errors[1]
    );
    assert!(
        errors[1].contains("define no subsidy at all"),
        "{}",
        errors[1]
    );

    package(
        &dir,
        "a",
        "1.0.0",
        "[package.exports]\ntariffs = [\"Flat\"]",
        "",
    );
    let compilation = compile_package(&dir).unwrap();
    assert!(!compilation.has_errors());
    let manifest = compilation.manifest.unwrap();
    assert_eq!(manifest.exports.unwrap().tariffs, vec!["Flat".to_string()]);
}

#[test]
fn dependencies_load_first_and_must_match_name_and_version() {
    let root = scratch("dependencies");
    let calendar = root.join("calendar");
    package(&calendar, "shared-calendar", "2.1.0", "", "");
    std::fs::write(
        calendar.join("rules.vlx"),
        "tariff \"Shared\" { currency JPY energy 1.00 JPY/kWh }\n",
    )
    .unwrap();
    let plan = root.join("plan");
    package(
        &plan,
        "plan",
        "1.0.0",
        "",
        "[dependencies]\nshared-calendar = { version = \"^2.0\", path = \"../calendar\" }\n",
    );
    let compilation = compile_package(&plan).unwrap();
    assert!(
        !compilation.has_errors(),
        "{}",
        compilation.render_diagnostics(false)
    );
    assert_eq!(compilation.dependencies.len(), 1);
    assert_eq!(compilation.dependencies[0].manifest.version, "2.1.0");
    // The package's own rules stay its own; with dependencies a consumer sees both.
    assert_eq!(compilation.rules.tariffs.len(), 1);
    let all: Vec<String> = compilation
        .rules_with_dependencies()
        .tariffs
        .into_iter()
        .map(|t| t.name)
        .collect();
    assert_eq!(all, vec!["Flat".to_string(), "Shared".to_string()]);

    // A requirement the dependency does not meet.
    package(
        &plan,
        "plan",
        "1.0.0",
        "",
        "[dependencies]\nshared-calendar = { version = \"^3\", path = \"../calendar\" }\n",
    );
    let errors = errors(&plan);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].contains("requires version ^3, but"),
        "{}",
        errors[0]
    );
    assert!(errors[0].contains("is version 2.1.0"), "{}", errors[0]);

    // A folder holding another package.
    package(
        &plan,
        "plan",
        "1.0.0",
        "",
        "[dependencies]\nrenewables = { version = \"*\", path = \"../calendar\" }\n",
    );
    let errors = self::errors(&plan);
    assert!(
        errors[0].contains("is named `shared-calendar`"),
        "{}",
        errors[0]
    );

    // A missing folder.
    package(
        &plan,
        "plan",
        "1.0.0",
        "",
        "[dependencies]\nshared-calendar = { version = \"*\", path = \"../nowhere\" }\n",
    );
    let errors = self::errors(&plan);
    assert!(errors[0].contains("no package folder at"), "{}", errors[0]);

    // A dependency with errors of its own.
    std::fs::write(
        calendar.join("rules.vlx"),
        "tariff \"Shared\" { currency XYZ }\n",
    )
    .unwrap();
    package(
        &plan,
        "plan",
        "1.0.0",
        "",
        "[dependencies]\nshared-calendar = { version = \"*\", path = \"../calendar\" }\n",
    );
    let errors = self::errors(&plan);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].contains("has 1 error(s)"), "{}", errors[0]);
}

#[test]
fn a_dependency_cycle_is_refused() {
    let root = scratch("cycle");
    package(
        &root.join("a"),
        "a",
        "1.0.0",
        "",
        "[dependencies]\nb = { version = \"*\", path = \"../b\" }\n",
    );
    package(
        &root.join("b"),
        "b",
        "1.0.0",
        "",
        "[dependencies]\na = { version = \"*\", path = \"../a\" }\n",
    );
    let errors = errors(&root.join("a"));
    assert!(
        errors.iter().any(|e| e.contains("dependency cycle")),
        "{errors:?}"
    );
}

#[test]
fn tests_listed_must_exist_inside_the_package() {
    let dir = scratch("tests");
    std::fs::create_dir_all(dir.join("tests")).unwrap();
    std::fs::write(dir.join("tests/b.toml"), "").unwrap();
    std::fs::write(dir.join("tests/a.toml"), "").unwrap();
    package(&dir, "a", "1.0.0", "", "");
    let manifest = compile_package(&dir).unwrap().manifest.unwrap();
    assert_eq!(manifest.tests, vec!["tests/a.toml", "tests/b.toml"]);

    package(
        &dir,
        "a",
        "1.0.0",
        "tests = [\"tests/b.toml\", \"../outside.toml\", \"tests/none.toml\"]",
        "",
    );
    let errors = errors(&dir);
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(
        errors[0].contains("inside the package folder"),
        "{}",
        errors[0]
    );
    assert!(errors[1].contains("no such file"), "{}", errors[1]);
}

#[test]
fn every_shipped_package_still_checks() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tariff-rules");
    let mut count = 0;
    for entry in std::fs::read_dir(&root).unwrap() {
        let dir = entry.unwrap().path();
        if !dir.join("package.toml").is_file() {
            continue;
        }
        count += 1;
        let compilation = compile_package(&dir).unwrap();
        assert!(
            !compilation.has_errors(),
            "{}: {}",
            dir.display(),
            compilation.render_diagnostics(false)
        );
        assert!(compilation.manifest.unwrap().semver().is_some());
    }
    assert!(count >= 8);
}
