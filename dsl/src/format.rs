//! The canonical layout of rule files: what `voltlex fmt` writes.
//!
//! The layout is the one the packages in `tariff-rules/` are written in by hand:
//!
//! - one statement per line, indented 2 spaces per brace level; a block's `{` ends its opening
//!   line and its `}` stands on a line of its own (also for an empty block); a block written
//!   on one line is spread over one line per statement, and `;` separators are dropped;
//! - tokens are separated by one space, except: none before `,`, none around `..`, none
//!   between a number and `%` (`85%`), none inside parentheses or between `min`/`max` and
//!   their `(`; units are single tokens (`JPY/kWh`, `JPY/kW per month`);
//! - in a `periods` block the `=` signs line up; in an `energy { … }` block the first values
//!   line up, right-aligned (`night       9.73 JPY/kWh` under `heavy_load 19.40 JPY/kWh`);
//!   a column spans the whole block, blank lines and comments included;
//! - blank lines as written, but at most one in a row, none after `{` or before `}`, none at
//!   the start of the file, and always one between top-level items (tariffs, `contract
//!   aggregator`, `chemistry` and `subsidy` blocks); the file ends with one
//!   newline (an empty file stays empty);
//! - an adjustment written without braces (`adjustment fuel_cost index "x"`) gets them, so
//!   each of its clauses has a line;
//! - comments are kept where they are: a comment on its own line stays on its own line before
//!   what follows it (re-indented to its block); a comment at the end of a line stays at the end
//!   of that line, one space after the last token; a comment between a block's header and its
//!   `{` moves to just after the `{`. A comment inside a statement ends the line, and the
//!   statement goes on on the next line, indented 4 more spaces;
//! - numbers, dates, times, units, names and strings are copied as written; an inline script
//!   (`"""…"""`) is copied byte for byte, an unknown statement (kept for the checker to
//!   report) as written but for trailing blanks. Timelines stay on one line, however long;
//! - lines end in `\n` (a `\r\n` file becomes `\n`, except inside inline scripts), with no
//!   trailing blanks.
//!
//! The formatter works from the grammar's parse tree (which pair is a statement, which a block:
//! a rule whose own text holds a `{`), taking the text between the leaf tokens from the source
//! to recover punctuation and comments, which the grammar keeps silent. Before returning, it
//! parses its output again and checks that it reads as the same tokens, statements and comments.

use std::collections::HashMap;

use pest::iterators::Pair;
use pest::Parser;

use crate::diagnostic::{codes, Diagnostic};
use crate::source::Span;

use crate::syntax::{Rule, VlxParser as Grammar};

/// Formats one rule file's text in the canonical layout (see the [module](self) documentation).
///
/// A text with a syntax error is not formatted: the result is the syntax diagnostic `voltlex
/// check` would report, with its span in file 0 (render it with a
/// [`SourceMap`](crate::source::SourceMap) holding just this text).
///
/// ```
/// use voltlex_dsl::format::format_source;
///
/// let messy = "tariff \"A\" { currency JPY; interval 30min   # settlement\n\
///              energy { peak 28.00 JPY/kWh; night 9.50 JPY/kWh } }";
/// assert_eq!(
///     format_source(messy).unwrap(),
///     "tariff \"A\" {\n  currency JPY\n  interval 30 min # settlement\n  energy {\n    \
///      peak  28.00 JPY/kWh\n    night  9.50 JPY/kWh\n  }\n}\n"
/// );
///
/// let broken = format_source("tariff \"A\" { currency JPY energy 16.56 }").unwrap_err();
/// assert_eq!(broken.code, "E0001");
/// ```
pub fn format_source(text: &str) -> Result<String, Box<Diagnostic>> {
    // The syntax error exactly as `check` reports it.
    crate::syntax::parse(0, text)?;
    let events = layout_events(text).map_err(|_| internal_error("the rules do not parse"))?;
    let formatted = print(&events);
    // A formatter must never change what a file says: read the output back.
    let again = layout_events(&formatted)
        .map_err(|_| internal_error("the formatted text does not parse"))?;
    if skeleton(&events) != skeleton(&again) {
        return Err(internal_error(
            "the formatted text reads differently from the original",
        ));
    }
    Ok(formatted)
}

