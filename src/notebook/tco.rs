//! Life-cycle cost studies: the study's scenarios, fleet-size sweeps, goal seek.

use std::path::Path;

use anyhow::Context;
use voltlex_engine::goalseek::SeekOutcome;
use voltlex_engine::tco::model::YearCosts;
use voltlex_html::{results, Align, Table};

use super::{displayed_as_html, folded, stack};
use crate::goal_seek::{GoalSeek, TargetOverrides};
use crate::tco_report::TcoReport;
use crate::tco_scenario::{Charging, Design, DesignResult, TcoStudy};

/// A TCO study read from its file (`voltlex tco`), ready to evaluate designs.
///
/// ```no_run
/// use voltlex::notebook::Tco;
/// let tco = Tco::read("workbooks/examples/fleet/tco-kei-vans.json")?;
/// let sweep = tco.fleet_sweep([5, 10])?;
/// assert_eq!(sweep.rows.len(), 2);
/// # Ok::<(), anyhow::Error>(())
/// ```
pub struct Tco {
    /// The study (site year, simulated days, catalogue, subsidy rules).
    pub study: TcoStudy,
}

impl Tco {
    /// Reads the study at `path`.
    ///
    /// # Errors
    ///
    /// The study file's errors (file, line, column), unknown catalogue names, a site load
    /// that is not a year.
    pub fn read(path: impl AsRef<Path>) -> anyhow::Result<Tco> {
        Ok(Tco {
            study: TcoStudy::read(path.as_ref())?,
        })
    }

    /// Reads the study at `path` with settings changed by JSON pointer, e.g.
    /// `("/finance/discount_rate_pct", 3.into())` or `("/simulation", "every-day".into())`.
    ///
    /// # Errors
    ///
    /// As [`read`](Self::read); a pointer that names no setting's parent.
    pub fn read_with(
        path: impl AsRef<Path>,
        overrides: &[(&str, serde_json::Value)],
    ) -> anyhow::Result<Tco> {
        let path = path.as_ref();
        let mut value: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(path)
                .with_context(|| format!("{}: cannot read", path.display()))?,
        )
        .with_context(|| format!("{}: not JSON", path.display()))?;
        let owned: Vec<(String, serde_json::Value)> = overrides
            .iter()
            .map(|(p, v)| ((*p).to_string(), v.clone()))
            .collect();
        super::apply_overrides(&mut value, &owned, path)?;
        Ok(Tco {
            study: TcoStudy::from_json(value, path)?,
        })
    }

    /// The study's scenarios against the combustion fleet: uncontrolled, optimised, and
    /// optimised with V2G when the study has a `v2g` section.
    ///
    /// # Errors
    ///
    /// A scenario that cannot be simulated or costed.
    pub fn scenarios(&self) -> anyhow::Result<TcoReport> {
        crate::tco_report::run(&self.study, &mut |_| {})
    }

    /// The design the study describes (its fleet, chargers, PV, storage) with this
    /// charging and V2G.
    pub fn design(&self, charging: Charging, v2g: bool) -> Design {
        self.study.design(charging, v2g)
    }

    /// One design's simulated year and costs.
    ///
    /// # Errors
    ///
    /// A design that cannot be simulated or costed.
    pub fn evaluate(&self, design: &Design) -> anyhow::Result<DesignResult> {
        self.study.evaluate(design)
    }

    /// The study's optimised design with `sizes` electric vehicles (one charger each),
    /// each against the combustion fleet: how the economics scale with the fleet.
    ///
    /// # Errors
    ///
    /// A size that cannot be simulated (named).
    pub fn fleet_sweep(&self, sizes: impl IntoIterator<Item = u32>) -> anyhow::Result<Sweep> {
        self.sweep(&self.study.design(Charging::Optimal, false), sizes)
    }

    /// `base` with `sizes` electric vehicles (one charger each), each against the
    /// combustion fleet (e.g. the study's design without its PV and storage).
    ///
    /// ```no_run
    /// use voltlex::prelude::*;
    /// let tco = Tco::read("workbooks/examples/fleet/tco-kei-vans.json")?;
    /// let mut vans_only = tco.design(Charging::Optimal, false);
    /// (vans_only.pv_kwp, vans_only.storage_kwh) = (0.0, 0.0);
    /// let sweep = tco.sweep(&vans_only, [5, 10, 20])?;
    /// # Ok::<(), anyhow::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// A size that cannot be simulated (named).
    pub fn sweep(
        &self,
        base: &Design,
        sizes: impl IntoIterator<Item = u32>,
    ) -> anyhow::Result<Sweep> {
        let mut rows = Vec::new();
        for size in sizes {
            let mut design = base.clone();
            design.electric = size;
            design.chargers = size;
            let result = self
                .study
                .evaluate(&design)
                .with_context(|| format!("fleet sweep: {} electric vehicles", size))?;
            rows.push(DesignRow {
                label: format!("{size} EV"),
                result,
            });
        }
        Ok(Sweep {
            currency: self.study.currency().to_string(),
            baseline: self.study.baseline_years()?,
            rows,
        })
    }

    /// The study's goal seek (its `goal_seek` section): the cheapest design that meets the
    /// targets.
    ///
    /// # Errors
    ///
    /// No targets, an empty dimension, a design that cannot be evaluated.
    pub fn goal_seek(&self) -> anyhow::Result<GoalSeekResult> {
        self.goal_seek_with(&TargetOverrides::default())
    }

    /// The goal seek with targets overriding the file's.
    ///
    /// # Errors
    ///
    /// As [`goal_seek`](Self::goal_seek).
    pub fn goal_seek_with(&self, targets: &TargetOverrides) -> anyhow::Result<GoalSeekResult> {
        let seek = GoalSeek::of(&self.study, targets)?;
        let outcome = seek.run(false, &|_| {})?;
        Ok(GoalSeekResult {
            currency: self.study.currency().to_string(),
            outcome,
        })
    }
}

