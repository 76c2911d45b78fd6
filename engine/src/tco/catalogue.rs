//! The catalogue of commercial EVs sold in Japan, chargers, ICE comparators per vehicle
//! class, per-class running costs and CO₂ emission factors — every figure with its source.
//!
//! The built-in catalogue is `engine/data/catalogue.toml`, embedded in the binary and parsed
//! once ([`Catalogue::builtin`]). Users write their own file in the same format and either
//! load it alone ([`Catalogue::from_toml`]) or lay it over the built-in entries
//! ([`Catalogue::builtin_with`], [`Catalogue::merged`]): an entry with the name (vehicles,
//! chargers) or class (ICE comparators, class costs) of a built-in one replaces it.
//!
//! The format is a small subset of TOML: `[[vehicle]]`, `[[charger]]`, `[[ice]]`,
//! `[[class_costs]]` entries and one `[emission_factors]` table; values are `"strings"`,
//! numbers (`2_363_000`, `0.124`), `true`/`false`, arrays (which may span lines) and inline
//! tables (`{ url = "…", note = "…" }`, on one line). Money is read from the number's text
//! into a [`Decimal`], never through a float. Errors say `origin:line:column`, what was
//! expected and what was found; an unknown field is an error with a did-you-mean, so a typo
//! cannot silently drop a figure. The vocabulary (`class`, `kind`, `powertrain`, `fuel`) is the
//! one the subsidy rules use. `docs/catalogue.md` lists the entries and their sources.

use rust_decimal::Decimal;
use std::fmt;
use std::str::FromStr;
use std::sync::OnceLock;
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
///     "mine.toml:2:8: expected a value (a \"string\", a number, true/false, [array] or \
///      {inline table}), found \"S\""
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
            (rank, edit_distance(&lower, &candidate), name)
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

/// Levenshtein distance in characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, a_char) in a.chars().enumerate() {
        let mut current = Vec::with_capacity(b.len() + 1);
        current.push(i + 1);
        for (j, b_char) in b.iter().enumerate() {
            let substitute =
                previous.get(j).copied().unwrap_or(usize::MAX - 1) + usize::from(a_char != *b_char);
            let delete = previous.get(j + 1).copied().unwrap_or(usize::MAX - 1) + 1;
            let insert = current.last().copied().unwrap_or(usize::MAX - 1) + 1;
            current.push(substitute.min(delete).min(insert));
        }
        previous = current;
    }
    previous.last().copied().unwrap_or(0)
}

// ---------------------------------------------------------------------------------------
// The TOML subset.

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

#[derive(Debug, Clone)]
enum Value {
    Text(String),
    /// A number as written, underscores removed.
    Number(String),
    Bool(bool),
    Array(Vec<(Value, Position)>),
    Table(Table),
}

impl Value {
    fn describe(&self) -> String {
        match self {
            Value::Text(text) => format!("the string {text:?}"),
            Value::Number(number) => format!("the number {number}"),
            Value::Bool(flag) => format!("{flag}"),
            Value::Array(items) => format!("an array of {} items", items.len()),
            Value::Table(_) => "an inline table".to_string(),
        }
    }
}

#[derive(Debug, Clone, Default)]
struct Table {
    entries: Vec<(String, Value, Position)>,
}

/// A `[name]` or `[[name]]` table and where its header is.
struct Section {
    name: String,
    array: bool,
    at: Position,
    table: Table,
}

struct Parser<'t> {
    origin: &'t str,
    chars: std::iter::Peekable<std::str::Chars<'t>>,
    line: usize,
    column: usize,
}

impl<'t> Parser<'t> {
    fn new(text: &'t str, origin: &'t str) -> Self {
        Parser {
            origin,
            chars: text.chars().peekable(),
            line: 1,
            column: 1,
        }
    }

    fn at(&self) -> Position {
        Position {
            line: self.line,
            column: self.column,
        }
    }

    fn peek(&mut self) -> Option<char> {
        self.chars.peek().copied()
    }

