//! On-site PV generation: a measured profile per kWp, or a clear-sky shape scaled to monthly
//! yields. Model, sources and limits: `docs/pv-storage.md`.
//!
//! **Clear-sky shape.** The sun's position follows NOAA's "General Solar Position
//! Calculations" (Spencer's 1971 Fourier series for the declination and the equation of
//! time). Direct normal irradiance follows Meinel & Meinel (1976),
//! `DNI = 1.353 kW/m² × 0.7^(AM^0.678)`, with the air mass of Kasten & Young (1989); diffuse
//! horizontal irradiance is taken as 10 % of DNI (the rule of thumb PVEducation gives with the
//! Meinel formula); the plane of the array receives beam by the cosine of the angle of
//! incidence, sky diffuse isotropically (Liu & Jordan) and ground reflection with albedo 0.2.
//! Only the *shape* matters: every calendar month is scaled so that its generation is exactly
//! kWp × that month's yield.
//!
//! **Time.** Times are local standard time at a fixed UTC offset (Japan: +9, no daylight
//! saving). Generation is integrated minute by minute (at each minute's midpoint), so a slot's
//! kW is the mean of its minutes and any slot length that is a whole number of minutes sums to
//! the same monthly totals.

use std::path::Path;

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, Timelike};
use serde::{Deserialize, Serialize};

use super::SiteError;

/// Solar constant used by the Meinel air-mass model, kW/m².
const SOLAR_CONSTANT_KW_PER_M2: f64 = 1.353;
/// Diffuse horizontal irradiance as a share of direct normal irradiance (clear sky).
const DIFFUSE_SHARE: f64 = 0.1;
/// Ground reflectance seen by a tilted array.
const GROUND_ALBEDO: f64 = 0.2;
/// Largest credible measured generation, kW per kWp: above this a file is more likely in W
/// or in the wrong unit than measured.
const MAX_KW_PER_KWP: f64 = 2.0;

/// Where PV generation per kWp comes from.
///
/// ```
/// use chrono::NaiveDate;
/// use voltlex_engine::site::pv::{tokyo_monthly_yield, PvProfile};
///
/// let start = NaiveDate::from_ymd_opt(2024, 7, 1).unwrap().and_hms_opt(0, 0, 0).unwrap();
/// let measured = PvProfile::Measured { start, interval_minutes: 60, kw_per_kwp: vec![0.0; 24] };
/// let modelled = PvProfile::ClearSkyMonthly {
///     latitude_deg: 35.68, longitude_deg: 139.77, utc_offset_hours: 9.0,
///     tilt_deg: 30.0, azimuth_deg: 180.0, monthly_yield_kwh_per_kwp: tokyo_monthly_yield(),
/// };
/// assert!(measured.validate().is_ok() && modelled.validate().is_ok());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum PvProfile {
    /// Measured or simulated generation per kWp: the mean power over each interval, kW per
    /// kWp (a kWh-per-kWp file is converted when read, see [`read_pv_csv`]).
    Measured {
        /// Start of the first interval (local time).
        start: NaiveDateTime,
        /// Interval length, minutes: 30 or 60.
        interval_minutes: u32,
        /// Mean kW per kWp in each interval.
        kw_per_kwp: Vec<f64>,
    },
    /// Clear-sky shape from solar geometry, scaled so that each calendar month's total equals
    /// kWp × that month's yield.
    ClearSkyMonthly {
        /// Latitude, degrees north (south negative).
        latitude_deg: f64,
        /// Longitude, degrees east (west negative).
        longitude_deg: f64,
        /// Offset of local standard time from UTC, hours (Japan: 9).
        utc_offset_hours: f64,
        /// Array tilt from horizontal, degrees (0–90).
        tilt_deg: f64,
        /// Direction the array faces, degrees clockwise from north (180 = south).
        azimuth_deg: f64,
        /// Generation per kWp of each month, January first, kWh/kWp.
        monthly_yield_kwh_per_kwp: [f64; 12],
    },
}

