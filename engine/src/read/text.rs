//! Shared plumbing for the readers: bytes in, decoded text, CSV rows with their line numbers,
//! and the one-step-after-the-previous check for interval data.

use chrono::{Duration, NaiveDateTime, Timelike};
use encoding_rs::SHIFT_JIS;
use std::io::Read;
use std::path::Path;

use super::error::{ReadError, SequenceProblem};

/// The whole file, or an I/O error naming the path.
pub(crate) fn read_path(path: &Path) -> Result<Vec<u8>, ReadError> {
    std::fs::read(path).map_err(|error| ReadError::Io {
        path: path.display().to_string(),
        error,
    })
}

/// Everything a reader yields, or an I/O error naming the source.
pub(crate) fn read_source(file: &str, mut reader: impl Read) -> Result<Vec<u8>, ReadError> {
    let mut bytes = Vec::new();
    reader
        .read_to_end(&mut bytes)
        .map_err(|error| ReadError::Io {
            path: file.to_string(),
            error,
        })?;
    Ok(bytes)
}

/// Text from UTF-8 (with or without a byte-order mark) or, failing that, Shift-JIS (cp932:
/// what JEPX publishes and what Japanese Excel saves as "CSV").
pub(crate) fn decode(file: &str, bytes: Vec<u8>) -> Result<String, ReadError> {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return String::from_utf8(rest.to_vec()).map_err(|error| ReadError::Encoding {
            file: file.to_string(),
            line: line_at(rest, error.utf8_error().valid_up_to()),
        });
    }
    match String::from_utf8(bytes) {
        Ok(text) => Ok(text),
        Err(error) => {
            let bytes = error.into_bytes();
            match SHIFT_JIS.decode_without_bom_handling_and_without_replacement(&bytes) {
                Some(text) => Ok(text.into_owned()),
                None => Err(ReadError::Encoding {
                    file: file.to_string(),
                    line: first_line_not_shift_jis(&bytes),
                }),
            }
        }
    }
}

/// 1-based line holding byte `offset` (for the rare errors outside a table).
fn line_at(bytes: &[u8], offset: usize) -> u64 {
    1 + bytes
        .iter()
        .take(offset)
        .filter(|&&byte| byte == b'\n')
        .count() as u64
}

/// The first line that is not valid Shift-JIS. A Shift-JIS trail byte is never `\n`, so
/// splitting on it first is safe.
fn first_line_not_shift_jis(bytes: &[u8]) -> u64 {
    bytes
        .split(|&byte| byte == b'\n')
        .position(|line| {
            SHIFT_JIS
                .decode_without_bom_handling_and_without_replacement(line)
                .is_none()
        })
        .map_or(1, |index| index as u64 + 1)
}

/// A data row with the line it starts on.
pub(crate) struct Row {
    pub line: u64,
    record: csv::StringRecord,
}

impl Row {
    /// Cell `index`, trimmed; empty when the row is shorter.
    pub fn get(&self, index: usize) -> &str {
        self.record.get(index).unwrap_or("")
    }

    /// The cells of the row, trimmed, as many as the line holds.
    pub fn cells(&self) -> impl Iterator<Item = &str> {
        self.record.iter()
    }
}

/// A CSV file: its header (trimmed cells) and its data rows. Rows whose cells are all empty
/// (blank lines, or `,,,` as JEPX and spreadsheets write them) are dropped: interval readers
/// check the sequence of timestamps, so a dropped row can never hide a missing interval.
pub(crate) struct Table {
    pub header: Vec<String>,
    pub header_line: u64,
    pub rows: Vec<Row>,
}

impl Table {
    /// Columns whose header equals `name`, ignoring case.
    pub fn columns_named(&self, name: &str) -> Vec<usize> {
        self.header
            .iter()
            .enumerate()
            .filter(|(_, header)| header.eq_ignore_ascii_case(name))
            .map(|(index, _)| index)
            .collect()
    }

    /// The header as a message lists it: `"timestamp", "power"`.
    pub fn header_list(&self) -> String {
        let names: Vec<String> = self.header.iter().map(|name| format!("{name:?}")).collect();
        if names.is_empty() {
            "no columns".to_string()
        } else {
            format!("columns {}", names.join(", "))
        }
    }

    /// The one column named `name` (case-insensitive), or a layout error listing the header.
    pub fn column(&self, file: &str, name: &str) -> Result<usize, ReadError> {
        match self.columns_named(name).as_slice() {
            [index] => Ok(*index),
            [] => Err(self.layout_error(file, format!("a column named \"{name}\""))),
            _ => Err(self.layout_error(file, format!("exactly one column named \"{name}\""))),
        }
    }

    /// A layout error at the header line, showing the header.
    pub fn layout_error(&self, file: &str, expected: String) -> ReadError {
        ReadError::Layout {
            file: file.to_string(),
            line: self.header_line,
            expected,
            found: self.header_list(),
        }
    }

    /// The line a "no rows" or "too few rows" message points at: the last line read.
    pub fn last_line(&self) -> u64 {
        self.rows.last().map_or(self.header_line, |row| row.line)
    }

    /// A value error for cell `column` of `row`.
    pub fn value_error(&self, file: &str, row: &Row, column: usize, expected: &str) -> ReadError {
        ReadError::Value {
            file: file.to_string(),
            line: row.line,
            column: self.header.get(column).cloned().unwrap_or_default(),
            expected: expected.to_string(),
            found: row.get(column).to_string(),
        }
    }
}

