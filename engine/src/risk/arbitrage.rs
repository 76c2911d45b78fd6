//! The exact dispatch of one virtual battery against a price path, and the monthly profit of
//! a battery over price scenarios.
//!
//! # The problem
//!
//! With slot length `h`, efficiency `η`, grid-side charge `c_t ∈ [0, C_t]` and discharge
//! `d_t ∈ [0, D_t]` (kW), stored energy at the end of slot `t`
//! `E_t = E_{t−1} + h·(η·c_t − d_t/η) ∈ [Emin_t, Emax_t]`, minimise
//! `Σ_t h·(buy_t·c_t − sell_t·d_t) + deg·h·d_t/η` (degradation per battery-side kWh drained).
//!
//! # The algorithm
//!
//! Written in the energy change `Δ = E_t − E_{t−1}`, the cheapest way to make `Δ` costs
//! `a_t·Δ` for `Δ ≥ 0` (`a_t = buy_t/η`) and `b_t·Δ` for `Δ ≤ 0` (`b_t = sell_t·η − deg`): a
//! convex piecewise-linear stage cost when `b_t ≤ a_t`. The cost-to-go as a function of
//! stored energy is then convex piecewise linear too, and one backward step is an infimal
//! convolution — merge two segments (slopes `−a_t`, `−b_t`) into the sorted slope list —
//! followed by clipping to the previous slot's energy bounds. The optimal move at slot `t`
//! from energy `E` is `clamp(E, y_charge, y_discharge)` (the points where the cost-to-go's
//! slope crosses `−a_t` and `−b_t`), projected on what the slot can reach: the forward pass
//! needs only those two numbers per slot. Time O(slots × breakpoints) ≤ O(slots²), no
//! allocation once a [`Dispatcher`]'s buffers have grown.
//!
//! Why `sell_t ≤ buy_t` and `b_t ≤ a_t` are required: with one meter a site cannot buy and
//! sell in the same half-hour, and when `b_t > a_t` the LP would profit from charging and
//! discharging at once (the stage cost stops being convex): with `sell > buy` by trading
//! with itself, with a negative buy price by burning energy in the losses. For buy prices
//! ≥ 0 (JEPX's floor is 0.01), `sell ≤ buy` with `η ≤ 1` and `deg ≥ 0` implies `b_t ≤ a_t`.
//!
//! Infeasible bounds are diagnosed by a forward reachability pass before the dynamic
//! programme: the first slot whose bounds cannot be met from what the earlier slots allow.

use super::model::PriceScenarios;
use super::{RiskError, SLOTS_PER_DAY};

/// One battery (a vehicle, or a fleet aggregated as one) as the dispatch sees it.
///
/// ```
/// use voltlex_engine::risk::VirtualBattery;
///
/// let battery = VirtualBattery::constant(48, 0.5, 6.0, 6.0, (10.0, 60.0), 30.0, 0.95, 2.0);
/// assert_eq!(battery.slots(), 48);
/// assert_eq!(battery.energy_max_kwh[47], 60.0);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct VirtualBattery {
    /// Slot length in hours (0.5 for JEPX half-hours).
    pub slot_hours: f64,
    /// Grid-side charging limit per slot, kW (0 while the vehicle is away).
    pub charge_kw_max: Vec<f64>,
    /// Grid-side discharging limit per slot, kW.
    pub discharge_kw_max: Vec<f64>,
    /// Lower bound on stored energy at the end of each slot, kWh.
    pub energy_min_kwh: Vec<f64>,
    /// Upper bound on stored energy at the end of each slot, kWh.
    pub energy_max_kwh: Vec<f64>,
    /// Stored energy before the first slot, kWh.
    pub initial_kwh: f64,
    /// One-way efficiency in (0, 1]: charging stores `η·grid`, discharging drains `grid/η`.
    pub efficiency: f64,
    /// Wear cost per battery-side kWh discharged (JPY/kWh).
    pub degradation_per_kwh: f64,
}

