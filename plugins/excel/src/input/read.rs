//! Reading a filled input workbook: every problem collected, nothing partial returned.

use std::collections::HashMap;
use std::io::Cursor;
use std::path::Path;

use calamine::{Data, Range, Reader, Xlsx};
use chrono::NaiveDateTime;
use serde_json::{Map, Value};
use voltlex_engine::tco::catalogue::Catalogue;

use super::cells::{self, format_number, is_blank, shown};
use super::layout::{
    cell_name, Field, Kind, ListColumn, Shape, Sheet, CHARGERS, DEFAULT_COLUMN, FINANCE, FIRST_ROW,
    FLEET, GOAL, HEADER_ROW, LISTS, MARKETS, MARKET_PRICES, OPTIONAL_SHEETS, QUICK, RISK_SHARING,
    SCENARIO, SHEETS, SUBSIDIES, TRIPS, VALUE_COLUMN,
};
use super::percent::PercentCells;
use super::{CellError, InputErrors, RiskSharingInput, StudyInput};

/// At most this many errors are listed for the SiteLoad sheet (a pasted year with a wrong
/// column would otherwise give 17,520 lines); the rest are counted.
const SITE_LOAD_ERRORS: usize = 20;

static EMPTY: Data = Data::Empty;

/// Reads the input workbook at `path` (see [`crate::input`] and `docs/excel.md`). Every
/// problem is reported at once, each at its cell; nothing is returned unless the whole
/// workbook is right.
///
/// ```
/// use voltlex_excel::input::{read_input, write_template, TemplateOptions};
/// let dir = std::env::temp_dir().join(format!("voltlex-read-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// let path = dir.join("input.xlsx");
/// // No tariff, vehicle or charger offered: the Quick defaults are missing, so the reader
/// // asks for them.
/// write_template(&path, &TemplateOptions::default(), None)?;
/// let errors = read_input(&path).unwrap_err();
/// assert!(errors.to_string().contains("Quick!B5: vehicle model is required"), "{errors}");
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn read_input(path: &Path) -> Result<StudyInput, InputErrors> {
    let bytes = std::fs::read(path).map_err(|e| {
        InputErrors(vec![CellError {
            sheet: String::new(),
            cell: String::new(),
            message: format!("cannot read {}: {e}", path.display()),
        }])
    })?;
    read_input_bytes(&bytes)
}

/// [`read_input`] for a workbook in memory.
///
/// ```
/// let errors = voltlex_excel::input::read_input_bytes(b"not a workbook").unwrap_err();
/// assert!(errors.to_string().starts_with("not an xlsx workbook"));
/// ```
pub fn read_input_bytes(bytes: &[u8]) -> Result<StudyInput, InputErrors> {
    let fatal = |message: String| {
        InputErrors(vec![CellError {
            sheet: String::new(),
            cell: String::new(),
            message,
        }])
    };
    let mut book =
        Xlsx::new(Cursor::new(bytes)).map_err(|e| fatal(format!("not an xlsx workbook: {e}")))?;
    let catalogue = Catalogue::builtin().map_err(|e| fatal(format!("the catalogue: {e}")))?;
    let mut reader = WorkbookReader {
        errors: Vec::new(),
        catalogue,
        percent: PercentCells::scan(bytes),
    };

    // Sheets: unknown ones, then missing ones.
    let names = book.sheet_names();
    let known: Vec<&str> = SHEETS.iter().map(|s| s.name).chain([LISTS]).collect();
    for name in &names {
        if !known.contains(&name.as_str()) {
            let hint = known
                .iter()
                .find(|k| k.eq_ignore_ascii_case(name))
                .map(|k| format!(" (did you mean {k}?)"))
                .unwrap_or_default();
            reader.error(
                name,
                0,
                0,
                format!(
                    "unknown sheet{hint}; the input workbook has the sheets {}",
                    known.join(", ")
                ),
            );
        }
    }
    let mut ranges: HashMap<&'static str, Range<Data>> = HashMap::new();
    for name in &known {
        if names.iter().any(|n| n == name) {
            match book.worksheet_range(name) {
                Ok(range) => {
                    ranges.insert(name, range);
                }
                Err(e) => reader.error(name, 0, 0, format!("cannot read the sheet: {e}")),
            }
        } else if !OPTIONAL_SHEETS.contains(name) {
            reader.error(
                name,
                0,
                0,
                "the sheet is missing (copy it from a new template: voltlex template)",
            );
        }
    }

    let empty = Range::empty();
    let range = |name: &str| ranges.get(name).unwrap_or(&empty);
    let present = |name: &str| ranges.contains_key(name);

    let mut key_values: HashMap<&'static str, KeyValues> = HashMap::new();
    let mut tables: HashMap<&'static str, TableRow> = HashMap::new();
    let mut site_load = None;
    let mut market_prices = None;
    for spec in SHEETS {
        if !present(spec.name) {
            continue;
        }
        match spec.shape {
            Shape::KeyValue => {
                key_values.insert(spec.name, reader.key_values(spec, range(spec.name)));
            }
            Shape::Table => {
                tables.insert(spec.name, reader.table(spec, range(spec.name)));
            }
            Shape::Series if spec.name == MARKET_PRICES => {
                market_prices = reader.series(spec, range(spec.name), "price", "JPY/kWh");
            }
            Shape::Series => site_load = reader.series(spec, range(spec.name), "load", "kW"),
        }
    }
    let tariffs = tariff_packages(range(LISTS));

    let mut study = Map::new();
    let mut defaults_used = Vec::new();
    let mut overlay = None;
    let sheets = Sheets {
        key_values: &key_values,
        tables: &tables,
        prices_pasted: market_prices.is_some(),
    };
    // The study is assembled only when every sheet is there: cross-sheet checks would only
    // repeat "missing" in other words.
    let required_present = SHEETS
        .iter()
        .filter(|s| !OPTIONAL_SHEETS.contains(&s.name))
        .all(|s| present(s.name));
    if required_present && present(LISTS) {
        overlay = reader.assemble(&sheets, &tariffs, &mut study, &mut defaults_used);
    }
    // The RiskSharing sheet stands on its own (a deal and a V2G study of their own).
    let risk_sharing = reader.risk_sharing(&sheets);

    // Sheet order (unknown sheets first), then row and column: the workbook read top-down.
    let order = |error: &CellError| {
        let sheet = known.iter().position(|k| *k == error.sheet);
        let (row, column) = cell_position(&error.cell);
        (sheet, row, column)
    };
    reader.errors.sort_by_key(order);
    if reader.errors.is_empty() {
        Ok(StudyInput {
            study: Value::Object(study),
            site_load,
            market_prices,
            defaults_used,
            catalogue_overlay: overlay,
            risk_sharing,
        })
    } else {
        Err(InputErrors(reader.errors))
    }
}

