//! Diagnostics as users see them: one small wrong rule file per case under
//! `tests/diagnostics/` (and small wrong packages under `tests/diagnostics/packages/`), each
//! with the code its first diagnostic must have and an insta snapshot of the plain-text
//! rendering.
//!
//! The code is asserted apart from the snapshot, so that refreshing snapshots cannot silently
//! change what a case is about. Refresh with
//! `INSTA_UPDATE=always cargo test -p voltlex-dsl --test diagnostics`, then read every changed
//! `.snap`: it must say file:line:col, underline the right span, say what was expected and
//! what was found, and help where help helps.

// Test code: a failed expectation should panic.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::{Path, PathBuf};

use voltlex_dsl::diagnostic::codes;
use voltlex_dsl::{compile_package, compile_text, Compilation};

/// Where the cases live.
fn cases_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/diagnostics")
}

/// Checks what every case must satisfy, then snapshots the rendering (with `strip` taken
/// out of it, to make paths relative).
fn expect(case: &str, compilation: &Compilation, code: &str, file_name: &str, strip: &str) {
    let rendered = compilation.render_diagnostics(false).replace(strip, "");
    let first = compilation
        .diagnostics
        .first()
        .unwrap_or_else(|| panic!("{case}: expected {code}, but the file compiles cleanly"));
    assert_eq!(
        first.code, code,
        "{case}: the first diagnostic has the wrong code\n{rendered}"
    );
    if code.starts_with('W') {
        assert!(!first.is_error(), "{case}: {code} should be a warning");
        assert!(
            !compilation.has_errors(),
            "{case}: a warning must not stop compilation"
        );
    } else {
        assert!(first.is_error(), "{case}: {code} should be an error");
        assert!(compilation.has_errors(), "{case}: should not compile");
    }
    assert!(
        rendered.contains(&format!("{file_name}:")),
        "{case}: the rendering should name {file_name}:line:col\n{rendered}"
    );
    assert!(
        rendered.contains('^'),
        "{case}: the rendering should underline a span\n{rendered}"
    );
    insta::assert_snapshot!(case, rendered);
}

/// Compiles `tests/diagnostics/<case>.vlx` under its bare file name, so the rendering is the
/// same on every machine.
fn check_file(case: &str, code: &str) {
    let name = format!("{case}.vlx");
    let text = std::fs::read_to_string(cases_dir().join(&name))
        .unwrap_or_else(|e| panic!("cannot read case {name}: {e}"));
    let compilation = compile_text(&name, &text);
    expect(case, &compilation, code, &name, "\0");
}

/// Compiles the package `tests/diagnostics/packages/<case>/`. Rule files are named relative
/// to the package; package.toml by its path, shown relative to the crate.
fn check_package(case: &str, code: &str) {
    let dir = cases_dir().join("packages").join(case);
    let compilation =
        compile_package(&dir).unwrap_or_else(|e| panic!("cannot load package {case}: {e}"));
    let file_name = match code {
        codes::PACKAGE => "package.toml",
        _ => ".vlx",
    };
    let root = format!("{}/", env!("CARGO_MANIFEST_DIR"));
    expect(
        &format!("package_{case}"),
        &compilation,
        code,
        file_name,
        &root,
    );
}

macro_rules! cases {
    (
        files { $($file:ident => $file_code:ident,)* }
        packages { $($package:ident => $package_code:ident,)* }
    ) => {
        /// Every file case with the code its first diagnostic must have.
        const FILE_CASES: &[(&str, &str)] = &[$((stringify!($file), codes::$file_code),)*];
        /// Every package case with its code.
        const PACKAGE_CASES: &[(&str, &str)] =
            &[$((stringify!($package), codes::$package_code),)*];

        mod file {
            use super::*;
            $(
                #[test]
                fn $file() {
                    check_file(stringify!($file), codes::$file_code);
                }
            )*
        }

        mod package {
            use super::*;
            $(
                #[test]
                fn $package() {
                    check_package(stringify!($package), codes::$package_code);
                }
            )*
        }
    };
}

