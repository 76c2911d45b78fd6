//! Compiled rules: the checked, lowered form of a rule file, the only thing the engine sees.
//!
//! Everything here is plain data (serde), already validated by the checker: units agree,
//! every time-varying value covers the package's validity window, every interval of the
//! year falls in exactly one time-of-use period. The engine may rely on those facts.
//!
//! Money is [`Decimal`] in the tariff's [`Currency`]; rates are per kWh, per kW per month or
//! per month as the field name says. Shares and percentages are stored as fractions
//! (`0.30` for 30 %).

use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike, Weekday};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::fmt;

use crate::calendar::japan;

mod sharing;
pub use sharing::*;

/// Where a compiled rule came from: the file and the 1-based line and column of its text.
///
/// ```
/// use voltlex_dsl::rules::RuleRef;
/// let at = RuleRef { file: "basic.vlx".into(), line: 12, column: 3 };
/// assert_eq!(at.to_string(), "basic.vlx:12");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct RuleRef {
    /// The rule file, as given to the compiler (relative to the package folder in a package).
    pub file: String,
    /// 1-based line.
    pub line: u32,
    /// 1-based column (in characters).
    pub column: u32,
}

impl fmt::Display for RuleRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

/// A currency a tariff bills in.
///
/// ```
/// use voltlex_dsl::rules::Currency;
/// assert_eq!(Currency::Jpy.code(), "JPY");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Currency {
    /// Japanese yen.
    Jpy,
    /// US dollar.
    Usd,
}

impl Currency {
    /// The ISO 4217 code.
    pub fn code(self) -> &'static str {
        match self {
            Currency::Jpy => "JPY",
            Currency::Usd => "USD",
        }
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// One value of a [`Timeline`] and the date it takes effect.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimedValue<T> {
    /// First day the value applies; `None` means "since always".
    pub from: Option<NaiveDate>,
    /// The value.
    pub value: T,
    /// The rule text that gave this value.
    pub origin: RuleRef,
}

/// A value that changes over time: half-open steps `[from, next from)`, the last one
/// running until `until` (exclusive) or for ever.
///
/// Monthly items use the value in force on the first day of the billing month (the
/// straddling rule, stated in the language reference).
///
/// ```
/// use chrono::NaiveDate;
/// use rust_decimal::Decimal;
/// use voltlex_dsl::rules::{RuleRef, TimedValue, Timeline};
/// let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
/// let energy = Timeline {
///     steps: vec![
///         TimedValue { from: Some(d("2024-04-01")), value: Decimal::new(1951, 2), origin: RuleRef::default() },
///         TimedValue { from: Some(d("2025-04-01")), value: Decimal::new(1656, 2), origin: RuleRef::default() },
///     ],
///     until: None,
/// };
/// assert_eq!(energy.at(d("2024-12-01")).unwrap().value, Decimal::new(1951, 2));
/// assert_eq!(energy.at(d("2025-04-01")).unwrap().value, Decimal::new(1656, 2));
/// assert!(energy.at(d("2024-03-31")).is_none());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Timeline<T> {
    /// Steps in strictly increasing order of `from`; only the first may have `from: None`.
    pub steps: Vec<TimedValue<T>>,
    /// End of the last step (exclusive), if the rule gave one.
    pub until: Option<NaiveDate>,
}

impl<T> Timeline<T> {
    /// A value that never changes.
    pub fn constant(value: T, origin: RuleRef) -> Self {
        Timeline {
            steps: vec![TimedValue {
                from: None,
                value,
                origin,
            }],
            until: None,
        }
    }

    /// The step in force on `date`, if any.
    pub fn at(&self, date: NaiveDate) -> Option<&TimedValue<T>> {
        if self.until.is_some_and(|end| date >= end) {
            return None;
        }
        self.steps
            .iter()
            .rev()
            .find(|step| step.from.is_none_or(|from| from <= date))
    }

    /// The first day on which the timeline has a value (`None`: since always).
    pub fn start(&self) -> Option<NaiveDate> {
        self.steps.first().and_then(|step| step.from)
    }
}

/// A rounding instruction: to a multiple of `step`, in a direction.
///
/// ```
/// use rust_decimal::Decimal;
/// use voltlex_dsl::rules::{Rounding, RoundingMode};
/// let yen_down = Rounding { step: Decimal::ONE, mode: RoundingMode::Down };
/// assert_eq!(yen_down.apply(Decimal::new(12345, 2)), Decimal::new(123, 0));
/// assert_eq!(yen_down.apply(Decimal::new(-12345, 2)), Decimal::new(-123, 0));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rounding {
    /// The multiple to round to, e.g. `1` (yen) or `0.01` (sen).
    pub step: Decimal,
    /// Direction.
    pub mode: RoundingMode,
}

/// Rounding direction. `Down` and `Up` are toward and away from zero (Japanese 切り捨て /
/// 切り上げ apply to the amount's magnitude); `Nearest` rounds half away from zero (四捨五入).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RoundingMode {
    /// Toward zero.
    Down,
    /// Away from zero.
    Up,
    /// To nearest, half away from zero.
    Nearest,
}

impl Rounding {
    /// Round `amount` to a multiple of `step`.
    pub fn apply(&self, amount: Decimal) -> Decimal {
        use rust_decimal::RoundingStrategy;
        if self.step.is_zero() {
            return amount;
        }
        let units = amount / self.step;
        let strategy = match self.mode {
            RoundingMode::Down => RoundingStrategy::ToZero,
            RoundingMode::Up => RoundingStrategy::AwayFromZero,
            RoundingMode::Nearest => RoundingStrategy::MidpointAwayFromZero,
        };
        (units.round_dp_with_strategy(0, strategy) * self.step).normalize()
    }
}

