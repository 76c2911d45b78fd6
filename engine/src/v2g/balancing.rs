//! Upward balancing-market offers (需給調整市場, 上げ調整力 only) from the flexibility a fixed
//! energy dispatch leaves.
//!
//! **Energy first, then balancing.** JEPX day-ahead bids close at 10:00 the day before and
//! tertiary-2 is bid after them, so the fleet's energy dispatch (a [`V2gPlan`], e.g. from
//! [`super::dispatch`]) is fixed first and the offer is made from what that plan leaves. The
//! two are not co-optimised (`docs/v2g-markets.md`).
//!
//! **Headroom.** A session on a V2G charger can add power to the grid on call by discharging
//! more (`discharge_limit − discharge`) and by charging less (`charge`). A call that starts
//! in a slot is held for the product's `sustain_hours` (never past the end of its block), and
//! the session must be plugged in for all of it. Charging is curtailed first: a grid kWh not
//! charged costs the battery `η` kWh, a grid kWh discharged costs `1/η`. The energy the call
//! takes from the battery (the *deficit*) must
//!
//! - keep the battery at or above its floor for the rest of the stay, with the plan's later
//!   discharges unchanged (the deficit is compared with the lowest planned level from the
//!   call on),
//! - fit in the charging the session has spare after the call (`max power − planned charge`,
//!   × η, in its remaining slots), so that it still leaves with its departure energy,
//! - and, for the discharged part, fit in what is left of the stay's cycle cap.
//!
//! A block's headroom for a session is the minimum over the block's slots. The site adds a
//! limit: in every slot the fleet's total upward change is at most the site's net import
//! plus its export limit ([`V2gProblem::export_limit_kw`]).
//!
//! **Aggregation.** Per block, the sessions' headrooms are added largest first, capped by the
//! site limit and rounded down to a whole kW; the block is offered only when that reaches the
//! minimum bid. Each block is assessed on its own, as if it were the only one called.

use chrono::Timelike;
use serde::{Deserialize, Serialize};
use voltlex_dsl::rules::Market;

use super::plan::V2gPlan;
use super::problem::V2gProblem;
use crate::schedule::{ProblemError, ENERGY_TOLERANCE};

/// Length of a balancing-market settlement slot, minutes: prices and blocks count in these.
pub const MARKET_SLOT_MINUTES: u32 = 30;

/// Half an hour, the settlement slot in hours.
const MARKET_SLOT_HOURS: f64 = 0.5;

/// Settlement slots in a day.
const SLOTS_PER_DAY: usize = 48;

/// An upward (上げ) balancing product as the fleet would offer it, with its prices over the
/// horizon.
///
/// ```
/// use voltlex_dsl::rules::Market;
/// use voltlex_engine::v2g::balancing::BalancingProduct;
///
/// let product = BalancingProduct::tertiary2(vec![1.0; 4], vec![20.0; 4], 0.1);
/// assert_eq!(product.market, Market::Tertiary2);
/// assert_eq!(product.block_slots, 1);
/// assert_eq!(product.sustain_hours, 0.5);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BalancingProduct {
    /// The product (one of the five balancing products).
    pub market: Market,
    /// 30-minute slots per block: 1 for 30-minute blocks, 6 for 3-hour blocks. Blocks start at
    /// midnight and every block length after it.
    pub block_slots: usize,
    /// How long an activated ΔkW must be held, hours (never past the end of its block).
    pub sustain_hours: f64,
    /// Capacity (ΔkW) price, currency per kW per 30 minutes, one per slot of the horizon.
    pub capacity_price: Vec<f64>,
    /// Price of each kWh of upward energy delivered when called, one per slot of the horizon.
    pub energy_price: Vec<f64>,
    /// Expected share of the offered ΔkW·h actually called (0..=1).
    pub activation_share: f64,
}

impl BalancingProduct {
    /// The preset of `market` (block length and sustain time below) with the given prices.
    ///
    /// | market | response (FACTS) | block slots | sustain hours |
    /// |---|---|---|---|
    /// | primary | ≤ 10 s, duration ≥ 5 min | 6 (3 h, UNVERIFIED) | 3 |
    /// | secondary-1 | ≤ 5 min, ≥ 30 min | 6 (3 h, UNVERIFIED) | 3 |
    /// | secondary-2 | ≤ 5 min, ≥ 30 min | 6 (3 h, UNVERIFIED) | 3 |
    /// | tertiary-1 | ≤ 15 min, 30-min blocks from FY2026 | 1 | 0.5 |
    /// | tertiary-2 | ≤ 60 min, 30-min blocks from 2025 | 1 | 0.5 |
    ///
    /// The sustain time is the whole block: a call may come at any time in it and, for
    /// the products with a shorter minimum duration, may recur; the conservative reading
    /// keeps energy for the block. Set `sustain_hours` lower to accept that risk.
    ///
    /// ```
    /// use voltlex_dsl::rules::Market;
    /// use voltlex_engine::v2g::balancing::BalancingProduct;
    ///
    /// let primary = BalancingProduct::preset(Market::Primary, vec![0.0; 6], vec![0.0; 6], 0.0)
    ///     .unwrap();
    /// assert_eq!((primary.block_slots, primary.sustain_hours), (6, 3.0));
    /// assert!(BalancingProduct::preset(Market::Spot, vec![], vec![], 0.0).is_err());
    /// ```
    ///
    /// # Errors
    ///
    /// [`BalancingError::NotBalancing`] for the spot and capacity markets.
    pub fn preset(
        market: Market,
        capacity_price: Vec<f64>,
        energy_price: Vec<f64>,
        activation_share: f64,
    ) -> Result<Self, BalancingError> {
        let block_slots = match market {
            Market::Primary | Market::Secondary1 | Market::Secondary2 => 6,
            Market::Tertiary1 | Market::Tertiary2 => 1,
            Market::Spot | Market::Capacity => return Err(BalancingError::NotBalancing(market)),
        };
        Ok(BalancingProduct {
            market,
            block_slots,
            sustain_hours: block_slots as f64 * MARKET_SLOT_HOURS,
            capacity_price,
            energy_price,
            activation_share,
        })
    }