impl PvProfile {
    /// Check the figures: a measured profile has a 30- or 60-minute interval, at least one
    /// value, every value finite and ≥ 0; a clear-sky profile has a latitude within ±90°, a
    /// longitude within ±180°, a UTC offset within ±14 h, a tilt of 0–90°, an azimuth of
    /// 0–360° and finite yields ≥ 0.
    ///
    /// # Errors
    ///
    /// [`SiteError::BadValue`] naming the first bad figure.
    pub fn validate(&self) -> Result<(), SiteError> {
        match self {
            PvProfile::Measured {
                interval_minutes,
                kw_per_kwp,
                ..
            } => {
                if !matches!(interval_minutes, 30 | 60) {
                    return Err(bad(
                        "the measured profile's interval (minutes)",
                        f64::from(*interval_minutes),
                        "30 or 60",
                    ));
                }
                if kw_per_kwp.is_empty() {
                    return Err(bad(
                        "the measured profile's length",
                        0.0,
                        "at least one value",
                    ));
                }
                for (index, &value) in kw_per_kwp.iter().enumerate() {
                    if !(value.is_finite() && value >= 0.0) {
                        return Err(bad(
                            &format!("measured kW per kWp #{index}"),
                            value,
                            "a finite number ≥ 0",
                        ));
                    }
                }
                Ok(())
            }
            PvProfile::ClearSkyMonthly {
                latitude_deg,
                longitude_deg,
                utc_offset_hours,
                tilt_deg,
                azimuth_deg,
                monthly_yield_kwh_per_kwp,
            } => {
                within("the latitude (degrees)", *latitude_deg, -90.0, 90.0)?;
                within("the longitude (degrees)", *longitude_deg, -180.0, 180.0)?;
                within("the UTC offset (hours)", *utc_offset_hours, -14.0, 14.0)?;
                within("the tilt (degrees)", *tilt_deg, 0.0, 90.0)?;
                within("the azimuth (degrees)", *azimuth_deg, 0.0, 360.0)?;
                for (month, &value) in monthly_yield_kwh_per_kwp.iter().enumerate() {
                    if !(value.is_finite() && value >= 0.0) {
                        return Err(bad(
                            &format!("the yield of month {} (kWh/kWp)", month + 1),
                            value,
                            "a finite number ≥ 0",
                        ));
                    }
                }
                Ok(())
            }
        }
    }
}

/// A PV system: its peak power and where its generation per kWp comes from.
///
/// ```
/// use chrono::NaiveDate;
/// use voltlex_engine::site::pv::{tokyo_monthly_yield, PvProfile, PvSystem};
///
/// let pv = PvSystem { kwp: 50.0, profile: PvProfile::ClearSkyMonthly {
///     latitude_deg: 35.68, longitude_deg: 139.77, utc_offset_hours: 9.0,
///     tilt_deg: 30.0, azimuth_deg: 180.0, monthly_yield_kwh_per_kwp: tokyo_monthly_yield() } };
/// let start = NaiveDate::from_ymd_opt(2024, 7, 1).unwrap().and_hms_opt(0, 0, 0).unwrap();
/// let day = pv.generation_kw(start, 30, 48).unwrap();
/// assert_eq!(day[0], 0.0); // midnight
/// assert!(day[23] > day[16]); // 11:30 beats 08:00
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PvSystem {
    /// Peak (nameplate DC) power, kWp.
    pub kwp: f64,
    /// Generation per kWp.
    pub profile: PvProfile,
}

