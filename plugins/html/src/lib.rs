//! HTML tables and SVG charts of voltlex results: one rendering module for the Jupyter
//! notebook display (`voltlex::notebook`) and any HTML report. The engine holds no display
//! code; this crate reads its result types (and plain numbers) and writes text.
//!
//! Everything rendered is a self-contained fragment: inline SVG 1.1 with its own styles as
//! attributes, no JavaScript, no external fonts or images, every piece of text escaped
//! ([`escape`]). Fragments are well-formed XML (the tests parse each one), so they can be
//! embedded in XHTML as well as HTML.
//!
//! Two layers:
//! - generic primitives from plain data: [`Table`], [`LineChart`], [`BarChart`] (plain bars or
//!   a waterfall), [`Histogram`] (with vertical markers), built on [`LinearScale`];
//! - thin adapters from result data ([`results`]): bill line items, monthly totals, the energy
//!   profile, the V2G waterfall, the VaR histogram, TCO cumulative costs, goal-seek designs;
//!   and ([`sharing`]) a risk-sharing deal: each party against the status quo, a histogram of
//!   each party's net over the scenarios, cash by month as paid, the fairness grid.
//!
//! ```
//! use voltlex_html::{LineChart, Series};
//! let svg = LineChart::new("Load", "kW")
//!     .x_labels(["00:00", "00:30", "01:00"])
//!     .series(Series::new("base load", vec![120.0, 118.5, 131.0]))
//!     .to_svg();
//! assert!(svg.starts_with("<svg") && svg.contains("<polyline"));
//! ```

mod chart;
mod escape;
pub mod results;
mod scale;
pub mod sharing;
mod table;

pub use chart::{BarChart, Histogram, LineChart, Marker, Series, PALETTE};
pub use escape::{escape, format_decimal, format_number};
pub use scale::{nice_ticks, LinearScale};
pub use table::{Align, Table};