/// A whole compiled rule set: every tariff of one file or package.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct CompiledRules {
    /// The tariffs, in source order.
    pub tariffs: Vec<Tariff>,
    /// `contract aggregator` blocks, in source order.
    #[serde(default)]
    pub aggregator_contracts: Vec<AggregatorContract>,
    /// `chemistry` blocks (custom battery chemistries), in source order.
    #[serde(default)]
    pub chemistries: Vec<ChemistryRule>,
    /// `subsidy` blocks, in source order (the engine stacks national before local).
    #[serde(default)]
    pub subsidies: Vec<SubsidyRule>,
    /// `risk_sharing` blocks, in source order.
    #[serde(default)]
    pub risk_sharings: Vec<RiskSharingRule>,
}

impl CompiledRules {
    /// The tariff with this exact name.
    pub fn tariff(&self, name: &str) -> Option<&Tariff> {
        self.tariffs.iter().find(|tariff| tariff.name == name)
    }

    /// The aggregator contract with this exact name.
    pub fn aggregator_contract(&self, name: &str) -> Option<&AggregatorContract> {
        self.aggregator_contracts
            .iter()
            .find(|contract| contract.name == name)
    }

    /// The custom chemistry with this exact name.
    pub fn chemistry(&self, name: &str) -> Option<&ChemistryRule> {
        self.chemistries
            .iter()
            .find(|chemistry| chemistry.name == name)
    }

    /// The subsidy with this exact name.
    ///
    /// ```
    /// let compilation = voltlex_dsl::package::compile_text(
    ///     "s.vlx",
    ///     "subsidy \"S\" { programme \"P\" national applies to pv amount 1000 JPY }",
    /// );
    /// assert!(compilation.rules.subsidy("S").is_some());
    /// assert!(compilation.rules.subsidy("T").is_none());
    /// ```
    pub fn subsidy(&self, name: &str) -> Option<&SubsidyRule> {
        self.subsidies.iter().find(|subsidy| subsidy.name == name)
    }

    /// The risk-sharing deal with this exact name.
    pub fn risk_sharing(&self, name: &str) -> Option<&RiskSharingRule> {
        self.risk_sharings.iter().find(|deal| deal.name == name)
    }
}

/// One tariff (a plan on a utility's tariff sheet).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tariff {
    /// The plan's name as written in the rule file.
    pub name: String,
    /// Where the tariff block starts.
    pub origin: RuleRef,
    /// Billing currency.
    pub currency: Currency,
    /// Holidays and time zone.
    pub calendar: Calendar,
    /// Interval length of the meter data the tariff is settled on, in minutes (15, 30 or 60).
    pub interval_minutes: u32,
    /// Seasons; together they cover every day of the year exactly once (may be empty).
    pub seasons: Vec<Season>,
    /// Time-of-use periods; every interval falls in exactly one (empty: no TOU).
    pub periods: Vec<Period>,
    /// Demand (basic) charges, if the plan has any.
    pub demand: Option<Demand>,
    /// Energy charge, if the plan has one.
    pub energy: Option<EnergyCharge>,
    /// Index-linked adjustments per kWh (fuel cost, market price), in source order.
    pub adjustments: Vec<Adjustment>,
    /// Per-kWh surcharges (renewable energy levy), in source order.
    pub surcharges: Vec<Surcharge>,
    /// Fixed monthly charges.
    pub fixed_charges: Vec<FixedCharge>,
    /// Lines priced by a script or plugin, in source order (billed after the surcharges).
    #[serde(default)]
    pub computed: Vec<Computed>,
    /// Minimum monthly bill before tax.
    pub minimum_bill: Option<MinimumBill>,
    /// Consumption or sales tax.
    pub tax: Option<Tax>,
    /// Default rounding of line items and of the total.
    pub rounding: RoundingPolicy,
    /// The period in which the package declares the tariff valid (from, until exclusive).
    pub validity: Option<(NaiveDate, NaiveDate)>,
}

/// How a tariff rounds: each line (unless the line has its own rule), and the total.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct RoundingPolicy {
    /// Rounding of every line item that has no rounding of its own.
    pub each_line: Option<(Rounding, RuleRef)>,
    /// Rounding of the total; the difference is shown as a "rounding" line.
    pub total: Option<(Rounding, RuleRef)>,
}

/// Which calendar decides holidays, and the tariff's time zone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Calendar {
    /// The holiday rules.
    pub kind: CalendarKind,
    /// IANA time zone of interval labels (e.g. `Asia/Tokyo`).
    pub time_zone: String,
    /// Extra holidays the package declares (e.g. utility year-end days).
    pub added: Vec<NaiveDate>,
    /// Days the package declares not to be holidays although the rules say so.
    pub removed: Vec<NaiveDate>,
}

/// Holiday rules of a [`Calendar`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CalendarKind {
    /// Japanese national holidays by rule (1948–2150).
    Japan,
    /// No holidays at all: only Saturdays and Sundays are non-working days.
    WeekendsOnly,
}

impl Calendar {
    /// Is `date` a holiday under this calendar (weekends are not holidays as such)?
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use voltlex_dsl::rules::{Calendar, CalendarKind};
    /// let calendar = Calendar { kind: CalendarKind::WeekendsOnly, time_zone: "UTC".into(),
    ///     added: vec![NaiveDate::from_ymd_opt(2025, 12, 31).unwrap()], removed: vec![] };
    /// assert!(calendar.is_holiday(NaiveDate::from_ymd_opt(2025, 12, 31).unwrap()));
    /// assert!(!calendar.is_holiday(NaiveDate::from_ymd_opt(2025, 12, 30).unwrap()));
    /// ```
    pub fn is_holiday(&self, date: NaiveDate) -> bool {
        if self.added.contains(&date) {
            return true;
        }
        if self.removed.contains(&date) {
            return false;
        }
        match self.kind {
            CalendarKind::Japan => japan::holiday_name(date).is_some(),
            CalendarKind::WeekendsOnly => false,
        }
    }