/// Where a value came from.
#[derive(Clone, Copy, Debug)]
struct Place {
    sheet: &'static str,
    row: u32,
    column: u32,
}

impl Place {
    fn name(&self) -> String {
        format!("{}!{}", self.sheet, cell_name(self.row, self.column))
    }
}

/// A key/value sheet read: each input's row, and the values given.
#[derive(Default)]
struct KeyValues {
    rows: HashMap<&'static str, u32>,
    values: HashMap<&'static str, Value>,
    /// Quick only: the Default column.
    defaults: HashMap<&'static str, Value>,
}

/// The one row of a table sheet read (Trips: its first row, the others in `more`).
#[derive(Default)]
struct TableRow {
    /// The row read (the first filled one, or the first input row when all are empty).
    row: u32,
    values: HashMap<&'static str, Value>,
    /// Trips only: the rows after the first (one per further vehicle group).
    more: Vec<TableRow>,
}

struct Sheets<'a> {
    key_values: &'a HashMap<&'static str, KeyValues>,
    tables: &'a HashMap<&'static str, TableRow>,
    /// Whether MarketPrices holds pasted prices.
    prices_pasted: bool,
}

impl Sheets<'_> {
    /// A value of a key/value sheet with its place (the place also when empty).
    fn kv(&self, sheet: &Sheet, id: &str) -> (Option<Value>, Option<Place>) {
        let Some(kv) = self.key_values.get(sheet.name) else {
            return (None, None);
        };
        let place = kv.rows.get(id).map(|row| Place {
            sheet: sheet.name,
            row: *row,
            column: u32::from(VALUE_COLUMN),
        });
        (kv.values.get(id).cloned(), place)
    }

    /// The Trips rows filled (one per vehicle group; at least 1).
    fn trip_groups(&self) -> usize {
        self.tables
            .get(TRIPS.name)
            .map_or(1, |table| 1 + table.more.len())
    }

    /// Every Trips row (the first and the others), for the vehicle groups.
    fn trip_rows(&self) -> Vec<&TableRow> {
        self.tables
            .get(TRIPS.name)
            .map(|table| std::iter::once(table).chain(&table.more).collect())
            .unwrap_or_default()
    }

    /// A value of a table sheet's row with its place.
    fn table(&self, sheet: &Sheet, id: &str) -> (Option<Value>, Option<Place>) {
        let Some(table) = self.tables.get(sheet.name) else {
            return (None, None);
        };
        let column = sheet.fields.iter().position(|f| f.id == id);
        let place = column
            .and_then(|c| u32::try_from(c).ok())
            .map(|column| Place {
                sheet: sheet.name,
                row: table.row,
                column,
            });
        (table.values.get(id).cloned(), place)
    }
}

struct WorkbookReader {
    errors: Vec<CellError>,
    catalogue: &'static Catalogue,
    /// Cells Excel shows as percentages (their numbers are fractions: 0.05 for 5 %).
    percent: PercentCells,
}

/// The field of `sheet` with `id` (ids are constants of the layout).
fn field_of(sheet: &Sheet, id: &str) -> Option<&'static Field> {
    SHEETS
        .iter()
        .find(|s| s.name == sheet.name)
        .and_then(|s| s.fields.iter().find(|f| f.id == id))
}

/// A value as the result shows it: `20 vehicles`, `Mitsubishi Minicab EV`.
fn display(value: &Value, unit: &str) -> String {
    let text = match value {
        Value::String(s) => s.clone(),
        Value::Number(n) => n
            .as_f64()
            .map(format_number)
            .unwrap_or_else(|| n.to_string()),
        other => other.to_string(),
    };
    if unit.is_empty() {
        text
    } else {
        format!("{text} {unit}")
    }
}

/// `a.b.c` ← value.
fn insert_path(map: &mut Map<String, Value>, path: &str, value: Value) {
    match path.split_once('.') {
        None => {
            map.insert(path.to_string(), value);
        }
        Some((head, rest)) => {
            let entry = map
                .entry(head.to_string())
                .or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(inner) = entry {
                insert_path(inner, rest, value);
            }
        }
    }
}

/// The Lists sheet's tariff → rules package pairs.
fn tariff_packages(range: &Range<Data>) -> Vec<(String, String)> {
    let Some((end, _)) = range.end() else {
        return Vec::new();
    };
    (1..=end)
        .filter_map(|row| {
            let tariff = range.get_value((row, 0))?;
            let package = range.get_value((row, 1))?;
            match (tariff, package) {
                (Data::String(t), Data::String(p)) => {
                    Some((t.trim().to_string(), p.trim().to_string()))
                }
                _ => None,
            }
        })
        .collect()
}

impl WorkbookReader {
    fn error(&mut self, sheet: &str, row: u32, column: u32, message: impl Into<String>) {
        self.errors.push(CellError {
            sheet: sheet.to_string(),
            cell: cell_name(row, column),
            message: message.into(),
        });
    }

    /// A cross-cell error at `place`, unless the cell already has one (a value that could not
    /// be read is not also "missing").
    /// Reads a cell as `field` asks; a percentage field's %-formatted number (Excel's 0.05
    /// for "5 %") is read as the percentage it shows (5).
    fn read_cell(
        &self,
        sheet: &str,
        row: u32,
        column: u32,
        field: &Field,
        data: &Data,
    ) -> Result<Option<Value>, String> {
        let percent_field = matches!(field.kind, Kind::PercentOrFile)
            || matches!(field.kind, Kind::Number { unit: "%", .. });
        if percent_field && self.percent.contains(sheet, row, column) {
            let shown = match data {
                Data::Float(fraction) => Some(fraction * 100.0),
                Data::Int(fraction) => Some(*fraction as f64 * 100.0),
                _ => None,
            };
            if let Some(shown) = shown {
                // 5 % is stored as 0.05000000000000000277: keep the digits a person typed.
                let rounded = (shown * 1e9).round() / 1e9;
                return cells::read(field, &Data::Float(rounded));
            }
        }
        cells::read(field, data)
    }

