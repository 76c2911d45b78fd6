//! The search: candidates in order of their cost lower bound, evaluated in parallel batches,
//! stopped when no remaining candidate can enter the `runner_ups + 1` cheapest that meet
//! the targets. The proof that this is exact is in `docs/goal-seek.md` and the [module
//! documentation](super).

use std::cmp::Ordering;

use rayon::prelude::*;
use serde::Serialize;

use super::space::{Candidate, DecisionSpace};
use super::target::{
    meets_all, never_values, shortfalls, slacks, Evaluation, Shortfall, Target, TargetSlack,
};

/// The model the search asks about candidates. It knows what a candidate means; the search
/// does not.
///
/// ```
/// use voltlex_engine::goalseek::{Candidate, Evaluation, Evaluator};
/// struct Flat;
/// impl Evaluator for Flat {
///     type Error = std::convert::Infallible;
///     fn cost_lower_bound(&self, candidate: &Candidate) -> f64 {
///         candidate.choices.iter().sum::<usize>() as f64
///     }
///     fn evaluate(&self, candidate: &Candidate) -> Result<Evaluation, Self::Error> {
///         let cost = self.cost_lower_bound(candidate) + 0.5;
///         Ok(Evaluation { cost, payback_years: Some(cost), crossover_year: None, npv: 0.0, co2_saved_tonnes: 0.0 })
///     }
/// }
/// assert_eq!(Flat.cost_lower_bound(&Candidate { choices: vec![1, 2] }), 3.0);
/// ```
pub trait Evaluator: Sync {
    /// Why a candidate cannot be evaluated.
    type Error: std::error::Error + Send + Sync + 'static;

    /// A cheap lower bound on `evaluate(c).cost` (e.g. capex net of the largest possible
    /// subsidies, no simulation). Must never exceed the true cost: the search relies on it
    /// for pruning (and reports [`SeekError::BoundAboveCost`] when it sees it broken). NaN
    /// and −∞ mean "no bound": the candidate is evaluated early.
    fn cost_lower_bound(&self, candidate: &Candidate) -> f64;

    /// The candidate's figures. May be expensive; called from several threads at once.
    ///
    /// # Errors
    ///
    /// Anything that prevents the evaluation; the search stops and names the candidate.
    fn evaluate(&self, candidate: &Candidate) -> Result<Evaluation, Self::Error>;
}

/// How to search.
///
/// ```
/// use voltlex_engine::goalseek::SeekOptions;
/// let options = SeekOptions { threads: Some(1), ..SeekOptions::default() };
/// assert_eq!(options.runner_ups, 3);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeekOptions {
    /// How many candidates to report after the best (default 3).
    pub runner_ups: usize,
    /// Worker threads; `None` = rayon's global pool (one per core). Batches hold twice as
    /// many candidates as there are threads.
    pub threads: Option<usize>,
}

impl Default for SeekOptions {
    fn default() -> Self {
        SeekOptions {
            runner_ups: 3,
            threads: None,
        }
    }
}

/// A candidate and its evaluation.
///
/// ```
/// use voltlex_engine::goalseek::{Candidate, Evaluation, Found};
/// let found = Found {
///     candidate: Candidate { choices: vec![0] },
///     description: "ev_count=10".into(),
///     evaluation: Evaluation { cost: 1.0, payback_years: None, crossover_year: None, npv: 0.0, co2_saved_tonnes: 0.0 },
/// };
/// assert_eq!(found.description, "ev_count=10");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Found {
    /// The candidate.
    pub candidate: Candidate,
    /// Its [description](Candidate::describe) in its space.
    pub description: String,
    /// What the evaluator said of it.
    pub evaluation: Evaluation,
}

