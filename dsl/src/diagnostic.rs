//! Diagnostics: what is wrong, where, and what would be right — rendered like a compiler's.
//!
//! Every diagnostic has a stable code from [`codes`]; [`codes::explain`] gives the longer
//! explanation (`voltlex explain-error CODE`).

use codespan_reporting::diagnostic as cs;
use codespan_reporting::files::SimpleFiles;
use codespan_reporting::term;

use crate::source::{SourceMap, Span};

/// How bad it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// The rules cannot be compiled.
    Error,
    /// Compiles, but is probably a mistake.
    Warning,
}

/// A secondary place in the text, with what it says about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    /// Where.
    pub span: Span,
    /// What.
    pub message: String,
}

/// One problem found in rule text.
///
/// ```
/// use voltlex_dsl::diagnostic::{codes, Diagnostic};
/// use voltlex_dsl::source::{SourceMap, Span};
/// let mut sources = SourceMap::default();
/// let id = sources.add("a.vlx", "energy 16.56 JPY/kwh\n");
/// let d = Diagnostic::error(codes::UNKNOWN_UNIT, "unknown unit `kwh`",
///     Span { file: id, start: 17, end: 20 }, "not a unit").with_help("did you mean `kWh`?");
/// let text = d.render(&sources);
/// assert!(text.contains("a.vlx:1:18"));
/// assert!(text.contains("help: did you mean `kWh`?"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// Stable code, e.g. `E0102`.
    pub code: &'static str,
    /// One-line summary.
    pub message: String,
    /// The main place.
    pub span: Span,
    /// What the main label says.
    pub label: String,
    /// Other places that explain it.
    pub secondary: Vec<Label>,
    /// What to do about it.
    pub help: Option<String>,
}

impl Diagnostic {
    /// An error at `span`.
    pub fn error(
        code: &'static str,
        message: impl Into<String>,
        span: Span,
        label: impl Into<String>,
    ) -> Self {
        Diagnostic {
            severity: Severity::Error,
            code,
            message: message.into(),
            span,
            label: label.into(),
            secondary: vec![],
            help: None,
        }
    }

    /// A warning at `span`.
    pub fn warning(
        code: &'static str,
        message: impl Into<String>,
        span: Span,
        label: impl Into<String>,
    ) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, message, span, label)
        }
    }

    /// Adds a help line.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Adds a secondary label.
    pub fn with_label(mut self, span: Span, message: impl Into<String>) -> Self {
        self.secondary.push(Label {
            span,
            message: message.into(),
        });
        self
    }

    /// Is it an error?
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// Renders the diagnostic as plain text, with the source line and the span underlined.
    pub fn render(&self, sources: &SourceMap) -> String {
        self.render_with(sources, false)
    }

    /// Renders with ANSI colours when `color` is set.
    pub fn render_with(&self, sources: &SourceMap, color: bool) -> String {
        let mut files = SimpleFiles::new();
        for file in sources.files() {
            files.add(file.name.clone(), file.text.clone());
        }
        let mut labels = vec![
            cs::Label::primary(self.span.file, self.span.start..self.span.end)
                .with_message(self.label.clone()),
        ];
        labels.extend(self.secondary.iter().map(|l| {
            cs::Label::secondary(l.span.file, l.span.start..l.span.end)
                .with_message(l.message.clone())
        }));
        let severity = match self.severity {
            Severity::Error => cs::Severity::Error,
            Severity::Warning => cs::Severity::Warning,
        };
        let mut diagnostic = cs::Diagnostic::new(severity)
            .with_code(self.code)
            .with_message(self.message.clone())
            .with_labels(labels);
        if let Some(help) = &self.help {
            diagnostic = diagnostic.with_notes(vec![format!("help: {help}")]);
        }
        let config = term::Config::default();
        let mut out = Vec::new();
        let result = if color {
            let mut writer = term::termcolor::Ansi::new(&mut out);
            term::emit(&mut writer, &config, &files, &diagnostic)
        } else {
            let mut writer = term::termcolor::NoColor::new(&mut out);
            term::emit(&mut writer, &config, &files, &diagnostic)
        };
        match result {
            Ok(()) => String::from_utf8_lossy(&out).into_owned(),
            // A span outside its file is a bug of ours; still say what we know.
            Err(_) => format!(
                "{}[{}]: {}\n",
                if self.is_error() { "error" } else { "warning" },
                self.code,
                self.message
            ),
        }
    }
}

