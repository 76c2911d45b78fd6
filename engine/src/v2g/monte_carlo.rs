//! Monthly V2G profit under simulated spot prices: the fleet as a few virtual batteries per
//! day, re-dispatched exactly for every price scenario.
//!
//! The exact study ([`super::study`]) answers "what did this month earn"; finance also asks
//! "how bad can a month get". For that every scenario (thousands) must be re-dispatched,
//! because the fleet reacts to prices. Each day the enrolled vehicles are sorted by wear price
//! and split into [`WEAR_CLASSES`] classes of equal counts, each aggregated into one
//! [`VirtualBattery`] (the standard aggregation of a flexible fleet):
//!
//! - power: the sum of the plugged-in vehicles' charge and discharge limits per slot;
//!   discharge is capped by the site's own load (V2B), given to the classes cheapest wear
//!   first — the exact study discharges the cheap-to-wear packs first;
//! - energy, as net energy added since the day's start: per vehicle between
//!   `floor − arrival` and `capacity − arrival` while plugged in, exactly its need once it
//!   has left; the sums bound the aggregate;
//! - efficiency and wear price: the class's capacity- and discharge-weighted means.
//!
//! The aggregates are outer approximations (a plan for the sum may not split into plans per
//! vehicle) and do not see the site's import cap, its peak or the cycle caps; these are in
//! the exact study. Their dispatch is exact ([`crate::risk::Dispatcher`]: convex
//! piecewise-linear dynamic programming).
//!
//! Prices per slot in a scenario: import = the studied import price + its pass-through of
//! spot × (scenario spot − historical spot) — e.g. 0 for a fixed-price tariff, the reflected
//! share for a market-linked one. A discharged kWh avoids an import (V2B, worth the import
//! price): one sell price per slot cannot express "the import price up to the site's load,
//! spot beyond", and the first tier is the one that pays wherever import costs more than spot
//! — exports are left to the exact study. Profit of a scenario-month = Σ days Σ classes
//! (baseline cost − V2G cost) − fixed fees + a constant the caller supplies (the exact study's
//! demand saving, power-factor support and balancing revenue, which this model does not
//! reprice).

use chrono::{NaiveDate, Timelike};

use rayon::prelude::*;

use super::problem::V2gProblem;
use crate::risk::{Dispatch, Dispatcher, PriceScenarios, RiskError, VirtualBattery, SLOTS_PER_DAY};

/// Wear classes the enrolled fleet is split into (by wear price, cheapest first).
pub const WEAR_CLASSES: usize = 3;

/// One wear class of a day's enrolled fleet, aggregated.
#[derive(Debug, Clone, PartialEq)]
pub struct WearClass {
    /// The class as one battery.
    pub battery: VirtualBattery,
    /// The same battery that may not discharge (the baseline).
    pub baseline: VirtualBattery,
}

/// One day of the fleet as the Monte Carlo sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct FleetDay {
    /// The enrolled fleet in up to [`WEAR_CLASSES`] aggregates, cheapest wear first.
    pub classes: Vec<WearClass>,
    /// Import price per slot as studied (historical spot).
    pub import_price: Vec<f64>,
    /// How much of a spot-price change reaches the import price, per slot.
    pub pass_through: Vec<f64>,
    /// Historical spot price per slot.
    pub spot: Vec<f64>,
    /// Per slot, the index into a scenario's day-major prices (relative to its first day).
    pub scenario_index: Vec<usize>,
}

