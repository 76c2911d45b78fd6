//! Fleet files for the scheduler: the depot's chargers (`chargers.csv`) and the vehicles with
//! their stays (`vehicles.csv`), read into the types
//! [`build_problem`](crate::schedule::fleet::build_problem) takes.
//!
//! Both layouts share these rules:
//! - a header row names the columns, **in any order**, case-insensitive; required columns
//!   must be there, optional ones may be left out (every cell empty = the default);
//! - a header the layout does not know is an **error** with a did-you-mean (`arival` →
//!   `arrival`), not ignored: a misspelled optional column (`reserved_soc`) would otherwise
//!   drop every reservation without a word. A column with an empty header and no values (a
//!   spreadsheet's trailing `,`) is ignored; a row with values beyond the header is an error;
//! - numbers use a decimal point (`7.4`, not `7,4`); times are local, as
//!   `2024-04-15 18:00`, `2024-04-15T18:00` or `2024/4/15 18:00` (seconds optional);
//! - lines starting with `#` are comments, blank rows are skipped; line numbers in messages
//!   count every physical line;
//! - UTF-8 (with or without byte-order mark) or Shift-JIS (cp932), as Japanese Excel saves;
//! - at least one data row.

use chrono::NaiveDateTime;
use std::collections::HashMap;
use std::io::Read;
use std::path::Path;
use voltlex_dsl::diagnostic::did_you_mean;

use super::error::{show_time, ReadError};
use super::load::parse_timestamp;
use super::text::{self, Row, Table};
use crate::schedule::fleet::{FleetCharger, FleetVehicle, Stay};
use crate::tco::catalogue::Catalogue;

const CHARGER_COLUMNS: [&str; 7] = [
    "id",
    "model",
    "max_kw",
    "efficiency",
    "v2g",
    "dc",
    "vehicles",
];

const VEHICLE_COLUMNS: [&str; 14] = [
    "id",
    "model",
    "battery_kwh",
    "chemistry",
    "max_ac_kw",
    "max_dc_kw",
    "priority",
    "charger",
    "arrival",
    "departure",
    "arrival_soc_pct",
    "target_soc_pct",
    "target_kwh",
    "reserved_soc_pct",
];

/// A charger's efficiency when its cell is empty.
const DEFAULT_EFFICIENCY: f64 = 0.92;
/// The largest charger power accepted, kW.
const MAX_CHARGER_KW: f64 = 350.0;
/// Above this power a charger is taken as DC unless its `dc` cell says otherwise, kW.
const AC_UP_TO_KW: f64 = 22.0;
const DEFAULT_CHEMISTRY: &str = "NMC";
const DEFAULT_MAX_AC_KW: f64 = 11.0;
const DEFAULT_MAX_DC_KW: f64 = 50.0;

const TIME_EXPECTED: &str =
    "a time as YYYY-MM-DD HH:MM[:SS], YYYY-MM-DDTHH:MM[:SS] or YYYY/M/D H:MM[:SS]";
const SOC_EXPECTED: &str = "a state of charge in percent, 0 to 100 (e.g. 35 or 35%)";

/// Reads a depot's chargers: one row per charger.
///
/// | column | | meaning |
/// |---|---|---|
/// | `id` | required | identifier, each at most once in the file |
/// | `model` | optional | a charger of the built-in [catalogue](crate::tco::catalogue) (name, any case): fills the empty `max_kw`, `efficiency`, `v2g` and `dc` cells of its row |
/// | `max_kw` | required (optional with `model`) | largest grid-side power, 0 < kW ≤ 350 |
/// | `efficiency` | optional | grid-to-battery efficiency as a fraction, 0 < η ≤ 1 (`0.93`), or a percentage with its sign, 0 < η ≤ 100 % (`93%`); a bare `93` is refused as ambiguous; empty = the model's, else 0.92 |
/// | `v2g` | optional | can discharge: `true`/`false`, `yes`/`no`, `1`/`0` (any case); empty = the model's, else false |
/// | `dc` | optional | DC fast charger, same words; empty = the model's, else true when `max_kw` > 22, else false |
///
/// Cells written win over the model's figures. An unknown model is an error naming the
/// closest catalogue names.
/// | `vehicles` | optional | the vehicle ids allowed on it, separated by spaces or `;` (or `,` inside a quoted cell); empty = any vehicle |
///
/// Chargers come back in file order (the order `build_problem` breaks ties in).
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let path = std::env::temp_dir().join(format!("voltlex-doc-chargers-{}.csv", std::process::id()));
/// std::fs::write(&path, "id,max_kw\nAC-1,11\nDC-1,50\n")?;
/// let chargers = voltlex_engine::read::chargers_csv(&path)?;
/// assert_eq!((chargers[0].dc, chargers[1].dc), (false, true));
/// assert_eq!(chargers[1].efficiency, 0.92);
/// # std::fs::remove_file(&path)?;
/// # Ok(())
/// # }
/// ```
///
/// # Errors
///
/// A [`ReadError`] naming `file:line`, the column, what was expected and what was found.
pub fn chargers_csv(path: impl AsRef<Path>) -> Result<Vec<FleetCharger>, ReadError> {
    let (file, text) = read_path(path.as_ref())?;
    parse_chargers(&file, &text)
}

