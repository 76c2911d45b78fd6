//! The independent checker: does a [`Schedule`] respect its [`Problem`]?
//!
//! Written from the problem statement alone, without reading any strategy, so that a bug in
//! a solver cannot be mirrored here. Every emitted schedule goes through [`check`] in tests.
//! The checker lists *every* violation it finds (not only the first), each saying where —
//! vehicle, slot start time — and what was expected and found.
//!
//! What is checked:
//! - the schedule's shape (one row per session, one value per slot of its window) — a power
//!   outside a session's window cannot be written, so the shape is the window check;
//! - every power is a finite number, and not negative unless discharge is allowed
//!   ([`CheckOptions::allow_discharge`], only on V2G chargers);
//! - |power| ≤ min(session max kW, charger max kW);
//! - site load (base + fleet) ≤ the import cap in every slot;
//! - two sessions on one charger never draw (or feed) power in the same slot;
//! - no session receives more than it asked for, and no battery goes above its capacity
//!   (nor below empty when discharge is allowed);
//! - departure energy: in [`Mode::Availability`] every session gets its `energy_kwh`; in
//!   [`Mode::Cost`] a shortfall is allowed but not below `reserved_kwh`.
//!
//! Tolerances are relative and absolute: a difference counts when it exceeds
//! [`ENERGY_TOLERANCE`] × max(1, magnitude of the figures compared), so that rounding noise
//! of sums over thousands of sessions is not reported while a real excess of 1 W is.

use std::fmt;

use chrono::NaiveDateTime;

use super::plan::Schedule;
use super::problem::{Mode, Problem, ProblemError, ENERGY_TOLERANCE};

/// What the checker accepts beyond the plain charging problem.
///
/// ```
/// use voltlex_engine::schedule::check::CheckOptions;
/// assert!(!CheckOptions::default().allow_discharge);
/// assert!(CheckOptions::v2g().allow_discharge);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CheckOptions {
    /// Accept negative power (discharge to the site) on chargers with `v2g: true`. The
    /// battery then loses `|power| × slot hours ÷ efficiency` per slot and must stay ≥ 0.
    /// A negative base load (on-site PV exported or curtailed, as `V2gProblem` allows) is
    /// then accepted too.
    pub allow_discharge: bool,
}

impl CheckOptions {
    /// Options for V2G schedules: discharge allowed on V2G chargers.
    ///
    /// ```
    /// use voltlex_engine::schedule::check::CheckOptions;
    /// assert_eq!(CheckOptions::v2g(), CheckOptions { allow_discharge: true });
    /// ```
    pub fn v2g() -> Self {
        CheckOptions {
            allow_discharge: true,
        }
    }
}

/// The kind of a [`Violation`], for filtering a report.
///
/// ```
/// use voltlex_engine::schedule::check::{Violation, ViolationKind};
/// let v = Violation::ShapeMismatch { session: None, vehicle: None, expected: 2, found: 1 };
/// assert_eq!(v.kind(), ViolationKind::ShapeMismatch);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ViolationKind {
    /// See [`Violation::InvalidProblem`].
    InvalidProblem,
    /// See [`Violation::ShapeMismatch`].
    ShapeMismatch,
    /// See [`Violation::NonFinite`].
    NonFinite,
    /// See [`Violation::NegativePower`].
    NegativePower,
    /// See [`Violation::ChargerLimit`].
    ChargerLimit,
    /// See [`Violation::ImportCap`].
    ImportCap,
    /// See [`Violation::ChargerShared`].
    ChargerShared,
    /// See [`Violation::Overcharged`].
    Overcharged,
    /// See [`Violation::BatteryEmpty`].
    BatteryEmpty,
    /// See [`Violation::DepartureShort`].
    DepartureShort,
}

/// Why an [`Violation::Overcharged`] session is over its limit.
///
/// ```
/// use voltlex_engine::schedule::check::OverchargeLimit;
/// assert_eq!(OverchargeLimit::Capacity.to_string(), "battery capacity");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OverchargeLimit {
    /// More energy delivered than the session asked for (`energy_kwh`).
    Requested,
    /// The battery would hold more than `battery_kwh`.
    Capacity,
}

