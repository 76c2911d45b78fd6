//! Reading one cell: numbers, words, times and dates, as Excel stores them or as text.
//!
//! Each function returns `Ok(None)` for an empty cell and `Err(message)` with the whole
//! message (`battery capacity must be a number of kWh, found "40kwh"`) otherwise.

use calamine::Data;
use chrono::{Duration, NaiveDate, NaiveDateTime, NaiveTime, Timelike};
use serde_json::Value;

use super::layout::{Field, Kind};

/// True for an empty cell or one holding only spaces.
pub(crate) fn is_blank(data: &Data) -> bool {
    match data {
        Data::Empty => true,
        Data::String(text) => text.trim().is_empty(),
        _ => false,
    }
}

/// How a cell's content is quoted in a message: text in quotes, numbers as written.
pub(crate) fn shown(data: &Data) -> String {
    match data {
        Data::Empty => "an empty cell".into(),
        Data::String(text) => format!("{:?}", text.trim()),
        Data::Int(n) => n.to_string(),
        Data::Float(x) => format_number(*x),
        Data::Bool(b) => if *b { "TRUE" } else { "FALSE" }.into(),
        Data::DateTime(dt) => match from_serial(dt.as_f64()) {
            Some(at) => format!("the date-time {}", at.format("%Y-%m-%d %H:%M")),
            None => format!("the serial {}", format_number(dt.as_f64())),
        },
        Data::DateTimeIso(text) | Data::DurationIso(text) => format!("{text:?}"),
        Data::Error(error) => format!("the error {error}"),
    }
}

/// A number as a person writes it: `40`, `2.5`, `-3`.
pub(crate) fn format_number(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{x:.0}")
    } else {
        x.to_string()
    }
}

/// A JSON number: an integer when the value is whole (so `600` reads back as written).
pub(crate) fn json_number(x: f64) -> Value {
    if x.fract() == 0.0 && x.abs() < 9.0e15 {
        // Whole and within i64's exact range: the conversion is exact.
        Value::from(x as i64)
    } else {
        serde_json::Number::from_f64(x).map_or(Value::Null, Value::Number)
    }
}

/// A cell read as a number: Excel numbers, or text that is only a number (`"40"`, `"5 %"` for
/// a percentage). Text with anything else (`"40kwh"`) is not a number.
fn number_of(data: &Data, unit: &str) -> Option<f64> {
    match data {
        Data::Int(n) => Some(*n as f64),
        Data::Float(x) => Some(*x),
        Data::String(text) => {
            let text = text.trim();
            let text = if unit.starts_with('%') {
                text.trim_end_matches('%').trim_end()
            } else {
                text
            };
            let plain = !text.is_empty()
                && text
                    .chars()
                    .all(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | 'e' | 'E'));
            if plain {
                text.parse::<f64>().ok().filter(|x| x.is_finite())
            } else {
                None
            }
        }
        _ => None,
    }
}

/// `a number of kWh`, `a whole number of vehicles`, `a percentage`.
fn expected_number(unit: &str, whole: bool) -> String {
    let number = if whole { "a whole number" } else { "a number" };
    if unit.is_empty() {
        number.to_string()
    } else {
        format!("{number} of {unit}")
    }
}

/// `numbers of kWp`, `whole numbers of vehicles`: the items of a list.
fn expected_numbers(unit: &str, whole: bool) -> String {
    let numbers = if whole { "whole numbers" } else { "numbers" };
    if unit.is_empty() {
        numbers.to_string()
    } else {
        format!("{numbers} of {unit}")
    }
}

