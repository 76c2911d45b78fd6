//! Per-vehicle usage: when each vehicle is back at its depot, when it leaves and how much
//! energy its next day's trips take, as quantiles at the plan's confidence.
//!
//! **The overnight stay of day D** (what a day-ahead plan from noon on D needs):
//! - *arrival*: when the vehicle is back for good before D+1 — the latest return of the
//!   trips that leave before D+1 00:00, or D 00:00 if it was back before D began (a vehicle
//!   that does not drive on D is there all day); minutes after D 00:00, past 1,440 when it
//!   comes back after midnight;
//! - *departure*: its first departure on D+1, minutes after D+1 00:00;
//! - *energy*: the sum of `energy_kwh` over the trips that leave on D+1 (battery side);
//! - the stay exists only if the vehicle drives on D+1. Trips belong to the day they leave.
//!
//! [`UsageModel::fit`] collects these three samples for every night of every vehicle's
//! history, keyed by [`DayKind`] and [`Season`] (of D for the arrival, of D+1 for the
//! departure and the energy), and sorts them once. [`UsageModel::predict`] reads the
//! quantiles at the confidence `p` (type 7, [`quantile_sorted`]): arrival at `p` (late),
//! departure at `1 − p` (early), energy at `p` (high), so each holds with probability about
//! `p`. Keys with fewer than [`MIN_SAMPLES`] samples fall back along [`Level`].
//!
//! [`backtest_usage`] fits on all but the last days of a log and scores every held-out stay.

use chrono::{Duration, NaiveDate, NaiveDateTime};
use rayon::prelude::*;
use std::collections::HashMap;

use super::{
    cell, check_confidence, fallback_quantile, Cells, ForecastError, Level, Season, MIN_SAMPLES,
};
use crate::read::Trip;

pub use crate::risk::model::DayKind;

#[cfg(doc)]
use super::quantile_sorted;

/// A vehicle's predicted overnight stay starting on day D: back at `site` by `arrival`,
/// leaving at `departure` (on D+1), needing `energy_kwh` (battery side) for D+1's trips.
/// `arrival ≤ departure` always: if the quantiles cross (a vehicle back after its usual
/// next departure) the stay is empty, `arrival = departure`.
///
/// ```
/// use chrono::NaiveDate;
/// use voltlex_engine::vpp::forecast::{synthetic, Level, UsageModel};
/// let vans = vec![("V1".to_string(), "S1".to_string())];
/// let first = NaiveDate::from_ymd_opt(2024, 4, 1).unwrap();
/// let model = UsageModel::fit(&synthetic::trip_log(&vans, first, 90, 1));
/// let wednesday = NaiveDate::from_ymd_opt(2024, 6, 26).unwrap();
/// let stay = model.predict("V1", wednesday, 0.9).unwrap();
/// assert_eq!((stay.vehicle.as_str(), stay.site.as_str()), ("V1", "S1"));
/// assert_eq!(stay.arrival.date(), wednesday);
/// assert_eq!(stay.departure.date(), wednesday.succ_opt().unwrap());
/// assert_eq!(stay.energy_level, Level::VehicleDayKindSeason);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct PredictedStay {
    /// The vehicle.
    pub vehicle: String,
    /// Its home site: the site of its latest trip in the history.
    pub site: String,
    /// Back by (on D, or after midnight on D+1).
    pub arrival: NaiveDateTime,
    /// Leaves at (on D+1).
    pub departure: NaiveDateTime,
    /// Energy D+1's trips take, kWh (battery side).
    pub energy_kwh: f64,
    /// The confidence the stay was predicted at.
    pub confidence: f64,
    /// The key the arrival was read from.
    pub arrival_level: Level,
    /// The key the departure was read from.
    pub departure_level: Level,
    /// The key the energy was read from.
    pub energy_level: Level,
}

impl PredictedStay {
    /// Whether every quantity came from the vehicle's finest key (no fallback).
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use voltlex_engine::vpp::forecast::{synthetic, UsageModel};
    /// let vans = vec![("V1".to_string(), "S1".to_string())];
    /// let first = NaiveDate::from_ymd_opt(2024, 4, 1).unwrap();
    /// let model = UsageModel::fit(&synthetic::trip_log(&vans, first, 90, 1));
    /// let day = NaiveDate::from_ymd_opt(2024, 6, 26).unwrap();
    /// assert!(model.predict("V1", day, 0.9).unwrap().is_finest());
    /// ```
    pub fn is_finest(&self) -> bool {
        [self.arrival_level, self.departure_level, self.energy_level]
            .iter()
            .all(|level| *level == Level::VehicleDayKindSeason)
    }
}

