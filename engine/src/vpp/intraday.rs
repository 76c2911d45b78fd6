//! Intraday re-dispatch: market activations and early departures applied to the day-ahead
//! plan, the activation disaggregated to sessions (and so to chargers), the sessions
//! recharged after the last activated up block so every vehicle still leaves with its energy.
//!
//! - An activation of `share` of a bid asks each session for `share` × its commitment over
//!   the block: less charging or a discharge (up), more charging (down).
//! - A vehicle that leaves early takes its commitments with it: from its departure on, its
//!   share of every later activated block is not delivered (reported per bid, for settlement)
//!   and its own energy short is reported.
//! - After the last activated up block every session recharges what the activations took,
//!   earliest departure first, within its charger's spare power and the site's cap — the
//!   plan committed only what this recharging can absorb with every commitment activated.
//!
//! Delivery per bid is what the sessions actually held, the smallest over the block's slots
//! (a block is delivered as a constant power).

use std::ops::Range;

use serde::Serialize;

use super::plan::DayAheadPlan;
use super::portfolio::{Direction, Portfolio};
use super::VppError;
use crate::schedule::{Problem, Schedule, Session};

/// Something that happens on the day.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// The market activates `share` (0..=1) of bid `bid` for its block.
    Activation {
        /// Index into the plan's bids.
        bid: usize,
        /// Share of the bid activated.
        share: f64,
    },
    /// `vehicle` leaves at `slot` (before its planned departure).
    EarlyDeparture {
        /// The vehicle.
        vehicle: String,
        /// The slot it is gone from.
        slot: usize,
    },
}

/// What a bid delivered.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BidDelivery {
    /// Index into the plan's bids.
    pub bid: usize,
    /// The block.
    pub block: Range<usize>,
    /// kW committed.
    pub committed_kw: f64,
    /// kW the market asked for.
    pub activated_kw: f64,
    /// kW held over the whole block.
    pub delivered_kw: f64,
}

/// One site after the day's events.
#[derive(Debug, Clone, Serialize)]
pub struct SiteDispatch {
    /// The site.
    pub site: String,
    /// The problem of the plan with each session cut at its actual departure.
    #[serde(skip)]
    pub problem: Problem,
    /// Power per session per slot of its window, kW (negative: discharge).
    pub schedule: Schedule,
    /// Vehicles that left short of their energy, kWh short.
    pub short: Vec<(String, f64)>,
}

/// The day re-dispatched.
#[derive(Debug, Clone, Serialize)]
pub struct Redispatch {
    /// Per site, in the plan's order.
    pub sites: Vec<SiteDispatch>,
    /// Per activated bid.
    pub deliveries: Vec<BidDelivery>,
}

