//! Seeded problem generators for tests and benchmarks.
//!
//! - [`synthetic_depot`] — a realistic depot (office/workshop base load, TEPCO-like
//!   time-of-use prices, overnight sessions on AC and DC chargers) of any size, the instances
//!   the scheduler benchmark runs;
//! - [`tiny_random`] — small arbitrary problems (feasible or not) for property tests that
//!   compare strategies with a reference solver.
//!
//! Both are deterministic functions of their arguments: the same seed gives the same problem
//! on every machine, so a failing property test or a benchmark figure can be reproduced. The
//! random numbers come from a small SplitMix64 generator written here, so the engine needs no
//! random-number dependency and the sequence can never change under a dependency upgrade.

use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike, Weekday};

use super::problem::{Charger, Problem, Session};

/// Slots per generated day: 30-minute slots from noon to the next noon.
const SLOTS_PER_DAY: usize = 48;

/// SplitMix64 (Steele, Lea & Flood 2014): tiny, fast, full-period, good enough statistically
/// for test data. Shared by the crate's generators, each with its own salt (`v2g::generate`).
pub(crate) struct SplitMix64(u64);

impl SplitMix64 {
    fn new(seed: u64) -> Self {
        Self::salted(seed, 0x5851_F42D_4C95_7F2D)
    }

    /// A stream for `seed` that differs from other generators' streams of the same seed.
    pub(crate) fn salted(seed: u64, salt: u64) -> Self {
        // Mix the seed once so that seeds 0, 1, 2 … do not start in similar states.
        let mut rng = SplitMix64(seed ^ salt);
        rng.next_u64();
        rng
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1): the top 53 bits as the mantissa.
    pub(crate) fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in [lo, hi).
    pub(crate) fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }

    /// Uniform integer in lo..=hi (lo when hi < lo).
    pub(crate) fn int(&mut self, lo: usize, hi: usize) -> usize {
        let span = hi.saturating_sub(lo) as u64 + 1;
        // The modulo bias is below 2^-50 for these small spans: irrelevant for test data.
        lo + (self.next_u64() % span) as usize
    }

    /// True with probability `p`.
    pub(crate) fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// One of `items`, or `fallback` when `items` is empty.
    pub(crate) fn pick<T: Copy>(&mut self, items: &[T], fallback: T) -> T {
        items
            .get(self.int(0, items.len().saturating_sub(1)))
            .copied()
            .unwrap_or(fallback)
    }
}

fn noon_2024_04_01() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2024, 4, 1)
        .and_then(|d| d.and_hms_opt(12, 0, 0))
        .unwrap_or_default()
}

/// Round `value` to `step` (prices and loads as a meter or tariff sheet would show them).
fn round_to(value: f64, step: f64) -> f64 {
    (value / step).round() * step
}

