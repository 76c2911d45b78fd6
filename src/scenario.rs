//! A scheduling scenario: the JSON file `voltlex schedule --scenario` reads, the problem it
//! becomes, and the strategies' results with their bills.
//!
//! ```json
//! {
//!   "name": "Depot, one summer night",
//!   "horizon": { "start": "2024-07-16 12:00", "end": "2024-07-17 12:00" },
//!   "site": {
//!     "rules": "../../tariff-rules/jp-tepco-hv",
//!     "tariff": "TEPCO EP High-Voltage Basic Plan",
//!     "load": "../site-2024-load.csv",
//!     "history": "../site-history.csv", "power_factor": "98",
//!     "indices": { "tepco-fuel-cost": "../fuel-cost.csv" },
//!     "import_cap_kw": 700, "demand_charge_months": 12
//!   },
//!   "unmet_price_per_kwh": 100,
//!   "chargers": "chargers.csv",
//!   "vehicles": "vehicles.csv"
//! }
//! ```
//!
//! Paths are relative to the scenario file. `chargers` and `vehicles` are CSV files (see
//! `voltlex_engine::read::chargers_csv` / `vehicles_csv`) or inline arrays of the same
//! fields; in both, `model` names a vehicle or charger of the built-in catalogue
//! (`voltlex_engine::tco::catalogue`) that fills the fields not given. The site's `load` is the meter data without the fleet; it must cover the horizon,
//! at the horizon's slot length (its own interval). With `rules`, energy prices per slot,
//! the contract level (ratchet) and the demand price come from the tariff
//! (`voltlex_engine::billing::marginal_prices`); the demand price per kW is the month's
//! price × `demand_charge_months` (default 12: a ratchet keeps a new peak for a year).
//! Without `rules`, give `energy_price_per_kwh`, `demand_price_per_kw_month` and
//! `ratchet_kw` directly (no bills then).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context};
use chrono::NaiveDateTime;
use serde::Deserialize;
use voltlex_engine::billing::{bill, marginal_prices};
use voltlex_engine::inputs::{BillingInputs, LoadProfile};
use voltlex_engine::read;
use voltlex_engine::schedule::fleet::{
    build_problem, FleetCharger, FleetProblem, FleetVehicle, SiteSlots, Stay,
};
use voltlex_engine::schedule::optimal::Progress;
use voltlex_engine::schedule::strategy::{self, Strategy, StrategyRun};
use voltlex_engine::schedule::{Mode, Schedule};

use crate::request::{compile, select_tariff, BillRequest, PowerFactorSource};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ScenarioFile {
    #[serde(default)]
    name: Option<String>,
    horizon: HorizonFile,
    site: SiteFile,
    #[serde(default = "default_unmet_price")]
    unmet_price_per_kwh: f64,
    chargers: Listed<ChargerEntry>,
    vehicles: Listed<VehicleEntry>,
    /// The `voltlex v2g` section (read by `crate::v2g_scenario`).
    #[serde(default)]
    v2g: Option<crate::v2g_scenario::V2gSection>,
}

fn default_unmet_price() -> f64 {
    100.0
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HorizonFile {
    start: String,
    end: String,
}

/// The `site` section (shared with the TCO file, `crate::tco_scenario`).
#[derive(Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub(crate) struct SiteFile {
    pub(crate) load: PathBuf,
    import_cap_kw: f64,
    #[serde(default)]
    rules: Option<PathBuf>,
    #[serde(default)]
    tariff: Option<String>,
    #[serde(default)]
    history: Option<PathBuf>,
    #[serde(default)]
    supply_start: Option<String>,
    #[serde(default)]
    power_factor: Option<serde_json::Value>,
    #[serde(default)]
    indices: BTreeMap<String, OneOrMany>,
    #[serde(default)]
    contract_kw: Option<f64>,
    #[serde(default)]
    subscription_kw: Option<f64>,
    #[serde(default = "default_months")]
    demand_charge_months: u32,
    #[serde(default)]
    energy_price_per_kwh: Option<f64>,
    #[serde(default)]
    demand_price_per_kw_month: Option<f64>,
    #[serde(default)]
    ratchet_kw: Option<f64>,
}

