//! Seeded V2G problem generators for tests and benchmarks.
//!
//! - [`v2g_depot`] — a depot from [`crate::schedule::generate::synthetic_depot`] with
//!   market-linked prices, V2G chargers, floors, wear and cycle caps;
//! - [`tiny_random_v2g`] — small arbitrary problems for property tests against the
//!   reference LP.
//!
//! Both are deterministic functions of their arguments, with their own SplitMix64 stream
//! (as in the charging generator: no dependency upgrade can change a seed's problem), and
//! every problem they return is valid and feasible in availability mode: charging each
//! session at full power from arrival, without discharge, meets every departure within the
//! import cap and the battery.

use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike, Weekday};

use super::problem::{V2gProblem, V2gSession};
use crate::schedule::generate::{synthetic_depot, SplitMix64};
use crate::schedule::{Charger, Problem, Session};

/// The V2G generators' salt for the crate's SplitMix64: their streams are unrelated to the
/// charging generator's for the same seed.
const V2G_SALT: u64 = 0xA076_1D64_78BD_642F;

/// Round `value` to `step`.
fn round_to(value: f64, step: f64) -> f64 {
    (value / step).round() * step
}

/// Round `value` down to `step` (so a rounded need never exceeds what it was drawn under).
fn round_down(value: f64, step: f64) -> f64 {
    (value / step).floor() * step
}

/// Round `value` up to `step` (so a rounded cap never falls below what it must allow).
fn round_up(value: f64, step: f64) -> f64 {
    (value / step).ceil() * step
}

/// Tokyo-area mean spot price, JPY/kWh, 2024 (JEPX; `shared/FACTS.md`).
const SPOT_MEAN_JPY: f64 = 13.00;

/// Renewable-energy surcharge FY2025, JPY/kWh (METI, March 2025; `shared/FACTS.md`).
const RENEWABLE_SURCHARGE_JPY: f64 = 3.98;

/// Network charge and retail margin of the synthetic market-linked plan, JPY/kWh: a
/// synthetic figure, not taken from a tariff sheet.
const NETWORK_AND_MARGIN_JPY: f64 = 8.0;

/// Relative spot level by half hour of the day (time code − 1): night 0.85, solar trough
/// around noon (codes 25–26) 0.55, evening peak (codes 36–38) 1.6, as described for the
/// Tokyo area in `shared/FACTS.md`; the in-between values are a synthetic smooth shape.
fn spot_shape(at: NaiveDateTime) -> f64 {
    let code = (at.hour() * 2 + at.minute() / 30 + 1) as usize;
    match code {
        1..=12 => 0.85,  // 00:00–06:00
        13..=18 => 1.05, // morning ramp
        19..=22 => 0.85,
        23..=28 => 0.55, // 11:00–14:00, solar trough around codes 25–26
        29..=34 => 0.85,
        35 => 1.3,
        36..=38 => 1.6, // 17:30–19:00 evening peak
        39..=42 => 1.25,
        _ => 1.0, // 21:00–24:00
    }
}

/// Half-hourly JEPX-like spot prices (JPY/kWh) for `slots` slots from `start`: a daily level
/// whose logarithm follows an AR(1) around ln(13.00) with φ = 0.4 (the fast mean reversion
/// in `shared/FACTS.md`), times the intraday shape, times ±10 % noise; never below the
/// market floor of 0.01.
fn spot_prices(rng: &mut SplitMix64, start: NaiveDateTime, slots: usize) -> Vec<f64> {
    let mut log_deviation = 0.0;
    let mut current_day = None;
    let mut level = SPOT_MEAN_JPY;
    (0..slots)
        .map(|slot| {
            let at = start + chrono::Duration::minutes(30 * slot as i64);
            if current_day != Some(at.date()) {
                current_day = Some(at.date());
                log_deviation = 0.4 * log_deviation + rng.range(-0.25, 0.25);
                level = SPOT_MEAN_JPY * f64::exp(log_deviation);
            }
            let weekend = matches!(at.weekday(), Weekday::Sat | Weekday::Sun);
            let demand = if weekend { 0.9 } else { 1.0 };
            round_to(level * spot_shape(at) * demand * rng.range(0.9, 1.1), 0.01).max(0.01)
        })
        .collect()
}

