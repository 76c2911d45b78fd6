//! `contract aggregator` and `chemistry`: the example lowers to the expected rules, every
//! diagnostic fires with its code at its place, `voltlex fmt` lays the items out and is
//! idempotent, and shares and fees lower exactly.

// Test code: a failed expectation should panic.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::Path;
use std::str::FromStr;

use proptest::prelude::*;
use rust_decimal::Decimal;
use voltlex_dsl::diagnostic::codes;
use voltlex_dsl::format::format_source;
use voltlex_dsl::rules::{CompiledRules, Currency, CycleLifePoint, FeeBasis, Market, RuleRef};
use voltlex_dsl::{compile_package, compile_text, Compilation};

/// The design sketch, verbatim (comments included).
const SKETCH: &str = r#"contract aggregator "Example VPP" {
  markets spot, tertiary2, capacity
  minimum bid 1 MW                      # kW or MW; default 1 MW when absent
  share fleet 70%, aggregator 30%       # must sum to 100 %
  fee 500 JPY per vehicle per month
  fee 2 JPY per kWh
  fee 10000 JPY per month
  max cycles 1.5 per day                # optional
  minimum soc 30%                       # optional
  penalty 100 JPY per kW                # optional: per kW of an accepted balancing offer not delivered, per block
}

chemistry "LFP fleet pack" {
  based on "LFP"                        # optional preset: LFP or NMC
  cycle life 3000 at 100% DoD, 4000 at 80% DoD, 9000 at 40% DoD
  end of life 80%                       # capacity remaining → end_of_life_loss 0.2
  calendar loss 2.5% after 1 year       # calendar_loss_first_year
  calendar exponent 0.5
  replacement cost 25000 JPY/kWh
}
"#;

fn dec(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap()
}

fn compile(text: &str) -> Compilation {
    compile_text("case.vlx", text)
}

fn clean(text: &str) -> Compilation {
    let compilation = compile(text);
    assert!(
        compilation.diagnostics.is_empty(),
        "expected no diagnostics:\n{}",
        compilation.render_diagnostics(false)
    );
    compilation
}

// ---- lowering --------------------------------------------------------------------------------

#[test]
fn the_sketch_lowers_to_the_expected_rules() {
    let rules = clean(SKETCH).rules;
    assert!(rules.tariffs.is_empty());
    let contract = rules.aggregator_contract("Example VPP").unwrap();
    assert_eq!(contract.origin.line, 1);
    assert_eq!(contract.currency, Currency::Jpy);
    assert_eq!(
        contract.markets,
        vec![Market::Spot, Market::Tertiary2, Market::Capacity]
    );
    assert_eq!(contract.minimum_bid_kw, 1000.0);
    assert_eq!(contract.fleet_share, dec("0.7"));
    assert_eq!(contract.aggregator_share, dec("0.3"));
    // Normalised: serialised as "0.7", not "0.70".
    assert_eq!(contract.fleet_share.to_string(), "0.7");
    let fees: Vec<(Decimal, FeeBasis, u32)> = contract
        .fees
        .iter()
        .map(|f| (f.amount, f.basis, f.origin.line))
        .collect();
    assert_eq!(
        fees,
        vec![
            (dec("500"), FeeBasis::VehicleMonth, 5),
            (dec("2"), FeeBasis::Kwh, 6),
            (dec("10000"), FeeBasis::Month, 7),
        ]
    );
    assert_eq!(contract.max_cycles_per_day, Some(1.5));
    assert_eq!(contract.minimum_soc, Some(0.3));
    assert_eq!(contract.penalty_per_kw, Some(dec("100")));

    let chemistry = rules.chemistry("LFP fleet pack").unwrap();
    assert_eq!(chemistry.origin.line, 13);
    assert_eq!(chemistry.based_on.as_deref(), Some("LFP"));
    assert_eq!(
        chemistry.cycle_life,
        vec![
            CycleLifePoint {
                depth_of_discharge: 0.4,
                cycles: 9000.0
            },
            CycleLifePoint {
                depth_of_discharge: 0.8,
                cycles: 4000.0
            },
            CycleLifePoint {
                depth_of_discharge: 1.0,
                cycles: 3000.0
            },
        ]
    );
    assert_eq!(chemistry.end_of_life_loss, Some(0.2));
    assert_eq!(chemistry.calendar_loss_first_year, Some(0.025));
    assert_eq!(chemistry.calendar_exponent, Some(0.5));
    assert_eq!(chemistry.replacement_cost_per_kwh, Some(dec("25000")));
}