fn default_months() -> u32 {
    12
}

#[derive(Deserialize, Clone)]
#[serde(untagged)]
enum OneOrMany {
    One(PathBuf),
    Many(Vec<PathBuf>),
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Listed<T> {
    File(PathBuf),
    Inline(Vec<T>),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ChargerEntry {
    id: String,
    /// A charger of the built-in catalogue: fills the fields not given.
    #[serde(default)]
    model: Option<String>,
    #[serde(default)]
    max_kw: Option<f64>,
    #[serde(default)]
    efficiency: Option<f64>,
    #[serde(default)]
    v2g: Option<bool>,
    #[serde(default)]
    dc: Option<bool>,
    #[serde(default)]
    vehicles: Vec<String>,
}

const DEFAULT_EFFICIENCY: f64 = 0.92;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VehicleEntry {
    id: String,
    /// A vehicle of the built-in catalogue: fills the fields not given.
    #[serde(default)]
    model: Option<String>,
    #[serde(default)]
    battery_kwh: Option<f64>,
    #[serde(default)]
    chemistry: Option<String>,
    #[serde(default)]
    max_ac_kw: Option<f64>,
    #[serde(default)]
    max_dc_kw: Option<f64>,
    #[serde(default)]
    priority: u32,
    #[serde(default)]
    charger: Option<String>,
    stays: Vec<StayEntry>,
}

const DEFAULT_CHEMISTRY: &str = "NMC";
const DEFAULT_AC_KW: f64 = 11.0;
const DEFAULT_DC_KW: f64 = 50.0;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StayEntry {
    arrival: String,
    departure: String,
    arrival_soc_pct: f64,
    #[serde(default)]
    target_soc_pct: Option<f64>,
    #[serde(default)]
    target_kwh: Option<f64>,
    #[serde(default)]
    reserved_soc_pct: Option<f64>,
}

/// A scenario read and turned into a problem, with what billing it needs.
pub struct Scenario {
    /// Its name (the file name when it has none).
    pub name: String,
    /// The problem and the stays that could not be scheduled.
    pub fleet: FleetProblem,
    /// The vehicles as read (for chemistry, battery).
    pub vehicles: Vec<FleetVehicle>,
    /// The site's meter data (without the fleet).
    pub load: LoadProfile,
    /// How to bill, when the site has rules.
    billing: Option<SiteBilling>,
    /// The tariff's currency code (`JPY` when the site has no rules).
    pub currency: String,
    /// Demand price per kW-month and the months it is counted for.
    pub demand_per_kw_month: f64,
    /// Months a new peak is paid for.
    pub demand_charge_months: u32,
    /// The `v2g` section, if the file has one.
    pub v2g: Option<crate::v2g_scenario::V2gSection>,
    /// The folder the scenario's paths are relative to.
    pub folder: PathBuf,
}

#[derive(Clone)]
struct SiteBilling {
    request: BillRequest,
    /// Shared by every scenario of a prepared site (index series are large).
    inputs: std::sync::Arc<BillingInputs>,
}

/// The bills of a strategy's site load against uncontrolled charging.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct BillDelta {
    /// Months billed (the site load's months).
    pub months: String,
    /// Total of the bills with this strategy's charging.
    pub total: String,
    /// This total minus the uncontrolled total (negative = saving).
    pub delta: String,
    /// The highest demand of the horizon's month, kW.
    pub month_peak_kw: f64,
    /// The contract demand (ratchet) the month's bill used, kW.
    pub contract_kw: f64,
    /// The contract demand's change against uncontrolled charging × the demand price ×
    /// the further months the ratchet keeps it (`demand_charge_months − 1`): what the
    /// strategy changes in the bills after the billed months.
    pub ratchet_carry_over: f64,
}

struct BillFigures {
    total: rust_decimal::Decimal,
    month_peak_kw: f64,
    contract_kw: f64,
}

/// One strategy's result with its bill.
pub struct Outcome {
    /// The run (schedule, cost, check).
    pub run: StrategyRun,
    /// Its bill against uncontrolled charging, when the site has rules.
    pub bill: Option<BillDelta>,
}

/// Read a scenario file (see the module documentation).
///
/// ```
/// use std::path::Path;
/// use voltlex_engine::schedule::{strategy::Strategy, Mode};
///
/// let scenario = voltlex::scenario::read(Path::new("workbooks/examples/fleet/depot-night.json"))?;
/// assert_eq!(scenario.fleet.problem.sessions.len(), 40);
/// assert_eq!(scenario.currency, "JPY");
/// let outcomes = scenario.run(&[Strategy::Optimal], Mode::Availability, &mut |_, _| {})?;
/// let optimal = &outcomes[0];
/// assert!(optimal.run.check.is_ok());
/// // Billed with the billing engine against uncontrolled charging: cheaper.
/// assert!(optimal.bill.as_ref().unwrap().delta.starts_with('-'));
/// # Ok::<(), anyhow::Error>(())
/// ```
///
/// # Errors
///
/// A message naming the file and, for JSON, the line and column.
pub fn read(path: &Path) -> anyhow::Result<Scenario> {
    read_shifted(path, 0)
}

/// Read a scenario with its horizon and every stay moved `days` days later: the same fleet
/// routine on another day (what `voltlex v2g` does for each day of a month). The site's meter
/// data must cover the moved horizon.
///
/// ```
/// use std::path::Path;
/// let day = voltlex::scenario::read_shifted(Path::new("workbooks/examples/fleet/depot-night.json"), 3)?;
/// assert_eq!(day.fleet.problem.start.to_string(), "2024-07-19 12:00:00");
/// # Ok::<(), anyhow::Error>(())
/// ```
///
/// # Errors
///
/// As [`read`].
pub fn read_shifted(path: &Path, days: i64) -> anyhow::Result<Scenario> {
    let shift = chrono::Duration::days(days);
    let file: ScenarioFile = read_json(path, "scenario")?;
    let folder = path.parent().unwrap_or(Path::new("."));
    let at = |p: &Path| folder.join(p);
    let start = parse_time(&file.horizon.start).ok_or_else(|| {
        anyhow!(
            "{}: horizon start: expected a date-time like 2024-07-16 12:00, found {:?}",
            path.display(),
            file.horizon.start
        )
    })?;
    let end = parse_time(&file.horizon.end).ok_or_else(|| {
        anyhow!(
            "{}: horizon end: expected a date-time like 2024-07-17 12:00, found {:?}",
            path.display(),
            file.horizon.end
        )
    })?;
    let (start, end) = (start + shift, end + shift);
    if end <= start {
        bail!(
            "{}: the horizon ends ({end}) before it starts ({start})",
            path.display()
        );
    }

    let chargers = match &file.chargers {
        Listed::File(csv) => read::chargers_csv(at(csv))?,
        Listed::Inline(entries) => inline_chargers(path, entries)?,
    };
    let mut vehicles = match &file.vehicles {
        Listed::File(csv) => read::vehicles_csv(at(csv))?,
        Listed::Inline(entries) => inline_vehicles(path, entries)?,
    };
    for vehicle in &mut vehicles {
        for stay in &mut vehicle.stays {
            stay.arrival += shift;
            stay.departure += shift;
        }
    }
    let name = file.name.clone().unwrap_or_else(|| {
        path.file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default()
    });
    let mut scenario = with_fleet(
        path,
        &file.site,
        name,
        (start, end),
        file.unmet_price_per_kwh,
        &chargers,
        &vehicles,
    )?;
    scenario.v2g = file.v2g;
    Ok(scenario)
}

/// A scenario of `site` over `horizon` with these chargers and vehicles (paths in `site` are
/// relative to `path`'s folder): what [`read_shifted`] builds from a file.
///
/// # Errors
///
/// As [`read`].
pub(crate) fn with_fleet(
    path: &Path,
    site: &SiteFile,
    name: String,
    horizon: (NaiveDateTime, NaiveDateTime),
    unmet_price_per_kwh: f64,
    chargers: &[FleetCharger],
    vehicles: &[FleetVehicle],
) -> anyhow::Result<Scenario> {
    prepare_site(path, site)?.scenario(name, horizon, unmet_price_per_kwh, chargers, vehicles)
}

/// A site read once — its meter data and, with rules, its compiled tariff and billing
/// inputs — from which scenarios of any horizon are built without reading files again (the
/// TCO study builds one per simulated day).
pub(crate) struct PreparedSite {
    path: PathBuf,
    site: SiteFile,
    load: LoadProfile,
    rules: Option<PreparedRules>,
}

struct PreparedRules {
    compilation: voltlex_dsl::Compilation,
    billing: SiteBilling,
}

/// Read `site`'s files (paths relative to `path`'s folder).
///
/// # Errors
///
/// A file that cannot be read, rules that do not compile, a tariff not in them.
pub(crate) fn prepare_site(path: &Path, site: &SiteFile) -> anyhow::Result<PreparedSite> {
    let folder = path.parent().unwrap_or(Path::new("."));
    let at = |p: &Path| folder.join(p);
    let load = read::load_csv(at(&site.load))?;
    let rules = match &site.rules {
        Some(rules) => {
            let mut indices: BTreeMap<String, Vec<PathBuf>> = BTreeMap::new();
            for (name, files) in &site.indices {
                let files = match files {
                    OneOrMany::One(file) => vec![at(file)],
                    OneOrMany::Many(files) => files.iter().map(|f| at(f)).collect(),
                };
                indices.insert(name.clone(), files);
            }
            let power_factor = site.power_factor.as_ref().map(|value| match value {
                serde_json::Value::String(text) => match PowerFactorSource::parse(text) {
                    PowerFactorSource::File(file) => PowerFactorSource::File(at(&file)),
                    flat => flat,
                },
                other => PowerFactorSource::parse(&other.to_string()),
            });
            let supply_start = match &site.supply_start {
                Some(text) => Some(
                    text.parse()
                        .map_err(|e| anyhow!("{}: site.supply_start: {e}", path.display()))?,
                ),
                None => None,
            };
            let request = BillRequest {
                rules: at(rules),
                tariff: site.tariff.clone(),
                load: at(&site.load),
                history: site.history.as_ref().map(|h| at(h)),
                supply_start,
                power_factor,
                indices,
                contract_kw: site.contract_kw,
                subscription_kw: site.subscription_kw,
            };
            let compilation = compile(&request.rules)?;
            select_tariff(&compilation, request.tariff.as_deref(), &request.rules)?;
            let inputs = std::sync::Arc::new(request.inputs()?);
            Some(PreparedRules {
                compilation,
                billing: SiteBilling { request, inputs },
            })
        }
        None => None,
    };
    Ok(PreparedSite {
        path: path.to_path_buf(),
        site: site.clone(),
        load,
        rules,
    })
}

impl PreparedSite {
    /// The site's meter data.
    pub(crate) fn load(&self) -> &LoadProfile {
        &self.load
    }

