//! `voltlex risk-share`: a three-party V2G deal (`risk_sharing` rules) settled over the
//! Monte Carlo of a V2G study (design and decisions: `docs/risk-sharing.md`).
//!
//! The study (`voltlex v2g`'s scenario file with a `v2g.risk` section) gives the fleet's
//! days as virtual batteries and the price model. Each month of the contract horizon draws its
//! own price scenarios from the same calendar month of the history (seed + month) and
//! re-dispatches the studied days under them: the margin before wear and the kWh discharged.
//! Each contract year draws the packs' capacity loss with and without V2G (the engine's model
//! with a log-normal spread, or the deal's wasm plugin). The deal is then settled in every
//! scenario ([`voltlex_engine::sharing`]); the fairness view searches its free parameters.

use std::path::Path;

use anyhow::{anyhow, bail, Context};
use chrono::Months;
use serde::{Deserialize, Serialize};
use voltlex_dsl::rules::RiskSharingRule;
use voltlex_dsl::sandbox::Sandboxes;
use voltlex_engine::risk::generate;
use voltlex_engine::sharing::fairness::FairnessView;
use voltlex_engine::sharing::wear::year_draws;
use voltlex_engine::sharing::{
    evaluate, search, FleetFacts, SharingOutcome, SystemMonth, SystemScenario, WearInputs,
    WearModel,
};
use voltlex_engine::v2g::monte_carlo::monthly_outcomes;

use crate::v2g_scenario::{self, MonteCarloInputs, V2gOptions};

/// `v2g.risk_sharing` in the scenario file: how a deal is settled over the study.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SharingSection {
    /// Months of the contract horizon (from the study's month).
    #[serde(default = "twelve")]
    pub months: usize,
    /// σ of the log-normal spread of capacity loss per scenario-year (the engine's model).
    #[serde(default = "default_spread")]
    pub wear_spread: f64,
    /// Confidence of VaR and CVaR (a deal's `var limit` sets its own for the fairness view).
    #[serde(default = "default_confidence")]
    pub confidence: f64,
    /// Price scenarios (default [`DEFAULT_SCENARIOS`]).
    #[serde(default)]
    pub scenarios: Option<usize>,
}

fn twelve() -> usize {
    12
}
fn default_spread() -> f64 {
    0.25
}
fn default_confidence() -> f64 {
    0.95
}

impl Default for SharingSection {
    fn default() -> Self {
        SharingSection {
            months: twelve(),
            wear_spread: default_spread(),
            confidence: default_confidence(),
            scenarios: None,
        }
    }
}

/// Price scenarios when neither the file nor the command line says.
pub const DEFAULT_SCENARIOS: usize = 500;

/// Command-line choices.
#[derive(Debug, Clone, Default)]
pub struct RiskShareOptions {
    /// The deal's name, when the rules hold more than one.
    pub name: Option<String>,
    /// Price scenarios (overrides the file).
    pub scenarios: Option<usize>,
    /// Seed (overrides the file's `v2g.risk.seed`).
    pub seed: Option<u64>,
    /// Months of the horizon (overrides the file).
    pub months: Option<usize>,
}

/// The system before any deal, expected per year.
#[derive(Debug, Clone, Serialize)]
pub struct SystemSummary {
    /// Margin before wear.
    pub margin: f64,
    /// Extra wear from V2G.
    pub wear: f64,
    /// Margin − wear: what there is to share.
    pub net: f64,
    /// Battery-side kWh discharged.
    pub discharged_kwh: f64,
}

/// Everything `voltlex risk-share` reports.
#[derive(Debug, Clone, Serialize)]
pub struct RiskShareReport {
    /// The V2G study's name.
    pub scenario: String,
    /// First month of the horizon (`YYYY-MM`).
    pub first_month: String,
    /// Price model and seed.
    pub price_model: String,
    /// Seed.
    pub seed: u64,
    /// How capacity loss was drawn.
    pub wear_model: String,
    /// The fleet.
    pub vehicles: f64,
    /// Mean pack, kWh.
    pub battery_kwh: f64,
    /// Replacement cost per kWh.
    pub replacement_cost_per_kwh: f64,
    /// The system, expected per contract year.
    pub system_per_year: SystemSummary,
    /// The deal settled.
    pub outcome: SharingOutcome,
    /// The fairness view (when the deal has free parameters).
    pub fairness: Option<FairnessView>,
    /// The deal's terms, one line each (`fee 1.5 JPY/kWh from fleet to oem (sharing.vlx:17)`).
    pub terms: Vec<String>,
}

