//! VPP forecasts: the trip-log reader, the usage model's keys, fallbacks and coverage, the
//! base-load model, and their backtests on seeded synthetic histories.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime};
use std::time::Instant;
use voltlex_engine::inputs::LoadProfile;
use voltlex_engine::read::{trips_csv, trips_csv_from_reader, ReadError, Trip};
use voltlex_engine::vpp::forecast::{
    backtest_base_load, backtest_usage, quantile_sorted, synthetic, BaseLoadModel, DayKind,
    ForecastError, Level, Season, UsageModel,
};

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn at(day: NaiveDate, minutes: i64) -> NaiveDateTime {
    day.and_hms_opt(0, 0, 0).unwrap() + Duration::minutes(minutes)
}

fn vans(count: usize, sites: usize) -> Vec<(String, String)> {
    (0..count)
        .map(|i| (format!("V{i:05}"), format!("S{:03}", i % sites)))
        .collect()
}

// ---------------------------------------------------------------- the trip-log reader

const GOOD: &str = "\
# exported from the telematics portal
Site,vehicle,DEPARTURE,arrival,energy_kwh,distance_km
Tokyo-1,V1,2024-04-15 07:45,2024-04-15 12:10,18.25,61

Tokyo-1,V1,2024-04-15T13:00:30,2024-04-15T17:30:00,20,70
Osaka,V2,2024/4/15 8:00,2024/4/16 1:15,0,0
Tokyo-1,V1,2024-04-14 09:00,2024-04-14 11:00,5.5,
";

#[test]
fn reads_a_good_trip_log() {
    let trips = trips_csv_from_reader("trips.csv", GOOD.as_bytes()).unwrap();
    assert_eq!(trips.len(), 4);
    assert_eq!(
        trips[0],
        Trip {
            vehicle: "V1".into(),
            site: "Tokyo-1".into(),
            departure: at(date(2024, 4, 15), 7 * 60 + 45),
            arrival: at(date(2024, 4, 15), 12 * 60 + 10),
            energy_kwh: 18.25,
        }
    );
    assert_eq!(
        trips[1].departure,
        at(date(2024, 4, 15), 13 * 60) + Duration::seconds(30)
    );
    assert_eq!(trips[2].arrival, at(date(2024, 4, 16), 75));
    assert_eq!(
        (trips[2].site.as_str(), trips[2].energy_kwh),
        ("Osaka", 0.0)
    );
    // File order is kept, even when it is not time order.
    assert_eq!(trips[3].departure.date(), date(2024, 4, 14));

    let path = std::env::temp_dir().join(format!("voltlex-test-trips-{}.csv", std::process::id()));
    std::fs::write(&path, GOOD).unwrap();
    assert_eq!(trips_csv(&path).unwrap(), trips);
    std::fs::remove_file(&path).unwrap();
}

fn read_error(text: &str) -> ReadError {
    trips_csv_from_reader("trips.csv", text.as_bytes()).unwrap_err()
}

const HEADER: &str = "vehicle,site,departure,arrival,energy_kwh\n";

fn value_error(text: &str) -> (u64, String, String, String) {
    match read_error(text) {
        ReadError::Value {
            line,
            column,
            expected,
            found,
            ..
        } => (line, column, expected, found),
        other => panic!("expected a value error, got {other:?}"),
    }
}

