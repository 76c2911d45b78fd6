//! Japanese national holidays, computed by rule.
//!
//! The rules are those of the Act on National Holidays (国民の祝日に関する法律,
//! Act No. 178 of 1948) with its amendments, plus the special acts that made
//! single days holidays (imperial weddings, funeral and enthronements) and the
//! Olympic special measures of 2020 and 2021. They are defined for the years
//! [`FIRST_YEAR`]`..=`[`LAST_YEAR`]; the act took effect on 1948-07-20, so
//! there are no holidays before that date.
//!
//! Three kinds of day are holidays:
//!
//! * national holidays proper (国民の祝日): fixed dates, "Happy Monday" dates
//!   (the n-th Monday of a month), and the vernal and autumnal equinox days,
//!   whose dates follow the standard approximation formula used for the
//!   Cabinet Office's announcements;
//! * the substitute holiday (振替休日, "Substitute Holiday"): from 1973-04-12
//!   a national holiday falling on a Sunday makes the following Monday a
//!   holiday; from 2007 it makes the first following day that is not a
//!   national holiday a holiday;
//! * the citizens' holiday (国民の休日, "Citizens' Holiday"): from 1985-12-27
//!   a day whose previous and next days are both national holidays is a
//!   holiday (until 2006 only if it was neither a Sunday nor a substitute
//!   holiday).
//!
//! The one-off holidays of 1959, 1989, 1990 and 1993 are holidays but not
//! national holidays for the substitute and citizens' rules; the two of 2019
//! are deemed national holidays for those rules by their act, which is what
//! makes 2019-04-30 and 2019-05-02 citizens' holidays.
//!
//! Names are English, in the Cabinet Office's usual wording; see
//! [`holiday_name`].

use chrono::{Datelike, NaiveDate, Weekday};

/// The first year the holiday rules are defined for (the act took effect on
/// 1948-07-20). Before it [`holiday_name`] returns `None`.
///
/// ```rust
/// use voltlex_dsl::calendar::japan;
/// let day = chrono::NaiveDate::from_ymd_opt(japan::FIRST_YEAR - 1, 1, 1).unwrap();
/// assert_eq!(japan::holiday_name(day), None);
/// assert_eq!(japan::FIRST_YEAR, 1948);
/// ```
pub const FIRST_YEAR: i32 = 1948;

/// The last year the holiday rules are defined for (the equinox formula's
/// published range ends with 2150). After it [`holiday_name`] returns `None`.
///
/// ```rust
/// use voltlex_dsl::calendar::japan;
/// let day = chrono::NaiveDate::from_ymd_opt(japan::LAST_YEAR + 1, 1, 1).unwrap();
/// assert_eq!(japan::holiday_name(day), None);
/// assert!(japan::holidays_in_year(japan::LAST_YEAR + 1).is_empty());
/// assert_eq!(japan::LAST_YEAR, 2150);
/// ```
pub const LAST_YEAR: i32 = 2150;

const NEW_YEARS_DAY: &str = "New Year's Day";
const COMING_OF_AGE_DAY: &str = "Coming of Age Day";
const NATIONAL_FOUNDATION_DAY: &str = "National Foundation Day";
const EMPERORS_BIRTHDAY: &str = "Emperor's Birthday";
const VERNAL_EQUINOX_DAY: &str = "Vernal Equinox Day";
const SHOWA_DAY: &str = "Showa Day";
const GREENERY_DAY: &str = "Greenery Day";
const CONSTITUTION_MEMORIAL_DAY: &str = "Constitution Memorial Day";
const CHILDRENS_DAY: &str = "Children's Day";
const MARINE_DAY: &str = "Marine Day";
const MOUNTAIN_DAY: &str = "Mountain Day";
const RESPECT_FOR_THE_AGED_DAY: &str = "Respect for the Aged Day";
const AUTUMNAL_EQUINOX_DAY: &str = "Autumnal Equinox Day";
const HEALTH_AND_SPORTS_DAY: &str = "Health and Sports Day";
const SPORTS_DAY: &str = "Sports Day";
const CULTURE_DAY: &str = "Culture Day";
const LABOUR_THANKSGIVING_DAY: &str = "Labour Thanksgiving Day";
const SUBSTITUTE_HOLIDAY: &str = "Substitute Holiday";
const CITIZENS_HOLIDAY: &str = "Citizens' Holiday";
const WEDDING_OF_CROWN_PRINCE_AKIHITO: &str = "Wedding of Crown Prince Akihito";
const FUNERAL_OF_EMPEROR_SHOWA: &str = "Funeral of Emperor Showa";
const ENTHRONEMENT_CEREMONY: &str = "Enthronement Ceremony";
const WEDDING_OF_CROWN_PRINCE_NARUHITO: &str = "Wedding of Crown Prince Naruhito";
const ENTHRONEMENT_DAY: &str = "Enthronement Day";