/// [`chargers_csv`] from any reader; `source_name` names it in errors.
///
/// ```
/// use voltlex_engine::read::chargers_csv_from_reader;
/// let csv = "id,max_kw,efficiency,v2g,vehicles\n\
///            AC-1,7.4,93%,yes,V1 V2\n\
///            DC-1,150,0.95,,\n";
/// let chargers = chargers_csv_from_reader("chargers.csv", csv.as_bytes()).unwrap();
/// assert_eq!(chargers[0].efficiency, 0.93);
/// assert!(chargers[0].v2g && !chargers[0].dc);
/// assert_eq!(chargers[0].vehicles, ["V1", "V2"]);
/// assert!(!chargers[1].v2g && chargers[1].dc && chargers[1].vehicles.is_empty());
///
/// let csv = "id,max_kw\nAC-1,11\nAC-1,22\n";
/// let error = chargers_csv_from_reader("chargers.csv", csv.as_bytes()).unwrap_err();
/// assert_eq!(
///     error.to_string(),
///     "chargers.csv:3: column \"id\": expected an id no other charger has \
///      (line 2 is already \"AC-1\"), found \"AC-1\""
/// );
/// ```
///
/// # Errors
///
/// As [`chargers_csv`].
pub fn chargers_csv_from_reader(
    source_name: &str,
    reader: impl Read,
) -> Result<Vec<FleetCharger>, ReadError> {
    let text = read_source(source_name, reader)?;
    parse_chargers(source_name, &text)
}

/// Reads the vehicles and their stays at the depot: **one row per stay**; the rows of one
/// `id` are one vehicle's stays.
///
/// Per-vehicle columns (repeated on every row of the vehicle; their values, after defaults,
/// must be the same on all its rows — `60` and `60.0` agree, an empty cell and a written
/// default agree — or the first row that differs is reported):
///
/// | column | | meaning |
/// |---|---|---|
/// | `id` | required | identifier |
/// | `model` | optional | a vehicle of the built-in [catalogue](crate::tco::catalogue) (name, any case): fills the empty `battery_kwh`, `chemistry`, `max_ac_kw` and `max_dc_kw` cells; cells written win |
/// | `battery_kwh` | required (optional with `model`) | usable battery capacity, kWh > 0 |
/// | `chemistry` | optional | `LFP`, `NMC`, … as written; empty = the model's, else `NMC` |
/// | `max_ac_kw` | optional | largest AC charging power accepted, kW ≥ 0; empty = the model's, else 11 |
/// | `max_dc_kw` | optional | largest DC charging power accepted, kW ≥ 0; empty = the model's, else 50 |
/// | `priority` | optional | whole number ≥ 0, higher first; empty = 0 |
/// | `charger` | optional | the id of the one charger it must use; empty = any |
///
/// Per-stay columns:
///
/// | column | | meaning |
/// |---|---|---|
/// | `arrival` | required | plugged in from |
/// | `departure` | required | leaves at; after `arrival` |
/// | `arrival_soc_pct` | required | state of charge on arrival, 0–100 (a trailing `%` is allowed) |
/// | `target_soc_pct` | one of these two | state of charge wanted at departure, 0–100 |
/// | `target_kwh` | one of these two | battery energy wanted at departure, 0 ≤ kWh ≤ `battery_kwh` |
/// | `reserved_soc_pct` | optional | minimum state of charge at departure for a booked trip, 0–100; empty = none |
///
/// The header needs at least one of `target_soc_pct` and `target_kwh`; each row fills
/// exactly one of them. Percentages become energies: `arrival_kwh` = battery × SoC / 100,
/// `target_kwh` likewise (or the `target_kwh` cell as it is), `reserved_kwh` = battery ×
/// reserved / 100 (0 when empty). The stays of one vehicle must not overlap (one may arrive
/// the minute the previous one departs).
///
/// Vehicles come back in order of their first row, each with its stays in file order.
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let path = std::env::temp_dir().join(format!("voltlex-doc-vehicles-{}.csv", std::process::id()));
/// std::fs::write(
///     &path,
///     "id,battery_kwh,arrival,departure,arrival_soc_pct,target_soc_pct\n\
///      V1,60,2024-04-15 18:00,2024-04-16 07:00,25,90\n",
/// )?;
/// let vehicles = voltlex_engine::read::vehicles_csv(&path)?;
/// assert_eq!(vehicles[0].stays[0].arrival_kwh, 15.0);
/// assert_eq!(vehicles[0].stays[0].target_kwh, 54.0);
/// # std::fs::remove_file(&path)?;
/// # Ok(())
/// # }
/// ```
///
/// # Errors
///
/// A [`ReadError`] naming `file:line`, the column, what was expected and what was found.
pub fn vehicles_csv(path: impl AsRef<Path>) -> Result<Vec<FleetVehicle>, ReadError> {
    let (file, text) = read_path(path.as_ref())?;
    parse_vehicles(&file, &text)
}