/// A line diff of `old` and `new` in the unified style (`@@ -12,3 +12,3 @@`, `-` old line,
/// `+` new line, two lines of context); empty when the texts are equal. For `voltlex fmt
/// --check`.
///
/// ```
/// use voltlex_dsl::format::unified_diff;
///
/// let diff = unified_diff("a\nb  c\nd\n", "a\nb c\nd\n");
/// assert_eq!(diff, "@@ -1,3 +1,3 @@\n a\n-b  c\n+b c\n d\n");
/// assert_eq!(unified_diff("same\n", "same\n"), "");
/// ```
pub fn unified_diff(old: &str, new: &str) -> String {
    const CONTEXT: usize = 2;
    let a: Vec<&str> = old.split_inclusive('\n').collect();
    let b: Vec<&str> = new.split_inclusive('\n').collect();
    let ops = diff_ops(&a, &b);
    // Positions of the changes in `ops`.
    let changes: Vec<usize> = ops
        .iter()
        .enumerate()
        .filter(|(_, op)| op.0 != Op::Same)
        .map(|(k, _)| k)
        .collect();
    let mut out = String::new();
    let mut next = 0;
    let mut changes = changes.into_iter().peekable();
    while let Some(first) = changes.next() {
        // A hunk takes the following changes as long as their context would touch.
        let mut last = first;
        while let Some(k) = changes.next_if(|&k| k - last - 1 <= 2 * CONTEXT) {
            last = k;
        }
        let start = first.saturating_sub(CONTEXT).max(next);
        let stop = (last + 1 + CONTEXT).min(ops.len());
        let hunk = ops.get(start..stop).unwrap_or_default();
        let Some(&(_, old_at, new_at)) = hunk.first() else {
            break;
        };
        let old_count = hunk.iter().filter(|o| o.0 != Op::Insert).count();
        let new_count = hunk.iter().filter(|o| o.0 != Op::Delete).count();
        out.push_str(&format!(
            "@@ -{},{old_count} +{},{new_count} @@\n",
            old_at + usize::from(old_count > 0),
            new_at + usize::from(new_count > 0)
        ));
        for &(op, i, j) in hunk {
            let line = match op {
                Op::Same | Op::Delete => a.get(i),
                Op::Insert => b.get(j),
            };
            let Some(&line) = line else { continue };
            let mark = match op {
                Op::Same => ' ',
                Op::Delete => '-',
                Op::Insert => '+',
            };
            out.push(mark);
            out.push_str(line.strip_suffix('\n').unwrap_or(line));
            out.push('\n');
            if !line.ends_with('\n') {
                out.push_str("\\ No newline at end of file\n");
            }
        }
        next = stop;
    }
    out
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Same,
    Delete,
    Insert,
}

/// The edit script from `a` to `b`: each step with the line index it reads in `a` and `b`.
fn diff_ops(a: &[&str], b: &[&str]) -> Vec<(Op, usize, usize)> {
    let prefix = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let (a_rest, b_rest) = (
        a.get(prefix..).unwrap_or_default(),
        b.get(prefix..).unwrap_or_default(),
    );
    let suffix = a_rest
        .iter()
        .rev()
        .zip(b_rest.iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (a_mid, b_mid) = (
        a_rest.get(..a_rest.len() - suffix).unwrap_or_default(),
        b_rest.get(..b_rest.len() - suffix).unwrap_or_default(),
    );
    let (n, m) = (a_mid.len(), b_mid.len());
    let mut ops: Vec<(Op, usize, usize)> = (0..prefix).map(|k| (Op::Same, k, k)).collect();
    let (mut i, mut j) = (0, 0);
    if n.saturating_mul(m) <= 4_000_000 {
        // Longest common subsequence of the suffixes, then one walk through it: `lcs[i][j]`
        // for `a_mid[i..]` and `b_mid[j..]` (0 past either end).
        let mut lcs = vec![vec![0u32; m + 1]; n + 1];
        let at = |lcs: &[Vec<u32>], i: usize, j: usize| {
            lcs.get(i).and_then(|row| row.get(j)).copied().unwrap_or(0)
        };
        for (i, x) in a_mid.iter().enumerate().rev() {
            for (j, y) in b_mid.iter().enumerate().rev() {
                let length = if x == y {
                    at(&lcs, i + 1, j + 1) + 1
                } else {
                    at(&lcs, i + 1, j).max(at(&lcs, i, j + 1))
                };
                if let Some(cell) = lcs.get_mut(i).and_then(|row| row.get_mut(j)) {
                    *cell = length;
                }
            }
        }
        while let (Some(x), Some(y)) = (a_mid.get(i), b_mid.get(j)) {
            if x == y {
                ops.push((Op::Same, prefix + i, prefix + j));
                i += 1;
                j += 1;
            } else if at(&lcs, i + 1, j) >= at(&lcs, i, j + 1) {
                ops.push((Op::Delete, prefix + i, prefix + j));
                i += 1;
            } else {
                ops.push((Op::Insert, prefix + i, prefix + j));
                j += 1;
            }
        }
    }
    // What is left (everything, for texts too large to compare line by line).
    ops.extend((i..n).map(|k| (Op::Delete, prefix + k, prefix + m)));
    ops.extend((j..m).map(|k| (Op::Insert, prefix + n, prefix + k)));
    ops.extend((0..suffix).map(|k| (Op::Same, prefix + n + k, prefix + m + k)));
    ops
}

fn internal_error(what: &str) -> Box<Diagnostic> {
    Box::new(Diagnostic::error(
        codes::SYNTAX,
        format!("voltlex fmt cannot lay out this file safely: {what} (a bug in the formatter; the file is left as it is)"),
        Span::default(),
        "formatting stopped",
    ))
}

// ---- from the parse tree to a stream of layout events ----------------------------------------

/// How a token spaces against its neighbours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Word,
    Number,
    Percent,
    Comma,
    Range,
    /// `min` / `max` before their `(`.
    Call,
    /// `(`
    OpenParen,
    /// `)`
    CloseParen,
}

