//! What taking part costs a vehicle each month, and how it falls as the portfolio grows.
//!
//! A vehicle's own costs depend on how it is controlled: an OCPP charger the aggregator already
//! talks to (a software licence per charger) or a proprietary device (its rent), plus
//! telematics, communications and the aggregator's fee per vehicle. The platform — market
//! registration, the balancing-group desk, metering and IT — is a fixed monthly cost shared
//! by every vehicle of the portfolio: that part falls as 1/N.

use serde::{Deserialize, Serialize};

use super::portfolio::Connection;

/// Monthly costs of taking part (the portfolio file's `costs`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParticipationCosts {
    /// Per vehicle on an OCPP charger (licence, charger-side integration).
    pub ocpp_per_month: f64,
    /// Per vehicle with a proprietary device (rent).
    pub proprietary_per_month: f64,
    /// Telematics per vehicle (state of charge, position).
    pub telematics_per_month: f64,
    /// Communications per vehicle (SIM, data).
    pub communications_per_month: f64,
    /// The aggregator's fee per vehicle.
    pub fees_per_month: f64,
    /// The platform, shared by the whole portfolio.
    pub platform_per_month: f64,
}

impl Default for ParticipationCosts {
    /// Illustrative figures (JPY), to be replaced by the operator's own: see `docs/vpp.md`.
    fn default() -> Self {
        ParticipationCosts {
            ocpp_per_month: 300.0,
            proprietary_per_month: 1_200.0,
            telematics_per_month: 500.0,
            communications_per_month: 200.0,
            fees_per_month: 300.0,
            platform_per_month: 3_000_000.0,
        }
    }
}

impl ParticipationCosts {
    /// What one vehicle costs a month in a portfolio of `vehicles`.
    ///
    /// ```
    /// use voltlex_engine::vpp::cost::ParticipationCosts;
    /// use voltlex_engine::vpp::Connection;
    /// let costs = ParticipationCosts::default();
    /// let small = costs.per_vehicle(Connection::Ocpp, 1_000);
    /// let large = costs.per_vehicle(Connection::Ocpp, 10_000);
    /// assert_eq!(small - large, 3_000_000.0 / 1_000.0 - 3_000_000.0 / 10_000.0);
    /// assert!(costs.per_vehicle(Connection::Proprietary, 1_000) > small);
    /// ```
    pub fn per_vehicle(&self, connection: Connection, vehicles: usize) -> f64 {
        let device = match connection {
            Connection::Ocpp => self.ocpp_per_month,
            Connection::Proprietary => self.proprietary_per_month,
        };
        device
            + self.telematics_per_month
            + self.communications_per_month
            + self.fees_per_month
            + self.platform_per_month / vehicles.max(1) as f64
    }
}

/// One point of the cost curve.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct CostPoint {
    /// Vehicles in the portfolio.
    pub vehicles: usize,
    /// Monthly cost of an OCPP-controlled vehicle.
    pub ocpp: f64,
    /// Monthly cost of a vehicle with a proprietary device.
    pub proprietary: f64,
    /// Monthly revenue per vehicle to the fleet (the plan's, scaled to a month).
    pub revenue: f64,
}

/// The cost per vehicle at each portfolio size, beside a revenue per vehicle per month.
///
/// ```
/// use voltlex_engine::vpp::cost::{cost_curve, ParticipationCosts};
/// let curve = cost_curve(&ParticipationCosts::default(), &[100, 1_000, 10_000], 2_000.0);
/// assert!(curve.windows(2).all(|w| w[1].ocpp < w[0].ocpp));
/// ```
pub fn cost_curve(
    costs: &ParticipationCosts,
    sizes: &[usize],
    revenue_per_vehicle_month: f64,
) -> Vec<CostPoint> {
    sizes
        .iter()
        .map(|&vehicles| CostPoint {
            vehicles,
            ocpp: costs.per_vehicle(Connection::Ocpp, vehicles),
            proprietary: costs.per_vehicle(Connection::Proprietary, vehicles),
            revenue: revenue_per_vehicle_month,
        })
        .collect()
}
