//! `voltlex goal-seek`: the TCO study's decision space searched for the cheapest design that
//! meets the targets (payback, crossover, NPV, CO2), with `engine::goalseek` doing the search
//! and [`TcoStudy`] evaluating designs.
//!
//! The file's `goal_seek` section:
//!
//! ```json
//! "goal_seek": {
//!   "targets": { "payback_years": 5, "crossover_year": 6, "npv_at_least": 0, "co2_saved_tonnes": 50 },
//!   "space": { "electric": [5, 10, 20], "charger": ["…", "…"], "pv_kwp": [0, 50],
//!              "storage_kwh": [0, 100], "v2g": [false, true], "charging": ["uncontrolled", "optimal"] },
//!   "runner_ups": 3
//! }
//! ```
//!
//! A dimension left out keeps the study's own value. Chargers are one per electric vehicle
//! (overnight stays do not swap plugs). "Cheapest" is the up-front investment after
//! subsidies; its lower bound for pruning is the investment itself (it needs no simulation,
//! so the bound is exact).

use serde::Deserialize;
use voltlex_engine::goalseek::{
    self, Candidate, Choice, DecisionSpace, Dimension, Evaluation, Evaluator, SeekOptions,
    SeekOutcome, SeekProgress, Target,
};

use crate::tco_scenario::{Charging, Design, TcoStudy};

/// The `goal_seek` section of a TCO study file.
#[derive(Deserialize, Clone, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct GoalSeekFile {
    #[serde(default)]
    targets: TargetsFile,
    #[serde(default)]
    space: SpaceFile,
    #[serde(default)]
    runner_ups: Option<usize>,
}

#[derive(Deserialize, Clone, Default)]
#[serde(deny_unknown_fields)]
struct TargetsFile {
    #[serde(default)]
    payback_years: Option<f64>,
    #[serde(default)]
    crossover_year: Option<u32>,
    #[serde(default)]
    npv_at_least: Option<f64>,
    #[serde(default)]
    co2_saved_tonnes: Option<f64>,
}

#[derive(Deserialize, Clone, Default)]
#[serde(deny_unknown_fields)]
struct SpaceFile {
    #[serde(default)]
    electric: Option<Vec<u32>>,
    #[serde(default)]
    charger: Option<Vec<String>>,
    #[serde(default)]
    pv_kwp: Option<Vec<f64>>,
    #[serde(default)]
    storage_kwh: Option<Vec<f64>>,
    #[serde(default)]
    v2g: Option<Vec<bool>>,
    #[serde(default)]
    charging: Option<Vec<Charging>>,
}

/// Targets given on the command line, overriding the file's.
#[derive(Debug, Clone, Default)]
pub struct TargetOverrides {
    /// Payback within this many years.
    pub payback_years: Option<f64>,
    /// Cumulative cost at or below the diesel fleet's from this year on.
    pub crossover_year: Option<u32>,
    /// NPV of the savings at least this.
    pub npv_at_least: Option<f64>,
    /// CO2 avoided over the horizon at least this, tonnes.
    pub co2_saved_tonnes: Option<f64>,
}

/// The study's search: its space, its targets, and the evaluator.
pub struct GoalSeek<'a> {
    study: &'a TcoStudy,
    /// The decision space.
    pub space: DecisionSpace,
    /// The targets (all must hold).
    pub targets: Vec<Target>,
    /// Runner-ups to report.
    pub runner_ups: usize,
}

const ELECTRIC: &str = "electric";
const CHARGER: &str = "charger";
const PV: &str = "pv_kwp";
const STORAGE: &str = "storage_kwh";
const V2G: &str = "v2g";
const CHARGING: &str = "charging";

