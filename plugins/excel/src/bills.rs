//! The layout of a bill run as a workbook: the `Summary` and `Lines` sheets, their formats
//! and the chart.

use std::collections::HashMap;

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use rust_xlsxwriter::{
    utility::row_col_to_cell, Chart, ChartType, Color, DocProperties, Format, FormatAlign,
    FormatBorder, Formula, Workbook, Worksheet,
};
use voltlex_dsl::rules::Currency;
use voltlex_engine::billing::{BillRun, LineItem};

use crate::ExcelError;

/// Row (0-based) of the Summary sheet's column headers; months start on the next row.
const SUMMARY_HEADER_ROW: u32 = 3;
/// Summary columns: month, peak kW, contract kW, energy kWh, total.
const SUMMARY_HEADERS: [&str; 5] = ["Month", "Peak kW", "Contract kW", "Energy kWh", "Total"];
const SUMMARY_WIDTHS: [f64; 5] = [12.0, 12.0, 13.0, 15.0, 18.0];
/// Lines columns.
pub(crate) const LINES_HEADERS: [&str; 9] = [
    "Month",
    "Item",
    "Quantity",
    "Unit",
    "Unit price",
    "Amount",
    "Informational",
    "Rule",
    "Calculation",
];
pub(crate) const LINES_WIDTHS: [f64; 9] = [9.0, 30.0, 14.0, 7.0, 16.0, 16.0, 14.0, 24.0, 40.0];

/// Builds the workbook [`write_bills`](crate::write_bills) saves, for a caller that wants to
/// add sheets of its own or save it elsewhere (`save_to_buffer`).
///
/// Layout (rows and columns as Excel numbers them):
///
/// - `Summary`: `A1` "Tariff", `B1` the tariff's name; `A2` "Currency", `B2` its code; row 4
///   the headers `Month | Peak kW | Contract kW | Energy kWh | Total (JPY)`; one row per month
///   from row 5; then a `Total` row with `=SUM(...)` formulas in the energy and total columns
///   (their computed values stored with them); a column chart of the monthly totals at `G4`.
///   A run with no month has a total of 0 written as a number, and no chart.
/// - `Lines`: row 1 the headers `Month | Item | Quantity | Unit | Unit price (JPY) |
///   Amount (JPY) | Informational | Rule | Calculation`; one row per line item from row 2,
///   in billing order; an autofilter over the table; row 1 frozen.
///
/// ```
/// use calamine::{Data, Reader, Xlsx};
/// use rust_decimal::Decimal;
/// use voltlex_dsl::rules::Currency;
/// use voltlex_engine::billing::{BillRun, LineItem};
///
/// let run = BillRun { tariff: "Example plan".into(), currency: Currency::Usd, months: vec![], total: Decimal::ZERO };
/// let mut workbook = voltlex_excel::bills_workbook(&run)?;
/// let bytes = workbook.save_to_buffer()?;
///
/// let mut book = Xlsx::new(std::io::Cursor::new(bytes))?;
/// assert_eq!(book.sheet_names(), ["Summary", "Lines"]);
/// let summary = book.worksheet_range("Summary")?;
/// assert_eq!(summary.get_value((1, 1)), Some(&Data::String("USD".into())));
/// assert_eq!(summary.get_value((3, 4)), Some(&Data::String("Total (USD)".into())));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn bills_workbook(run: &BillRun) -> Result<Workbook, ExcelError> {
    let formats = Formats::new(run.currency);
    let mut workbook = Workbook::new();
    workbook.set_properties(
        &DocProperties::new()
            .set_title(format!("Bills under {}", run.tariff))
            .set_subject(format!("{} bills, {}", run.currency.code(), span(run)))
            .set_comment(
                "Written by voltlex. Amounts are spreadsheet numbers; the decimal strings of \
                 `voltlex bill --format json|csv` are authoritative.",
            ),
    );
    summary_sheet(workbook.add_worksheet(), run, &formats)?;
    lines_sheet(workbook.add_worksheet(), run, &formats)?;
    Ok(workbook)
}

/// `2024-04..2025-03`, or `no months`.
fn span(run: &BillRun) -> String {
    match (run.months.first(), run.months.last()) {
        (Some(first), Some(last)) if first.month == last.month => first.month.to_string(),
        (Some(first), Some(last)) => format!("{}..{}", first.month, last.month),
        _ => "no months".to_string(),
    }
}

