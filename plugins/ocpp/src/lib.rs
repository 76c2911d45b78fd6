//! voltlex-ocpp: a fleet-charging schedule as OCPP 1.6J `SetChargingProfile` requests.
//!
//! [`charging_profiles`] turns a [`Schedule`] of a [`Problem`] into, per charger, one request
//! payload per session — the JSON object a central system sends as the payload of a
//! `SetChargingProfile` CALL — and [`write_profiles`] writes them as one JSON file per
//! charger.
//!
//! # Mapping
//!
//! | voltlex | OCPP 1.6 |
//! |---|---|
//! | a charger | a charge point with one connector: `connectorId` ([`OcppOptions::connector_id`], 1) |
//! | a session | one `csChargingProfiles`: `chargingProfilePurpose` `TxProfile`, `chargingProfileKind` `Absolute` |
//! | session index `i` | `chargingProfileId` = [`OcppOptions::first_profile_id`] + `i` (unique in the run) |
//! | — | `stackLevel` = [`OcppOptions::stack_level`] (0) |
//! | the vehicle's transaction | `transactionId` when [`OcppOptions::transaction_ids`] gives one |
//! | the session's first slot | `startSchedule`: RFC 3339 with the site's UTC offset ([`OcppOptions::utc_offset`], +09:00) |
//! | the session's window | `duration` = window slots × slot length, seconds |
//! | runs of slots at equal power | one `chargingSchedulePeriod` each: `startPeriod` seconds from `startSchedule`, `limit` |
//!
//! **Limits.** The schedule's power is grid-side kW averaged over a slot; the limit caps the
//! charger at that power for the slot. In `W` it is the power in watts; in `A` the current
//! per phase:
//!
//! - three-phase: `I = P / (√3 × V_LL)`, with `V_LL` the line-to-line voltage
//!   ([`OcppOptions::voltage_v`], 200 V in Japan: 22 kW → 63.5 A);
//! - single-phase: `I = P / V` (200 V: 6 kW → 30 A).
//!
//! Periods in `A` carry `numberPhases` ([`OcppOptions::phases`], 3); periods in `W` leave it
//! out. The unit follows [`RateUnit`]: by default `A` for AC chargers (`max_kw` up to
//! [`OcppOptions::ac_max_kw`], 22 kW), whose EVSEs limit current, and `W` for DC chargers.
//! Limits are rounded **down** to one decimal place (the schema's `multipleOf 0.1`), so a
//! charger never draws more than planned and the site cap holds. Consecutive slots whose
//! rounded limits are equal form one period. Negative power (V2G discharge) cannot be
//! expressed by OCPP 1.6 charging profiles: it becomes a limit of 0 and is counted in
//! [`SessionProfile::discharge_slots`].
//!
//! **Files.** [`write_profiles`] writes `<charger id>.json` per charger that has at least one
//! session: a JSON array of its request payloads in session order. It creates the folder if
//! needed, refuses to overwrite any existing file (checked for every file before the first is
//! written), writes each file to a temporary file in the folder, syncs it and links it into
//! place, and removes what it wrote when any file fails: all files or none.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration, FixedOffset, NaiveDateTime, Offset, SecondsFormat, Utc};
use serde::Serialize;
use voltlex_engine::schedule::{Problem, Schedule};

/// Which `chargingRateUnit` a charger's profiles use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RateUnit {
    /// `A` for chargers up to [`OcppOptions::ac_max_kw`] (AC), `W` above (DC).
    #[default]
    Auto,
    /// Always watts.
    Watts,
    /// Always amperes per phase.
    Amperes,
}

