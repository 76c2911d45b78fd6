//! The readers against the real JEPX files, the example inputs, and every error they report.

// Test code: a failed expectation should panic.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use chrono::{NaiveDate, NaiveDateTime};
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::str::FromStr;

use voltlex_engine::inputs::IndexSeries;
use voltlex_engine::month::YearMonth;
use voltlex_engine::read::{
    area_for_index_name, index_file, index_file_from_reader, index_files, jepx_spot_summary,
    jepx_spot_summary_from_reader, load_csv, load_csv_from_reader, merge_index, monthly_index_csv,
    monthly_index_csv_from_reader, peak_history_csv, peak_history_csv_from_reader,
    power_factor_csv, power_factor_csv_from_reader, JepxArea, ReadError, SequenceProblem,
};

fn jepx_file(year: i32) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/data/jepx")
        .join(format!("spot_summary_{year}.csv"))
}

fn example(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../workbooks/examples")
        .join(name)
}

fn at(text: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").unwrap()
}

fn month(text: &str) -> YearMonth {
    text.parse().unwrap()
}

fn dec(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap()
}

fn interval_values(series: IndexSeries) -> (u32, BTreeMap<NaiveDateTime, Decimal>) {
    match series {
        IndexSeries::Interval {
            interval_minutes,
            values,
        } => (interval_minutes, values),
        IndexSeries::Monthly(_) => panic!("expected an interval series, found a monthly one"),
    }
}

fn monthly_values(series: IndexSeries) -> BTreeMap<YearMonth, Decimal> {
    match series {
        IndexSeries::Monthly(values) => values,
        IndexSeries::Interval { .. } => panic!("expected a monthly series, found an interval one"),
    }
}

fn load_error(text: &str) -> String {
    load_csv_from_reader("load.csv", text.as_bytes())
        .unwrap_err()
        .to_string()
}

/// A file in the temp dir, unique to this test process.
fn temp_file(name: &str, contents: &[u8]) -> PathBuf {
    let path =
        std::env::temp_dir().join(format!("voltlex-read-test-{}-{name}", std::process::id()));
    std::fs::write(&path, contents).unwrap();
    path
}

const JEPX_HEADER: &str = "受渡日,時刻コード,売り入札量(kWh),買い入札量(kWh),約定総量(kWh),\
システムプライス(円/kWh),エリアプライス北海道(円/kWh),エリアプライス東北(円/kWh),\
エリアプライス東京(円/kWh),エリアプライス中部(円/kWh),エリアプライス北陸(円/kWh),\
エリアプライス関西(円/kWh),エリアプライス中国(円/kWh),エリアプライス四国(円/kWh),\
エリアプライス九州(円/kWh),売りブロック入札総量(kWh),売りブロック約定総量(kWh),\
買いブロック入札総量(kWh),買いブロック約定総量(kWh)";

/// A spot_summary row: system price `system`, Tokyo `tokyo`, every other area 9.
fn jepx_row(date: &str, code: u32, system: &str, tokyo: &str) -> String {
    format!("{date},{code},100,100,100,{system},9,9,{tokyo},9,9,9,9,9,9,0,0,0,0")
}

fn shift_jis(text: &str) -> Vec<u8> {
    let (bytes, _, unmappable) = encoding_rs::SHIFT_JIS.encode(text);
    assert!(!unmappable);
    bytes.into_owned()
}

// ---------------------------------------------------------------- JEPX, the real files

#[test]
fn real_jepx_files_load_with_every_half_hour_of_the_year() {
    for (year, rows) in [
        (2021, 17_520),
        (2022, 17_520),
        (2023, 17_520),
        (2024, 17_568),
    ] {
        let (minutes, values) =
            interval_values(jepx_spot_summary(jepx_file(year), JepxArea::Tokyo).unwrap());
        assert_eq!(minutes, 30);
        assert_eq!(values.len(), rows, "{year}");
        let first = *values.keys().next().unwrap();
        let last = *values.keys().next_back().unwrap();
        assert_eq!(first, at(&format!("{year}-01-01 00:00")), "{year}");
        assert_eq!(last, at(&format!("{year}-12-31 23:30")), "{year}");
        assert!(
            values.values().all(|price| *price >= dec("0.01")),
            "{year}: JEPX floor is 0.01"
        );
    }
}

