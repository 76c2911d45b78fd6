//! Reactive-power support from V2G inverters and what it does to a Japanese high-voltage bill.
//!
//! **The rule.** The basic charge is multiplied by `1 + (base − power factor) × step`, with the
//! power factor in percent, base 85 % and step 1 % per point (= `(185 − pf) / 100`; the
//! tariff's [`PowerFactorRule`]). The power factor is measured monthly from the active and
//! the reactive energy between 08:00 and 22:00 (Chubu EP "料金の仕組み", `FACTS.md`):
//! `pf = kWh / √(kWh² + kvarh²)`. Points not confirmed from a primary source, kept as
//! plausible defaults:
//!
//! - UNVERIFIED: every day of the month counts (weekends and holidays included);
//! - UNVERIFIED: the percentage is rounded to a whole point, half up (四捨五入);
//! - UNVERIFIED: leading (capacitive) reactive energy earns nothing — an over-compensated
//!   site is not credited beyond 100 %. This module therefore never lets the fleet's support
//!   exceed the site's own lagging reactive energy.
//!
//! **The fleet.** An inverter rated `S` kVA carrying real power `P` can supply reactive
//! power up to `√(S² − P²)`, also when idle. Only V2G (bidirectional) chargers are counted,
//! and only while a vehicle is plugged in.
//!
//! **Limits.** The support is summed per month and set against the site's monthly reactive
//! energy. That is an upper bound: an hour in which the fleet could supply more than the
//! site draws cannot lend the surplus to another hour (the meter sees leading power then).
//! It is exact when the inverters follow the site's reactive demand and their capacity stays
//! below it in every interval.

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDateTime, NaiveTime};
use rust_decimal::prelude::ToPrimitive;
use voltlex_dsl::rules::PowerFactorRule;

use super::plan::V2gPlan;
use super::problem::V2gProblem;
use crate::month::YearMonth;

/// Start of the daily measured window, hour of the day (08:00).
pub const MEASURED_FROM_HOUR: u32 = 8;

/// End of the daily measured window, hour of the day (22:00, exclusive).
pub const MEASURED_UNTIL_HOUR: u32 = 22;

/// Why a power-factor figure could not be computed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PowerFactorError {
    /// A number outside its range.
    #[error("{what}: expected {expected}, found {value}")]
    BadNumber {
        /// Which figure.
        what: String,
        /// The allowed range.
        expected: &'static str,
        /// Its value.
        value: f64,
    },
    /// One kVA rating per charger is needed.
    #[error("charger kVA ratings: expected one per charger ({expected}), found {found}")]
    RatingCount {
        /// Chargers in the problem.
        expected: usize,
        /// Ratings given.
        found: usize,
    },
    /// The plan does not match the problem's sessions.
    #[error("plan {what}: expected {expected}, found {found}")]
    PlanShape {
        /// What does not match.
        what: String,
        /// What the problem implies.
        expected: usize,
        /// What the plan has.
        found: usize,
    },
    /// A tariff figure that does not fit an `f64`.
    #[error("the tariff's power-factor {0} does not fit a floating-point number")]
    Decimal(&'static str),
}

fn non_negative(what: &str, value: f64) -> Result<f64, PowerFactorError> {
    if value.is_finite() && value >= 0.0 {
        Ok(value)
    } else {
        Err(PowerFactorError::BadNumber {
            what: what.to_string(),
            expected: "a finite number ≥ 0",
            value,
        })
    }
}

fn percent(what: &str, value: f64) -> Result<f64, PowerFactorError> {
    if value.is_finite() && value > 0.0 && value <= 100.0 {
        Ok(value)
    } else {
        Err(PowerFactorError::BadNumber {
            what: what.to_string(),
            expected: "a percentage in (0, 100]",
            value,
        })
    }
}

