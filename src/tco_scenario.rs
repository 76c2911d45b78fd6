//! A TCO study: the JSON file `voltlex tco` and `voltlex goal-seek` read, the year of site
//! load it simulates for a design (how many EVs, which chargers, PV, storage, V2G, charging
//! strategy), and the yearly costs of that design against the combustion fleet of today.
//!
//! ```json
//! {
//!   "name": "Depot: 20 kei vans, petrol vs electric",
//!   "site": { "rules": "…/jp-tepco-hv", "tariff": "…", "load": "…/site-2024-load.csv", … },
//!   "fleet": { "size": 20, "electric": 20, "vehicle": "Nissan Sakura", "km_per_day": 60,
//!              "operating_days": "weekdays", "arrival": "18:00", "departure": "08:00" },
//!   "chargers": { "model": "Normal AC 6 kW wall box" },
//!   "pv": { "kwp": 50, "price_per_kwp": 250000 },
//!   "storage": { "kwh": 100, "kw": 50, "price": 15000000 },
//!   "v2g": { "spot": { "file": "…/spot_summary_2024.csv", "area": "tokyo" }, "export_cap_kw": 100 },
//!   "subsidies": { "rules": "…/tariff-rules/jp-subsidies", "date": "2025-06-01" },
//!   "finance": { "horizon_years": 10, "discount_rate_pct": 5, "fuel_price_per_litre": 165 },
//!   "goal_seek": { "targets": { "payback_years": 5 }, "space": { "electric": [5, 10, 20] } }
//! }
//! ```
//!
//! **A year.** The site's `load` is a year of meter data (the example: April 2024 to March
//! 2025). `"simulation": "representative-days"` (the default) dispatches one day per month —
//! the first operating day on or after the 15th, noon to noon — and repeats its fleet,
//! storage and V2G flows on every operating day of the month; `"every-day"` dispatches each
//! operating day. PV is generated on every day of the year. The year is then billed by the
//! billing engine (demand charges and ratchet included) with and without the design; the
//! difference is the fleet's electricity cost. Documented in `docs/tco.md`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context};
use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime};
use rust_decimal::prelude::ToPrimitive;
use serde::{Deserialize, Serialize};
use voltlex_engine::battery::{degradation, Chemistry, Usage};
use voltlex_engine::goalseek::Memo;
use voltlex_engine::inputs::IndexSeries;
use voltlex_engine::read::{self, JepxArea};
use voltlex_engine::schedule::check::{check_with, CheckOptions, ViolationKind};
use voltlex_engine::schedule::fleet::{build_problem, FleetCharger, FleetVehicle, SiteSlots, Stay};
use voltlex_engine::schedule::strategy::{self, Strategy};
use voltlex_engine::schedule::{Mode, Problem};
use voltlex_engine::site::{self as site_assets, PvProfile, PvSystem, StationaryBattery};
use voltlex_engine::tco::catalogue::{Catalogue, ChargerModel, IceComparator, VehicleModel};
use voltlex_engine::tco::model::{self, Comparison, Financing, FleetPart, YearCosts};
use voltlex_engine::tco::subsidy::{self, AttributeValue, Item, ItemKind};
use voltlex_engine::v2g::{self, V2gProblem, V2gSession};