impl fmt::Display for OverchargeLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            OverchargeLimit::Requested => "energy requested",
            OverchargeLimit::Capacity => "battery capacity",
        })
    }
}

/// One broken rule, with where and what.
///
/// ```
/// use chrono::NaiveDate;
/// use voltlex_engine::schedule::check::Violation;
/// let at = NaiveDate::from_ymd_opt(2024, 4, 1).unwrap().and_hms_opt(18, 30, 0).unwrap();
/// let v = Violation::ImportCap { slot: 1, at, site_kw: 130.0, cap_kw: 120.0 };
/// assert_eq!(
///     v.to_string(),
///     "slot 1 (2024-04-01 18:30): site load 130.000 kW is above the import cap of 120.000 kW",
/// );
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum Violation {
    /// The problem itself is malformed ([`Problem::validate`] failed); the other checks are
    /// still run where they make sense.
    InvalidProblem {
        /// What `validate` said.
        error: ProblemError,
    },
    /// Wrong number of sessions (`session: None`) or wrong number of slots for one
    /// session's window; the powers of a mis-shaped session are not checked further.
    ShapeMismatch {
        /// The session, or `None` for the session count.
        session: Option<usize>,
        /// Its vehicle.
        vehicle: Option<String>,
        /// Sessions in the problem, or slots in the session's window.
        expected: usize,
        /// Rows in the schedule, or values in the session's row.
        found: usize,
    },
    /// A power that is NaN or infinite.
    NonFinite {
        /// Session index.
        session: usize,
        /// Its vehicle.
        vehicle: String,
        /// Horizon slot.
        slot: usize,
        /// Start of that slot.
        at: NaiveDateTime,
        /// The value found.
        power_kw: f64,
    },
    /// Discharge where it is not allowed (charging schedules, or a charger without V2G).
    NegativePower {
        /// Session index.
        session: usize,
        /// Its vehicle.
        vehicle: String,
        /// Horizon slot.
        slot: usize,
        /// Start of that slot.
        at: NaiveDateTime,
        /// The value found.
        power_kw: f64,
    },
    /// |power| above min(session max kW, charger max kW).
    ChargerLimit {
        /// Session index.
        session: usize,
        /// Its vehicle.
        vehicle: String,
        /// Horizon slot.
        slot: usize,
        /// Start of that slot.
        at: NaiveDateTime,
        /// The value found.
        power_kw: f64,
        /// The limit.
        limit_kw: f64,
    },
    /// Site load above the import cap.
    ImportCap {
        /// Horizon slot.
        slot: usize,
        /// Start of that slot.
        at: NaiveDateTime,
        /// Base load + fleet, kW.
        site_kw: f64,
        /// The cap.
        cap_kw: f64,
    },
    /// Several sessions of one charger drawing power in the same slot.
    ChargerShared {
        /// Charger id.
        charger: String,
        /// Horizon slot.
        slot: usize,
        /// Start of that slot.
        at: NaiveDateTime,
        /// The sessions drawing at once: (index, vehicle).
        sessions: Vec<(usize, String)>,
    },
    /// More battery energy than asked for, or more than the battery holds.
    Overcharged {
        /// Session index.
        session: usize,
        /// Its vehicle.
        vehicle: String,
        /// Battery energy delivered (net), kWh; for [`OverchargeLimit::Capacity`] the
        /// battery content reached, kWh.
        found_kwh: f64,
        /// The limit, kWh.
        limit_kwh: f64,
        /// Which limit.
        limit: OverchargeLimit,
    },
    /// The battery would go below empty (discharge schedules only).
    BatteryEmpty {
        /// Session index.
        session: usize,
        /// Its vehicle.
        vehicle: String,
        /// Horizon slot at whose end the battery is below empty.
        slot: usize,
        /// Start of that slot.
        at: NaiveDateTime,
        /// Battery content reached, kWh (negative).
        battery_kwh: f64,
    },
    /// Less energy at departure than required in the mode.
    DepartureShort {
        /// Session index.
        session: usize,
        /// Its vehicle.
        vehicle: String,
        /// Departure time (start of the slot after the window).
        departure: NaiveDateTime,
        /// Battery energy delivered, kWh.
        delivered_kwh: f64,
        /// Energy required: `energy_kwh` in availability mode, `reserved_kwh` in cost mode.
        needed_kwh: f64,
    },
}

