//! Which cells Excel shows as percentages.
//!
//! Excel stores "5 %" typed into a cell as the number 0.05 with a percent number format;
//! calamine hands the reader only the number. The input workbook asks for percentages as
//! 0–100 (`5` means 5 %), so a %-formatted 0.05 would silently read as 0.05 %. This module
//! reads the workbook's own parts (SpreadsheetML, ECMA-376 Part 1 §18.8 styles and §18.3
//! worksheets) to find the cells whose style has a percent format — built-in formats 9
//! (`0%`) and 10 (`0.00%`), or a custom format with a `%` outside quotes and brackets — so
//! the reader can multiply their values by 100.
//!
//! The scan is best effort: a part it cannot read leaves its cells unmarked (calamine has
//! already reported a workbook it cannot open).

use std::collections::{HashMap, HashSet};
use std::io::{Cursor, Read};

use quick_xml::events::{BytesStart, Event};
use quick_xml::{Reader, XmlVersion};

/// The %-formatted cells of a workbook, by sheet name, as 0-based (row, column).
#[derive(Debug, Default)]
pub(crate) struct PercentCells(HashMap<String, HashSet<(u32, u32)>>);

impl PercentCells {
    /// Scans an xlsx file's bytes.
    pub(crate) fn scan(bytes: &[u8]) -> PercentCells {
        scan(bytes).unwrap_or_default()
    }

    /// Whether the cell of `sheet` at 0-based (`row`, `column`) has a percent format.
    pub(crate) fn contains(&self, sheet: &str, row: u32, column: u32) -> bool {
        self.0
            .get(sheet)
            .is_some_and(|cells| cells.contains(&(row, column)))
    }
}

fn scan(bytes: &[u8]) -> Option<PercentCells> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).ok()?;
    let mut part = |name: &str| -> Option<String> {
        let mut file = archive.by_name(name).ok()?;
        let mut text = String::new();
        file.read_to_string(&mut text).ok()?;
        Some(text)
    };
    let percent_styles = percent_styles(&part("xl/styles.xml")?);
    if percent_styles.is_empty() {
        return Some(PercentCells::default());
    }
    // Sheet name → relationship id → part name.
    let targets: HashMap<String, String> =
        elements(&part("xl/_rels/workbook.xml.rels")?, "Relationship")
            .into_iter()
            .filter_map(|attributes| {
                let id = attributes.get("Id")?.clone();
                let target = attributes.get("Target")?;
                let path = match target.strip_prefix('/') {
                    Some(absolute) => absolute.to_string(),
                    None => format!("xl/{target}"),
                };
                Some((id, path))
            })
            .collect();
    let sheets: Vec<(String, String)> = elements(&part("xl/workbook.xml")?, "sheet")
        .into_iter()
        .filter_map(|attributes| {
            let name = attributes.get("name")?.clone();
            let target = targets.get(attributes.get("r:id")?)?.clone();
            Some((name, target))
        })
        .collect();
    let mut cells = HashMap::new();
    for (name, path) in sheets {
        let Some(text) = part(&path) else { continue };
        let marked: HashSet<(u32, u32)> = elements(&text, "c")
            .into_iter()
            .filter_map(|attributes| {
                let style: usize = attributes.get("s")?.parse().ok()?;
                percent_styles
                    .contains(&style)
                    .then(|| cell_position(attributes.get("r")?))
                    .flatten()
            })
            .collect();
        if !marked.is_empty() {
            cells.insert(name, marked);
        }
    }
    Some(PercentCells(cells))
}

/// The indices of the `cellXfs` styles whose number format is a percentage.
fn percent_styles(styles: &str) -> HashSet<usize> {
    let custom: HashMap<String, String> = elements(styles, "numFmt")
        .into_iter()
        .filter_map(|attributes| {
            Some((
                attributes.get("numFmtId")?.clone(),
                attributes.get("formatCode")?.clone(),
            ))
        })
        .collect();
    let mut reader = Reader::from_str(styles);
    let mut inside_cell_xfs = false;
    let mut index = 0usize;
    let mut percent = HashSet::new();
    loop {
        match reader.read_event() {
            Ok(Event::Start(element)) if element.local_name().as_ref() == "cellXfs" => {
                inside_cell_xfs = true;
            }
            Ok(Event::End(element)) if element.local_name().as_ref() == "cellXfs" => {
                inside_cell_xfs = false;
            }
            Ok(Event::Start(element) | Event::Empty(element))
                if inside_cell_xfs && element.local_name().as_ref() == "xf" =>
            {
                let attributes = attributes_of(&element);
                let format = attributes
                    .get("numFmtId")
                    .map(String::as_str)
                    .unwrap_or("0");
                let is_percent = match format {
                    "9" | "10" => true,
                    id => custom.get(id).is_some_and(|code| is_percent_code(code)),
                };
                if is_percent {
                    percent.insert(index);
                }
                index += 1;
            }
            Ok(Event::Eof) | Err(_) => break,
            _ => {}
        }
    }
    percent
}