#[test]
fn real_jepx_tokyo_statistics_match_the_facts() {
    // FACTS.md: Tokyo area price means 2021 14.68, 2022 26.08, 2023 13.42, 2024 13.00;
    // 2021 max 252.00 (the January 2021 spike).
    for (year, mean) in [
        (2021, "14.68"),
        (2022, "26.08"),
        (2023, "13.42"),
        (2024, "13.00"),
    ] {
        let (_, values) =
            interval_values(jepx_spot_summary(jepx_file(year), JepxArea::Tokyo).unwrap());
        let sum: Decimal = values.values().sum();
        let average = sum / Decimal::from(values.len());
        assert_eq!(
            average.round_dp(2),
            dec(mean),
            "{year}: Tokyo mean {average}"
        );
        if year == 2021 {
            let (when, max) = values.iter().max_by_key(|(_, price)| **price).unwrap();
            assert_eq!(*max, dec("252"));
            assert_eq!(when.date().to_string().get(..7), Some("2021-01"));
        }
    }
}

#[test]
fn real_jepx_time_codes_map_to_interval_starts() {
    // First rows of 2024 (Tokyo): code 1 = 00:00 15.64, code 2 = 00:30 11.46; system 12.2 / 11.3.
    let (_, tokyo) = interval_values(jepx_spot_summary(jepx_file(2024), JepxArea::Tokyo).unwrap());
    assert_eq!(tokyo[&at("2024-01-01 00:00")], dec("15.64"));
    assert_eq!(tokyo[&at("2024-01-01 00:30")], dec("11.46"));
    let (_, system) = interval_values(index_file(jepx_file(2024), "jepx").unwrap());
    assert_eq!(system[&at("2024-01-01 00:00")], dec("12.2"));
    assert_eq!(system[&at("2024-01-01 00:30")], dec("11.3"));
    // Leap day is there.
    assert!(tokyo.contains_key(&at("2024-02-29 23:30")));
}

#[test]
fn real_jepx_years_merge_into_one_contiguous_series() {
    let paths: Vec<PathBuf> = (2021..=2024).map(jepx_file).collect();
    let (minutes, values) = interval_values(index_files(&paths, "jepx-kansai").unwrap());
    assert_eq!(minutes, 30);
    assert_eq!(values.len(), 3 * 17_520 + 17_568);
    let keys: Vec<&NaiveDateTime> = values.keys().collect();
    assert!(keys
        .windows(2)
        .all(|pair| *pair[1] - *pair[0] == chrono::Duration::minutes(30)));
    // Kansai, not Tokyo: the first 2024 interval is 11.29 in Kansai, 15.64 in Tokyo.
    assert_eq!(values[&at("2024-01-01 00:00")], dec("11.29"));
}

// ---------------------------------------------------------------- JEPX, layout variants and errors

#[test]
fn jepx_accepts_utf8_with_and_without_bom_padded_dates_and_trailing_empty_rows() {
    let text = format!(
        "{JEPX_HEADER}\r\n{}\r\n{}\r\n,,,,,,,,,,,,,,,,,,\r\n,,,,,,,,,,,,,,,,,,\r\n",
        jepx_row("2024/04/01", 48, "8", "10.5"),
        jepx_row("2024/04/02", 1, "7", "10.25"),
    );
    let mut with_bom = b"\xEF\xBB\xBF".to_vec();
    with_bom.extend_from_slice(text.as_bytes());
    for bytes in [text.as_bytes().to_vec(), with_bom, shift_jis(&text)] {
        let (_, values) = interval_values(
            jepx_spot_summary_from_reader("spot.csv", &bytes[..], JepxArea::Tokyo).unwrap(),
        );
        assert_eq!(
            values,
            BTreeMap::from([
                (at("2024-04-01 23:30"), dec("10.5")),
                (at("2024-04-02 00:00"), dec("10.25")),
            ])
        );
    }
}