/// The file as a stream: tokens, braces, comments, and where statements begin and end.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Event<'a> {
    /// A token, with extra spaces after it to line up a column.
    Token {
        text: &'a str,
        kind: Kind,
        pad: usize,
    },
    /// A block's `{`.
    Open,
    /// A block's `}`.
    Close,
    /// `# …` (without the line break); `own_line`: nothing but space before it on its line.
    Comment { text: &'a str, own_line: bool },
    /// One or more empty lines in the source.
    Blank,
    /// A statement begins.
    Start,
    /// A statement ends.
    End,
}

/// What must survive formatting: everything but the layout.
fn skeleton<'a>(events: &[Event<'a>]) -> Vec<Event<'a>> {
    events
        .iter()
        .filter(|e| **e != Event::Blank)
        .map(|e| match e {
            Event::Token { text, kind, .. } => Event::Token {
                text,
                kind: *kind,
                pad: 0,
            },
            Event::Comment { text, .. } => Event::Comment {
                text,
                own_line: false,
            },
            other => other.clone(),
        })
        .collect()
}

fn layout_events(text: &str) -> Result<Vec<Event<'_>>, Box<pest::error::Error<Rule>>> {
    let pairs = Grammar::parse(Rule::file, text)?;
    let mut walker = Walker {
        text,
        cursor: 0,
        events: Vec::new(),
        newlines: 0,
        line_broken: true,
        pads: HashMap::new(),
    };
    // The `file` rule yields one pair.
    for file in pairs {
        walker.walk(file);
    }
    Ok(walker.events)
}

/// Leaves of the tree: atomic rules (no inner pairs), and the rules copied as a whole.
fn is_token(pair: &Pair<Rule>) -> bool {
    match pair.as_rule() {
        Rule::string
        | Rule::long_string
        | Rule::unknown_item
        | Rule::unknown_demand_item
        | Rule::unknown_aggregator_item
        | Rule::unknown_chemistry_item
        | Rule::unknown_subsidy_item
        | Rule::unknown_sharing_item => true,
        // An empty block (`{ }`) has no inner pairs either, but it is punctuation.
        _ => pair.clone().into_inner().next().is_none() && !pair.as_str().starts_with('{'),
    }
}

struct Walker<'a> {
    text: &'a str,
    /// Everything before this offset is in `events`.
    cursor: usize,
    events: Vec<Event<'a>>,
    /// Line breaks since the last token or comment.
    newlines: usize,
    /// Whether a line break came since the last token or comment (the start of the file
    /// counts as one).
    line_broken: bool,
    /// Alignment: extra spaces after the token starting at this offset.
    pads: HashMap<usize, usize>,
}

