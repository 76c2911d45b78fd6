//! Monthly V2G profit under simulated spot prices: the fleet as one virtual battery per day,
//! re-dispatched exactly for every price scenario.
//!
//! The exact study ([`super::study`]) answers "what did this month earn"; finance also asks
//! "how bad can a month get". For that every scenario (thousands) must be re-dispatched,
//! because the fleet reacts to prices. Each day the enrolled vehicles are aggregated into one
//! [`VirtualBattery`] (the standard aggregation of a flexible fleet):
//!
//! - power: the sum of the plugged-in vehicles' charge and discharge limits per slot;
//! - energy, as net energy added since the day's start: per vehicle between
//!   `floor − arrival` and `capacity − arrival` while plugged in, exactly its need once it
//!   has left; the sums bound the aggregate;
//! - efficiency and wear price: the fleet's capacity-weighted means.
//!
//! The aggregate is an outer approximation (a plan for the sum may not split into plans per
//! vehicle) and it does not see the site's import cap, its peak or, for V2B, the site load
//! that discharge can cover; these limits are in the exact study. Its dispatch is exact for
//! the aggregate ([`crate::risk::Dispatcher`]: convex piecewise-linear dynamic programming).
//!
//! Prices per slot in a scenario: import = the studied import price + its pass-through of
//! spot × (scenario spot − historical spot) — e.g. 0 for a fixed-price tariff, the reflected
//! share for a market-linked one. Discharge is capped per slot at the site's own load and
//! avoids imports (V2B: worth the import price, not market revenue); exports, worth less than
//! an avoided import, are left to the exact study (see `discharge_limits`).
//! Profit of a scenario-month = Σ days (baseline cost − V2G cost) − the aggregator's share of
//! market sales − per-kWh fees − fixed fees + a constant the caller supplies (the exact
//! study's demand saving and balancing revenue, which this model does not reprice).

use chrono::{NaiveDate, Timelike};

use super::problem::V2gProblem;
use crate::risk::{Dispatch, Dispatcher, PriceScenarios, RiskError, VirtualBattery, SLOTS_PER_DAY};

/// One day of the fleet as the Monte Carlo sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct FleetDay {
    /// The enrolled fleet as one battery.
    pub battery: VirtualBattery,
    /// The same battery that may not discharge (the baseline).
    pub baseline: VirtualBattery,
    /// Import price per slot as studied (historical spot).
    pub import_price: Vec<f64>,
    /// How much of a spot-price change reaches the import price, per slot.
    pub pass_through: Vec<f64>,
    /// Historical spot price per slot.
    pub spot: Vec<f64>,
    /// Per slot, the index into a scenario's day-major prices (relative to its first day).
    pub scenario_index: Vec<usize>,
    /// Whether the contract exports at all.
    pub export: bool,
    /// Per slot: the share of the fleet's largest discharge that the site's own load (without
    /// the fleet) absorbs — a kWh that avoids an import (V2B: worth the import price, outside
    /// the aggregator's share); the rest is exported.
    pub absorbed_share: Vec<f64>,
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
    /// let day = FleetDay::of(&problem, first, vec![0.0; slots], problem.export_price.clone(), false)?;
    /// assert!(day.battery.discharge_kw_max.iter().any(|&kw| kw > 0.0));
    /// assert!(day.baseline.discharge_kw_max.iter().all(|&kw| kw == 0.0));
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
        export: bool,
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

        let mut charge = vec![0.0; slots];
        let mut discharge = vec![0.0; slots];
        let mut lower = vec![0.0; slots];
        let mut upper = vec![0.0; slots];
        let mut offset = 0.0;
        let mut capacity_total = 0.0;
        let mut efficiency_weighted = 0.0;
        let mut wear_weighted = 0.0;
        let mut discharge_weight = 0.0;
        for (index, session) in charging.sessions.iter().enumerate() {
            let discharge_kw = problem.discharge_limit_kw(index);
            if discharge_kw <= 0.0 {
                continue;
            }
            let charger_kw = charging
                .chargers
                .get(session.charger)
                .map_or(0.0, |c| c.max_kw);
            let charge_kw = session.max_kw.min(charger_kw).max(0.0);
            let floor = problem.floor_of(index);
            let down = floor - session.arrival_kwh;
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
        let efficiency = if capacity_total > 0.0 {
            efficiency_weighted / capacity_total
        } else {
            1.0
        };
        let degradation_per_kwh = if discharge_weight > 0.0 {
            wear_weighted / discharge_weight
        } else {
            0.0
        };
        let mut battery = VirtualBattery {
            slot_hours: charging.slot_hours(),
            charge_kw_max: charge,
            discharge_kw_max: discharge,
            energy_min_kwh: lower,
            energy_max_kwh: upper,
            initial_kwh: offset,
            efficiency,
            degradation_per_kwh,
        };
        // Discharge can cover the site's load and, with a contract that exports, the export
        // limit: no more. The absorbed share prices it (see `monthly_profits`).
        let mut absorbed_share = Vec::with_capacity(slots);
        for (slot, limit) in discharge_limits(problem, export).enumerate() {
            let base = charging.base_kw.get(slot).copied().unwrap_or(0.0).max(0.0);
            if let Some(kw) = battery.discharge_kw_max.get_mut(slot) {
                *kw = kw.min(limit);
                absorbed_share.push(if *kw > 0.0 {
                    (base / *kw).min(1.0)
                } else {
                    1.0
                });
            }
        }
        let mut baseline = battery.clone();
        baseline
            .discharge_kw_max
            .iter_mut()
            .for_each(|kw| *kw = 0.0);
        Ok(FleetDay {
            battery,
            baseline,
            import_price: charging.energy_price.clone(),
            pass_through,
            spot,
            scenario_index,
            export,
            absorbed_share,
        })
    }
}

