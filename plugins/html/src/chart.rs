//! SVG charts: lines, bars (plain or waterfall), histograms with markers.
//!
//! Every chart is drawn in one fixed frame (title, legend row, plot area with a y axis of
//! round ticks and category labels below), so charts of one notebook look alike. Elements
//! the tests (and a reader of the markup) look for carry a `class`: `series` polylines with
//! `data-series`, `bar` rects with `data-value`, `marker` lines with `data-value`.

use std::fmt::Write as _;

use crate::escape::{escape, format_number};
use crate::scale::{nice_ticks, LinearScale};

/// Colours of the series, in order (colour-blind-safe Okabe–Ito palette).
pub const PALETTE: [&str; 8] = [
    "#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000",
];

const WIDTH: f64 = 680.0;
const HEIGHT: f64 = 340.0;
const LEFT: f64 = 84.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 52.0;
const BOTTOM: f64 = 58.0;
const POSITIVE: &str = "#009E73";
const NEGATIVE: &str = "#D55E00";
const TOTAL: &str = "#0072B2";

/// One named series of values (one per x position).
///
/// ```
/// let s = voltlex_html::Series::new("PV", vec![0.0, 12.5]);
/// assert_eq!(s.values.len(), 2);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// Shown in the legend.
    pub name: String,
    /// The values; a value that is not finite leaves a gap.
    pub values: Vec<f64>,
}

impl Series {
    /// A series named `name`.
    ///
    /// ```
    /// let s = voltlex_html::Series::new("load", vec![1.0]);
    /// assert_eq!(s.name, "load");
    /// ```
    pub fn new(name: impl Into<String>, values: Vec<f64>) -> Self {
        Series {
            name: name.into(),
            values,
        }
    }
}

/// A vertical line at a value of a histogram's axis (VaR, CVaR, the mean).
///
/// ```
/// let m = voltlex_html::Marker::new("VaR 95 %", -1200.0);
/// assert_eq!(m.value, -1200.0);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Marker {
    /// Its label, written at the top of the line.
    pub label: String,
    /// Where on the x axis.
    pub value: f64,
}

impl Marker {
    /// A marker `label` at `value`.
    ///
    /// ```
    /// assert_eq!(voltlex_html::Marker::new("mean", 3.0).label, "mean");
    /// ```
    pub fn new(label: impl Into<String>, value: f64) -> Self {
        Marker {
            label: label.into(),
            value,
        }
    }
}

/// The plot area in pixels.
struct Plot {
    left: f64,
    right: f64,
    top: f64,
    bottom: f64,
}

const PLOT: Plot = Plot {
    left: LEFT,
    right: WIDTH - RIGHT,
    top: TOP,
    bottom: HEIGHT - BOTTOM,
};

/// Decimals that show a tick step without noise (step 0.25 → 2, step 20 → 0).
fn decimals_for(step: f64) -> usize {
    if !step.is_finite() || step <= 0.0 || step >= 1.0 {
        0
    } else {
        (-step.log10()).ceil().clamp(0.0, 6.0) as usize
    }
}

/// Opens the SVG and writes the title.
fn open(out: &mut String, title: &str) {
    let _ = writeln!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"voltlex-chart\" width=\"{WIDTH}\" \
         height=\"{HEIGHT}\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" font-family=\"sans-serif\" \
         font-size=\"11\">\n<rect x=\"0\" y=\"0\" width=\"{WIDTH}\" height=\"{HEIGHT}\" \
         fill=\"#ffffff\"/>\n<text class=\"title\" x=\"{LEFT}\" y=\"18\" font-size=\"14\" \
         font-weight=\"bold\">{}</text>",
        escape(title)
    );
}

/// Writes a legend row of coloured swatches under the title.
fn legend(out: &mut String, entries: &[(&str, &str)]) {
    let mut x = LEFT;
    for (name, colour) in entries {
        let _ = writeln!(
            out,
            "<g class=\"legend\"><rect x=\"{x:.1}\" y=\"28\" width=\"12\" height=\"12\" \
             fill=\"{colour}\"/><text x=\"{:.1}\" y=\"38\">{}</text></g>",
            x + 16.0,
            escape(name)
        );
        // Roughly 6.5 px per character at 11 px: enough to keep entries apart.
        x += 16.0 + 6.5 * name.chars().count() as f64 + 18.0;
    }
}