impl PvSystem {
    /// Mean generation in kW of each of `slots` slots of `slot_minutes` from `start`.
    ///
    /// A measured profile is averaged over each slot, weighting its intervals by overlap;
    /// every slot must lie inside the measured period. The clear-sky model needs `start` on a
    /// whole minute.
    ///
    /// # Errors
    ///
    /// [`SiteError::BadValue`] for a bad kWp, slot length or profile;
    /// [`SiteError::OutsideProfile`] for a slot the measured profile does not cover;
    /// [`SiteError::Unaligned`] for a start with seconds; [`SiteError::NoSunlight`] for a
    /// month with a yield but no sunlight on the array.
    pub fn generation_kw(
        &self,
        start: NaiveDateTime,
        slot_minutes: u32,
        slots: usize,
    ) -> Result<Vec<f64>, SiteError> {
        if !(self.kwp.is_finite() && self.kwp >= 0.0) {
            return Err(bad(
                "the PV peak power (kWp)",
                self.kwp,
                "a finite number ≥ 0",
            ));
        }
        if slot_minutes == 0 {
            return Err(bad("the slot length (minutes)", 0.0, "at least 1"));
        }
        self.profile.validate()?;
        let per_kwp = match &self.profile {
            PvProfile::Measured {
                start: measured_start,
                interval_minutes,
                kw_per_kwp,
            } => measured_per_kwp(
                *measured_start,
                *interval_minutes,
                kw_per_kwp,
                start,
                slot_minutes,
                slots,
            )?,
            PvProfile::ClearSkyMonthly {
                latitude_deg,
                longitude_deg,
                utc_offset_hours,
                tilt_deg,
                azimuth_deg,
                monthly_yield_kwh_per_kwp,
            } => {
                let model = ClearSkyModel {
                    geometry: SolarGeometry {
                        latitude_deg: *latitude_deg,
                        longitude_deg: *longitude_deg,
                        utc_offset_hours: *utc_offset_hours,
                    },
                    tilt_deg: *tilt_deg,
                    azimuth_deg: *azimuth_deg,
                    monthly_yield: *monthly_yield_kwh_per_kwp,
                };
                model.per_kwp(start, slot_minutes, slots)?
            }
        };
        Ok(per_kwp.into_iter().map(|kw| kw * self.kwp).collect())
    }

    /// Generation over the calendar year `year`, kWh (hour by hour, 1 January 00:00 to
    /// 31 December 24:00).
    ///
    /// ```
    /// use voltlex_engine::site::pv::{tokyo_monthly_yield, PvProfile, PvSystem};
    /// let yields = tokyo_monthly_yield();
    /// let pv = PvSystem { kwp: 10.0, profile: PvProfile::ClearSkyMonthly {
    ///     latitude_deg: 35.68, longitude_deg: 139.77, utc_offset_hours: 9.0,
    ///     tilt_deg: 30.0, azimuth_deg: 180.0, monthly_yield_kwh_per_kwp: yields } };
    /// let expected = 10.0 * yields.iter().sum::<f64>();
    /// assert!((pv.annual_kwh(2024).unwrap() - expected).abs() < 1e-6 * expected);
    /// ```
    ///
    /// # Errors
    ///
    /// As [`Self::generation_kw`]; a measured profile must cover the whole year.
    pub fn annual_kwh(&self, year: i32) -> Result<f64, SiteError> {
        let (Some(first), Some(next)) = (
            NaiveDate::from_ymd_opt(year, 1, 1),
            NaiveDate::from_ymd_opt(year + 1, 1, 1),
        ) else {
            return Err(bad(
                "the year",
                f64::from(year),
                "a calendar year chrono can represent",
            ));
        };
        let hours = usize::try_from((next - first).num_hours()).unwrap_or(0);
        let kw = self.generation_kw(first.and_time(chrono::NaiveTime::MIN), 60, hours)?;
        Ok(kw.iter().sum())
    }
}

/// Monthly yields for Tokyo (35.68° N, 139.77° E), a south-facing array tilted 30°, kWh per
/// kWp, January first (annual sum 1,205 kWh/kWp). **Unverified**: typical values written from
/// memory of PVGIS 5 `PVcalc` runs with 14 % system losses, not a PVGIS output; one modelled
/// source read (photonik.solar) gives Tokyo 12 % more a year (`docs/pv-storage.md`). Query
/// PVGIS (<https://re.jrc.ec.europa.eu/pvg_tools/>) or NEDO's MONSOLA-20 for the actual site
/// before relying on them.
///
/// ```
/// use voltlex_engine::site::pv::tokyo_monthly_yield;
/// let yields = tokyo_monthly_yield();
/// assert!((yields.iter().sum::<f64>() - 1205.0).abs() < 1e-9);
/// assert!(yields[4] > yields[11]); // May beats December
/// ```
pub fn tokyo_monthly_yield() -> [f64; 12] {
    [
        88.0, 93.0, 111.0, 117.0, 124.0, 101.0, 112.0, 119.0, 92.0, 86.0, 80.0, 82.0,
    ]
}