/// Hours of `[start, start + minutes)` inside the measured window (08:00–22:00), per month.
///
/// ```
/// use chrono::NaiveDate;
/// use voltlex_engine::v2g::power_factor::measured_hours;
/// let at = |h, m| NaiveDate::from_ymd_opt(2026, 4, 30).unwrap().and_hms_opt(h, m, 0).unwrap();
/// assert_eq!(measured_hours(at(7, 30), 60)[0].1, 0.5);
/// assert_eq!(measured_hours(at(21, 30), 30)[0].1, 0.5);
/// assert!(measured_hours(at(22, 0), 30).is_empty());
/// ```
pub fn measured_hours(start: NaiveDateTime, minutes: u32) -> Vec<(YearMonth, f64)> {
    let end = start + Duration::minutes(i64::from(minutes));
    let mut out: Vec<(YearMonth, f64)> = Vec::new();
    let (Some(from), Some(until)) = (
        NaiveTime::from_hms_opt(MEASURED_FROM_HOUR, 0, 0),
        NaiveTime::from_hms_opt(MEASURED_UNTIL_HOUR, 0, 0),
    ) else {
        return out;
    };
    let mut day = start.date();
    while day.and_time(NaiveTime::MIN) < end {
        let window_start = day.and_time(from).max(start);
        let window_end = day.and_time(until).min(end);
        if window_end > window_start {
            let hours = (window_end - window_start).num_seconds() as f64 / 3600.0;
            let month = YearMonth::of(day);
            match out.last_mut() {
                Some((last, total)) if *last == month => *total += hours,
                _ => out.push((month, hours)),
            }
        }
        let Some(next) = day.succ_opt() else { break };
        day = next;
    }
    out
}

/// Reactive energy the fleet's V2G inverters can supply inside the measured hours, kvarh per
/// month of the horizon (every month the horizon touches, in order, 0 when none).
///
/// `charger_kva[c]` is the apparent-power rating of charger `c`. In each slot of a session
/// on a V2G charger the inverter carries `|charge − discharge|` kW, leaving
/// `√(S² − P²)` kvar (0 when `P ≥ S`).
///
/// ```
/// use chrono::NaiveDate;
/// use voltlex_engine::schedule::{Charger, Problem, Session};
/// use voltlex_engine::v2g::power_factor::reactive_support_kvarh;
/// use voltlex_engine::v2g::{V2gPlan, V2gProblem};
///
/// let start = NaiveDate::from_ymd_opt(2026, 4, 1).unwrap().and_hms_opt(21, 0, 0).unwrap();
/// let charging = Problem {
///     start, slot_minutes: 30, base_kw: vec![50.0; 4], import_cap_kw: 200.0, ratchet_kw: 0.0,
///     energy_price: vec![20.0; 4], demand_price_per_kw: 0.0, unmet_price_per_kwh: 0.0,
///     chargers: vec![Charger { id: "B1".into(), max_kw: 10.0, efficiency: 1.0, v2g: true }],
///     sessions: vec![Session { vehicle: "EV1".into(), charger: 0, first_slot: 0, end_slot: 4,
///         max_kw: 10.0, energy_kwh: 3.0, reserved_kwh: 0.0, priority: 0, battery_kwh: 60.0,
///         arrival_kwh: 40.0 }],
/// };
/// let problem = V2gProblem::charge_only(charging);
/// let plan = V2gPlan { charge_kw: vec![vec![6.0, 0.0, 0.0, 0.0]],
///     discharge_kw: vec![vec![0.0; 4]] };
/// // 21:00–21:30 at 6 kW on a 10 kVA inverter: 8 kvar; 21:30–22:00 idle: 10 kvar;
/// // after 22:00 nothing counts.
/// let support = reactive_support_kvarh(&problem, &plan, &[10.0]).unwrap();
/// assert_eq!(support.len(), 1);
/// assert!((support[0].1 - (0.5 * 8.0 + 0.5 * 10.0)).abs() < 1e-12);
/// ```
///
/// # Errors
///
/// [`PowerFactorError`] when the ratings are not one per charger or not finite and ≥ 0, or
/// when the plan's shape does not match the sessions.
pub fn reactive_support_kvarh(
    problem: &V2gProblem,
    plan: &V2gPlan,
    charger_kva: &[f64],
) -> Result<Vec<(YearMonth, f64)>, PowerFactorError> {
    let charging = &problem.charging;
    if charger_kva.len() != charging.chargers.len() {
        return Err(PowerFactorError::RatingCount {
            expected: charging.chargers.len(),
            found: charger_kva.len(),
        });
    }
    for kva in charger_kva {
        non_negative("a charger kVA rating", *kva)?;
    }
    let mut months: BTreeMap<YearMonth, f64> = BTreeMap::new();
    for slot in 0..charging.slots() {
        for (month, _) in measured_hours(charging.slot_start(slot), charging.slot_minutes) {
            months.entry(month).or_insert(0.0);
        }
        months
            .entry(YearMonth::of(charging.slot_start(slot).date()))
            .or_insert(0.0);
    }
    for (index, session) in charging.sessions.iter().enumerate() {
        let (Some(charge), Some(discharge)) =
            (plan.charge_kw.get(index), plan.discharge_kw.get(index))
        else {
            return Err(PowerFactorError::PlanShape {
                what: "rows".to_string(),
                expected: charging.sessions.len(),
                found: plan.charge_kw.len().min(plan.discharge_kw.len()),
            });
        };
        if charge.len() != session.window_len() || discharge.len() != session.window_len() {
            return Err(PowerFactorError::PlanShape {
                what: format!("slots of session {index} ({})", session.vehicle),
                expected: session.window_len(),
                found: charge.len().min(discharge.len()),
            });
        }
        let Some(charger) = charging.chargers.get(session.charger) else {
            continue;
        };
        if !charger.v2g {
            continue;
        }
        let kva = charger_kva.get(session.charger).copied().unwrap_or(0.0);
        for (offset, (c, d)) in charge.iter().zip(discharge).enumerate() {
            let real = (c - d).abs();
            let kvar = (kva * kva - real * real).max(0.0).sqrt();
            let start = charging.slot_start(session.first_slot + offset);
            for (month, hours) in measured_hours(start, charging.slot_minutes) {
                *months.entry(month).or_insert(0.0) += kvar * hours;
            }
        }
    }
    Ok(months.into_iter().collect())
}

