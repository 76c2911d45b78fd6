//! Seeded synthetic histories for tests, examples and the 10,000-vehicle benchmark: depot
//! vans' trip logs and sites' base loads. Every draw comes from a ChaCha stream of
//! (seed, vehicle index) or (seed, 0) ([`crate::risk`]'s portable draws), so the same
//! arguments give the same numbers on every platform.

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, Timelike};
use rayon::prelude::*;

use super::{DayKind, Season};
use crate::inputs::LoadProfile;
use crate::read::Trip;
use crate::risk::random::{scenario_rng, Draws};

/// One van's habits.
struct Habits {
    /// Mean first departure, minutes after midnight (07:00–09:00).
    leave: f64,
    /// Its standard deviation, minutes.
    leave_sd: f64,
    /// Mean last return on a weekday, minutes after midnight (16:00–20:00).
    back: f64,
    /// Its standard deviation, minutes.
    back_sd: f64,
    /// Mean energy of a weekday, kWh (20–70).
    energy: f64,
    /// Its coefficient of variation.
    energy_cv: f64,
    /// Probability of driving on a weekday, a Saturday, a Sunday or holiday.
    drive: [f64; 3],
    /// Whether it comes back to the depot at midday (two trips a day).
    midday_break: bool,
}

impl Habits {
    fn draw(draws: &mut Draws<impl rand::RngCore>) -> Habits {
        let mut between = |low: f64, high: f64| low + (high - low) * draws.uniform();
        Habits {
            leave: between(7.0, 9.0) * 60.0,
            leave_sd: between(8.0, 25.0),
            back: between(16.0, 20.0) * 60.0,
            back_sd: between(15.0, 50.0),
            energy: between(20.0, 70.0),
            energy_cv: between(0.08, 0.2),
            drive: [between(0.9, 0.99), between(0.15, 0.75), between(0.0, 0.08)],
            midday_break: between(0.0, 1.0) < 0.3,
        }
    }
}

/// Seeded synthetic trip logs of depot vans, one stream per vehicle: each van has its own
/// habits — first departure around a mean between 07:00 and 09:00, last return around a
/// mean between 16:00 and 20:00, 20–70 kWh a weekday (15 % more in winter, 8 % more in
/// summer), drives on 90–99 % of weekdays, 15–75 % of Saturdays (shorter days: back about
/// 3 hours earlier, 60 % of the energy) and at most 8 % of Sundays and Japanese holidays;
/// three vans in ten come back to the depot for a midday break (two trips a day). Times are
/// whole minutes, energies tenths of a kWh.
///
/// `vehicles` are `(vehicle, site)` pairs; vehicle `k`'s log depends only on `seed`, `k`,
/// `first_day` and `days`. Trips come grouped by vehicle, each vehicle's in time order.
///
/// ```
/// use chrono::NaiveDate;
/// use voltlex_engine::vpp::forecast::synthetic::trip_log;
/// let vans = vec![("V1".to_string(), "S1".to_string()), ("V2".to_string(), "S1".to_string())];
/// let first = NaiveDate::from_ymd_opt(2024, 4, 1).unwrap();
/// let trips = trip_log(&vans, first, 28, 42);
/// assert_eq!(trips, trip_log(&vans, first, 28, 42)); // seeded
/// assert!(trips.len() >= 2 * 20); // about 20 weekdays each
/// assert!(trips.iter().all(|t| t.arrival > t.departure && t.energy_kwh > 0.0));
/// ```
pub fn trip_log(
    vehicles: &[(String, String)],
    first_day: NaiveDate,
    days: usize,
    seed: u64,
) -> Vec<Trip> {
    let calendar: Vec<(NaiveDate, DayKind, Season)> = first_day
        .iter_days()
        .take(days)
        .map(|day| (day, DayKind::of(day), Season::of(day)))
        .collect();
    let logs: Vec<Vec<Trip>> = vehicles
        .par_iter()
        .enumerate()
        .map(|(index, (vehicle, site))| {
            let mut draws = Draws::new(scenario_rng(seed, index));
            let habits = Habits::draw(&mut draws);
            let mut trips = Vec::with_capacity(days * 2);
            for &(day, kind, season) in &calendar {
                van_day(
                    &mut draws, &habits, vehicle, site, day, kind, season, &mut trips,
                );
            }
            trips
        })
        .collect();
    logs.into_iter().flatten().collect()
}

