//! End-to-end tests of the rule-package commands: pack → verify → tamper → refuse, keygen →
//! sign → verify with the right and the wrong key, unpack, diff with customer loads, and
//! import urdb → check → test → pack.

// Test code: a failed expectation should panic.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::{stderr, stdout, tempdir, voltlex};
use std::path::Path;

fn s(path: &Path) -> String {
    path.display().to_string()
}

#[test]
fn pack_verify_tamper_sign_and_unpack() {
    let dir = tempdir("packages-archive");
    let archive = dir.join("pge.vlxpkg");
    let out = voltlex(&["pack", "tariff-rules/us-pge-bev", "-o", &s(&archive)]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("3 tests run"), "{}", stderr(&out));

    let out = voltlex(&["verify", &s(&archive)]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("us-pge-bev 2024.3.0"),
        "{}",
        stdout(&out)
    );
    assert!(stdout(&out).contains("signature: none"), "{}", stdout(&out));

    // A key is required but the archive is unsigned.
    let out = voltlex(&["keygen", "-o", &s(&dir.join("publisher"))]);
    assert!(out.status.success(), "{}", stderr(&out));
    let public = dir.join("publisher.pub");
    let secret = dir.join("publisher.key");
    let out = voltlex(&["verify", &s(&archive), "--key", &s(&public)]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("is not signed"), "{}", stderr(&out));
    // keygen never overwrites.
    let out = voltlex(&["keygen", "-o", &s(&dir.join("publisher"))]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("never overwrites"),
        "{}",
        stderr(&out)
    );

    // Signed: the right key passes, another key is refused.
    let signed = dir.join("pge-signed.vlxpkg");
    let out = voltlex(&[
        "sign",
        &s(&archive),
        "--key",
        &s(&secret),
        "-o",
        &s(&signed),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = voltlex(&["verify", &s(&signed), "--key", &s(&public)]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("signature: valid"),
        "{}",
        stdout(&out)
    );
    voltlex(&["keygen", "-o", &s(&dir.join("stranger"))]);
    let out = voltlex(&[
        "verify",
        &s(&signed),
        "--key",
        &s(&dir.join("stranger.pub")),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("does not match the public key"),
        "{}",
        stderr(&out)
    );

    // Tampered: one price changed inside the archive (same length, so the tar layout holds).
    let bytes = std::fs::read(&signed).unwrap();
    let text = b"overage 3.82 USD/kW";
    let at = bytes
        .windows(text.len())
        .position(|w| w == text)
        .expect("the rule text is stored uncompressed");
    let mut tampered = bytes.clone();
    tampered[at + 8] = b'0';
    // (A data block has no checksum of its own: only MANIFEST's digest can notice.)
    let tampered_path = dir.join("tampered.vlxpkg");
    std::fs::write(&tampered_path, &tampered).unwrap();
    let out = voltlex(&["verify", &s(&tampered_path)]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("tampered with: `bev2s.vlx` does not match its digest"),
        "{}",
        stderr(&out)
    );
    let target = dir.join("unpacked-tampered");
    let out = voltlex(&["unpack", &s(&tampered_path), "-o", &s(&target)]);
    assert_eq!(out.status.code(), Some(1));
    assert!(!target.exists());

    // Unpacked with the key, the package checks and its golden tests pass.
    let target = dir.join("unpacked");
    let out = voltlex(&[
        "unpack",
        &s(&signed),
        "-o",
        &s(&target),
        "--key",
        &s(&public),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = voltlex(&["test", &s(&target)]);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
}

#[test]
fn pack_refuses_a_package_with_errors_or_failing_tests() {
    let dir = tempdir("packages-refuse");
    let package = dir.join("pkg");
    std::fs::create_dir_all(package.join("tests/data")).unwrap();
    for entry in ["bev2s.vlx", "package.toml"] {
        std::fs::copy(
            common::root().join("tariff-rules/us-pge-bev").join(entry),
            package.join(entry),
        )
        .unwrap();
    }
    let source = common::root().join("tariff-rules/us-pge-bev/tests");
    for entry in std::fs::read_dir(&source).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            std::fs::copy(&path, package.join("tests").join(path.file_name().unwrap())).unwrap();
        }
    }
    for entry in std::fs::read_dir(source.join("data")).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(
            &path,
            package.join("tests/data").join(path.file_name().unwrap()),
        )
        .unwrap();
    }
    // A changed price: the golden tests fail, so nothing is packed.
    let rules = std::fs::read_to_string(package.join("bev2s.vlx")).unwrap();
    std::fs::write(
        package.join("bev2s.vlx"),
        rules.replace("overage 3.82 USD/kW", "overage 3.83 USD/kW"),
    )
    .unwrap();
    let archive = dir.join("out.vlxpkg");
    let out = voltlex(&["pack", &s(&package), "-o", &s(&archive)]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("golden test(s)"), "{}", stderr(&out));
    assert!(!archive.exists());
    // An export the rules do not define: refused by check.
    let manifest = std::fs::read_to_string(package.join("package.toml")).unwrap();
    std::fs::write(
        package.join("package.toml"),
        manifest.replace(
            "tariffs = [\"PG&E BEV-2-S\"]",
            "tariffs = [\"PG&E BEV-2-X\"]",
        ),
    )
    .unwrap();
    let out = voltlex(&["pack", &s(&package), "-o", &s(&archive), "--skip-tests"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("exports tariff \"PG&E BEV-2-X\""),
        "{}",
        stderr(&out)
    );
    assert!(!archive.exists());
}

/// A copy of the PG&E package as its next version: later valid_from, dearer summer peak.
fn next_version(dir: &Path) -> std::path::PathBuf {
    let root = common::root().join("tariff-rules/us-pge-bev");
    let new = dir.join("us-pge-bev-2025");
    std::fs::create_dir_all(&new).unwrap();
    let manifest = std::fs::read_to_string(root.join("package.toml"))
        .unwrap()
        .replace("version = \"2024.3.0\"", "version = \"2025.3.0\"")
        .replace("valid_from = \"2024-03-01\"", "valid_from = \"2025-03-01\"")
        .replace(
            "valid_until = \"2026-03-01\"",
            "valid_until = \"2027-03-01\"",
        );
    std::fs::write(new.join("package.toml"), manifest).unwrap();
    let rules = std::fs::read_to_string(root.join("bev2s.vlx"))
        .unwrap()
        .replace(
            "summer_peak    0.40583 USD/kWh",
            "summer_peak    0.45000 USD/kWh",
        );
    std::fs::write(new.join("bev2s.vlx"), rules).unwrap();
    new
}

#[test]
fn diff_lists_changed_rates_and_the_bill_impact_per_customer() {
    let dir = tempdir("packages-diff");
    let new = next_version(&dir);
    let out = voltlex(&["diff", "tariff-rules/us-pge-bev", &s(&new)]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("version 2025.3.0 supersedes 2024.3.0 from 2025-03-01"),
        "{text}"
    );
    assert!(
        text.contains("~ energy summer_peak: 0.40583 USD/kWh  →  0.45 USD/kWh"),
        "{text}"
    );
    assert!(!text.contains("winter_peak"), "{text}");

    // Customers: the package's own summer load, the same at half and at three times, and a
    // winter load (no summer peak: unchanged).
    let loads = dir.join("loads");
    std::fs::create_dir_all(&loads).unwrap();
    let data = common::root().join("tariff-rules/us-pge-bev/tests/data");
    let summer = std::fs::read_to_string(data.join("load-2024-06-to-07.csv")).unwrap();
    std::fs::write(loads.join("summer.csv"), &summer).unwrap();
    for (name, factor) in [("half", 0.5), ("triple", 3.0)] {
        let mut scaled = String::new();
        for (i, line) in summer.lines().enumerate() {
            if i == 0 {
                scaled.push_str(line);
            } else {
                let (at, value) = line.split_once(',').unwrap();
                let value: f64 = value.parse().unwrap();
                scaled.push_str(&format!("{at},{}", value * factor));
            }
            scaled.push('\n');
        }
        std::fs::write(loads.join(format!("{name}.csv")), scaled).unwrap();
    }
    std::fs::copy(data.join("load-2025-01.csv"), loads.join("winter.csv")).unwrap();
    let out = voltlex(&[
        "diff",
        "tariff-rules/us-pge-bev",
        &s(&new),
        "--loads",
        &s(&loads),
        "--top",
        "2",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("4 customers billed (3 up, 0 down, 1 unchanged), 0 failed"),
        "{text}"
    );
    // The summer load's summer-peak kWh (its golden test's comment): June 6,021.25 × 0.45 =
    // 2,709.56 against 2,443.60, July 6,224.25 × 0.45 = 2,800.91 against 2,525.99 (lines
    // rounded to the cent): +265.96 + 274.92 = +540.88 on 7,032.69 + 7,260.86 = 14,293.55.
    assert!(
        text.contains("summer: 14293.55 → 14834.43 USD, +540.88"),
        "{text}"
    );
    let losers = text.split("biggest losers").nth(1).unwrap();
    let first = losers.lines().nth(1).unwrap();
    assert!(first.trim_start().starts_with("triple:"), "{text}");
    assert!(!losers.contains("half:"), "--top 2 lists two: {text}");
}

#[test]
fn import_urdb_then_check_test_and_pack() {
    let dir = tempdir("packages-urdb");
    let package = dir.join("urdb");
    let out = voltlex(&[
        "import",
        "urdb",
        "plugins/packages/tests/fixtures/urdb-commercial-tou.json",
        "-o",
        &s(&package),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = voltlex(&["check", &s(&package)]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = voltlex(&["test", &s(&package)]);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    assert!(
        stdout(&out).contains("1 passed, 0 failed"),
        "{}",
        stdout(&out)
    );
    let out = voltlex(&["pack", &s(&package), "-o", &s(&dir.join("urdb.vlxpkg"))]);
    assert!(out.status.success(), "{}", stderr(&out));

    // A partial ratchet is refused with the field named, and nothing is written.
    let json = std::fs::read_to_string(
        common::root().join("plugins/packages/tests/fixtures/urdb-commercial-tou.json"),
    )
    .unwrap()
    .replace("\"lookbackPercent\": 1,", "\"lookbackPercent\": 0.75,");
    let edited = dir.join("partial-ratchet.json");
    std::fs::write(&edited, json).unwrap();
    let refused = dir.join("refused");
    let out = voltlex(&["import", "urdb", &s(&edited), "-o", &s(&refused)]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("URDB field `lookbackPercent`: 0.75"),
        "{}",
        stderr(&out)
    );
    assert!(!refused.exists());
}
