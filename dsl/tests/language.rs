//! The language as a whole: the real rule packages compile and survive serialisation, no
//! input makes the compiler panic, and features are lowered to the rules they mean.

// Test code: a failed expectation should panic.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use proptest::prelude::*;
use rust_decimal::Decimal;
use voltlex_dsl::rules::{
    AdjustmentMode, CompiledRules, ContractDemand, EnergyPricing, MonthDay, PeriodRule, Rounding,
    RoundingMode, Tariff, TimeRange,
};
use voltlex_dsl::{compile_package, compile_text};

fn packages_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tariff-rules")
}

/// Every package folder under tariff-rules/.
fn packages() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(packages_dir())
        .expect("tariff-rules/ exists")
        .map(|entry| entry.expect("readable").path())
        .filter(|path| path.join("package.toml").is_file())
        .collect();
    dirs.sort();
    assert!(!dirs.is_empty(), "no packages under tariff-rules/");
    dirs
}

/// The text of every rule file of every package (read once).
fn rule_texts() -> &'static [(String, String)] {
    static TEXTS: std::sync::OnceLock<Vec<(String, String)>> = std::sync::OnceLock::new();
    TEXTS.get_or_init(read_rule_texts)
}

fn read_rule_texts() -> Vec<(String, String)> {
    let mut texts = Vec::new();
    for dir in packages() {
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .expect("package folder")
            .map(|entry| entry.expect("readable").path())
            .filter(|path| path.extension().is_some_and(|x| x == "vlx"))
            .collect();
        files.sort();
        for file in files {
            let name = file.file_name().unwrap().to_string_lossy().into_owned();
            texts.push((name, std::fs::read_to_string(&file).expect("rule file")));
        }
    }
    texts
}