    fn error_at(&mut self, place: Place, message: impl Into<String>) {
        let cell = cell_name(place.row, place.column);
        if !self
            .errors
            .iter()
            .any(|e| e.sheet == place.sheet && e.cell == cell)
        {
            self.error(place.sheet, place.row, place.column, message);
        }
    }

    fn key_values(&mut self, spec: &Sheet, range: &Range<Data>) -> KeyValues {
        let mut read = KeyValues::default();
        let cell =
            |row: u32, column: u16| range.get_value((row, u32::from(column))).unwrap_or(&EMPTY);
        let end = range.end().map_or(0, |(row, _)| row + 1);
        let quick = spec.name == QUICK.name;
        for row in FIRST_ROW..end {
            let label = cell(row, 0);
            let value = cell(row, VALUE_COLUMN);
            if is_blank(label) {
                if !is_blank(value) {
                    self.error(
                        spec.name,
                        row,
                        u32::from(VALUE_COLUMN),
                        format!(
                            "a value without an input name in column A, found {}",
                            shown(value)
                        ),
                    );
                }
                continue;
            }
            let field = match label {
                Data::String(text) => spec
                    .fields
                    .iter()
                    .find(|f| f.label.eq_ignore_ascii_case(text.trim())),
                _ => None,
            };
            let Some(field) = field else {
                let inputs: Vec<&str> = spec
                    .fields
                    .iter()
                    .filter(|f| !matches!(f.kind, Kind::Section))
                    .map(|f| f.label)
                    .collect();
                self.error(
                    spec.name,
                    row,
                    0,
                    format!(
                        "unknown input {}; this sheet's inputs are {}",
                        shown(label),
                        inputs.join(", ")
                    ),
                );
                continue;
            };
            if let Some(first) = read.rows.get(field.id) {
                self.error(
                    spec.name,
                    row,
                    0,
                    format!(
                        "the input \"{}\" is given twice (first on row {})",
                        field.label,
                        first + 1
                    ),
                );
                continue;
            }
            read.rows.insert(field.id, row);
            match self.read_cell(spec.name, row, u32::from(VALUE_COLUMN), field, value) {
                Ok(Some(v)) => {
                    read.values.insert(field.id, v);
                }
                Ok(None) => {}
                Err(message) => self.error(spec.name, row, u32::from(VALUE_COLUMN), message),
            }
            if quick {
                let default = cell(row, DEFAULT_COLUMN);
                let placeholder = matches!(default, Data::String(t) if t.trim() == "(required)");
                if !placeholder {
                    match self.read_cell(spec.name, row, u32::from(DEFAULT_COLUMN), field, default)
                    {
                        Ok(Some(v)) => {
                            read.defaults.insert(field.id, v);
                        }
                        Ok(None) => {}
                        Err(message) => self.error(
                            spec.name,
                            row,
                            u32::from(DEFAULT_COLUMN),
                            format!("default {message}"),
                        ),
                    }
                }
            }
        }
        for field in spec.fields {
            if !matches!(field.kind, Kind::Section) && !read.rows.contains_key(field.id) {
                self.error(
                    spec.name,
                    HEADER_ROW,
                    0,
                    format!(
                        "the input \"{}\" is missing (a row with \"{}\" in column A); copy it from a new template",
                        field.label, field.label
                    ),
                );
            }
        }
        read
    }

    /// Checks a table's (or the site load's) header row: columns are read by position.
    fn check_headers(&mut self, spec: &Sheet, range: &Range<Data>) {
        for (column, field) in (0u32..).zip(spec.fields) {
            let found = range.get_value((HEADER_ROW, column)).unwrap_or(&EMPTY);
            let matches =
                matches!(found, Data::String(t) if t.trim().eq_ignore_ascii_case(&field.header()));
            if !matches {
                self.error(
                    spec.name,
                    HEADER_ROW,
                    column,
                    format!(
                        "the column header must be \"{}\" (columns are read by position), found {}",
                        field.header(),
                        shown(found)
                    ),
                );
            }
        }
    }

    fn table(&mut self, spec: &Sheet, range: &Range<Data>) -> TableRow {
        self.check_headers(spec, range);
        let width = u32::try_from(spec.fields.len()).unwrap_or(u32::MAX);
        let end = range.end().map_or(0, |(row, _)| row + 1);
        let filled =
            |row: u32| (0..width).any(|c| !is_blank(range.get_value((row, c)).unwrap_or(&EMPTY)));
        let mut read = TableRow {
            row: FIRST_ROW,
            ..TableRow::default()
        };
        // Trips holds one row per vehicle group; the other tables one row per study.
        let many = spec.name == TRIPS.name;
        let mut first = None;
        for row in FIRST_ROW..end {
            if !filled(row) {
                continue;
            }
            if many && first.is_some() {
                let mut group = TableRow {
                    row,
                    ..TableRow::default()
                };
                for (column, field) in (0u32..).zip(spec.fields) {
                    let data = range.get_value((row, column)).unwrap_or(&EMPTY);
                    match self.read_cell(spec.name, row, column, field, data) {
                        Ok(Some(v)) => {
                            group.values.insert(field.id, v);
                        }
                        Ok(None) => {}
                        Err(message) => self.error(spec.name, row, column, message),
                    }
                }
                read.more.push(group);
                continue;
            }
            if let Some(first) = first {
                let what = if spec.name == FLEET.name {
                    "one vehicle group per study"
                } else {
                    "one row per study (for the one vehicle group)"
                };
                self.error(
                    spec.name,
                    row,
                    0,
                    format!(
                        "{what}: row {} is the study's, this row is a second one; delete it or make a second workbook",
                        first + 1
                    ),
                );
                continue;
            }
            first = Some(row);
            read.row = row;
            for (column, field) in (0u32..).zip(spec.fields) {
                let data = range.get_value((row, column)).unwrap_or(&EMPTY);
                match self.read_cell(spec.name, row, column, field, data) {
                    Ok(Some(v)) => {
                        read.values.insert(field.id, v);
                    }
                    Ok(None) => {}
                    Err(message) => self.error(spec.name, row, column, message),
                }
            }
        }
        read
    }