    /// The facts about `date` that time-of-use periods depend on.
    pub fn day_facts(&self, date: NaiveDate) -> DayFacts {
        DayFacts {
            weekday: date.weekday(),
            holiday: self.is_holiday(date),
        }
    }
}

/// What a period clause needs to know about a day: its weekday and whether it is a holiday.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DayFacts {
    /// Day of the week.
    pub weekday: Weekday,
    /// A holiday under the tariff's calendar.
    pub holiday: bool,
}

impl DaySet {
    /// Does a day with these facts belong to the set?
    ///
    /// ```
    /// use chrono::Weekday;
    /// use voltlex_dsl::rules::{DayFacts, DaySet};
    /// let holiday_monday = DayFacts { weekday: Weekday::Mon, holiday: true };
    /// assert!(!DaySet::Weekdays.contains(holiday_monday));
    /// assert!(DaySet::WeekendsAndHolidays.contains(holiday_monday));
    /// ```
    pub fn contains(self, day: DayFacts) -> bool {
        let weekend = matches!(day.weekday, Weekday::Sat | Weekday::Sun);
        match self {
            DaySet::EveryDay => true,
            DaySet::Weekdays => !weekend && !day.holiday,
            DaySet::Weekends => weekend,
            DaySet::Saturdays => day.weekday == Weekday::Sat,
            DaySet::Sundays => day.weekday == Weekday::Sun,
            DaySet::Holidays => day.holiday,
            DaySet::WeekendsAndHolidays => weekend || day.holiday,
        }
    }
}

/// A set of days a time-of-use period applies on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum DaySet {
    /// Every day.
    EveryDay,
    /// Monday to Friday, holidays excluded (business days).
    Weekdays,
    /// Saturdays and Sundays.
    Weekends,
    /// Saturdays.
    Saturdays,
    /// Sundays.
    Sundays,
    /// The calendar's holidays.
    Holidays,
    /// Saturdays, Sundays and holidays.
    WeekendsAndHolidays,
}

/// A day of the year as month and day (for seasons).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct MonthDay {
    /// 1–12.
    pub month: u32,
    /// 1–31.
    pub day: u32,
}

impl MonthDay {
    /// The month-day of a date.
    pub fn of(date: NaiveDate) -> Self {
        MonthDay {
            month: date.month(),
            day: date.day(),
        }
    }
}

/// A season: the days of the year from `start` to `end` inclusive (may wrap the new year).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Season {
    /// Name as written (`summer`).
    pub name: String,
    /// Inclusive ranges of days; a range with `start > end` wraps over the year end.
    pub ranges: Vec<(MonthDay, MonthDay)>,
    /// Where it is declared.
    pub origin: RuleRef,
}

impl Season {
    /// Does the season contain `date`?
    pub fn contains(&self, date: NaiveDate) -> bool {
        let day = MonthDay::of(date);
        self.ranges.iter().any(|&(start, end)| {
            if start <= end {
                start <= day && day <= end
            } else {
                day >= start || day <= end
            }
        })
    }
}

/// A time range within a day, in minutes after midnight: `[start, end)`; `end` may be 1440.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeRange {
    /// Start minute, 0–1439.
    pub start_minute: u32,
    /// End minute (exclusive), 1–1440, greater than start (wrapping ranges are split by lowering).
    pub end_minute: u32,
}

/// One `days [times] [in seasons]` condition of a period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PeriodClause {
    /// Which days.
    pub days: Vec<DaySet>,
    /// Which times of those days; empty means all day.
    pub times: Vec<TimeRange>,
    /// In which seasons (names); empty means all year.
    pub seasons: Vec<String>,
}

/// How a period's intervals are chosen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum PeriodRule {
    /// Any of the clauses, minus the intervals of the named periods.
    When {
        /// Alternatives.
        clauses: Vec<PeriodClause>,
        /// Periods whose intervals are taken out.
        except: Vec<String>,
    },
    /// Every interval in no other period.
    Otherwise,
}

/// A time-of-use period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Period {
    /// Name as written (`peak`).
    pub name: String,
    /// Selection rule.
    pub rule: PeriodRule,
    /// Where it is declared.
    pub origin: RuleRef,
}

impl PeriodClause {
    /// Does the clause hold for an interval starting `minute` minutes after midnight on a
    /// day with these facts, in the named season?
    pub fn matches(&self, day: DayFacts, minute: u32, season: Option<&str>) -> bool {
        self.days.iter().any(|days| days.contains(day))
            && (self.times.is_empty()
                || self
                    .times
                    .iter()
                    .any(|t| t.start_minute <= minute && minute < t.end_minute))
            && (self.seasons.is_empty()
                || season.is_some_and(|s| self.seasons.iter().any(|c| c == s)))
    }
}

impl Tariff {
    /// The season of `date` (`None` when the tariff has no seasons).
    pub fn season_of(&self, date: NaiveDate) -> Option<&Season> {
        self.seasons.iter().find(|season| season.contains(date))
    }

    /// The index into [`Tariff::periods`] of the period an interval starting at `start`
    /// falls in, or `None` when the tariff has no periods.
    ///
    /// The checker has proven that exactly one period matches every interval.
    pub fn period_of(&self, start: NaiveDateTime) -> Option<usize> {
        let date = start.date();
        let season = self.season_of(date).map(|season| season.name.as_str());
        let minute = start.hour() * 60 + start.minute();
        period_at(&self.periods, self.calendar.day_facts(date), minute, season)
    }
}

