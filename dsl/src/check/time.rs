//! Time rules: calendars, seasons (every day in exactly one) and time-of-use periods (every
//! interval of every kind of day in exactly one), proven by enumeration.

use chrono::{NaiveDate, Weekday};

use super::Checker;
use crate::ast::{self, DayWord, SeasonPoint, Spanned};
use crate::diagnostic::{codes, did_you_mean, Diagnostic};
use crate::rules::{
    period_matches, Calendar, CalendarKind, DayFacts, DaySet, MonthDay, Period, PeriodClause,
    PeriodRule, Season, TimeRange,
};
use crate::source::Span;

/// A `season` statement as written.
pub(super) struct SeasonDecl<'a> {
    pub(super) name: &'a Spanned<String>,
    /// `None` for `otherwise`.
    pub(super) ranges: Option<&'a [(SeasonPoint, SeasonPoint)]>,
    pub(super) span: Span,
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// A leap year, so that 29 February is checked too.
const SAMPLE_YEAR: i32 = 2024;

/// The kinds of day a period can tell apart, with a label for messages.
const DAY_KINDS: [(Weekday, bool, &str); 6] = [
    (Weekday::Wed, false, "weekdays"),
    (Weekday::Wed, true, "holidays on a weekday"),
    (Weekday::Sat, false, "saturdays"),
    (Weekday::Sat, true, "holidays on a saturday"),
    (Weekday::Sun, false, "sundays"),
    (Weekday::Sun, true, "holidays on a sunday"),
];

