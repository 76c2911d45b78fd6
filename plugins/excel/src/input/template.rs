//! Writing the input template (blank, or the example copy).

use std::collections::HashMap;
use std::path::Path;

use rust_xlsxwriter::{
    Color, DataValidation, DataValidationErrorStyle, ExcelDateTime, Format, FormatAlign,
    FormatBorder, Formula, Workbook, Worksheet,
};

use super::layout::{
    self, Field, Kind, ListColumn, Shape, Sheet, DEFAULT_COLUMN, FIRST_ROW, HEADER_ROW, INTRO_ROW,
    LISTS, SHEETS, TITLE_ROW, UNIT_COLUMN, VALUE_COLUMN,
};
use super::{ExampleValues, TemplateOptions};
use crate::{save, ExcelError};

/// Preferred Quick defaults (the example depot's), used when the lists offer them.
const PREFERRED_TARIFF: &str = "TEPCO EP High-Voltage Basic Plan";
const PREFERRED_VEHICLE: &str = "Mitsubishi Minicab EV";
const PREFERRED_CHARGER: &str = "AC wall box 6 kW";
const EXAMPLE_CHARGER: &str = "Nichicon EV Power Station VCG-663CN3";

/// What the template writes into a cell.
#[derive(Clone, Debug)]
enum CellValue {
    Number(f64),
    Text(String),
    /// Hours and minutes.
    Time(u16, u8),
    /// Year, month, day.
    Date(u16, u8, u8),
}

/// The formats of the workbook.
struct Formats {
    title: Format,
    intro: Format,
    header: Format,
    label: Format,
    section: Format,
    unit: Format,
    note: Format,
    default: Format,
    input: Format,
    input_number: Format,
    input_money: Format,
    input_time: Format,
    input_date: Format,
    input_datetime: Format,
}

impl Formats {
    fn new() -> Self {
        let input = Format::new()
            .set_background_color(Color::RGB(0xFFF2CC))
            .set_border(FormatBorder::Thin)
            .set_border_color(Color::RGB(0xBFBFBF));
        let grey = Color::RGB(0x595959);
        Formats {
            title: Format::new().set_bold().set_font_size(14),
            intro: Format::new().set_italic().set_font_color(grey),
            header: Format::new()
                .set_bold()
                .set_background_color(Color::RGB(0xD9E1F2))
                .set_border_bottom(FormatBorder::Thin)
                .set_text_wrap(),
            label: Format::new(),
            section: Format::new()
                .set_bold()
                .set_background_color(Color::RGB(0xEDEDED)),
            unit: Format::new().set_font_color(grey),
            // Not wrapped: rows keep their height and a long note runs on to the right.
            note: Format::new().set_font_color(grey),
            default: Format::new()
                .set_font_color(grey)
                .set_num_format("#,##0.##")
                .set_align(FormatAlign::Left),
            input_number: input.clone().set_num_format("#,##0.##"),
            input_money: input.clone().set_num_format("#,##0"),
            input_time: input.clone().set_num_format("hh:mm"),
            input_date: input.clone().set_num_format("yyyy-mm-dd"),
            input_datetime: input.clone().set_num_format("yyyy-mm-dd hh:mm"),
            input,
        }
    }

    /// The input cell's format for a field.
    fn input_for(&self, field: &Field) -> &Format {
        match field.kind {
            Kind::Number { unit, .. } if unit.starts_with("JPY") => &self.input_money,
            Kind::Number { .. } => &self.input_number,
            Kind::Time => &self.input_time,
            Kind::Date => &self.input_date,
            _ => &self.input,
        }
    }
}

/// The first of `list`, or `preferred` when listed.
fn preferred(list: &[String], preferred: &str) -> Option<String> {
    list.iter()
        .find(|name| name.as_str() == preferred)
        .or_else(|| list.first())
        .cloned()
}

