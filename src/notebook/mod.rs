//! Scenarios as code, results as pictures: the API a Jupyter notebook (evcxr kernel) or any
//! Rust program scripts voltlex with.
//!
//! - Load: [`rules`] (a rule package), [`load_csv`] (meter data), [`jepx`] (JEPX spot
//!   prices), [`workbook`] (an input workbook, read by `voltlex_excel`).
//! - Build and run, fluently: [`Bill`] (one tariff or several compared), [`Schedule`] (fleet
//!   charging strategies), [`V2g`] (a V2G study with its Monte Carlo risk), [`Tco`] (the
//!   life-cycle cost study: its scenarios, a fleet-size sweep, a goal seek), [`RiskShare`] (a
//!   three-party V2G deal settled over a V2G study's Monte Carlo).
//! - Results are plain data (public fields, the engine's own types) for further Rust code,
//!   and each has `to_html()` (tables and SVG charts from [`voltlex_html`]) and an inherent
//!   `evcxr_display()`: evcxr calls it when a cell's last expression is such a value and
//!   shows the HTML.
//!
//! The builders reuse the CLI's request and scenario types ([`crate::request`],
//! [`crate::scenario`], [`crate::v2g_scenario`], [`crate::tco_scenario`],
//! [`crate::goal_seek`], [`crate::risk_share`]): a notebook computes exactly what `voltlex`
//! does.
//!
//! ```no_run
//! use voltlex::prelude::*;
//! let bill = Bill::new("tariff-rules/jp-tepco-hv")
//!     .tariff("TEPCO EP High-Voltage Basic Plan")
//!     .load("workbooks/examples/site-2024-load.csv")
//!     .power_factor("98")
//!     .index("tepco-fuel-cost", "workbooks/examples/fuel-cost-tepco-hv.csv")
//!     .index("jepx-tokyo", "../shared/data/jepx/spot_summary_2024.csv")
//!     .run()?;
//! println!("{}", bill.total());
//! bill.evcxr_display();
//! # Ok::<(), anyhow::Error>(())
//! ```

mod bill;
mod data;
mod risk_share;
mod schedule;
mod tco;
mod v2g;

pub use bill::{Bill, BillResult, Bills};
pub use data::{jepx, load_csv, rules, workbook, Load, Prices, Rules, Workbook};
pub use risk_share::{RiskShare, RiskShareResult};
pub use schedule::{Schedule, ScheduleResult};
pub use tco::{DesignRow, GoalSeekResult, Sweep, Tco, TcoResult};
pub use v2g::{V2g, V2gResult};
/// The renderer, for tables and charts built by hand.
pub use voltlex_html as html;

/// The text evcxr reads from a cell's output as rich content: `html` shown as HTML.
///
/// ```
/// let text = voltlex::notebook::evcxr_html("<b>hi</b>");
/// assert!(text.starts_with("EVCXR_BEGIN_CONTENT text/html\n<b>hi</b>"));
/// assert!(text.ends_with("\nEVCXR_END_CONTENT"));
/// ```
pub fn evcxr_html(html: &str) -> String {
    format!("EVCXR_BEGIN_CONTENT text/html\n{html}\nEVCXR_END_CONTENT")
}

/// Gives a result type `evcxr_display` (evcxr's convention: an inherent method of that name
/// is called for a cell's value) from its `to_html`.
macro_rules! displayed_as_html {
    ($($type:ty),* $(,)?) => {$(
        impl $type {
            /// Shows the value in Jupyter (evcxr): prints [`to_html`](Self::to_html) between
            /// evcxr's content markers, in one `println!` so no other output interleaves.
            pub fn evcxr_display(&self) {
                println!("{}", $crate::notebook::evcxr_html(&self.to_html()));
            }
        }
    )*};
}
pub(crate) use displayed_as_html;

/// An HTML fragment to show as it is: a table or chart of [`voltlex_html`] built by hand.
///
/// ```
/// use voltlex::notebook::Html;
/// let table = voltlex_html::Table::new(["a"]).row(["1"]);
/// let html = Html::from(table.to_html());
/// assert!(html.to_html().starts_with("<table"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Html(pub String);

impl From<String> for Html {
    fn from(html: String) -> Self {
        Html(html)
    }
}

impl Html {
    /// The fragment.
    ///
    /// ```
    /// assert_eq!(voltlex::notebook::Html("<p/>".into()).to_html(), "<p/>");
    /// ```
    pub fn to_html(&self) -> String {
        self.0.clone()
    }
}

displayed_as_html!(Html);

/// Fragments one after the other in a `<div>` (tables and charts of one result).
pub(crate) fn stack(parts: &[String]) -> String {
    let mut out = String::from("<div class=\"voltlex\">\n");
    for part in parts {
        out.push_str(part);
        out.push('\n');
    }
    out.push_str("</div>");
    out
}

/// A table inside a closed `<details>` (long tables that would bury the charts).
pub(crate) fn folded(summary: &str, html: &str) -> String {
    format!(
        "<details><summary>{}</summary>\n{html}\n</details>",
        voltlex_html::escape(summary)
    )
}

/// Sets each `(JSON pointer, value)` in `value`; the pointer's parent must exist (a typo
/// fails instead of adding a setting nobody reads). `origin` names the file in errors.
pub(crate) fn apply_overrides(
    value: &mut serde_json::Value,
    overrides: &[(String, serde_json::Value)],
    origin: &std::path::Path,
) -> anyhow::Result<()> {
    for (pointer, new) in overrides {
        let (parent, key) = pointer.rsplit_once('/').ok_or_else(|| {
            anyhow::anyhow!("setting {pointer:?}: expected a JSON pointer like \"/v2g/days\"")
        })?;
        let target = value
            .pointer_mut(parent)
            .and_then(serde_json::Value::as_object_mut)
            .ok_or_else(|| {
                anyhow::anyhow!(
                    "{}: setting {pointer:?}: expected an object at {parent:?}, found none",
                    origin.display()
                )
            })?;
        target.insert(key.to_string(), new.clone());
    }
    Ok(())
}

/// A request error with the rules' diagnostics rendered (the plain error only says that
/// the rules have errors).
pub(crate) fn describe(error: crate::request::RequestError) -> anyhow::Error {
    match error {
        crate::request::RequestError::Rules(path, compilation) => anyhow::anyhow!(
            "the rules in {} have errors:\n{}",
            path.display(),
            compilation
                .diagnostics
                .iter()
                .map(|d| d.render(&compilation.sources))
                .collect::<Vec<_>>()
                .join("\n")
        ),
        other => anyhow::Error::new(other),
    }
}
