//! Risk sharing: a three-party V2G deal settled over a V2G study's Monte Carlo
//! (`voltlex risk-share`).

use std::path::PathBuf;

use anyhow::{anyhow, bail, Context};
use chrono::NaiveDate;
use voltlex_dsl::rules::RiskSharingRule;
use voltlex_engine::sharing::PartyOutcome;
use voltlex_html::{sharing, Align, Table};

use super::{displayed_as_html, folded, stack};
use crate::risk_share::{RiskShareOptions, RiskShareReport};

/// Where the deal comes from.
#[derive(Debug, Clone)]
enum Deal {
    /// A rule file or package (compiled when run).
    Rules(PathBuf),
    /// A rule text (compiled when run; `origin` names it in diagnostics).
    Text { origin: String, text: String },
    /// A compiled deal.
    Rule(Box<RiskSharingRule>),
}

/// A risk-sharing deal (`risk_sharing` rules) settled over a V2G study (`voltlex
/// risk-share`): each party's net against the status quo, its distribution, the cash by month
/// as paid, and the fairness view of the deal's free parameters.
///
/// ```no_run
/// use voltlex::notebook::RiskShare;
/// let deal = RiskShare::deal("tariff-rules/examples-risk-sharing")
///     .scenario("workbooks/examples/fleet/v2g-risk-share.json")
///     .scenarios(200)
///     .seed(7)
///     .run()?;
/// assert!(deal.party("aggregator").is_some());
/// # Ok::<(), anyhow::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct RiskShare {
    deal: Deal,
    scenario: Option<PathBuf>,
    options: RiskShareOptions,
}

impl RiskShare {
    fn with(deal: Deal) -> Self {
        RiskShare {
            deal,
            scenario: None,
            options: RiskShareOptions::default(),
        }
    }

    /// The deal in a rule file or package (the only `risk_sharing` there, or the one
    /// [`name`](Self::name)d).
    ///
    /// ```
    /// let builder = voltlex::notebook::RiskShare::deal("tariff-rules/examples-risk-sharing");
    /// ```
    pub fn deal(rules: impl Into<PathBuf>) -> Self {
        RiskShare::with(Deal::Rules(rules.into()))
    }

    /// The deal in a rule text: a variant of a deal (a term changed, a line left out) tried
    /// without writing a file. `origin` names the text in diagnostics. A text reads no other
    /// file, so it cannot name a `wear plugin` (the wear then follows the study's chemistry,
    /// as in a deal without that line).
    ///
    /// ```
    /// use voltlex::notebook::RiskShare;
    /// let builder = RiskShare::text("variant.vlx", r#"risk_sharing "D" {
    ///     parties fleet, aggregator owner fleet revenue fleet 70%, aggregator 30% }"#);
    /// ```
    pub fn text(origin: &str, text: &str) -> Self {
        RiskShare::with(Deal::Text {
            origin: origin.to_string(),
            text: text.to_string(),
        })
    }

    /// A compiled deal (from [`rules`](super::rules), or changed in code).
    ///
    /// ```
    /// let compilation = voltlex::dsl::package::compile_text("d.vlx", r#"risk_sharing "D" {
    ///     parties fleet, aggregator owner fleet revenue fleet 70%, aggregator 30% }"#);
    /// let deal = compilation.rules.risk_sharings[0].clone();
    /// let builder = voltlex::notebook::RiskShare::rule(deal);
    /// ```
    pub fn rule(deal: RiskSharingRule) -> Self {
        RiskShare::with(Deal::Rule(Box::new(deal)))
    }

    /// The deal's name, when the rules hold more than one.
    ///
    /// ```
    /// use voltlex::notebook::RiskShare;
    /// let builder = RiskShare::deal("tariff-rules/examples-risk-sharing")
    ///     .name("Depot V2G three-party deal");
    /// ```
    pub fn name(mut self, name: &str) -> Self {
        self.options.name = Some(name.to_string());
        self
    }