/// [`vehicles_csv`] from any reader; `source_name` names it in errors.
///
/// ```
/// use voltlex_engine::read::vehicles_csv_from_reader;
/// let csv = "id,battery_kwh,max_ac_kw,arrival,departure,arrival_soc_pct,target_kwh,reserved_soc_pct\n\
///            V1,60,7.4,2024-04-15 18:00,2024-04-16 07:00,25,45,50\n\
///            V1,60,7.4,2024/4/16 19:00,2024-04-17T06:30,30,40,\n";
/// let vehicles = vehicles_csv_from_reader("vehicles.csv", csv.as_bytes()).unwrap();
/// let v1 = &vehicles[0];
/// assert_eq!((v1.chemistry.as_str(), v1.max_ac_kw, v1.max_dc_kw), ("NMC", 7.4, 50.0));
/// assert_eq!(v1.stays.len(), 2);
/// assert_eq!(v1.stays[0].reserved_kwh, 30.0);
/// assert_eq!(v1.stays[1].reserved_kwh, 0.0);
///
/// let csv = "id,battery_kwh,arrival,departure,arrival_soc_pct,target_soc_pct\n\
///            V1,60,2024-04-15 18:00,2024-04-15 07:00,25,90\n";
/// let error = vehicles_csv_from_reader("vehicles.csv", csv.as_bytes()).unwrap_err();
/// assert_eq!(
///     error.to_string(),
///     "vehicles.csv:2: column \"departure\": expected a time after the arrival \
///      (2024-04-15 18:00), found \"2024-04-15 07:00\""
/// );
/// ```
///
/// # Errors
///
/// As [`vehicles_csv`].
pub fn vehicles_csv_from_reader(
    source_name: &str,
    reader: impl Read,
) -> Result<Vec<FleetVehicle>, ReadError> {
    let text = read_source(source_name, reader)?;
    parse_vehicles(source_name, &text)
}

fn read_path(path: &Path) -> Result<(String, String), ReadError> {
    let file = path.display().to_string();
    let text = text::decode(&file, text::read_path(path)?)?;
    Ok((file, text))
}

fn read_source(file: &str, reader: impl Read) -> Result<String, ReadError> {
    text::decode(file, text::read_source(file, reader)?)
}

