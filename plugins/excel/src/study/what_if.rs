//! The What-if sheet: every page of the grid precomputed in a data block, one page shown.
//!
//! The reader picks a page in a drop-down cell (a list validation over the page names); each
//! cell of the shown table is `=INDEX(<value column>, MATCH(<page cell>, <page column>, 0) +
//! <row offset>)` into the data block, whose rows hold the pages one after another, each
//! with its rows in order. Changing the page recalculates the table; nothing is rerun. The
//! formulas carry the first page's values, the page the cell shows when the file opens.

use rust_xlsxwriter::{
    utility::row_col_to_cell_absolute, DataValidation, Formula, Worksheet, XlsxError,
};

use super::style::{headers, number, print_setup, width_of, Styles};
use super::WhatIf;
use crate::ExcelError;

/// The cell of the drop-down (row, column).
pub(super) const PAGE_CELL: (u32, u16) = (2, 1);
/// The shown table's header row.
const TABLE_HEADER: u32 = 4;

/// Refuses a grid whose values do not match its labels: a lookup would show the wrong cell.
fn check(grid: &WhatIf) -> Result<(), ExcelError> {
    let shape_error = |what: String| {
        ExcelError::Xlsx(XlsxError::ParameterError(format!(
            "what-if grid \"{}\": {what}",
            grid.measure
        )))
    };
    if grid.pages.is_empty() || grid.rows.is_empty() || grid.columns.is_empty() {
        return Err(shape_error(
            "needs at least one page, row and column".into(),
        ));
    }
    if grid.values.len() != grid.pages.len() {
        return Err(shape_error(format!(
            "{} pages named, {} pages of values",
            grid.pages.len(),
            grid.values.len()
        )));
    }
    if let Some((index, page)) = grid
        .pages
        .iter()
        .enumerate()
        .find(|(index, page)| grid.pages.iter().take(*index).any(|p| p == *page))
    {
        // MATCH finds the first page of a name: a second would never be shown.
        return Err(shape_error(format!(
            "page {page} (number {}) is named twice",
            index + 1
        )));
    }
    for (page, rows) in grid.pages.iter().zip(&grid.values) {
        if rows.len() != grid.rows.len() {
            return Err(shape_error(format!(
                "page {page}: {} rows of values for {} rows named",
                rows.len(),
                grid.rows.len()
            )));
        }
        if let Some((row, values)) = grid
            .rows
            .iter()
            .zip(rows)
            .find(|(_, values)| values.len() != grid.columns.len())
        {
            return Err(shape_error(format!(
                "page {page}, row {row}: {} values for {} columns",
                values.len(),
                grid.columns.len()
            )));
        }
    }
    Ok(())
}