    /// A pasted series (SiteLoad, MarketPrices): interval starts and values from row 4 down;
    /// `what` and `unit` name the value in messages.
    fn series(
        &mut self,
        spec: &Sheet,
        range: &Range<Data>,
        what: &str,
        unit: &str,
    ) -> Option<Vec<(NaiveDateTime, f64)>> {
        self.check_headers(spec, range);
        let kw_field = spec.fields.get(1)?;
        let end = range.end().map_or(0, |(row, _)| row + 1);
        let mut load = Vec::new();
        let mut problems = 0usize;
        let mut report = |reader: &mut Self, row: u32, column: u32, message: String| {
            problems += 1;
            if problems <= SITE_LOAD_ERRORS {
                reader.error(spec.name, row, column, message);
            }
        };
        let mut previous: Option<NaiveDateTime> = None;
        for row in FIRST_ROW..end {
            let start = range.get_value((row, 0)).unwrap_or(&EMPTY);
            let kw = range.get_value((row, 1)).unwrap_or(&EMPTY);
            if is_blank(start) && is_blank(kw) {
                continue;
            }
            let at = match cells::read_datetime("interval start", start) {
                Ok(at) => Some(at),
                Err(message) => {
                    report(self, row, 0, message);
                    None
                }
            };
            let value = match cells::read(kw_field, kw) {
                Ok(Some(v)) => v.as_f64(),
                Ok(None) => {
                    report(
                        self,
                        row,
                        1,
                        format!("{what} must be a number of {unit}, found an empty cell"),
                    );
                    None
                }
                Err(message) => {
                    report(self, row, 1, message);
                    None
                }
            };
            if let (Some(at), Some(before)) = (at, previous) {
                if at <= before {
                    report(
                        self,
                        row,
                        0,
                        format!(
                            "interval starts must increase: this one ({}) is not after the row above's ({})",
                            at.format("%Y-%m-%d %H:%M"),
                            before.format("%Y-%m-%d %H:%M")
                        ),
                    );
                }
            }
            if at.is_some() {
                previous = at;
            }
            if let (Some(at), Some(kw)) = (at, value) {
                load.push((at, kw));
            }
        }
        if problems > SITE_LOAD_ERRORS {
            self.error(
                spec.name,
                HEADER_ROW,
                0,
                format!(
                    "{} more problems in this sheet are not listed",
                    problems - SITE_LOAD_ERRORS
                ),
            );
        }
        (!load.is_empty()).then_some(load)
    }

    /// The value of a detailed cell, else the Quick value, else the Quick default (recorded);
    /// an error at the Quick value's cell when all are empty.
    fn resolve(
        &mut self,
        sheets: &Sheets,
        quick_id: &str,
        detailed: (Option<Value>, Option<Place>),
        defaults_used: &mut Vec<(String, String)>,
    ) -> Option<(Value, Place)> {
        if let (Some(value), Some(place)) = detailed {
            return Some((value, place));
        }
        let (value, place) = sheets.kv(&QUICK, quick_id);
        let place = place?;
        if let Some(value) = value {
            return Some((value, place));
        }
        let quick = sheets.key_values.get(QUICK.name)?;
        let field = field_of(&QUICK, quick_id)?;
        if let Some(default) = quick.defaults.get(quick_id) {
            defaults_used.push((field.label.to_string(), display(default, field.unit)));
            return Some((
                default.clone(),
                Place {
                    column: u32::from(DEFAULT_COLUMN),
                    ..place
                },
            ));
        }
        let elsewhere = detailed
            .1
            .map(|p| format!(" and {} are", p.name()))
            .unwrap_or_else(|| " is".into());
        self.error_at(
            place,
            format!(
                "{} is required: this cell, its Default{elsewhere} empty",
                field.what
            ),
        );
        None
    }

    /// Checks a catalogue name and returns the catalogue's spelling.
    fn catalogue_name(
        &mut self,
        list: ListColumn,
        value: &Value,
        place: Place,
        what: &str,
    ) -> Option<String> {
        let name = value.as_str()?;
        let names: Vec<&str> = match list {
            ListColumn::Vehicle => self
                .catalogue
                .vehicles
                .iter()
                .map(|v| v.name.as_str())
                .collect(),
            ListColumn::Charger => self
                .catalogue
                .chargers
                .iter()
                .map(|c| c.name.as_str())
                .collect(),
            ListColumn::Ice => self.catalogue.ice.iter().map(|i| i.name.as_str()).collect(),
            _ => return Some(name.to_string()),
        };
        let kind = match list {
            ListColumn::Vehicle => "a vehicle model",
            ListColumn::Charger => "a charger model",
            _ => "an ICE comparator",
        };
        match names.iter().find(|n| n.eq_ignore_ascii_case(name)) {
            Some(found) => Some(found.to_string()),
            None => {
                self.error_at(
                    place,
                    format!("{what} must be {kind} of the catalogue (see the drop-down), found \"{name}\""),
                );
                None
            }
        }
    }

    /// Builds the study JSON; returns the catalogue overlay, if any.
    fn assemble(
        &mut self,
        sheets: &Sheets,
        tariffs: &[(String, String)],
        study: &mut Map<String, Value>,
        defaults_used: &mut Vec<(String, String)>,
    ) -> Option<String> {
        // Direct keys: every field whose id is a JSON path.
        for spec in SHEETS {
            for field in spec.fields {
                // Several Trips rows become `fleet.groups` (fleet()), not the fleet's fields.
                let grouped = spec.name == TRIPS.name && sheets.trip_groups() > 1;
                let direct = !(field.id.starts_with("quick.")
                    || field.id.starts_with("x.")
                    || field.id.starts_with("fleet-override.")
                    || grouped);
                if !direct {
                    continue;
                }
                let (value, _) = match spec.shape {
                    Shape::KeyValue => sheets.kv(spec, field.id),
                    Shape::Table => sheets.table(spec, field.id),
                    Shape::Series => (None, None),
                };
                if let Some(value) = value {
                    insert_path(study, field.id, value);
                }
            }
        }

        self.site(sheets, tariffs, study, defaults_used);
        let vehicle = self.fleet(sheets, study, defaults_used);
        self.chargers(sheets, study, defaults_used);
        self.finance(sheets, study, defaults_used);
        self.subsidies(sheets, study);
        self.markets(sheets, study, defaults_used);
        self.goal(sheets, study);
        vehicle.and_then(|name| self.overlay(sheets, &name))
    }