/// Samples of one entity (a vehicle, or a site's stays).
#[derive(Debug, Clone, Default, PartialEq)]
struct Samples {
    /// Minutes after D 00:00.
    arrival: Cells,
    /// Minutes after D+1 00:00.
    departure: Cells,
    /// kWh.
    energy: Cells,
}

impl Samples {
    fn new(stays: &[(NightKeys, Observed)]) -> Samples {
        let arrival = stays
            .iter()
            .map(|(keys, stay)| (keys.arrival, stay.arrival))
            .collect();
        let departure = stays
            .iter()
            .map(|(keys, stay)| (keys.next, stay.departure))
            .collect();
        let energy = stays
            .iter()
            .map(|(keys, stay)| (keys.next, stay.energy))
            .collect();
        Samples {
            arrival: Cells::new(arrival),
            departure: Cells::new(departure),
            energy: Cells::new(energy),
        }
    }
}

/// What the model keeps of one vehicle.
#[derive(Debug, Clone, PartialEq)]
struct VehicleHistory {
    id: String,
    /// Index into `UsageModel::sites`.
    site: usize,
    samples: Samples,
    /// Days of each day kind from the vehicle's first trip to the model's last day, and
    /// days it drove on (left on at least one trip).
    counts: DriveCounts,
}

/// Days of each kind and, of them, days driven on.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct DriveCounts {
    days: [u32; 3],
    driving: [u32; 3],
}

impl DriveCounts {
    fn add(&mut self, other: &DriveCounts) {
        for (mine, theirs) in self.days.iter_mut().zip(other.days) {
            *mine += theirs;
        }
        for (mine, theirs) in self.driving.iter_mut().zip(other.driving) {
            *mine += theirs;
        }
    }

    /// (days driven, days) of a kind, or of all kinds.
    fn of(&self, kind: Option<DayKind>) -> (u32, u32) {
        match kind {
            Some(kind) => (
                self.driving.get(kind as usize).copied().unwrap_or(0),
                self.days.get(kind as usize).copied().unwrap_or(0),
            ),
            None => (self.driving.iter().sum(), self.days.iter().sum()),
        }
    }
}

/// Whether a plan at confidence `p` needs a stay for a vehicle before a day of this kind:
/// it drove on some day of the kind and on a share of at least `1 − p` of them. The share
/// is the vehicle's own with at least [`MIN_SAMPLES`] days of the kind; else its site's
/// vehicles' (pooled) if they have that many; else the vehicle's own over the days of the
/// kind it has; else over all its days.
fn drives_on(vehicle: &DriveCounts, site: &DriveCounts, kind: DayKind, p: f64) -> bool {
    let enough = |(_, days): (u32, u32)| days as usize >= MIN_SAMPLES;
    let some = |(_, days): (u32, u32)| days > 0;
    let (driving, days) = [vehicle.of(Some(kind)), site.of(Some(kind))]
        .into_iter()
        .find(|counts| enough(*counts))
        .or_else(|| Some(vehicle.of(Some(kind))).filter(|counts| some(*counts)))
        .unwrap_or_else(|| vehicle.of(None));
    // Compared in whole numbers of days where possible: driving / days ≥ 1 − p.
    driving > 0 && f64::from(driving) >= (1.0 - p) * f64::from(days) - 1e-9
}

/// A site's pooled samples.
#[derive(Debug, Clone, PartialEq)]
struct SiteHistory {
    id: String,
    samples: Samples,
    /// The day counts of the vehicles whose home it is, summed.
    counts: DriveCounts,
}

/// Per-vehicle usage quantiles learnt from a trip log.
///
/// ```
/// use chrono::NaiveDate;
/// use voltlex_engine::vpp::forecast::{synthetic, UsageModel};
/// let vans: Vec<(String, String)> =
///     (0..5).map(|i| (format!("V{i}"), "S1".to_string())).collect();
/// let first = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
/// let model = UsageModel::fit(&synthetic::trip_log(&vans, first, 60, 3));
/// assert_eq!(model.vehicles().count(), 5);
/// assert_eq!(model.last_day(), NaiveDate::from_ymd_opt(2024, 2, 29));
/// let night = NaiveDate::from_ymd_opt(2024, 3, 4).unwrap(); // a Monday
/// let (cautious, median) = (model.predict("V2", night, 0.9).unwrap(), model.predict("V2", night, 0.5).unwrap());
/// assert!(cautious.arrival >= median.arrival);
/// assert!(cautious.departure <= median.departure);
/// assert!(cautious.energy_kwh >= median.energy_kwh);
/// assert!(model.predict("nobody", night, 0.9).is_none());
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct UsageModel {
    /// Sorted by id.
    vehicles: Vec<VehicleHistory>,
    by_id: HashMap<String, usize>,
    sites: Vec<SiteHistory>,
    last_day: Option<NaiveDate>,
    ignored_trips: usize,
}

