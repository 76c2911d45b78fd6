//! Text to syntax tree: the pest grammar (`grammar.pest`) and the walk that builds [`ast`].
//!
//! A syntax error stops the file (pest does not recover); everything after parsing —
//! unknown names, units, dates — is the checker's job and is reported all at once.

use pest::iterators::Pair;
use pest::Parser;

use crate::ast::*;
use crate::diagnostic::{codes, Diagnostic};
use crate::source::{FileId, Span};

/// The pest parser of `grammar.pest`, shared with the formatter.
#[derive(pest_derive::Parser)]
#[grammar = "grammar.pest"]
pub(crate) struct VlxParser;

/// Parses one rule file.
///
/// ```
/// use voltlex_dsl::source::SourceMap;
/// use voltlex_dsl::syntax::parse;
/// let mut sources = SourceMap::default();
/// let id = sources.add("a.vlx", "tariff \"A\" { currency JPY energy 16.56 JPY/kWh }");
/// let file = parse(id, &sources.file(id).unwrap().text).unwrap();
/// assert_eq!(file.tariffs[0].name.value, "A");
/// assert_eq!(file.tariffs[0].items.len(), 2);
/// ```
pub fn parse(file: FileId, text: &str) -> Result<RuleFile, Box<Diagnostic>> {
    pest::set_call_limit(std::num::NonZeroUsize::new(5_000_000));
    // Literal tokens (`=`, `}`, `..`) reach syntax errors only through pest's parse attempts.
    pest::set_error_detail(true);
    let pairs =
        VlxParser::parse(Rule::file, text).map_err(|e| Box::new(syntax_error(file, text, e)))?;
    let walker = Walker { file };
    // The `file` rule yields one pair; its inner pairs are the top-level items (and EOI).
    let mut rule_file = RuleFile {
        file,
        tariffs: Vec::new(),
        contracts: Vec::new(),
        chemistries: Vec::new(),
        subsidies: Vec::new(),
        risk_sharings: Vec::new(),
    };
    for pair in pairs.flat_map(Pair::into_inner) {
        match pair.as_rule() {
            Rule::tariff => rule_file.tariffs.push(walker.tariff(pair)),
            Rule::aggregator_contract => rule_file.contracts.push(walker.contract(pair)),
            Rule::chemistry => rule_file.chemistries.push(walker.chemistry(pair)),
            Rule::subsidy => rule_file.subsidies.push(walker.subsidy(pair)),
            Rule::risk_sharing => rule_file.risk_sharings.push(walker.risk_sharing(pair)),
            _ => {}
        }
    }
    Ok(rule_file)
}

/// What a grammar rule is called in an error message.
fn describe_rule(rule: Rule) -> Option<&'static str> {
    use Rule::*;
    Some(match rule {
        EOI => "end of file",
        // Only the top level starts these: one expectation for all of them.
        file | tariff | k_tariff | aggregator_contract | k_contract_top | chemistry
        | k_chemistry | subsidy | k_subsidy | risk_sharing | k_risk_sharing => "a block (`tariff`, `contract aggregator`, `chemistry`, `subsidy` or `risk_sharing`)",
        sharing_item | unknown_sharing_item => "a risk-sharing item (parties, owner, revenue, fee, cover, floor, cap, above, insurance, payment, wear, free, var limit)",
        party => "a party's name",
        flow => "`from PAYER to PAYEE`",
        revenue_part => "a party and its share (`fleet 60%`)",
        per_vehicle_year | k_year => "`per vehicle per year`",
        k_wear => "`wear`",
        k_beyond => "`beyond`",
        k_cap => "`cap`",
        premium_clause | deductible_clause | limit_clause | trigger_clause => "an insurance clause (premium, deductible, limit, trigger)",
        trigger_kind => "`loss` or `wear`",
        payment_period | k_quarterly | k_yearly => "`monthly`, `quarterly` or `yearly`",
        free_target | k_revenue | k_floor | k_cover | k_premium | k_above => "what to vary (`revenue PARTY`, `floor`, `cap`, `cover`, `premium` or `above`)",
        k_limit => "`limit`",
        subsidy_item | unknown_subsidy_item => "a subsidy item (programme, applies to, amount, window, excludes, round)",
        programme_level | k_national | k_local => "`national` or `local`",
        item_class | k_charger | k_battery | k_pv => "an item (vehicle, charger, battery, pv)",
        k_where => "`where`",
        condition | cond_and | cond_not | cond_group | comparison | flag_test => "a condition (e.g. `power <= 50 kW`)",
        attribute => "an attribute",
        compare_op => "a comparison (==, !=, <, <=, >, >=)",
        cond_value | k_true | k_false => "a value (a number with a unit, a quoted text, true or false)",
        money_expr | money_term | call | share_of | money_group | k_min => "an amount (e.g. `min(350000 JPY, 50% of equipment_price)`)",
        fraction => "a fraction (`2/3`)",
        add_op | mul_op => "an operator (+, -, *)",
        k_applies => "`applies to`",
        aggregator_item | unknown_aggregator_item => "a contract item (markets, minimum bid, minimum soc, share, fee, max cycles, penalty)",
        chemistry_item | unknown_chemistry_item => "a chemistry item (based on, cycle life, end of life, calendar loss, calendar exponent, replacement cost)",
        k_aggregator => "`aggregator`",
        k_bid | k_soc => "`bid` or `soc`",
        share_part | k_fleet => "a share (`fleet 70%` or `aggregator 30%`)",
        per_vehicle | k_per_fee | k_vehicle => "`per vehicle per month`",
        k_month => "`month`",
        k_cycles => "`cycles`",
        k_per_day => "`per day`",
        k_day => "`day`",
        market_name => "a market (spot, primary, secondary1, secondary2, tertiary1, tertiary2, capacity)",
        k_on => "`on`",
        k_life => "`life`",
        k_of => "`of`",
        cycle_point => "a cycle-life point (`3000 at 100% DoD`)",
        k_dod => "`DoD`",
        k_loss | k_exponent => "`loss` or `exponent`",
        k_after => "`after`",
        k_cost => "`cost`",
        comma => "`,` (before another value)",
        tariff_item | unknown_item => "a tariff item (currency, calendar, interval, season, periods, demand, energy, adjustment, surcharge, fixed, minimum, tax, round)",
        demand_item | unknown_demand_item => "a demand item (interval, contract, charge, power_factor, waived, phase in, subscription, overage, round)",
        ident => "a name",
        currency_code => "a currency (JPY or USD)",
        calendar_name => "a calendar (japan or weekends-only)",
        string => "a quoted string",
        number => "a number",
        date => "a date (YYYY-MM-DD)",
        time => "a time (HH:MM)",
        unit | unit_path | unit_atom => "a unit (e.g. JPY/kWh, kW, %, min, months)",
        quantity => "a number with a unit",
        timeline | timed => "a value with a unit (e.g. `16.56 JPY/kWh from 2025-04-01`)",
        from_date | k_from => "`from DATE`",
        until | k_until => "`until DATE`",
        season_range | season_point | month_day | month_name => "a season range (e.g. `Jul..Sep` or `07-01..09-30`)",
        k_otherwise => "`otherwise`",
        period_def => "a period definition (`name = weekdays 08:00..22:00`)",
        period_expr | period_clause | day_set | every_day => "days (weekdays, weekends, saturdays, sundays, holidays, every day)",
        time_ranges | time_range => "a time range (HH:MM..HH:MM)",
        contract_item | k_contract => "`contract = …`",
        ratchet | monthly_peak | agreed | k_max | k_monthly | k_agreed => "`max demand over N months`, `monthly peak` or `agreed`",
        energy_keyed | energy_tiers => "energy prices",
        keyed_rate => "a price per period or season (`peak 28.00 JPY/kWh`)",
        k_tiers => "`tiers`",
        tier | k_up | k_rest => "a tier (`up to N kWh at PRICE` or `rest at PRICE`)",
        k_round => "`round …`",
        adjustment_clause | index_clause | lag_clause | average_clause | reflect_clause
        | per_interval | unit_round => "an adjustment clause (index, lag, average, reflect, per interval, unit round, round)",
        rounding | round_mode | k_down | k_nearest => "`down`, `up` or `nearest`",
        k_to => "`to`",
        k_at => "`at`",
        k_over => "`over`",
        k_included | k_added => "`included` or `added`",
        each_line | k_each | k_total => "`each line` or `total`",
        k_base => "`base`",
        k_step => "`step`",
        k_in => "`in`",
        k_and | k_or => "`and` / `or`",
        k_except => "`except`",
        _ => return None,
    })
}