    /// Tertiary-2 (三次②): response ≤ 60 min, 30-minute blocks from 2025, held 0.5 h.
    ///
    /// ```
    /// use voltlex_engine::v2g::balancing::BalancingProduct;
    /// assert_eq!(BalancingProduct::tertiary2(vec![], vec![], 0.1).block_slots, 1);
    /// ```
    pub fn tertiary2(
        capacity_price: Vec<f64>,
        energy_price: Vec<f64>,
        activation_share: f64,
    ) -> Self {
        Self::fixed(
            Market::Tertiary2,
            1,
            capacity_price,
            energy_price,
            activation_share,
        )
    }

    /// Tertiary-1 (三次①): response ≤ 15 min, 30-minute blocks from FY2026, held 0.5 h.
    ///
    /// ```
    /// use voltlex_engine::v2g::balancing::BalancingProduct;
    /// assert_eq!(BalancingProduct::tertiary1(vec![], vec![], 0.1).sustain_hours, 0.5);
    /// ```
    pub fn tertiary1(
        capacity_price: Vec<f64>,
        energy_price: Vec<f64>,
        activation_share: f64,
    ) -> Self {
        Self::fixed(
            Market::Tertiary1,
            1,
            capacity_price,
            energy_price,
            activation_share,
        )
    }

    /// Secondary-2 (二次②, EDC): response ≤ 5 min, 3-hour blocks (UNVERIFIED), held 3 h.
    ///
    /// ```
    /// use voltlex_engine::v2g::balancing::BalancingProduct;
    /// assert_eq!(BalancingProduct::secondary2(vec![], vec![], 0.1).block_slots, 6);
    /// ```
    pub fn secondary2(
        capacity_price: Vec<f64>,
        energy_price: Vec<f64>,
        activation_share: f64,
    ) -> Self {
        Self::fixed(
            Market::Secondary2,
            6,
            capacity_price,
            energy_price,
            activation_share,
        )
    }

    /// Secondary-1 (二次①, LFC): response ≤ 5 min, 3-hour blocks (UNVERIFIED), held 3 h.
    ///
    /// ```
    /// use voltlex_engine::v2g::balancing::BalancingProduct;
    /// assert_eq!(BalancingProduct::secondary1(vec![], vec![], 0.1).sustain_hours, 3.0);
    /// ```
    pub fn secondary1(
        capacity_price: Vec<f64>,
        energy_price: Vec<f64>,
        activation_share: f64,
    ) -> Self {
        Self::fixed(
            Market::Secondary1,
            6,
            capacity_price,
            energy_price,
            activation_share,
        )
    }

    /// Primary (一次): response ≤ 10 s, 3-hour blocks (UNVERIFIED), held 3 h.
    ///
    /// ```
    /// use voltlex_engine::v2g::balancing::BalancingProduct;
    /// assert_eq!(BalancingProduct::primary(vec![], vec![], 0.1).block_slots, 6);
    /// ```
    pub fn primary(
        capacity_price: Vec<f64>,
        energy_price: Vec<f64>,
        activation_share: f64,
    ) -> Self {
        Self::fixed(
            Market::Primary,
            6,
            capacity_price,
            energy_price,
            activation_share,
        )
    }

    fn fixed(
        market: Market,
        block_slots: usize,
        capacity_price: Vec<f64>,
        energy_price: Vec<f64>,
        activation_share: f64,
    ) -> Self {
        BalancingProduct {
            market,
            block_slots,
            sustain_hours: block_slots as f64 * MARKET_SLOT_HOURS,
            capacity_price,
            energy_price,
            activation_share,
        }
    }

    /// Length of a block, hours.
    ///
    /// ```
    /// use voltlex_engine::v2g::balancing::BalancingProduct;
    /// assert_eq!(BalancingProduct::primary(vec![], vec![], 0.0).block_hours(), 3.0);
    /// ```
    pub fn block_hours(&self) -> f64 {
        self.block_slots as f64 * MARKET_SLOT_HOURS
    }