impl UsageModel {
    /// Learns from every trip of the log, up to the day the last trip leaves.
    ///
    /// Trips that cannot be right (an empty vehicle or site, an arrival not after the
    /// departure, an energy that is negative or not a number; [`crate::read::trips_csv`]
    /// refuses them all) are left out and counted: [`UsageModel::ignored_trips`].
    ///
    /// ```
    /// use voltlex_engine::vpp::forecast::UsageModel;
    /// let model = UsageModel::fit(&[]);
    /// assert_eq!((model.vehicles().count(), model.last_day()), (0, None));
    /// ```
    pub fn fit(trips: &[Trip]) -> UsageModel {
        let last_day = trips
            .iter()
            .filter(|trip| valid(trip))
            .map(|trip| trip.departure.date())
            .max();
        match last_day {
            Some(last_day) => UsageModel::fit_through(trips, last_day),
            None => UsageModel {
                vehicles: Vec::new(),
                by_id: HashMap::new(),
                sites: Vec::new(),
                last_day: None,
                ignored_trips: trips.len(),
            },
        }
    }

    /// Learns from the trips that leave on or before `last_day` (the history as known on
    /// that day; later trips are not used) and counts days through `last_day`, so a vehicle
    /// that stopped driving weeks before is seen as not driving.
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use voltlex_engine::vpp::forecast::{synthetic, UsageModel};
    /// let vans = vec![("V1".to_string(), "S1".to_string())];
    /// let first = NaiveDate::from_ymd_opt(2024, 4, 1).unwrap();
    /// let trips = synthetic::trip_log(&vans, first, 60, 1);
    /// let through = NaiveDate::from_ymd_opt(2024, 5, 10).unwrap();
    /// let model = UsageModel::fit_through(&trips, through);
    /// assert_eq!(model.last_day(), Some(through));
    /// ```
    pub fn fit_through(trips: &[Trip], last_day: NaiveDate) -> UsageModel {
        let ignored_trips = trips.iter().filter(|trip| !valid(trip)).count();
        let fleet = group(trips, last_day);
        let calendar = Calendar::of_fleet(&fleet, last_day);
        let observed: Vec<(&str, VehicleObservation)> = fleet
            .par_iter()
            .map(|(vehicle, trips)| (*vehicle, observe(trips, last_day, &calendar)))
            .collect();

        let mut site_ids: Vec<&str> = observed
            .iter()
            .flat_map(|(_, observation)| {
                std::iter::once(observation.home)
                    .chain(observation.stays.iter().map(|(_, stay)| stay.site))
            })
            .collect();
        site_ids.sort_unstable();
        site_ids.dedup();
        let site_index: HashMap<&str, usize> = site_ids
            .iter()
            .enumerate()
            .map(|(index, id)| (*id, index))
            .collect();

        let mut per_site: Vec<Vec<(NightKeys, Observed)>> = vec![Vec::new(); site_ids.len()];
        for (_, observation) in &observed {
            for (keys, stay) in &observation.stays {
                if let Some(list) = site_index
                    .get(stay.site)
                    .and_then(|&index| per_site.get_mut(index))
                {
                    list.push((*keys, *stay));
                }
            }
        }
        let mut site_counts = vec![DriveCounts::default(); site_ids.len()];
        for (_, observation) in &observed {
            if let Some(counts) = site_index
                .get(observation.home)
                .and_then(|&index| site_counts.get_mut(index))
            {
                counts.add(&observation.counts);
            }
        }
        let sites: Vec<SiteHistory> = site_ids
            .par_iter()
            .zip(per_site.par_iter())
            .zip(site_counts.par_iter())
            .map(|((id, stays), counts)| SiteHistory {
                id: (*id).to_string(),
                samples: Samples::new(stays),
                counts: *counts,
            })
            .collect();
        let vehicles: Vec<VehicleHistory> = observed
            .par_iter()
            .map(|(id, observation)| VehicleHistory {
                id: (*id).to_string(),
                site: site_index.get(observation.home).copied().unwrap_or(0),
                samples: Samples::new(&observation.stays),
                counts: observation.counts,
            })
            .collect();
        let by_id = vehicles
            .iter()
            .enumerate()
            .map(|(index, vehicle)| (vehicle.id.clone(), index))
            .collect();
        UsageModel {
            vehicles,
            by_id,
            sites,
            last_day: Some(last_day),
            ignored_trips,
        }
    }