    fn bump(&mut self) -> Option<char> {
        let next = self.chars.next();
        if next == Some('\n') {
            self.line += 1;
            self.column = 1;
        } else if next.is_some() {
            self.column += 1;
        }
        next
    }

    fn error(&mut self, expected: &str) -> CatalogueError {
        let at = self.at();
        let found = match self.peek() {
            None => "the end of the file".to_string(),
            Some('\n') | Some('\r') => "the end of the line".to_string(),
            Some(other) => format!("{:?}", other.to_string()),
        };
        invalid(self.origin, at, expected, &found)
    }

    /// Spaces and tabs.
    fn skip_blanks(&mut self) {
        while matches!(self.peek(), Some(' ') | Some('\t')) {
            self.bump();
        }
    }

    /// Blanks, comments and line ends (between statements and inside arrays).
    fn skip_space(&mut self) {
        loop {
            match self.peek() {
                Some(' ') | Some('\t') | Some('\r') | Some('\n') => {
                    self.bump();
                }
                Some('#') => self.skip_comment(),
                _ => return,
            }
        }
    }

    fn skip_comment(&mut self) {
        while !matches!(self.peek(), None | Some('\n')) {
            self.bump();
        }
    }

    /// After a statement: blanks, an optional comment, then a line end or the end.
    fn end_of_line(&mut self) -> Result<(), CatalogueError> {
        self.skip_blanks();
        if self.peek() == Some('#') {
            self.skip_comment();
        }
        if self.peek() == Some('\r') {
            self.bump();
        }
        match self.peek() {
            None => Ok(()),
            Some('\n') => {
                self.bump();
                Ok(())
            }
            Some(_) => Err(self.error("the end of the line (one statement per line)")),
        }
    }

    fn expect(&mut self, wanted: char, expected: &str) -> Result<(), CatalogueError> {
        if self.peek() == Some(wanted) {
            self.bump();
            Ok(())
        } else {
            Err(self.error(expected))
        }
    }

    fn document(&mut self) -> Result<Vec<Section>, CatalogueError> {
        let mut sections: Vec<Section> = Vec::new();
        loop {
            self.skip_space();
            match self.peek() {
                None => return Ok(sections),
                Some('[') => {
                    let at = self.at();
                    self.bump();
                    let array = self.peek() == Some('[');
                    if array {
                        self.bump();
                    }
                    self.skip_blanks();
                    let name = self.key()?;
                    self.skip_blanks();
                    self.expect(']', "\"]\" closing the table header")?;
                    if array {
                        self.expect(']', "\"]]\" closing the array-of-tables header")?;
                    }
                    self.end_of_line()?;
                    sections.push(Section {
                        name,
                        array,
                        at,
                        table: Table::default(),
                    });
                }
                Some(_) => {
                    let at = self.at();
                    let (key, value) = self.key_value()?;
                    self.end_of_line()?;
                    match sections.last_mut() {
                        Some(section) => {
                            push_entry(self.origin, &mut section.table, key, value, at)?
                        }
                        None => {
                            return Err(invalid(
                                self.origin,
                                at,
                                "a table header ([[vehicle]], [[charger]], [[ice]], \
                                 [[class_costs]] or [emission_factors]) before the first field",
                                &format!("the field {key:?}"),
                            ))
                        }
                    }
                }
            }
        }
    }