    fn validate(&self, slots: usize) -> Result<(), BalancingError> {
        if !matches!(
            self.market,
            Market::Primary
                | Market::Secondary1
                | Market::Secondary2
                | Market::Tertiary1
                | Market::Tertiary2
        ) {
            return Err(BalancingError::NotBalancing(self.market));
        }
        if self.block_slots == 0 || !SLOTS_PER_DAY.is_multiple_of(self.block_slots) {
            return Err(BalancingError::BlockSlots(self.block_slots));
        }
        for (series, prices) in [
            ("capacity price", &self.capacity_price),
            ("energy price", &self.energy_price),
        ] {
            if prices.len() != slots {
                return Err(BalancingError::SeriesLength {
                    series,
                    expected: slots,
                    found: prices.len(),
                });
            }
            if let Some(bad) = prices.iter().find(|p| !p.is_finite()) {
                return Err(BalancingError::BadNumber {
                    what: series.to_string(),
                    expected: "a finite number",
                    value: *bad,
                });
            }
        }
        check_range("sustain hours", self.sustain_hours, 0.0, f64::MAX)?;
        check_range("activation share", self.activation_share, 0.0, 1.0)
    }
}

/// Why offers could not be computed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BalancingError {
    /// The problem is malformed.
    #[error("invalid V2G problem: {0}")]
    Invalid(#[from] ProblemError),
    /// The market is not a balancing product.
    #[error("{} is not a balancing product (expected primary, secondary1, secondary2, tertiary1 or tertiary2)", .0.keyword())]
    NotBalancing(Market),
    /// The problem's slots are not the market's 30 minutes.
    #[error("balancing offers need {MARKET_SLOT_MINUTES}-minute slots, found {0}-minute slots")]
    SlotLength(u32),
    /// The horizon does not start on a slot boundary of the clock.
    #[error("the horizon must start on a 30-minute boundary (hh:00 or hh:30), found {0}")]
    Misaligned(chrono::NaiveDateTime),
    /// A block length that does not divide the day.
    #[error("a block must be a whole number of 30-minute slots dividing the day's 48, found {0}")]
    BlockSlots(usize),
    /// A per-slot series of the wrong length.
    #[error("{series}: expected one value per slot of the horizon ({expected}), found {found}")]
    SeriesLength {
        /// Which series.
        series: &'static str,
        /// Slots of the horizon.
        expected: usize,
        /// Values given.
        found: usize,
    },
    /// The plan does not match the problem's sessions.
    #[error("plan {what}: expected {expected}, found {found}")]
    PlanShape {
        /// What does not match (e.g. `"rows"`, `"slots of session 3"`).
        what: String,
        /// What the problem implies.
        expected: usize,
        /// What the plan has.
        found: usize,
    },
    /// A number outside its range.
    #[error("{what}: expected {expected}, found {value}")]
    BadNumber {
        /// Which figure.
        what: String,
        /// The allowed range.
        expected: &'static str,
        /// Its value.
        value: f64,
    },
}

fn check_range(what: &str, value: f64, low: f64, high: f64) -> Result<(), BalancingError> {
    if value.is_finite() && value >= low && value <= high {
        return Ok(());
    }
    let expected = if high == 1.0 {
        "a number in 0..=1"
    } else {
        "a finite number ≥ 0"
    };
    Err(BalancingError::BadNumber {
        what: what.to_string(),
        expected,
        value,
    })
}

/// One block offered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BlockOffer {
    /// First slot of the block (index into the horizon).
    pub first_slot: usize,
    /// ΔkW offered, a whole number ≥ the minimum bid.
    pub offered_kw: f64,
    /// The sessions that make up the offer, largest first: (session index, kW). The kW add up
    /// to `offered_kw`.
    pub sessions: Vec<(usize, f64)>,
    /// `offered_kw × Σ capacity price` over the block's slots.
    pub capacity_revenue: f64,
    /// Expected grid-side kWh called: `activation_share × offered_kw × block hours`.
    pub expected_energy_kwh: f64,
    /// `activation_share × offered_kw × 0.5 h × energy price`, summed over the block's slots.
    pub energy_revenue: f64,
    /// Buying the expected called energy back: per session, the battery-side kWh it loses
    /// (η per curtailed grid kWh, 1/η per discharged one) × its cheapest import price after the
    /// block ÷ η.
    pub recharge_cost: f64,
    /// Expected non-delivery penalty: penalty per kW per 30 minutes × no-show share ×
    /// `offered_kw` × the block's slots.
    pub penalty: f64,
}

/// Why a block is not offered.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SkipReason {
    /// The block is cut by the start or the end of the horizon.
    PartialBlock,
    /// The fleet's headroom (rounded down to a whole kW) is below the minimum bid.
    BelowMinimumBid {
        /// The minimum bid, kW.
        minimum_bid_kw: f64,
    },
}

