//! The catalogue of commercial EVs sold in Japan, chargers, ICE comparators per vehicle
//! class, per-class running costs and CO₂ emission factors — every figure with its source.
//!
//! The built-in catalogue is `engine/data/catalogue.toml`, embedded in the binary and parsed
//! once ([`Catalogue::builtin`]). Users write their own file in the same format and either
//! load it alone ([`Catalogue::from_toml`]) or lay it over the built-in entries
//! ([`Catalogue::builtin_with`], [`Catalogue::merged`]): an entry with the name (vehicles,
//! chargers) or class (ICE comparators, class costs) of a built-in one replaces it.
//!
//! The format is TOML, read with the `toml` crate into serde records that mirror the file
//! (`[[vehicle]]`, `[[charger]]`, `[[ice]]`, `[[class_costs]]` entries and one
//! `[emission_factors]` table), then checked: vocabulary, ranges, a source with a URL on every
//! entry, no name (or class) twice. Money is an integer or a decimal number of JPY, read from
//! the number's text into a [`Decimal`], never through a float. Errors say
//! `origin:line:column`, what was expected and what was found; an unknown field is an error
//! with a did-you-mean, so a typo cannot silently drop a figure. The vocabulary (`class`,
//! `kind`, `powertrain`, `fuel`) is the one the subsidy rules use. `docs/catalogue.md` lists
//! the entries and their sources.

use rust_decimal::Decimal;
use serde::Deserialize;
use std::fmt;
use std::str::FromStr;
use std::sync::OnceLock;
use toml::Spanned;
use voltlex_dsl::diagnostic::did_you_mean;

/// The built-in catalogue's text.
const BUILTIN_TEXT: &str = include_str!("../../data/catalogue.toml");
/// How the built-in catalogue is named in error messages.
const BUILTIN_ORIGIN: &str = "engine/data/catalogue.toml";

/// Vehicle classes (the subsidy rules' `class` attribute).
pub const VEHICLE_CLASSES: [&str; 5] = ["kei-van", "van", "light-truck", "truck", "car"];
/// Charger kinds (the subsidy rules' charger `type` attribute).
pub const CHARGER_KINDS: [&str; 3] = ["normal", "fast", "ultra-fast"];
/// Powertrains of catalogue vehicles.
pub const POWERTRAINS: [&str; 3] = ["BEV", "PHEV", "FCV"];
/// Fuels of ICE comparators.
pub const FUELS: [&str; 2] = ["diesel", "petrol"];

/// Where a figure comes from.
///
/// ```
/// use voltlex_engine::tco::catalogue::Source;
/// let source = Source { url: "https://example.org/spec".into(), note: "as published".into() };
/// assert!(source.url.starts_with("https://"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// The page (maker's specification, programme or ministry page, article).
    pub url: String,
    /// What exactly the page says, when it was read, or which figure is an assumption.
    pub note: String,
}

/// A vehicle model with its specification and list price.
///
/// ```
/// let catalogue = voltlex_engine::tco::catalogue::Catalogue::builtin()?;
/// let sakura = catalogue.vehicle("Nissan Sakura X")?;
/// assert_eq!((sakura.battery_kwh, sakura.class.as_str()), (20.0, "car"));
/// # Ok::<(), voltlex_engine::tco::catalogue::CatalogueError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct VehicleModel {
    /// Name, unique in the catalogue (case-insensitively).
    pub name: String,
    /// Manufacturer.
    pub maker: String,
    /// One of [`VEHICLE_CLASSES`].
    pub class: String,
    /// One of [`POWERTRAINS`].
    pub powertrain: String,
    /// Battery capacity, kWh (total as published).
    pub battery_kwh: f64,
    /// Cell chemistry: `LFP` or `NMC` (as the battery module's presets name them).
    pub chemistry: String,
    /// Energy use from the grid side, kWh per km.
    pub kwh_per_km: f64,
    /// Largest AC charging power accepted, kW.
    pub max_ac_kw: f64,
    /// Largest DC charging power accepted, kW.
    pub max_dc_kw: f64,
    /// Can power a building (vehicle-to-home/building).
    pub v2h: bool,
    /// Can export to the grid (vehicle-to-grid), as sold in Japan.
    pub v2g: bool,
    /// List price in JPY before consumption tax.
    pub list_price: Decimal,
    /// Gross vehicle weight, tonnes.
    pub gross_weight_t: f64,
    /// Where the figures come from.
    pub sources: Vec<Source>,
}

/// A charger model with its typical price and works cost.
///
/// ```
/// let catalogue = voltlex_engine::tco::catalogue::Catalogue::builtin()?;
/// let wall_box = catalogue.charger("AC wall box 6 kW")?;
/// assert!(!wall_box.dc && wall_box.max_kw == 6.0);
/// # Ok::<(), voltlex_engine::tco::catalogue::CatalogueError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ChargerModel {
    /// Name, unique in the catalogue (case-insensitively).
    pub name: String,
    /// One of [`CHARGER_KINDS`].
    pub kind: String,
    /// Largest grid-side power, kW.
    pub max_kw: f64,
    /// Direct current to the vehicle.
    pub dc: bool,
    /// Can discharge the vehicle into the site or grid (V2H/V2B/V2G) — what the scheduler's
    /// `v2g` flag means.
    pub v2g: bool,
    /// Grid-to-battery efficiency, 0 < η ≤ 1.
    pub efficiency: f64,
    /// Equipment price, JPY before tax.
    pub equipment_price: Decimal,
    /// Installation works, JPY before tax.
    pub works_price: Decimal,
    /// Where the figures come from.
    pub sources: Vec<Source>,
}

