//! The TCO model: a fleet option's costs year by year over the horizon, and the comparison of
//! an option with a baseline (an ICE fleet as today) — NPV, payback, IRR, ROI, crossover
//! year, CO2.
//!
//! Year 0 is the purchase (undiscounted); years 1..=N are operating years. Costs are positive,
//! income (subsidies, residual value, V2G net revenue) negative, in the currency of the
//! figures given (JPY for the Japanese examples). Figures are `f64` like every study figure;
//! bills stay `Decimal` in the billing engine and arrive here as their yearly totals.
//!
//! Conventions (documented in `docs/tco.md`):
//! - subsidies are received in year 0 (programmes pay within months of registration);
//! - the vehicles are kept for the whole horizon and sold at its end for `residual_share` of
//!   their price (leased vehicles are returned: no purchase, subsidy or residual);
//! - a loan finances `financed_share` of the net purchase (vehicles + infrastructure −
//!   subsidies) as an annuity over its years; interest is a cost like any other;
//! - energy (fuel, or the site's electricity bill change) escalates yearly by its own rate;
//!   maintenance, insurance and taxes are constant in nominal terms;
//! - battery replacements come from the degradation model (years and costs given by the
//!   caller).

use serde::Serialize;

use super::finance::{self, FinanceError};

/// How the vehicles are paid for.
///
/// ```
/// use voltlex_engine::tco::model::Financing;
/// let loan = Financing::Loan { financed_share: 0.8, annual_rate: 0.025, years: 5 };
/// assert!(matches!(loan, Financing::Loan { years: 5, .. }));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub enum Financing {
    /// Paid in full in year 0.
    Cash,
    /// A share of the net purchase financed by an annuity loan.
    Loan {
        /// Share of the net purchase (after subsidies) borrowed, 0..=1.
        financed_share: f64,
        /// Yearly interest rate (0.025 for 2.5 %).
        annual_rate: f64,
        /// Years of repayment (payments in years 1..=years).
        years: u32,
    },
    /// Vehicles leased at a yearly payment per vehicle for the whole horizon (the lessor
    /// receives the subsidy and keeps the vehicle); infrastructure is still bought.
    Lease {
        /// Lease payment per vehicle and year.
        per_vehicle_per_year: f64,
    },
}

/// One part of a fleet option: a group of identical vehicles with what they need.
///
/// A mixed fleet (some EVs, the rest diesel vans) is two parts; infrastructure (chargers, PV,
/// storage) may sit in either or in a part with no vehicles.
///
/// ```
/// use voltlex_engine::tco::model::{FleetPart, Financing};
/// let vans = FleetPart::vehicles("diesel vans", 2, 2_000_000.0);
/// assert_eq!(vans.vehicle_count, 2);
/// assert_eq!(vans.financing, Financing::Cash);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FleetPart {
    /// What it is ("EV vans (Nissan Sakura)", "diesel vans").
    pub label: String,
    /// Number of vehicles.
    pub vehicle_count: u32,
    /// Price of one vehicle before subsidies (before consumption tax for a business).
    pub vehicle_price: f64,
    /// Subsidies for all the vehicles together.
    pub vehicle_subsidy: f64,
    /// Chargers (equipment and works), PV, stationary storage: bought in year 0.
    pub infrastructure_capex: f64,
    /// Subsidies for the infrastructure.
    pub infrastructure_subsidy: f64,
    /// Share of the vehicle price the vehicles are worth at the horizon's end.
    pub residual_share: f64,
    /// Fuel, or the change of the site's electricity bills, in year 1.
    pub energy_per_year: f64,
    /// Yearly escalation of the energy cost (0.02 for 2 %).
    pub energy_escalation: f64,
    /// Maintenance of all the vehicles (and chargers) per year.
    pub maintenance_per_year: f64,
    /// Insurance of all the vehicles per year.
    pub insurance_per_year: f64,
    /// Vehicle taxes per year (automobile tax; weight tax spread over its inspection years).
    pub taxes_per_year: f64,
    /// Battery replacements: (operating year, cost).
    pub battery_replacements: Vec<(u32, f64)>,
    /// Net revenue per year from V2G/V2B markets after the aggregator's share and fees (bill
    /// savings are already in `energy_per_year`).
    pub market_revenue_per_year: f64,
    /// CO2 emitted per year, tonnes (fuel burnt, or the site's extra grid imports).
    pub co2_tonnes_per_year: f64,
    /// How the vehicles are paid for.
    pub financing: Financing,
}

