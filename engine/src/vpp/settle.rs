//! Settlement: what each bid delivered against what it committed, the money per product, site
//! and vehicle, and the split with the fleets (an aggregator contract's share).
//!
//! Per bid: availability revenue = committed kW × the product's price per kW and block; energy
//! revenue = delivered kW ×
//! block hours × the product's energy price; penalty = (activated − delivered) kW × the
//! product's penalty per kW. A bid's net goes to the sites by their share of the bid and to
//! the sessions by their commitments — except the penalty, which the sessions that did not
//! deliver carry (by how much each fell short), so a vehicle that left early pays for its
//! own shortfall. The fleet's share of each vehicle's net is the contract's `fleet` share.

use serde::Serialize;

use super::intraday::Redispatch;
use super::plan::DayAheadPlan;
use super::portfolio::Portfolio;

/// One product settled.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProductSettlement {
    /// The product.
    pub product: String,
    /// Σ committed kW over its bids (kW·blocks).
    pub committed_kw_blocks: f64,
    /// Energy asked by activations, kWh.
    pub activated_kwh: f64,
    /// Energy delivered, kWh.
    pub delivered_kwh: f64,
    /// Availability revenue.
    pub availability: f64,
    /// Energy revenue.
    pub energy: f64,
    /// Penalties.
    pub penalties: f64,
    /// availability + energy − penalties.
    pub net: f64,
}

/// One vehicle's part.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VehicleSettlement {
    /// The vehicle.
    pub vehicle: String,
    /// Its site.
    pub site: String,
    /// Its net (before the split).
    pub net: f64,
    /// The fleet's share of it.
    pub to_fleet: f64,
    /// The aggregator's share of it.
    pub to_aggregator: f64,
}

/// The day settled.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Settlement {
    /// Per product, in stacking order.
    pub products: Vec<ProductSettlement>,
    /// Net per site, in the plan's order.
    pub sites: Vec<(String, f64)>,
    /// Per vehicle with a commitment.
    pub vehicles: Vec<VehicleSettlement>,
    /// Σ net.
    pub total: f64,
    /// The fleets' share of the total.
    pub to_fleets: f64,
    /// The aggregator's.
    pub to_aggregator: f64,
}