    /// The stay of `vehicle` starting on `day` at `confidence` `p` (clamped to [0, 1]):
    /// arrival at the `p`-quantile (late), departure at the `(1 − p)`-quantile (early),
    /// energy at the `p`-quantile (high). Keys: the vehicle × the day kind and season of
    /// `day` (arrival) or of the next day (departure, energy), falling back along [`Level`].
    ///
    /// `None` when the vehicle is unknown, when it does not normally drive on the next day
    /// (it drove on fewer than half the days of that day kind in its history; with fewer
    /// than [`MIN_SAMPLES`] such days, the share of its site's vehicles is used if they have
    /// that many, else its own over the days it has, else over all its days), when there is
    /// no sample at any level, or when `confidence` is not a number. Cost: a hash look-up and three
    /// quantiles of sorted samples (a selection over a copy on a fallback).
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use voltlex_engine::vpp::forecast::{synthetic, UsageModel};
    /// let vans = vec![("V1".to_string(), "S1".to_string())];
    /// let first = NaiveDate::from_ymd_opt(2024, 4, 1).unwrap();
    /// let model = UsageModel::fit(&synthetic::trip_log(&vans, first, 90, 1));
    /// let saturday = NaiveDate::from_ymd_opt(2024, 6, 29).unwrap();
    /// assert!(model.predict("V1", saturday, 0.9).is_none()); // no trips on most Sundays
    /// let sunday = NaiveDate::from_ymd_opt(2024, 6, 30).unwrap();
    /// let stay = model.predict("V1", sunday, 0.9).unwrap(); // Monday's trips
    /// assert!(stay.energy_kwh > 0.0);
    /// ```
    pub fn predict(&self, vehicle: &str, day: NaiveDate, confidence: f64) -> Option<PredictedStay> {
        if confidence.is_nan() {
            return None;
        }
        let p = confidence.clamp(0.0, 1.0);
        let history = self.vehicles.get(*self.by_id.get(vehicle)?)?;
        let next = day.succ_opt()?;
        let (kind, next_kind) = (DayKind::of(day), DayKind::of(next));
        let site = self.sites.get(history.site)?;
        if !drives_on(&history.counts, &site.counts, next_kind, p) {
            return None;
        }
        let (season, next_season) = (Season::of(day), Season::of(next));
        let (arrival, arrival_level) = pick(
            &history.samples.arrival,
            &site.samples.arrival,
            kind,
            season,
            p,
        )?;
        let (departure, departure_level) = pick(
            &history.samples.departure,
            &site.samples.departure,
            next_kind,
            next_season,
            1.0 - p,
        )?;
        let (energy_kwh, energy_level) = pick(
            &history.samples.energy,
            &site.samples.energy,
            next_kind,
            next_season,
            p,
        )?;
        let departure = next.and_hms_opt(0, 0, 0)? + seconds(departure);
        let arrival = (day.and_hms_opt(0, 0, 0)? + seconds(arrival)).min(departure);
        Some(PredictedStay {
            vehicle: history.id.clone(),
            site: site.id.clone(),
            arrival,
            departure,
            energy_kwh,
            confidence: p,
            arrival_level,
            departure_level,
            energy_level,
        })
    }

    /// The vehicles the model knows, in identifier order.
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use voltlex_engine::vpp::forecast::{synthetic, UsageModel};
    /// let vans = vec![("B".to_string(), "S1".to_string()), ("A".to_string(), "S2".to_string())];
    /// let first = NaiveDate::from_ymd_opt(2024, 4, 1).unwrap();
    /// let model = UsageModel::fit(&synthetic::trip_log(&vans, first, 14, 1));
    /// assert_eq!(model.vehicles().collect::<Vec<_>>(), ["A", "B"]);
    /// ```
    pub fn vehicles(&self) -> impl Iterator<Item = &str> {
        self.vehicles.iter().map(|vehicle| vehicle.id.as_str())
    }

    /// The last day of the history (`None` for a log without a valid trip).
    ///
    /// ```
    /// use voltlex_engine::vpp::forecast::UsageModel;
    /// assert_eq!(UsageModel::fit(&[]).last_day(), None);
    /// ```
    pub fn last_day(&self) -> Option<NaiveDate> {
        self.last_day
    }