#[test]
fn jepx_reports_a_bad_time_code_with_its_column() {
    let text = format!("{JEPX_HEADER}\n{}\n", jepx_row("2024/4/1", 49, "8", "9"));
    let error =
        jepx_spot_summary_from_reader("spot.csv", text.as_bytes(), JepxArea::Tokyo).unwrap_err();
    assert_eq!(
        error.to_string(),
        "spot.csv:2: column \"時刻コード\": expected a time code 1..48, found \"49\""
    );
}

#[test]
fn jepx_reports_a_missing_half_hour() {
    let text = format!(
        "{JEPX_HEADER}\n{}\n{}\n",
        jepx_row("2024/4/1", 1, "8", "9"),
        jepx_row("2024/4/1", 3, "8", "9"),
    );
    let error =
        jepx_spot_summary_from_reader("spot.csv", text.as_bytes(), JepxArea::Tokyo).unwrap_err();
    assert_eq!(
        error.to_string(),
        "spot.csv:3: expected the interval starting 2024-04-01 00:30 (30-minute steps), \
         found 2024-04-01 01:00: 1 interval missing"
    );
}

#[test]
fn jepx_reports_a_bad_price_and_a_bad_date() {
    let text = format!("{JEPX_HEADER}\n{}\n", jepx_row("2024/4/1", 1, "8", "-"));
    let error =
        jepx_spot_summary_from_reader("spot.csv", text.as_bytes(), JepxArea::Tokyo).unwrap_err();
    assert_eq!(
        error.to_string(),
        "spot.csv:2: column \"エリアプライス東京(円/kWh)\": expected the tokyo price in JPY/kWh \
         (a decimal number), found \"-\""
    );
    let text = format!("{JEPX_HEADER}\n{}\n", jepx_row("1/4/2024", 1, "8", "9"));
    let error =
        jepx_spot_summary_from_reader("spot.csv", text.as_bytes(), JepxArea::Tokyo).unwrap_err();
    assert_eq!(
        error.to_string(),
        "spot.csv:2: column \"受渡日\": expected a delivery date as YYYY/M/D (e.g. 2024/4/1), found \"1/4/2024\""
    );
}

#[test]
fn jepx_refuses_a_header_with_the_columns_moved() {
    let moved = JEPX_HEADER.replace("エリアプライス東京", "エリアプライス東海");
    let text = format!("{moved}\n{}\n", jepx_row("2024/4/1", 1, "8", "9"));
    let error =
        jepx_spot_summary_from_reader("spot.csv", text.as_bytes(), JepxArea::Kansai).unwrap_err();
    assert_eq!(
        error.to_string(),
        "spot.csv:1: expected a JEPX spot_summary header (19 columns) with the tokyo area price \
         (エリアプライス東京) in column 9, found \"エリアプライス東海(円/kWh)\" there"
    );
    let error = jepx_spot_summary_from_reader(
        "spot.csv",
        "受渡日,時刻コード\n".as_bytes(),
        JepxArea::Tokyo,
    )
    .unwrap_err();
    assert!(
        error.to_string().ends_with("in column 6, found 2 columns"),
        "{error}"
    );
}

#[test]
fn jepx_refuses_a_file_without_prices_and_undecodable_bytes() {
    let error = jepx_spot_summary_from_reader(
        "spot.csv",
        format!("{JEPX_HEADER}\n,,,\n").as_bytes(),
        JepxArea::Tokyo,
    )
    .unwrap_err();
    assert_eq!(
        error.to_string(),
        "spot.csv:1: expected at least one row of prices after the header, found none"
    );
    let mut bytes = shift_jis(&format!("{JEPX_HEADER}\n"));
    bytes.extend_from_slice(b"2024/4/1,1,\x81\x7f\xff\n");
    let error = jepx_spot_summary_from_reader("spot.csv", &bytes[..], JepxArea::Tokyo).unwrap_err();
    assert_eq!(
        error.to_string(),
        "spot.csv:2: expected text in UTF-8 or Shift-JIS (cp932), found bytes that are neither"
    );
}