    /// The scenario of this site over `horizon` with these chargers and vehicles.
    ///
    /// # Errors
    ///
    /// A horizon outside the meter data or not on its intervals, prices that cannot be
    /// computed, a fleet that cannot become a problem.
    pub(crate) fn scenario(
        &self,
        name: String,
        horizon: (NaiveDateTime, NaiveDateTime),
        unmet_price_per_kwh: f64,
        chargers: &[FleetCharger],
        vehicles: &[FleetVehicle],
    ) -> anyhow::Result<Scenario> {
        let (path, site, load) = (&self.path, &self.site, &self.load);
        let (start, end) = horizon;
        let folder = path.parent().unwrap_or(Path::new("."));
        let slot_minutes = load.interval_minutes;
        let minutes = (end - start).num_minutes();
        if minutes % i64::from(slot_minutes) != 0 {
            bail!(
                "{}: the horizon ({start} to {end}) is not a whole number of the load's {slot_minutes}-minute intervals",
                path.display()
            );
        }
        let slots = (minutes / i64::from(slot_minutes)) as usize;
        let offset = (start - load.start).num_minutes();
        if offset < 0 || offset % i64::from(slot_minutes) != 0 {
            bail!(
                "{}: the horizon starts at {start}, which is not an interval of {} (from {})",
                path.display(),
                site.load.display(),
                load.start
            );
        }
        let first = (offset / i64::from(slot_minutes)) as usize;
        let hours = f64::from(slot_minutes) / 60.0;
        let base_kw: Vec<f64> = load
            .kwh
            .get(first..first + slots)
            .ok_or_else(|| {
                anyhow!(
                    "{}: the horizon ({start} to {end}) is not inside {} ({} to {})",
                    path.display(),
                    site.load.display(),
                    load.start,
                    load.interval_start(load.kwh.len())
                )
            })?
            .iter()
            .map(|kwh| kwh / hours)
            .collect();

        let (energy_price, ratchet_kw, demand_per_kw_month, billing, currency) = match &site.rules {
            Some(_) => {
                let Some(prepared) = &self.rules else {
                    bail!("{}: the site's rules were not prepared", path.display());
                };
                let request = &prepared.billing.request;
                let tariff = select_tariff(
                    &prepared.compilation,
                    request.tariff.as_deref(),
                    &request.rules,
                )?;
                let prices = marginal_prices(
                    tariff,
                    load,
                    &prepared.billing.inputs,
                    start,
                    slots,
                    slot_minutes,
                )?;
                let currency = format!("{:?}", tariff.currency).to_uppercase();
                (
                    prices.energy_per_kwh,
                    prices.ratchet_kw,
                    prices.demand_per_kw_month,
                    Some(prepared.billing.clone()),
                    currency,
                )
            }
            None => {
                let missing = |what: &str| {
                    anyhow!(
                        "{}: site: without \"rules\", give \"{what}\"",
                        path.display()
                    )
                };
                let price = site
                    .energy_price_per_kwh
                    .ok_or_else(|| missing("energy_price_per_kwh"))?;
                (
                    vec![price; slots],
                    site.ratchet_kw.ok_or_else(|| missing("ratchet_kw"))?,
                    site.demand_price_per_kw_month
                        .ok_or_else(|| missing("demand_price_per_kw_month"))?,
                    None,
                    "JPY".to_string(),
                )
            }
        };

        let site_slots = SiteSlots {
            start,
            slot_minutes,
            base_kw,
            energy_price,
            import_cap_kw: site.import_cap_kw,
            ratchet_kw,
            demand_price_per_kw: demand_per_kw_month * f64::from(site.demand_charge_months),
            unmet_price_per_kwh,
        };
        let fleet = build_problem(&site_slots, chargers, vehicles)
            .with_context(|| format!("{}", path.display()))?;
        fleet
            .problem
            .validate()
            .with_context(|| format!("{}", path.display()))?;
        Ok(Scenario {
            name,
            fleet,
            vehicles: vehicles.to_vec(),
            load: load.clone(),
            billing,
            currency,
            demand_per_kw_month,
            demand_charge_months: site.demand_charge_months,
            v2g: None,
            folder: folder.to_path_buf(),
        })
    }
}

/// Read a JSON file into `T`; errors name the file and, for JSON, the line and column.
pub(crate) fn read_json<T: serde::de::DeserializeOwned>(
    path: &Path,
    what: &str,
) -> anyhow::Result<T> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("{}: cannot read the {what}", path.display()))?;
    serde_json::from_str(&text).map_err(|error| {
        anyhow!(
            "{}:{}:{}: {}",
            path.display(),
            error.line(),
            error.column(),
            json_message(&error)
        )
    })
}