    /// Trips left out for being impossible (see [`UsageModel::fit`]).
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use voltlex_engine::read::Trip;
    /// use voltlex_engine::vpp::forecast::UsageModel;
    /// let at = NaiveDate::from_ymd_opt(2024, 4, 1).unwrap().and_hms_opt(8, 0, 0).unwrap();
    /// let backwards = Trip {
    ///     vehicle: "V1".into(), site: "S1".into(), departure: at, arrival: at, energy_kwh: 5.0,
    /// };
    /// assert_eq!(UsageModel::fit(&[backwards]).ignored_trips(), 1);
    /// ```
    pub fn ignored_trips(&self) -> usize {
        self.ignored_trips
    }
}

/// A stay's minutes as a duration, to the nearest second.
fn seconds(minutes: f64) -> Duration {
    Duration::seconds((minutes * 60.0).round() as i64)
}

/// The quantile of the first key with enough samples: the vehicle's three, then its site's.
fn pick(
    vehicle: &Cells,
    site: &Cells,
    kind: DayKind,
    season: Season,
    p: f64,
) -> Option<(f64, Level)> {
    const LEVELS: [Level; 6] = [
        Level::VehicleDayKindSeason,
        Level::VehicleDayKind,
        Level::SiteDayKindSeason,
        Level::SiteDayKind,
        Level::Vehicle,
        Level::Site,
    ];
    let [a, b, c] = vehicle.levels(kind, season);
    let [d, e, f] = site.levels(kind, season);
    let (value, index) = fallback_quantile(&[a, b, d, e, c, f], p)?;
    Some((value, *LEVELS.get(index)?))
}

/// A trip the model can use.
fn valid(trip: &Trip) -> bool {
    !trip.vehicle.is_empty()
        && !trip.site.is_empty()
        && trip.arrival > trip.departure
        && trip.energy_kwh.is_finite()
        && trip.energy_kwh >= 0.0
}

/// Valid trips leaving on or before `last_day`, per vehicle (sorted by id), each vehicle's
/// in departure order.
fn group(trips: &[Trip], last_day: NaiveDate) -> Vec<(&str, Vec<&Trip>)> {
    let mut by_vehicle: HashMap<&str, Vec<&Trip>> = HashMap::new();
    for trip in trips {
        if valid(trip) && trip.departure.date() <= last_day {
            by_vehicle
                .entry(trip.vehicle.as_str())
                .or_default()
                .push(trip);
        }
    }
    let mut fleet: Vec<(&str, Vec<&Trip>)> = by_vehicle.into_iter().collect();
    fleet.sort_unstable_by(|a, b| a.0.cmp(b.0));
    fleet.par_iter_mut().for_each(|(_, trips)| {
        trips.sort_by_key(|trip| (trip.departure, trip.arrival));
    });
    fleet
}

/// The cells a night's samples go to.
#[derive(Debug, Clone, Copy, PartialEq)]
struct NightKeys {
    /// Day kind and season of D (arrival).
    arrival: usize,
    /// Day kind and season of D+1 (departure, energy).
    next: usize,
}

/// One observed overnight stay (the module's definition).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Observed<'a> {
    /// D.
    day: NaiveDate,
    /// The site of the return that ends D's driving.
    site: &'a str,
    /// Minutes after D 00:00.
    arrival: f64,
    /// Minutes after D+1 00:00.
    departure: f64,
    /// kWh of D+1's trips.
    energy: f64,
}

/// What one vehicle's trips say.
struct VehicleObservation<'a> {
    stays: Vec<(NightKeys, Observed<'a>)>,
    counts: DriveCounts,
    /// Site of its latest trip.
    home: &'a str,
}

/// Day kind and season of every day of a range, computed once for all vehicles.
struct Calendar {
    first: NaiveDate,
    days: Vec<(DayKind, Season)>,
}

impl Calendar {
    fn new(first: NaiveDate, last: NaiveDate) -> Calendar {
        Calendar {
            first,
            days: first
                .iter_days()
                .take_while(|day| *day <= last)
                .map(|day| (DayKind::of(day), Season::of(day)))
                .collect(),
        }
    }

    /// For the fleet's valid trips leaving on or before `last`.
    fn of_fleet(fleet: &[(&str, Vec<&Trip>)], last: NaiveDate) -> Calendar {
        let first = fleet
            .iter()
            .filter_map(|(_, trips)| trips.first().map(|trip| trip.departure.date()))
            .min()
            .unwrap_or(last);
        Calendar::new(first, last)
    }

    fn get(&self, day: NaiveDate) -> (DayKind, Season) {
        usize::try_from((day - self.first).num_days())
            .ok()
            .and_then(|index| self.days.get(index).copied())
            .unwrap_or_else(|| (DayKind::of(day), Season::of(day)))
    }
}