/// The internal-combustion vehicle an EV of a class is compared with.
///
/// ```
/// let catalogue = voltlex_engine::tco::catalogue::Catalogue::builtin()?;
/// let van = catalogue.ice_for_class("van")?;
/// assert_eq!(van.fuel, "diesel");
/// # Ok::<(), voltlex_engine::tco::catalogue::CatalogueError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct IceComparator {
    /// One of [`VEHICLE_CLASSES`]; one comparator per class.
    pub class: String,
    /// The model compared with.
    pub name: String,
    /// One of [`FUELS`].
    pub fuel: String,
    /// Fuel use, litres per 100 km.
    pub litres_per_100km: f64,
    /// Price, JPY before tax.
    pub price: Decimal,
    /// Maintenance, JPY per km.
    pub maintenance_per_km: Decimal,
    /// Where the figures come from.
    pub sources: Vec<Source>,
}

/// Running costs of a vehicle class that do not depend on the model.
///
/// ```
/// let catalogue = voltlex_engine::tco::catalogue::Catalogue::builtin()?;
/// let costs = catalogue.class_costs("kei-van")?;
/// assert!(costs.residual_share_after_years.iter().all(|&(_, share)| share < 1.0));
/// # Ok::<(), voltlex_engine::tco::catalogue::CatalogueError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ClassCosts {
    /// One of [`VEHICLE_CLASSES`]; one entry per class.
    pub class: String,
    /// EV maintenance, JPY per km.
    pub ev_maintenance_per_km: Decimal,
    /// Insurance, JPY per year (same for EV and ICE).
    pub insurance_per_year: Decimal,
    /// Annual vehicle taxes of the EV, JPY.
    pub ev_annual_tax: Decimal,
    /// Annual vehicle taxes of the ICE comparator, JPY.
    pub ice_annual_tax: Decimal,
    /// Resale value as a share of the price after a number of years, e.g. `(5, 0.35)`;
    /// years increasing.
    pub residual_share_after_years: Vec<(u32, f64)>,
    /// Where the figures come from.
    pub sources: Vec<Source>,
}

/// CO₂ emitted per unit of energy.
///
/// ```
/// let factors = &voltlex_engine::tco::catalogue::Catalogue::builtin()?.emission_factors;
/// assert_eq!(factors.diesel_kg_per_litre, 2.58);
/// # Ok::<(), voltlex_engine::tco::catalogue::CatalogueError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct EmissionFactors {
    /// Grid electricity, kg CO₂ per kWh.
    pub grid_kg_per_kwh: f64,
    /// Diesel, kg CO₂ per litre.
    pub diesel_kg_per_litre: f64,
    /// Petrol, kg CO₂ per litre.
    pub petrol_kg_per_litre: f64,
    /// Where the figures come from.
    pub sources: Vec<Source>,
}

impl EmissionFactors {
    /// kg CO₂ per litre of `fuel` (one of [`FUELS`]).
    ///
    /// ```
    /// let factors = &voltlex_engine::tco::catalogue::Catalogue::builtin()?.emission_factors;
    /// assert_eq!(factors.fuel_kg_per_litre("petrol"), Some(2.32));
    /// assert_eq!(factors.fuel_kg_per_litre("hydrogen"), None);
    /// # Ok::<(), voltlex_engine::tco::catalogue::CatalogueError>(())
    /// ```
    pub fn fuel_kg_per_litre(&self, fuel: &str) -> Option<f64> {
        match fuel {
            "diesel" => Some(self.diesel_kg_per_litre),
            "petrol" => Some(self.petrol_kg_per_litre),
            _ => None,
        }
    }
}

/// Vehicles, chargers, ICE comparators, class costs and emission factors.
///
/// ```
/// use voltlex_engine::tco::catalogue::Catalogue;
/// let catalogue = Catalogue::builtin()?;
/// assert!(catalogue.vehicles.len() >= 5);
/// assert!(catalogue.vehicles.iter().all(|vehicle| !vehicle.sources.is_empty()));
/// # Ok::<(), voltlex_engine::tco::catalogue::CatalogueError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Catalogue {
    /// Vehicle models, in file order.
    pub vehicles: Vec<VehicleModel>,
    /// Charger models, in file order.
    pub chargers: Vec<ChargerModel>,
    /// ICE comparators, one per class.
    pub ice: Vec<IceComparator>,
    /// Running costs, one entry per class.
    pub class_costs: Vec<ClassCosts>,
    /// CO₂ factors.
    pub emission_factors: EmissionFactors,
}

/// What went wrong reading or querying a catalogue.
///
/// ```
/// use voltlex_engine::tco::catalogue::Catalogue;
/// let error = Catalogue::from_toml("[[vehicle]]\nname = Sakura\n", "mine.toml").unwrap_err();
/// assert_eq!(
///     error.to_string(),
///     "mine.toml:2:8: expected literal string (string values must be quoted), found \"Sakura\""
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CatalogueError {
    /// The file is not in the catalogue format, or a value is not what its field needs.
    #[error("{origin}:{line}:{column}: expected {expected}, found {found}")]
    Invalid {
        /// File name or other origin given by the caller.
        origin: String,
        /// 1-based line.
        line: usize,
        /// 1-based column, in characters.
        column: usize,
        /// What the format or field needs.
        expected: String,
        /// What the file holds.
        found: String,
    },
    /// No entry of that name (or class).
    #[error("no {kind} {name:?} in the catalogue{}", show_closest(.closest))]
    Unknown {
        /// `vehicle`, `charger`, `ICE comparator for class` or `class costs for class`.
        kind: String,
        /// The name asked for.
        name: String,
        /// Up to three names that come closest, best first.
        closest: Vec<String>,
    },
}

fn show_closest(closest: &[String]) -> String {
    if closest.is_empty() {
        String::new()
    } else {
        let names: Vec<String> = closest.iter().map(|name| format!("{name:?}")).collect();
        format!("; closest: {}", names.join(", "))
    }
}

