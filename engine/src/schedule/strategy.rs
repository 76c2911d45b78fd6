//! Every strategy behind one name, run the same way and judged the same way.

use std::fmt;
use std::str::FromStr;
use std::time::Instant;

use serde::Serialize;

use super::check::{check, CheckReport};
use super::cost::ScheduleCost;
use super::heuristic::Heuristic;
use super::optimal::{self, OptimalError, Progress, Unservable};
use super::plan::Schedule;
use super::problem::{Mode, Problem};

/// A charging strategy, as named on the command line.
///
/// ```
/// use voltlex_engine::schedule::strategy::Strategy;
/// let strategy: Strategy = "least-laxity".parse().unwrap();
/// assert_eq!(strategy, Strategy::Priority);
/// assert_eq!(strategy.to_string(), "priority");
/// assert!("fastest".parse::<Strategy>().unwrap_err().contains("optimal"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Strategy {
    /// Full power on arrival, cap ignored (the baseline).
    Uncontrolled,
    /// Headroom shared equally.
    BalanceEqual,
    /// Headroom shared in proportion to charger power.
    BalanceProportional,
    /// Arrival-order queue, a group at a time.
    Rotation,
    /// Least laxity first with vehicle priorities and price awareness.
    Priority,
    /// The exact optimum (energy + demand above the ratchet + unmet energy).
    Optimal,
}

impl Strategy {
    /// All strategies, baseline first.
    pub const ALL: [Strategy; 6] = [
        Strategy::Uncontrolled,
        Strategy::BalanceEqual,
        Strategy::BalanceProportional,
        Strategy::Rotation,
        Strategy::Priority,
        Strategy::Optimal,
    ];

    /// The command-line name.
    pub fn name(self) -> &'static str {
        match self {
            Strategy::Uncontrolled => "uncontrolled",
            Strategy::BalanceEqual => "balance-equal",
            Strategy::BalanceProportional => "balance-proportional",
            Strategy::Rotation => "rotation",
            Strategy::Priority => "priority",
            Strategy::Optimal => "optimal",
        }
    }

    /// Whether the strategy respects the import cap (all but the baseline do).
    pub fn respects_cap(self) -> bool {
        self != Strategy::Uncontrolled
    }
}

impl fmt::Display for Strategy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Strategy {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Ok(match text {
            "uncontrolled" | "first-come" => Strategy::Uncontrolled,
            "balance" | "balance-equal" | "load-balancing" => Strategy::BalanceEqual,
            "balance-proportional" => Strategy::BalanceProportional,
            "rotation" => Strategy::Rotation,
            "priority" | "least-laxity" | "edf" => Strategy::Priority,
            "optimal" | "lp" => Strategy::Optimal,
            other => {
                let names: Vec<&str> = Strategy::ALL.iter().map(|s| s.name()).collect();
                return Err(format!(
                    "unknown strategy \"{other}\": expected one of {}",
                    names.join(", ")
                ));
            }
        })
    }
}

/// One strategy's schedule, its cost and the checker's verdict (made by [`run`], which has
/// an example).
#[derive(Debug, Clone, PartialEq)]
pub struct StrategyRun {
    /// The strategy.
    pub strategy: Strategy,
    /// The mode it ran in.
    pub mode: Mode,
    /// The schedule.
    pub schedule: Schedule,
    /// Its cost under the problem's prices.
    pub cost: ScheduleCost,
    /// The independent checker's report.
    pub check: CheckReport,
    /// Sessions the strategy leaves short of what the mode requires (for the optimal
    /// strategy: with the reason).
    pub unservable: Vec<Unservable>,
    /// Wall-clock seconds the strategy took.
    pub seconds: f64,
}

/// Run `strategy` on `problem` and check its schedule.
///
/// ```
/// use voltlex_engine::schedule::generate::synthetic_depot;
/// use voltlex_engine::schedule::strategy::{run, Strategy};
/// use voltlex_engine::schedule::Mode;
///
/// let problem = synthetic_depot(20, 1, 3);
/// let optimal = run(Strategy::Optimal, &problem, Mode::Availability, &mut |_| {}).unwrap();
/// let priority = run(Strategy::Priority, &problem, Mode::Availability, &mut |_| {}).unwrap();
/// assert!(optimal.check.is_ok() && priority.check.is_ok());
/// assert!(optimal.cost.total <= priority.cost.total + 1e-6);
/// ```
///
/// # Errors
///
/// [`OptimalError`] when the problem is malformed or the base load breaks the cap.
pub fn run(
    strategy: Strategy,
    problem: &Problem,
    mode: Mode,
    progress: &mut dyn FnMut(Progress),
) -> Result<StrategyRun, OptimalError> {
    problem.validate()?;
    let started = Instant::now();
    let (schedule, unservable) = match strategy {
        Strategy::Optimal => {
            let solution = optimal::solve_with_progress(problem, mode, progress)?;
            (solution.schedule, solution.unservable)
        }
        heuristic => {
            let heuristic = match heuristic {
                Strategy::Uncontrolled => Heuristic::Uncontrolled,
                Strategy::BalanceEqual => Heuristic::BalanceEqual,
                Strategy::BalanceProportional => Heuristic::BalanceProportional,
                Strategy::Rotation => Heuristic::Rotation { group: 0 },
                Strategy::Priority | Strategy::Optimal => Heuristic::Priority,
            };
            let schedule = heuristic.run(problem, mode);
            let unservable = optimal::shortfall_report(problem, &schedule, mode);
            (schedule, unservable)
        }
    };
    let seconds = started.elapsed().as_secs_f64();
    let cost = ScheduleCost::of(problem, &schedule);
    let check = check(problem, &schedule, mode);
    Ok(StrategyRun {
        strategy,
        mode,
        schedule,
        cost,
        check,
        unservable,
        seconds,
    })
}