/// Every overnight stay of a vehicle whose D+1 is in its first trip's day ..= `last_day`,
/// with its day counts. `trips` are in departure order, none after `last_day`.
fn observe<'a>(
    trips: &[&'a Trip],
    last_day: NaiveDate,
    calendar: &Calendar,
) -> VehicleObservation<'a> {
    let mut observation = VehicleObservation {
        stays: Vec::new(),
        counts: DriveCounts::default(),
        home: trips.last().map_or("", |trip| trip.site.as_str()),
    };
    let Some(first_day) = trips.first().map(|trip| trip.departure.date()) else {
        return observation;
    };
    let mut next_trip = 0usize;
    // The latest return of the trips before the current day, and its site.
    let mut latest: Option<(NaiveDateTime, &'a str)> = None;
    let mut previous: Option<(NaiveDate, DayKind, Season)> = None;
    for day in first_day.iter_days().take_while(|day| *day <= last_day) {
        let (kind, season) = calendar.get(day);
        let start = next_trip;
        while trips
            .get(next_trip)
            .is_some_and(|trip| trip.departure.date() == day)
        {
            next_trip += 1;
        }
        let today = trips.get(start..next_trip).unwrap_or(&[]);
        if let Some(count) = observation.counts.days.get_mut(kind as usize) {
            *count += 1;
        }
        if !today.is_empty() {
            if let Some(count) = observation.counts.driving.get_mut(kind as usize) {
                *count += 1;
            }
        }
        if let (Some(first), Some((night, night_kind, night_season))) = (today.first(), previous) {
            if let (Some((back, site)), Some(midnight), Some(next_midnight)) =
                (latest, night.and_hms_opt(0, 0, 0), day.and_hms_opt(0, 0, 0))
            {
                let stay = Observed {
                    day: night,
                    site,
                    arrival: minutes(back - midnight).max(0.0),
                    departure: minutes(first.departure - next_midnight),
                    energy: today.iter().map(|trip| trip.energy_kwh).sum(),
                };
                let keys = NightKeys {
                    arrival: cell(night_kind, night_season),
                    next: cell(kind, season),
                };
                observation.stays.push((keys, stay));
            }
        }
        for trip in today {
            if latest.is_none_or(|(back, _)| trip.arrival >= back) {
                latest = Some((trip.arrival, trip.site.as_str()));
            }
        }
        previous = Some((day, kind, season));
    }
    observation
}

fn minutes(duration: Duration) -> f64 {
    duration.num_seconds() as f64 / 60.0
}

/// How well the usage forecast held on days it did not see.
///
/// Coverage counts every actual held-out stay (a stay the model did not predict is not
/// covered); the errors are those of the median (`p = 0.5`) prediction over the stays it
/// predicted, and of a naive forecast over the same stays: the vehicle's latest earlier
/// stay of the same key — for the arrival a night of the same day kind as D, for the
/// departure and the energy a next day of the same kind as D+1 (else its latest stay).
///
/// ```
/// use chrono::NaiveDate;
/// use voltlex_engine::vpp::forecast::{backtest_usage, synthetic};
/// let vans: Vec<(String, String)> = (0..10).map(|i| (format!("V{i}"), "S1".into())).collect();
/// let first = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
/// let trips = synthetic::trip_log(&vans, first, 120, 5);
/// let result = backtest_usage(&trips, 21, 0.9).unwrap();
/// assert_eq!(result.days, 21);
/// assert!(result.all_coverage <= result.energy_coverage);
/// assert!(result.arrival_mae_minutes < result.naive_arrival_mae_minutes);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct UsageBacktest {
    /// Days held out.
    pub days: usize,
    /// First day held out.
    pub first_day: NaiveDate,
    /// Last day held out (the log's last day).
    pub last_day: NaiveDate,
    /// Actual stays in the holdout: nights D with D and D+1 held out and trips on D+1.
    pub stays: usize,
    /// Of them, stays the model predicted (the rest count as not covered).
    pub predicted: usize,
    /// Predicted stays of nights the vehicle did not drive the next day.
    pub spurious: usize,
    /// Predicted stays with at least one quantity from a fallback key.
    pub fallbacks: usize,
    /// The confidence tested.
    pub confidence: f64,
    /// Share of stays back no later than predicted.
    pub arrival_coverage: f64,
    /// Share of stays leaving no earlier than predicted.
    pub departure_coverage: f64,
    /// Share of stays using no more energy than predicted.
    pub energy_coverage: f64,
    /// Share of stays inside the prediction on all three counts.
    pub all_coverage: f64,
    /// Mean absolute error of the median arrival, minutes (NaN if nothing was predicted).
    pub arrival_mae_minutes: f64,
    /// Mean absolute error of the median departure, minutes.
    pub departure_mae_minutes: f64,
    /// Mean absolute error of the median energy, kWh.
    pub energy_mae_kwh: f64,
    /// The naive forecast's arrival error, minutes (over the predicted stays that have an
    /// earlier stay; NaN if none).
    pub naive_arrival_mae_minutes: f64,
    /// The naive forecast's departure error, minutes.
    pub naive_departure_mae_minutes: f64,
    /// The naive forecast's energy error, kWh.
    pub naive_energy_mae_kwh: f64,
}