/// A day made a holiday by statute (not by the substitute or citizens' rule).
#[derive(Clone, Copy)]
struct Statutory {
    name: &'static str,
    /// Whether the day is a national holiday (国民の祝日), or deemed one, for
    /// the substitute and citizens' holiday rules.
    national: bool,
}

/// The name of the Japanese national holiday on `date`, if it is one.
///
/// Besides the national holidays proper this covers substitute holidays
/// (`"Substitute Holiday"`), citizens' holidays (`"Citizens' Holiday"`) and the
/// one-off holidays made by special acts. Names are English, e.g.
/// `"New Year's Day"`, `"Coming of Age Day"`, `"National Foundation Day"`,
/// `"Emperor's Birthday"`, `"Vernal Equinox Day"`, `"Showa Day"`,
/// `"Constitution Memorial Day"`, `"Greenery Day"`, `"Children's Day"`,
/// `"Marine Day"`, `"Mountain Day"`, `"Respect for the Aged Day"`,
/// `"Autumnal Equinox Day"`, `"Health and Sports Day"` (until 2019),
/// `"Sports Day"` (from 2020), `"Culture Day"`, `"Labour Thanksgiving Day"`.
///
/// Returns `None` for dates outside [`FIRST_YEAR`]`..=`[`LAST_YEAR`] and
/// before 1948-07-20, when the act took effect. The computation looks only at
/// the date and a few neighbouring days, so it is cheap to call for every day.
///
/// ```rust
/// use voltlex_dsl::calendar::japan;
/// use chrono::NaiveDate;
/// let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
/// assert_eq!(japan::holiday_name(d(2024, 3, 20)), Some("Vernal Equinox Day"));
/// assert_eq!(japan::holiday_name(d(2024, 2, 12)), Some("Substitute Holiday"));
/// assert_eq!(japan::holiday_name(d(2026, 9, 22)), Some("Citizens' Holiday"));
/// assert_eq!(japan::holiday_name(d(2024, 3, 21)), None);
/// ```
pub fn holiday_name(date: NaiveDate) -> Option<&'static str> {
    if !(FIRST_YEAR..=LAST_YEAR).contains(&date.year()) {
        return None;
    }
    if let Some(s) = statutory(date) {
        return Some(s.name);
    }
    if is_substitute_holiday(date) {
        return Some(SUBSTITUTE_HOLIDAY);
    }
    if is_citizens_holiday(date) {
        return Some(CITIZENS_HOLIDAY);
    }
    None
}

/// Every national holiday of `year`, in date order, with its name (as
/// [`holiday_name`] gives it). Empty outside [`FIRST_YEAR`]`..=`[`LAST_YEAR`].
///
/// ```rust
/// use voltlex_dsl::calendar::japan;
/// use chrono::NaiveDate;
/// let holidays = japan::holidays_in_year(2024);
/// assert_eq!(holidays.len(), 21);
/// assert_eq!(holidays[0], (NaiveDate::from_ymd_opt(2024, 1, 1).unwrap(), "New Year's Day"));
/// assert!(holidays.contains(&(NaiveDate::from_ymd_opt(2024, 5, 6).unwrap(), "Substitute Holiday")));
/// ```
pub fn holidays_in_year(year: i32) -> Vec<(NaiveDate, &'static str)> {
    if !(FIRST_YEAR..=LAST_YEAR).contains(&year) {
        return Vec::new();
    }
    let Some(first) = NaiveDate::from_ymd_opt(year, 1, 1) else {
        return Vec::new();
    };
    first
        .iter_days()
        .take_while(|d| d.year() == year)
        .filter_map(|d| holiday_name(d).map(|name| (d, name)))
        .collect()
}

