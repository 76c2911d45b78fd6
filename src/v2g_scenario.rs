//! `voltlex v2g`: the scheduling scenario's fleet routine repeated over consecutive days,
//! dispatched with and without discharge, priced against wear and the aggregator contract,
//! billed, and put through price risk.
//!
//! The scenario file is the one of `voltlex schedule` (see [`crate::scenario`]) with a `v2g`
//! section:
//!
//! ```json
//! "v2g": {
//!   "rules": "../../../tariff-rules/examples-v2g", "contract": "Example VPP",
//!   "days": 31,
//!   "spot": { "file": "../../../../shared/data/jepx/spot_summary_2024.csv", "area": "tokyo",
//!             "index": "jepx-tokyo" },
//!   "export_cap_kw": 200, "minimum_soc_pct": 30,
//!   "replacement_cost_per_kwh": 20000, "wear_depth_of_discharge": 0.8,
//!   "temperature_c": 25, "battery_age_days": 365,
//!   "balancing": { "capacity_price": 0.91, "energy_price": 15, "activation_share": 0.1,
//!                  "no_show_share": 0.02 },
//!   "power_factor": { "kva_per_kw": 1.0 },
//!   "risk": { "history": ["…/spot_summary_2023.csv", "…/spot_summary_2024.csv"],
//!             "model": "bootstrap", "block_days": 7, "scenarios": 1000, "seed": 42,
//!             "confidence": [0.95, 0.99] }
//! }
//! ```
//!
//! Decisions (see `docs/v2g.md`): day-ahead, one day at a time, the month's running peak as
//! the ratchet; the baseline is the same optimiser without discharge; a vehicle is enrolled
//! when its charger is V2G-capable (V2B needs no aggregator; exports and balancing need the
//! contract's markets); the wear price per discharged kWh is the chemistry's cost at
//! `wear_depth_of_discharge`, the waterfall's wear is rainflow-counted.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context};
use chrono::NaiveDateTime;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use voltlex_dsl::rules::Market;
use voltlex_engine::battery::{cost_per_discharged_kwh, Chemistry};
use voltlex_engine::inputs::IndexSeries;
use voltlex_engine::month::YearMonth;
use voltlex_engine::read::{self, JepxArea};
use voltlex_engine::risk::{
    generate, stress_cases, DailyPrices, Histogram, JumpParams, PriceModel, RiskReport,
};
use voltlex_engine::schedule::check::{check_with, CheckOptions};
use voltlex_engine::schedule::Mode;
use voltlex_engine::v2g::balancing::{offers, BalancingProduct};
use voltlex_engine::v2g::monte_carlo::{monthly_profits, FleetDay, MonthTerms};
use voltlex_engine::v2g::power_factor::{improved_power_factor, reactive_support_kvarh};
use voltlex_engine::v2g::study::{self, SessionWear, StudyDay, StudyOptions};
use voltlex_engine::v2g::waterfall::{ContractTerms, VehicleFigures, Waterfall};
use voltlex_engine::v2g::{V2gProblem, V2gSession};

use crate::scenario::{self, Scenario};

/// The `v2g` section of a scenario file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct V2gSection {
    /// Rule package with the contract and custom chemistries.
    #[serde(default)]
    rules: Option<PathBuf>,
    /// The `contract aggregator` to apply (none: own use, V2B only).
    #[serde(default)]
    contract: Option<String>,
    /// Consecutive days the routine is repeated from the horizon's start.
    #[serde(default = "one_day")]
    days: u32,
    /// JEPX prices: export prices and the historical spot of the Monte Carlo.
    #[serde(default)]
    spot: Option<SpotSection>,
    /// Largest export when the contract sells spot, kW.
    #[serde(default)]
    export_cap_kw: f64,
    /// Battery floor while plugged in, % of capacity (the contract's `minimum soc` wins).
    #[serde(default = "default_floor")]
    minimum_soc_pct: f64,
    /// Chemistry of every vehicle, overriding the vehicles file (a preset or a chemistry of
    /// `rules`), e.g. to compare an LFP fleet with an NMC one.
    #[serde(default)]
    chemistry: Option<String>,
    /// Pack replacement cost per kWh (a chemistry rule's own figure wins).
    #[serde(default = "default_replacement")]
    replacement_cost_per_kwh: f64,
    /// Depth of the cycles the optimiser's wear price assumes.
    #[serde(default = "default_depth")]
    wear_depth_of_discharge: f64,
    /// Cell temperature, °C.
    #[serde(default = "default_temperature")]
    temperature_c: f64,
    /// Age of the packs at the start, days.
    #[serde(default = "default_age")]
    battery_age_days: f64,
    /// Balancing-market prices, when the contract enters a balancing product.
    #[serde(default)]
    balancing: Option<BalancingSection>,
    /// Power-factor support by the V2G inverters.
    #[serde(default)]
    power_factor: Option<PowerFactorSection>,
    /// Monte Carlo of spot prices.
    #[serde(default)]
    risk: Option<RiskSection>,
    /// How `voltlex risk-share` settles a deal over this study (see docs/risk-sharing.md).
    #[serde(default)]
    pub risk_sharing: Option<crate::risk_share::SharingSection>,
}