impl std::fmt::Display for SkipReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SkipReason::PartialBlock => write!(f, "the block is cut by the horizon"),
            SkipReason::BelowMinimumBid { minimum_bid_kw } => {
                write!(f, "below the minimum bid of {minimum_bid_kw} kW")
            }
        }
    }
}

/// A block not offered, with the headroom it had.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SkippedBlock {
    /// First slot of the block in the horizon (of its part inside the horizon, when cut).
    pub first_slot: usize,
    /// The fleet's headroom (after the site limit), kW; 0 for a partial block.
    pub available_kw: f64,
    /// Why it is not offered.
    pub reason: SkipReason,
}

/// Sums over the offered blocks.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct BalancingTotals {
    /// Blocks offered.
    pub blocks: usize,
    /// Capacity revenue.
    pub capacity_revenue: f64,
    /// Expected grid-side kWh called.
    pub expected_energy_kwh: f64,
    /// Expected energy revenue.
    pub energy_revenue: f64,
    /// Expected recharge cost.
    pub recharge_cost: f64,
    /// Expected penalty.
    pub penalty: f64,
    /// `capacity_revenue + energy_revenue − recharge_cost − penalty`.
    pub net_revenue: f64,
}

/// The offers of a horizon.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BalancingOffers {
    /// Offered blocks, in time order.
    pub blocks: Vec<BlockOffer>,
    /// Blocks not offered, in time order.
    pub skipped: Vec<SkippedBlock>,
    /// Sums over `blocks`.
    pub totals: BalancingTotals,
}

/// Largest `x` in `[0, upper]` with `f(x) ≤ limit`, for `f` increasing, piecewise linear with
/// kinks only at `kinks`, and `f(0) = 0`.
fn largest_within(f: impl Fn(f64) -> f64, limit: f64, upper: f64, kinks: &[f64]) -> f64 {
    if upper <= 0.0 {
        return 0.0;
    }
    if limit.is_infinite() {
        return upper;
    }
    let limit = limit.max(0.0);
    let mut points: Vec<f64> = kinks
        .iter()
        .copied()
        .filter(|k| *k > 0.0 && *k < upper)
        .collect();
    points.push(upper);
    points.sort_by(f64::total_cmp);
    let mut low = 0.0;
    let mut f_low = f(0.0);
    for high in points {
        let f_high = f(high);
        if f_high > limit {
            // f is linear on [low, high] and rises across `limit` there.
            return low + (limit - f_low) * (high - low) / (f_high - f_low);
        }
        low = high;
        f_low = f_high;
    }
    upper
}

/// One session's plan and limits, read once.
struct SessionView<'a> {
    first_slot: usize,
    charge: &'a [f64],
    discharge: &'a [f64],
    /// Battery at the end of each slot of the window.
    battery: Vec<f64>,
    floor: f64,
    efficiency: f64,
    hours: f64,
    max_charge_kw: f64,
    discharge_limit_kw: f64,
    /// What is left of the cycle cap after the plan's discharge, battery kWh.
    cycle_margin_kwh: f64,
}

impl<'a> SessionView<'a> {
    fn new(problem: &V2gProblem, plan: &'a V2gPlan, session: usize) -> Option<Self> {
        let charging = &problem.charging;
        let s = charging.sessions.get(session)?;
        let charger = charging.chargers.get(s.charger)?;
        let charge = plan.charge_kw.get(session)?;
        let discharge = plan.discharge_kw.get(session)?;
        let efficiency = charger.efficiency;
        let hours = charging.slot_hours();
        let discharged: f64 = discharge.iter().map(|d| hours * d / efficiency).sum();
        let cap = problem
            .sessions
            .get(session)
            .map_or(f64::INFINITY, |v| v.max_discharge_kwh);
        Some(SessionView {
            first_slot: s.first_slot,
            charge,
            discharge,
            battery: plan.battery_kwh(problem, session),
            floor: problem.floor_of(session),
            efficiency,
            hours,
            max_charge_kw: s.max_kw.min(charger.max_kw).max(0.0),
            discharge_limit_kw: problem.discharge_limit_kw(session),
            cycle_margin_kwh: (cap - discharged).max(0.0),
        })
    }