#[test]
fn jepx_areas_parse_from_their_english_names() {
    for area in JepxArea::ALL {
        assert_eq!(area.name().parse::<JepxArea>(), Ok(area));
        assert_eq!(
            area.to_string().to_uppercase().parse::<JepxArea>(),
            Ok(area)
        );
    }
    assert_eq!(JepxArea::System.column(), 5);
    assert_eq!(JepxArea::Tokyo.column(), 8);
    assert_eq!(JepxArea::Kyushu.column(), 14);
    let error = "kanto".parse::<JepxArea>().unwrap_err();
    assert!(
        error
            .to_string()
            .contains("system, hokkaido, tohoku, tokyo"),
        "{error}"
    );
    assert!(error.to_string().ends_with("found \"kanto\""), "{error}");
}

// ---------------------------------------------------------------- index_file, merging

#[test]
fn index_names_pick_the_area() {
    assert_eq!(area_for_index_name("jepx-tokyo"), JepxArea::Tokyo);
    assert_eq!(area_for_index_name("jepx-system"), JepxArea::System);
    assert_eq!(area_for_index_name("spot-price-chugoku"), JepxArea::Chugoku);
    assert_eq!(area_for_index_name("jepx"), JepxArea::System);
    assert_eq!(area_for_index_name("tokyo-fuel"), JepxArea::System);
}

#[test]
fn index_file_detects_the_format() {
    let spot = format!("{JEPX_HEADER}\n{}\n", jepx_row("2024/4/1", 1, "8", "12.5"));
    let (_, tokyo) = interval_values(
        index_file_from_reader("spot.csv", &shift_jis(&spot)[..], "jepx-tokyo").unwrap(),
    );
    assert_eq!(tokyo[&at("2024-04-01 00:00")], dec("12.5"));
    let (_, system) =
        interval_values(index_file_from_reader("spot.csv", spot.as_bytes(), "jepx").unwrap());
    assert_eq!(system[&at("2024-04-01 00:00")], dec("8"));

    let monthly = "# a comment\nmonth,value\n2024-04,-1.62\n";
    let values = monthly_values(
        index_file_from_reader("fuel.csv", monthly.as_bytes(), "jepx-tokyo").unwrap(),
    );
    assert_eq!(values[&month("2024-04")], dec("-1.62"));

    // A `price` column after the first makes a file interval prices (a pasted market price
    // series); its first column must then hold interval starts.
    let error =
        index_file_from_reader("other.csv", "date,price\n2024-04-01,3\n".as_bytes(), "fuel")
            .unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with("other.csv:2: column \"date\": expected an interval start"),
        "{error}"
    );
    let error =
        index_file_from_reader("other.csv", "date,value\n2024-04-01,3\n".as_bytes(), "fuel")
            .unwrap_err();
    assert_eq!(
        error.to_string(),
        "other.csv:1: expected a column named \"month\", found columns \"date\", \"value\""
    );
}

#[test]
fn merging_keeps_equal_overlaps_and_refuses_different_ones() {
    let a = IndexSeries::Monthly(BTreeMap::from([
        (month("2024-04"), dec("1.2")),
        (month("2024-05"), dec("1.3")),
    ]));
    let b = IndexSeries::Monthly(BTreeMap::from([
        (month("2024-05"), dec("1.30")),
        (month("2024-06"), dec("1.4")),
    ]));
    let merged = monthly_values(merge_index(a.clone(), b).unwrap());
    assert_eq!(merged.len(), 3);

    let c = IndexSeries::Monthly(BTreeMap::from([(month("2024-05"), dec("1.31"))]));
    let error = merge_index(a.clone(), c).unwrap_err();
    assert!(
        matches!(&error, ReadError::Conflict { key, .. } if key == "2024-05"),
        "{error}"
    );

    let interval = IndexSeries::Interval {
        interval_minutes: 30,
        values: BTreeMap::from([(at("2024-04-01 00:00"), dec("9"))]),
    };
    let error = merge_index(a, interval).unwrap_err();
    assert_eq!(
        error.to_string(),
        "the second series: expected a series like the first series (monthly values), \
         found 30-minute interval values"
    );
}