/// The y scale over ticks covering `values` and zero, with the axis, grid lines and labels.
fn y_axis(out: &mut String, values: impl Iterator<Item = f64>, label: &str) -> LinearScale {
    let (mut low, mut high) = (0.0f64, 0.0f64);
    for value in values.filter(|v| v.is_finite()) {
        low = low.min(value);
        high = high.max(value);
    }
    let ticks = nice_ticks(low, high, 5);
    let domain = match (ticks.first(), ticks.last()) {
        (Some(first), Some(last)) => (*first, *last),
        _ => (low, high),
    };
    let scale = LinearScale::new(domain, (PLOT.bottom, PLOT.top));
    let step = match (ticks.first(), ticks.get(1)) {
        (Some(a), Some(b)) => b - a,
        _ => 1.0,
    };
    let decimals = decimals_for(step);
    for tick in &ticks {
        let y = scale.map(*tick);
        let _ = writeln!(
            out,
            "<line class=\"grid\" x1=\"{:.1}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\" \
             stroke=\"{}\" stroke-width=\"1\"/>\n<text class=\"tick\" x=\"{:.1}\" y=\"{:.1}\" \
             text-anchor=\"end\">{}</text>",
            PLOT.left,
            PLOT.right,
            if *tick == 0.0 { "#888888" } else { "#e4e4e4" },
            PLOT.left - 6.0,
            y + 4.0,
            escape(&format_number(*tick, decimals))
        );
    }
    let middle = (PLOT.top + PLOT.bottom) / 2.0;
    let _ = writeln!(
        out,
        "<line class=\"axis\" x1=\"{l:.1}\" y1=\"{t:.1}\" x2=\"{l:.1}\" y2=\"{b:.1}\" \
         stroke=\"#555555\"/>\n<text class=\"axis-label\" x=\"14\" y=\"{middle:.1}\" \
         text-anchor=\"middle\" transform=\"rotate(-90 14 {middle:.1})\">{}</text>",
        escape(label),
        l = PLOT.left,
        t = PLOT.top,
        b = PLOT.bottom,
    );
    scale
}

/// Category labels under the plot at `positions`, thinned to about `most` labels.
fn x_labels(out: &mut String, labels: &[String], positions: &[f64], most: usize) {
    let every = labels.len().div_ceil(most.max(1)).max(1);
    // Labels wider than the space between them (about 6.5 px per character at 11 px) are
    // slanted and shortened so they stay legible; the full text stays in a <title> tooltip.
    let spacing = match (positions.first(), positions.get(every)) {
        (Some(a), Some(b)) => (b - a).abs(),
        _ => f64::INFINITY,
    };
    let widest = labels.iter().map(|l| l.chars().count()).max().unwrap_or(0);
    let slanted = widest as f64 * 6.5 > spacing;
    for (index, (label, x)) in labels.iter().zip(positions).enumerate() {
        if index % every != 0 {
            continue;
        }
        let y = PLOT.bottom + 16.0;
        if slanted {
            const LONGEST: usize = 14;
            let shown: String = if label.chars().count() > LONGEST {
                label.chars().take(LONGEST - 1).chain(['…']).collect()
            } else {
                label.clone()
            };
            let _ = writeln!(
                out,
                "<text class=\"x-label\" x=\"{x:.1}\" y=\"{y:.1}\" text-anchor=\"end\" \
                 transform=\"rotate(-30 {x:.1} {y:.1})\"><title>{}</title>{}</text>",
                escape(label),
                escape(&shown)
            );
        } else {
            let _ = writeln!(
                out,
                "<text class=\"x-label\" x=\"{x:.1}\" y=\"{y:.1}\" text-anchor=\"middle\">{}</text>",
                escape(label)
            );
        }
    }
}

fn close(out: &mut String) {
    out.push_str("</svg>");
}

/// A line chart of one or more series over shared x labels.
///
/// ```
/// use voltlex_html::{LineChart, Series};
/// let svg = LineChart::new("Cumulative cost", "JPY")
///     .x_labels(["0", "1", "2"])
///     .series(Series::new("diesel", vec![0.0, 10.0, 20.0]))
///     .series(Series::new("EV", vec![5.0, 11.0, 17.0]))
///     .to_svg();
/// assert_eq!(svg.matches("<polyline").count(), 2);
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LineChart {
    title: String,
    y_label: String,
    x_labels: Vec<String>,
    series: Vec<Series>,
}

impl LineChart {
    /// An empty chart titled `title` whose y axis reads `y_label`.
    ///
    /// ```
    /// let svg = voltlex_html::LineChart::new("t", "kW").to_svg();
    /// assert!(svg.contains(">kW</text>"));
    /// ```
    pub fn new(title: impl Into<String>, y_label: impl Into<String>) -> Self {
        LineChart {
            title: title.into(),
            y_label: y_label.into(),
            ..LineChart::default()
        }
    }

