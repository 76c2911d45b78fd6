//! `voltlex vpp plan|settle`: a VPP portfolio file → the day-ahead plan (and, for `settle`, the
//! day's events re-dispatched and settled). Design: `docs/vpp.md`.
//!
//! The portfolio file (JSON) either names real data — sites, chargers, vehicles, a trip log
//! and the sites' base-load history (CSV files beside it) — from which the usage and base-load
//! forecasts are fitted (and backtested) and the day's stays and base loads predicted at the
//! plan's confidence; or asks for a seeded synthetic portfolio (`synthetic`), e.g. the
//! 10,000-vehicle, 200-site benchmark portfolio.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context};
use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use voltlex_engine::inputs::LoadProfile;
use voltlex_engine::read::trips_csv;
use voltlex_engine::schedule::Charger;
use voltlex_engine::vpp::cost::{cost_curve, CostPoint, ParticipationCosts};
use voltlex_engine::vpp::forecast::{
    backtest_base_load, backtest_usage, BaseLoadModel, UsageModel,
};
use voltlex_engine::vpp::intraday::{redispatch, Event, Redispatch};
use voltlex_engine::vpp::plan::{plan, DayAheadPlan};
use voltlex_engine::vpp::settle::{settle, Settlement};
use voltlex_engine::vpp::{generate, Connection, PlannedStay, Portfolio, Product, Site, Vehicle};

/// `contract` in the portfolio file: a `contract aggregator` of a rule package.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContractRef {
    /// The rule package or file (relative to the portfolio file).
    pub rules: PathBuf,
    /// The contract's name.
    pub name: String,
}

/// `risk_sharing` in the portfolio file: a deal of a rule package.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DealRef {
    /// The rule package or file (relative to the portfolio file).
    pub rules: PathBuf,
    /// The deal's name, when the rules hold more than one.
    #[serde(default)]
    pub name: Option<String>,
}

/// The settled day handed to a risk-sharing deal, as a month of such days.
#[derive(Debug, Clone, Serialize)]
pub struct DealMonth {
    /// The deal.
    pub deal: String,
    /// Days the month counts (the day's figures × this).
    pub days: f64,
    /// The VPP's net over the month: the deal's margin.
    pub margin: f64,
    /// kWh discharged over the month (battery side), for per-kWh terms.
    pub discharged_kwh: f64,
    /// Vehicles with commitments: the deal's "per vehicle".
    pub vehicles: usize,
    /// Per party, its net for the month under the deal.
    pub parties: Vec<(String, f64)>,
}

/// `synthetic` in the portfolio file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SyntheticSection {
    /// Vehicles.
    pub vehicles: usize,
    /// Sites.
    pub sites: usize,
    /// Seed.
    #[serde(default)]
    pub seed: u64,
}

/// The portfolio file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PortfolioFile {
    /// Its name.
    #[serde(default)]
    pub name: String,
    /// The day planned: the horizon runs from its noon to the next noon.
    #[serde(default)]
    pub day: Option<NaiveDate>,
    /// Probability the plan's stays and base loads hold (default 0.9).
    #[serde(default = "default_confidence")]
    pub confidence: f64,
    /// A seeded synthetic portfolio instead of files.
    #[serde(default)]
    pub synthetic: Option<SyntheticSection>,
    /// `site,import_cap_kw,demand_price_per_kw,ratchet_kw,day_price,night_price` (day: 08–22),
    /// or with `rules,tariff` columns: the site's tariff (a rule package or file relative to
    /// the portfolio file) gives its prices instead.
    #[serde(default)]
    pub sites: Option<PathBuf>,
    /// `site,charger,max_kw,v2g`.
    #[serde(default)]
    pub chargers: Option<PathBuf>,
    /// `vehicle,site,battery_kwh,max_kw,v2g,connection`.
    #[serde(default)]
    pub vehicles: Option<PathBuf>,
    /// The trip log: `vehicle,site,departure,arrival,energy_kwh`.
    #[serde(default)]
    pub trips: Option<PathBuf>,
    /// Base-load history: `site,timestamp,kw` (30-minute average kW).
    #[serde(default)]
    pub base_load: Option<PathBuf>,
    /// Reservations booked for the day: `vehicle,site,arrival,departure,energy_kwh`; a booked
    /// stay replaces the vehicle's forecast one and its energy is owed.
    #[serde(default)]
    pub bookings: Option<PathBuf>,
    /// The aggregator contract whose `share fleet` splits the net (instead of `fleet_share`).
    #[serde(default)]
    pub contract: Option<ContractRef>,
    /// A `risk_sharing` deal the settled day is handed to (`voltlex vpp settle`).
    #[serde(default)]
    pub risk_sharing: Option<DealRef>,
    /// State of charge vehicles come back with (default 0.35).
    #[serde(default = "default_arrival_soc")]
    pub arrival_soc: f64,
    /// Days held out for the backtests (default 28).
    #[serde(default = "default_holdout")]
    pub holdout_days: usize,
    /// Products in stacking order (default: capacity, tertiary2 up and down, retail DR).
    #[serde(default)]
    pub products: Option<Vec<Product>>,
    /// Participation costs (default: illustrative figures).
    #[serde(default)]
    pub costs: Option<ParticipationCosts>,
    /// The fleets' share of the net (an aggregator contract's `share fleet`, default 0.7).
    #[serde(default = "default_fleet_share")]
    pub fleet_share: f64,
    /// Lowest state of charge a discharge may leave (default 0.3).
    #[serde(default = "default_floor")]
    pub discharge_floor: f64,
    /// The day's events for `voltlex vpp settle`.
    #[serde(default)]
    pub events: Vec<Event>,
}

