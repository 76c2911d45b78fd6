//! `voltlex fmt`: the canonical layout, comments kept, and formatting never changes what a file
//! means (same compiled rules, same diagnostics).

// Test code: a failed expectation should panic.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::{Path, PathBuf};

use proptest::prelude::*;
use voltlex_dsl::compile_text;
use voltlex_dsl::format::{format_source, unified_diff};

fn fmt(text: &str) -> String {
    match format_source(text) {
        Ok(formatted) => formatted,
        Err(d) => panic!("{}: {}\n--- input:\n{text}", d.code, d.message),
    }
}

/// Formats and checks that the result is stable.
fn fmt_stable(text: &str) -> String {
    let once = fmt(text);
    let twice = fmt(&once);
    assert_eq!(
        twice,
        once,
        "not idempotent:\n{}",
        unified_diff(&once, &twice)
    );
    once
}

// ---- the layout rules ------------------------------------------------------------------------

#[test]
fn one_statement_per_line_with_canonical_spaces() {
    let messy = "tariff   \"A\"{currency JPY;calendar japan{add 2024-12-31 ,2025-01-02;remove 2025-05-06}\n\
        interval 30min season summer=Jul .. Sep ,  Dec..Feb season other =otherwise\n\
        demand{contract=max demand over 12 months;charge 1_890.00 JPY/kW per month\n\
        power_factor base 85 % step 1%}\n\
        energy tiers{up to 120kWh at 29.80 JPY/kWh;rest at 40.49 JPY/kWh}\n\
        tax consumption 10 %included round each line down to 1 JPY}";
    assert_eq!(
        fmt_stable(messy),
        "tariff \"A\" {
  currency JPY
  calendar japan {
    add 2024-12-31, 2025-01-02
    remove 2025-05-06
  }
  interval 30 min
  season summer = Jul..Sep, Dec..Feb
  season other = otherwise
  demand {
    contract = max demand over 12 months
    charge 1_890.00 JPY/kW per month
    power_factor base 85% step 1%
  }
  energy tiers {
    up to 120 kWh at 29.80 JPY/kWh
    rest at 40.49 JPY/kWh
  }
  tax consumption 10% included
  round each line down to 1 JPY
}
"
    );
}

#[test]
fn periods_and_keyed_prices_line_up() {
    let messy = "tariff \"T\" { currency JPY season summer = Jul..Sep season other = otherwise\n\
        periods { heavy_load = weekdays 13:00 .. 16:00 in summer; daytime = weekdays 08:00..22:00 except heavy_load\n\
        night=otherwise }\n\
        energy { heavy_load 19.40 JPY/kWh; daytime 14.09 JPY/kWh; night 9.73 JPY/kWh round down to 1 JPY } }\n";
    assert_eq!(
        fmt_stable(messy),
        "tariff \"T\" {
  currency JPY
  season summer = Jul..Sep
  season other = otherwise
  periods {
    heavy_load = weekdays 13:00..16:00 in summer
    daytime    = weekdays 08:00..22:00 except heavy_load
    night      = otherwise
  }
  energy {
    heavy_load 19.40 JPY/kWh
    daytime    14.09 JPY/kWh
    night       9.73 JPY/kWh
    round down to 1 JPY
  }
}
"
    );
}

#[test]
fn blank_lines_at_most_one_and_never_at_block_edges() {
    let messy =
        "\n\n# header\n\n\n\ntariff \"A\" {\n\n\n  currency JPY\n\n\n\n  energy 1 JPY/kWh\n\n\n}\n\
        tariff \"B\" {\n  currency USD\n\n}\n\n\n\n";
    assert_eq!(
        fmt_stable(messy),
        "# header

tariff \"A\" {
  currency JPY

  energy 1 JPY/kWh
}

tariff \"B\" {
  currency USD
}
"
    );
    // Exactly one newline at the end, also when there was none.
    assert_eq!(
        fmt_stable("tariff \"A\" { currency JPY }"),
        "tariff \"A\" {\n  currency JPY\n}\n"
    );
    // An empty block keeps its lines; an empty file stays empty.
    assert_eq!(fmt_stable("tariff \"A\" {}"), "tariff \"A\" {\n}\n");
    assert_eq!(fmt_stable(""), "");
    assert_eq!(fmt_stable("  \n\n ; \n"), "");
    // Windows line ends become \n.
    assert_eq!(
        fmt_stable("tariff \"A\" {\r\n  currency JPY # yen\r\n}\r\n"),
        "tariff \"A\" {\n  currency JPY # yen\n}\n"
    );
}