impl CatalogueError {
    /// The closest names of an [`CatalogueError::Unknown`] error (empty otherwise).
    ///
    /// ```
    /// let catalogue = voltlex_engine::tco::catalogue::Catalogue::builtin()?;
    /// let error = catalogue.vehicle("Nisan Sakura").unwrap_err();
    /// assert_eq!(error.closest().first().map(String::as_str), Some("Nissan Sakura X"));
    /// # Ok::<(), voltlex_engine::tco::catalogue::CatalogueError>(())
    /// ```
    pub fn closest(&self) -> &[String] {
        match self {
            CatalogueError::Unknown { closest, .. } => closest,
            CatalogueError::Invalid { .. } => &[],
        }
    }
}

static BUILTIN: OnceLock<Result<Catalogue, CatalogueError>> = OnceLock::new();

impl Catalogue {
    /// The built-in catalogue, parsed on first use.
    ///
    /// ```
    /// let catalogue = voltlex_engine::tco::catalogue::Catalogue::builtin()?;
    /// assert!(catalogue.charger("Nichicon EV Power Station VCG-663CN3")?.v2g);
    /// # Ok::<(), voltlex_engine::tco::catalogue::CatalogueError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// Only if the embedded file does not parse — which the test suite rules out.
    pub fn builtin() -> Result<&'static Catalogue, CatalogueError> {
        BUILTIN
            .get_or_init(|| Catalogue::from_toml(BUILTIN_TEXT, BUILTIN_ORIGIN))
            .as_ref()
            .map_err(Clone::clone)
    }

    /// A complete catalogue from text in the catalogue format; `origin` names it in errors.
    ///
    /// ```
    /// use voltlex_engine::tco::catalogue::Catalogue;
    /// let text = r#"
    /// [emission_factors]
    /// grid_kg_per_kwh = 0.45
    /// diesel_kg_per_litre = 2.58
    /// petrol_kg_per_litre = 2.32
    /// sources = [{ url = "https://example.org", note = "assumption" }]
    /// "#;
    /// let catalogue = Catalogue::from_toml(text, "factors.toml")?;
    /// assert!(catalogue.vehicles.is_empty());
    /// assert_eq!(catalogue.emission_factors.grid_kg_per_kwh, 0.45);
    /// # Ok::<(), voltlex_engine::tco::catalogue::CatalogueError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`CatalogueError::Invalid`] at the first problem: malformed text, a missing or unknown
    /// field, a value out of range, a name (or class) given twice, no `[emission_factors]`.
    pub fn from_toml(text: &str, origin: &str) -> Result<Catalogue, CatalogueError> {
        let partial = parse_partial(text, origin)?;
        let Some(emission_factors) = partial.emission_factors else {
            return Err(invalid(
                origin,
                end_position(text),
                "an [emission_factors] table (a complete catalogue needs one)",
                "none",
            ));
        };
        Ok(Catalogue {
            vehicles: partial.vehicles,
            chargers: partial.chargers,
            ice: partial.ice,
            class_costs: partial.class_costs,
            emission_factors,
        })
    }

    /// The built-in catalogue with a user's file laid over it: the file may hold any of the
    /// sections (or none); its entries replace built-in ones of the same name or class, and
    /// its `[emission_factors]`, if any, replace the built-in factors.
    ///
    /// ```
    /// use voltlex_engine::tco::catalogue::Catalogue;
    /// let mine = r#"
    /// [[charger]]
    /// name = "AC wall box 6 kW"
    /// kind = "normal"
    /// max_kw = 6
    /// dc = false
    /// v2g = false
    /// efficiency = 0.94
    /// equipment_price = 180_000
    /// works_price = 150_000
    /// sources = [{ url = "https://example.org/quote", note = "our installer's quote, 2026-05" }]
    /// "#;
    /// let catalogue = Catalogue::builtin_with(mine, "mine.toml")?;
    /// assert_eq!(catalogue.charger("ac wall box 6 kw")?.efficiency, 0.94);
    /// assert_eq!(catalogue.vehicles, Catalogue::builtin()?.vehicles);
    /// # Ok::<(), voltlex_engine::tco::catalogue::CatalogueError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`Catalogue::from_toml`], except that `[emission_factors]` may be absent.
    pub fn builtin_with(text: &str, origin: &str) -> Result<Catalogue, CatalogueError> {
        let partial = parse_partial(text, origin)?;
        let builtin = Catalogue::builtin()?.clone();
        let emission_factors = partial
            .emission_factors
            .unwrap_or_else(|| builtin.emission_factors.clone());
        Ok(builtin.merged(Catalogue {
            vehicles: partial.vehicles,
            chargers: partial.chargers,
            ice: partial.ice,
            class_costs: partial.class_costs,
            emission_factors,
        }))
    }

    /// The vehicle named `name`: exactly, else ignoring case and surrounding spaces.
    ///
    /// ```
    /// let catalogue = voltlex_engine::tco::catalogue::Catalogue::builtin()?;
    /// assert_eq!(catalogue.vehicle("honda n-van e:")?.maker, "Honda");
    /// # Ok::<(), voltlex_engine::tco::catalogue::CatalogueError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`CatalogueError::Unknown`] with the closest names.
    pub fn vehicle(&self, name: &str) -> Result<&VehicleModel, CatalogueError> {
        find(&self.vehicles, name, |vehicle| &vehicle.name, "vehicle")
    }

    /// The charger named `name`: exactly, else ignoring case and surrounding spaces.
    ///
    /// ```
    /// let catalogue = voltlex_engine::tco::catalogue::Catalogue::builtin()?;
    /// let error = catalogue.charger("DC fast 50kW CHAdeMO").unwrap_err();
    /// assert_eq!(error.closest().first().map(String::as_str), Some("DC fast 50 kW CHAdeMO"));
    /// # Ok::<(), voltlex_engine::tco::catalogue::CatalogueError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`CatalogueError::Unknown`] with the closest names.
    pub fn charger(&self, name: &str) -> Result<&ChargerModel, CatalogueError> {
        find(&self.chargers, name, |charger| &charger.name, "charger")
    }

    /// The ICE comparator of a vehicle class.
    ///
    /// ```
    /// let catalogue = voltlex_engine::tco::catalogue::Catalogue::builtin()?;
    /// assert_eq!(catalogue.ice_for_class("kei-van")?.fuel, "petrol");
    /// # Ok::<(), voltlex_engine::tco::catalogue::CatalogueError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`CatalogueError::Unknown`] naming the classes that have one.
    pub fn ice_for_class(&self, class: &str) -> Result<&IceComparator, CatalogueError> {
        find(
            &self.ice,
            class,
            |ice| &ice.class,
            "ICE comparator for class",
        )
    }

    /// The running costs of a vehicle class.
    ///
    /// ```
    /// let catalogue = voltlex_engine::tco::catalogue::Catalogue::builtin()?;
    /// assert!(catalogue.class_costs("light-truck")?.insurance_per_year > rust_decimal::Decimal::ZERO);
    /// # Ok::<(), voltlex_engine::tco::catalogue::CatalogueError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`CatalogueError::Unknown`] naming the classes that have costs.
    pub fn class_costs(&self, class: &str) -> Result<&ClassCosts, CatalogueError> {
        find(
            &self.class_costs,
            class,
            |costs| &costs.class,
            "class costs for class",
        )
    }

    /// `self` with `other`'s entries laid over it: an entry of `other` replaces the one of
    /// `self` with the same name (vehicles, chargers; case-insensitive) or class (ICE
    /// comparators, class costs) in place, new ones are appended; `other`'s emission factors
    /// replace `self`'s.
    ///
    /// ```
    /// use voltlex_engine::tco::catalogue::Catalogue;
    /// let builtin = Catalogue::builtin()?.clone();
    /// let mut mine = builtin.clone();
    /// mine.vehicles.truncate(1);
    /// mine.vehicles[0].list_price = rust_decimal::Decimal::from(1_000_000);
    /// let merged = builtin.clone().merged(mine);
    /// assert_eq!(merged.vehicles.len(), builtin.vehicles.len());
    /// assert_eq!(merged.vehicles[0].list_price, rust_decimal::Decimal::from(1_000_000));
    /// # Ok::<(), voltlex_engine::tco::catalogue::CatalogueError>(())
    /// ```
    pub fn merged(self, other: Catalogue) -> Catalogue {
        Catalogue {
            vehicles: overlay(self.vehicles, other.vehicles, |vehicle| &vehicle.name),
            chargers: overlay(self.chargers, other.chargers, |charger| &charger.name),
            ice: overlay(self.ice, other.ice, |ice| &ice.class),
            class_costs: overlay(self.class_costs, other.class_costs, |costs| &costs.class),
            emission_factors: other.emission_factors,
        }
    }
}