/// Peak site load when every session charges at full power from arrival until done, with
/// no discharge: the import cap must allow it for availability mode to be feasible.
fn uncontrolled_peak(problem: &Problem) -> f64 {
    let hours = problem.slot_hours();
    let mut load = problem.base_kw.clone();
    for session in &problem.sessions {
        let efficiency = problem.efficiency_of(session);
        let charger_kw = problem
            .chargers
            .get(session.charger)
            .map_or(f64::INFINITY, |c| c.max_kw);
        let limit = session.max_kw.min(charger_kw);
        let mut left = session.energy_kwh;
        for kw in load
            .iter_mut()
            .take(session.end_slot)
            .skip(session.first_slot)
        {
            if left <= 0.0 {
                break;
            }
            let power = limit.min(left / (hours * efficiency));
            *kw += power;
            left -= power * hours * efficiency;
        }
    }
    load.into_iter().fold(0.0, f64::max)
}

/// A seeded V2G depot of `vehicles` vehicles over `days` days (at least one), built on
/// [`synthetic_depot`] (same chargers, sessions, base load, import cap, ratchet and demand
/// price for the same arguments), with:
///
/// - a market-linked tariff: export price = a JEPX-like Tokyo spot price (daily level around
///   the 2024 mean of 13.00 JPY/kWh, solar trough at noon, evening peak 17:30–19:00), import
///   price = spot + 3.98 JPY/kWh renewable surcharge + 8 JPY/kWh network and margin
///   (synthetic), so export always pays less than import;
/// - about half the chargers V2G-capable, discharging up to 50–100 % of their power;
/// - arrival state of charge redrawn at 20–70 % (a delivery vehicle coming back from its
///   round; the charging depot's 10–30 % would leave nothing above the floor), the need
///   clipped so that arrival + need ≤ 95 % of the battery;
/// - floors at 30 % state of charge, wear 2–15 JPY per battery kWh, and on 40 % of V2G
///   sessions a cycle cap of 0.5 or 1 equivalent full cycle per day of stay;
/// - an export cap (25–100 % of the fleet's discharge power) on half the seeds, V2B only
///   (cap 0) on the others.
///
/// ```
/// use voltlex_engine::v2g::generate::v2g_depot;
///
/// let depot = v2g_depot(20, 2, 7);
/// assert!(depot.validate().is_ok());
/// assert_eq!(depot.charging.slots(), 96);
/// assert_eq!(depot.sessions.len(), 40);
/// for slot in 0..96 {
///     assert!(depot.export_price[slot] < depot.charging.energy_price[slot]);
/// }
/// assert_eq!(depot, v2g_depot(20, 2, 7));
/// ```
pub fn v2g_depot(vehicles: usize, days: usize, seed: u64) -> V2gProblem {
    let mut charging = synthetic_depot(vehicles, days, seed);
    let mut rng = SplitMix64::salted(seed, V2G_SALT);

    let export_price = spot_prices(&mut rng, charging.start, charging.slots());
    charging.energy_price = export_price
        .iter()
        .map(|spot| {
            round_to(
                spot + RENEWABLE_SURCHARGE_JPY + NETWORK_AND_MARGIN_JPY,
                0.01,
            )
        })
        .collect();

    let mut discharge_share = Vec::with_capacity(charging.chargers.len());
    for charger in &mut charging.chargers {
        charger.v2g = rng.chance(0.5);
        discharge_share.push(rng.pick(&[0.5, 0.8, 1.0], 1.0));
    }

    let hours = charging.slot_hours();
    let mut sessions = Vec::with_capacity(charging.sessions.len());
    for session in &mut charging.sessions {
        let battery = session.battery_kwh;
        session.arrival_kwh = round_to(battery * rng.range(0.2, 0.7), 0.1);
        session.energy_kwh = session
            .energy_kwh
            .min(round_down(0.95 * battery - session.arrival_kwh, 0.1))
            .max(0.0);
        session.reserved_kwh = session.reserved_kwh.min(session.energy_kwh);

        let charger = charging.chargers.get(session.charger);
        let v2g = charger.is_some_and(|c| c.v2g);
        let charger_kw = charger.map_or(0.0, |c| c.max_kw);
        let share = discharge_share.get(session.charger).copied().unwrap_or(1.0);
        let stay_days = session.window_len() as f64 * hours / 24.0;
        let max_discharge_kwh = if v2g && rng.chance(0.4) {
            round_to(rng.pick(&[0.5, 1.0], 1.0) * battery * stay_days, 0.1)
        } else {
            f64::INFINITY
        };
        sessions.push(V2gSession {
            discharge_kw: if v2g {
                round_to(charger_kw * share, 0.1)
            } else {
                0.0
            },
            floor_kwh: round_to(0.3 * battery, 0.1),
            degradation_per_kwh: round_to(rng.range(2.0, 15.0), 0.1),
            max_discharge_kwh,
        });
    }

    let discharge_total: f64 = sessions.iter().map(|s| s.discharge_kw).sum();
    let export_cap_kw = if rng.chance(0.5) {
        round_to(discharge_total * rng.range(0.25, 1.0), 1.0)
    } else {
        0.0
    };
    // Needs only went down, so the charging depot's cap still allows charging on arrival;
    // checked again in case that ever changes.
    charging.import_cap_kw = charging
        .import_cap_kw
        .max(round_up(uncontrolled_peak(&charging), 1.0));

    V2gProblem {
        charging,
        export_price,
        export_cap_kw,
        sessions,
    }
}