impl FleetPart {
    /// `count` vehicles of `price` each, bought for cash, every other figure zero.
    pub fn vehicles(label: &str, count: u32, price: f64) -> Self {
        FleetPart {
            label: label.to_string(),
            vehicle_count: count,
            vehicle_price: price,
            vehicle_subsidy: 0.0,
            infrastructure_capex: 0.0,
            infrastructure_subsidy: 0.0,
            residual_share: 0.0,
            energy_per_year: 0.0,
            energy_escalation: 0.0,
            maintenance_per_year: 0.0,
            insurance_per_year: 0.0,
            taxes_per_year: 0.0,
            battery_replacements: Vec::new(),
            market_revenue_per_year: 0.0,
            co2_tonnes_per_year: 0.0,
            financing: Financing::Cash,
        }
    }

    /// What the part costs up front after subsidies (purchase of owned vehicles plus
    /// infrastructure, minus subsidies): the "investment" goal seeking minimises.
    ///
    /// ```
    /// use voltlex_engine::tco::model::FleetPart;
    /// let mut evs = FleetPart::vehicles("EVs", 2, 3_000_000.0);
    /// evs.vehicle_subsidy = 1_000_000.0;
    /// evs.infrastructure_capex = 600_000.0;
    /// assert_eq!(evs.net_investment(), 5_600_000.0);
    /// ```
    pub fn net_investment(&self) -> f64 {
        let owned = match self.financing {
            Financing::Lease { .. } => 0.0,
            _ => f64::from(self.vehicle_count) * self.vehicle_price - self.vehicle_subsidy,
        };
        owned + self.infrastructure_capex - self.infrastructure_subsidy
    }
}

/// One year of a fleet option's costs (positive) and income (negative).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct YearCosts {
    /// 0 = purchase, 1..=N operating years.
    pub year: u32,
    /// Vehicle purchases paid this year (the down payment under a loan).
    pub purchase: f64,
    /// Loan repayments (principal and interest) or lease payments.
    pub financing: f64,
    /// Subsidies received (negative).
    pub subsidies: f64,
    /// Chargers, PV, storage bought.
    pub infrastructure: f64,
    /// Fuel or electricity.
    pub energy: f64,
    /// Maintenance.
    pub maintenance: f64,
    /// Insurance.
    pub insurance: f64,
    /// Vehicle taxes.
    pub taxes: f64,
    /// Battery replacements.
    pub battery_replacement: f64,
    /// V2G/V2B market net revenue (negative).
    pub market_revenue: f64,
    /// Residual value of the vehicles sold at the horizon's end (negative).
    pub residual: f64,
    /// Sum of the lines above.
    pub total: f64,
    /// CO2 emitted, tonnes.
    pub co2_tonnes: f64,
}

impl YearCosts {
    fn add(&mut self, other: &YearCosts) {
        self.purchase += other.purchase;
        self.financing += other.financing;
        self.subsidies += other.subsidies;
        self.infrastructure += other.infrastructure;
        self.energy += other.energy;
        self.maintenance += other.maintenance;
        self.insurance += other.insurance;
        self.taxes += other.taxes;
        self.battery_replacement += other.battery_replacement;
        self.market_revenue += other.market_revenue;
        self.residual += other.residual;
        self.total += other.total;
        self.co2_tonnes += other.co2_tonnes;
    }
}

/// Why the costs cannot be computed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TcoError {
    /// A figure outside its range.
    #[error("{name} must be {expected}, found {found}")]
    Parameter {
        /// The figure.
        name: &'static str,
        /// Its range.
        expected: &'static str,
        /// The value given.
        found: f64,
    },
    /// The discounted cash-flow arithmetic refused.
    #[error(transparent)]
    Finance(#[from] FinanceError),
}

fn parameter(name: &'static str, expected: &'static str, found: f64) -> TcoError {
    TcoError::Parameter {
        name,
        expected,
        found,
    }
}

/// The yearly annuity that repays `principal` over `years` at `rate`.
///
/// ```
/// use voltlex_engine::tco::model::annuity;
/// // 1,000,000 over 5 years at 0 %: 200,000 a year.
/// assert_eq!(annuity(1_000_000.0, 0.0, 5), 200_000.0);
/// // At 5 %: 230,974.80 (the textbook factor 0.2309748).
/// assert!((annuity(1_000_000.0, 0.05, 5) - 230_974.80).abs() < 0.01);
/// ```
pub fn annuity(principal: f64, rate: f64, years: u32) -> f64 {
    if years == 0 {
        return principal;
    }
    if rate == 0.0 {
        return principal / f64::from(years);
    }
    principal * rate / (1.0 - (1.0 + rate).powi(-(years as i32)))
}