    /// Largest ΔkW callable from the start of window slot `offset` and held `sustain` hours,
    /// never past window slot `until` (exclusive).
    fn headroom(&self, offset: usize, sustain: f64, until: usize) -> f64 {
        // (charge, discharge, hours of the call) per slot the call covers.
        let mut covered: Vec<(f64, f64, f64)> = Vec::new();
        let mut remaining = sustain;
        let mut slot = offset;
        loop {
            if slot >= until && !covered.is_empty() {
                break;
            }
            let (Some(&c), Some(&d)) = (self.charge.get(slot), self.discharge.get(slot)) else {
                // The vehicle leaves before the call ends.
                return 0.0;
            };
            let held = remaining.min(self.hours).max(0.0);
            covered.push((c.max(0.0), d.max(0.0), held));
            remaining -= held;
            slot += 1;
            if remaining <= ENERGY_TOLERANCE {
                break;
            }
        }
        let power = covered
            .iter()
            .map(|(c, d, _)| (self.discharge_limit_kw - d).max(0.0) + c)
            .fold(f64::INFINITY, f64::min);
        let eta = self.efficiency;
        let kinks: Vec<f64> = covered.iter().map(|(c, _, _)| *c).collect();
        let deficit = |delta: f64| -> f64 {
            covered
                .iter()
                .map(|(c, _, held)| held * (eta * delta.min(*c) + (delta - c).max(0.0) / eta))
                .sum()
        };
        let drained = |delta: f64| -> f64 {
            covered
                .iter()
                .map(|(c, _, held)| held * (delta - c).max(0.0) / eta)
                .sum()
        };
        let floor_margin = self
            .battery
            .iter()
            .skip(offset)
            .map(|b| b - self.floor)
            .fold(f64::INFINITY, f64::min)
            .max(0.0);
        let recovery: f64 = self
            .charge
            .iter()
            .skip(slot)
            .map(|c| (self.max_charge_kw - c).max(0.0) * self.hours * eta)
            .sum();
        let by_energy = largest_within(deficit, floor_margin.min(recovery), power, &kinks);
        let by_cycles = largest_within(drained, self.cycle_margin_kwh, power, &kinks);
        by_energy.min(by_cycles).max(0.0)
    }

    /// Headroom of the block `[first, first + len)` (horizon slots): the minimum over its
    /// slots; 0 unless the session is plugged in for all of it.
    fn block_headroom(&self, first: usize, len: usize, sustain: f64) -> f64 {
        let Some(offset) = first.checked_sub(self.first_slot) else {
            return 0.0;
        };
        let until = offset + len;
        if until > self.charge.len() {
            return 0.0;
        }
        (offset..until)
            .map(|k| self.headroom(k, sustain, until))
            .fold(f64::INFINITY, f64::min)
    }

    /// Battery kWh a call of `kw` over window slots `[offset, offset + len)` takes, per
    /// called hour share (curtailment first).
    fn battery_cost_of_call(&self, kw: f64, offset: usize, len: usize) -> f64 {
        self.charge
            .iter()
            .skip(offset)
            .take(len)
            .map(|c| {
                let c = c.max(0.0);
                self.hours * (self.efficiency * kw.min(c) + (kw - c).max(0.0) / self.efficiency)
            })
            .sum()
    }
}

fn check_shape(problem: &V2gProblem, plan: &V2gPlan) -> Result<(), BalancingError> {
    let sessions = &problem.charging.sessions;
    for (what, rows) in [
        ("charge rows", &plan.charge_kw),
        ("discharge rows", &plan.discharge_kw),
    ] {
        if rows.len() != sessions.len() {
            return Err(BalancingError::PlanShape {
                what: what.to_string(),
                expected: sessions.len(),
                found: rows.len(),
            });
        }
        for (index, (row, session)) in rows.iter().zip(sessions).enumerate() {
            if row.len() != session.window_len() {
                return Err(BalancingError::PlanShape {
                    what: format!("{what}: slots of session {index} ({})", session.vehicle),
                    expected: session.window_len(),
                    found: row.len(),
                });
            }
            if let Some(bad) = row.iter().find(|v| !v.is_finite()) {
                return Err(BalancingError::BadNumber {
                    what: format!("{what}: a power of session {index}"),
                    expected: "a finite number",
                    value: *bad,
                });
            }
        }
    }
    Ok(())
}

fn check_problem(problem: &V2gProblem) -> Result<(), BalancingError> {
    problem.validate()?;
    let charging = &problem.charging;
    if charging.slot_minutes != MARKET_SLOT_MINUTES {
        return Err(BalancingError::SlotLength(charging.slot_minutes));
    }
    if !charging.start.minute().is_multiple_of(MARKET_SLOT_MINUTES) || charging.start.second() != 0
    {
        return Err(BalancingError::Misaligned(charging.start));
    }
    Ok(())
}