fn one_day() -> u32 {
    1
}
fn default_floor() -> f64 {
    30.0
}
fn default_replacement() -> f64 {
    20_000.0
}
fn default_depth() -> f64 {
    0.8
}
fn default_temperature() -> f64 {
    25.0
}
fn default_age() -> f64 {
    365.0
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct SpotSection {
    file: PathBuf,
    #[serde(default = "default_area")]
    area: String,
    /// The site's index name for this price (its pass-through into the tariff).
    #[serde(default)]
    index: Option<String>,
}

fn default_area() -> String {
    "tokyo".into()
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct BalancingSection {
    /// JPY per ΔkW per 30 minutes.
    capacity_price: f64,
    /// JPY per kWh of activated energy.
    #[serde(default)]
    energy_price: f64,
    #[serde(default)]
    activation_share: f64,
    #[serde(default)]
    no_show_share: f64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct PowerFactorSection {
    /// Inverter kVA per kW of charger rating.
    #[serde(default = "one_f64")]
    kva_per_kw: f64,
}

fn one_f64() -> f64 {
    1.0
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RiskSection {
    history: Vec<PathBuf>,
    #[serde(default = "default_model")]
    model: String,
    #[serde(default = "default_block")]
    block_days: usize,
    #[serde(default = "default_scenarios")]
    scenarios: usize,
    #[serde(default = "default_seed")]
    seed: u64,
    #[serde(default = "default_confidence")]
    confidence: Vec<f64>,
}

fn default_model() -> String {
    "bootstrap".into()
}
fn default_block() -> usize {
    7
}
fn default_scenarios() -> usize {
    1000
}
fn default_seed() -> u64 {
    42
}
fn default_confidence() -> Vec<f64> {
    vec![0.95, 0.99]
}

/// Command-line overrides.
#[derive(Debug, Clone, Default)]
pub struct V2gOptions {
    /// Markets to enter (a subset of the contract's); `None` = the contract's.
    pub markets: Option<Vec<Market>>,
    /// Monte Carlo scenarios.
    pub scenarios: Option<usize>,
    /// Monte Carlo seed.
    pub seed: Option<u64>,
}

/// The bills of the study's months, with and without V2G.
#[derive(Debug, Clone, Serialize)]
pub struct BillComparison {
    /// Bill total with charge-only dispatch.
    pub baseline_total: String,
    /// Bill total with V2G dispatch.
    pub v2g_total: String,
    /// Baseline − V2G (positive: V2G lowers the bill).
    pub saving: f64,
    /// Demand saving: contract-demand change × demand price × months the ratchet keeps it.
    pub demand_saving: f64,
    /// Contract demand, baseline and V2G, kW.
    pub contract_kw: (f64, f64),
}

/// Power-factor support.
#[derive(Debug, Clone, Serialize)]
pub struct PowerFactorSupport {
    /// Month.
    pub month: String,
    /// Power factor before, %.
    pub before_pct: f64,
    /// With the inverters' reactive support, %.
    pub after_pct: f64,
    /// Reactive energy supplied, kvarh.
    pub support_kvarh: f64,
    /// Bill saving (billed twice by the billing engine).
    pub saving: f64,
}

/// Balancing offers summed over the days.
#[derive(Debug, Clone, Serialize)]
pub struct BalancingSummary {
    /// Product.
    pub market: String,
    /// Blocks offered.
    pub blocks_offered: usize,
    /// Blocks not offered (below the minimum bid or cut).
    pub blocks_skipped: usize,
    /// Capacity + energy revenue − recharge − penalties.
    pub net_revenue: f64,
    /// The largest headroom any block had, kW (to compare with the minimum bid).
    pub largest_headroom_kw: f64,
    /// The contract's minimum bid, kW.
    pub minimum_bid_kw: f64,
}

/// One confidence level of the Monte Carlo.
#[derive(Debug, Clone, Serialize)]
pub struct RiskLine {
    /// Confidence level.
    pub confidence: f64,
    /// VaR of the monthly net (a loss; negative = even the bad case earns).
    pub value_at_risk: f64,
    /// Its 95 % interval.
    pub value_at_risk_interval: (f64, f64),
    /// CVaR.
    pub conditional_value_at_risk: f64,
    /// Its interval.
    pub conditional_value_at_risk_interval: (f64, f64),
}

/// A historical stress case.
#[derive(Debug, Clone, Serialize)]
pub struct StressLine {
    /// What it is.
    pub name: String,
    /// Days of the case used.
    pub days: usize,
    /// Net to the fleet under it.
    pub net: f64,
}

/// The Monte Carlo's results.
#[derive(Debug, Clone, Serialize)]
pub struct RiskSummary {
    /// Price model.
    pub model: String,
    /// Seed.
    pub seed: u64,
    /// Scenarios.
    pub scenarios: usize,
    /// Mean monthly net.
    pub mean_net: f64,
    /// Per confidence level.
    pub levels: Vec<RiskLine>,
    /// Histogram of the monthly net: bin edges and counts.
    pub histogram: (Vec<f64>, Vec<usize>),
    /// Historical stress cases.
    pub stress: Vec<StressLine>,
}

/// Everything `voltlex v2g` reports.
#[derive(Debug, Clone, Serialize)]
pub struct V2gReport {
    /// Scenario name.
    pub scenario: String,
    /// Contract (empty: own use).
    pub contract: String,
    /// Markets entered.
    pub markets: Vec<String>,
    /// Currency.
    pub currency: String,
    /// Days studied and the first day's start.
    pub days: usize,
    /// First day.
    pub first_day: String,
    /// Per day: start, V2G and baseline peaks, discharged and exported kWh.
    pub daily: Vec<study::DayResult>,
    /// Plans that failed the independent checker (must be 0).
    pub checker_failures: usize,
    /// Fleet waterfall.
    pub fleet: Waterfall,
    /// Per-vehicle waterfalls (enrolled vehicles).
    pub vehicles: Vec<Waterfall>,
    /// Wear: battery kWh discharged and extra wear cost per vehicle.
    pub wear: Vec<(String, f64, f64)>,
    /// Bills.
    pub bills: Option<BillComparison>,
    /// Balancing.
    pub balancing: Vec<BalancingSummary>,
    /// Power factor.
    pub power_factor: Vec<PowerFactorSupport>,
    /// Risk.
    pub risk: Option<RiskSummary>,
}

/// Run the study of the scenario at `path` (see the module documentation).
///
/// ```no_run
/// use std::path::Path;
/// use voltlex::v2g_scenario::{run, V2gOptions};
/// let report = run(Path::new("workbooks/examples/fleet/v2g-july.json"), &V2gOptions::default(),
///     &mut |_| {})?;
/// assert_eq!(report.checker_failures, 0);
/// # Ok::<(), anyhow::Error>(())
/// ```
///
/// # Errors
///
/// A message naming the file and what is wrong.
pub fn run(
    path: &Path,
    options: &V2gOptions,
    progress: &mut dyn FnMut(&str),
) -> anyhow::Result<V2gReport> {
    study(path, options, progress).map(|(report, _)| report)
}

/// What a study's Monte Carlo repriced, for repricing the operation elsewhere (a
/// risk-sharing deal settles it month by month, `voltlex risk-share`).
#[derive(Debug, Clone)]
pub struct MonteCarloInputs {
    /// The study's days as virtual batteries.
    pub fleet_days: Vec<FleetDay>,
    /// The price history the scenarios are drawn from.
    pub history: DailyPrices,
    /// The price model.
    pub model: PriceModel,
    /// The model as the report names it.
    pub model_name: String,
    /// The study's first day.
    pub first_day: chrono::NaiveDate,
    /// Days of prices a scenario needs.
    pub span: usize,
    /// Scenarios and seed (after the command line's overrides).
    pub scenarios: usize,
    /// Seed.
    pub seed: u64,
    /// Fixed fees and the constant of the study's month.
    pub month_terms: MonthTerms,
    /// The packs and their wear.
    pub wear: WearBasis,
}

/// The enrolled fleet's packs and their wear, as the exact study saw them.
#[derive(Debug, Clone)]
pub struct WearBasis {
    /// Enrolled vehicles.
    pub enrolled: usize,
    /// Their mean nominal capacity, kWh.
    pub battery_kwh: f64,
    /// The chemistry of the first enrolled vehicle (a mixed fleet is priced as that one).
    pub chemistry: Chemistry,
    /// Its replacement cost per kWh.
    pub replacement_cost_per_kwh: f64,
    /// Cell temperature, °C.
    pub temperature_c: f64,
    /// Pack age at the start, days.
    pub age_days: f64,
    /// Depth of the cycles the wear price assumes.
    pub depth_of_discharge: f64,
    /// Battery-side kWh driven per vehicle per day (energy charged for the trips).
    pub driving_kwh_per_vehicle_day: f64,
    /// The exact study's extra wear cost per battery-side kWh discharged (rainflow-counted).
    pub wear_cost_per_kwh: f64,
}

/// The study and, when it has a `risk` section, what its Monte Carlo repriced.
///
/// # Errors
///
/// As [`run`].
pub fn study(
    path: &Path,
    options: &V2gOptions,
    progress: &mut dyn FnMut(&str),
) -> anyhow::Result<(V2gReport, Option<MonteCarloInputs>)> {
    let first = scenario::read(path)?;
    let section = first.v2g.clone().ok_or_else(|| {
        anyhow!(
            "{}: no \"v2g\" section: `voltlex v2g` needs one (see docs/v2g.md)",
            path.display()
        )
    })?;
    let folder = first.folder.clone();
    let at = |p: &Path| folder.join(p);
    // The waterfall, the bills and the risk are monthly: one study, one calendar month.
    let first_start = first.fleet.problem.start;
    let last_start = first_start + chrono::Duration::days(i64::from(section.days.max(1)) - 1);
    if YearMonth::of(last_start.date()) != YearMonth::of(first_start.date()) {
        bail!(
            "{}: v2g.days: {} days from {first_start} reach into {} — a study covers one \
             calendar month (its waterfall, bills and risk are monthly): expected at most {} \
             days, found {}",
            path.display(),
            section.days,
            YearMonth::of(last_start.date()),
            i64::from(YearMonth::of(first_start.date()).days())
                - i64::from(chrono::Datelike::day(&first_start.date()))
                + 1,
            section.days
        );
    }
    if section.days == 0 {
        bail!("{}: v2g.days: expected at least 1, found 0", path.display());
    }

    // Contract and chemistries.
    let compiled = match &section.rules {
        Some(rules) => Some(crate::request::compile(&at(rules))?),
        None => None,
    };
    let mut terms = match (&section.contract, &compiled) {
        (Some(name), Some(compilation)) => ContractTerms::from_rule(
            compilation.rules.aggregator_contract(name).ok_or_else(|| {
                anyhow!(
                    "{}: v2g.contract: no contract aggregator named {name:?} in {}",
                    path.display(),
                    section.rules.as_deref().unwrap_or(Path::new("")).display()
                )
            })?,
        ),
        (Some(_), None) => bail!(
            "{}: v2g.contract needs v2g.rules (the package that defines it)",
            path.display()
        ),
        (None, _) => ContractTerms::own_use(),
    };
    if let Some(markets) = &options.markets {
        if let Some(outside) = markets.iter().find(|m| !terms.enters(**m)) {
            bail!(
                "--market {outside}: the contract {:?} does not enter it (it enters: {})",
                terms.name,
                terms
                    .markets
                    .iter()
                    .map(|m| m.keyword())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        terms.markets = markets.clone();
    }
    let chemistry_of = |name: &str| -> anyhow::Result<(Chemistry, f64)> {
        if let Some(rule) = compiled.as_ref().and_then(|c| c.rules.chemistry(name)) {
            let chemistry = Chemistry::from_rule(rule)?;
            let cost = Chemistry::replacement_cost_from_rule(rule)?
                .unwrap_or(section.replacement_cost_per_kwh);
            return Ok((chemistry, cost));
        }
        let chemistry = Chemistry::preset(name).ok_or_else(|| {
            anyhow!(
                "{}: chemistry {name:?}: expected LFP, NMC or a chemistry of v2g.rules",
                path.display()
            )
        })?;
        Ok((chemistry, section.replacement_cost_per_kwh))
    };

    // JEPX prices for exports.
    let spot_series = match &section.spot {
        Some(spot) => {
            let area: JepxArea = spot
                .area
                .parse()
                .map_err(|e| anyhow!("{}: v2g.spot.area: {e}", path.display()))?;
            Some(read::jepx_spot_summary(at(&spot.file), area)?)
        }
        None => None,
    };
    let spot_at = |time: NaiveDateTime| -> Option<f64> {
        match spot_series.as_ref()? {
            IndexSeries::Interval { values, .. } => values.get(&time).and_then(|v| v.to_f64()),
            IndexSeries::Monthly(_) => None,
        }
    };

    let floor_share = terms
        .minimum_soc
        .unwrap_or(section.minimum_soc_pct / 100.0)
        .clamp(0.0, 1.0);
    let exports = terms.enters(Market::Spot) && section.export_cap_kw > 0.0;
    if exports && spot_series.is_none() {
        bail!(
            "{}: the contract sells spot: give v2g.spot (the JEPX file)",
            path.display()
        );
    }

    // The days.
    let mut scenarios = Vec::new();
    let mut study_days = Vec::new();
    let mut spot_by_day = Vec::new();
    for day in 0..section.days {
        progress(&format!("day {}/{}: reading", day + 1, section.days));
        let scenario = if day == 0 {
            scenario::read(path)?
        } else {
            scenario::read_shifted(path, i64::from(day))
                .with_context(|| format!("day {} of v2g.days", day + 1))?
        };
        let charging = scenario.fleet.problem.clone();
        let slots = charging.slots();
        let mut spot = Vec::with_capacity(slots);
        for slot in 0..slots {
            let time = charging.slot_start(slot);
            spot.push(match &spot_series {
                Some(_) => spot_at(time).ok_or_else(|| {
                    anyhow!(
                        "{}: v2g.spot: no JEPX price for {time} (the file must cover every day studied)",
                        path.display()
                    )
                })?,
                None => 0.0,
            });
        }
        let mut sessions = Vec::with_capacity(charging.sessions.len());
        let mut wear = Vec::with_capacity(charging.sessions.len());
        for session in &charging.sessions {
            let vehicle = scenario
                .vehicles
                .iter()
                .find(|v| v.id == session.vehicle)
                .ok_or_else(|| anyhow!("vehicle {} has no row", session.vehicle))?;
            let (chemistry, replacement) =
                chemistry_of(section.chemistry.as_deref().unwrap_or(&vehicle.chemistry))?;
            let wear_price =
                cost_per_discharged_kwh(&chemistry, section.wear_depth_of_discharge, replacement)?;
            let v2g_charger = charging
                .chargers
                .get(session.charger)
                .is_some_and(|c| c.v2g);
            let window_days = (session.window_len() as f64 * charging.slot_hours() / 24.0).max(1.0);
            sessions.push(V2gSession {
                discharge_kw: if v2g_charger { session.max_kw } else { 0.0 },
                floor_kwh: floor_share * session.battery_kwh,
                degradation_per_kwh: wear_price,
                max_discharge_kwh: terms
                    .max_cycles_per_day
                    .map_or(f64::INFINITY, |c| c * session.battery_kwh * window_days),
            });
            wear.push(SessionWear {
                chemistry,
                replacement_cost_per_kwh: replacement,
            });
        }
        let problem = V2gProblem {
            charging,
            export_price: spot.clone(),
            export_cap_kw: if exports { section.export_cap_kw } else { 0.0 },
            sessions,
        };
        problem
            .validate()
            .with_context(|| format!("{}: day {}", path.display(), day + 1))?;
        study_days.push(StudyDay { problem, wear });
        spot_by_day.push(spot);
        scenarios.push(scenario);
    }

    progress("dispatching");
    let options_study = StudyOptions {
        mode: Mode::Availability,
        temperature_c: section.temperature_c,
        age_days: section.battery_age_days,
    };
    let result = study::run(&study_days, &options_study)?;
    let mut checker_failures = 0;
    for plans in &result.plans {
        let report = check_with(
            &plans.problem.charging,
            &plans.v2g.to_schedule(),
            Mode::Availability,
            CheckOptions::v2g(),
        );
        if !report.is_ok() {
            checker_failures += 1;
        }
    }
    let mut vehicles = result.vehicles.clone();

    // Balancing offers, per product the contract enters.
    let mut balancing = Vec::new();
    if let Some(prices) = &section.balancing {
        for market in terms.markets.clone() {
            let Ok(_) = BalancingProduct::preset(market, Vec::new(), Vec::new(), 0.0) else {
                continue;
            };
            let mut summary = BalancingSummary {
                market: market.keyword().to_string(),
                blocks_offered: 0,
                blocks_skipped: 0,
                net_revenue: 0.0,
                largest_headroom_kw: 0.0,
                minimum_bid_kw: terms.minimum_bid_kw,
            };
            for plans in &result.plans {
                let slots = plans.problem.charging.slots();
                let product = BalancingProduct::preset(
                    market,
                    vec![prices.capacity_price; slots],
                    vec![prices.energy_price; slots],
                    prices.activation_share,
                )?;
                let day_offers = offers(
                    &plans.problem,
                    &plans.v2g,
                    &product,
                    terms.minimum_bid_kw,
                    prices.no_show_share,
                    terms.penalty_per_kw,
                )?;
                summary.blocks_offered += day_offers.blocks.len();
                summary.blocks_skipped += day_offers.skipped.len();
                summary.net_revenue += day_offers.totals.net_revenue;
                for available in day_offers
                    .skipped
                    .iter()
                    .map(|b| b.available_kw)
                    .chain(day_offers.blocks.iter().map(|b| b.offered_kw))
                {
                    summary.largest_headroom_kw = summary.largest_headroom_kw.max(available);
                }
                for block in &day_offers.blocks {
                    let gross = block.capacity_revenue + block.energy_revenue - block.recharge_cost;
                    for &(session, kw) in &block.sessions {
                        let share = if block.offered_kw > 0.0 {
                            kw / block.offered_kw
                        } else {
                            0.0
                        };
                        if let Some(s) = plans.problem.charging.sessions.get(session) {
                            if let Some(figures) = vehicles.get_mut(&s.vehicle) {
                                figures.balancing_revenue += gross * share;
                                figures.penalties += block.penalty * share;
                                figures.market_kwh += block.expected_energy_kwh * share;
                            }
                        }
                    }
                }
            }
            balancing.push(summary);
        }
    }

    // Bills of the studied months with each dispatch.
    progress("billing");
    let mut baseline_kwh: BTreeMap<NaiveDateTime, f64> = BTreeMap::new();
    let mut v2g_kwh: BTreeMap<NaiveDateTime, f64> = BTreeMap::new();
    for plans in &result.plans {
        let charging = &plans.problem.charging;
        let hours = charging.slot_hours();
        for (kwh, plan) in [
            (&mut baseline_kwh, &plans.baseline),
            (&mut v2g_kwh, &plans.v2g),
        ] {
            for (slot, kw) in plan.to_schedule().fleet_kw(charging).iter().enumerate() {
                *kwh.entry(charging.slot_start(slot)).or_insert(0.0) += kw * hours;
            }
        }
    }
    let bills = match (
        first.bill_with(&baseline_kwh, None)?,
        first.bill_with(&v2g_kwh, None)?,
    ) {
        (Some(base), Some(with)) => {
            let month = YearMonth::of(first.fleet.problem.start.date());
            let contract = |run: &voltlex_engine::billing::BillRun| {
                run.months
                    .iter()
                    .find(|m| m.month == month)
                    .map_or(0.0, |m| m.contract_kw)
            };
            let contract_kw = (contract(&base), contract(&with));
            let demand_saving = (contract_kw.0 - contract_kw.1)
                * first.demand_per_kw_month
                * f64::from(first.demand_charge_months);
            Some(BillComparison {
                baseline_total: base.total.to_string(),
                v2g_total: with.total.to_string(),
                saving: (base.total - with.total).to_f64().unwrap_or(0.0),
                demand_saving,
                contract_kw,
            })
        }
        _ => None,
    };
    let demand_saving = bills.as_ref().map_or(0.0, |b| b.demand_saving);
    let total_discharged: f64 = vehicles.values().map(|v| v.discharged_kwh).sum();
    for figures in vehicles.values_mut() {
        if total_discharged > 0.0 {
            figures.demand_saving = demand_saving * figures.discharged_kwh / total_discharged;
        }
    }

    // Power factor support, billed twice.
    let mut power_factor = Vec::new();
    if let Some(pf) = &section.power_factor {
        let mut support: BTreeMap<YearMonth, f64> = BTreeMap::new();
        for plans in &result.plans {
            let kva: Vec<f64> = plans
                .problem
                .charging
                .chargers
                .iter()
                .map(|c| if c.v2g { c.max_kw * pf.kva_per_kw } else { 0.0 })
                .collect();
            for (month, kvarh) in reactive_support_kvarh(&plans.problem, &plans.v2g, &kva)? {
                *support.entry(month).or_insert(0.0) += kvarh;
            }
        }
        let mut improved: BTreeMap<YearMonth, Decimal> = BTreeMap::new();
        let mut rows = Vec::new();
        for (month, kvarh) in &support {
            let Some(before) = first.power_factor_pct(*month) else {
                continue;
            };
            let before = before.to_f64().unwrap_or(100.0);
            let active = measured_active_kwh(&first, &v2g_kwh, *month);
            let after = improved_power_factor(active, before, *kvarh)?;
            improved.insert(
                *month,
                Decimal::from_f64_retain(after).unwrap_or(Decimal::ONE_HUNDRED),
            );
            rows.push((*month, before, after, *kvarh));
        }
        if let (Some(with), Some(supported)) = (
            first.bill_with(&v2g_kwh, None)?,
            first.bill_with(&v2g_kwh, Some(&improved))?,
        ) {
            for (month, before, after, kvarh) in rows {
                let total = |run: &voltlex_engine::billing::BillRun| {
                    run.months
                        .iter()
                        .find(|m| m.month == month)
                        .map_or(Decimal::ZERO, |m| m.total)
                };
                let saving = (total(&with) - total(&supported)).to_f64().unwrap_or(0.0);
                power_factor.push(PowerFactorSupport {
                    month: month.to_string(),
                    before_pct: before,
                    after_pct: after,
                    support_kvarh: kvarh,
                    saving,
                });
            }
        }
    }

    // The power-factor saving comes from every enrolled vehicle's inverter being plugged
    // in: shared equally among them.
    let pf_total: f64 = power_factor.iter().map(|p| p.saving).sum();
    let enrolled_count = vehicles.values().filter(|v| v.enrolled).count();
    for figures in vehicles.values_mut().filter(|v| v.enrolled) {
        figures.power_factor_saving = pf_total / enrolled_count.max(1) as f64;
    }

    // Waterfalls.
    let months = f64::from(section.days)
        / f64::from(
            YearMonth::of(first.fleet.problem.start.date())
                .days()
                .max(1),
        );
    let enrolled = vehicles.values().filter(|v| v.enrolled).count();
    let waterfalls: Vec<Waterfall> = vehicles
        .values()
        .filter(|v| v.enrolled)
        .map(|v| Waterfall::of_vehicle(v, &terms, months, enrolled))
        .collect();
    let fleet = Waterfall::sum("fleet", &waterfalls);
    let wear: Vec<(String, f64, f64)> = vehicles
        .values()
        .filter(|v| v.enrolled)
        .map(|v: &VehicleFigures| {
            (
                v.vehicle.clone(),
                v.discharged_kwh,
                v.extra_degradation_cost,
            )
        })
        .collect();

    // The packs, for repricing wear (risk sharing).
    let enrolled_ids: Vec<&String> = vehicles
        .values()
        .filter(|v| v.enrolled)
        .map(|v| &v.vehicle)
        .collect();
    let packs: Vec<&voltlex_engine::schedule::fleet::FleetVehicle> = first
        .vehicles
        .iter()
        .filter(|v| enrolled_ids.contains(&&v.id))
        .collect();
    let wear_basis = match packs.first() {
        Some(pack) => {
            let (chemistry, replacement_cost_per_kwh) =
                chemistry_of(section.chemistry.as_deref().unwrap_or(&pack.chemistry))?;
            let discharged: f64 = wear
                .iter()
                .map(|(_, kwh, _): &(String, f64, f64)| kwh)
                .sum();
            let cost: f64 = wear
                .iter()
                .map(|(_, _, cost): &(String, f64, f64)| cost)
                .sum();
            let charged: f64 = study_days
                .iter()
                .flat_map(|d| &d.problem.charging.sessions)
                .map(|s| (s.energy_kwh - s.arrival_kwh).max(0.0))
                .sum();
            let fleet_size = first.vehicles.len().max(1) as f64;
            Some(WearBasis {
                enrolled,
                battery_kwh: packs.iter().map(|p| p.battery_kwh).sum::<f64>() / packs.len() as f64,
                wear_cost_per_kwh: if discharged > 0.0 {
                    cost / discharged
                } else {
                    cost_per_discharged_kwh(
                        &chemistry,
                        section.wear_depth_of_discharge,
                        replacement_cost_per_kwh,
                    )?
                },
                chemistry,
                replacement_cost_per_kwh,
                temperature_c: section.temperature_c,
                age_days: section.battery_age_days,
                depth_of_discharge: section.wear_depth_of_discharge,
                driving_kwh_per_vehicle_day: charged / fleet_size / f64::from(section.days.max(1)),
            })
        }
        None => None,
    };

    // Risk.
    let mut monte_carlo = None;
    let risk = match &section.risk {
        Some(risk) => Some(run_risk(
            path,
            &folder,
            risk,
            options,
            &section,
            &scenarios,
            &study_days,
            &spot_by_day,
            &terms,
            months,
            enrolled,
            fleet_constant(&vehicles, &terms),
            progress,
        )?)
        .map(|(summary, mut inputs)| {
            if let Some(basis) = wear_basis {
                inputs.wear = basis;
                monte_carlo = Some(inputs);
            }
            summary
        }),
        None => None,
    };

    let report = V2gReport {
        scenario: first.name.clone(),
        contract: terms.name.clone(),
        markets: terms
            .markets
            .iter()
            .map(|m| m.keyword().to_string())
            .collect(),
        currency: first.currency.clone(),
        days: result.days.len(),
        first_day: first.fleet.problem.start.to_string(),
        daily: result.days,
        checker_failures,
        fleet,
        vehicles: waterfalls,
        wear,
        bills,
        balancing,
        power_factor,
        risk,
    };
    Ok((report, monte_carlo))
}

/// What the Monte Carlo does not reprice, net to the fleet: the demand saving, the
/// power-factor saving and the balancing revenue after the aggregator's share and penalties.
fn fleet_constant(vehicles: &BTreeMap<String, VehicleFigures>, terms: &ContractTerms) -> f64 {
    vehicles
        .values()
        .filter(|v| v.enrolled)
        .map(|v| {
            v.demand_saving
                + v.power_factor_saving
                + v.balancing_revenue * (1.0 - terms.aggregator_share)
                - v.penalties
        })
        .sum()
}

/// The site's active energy with the fleet in `month`'s measured hours (08:00–22:00).
fn measured_active_kwh(
    scenario: &Scenario,
    fleet_kwh: &BTreeMap<NaiveDateTime, f64>,
    month: YearMonth,
) -> f64 {
    let load = &scenario.load;
    (0..load.kwh.len())
        .filter_map(|index| {
            let start = load.interval_start(index);
            if YearMonth::of(start.date()) != month {
                return None;
            }
            let inside: f64 =
                voltlex_engine::v2g::power_factor::measured_hours(start, load.interval_minutes)
                    .iter()
                    .map(|(_, hours)| hours)
                    .sum();
            let share = inside / (f64::from(load.interval_minutes) / 60.0);
            let kwh = load.kwh.get(index).copied().unwrap_or(0.0)
                + fleet_kwh.get(&start).copied().unwrap_or(0.0);
            Some(kwh * share)
        })
        .sum()
}

#[allow(clippy::too_many_arguments)]
fn run_risk(
    path: &Path,
    folder: &Path,
    risk: &RiskSection,
    options: &V2gOptions,
    section: &V2gSection,
    scenarios: &[Scenario],
    study_days: &[StudyDay],
    spot_by_day: &[Vec<f64>],
    terms: &ContractTerms,
    months: f64,
    enrolled: usize,
    constant: f64,
    progress: &mut dyn FnMut(&str),
) -> anyhow::Result<(RiskSummary, MonteCarloInputs)> {
    progress("risk: reading price history");
    let area: JepxArea = section
        .spot
        .as_ref()
        .map_or("tokyo", |s| s.area.as_str())
        .parse()
        .map_err(|e| anyhow!("{}: v2g.spot.area: {e}", path.display()))?;
    let mut history: Option<DailyPrices> = None;
    for file in &risk.history {
        let series = read::jepx_spot_summary(folder.join(file), area)?;
        let days = DailyPrices::from_series(&series)
            .with_context(|| format!("{}", folder.join(file).display()))?;
        history = Some(match history {
            Some(h) => h.merged(days)?,
            None => days,
        });
    }
    let history = history.ok_or_else(|| {
        anyhow!(
            "{}: v2g.risk.history: give at least one JEPX file",
            path.display()
        )
    })?;
    let model = match risk.model.as_str() {
        "bootstrap" => PriceModel::BlockBootstrap {
            block_days: risk.block_days,
            month_window: 0,
        },
        "jump" => PriceModel::MeanRevertingJump(JumpParams::calibrate(&history)?),
        other => bail!(
            "{}: v2g.risk.model: expected \"bootstrap\" or \"jump\", found {other:?}",
            path.display()
        ),
    };
    let index_name = section
        .spot
        .as_ref()
        .and_then(|s| s.index.clone())
        .unwrap_or_else(|| format!("jepx-{}", area.name().to_lowercase()));
    let first_day = study_days
        .first()
        .map(|d| d.problem.charging.start.date())
        .ok_or_else(|| anyhow!("{}: v2g.days is 0", path.display()))?;
    let mut fleet_days = Vec::with_capacity(study_days.len());
    for ((day, scenario), spot) in study_days.iter().zip(scenarios).zip(spot_by_day) {
        let slots = day.problem.charging.slots();
        let pass = scenario
            .pass_through(&index_name)?
            .unwrap_or_else(|| vec![0.0; slots]);
        fleet_days.push(FleetDay::of(&day.problem, first_day, pass, spot.clone())?);
    }
    let last_day = study_days
        .last()
        .map(|d| {
            let p = &d.problem.charging;
            p.slot_start(p.slots().saturating_sub(1)).date()
        })
        .unwrap_or(first_day);
    let span = (last_day - first_day).num_days() as usize + 1;
    let count = options.scenarios.unwrap_or(risk.scenarios);
    let seed = options.seed.unwrap_or(risk.seed);
    let fixed_fees: f64 = terms
        .fees
        .iter()
        .map(|(amount, basis)| match basis {
            voltlex_dsl::rules::FeeBasis::VehicleMonth => amount * months * enrolled as f64,
            voltlex_dsl::rules::FeeBasis::Month => amount * months,
            voltlex_dsl::rules::FeeBasis::Kwh => 0.0,
        })
        .sum();
    let month_terms = MonthTerms {
        fixed_fees,
        constant,
    };
    progress(&format!("risk: {count} scenarios (seed {seed})"));
    let generated = generate(&model, &history, first_day, span, count, seed)?;
    let profits = monthly_profits(&fleet_days, &generated, &month_terms)?;
    let mut levels = Vec::new();
    let mut mean_net = 0.0;
    for &confidence in &risk.confidence {
        let report = RiskReport::of(&profits, confidence)?;
        mean_net = report.mean_profit;
        levels.push(RiskLine {
            confidence,
            value_at_risk: report.value_at_risk,
            value_at_risk_interval: (
                report.value_at_risk_interval.lower,
                report.value_at_risk_interval.upper,
            ),
            conditional_value_at_risk: report.conditional_value_at_risk,
            conditional_value_at_risk_interval: (
                report.conditional_value_at_risk_interval.lower,
                report.conditional_value_at_risk_interval.upper,
            ),
        });
    }
    let histogram = Histogram::of(&profits, 20)?;

    // Stress cases: the days of the study whose windows fit in the case.
    let mut stress = Vec::new();
    for case in stress_cases(&history) {
        let scenarios = case.to_scenarios();
        let horizon = scenarios.days() * voltlex_engine::risk::SLOTS_PER_DAY;
        let fitting: Vec<FleetDay> = fleet_days
            .iter()
            .filter(|d| d.scenario_index.iter().all(|&i| i < horizon))
            .cloned()
            .collect();
        let used = fitting.len();
        let scale = if used > 0 {
            fleet_days.len() as f64 / used as f64
        } else {
            0.0
        };
        let terms = MonthTerms::default();
        let net = monthly_profits(&fitting, &scenarios, &terms)?
            .first()
            .copied()
            .unwrap_or(0.0)
            * scale
            + constant
            - fixed_fees;
        stress.push(StressLine {
            name: format!("{} ({})", case.name, case.first_day.format("%Y-%m")),
            days: used,
            net,
        });
    }
    let model_name = match &model {
        PriceModel::BlockBootstrap { block_days, .. } => {
            format!("block bootstrap ({block_days}-day blocks, same calendar month)")
        }
        PriceModel::MeanRevertingJump(_) => "mean-reverting jump (calibrated)".into(),
    };
    let summary = RiskSummary {
        model: model_name.clone(),
        seed,
        scenarios: count,
        mean_net,
        levels,
        histogram: (histogram.edges.clone(), histogram.counts.clone()),
        stress,
    };
    let inputs = MonteCarloInputs {
        fleet_days,
        history,
        model,
        model_name,
        first_day,
        span,
        scenarios: count,
        seed,
        month_terms,
        wear: WearBasis {
            enrolled,
            battery_kwh: 0.0,
            chemistry: Chemistry::lfp(),
            replacement_cost_per_kwh: section.replacement_cost_per_kwh,
            temperature_c: section.temperature_c,
            age_days: section.battery_age_days,
            depth_of_discharge: section.wear_depth_of_discharge,
            driving_kwh_per_vehicle_day: 0.0,
            wear_cost_per_kwh: 0.0,
        },
    };
    Ok((summary, inputs))
}