#[test]
fn each_trip_log_error_names_its_line_and_column() {
    let ok = "V1,S1,2024-04-15 07:00,2024-04-15 17:00,30\n";

    // A bad time.
    let (line, column, expected, found) = value_error(&format!(
        "{HEADER}{ok}V1,S1,2024-04-16 7h00,2024-04-16 17:00,30\n"
    ));
    assert_eq!(
        (line, column.as_str(), found.as_str()),
        (3, "departure", "2024-04-16 7h00")
    );
    assert!(
        expected.starts_with("a time as YYYY-MM-DD HH:MM"),
        "{expected}"
    );

    // Arrival before departure (and equal to it).
    let text = format!("{HEADER}# note\n{ok}V1,S1,2024-04-16 07:00,2024-04-16 06:59,30\n");
    assert_eq!(
        read_error(&text).to_string(),
        "trips.csv:4: column \"arrival\": expected a time after the departure (2024-04-16 07:00), \
         found \"2024-04-16 06:59\""
    );
    let (line, column, ..) = value_error(&format!(
        "{HEADER}V1,S1,2024-04-16 07:00,2024-04-16 07:00,3\n"
    ));
    assert_eq!((line, column.as_str()), (2, "arrival"));

    // Negative, missing and non-decimal energy.
    for (cell, found) in [("-2.5", "-2.5"), ("", ""), ("2.5kWh", "2.5kWh")] {
        let text = format!("{HEADER}{ok}\nV1,S1,2024-04-16 07:00,2024-04-16 17:00,{cell}\n");
        let (line, column, expected, got) = value_error(&text);
        assert_eq!((line, column.as_str()), (4, "energy_kwh"), "{cell}");
        assert!(expected.starts_with("an energy in kWh ≥ 0"), "{expected}");
        assert_eq!(got, found);
    }
    let text = format!("{HEADER}V1,S1,2024-04-16 07:00,2024-04-16 17:00,-1\n");
    assert_eq!(
        read_error(&text).to_string(),
        "trips.csv:2: column \"energy_kwh\": expected an energy in kWh ≥ 0 (battery side, decimal \
         point, e.g. 23.5), found \"-1\""
    );

    // A decimal comma makes one cell too many.
    let text = format!("{HEADER}{ok}V1,S1,2024-04-16 07:00,2024-04-16 17:00,2,5\n");
    assert_eq!(
        read_error(&text).to_string(),
        "trips.csv:3: expected at most 5 cells, one per column of the header (numbers use a \
         decimal point; quote a cell holding a comma), found 6 cells, \"5\" in none"
    );

    // Empty vehicle and site.
    let (line, column, ..) = value_error(&format!(
        "{HEADER},S1,2024-04-16 07:00,2024-04-16 17:00,1\n"
    ));
    assert_eq!((line, column.as_str()), (2, "vehicle"));
    let (line, column, ..) = value_error(&format!(
        "{HEADER}V1,,2024-04-16 07:00,2024-04-16 17:00,1\n"
    ));
    assert_eq!((line, column.as_str()), (2, "site"));

    // Overlapping trips of one vehicle (rows out of order): the later trip is at fault.
    let text = format!(
        "{HEADER}V1,S1,2024-04-16 12:00,2024-04-16 18:00,10\nV2,S1,2024-04-16 07:00,2024-04-16 17:00,1\n{ok}V1,S1,2024-04-16 07:00,2024-04-16 12:30,10\n"
    );
    assert_eq!(
        read_error(&text).to_string(),
        "trips.csv:2: column \"departure\": expected a time at or after 2024-04-16 12:30, when the \
         trip of vehicle \"V1\" on line 5 is back, found \"2024-04-16 12:00\""
    );
    // Back-to-back is fine.
    let text = format!(
        "{HEADER}V1,S1,2024-04-16 07:00,2024-04-16 12:00,10\nV1,S1,2024-04-16 12:00,2024-04-16 18:00,10\n"
    );
    assert_eq!(
        trips_csv_from_reader("trips.csv", text.as_bytes())
            .unwrap()
            .len(),
        2
    );
}

#[test]
fn trip_log_layout_errors() {
    // A missing column, with the misspelt header pointed out.
    let error = read_error(
        "vehicle,site,departure,arival,energy_kwh\nV1,S1,2024-04-15 07:00,2024-04-15 17:00,30\n",
    );
    assert_eq!(error.line(), Some(1));
    assert_eq!(
        error.to_string(),
        "trips.csv:1: expected a column named \"arrival\" (a trip log has the columns vehicle, \
         site, departure, arrival, energy_kwh), found columns \"vehicle\", \"site\", \
         \"departure\", \"arival\", \"energy_kwh\" (\"arival\": did you mean \"arrival\"?)"
    );
    let error = read_error("# header below\nvehicle,site,departure,arrival\n");
    assert_eq!(error.line(), Some(2));
    assert!(
        error.to_string().contains("a column named \"energy_kwh\""),
        "{error}"
    );
    // A column twice.
    let error = read_error("vehicle,site,departure,arrival,energy_kwh,Site\n");
    assert!(
        error
            .to_string()
            .contains("exactly one column named \"site\""),
        "{error}"
    );
    // No rows, an empty file, a missing file.
    assert_eq!(
        read_error(HEADER).to_string(),
        "trips.csv:1: expected at least one trip row after the header, found none"
    );
    assert_eq!(
        read_error("").to_string(),
        "trips.csv:1: expected a header row, found an empty file"
    );
    let error = trips_csv("/no/such/dir/trips.csv").unwrap_err();
    assert_eq!(
        (error.file(), error.line()),
        ("/no/such/dir/trips.csv", None)
    );
}