fn summary_sheet(sheet: &mut Worksheet, run: &BillRun, f: &Formats) -> Result<(), ExcelError> {
    let currency = run.currency.code();
    sheet.set_name("Summary")?;
    sheet.write_string_with_format(0, 0, "Tariff", &f.label)?;
    sheet.write_string(0, 1, &run.tariff)?;
    sheet.write_string_with_format(1, 0, "Currency", &f.label)?;
    sheet.write_string(1, 1, currency)?;
    // Table and chart on one printed page.
    sheet.set_landscape();
    sheet.set_print_fit_to_pages(1, 1);

    let header = SUMMARY_HEADER_ROW;
    for (col, (title, width)) in (0u16..).zip(SUMMARY_HEADERS.iter().zip(SUMMARY_WIDTHS)) {
        let title = if *title == "Total" {
            format!("Total ({currency})")
        } else {
            (*title).to_string()
        };
        sheet.write_string_with_format(header, col, title, &f.header)?;
        sheet.set_column_width(col, width)?;
    }

    let first = header + 1;
    let mut row = first;
    let mut energy_sum = 0.0;
    for bill in &run.months {
        let energy = round3(bill.energy_kwh);
        energy_sum += energy;
        sheet.write_string(row, 0, bill.month.to_string())?;
        sheet.write_number_with_format(row, 1, round3(bill.peak_kw), &f.kw)?;
        sheet.write_number_with_format(row, 2, round3(bill.contract_kw), &f.kw)?;
        sheet.write_number_with_format(row, 3, energy, &f.kwh)?;
        sheet.write_number_with_format(row, 4, number(bill.total), &f.amount)?;
        row += 1;
    }

    let total_row = row;
    sheet.write_string_with_format(total_row, 0, "Total", &f.total_label)?;
    for col in 1..=2 {
        sheet.write_blank(total_row, col, &f.total_label)?;
    }
    if run.months.is_empty() {
        sheet.write_number_with_format(total_row, 3, 0.0, &f.total_kwh)?;
        sheet.write_number_with_format(total_row, 4, number(run.total), &f.total_amount)?;
        return Ok(());
    }
    let last = total_row - 1;
    let sum = |col: u16, result: String| {
        Formula::new(format!(
            "=SUM({}:{})",
            row_col_to_cell(first, col),
            row_col_to_cell(last, col)
        ))
        .set_result(result)
    };
    sheet.write_formula_with_format(
        total_row,
        3,
        sum(3, format!("{}", round3(energy_sum))),
        &f.total_kwh,
    )?;
    sheet.write_formula_with_format(
        total_row,
        4,
        sum(4, run.total.normalize().to_string()),
        &f.total_amount,
    )?;

    let mut chart = Chart::new(ChartType::Column);
    chart
        .add_series()
        .set_name(("Summary", header, 4))
        .set_categories(("Summary", first, 0, last, 0))
        .set_values(("Summary", first, 4, last, 4));
    chart
        .title()
        .set_name(&format!("Monthly total ({currency})"));
    chart.y_axis().set_num_format(&f.amount_code);
    chart.legend().set_hidden();
    chart.set_width(640).set_height(320);
    sheet.insert_chart(header, 6, &chart)?;
    Ok(())
}

fn lines_sheet(sheet: &mut Worksheet, run: &BillRun, f: &Formats) -> Result<(), ExcelError> {
    let currency = run.currency.code();
    sheet.set_name("Lines")?;
    for (col, (title, width)) in (0u16..).zip(LINES_HEADERS.iter().zip(LINES_WIDTHS)) {
        let title = match *title {
            "Unit price" | "Amount" => format!("{title} ({currency})"),
            _ => (*title).to_string(),
        };
        sheet.write_string_with_format(0, col, title, &f.header)?;
        sheet.set_column_width(col, width)?;
    }

    // The calculation column as wide as its longest text (within reason).
    let longest = run
        .months
        .iter()
        .flat_map(|b| &b.lines)
        .map(|l| l.calculation.chars().count())
        .max()
        .unwrap_or(0);
    sheet.set_column_width(8, (longest as f64 + 2.0).clamp(40.0, 160.0))?;

    let mut scaled = ScaledFormats::default();
    let mut row = 0;
    for bill in &run.months {
        let month = bill.month.to_string();
        for line in &bill.lines {
            row += 1;
            write_line_item(sheet, row, 0, &month, line, f, &mut scaled)?;
        }
    }

    let last_col = (LINES_HEADERS.len() - 1) as u16;
    sheet.autofilter(0, 0, row, last_col)?;
    sheet.set_freeze_panes(1, 0)?;
    sheet.set_landscape();
    sheet.set_print_fit_to_pages(1, 0);
    sheet.set_repeat_rows(0, 0)?;
    Ok(())
}