fn date(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

fn dec(text: &str) -> Decimal {
    text.parse().unwrap()
}

/// Compiles one tariff that must check cleanly.
fn tariff(text: &str) -> Tariff {
    let compilation = compile_text("feature.vlx", text);
    assert!(
        compilation.diagnostics.is_empty(),
        "{}",
        compilation.render_diagnostics(false)
    );
    assert_eq!(compilation.rules.tariffs.len(), 1);
    compilation.rules.tariffs.into_iter().next().unwrap()
}

// ---- the real packages ----------------------------------------------------------------------

#[test]
fn every_package_compiles_without_diagnostics() {
    for dir in packages() {
        let compilation = compile_package(&dir).expect("package loads");
        assert!(
            compilation.diagnostics.is_empty(),
            "{}:\n{}",
            dir.display(),
            compilation.render_diagnostics(false)
        );
        let manifest = compilation.manifest.as_ref().expect("manifest read");
        // A package publishes something: tariffs, or (jp-subsidies) subsidy rules only, or
        // (examples-risk-sharing) a risk-sharing deal.
        assert!(
            !compilation.rules.tariffs.is_empty()
                || !compilation.rules.subsidies.is_empty()
                || !compilation.rules.risk_sharings.is_empty(),
            "{} has neither tariffs, subsidies nor risk-sharing deals",
            manifest.name
        );
        for tariff in &compilation.rules.tariffs {
            assert_eq!(
                tariff.validity,
                Some((manifest.valid_from, manifest.valid_until)),
                "{}",
                tariff.name
            );
        }
    }
}

#[test]
fn compiled_packages_round_trip_through_json() {
    for dir in packages() {
        let rules = compile_package(&dir).expect("package loads").rules;
        let json = serde_json::to_string_pretty(&rules).expect("serialises");
        let back: CompiledRules = serde_json::from_str(&json).expect("deserialises");
        assert_eq!(back, rules, "{} changed through JSON", dir.display());
        // And the JSON is stable: serialising again gives the same text.
        assert_eq!(serde_json::to_string_pretty(&back).unwrap(), json);
    }
}

// ---- no input makes it panic ----------------------------------------------------------------

/// Words and symbols of the language, for token mutations.
#[rustfmt::skip]
const TOKENS: &[&str] = &[
    "tariff", "currency", "calendar", "timezone", "interval", "season", "periods", "demand",
    "energy", "adjustment", "surcharge", "fixed", "minimum", "tax", "round", "otherwise",
    "weekdays", "every", "day", "in", "except", "or", "and", "contract", "max", "over", "charge",
    "power_factor", "base", "step", "waived", "until", "from", "phase", "subscription", "block",
    "at", "overage", "tiers", "up", "to", "rest", "index", "lag", "average", "reflect", "per",
    "unit", "included", "added", "each", "line", "total", "down", "nearest", "{", "}", "=", ",",
    "..", ";", "#", "\"", "JPY", "USD", "kW", "kWh", "JPY/kWh", "%", "min", "months", "0", "-1",
    "1.5", "99999999999999999999999999999999", "2025-02-30", "2024-04-01", "24:00", "13:15",
    "Jul", "Jan..Dec", "12-31..01-01", "é", "\u{3042}", "\n", " ",
    // Aggregator contracts and chemistries.
    "aggregator", "markets", "spot", "tertiary2", "bid", "soc", "share", "fleet", "fee",
    "vehicle", "month", "cycles", "penalty", "MW", "chemistry", "based", "on", "\"LFP\"",
    "cycle", "life", "DoD", "end", "of", "loss", "after", "year", "exponent", "replacement",
    "cost",
];

/// Compiles and renders: neither may panic.
fn compile_and_render(text: &str) {
    let compilation = compile_text("fuzz.vlx", text);
    let _ = compilation.render_diagnostics(false);
    if compilation.diagnostics.is_empty() {
        // Clean rules must serialise.
        serde_json::to_string(&compilation.rules).expect("serialises");
    }
}

/// Splits a text into tokens and the white space between them (so that joining them gives
/// the text back).
fn tokenize(text: &str) -> Vec<&str> {
    let mut pieces = Vec::new();
    let mut start = 0;
    let mut kind = None;
    for (i, c) in text.char_indices() {
        let class = if c.is_whitespace() {
            0
        } else if c.is_alphanumeric() || matches!(c, '_' | '.' | '/' | '%' | '-' | ':') {
            1
        } else {
            2 + i // every symbol is its own token
        };
        if kind != Some(class) && i > start {
            pieces.push(&text[start..i]);
            start = i;
        }
        kind = Some(class);
    }
    if start < text.len() {
        pieces.push(&text[start..]);
    }
    pieces
}

#[derive(Debug, Clone)]
enum Mutation {
    DeleteChar(prop::sample::Index),
    InsertChar(prop::sample::Index, char),
    ReplaceChar(prop::sample::Index, char),
    DeleteToken(prop::sample::Index),
    InsertToken(prop::sample::Index, prop::sample::Index),
    ReplaceToken(prop::sample::Index, prop::sample::Index),
    DuplicateToken(prop::sample::Index),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    use prop::sample::Index;
    let symbol = prop_oneof![
        any::<char>(),
        prop::sample::select(vec![
            '{', '}', '"', ',', '.', '=', '#', '\n', '%', '/', ':', '-', '0'
        ]),
    ];
    prop_oneof![
        any::<Index>().prop_map(Mutation::DeleteChar),
        (any::<Index>(), symbol.clone()).prop_map(|(i, c)| Mutation::InsertChar(i, c)),
        (any::<Index>(), symbol).prop_map(|(i, c)| Mutation::ReplaceChar(i, c)),
        any::<Index>().prop_map(Mutation::DeleteToken),
        (any::<Index>(), any::<Index>()).prop_map(|(i, t)| Mutation::InsertToken(i, t)),
        (any::<Index>(), any::<Index>()).prop_map(|(i, t)| Mutation::ReplaceToken(i, t)),
        any::<Index>().prop_map(Mutation::DuplicateToken),
    ]
}

fn apply(text: &str, mutation: &Mutation) -> String {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let char_at = |i: &prop::sample::Index| chars[i.index(chars.len())];
    let mut tokens: Vec<String> = tokenize(text).into_iter().map(String::from).collect();
    let token = |i: &prop::sample::Index| i.index(tokens.len());
    match mutation {
        Mutation::DeleteChar(i) => {
            let (at, c) = char_at(i);
            format!("{}{}", &text[..at], &text[at + c.len_utf8()..])
        }
        Mutation::InsertChar(i, new) => {
            let (at, _) = char_at(i);
            format!("{}{new}{}", &text[..at], &text[at..])
        }
        Mutation::ReplaceChar(i, new) => {
            let (at, c) = char_at(i);
            format!("{}{new}{}", &text[..at], &text[at + c.len_utf8()..])
        }
        Mutation::DeleteToken(i) => {
            tokens.remove(token(i));
            tokens.concat()
        }
        Mutation::InsertToken(i, t) => {
            let at = token(i);
            tokens.insert(at, format!(" {} ", TOKENS[t.index(TOKENS.len())]));
            tokens.concat()
        }
        Mutation::ReplaceToken(i, t) => {
            let at = token(i);
            tokens[at] = TOKENS[t.index(TOKENS.len())].to_string();
            tokens.concat()
        }
        Mutation::DuplicateToken(i) => {
            let at = token(i);
            let copy = tokens[at].clone();
            tokens.insert(at, copy);
            tokens.concat()
        }
    }
}

proptest! {
    // 256 cases by default (debug builds are slow); PROPTEST_CASES=… for a longer run.
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(256),
        ..ProptestConfig::default()
    })]

    #[test]
    fn arbitrary_text_never_panics(text in any::<String>()) {
        compile_and_render(&text);
    }

    #[test]
    fn text_made_of_language_tokens_never_panics(
        picks in prop::collection::vec(any::<prop::sample::Index>(), 0..60)
    ) {
        let text: Vec<&str> = picks.iter().map(|i| TOKENS[i.index(TOKENS.len())]).collect();
        compile_and_render(&text.join(" "));
    }

    #[test]
    fn mutated_real_files_never_panic(
        file in any::<prop::sample::Index>(),
        mutations in prop::collection::vec(mutation(), 1..4),
    ) {
        let texts = rule_texts();
        let (_, original) = &texts[file.index(texts.len())];
        let mut text = original.clone();
        for m in &mutations {
            if !text.is_empty() {
                text = apply(&text, m);
            }
        }
        compile_and_render(&text);
    }
}