/// The period an interval falls in, from the facts of its day: the first `When` period that
/// matches, else the `otherwise` period. Shared by the engine and the checker's coverage proof.
pub fn period_at(
    periods: &[Period],
    day: DayFacts,
    minute: u32,
    season: Option<&str>,
) -> Option<usize> {
    let mut fallback = None;
    for (index, period) in periods.iter().enumerate() {
        match period.rule {
            PeriodRule::Otherwise => fallback = Some(index),
            PeriodRule::When { .. } => {
                if period_matches(periods, index, day, minute, season, 0) {
                    return Some(index);
                }
            }
        }
    }
    fallback
}

/// Does the `When` period at `index` hold (its clauses, minus its `except` periods)?
/// `depth` stops cyclic `except` chains in unchecked rules.
pub fn period_matches(
    periods: &[Period],
    index: usize,
    day: DayFacts,
    minute: u32,
    season: Option<&str>,
    depth: usize,
) -> bool {
    let Some(PeriodRule::When { clauses, except }) = periods.get(index).map(|p| &p.rule) else {
        return false;
    };
    if depth > periods.len() {
        return false;
    }
    clauses
        .iter()
        .any(|clause| clause.matches(day, minute, season))
        && !except.iter().any(|name| {
            periods
                .iter()
                .position(|p| &p.name == name)
                .is_some_and(|other| period_matches(periods, other, day, minute, season, depth + 1))
        })
}

/// How the month's contract (billing) demand is set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ContractDemand {
    /// 実量制: the largest monthly peak over this month and the previous `months − 1`.
    /// Before supply has run that long (new supply), the largest since supply began.
    Ratchet {
        /// Window length including the billing month (12 in Japan).
        months: u32,
    },
    /// The month's own peak only.
    MonthlyPeak,
    /// A contract value agreed with the utility (sites of 500 kW and more), given at billing.
    Agreed,
}

/// Power-factor adjustment of the basic charge: each point of power factor above `base`
/// lowers it by `step`, each point below raises it (Japan: base 85 %, step 1 %).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PowerFactorRule {
    /// Base power factor as a fraction (0.85).
    pub base: Decimal,
    /// Change of the basic charge per percentage point, as a fraction (0.01).
    pub step: Decimal,
    /// Where declared.
    pub origin: RuleRef,
}

/// A demand-charge holiday: no demand charge before `waived_until`, then a phase-in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DemandHoliday {
    /// First day the demand charge applies again (in any share).
    pub waived_until: NaiveDate,
    /// Share of the demand charge from each date on (fractions, non-decreasing, the first on
    /// or after `waived_until`); empty means 100 % from `waived_until`.
    pub phase_in: Vec<(NaiveDate, Decimal)>,
    /// Where declared.
    pub origin: RuleRef,
}

impl DemandHoliday {
    /// Share of the demand charge billed for a month starting on `month_start` (0 to 1).
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use rust_decimal::Decimal;
    /// use voltlex_dsl::rules::{DemandHoliday, RuleRef};
    /// let d = |y, m| NaiveDate::from_ymd_opt(y, m, 1).unwrap();
    /// let holiday = DemandHoliday { waived_until: d(2027, 4),
    ///     phase_in: vec![(d(2027, 4), Decimal::new(50, 2)), (d(2028, 4), Decimal::ONE)],
    ///     origin: RuleRef::default() };
    /// assert_eq!(holiday.share_at(d(2027, 3)), Decimal::ZERO);
    /// assert_eq!(holiday.share_at(d(2027, 9)), Decimal::new(50, 2));
    /// assert_eq!(holiday.share_at(d(2028, 4)), Decimal::ONE);
    /// ```
    pub fn share_at(&self, month_start: NaiveDate) -> Decimal {
        if month_start < self.waived_until {
            return Decimal::ZERO;
        }
        self.phase_in
            .iter()
            .rev()
            .find(|(from, _)| *from <= month_start)
            .map_or(Decimal::ONE, |&(_, share)| share)
    }
}

/// A subscription in the PG&E Business EV style: the customer buys demand in blocks each
/// month and pays per kW of the month's peak above the blocks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Subscription {
    /// Size of one block, kW.
    pub block_kw: f64,
    /// Price of one block per month.
    pub block_price: Timeline<Decimal>,
    /// Price per kW of peak demand above the subscribed level.
    pub overage_per_kw: Timeline<Decimal>,
    /// Where declared.
    pub origin: RuleRef,
}

/// The demand (basic) charge rules.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Demand {
    /// Where the demand block starts.
    pub origin: RuleRef,
    /// Demand is the average kW over intervals of this length (minutes).
    pub interval_minutes: u32,
    /// How the month's contract demand is found.
    pub contract: ContractDemand,
    /// Price per kW of contract demand per month, if the plan charges per kW.
    pub charge_per_kw: Option<Timeline<Decimal>>,
    /// Power-factor adjustment of that charge.
    pub power_factor: Option<PowerFactorRule>,
    /// Demand-charge holiday and phase-in.
    pub holiday: Option<DemandHoliday>,
    /// Subscription blocks with overage, if the plan sells demand that way.
    pub subscription: Option<Subscription>,
    /// Rounding of the demand lines (else the tariff's `each_line`).
    pub rounding: Option<Rounding>,
}

/// A per-kWh rate for one season or one time-of-use period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeyedRate {
    /// Season or period name.
    pub key: String,
    /// Price per kWh.
    pub rate: Timeline<Decimal>,
}