// ---------------------------------------------------------------- usage: keys and fallbacks

/// Vehicle A drives every day but Sunday from Monday 2024-04-01 to Saturday 2024-04-20, one
/// trip a day: the k-th trip leaves at 07:00 + 3k min, is back at 17:00 + 5k min and uses
/// 20 + k kWh. Vehicle B (same site) drives on Thursday 18 and Friday 19 only.
/// A driven day of the hand log: date, departure and return (minutes), energy.
type HandDay = (NaiveDate, i64, i64, f64);

fn hand_log() -> (Vec<Trip>, Vec<HandDay>) {
    let mut days = Vec::new();
    let mut trips = Vec::new();
    let mut k = 0;
    for day in date(2024, 4, 1).iter_days().take(20) {
        if day.weekday() == chrono::Weekday::Sun {
            continue;
        }
        let (leave, back, kwh) = (7 * 60 + 3 * k, 17 * 60 + 5 * k, 20.0 + k as f64);
        trips.push(Trip {
            vehicle: "A".into(),
            site: "S".into(),
            departure: at(day, leave),
            arrival: at(day, back),
            energy_kwh: kwh,
        });
        days.push((day, leave, back, kwh));
        k += 1;
    }
    for (day, leave, back) in [
        (date(2024, 4, 18), 400, 1000),
        (date(2024, 4, 19), 420, 1020),
    ] {
        trips.push(Trip {
            vehicle: "B".into(),
            site: "S".into(),
            departure: at(day, leave),
            arrival: at(day, back),
            energy_kwh: 50.0,
        });
    }
    (trips, days)
}

fn sorted(mut values: Vec<f64>) -> Vec<f64> {
    values.sort_by(f64::total_cmp);
    values
}

fn minutes_after(time: NaiveDateTime, day: NaiveDate) -> f64 {
    (time - at(day, 0)).num_seconds() as f64 / 60.0
}