/// How schedules become OCPP requests. `OcppOptions::default()` suits a Japanese site:
/// UTC+09:00, three-phase 200 V for AC, AC up to 22 kW.
///
/// ```
/// use voltlex_ocpp::{OcppOptions, RateUnit};
/// let options = OcppOptions { unit: RateUnit::Watts, ..OcppOptions::default() };
/// assert_eq!(options.utc_offset.to_string(), "+09:00");
/// assert_eq!(options.phases, 3);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct OcppOptions {
    /// The site's UTC offset: the problem's times are local clock times at this offset.
    pub utc_offset: FixedOffset,
    /// `connectorId` of every request (each voltlex charger is one connector).
    pub connector_id: u32,
    /// `chargingProfileId` of session 0; session `i` gets this + `i`.
    pub first_profile_id: i64,
    /// `stackLevel` of every profile.
    pub stack_level: u32,
    /// Rate unit choice.
    pub unit: RateUnit,
    /// Largest charger (kW) treated as AC by [`RateUnit::Auto`].
    pub ac_max_kw: f64,
    /// Phases of AC supply for `A` limits: 3, or 1 for single-phase.
    pub phases: u32,
    /// Supply voltage for `A` limits: line-to-line for three-phase, line-to-neutral for
    /// single-phase, volts.
    pub voltage_v: f64,
    /// `transactionId` by session index, for sessions whose transaction has started.
    pub transaction_ids: BTreeMap<usize, i64>,
}

impl Default for OcppOptions {
    fn default() -> Self {
        OcppOptions {
            // Japan Standard Time; the fallback (UTC) is never taken: 9 h is a valid offset.
            utc_offset: FixedOffset::east_opt(9 * 3600).unwrap_or_else(|| Utc.fix()),
            connector_id: 1,
            first_profile_id: 1,
            stack_level: 0,
            unit: RateUnit::Auto,
            ac_max_kw: 22.0,
            phases: 3,
            voltage_v: 200.0,
            transaction_ids: BTreeMap::new(),
        }
    }
}

/// The payload of an OCPP 1.6 `SetChargingProfile` request (`SetChargingProfileRequest`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SetChargingProfileRequest {
    /// The connector the profile applies to.
    pub connector_id: u32,
    /// The profile.
    pub cs_charging_profiles: ChargingProfile,
}

/// `csChargingProfiles`: a `TxProfile` of kind `Absolute`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChargingProfile {
    /// Unique profile id.
    pub charging_profile_id: i64,
    /// The transaction the profile belongs to, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transaction_id: Option<i64>,
    /// Stack level.
    pub stack_level: u32,
    /// Always `TxProfile`.
    pub charging_profile_purpose: &'static str,
    /// Always `Absolute`.
    pub charging_profile_kind: &'static str,
    /// The schedule.
    pub charging_schedule: ChargingSchedule,
}

/// `chargingSchedule`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChargingSchedule {
    /// Length of the schedule, seconds (the session's window).
    pub duration: i64,
    /// Start of the schedule, RFC 3339 with the site's offset.
    pub start_schedule: String,
    /// `W` or `A`.
    pub charging_rate_unit: &'static str,
    /// The periods, by start.
    pub charging_schedule_period: Vec<ChargingSchedulePeriod>,
}

/// `chargingSchedulePeriod`: from `start_period` seconds on, at most `limit`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChargingSchedulePeriod {
    /// Seconds from `startSchedule`.
    pub start_period: i64,
    /// W or A per phase, one decimal place.
    pub limit: f64,
    /// Phases, for `A` limits.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub number_phases: Option<u32>,
}

/// One session's request.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SessionProfile {
    /// Index of the session in the problem.
    pub session: usize,
    /// Its vehicle.
    pub vehicle: String,
    /// Slots of negative power (discharge) sent as a limit of 0.
    pub discharge_slots: usize,
    /// The request payload.
    pub request: SetChargingProfileRequest,
}

/// The requests of one charger, in session order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChargerProfiles {
    /// The charger's id.
    pub charger_id: String,
    /// One request per session on the charger.
    pub profiles: Vec<SessionProfile>,
}

