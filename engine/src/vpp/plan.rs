//! The day-ahead plan: every site's charging for its vehicles' own use, then the portfolio's
//! flexibility sold product by product, block by block, in stacking order.
//!
//! 1. Per site (in parallel): the day's stays are put on chargers (first come, bidirectional
//!    chargers kept for V2G vehicles) and scheduled by the exact scheduler
//!    ([`crate::schedule::optimal`], availability mode: every stay's energy at the plan's
//!    confidence, under the site's cap, at least cost including its peak) — the vehicles'
//!    own use and the site's energy management come first.
//! 2. For each product in order, each block of its window: every site offers what its
//!    sessions can hold for the whole block without endangering their departures (below), the
//!    offers are summed, and the portfolio bids the sum if it reaches the product's minimum
//!    bid; otherwise nothing is committed and the flexibility stays for the next product.
//!
//! What a session can hold, kW, for a block `[s, e)`:
//! - up: its planned charging in each slot (curtailed) plus, on a bidirectional charger, its
//!   discharge power, less what earlier commitments took; the energy not charged (or
//!   discharged) must be recharged after the latest committed block within the session's
//!   spare charger power (`spare_after`), and a discharge may not take the battery below the
//!   floor even if every earlier commitment was activated;
//! - down: the charger power its plan leaves free in each slot, and the battery room beyond
//!   its need.
//!
//! The site scales its offers so that the recharging after an up block, and every slot of a
//! down block, stay under its cap. Commitments are therefore deliverable whatever is
//! activated (tested: `engine/tests/vpp_plan.rs` activates every commitment and re-solves).

use std::ops::Range;

use rayon::prelude::*;
use serde::Serialize;

use super::portfolio::{Direction, Portfolio, Site, Vehicle};
use super::VppError;
use crate::schedule::{optimal, Mode, Problem, Schedule, Session};

/// Price of unmet energy in the site problems (availability mode meets every departure; the
/// price only ranks shortfalls when a site cannot).
const UNMET_PRICE_PER_KWH: f64 = 1_000.0;

/// A committed share of a bid, held by one session.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Commitment {
    /// Index into [`DayAheadPlan::bids`].
    pub bid: usize,
    /// kW held for the whole block.
    pub kw: f64,
}

/// One session of a site plan with what it committed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SessionPlan {
    /// The vehicle.
    pub vehicle: String,
    /// The charger.
    pub charger: String,
    /// Whether it can discharge here.
    pub v2g: bool,
    /// Its share of each bid.
    pub commitments: Vec<Commitment>,
}

/// One site's plan.
#[derive(Debug, Clone, Serialize)]
pub struct SitePlan {
    /// The site.
    pub site: String,
    /// The scheduling problem it was planned as (portfolio slots; for re-dispatch and OCPP).
    #[serde(skip)]
    pub problem: Problem,
    /// Planned charging, kW per session per slot of its window.
    pub schedule: Schedule,
    /// Sessions in the problem's order.
    pub sessions: Vec<SessionPlan>,
    /// Vehicles that found no free charger (their use cannot be served here).
    pub unplugged: Vec<String>,
    /// Vehicles the site cannot serve in full, with the energy short, kWh.
    pub unservable: Vec<(String, f64)>,
    /// Peak import with the plan, kW.
    pub peak_kw: f64,
    /// Energy cost of the planned charging.
    pub charging_cost: f64,
    /// Planned charging energy, kWh (grid side).
    pub charging_kwh: f64,
}

/// A portfolio bid.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Bid {
    /// Index into the portfolio's products.
    pub product: usize,
    /// The product's name.
    pub product_name: String,
    /// Slots of the block.
    pub block: Range<usize>,
    /// kW bid.
    pub kw: f64,
    /// kW per site (site index, kW), sites with nothing left out.
    pub sites: Vec<(usize, f64)>,
    /// Availability revenue if accepted.
    pub availability_revenue: f64,
}

/// A block where the portfolio's offer stayed below the minimum bid.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BelowMinimum {
    /// The product's name.
    pub product_name: String,
    /// Slots of the block.
    pub block: Range<usize>,
    /// What the portfolio could offer, kW.
    pub offered_kw: f64,
    /// The minimum bid, kW.
    pub min_bid_kw: f64,
}

