//! Japanese national holidays: known dates, complete years and rule invariants.

// Test code: a failed expectation should panic.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use chrono::{Datelike, NaiveDate, Weekday};
use voltlex_dsl::calendar::japan;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

/// Every day from `first` to `last`, both included.
fn days(first: NaiveDate, last: NaiveDate) -> impl Iterator<Item = NaiveDate> {
    first.iter_days().take_while(move |day| *day <= last)
}

fn is_holiday(date: NaiveDate) -> bool {
    japan::holiday_name(date).is_some()
}

const SUBSTITUTE: &str = "Substitute Holiday";
const CITIZENS: &str = "Citizens' Holiday";
/// Names of the holidays made for a single day by special acts.
const ONE_OFF: [&str; 5] = [
    "Wedding of Crown Prince Akihito",
    "Funeral of Emperor Showa",
    "Enthronement Ceremony",
    "Wedding of Crown Prince Naruhito",
    "Enthronement Day",
];

#[test]
fn known_dates() {
    let cases: &[(NaiveDate, &str)] = &[
        (d(2024, 2, 12), SUBSTITUTE),
        (d(2024, 5, 6), SUBSTITUTE),
        (d(2024, 8, 12), SUBSTITUTE),
        (d(2024, 9, 23), SUBSTITUTE),
        (d(2024, 11, 4), SUBSTITUTE),
        (d(2025, 2, 24), SUBSTITUTE),
        (d(2025, 5, 6), SUBSTITUTE),
        (d(2025, 11, 24), SUBSTITUTE),
        (d(2026, 5, 6), SUBSTITUTE),
        (d(2026, 9, 22), CITIZENS),
        (d(2019, 4, 30), CITIZENS),
        (d(2019, 5, 1), "Enthronement Day"),
        (d(2019, 5, 2), CITIZENS),
        (d(2019, 10, 22), "Enthronement Ceremony"),
        (d(2009, 9, 22), CITIZENS),
        (d(2015, 9, 22), CITIZENS),
        (d(1973, 4, 30), SUBSTITUTE),
        (d(2020, 7, 23), "Marine Day"),
        (d(2020, 7, 24), "Sports Day"),
        (d(2020, 8, 10), "Mountain Day"),
        (d(2021, 7, 22), "Marine Day"),
        (d(2021, 7, 23), "Sports Day"),
        (d(2021, 8, 8), "Mountain Day"),
        (d(2021, 8, 9), SUBSTITUTE),
        (d(1988, 5, 4), CITIZENS),
        (d(1959, 4, 10), "Wedding of Crown Prince Akihito"),
        (d(1989, 2, 24), "Funeral of Emperor Showa"),
        (d(1990, 11, 12), "Enthronement Ceremony"),
        (d(1993, 6, 9), "Wedding of Crown Prince Naruhito"),
        // Emperor's Birthday through the reigns.
        (d(1988, 4, 29), "Emperor's Birthday"),
        (d(1989, 4, 29), "Greenery Day"),
        (d(1989, 12, 23), "Emperor's Birthday"),
        (d(2018, 12, 23), "Emperor's Birthday"),
        (d(2020, 2, 23), "Emperor's Birthday"),
        (d(2007, 4, 29), "Showa Day"),
        (d(2007, 5, 4), "Greenery Day"),
        // Fixed dates before Happy Monday.
        (d(1999, 1, 15), "Coming of Age Day"),
        (d(1999, 10, 10), "Health and Sports Day"),
        (d(2002, 9, 15), "Respect for the Aged Day"),
        (d(2002, 7, 20), "Marine Day"),
        (d(1966, 9, 15), "Respect for the Aged Day"),
        (d(1966, 10, 10), "Health and Sports Day"),
        (d(1967, 2, 11), "National Foundation Day"),
        (d(2016, 8, 11), "Mountain Day"),
        (d(1996, 7, 20), "Marine Day"),
        // Before 2007 a Sunday holiday moved to Monday only; from 2007 to the
        // next day that is not a holiday.
        (d(2008, 5, 6), SUBSTITUTE),
        (d(2009, 5, 6), SUBSTITUTE),
        (d(1990, 12, 24), SUBSTITUTE),
        (d(1987, 5, 4), SUBSTITUTE), // not a citizens' holiday
        // Computed from the equinox formula.
        (d(2033, 9, 23), "Autumnal Equinox Day"),
        (d(2033, 3, 20), "Vernal Equinox Day"),
        (d(2033, 3, 21), SUBSTITUTE),
        (d(2100, 3, 20), "Vernal Equinox Day"),
        (d(2100, 9, 23), "Autumnal Equinox Day"),
        (d(2150, 3, 21), "Vernal Equinox Day"),
        (d(1948, 9, 23), "Autumnal Equinox Day"),
        (d(1960, 3, 20), "Vernal Equinox Day"),
        (d(1979, 9, 24), "Autumnal Equinox Day"),
    ];
    for &(date, name) in cases {
        assert_eq!(japan::holiday_name(date), Some(name), "{date}");
    }

    let not_holidays = [
        d(2019, 12, 23), // no Emperor's Birthday in 2019
        d(2019, 2, 23),
        d(2020, 7, 20), // Olympic year: Marine Day moved
        d(2020, 10, 12),
        d(2020, 8, 11),
        d(2021, 10, 11),
        d(2021, 8, 11),
        d(1973, 2, 12), // Sunday holiday before the substitute rule (1973-04-12)
        d(1986, 5, 4),  // Sunday: no citizens' holiday
        d(2100, 3, 21),
        d(2024, 3, 21),
        d(2008, 5, 7),
        d(1999, 1, 11),
        d(2000, 1, 15),
        d(2015, 8, 11), // before Mountain Day
        d(1995, 7, 20), // before Marine Day
    ];
    for date in not_holidays {
        assert_eq!(japan::holiday_name(date), None, "{date}");
    }
}

