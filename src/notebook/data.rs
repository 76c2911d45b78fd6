//! Loading rule packages, meter data, JEPX prices and input workbooks.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, Context};
use rust_decimal::prelude::ToPrimitive;
use voltlex_dsl::Compilation;
use voltlex_engine::inputs::{IndexSeries, LoadProfile};
use voltlex_engine::month::YearMonth;
use voltlex_engine::read;
use voltlex_html::{Align, BarChart, LineChart, Series, Table};

use super::{displayed_as_html, stack};

/// A compiled rule package (or `.vlx` file) without errors.
pub struct Rules {
    /// Where it was read from.
    pub path: PathBuf,
    /// The compilation: sources, compiled rules, warnings.
    pub compilation: Compilation,
}

/// Compiles a rule package (a folder with `package.toml`) or one `.vlx` file; refuses rules
/// with errors (the error names them).
///
/// ```no_run
/// let rules = voltlex::notebook::rules("tariff-rules/jp-tepco-hv")?;
/// assert!(rules.tariffs().iter().any(|t| t.contains("Basic Plan")));
/// # Ok::<(), anyhow::Error>(())
/// ```
///
/// # Errors
///
/// Unreadable files; rules with errors (each diagnostic at its file:line:col).
pub fn rules(path: impl AsRef<Path>) -> anyhow::Result<Rules> {
    let path = path.as_ref();
    let compilation = crate::request::compile(path).map_err(super::describe)?;
    Ok(Rules {
        path: path.to_path_buf(),
        compilation,
    })
}

impl Rules {
    /// The tariffs' names, in file order.
    ///
    /// ```no_run
    /// let names = voltlex::notebook::rules("tariff-rules/jp-tepco-hv")?.tariffs();
    /// # Ok::<(), anyhow::Error>(())
    /// ```
    pub fn tariffs(&self) -> Vec<String> {
        self.compilation
            .rules
            .tariffs
            .iter()
            .map(|t| t.name.clone())
            .collect()
    }

    /// A table of the tariffs (name, currency, where defined).
    pub fn to_html(&self) -> String {
        let mut table = Table::new(["tariff", "currency", "defined at"])
            .caption(format!("Rules in {}", self.path.display()));
        for tariff in &self.compilation.rules.tariffs {
            table.push_row([
                tariff.name.clone(),
                tariff.currency.code().to_string(),
                tariff.origin.to_string(),
            ]);
        }
        table.to_html()
    }
}

/// Interval meter data.
#[derive(Debug, Clone, PartialEq)]
pub struct Load {
    /// Where it was read from.
    pub path: PathBuf,
    /// The intervals.
    pub profile: LoadProfile,
}

/// Reads a load CSV (`timestamp,kwh` or `timestamp,kw`; see `voltlex_engine::read::load_csv`).
///
/// ```no_run
/// let load = voltlex::notebook::load_csv("workbooks/examples/site-2024-load.csv")?;
/// assert!(load.total_kwh() > 0.0);
/// # Ok::<(), anyhow::Error>(())
/// ```
///
/// # Errors
///
/// The file cannot be read, or a line is wrong (file:line, column, expected, found).
pub fn load_csv(path: impl AsRef<Path>) -> anyhow::Result<Load> {
    let path = path.as_ref();
    Ok(Load {
        path: path.to_path_buf(),
        profile: read::load_csv(path)?,
    })
}

impl Load {
    /// Energy over the whole file, kWh.
    pub fn total_kwh(&self) -> f64 {
        self.profile.kwh.iter().sum()
    }

    /// The highest interval's average power, kW.
    pub fn peak_kw(&self) -> f64 {
        (0..self.profile.kwh.len())
            .filter_map(|i| self.profile.average_kw(i))
            .fold(0.0, f64::max)
    }

    /// Energy per calendar month, kWh.
    pub fn monthly_kwh(&self) -> BTreeMap<YearMonth, f64> {
        let mut months = BTreeMap::new();
        for (index, kwh) in self.profile.kwh.iter().enumerate() {
            let month = YearMonth::of(self.profile.interval_start(index).date());
            *months.entry(month).or_insert(0.0) += kwh;
        }
        months
    }

    /// A day of the data as a chart (average kW per interval).
    pub fn day(&self, date: chrono::NaiveDate) -> crate::notebook::Html {
        voltlex_html::results::load_day(&self.profile, date)
            .to_svg()
            .into()
    }

    /// Summary table and monthly energy bars.
    pub fn to_html(&self) -> String {
        let table = Table::new(["file", "from", "intervals", "energy kWh", "peak kW"])
            .align([
                Align::Left,
                Align::Left,
                Align::Right,
                Align::Right,
                Align::Right,
            ])
            .row([
                self.path.display().to_string(),
                self.profile.start.to_string(),
                self.profile.kwh.len().to_string(),
                voltlex_html::format_number(self.total_kwh(), 0),
                voltlex_html::format_number(self.peak_kw(), 1),
            ]);
        let chart = self.monthly_kwh().iter().fold(
            BarChart::new("Energy per month", "kWh"),
            |chart, (month, kwh)| chart.bar(month.to_string(), *kwh),
        );
        stack(&[table.to_html(), chart.to_svg()])
    }
}