#[test]
fn tokenizing_keeps_every_character() {
    for (name, text) in rule_texts() {
        assert_eq!(&tokenize(text).concat(), text, "{name}");
    }
}

// ---- features lowered as they mean ------------------------------------------------------------

#[test]
fn otherwise_season_becomes_the_remaining_ranges() {
    let t = tariff(
        r#"tariff "S" {
          currency JPY
          season summer = Jul..Sep
          season winter = 12-01..02-28
          season other = otherwise
          energy { summer 14 JPY/kWh; winter 13 JPY/kWh; other 12 JPY/kWh }
        }"#,
    );
    let md = |month, day| MonthDay { month, day };
    let other = t.seasons.iter().find(|s| s.name == "other").unwrap();
    // What `summer` and `winter` leave: 29 February (winter ends on the 28th) to 30 June,
    // and October to November.
    assert_eq!(
        other.ranges,
        vec![(md(2, 29), md(6, 30)), (md(10, 1), md(11, 30))]
    );
    let summer = t.seasons.iter().find(|s| s.name == "summer").unwrap();
    assert_eq!(summer.ranges, vec![(md(7, 1), md(9, 30))]);
    // Every day of a year is in exactly one season.
    for day in date("2025-01-01").iter_days().take(365) {
        let n = t.seasons.iter().filter(|s| s.contains(day)).count();
        assert_eq!(n, 1, "{day}");
    }
    assert_eq!(t.season_of(date("2025-01-15")).unwrap().name, "winter");
    assert_eq!(t.season_of(date("2024-02-29")).unwrap().name, "other");
    assert!(matches!(
        t.energy.unwrap().pricing,
        EnergyPricing::BySeason(rates) if rates.len() == 3
    ));
}