/// Why profiles could not be written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OcppError {
    /// A target file is already there: voltlex never overwrites.
    #[error("{0} already exists: choose an empty folder or remove the old profiles")]
    Exists(PathBuf),
    /// A charger id that cannot name a file.
    #[error("charger id {0:?} cannot name a file (empty, `.` or `..`)")]
    BadChargerId(String),
    /// Two charger ids that name the same file.
    #[error("chargers {first:?} and {second:?} would both be written to {file}")]
    SameFile {
        /// First charger.
        first: String,
        /// Second charger.
        second: String,
        /// The shared file name.
        file: String,
    },
    /// A file-system error.
    #[error("{path}: {source}")]
    Io {
        /// The path concerned.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// A payload that does not serialise (not expected: plain numbers and strings).
    #[error("profiles for charger {charger}: {source}")]
    Json {
        /// The charger.
        charger: String,
        /// The error.
        source: serde_json::Error,
    },
}

/// The `SetChargingProfile` requests of `schedule`: per charger of `problem` that has a
/// session, one request per session (see the [crate documentation](crate) for the mapping).
///
/// The problem should pass [`Problem::validate`]; a session on a charger that does not exist
/// is left out, and slots the schedule does not give count as 0 kW.
///
/// ```
/// use chrono::NaiveDate;
/// use voltlex_engine::schedule::{Charger, Problem, Schedule, Session};
/// use voltlex_ocpp::{charging_profiles, OcppOptions};
///
/// let start = NaiveDate::from_ymd_opt(2025, 4, 1).unwrap().and_hms_opt(18, 0, 0).unwrap();
/// let problem = Problem {
///     start, slot_minutes: 30, base_kw: vec![0.0; 4], import_cap_kw: 100.0, ratchet_kw: 0.0,
///     energy_price: vec![20.0; 4], demand_price_per_kw: 0.0, unmet_price_per_kwh: 0.0,
///     chargers: vec![Charger { id: "AC-1".into(), max_kw: 22.0, efficiency: 0.9, v2g: false }],
///     sessions: vec![Session { vehicle: "EV1".into(), charger: 0, first_slot: 1, end_slot: 4,
///         max_kw: 22.0, energy_kwh: 10.0, reserved_kwh: 0.0, priority: 0, battery_kwh: 60.0,
///         arrival_kwh: 20.0 }],
/// };
/// let schedule = Schedule { power_kw: vec![vec![11.0, 11.0, 0.0]] };
/// let chargers = charging_profiles(&problem, &schedule, &OcppOptions::default());
/// let json = serde_json::to_value(&chargers[0].profiles[0].request).unwrap();
/// let schedule = &json["csChargingProfiles"]["chargingSchedule"];
/// assert_eq!(schedule["startSchedule"], "2025-04-01T18:30:00+09:00");
/// assert_eq!(schedule["duration"], 5400);
/// assert_eq!(schedule["chargingRateUnit"], "A");
/// // 11 kW three-phase at 200 V: 11,000 / (√3 × 200) = 31.75… A → 31.7 A for an hour, then 0.
/// let periods = schedule["chargingSchedulePeriod"].as_array().unwrap();
/// assert_eq!(periods.len(), 2);
/// assert_eq!(periods[0]["limit"], 31.7);
/// assert_eq!(periods[1]["startPeriod"], 3600);
/// assert_eq!(periods[1]["limit"], 0.0);
/// ```
pub fn charging_profiles(
    problem: &Problem,
    schedule: &Schedule,
    options: &OcppOptions,
) -> Vec<ChargerProfiles> {
    let mut out: Vec<ChargerProfiles> = problem
        .chargers
        .iter()
        .map(|charger| ChargerProfiles {
            charger_id: charger.id.clone(),
            profiles: Vec::new(),
        })
        .collect();
    let empty = Vec::new();
    for (index, session) in problem.sessions.iter().enumerate() {
        let (Some(charger), Some(target)) = (
            problem.chargers.get(session.charger),
            out.get_mut(session.charger),
        ) else {
            continue;
        };
        let powers = schedule.power_kw.get(index).unwrap_or(&empty);
        let unit = match options.unit {
            RateUnit::Watts => RateUnit::Watts,
            RateUnit::Amperes => RateUnit::Amperes,
            RateUnit::Auto if charger.max_kw <= options.ac_max_kw => RateUnit::Amperes,
            RateUnit::Auto => RateUnit::Watts,
        };
        let slot_seconds = i64::from(problem.slot_minutes) * 60;
        let mut periods: Vec<ChargingSchedulePeriod> = Vec::new();
        let mut discharge_slots = 0;
        for slot in 0..session.window_len() {
            let kw = powers.get(slot).copied().unwrap_or(0.0);
            if kw < 0.0 {
                discharge_slots += 1;
            }
            let limit = limit(kw, unit, options);
            if periods.last().is_some_and(|last| last.limit == limit) {
                continue;
            }
            periods.push(ChargingSchedulePeriod {
                start_period: slot as i64 * slot_seconds,
                limit,
                number_phases: (unit == RateUnit::Amperes).then_some(options.phases),
            });
        }
        let first = problem.slot_start(session.first_slot);
        target.profiles.push(SessionProfile {
            session: index,
            vehicle: session.vehicle.clone(),
            discharge_slots,
            request: SetChargingProfileRequest {
                connector_id: options.connector_id,
                cs_charging_profiles: ChargingProfile {
                    charging_profile_id: options.first_profile_id.saturating_add(index as i64),
                    transaction_id: options.transaction_ids.get(&index).copied(),
                    stack_level: options.stack_level,
                    charging_profile_purpose: "TxProfile",
                    charging_profile_kind: "Absolute",
                    charging_schedule: ChargingSchedule {
                        duration: session.window_len() as i64 * slot_seconds,
                        start_schedule: rfc3339(first, options.utc_offset),
                        charging_rate_unit: match unit {
                            RateUnit::Amperes => "A",
                            _ => "W",
                        },
                        charging_schedule_period: periods,
                    },
                },
            },
        });
    }
    out.retain(|charger| !charger.profiles.is_empty());
    out
}

