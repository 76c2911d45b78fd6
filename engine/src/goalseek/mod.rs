//! Inverse life-cycle cost (issue 6): the cheapest decision that meets a set of targets.
//!
//! The search is generic. A [`DecisionSpace`] is a Cartesian product of named
//! [`Dimension`]s (EV count, charger model, PV kWp, battery kWh, V2G, charging strategy…);
//! an [`Evaluator`] — the TCO model, or anything else — turns a [`Candidate`] into an
//! [`Evaluation`] (cost, payback, crossover, NPV, CO2) and gives a cheap lower bound on its
//! cost. [`seek`] returns the cheapest candidate meeting every [`Target`], the runner-ups,
//! each target's slack (the smallest binds), or — when nothing meets them — the closest
//! candidate and its shortfalls. [`brute_force`] evaluates everything: the reference.
//!
//! **Pruning device: the lower bound.** Candidates are evaluated in increasing order of
//! their bound, in parallel batches. Once `k = runner_ups + 1` feasible candidates are
//! known, any candidate whose bound exceeds the k-th cheapest cost cannot rank (its cost is
//! at least its bound), and neither can any later one (bounds are sorted): the search
//! stops. This is the only pruning that is sound for an arbitrary evaluator — the search
//! knows nothing of how the figures depend on the choices, so no other candidate can be
//! declared dominated without evaluating it. The answer is therefore exactly
//! [`brute_force`]'s (proof sketch in `docs/goal-seek.md`). With fewer than `k` feasible
//! candidates nothing is pruned: an infeasible search evaluates every candidate.
//!
//! **Reuse device: the evaluator's [`Memo`].** Expensive work shared by candidates that
//! differ only in cheap dimensions (a schedule, a year of bills) is cached by the evaluator,
//! keyed by the dimensions it depends on.
//!
//! ```
//! use voltlex_engine::goalseek::{seek, Candidate, Choice, DecisionSpace, Dimension, Evaluation, Evaluator, SeekOptions, Target};
//! // Cost 100 per vehicle; CO2 saved 3 t per vehicle.
//! struct Fleet;
//! impl Evaluator for Fleet {
//!     type Error = std::convert::Infallible;
//!     fn cost_lower_bound(&self, c: &Candidate) -> f64 { 100.0 * c.choices[0] as f64 }
//!     fn evaluate(&self, c: &Candidate) -> Result<Evaluation, Self::Error> {
//!         let n = c.choices[0] as f64;
//!         Ok(Evaluation { cost: 100.0 * n, payback_years: Some(6.0), crossover_year: Some(5), npv: 10.0 * n, co2_saved_tonnes: 3.0 * n })
//!     }
//! }
//! let space = DecisionSpace::new([Dimension::new("ev_count", (0..50).map(Choice::Count))]);
//! let targets = [Target::Co2SavedAtLeast { tonnes: 30.0 }, Target::PaybackWithin { years: 8.0 }];
//! let outcome = seek(&space, &targets, &Fleet, &SeekOptions::default(), &|_| {})?;
//! let best = outcome.best.as_ref().unwrap();
//! assert_eq!(best.description, "ev_count=10");
//! assert!(outcome.binding[0].binding); // CO2 has no slack; payback has 2 years
//! assert_eq!(outcome.runner_ups.len(), 3);
//! assert!(outcome.pruned > 0);
//! # Ok::<(), voltlex_engine::goalseek::SeekError<std::convert::Infallible>>(())
//! ```

mod memo;
mod search;
mod space;
mod target;

pub use memo::Memo;
pub use search::{
    brute_force, seek, Evaluator, Found, SeekError, SeekOptions, SeekOutcome, SeekProgress,
};
pub use space::{Candidate, Choice, DecisionSpace, Dimension};
pub use target::{Evaluation, Shortfall, Target, TargetSlack};