/// The answer of [`seek`] or [`brute_force`].
///
/// "Cheapest" orders candidates by cost, then by NPV (higher first), then by candidate
/// number: a total order, so the answer does not depend on thread timing.
///
/// ```
/// use voltlex_engine::goalseek::{brute_force, Candidate, Choice, DecisionSpace, Dimension, Evaluation, Evaluator, SeekOptions, Target};
/// struct Linear;
/// impl Evaluator for Linear {
///     type Error = std::convert::Infallible;
///     fn cost_lower_bound(&self, c: &Candidate) -> f64 { c.choices[0] as f64 }
///     fn evaluate(&self, c: &Candidate) -> Result<Evaluation, Self::Error> {
///         let n = c.choices[0] as f64;
///         Ok(Evaluation { cost: n, payback_years: Some(10.0 - n), crossover_year: None, npv: n, co2_saved_tonnes: n })
///     }
/// }
/// let space = DecisionSpace::new([Dimension::new("n", (0..10).map(Choice::Count))]);
/// let outcome = brute_force(&space, &[Target::PaybackWithin { years: 4.0 }], &Linear, &SeekOptions::default(), &|_| {})?;
/// assert_eq!(outcome.best.map(|b| b.description), Some("n=6".to_string()));
/// // n = 5 pays back in 5 years: the nearest cheaper design, one year short.
/// let (cheaper, why) = outcome.nearest_cheaper.unwrap();
/// assert_eq!((cheaper.description.as_str(), why[0].shortfall), ("n=5", Some(1.0)));
/// # Ok::<(), voltlex_engine::goalseek::SeekError<std::convert::Infallible>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SeekOutcome {
    /// The cheapest candidate that meets every target.
    pub best: Option<Found>,
    /// The next cheapest that meet every target, cheapest first (at most `runner_ups`).
    pub runner_ups: Vec<Found>,
    /// Per target (in the order given), the best candidate's slack; the one with the
    /// smallest relative slack is flagged binding. Empty without a best.
    pub binding: Vec<TargetSlack>,
    /// When nothing meets every target: the candidate with the smallest total normalised
    /// shortfall (see [`Shortfall::normalised`]), and how it misses each target it misses.
    pub closest: Option<(Found, Vec<Shortfall>)>,
    /// Why the cost binds: of the candidates ranked before the best (all cheaper or equally
    /// cheap, all failing), the one closest to meeting the targets, and what it misses.
    /// `None` when the best is the cheapest candidate of all.
    pub nearest_cheaper: Option<(Found, Vec<Shortfall>)>,
    /// Candidates evaluated.
    pub evaluated: usize,
    /// Candidates never evaluated: their lower bound showed they could not rank.
    pub pruned: usize,
    /// Candidates in the space (`evaluated + pruned`).
    pub total: usize,
}

/// Where a search stands, reported after each batch.
///
/// ```
/// use voltlex_engine::goalseek::SeekProgress;
/// let p = SeekProgress { evaluated: 10, pruned: 0, total: 40, best_cost: None };
/// assert_eq!(p.evaluated + p.pruned, 10);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SeekProgress {
    /// Candidates evaluated so far.
    pub evaluated: usize,
    /// Candidates pruned so far (all of them at once, when the search stops).
    pub pruned: usize,
    /// Candidates in the space.
    pub total: usize,
    /// The cost of the cheapest candidate found so far that meets every target.
    pub best_cost: Option<f64>,
}

/// Why a search failed.
///
/// ```
/// use voltlex_engine::goalseek::{SeekError, Target};
/// let error: SeekError<std::io::Error> = SeekError::Target(Target::NpvAtLeast { amount: f64::NAN });
/// assert_eq!(error.to_string(), "target NPV at least NaN has no finite threshold");
/// ```
#[derive(Debug, thiserror::Error)]
pub enum SeekError<E: std::error::Error + 'static> {
    /// The evaluator failed on a candidate.
    #[error("{candidate}: {source}")]
    Evaluate {
        /// The candidate, described.
        candidate: String,
        /// The evaluator's error.
        #[source]
        source: E,
    },
    /// The evaluator returned a figure that is not a finite number.
    #[error("{candidate}: {figure} is not a finite number ({value})")]
    NotFinite {
        /// The candidate, described.
        candidate: String,
        /// Which figure.
        figure: &'static str,
        /// Its value.
        value: f64,
    },
    /// The evaluator's lower bound exceeded the cost it then computed: pruning on it could
    /// discard the answer.
    #[error("{candidate}: the cost lower bound {bound} exceeds the evaluated cost {cost}")]
    BoundAboveCost {
        /// The candidate, described.
        candidate: String,
        /// The bound the evaluator gave.
        bound: f64,
        /// The cost it evaluated.
        cost: f64,
    },
    /// A target's threshold is not a finite number.
    #[error("target {0} has no finite threshold")]
    Target(Target),
    /// The space's size does not fit a `usize`.
    #[error("the decision space has more candidates than can be counted")]
    TooLarge,
    /// The worker threads could not be started.
    #[error("cannot start {threads} worker threads: {message}")]
    Threads {
        /// How many were asked for.
        threads: usize,
        /// rayon's message.
        message: String,
    },
}

