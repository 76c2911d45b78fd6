//! Source files, spans and positions: how diagnostics and rule references find the text.

use crate::rules::RuleRef;

/// Index of a file in a [`SourceMap`].
pub type FileId = usize;

/// A byte range `[start, end)` in one source file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Span {
    /// The file.
    pub file: FileId,
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

impl Span {
    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span {
            file: self.file,
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }
}

/// One rule file's name and text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    /// The name shown in diagnostics and rule references (a path relative to the package).
    pub name: String,
    /// The full text.
    pub text: String,
    line_starts: Vec<usize>,
}

impl SourceFile {
    /// A source file from its name and text.
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Self {
        let text = text.into();
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        SourceFile {
            name: name.into(),
            text,
            line_starts,
        }
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_column(&self, offset: usize) -> (u32, u32) {
        // `line_starts` begins with 0, so at least one line starts at or before `offset`.
        let line = self
            .line_starts
            .partition_point(|&start| start <= offset)
            .saturating_sub(1);
        let start = self.line_starts.get(line).copied().unwrap_or(0);
        let end = offset.min(self.text.len());
        let column = self.text.get(start..end).map_or(0, |s| s.chars().count());
        (line as u32 + 1, column as u32 + 1)
    }
}

/// All the files of one compilation.
///
/// ```
/// use voltlex_dsl::source::{SourceMap, Span};
/// let mut sources = SourceMap::default();
/// let id = sources.add("plan.vlx", "tariff \"A\" {\n  energy 1 JPY/kWh\n}\n");
/// let at = sources.rule_ref(Span { file: id, start: 15, end: 21 });
/// assert_eq!((at.line, at.column), (2, 3));
/// ```
#[derive(Debug, Clone, Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

impl SourceMap {
    /// Adds a file and returns its id.
    pub fn add(&mut self, name: impl Into<String>, text: impl Into<String>) -> FileId {
        self.files.push(SourceFile::new(name, text));
        self.files.len() - 1
    }

    /// The file with this id; `None` for an id this map did not hand out.
    pub fn file(&self, id: FileId) -> Option<&SourceFile> {
        self.files.get(id)
    }

    /// All files in order.
    pub fn files(&self) -> &[SourceFile] {
        &self.files
    }

    /// The text a span covers.
    pub fn text(&self, span: Span) -> &str {
        self.files
            .get(span.file)
            .and_then(|file| file.text.get(span.start..span.end))
            .unwrap_or("")
    }

    /// A rule reference (file:line:column) for the start of a span.
    /// For a file this map does not hold (no span of a compilation has one), the default
    /// (unnamed file, line 0).
    pub fn rule_ref(&self, span: Span) -> RuleRef {
        let Some(file) = self.files.get(span.file) else {
            return RuleRef::default();
        };
        let (line, column) = file.line_column(span.start);
        RuleRef {
            file: file.name.clone(),
            line,
            column,
        }
    }
}