pub(super) fn sheet(sheet: &mut Worksheet, grid: &WhatIf, s: &Styles) -> Result<(), ExcelError> {
    check(grid)?;
    sheet.set_name("What-if")?;
    sheet.write_string_with_format(0, 0, format!("What if: {}", grid.measure), &s.title)?;
    sheet.write_string_with_format(
        1,
        0,
        format!(
            "Choose the {} in the yellow cell: the table looks its values up in the data block \
             below (every case precomputed by voltlex; nothing is rerun).",
            grid.page_name
        ),
        &s.note,
    )?;
    let (page_row, page_col) = PAGE_CELL;
    sheet.write_string_with_format(page_row, 0, &grid.page_name, &s.label)?;
    let default_page = grid.pages.first().map_or("", String::as_str);
    sheet.write_string_with_format(page_row, page_col, default_page, &s.input)?;

    let rows = grid.rows.len() as u32;
    let columns = grid.columns.len() as u16;
    // The data block: one row per (page, row), below the shown table.
    let data_header = TABLE_HEADER + rows + 4;
    let data_first = data_header + 1;
    let data_last = data_header + grid.pages.len() as u32 * rows;
    let page_list_col = columns + 3;
    let pages_first = data_first;
    let pages_last = data_first + grid.pages.len() as u32 - 1;
    let range = |first: u32, last: u32, col: u16| {
        format!(
            "{}:{}",
            row_col_to_cell_absolute(first, col),
            row_col_to_cell_absolute(last, col)
        )
    };

    let validation = DataValidation::new()
        .allow_list_formula(Formula::new(format!(
            "={}",
            range(pages_first, pages_last, page_list_col)
        )))
        .set_input_title(grid.page_name.chars().take(32).collect::<String>())?
        .set_input_message("Choose a case from the list")?;
    sheet.add_data_validation(page_row, page_col, page_row, page_col, &validation)?;

    // The shown table.
    let corner = format!("{} \\ {}", grid.row_name, grid.column_name);
    let mut titles = vec![(
        corner.clone(),
        width_of(
            grid.rows
                .iter()
                .map(String::as_str)
                .chain([corner.as_str(), grid.page_name.as_str()]),
            14.0,
            40.0,
        ),
    )];
    titles.extend(
        grid.columns
            .iter()
            .map(|c| (c.clone(), width_of(std::iter::once(c.as_str()), 15.0, 30.0))),
    );
    headers(sheet, TABLE_HEADER, 0, &titles, s)?;
    let page_cell = row_col_to_cell_absolute(page_row, page_col);
    let data_pages = range(data_first, data_last, 0);
    for (offset, (label, values)) in (0u32..).zip(
        grid.rows
            .iter()
            .zip(grid.values.first().into_iter().flatten()),
    ) {
        let row = TABLE_HEADER + 1 + offset;
        sheet.write_string_with_format(row, 0, label, &s.label)?;
        for (col, value) in (1u16..).zip(values) {
            let data_col = col + 1;
            let formula = Formula::new(format!(
                "=INDEX({},MATCH({page_cell},{data_pages},0)+{offset})",
                range(data_first, data_last, data_col)
            ))
            .set_result(format!("{value}"));
            sheet.write_formula_with_format(row, col, formula, &s.money)?;
        }
    }

    // The data block.
    sheet.write_string_with_format(
        data_header - 1,
        0,
        format!("Data: every {} (read by the table above)", grid.page_name),
        &s.section,
    )?;
    let mut data_titles = vec![
        (grid.page_name.clone(), 14.0),
        (grid.row_name.clone(), 14.0),
    ];
    data_titles.extend(grid.columns.iter().map(|c| (c.clone(), 15.0)));
    for (col, (title, _)) in (0u16..).zip(&data_titles) {
        sheet.write_string_with_format(data_header, col, title, &s.header)?;
    }
    let mut row = data_header;
    for (page, page_values) in grid.pages.iter().zip(&grid.values) {
        for (label, values) in grid.rows.iter().zip(page_values) {
            row += 1;
            sheet.write_string(row, 0, page)?;
            sheet.write_string(row, 1, label)?;
            for (col, value) in (2u16..).zip(values) {
                number(sheet, row, col, *value, &s.money)?;
            }
        }
    }
    // The drop-down's list: each page once.
    sheet.write_string_with_format(data_header, page_list_col, &grid.page_name, &s.header)?;
    sheet.set_column_width(
        page_list_col,
        width_of(grid.pages.iter().map(String::as_str), 12.0, 40.0),
    )?;
    for (row, page) in (pages_first..).zip(&grid.pages) {
        sheet.write_string(row, page_list_col, page)?;
    }
    sheet.set_freeze_panes(TABLE_HEADER + 1, 1)?;
    print_setup(sheet, None)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid() -> WhatIf {
        WhatIf {
            rows: vec!["a".into()],
            columns: vec!["x".into(), "y".into()],
            pages: vec!["p".into()],
            values: vec![vec![vec![1.0, 2.0]]],
            ..Default::default()
        }
    }

    #[test]
    fn a_ragged_grid_is_refused_with_its_place() {
        assert!(check(&grid()).is_ok());
        let mut short = grid();
        short.values = vec![vec![vec![1.0]]];
        let error = check(&short).unwrap_err().to_string();
        assert!(
            error.contains("page p, row a: 1 values for 2 columns"),
            "{error}"
        );
        let mut pages = grid();
        pages.pages.push("q".into());
        assert!(check(&pages)
            .unwrap_err()
            .to_string()
            .contains("2 pages named, 1 pages"));
        assert!(check(&WhatIf::default()).is_err());
        let mut twice = grid();
        twice.pages.push("p".into());
        twice.values.push(vec![vec![3.0, 4.0]]);
        assert!(check(&twice)
            .unwrap_err()
            .to_string()
            .contains("page p (number 2) is named twice"));
    }
}