fn json_message(error: &serde_json::Error) -> String {
    // serde_json appends " at line L column C"; the location is already in front.
    let text = error.to_string();
    match text.rfind(" at line ") {
        Some(cut) => text[..cut].to_string(),
        None => text,
    }
}

fn parse_time(text: &str) -> Option<NaiveDateTime> {
    [
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M:%S",
    ]
    .iter()
    .find_map(|format| NaiveDateTime::parse_from_str(text.trim(), format).ok())
}

fn inline_chargers(path: &Path, entries: &[ChargerEntry]) -> anyhow::Result<Vec<FleetCharger>> {
    let catalogue = voltlex_engine::tco::catalogue::Catalogue::builtin()?;
    entries
        .iter()
        .map(|c| {
            let model =
                match &c.model {
                    Some(name) => Some(catalogue.charger(name).map_err(|e| {
                        anyhow!("{}: charger {}: model: {e}", path.display(), c.id)
                    })?),
                    None => None,
                };
            let max_kw = c.max_kw.or(model.map(|m| m.max_kw)).ok_or_else(|| {
                anyhow!(
                    "{}: charger {}: give \"max_kw\" or a catalogue \"model\"",
                    path.display(),
                    c.id
                )
            })?;
            Ok(FleetCharger {
                id: c.id.clone(),
                max_kw,
                efficiency: c
                    .efficiency
                    .or(model.map(|m| m.efficiency))
                    .unwrap_or(DEFAULT_EFFICIENCY),
                v2g: c.v2g.or(model.map(|m| m.v2g)).unwrap_or(false),
                dc: c.dc.or(model.map(|m| m.dc)).unwrap_or(max_kw > 22.0),
                vehicles: c.vehicles.clone(),
            })
        })
        .collect()
}

