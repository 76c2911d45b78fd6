//! Per-day calendar facts billing needs: a date's season and the time-of-use period of each
//! of its tariff intervals.
//!
//! A period depends on the date only through its weekday, whether it is a holiday and its
//! season (that is all a period clause looks at). So each date costs one
//! holiday and one season lookup, and the day's period table — the period of every tariff
//! interval — is computed once per (weekday, holiday, season) and reused: the per-interval
//! loop only indexes a slice.

use chrono::{Datelike, Duration, NaiveDate, NaiveTime};
use voltlex_dsl::rules::Tariff;

use super::context::MonthContext;
use super::error::BillingError;

/// Day tables of one tariff, filled as dates are met.
pub(crate) struct Days<'t> {
    tariff: &'t Tariff,
    /// Tariff intervals per day.
    slots: usize,
    /// Period tables by day kind: `(weekday × 2 + holiday) × (seasons + 1) + season slot`.
    tables: Vec<Option<Box<[u16]>>>,
}

impl<'t> Days<'t> {
    /// Empty tables for `tariff` (its interval must divide a day).
    pub fn new(tariff: &'t Tariff) -> Self {
        let slots = (super::months::DAY_MINUTES / tariff.interval_minutes.max(1)) as usize;
        let kinds = if tariff.periods.is_empty() {
            0
        } else {
            14 * (tariff.seasons.len() + 1)
        };
        Days {
            tariff,
            slots,
            tables: vec![None; kinds],
        }
    }

    /// Index into the tariff's seasons of the season containing `date`.
    pub fn season(&self, date: NaiveDate) -> Option<usize> {
        self.tariff
            .seasons
            .iter()
            .position(|season| season.contains(date))
    }

    /// The period (index into the tariff's periods) of every tariff interval of `date`,
    /// whose season is `season`. Only for tariffs with periods.
    pub fn periods(
        &mut self,
        ctx: &MonthContext<'_>,
        date: NaiveDate,
        season: Option<usize>,
    ) -> Result<&[u16], BillingError> {
        let weekday = date.weekday().num_days_from_monday() as usize;
        let holiday = usize::from(self.tariff.calendar.is_holiday(date));
        let season_slot = season.map_or(0, |index| index + 1);
        let kind = (weekday * 2 + holiday) * (self.tariff.seasons.len() + 1) + season_slot;
        let tariff = self.tariff;
        let Some(entry) = self.tables.get_mut(kind) else {
            return Err(ctx.invalid(
                &tariff.origin,
                format!("no period table for {date}: the tariff has no time-of-use periods"),
            ));
        };
        let table = match entry.take() {
            Some(table) => table,
            None => {
                let minutes = tariff.interval_minutes;
                let midnight = date.and_time(NaiveTime::MIN);
                let mut table = Vec::with_capacity(self.slots);
                for slot in 0..self.slots {
                    // Within the day: `slots` tariff intervals make a day.
                    let start = midnight + Duration::minutes(slot as i64 * i64::from(minutes));
                    let period = tariff.period_of(start).ok_or_else(|| {
                        ctx.invalid(
                            &tariff.origin,
                            format!("no time-of-use period covers the interval starting {start}"),
                        )
                    })?;
                    let period = u16::try_from(period).map_err(|_| {
                        ctx.invalid(&tariff.origin, "more than 65,535 periods".to_string())
                    })?;
                    table.push(period);
                }
                table.into_boxed_slice()
            }
        };
        Ok(entry.insert(table))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::month::YearMonth;
    use chrono::Duration;
    use voltlex_dsl::rules::{
        Calendar, CalendarKind, Currency, DaySet, MonthDay, Period, PeriodClause, PeriodRule,
        RoundingPolicy, RuleRef, Season, TimeRange,
    };

    fn tariff() -> Tariff {
        let md = |month, day| MonthDay { month, day };
        let day = |m, d| NaiveDate::from_ymd_opt(2024, m, d).unwrap();
        let clause = |days: Vec<DaySet>, from: u32, to: u32, seasons: Vec<String>| PeriodClause {
            days,
            times: vec![TimeRange {
                start_minute: from,
                end_minute: to,
            }],
            seasons,
        };
        let when = |name: &str, clauses, except: Vec<String>| Period {
            name: name.into(),
            rule: PeriodRule::When { clauses, except },
            origin: RuleRef::default(),
        };
        Tariff {
            name: "days".into(),
            origin: RuleRef::default(),
            currency: Currency::Jpy,
            calendar: Calendar {
                kind: CalendarKind::WeekendsOnly,
                time_zone: "Asia/Tokyo".into(),
                added: vec![day(7, 15), day(12, 31)],
                removed: vec![],
            },
            interval_minutes: 30,
            seasons: vec![
                Season {
                    name: "summer".into(),
                    ranges: vec![(md(7, 1), md(9, 30))],
                    origin: RuleRef::default(),
                },
                Season {
                    name: "other".into(),
                    ranges: vec![(md(10, 1), md(6, 30))],
                    origin: RuleRef::default(),
                },
            ],
            periods: vec![
                when(
                    "peak",
                    vec![clause(
                        vec![DaySet::Weekdays],
                        780,
                        960,
                        vec!["summer".into()],
                    )],
                    vec![],
                ),
                when(
                    "day",
                    vec![clause(vec![DaySet::EveryDay], 480, 1320, vec![])],
                    vec!["peak".into(), "holiday".into()],
                ),
                when(
                    "holiday",
                    vec![clause(
                        vec![DaySet::Holidays, DaySet::Sundays],
                        0,
                        1440,
                        vec![],
                    )],
                    vec![],
                ),
                Period {
                    name: "night".into(),
                    rule: PeriodRule::Otherwise,
                    origin: RuleRef::default(),
                },
            ],
            demand: None,
            energy: None,
            adjustments: vec![],
            surcharges: vec![],
            fixed_charges: vec![],
            computed: vec![],
            minimum_bill: None,
            tax: None,
            rounding: RoundingPolicy::default(),
            validity: None,
        }
    }

    #[test]
    fn cached_tables_agree_with_period_of_for_a_year() {
        let tariff = tariff();
        let mut days = Days::new(&tariff);
        let ctx = MonthContext::new(&tariff, YearMonth::new(2024, 1).unwrap()).unwrap();
        let mut date = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
        while date.year() == 2024 {
            let season = days.season(date);
            assert_eq!(season.map(|i| &tariff.seasons[i]), tariff.season_of(date));
            let table = days.periods(&ctx, date, season).unwrap().to_vec();
            for (slot, &period) in table.iter().enumerate() {
                let start =
                    date.and_hms_opt(0, 0, 0).unwrap() + Duration::minutes(30 * slot as i64);
                assert_eq!(
                    Some(usize::from(period)),
                    tariff.period_of(start),
                    "{start}"
                );
            }
            date = date.succ_opt().unwrap();
        }
        // 7 weekdays × holiday or not × 3 season slots at most; far fewer than 366 days.
        assert!(days.tables.iter().filter(|t| t.is_some()).count() <= 42);
    }
}