/// Applies `events` to `plan` (see the module documentation).
///
/// ```
/// use voltlex_engine::vpp::generate::portfolio;
/// use voltlex_engine::vpp::intraday::{redispatch, Event};
/// use voltlex_engine::vpp::plan::plan;
/// let portfolio = portfolio(300, 3, 9);
/// let day = plan(&portfolio)?;
/// let events: Vec<Event> = (0..day.bids.len()).map(|bid| Event::Activation { bid, share: 1.0 }).collect();
/// let after = redispatch(&portfolio, &day, &events)?;
/// for delivery in &after.deliveries {
///     assert!((delivery.delivered_kw - delivery.activated_kw).abs() < 1e-6);
/// }
/// assert!(after.sites.iter().all(|s| s.short.is_empty()));
/// # Ok::<(), voltlex_engine::vpp::VppError>(())
/// ```
///
/// # Errors
///
/// [`VppError::Input`] for an event naming a bid or a vehicle the plan does not have or a
/// share outside 0..=1.
pub fn redispatch(
    portfolio: &Portfolio,
    plan: &DayAheadPlan,
    events: &[Event],
) -> Result<Redispatch, VppError> {
    let hours = portfolio.slot_hours();
    let mut activations: Vec<(usize, f64)> = Vec::new();
    let mut departures: Vec<(String, usize)> = Vec::new();
    for event in events {
        match event {
            Event::Activation { bid, share } => {
                if plan.bids.get(*bid).is_none() {
                    return Err(VppError::Input(format!(
                        "activation of bid {bid}: the plan has {} bid(s)",
                        plan.bids.len()
                    )));
                }
                if !(0.0..=1.0).contains(share) {
                    return Err(VppError::Input(format!(
                        "activation of bid {bid}: share {share} is not between 0 and 1"
                    )));
                }
                activations.push((*bid, *share));
            }
            Event::EarlyDeparture { vehicle, slot } => {
                let known = plan
                    .sites
                    .iter()
                    .any(|s| s.sessions.iter().any(|x| &x.vehicle == vehicle));
                if !known {
                    return Err(VppError::Input(format!(
                        "early departure of {vehicle}: no session of that vehicle in the plan"
                    )));
                }
                departures.push((vehicle.clone(), *slot));
            }
        }
    }
    let direction_of = |bid: usize| {
        plan.bids
            .get(bid)
            .and_then(|b| portfolio.products.get(b.product))
            .map_or(Direction::Up, |p| p.direction)
    };
    let block_of = |bid: usize| plan.bids.get(bid).map_or(0..0, |b| b.block.clone());
    let mut held: Vec<Vec<f64>> = activations
        .iter()
        .map(|(bid, _)| vec![0.0; block_of(*bid).len()])
        .collect();

    let mut sites = Vec::with_capacity(plan.sites.len());
    for site_plan in &plan.sites {
        let mut problem = site_plan.problem.clone();
        let slots = problem.slots();
        // Full-horizon powers.
        let mut power: Vec<Vec<f64>> = problem
            .sessions
            .iter()
            .zip(&site_plan.schedule.power_kw)
            .map(|(session, window)| {
                let mut full = vec![0.0; slots];
                for (offset, kw) in window.iter().enumerate() {
                    if let Some(slot) = full.get_mut(session.first_slot + offset) {
                        *slot = *kw;
                    }
                }
                full
            })
            .collect();
        // Early departures cut the sessions.
        for (session, plan_session) in problem.sessions.iter_mut().zip(&site_plan.sessions) {
            if let Some((_, slot)) = departures.iter().find(|(v, _)| *v == plan_session.vehicle) {
                session.end_slot = session.end_slot.min(*slot).max(session.first_slot);
            }
        }
        // Every activation on the plan, for the sessions present.
        let recover_from = activations
            .iter()
            .filter(|(bid, _)| direction_of(*bid) == Direction::Up)
            .map(|(bid, _)| block_of(*bid).end)
            .max()
            .unwrap_or(0);
        for (index, (session, plan_session)) in
            problem.sessions.iter().zip(&site_plan.sessions).enumerate()
        {
            let Some(row) = power.get_mut(index) else {
                continue;
            };
            for slot in session.end_slot..slots {
                if let Some(kw) = row.get_mut(slot) {
                    *kw = 0.0;
                }
            }
            for commitment in &plan_session.commitments {
                let Some((activation, (_, share))) = activations
                    .iter()
                    .enumerate()
                    .find(|(_, (bid, _))| *bid == commitment.bid)
                else {
                    continue;
                };
                let block = block_of(commitment.bid);
                let down = direction_of(commitment.bid) == Direction::Down;
                let asked = commitment.kw * share;
                for (offset, t) in block.clone().enumerate() {
                    if t < session.first_slot || t >= session.end_slot {
                        continue;
                    }
                    if let Some(kw) = row.get_mut(t) {
                        *kw += if down { asked } else { -asked };
                    }
                    if let Some(slot) = held.get_mut(activation).and_then(|h| h.get_mut(offset)) {
                        *slot += asked;
                    }
                }
            }
        }
        // Recharge what the up activations took, after the last of them, earliest departure
        // first within each charger's spare power and the site's cap (the plan proved this
        // feasible for every activation at once).
        let mut owed: Vec<(usize, f64)> = problem
            .sessions
            .iter()
            .enumerate()
            .filter(|(_, session)| session.end_slot > recover_from)
            .map(|(index, session)| {
                let stored =
                    stored_at(session, power.get(index), session.end_slot, &problem, hours);
                (index, session.arrival_kwh + session.energy_kwh - stored)
            })
            .filter(|(_, owed)| *owed > 1e-9)
            .collect();
        owed.sort_by_key(|(index, _)| problem.sessions.get(*index).map_or(0, |s| s.end_slot));
        for t in recover_from..slots {
            let mut room = problem.import_cap_kw
                - problem.base_kw.get(t).copied().unwrap_or(0.0)
                - power
                    .iter()
                    .map(|row| row.get(t).copied().unwrap_or(0.0))
                    .sum::<f64>();
            for (index, remaining) in owed.iter_mut() {
                let Some(session) = problem.sessions.get(*index) else {
                    continue;
                };
                if room <= 1e-12 || *remaining <= 1e-12 || !session.contains(t) {
                    continue;
                }
                let eta = problem.efficiency_of(session);
                let Some(kw) = power.get_mut(*index).and_then(|row| row.get_mut(t)) else {
                    continue;
                };
                let extra = (session.max_kw - *kw)
                    .max(0.0)
                    .min(room)
                    .min(*remaining / (hours * eta));
                *kw += extra;
                *remaining -= extra * hours * eta;
                room -= extra;
            }
        }
        let mut short = Vec::new();
        for (index, session) in problem.sessions.iter().enumerate() {
            let stored = stored_at(session, power.get(index), session.end_slot, &problem, hours);
            let owed = session.arrival_kwh + session.energy_kwh - stored;
            if owed > 1e-6 {
                short.push((session.vehicle.clone(), owed));
            }
        }
        let schedule = Schedule {
            power_kw: problem
                .sessions
                .iter()
                .enumerate()
                .map(|(index, session)| {
                    power
                        .get(index)
                        .and_then(|row| row.get(session.first_slot..session.end_slot))
                        .map(<[f64]>::to_vec)
                        .unwrap_or_default()
                })
                .collect(),
        };
        sites.push(SiteDispatch {
            site: site_plan.site.clone(),
            problem,
            schedule,
            short,
        });
    }
    let deliveries = activations
        .iter()
        .zip(&held)
        .map(|((bid, share), held)| {
            let committed = plan.bids.get(*bid).map_or(0.0, |b| b.kw);
            BidDelivery {
                bid: *bid,
                block: block_of(*bid),
                committed_kw: committed,
                activated_kw: committed * share,
                delivered_kw: held
                    .iter()
                    .copied()
                    .fold(f64::INFINITY, f64::min)
                    .min(committed * share)
                    .max(0.0),
            }
        })
        .collect();
    Ok(Redispatch { sites, deliveries })
}

/// Battery energy of `session` at the start of slot `until` under `power` (full-horizon kW).
fn stored_at(
    session: &Session,
    power: Option<&Vec<f64>>,
    until: usize,
    problem: &Problem,
    hours: f64,
) -> f64 {
    let eta = problem.efficiency_of(session);
    let mut stored = session.arrival_kwh;
    for t in session.first_slot..until.min(session.end_slot) {
        let kw = power.and_then(|r| r.get(t)).copied().unwrap_or(0.0);
        stored += if kw >= 0.0 {
            kw * hours * eta
        } else {
            kw * hours / eta
        };
    }
    stored
}