/// A place on Earth and its clock: what the sun's position depends on.
///
/// ```
/// use chrono::NaiveDate;
/// use voltlex_engine::site::pv::SolarGeometry;
/// let tokyo = SolarGeometry { latitude_deg: 35.68, longitude_deg: 139.77, utc_offset_hours: 9.0 };
/// let day = NaiveDate::from_ymd_opt(2024, 6, 21).unwrap();
/// let noon = tokyo.sun_position(day.and_hms_opt(11, 45, 0).unwrap());
/// assert!(noon.elevation_deg > 75.0); // 90 − 35.7 + 23.4 ≈ 77.8 at solar noon
/// assert!(tokyo.sun_position(day.and_hms_opt(0, 0, 0).unwrap()).elevation_deg < 0.0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SolarGeometry {
    /// Latitude, degrees north.
    pub latitude_deg: f64,
    /// Longitude, degrees east.
    pub longitude_deg: f64,
    /// Offset of local standard time from UTC, hours.
    pub utc_offset_hours: f64,
}

/// Where the sun is in the sky.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SunPosition {
    /// Angle above the horizon, degrees (negative at night).
    pub elevation_deg: f64,
    /// Direction, degrees clockwise from north.
    pub azimuth_deg: f64,
}

impl SolarGeometry {
    /// The sun's unit vector (east, north, up) at local standard time `at` (NOAA's
    /// fractional-year formulas).
    fn sun_vector(&self, at: NaiveDateTime) -> [f64; 3] {
        let days_in_year = if is_leap(at.year()) { 366.0 } else { 365.0 };
        let hour =
            f64::from(at.hour()) + f64::from(at.minute()) / 60.0 + f64::from(at.second()) / 3600.0;
        let gamma = 2.0 * std::f64::consts::PI / days_in_year
            * (f64::from(at.ordinal()) - 1.0 + (hour - 12.0) / 24.0);
        let equation_of_time_min = 229.18
            * (0.000075 + 0.001868 * gamma.cos()
                - 0.032077 * gamma.sin()
                - 0.014615 * (2.0 * gamma).cos()
                - 0.040849 * (2.0 * gamma).sin());
        let declination = 0.006918 - 0.399912 * gamma.cos() + 0.070257 * gamma.sin()
            - 0.006758 * (2.0 * gamma).cos()
            + 0.000907 * (2.0 * gamma).sin()
            - 0.002697 * (3.0 * gamma).cos()
            + 0.00148 * (3.0 * gamma).sin();
        let time_offset_min =
            equation_of_time_min + 4.0 * self.longitude_deg - 60.0 * self.utc_offset_hours;
        let true_solar_min = hour * 60.0 + time_offset_min;
        let hour_angle = (true_solar_min / 4.0 - 180.0).to_radians();
        let latitude = self.latitude_deg.to_radians();
        let up = latitude.sin() * declination.sin()
            + latitude.cos() * declination.cos() * hour_angle.cos();
        let east = -declination.cos() * hour_angle.sin();
        let north = declination.sin() * latitude.cos()
            - declination.cos() * latitude.sin() * hour_angle.cos();
        [east, north, up]
    }

    /// The sun's elevation and azimuth at local standard time `at`.
    pub fn sun_position(&self, at: NaiveDateTime) -> SunPosition {
        let [east, north, up] = self.sun_vector(at);
        SunPosition {
            elevation_deg: up.clamp(-1.0, 1.0).asin().to_degrees(),
            azimuth_deg: east.atan2(north).to_degrees().rem_euclid(360.0),
        }
    }