impl FleetDay {
    /// The aggregate of `problem`'s enrolled sessions for one day, with the slot mapping into
    /// scenarios that start on `first_day`.
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use voltlex_engine::v2g::generate::v2g_depot;
    /// use voltlex_engine::v2g::monte_carlo::FleetDay;
    /// let problem = v2g_depot(20, 1, 7);
    /// let first = problem.charging.start.date();
    /// let slots = problem.charging.slots();
    /// let day = FleetDay::of(&problem, first, vec![0.0; slots], problem.export_price.clone())?;
    /// assert!(!day.classes.is_empty() && day.classes.len() <= 3);
    /// // Cheapest wear first.
    /// assert!(day.classes.windows(2).all(|pair| pair[0].battery.degradation_per_kwh
    ///     <= pair[1].battery.degradation_per_kwh));
    /// assert!(day.classes.iter().all(|c| c.baseline.discharge_kw_max.iter().all(|&kw| kw == 0.0)));
    /// # Ok::<(), voltlex_engine::risk::RiskError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`RiskError::LengthMismatch`] for series of the wrong length or slots that are not
    /// half-hours; [`RiskError::InvalidParameter`] for a slot before `first_day`.
    pub fn of(
        problem: &V2gProblem,
        first_day: NaiveDate,
        pass_through: Vec<f64>,
        spot: Vec<f64>,
    ) -> Result<FleetDay, RiskError> {
        let charging = &problem.charging;
        let slots = charging.slots();
        for (field, found) in [("pass_through", pass_through.len()), ("spot", spot.len())] {
            if found != slots {
                return Err(RiskError::LengthMismatch {
                    field,
                    expected: slots,
                    found,
                });
            }
        }
        if charging.slot_minutes != 30 {
            return Err(RiskError::LengthMismatch {
                field: "slot minutes (JEPX half-hours)",
                expected: 30,
                found: charging.slot_minutes as usize,
            });
        }
        let mut scenario_index = Vec::with_capacity(slots);
        for slot in 0..slots {
            let at = charging.slot_start(slot);
            let day = (at.date() - first_day).num_days();
            if day < 0 {
                return Err(RiskError::InvalidParameter {
                    name: "slot before the scenarios' first day",
                    value: day as f64,
                });
            }
            let of_day = (at.hour() * 2 + at.minute() / 30) as usize;
            scenario_index.push(day as usize * SLOTS_PER_DAY + of_day);
        }

        // Enrolled sessions, cheapest wear first, cut into classes of equal counts: the
        // exact study discharges the cheap-to-wear packs first, one fleet-mean price cannot.
        let mut enrolled: Vec<(usize, f64)> = (0..charging.sessions.len())
            .filter(|&index| problem.discharge_limit_kw(index) > 0.0)
            .map(|index| {
                let wear = problem
                    .sessions
                    .get(index)
                    .map_or(0.0, |v| v.degradation_per_kwh);
                (index, wear)
            })
            .collect();
        enrolled.sort_by(|a, b| a.1.total_cmp(&b.1));
        let per_class = enrolled.len().div_ceil(WEAR_CLASSES).max(1);
        // Discharge is capped by the site's own load (V2B, see `monthly_profits`), given to
        // the classes in wear order.
        let mut site_room: Vec<f64> = charging.base_kw.iter().map(|kw| kw.max(0.0)).collect();
        let mut classes = Vec::new();
        for members in enrolled.chunks(per_class) {
            let mut class = aggregate(problem, members.iter().map(|(index, _)| *index));
            for (kw, room) in class.discharge_kw_max.iter_mut().zip(site_room.iter_mut()) {
                *kw = kw.min(*room);
                *room -= *kw;
            }
            let mut baseline = class.clone();
            baseline
                .discharge_kw_max
                .iter_mut()
                .for_each(|kw| *kw = 0.0);
            classes.push(WearClass {
                battery: class,
                baseline,
            });
        }
        Ok(FleetDay {
            classes,
            import_price: charging.energy_price.clone(),
            pass_through,
            spot,
            scenario_index,
        })
    }
}

/// The sessions `members` of `problem` as one battery: summed power limits, net energy since
/// the day's start bounded by the sums of `floor − arrival` and `capacity − arrival` while
/// plugged in and exactly the need after departure; capacity-weighted efficiency and
/// discharge-weighted wear price.
fn aggregate(problem: &V2gProblem, members: impl Iterator<Item = usize>) -> VirtualBattery {
    let charging = &problem.charging;
    let slots = charging.slots();
    let mut charge = vec![0.0; slots];
    let mut discharge = vec![0.0; slots];
    let mut lower = vec![0.0; slots];
    let mut upper = vec![0.0; slots];
    let mut offset = 0.0;
    let mut capacity_total = 0.0;
    let mut efficiency_weighted = 0.0;
    let mut wear_weighted = 0.0;
    let mut discharge_weight = 0.0;
    for index in members {
        let Some(session) = charging.sessions.get(index) else {
            continue;
        };
        let discharge_kw = problem.discharge_limit_kw(index);
        let charger_kw = charging
            .chargers
            .get(session.charger)
            .map_or(0.0, |c| c.max_kw);
        let charge_kw = session.max_kw.min(charger_kw).max(0.0);
        let down = problem.floor_of(index) - session.arrival_kwh;
        let up = session.battery_kwh - session.arrival_kwh;
        offset -= down;
        capacity_total += session.battery_kwh;
        efficiency_weighted += session.battery_kwh * charging.efficiency_of(session);
        let wear = problem
            .sessions
            .get(index)
            .map_or(0.0, |v| v.degradation_per_kwh);
        wear_weighted += discharge_kw * wear;
        discharge_weight += discharge_kw;
        for slot in 0..slots {
            if session.contains(slot) {
                if let (Some(c), Some(d)) = (charge.get_mut(slot), discharge.get_mut(slot)) {
                    *c += charge_kw;
                    *d += discharge_kw;
                }
            }
            let (low, high) = if slot + 1 >= session.end_slot {
                (session.energy_kwh, session.energy_kwh)
            } else if slot >= session.first_slot {
                (down, up)
            } else {
                (0.0, 0.0)
            };
            if let (Some(l), Some(u)) = (lower.get_mut(slot), upper.get_mut(slot)) {
                *l += low;
                *u += high;
            }
        }
    }
    for value in lower.iter_mut().chain(upper.iter_mut()) {
        *value += offset;
    }
    VirtualBattery {
        slot_hours: charging.slot_hours(),
        charge_kw_max: charge,
        discharge_kw_max: discharge,
        energy_min_kwh: lower,
        energy_max_kwh: upper,
        initial_kwh: offset,
        efficiency: if capacity_total > 0.0 {
            efficiency_weighted / capacity_total
        } else {
            1.0
        },
        degradation_per_kwh: if discharge_weight > 0.0 {
            wear_weighted / discharge_weight
        } else {
            0.0
        },
    }
}