impl RiskShareReport {
    /// `YYYY-MM` of every month of cash as paid (the horizon plus the payment delay).
    pub fn paid_month_labels(&self) -> Vec<String> {
        let months = self
            .outcome
            .parties
            .iter()
            .map(|p| p.monthly_expected_paid.len())
            .max()
            .unwrap_or(0);
        let first =
            chrono::NaiveDate::parse_from_str(&format!("{}-01", self.first_month), "%Y-%m-%d")
                .unwrap_or_default();
        voltlex_html::sharing::month_labels(first, months)
    }
}

/// Reads the deal named `name` (or the only one) from a rule file or package.
///
/// # Errors
///
/// The rules' diagnostics, or a message naming the deals there are.
pub fn read_deal(rules: &Path, name: Option<&str>) -> anyhow::Result<RiskSharingRule> {
    let compilation = crate::request::compile(rules)?;
    let deals = &compilation.rules.risk_sharings;
    let names = || {
        deals
            .iter()
            .map(|d| format!("{:?}", d.name))
            .collect::<Vec<_>>()
            .join(", ")
    };
    match name {
        Some(name) => deals
            .iter()
            .find(|d| d.name == name)
            .cloned()
            .ok_or_else(|| {
                anyhow!(
                    "{}: no risk_sharing named {name:?} (found: {})",
                    rules.display(),
                    if deals.is_empty() {
                        "none".into()
                    } else {
                        names()
                    }
                )
            }),
        None => match deals.as_slice() {
            [deal] => Ok(deal.clone()),
            [] => bail!("{}: no risk_sharing block", rules.display()),
            _ => bail!(
                "{}: {} risk_sharing blocks ({}): choose one with --name",
                rules.display(),
                deals.len(),
                names()
            ),
        },
    }
}

/// The operation's scenarios: `months` months of re-dispatch under fresh prices and the wear
/// of each contract year.
fn system_scenarios(
    inputs: &MonteCarloInputs,
    months: usize,
    count: usize,
    seed: u64,
    model: &WearModel,
    facts: &FleetFacts,
    progress: &mut dyn FnMut(&str),
) -> anyhow::Result<(Vec<SystemScenario>, WearInputs)> {
    let mut scenarios = vec![
        SystemScenario {
            months: Vec::with_capacity(months),
            years: Vec::new(),
        };
        count
    ];
    for month in 0..months {
        progress(&format!("risk-share: month {}/{months}", month + 1));
        let first = inputs
            .first_day
            .checked_add_months(Months::new(month as u32))
            .ok_or_else(|| anyhow!("month {month} after {} is out of range", inputs.first_day))?;
        let prices = generate(
            &inputs.model,
            &inputs.history,
            first,
            inputs.span,
            count,
            seed.wrapping_add(month as u64),
        )?;
        let outcomes = monthly_outcomes(&inputs.fleet_days, &prices, &inputs.month_terms)?;
        for (scenario, outcome) in scenarios.iter_mut().zip(outcomes) {
            scenario.months.push(SystemMonth {
                margin: outcome.margin,
                discharged_kwh: outcome.discharged_kwh,
            });
        }
    }
    let basis = &inputs.wear;
    let chemistry = &basis.chemistry;
    let eol = chemistry.end_of_life_loss;
    let calendar = chemistry.calendar.loss_between(
        basis.age_days,
        basis.age_days + 365.0,
        chemistry.calendar.rate_factor(basis.temperature_c, 0.5),
    );
    let driving_kwh_per_year = basis.driving_kwh_per_vehicle_day * 365.0;
    let cycle_life = chemistry.cycle_life(basis.depth_of_discharge)?;
    let wear_inputs = WearInputs {
        battery_kwh: basis.battery_kwh,
        age_years: basis.age_days / 365.0,
        temperature_c: basis.temperature_c,
        driving_kwh_per_year,
        base_loss_per_year: calendar
            + driving_kwh_per_year * eol
                / (cycle_life * basis.depth_of_discharge * basis.battery_kwh),
        loss_per_kwh: basis.wear_cost_per_kwh * eol
            / (basis.replacement_cost_per_kwh * basis.battery_kwh),
    };
    progress("risk-share: wear");
    let mut sandboxes = Sandboxes::default();
    let years = months.div_ceil(12);
    for (index, scenario) in scenarios.iter_mut().enumerate() {
        let draws = year_draws(seed, index, years);
        for (year, draw) in draws.into_iter().enumerate() {
            let range = scenario.year_months(year);
            let kwh: f64 = scenario
                .months
                .get(range.clone())
                .map_or(0.0, |m| m.iter().map(|m| m.discharged_kwh).sum());
            // A short last year is scaled to a year for the model, and back.
            let fraction = range.len() as f64 / 12.0;
            let per_vehicle_year = kwh / facts.vehicles / fraction.max(1e-9);
            let wear =
                model.year_wear(&wear_inputs, year, per_vehicle_year, draw, &mut sandboxes)?;
            scenario.years.push(voltlex_engine::sharing::YearWear {
                loss_with_v2g: wear.loss_with_v2g * fraction,
                loss_without_v2g: wear.loss_without_v2g * fraction,
            });
        }
    }
    Ok((scenarios, wear_inputs))
}

