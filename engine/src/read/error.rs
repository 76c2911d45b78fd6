//! What can go wrong reading an input file, said the way a user fixes it.
//!
//! Every message starts with where (`file:line`, and the column's header where one cell is
//! at fault), then says what was expected and what was found:
//!
//! ```text
//! load.csv:1234: column "kw": expected a number of kW (≥ 0, decimal point, e.g. 12.5), found "12,5"
//! load.csv:4810: expected the interval starting 2024-05-03 14:30 (30-minute steps), found 2024-05-03 15:30: 2 intervals missing
//! ```

use chrono::NaiveDateTime;
use rust_decimal::Decimal;
use std::fmt;

use crate::month::YearMonth;

/// Why an input file could not be read.
///
/// `file` is the path (for the path-based readers) or the source name given to a
/// `*_from_reader` function; `line` is 1-based and counts every physical line of the file,
/// comments and blank lines included, so an editor's "go to line" lands on it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReadError {
    /// The file (or reader) could not be read at all.
    #[error("{path}: cannot read: {error}")]
    Io {
        /// Path or source name.
        path: String,
        /// The operating system's reason.
        #[source]
        error: std::io::Error,
    },

    /// The bytes are neither UTF-8 nor Shift-JIS (cp932).
    #[error(
        "{file}:{line}: expected text in UTF-8 or Shift-JIS (cp932), found bytes that are neither"
    )]
    Encoding {
        /// Path or source name.
        file: String,
        /// First line holding a byte that decodes in neither encoding.
        line: u64,
    },

    /// The CSV itself is malformed (e.g. an unterminated quote).
    #[error("{file}:{line}: expected well-formed CSV, found {message}")]
    Csv {
        /// Path or source name.
        file: String,
        /// Line where the CSV parser gave up.
        line: u64,
        /// The CSV parser's description.
        message: String,
    },

    /// The file's shape is wrong: no header, a missing or ambiguous column, too few columns,
    /// a header that is not the expected format's, no data rows.
    #[error("{file}:{line}: expected {expected}, found {found}")]
    Layout {
        /// Path or source name.
        file: String,
        /// Line of the header (or of the last line read).
        line: u64,
        /// What the reader needed.
        expected: String,
        /// What the file holds instead.
        found: String,
    },

    /// One cell holds something that is not what its column needs.
    #[error("{file}:{line}: column \"{column}\": expected {expected}, found {}", show_cell(.found))]
    Value {
        /// Path or source name.
        file: String,
        /// Line of the row.
        line: u64,
        /// The column's header as written in the file.
        column: String,
        /// What the column needs (e.g. "a number of kW").
        expected: String,
        /// The cell's text (trimmed); empty for an empty or absent cell.
        found: String,
    },

    /// A row's interval does not follow the previous row's by exactly one step.
    #[error(
        "{file}:{line}: expected the interval starting {} ({step_minutes}-minute steps), found {}: {problem}",
        show_time(.expected),
        show_time(.found)
    )]
    Sequence {
        /// Path or source name.
        file: String,
        /// Line of the offending row.
        line: u64,
        /// The interval start that should have come next (previous row + one step).
        expected: NaiveDateTime,
        /// The interval start the row holds.
        found: NaiveDateTime,
        /// The interval length in minutes.
        step_minutes: u32,
        /// Missing intervals, a repeat, a step backwards, or a step off the grid.
        problem: SequenceProblem,
    },

    /// The first two rows are not 15, 30 or 60 minutes apart.
    #[error(
        "{file}:{line}: expected the second interval 15, 30 or 60 minutes after the first ({}), found {}: {minutes} minutes later",
        show_time(.first),
        show_time(.second)
    )]
    IntervalLength {
        /// Path or source name.
        file: String,
        /// Line of the second data row.
        line: u64,
        /// First interval start.
        first: NaiveDateTime,
        /// Second interval start.
        second: NaiveDateTime,
        /// Minutes between them (negative if the second is earlier).
        minutes: i64,
    },

    /// Interval data needs at least two rows to know its interval length.
    #[error("{file}:{line}: expected at least 2 data rows (the interval length is inferred from the first two), found {rows}")]
    TooFewRows {
        /// Path or source name.
        file: String,
        /// The last line read.
        line: u64,
        /// Data rows found.
        rows: usize,
    },

    /// A month appears twice in a monthly file.
    #[error(
        "{file}:{line}: expected each month once, found {month} again (first on line {first_line})"
    )]
    DuplicateMonth {
        /// Path or source name.
        file: String,
        /// Line of the repeat.
        line: u64,
        /// The repeated month.
        month: YearMonth,
        /// Line where the month first appears.
        first_line: u64,
    },

    /// Two series being merged disagree where they overlap.
    #[error("{second}: at {key}: expected the same value as {first} where the two overlap, found {second_value} here and {first_value} there")]
    Conflict {
        /// The series merged into (a path, or "the first series").
        first: String,
        /// The series merged in (a path, or "the second series").
        second: String,
        /// The month or interval start where they differ.
        key: String,
        /// The value in `first`.
        first_value: Decimal,
        /// The value in `second`.
        second_value: Decimal,
    },

    /// Two series being merged are of different kinds (monthly vs. interval, or different
    /// interval lengths).
    #[error("{second}: expected a series like {first} ({first_kind}), found {second_kind}")]
    KindMismatch {
        /// The series merged into.
        first: String,
        /// The series merged in.
        second: String,
        /// e.g. "monthly values" or "30-minute interval values".
        first_kind: String,
        /// The kind of `second`.
        second_kind: String,
    },

    /// An index was asked to be read from no files at all.
    #[error("index \"{name}\": expected at least one file, found none")]
    NoFiles {
        /// The index name.
        name: String,
    },
}