/// Literal tokens of the grammar worth naming in "expected …" (they are not rules, so pest
/// reports them only through its parse attempts).
const PUNCTUATION: &[&str] = &["=", "..", ",", "{", "}", "\""];

/// Keyword rules that start a tariff item or a demand item: when the parser could have taken
/// the next statement, they are summed up as one expectation instead of listed.
const TARIFF_KEYWORDS: &[Rule] = &[
    Rule::k_currency,
    Rule::k_calendar,
    Rule::k_timezone,
    Rule::k_interval,
    Rule::k_season,
    Rule::k_periods,
    Rule::k_demand,
    Rule::k_energy,
    Rule::k_adjustment,
    Rule::k_surcharge,
    Rule::k_fixed,
    Rule::k_minimum,
    Rule::k_tax,
    Rule::k_round,
];
const AGGREGATOR_KEYWORDS: &[Rule] = &[
    Rule::k_markets,
    Rule::k_minimum,
    Rule::k_share,
    Rule::k_fee,
    Rule::k_max,
    Rule::k_penalty,
];
const CHEMISTRY_KEYWORDS: &[Rule] = &[
    Rule::k_based,
    Rule::k_cycle,
    Rule::k_end,
    Rule::k_calendar,
    Rule::k_replacement,
];
const SUBSIDY_KEYWORDS: &[Rule] = &[
    Rule::k_programme,
    Rule::k_applies,
    Rule::k_amount,
    Rule::k_window,
    Rule::k_excludes,
    Rule::k_round,
];
const DEMAND_KEYWORDS: &[Rule] = &[
    Rule::k_interval,
    Rule::k_contract,
    Rule::k_charge,
    Rule::k_power_factor,
    Rule::k_waived,
    Rule::k_phase,
    Rule::k_subscription,
    Rule::k_overage,
    Rule::k_round,
];

fn syntax_error(file: FileId, text: &str, error: pest::error::Error<Rule>) -> Diagnostic {
    let mut offset = match error.location {
        pest::error::InputLocation::Pos(p) => p,
        pest::error::InputLocation::Span((s, _)) => s,
    };
    let mut positives: Vec<Rule> = match &error.variant {
        pest::error::ErrorVariant::ParsingError { positives, .. } => positives.clone(),
        pest::error::ErrorVariant::CustomError { message } => {
            // The call limit: pathological nesting or length, not a grammar mistake.
            return Diagnostic::error(
                codes::SYNTAX,
                format!("the parser gave up here ({message})"),
                Span {
                    file,
                    start: offset,
                    end: offset,
                },
                "too deeply nested or too long to parse",
            )
            .with_help("split the text, or check for a run of unmatched `{`");
        }
    };
    // Literal tokens (`=`, `..`, `}`) are tracked apart from rules, sometimes further on:
    // `contract max …` fails on the `=` after `contract`, not on `contract`.
    let mut literals: Vec<&'static str> = Vec::new();
    let mut keywords: Vec<String> = Vec::new();
    if let Some(attempts) = error.parse_attempts() {
        let tokens: Vec<String> = attempts
            .expected_tokens()
            .iter()
            .map(ToString::to_string)
            .collect();
        let punctuation: Vec<&'static str> = PUNCTUATION
            .iter()
            .copied()
            .filter(|p| tokens.iter().any(|t| t == p))
            .collect();
        if attempts.max_position > offset && !punctuation.is_empty() {
            offset = attempts.max_position;
            positives.clear();
            literals = punctuation;
        } else if attempts.max_position == offset {
            literals = punctuation;
            keywords = tokens
                .into_iter()
                .filter(|t| t.len() > 1 && t.chars().all(|c| c.is_ascii_alphabetic() || c == '_'))
                .collect();
        }
    }
    let found = found_token(text, offset);
    let tariff_level = positives.contains(&Rule::k_currency);
    let demand_level = !tariff_level && positives.contains(&Rule::k_charge);
    let aggregator_level = positives.contains(&Rule::k_markets);
    let chemistry_level = positives.contains(&Rule::k_based);
    let subsidy_level = positives.contains(&Rule::k_programme);
    let mut expected: Vec<&str> = Vec::new();
    for &rule in &positives {
        let statement = (tariff_level && (TARIFF_KEYWORDS.contains(&rule) || rule == Rule::ident))
            || (demand_level && (DEMAND_KEYWORDS.contains(&rule) || rule == Rule::ident))
            || (aggregator_level && (AGGREGATOR_KEYWORDS.contains(&rule) || rule == Rule::ident))
            || (chemistry_level && (CHEMISTRY_KEYWORDS.contains(&rule) || rule == Rule::ident))
            || (subsidy_level && (SUBSIDY_KEYWORDS.contains(&rule) || rule == Rule::ident));
        if statement {
            continue;
        }
        if let Some(description) = describe_rule(rule) {
            if !expected.contains(&description) {
                expected.push(description);
            }
        }
    }
    let statement = if tariff_level {
        describe_rule(Rule::unknown_item)
    } else if demand_level {
        describe_rule(Rule::unknown_demand_item)
    } else if aggregator_level {
        describe_rule(Rule::unknown_aggregator_item)
    } else if chemistry_level {
        describe_rule(Rule::unknown_chemistry_item)
    } else if subsidy_level {
        describe_rule(Rule::unknown_subsidy_item)
    } else {
        None
    };
    if let Some(statement) = statement {
        expected.push(if expected.is_empty() {
            statement
        } else {
            "the next statement"
        });
    }
    let literal_texts: Vec<String> = literals
        .iter()
        .filter(|&&l| !(l == "," && positives.contains(&Rule::comma)))
        .filter(|&&l| !(l == "\"" && positives.contains(&Rule::string)))
        .map(|l| format!("`{l}`"))
        .collect();
    expected.extend(literal_texts.iter().map(String::as_str));
    let expected_text = match expected.split_last() {
        None => "something else".to_string(),
        Some((only, [])) => only.to_string(),
        Some((last, rest)) => format!("{} or {}", rest.join(", "), last),
    };
    let found_span = Span {
        file,
        start: offset,
        end: (offset + found.len()).min(text.len()),
    };
    let found_text = match found.chars().next() {
        None => "end of file".to_string(),
        Some('\n' | '\r') => "end of line".to_string(),
        Some(_) => format!("`{found}`"),
    };
    let message = format!("expected {expected_text}, found {found_text}");
    // Short lists go in the label too; a long one is said once, in the message.
    let label = if found.is_empty() {
        "the file ends here".to_string()
    } else if expected_text.len() <= 60 {
        format!("expected {expected_text}")
    } else {
        "not expected here".to_string()
    };
    if found.starts_with('"') && positives.contains(&Rule::string) {
        let line_end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
        return Diagnostic::error(
            codes::SYNTAX,
            "unterminated string: expected a closing `\"` on the same line",
            Span {
                file,
                start: offset,
                end: line_end.max(offset + 1),
            },
            "this string is not closed",
        )
        .with_help("a quoted string ends on the line it starts");
    }
    let suggestion = if found.starts_with(|c: char| c.is_ascii_alphabetic()) {
        let rule_words = positives
            .iter()
            .filter_map(|r| format!("{r:?}").strip_prefix("k_").map(str::to_string));
        let candidates: Vec<String> = keywords.into_iter().chain(rule_words).collect();
        crate::diagnostic::did_you_mean(found, candidates.iter().map(String::as_str))
            .filter(|s| s != found)
    } else {
        None
    };
    // Something missing at the end of a line is shown where it is missing, after the last
    // token, rather than on whatever starts the next line; unless the statement could have
    // ended there (then the next line is the likelier mistake).
    let could_end = statement.is_some()
        || literals.contains(&"}")
        || positives.iter().any(|r| {
            matches!(
                r,
                Rule::EOI
                    | Rule::file
                    | Rule::tariff
                    | Rule::aggregator_contract
                    | Rule::chemistry
                    | Rule::subsidy
                    | Rule::risk_sharing
            )
        });
    let insert_at = insertion_point(text, offset).filter(|&at| {
        found.is_empty()
            || (!could_end && suggestion.is_none() && !text[..at].ends_with(['{', '}']))
    });
    let mut diagnostic = match insert_at {
        Some(at) => {
            let label = if !found.is_empty() {
                label
            } else if literals.contains(&"}") {
                "expected `}`".to_string()
            } else {
                format!("expected {expected_text}")
            };
            let diagnostic = Diagnostic::error(
                codes::SYNTAX,
                message,
                Span {
                    file,
                    start: at,
                    end: at,
                },
                label,
            );
            if found.is_empty() {
                diagnostic
            } else {
                diagnostic.with_label(found_span, "found this")
            }
        }
        None => Diagnostic::error(
            codes::SYNTAX,
            message,
            Span {
                end: found_span
                    .end
                    .max(offset + usize::from(offset < text.len())),
                ..found_span
            },
            label,
        ),
    };
    if let Some(suggestion) = suggestion {
        diagnostic = diagnostic.with_help(format!("did you mean `{suggestion}`?"));
    } else if positives.contains(&Rule::comma) && found.starts_with(|c: char| c.is_ascii_digit()) {
        diagnostic = diagnostic.with_help(
            "the values of a timeline are separated by commas: `19.51 JPY/kWh from 2024-04-01, 16.56 JPY/kWh from 2025-04-01`",
        );
    } else if literals.contains(&"..") && found.starts_with('-') {
        diagnostic =
            diagnostic.with_help("ranges are written with `..`: `13:00..16:00`, `Jul..Sep`");
    } else if positives.contains(&Rule::string)
        && found.starts_with(|c: char| c.is_ascii_alphabetic())
    {
        diagnostic = diagnostic.with_help(format!("put it in double quotes: `\"{found}\"`"));
    } else if found == "contract" && tariff_level {
        diagnostic = diagnostic.with_help(
            "`contract = …` goes in a `demand { … }` block; `contract aggregator \"name\" { … }` stands on its own, outside any tariff",
        );
    } else if found == "}" && positives.contains(&Rule::EOI) {
        diagnostic = diagnostic.with_help("this `}` closes nothing: remove it");
    }
    // `contract` starts a top-level item only as `contract aggregator`.
    let after = text.get(offset + found.len()..).unwrap_or("");
    let top_level_word = matches!(found, "tariff" | "chemistry" | "subsidy")
        || (found == "contract" && after.trim_start().starts_with("aggregator"));
    if (found.is_empty() && literals.contains(&"}")) || top_level_word {
        if let Some(open) = unclosed_brace(&text[..offset]) {
            // The block is not closed: say that, not the long list of what could go on.
            diagnostic.message = if found.is_empty() {
                "expected `}`, found end of file".to_string()
            } else {
                format!("expected `}}` before the next `{found}`")
            };
            if !found.is_empty() {
                diagnostic.label = match found {
                    "tariff" => "a tariff cannot start inside another".to_string(),
                    "contract" => {
                        "a `contract aggregator` cannot start inside another block".to_string()
                    }
                    "subsidy" => "a `subsidy` cannot start inside another block".to_string(),
                    _ => "a `chemistry` cannot start inside another block".to_string(),
                };
            }
            diagnostic = diagnostic
                .with_label(
                    Span {
                        file,
                        start: open,
                        end: open + 1,
                    },
                    "this `{` is never closed",
                )
                .with_help("add the missing `}`");
        }
    }
    diagnostic
}