#[test]
fn comments_stay_in_every_position() {
    let messy = "# file header
# second line

tariff \"A\"   # after the name
   # before the brace
{   # after the brace
        # before currency, badly indented
  currency JPY    # trailing, with { \"odd\" ; } characters
  demand {
    contract = max demand over 12 months
    charge 1 JPY/kW per month from 2024-04-01, # first step
  # own line inside a statement
      2 JPY/kW per month from 2025-04-01   # second step
    # last in the demand block
  }    # after a closing brace
  energy { peak 1 JPY/kWh # peak
  other 2 JPY/kWh }
      # before the tariff's brace
}
# between tariffs
tariff \"B\" { currency JPY }   # after B
# end of file";
    assert_eq!(
        fmt_stable(messy),
        "# file header
# second line

tariff \"A\" { # after the name
  # before the brace
  # after the brace
  # before currency, badly indented
  currency JPY # trailing, with { \"odd\" ; } characters
  demand {
    contract = max demand over 12 months
    charge 1 JPY/kW per month from 2024-04-01, # first step
        # own line inside a statement
        2 JPY/kW per month from 2025-04-01 # second step
    # last in the demand block
  } # after a closing brace
  energy {
    peak  1 JPY/kWh # peak
    other 2 JPY/kWh
  }
  # before the tariff's brace
}

# between tariffs
tariff \"B\" {
  currency JPY
} # after B

# end of file
"
    );
}

#[test]
fn a_comment_inside_a_statement_continues_it_on_the_next_line() {
    let messy = "tariff \"A\" { currency JPY season summer # the hot months\n = Jul..Sep season other = otherwise }";
    let formatted = fmt_stable(messy);
    assert_eq!(
        formatted,
        "tariff \"A\" {\n  currency JPY\n  season summer # the hot months\n      = Jul..Sep\n  season other = otherwise\n}\n"
    );
    assert_same_meaning(messy, &formatted);
}

#[test]
fn inline_scripts_and_strings_are_copied_byte_for_byte() {
    let script = "\"\"\"\n\t// tabs, trailing spaces   \n  let x = input.energy_kwh; # not a comment { } ; \"quoted\"\n    quantity(12.5   + 0.0 * x, \"JPY/kWh\")\r\n\"\"\"";
    let messy = format!(
        "tariff  \"Scripted  plan\" {{ currency JPY\ncomputed peak_price {{ script rhai {script} returns JPY/kWh round down to 1 JPY }}\n\
         computed plugin_price {{ plugin wasm \"plugins/a b.wasm\"   export \"price\" index \"jepx\"  lag 1 months\n\
         returns JPY/kW  per month }} timezone \"Asia/Tokyo\" }}"
    );
    let formatted = fmt_stable(&messy);
    assert_eq!(
        formatted,
        format!(
            "tariff \"Scripted  plan\" {{
  currency JPY
  computed peak_price {{
    script rhai {script}
    returns JPY/kWh
    round down to 1 JPY
  }}
  computed plugin_price {{
    plugin wasm \"plugins/a b.wasm\" export \"price\"
    index \"jepx\" lag 1 months
    returns JPY/kW per month
  }}
  timezone \"Asia/Tokyo\"
}}
"
        )
    );
    assert!(formatted.contains(script));
    assert_same_meaning(&messy, &formatted);
}