fn check_year(year: i32, expected: &[(u32, u32, &str)]) {
    let expected: Vec<(NaiveDate, &str)> = expected
        .iter()
        .map(|&(m, day, name)| (d(year, m, day), name))
        .collect();
    assert_eq!(japan::holidays_in_year(year), expected, "{year}");
}

#[test]
fn complete_years() {
    check_year(
        2024,
        &[
            (1, 1, "New Year's Day"),
            (1, 8, "Coming of Age Day"),
            (2, 11, "National Foundation Day"),
            (2, 12, SUBSTITUTE),
            (2, 23, "Emperor's Birthday"),
            (3, 20, "Vernal Equinox Day"),
            (4, 29, "Showa Day"),
            (5, 3, "Constitution Memorial Day"),
            (5, 4, "Greenery Day"),
            (5, 5, "Children's Day"),
            (5, 6, SUBSTITUTE),
            (7, 15, "Marine Day"),
            (8, 11, "Mountain Day"),
            (8, 12, SUBSTITUTE),
            (9, 16, "Respect for the Aged Day"),
            (9, 22, "Autumnal Equinox Day"),
            (9, 23, SUBSTITUTE),
            (10, 14, "Sports Day"),
            (11, 3, "Culture Day"),
            (11, 4, SUBSTITUTE),
            (11, 23, "Labour Thanksgiving Day"),
        ],
    );
    check_year(
        2025,
        &[
            (1, 1, "New Year's Day"),
            (1, 13, "Coming of Age Day"),
            (2, 11, "National Foundation Day"),
            (2, 23, "Emperor's Birthday"),
            (2, 24, SUBSTITUTE),
            (3, 20, "Vernal Equinox Day"),
            (4, 29, "Showa Day"),
            (5, 3, "Constitution Memorial Day"),
            (5, 4, "Greenery Day"),
            (5, 5, "Children's Day"),
            (5, 6, SUBSTITUTE),
            (7, 21, "Marine Day"),
            (8, 11, "Mountain Day"),
            (9, 15, "Respect for the Aged Day"),
            (9, 23, "Autumnal Equinox Day"),
            (10, 13, "Sports Day"),
            (11, 3, "Culture Day"),
            (11, 23, "Labour Thanksgiving Day"),
            (11, 24, SUBSTITUTE),
        ],
    );
    check_year(
        2026,
        &[
            (1, 1, "New Year's Day"),
            (1, 12, "Coming of Age Day"),
            (2, 11, "National Foundation Day"),
            (2, 23, "Emperor's Birthday"),
            (3, 20, "Vernal Equinox Day"),
            (4, 29, "Showa Day"),
            (5, 3, "Constitution Memorial Day"),
            (5, 4, "Greenery Day"),
            (5, 5, "Children's Day"),
            (5, 6, SUBSTITUTE),
            (7, 20, "Marine Day"),
            (8, 11, "Mountain Day"),
            (9, 21, "Respect for the Aged Day"),
            (9, 22, CITIZENS),
            (9, 23, "Autumnal Equinox Day"),
            (10, 12, "Sports Day"),
            (11, 3, "Culture Day"),
            (11, 23, "Labour Thanksgiving Day"),
        ],
    );
    check_year(
        2019,
        &[
            (1, 1, "New Year's Day"),
            (1, 14, "Coming of Age Day"),
            (2, 11, "National Foundation Day"),
            (3, 21, "Vernal Equinox Day"),
            (4, 29, "Showa Day"),
            (4, 30, CITIZENS),
            (5, 1, "Enthronement Day"),
            (5, 2, CITIZENS),
            (5, 3, "Constitution Memorial Day"),
            (5, 4, "Greenery Day"),
            (5, 5, "Children's Day"),
            (5, 6, SUBSTITUTE),
            (7, 15, "Marine Day"),
            (8, 11, "Mountain Day"),
            (8, 12, SUBSTITUTE),
            (9, 16, "Respect for the Aged Day"),
            (9, 23, "Autumnal Equinox Day"),
            (10, 14, "Health and Sports Day"),
            (10, 22, "Enthronement Ceremony"),
            (11, 3, "Culture Day"),
            (11, 4, SUBSTITUTE),
            (11, 23, "Labour Thanksgiving Day"),
        ],
    );
    check_year(
        2020,
        &[
            (1, 1, "New Year's Day"),
            (1, 13, "Coming of Age Day"),
            (2, 11, "National Foundation Day"),
            (2, 23, "Emperor's Birthday"),
            (2, 24, SUBSTITUTE),
            (3, 20, "Vernal Equinox Day"),
            (4, 29, "Showa Day"),
            (5, 3, "Constitution Memorial Day"),
            (5, 4, "Greenery Day"),
            (5, 5, "Children's Day"),
            (5, 6, SUBSTITUTE),
            (7, 23, "Marine Day"),
            (7, 24, "Sports Day"),
            (8, 10, "Mountain Day"),
            (9, 21, "Respect for the Aged Day"),
            (9, 22, "Autumnal Equinox Day"),
            (11, 3, "Culture Day"),
            (11, 23, "Labour Thanksgiving Day"),
        ],
    );
    check_year(
        2021,
        &[
            (1, 1, "New Year's Day"),
            (1, 11, "Coming of Age Day"),
            (2, 11, "National Foundation Day"),
            (2, 23, "Emperor's Birthday"),
            (3, 20, "Vernal Equinox Day"),
            (4, 29, "Showa Day"),
            (5, 3, "Constitution Memorial Day"),
            (5, 4, "Greenery Day"),
            (5, 5, "Children's Day"),
            (7, 22, "Marine Day"),
            (7, 23, "Sports Day"),
            (8, 8, "Mountain Day"),
            (8, 9, SUBSTITUTE),
            (9, 20, "Respect for the Aged Day"),
            (9, 23, "Autumnal Equinox Day"),
            (11, 3, "Culture Day"),
            (11, 23, "Labour Thanksgiving Day"),
        ],
    );
    check_year(
        1973,
        &[
            (1, 1, "New Year's Day"),
            (1, 15, "Coming of Age Day"),
            (2, 11, "National Foundation Day"),
            (3, 21, "Vernal Equinox Day"),
            (4, 29, "Emperor's Birthday"),
            (4, 30, SUBSTITUTE),
            (5, 3, "Constitution Memorial Day"),
            (5, 5, "Children's Day"),
            (9, 15, "Respect for the Aged Day"),
            (9, 23, "Autumnal Equinox Day"),
            (9, 24, SUBSTITUTE),
            (10, 10, "Health and Sports Day"),
            (11, 3, "Culture Day"),
            (11, 23, "Labour Thanksgiving Day"),
        ],
    );
}