#[test]
fn usage_quantiles_are_read_from_the_finest_key_with_enough_samples() {
    let (trips, days) = hand_log();
    let model = UsageModel::fit(&trips);
    assert_eq!(model.vehicles().collect::<Vec<_>>(), ["A", "B"]);
    assert_eq!(model.last_day(), Some(date(2024, 4, 20)));
    assert_eq!(model.ignored_trips(), 0);
    let driving = |day: NaiveDate| days.iter().find(|d| d.0 == day).copied();

    // Samples of A, built independently from the definition. Nights D (D+1 driven, D from
    // the first day): arrival = D's return, or 0 when it did not drive on D.
    let mut weekday_arrivals = Vec::new();
    let mut weekday_departures = Vec::new();
    let mut weekday_energy = Vec::new();
    let mut all_departures = Vec::new();
    let mut all_energy = Vec::new();
    for night in date(2024, 4, 1).iter_days().take(19) {
        let next = night.succ_opt().unwrap();
        let Some((_, leave, _, kwh)) = driving(next) else {
            continue;
        };
        let arrival = driving(night).map_or(0.0, |d| d.2 as f64);
        if DayKind::of(night) == DayKind::Weekday {
            weekday_arrivals.push(arrival);
        }
        if DayKind::of(next) == DayKind::Weekday {
            weekday_departures.push(leave as f64);
            weekday_energy.push(kwh);
        }
        all_departures.push(leave as f64);
        all_energy.push(kwh);
    }
    assert_eq!((weekday_arrivals.len(), weekday_departures.len()), (15, 14));

    // A Tuesday night in April: vehicle × weekday × spring for all three.
    let night = date(2024, 4, 23);
    for p in [0.5, 0.9, 0.1] {
        let stay = model.predict("A", night, p).unwrap();
        assert_eq!(stay.confidence, p);
        assert_eq!(stay.site, "S");
        assert!(stay.is_finest());
        let arrival = quantile_sorted(&sorted(weekday_arrivals.clone()), p).unwrap();
        let departure = quantile_sorted(&sorted(weekday_departures.clone()), 1.0 - p).unwrap();
        let energy = quantile_sorted(&sorted(weekday_energy.clone()), p).unwrap();
        assert!(
            (minutes_after(stay.arrival, night) - arrival).abs() < 1.0 / 60.0,
            "{p}"
        );
        assert!(
            (minutes_after(stay.departure, night.succ_opt().unwrap()) - departure).abs()
                < 1.0 / 60.0,
            "{p}"
        );
        assert!((stay.energy_kwh - energy).abs() < 1e-9, "{p}");
    }

    // A Friday night: Saturday has 3 samples (< 4) for the kind, all seasons too → the
    // vehicle over all day kinds, for the departure and the energy; the arrival (a weekday)
    // stays on its finest key.
    let stay = model.predict("A", date(2024, 4, 26), 0.9).unwrap();
    assert_eq!(
        (stay.arrival_level, stay.departure_level, stay.energy_level),
        (Level::VehicleDayKindSeason, Level::Vehicle, Level::Vehicle)
    );
    let energy = quantile_sorted(&sorted(all_energy.clone()), 0.9).unwrap();
    assert!((stay.energy_kwh - energy).abs() < 1e-9);
    let departure = quantile_sorted(&sorted(all_departures.clone()), 0.1).unwrap();
    assert!((minutes_after(stay.departure, date(2024, 4, 27)) - departure).abs() < 1.0 / 60.0);

    // A summer Tuesday night: no summer samples → the vehicle's weekdays, all seasons.
    let stay = model.predict("A", date(2024, 7, 2), 0.9).unwrap();
    assert_eq!(
        (stay.arrival_level, stay.departure_level, stay.energy_level),
        (
            Level::VehicleDayKind,
            Level::VehicleDayKind,
            Level::VehicleDayKind
        )
    );
    let energy = quantile_sorted(&sorted(weekday_energy.clone()), 0.9).unwrap();
    assert!((stay.energy_kwh - energy).abs() < 1e-9);

    // Saturday night: A never drove on its 2 Sundays (too few for its own share; the site's
    // vehicles have no more) → no stay. Sunday night (Monday's trips):
    // the arrival key is Sunday's, whose samples are 0 (there all day) but only 2 < 4 →
    // the vehicle's arrivals over all day kinds.
    assert!(model.predict("A", date(2024, 4, 20), 0.9).is_none());
    let stay = model.predict("A", date(2024, 4, 21), 0.9).unwrap();
    assert_eq!(stay.arrival_level, Level::Vehicle);

    // Golden Week: Monday 2024-04-29 is Showa Day, a holiday → no stay the night before.
    assert_eq!(DayKind::of(date(2024, 4, 29)), DayKind::SundayOrHoliday);
    assert!(model.predict("A", date(2024, 4, 28), 0.9).is_none());

    // B has one night of history (Thursday → Friday): its site's samples (A's and B's
    // pooled) for a weekday in spring.
    let stay = model.predict("B", date(2024, 4, 23), 0.9).unwrap();
    assert_eq!(stay.departure_level, Level::SiteDayKindSeason);
    let mut pooled = weekday_departures.clone();
    pooled.push(420.0);
    let departure = quantile_sorted(&sorted(pooled), 0.1).unwrap();
    assert!((minutes_after(stay.departure, date(2024, 4, 24)) - departure).abs() < 1.0 / 60.0);
    assert!(!stay.is_finest());

    // Unknown vehicle, confidence not a number; out of range is clamped.
    assert!(model.predict("C", date(2024, 4, 23), 0.9).is_none());
    assert!(model.predict("A", date(2024, 4, 23), f64::NAN).is_none());
    assert_eq!(
        model
            .predict("A", date(2024, 4, 23), 1.5)
            .unwrap()
            .energy_kwh,
        model
            .predict("A", date(2024, 4, 23), 1.0)
            .unwrap()
            .energy_kwh
    );
}

#[test]
fn a_vehicle_that_stopped_driving_gets_no_stay() {
    let (trips, _) = hand_log();
    // History through mid-May: A's last trip was on 20 April, so it drove on fewer than half
    // the weekdays of its history (15 of 33): no stay at the median, still one for a plan
    // at 0.9 (it drives on more than 1 − 0.9 of them). Through 15 May it drove on exactly
    // half (15 of 30: Golden Week's holidays are not weekdays), enough at the median.
    let model = UsageModel::fit_through(&trips, date(2024, 5, 20));
    assert!(model.predict("A", date(2024, 5, 21), 0.5).is_none());
    assert!(model.predict("A", date(2024, 5, 21), 0.9).is_some());
    let model = UsageModel::fit_through(&trips, date(2024, 5, 15));
    assert!(model.predict("A", date(2024, 5, 21), 0.5).is_some());
    let model = UsageModel::fit_through(&trips, date(2024, 12, 31));
    assert!(model.predict("A", date(2025, 1, 7), 0.9).is_none()); // 15 of about 190
    let model = UsageModel::fit_through(&trips, date(2024, 4, 25));
    assert!(model.predict("A", date(2024, 4, 23), 0.9).is_some());
}