/// The day-ahead plan.
#[derive(Debug, Clone, Serialize)]
pub struct DayAheadPlan {
    /// Per site, in the portfolio's order.
    pub sites: Vec<SitePlan>,
    /// Bids, product by product in stacking order, blocks in time order.
    pub bids: Vec<Bid>,
    /// Blocks not bid because the offer stayed below the minimum.
    pub below_minimum: Vec<BelowMinimum>,
    /// Σ availability revenue of the bids.
    pub availability_revenue: f64,
}

/// What one session may still commit.
#[derive(Debug, Clone)]
struct Budget {
    /// Planned grid-side kW per portfolio slot (0 outside the window).
    planned: Vec<f64>,
    first: usize,
    end: usize,
    max_kw: f64,
    discharge_kw: f64,
    efficiency: f64,
    arrival_kwh: f64,
    floor_kwh: f64,
    room_kwh: f64,
    up_used: Vec<f64>,
    down_used: Vec<f64>,
    deficit_kwh: f64,
    latest_up_end: usize,
    surplus_kwh: f64,
}

impl Budget {
    /// Battery-side kWh the session can still add from `from` on, beyond its plan and what
    /// down commitments took (deficits are battery-side kWh, a discharged grid kWh counted at
    /// 1/η).
    fn spare_after(&self, from: usize, hours: f64) -> f64 {
        (from.max(self.first)..self.end)
            .map(|t| {
                (self.max_kw
                    - self.planned.get(t).copied().unwrap_or(0.0)
                    - self.down_used.get(t).copied().unwrap_or(0.0))
                .max(0.0)
                    * hours
                    * self.efficiency
            })
            .sum()
    }

    /// kW the session can hold for the whole block.
    fn offer(&self, direction: Direction, block: &Range<usize>, hours: f64) -> f64 {
        if block.start < self.first || block.end > self.end || block.is_empty() {
            return 0.0;
        }
        let length = block.len() as f64 * hours;
        match direction {
            Direction::Up => {
                let mut kw = f64::INFINITY;
                let mut curtail = f64::INFINITY;
                for t in block.clone() {
                    let planned = self.planned.get(t).copied().unwrap_or(0.0);
                    let used = self.up_used.get(t).copied().unwrap_or(0.0);
                    kw = kw.min(planned + self.discharge_kw - used);
                    curtail = curtail.min((planned - used).max(0.0));
                }
                // Recharged after the latest committed block.
                let recover_from = self.latest_up_end.max(block.end);
                let spare = self.spare_after(recover_from, hours) - self.deficit_kwh;
                // A grid kW not charged costs the battery h·η, one discharged h/η: count
                // every kW at the dearer h/η.
                kw = kw.min(spare * self.efficiency / length);
                // A discharge beyond the curtailed charging may not cross the floor, even if
                // every earlier commitment was activated.
                if kw > curtail {
                    let charged_before: f64 = (self.first..block.start)
                        .map(|t| self.planned.get(t).copied().unwrap_or(0.0))
                        .sum::<f64>()
                        * hours
                        * self.efficiency;
                    let stored = self.arrival_kwh + charged_before - self.deficit_kwh;
                    let discharge = ((stored - self.floor_kwh) * self.efficiency / length).max(0.0);
                    kw = kw.min(curtail + discharge);
                }
                kw.max(0.0)
            }
            Direction::Down => {
                let mut kw = f64::INFINITY;
                for t in block.clone() {
                    let planned = self.planned.get(t).copied().unwrap_or(0.0);
                    let used = self.down_used.get(t).copied().unwrap_or(0.0);
                    kw = kw.min(self.max_kw - planned - used);
                }
                let room = self.room_kwh - self.surplus_kwh;
                kw.min(room / (length * self.efficiency)).max(0.0)
            }
        }
    }

    fn commit(&mut self, direction: Direction, block: &Range<usize>, kw: f64, hours: f64) {
        let grid_kwh = kw * block.len() as f64 * hours;
        let used = match direction {
            Direction::Up => {
                self.deficit_kwh += grid_kwh / self.efficiency;
                self.latest_up_end = self.latest_up_end.max(block.end);
                &mut self.up_used
            }
            Direction::Down => {
                self.surplus_kwh += grid_kwh * self.efficiency;
                &mut self.down_used
            }
        };
        for t in block.clone() {
            if let Some(slot) = used.get_mut(t) {
                *slot += kw;
            }
        }
    }
}