    /// The V2G study it is settled over: a scenario file with `v2g` and `v2g.risk` sections
    /// (and optionally `v2g.risk_sharing`: months, wear spread, confidence, scenarios).
    ///
    /// ```
    /// use voltlex::notebook::RiskShare;
    /// let builder = RiskShare::deal("tariff-rules/examples-risk-sharing")
    ///     .scenario("workbooks/examples/fleet/v2g-risk-share.json");
    /// ```
    pub fn scenario(mut self, path: impl Into<PathBuf>) -> Self {
        self.scenario = Some(path.into());
        self
    }

    /// Monte Carlo price scenarios (the file's `v2g.risk_sharing.scenarios`, else 500).
    ///
    /// ```
    /// let builder = voltlex::notebook::RiskShare::deal("deal.vlx").scenarios(100);
    /// ```
    pub fn scenarios(mut self, scenarios: usize) -> Self {
        self.options.scenarios = Some(scenarios);
        self
    }

    /// Monte Carlo seed (the file's `v2g.risk.seed`; same seed, same numbers).
    ///
    /// ```
    /// let builder = voltlex::notebook::RiskShare::deal("deal.vlx").seed(7);
    /// ```
    pub fn seed(mut self, seed: u64) -> Self {
        self.options.seed = Some(seed);
        self
    }

    /// Months of the contract horizon (the file's `v2g.risk_sharing.months`, else 12).
    ///
    /// ```
    /// let builder = voltlex::notebook::RiskShare::deal("deal.vlx").months(24);
    /// ```
    pub fn months(mut self, months: usize) -> Self {
        self.options.months = Some(months);
        self
    }

    /// The deal, compiled if need be.
    fn compiled(&self) -> anyhow::Result<RiskSharingRule> {
        match &self.deal {
            Deal::Rules(path) => crate::risk_share::read_deal(path, self.options.name.as_deref()),
            Deal::Rule(deal) => Ok((**deal).clone()),
            Deal::Text { origin, text } => {
                let compilation = voltlex_dsl::package::compile_text(origin, text);
                if compilation.has_errors() {
                    bail!(
                        "the deal text {origin} has errors:\n{}",
                        compilation
                            .diagnostics
                            .iter()
                            .map(|d| d.render(&compilation.sources))
                            .collect::<Vec<_>>()
                            .join("\n")
                    );
                }
                let deals = compilation.rules.risk_sharings;
                let found: Vec<&RiskSharingRule> = match &self.options.name {
                    Some(name) => deals.iter().filter(|d| &d.name == name).collect(),
                    None => deals.iter().collect(),
                };
                match found.as_slice() {
                    [deal] => Ok((*deal).clone()),
                    _ => bail!(
                        "{origin}: expected {} risk_sharing block, found {} ({})",
                        self.options
                            .name
                            .as_deref()
                            .map_or_else(|| "one".to_string(), |n| format!("one {n:?}")),
                        found.len(),
                        deals
                            .iter()
                            .map(|d| format!("{:?}", d.name))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                }
            }
        }
    }

    /// Runs the study, settles the deal in every scenario and searches its free parameters
    /// (what `voltlex risk-share` does).
    ///
    /// ```
    /// use voltlex::notebook::RiskShare;
    /// let deal = RiskShare::deal("tariff-rules/examples-risk-sharing")
    ///     .scenario("workbooks/examples/fleet/v2g-risk-share.json")
    ///     .scenarios(10)
    ///     .months(2)
    ///     .run()?;
    /// assert_eq!(deal.report.outcome.scenarios, 10);
    /// assert!(deal.report.outcome.conservation_error < 1e-6);
    /// # Ok::<(), anyhow::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// No [`scenario`](Self::scenario) given; the rules' diagnostics; the study's errors; a
    /// deal with a `wear plugin` when voltlex is built without the `wasm` feature (as the
    /// notebooks are: give the deal without that line, see `docs/notebooks.md`).
    pub fn run(&self) -> anyhow::Result<RiskShareResult> {
        let scenario = self.scenario.as_ref().ok_or_else(|| {
            anyhow!("RiskShare: no V2G study to settle the deal over: call .scenario(path)")
        })?;
        let deal = self.compiled()?;
        let report = crate::risk_share::run(&deal, scenario, &self.options, &mut |_| {})
            .with_context(|| format!("risk sharing {:?} over {}", deal.name, scenario.display()))?;
        Ok(RiskShareResult { report })
    }
}

/// A deal settled over a study: the CLI's [`RiskShareReport`] with a display.
#[derive(Debug, Clone)]
pub struct RiskShareResult {
    /// Everything `voltlex risk-share` reports (the outcome per party, the fairness view, the
    /// system per year, the terms).
    pub report: RiskShareReport,
}

/// Bins of each party's histogram.
const BINS: usize = 24;

impl RiskShareResult {
    /// The outcome of one party (`None`: no such party in the deal).
    ///
    /// ```
    /// # fn show(deal: &voltlex::notebook::RiskShareResult) {
    /// if let Some(fleet) = deal.party("fleet") {
    ///     println!("fleet: {:.0} expected, {:.0} without the deal", fleet.expected,
    ///         fleet.status_quo_expected);
    /// }
    /// # }
    /// ```
    pub fn party(&self, name: &str) -> Option<&PartyOutcome> {
        self.report.outcome.parties.iter().find(|p| p.party == name)
    }