/// Reads one number of `kind` (which must be [`Kind::Number`]).
fn read_number(
    what: &str,
    data: &Data,
    unit: &str,
    min: f64,
    max: f64,
    whole: bool,
) -> Result<f64, String> {
    let Some(x) = number_of(data, unit) else {
        return Err(format!(
            "{what} must be {}, found {}",
            expected_number(unit, whole),
            shown(data)
        ));
    };
    if whole && x.fract() != 0.0 {
        return Err(format!(
            "{what} must be {}, found {}",
            expected_number(unit, whole),
            format_number(x)
        ));
    }
    // Counts read "at least 1", quantities "at most 100%", "at least 0 kW".
    let spaced = |unit: &str| {
        if whole {
            String::new()
        } else if unit.is_empty() || unit.starts_with('%') || unit.starts_with('°') {
            unit.to_string()
        } else {
            format!(" {unit}")
        }
    };
    if x < min {
        return Err(format!(
            "{what} must be at least {}{}, found {}",
            format_number(min),
            spaced(unit),
            format_number(x)
        ));
    }
    if x > max {
        return Err(format!(
            "{what} must be at most {}{}, found {}",
            format_number(max),
            spaced(unit),
            format_number(x)
        ));
    }
    Ok(x)
}

/// A word of `choices`, ignoring case; the canonical spelling is returned.
fn read_choice(what: &str, data: &Data, choices: &[&'static str]) -> Result<&'static str, String> {
    let found = match data {
        Data::String(text) => choices
            .iter()
            .find(|c| c.eq_ignore_ascii_case(text.trim()))
            .copied(),
        // A yes/no cell typed as TRUE/FALSE.
        Data::Bool(b) if choices == super::layout::YES_NO => Some(if *b { "yes" } else { "no" }),
        _ => None,
    };
    found.ok_or_else(|| format!("{what} must be {}, found {}", one_of(choices), shown(data)))
}

/// `yes or no`, `one of LFP, NMC`.
pub(crate) fn one_of(choices: &[&str]) -> String {
    match choices {
        [a, b] => format!("{a} or {b}"),
        _ => format!("one of {}", choices.join(", ")),
    }
}

/// Days since 1899-12-30 (Excel's 1900 system) → date-time, rounded to the second.
fn from_serial(serial: f64) -> Option<NaiveDateTime> {
    if !(0.0..3_000_000.0).contains(&serial) {
        return None;
    }
    let epoch = NaiveDate::from_ymd_opt(1899, 12, 30)?.and_hms_opt(0, 0, 0)?;
    let seconds = (serial * 86_400.0).round() as i64;
    epoch.checked_add_signed(Duration::seconds(seconds))
}

/// A time of day: an Excel time (a fraction of a day) or `17:30` / `17:30:00` text.
pub(crate) fn read_time(what: &str, data: &Data) -> Result<NaiveTime, String> {
    let bad = || {
        format!(
            "{what} must be a time of day (HH:MM, 00:00 to 23:59), found {}",
            shown(data)
        )
    };
    let serial = match data {
        Data::DateTime(dt) => Some(dt.as_f64()),
        Data::Float(x) => Some(*x),
        Data::Int(n) => Some(*n as f64),
        _ => None,
    };
    if let Some(serial) = serial {
        // Only the time part of a day: 0 ≤ serial < 1.
        if !(0.0..1.0).contains(&serial) {
            return Err(bad());
        }
        let at = from_serial(serial).ok_or_else(bad)?;
        // Minutes are what the study reads; Excel stores 17:30 as 0.729166…
        let minutes = (at.time().num_seconds_from_midnight() + 30) / 60;
        return NaiveTime::from_hms_opt(minutes / 60 % 24, minutes % 60, 0).ok_or_else(bad);
    }
    let text = match data {
        Data::String(text) | Data::DateTimeIso(text) => text.trim(),
        _ => return Err(bad()),
    };
    ["%H:%M", "%H:%M:%S"]
        .iter()
        .find_map(|f| NaiveTime::parse_from_str(text, f).ok())
        .filter(|t| t.second() == 0)
        .ok_or_else(bad)
}

/// A date: an Excel date or `2025-06-02` / `2025/6/2` text.
pub(crate) fn read_date(what: &str, data: &Data) -> Result<NaiveDate, String> {
    let bad = || format!("{what} must be a date (YYYY-MM-DD), found {}", shown(data));
    match data {
        Data::DateTime(dt) => from_serial(dt.as_f64())
            .filter(|at| at.time() == NaiveTime::MIN)
            .map(|at| at.date())
            .ok_or_else(bad),
        Data::Float(x) => from_serial(*x)
            .filter(|at| at.time() == NaiveTime::MIN && *x >= 1.0)
            .map(|at| at.date())
            .ok_or_else(bad),
        Data::String(text) | Data::DateTimeIso(text) => ["%Y-%m-%d", "%Y/%m/%d"]
            .iter()
            .find_map(|f| NaiveDate::parse_from_str(text.trim(), f).ok())
            .ok_or_else(bad),
        _ => Err(bad()),
    }
}

/// A month: `2024-04`, `2024/4`, or a date (Excel's or as text) within it.
pub(crate) fn read_month(what: &str, data: &Data) -> Result<String, String> {
    let bad = || format!("{what} must be a month (YYYY-MM), found {}", shown(data));
    if let Data::String(text) = data {
        let text = text.trim();
        let month = ["%Y-%m-%d", "%Y/%m/%d"]
            .iter()
            .find_map(|f| NaiveDate::parse_from_str(&format!("{text}-01"), f).ok())
            .or_else(|| NaiveDate::parse_from_str(&format!("{text}/1"), "%Y/%m/%d").ok());
        if let Some(month) = month {
            return Ok(month.format("%Y-%m").to_string());
        }
    }
    read_date(what, data)
        .map(|date| date.format("%Y-%m").to_string())
        .map_err(|_| bad())
}

/// A date-time: an Excel date-time or `2024-04-01 00:30`, `2024/4/1 0:30`, `2024-04-01T00:30`
/// (seconds optional).
pub(crate) fn read_datetime(what: &str, data: &Data) -> Result<NaiveDateTime, String> {
    let bad = || {
        format!(
            "{what} must be a date and time (YYYY-MM-DD HH:MM), found {}",
            shown(data)
        )
    };
    match data {
        Data::DateTime(dt) => from_serial(dt.as_f64()).ok_or_else(bad),
        Data::Float(x) if *x >= 1.0 => from_serial(*x).ok_or_else(bad),
        Data::String(text) | Data::DateTimeIso(text) => {
            let text = text.trim();
            [
                "%Y-%m-%d %H:%M",
                "%Y-%m-%d %H:%M:%S",
                "%Y/%m/%d %H:%M",
                "%Y/%m/%d %H:%M:%S",
                "%Y-%m-%dT%H:%M",
                "%Y-%m-%dT%H:%M:%S",
            ]
            .iter()
            .find_map(|f| NaiveDateTime::parse_from_str(text, f).ok())
            .ok_or_else(bad)
        }
        _ => Err(bad()),
    }
}

/// Comma-separated items of a text cell (a single number cell is a list of one).
fn list_items(data: &Data) -> Vec<Data> {
    match data {
        Data::String(text) => text
            .split(',')
            .map(|item| Data::String(item.trim().to_string()))
            .collect(),
        other => vec![other.clone()],
    }
}

/// Reads a cell of `field`; `Ok(None)` when empty. [`Kind::Listed`] and
/// [`Kind::ListedList`] cells come back as text: the reader checks the names.
pub(crate) fn read(field: &Field, data: &Data) -> Result<Option<Value>, String> {
    if is_blank(data) {
        return Ok(None);
    }
    let what = field.what;
    let value = match field.kind {
        Kind::Number {
            unit,
            min,
            max,
            whole,
        } => json_number(read_number(what, data, unit, min, max, whole)?),
        Kind::Text | Kind::Listed(_) | Kind::Indices => match data {
            Data::String(text) => Value::from(text.trim()),
            _ => return Err(format!("{what} must be text, found {}", shown(data))),
        },
        Kind::Choice(choices) => Value::from(read_choice(what, data, choices)?),
        Kind::Time => Value::from(read_time(what, data)?.format("%H:%M").to_string()),
        Kind::Date => Value::from(read_date(what, data)?.format("%Y-%m-%d").to_string()),
        Kind::Month => Value::from(read_month(what, data)?),
        Kind::PercentOrFile => match data {
            Data::String(text) if text.trim().to_lowercase().ends_with(".csv") => {
                Value::from(text.trim())
            }
            _ => {
                let number =
                    read_number(what, data, "%", 0.0, 100.0, false).map_err(|message| {
                        if number_of(data, "%").is_none() {
                            format!(
                            "{what} must be a number of % or a CSV file (ending in .csv), found {}",
                            shown(data)
                        )
                        } else {
                            message
                        }
                    })?;
                json_number(number)
            }
        },
        Kind::NumberList { unit, whole } => {
            let mut values = Vec::new();
            for item in list_items(data) {
                if is_blank(&item) {
                    return Err(format!(
                        "{what} must be {} separated by commas, found {} (an empty item)",
                        expected_numbers(unit, whole),
                        shown(data)
                    ));
                }
                let x = number_of(&item, unit)
                    .filter(|x| !whole || x.fract() == 0.0)
                    .filter(|x| *x >= 0.0)
                    .ok_or_else(|| {
                        format!(
                            "{what} must be {} (at least 0) separated by commas, found {}",
                            expected_numbers(unit, whole),
                            shown(data)
                        )
                    })?;
                values.push(json_number(x));
            }
            Value::Array(values)
        }
        Kind::ChoiceList(choices) => {
            let mut values = Vec::new();
            for item in list_items(data) {
                let word = read_choice(what, &item, choices).map_err(|_| {
                    format!(
                        "{what} must be {} separated by commas, found {}",
                        choices.join(", "),
                        shown(data)
                    )
                })?;
                values.push(Value::from(word));
            }
            Value::Array(values)
        }
        Kind::ListedList => match data {
            Data::String(_) => Value::Array(
                list_items(data)
                    .into_iter()
                    .filter_map(|item| match item {
                        Data::String(text) => Some(Value::from(text)),
                        _ => None,
                    })
                    .collect(),
            ),
            _ => {
                return Err(format!(
                    "{what} must be names separated by commas, found {}",
                    shown(data)
                ))
            }
        },
        Kind::Section => return Ok(None),
    };
    Ok(Some(value))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::layout::{FLEET, TRIPS};

    fn text(s: &str) -> Data {
        Data::String(s.into())
    }

    #[test]
    fn numbers_as_numbers_or_plain_text_but_not_with_units() {
        let battery = FLEET.fields.get(3).unwrap();
        assert_eq!(read(battery, &Data::Float(40.0)), Ok(Some(Value::from(40))));
        assert_eq!(read(battery, &text(" 40 ")), Ok(Some(Value::from(40))));
        assert_eq!(
            read(battery, &Data::Float(40.5)),
            Ok(Some(Value::from(40.5)))
        );
        assert_eq!(
            read(battery, &text("40kwh")),
            Err("battery capacity must be a number of kWh, found \"40kwh\"".into())
        );
        assert_eq!(read(battery, &text("  ")), Ok(None));
    }

    #[test]
    fn times_as_serials_and_text() {
        let departure = TRIPS.fields.first().unwrap();
        let serial = 17.5 / 24.0;
        assert_eq!(
            read(departure, &Data::Float(serial)),
            Ok(Some(Value::from("17:30")))
        );
        assert_eq!(
            read(departure, &text("8:30")),
            Ok(Some(Value::from("08:30")))
        );
        assert_eq!(
            read(departure, &text("25:00")),
            Err("departure must be a time of day (HH:MM, 00:00 to 23:59), found \"25:00\"".into())
        );
    }

    #[test]
    fn date_times_as_serials_and_text() {
        let expected = NaiveDate::from_ymd_opt(2024, 4, 1)
            .unwrap()
            .and_hms_opt(0, 30, 0)
            .unwrap();
        for data in [
            text("2024-04-01 00:30"),
            text("2024/4/1 0:30"),
            Data::Float(45383.0 + 1.0 / 48.0),
        ] {
            assert_eq!(read_datetime("start", &data), Ok(expected), "{data:?}");
        }
        assert!(read_datetime("start", &text("2024-13-01 00:30")).is_err());
    }

    #[test]
    fn months_as_text_or_dates() {
        for data in [
            text("2024-04"),
            text("2024/4"),
            text("2024-04-15"),
            Data::Float(45383.0),
        ] {
            assert_eq!(
                read_month("supply start", &data),
                Ok("2024-04".into()),
                "{data:?}"
            );
        }
        assert_eq!(
            read_month("supply start", &text("April")),
            Err("supply start must be a month (YYYY-MM), found \"April\"".into())
        );
    }
}