impl<'a> Walker<'a> {
    fn walk(&mut self, pair: Pair<'a, Rule>) {
        if is_token(&pair) {
            self.token(&pair);
            return;
        }
        let rule = pair.as_rule();
        let span = pair.as_span();
        let children: Vec<Pair<'a, Rule>> = pair
            .into_inner()
            .filter(|p| p.as_rule() != Rule::EOI)
            .collect();
        // A block: the rule's own text (between its inner pairs) holds a `{`; what follows
        // it is one statement per inner pair. The file's tariffs are statements too.
        let open = self.own_brace(span.start(), span.end(), &children);
        // `adjustment NAME CLAUSE…` is written with braces.
        let braceless = rule == Rule::adjustment_item && open.is_none();
        self.align(rule, &children);
        let mut opened = false;
        for child in children {
            let start = child.as_span().start();
            let statement = match open {
                Some(at) => start > at,
                None => rule == Rule::file || (braceless && !is_token(&child)),
            };
            if !statement {
                self.walk(child);
                continue;
            }
            if braceless && !opened {
                self.events.push(Event::Open);
                opened = true;
            }
            self.gap(start);
            self.events.push(Event::Start);
            self.walk(child);
            self.events.push(Event::End);
        }
        if braceless {
            if !opened {
                self.events.push(Event::Open);
            }
            self.trailing_comment();
            self.events.push(Event::Close);
        }
        let end = if rule == Rule::file {
            self.text.len()
        } else {
            // pest lets a pair end after the space and comments that a trailing `x?` or `x*`
            // skipped: those belong to what follows.
            self.content_end(span.end())
        };
        self.gap(end);
    }

    /// The end of the last punctuation between the cursor and `end`, or the cursor.
    fn content_end(&self, end: usize) -> usize {
        let mut last = self.cursor;
        let mut comment = false;
        for (k, byte) in self.text[self.cursor..end].bytes().enumerate() {
            match byte {
                b'\n' => comment = false,
                b'#' => comment = true,
                b' ' | b'\t' | b'\r' | b';' => {}
                _ if !comment => last = self.cursor + k + 1,
                _ => {}
            }
        }
        last
    }

    /// The offset of the `{` in a pair's own text (not in its inner pairs), if any.
    fn own_brace(&self, start: usize, end: usize, children: &[Pair<Rule>]) -> Option<usize> {
        let mut from = start;
        let bounds = children
            .iter()
            .map(|c| (c.as_span().start(), c.as_span().end()));
        for (child_start, child_end) in bounds.chain([(end, end)]) {
            let mut comment = false;
            for (k, byte) in self.text[from..child_start].bytes().enumerate() {
                match byte {
                    b'\n' => comment = false,
                    b'#' => comment = true,
                    b'{' if !comment => return Some(from + k),
                    _ => {}
                }
            }
            from = child_end;
        }
        None
    }