/// Lagging reactive energy of a site that drew `active_kwh` at power factor
/// `power_factor_pct`: `kWh × tan(acos(pf))`, kvarh.
///
/// ```
/// use voltlex_engine::v2g::power_factor::site_reactive_kvarh;
/// // The 3-4-5 triangle: 100 kWh at 80 % is 75 kvarh (125 kVAh).
/// assert!((site_reactive_kvarh(100.0, 80.0).unwrap() - 75.0).abs() < 1e-12);
/// ```
///
/// # Errors
///
/// [`PowerFactorError::BadNumber`] for negative energy or a power factor outside (0, 100] %.
pub fn site_reactive_kvarh(
    active_kwh: f64,
    power_factor_pct: f64,
) -> Result<f64, PowerFactorError> {
    let active = non_negative("active energy (kWh)", active_kwh)?;
    let pf = percent("power factor (%)", power_factor_pct)? / 100.0;
    // tan(acos(pf)) = √(1 − pf²) / pf, without the round trip through an angle.
    Ok(active * (1.0 - pf * pf).max(0.0).sqrt() / pf)
}

/// A power factor in percent rounded as the bill rounds it: to a whole point, half up
/// (UNVERIFIED, see the module documentation). Differences below 1e-9 of a point are taken
/// as floating-point noise, so 84.4999999999 rounds like 84.5.
///
/// ```
/// use voltlex_engine::v2g::power_factor::round_power_factor;
/// assert_eq!(round_power_factor(84.5), 85.0);
/// assert_eq!(round_power_factor(84.49), 84.0);
/// assert_eq!(round_power_factor(84.49999999999), 85.0);
/// ```
pub fn round_power_factor(percent: f64) -> f64 {
    (percent + 0.5 + 1e-9).floor().min(100.0)
}