    fn site(
        &mut self,
        sheets: &Sheets,
        tariffs: &[(String, String)],
        study: &mut Map<String, Value>,
        defaults_used: &mut Vec<(String, String)>,
    ) {
        let tariff = self.resolve(
            sheets,
            "quick.tariff",
            sheets.kv(&SCENARIO, "site.tariff"),
            defaults_used,
        );
        let (rules, _) = sheets.kv(&SCENARIO, "site.rules");
        if let Some((tariff, place)) = &tariff {
            insert_path(study, "site.tariff", tariff.clone());
            if rules.is_none() {
                let name = tariff.as_str().unwrap_or_default();
                match tariffs.iter().find(|(t, _)| t.eq_ignore_ascii_case(name)) {
                    Some((t, package)) => {
                        insert_path(study, "site.tariff", Value::from(t.as_str()));
                        insert_path(study, "site.rules", Value::from(package.as_str()));
                    }
                    None => self.error_at(
                        *place,
                        format!(
                            "tariff plan must be a tariff of the drop-down list when Scenario › Rules package is empty, found \"{name}\""
                        ),
                    ),
                }
            }
        }
        if let Some((cap, _)) = self.resolve(
            sheets,
            "quick.import_cap",
            sheets.kv(&SCENARIO, "site.import_cap_kw"),
            defaults_used,
        ) {
            insert_path(study, "site.import_cap_kw", cap);
        }
        if let (Some(Value::String(text)), Some(place)) = sheets.kv(&SCENARIO, "site.indices") {
            let mut indices = Map::new();
            for pair in text.split(';').map(str::trim).filter(|p| !p.is_empty()) {
                match pair.split_once('=') {
                    Some((name, file)) if !name.trim().is_empty() && !file.trim().is_empty() => {
                        indices.insert(name.trim().to_string(), Value::from(file.trim()));
                    }
                    _ => self.error_at(
                        place,
                        format!("index files must be name=file pairs separated by ';', found \"{pair}\""),
                    ),
                }
            }
            insert_path(study, "site.indices", Value::Object(indices));
        }
    }

    /// The fleet; returns the vehicle model's catalogue name.
    fn fleet(
        &mut self,
        sheets: &Sheets,
        study: &mut Map<String, Value>,
        defaults_used: &mut Vec<(String, String)>,
    ) -> Option<String> {
        let vehicle = self
            .resolve(
                sheets,
                "quick.vehicle",
                sheets.table(&FLEET, "fleet.vehicle"),
                defaults_used,
            )
            .and_then(|(value, place)| {
                self.catalogue_name(ListColumn::Vehicle, &value, place, "vehicle model")
            });
        if let Some(name) = &vehicle {
            insert_path(study, "fleet.vehicle", Value::from(name.as_str()));
        }
        let size = self.resolve(
            sheets,
            "quick.size",
            sheets.table(&FLEET, "fleet.size"),
            defaults_used,
        );
        if let Some((size, _)) = &size {
            insert_path(study, "fleet.size", size.clone());
        }
        if let (Some(electric), Some(place), Some((size, _))) = (
            sheets.table(&FLEET, "fleet.electric").0,
            sheets.table(&FLEET, "fleet.electric").1,
            &size,
        ) {
            if electric.as_f64() > size.as_f64() {
                self.error_at(
                    place,
                    format!(
                        "number of electric vehicles must be at most the fleet size ({}), found {}",
                        display(size, ""),
                        display(&electric, "")
                    ),
                );
            }
        }
        if let (Some(ice), Some(place)) = sheets.table(&FLEET, "fleet.ice") {
            if let Some(name) = self.catalogue_name(ListColumn::Ice, &ice, place, "ICE comparator")
            {
                insert_path(study, "fleet.ice", Value::from(name));
            }
        }
        if sheets.trip_groups() > 1 {
            self.trip_groups(
                sheets,
                study,
                size.as_ref().map(|(size, _)| size),
                defaults_used,
            );
            return vehicle;
        }
        // Trips › Energy replaces the distance (and Quick's); both on Trips is ambiguous.
        let distance = sheets.table(&TRIPS, "fleet.km_per_day");
        match (sheets.table(&TRIPS, "fleet.kwh_per_day"), &distance) {
            ((Some(_), Some(place)), (Some(_), Some(_))) => self.error_at(
                place,
                "give the distance or the energy per day, not both (the other cell on this row is filled)",
            ),
            ((Some(kwh), Some(_)), _) => insert_path(study, "fleet.kwh_per_day", kwh),
            _ => {
                if let Some((km, _)) = self.resolve(sheets, "quick.km", distance, defaults_used) {
                    insert_path(study, "fleet.km_per_day", km);
                }
            }
        }
        if let (Some(vehicles), Some(place), Some((size, _))) = (
            sheets.table(&TRIPS, "x.trips.vehicles").0,
            sheets.table(&TRIPS, "x.trips.vehicles").1,
            &size,
        ) {
            if vehicles.as_f64() != size.as_f64() {
                self.error_at(
                    place,
                    format!(
                        "one Trips row is the whole fleet of {} vehicles, found {}; add a row per vehicle group or leave this cell empty",
                        display(size, ""),
                        display(&vehicles, "")
                    ),
                );
            }
        }
        if let (Some(booked), _) = sheets.table(&TRIPS, "x.trips.booked") {
            insert_path(
                study,
                "fleet.booked",
                Value::Bool(booked.as_str() == Some("yes")),
            );
        }
        vehicle
    }