    /// Columns: the `=` of period definitions, and the first value of keyed energy prices
    /// (right-aligned, so that the units line up too).
    fn align(&mut self, rule: Rule, children: &[Pair<'a, Rule>]) {
        let row = match rule {
            Rule::periods_block => Rule::period_def,
            Rule::energy_keyed => Rule::keyed_rate,
            _ => return,
        };
        let rows: Vec<(usize, usize, usize)> = children
            .iter()
            .filter(|c| c.as_rule() == row)
            .filter_map(|c| {
                let name = c.clone().into_inner().next()?;
                let value = match row {
                    Rule::keyed_rate => c
                        .clone()
                        .into_inner()
                        .flatten()
                        .find(|p| p.as_rule() == Rule::number)
                        .map_or(0, |n| n.as_str().chars().count()),
                    _ => 0,
                };
                Some((name.as_span().start(), name.as_str().chars().count(), value))
            })
            .collect();
        let name_width = rows.iter().map(|r| r.1).max().unwrap_or(0);
        let value_width = rows.iter().map(|r| r.2).max().unwrap_or(0);
        for (at, name, value) in rows {
            self.pads
                .insert(at, (name_width - name) + (value_width - value));
        }
    }

    fn token(&mut self, pair: &Pair<'a, Rule>) {
        let span = pair.as_span();
        self.gap(span.start());
        let rule = pair.as_rule();
        let mut text = span.as_str();
        if matches!(
            rule,
            Rule::unknown_item
                | Rule::unknown_demand_item
                | Rule::unknown_aggregator_item
                | Rule::unknown_chemistry_item
                | Rule::unknown_subsidy_item
                | Rule::unknown_sharing_item
        ) {
            // It runs to the end of its line: not its trailing blanks.
            text = text.trim_end();
        }
        let kind = match rule {
            Rule::number => Kind::Number,
            Rule::comma => Kind::Comma,
            Rule::unit_path if text.starts_with('%') => Kind::Percent,
            Rule::k_min | Rule::k_max => Kind::Call,
            _ => Kind::Word,
        };
        let pad = self.pads.get(&span.start()).copied().unwrap_or(0);
        if !text.is_empty() {
            self.push_token(text, kind, pad);
        }
        self.cursor = span.end();
    }

    fn push_token(&mut self, text: &'a str, kind: Kind, pad: usize) {
        self.events.push(Event::Token { text, kind, pad });
        self.newlines = 0;
        self.line_broken = false;
    }

    /// The source between the cursor and `end`: space, `;`, comments, and the punctuation the
    /// grammar writes as literals (`{`, `}`, `=`, `,`, `..`).
    fn gap(&mut self, end: usize) {
        let text = self.text;
        let bytes = text.as_bytes();
        // Comments wait here in case a `{` follows them: they move after it.
        let mut held: Vec<Event<'a>> = Vec::new();
        let mut i = self.cursor;
        while i < end {
            let Some(&byte) = bytes.get(i) else { break };
            match byte {
                b'\n' => {
                    self.newlines += 1;
                    self.line_broken = true;
                    i += 1;
                }
                b' ' | b'\t' | b'\r' | b';' => i += 1,
                b'#' => {
                    let stop = text[i..end].find('\n').map_or(end, |n| i + n);
                    if self.newlines >= 2 {
                        held.push(Event::Blank);
                    }
                    held.push(Event::Comment {
                        text: text[i..stop].trim_end(),
                        own_line: self.line_broken,
                    });
                    self.newlines = 0;
                    self.line_broken = false;
                    i = stop;
                }
                b'{' => {
                    self.events.push(Event::Open);
                    self.events.append(&mut held);
                    self.newlines = 0;
                    self.line_broken = false;
                    i += 1;
                }
                b'}' => {
                    self.events.append(&mut held);
                    self.events.push(Event::Close);
                    self.newlines = 0;
                    self.line_broken = false;
                    i += 1;
                }
                b'.' if bytes.get(i + 1) == Some(&b'.') => {
                    self.events.append(&mut held);
                    self.push_token("..", Kind::Range, 0);
                    i += 2;
                }
                b',' => {
                    self.events.append(&mut held);
                    self.push_token(",", Kind::Comma, 0);
                    i += 1;
                }
                b'(' | b')' => {
                    self.events.append(&mut held);
                    let (text, kind) = if byte == b'(' {
                        ("(", Kind::OpenParen)
                    } else {
                        (")", Kind::CloseParen)
                    };
                    self.push_token(text, kind, 0);
                    i += 1;
                }
                _ => {
                    // `=`, and whatever else a grammar rule may spell literally.
                    let stop = text[i..end]
                        .find(|c: char| {
                            c.is_ascii_whitespace() || matches!(c, ';' | '#' | '(' | ')')
                        })
                        .map_or(end, |n| i + n.max(1));
                    self.events.append(&mut held);
                    self.push_token(&text[i..stop], Kind::Word, 0);
                    i = stop;
                }
            }
        }
        self.events.append(&mut held);
        if self.newlines >= 2 {
            self.events.push(Event::Blank);
            self.newlines = 0;
        }
        self.cursor = self.cursor.max(end);
    }

    /// A comment on the same line as the last token (for a `}` the formatter adds).
    fn trailing_comment(&mut self) {
        let text = self.text;
        let rest = &text[self.cursor..];
        let skipped = rest.len() - rest.trim_start_matches([' ', '\t', '\r', ';']).len();
        let at = self.cursor + skipped;
        if text[at..].starts_with('#') {
            let stop = text[at..].find('\n').map_or(text.len(), |n| at + n);
            self.events.push(Event::Comment {
                text: text[at..stop].trim_end(),
                own_line: false,
            });
            self.cursor = stop;
            self.newlines = 0;
            self.line_broken = false;
        }
    }
}

// ---- from events to text ---------------------------------------------------------------------

/// Where the printer is on the current line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Line {
    /// Nothing written yet (at the start of the output or after a line break).
    Fresh,
    /// Indented for a statement, no token yet.
    Started,
    /// Tokens written; the statement may go on on this line.
    Content,
    /// The line is done (a statement ended, or a brace): only a comment may follow on it.
    Closed,
    /// The line ends with a comment: nothing may follow on it.
    Commented,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Frame {
    Block,
    Statement,
}

struct Printer {
    out: String,
    frames: Vec<Frame>,
    line: Line,
    /// The last token on the line: its kind and alignment padding.
    prev: Option<(Kind, usize)>,
    /// The source had an empty line here.
    blank: bool,
    /// A top-level tariff ended: the next line is set off by an empty one.
    force_blank: bool,
    /// The last line ended with `{`.
    after_open: bool,
}

fn print(events: &[Event]) -> String {
    let mut p = Printer {
        out: String::new(),
        frames: Vec::new(),
        line: Line::Fresh,
        prev: None,
        blank: false,
        force_blank: false,
        after_open: false,
    };
    for event in events {
        match *event {
            Event::Token { text, kind, pad } => {
                match p.line {
                    Line::Started => {}
                    Line::Content => {
                        let spaces = spacing(p.prev, kind);
                        p.out.extend(std::iter::repeat_n(' ', spaces));
                    }
                    Line::Fresh | Line::Closed | Line::Commented => {
                        let continuation = p.in_statement();
                        p.start_line(continuation, false);
                    }
                }
                p.out.push_str(text);
                p.line = Line::Content;
                p.prev = Some((kind, pad));
                p.blank = false;
            }
            Event::Open => {
                if p.line == Line::Content {
                    p.out.push_str(" {");
                } else {
                    let continuation = p.in_statement();
                    p.start_line(continuation, false);
                    p.out.push('{');
                }
                p.frames.push(Frame::Block);
                p.line = Line::Closed;
                p.after_open = true;
            }
            Event::Close => {
                debug_assert_eq!(p.frames.last(), Some(&Frame::Block));
                p.frames.pop();
                p.start_line(false, false);
                p.out.push('}');
                p.line = Line::Closed;
            }
            Event::Start => {
                p.start_line(false, true);
                p.frames.push(Frame::Statement);
            }
            Event::End => {
                debug_assert_eq!(p.frames.last(), Some(&Frame::Statement));
                p.frames.pop();
                if p.line == Line::Content {
                    p.line = Line::Closed;
                }
                if p.frames.is_empty() {
                    p.force_blank = true;
                }
            }
            Event::Comment { text, own_line } => {
                if !own_line && matches!(p.line, Line::Content | Line::Closed) {
                    p.out.push(' ');
                } else {
                    let inside = p.in_statement();
                    p.start_line(inside, !inside);
                }
                p.out.push_str(text);
                p.line = Line::Commented;
            }
            Event::Blank => p.blank = true,
        }
    }
    if p.line != Line::Fresh {
        p.out.push('\n');
    }
    p.out
}

impl Printer {
    fn in_statement(&self) -> bool {
        self.frames.last() == Some(&Frame::Statement)
    }