/// Upward headroom of session `session` for a call starting at horizon slot `slot`, held
/// `sustain_hours` and never past horizon slot `until` (exclusive), kW; see the module
/// documentation for the rules. 0 outside the session's window or when the vehicle leaves
/// before the call ends.
///
/// ```
/// use chrono::NaiveDate;
/// use voltlex_engine::schedule::{Charger, Problem, Session};
/// use voltlex_engine::v2g::{balancing::headroom_kw, V2gPlan, V2gProblem, V2gSession};
///
/// let start = NaiveDate::from_ymd_opt(2026, 4, 1).unwrap().and_hms_opt(18, 0, 0).unwrap();
/// let charging = Problem {
///     start, slot_minutes: 30, base_kw: vec![50.0; 4], import_cap_kw: 200.0,
///     ratchet_kw: 100.0, energy_price: vec![20.0; 4], demand_price_per_kw: 0.0,
///     unmet_price_per_kwh: 0.0,
///     chargers: vec![Charger { id: "B1".into(), max_kw: 10.0, efficiency: 1.0, v2g: true }],
///     sessions: vec![Session { vehicle: "EV1".into(), charger: 0, first_slot: 0, end_slot: 4,
///         max_kw: 10.0, energy_kwh: 0.0, reserved_kwh: 0.0, priority: 0, battery_kwh: 60.0,
///         arrival_kwh: 40.0 }],
/// };
/// let problem = V2gProblem { charging, export_price: vec![0.0; 4], export_cap_kw: 0.0,
///     sessions: vec![V2gSession { discharge_kw: 10.0, floor_kwh: 10.0,
///         degradation_per_kwh: 0.0, max_discharge_kwh: f64::INFINITY }] };
/// let idle = V2gPlan { charge_kw: vec![vec![0.0; 4]], discharge_kw: vec![vec![0.0; 4]] };
/// // Idle with 30 kWh above the floor: the discharge limit binds, but the 5 kWh drained must
/// // be charged back in the 3 slots left (15 kWh possible): 10 kW.
/// assert!((headroom_kw(&problem, &idle, 0, 0, 0.5, 1) - 10.0).abs() < 1e-12);
/// // In the last slot nothing could be charged back.
/// assert_eq!(headroom_kw(&problem, &idle, 0, 3, 0.5, 4), 0.0);
/// ```
pub fn headroom_kw(
    problem: &V2gProblem,
    plan: &V2gPlan,
    session: usize,
    slot: usize,
    sustain_hours: f64,
    until: usize,
) -> f64 {
    let Some(view) = SessionView::new(problem, plan, session) else {
        return 0.0;
    };
    let (Some(offset), Some(until)) = (
        slot.checked_sub(view.first_slot),
        until.checked_sub(view.first_slot),
    ) else {
        return 0.0;
    };
    if offset >= until {
        return 0.0;
    }
    view.headroom(offset, sustain_hours, until)
}

/// Upward headroom of session `session` over the block that starts at horizon slot
/// `first_slot`: the minimum of [`headroom_kw`] over the block's slots (each call held
/// `product.sustain_hours`, cut at the block's end); 0 unless the session is plugged in for
/// the whole block.
///
/// ```
/// # use chrono::NaiveDate;
/// # use voltlex_engine::schedule::{Charger, Problem, Session};
/// # use voltlex_engine::v2g::{V2gPlan, V2gProblem, V2gSession};
/// use voltlex_engine::v2g::balancing::{block_headroom_kw, BalancingProduct};
/// # let start = NaiveDate::from_ymd_opt(2026, 4, 1).unwrap().and_hms_opt(18, 0, 0).unwrap();
/// # let charging = Problem {
/// #     start, slot_minutes: 30, base_kw: vec![50.0; 4], import_cap_kw: 200.0,
/// #     ratchet_kw: 100.0, energy_price: vec![20.0; 4], demand_price_per_kw: 0.0,
/// #     unmet_price_per_kwh: 0.0,
/// #     chargers: vec![Charger { id: "B1".into(), max_kw: 10.0, efficiency: 1.0, v2g: true }],
/// #     sessions: vec![Session { vehicle: "EV1".into(), charger: 0, first_slot: 0, end_slot: 4,
/// #         max_kw: 10.0, energy_kwh: 0.0, reserved_kwh: 0.0, priority: 0, battery_kwh: 60.0,
/// #         arrival_kwh: 40.0 }],
/// # };
/// # let problem = V2gProblem { charging, export_price: vec![0.0; 4], export_cap_kw: 0.0,
/// #     sessions: vec![V2gSession { discharge_kw: 10.0, floor_kwh: 10.0,
/// #         degradation_per_kwh: 0.0, max_discharge_kwh: f64::INFINITY }] };
/// let idle = V2gPlan { charge_kw: vec![vec![0.0; 4]], discharge_kw: vec![vec![0.0; 4]] };
/// let product = BalancingProduct::tertiary2(vec![0.0; 4], vec![0.0; 4], 0.0);
/// assert!((block_headroom_kw(&problem, &idle, &product, 0, 2) - 10.0).abs() < 1e-12);
/// ```
pub fn block_headroom_kw(
    problem: &V2gProblem,
    plan: &V2gPlan,
    product: &BalancingProduct,
    session: usize,
    first_slot: usize,
) -> f64 {
    SessionView::new(problem, plan, session).map_or(0.0, |view| {
        view.block_headroom(first_slot, product.block_slots, product.sustain_hours)
    })
}