/// Where a missing token belongs: just after the last token before `offset`, when only white
/// space, comments and at least one line break separate them.
fn insertion_point(text: &str, offset: usize) -> Option<usize> {
    let mut end = offset.min(text.len());
    loop {
        let before = &text[..end];
        let trimmed = before.trim_end_matches([' ', '\t', '\r', '\n', ';']);
        let line_start = trimmed.rfind('\n').map_or(0, |i| i + 1);
        match comment_start(&trimmed[line_start..]) {
            Some(hash) => end = line_start + hash,
            None => {
                let crossed = text[trimmed.len()..offset.min(text.len())].contains('\n');
                return (crossed && !trimmed.is_empty()).then_some(trimmed.len());
            }
        }
    }
}

/// The byte offset of a `#` comment in one line, outside quotes.
fn comment_start(line: &str) -> Option<usize> {
    let mut quoted = false;
    for (i, c) in line.char_indices() {
        match c {
            '"' => quoted = !quoted,
            '#' if !quoted => return Some(i),
            _ => {}
        }
    }
    None
}

/// The offset of the innermost `{` that `text` opens and does not close.
fn unclosed_brace(text: &str) -> Option<usize> {
    let mut open = Vec::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let code = &line[..comment_start(line).unwrap_or(line.len())];
        let mut quoted = false;
        for (i, c) in code.char_indices() {
            match c {
                '"' => quoted = !quoted,
                '{' if !quoted => open.push(offset + i),
                '}' if !quoted => {
                    open.pop();
                }
                _ => {}
            }
        }
        offset += line.len();
    }
    open.pop()
}

/// The word (or character) at `offset`, for "found …".
fn found_token(text: &str, offset: usize) -> &str {
    let rest = text.get(offset..).unwrap_or("");
    let word_len = rest
        .char_indices()
        .find(|&(_, c)| !(c.is_alphanumeric() || matches!(c, '_' | '.' | '/' | '%' | '-' | ':')))
        .map_or(rest.len(), |(i, _)| i);
    if word_len > 0 {
        &rest[..word_len]
    } else {
        rest.chars().next().map_or("", |c| &rest[..c.len_utf8()])
    }
}

struct Walker {
    file: FileId,
}

/// Spans and texts of pairs: no assumption about their shape.
impl Walker {
    /// The span of a pair, ending at its last token (leaf): pest counts the white space skipped
    /// before an absent optional part as part of the rule, which would underline too much.
    fn span(&self, pair: &Pair<Rule>) -> Span {
        let s = pair.as_span();
        let end = pair
            .clone()
            .into_inner()
            .flatten()
            .filter(|p| p.clone().into_inner().next().is_none())
            .map(|p| p.as_span().end())
            .max()
            .unwrap_or(s.end());
        Span {
            file: self.file,
            start: s.start(),
            end,
        }
    }

    /// The text of a pair, without the white space pest counts before an absent optional part
    /// (`JPY/kW` in `JPY/kW\n`).
    fn text(&self, pair: &Pair<Rule>) -> Spanned<String> {
        let span = self.span(pair);
        let text = pair.as_str();
        Spanned {
            value: text[..(span.end - span.start).min(text.len())].to_string(),
            span,
        }
    }

    fn string(&self, pair: Pair<Rule>) -> Spanned<String> {
        let span = self.span(&pair);
        let inner = pair.into_inner().next().map_or("", |p| p.as_str());
        Spanned {
            value: inner.to_string(),
            span,
        }
    }

    /// A pair's span exactly as pest gives it (for text whose trailing spaces matter).
    fn raw_span(&self, pair: &Pair<Rule>) -> Span {
        let s = pair.as_span();
        Span {
            file: self.file,
            start: s.start(),
            end: s.end(),
        }
    }
}