impl VirtualBattery {
    /// The same limits in every slot: `energy_kwh = (min, max)` stored energy.
    #[allow(clippy::too_many_arguments)]
    pub fn constant(
        slots: usize,
        slot_hours: f64,
        charge_kw: f64,
        discharge_kw: f64,
        energy_kwh: (f64, f64),
        initial_kwh: f64,
        efficiency: f64,
        degradation_per_kwh: f64,
    ) -> VirtualBattery {
        VirtualBattery {
            slot_hours,
            charge_kw_max: vec![charge_kw; slots],
            discharge_kw_max: vec![discharge_kw; slots],
            energy_min_kwh: vec![energy_kwh.0; slots],
            energy_max_kwh: vec![energy_kwh.1; slots],
            initial_kwh,
            efficiency,
            degradation_per_kwh,
        }
    }

    /// Number of slots.
    pub fn slots(&self) -> usize {
        self.charge_kw_max.len()
    }

    fn validate(&self, buy: &[f64], sell: &[f64]) -> Result<(), RiskError> {
        let slots = buy.len();
        for (field, found) in [
            ("sell_price", sell.len()),
            ("charge_kw_max", self.charge_kw_max.len()),
            ("discharge_kw_max", self.discharge_kw_max.len()),
            ("energy_min_kwh", self.energy_min_kwh.len()),
            ("energy_max_kwh", self.energy_max_kwh.len()),
        ] {
            if found != slots {
                return Err(RiskError::LengthMismatch {
                    field,
                    expected: slots,
                    found,
                });
            }
        }
        let positive = |name, value: f64, ok: bool| {
            if ok && value.is_finite() {
                Ok(())
            } else {
                Err(RiskError::InvalidParameter { name, value })
            }
        };
        positive("slot_hours", self.slot_hours, self.slot_hours > 0.0)?;
        positive(
            "efficiency",
            self.efficiency,
            self.efficiency > 0.0 && self.efficiency <= 1.0,
        )?;
        positive(
            "degradation_per_kwh",
            self.degradation_per_kwh,
            self.degradation_per_kwh >= 0.0,
        )?;
        positive("initial_kwh", self.initial_kwh, true)?;
        let per_slot = buy
            .iter()
            .zip(sell)
            .zip(self.charge_kw_max.iter().zip(&self.discharge_kw_max))
            .zip(self.energy_min_kwh.iter().zip(&self.energy_max_kwh));
        for (slot, (((&buy, &sell), (&charge, &discharge)), (&low, &high))) in per_slot.enumerate()
        {
            positive("buy price", buy, true)?;
            positive("sell price", sell, true)?;
            positive("charge_kw_max", charge, charge >= 0.0)?;
            positive("discharge_kw_max", discharge, discharge >= 0.0)?;
            positive("energy_min_kwh", low, true)?;
            positive("energy_max_kwh", high, true)?;
            let eta = self.efficiency;
            // The convexity bound with room for round-off in a price computed from it.
            let convex_limit = buy / eta + 1e-12 * (1.0 + buy.abs() / eta);
            if sell > buy || sell * eta - self.degradation_per_kwh > convex_limit {
                return Err(RiskError::SellAboveBuy { slot, sell, buy });
            }
            if low > high {
                return Err(RiskError::Infeasible {
                    slot,
                    reason: format!("energy_min_kwh {low} exceeds energy_max_kwh {high}"),
                });
            }
        }
        Ok(())
    }

    /// Forward reachability: the energies reachable at the end of each slot given the
    /// bounds so far. The problem is feasible exactly when none is empty (any point of the
    /// last set traces back through the earlier ones), so the first empty one names the slot.
    fn check_reachable(&self) -> Result<(), RiskError> {
        let hours = self.slot_hours;
        let eta = self.efficiency;
        let (mut low, mut high) = (self.initial_kwh, self.initial_kwh);
        let per_slot = self
            .charge_kw_max
            .iter()
            .zip(&self.discharge_kw_max)
            .zip(self.energy_min_kwh.iter().zip(&self.energy_max_kwh));
        for (slot, ((&charge, &discharge), (&min, &max))) in per_slot.enumerate() {
            let reach_low = low - hours * discharge / eta;
            let reach_high = high + hours * eta * charge;
            low = reach_low.max(min);
            high = reach_high.min(max);
            if low > high {
                let tolerance = 1e-9 * (1.0f64).max(reach_high.abs()).max(min.abs());
                if low - high > tolerance {
                    let reason = if reach_high < min {
                        format!(
                            "energy_min_kwh {min} cannot be reached: at most {reach_high} kWh \
                             by the end of the slot"
                        )
                    } else {
                        format!(
                            "energy_max_kwh {max} cannot be reached: at least {reach_low} kWh \
                             by the end of the slot"
                        )
                    };
                    return Err(RiskError::Infeasible { slot, reason });
                }
                // Round-off: the bounds touch.
                high = low;
            }
        }
        Ok(())
    }
}