#[test]
fn time_range_over_midnight_splits_in_two() {
    let t = tariff(
        r#"tariff "N" {
          currency JPY
          interval 30 min
          periods { night = every day 22:00..08:00; day = otherwise }
          energy { night 12 JPY/kWh; day 20 JPY/kWh }
        }"#,
    );
    let PeriodRule::When { clauses, except } = &t.periods[0].rule else {
        panic!("night is a When period");
    };
    assert!(except.is_empty());
    assert_eq!(
        clauses[0].times,
        vec![
            TimeRange {
                start_minute: 22 * 60,
                end_minute: 24 * 60
            },
            TimeRange {
                start_minute: 0,
                end_minute: 8 * 60
            },
        ]
    );
    assert_eq!(t.periods[1].rule, PeriodRule::Otherwise);
    let at = |time: &str| {
        let start = chrono::NaiveDateTime::parse_from_str(time, "%Y-%m-%d %H:%M").unwrap();
        t.periods[t.period_of(start).unwrap()].name.as_str()
    };
    assert_eq!(at("2025-06-02 23:30"), "night");
    assert_eq!(at("2025-06-02 00:00"), "night");
    assert_eq!(at("2025-06-02 07:30"), "night");
    assert_eq!(at("2025-06-02 08:00"), "day");
    assert_eq!(at("2025-06-02 21:30"), "day");
}

#[test]
fn except_takes_the_other_period_out() {
    let t = tariff(
        r#"tariff "TOU" {
          currency JPY
          calendar japan
          season summer = Jul..Sep
          season other = otherwise
          periods {
            peak  = weekdays 13:00..16:00 in summer
            day   = weekdays 08:00..22:00 except peak
            night = otherwise
          }
          energy { peak 28 JPY/kWh; day 19.5 JPY/kWh; night 12.1 JPY/kWh }
        }"#,
    );
    let PeriodRule::When { except, .. } = &t.periods[1].rule else {
        panic!("day is a When period");
    };
    assert_eq!(except, &vec!["peak".to_string()]);
    let at = |time: &str| {
        let start = chrono::NaiveDateTime::parse_from_str(time, "%Y-%m-%d %H:%M").unwrap();
        t.periods[t.period_of(start).unwrap()].name.as_str()
    };
    // Wednesday 2025-07-02, in summer.
    assert_eq!(at("2025-07-02 13:00"), "peak");
    assert_eq!(at("2025-07-02 15:30"), "peak");
    assert_eq!(at("2025-07-02 16:00"), "day");
    assert_eq!(at("2025-07-02 12:30"), "day");
    assert_eq!(at("2025-07-02 22:00"), "night");
    // Outside summer there is no peak: the same hour is daytime.
    assert_eq!(at("2025-11-05 14:00"), "day");
    // Saturdays and holidays (Marine Day, 2025-07-21) are night all day.
    assert_eq!(at("2025-07-05 14:00"), "night");
    assert_eq!(at("2025-07-21 14:00"), "night");
}

#[test]
fn phase_in_shares_follow_the_holiday() {
    let t = tariff(
        r#"tariff "Depot" {
          currency JPY
          demand {
            contract = max demand over 12 months
            charge 1_650.00 JPY/kW per month
            waived until 2027-04-01
            phase in 25% from 2027-04-01, 50% from 2027-10-01, 100% from 2028-04-01
          }
          energy 16.56 JPY/kWh
        }"#,
    );
    let demand = t.demand.unwrap();
    assert_eq!(demand.contract, ContractDemand::Ratchet { months: 12 });
    let holiday = demand.holiday.unwrap();
    assert_eq!(holiday.waived_until, date("2027-04-01"));
    assert_eq!(
        holiday.phase_in,
        vec![
            (date("2027-04-01"), dec("0.25")),
            (date("2027-10-01"), dec("0.50")),
            (date("2028-04-01"), dec("1.00")),
        ]
    );
    assert_eq!(holiday.share_at(date("2027-03-01")), Decimal::ZERO);
    assert_eq!(holiday.share_at(date("2027-05-01")), dec("0.25"));
    assert_eq!(holiday.share_at(date("2028-06-01")), Decimal::ONE);
    let charge = demand.charge_per_kw.unwrap();
    assert_eq!(charge.steps[0].value, dec("1650.00"));
}