/// `(year, month, day)` of `date`, for comparing with law dates.
fn ymd(date: NaiveDate) -> (i32, u32, u32) {
    (date.year(), date.month(), date.day())
}

/// The act took effect on 1948-07-20.
const LAW_START: (i32, u32, u32) = (1948, 7, 20);
/// The substitute holiday rule took effect on 1973-04-12.
const SUBSTITUTE_START: (i32, u32, u32) = (1973, 4, 12);
/// The citizens' holiday rule took effect on 1985-12-27.
const CITIZENS_START: (i32, u32, u32) = (1985, 12, 27);
/// The 2005 amendment (substitute to the next non-holiday; citizens' holiday
/// no longer excludes Sundays) took effect on 2007-01-01.
const AMENDMENT_2007: i32 = 2007;

/// The holiday made by statute on `date`: a national holiday proper or a
/// one-off holiday. Not the substitute or citizens' holidays.
fn statutory(date: NaiveDate) -> Option<Statutory> {
    let (y, m, d) = ymd(date);
    if !(FIRST_YEAR..=LAST_YEAR).contains(&y) || (y, m, d) < LAW_START {
        return None;
    }
    let one_off = |name| {
        Some(Statutory {
            name,
            national: false,
        })
    };
    let deemed = |name| {
        Some(Statutory {
            name,
            national: true,
        })
    };
    match (y, m, d) {
        (1959, 4, 10) => return one_off(WEDDING_OF_CROWN_PRINCE_AKIHITO),
        (1989, 2, 24) => return one_off(FUNERAL_OF_EMPEROR_SHOWA),
        (1990, 11, 12) => return one_off(ENTHRONEMENT_CEREMONY),
        (1993, 6, 9) => return one_off(WEDDING_OF_CROWN_PRINCE_NARUHITO),
        (2019, 5, 1) => return deemed(ENTHRONEMENT_DAY),
        (2019, 10, 22) => return deemed(ENTHRONEMENT_CEREMONY),
        _ => {}
    }
    // The n-th Monday of the month (n = 1..=5).
    let nth_monday = |n: u32| date.weekday() == Weekday::Mon && (d - 1) / 7 + 1 == n;
    let olympic = y == 2020 || y == 2021;
    let name = match m {
        1 if d == 1 => NEW_YEARS_DAY,
        1 if (y <= 1999 && d == 15) || (y >= 2000 && nth_monday(2)) => COMING_OF_AGE_DAY,
        2 if d == 11 && y >= 1967 => NATIONAL_FOUNDATION_DAY,
        2 if d == 23 && y >= 2020 => EMPERORS_BIRTHDAY,
        3 if vernal_equinox_day(y) == Some(d) => VERNAL_EQUINOX_DAY,
        4 if d == 29 && y <= 1988 => EMPERORS_BIRTHDAY,
        4 if d == 29 && y <= 2006 => GREENERY_DAY,
        4 if d == 29 => SHOWA_DAY,
        5 if d == 3 => CONSTITUTION_MEMORIAL_DAY,
        5 if d == 4 && y >= 2007 => GREENERY_DAY,
        5 if d == 5 => CHILDRENS_DAY,
        7 if (y == 2020 && d == 23) || (y == 2021 && d == 22) => MARINE_DAY,
        7 if (y == 2020 && d == 24) || (y == 2021 && d == 23) => SPORTS_DAY,
        7 if (1996..=2002).contains(&y) && d == 20 => MARINE_DAY,
        7 if y >= 2003 && !olympic && nth_monday(3) => MARINE_DAY,
        8 if (y == 2020 && d == 10) || (y == 2021 && d == 8) => MOUNTAIN_DAY,
        8 if y >= 2016 && !olympic && d == 11 => MOUNTAIN_DAY,
        9 if (1966..=2002).contains(&y) && d == 15 => RESPECT_FOR_THE_AGED_DAY,
        9 if y >= 2003 && nth_monday(3) => RESPECT_FOR_THE_AGED_DAY,
        9 if autumnal_equinox_day(y) == Some(d) => AUTUMNAL_EQUINOX_DAY,
        10 if (1966..=1999).contains(&y) && d == 10 => HEALTH_AND_SPORTS_DAY,
        10 if (2000..=2019).contains(&y) && nth_monday(2) => HEALTH_AND_SPORTS_DAY,
        10 if y >= 2022 && nth_monday(2) => SPORTS_DAY,
        11 if d == 3 => CULTURE_DAY,
        11 if d == 23 => LABOUR_THANKSGIVING_DAY,
        12 if d == 23 && (1989..=2018).contains(&y) => EMPERORS_BIRTHDAY,
        _ => return None,
    };
    Some(Statutory {
        name,
        national: true,
    })
}

