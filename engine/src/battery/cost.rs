//! The price of wear: capacity lost × replacement cost, with the pack replaced at end of life.
//!
//! Amounts are `f64` solver prices (like the scheduler's slot prices), in the currency of the
//! replacement cost; bills stay in `Decimal`.

use super::ageing::DegradationReport;
use super::chemistry::{Chemistry, ChemistryProblem};

/// Wear cost of each kWh discharged in cycles of `depth_of_discharge`, at 25 °C and the
/// reference C-rate: replacement cost per kWh / (N(depth) × depth).
///
/// Over its life the pack discharges N(depth) × depth × capacity kWh and is then replaced at
/// `replacement_cost_per_kwh` × capacity. (This ignores the shrinking capacity: each cycle
/// is priced at the nominal depth.)
///
/// ```
/// use voltlex_engine::battery::{cost_per_discharged_kwh, Chemistry};
/// // LFP at 80 % depth, 20,000 JPY/kWh replacement: 20,000 / (4,750 × 0.8) ≈ 5.26 JPY/kWh.
/// let price = cost_per_discharged_kwh(&Chemistry::lfp(), 0.8, 20_000.0)?;
/// assert!((price - 5.263).abs() < 1e-3);
/// # Ok::<(), voltlex_engine::battery::ChemistryProblem>(())
/// ```
pub fn cost_per_discharged_kwh(
    chemistry: &Chemistry,
    depth_of_discharge: f64,
    replacement_cost_per_kwh: f64,
) -> Result<f64, ChemistryProblem> {
    let life = chemistry.cycle_life(depth_of_discharge)?;
    Ok(replacement_cost_per_kwh / (life * depth_of_discharge))
}

/// What a usage's wear costs, split so that schedules can be compared (for example with and
/// without V2G: calendar cost is nearly the same, cycle cost is what discharging adds).
///
/// ```
/// use voltlex_engine::battery::{degradation, Chemistry, DegradationCost, Usage};
/// let lfp = Chemistry::lfp();
/// let usage = Usage { state_of_charge: &[0.9, 0.5, 0.1, 0.5, 0.9], slot_hours: 0.8,
///     temperature_c: 25.0, capacity_kwh: 60.0, age_days: 365.0 };
/// let cost = DegradationCost::of(&lfp, &degradation(&lfp, &usage)?, 20_000.0);
/// assert!((cost.total - (cost.calendar + cost.cycle)).abs() < 1e-9);
/// # Ok::<(), voltlex_engine::battery::UsageError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DegradationCost {
    /// Cost of calendar ageing.
    pub calendar: f64,
    /// Cost of cycle ageing.
    pub cycle: f64,
    /// `calendar + cycle`.
    pub total: f64,
}

impl DegradationCost {
    /// (loss / end_of_life_loss) × replacement cost per kWh × capacity, per part: the share of
    /// the pack's life the usage consumes, priced at its replacement.
    ///
    /// ```
    /// use voltlex_engine::battery::{Chemistry, DegradationCost, DegradationReport};
    /// let report = DegradationReport { calendar_loss: 0.001, cycle_loss: 0.002,
    ///     total_loss: 0.003, equivalent_full_cycles: 0.0, throughput_kwh: 0.0,
    ///     capacity_kwh: 50.0, cycles: vec![] };
    /// let cost = DegradationCost::of(&Chemistry::lfp(), &report, 20_000.0);
    /// assert!((cost.cycle - 0.002 / 0.2 * 20_000.0 * 50.0).abs() < 1e-9);
    /// ```
    pub fn of(
        chemistry: &Chemistry,
        report: &DegradationReport,
        replacement_cost_per_kwh: f64,
    ) -> Self {
        let price = |loss: f64| {
            loss / chemistry.end_of_life_loss * replacement_cost_per_kwh * report.capacity_kwh
        };
        let (calendar, cycle) = (price(report.calendar_loss), price(report.cycle_loss));
        Self {
            calendar,
            cycle,
            total: calendar + cycle,
        }
    }
}