fn overlay<T>(mut base: Vec<T>, top: Vec<T>, key: impl Fn(&T) -> &String) -> Vec<T> {
    for entry in top {
        match base
            .iter_mut()
            .find(|known| key(known).eq_ignore_ascii_case(key(&entry)))
        {
            Some(known) => *known = entry,
            None => base.push(entry),
        }
    }
    base
}

fn find<'a, T>(
    entries: &'a [T],
    name: &str,
    key: impl Fn(&T) -> &String,
    kind: &str,
) -> Result<&'a T, CatalogueError> {
    let wanted = name.trim();
    entries
        .iter()
        .find(|entry| key(entry) == wanted)
        .or_else(|| {
            entries
                .iter()
                .find(|entry| key(entry).to_lowercase() == wanted.to_lowercase())
        })
        .ok_or_else(|| CatalogueError::Unknown {
            kind: kind.to_string(),
            name: name.to_string(),
            closest: closest_names(wanted, entries.iter().map(|entry| key(entry).as_str())),
        })
}

/// Up to three names closest to `wanted`: the did-you-mean pick first, then names containing
/// it (or contained in it), then by edit distance.
fn closest_names<'a>(wanted: &str, names: impl Iterator<Item = &'a str> + Clone) -> Vec<String> {
    let lower = wanted.to_lowercase();
    let best = did_you_mean(wanted, names.clone());
    let mut ranked: Vec<(u8, usize, &str)> = names
        .map(|name| {
            let candidate = name.to_lowercase();
            let rank = if best.as_deref() == Some(name) {
                0
            } else if !lower.is_empty()
                && (candidate.contains(&lower) || lower.contains(&candidate))
            {
                1
            } else {
                2
            };
            (rank, strsim::levenshtein(&lower, &candidate), name)
        })
        .collect();
    ranked.sort_by_key(|&(rank, distance, _)| (rank, distance));
    ranked
        .into_iter()
        .filter(|&(rank, distance, name)| {
            rank < 2 || distance <= name.chars().count().max(lower.chars().count()) / 2
        })
        .take(3)
        .map(|(_, _, name)| name.to_string())
        .collect()
}

// ---------------------------------------------------------------------------------------
// The file as serde reads it. Every value keeps its span (byte range in the text) so that a
// check made after deserialising can still say `origin:line:column`.