#[test]
fn numbers_dates_names_and_timelines_are_kept_as_written() {
    let messy = "tariff \"A\" { currency JPY energy 019.510 JPY/kWh from 2024-4-1,\n\n   16.56 JPY/kWh\n from 2025-04-01\n until 2027-04-01 surcharge re_newable -0.35 JPY/kWh minimum 1_000 JPY per month }";
    assert_eq!(
        fmt_stable(messy),
        "tariff \"A\" {\n  currency JPY\n  energy 019.510 JPY/kWh from 2024-4-1, 16.56 JPY/kWh from 2025-04-01 until 2027-04-01\n  surcharge re_newable -0.35 JPY/kWh\n  minimum 1_000 JPY per month\n}\n"
    );
}

#[test]
fn an_adjustment_without_braces_gets_them() {
    let messy = "tariff \"A\" { currency JPY energy 1 JPY/kWh\n\
        adjustment fuel_cost index \"tepco-fuel-cost\" lag 3 months # fuel\n\
        adjustment market index \"jepx\" per interval reflect 110% adjustment bare\n\
        adjustment one_line { index \"x\" average over 3 months unit round down to 0.01 JPY/kWh } }";
    let formatted = fmt_stable(messy);
    assert_eq!(
        formatted,
        "tariff \"A\" {
  currency JPY
  energy 1 JPY/kWh
  adjustment fuel_cost {
    index \"tepco-fuel-cost\"
    lag 3 months # fuel
  }
  adjustment market {
    index \"jepx\"
    per interval
    reflect 110%
  }
  adjustment bare {
  }
  adjustment one_line {
    index \"x\"
    average over 3 months
    unit round down to 0.01 JPY/kWh
  }
}
"
    );
    assert_same_meaning(messy, &formatted);
}

#[test]
fn unknown_statements_are_kept_for_the_checker() {
    let messy = "tariff \"A\" { currency JPY\n  enrgy  16.56 JPY/kWh ; odd   spacing # and a comment   \n demand { chrage 1 JPY {nested}  \n contract = agreed charge 1 JPY/kW per month } }";
    let formatted = fmt_stable(messy);
    assert_eq!(
        formatted,
        "tariff \"A\" {
  currency JPY
  enrgy  16.56 JPY/kWh ; odd   spacing # and a comment
  demand {
    chrage 1 JPY {nested}
    contract = agreed
    charge 1 JPY/kW per month
  }
}
"
    );
    assert_same_meaning(messy, &formatted);
}

#[test]
fn a_syntax_error_is_reported_not_formatted() {
    let text = "tariff \"A\" {\n  currency JPY\n  energy 16.56\n}\n";
    let error = format_source(text).unwrap_err();
    let compiled = compile_text("a.vlx", text);
    assert_eq!(error.code, "E0001");
    assert_eq!(error.message, compiled.diagnostics[0].message);
    assert_eq!(error.span, compiled.diagnostics[0].span);
}

#[test]
fn diff_shows_the_changed_lines() {
    let old = "a\nb\nc\nd\ne\nf\ng\nh\ni  j\n";
    let new = "a\nb\nc\nd\ne\nf\ng\nh\ni j\n";
    assert_eq!(
        unified_diff(old, new),
        "@@ -7,3 +7,3 @@\n g\n h\n-i  j\n+i j\n"
    );
    assert_eq!(unified_diff("x\n", "x\ny\n"), "@@ -1,1 +1,2 @@\n x\n+y\n");
    assert_eq!(
        unified_diff("x", "x\n"),
        "@@ -1,1 +1,1 @@\n-x\n\\ No newline at end of file\n+x\n"
    );
}

// ---- meaning is kept ---------------------------------------------------------------------------

/// Rules with every source position replaced by the text found there (positions move when
/// the layout changes; what they point at must not).
fn normalized_rules(name: &str, text: &str) -> (serde_json::Value, Vec<&'static str>) {
    let compilation = compile_text(name, text);
    let mut rules = serde_json::to_value(&compilation.rules).unwrap();
    normalize_positions(&mut rules, text);
    let codes = compilation.diagnostics.iter().map(|d| d.code).collect();
    (rules, codes)
}