// PANIC SAFETY: the walk from pest pairs to the syntax tree. It runs only on a successful
// parse, and `grammar.pest` fixes the shape of every pair it visits: which inner pairs a rule
// has, in which order, and which rules can appear where (each `expect` names the part the
// grammar guarantees; each `parts[n]` is a position the grammar fills; each `unreachable!` is
// a rule the enclosing grammar rule cannot contain). A grammar change that breaks one of these
// is caught by the tests that parse every construct (dsl/tests/language.rs, the real packages,
// the diagnostics and format suites), by the no-panic proptest over arbitrary and mutated
// input (dsl/tests/language.rs) and by the cargo-fuzz target `parse_check` (fuzz/).
#[allow(clippy::expect_used, clippy::indexing_slicing, clippy::unreachable)]
impl Walker {
    fn tariff(&self, pair: Pair<Rule>) -> TariffDecl {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        inner.next(); // keyword
        let name = self.string(inner.next().expect("tariff has a name"));
        let items = inner.map(|p| self.item(p)).collect();
        TariffDecl { name, span, items }
    }

    fn contract(&self, pair: Pair<Rule>) -> ContractDecl {
        let span = self.span(&pair);
        let mut inner = pair
            .into_inner()
            .skip_while(|p| p.as_rule() != Rule::string);
        let name = self.string(inner.next().expect("contract has a name"));
        let items = inner.map(|p| self.contract_item(p)).collect();
        ContractDecl { name, span, items }
    }

    /// The span of a statement's leading keywords (`minimum bid`, `cycle life`).
    fn keywords_span(&self, pair: &Pair<Rule>) -> Span {
        let span = self.span(pair);
        let end = pair
            .clone()
            .into_inner()
            .take_while(|p| format!("{:?}", p.as_rule()).starts_with("k_"))
            .map(|p| self.span(&p).end)
            .last()
            .unwrap_or(span.end);
        Span { end, ..span }
    }

    fn contract_item(&self, pair: Pair<Rule>) -> ContractItem {
        let span = self.span(&pair);
        let keyword = self.keywords_span(&pair);
        let rule = pair.as_rule();
        let parts: Vec<Pair<Rule>> = pair.into_inner().collect();
        let quantity = || {
            parts
                .iter()
                .find(|p| p.as_rule() == Rule::quantity)
                .map(|q| self.quantity(q.clone()))
                .expect("statement quantity")
        };
        let kind = match rule {
            Rule::markets_item => ContractItemKind::Markets(
                parts
                    .iter()
                    .filter(|p| p.as_rule() == Rule::market_name)
                    .map(|p| self.text(p))
                    .collect(),
            ),
            Rule::minimum_bid_item => ContractItemKind::MinimumBid(quantity()),
            Rule::minimum_soc_item => ContractItemKind::MinimumSoc(quantity()),
            Rule::share_item => ContractItemKind::Share(
                parts
                    .iter()
                    .filter(|p| p.as_rule() == Rule::share_part)
                    .map(|part| {
                        let mut it = part.clone().into_inner();
                        let who = it.next().expect("share party");
                        let party = if who.as_rule() == Rule::k_fleet {
                            ShareParty::Fleet
                        } else {
                            ShareParty::Aggregator
                        };
                        let share = self.quantity(it.next().expect("share"));
                        (
                            Spanned {
                                value: party,
                                span: self.span(&who),
                            },
                            share,
                        )
                    })
                    .collect(),
            ),
            Rule::fee_item => ContractItemKind::Fee {
                amount: quantity(),
                per_vehicle_month: parts
                    .iter()
                    .find(|p| p.as_rule() == Rule::per_vehicle)
                    .map(|p| self.span(p)),
            },
            Rule::max_cycles_item => ContractItemKind::MaxCycles(
                parts
                    .iter()
                    .find(|p| p.as_rule() == Rule::number)
                    .map(|p| self.text(p))
                    .expect("cycles"),
            ),
            Rule::penalty_item => ContractItemKind::Penalty(quantity()),
            Rule::unknown_aggregator_item => {
                ContractItemKind::Unknown(self.text(parts.first().expect("unknown word")))
            }
            other => unreachable!("grammar rule {other:?} is not a contract item"),
        };
        ContractItem {
            kind,
            keyword,
            span,
        }
    }

    fn risk_sharing(&self, pair: Pair<Rule>) -> SharingDecl {
        let span = self.span(&pair);
        let mut inner = pair
            .into_inner()
            .skip_while(|p| p.as_rule() != Rule::string);
        let name = self.string(inner.next().expect("risk_sharing has a name"));
        let items = inner.map(|p| self.sharing_item(p)).collect();
        SharingDecl { name, span, items }
    }

    fn flow(&self, pair: Pair<Rule>) -> Flow {
        let mut parties = pair.into_inner().filter(|p| p.as_rule() == Rule::party);
        Flow {
            from: self.text(&parties.next().expect("payer")),
            to: self.text(&parties.next().expect("payee")),
        }
    }

    /// The amount of a statement: its first quantity and an optional `per vehicle per month`.
    fn sharing_amount(&self, parts: &[Pair<Rule>]) -> SharingAmount {
        SharingAmount {
            quantity: self.quantity(
                parts
                    .iter()
                    .find(|p| p.as_rule() == Rule::quantity)
                    .cloned()
                    .expect("amount"),
            ),
            per_vehicle_month: parts
                .iter()
                .find(|p| p.as_rule() == Rule::per_vehicle)
                .map(|p| self.span(p)),
        }
    }

    fn party_shares(&self, parts: &[Pair<Rule>]) -> Vec<(Spanned<String>, Quantity)> {
        parts
            .iter()
            .filter(|p| p.as_rule() == Rule::revenue_part)
            .map(|part| {
                let mut it = part.clone().into_inner();
                let party = self.text(&it.next().expect("party"));
                (party, self.quantity(it.next().expect("share")))
            })
            .collect()
    }