/// An optimal dispatch.
///
/// ```
/// use voltlex_engine::risk::{dispatch, VirtualBattery};
///
/// // Full at the start, selling at 30 and 20: discharge in the dearer slot (9 kW · 0.5 h
/// // drains 5 kWh at η = 0.9; degradation 1 JPY per kWh drained).
/// let battery = VirtualBattery::constant(2, 0.5, 9.0, 9.0, (0.0, 5.0), 5.0, 0.9, 1.0);
/// let plan = dispatch(&battery, &[40.0, 40.0], &[30.0, 20.0]).unwrap();
/// assert_eq!(plan.discharge_kw, vec![9.0, 0.0]);
/// assert!((plan.energy_kwh[1]).abs() < 1e-12);
/// assert!((plan.cost - (-30.0 * 4.5 + 5.0)).abs() < 1e-9);
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Dispatch {
    /// Grid-side charging per slot, kW.
    pub charge_kw: Vec<f64>,
    /// Grid-side discharging per slot, kW.
    pub discharge_kw: Vec<f64>,
    /// Stored energy at the end of each slot, kWh.
    pub energy_kwh: Vec<f64>,
    /// Energy bought minus energy sold plus degradation, JPY (negative = profit).
    pub cost: f64,
}

/// A segment of a convex piecewise-linear function: its length along the energy axis and
/// its slope. Segments are kept in increasing slope order.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Segment {
    length: f64,
    slope: f64,
}

/// What the forward pass needs from the backward pass for one slot.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Stage {
    /// Domain of the cost-to-go after the slot (energy at its end).
    low: f64,
    high: f64,
    /// Charging pays up to this energy (the cost-to-go's slope crosses `−a`).
    charge_to: f64,
    /// Discharging pays down to this energy (the slope crosses `−b`).
    discharge_to: f64,
}

/// The dispatch with reusable scratch space: after the first call on a given number of slots,
/// [`Dispatcher::cost`] allocates nothing.
///
/// ```
/// use voltlex_engine::risk::{Dispatcher, VirtualBattery};
///
/// // Buy at 10 in slot 0, sell at 20 in slot 1: charge fully, then discharge.
/// let battery = VirtualBattery::constant(2, 1.0, 10.0, 10.0, (0.0, 10.0), 0.0, 1.0, 0.0);
/// let mut dispatcher = Dispatcher::new();
/// let plan = dispatcher.dispatch(&battery, &[10.0, 20.0], &[10.0, 20.0]).unwrap();
/// assert_eq!(plan.charge_kw, vec![10.0, 0.0]);
/// assert_eq!(plan.discharge_kw, vec![0.0, 10.0]);
/// assert_eq!(plan.cost, -100.0);
/// assert_eq!(dispatcher.cost(&battery, &[10.0, 20.0], &[10.0, 20.0]).unwrap(), -100.0);
/// ```
#[derive(Debug, Clone, Default)]
pub struct Dispatcher {
    segments: Vec<Segment>,
    scratch: Vec<Segment>,
    stages: Vec<Stage>,
}

impl Dispatcher {
    /// A dispatcher with empty buffers.
    pub fn new() -> Dispatcher {
        Dispatcher::default()
    }

    /// The optimal dispatch (see [`dispatch`]).
    ///
    /// # Errors
    ///
    /// As [`dispatch`].
    pub fn dispatch(
        &mut self,
        battery: &VirtualBattery,
        buy_price: &[f64],
        sell_price: &[f64],
    ) -> Result<Dispatch, RiskError> {
        let mut plan = Dispatch::default();
        self.dispatch_into(battery, buy_price, sell_price, &mut plan)?;
        Ok(plan)
    }

    /// The optimal dispatch written into `plan` (its vectors are reused).
    ///
    /// # Errors
    ///
    /// As [`dispatch`].
    pub fn dispatch_into(
        &mut self,
        battery: &VirtualBattery,
        buy_price: &[f64],
        sell_price: &[f64],
        plan: &mut Dispatch,
    ) -> Result<(), RiskError> {
        plan.charge_kw.clear();
        plan.discharge_kw.clear();
        plan.energy_kwh.clear();
        plan.cost = self.solve(battery, buy_price, sell_price, Some(plan))?;
        Ok(())
    }