/// Writes one line item as the nine cells of a `Lines` row (month, item, quantity, unit,
/// unit price, amount, informational, rule, calculation) from column `first_col`;
/// informational lines in grey italics. Shared with the study workbook's `Bills` sheet.
pub(crate) fn write_line_item(
    sheet: &mut Worksheet,
    row: u32,
    first_col: u16,
    month: &str,
    line: &LineItem,
    f: &Formats,
    scaled: &mut ScaledFormats,
) -> Result<(), ExcelError> {
    let info = line.informational;
    let text = if info { &f.info_text } else { &f.text };
    let col = |offset: u16| first_col + offset;
    sheet.write_string_with_format(row, col(0), month, text)?;
    sheet.write_string_with_format(row, col(1), &line.item, text)?;
    if let Some(quantity) = line.quantity {
        let format = scaled.get(quantity.scale(), info);
        sheet.write_number_with_format(row, col(2), number(quantity), format)?;
    }
    if let Some(unit) = &line.unit {
        let unit_format = if info { &f.info_unit } else { &f.unit };
        sheet.write_string_with_format(row, col(3), unit, unit_format)?;
    }
    if let Some(price) = line.unit_price {
        let format = scaled.get(price.scale(), info);
        sheet.write_number_with_format(row, col(4), number(price), format)?;
    }
    let amount = if info { &f.info_amount } else { &f.amount };
    sheet.write_number_with_format(row, col(5), number(line.amount), amount)?;
    let flag = if info { &f.info_flag } else { &f.flag };
    sheet.write_boolean_with_format(row, col(6), info, flag)?;
    sheet.write_string_with_format(row, col(7), line.rule.to_string(), text)?;
    sheet.write_string_with_format(row, col(8), &line.calculation, text)?;
    Ok(())
}

/// The cell formats of one workbook.
pub(crate) struct Formats {
    /// `#,##0` or `#,##0.00`: thousands separators and the currency's decimals.
    amount_code: String,
    label: Format,
    header: Format,
    text: Format,
    info_text: Format,
    unit: Format,
    info_unit: Format,
    /// Booleans shown as `TRUE`/`FALSE` (LibreOffice shows 0/1 without a format).
    flag: Format,
    info_flag: Format,
    kw: Format,
    kwh: Format,
    amount: Format,
    info_amount: Format,
    total_label: Format,
    total_kwh: Format,
    total_amount: Format,
}

impl Formats {
    pub(crate) fn new(currency: Currency) -> Self {
        let amount_code = number_code(currency_decimals(currency));
        let info = |format: Format| format.set_italic().set_font_color(Color::Gray);
        let total = |format: Format| format.set_bold().set_border_top(FormatBorder::Double);
        let amount = Format::new().set_num_format(&amount_code);
        let unit = Format::new().set_indent(1);
        let flag = Format::new()
            .set_num_format("\"TRUE\";\"TRUE\";\"FALSE\"")
            .set_align(FormatAlign::Center);
        // kW and kWh to the engine's 3 decimals, at least one shown: 412.5, 36,015.0.
        let kwh = Format::new().set_num_format("#,##0.0##");
        Formats {
            label: Format::new().set_bold(),
            header: Format::new()
                .set_bold()
                .set_background_color(Color::RGB(0xD9E1F2))
                .set_border_bottom(FormatBorder::Thin),
            text: Format::new(),
            info_text: info(Format::new()),
            unit: unit.clone(),
            info_unit: info(unit),
            flag: flag.clone(),
            info_flag: info(flag),
            kw: kwh.clone(),
            info_amount: info(amount.clone()),
            total_label: total(Format::new()),
            total_kwh: total(kwh.clone()),
            total_amount: total(amount.clone()),
            kwh,
            amount,
            amount_code,
        }
    }
}

/// Number formats for quantities and unit prices, one per number of decimals, so a cell
/// shows exactly the digits the engine computed (`1,890.00`, `412.500`, `-0.53`).
#[derive(Default)]
pub(crate) struct ScaledFormats {
    formats: HashMap<(u32, bool), Format>,
}

impl ScaledFormats {
    fn get(&mut self, scale: u32, informational: bool) -> &Format {
        self.formats
            .entry((scale.min(15), informational))
            .or_insert_with(|| {
                let format = Format::new().set_num_format(number_code(scale.min(15)));
                if informational {
                    format.set_italic().set_font_color(Color::Gray)
                } else {
                    format
                }
            })
    }
}

/// The number of decimals amounts in `currency` are shown with (ISO 4217 minor units).
pub(crate) fn currency_decimals(currency: Currency) -> u32 {
    match currency {
        Currency::Jpy => 0,
        Currency::Usd => 2,
    }
}

/// `#,##0` followed by `decimals` zeros after the point.
pub(crate) fn number_code(decimals: u32) -> String {
    if decimals == 0 {
        "#,##0".to_string()
    } else {
        format!("#,##0.{}", "0".repeat(decimals as usize))
    }
}

/// A decimal as a spreadsheet number (the nearest `f64`; rust_decimal's conversion to `f64`
/// never fails).
pub(crate) fn number(value: Decimal) -> f64 {
    value.to_f64().unwrap_or_default()
}

/// kW and kWh to 3 decimals, as the engine prices them and the JSON shows them.
fn round3(value: f64) -> f64 {
    (value * 1000.0).round() / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn number_codes_follow_the_currency() {
        assert_eq!(number_code(currency_decimals(Currency::Jpy)), "#,##0");
        assert_eq!(number_code(currency_decimals(Currency::Usd)), "#,##0.00");
        assert_eq!(number_code(3), "#,##0.000");
    }

    #[test]
    fn amounts_convert_to_the_nearest_number() {
        assert_eq!(number(Decimal::new(-123_456_789, 2)), -1_234_567.89);
        assert_eq!(number(Decimal::new(779_625, 0)), 779_625.0);
    }
}
