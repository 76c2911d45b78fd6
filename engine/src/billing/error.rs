//! Why a bill could not be made. Every message says what is wrong and where (month,
//! timestamp, index or rule); billing never papers over a gap with a silent zero.

use chrono::{NaiveDate, NaiveDateTime};
use rust_decimal::Decimal;
use voltlex_dsl::rules::RuleRef;

use crate::month::YearMonth;

/// An error found while billing; nothing is billed when one occurs.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum BillingError {
    /// The load profile holds no intervals.
    #[error("the load has no intervals: there is nothing to bill")]
    EmptyLoad,

    /// The load's interval length is zero or does not divide a day.
    #[error(
        "the load's interval length is {minutes} min: it must be a positive number of minutes \
         that divides a day (15, 30 or 60)"
    )]
    LoadInterval {
        /// The load's interval length.
        minutes: u32,
    },

    /// The load starts after the first interval of its first month.
    #[error(
        "the load starts mid-month: {month} is missing intervals {first_missing} to \
         {last_missing}; bills cover whole months, so give data from the 1st or start at the \
         next month"
    )]
    StartsMidMonth {
        /// The month that is not covered.
        month: YearMonth,
        /// First interval start the load lacks.
        first_missing: NaiveDateTime,
        /// Last interval start the load lacks.
        last_missing: NaiveDateTime,
    },

    /// The load ends before the last interval of its last month.
    #[error(
        "the load ends mid-month: {month} is missing intervals {first_missing} to \
         {last_missing}; bills cover whole months, so give data to the month's end or stop at \
         the previous month"
    )]
    EndsMidMonth {
        /// The month that is not covered.
        month: YearMonth,
        /// First interval start the load lacks.
        first_missing: NaiveDateTime,
        /// Last interval start the load lacks.
        last_missing: NaiveDateTime,
    },

    /// A marginal-price horizon that cannot be priced: no slots of positive length, or it
    /// reaches outside the load it is priced against.
    #[error("cannot price {slots} slots of {slot_minutes} min from {from}: {problem}")]
    BadHorizon {
        /// Start of the horizon.
        from: NaiveDateTime,
        /// Number of slots.
        slots: usize,
        /// Slot length, minutes.
        slot_minutes: u32,
        /// What is wrong.
        problem: String,
    },

    /// An interval holds a negative or non-finite energy.
    #[error(
        "load interval {index} (starting {at}) holds {value} kWh: interval energy must be a \
         finite number of kWh, at least 0"
    )]
    LoadValue {
        /// Position in the load profile.
        index: usize,
        /// Interval start.
        at: NaiveDateTime,
        /// The value found.
        value: f64,
    },

    /// The load's intervals are longer than (or do not divide) the tariff's.
    #[error(
        "cannot resolve the tariff's {tariff_minutes}-minute periods from {load_minutes}-minute \
         data: the load interval must divide {tariff_minutes} min"
    )]
    CoarseForTariff {
        /// The load's interval length.
        load_minutes: u32,
        /// The tariff's settlement interval.
        tariff_minutes: u32,
    },

    /// The load's intervals are longer than (or do not divide) the demand interval.
    #[error(
        "{demand_minutes}-minute demand cannot be derived from {load_minutes}-minute data: give \
         meter data whose interval divides {demand_minutes} min"
    )]
    CoarseForDemand {
        /// The load's interval length.
        load_minutes: u32,
        /// The demand averaging interval.
        demand_minutes: u32,
    },

    /// A month lies outside the tariff's declared validity.
    #[error(
        "{month} is outside the validity of tariff \"{tariff}\" ({from} until {until}, \
         exclusive): a month is billed when its 1st day lies in that window"
    )]
    OutsideValidity {
        /// Tariff name.
        tariff: String,
        /// The month asked for.
        month: YearMonth,
        /// First valid day.
        from: NaiveDate,
        /// First day no longer valid.
        until: NaiveDate,
    },

    /// A time-varying value has no step in force on the first day of a month.
    #[error(
        "{what} ({rule}) has no value in force on {day}, so the {month} bill cannot be priced \
         (the value in force on the 1st applies to the whole month)"
    )]
    NoValue {
        /// What the value is ("energy rate", "renewable surcharge", ...).
        what: String,
        /// The rule that declares it.
        rule: RuleRef,
        /// The billing month.
        month: YearMonth,
        /// The day looked up (the month's 1st).
        day: NaiveDate,
    },

    /// The ratchet window reaches months before the load for which no peak is known.
    #[error(
        "the {window}-month demand ratchet ({rule}) for {month} needs the peaks of {}, which \
         are before the meter data: give them with --history, or give --supply-start if supply \
         began later",
        months_list(.missing)
    )]
    MissingHistory {
        /// The billing month.
        month: YearMonth,
        /// Window length.
        window: u32,
        /// Months without a known peak, in order.
        missing: Vec<YearMonth>,
        /// The ratchet rule.
        rule: RuleRef,
    },

    /// A peak of the history is negative or not a number.
    #[error("the history gives {kw} kW as the peak of {month}: a peak must be a finite number of kW, at least 0")]
    HistoryPeak {
        /// The history month.
        month: YearMonth,
        /// The value given.
        kw: f64,
    },

    /// The tariff bills an agreed contract demand but none was given.
    #[error(
        "the tariff bills an agreed contract demand ({rule}) but none was given for {month}: \
         give --contract-kw"
    )]
    MissingContractKw {
        /// The billing month.
        month: YearMonth,
        /// The demand rule.
        rule: RuleRef,
    },

    /// The agreed contract demand is not a positive finite number.
    #[error("the agreed contract demand {kw} kW is not a positive number")]
    ContractKw {
        /// The value given.
        kw: f64,
    },

    /// The tariff adjusts the basic charge by power factor but none was given for a month.
    #[error(
        "the tariff adjusts the basic charge by power factor ({rule}): give --pf (no power \
         factor for {month})"
    )]
    MissingPowerFactor {
        /// The billing month.
        month: YearMonth,
        /// The power-factor rule.
        rule: RuleRef,
    },

    /// A power factor outside (0, 100] %.
    #[error(
        "the power factor for {month} is {value} %: it must be a percentage above 0 and at most \
         100 (e.g. 98)"
    )]
    PowerFactorRange {
        /// The billing month.
        month: YearMonth,
        /// The value given, in percent.
        value: Decimal,
    },

    /// The subscribed demand is not a positive finite number.
    #[error("the subscribed demand {kw} kW is not a positive number")]
    SubscriptionKw {
        /// The value given.
        kw: f64,
    },

    /// An adjustment reads an index that was not supplied.
    #[error(
        "adjustment {adjustment} ({rule}) reads index \"{index}\", which was not given; indices \
         given: {}",
        names_list(.given)
    )]
    UnknownIndex {
        /// The adjustment's name.
        adjustment: String,
        /// The index it reads.
        index: String,
        /// The adjustment rule.
        rule: RuleRef,
        /// Names of the indices that were given.
        given: Vec<String>,
    },

    /// A monthly index lacks a month of the adjustment's window.
    #[error(
        "index \"{index}\" has no value for {index_month}, which adjustment {adjustment} needs \
         for the {month} bill"
    )]
    MissingIndexMonth {
        /// The index name.
        index: String,
        /// The adjustment's name.
        adjustment: String,
        /// The index month that is missing.
        index_month: YearMonth,
        /// The billing month.
        month: YearMonth,
    },

    /// An interval index lacks an interval the adjustment needs.
    #[error(
        "index \"{index}\" has no value for the interval starting {at}, which adjustment \
         {adjustment} needs for the {month} bill"
    )]
    MissingIndexInterval {
        /// The index name.
        index: String,
        /// The adjustment's name.
        adjustment: String,
        /// Start of the first missing interval.
        at: NaiveDateTime,
        /// The billing month.
        month: YearMonth,
    },

    /// An interval index's step is zero or does not divide a day.
    #[error(
        "index \"{index}\" has {minutes}-minute intervals: the length must be positive and \
         divide a day"
    )]
    IndexInterval {
        /// The index name.
        index: String,
        /// Its interval length.
        minutes: u32,
    },

    /// A computed rule's script or plugin failed (a limit, a trap, a wrong result), or its
    /// index data is missing.
    #[error("computed {name} ({rule}) for the {month} bill: {problem}")]
    Computed {
        /// The computed rule's name.
        name: String,
        /// The rule.
        rule: RuleRef,
        /// The billing month.
        month: YearMonth,
        /// What went wrong, naming the limit hit where one was.
        problem: String,
    },

    /// The compiled rules break an assumption the checker normally guarantees.
    #[error("rule {rule} cannot be applied to {month}: {problem}")]
    InvalidTariff {
        /// The offending rule.
        rule: RuleRef,
        /// The billing month.
        month: YearMonth,
        /// What is wrong.
        problem: String,
    },

    /// A month no date can be computed in (a year beyond chrono's range of about ±262,000
    /// years), reached from the load's dates, a lag or a window.
    #[error("{month} is outside the range of dates voltlex can compute with")]
    MonthOutOfRange {
        /// The month.
        month: YearMonth,
    },

    /// An amount exceeds the range of decimal money.
    #[error("{what} for {month} is too large to compute in decimal money")]
    Overflow {
        /// The line or step being computed.
        what: String,
        /// The billing month.
        month: YearMonth,
    },
}

fn months_list(months: &[YearMonth]) -> String {
    months
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

fn names_list(names: &[String]) -> String {
    if names.is_empty() {
        "none".to_string()
    } else {
        names
            .iter()
            .map(|name| format!("\"{name}\""))
            .collect::<Vec<_>>()
            .join(", ")
    }
}