    fn sharing_item(&self, pair: Pair<Rule>) -> SharingItem {
        let span = self.span(&pair);
        let keyword = self.keywords_span(&pair);
        let rule = pair.as_rule();
        let parts: Vec<Pair<Rule>> = pair.into_inner().collect();
        let find = |rule: Rule| parts.iter().find(|p| p.as_rule() == rule).cloned();
        let quantities: Vec<Quantity> = parts
            .iter()
            .filter(|p| p.as_rule() == Rule::quantity)
            .map(|q| self.quantity(q.clone()))
            .collect();
        let flow = || self.flow(find(Rule::flow).expect("flow"));
        let kind = match rule {
            Rule::parties_item => SharingItemKind::Parties(
                parts
                    .iter()
                    .filter(|p| p.as_rule() == Rule::party)
                    .map(|p| self.text(p))
                    .collect(),
            ),
            Rule::owner_item => {
                SharingItemKind::Owner(self.text(&find(Rule::party).expect("owner")))
            }
            Rule::revenue_item => SharingItemKind::Revenue(self.party_shares(&parts)),
            Rule::sharing_fee_item => SharingItemKind::Fee {
                amount: self.sharing_amount(&parts),
                flow: flow(),
            },
            Rule::floor_item => SharingItemKind::Floor {
                amount: self.sharing_amount(&parts),
                flow: flow(),
            },
            Rule::cap_item => SharingItemKind::Cap {
                amount: self.sharing_amount(&parts),
                flow: flow(),
            },
            Rule::above_item => SharingItemKind::Above {
                threshold: self.sharing_amount(&parts),
                share: quantities[1].clone(),
                flow: flow(),
            },
            Rule::cover_item => SharingItemKind::Cover {
                share: quantities[0].clone(),
                beyond: quantities[1].clone(),
                flow: flow(),
                cap: find(Rule::cover_cap).map(|cap| {
                    self.quantity(
                        cap.into_inner()
                            .find(|p| p.as_rule() == Rule::quantity)
                            .expect("cap amount"),
                    )
                }),
            },
            Rule::insurance_item => SharingItemKind::Insurance {
                flow: flow(),
                clauses: parts
                    .iter()
                    .filter(|p| p.as_rule() != Rule::flow && p.as_rule() != Rule::k_insurance)
                    .map(|clause| {
                        let clause_span = self.span(clause);
                        let clause_rule = clause.as_rule();
                        let inner: Vec<Pair<Rule>> = clause.clone().into_inner().collect();
                        let value = match clause_rule {
                            Rule::premium_clause => {
                                InsuranceClause::Premium(self.sharing_amount(&inner))
                            }
                            Rule::deductible_clause => {
                                InsuranceClause::Deductible(self.quantity(inner[1].clone()))
                            }
                            Rule::limit_clause => {
                                InsuranceClause::Limit(self.quantity(inner[1].clone()))
                            }
                            Rule::trigger_clause => {
                                let word = inner[1].clone().into_inner().next().expect("trigger");
                                InsuranceClause::Trigger(Spanned {
                                    value: word.as_rule() == Rule::k_loss,
                                    span: self.span(&word),
                                })
                            }
                            other => {
                                unreachable!("grammar rule {other:?} is not an insurance clause")
                            }
                        };
                        Spanned {
                            value,
                            span: clause_span,
                        }
                    })
                    .collect(),
            },
            Rule::payment_item => {
                let period = find(Rule::payment_period).expect("period");
                let word = period.clone().into_inner().next().expect("period word");
                SharingItemKind::Payment {
                    period: Spanned {
                        value: match word.as_rule() {
                            Rule::k_monthly => PaymentWord::Monthly,
                            Rule::k_quarterly => PaymentWord::Quarterly,
                            _ => PaymentWord::Yearly,
                        },
                        span: self.span(&period),
                    },
                    lag: quantities.first().cloned(),
                }
            }
            Rule::wear_item => {
                let clause = find(Rule::plugin_clause).expect("plugin clause");
                let mut strings = clause.into_inner().filter(|p| p.as_rule() == Rule::string);
                SharingItemKind::WearPlugin {
                    file: self.string(strings.next().expect("module path")),
                    export: self.string(strings.next().expect("export name")),
                }
            }
            Rule::free_item => {
                let target = find(Rule::free_target).expect("target");
                let target_span = self.span(&target);
                let inner: Vec<Pair<Rule>> = target.into_inner().collect();
                let value = match inner[0].as_rule() {
                    Rule::k_revenue => FreeTargetWord::Revenue(self.text(&inner[1])),
                    Rule::k_floor => FreeTargetWord::Floor,
                    Rule::k_cap => FreeTargetWord::Cap,
                    Rule::k_cover => FreeTargetWord::Cover,
                    Rule::k_premium => FreeTargetWord::Premium,
                    _ => FreeTargetWord::Above,
                };
                let numbers: Vec<Spanned<String>> = parts
                    .iter()
                    .filter(|p| p.as_rule() == Rule::number)
                    .map(|p| self.text(p))
                    .collect();
                SharingItemKind::Free {
                    target: Spanned {
                        value,
                        span: target_span,
                    },
                    from: numbers[0].clone(),
                    to: numbers[1].clone(),
                    step: numbers[2].clone(),
                }
            }
            Rule::var_item => SharingItemKind::VarLimit {
                confidence: quantities[0].clone(),
                limits: self.party_shares(&parts),
            },
            Rule::unknown_sharing_item => {
                SharingItemKind::Unknown(self.text(parts.first().expect("unknown word")))
            }
            other => unreachable!("grammar rule {other:?} is not a risk-sharing item"),
        };
        SharingItem {
            kind,
            keyword,
            span,
        }
    }

    fn subsidy(&self, pair: Pair<Rule>) -> SubsidyDecl {
        let span = self.span(&pair);
        let mut inner = pair
            .into_inner()
            .skip_while(|p| p.as_rule() != Rule::string);
        let name = self.string(inner.next().expect("subsidy has a name"));
        let items = inner.map(|p| self.subsidy_item(p)).collect();
        SubsidyDecl { name, span, items }
    }

    fn subsidy_item(&self, pair: Pair<Rule>) -> SubsidyItem {
        let span = self.span(&pair);
        let keyword = self.keywords_span(&pair);
        let rule = pair.as_rule();
        let parts: Vec<Pair<Rule>> = pair.into_inner().collect();
        let find = |rule: Rule| parts.iter().find(|p| p.as_rule() == rule).cloned();
        let kind = match rule {
            Rule::programme_item => {
                let level = find(Rule::programme_level).expect("level");
                let word = level.into_inner().next().expect("level word");
                SubsidyItemKind::Programme {
                    name: self.string(find(Rule::string).expect("programme name")),
                    level: Spanned {
                        value: if word.as_rule() == Rule::k_national {
                            LevelWord::National
                        } else {
                            LevelWord::Local
                        },
                        span: self.span(&word),
                    },
                }
            }
            Rule::applies_item => {
                let class = find(Rule::item_class).expect("item class");
                let word = class.into_inner().next().expect("item word");
                let value = match word.as_rule() {
                    Rule::k_vehicle => ItemClass::Vehicle,
                    Rule::k_charger => ItemClass::Charger,
                    Rule::k_battery => ItemClass::Battery,
                    _ => ItemClass::Pv,
                };
                SubsidyItemKind::AppliesTo {
                    item: Spanned {
                        value,
                        span: self.span(&word),
                    },
                    condition: find(Rule::condition).map(|c| self.condition(c)),
                }
            }
            Rule::amount_item => {
                SubsidyItemKind::Amount(self.money_expr(find(Rule::money_expr).expect("amount")))
            }
            Rule::window_item => {
                let mut dates = parts.iter().filter(|p| p.as_rule() == Rule::date);
                SubsidyItemKind::Window {
                    start: self.text(dates.next().expect("start")),
                    end: self.text(dates.next().expect("end")),
                }
            }
            Rule::excludes_item => SubsidyItemKind::Excludes(
                parts
                    .iter()
                    .filter(|p| p.as_rule() == Rule::string)
                    .map(|p| self.string(p.clone()))
                    .collect(),
            ),
            Rule::round_clause => {
                SubsidyItemKind::Round(self.rounding(find(Rule::rounding).expect("rounding")))
            }
            Rule::unknown_subsidy_item => {
                SubsidyItemKind::Unknown(self.text(parts.first().expect("unknown word")))
            }
            other => unreachable!("grammar rule {other:?} is not a subsidy item"),
        };
        SubsidyItem {
            kind,
            keyword,
            span,
        }
    }

    /// `condition`, `cond_and` and `cond_not` pairs (one alternative alone stays itself).
    fn condition(&self, pair: Pair<Rule>) -> Condition {
        let span = self.span(&pair);
        let rule = pair.as_rule();
        let parts: Vec<Pair<Rule>> = pair
            .into_inner()
            .filter(|p| !matches!(p.as_rule(), Rule::k_or | Rule::k_and))
            .collect();
        match rule {
            Rule::condition | Rule::cond_and => {
                let mut terms: Vec<Condition> =
                    parts.into_iter().map(|p| self.condition(p)).collect();
                if terms.len() == 1 {
                    terms.pop().expect("one term")
                } else if rule == Rule::condition {
                    Condition::Any(terms, span)
                } else {
                    Condition::All(terms, span)
                }
            }
            Rule::cond_not => {
                let first = parts.first().cloned().expect("condition");
                if first.as_rule() == Rule::k_not {
                    let inner = parts.get(1).cloned().expect("negated condition");
                    Condition::Not(Box::new(self.condition(inner)), span)
                } else {
                    self.condition(first)
                }
            }
            Rule::cond_group => self.condition(parts.first().cloned().expect("grouped")),
            Rule::flag_test => Condition::Flag(self.text(parts.first().expect("attribute"))),
            Rule::comparison => {
                let attribute = self.text(&parts[0]);
                let op_text = parts[1].as_str();
                let op = match op_text {
                    "==" => CompareWord::Equal,
                    "!=" => CompareWord::NotEqual,
                    "<" => CompareWord::Less,
                    "<=" => CompareWord::LessOrEqual,
                    ">" => CompareWord::Greater,
                    _ => CompareWord::GreaterOrEqual,
                };
                let value = parts[2].clone().into_inner().next().expect("value");
                let value = match value.as_rule() {
                    Rule::quantity => ConditionValue::Quantity(self.quantity(value)),
                    Rule::number => ConditionValue::Number(self.text(&value)),
                    Rule::string => ConditionValue::Text(self.string(value)),
                    other => ConditionValue::Flag(Spanned {
                        value: other == Rule::k_true,
                        span: self.span(&value),
                    }),
                };
                Condition::Compare {
                    attribute,
                    op: Spanned {
                        value: op,
                        span: self.span(&parts[1]),
                    },
                    value,
                }
            }
            other => unreachable!("grammar rule {other:?} is not a condition"),
        }
    }