fn normalize_positions(value: &mut serde_json::Value, text: &str) {
    match value {
        serde_json::Value::Object(map) => {
            let is_rule_ref = map.len() == 3
                && map.contains_key("file")
                && map.contains_key("line")
                && map.contains_key("column");
            if is_rule_ref {
                let line = map["line"].as_u64().unwrap() as usize;
                let column = map["column"].as_u64().unwrap() as usize;
                let from: String = text
                    .lines()
                    .nth(line - 1)
                    .unwrap_or("")
                    .chars()
                    .skip(column - 1)
                    .collect();
                let token = format!("{:?}", lex(&from).first());
                map.insert("line".into(), serde_json::Value::String(token));
                map.remove("column");
            } else {
                // The source text of a subsidy's amount, kept for its trace: presentation, like
                // positions (the amount itself is compared as the expression tree).
                map.remove("amount_text");
                map.values_mut().for_each(|v| normalize_positions(v, text));
            }
        }
        serde_json::Value::Array(items) => {
            items.iter_mut().for_each(|v| normalize_positions(v, text))
        }
        _ => {}
    }
}

fn assert_same_meaning(original: &str, formatted: &str) {
    let (rules_before, codes_before) = normalized_rules("x.vlx", original);
    let (rules_after, codes_after) = normalized_rules("x.vlx", formatted);
    assert_eq!(
        codes_after, codes_before,
        "diagnostics differ:\n{formatted}"
    );
    assert!(
        rules_after == rules_before,
        "compiled rules differ:\n--- before\n{original}\n--- after\n{formatted}"
    );
}

fn tariff_rules_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tariff-rules")
}

fn vlx_files_under(dir: &Path, files: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            vlx_files_under(&path, files);
        } else if path.extension().is_some_and(|e| e == "vlx") {
            files.push(path);
        }
    }
}

/// Every package's rule files: `(path, text)`.
fn package_files() -> Vec<(String, String)> {
    let mut files = Vec::new();
    for package in std::fs::read_dir(tariff_rules_dir()).unwrap() {
        let package = package.unwrap().path();
        if package.is_dir() {
            for entry in std::fs::read_dir(&package).unwrap() {
                let path = entry.unwrap().path();
                if path.extension().is_some_and(|e| e == "vlx") {
                    files.push((
                        path.display().to_string(),
                        std::fs::read_to_string(&path).unwrap(),
                    ));
                }
            }
        }
    }
    files.sort();
    assert!(files.len() >= 7, "found {} rule files", files.len());
    files
}

/// The newest statements, in the canonical layout (not a package: no files to load).
const NEWEST_STATEMENTS: &str = r#"# Everything the grammar has, in the canonical layout.

tariff "Everything" {
  currency JPY
  calendar japan {
    add 2024-12-30, 2024-12-31
    remove 2025-05-06
  }
  timezone "Asia/Tokyo"
  interval 30 min
  season summer = 07-01..09-30
  season other = otherwise

  periods {
    peak  = weekdays and saturdays 13:00..16:00, 17:00..18:00 in summer or holidays 10:00..11:00 in summer
    day   = every day 08:00..22:00 except peak
    night = otherwise
  }

  demand {
    interval 30 min
    contract = max demand over 12 months
    charge 1_890.00 JPY/kW per month from 2024-04-01, 3_030.00 JPY/kW per month from 2025-04-01
    power_factor base 85% step 1%
    waived until 2024-10-01
    phase in 50% from 2024-10-01, 100% from 2025-04-01
    round down to 1 JPY
  }

  energy {
    peak  28.00 JPY/kWh
    day   19.50 JPY/kWh
    night  9.73 JPY/kWh
  }

  adjustment market_price {
    index "jepx-tokyo"
    average over 3 months
    lag 3 months
    reflect 30% over 12.32 JPY/kWh
    unit round down to 0.01 JPY/kWh
    round down to 1 JPY
  }

  # A script computes this line.
  computed peak_price {
    script rhai """
      // 12.5 JPY/kWh plus a share of the month's peak
      let price = 12.5 + 0.001 * input.peak_kw;   
      quantity(price, "JPY/kWh")
    """
    index "jepx-tokyo" lag 1 months
    returns JPY/kWh
    round nearest to 1 JPY
  }

  surcharge renewable 3.49 JPY/kWh from 2024-05-01, 3.98 JPY/kWh from 2025-05-01 round down to 1 JPY
  fixed service 5_500 JPY per month
  minimum 10_000 JPY per month
  tax consumption 10% added
  round total down to 10 JPY
}

