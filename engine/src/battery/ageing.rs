//! Degradation of one usage: a state-of-charge trajectory at a temperature, from a given age.

use thiserror::Error;

use super::chemistry::{Chemistry, ChemistryProblem};
use super::rainflow::{self, Cycle, SocError};

/// How a battery is used over a span of equal slots.
///
/// ```
/// use voltlex_engine::battery::Usage;
/// // Two hours of 30-minute slots: 90 % → 50 % → 90 %.
/// let usage = Usage {
///     state_of_charge: &[0.9, 0.8, 0.7, 0.6, 0.5, 0.6, 0.7, 0.8, 0.9],
///     slot_hours: 0.25,
///     temperature_c: 25.0,
///     capacity_kwh: 60.0,
///     age_days: 365.0,
/// };
/// assert_eq!(usage.duration_days(), 2.0 / 24.0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Usage<'a> {
    /// State of charge (fraction of capacity, 0..=1) at every slot boundary: n slots have
    /// n + 1 values.
    pub state_of_charge: &'a [f64],
    /// Length of one slot, hours.
    pub slot_hours: f64,
    /// Cell temperature over the span, °C.
    pub temperature_c: f64,
    /// Usable capacity, kWh (for throughput and cost; losses are fractions of it).
    pub capacity_kwh: f64,
    /// The battery's age at the start of the span, days (calendar ageing is not additive).
    pub age_days: f64,
}

impl Usage<'_> {
    /// Length of the span, days.
    ///
    /// ```
    /// use voltlex_engine::battery::Usage;
    /// let usage = Usage { state_of_charge: &[0.5; 49], slot_hours: 0.5, temperature_c: 25.0,
    ///     capacity_kwh: 60.0, age_days: 0.0 };
    /// assert_eq!(usage.duration_days(), 1.0);
    /// ```
    pub fn duration_days(&self) -> f64 {
        self.state_of_charge.len().saturating_sub(1) as f64 * self.slot_hours / 24.0
    }
}

/// A usage that cannot be assessed.
///
/// ```
/// use voltlex_engine::battery::{degradation, Chemistry, Usage, UsageError};
/// let usage = Usage { state_of_charge: &[0.5, 0.6], slot_hours: 0.0, temperature_c: 25.0,
///     capacity_kwh: 60.0, age_days: 0.0 };
/// assert!(matches!(
///     degradation(&Chemistry::lfp(), &usage),
///     Err(UsageError::Parameter { name: "slot_hours", .. })
/// ));
/// ```
#[derive(Debug, Clone, PartialEq, Error)]
pub enum UsageError {
    /// A state of charge outside 0..=1.
    #[error(transparent)]
    StateOfCharge(#[from] SocError),
    /// A scalar parameter out of range.
    #[error("{name}: expected {expected}, found {found}")]
    Parameter {
        /// The parameter.
        name: &'static str,
        /// What was expected.
        expected: &'static str,
        /// The value found.
        found: f64,
    },
    /// The chemistry's parameters are invalid.
    #[error("chemistry `{chemistry}`: {problem}")]
    Chemistry {
        /// The chemistry's name.
        chemistry: String,
        /// What is wrong.
        problem: ChemistryProblem,
    },
}

/// What a usage costs the battery.
///
/// ```
/// use voltlex_engine::battery::{degradation, Chemistry, Usage};
/// let usage = Usage { state_of_charge: &[0.9, 0.5, 0.1, 0.5, 0.9], slot_hours: 0.8,
///     temperature_c: 25.0, capacity_kwh: 60.0, age_days: 100.0 };
/// let report = degradation(&Chemistry::lfp(), &usage)?;
/// assert!((report.equivalent_full_cycles - 0.8).abs() < 1e-12);
/// assert!((report.throughput_kwh - 48.0).abs() < 1e-9);
/// assert_eq!(report.total_loss, report.calendar_loss + report.cycle_loss);
/// # Ok::<(), voltlex_engine::battery::UsageError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct DegradationReport {
    /// Calendar capacity loss over the span (fraction of capacity).
    pub calendar_loss: f64,
    /// Cycle capacity loss over the span (fraction of capacity).
    pub cycle_loss: f64,
    /// `calendar_loss + cycle_loss`.
    pub total_loss: f64,
    /// Σ|ΔSoC| / 2: charge plus discharge throughput in full-capacity cycles.
    pub equivalent_full_cycles: f64,
    /// Energy discharged, battery side, kWh (Σ of SoC decreases × capacity).
    pub throughput_kwh: f64,
    /// The capacity the report was computed for, kWh.
    pub capacity_kwh: f64,
    /// The rainflow cycles of the trajectory, each with its ageing.
    pub cycles: Vec<CycleAgeing>,
}

/// One rainflow cycle and the loss it causes.
///
/// ```
/// use voltlex_engine::battery::{degradation, Chemistry, Usage};
/// let usage = Usage { state_of_charge: &[1.0, 0.5, 0.0], slot_hours: 1.0,
///     temperature_c: 25.0, capacity_kwh: 60.0, age_days: 0.0 };
/// let report = degradation(&Chemistry::lfp(), &usage)?;
/// let half = &report.cycles[0];
/// assert_eq!((half.cycle.range, half.cycle.count, half.c_rate), (1.0, 0.5, 0.5));
/// # Ok::<(), voltlex_engine::battery::UsageError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CycleAgeing {
    /// The counted cycle (range = depth of discharge).
    pub cycle: Cycle,
    /// C-rate (1/h): mean |ΔSoC| per hour over the slots between the cycle's two reversals
    /// in which the state of charge moves.
    pub c_rate: f64,
    /// Capacity loss the cycle causes (fraction).
    pub loss: f64,
}