    /// The optimal cost only (the Monte Carlo hot path: nothing is allocated).
    ///
    /// # Errors
    ///
    /// As [`dispatch`].
    pub fn cost(
        &mut self,
        battery: &VirtualBattery,
        buy_price: &[f64],
        sell_price: &[f64],
    ) -> Result<f64, RiskError> {
        self.solve(battery, buy_price, sell_price, None)
    }

    fn solve(
        &mut self,
        battery: &VirtualBattery,
        buy: &[f64],
        sell: &[f64],
        mut plan: Option<&mut Dispatch>,
    ) -> Result<f64, RiskError> {
        battery.validate(buy, sell)?;
        battery.check_reachable()?;
        self.backward(battery, buy, sell)?;

        let hours = battery.slot_hours;
        let eta = battery.efficiency;
        let mut energy = battery.initial_kwh;
        let mut cost = 0.0;
        let slots = buy
            .iter()
            .zip(sell)
            .zip(battery.charge_kw_max.iter().zip(&battery.discharge_kw_max));
        // The stages were pushed from the last slot to the first.
        for (((&buy, &sell), (&charge_max, &discharge_max)), stage) in
            slots.zip(self.stages.iter().rev())
        {
            let reach_low = (energy - hours * discharge_max / eta).max(stage.low);
            let reach_high = (energy + hours * eta * charge_max).min(stage.high);
            let target = energy
                .max(stage.charge_to)
                .min(stage.discharge_to)
                .max(reach_low)
                .min(reach_high);
            let change = target - energy;
            let (charge, discharge) = if change > 0.0 {
                ((change / (hours * eta)).min(charge_max), 0.0)
            } else {
                (0.0, (-change * eta / hours).min(discharge_max))
            };
            energy = target;
            cost += hours * (buy * charge - sell * discharge)
                + battery.degradation_per_kwh * hours * discharge / eta;
            if let Some(plan) = plan.as_deref_mut() {
                plan.charge_kw.push(charge);
                plan.discharge_kw.push(discharge);
                plan.energy_kwh.push(energy);
            }
        }
        Ok(cost)
    }

    /// The backward pass: fills `stages` (last slot first) or says which slot is infeasible.
    fn backward(
        &mut self,
        battery: &VirtualBattery,
        buy: &[f64],
        sell: &[f64],
    ) -> Result<(), RiskError> {
        self.stages.clear();
        self.segments.clear();
        let slots = buy.len();
        let hours = battery.slot_hours;
        let eta = battery.efficiency;
        // The cost-to-go after the last slot: zero on its energy bounds.
        let (mut low, mut high) =
            match (battery.energy_min_kwh.last(), battery.energy_max_kwh.last()) {
                (Some(&low), Some(&high)) => (low, high),
                _ => return Ok(()),
            };
        if high > low {
            self.segments.push(Segment {
                length: high - low,
                slope: 0.0,
            });
        }
        for slot in (0..slots).rev() {
            let at = |values: &[f64]| values.get(slot).copied().unwrap_or(0.0);
            let charge_price = at(buy) / eta;
            // `min`: validation allows round-off above the convexity bound; keep b ≤ a exactly
            // so the two new segments arrive in slope order.
            let discharge_value = (at(sell) * eta - battery.degradation_per_kwh).min(charge_price);
            self.stages.push(Stage {
                low,
                high,
                charge_to: low + length_while_below(&self.segments, -charge_price),
                discharge_to: low + length_while_below(&self.segments, -discharge_value),
            });
            // The cost-to-go before this slot: infimal convolution with the stage cost.
            let charge_room = hours * eta * at(&battery.charge_kw_max);
            let discharge_room = hours * at(&battery.discharge_kw_max) / eta;
            merge_two(
                &self.segments,
                &mut self.scratch,
                Segment {
                    length: charge_room,
                    slope: -charge_price,
                },
                Segment {
                    length: discharge_room,
                    slope: -discharge_value,
                },
            );
            std::mem::swap(&mut self.segments, &mut self.scratch);
            let reach_low = low - charge_room;
            let reach_high = high + discharge_room;
            // Clip to the energy allowed before this slot.
            let (allowed_low, allowed_high, place) = match slot.checked_sub(1) {
                Some(previous) => (
                    at_slot(&battery.energy_min_kwh, previous),
                    at_slot(&battery.energy_max_kwh, previous),
                    format!("the end of slot {previous}"),
                ),
                None => (
                    battery.initial_kwh,
                    battery.initial_kwh,
                    "the start (initial_kwh)".to_string(),
                ),
            };
            let new_low = reach_low.max(allowed_low);
            let mut new_high = reach_high.min(allowed_high);
            let tolerance = 1e-9
                * (1.0f64)
                    .max(reach_low.abs())
                    .max(reach_high.abs())
                    .max(allowed_low.abs())
                    .max(allowed_high.abs());
            if new_low > new_high {
                if new_low - new_high > tolerance {
                    return Err(RiskError::Infeasible {
                        slot,
                        reason: format!(
                            "the energy bounds from this slot on can only be met from \
                             {reach_low}..{reach_high} kWh at the start of the slot, but \
                             {place} allows {allowed_low}..{allowed_high} kWh"
                        ),
                    });
                }
                new_high = new_low;
            }
            clip(
                &self.segments,
                &mut self.scratch,
                new_low - reach_low,
                new_high - new_low,
            );
            std::mem::swap(&mut self.segments, &mut self.scratch);
            low = new_low;
            high = new_high;
        }
        Ok(())
    }
}