tariff "Tiers and subscription" {
  currency USD
  calendar weekends-only
  energy tiers {
    up to 120 kWh at 0.29 USD/kWh
    up to 300 kWh at 0.36 USD/kWh
    rest at 0.40 USD/kWh
    round nearest to 0.01 USD
  }
  demand {
    interval 15 min
    subscription block 50 kW at 95.56 USD per month
    overage 3.82 USD/kW
  }
  computed curve {
    plugin wasm "plugins/curve.wat" export "price"
    index "jepx" lag 1 months
    returns USD/kW per month
  }
  round each line nearest to 0.01 USD
}
"#;

#[test]
fn every_package_file_is_already_formatted() {
    for (path, text) in package_files() {
        let formatted = fmt(&text);
        assert!(
            formatted == text,
            "{path} is not in the canonical layout:\n{}",
            unified_diff(&text, &formatted)
        );
        assert_same_meaning(&text, &formatted);
    }
    assert_eq!(fmt(NEWEST_STATEMENTS), NEWEST_STATEMENTS);
}

/// Every rule file of the diagnostics suite (errors of every kind): a syntax error is the
/// checker's syntax error; anything else formats to the same diagnostics.
#[test]
fn files_with_errors_keep_their_diagnostics() {
    let mut files = Vec::new();
    vlx_files_under(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/diagnostics"),
        &mut files,
    );
    assert!(files.len() > 50);
    let mut syntax_errors = 0;
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        let compiled = compile_text("x.vlx", &text);
        match format_source(&text) {
            Err(error) => {
                syntax_errors += 1;
                assert_eq!(compiled.diagnostics[0].code, "E0001", "{}", path.display());
                assert_eq!(error.message, compiled.diagnostics[0].message);
            }
            Ok(formatted) => {
                assert_eq!(fmt(&formatted), formatted, "{}", path.display());
                assert_same_meaning(&text, &formatted);
            }
        }
    }
    assert!(syntax_errors >= 10);
}

// ---- random layouts of real files ----------------------------------------------------------------

/// A token of the test's own lexer (independent of the formatter's).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    Comment(String),
    /// Names, keywords, numbers, units, strings: need space between them.
    Word(String),
    /// `{ } = , .. %`: may touch their neighbours.
    Punct(String),
}

/// The comparison operators of `subsidy` conditions: two characters, one token.
const COMPARISONS: [&str; 4] = ["==", "!=", "<=", ">="];

fn lex(text: &str) -> Vec<Tok> {
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < text.len() {
        let rest = &text[i..];
        let c = rest.chars().next().unwrap();
        let len = if c.is_whitespace() || c == ';' {
            c.len_utf8()
        } else if c == '#' {
            let end = rest.find('\n').unwrap_or(rest.len());
            tokens.push(Tok::Comment(rest[..end].trim_end().to_string()));
            end
        } else if let Some(body) = rest.strip_prefix("\"\"\"") {
            let end = body.find("\"\"\"").map_or(rest.len(), |e| e + 6);
            tokens.push(Tok::Word(rest[..end].to_string()));
            end
        } else if c == '"' {
            let end = rest[1..].find(['"', '\n']).map_or(rest.len(), |e| e + 2);
            tokens.push(Tok::Word(rest[..end].to_string()));
            end
        } else if rest.starts_with("..") {
            tokens.push(Tok::Punct("..".into()));
            2
        } else if let Some(op) = COMPARISONS.iter().find(|op| rest.starts_with(**op)) {
            // `==`, `<=`, … are one token: a layout may not split them.
            tokens.push(Tok::Punct(op.to_string()));
            op.len()
        } else if "{}=,%".contains(c) {
            tokens.push(Tok::Punct(c.to_string()));
            1
        } else {
            let end = rest
                .char_indices()
                .find(|&(k, ch)| {
                    ch.is_whitespace()
                        || ";#{}=,%\"".contains(ch)
                        || rest[k..].starts_with("..")
                        || COMPARISONS.iter().any(|op| rest[k..].starts_with(op))
                })
                .map_or(rest.len(), |(k, _)| k);
            tokens.push(Tok::Word(rest[..end].to_string()));
            end
        };
        i += len;
    }
    tokens
}