/// The Quick sheet's defaults (the example depot's figures, see `docs/excel.md`).
fn quick_defaults(options: &TemplateOptions) -> HashMap<&'static str, CellValue> {
    let mut defaults = HashMap::new();
    defaults.insert("quick.size", CellValue::Number(20.0));
    defaults.insert("quick.km", CellValue::Number(60.0));
    defaults.insert("quick.import_cap", CellValue::Number(600.0));
    defaults.insert("quick.horizon", CellValue::Number(10.0));
    defaults.insert("quick.fuel", CellValue::Number(159.0));
    defaults.insert("quick.battery", CellValue::Number(30_000.0));
    if let Some(vehicle) = preferred(&options.vehicle_models, PREFERRED_VEHICLE) {
        defaults.insert("quick.vehicle", CellValue::Text(vehicle));
    }
    if let Some(charger) = preferred(&options.charger_models, PREFERRED_CHARGER) {
        defaults.insert("quick.charger", CellValue::Text(charger));
    }
    let tariffs: Vec<String> = options.tariffs.iter().map(|(_, t)| t.clone()).collect();
    if let Some(tariff) = preferred(&tariffs, PREFERRED_TARIFF) {
        defaults.insert("quick.tariff", CellValue::Text(tariff));
    }
    defaults
}

/// The example copy's values by field id.
fn example_values(example: &ExampleValues) -> HashMap<&'static str, CellValue> {
    use CellValue::{Date, Number, Text, Time};
    let text = |s: &str| Text(s.to_string());
    [
        ("quick.size", Number(20.0)),
        ("quick.vehicle", text(PREFERRED_VEHICLE)),
        ("quick.km", Number(60.0)),
        ("quick.import_cap", Number(600.0)),
        ("quick.tariff", text(&example.tariff)),
        ("quick.horizon", Number(10.0)),
        ("quick.charger", text(EXAMPLE_CHARGER)),
        ("quick.fuel", Number(159.0)),
        ("quick.battery", Number(30_000.0)),
        ("name", text("Depot: 20 kei vans, petrol today vs electric")),
        ("site.rules", text(&example.rules_package)),
        ("site.tariff", text(&example.tariff)),
        ("site.import_cap_kw", Number(600.0)),
        ("site.demand_charge_months", Number(12.0)),
        ("fleet.vehicle", text(PREFERRED_VEHICLE)),
        ("fleet.size", Number(20.0)),
        ("fleet.electric", Number(20.0)),
        ("fleet.departure", Time(8, 30)),
        ("fleet.arrival", Time(17, 30)),
        ("fleet.km_per_day", Number(60.0)),
        ("fleet.operating_days", text("weekdays")),
        ("fleet.arrival_spread_minutes", Number(120.0)),
        ("fleet.target_soc_pct", Number(90.0)),
        ("chargers.model", text(EXAMPLE_CHARGER)),
        ("finance.horizon_years", Number(10.0)),
        ("finance.discount_rate_pct", Number(5.0)),
        ("finance.electricity_escalation_pct", Number(1.0)),
        ("finance.fuel_escalation_pct", Number(1.0)),
        ("finance.fuel_price_per_litre", Number(159.0)),
        ("finance.battery_replacement_per_kwh", Number(30_000.0)),
        ("x.financing", text("cash")),
        ("x.subsidy_package", text(&example.subsidy_package)),
        ("x.subsidy_date", Date(2025, 6, 2)),
        ("x.subsidy_apply", text("yes")),
        ("goal_seek.targets.payback_years", Number(6.0)),
        ("goal_seek.space.electric", text("5, 10, 15, 20")),
        (
            "goal_seek.space.charger",
            Text(format!("{PREFERRED_CHARGER}, {EXAMPLE_CHARGER}")),
        ),
        ("goal_seek.space.charging", text("uncontrolled, optimal")),
        ("goal_seek.runner_ups", Number(3.0)),
    ]
    .into_iter()
    .chain(
        [
            ("site.history", &example.history),
            ("site.power_factor", &example.power_factor),
            ("site.indices", &example.indices),
        ]
        .into_iter()
        .filter_map(|(id, value)| value.as_deref().map(|v| (id, text(v)))),
    )
    .chain(example.risk_sharing.iter().flat_map(|risk| {
        [
            Some(("x.risk.contract", text(&risk.contract))),
            risk.deal.as_deref().map(|deal| ("x.risk.deal", text(deal))),
            Some(("x.risk.study", text(&risk.study))),
            risk.scenarios
                .map(|n| ("x.risk.scenarios", Number(f64::from(n)))),
        ]
        .into_iter()
        .flatten()
    }))
    .collect()
}