/// The cheapest candidates of `space` that meet every target, searched in order of the
/// evaluator's cost lower bound and pruned by it. Returns the same best, runner-ups,
/// binding slacks, closest and nearest cheaper candidate as [`brute_force`] (the counts of
/// evaluated and pruned candidates differ, and with the batch size, i.e. the thread count).
///
/// `progress` is called after each batch and once at the end.
///
/// ```
/// use voltlex_engine::goalseek::{seek, Candidate, Choice, DecisionSpace, Dimension, Evaluation, Evaluator, SeekOptions, Target};
/// struct Pv;
/// impl Evaluator for Pv {
///     type Error = std::convert::Infallible;
///     fn cost_lower_bound(&self, c: &Candidate) -> f64 { 100.0 * c.choices[0] as f64 }
///     fn evaluate(&self, c: &Candidate) -> Result<Evaluation, Self::Error> {
///         let kwp = 10.0 * c.choices[0] as f64;
///         Ok(Evaluation { cost: 10.0 * kwp, payback_years: Some(8.0), crossover_year: Some(6), npv: kwp, co2_saved_tonnes: kwp / 2.0 })
///     }
/// }
/// let space = DecisionSpace::new([Dimension::new("pv_kwp", (0..100).map(|i| Choice::Number(10.0 * i as f64)))]);
/// let targets = [Target::Co2SavedAtLeast { tonnes: 100.0 }];
/// let options = SeekOptions { runner_ups: 1, threads: Some(1) };
/// let outcome = seek(&space, &targets, &Pv, &options, &|_| {})?;
/// assert_eq!(outcome.best.unwrap().description, "pv_kwp=200");
/// assert!(outcome.pruned > 70);
/// # Ok::<(), voltlex_engine::goalseek::SeekError<std::convert::Infallible>>(())
/// ```
///
/// # Errors
///
/// See [`SeekError`]: an evaluator error (the first in search order), a non-finite figure,
/// a broken lower bound, a non-finite target, a space too large, threads that cannot start.
pub fn seek<E: Evaluator>(
    space: &DecisionSpace,
    targets: &[Target],
    evaluator: &E,
    options: &SeekOptions,
    progress: &(dyn Fn(SeekProgress) + Sync),
) -> Result<SeekOutcome, SeekError<E::Error>> {
    let run = Run::new(space, targets, evaluator, options)?;
    // "No bound" (NaN) sorts first, like −∞: the candidate is evaluated early.
    let bound_of = |candidate: &Candidate| {
        let bound = evaluator.cost_lower_bound(candidate);
        if bound.is_nan() {
            f64::NEG_INFINITY
        } else {
            bound
        }
    };
    let mut order: Vec<(f64, usize)> = run.install(|| {
        (0..run.total)
            .into_par_iter()
            .filter_map(|index| Some((bound_of(&space.candidate(index)?), index)))
            .collect()
    });
    order.sort_by(|(a, i), (b, j)| a.total_cmp(b).then(i.cmp(j)));

    let mut state = State::new(targets, run.keep);
    let mut next = order.iter();
    loop {
        let threshold = state.kth_cost();
        // Sorted by bound: once one candidate's bound exceeds the k-th cost, all later do.
        let batch: Vec<(f64, usize)> = next
            .clone()
            .take(run.batch)
            .take_while(|(bound, _)| threshold.is_none_or(|cost| *bound <= cost))
            .copied()
            .collect();
        if batch.is_empty() {
            break;
        }
        next.nth(batch.len() - 1);
        let results = run.install(|| {
            batch
                .par_iter()
                .map(|&(bound, index)| run.evaluate(index, Some(bound)))
                .collect::<Vec<_>>()
        });
        state.absorb(results)?;
        progress(state.progress(run.total));
    }
    let outcome = run.outcome(state.evaluations);
    progress(SeekProgress {
        evaluated: outcome.evaluated,
        pruned: outcome.pruned,
        total: outcome.total,
        best_cost: outcome.best.as_ref().map(|best| best.evaluation.cost),
    });
    Ok(outcome)
}

