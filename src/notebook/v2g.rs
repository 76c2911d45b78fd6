//! V2G studies: a scenario file with a `v2g` section, lightened for a notebook if asked.

use std::path::{Path, PathBuf};

use anyhow::Context;
use voltlex_html::{results, Align, Table};

use super::{displayed_as_html, folded, stack};
use crate::v2g_scenario::{V2gOptions, V2gReport};

/// A V2G study (`voltlex v2g`) of a scenario file, with the file's settings changed where
/// asked (fewer days, fewer Monte Carlo scenarios: a study a notebook cell runs quickly).
///
/// ```no_run
/// use voltlex::notebook::V2g;
/// let study = V2g::scenario("workbooks/examples/fleet/v2g-july.json")
///     .days(3)
///     .scenarios(200)
///     .seed(7)
///     .run()?;
/// assert_eq!(study.checker_failures, 0);
/// # Ok::<(), anyhow::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct V2g {
    path: PathBuf,
    options: V2gOptions,
    /// `(JSON pointer, value)` set in the file before it is read.
    overrides: Vec<(String, serde_json::Value)>,
}

impl V2g {
    /// The scenario at `path`.
    pub fn scenario(path: impl Into<PathBuf>) -> Self {
        V2g {
            path: path.into(),
            options: V2gOptions::default(),
            overrides: Vec::new(),
        }
    }

    /// Days studied from the horizon's start (the file's `v2g.days`).
    pub fn days(self, days: u32) -> Self {
        self.set("/v2g/days", days.into())
    }

    /// Monte Carlo price scenarios.
    pub fn scenarios(mut self, scenarios: usize) -> Self {
        self.options.scenarios = Some(scenarios);
        self
    }

    /// Monte Carlo seed (same seed, same numbers).
    pub fn seed(mut self, seed: u64) -> Self {
        self.options.seed = Some(seed);
        self
    }

    /// Any setting of the file, by JSON pointer (`/v2g/export_cap_kw`, `/site/tariff`).
    pub fn set(mut self, pointer: &str, value: serde_json::Value) -> Self {
        self.overrides.push((pointer.to_string(), value));
        self
    }

    /// Runs the study.
    ///
    /// # Errors
    ///
    /// The scenario's errors (file, line, what is wrong), a pointer that names no setting.
    pub fn run(&self) -> anyhow::Result<V2gReport> {
        if self.overrides.is_empty() {
            return crate::v2g_scenario::run(&self.path, &self.options, &mut |_| {});
        }
        let mut value: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(&self.path)
                .with_context(|| format!("{}: cannot read", self.path.display()))?,
        )
        .with_context(|| format!("{}: not JSON", self.path.display()))?;
        super::apply_overrides(&mut value, &self.overrides, &self.path)?;
        // The changed scenario is written beside the original so that its relative paths
        // keep their meaning, and removed afterwards.
        let copy = Sibling::write(&self.path, &value)?;
        crate::v2g_scenario::run(&copy.0, &self.options, &mut |_| {})
    }
}

/// A temporary file beside another, removed when dropped.
struct Sibling(PathBuf);

impl Sibling {
    fn write(beside: &Path, value: &serde_json::Value) -> anyhow::Result<Sibling> {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let folder = beside.parent().unwrap_or(Path::new("."));
        let stem = beside
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let path = folder.join(format!(
            ".{stem}.notebook-{}-{}.json",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::write(&path, serde_json::to_string_pretty(value)?)
            .with_context(|| format!("{}: cannot write the changed scenario", path.display()))?;
        Ok(Sibling(path))
    }
}

impl Drop for Sibling {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// A V2G study's report ([`V2gReport`]: days, waterfalls, bills, balancing, risk).
pub type V2gResult = V2gReport;

impl V2gReport {
    /// Waterfall (chart and table), the risk histogram with VaR/CVaR, the days, the bills.
    pub fn to_html(&self) -> String {
        let currency = &self.currency;
        let mut parts = vec![
            results::waterfall_chart(&self.fleet, currency).to_svg(),
            results::waterfall_table(&self.fleet, currency).to_html(),
        ];
        if let Some(risk) = &self.risk {
            // VaR and CVaR are losses; on the axis of the monthly net they stand at −value.
            let mut markers: Vec<(String, f64)> = Vec::new();
            for level in &risk.levels {
                let percent = level.confidence * 100.0;
                markers.push((format!("VaR {percent:.0} %"), -level.value_at_risk));
                markers.push((
                    format!("CVaR {percent:.0} %"),
                    -level.conditional_value_at_risk,
                ));
            }
            let borrowed: Vec<(&str, f64)> =
                markers.iter().map(|(l, v)| (l.as_str(), *v)).collect();
            parts.push(
                results::risk_histogram(
                    &format!(
                        "Monthly V2G net, {} price scenarios ({}, seed {})",
                        risk.scenarios, risk.model, risk.seed
                    ),
                    currency,
                    &risk.histogram.0,
                    &risk.histogram.1,
                    &borrowed,
                )
                .to_svg(),
            );
            let mut table = Table::new([
                "confidence",
                "VaR",
                "VaR 95 % interval",
                "CVaR",
                "CVaR 95 % interval",
            ])
            .caption(format!(
                "Risk of the monthly net (mean {} {currency})",
                voltlex_html::format_number(risk.mean_net, 0)
            ))
            .align([
                Align::Left,
                Align::Right,
                Align::Right,
                Align::Right,
                Align::Right,
            ]);
            let money = |v: f64| voltlex_html::format_number(v, 0);
            for level in &risk.levels {
                table.push_row([
                    format!("{:.0} %", level.confidence * 100.0),
                    money(level.value_at_risk),
                    format!(
                        "{} to {}",
                        money(level.value_at_risk_interval.0),
                        money(level.value_at_risk_interval.1)
                    ),
                    money(level.conditional_value_at_risk),
                    format!(
                        "{} to {}",
                        money(level.conditional_value_at_risk_interval.0),
                        money(level.conditional_value_at_risk_interval.1)
                    ),
                ]);
            }
            parts.push(table.to_html());
        }
        let mut days = Table::new([
            "day",
            "peak kW (baseline)",
            "peak kW (V2G)",
            "discharged kWh",
            "exported kWh",
        ])
        .caption(format!(
            "{}: {} day(s) from {}",
            self.scenario, self.days, self.first_day
        ))
        .align([
            Align::Left,
            Align::Right,
            Align::Right,
            Align::Right,
            Align::Right,
        ]);
        for day in &self.daily {
            days.push_row([
                day.start.to_string(),
                voltlex_html::format_number(day.baseline_peak_kw, 1),
                voltlex_html::format_number(day.v2g_peak_kw, 1),
                voltlex_html::format_number(day.discharged_kwh, 1),
                voltlex_html::format_number(day.exported_kwh, 1),
            ]);
        }
        parts.push(folded("days", &days.to_html()));
        if let Some(bills) = &self.bills {
            parts.push(
                Table::new(["bill", "charge-only", "with V2G", "saving"])
                    .caption("The month's bills")
                    .align([Align::Left, Align::Right, Align::Right, Align::Right])
                    .row([
                        currency.clone(),
                        bills.baseline_total.clone(),
                        bills.v2g_total.clone(),
                        voltlex_html::format_number(bills.saving, 0),
                    ])
                    .to_html(),
            );
        }
        stack(&parts)
    }
}

displayed_as_html!(V2gReport);
