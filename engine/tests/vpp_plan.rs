//! The day-ahead VPP plan: vehicle use first (every site schedule passes the independent
//! checker), every bid meets its minimum, commitments add up, every commitment is deliverable
//! (all activated at once, the vehicles still leave with their energy: re-solved exactly), and
//! products take flexibility in stacking order.

// Test code: a failed expectation should panic.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::needless_range_loop
)]

use voltlex_engine::schedule::check::check;
use voltlex_engine::schedule::{optimal, Mode, Problem, Session};
use voltlex_engine::vpp::generate::portfolio;
use voltlex_engine::vpp::plan::{plan, DayAheadPlan};
use voltlex_engine::vpp::{Direction, Portfolio};

const TOLERANCE: f64 = 1e-6;

fn planned(portfolio: &Portfolio) -> DayAheadPlan {
    plan(portfolio).expect("plans")
}

#[test]
fn vehicle_use_first_and_bids_add_up() {
    let portfolio = portfolio(600, 6, 11);
    let day = planned(&portfolio);
    assert!(!day.bids.is_empty(), "a 600-van portfolio sells something");
    for site in &day.sites {
        assert!(
            site.unservable.is_empty(),
            "{}: {:?}",
            site.site,
            site.unservable
        );
        assert!(site.unplugged.is_empty(), "{}", site.site);
        let verdict = check(&site.problem, &site.schedule, Mode::Availability);
        assert!(verdict.is_ok(), "{}: {verdict:?}", site.site);
    }
    for (index, bid) in day.bids.iter().enumerate() {
        let product = &portfolio.products[bid.product];
        assert!(bid.kw >= product.min_bid_kw - TOLERANCE);
        let by_sites: f64 = bid.sites.iter().map(|(_, kw)| kw).sum();
        assert!((by_sites - bid.kw).abs() < TOLERANCE);
        for &(site_index, site_kw) in &bid.sites {
            let by_sessions: f64 = day.sites[site_index]
                .sessions
                .iter()
                .flat_map(|s| &s.commitments)
                .filter(|c| c.bid == index)
                .map(|c| c.kw)
                .sum();
            assert!((by_sessions - site_kw).abs() < 1e-6 * site_kw.max(1.0));
        }
    }
    for below in &day.below_minimum {
        assert!(below.offered_kw < below.min_bid_kw);
    }
}

/// Activates every commitment of every site at once and checks the vehicles still leave with
/// their energy, within chargers, batteries, the floor and the cap.
#[test]
fn every_commitment_is_deliverable() {
    for (vehicles, sites, seed) in [(400, 4, 1), (900, 9, 2), (250, 1, 3)] {
        let portfolio = portfolio(vehicles, sites, seed);
        let day = planned(&portfolio);
        let hours = portfolio.slot_hours();
        for site in &day.sites {
            let problem = &site.problem;
            let slots = problem.slots();
            let mut power: Vec<Vec<f64>> = problem
                .sessions
                .iter()
                .zip(&site.schedule.power_kw)
                .map(|(session, window)| {
                    let mut full = vec![0.0; slots];
                    full[session.first_slot..session.end_slot].copy_from_slice(window);
                    full
                })
                .collect();
            let mut latest_up_end = 0;
            for (session_index, session) in site.sessions.iter().enumerate() {
                for commitment in &session.commitments {
                    let bid = &day.bids[commitment.bid];
                    let product = &portfolio.products[bid.product];
                    for t in bid.block.clone() {
                        power[session_index][t] += match product.direction {
                            Direction::Up => -commitment.kw,
                            Direction::Down => commitment.kw,
                        };
                    }
                    if product.direction == Direction::Up {
                        latest_up_end = latest_up_end.max(bid.block.end);
                    }
                }
            }
            // Without up commitments the whole horizon is checked as activated.
            let recover_from = if latest_up_end == 0 {
                slots
            } else {
                latest_up_end
            };
            // Up to the recovery: limits, floor and cap.
            for t in 0..recover_from.min(slots) {
                let load: f64 = problem.base_kw[t] + power.iter().map(|p| p[t]).sum::<f64>();
                assert!(
                    load <= problem.import_cap_kw + 1e-6,
                    "{} slot {t}: {load}",
                    site.site
                );
            }
            let mut sessions = Vec::new();
            for (index, session) in problem.sessions.iter().enumerate() {
                let eta = problem.efficiency_of(session);
                let mut stored = session.arrival_kwh;
                for t in session.first_slot..session.end_slot.min(recover_from) {
                    let kw = power[index][t];
                    assert!(
                        kw <= session.max_kw + 1e-6,
                        "{} {}",
                        site.site,
                        session.vehicle
                    );
                    if kw < -1e-9 {
                        assert!(
                            site.sessions[index].v2g,
                            "{} discharges without V2G",
                            session.vehicle
                        );
                        stored += kw * hours / eta;
                    } else {
                        stored += kw * hours * eta;
                    }
                    assert!(stored <= session.battery_kwh + 1e-6);
                    assert!(
                        stored >= (0.3 * session.battery_kwh).min(session.arrival_kwh) - 1e-6,
                        "{} {} below the floor: {stored}",
                        site.site,
                        session.vehicle
                    );
                }
                let owed = session.arrival_kwh + session.energy_kwh - stored;
                if session.end_slot <= recover_from {
                    assert!(owed <= 1e-6, "{} left {owed} kWh short", session.vehicle);
                } else {
                    sessions.push(Session {
                        first_slot: session.first_slot.max(recover_from) - recover_from,
                        end_slot: session.end_slot - recover_from,
                        energy_kwh: owed.max(0.0),
                        reserved_kwh: 0.0,
                        arrival_kwh: stored,
                        ..session.clone()
                    });
                }
            }
            if sessions.is_empty() || recover_from >= slots {
                continue;
            }
            let rest = Problem {
                start: problem.slot_start(recover_from),
                base_kw: problem.base_kw[recover_from..].to_vec(),
                energy_price: problem.energy_price[recover_from..].to_vec(),
                sessions,
                ..problem.clone()
            };
            let solution = optimal::solve(&rest, Mode::Availability).expect("re-solves");
            assert!(
                solution.unservable.is_empty(),
                "{}: after activating everything, {:?}",
                site.site,
                solution.unservable
            );
        }
    }
}