cases! {
    files {
        // E0001: syntax
        syntax_missing_comma => SYNTAX,
        syntax_unclosed_brace => SYNTAX,
        syntax_missing_unit => SYNTAX,
        syntax_unquoted_tariff_name => SYNTAX,
        syntax_round_missing_mode => SYNTAX,
        syntax_tax_missing_included => SYNTAX,
        syntax_period_bad_day => SYNTAX,
        syntax_contract_missing_equals => SYNTAX,
        syntax_unterminated_string => SYNTAX,
        syntax_time_range_dash => SYNTAX,
        syntax_misspelt_tariff => SYNTAX,
        syntax_stray_closing_brace => SYNTAX,
        syntax_missing_unit_before_statement => SYNTAX,
        syntax_second_tariff_inside_first => SYNTAX,
        // E0002: unknown statement
        unknown_item_typo => UNKNOWN_ITEM,
        unknown_demand_item => UNKNOWN_ITEM,
        // E0101..E0106: units, numbers, money
        unit_lowercase_kwh => UNKNOWN_UNIT,
        unit_unknown_word => UNKNOWN_UNIT,
        wrong_unit_kw_for_kwh => WRONG_UNIT,
        wrong_unit_demand_charge_per_kwh => WRONG_UNIT,
        currency_mismatch => CURRENCY_MISMATCH,
        number_too_many_digits => BAD_NUMBER,
        lag_not_whole_months => BAD_NUMBER,
        subscription_zero_block => BAD_NUMBER,
        rounding_step_zero => BAD_NUMBER,
        percent_out_of_range => BAD_PERCENT,
        power_factor_base_over_100 => BAD_PERCENT,
        unknown_currency_eur => UNKNOWN_CURRENCY,
        unknown_currency_typo => UNKNOWN_CURRENCY,
        // E0201..E0213: time
        bad_date_feb30 => BAD_DATE,
        bad_date_short_year => BAD_DATE,
        time_off_grid => BAD_TIME,
        time_hour_25 => BAD_TIME,
        time_range_empty => BAD_TIME,
        timeline_out_of_order => TIMELINE_ORDER,
        timeline_same_date => TIMELINE_ORDER,
        timeline_missing_from => TIMELINE_ORDER,
        timeline_until_before_start => TIMELINE_ORDER,
        unknown_calendar => UNKNOWN_CALENDAR,
        bad_interval_20min => BAD_INTERVAL,
        season_gap => SEASON_COVERAGE,
        season_overlap => SEASON_COVERAGE,
        unknown_season => UNKNOWN_SEASON,
        energy_key_unknown_season => UNKNOWN_SEASON,
        except_unknown_period => UNKNOWN_PERIOD,
        energy_key_unknown_period => UNKNOWN_PERIOD,
        period_gap => PERIOD_GAP,
        period_overlap => PERIOD_OVERLAP,
        bad_month_name => BAD_MONTH,
        bad_time_zone => BAD_TIME_ZONE,
        // E0301..E0306: structure
        duplicate_charge => DUPLICATE,
        duplicate_energy => DUPLICATE,
        duplicate_surcharge => DUPLICATE,
        duplicate_period => DUPLICATE,
        missing_currency => MISSING,
        demand_without_contract => MISSING,
        demand_without_charge => MISSING,
        subscription_without_overage => MISSING,
        overage_without_subscription => MISSING,
        adjustment_without_index => MISSING,
        energy_key_missing_period => ENERGY_KEYS,
        tier_not_increasing => TIER_ORDER,
        tier_without_rest => TIER_ORDER,
        tier_rest_not_last => TIER_ORDER,
        per_interval_with_lag => CONFLICT,
        subscription_with_ratchet => CONFLICT,
        phase_in_before_waiver => DEMAND_HOLIDAY,
        phase_in_without_waiver => DEMAND_HOLIDAY,
        phase_in_share_decreasing => DEMAND_HOLIDAY,
        // E0402
        duplicate_tariff => DUPLICATE_TARIFF,
        // E0501, E0503: scripts
        script_syntax_error => SCRIPT,
        script_file_without_package => RESOURCE,
        // W0601, W0602: warnings
        unused_periods => UNUSED_PERIOD,
        rate_outlier => RATE_OUTLIER,
        // Aggregator contracts and chemistries
        unknown_market => UNKNOWN_MARKET,
        duplicate_market => DUPLICATE_MARKET,
        shares_not_100 => SHARES,
        cycle_life_not_decreasing => CYCLE_LIFE,
        unknown_preset => UNKNOWN_PRESET,
        duplicate_contract => DUPLICATE_NAME,
        // Subsidies (more cases in tests/subsidies.rs)
        subsidy_unknown_attribute => UNKNOWN_ATTRIBUTE,
        subsidy_text_compared_with_number => CONDITION_TYPE,
        subsidy_amount_not_money => AMOUNT_TYPE,
        subsidy_excludes_unknown => UNKNOWN_SUBSIDY,
        subsidy_window_backwards => BAD_WINDOW,
        subsidy_unknown_value => UNKNOWN_VALUE,
        // Risk sharing
        sharing_unknown_party => UNKNOWN_PARTY,
        sharing_shares_not_100 => SHARING_SHARES,
        sharing_pays_itself => SAME_PARTY,
        sharing_free_without_statement => FREE_PARAMETER,
        sharing_idle_party => IDLE_PARTY,
    }
    packages {
        // E0204: timelines against the package's validity window
        timeline_gap_start => TIMELINE_GAP,
        timeline_gap_end => TIMELINE_GAP,
        // E0401: package.toml
        manifest_bad_date => PACKAGE,
        manifest_until_before_from => PACKAGE,
        manifest_bad_version => PACKAGE,
        manifest_missing_field => PACKAGE,
        manifest_unknown_field => PACKAGE,
        manifest_missing_file => PACKAGE,
        manifest_no_rule_files => PACKAGE,
        // E0502: plugins; W0603: untested index
        plugin_missing_export => PLUGIN,
        index_never_provided => INDEX_NEVER_PROVIDED,
    }
}