/// Writes `value` at (row, column) with `format`.
fn write_value(
    sheet: &mut Worksheet,
    row: u32,
    column: u16,
    value: &CellValue,
    format: &Format,
    formats: &Formats,
) -> Result<(), ExcelError> {
    match value {
        CellValue::Number(x) => {
            sheet.write_number_with_format(row, column, *x, format)?;
        }
        CellValue::Text(text) => {
            sheet.write_string_with_format(row, column, text, format)?;
        }
        CellValue::Time(hour, minute) => {
            let time = ExcelDateTime::from_hms(*hour, *minute, 0)?;
            sheet.write_datetime_with_format(row, column, &time, &formats.input_time)?;
        }
        CellValue::Date(year, month, day) => {
            let date = ExcelDateTime::from_ymd(*year, *month, *day)?;
            sheet.write_datetime_with_format(row, column, &date, &formats.input_date)?;
        }
    }
    Ok(())
}

/// The drop-down of a field's cell, if it has one.
fn validation(
    field: &Field,
    options: &TemplateOptions,
) -> Result<Option<DataValidation>, ExcelError> {
    let validation = match field.kind {
        Kind::Choice(choices) => DataValidation::new()
            .allow_list_strings(choices)?
            .set_error_message(format!("Choose {}.", super::cells::one_of(choices)))?,
        Kind::Listed(list) => {
            let count = list_values(list, options).len();
            if count == 0 {
                return Ok(None);
            }
            let column = layout::column_name(u32::from(list.column()));
            let formula = Formula::new(format!("={LISTS}!${column}$2:${column}${}", count + 1));
            let validation = DataValidation::new().allow_list_formula(formula);
            if list.strict() {
                validation.set_error_message("Choose a name of the catalogue from the list.")?
            } else {
                // Paths and tariffs of other packages may be typed in.
                validation.set_error_style(DataValidationErrorStyle::Information)
            }
        }
        Kind::Time => DataValidation::new()
            .allow_any_value()
            .set_input_message("A time of day, e.g. 17:30")?,
        Kind::Date => DataValidation::new()
            .allow_any_value()
            .set_input_message("A date, e.g. 2025-06-02")?,
        Kind::Month => DataValidation::new()
            .allow_any_value()
            .set_input_message("A month, e.g. 2024-04")?,
        _ => return Ok(None),
    };
    Ok(Some(validation))
}

/// The names of a Lists column.
fn list_values(list: ListColumn, options: &TemplateOptions) -> Vec<String> {
    match list {
        ListColumn::Tariff => options.tariffs.iter().map(|(_, t)| t.clone()).collect(),
        ListColumn::RulesPackage => {
            let mut packages: Vec<String> = Vec::new();
            for (package, _) in &options.tariffs {
                if !packages.contains(package) {
                    packages.push(package.clone());
                }
            }
            packages
        }
        ListColumn::Vehicle => options.vehicle_models.clone(),
        ListColumn::Charger => options.charger_models.clone(),
        ListColumn::Ice => options.ice_models.clone(),
        ListColumn::SubsidyPackage => options.subsidy_packages.clone(),
    }
}

/// Title, intro, freeze panes and print setup common to every input sheet.
fn frame(sheet: &mut Worksheet, spec: &Sheet, formats: &Formats) -> Result<(), ExcelError> {
    sheet.set_name(spec.name)?;
    sheet.write_string_with_format(TITLE_ROW, 0, spec.title, &formats.title)?;
    sheet.write_string_with_format(INTRO_ROW, 0, spec.intro, &formats.intro)?;
    sheet.set_freeze_panes(FIRST_ROW, 0)?;
    sheet.set_landscape();
    sheet.set_print_fit_to_pages(1, 0);
    Ok(())
}