/// A small arbitrary V2G problem for property tests: 1–4 sessions, 2–8 slots of 15, 30 or
/// 60 minutes, random prices (import 5–40 per kWh, export 30–130 % of it, so sometimes above
/// the import price and capped by [`V2gProblem::sell_price`]), base load, chargers (about 60 %
/// V2G, efficiency sometimes exactly 1), floors, wear (sometimes 0), cycle caps and export
/// caps.
///
/// Sometimes the export cap is 0, the demand price is 0, the ratchet lies above any possible
/// import, or a session has a reservation (which matters in cost mode); some sessions ask
/// for discharge on a charger that cannot (their discharge limit is then 0). Some chargers
/// carry two sessions with disjoint windows. Always valid and feasible in availability mode:
/// needs are at most 95 % of what the window delivers at full power and fit in the battery,
/// and the import cap allows charging every session at full power from arrival.
///
/// ```
/// use voltlex_engine::v2g::generate::tiny_random_v2g;
///
/// for seed in 0..50 {
///     let p = tiny_random_v2g(seed);
///     assert!(p.validate().is_ok());
///     assert!((2..=8).contains(&p.charging.slots()));
///     assert!((1..=4).contains(&p.sessions.len()));
/// }
/// assert_eq!(tiny_random_v2g(3), tiny_random_v2g(3));
/// ```
pub fn tiny_random_v2g(seed: u64) -> V2gProblem {
    let mut rng = SplitMix64::salted(seed.wrapping_mul(0x9FB2_1C65_1E98_DF25), V2G_SALT);
    let slots = rng.int(2, 8);
    let slot_minutes = rng.pick(&[15_u32, 30, 60], 60);
    let hours = f64::from(slot_minutes) / 60.0;
    let session_count = rng.int(1, 4);

    let mut chargers: Vec<Charger> = Vec::new();
    let mut busy: Vec<Vec<bool>> = Vec::new();
    let mut sessions = Vec::with_capacity(session_count);
    let mut v2g_sessions = Vec::with_capacity(session_count);
    for n in 0..session_count {
        // Sometimes share an existing charger, when it still has a free slot.
        let shared = if !chargers.is_empty() && rng.chance(0.3) {
            let candidate = rng.int(0, chargers.len() - 1);
            busy.get(candidate)
                .is_some_and(|b| b.iter().any(|&taken| !taken))
                .then_some(candidate)
        } else {
            None
        };
        let charger = match shared {
            Some(index) => index,
            None => {
                chargers.push(Charger {
                    id: format!("C{}", chargers.len() + 1),
                    max_kw: round_to(rng.range(3.0, 50.0), 0.5),
                    efficiency: if rng.chance(0.15) {
                        1.0
                    } else {
                        round_to(rng.range(0.85, 0.99), 0.01)
                    },
                    v2g: rng.chance(0.6),
                });
                busy.push(vec![false; slots]);
                chargers.len() - 1
            }
        };
        let (Some(occupied), Some(spec)) = (busy.get_mut(charger), chargers.get(charger)) else {
            continue;
        };
        let free: Vec<usize> = (0..slots)
            .filter(|&t| !occupied.get(t).copied().unwrap_or(true))
            .collect();
        // Half the stays run from the first free slot as long as the charger is free
        // (long stays are where discharge pays), the others are random.
        let (first, length) = if rng.chance(0.5) {
            (free.first().copied().unwrap_or(0), slots)
        } else {
            (rng.pick(&free, 0), rng.int(1, slots))
        };
        let mut end = first + 1;
        while end < slots && end - first < length && !occupied.get(end).copied().unwrap_or(true) {
            end += 1;
        }
        for flag in occupied.iter_mut().take(end).skip(first) {
            *flag = true;
        }

        let max_kw = if rng.chance(0.3) {
            round_to(spec.max_kw * rng.range(0.4, 1.0), 0.5).max(0.5)
        } else {
            spec.max_kw
        };
        let battery_kwh = round_to(rng.range(20.0, 100.0), 1.0);
        let arrival_kwh = round_to(battery_kwh * rng.range(0.05, 0.9), 0.1);
        let deliverable = (end - first) as f64 * hours * max_kw * spec.efficiency;
        // Some sessions need little, leaving the charger free to cycle the battery.
        let need_share = if rng.chance(0.35) { 0.2 } else { 0.95 };
        let energy_kwh = round_down(
            (need_share * deliverable * rng.unit()).min(battery_kwh - arrival_kwh),
            0.1,
        )
        .max(0.0);
        let reserved_kwh = if rng.chance(0.3) {
            round_down(energy_kwh * rng.unit(), 0.1)
        } else {
            0.0
        };
        sessions.push(Session {
            vehicle: format!("V{}", n + 1),
            charger,
            first_slot: first,
            end_slot: end,
            max_kw,
            energy_kwh,
            reserved_kwh,
            priority: rng.int(0, 2) as u32,
            battery_kwh,
            arrival_kwh,
        });
        v2g_sessions.push(V2gSession {
            discharge_kw: if rng.chance(0.8) {
                round_to(rng.range(1.0, 1.2 * max_kw), 0.5)
            } else {
                0.0
            },
            floor_kwh: round_to(battery_kwh * rng.range(0.0, 0.8), 0.1),
            degradation_per_kwh: match rng.int(0, 9) {
                0 => 0.0,
                1..=3 => round_to(rng.range(0.1, 3.0), 0.1),
                _ => round_to(rng.range(3.0, 20.0), 0.1),
            },
            max_discharge_kwh: if rng.chance(0.4) {
                round_to(rng.range(0.0, 0.5 * battery_kwh), 0.1)
            } else {
                f64::INFINITY
            },
        });
    }

    // A quiet site on some seeds, so that discharge exceeds the site's load and is exported.
    let base_high = if rng.chance(0.5) { 5.0 } else { 30.0 };
    let base_kw: Vec<f64> = (0..slots)
        .map(|_| round_to(rng.range(0.0, base_high), 0.5))
        .collect();
    let energy_price: Vec<f64> = (0..slots)
        .map(|_| round_to(rng.range(5.0, 40.0), 0.1))
        .collect();
    // Spot-like: mostly below the import price, sometimes above it (then capped).
    let export_price: Vec<f64> = energy_price
        .iter()
        .map(|&import| round_to(import * rng.range(0.3, 1.3), 0.1))
        .collect();

    let start = NaiveDate::from_ymd_opt(2024, 7, 1)
        .and_then(|d| d.and_hms_opt(17, 0, 0))
        .unwrap_or_default();
    let mut charging = Problem {
        start,
        slot_minutes,
        base_kw,
        import_cap_kw: 0.0,
        ratchet_kw: 0.0,
        energy_price,
        demand_price_per_kw: 0.0,
        unmet_price_per_kwh: round_to(rng.range(10.0, 200.0), 1.0),
        chargers,
        sessions,
    };
    let needed = round_up(uncontrolled_peak(&charging), 0.5);
    charging.import_cap_kw = if rng.chance(0.3) {
        needed
    } else {
        round_up(needed * rng.range(1.0, 1.5), 0.5)
    };
    charging.ratchet_kw = if rng.chance(0.2) {
        charging.import_cap_kw + 10.0
    } else {
        round_to(rng.range(0.0, charging.import_cap_kw), 0.5)
    };
    charging.demand_price_per_kw = if rng.chance(0.25) {
        0.0
    } else {
        round_to(rng.range(10.0, 500.0), 1.0)
    };
    let export_cap_kw = if rng.chance(0.6) {
        round_to(rng.range(1.0, 40.0), 0.5)
    } else {
        0.0
    };

    V2gProblem {
        charging,
        export_price,
        export_cap_kw,
        sessions: v2g_sessions,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depot_is_valid_and_has_v2g_and_caps() {
        for (vehicles, days, seed) in [(1, 1, 1), (30, 1, 2), (20, 3, 3)] {
            let p = v2g_depot(vehicles, days, seed);
            p.validate().unwrap();
            assert!(p.charging.import_cap_kw >= uncontrolled_peak(&p.charging) - 1e-9);
            for (i, (s, v)) in p.charging.sessions.iter().zip(&p.sessions).enumerate() {
                assert!(s.arrival_kwh + s.energy_kwh <= 0.95 * s.battery_kwh + 1e-9);
                assert!((2.0..=15.0).contains(&v.degradation_per_kwh));
                if !p.charging.chargers[s.charger].v2g {
                    assert_eq!(p.discharge_limit_kw(i), 0.0);
                }
            }
        }
        let p = v2g_depot(40, 1, 5);
        assert!(p.charging.chargers.iter().any(|c| c.v2g));
        assert!(p.charging.chargers.iter().any(|c| !c.v2g));
        assert!(p.sessions.iter().any(|v| v.max_discharge_kwh.is_finite()));
        assert!((0..20).any(|seed| v2g_depot(5, 1, seed).export_cap_kw > 0.0));
        assert!((0..20).any(|seed| v2g_depot(5, 1, seed).export_cap_kw == 0.0));
    }

    #[test]
    fn depot_prices_have_an_evening_peak() {
        let p = v2g_depot(5, 1, 11);
        // Slot 0 is Monday noon; 18:00 is slot 12, 01:00 is slot 26.
        assert!(p.export_price[12] > p.export_price[0]);
        assert!(p.export_price[12] > p.export_price[26]);
        assert!(p.export_price.iter().all(|&x| x >= 0.01));
    }

    #[test]
    fn tiny_random_covers_the_cases() {
        let problems: Vec<V2gProblem> = (0..300).map(tiny_random_v2g).collect();
        for p in &problems {
            p.validate().unwrap();
            assert!(p.charging.import_cap_kw >= uncontrolled_peak(&p.charging) - 1e-9);
        }
        assert!(problems.iter().any(|p| p.export_cap_kw > 0.0));
        assert!(problems.iter().any(|p| p.export_cap_kw == 0.0));
        assert!(problems
            .iter()
            .any(|p| p.charging.demand_price_per_kw == 0.0));
        assert!(problems
            .iter()
            .any(|p| p.charging.ratchet_kw > p.charging.import_cap_kw));
        assert!(problems
            .iter()
            .any(|p| p.charging.sessions.iter().any(|s| s.reserved_kwh > 0.0)));
        assert!(problems.iter().any(|p| (0..p.sessions.len())
            .any(|i| p.sessions[i].discharge_kw > 0.0 && p.discharge_limit_kw(i) == 0.0)));
        assert!(problems.iter().any(
            |p| (0..p.charging.slots()).any(|t| p.export_price[t] > p.charging.energy_price[t])
        ));
        assert!(problems.iter().any(|p| {
            let s = &p.charging.sessions;
            (0..s.len()).any(|i| (i + 1..s.len()).any(|j| s[i].charger == s[j].charger))
        }));
    }
}