    /// With these x labels (one per value; fewer are shown when crowded).
    ///
    /// ```
    /// let svg = voltlex_html::LineChart::new("t", "kW").x_labels(["a", "b"]).to_svg();
    /// assert!(svg.contains(">b</text>"));
    /// ```
    pub fn x_labels<S: Into<String>>(mut self, labels: impl IntoIterator<Item = S>) -> Self {
        self.x_labels = labels.into_iter().map(Into::into).collect();
        self
    }

    /// With one more series.
    ///
    /// ```
    /// use voltlex_html::{LineChart, Series};
    /// let c = LineChart::new("t", "kW").series(Series::new("a", vec![1.0, 2.0]));
    /// assert!(c.to_svg().contains("data-series=\"a\""));
    /// ```
    pub fn series(mut self, series: Series) -> Self {
        self.series.push(series);
        self
    }

    /// The chart as an SVG fragment.
    ///
    /// ```
    /// let svg = voltlex_html::LineChart::new("t", "kW").to_svg();
    /// assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
    /// ```
    pub fn to_svg(&self) -> String {
        let mut out = String::new();
        open(&mut out, &self.title);
        let entries: Vec<(&str, &str)> = self
            .series
            .iter()
            .zip(PALETTE.iter().cycle())
            .map(|(s, c)| (s.name.as_str(), *c))
            .collect();
        legend(&mut out, &entries);
        let y = y_axis(
            &mut out,
            self.series.iter().flat_map(|s| s.values.iter().copied()),
            &self.y_label,
        );
        let points = self
            .series
            .iter()
            .map(|s| s.values.len())
            .chain([self.x_labels.len()])
            .max()
            .unwrap_or(0);
        let x = LinearScale::new(
            (0.0, points.saturating_sub(1).max(1) as f64),
            (PLOT.left + 4.0, PLOT.right - 4.0),
        );
        let positions: Vec<f64> = (0..points).map(|i| x.map(i as f64)).collect();
        x_labels(&mut out, &self.x_labels, &positions, 8);
        for (series, colour) in self.series.iter().zip(PALETTE.iter().cycle()) {
            // A gap (a value that is not a number) ends one polyline and starts the next,
            // so each polyline holds only real points.
            let mut runs: Vec<Vec<(f64, f64)>> = vec![Vec::new()];
            for (index, value) in series.values.iter().enumerate() {
                if value.is_finite() {
                    if let Some(run) = runs.last_mut() {
                        run.push((x.map(index as f64), y.map(*value)));
                    }
                } else if runs.last().is_some_and(|r| !r.is_empty()) {
                    runs.push(Vec::new());
                }
            }
            for run in runs.iter().filter(|r| !r.is_empty()) {
                let coordinates: Vec<String> = run
                    .iter()
                    .map(|(px, py)| format!("{px:.1},{py:.1}"))
                    .collect();
                let _ = writeln!(
                    out,
                    "<polyline class=\"series\" data-series=\"{}\" fill=\"none\" \
                     stroke=\"{colour}\" stroke-width=\"1.8\" points=\"{}\"/>",
                    escape(&series.name),
                    coordinates.join(" ")
                );
            }
        }
        close(&mut out);
        out
    }
}

/// A bar chart of labelled values, or a waterfall: each bar starts where the previous one
/// ended, optionally closed by a total bar from zero.
///
/// ```
/// use voltlex_html::BarChart;
/// let svg = BarChart::new("V2G, July", "JPY")
///     .bar("bill saving", 5000.0)
///     .bar("battery wear", -1200.0)
///     .waterfall("net")
///     .to_svg();
/// assert_eq!(svg.matches("class=\"bar\"").count(), 3);
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BarChart {
    title: String,
    y_label: String,
    bars: Vec<(String, f64)>,
    /// `Some(label)`: a waterfall closed by a total bar so labelled.
    total: Option<String>,
    waterfall: bool,
}

impl BarChart {
    /// An empty chart titled `title` whose y axis reads `y_label`.
    ///
    /// ```
    /// assert!(voltlex_html::BarChart::new("t", "JPY").to_svg().contains(">t</text>"));
    /// ```
    pub fn new(title: impl Into<String>, y_label: impl Into<String>) -> Self {
        BarChart {
            title: title.into(),
            y_label: y_label.into(),
            ..BarChart::default()
        }
    }