/// Settles the day (see the module documentation); `fleet_share` is the fleets' share of the
/// net (an aggregator contract's `share fleet`).
///
/// ```
/// use voltlex_engine::vpp::generate::portfolio;
/// use voltlex_engine::vpp::intraday::{redispatch, Event};
/// use voltlex_engine::vpp::plan::plan;
/// use voltlex_engine::vpp::settle::settle;
/// let portfolio = portfolio(300, 3, 9);
/// let day = plan(&portfolio)?;
/// let after = redispatch(&portfolio, &day, &[Event::Activation { bid: 0, share: 0.5 }])?;
/// let settled = settle(&portfolio, &day, &after, 0.7);
/// assert!((settled.to_fleets + settled.to_aggregator - settled.total).abs() < 1e-6);
/// let by_sites: f64 = settled.sites.iter().map(|(_, net)| net).sum();
/// assert!((by_sites - settled.total).abs() < 1e-6);
/// assert!(settled.products.iter().all(|p| p.penalties == 0.0)); // delivered as asked
/// # Ok::<(), voltlex_engine::vpp::VppError>(())
/// ```
pub fn settle(
    portfolio: &Portfolio,
    plan: &DayAheadPlan,
    day: &Redispatch,
    fleet_share: f64,
) -> Settlement {
    let hours = portfolio.slot_hours();
    let fleet_share = fleet_share.clamp(0.0, 1.0);
    let mut products: Vec<ProductSettlement> = portfolio
        .products
        .iter()
        .map(|p| ProductSettlement {
            product: p.name.clone(),
            committed_kw_blocks: 0.0,
            activated_kwh: 0.0,
            delivered_kwh: 0.0,
            availability: 0.0,
            energy: 0.0,
            penalties: 0.0,
            net: 0.0,
        })
        .collect();
    // Net per (site, session).
    let mut session_net: Vec<Vec<f64>> = plan
        .sites
        .iter()
        .map(|s| vec![0.0; s.sessions.len()])
        .collect();
    for (bid_index, bid) in plan.bids.iter().enumerate() {
        let Some(product) = portfolio.products.get(bid.product) else {
            continue;
        };
        let delivery = day.deliveries.iter().find(|d| d.bid == bid_index);
        let (activated, delivered) =
            delivery.map_or((0.0, 0.0), |d| (d.activated_kw, d.delivered_kw));
        let block_hours = bid.block.len() as f64 * hours;
        let availability = bid.kw * product.price_per_kw_block;
        let energy = delivered * block_hours * product.energy_price_per_kwh;
        // Round-off in the delivered minimum is no shortfall.
        let shortfall = if activated - delivered > 1e-6 {
            activated - delivered
        } else {
            0.0
        };
        let penalty = shortfall * product.penalty_per_kw;
        if let Some(out) = products.get_mut(bid.product) {
            out.committed_kw_blocks += bid.kw;
            out.activated_kwh += activated * block_hours;
            out.delivered_kwh += delivered * block_hours;
            out.availability += availability;
            out.energy += energy;
            out.penalties += penalty;
            out.net += availability + energy - penalty;
        }
        // Who fell short: sessions that left before the block ended.
        let share = if bid.kw > 0.0 {
            activated / bid.kw
        } else {
            0.0
        };
        let mut shortfalls: Vec<(usize, usize, f64)> = Vec::new();
        for (site_index, site) in plan.sites.iter().enumerate() {
            for (session_index, session) in site.sessions.iter().enumerate() {
                for commitment in session.commitments.iter().filter(|c| c.bid == bid_index) {
                    let gross = (availability + energy) * commitment.kw / bid.kw.max(1e-12);
                    if let Some(slot) = session_net
                        .get_mut(site_index)
                        .and_then(|s| s.get_mut(session_index))
                    {
                        *slot += gross;
                    }
                    let end = day
                        .sites
                        .get(site_index)
                        .and_then(|d| d.problem.sessions.get(session_index))
                        .map_or(0, |s| s.end_slot);
                    if delivery.is_some() && end < bid.block.end {
                        shortfalls.push((site_index, session_index, commitment.kw * share));
                    }
                }
            }
        }
        let short_total: f64 = shortfalls.iter().map(|(_, _, kw)| kw).sum();
        for (site_index, session_index, kw) in shortfalls {
            if let Some(slot) = session_net
                .get_mut(site_index)
                .and_then(|s| s.get_mut(session_index))
            {
                *slot -= penalty * kw / short_total.max(1e-12);
            }
        }
        // A penalty nobody left early for (rounding) is shared by commitment.
        if short_total <= 1e-12 && penalty > 0.0 {
            for (site_index, site) in plan.sites.iter().enumerate() {
                for (session_index, session) in site.sessions.iter().enumerate() {
                    for commitment in session.commitments.iter().filter(|c| c.bid == bid_index) {
                        if let Some(slot) = session_net
                            .get_mut(site_index)
                            .and_then(|s| s.get_mut(session_index))
                        {
                            *slot -= penalty * commitment.kw / bid.kw.max(1e-12);
                        }
                    }
                }
            }
        }
    }
    let mut vehicles = Vec::new();
    let mut sites = Vec::with_capacity(plan.sites.len());
    for (site, nets) in plan.sites.iter().zip(&session_net) {
        let mut site_total = 0.0;
        for (session, net) in site.sessions.iter().zip(nets) {
            site_total += net;
            if session.commitments.is_empty() {
                continue;
            }
            vehicles.push(VehicleSettlement {
                vehicle: session.vehicle.clone(),
                site: site.site.clone(),
                net: *net,
                to_fleet: net * fleet_share,
                to_aggregator: net * (1.0 - fleet_share),
            });
        }
        sites.push((site.site.clone(), site_total));
    }
    let total: f64 = products.iter().map(|p| p.net).sum();
    Settlement {
        products,
        sites,
        vehicles,
        total,
        to_fleets: total * fleet_share,
        to_aggregator: total * (1.0 - fleet_share),
    }
}
