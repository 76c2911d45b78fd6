//! The revenue waterfall: what V2G earns the fleet, line by line, from gross value to net.
//!
//! Every figure compares two dispatches of the same days: **V2G** (charge and discharge,
//! [`super::dispatch`]) against the **baseline** (the same optimiser, charging only). Per
//! vehicle and month:
//!
//! ```text
//!   site value          discharged kWh × the site's marginal value in that slot (avoided import)
//! + market revenue      spot sales (exported kWh × sell price) + balancing (ΔkW) revenue
//! + demand saving       the bill's demand charge, incl. the 11 further months of the ratchet
//! + power factor        the basic charge saved by the inverters' reactive support
//! = gross value
//! − charging energy     extra energy bought to refill what was discharged (V2G − baseline)
//! − degradation         wear of the V2G trajectory − wear of the baseline's (rainflow)
//! − aggregator share    the contract's share of the *market* revenue
//! − aggregator fees     per vehicle-month, per market kWh, per month (shared over vehicles)
//! − penalties           expected non-delivery penalties on balancing offers
//! = net to the fleet
//! ```
//!
//! Decision: the aggregator shares market revenue only (what it sells for the fleet), not the
//! site value or the demand saving, which stay behind the fleet's own meter.

use serde::{Deserialize, Serialize};
use voltlex_dsl::rules::{AggregatorContract, FeeBasis, Market};

/// An aggregator contract's terms as the engine uses them (amounts as `f64` prices, like the
/// rest of the dispatch; bills stay in `Decimal`).
///
/// ```
/// use voltlex_engine::v2g::waterfall::ContractTerms;
/// let own = ContractTerms::own_use();
/// assert_eq!(own.aggregator_share, 0.0);
/// assert!(own.markets.is_empty());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContractTerms {
    /// The contract's name (empty for own use).
    pub name: String,
    /// Markets entered.
    pub markets: Vec<Market>,
    /// Smallest balancing offer, kW.
    pub minimum_bid_kw: f64,
    /// Aggregator's share of market revenue (0..=1).
    pub aggregator_share: f64,
    /// Fees: amount per basis.
    pub fees: Vec<(f64, FeeBasis)>,
    /// Cap on discharge, equivalent full cycles per day.
    pub max_cycles_per_day: Option<f64>,
    /// Floor on state of charge while dispatched (0..=1).
    pub minimum_soc: Option<f64>,
    /// Penalty per kW of a balancing offer not delivered, per block.
    pub penalty_per_kw: f64,
}

impl ContractTerms {
    /// No aggregator: V2B only, behind the fleet's own meter.
    pub fn own_use() -> Self {
        ContractTerms {
            name: String::new(),
            markets: Vec::new(),
            minimum_bid_kw: 1000.0,
            aggregator_share: 0.0,
            fees: Vec::new(),
            max_cycles_per_day: None,
            minimum_soc: None,
            penalty_per_kw: 0.0,
        }
    }

    /// The terms of a compiled `contract aggregator` block.
    ///
    /// ```
    /// use voltlex_dsl::package::compile_text;
    /// use voltlex_engine::v2g::waterfall::ContractTerms;
    /// let text = r#"contract aggregator "VPP" {
    ///   markets spot, tertiary2
    ///   share fleet 70%, aggregator 30%
    ///   fee 500 JPY per vehicle per month
    /// }"#;
    /// let compiled = compile_text("vpp.vlx", text);
    /// let contract = compiled.rules.aggregator_contract("VPP").unwrap();
    /// let terms = ContractTerms::from_rule(contract);
    /// assert_eq!(terms.aggregator_share, 0.3);
    /// assert_eq!(terms.minimum_bid_kw, 1000.0);
    /// ```
    pub fn from_rule(contract: &AggregatorContract) -> Self {
        use rust_decimal::prelude::ToPrimitive;
        let number = |d: rust_decimal::Decimal| d.to_f64().unwrap_or(0.0);
        ContractTerms {
            name: contract.name.clone(),
            markets: contract.markets.clone(),
            minimum_bid_kw: contract.minimum_bid_kw,
            aggregator_share: number(contract.aggregator_share),
            fees: contract
                .fees
                .iter()
                .map(|fee| (number(fee.amount), fee.basis))
                .collect(),
            max_cycles_per_day: contract.max_cycles_per_day,
            minimum_soc: contract.minimum_soc,
            penalty_per_kw: contract.penalty_per_kw.map_or(0.0, number),
        }
    }

    /// Whether the contract enters `market`.
    pub fn enters(&self, market: Market) -> bool {
        self.markets.contains(&market)
    }
}

/// What one vehicle's V2G did over a period, against its baseline (the inputs of its
/// waterfall).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct VehicleFigures {
    /// Vehicle id.
    pub vehicle: String,
    /// Whether the vehicle is enrolled (can discharge): fees per vehicle apply.
    pub enrolled: bool,
    /// Discharged energy used on site, valued at the site's marginal import price.
    pub site_value: f64,
    /// Exported energy sold, valued at the sell price.
    pub spot_revenue: f64,
    /// Balancing capacity and activation revenue attributed to the vehicle.
    pub balancing_revenue: f64,
    /// Demand-charge saving attributed to the vehicle.
    pub demand_saving: f64,
    /// Basic-charge saving from the inverter's reactive support (power factor), attributed
    /// to the vehicle.
    pub power_factor_saving: f64,
    /// Charging cost of the V2G plan minus the baseline's.
    pub extra_charging_cost: f64,
    /// Wear cost of the V2G trajectory minus the baseline's.
    pub extra_degradation_cost: f64,
    /// Expected balancing penalties attributed to the vehicle.
    pub penalties: f64,
    /// Battery-side kWh discharged.
    pub discharged_kwh: f64,
    /// Grid-side kWh sold to markets (exported, and expected balancing activations).
    pub market_kwh: f64,
}