#[test]
fn defaults_when_the_blocks_are_silent() {
    let rules = clean(
        "contract aggregator \"Bare\" { markets capacity share aggregator 25%, fleet 75% }\n\
         chemistry \"Preset only\" { based on \"NMC\" }",
    )
    .rules;
    let contract = &rules.aggregator_contracts[0];
    assert_eq!(contract.minimum_bid_kw, 1000.0, "default minimum bid: 1 MW");
    assert_eq!(contract.currency, Currency::Jpy, "no amount: JPY");
    assert_eq!(
        (contract.fleet_share, contract.aggregator_share),
        (dec("0.75"), dec("0.25"))
    );
    assert!(contract.fees.is_empty());
    assert_eq!(contract.max_cycles_per_day, None);
    assert_eq!(contract.minimum_soc, None);
    assert_eq!(contract.penalty_per_kw, None);
    let chemistry = &rules.chemistries[0];
    assert_eq!(chemistry.based_on.as_deref(), Some("NMC"));
    assert!(chemistry.cycle_life.is_empty());
    assert_eq!(chemistry.end_of_life_loss, None);
    assert_eq!(chemistry.calendar_loss_first_year, None);
    assert_eq!(chemistry.calendar_exponent, None);
    assert_eq!(chemistry.replacement_cost_per_kwh, None);
}

#[test]
fn units_and_spellings_that_mean_the_same() {
    let rules = clean(
        "contract aggregator \"USD\" {\n\
           markets spot\n\
           minimum bid 250 kW\n\
           share fleet 100%, aggregator 0%\n\
           fee 0.02 USD/kWh\n\
           fee 3 USD per vehicle per month\n\
           penalty 1.5 USD/kW\n\
         }\n\
         chemistry \"Custom\" {\n\
           cycle life 5000 at 50% DoD, 2500 at 100% DoD\n\
           calendar loss 3% after 12 months\n\
         }",
    )
    .rules;
    let contract = &rules.aggregator_contracts[0];
    assert_eq!(contract.currency, Currency::Usd);
    assert_eq!(contract.minimum_bid_kw, 250.0);
    assert_eq!(contract.fleet_share, Decimal::ONE);
    assert_eq!(contract.aggregator_share, Decimal::ZERO);
    assert_eq!(contract.fees[0].basis, FeeBasis::Kwh);
    assert_eq!(contract.fees[0].amount, dec("0.02"));
    assert_eq!(contract.fees[1].basis, FeeBasis::VehicleMonth);
    assert_eq!(contract.penalty_per_kw, Some(dec("1.5")));
    let chemistry = &rules.chemistries[0];
    assert_eq!(chemistry.based_on, None);
    // Written deep first, lowered shallow first.
    assert_eq!(chemistry.cycle_life[0].depth_of_discharge, 0.5);
    assert_eq!(chemistry.cycle_life[1].depth_of_discharge, 1.0);
    assert_eq!(chemistry.calendar_loss_first_year, Some(0.03));
}

#[test]
fn tariffs_contracts_and_chemistries_live_side_by_side() {
    let rules = clean(
        "contract aggregator \"Same\" { markets spot share fleet 50%, aggregator 50% }\n\
         tariff \"Same\" { currency JPY energy 16.56 JPY/kWh }\n\
         chemistry \"Same\" { based on \"LFP\" replacement cost 20000 JPY/kWh }",
    )
    .rules;
    assert_eq!(rules.tariffs.len(), 1);
    assert_eq!(rules.aggregator_contracts.len(), 1);
    assert_eq!(rules.chemistries.len(), 1);
}