/// The limit for `kw` in `unit` (never negative), rounded down to 0.1.
fn limit(kw: f64, unit: RateUnit, options: &OcppOptions) -> f64 {
    let watts = kw.max(0.0) * 1000.0;
    let value = match unit {
        RateUnit::Amperes if options.phases == 1 => watts / options.voltage_v,
        RateUnit::Amperes => watts / (3f64.sqrt() * options.voltage_v),
        _ => watts,
    };
    if !value.is_finite() {
        return 0.0;
    }
    // A hair of tolerance so that 7.3 computed as 7.2999999… stays 7.3.
    let tenths = (value * 10.0 + 1e-6).floor();
    tenths / 10.0
}

/// `at` (local clock time at `offset`) in RFC 3339 with that offset.
fn rfc3339(at: NaiveDateTime, offset: FixedOffset) -> String {
    let utc = at
        .checked_sub_signed(Duration::seconds(i64::from(offset.local_minus_utc())))
        .unwrap_or(at);
    let local: DateTime<FixedOffset> = DateTime::from_naive_utc_and_offset(utc, offset);
    local.to_rfc3339_opts(SecondsFormat::Secs, false)
}

/// The file a charger's profiles go to: its id with every character outside `A–Z a–z 0–9 .
/// _ -` replaced by `_`, then `.json`.
///
/// ```
/// assert_eq!(voltlex_ocpp::file_name("DC 1/a").unwrap(), "DC_1_a.json");
/// assert!(voltlex_ocpp::file_name("..").is_err());
/// ```
///
/// # Errors
///
/// [`OcppError::BadChargerId`] for an id that is empty, `.` or `..`.
pub fn file_name(charger_id: &str) -> Result<String, OcppError> {
    let stem: String = charger_id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if stem.is_empty() || stem == "." || stem == ".." {
        return Err(OcppError::BadChargerId(charger_id.to_string()));
    }
    Ok(format!("{stem}.json"))
}