    fn key(&mut self) -> Result<String, CatalogueError> {
        if self.peek() == Some('"') {
            return self.string();
        }
        let mut key = String::new();
        while let Some(c) = self.peek() {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                key.push(c);
                self.bump();
            } else {
                break;
            }
        }
        if key.is_empty() {
            Err(self.error("a key (letters, digits, _ or -)"))
        } else {
            Ok(key)
        }
    }

    fn key_value(&mut self) -> Result<(String, Value), CatalogueError> {
        let key = self.key()?;
        self.skip_blanks();
        self.expect('=', "\"=\" after the key")?;
        self.skip_blanks();
        let value = self.value()?;
        Ok((key, value))
    }

    fn value(&mut self) -> Result<Value, CatalogueError> {
        match self.peek() {
            Some('"') => Ok(Value::Text(self.string()?)),
            Some('[') => self.array(),
            Some('{') => self.inline_table(),
            Some(c) if c.is_ascii_digit() || c == '-' || c == '+' || c == '.' => self.number(),
            Some('t') | Some('f') => {
                let mut word = String::new();
                let at = self.at();
                while let Some(c) = self.peek().filter(char::is_ascii_alphabetic) {
                    word.push(c);
                    self.bump();
                }
                match word.as_str() {
                    "true" => Ok(Value::Bool(true)),
                    "false" => Ok(Value::Bool(false)),
                    _ => Err(invalid(
                        self.origin,
                        at,
                        "true or false",
                        &format!("{word:?} (quote a string)"),
                    )),
                }
            }
            _ => Err(self
                .error("a value (a \"string\", a number, true/false, [array] or {inline table})")),
        }
    }

    fn string(&mut self) -> Result<String, CatalogueError> {
        self.expect('"', "a string in double quotes")?;
        let mut text = String::new();
        loop {
            match self.peek() {
                None | Some('\n') => {
                    return Err(self.error("a closing '\"' on the same line"));
                }
                Some('"') => {
                    self.bump();
                    return Ok(text);
                }
                Some('\\') => {
                    self.bump();
                    let escaped = match self.peek() {
                        Some('"') => '"',
                        Some('\\') => '\\',
                        Some('n') => '\n',
                        Some('t') => '\t',
                        Some('u') => {
                            self.bump();
                            let at = self.at();
                            let mut hex = String::new();
                            for _ in 0..4 {
                                if let Some(c) = self.peek().filter(char::is_ascii_hexdigit) {
                                    hex.push(c);
                                    self.bump();
                                }
                            }
                            let decoded = u32::from_str_radix(&hex, 16)
                                .ok()
                                .filter(|_| hex.len() == 4)
                                .and_then(char::from_u32);
                            match decoded {
                                Some(c) => {
                                    text.push(c);
                                    continue;
                                }
                                None => {
                                    return Err(invalid(
                                        self.origin,
                                        at,
                                        "four hex digits of a character after \\u",
                                        &format!("{hex:?}"),
                                    ))
                                }
                            }
                        }
                        _ => return Err(self.error("an escape: \\\" \\\\ \\n \\t or \\uXXXX")),
                    };
                    self.bump();
                    text.push(escaped);
                }
                Some(c) => {
                    text.push(c);
                    self.bump();
                }
            }
        }
    }

    fn number(&mut self) -> Result<Value, CatalogueError> {
        let at = self.at();
        let mut written = String::new();
        while let Some(c) = self
            .peek()
            .filter(|c| c.is_ascii_digit() || matches!(c, '+' | '-' | '.' | '_' | 'e' | 'E'))
        {
            written.push(c);
            self.bump();
        }
        let number: String = written.chars().filter(|&c| c != '_').collect();
        if number
            .parse::<f64>()
            .map_or(true, |value| !value.is_finite())
        {
            return Err(invalid(
                self.origin,
                at,
                "a number (e.g. 20, 0.124, 2_363_000)",
                &format!("{written:?}"),
            ));
        }
        Ok(Value::Number(number))
    }

    fn array(&mut self) -> Result<Value, CatalogueError> {
        self.expect('[', "\"[\"")?;
        let mut items = Vec::new();
        loop {
            self.skip_space();
            if self.peek() == Some(']') {
                self.bump();
                return Ok(Value::Array(items));
            }
            let at = self.at();
            items.push((self.value()?, at));
            self.skip_space();
            match self.peek() {
                Some(',') => {
                    self.bump();
                }
                Some(']') => {}
                _ => return Err(self.error("\",\" or \"]\" in the array")),
            }
        }
    }

    fn inline_table(&mut self) -> Result<Value, CatalogueError> {
        self.expect('{', "\"{\"")?;
        let mut table = Table::default();
        self.skip_blanks();
        if self.peek() == Some('}') {
            self.bump();
            return Ok(Value::Table(table));
        }
        loop {
            self.skip_blanks();
            let at = self.at();
            let (key, value) = self.key_value()?;
            push_entry(self.origin, &mut table, key, value, at)?;
            self.skip_blanks();
            match self.peek() {
                Some(',') => {
                    self.bump();
                }
                Some('}') => {
                    self.bump();
                    return Ok(Value::Table(table));
                }
                _ => return Err(self.error("\",\" or \"}\" in the inline table (one line)")),
            }
        }
    }
}