/// A catalogue file: every section optional (a complete catalogue is checked for
/// `[emission_factors]` by [`Catalogue::from_toml`]).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileRecord {
    #[serde(default)]
    vehicle: Vec<Spanned<VehicleRecord>>,
    #[serde(default)]
    charger: Vec<Spanned<ChargerRecord>>,
    #[serde(default)]
    ice: Vec<Spanned<IceRecord>>,
    #[serde(default)]
    class_costs: Vec<Spanned<ClassCostsRecord>>,
    emission_factors: Option<Spanned<FactorsRecord>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VehicleRecord {
    name: Spanned<String>,
    maker: Spanned<String>,
    class: Spanned<String>,
    powertrain: Spanned<String>,
    battery_kwh: Spanned<f64>,
    chemistry: Spanned<String>,
    kwh_per_km: Spanned<f64>,
    max_ac_kw: Spanned<f64>,
    max_dc_kw: Spanned<f64>,
    v2h: bool,
    v2g: bool,
    list_price: Spanned<toml::Value>,
    gross_weight_t: Spanned<f64>,
    sources: Spanned<Vec<Spanned<SourceRecord>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ChargerRecord {
    name: Spanned<String>,
    kind: Spanned<String>,
    max_kw: Spanned<f64>,
    dc: bool,
    v2g: bool,
    efficiency: Spanned<f64>,
    equipment_price: Spanned<toml::Value>,
    works_price: Spanned<toml::Value>,
    sources: Spanned<Vec<Spanned<SourceRecord>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct IceRecord {
    class: Spanned<String>,
    name: Spanned<String>,
    fuel: Spanned<String>,
    litres_per_100km: Spanned<f64>,
    price: Spanned<toml::Value>,
    maintenance_per_km: Spanned<toml::Value>,
    sources: Spanned<Vec<Spanned<SourceRecord>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ClassCostsRecord {
    class: Spanned<String>,
    ev_maintenance_per_km: Spanned<toml::Value>,
    insurance_per_year: Spanned<toml::Value>,
    ev_annual_tax: Spanned<toml::Value>,
    ice_annual_tax: Spanned<toml::Value>,
    residual_share_after_years: Vec<Spanned<(f64, f64)>>,
    sources: Spanned<Vec<Spanned<SourceRecord>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FactorsRecord {
    grid_kg_per_kwh: Spanned<f64>,
    diesel_kg_per_litre: Spanned<f64>,
    petrol_kg_per_litre: Spanned<f64>,
    sources: Spanned<Vec<Spanned<SourceRecord>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SourceRecord {
    url: Spanned<String>,
    note: Spanned<String>,
}

/// The top-level sections, as a message lists them.
const SECTIONS_EXPECTED: &str =
    "[[vehicle]], [[charger]], [[ice]], [[class_costs]] or [emission_factors]";
/// The top-level keys.
const SECTIONS: [&str; 5] = [
    "vehicle",
    "charger",
    "ice",
    "class_costs",
    "emission_factors",
];

/// A catalogue file's contents, every section optional.
struct Partial {
    vehicles: Vec<VehicleModel>,
    chargers: Vec<ChargerModel>,
    ice: Vec<IceComparator>,
    class_costs: Vec<ClassCosts>,
    emission_factors: Option<EmissionFactors>,
}

fn parse_partial(text: &str, origin: &str) -> Result<Partial, CatalogueError> {
    let file: FileRecord =
        toml::from_str(text).map_err(|error| Text { text, origin }.toml_error(&error))?;
    let at = Text { text, origin };
    let vehicles: Result<Vec<_>, _> = file.vehicle.iter().map(|v| at.vehicle(v)).collect();
    let chargers: Result<Vec<_>, _> = file.charger.iter().map(|c| at.charger(c)).collect();
    let ice: Result<Vec<_>, _> = file.ice.iter().map(|ice| at.ice(ice)).collect();
    let class_costs: Result<Vec<_>, _> =
        file.class_costs.iter().map(|c| at.class_costs(c)).collect();
    let emission_factors = file
        .emission_factors
        .as_ref()
        .map(|factors| at.factors(factors))
        .transpose();
    let repeats = [
        at.repeat(&file.vehicle, "vehicle", |v| &v.name),
        at.repeat(&file.charger, "charger", |c| &c.name),
        at.repeat(&file.ice, "ICE comparator for class", |ice| &ice.class),
        at.repeat(&file.class_costs, "class costs for class", |c| &c.class),
    ];
    // Report the problem that comes first in the file, whatever its section.
    let first = [
        vehicles.as_ref().err(),
        chargers.as_ref().err(),
        ice.as_ref().err(),
        class_costs.as_ref().err(),
        emission_factors.as_ref().err(),
    ]
    .into_iter()
    .chain(repeats.iter().map(|repeat| repeat.as_ref().err()))
    .flatten()
    .min_by_key(|error| match error {
        CatalogueError::Invalid { line, column, .. } => (*line, *column),
        CatalogueError::Unknown { .. } => (0, 0),
    });
    if let Some(error) = first {
        return Err(error.clone());
    }
    Ok(Partial {
        vehicles: vehicles?,
        chargers: chargers?,
        ice: ice?,
        class_costs: class_costs?,
        emission_factors: emission_factors?,
    })
}

/// A line and column (1-based, column in characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Position {
    line: usize,
    column: usize,
}

fn end_position(text: &str) -> Position {
    let line = text.lines().count().max(1);
    let column = text.lines().last().map_or(0, |last| last.chars().count()) + 1;
    Position { line, column }
}

fn invalid(origin: &str, at: Position, expected: &str, found: &str) -> CatalogueError {
    CatalogueError::Invalid {
        origin: origin.to_string(),
        line: at.line,
        column: at.column,
        expected: expected.to_string(),
        found: found.to_string(),
    }
}

fn hint(word: &str, words: &[&str]) -> String {
    did_you_mean(word, words.iter().copied())
        .map(|word| format!(" (did you mean {word:?}?)"))
        .unwrap_or_default()
}

/// The text being read: turns byte offsets into positions and checks values.
#[derive(Clone, Copy)]
struct Text<'t> {
    text: &'t str,
    origin: &'t str,
}

impl Text<'_> {
    fn position(&self, offset: usize) -> Position {
        let before = self.text.get(..offset).unwrap_or(self.text);
        let line_start = before.rfind('\n').map_or(0, |newline| newline + 1);
        Position {
            line: before.matches('\n').count() + 1,
            column: before
                .get(line_start..)
                .map_or(0, |line| line.chars().count())
                + 1,
        }
    }

    fn invalid(&self, offset: usize, expected: &str, found: &str) -> CatalogueError {
        invalid(self.origin, self.position(offset), expected, found)
    }

    /// The whole line holding `offset`, and where it starts.
    fn line_of(&self, offset: usize) -> (usize, &str) {
        let start = self
            .text
            .get(..offset)
            .and_then(|before| before.rfind('\n'))
            .map_or(0, |newline| newline + 1);
        let rest = self.text.get(start..).unwrap_or("");
        let line = rest.split('\n').next().unwrap_or("").trim_end_matches('\r');
        (start, line)
    }

    /// The `[header]` or `[[header]]` of the table that holds `offset`.
    fn header_before(&self, offset: usize) -> &str {
        self.text
            .get(..offset)
            .unwrap_or("")
            .lines()
            .rev()
            .map(str::trim)
            .find(|line| line.starts_with('['))
            .unwrap_or("table")
    }

    /// A `toml` error (syntax, or a value serde could not take) in the `expected …, found …`
    /// form, at the position of its span.
    fn toml_error(&self, error: &toml::de::Error) -> CatalogueError {
        let span = error.span().unwrap_or(self.text.len()..self.text.len());
        let written = self.text.get(span.clone()).unwrap_or("").trim();
        let (line_start, line) = self.line_of(span.start);
        let on_header = line.trim_start().starts_with('[');
        let header_offset = line_start + (line.len() - line.trim_start().len());
        let message = error.message();
        let (what, expected) = match message.split_once(", expected ") {
            Some((what, expected)) => (what, Some(expected)),
            None => (message, None),
        };
        // serde quotes names in backticks: "unknown field `colour`, expected one of `name`, …".
        let quoted = |part: &str| -> Vec<String> {
            part.split('`')
                .skip(1)
                .step_by(2)
                .map(str::to_string)
                .collect()
        };
        if let Some(field) = what.strip_prefix("unknown field ") {
            let field = quoted(field).into_iter().next().unwrap_or_default();
            let known = quoted(expected.unwrap_or(""));
            let known: Vec<&str> = known.iter().map(String::as_str).collect();
            if known.contains(&"emission_factors") {
                return if on_header {
                    let hint = hint(&field, &SECTIONS);
                    self.invalid(
                        header_offset,
                        SECTIONS_EXPECTED,
                        &format!("{}{hint}", line.trim()),
                    )
                } else {
                    self.invalid(
                        span.start,
                        &format!("a table header ({SECTIONS_EXPECTED}) before the first field"),
                        &format!("the field {field:?}"),
                    )
                };
            }
            let table = if known == ["url", "note"] {
                "source"
            } else {
                self.header_before(span.start)
            };
            return self.invalid(
                span.start,
                &format!("only the fields {} in a {table}", known.join(", ")),
                &format!("{field:?}{}", hint(&field, &known)),
            );
        }
        if let Some(field) = what.strip_prefix("missing field ") {
            let field = quoted(field).into_iter().next().unwrap_or_default();
            let table = if written.starts_with('{') {
                "source"
            } else if written.starts_with('[') {
                written
            } else {
                "table"
            };
            return self.invalid(
                span.start,
                &format!("a field {field} in this {table}"),
                "none",
            );
        }
        if what.starts_with("invalid type: ") && on_header {
            // `[charger]` for `[[charger]]` or the reverse.
            return self.invalid(header_offset, SECTIONS_EXPECTED, line.trim());
        }
        if let (Some(found), Some(expected)) = (
            what.strip_prefix("invalid type: ")
                .or_else(|| what.strip_prefix("invalid value: ")),
            expected,
        ) {
            return self.invalid(
                span.start,
                &self.keyed(span.start, &serde_expected(expected)),
                &serde_found(found),
            );
        }
        if let (Some(length), Some(expected)) = (what.strip_prefix("invalid length "), expected) {
            return self.invalid(
                span.start,
                &self.keyed(span.start, &serde_expected(expected)),
                &format!("an array of {length} items"),
            );
        }
        if what == "duplicate key" {
            return self.invalid(
                span.start,
                "each key once per table",
                &format!("{written:?} again"),
            );
        }
        // A syntax error: toml's description and what it expected.
        let expected = match expected {
            Some(expected) if expected != "nothing" => format!("{expected} ({what})"),
            _ => format!("valid TOML ({what})"),
        };
        if written.is_empty() {
            let found = match self
                .text
                .get(span.start..)
                .and_then(|rest| rest.chars().next())
            {
                None => "the end of the file".to_string(),
                Some('\n' | '\r') => "the end of the line".to_string(),
                Some(other) => format!("{:?}", other.to_string()),
            };
            return self.invalid(span.start, &expected, &found);
        }
        // toml may point inside a value (`.5` of `0.4.5`): show the whole of it.
        let token = |c: char| !c.is_whitespace() && !"=,[]{}".contains(c);
        let start = self
            .text
            .get(..span.start)
            .map_or(span.start, |before| before.trim_end_matches(token).len());
        let end = self.text.get(span.end..).map_or(span.end, |after| {
            self.text.len() - after.trim_start_matches(token).len()
        });
        self.invalid(start, &expected, &format!("{:?}", self.written(start..end)))
    }

    /// `key: expected` when `offset` is on a `key = …` line, else just `expected`.
    fn keyed(&self, offset: usize, expected: &str) -> String {
        let (line_start, line) = self.line_of(offset);
        // The last `key =` before the value, also inside an inline table (`{ url = 5`).
        let key = line
            .get(..offset.saturating_sub(line_start))
            .and_then(|before| before.rsplit_once('='))
            .and_then(|(left, _)| left.rsplit(['{', ',']).next())
            .map(str::trim)
            .filter(|key| {
                !key.is_empty()
                    && key
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            });
        match key {
            Some(key) => format!("{key}: {expected}"),
            None => expected.to_string(),
        }
    }

    fn text_field(&self, key: &str, value: &Spanned<String>) -> Result<String, CatalogueError> {
        if value.get_ref().trim().is_empty() {
            return Err(self.invalid(
                value.span().start,
                &format!("{key}: a non-empty string"),
                &format!("the string {:?}", value.get_ref()),
            ));
        }
        Ok(value.get_ref().clone())
    }

    /// A string from a fixed vocabulary.
    fn word(
        &self,
        key: &str,
        value: &Spanned<String>,
        words: &[&str],
    ) -> Result<String, CatalogueError> {
        let word = value.get_ref();
        if words.contains(&word.as_str()) {
            return Ok(word.clone());
        }
        Err(self.invalid(
            value.span().start,
            &format!("{key}: one of {}", words.join(", ")),
            &format!("{word:?}{}", hint(word, words)),
        ))
    }

    fn number(
        &self,
        key: &str,
        value: &Spanned<f64>,
        expected: &str,
        ok: impl Fn(f64) -> bool,
    ) -> Result<f64, CatalogueError> {
        let number = *value.get_ref();
        if number.is_finite() && ok(number) {
            return Ok(number);
        }
        Err(self.invalid(
            value.span().start,
            &format!("{key}: {expected}"),
            &format!("the number {}", self.written(value.span())),
        ))
    }

    /// A value as written in the file.
    fn written(&self, span: std::ops::Range<usize>) -> &str {
        self.text.get(span).unwrap_or("").trim()
    }

    /// An amount of JPY ≥ 0: an integer as is, a float from its text in the file (underscores
    /// removed), so that `1_500_000.50` is exactly 1500000.50, never rounded through a float.
    fn money(&self, key: &str, value: &Spanned<toml::Value>) -> Result<Decimal, CatalogueError> {
        let written = self.written(value.span());
        let amount = match value.get_ref() {
            toml::Value::Integer(integer) => Some(Decimal::from(*integer)),
            toml::Value::Float(_) => {
                let digits: String = written.chars().filter(|&c| c != '_').collect();
                Decimal::from_str(&digits)
                    .or_else(|_| Decimal::from_scientific(&digits))
                    .ok()
            }
            _ => None,
        };
        amount
            .filter(|amount| *amount >= Decimal::ZERO)
            .ok_or_else(|| {
                let found = match value.get_ref() {
                    toml::Value::Integer(_) | toml::Value::Float(_) => {
                        format!("the number {written}")
                    }
                    toml::Value::String(text) => format!("the string {text:?}"),
                    other => format!("a {}", other.type_str()),
                };
                self.invalid(
                    value.span().start,
                    &format!("{key}: an amount of JPY ≥ 0 (e.g. 2_363_000)"),
                    &found,
                )
            })
    }

    fn sources(
        &self,
        sources: &Spanned<Vec<Spanned<SourceRecord>>>,
    ) -> Result<Vec<Source>, CatalogueError> {
        if sources.get_ref().is_empty() {
            return Err(self.invalid(
                sources.span().start,
                "sources: an array of at least one { url = \"https://…\", note = \"…\" }",
                "an array of 0 items",
            ));
        }
        sources
            .get_ref()
            .iter()
            .map(|source| {
                let record = source.get_ref();
                let url = self.text_field("url", &record.url)?;
                if !(url.starts_with("https://") || url.starts_with("http://")) {
                    return Err(self.invalid(
                        record.url.span().start,
                        "url: an address starting with https:// or http://",
                        &format!("{url:?}"),
                    ));
                }
                let note = self.text_field("note", &record.note)?;
                Ok(Source { url, note })
            })
            .collect()
    }

    fn residuals(&self, pairs: &[Spanned<(f64, f64)>]) -> Result<Vec<(u32, f64)>, CatalogueError> {
        let mut residuals: Vec<(u32, f64)> = Vec::with_capacity(pairs.len());
        for pair in pairs {
            let (years, share) = *pair.get_ref();
            let valid = (years.fract() == 0.0 && (1.0..=100.0).contains(&years))
                .then_some(years as u32)
                .filter(|_| (0.0..=1.0).contains(&share))
                .filter(|&years| residuals.last().is_none_or(|last| last.0 < years));
            match valid {
                Some(years) => residuals.push((years, share)),
                None => {
                    return Err(self.invalid(
                        pair.span().start,
                        "residual_share_after_years: an array of [years, share] pairs, years \
                         increasing, 0 ≤ share ≤ 1 (e.g. [[5, 0.35], [8, 0.2]])",
                        &format!("the pair {}", self.written(pair.span())),
                    ))
                }
            }
        }
        Ok(residuals)
    }

    /// The first entry whose key (name or class) repeats an earlier one, case-insensitively.
    fn repeat<T>(
        &self,
        entries: &[Spanned<T>],
        kind: &str,
        key: impl Fn(&T) -> &Spanned<String>,
    ) -> Result<(), CatalogueError> {
        for (index, entry) in entries.iter().enumerate() {
            let name = key(entry.get_ref()).get_ref();
            let first = entries.iter().take(index).find(|earlier| {
                key(earlier.get_ref()).get_ref().to_lowercase() == name.to_lowercase()
            });
            if let Some(first) = first {
                return Err(self.invalid(
                    entry.span().start,
                    &format!(
                        "each {kind} once (the first is on line {})",
                        self.position(first.span().start).line
                    ),
                    &format!("{kind} {name:?} again"),
                ));
            }
        }
        Ok(())
    }

    fn vehicle(&self, record: &Spanned<VehicleRecord>) -> Result<VehicleModel, CatalogueError> {
        let record = record.get_ref();
        Ok(VehicleModel {
            name: self.text_field("name", &record.name)?,
            maker: self.text_field("maker", &record.maker)?,
            class: self.word("class", &record.class, &VEHICLE_CLASSES)?,
            powertrain: self.word("powertrain", &record.powertrain, &POWERTRAINS)?,
            battery_kwh: self.number(
                "battery_kwh",
                &record.battery_kwh,
                "a battery capacity in kWh, > 0",
                |kwh| kwh > 0.0,
            )?,
            chemistry: self.text_field("chemistry", &record.chemistry)?,
            kwh_per_km: self.number(
                "kwh_per_km",
                &record.kwh_per_km,
                "an energy use in kWh/km, > 0",
                |use_| use_ > 0.0,
            )?,
            max_ac_kw: self.number(
                "max_ac_kw",
                &record.max_ac_kw,
                "an AC charging limit in kW, ≥ 0",
                |kw| kw >= 0.0,
            )?,
            max_dc_kw: self.number(
                "max_dc_kw",
                &record.max_dc_kw,
                "a DC charging limit in kW, ≥ 0",
                |kw| kw >= 0.0,
            )?,
            v2h: record.v2h,
            v2g: record.v2g,
            list_price: self.money("list_price", &record.list_price)?,
            gross_weight_t: self.number(
                "gross_weight_t",
                &record.gross_weight_t,
                "a gross weight in tonnes, > 0",
                |t| t > 0.0,
            )?,
            sources: self.sources(&record.sources)?,
        })
    }

    fn charger(&self, record: &Spanned<ChargerRecord>) -> Result<ChargerModel, CatalogueError> {
        let record = record.get_ref();
        Ok(ChargerModel {
            name: self.text_field("name", &record.name)?,
            kind: self.word("kind", &record.kind, &CHARGER_KINDS)?,
            max_kw: self.number(
                "max_kw",
                &record.max_kw,
                "a power in kW, 0 < kW ≤ 350",
                |kw| kw > 0.0 && kw <= 350.0,
            )?,
            dc: record.dc,
            v2g: record.v2g,
            efficiency: self.number(
                "efficiency",
                &record.efficiency,
                "a fraction, 0 < η ≤ 1",
                |eta| eta > 0.0 && eta <= 1.0,
            )?,
            equipment_price: self.money("equipment_price", &record.equipment_price)?,
            works_price: self.money("works_price", &record.works_price)?,
            sources: self.sources(&record.sources)?,
        })
    }

    fn ice(&self, record: &Spanned<IceRecord>) -> Result<IceComparator, CatalogueError> {
        let record = record.get_ref();
        Ok(IceComparator {
            class: self.word("class", &record.class, &VEHICLE_CLASSES)?,
            name: self.text_field("name", &record.name)?,
            fuel: self.word("fuel", &record.fuel, &FUELS)?,
            litres_per_100km: self.number(
                "litres_per_100km",
                &record.litres_per_100km,
                "a fuel use in L/100 km, > 0",
                |l| l > 0.0,
            )?,
            price: self.money("price", &record.price)?,
            maintenance_per_km: self.money("maintenance_per_km", &record.maintenance_per_km)?,
            sources: self.sources(&record.sources)?,
        })
    }

    fn class_costs(
        &self,
        record: &Spanned<ClassCostsRecord>,
    ) -> Result<ClassCosts, CatalogueError> {
        let record = record.get_ref();
        Ok(ClassCosts {
            class: self.word("class", &record.class, &VEHICLE_CLASSES)?,
            ev_maintenance_per_km: self
                .money("ev_maintenance_per_km", &record.ev_maintenance_per_km)?,
            insurance_per_year: self.money("insurance_per_year", &record.insurance_per_year)?,
            ev_annual_tax: self.money("ev_annual_tax", &record.ev_annual_tax)?,
            ice_annual_tax: self.money("ice_annual_tax", &record.ice_annual_tax)?,
            residual_share_after_years: self.residuals(&record.residual_share_after_years)?,
            sources: self.sources(&record.sources)?,
        })
    }

    fn factors(&self, record: &Spanned<FactorsRecord>) -> Result<EmissionFactors, CatalogueError> {
        let record = record.get_ref();
        let positive = |factor: f64| factor > 0.0;
        Ok(EmissionFactors {
            grid_kg_per_kwh: self.number(
                "grid_kg_per_kwh",
                &record.grid_kg_per_kwh,
                "kg CO₂ per kWh, > 0",
                positive,
            )?,
            diesel_kg_per_litre: self.number(
                "diesel_kg_per_litre",
                &record.diesel_kg_per_litre,
                "kg CO₂ per litre, > 0",
                positive,
            )?,
            petrol_kg_per_litre: self.number(
                "petrol_kg_per_litre",
                &record.petrol_kg_per_litre,
                "kg CO₂ per litre, > 0",
                positive,
            )?,
            sources: self.sources(&record.sources)?,
        })
    }
}

/// serde's name of what a field needs, in the catalogue's words.
fn serde_expected(expected: &str) -> String {
    match expected {
        "f64" => "a number".to_string(),
        "a boolean" => "true or false".to_string(),
        "a sequence" => "an array".to_string(),
        "a tuple of size 2" => "a [years, share] pair".to_string(),
        other if other.starts_with("struct ") => "a table".to_string(),
        other => other.to_string(),
    }
}

/// serde's description of what the file holds (`string "6"`, `integer `5``, `map`).
fn serde_found(found: &str) -> String {
    match found {
        "map" => "a table".to_string(),
        "sequence" => "an array".to_string(),
        other => format!("the {}", other.replace('`', "")),
    }
}

impl fmt::Display for Source {
    /// `url (note)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.url, self.note)
    }
}