    /// Several Trips rows: `fleet.groups`, one per row, each with its own routine; the
    /// rows' vehicles must add up to the fleet.
    fn trip_groups(
        &mut self,
        sheets: &Sheets,
        study: &mut Map<String, Value>,
        size: Option<&Value>,
        defaults_used: &mut Vec<(String, String)>,
    ) {
        let column = |id: &str| {
            TRIPS
                .fields
                .iter()
                .position(|f| f.id == id)
                .and_then(|c| u32::try_from(c).ok())
                .unwrap_or(0)
        };
        let place = |row: u32, id: &str| Place {
            sheet: TRIPS.name,
            row,
            column: column(id),
        };
        let mut groups = Vec::new();
        let mut total = 0.0;
        let mut needs_quick_distance = false;
        let rows = sheets.trip_rows();
        for (index, row) in rows.iter().enumerate() {
            let mut group = Map::new();
            let name = row
                .values
                .get("x.trips.group")
                .cloned()
                .unwrap_or_else(|| Value::from(format!("group {}", index + 1)));
            group.insert("name".into(), name);
            match row.values.get("x.trips.vehicles") {
                Some(vehicles) => {
                    total += vehicles.as_f64().unwrap_or(0.0);
                    group.insert("vehicles".into(), vehicles.clone());
                }
                None => self.error_at(
                    place(row.row, "x.trips.vehicles"),
                    "number of vehicles in the group is required when Trips has several rows (one per vehicle group)",
                ),
            }
            let km = row.values.get("fleet.km_per_day");
            let kwh = row.values.get("fleet.kwh_per_day");
            if km.is_some() && kwh.is_some() {
                self.error_at(
                    place(row.row, "fleet.kwh_per_day"),
                    "give the distance or the energy per day, not both (the other cell on this row is filled)",
                );
            }
            if km.is_none() && kwh.is_none() {
                needs_quick_distance = true;
            }
            for field in TRIPS.fields {
                if let (Some(key), Some(value)) =
                    (field.id.strip_prefix("fleet."), row.values.get(field.id))
                {
                    group.insert(key.into(), value.clone());
                }
            }
            if let Some(booked) = row.values.get("x.trips.booked") {
                group.insert("booked".into(), Value::Bool(booked.as_str() == Some("yes")));
            }
            groups.push(Value::Object(group));
        }
        if let (Some(size), Some(last)) = (size.and_then(Value::as_f64), rows.last()) {
            if total != size
                && rows
                    .iter()
                    .all(|r| r.values.contains_key("x.trips.vehicles"))
            {
                self.error_at(
                    place(last.row, "x.trips.vehicles"),
                    format!(
                        "the groups' vehicles add up to {}, but the fleet has {} (Fleet › Vehicles or Quick › Fleet size)",
                        format_number(total),
                        format_number(size)
                    ),
                );
            }
        }
        // Rows without a distance or an energy take Quick's distance (the groups' common one).
        if needs_quick_distance {
            if let Some((km, _)) = self.resolve(sheets, "quick.km", (None, None), defaults_used) {
                insert_path(study, "fleet.km_per_day", km);
            }
        }
        insert_path(study, "fleet.groups", Value::Array(groups));
    }

    fn chargers(
        &mut self,
        sheets: &Sheets,
        study: &mut Map<String, Value>,
        defaults_used: &mut Vec<(String, String)>,
    ) {
        let model = self
            .resolve(
                sheets,
                "quick.charger",
                sheets.table(&CHARGERS, "chargers.model"),
                defaults_used,
            )
            .and_then(|(value, place)| {
                self.catalogue_name(ListColumn::Charger, &value, place, "charger model")
            });
        if let Some(name) = model {
            insert_path(study, "chargers.model", Value::from(name));
        }
    }

    fn finance(
        &mut self,
        sheets: &Sheets,
        study: &mut Map<String, Value>,
        defaults_used: &mut Vec<(String, String)>,
    ) {
        for (quick, id) in [
            ("quick.horizon", "finance.horizon_years"),
            ("quick.fuel", "finance.fuel_price_per_litre"),
            ("quick.battery", "finance.battery_replacement_per_kwh"),
        ] {
            if let Some((value, _)) =
                self.resolve(sheets, quick, sheets.kv(&FINANCE, id), defaults_used)
            {
                insert_path(study, id, value);
            }
        }
        let (financing, _) = sheets.kv(&FINANCE, "x.financing");
        let financing = financing
            .as_ref()
            .and_then(Value::as_str)
            .map(str::to_string);
        let chosen = financing.clone().unwrap_or_else(|| "cash".into());
        let loan_ids = ["x.loan_financed_pct", "x.loan_rate_pct", "x.loan_years"];
        let lease_id = "x.lease_per_vehicle_per_year";
        let shown_choice = financing.clone().unwrap_or_else(|| "empty (cash)".into());
        // Rows of the other kinds of financing must be empty: a figure there would be ignored.
        let others: Vec<&str> = match chosen.as_str() {
            "loan" => vec![lease_id],
            "lease" => loan_ids.to_vec(),
            _ => loan_ids.iter().copied().chain([lease_id]).collect(),
        };
        for id in others {
            if let (Some(_), Some(place), Some(field)) = (
                sheets.kv(&FINANCE, id).0,
                sheets.kv(&FINANCE, id).1,
                field_of(&FINANCE, id),
            ) {
                self.error_at(
                    place,
                    format!("{} is given but Financing is {shown_choice}", field.what),
                );
            }
        }
        let required = |reader: &mut Self, id: &str| -> Option<Value> {
            let (value, place) = sheets.kv(&FINANCE, id);
            if value.is_none() {
                if let (Some(place), Some(field)) = (place, field_of(&FINANCE, id)) {
                    reader.error_at(
                        place,
                        format!("{} is required when Financing is {chosen}", field.what),
                    );
                }
            }
            value
        };
        let value = match chosen.as_str() {
            "loan" => {
                let pct = required(self, "x.loan_financed_pct");
                let rate = required(self, "x.loan_rate_pct");
                let years = required(self, "x.loan_years");
                match (pct, rate, years) {
                    (Some(pct), Some(rate), Some(years)) => Some(serde_json::json!({
                        "loan": { "financed_pct": pct, "rate_pct": rate, "years": years }
                    })),
                    _ => None,
                }
            }
            "lease" => required(self, lease_id)
                .map(|price| serde_json::json!({ "lease": { "per_vehicle_per_year": price } })),
            _ => financing.is_some().then(|| Value::from("cash")),
        };
        if let Some(value) = value {
            insert_path(study, "finance.financing", value);
        }
    }

    fn subsidies(&mut self, sheets: &Sheets, study: &mut Map<String, Value>) {
        let (package, package_place) = sheets.kv(&SUBSIDIES, "x.subsidy_package");
        let (date, date_place) = sheets.kv(&SUBSIDIES, "x.subsidy_date");
        let (apply, _) = sheets.kv(&SUBSIDIES, "x.subsidy_apply");
        if apply.as_ref().and_then(Value::as_str) == Some("no") {
            return;
        }
        match (package, date) {
            (Some(package), Some(date)) => {
                insert_path(study, "subsidies.rules", package);
                insert_path(study, "subsidies.date", date);
            }
            (Some(_), None) => {
                if let Some(place) = date_place {
                    self.error_at(place, "application date is required with a subsidy package (budget windows depend on it)");
                }
            }
            (None, Some(_)) => {
                if let Some(place) = package_place {
                    self.error_at(
                        place,
                        "subsidy package is required when an application date is given",
                    );
                }
            }
            (None, None) => {
                if apply.is_some() {
                    if let Some(place) = package_place {
                        self.error_at(place, "subsidy package is required when Apply is yes");
                    }
                }
            }
        }
    }