fn at_slot(values: &[f64], slot: usize) -> f64 {
    values.get(slot).copied().unwrap_or(0.0)
}

/// How far from the left end the function's slope stays below `threshold`: the minimiser of
/// `f(y) − threshold·y` (ties go left: no trade at zero gain).
fn length_while_below(segments: &[Segment], threshold: f64) -> f64 {
    segments
        .iter()
        .take_while(|segment| segment.slope < threshold)
        .map(|segment| segment.length)
        .sum()
}

/// `out` = `segments` with two more inserted in slope order (`first.slope ≤ second.slope`);
/// empty segments are dropped and equal slopes joined.
fn merge_two(segments: &[Segment], out: &mut Vec<Segment>, first: Segment, second: Segment) {
    out.clear();
    let mut pending = [first, second]
        .into_iter()
        .filter(|s| s.length > 0.0)
        .peekable();
    let push = |out: &mut Vec<Segment>, segment: Segment| match out.last_mut() {
        Some(last) if last.slope == segment.slope => last.length += segment.length,
        _ => out.push(segment),
    };
    for &segment in segments {
        while let Some(new) = pending.next_if(|new| new.slope <= segment.slope) {
            push(out, new);
        }
        push(out, segment);
    }
    for new in pending {
        push(out, new);
    }
}

/// `out` = the part of the function `[skip, skip + keep]` from its left end.
fn clip(segments: &[Segment], out: &mut Vec<Segment>, skip: f64, keep: f64) {
    out.clear();
    let mut skip = skip;
    let mut keep = keep;
    for segment in segments {
        let mut length = segment.length;
        if skip > 0.0 {
            let cut = skip.min(length);
            skip -= cut;
            length -= cut;
        }
        let kept = length.min(keep);
        if kept > 0.0 {
            out.push(Segment {
                length: kept,
                slope: segment.slope,
            });
            keep -= kept;
        }
        if keep <= 0.0 {
            break;
        }
    }
}

/// The cost-minimising dispatch of one battery against buy and sell prices (JPY/kWh per slot),
/// exact to round-off.
///
/// The terminal energy has no value beyond its bounds: say what must be left with the last
/// slot's `energy_min_kwh`.
///
/// # Errors
///
/// [`RiskError::LengthMismatch`] when per-slot inputs disagree in length,
/// [`RiskError::InvalidParameter`] for a non-finite or out-of-range number,
/// [`RiskError::SellAboveBuy`] naming the first slot where `sell > buy` or
/// `sell·η − degradation > buy/η` (possible only with a negative buy price),
/// [`RiskError::Infeasible`] naming the slot whose energy bounds cannot be met.
///
/// ```
/// use voltlex_engine::risk::{dispatch, RiskError, VirtualBattery};
///
/// let mut battery = VirtualBattery::constant(3, 0.5, 4.0, 4.0, (0.0, 10.0), 5.0, 0.9, 1.0);
/// let plan = dispatch(&battery, &[30.0, 5.0, 40.0], &[20.0, 5.0, 30.0]).unwrap();
/// assert!(plan.cost < 0.0);
/// // 4 kW × 0.5 h × 0.9 = 1.8 kWh cannot lift 5 kWh to 9 kWh in one slot.
/// battery.energy_min_kwh[0] = 9.0;
/// let error = dispatch(&battery, &[30.0, 5.0, 40.0], &[20.0, 5.0, 30.0]).unwrap_err();
/// assert!(matches!(error, RiskError::Infeasible { slot: 0, .. }));
/// ```
pub fn dispatch(
    battery: &VirtualBattery,
    buy_price: &[f64],
    sell_price: &[f64],
) -> Result<Dispatch, RiskError> {
    Dispatcher::new().dispatch(battery, buy_price, sell_price)
}