#[test]
fn the_example_package_compiles_cleanly() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tariff-rules/examples-v2g");
    let compilation = compile_package(&dir).unwrap();
    assert!(
        compilation.diagnostics.is_empty(),
        "{}",
        compilation.render_diagnostics(false)
    );
    let rules = &compilation.rules;
    assert_eq!(rules.aggregator_contracts.len(), 1);
    assert_eq!(rules.chemistries.len(), 1);
    let chemistry = &rules.chemistries[0];
    assert_eq!(chemistry.origin.file, "v2g.vlx");
    assert_eq!(
        chemistry
            .cycle_life
            .iter()
            .map(|p| (p.depth_of_discharge, p.cycles))
            .collect::<Vec<_>>(),
        vec![(0.4, 8000.0), (0.8, 3800.0), (1.0, 2960.0)]
    );
    assert_eq!(chemistry.calendar_exponent, Some(0.526));
    // The file is in the canonical layout.
    let text = std::fs::read_to_string(dir.join("v2g.vlx")).unwrap();
    assert_eq!(format_source(&text).unwrap(), text);
}

// ---- diagnostics -----------------------------------------------------------------------------

/// A contract with every statement right, with `{}` replaced by the case's statements.
fn contract_with(statements: &str) -> String {
    format!("contract aggregator \"VPP\" {{\n  markets spot\n  share fleet 70%, aggregator 30%\n{statements}}}\n")
}

/// Where the first diagnostic's main span must start: the `occurrence`-th (1-based) match of
/// `needle` in the text.
struct Case {
    name: &'static str,
    text: String,
    code: &'static str,
    needle: &'static str,
    occurrence: usize,
    /// A piece of the message or the help line.
    says: &'static str,
}

fn case(
    name: &'static str,
    text: impl Into<String>,
    code: &'static str,
    needle: &'static str,
    says: &'static str,
) -> Case {
    Case {
        name,
        text: text.into(),
        code,
        needle,
        occurrence: 1,
        says,
    }
}

fn second(mut case: Case) -> Case {
    case.occurrence = 2;
    case
}