#[test]
fn impossible_trips_are_left_out_and_counted() {
    let (mut trips, _) = hand_log();
    let mut bad = trips[0].clone();
    bad.energy_kwh = f64::NAN;
    trips.push(bad);
    let mut bad = trips[0].clone();
    bad.arrival = bad.departure - Duration::minutes(1);
    trips.push(bad);
    let model = UsageModel::fit(&trips);
    assert_eq!(model.ignored_trips(), 2);
    let (clean, _) = hand_log();
    assert_eq!(
        model.predict("A", date(2024, 4, 23), 0.9),
        UsageModel::fit(&clean).predict("A", date(2024, 4, 23), 0.9)
    );
}

#[test]
fn a_return_after_midnight_is_an_arrival_past_1440_minutes() {
    let day = date(2024, 4, 1);
    let mut trips = Vec::new();
    for offset in 0..12 {
        let d = day + Duration::days(offset);
        trips.push(Trip {
            vehicle: "N".into(),
            site: "S".into(),
            departure: at(d, 20 * 60),
            arrival: at(d, 26 * 60), // 02:00 the next day
            energy_kwh: 10.0,
        });
    }
    let model = UsageModel::fit(&trips);
    let stay = model.predict("N", date(2024, 4, 15), 0.5).unwrap();
    // Back at 02:00 on D+1, leaves at 20:00 on D+1.
    assert_eq!(stay.arrival, at(date(2024, 4, 16), 2 * 60));
    assert_eq!(stay.departure, at(date(2024, 4, 16), 20 * 60));
}

// ---------------------------------------------------------------- usage: backtests

#[test]
fn usage_predictions_hold_with_about_the_chosen_probability() {
    let trips = synthetic::trip_log(&vans(150, 5), date(2023, 6, 1), 365, 11);
    let p90 = backtest_usage(&trips, 56, 0.9).unwrap();
    println!("{p90:#?}");
    assert_eq!(p90.days, 56);
    assert_eq!(p90.last_day, date(2024, 5, 30));
    assert!(p90.stays > 150 * 30, "{}", p90.stays);
    assert!(p90.predicted as f64 > 0.9 * p90.stays as f64);
    for coverage in [
        p90.arrival_coverage,
        p90.departure_coverage,
        p90.energy_coverage,
    ] {
        assert!((0.8..=0.98).contains(&coverage), "{coverage}");
    }
    assert!(
        p90.all_coverage
            <= p90
                .arrival_coverage
                .min(p90.departure_coverage)
                .min(p90.energy_coverage)
    );
    assert!(p90.all_coverage > 0.55, "{}", p90.all_coverage);

    let p50 = backtest_usage(&trips, 56, 0.5).unwrap();
    for coverage in [
        p50.arrival_coverage,
        p50.departure_coverage,
        p50.energy_coverage,
    ] {
        assert!((0.4..=0.6).contains(&coverage), "{coverage}");
    }
    let p97 = backtest_usage(&trips, 56, 0.97).unwrap();
    assert!(p97.energy_coverage > p90.energy_coverage && p90.energy_coverage > p50.energy_coverage);
    assert!(
        p97.arrival_coverage > p90.arrival_coverage
            && p97.departure_coverage > p90.departure_coverage
    );
    // The median's error does not depend on the confidence tested.
    assert_eq!(p50.energy_mae_kwh, p90.energy_mae_kwh);

    // Finite errors, smaller than the naive forecast's (the vehicle's latest stay of the
    // same day kind), and of the size of the synthetic noise.
    for value in [
        p90.arrival_mae_minutes,
        p90.departure_mae_minutes,
        p90.energy_mae_kwh,
        p90.naive_arrival_mae_minutes,
        p90.naive_departure_mae_minutes,
        p90.naive_energy_mae_kwh,
    ] {
        assert!(value.is_finite() && value > 0.0, "{value}");
    }
    assert!(p90.arrival_mae_minutes < p90.naive_arrival_mae_minutes);
    assert!(p90.departure_mae_minutes < p90.naive_departure_mae_minutes);
    assert!(p90.energy_mae_kwh < p90.naive_energy_mae_kwh);
    assert!(
        p90.departure_mae_minutes < 30.0,
        "{}",
        p90.departure_mae_minutes
    );
    assert!(p90.energy_mae_kwh < 8.0, "{}", p90.energy_mae_kwh);
}