    /// Requires `needed` (ids of Markets) when `given` has a value.
    fn needs(&mut self, sheets: &Sheets, given: &str, needed: &[&str]) -> bool {
        let mut complete = true;
        for id in needed {
            let (value, place) = sheets.kv(&MARKETS, id);
            if value.is_none() {
                complete = false;
                if let (Some(place), Some(field), Some(given)) =
                    (place, field_of(&MARKETS, id), field_of(&MARKETS, given))
                {
                    self.error_at(
                        place,
                        format!("{} is required with a {}", field.what, given.what),
                    );
                }
            }
        }
        complete
    }

    fn markets(
        &mut self,
        sheets: &Sheets,
        study: &mut Map<String, Value>,
        defaults_used: &mut Vec<(String, String)>,
    ) {
        // The direct pass wrote v2g.*, pv.*, storage.* as given; rebuild them here.
        study.remove("v2g");
        study.remove("pv");
        study.remove("storage");
        let (v2g, _) = sheets.kv(&MARKETS, "x.v2g");
        if v2g.as_ref().and_then(Value::as_str) == Some("yes") {
            let (file, file_place) = sheets.kv(&MARKETS, "x.spot_file");
            let (area, area_place) = sheets.kv(&MARKETS, "x.spot_area");
            match (&file, sheets.prices_pasted, file_place) {
                (None, false, Some(place)) => self.error_at(
                    place,
                    "JEPX spot file (or prices pasted on MarketPrices) is required when V2G is yes",
                ),
                (Some(_), true, Some(place)) => self.error_at(
                    place,
                    "give a JEPX spot file or prices pasted on MarketPrices, not both",
                ),
                _ => {}
            }
            // Pasted prices: the CLI writes them as a CSV and sets spot.file.
            let file = file.or_else(|| sheets.prices_pasted.then_some(Value::Null));
            if area.is_none() {
                if let Some(place) = area_place {
                    self.error_at(place, "JEPX area is required when V2G is yes");
                }
            }
            if let (Some(file), Some(area)) = (file, area) {
                let mut section = Map::new();
                let mut spot = Map::new();
                if !file.is_null() {
                    spot.insert("file".into(), file);
                }
                spot.insert("area".into(), area);
                section.insert("spot".into(), Value::Object(spot));
                let cap = match sheets.kv(&MARKETS, "v2g.export_cap_kw").0 {
                    Some(cap) => cap,
                    None => {
                        defaults_used.push(("Export cap".into(), "0 kW (V2B only)".into()));
                        Value::from(0)
                    }
                };
                section.insert("export_cap_kw".into(), cap);
                for (id, key) in [
                    ("v2g.aggregator_share_pct", "aggregator_share_pct"),
                    ("v2g.fee_per_vehicle_month", "fee_per_vehicle_month"),
                    ("v2g.minimum_soc_pct", "minimum_soc_pct"),
                ] {
                    if let Some(value) = sheets.kv(&MARKETS, id).0 {
                        section.insert(key.into(), value);
                    }
                }
                study.insert("v2g".into(), Value::Object(section));
            }
        }
        self.asset(
            sheets,
            study,
            "pv",
            "pv.kwp",
            &["pv.price_per_kwp"],
            &["pv.tilt_deg"],
        );
        self.asset(
            sheets,
            study,
            "storage",
            "storage.kwh",
            &["storage.kw", "storage.price"],
            &[],
        );
    }

    /// PV or storage: the size with what it requires, or nothing (and nothing else given).
    fn asset(
        &mut self,
        sheets: &Sheets,
        study: &mut Map<String, Value>,
        key: &str,
        size: &str,
        required: &[&str],
        optional: &[&str],
    ) {
        if sheets.kv(&MARKETS, size).0.is_some() {
            if self.needs(sheets, size, required) {
                let mut section = Map::new();
                for id in [size].iter().chain(required).chain(optional) {
                    if let Some(value) = sheets.kv(&MARKETS, id).0 {
                        let name = id.split_once('.').map_or(*id, |(_, n)| n);
                        section.insert(name.into(), value);
                    }
                }
                study.insert(key.into(), Value::Object(section));
            }
            return;
        }
        for id in required.iter().chain(optional) {
            if let (Some(_), Some(place), Some(field), Some(size_field)) = (
                sheets.kv(&MARKETS, id).0,
                sheets.kv(&MARKETS, id).1,
                field_of(&MARKETS, id),
                field_of(&MARKETS, size),
            ) {
                self.error_at(
                    place,
                    format!(
                        "{} is given without a {} (Markets › {})",
                        field.what, size_field.what, size_field.label
                    ),
                );
            }
        }
    }

    fn goal(&mut self, sheets: &Sheets, study: &mut Map<String, Value>) {
        // Charger names and yes/no options are rewritten; lists needing a site asset checked.
        if let (Some(Value::Array(names)), Some(place)) =
            sheets.kv(&GOAL, "goal_seek.space.charger")
        {
            let mut checked = Vec::new();
            for name in &names {
                if let Some(found) =
                    self.catalogue_name(ListColumn::Charger, name, place, "charger models")
                {
                    checked.push(Value::from(found));
                }
            }
            insert_path(study, "goal_seek.space.charger", Value::Array(checked));
        }
        if let Some(Value::Array(options)) = sheets.kv(&GOAL, "goal_seek.space.v2g").0 {
            let flags = options
                .iter()
                .map(|o| Value::Bool(o.as_str() == Some("yes")))
                .collect();
            insert_path(study, "goal_seek.space.v2g", Value::Array(flags));
        }
        for (list, needs, what) in [
            ("goal_seek.space.pv_kwp", "pv", "a PV price on Markets"),
            (
                "goal_seek.space.storage_kwh",
                "storage",
                "storage power and price on Markets",
            ),
        ] {
            if let (Some(_), Some(place)) = sheets.kv(&GOAL, list) {
                let has_terms = match needs {
                    "pv" => sheets.kv(&MARKETS, "pv.price_per_kwp").0.is_some(),
                    _ => {
                        sheets.kv(&MARKETS, "storage.kw").0.is_some()
                            && sheets.kv(&MARKETS, "storage.price").0.is_some()
                    }
                };
                if !has_terms {
                    let field = field_of(&GOAL, list).map_or("sizes", |f| f.what);
                    self.error_at(place, format!("{field} need {what}"));
                }
            }
        }
    }