/// One block of a tiered (block) energy rate: the month's kWh up to `up_to_kwh` (cumulative).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tier {
    /// Cumulative upper bound of the block in kWh; `None` for the last, open block.
    pub up_to_kwh: Option<f64>,
    /// Price per kWh in the block.
    pub rate: Timeline<Decimal>,
}

/// How energy is priced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum EnergyPricing {
    /// One price for every kWh.
    Flat(Timeline<Decimal>),
    /// A price per season (keys cover all seasons).
    BySeason(Vec<KeyedRate>),
    /// A price per time-of-use period (keys cover all periods).
    ByPeriod(Vec<KeyedRate>),
    /// Block prices on the month's total kWh.
    Tiered(Vec<Tier>),
}

/// The energy charge.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EnergyCharge {
    /// Pricing.
    pub pricing: EnergyPricing,
    /// Where declared.
    pub origin: RuleRef,
    /// Rounding of the energy lines (else the tariff's `each_line`).
    pub rounding: Option<Rounding>,
}

/// How an adjustment turns its index into a price per kWh.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AdjustmentMode {
    /// One unit price for the month: share × (mean of the index over the window − baseline).
    Monthly,
    /// Each interval at its own index value: Σ kWh × share × (index − baseline).
    PerInterval,
}

/// An index-linked adjustment charged per kWh (fuel-cost adjustment, market-price adjustment).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Adjustment {
    /// Name as written (`fuel_cost`).
    pub name: String,
    /// The index series it reads, supplied at billing time (`--index NAME=FILE`).
    pub index: String,
    /// The window ends `lag_months` before the billing month (0: the billing month itself).
    pub lag_months: u32,
    /// Length of the averaging window in months (1: a single month).
    pub average_months: u32,
    /// Monthly unit price or per-interval pricing.
    pub mode: AdjustmentMode,
    /// Share of the index movement passed through (1 = 100 %).
    pub share: Decimal,
    /// Baseline the index is measured against (price per kWh).
    pub baseline: Timeline<Decimal>,
    /// Rounding of the unit price before it is multiplied by kWh.
    pub unit_rounding: Option<Rounding>,
    /// Rounding of the line (else the tariff's `each_line`).
    pub rounding: Option<Rounding>,
    /// Where declared.
    pub origin: RuleRef,
}

/// A per-kWh surcharge with its own validity (renewable energy levy).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Surcharge {
    /// Name as written (`renewable`).
    pub name: String,
    /// Price per kWh.
    pub rate: Timeline<Decimal>,
    /// Rounding of the line (else the tariff's `each_line`).
    pub rounding: Option<Rounding>,
    /// Where declared.
    pub origin: RuleRef,
}

/// A fixed charge per month.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FixedCharge {
    /// Name as written (`customer`).
    pub name: String,
    /// Amount per month.
    pub amount: Timeline<Decimal>,
    /// Where declared.
    pub origin: RuleRef,
}

/// A minimum monthly bill (before tax): a shortfall is billed as a top-up line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MinimumBill {
    /// Minimum per month.
    pub amount: Timeline<Decimal>,
    /// Where declared.
    pub origin: RuleRef,
}

/// A tax on the bill.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tax {
    /// Name as written (`consumption`).
    pub name: String,
    /// Rate as a fraction (0.10).
    pub rate: Decimal,
    /// `true`: the tariff's prices already include the tax (Japanese published prices); the
    /// bill shows the tax contained as an informational line. `false`: the tax is added.
    pub included: bool,
    /// Where declared.
    pub origin: RuleRef,
}

/// Where a computed rule's price comes from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ComputedSource {
    /// A rhai script (inline, or read from a file of the package at compile time).
    Script {
        /// The script's text.
        code: String,
        /// The file it came from, or the rule file for an inline script (for messages).
        file: String,
    },
    /// A wasm module following the plugin ABI (docs/plugins.md), read at compile time.
    Plugin {
        /// The module's bytes (binary wasm, or WAT text).
        module: Vec<u8>,
        /// The file it came from (for messages).
        file: String,
        /// The exported function to call.
        export: String,
    },
}

/// What a computed price multiplies, from its declared unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ComputedBasis {
    /// Money per kWh: × the month's kWh.
    PerKwh,
    /// Money per kW per month: × the month's contract demand.
    PerKwMonth,
    /// Money per month: the amount itself.
    PerMonth,
}

/// An index a computed rule reads, and how many months before the bill.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComputedIndex {
    /// Series name, supplied at billing (`--index NAME=FILE`).
    pub name: String,
    /// The values of the month this many months before the bill are given.
    pub lag_months: u32,
}

/// A line whose price a script or plugin computes (`computed NAME { … }`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Computed {
    /// Name as written; the line item is "computed NAME".
    pub name: String,
    /// Script or plugin.
    pub source: ComputedSource,
    /// The declared unit of the result as written canonically (`JPY/kWh`, `JPY/kW per month`,
    /// `JPY per month`); a script's quantity must be in it.
    pub returns: String,
    /// How the result is applied.
    pub basis: ComputedBasis,
    /// Indices the rule reads.
    pub indices: Vec<ComputedIndex>,
    /// Rounding of the line (else the tariff's `each_line`).
    pub rounding: Option<Rounding>,
    /// Where declared.
    pub origin: RuleRef,
}

/// A market an aggregator bids the fleet's flexibility into.
///
/// ```
/// use voltlex_dsl::rules::Market;
/// assert_eq!(Market::Tertiary2.keyword(), "tertiary2");
/// assert_eq!(Market::from_keyword("spot"), Some(Market::Spot));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Market {
    /// JEPX day-ahead spot market (48 half-hour products).
    Spot,
    /// Balancing market, primary reserve (一次, response ≤ 10 s).
    Primary,
    /// Balancing market, secondary-1 (二次①, LFC, ≤ 5 min).
    Secondary1,
    /// Balancing market, secondary-2 (二次②, EDC, ≤ 5 min).
    Secondary2,
    /// Balancing market, tertiary-1 (三次①, ≤ 15 min).
    Tertiary1,
    /// Balancing market, tertiary-2 (三次②, ≤ 60 min, 30-minute blocks).
    Tertiary2,
    /// OCCTO capacity market (aggregated demand response).
    Capacity,
}