fn cases() -> Vec<Case> {
    vec![
        // Contracts.
        case("unknown market", "contract aggregator \"VPP\" {\n  markets spot, tertiery2\n  share fleet 70%, aggregator 30%\n}", codes::UNKNOWN_MARKET, "tertiery2", "did you mean `tertiary2`?"),
        case("unknown market, far from any", "contract aggregator \"VPP\" {\n  markets intraday\n  share fleet 70%, aggregator 30%\n}", codes::UNKNOWN_MARKET, "intraday", "markets are spot, primary"),
        second(case("duplicate market", "contract aggregator \"VPP\" {\n  markets spot, capacity, spot\n  share fleet 70%, aggregator 30%\n}", codes::DUPLICATE_MARKET, "spot", "listed twice")),
        case("shares above 100", "contract aggregator \"VPP\" {\n  markets spot\n  share fleet 70%, aggregator 40%\n}", codes::SHARES, "fleet", "add up to 110%, not 100%"),
        case("shares below 100", "contract aggregator \"VPP\" {\n  markets spot\n  share fleet 60.5%, aggregator 39%\n}", codes::SHARES, "fleet", "add up to 99.5%"),
        case("share missing", "contract aggregator \"VPP\" {\n  markets spot\n  share fleet 100%\n}", codes::SHARES, "share", "the aggregator's share is missing"),
        second(case("share twice", "contract aggregator \"VPP\" {\n  markets spot\n  share fleet 70%, fleet 30%, aggregator 0%\n}", codes::SHARES, "fleet", "the fleet's share is given twice")),
        case("share above 100 %", "contract aggregator \"VPP\" {\n  markets spot\n  share fleet 120%, aggregator -20%\n}", codes::BAD_PERCENT, "120%", "a share from 0% to 100%"),
        case("share below 0 %", "contract aggregator \"VPP\" {\n  markets spot\n  share fleet 110%, aggregator -10%\n}", codes::BAD_PERCENT, "110%", "out of range"),
        case("share not a percentage", "contract aggregator \"VPP\" {\n  markets spot\n  share fleet 0.7 kW, aggregator 30%\n}", codes::WRONG_UNIT, "kW", "expected %"),
        case("negative fee", contract_with("  fee -500 JPY per month\n"), codes::BAD_NUMBER, "-500", "a fee cannot be negative"),
        case("fee without basis", contract_with("  fee 500 JPY\n"), codes::WRONG_UNIT, "JPY\n", "per vehicle per month"),
        case("fee per kW", contract_with("  fee 500 JPY/kW per month\n"), codes::WRONG_UNIT, "JPY/kW per month", "expected JPY per kWh, JPY per month or JPY per vehicle per month"),
        case("fee per vehicle with a ratio", contract_with("  fee 500 JPY/kWh per vehicle per month\n"), codes::WRONG_UNIT, "JPY/kWh", "before `per vehicle per month`"),
        case("fees in two currencies", contract_with("  fee 500 JPY per month\n  fee 2 USD per kWh\n  penalty 1 JPY/kW\n"), codes::CURRENCY_MISMATCH, "USD", "the contract's amounts are in JPY"),
        case("penalty in another currency", contract_with("  fee 500 JPY per month\n  penalty 1 USD/kW\n"), codes::CURRENCY_MISMATCH, "USD", "amount in USD"),
        case("penalty per kWh", contract_with("  penalty 100 JPY/kWh\n"), codes::WRONG_UNIT, "JPY/kWh", "expected JPY per kW"),
        case("negative penalty", contract_with("  penalty -1 JPY per kW\n"), codes::BAD_NUMBER, "-1", "a penalty cannot be negative"),
        case("minimum bid zero", contract_with("  minimum bid 0 MW\n"), codes::BAD_NUMBER, "0 MW", "not above zero"),
        case("minimum bid negative", contract_with("  minimum bid -5 kW\n"), codes::BAD_NUMBER, "-5 kW", "not above zero"),
        case("minimum bid in kWh", contract_with("  minimum bid 1000 kWh\n"), codes::WRONG_UNIT, "kWh", "expected kW or MW, found kWh"),
        case("minimum bid in lower case", contract_with("  minimum bid 1 mw\n"), codes::UNKNOWN_UNIT, "mw", "did you mean `MW`? (units are case-sensitive)"),
        case("cycles zero", contract_with("  max cycles 0 per day\n"), codes::BAD_NUMBER, "0 per", "not above zero"),
        case("cycles negative", contract_with("  max cycles -1 per day\n"), codes::BAD_NUMBER, "-1", "not above zero"),
        case("soc above 100 %", contract_with("  minimum soc 101%\n"), codes::BAD_PERCENT, "101%", "a state of charge from 0% to 100%"),
        case("soc below 0 %", contract_with("  minimum soc -5%\n"), codes::BAD_PERCENT, "-5%", "out of range"),
        second(case("markets twice", contract_with("  markets capacity\n"), codes::DUPLICATE, "markets", "`markets` is given twice")),
        second(case("minimum bid twice", contract_with("  minimum bid 1 MW\n  minimum bid 2 MW\n"), codes::DUPLICATE, "minimum bid", "`minimum bid` is given twice")),
        second(case("share twice as a statement", contract_with("  share fleet 50%, aggregator 50%\n"), codes::DUPLICATE, "share", "`share` is given twice")),
        second(case("penalty twice", contract_with("  penalty 1 JPY/kW\n  penalty 2 JPY/kW\n"), codes::DUPLICATE, "penalty", "given twice")),
        case("no markets", "contract aggregator \"VPP\" {\n  share fleet 70%, aggregator 30%\n}", codes::MISSING, "\"VPP\"", "has no `markets`"),
        case("no share", "contract aggregator \"VPP\" {\n  markets spot\n}", codes::MISSING, "\"VPP\"", "has no `share`"),
        case("unknown contract statement", contract_with("  fees 500 JPY per month\n"), codes::UNKNOWN_ITEM, "fees", "did you mean `fee`?"),
        second(case("two contracts with one name", "contract aggregator \"VPP\" { markets spot share fleet 70%, aggregator 30% }\ncontract aggregator \"VPP\" { markets capacity share fleet 70%, aggregator 30% }", codes::DUPLICATE_NAME, "\"VPP\"", "a contract named \"VPP\" already exists")),
        case("contract name unquoted", "contract aggregator VPP {\n  markets spot\n}", codes::SYNTAX, "VPP", "a quoted string"),
        case("contract without `aggregator`", "contract \"VPP\" {\n  markets spot\n}", codes::SYNTAX, "\"VPP\"", "`aggregator`"),
        case("minimum without bid or soc", contract_with("  minimum bids 1 MW\n"), codes::SYNTAX, "bids", "`bid` or `soc`"),
        case("fee per vehicle without month", contract_with("  fee 500 JPY per vehicle\n"), codes::SYNTAX, "\n}", "`per vehicle per month`"),
        case("fee with a misspelt basis", contract_with("  fee 500 JPY per vehicle per mont\n"), codes::SYNTAX, "mont", "`month`"),
        // Chemistries.
        case("no cycle life and no preset", "chemistry \"Pack\" {\n  end of life 80%\n}", codes::MISSING, "\"Pack\"", "neither a cycle life nor a preset"),
        case("one cycle-life point", "chemistry \"Pack\" {\n  cycle life 3000 at 100% DoD\n}", codes::CYCLE_LIFE, "cycle life", "at least two points, found 1"),
        case("depth zero", "chemistry \"Pack\" {\n  cycle life 90000 at 0% DoD, 3000 at 100% DoD\n}", codes::BAD_PERCENT, "0% DoD", "above 0% and at most 100%"),
        case("depth above 100 %", "chemistry \"Pack\" {\n  cycle life 3000 at 120% DoD, 9000 at 40% DoD\n}", codes::BAD_PERCENT, "120%", "a depth of discharge of 120% is out of range"),
        case("two points at one depth", "chemistry \"Pack\" {\n  cycle life 3000 at 80% DoD, 4000 at 80% DoD\n}", codes::CYCLE_LIFE, "4000 at 80% DoD", "two points at 80% DoD"),
        case("cycles rising with depth", "chemistry \"Pack\" {\n  cycle life 9000 at 40% DoD, 3000 at 100% DoD, 2500 at 80% DoD\n}", codes::CYCLE_LIFE, "3000 at 100% DoD", "cycles must fall as the depth of discharge grows: 2500 at 80% DoD, but 3000 at 100% DoD"),
        case("cycles equal at two depths", "chemistry \"Pack\" {\n  cycle life 4000 at 40% DoD, 4000 at 100% DoD\n}", codes::CYCLE_LIFE, "4000 at 100% DoD", "expected fewer than 4000 cycles"),
        case("cycles zero in a curve", "chemistry \"Pack\" {\n  cycle life 0 at 100% DoD, 9000 at 40% DoD\n}", codes::BAD_NUMBER, "0 at", "not above zero"),
        case("end of life 100 %", "chemistry \"Pack\" {\n  based on \"LFP\"\n  end of life 100%\n}", codes::BAD_PERCENT, "100%", "above 0% and below 100%"),
        case("end of life 0 %", "chemistry \"Pack\" {\n  based on \"LFP\"\n  end of life 0%\n}", codes::BAD_PERCENT, "0%", "above 0% and below 100%"),
        case("unknown preset", "chemistry \"Pack\" {\n  based on \"LTO\"\n}", codes::UNKNOWN_PRESET, "\"LTO\"", "the presets are \"LFP\" and \"NMC\""),
        case("preset in lower case", "chemistry \"Pack\" {\n  based on \"nmc\"\n}", codes::UNKNOWN_PRESET, "\"nmc\"", "did you mean \"NMC\"?"),
        second(case("two chemistries with one name", "chemistry \"Pack\" { based on \"LFP\" }\nchemistry \"Pack\" { based on \"NMC\" }", codes::DUPLICATE_NAME, "\"Pack\"", "a chemistry named \"Pack\" already exists")),
        second(case("end of life twice", "chemistry \"Pack\" {\n  based on \"LFP\"\n  end of life 80%\n  end of life 70%\n}", codes::DUPLICATE, "end of life", "`end of life` is given twice")),
        second(case("calendar loss twice", "chemistry \"Pack\" {\n  based on \"LFP\"\n  calendar loss 2% after 1 year\n  calendar loss 3% after 1 year\n}", codes::DUPLICATE, "calendar loss", "`calendar loss` is given twice")),
        case("calendar loss after two years", "chemistry \"Pack\" {\n  based on \"LFP\"\n  calendar loss 4% after 2 years\n}", codes::BAD_NUMBER, "2 years", "after one year"),
        case("calendar loss after days", "chemistry \"Pack\" {\n  based on \"LFP\"\n  calendar loss 4% after 365 days\n}", codes::WRONG_UNIT, "days", "expected 1 year"),
        case("calendar exponent zero", "chemistry \"Pack\" {\n  based on \"LFP\"\n  calendar exponent 0\n}", codes::BAD_NUMBER, "0\n", "not above zero"),
        case("replacement cost per kW", "chemistry \"Pack\" {\n  based on \"LFP\"\n  replacement cost 25000 JPY/kW\n}", codes::WRONG_UNIT, "JPY/kW", "expected JPY/kWh or USD/kWh"),
        case("negative replacement cost", "chemistry \"Pack\" {\n  based on \"LFP\"\n  replacement cost -1 JPY/kWh\n}", codes::BAD_NUMBER, "-1", "cannot be negative"),
        case("replacement cost in another currency", format!("{}chemistry \"Pack\" {{\n  based on \"LFP\"\n  replacement cost 150 USD/kWh\n}}\n", contract_with("  fee 1 JPY per kWh\n")), codes::CURRENCY_MISMATCH, "USD/kWh", "but contract \"VPP\" (case.vlx:1) is in JPY"),
        case("unknown chemistry statement", "chemistry \"Pack\" {\n  based on \"LFP\"\n  capacity 60 kWh\n}", codes::UNKNOWN_ITEM, "capacity", "a chemistry block holds: based on, cycle life"),
        case("DoD missing", "chemistry \"Pack\" {\n  cycle life 3000 at 100%, 9000 at 40% DoD\n}", codes::SYNTAX, ",", "`DoD`"),
        case("chemistry left open before a contract", "chemistry \"Pack\" {\n  based on \"LFP\"\n\ncontract aggregator \"VPP\" {\n  markets spot\n}", codes::SYNTAX, "contract", "expected `}` before the next `contract`"),
        case("tariff left open before a chemistry", "tariff \"A\" {\n  currency JPY\n\nchemistry \"Pack\" {\n  based on \"LFP\"\n}", codes::SYNTAX, "chemistry", "expected `}` before the next `chemistry`"),
    ]
}