/// One line of a [`Waterfall`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WaterfallLine {
    /// What the line is.
    pub label: String,
    /// Amount: positive adds to the fleet, negative takes away.
    pub amount: f64,
}

/// Gross value to net, line by line; the lines sum to `net`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Waterfall {
    /// Whose waterfall (a vehicle id, or "fleet").
    pub subject: String,
    /// The lines, in waterfall order.
    pub lines: Vec<WaterfallLine>,
    /// Sum of the value lines.
    pub gross: f64,
    /// Sum of every line.
    pub net: f64,
}

impl Waterfall {
    /// The waterfall of one vehicle over `months` months under `terms`; `enrolled_vehicles`
    /// shares the per-month fees.
    ///
    /// ```
    /// use voltlex_dsl::rules::FeeBasis;
    /// use voltlex_engine::v2g::waterfall::{ContractTerms, VehicleFigures, Waterfall};
    /// let mut terms = ContractTerms::own_use();
    /// terms.aggregator_share = 0.3;
    /// terms.fees = vec![(500.0, FeeBasis::VehicleMonth), (2.0, FeeBasis::Kwh)];
    /// let figures = VehicleFigures {
    ///     vehicle: "VAN-01".into(), enrolled: true, site_value: 1000.0, spot_revenue: 600.0,
    ///     balancing_revenue: 400.0, demand_saving: 2000.0, power_factor_saving: 0.0,
    ///     extra_charging_cost: 700.0,
    ///     extra_degradation_cost: 300.0, penalties: 0.0, discharged_kwh: 80.0,
    ///     market_kwh: 50.0,
    /// };
    /// let w = Waterfall::of_vehicle(&figures, &terms, 1.0, 10);
    /// assert_eq!(w.gross, 4000.0);
    /// // 4000 − 700 − 300 − 0.3 × 1000 − (500 + 2 × 50)
    /// assert!((w.net - 2100.0).abs() < 1e-9);
    /// ```
    pub fn of_vehicle(
        figures: &VehicleFigures,
        terms: &ContractTerms,
        months: f64,
        enrolled_vehicles: usize,
    ) -> Self {
        let market_revenue = figures.spot_revenue + figures.balancing_revenue;
        let mut fees = 0.0;
        if figures.enrolled {
            for (amount, basis) in &terms.fees {
                fees += match basis {
                    FeeBasis::VehicleMonth => amount * months,
                    FeeBasis::Kwh => amount * figures.market_kwh,
                    FeeBasis::Month => amount * months / enrolled_vehicles.max(1) as f64,
                };
            }
        }
        let value = [
            ("site value (discharge used on site)", figures.site_value),
            ("spot sales", figures.spot_revenue),
            (
                "balancing (ΔkW capacity + activation)",
                figures.balancing_revenue,
            ),
            ("demand-charge saving", figures.demand_saving),
            ("power-factor support", figures.power_factor_saving),
        ];
        let costs = [
            ("charging energy", -figures.extra_charging_cost),
            ("degradation", -figures.extra_degradation_cost),
            (
                "aggregator revenue share",
                -terms.aggregator_share * market_revenue,
            ),
            ("aggregator fees", -fees),
            ("penalties", -figures.penalties),
        ];
        let gross = value.iter().map(|(_, v)| v).sum::<f64>();
        let lines: Vec<WaterfallLine> = value
            .iter()
            .chain(costs.iter())
            .map(|(label, amount)| WaterfallLine {
                label: (*label).to_string(),
                amount: *amount,
            })
            .collect();
        let net = lines.iter().map(|l| l.amount).sum();
        Waterfall {
            subject: figures.vehicle.clone(),
            lines,
            gross,
            net,
        }
    }

    /// The sum of several waterfalls (same lines), e.g. the fleet's.
    ///
    /// ```
    /// use voltlex_engine::v2g::waterfall::{ContractTerms, VehicleFigures, Waterfall};
    /// let terms = ContractTerms::own_use();
    /// let one = VehicleFigures { vehicle: "A".into(), site_value: 10.0, ..Default::default() };
    /// let a = Waterfall::of_vehicle(&one, &terms, 1.0, 1);
    /// let total = Waterfall::sum("fleet", &[a.clone(), a]);
    /// assert_eq!(total.net, 20.0);
    /// ```
    pub fn sum(subject: &str, parts: &[Waterfall]) -> Self {
        let mut lines: Vec<WaterfallLine> = parts
            .first()
            .map(|w| {
                w.lines
                    .iter()
                    .map(|l| WaterfallLine {
                        label: l.label.clone(),
                        amount: 0.0,
                    })
                    .collect()
            })
            .unwrap_or_default();
        for part in parts {
            for (line, add) in lines.iter_mut().zip(&part.lines) {
                line.amount += add.amount;
            }
        }
        Waterfall {
            subject: subject.to_string(),
            gross: parts.iter().map(|w| w.gross).sum(),
            net: lines.iter().map(|l| l.amount).sum(),
            lines,
        }
    }
}