/// The site's power factor (percent, rounded as the bill does) once the fleet supplies
/// `support_kvarh` of its `active_kwh` month's reactive energy. The site's own reactive energy
/// comes from its present power factor; the support is capped at it (no over-compensation to
/// leading, which earns nothing). A month without active energy keeps its power factor.
///
/// ```
/// use voltlex_engine::v2g::power_factor::improved_power_factor;
/// // 100 kWh at 80 % draws 75 kvarh; 50 kvarh of support leaves 25: 97.0 % → 97.
/// assert_eq!(improved_power_factor(100.0, 80.0, 50.0).unwrap(), 97.0);
/// // More support than the site draws stops at 100 %.
/// assert_eq!(improved_power_factor(100.0, 80.0, 500.0).unwrap(), 100.0);
/// ```
///
/// # Errors
///
/// [`PowerFactorError::BadNumber`] for negative or non-finite energies or a power factor
/// outside (0, 100] %.
pub fn improved_power_factor(
    active_kwh: f64,
    power_factor_pct: f64,
    support_kvarh: f64,
) -> Result<f64, PowerFactorError> {
    let site = site_reactive_kvarh(active_kwh, power_factor_pct)?;
    let support = non_negative("reactive support (kvarh)", support_kvarh)?;
    if active_kwh == 0.0 {
        return Ok(round_power_factor(power_factor_pct));
    }
    let left = (site - support).max(0.0);
    let pf = 100.0 * active_kwh / (active_kwh * active_kwh + left * left).sqrt();
    Ok(round_power_factor(pf))
}

/// The multiplier of the basic charge at power factor `power_factor_pct` under `rule`:
/// `1 + (base × 100 − pf) × step` (85 % and 1 %: `(185 − pf) / 100`).
///
/// ```
/// use rust_decimal::Decimal;
/// use voltlex_dsl::rules::{PowerFactorRule, RuleRef};
/// use voltlex_engine::v2g::power_factor::power_factor_multiplier;
/// let rule = PowerFactorRule { base: Decimal::new(85, 2), step: Decimal::new(1, 2),
///     origin: RuleRef::default() };
/// assert!((power_factor_multiplier(&rule, 97.0).unwrap() - 0.88).abs() < 1e-12);
/// ```
///
/// # Errors
///
/// [`PowerFactorError`] for a power factor outside (0, 100] % or a rule figure that does not
/// fit an `f64`.
pub fn power_factor_multiplier(
    rule: &PowerFactorRule,
    power_factor_pct: f64,
) -> Result<f64, PowerFactorError> {
    let pf = percent("power factor (%)", power_factor_pct)?;
    let base = rule
        .base
        .to_f64()
        .ok_or(PowerFactorError::Decimal("base"))?;
    let step = rule
        .step
        .to_f64()
        .ok_or(PowerFactorError::Decimal("step"))?;
    Ok(1.0 + (base * 100.0 - pf) * step)
}

/// What raising the month's power factor from `old_pct` to `new_pct` saves on the basic
/// charge: `basic × (multiplier(old) − multiplier(new))`, where `basic_before_adjustment` is
/// the basic charge before the power-factor adjustment (price × contract kW, after any
/// demand-charge holiday share). The bill rounds the adjusted charge once, so a bill's
/// difference may differ from this by the rounding unit.
///
/// ```
/// use rust_decimal::Decimal;
/// use voltlex_dsl::rules::{PowerFactorRule, RuleRef};
/// use voltlex_engine::v2g::power_factor::basic_charge_saving;
/// let rule = PowerFactorRule { base: Decimal::new(85, 2), step: Decimal::new(1, 2),
///     origin: RuleRef::default() };
/// // 1,765.50 JPY/kW × 310 kW, 90 % → 97 %: 7 points of 547,305 JPY.
/// let saving = basic_charge_saving(547_305.0, &rule, 90.0, 97.0).unwrap();
/// assert!((saving - 38_311.35).abs() < 1e-6);
/// ```
///
/// # Errors
///
/// As [`power_factor_multiplier`], and for a negative or non-finite basic charge.
pub fn basic_charge_saving(
    basic_before_adjustment: f64,
    rule: &PowerFactorRule,
    old_pct: f64,
    new_pct: f64,
) -> Result<f64, PowerFactorError> {
    let basic = non_negative("basic charge", basic_before_adjustment)?;
    let old = power_factor_multiplier(rule, old_pct)?;
    let new = power_factor_multiplier(rule, new_pct)?;
    Ok(basic * (old - new))
}