fn comments(tokens: &[Tok]) -> Vec<&Tok> {
    tokens
        .iter()
        .filter(|t| matches!(t, Tok::Comment(_)))
        .collect()
}

fn code(tokens: &[Tok]) -> Vec<&Tok> {
    tokens
        .iter()
        .filter(|t| !matches!(t, Tok::Comment(_)))
        .collect()
}

/// xorshift: the proptest value is the seed of a whole re-layout.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }

    fn pick<'a>(&mut self, choices: &[&'a str]) -> &'a str {
        choices[self.below(choices.len())]
    }
}

#[derive(Debug, Clone, Copy)]
enum Relayout {
    /// Line breaks as they are; random spaces, tabs and `;` within lines.
    Horizontal,
    /// Random white space, `;` and line breaks between any two tokens.
    Scrambled,
    /// Scrambled, and comments added at line ends and on lines of their own.
    Commented,
    /// Everything on as few lines as comments allow.
    Collapsed,
}

fn relayout(text: &str, mode: Relayout, seed: u64) -> String {
    let mut rng = Rng(seed | 1);
    // Each token with the white space before it.
    let mut pieces: Vec<(String, Tok)> = Vec::new();
    let mut pending = String::new();
    let tokens = lex(text);
    let mut rest = text;
    for token in tokens {
        let body = match &token {
            Tok::Comment(s) | Tok::Word(s) | Tok::Punct(s) => s.clone(),
        };
        let at = rest.find(body.as_str()).unwrap();
        pending.push_str(&rest[..at]);
        rest = &rest[at + body.len()..];
        pieces.push((std::mem::take(&mut pending), token));
    }
    let comment_words = [
        "note", "{", "}", "\"", ";", "=", "#", "..", ",", "tariff", "日本",
    ];
    let mut out = String::new();
    let mut previous: Option<Tok> = None;
    for (space, token) in pieces {
        let touching_allowed = !matches!((&previous, &token), (Some(Tok::Word(_)), Tok::Word(_)));
        let after_comment = matches!(previous, Some(Tok::Comment(_)));
        let newlines = space.matches('\n').count();
        let horizontal: &[&str] = if touching_allowed {
            &["", " ", "  ", "\t", ";", " ; "]
        } else {
            &[" ", "  ", "\t", ";", " ; ", " \t "]
        };
        let separator = match mode {
            _ if previous.is_none() => ["", "\n", " \n\n"][rng.below(3)].to_string(),
            Relayout::Horizontal if newlines > 0 => {
                let indent = " ".repeat(rng.below(9));
                // Nothing may follow a comment on its line but the line break.
                let trailing = if after_comment {
                    ""
                } else {
                    rng.pick(&["", " ", ";"])
                };
                format!("{trailing}{}{indent}", "\n".repeat(newlines))
            }
            Relayout::Horizontal => rng.pick(horizontal).to_string(),
            Relayout::Collapsed if after_comment => "\n".to_string(),
            Relayout::Collapsed => rng.pick(horizontal).to_string(),
            _ if after_comment => rng
                .pick(&["\n", "\n\n", " \n  ", "\n;\n", "\t\n\n\n    "])
                .to_string(),
            _ => {
                if rng.below(3) == 0 {
                    rng.pick(&["\n", "\n\n", "\n    ", " ;\n", "\n\n\n", "\n;"])
                        .to_string()
                } else {
                    rng.pick(horizontal).to_string()
                }
            }
        };
        out.push_str(&separator);
        if matches!(mode, Relayout::Commented) && previous.is_some() && rng.below(6) == 0 {
            // A comment before this token: at the end of the previous line or on its own.
            let words: Vec<&str> = (0..1 + rng.below(4))
                .map(|_| rng.pick(&comment_words))
                .collect();
            let own_line = rng.below(2) == 0;
            let lead = if own_line || separator.contains('\n') {
                "\n  "
            } else {
                " "
            };
            out.push_str(&format!("{lead}# {}\n", words.join(" ")));
        }
        match &token {
            Tok::Comment(s) | Tok::Word(s) | Tok::Punct(s) => out.push_str(s),
        }
        previous = Some(token);
    }
    out.push_str(["", "\n", "\n\n\n", " ; "][rng.below(4)]);
    out
}