/// One site while the portfolio's flexibility is sold: the unit of work of the plan.
///
/// The coordinator ([`plan`]) talks to each worker only in small messages, one round per
/// product block: "what can you hold?" ([`SiteWorker::offer`], one number back) and "the
/// portfolio bid it: commit" ([`SiteWorker::commit`]). Everything else — the site's schedule,
/// its sessions' budgets — stays with the worker. So the same workers can live in other
/// processes or machines of a distributed engine (one actor per site or per group of sites),
/// with the coordinator's loop as the driver: see `docs/vpp.md`, "Beyond one machine".
///
/// ```
/// use voltlex_engine::vpp::generate::portfolio;
/// use voltlex_engine::vpp::plan::SiteWorker;
/// let portfolio = portfolio(100, 2, 3);
/// let mut worker = SiteWorker::new(&portfolio, &portfolio.sites[0])?;
/// let product = &portfolio.products[1];
/// let block = product.blocks()[4].clone();
/// let kw = worker.offer(product.direction, &block, portfolio.slot_hours());
/// worker.commit(0, product.direction, &block, portfolio.slot_hours());
/// let site = worker.finish();
/// let committed: f64 = site.sessions.iter().flat_map(|s| &s.commitments).map(|c| c.kw).sum();
/// assert!((committed - kw).abs() < 1e-9);
/// # Ok::<(), voltlex_engine::vpp::VppError>(())
/// ```
pub struct SiteWorker {
    /// The offers of the last [`SiteWorker::offer`], per session.
    pending: Vec<f64>,
    plan: SitePlan,
    budgets: Vec<Budget>,
    cap_kw: f64,
    base_kw: Vec<f64>,
    planned_total: Vec<f64>,
    down_total: Vec<f64>,
    /// End of the latest up block committed at the site.
    latest_up_end: usize,
}

impl SiteWorker {
    /// Schedules the site's stays (see the module documentation) and gets ready to sell.
    ///
    /// # Errors
    ///
    /// As [`plan`].
    pub fn new(portfolio: &Portfolio, site: &Site) -> Result<SiteWorker, VppError> {
        let vehicles: Vec<&Vehicle> = portfolio.vehicles.iter().collect();
        plan_site(portfolio, site, &vehicles)
    }

    /// What the site can hold for the whole block, kW (remembered for [`SiteWorker::commit`]).
    pub fn offer(&mut self, direction: Direction, block: &Range<usize>, hours: f64) -> f64 {
        self.pending = self.offers(direction, block, hours);
        self.pending.iter().sum()
    }

    /// Commits the last offer as the site's part of bid `bid`.
    pub fn commit(&mut self, bid: usize, direction: Direction, block: &Range<usize>, hours: f64) {
        let pending = std::mem::take(&mut self.pending);
        let total: f64 = pending.iter().sum();
        if total <= 1e-9 {
            return;
        }
        for ((budget, session), &kw) in self
            .budgets
            .iter_mut()
            .zip(self.plan.sessions.iter_mut())
            .zip(&pending)
        {
            if kw <= 1e-9 {
                continue;
            }
            budget.commit(direction, block, kw, hours);
            session.commitments.push(Commitment { bid, kw });
        }
        match direction {
            Direction::Down => {
                for t in block.clone() {
                    if let Some(slot) = self.down_total.get_mut(t) {
                        *slot += total;
                    }
                }
            }
            Direction::Up => self.latest_up_end = self.latest_up_end.max(block.end),
        }
    }

    /// The site's plan with its commitments.
    pub fn finish(self) -> SitePlan {
        self.plan
    }