#[test]
fn more_history_does_not_make_the_median_worse() {
    // The same last 28 days predicted from 2 weeks and from 7 months of history: with more
    // samples per key (Saturdays: fewer than 4 in 2 weeks) the median's error falls.
    let fleet = vans(80, 4);
    let long = synthetic::trip_log(&fleet, date(2023, 10, 1), 240, 5);
    let last = long.iter().map(|trip| trip.departure.date()).max().unwrap();
    let first_held = last - Duration::days(27);
    let short: Vec<Trip> = long
        .iter()
        .filter(|trip| trip.departure.date() >= first_held - Duration::days(14))
        .cloned()
        .collect();
    let long_result = backtest_usage(&long, 28, 0.9).unwrap();
    let short_result = backtest_usage(&short, 28, 0.9).unwrap();
    assert_eq!(long_result.last_day, short_result.last_day);
    assert_eq!(long_result.stays, short_result.stays);
    assert!(short_result.fallbacks > long_result.fallbacks);
    println!("long: {long_result:#?}\nshort: {short_result:#?}");
    assert!(long_result.energy_mae_kwh < short_result.energy_mae_kwh);
    assert!(long_result.departure_mae_minutes < short_result.departure_mae_minutes);
    assert!(long_result.arrival_mae_minutes < short_result.arrival_mae_minutes);
}

#[test]
fn usage_backtest_errors() {
    let trips = synthetic::trip_log(&vans(3, 1), date(2024, 4, 1), 30, 1);
    for confidence in [0.0, 1.0, -0.1, f64::NAN] {
        let error = backtest_usage(&trips, 7, confidence).unwrap_err();
        assert!(matches!(error, ForecastError::Confidence { .. }), "{error}");
    }
    assert_eq!(
        backtest_usage(&trips, 7, 1.2).unwrap_err().to_string(),
        "confidence: expected a probability strictly between 0 and 1 (e.g. 0.9), found 1.2"
    );
    assert_eq!(
        backtest_usage(&trips, 1, 0.9).unwrap_err().to_string(),
        "holdout: expected at least 2 days (a night between two held-out days), found 1 day(s)"
    );
    let last = trips.iter().map(|t| t.departure.date()).max().unwrap();
    let log_days = (last - date(2024, 4, 1)).num_days() + 1;
    assert_eq!(
        backtest_usage(&trips, 25, 0.9).unwrap_err().to_string(),
        format!(
            "holdout: expected at most {} days (the log's {log_days} days from 2024-04-01 to {last}, less 7 to fit on), found 25 days",
            log_days - 7
        )
    );
    assert_eq!(
        backtest_usage(&[], 7, 0.9).unwrap_err(),
        ForecastError::NoTrips
    );
}

#[test]
fn synthetic_trip_logs_are_seeded_and_look_like_depot_vans() {
    let fleet = vans(50, 2);
    let first = date(2024, 4, 1);
    let trips = synthetic::trip_log(&fleet, first, 70, 3);
    assert_eq!(trips, synthetic::trip_log(&fleet, first, 70, 3));
    assert_ne!(trips, synthetic::trip_log(&fleet, first, 70, 4));
    // Vehicle k's log does not depend on the others.
    let alone = synthetic::trip_log(&fleet[..1], first, 70, 3);
    assert_eq!(
        alone,
        trips
            .iter()
            .filter(|t| t.vehicle == fleet[0].0)
            .cloned()
            .collect::<Vec<_>>()
    );
    let mut weekday = 0usize;
    let mut saturday = 0usize;
    let mut sunday = 0usize;
    for trip in &trips {
        let minutes = |t: NaiveDateTime| (t - at(trip.departure.date(), 0)).num_minutes();
        assert!((5 * 60..=23 * 60 + 30).contains(&minutes(trip.departure)));
        assert!(trip.arrival > trip.departure && minutes(trip.arrival) <= 23 * 60 + 30);
        assert!(trip.energy_kwh > 0.0 && trip.energy_kwh < 120.0);
        match DayKind::of(trip.departure.date()) {
            DayKind::Weekday => weekday += 1,
            DayKind::Saturday => saturday += 1,
            DayKind::SundayOrHoliday => sunday += 1,
        }
    }
    // 70 days from Monday 1 April: 10 Saturdays; Sundays and Golden Week holidays.
    assert!(saturday < weekday / 4, "{saturday} {weekday}");
    assert!(sunday < saturday / 3, "{sunday} {saturday}");
}