#[test]
fn every_diagnostic_has_its_code_place_and_words() {
    let mut failures = Vec::new();
    for case in cases() {
        let compilation = compile(&case.text);
        let rendered = compilation.render_diagnostics(false);
        let Some(first) = compilation.diagnostics.iter().find(|d| d.is_error()) else {
            failures.push(format!("{}: compiles cleanly", case.name));
            continue;
        };
        let start = case
            .text
            .match_indices(case.needle)
            .nth(case.occurrence - 1)
            .unwrap_or_else(|| panic!("{}: needle {:?} not in the text", case.name, case.needle))
            .0;
        let file = compilation.sources.file(first.span.file).unwrap();
        let (line, column) = file.line_column(start);
        let mut wrong = Vec::new();
        if first.code != case.code {
            wrong.push(format!("code {} (expected {})", first.code, case.code));
        }
        if first.span.start != start {
            let (l, c) = file.line_column(first.span.start);
            wrong.push(format!("at {l}:{c} (expected {line}:{column})"));
        }
        if !rendered.contains(&format!("case.vlx:{line}:{column}")) {
            wrong.push(format!(
                "the rendering does not say case.vlx:{line}:{column}"
            ));
        }
        if !rendered.contains(case.says) {
            wrong.push(format!("does not say {:?}", case.says));
        }
        if compilation.has_errors()
            && !(compilation.rules.aggregator_contracts.is_empty()
                && compilation.rules.chemistries.is_empty())
            && case.code != codes::DUPLICATE_NAME
            && case.code != codes::CURRENCY_MISMATCH
        {
            wrong.push("a block with an error was lowered".to_string());
        }
        if !wrong.is_empty() {
            failures.push(format!("{}: {}\n{rendered}", case.name, wrong.join("; ")));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn a_block_with_an_error_is_not_lowered_but_its_neighbours_are() {
    let compilation = compile(
        "contract aggregator \"Bad\" { markets spot share fleet 70%, aggregator 40% }\n\
         contract aggregator \"Good\" { markets spot share fleet 70%, aggregator 30% }\n\
         chemistry \"Bad\" { cycle life 1 at 100% DoD }\n\
         chemistry \"Good\" { based on \"LFP\" }",
    );
    assert_eq!(compilation.diagnostics.len(), 2);
    let names: Vec<&str> = compilation
        .rules
        .aggregator_contracts
        .iter()
        .map(|c| c.name.as_str())
        .chain(
            compilation
                .rules
                .chemistries
                .iter()
                .map(|c| c.name.as_str()),
        )
        .collect();
    assert_eq!(names, ["Good", "Good"]);
}

#[test]
fn every_problem_of_a_block_is_reported_at_once() {
    let compilation = compile(
        "contract aggregator \"VPP\" {\n  markets spot, spot, intraday\n  share fleet 70%, aggregator 40%\n  fee -1 JPY per month\n  minimum soc 150%\n}",
    );
    let found: Vec<&str> = compilation.diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(
        found,
        [
            codes::DUPLICATE_MARKET,
            codes::UNKNOWN_MARKET,
            codes::SHARES,
            codes::BAD_NUMBER,
            codes::BAD_PERCENT
        ]
    );
}

// ---- fmt -------------------------------------------------------------------------------------

/// The compiled contracts and chemistries without their origins (which move with the layout).
fn meaning(text: &str) -> CompiledRules {
    let mut rules = compile(text).rules;
    for contract in &mut rules.aggregator_contracts {
        contract.origin = RuleRef::default();
        for fee in &mut contract.fees {
            fee.origin = RuleRef::default();
        }
    }
    for chemistry in &mut rules.chemistries {
        chemistry.origin = RuleRef::default();
    }
    rules
}

fn fmt_stable(text: &str) -> String {
    let once = format_source(text).unwrap_or_else(|d| panic!("{}: {}", d.code, d.message));
    let twice = format_source(&once).unwrap();
    assert_eq!(twice, once, "not idempotent");
    // Formatting never changes what the rules say.
    assert_eq!(meaning(&once), meaning(text));
    once
}

#[test]
fn fmt_lays_out_both_items() {
    let messy = "contract   aggregator \"VPP\"{markets spot ,tertiary2;share fleet 70 %,aggregator 30%\n\
                 fee 500 JPY   per vehicle per month fee 2 JPY per kWh # per kWh discharged\n\
                 max cycles 1.5 per day minimum soc 30 % penalty 100 JPY/kW}\n\
                 chemistry \"Pack\"{based on \"LFP\" cycle life 3000 at 100 % DoD,9000 at 40% DoD\n\
                 end of life 80% calendar loss 2.5% after 1 year calendar exponent 0.5 replacement cost 25000 JPY/kWh}";
    assert_eq!(
        fmt_stable(messy),
        "contract aggregator \"VPP\" {
  markets spot, tertiary2
  share fleet 70%, aggregator 30%
  fee 500 JPY per vehicle per month
  fee 2 JPY per kWh # per kWh discharged
  max cycles 1.5 per day
  minimum soc 30%
  penalty 100 JPY/kW
}

chemistry \"Pack\" {
  based on \"LFP\"
  cycle life 3000 at 100% DoD, 9000 at 40% DoD
  end of life 80%
  calendar loss 2.5% after 1 year
  calendar exponent 0.5
  replacement cost 25000 JPY/kWh
}
"
    );
}

#[test]
fn fmt_is_idempotent_on_the_sketch_and_keeps_its_comments() {
    let formatted = fmt_stable(SKETCH);
    for comment in SKETCH.lines().filter_map(|l| l.find('#').map(|i| &l[i..])) {
        assert!(formatted.contains(comment.trim_end()), "lost {comment:?}");
    }
}

#[test]
fn fmt_keeps_unknown_statements_for_the_checker() {
    let text = "chemistry \"Pack\" {\n  based on \"LFP\"\n  capacity   60 kWh   \n}\n\ncontract aggregator \"VPP\" {\n  markets spot\n  share fleet 70%, aggregator 30%\n  fees 1 JPY per kWh\n}\n";
    let formatted = fmt_stable(text);
    assert!(formatted.contains("\n  capacity   60 kWh\n"));
    assert!(formatted.contains("\n  fees 1 JPY per kWh\n"));
    assert_eq!(
        compile(&formatted).diagnostics.len(),
        compile(text).diagnostics.len()
    );
}

#[test]
fn fmt_passes_on_every_case() {
    for case in cases() {
        // A syntax error is returned as the diagnostic; anything else must format stably.
        match format_source(&case.text) {
            Ok(_) => {
                fmt_stable(&case.text);
            }
            Err(d) => assert_eq!(d.code, codes::SYNTAX, "{}", case.name),
        }
    }
}

// ---- exact lowering of shares and fees -------------------------------------------------------

/// A decimal with up to `scale` digits after the point, written as the language writes it.
fn written(units: i64, scale: u32) -> (String, Decimal) {
    let value = Decimal::new(units, scale);
    (value.to_string(), value)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Any split of 100 % written with up to two decimals lowers to the exact fractions, and
    /// they sum to exactly 1; any other pair is refused as E0703.
    #[test]
    fn shares_lower_exactly(
        fleet_hundredths in 0i64..=10_000,
        off_by in prop_oneof![Just(0i64), -500i64..=500],
        fee_units in 0i64..=1_000_000_000,
        fee_scale in 0u32..=6,
        soc_tenths in 0i64..=1000,
        bid_units in 1i64..=100_000,
        bid_in_mw in any::<bool>(),
    ) {
        let aggregator_hundredths = 10_000 - fleet_hundredths + off_by;
        prop_assume!((0..=10_000).contains(&aggregator_hundredths));
        let (fleet_text, fleet) = written(fleet_hundredths, 2);
        let (aggregator_text, aggregator) = written(aggregator_hundredths, 2);
        let (fee_text, fee) = written(fee_units, fee_scale);
        let (soc_text, soc) = written(soc_tenths, 1);
        let (bid_text, bid) = written(bid_units, 1);
        let bid_unit = if bid_in_mw { "MW" } else { "kW" };
        let text = format!(
            "contract aggregator \"P\" {{\n  markets spot\n  share fleet {fleet_text}%, aggregator {aggregator_text}%\n  \
             fee {fee_text} JPY per kWh\n  fee {fee_text} JPY per vehicle per month\n  fee {fee_text} JPY per month\n  \
             penalty {fee_text} JPY per kW\n  minimum soc {soc_text}%\n  minimum bid {bid_text} {bid_unit}\n}}\n"
        );
        let compilation = compile(&text);
        if off_by != 0 {
            prop_assert_eq!(compilation.diagnostics.len(), 1);
            prop_assert_eq!(compilation.diagnostics[0].code, codes::SHARES);
            prop_assert!(compilation.rules.aggregator_contracts.is_empty());
        } else {
            prop_assert!(compilation.diagnostics.is_empty(), "{}", compilation.render_diagnostics(false));
            let contract = &compilation.rules.aggregator_contracts[0];
            let hundred = Decimal::ONE_HUNDRED;
            prop_assert_eq!(contract.fleet_share, fleet / hundred);
            prop_assert_eq!(contract.aggregator_share, aggregator / hundred);
            prop_assert_eq!(contract.fleet_share + contract.aggregator_share, Decimal::ONE);
            let amounts: Vec<(Decimal, FeeBasis)> = contract.fees.iter().map(|f| (f.amount, f.basis)).collect();
            prop_assert_eq!(amounts, vec![(fee, FeeBasis::Kwh), (fee, FeeBasis::VehicleMonth), (fee, FeeBasis::Month)]);
            prop_assert_eq!(contract.penalty_per_kw, Some(fee));
            // f64 fields are the nearest double to the exact decimal.
            let nearest = |d: Decimal| d.to_string().parse::<f64>().unwrap();
            prop_assert_eq!(contract.minimum_soc, Some(nearest(soc / hundred)));
            let scale = if bid_in_mw { Decimal::ONE_THOUSAND } else { Decimal::ONE };
            prop_assert_eq!(contract.minimum_bid_kw, nearest(bid * scale));
            // And the text formats stably to the same rules.
            let formatted = format_source(&text).unwrap();
            prop_assert_eq!(meaning(&formatted), meaning(&text));
        }
    }
}