/// Interval prices of one JEPX area.
#[derive(Debug, Clone, PartialEq)]
pub struct Prices {
    /// The area as asked for.
    pub area: String,
    /// Price per interval start, currency/kWh.
    pub values: BTreeMap<chrono::NaiveDateTime, f64>,
    /// Interval length, minutes.
    pub interval_minutes: u32,
}

/// Reads a JEPX `spot_summary_YYYY.csv` (cp932) for `area` (`tokyo`, `kansai`, `system`, …).
///
/// ```no_run
/// let prices = voltlex::notebook::jepx("../shared/data/jepx/spot_summary_2024.csv", "tokyo")?;
/// assert!(prices.mean() > 0.0);
/// # Ok::<(), anyhow::Error>(())
/// ```
///
/// # Errors
///
/// An unknown area (with the known ones), an unreadable file, a malformed line.
pub fn jepx(path: impl AsRef<Path>, area: &str) -> anyhow::Result<Prices> {
    let path = path.as_ref();
    let parsed = area
        .parse()
        .map_err(|e| anyhow!("JEPX area {area:?}: {e}"))?;
    match read::jepx_spot_summary(path, parsed)? {
        IndexSeries::Interval {
            interval_minutes,
            values,
        } => Ok(Prices {
            area: area.to_string(),
            interval_minutes,
            values: values
                .into_iter()
                .map(|(at, v)| (at, v.to_f64().unwrap_or(f64::NAN)))
                .collect(),
        }),
        IndexSeries::Monthly(_) => Err(anyhow!(
            "{}: expected interval prices, found monthly values",
            path.display()
        )),
    }
}

impl Prices {
    /// The mean price.
    pub fn mean(&self) -> f64 {
        self.values.values().sum::<f64>() / self.values.len().max(1) as f64
    }

    /// The mean price per time of day (slot of the day → price), e.g. 48 values.
    pub fn daily_shape(&self) -> Vec<(chrono::NaiveTime, f64)> {
        let mut sums: BTreeMap<chrono::NaiveTime, (f64, usize)> = BTreeMap::new();
        for (at, value) in &self.values {
            let entry = sums.entry(at.time()).or_insert((0.0, 0));
            entry.0 += value;
            entry.1 += 1;
        }
        sums.into_iter()
            .map(|(time, (sum, count))| (time, sum / count.max(1) as f64))
            .collect()
    }

    /// The mean daily shape as a chart.
    pub fn to_html(&self) -> String {
        let shape = self.daily_shape();
        LineChart::new(
            format!(
                "JEPX {}: mean price by time of day ({} intervals, mean {:.2})",
                self.area,
                self.values.len(),
                self.mean()
            ),
            "per kWh",
        )
        .x_labels(shape.iter().map(|(t, _)| t.format("%H:%M").to_string()))
        .series(Series::new(
            self.area.clone(),
            shape.iter().map(|(_, v)| *v).collect(),
        ))
        .to_svg()
    }
}

/// An input workbook (`voltlex study`'s Excel input) read into its study.
#[derive(Debug, Clone, PartialEq)]
pub struct Workbook {
    /// Where it was read from.
    pub path: PathBuf,
    /// What `voltlex_excel` read: the study JSON, the pasted site load, the defaults used.
    pub input: voltlex_excel::input::StudyInput,
}

/// Reads an input workbook with `voltlex_excel`'s reader.
///
/// ```no_run
/// let book = voltlex::notebook::workbook("workbooks/examples/study-input.xlsx")?;
/// assert!(book.input.study["fleet"]["size"].is_number());
/// # Ok::<(), anyhow::Error>(())
/// ```
///
/// # Errors
///
/// Every problem of the workbook, one per line, each at its `Sheet!Cell`.
pub fn workbook(path: impl AsRef<Path>) -> anyhow::Result<Workbook> {
    let path = path.as_ref();
    let input = voltlex_excel::input::read_input(path)
        .map_err(|errors| anyhow!("{}:\n{errors}", path.display()))
        .with_context(|| format!("{}: the workbook cannot be used", path.display()))?;
    Ok(Workbook {
        path: path.to_path_buf(),
        input,
    })
}

impl Workbook {
    /// The study's settings (fleet, finance, …) and the defaults applied, as tables.
    pub fn to_html(&self) -> String {
        let mut settings =
            Table::new(["setting", "value"]).caption(format!("Study in {}", self.path.display()));
        let mut flat = Vec::new();
        flatten("", &self.input.study, &mut flat);
        for (key, value) in flat {
            settings.push_row([key, value]);
        }
        let mut defaults = Table::new(["input", "default used"]).caption("Quick defaults applied");
        for (input, value) in &self.input.defaults_used {
            defaults.push_row([input.clone(), value.clone()]);
        }
        stack(&[settings.to_html(), defaults.to_html()])
    }
}

/// `(a.b.c, value)` for every leaf of a JSON value.
fn flatten(prefix: &str, value: &serde_json::Value, out: &mut Vec<(String, String)>) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, value) in map {
                let name = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                flatten(&name, value, out);
            }
        }
        serde_json::Value::String(text) => out.push((prefix.to_string(), text.clone())),
        other => out.push((prefix.to_string(), other.to_string())),
    }
}

displayed_as_html!(Rules, Load, Prices, Workbook);