/// Every candidate of `space` evaluated (in parallel batches, in candidate order): the
/// reference [`seek`] is tested against, and the fallback when the lower bound is not
/// trusted. Lower bounds are still checked against the costs.
///
/// ```
/// use voltlex_engine::goalseek::{brute_force, Candidate, Choice, DecisionSpace, Dimension, Evaluation, Evaluator, SeekOptions, Target};
/// struct Never;
/// impl Evaluator for Never {
///     type Error = std::convert::Infallible;
///     fn cost_lower_bound(&self, _: &Candidate) -> f64 { 0.0 }
///     fn evaluate(&self, c: &Candidate) -> Result<Evaluation, Self::Error> {
///         Ok(Evaluation { cost: 1.0, payback_years: None, crossover_year: None, npv: -(c.choices[0] as f64), co2_saved_tonnes: 0.0 })
///     }
/// }
/// let space = DecisionSpace::new([Dimension::new("n", (0..3).map(Choice::Count))]);
/// let outcome = brute_force(&space, &[Target::NpvAtLeast { amount: 0.5 }], &Never, &SeekOptions::default(), &|_| {})?;
/// assert!(outcome.best.is_none());
/// assert_eq!(outcome.closest.unwrap().0.description, "n=0");
/// assert_eq!((outcome.evaluated, outcome.pruned), (3, 0));
/// # Ok::<(), voltlex_engine::goalseek::SeekError<std::convert::Infallible>>(())
/// ```
///
/// # Errors
///
/// As [`seek`]; the first failing candidate in candidate order is named.
pub fn brute_force<E: Evaluator>(
    space: &DecisionSpace,
    targets: &[Target],
    evaluator: &E,
    options: &SeekOptions,
    progress: &(dyn Fn(SeekProgress) + Sync),
) -> Result<SeekOutcome, SeekError<E::Error>> {
    let run = Run::new(space, targets, evaluator, options)?;
    let mut state = State::new(targets, run.keep);
    let mut start = 0;
    while start < run.total {
        let end = start.saturating_add(run.batch).min(run.total);
        let results = run.install(|| {
            (start..end)
                .into_par_iter()
                .map(|index| run.evaluate(index, None))
                .collect::<Vec<_>>()
        });
        state.absorb(results)?;
        progress(state.progress(run.total));
        start = end;
    }
    Ok(run.outcome(state.evaluations))
}

/// What both searches share: the space, the targets, the evaluator, the pool.
struct Run<'a, E: Evaluator> {
    space: &'a DecisionSpace,
    targets: &'a [Target],
    evaluator: &'a E,
    /// How many feasible candidates to keep: the best and the runner-ups.
    keep: usize,
    total: usize,
    batch: usize,
    pool: Option<rayon::ThreadPool>,
}

/// One evaluated candidate: its number and its figures.
type Evaluated = (usize, Evaluation);

impl<'a, E: Evaluator> Run<'a, E> {
    fn new(
        space: &'a DecisionSpace,
        targets: &'a [Target],
        evaluator: &'a E,
        options: &SeekOptions,
    ) -> Result<Self, SeekError<E::Error>> {
        if let Some(target) = targets.iter().find(|target| !target.is_valid()) {
            return Err(SeekError::Target(*target));
        }
        let total = space.checked_size().ok_or(SeekError::TooLarge)?;
        let pool = match options.threads {
            Some(threads) if threads > 0 => Some(
                rayon::ThreadPoolBuilder::new()
                    .num_threads(threads)
                    .build()
                    .map_err(|error| SeekError::Threads {
                        threads,
                        message: error.to_string(),
                    })?,
            ),
            _ => None,
        };
        let threads = pool.as_ref().map_or_else(
            rayon::current_num_threads,
            rayon::ThreadPool::current_num_threads,
        );
        Ok(Run {
            space,
            targets,
            evaluator,
            keep: options.runner_ups.saturating_add(1),
            total,
            batch: threads.saturating_mul(2).max(1),
            pool,
        })
    }

    fn install<R: Send>(&self, work: impl FnOnce() -> R + Send) -> R {
        match &self.pool {
            Some(pool) => pool.install(work),
            None => work(),
        }
    }

    /// Evaluates candidate `index`, checks its figures and its bound (computed here when
    /// the caller has none).
    fn evaluate(&self, index: usize, bound: Option<f64>) -> Result<Evaluated, SeekError<E::Error>> {
        let candidate = self.space.candidate(index).ok_or(SeekError::TooLarge)?;
        let describe = || candidate.describe(self.space);
        let evaluation =
            self.evaluator
                .evaluate(&candidate)
                .map_err(|source| SeekError::Evaluate {
                    candidate: describe(),
                    source,
                })?;
        if let Some((figure, value)) = evaluation.non_finite() {
            return Err(SeekError::NotFinite {
                candidate: describe(),
                figure,
                value,
            });
        }
        let bound = bound.unwrap_or_else(|| self.evaluator.cost_lower_bound(&candidate));
        // A rounding error's worth of excess is tolerated: bounds computed along another
        // path than the cost may differ in the last bits.
        let tolerance = 1e-9 * evaluation.cost.abs().max(1.0);
        if bound > evaluation.cost + tolerance {
            return Err(SeekError::BoundAboveCost {
                candidate: describe(),
                bound,
                cost: evaluation.cost,
            });
        }
        Ok((index, evaluation))
    }