/// One line per term of the deal, for the report.
fn describe_terms(deal: &RiskSharingRule) -> Vec<String> {
    use voltlex_dsl::rules::{AmountBasis, TermKind, Trigger};
    let currency = deal.currency.code();
    let amount = |a: &voltlex_dsl::rules::SharingAmount| match a.basis {
        AmountBasis::VehicleMonth => format!("{} {currency} per vehicle per month", a.amount),
        AmountBasis::Month => format!("{} {currency} per month", a.amount),
        AmountBasis::KwhDischarged => format!("{} {currency}/kWh discharged", a.amount),
    };
    let mut lines = vec![format!(
        "revenue {} (owner: {})",
        deal.revenue
            .iter()
            .map(|s| format!("{} {}%", s.party, round2(s.share * 100.0)))
            .collect::<Vec<_>>()
            .join(", "),
        deal.owner
    )];
    for term in &deal.terms {
        let what = match &term.kind {
            TermKind::Fee(a) => format!("fee {}", amount(a)),
            TermKind::Floor(a) => format!("floor {} on {}'s share", amount(a), term.payee),
            TermKind::Cap(a) => format!("cap {} on {}'s share", amount(a), term.payer),
            TermKind::Above { threshold, share } => format!(
                "{}% of {}'s share above {}",
                round2(share * 100.0),
                term.payer,
                amount(threshold)
            ),
            TermKind::Cover {
                share,
                allowance_per_year,
                cap_per_vehicle_year,
            } => format!(
                "cover {}% of V2G wear beyond {}% a year{}",
                round2(share * 100.0),
                round2(allowance_per_year * 100.0),
                cap_per_vehicle_year
                    .map(|c| format!(", cap {c} {currency} per vehicle per year"))
                    .unwrap_or_default()
            ),
            TermKind::Insurance {
                premium,
                deductible,
                limit,
                trigger,
            } => format!(
                "insurance: premium {} (paid by {}), deductible {deductible} {currency}, limit {}, trigger {}",
                amount(premium),
                term.payee,
                limit.map_or("none".into(), |l| format!("{l} {currency}")),
                match trigger {
                    Trigger::Loss => "loss",
                    Trigger::Wear => "wear",
                }
            ),
        };
        lines.push(format!(
            "{what} — from {} to {} ({})",
            term.payer, term.payee, term.origin
        ));
    }
    lines.push(format!(
        "payment every {} month(s), {} month(s) after the period",
        deal.payment.period_months, deal.payment.lag_months
    ));
    lines
}