/// Whether a number format code shows a percentage: a `%` outside quoted text, bracketed
/// sections (`[Red]`, `[$-411]`) and escaped characters (`\%`), in its first section.
fn is_percent_code(code: &str) -> bool {
    let mut quoted = false;
    let mut bracket = false;
    let mut escaped = false;
    for character in code.chars() {
        match character {
            _ if escaped => escaped = false,
            '\\' if !quoted => escaped = true,
            '"' => quoted = !quoted,
            '[' if !quoted => bracket = true,
            ']' if !quoted => bracket = false,
            ';' if !quoted && !bracket => return false,
            '%' if !quoted && !bracket => return true,
            _ => {}
        }
    }
    false
}

/// The attributes of every element named `local` (start or empty), in document order.
fn elements(text: &str, local: &str) -> Vec<HashMap<String, String>> {
    let mut reader = Reader::from_str(text);
    let mut found = Vec::new();
    loop {
        match reader.read_event() {
            Ok(Event::Start(element) | Event::Empty(element))
                if element.local_name().as_ref() == local =>
            {
                found.push(attributes_of(&element));
            }
            Ok(Event::Eof) | Err(_) => break,
            _ => {}
        }
    }
    found
}

fn attributes_of(element: &BytesStart) -> HashMap<String, String> {
    element
        .attributes()
        .flatten()
        .filter_map(|attribute| {
            let key = attribute.key.as_ref().to_string();
            let value = attribute
                .normalized_value(XmlVersion::Explicit1_0)
                .ok()?
                .into_owned();
            Some((key, value))
        })
        .collect()
}

/// `B5` → (4, 1).
fn cell_position(reference: &str) -> Option<(u32, u32)> {
    let split = reference.find(|c: char| c.is_ascii_digit())?;
    let (letters, digits) = reference.split_at(split);
    let row: u32 = digits.parse().ok()?;
    let column = letters.chars().try_fold(0u32, |column, letter| {
        letter
            .is_ascii_uppercase()
            .then(|| column * 26 + (u32::from(letter) - u32::from('A') + 1))
    })?;
    Some((row.checked_sub(1)?, column.checked_sub(1)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_codes_are_told_from_lookalikes() {
        for code in ["0%", "0.0%", "#,##0.00 %", "[Red]0.0%", "0.0%;-0.0%"] {
            assert!(is_percent_code(code), "{code}");
        }
        for code in ["0.0\" %\"", "0.0\\%", "#,##0", "0;[Red]-0%", "[$%-411]0"] {
            assert!(!is_percent_code(code), "{code}");
        }
    }

    #[test]
    fn cell_references() {
        assert_eq!(cell_position("B5"), Some((4, 1)));
        assert_eq!(cell_position("AA10"), Some((9, 26)));
        assert_eq!(cell_position("5"), None);
    }

    #[test]
    fn a_percent_formatted_cell_is_found() {
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet().set_name("Finance").unwrap();
        let percent = rust_xlsxwriter::Format::new().set_num_format("0.0%");
        let plain = rust_xlsxwriter::Format::new().set_num_format("#,##0");
        sheet
            .write_number_with_format(4, 1, 0.05, &percent)
            .unwrap();
        sheet.write_number_with_format(5, 1, 5.0, &plain).unwrap();
        sheet.write_number(6, 1, 5.0).unwrap();
        let cells = PercentCells::scan(&book.save_to_buffer().unwrap());
        assert!(cells.contains("Finance", 4, 1));
        assert!(!cells.contains("Finance", 5, 1));
        assert!(!cells.contains("Finance", 6, 1));
        assert!(!cells.contains("Markets", 4, 1));
    }
}
