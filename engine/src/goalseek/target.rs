//! Targets, what an evaluation achieves against them, slack and shortfall.
//!
//! Every target is a threshold on one figure of an [`Evaluation`]. Its *slack* is the margin
//! by which it is met (in the figure's unit, ≥ 0 when met); its *shortfall* the amount by
//! which it is missed. Both are compared across targets after division by the target's
//! *scale*: the threshold's magnitude, or — for a zero threshold — one unit of the figure
//! (1 year, 1 tonne), except a zero NPV threshold, which is measured against the candidate's
//! own cost (so "NPV ≥ 0 missed by 100" weighs more for a cheap design than for a dear one).
//!
//! "Never" (no payback, no crossover within the evaluator's horizon) has no number. Where
//! candidates are ranked by shortfall, it counts as one year later than the latest payback
//! (crossover) any candidate of the compared set reaches, or than the target if that is
//! later: always worse than any candidate that does pay back, by a margin the set defines.

use std::fmt;

use serde::Serialize;

/// What a candidate must achieve. A search takes several; all must hold.
///
/// ```
/// use voltlex_engine::goalseek::{Evaluation, Target};
/// let evaluation = Evaluation {
///     cost: 100.0, payback_years: Some(4.0), crossover_year: Some(5), npv: 20.0, co2_saved_tonnes: 3.0,
/// };
/// assert!(Target::PaybackWithin { years: 5.0 }.is_met(&evaluation));
/// assert!(!Target::CrossoverBy { year: 4 }.is_met(&evaluation));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Target {
    /// Simple payback at most this many years (never paying back fails).
    PaybackWithin {
        /// The longest acceptable payback, years.
        years: f64,
    },
    /// Cumulative cost at or below the comparator's from this year on (never fails).
    CrossoverBy {
        /// The latest acceptable crossover year.
        year: u32,
    },
    /// Net present value at least this (currency units).
    NpvAtLeast {
        /// The smallest acceptable NPV.
        amount: f64,
    },
    /// CO2 avoided over the horizon at least this.
    Co2SavedAtLeast {
        /// The smallest acceptable saving, tonnes.
        tonnes: f64,
    },
}

/// What the evaluator says of one candidate.
///
/// ```
/// use voltlex_engine::goalseek::Evaluation;
/// let never = Evaluation {
///     cost: 5.0e6, payback_years: None, crossover_year: None, npv: -1.0e6, co2_saved_tonnes: 12.0,
/// };
/// assert!(never.payback_years.is_none());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evaluation {
    /// What "cheapest" minimises: the net investment after subsidies.
    pub cost: f64,
    /// Simple payback, years; `None` = never pays back within the horizon.
    pub payback_years: Option<f64>,
    /// The year from which the cumulative cost stays at or below the comparator's; `None` =
    /// never within the horizon.
    pub crossover_year: Option<u32>,
    /// Net present value (of the savings against the comparator).
    pub npv: f64,
    /// CO2 avoided over the horizon, tonnes.
    pub co2_saved_tonnes: f64,
}

impl Evaluation {
    /// The name of the first figure that is not a finite number, if any.
    pub(crate) fn non_finite(&self) -> Option<(&'static str, f64)> {
        [
            ("cost", Some(self.cost)),
            ("payback_years", self.payback_years),
            ("npv", Some(self.npv)),
            ("co2_saved_tonnes", Some(self.co2_saved_tonnes)),
        ]
        .into_iter()
        .find_map(|(name, value)| value.filter(|v| !v.is_finite()).map(|v| (name, v)))
    }
}

impl Target {
    /// The threshold as a number (years, year, currency units, tonnes).
    ///
    /// ```
    /// use voltlex_engine::goalseek::Target;
    /// assert_eq!(Target::CrossoverBy { year: 6 }.threshold(), 6.0);
    /// ```
    pub fn threshold(&self) -> f64 {
        match *self {
            Target::PaybackWithin { years } => years,
            Target::CrossoverBy { year } => f64::from(year),
            Target::NpvAtLeast { amount } => amount,
            Target::Co2SavedAtLeast { tonnes } => tonnes,
        }
    }

    /// The figure of `evaluation` this target judges; `None` = never (no payback, no
    /// crossover).
    ///
    /// ```
    /// use voltlex_engine::goalseek::{Evaluation, Target};
    /// let e = Evaluation { cost: 1.0, payback_years: None, crossover_year: Some(3), npv: 0.0, co2_saved_tonnes: 0.0 };
    /// assert_eq!(Target::PaybackWithin { years: 5.0 }.achieved(&e), None);
    /// assert_eq!(Target::CrossoverBy { year: 5 }.achieved(&e), Some(3.0));
    /// ```
    pub fn achieved(&self, evaluation: &Evaluation) -> Option<f64> {
        match self {
            Target::PaybackWithin { .. } => evaluation.payback_years,
            Target::CrossoverBy { .. } => evaluation.crossover_year.map(f64::from),
            Target::NpvAtLeast { .. } => Some(evaluation.npv),
            Target::Co2SavedAtLeast { .. } => Some(evaluation.co2_saved_tonnes),
        }
    }