impl ReadError {
    /// The path or source name the error is about (for a merge conflict, the series merged in).
    ///
    /// ```
    /// use voltlex_engine::read::load_csv_from_reader;
    /// let error = load_csv_from_reader("meter.csv", "time,kw\n2024-04-01 00:00,x\n".as_bytes())
    ///     .unwrap_err();
    /// assert_eq!((error.file(), error.line()), ("meter.csv", Some(2)));
    /// ```
    pub fn file(&self) -> &str {
        match self {
            ReadError::Io { path, .. } => path,
            ReadError::Encoding { file, .. }
            | ReadError::Csv { file, .. }
            | ReadError::Layout { file, .. }
            | ReadError::Value { file, .. }
            | ReadError::Sequence { file, .. }
            | ReadError::IntervalLength { file, .. }
            | ReadError::TooFewRows { file, .. }
            | ReadError::DuplicateMonth { file, .. } => file,
            ReadError::Conflict { second, .. } | ReadError::KindMismatch { second, .. } => second,
            ReadError::NoFiles { name } => name,
        }
    }

    /// The 1-based line the error is about, where there is one (not for I/O errors, merge
    /// conflicts and kind mismatches, which are about whole files or series).
    ///
    /// ```
    /// use voltlex_engine::read::load_csv;
    /// let error = load_csv("/no/such/dir/load.csv").unwrap_err();
    /// assert_eq!(error.line(), None);
    /// assert!(error.to_string().starts_with("/no/such/dir/load.csv: cannot read: "));
    /// ```
    pub fn line(&self) -> Option<u64> {
        match self {
            ReadError::Encoding { line, .. }
            | ReadError::Csv { line, .. }
            | ReadError::Layout { line, .. }
            | ReadError::Value { line, .. }
            | ReadError::Sequence { line, .. }
            | ReadError::IntervalLength { line, .. }
            | ReadError::TooFewRows { line, .. }
            | ReadError::DuplicateMonth { line, .. } => Some(*line),
            ReadError::Io { .. }
            | ReadError::Conflict { .. }
            | ReadError::KindMismatch { .. }
            | ReadError::NoFiles { .. } => None,
        }
    }
}

/// How a row breaks the sequence of intervals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SequenceProblem {
    /// This many intervals are missing before the row.
    Missing(u64),
    /// The row repeats the previous row's interval.
    Duplicate,
    /// The row's interval is earlier than the previous row's.
    OutOfOrder,
    /// The row's interval is later, but not a whole number of steps later.
    OffGrid,
}

impl fmt::Display for SequenceProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SequenceProblem::Missing(1) => write!(f, "1 interval missing"),
            SequenceProblem::Missing(count) => write!(f, "{count} intervals missing"),
            SequenceProblem::Duplicate => {
                write!(f, "the previous row's interval again (duplicate)")
            }
            SequenceProblem::OutOfOrder => {
                write!(f, "earlier than the previous row's interval (out of order)")
            }
            SequenceProblem::OffGrid => {
                write!(
                    f,
                    "not a whole number of steps after the previous row's interval"
                )
            }
        }
    }
}

/// A timestamp as users write it: minutes, seconds only when present.
pub(crate) fn show_time(time: &NaiveDateTime) -> String {
    use chrono::Timelike;
    if time.second() == 0 && time.nanosecond() == 0 {
        time.format("%Y-%m-%d %H:%M").to_string()
    } else {
        time.format("%Y-%m-%d %H:%M:%S").to_string()
    }
}

/// A cell's text for a message: quoted, or "an empty cell".
fn show_cell(text: &str) -> String {
    if text.is_empty() {
        "an empty cell".to_string()
    } else {
        format!("{text:?}")
    }
}