fn key_value_sheet(
    sheet: &mut Worksheet,
    spec: &Sheet,
    formats: &Formats,
    options: &TemplateOptions,
    values: &HashMap<&'static str, CellValue>,
    defaults: &HashMap<&'static str, CellValue>,
) -> Result<(), ExcelError> {
    frame(sheet, spec, formats)?;
    let quick = spec.name == layout::QUICK.name;
    let note_column = layout::note_column(spec);
    sheet.write_string_with_format(HEADER_ROW, 0, "Input", &formats.header)?;
    sheet.write_string_with_format(HEADER_ROW, VALUE_COLUMN, "Value", &formats.header)?;
    sheet.write_string_with_format(HEADER_ROW, UNIT_COLUMN, "Unit", &formats.header)?;
    if quick {
        sheet.write_string_with_format(HEADER_ROW, DEFAULT_COLUMN, "Default", &formats.header)?;
    }
    sheet.write_string_with_format(HEADER_ROW, note_column, "Note", &formats.header)?;
    for (row, field) in (FIRST_ROW..).zip(spec.fields) {
        if matches!(field.kind, Kind::Section) {
            for column in 0..=note_column {
                sheet.write_blank(row, column, &formats.section)?;
            }
            sheet.write_string_with_format(row, 0, field.label, &formats.section)?;
            continue;
        }
        sheet.write_string_with_format(row, 0, field.label, &formats.label)?;
        let input = formats.input_for(field);
        match values.get(field.id) {
            Some(value) => write_value(sheet, row, VALUE_COLUMN, value, input, formats)?,
            None => {
                sheet.write_blank(row, VALUE_COLUMN, input)?;
            }
        }
        if !field.unit.is_empty() {
            sheet.write_string_with_format(row, UNIT_COLUMN, field.unit, &formats.unit)?;
        }
        if quick {
            match defaults.get(field.id) {
                Some(value) => {
                    write_value(sheet, row, DEFAULT_COLUMN, value, &formats.default, formats)?
                }
                None => {
                    sheet.write_string_with_format(
                        row,
                        DEFAULT_COLUMN,
                        "(required)",
                        &formats.default,
                    )?;
                }
            }
        }
        sheet.write_string_with_format(row, note_column, field.note, &formats.note)?;
        if let Some(validation) = validation(field, options)? {
            sheet.add_data_validation(row, VALUE_COLUMN, row, VALUE_COLUMN, &validation)?;
        }
    }
    sheet.set_column_width(0, 26)?;
    sheet.set_column_width(VALUE_COLUMN, 34)?;
    sheet.set_column_width(UNIT_COLUMN, 20)?;
    if quick {
        sheet.set_column_width(DEFAULT_COLUMN, 30)?;
    }
    sheet.set_column_width(note_column, 100)?;
    Ok(())
}

fn table_sheet(
    sheet: &mut Worksheet,
    spec: &Sheet,
    formats: &Formats,
    options: &TemplateOptions,
    values: &HashMap<&'static str, CellValue>,
) -> Result<(), ExcelError> {
    frame(sheet, spec, formats)?;
    let mut column: u16 = 0;
    for field in spec.fields {
        sheet.write_string_with_format(HEADER_ROW, column, field.header(), &formats.header)?;
        let input = formats.input_for(field);
        match values.get(field.id) {
            Some(value) => write_value(sheet, FIRST_ROW, column, value, input, formats)?,
            None => {
                sheet.write_blank(FIRST_ROW, column, input)?;
            }
        }
        if let Some(validation) = validation(field, options)? {
            sheet.add_data_validation(FIRST_ROW, column, FIRST_ROW, column, &validation)?;
        }
        let width = match field.kind {
            Kind::Listed(_) => 38.0,
            _ => 16.0_f64.max(field.header().chars().count() as f64 + 2.0),
        };
        sheet.set_column_width(column, width)?;
        column += 1;
    }
    legend(sheet, spec, formats, column + 1)
}

/// The notes of a table's columns, to the right of its inputs.
fn legend(
    sheet: &mut Worksheet,
    spec: &Sheet,
    formats: &Formats,
    first_column: u16,
) -> Result<(), ExcelError> {
    sheet.write_string_with_format(HEADER_ROW, first_column, "Column", &formats.header)?;
    sheet.write_string_with_format(HEADER_ROW, first_column + 1, "Note", &formats.header)?;
    for (row, field) in (FIRST_ROW..).zip(spec.fields) {
        sheet.write_string_with_format(row, first_column, field.header(), &formats.label)?;
        sheet.write_string_with_format(row, first_column + 1, field.note, &formats.note)?;
    }
    sheet.set_column_width(first_column, 24)?;
    sheet.set_column_width(first_column + 1, 90)?;
    Ok(())
}

fn series_sheet(sheet: &mut Worksheet, spec: &Sheet, formats: &Formats) -> Result<(), ExcelError> {
    frame(sheet, spec, formats)?;
    for (column, field) in (0..).zip(spec.fields) {
        sheet.write_string_with_format(HEADER_ROW, column, field.header(), &formats.header)?;
    }
    sheet.set_column_format(0, &formats.input_datetime)?;
    sheet.set_column_format(1, &formats.input_number)?;
    sheet.set_column_width(0, 20)?;
    sheet.set_column_width(1, 12)?;
    legend(sheet, spec, formats, 3)
}