/// Largest fleet discharge per slot in the aggregate: the site's own load. One sell price per
/// slot cannot express "the import price up to the site's load, spot beyond" (a two-tier
/// revenue); the first tier is the one that pays wherever import costs more than spot, and
/// it is what the exact study uses in the example and the benchmark (which export nothing).
/// So the aggregate values V2B and leaves exports to the exact study; `export` is kept for
/// fleets whose contract exports (the share a slot's load absorbs is then below 1 only if the
/// limit is raised by a caller).
fn discharge_limits(problem: &V2gProblem, _export: bool) -> impl Iterator<Item = f64> + '_ {
    (0..problem.charging.slots()).map(move |slot| {
        problem
            .charging
            .base_kw
            .get(slot)
            .copied()
            .unwrap_or(0.0)
            .max(0.0)
    })
}

/// The money terms of a scenario-month beyond the dispatch.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct MonthTerms {
    /// Aggregator's share of market sales (0..=1).
    pub aggregator_share: f64,
    /// Fee per kWh sold to markets.
    pub fee_per_market_kwh: f64,
    /// Fixed fees of the month (per vehicle-month × enrolled vehicles + per month).
    pub fixed_fees: f64,
    /// Added to every scenario: what the model does not reprice (demand saving, balancing).
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
/// let day = FleetDay::of(&problem, first, vec![1.0; slots], problem.export_price.clone(), true)?;
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
    let mut dispatcher = Dispatcher::new();
    let mut plan = Dispatch::default();
    let mut buy = Vec::new();
    let mut sell = Vec::new();
    let mut export_price = Vec::new();
    let mut profits = Vec::with_capacity(scenarios.scenarios());
    for scenario in 0..scenarios.scenarios() {
        let path = scenarios.scenario(scenario).unwrap_or(&[]);
        let mut profit = terms.constant - terms.fixed_fees;
        for day in days {
            buy.clear();
            sell.clear();
            export_price.clear();
            for (slot, &index) in day.scenario_index.iter().enumerate() {
                let spot = path.get(index).copied().unwrap_or(0.0);
                let studied_spot = day.spot.get(slot).copied().unwrap_or(0.0);
                let import = day.import_price.get(slot).copied().unwrap_or(0.0)
                    + day.pass_through.get(slot).copied().unwrap_or(0.0) * (spot - studied_spot);
                buy.push(import);
                let absorbed = day.absorbed_share.get(slot).copied().unwrap_or(1.0);
                let exported = spot.min(import);
                sell.push(absorbed * import + (1.0 - absorbed) * exported);
                export_price.push(exported);
            }
            let baseline = dispatcher.cost(&day.baseline, &buy, &sell)?;
            if day.export {
                dispatcher.dispatch_into(&day.battery, &buy, &sell, &mut plan)?;
                let hours = day.battery.slot_hours;
                let (sales, kwh) = plan
                    .discharge_kw
                    .iter()
                    .zip(&export_price)
                    .zip(&day.absorbed_share)
                    .fold((0.0, 0.0), |(money, kwh), ((kw, spot), absorbed)| {
                        let exported = kw * hours * (1.0 - absorbed);
                        (money + exported * spot, kwh + exported)
                    });
                profit += baseline
                    - plan.cost
                    - terms.aggregator_share * sales
                    - terms.fee_per_market_kwh * kwh;
            } else {
                profit += baseline - dispatcher.cost(&day.battery, &buy, &sell)?;
            }
        }
        profits.push(profit);
    }
    Ok(profits)
}