/// Fits on every trip leaving before the last `holdout_days` days of the log and predicts
/// every held-out stay at `confidence` and at the median (details: [`UsageBacktest`]). The
/// log's days run from its first to its last departure.
///
/// ```
/// use chrono::NaiveDate;
/// use voltlex_engine::vpp::forecast::{backtest_usage, synthetic};
/// let vans = vec![("V1".to_string(), "S1".to_string())];
/// let first = NaiveDate::from_ymd_opt(2024, 4, 1).unwrap();
/// let trips = synthetic::trip_log(&vans, first, 60, 2);
/// let result = backtest_usage(&trips, 14, 0.8).unwrap();
/// assert!(result.stays > 5 && result.arrival_mae_minutes.is_finite());
/// let error = backtest_usage(&trips, 58, 0.8).unwrap_err();
/// assert!(error.to_string().starts_with("holdout: expected at most"), "{error}");
/// ```
///
/// # Errors
///
/// [`ForecastError::Confidence`] outside (0, 1), [`ForecastError::NoTrips`],
/// [`ForecastError::Holdout`] for fewer than 2 held-out days or fewer than 7 days left to
/// fit on, [`ForecastError::NothingToTest`] when no stay falls in the holdout.
pub fn backtest_usage(
    trips: &[Trip],
    holdout_days: usize,
    confidence: f64,
) -> Result<UsageBacktest, ForecastError> {
    const TRAINING_DAYS: usize = 7;
    let p = check_confidence(confidence)?;
    let dates = trips
        .iter()
        .filter(|trip| valid(trip))
        .map(|trip| trip.departure.date());
    let (Some(first), Some(last)) = (dates.clone().min(), dates.max()) else {
        return Err(ForecastError::NoTrips);
    };
    let log_days = usize::try_from((last - first).num_days() + 1).unwrap_or(0);
    if holdout_days < 2 {
        return Err(ForecastError::Holdout {
            expected: "at least 2 days (a night between two held-out days)".to_string(),
            found: format!("{holdout_days} day(s)"),
        });
    }
    if holdout_days + TRAINING_DAYS > log_days {
        return Err(ForecastError::Holdout {
            expected: format!(
                "at most {} days (the log's {log_days} days from {first} to {last}, less {TRAINING_DAYS} to fit on)",
                log_days.saturating_sub(TRAINING_DAYS)
            ),
            found: format!("{holdout_days} days"),
        });
    }
    let held = i64::try_from(holdout_days).unwrap_or(i64::MAX);
    let first_held = last - Duration::days(held - 1);
    let training_end = first_held - Duration::days(1);
    let model = UsageModel::fit_through(trips, training_end);

    let fleet = group(trips, last);
    let calendar = Calendar::of_fleet(&fleet, last);
    let scores: Vec<Score> = fleet
        .par_iter()
        .map(|(vehicle, trips)| {
            let observation = observe(trips, last, &calendar);
            score(&model, vehicle, &observation, first_held, last, p)
        })
        .collect();
    let mut total = Score::default();
    for score in &scores {
        total.add(score);
    }
    if total.stays == 0 {
        return Err(ForecastError::NothingToTest {
            from: first_held,
            to: last,
            what: "stay",
        });
    }
    let share = |count: usize| count as f64 / total.stays as f64;
    let mean = |sum: f64, count: usize| {
        if count == 0 {
            f64::NAN
        } else {
            sum / count as f64
        }
    };
    Ok(UsageBacktest {
        days: holdout_days,
        first_day: first_held,
        last_day: last,
        stays: total.stays,
        predicted: total.predicted,
        spurious: total.spurious,
        fallbacks: total.fallbacks,
        confidence: p,
        arrival_coverage: share(total.covered[0]),
        departure_coverage: share(total.covered[1]),
        energy_coverage: share(total.covered[2]),
        all_coverage: share(total.covered_all),
        arrival_mae_minutes: mean(total.error[0], total.medians),
        departure_mae_minutes: mean(total.error[1], total.medians),
        energy_mae_kwh: mean(total.error[2], total.medians),
        naive_arrival_mae_minutes: mean(total.naive_error[0], total.naive),
        naive_departure_mae_minutes: mean(total.naive_error[1], total.naive),
        naive_energy_mae_kwh: mean(total.naive_error[2], total.naive),
    })
}