    /// Clear-sky irradiance on a plane tilted `tilt_deg` from horizontal and facing
    /// `azimuth_deg` (clockwise from north), kW/m², at local standard time `at`; 0 when the sun
    /// is below the horizon. The model is in the module documentation.
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use voltlex_engine::site::pv::SolarGeometry;
    /// let tokyo = SolarGeometry { latitude_deg: 35.68, longitude_deg: 139.77, utc_offset_hours: 9.0 };
    /// let noon = NaiveDate::from_ymd_opt(2024, 12, 21).unwrap().and_hms_opt(11, 40, 0).unwrap();
    /// // In December a south-facing 30° array catches more than a flat one.
    /// assert!(tokyo.plane_irradiance_kw_per_m2(noon, 30.0, 180.0)
    ///     > tokyo.plane_irradiance_kw_per_m2(noon, 0.0, 180.0));
    /// ```
    pub fn plane_irradiance_kw_per_m2(
        &self,
        at: NaiveDateTime,
        tilt_deg: f64,
        azimuth_deg: f64,
    ) -> f64 {
        let [east, north, up] = self.sun_vector(at);
        if up <= 0.0 {
            return 0.0;
        }
        let zenith_deg = up.clamp(-1.0, 1.0).acos().to_degrees();
        // Kasten & Young (1989) air mass; finite down to the horizon.
        let air_mass = 1.0 / (up + 0.50572 * (96.07995 - zenith_deg).powf(-1.6364));
        let direct_normal = SOLAR_CONSTANT_KW_PER_M2 * 0.7_f64.powf(air_mass.powf(0.678));
        let diffuse_horizontal = DIFFUSE_SHARE * direct_normal;
        let global_horizontal = direct_normal * up + diffuse_horizontal;
        let tilt = tilt_deg.to_radians();
        let facing = azimuth_deg.to_radians();
        let normal = [
            tilt.sin() * facing.sin(),
            tilt.sin() * facing.cos(),
            tilt.cos(),
        ];
        let incidence = east * normal[0] + north * normal[1] + up * normal[2];
        direct_normal * incidence.max(0.0)
            + diffuse_horizontal * (1.0 + tilt.cos()) / 2.0
            + GROUND_ALBEDO * global_horizontal * (1.0 - tilt.cos()) / 2.0
    }
}

/// A clear-sky profile's parameters, resolved.
struct ClearSkyModel {
    geometry: SolarGeometry,
    tilt_deg: f64,
    azimuth_deg: f64,
    monthly_yield: [f64; 12],
}

impl ClearSkyModel {
    /// Irradiance at the midpoint of the minute starting at `minute`.
    fn minute_irradiance(&self, minute: NaiveDateTime) -> f64 {
        self.geometry.plane_irradiance_kw_per_m2(
            minute + Duration::seconds(30),
            self.tilt_deg,
            self.azimuth_deg,
        )
    }

    /// kW per kWp per kW/m² of the month starting at `first`: the month's yield over its
    /// minute-by-minute irradiation.
    fn month_scale(&self, year: i32, month: u32) -> Result<f64, SiteError> {
        let yield_kwh = self
            .monthly_yield
            .get(month.saturating_sub(1) as usize)
            .copied()
            .unwrap_or(0.0);
        if yield_kwh == 0.0 {
            return Ok(0.0);
        }
        let (Some(first), Some(next)) = (
            NaiveDate::from_ymd_opt(year, month, 1),
            next_month(year, month),
        ) else {
            return Err(bad("the month", f64::from(month), "1–12"));
        };
        let minutes = (next - first).num_minutes();
        let start = first.and_time(chrono::NaiveTime::MIN);
        let irradiation_kwh_per_m2: f64 = (0..minutes)
            .map(|m| self.minute_irradiance(start + Duration::minutes(m)))
            .sum::<f64>()
            / 60.0;
        if irradiation_kwh_per_m2 <= 0.0 {
            return Err(SiteError::NoSunlight { year, month });
        }
        Ok(yield_kwh / irradiation_kwh_per_m2)
    }