#[test]
fn index_files_name_both_files_in_a_conflict() {
    let first = temp_file("first.csv", b"month,value\n2024-04,1\n2024-05,2\n");
    let second = temp_file("second.csv", b"month,value\n2024-05,2.5\n");
    let error = index_files(&[&first, &second], "fuel").unwrap_err();
    let message = error.to_string();
    assert!(
        message.starts_with(&format!("{}: at 2024-05:", second.display())),
        "{message}"
    );
    assert!(message.contains(&first.display().to_string()), "{message}");
    assert!(message.ends_with("found 2.5 here and 2 there"), "{message}");
    let error = index_files::<PathBuf>(&[], "fuel").unwrap_err();
    assert_eq!(
        error.to_string(),
        "index \"fuel\": expected at least one file, found none"
    );
    std::fs::remove_file(first).unwrap();
    std::fs::remove_file(second).unwrap();
}

// ---------------------------------------------------------------- the example inputs

#[test]
fn example_load_is_a_year_of_half_hours() {
    let load = load_csv(example("site-2024-load.csv")).unwrap();
    assert_eq!(load.interval_minutes, 30);
    assert_eq!(load.kwh.len(), 17_520);
    assert_eq!(load.start, at("2024-04-01 00:00"));
    assert_eq!(load.interval_start(17_519), at("2025-03-31 23:30"));
    let peak = (0..load.kwh.len())
        .map(|i| load.average_kw(i).unwrap())
        .fold(0.0, f64::max);
    assert!((peak - 435.8).abs() < 1e-9, "peak {peak}");
    assert!(peak < 500.0, "a site under 500 kW");
}

#[test]
fn example_history_power_factor_and_fuel_cost_read() {
    let history = peak_history_csv(example("site-2024-history.csv")).unwrap();
    assert_eq!(history.len(), 12);
    assert_eq!(history.keys().next(), Some(&month("2023-04")));
    let (highest, _) = history.iter().max_by(|a, b| a.1.total_cmp(b.1)).unwrap();
    assert_eq!(*highest, month("2023-08"));

    let pf = power_factor_csv(example("site-2024-pf.csv")).unwrap();
    assert_eq!(pf.len(), 12);
    assert!(pf.values().all(|pf| (dec("96")..=dec("100")).contains(pf)));

    let fuel = monthly_values(monthly_index_csv(example("fuel-cost-tepco-hv.csv")).unwrap());
    assert_eq!(fuel.len(), 12);
    assert_eq!(fuel.keys().next(), Some(&month("2024-04")));
    assert_eq!(fuel.keys().next_back(), Some(&month("2025-03")));
    assert!(fuel
        .values()
        .all(|value| (dec("-2")..=dec("1")).contains(value)));
}

// ---------------------------------------------------------------- load.csv

#[test]
fn load_reads_kw_and_kwh_at_15_30_and_60_minutes() {
    let load = load_csv_from_reader(
        "load.csv",
        "timestamp,meter,KW\n2024-04-01 00:00,A,100\n2024-04-01 00:15,A,80\n".as_bytes(),
    )
    .unwrap();
    assert_eq!(
        (load.interval_minutes, load.kwh.clone()),
        (15, vec![25.0, 20.0])
    );

    let load = load_csv_from_reader(
        "load.csv",
        "start,kWh\n2024-04-01T00:00:00,50\n2024-04-01T00:30:00,60.5\n".as_bytes(),
    )
    .unwrap();
    assert_eq!(
        (load.interval_minutes, load.kwh.clone()),
        (30, vec![50.0, 60.5])
    );

    let load = load_csv_from_reader(
        "load.csv",
        "日時,kw\n2024/4/1 0:00,100\n2024/4/1 1:00,120\n\n,\n".as_bytes(),
    )
    .unwrap();
    assert_eq!(
        (load.interval_minutes, load.kwh.clone()),
        (60, vec![100.0, 120.0])
    );
}

