//! Fleet charging schedules: a scenario file, strategies, their costs and bills.

use std::path::PathBuf;

use voltlex_engine::schedule::strategy::Strategy;
use voltlex_engine::schedule::Mode;
use voltlex_html::{results, Align, Table};

use super::{displayed_as_html, stack};
use crate::scenario::{Outcome, Scenario};

/// A charging schedule to compute for a scenario file (`voltlex schedule --scenario`).
///
/// ```no_run
/// use voltlex::notebook::Schedule;
/// use voltlex::engine::schedule::strategy::Strategy;
/// let result = Schedule::scenario("workbooks/examples/fleet/depot-night.json")
///     .strategies([Strategy::Uncontrolled, Strategy::Optimal])
///     .run()?;
/// assert!(result.outcomes.iter().all(|o| o.run.check.is_ok()));
/// # Ok::<(), anyhow::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Schedule {
    path: PathBuf,
    shift_days: i64,
    strategies: Vec<Strategy>,
    mode: Mode,
}

impl Schedule {
    /// The scenario at `path` (paths inside are relative to it); strategies uncontrolled
    /// and optimal, mode availability, until changed.
    pub fn scenario(path: impl Into<PathBuf>) -> Self {
        Schedule {
            path: path.into(),
            shift_days: 0,
            strategies: vec![Strategy::Uncontrolled, Strategy::Optimal],
            mode: Mode::Availability,
        }
    }

    /// The strategies to run (uncontrolled is always run too: bills compare against it).
    pub fn strategies(mut self, strategies: impl IntoIterator<Item = Strategy>) -> Self {
        self.strategies = strategies.into_iter().collect();
        self
    }

    /// Cost (unmet energy priced) or availability (every departure met).
    pub fn mode(mut self, mode: Mode) -> Self {
        self.mode = mode;
        self
    }

    /// The same routine `days` days later (the site's meter data must cover it).
    pub fn shifted_days(mut self, days: i64) -> Self {
        self.shift_days = days;
        self
    }

    /// Reads the scenario and runs the strategies.
    ///
    /// # Errors
    ///
    /// The scenario's file errors (file:line:col), a strategy that cannot run.
    pub fn run(&self) -> anyhow::Result<ScheduleResult> {
        let scenario = crate::scenario::read_shifted(&self.path, self.shift_days)?;
        let outcomes = scenario.run(&self.strategies, self.mode, &mut |_, _| {})?;
        Ok(ScheduleResult { scenario, outcomes })
    }
}

/// The scenario and each strategy's outcome (schedule, cost, check, bill delta).
pub struct ScheduleResult {
    /// The scenario as read.
    pub scenario: Scenario,
    /// One per strategy asked, in order.
    pub outcomes: Vec<Outcome>,
}

impl ScheduleResult {
    /// The outcome of `strategy`, if it was run.
    pub fn outcome(&self, strategy: Strategy) -> Option<&Outcome> {
        self.outcomes.iter().find(|o| o.run.strategy == strategy)
    }

    /// The site's import per slot under `strategy` (base load + its charging), kW.
    pub fn site_kw(&self, strategy: Strategy) -> Option<Vec<f64>> {
        self.outcome(strategy)
            .map(|o| o.run.schedule.site_kw(&self.scenario.fleet.problem))
    }

    /// Strategies side by side (cost, peak, unmet energy, check, bill change) and the site's
    /// import over the horizon per strategy.
    pub fn to_html(&self) -> String {
        let currency = &self.scenario.currency;
        let mut table = Table::new([
            "strategy".to_string(),
            format!("cost ({currency})"),
            "peak kW".into(),
            "unmet kWh".into(),
            "independent check".into(),
            format!("bill vs uncontrolled ({currency})"),
        ])
        .caption(format!(
            "{}: {} sessions",
            self.scenario.name,
            self.scenario.fleet.problem.sessions.len()
        ))
        .align([
            Align::Left,
            Align::Right,
            Align::Right,
            Align::Right,
            Align::Left,
            Align::Right,
        ]);
        for outcome in &self.outcomes {
            let cost = &outcome.run.cost;
            table.push_row([
                outcome.run.strategy.to_string(),
                voltlex_html::format_number(cost.total, 0),
                voltlex_html::format_number(cost.peak_kw, 1),
                voltlex_html::format_number(cost.unmet_kwh, 1),
                // Uncontrolled charging ignores the import cap by definition: its violations
                // are the point of the comparison, not an error.
                match outcome.run.check.violations.len() {
                    0 => "ok".to_string(),
                    n => format!("{n} violation(s) (limits)"),
                },
                outcome
                    .bill
                    .as_ref()
                    .map(|b| voltlex_html::format_decimal(&b.delta))
                    .unwrap_or_default(),
            ]);
        }
        let problem = &self.scenario.fleet.problem;
        let mut series: Vec<(String, Vec<f64>)> =
            vec![("site without fleet".into(), problem.base_kw.clone())];
        for outcome in &self.outcomes {
            series.push((
                outcome.run.strategy.to_string(),
                outcome.run.schedule.site_kw(problem),
            ));
        }
        let borrowed: Vec<(&str, &[f64])> = series
            .iter()
            .map(|(name, values)| (name.as_str(), values.as_slice()))
            .collect();
        let chart = results::energy_profile(
            &format!("Site import from {}", problem.start),
            problem.start,
            problem.slot_minutes,
            &borrowed,
        );
        stack(&[table.to_html(), chart.to_svg()])
    }
}

displayed_as_html!(ScheduleResult);