#[test]
fn ten_thousand_vehicles_predict_in_milliseconds() {
    let fleet = vans(10_000, 200);
    let trips = synthetic::trip_log(&fleet, date(2024, 3, 4), 28, 1);
    let started = Instant::now();
    let model = UsageModel::fit(&trips);
    let fitted = started.elapsed();
    assert_eq!(model.vehicles().count(), 10_000);
    let night = date(2024, 4, 2); // Tuesday → Wednesday
    let started = Instant::now();
    let stays: Vec<_> = fleet
        .iter()
        .filter_map(|(vehicle, _)| model.predict(vehicle, night, 0.9))
        .collect();
    let predicted = started.elapsed();
    println!(
        "10,000 vehicles, {} trips: fit {fitted:?}, {} predictions {predicted:?}",
        trips.len(),
        stays.len()
    );
    assert!(stays.len() > 9_000);
    assert!(stays.iter().all(|stay| stay.arrival <= stay.departure));
}

// ---------------------------------------------------------------- base load

#[test]
fn base_load_backtest_is_accurate_on_synthetic_data() {
    let load = synthetic::base_load(250.0, date(2023, 4, 1), 366, 8);
    let result = backtest_base_load(&load, 28, 0.9).unwrap();
    println!("{result:#?}");
    assert_eq!((result.days, result.slots), (28, 28 * 48));
    assert_eq!(
        (result.first_day, result.last_day),
        (date(2024, 3, 4), date(2024, 3, 31))
    );
    assert!(result.mape < 7.0, "{}", result.mape);
    assert!(result.mape > 1.0, "{}", result.mape); // the noise is real
    assert!(
        (0.8..=0.98).contains(&result.coverage),
        "{}",
        result.coverage
    );
    assert!(result.mae_kw < result.naive_mae_kw);
    assert!(result.mape < result.naive_mape);
    // Over Golden Week, where a week-old naive forecast is wrong on the holidays.
    let load = synthetic::base_load(250.0, date(2023, 6, 1), 345, 8);
    let golden = backtest_base_load(&load, 14, 0.5).unwrap();
    assert_eq!(golden.last_day, date(2024, 5, 10));
    assert!(
        golden.mape < 7.0 && golden.mape < golden.naive_mape / 2.0,
        "{golden:?}"
    );
    assert!(
        (0.35..=0.65).contains(&golden.coverage),
        "{}",
        golden.coverage
    );
}

#[test]
fn base_load_uses_the_holiday_shape_on_a_japanese_holiday() {
    let model = BaseLoadModel::fit(&synthetic::base_load(300.0, date(2024, 3, 1), 61, 2)).unwrap();
    let holiday = date(2024, 5, 3); // Constitution Memorial Day, a Friday
    let forecast = |day: NaiveDate| model.predict(at(day, 0), 48, 0.9);
    assert_eq!(forecast(holiday), forecast(date(2024, 5, 5))); // a Sunday, same season
    assert_ne!(forecast(holiday), forecast(date(2024, 5, 2))); // a Thursday
    let peak = |values: Vec<f64>| values.into_iter().fold(0.0, f64::max);
    assert!(peak(forecast(date(2024, 5, 2))) > 2.0 * peak(forecast(holiday)));
    // Vernal Equinox Day (Wednesday 20 March) was in the history: its load was a holiday's.
    let load = synthetic::base_load(300.0, date(2024, 3, 1), 61, 2);
    let equinox_2pm = load.average_kw(19 * 48 + 28).unwrap();
    let tuesday_2pm = load.average_kw(18 * 48 + 28).unwrap();
    assert!(equinox_2pm < tuesday_2pm / 2.0);

    // Levels: a key with too few samples falls back.
    let levels = model.predict_with_levels(at(date(2024, 7, 6), 0), 1, 0.9);
    assert_eq!(levels[0].1, Level::SiteDayKind); // a Saturday in summer
                                                 // The plan runs noon to noon; a start inside a slot uses that slot.
    let noon = at(date(2024, 5, 8), 12 * 60);
    assert_eq!(
        model.predict(noon, 48, 0.9),
        model.predict(noon + Duration::minutes(17), 48, 0.9)
    );
    assert_eq!(
        model.predict(noon, 48, 0.9)[24..],
        forecast(date(2024, 5, 9))[..24]
    );
}