impl Violation {
    /// The kind of this violation.
    ///
    /// ```
    /// use voltlex_engine::schedule::check::{Violation, ViolationKind};
    /// let v = Violation::InvalidProblem {
    ///     error: voltlex_engine::schedule::ProblemError::SeriesLength { base: 1, prices: 2 },
    /// };
    /// assert_eq!(v.kind(), ViolationKind::InvalidProblem);
    /// ```
    pub fn kind(&self) -> ViolationKind {
        match self {
            Violation::InvalidProblem { .. } => ViolationKind::InvalidProblem,
            Violation::ShapeMismatch { .. } => ViolationKind::ShapeMismatch,
            Violation::NonFinite { .. } => ViolationKind::NonFinite,
            Violation::NegativePower { .. } => ViolationKind::NegativePower,
            Violation::ChargerLimit { .. } => ViolationKind::ChargerLimit,
            Violation::ImportCap { .. } => ViolationKind::ImportCap,
            Violation::ChargerShared { .. } => ViolationKind::ChargerShared,
            Violation::Overcharged { .. } => ViolationKind::Overcharged,
            Violation::BatteryEmpty { .. } => ViolationKind::BatteryEmpty,
            Violation::DepartureShort { .. } => ViolationKind::DepartureShort,
        }
    }
}

/// Slot start as `YYYY-MM-DD HH:MM`.
fn when(at: &NaiveDateTime) -> impl fmt::Display {
    at.format("%Y-%m-%d %H:%M")
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Violation::InvalidProblem { error } => write!(f, "the problem is malformed: {error}"),
            Violation::ShapeMismatch {
                session: None,
                expected,
                found,
                ..
            } => write!(
                f,
                "the schedule has {found} session rows, the problem has {expected} sessions"
            ),
            Violation::ShapeMismatch {
                session: Some(session),
                vehicle,
                expected,
                found,
            } => write!(
                f,
                "{} (session {session}): the schedule has {found} slot values, the window has \
                 {expected} slots",
                vehicle.as_deref().unwrap_or("?")
            ),
            Violation::NonFinite {
                session,
                vehicle,
                slot,
                at,
                power_kw,
            } => write!(
                f,
                "{vehicle} (session {session}) at slot {slot} ({}): power is {power_kw}, \
                 expected a finite number",
                when(at)
            ),
            Violation::NegativePower {
                session,
                vehicle,
                slot,
                at,
                power_kw,
            } => write!(
                f,
                "{vehicle} (session {session}) at slot {slot} ({}): power {power_kw:.3} kW is \
                 negative, expected ≥ 0 (discharge not allowed here)",
                when(at)
            ),
            Violation::ChargerLimit {
                session,
                vehicle,
                slot,
                at,
                power_kw,
                limit_kw,
            } => write!(
                f,
                "{vehicle} (session {session}) at slot {slot} ({}): power {power_kw:.3} kW is \
                 above the limit of {limit_kw:.3} kW",
                when(at)
            ),
            Violation::ImportCap {
                slot,
                at,
                site_kw,
                cap_kw,
            } => write!(
                f,
                "slot {slot} ({}): site load {site_kw:.3} kW is above the import cap of \
                 {cap_kw:.3} kW",
                when(at)
            ),
            Violation::ChargerShared {
                charger,
                slot,
                at,
                sessions,
            } => {
                let names: Vec<String> = sessions
                    .iter()
                    .map(|(index, vehicle)| format!("{vehicle} (session {index})"))
                    .collect();
                write!(
                    f,
                    "charger {charger} at slot {slot} ({}): {} sessions draw power at once ({}), \
                     expected at most one",
                    when(at),
                    sessions.len(),
                    names.join(", ")
                )
            }
            Violation::Overcharged {
                session,
                vehicle,
                found_kwh,
                limit_kwh,
                limit,
            } => match limit {
                OverchargeLimit::Requested => write!(
                    f,
                    "{vehicle} (session {session}): {found_kwh:.3} kWh delivered, more than the \
                     {limit_kwh:.3} kWh requested"
                ),
                OverchargeLimit::Capacity => write!(
                    f,
                    "{vehicle} (session {session}): the battery reaches {found_kwh:.3} kWh, above \
                     its capacity of {limit_kwh:.3} kWh"
                ),
            },
            Violation::BatteryEmpty {
                session,
                vehicle,
                slot,
                at,
                battery_kwh,
            } => write!(
                f,
                "{vehicle} (session {session}) at the end of slot {slot} ({}): the battery \
                 holds {battery_kwh:.3} kWh, expected ≥ 0",
                when(at)
            ),
            Violation::DepartureShort {
                session,
                vehicle,
                departure,
                delivered_kwh,
                needed_kwh,
            } => write!(
                f,
                "{vehicle} (session {session}) departing {}: {delivered_kwh:.3} kWh delivered, \
                 {needed_kwh:.3} kWh needed",
                when(departure)
            ),
        }
    }
}

