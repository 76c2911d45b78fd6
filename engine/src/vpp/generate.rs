//! Seeded synthetic portfolios: depots of delivery vans (home at night, away by day), for
//! tests and the 10,000-vehicle benchmark.

use chrono::NaiveDate;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::portfolio::{Connection, Direction, PlannedStay, Portfolio, Product, Site, Vehicle};
use crate::schedule::Charger;

/// One of `choices`, uniformly.
fn pick(rng: &mut ChaCha8Rng, choices: &[f64]) -> f64 {
    choices
        .get(rng.random_range(0..choices.len().max(1)))
        .copied()
        .unwrap_or(0.0)
}

/// The products of the synthetic portfolio, in stacking order: the capacity market's evening
/// block, the tertiary balancing product up and down in 3-hour blocks (1 MW minimum bid), and a
/// supplier's evening demand response (50 kW minimum). Slots are half-hours from 12:00.
pub fn products() -> Vec<Product> {
    vec![
        Product {
            name: "capacity".into(),
            direction: Direction::Up,
            min_bid_kw: 1_000.0,
            block_slots: 8,
            first_slot: 10, // 17:00–21:00
            end_slot: 18,
            price_per_kw_block: 30.0,
            energy_price_per_kwh: 0.0,
            penalty_per_kw: 60.0,
        },
        Product {
            name: "tertiary2-up".into(),
            direction: Direction::Up,
            min_bid_kw: 1_000.0,
            block_slots: 6,
            first_slot: 0,
            end_slot: 48,
            price_per_kw_block: 5.5,
            energy_price_per_kwh: 15.0,
            penalty_per_kw: 11.0,
        },
        Product {
            name: "tertiary2-down".into(),
            direction: Direction::Down,
            min_bid_kw: 1_000.0,
            block_slots: 6,
            first_slot: 0,
            end_slot: 48,
            price_per_kw_block: 3.0,
            energy_price_per_kwh: 5.0,
            penalty_per_kw: 6.0,
        },
        Product {
            name: "retail-dr".into(),
            direction: Direction::Up,
            min_bid_kw: 50.0,
            block_slots: 2,
            first_slot: 18, // 21:00–22:00
            end_slot: 20,
            price_per_kw_block: 8.0,
            energy_price_per_kwh: 0.0,
            penalty_per_kw: 8.0,
        },
    ]
}

/// A portfolio of `vehicles` vans over `sites` depots for the night from 2024-07-10 12:00:
/// one charger per van (a third bidirectional, 6–20 kW), a quarter of the vans V2G-capable,
/// arrivals 16:00–20:00 with 20–60 % charge, departures 06:00–09:00 needing 15–45 kWh, each
/// depot's base load an office-and-warehouse shape and its cap with room for two thirds of
/// its chargers at full power.
///
/// ```
/// use voltlex_engine::vpp::generate::portfolio;
/// let p = portfolio(1_000, 20, 1);
/// assert_eq!((p.vehicles.len(), p.sites.len(), p.stays.len()), (1_000, 20, 1_000));
/// assert_eq!(p, portfolio(1_000, 20, 1)); // seeded
/// ```
pub fn portfolio(vehicles: usize, sites: usize, seed: u64) -> Portfolio {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let sites_count = sites.max(1);
    let slots = 48;
    let start = NaiveDate::from_ymd_opt(2024, 7, 10)
        .and_then(|d| d.and_hms_opt(12, 0, 0))
        .unwrap_or_default();
    let mut out_vehicles = Vec::with_capacity(vehicles);
    let mut stays = Vec::with_capacity(vehicles);
    let mut chargers: Vec<Vec<Charger>> = vec![Vec::new(); sites_count];
    for index in 0..vehicles {
        let site = index % sites_count;
        let battery = pick(&mut rng, &[40.0, 60.0, 75.0]);
        let v2g = rng.random_bool(0.25);
        let id = format!("V{index:05}");
        out_vehicles.push(Vehicle {
            id: id.clone(),
            battery_kwh: battery,
            max_kw: 11.0,
            v2g,
            connection: if rng.random_bool(0.7) {
                Connection::Ocpp
            } else {
                Connection::Proprietary
            },
        });
        let list = chargers.get_mut(site);
        if let Some(list) = list {
            let bidirectional = list.len() % 3 == 0;
            list.push(Charger {
                id: format!("S{site:03}-C{:03}", list.len()),
                max_kw: if bidirectional {
                    10.0
                } else {
                    pick(&mut rng, &[6.0, 11.0, 20.0])
                },
                efficiency: 0.92,
                v2g: bidirectional,
            });
        }
        let arrival_slot = rng.random_range(8..=16);
        let departure_slot = rng.random_range(36..=42);
        let arrival_kwh = battery * rng.random_range(0.2..0.6);
        stays.push(PlannedStay {
            vehicle: id,
            site: format!("S{site:03}"),
            arrival_slot,
            departure_slot,
            arrival_kwh,
            energy_kwh: rng
                .random_range(15.0..45.0_f64)
                .min(battery * 0.95 - arrival_kwh),
            booked: rng.random_bool(0.1),
        });
    }
    let out_sites = chargers
        .into_iter()
        .enumerate()
        .map(|(index, chargers)| {
            let peak = rng.random_range(80.0..300.0);
            let base_kw: Vec<f64> = (0..slots)
                .map(|slot| {
                    let hour = (12.0 + slot as f64 * 0.5) % 24.0;
                    let day = if (8.0..19.0).contains(&hour) {
                        1.0
                    } else {
                        0.35
                    };
                    peak * day * rng.random_range(0.9..1.0)
                })
                .collect();
            let charger_kw: f64 = chargers.iter().map(|c| c.max_kw).sum();
            let energy_price = (0..slots)
                .map(|slot| {
                    let hour = (12.0 + slot as f64 * 0.5) % 24.0;
                    if (8.0..22.0).contains(&hour) {
                        24.0
                    } else {
                        15.0
                    }
                })
                .collect();
            Site {
                id: format!("S{index:03}"),
                import_cap_kw: peak + charger_kw * 2.0 / 3.0,
                base_kw,
                energy_price,
                demand_price_per_kw: 1_650.0,
                ratchet_kw: peak,
                chargers,
            }
        })
        .collect();
    Portfolio {
        start,
        slot_minutes: 30,
        slots,
        sites: out_sites,
        vehicles: out_vehicles,
        stays,
        products: products(),
        discharge_floor: 0.3,
    }
}