    /// The RiskSharing sheet: `None` when it is absent or names no contract rules; the other
    /// rows need contract rules, and contract rules need a V2G study.
    fn risk_sharing(&mut self, sheets: &Sheets) -> Option<RiskSharingInput> {
        let text = |id: &str| match sheets.kv(&RISK_SHARING, id) {
            (Some(Value::String(text)), place) => (Some(text), place),
            (_, place) => (None, place),
        };
        let whole = |id: &str| sheets.kv(&RISK_SHARING, id).0.and_then(|v| v.as_u64());
        let (contract, contract_place) = text("x.risk.contract");
        let (study, study_place) = text("x.risk.study");
        let Some(contract) = contract else {
            // Another row filled without a contract would be silently ignored: say so.
            for field in RISK_SHARING.fields.iter().skip(1) {
                if let (Some(_), Some(place)) = sheets.kv(&RISK_SHARING, field.id) {
                    self.error_at(
                        place,
                        format!(
                            "{} is given without contract rules (RiskSharing › Contract rules); fill the contract or clear this cell",
                            field.what
                        ),
                    );
                }
            }
            return None;
        };
        let contract_place = contract_place?;
        let Some(study) = study else {
            if let Some(place) = study_place {
                self.error_at(
                    place,
                    "V2G study file is required with contract rules: a scenario JSON with v2g and v2g.risk sections",
                );
            }
            return None;
        };
        let study_place = study_place?;
        let (deal, _) = text("x.risk.deal");
        Some(RiskSharingInput {
            contract,
            contract_cell: contract_place.name(),
            deal,
            study,
            study_cell: study_place.name(),
            scenarios: whole("x.risk.scenarios").and_then(|n| usize::try_from(n).ok()),
            seed: whole("x.risk.seed"),
            months: whole("x.risk.months").and_then(|n| usize::try_from(n).ok()),
        })
    }

    /// The catalogue overlay of the Fleet sheet's overrides, checked by the catalogue reader.
    fn overlay(&mut self, sheets: &Sheets, name: &str) -> Option<String> {
        let overrides: Vec<(&str, Value, Place)> = FLEET
            .fields
            .iter()
            .filter_map(|f| {
                let key = f.id.strip_prefix("fleet-override.")?;
                match sheets.table(&FLEET, f.id) {
                    (Some(value), Some(place)) => Some((key, value, place)),
                    _ => None,
                }
            })
            .collect();
        let first_place = overrides.first().map(|(_, _, p)| *p)?;
        let model = self
            .catalogue
            .vehicles
            .iter()
            .find(|v| v.name == name)?
            .clone();
        let get = |key: &str| {
            overrides
                .iter()
                .find(|(k, _, _)| *k == key)
                .map(|(_, v, _)| v.clone())
        };
        let number =
            |key: &str, catalogue: f64| get(key).and_then(|v| v.as_f64()).unwrap_or(catalogue);
        let quote = |text: &str| serde_json::to_string(text).unwrap_or_default();
        let price = get("list_price")
            .and_then(|v| v.as_f64())
            .map(format_number)
            .unwrap_or_else(|| model.list_price.to_string());
        let chemistry = get("chemistry")
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or(model.chemistry.clone());
        let changed: Vec<String> = overrides
            .iter()
            .map(|(key, _, place)| format!("{key} from the input workbook ({})", place.name()))
            .collect();
        let mut sources = String::new();
        for (index, source) in model.sources.iter().enumerate() {
            let note = if index == 0 {
                format!("{}; {}", changed.join(", "), source.note)
            } else {
                source.note.clone()
            };
            sources += &format!(
                "{{ url = {}, note = {} }}, ",
                quote(&source.url),
                quote(&note)
            );
        }
        let text = format!(
            "# Written by voltlex from the input workbook's Fleet sheet: the catalogue's entry\n\
             # with the workbook's figures.\n\
             [[vehicle]]\nname = {}\nmaker = {}\nclass = {}\npowertrain = {}\n\
             battery_kwh = {}\nchemistry = {}\nkwh_per_km = {}\nmax_ac_kw = {}\nmax_dc_kw = {}\n\
             v2h = {}\nv2g = {}\nlist_price = {}\ngross_weight_t = {}\nsources = [{}]\n",
            quote(&model.name),
            quote(&model.maker),
            quote(&model.class),
            quote(&model.powertrain),
            toml_float(number("battery_kwh", model.battery_kwh)),
            quote(&chemistry),
            toml_float(number("kwh_per_km", model.kwh_per_km)),
            toml_float(model.max_ac_kw),
            toml_float(model.max_dc_kw),
            model.v2h,
            model.v2g,
            price,
            toml_float(model.gross_weight_t),
            sources.trim_end_matches(", "),
        );
        match Catalogue::builtin_with(&text, "input workbook") {
            Ok(_) => Some(text),
            Err(e) => {
                self.error_at(
                    first_place,
                    format!("the vehicle's figures are refused by the catalogue: {e}"),
                );
                None
            }
        }
    }
}

/// (row, column) of a cell name such as `D7`, for ordering.
fn cell_position(cell: &str) -> (u32, u32) {
    let letters = cell.chars().take_while(char::is_ascii_alphabetic);
    let column = letters.fold(0u32, |n, c| n * 26 + u32::from(c) - u32::from('A') + 1);
    let row = cell
        .trim_start_matches(|c: char| c.is_ascii_alphabetic())
        .parse()
        .unwrap_or(0);
    (row, column)
}

/// A float as TOML writes it (`20.0`, `0.11`).
fn toml_float(x: f64) -> String {
    if x.fract() == 0.0 {
        format!("{x:.1}")
    } else {
        x.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_order_by_row_then_column() {
        assert!(cell_position("B4") < cell_position("A5"));
        assert!(cell_position("Z4") < cell_position("AA4"));
        assert_eq!(cell_position("D7"), (7, 4));
    }

    #[test]
    fn paths_nest() {
        let mut map = Map::new();
        insert_path(&mut map, "site.import_cap_kw", Value::from(600));
        insert_path(&mut map, "site.tariff", Value::from("T"));
        insert_path(&mut map, "name", Value::from("N"));
        assert_eq!(
            Value::Object(map),
            serde_json::json!({ "site": { "import_cap_kw": 600, "tariff": "T" }, "name": "N" })
        );
    }

    #[test]
    fn every_input_sheet_is_known_to_the_layout() {
        assert!(SHEETS
            .iter()
            .any(|s| s.name == crate::input::layout::SITE_LOAD));
    }
}