/// The option's costs for years 0..=`horizon_years`, all parts summed.
///
/// ```
/// use voltlex_engine::tco::model::{yearly_costs, FleetPart};
/// let mut van = FleetPart::vehicles("diesel van", 1, 2_000_000.0);
/// van.energy_per_year = 300_000.0;
/// van.residual_share = 0.25;
/// let years = yearly_costs(&[van], 2)?;
/// assert_eq!(years.len(), 3);
/// assert_eq!(years[0].total, 2_000_000.0);
/// assert_eq!(years[1].total, 300_000.0);
/// assert_eq!(years[2].total, 300_000.0 - 500_000.0); // fuel, then sold for a quarter
/// # Ok::<(), voltlex_engine::tco::model::TcoError>(())
/// ```
///
/// # Errors
///
/// A share outside 0..=1, a negative count or price, a rate at or below −100 %.
pub fn yearly_costs(parts: &[FleetPart], horizon_years: u32) -> Result<Vec<YearCosts>, TcoError> {
    let mut years: Vec<YearCosts> = (0..=horizon_years)
        .map(|year| YearCosts {
            year,
            ..YearCosts::default()
        })
        .collect();
    for part in parts {
        for (year, costs) in part_costs(part, horizon_years)?.iter().enumerate() {
            if let Some(sum) = years.get_mut(year) {
                sum.add(costs);
            }
        }
    }
    Ok(years)
}

fn part_costs(part: &FleetPart, horizon_years: u32) -> Result<Vec<YearCosts>, TcoError> {
    if !(0.0..=1.0).contains(&part.residual_share) {
        return Err(parameter(
            "residual_share",
            "between 0 and 1",
            part.residual_share,
        ));
    }
    if part.vehicle_price.is_nan() || part.vehicle_price < 0.0 {
        return Err(parameter(
            "vehicle_price",
            "zero or more",
            part.vehicle_price,
        ));
    }
    if part.energy_escalation.is_nan() || part.energy_escalation <= -1.0 {
        return Err(parameter(
            "energy_escalation",
            "above -100 %",
            part.energy_escalation,
        ));
    }
    let count = f64::from(part.vehicle_count);
    let fleet_price = count * part.vehicle_price;
    let owned = !matches!(part.financing, Financing::Lease { .. });
    let vehicle_subsidy = if owned { part.vehicle_subsidy } else { 0.0 };
    let net_purchase = if owned { fleet_price } else { 0.0 } + part.infrastructure_capex
        - vehicle_subsidy
        - part.infrastructure_subsidy;

    let mut years = Vec::new();
    for year in 0..=horizon_years {
        let mut costs = YearCosts {
            year,
            ..YearCosts::default()
        };
        if year == 0 {
            costs.subsidies = -(vehicle_subsidy + part.infrastructure_subsidy);
            match part.financing {
                Financing::Cash => {
                    costs.purchase = fleet_price;
                    costs.infrastructure = part.infrastructure_capex;
                }
                Financing::Loan {
                    financed_share,
                    annual_rate,
                    ..
                } => {
                    if !(0.0..=1.0).contains(&financed_share) {
                        return Err(parameter(
                            "financed_share",
                            "between 0 and 1",
                            financed_share,
                        ));
                    }
                    if annual_rate.is_nan() || annual_rate <= -1.0 {
                        return Err(parameter("annual_rate", "above -100 %", annual_rate));
                    }
                    // The lender pays the financed share of the net purchase: what leaves
                    // the owner's account in year 0 is the rest.
                    costs.purchase = fleet_price;
                    costs.infrastructure = part.infrastructure_capex;
                    costs.financing = -financed_share * net_purchase.max(0.0);
                }
                Financing::Lease { .. } => {
                    costs.infrastructure = part.infrastructure_capex;
                }
            }
        } else {
            let age = year - 1;
            costs.energy = part.energy_per_year * (1.0 + part.energy_escalation).powi(age as i32);
            costs.maintenance = part.maintenance_per_year;
            costs.insurance = part.insurance_per_year;
            costs.taxes = part.taxes_per_year;
            costs.market_revenue = -part.market_revenue_per_year;
            costs.co2_tonnes = part.co2_tonnes_per_year;
            costs.battery_replacement = part
                .battery_replacements
                .iter()
                .filter(|(when, _)| *when == year)
                .map(|(_, cost)| cost)
                .sum();
            match part.financing {
                Financing::Loan {
                    financed_share,
                    annual_rate,
                    years: loan_years,
                } if year <= loan_years => {
                    costs.financing = annuity(
                        financed_share * net_purchase.max(0.0),
                        annual_rate,
                        loan_years,
                    );
                }
                Financing::Lease {
                    per_vehicle_per_year,
                } => costs.financing = count * per_vehicle_per_year,
                _ => {}
            }
            if year == horizon_years && owned {
                costs.residual = -part.residual_share * fleet_price;
            }
        }
        costs.total = costs.purchase
            + costs.financing
            + costs.subsidies
            + costs.infrastructure
            + costs.energy
            + costs.maintenance
            + costs.insurance
            + costs.taxes
            + costs.battery_replacement
            + costs.market_revenue
            + costs.residual;
        years.push(costs);
    }
    Ok(years)
}