    /// With one more bar.
    ///
    /// ```
    /// let svg = voltlex_html::BarChart::new("t", "kWh").bar("Jan", 3.0).to_svg();
    /// assert!(svg.contains("data-value=\"3\""));
    /// ```
    pub fn bar(mut self, label: impl Into<String>, value: f64) -> Self {
        self.bars.push((label.into(), value));
        self
    }

    /// Drawn as a waterfall closed by a bar `total_label` from zero to the sum (an empty
    /// label: no total bar).
    ///
    /// ```
    /// let svg = voltlex_html::BarChart::new("t", "JPY").bar("a", 2.0).bar("b", -1.0)
    ///     .waterfall("net").to_svg();
    /// assert!(svg.contains("data-value=\"1\""));
    /// ```
    pub fn waterfall(mut self, total_label: impl Into<String>) -> Self {
        let label = total_label.into();
        self.waterfall = true;
        self.total = (!label.is_empty()).then_some(label);
        self
    }

    /// The chart as an SVG fragment.
    ///
    /// ```
    /// let svg = voltlex_html::BarChart::new("t", "JPY").bar("a", 1.0).to_svg();
    /// assert!(svg.contains("<rect class=\"bar\""));
    /// ```
    pub fn to_svg(&self) -> String {
        // (label, from, to, value, colour) per bar.
        let mut drawn: Vec<(String, f64, f64, f64, &str)> = Vec::new();
        let mut running = 0.0;
        for (label, value) in &self.bars {
            let value = if value.is_finite() { *value } else { 0.0 };
            let (from, to) = if self.waterfall {
                (running, running + value)
            } else {
                (0.0, value)
            };
            running += value;
            let colour = if !self.waterfall {
                TOTAL
            } else if value >= 0.0 {
                POSITIVE
            } else {
                NEGATIVE
            };
            drawn.push((label.clone(), from, to, value, colour));
        }
        if let Some(total) = &self.total {
            drawn.push((total.clone(), 0.0, running, running, TOTAL));
        }
        let mut out = String::new();
        open(&mut out, &self.title);
        if self.waterfall {
            legend(
                &mut out,
                &[
                    ("adds", POSITIVE),
                    ("takes away", NEGATIVE),
                    ("total", TOTAL),
                ],
            );
        }
        let y = y_axis(
            &mut out,
            drawn.iter().flat_map(|(_, from, to, _, _)| [*from, *to]),
            &self.y_label,
        );
        let slot = (PLOT.right - PLOT.left) / drawn.len().max(1) as f64;
        let width = slot * 0.7;
        let mut positions = Vec::new();
        for (index, (_, from, to, value, colour)) in drawn.iter().enumerate() {
            let centre = PLOT.left + slot * (index as f64 + 0.5);
            positions.push(centre);
            let (top, bottom) = (y.map(from.max(*to)), y.map(from.min(*to)));
            let _ = writeln!(
                out,
                "<rect class=\"bar\" data-value=\"{value}\" x=\"{:.2}\" y=\"{top:.2}\" \
                 width=\"{width:.2}\" height=\"{:.2}\" fill=\"{colour}\"/>",
                centre - width / 2.0,
                bottom - top
            );
            if self.waterfall {
                // The running total the next bar starts from, as a thin connector.
                if let Some(next) = drawn.get(index + 1) {
                    let level = y.map(*to);
                    if next.1 == *to {
                        let _ = writeln!(
                            out,
                            "<line class=\"connector\" x1=\"{:.2}\" y1=\"{level:.2}\" \
                             x2=\"{:.2}\" y2=\"{level:.2}\" stroke=\"#999999\" \
                             stroke-dasharray=\"2,2\"/>",
                            centre + width / 2.0,
                            centre + slot - width / 2.0
                        );
                    }
                }
            }
        }
        let labels: Vec<String> = drawn.iter().map(|d| d.0.clone()).collect();
        x_labels(&mut out, &labels, &positions, 14);
        close(&mut out);
        out
    }
}

/// A histogram of counts over bins, with vertical markers (VaR, CVaR).
///
/// ```
/// use voltlex_html::{Histogram, Marker};
/// let svg = Histogram::new("Monthly net", "JPY", vec![0.0, 10.0, 20.0], vec![3, 5])
///     .marker(Marker::new("VaR 95 %", 4.0))
///     .to_svg();
/// assert_eq!(svg.matches("class=\"bar\"").count(), 2);
/// assert!(svg.contains("class=\"marker\""));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Histogram {
    title: String,
    x_label: String,
    edges: Vec<f64>,
    counts: Vec<usize>,
    markers: Vec<Marker>,
}