/// Write `chargers` into `dir`, one `<charger id>.json` per charger (see [`file_name`]): a
/// pretty-printed JSON array of its request payloads. Creates `dir` if missing; returns the
/// files written.
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use voltlex_ocpp::{write_profiles, ChargerProfiles};
/// let dir = std::env::temp_dir().join(format!("voltlex-ocpp-doc-{}", std::process::id()));
/// let chargers = vec![ChargerProfiles { charger_id: "AC-1".into(), profiles: vec![] }];
/// let written = write_profiles(&dir, &chargers)?;
/// assert_eq!(std::fs::read_to_string(&written[0])?, "[]\n");
/// // A second run refuses to overwrite.
/// assert!(write_profiles(&dir, &chargers).is_err());
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok(())
/// # }
/// ```
///
/// # Errors
///
/// [`OcppError::Exists`] when any target file exists (nothing is written then);
/// [`OcppError::BadChargerId`] / [`OcppError::SameFile`] for ids that cannot name distinct
/// files; [`OcppError::Io`] when the folder or a file cannot be written — files already
/// written by this call are removed again.
pub fn write_profiles(dir: &Path, chargers: &[ChargerProfiles]) -> Result<Vec<PathBuf>, OcppError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| OcppError::Io { path, source }
    };
    // Every name and every content first, so that nothing is written on a bad id.
    let mut names: BTreeMap<String, &str> = BTreeMap::new();
    let mut files = Vec::with_capacity(chargers.len());
    for charger in chargers {
        let name = file_name(&charger.charger_id)?;
        // Names compare case-insensitively: two ids differing in case only must not share
        // a file on a case-insensitive file system.
        if let Some(first) = names.insert(name.to_lowercase(), &charger.charger_id) {
            return Err(OcppError::SameFile {
                first: first.to_string(),
                second: charger.charger_id.clone(),
                file: name,
            });
        }
        let requests: Vec<&SetChargingProfileRequest> =
            charger.profiles.iter().map(|p| &p.request).collect();
        let mut text =
            serde_json::to_string_pretty(&requests).map_err(|source| OcppError::Json {
                charger: charger.charger_id.clone(),
                source,
            })?;
        text.push('\n');
        files.push((dir.join(name), text));
    }
    fs::create_dir_all(dir).map_err(io(dir))?;
    if let Some((path, _)) = files.iter().find(|(path, _)| path.exists()) {
        return Err(OcppError::Exists(path.clone()));
    }
    let mut written: Vec<PathBuf> = Vec::with_capacity(files.len());
    for (count, (path, text)) in files.iter().enumerate() {
        if let Err(error) = write_new(dir, path, text, count) {
            for done in &written {
                // Best effort: the error that matters is the one reported.
                let _ = fs::remove_file(done);
            }
            return Err(error);
        }
        written.push(path.clone());
    }
    Ok(written)
}

/// Write `text` to a temporary file in `dir`, sync it, and link it to `path` — which fails
/// rather than replace a file that appeared meanwhile. The temporary file is removed in any
/// case.
fn write_new(dir: &Path, path: &Path, text: &str, count: usize) -> Result<(), OcppError> {
    let temporary = dir.join(format!(
        ".voltlex-ocpp-{}-{count}-{}.tmp",
        std::process::id(),
        Utc::now().timestamp_nanos_opt().unwrap_or(0)
    ));
    let result = (|| {
        let mut file = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temporary)
            .map_err(|source| OcppError::Io {
                path: temporary.clone(),
                source,
            })?;
        file.write_all(text.as_bytes())
            .and_then(|()| file.sync_all())
            .map_err(|source| OcppError::Io {
                path: temporary.clone(),
                source,
            })?;
        fs::hard_link(&temporary, path).map_err(|source| {
            if source.kind() == std::io::ErrorKind::AlreadyExists {
                OcppError::Exists(path.to_path_buf())
            } else {
                OcppError::Io {
                    path: path.to_path_buf(),
                    source,
                }
            }
        })
    })();
    let _ = fs::remove_file(&temporary);
    result
}