fn default_confidence() -> f64 {
    0.9
}
fn default_arrival_soc() -> f64 {
    0.35
}
fn default_holdout() -> usize {
    28
}
fn default_fleet_share() -> f64 {
    0.7
}
fn default_floor() -> f64 {
    0.3
}

/// How well the forecasts did on the held-out days.
#[derive(Debug, Clone, Serialize)]
pub struct Backtests {
    /// Held-out days.
    pub days: usize,
    /// Stays predicted / actual.
    pub stays: (usize, usize),
    /// Share of held-out stays inside the plan (arrived no later, left no earlier, used no
    /// more), at the plan's confidence.
    pub usage_coverage: f64,
    /// Mean absolute error of the median arrival, departure (minutes) and energy (kWh).
    pub usage_mae: (f64, f64, f64),
    /// Mean absolute percentage error of the sites' median base load (mean over sites).
    pub base_load_mape: f64,
    /// The same for a naive forecast (the same slot a week earlier).
    pub base_load_naive_mape: f64,
    /// Share of held-out slots under the planned base load (mean over sites).
    pub base_load_coverage: f64,
}

/// One site in the report.
#[derive(Debug, Clone, Serialize)]
pub struct SiteLine {
    /// The site.
    pub site: String,
    /// Vehicles plugged in.
    pub sessions: usize,
    /// Planned charging, kWh.
    pub charging_kwh: f64,
    /// Its cost.
    pub charging_cost: f64,
    /// Peak with the plan, kW.
    pub peak_kw: f64,
    /// Import cap, kW.
    pub cap_kw: f64,
    /// Vehicles without a free charger.
    pub unplugged: Vec<String>,
    /// Vehicles short, kWh.
    pub unservable: Vec<(String, f64)>,
}

/// One bid in the report.
#[derive(Debug, Clone, Serialize)]
pub struct BidLine {
    /// Product.
    pub product: String,
    /// Block start and end.
    pub from: NaiveDateTime,
    /// End.
    pub until: NaiveDateTime,
    /// kW.
    pub kw: f64,
    /// Sites contributing.
    pub sites: usize,
    /// Availability revenue.
    pub revenue: f64,
}

/// Everything `voltlex vpp plan` reports.
#[derive(Debug, Clone, Serialize)]
pub struct PlanReport {
    /// Portfolio name.
    pub name: String,
    /// Horizon start.
    pub start: NaiveDateTime,
    /// Vehicles, sites, stays planned.
    pub vehicles: usize,
    /// Sites.
    pub sites: usize,
    /// Stays.
    pub stays: usize,
    /// Of which booked.
    pub booked: usize,
    /// The fleets' share of the net.
    pub fleet_share: f64,
    /// Confidence.
    pub confidence: f64,
    /// Forecast backtests (real data only).
    pub backtests: Option<Backtests>,
    /// Bids.
    pub bids: Vec<BidLine>,
    /// Blocks below the minimum bid: product, start, offered kW, minimum kW.
    pub below_minimum: Vec<(String, NaiveDateTime, f64, f64)>,
    /// Σ availability revenue.
    pub availability_revenue: f64,
    /// Per site.
    pub site_lines: Vec<SiteLine>,
    /// The cost of taking part per vehicle and month at several portfolio sizes, beside the
    /// fleets' share of this day's availability revenue per vehicle × 30.
    pub cost_curve: Vec<CostPoint>,
}