    /// Per session kW the site offers for the block (scaled to its cap).
    fn offers(&self, direction: Direction, block: &Range<usize>, hours: f64) -> Vec<f64> {
        let mut offers: Vec<f64> = self
            .budgets
            .iter()
            .map(|b| b.offer(direction, block, hours))
            .collect();
        let total: f64 = offers.iter().sum();
        if total <= 0.0 {
            return offers;
        }
        let headroom = |t: usize| {
            self.cap_kw
                - self.base_kw.get(t).copied().unwrap_or(0.0)
                - self.planned_total.get(t).copied().unwrap_or(0.0)
                - self.down_total.get(t).copied().unwrap_or(0.0)
        };
        let scale = match direction {
            Direction::Down => block
                .clone()
                .map(|t| (headroom(t) / total).clamp(0.0, 1.0))
                .fold(1.0, f64::min),
            Direction::Up => {
                // Every deficit so far and this block's must be recharged, after the latest
                // committed block, within each session's spare power and the site's cap: the
                // largest common scale that passes the exact check.
                let recover_from = self.latest_up_end.max(block.end);
                let feasible = |scale: f64| {
                    let deficits: Vec<f64> = self
                        .budgets
                        .iter()
                        .zip(&offers)
                        .map(|(b, kw)| {
                            b.deficit_kwh + kw * scale * block.len() as f64 * hours / b.efficiency
                        })
                        .collect();
                    self.recharge_feasible(&deficits, recover_from, hours)
                };
                if feasible(1.0) {
                    1.0
                } else {
                    let (mut low, mut high) = (0.0, 1.0);
                    for _ in 0..20 {
                        let mid = (low + high) / 2.0;
                        if feasible(mid) {
                            low = mid;
                        } else {
                            high = mid;
                        }
                    }
                    low
                }
            }
        };
        for offer in &mut offers {
            *offer *= scale;
        }
        offers
    }
}

impl SiteWorker {
    /// Whether every session can recharge its `deficits` (battery-side kWh, in the budgets'
    /// order) from slot `from` on, within its spare power and the site's cap headroom.
    ///
    /// Earliest departure first, slot by slot: with one release time for all, serving the
    /// earliest deadline first in every slot is optimal for feasibility (an exchange argument:
    /// any feasible recharging can be reordered into this one without missing a departure).
    fn recharge_feasible(&self, deficits: &[f64], from: usize, hours: f64) -> bool {
        let mut owed: Vec<(usize, f64)> = deficits
            .iter()
            .enumerate()
            .filter(|(_, d)| **d > 1e-9)
            .map(|(i, d)| (i, *d))
            .collect();
        if owed.is_empty() {
            return true;
        }
        owed.sort_by_key(|(i, _)| self.budgets.get(*i).map_or(0, |b| b.end));
        for t in from..self.base_kw.len() {
            let mut room = self.cap_kw
                - self.base_kw.get(t).copied().unwrap_or(0.0)
                - self.planned_total.get(t).copied().unwrap_or(0.0)
                - self.down_total.get(t).copied().unwrap_or(0.0);
            for (index, remaining) in owed.iter_mut() {
                if room <= 1e-12 {
                    break;
                }
                let Some(budget) = self.budgets.get(*index) else {
                    continue;
                };
                if *remaining <= 1e-12 || t < budget.first || t >= budget.end {
                    continue;
                }
                let spare = (budget.max_kw
                    - budget.planned.get(t).copied().unwrap_or(0.0)
                    - budget.down_used.get(t).copied().unwrap_or(0.0))
                .max(0.0);
                let kw = spare
                    .min(room)
                    .min(*remaining / (hours * budget.efficiency));
                *remaining -= kw * hours * budget.efficiency;
                room -= kw;
            }
        }
        owed.iter().all(|(_, remaining)| *remaining <= 1e-6)
    }
}