    /// Mean kW per kWp of each slot.
    fn per_kwp(
        &self,
        start: NaiveDateTime,
        slot_minutes: u32,
        slots: usize,
    ) -> Result<Vec<f64>, SiteError> {
        if start.second() != 0 || start.nanosecond() != 0 {
            return Err(SiteError::Unaligned { at: start });
        }
        let mut scales: Vec<((i32, u32), f64)> = Vec::new();
        let mut out = Vec::with_capacity(slots);
        let mut minute = start;
        for _ in 0..slots {
            let mut sum = 0.0;
            for _ in 0..slot_minutes {
                let key = (minute.year(), minute.month());
                let scale = match scales.iter().find(|(k, _)| *k == key) {
                    Some(&(_, scale)) => scale,
                    None => {
                        let scale = self.month_scale(key.0, key.1)?;
                        scales.push((key, scale));
                        scale
                    }
                };
                if scale > 0.0 {
                    sum += scale * self.minute_irradiance(minute);
                }
                minute += Duration::minutes(1);
            }
            out.push(sum / f64::from(slot_minutes));
        }
        Ok(out)
    }
}

/// Mean kW per kWp of each slot from a measured series, weighting intervals by overlap.
fn measured_per_kwp(
    measured_start: NaiveDateTime,
    interval_minutes: u32,
    values: &[f64],
    start: NaiveDateTime,
    slot_minutes: u32,
    slots: usize,
) -> Result<Vec<f64>, SiteError> {
    let interval = i64::from(interval_minutes) * 60;
    let slot = i64::from(slot_minutes) * 60;
    let covered = interval * values.len() as i64;
    let offset = (start - measured_start).num_seconds();
    let measured_end = measured_start + Duration::seconds(covered);
    let mut out = Vec::with_capacity(slots);
    for index in 0..slots as i64 {
        let from = offset + index * slot;
        let to = from + slot;
        if from < 0 || to > covered {
            return Err(SiteError::OutsideProfile {
                at: start + Duration::seconds(index * slot),
                first: measured_start,
                end: measured_end,
            });
        }
        let mut energy = 0.0;
        let first_interval = from / interval;
        let mut k = first_interval;
        while k * interval < to {
            let overlap = (to.min((k + 1) * interval) - from.max(k * interval)).max(0);
            let value = usize::try_from(k)
                .ok()
                .and_then(|k| values.get(k))
                .copied()
                .unwrap_or(0.0);
            energy += value * overlap as f64;
            k += 1;
        }
        out.push(energy / slot as f64);
    }
    Ok(out)
}

/// Read a measured PV profile from a CSV file: see [`parse_pv_csv`] for the format.
///
/// # Errors
///
/// [`SiteError::Io`] when the file cannot be read; otherwise as [`parse_pv_csv`].
pub fn read_pv_csv(path: impl AsRef<Path>) -> Result<PvProfile, SiteError> {
    let path = path.as_ref();
    let text = std::fs::read_to_string(path).map_err(|error| SiteError::Io {
        path: path.display().to_string(),
        message: error.to_string(),
    })?;
    parse_pv_csv(&text, &path.display().to_string())
}