/// How a battery trades a price scenario, day by day.
///
/// Each day the battery starts at `initial_kwh` again (the fleet's daily routine brings it
/// back), buys at `spot + buy_adder_per_kwh` (network and supplier charges) and sells at
/// `spot − sell_discount_per_kwh` (aggregator's share).
#[derive(Debug, Clone, PartialEq)]
pub struct DailyArbitrage {
    /// The battery over one day of 48 half-hour slots.
    pub battery: VirtualBattery,
    /// Added to the spot price when buying, JPY/kWh (≥ −discount: sell ≤ buy).
    pub buy_adder_per_kwh: f64,
    /// Taken off the spot price when selling, JPY/kWh.
    pub sell_discount_per_kwh: f64,
}

impl DailyArbitrage {
    /// The net profit (JPY, revenue − purchases − degradation) of every scenario over its
    /// whole horizon, in scenario order: the sample for [`RiskReport`](super::RiskReport).
    ///
    /// # Errors
    ///
    /// [`RiskError::LengthMismatch`] unless the battery has 48 slots; as [`dispatch`].
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use voltlex_engine::risk::arbitrage::DailyArbitrage;
    /// use voltlex_engine::risk::{generate, DailyPrices, PriceModel, VirtualBattery};
    ///
    /// let first = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
    /// let shape: Vec<f64> = (0..48).map(|slot| 10.0 + (slot % 24) as f64).collect();
    /// let days = (0..31).map(|d| (first + chrono::Duration::days(d), shape.clone())).collect();
    /// let history = DailyPrices::from_days(days).unwrap();
    /// let model = PriceModel::BlockBootstrap { block_days: 7, month_window: 0 };
    /// let scenarios = generate(&model, &history, first, 31, 5, 42).unwrap();
    /// let trade = DailyArbitrage {
    ///     battery: VirtualBattery::constant(48, 0.5, 6.0, 6.0, (10.0, 40.0), 20.0, 1.0, 0.0),
    ///     buy_adder_per_kwh: 0.0,
    ///     sell_discount_per_kwh: 0.0,
    /// };
    /// let profits = trade.profits(&scenarios).unwrap();
    /// assert_eq!(profits.len(), 5);
    /// assert!(profits.iter().all(|&p| p > 0.0));
    /// ```
    pub fn profits(&self, scenarios: &PriceScenarios) -> Result<Vec<f64>, RiskError> {
        if self.battery.slots() != SLOTS_PER_DAY {
            return Err(RiskError::LengthMismatch {
                field: "battery slots",
                expected: SLOTS_PER_DAY,
                found: self.battery.slots(),
            });
        }
        let mut dispatcher = Dispatcher::new();
        let mut buy = vec![0.0; SLOTS_PER_DAY];
        let mut sell = vec![0.0; SLOTS_PER_DAY];
        let mut profits = Vec::with_capacity(scenarios.scenarios());
        for scenario in 0..scenarios.scenarios() {
            let mut profit = 0.0;
            for day in 0..scenarios.days() {
                let spot = scenarios.day(scenario, day).unwrap_or(&[]);
                for ((buy, sell), &spot) in buy.iter_mut().zip(sell.iter_mut()).zip(spot) {
                    *buy = spot + self.buy_adder_per_kwh;
                    *sell = spot - self.sell_discount_per_kwh;
                }
                profit -= dispatcher.cost(&self.battery, &buy, &sell)?;
            }
            profits.push(profit);
        }
        Ok(profits)
    }
}