/// The closest candidate to `word`, if one is close enough to be a likely typo.
///
/// ```
/// use voltlex_dsl::diagnostic::did_you_mean;
/// assert_eq!(did_you_mean("sumer", ["summer", "other"]), Some("summer".to_string()));
/// assert_eq!(did_you_mean("xyz", ["summer", "other"]), None);
/// assert_eq!(did_you_mean("JYP", ["JPY", "USD"]), Some("JPY".to_string()));
/// ```
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    let lower = word.to_lowercase();
    candidates
        .into_iter()
        .map(|c| {
            let candidate = c.to_lowercase();
            let score = if candidate == lower {
                1.0
            } else if lower.chars().count() >= 3 && strsim::osa_distance(&lower, &candidate) == 1 {
                // One letter wrong, missing, extra or two swapped (`JYP`): Jaro-Winkler
                // scores a swap in a short word too low.
                strsim::jaro_winkler(&lower, &candidate).max(0.85)
            } else {
                strsim::jaro_winkler(&lower, &candidate)
            };
            (score, c)
        })
        .filter(|&(score, _)| score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c.to_string())
}

/// Stable diagnostic codes and their explanations.
pub mod codes {
    /// Text that does not follow the grammar.
    pub const SYNTAX: &str = "E0001";
    /// A statement the language does not know.
    pub const UNKNOWN_ITEM: &str = "E0002";
    /// A unit that does not exist.
    pub const UNKNOWN_UNIT: &str = "E0101";
    /// A quantity in the wrong unit for where it stands.
    pub const WRONG_UNIT: &str = "E0102";
    /// Money in a currency other than the tariff's.
    pub const CURRENCY_MISMATCH: &str = "E0103";
    /// A number that cannot be read or is out of range.
    pub const BAD_NUMBER: &str = "E0104";
    /// A percentage outside its allowed range.
    pub const BAD_PERCENT: &str = "E0105";
    /// An unknown currency.
    pub const UNKNOWN_CURRENCY: &str = "E0106";
    /// A date that does not exist.
    pub const BAD_DATE: &str = "E0201";
    /// A time of day that does not exist or is off the interval grid.
    pub const BAD_TIME: &str = "E0202";
    /// Timeline steps out of order or on the same date.
    pub const TIMELINE_ORDER: &str = "E0203";
    /// A timeline that leaves part of the validity window without a value.
    pub const TIMELINE_GAP: &str = "E0204";
    /// An unknown calendar.
    pub const UNKNOWN_CALENDAR: &str = "E0205";
    /// An interval length that is not 15, 30 or 60 minutes.
    pub const BAD_INTERVAL: &str = "E0206";
    /// Seasons that overlap or leave days uncovered.
    pub const SEASON_COVERAGE: &str = "E0207";
    /// A reference to a season that is not declared.
    pub const UNKNOWN_SEASON: &str = "E0208";
    /// A reference to a period that is not declared.
    pub const UNKNOWN_PERIOD: &str = "E0209";
    /// Intervals in no period.
    pub const PERIOD_GAP: &str = "E0210";
    /// Intervals in two periods.
    pub const PERIOD_OVERLAP: &str = "E0211";
    /// An unknown month name.
    pub const BAD_MONTH: &str = "E0212";
    /// An unknown or invalid time zone.
    pub const BAD_TIME_ZONE: &str = "E0213";
    /// A statement given twice where once is allowed.
    pub const DUPLICATE: &str = "E0301";
    /// A statement the tariff needs is missing.
    pub const MISSING: &str = "E0302";
    /// Prices keyed by names that do not match the seasons or periods.
    pub const ENERGY_KEYS: &str = "E0303";
    /// Tiers whose limits do not increase, or with no final `rest`.
    pub const TIER_ORDER: &str = "E0304";
    /// Clauses of one statement that contradict each other.
    pub const CONFLICT: &str = "E0305";
    /// Demand-charge holiday steps that are inconsistent.
    pub const DEMAND_HOLIDAY: &str = "E0306";
    /// A problem in package.toml.
    pub const PACKAGE: &str = "E0401";
    /// A tariff name used twice.
    pub const DUPLICATE_TARIFF: &str = "E0402";
    /// An aggregator contract or chemistry name used twice.
    pub const DUPLICATE_NAME: &str = "E0403";
    /// A script that does not compile.
    pub const SCRIPT: &str = "E0501";
    /// A wasm module that is invalid or breaks the plugin ABI.
    pub const PLUGIN: &str = "E0502";
    /// A script or module file that cannot be read, or lies outside the package.
    pub const RESOURCE: &str = "E0503";
    /// A market an aggregator contract names that voltlex does not know.
    pub const UNKNOWN_MARKET: &str = "E0701";
    /// A market listed twice in one contract.
    pub const DUPLICATE_MARKET: &str = "E0702";
    /// Revenue shares that are incomplete or do not sum to 100 %.
    pub const SHARES: &str = "E0703";
    /// A cycle-life curve with too few points, or cycles that do not fall as depth grows.
    pub const CYCLE_LIFE: &str = "E0704";
    /// A chemistry preset that does not exist.
    pub const UNKNOWN_PRESET: &str = "E0705";
    /// Warning: periods declared but nothing priced by them.
    pub const UNUSED_PERIOD: &str = "W0601";
    /// Warning: a rate far from its siblings or from its previous value.
    pub const RATE_OUTLIER: &str = "W0602";
    /// Warning: an index the rules read that no golden test of the package provides.
    pub const INDEX_NEVER_PROVIDED: &str = "W0603";