/// Every `.vlx` file and package folder under `tests/diagnostics` is a case, and every case
/// has its file: a new file cannot be forgotten, a renamed one cannot linger.
#[test]
fn every_file_is_a_case() {
    let mut files = Vec::new();
    let mut packages = Vec::new();
    for entry in std::fs::read_dir(cases_dir()).expect("tests/diagnostics exists") {
        let path = entry.expect("readable").path();
        if path.extension().is_some_and(|x| x == "vlx") {
            files.push(path.file_stem().unwrap().to_string_lossy().into_owned());
        }
    }
    for entry in std::fs::read_dir(cases_dir().join("packages")).expect("packages exist") {
        let path = entry.expect("readable").path();
        if path.is_dir() {
            packages.push(path.file_name().unwrap().to_string_lossy().into_owned());
        }
    }
    files.sort();
    packages.sort();
    let mut declared: Vec<String> = FILE_CASES.iter().map(|(c, _)| c.to_string()).collect();
    declared.sort();
    assert_eq!(
        files, declared,
        "tests/diagnostics/*.vlx and FILE_CASES differ"
    );
    let mut declared: Vec<String> = PACKAGE_CASES.iter().map(|(c, _)| c.to_string()).collect();
    declared.sort();
    assert_eq!(
        packages, declared,
        "tests/diagnostics/packages/* and PACKAGE_CASES differ"
    );
}

/// Every diagnostic code has at least one case.
#[test]
fn every_code_has_a_case() {
    let missing: Vec<&str> = codes::ALL
        .iter()
        .map(|(code, _, _)| *code)
        .filter(|code| {
            !FILE_CASES
                .iter()
                .chain(PACKAGE_CASES)
                .any(|(_, c)| c == code)
        })
        .collect();
    assert!(missing.is_empty(), "codes without a case: {missing:?}");
}

/// Every code has an explanation (`voltlex explain-error`).
#[test]
fn every_code_is_explained() {
    for (code, title, text) in codes::ALL {
        assert!(
            (code.starts_with('E') || code.starts_with('W')) && code.len() == 5,
            "{code}"
        );
        assert!(
            !title.is_empty() && text.len() > 20,
            "{code} needs an explanation"
        );
        assert_eq!(codes::explain(code).map(|(t, _)| t), Some(*title));
    }
}