fn push_entry(
    origin: &str,
    table: &mut Table,
    key: String,
    value: Value,
    at: Position,
) -> Result<(), CatalogueError> {
    if let Some((_, _, first)) = table.entries.iter().find(|(known, _, _)| *known == key) {
        return Err(invalid(
            origin,
            at,
            &format!(
                "each key once per table ({key:?} is already on line {})",
                first.line
            ),
            &format!("{key:?} again"),
        ));
    }
    table.entries.push((key, value, at));
    Ok(())
}

// ---------------------------------------------------------------------------------------
// From tables to entries.

/// A section's fields, taken one by one; what is left over is an unknown field.
struct Fields<'a> {
    origin: &'a str,
    what: String,
    at: Position,
    entries: Vec<(String, Value, Position)>,
    known: &'static [&'static str],
}

impl<'a> Fields<'a> {
    fn new(
        origin: &'a str,
        what: &str,
        at: Position,
        table: Table,
        known: &'static [&'static str],
    ) -> Self {
        Fields {
            origin,
            what: what.to_string(),
            at,
            entries: table.entries,
            known,
        }
    }

    fn take(&mut self, key: &str, expected: &str) -> Result<(Value, Position), CatalogueError> {
        match self.entries.iter().position(|(known, _, _)| known == key) {
            Some(index) => {
                let (_, value, at) = self.entries.remove(index);
                Ok((value, at))
            }
            None => Err(invalid(
                self.origin,
                self.at,
                &format!("a field {key} ({expected}) in this {}", self.what),
                "none",
            )),
        }
    }

    fn wrong(&self, at: Position, key: &str, expected: &str, value: &Value) -> CatalogueError {
        invalid(
            self.origin,
            at,
            &format!("{key}: {expected}"),
            &value.describe(),
        )
    }

    fn text(&mut self, key: &str) -> Result<String, CatalogueError> {
        let expected = "a non-empty string";
        match self.take(key, expected)? {
            (Value::Text(text), _) if !text.trim().is_empty() => Ok(text),
            (value, at) => Err(self.wrong(at, key, expected, &value)),
        }
    }

    /// A string from a fixed vocabulary.
    fn word(&mut self, key: &str, words: &[&str]) -> Result<String, CatalogueError> {
        let expected = format!("one of {}", words.join(", "));
        match self.take(key, &expected)? {
            (Value::Text(text), _) if words.contains(&text.as_str()) => Ok(text),
            (Value::Text(text), at) => {
                let hint = did_you_mean(&text, words.iter().copied())
                    .map(|word| format!(" (did you mean {word:?}?)"))
                    .unwrap_or_default();
                Err(invalid(
                    self.origin,
                    at,
                    &format!("{key}: {expected}"),
                    &format!("{text:?}{hint}"),
                ))
            }
            (value, at) => Err(self.wrong(at, key, &expected, &value)),
        }
    }

    fn number(
        &mut self,
        key: &str,
        expected: &str,
        ok: impl Fn(f64) -> bool,
    ) -> Result<f64, CatalogueError> {
        let (value, at) = self.take(key, expected)?;
        number_of(&value)
            .filter(|number| ok(*number))
            .ok_or_else(|| self.wrong(at, key, expected, &value))
    }

    fn flag(&mut self, key: &str) -> Result<bool, CatalogueError> {
        match self.take(key, "true or false")? {
            (Value::Bool(flag), _) => Ok(flag),
            (value, at) => Err(self.wrong(at, key, "true or false", &value)),
        }
    }

    /// An amount of JPY ≥ 0, read from the number's text.
    fn money(&mut self, key: &str) -> Result<Decimal, CatalogueError> {
        let expected = "an amount of JPY ≥ 0 (e.g. 2_363_000)";
        let (value, at) = self.take(key, expected)?;
        match &value {
            Value::Number(number) => Decimal::from_str(number)
                .or_else(|_| Decimal::from_scientific(number))
                .ok()
                .filter(|amount| *amount >= Decimal::ZERO),
            _ => None,
        }
        .ok_or_else(|| self.wrong(at, key, expected, &value))
    }

    fn sources(&mut self) -> Result<Vec<Source>, CatalogueError> {
        let expected = "an array of at least one { url = \"https://…\", note = \"…\" }";
        let (value, at) = self.take("sources", expected)?;
        let Value::Array(items) = value else {
            return Err(self.wrong(at, "sources", expected, &value));
        };
        if items.is_empty() {
            return Err(self.wrong(at, "sources", expected, &Value::Array(items)));
        }
        let mut sources = Vec::with_capacity(items.len());
        for (item, item_at) in items {
            let Value::Table(table) = item else {
                return Err(self.wrong(item_at, "sources", expected, &item));
            };
            let mut fields = Fields::new(self.origin, "source", item_at, table, &["url", "note"]);
            let url = fields.text("url")?;
            if !(url.starts_with("https://") || url.starts_with("http://")) {
                return Err(invalid(
                    self.origin,
                    item_at,
                    "url: an address starting with https:// or http://",
                    &format!("{url:?}"),
                ));
            }
            let note = fields.text("note")?;
            fields.finish()?;
            sources.push(Source { url, note });
        }
        Ok(sources)
    }

    fn residuals(&mut self) -> Result<Vec<(u32, f64)>, CatalogueError> {
        let key = "residual_share_after_years";
        let expected = "an array of [years, share] pairs, years increasing, 0 ≤ share ≤ 1 \
                        (e.g. [[5, 0.35], [8, 0.2]])";
        let (value, at) = self.take(key, expected)?;
        let Value::Array(items) = &value else {
            return Err(self.wrong(at, key, expected, &value));
        };
        let mut pairs: Vec<(u32, f64)> = Vec::with_capacity(items.len());
        for (item, item_at) in items {
            let pair = match item {
                Value::Array(pair) => match pair.as_slice() {
                    [(years, _), (share, _)] => number_of(years)
                        .filter(|years| years.fract() == 0.0 && *years >= 1.0 && *years <= 100.0)
                        .zip(number_of(share).filter(|share| (0.0..=1.0).contains(share)))
                        .and_then(|(years, share)| {
                            u32::try_from(years as i64).ok().map(|years| (years, share))
                        }),
                    _ => None,
                },
                _ => None,
            };
            match pair {
                Some(pair) if pairs.last().is_none_or(|last| last.0 < pair.0) => pairs.push(pair),
                _ => return Err(self.wrong(*item_at, key, expected, item)),
            }
        }
        Ok(pairs)
    }

    /// No field left: anything left is unknown.
    fn finish(self) -> Result<(), CatalogueError> {
        match self.entries.first() {
            None => Ok(()),
            Some((key, _, at)) => {
                let hint = did_you_mean(key, self.known.iter().copied())
                    .map(|known| format!(" (did you mean {known:?}?)"))
                    .unwrap_or_default();
                Err(invalid(
                    self.origin,
                    *at,
                    &format!(
                        "only the fields {} in a {}",
                        self.known.join(", "),
                        self.what
                    ),
                    &format!("{key:?}{hint}"),
                ))
            }
        }
    }
}