impl Checker<'_> {
    pub(super) fn calendar(
        &mut self,
        name: &Spanned<String>,
        add: &[Spanned<String>],
        remove: &[Spanned<String>],
        zone: Option<&Spanned<String>>,
    ) -> Calendar {
        let kind = match name.value.as_str() {
            "japan" => CalendarKind::Japan,
            "weekends-only" => CalendarKind::WeekendsOnly,
            other => {
                let mut d = Diagnostic::error(
                    codes::UNKNOWN_CALENDAR,
                    format!("unknown calendar `{other}`"),
                    name.span,
                    "expected `japan` or `weekends-only`",
                );
                d = match did_you_mean(other, ["japan", "weekends-only"]) {
                    Some(s) => d.with_help(format!("did you mean `{s}`?")),
                    None => d.with_help("`japan` knows Japanese national holidays; `weekends-only` has none (add holidays with `calendar weekends-only { add DATE }`)"),
                };
                self.report(d);
                CalendarKind::WeekendsOnly
            }
        };
        let added = add.iter().filter_map(|d| self.date(d)).collect();
        let removed = remove.iter().filter_map(|d| self.date(d)).collect();
        let time_zone = match zone {
            Some(zone) => {
                if !valid_zone_name(&zone.value) {
                    self.report(
                        Diagnostic::error(
                            codes::BAD_TIME_ZONE,
                            format!("`{}` is not an IANA time zone name", zone.value),
                            zone.span,
                            "expected Area/City, e.g. Asia/Tokyo",
                        )
                        .with_help("write the zone's IANA name, e.g. \"America/Los_Angeles\" or \"Asia/Tokyo\""),
                    );
                }
                zone.value.clone()
            }
            None if kind == CalendarKind::Japan => "Asia/Tokyo".to_string(),
            None => "UTC".to_string(),
        };
        Calendar {
            kind,
            time_zone,
            added,
            removed,
        }
    }

    fn month_day(&mut self, point: &SeasonPoint, is_end: bool) -> Option<MonthDay> {
        match point {
            SeasonPoint::Month(name) => match MONTHS
                .iter()
                .position(|m| m.eq_ignore_ascii_case(&name.value))
            {
                Some(index) => {
                    let month = index as u32 + 1;
                    let day = if is_end { days_in_month(month) } else { 1 };
                    Some(MonthDay { month, day })
                }
                None => {
                    let mut d = Diagnostic::error(
                        codes::BAD_MONTH,
                        format!("`{}` is not a month", name.value),
                        name.span,
                        "expected Jan … Dec or MM-DD",
                    );
                    if let Some(s) = did_you_mean(&name.value, MONTHS) {
                        d = d.with_help(format!("did you mean `{s}`?"));
                    }
                    self.report(d);
                    None
                }
            },
            SeasonPoint::MonthDay(text) => {
                let parsed = text
                    .value
                    .split_once('-')
                    .and_then(|(m, d)| Some((m.parse::<u32>().ok()?, d.parse::<u32>().ok()?)));
                match parsed {
                    Some((month, day))
                        if (1..=12).contains(&month) && day >= 1 && day <= days_in_month(month) =>
                    {
                        Some(MonthDay { month, day })
                    }
                    _ => {
                        self.report(Diagnostic::error(
                            codes::BAD_DATE,
                            format!("`{}` is not a day of the year", text.value),
                            text.span,
                            "expected MM-DD, e.g. 07-01",
                        ));
                        None
                    }
                }
            }
        }
    }

    /// Seasons, with `otherwise` turned into explicit ranges; every day in exactly one.
    pub(super) fn seasons(&mut self, decls: &[SeasonDecl<'_>]) -> Vec<Season> {
        let mut seasons: Vec<Season> = Vec::new();
        // The name and span of each season's declaration (a declared-twice season has none).
        let mut declared: Vec<(&Spanned<String>, Span)> = Vec::new();
        let mut otherwise: Option<(usize, Span)> = None;
        for SeasonDecl { name, ranges, span } in decls {
            if let Some(first) = seasons.iter().find(|s| s.name == name.value) {
                let first_at = first.origin.clone();
                self.report(
                    Diagnostic::error(
                        codes::DUPLICATE,
                        format!("season `{}` is declared twice", name.value),
                        name.span,
                        "declared again here",
                    )
                    .with_help(format!("the first declaration is at {first_at}")),
                );
                continue;
            }
            let mut season = Season {
                name: name.value.clone(),
                ranges: vec![],
                origin: self.rule_ref(*span),
            };
            match ranges {
                None => {
                    if let Some((_, first)) = otherwise {
                        self.report(
                            Diagnostic::error(
                                codes::DUPLICATE,
                                "two seasons are `otherwise`",
                                name.span,
                                "second `otherwise`",
                            )
                            .with_label(first, "first `otherwise`"),
                        );
                    } else {
                        otherwise = Some((seasons.len(), *span));
                    }
                }
                Some(ranges) => {
                    for (a, b) in ranges.iter() {
                        if let (Some(start), Some(end)) =
                            (self.month_day(a, false), self.month_day(b, true))
                        {
                            season.ranges.push((start, end));
                        }
                    }
                }
            }
            seasons.push(season);
            declared.push((name, *span));
        }
        if seasons.is_empty() {
            return seasons;
        }
        // Assign every day of a leap year; report overlaps and gaps.
        let mut owner: Vec<Option<usize>> = Vec::with_capacity(366);
        let days: Vec<NaiveDate> = sample_year().collect();
        let mut overlap_reported = false;
        for &day in &days {
            let mut found = None;
            for (index, (season, &b)) in seasons.iter().zip(&declared).enumerate() {
                if otherwise.is_some_and(|(o, _)| o == index) || !season.contains(day) {
                    continue;
                }
                match found {
                    None => found = Some((index, b)),
                    Some((_, a)) if !overlap_reported => {
                        overlap_reported = true;
                        self.report(
                            Diagnostic::error(
                                codes::SEASON_COVERAGE,
                                format!(
                                    "seasons `{}` and `{}` both contain {}",
                                    a.0.value,
                                    b.0.value,
                                    month_day_text(day)
                                ),
                                b.1,
                                "overlaps",
                            )
                            .with_label(a.1, "this season also contains it"),
                        );
                    }
                    Some(_) => {}
                }
            }
            owner.push(found.map(|(index, _)| index));
        }
        match otherwise {
            Some((index, _)) => {
                // Every run of days no other season owns, ended by an owned day or the
                // year's end.
                if let Some(season) = seasons.get_mut(index) {
                    let mut run_start: Option<NaiveDate> = None;
                    let mut previous: Option<NaiveDate> = None;
                    for (&day, slot) in days.iter().zip(&owner) {
                        if slot.is_none() {
                            run_start = run_start.or(Some(day));
                        } else if let (Some(start), Some(end)) = (run_start.take(), previous) {
                            season.ranges.push((MonthDay::of(start), MonthDay::of(end)));
                        }
                        previous = Some(day);
                    }
                    if let (Some(start), Some(end)) = (run_start, previous) {
                        season.ranges.push((MonthDay::of(start), MonthDay::of(end)));
                    }
                }
            }
            None => {
                let mut free = days
                    .iter()
                    .zip(&owner)
                    .skip_while(|(_, slot)| slot.is_some());
                if let Some((&first, _)) = free.next() {
                    let span = decls.last().map_or(Span::default(), |d| d.span);
                    let last = free
                        .take_while(|(_, slot)| slot.is_none())
                        .last()
                        .map_or(first, |(&day, _)| day);
                    let uncovered = if last == first {
                        month_day_text(first)
                    } else {
                        format!("{} to {}", month_day_text(first), month_day_text(last))
                    };
                    self.report(
                        Diagnostic::error(
                            codes::SEASON_COVERAGE,
                            format!("no season contains {uncovered}"),
                            span,
                            "seasons leave days uncovered",
                        )
                        .with_help("add `season other = otherwise` for the remaining days, or extend a season to them"),
                    );
                }
            }
        }
        seasons
    }

    /// Time-of-use periods, proven to put every interval in exactly one period.
    pub(super) fn periods(
        &mut self,
        defs: &[ast::PeriodDef],
        seasons: &[Season],
        interval_minutes: u32,
    ) -> Vec<Period> {
        let mut periods: Vec<Period> = Vec::new();
        let mut spans: Vec<Span> = Vec::new();
        let mut ok = true;
        for def in defs {
            if let Some((_, &first)) = periods
                .iter()
                .zip(&spans)
                .find(|(p, _)| p.name == def.name.value)
            {
                self.report(
                    Diagnostic::error(
                        codes::DUPLICATE,
                        format!("period `{}` is declared twice", def.name.value),
                        def.name.span,
                        "declared again here",
                    )
                    .with_label(first, "first declared here"),
                );
                ok = false;
                continue;
            }
            let rule = if def.otherwise {
                if let Some((_, &first)) = periods
                    .iter()
                    .zip(&spans)
                    .find(|(p, _)| p.rule == PeriodRule::Otherwise)
                {
                    self.report(
                        Diagnostic::error(
                            codes::DUPLICATE,
                            "two periods are `otherwise`",
                            def.span,
                            "second `otherwise`",
                        )
                        .with_label(first, "first `otherwise`"),
                    );
                    ok = false;
                }
                PeriodRule::Otherwise
            } else {
                let clauses = def
                    .clauses
                    .iter()
                    .map(|c| self.period_clause(c, seasons, interval_minutes))
                    .collect::<Vec<_>>();
                if clauses.iter().any(Option::is_none) {
                    ok = false;
                }
                PeriodRule::When {
                    clauses: clauses.into_iter().flatten().collect(),
                    except: def.except.iter().map(|e| e.value.clone()).collect(),
                }
            };
            periods.push(Period {
                name: def.name.value.clone(),
                rule,
                origin: self.rule_ref(def.span),
            });
            spans.push(def.span);
        }
        for def in defs {
            for name in &def.except {
                if name.value == def.name.value {
                    self.report(Diagnostic::error(
                        codes::UNKNOWN_PERIOD,
                        format!("period `{}` excepts itself", name.value),
                        name.span,
                        "a period cannot take itself out",
                    ));
                    ok = false;
                } else if !periods.iter().any(|p| p.name == name.value) {
                    let mut d = Diagnostic::error(
                        codes::UNKNOWN_PERIOD,
                        format!("no period named `{}`", name.value),
                        name.span,
                        "not declared in this `periods` block",
                    );
                    if let Some(s) =
                        did_you_mean(&name.value, periods.iter().map(|p| p.name.as_str()))
                    {
                        d = d.with_help(format!("did you mean `{s}`?"));
                    }
                    self.report(d);
                    ok = false;
                }
            }
        }
        if ok && !periods.is_empty() {
            self.prove_periods(&periods, &spans, seasons, interval_minutes);
        }
        periods
    }

    fn period_clause(
        &mut self,
        clause: &ast::PeriodClause,
        seasons: &[Season],
        interval_minutes: u32,
    ) -> Option<PeriodClause> {
        let days = clause
            .days
            .iter()
            .map(|d| match d.value {
                DayWord::Weekdays => DaySet::Weekdays,
                DayWord::Weekends => DaySet::Weekends,
                DayWord::Saturdays => DaySet::Saturdays,
                DayWord::Sundays => DaySet::Sundays,
                DayWord::Holidays => DaySet::Holidays,
                DayWord::EveryDay => DaySet::EveryDay,
            })
            .collect();
        let mut ok = true;
        let mut times = Vec::new();
        for (start, end) in &clause.times {
            let (Some(a), Some(b)) = (
                self.time_of_day(start, interval_minutes, false),
                self.time_of_day(end, interval_minutes, true),
            ) else {
                ok = false;
                continue;
            };
            if a == b {
                self.report(
                    Diagnostic::error(
                        codes::BAD_TIME,
                        "empty time range",
                        start.span.to(end.span),
                        "starts and ends at the same time",
                    )
                    .with_help("for the whole day leave the times out"),
                );
                ok = false;
            } else if a < b {
                times.push(TimeRange {
                    start_minute: a,
                    end_minute: b,
                });
            } else {
                // Over midnight: 22:00..08:00 is 22:00..24:00 and 00:00..08:00.
                times.push(TimeRange {
                    start_minute: a,
                    end_minute: 1440,
                });
                if b > 0 {
                    times.push(TimeRange {
                        start_minute: 0,
                        end_minute: b,
                    });
                }
            }
        }
        for season in &clause.seasons {
            if !seasons.iter().any(|s| s.name == season.value) {
                let mut d = Diagnostic::error(
                    codes::UNKNOWN_SEASON,
                    format!("no season named `{}`", season.value),
                    season.span,
                    "not declared with `season`",
                );
                d = match did_you_mean(&season.value, seasons.iter().map(|s| s.name.as_str())) {
                    Some(s) => d.with_help(format!("did you mean `{s}`?")),
                    None => {
                        d.with_help(format!("declare it: `season {} = Jul..Sep`", season.value))
                    }
                };
                self.report(d);
                ok = false;
            }
        }
        ok.then(|| PeriodClause {
            days,
            times,
            seasons: clause.seasons.iter().map(|s| s.value.clone()).collect(),
        })
    }

    fn time_of_day(
        &mut self,
        text: &Spanned<String>,
        interval_minutes: u32,
        is_end: bool,
    ) -> Option<u32> {
        let parsed = text
            .value
            .split_once(':')
            .and_then(|(h, m)| Some((h.parse::<u32>().ok()?, m.parse::<u32>().ok()?)));
        let minute = match parsed {
            Some((24, 0)) if is_end => 1440,
            Some((h, m)) if h < 24 && m < 60 => h * 60 + m,
            _ => {
                self.report(Diagnostic::error(
                    codes::BAD_TIME,
                    format!("`{}` is not a time of day", text.value),
                    text.span,
                    "expected HH:MM from 00:00 to 24:00",
                ));
                return None;
            }
        };
        if minute % interval_minutes != 0 {
            self.report(
                Diagnostic::error(codes::BAD_TIME, format!("{} is not on the tariff's {interval_minutes}-minute interval grid", text.value), text.span, format!("not a multiple of {interval_minutes} minutes"))
                    .with_help("period boundaries must fall on interval starts; change the time or the tariff's `interval`"),
            );
            return None;
        }
        Some(minute)
    }

    /// Every interval of every kind of day of every day of the year in exactly one period.
    fn prove_periods(
        &mut self,
        periods: &[Period],
        spans: &[Span],
        seasons: &[Season],
        interval_minutes: u32,
    ) {
        let has_otherwise = periods.iter().any(|p| p.rule == PeriodRule::Otherwise);
        let days = sample_year();
        // Every period's declaration covers the whole block.
        let block = spans.iter().copied().reduce(Span::to).unwrap_or_default();
        let mut gap_reported = false;
        let mut overlaps_reported: Vec<(usize, usize)> = Vec::new();
        for date in days {
            let season = seasons
                .iter()
                .find(|s| s.contains(date))
                .map(|s| s.name.as_str());
            for &(weekday, holiday, label) in &DAY_KINDS {
                let facts = DayFacts { weekday, holiday };
                for minute in (0..1440).step_by(interval_minutes as usize) {
                    let hits: Vec<(usize, &Period, Span)> = periods
                        .iter()
                        .zip(spans)
                        .enumerate()
                        .filter(|&(i, (period, _))| {
                            matches!(period.rule, PeriodRule::When { .. })
                                && period_matches(periods, i, facts, minute, season, 0)
                        })
                        .map(|(i, (period, &span))| (i, period, span))
                        .collect();
                    if hits.is_empty() && !has_otherwise && !gap_reported {
                        gap_reported = true;
                        self.report(
                            Diagnostic::error(
                                codes::PERIOD_GAP,
                                format!("no period covers {label} {}..{}{}", clock(minute), clock(minute + interval_minutes), season.map(|s| format!(" in season `{s}`")).unwrap_or_default()),
                                block,
                                "these periods leave that interval uncovered",
                            )
                            .with_help("extend a period to it, or add `name = otherwise` for every remaining interval"),
                        );
                    }
                    if let [(a, period_a, span_a), (b, period_b, span_b), ..] = hits[..] {
                        if !overlaps_reported.contains(&(a, b)) {
                            overlaps_reported.push((a, b));
                            self.report(
                                Diagnostic::error(
                                    codes::PERIOD_OVERLAP,
                                    format!(
                                        "periods `{}` and `{}` both cover {label} {}..{}{}",
                                        period_a.name,
                                        period_b.name,
                                        clock(minute),
                                        clock(minute + interval_minutes),
                                        season
                                            .map(|s| format!(" in season `{s}`"))
                                            .unwrap_or_default()
                                    ),
                                    span_b,
                                    "overlaps",
                                )
                                .with_label(span_a, "this period covers it too")
                                .with_help(format!(
                                    "take the overlap out with `except {}`, or narrow the times",
                                    period_a.name
                                )),
                            );
                        }
                    }
                }
            }
        }
    }
}

/// Every day of [`SAMPLE_YEAR`].
fn sample_year() -> impl Iterator<Item = NaiveDate> {
    NaiveDate::from_ymd_opt(SAMPLE_YEAR, 1, 1)
        .into_iter()
        .flat_map(|first| first.iter_days().take(366))
}

/// Days in a month of the year (1–12).
fn days_in_month(month: u32) -> u32 {
    // February has 29 days in a season range, so that ranges reaching its end cover leap days.
    match month {
        2 => 29,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

fn month_day_text(date: NaiveDate) -> String {
    // `%b` is the English abbreviation, as in MONTHS.
    date.format("%b %-d").to_string()
}

fn clock(minute: u32) -> String {
    format!("{:02}:{:02}", minute / 60, minute % 60)
}

/// IANA names look like `Area/City` (or `UTC`); the engine does not convert zones yet.
fn valid_zone_name(name: &str) -> bool {
    name == "UTC"
        || (name.contains('/')
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '_' | '-' | '+')))
}