/// One van's trips of one day (none if it does not drive).
#[allow(clippy::too_many_arguments)]
fn van_day(
    draws: &mut Draws<impl rand::RngCore>,
    habits: &Habits,
    vehicle: &str,
    site: &str,
    day: NaiveDate,
    kind: DayKind,
    season: Season,
    trips: &mut Vec<Trip>,
) {
    // Draw everything every day so a day's numbers do not depend on whether it drove before.
    let drive = draws.uniform() < habits.drive.get(kind as usize).copied().unwrap_or(0.0);
    let leave_noise = draws.normal();
    let back_noise = draws.normal();
    let energy_noise = draws.normal();
    let lunch = draws.uniform();
    if !drive {
        return;
    }
    let short_day = kind != DayKind::Weekday;
    let leave = (habits.leave + habits.leave_sd * leave_noise + if short_day { 30.0 } else { 0.0 })
        .clamp(5.0 * 60.0, 11.0 * 60.0)
        .round();
    let back = (habits.back + habits.back_sd * back_noise - if short_day { 180.0 } else { 0.0 })
        .clamp(leave + 120.0, 23.0 * 60.0 + 30.0)
        .round();
    let season_factor = match season {
        Season::Winter => 1.15,
        Season::Summer => 1.08,
        Season::Spring | Season::Autumn => 1.0,
    };
    let day_factor = if short_day { 0.6 } else { 1.0 };
    let energy =
        (habits.energy * season_factor * day_factor * (1.0 + habits.energy_cv * energy_noise))
            .max(2.0);
    let Some(midnight) = day.and_hms_opt(0, 0, 0) else {
        return;
    };
    let at = |minutes: f64| midnight + Duration::minutes(minutes as i64);
    let trip = |departure: f64, arrival: f64, kwh: f64| Trip {
        vehicle: vehicle.to_string(),
        site: site.to_string(),
        departure: at(departure),
        arrival: at(arrival),
        energy_kwh: (kwh * 10.0).round() / 10.0,
    };
    let lunch_back = (12.0 * 60.0 + 60.0 * lunch).round();
    if habits.midday_break && leave + 60.0 <= lunch_back && lunch_back + 105.0 <= back {
        let lunch_leave = lunch_back + 45.0;
        let morning = lunch_back - leave;
        let afternoon = back - lunch_leave;
        let share = morning / (morning + afternoon);
        trips.push(trip(leave, lunch_back, energy * share));
        trips.push(trip(lunch_leave, back, energy * (1.0 - share)));
    } else {
        trips.push(trip(leave, back, energy));
    }
}

/// Seeded synthetic base load of a site (offices and a warehouse) as a 30-minute
/// [`LoadProfile`] of `days` days from `first_day` 00:00: on weekdays about 30 % of
/// `site_peak_kw` at night, 90–100 % from 08:30 to 17:00 with a lunch dip; on Saturdays a
/// half-day at about 55 %; on Sundays and Japanese holidays about 30 % all day. Summer
/// afternoons (June to September, 10:00–18:00) draw 10 % more (air conditioning), winter
/// mornings 5 % more. Noise: each day a factor of 1 ± 4 % (standard deviation), each slot
/// 1 ± 3 %.
///
/// ```
/// use chrono::NaiveDate;
/// use voltlex_engine::vpp::forecast::synthetic::base_load;
/// let first = NaiveDate::from_ymd_opt(2024, 4, 1).unwrap(); // a Monday
/// let load = base_load(200.0, first, 7, 9);
/// assert_eq!((load.interval_minutes, load.kwh.len()), (30, 7 * 48));
/// let kw = |slot| load.average_kw(slot).unwrap();
/// assert!(kw(28) > 150.0 && kw(6) < 80.0); // Monday 14:00 vs 03:00
/// assert!(kw(6 * 48 + 28) < 80.0); // Sunday 14:00
/// assert_eq!(load, base_load(200.0, first, 7, 9));
/// ```
pub fn base_load(site_peak_kw: f64, first_day: NaiveDate, days: usize, seed: u64) -> LoadProfile {
    let start = first_day.and_hms_opt(0, 0, 0).unwrap_or_default();
    let mut draws = Draws::new(scenario_rng(seed, 0));
    let mut kwh = Vec::with_capacity(days * 48);
    for day in first_day.iter_days().take(days) {
        let kind = DayKind::of(day);
        let day_factor = 1.0 + 0.04 * draws.normal();
        for slot in 0..48 {
            let at = NaiveDateTime::new(day, chrono::NaiveTime::MIN) + Duration::minutes(30 * slot);
            let hour = f64::from(at.hour()) + f64::from(at.minute()) / 60.0;
            let seasonal = match day.month() {
                6..=9 if (10.0..18.0).contains(&hour) => 1.10,
                12 | 1 | 2 if (7.0..10.0).contains(&hour) => 1.05,
                _ => 1.0,
            };
            let noise = 1.0 + 0.03 * draws.normal();
            let kw = site_peak_kw * shape(kind, hour) * seasonal * day_factor * noise;
            kwh.push(kw.max(0.0) * 0.5);
        }
    }
    LoadProfile {
        start,
        interval_minutes: 30,
        kwh,
    }
}

/// Share of the peak by day kind and hour of the day (slot start).
fn shape(kind: DayKind, hour: f64) -> f64 {
    match kind {
        DayKind::Weekday => match hour {
            h if h < 6.0 => 0.30,
            h if h < 8.5 => 0.30 + 0.60 * (h - 6.0) / 2.5,
            h if h < 12.0 => 0.92,
            h if h < 13.0 => 0.78,
            h if h < 17.0 => 0.97,
            h if h < 20.0 => 0.97 - 0.57 * (h - 17.0) / 3.0,
            _ => 0.34,
        },
        DayKind::Saturday => match hour {
            h if h < 8.0 => 0.29,
            h if h < 13.0 => 0.55,
            h if h < 15.0 => 0.42,
            _ => 0.30,
        },
        DayKind::SundayOrHoliday => match hour {
            h if (9.0..17.0).contains(&h) => 0.32,
            _ => 0.28,
        },
    }
}