/// The site's limit on the fleet's upward change in each slot, kW: net import under the
/// plan plus the export limit (never negative).
///
/// ```
/// # use chrono::NaiveDate;
/// # use voltlex_engine::schedule::Problem;
/// use voltlex_engine::v2g::{balancing::site_limit_kw, V2gPlan, V2gProblem};
/// # let start = NaiveDate::from_ymd_opt(2026, 4, 1).unwrap().and_hms_opt(0, 0, 0).unwrap();
/// # let charging = Problem { start, slot_minutes: 30, base_kw: vec![40.0, -5.0],
/// #     import_cap_kw: 100.0, ratchet_kw: 0.0, energy_price: vec![10.0; 2],
/// #     demand_price_per_kw: 0.0, unmet_price_per_kwh: 0.0, chargers: vec![], sessions: vec![] };
/// let problem = V2gProblem::charge_only(charging); // no export allowed beyond the PV's own
/// let plan = V2gPlan { charge_kw: vec![], discharge_kw: vec![] };
/// assert_eq!(site_limit_kw(&problem, &plan), vec![40.0, 0.0]);
/// ```
pub fn site_limit_kw(problem: &V2gProblem, plan: &V2gPlan) -> Vec<f64> {
    let charging = &problem.charging;
    let mut net = charging.base_kw.clone();
    for (session, (charge, discharge)) in charging
        .sessions
        .iter()
        .zip(plan.charge_kw.iter().zip(&plan.discharge_kw))
    {
        for (offset, (c, d)) in charge.iter().zip(discharge).enumerate() {
            if let Some(load) = net.get_mut(session.first_slot + offset) {
                *load += c - d;
            }
        }
    }
    net.iter()
        .enumerate()
        .map(|(slot, load)| (load + problem.export_limit_kw(slot)).max(0.0))
        .collect()
}

/// The upward offers a fleet can make in `product` from the flexibility `plan` leaves (see
/// the module documentation). `minimum_bid_kw` is the aggregator contract's minimum bid
/// (`AggregatorContract::minimum_bid_kw`, 1,000 kW by default); `no_show_share` the share of
/// the offered vehicles expected to leave early or not plug in (0 for none) and
/// `penalty_per_kw` the contract's penalty per undelivered kW per 30 minutes.
///
/// ```
/// use chrono::NaiveDate;
/// use voltlex_engine::schedule::{Charger, Problem, Session};
/// use voltlex_engine::v2g::balancing::{offers, BalancingProduct, SkipReason};
/// use voltlex_engine::v2g::{V2gPlan, V2gProblem, V2gSession};
///
/// let start = NaiveDate::from_ymd_opt(2026, 4, 1).unwrap().and_hms_opt(18, 0, 0).unwrap();
/// let charging = Problem {
///     start, slot_minutes: 30, base_kw: vec![50.0; 4], import_cap_kw: 200.0,
///     ratchet_kw: 100.0, energy_price: vec![20.0, 20.0, 12.0, 10.0], demand_price_per_kw: 0.0,
///     unmet_price_per_kwh: 0.0,
///     chargers: vec![Charger { id: "B1".into(), max_kw: 10.0, efficiency: 1.0, v2g: true }],
///     sessions: vec![Session { vehicle: "EV1".into(), charger: 0, first_slot: 0, end_slot: 4,
///         max_kw: 10.0, energy_kwh: 0.0, reserved_kwh: 0.0, priority: 0, battery_kwh: 60.0,
///         arrival_kwh: 40.0 }],
/// };
/// let problem = V2gProblem { charging, export_price: vec![0.0; 4], export_cap_kw: 0.0,
///     sessions: vec![V2gSession { discharge_kw: 10.0, floor_kwh: 10.0,
///         degradation_per_kwh: 0.0, max_discharge_kwh: f64::INFINITY }] };
/// let idle = V2gPlan { charge_kw: vec![vec![0.0; 4]], discharge_kw: vec![vec![0.0; 4]] };
/// let product = BalancingProduct::tertiary2(vec![2.0; 4], vec![30.0; 4], 0.5);
/// let result = offers(&problem, &idle, &product, 10.0, 0.0, 0.0).unwrap();
/// let first = &result.blocks[0];
/// assert_eq!((first.first_slot, first.offered_kw), (0, 10.0));
/// assert_eq!(first.capacity_revenue, 20.0);
/// assert_eq!(first.expected_energy_kwh, 2.5);
/// assert_eq!(first.energy_revenue, 75.0);
/// assert_eq!(first.recharge_cost, 2.5 * 10.0); // cheapest later import price, η = 1
/// // The last slot has no time to charge back.
/// assert_eq!(result.skipped[0].reason, SkipReason::BelowMinimumBid { minimum_bid_kw: 10.0 });
/// ```
///
/// # Errors
///
/// [`BalancingError`] for a malformed problem, a plan of another shape, slots other than
/// 30 minutes, price series of the wrong length, or shares outside 0..=1.
pub fn offers(
    problem: &V2gProblem,
    plan: &V2gPlan,
    product: &BalancingProduct,
    minimum_bid_kw: f64,
    no_show_share: f64,
    penalty_per_kw: f64,
) -> Result<BalancingOffers, BalancingError> {
    check_problem(problem)?;
    let charging = &problem.charging;
    let slots = charging.slots();
    product.validate(slots)?;
    check_shape(problem, plan)?;
    check_range("minimum bid (kW)", minimum_bid_kw, 0.0, f64::MAX)?;
    check_range("no-show share", no_show_share, 0.0, 1.0)?;
    check_range("penalty per kW", penalty_per_kw, 0.0, f64::MAX)?;

    // One entry per session, so that positions stay session indices.
    let views: Vec<Option<SessionView<'_>>> = (0..charging.sessions.len())
        .map(|index| SessionView::new(problem, plan, index))
        .collect();
    let site_limit = site_limit_kw(problem, plan);
    let block = product.block_slots;
    // Horizon slot 0's position in the day's 30-minute slots; blocks start at multiples of
    // `block` from midnight.
    let start = charging.start;
    let slot_of_day = (start.hour() * 60 + start.minute()) as usize / MARKET_SLOT_MINUTES as usize;
    let lead = (block - slot_of_day % block) % block;

    let mut result = BalancingOffers {
        blocks: Vec::new(),
        skipped: Vec::new(),
        totals: BalancingTotals::default(),
    };
    if lead > 0 {
        result.skipped.push(SkippedBlock {
            first_slot: 0,
            available_kw: 0.0,
            reason: SkipReason::PartialBlock,
        });
    }
    let mut first = lead;
    while first < slots {
        if first + block > slots {
            result.skipped.push(SkippedBlock {
                first_slot: first,
                available_kw: 0.0,
                reason: SkipReason::PartialBlock,
            });
            break;
        }
        let site = site_limit
            .iter()
            .skip(first)
            .take(block)
            .copied()
            .fold(f64::INFINITY, f64::min);
        let mut headrooms: Vec<(usize, f64)> = views
            .iter()
            .enumerate()
            .map(|(index, view)| {
                let kw = view.as_ref().map_or(0.0, |view| {
                    view.block_headroom(first, block, product.sustain_hours)
                });
                (index, kw)
            })
            .filter(|(_, kw)| *kw > 0.0)
            .collect();
        headrooms.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        let fleet: f64 = headrooms.iter().map(|(_, kw)| kw).sum();
        let available = fleet.min(site);
        // Down to a whole kW; the tolerance keeps solver noise (999.9999999) from losing a kW.
        let offered = (available + ENERGY_TOLERANCE).floor();
        if offered < minimum_bid_kw || offered <= 0.0 {
            result.skipped.push(SkippedBlock {
                first_slot: first,
                available_kw: available,
                reason: SkipReason::BelowMinimumBid { minimum_bid_kw },
            });
            first += block;
            continue;
        }
        let mut left = offered;
        let mut sessions = Vec::new();
        for (index, kw) in headrooms {
            if left <= 0.0 {
                break;
            }
            let take = kw.min(left);
            sessions.push((index, take));
            left -= take;
        }
        let offer = price_block(
            problem,
            &views,
            product,
            first,
            offered,
            sessions,
            no_show_share,
            penalty_per_kw,
        );
        let totals = &mut result.totals;
        totals.blocks += 1;
        totals.capacity_revenue += offer.capacity_revenue;
        totals.expected_energy_kwh += offer.expected_energy_kwh;
        totals.energy_revenue += offer.energy_revenue;
        totals.recharge_cost += offer.recharge_cost;
        totals.penalty += offer.penalty;
        result.blocks.push(offer);
        first += block;
    }
    let totals = &mut result.totals;
    totals.net_revenue =
        totals.capacity_revenue + totals.energy_revenue - totals.recharge_cost - totals.penalty;
    Ok(result)
}

