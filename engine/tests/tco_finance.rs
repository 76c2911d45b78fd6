#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! NPV and IRR against known values, and their consistency.

use proptest::prelude::*;
use voltlex_engine::tco::finance::{
    discounted_payback, irr, npv, roi, simple_payback, FinanceError,
};

#[test]
fn irr_matches_the_spreadsheet_reference_values() {
    // Microsoft's IRR documentation: −70,000 then 12,000, 15,000, 18,000, 21,000 (, 26,000):
    // −2.1 % after four years, 8.7 % after five, −44.4 % after two.
    let four = irr(&[-70_000.0, 12_000.0, 15_000.0, 18_000.0, 21_000.0]).unwrap();
    let five = irr(&[-70_000.0, 12_000.0, 15_000.0, 18_000.0, 21_000.0, 26_000.0]).unwrap();
    let two = irr(&[-70_000.0, 12_000.0, 15_000.0]).unwrap();
    assert!((four - -0.021_244_85).abs() < 1e-7, "{four}");
    assert!((five - 0.086_630_95).abs() < 1e-7, "{five}");
    assert!((two - -0.443_506_94).abs() < 1e-7, "{two}");
}

#[test]
fn npv_by_hand() {
    // −1000 + 300/1.08 + 400/1.08² + 500/1.08³
    let expected = -1000.0 + 300.0 / 1.08 + 400.0 / 1.08_f64.powi(2) + 500.0 / 1.08_f64.powi(3);
    assert!((npv(0.08, &[-1000.0, 300.0, 400.0, 500.0]).unwrap() - expected).abs() < 1e-9);
    assert_eq!(npv(0.0, &[-5.0, 2.0, 3.0]).unwrap(), 0.0);
}

#[test]
fn bad_input_is_refused() {
    assert_eq!(npv(-1.0, &[1.0]), Err(FinanceError::Rate(-1.0)));
    assert!(matches!(
        npv(0.05, &[1.0, f64::NAN]),
        Err(FinanceError::CashFlow { year: 1, .. })
    ));
    assert_eq!(irr(&[100.0, 50.0]), Err(FinanceError::NoSignChange));
    assert!(discounted_payback(f64::INFINITY, &[1.0]).is_err());
    assert_eq!(roi(&[10.0]), None);
    assert_eq!(simple_payback(&[]), Some(0.0));
}

proptest! {
    /// The IRR zeroes the NPV, and NPV at a rate below the IRR is positive for a conventional
    /// investment (one outlay, then inflows).
    #[test]
    fn irr_zeroes_npv(outlay in 100.0..10_000.0f64, inflows in prop::collection::vec(1.0..5_000.0f64, 1..15)) {
        let mut flows = vec![-outlay];
        flows.extend(inflows);
        match irr(&flows) {
            Ok(rate) => {
                let at = npv(rate, &flows).unwrap();
                prop_assert!(at.abs() <= 1e-6 * outlay, "NPV at IRR {rate}: {at}");
                if rate > -0.9 {
                    prop_assert!(npv(rate - 0.05, &flows).unwrap() > 0.0);
                }
            }
            Err(e) => prop_assert!(false, "{e}"),
        }
        // Payback exists exactly when the undiscounted total is non-negative.
        let total: f64 = flows.iter().sum();
        prop_assert_eq!(simple_payback(&flows).is_some(), total >= 0.0);
    }
}