/// Everything the checker found, and the figures it computed on its own.
///
/// ```
/// use voltlex_engine::schedule::check::CheckReport;
/// let report = CheckReport::default();
/// assert!(report.is_ok());
/// assert_eq!(report.to_string(), "schedule OK");
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CheckReport {
    /// Every violation, in the order: problem, shape, per-session powers, site and charger
    /// per slot, per-session energy.
    pub violations: Vec<Violation>,
    /// Highest site load (base + fleet), kW, over the slots checked.
    pub peak_site_kw: f64,
    /// Battery energy delivered per session (net of discharge), kWh; 0 for mis-shaped rows.
    pub delivered_kwh: Vec<f64>,
}

impl CheckReport {
    /// No violation at all.
    ///
    /// ```
    /// use voltlex_engine::schedule::check::{CheckReport, Violation};
    /// let mut report = CheckReport::default();
    /// assert!(report.is_ok());
    /// report.violations.push(Violation::ShapeMismatch {
    ///     session: None, vehicle: None, expected: 1, found: 0,
    /// });
    /// assert!(!report.is_ok());
    /// ```
    pub fn is_ok(&self) -> bool {
        self.violations.is_empty()
    }

    /// The violations of one kind.
    ///
    /// ```
    /// use voltlex_engine::schedule::check::{CheckReport, Violation, ViolationKind};
    /// let mut report = CheckReport::default();
    /// report.violations.push(Violation::ShapeMismatch {
    ///     session: None, vehicle: None, expected: 1, found: 0,
    /// });
    /// assert_eq!(report.of_kind(ViolationKind::ShapeMismatch).count(), 1);
    /// assert_eq!(report.of_kind(ViolationKind::ImportCap).count(), 0);
    /// ```
    pub fn of_kind(&self, kind: ViolationKind) -> impl Iterator<Item = &Violation> + '_ {
        self.violations.iter().filter(move |v| v.kind() == kind)
    }

    /// Whether every violation is of one of the `allowed` kinds (e.g. uncontrolled
    /// charging is expected to break the import cap and nothing else).
    ///
    /// ```
    /// use voltlex_engine::schedule::check::{CheckReport, ViolationKind};
    /// assert!(CheckReport::default().is_ok_except(&[ViolationKind::ImportCap]));
    /// ```
    pub fn is_ok_except(&self, allowed: &[ViolationKind]) -> bool {
        self.violations.iter().all(|v| allowed.contains(&v.kind()))
    }
}

impl fmt::Display for CheckReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.violations.is_empty() {
            return f.write_str("schedule OK");
        }
        write!(f, "{} violation(s):", self.violations.len())?;
        for violation in &self.violations {
            write!(f, "\n- {violation}")?;
        }
        Ok(())
    }
}

/// Tolerance for comparing figures of magnitude `scale`.
fn tolerance(scale: f64) -> f64 {
    ENERGY_TOLERANCE * scale.abs().max(1.0)
}