fn parse_chargers(file: &str, text: &str) -> Result<Vec<FleetCharger>, ReadError> {
    let sheet = Sheet::new(file, text, &CHARGER_COLUMNS)?;
    let id = sheet.required("id")?;
    let model = sheet.optional("model")?;
    // With a model column, max_kw may come from the catalogue.
    let max_kw = match model {
        Some(_) => sheet.optional("max_kw")?,
        None => Some(sheet.required("max_kw")?),
    };
    let efficiency = sheet.optional("efficiency")?;
    let v2g = sheet.optional("v2g")?;
    let dc = sheet.optional("dc")?;
    let vehicles = sheet.optional("vehicles")?;
    sheet.check_not_empty("charger")?;

    let mut first_lines: HashMap<String, u64> = HashMap::new();
    let mut chargers = Vec::with_capacity(sheet.table.rows.len());
    for row in &sheet.table.rows {
        let charger_id = sheet.id(row, id, "a charger id")?;
        if let Some(first_line) = first_lines.get(&charger_id) {
            return Err(sheet.error(
                row,
                id,
                &format!(
                    "an id no other charger has (line {first_line} is already {charger_id:?})"
                ),
            ));
        }
        first_lines.insert(charger_id.clone(), row.line);
        let catalogue_model =
            match model.filter(|&column| !row.get(column).is_empty()) {
                Some(column) => {
                    let catalogue = sheet.catalogue(row)?;
                    Some(catalogue.charger(row.get(column)).map_err(|error| {
                        sheet.error(row, column, &unknown_model("charger", &error))
                    })?)
                }
                None => None,
            };
        const POWER_EXPECTED: &str =
            "a charger power in kW, 0 < kW ≤ 350 (decimal point, e.g. 7.4)";
        let max_kw = match (max_kw, catalogue_model) {
            (Some(column), Some(found)) if row.get(column).is_empty() => found.max_kw,
            (Some(column), _) => sheet.number(row, column, POWER_EXPECTED, |kw| {
                kw > 0.0 && kw <= MAX_CHARGER_KW
            })?,
            (None, Some(found)) => found.max_kw,
            (None, None) => {
                // Unreachable in practice: without a max_kw column there is a model column.
                let column = model.unwrap_or(id);
                return Err(sheet.error(
                    row,
                    column,
                    "a charger model of the built-in catalogue (there is no max_kw column)",
                ));
            }
        };
        let efficiency = match efficiency.filter(|&column| !row.get(column).is_empty()) {
            Some(column) => sheet.efficiency(row, column)?,
            None => catalogue_model.map_or(DEFAULT_EFFICIENCY, |found| found.efficiency),
        };
        let v2g = sheet
            .flag(row, v2g)?
            .or(catalogue_model.map(|found| found.v2g))
            .unwrap_or(false);
        let dc = sheet
            .flag(row, dc)?
            .or(catalogue_model.map(|found| found.dc))
            .unwrap_or(max_kw > AC_UP_TO_KW);
        let mut allowed: Vec<String> = Vec::new();
        for vehicle in sheet
            .cell(row, vehicles)
            .split(|c: char| c.is_whitespace() || c == ';' || c == ',')
            .filter(|vehicle| !vehicle.is_empty())
        {
            if !allowed.iter().any(|known| known == vehicle) {
                allowed.push(vehicle.to_string());
            }
        }
        chargers.push(FleetCharger {
            id: charger_id,
            max_kw,
            efficiency,
            v2g,
            dc,
            vehicles: allowed,
        });
    }
    Ok(chargers)
}

/// Where the vehicle file's columns are.
struct VehicleColumns {
    id: usize,
    model: Option<usize>,
    /// Optional only when there is a `model` column.
    battery: Option<usize>,
    chemistry: Option<usize>,
    max_ac: Option<usize>,
    max_dc: Option<usize>,
    priority: Option<usize>,
    charger: Option<usize>,
    arrival: usize,
    departure: usize,
    arrival_soc: usize,
    target_soc: Option<usize>,
    target_kwh: Option<usize>,
    /// `target_soc_pct` if present, else `target_kwh`: where a missing target is reported.
    target: usize,
    reserved_soc: Option<usize>,
}