    /// `money_expr`, `money_term` and the factors.
    fn money_expr(&self, pair: Pair<Rule>) -> MoneyExpr {
        // A call or a group ends with its `)`, which is no token of its own.
        let span = if matches!(pair.as_rule(), Rule::call | Rule::money_group) {
            self.raw_span(&pair)
        } else {
            self.span(&pair)
        };
        let rule = pair.as_rule();
        match rule {
            Rule::money_expr | Rule::money_term => {
                let mut parts = pair.into_inner();
                let mut left = self.money_expr(parts.next().expect("operand"));
                while let Some(op) = parts.next() {
                    let right = self.money_expr(parts.next().expect("right operand"));
                    let value = match op.as_str() {
                        "+" => MoneyOp::Add,
                        "-" => MoneyOp::Subtract,
                        _ => MoneyOp::Multiply,
                    };
                    let span = Span {
                        end: right.span.end,
                        ..left.span
                    };
                    left = MoneyExpr {
                        kind: MoneyExprKind::Binary {
                            op: Spanned {
                                value,
                                span: self.span(&op),
                            },
                            left: Box::new(left),
                            right: Box::new(right),
                        },
                        span,
                    };
                }
                left
            }
            Rule::call => {
                let mut parts = pair.into_inner();
                let name = parts.next().expect("function");
                let function = Spanned {
                    value: if name.as_rule() == Rule::k_min {
                        MoneyFunction::Min
                    } else {
                        MoneyFunction::Max
                    },
                    span: self.span(&name),
                };
                let arguments = parts.map(|p| self.money_expr(p)).collect();
                MoneyExpr {
                    kind: MoneyExprKind::Call {
                        function,
                        arguments,
                    },
                    span,
                }
            }
            Rule::share_of => {
                let mut parts = pair.into_inner();
                let share = parts.next().expect("share");
                let share = if share.as_rule() == Rule::fraction {
                    Share::Fraction(self.text(&share))
                } else {
                    Share::Percent(self.quantity(share))
                };
                parts.next(); // `of`
                let of = self.money_expr(parts.next().expect("of what"));
                MoneyExpr {
                    kind: MoneyExprKind::ShareOf {
                        share,
                        of: Box::new(of),
                    },
                    span,
                }
            }
            Rule::money_group => {
                let inner = self.money_expr(pair.into_inner().next().expect("grouped"));
                MoneyExpr { span, ..inner }
            }
            Rule::quantity => MoneyExpr {
                kind: MoneyExprKind::Quantity(self.quantity(pair)),
                span,
            },
            Rule::number => MoneyExpr {
                kind: MoneyExprKind::Number(self.text(&pair)),
                span,
            },
            Rule::attribute => MoneyExpr {
                kind: MoneyExprKind::Attribute(self.text(&pair)),
                span,
            },
            other => unreachable!("grammar rule {other:?} is not an amount"),
        }
    }

    fn chemistry(&self, pair: Pair<Rule>) -> ChemistryDecl {
        let span = self.span(&pair);
        let mut inner = pair
            .into_inner()
            .skip_while(|p| p.as_rule() != Rule::string);
        let name = self.string(inner.next().expect("chemistry has a name"));
        let items = inner.map(|p| self.chemistry_item(p)).collect();
        ChemistryDecl { name, span, items }
    }

    fn chemistry_item(&self, pair: Pair<Rule>) -> ChemistryItem {
        let span = self.span(&pair);
        let keyword = self.keywords_span(&pair);
        let rule = pair.as_rule();
        let parts: Vec<Pair<Rule>> = pair.into_inner().collect();
        let mut quantities = parts
            .iter()
            .filter(|p| p.as_rule() == Rule::quantity)
            .map(|q| self.quantity(q.clone()));
        let kind = match rule {
            Rule::based_on_item => ChemistryItemKind::BasedOn(
                self.string(
                    parts
                        .iter()
                        .find(|p| p.as_rule() == Rule::string)
                        .cloned()
                        .expect("preset name"),
                ),
            ),
            Rule::cycle_life_item => ChemistryItemKind::CycleLife(
                parts
                    .iter()
                    .filter(|p| p.as_rule() == Rule::cycle_point)
                    .map(|point| {
                        let point_span = self.span(point);
                        let inner: Vec<Pair<Rule>> = point.clone().into_inner().collect();
                        let cycles = inner
                            .iter()
                            .find(|p| p.as_rule() == Rule::number)
                            .map(|p| self.text(p))
                            .expect("cycles");
                        let depth = inner
                            .iter()
                            .find(|p| p.as_rule() == Rule::quantity)
                            .map(|q| self.quantity(q.clone()))
                            .expect("depth of discharge");
                        CyclePoint {
                            cycles,
                            depth_of_discharge: depth,
                            span: point_span,
                        }
                    })
                    .collect(),
            ),
            Rule::end_of_life_item => {
                ChemistryItemKind::EndOfLife(quantities.next().expect("capacity"))
            }
            Rule::calendar_loss_item => ChemistryItemKind::CalendarLoss {
                loss: quantities.next().expect("loss"),
                after: quantities.next().expect("time"),
            },
            Rule::calendar_exponent_item => ChemistryItemKind::CalendarExponent(
                parts
                    .iter()
                    .find(|p| p.as_rule() == Rule::number)
                    .map(|p| self.text(p))
                    .expect("exponent"),
            ),
            Rule::replacement_cost_item => {
                ChemistryItemKind::ReplacementCost(quantities.next().expect("cost"))
            }
            Rule::unknown_chemistry_item => {
                ChemistryItemKind::Unknown(self.text(parts.first().expect("unknown word")))
            }
            other => unreachable!("grammar rule {other:?} is not a chemistry item"),
        };
        ChemistryItem {
            kind,
            keyword,
            span,
        }
    }

    fn item(&self, pair: Pair<Rule>) -> Item {
        let span = self.span(&pair);
        let rule = pair.as_rule();
        let mut inner = pair.into_inner().peekable();
        let keyword = inner.peek().map_or(span, |p| self.span(p));
        let kind = match rule {
            Rule::unknown_item => {
                let word = inner.next().expect("unknown item starts with a word");
                ItemKind::Unknown(self.text(&word))
            }
            _ => {
                inner.next(); // the keyword
                let rest: Vec<Pair<Rule>> = inner.collect();
                self.item_kind(rule, rest, span)
            }
        };
        Item {
            kind,
            keyword,
            span,
        }
    }