/// Check a charging schedule (no discharge allowed): see the module documentation.
///
/// ```
/// use chrono::NaiveDate;
/// use voltlex_engine::schedule::check::{check, ViolationKind};
/// use voltlex_engine::schedule::{Charger, Mode, Problem, Schedule, Session};
///
/// let start = NaiveDate::from_ymd_opt(2024, 4, 1).unwrap().and_hms_opt(0, 0, 0).unwrap();
/// let problem = Problem {
///     start, slot_minutes: 60, base_kw: vec![10.0, 10.0], import_cap_kw: 25.0,
///     ratchet_kw: 15.0, energy_price: vec![20.0, 10.0], demand_price_per_kw: 1000.0,
///     unmet_price_per_kwh: 50.0,
///     chargers: vec![Charger { id: "C".into(), max_kw: 10.0, efficiency: 1.0, v2g: false }],
///     sessions: vec![Session { vehicle: "V".into(), charger: 0, first_slot: 0, end_slot: 2,
///         max_kw: 10.0, energy_kwh: 12.0, reserved_kwh: 5.0, priority: 0,
///         battery_kwh: 50.0, arrival_kwh: 10.0 }],
/// };
/// let good = Schedule { power_kw: vec![vec![4.0, 8.0]] };
/// assert!(check(&problem, &good, Mode::Availability).is_ok());
///
/// // 4 kWh is below the 12 kWh needed (availability) but above the 5 kWh reserved (cost).
/// let short = Schedule { power_kw: vec![vec![0.0, 4.0]] };
/// let report = check(&problem, &short, Mode::Availability);
/// assert_eq!(report.of_kind(ViolationKind::DepartureShort).count(), 1);
/// assert!(check(&problem, &short, Mode::Cost).of_kind(ViolationKind::DepartureShort).count() == 1);
/// let enough = Schedule { power_kw: vec![vec![0.0, 6.0]] };
/// assert!(check(&problem, &enough, Mode::Cost).is_ok());
///
/// // 18 kW on a 10 kW charger: the charger limit and the 25 kW import cap are both broken.
/// let over = Schedule { power_kw: vec![vec![18.0, 0.0]] };
/// let report = check(&problem, &over, Mode::Cost);
/// assert_eq!(report.of_kind(ViolationKind::ChargerLimit).count(), 1);
/// assert_eq!(report.of_kind(ViolationKind::ImportCap).count(), 1);
/// assert!(report.to_string().contains("V (session 0) at slot 0 (2024-04-01 00:00)"));
/// ```
pub fn check(problem: &Problem, schedule: &Schedule, mode: Mode) -> CheckReport {
    check_with(problem, schedule, mode, CheckOptions::default())
}

