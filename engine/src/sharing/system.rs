//! The V2G operation in one scenario, before any deal, and the fleet it is about.

use super::SharingError;

/// The fleet a deal is about: what converts capacity loss into money.
///
/// ```
/// use voltlex_engine::sharing::FleetFacts;
/// let fleet = FleetFacts { vehicles: 40.0, battery_kwh: 40.0, replacement_cost_per_kwh: 20_000.0,
///     end_of_life_loss: 0.2 };
/// // 1 % of a 40 kWh pack is 5 % of its life (20 % loss): 5 % × 800,000 JPY.
/// assert!((fleet.loss_cost_per_vehicle(0.01) - 40_000.0).abs() < 1e-6);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FleetFacts {
    /// Enrolled vehicles.
    pub vehicles: f64,
    /// Mean nominal pack capacity, kWh.
    pub battery_kwh: f64,
    /// Pack replacement cost per kWh of capacity.
    pub replacement_cost_per_kwh: f64,
    /// Capacity loss at which the pack is replaced (0.2 for 80 % end of life).
    pub end_of_life_loss: f64,
}

impl FleetFacts {
    /// What a capacity loss (fraction of nominal capacity) costs one vehicle: the share of the
    /// pack's life it consumes, priced at its replacement (as `battery::DegradationCost`).
    pub fn loss_cost_per_vehicle(&self, loss: f64) -> f64 {
        loss / self.end_of_life_loss * self.replacement_cost_per_kwh * self.battery_kwh
    }

    /// The facts, if every figure is a positive finite number.
    ///
    /// # Errors
    ///
    /// [`SharingError::Fleet`] naming the first figure that is not.
    pub fn validated(self) -> Result<FleetFacts, SharingError> {
        for (name, value) in [
            ("vehicles", self.vehicles),
            ("battery_kwh", self.battery_kwh),
            ("replacement_cost_per_kwh", self.replacement_cost_per_kwh),
            ("end_of_life_loss", self.end_of_life_loss),
        ] {
            if !(value.is_finite() && value > 0.0) {
                return Err(SharingError::Fleet { name, value });
            }
        }
        Ok(self)
    }
}

/// One month of the operation in one scenario.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct SystemMonth {
    /// What V2G earns before wear: site value + market revenue − charging energy (+ what the
    /// Monte Carlo does not reprice: demand saving, power-factor support, balancing).
    pub margin: f64,
    /// Battery-side kWh the fleet discharged.
    pub discharged_kwh: f64,
}

/// A contract year's capacity loss per vehicle (fraction of nominal capacity).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct YearWear {
    /// With the V2G operation.
    pub loss_with_v2g: f64,
    /// Without it (driving and calendar ageing only).
    pub loss_without_v2g: f64,
}

/// The operation in one scenario: months in order (contract year `y` is months
/// `12y..12y+12`, the last year may be shorter) and the wear of each contract year.
///
/// ```
/// use voltlex_engine::sharing::{FleetFacts, SystemMonth, SystemScenario, YearWear};
/// let scenario = SystemScenario {
///     months: vec![SystemMonth { margin: 100.0, discharged_kwh: 10.0 },
///                  SystemMonth { margin: 50.0, discharged_kwh: 30.0 }],
///     years: vec![YearWear { loss_with_v2g: 0.03, loss_without_v2g: 0.02 }],
/// };
/// let fleet = FleetFacts { vehicles: 1.0, battery_kwh: 1.0, replacement_cost_per_kwh: 800.0,
///     end_of_life_loss: 0.2 };
/// // 1 % extra loss = 40 JPY, spread over the months by discharged kWh: 10 and 30.
/// let flows = scenario.system_flows(&fleet)?;
/// assert!((flows[0] - 90.0).abs() < 1e-9 && (flows[1] - 20.0).abs() < 1e-9);
/// # Ok::<(), voltlex_engine::sharing::SharingError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SystemScenario {
    /// Months in order.
    pub months: Vec<SystemMonth>,
    /// Contract years in order: `ceil(months / 12)` of them.
    pub years: Vec<YearWear>,
}

impl SystemScenario {
    /// The months of contract year `year`.
    pub fn year_months(&self, year: usize) -> std::ops::Range<usize> {
        let start = (year * 12).min(self.months.len());
        start..(start + 12).min(self.months.len())
    }

    /// Checks that the years match the months.
    ///
    /// # Errors
    ///
    /// [`SharingError::Years`].
    pub fn check(&self, scenario: usize) -> Result<(), SharingError> {
        let expected = self.months.len().div_ceil(12);
        if self.years.len() != expected {
            return Err(SharingError::Years {
                scenario,
                months: self.months.len(),
                expected,
                found: self.years.len(),
            });
        }
        Ok(())
    }

    /// The extra wear V2G causes in contract year `year`, for the whole fleet.
    pub fn wear_cost_of_year(&self, year: usize, fleet: &FleetFacts) -> f64 {
        self.years.get(year).map_or(0.0, |wear| {
            fleet.loss_cost_per_vehicle(wear.loss_with_v2g - wear.loss_without_v2g) * fleet.vehicles
        })
    }

    /// The wear cost of each month: its year's cost spread by discharged kWh (evenly over the
    /// year's months when nothing was discharged).
    pub fn monthly_wear(&self, fleet: &FleetFacts) -> Vec<f64> {
        let mut wear = vec![0.0; self.months.len()];
        for year in 0..self.years.len() {
            let range = self.year_months(year);
            let cost = self.wear_cost_of_year(year, fleet);
            let months = self.months.get(range.clone()).unwrap_or(&[]);
            let kwh: f64 = months.iter().map(|m| m.discharged_kwh).sum();
            let count = months.len().max(1) as f64;
            for (month, slot) in months.iter().zip(wear.iter_mut().skip(range.start)) {
                *slot = if kwh > 0.0 {
                    cost * month.discharged_kwh / kwh
                } else {
                    cost / count
                };
            }
        }
        wear
    }

    /// The system's flow per month: margin − wear. Without a deal the owner receives it all.
    ///
    /// # Errors
    ///
    /// [`SharingError::Years`] when the years do not match the months.
    pub fn system_flows(&self, fleet: &FleetFacts) -> Result<Vec<f64>, SharingError> {
        self.check(0)?;
        Ok(self
            .months
            .iter()
            .zip(self.monthly_wear(fleet))
            .map(|(month, wear)| month.margin - wear)
            .collect())
    }
}
