//! The TCO arithmetic checked by hand for a 2-vehicle fleet: two diesel vans as today against
//! two electric vans with their chargers, over 3 years at 5 %.

use voltlex_engine::tco::model::{compare, yearly_costs, Financing, FleetPart, YearCosts};

fn close(a: f64, b: f64) {
    assert!((a - b).abs() < 0.01, "{a} != {b}");
}

/// Two diesel vans: 2,400,000 each; 20,000 km a year each at 10 L/100 km = 4,000 L at
/// 170 JPY = 680,000; maintenance 150,000, insurance 100,000, tax 16,000 per van; worth 30 %
/// after 3 years; 4,000 L × 2.58 kg = 10.32 t CO2 a year.
fn diesel() -> FleetPart {
    let mut part = FleetPart::vehicles("diesel vans", 2, 2_400_000.0);
    part.energy_per_year = 4_000.0 * 170.0;
    part.maintenance_per_year = 2.0 * 150_000.0;
    part.insurance_per_year = 2.0 * 100_000.0;
    part.taxes_per_year = 2.0 * 16_000.0;
    part.residual_share = 0.30;
    part.co2_tonnes_per_year = 4_000.0 * 2.58 / 1000.0;
    part
}

/// Two electric vans: 4,000,000 each, subsidy 850,000 each; a charger each (equipment
/// 300,000 + works 200,000; subsidy 150,000 + 200,000); 2 × 20,000 km × 0.2 kWh/km = 8,000 kWh,
/// a bill change of 25 JPY/kWh = 200,000; maintenance 90,000, insurance 100,000, tax 6,500 per
/// van; worth 25 % after 3 years; 8,000 kWh × 0.45 kg = 3.6 t CO2 a year.
fn electric() -> FleetPart {
    let mut part = FleetPart::vehicles("electric vans", 2, 4_000_000.0);
    part.vehicle_subsidy = 2.0 * 850_000.0;
    part.infrastructure_capex = 2.0 * (300_000.0 + 200_000.0);
    part.infrastructure_subsidy = 2.0 * (150_000.0 + 200_000.0);
    part.energy_per_year = 8_000.0 * 25.0;
    part.maintenance_per_year = 2.0 * 90_000.0;
    part.insurance_per_year = 2.0 * 100_000.0;
    part.taxes_per_year = 2.0 * 6_500.0;
    part.residual_share = 0.25;
    part.co2_tonnes_per_year = 8_000.0 * 0.45 / 1000.0;
    part
}

fn totals(years: &[YearCosts]) -> Vec<f64> {
    years.iter().map(|y| y.total).collect()
}