impl Market {
    /// Every market, in the order of the keyword list.
    pub const ALL: [Market; 7] = [
        Market::Spot,
        Market::Primary,
        Market::Secondary1,
        Market::Secondary2,
        Market::Tertiary1,
        Market::Tertiary2,
        Market::Capacity,
    ];

    /// The keyword used in rule files and on the command line.
    pub fn keyword(self) -> &'static str {
        match self {
            Market::Spot => "spot",
            Market::Primary => "primary",
            Market::Secondary1 => "secondary1",
            Market::Secondary2 => "secondary2",
            Market::Tertiary1 => "tertiary1",
            Market::Tertiary2 => "tertiary2",
            Market::Capacity => "capacity",
        }
    }

    /// The market a keyword names.
    pub fn from_keyword(keyword: &str) -> Option<Market> {
        Market::ALL.into_iter().find(|m| m.keyword() == keyword)
    }
}

impl fmt::Display for Market {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.keyword())
    }
}

/// What an aggregator fee is charged on.
///
/// ```
/// use voltlex_dsl::rules::FeeBasis;
/// assert_eq!(FeeBasis::VehicleMonth.to_string(), "per vehicle per month");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FeeBasis {
    /// Per enrolled vehicle and month.
    VehicleMonth,
    /// Per kWh discharged for the markets (grid side).
    Kwh,
    /// Per month, for the whole fleet.
    Month,
}

impl fmt::Display for FeeBasis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FeeBasis::VehicleMonth => "per vehicle per month",
            FeeBasis::Kwh => "per kWh",
            FeeBasis::Month => "per month",
        })
    }
}

/// One fee the aggregator charges the fleet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AggregatorFee {
    /// Amount in `currency` per `basis`.
    pub amount: Decimal,
    /// What the amount is charged on.
    pub basis: FeeBasis,
    /// Where the fee is written.
    pub origin: RuleRef,
}

/// A `contract aggregator` block: how a fleet's flexibility is sold and the revenue shared.
///
/// Shares are fractions (0.7 for `70%`) that sum to 1. Defaults, where the block is silent:
/// minimum bid 1,000 kW, no fees, no dispatch caps, no penalty.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AggregatorContract {
    /// The contract's name as written.
    pub name: String,
    /// Where the block starts.
    pub origin: RuleRef,
    /// Currency of fees and penalties.
    pub currency: Currency,
    /// Markets entered, as listed.
    pub markets: Vec<Market>,
    /// Smallest offer the aggregator can place in a balancing or capacity product, kW.
    pub minimum_bid_kw: f64,
    /// Fleet's share of gross market revenue (0..=1).
    pub fleet_share: Decimal,
    /// Aggregator's share of gross market revenue (0..=1); `fleet_share + aggregator_share = 1`.
    pub aggregator_share: Decimal,
    /// Fees, in source order.
    pub fees: Vec<AggregatorFee>,
    /// Cap on discharge: equivalent full cycles per day per vehicle.
    pub max_cycles_per_day: Option<f64>,
    /// Floor on state of charge while dispatched (0..=1 of capacity).
    pub minimum_soc: Option<f64>,
    /// Penalty per kW of an accepted balancing offer that is not delivered, per 30-minute block.
    pub penalty_per_kw: Option<Decimal>,
}

/// One point of a chemistry's cycle-life curve.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CycleLifePoint {
    /// Depth of discharge, 0 < dod ≤ 1.
    pub depth_of_discharge: f64,
    /// Full cycles at that depth until end of life.
    pub cycles: f64,
}

/// A `chemistry` block: a custom battery chemistry for the degradation model.
///
/// Fields left out take the value of the preset named by `based_on` (`"LFP"` or `"NMC"`);
/// without `based_on`, `cycle_life` must be given and the rest take the LFP preset's values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChemistryRule {
    /// The chemistry's name as written.
    pub name: String,
    /// Where the block starts.
    pub origin: RuleRef,
    /// Preset the unspecified parameters come from (`"LFP"`, `"NMC"`).
    pub based_on: Option<String>,
    /// Cycle life at 25 °C, at least two depths, sorted by depth (ascending).
    pub cycle_life: Vec<CycleLifePoint>,
    /// Capacity loss at end of life (0.2 for "end of life 80%").
    pub end_of_life_loss: Option<f64>,
    /// Calendar capacity loss after one year at 25 °C and 50 % state of charge (fraction).
    pub calendar_loss_first_year: Option<f64>,
    /// Time exponent of calendar loss (loss ∝ days^exponent; ≈ 0.5).
    pub calendar_exponent: Option<f64>,
    /// Pack replacement cost per kWh of capacity.
    pub replacement_cost_per_kwh: Option<Decimal>,
}

/// What a subsidy pays for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum SubsidyItemKind {
    /// A vehicle.
    Vehicle,
    /// A charger (equipment and its installation works).
    Charger,
    /// Stationary battery storage.
    Battery,
    /// Solar panels.
    Pv,
}

impl SubsidyItemKind {
    /// Every kind, in the order the documentation lists them.
    pub const ALL: [SubsidyItemKind; 4] = [
        SubsidyItemKind::Vehicle,
        SubsidyItemKind::Charger,
        SubsidyItemKind::Battery,
        SubsidyItemKind::Pv,
    ];