#[test]
fn tiers_are_cumulative_limits_and_an_open_rest() {
    let t = tariff(
        r#"tariff "Tiered" {
          currency JPY
          energy tiers {
            up to 120 kWh at 29.80 JPY/kWh
            up to 300 kWh at 36.40 JPY/kWh
            rest at 40.49 JPY/kWh
            round down to 1 JPY
          }
        }"#,
    );
    let energy = t.energy.unwrap();
    let EnergyPricing::Tiered(tiers) = energy.pricing else {
        panic!("tiered pricing");
    };
    let limits: Vec<Option<f64>> = tiers.iter().map(|tier| tier.up_to_kwh).collect();
    assert_eq!(limits, vec![Some(120.0), Some(300.0), None]);
    let rates: Vec<Decimal> = tiers.iter().map(|tier| tier.rate.steps[0].value).collect();
    assert_eq!(rates, vec![dec("29.80"), dec("36.40"), dec("40.49")]);
    assert_eq!(
        energy.rounding,
        Some(Rounding {
            step: Decimal::ONE,
            mode: RoundingMode::Down
        })
    );
}

#[test]
fn adjustments_per_interval_and_unit_round() {
    let t = tariff(
        r#"tariff "Market" {
          currency JPY
          energy 9.80 JPY/kWh
          adjustment spot_price {
            index "jepx-tokyo"
            per interval
            reflect 110%
          }
          adjustment market_price index "jepx-kansai" lag 3 months average over 3 months reflect 29.3% over 10.82 JPY/kWh unit round nearest to 0.01 JPY/kWh
        }"#,
    );
    let spot = &t.adjustments[0];
    assert_eq!(spot.mode, AdjustmentMode::PerInterval);
    assert_eq!(spot.index, "jepx-tokyo");
    assert_eq!(spot.share, dec("1.10"));
    assert_eq!((spot.lag_months, spot.average_months), (0, 1));
    assert_eq!(spot.baseline.steps[0].value, Decimal::ZERO);
    assert_eq!(spot.unit_rounding, None);

    let market = &t.adjustments[1];
    assert_eq!(market.mode, AdjustmentMode::Monthly);
    assert_eq!((market.lag_months, market.average_months), (3, 3));
    assert_eq!(market.share, dec("0.293"));
    assert_eq!(market.baseline.steps[0].value, dec("10.82"));
    assert_eq!(
        market.unit_rounding,
        Some(Rounding {
            step: dec("0.01"),
            mode: RoundingMode::Nearest
        })
    );
}

#[test]
fn round_total_and_tax_added() {
    let t = tariff(
        r#"tariff "US" {
          currency USD
          energy 0.19 USD/kWh
          fixed customer 10.00 USD per month
          tax sales 8.5% added
          round each line nearest to 0.01 USD
          round total down to 1 USD
        }"#,
    );
    let tax = t.tax.unwrap();
    assert_eq!(tax.name, "sales");
    assert_eq!(tax.rate, dec("0.085"));
    assert!(!tax.included);
    let (each, _) = t.rounding.each_line.unwrap();
    assert_eq!(
        each,
        Rounding {
            step: dec("0.01"),
            mode: RoundingMode::Nearest
        }
    );
    let (total, origin) = t.rounding.total.unwrap();
    assert_eq!(
        total,
        Rounding {
            step: Decimal::ONE,
            mode: RoundingMode::Down
        }
    );
    // The rule reference points at the `round total` line.
    assert_eq!((origin.file.as_str(), origin.line), ("feature.vlx", 7));
    assert_eq!(t.fixed_charges[0].amount.steps[0].value, dec("10.00"));
}

#[test]
fn tax_included_and_timelines_keep_their_dates() {
    let t = tariff(
        r#"tariff "JP" {
          currency JPY
          energy 19.51 JPY/kWh from 2024-04-01, 16.56 JPY/kWh from 2025-04-01 until 2026-04-01
          tax consumption 10% included
        }"#,
    );
    assert!(t.tax.unwrap().included);
    let EnergyPricing::Flat(rate) = t.energy.unwrap().pricing else {
        panic!("flat energy");
    };
    assert_eq!(rate.at(date("2025-03-31")).unwrap().value, dec("19.51"));
    assert_eq!(rate.at(date("2025-04-01")).unwrap().value, dec("16.56"));
    assert!(rate.at(date("2026-04-01")).is_none());
    assert!(rate.at(date("2024-03-31")).is_none());
}
