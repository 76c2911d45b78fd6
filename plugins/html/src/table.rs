//! HTML tables.

use crate::escape::escape;

/// How a column's cells are aligned.
///
/// ```
/// use voltlex_html::{Align, Table};
/// let html = Table::new(["item", "amount"]).align([Align::Left, Align::Right]).to_html();
/// assert!(html.contains("text-align:right"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Align {
    /// Text.
    #[default]
    Left,
    /// Numbers.
    Right,
}

/// An HTML table: a caption, a header row and body rows of text (escaped when rendered).
///
/// ```
/// use voltlex_html::Table;
/// let html = Table::new(["plan", "total"])
///     .caption("Bills 2024")
///     .row(["Basic <B>", "1,234"])
///     .to_html();
/// assert!(html.starts_with("<table"));
/// assert!(html.contains("<td>Basic &lt;B&gt;</td>"));
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Table {
    caption: Option<String>,
    headers: Vec<String>,
    align: Vec<Align>,
    rows: Vec<Vec<String>>,
    footer: Option<Vec<String>>,
}

impl Table {
    /// A table with these column headers and no rows.
    ///
    /// ```
    /// assert_eq!(voltlex_html::Table::new(["a", "b"]).columns(), 2);
    /// ```
    pub fn new<S: Into<String>>(headers: impl IntoIterator<Item = S>) -> Self {
        Table {
            headers: headers.into_iter().map(Into::into).collect(),
            ..Table::default()
        }
    }

    /// With a caption above the table.
    ///
    /// ```
    /// let html = voltlex_html::Table::new(["a"]).caption("Totals").to_html();
    /// assert!(html.contains("<caption"));
    /// ```
    pub fn caption(mut self, caption: impl Into<String>) -> Self {
        self.caption = Some(caption.into());
        self
    }

    /// With these column alignments (missing ones are left-aligned).
    ///
    /// ```
    /// use voltlex_html::{Align, Table};
    /// let t = Table::new(["a", "b"]).align([Align::Right]);
    /// assert!(t.to_html().contains("text-align:right"));
    /// ```
    pub fn align(mut self, align: impl IntoIterator<Item = Align>) -> Self {
        self.align = align.into_iter().collect();
        self
    }

    /// With one more body row (a short row leaves its last cells empty; extra cells are
    /// kept, so a mistake shows).
    ///
    /// ```
    /// let t = voltlex_html::Table::new(["a"]).row(["1"]).row(["2"]);
    /// assert_eq!(t.rows(), 2);
    /// ```
    pub fn row<S: Into<String>>(mut self, cells: impl IntoIterator<Item = S>) -> Self {
        self.push_row(cells);
        self
    }

    /// Adds a body row in place (for loops).
    ///
    /// ```
    /// let mut t = voltlex_html::Table::new(["n"]);
    /// for n in 0..3 { t.push_row([n.to_string()]); }
    /// assert_eq!(t.rows(), 3);
    /// ```
    pub fn push_row<S: Into<String>>(&mut self, cells: impl IntoIterator<Item = S>) {
        self.rows.push(cells.into_iter().map(Into::into).collect());
    }

    /// With a footer row (totals), rendered bold in `<tfoot>`.
    ///
    /// ```
    /// let html = voltlex_html::Table::new(["a"]).footer(["total"]).to_html();
    /// assert!(html.contains("<tfoot>"));
    /// ```
    pub fn footer<S: Into<String>>(mut self, cells: impl IntoIterator<Item = S>) -> Self {
        self.footer = Some(cells.into_iter().map(Into::into).collect());
        self
    }

    /// Columns (headers).
    ///
    /// ```
    /// assert_eq!(voltlex_html::Table::new(["a", "b", "c"]).columns(), 3);
    /// ```
    pub fn columns(&self) -> usize {
        self.headers.len()
    }

    /// Body rows.
    ///
    /// ```
    /// assert_eq!(voltlex_html::Table::new(["a"]).rows(), 0);
    /// ```
    pub fn rows(&self) -> usize {
        self.rows.len()
    }

    /// The table as an HTML fragment (`<table>…</table>`).
    ///
    /// ```
    /// let html = voltlex_html::Table::new(["x"]).row(["1"]).to_html();
    /// assert_eq!(html.matches("<tr>").count(), 2);
    /// ```
    pub fn to_html(&self) -> String {
        let mut out = String::from(
            "<table class=\"voltlex\" style=\"border-collapse:collapse;font-family:sans-serif;font-size:13px\">\n",
        );
        if let Some(caption) = &self.caption {
            out.push_str(&format!(
                "<caption style=\"text-align:left;font-weight:bold;padding:4px 0\">{}</caption>\n",
                escape(caption)
            ));
        }
        out.push_str("<thead><tr>");
        for (column, header) in self.headers.iter().enumerate() {
            out.push_str(&format!(
                "<th{}>{}</th>",
                self.style(column, "border-bottom:1px solid #555;padding:2px 8px"),
                escape(header)
            ));
        }
        out.push_str("</tr></thead>\n<tbody>\n");
        for row in &self.rows {
            out.push_str("<tr>");
            for (column, cell) in row.iter().enumerate() {
                out.push_str(&format!(
                    "<td{}>{}</td>",
                    self.style(column, ""),
                    escape(cell)
                ));
            }
            for column in row.len()..self.headers.len() {
                out.push_str(&format!("<td{}></td>", self.style(column, "")));
            }
            out.push_str("</tr>\n");
        }
        out.push_str("</tbody>\n");
        if let Some(footer) = &self.footer {
            out.push_str("<tfoot><tr>");
            for (column, cell) in footer.iter().enumerate() {
                out.push_str(&format!(
                    "<td{}>{}</td>",
                    self.style(column, "font-weight:bold;border-top:1px solid #555"),
                    escape(cell)
                ));
            }
            out.push_str("</tr></tfoot>\n");
        }
        out.push_str("</table>");
        out
    }

    /// The style attribute of a cell of `column` (with `extra` declarations); nothing for
    /// a left-aligned cell without extras, so plain tables stay plain.
    fn style(&self, column: usize, extra: &str) -> String {
        let right = self.align.get(column) == Some(&Align::Right);
        let mut declarations = Vec::new();
        if right {
            declarations.push("text-align:right");
        }
        if !extra.is_empty() {
            declarations.push(extra);
        }
        if declarations.is_empty() {
            String::new()
        } else {
            format!(" style=\"{}\"", declarations.join(";"))
        }
    }
}