impl<'a> GoalSeek<'a> {
    /// The search the study's `goal_seek` section (and `overrides`) describes.
    ///
    /// # Errors
    ///
    /// No targets, an empty dimension, an unknown charger model.
    pub fn of(study: &'a TcoStudy, overrides: &TargetOverrides) -> anyhow::Result<Self> {
        let section = study.goal_seek_section().cloned().unwrap_or_default();
        let base = study.design(Charging::Optimal, false);
        let space_file = section.space;
        let mut dimensions = Vec::new();
        let mut push = |name: &str, choices: Vec<Choice>| -> anyhow::Result<()> {
            if choices.is_empty() {
                anyhow::bail!("goal_seek.space.{name}: give at least one choice");
            }
            dimensions.push(Dimension {
                name: name.to_string(),
                choices,
            });
            Ok(())
        };
        push(
            ELECTRIC,
            space_file
                .electric
                .unwrap_or(vec![base.electric])
                .into_iter()
                .map(Choice::Count)
                .collect(),
        )?;
        let chargers = space_file.charger.unwrap_or(vec![base.charger.clone()]);
        for name in &chargers {
            study.charger(name)?;
        }
        push(CHARGER, chargers.into_iter().map(Choice::Label).collect())?;
        push(
            PV,
            space_file
                .pv_kwp
                .unwrap_or(vec![base.pv_kwp])
                .into_iter()
                .map(Choice::Number)
                .collect(),
        )?;
        push(
            STORAGE,
            space_file
                .storage_kwh
                .unwrap_or(vec![base.storage_kwh])
                .into_iter()
                .map(Choice::Number)
                .collect(),
        )?;
        let v2g = space_file.v2g.unwrap_or(vec![false]);
        if v2g.contains(&true) && !study.has_v2g() {
            anyhow::bail!(
                "goal_seek.space.v2g: V2G designs need the study's \"v2g\" section (spot prices, export cap)"
            );
        }
        push(V2G, v2g.into_iter().map(Choice::Flag).collect())?;
        push(
            CHARGING,
            space_file
                .charging
                .unwrap_or(vec![Charging::Optimal])
                .into_iter()
                .map(|c| {
                    Choice::Label(
                        match c {
                            Charging::Uncontrolled => "uncontrolled",
                            Charging::Optimal => "optimal",
                        }
                        .into(),
                    )
                })
                .collect(),
        )?;
        let file = section.targets;
        let mut targets = Vec::new();
        if let Some(years) = overrides.payback_years.or(file.payback_years) {
            targets.push(Target::PaybackWithin { years });
        }
        if let Some(year) = overrides.crossover_year.or(file.crossover_year) {
            targets.push(Target::CrossoverBy { year });
        }
        if let Some(amount) = overrides.npv_at_least.or(file.npv_at_least) {
            targets.push(Target::NpvAtLeast { amount });
        }
        if let Some(tonnes) = overrides.co2_saved_tonnes.or(file.co2_saved_tonnes) {
            targets.push(Target::Co2SavedAtLeast { tonnes });
        }
        if targets.is_empty() {
            anyhow::bail!(
                "no target: give goal_seek.targets in the study or --payback/--crossover/--npv/--co2"
            );
        }
        Ok(GoalSeek {
            study,
            space: DecisionSpace { dimensions },
            targets,
            runner_ups: section.runner_ups.unwrap_or(3),
        })
    }

    /// Simulated years computed and reused so far: (computed, reused).
    pub fn simulations(&self) -> (usize, usize) {
        self.study.simulations()
    }

    /// The design a candidate stands for.
    pub fn design(&self, candidate: &Candidate) -> Design {
        let mut design = self.study.design(Charging::Optimal, false);
        for (dimension, index) in self.space.dimensions.iter().zip(&candidate.choices) {
            let Some(choice) = dimension.choices.get(*index) else {
                continue;
            };
            match (dimension.name.as_str(), choice) {
                (ELECTRIC, Choice::Count(count)) => design.electric = *count,
                (CHARGER, Choice::Label(name)) => design.charger = name.clone(),
                (PV, Choice::Number(kwp)) => design.pv_kwp = *kwp,
                (STORAGE, Choice::Number(kwh)) => design.storage_kwh = *kwh,
                (V2G, Choice::Flag(on)) => design.v2g = *on,
                (CHARGING, Choice::Label(label)) => {
                    design.charging = if label == "uncontrolled" {
                        Charging::Uncontrolled
                    } else {
                        Charging::Optimal
                    }
                }
                _ => {}
            }
        }
        design.chargers = design.electric;
        design
    }

    /// Search (exhaustively with `exhaustive`), reporting progress.
    ///
    /// # Errors
    ///
    /// A design that cannot be evaluated (named).
    pub fn run(
        &self,
        exhaustive: bool,
        progress: &(dyn Fn(SeekProgress) + Sync),
    ) -> anyhow::Result<SeekOutcome> {
        let options = SeekOptions {
            runner_ups: self.runner_ups,
            threads: None,
        };
        let outcome = if exhaustive {
            goalseek::brute_force(&self.space, &self.targets, self, &options, progress)
        } else {
            goalseek::seek(&self.space, &self.targets, self, &options, progress)
        };
        outcome.map_err(|e| anyhow::anyhow!("{e}"))
    }
}

/// An evaluation failure, named by design.
#[derive(Debug, thiserror::Error)]
#[error("{design}: {message}")]
pub struct DesignError {
    design: String,
    message: String,
}

impl Evaluator for GoalSeek<'_> {
    type Error = DesignError;

    fn cost_lower_bound(&self, candidate: &Candidate) -> f64 {
        // The investment needs no simulation: the bound is the cost itself. A design whose
        // investment cannot be computed gets −∞ so that it is evaluated (and its error shown).
        self.study
            .investment(&self.design(candidate))
            .unwrap_or(f64::NEG_INFINITY)
    }

    fn evaluate(&self, candidate: &Candidate) -> Result<Evaluation, DesignError> {
        let design = self.design(candidate);
        let result = self.study.evaluate(&design).map_err(|e| DesignError {
            design: design.describe(),
            message: format!("{e:#}"),
        })?;
        Ok(Evaluation {
            cost: result.investment,
            payback_years: result.comparison.simple_payback_years,
            crossover_year: result.comparison.crossover_year,
            npv: result.comparison.savings_npv,
            co2_saved_tonnes: result.comparison.co2_saved_tonnes,
        })
    }
}