/// Parse a measured PV profile: a header `start,kw_per_kwp` (mean kW per kWp over each
/// interval) or `start,kwh_per_kwp` (kWh per kWp in each interval, divided by the interval's
/// hours), then one row per interval, `YYYY-MM-DD HH:MM` (or with `T`, and optional `:SS`)
/// and a number ≥ 0 of at most 2 kW per kWp. Starts must be 30 or 60 minutes apart, the same
/// all through, with no gaps (the interval is read from the first two rows). Blank lines are
/// skipped; `origin` names the source in errors.
///
/// ```
/// use voltlex_engine::site::pv::{parse_pv_csv, PvProfile};
/// let profile = parse_pv_csv("start,kwh_per_kwp\n2024-07-01 11:00,0.3\n2024-07-01 11:30,0.35\n", "pv.csv")
///     .unwrap();
/// let PvProfile::Measured { interval_minutes, kw_per_kwp, .. } = profile else { panic!() };
/// assert_eq!((interval_minutes, kw_per_kwp), (30, vec![0.6, 0.7]));
///
/// let error = parse_pv_csv("start,kw_per_kwp\n2024-07-01 11:00,abc\n", "pv.csv").unwrap_err();
/// assert_eq!(error.to_string(),
///     "pv.csv:2:18: expected a number of kW per kWp (0 to 2), found `abc`");
/// ```
///
/// # Errors
///
/// [`SiteError::Csv`] with file, line, column, what was expected and what was found.
pub fn parse_pv_csv(text: &str, origin: &str) -> Result<PvProfile, SiteError> {
    let csv_error = |line: usize, column: usize, expected: &str, found: String| SiteError::Csv {
        file: origin.to_string(),
        line,
        column,
        expected: expected.to_string(),
        found,
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(index, line)| (index + 1, line.trim_end_matches('\r')))
        .filter(|(_, line)| !line.trim().is_empty());
    let Some((header_line, header)) = lines.next() else {
        return Err(csv_error(
            1,
            1,
            "the header `start,kw_per_kwp` or `start,kwh_per_kwp`",
            "an empty file".into(),
        ));
    };
    let columns: Vec<String> = header
        .split(',')
        .map(|c| c.trim().to_ascii_lowercase())
        .collect();
    let in_kwh = match columns.as_slice() {
        [start, value] if start == "start" && value == "kw_per_kwp" => false,
        [start, value] if start == "start" && value == "kwh_per_kwp" => true,
        _ => {
            return Err(csv_error(
                header_line,
                1,
                "the header `start,kw_per_kwp` or `start,kwh_per_kwp`",
                format!("`{}`", header.trim()),
            ))
        }
    };
    let unit = if in_kwh {
        "a number of kWh per kWp (0 to 2 kW per kWp over the interval)"
    } else {
        "a number of kW per kWp (0 to 2)"
    };
    let mut starts: Vec<NaiveDateTime> = Vec::new();
    let mut raw: Vec<f64> = Vec::new();
    // Line, column and text of each value, for the range check once the interval is known.
    let mut places: Vec<(usize, usize, String)> = Vec::new();
    let mut interval_minutes: Option<u32> = None;
    let mut last_line = header_line;
    for (line_number, line) in lines {
        last_line = line_number;
        let fields: Vec<&str> = line.split(',').collect();
        let [start_text, value_text] = fields.as_slice() else {
            return Err(csv_error(
                line_number,
                1,
                "2 fields: start,kw_per_kwp",
                format!("{} fields", fields.len()),
            ));
        };
        let value_column = start_text.chars().count() + 2;
        let start = parse_start(start_text.trim()).ok_or_else(|| {
            csv_error(
                line_number,
                1,
                "a start time like `2024-07-01 00:00`",
                format!("`{}`", start_text.trim()),
            )
        })?;
        let value = value_text.trim().parse::<f64>().ok().ok_or_else(|| {
            csv_error(
                line_number,
                value_column,
                unit,
                format!("`{}`", value_text.trim()),
            )
        })?;
        if let Some(&previous) = starts.last() {
            let gap = (start - previous).num_minutes();
            match interval_minutes {
                None => {
                    if gap != 30 && gap != 60 {
                        return Err(csv_error(
                            line_number,
                            1,
                            "a start 30 or 60 minutes after the previous row's",
                            format!("{gap} minutes after {previous}"),
                        ));
                    }
                    interval_minutes = u32::try_from(gap).ok();
                }
                Some(interval) => {
                    if gap != i64::from(interval) {
                        return Err(csv_error(
                            line_number,
                            1,
                            &format!(
                                "a start {interval} minutes after the previous row's ({previous})"
                            ),
                            format!("{gap} minutes after"),
                        ));
                    }
                }
            }
        }
        starts.push(start);
        raw.push(value);
        places.push((line_number, value_column, value_text.trim().to_string()));
    }
    let (Some(&first), Some(interval)) = (starts.first(), interval_minutes) else {
        return Err(csv_error(
            last_line,
            1,
            "at least two data rows (the interval is read from the first two starts)",
            format!("{} data rows", starts.len()),
        ));
    };
    let hours = f64::from(interval) / 60.0;
    let mut kw_per_kwp = Vec::with_capacity(raw.len());
    for (value, (line_number, column, text)) in raw.into_iter().zip(places) {
        let kw = if in_kwh { value / hours } else { value };
        if !(kw.is_finite() && (0.0..=MAX_KW_PER_KWP).contains(&kw)) {
            return Err(csv_error(line_number, column, unit, format!("`{text}`")));
        }
        kw_per_kwp.push(kw);
    }
    Ok(PvProfile::Measured {
        start: first,
        interval_minutes: interval,
        kw_per_kwp,
    })
}