fn inline_vehicles(path: &Path, entries: &[VehicleEntry]) -> anyhow::Result<Vec<FleetVehicle>> {
    let catalogue = voltlex_engine::tco::catalogue::Catalogue::builtin()?;
    entries
        .iter()
        .map(|v| {
            let model = match &v.model {
                Some(name) => Some(catalogue.vehicle(name).map_err(|e| {
                    anyhow!("{}: vehicle {}: model: {e}", path.display(), v.id)
                })?),
                None => None,
            };
            let battery_kwh = v
                .battery_kwh
                .or(model.map(|m| m.battery_kwh))
                .ok_or_else(|| {
                    anyhow!(
                        "{}: vehicle {}: give \"battery_kwh\" or a catalogue \"model\"",
                        path.display(),
                        v.id
                    )
                })?;
            let stays = v
                .stays
                .iter()
                .map(|s| {
                    let time = |what: &str, text: &str| {
                        parse_time(text).ok_or_else(|| {
                            anyhow!(
                                "{}: vehicle {}: {what}: expected a date-time like 2024-07-16 18:00, found {text:?}",
                                path.display(),
                                v.id
                            )
                        })
                    };
                    let kwh = |pct: f64| battery_kwh * pct / 100.0;
                    let target_kwh = match (s.target_kwh, s.target_soc_pct) {
                        (Some(kwh), _) => kwh,
                        (None, Some(pct)) => kwh(pct),
                        (None, None) => bail!(
                            "{}: vehicle {}: a stay needs \"target_soc_pct\" or \"target_kwh\"",
                            path.display(),
                            v.id
                        ),
                    };
                    Ok(Stay {
                        arrival: time("arrival", &s.arrival)?,
                        departure: time("departure", &s.departure)?,
                        arrival_kwh: kwh(s.arrival_soc_pct),
                        target_kwh,
                        reserved_kwh: s.reserved_soc_pct.map_or(0.0, kwh),
                    })
                })
                .collect::<anyhow::Result<Vec<_>>>()?;
            Ok(FleetVehicle {
                id: v.id.clone(),
                battery_kwh,
                chemistry: v
                    .chemistry
                    .clone()
                    .or(model.map(|m| m.chemistry.clone()))
                    .unwrap_or_else(|| DEFAULT_CHEMISTRY.to_string()),
                max_ac_kw: v
                    .max_ac_kw
                    .or(model.map(|m| m.max_ac_kw))
                    .unwrap_or(DEFAULT_AC_KW),
                max_dc_kw: v
                    .max_dc_kw
                    .or(model.map(|m| m.max_dc_kw))
                    .unwrap_or(DEFAULT_DC_KW),
                priority: v.priority,
                charger: v.charger.clone(),
                stays,
            })
        })
        .collect()
}