    fn item_kind(&self, rule: Rule, rest: Vec<Pair<Rule>>, span: Span) -> ItemKind {
        let mut it = rest.into_iter();
        match rule {
            Rule::currency_item => {
                ItemKind::Currency(self.text(&it.next().expect("currency name")))
            }
            Rule::calendar_item => {
                let name = self.text(&it.next().expect("calendar name"));
                let (mut add, mut remove) = (Vec::new(), Vec::new());
                if let Some(body) = it.next() {
                    for entry in body.into_inner() {
                        let mut parts = entry.into_inner();
                        let verb = parts.next().expect("add or remove");
                        let dates = parts.map(|d| self.text(&d));
                        if verb.as_rule() == Rule::k_add {
                            add.extend(dates);
                        } else {
                            remove.extend(dates);
                        }
                    }
                }
                ItemKind::Calendar { name, add, remove }
            }
            Rule::timezone_item => ItemKind::TimeZone(self.string(it.next().expect("zone"))),
            Rule::interval_item => ItemKind::Interval(self.quantity(it.next().expect("quantity"))),
            Rule::season_item => {
                let name = self.text(&it.next().expect("season name"));
                let first = it.next().expect("season body");
                let ranges = if first.as_rule() == Rule::k_otherwise {
                    None
                } else {
                    Some(
                        std::iter::once(first)
                            .chain(it)
                            .map(|range| {
                                let mut points = range.into_inner();
                                let a = self.season_point(points.next().expect("start"));
                                let b = self.season_point(points.next().expect("end"));
                                (a, b)
                            })
                            .collect(),
                    )
                };
                ItemKind::Season { name, ranges }
            }
            Rule::periods_block => ItemKind::Periods(it.map(|p| self.period_def(p)).collect()),
            Rule::demand_block => ItemKind::Demand(it.map(|p| self.demand_item(p)).collect()),
            Rule::energy_item => {
                let body = it.next().expect("energy body");
                let mut rounding = None;
                let body = match body.as_rule() {
                    Rule::timeline => {
                        rounding = it.next().map(|r| self.round_clause(r));
                        EnergyBody::Flat(self.timeline(body))
                    }
                    Rule::energy_keyed => {
                        let mut keyed = Vec::new();
                        for entry in body.into_inner() {
                            if entry.as_rule() == Rule::round_clause {
                                rounding = Some(self.round_clause(entry));
                            } else {
                                let mut parts = entry.into_inner();
                                let key = self.text(&parts.next().expect("key"));
                                keyed.push((key, self.timeline(parts.next().expect("rate"))));
                            }
                        }
                        EnergyBody::Keyed(keyed)
                    }
                    _ => {
                        let mut tiers = Vec::new();
                        for entry in body.into_inner().skip(1) {
                            if entry.as_rule() == Rule::round_clause {
                                rounding = Some(self.round_clause(entry));
                                continue;
                            }
                            let tier_span = self.span(&entry);
                            let parts: Vec<Pair<Rule>> = entry.into_inner().collect();
                            let limit = parts
                                .iter()
                                .find(|p| p.as_rule() == Rule::quantity)
                                .map(|q| self.quantity(q.clone()));
                            let rate = parts
                                .into_iter()
                                .find(|p| p.as_rule() == Rule::timeline)
                                .expect("tier rate");
                            tiers.push((limit, self.timeline(rate), tier_span));
                        }
                        EnergyBody::Tiers(tiers)
                    }
                };
                ItemKind::Energy { body, rounding }
            }
            Rule::adjustment_item => {
                let name = self.text(&it.next().expect("adjustment name"));
                let clauses = it.map(|c| self.adjustment_clause(c)).collect();
                ItemKind::Adjustment { name, clauses }
            }
            Rule::surcharge_item => {
                let name = self.text(&it.next().expect("surcharge name"));
                let rate = self.timeline(it.next().expect("surcharge rate"));
                let rounding = it.next().map(|r| self.round_clause(r));
                ItemKind::Surcharge {
                    name,
                    rate,
                    rounding,
                }
            }
            Rule::fixed_item => {
                let name = self.text(&it.next().expect("fixed name"));
                ItemKind::Fixed {
                    name,
                    amount: self.timeline(it.next().expect("amount")),
                }
            }
            Rule::minimum_item => ItemKind::Minimum(self.timeline(it.next().expect("amount"))),
            Rule::tax_item => {
                let name = self.text(&it.next().expect("tax name"));
                let rate = self.quantity(it.next().expect("rate"));
                let included = it.next().is_some_and(|p| p.as_rule() == Rule::k_included);
                ItemKind::Tax {
                    name,
                    rate,
                    included,
                }
            }
            Rule::round_item => {
                let target = it.next().expect("round target");
                let target = if target.as_rule() == Rule::each_line {
                    RoundTarget::EachLine
                } else {
                    RoundTarget::Total
                };
                ItemKind::Round(target, self.rounding(it.next().expect("rounding")))
            }
            Rule::computed_item => {
                let name = self.text(&it.next().expect("computed name"));
                let clauses = it.map(|c| self.computed_clause(c)).collect();
                ItemKind::Computed { name, clauses }
            }
            other => unreachable!("grammar rule {other:?} is not a tariff item (at {span:?})"),
        }
    }

    fn season_point(&self, pair: Pair<Rule>) -> SeasonPoint {
        let inner = pair.into_inner().next().expect("season point");
        if inner.as_rule() == Rule::month_day {
            SeasonPoint::MonthDay(self.text(&inner))
        } else {
            SeasonPoint::Month(self.text(&inner))
        }
    }

    fn period_def(&self, pair: Pair<Rule>) -> PeriodDef {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        let name = self.text(&inner.next().expect("period name"));
        let body = inner.next().expect("period body");
        if body.as_rule() == Rule::k_otherwise {
            return PeriodDef {
                name,
                clauses: vec![],
                except: vec![],
                otherwise: true,
                span,
            };
        }
        let mut clauses = Vec::new();
        let mut except = Vec::new();
        for part in body.into_inner() {
            match part.as_rule() {
                Rule::period_clause => clauses.push(self.period_clause(part)),
                Rule::except => except.extend(part.into_inner().skip(1).map(|p| self.text(&p))),
                _ => {}
            }
        }
        PeriodDef {
            name,
            clauses,
            except,
            otherwise: false,
            span,
        }
    }

    fn period_clause(&self, pair: Pair<Rule>) -> PeriodClause {
        let span = self.span(&pair);
        let mut clause = PeriodClause {
            days: vec![],
            times: vec![],
            seasons: vec![],
            span,
        };
        for part in pair.into_inner() {
            match part.as_rule() {
                Rule::day_set => {
                    let word = part.into_inner().next().expect("day word");
                    let value = match word.as_rule() {
                        Rule::k_weekdays => DayWord::Weekdays,
                        Rule::k_weekends => DayWord::Weekends,
                        Rule::k_saturdays => DayWord::Saturdays,
                        Rule::k_sundays => DayWord::Sundays,
                        Rule::k_holidays => DayWord::Holidays,
                        _ => DayWord::EveryDay,
                    };
                    clause.days.push(Spanned {
                        value,
                        span: self.span(&word),
                    });
                }
                Rule::time_ranges => {
                    for range in part.into_inner() {
                        let mut ends = range.into_inner();
                        let a = self.text(&ends.next().expect("start"));
                        let b = self.text(&ends.next().expect("end"));
                        clause.times.push((a, b));
                    }
                }
                Rule::in_seasons => clause
                    .seasons
                    .extend(part.into_inner().skip(1).map(|p| self.text(&p))),
                _ => {}
            }
        }
        clause
    }