fn number_of(value: &Value) -> Option<f64> {
    match value {
        Value::Number(number) => number
            .parse::<f64>()
            .ok()
            .filter(|number| number.is_finite()),
        _ => None,
    }
}

const VEHICLE_FIELDS: &[&str] = &[
    "name",
    "maker",
    "class",
    "powertrain",
    "battery_kwh",
    "chemistry",
    "kwh_per_km",
    "max_ac_kw",
    "max_dc_kw",
    "v2h",
    "v2g",
    "list_price",
    "gross_weight_t",
    "sources",
];
const CHARGER_FIELDS: &[&str] = &[
    "name",
    "kind",
    "max_kw",
    "dc",
    "v2g",
    "efficiency",
    "equipment_price",
    "works_price",
    "sources",
];
const ICE_FIELDS: &[&str] = &[
    "class",
    "name",
    "fuel",
    "litres_per_100km",
    "price",
    "maintenance_per_km",
    "sources",
];
const CLASS_COST_FIELDS: &[&str] = &[
    "class",
    "ev_maintenance_per_km",
    "insurance_per_year",
    "ev_annual_tax",
    "ice_annual_tax",
    "residual_share_after_years",
    "sources",
];
const FACTOR_FIELDS: &[&str] = &[
    "grid_kg_per_kwh",
    "diesel_kg_per_litre",
    "petrol_kg_per_litre",
    "sources",
];
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
    let sections = Parser::new(text, origin).document()?;
    let mut partial = Partial {
        vehicles: Vec::new(),
        chargers: Vec::new(),
        ice: Vec::new(),
        class_costs: Vec::new(),
        emission_factors: None,
    };
    // The position of each entry's key (name or class), to report a repeat.
    let mut seen: Vec<(&'static str, String, Position)> = Vec::new();
    for section in sections {
        let wants_array = section.name != "emission_factors";
        if !SECTIONS.contains(&section.name.as_str()) || section.array != wants_array {
            let expected =
                "[[vehicle]], [[charger]], [[ice]], [[class_costs]] or [emission_factors]";
            let written = if section.array {
                format!("[[{}]]", section.name)
            } else {
                format!("[{}]", section.name)
            };
            let hint = did_you_mean(&section.name, SECTIONS)
                .map(|name| format!(" (did you mean {name:?}?)"))
                .unwrap_or_default();
            return Err(invalid(
                origin,
                section.at,
                expected,
                &format!("{written}{hint}"),
            ));
        }
        let at = section.at;
        let (kind, key) = match section.name.as_str() {
            "vehicle" => {
                let vehicle = vehicle_of(origin, at, section.table)?;
                let key = vehicle.name.clone();
                partial.vehicles.push(vehicle);
                ("vehicle", key)
            }
            "charger" => {
                let charger = charger_of(origin, at, section.table)?;
                let key = charger.name.clone();
                partial.chargers.push(charger);
                ("charger", key)
            }
            "ice" => {
                let ice = ice_of(origin, at, section.table)?;
                let key = ice.class.clone();
                partial.ice.push(ice);
                ("ICE comparator for class", key)
            }
            "class_costs" => {
                let costs = class_costs_of(origin, at, section.table)?;
                let key = costs.class.clone();
                partial.class_costs.push(costs);
                ("class costs for class", key)
            }
            _ => {
                partial.emission_factors = Some(factors_of(origin, at, section.table)?);
                ("[emission_factors]", String::new())
            }
        };
        if let Some((_, _, first)) = seen.iter().find(|(known_kind, known, _)| {
            *known_kind == kind && known.to_lowercase() == key.to_lowercase()
        }) {
            let what = if key.is_empty() {
                format!("one {kind} table")
            } else {
                format!("each {kind} once")
            };
            return Err(invalid(
                origin,
                at,
                &format!("{what} (the first is on line {})", first.line),
                &format!("{kind} {key:?} again"),
            ));
        }
        seen.push((kind, key, at));
    }
    Ok(partial)
}

