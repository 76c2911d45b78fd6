//! Fleet trip logs (`trips.csv`): one row per trip out of a depot and back, the history the
//! VPP usage forecast ([`crate::vpp::forecast::usage`]) learns from.

use chrono::NaiveDateTime;
use std::collections::HashMap;
use std::io::Read;
use std::path::Path;
use voltlex_dsl::diagnostic::did_you_mean;

use super::error::{show_time, ReadError};
use super::load::parse_timestamp;
use super::text::{self, Row, Table};

/// The columns of a trip log, in the order they are documented.
const COLUMNS: [&str; 5] = ["vehicle", "site", "departure", "arrival", "energy_kwh"];

const TIME_EXPECTED: &str =
    "a time as YYYY-MM-DD HH:MM[:SS], YYYY-MM-DDTHH:MM[:SS] or YYYY/M/D H:MM[:SS]";
const ENERGY_EXPECTED: &str = "an energy in kWh ≥ 0 (battery side, decimal point, e.g. 23.5)";

/// One trip of a vehicle: it leaves `site`'s depot at `departure` and is back at `site` at
/// `arrival`, having used `energy_kwh` from its battery.
///
/// ```
/// use chrono::NaiveDate;
/// use voltlex_engine::read::Trip;
/// let at = |h, m| NaiveDate::from_ymd_opt(2024, 4, 15).unwrap().and_hms_opt(h, m, 0).unwrap();
/// let trip = Trip {
///     vehicle: "V1".into(),
///     site: "Tokyo-1".into(),
///     departure: at(7, 45),
///     arrival: at(17, 30),
///     energy_kwh: 38.5,
/// };
/// assert!(trip.arrival > trip.departure);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Trip {
    /// The vehicle's identifier.
    pub vehicle: String,
    /// The depot it leaves from and returns to.
    pub site: String,
    /// When it leaves (local time).
    pub departure: NaiveDateTime,
    /// When it is back (local time), after `departure`.
    pub arrival: NaiveDateTime,
    /// Energy taken from the battery by the trip, kWh, ≥ 0.
    pub energy_kwh: f64,
}

/// Reads a trip log: one row per trip.
///
/// | column | meaning |
/// |---|---|
/// | `vehicle` | the vehicle's identifier (not empty) |
/// | `site` | the depot the trip leaves from and returns to (not empty) |
/// | `departure` | when it leaves, local time |
/// | `arrival` | when it is back, local time, after `departure` |
/// | `energy_kwh` | energy taken from the battery, kWh ≥ 0 |
///
/// - The header names the columns in any order, case-insensitive; all five are required,
///   other columns (a distance, a driver) are ignored.
/// - A row may not hold more cells than the header (an unquoted `2,5` is two cells).
/// - Times are `2024-04-15 07:45`, `2024-04-15T07:45` or `2024/4/15 7:45`, seconds optional.
/// - Trips of one vehicle must not overlap: a trip may leave the minute the previous one is
///   back, not earlier. Rows may come in any order.
/// - Lines starting with `#` are comments, blank rows are skipped; line numbers in messages
///   count every physical line. UTF-8 (with or without byte-order mark) or Shift-JIS (cp932).
/// - At least one trip.
///
/// Trips come back in file order.
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let path = std::env::temp_dir().join(format!("voltlex-doc-trips-{}.csv", std::process::id()));
/// std::fs::write(
///     &path,
///     "vehicle,site,departure,arrival,energy_kwh\n\
///      V1,Tokyo-1,2024-04-15 07:45,2024-04-15 17:30,38.5\n",
/// )?;
/// let trips = voltlex_engine::read::trips_csv(&path)?;
/// assert_eq!((trips[0].vehicle.as_str(), trips[0].energy_kwh), ("V1", 38.5));
/// # std::fs::remove_file(&path)?;
/// # Ok(())
/// # }
/// ```
///
/// # Errors
///
/// A [`ReadError`] naming `file:line`, the column, what was expected and what was found.
pub fn trips_csv(path: impl AsRef<Path>) -> Result<Vec<Trip>, ReadError> {
    let path = path.as_ref();
    let file = path.display().to_string();
    let text = text::decode(&file, text::read_path(path)?)?;
    parse_trips(&file, &text)
}

/// [`trips_csv`] from any reader; `source_name` names it in errors.
///
/// ```
/// use voltlex_engine::read::trips_csv_from_reader;
/// let csv = "Vehicle,Site,Departure,Arrival,Energy_kWh,distance_km\n\
///            V1,S1,2024-04-15T07:45:00,2024-04-15 12:10,18.0,61\n\
///            V1,S1,2024-04-15 13:00,2024-04-15 17:30,20.5,70\n";
/// let trips = trips_csv_from_reader("trips.csv", csv.as_bytes()).unwrap();
/// assert_eq!(trips.len(), 2);
///
/// let csv = "vehicle,site,departure,arrival,energy_kwh\n\
///            V1,S1,2024-04-15 07:45,2024-04-15 07:00,18\n";
/// let error = trips_csv_from_reader("trips.csv", csv.as_bytes()).unwrap_err();
/// assert_eq!(
///     error.to_string(),
///     "trips.csv:2: column \"arrival\": expected a time after the departure \
///      (2024-04-15 07:45), found \"2024-04-15 07:00\""
/// );
/// ```
///
/// # Errors
///
/// As [`trips_csv`].
pub fn trips_csv_from_reader(source_name: &str, reader: impl Read) -> Result<Vec<Trip>, ReadError> {
    let text = text::decode(source_name, text::read_source(source_name, reader)?)?;
    parse_trips(source_name, &text)
}