/// A start time in one of the accepted layouts.
fn parse_start(text: &str) -> Option<NaiveDateTime> {
    [
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M:%S",
    ]
    .iter()
    .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
}

/// First day of the month after (`year`, `month`).
fn next_month(year: i32, month: u32) -> Option<NaiveDate> {
    if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)
    }
}

fn is_leap(year: i32) -> bool {
    NaiveDate::from_ymd_opt(year, 2, 29).is_some()
}

/// A [`SiteError::BadValue`].
fn bad(what: &str, value: f64, expected: &str) -> SiteError {
    SiteError::BadValue {
        what: what.to_string(),
        value,
        expected: expected.to_string(),
    }
}

/// `value` must lie in `[low, high]`.
fn within(what: &str, value: f64, low: f64, high: f64) -> Result<(), SiteError> {
    if value.is_finite() && (low..=high).contains(&value) {
        Ok(())
    } else {
        Err(bad(what, value, &format!("a number from {low} to {high}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, m, d)
            .unwrap()
            .and_hms_opt(h, min, 0)
            .unwrap()
    }

    #[test]
    fn measured_slots_average_their_intervals() {
        let values = vec![0.0, 0.2, 0.4, 0.6];
        // 30-minute slots on hourly data repeat the hour's mean.
        let out = measured_per_kwp(
            at(2024, 7, 1, 10, 0),
            60,
            &values,
            at(2024, 7, 1, 11, 0),
            30,
            4,
        )
        .unwrap();
        assert_eq!(out, vec![0.2, 0.2, 0.4, 0.4]);
        // A 60-minute slot straddling two hours is their mean.
        let out = measured_per_kwp(
            at(2024, 7, 1, 10, 0),
            60,
            &values,
            at(2024, 7, 1, 10, 30),
            60,
            2,
        )
        .unwrap();
        assert!((out[0] - 0.1).abs() < 1e-12 && (out[1] - 0.3).abs() < 1e-12);
        let error = measured_per_kwp(
            at(2024, 7, 1, 10, 0),
            60,
            &values,
            at(2024, 7, 1, 13, 30),
            60,
            1,
        )
        .unwrap_err();
        assert!(matches!(error, SiteError::OutsideProfile { .. }));
    }

    #[test]
    fn solar_noon_in_tokyo_is_near_11_40() {
        let tokyo = SolarGeometry {
            latitude_deg: 35.68,
            longitude_deg: 139.77,
            utc_offset_hours: 9.0,
        };
        // Longitude 139.77 is 5.23° west of the 135° meridian: about 21 minutes late, then the
        // equation of time (about +16 min on 3 November) moves noon to about 11:25.
        let day = NaiveDate::from_ymd_opt(2024, 11, 3).unwrap();
        let best = (0..24 * 60)
            .map(|m| day.and_time(chrono::NaiveTime::MIN) + Duration::minutes(m))
            .max_by(|a, b| {
                tokyo
                    .sun_position(*a)
                    .elevation_deg
                    .total_cmp(&tokyo.sun_position(*b).elevation_deg)
            })
            .unwrap();
        assert!(best >= day.and_hms_opt(11, 20, 0).unwrap());
        assert!(best <= day.and_hms_opt(11, 30, 0).unwrap(), "{best}");
        let azimuth = tokyo.sun_position(best).azimuth_deg;
        assert!((azimuth - 180.0).abs() < 1.0, "{azimuth}");
    }
}