impl VehicleColumns {
    fn find(sheet: &Sheet) -> Result<Self, ReadError> {
        let id = sheet.required("id")?;
        let model = sheet.optional("model")?;
        let battery = match model {
            Some(_) => sheet.optional("battery_kwh")?,
            None => Some(sheet.required("battery_kwh")?),
        };
        let arrival = sheet.required("arrival")?;
        let departure = sheet.required("departure")?;
        let arrival_soc = sheet.required("arrival_soc_pct")?;
        let target_soc = sheet.optional("target_soc_pct")?;
        let target_kwh = sheet.optional("target_kwh")?;
        let Some(target) = target_soc.or(target_kwh) else {
            return Err(sheet.table.layout_error(
                sheet.file,
                "a column named \"target_soc_pct\" or \"target_kwh\"".to_string(),
            ));
        };
        Ok(VehicleColumns {
            id,
            model,
            battery,
            chemistry: sheet.optional("chemistry")?,
            max_ac: sheet.optional("max_ac_kw")?,
            max_dc: sheet.optional("max_dc_kw")?,
            priority: sheet.optional("priority")?,
            charger: sheet.optional("charger")?,
            arrival,
            departure,
            arrival_soc,
            target_soc,
            target_kwh,
            target,
            reserved_soc: sheet.optional("reserved_soc_pct")?,
        })
    }
}

/// A vehicle being gathered from its rows.
struct Gathering<'t> {
    /// The vehicle's first row, which its other rows must agree with.
    first: &'t Row,
    vehicle: FleetVehicle,
    /// The row of each stay, in step with `vehicle.stays`.
    stay_rows: Vec<&'t Row>,
}

fn parse_vehicles(file: &str, text: &str) -> Result<Vec<FleetVehicle>, ReadError> {
    let sheet = Sheet::new(file, text, &VEHICLE_COLUMNS)?;
    let columns = VehicleColumns::find(&sheet)?;
    sheet.check_not_empty("stay")?;

    let mut index_of: HashMap<String, usize> = HashMap::new();
    let mut gathered: Vec<Gathering> = Vec::new();
    for row in &sheet.table.rows {
        let vehicle = sheet.vehicle(row, &columns)?;
        let stay = sheet.stay(row, &columns, vehicle.battery_kwh)?;
        match index_of
            .get(&vehicle.id)
            .and_then(|&index| gathered.get_mut(index))
        {
            Some(known) => {
                sheet.check_same_vehicle(row, &columns, known, &vehicle)?;
                known.vehicle.stays.push(stay);
                known.stay_rows.push(row);
            }
            None => {
                index_of.insert(vehicle.id.clone(), gathered.len());
                gathered.push(Gathering {
                    first: row,
                    vehicle: FleetVehicle {
                        stays: vec![stay],
                        ..vehicle
                    },
                    stay_rows: vec![row],
                });
            }
        }
    }
    for known in &gathered {
        sheet.check_no_overlap(&columns, known)?;
    }
    Ok(gathered.into_iter().map(|known| known.vehicle).collect())
}

/// A fleet file's table with its source name, and the cell readers its columns share.
struct Sheet<'a> {
    file: &'a str,
    table: Table,
}

impl<'a> Sheet<'a> {
    /// The table of `text`, checked for unknown columns and cells outside the header.
    fn new(file: &'a str, text: &str, known: &[&str]) -> Result<Self, ReadError> {
        let table = text::table(file, text, true)?;
        for (index, name) in table.header.iter().enumerate() {
            if name.is_empty() {
                if table.rows.iter().any(|row| !row.get(index).is_empty()) {
                    return Err(table.layout_error(
                        file,
                        format!("a header for column {} (it holds values)", index + 1),
                    ));
                }
            } else if !known.iter().any(|known| known.eq_ignore_ascii_case(name)) {
                let hint = did_you_mean(name, known.iter().copied())
                    .map(|suggestion| format!(" (did you mean \"{suggestion}\"?)"))
                    .unwrap_or_default();
                return Err(ReadError::Layout {
                    file: file.to_string(),
                    line: table.header_line,
                    expected: format!("only the columns {}", known.join(", ")),
                    found: format!("{name:?}{hint}"),
                });
            }
        }
        let width = table.header.len();
        for row in &table.rows {
            if let Some(stray) = row.cells().skip(width).find(|cell| !cell.is_empty()) {
                return Err(ReadError::Layout {
                    file: file.to_string(),
                    line: row.line,
                    expected: format!(
                        "at most {width} cells, one per column of the header (quote a cell holding a comma)"
                    ),
                    found: format!("{} cells, {stray:?} in none", row.cells().count()),
                });
            }
        }
        Ok(Sheet { file, table })
    }