    /// The word the language uses (`applies to charger`).
    pub fn word(self) -> &'static str {
        match self {
            SubsidyItemKind::Vehicle => "vehicle",
            SubsidyItemKind::Charger => "charger",
            SubsidyItemKind::Battery => "battery",
            SubsidyItemKind::Pv => "pv",
        }
    }

    /// The kind a word names (`"charger"`), if any.
    pub fn from_word(word: &str) -> Option<SubsidyItemKind> {
        SubsidyItemKind::ALL.into_iter().find(|k| k.word() == word)
    }

    /// The attributes an item of this kind may have: name, type and meaning.
    ///
    /// ```
    /// use voltlex_dsl::rules::{AttributeType, SubsidyItemKind};
    /// let power = SubsidyItemKind::Charger.attribute("power").unwrap();
    /// assert_eq!(power.kind, AttributeType::Power);
    /// assert!(SubsidyItemKind::Charger.attribute("battery").is_none());
    /// ```
    pub fn attributes(self) -> &'static [AttributeSpec] {
        match self {
            SubsidyItemKind::Vehicle => VEHICLE_ATTRIBUTES,
            SubsidyItemKind::Charger => CHARGER_ATTRIBUTES,
            SubsidyItemKind::Battery => BATTERY_ATTRIBUTES,
            SubsidyItemKind::Pv => PV_ATTRIBUTES,
        }
    }

    /// The attribute of this name, if the kind has it.
    pub fn attribute(self, name: &str) -> Option<&'static AttributeSpec> {
        self.attributes().iter().find(|a| a.name == name)
    }

    /// The attributes whose sum is the item's cost (what subsidies together may not exceed):
    /// `price`, or for a charger `equipment_price` + `works_price`.
    pub fn cost_attributes(self) -> &'static [&'static str] {
        match self {
            SubsidyItemKind::Charger => &["equipment_price", "works_price"],
            _ => &["price"],
        }
    }
}

impl fmt::Display for SubsidyItemKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.word())
    }
}

/// What an attribute holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AttributeType {
    /// One of a few texts (`values`).
    Text,
    /// Yes or no.
    Flag,
    /// Money (JPY), before tax.
    Money,
    /// kW.
    Power,
    /// kWh.
    Energy,
    /// Tonnes.
    Mass,
}

impl AttributeType {
    /// The unit a quantity compared with it is written in (`None` for text and flags).
    pub fn unit(self) -> Option<&'static str> {
        match self {
            AttributeType::Text | AttributeType::Flag => None,
            AttributeType::Money => Some("JPY"),
            AttributeType::Power => Some("kW"),
            AttributeType::Energy => Some("kWh"),
            AttributeType::Mass => Some("t"),
        }
    }
}

/// One known attribute of an item kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttributeSpec {
    /// Its name in rules (`equipment_price`).
    pub name: &'static str,
    /// What it holds.
    pub kind: AttributeType,
    /// For a text: the values it may take.
    pub values: &'static [&'static str],
    /// What it means.
    pub meaning: &'static str,
}

const fn attribute(
    name: &'static str,
    kind: AttributeType,
    values: &'static [&'static str],
    meaning: &'static str,
) -> AttributeSpec {
    AttributeSpec {
        name,
        kind,
        values,
        meaning,
    }
}

const VEHICLE_ATTRIBUTES: &[AttributeSpec] = &[
    attribute(
        "class",
        AttributeType::Text,
        &["kei-van", "van", "light-truck", "truck", "car"],
        "vehicle class",
    ),
    attribute(
        "powertrain",
        AttributeType::Text,
        &["BEV", "PHEV", "FCV"],
        "powertrain",
    ),
    attribute(
        "battery",
        AttributeType::Energy,
        &[],
        "usable battery capacity, kWh",
    ),
    attribute(
        "price",
        AttributeType::Money,
        &[],
        "purchase price before tax, JPY",
    ),
    attribute(
        "ice_price",
        AttributeType::Money,
        &[],
        "price of the comparable diesel or petrol vehicle before tax, JPY",
    ),
    attribute(
        "gross_weight",
        AttributeType::Mass,
        &[],
        "gross vehicle weight, t",
    ),
    attribute(
        "v2h",
        AttributeType::Flag,
        &[],
        "can supply a building (V2H/V2B)",
    ),
];
const CHARGER_ATTRIBUTES: &[AttributeSpec] = &[
    attribute(
        "type",
        AttributeType::Text,
        &["normal", "fast", "ultra-fast"],
        "charger type",
    ),
    attribute("power", AttributeType::Power, &[], "rated output, kW"),
    attribute("v2g", AttributeType::Flag, &[], "bidirectional (V2G/V2H)"),
    attribute(
        "with_truck",
        AttributeType::Flag,
        &[],
        "installed together with trucks bought under the same programme (LEVO)",
    ),
    attribute(
        "equipment_price",
        AttributeType::Money,
        &[],
        "price of the charger itself before tax, JPY",
    ),
    attribute(
        "works_price",
        AttributeType::Money,
        &[],
        "installation works before tax, JPY",
    ),
];
const BATTERY_ATTRIBUTES: &[AttributeSpec] = &[
    attribute(
        "capacity",
        AttributeType::Energy,
        &[],
        "usable capacity, kWh",
    ),
    attribute("power", AttributeType::Power, &[], "rated power, kW"),
    attribute(
        "price",
        AttributeType::Money,
        &[],
        "price installed, before tax, JPY",
    ),
];
const PV_ATTRIBUTES: &[AttributeSpec] = &[
    attribute("capacity", AttributeType::Power, &[], "peak output, kW"),
    attribute(
        "price",
        AttributeType::Money,
        &[],
        "price installed, before tax, JPY",
    ),
];