/// A seeded depot of `vehicles` vehicles over `days` days (at least one) of 30-minute slots,
/// starting Monday 2024-04-01 at noon.
///
/// Each day runs from noon to the next noon (48 slots), so a night's charging lies inside one
/// day. Every vehicle has its own charger — 70 % AC (7, 11 or 22 kW), 30 % DC 50 kW, efficiency
/// 0.90–0.95 — and one session per day (its `vehicle` id repeats over the days):
/// about 85 % overnight (arrival 15:00–21:00, departure 05:00–09:00), the rest day-time visits
/// between noon and 18:00. A session needs 10–60 % of its 40–80 kWh battery, never more than
/// 90 % of what its window can deliver at full power, so every session alone is feasible;
/// about 5 % carry a reservation. The base load follows an office/workshop curve (high from
/// 08:00 to 18:00 on weekdays) scaled with the fleet; energy prices follow a TEPCO-like
/// time-of-use table (17.8 JPY/kWh at night up to 29.8 JPY/kWh in the weekday afternoon).
/// The import cap is the uncontrolled (charge-on-arrival) peak plus 2 %, so availability
/// mode is always feasible; the ratchet lies between the base peak and the base peak + 40 %
/// of the fleet's charging power; demand costs 1,900 JPY/kW-month × 12 months, unmet energy
/// 100 JPY/kWh.
///
/// ```
/// use voltlex_engine::schedule::generate::synthetic_depot;
///
/// let depot = synthetic_depot(20, 2, 7);
/// assert!(depot.validate().is_ok());
/// assert_eq!(depot.slots(), 96);
/// assert_eq!(depot.chargers.len(), 20);
/// assert_eq!(depot.sessions.len(), 40);
/// assert_eq!(depot.demand_price_per_kw, 22_800.0);
/// // The same seed gives the same depot.
/// assert_eq!(depot, synthetic_depot(20, 2, 7));
/// // Every session can be served at its charger's full power.
/// for s in &depot.sessions {
///     let deliverable = s.window_len() as f64 * 0.5 * s.max_kw * depot.chargers[s.charger].efficiency;
///     assert!(s.energy_kwh <= deliverable);
/// }
/// ```
pub fn synthetic_depot(vehicles: usize, days: usize, seed: u64) -> Problem {
    let days = days.max(1);
    let slots = SLOTS_PER_DAY * days;
    let slot_hours = 0.5;
    let start = noon_2024_04_01();
    let mut rng = SplitMix64::new(seed);

    // Chargers and the vehicles' own limits (the on-board charger caps AC power).
    let mut chargers = Vec::with_capacity(vehicles);
    let mut vehicle_limits = Vec::with_capacity(vehicles);
    for v in 0..vehicles {
        let dc = rng.chance(0.3);
        let max_kw = if dc {
            50.0
        } else {
            rng.pick(&[7.0, 7.0, 11.0, 11.0, 22.0], 7.0)
        };
        let on_board_kw = if dc {
            rng.pick(&[50.0, 50.0, 40.0], 50.0)
        } else {
            rng.pick(&[7.4, 11.0, 11.0, 22.0], 11.0)
        };
        chargers.push(Charger {
            id: format!("{}{:05}", if dc { "DC" } else { "AC" }, v + 1),
            max_kw,
            efficiency: round_to(rng.range(0.90, 0.95), 0.005),
            v2g: dc && rng.chance(0.2),
        });
        vehicle_limits.push((
            round_to(rng.range(40.0, 80.0), 1.0), // battery kWh
            max_kw.min(on_board_kw),
        ));
    }

    // Base load: offices and workshop by day, lighting and IT at night; weekends quieter.
    // Scaled with the fleet so that the charging load matters as it does at a real depot.
    let scale = 20.0 + 1.2 * vehicles as f64;
    let base_kw: Vec<f64> = (0..slots)
        .map(|slot| {
            let at = start + chrono::Duration::minutes(30 * slot as i64);
            let hour = f64::from(at.hour()) + f64::from(at.minute()) / 60.0;
            let weekend = matches!(at.weekday(), Weekday::Sat | Weekday::Sun);
            let shape = if (8.0..18.0).contains(&hour) {
                if weekend {
                    0.45
                } else {
                    1.0
                }
            } else if (7.0..8.0).contains(&hour) || (18.0..20.0).contains(&hour) {
                0.6
            } else {
                0.3
            };
            round_to(scale * shape * rng.range(0.95, 1.05), 0.1)
        })
        .collect();

    // TEPCO-like time-of-use energy price, JPY/kWh (energy charge plus per-kWh surcharges).
    let energy_price: Vec<f64> = (0..slots)
        .map(|slot| {
            let at = start + chrono::Duration::minutes(30 * slot as i64);
            let hour = at.hour();
            let weekend = matches!(at.weekday(), Weekday::Sat | Weekday::Sun);
            match hour {
                23 | 0..=5 => 17.8,
                6 | 22 => 19.4,
                10..=16 if !weekend => 29.8,
                _ => 25.6,
            }
        })
        .collect();

    // Sessions: one per vehicle per day.
    let mut sessions = Vec::with_capacity(vehicles * days);
    for day in 0..days {
        let day_start = day * SLOTS_PER_DAY;
        for (v, (&(battery_kwh, max_kw), charger)) in
            vehicle_limits.iter().zip(&chargers).enumerate()
        {
            // Slot offsets from noon: 15:00 = 6, 21:00 = 18, 05:00 = 34, 09:00 = 42.
            let (first, end) = if rng.chance(0.85) {
                (rng.int(6, 18), rng.int(34, 42))
            } else {
                let first = rng.int(0, 4);
                (first, (first + rng.int(4, 10)).min(12))
            };
            let window = (end - first) as f64;
            let deliverable = window * slot_hours * max_kw * charger.efficiency;
            let arrival_kwh = round_to(battery_kwh * rng.range(0.1, 0.3), 0.1);
            let wanted = battery_kwh * rng.range(0.1, 0.6);
            let energy_kwh = round_to(wanted.min(0.9 * deliverable), 0.1);
            let reserved_kwh = if rng.chance(0.05) {
                round_to(energy_kwh * rng.range(0.5, 1.0), 0.1).min(energy_kwh)
            } else {
                0.0
            };
            sessions.push(Session {
                vehicle: format!("EV{:05}", v + 1),
                charger: v,
                first_slot: day_start + first,
                end_slot: day_start + end,
                max_kw,
                energy_kwh,
                reserved_kwh,
                priority: rng.int(0, 3) as u32,
                battery_kwh,
                arrival_kwh,
            });
        }
    }

    // The uncontrolled peak: every session at full power from arrival until it is done. A cap
    // at that level makes availability mode feasible by construction.
    let mut uncontrolled = base_kw.clone();
    for (session, charger) in sessions
        .iter()
        .filter_map(|s| chargers.get(s.charger).map(|c| (s, c)))
    {
        let mut left = session.energy_kwh;
        for load in uncontrolled
            .iter_mut()
            .take(session.end_slot)
            .skip(session.first_slot)
        {
            if left <= 0.0 {
                break;
            }
            let kw = session.max_kw.min(left / (slot_hours * charger.efficiency));
            *load += kw;
            left -= kw * slot_hours * charger.efficiency;
        }
    }
    let peak = |series: &[f64]| series.iter().copied().fold(0.0, f64::max);
    let import_cap_kw = (peak(&uncontrolled) * 1.02 / 10.0).ceil() * 10.0;
    let fleet_max_kw: f64 = vehicle_limits.iter().map(|&(_, kw)| kw).sum();
    let ratchet_kw =
        round_to(peak(&base_kw) + rng.range(0.0, 0.4) * fleet_max_kw, 1.0).min(import_cap_kw);

    Problem {
        start,
        slot_minutes: 30,
        base_kw,
        import_cap_kw,
        ratchet_kw,
        energy_price,
        demand_price_per_kw: 1_900.0 * 12.0,
        unmet_price_per_kwh: 100.0,
        chargers,
        sessions,
    }
}