#[test]
fn two_vans_by_hand() {
    let baseline = yearly_costs(&[diesel()], 3).unwrap();
    let option = yearly_costs(&[electric()], 3).unwrap();

    // Diesel: 4,800,000 up front; 680,000 + 300,000 + 200,000 + 32,000 = 1,212,000 a year;
    // year 3 also sells the vans for 30 % of 4,800,000 = 1,440,000.
    assert_eq!(
        totals(&baseline),
        vec![
            4_800_000.0,
            1_212_000.0,
            1_212_000.0,
            1_212_000.0 - 1_440_000.0
        ]
    );
    // Electric: 8,000,000 + 1,000,000 − 1,700,000 − 700,000 = 6,600,000 up front;
    // 200,000 + 180,000 + 200,000 + 13,000 = 593,000 a year; residual 25 % of 8,000,000.
    assert_eq!(
        totals(&option),
        vec![6_600_000.0, 593_000.0, 593_000.0, 593_000.0 - 2_000_000.0]
    );
    assert_eq!(option[0].subsidies, -2_400_000.0);
    assert_eq!(option[0].infrastructure, 1_000_000.0);
    assert_eq!(option[3].residual, -2_000_000.0);

    let comparison = compare(&baseline, &option, 0.05).unwrap();
    // Savings: −1,800,000; 619,000; 619,000; −228,000 + 1,407,000 = 1,179,000.
    assert_eq!(
        comparison.savings,
        vec![-1_800_000.0, 619_000.0, 619_000.0, 1_179_000.0]
    );
    // Cumulative −1,800,000 → −1,181,000 → −562,000 → +617,000: paid back in year 3,
    // 562,000 / 1,179,000 of the way through it.
    close(
        comparison.simple_payback_years.unwrap(),
        2.0 + 562_000.0 / 1_179_000.0,
    );
    assert_eq!(comparison.crossover_year, Some(3));
    // NPV at 5 %: −1,800,000 + 619,000/1.05 + 619,000/1.05² + 1,179,000/1.05³
    //   = −1,800,000 + 589,523.81 + 561,451.25 + 1,018,464.53 = 369,439.59.
    close(comparison.savings_npv, 369_439.59);
    close(
        comparison.baseline_cost_npv - comparison.option_cost_npv,
        369_439.59,
    );
    // Discounted: −1,800,000 + 589,523.81 + 561,451.25 = −649,024.94 before year 3, which
    // brings 1,018,464.53: 2 + 649,024.94 / 1,018,464.53 years.
    close(
        comparison.discounted_payback_years.unwrap(),
        2.0 + 649_024.94 / 1_018_464.53,
    );
    // IRR: the rate that makes the NPV zero.
    let irr = comparison.irr.unwrap();
    let npv_at_irr = -1_800_000.0
        + 619_000.0 / (1.0 + irr)
        + 619_000.0 / (1.0 + irr).powi(2)
        + 1_179_000.0 / (1.0 + irr).powi(3);
    assert!(npv_at_irr.abs() < 1.0, "NPV at the IRR: {npv_at_irr}");
    assert!(irr > 0.05 && irr < 0.20);
    // ROI: (619,000 + 619,000 + 1,179,000 − 1,800,000) / 1,800,000.
    close(comparison.roi.unwrap(), 617_000.0 / 1_800_000.0);
    // CO2: 3 × (10.32 − 3.6) t.
    close(comparison.co2_saved_tonnes, 3.0 * (10.32 - 3.6));
}

#[test]
fn a_loan_moves_the_net_purchase_into_annuities() {
    let mut ev = electric();
    ev.financing = Financing::Loan {
        financed_share: 0.8,
        annual_rate: 0.02,
        years: 3,
    };
    let years = yearly_costs(&[ev], 3).unwrap();
    // 80 % of the 6,600,000 net purchase is borrowed: 1,320,000 leaves in year 0.
    close(years[0].total, 1_320_000.0);
    // 5,280,000 at 2 % over 3 years: 5,280,000 × 0.02 / (1 − 1.02⁻³) = 1,830,864.67 a year.
    for year in &years[1..=3] {
        close(year.financing, 1_830_864.67);
    }
    close(years[1].total, 593_000.0 + 1_830_864.67);
}

#[test]
fn a_lease_has_no_purchase_subsidy_or_residual() {
    let mut ev = electric();
    ev.financing = Financing::Lease {
        per_vehicle_per_year: 700_000.0,
    };
    let years = yearly_costs(&[ev], 3).unwrap();
    // Only the chargers (net of their subsidy) are paid up front.
    assert_eq!(years[0].total, 1_000_000.0 - 700_000.0);
    assert_eq!(years[3].residual, 0.0);
    assert_eq!(years[1].total, 593_000.0 + 1_400_000.0);
}

#[test]
fn parts_add_up_and_replacements_land_in_their_year() {
    let mut ev = electric();
    ev.battery_replacements = vec![(2, 1_500_000.0)];
    let mixed = yearly_costs(&[diesel(), ev.clone()], 3).unwrap();
    let alone = [
        yearly_costs(&[diesel()], 3).unwrap(),
        yearly_costs(&[ev], 3).unwrap(),
    ];
    for year in 0..=3 {
        close(
            mixed[year].total,
            alone[0][year].total + alone[1][year].total,
        );
    }
    assert_eq!(mixed[2].battery_replacement, 1_500_000.0);
    assert_eq!(mixed[1].battery_replacement, 0.0);
}

#[test]
fn bad_figures_are_refused_by_name() {
    let mut ev = electric();
    ev.residual_share = 1.5;
    let error = yearly_costs(&[ev], 3).unwrap_err().to_string();
    assert!(error.contains("residual_share"), "{error}");
}