/// Every day's slots must fall inside the scenarios' horizon.
fn check_horizon(days: &[FleetDay], scenarios: &PriceScenarios) -> Result<(), RiskError> {
    let horizon = scenarios.days() * SLOTS_PER_DAY;
    for day in days {
        if let Some(&last) = day.scenario_index.iter().max() {
            if last >= horizon {
                return Err(RiskError::LengthMismatch {
                    field: "scenario horizon (slots)",
                    expected: last + 1,
                    found: horizon,
                });
            }
        }
    }
    Ok(())
}

impl FleetDay {
    /// The day's import price per slot under a scenario's spot path (into `buy`): the studied
    /// import price plus its pass-through of the spot change.
    fn buy_prices(&self, path: &[f64], buy: &mut Vec<f64>) {
        buy.clear();
        for (slot, &index) in self.scenario_index.iter().enumerate() {
            let spot = path.get(index).copied().unwrap_or(0.0);
            let studied_spot = self.spot.get(slot).copied().unwrap_or(0.0);
            buy.push(
                self.import_price.get(slot).copied().unwrap_or(0.0)
                    + self.pass_through.get(slot).copied().unwrap_or(0.0) * (spot - studied_spot),
            );
        }
    }
}

/// The money terms of a scenario-month beyond the dispatch.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct MonthTerms {
    /// Fixed fees of the month (per vehicle-month × enrolled vehicles + per month).
    pub fixed_fees: f64,
    /// Added to every scenario: what the model does not reprice (demand saving, power-factor
    /// support, balancing — net of the aggregator's share).
    pub constant: f64,
}

/// The month's profit in every scenario, in scenario order.
///
/// ```
/// use chrono::NaiveDate;
/// use voltlex_engine::risk::{generate, DailyPrices, PriceModel};
/// use voltlex_engine::v2g::generate::v2g_depot;
/// use voltlex_engine::v2g::monte_carlo::{monthly_profits, FleetDay, MonthTerms};
///
/// let problem = v2g_depot(20, 1, 7);
/// let first = problem.charging.start.date();
/// let history = DailyPrices::from_days(
///     (0..40).map(|d| (first - chrono::Duration::days(40 - d),
///         (0..48).map(|s| 8.0 + (s % 24) as f64).collect())).collect(),
/// ).unwrap();
/// let scenarios = generate(&PriceModel::BlockBootstrap { block_days: 7, month_window: 1 },
///     &history, first, 2, 50, 11).unwrap();
/// let slots = problem.charging.slots();
/// let day = FleetDay::of(&problem, first, vec![1.0; slots], problem.export_price.clone())?;
/// let profits = monthly_profits(&[day], &scenarios, &MonthTerms::default())?;
/// assert_eq!(profits.len(), 50);
/// assert!(profits.iter().all(|p| *p >= -1e-6)); // discharge is optional: never a loss
/// # Ok::<(), voltlex_engine::risk::RiskError>(())
/// ```
///
/// # Errors
///
/// [`RiskError::LengthMismatch`] when a day reaches past the scenarios' horizon; the
/// dispatch's errors.
pub fn monthly_profits(
    days: &[FleetDay],
    scenarios: &PriceScenarios,
    terms: &MonthTerms,
) -> Result<Vec<f64>, RiskError> {
    check_horizon(days, scenarios)?;
    // Scenarios are independent: in parallel, each task with its own dispatcher and buffer.
    (0..scenarios.scenarios())
        .into_par_iter()
        .map_init(
            || (Dispatcher::new(), Vec::new()),
            |(dispatcher, buy), scenario| {
                let path = scenarios.scenario(scenario).unwrap_or(&[]);
                let mut profit = terms.constant - terms.fixed_fees;
                for day in days {
                    day.buy_prices(path, buy);
                    // V2B: a discharged kWh avoids an import, so it sells at the import price.
                    for class in &day.classes {
                        profit += dispatcher.cost(&class.baseline, buy, buy)?
                            - dispatcher.cost(&class.battery, buy, buy)?;
                    }
                }
                Ok(profit)
            },
        )
        .collect()
}