pub use crate::fleet_routines::OperatingDays;
use crate::fleet_routines::{self, GroupFile, Routine, RoutineFields};
use crate::scenario::{self, Scenario, SiteFile};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TcoFile {
    #[serde(default)]
    name: Option<String>,
    /// A catalogue file laid over the built-in one (own models, prices).
    #[serde(default)]
    catalogue: Option<PathBuf>,
    site: SiteFile,
    fleet: FleetFile,
    chargers: ChargersFile,
    #[serde(default)]
    pv: Option<PvFile>,
    #[serde(default)]
    storage: Option<StorageFile>,
    #[serde(default)]
    v2g: Option<V2gFile>,
    #[serde(default)]
    subsidies: Option<SubsidiesFile>,
    finance: FinanceFile,
    #[serde(default)]
    co2: Option<Co2File>,
    #[serde(default)]
    simulation: Simulation,
    #[serde(default)]
    goal_seek: Option<crate::goal_seek::GoalSeekFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FleetFile {
    size: u32,
    #[serde(default)]
    electric: Option<u32>,
    vehicle: String,
    #[serde(default)]
    ice: Option<String>,
    /// Kilometres per operating day (or `kwh_per_day`, not both).
    #[serde(default)]
    km_per_day: Option<f64>,
    /// Energy each vehicle uses per operating day, kWh from the battery (or `km_per_day`).
    #[serde(default)]
    kwh_per_day: Option<f64>,
    #[serde(default)]
    operating_days: Option<OperatingDays>,
    #[serde(default)]
    arrival: Option<String>,
    #[serde(default)]
    departure: Option<String>,
    #[serde(default)]
    arrival_spread_minutes: Option<u32>,
    #[serde(default)]
    target_soc_pct: Option<f64>,
    /// Trips booked ahead: the departure energy is reserved.
    #[serde(default)]
    booked: Option<bool>,
    /// Groups of vehicles with their own routines (`crate::fleet_routines`).
    #[serde(default)]
    groups: Vec<GroupFile>,
}

impl FleetFile {
    /// The routine fields of the whole fleet (the groups' common values).
    fn routine(&self) -> RoutineFields {
        RoutineFields {
            km_per_day: self.km_per_day,
            kwh_per_day: self.kwh_per_day,
            operating_days: self.operating_days,
            arrival: self.arrival.clone(),
            departure: self.departure.clone(),
            arrival_spread_minutes: self.arrival_spread_minutes,
            target_soc_pct: self.target_soc_pct,
            booked: self.booked,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ChargersFile {
    model: String,
    /// Chargers per design; default one per electric vehicle (plugs are not swapped at night).
    #[serde(default)]
    count: Option<u32>,
}

#[derive(Deserialize, Clone)]
#[serde(deny_unknown_fields)]
struct PvFile {
    kwp: f64,
    price_per_kwp: f64,
    #[serde(default)]
    profile: Option<PathBuf>,
    #[serde(default)]
    monthly_yield_kwh_per_kwp: Option<[f64; 12]>,
    #[serde(default = "default_tilt")]
    tilt_deg: f64,
    #[serde(default = "default_latitude")]
    latitude_deg: f64,
    #[serde(default = "default_longitude")]
    longitude_deg: f64,
}

fn default_tilt() -> f64 {
    20.0
}
fn default_latitude() -> f64 {
    35.68
}
fn default_longitude() -> f64 {
    139.77
}

#[derive(Deserialize, Clone)]
#[serde(deny_unknown_fields)]
struct StorageFile {
    kwh: f64,
    kw: f64,
    price: f64,
    #[serde(default = "default_round_trip")]
    round_trip_efficiency: f64,
    #[serde(default = "default_storage_floor")]
    min_soc_pct: f64,
}

fn default_round_trip() -> f64 {
    0.90
}
fn default_storage_floor() -> f64 {
    10.0
}

#[derive(Deserialize, Clone)]
#[serde(deny_unknown_fields)]
struct V2gFile {
    spot: SpotFile,
    export_cap_kw: f64,
    #[serde(default = "default_share")]
    aggregator_share_pct: f64,
    #[serde(default)]
    fee_per_vehicle_month: f64,
    #[serde(default = "default_v2g_floor")]
    minimum_soc_pct: f64,
}

fn default_share() -> f64 {
    30.0
}
fn default_v2g_floor() -> f64 {
    40.0
}

#[derive(Deserialize, Clone)]
#[serde(deny_unknown_fields)]
struct SpotFile {
    file: PathBuf,
    area: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SubsidiesFile {
    rules: PathBuf,
    date: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FinanceFile {
    #[serde(default = "default_horizon")]
    horizon_years: u32,
    #[serde(default = "default_discount")]
    discount_rate_pct: f64,
    #[serde(default)]
    electricity_escalation_pct: f64,
    #[serde(default)]
    fuel_escalation_pct: f64,
    /// The user's own fuel price (no default: it is the figure a TCO is most sensitive to).
    fuel_price_per_litre: f64,
    /// Pack replacement cost per kWh (no default, likewise).
    battery_replacement_per_kwh: f64,
    #[serde(default = "default_temperature")]
    battery_temperature_c: f64,
    #[serde(default)]
    financing: FinancingFile,
}

fn default_horizon() -> u32 {
    10
}
fn default_discount() -> f64 {
    5.0
}
fn default_temperature() -> f64 {
    25.0
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
enum FinancingFile {
    #[default]
    Cash,
    Loan {
        financed_pct: f64,
        rate_pct: f64,
        years: u32,
    },
    Lease {
        per_vehicle_per_year: f64,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Co2File {
    #[serde(default)]
    grid_kg_per_kwh: Option<f64>,
}

/// How the year is simulated.
#[derive(Deserialize, Serialize, Clone, Copy, Debug, Default, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Simulation {
    /// One dispatched day per month, repeated on its operating days.
    #[default]
    RepresentativeDays,
    /// Every operating day dispatched.
    EveryDay,
}

/// How the electric vehicles charge.
#[derive(Deserialize, Serialize, Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[serde(rename_all = "kebab-case")]
pub enum Charging {
    /// Full power on arrival.
    Uncontrolled,
    /// The optimiser (energy prices, demand above the ratchet), with PV and storage.
    Optimal,
}

/// What is bought and how it runs: one point of the goal-seek decision space.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Design {
    /// Electric vehicles (the rest of the fleet stays combustion).
    pub electric: u32,
    /// Charger model (catalogue name).
    pub charger: String,
    /// Chargers installed.
    pub chargers: u32,
    /// PV, kWp.
    pub pv_kwp: f64,
    /// Stationary storage, kWh (its power scales with the file's kW per kWh).
    pub storage_kwh: f64,
    /// Vehicles discharge to the site and the spot market.
    pub v2g: bool,
    /// Charging strategy.
    pub charging: Charging,
}

impl Design {
    /// "20 EV, 20 × charger, PV 50 kWp, storage 100 kWh, V2G, optimal".
    pub fn describe(&self) -> String {
        let mut parts = vec![
            format!("{} EV", self.electric),
            format!("{} × {}", self.chargers, self.charger),
        ];
        if self.pv_kwp > 0.0 {
            parts.push(format!("PV {} kWp", self.pv_kwp));
        }
        if self.storage_kwh > 0.0 {
            parts.push(format!("storage {} kWh", self.storage_kwh));
        }
        if self.v2g {
            parts.push("V2G".into());
        }
        parts.push(
            match self.charging {
                Charging::Uncontrolled => "uncontrolled",
                Charging::Optimal => "optimal",
            }
            .into(),
        );
        parts.join(", ")
    }
}

/// Prices and policy a design's costs are computed under: what the workbook's what-if grid
/// varies without simulating again (the dispatch does not depend on them).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Outlook {
    /// The electricity bill change × this (1 = the tariff as billed).
    pub electricity_price_factor: f64,
    /// Fuel prices × this.
    pub fuel_price_factor: f64,
    /// Whether the subsidy rules apply.
    pub subsidies: bool,
}

impl Default for Outlook {
    fn default() -> Self {
        Outlook {
            electricity_price_factor: 1.0,
            fuel_price_factor: 1.0,
            subsidies: true,
        }
    }
}
/// A day dispatched, and the days it stands for.
struct SimulatedDay {
    /// The site alone over the day (noon to noon): prices, ratchet, base load.
    site: Scenario,
    /// The days whose fleet flows are this day's (operating days of the month, or itself).
    represents: Vec<NaiveDate>,
}

/// A V2G design's year under market-price scenarios ([`TcoStudy::v2g_price_risk`]).
#[derive(Debug, Clone, PartialEq)]
pub struct PriceRisk {
    /// How the scenarios were made.
    pub model: String,
    /// The seed (same seed, same numbers).
    pub seed: u64,
    /// Per scenario, the change of the year's V2G value against the studied prices
    /// (currency per year; positive = more than studied).
    pub changes: Vec<f64>,
}

/// A study read from its file: the site's year, the simulated days, catalogue entries and
/// subsidy rules, ready to evaluate designs.
pub struct TcoStudy {
    /// The study's name.
    pub name: String,
    /// How the year is simulated.
    pub simulation: Simulation,
    file: TcoFile,
    /// The fleet's groups with every default applied (one for a fleet without groups).
    routines: Vec<Routine>,
    path: PathBuf,
    days: Vec<SimulatedDay>,
    /// The site over the whole year (its bills).
    year: Scenario,
    /// The site's bills for the year without the fleet, PV or storage.
    baseline_run: voltlex_engine::billing::BillRun,
    vehicle: VehicleModel,
    ice: IceComparator,
    catalogue: Catalogue,
    subsidy_rules: Vec<voltlex_dsl::rules::SubsidyRule>,
    subsidy_date: Option<NaiveDate>,
    spot: Option<IndexSeries>,
    grid_kg_per_kwh: f64,
    /// Simulated years by [`Design::simulation_key`]: designs that differ only in prices
    /// share one.
    memo: Memo<String, std::sync::Arc<EnergyYear>>,
}

/// What the year's simulation of a design gives.
#[derive(Clone, Debug, Serialize)]
pub struct EnergyYear {
    /// The site's bills for the year with the design minus without (currency).
    pub electricity_change: f64,
    /// The site's grid imports with the design minus without, kWh.
    pub import_change_kwh: f64,
    /// Energy charged into the vehicles over the year, kWh (grid side).
    pub fleet_kwh: f64,
    /// Spot sales of the year before the aggregator's share.
    pub export_revenue: f64,
    /// Exported, kWh.
    pub exported_kwh: f64,
    /// PV generated, kWh.
    pub pv_kwh: f64,
    /// Operating years until a vehicle's battery reaches end of life (None: beyond the
    /// horizon).
    pub vehicle_battery_life_years: Option<u32>,
    /// Capacity lost by a vehicle's battery in the first year (fraction).
    pub vehicle_first_year_loss: f64,
    /// Days dispatched.
    pub days_dispatched: usize,
    /// Each dispatched day, slot by slot (not in JSON: the workbook draws from it).
    #[serde(skip)]
    pub days: Vec<DayProfileData>,
    /// The site's bills for the year with the design (not in JSON).
    #[serde(skip)]
    pub bills: Option<voltlex_engine::billing::BillRun>,
}

/// A design's result.
#[derive(Clone, Debug, Serialize)]
pub struct DesignResult {
    /// The design.
    pub design: Design,
    /// The simulated year.
    pub energy: EnergyYear,
    /// Its parts (electric vehicles with infrastructure; the combustion vehicles kept).
    pub parts: Vec<FleetPart>,
    /// Its costs year by year.
    pub years: Vec<YearCosts>,
    /// Against the all-combustion fleet.
    pub comparison: Comparison,
    /// Up-front investment after subsidies.
    pub investment: f64,
    /// Subsidies: (programme, amount) summed over the items.
    pub subsidies: Vec<(String, f64)>,
}

fn to_f64(value: rust_decimal::Decimal) -> f64 {
    value.to_f64().unwrap_or(0.0)
}

impl TcoStudy {
    /// Read a study file (see the module documentation) and prepare its year: the site's
    /// bills without the fleet, the days to dispatch, the catalogue entries.
    ///
    /// # Errors
    ///
    /// A message naming the file and, for JSON, the line and column; unknown catalogue
    /// names with the closest ones; a site load that is not a year.
    pub fn read(path: &Path) -> anyhow::Result<TcoStudy> {
        let file: TcoFile = scenario::read_json(path, "TCO study")?;
        Self::prepare(file, path)
    }

    /// A study given as the JSON value of a study file (what an input workbook becomes);
    /// `origin` names it in messages and its folder is where relative paths start.
    ///
    /// # Errors
    ///
    /// A value that is not a study (the key and what was expected), and as [`TcoStudy::read`].
    pub fn from_json(value: serde_json::Value, origin: &Path) -> anyhow::Result<TcoStudy> {
        let file: TcoFile = serde_json::from_value(value)
            .map_err(|e| anyhow!("{}: the study it describes: {e}", origin.display()))?;
        Self::prepare(file, origin)
    }

    fn prepare(file: TcoFile, path: &Path) -> anyhow::Result<TcoStudy> {
        let folder = path.parent().unwrap_or(Path::new("."));
        // The built-in catalogue, with the study's own file (if any) laid over it by name.
        let catalogue = match &file.catalogue {
            Some(own) => {
                let own = folder.join(own);
                let text = std::fs::read_to_string(&own)
                    .with_context(|| format!("{}: cannot read the catalogue", own.display()))?;
                Catalogue::builtin_with(&text, &own.display().to_string())?
            }
            None => Catalogue::builtin()?.clone(),
        };
        let vehicle = catalogue
            .vehicle(&file.fleet.vehicle)
            .map_err(|e| anyhow!("{}: fleet.vehicle: {e}", path.display()))?
            .clone();
        let ice = match &file.fleet.ice {
            Some(name) => catalogue
                .ice
                .iter()
                .find(|ice| ice.name.eq_ignore_ascii_case(name))
                .ok_or_else(|| {
                    anyhow!(
                        "{}: fleet.ice: no ICE comparator named {name:?}; known: {}",
                        path.display(),
                        catalogue
                            .ice
                            .iter()
                            .map(|ice| ice.name.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                })?,
            None => catalogue
                .ice_for_class(&vehicle.class)
                .map_err(|e| anyhow!("{}: fleet.vehicle: {e}", path.display()))?,
        }
        .clone();
        catalogue
            .charger(&file.chargers.model)
            .map_err(|e| anyhow!("{}: chargers.model: {e}", path.display()))?;
        let routines = fleet_routines::resolve(
            &file.fleet.routine(),
            &file.fleet.groups,
            file.fleet.size,
            vehicle.kwh_per_km,
            vehicle.battery_kwh,
            path,
        )?;
        if file.fleet.electric.unwrap_or(file.fleet.size) > file.fleet.size {
            bail!(
                "{}: fleet.electric ({}) is more than fleet.size ({})",
                path.display(),
                file.fleet.electric.unwrap_or(file.fleet.size),
                file.fleet.size
            );
        }
        // The site's files are read once; its meter data tells which days the year has.
        let prepared = scenario::prepare_site(path, &file.site)?;
        let load = prepared.load();
        let first_day = load.start.date();
        let last_day = load.interval_start(load.kwh.len().saturating_sub(1)).date();
        // A day is dispatched noon to noon: its night must be inside the data.
        let noon = NaiveTime::from_hms_opt(12, 0, 0).unwrap_or_default();
        // Days are grouped by month and by which routines go out (weekdays and weekends
        // differ when a group drives every day): one representative per group of days.
        let mut by_month: BTreeMap<(i32, u32, u64), Vec<NaiveDate>> = BTreeMap::new();
        let mut months = std::collections::BTreeSet::new();
        let mut day = first_day;
        while day <= last_day {
            let mask = fleet_routines::operating_mask(&routines, day);
            if mask != 0 {
                by_month
                    .entry((day.year(), day.month(), mask))
                    .or_default()
                    .push(day);
                months.insert((day.year(), day.month()));
            }
            day += Duration::days(1);
        }
        if months.len() < 12 {
            bail!(
                "{}: site.load covers {first_day} to {last_day}: a TCO study needs a year of meter data",
                path.display()
            );
        }
        let mut chosen: Vec<(NaiveDate, Vec<NaiveDate>)> = Vec::new();
        match file.simulation {
            Simulation::RepresentativeDays => {
                for days in by_month.values() {
                    let pick = days
                        .iter()
                        .find(|d| d.day() >= 15)
                        .or_else(|| days.last())
                        .copied();
                    if let Some(pick) = pick {
                        chosen.push((pick, days.clone()));
                    }
                }
                chosen.sort_by_key(|(pick, _)| *pick);
            }
            Simulation::EveryDay => {
                let mut every: Vec<NaiveDate> = by_month.values().flatten().copied().collect();
                every.sort();
                for day in every {
                    // The data's last day has no night after it: the day before stands for it.
                    match chosen.last_mut() {
                        Some((_, represents)) if day >= last_day => represents.push(day),
                        _ => chosen.push((day, vec![day])),
                    }
                }
            }
        }
        let name = file.name.clone().unwrap_or_else(|| {
            path.file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default()
        });
        let mut days = Vec::new();
        for (pick, represents) in chosen {
            let start = pick.and_time(noon);
            let site = prepared.scenario(
                name.clone(),
                (start, start + Duration::days(1)),
                100.0,
                &[],
                &[],
            )?;
            days.push(SimulatedDay { site, represents });
        }
        let year = match days.first() {
            Some(day) => prepared.scenario(
                name.clone(),
                (
                    day.site.fleet.problem.start,
                    day.site.fleet.problem.start + Duration::days(1),
                ),
                100.0,
                &[],
                &[],
            )?,
            None => bail!("{}: no operating day in site.load", path.display()),
        };
        let baseline = year.bill_with(&BTreeMap::new(), None)?.ok_or_else(|| {
            anyhow!(
                "{}: site: a TCO study needs \"rules\" to bill the year",
                path.display()
            )
        })?;
        let (subsidy_rules, subsidy_date) = match &file.subsidies {
            Some(subsidies) => {
                let compilation = crate::request::compile(&folder.join(&subsidies.rules))?;
                let date =
                    NaiveDate::parse_from_str(subsidies.date.trim(), "%Y-%m-%d").map_err(|_| {
                        anyhow!(
                            "{}: subsidies.date: expected a date like 2025-06-01, found {:?}",
                            path.display(),
                            subsidies.date
                        )
                    })?;
                (compilation.rules.subsidies.clone(), Some(date))
            }
            None => (Vec::new(), None),
        };
        let spot = match &file.v2g {
            Some(section) => {
                let area: JepxArea = section
                    .spot
                    .area
                    .parse()
                    .map_err(|e| anyhow!("{}: v2g.spot.area: {e}", path.display()))?;
                // A JEPX spot_summary file (the area's column) or a `start,price` CSV of the
                // area's interval prices (what an input workbook's MarketPrices sheet becomes).
                let series = read::index_file(
                    folder.join(&section.spot.file),
                    &format!("jepx-{}", area.name().to_lowercase()),
                )?;
                if !matches!(series, IndexSeries::Interval { .. }) {
                    bail!(
                        "{}: v2g.spot.file: expected a JEPX spot_summary file or a CSV with an interval start and a \"price\" column, found monthly values in {}",
                        path.display(),
                        section.spot.file.display()
                    );
                }
                Some(series)
            }
            None => None,
        };
        let grid_kg_per_kwh = file
            .co2
            .as_ref()
            .and_then(|co2| co2.grid_kg_per_kwh)
            .unwrap_or(catalogue.emission_factors.grid_kg_per_kwh);
        Ok(TcoStudy {
            name,
            simulation: file.simulation,
            days,
            year,
            baseline_run: baseline,
            vehicle,
            ice,
            catalogue,
            subsidy_rules,
            subsidy_date,
            spot,
            grid_kg_per_kwh,
            memo: Memo::new(),
            routines,
            path: path.to_path_buf(),
            file,
        })
    }

    /// The study's currency code.
    pub fn currency(&self) -> &str {
        &self.year.currency
    }

    /// The horizon, years.
    pub fn horizon_years(&self) -> u32 {
        self.file.finance.horizon_years
    }

    /// The goal-seek section, if the file has one.
    pub(crate) fn goal_seek_section(&self) -> Option<&crate::goal_seek::GoalSeekFile> {
        self.file.goal_seek.as_ref()
    }

    /// Whether the file has a `v2g` section (the V2G scenario runs only then).
    pub fn has_v2g(&self) -> bool {
        self.file.v2g.is_some()
    }

    /// The design the file describes, with `charging` and `v2g` as given.
    pub fn design(&self, charging: Charging, v2g: bool) -> Design {
        let electric = self.file.fleet.electric.unwrap_or(self.file.fleet.size);
        Design {
            electric,
            charger: self.file.chargers.model.clone(),
            chargers: self.file.chargers.count.unwrap_or(electric),
            pv_kwp: self.file.pv.as_ref().map_or(0.0, |pv| pv.kwp),
            storage_kwh: self.file.storage.as_ref().map_or(0.0, |s| s.kwh),
            v2g,
            charging,
        }
    }

    /// The catalogue entry of a charger model.
    ///
    /// # Errors
    ///
    /// An unknown model, with the closest names.
    pub fn charger(&self, name: &str) -> anyhow::Result<&ChargerModel> {
        Ok(self.catalogue.charger(name)?)
    }

    fn fleet_size(&self) -> u32 {
        self.file.fleet.size
    }

    /// The all-combustion fleet of today.
    pub fn baseline(&self) -> anyhow::Result<Vec<FleetPart>> {
        self.baseline_with(&Outlook::default())
    }

    fn baseline_with(&self, outlook: &Outlook) -> anyhow::Result<Vec<FleetPart>> {
        Ok(vec![self.ice_part(0, self.fleet_size(), outlook)?])
    }

    /// Kilometres a year driven by the fleet's vehicles `first..first + count` (in group
    /// order: the electric ones first), over the days the simulated year stands for.
    fn years_km(&self, first: u32, count: u32) -> f64 {
        let wanted = first..first.saturating_add(count);
        let mut group_first = 0u32;
        let mut km = 0.0;
        for routine in &self.routines {
            let group = group_first..group_first + routine.vehicles;
            let overlap = wanted
                .end
                .min(group.end)
                .saturating_sub(wanted.start.max(group.start));
            let days: usize = self
                .days
                .iter()
                .flat_map(|day| &day.represents)
                .filter(|d| routine.operating_days.includes(**d))
                .count();
            km += f64::from(overlap) * routine.km_per_day * days as f64;
            group_first = group.end;
        }
        km
    }

    /// The combustion vehicles `first..first + count` (in group order).
    fn ice_part(&self, first: u32, count: u32, outlook: &Outlook) -> anyhow::Result<FleetPart> {
        let finance = &self.file.finance;
        let class = self.catalogue.class_costs(&self.vehicle.class)?;
        let km = self.years_km(first, count);
        let litres = km * self.ice.litres_per_100km / 100.0;
        let fuel_kg = self
            .catalogue
            .emission_factors
            .fuel_kg_per_litre(&self.ice.fuel)
            .ok_or_else(|| anyhow!("no emission factor for fuel {:?}", self.ice.fuel))?;
        let mut part = FleetPart::vehicles(
            &format!("{} ({})", self.ice.name, self.ice.fuel),
            count,
            to_f64(self.ice.price),
        );
        part.residual_share =
            residual_share(&class.residual_share_after_years, finance.horizon_years);
        part.energy_per_year = litres * finance.fuel_price_per_litre * outlook.fuel_price_factor;
        part.energy_escalation = finance.fuel_escalation_pct / 100.0;
        part.maintenance_per_year = km * to_f64(self.ice.maintenance_per_km);
        part.insurance_per_year = f64::from(count) * to_f64(class.insurance_per_year);
        part.taxes_per_year = f64::from(count) * to_f64(class.ice_annual_tax);
        part.co2_tonnes_per_year = litres * fuel_kg / 1000.0;
        Ok(part)
    }

    fn financing(&self) -> Financing {
        match self.file.finance.financing {
            FinancingFile::Cash => Financing::Cash,
            FinancingFile::Loan {
                financed_pct,
                rate_pct,
                years,
            } => Financing::Loan {
                financed_share: financed_pct / 100.0,
                annual_rate: rate_pct / 100.0,
                years,
            },
            FinancingFile::Lease {
                per_vehicle_per_year,
            } => Financing::Lease {
                per_vehicle_per_year,
            },
        }
    }

    /// The subsidy items of a design: one vehicle, one charger, the PV, the storage.
    fn subsidy_items(&self, design: &Design) -> anyhow::Result<Vec<(Item, f64)>> {
        let charger = self.charger(&design.charger)?;
        let money = |value: f64| {
            AttributeValue::Money(rust_decimal::Decimal::from_f64_retain(value).unwrap_or_default())
        };
        let mut items = Vec::new();
        if design.electric > 0 {
            let v = &self.vehicle;
            let attributes = BTreeMap::from([
                ("class".to_string(), AttributeValue::Text(v.class.clone())),
                (
                    "powertrain".to_string(),
                    AttributeValue::Text(v.powertrain.clone()),
                ),
                ("battery".to_string(), AttributeValue::Number(v.battery_kwh)),
                ("price".to_string(), AttributeValue::Money(v.list_price)),
                (
                    "ice_price".to_string(),
                    AttributeValue::Money(self.ice.price),
                ),
                (
                    "gross_weight".to_string(),
                    AttributeValue::Number(v.gross_weight_t),
                ),
                ("v2h".to_string(), AttributeValue::Flag(v.v2h)),
            ]);
            items.push((
                Item {
                    kind: ItemKind::Vehicle,
                    name: v.name.clone(),
                    attributes,
                },
                f64::from(design.electric),
            ));
        }
        if design.chargers > 0 {
            let attributes = BTreeMap::from([
                (
                    "type".to_string(),
                    AttributeValue::Text(charger.kind.clone()),
                ),
                ("power".to_string(), AttributeValue::Number(charger.max_kw)),
                ("v2g".to_string(), AttributeValue::Flag(charger.v2g)),
                (
                    "equipment_price".to_string(),
                    AttributeValue::Money(charger.equipment_price),
                ),
                (
                    "works_price".to_string(),
                    AttributeValue::Money(charger.works_price),
                ),
                // Installed with the trucks it charges (LEVO's charger rule).
                (
                    "with_truck".to_string(),
                    AttributeValue::Flag(
                        design.electric > 0
                            && matches!(self.vehicle.class.as_str(), "truck" | "light-truck"),
                    ),
                ),
            ]);
            items.push((
                Item {
                    kind: ItemKind::Charger,
                    name: charger.name.clone(),
                    attributes,
                },
                f64::from(design.chargers),
            ));
        }
        if let (Some(pv), true) = (&self.file.pv, design.pv_kwp > 0.0) {
            let attributes = BTreeMap::from([
                (
                    "capacity".to_string(),
                    AttributeValue::Number(design.pv_kwp),
                ),
                ("price".to_string(), money(design.pv_kwp * pv.price_per_kwp)),
            ]);
            items.push((
                Item {
                    kind: ItemKind::Pv,
                    name: "PV".into(),
                    attributes,
                },
                1.0,
            ));
        }
        if let (Some(storage), true) = (&self.file.storage, design.storage_kwh > 0.0) {
            let attributes = BTreeMap::from([
                (
                    "capacity".to_string(),
                    AttributeValue::Number(design.storage_kwh),
                ),
                (
                    "power".to_string(),
                    AttributeValue::Number(self.storage_kw(design)),
                ),
                (
                    "price".to_string(),
                    money(storage.price * design.storage_kwh / storage.kwh.max(f64::MIN_POSITIVE)),
                ),
            ]);
            items.push((
                Item {
                    kind: ItemKind::Battery,
                    name: "stationary storage".into(),
                    attributes,
                },
                1.0,
            ));
        }
        Ok(items)
    }

    fn storage_kw(&self, design: &Design) -> f64 {
        match &self.file.storage {
            Some(storage) if storage.kwh > 0.0 => design.storage_kwh * storage.kw / storage.kwh,
            _ => 0.0,
        }
    }

    /// Subsidies of a design: the vehicles' total, the infrastructure's total, and the
    /// amount per subsidy rule.
    fn subsidies(&self, design: &Design) -> anyhow::Result<Subsidies> {
        let Some(date) = self.subsidy_date else {
            return Ok(Subsidies::default());
        };
        let items = self.subsidy_items(design)?;
        let (mut vehicles, mut infrastructure) = (0.0, 0.0);
        let mut by_programme: BTreeMap<String, f64> = BTreeMap::new();
        for (item, count) in &items {
            let awards = subsidy::awards(&self.subsidy_rules, std::slice::from_ref(item), date)
                .map_err(|e| anyhow!("{}: subsidies: {e}", self.path.display()))?;
            for award in awards {
                let amount = to_f64(award.amount) * count;
                *by_programme.entry(award.subsidy.clone()).or_default() += amount;
                match item.kind {
                    ItemKind::Vehicle => vehicles += amount,
                    _ => infrastructure += amount,
                }
            }
        }
        Ok(Subsidies {
            vehicles,
            infrastructure,
            by_rule: by_programme.into_iter().collect(),
        })
    }

    /// The up-front investment of a design after the subsidies it can get at most: what goal
    /// seeking minimises, without simulating anything.
    ///
    /// # Errors
    ///
    /// Unknown charger model, subsidy rules that cannot be evaluated.
    pub fn investment(&self, design: &Design) -> anyhow::Result<f64> {
        let parts = self.parts(design, None, &Outlook::default())?;
        Ok(parts.iter().map(FleetPart::net_investment).sum())
    }

    /// The parts of a design; `energy` None leaves the simulated figures at zero (for the
    /// investment, which does not depend on them).
    fn parts(
        &self,
        design: &Design,
        energy: Option<&EnergyYear>,
        outlook: &Outlook,
    ) -> anyhow::Result<Vec<FleetPart>> {
        let finance = &self.file.finance;
        let horizon = finance.horizon_years;
        let charger = self.charger(&design.charger)?;
        let class = self.catalogue.class_costs(&self.vehicle.class)?;
        let subsidies = if outlook.subsidies {
            self.subsidies(design)?
        } else {
            Subsidies::default()
        };
        let electric = f64::from(design.electric);
        let km = self.years_km(0, design.electric);
        let mut ev = FleetPart::vehicles(
            &format!("{} (EV)", self.vehicle.name),
            design.electric,
            to_f64(self.vehicle.list_price),
        );
        ev.financing = self.financing();
        ev.vehicle_subsidy = subsidies.vehicles;
        ev.infrastructure_capex = f64::from(design.chargers)
            * (to_f64(charger.equipment_price) + to_f64(charger.works_price))
            + self
                .file
                .pv
                .as_ref()
                .map_or(0.0, |pv| design.pv_kwp * pv.price_per_kwp)
            + self.file.storage.as_ref().map_or(0.0, |s| {
                s.price * design.storage_kwh / s.kwh.max(f64::MIN_POSITIVE)
            });
        ev.infrastructure_subsidy = subsidies.infrastructure;
        ev.residual_share = residual_share(&class.residual_share_after_years, horizon);
        ev.maintenance_per_year = km * to_f64(class.ev_maintenance_per_km);
        ev.insurance_per_year = electric * to_f64(class.insurance_per_year);
        ev.taxes_per_year = electric * to_f64(class.ev_annual_tax);
        if let Some(energy) = energy {
            ev.energy_per_year = energy.electricity_change * outlook.electricity_price_factor;
            ev.energy_escalation = finance.electricity_escalation_pct / 100.0;
            ev.co2_tonnes_per_year = energy.import_change_kwh * self.grid_kg_per_kwh / 1000.0;
            if let (Some(v2g), true) = (&self.file.v2g, design.v2g) {
                ev.market_revenue_per_year = energy.export_revenue
                    * (1.0 - v2g.aggregator_share_pct / 100.0)
                    - v2g.fee_per_vehicle_month * 12.0 * electric;
            }
            if let Some(life) = energy.vehicle_battery_life_years {
                let cost =
                    finance.battery_replacement_per_kwh * self.vehicle.battery_kwh * electric;
                let mut year = life;
                while life > 0 && year < horizon {
                    ev.battery_replacements.push((year, cost));
                    year += life;
                }
            }
        }
        let mut parts = vec![ev];
        let diesel = self.fleet_size().saturating_sub(design.electric);
        if diesel > 0 {
            parts.push(self.ice_part(design.electric, diesel, outlook)?);
        }
        Ok(parts)
    }

    /// Evaluate a design: simulate its year (or reuse a simulation of the same dispatch),
    /// build its yearly costs and compare them with the all-diesel fleet.
    ///
    /// # Errors
    ///
    /// A day that cannot be dispatched, bills that cannot be computed, bad figures.
    pub fn evaluate(&self, design: &Design) -> anyhow::Result<DesignResult> {
        self.evaluate_with(design, &Outlook::default())
    }

    /// [`TcoStudy::evaluate`] under another price and subsidy outlook (the baseline too):
    /// the simulated year is reused, only the money changes.
    ///
    /// # Errors
    ///
    /// As [`TcoStudy::evaluate`].
    pub fn evaluate_with(
        &self,
        design: &Design,
        outlook: &Outlook,
    ) -> anyhow::Result<DesignResult> {
        let energy = self.energy_year(design)?;
        let parts = self.parts(design, Some(&energy), outlook)?;
        let horizon = self.file.finance.horizon_years;
        let years = model::yearly_costs(&parts, horizon)?;
        let baseline = model::yearly_costs(&self.baseline_with(outlook)?, horizon)?;
        let comparison = model::compare(
            &baseline,
            &years,
            self.file.finance.discount_rate_pct / 100.0,
        )?;
        let investment = parts.iter().map(FleetPart::net_investment).sum();
        let subsidies = if outlook.subsidies {
            self.subsidies(design)?.by_rule
        } else {
            Vec::new()
        };
        Ok(DesignResult {
            design: design.clone(),
            energy: (*energy).clone(),
            parts,
            years,
            comparison,
            investment,
            subsidies,
        })
    }

    /// The site's bills for the year without the fleet, PV or storage.
    pub fn baseline_bills(&self) -> &voltlex_engine::billing::BillRun {
        &self.baseline_run
    }

    /// The vehicle model of the study's EVs.
    pub fn vehicle_model(&self) -> &VehicleModel {
        &self.vehicle
    }

    /// Daily distance per vehicle, km: the fleet's average over its groups, by vehicles.
    pub fn km_per_day(&self) -> f64 {
        self.average_per_vehicle(|routine| routine.km_per_day)
    }

    /// Energy a vehicle takes from its battery on an operating day, kWh: the fleet's average
    /// over its groups, by vehicles (each group's `kwh_per_day`, or its kilometres at the
    /// model's consumption).
    pub fn kwh_per_day(&self) -> f64 {
        self.average_per_vehicle(|routine| routine.kwh_per_day)
    }

    /// A routine figure averaged over the fleet's vehicles.
    fn average_per_vehicle(&self, figure: impl Fn(&Routine) -> f64) -> f64 {
        let vehicles: u32 = self.routines.iter().map(|r| r.vehicles).sum();
        let total: f64 = self
            .routines
            .iter()
            .map(|r| figure(r) * f64::from(r.vehicles))
            .sum();
        if vehicles == 0 {
            0.0
        } else {
            total / f64::from(vehicles)
        }
    }

    /// The fleet's groups and their routines (one for a fleet without `groups`).
    pub fn routines(&self) -> &[Routine] {
        &self.routines
    }

    /// The state of charge vehicles keep when they discharge (the `v2g` section's), %.
    pub fn v2g_minimum_soc_pct(&self) -> Option<f64> {
        self.file.v2g.as_ref().map(|v2g| v2g.minimum_soc_pct)
    }

    /// The largest export to the grid the study's `v2g` section allows, kW.
    pub fn export_cap_kw(&self) -> Option<f64> {
        self.file.v2g.as_ref().map(|v2g| v2g.export_cap_kw)
    }

    /// The fleet's size today (combustion vehicles replaced by the design's EVs).
    pub fn fleet_size_today(&self) -> u32 {
        self.file.fleet.size
    }

    /// The diesel fleet's own yearly costs.
    ///
    /// # Errors
    ///
    /// Bad figures.
    pub fn baseline_years(&self) -> anyhow::Result<Vec<YearCosts>> {
        Ok(model::yearly_costs(
            &self.baseline()?,
            self.file.finance.horizon_years,
        )?)
    }

    /// The design's year of energy, simulated once per dispatch (memoised by
    /// [`Design::simulation_key`]).
    fn energy_year(&self, design: &Design) -> anyhow::Result<std::sync::Arc<EnergyYear>> {
        self.memo
            .get_or_try_insert_with(self.simulation_key(design)?, || {
                self.simulate(design).map(std::sync::Arc::new)
            })
    }

    /// The key of the simulation a design needs: what changes the dispatch and the bills,
    /// normalised so that designs that dispatch alike share one simulated year — the
    /// charger by its specification (not its name), V2G only where a vehicle can discharge
    /// (optimal charging, a V2H/V2G model on a discharging charger), PV and storage only
    /// when the study prices them.
    fn simulation_key(&self, design: &Design) -> anyhow::Result<String> {
        let charger = self.charger(&design.charger)?;
        let discharges = design.v2g
            && (self.file.v2g.is_none()
                || (design.charging == Charging::Optimal
                    && design.electric > 0
                    && (self.vehicle.v2g || self.vehicle.v2h)
                    && charger.v2g));
        let pv = if self.file.pv.is_some() {
            design.pv_kwp
        } else {
            0.0
        };
        let storage = if self.file.storage.is_some() {
            design.storage_kwh
        } else {
            0.0
        };
        Ok(format!(
            "{}|{}|{}|{}|{}|{}|{pv:.3}|{storage:.3}|{discharges}|{:?}",
            design.electric,
            design.chargers,
            charger.max_kw,
            charger.efficiency,
            charger.dc,
            charger.v2g && discharges,
            design.charging
        ))
    }

    /// Simulated years computed and reused so far: (misses, hits).
    pub fn simulations(&self) -> (usize, usize) {
        (self.memo.misses(), self.memo.hits())
    }

    /// The design's electric vehicles that go out on `day` (the first `design.electric` of the
    /// fleet in group order), each with its stay from the day's return to the next departure.
    fn vehicles_of(&self, design: &Design, day: NaiveDate) -> anyhow::Result<Vec<FleetVehicle>> {
        let mut vehicles = Vec::new();
        let mut group_first = 0u32;
        for routine in &self.routines {
            let electric = design
                .electric
                .saturating_sub(group_first)
                .min(routine.vehicles);
            let first_number = group_first;
            group_first += routine.vehicles;
            if !routine.operating_days.includes(day) {
                continue;
            }
            let target_kwh = self.vehicle.battery_kwh * routine.target_soc_pct / 100.0;
            // Each group's arrivals are spread over its own electric vehicles.
            for index in 0..electric {
                let offset = Duration::minutes(
                    i64::from(routine.arrival_spread_minutes) * i64::from(index)
                        / i64::from(electric),
                );
                let arrives = day.and_time(routine.arrival) + offset;
                let mut leaves = day.and_time(routine.departure) + offset;
                if leaves <= arrives {
                    leaves += Duration::days(1);
                }
                vehicles.push(FleetVehicle {
                    id: format!("EV-{:03}", first_number + index + 1),
                    battery_kwh: self.vehicle.battery_kwh,
                    chemistry: self.vehicle.chemistry.clone(),
                    max_ac_kw: self.vehicle.max_ac_kw,
                    max_dc_kw: self.vehicle.max_dc_kw,
                    priority: 0,
                    charger: None,
                    stays: vec![Stay {
                        arrival: arrives,
                        departure: leaves,
                        arrival_kwh: target_kwh - routine.kwh_per_day,
                        target_kwh,
                        // A booked trip's departure energy may not be traded away.
                        reserved_kwh: if routine.booked { target_kwh } else { 0.0 },
                    }],
                });
            }
        }
        Ok(vehicles)
    }

    fn chargers_of(&self, design: &Design) -> anyhow::Result<Vec<FleetCharger>> {
        let model = self.charger(&design.charger)?;
        Ok((0..design.chargers)
            .map(|index| FleetCharger {
                id: format!("C-{:03}", index + 1),
                max_kw: model.max_kw,
                efficiency: model.efficiency,
                v2g: model.v2g,
                dc: model.dc,
                vehicles: Vec::new(),
            })
            .collect())
    }

    fn pv_system(&self, design: &Design) -> anyhow::Result<Option<PvSystem>> {
        let Some(pv) = &self.file.pv else {
            return Ok(None);
        };
        if design.pv_kwp <= 0.0 {
            return Ok(None);
        }
        let folder = self.path.parent().unwrap_or(Path::new("."));
        let profile = match &pv.profile {
            Some(csv) => site_assets::read_pv_csv(folder.join(csv))?,
            None => PvProfile::ClearSkyMonthly {
                latitude_deg: pv.latitude_deg,
                longitude_deg: pv.longitude_deg,
                utc_offset_hours: 9.0,
                tilt_deg: pv.tilt_deg,
                azimuth_deg: 180.0,
                monthly_yield_kwh_per_kwp: pv
                    .monthly_yield_kwh_per_kwp
                    .unwrap_or_else(site_assets::tokyo_monthly_yield),
            },
        };
        Ok(Some(PvSystem {
            kwp: design.pv_kwp,
            profile,
        }))
    }

    /// The stationary battery of a design: LFP, its wear priced at its own price per kWh
    /// over its cycle life at 80 % depth (`battery::cost_per_discharged_kwh`).
    fn storage(&self, design: &Design) -> anyhow::Result<Option<StationaryBattery>> {
        let Some(storage) = self.file.storage.as_ref() else {
            return Ok(None);
        };
        if design.storage_kwh <= 0.0 {
            return Ok(None);
        }
        let price_per_kwh = storage.price / storage.kwh.max(f64::MIN_POSITIVE);
        let wear = voltlex_engine::battery::cost_per_discharged_kwh(
            &Chemistry::lfp(),
            0.8,
            price_per_kwh,
        )?;
        Ok(Some(StationaryBattery {
            capacity_kwh: design.storage_kwh,
            power_kw: self.storage_kw(design),
            round_trip_efficiency: storage.round_trip_efficiency,
            min_soc_pct: storage.min_soc_pct,
            initial_soc_pct: storage.min_soc_pct.max(50.0),
            degradation_per_kwh: wear,
        }))
    }

    /// Simulate a design's year: dispatch the days, spread their flows over the days they
    /// represent, add PV on every day, bill the year.
    fn simulate(&self, design: &Design) -> anyhow::Result<EnergyYear> {
        let chargers = self.chargers_of(design)?;
        if design.chargers < design.electric {
            bail!(
                "{}: {} chargers for {} electric vehicles: every vehicle needs its own charger overnight (plugs are not swapped during a stay)",
                self.path.display(),
                design.chargers,
                design.electric
            );
        }
        let pv = self.pv_system(design)?;
        let storage = self.storage(design)?;
        let chemistry = self.chemistry();
        let hours = f64::from(self.year.load.interval_minutes) / 60.0;
        // kW added to the site per interval (fleet, storage), by interval start.
        let mut added_kw: BTreeMap<NaiveDateTime, f64> = BTreeMap::new();
        let (mut fleet_kwh, mut export_revenue, mut exported_kwh) = (0.0, 0.0, 0.0);
        // One vehicle's state of charge over the year (fraction), for its battery's ageing.
        let mut soc_by_day: BTreeMap<NaiveDate, Vec<f64>> = BTreeMap::new();
        let mut profiles = Vec::with_capacity(self.days.len());
        for day in &self.days {
            let flows = self.dispatch_day(
                design,
                day,
                &chargers,
                pv.as_ref(),
                storage.as_ref(),
                &chemistry,
            )?;
            let start = day.site.fleet.problem.start;
            profiles.push(flows.profile.clone());
            for represented in &day.represents {
                let shift = *represented - start.date();
                for (slot, kw) in flows.site_kw.iter().enumerate() {
                    let at = start + shift + Duration::minutes(30 * slot as i64);
                    *added_kw.entry(at).or_default() += kw;
                }
                soc_by_day.insert(*represented, flows.soc.clone());
                fleet_kwh += flows.fleet_kwh;
                export_revenue += flows.export_revenue;
                exported_kwh += flows.exported_kwh;
            }
        }
        // The year's load: base + fleet and storage − PV, never below zero (surplus PV on a
        // day nobody stores it is curtailed).
        let load = &self.year.load;
        let pv_kw = match &pv {
            Some(pv) => pv.generation_kw(load.start, load.interval_minutes, load.kwh.len())?,
            None => vec![0.0; load.kwh.len()],
        };
        let pv_kwh: f64 = pv_kw.iter().map(|kw| kw * hours).sum();
        let mut additions = BTreeMap::new();
        let mut import_change_kwh = 0.0;
        for (index, (base_kwh, pv_now)) in load.kwh.iter().zip(&pv_kw).enumerate() {
            let at = load.interval_start(index);
            let fleet_kw = added_kw.get(&at).copied().unwrap_or(0.0);
            let after = (base_kwh + (fleet_kw - pv_now) * hours).max(0.0);
            if after != *base_kwh {
                additions.insert(at, after - base_kwh);
                import_change_kwh += after - base_kwh;
            }
        }
        let run = self
            .year
            .bill_with(&additions, None)?
            .ok_or_else(|| anyhow!("{}: the site has no rules to bill", self.path.display()))?;
        let (life, first_year_loss) = self.battery_life(&soc_by_day, &chemistry)?;
        Ok(EnergyYear {
            electricity_change: to_f64(run.total) - to_f64(self.baseline_run.total),
            import_change_kwh,
            fleet_kwh,
            export_revenue,
            exported_kwh,
            pv_kwh,
            vehicle_battery_life_years: life,
            vehicle_first_year_loss: first_year_loss,
            days_dispatched: self.days.len(),
            days: profiles,
            bills: Some(run),
        })
    }

    /// Operating years until end of life of the first vehicle's battery, from its state of
    /// charge over the year (the simulated days where it drives, flat where it rests),
    /// aged year by year with the calendar ageing of its growing age.
    fn battery_life(
        &self,
        soc_by_day: &BTreeMap<NaiveDate, Vec<f64>>,
        chemistry: &Chemistry,
    ) -> anyhow::Result<(Option<u32>, f64)> {
        let load = &self.year.load;
        let first = load.start.date();
        let last = load.interval_start(load.kwh.len().saturating_sub(1)).date();
        let rest = soc_by_day
            .values()
            .next()
            .and_then(|soc| soc.first().copied())
            .unwrap_or(0.5);
        let mut trace = Vec::new();
        let mut day = first;
        while day <= last {
            match soc_by_day.get(&day) {
                Some(soc) => trace.extend(soc.iter().take(48)),
                None => trace.extend(std::iter::repeat_n(rest, 48)),
            }
            day += Duration::days(1);
        }
        trace.push(rest);
        if soc_by_day.is_empty() {
            return Ok((None, 0.0));
        }
        let horizon = self.file.finance.horizon_years;
        let (mut lost, mut age_days, mut first_year) = (0.0, 0.0, None);
        for year in 1..=horizon {
            let usage = Usage {
                state_of_charge: &trace,
                slot_hours: 0.5,
                temperature_c: self.file.finance.battery_temperature_c,
                capacity_kwh: self.vehicle.battery_kwh,
                age_days,
            };
            let report = degradation(chemistry, &usage)?;
            first_year.get_or_insert(report.total_loss);
            lost += report.total_loss;
            age_days += 365.0;
            if lost >= chemistry.end_of_life_loss {
                return Ok((Some(year), first_year.unwrap_or(0.0)));
            }
        }
        Ok((None, first_year.unwrap_or(0.0)))
    }

    /// The charging problem of a simulated day: the site's slots with the design's vehicles
    /// on its chargers (every stay must find a charger).
    fn fleet_problem(
        &self,
        design: &Design,
        day: &SimulatedDay,
        chargers: &[FleetCharger],
    ) -> anyhow::Result<Problem> {
        let site = &day.site.fleet.problem;
        let vehicles = self.vehicles_of(design, site.start.date())?;
        let slots = site_slots(site);
        let fleet = build_problem(&slots, chargers, &vehicles)
            .with_context(|| format!("{}: {}", self.path.display(), site.start.date()))?;
        if let Some(first) = fleet.unassigned.first() {
            bail!(
                "{}: {}: {} stays find no free charger (first: {first:?})",
                self.path.display(),
                site.start.date(),
                fleet.unassigned.len()
            );
        }
        Ok(fleet.problem)
    }

    /// The V2G design's year under market-price scenarios: every simulated day's enrolled
    /// fleet (vehicles that can discharge, and the stationary battery) re-dispatched against
    /// `scenarios` block-bootstrap price paths of the study's JEPX file (same calendar month,
    /// 7-day blocks, seeded), the value of discharging behind the meter weighed by the days
    /// each simulated day stands for. The tariff passes a spot change on to the import price
    /// by its own share (the Basic Plan's ~30 %, the Market-Linked Plan's 100 %).
    ///
    /// The model is `v2g::monte_carlo`'s (three wear classes per day, V2B only); it moves
    /// the energy value, while demand saving, exports and fees stay as studied — so the
    /// result is each scenario's *change* of the year's V2G value against the studied prices.
    ///
    /// ```no_run
    /// # fn main() -> anyhow::Result<()> {
    /// use voltlex::tco_scenario::{Charging, TcoStudy};
    /// let study = TcoStudy::read("workbooks/examples/fleet/tco-kei-vans.json".as_ref())?;
    /// let risk = study.v2g_price_risk(&study.design(Charging::Optimal, true), 500, 7)?;
    /// assert_eq!(risk.changes.len(), 500);
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// Without a `v2g` section, or when a day cannot be built or dispatched.
    pub fn v2g_price_risk(
        &self,
        design: &Design,
        scenarios: usize,
        seed: u64,
    ) -> anyhow::Result<PriceRisk> {
        use voltlex_engine::risk::{generate, DailyPrices, PriceModel};
        use voltlex_engine::v2g::monte_carlo::{monthly_profits, FleetDay, MonthTerms};
        let (Some(section), Some(spot)) = (&self.file.v2g, &self.spot) else {
            bail!(
                "{}: market-price scenarios need the \"v2g\" section (its JEPX file)",
                self.path.display()
            );
        };
        let history = DailyPrices::from_series(spot)
            .with_context(|| format!("{}: v2g.spot", self.path.display()))?;
        let area: JepxArea = section
            .spot
            .area
            .parse()
            .map_err(|e| anyhow!("{}: v2g.spot.area: {e}", self.path.display()))?;
        let index_name = format!("jepx-{}", area.name().to_lowercase());
        let model = PriceModel::BlockBootstrap {
            block_days: 7,
            month_window: 0,
        };
        let chargers = self.chargers_of(design)?;
        let pv = self.pv_system(design)?;
        let storage = self.storage(design)?;
        let chemistry = self.chemistry();
        let mut changes = vec![0.0; scenarios];
        for (index, day) in self.days.iter().enumerate() {
            let mut problem = V2gProblem::charge_only(self.fleet_problem(design, day, &chargers)?);
            if design.v2g {
                self.enable_v2g(&mut problem, &chemistry)?;
            }
            let charging = &problem.charging;
            let pv_kw = match &pv {
                Some(pv) => {
                    pv.generation_kw(charging.start, charging.slot_minutes, charging.slots())?
                }
                None => vec![0.0; charging.slots()],
            };
            site_assets::add_to_problem(&mut problem, &pv_kw, storage.as_ref())?;
            let slots = problem.charging.slots();
            let first_day = problem.charging.start.date();
            let pass = day
                .site
                .pass_through(&index_name)?
                .unwrap_or_else(|| vec![0.0; slots]);
            let spot_prices = problem.export_price.clone();
            let fleet_day = FleetDay::of(&problem, first_day, pass, spot_prices)
                .with_context(|| format!("{}: {first_day}", self.path.display()))?;
            if fleet_day.classes.is_empty() {
                continue;
            }
            // The studied prices: no spot change reaches the import price.
            let mut studied_day = fleet_day.clone();
            studied_day.pass_through = vec![0.0; slots];
            let span = fleet_day
                .scenario_index
                .iter()
                .max()
                .map_or(1, |last| last / voltlex_engine::risk::SLOTS_PER_DAY + 1);
            // Each day its own stream: the seed salted by the day's position.
            let generated = generate(
                &model,
                &history,
                first_day,
                span,
                scenarios,
                seed.wrapping_add(index as u64),
            )
            .with_context(|| format!("{}: price scenarios for {first_day}", self.path.display()))?;
            let terms = MonthTerms::default();
            let values = monthly_profits(std::slice::from_ref(&fleet_day), &generated, &terms)?;
            let studied = monthly_profits(std::slice::from_ref(&studied_day), &generated, &terms)?
                .first()
                .copied()
                .unwrap_or(0.0);
            let weight = day.represents.len() as f64;
            for (change, value) in changes.iter_mut().zip(&values) {
                *change += weight * (value - studied);
            }
        }
        Ok(PriceRisk {
            model: "block bootstrap of the JEPX file's days (7-day blocks, same calendar month)"
                .into(),
            seed,
            changes,
        })
    }

    /// The vehicle's battery chemistry (LFP, or NMC for every other chemistry).
    fn chemistry(&self) -> Chemistry {
        match self.vehicle.chemistry.to_ascii_uppercase().as_str() {
            "LFP" => Chemistry::lfp(),
            _ => Chemistry::nmc(),
        }
    }

    fn dispatch_day(
        &self,
        design: &Design,
        day: &SimulatedDay,
        chargers: &[FleetCharger],
        pv: Option<&PvSystem>,
        storage: Option<&StationaryBattery>,
        chemistry: &Chemistry,
    ) -> anyhow::Result<DayFlows> {
        let site = &day.site.fleet.problem;
        let problem = self.fleet_problem(design, day, chargers)?;
        let hours = problem.slot_hours();
        let base_kw = problem.base_kw.clone();
        let pv_kw = match pv {
            Some(pv) => pv.generation_kw(problem.start, problem.slot_minutes, problem.slots())?,
            None => vec![0.0; problem.slots()],
        };
        let vehicle_sessions = problem.sessions.len();
        let slot_count = problem.slots();
        // Each vehicle's kW per slot (+ charge, − discharge), and the storage's.
        let mut vehicles_kw: Vec<(String, Vec<f64>)> = Vec::new();
        let mut storage_kw = vec![0.0; slot_count];
        let (mut dispatch_problem, uncontrolled_kw) = match design.charging {
            Charging::Uncontrolled => {
                // Vehicles charge at full power on arrival (the cap is ignored, as the
                // scheduler's baseline does); storage, if any, is dispatched around that load.
                let run = strategy::run(
                    Strategy::Uncontrolled,
                    &problem,
                    Mode::Availability,
                    &mut |_| {},
                )?;
                // The baseline ignores the site's cap by definition; everything else holds.
                let report = check_with(
                    &problem,
                    &run.schedule,
                    Mode::Availability,
                    CheckOptions::default(),
                );
                if !report.is_ok_except(&[ViolationKind::ImportCap]) {
                    bail!(
                        "{}: uncontrolled charging on {} fails the checker: {:?}",
                        self.path.display(),
                        site.start.date(),
                        report.violations
                    );
                }
                let fleet_kw = run.schedule.fleet_kw(&problem);
                for (session, powers) in problem.sessions.iter().zip(&run.schedule.power_kw) {
                    let mut kw = vec![0.0; slot_count];
                    for (slot, power) in kw.iter_mut().skip(session.first_slot).zip(powers) {
                        *slot = *power;
                    }
                    vehicles_kw.push((session.vehicle.clone(), kw));
                }
                let mut fixed = problem.clone();
                for (base, kw) in fixed.base_kw.iter_mut().zip(&fleet_kw) {
                    *base += kw;
                }
                let peak = fixed.base_kw.iter().copied().fold(0.0, f64::max);
                fixed.import_cap_kw = fixed
                    .import_cap_kw
                    .max(peak + storage.map_or(0.0, |s| s.power_kw));
                fixed.sessions.clear();
                fixed.chargers.clear();
                (V2gProblem::charge_only(fixed), Some(fleet_kw))
            }
            Charging::Optimal => {
                let mut optimal = V2gProblem::charge_only(problem.clone());
                if design.v2g {
                    self.enable_v2g(&mut optimal, chemistry)?;
                }
                (optimal, None)
            }
        };
        site_assets::add_to_problem(&mut dispatch_problem, &pv_kw, storage)?;
        // What the meter sees: the base (with PV subtracted, and the uncontrolled fleet)
        // plus the dispatched sessions' charge − discharge.
        let mut net = dispatch_problem.charging.base_kw.clone();
        let mut fleet_kwh = match &uncontrolled_kw {
            Some(kw) => kw.iter().sum::<f64>() * hours,
            None => 0.0,
        };
        let mut vehicle_energy = Vec::new();
        if !dispatch_problem.charging.sessions.is_empty() {
            let result =
                v2g::dispatch(&dispatch_problem, Mode::Availability).with_context(|| {
                    format!(
                        "{}: dispatching the day of {}",
                        self.path.display(),
                        site.start.date()
                    )
                })?;
            // No unchecked plan reaches a report: the scheduler's independent checker.
            let report = check_with(
                &dispatch_problem.charging,
                &result.plan.to_schedule(),
                Mode::Availability,
                CheckOptions::v2g(),
            );
            if !report.is_ok() {
                bail!(
                    "{}: the dispatch of {} fails the checker: {:?}",
                    self.path.display(),
                    site.start.date(),
                    report.violations
                );
            }
            let charging = &dispatch_problem.charging;
            for (index, (session, (charge, discharge))) in charging
                .sessions
                .iter()
                .zip(result.plan.charge_kw.iter().zip(&result.plan.discharge_kw))
                .enumerate()
            {
                let mut kw = vec![0.0; slot_count];
                for (offset, (c, d)) in charge.iter().zip(discharge).enumerate() {
                    if let Some(value) = net.get_mut(session.first_slot + offset) {
                        *value += c - d;
                    }
                    if let Some(value) = kw.get_mut(session.first_slot + offset) {
                        *value = c - d;
                    }
                    if index < vehicle_sessions {
                        fleet_kwh += c * hours;
                    }
                }
                if index < vehicle_sessions {
                    vehicles_kw.push((session.vehicle.clone(), kw));
                } else {
                    for (total, value) in storage_kw.iter_mut().zip(&kw) {
                        *total += value;
                    }
                }
            }
            if vehicle_sessions > 0 && design.charging == Charging::Optimal {
                vehicle_energy = result.plan.battery_kwh(&dispatch_problem, 0);
            }
        }
        let mut site_kw = Vec::with_capacity(net.len());
        let (mut export_revenue, mut exported_kwh) = (0.0, 0.0);
        for (slot, (after, (base, pv_now))) in
            net.iter().zip(base_kw.iter().zip(&pv_kw)).enumerate()
        {
            // What the fleet and storage add, PV excluded (PV is added for every day of the
            // year when the year is composed).
            site_kw.push(after + pv_now - base);
            if *after < 0.0 && design.v2g {
                export_revenue += -after * hours * dispatch_problem.sell_price(slot);
                exported_kwh += -after * hours;
            }
        }
        let soc = match problem.sessions.first() {
            Some(session) if !vehicle_energy.is_empty() => {
                self.vehicle_soc(session, &vehicle_energy, problem.slots())
            }
            _ => uncontrolled_soc(&problem),
        };
        let charge_kw = (0..slot_count)
            .map(|slot| {
                vehicles_kw
                    .iter()
                    .filter_map(|(_, kw)| kw.get(slot))
                    .map(|kw| kw.max(0.0))
                    .sum()
            })
            .collect();
        let discharge_kw = (0..slot_count)
            .map(|slot| {
                vehicles_kw
                    .iter()
                    .filter_map(|(_, kw)| kw.get(slot))
                    .map(|kw| (-kw).max(0.0))
                    .sum()
            })
            .collect();
        Ok(DayFlows {
            site_kw,
            fleet_kwh,
            export_revenue,
            exported_kwh,
            soc,
            profile: DayProfileData {
                start: problem.start,
                slot_minutes: problem.slot_minutes,
                base_kw,
                pv_kw,
                charge_kw,
                discharge_kw,
                storage_kw,
                vehicles_kw,
            },
        })
    }

    /// Discharge for the vehicles that can (V2G-capable model on a V2G charger): floor, wear
    /// price, spot export prices of the day.
    fn enable_v2g(&self, problem: &mut V2gProblem, chemistry: &Chemistry) -> anyhow::Result<()> {
        let Some(section) = &self.file.v2g else {
            bail!(
                "{}: the design uses V2G: give a \"v2g\" section (spot prices, export cap)",
                self.path.display()
            );
        };
        let wear = voltlex_engine::battery::cost_per_discharged_kwh(
            chemistry,
            0.5,
            self.file.finance.battery_replacement_per_kwh,
        )?;
        let charging = &problem.charging;
        let mut export_price = Vec::with_capacity(charging.slots());
        for slot in 0..charging.slots() {
            let time = charging.slot_start(slot);
            // A day the JEPX file lacks (the site's fiscal year runs past the file's calendar
            // year) takes the prices of 364 days earlier: the same weekday a year before.
            let lookup = |at: NaiveDateTime| match &self.spot {
                Some(IndexSeries::Interval { values, .. }) => {
                    values.get(&at).and_then(|v| v.to_f64())
                }
                _ => None,
            };
            let price = lookup(time)
                .or_else(|| lookup(time - Duration::days(364)))
                .ok_or_else(|| {
                    anyhow!(
                        "{}: v2g.spot: no JEPX price for {time} nor 364 days earlier (the file must cover the site's year)",
                        self.path.display()
                    )
                })?;
            export_price.push(price);
        }
        problem.export_price = export_price;
        // A V2H-capable model discharges into the site through a discharging charger (V2B);
        // only a model approved for V2G exports to the grid.
        problem.export_cap_kw = if self.vehicle.v2g {
            section.export_cap_kw
        } else {
            0.0
        };
        let discharges = self.vehicle.v2g || self.vehicle.v2h;
        for (session, v2g_session) in charging.sessions.iter().zip(problem.sessions.iter_mut()) {
            let charger = charging.chargers.get(session.charger);
            let can = discharges && charger.is_some_and(|c| c.v2g);
            if can {
                *v2g_session = V2gSession {
                    discharge_kw: charger.map_or(0.0, |c| c.max_kw).min(session.max_kw),
                    floor_kwh: (session.battery_kwh * section.minimum_soc_pct / 100.0)
                        .min(session.arrival_kwh),
                    degradation_per_kwh: wear,
                    max_discharge_kwh: session.battery_kwh,
                };
            }
        }
        Ok(())
    }

    /// The first vehicle's state of charge over the day (48 values, fraction): driving
    /// linearly outside its stay, the plan's energy while plugged in.
    fn vehicle_soc(
        &self,
        session: &voltlex_engine::schedule::Session,
        energy: &[f64],
        slots: usize,
    ) -> Vec<f64> {
        let capacity = session.battery_kwh.max(f64::MIN_POSITIVE);
        let arrival = session.arrival_kwh;
        let departure = energy.last().copied().unwrap_or(arrival);
        soc_around_stay(
            session.first_slot,
            session.end_slot,
            arrival,
            departure,
            energy,
            slots,
            capacity,
        )
    }
}

/// What a design's items receive.
#[derive(Default)]
struct Subsidies {
    vehicles: f64,
    infrastructure: f64,
    by_rule: Vec<(String, f64)>,
}

/// A simulated day's flows.
struct DayFlows {
    /// kW the fleet and storage add to the site per slot (PV excluded).
    site_kw: Vec<f64>,
    fleet_kwh: f64,
    export_revenue: f64,
    exported_kwh: f64,
    /// The first vehicle's state of charge per slot start (48 values).
    soc: Vec<f64>,
    profile: DayProfileData,
}

/// A dispatched day, slot by slot, for the facility view (kW; the workbook's energy profile
/// and schedule sheets).
#[derive(Clone, Debug)]
pub struct DayProfileData {
    /// First slot's start.
    pub start: NaiveDateTime,
    /// Slot length, minutes.
    pub slot_minutes: u32,
    /// The site's own load (meter data without the fleet or PV).
    pub base_kw: Vec<f64>,
    /// PV generation.
    pub pv_kw: Vec<f64>,
    /// All vehicles' charging (grid side).
    pub charge_kw: Vec<f64>,
    /// All vehicles' discharge (grid side).
    pub discharge_kw: Vec<f64>,
    /// The stationary battery (+ charge, − discharge).
    pub storage_kw: Vec<f64>,
    /// Each vehicle (+ charge, − discharge).
    pub vehicles_kw: Vec<(String, Vec<f64>)>,
}

impl DayProfileData {
    /// The site's import per slot: base − PV + vehicles + storage, never below zero.
    pub fn import_kw(&self) -> Vec<f64> {
        (0..self.base_kw.len())
            .map(|slot| {
                let at = |series: &[f64]| series.get(slot).copied().unwrap_or(0.0);
                (at(&self.base_kw) - at(&self.pv_kw) + at(&self.charge_kw) - at(&self.discharge_kw)
                    + at(&self.storage_kw))
                .max(0.0)
            })
            .collect()
    }
}

fn site_slots(problem: &Problem) -> SiteSlots {
    SiteSlots {
        start: problem.start,
        slot_minutes: problem.slot_minutes,
        base_kw: problem.base_kw.clone(),
        energy_price: problem.energy_price.clone(),
        import_cap_kw: problem.import_cap_kw,
        ratchet_kw: problem.ratchet_kw,
        demand_price_per_kw: problem.demand_price_per_kw,
        unmet_price_per_kwh: problem.unmet_price_per_kwh,
    }
}

/// State of charge over a noon-to-noon day: falling linearly while driving from the
/// departure energy down to the arrival energy, `energy` (per slot end) while plugged in.
fn soc_around_stay(
    first_slot: usize,
    end_slot: usize,
    arrival_kwh: f64,
    departure_kwh: f64,
    energy: &[f64],
    slots: usize,
    capacity: f64,
) -> Vec<f64> {
    // Driving spans from departure (end_slot, today's morning is the same clock as
    // tomorrow's) to arrival (first_slot): slots end_slot..slots then 0..first_slot.
    let driving = (slots - end_slot.min(slots)) + first_slot;
    let drop = departure_kwh - arrival_kwh;
    let driving_energy = |k: usize| departure_kwh - drop * k as f64 / driving.max(1) as f64;
    (0..slots)
        .map(|slot| {
            let kwh = if slot < first_slot {
                driving_energy(slots - end_slot.min(slots) + slot)
            } else if slot < end_slot {
                if slot == first_slot {
                    arrival_kwh
                } else {
                    energy
                        .get(slot - first_slot - 1)
                        .copied()
                        .unwrap_or(arrival_kwh)
                }
            } else {
                driving_energy(slot - end_slot)
            };
            (kwh / capacity).clamp(0.0, 1.0)
        })
        .collect()
}

/// The first vehicle's state of charge when it charges at full power on arrival.
fn uncontrolled_soc(problem: &Problem) -> Vec<f64> {
    let slots = problem.slots();
    let Some(session) = problem.sessions.first() else {
        return vec![0.5; slots];
    };
    let efficiency = problem.efficiency_of(session);
    let hours = problem.slot_hours();
    let target = session.arrival_kwh + session.energy_kwh;
    let mut energy = Vec::new();
    let mut kwh = session.arrival_kwh;
    for _ in session.first_slot..session.end_slot {
        kwh = (kwh + session.max_kw * efficiency * hours).min(target);
        energy.push(kwh);
    }
    soc_around_stay(
        session.first_slot,
        session.end_slot,
        session.arrival_kwh,
        kwh,
        &energy,
        slots,
        session.battery_kwh.max(f64::MIN_POSITIVE),
    )
}

/// The residual share after `years`, interpolated linearly between the catalogue's points
/// (and held beyond the last).
fn residual_share(points: &[(u32, f64)], years: u32) -> f64 {
    let mut sorted: Vec<(u32, f64)> = points.to_vec();
    sorted.sort_by_key(|(y, _)| *y);
    let mut previous = (0u32, 1.0f64);
    for (y, share) in sorted {
        if years <= y {
            let span = f64::from(y - previous.0).max(1.0);
            let t = f64::from(years - previous.0) / span;
            return previous.1 + (share - previous.1) * t;
        }
        previous = (y, share);
    }
    previous.1
}