    /// The signed margin of `achieved` over the threshold: ≥ 0 when the target is met.
    fn margin(&self, achieved: f64) -> f64 {
        match self {
            Target::PaybackWithin { .. } | Target::CrossoverBy { .. } => {
                self.threshold() - achieved
            }
            Target::NpvAtLeast { .. } | Target::Co2SavedAtLeast { .. } => {
                achieved - self.threshold()
            }
        }
    }

    /// Whether `evaluation` meets this target.
    ///
    /// ```
    /// use voltlex_engine::goalseek::{Evaluation, Target};
    /// let e = Evaluation { cost: 1.0, payback_years: Some(5.0), crossover_year: None, npv: -1.0, co2_saved_tonnes: 9.0 };
    /// assert!(Target::PaybackWithin { years: 5.0 }.is_met(&e));
    /// assert!(!Target::NpvAtLeast { amount: 0.0 }.is_met(&e));
    /// ```
    pub fn is_met(&self, evaluation: &Evaluation) -> bool {
        self.achieved(evaluation)
            .is_some_and(|achieved| self.margin(achieved) >= 0.0)
    }

    /// What slack and shortfall are divided by to compare targets: the threshold's magnitude;
    /// for a zero threshold one unit of the figure, or for NPV the candidate's cost (1 if
    /// that is zero too).
    ///
    /// ```
    /// use voltlex_engine::goalseek::{Evaluation, Target};
    /// let e = Evaluation { cost: 200.0, payback_years: None, crossover_year: None, npv: -50.0, co2_saved_tonnes: 0.0 };
    /// assert_eq!(Target::PaybackWithin { years: -4.0 }.scale(&e), 4.0);
    /// assert_eq!(Target::NpvAtLeast { amount: 0.0 }.scale(&e), 200.0);
    /// ```
    pub fn scale(&self, evaluation: &Evaluation) -> f64 {
        let magnitude = self.threshold().abs();
        if magnitude > 0.0 {
            return magnitude;
        }
        match self {
            Target::NpvAtLeast { .. } if evaluation.cost.abs() > 0.0 => evaluation.cost.abs(),
            _ => 1.0,
        }
    }

    /// Whether the target's threshold is a finite number (a search refuses others).
    pub(crate) fn is_valid(&self) -> bool {
        self.threshold().is_finite()
    }

    /// Whether the figure this target judges can be "never".
    fn can_be_never(&self) -> bool {
        matches!(
            self,
            Target::PaybackWithin { .. } | Target::CrossoverBy { .. }
        )
    }

    fn format_value(&self, value: f64) -> String {
        match self {
            Target::PaybackWithin { .. } => format!("{value:.2} years"),
            Target::CrossoverBy { .. } => format!("year {value}"),
            Target::NpvAtLeast { .. } => format!("{value:.0}"),
            Target::Co2SavedAtLeast { .. } => format!("{value:.1} t"),
        }
    }

    fn format_amount(&self, value: f64) -> String {
        match self {
            Target::PaybackWithin { .. } => format!("{value:.2} years"),
            Target::CrossoverBy { .. } => format!("{value} years"),
            Target::NpvAtLeast { .. } => format!("{value:.0}"),
            Target::Co2SavedAtLeast { .. } => format!("{value:.1} t"),
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::PaybackWithin { years } => write!(f, "payback within {years} years"),
            Target::CrossoverBy { year } => write!(f, "crossover by year {year}"),
            Target::NpvAtLeast { amount } => write!(f, "NPV at least {amount}"),
            Target::Co2SavedAtLeast { tonnes } => write!(f, "CO2 saved at least {tonnes} t"),
        }
    }
}

/// How comfortably the best candidate meets one target. The target with the smallest
/// `relative` slack is the binding one (the first such in target order on a tie).
///
/// ```
/// use voltlex_engine::goalseek::{Target, TargetSlack};
/// let slack = TargetSlack {
///     target: Target::PaybackWithin { years: 5.0 }, achieved: 4.0, slack: 1.0, relative: 0.2, binding: true,
/// };
/// assert_eq!(slack.to_string(), "payback within 5 years: achieved 4.00 years, slack 1.00 years (20.0 %), binding");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TargetSlack {
    /// The target.
    pub target: Target,
    /// The figure the best candidate achieves.
    pub achieved: f64,
    /// The margin over the threshold, in the figure's unit (≥ 0).
    pub slack: f64,
    /// `slack` divided by the target's [scale](Target::scale).
    pub relative: f64,
    /// Whether this is the binding target (smallest `relative`).
    pub binding: bool,
}