/// One scenario-month of the fleet's V2G operation, split the way a risk-sharing deal needs it.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct MonthOutcome {
    /// As [`monthly_profits`]: margin − priced wear − fixed fees + constant.
    pub profit: f64,
    /// What V2G earns before wear and fees: Σ (baseline cost − V2G cost without the wear
    /// term) + constant.
    pub margin: f64,
    /// Battery-side kWh discharged (what wear and per-kWh fees are counted on).
    pub discharged_kwh: f64,
    /// The wear the dispatch priced: Σ discharged kWh × the class's wear price.
    pub priced_wear: f64,
}

/// The month in every scenario, in scenario order, with the margin before wear and the energy
/// discharged (the dispatch of [`monthly_profits`], keeping its plans).
///
/// ```
/// use chrono::NaiveDate;
/// use voltlex_engine::risk::{generate, DailyPrices, PriceModel};
/// use voltlex_engine::v2g::generate::v2g_depot;
/// use voltlex_engine::v2g::monte_carlo::{monthly_outcomes, monthly_profits, FleetDay, MonthTerms};
///
/// let problem = v2g_depot(20, 1, 7);
/// let first = problem.charging.start.date();
/// let history = DailyPrices::from_days(
///     (0..40).map(|d| (first - chrono::Duration::days(40 - d),
///         (0..48).map(|s| 8.0 + (s % 24) as f64).collect())).collect(),
/// ).unwrap();
/// let scenarios = generate(&PriceModel::BlockBootstrap { block_days: 7, month_window: 1 },
///     &history, first, 2, 20, 11).unwrap();
/// let slots = problem.charging.slots();
/// let day = FleetDay::of(&problem, first, vec![1.0; slots], problem.export_price.clone())?;
/// let terms = MonthTerms { fixed_fees: 100.0, constant: 0.0 };
/// let outcomes = monthly_outcomes(&[day.clone()], &scenarios, &terms)?;
/// let profits = monthly_profits(&[day], &scenarios, &terms)?;
/// for (outcome, profit) in outcomes.iter().zip(&profits) {
///     assert!((outcome.profit - profit).abs() < 1e-6);
///     assert!((outcome.margin - outcome.priced_wear - 100.0 - outcome.profit).abs() < 1e-6);
///     assert!(outcome.discharged_kwh >= 0.0);
/// }
/// # Ok::<(), voltlex_engine::risk::RiskError>(())
/// ```
///
/// # Errors
///
/// As [`monthly_profits`].
pub fn monthly_outcomes(
    days: &[FleetDay],
    scenarios: &PriceScenarios,
    terms: &MonthTerms,
) -> Result<Vec<MonthOutcome>, RiskError> {
    check_horizon(days, scenarios)?;
    (0..scenarios.scenarios())
        .into_par_iter()
        .map_init(
            || (Dispatcher::new(), Vec::new(), Dispatch::default()),
            |(dispatcher, buy, plan), scenario| {
                let path = scenarios.scenario(scenario).unwrap_or(&[]);
                let mut outcome = MonthOutcome {
                    profit: terms.constant - terms.fixed_fees,
                    margin: terms.constant,
                    ..MonthOutcome::default()
                };
                for day in days {
                    day.buy_prices(path, buy);
                    for class in &day.classes {
                        let baseline = dispatcher.cost(&class.baseline, buy, buy)?;
                        dispatcher.dispatch_into(&class.battery, buy, buy, plan)?;
                        let battery = &class.battery;
                        let drained: f64 = plan.discharge_kw.iter().sum::<f64>()
                            * battery.slot_hours
                            / battery.efficiency;
                        let wear = drained * battery.degradation_per_kwh;
                        outcome.profit += baseline - plan.cost;
                        outcome.margin += baseline - plan.cost + wear;
                        outcome.discharged_kwh += drained;
                        outcome.priced_wear += wear;
                    }
                }
                Ok(outcome)
            },
        )
        .collect()
}