/// The 1948 edge: the act took effect on 1948-07-20.
#[test]
fn nothing_before_the_act() {
    for day in days(d(1900, 1, 1), d(1948, 7, 19)) {
        assert_eq!(japan::holiday_name(day), None, "{day}");
    }
    assert!(japan::holidays_in_year(1947).is_empty());
    assert_eq!(
        japan::holidays_in_year(1948),
        vec![
            (d(1948, 9, 23), "Autumnal Equinox Day"),
            (d(1948, 11, 3), "Culture Day"),
            (d(1948, 11, 23), "Labour Thanksgiving Day"),
        ]
    );
    assert_eq!(japan::holiday_name(d(1949, 1, 1)), Some("New Year's Day"));
    assert_eq!(japan::FIRST_YEAR, 1948);
}

#[test]
fn nothing_after_the_last_year() {
    assert_eq!(japan::LAST_YEAR, 2150);
    assert!(!japan::holidays_in_year(2150).is_empty());
    assert!(japan::holidays_in_year(2151).is_empty());
    for day in days(d(2151, 1, 1), d(2151, 12, 31)) {
        assert_eq!(japan::holiday_name(day), None, "{day}");
    }
}

/// Invariants of the rules, checked for every day 1973..=2150 without
/// reference to how the implementation computes them.
#[test]
fn rule_invariants_sweep() {
    for year in 1973..=2150 {
        let first = d(year, 1, 1);
        let last = d(year, 12, 31);

        // holiday_name and holidays_in_year agree, in date order.
        let by_day: Vec<(NaiveDate, &str)> = days(first, last)
            .filter_map(|day| japan::holiday_name(day).map(|name| (day, name)))
            .collect();
        let listed = japan::holidays_in_year(year);
        assert_eq!(listed, by_day, "{year}");
        assert!(listed.windows(2).all(|w| w[0].0 < w[1].0), "{year}");

        // 12 holidays a year when the substitute rule came in (12 national
        // holidays, no substitute in e.g. 1977), at most 22 (2019).
        assert!(
            (12..=22).contains(&listed.len()),
            "{year} has {} holidays",
            listed.len()
        );
        // The national holidays proper, by the act's amendments.
        let national = listed
            .iter()
            .filter(|(_, name)| ![SUBSTITUTE, CITIZENS].contains(name) && !ONE_OFF.contains(name))
            .count();
        let expected_national = match year {
            ..=1988 => 12,     // ... Health and Sports Day, National Foundation Day
            1989..=1995 => 13, // Greenery Day on 04-29, Emperor's Birthday 12-23
            1996..=2006 => 14, // Marine Day
            2007..=2015 => 15, // Showa Day 04-29, Greenery Day 05-04
            2019 => 15,        // no Emperor's Birthday
            _ => 16,           // Mountain Day
        };
        assert_eq!(national, expected_national, "{year}");

        let named = |name: &str| -> Vec<NaiveDate> {
            listed
                .iter()
                .filter(|(_, n)| *n == name)
                .map(|(day, _)| *day)
                .collect()
        };

        // Fixed days present every year.
        for (m, day, name) in [
            (1, 1, "New Year's Day"),
            (5, 3, "Constitution Memorial Day"),
            (5, 5, "Children's Day"),
            (11, 3, "Culture Day"),
            (11, 23, "Labour Thanksgiving Day"),
            (2, 11, "National Foundation Day"),
        ] {
            assert_eq!(named(name), vec![d(year, m, day)], "{name} {year}");
        }

        // Equinox days: exactly one each, March 19–22 and September 21–24.
        let vernal = named("Vernal Equinox Day");
        assert_eq!(vernal.len(), 1, "{year}");
        assert!(vernal[0].month() == 3 && (19..=22).contains(&vernal[0].day()));
        let autumnal = named("Autumnal Equinox Day");
        assert_eq!(autumnal.len(), 1, "{year}");
        assert!(autumnal[0].month() == 9 && (21..=24).contains(&autumnal[0].day()));

        // Happy Monday holidays: once a year, on a Monday in their month from
        // their start year; on their fixed date before.
        let happy_monday = [
            ("Coming of Age Day", 1, 2000, 15, 2),
            ("Marine Day", 7, 2003, 20, 3),
            ("Respect for the Aged Day", 9, 2003, 15, 3),
        ];
        for (name, month, since, fixed_day, nth) in happy_monday {
            let found = named(name);
            if name == "Marine Day" && year < 1996 {
                assert!(found.is_empty(), "{year}");
                continue;
            }
            assert_eq!(found.len(), 1, "{name} {year}");
            let day = found[0];
            if name == "Marine Day" && (year == 2020 || year == 2021) {
                continue;
            }
            assert_eq!(day.month(), month, "{name} {year}");
            if year >= since {
                assert_eq!(day.weekday(), Weekday::Mon, "{name} {year}");
                assert_eq!((day.day() - 1) / 7 + 1, nth, "{name} {year}");
            } else {
                assert_eq!(day.day(), fixed_day, "{name} {year}");
            }
        }
        let sports_name = if year >= 2020 {
            "Sports Day"
        } else {
            "Health and Sports Day"
        };
        let sports = named(sports_name);
        assert_eq!(sports.len(), 1, "{year}");
        if year >= 2000 && year != 2020 && year != 2021 {
            let day = sports[0];
            assert_eq!(day.month(), 10);
            assert_eq!(day.weekday(), Weekday::Mon);
            assert!((8..=14).contains(&day.day()), "{day}");
        }
        if year >= 2016 {
            assert_eq!(named("Mountain Day").len(), 1, "{year}");
        }
    }

    let sweep = || days(d(1973, 1, 1), d(2150, 12, 31));

    // Substitute holiday: a holiday on a Sunday (from 1973-04-12) is never
    // followed by a working Monday.
    for day in sweep().filter(|day| day.weekday() == Weekday::Sun) {
        if day >= d(1973, 4, 12) && is_holiday(day) {
            let monday = day.succ_opt().unwrap();
            assert!(is_holiday(monday), "{day} is a holiday, {monday} is not");
        }
    }

    // Every substitute holiday follows, through holidays only, a Sunday
    // holiday; before 2007 it is that Sunday's Monday.
    for day in sweep().filter(|&day| japan::holiday_name(day) == Some(SUBSTITUTE)) {
        if day.year() < 2007 {
            assert_eq!(day.weekday(), Weekday::Mon, "{day}");
            assert!(is_holiday(day.pred_opt().unwrap()), "{day}");
        } else {
            let mut prev = day.pred_opt().unwrap();
            while prev.weekday() != Weekday::Sun {
                assert!(is_holiday(prev), "{day}");
                prev = prev.pred_opt().unwrap();
            }
            assert!(is_holiday(prev), "{day}");
        }
    }

    // Citizens' holiday: from 1988 a day other than Sunday between two
    // holidays is a holiday.
    for day in sweep().filter(|day| day.year() >= 1988 && day.weekday() != Weekday::Sun) {
        let before = day.pred_opt().unwrap();
        let after = day.succ_opt().unwrap();
        if is_holiday(before) && is_holiday(after) {
            assert!(is_holiday(day), "{day} lies between two holidays");
        }
    }

    // Every citizens' holiday lies between two holidays.
    for day in sweep().filter(|&day| japan::holiday_name(day) == Some(CITIZENS)) {
        assert!(is_holiday(day.pred_opt().unwrap()), "{day}");
        assert!(is_holiday(day.succ_opt().unwrap()), "{day}");
        assert_ne!(day.weekday(), Weekday::Sun, "{day}");
    }
}