/// An option measured against the baseline.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    /// Present value of the baseline's costs.
    pub baseline_cost_npv: f64,
    /// Present value of the option's costs.
    pub option_cost_npv: f64,
    /// Savings per year: baseline cost − option cost (year 0 is usually negative: the extra
    /// investment).
    pub savings: Vec<f64>,
    /// NPV of the savings (= baseline − option present values).
    pub savings_npv: f64,
    /// Years until the cumulative savings turn non-negative for good.
    pub simple_payback_years: Option<f64>,
    /// The same with discounted savings.
    pub discounted_payback_years: Option<f64>,
    /// Internal rate of return of the savings, when they change sign once.
    pub irr: Option<f64>,
    /// Undiscounted return on the extra investment.
    pub roi: Option<f64>,
    /// First operating year from which the option's cumulative cost stays at or below the
    /// baseline's.
    pub crossover_year: Option<u32>,
    /// CO2 avoided over the horizon, tonnes.
    pub co2_saved_tonnes: f64,
}

/// Compare an option's yearly costs with the baseline's at `discount_rate`.
///
/// ```
/// use voltlex_engine::tco::model::{compare, yearly_costs, FleetPart};
/// let mut diesel = FleetPart::vehicles("diesel", 1, 2_000_000.0);
/// diesel.energy_per_year = 400_000.0;
/// let mut ev = FleetPart::vehicles("EV", 1, 2_600_000.0);
/// ev.energy_per_year = 100_000.0;
/// let baseline = yearly_costs(&[diesel], 5)?;
/// let option = yearly_costs(&[ev], 5)?;
/// let comparison = compare(&baseline, &option, 0.0)?;
/// assert_eq!(comparison.simple_payback_years, Some(2.0)); // 600,000 extra, 300,000 a year
/// assert_eq!(comparison.crossover_year, Some(2));
/// assert_eq!(comparison.savings_npv, 900_000.0);
/// # Ok::<(), voltlex_engine::tco::model::TcoError>(())
/// ```
///
/// # Errors
///
/// A discount rate at or below −100 %.
pub fn compare(
    baseline: &[YearCosts],
    option: &[YearCosts],
    discount_rate: f64,
) -> Result<Comparison, TcoError> {
    let totals = |years: &[YearCosts]| years.iter().map(|y| y.total).collect::<Vec<_>>();
    let baseline_totals = totals(baseline);
    let option_totals = totals(option);
    let savings: Vec<f64> = baseline_totals
        .iter()
        .zip(&option_totals)
        .map(|(base, this)| base - this)
        .collect();
    let baseline_cost_npv = finance::npv(discount_rate, &baseline_totals)?;
    let option_cost_npv = finance::npv(discount_rate, &option_totals)?;
    let savings_npv = finance::npv(discount_rate, &savings)?;
    let crossover_year = {
        let mut cumulative = 0.0;
        let mut from: Option<u32> = None;
        for (year, saving) in savings.iter().enumerate() {
            cumulative += saving;
            if cumulative < 0.0 {
                from = None;
            } else if from.is_none() {
                from = Some(year as u32);
            }
        }
        from
    };
    let co2 = |years: &[YearCosts]| years.iter().map(|y| y.co2_tonnes).sum::<f64>();
    Ok(Comparison {
        baseline_cost_npv,
        option_cost_npv,
        simple_payback_years: finance::simple_payback(&savings),
        discounted_payback_years: finance::discounted_payback(discount_rate, &savings)?,
        irr: finance::irr(&savings).ok(),
        roi: finance::roi(&savings),
        crossover_year,
        co2_saved_tonnes: co2(baseline) - co2(option),
        savings,
        savings_npv,
    })
}