#[test]
fn load_reads_shift_jis_and_bom_files() {
    let text = "日時,需要電力,kw\r\n2024/4/1 0:00,x,10\r\n2024/4/1 0:30,x,20\r\n";
    let load = load_csv_from_reader("load.csv", &shift_jis(text)[..]).unwrap();
    assert_eq!(load.kwh, vec![5.0, 10.0]);
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend_from_slice(text.as_bytes());
    let load = load_csv_from_reader("load.csv", &bom[..]).unwrap();
    assert_eq!(load.kwh, vec![5.0, 10.0]);
}

#[test]
fn load_reports_a_comma_decimal() {
    assert_eq!(
        load_error("timestamp,kw\n2024-04-01 00:00,12.5\n2024-04-01 00:30,\"12,5\"\n"),
        "load.csv:3: column \"kw\": expected a number of kW (≥ 0, decimal point, e.g. 12.5), found \"12,5\""
    );
}

#[test]
fn load_reports_bad_values() {
    for (cell, found) in [
        ("-3", "\"-3\""),
        ("NaN", "\"NaN\""),
        ("inf", "\"inf\""),
        ("", "an empty cell"),
    ] {
        let message = load_error(&format!(
            "timestamp,kwh,note\n2024-04-01 00:00,1,a\n2024-04-01 00:30,{cell},b\n"
        ));
        assert_eq!(
            message,
            format!(
                "load.csv:3: column \"kwh\": expected a number of kWh (≥ 0, decimal point, e.g. 12.5), found {found}"
            )
        );
    }
    // A short row: the value cell is absent.
    assert_eq!(
        load_error("timestamp,kw\n2024-04-01 00:00,1\n2024-04-01 00:30\n"),
        "load.csv:3: column \"kw\": expected a number of kW (≥ 0, decimal point, e.g. 12.5), found an empty cell"
    );
}

#[test]
fn load_reports_gaps_duplicates_and_disorder_with_both_timestamps() {
    let rows =
        |third: &str| format!("timestamp,kw\n2024-05-03 13:30,1\n2024-05-03 14:00,1\n{third},1\n");
    let cases = [
        (
            "2024-05-03 15:30",
            SequenceProblem::Missing(2),
            "found 2024-05-03 15:30: 2 intervals missing",
        ),
        (
            "2024-05-03 14:00",
            SequenceProblem::Duplicate,
            "found 2024-05-03 14:00: the previous row's interval again (duplicate)",
        ),
        (
            "2024-05-03 13:30",
            SequenceProblem::OutOfOrder,
            "found 2024-05-03 13:30: earlier than the previous row's interval (out of order)",
        ),
        (
            "2024-05-03 14:45",
            SequenceProblem::OffGrid,
            "found 2024-05-03 14:45: not a whole number of steps after the previous row's interval",
        ),
    ];
    for (third, problem, tail) in cases {
        let error = load_csv_from_reader("load.csv", rows(third).as_bytes()).unwrap_err();
        assert!(
            matches!(&error, ReadError::Sequence { problem: p, line: 4, .. } if *p == problem),
            "{error:?}"
        );
        assert_eq!(
            error.to_string(),
            format!("load.csv:4: expected the interval starting 2024-05-03 14:30 (30-minute steps), {tail}")
        );
    }
}