    /// An attribute a subsidy's item kind does not have.
    pub const UNKNOWN_ATTRIBUTE: &str = "E0801";
    /// A subsidy condition compares values of different kinds.
    pub const CONDITION_TYPE: &str = "E0802";
    /// A subsidy amount does not compute to money.
    pub const AMOUNT_TYPE: &str = "E0803";
    /// `excludes` names no subsidy of the package.
    pub const UNKNOWN_SUBSIDY: &str = "E0804";
    /// A subsidy window ends before it starts.
    pub const BAD_WINDOW: &str = "E0805";
    /// A text attribute compared with a value it never takes.
    pub const UNKNOWN_VALUE: &str = "E0806";
    /// A risk-sharing statement names a party that is not declared in `parties`.
    pub const UNKNOWN_PARTY: &str = "E0901";
    /// Risk-sharing revenue shares that do not add up to 100 %, or a party's share twice.
    pub const SHARING_SHARES: &str = "E0902";
    /// A risk-sharing term whose payer is its payee.
    pub const SAME_PARTY: &str = "E0903";
    /// A `free` parameter that names no single statement, or whose range is not a grid.
    pub const FREE_PARAMETER: &str = "E0904";
    /// Warning: a risk-sharing party that shares nothing and pays or receives nothing.
    pub const IDLE_PARTY: &str = "W0604";