impl Histogram {
    /// A histogram of `counts` per bin between consecutive `edges` (`edges.len() ==
    /// counts.len() + 1`; extra counts or edges are not drawn).
    ///
    /// ```
    /// let h = voltlex_html::Histogram::new("t", "JPY", vec![0.0, 1.0], vec![4]);
    /// assert!(h.to_svg().contains("data-value=\"4\""));
    /// ```
    pub fn new(
        title: impl Into<String>,
        x_label: impl Into<String>,
        edges: Vec<f64>,
        counts: Vec<usize>,
    ) -> Self {
        Histogram {
            title: title.into(),
            x_label: x_label.into(),
            edges,
            counts,
            markers: Vec::new(),
        }
    }

    /// With a vertical marker.
    ///
    /// ```
    /// use voltlex_html::{Histogram, Marker};
    /// let h = Histogram::new("t", "x", vec![0.0, 1.0], vec![1]).marker(Marker::new("m", 0.5));
    /// assert!(h.to_svg().contains(">m</text>"));
    /// ```
    pub fn marker(mut self, marker: Marker) -> Self {
        self.markers.push(marker);
        self
    }

    /// The chart as an SVG fragment.
    ///
    /// ```
    /// let svg = voltlex_html::Histogram::new("t", "x", vec![], vec![]).to_svg();
    /// assert!(svg.starts_with("<svg"));
    /// ```
    pub fn to_svg(&self) -> String {
        let mut out = String::new();
        open(&mut out, &self.title);
        let entries: Vec<(&str, &str)> = self
            .markers
            .iter()
            .zip(PALETTE.iter().skip(3).cycle())
            .map(|(m, c)| (m.label.as_str(), *c))
            .collect();
        legend(&mut out, &entries);
        let y = y_axis(&mut out, self.counts.iter().map(|c| *c as f64), "scenarios");
        let finite = self.edges.iter().copied().filter(|e| e.is_finite());
        let low = finite.clone().fold(f64::INFINITY, f64::min);
        let high = finite.fold(f64::NEG_INFINITY, f64::max);
        let x = LinearScale::new((low, high), (PLOT.left + 4.0, PLOT.right - 4.0));
        for (count, pair) in self.counts.iter().zip(self.edges.windows(2)) {
            let [from, to] = pair else { continue };
            let (left, right) = (x.map(*from), x.map(*to));
            let top = y.map(*count as f64);
            let _ = writeln!(
                out,
                "<rect class=\"bar\" data-value=\"{count}\" x=\"{left:.2}\" y=\"{top:.2}\" \
                 width=\"{:.2}\" height=\"{:.2}\" fill=\"{TOTAL}\" fill-opacity=\"0.75\" \
                 stroke=\"#ffffff\" stroke-width=\"0.5\"/>",
                (right - left).max(0.0),
                (y.map(0.0) - top).max(0.0)
            );
        }
        // Axis labels at round values of the data's range.
        let ticks: Vec<f64> = nice_ticks(low, high, 6)
            .into_iter()
            .filter(|t| *t >= low && *t <= high)
            .collect();
        let step = match (ticks.first(), ticks.get(1)) {
            (Some(a), Some(b)) => b - a,
            _ => 1.0,
        };
        let labels: Vec<String> = ticks
            .iter()
            .map(|t| format_number(*t, decimals_for(step)))
            .collect();
        let positions: Vec<f64> = ticks.iter().map(|t| x.map(*t)).collect();
        x_labels(&mut out, &labels, &positions, 10);
        let _ = writeln!(
            out,
            "<text class=\"axis-label\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
            (PLOT.left + PLOT.right) / 2.0,
            HEIGHT - 12.0,
            escape(&self.x_label)
        );
        for (marker, colour) in self.markers.iter().zip(PALETTE.iter().skip(3).cycle()) {
            if !marker.value.is_finite() {
                continue;
            }
            // A marker outside the bins is drawn at the nearest edge, so it stays visible.
            let at = x.map(marker.value).clamp(PLOT.left, PLOT.right);
            let _ = writeln!(
                out,
                "<line class=\"marker\" data-value=\"{}\" x1=\"{at:.2}\" y1=\"{:.1}\" \
                 x2=\"{at:.2}\" y2=\"{:.1}\" stroke=\"{colour}\" stroke-width=\"2\" \
                 stroke-dasharray=\"5,3\"/>",
                marker.value, PLOT.top, PLOT.bottom
            );
        }
        close(&mut out);
        out
    }
}