#[test]
fn base_load_accepts_15_and_60_minute_profiles() {
    let half_hourly = synthetic::base_load(100.0, date(2024, 4, 1), 21, 3);
    let model = BaseLoadModel::fit(&half_hourly).unwrap();
    let start = at(date(2024, 4, 24), 0);

    // 15 minutes: each half-hour split into two equal quarters, plus a leading :45 quarter
    // that is dropped.
    let mut quarters = vec![99.0];
    quarters.extend(
        half_hourly
            .kwh
            .iter()
            .flat_map(|kwh| [kwh / 2.0, kwh / 2.0]),
    );
    let quarter_hourly = LoadProfile {
        start: half_hourly.start - Duration::minutes(15),
        interval_minutes: 15,
        kwh: quarters,
    };
    let from_quarters = BaseLoadModel::fit(&quarter_hourly).unwrap();
    assert_eq!(from_quarters.first_slot(), half_hourly.start);
    let a = model.predict(start, 48, 0.9);
    let b = from_quarters.predict(start, 48, 0.9);
    assert!(a.iter().zip(&b).all(|(x, y)| (x - y).abs() < 1e-9));

    // 60 minutes: both half-hours of an hour get the hour's average kW.
    let hourly = LoadProfile {
        start: half_hourly.start,
        interval_minutes: 60,
        kwh: half_hourly
            .kwh
            .chunks(2)
            .map(|pair| pair.iter().sum())
            .collect(),
    };
    let from_hours = BaseLoadModel::fit(&hourly).unwrap().predict(start, 48, 0.5);
    for pair in from_hours.chunks(2) {
        assert_eq!(pair[0], pair[1]);
    }
}

#[test]
fn base_load_errors() {
    let start = at(date(2024, 4, 1), 0);
    let profile = |interval_minutes, kwh: Vec<f64>| LoadProfile {
        start,
        interval_minutes,
        kwh,
    };
    assert_eq!(
        BaseLoadModel::fit(&profile(10, vec![1.0; 2000]))
            .unwrap_err()
            .to_string(),
        "load profile: expected 15-, 30- or 60-minute intervals, found 10 minutes"
    );
    let mut values = vec![1.0; 48 * 8];
    values[50] = -3.0;
    assert_eq!(
        BaseLoadModel::fit(&profile(30, values))
            .unwrap_err()
            .to_string(),
        "load profile: interval starting 2024-04-02 01:00:00: expected an energy ≥ 0 kWh, found -3"
    );
    assert_eq!(
        BaseLoadModel::fit(&profile(30, vec![1.0; 48 * 6 + 24]))
            .unwrap_err()
            .to_string(),
        "load profile: expected at least 7 days of 30-minute data to fit on, found 6.5"
    );
    let off_grid = LoadProfile {
        start: start + Duration::minutes(10),
        interval_minutes: 30,
        kwh: vec![1.0; 48 * 8],
    };
    assert!(matches!(
        BaseLoadModel::fit(&off_grid),
        Err(ForecastError::OffGrid { .. })
    ));

    let load = synthetic::base_load(100.0, date(2024, 4, 1), 20, 3);
    assert!(matches!(
        backtest_base_load(&load, 7, 1.0),
        Err(ForecastError::Confidence { .. })
    ));
    assert!(matches!(
        backtest_base_load(&load, 0, 0.9),
        Err(ForecastError::Holdout { .. })
    ));
    assert_eq!(
        backtest_base_load(&load, 14, 0.9).unwrap_err().to_string(),
        "holdout: expected at most 13 whole days (the profile's 20 whole days from 2024-04-01, \
         less 7 to fit on), found 14 days"
    );
    assert!(backtest_base_load(&load, 13, 0.9).is_ok());
    let zeros = profile(30, vec![0.0; 48 * 10]);
    assert_eq!(
        backtest_base_load(&zeros, 2, 0.9).unwrap_err().to_string(),
        "holdout 2024-04-09 to 2024-04-10: expected at least one slot with a load above 0 kW to test, found none"
    );
}

#[test]
fn seasons_follow_the_meteorological_quarters() {
    let seasons: Vec<Season> = (1..=12).map(|m| Season::of(date(2024, m, 1))).collect();
    use Season::*;
    assert_eq!(
        seasons,
        [
            Winter, Winter, Spring, Spring, Spring, Summer, Summer, Summer, Autumn, Autumn, Autumn,
            Winter
        ]
    );
}