/// Everything `voltlex vpp settle` reports.
#[derive(Debug, Clone, Serialize)]
pub struct SettleReport {
    /// The plan.
    pub plan: PlanReport,
    /// The day's events.
    pub events: Vec<Event>,
    /// Per activated bid: product, block start, committed, activated, delivered kW.
    pub deliveries: Vec<(String, NaiveDateTime, f64, f64, f64)>,
    /// Vehicles that left short, kWh.
    pub short: Vec<(String, f64)>,
    /// The settlement.
    pub settlement: Settlement,
    /// The day handed to the file's risk-sharing deal, if it names one.
    pub risk_sharing: Option<DealMonth>,
}

/// A read portfolio, planned.
pub struct Planned {
    /// The file.
    pub file: PortfolioFile,
    /// The portfolio.
    pub portfolio: Portfolio,
    /// The plan.
    pub plan: DayAheadPlan,
    /// The report.
    pub report: PlanReport,
}

fn read_csv(path: &Path) -> anyhow::Result<Vec<BTreeMap<String, String>>> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_path(path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    let headers = reader
        .headers()
        .with_context(|| format!("{}: no header row", path.display()))?
        .clone();
    let mut rows = Vec::new();
    for (index, record) in reader.records().enumerate() {
        let record = record.with_context(|| format!("{}:{}", path.display(), index + 2))?;
        rows.push(
            headers
                .iter()
                .zip(record.iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect(),
        );
    }
    Ok(rows)
}

/// A field of row `index` (0-based data row) of `path`, parsed.
fn field<T: std::str::FromStr>(
    path: &Path,
    index: usize,
    row: &BTreeMap<String, String>,
    name: &str,
    expected: &str,
) -> anyhow::Result<T> {
    let text = row.get(name).ok_or_else(|| {
        anyhow!(
            "{}: no column `{name}` (expected {expected})",
            path.display()
        )
    })?;
    text.parse().map_err(|_| {
        anyhow!(
            "{}:{}: column `{name}`: expected {expected}, found {text:?}",
            path.display(),
            index + 2
        )
    })
}

fn boolean(
    path: &Path,
    index: usize,
    row: &BTreeMap<String, String>,
    name: &str,
) -> anyhow::Result<bool> {
    match row.get(name).map(|s| s.to_ascii_lowercase()).as_deref() {
        Some("true" | "yes" | "1") => Ok(true),
        Some("false" | "no" | "0" | "") | None => Ok(false),
        Some(other) => bail!(
            "{}:{}: column `{name}`: expected true or false, found {other:?}",
            path.display(),
            index + 2
        ),
    }
}

/// The marginal prices of `tariff_name` (of the rules at `rules`) for the planned slots, over
/// whole months of base load: the history where it has the half-hour, the base-load model's
/// median elsewhere (the planned day and the rest of its month). The supply counts as new from
/// the history's first month (no ratchet history before it); the power factor as 100 %.
/// Index-linked lines need index data the portfolio file does not carry: such a tariff is an
/// error naming the index.
fn tariff_prices(
    rules: &Path,
    tariff_name: &str,
    history: &[(NaiveDateTime, f64)],
    model: &BaseLoadModel,
    start: NaiveDateTime,
    slots: usize,
) -> anyhow::Result<voltlex_engine::billing::MarginalPrices> {
    use chrono::Datelike;
    let compilation = crate::request::compile(rules)?;
    let tariff = compilation.rules.tariff(tariff_name).ok_or_else(|| {
        anyhow!(
            "no tariff named {tariff_name:?} (found: {})",
            compilation
                .rules
                .tariffs
                .iter()
                .map(|t| format!("{:?}", t.name))
                .collect::<Vec<_>>()
                .join(", ")
        )
    })?;
    let first = history.first().map_or(start, |(at, _)| *at);
    let month_start = |date: NaiveDate| date.with_day(1).and_then(|d| d.and_hms_opt(0, 0, 0));
    let from = month_start(first.date()).ok_or_else(|| anyhow!("bad history start {first}"))?;
    let end = start + chrono::Duration::minutes(30 * slots as i64);
    let last = (end - chrono::Duration::minutes(1)).date();
    let until = month_start(last)
        .and_then(|d| d.date().checked_add_months(chrono::Months::new(1)))
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .ok_or_else(|| anyhow!("bad horizon end {end}"))?;
    let count = ((until - from).num_minutes() / 30).max(0) as usize;
    let mut kw = model.predict(from, count, 0.5);
    for (at, value) in history {
        let offset = (*at - from).num_minutes();
        if offset >= 0 && offset % 30 == 0 {
            if let Some(slot) = kw.get_mut((offset / 30) as usize) {
                *slot = *value;
            }
        }
    }
    let load = LoadProfile {
        start: from,
        interval_minutes: 30,
        kwh: kw.iter().map(|kw| kw * 0.5).collect(),
    };
    let inputs = voltlex_engine::inputs::BillingInputs {
        supply_start: Some(voltlex_engine::month::YearMonth::of(from.date())),
        power_factor: Some(voltlex_engine::inputs::PowerFactorInput::Flat(
            rust_decimal::Decimal::ONE_HUNDRED,
        )),
        ..Default::default()
    };
    Ok(voltlex_engine::billing::marginal_prices(
        tariff, &load, &inputs, start, slots, 30,
    )?)
}

/// Reads the file and builds the day's portfolio (forecasting from real data, with backtests).
fn portfolio_of(
    path: &Path,
    file: &PortfolioFile,
) -> anyhow::Result<(Portfolio, Option<Backtests>, String)> {
    let folder = path.parent().unwrap_or(Path::new("."));
    let products = file.products.clone().unwrap_or_else(generate::products);
    if let Some(synthetic) = &file.synthetic {
        if synthetic.vehicles == 0 || synthetic.sites == 0 {
            bail!(
                "{}: synthetic: expected at least one vehicle and one site",
                path.display()
            );
        }
        let mut portfolio =
            generate::portfolio(synthetic.vehicles, synthetic.sites, synthetic.seed);
        portfolio.products = products;
        portfolio.discharge_floor = file.discharge_floor;
        let name = if file.name.is_empty() {
            format!(
                "synthetic: {} vehicles over {} sites",
                synthetic.vehicles, synthetic.sites
            )
        } else {
            file.name.clone()
        };
        return Ok((portfolio, None, name));
    }
    let need = |p: &Option<PathBuf>, what: &str| -> anyhow::Result<PathBuf> {
        p.as_ref().map(|p| folder.join(p)).ok_or_else(|| {
            anyhow!(
                "{}: `{what}` is missing (or give `synthetic`)",
                path.display()
            )
        })
    };
    let day = file.day.ok_or_else(|| {
        anyhow!(
            "{}: `day` is missing: the day to plan (YYYY-MM-DD)",
            path.display()
        )
    })?;
    let start = day
        .and_hms_opt(12, 0, 0)
        .ok_or_else(|| anyhow!("{}: day {day} has no noon", path.display()))?;
    let slots = 48;
    let hour_of = |slot: usize| (12.0 + slot as f64 * 0.5) % 24.0;

    // Chargers per site.
    let chargers_path = need(&file.chargers, "chargers")?;
    let mut chargers: BTreeMap<String, Vec<Charger>> = BTreeMap::new();
    for (index, row) in read_csv(&chargers_path)?.iter().enumerate() {
        let site: String = field(&chargers_path, index, row, "site", "a site")?;
        chargers.entry(site).or_default().push(Charger {
            id: field(&chargers_path, index, row, "charger", "a charger id")?,
            max_kw: field(&chargers_path, index, row, "max_kw", "kW")?,
            efficiency: 0.92,
            v2g: boolean(&chargers_path, index, row, "v2g")?,
        });
    }
    // Base-load history per site.
    let base_path = need(&file.base_load, "base_load")?;
    let mut history: BTreeMap<String, Vec<(NaiveDateTime, f64)>> = BTreeMap::new();
    for (index, row) in read_csv(&base_path)?.iter().enumerate() {
        let site: String = field(&base_path, index, row, "site", "a site")?;
        let text: String = field(&base_path, index, row, "timestamp", "YYYY-MM-DD HH:MM")?;
        let at = NaiveDateTime::parse_from_str(&text, "%Y-%m-%d %H:%M").map_err(|_| {
            anyhow!(
                "{}:{}: column `timestamp`: expected YYYY-MM-DD HH:MM, found {text:?}",
                base_path.display(),
                index + 2
            )
        })?;
        let kw: f64 = field(&base_path, index, row, "kw", "kW")?;
        history.entry(site).or_default().push((at, kw));
    }
    // Sites.
    let sites_path = need(&file.sites, "sites")?;
    let mut sites = Vec::new();
    let mut base_mape = Vec::new();
    for (index, row) in read_csv(&sites_path)?.iter().enumerate() {
        let id: String = field(&sites_path, index, row, "site", "a site")?;
        let series = history.remove(&id).ok_or_else(|| {
            anyhow!(
                "{}:{}: site {id} has no base-load history in {}",
                sites_path.display(),
                index + 2,
                base_path.display()
            )
        })?;
        let first = series.first().map(|(t, _)| *t).unwrap_or(start);
        let profile = LoadProfile {
            start: first,
            interval_minutes: 30,
            kwh: series.iter().map(|(_, kw)| kw * 0.5).collect(),
        };
        let model =
            BaseLoadModel::fit(&profile).with_context(|| format!("site {id}: base load"))?;
        if file.holdout_days > 0 {
            let backtest = backtest_base_load(&profile, file.holdout_days, file.confidence)
                .with_context(|| format!("site {id}: base-load backtest"))?;
            base_mape.push((backtest.mape, backtest.naive_mape, backtest.coverage));
        }
        let rules = row.get("rules").filter(|r| !r.is_empty());
        let (energy_price, demand_price_per_kw, ratchet_kw) = match rules {
            // The site's tariff: marginal prices of the planned day over its month's base
            // load (history, then the forecast median).
            Some(rules) => {
                let tariff_name: String =
                    field(&sites_path, index, row, "tariff", "a tariff name")?;
                let prices = tariff_prices(
                    &folder.join(rules),
                    &tariff_name,
                    &series,
                    &model,
                    start,
                    slots,
                )
                .with_context(|| {
                    format!(
                        "{}:{}: site {id}: tariff {tariff_name:?} of {rules}",
                        sites_path.display(),
                        index + 2
                    )
                })?;
                (
                    prices.energy_per_kwh,
                    prices.demand_per_kw_month,
                    prices.ratchet_kw,
                )
            }
            None => {
                let day_price: f64 =
                    field(&sites_path, index, row, "day_price", "a price per kWh")?;
                let night_price: f64 =
                    field(&sites_path, index, row, "night_price", "a price per kWh")?;
                (
                    (0..slots)
                        .map(|slot| {
                            if (8.0..22.0).contains(&hour_of(slot)) {
                                day_price
                            } else {
                                night_price
                            }
                        })
                        .collect(),
                    field(
                        &sites_path,
                        index,
                        row,
                        "demand_price_per_kw",
                        "a price per kW",
                    )?,
                    field(&sites_path, index, row, "ratchet_kw", "kW")?,
                )
            }
        };
        sites.push(Site {
            base_kw: model.predict(start, slots, file.confidence),
            energy_price,
            import_cap_kw: field(&sites_path, index, row, "import_cap_kw", "kW")?,
            demand_price_per_kw,
            ratchet_kw,
            chargers: chargers.remove(&id).unwrap_or_default(),
            id,
        });
    }
    // Vehicles.
    let vehicles_path = need(&file.vehicles, "vehicles")?;
    let mut vehicles = Vec::new();
    for (index, row) in read_csv(&vehicles_path)?.iter().enumerate() {
        let connection = match row.get("connection").map(String::as_str) {
            Some("ocpp") | None => Connection::Ocpp,
            Some("proprietary") => Connection::Proprietary,
            Some(other) => bail!(
                "{}:{}: column `connection`: expected ocpp or proprietary, found {other:?}",
                vehicles_path.display(),
                index + 2
            ),
        };
        vehicles.push(Vehicle {
            id: field(&vehicles_path, index, row, "vehicle", "a vehicle id")?,
            battery_kwh: field(&vehicles_path, index, row, "battery_kwh", "kWh")?,
            max_kw: field(&vehicles_path, index, row, "max_kw", "kW")?,
            v2g: boolean(&vehicles_path, index, row, "v2g")?,
            connection,
        });
    }
    // Usage: fit on the trip log, predict the day's stays.
    let trips_path = need(&file.trips, "trips")?;
    let trips = trips_csv(&trips_path)?;
    // A stay holds when all three of its quantities do (arrival, departure, energy): each is
    // taken at the cube root of the plan's confidence, so that the three together hold with
    // at least the plan's confidence when they vary independently (more when, as usual, a late
    // return goes with a long day).
    let per_quantity = file.confidence.powf(1.0 / 3.0);
    let usage = UsageModel::fit(&trips);
    let mut stays = Vec::new();
    let slot_of = |at: NaiveDateTime, late: bool| -> usize {
        let minutes = (at - start).num_minutes().max(0) as f64;
        let slot = minutes / 30.0;
        (if late { slot.ceil() } else { slot.floor() } as usize).min(slots)
    };
    for vehicle in &vehicles {
        let Some(stay) = usage.predict(&vehicle.id, day, per_quantity) else {
            continue;
        };
        let arrival_kwh = vehicle.battery_kwh * file.arrival_soc;
        stays.push(PlannedStay {
            vehicle: vehicle.id.clone(),
            site: stay.site.clone(),
            arrival_slot: slot_of(stay.arrival, true),
            departure_slot: slot_of(stay.departure, false),
            arrival_kwh,
            energy_kwh: stay
                .energy_kwh
                .min(vehicle.battery_kwh - arrival_kwh)
                .max(0.0),
            booked: false,
        });
    }
    if let Some(bookings) = &file.bookings {
        let bookings_path = folder.join(bookings);
        for (index, row) in read_csv(&bookings_path)?.iter().enumerate() {
            let vehicle: String = field(&bookings_path, index, row, "vehicle", "a vehicle id")?;
            let Some(known) = vehicles.iter().find(|v| v.id == vehicle) else {
                bail!(
                    "{}:{}: column `vehicle`: {vehicle} is not in {}",
                    bookings_path.display(),
                    index + 2,
                    vehicles_path.display()
                );
            };
            let time = |name: &str| -> anyhow::Result<NaiveDateTime> {
                let text: String = field(&bookings_path, index, row, name, "YYYY-MM-DD HH:MM")?;
                NaiveDateTime::parse_from_str(&text, "%Y-%m-%d %H:%M").map_err(|_| {
                    anyhow!(
                        "{}:{}: column `{name}`: expected YYYY-MM-DD HH:MM, found {text:?}",
                        bookings_path.display(),
                        index + 2
                    )
                })
            };
            let (arrival, departure) = (time("arrival")?, time("departure")?);
            if departure <= arrival {
                bail!(
                    "{}:{}: departure {departure} is not after arrival {arrival}",
                    bookings_path.display(),
                    index + 2
                );
            }
            let energy: f64 = field(&bookings_path, index, row, "energy_kwh", "kWh")?;
            let arrival_kwh = known.battery_kwh * file.arrival_soc;
            stays.retain(|s| s.vehicle != vehicle);
            stays.push(PlannedStay {
                vehicle,
                site: field(&bookings_path, index, row, "site", "a site")?,
                arrival_slot: slot_of(arrival, true),
                departure_slot: slot_of(departure, false),
                arrival_kwh,
                energy_kwh: energy.min(known.battery_kwh - arrival_kwh).max(0.0),
                booked: true,
            });
        }
    }
    let backtests = if file.holdout_days > 0 {
        let usage_test = backtest_usage(&trips, file.holdout_days, per_quantity)
            .with_context(|| format!("{}: usage backtest", trips_path.display()))?;
        let count = base_mape.len().max(1) as f64;
        Some(Backtests {
            days: usage_test.days,
            stays: (usage_test.predicted, usage_test.stays),
            usage_coverage: usage_test.all_coverage,
            usage_mae: (
                usage_test.arrival_mae_minutes,
                usage_test.departure_mae_minutes,
                usage_test.energy_mae_kwh,
            ),
            base_load_mape: base_mape.iter().map(|m| m.0).sum::<f64>() / count / 100.0,
            base_load_naive_mape: base_mape.iter().map(|m| m.1).sum::<f64>() / count / 100.0,
            base_load_coverage: base_mape.iter().map(|m| m.2).sum::<f64>() / count,
        })
    } else {
        None
    };
    let name = if file.name.is_empty() {
        path.display().to_string()
    } else {
        file.name.clone()
    };
    Ok((
        Portfolio {
            start,
            slot_minutes: 30,
            slots,
            sites,
            vehicles,
            stays,
            products,
            discharge_floor: file.discharge_floor,
        },
        backtests,
        name,
    ))
}

/// Reads the portfolio file at `path` and plans its day.
///
/// ```no_run
/// let planned = voltlex::vpp::plan_file(std::path::Path::new("workbooks/examples/vpp/portfolio.json"), None)?;
/// assert!(planned.report.bids.iter().all(|b| b.kw > 0.0));
/// # Ok::<(), anyhow::Error>(())
/// ```
///
/// # Errors
///
/// A message naming the file (and line and column) and what is wrong.
pub fn plan_file(path: &Path, confidence: Option<f64>) -> anyhow::Result<Planned> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut file: PortfolioFile = serde_json::from_str(&text)
        .map_err(|e| anyhow!("{}:{}:{}: {e}", path.display(), e.line(), e.column()))?;
    if let Some(confidence) = confidence {
        file.confidence = confidence;
    }
    if !(file.confidence > 0.0 && file.confidence < 1.0) {
        bail!(
            "{}: confidence: expected a probability between 0 and 1, found {}",
            path.display(),
            file.confidence
        );
    }
    let (portfolio, backtests, name) = portfolio_of(path, &file)?;
    if let Some(contract) = &file.contract {
        let folder = path.parent().unwrap_or(Path::new("."));
        let compilation = crate::request::compile(&folder.join(&contract.rules))?;
        let rule = compilation
            .rules
            .aggregator_contract(&contract.name)
            .ok_or_else(|| {
                anyhow!(
                    "{}: contract: no contract aggregator named {:?} in {}",
                    path.display(),
                    contract.name,
                    contract.rules.display()
                )
            })?;
        file.fleet_share = rule
            .fleet_share
            .to_string()
            .parse()
            .unwrap_or(file.fleet_share);
    }
    let day = plan(&portfolio).map_err(|e| anyhow!("{}: {e}", path.display()))?;
    let slot_start = |slot: usize| portfolio.start + chrono::Duration::minutes(30 * slot as i64);
    let costs = file.costs.unwrap_or_default();
    let vehicles = portfolio.vehicles.len();
    let revenue_per_vehicle_month =
        day.availability_revenue * file.fleet_share / vehicles.max(1) as f64 * 30.0;
    let report = PlanReport {
        name,
        start: portfolio.start,
        vehicles,
        sites: portfolio.sites.len(),
        stays: portfolio.stays.len(),
        booked: portfolio.stays.iter().filter(|s| s.booked).count(),
        fleet_share: file.fleet_share,
        confidence: file.confidence,
        backtests,
        bids: day
            .bids
            .iter()
            .map(|b| BidLine {
                product: b.product_name.clone(),
                from: slot_start(b.block.start),
                until: slot_start(b.block.end),
                kw: b.kw,
                sites: b.sites.len(),
                revenue: b.availability_revenue,
            })
            .collect(),
        below_minimum: day
            .below_minimum
            .iter()
            .map(|b| {
                (
                    b.product_name.clone(),
                    slot_start(b.block.start),
                    b.offered_kw,
                    b.min_bid_kw,
                )
            })
            .collect(),
        availability_revenue: day.availability_revenue,
        site_lines: day
            .sites
            .iter()
            .zip(&portfolio.sites)
            .map(|(plan, site)| SiteLine {
                site: plan.site.clone(),
                sessions: plan.sessions.len(),
                charging_kwh: plan.charging_kwh,
                charging_cost: plan.charging_cost,
                peak_kw: plan.peak_kw,
                cap_kw: site.import_cap_kw,
                unplugged: plan.unplugged.clone(),
                unservable: plan.unservable.clone(),
            })
            .collect(),
        cost_curve: cost_curve(
            &costs,
            &[100, 500, 1_000, 2_000, 5_000, 10_000, 20_000],
            revenue_per_vehicle_month,
        ),
    };
    Ok(Planned {
        file,
        portfolio,
        plan: day,
        report,
    })
}