    /// The deal and the system, each party against the status quo, a histogram of each
    /// party's net over the scenarios, the expected cash by month as paid, the fairness view.
    ///
    /// ```
    /// # fn show(deal: &voltlex::notebook::RiskShareResult) {
    /// let html = deal.to_html();
    /// assert!(html.contains("status quo"));
    /// # }
    /// ```
    pub fn to_html(&self) -> String {
        let report = &self.report;
        let outcome = &report.outcome;
        let currency = &outcome.currency;
        let money = |v: f64| voltlex_html::format_number(v, 0);
        let mut parts = Vec::new();
        let mut terms = Table::new(["term"]).caption(format!(
            "{} over \"{}\": {} month(s) from {}, {} price scenarios ({}, seed {}); wear: {}; \
             {} vehicles, {} kWh packs",
            outcome.deal,
            report.scenario,
            outcome.months,
            report.first_month,
            outcome.scenarios,
            report.price_model,
            report.seed,
            report.wear_model,
            report.vehicles,
            voltlex_html::format_number(report.battery_kwh, 1)
        ));
        for line in &report.terms {
            terms.push_row([line.clone()]);
        }
        parts.push(terms.to_html());
        let system = &report.system_per_year;
        parts.push(
            Table::new([
                "per year".to_string(),
                format!("margin ({currency})"),
                format!("extra battery wear ({currency})"),
                format!("net ({currency})"),
                "kWh discharged".into(),
            ])
            .caption("The V2G operation before any deal, expected per year: what there is to share")
            .align([
                Align::Left,
                Align::Right,
                Align::Right,
                Align::Right,
                Align::Right,
            ])
            .row([
                "system".to_string(),
                money(system.margin),
                money(system.wear),
                money(system.net),
                money(system.discharged_kwh),
            ])
            .to_html(),
        );
        parts.push(sharing::parties_table(outcome).to_html());
        for party in &outcome.parties {
            match sharing::party_histogram(party, currency, outcome.confidence, BINS) {
                Ok(chart) => parts.push(chart.to_svg()),
                Err(error) => parts.push(format!(
                    "<p>{}: no histogram ({})</p>",
                    voltlex_html::escape(&party.party),
                    voltlex_html::escape(&error.to_string())
                )),
            }
        }
        match NaiveDate::parse_from_str(&format!("{}-01", report.first_month), "%Y-%m-%d") {
            Ok(first) => {
                parts.push(sharing::cash_by_month(outcome, first).to_svg());
                parts.push(folded(
                    "cash by month as paid (table)",
                    &sharing::cash_table(outcome, first).to_html(),
                ));
            }
            Err(error) => parts.push(format!(
                "<p>no cash by month: the first month {:?} is not YYYY-MM ({})</p>",
                voltlex_html::escape(&report.first_month),
                voltlex_html::escape(&error.to_string())
            )),
        }
        if let Some(view) = &report.fairness {
            parts.push(sharing::fairness_table(view).to_html());
            if let Some(grid) = sharing::fairness_grid(view) {
                parts.push(grid.to_html());
            }
        }
        stack(&parts)
    }
}

displayed_as_html!(RiskShareResult);