/// Formatting `text` keeps its tokens, comments and meaning, and is stable.
fn check_format(text: &str) -> Result<String, TestCaseError> {
    let compiled = compile_text("x.vlx", text);
    let formatted = match format_source(text) {
        Ok(formatted) => formatted,
        Err(error) => {
            prop_assert_eq!(error.code, "E0001");
            prop_assert_eq!(compiled.diagnostics[0].code, "E0001", "{}", text);
            return Ok(String::new());
        }
    };
    let again = fmt(&formatted);
    prop_assert!(
        again == formatted,
        "not idempotent:\n{}\n--- input:\n{}",
        unified_diff(&formatted, &again),
        text
    );
    let (before, after) = (lex(text), lex(&formatted));
    prop_assert_eq!(
        code(&before),
        code(&after),
        "tokens changed:\n{}",
        formatted
    );
    prop_assert_eq!(
        comments(&before),
        comments(&after),
        "comments changed:\n{}",
        formatted
    );
    let (rules_before, codes_before) = normalized_rules("x.vlx", text);
    let (rules_after, codes_after) = normalized_rules("x.vlx", &formatted);
    prop_assert_eq!(codes_after, codes_before, "{}", formatted);
    prop_assert!(
        rules_after == rules_before,
        "rules changed:\n{}\n--- input:\n{}",
        formatted,
        text
    );
    Ok(formatted)
}

fn pool() -> Vec<String> {
    let mut texts: Vec<String> = package_files().into_iter().map(|(_, t)| t).collect();
    texts.push(NEWEST_STATEMENTS.to_string());
    texts
}

fn relayout_mode() -> impl Strategy<Value = Relayout> {
    prop_oneof![
        Just(Relayout::Horizontal),
        Just(Relayout::Scrambled),
        Just(Relayout::Commented),
        Just(Relayout::Collapsed),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 160, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn random_layouts_of_real_files_format_to_the_same_rules(
        index in 0usize..64,
        mode in relayout_mode(),
        seed in any::<u64>(),
    ) {
        let texts = pool();
        let original = &texts[index % texts.len()];
        let messy = relayout(original, mode, seed);
        let formatted = check_format(&messy)?;
        if let Relayout::Horizontal = mode {
            // Only spaces within lines changed: the layout comes back exactly.
            prop_assert!(
                &formatted == original,
                "{}\n--- input:\n{}",
                unified_diff(original, &formatted),
                messy
            );
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn random_layouts_of_files_with_errors_keep_their_diagnostics(
        index in 0usize..256,
        mode in relayout_mode(),
        seed in any::<u64>(),
    ) {
        let mut files = Vec::new();
        vlx_files_under(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/diagnostics"), &mut files);
        let original = std::fs::read_to_string(&files[index % files.len()]).unwrap();
        check_format(&relayout(&original, mode, seed))?;
    }
}

#[test]
fn the_test_lexer_keeps_every_token() {
    for text in pool() {
        let relaid = relayout(&text, Relayout::Horizontal, 7);
        assert_eq!(code(&lex(&relaid)), code(&lex(&text)));
    }
}