/// Days in the month a settled day is scaled to for a deal's monthly terms.
const DAYS_PER_MONTH: f64 = 30.0;

/// Hands the settled day to a risk-sharing deal: the day's net and discharge × 30 as the
/// deal's month (its monthly fees and floors are per month), the vehicles with commitments as
/// its vehicles. The day's battery wear is not modelled here (the deal's covers pay nothing);
/// `voltlex risk-share` prices wear and market risk over a study.
fn deal_month(
    path: &Path,
    deal_ref: &DealRef,
    planned: &Planned,
    after: &Redispatch,
    settlement: &Settlement,
) -> anyhow::Result<DealMonth> {
    use voltlex_engine::sharing::{FleetFacts, SystemMonth, SystemScenario, YearWear};
    let folder = path.parent().unwrap_or(Path::new("."));
    let deal =
        crate::risk_share::read_deal(&folder.join(&deal_ref.rules), deal_ref.name.as_deref())?;
    let hours = planned.portfolio.slot_hours();
    let discharged_kwh: f64 = after
        .sites
        .iter()
        .flat_map(|site| {
            site.problem
                .sessions
                .iter()
                .zip(&site.schedule.power_kw)
                .map(move |(session, powers)| {
                    let eta = site.problem.efficiency_of(session);
                    powers
                        .iter()
                        .map(|kw| (-kw).max(0.0) * hours / eta)
                        .sum::<f64>()
                })
        })
        .sum();
    let vehicles = settlement.vehicles.len().max(1);
    let battery_kwh = planned
        .portfolio
        .vehicles
        .iter()
        .map(|v| v.battery_kwh)
        .sum::<f64>()
        / planned.portfolio.vehicles.len().max(1) as f64;
    let fleet = FleetFacts {
        vehicles: vehicles as f64,
        battery_kwh: battery_kwh.max(1e-9),
        // Wear is not modelled for the day: no loss, so these only need to be valid.
        replacement_cost_per_kwh: 1.0,
        end_of_life_loss: 0.2,
    };
    let scenario = SystemScenario {
        months: vec![SystemMonth {
            margin: settlement.total * DAYS_PER_MONTH,
            discharged_kwh: discharged_kwh * DAYS_PER_MONTH,
        }],
        years: vec![YearWear::default()],
    };
    let settled = voltlex_engine::sharing::settle(&deal, &fleet, &scenario)?;
    Ok(DealMonth {
        deal: deal.name.clone(),
        days: DAYS_PER_MONTH,
        margin: settlement.total * DAYS_PER_MONTH,
        discharged_kwh: discharged_kwh * DAYS_PER_MONTH,
        vehicles,
        parties: deal.parties.iter().cloned().zip(settled.totals()).collect(),
    })
}