/// Puts the site's stays on chargers and schedules them.
fn plan_site(
    portfolio: &Portfolio,
    site: &Site,
    vehicles: &[&Vehicle],
) -> Result<SiteWorker, VppError> {
    let slots = portfolio.slots;
    let hours = portfolio.slot_hours();
    let mut stays: Vec<_> = portfolio
        .stays
        .iter()
        .filter(|s| s.site == site.id)
        .collect();
    stays.sort_by(|a, b| {
        a.arrival_slot
            .cmp(&b.arrival_slot)
            .then(a.vehicle.cmp(&b.vehicle))
    });
    let mut free_from = vec![0usize; site.chargers.len()];
    let mut sessions = Vec::new();
    let mut plans = Vec::new();
    let mut unplugged = Vec::new();
    for stay in stays {
        let Some(vehicle) = vehicles.iter().find(|v| v.id == stay.vehicle) else {
            return Err(VppError::UnknownVehicle {
                vehicle: stay.vehicle.clone(),
                site: site.id.clone(),
            });
        };
        let first = stay.arrival_slot.min(slots);
        let end = stay.departure_slot.min(slots);
        if end <= first {
            continue;
        }
        // Bidirectional chargers for V2G vehicles first, the others for the rest first.
        let pick = |want_v2g: bool| {
            site.chargers
                .iter()
                .enumerate()
                .filter(|(i, c)| {
                    c.v2g == want_v2g && free_from.get(*i).is_some_and(|f| *f <= first)
                })
                .map(|(i, _)| i)
                .next()
        };
        let Some(index) = pick(vehicle.v2g).or_else(|| pick(!vehicle.v2g)) else {
            unplugged.push(vehicle.id.clone());
            continue;
        };
        let Some(charger) = site.chargers.get(index) else {
            continue;
        };
        if let Some(slot) = free_from.get_mut(index) {
            *slot = end;
        }
        let max_kw = vehicle.max_kw.min(charger.max_kw);
        let need = stay
            .energy_kwh
            .min(vehicle.battery_kwh - stay.arrival_kwh)
            .max(0.0);
        sessions.push(Session {
            vehicle: vehicle.id.clone(),
            charger: index,
            first_slot: first,
            end_slot: end,
            max_kw,
            energy_kwh: need,
            reserved_kwh: if stay.booked { need } else { 0.0 },
            priority: u32::from(stay.booked),
            battery_kwh: vehicle.battery_kwh,
            arrival_kwh: stay.arrival_kwh,
        });
        plans.push(SessionPlan {
            vehicle: vehicle.id.clone(),
            charger: charger.id.clone(),
            v2g: vehicle.v2g && charger.v2g,
            commitments: Vec::new(),
        });
    }
    let problem = Problem {
        start: portfolio.start,
        slot_minutes: portfolio.slot_minutes,
        base_kw: site.base_kw.clone(),
        import_cap_kw: site.import_cap_kw,
        ratchet_kw: site.ratchet_kw,
        energy_price: site.energy_price.clone(),
        demand_price_per_kw: site.demand_price_per_kw,
        unmet_price_per_kwh: UNMET_PRICE_PER_KWH,
        chargers: site.chargers.clone(),
        sessions,
    };
    let solution = optimal::solve(&problem, Mode::Availability).map_err(|e| VppError::Site {
        site: site.id.clone(),
        message: e.to_string(),
    })?;
    let mut planned_total = vec![0.0; slots];
    let mut budgets = Vec::with_capacity(problem.sessions.len());
    let mut charging_cost = 0.0;
    let mut charging_kwh = 0.0;
    for (session, powers) in problem.sessions.iter().zip(&solution.schedule.power_kw) {
        let mut planned = vec![0.0; slots];
        for (offset, kw) in powers.iter().enumerate() {
            let t = session.first_slot + offset;
            if let (Some(slot), Some(total)) = (planned.get_mut(t), planned_total.get_mut(t)) {
                *slot = *kw;
                *total += *kw;
            }
            charging_cost += kw * hours * problem.energy_price.get(t).copied().unwrap_or(0.0);
            charging_kwh += kw * hours;
        }
        let efficiency = problem.efficiency_of(session);
        let v2g = problem.chargers.get(session.charger).is_some_and(|c| c.v2g)
            && vehicles.iter().any(|v| v.id == session.vehicle && v.v2g);
        budgets.push(Budget {
            planned,
            first: session.first_slot,
            end: session.end_slot,
            max_kw: session.max_kw,
            discharge_kw: if v2g { session.max_kw } else { 0.0 },
            efficiency,
            arrival_kwh: session.arrival_kwh,
            floor_kwh: portfolio.discharge_floor * session.battery_kwh,
            room_kwh: (session.battery_kwh - session.arrival_kwh - session.energy_kwh).max(0.0),
            up_used: vec![0.0; slots],
            down_used: vec![0.0; slots],
            deficit_kwh: 0.0,
            latest_up_end: 0,
            surplus_kwh: 0.0,
        });
    }
    let peak_kw = site
        .base_kw
        .iter()
        .zip(&planned_total)
        .map(|(base, fleet)| base + fleet)
        .fold(0.0, f64::max);
    let unservable = solution
        .unservable
        .iter()
        .map(|u| (u.vehicle.clone(), u.short_kwh))
        .collect();
    Ok(SiteWorker {
        pending: Vec::new(),
        plan: SitePlan {
            site: site.id.clone(),
            schedule: solution.schedule,
            problem,
            sessions: plans,
            unplugged,
            unservable,
            peak_kw,
            charging_cost,
            charging_kwh,
        },
        budgets,
        cap_kw: site.import_cap_kw,
        base_kw: site.base_kw.clone(),
        planned_total,
        down_total: vec![0.0; slots],
        latest_up_end: 0,
    })
}