fn lists_sheet(
    sheet: &mut Worksheet,
    options: &TemplateOptions,
    formats: &Formats,
) -> Result<(), ExcelError> {
    sheet.set_name(LISTS)?;
    let headers = [
        (0, "Tariff"),
        (1, "Rules package of the tariff"),
        (2, "Vehicle models"),
        (3, "Charger models"),
        (4, "ICE comparators"),
        (5, "Subsidy packages"),
        (6, "Rules packages"),
    ];
    for (column, header) in headers {
        sheet.write_string_with_format(0, column, header, &formats.header)?;
        sheet.set_column_width(column, 40)?;
    }
    for (row, (package, tariff)) in (1..).zip(&options.tariffs) {
        sheet.write_string(row, 0, tariff)?;
        sheet.write_string(row, 1, package)?;
    }
    for list in [
        ListColumn::Vehicle,
        ListColumn::Charger,
        ListColumn::Ice,
        ListColumn::SubsidyPackage,
        ListColumn::RulesPackage,
    ] {
        for (row, name) in (1..).zip(list_values(list, options)) {
            sheet.write_string(row, list.column(), name)?;
        }
    }
    sheet.set_hidden(true);
    Ok(())
}

/// Builds the input template: the sheets of [`crate::input`] with titles, units in headers,
/// notes, drop-downs, frozen headers and column widths; with `example`, the example copy.
///
/// ```
/// use voltlex_excel::input::{template_workbook, ExampleValues, TemplateOptions};
/// let mut book = template_workbook(&TemplateOptions::default(), Some(&ExampleValues::kei_vans()))?;
/// assert_eq!(book.worksheets().len(), 13);
/// assert_eq!(book.worksheets()[0].name(), "Quick");
/// # Ok::<(), voltlex_excel::ExcelError>(())
/// ```
pub fn template_workbook(
    options: &TemplateOptions,
    example: Option<&ExampleValues>,
) -> Result<Workbook, ExcelError> {
    let formats = Formats::new();
    let values = example.map(example_values).unwrap_or_default();
    let defaults = quick_defaults(options);
    let mut book = Workbook::new();
    for spec in SHEETS {
        let sheet = book.add_worksheet();
        match spec.shape {
            Shape::KeyValue => key_value_sheet(sheet, spec, &formats, options, &values, &defaults)?,
            Shape::Table => table_sheet(sheet, spec, &formats, options, &values)?,
            Shape::Series => series_sheet(sheet, spec, &formats)?,
        }
    }
    lists_sheet(book.add_worksheet(), options, &formats)?;
    Ok(book)
}

/// Writes the template to `path` (which must end in `.xlsx`), atomically as every voltlex
/// output (temporary file + rename, see [`save::write_atomically`]). An existing file is
/// **never overwritten** (it may be a filled input): that is an [`ExcelError::Io`] of kind
/// `AlreadyExists`, and nothing is written.
///
/// ```
/// use voltlex_excel::input::{write_template, TemplateOptions};
/// let dir = std::env::temp_dir().join(format!("voltlex-input-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// let path = dir.join("input.xlsx");
/// write_template(&path, &TemplateOptions::default(), None)?;
/// assert!(write_template(&path, &TemplateOptions::default(), None).is_err(), "not overwritten");
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn write_template(
    path: &Path,
    options: &TemplateOptions,
    example: Option<&ExampleValues>,
) -> Result<(), ExcelError> {
    let is_xlsx = path
        .extension()
        .is_some_and(|ext| ext.eq_ignore_ascii_case("xlsx"));
    if !is_xlsx {
        return Err(ExcelError::NotXlsx(path.to_path_buf()));
    }
    let io_error = |source| ExcelError::Io {
        path: path.to_path_buf(),
        source,
    };
    if path.exists() {
        return Err(io_error(std::io::Error::new(
            std::io::ErrorKind::AlreadyExists,
            "the file exists; voltlex does not overwrite an input workbook",
        )));
    }
    let bytes = template_workbook(options, example)?.save_to_buffer()?;
    save::write_atomically(path, &bytes).map_err(io_error)
}