/// Plans, applies the file's (or `events`') events and settles.
///
/// # Errors
///
/// As [`plan_file`]; events naming bids or vehicles the plan does not have.
pub fn settle_file(
    path: &Path,
    events: Option<Vec<Event>>,
) -> anyhow::Result<(SettleReport, Redispatch, Planned)> {
    let planned = plan_file(path, None)?;
    let events = events.unwrap_or_else(|| planned.file.events.clone());
    let after = redispatch(&planned.portfolio, &planned.plan, &events)
        .map_err(|e| anyhow!("{}: events: {e}", path.display()))?;
    let settlement = settle(
        &planned.portfolio,
        &planned.plan,
        &after,
        planned.file.fleet_share,
    );
    let slot_start =
        |slot: usize| planned.portfolio.start + chrono::Duration::minutes(30 * slot as i64);
    let report = SettleReport {
        plan: planned.report.clone(),
        events: events.clone(),
        deliveries: after
            .deliveries
            .iter()
            .map(|d| {
                (
                    planned
                        .plan
                        .bids
                        .get(d.bid)
                        .map_or(String::new(), |b| b.product_name.clone()),
                    slot_start(d.block.start),
                    d.committed_kw,
                    d.activated_kw,
                    d.delivered_kw,
                )
            })
            .collect(),
        short: after.sites.iter().flat_map(|s| s.short.clone()).collect(),
        risk_sharing: match &planned.file.risk_sharing {
            Some(deal) => Some(
                deal_month(path, deal, &planned, &after, &settlement)
                    .with_context(|| format!("{}: risk_sharing", path.display()))?,
            ),
            None => None,
        },
        settlement,
    };
    Ok((report, after, planned))
}