    /// Ends the current line and indents the next: 2 spaces per block, 4 more for the
    /// continuation of a statement. An empty line first if the source had one and it may.
    fn start_line(&mut self, continuation: bool, blank_allowed: bool) {
        if self.line != Line::Fresh {
            self.out.push('\n');
        }
        if blank_allowed
            && (self.blank || self.force_blank)
            && !self.after_open
            && !self.out.is_empty()
        {
            self.out.push('\n');
        }
        self.blank = false;
        self.force_blank = false;
        self.after_open = false;
        let depth = self.frames.iter().filter(|f| **f == Frame::Block).count();
        let width = 2 * depth + if continuation { 4 } else { 0 };
        self.out.extend(std::iter::repeat_n(' ', width));
        self.line = Line::Started;
        self.prev = None;
    }
}

/// Spaces between two tokens on one line.
fn spacing(prev: Option<(Kind, usize)>, next: Kind) -> usize {
    let Some((prev, pad)) = prev else { return 0 };
    match (prev, next) {
        (_, Kind::Comma)
        | (Kind::Range, _)
        | (_, Kind::Range)
        | (Kind::Number, Kind::Percent)
        | (Kind::Call, Kind::OpenParen)
        | (Kind::OpenParen, _)
        | (_, Kind::CloseParen) => 0,
        _ => 1 + pad,
    }
}