/// One vehicle's (or the fleet's) tallies.
#[derive(Debug, Default)]
struct Score {
    stays: usize,
    predicted: usize,
    spurious: usize,
    fallbacks: usize,
    covered: [usize; 3],
    covered_all: usize,
    medians: usize,
    error: [f64; 3],
    naive: usize,
    naive_error: [f64; 3],
}

impl Score {
    fn add(&mut self, other: &Score) {
        self.stays += other.stays;
        self.predicted += other.predicted;
        self.spurious += other.spurious;
        self.fallbacks += other.fallbacks;
        self.covered_all += other.covered_all;
        self.medians += other.medians;
        self.naive += other.naive;
        for index in 0..3 {
            if let (Some(mine), Some(theirs)) =
                (self.covered.get_mut(index), other.covered.get(index))
            {
                *mine += theirs;
            }
            if let (Some(mine), Some(theirs)) = (self.error.get_mut(index), other.error.get(index))
            {
                *mine += theirs;
            }
            if let (Some(mine), Some(theirs)) = (
                self.naive_error.get_mut(index),
                other.naive_error.get(index),
            ) {
                *mine += theirs;
            }
        }
    }
}

/// Scores one vehicle's held-out nights `first_held ..= last − 1`.
fn score(
    model: &UsageModel,
    vehicle: &str,
    observation: &VehicleObservation<'_>,
    first_held: NaiveDate,
    last: NaiveDate,
    p: f64,
) -> Score {
    let mut score = Score::default();
    let stays = &observation.stays;
    let mut actual = stays
        .iter()
        .enumerate()
        .filter(|(_, (_, stay))| stay.day >= first_held)
        .peekable();
    for night in first_held.iter_days().take_while(|night| *night < last) {
        let prediction = model.predict(vehicle, night, p);
        let Some((index, (keys, stay))) = actual.next_if(|(_, (_, stay))| stay.day == night) else {
            score.spurious += usize::from(prediction.is_some());
            continue;
        };
        score.stays += 1;
        let Some(prediction) = prediction else {
            continue;
        };
        score.predicted += 1;
        score.fallbacks += usize::from(!prediction.is_finest());
        let (Some(midnight), Some(next_midnight)) = (
            night.and_hms_opt(0, 0, 0),
            night.succ_opt().and_then(|next| next.and_hms_opt(0, 0, 0)),
        ) else {
            continue;
        };
        let arrival = minutes(prediction.arrival - midnight);
        let departure = minutes(prediction.departure - next_midnight);
        let covered = [
            stay.arrival <= arrival,
            stay.departure >= departure,
            stay.energy <= prediction.energy_kwh,
        ];
        for (count, ok) in score.covered.iter_mut().zip(covered) {
            *count += usize::from(ok);
        }
        score.covered_all += usize::from(covered.iter().all(|ok| *ok));

        let Some(median) = model.predict(vehicle, night, 0.5) else {
            continue;
        };
        let median = [
            minutes(median.arrival - midnight),
            minutes(median.departure - next_midnight),
            median.energy_kwh,
        ];
        let truth = [stay.arrival, stay.departure, stay.energy];
        score.medians += 1;
        for ((sum, forecast), truth) in score.error.iter_mut().zip(median).zip(truth) {
            *sum += (forecast - truth).abs();
        }
        let earlier = stays.get(..index).unwrap_or(&[]);
        let latest_like = |same: &dyn Fn(&NightKeys) -> bool| {
            earlier
                .iter()
                .rev()
                .find(|(earlier_keys, _)| same(earlier_keys))
                .or_else(|| earlier.last())
                .map(|(_, stay)| *stay)
        };
        let by_night = latest_like(&|earlier: &NightKeys| earlier.arrival / 4 == keys.arrival / 4);
        let by_next = latest_like(&|earlier: &NightKeys| earlier.next / 4 == keys.next / 4);
        if let (Some(by_night), Some(by_next)) = (by_night, by_next) {
            score.naive += 1;
            let naive = [by_night.arrival, by_next.departure, by_next.energy];
            for ((sum, forecast), truth) in score.naive_error.iter_mut().zip(naive).zip(truth) {
                *sum += (forecast - truth).abs();
            }
        }
    }
    score
}