/// The day-ahead plan of `portfolio` (see the module documentation).
///
/// ```
/// use voltlex_engine::vpp::generate::portfolio;
/// use voltlex_engine::vpp::plan::plan;
/// let portfolio = portfolio(200, 4, 7);
/// let day = plan(&portfolio)?;
/// assert_eq!(day.sites.len(), 4);
/// // Vehicle use first: every stay that found a charger is served in full.
/// assert!(day.sites.iter().all(|s| s.unservable.is_empty()));
/// // Every bid reaches its product's minimum.
/// for bid in &day.bids {
///     assert!(bid.kw >= portfolio.products[bid.product].min_bid_kw);
/// }
/// # Ok::<(), voltlex_engine::vpp::VppError>(())
/// ```
///
/// # Errors
///
/// [`VppError::Site`] when a site cannot be scheduled (its base load alone above its cap);
/// [`VppError::UnknownVehicle`] for a stay of a vehicle the portfolio does not have;
/// [`VppError::Horizon`] for series of the wrong length.
pub fn plan(portfolio: &Portfolio) -> Result<DayAheadPlan, VppError> {
    for site in &portfolio.sites {
        for (what, found) in [
            ("base_kw", site.base_kw.len()),
            ("energy_price", site.energy_price.len()),
        ] {
            if found != portfolio.slots {
                return Err(VppError::Horizon {
                    site: site.id.clone(),
                    what,
                    expected: portfolio.slots,
                    found,
                });
            }
        }
    }
    let hours = portfolio.slot_hours();
    let mut workers: Vec<SiteWorker> = portfolio
        .sites
        .par_iter()
        .map(|site| SiteWorker::new(portfolio, site))
        .collect::<Result<_, _>>()?;

    let mut bids = Vec::new();
    let mut below_minimum = Vec::new();
    for (product_index, product) in portfolio.products.iter().enumerate() {
        for block in product.blocks() {
            // One round: every site offers, the portfolio decides, the sites commit.
            let offers: Vec<f64> = workers
                .par_iter_mut()
                .map(|worker| worker.offer(product.direction, &block, hours))
                .collect();
            let total: f64 = offers.iter().sum();
            if total <= 1e-9 {
                continue;
            }
            if total < product.min_bid_kw {
                below_minimum.push(BelowMinimum {
                    product_name: product.name.clone(),
                    block: block.clone(),
                    offered_kw: total,
                    min_bid_kw: product.min_bid_kw,
                });
                continue;
            }
            let bid_index = bids.len();
            workers
                .par_iter_mut()
                .for_each(|worker| worker.commit(bid_index, product.direction, &block, hours));
            bids.push(Bid {
                product: product_index,
                product_name: product.name.clone(),
                block: block.clone(),
                kw: total,
                sites: offers
                    .iter()
                    .enumerate()
                    .filter(|(_, kw)| **kw > 1e-9)
                    .map(|(index, kw)| (index, *kw))
                    .collect(),
                availability_revenue: total * product.price_per_kw_block,
            });
        }
    }
    let availability_revenue = bids.iter().map(|b| b.availability_revenue).sum();
    Ok(DayAheadPlan {
        sites: workers.into_iter().map(SiteWorker::finish).collect(),
        bids,
        below_minimum,
        availability_revenue,
    })
}