/// The name amounts use for what earlier programmes already awarded the same item.
pub const AWARDED: &str = "awarded";

/// National programmes are applied before local ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum ProgrammeLevel {
    /// A national programme.
    National,
    /// A prefecture's or city's programme.
    Local,
}

/// A `subsidy` block: which items it pays for and how much.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubsidyRule {
    /// The subsidy's name as written.
    pub name: String,
    /// Where the block starts.
    pub origin: RuleRef,
    /// The programme it belongs to.
    pub programme: String,
    /// National or local.
    pub level: ProgrammeLevel,
    /// What it pays for.
    pub applies_to: SubsidyItemKind,
    /// Who is eligible (`None`: every item of the kind).
    pub condition: Option<SubsidyCondition>,
    /// Where `applies to` is written.
    pub condition_origin: RuleRef,
    /// How much, per item.
    pub amount: AmountExpr,
    /// The amount as written (for traces).
    pub amount_text: String,
    /// Where `amount` is written.
    pub amount_origin: RuleRef,
    /// First and last day (inclusive) a purchase is eligible; `None`: always.
    pub window: Option<(NaiveDate, NaiveDate)>,
    /// Subsidies that, when they already paid for the item, rule this one out (checked to
    /// name subsidies of the same compilation).
    pub excludes: Vec<String>,
    /// How the amount is rounded (default: down to 1 JPY).
    pub rounding: Rounding,
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CompareOp {
    /// `==`
    Equal,
    /// `!=`
    NotEqual,
    /// `<`
    Less,
    /// `<=`
    LessOrEqual,
    /// `>`
    Greater,
    /// `>=`
    GreaterOrEqual,
}

impl CompareOp {
    /// The operator as written.
    pub fn symbol(self) -> &'static str {
        match self {
            CompareOp::Equal => "==",
            CompareOp::NotEqual => "!=",
            CompareOp::Less => "<",
            CompareOp::LessOrEqual => "<=",
            CompareOp::Greater => ">",
            CompareOp::GreaterOrEqual => ">=",
        }
    }

    /// Whether `ordering` (of the attribute against the value) satisfies the operator.
    ///
    /// ```
    /// use std::cmp::Ordering;
    /// use voltlex_dsl::rules::CompareOp;
    /// assert!(CompareOp::LessOrEqual.holds(Ordering::Equal));
    /// assert!(!CompareOp::Greater.holds(Ordering::Equal));
    /// ```
    pub fn holds(self, ordering: std::cmp::Ordering) -> bool {
        use std::cmp::Ordering::*;
        match self {
            CompareOp::Equal => ordering == Equal,
            CompareOp::NotEqual => ordering != Equal,
            CompareOp::Less => ordering == Less,
            CompareOp::LessOrEqual => ordering != Greater,
            CompareOp::Greater => ordering == Greater,
            CompareOp::GreaterOrEqual => ordering != Less,
        }
    }
}

/// A value an attribute is compared with (checked against the attribute's type).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum CompareValue {
    /// kW, kWh or t.
    Number(f64),
    /// JPY.
    Money(Decimal),
    /// A text.
    Text(String),
    /// A flag.
    Flag(bool),
}

/// An eligibility condition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum SubsidyCondition {
    /// Every one holds.
    All(Vec<SubsidyCondition>),
    /// At least one holds.
    Any(Vec<SubsidyCondition>),
    /// It does not hold.
    Not(Box<SubsidyCondition>),
    /// `attribute OP value`.
    Compare {
        /// The attribute.
        attribute: String,
        /// The operator.
        op: CompareOp,
        /// The value.
        value: CompareValue,
    },
    /// A flag attribute is set.
    Flag(String),
}

/// A money expression (per item), checked to come out in money.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum AmountExpr {
    /// A constant (money, money per unit, or a plain number).
    Constant(Decimal),
    /// An attribute of the item (money, kW, kWh or t).
    Attribute(String),
    /// What earlier subsidies awarded the same item.
    Awarded,
    /// `share of X` (`50%` is 0.5, `2/3` is 2/3).
    ShareOf {
        /// The share as written (`50%`, `2/3`), for traces.
        share_text: String,
        /// The share as a fraction.
        share: Decimal,
        /// Of what.
        of: Box<AmountExpr>,
    },
    /// `A + B`.
    Add(Box<AmountExpr>, Box<AmountExpr>),
    /// `A - B`.
    Subtract(Box<AmountExpr>, Box<AmountExpr>),
    /// `A * B`.
    Multiply(Box<AmountExpr>, Box<AmountExpr>),
    /// The least of the values.
    Min(Vec<AmountExpr>),
    /// The greatest of the values.
    Max(Vec<AmountExpr>),
}

impl AmountExpr {
    /// The attributes the expression reads (`awarded` excluded), in order of first use.
    pub fn attributes(&self) -> Vec<&str> {
        let mut out = Vec::new();
        self.collect_attributes(&mut out);
        out
    }

    fn collect_attributes<'a>(&'a self, out: &mut Vec<&'a str>) {
        match self {
            AmountExpr::Constant(_) | AmountExpr::Awarded => {}
            AmountExpr::Attribute(name) => {
                if !out.contains(&name.as_str()) {
                    out.push(name);
                }
            }
            AmountExpr::ShareOf { of, .. } => of.collect_attributes(out),
            AmountExpr::Add(a, b) | AmountExpr::Subtract(a, b) | AmountExpr::Multiply(a, b) => {
                a.collect_attributes(out);
                b.collect_attributes(out);
            }
            AmountExpr::Min(items) | AmountExpr::Max(items) => {
                for item in items {
                    item.collect_attributes(out);
                }
            }
        }
    }
}