/// One evaluated design of a sweep.
#[derive(Clone, Debug)]
pub struct DesignRow {
    /// What varies ("10 EV").
    pub label: String,
    /// The design's year and costs.
    pub result: DesignResult,
}

/// Designs evaluated side by side against the combustion fleet.
#[derive(Clone, Debug)]
pub struct Sweep {
    /// Currency code.
    pub currency: String,
    /// The combustion fleet's yearly costs.
    pub baseline: Vec<YearCosts>,
    /// One per design, in the order asked.
    pub rows: Vec<DesignRow>,
}

fn comparison_table(
    caption: &str,
    currency: &str,
    rows: &[(&str, &DesignResult)],
) -> voltlex_html::Table {
    let mut table = Table::new([
        "design".to_string(),
        format!("investment ({currency})"),
        format!("NPV of savings ({currency})"),
        "payback (years)".into(),
        "crossover year".into(),
        "IRR".into(),
        "CO2 saved (t)".into(),
    ])
    .caption(caption)
    .align([
        Align::Left,
        Align::Right,
        Align::Right,
        Align::Right,
        Align::Right,
        Align::Right,
        Align::Right,
    ]);
    for (label, result) in rows {
        let c = &result.comparison;
        table.push_row([
            format!("{label}: {}", result.design.describe()),
            voltlex_html::format_number(result.investment, 0),
            voltlex_html::format_number(c.savings_npv, 0),
            c.simple_payback_years
                .map_or("never".into(), |y| voltlex_html::format_number(y, 1)),
            c.crossover_year.map_or("never".into(), |y| y.to_string()),
            c.irr.map_or("–".into(), |r| format!("{:.1} %", r * 100.0)),
            voltlex_html::format_number(c.co2_saved_tonnes, 1),
        ]);
    }
    table
}

impl Sweep {
    /// The design whose savings have the highest NPV.
    pub fn best_npv(&self) -> Option<&DesignRow> {
        self.rows.iter().max_by(|a, b| {
            a.result
                .comparison
                .savings_npv
                .total_cmp(&b.result.comparison.savings_npv)
        })
    }

    /// The designs side by side and their cumulative costs with the combustion fleet's.
    pub fn to_html(&self) -> String {
        let rows: Vec<(&str, &DesignResult)> = self
            .rows
            .iter()
            .map(|r| (r.label.as_str(), &r.result))
            .collect();
        let mut lines: Vec<(&str, &[YearCosts])> = vec![("combustion", &self.baseline)];
        lines.extend(
            self.rows
                .iter()
                .map(|r| (r.label.as_str(), r.result.years.as_slice())),
        );
        stack(&[
            comparison_table(
                "Designs against the combustion fleet",
                &self.currency,
                &rows,
            )
            .to_html(),
            results::cumulative_costs(&self.currency, &lines).to_svg(),
        ])
    }
}

/// The result of [`Tco::scenarios`].
pub type TcoResult = TcoReport;

impl TcoReport {
    /// The scenarios side by side, their cumulative costs with the combustion fleet's, and
    /// each scenario's yearly lines (folded).
    pub fn to_html(&self) -> String {
        let rows: Vec<(&str, &DesignResult)> = self
            .scenarios
            .iter()
            .map(|(label, result)| (label.as_str(), result))
            .collect();
        let mut lines: Vec<(&str, &[YearCosts])> = vec![("combustion", &self.baseline)];
        lines.extend(
            self.scenarios
                .iter()
                .map(|(label, r)| (label.as_str(), r.years.as_slice())),
        );
        let mut parts = vec![
            comparison_table(&self.name, &self.currency, &rows).to_html(),
            results::cumulative_costs(&self.currency, &lines).to_svg(),
        ];
        parts.push(folded(
            "yearly costs, combustion fleet",
            &results::years_table("combustion", &self.currency, &self.baseline).to_html(),
        ));
        for (label, result) in &self.scenarios {
            parts.push(folded(
                &format!("yearly costs, {label}"),
                &results::years_table(label, &self.currency, &result.years).to_html(),
            ));
        }
        stack(&parts)
    }
}

/// A goal seek's outcome (best design, runner-ups, or the closest when none qualifies).
#[derive(Clone, Debug)]
pub struct GoalSeekResult {
    /// Currency code.
    pub currency: String,
    /// The search's outcome.
    pub outcome: SeekOutcome,
}

impl GoalSeekResult {
    /// The designs found as a table.
    pub fn to_html(&self) -> String {
        results::goal_seek_designs(&self.outcome, &self.currency).to_html()
    }
}

displayed_as_html!(Sweep, TcoReport, GoalSeekResult);