fn vehicle_of(origin: &str, at: Position, table: Table) -> Result<VehicleModel, CatalogueError> {
    let mut fields = Fields::new(origin, "[[vehicle]]", at, table, VEHICLE_FIELDS);
    let vehicle = VehicleModel {
        name: fields.text("name")?,
        maker: fields.text("maker")?,
        class: fields.word("class", &VEHICLE_CLASSES)?,
        powertrain: fields.word("powertrain", &POWERTRAINS)?,
        battery_kwh: fields.number("battery_kwh", "a battery capacity in kWh, > 0", |kwh| {
            kwh > 0.0
        })?,
        chemistry: fields.text("chemistry")?,
        kwh_per_km: fields.number("kwh_per_km", "an energy use in kWh/km, > 0", |use_| {
            use_ > 0.0
        })?,
        max_ac_kw: fields.number("max_ac_kw", "an AC charging limit in kW, ≥ 0", |kw| {
            kw >= 0.0
        })?,
        max_dc_kw: fields.number("max_dc_kw", "a DC charging limit in kW, ≥ 0", |kw| {
            kw >= 0.0
        })?,
        v2h: fields.flag("v2h")?,
        v2g: fields.flag("v2g")?,
        list_price: fields.money("list_price")?,
        gross_weight_t: fields.number("gross_weight_t", "a gross weight in tonnes, > 0", |t| {
            t > 0.0
        })?,
        sources: fields.sources()?,
    };
    fields.finish()?;
    Ok(vehicle)
}