#[test]
fn products_take_flexibility_in_stacking_order() {
    // Two identical evening up products: the first listed is served first.
    let mut portfolio = portfolio(500, 5, 4);
    let mut first = portfolio.products[0].clone();
    first.name = "first".into();
    first.min_bid_kw = 0.0;
    let mut second = first.clone();
    second.name = "second".into();
    portfolio.products = vec![first, second];
    let day = planned(&portfolio);
    let total = |name: &str| -> f64 {
        day.bids
            .iter()
            .filter(|b| b.product_name == name)
            .map(|b| b.kw)
            .sum()
    };
    assert!(total("first") > 0.0);
    assert!(
        total("first") > total("second"),
        "{} vs {}",
        total("first"),
        total("second")
    );
    // Swapped, the roles swap.
    portfolio.products.reverse();
    let swapped = planned(&portfolio);
    let total_swapped = |name: &str| -> f64 {
        swapped
            .bids
            .iter()
            .filter(|b| b.product_name == name)
            .map(|b| b.kw)
            .sum()
    };
    assert!((total_swapped("second") - total("first")).abs() < 1e-6);
    // Selling never changes the vehicles' own schedules.
    for (a, b) in day.sites.iter().zip(&swapped.sites) {
        assert_eq!(a.schedule, b.schedule);
    }
}

#[test]
fn below_the_minimum_nothing_is_bid() {
    let mut portfolio = portfolio(100, 2, 5);
    for product in &mut portfolio.products {
        product.min_bid_kw = 1e9;
    }
    let day = planned(&portfolio);
    assert!(day.bids.is_empty());
    assert!(!day.below_minimum.is_empty());
    assert!(day
        .sites
        .iter()
        .all(|s| s.sessions.iter().all(|x| x.commitments.is_empty())));
}

#[test]
fn a_site_whose_base_load_breaks_its_cap_is_named() {
    let mut portfolio = portfolio(20, 2, 6);
    portfolio.sites[1].import_cap_kw = 1.0;
    let error = plan(&portfolio).unwrap_err().to_string();
    assert!(error.starts_with("site S001:"), "{error}");
}

#[test]
fn intraday_activation_and_early_departure() {
    use voltlex_engine::vpp::intraday::{redispatch, Event};
    let portfolio = portfolio(600, 6, 12);
    let day = planned(&portfolio);
    // Every bid activated in full: delivered as asked, nobody short, caps held.
    let all: Vec<Event> = (0..day.bids.len())
        .map(|bid| Event::Activation { bid, share: 1.0 })
        .collect();
    let after = redispatch(&portfolio, &day, &all).expect("re-dispatches");
    for delivery in &after.deliveries {
        assert!(
            (delivery.delivered_kw - delivery.activated_kw).abs() < 1e-6,
            "{delivery:?}"
        );
    }
    for site in &after.sites {
        assert!(site.short.is_empty(), "{}: {:?}", site.site, site.short);
        let problem = &site.problem;
        for t in 0..problem.slots() {
            let load: f64 = problem.base_kw[t]
                + problem
                    .sessions
                    .iter()
                    .zip(&site.schedule.power_kw)
                    .filter(|(s, _)| s.contains(t))
                    .map(|(s, w)| w[t - s.first_slot])
                    .sum::<f64>();
            assert!(
                load <= problem.import_cap_kw + 1e-6,
                "{} slot {t}",
                site.site
            );
        }
    }
    // A committed vehicle that leaves before its block: that block is delivered short by its
    // share, and the vehicle leaves short of energy.
    let (bid_index, vehicle, kw, arrival) = day
        .sites
        .iter()
        .flat_map(|s| s.sessions.iter().zip(&s.problem.sessions))
        .filter(|(_, session)| session.energy_kwh > 1.0)
        .find_map(|(s, session)| {
            s.commitments
                .iter()
                .find(|c| day.bids[c.bid].block.start > 20)
                .map(|c| (c.bid, s.vehicle.clone(), c.kw, session.first_slot))
        })
        .expect("a commitment late in the night");
    // It leaves as soon as it arrived.
    let events = vec![
        Event::Activation {
            bid: bid_index,
            share: 1.0,
        },
        Event::EarlyDeparture {
            vehicle: vehicle.clone(),
            slot: arrival,
        },
    ];
    let after = redispatch(&portfolio, &day, &events).expect("re-dispatches");
    let delivery = &after.deliveries[0];
    assert!(
        (delivery.activated_kw - delivery.delivered_kw - kw).abs() < 1e-6,
        "{delivery:?}, the vehicle held {kw}"
    );
    assert!(after
        .sites
        .iter()
        .any(|s| s.short.iter().any(|(v, _)| *v == vehicle)));
    // Bad events are named.
    let error = redispatch(
        &portfolio,
        &day,
        &[Event::Activation {
            bid: 999,
            share: 1.0,
        }],
    )
    .unwrap_err()
    .to_string();
    assert!(error.contains("bid 999"), "{error}");
}