/// Whether `date` is a national holiday (国民の祝日) or deemed one, for the
/// substitute and citizens' holiday rules.
fn is_national(date: Option<NaiveDate>) -> bool {
    date.and_then(statutory).is_some_and(|s| s.national)
}

/// Whether `date`, which is not itself a statutory holiday, is a substitute
/// holiday (振替休日).
///
/// From 1973-04-12 to 2006 a national holiday on a Sunday makes the next day a
/// holiday (a Monday, unless that is a national holiday itself). From 2007 it
/// makes the nearest following day that is not a national holiday a holiday:
/// that is `date` exactly when the run of national holidays just before
/// `date` contains a Sunday.
fn is_substitute_holiday(date: NaiveDate) -> bool {
    let mut day = date;
    // A run of consecutive national holidays is at most a few days long.
    for steps_back in 1..=7 {
        let Some(prev) = day.pred_opt() else {
            return false;
        };
        if !is_national(Some(prev)) {
            return false;
        }
        if prev.weekday() == Weekday::Sun {
            return if prev.year() >= AMENDMENT_2007 {
                true
            } else {
                ymd(prev) >= SUBSTITUTE_START && steps_back == 1
            };
        }
        day = prev;
    }
    false
}

/// Whether `date`, which is neither a statutory nor a substitute holiday, is a
/// citizens' holiday (国民の休日): from 1985-12-27, a day between two national
/// holidays; until 2006 not if it is a Sunday.
fn is_citizens_holiday(date: NaiveDate) -> bool {
    if ymd(date) < CITIZENS_START {
        return false;
    }
    if date.year() < AMENDMENT_2007 && date.weekday() == Weekday::Sun {
        return false;
    }
    is_national(date.pred_opt()) && is_national(date.succ_opt())
}

/// The day of March of the vernal equinox day (春分の日) of `year`, by the
/// standard approximation `floor(C + 0.242194·(y−1980) − floor((y−1980)/4))`
/// with C = 20.8357 (1900–1979), 20.8431 (1980–2099), 21.8510 (2100–2150).
fn vernal_equinox_day(year: i32) -> Option<u32> {
    equinox_day(year, [20_835_700, 20_843_100, 21_851_000])
}

/// The day of September of the autumnal equinox day (秋分の日) of `year`, by
/// the same formula with C = 23.2588 (1900–1979), 23.2488 (1980–2099),
/// 24.2488 (2100–2150).
fn autumnal_equinox_day(year: i32) -> Option<u32> {
    equinox_day(year, [23_258_800, 23_248_800, 24_248_800])
}

/// The equinox formula in exact integer arithmetic (millionths of a day).
/// `constants` are C for 1900–1979, 1980–2099 and 2100–2150, times 10⁶.
/// For years before 1980, `floor((y−1980)/4)` equals the published
/// `int((y−1983)/4)` (truncating), so one expression serves all ranges.
fn equinox_day(year: i32, constants: [i64; 3]) -> Option<u32> {
    let c = match year {
        1900..=1979 => constants[0],
        1980..=2099 => constants[1],
        2100..=2150 => constants[2],
        _ => return None,
    };
    let n = i64::from(year - 1980);
    let day = (c + 242_194 * n).div_euclid(1_000_000) - n.div_euclid(4);
    u32::try_from(day).ok()
}