/// [`check`] with options (V2G discharge).
///
/// ```
/// use chrono::NaiveDate;
/// use voltlex_engine::schedule::check::{check_with, CheckOptions, ViolationKind};
/// use voltlex_engine::schedule::{Charger, Mode, Problem, Schedule, Session};
///
/// let start = NaiveDate::from_ymd_opt(2024, 4, 1).unwrap().and_hms_opt(0, 0, 0).unwrap();
/// let problem = Problem {
///     start, slot_minutes: 60, base_kw: vec![10.0, 10.0], import_cap_kw: 25.0,
///     ratchet_kw: 15.0, energy_price: vec![20.0, 10.0], demand_price_per_kw: 1000.0,
///     unmet_price_per_kwh: 50.0,
///     chargers: vec![Charger { id: "C".into(), max_kw: 10.0, efficiency: 1.0, v2g: true }],
///     sessions: vec![Session { vehicle: "V".into(), charger: 0, first_slot: 0, end_slot: 2,
///         max_kw: 10.0, energy_kwh: 2.0, reserved_kwh: 0.0, priority: 0,
///         battery_kwh: 50.0, arrival_kwh: 10.0 }],
/// };
/// // Sell 5 kWh at 20, buy 7 kWh back at 10.
/// let v2g = Schedule { power_kw: vec![vec![-5.0, 7.0]] };
/// assert!(check_with(&problem, &v2g, Mode::Availability, CheckOptions::v2g()).is_ok());
/// let plain = check_with(&problem, &v2g, Mode::Availability, CheckOptions::default());
/// assert_eq!(plain.of_kind(ViolationKind::NegativePower).count(), 1);
/// ```
pub fn check_with(
    problem: &Problem,
    schedule: &Schedule,
    mode: Mode,
    options: CheckOptions,
) -> CheckReport {
    let mut violations = Vec::new();
    // A V2G site may have a negative base load (on-site PV above its consumption: exported
    // or curtailed); the cap and energy checks below use the real base load either way.
    let validation = if options.allow_discharge && problem.base_kw.iter().any(|&b| b < 0.0) {
        let mut importing = problem.clone();
        for base in &mut importing.base_kw {
            *base = base.max(0.0);
        }
        importing.validate()
    } else {
        problem.validate()
    };
    if let Err(error) = validation {
        violations.push(Violation::InvalidProblem { error });
    }
    if schedule.power_kw.len() != problem.sessions.len() {
        violations.push(Violation::ShapeMismatch {
            session: None,
            vehicle: None,
            expected: problem.sessions.len(),
            found: schedule.power_kw.len(),
        });
    }

    let slots = problem.slots();
    let hours = problem.slot_hours();
    // Per slot: fleet kW, and the sum of |fleet kW| to scale the cap tolerance (a sum of n
    // terms carries about n rounding errors).
    let mut fleet = vec![0.0_f64; slots];
    let mut magnitude = vec![0.0_f64; slots];
    // Every (charger, slot, session) where a session draws or feeds power.
    let mut active: Vec<(usize, usize, usize)> = Vec::new();
    let mut delivered_all = vec![0.0_f64; problem.sessions.len()];

    for (index, (session, row)) in problem.sessions.iter().zip(&schedule.power_kw).enumerate() {
        if row.len() != session.window_len() {
            violations.push(Violation::ShapeMismatch {
                session: Some(index),
                vehicle: Some(session.vehicle.clone()),
                expected: session.window_len(),
                found: row.len(),
            });
            continue;
        }
        let charger = problem.chargers.get(session.charger);
        let charger_max = charger.map_or(f64::INFINITY, |c| c.max_kw);
        let efficiency = charger.map_or(1.0, |c| c.efficiency);
        let may_discharge = options.allow_discharge && charger.is_some_and(|c| c.v2g);
        let limit_kw = session.max_kw.min(charger_max);
        let power_tol = tolerance(limit_kw);

        let mut battery = session.arrival_kwh;
        let mut highest = battery;
        let mut highest_ok = true;
        let mut empty_reported = false;
        let mut delivered = 0.0;
        for (offset, &power_kw) in row.iter().enumerate() {
            let slot = session.first_slot + offset;
            let at = problem.slot_start(slot);
            if !power_kw.is_finite() {
                violations.push(Violation::NonFinite {
                    session: index,
                    vehicle: session.vehicle.clone(),
                    slot,
                    at,
                    power_kw,
                });
                highest_ok = false;
                continue;
            }
            if power_kw < -power_tol && !may_discharge {
                violations.push(Violation::NegativePower {
                    session: index,
                    vehicle: session.vehicle.clone(),
                    slot,
                    at,
                    power_kw,
                });
            }
            if power_kw.abs() > limit_kw + power_tol {
                violations.push(Violation::ChargerLimit {
                    session: index,
                    vehicle: session.vehicle.clone(),
                    slot,
                    at,
                    power_kw,
                    limit_kw,
                });
            }
            if power_kw.abs() > power_tol {
                active.push((session.charger, slot, index));
            }
            if let (Some(load), Some(size)) = (fleet.get_mut(slot), magnitude.get_mut(slot)) {
                *load += power_kw;
                *size += power_kw.abs();
            }
            // Charging stores η of the grid energy; discharging drains 1/η of what the grid
            // receives.
            let stored = if power_kw >= 0.0 {
                power_kw * hours * efficiency
            } else {
                power_kw * hours / efficiency
            };
            delivered += stored;
            battery += stored;
            highest = highest.max(battery);
            if battery < -tolerance(session.battery_kwh) && !empty_reported {
                empty_reported = true;
                violations.push(Violation::BatteryEmpty {
                    session: index,
                    vehicle: session.vehicle.clone(),
                    slot,
                    at,
                    battery_kwh: battery,
                });
            }
        }
        if let Some(slot_total) = delivered_all.get_mut(index) {
            *slot_total = delivered;
        }
        if !highest_ok {
            // A NaN or infinite power makes the energy figures meaningless.
            continue;
        }
        let energy_tol = tolerance(session.energy_kwh.max(delivered.abs()));
        if delivered > session.energy_kwh + energy_tol {
            violations.push(Violation::Overcharged {
                session: index,
                vehicle: session.vehicle.clone(),
                found_kwh: delivered,
                limit_kwh: session.energy_kwh,
                limit: OverchargeLimit::Requested,
            });
        }
        if highest > session.battery_kwh + tolerance(session.battery_kwh.max(highest)) {
            violations.push(Violation::Overcharged {
                session: index,
                vehicle: session.vehicle.clone(),
                found_kwh: highest,
                limit_kwh: session.battery_kwh,
                limit: OverchargeLimit::Capacity,
            });
        }
        let needed_kwh = match mode {
            Mode::Availability => session.energy_kwh,
            Mode::Cost => session.reserved_kwh.min(session.energy_kwh),
        };
        if delivered < needed_kwh - energy_tol {
            violations.push(Violation::DepartureShort {
                session: index,
                vehicle: session.vehicle.clone(),
                departure: problem.slot_start(session.end_slot),
                delivered_kwh: delivered,
                needed_kwh,
            });
        }
    }

    let mut peak_site_kw = f64::NEG_INFINITY;
    for (slot, ((&load, &size), &base)) in fleet
        .iter()
        .zip(&magnitude)
        .zip(&problem.base_kw)
        .enumerate()
    {
        let site_kw = base + load;
        if site_kw.is_finite() {
            peak_site_kw = peak_site_kw.max(site_kw);
        }
        let cap_tol = tolerance(problem.import_cap_kw.max(base.abs() + size));
        if site_kw > problem.import_cap_kw + cap_tol {
            violations.push(Violation::ImportCap {
                slot,
                at: problem.slot_start(slot),
                site_kw,
                cap_kw: problem.import_cap_kw,
            });
        }
    }
    if !peak_site_kw.is_finite() {
        peak_site_kw = 0.0;
    }

    // One vehicle per charger at a time: group the active (charger, slot) pairs.
    active.sort_unstable();
    let mut start = 0;
    while start < active.len() {
        let key = active.get(start).map(|&(c, s, _)| (c, s));
        let group: Vec<usize> = active
            .iter()
            .skip(start)
            .take_while(|&&(c, s, _)| Some((c, s)) == key)
            .map(|&(_, _, session)| session)
            .collect();
        if let (Some((charger, slot)), true) = (key, group.len() > 1) {
            violations.push(Violation::ChargerShared {
                charger: problem
                    .chargers
                    .get(charger)
                    .map_or_else(|| format!("#{charger}"), |c| c.id.clone()),
                slot,
                at: problem.slot_start(slot),
                sessions: group
                    .iter()
                    .map(|&i| {
                        let vehicle = problem
                            .sessions
                            .get(i)
                            .map_or_else(String::new, |s| s.vehicle.clone());
                        (i, vehicle)
                    })
                    .collect(),
            });
        }
        start += group.len().max(1);
    }
    // Keep the documented order: per-slot site and charger findings after per-session
    // powers, energy findings last.
    violations.sort_by_key(|v| match v.kind() {
        ViolationKind::InvalidProblem | ViolationKind::ShapeMismatch => 0,
        ViolationKind::NonFinite
        | ViolationKind::NegativePower
        | ViolationKind::ChargerLimit
        | ViolationKind::BatteryEmpty => 1,
        ViolationKind::ImportCap | ViolationKind::ChargerShared => 2,
        ViolationKind::Overcharged | ViolationKind::DepartureShort => 3,
    });

    CheckReport {
        violations,
        peak_site_kw,
        delivered_kwh: delivered_all,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schedule::{Charger, Session};
    use chrono::NaiveDate;

    fn problem() -> Problem {
        let start = NaiveDate::from_ymd_opt(2024, 4, 1)
            .unwrap()
            .and_hms_opt(18, 0, 0)
            .unwrap();
        let session = |vehicle: &str, first_slot, end_slot| Session {
            vehicle: vehicle.into(),
            charger: 0,
            first_slot,
            end_slot,
            max_kw: 7.0,
            energy_kwh: 5.0,
            reserved_kwh: 2.0,
            priority: 0,
            battery_kwh: 40.0,
            arrival_kwh: 10.0,
        };
        Problem {
            start,
            slot_minutes: 30,
            base_kw: vec![5.0; 4],
            import_cap_kw: 20.0,
            ratchet_kw: 10.0,
            energy_price: vec![20.0; 4],
            demand_price_per_kw: 1000.0,
            unmet_price_per_kwh: 50.0,
            chargers: vec![Charger {
                id: "C1".into(),
                max_kw: 11.0,
                efficiency: 1.0,
                v2g: false,
            }],
            sessions: vec![session("A", 0, 2), session("B", 1, 4)],
        }
    }

    /// The same sessions on two chargers (`problem()` shares one charger, which
    /// `Problem::validate` refuses, to exercise the sharing check).
    fn two_chargers() -> Problem {
        let mut p = problem();
        let mut second = p.chargers[0].clone();
        second.id = "C2".into();
        p.chargers.push(second);
        p.sessions[1].charger = 1;
        p
    }

    #[test]
    fn a_valid_schedule_passes() {
        let p = two_chargers();
        let s = Schedule {
            power_kw: vec![vec![5.0, 5.0], vec![0.0, 5.0, 5.0]],
        };
        let report = check(&p, &s, Mode::Availability);
        assert!(report.is_ok(), "{report}");
        assert_eq!(report.peak_site_kw, 10.0);
        assert_eq!(report.delivered_kwh, vec![5.0, 5.0]);
    }

    #[test]
    fn sharing_a_charger_is_reported_once_per_slot() {
        let p = problem();
        let s = Schedule {
            power_kw: vec![vec![5.0, 5.0], vec![5.0, 0.0, 5.0]],
        };
        let report = check(&p, &s, Mode::Availability);
        let shared: Vec<_> = report.of_kind(ViolationKind::ChargerShared).collect();
        assert_eq!(shared.len(), 1, "{report}");
        assert!(shared[0].to_string().starts_with(
            "charger C1 at slot 1 (2024-04-01 18:30): 2 sessions draw power at once (A (session 0), B (session 1))"
        ));
    }

    #[test]
    fn shape_and_numbers() {
        let p = problem();
        let s = Schedule {
            power_kw: vec![vec![f64::NAN, 5.0, 1.0]],
        };
        let report = check(&p, &s, Mode::Cost);
        assert_eq!(report.of_kind(ViolationKind::ShapeMismatch).count(), 2);
        let s = Schedule {
            power_kw: vec![vec![f64::NAN, 5.0], vec![0.0, -1.0, 0.0]],
        };
        let report = check(&p, &s, Mode::Cost);
        assert_eq!(report.of_kind(ViolationKind::NonFinite).count(), 1);
        assert_eq!(report.of_kind(ViolationKind::NegativePower).count(), 1);
        // B got -0.5 kWh < 2 reserved; A's energy is not judged (NaN).
        assert_eq!(report.of_kind(ViolationKind::DepartureShort).count(), 1);
    }

    #[test]
    fn capacity_and_request() {
        let mut p = problem();
        p.sessions[0].arrival_kwh = 38.0;
        let s = Schedule {
            power_kw: vec![vec![7.0, 7.0], vec![0.0, 0.0, 0.0]],
        };
        let report = check(&p, &s, Mode::Cost);
        let over: Vec<_> = report.of_kind(ViolationKind::Overcharged).collect();
        assert_eq!(over.len(), 2, "{report}");
        assert!(report
            .to_string()
            .contains("above its capacity of 40.000 kWh"));
        assert!(report
            .to_string()
            .contains("7.000 kWh delivered, more than the 5.000 kWh"));
        assert!(report
            .to_string()
            .contains("B (session 1) departing 2024-04-01 20:00: 0.000 kWh delivered, 2.000 kWh"));
    }

    #[test]
    fn rounding_noise_is_not_a_violation() {
        let p = two_chargers();
        let s = Schedule {
            power_kw: vec![vec![5.0 + 1e-9, 5.0], vec![0.0, 5.0 - 1e-9, 5.0]],
        };
        assert!(check(&p, &s, Mode::Availability).is_ok());
    }
}