/// Splits `text` into a header and data rows. With `comments`, lines starting with `#` are
/// skipped (they still count for line numbers).
pub(crate) fn table(file: &str, text: &str, comments: bool) -> Result<Table, ReadError> {
    let lines = LineIndex::new(text, comments);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .comment(comments.then_some(b'#'))
        .from_reader(text.as_bytes());
    let mut header: Option<(Vec<String>, u64)> = None;
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|error| ReadError::Csv {
            file: file.to_string(),
            line: error
                .position()
                .map_or_else(|| lines.line_at(text.len()), |p| lines.record_line(p)),
            message: error.to_string(),
        })?;
        if record.iter().all(str::is_empty) {
            continue;
        }
        let line = record
            .position()
            .map_or_else(|| lines.line_at(text.len()), |p| lines.record_line(p));
        if header.is_none() {
            header = Some((record.iter().map(str::to_string).collect(), line));
        } else {
            rows.push(Row { line, record });
        }
    }
    let Some((header, header_line)) = header else {
        return Err(ReadError::Layout {
            file: file.to_string(),
            line: 1,
            expected: "a header row".to_string(),
            found: "an empty file".to_string(),
        });
    };
    Ok(Table {
        header,
        header_line,
        rows,
    })
}

/// Line numbers for byte offsets of a text.
///
/// The CSV parser reports where it *started* reading a record, which is before the blank
/// and comment lines it skipped on the way; [`LineIndex::record_line`] steps over those the
/// same way to find the line the record really starts on.
struct LineIndex<'a> {
    text: &'a [u8],
    comments: bool,
    /// Byte offset of every `\n`.
    newlines: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    fn new(text: &'a str, comments: bool) -> Self {
        let text = text.as_bytes();
        let newlines = text
            .iter()
            .enumerate()
            .filter(|(_, &byte)| byte == b'\n')
            .map(|(offset, _)| offset)
            .collect();
        LineIndex {
            text,
            comments,
            newlines,
        }
    }

    /// 1-based line holding byte `offset`.
    fn line_at(&self, offset: usize) -> u64 {
        self.newlines.partition_point(|&newline| newline < offset) as u64 + 1
    }

    /// The line of the record the parser started reading at `position`.
    fn record_line(&self, position: &csv::Position) -> u64 {
        let mut offset = usize::try_from(position.byte()).unwrap_or(self.text.len());
        while let Some(&byte) = self.text.get(offset) {
            match byte {
                b'\r' | b'\n' => offset += 1,
                b'#' if self.comments => {
                    offset = self
                        .text
                        .iter()
                        .skip(offset)
                        .position(|&byte| byte == b'\n')
                        .map_or(self.text.len(), |end| offset + end + 1);
                }
                _ => break,
            }
        }
        self.line_at(offset)
    }
}

/// Checks that `found` is exactly one step after `previous`.
pub(crate) fn check_next(
    file: &str,
    line: u64,
    previous: NaiveDateTime,
    found: NaiveDateTime,
    step_minutes: u32,
) -> Result<(), ReadError> {
    let step = Duration::minutes(i64::from(step_minutes));
    let expected = previous + step;
    if found == expected {
        return Ok(());
    }
    let problem = if found == previous {
        SequenceProblem::Duplicate
    } else if found < previous {
        SequenceProblem::OutOfOrder
    } else {
        let late = (found - expected).num_seconds();
        let step_seconds = step.num_seconds();
        if late > 0 && late % step_seconds == 0 {
            SequenceProblem::Missing((late / step_seconds) as u64)
        } else {
            SequenceProblem::OffGrid
        }
    };
    Err(ReadError::Sequence {
        file: file.to_string(),
        line,
        expected,
        found,
        step_minutes,
        problem,
    })
}

/// Whether `time` starts an interval of `step_minutes` counted from midnight.
pub(crate) fn on_grid(time: NaiveDateTime, step_minutes: u32) -> bool {
    time.nanosecond() == 0
        && time
            .num_seconds_from_midnight()
            .is_multiple_of(step_minutes * 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_utf8_bom_and_shift_jis() {
        let utf8 = "受渡日,x\n".to_string();
        assert_eq!(decode("f", utf8.clone().into_bytes()).unwrap(), utf8);
        let mut bom = b"\xEF\xBB\xBF".to_vec();
        bom.extend_from_slice(utf8.as_bytes());
        assert_eq!(decode("f", bom).unwrap(), utf8);
        let (sjis, _, _) = SHIFT_JIS.encode(&utf8);
        assert_eq!(decode("f", sjis.into_owned()).unwrap(), utf8);
    }

    #[test]
    fn reports_the_line_of_undecodable_bytes() {
        let bytes = b"a,b\n1,2\n3,\x80\xFF\n".to_vec();
        let error = decode("x.csv", bytes).unwrap_err();
        assert_eq!(error.line(), Some(3));
    }

    #[test]
    fn line_numbers_count_comments_and_blank_lines() {
        let text = "# source: example\nmonth,value\n\n2024-04,1\r\n# note\n2024-05,2\n";
        let table = table("f", text, true).unwrap();
        assert_eq!(table.header_line, 2);
        let lines: Vec<u64> = table.rows.iter().map(|row| row.line).collect();
        assert_eq!(lines, vec![4, 6]);

        let text = "a\n\n\nb\r\n\r\nc\n\"x\ny\",z\n  ,\nw\n";
        let table = super::table("f", text, false).unwrap();
        let lines: Vec<u64> = table.rows.iter().map(|row| row.line).collect();
        assert_eq!(lines, vec![4, 6, 7, 10]);
    }
}