    /// At least one data row (checked after the header's columns, whose absence says more).
    fn check_not_empty(&self, row_kind: &str) -> Result<(), ReadError> {
        if self.table.rows.is_empty() {
            return Err(ReadError::Layout {
                file: self.file.to_string(),
                line: self.table.last_line(),
                expected: format!("at least one {row_kind} row after the header"),
                found: "none".to_string(),
            });
        }
        Ok(())
    }

    /// The one column named `name`, or a layout error.
    fn required(&self, name: &str) -> Result<usize, ReadError> {
        self.table.column(self.file, name)
    }

    /// The column named `name` if there is one; two is an error.
    fn optional(&self, name: &str) -> Result<Option<usize>, ReadError> {
        match self.table.columns_named(name).as_slice() {
            [] => Ok(None),
            [index] => Ok(Some(*index)),
            _ => Err(self
                .table
                .layout_error(self.file, format!("at most one column named \"{name}\""))),
        }
    }

    /// The built-in catalogue (its failure, impossible once the tests pass, named at `row`).
    fn catalogue(&self, row: &Row) -> Result<&'static Catalogue, ReadError> {
        Catalogue::builtin().map_err(|error| ReadError::Layout {
            file: self.file.to_string(),
            line: row.line,
            expected: "a readable built-in catalogue".to_string(),
            found: error.to_string(),
        })
    }

    fn error(&self, row: &Row, column: usize, expected: &str) -> ReadError {
        self.table.value_error(self.file, row, column, expected)
    }

    /// The cell of an optional column; empty when the column is absent.
    fn cell<'r>(&self, row: &'r Row, column: Option<usize>) -> &'r str {
        column.map_or("", |column| row.get(column))
    }

    /// A non-empty identifier.
    fn id(&self, row: &Row, column: usize, what: &str) -> Result<String, ReadError> {
        match row.get(column) {
            "" => Err(self.error(row, column, what)),
            id => Ok(id.to_string()),
        }
    }

    /// A finite number for which `ok` holds.
    fn number(
        &self,
        row: &Row,
        column: usize,
        expected: &str,
        ok: impl Fn(f64) -> bool,
    ) -> Result<f64, ReadError> {
        row.get(column)
            .parse::<f64>()
            .ok()
            .filter(|value| value.is_finite() && ok(*value))
            .ok_or_else(|| self.error(row, column, expected))
    }

    /// [`Sheet::number`], or `default` for an absent column or an empty cell.
    fn optional_number(
        &self,
        row: &Row,
        column: Option<usize>,
        default: f64,
        expected: &str,
        ok: impl Fn(f64) -> bool,
    ) -> Result<f64, ReadError> {
        match column {
            Some(column) if !row.get(column).is_empty() => self.number(row, column, expected, ok),
            _ => Ok(default),
        }
    }

    /// A percentage 0–100, with or without a trailing `%`.
    fn percent(&self, row: &Row, column: usize) -> Result<f64, ReadError> {
        let cell = row.get(column);
        cell.strip_suffix('%')
            .unwrap_or(cell)
            .trim_end()
            .parse::<f64>()
            .ok()
            .filter(|pct| pct.is_finite() && (0.0..=100.0).contains(pct))
            .ok_or_else(|| self.error(row, column, SOC_EXPECTED))
    }

    /// A fraction 0 < η ≤ 1, or a percentage 0 < η ≤ 100 with its `%`; empty = the default.
    fn efficiency(&self, row: &Row, column: usize) -> Result<f64, ReadError> {
        let cell = row.get(column);
        if cell.is_empty() {
            return Ok(DEFAULT_EFFICIENCY);
        }
        let fraction = match cell.strip_suffix('%') {
            Some(percent) => percent.trim_end().parse::<f64>().map(|pct| pct / 100.0),
            None => cell.parse::<f64>(),
        };
        fraction
            .ok()
            .filter(|eta| eta.is_finite() && *eta > 0.0 && *eta <= 1.0)
            .ok_or_else(|| {
                self.error(
                    row,
                    column,
                    "an efficiency 0 < η ≤ 1 or a percentage with its sign (e.g. 0.93 or 93%)",
                )
            })
    }

    /// `true`/`false`, `yes`/`no` or `1`/`0` (any case); `None` for an empty cell or an
    /// absent column.
    fn flag(&self, row: &Row, column: Option<usize>) -> Result<Option<bool>, ReadError> {
        let Some(column) = column else {
            return Ok(None);
        };
        match row.get(column).to_ascii_lowercase().as_str() {
            "" => Ok(None),
            "true" | "yes" | "1" => Ok(Some(true)),
            "false" | "no" | "0" => Ok(Some(false)),
            _ => Err(self.error(
                row,
                column,
                "true or false (or yes/no, 1/0), or an empty cell for the default",
            )),
        }
    }

    fn time(&self, row: &Row, column: usize) -> Result<NaiveDateTime, ReadError> {
        parse_timestamp(row.get(column)).ok_or_else(|| self.error(row, column, TIME_EXPECTED))
    }

    /// The per-vehicle columns of a row (no stays yet).
    fn vehicle(&self, row: &Row, columns: &VehicleColumns) -> Result<FleetVehicle, ReadError> {
        let id = self.id(row, columns.id, "a vehicle id")?;
        let model =
            match columns.model.filter(|&column| !row.get(column).is_empty()) {
                Some(column) => {
                    let catalogue = self.catalogue(row)?;
                    Some(catalogue.vehicle(row.get(column)).map_err(|error| {
                        self.error(row, column, &unknown_model("vehicle", &error))
                    })?)
                }
                None => None,
            };
        const BATTERY_EXPECTED: &str = "a battery capacity in kWh, > 0 (decimal point, e.g. 60)";
        let battery_kwh = match (columns.battery, model) {
            (Some(column), Some(found)) if row.get(column).is_empty() => found.battery_kwh,
            (Some(column), _) => self.number(row, column, BATTERY_EXPECTED, |kwh| kwh > 0.0)?,
            (None, Some(found)) => found.battery_kwh,
            (None, None) => {
                let column = columns.model.unwrap_or(columns.id);
                return Err(self.error(
                    row,
                    column,
                    "a vehicle model of the built-in catalogue (there is no battery_kwh column)",
                ));
            }
        };
        let chemistry = match (self.cell(row, columns.chemistry), model) {
            ("", Some(found)) => found.chemistry.as_str(),
            ("", None) => DEFAULT_CHEMISTRY,
            (chemistry, _) => chemistry,
        }
        .to_string();
        let max_ac_kw = self.optional_number(
            row,
            columns.max_ac,
            model.map_or(DEFAULT_MAX_AC_KW, |found| found.max_ac_kw),
            if model.is_some() {
                "an AC charging limit in kW, ≥ 0 (e.g. 7.4), or an empty cell for the model's"
            } else {
                "an AC charging limit in kW, ≥ 0 (e.g. 7.4), or an empty cell for 11"
            },
            |kw| kw >= 0.0,
        )?;
        let max_dc_kw = self.optional_number(
            row,
            columns.max_dc,
            model.map_or(DEFAULT_MAX_DC_KW, |found| found.max_dc_kw),
            if model.is_some() {
                "a DC charging limit in kW, ≥ 0 (e.g. 90), or an empty cell for the model's"
            } else {
                "a DC charging limit in kW, ≥ 0 (e.g. 90), or an empty cell for 50"
            },
            |kw| kw >= 0.0,
        )?;
        let priority = match columns.priority {
            Some(column) if !row.get(column).is_empty() => {
                row.get(column).parse::<u32>().map_err(|_| {
                    self.error(
                        row,
                        column,
                        "a priority, a whole number ≥ 0 (higher first), or an empty cell for 0",
                    )
                })?
            }
            _ => 0,
        };
        let charger = match self.cell(row, columns.charger) {
            "" => None,
            charger => Some(charger.to_string()),
        };
        Ok(FleetVehicle {
            id,
            battery_kwh,
            chemistry,
            max_ac_kw,
            max_dc_kw,
            priority,
            charger,
            stays: Vec::new(),
        })
    }

    /// The stay of a row, its percentages turned into energies of a `battery_kwh` battery.
    fn stay(
        &self,
        row: &Row,
        columns: &VehicleColumns,
        battery_kwh: f64,
    ) -> Result<Stay, ReadError> {
        let arrival = self.time(row, columns.arrival)?;
        let departure = self.time(row, columns.departure)?;
        if departure <= arrival {
            return Err(self.error(
                row,
                columns.departure,
                &format!("a time after the arrival ({})", show_time(&arrival)),
            ));
        }
        let arrival_kwh = battery_kwh * self.percent(row, columns.arrival_soc)? / 100.0;
        let filled = |column: Option<usize>| column.filter(|&column| !row.get(column).is_empty());
        let target_kwh = match (filled(columns.target_soc), filled(columns.target_kwh)) {
            (Some(_), Some(kwh)) => {
                return Err(self.error(
                    row,
                    kwh,
                    "an empty cell when target_soc_pct is given (one target per stay)",
                ))
            }
            (Some(soc), None) => battery_kwh * self.percent(row, soc)? / 100.0,
            (None, Some(kwh)) => self.number(
                row,
                kwh,
                &format!("a target energy in kWh, 0 ≤ kWh ≤ {battery_kwh} (the battery capacity)"),
                |target| (0.0..=battery_kwh).contains(&target),
            )?,
            (None, None) => {
                return Err(self.error(
                    row,
                    columns.target,
                    "a target: a state of charge in target_soc_pct or an energy in target_kwh",
                ))
            }
        };
        let reserved_kwh = match filled(columns.reserved_soc) {
            Some(column) => battery_kwh * self.percent(row, column)? / 100.0,
            None => 0.0,
        };
        Ok(Stay {
            arrival,
            departure,
            arrival_kwh,
            target_kwh,
            reserved_kwh,
        })
    }

    /// `vehicle` (read from `row`) has the per-vehicle values of its first row.
    fn check_same_vehicle(
        &self,
        row: &Row,
        columns: &VehicleColumns,
        known: &Gathering,
        vehicle: &FleetVehicle,
    ) -> Result<(), ReadError> {
        let first = &known.vehicle;
        let same_model = |column: usize| {
            known
                .first
                .get(column)
                .eq_ignore_ascii_case(row.get(column))
        };
        let same = [
            (columns.model, columns.model.is_none_or(same_model)),
            (columns.battery, first.battery_kwh == vehicle.battery_kwh),
            (columns.chemistry, first.chemistry == vehicle.chemistry),
            (columns.max_ac, first.max_ac_kw == vehicle.max_ac_kw),
            (columns.max_dc, first.max_dc_kw == vehicle.max_dc_kw),
            (columns.priority, first.priority == vehicle.priority),
            (columns.charger, first.charger == vehicle.charger),
        ];
        // An absent column gives every row the default, so a difference has a column.
        match same
            .into_iter()
            .find_map(|(column, same)| column.filter(|_| !same))
        {
            Some(column) => {
                let written = match known.first.get(column) {
                    "" => "an empty cell".to_string(),
                    cell => format!("{cell:?}"),
                };
                Err(self.error(
                    row,
                    column,
                    &format!(
                        "the same as on line {} for vehicle {:?} ({written})",
                        known.first.line, first.id
                    ),
                ))
            }
            None => Ok(()),
        }
    }

    /// No two stays of a vehicle overlap.
    fn check_no_overlap(
        &self,
        columns: &VehicleColumns,
        known: &Gathering,
    ) -> Result<(), ReadError> {
        let mut stays: Vec<(&Stay, &Row)> = known
            .vehicle
            .stays
            .iter()
            .zip(known.stay_rows.iter().copied())
            .collect();
        stays.sort_by_key(|(stay, row)| (stay.arrival, row.line));
        for pair in stays.windows(2) {
            if let [(earlier, earlier_row), (later, later_row)] = pair {
                if later.arrival < earlier.departure {
                    return Err(self.error(
                        later_row,
                        columns.arrival,
                        &format!(
                            "a time at or after {}, when the stay of vehicle {:?} on line {} departs",
                            show_time(&earlier.departure),
                            known.vehicle.id,
                            earlier_row.line
                        ),
                    ));
                }
            }
        }
        Ok(())
    }
}

/// What a `model` cell needs, with the catalogue's closest names.
fn unknown_model(kind: &str, error: &crate::tco::catalogue::CatalogueError) -> String {
    let closest: Vec<String> = error
        .closest()
        .iter()
        .map(|name| format!("{name:?}"))
        .collect();
    if closest.is_empty() {
        format!("a {kind} model of the built-in catalogue")
    } else {
        format!(
            "a {kind} model of the built-in catalogue (closest: {})",
            closest.join(", ")
        )
    }
}