impl fmt::Display for TargetSlack {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: achieved {}, slack {} ({:.1} %)",
            self.target,
            self.target.format_value(self.achieved),
            self.target.format_amount(self.slack),
            self.relative * 100.0
        )?;
        if self.binding {
            f.write_str(", binding")?;
        }
        Ok(())
    }
}

/// How a candidate misses one target: needed vs achieved.
///
/// ```
/// use voltlex_engine::goalseek::{Shortfall, Target};
/// let never = Shortfall {
///     target: Target::PaybackWithin { years: 5.0 }, needed: 5.0, achieved: None, shortfall: None, normalised: 1.4,
/// };
/// assert_eq!(never.to_string(), "payback within 5 years: needed 5.00 years, achieved never");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Shortfall {
    /// The missed target.
    pub target: Target,
    /// Its threshold.
    pub needed: f64,
    /// What the candidate achieves; `None` = never.
    pub achieved: Option<f64>,
    /// By how much it misses, in the figure's unit; `None` for never.
    pub shortfall: Option<f64>,
    /// The shortfall divided by the target's scale (for never: counted as described in the
    /// [module](self) documentation). Summed over targets to rank candidates.
    pub normalised: f64,
}

impl fmt::Display for Shortfall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: needed {}, achieved ",
            self.target,
            self.target.format_value(self.needed)
        )?;
        match (self.achieved, self.shortfall) {
            (Some(achieved), Some(short)) => write!(
                f,
                "{}, short by {}",
                self.target.format_value(achieved),
                self.target.format_amount(short)
            ),
            _ => f.write_str("never"),
        }
    }
}

/// Whether `evaluation` meets every target.
pub(crate) fn meets_all(targets: &[Target], evaluation: &Evaluation) -> bool {
    targets.iter().all(|target| target.is_met(evaluation))
}

/// The slack of each target at a candidate that meets them all, the binding one flagged.
/// `None` if some target is not met (the caller only asks for feasible candidates).
pub(crate) fn slacks(targets: &[Target], evaluation: &Evaluation) -> Option<Vec<TargetSlack>> {
    let mut slacks = targets
        .iter()
        .map(|target| {
            let achieved = target.achieved(evaluation)?;
            let slack = target.margin(achieved);
            (slack >= 0.0).then(|| TargetSlack {
                target: *target,
                achieved,
                slack,
                relative: slack / target.scale(evaluation),
                binding: false,
            })
        })
        .collect::<Option<Vec<_>>>()?;
    let binding = slacks
        .iter()
        .enumerate()
        .min_by(|(i, a), (j, b)| a.relative.total_cmp(&b.relative).then(i.cmp(j)))
        .map(|(position, _)| position);
    if let Some(slack) = binding.and_then(|position| slacks.get_mut(position)) {
        slack.binding = true;
    }
    Some(slacks)
}

/// For each target, the value "never" counts as within a compared set of evaluations: one
/// year past the latest achieved value or the threshold, whichever is later. (Targets that
/// cannot be never get the threshold; it is not used.)
pub(crate) fn never_values<'a>(
    targets: &[Target],
    set: impl Iterator<Item = &'a Evaluation> + Clone,
) -> Vec<f64> {
    targets
        .iter()
        .map(|target| {
            if !target.can_be_never() {
                return target.threshold();
            }
            let latest = set
                .clone()
                .filter_map(|evaluation| target.achieved(evaluation))
                .fold(target.threshold(), f64::max);
            latest + 1.0
        })
        .collect()
}

/// The targets `evaluation` misses and its total normalised shortfall, "never" counted at
/// `never` (from [`never_values`], same order as `targets`).
pub(crate) fn shortfalls(
    targets: &[Target],
    never: &[f64],
    evaluation: &Evaluation,
) -> (Vec<Shortfall>, f64) {
    let mut total = 0.0;
    let mut missed = Vec::new();
    for (position, target) in targets.iter().enumerate() {
        if target.is_met(evaluation) {
            continue;
        }
        let achieved = target.achieved(evaluation);
        let counted = match achieved {
            Some(value) => value,
            None => never
                .get(position)
                .copied()
                .unwrap_or(target.threshold() + 1.0),
        };
        let normalised = (-target.margin(counted)).max(0.0) / target.scale(evaluation);
        total += normalised;
        missed.push(Shortfall {
            target: *target,
            needed: target.threshold(),
            achieved,
            shortfall: achieved.map(|value| -target.margin(value)),
            normalised,
        });
    }
    (missed, total)
}