impl Scenario {
    /// Run `strategies` in `mode` (uncontrolled is always run too: it is what bills are
    /// compared with) and bill each site load; `progress` hears from long solves. See
    /// [`read`] for an example.
    ///
    /// # Errors
    ///
    /// When a strategy cannot run or a bill cannot be computed.
    pub fn run(
        &self,
        strategies: &[Strategy],
        mode: Mode,
        progress: &mut dyn FnMut(Strategy, Progress),
    ) -> anyhow::Result<Vec<Outcome>> {
        let problem = &self.fleet.problem;
        let baseline = strategy::run(Strategy::Uncontrolled, problem, mode, &mut |_| {})?;
        let baseline_bill = self.bill_total(&baseline.schedule)?;
        let mut outcomes = Vec::new();
        for &chosen in strategies {
            let run = if chosen == Strategy::Uncontrolled {
                baseline.clone()
            } else {
                strategy::run(chosen, problem, mode, &mut |p| progress(chosen, p))?
            };
            let bill = match (&baseline_bill, self.bill_total(&run.schedule)?) {
                (Some(base), Some(this)) => Some(BillDelta {
                    months: self.months(),
                    total: this.total.to_string(),
                    delta: (this.total - base.total).to_string(),
                    month_peak_kw: this.month_peak_kw,
                    contract_kw: this.contract_kw,
                    ratchet_carry_over: (this.contract_kw - base.contract_kw)
                        * self.demand_per_kw_month
                        * f64::from(self.demand_charge_months.saturating_sub(1)),
                }),
                _ => None,
            };
            outcomes.push(Outcome { run, bill });
        }
        Ok(outcomes)
    }