    fn demand_item(&self, pair: Pair<Rule>) -> Spanned<DemandItem> {
        let span = self.span(&pair);
        let rule = pair.as_rule();
        let mut it = pair.into_inner();
        let value = match rule {
            Rule::unknown_item | Rule::unknown_demand_item => {
                DemandItem::Unknown(self.text(&it.next().expect("word")))
            }
            Rule::round_clause => {
                it.next();
                DemandItem::Round(self.rounding(it.next().expect("rounding")))
            }
            _ => {
                it.next(); // keyword
                match rule {
                    Rule::interval_item => {
                        DemandItem::Interval(self.quantity(it.next().expect("q")))
                    }
                    Rule::contract_item => {
                        let spec = it.next().expect("contract spec");
                        DemandItem::Contract(match spec.as_rule() {
                            Rule::ratchet => {
                                let q = spec
                                    .into_inner()
                                    .find(|p| p.as_rule() == Rule::quantity)
                                    .expect("months");
                                ContractSpec::Ratchet(self.quantity(q))
                            }
                            Rule::monthly_peak => ContractSpec::MonthlyPeak,
                            _ => ContractSpec::Agreed,
                        })
                    }
                    Rule::charge_item => DemandItem::Charge(self.timeline(it.next().expect("t"))),
                    Rule::power_factor_item => {
                        let quantities: Vec<Quantity> = it
                            .filter(|p| p.as_rule() == Rule::quantity)
                            .map(|p| self.quantity(p))
                            .collect();
                        let mut q = quantities.into_iter();
                        DemandItem::PowerFactor {
                            base: q.next().expect("base"),
                            step: q.next().expect("step"),
                        }
                    }
                    Rule::waived_item => {
                        let date = it.find(|p| p.as_rule() == Rule::date).expect("date");
                        DemandItem::Waived(self.text(&date))
                    }
                    Rule::phase_in_item => {
                        let t = it
                            .find(|p| p.as_rule() == Rule::timeline)
                            .expect("timeline");
                        DemandItem::PhaseIn(self.timeline(t))
                    }
                    Rule::subscription_item => {
                        let parts: Vec<Pair<Rule>> = it.collect();
                        let block = parts
                            .iter()
                            .find(|p| p.as_rule() == Rule::quantity)
                            .expect("block");
                        let price = parts
                            .iter()
                            .find(|p| p.as_rule() == Rule::timeline)
                            .expect("price");
                        DemandItem::Subscription {
                            block: self.quantity(block.clone()),
                            price: self.timeline(price.clone()),
                        }
                    }
                    Rule::overage_item => DemandItem::Overage(self.timeline(it.next().expect("t"))),
                    other => unreachable!("grammar rule {other:?} is not a demand item"),
                }
            }
        };
        Spanned { value, span }
    }

    fn adjustment_clause(&self, pair: Pair<Rule>) -> Spanned<AdjustmentClause> {
        let span = self.span(&pair);
        let rule = pair.as_rule();
        let parts: Vec<Pair<Rule>> = pair.into_inner().collect();
        let quantity = || {
            parts
                .iter()
                .find(|p| p.as_rule() == Rule::quantity)
                .map(|q| self.quantity(q.clone()))
                .expect("clause quantity")
        };
        let value = match rule {
            Rule::index_clause => AdjustmentClause::Index(self.string(parts[1].clone())),
            Rule::lag_clause => AdjustmentClause::Lag(quantity()),
            Rule::average_clause => AdjustmentClause::Average(quantity()),
            Rule::reflect_clause => {
                let baseline = parts
                    .iter()
                    .find(|p| p.as_rule() == Rule::timeline)
                    .map(|t| self.timeline(t.clone()));
                AdjustmentClause::Reflect(quantity(), baseline)
            }
            Rule::per_interval => AdjustmentClause::PerInterval,
            Rule::unit_round => AdjustmentClause::UnitRound(self.rounding(parts[2].clone())),
            Rule::round_clause => AdjustmentClause::Round(self.rounding(parts[1].clone())),
            other => unreachable!("grammar rule {other:?} is not an adjustment clause"),
        };
        Spanned { value, span }
    }

    fn computed_clause(&self, pair: Pair<Rule>) -> Spanned<ComputedClause> {
        let span = self.span(&pair);
        let rule = pair.as_rule();
        let parts: Vec<Pair<Rule>> = pair.into_inner().collect();
        let value = match rule {
            Rule::script_clause => {
                let body = parts.last().cloned().expect("script body");
                let inline = body.as_rule() == Rule::long_string;
                let text = if inline {
                    let code = body.into_inner().next().expect("long string text");
                    Spanned {
                        value: code.as_str().to_string(),
                        span: self.raw_span(&code),
                    }
                } else {
                    self.string(body)
                };
                ComputedClause::Script { text, inline }
            }
            Rule::plugin_clause => {
                let strings: Vec<Pair<Rule>> = parts
                    .into_iter()
                    .filter(|p| p.as_rule() == Rule::string)
                    .collect();
                let mut strings = strings.into_iter();
                ComputedClause::Plugin {
                    file: self.string(strings.next().expect("module path")),
                    export: self.string(strings.next().expect("export name")),
                }
            }
            Rule::computed_index => {
                let name = self.string(parts[1].clone());
                let lag = parts
                    .iter()
                    .find(|p| p.as_rule() == Rule::lag_clause)
                    .and_then(|l| {
                        l.clone()
                            .into_inner()
                            .find(|p| p.as_rule() == Rule::quantity)
                    })
                    .map(|q| self.quantity(q));
                ComputedClause::Index { name, lag }
            }
            Rule::returns_clause => {
                let unit = parts
                    .into_iter()
                    .find(|p| p.as_rule() == Rule::unit)
                    .expect("unit");
                ComputedClause::Returns(self.bare_unit(unit))
            }
            Rule::round_clause => ComputedClause::Round(self.rounding(parts[1].clone())),
            _ => ComputedClause::Unknown(self.text(&parts[0])),
        };
        Spanned { value, span }
    }

    fn round_clause(&self, pair: Pair<Rule>) -> RoundingSpec {
        let rounding = pair
            .into_inner()
            .find(|p| p.as_rule() == Rule::rounding)
            .expect("round clause has a rounding");
        self.rounding(rounding)
    }

    fn rounding(&self, pair: Pair<Rule>) -> RoundingSpec {
        let span = self.span(&pair);
        let mut it = pair.into_inner();
        let mode = it
            .next()
            .expect("mode")
            .into_inner()
            .next()
            .expect("mode word");
        let mode = match mode.as_rule() {
            Rule::k_down => RoundMode::Down,
            Rule::k_up => RoundMode::Up,
            _ => RoundMode::Nearest,
        };
        it.next(); // `to`
        let step = self.quantity(it.next().expect("step"));
        RoundingSpec { mode, step, span }
    }

    fn timeline(&self, pair: Pair<Rule>) -> Timeline {
        let span = self.span(&pair);
        let mut steps = Vec::new();
        let mut until = None;
        for part in pair.into_inner() {
            match part.as_rule() {
                Rule::timed => {
                    let mut inner = part.into_inner();
                    let quantity = self.quantity(inner.next().expect("value"));
                    let from = inner.next().map(|f| {
                        let date = f.into_inner().nth(1).expect("date");
                        self.text(&date)
                    });
                    steps.push(Timed { quantity, from });
                }
                Rule::until => {
                    let date = part.into_inner().nth(1).expect("date");
                    until = Some(self.text(&date));
                }
                _ => {}
            }
        }
        Timeline { steps, until, span }
    }

    fn quantity(&self, pair: Pair<Rule>) -> Quantity {
        let span = self.span(&pair);
        let mut it = pair.into_inner();
        let number = self.text(&it.next().expect("number"));
        let (unit, unit_text) = self.unit_atoms(it.next().expect("unit"));
        Quantity {
            number,
            unit,
            unit_text,
            span,
        }
    }

    /// A unit standing alone (`returns JPY/kWh`), as a quantity of 1 for the unit reader.
    fn bare_unit(&self, pair: Pair<Rule>) -> Quantity {
        let span = self.span(&pair);
        let (unit, unit_text) = self.unit_atoms(pair);
        Quantity {
            number: Spanned {
                value: "1".to_string(),
                span,
            },
            unit,
            unit_text,
            span,
        }
    }

    fn unit_atoms(&self, unit_pair: Pair<Rule>) -> (Vec<Spanned<String>>, Spanned<String>) {
        let unit_text = self.text(&unit_pair);
        let mut unit = Vec::new();
        for part in unit_pair.into_inner() {
            match part.as_rule() {
                Rule::unit_path => {
                    let base = self.span(&part).start;
                    let mut offset = 0;
                    for atom in part.as_str().split('/') {
                        unit.push(Spanned {
                            value: atom.to_string(),
                            span: Span {
                                file: self.file,
                                start: base + offset,
                                end: base + offset + atom.len(),
                            },
                        });
                        offset += atom.len() + 1;
                    }
                }
                Rule::per_unit => {
                    let atom = part.into_inner().nth(1).expect("per atom");
                    unit.push(self.text(&atom));
                }
                _ => {}
            }
        }
        (unit, unit_text)
    }
}