/// Calendar plus cycle ageing of `usage` for `chemistry`.
///
/// - Calendar: loss(age + Δ) − loss(age) at the time-averaged rate factor f(T, SoC) (the
///   factor averaged over slots by the trapezoid rule, as BLAST-Lite averages k_cal).
/// - Cycles: rainflow count of the trajectory (ASTM E1049-85); each cycle costs
///   count × end_of_life_loss / N(depth) × temperature factor × C-rate factor
///   (linear damage accumulation, Palmgren–Miner).
///
/// ```
/// use voltlex_engine::battery::{degradation, Chemistry, Usage};
/// let idle = Usage { state_of_charge: &[0.5; 49], slot_hours: 0.5, temperature_c: 25.0,
///     capacity_kwh: 60.0, age_days: 0.0 };
/// let report = degradation(&Chemistry::lfp(), &idle)?;
/// assert_eq!(report.cycle_loss, 0.0);
/// assert!(report.calendar_loss > 0.0);
/// # Ok::<(), voltlex_engine::battery::UsageError>(())
/// ```
pub fn degradation(
    chemistry: &Chemistry,
    usage: &Usage<'_>,
) -> Result<DegradationReport, UsageError> {
    validate(chemistry, usage)?;
    let soc = usage.state_of_charge;

    let steps: Vec<f64> = soc
        .windows(2)
        .filter_map(|pair| match pair {
            [before, after] => Some(after - before),
            _ => None,
        })
        .collect();
    let equivalent_full_cycles = steps.iter().map(|step| step.abs()).sum::<f64>() / 2.0;
    let throughput_kwh = steps
        .iter()
        .filter(|step| **step < 0.0)
        .map(|step| -step)
        .sum::<f64>()
        * usage.capacity_kwh;

    let calendar = &chemistry.calendar;
    let factors: Vec<f64> = soc
        .iter()
        .map(|&value| calendar.rate_factor(usage.temperature_c, value))
        .collect();
    let mean_factor = match factors.as_slice() {
        [] => 0.0,
        [only] => *only,
        [first, .., last] => {
            let inner: f64 = factors.iter().sum::<f64>() - (first + last) / 2.0;
            inner / steps.len() as f64
        }
    };
    let calendar_loss = calendar.loss_between(
        usage.age_days,
        usage.age_days + usage.duration_days(),
        mean_factor,
    );

    // Prefix sums over slots: |ΔSoC| and the number of slots in which SoC moves.
    let mut moved = Vec::with_capacity(soc.len());
    let mut moving_slots = Vec::with_capacity(soc.len());
    let (mut total_moved, mut total_moving) = (0.0, 0usize);
    moved.push(0.0);
    moving_slots.push(0);
    for step in &steps {
        total_moved += step.abs();
        total_moving += usize::from(*step != 0.0);
        moved.push(total_moved);
        moving_slots.push(total_moving);
    }

    let temperature_factor = chemistry
        .cycle_stress
        .temperature_factor(usage.temperature_c);
    let problem = |problem| UsageError::Chemistry {
        chemistry: chemistry.name.clone(),
        problem,
    };
    let mut cycles = Vec::new();
    for cycle in rainflow::count(soc) {
        let between = |prefix: &[f64]| -> f64 {
            prefix.get(cycle.end).copied().unwrap_or(0.0)
                - prefix.get(cycle.start).copied().unwrap_or(0.0)
        };
        let slots = moving_slots.get(cycle.end).copied().unwrap_or(0)
            - moving_slots.get(cycle.start).copied().unwrap_or(0);
        let c_rate = if slots == 0 {
            0.0
        } else {
            between(&moved) / (slots as f64 * usage.slot_hours)
        };
        let loss = if cycle.range > 0.0 {
            let life = chemistry.cycle_life(cycle.range).map_err(problem)?;
            cycle.count * chemistry.end_of_life_loss / life
                * temperature_factor
                * chemistry.cycle_stress.c_rate_factor(cycle.range, c_rate)
        } else {
            0.0
        };
        cycles.push(CycleAgeing {
            cycle,
            c_rate,
            loss,
        });
    }
    let cycle_loss = cycles.iter().map(|cycle| cycle.loss).sum::<f64>();
    Ok(DegradationReport {
        calendar_loss,
        cycle_loss,
        total_loss: calendar_loss + cycle_loss,
        equivalent_full_cycles,
        throughput_kwh,
        capacity_kwh: usage.capacity_kwh,
        cycles,
    })
}

fn validate(chemistry: &Chemistry, usage: &Usage<'_>) -> Result<(), UsageError> {
    chemistry
        .validate()
        .map_err(|problem| UsageError::Chemistry {
            chemistry: chemistry.name.clone(),
            problem,
        })?;
    rainflow::validate_state_of_charge(usage.state_of_charge)?;
    let checks = [
        (
            "slot_hours",
            usage.slot_hours,
            "a positive number of hours",
            usage.slot_hours > 0.0 && usage.slot_hours.is_finite(),
        ),
        (
            "capacity_kwh",
            usage.capacity_kwh,
            "a positive capacity",
            usage.capacity_kwh > 0.0 && usage.capacity_kwh.is_finite(),
        ),
        (
            "age_days",
            usage.age_days,
            "an age ≥ 0 days",
            usage.age_days >= 0.0 && usage.age_days.is_finite(),
        ),
        (
            "temperature_c",
            usage.temperature_c,
            "a temperature between −60 and 100 °C",
            (-60.0..=100.0).contains(&usage.temperature_c),
        ),
    ];
    match checks.into_iter().find(|check| !check.3) {
        Some((name, found, expected, _)) => Err(UsageError::Parameter {
            name,
            expected,
            found,
        }),
        None => Ok(()),
    }
}