#[test]
fn load_reports_an_interval_length_it_cannot_bill() {
    assert_eq!(
        load_error("timestamp,kw\n2024-04-01 00:00,1\n2024-04-01 00:45,1\n"),
        "load.csv:3: expected the second interval 15, 30 or 60 minutes after the first \
         (2024-04-01 00:00), found 2024-04-01 00:45: 45 minutes later"
    );
    assert_eq!(
        load_error("timestamp,kw\n2024-04-01 00:30,1\n2024-04-01 00:00,1\n"),
        "load.csv:3: expected the second interval 15, 30 or 60 minutes after the first \
         (2024-04-01 00:30), found 2024-04-01 00:00: -30 minutes later"
    );
    assert_eq!(
        load_error("timestamp,kw\n2024-04-01 00:10,1\n2024-04-01 00:40,1\n"),
        "load.csv:2: column \"timestamp\": expected the first interval to start on the 30-minute \
         grid counted from midnight, found \"2024-04-01 00:10\""
    );
}

#[test]
fn load_reports_missing_and_ambiguous_columns() {
    assert_eq!(
        load_error("timestamp,power\n2024-04-01 00:00,1\n"),
        "load.csv:1: expected a value column named \"kw\" or \"kwh\" (case-insensitive) after the \
         timestamp column, found columns \"timestamp\", \"power\""
    );
    assert_eq!(
        load_error("timestamp,kw,kwh\n2024-04-01 00:00,1,1\n"),
        "load.csv:1: expected exactly one value column named \"kw\" or \"kwh\" (not both, not twice), \
         found columns \"timestamp\", \"kw\", \"kwh\""
    );
    assert!(load_error("kw,timestamp\n1,2024-04-01 00:00\n")
        .starts_with("load.csv:1: expected the interval start in the first column"));
}

#[test]
fn load_reports_bad_timestamps_too_few_rows_and_empty_files() {
    assert_eq!(
        load_error("timestamp,kw\n2024-04-01 00:00,1\n01/04/2024 00:30,1\n"),
        "load.csv:3: column \"timestamp\": expected an interval start as YYYY-MM-DD HH:MM[:SS], \
         YYYY-MM-DDTHH:MM[:SS] or YYYY/M/D H:MM[:SS], found \"01/04/2024 00:30\""
    );
    assert_eq!(
        load_error("timestamp,kw\n2024-04-01 00:00,1\n\n\n"),
        "load.csv:2: expected at least 2 data rows (the interval length is inferred from the first two), found 1"
    );
    assert_eq!(
        load_error("timestamp,kw\n"),
        "load.csv:1: expected at least 2 data rows (the interval length is inferred from the first two), found 0"
    );
    assert_eq!(
        load_error(""),
        "load.csv:1: expected a header row, found an empty file"
    );
}

#[test]
fn load_line_numbers_count_blank_lines() {
    let error = load_csv_from_reader(
        "load.csv",
        "timestamp,kw\r\n\r\n2024-04-01 00:00,1\r\n\r\n2024-04-01 00:30,x\r\n".as_bytes(),
    )
    .unwrap_err();
    assert_eq!(error.line(), Some(5));
    assert_eq!(error.file(), "load.csv");
}

#[test]
fn io_errors_name_the_path() {
    let missing = std::env::temp_dir().join("voltlex-no-such-dir/load.csv");
    let error = load_csv(&missing).unwrap_err();
    assert!(matches!(error, ReadError::Io { .. }));
    assert!(
        error
            .to_string()
            .starts_with(&format!("{}: cannot read: ", missing.display())),
        "{error}"
    );
}

// ---------------------------------------------------------------- monthly files

#[test]
fn monthly_files_take_columns_by_name_and_skip_comments() {
    let text = "# peaks from the utility's portal\nnote,PEAK_KW,Month\nx,401.5,2023-07\n# ignore\ny,430,2023-08\n";
    let history = peak_history_csv_from_reader("history.csv", text.as_bytes()).unwrap();
    assert_eq!(
        history,
        BTreeMap::from([(month("2023-07"), 401.5), (month("2023-08"), 430.0)])
    );
    let error =
        peak_history_csv_from_reader("history.csv", format!("{text}z,-1,2023-09\n").as_bytes())
            .unwrap_err();
    assert_eq!(
        error.to_string(),
        "history.csv:6: column \"PEAK_KW\": expected a peak demand in kW (a number ≥ 0, decimal point, e.g. 431.5), found \"-1\""
    );
}