/// The columns' positions in the header.
struct Columns {
    vehicle: usize,
    site: usize,
    departure: usize,
    arrival: usize,
    energy: usize,
}

fn parse_trips(file: &str, text: &str) -> Result<Vec<Trip>, ReadError> {
    let table = text::table(file, text, true)?;
    let columns = Columns {
        vehicle: column(file, &table, "vehicle")?,
        site: column(file, &table, "site")?,
        departure: column(file, &table, "departure")?,
        arrival: column(file, &table, "arrival")?,
        energy: column(file, &table, "energy_kwh")?,
    };
    if table.rows.is_empty() {
        return Err(ReadError::Layout {
            file: file.to_string(),
            line: table.last_line(),
            expected: "at least one trip row after the header".to_string(),
            found: "none".to_string(),
        });
    }
    let width = table.header.len();
    let mut trips = Vec::with_capacity(table.rows.len());
    for row in &table.rows {
        if let Some(stray) = row.cells().skip(width).find(|cell| !cell.is_empty()) {
            return Err(ReadError::Layout {
                file: file.to_string(),
                line: row.line,
                expected: format!(
                    "at most {width} cells, one per column of the header (numbers use a decimal point; quote a cell holding a comma)"
                ),
                found: format!("{} cells, {stray:?} in none", row.cells().count()),
            });
        }
        trips.push(trip(file, &table, row, &columns)?);
    }
    check_no_overlap(file, &table, &columns, &trips)?;
    Ok(trips)
}

/// The one column named `name`; a missing one is named with the closest header.
fn column(file: &str, table: &Table, name: &str) -> Result<usize, ReadError> {
    if table.columns_named(name).is_empty() {
        let unknown = table.header.iter().filter(|header| {
            !COLUMNS
                .iter()
                .any(|known| known.eq_ignore_ascii_case(header))
        });
        let hint = unknown
            .filter(|header| did_you_mean(header, [name]).is_some())
            .map(|header| format!(" ({header:?}: did you mean \"{name}\"?)"))
            .next()
            .unwrap_or_default();
        return Err(ReadError::Layout {
            file: file.to_string(),
            line: table.header_line,
            expected: format!(
                "a column named \"{name}\" (a trip log has the columns {})",
                COLUMNS.join(", ")
            ),
            found: format!("{}{hint}", table.header_list()),
        });
    }
    table.column(file, name)
}

fn trip(file: &str, table: &Table, row: &Row, columns: &Columns) -> Result<Trip, ReadError> {
    let id = |column: usize, what: &str| match row.get(column) {
        "" => Err(table.value_error(file, row, column, what)),
        id => Ok(id.to_string()),
    };
    let time = |column: usize| {
        parse_timestamp(row.get(column))
            .ok_or_else(|| table.value_error(file, row, column, TIME_EXPECTED))
    };
    let vehicle = id(columns.vehicle, "a vehicle identifier")?;
    let site = id(columns.site, "a site identifier")?;
    let departure = time(columns.departure)?;
    let arrival = time(columns.arrival)?;
    if arrival <= departure {
        return Err(table.value_error(
            file,
            row,
            columns.arrival,
            &format!("a time after the departure ({})", show_time(&departure)),
        ));
    }
    let energy_kwh = row
        .get(columns.energy)
        .parse::<f64>()
        .ok()
        .filter(|kwh| kwh.is_finite() && *kwh >= 0.0)
        .ok_or_else(|| table.value_error(file, row, columns.energy, ENERGY_EXPECTED))?;
    Ok(Trip {
        vehicle,
        site,
        departure,
        arrival,
        energy_kwh,
    })
}

/// No two trips of a vehicle overlap; the later one (by departure, then line) is at fault.
fn check_no_overlap(
    file: &str,
    table: &Table,
    columns: &Columns,
    trips: &[Trip],
) -> Result<(), ReadError> {
    let mut by_vehicle: HashMap<&str, Vec<(&Trip, &Row)>> = HashMap::new();
    for (trip, row) in trips.iter().zip(&table.rows) {
        by_vehicle
            .entry(trip.vehicle.as_str())
            .or_default()
            .push((trip, row));
    }
    let mut first_fault: Option<ReadError> = None;
    let mut fault_line = u64::MAX;
    for list in by_vehicle.values_mut() {
        list.sort_by_key(|(trip, row)| (trip.departure, row.line));
        for pair in list.windows(2) {
            if let [(earlier, earlier_row), (later, later_row)] = pair {
                if later.departure < earlier.arrival && later_row.line < fault_line {
                    fault_line = later_row.line;
                    first_fault = Some(table.value_error(
                        file,
                        later_row,
                        columns.departure,
                        &format!(
                            "a time at or after {}, when the trip of vehicle {:?} on line {} is back",
                            show_time(&earlier.arrival),
                            earlier.vehicle,
                            earlier_row.line
                        ),
                    ));
                }
            }
        }
    }
    match first_fault {
        Some(error) => Err(error),
        None => Ok(()),
    }
}