/// Revenue and costs of one offered block.
#[allow(clippy::too_many_arguments)] // private: the pieces of one block's pricing
fn price_block(
    problem: &V2gProblem,
    views: &[Option<SessionView<'_>>],
    product: &BalancingProduct,
    first: usize,
    offered_kw: f64,
    sessions: Vec<(usize, f64)>,
    no_show_share: f64,
    penalty_per_kw: f64,
) -> BlockOffer {
    let block = product.block_slots;
    let share = product.activation_share;
    let capacity_revenue: f64 = product
        .capacity_price
        .iter()
        .skip(first)
        .take(block)
        .map(|price| offered_kw * price)
        .sum();
    let energy_revenue: f64 = product
        .energy_price
        .iter()
        .skip(first)
        .take(block)
        .map(|price| share * offered_kw * MARKET_SLOT_HOURS * price)
        .sum();
    let charging = &problem.charging;
    let recharge_cost: f64 = sessions
        .iter()
        .filter_map(|&(index, kw)| {
            let view = views.get(index)?.as_ref()?;
            let session = charging.sessions.get(index)?;
            let offset = first.checked_sub(view.first_slot)?;
            let battery_kwh = share * view.battery_cost_of_call(kw, offset, block);
            let cheapest = charging
                .energy_price
                .iter()
                .take(session.end_slot)
                .skip(first + block)
                .copied()
                .fold(f64::INFINITY, f64::min);
            // No slot left: the headroom rules allow no deficit then.
            let price = if cheapest.is_finite() { cheapest } else { 0.0 };
            Some(battery_kwh * price / view.efficiency)
        })
        .sum();
    BlockOffer {
        first_slot: first,
        offered_kw,
        sessions,
        capacity_revenue,
        expected_energy_kwh: share * offered_kw * product.block_hours(),
        energy_revenue,
        recharge_cost,
        penalty: penalty_per_kw * no_show_share * offered_kw * block as f64,
    }
}