    fn months(&self) -> String {
        let first = voltlex_engine::month::YearMonth::of(self.load.start.date());
        let last = voltlex_engine::month::YearMonth::of(
            self.load
                .interval_start(self.load.kwh.len().saturating_sub(1))
                .date(),
        );
        if first == last {
            first.to_string()
        } else {
            format!("{first} to {last}")
        }
    }

    /// The site load with a schedule's charging added (what is billed).
    ///
    /// ```
    /// # use std::path::Path;
    /// use voltlex_engine::schedule::Schedule;
    /// let scenario = voltlex::scenario::read(Path::new("workbooks/examples/fleet/depot-night.json"))?;
    /// let idle = Schedule::idle(&scenario.fleet.problem);
    /// assert_eq!(scenario.site_load(&idle), scenario.load);
    /// # Ok::<(), anyhow::Error>(())
    /// ```
    pub fn site_load(&self, schedule: &Schedule) -> LoadProfile {
        let problem = &self.fleet.problem;
        let hours = problem.slot_hours();
        let offset = (problem.start - self.load.start).num_minutes()
            / i64::from(self.load.interval_minutes.max(1));
        let mut load = self.load.clone();
        for (slot, fleet_kw) in schedule.fleet_kw(problem).iter().enumerate() {
            if let Some(kwh) = load.kwh.get_mut(offset.max(0) as usize + slot) {
                *kwh += fleet_kw * hours;
            }
        }
        load
    }