fn round2(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

/// Runs the study at `scenario`, settles `deal` over it and searches its free parameters.
///
/// ```no_run
/// use std::path::Path;
/// use voltlex::risk_share::{read_deal, run, RiskShareOptions};
/// let deal = read_deal(Path::new("tariff-rules/examples-risk-sharing"), None)?;
/// let report = run(&deal, Path::new("workbooks/examples/fleet/v2g-risk-share.json"),
///     &RiskShareOptions::default(), &mut |_| {})?;
/// assert!(report.outcome.conservation_error < 1e-6);
/// # Ok::<(), anyhow::Error>(())
/// ```
///
/// # Errors
///
/// The study's errors; a study without `v2g.risk` (nothing to reprice); the settlement's.
pub fn run(
    deal: &RiskSharingRule,
    scenario: &Path,
    options: &RiskShareOptions,
    progress: &mut dyn FnMut(&str),
) -> anyhow::Result<RiskShareReport> {
    let section = crate::scenario::read(scenario)?
        .v2g
        .and_then(|v2g| v2g.risk_sharing)
        .unwrap_or_default();
    let months = options.months.unwrap_or(section.months);
    if months == 0 || months > 120 {
        bail!(
            "{}: v2g.risk_sharing.months: expected 1 to 120, found {months}",
            scenario.display()
        );
    }
    if !(section.wear_spread >= 0.0 && section.wear_spread <= 2.0) {
        bail!(
            "{}: v2g.risk_sharing.wear_spread: expected a σ from 0 to 2, found {}",
            scenario.display(),
            section.wear_spread
        );
    }
    if !(section.confidence > 0.5 && section.confidence < 1.0) {
        bail!(
            "{}: v2g.risk_sharing.confidence: expected a level between 0.5 and 1, found {}",
            scenario.display(),
            section.confidence
        );
    }
    let v2g_options = V2gOptions {
        markets: None,
        scenarios: Some(1),
        seed: options.seed,
    };
    let (study, inputs) = v2g_scenario::study(scenario, &v2g_options, progress)?;
    let inputs = inputs.ok_or_else(|| {
        anyhow!(
            "{}: risk sharing reprices the study's Monte Carlo: give a `v2g.risk` section (price history and model, see docs/v2g.md)",
            scenario.display()
        )
    })?;
    let count = options
        .scenarios
        .or(section.scenarios)
        .unwrap_or(DEFAULT_SCENARIOS)
        .max(1);
    let seed = options.seed.unwrap_or(inputs.seed);
    let basis = &inputs.wear;
    let facts = FleetFacts {
        vehicles: basis.enrolled as f64,
        battery_kwh: basis.battery_kwh,
        replacement_cost_per_kwh: basis.replacement_cost_per_kwh,
        end_of_life_loss: basis.chemistry.end_of_life_loss,
    }
    .validated()
    .with_context(|| format!("{}: the enrolled fleet", scenario.display()))?;
    let (model, wear_model) = match &deal.wear_plugin {
        Some(plugin) => (
            WearModel::Plugin(plugin.clone()),
            format!("plugin {} (`{}`)", plugin.file, plugin.export),
        ),
        None => (
            WearModel::Spread {
                sigma: section.wear_spread,
            },
            format!(
                "{} chemistry, log-normal spread σ = {}",
                basis.chemistry.name, section.wear_spread
            ),
        ),
    };
    let (scenarios, _) = system_scenarios(&inputs, months, count, seed, &model, &facts, progress)?;
    progress("risk-share: settling");
    let outcome = evaluate(deal, &facts, &scenarios, section.confidence)?;
    let fairness = if deal.free.is_empty() {
        None
    } else {
        progress("risk-share: fairness");
        Some(search(deal, &facts, &scenarios, section.confidence)?)
    };
    let years = months as f64 / 12.0;
    let per_year = |f: &dyn Fn(&SystemScenario) -> f64| {
        scenarios.iter().map(f).sum::<f64>() / scenarios.len() as f64 / years
    };
    let margin = per_year(&|s| s.months.iter().map(|m| m.margin).sum());
    let wear = per_year(&|s| {
        (0..s.years.len())
            .map(|y| s.wear_cost_of_year(y, &facts))
            .sum()
    });
    Ok(RiskShareReport {
        scenario: study.scenario,
        first_month: inputs.first_day.format("%Y-%m").to_string(),
        price_model: inputs.model_name.clone(),
        seed,
        wear_model,
        vehicles: facts.vehicles,
        battery_kwh: facts.battery_kwh,
        replacement_cost_per_kwh: facts.replacement_cost_per_kwh,
        system_per_year: SystemSummary {
            margin,
            wear,
            net: margin - wear,
            discharged_kwh: per_year(&|s| s.months.iter().map(|m| m.discharged_kwh).sum()),
        },
        outcome,
        fairness,
        terms: describe_terms(deal),
    })
}