fn charger_of(origin: &str, at: Position, table: Table) -> Result<ChargerModel, CatalogueError> {
    let mut fields = Fields::new(origin, "[[charger]]", at, table, CHARGER_FIELDS);
    let charger = ChargerModel {
        name: fields.text("name")?,
        kind: fields.word("kind", &CHARGER_KINDS)?,
        max_kw: fields.number("max_kw", "a power in kW, 0 < kW ≤ 350", |kw| {
            kw > 0.0 && kw <= 350.0
        })?,
        dc: fields.flag("dc")?,
        v2g: fields.flag("v2g")?,
        efficiency: fields.number("efficiency", "a fraction, 0 < η ≤ 1", |eta| {
            eta > 0.0 && eta <= 1.0
        })?,
        equipment_price: fields.money("equipment_price")?,
        works_price: fields.money("works_price")?,
        sources: fields.sources()?,
    };
    fields.finish()?;
    Ok(charger)
}

fn ice_of(origin: &str, at: Position, table: Table) -> Result<IceComparator, CatalogueError> {
    let mut fields = Fields::new(origin, "[[ice]]", at, table, ICE_FIELDS);
    let ice = IceComparator {
        class: fields.word("class", &VEHICLE_CLASSES)?,
        name: fields.text("name")?,
        fuel: fields.word("fuel", &FUELS)?,
        litres_per_100km: fields.number(
            "litres_per_100km",
            "a fuel use in L/100 km, > 0",
            |l| l > 0.0,
        )?,
        price: fields.money("price")?,
        maintenance_per_km: fields.money("maintenance_per_km")?,
        sources: fields.sources()?,
    };
    fields.finish()?;
    Ok(ice)
}

fn class_costs_of(origin: &str, at: Position, table: Table) -> Result<ClassCosts, CatalogueError> {
    let mut fields = Fields::new(origin, "[[class_costs]]", at, table, CLASS_COST_FIELDS);
    let costs = ClassCosts {
        class: fields.word("class", &VEHICLE_CLASSES)?,
        ev_maintenance_per_km: fields.money("ev_maintenance_per_km")?,
        insurance_per_year: fields.money("insurance_per_year")?,
        ev_annual_tax: fields.money("ev_annual_tax")?,
        ice_annual_tax: fields.money("ice_annual_tax")?,
        residual_share_after_years: fields.residuals()?,
        sources: fields.sources()?,
    };
    fields.finish()?;
    Ok(costs)
}

fn factors_of(origin: &str, at: Position, table: Table) -> Result<EmissionFactors, CatalogueError> {
    let mut fields = Fields::new(origin, "[emission_factors]", at, table, FACTOR_FIELDS);
    let positive = |factor: f64| factor > 0.0;
    let factors = EmissionFactors {
        grid_kg_per_kwh: fields.number("grid_kg_per_kwh", "kg CO₂ per kWh, > 0", positive)?,
        diesel_kg_per_litre: fields.number(
            "diesel_kg_per_litre",
            "kg CO₂ per litre, > 0",
            positive,
        )?,
        petrol_kg_per_litre: fields.number(
            "petrol_kg_per_litre",
            "kg CO₂ per litre, > 0",
            positive,
        )?,
        sources: fields.sources()?,
    };
    fields.finish()?;
    Ok(factors)
}

impl fmt::Display for Source {
    /// `url (note)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.url, self.note)
    }
}