#[test]
fn monthly_files_report_duplicates_bad_months_and_no_rows() {
    let error = monthly_index_csv_from_reader(
        "fuel.csv",
        "month,value\n2024-04,1\n# c\n2024-04,1\n".as_bytes(),
    )
    .unwrap_err();
    assert_eq!(
        error.to_string(),
        "fuel.csv:4: expected each month once, found 2024-04 again (first on line 2)"
    );
    let error = monthly_index_csv_from_reader("fuel.csv", "month,value\n2024/4/1,1\n".as_bytes())
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "fuel.csv:2: column \"month\": expected a month as YYYY-MM (e.g. 2024-07), found \"2024/4/1\""
    );
    let error =
        monthly_index_csv_from_reader("fuel.csv", "# nothing yet\nmonth,value\n".as_bytes())
            .unwrap_err();
    assert_eq!(
        error.to_string(),
        "fuel.csv:2: expected at least one month row after the header, found none"
    );
    let error = peak_history_csv_from_reader("history.csv", "month,kw\n2024-04,1\n".as_bytes())
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "history.csv:1: expected a column named \"peak_kw\", found columns \"month\", \"kw\""
    );
}

#[test]
fn monthly_index_values_may_be_negative_and_keep_their_digits() {
    let values = monthly_values(
        monthly_index_csv_from_reader(
            "fuel.csv",
            "month,value\n2024-04,-1.620\n2024-05,+0.5\n".as_bytes(),
        )
        .unwrap(),
    );
    assert_eq!(values[&month("2024-04")].to_string(), "-1.620");
    assert_eq!(values[&month("2024-05")], dec("0.5"));
}

#[test]
fn power_factors_are_percentages() {
    let pf = power_factor_csv_from_reader(
        "pf.csv",
        "month,power_factor\n2024-04,100\n2024-05,85.5 %\n".as_bytes(),
    )
    .unwrap();
    assert_eq!(pf[&month("2024-05")], dec("85.5"));
    for bad in ["0", "100.1", "0.98", "-5", "x"] {
        let error = power_factor_csv_from_reader(
            "pf.csv",
            format!("month,power_factor\n2024-04,{bad}\n").as_bytes(),
        )
        .unwrap_err();
        assert_eq!(
            error.to_string(),
            format!(
                "pf.csv:2: column \"power_factor\": expected a power factor in percent, 1 < pf ≤ 100 \
                 (e.g. 98, not 0.98), found \"{bad}\""
            )
        );
    }
}

#[test]
fn date_in_error_messages_is_the_interval_start() {
    // Time code 48 of 2024-04-01 starts at 23:30 the same day, and code 1 of the next day at 00:00.
    let text = format!(
        "{JEPX_HEADER}\n{}\n{}\n",
        jepx_row("2024/4/1", 48, "8", "9"),
        jepx_row("2024/4/1", 1, "8", "9"),
    );
    let error =
        jepx_spot_summary_from_reader("spot.csv", text.as_bytes(), JepxArea::Tokyo).unwrap_err();
    match error {
        ReadError::Sequence {
            expected,
            found,
            problem,
            ..
        } => {
            assert_eq!(
                expected,
                NaiveDate::from_ymd_opt(2024, 4, 2)
                    .unwrap()
                    .and_hms_opt(0, 0, 0)
                    .unwrap()
            );
            assert_eq!(found, at("2024-04-01 00:00"));
            assert_eq!(problem, SequenceProblem::OutOfOrder);
        }
        other => panic!("expected a sequence error, found {other:?}"),
    }
}