    /// Every code with its title and explanation.
    pub const ALL: &[(&str, &str, &str)] = &[
        (SYNTAX, "syntax error", "The text does not follow the grammar of .vlx files. The message says what the parser expected at that point and what it found. A file holds `tariff`, `contract aggregator`, `chemistry`, `subsidy` and `risk_sharing` blocks. Statements start with a keyword (currency, calendar, interval, season, periods, demand, energy, adjustment, surcharge, fixed, minimum, tax, round in a tariff; markets, minimum bid, share, fee, … in a contract; cycle life, end of life, … in a chemistry); values are a number and a unit (`16.56 JPY/kWh`); dates are YYYY-MM-DD."),
        (UNKNOWN_ITEM, "unknown statement", "A statement starts with a word the language does not know in this place. Check the spelling; the help line suggests the closest keyword."),
        (UNKNOWN_UNIT, "unknown unit", "Units are JPY, USD, kW, kWh, %, min, month (or months), and their ratios such as JPY/kWh or `JPY/kW per month`. Units are case-sensitive: kWh, not kwh."),
        (WRONG_UNIT, "wrong unit", "The quantity has a valid unit, but not the one this place needs: an energy price must be money per kWh, a demand charge money per kW per month, an interval minutes, a lag months. The label says what was expected."),
        (CURRENCY_MISMATCH, "currency mismatch", "Every amount in a tariff must be in the tariff's `currency`. Convert the figure, or change the tariff's currency. In a `contract aggregator`, every fee and the penalty must be in one currency (the first amount's); a chemistry's replacement cost must be in the currency of the other rules it is compiled with."),
        (BAD_NUMBER, "bad number", "The number cannot be represented (too many digits) or is not allowed here (for example a negative interval, a zero block size, a negative fee, a minimum bid or a cycle count that is not above zero)."),
        (BAD_PERCENT, "percentage out of range", "The percentage must lie in the range the label gives (for example a power factor between 0 % and 100 %, a tax rate between 0 % and 100 %, a revenue share or a minimum state of charge between 0 % and 100 %, a depth of discharge above 0 % and at most 100 %, an end of life above 0 % and below 100 %)."),
        (UNKNOWN_CURRENCY, "unknown currency", "voltlex bills in JPY or USD."),
        (BAD_DATE, "bad date", "Dates are written YYYY-MM-DD and must exist in the calendar (no 2025-02-30)."),
        (BAD_TIME, "bad time", "Times are HH:MM from 00:00 to 24:00, and a period boundary must fall on the tariff's interval grid (a 30-minute tariff cannot switch period at 13:15)."),
        (TIMELINE_ORDER, "timeline out of order", "The values of a timeline must be given in increasing order of their `from` dates, each date once; only the first value may omit `from` (then it applies since always)."),
        (TIMELINE_GAP, "value missing for part of the validity window", "Every value must be defined for the whole validity window the package declares (package.toml `valid_from`..`valid_until`). A value that starts after the window opens, or ends (`until`) before it closes, would leave bills without a price: give the earlier value, or narrow the package's window."),
        (UNKNOWN_CALENDAR, "unknown calendar", "Calendars are `japan` (Japanese national holidays by rule, 1948–2150) and `weekends-only` (no holidays)."),
        (BAD_INTERVAL, "bad interval", "Interval lengths are 15, 30 or 60 minutes."),
        (SEASON_COVERAGE, "seasons overlap or leave gaps", "When a tariff declares seasons, every day of the year must be in exactly one. Add a season `= otherwise` to take the remaining days, or fix the ranges named in the message."),
        (UNKNOWN_SEASON, "unknown season", "A period or an energy price names a season that is not declared with `season NAME = …`."),
        (UNKNOWN_PERIOD, "unknown period", "An energy price or an `except` names a period that is not declared in `periods { … }`."),
        (PERIOD_GAP, "intervals in no period", "Every interval of every day kind (weekday, Saturday, Sunday, holiday) in every season must fall in exactly one time-of-use period. The message names the first uncovered interval; add it to a period or declare a period `= otherwise`."),
        (PERIOD_OVERLAP, "intervals in two periods", "Two periods claim the same interval. Use `except OTHER` on one of them, or narrow its times. The message names the first interval claimed twice."),
        (BAD_MONTH, "bad month", "Months in season ranges are Jan, Feb, Mar, Apr, May, Jun, Jul, Aug, Sep, Oct, Nov, Dec, or MM-DD dates."),
        (BAD_TIME_ZONE, "bad time zone", "Time zones are IANA names such as Asia/Tokyo or America/Los_Angeles."),
        (DUPLICATE, "given twice", "This statement may appear once in its block; the label points to the first one. (In a `contract aggregator`, only `fee` may be given more than once.)"),
        (MISSING, "missing statement", "The tariff or block lacks a statement it needs, for example a currency, a demand charge or subscription in a demand block, an index for an adjustment, `markets` or `share` in a `contract aggregator`, `cycle life` in a chemistry that is not `based on` a preset, or `programme`, `applies to` or `amount` in a subsidy."),
        (ENERGY_KEYS, "energy prices do not match seasons or periods", "Energy prices given per key must name all the tariff's periods (or all its seasons) and nothing else, so that every kWh has exactly one price."),
        (TIER_ORDER, "bad tiers", "Tier limits must increase, and the last tier must be `rest at PRICE`."),
        (CONFLICT, "contradictory clauses", "Two clauses cannot both hold, for example `per interval` pricing with a lag or an averaging window, or a contract demand rule with a subscription."),
        (DEMAND_HOLIDAY, "inconsistent demand-charge holiday", "Phase-in steps must start on or after the `waived until` date, be in increasing date order, and lie between 0 % and 100 %."),
        (PACKAGE, "package problem", "package.toml must have name, a semver version (e.g. 2025.4.0), valid_from and valid_until (YYYY-MM-DD, valid_from before valid_until), and name .vlx files that exist; optionally [package.exports] (tariffs, subsidies, contracts, chemistries the rule files define), [dependencies] (each with a version requirement and a path to the package) and tests (golden test files inside the package). See docs/publishing.md."),
        (DUPLICATE_TARIFF, "tariff name used twice", "Tariffs are selected by name (`voltlex bill --tariff NAME`), so a package cannot hold two tariffs with the same name."),
        (DUPLICATE_NAME, "contract, chemistry or subsidy name used twice", "Aggregator contracts, chemistries and subsidies are looked up by name, so a package cannot hold two `contract aggregator` blocks, two `chemistry` blocks or two `subsidy` blocks with the same name. A contract and a chemistry (or a tariff, or a subsidy) may share a name: they are different kinds of item."),
        (SCRIPT, "script does not compile", "A `computed` line's rhai script has a syntax error; the label gives the script's line and column. Scripts see an `input` map and return `quantity(value, \"UNIT\")` in the declared unit; see docs/scripts.md."),
        (PLUGIN, "plugin cannot be used", "A `computed` line's wasm module is not valid, imports something (plugins may import nothing: no WASI, no host functions), or lacks the exports of the plugin ABI: `memory`, `voltlex_alloc(i32) -> i32` and the named function `(i32, i32) -> f64`. See docs/plugins.md."),
        (RESOURCE, "file cannot be loaded", "A script or plugin file named by a rule cannot be read. Paths are relative to the package folder and must stay inside it (no `..`, no absolute paths); rules checked from text alone cannot load files at all."),
        (UNKNOWN_MARKET, "unknown market", "`markets` in a `contract aggregator` names the markets the fleet's flexibility is sold in: spot (JEPX day-ahead), primary, secondary1, secondary2, tertiary1, tertiary2 (the balancing-market products 一次, 二次①, 二次②, 三次①, 三次②) and capacity (the OCCTO capacity market). Names are lower case and separated by commas."),
        (DUPLICATE_MARKET, "market listed twice", "Each market may appear once in a contract's `markets` list; the label points to the first mention. Remove the repetition."),
        (SHARES, "revenue shares do not add up", "`share fleet P%, aggregator Q%` splits the gross market revenue between the fleet and the aggregator: both parties must be named once, and P + Q must be exactly 100 %. Each share lies between 0 % and 100 %."),
        (CYCLE_LIFE, "bad cycle-life curve", "`cycle life N at D% DoD, …` gives how many full cycles the battery lasts at each depth of discharge. It needs at least two points, each depth once, and fewer cycles at deeper discharge: the cycle count must fall strictly as the depth grows. Points may be written in any order; they are sorted by depth."),
        (UNKNOWN_PRESET, "unknown chemistry preset", "`based on \"NAME\"` takes the unspecified parameters of a chemistry from a preset. The presets are \"LFP\" (lithium iron phosphate) and \"NMC\" (nickel manganese cobalt), written in capitals."),
        (UNKNOWN_ATTRIBUTE, "unknown attribute", "A subsidy's condition or amount names an attribute its item kind does not have. Vehicles have class, powertrain, battery (kWh), price, ice_price (JPY), gross_weight (t) and v2h (flag); chargers have type, power (kW), v2g and with_truck (flags), equipment_price and works_price (JPY); batteries have capacity (kWh), power (kW) and price; pv has capacity (kW) and price. Amounts may also use `awarded`, what earlier programmes already gave the item. See docs/language.md."),
        (CONDITION_TYPE, "comparison of different kinds", "A subsidy condition compares an attribute with a value of another kind: a text attribute (class, powertrain, type) with a number, a flag (v2h, v2g, with_truck) with anything but true or false, or a number with a text. Texts and flags take only `==` and `!=`; a flag may stand alone (`where v2g`, `where not v2g`)."),
        (AMOUNT_TYPE, "amount is not money", "A subsidy amount must compute to money (JPY). Money adds to and subtracts from money; a price per unit times a quantity of that unit is money (`60000 JPY per kW * power`); a plain number scales money; `50% of X` and `2/3 of X` take a share of money; min and max take values of one kind. Texts and flags cannot enter an amount."),
        (UNKNOWN_SUBSIDY, "excluded subsidy not found", "`excludes \"NAME\"` names a subsidy that, when it already paid for the item, rules this one out. The name must be a subsidy of the same package (an error rather than a warning: a misspelt name would silently let both subsidies pay), and not the subsidy itself."),
        (BAD_WINDOW, "window ends before it starts", "`window FIRST..LAST` gives the first and the last day (both included) on which a purchase is eligible: LAST may not be before FIRST."),
        (UNKNOWN_VALUE, "unknown attribute value", "A text attribute is compared with a value it never takes: class is one of kei-van, van, light-truck, truck, car; powertrain one of BEV, PHEV, FCV; a charger's type one of normal, fast, ultra-fast. Values are case-sensitive."),
        (UNUSED_PERIOD, "periods never used", "The tariff declares time-of-use periods but prices nothing by them (the energy price is flat or seasonal). Either the energy block should be keyed by the periods, or the periods block is left over."),
        (RATE_OUTLIER, "rate far from its siblings", "A price is more than 5 times above or below the median of its sibling prices (the other periods, seasons or tiers), or the value before it in a timeline. That is usually a misplaced decimal point (195.1 for 19.51) or a wrong unit. A warning: if the figure is right, nothing needs to change."),
        (UNKNOWN_PARTY, "unknown party", "Every `revenue`, `fee`, `cover`, `floor`, `cap`, `above`, `insurance`, `owner` and `var limit` statement of a `risk_sharing` block names parties declared in its `parties` statement (`parties fleet, aggregator, oem, insurer`). Check the spelling or add the party."),
        (SHARING_SHARES, "revenue shares do not add up", "The `revenue` statement of a `risk_sharing` block splits the whole V2G margin: each party at most once, each share from 0 % to 100 %, and the shares add up to exactly 100 % (checked in decimal arithmetic)."),
        (SAME_PARTY, "a party pays itself", "Every money term of a `risk_sharing` block moves money `from PAYER to PAYEE`, two different declared parties. For `insurance`, `from` is the insurer and `to` the insured (who pays the premium)."),
        (FREE_PARAMETER, "bad free parameter", "`free revenue PARTY A..B step S`, `free floor|cap|premium A..B step S` (amounts in the statement's unit) and `free cover|above A..B step S` (in %) vary one statement of the deal for the fairness view: the statement must exist exactly once (the party must have a revenue share, and another party a share above 0 % to make room), the step must be above zero, the range ascending from 0, shares at most 100, and all free parameters together at most 100,000 combinations."),
        (INDEX_NEVER_PROVIDED, "index never provided", "An adjustment or computed line reads an index that none of the package's golden tests (tests/*.toml) provides, so no test proves how it is billed. Add a golden bill with `[index]` giving the series."),
        (IDLE_PARTY, "idle party", "A party of a `risk_sharing` block has no revenue share, pays nothing and receives nothing, and is not the owner: it takes no part in the deal. Give it a term or leave it out of `parties`."),
    ];

    /// The title and explanation of a code, if it exists.
    ///
    /// ```
    /// let (title, text) = voltlex_dsl::diagnostic::codes::explain("E0101").unwrap();
    /// assert_eq!(title, "unknown unit");
    /// assert!(text.contains("kWh"));
    /// ```
    pub fn explain(code: &str) -> Option<(&'static str, &'static str)> {
        ALL.iter()
            .find(|(c, _, _)| c.eq_ignore_ascii_case(code))
            .map(|&(_, title, text)| (title, text))
    }
}