/// A small arbitrary problem for property tests: 1–4 chargers, 1–5 sessions, 4–8 slots of
/// 60 minutes, random prices, base load, cap, ratchet and needs — feasible or not.
///
/// Sessions on the same charger never overlap (one vehicle per charger at a time); some
/// chargers carry several sessions. Needs go up to 130 % of what a window can deliver, and
/// the cap is sometimes below what the base load and the needs require, so availability mode
/// is sometimes infeasible; a few sessions carry reservations.
///
/// ```
/// use voltlex_engine::schedule::generate::tiny_random;
///
/// for seed in 0..50 {
///     let p = tiny_random(seed);
///     assert!(p.validate().is_ok());
///     assert!((4..=8).contains(&p.slots()));
///     assert!((1..=5).contains(&p.sessions.len()));
///     // Sessions on one charger are disjoint.
///     for (i, a) in p.sessions.iter().enumerate() {
///         for b in &p.sessions[i + 1..] {
///             if a.charger == b.charger {
///                 assert!(a.end_slot <= b.first_slot || b.end_slot <= a.first_slot);
///             }
///         }
///     }
/// }
/// ```
pub fn tiny_random(seed: u64) -> Problem {
    let mut rng = SplitMix64::new(seed.wrapping_mul(0x2545_F491_4F6C_DD1D));
    let slots = rng.int(4, 8);
    let charger_count = rng.int(1, 4);
    let wanted_sessions = rng.int(1, 5);

    let chargers: Vec<Charger> = (0..charger_count)
        .map(|c| Charger {
            id: format!("C{}", c + 1),
            max_kw: round_to(rng.range(3.0, 50.0), 0.5),
            efficiency: round_to(rng.range(0.85, 1.0), 0.01),
            v2g: false,
        })
        .collect();

    // Occupied slots per charger, so a new session only takes free slots.
    let mut busy = vec![vec![false; slots]; charger_count];
    let mut sessions = Vec::new();
    for n in 0..wanted_sessions {
        let charger = rng.int(0, charger_count - 1);
        let Some(occupied) = busy.get_mut(charger) else {
            continue;
        };
        // Start at a random free slot and extend over free slots for a random length.
        let free: Vec<usize> = (0..slots)
            .filter(|&t| !occupied.get(t).copied().unwrap_or(true))
            .collect();
        if free.is_empty() {
            continue;
        }
        let first = rng.pick(&free, 0);
        let mut end = first + 1;
        let length = rng.int(1, slots);
        while end < slots && end - first < length && !occupied.get(end).copied().unwrap_or(true) {
            end += 1;
        }
        for flag in occupied.iter_mut().take(end).skip(first) {
            *flag = true;
        }
        let Some(spec) = chargers.get(charger) else {
            continue;
        };
        let max_kw = if rng.chance(0.3) {
            round_to(spec.max_kw * rng.range(0.4, 1.0), 0.5).max(0.5)
        } else {
            spec.max_kw
        };
        let deliverable = (end - first) as f64 * max_kw * spec.efficiency;
        let energy_kwh = round_to(deliverable * rng.range(0.0, 1.3), 0.1);
        let reserved_kwh = if rng.chance(0.25) {
            round_to(energy_kwh * rng.range(0.0, 1.0), 0.1).min(energy_kwh)
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
            // A battery with room for the need (no random draw: seeds keep their problems).
            battery_kwh: ((energy_kwh + 10.0) * 1.25).ceil(),
            arrival_kwh: 10.0,
        });
    }

    let base_kw: Vec<f64> = (0..slots)
        .map(|_| round_to(rng.range(0.0, 20.0), 0.5))
        .collect();
    let energy_price: Vec<f64> = (0..slots)
        .map(|_| round_to(rng.range(5.0, 40.0), 0.1))
        .collect();
    let base_peak = base_kw.iter().copied().fold(0.0, f64::max);
    let fleet_max: f64 = sessions.iter().map(|s| s.max_kw).sum();
    // Mostly room for the whole fleet, sometimes a binding or even impossible cap.
    let import_cap_kw = round_to(base_peak + fleet_max * rng.range(0.2, 1.2), 0.5);
    let ratchet_kw = round_to(rng.range(0.0, import_cap_kw), 0.5);

    Problem {
        start: noon_2024_04_01(),
        slot_minutes: 60,
        base_kw,
        import_cap_kw,
        ratchet_kw,
        energy_price,
        demand_price_per_kw: round_to(rng.range(0.0, 400.0), 1.0),
        unmet_price_per_kwh: round_to(rng.range(10.0, 200.0), 1.0),
        chargers,
        sessions,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depot_is_valid_feasible_and_realistic() {
        for (vehicles, days) in [(1, 1), (50, 1), (30, 7)] {
            let p = synthetic_depot(vehicles, days, 42);
            p.validate().unwrap();
            assert_eq!(p.sessions.len(), vehicles * days);
            let base_peak = p.base_kw.iter().copied().fold(0.0, f64::max);
            assert!(p.ratchet_kw >= base_peak.round() - 1.0);
            assert!(p.import_cap_kw >= p.ratchet_kw);
            for (i, s) in p.sessions.iter().enumerate() {
                let eff = p.chargers[s.charger].efficiency;
                assert!(s.energy_kwh <= s.window_len() as f64 * 0.5 * s.max_kw * eff);
                assert!(s.reserved_kwh <= s.energy_kwh);
                assert!(s.arrival_kwh + s.energy_kwh <= s.battery_kwh);
                for t in &p.sessions[i + 1..] {
                    if t.charger == s.charger {
                        assert!(s.end_slot <= t.first_slot || t.end_slot <= s.first_slot);
                    }
                }
            }
            // Night is cheaper than the weekday afternoon, with several levels.
            let mut levels = p.energy_price.clone();
            levels.sort_by(f64::total_cmp);
            levels.dedup();
            assert!(levels.len() >= 3);
            assert_eq!(p.energy_price[0], 29.8); // Monday noon
            assert_eq!(p.energy_price[12], 25.6); // Monday 18:00
            assert_eq!(p.energy_price[26], 17.8); // Tuesday 01:00
        }
    }

    #[test]
    fn seeds_differ() {
        assert_ne!(synthetic_depot(10, 1, 1), synthetic_depot(10, 1, 2));
        assert_ne!(tiny_random(1), tiny_random(2));
        assert_eq!(tiny_random(9), tiny_random(9));
    }

    #[test]
    fn tiny_random_covers_shared_chargers() {
        let shared = (0..200).any(|seed| {
            let p = tiny_random(seed);
            p.sessions
                .iter()
                .enumerate()
                .any(|(i, a)| p.sessions[i + 1..].iter().any(|b| a.charger == b.charger))
        });
        assert!(shared);
    }
}