    /// The site's bills with `fleet_kwh` (kWh per meter interval, by interval start) added
    /// to its meter data; `None` without rules.
    ///
    /// # Errors
    ///
    /// When the tariff cannot be compiled or the bill computed.
    pub fn bill_with(
        &self,
        fleet_kwh: &BTreeMap<NaiveDateTime, f64>,
        power_factor: Option<&BTreeMap<voltlex_engine::month::YearMonth, rust_decimal::Decimal>>,
    ) -> anyhow::Result<Option<voltlex_engine::billing::BillRun>> {
        self.with_tariff(|tariff, billing| {
            let mut load = self.load.clone();
            for (index, kwh) in load.kwh.iter_mut().enumerate() {
                if let Some(add) = fleet_kwh.get(&self.load.interval_start(index)) {
                    *kwh += add;
                }
            }
            let mut inputs = (*billing.inputs).clone();
            if let Some(months) = power_factor {
                inputs.power_factor = Some(voltlex_engine::inputs::PowerFactorInput::Monthly(
                    months.clone(),
                ));
            }
            Ok(bill(tariff, &load, &inputs)?)
        })
    }

    /// Run `work` with the site's compiled tariff and billing inputs; `None` without rules.
    fn with_tariff<T>(
        &self,
        work: impl FnOnce(&voltlex_dsl::rules::Tariff, &SiteBilling) -> anyhow::Result<T>,
    ) -> anyhow::Result<Option<T>> {
        let Some(billing) = &self.billing else {
            return Ok(None);
        };
        let compilation = compile(&billing.request.rules)?;
        let tariff = select_tariff(
            &compilation,
            billing.request.tariff.as_deref(),
            &billing.request.rules,
        )?;
        work(tariff, billing).map(Some)
    }

    /// The power factor (%) the site's bills use in `month`, if given.
    pub fn power_factor_pct(
        &self,
        month: voltlex_engine::month::YearMonth,
    ) -> Option<rust_decimal::Decimal> {
        match self.billing.as_ref()?.inputs.power_factor.as_ref()? {
            voltlex_engine::inputs::PowerFactorInput::Flat(value) => Some(*value),
            voltlex_engine::inputs::PowerFactorInput::Monthly(values) => {
                values.get(&month).copied()
            }
        }
    }

    /// How much of a change of index `index` (e.g. `jepx-tokyo`) reaches the energy price of
    /// each slot of the horizon: the marginal prices with the index raised by 1 per unit,
    /// minus the prices as they are. 0 everywhere for a tariff that does not use the index;
    /// `None` without rules.
    ///
    /// # Errors
    ///
    /// When the prices cannot be computed.
    pub fn pass_through(&self, index: &str) -> anyhow::Result<Option<Vec<f64>>> {
        self.with_tariff(|tariff, billing| {
            let problem = &self.fleet.problem;
            let mut raised = (*billing.inputs).clone();
            if let Some(series) = raised.indices.get_mut(index) {
                let one = rust_decimal::Decimal::ONE;
                match series {
                    voltlex_engine::inputs::IndexSeries::Monthly(values) => {
                        values.values_mut().for_each(|v| *v += one)
                    }
                    voltlex_engine::inputs::IndexSeries::Interval { values, .. } => {
                        values.values_mut().for_each(|v| *v += one)
                    }
                }
            }
            let price = |inputs: &BillingInputs| {
                marginal_prices(
                    tariff,
                    &self.load,
                    inputs,
                    problem.start,
                    problem.slots(),
                    problem.slot_minutes,
                )
            };
            let before = price(&billing.inputs)?;
            let after = price(&raised)?;
            Ok(after
                .energy_per_kwh
                .iter()
                .zip(&before.energy_per_kwh)
                .map(|(a, b)| a - b)
                .collect())
        })
    }

    /// The bill total of the site with `schedule`'s charging, and the peak of the horizon's
    /// month; `None` without rules.
    fn bill_total(&self, schedule: &Schedule) -> anyhow::Result<Option<BillFigures>> {
        self.with_tariff(|tariff, billing| {
            let load = self.site_load(schedule);
            let run = bill(tariff, &load, &billing.inputs)?;
            let month = voltlex_engine::month::YearMonth::of(self.fleet.problem.start.date());
            let billed = run.months.iter().find(|m| m.month == month);
            Ok(BillFigures {
                total: run.total,
                month_peak_kw: billed.map_or(0.0, |m| m.peak_kw),
                contract_kw: billed.map_or(0.0, |m| m.contract_kw),
            })
        })
    }
}
