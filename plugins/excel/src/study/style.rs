//! Cell formats and small writing helpers shared by the result workbook's sheets.

use chrono::NaiveDateTime;
use rust_xlsxwriter::{utility::row_col_to_cell, Color, Format, FormatBorder, Formula, Worksheet};

use crate::ExcelError;

/// The formats of one result workbook.
pub(super) struct Styles {
    /// `#,##0` (JPY) or `#,##0.00`.
    pub money_code: String,
    pub title: Format,
    pub note: Format,
    pub label: Format,
    pub section: Format,
    pub header: Format,
    pub text: Format,
    pub money: Format,
    pub kw: Format,
    pub percent: Format,
    pub years: Format,
    pub tonnes: Format,
    pub count: Format,
    pub time: Format,
    pub total_label: Format,
    pub total_money: Format,
    pub total_kw: Format,
    pub total_tonnes: Format,
    pub big_label: Format,
    pub big_money: Format,
    pub big_years: Format,
    pub big_percent: Format,
    pub big_tonnes: Format,
    /// The cell a reader changes (the what-if page).
    pub input: Format,
}

impl Styles {
    pub fn new(currency: &str) -> Self {
        // ISO 4217 minor units: none for the yen; 2 for the other currencies voltlex bills in.
        let money_code = if currency.eq_ignore_ascii_case("JPY") {
            "#,##0".to_string()
        } else {
            "#,##0.00".to_string()
        };
        let total = |format: Format| format.set_bold().set_border_top(FormatBorder::Double);
        let big = |format: Format| format.set_bold().set_font_size(20);
        let money = Format::new().set_num_format(&money_code);
        let kw = Format::new().set_num_format("0.0");
        let tonnes = Format::new().set_num_format("#,##0.0");
        Styles {
            title: Format::new().set_bold().set_font_size(16),
            note: Format::new().set_italic().set_font_color(Color::Gray),
            label: Format::new().set_bold(),
            section: Format::new()
                .set_bold()
                .set_font_size(12)
                .set_font_color(Color::RGB(0x1F3864)),
            header: Format::new()
                .set_bold()
                .set_text_wrap()
                .set_background_color(Color::RGB(0xD9E1F2))
                .set_border_bottom(FormatBorder::Thin),
            text: Format::new(),
            percent: Format::new().set_num_format("0.0%"),
            years: Format::new().set_num_format("0.0"),
            count: Format::new().set_num_format("#,##0"),
            time: Format::new().set_num_format("yyyy-mm-dd hh:mm"),
            total_label: total(Format::new()),
            total_money: total(money.clone()),
            total_kw: total(kw.clone()),
            total_tonnes: total(tonnes.clone()),
            big_label: Format::new().set_font_color(Color::Gray).set_text_wrap(),
            big_money: big(Format::new().set_num_format(&money_code)),
            big_years: big(Format::new().set_num_format("0.0 \"years\"")),
            big_percent: big(Format::new().set_num_format("0.0%")),
            big_tonnes: big(Format::new().set_num_format("#,##0.0 \"t\"")),
            input: Format::new()
                .set_bold()
                .set_background_color(Color::RGB(0xFFF2CC))
                .set_border(FormatBorder::Thin),
            money,
            kw,
            tonnes,
            money_code,
        }
    }
}

/// Writes `value` as a number, or the text `n/a` when it is not finite (a spreadsheet has no
/// NaN or infinity).
pub(super) fn number(
    sheet: &mut Worksheet,
    row: u32,
    col: u16,
    value: f64,
    format: &Format,
) -> Result<(), ExcelError> {
    if value.is_finite() {
        sheet.write_number_with_format(row, col, value, format)?;
    } else {
        sheet.write_string_with_format(row, col, "n/a", format)?;
    }
    Ok(())
}

/// Writes `value` as a number, or `absent` as text when there is none.
pub(super) fn optional(
    sheet: &mut Worksheet,
    row: u32,
    col: u16,
    value: Option<f64>,
    absent: &str,
    format: &Format,
) -> Result<(), ExcelError> {
    match value {
        Some(value) => number(sheet, row, col, value, format),
        None => {
            sheet.write_string_with_format(row, col, absent, format)?;
            Ok(())
        }
    }
}

/// Writes a header row from `col`, setting each column's width.
pub(super) fn headers(
    sheet: &mut Worksheet,
    row: u32,
    col: u16,
    titles: &[(String, f64)],
    styles: &Styles,
) -> Result<(), ExcelError> {
    for (offset, (title, width)) in (0u16..).zip(titles) {
        sheet.write_string_with_format(row, col + offset, title, &styles.header)?;
        sheet.set_column_width(col + offset, *width)?;
    }
    // Headers wrap; not every reader grows the row to fit, so make room for two lines.
    if titles
        .iter()
        .any(|(title, width)| title.chars().count() as f64 > *width)
    {
        sheet.set_row_height(row, 30)?;
    }
    Ok(())
}

/// `=SUM(first:last)` of one column, with `result` stored as its value.
pub(super) fn column_sum(first: u32, last: u32, col: u16, result: f64) -> Formula {
    Formula::new(format!(
        "=SUM({}:{})",
        row_col_to_cell(first, col),
        row_col_to_cell(last, col)
    ))
    .set_result(format!("{result}"))
}

/// `=SUM(first:last)` across one row, with `result` stored as its value.
pub(super) fn row_sum(row: u32, first: u16, last: u16, result: f64) -> Formula {
    Formula::new(format!(
        "=SUM({}:{})",
        row_col_to_cell(row, first),
        row_col_to_cell(row, last)
    ))
    .set_result(format!("{result}"))
}

/// Excel's serial date: days since 1899-12-30 (the 1900 date system, past 1900-03-01).
pub(super) fn serial(time: NaiveDateTime) -> f64 {
    let epoch = chrono::NaiveDate::from_ymd_opt(1899, 12, 30)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .unwrap_or_default();
    (time - epoch).num_seconds() as f64 / 86_400.0
}

/// Landscape, one page wide, `header_rows` repeated on every printed page.
pub(super) fn print_setup(
    sheet: &mut Worksheet,
    header_rows: Option<(u32, u32)>,
) -> Result<(), ExcelError> {
    sheet.set_landscape();
    sheet.set_print_fit_to_pages(1, 0);
    if let Some((first, last)) = header_rows {
        sheet.set_repeat_rows(first, last)?;
    }
    Ok(())
}

/// Text width in characters for a column holding `texts`, within `min..=max`.
pub(super) fn width_of<'a>(texts: impl Iterator<Item = &'a str>, min: f64, max: f64) -> f64 {
    let longest = texts.map(|t| t.chars().count()).max().unwrap_or(0);
    (longest as f64 + 2.0).clamp(min, max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serial_dates_match_excel() {
        // Excel shows 45658 as 2025-01-01 and 45658.5 as its noon.
        let noon = chrono::NaiveDate::from_ymd_opt(2025, 1, 1)
            .unwrap()
            .and_hms_opt(12, 0, 0)
            .unwrap();
        assert_eq!(serial(noon), 45_658.5);
    }

    #[test]
    fn money_decimals_follow_the_currency() {
        assert_eq!(Styles::new("JPY").money_code, "#,##0");
        assert_eq!(Styles::new("USD").money_code, "#,##0.00");
    }
}