    fn found(&self, (index, evaluation): &Evaluated) -> Option<Found> {
        let candidate = self.space.candidate(*index)?;
        Some(Found {
            description: candidate.describe(self.space),
            candidate,
            evaluation: evaluation.clone(),
        })
    }

    /// Among `set`, the one with the smallest total normalised shortfall (ties: ranking
    /// order), with its shortfalls; "never" counted within `set`.
    fn closest_of(&self, set: &[&Evaluated]) -> Option<(Found, Vec<Shortfall>)> {
        let never = never_values(self.targets, set.iter().map(|(_, evaluation)| evaluation));
        set.iter()
            .map(|evaluated| {
                let (missed, total) = shortfalls(self.targets, &never, &evaluated.1);
                (evaluated, missed, total)
            })
            .min_by(|(a, _, x), (b, _, y)| x.total_cmp(y).then_with(|| rank(a, b)))
            .and_then(|(evaluated, missed, _)| Some((self.found(evaluated)?, missed)))
    }

    /// The outcome from every evaluation made. Depends only on the evaluations of the
    /// candidates ranked up to the `keep`-th feasible one (or on all, when fewer are
    /// feasible): those both searches make.
    fn outcome(&self, evaluations: Vec<Evaluated>) -> SeekOutcome {
        let mut feasible: Vec<&Evaluated> = evaluations
            .iter()
            .filter(|(_, evaluation)| meets_all(self.targets, evaluation))
            .collect();
        feasible.sort_by(|a, b| rank(a, b));
        feasible.truncate(self.keep);
        let mut kept = feasible
            .iter()
            .filter_map(|evaluated| self.found(evaluated));
        let best = kept.next();
        let runner_ups: Vec<Found> = kept.collect();
        let (binding, closest, nearest_cheaper) = match feasible.first() {
            Some(first) => {
                let cheaper: Vec<&Evaluated> = evaluations
                    .iter()
                    .filter(|evaluated| rank(evaluated, first) == Ordering::Less)
                    .collect();
                (
                    slacks(self.targets, &first.1).unwrap_or_default(),
                    None,
                    self.closest_of(&cheaper),
                )
            }
            None => {
                let all: Vec<&Evaluated> = evaluations.iter().collect();
                (Vec::new(), self.closest_of(&all), None)
            }
        };
        SeekOutcome {
            best,
            runner_ups,
            binding,
            closest,
            nearest_cheaper,
            evaluated: evaluations.len(),
            pruned: self.total.saturating_sub(evaluations.len()),
            total: self.total,
        }
    }
}

/// The ranking: cost, then NPV (higher first), then candidate number.
fn rank((i, a): &Evaluated, (j, b): &Evaluated) -> Ordering {
    a.cost
        .total_cmp(&b.cost)
        .then_with(|| b.npv.total_cmp(&a.npv))
        .then(i.cmp(j))
}

/// The evaluations so far and the cheapest feasible ones among them.
struct State<'a> {
    targets: &'a [Target],
    keep: usize,
    evaluations: Vec<Evaluated>,
    /// The `keep` cheapest feasible evaluations so far, ranked.
    top: Vec<Evaluated>,
}

impl<'a> State<'a> {
    fn new(targets: &'a [Target], keep: usize) -> Self {
        State {
            targets,
            keep,
            evaluations: Vec::new(),
            top: Vec::new(),
        }
    }

    /// The cost of the `keep`-th cheapest feasible candidate, once there are that many.
    fn kth_cost(&self) -> Option<f64> {
        if self.top.len() < self.keep {
            return None;
        }
        self.top.last().map(|(_, evaluation)| evaluation.cost)
    }

    /// Records a batch's results; the first error in batch order stops the search.
    fn absorb<E: std::error::Error + 'static>(
        &mut self,
        results: Vec<Result<Evaluated, SeekError<E>>>,
    ) -> Result<(), SeekError<E>> {
        for result in results {
            let evaluated = result?;
            if meets_all(self.targets, &evaluated.1) {
                let position = self
                    .top
                    .partition_point(|kept| rank(kept, &evaluated) == Ordering::Less);
                if position < self.keep {
                    self.top.insert(position, evaluated.clone());
                    self.top.truncate(self.keep);
                }
            }
            self.evaluations.push(evaluated);
        }
        Ok(())
    }

    fn progress(&self, total: usize) -> SeekProgress {
        SeekProgress {
            evaluated: self.evaluations.len(),
            pruned: 0,
            total,
            best_cost: self.top.first().map(|(_, evaluation)| evaluation.cost),
        }
    }
}
