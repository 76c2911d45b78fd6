//! Discounted cash-flow arithmetic for fleet economics: NPV, IRR, simple and discounted
//! payback, ROI. Cash flows are yearly, index 0 = today (the purchase year, not discounted).
//!
//! Amounts are `f64` (a study's figures, like the dispatch's prices); bills stay `Decimal`.

/// Why a figure cannot be computed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FinanceError {
    /// A rate at or below −100 %, or not a finite number.
    #[error("discount rate must be a finite number above -100 %, found {0}")]
    Rate(f64),
    /// A cash flow that is not a finite number.
    #[error("cash flow of year {year} is not a finite number ({value})")]
    CashFlow {
        /// Its year (index).
        year: usize,
        /// Its value.
        value: f64,
    },
    /// The flows never change sign: no rate makes their NPV zero.
    #[error("the cash flows never change sign: there is no internal rate of return")]
    NoSignChange,
    /// No root between −99.99 % and 10,000 % (or more than one sign change hides it).
    #[error("no internal rate of return between -99.99 % and 10,000 %")]
    NoRoot,
}

fn check(flows: &[f64]) -> Result<(), FinanceError> {
    match flows.iter().enumerate().find(|(_, v)| !v.is_finite()) {
        Some((year, &value)) => Err(FinanceError::CashFlow { year, value }),
        None => Ok(()),
    }
}

/// Net present value of yearly `flows` at `rate` (0.05 for 5 %): Σ flowₜ / (1 + rate)ᵗ.
///
/// ```
/// use voltlex_engine::tco::finance::npv;
/// // −1,000 today, +600 in each of two years, at 10 %: −1000 + 545.45 + 495.87.
/// let value = npv(0.10, &[-1000.0, 600.0, 600.0])?;
/// assert!((value - 41.3223).abs() < 1e-4);
/// # Ok::<(), voltlex_engine::tco::finance::FinanceError>(())
/// ```
///
/// # Errors
///
/// [`FinanceError::Rate`] for a rate ≤ −100 %, [`FinanceError::CashFlow`] for a non-finite flow.
pub fn npv(rate: f64, flows: &[f64]) -> Result<f64, FinanceError> {
    if !rate.is_finite() || rate <= -1.0 {
        return Err(FinanceError::Rate(rate));
    }
    check(flows)?;
    let mut factor = 1.0;
    let mut total = 0.0;
    for flow in flows {
        total += flow / factor;
        factor *= 1.0 + rate;
    }
    Ok(total)
}

/// Internal rate of return: the rate at which the NPV of `flows` is zero, found by bisection
/// on a bracket where the NPV changes sign (robust where Newton's method diverges). With more
/// than one sign change there may be several IRRs; the lowest above −99.99 % is returned.
///
/// ```
/// use voltlex_engine::tco::finance::irr;
/// // −100 today, +110 in a year: 10 %.
/// assert!((irr(&[-100.0, 110.0])? - 0.10).abs() < 1e-9);
/// # Ok::<(), voltlex_engine::tco::finance::FinanceError>(())
/// ```
///
/// # Errors
///
/// [`FinanceError::NoSignChange`] when every flow has the same sign,
/// [`FinanceError::NoRoot`] when no bracket is found, [`FinanceError::CashFlow`].
pub fn irr(flows: &[f64]) -> Result<f64, FinanceError> {
    check(flows)?;
    let positive = flows.iter().any(|f| *f > 0.0);
    let negative = flows.iter().any(|f| *f < 0.0);
    if !(positive && negative) {
        return Err(FinanceError::NoSignChange);
    }
    // Scan rates on a geometric grid of (1 + rate) for the first sign change, then bisect.
    let value = |rate: f64| npv(rate, flows).unwrap_or(f64::NAN);
    let mut low = -0.9999;
    let mut low_value = value(low);
    let mut growth = 1.0001_f64;
    while growth < 101.0 {
        let next_growth = (growth * 1.05).min(101.0);
        let high = next_growth - 1.0;
        let high_value = value(high);
        if low_value == 0.0 {
            return Ok(low);
        }
        if low_value.signum() != high_value.signum() {
            let (mut a, mut b, mut fa) = (low, high, low_value);
            for _ in 0..200 {
                let mid = 0.5 * (a + b);
                let fm = value(mid);
                if fm == 0.0 || (b - a) < 1e-12 {
                    return Ok(mid);
                }
                if fm.signum() == fa.signum() {
                    a = mid;
                    fa = fm;
                } else {
                    b = mid;
                }
            }
            return Ok(0.5 * (a + b));
        }
        low = high;
        low_value = high_value;
        growth = next_growth;
        if growth >= 101.0 {
            break;
        }
    }
    Err(FinanceError::NoRoot)
}

/// Years until the cumulative (undiscounted) cash flow turns non-negative for good,
/// interpolated within the year it turns; `None` if it ends negative.
///
/// ```
/// use voltlex_engine::tco::finance::simple_payback;
/// // −1,000 then +400 a year: paid back 2.5 years in.
/// assert_eq!(simple_payback(&[-1000.0, 400.0, 400.0, 400.0]), Some(2.5));
/// assert_eq!(simple_payback(&[-1000.0, 100.0]), None);
/// // A later outlay (a battery replacement) that sends it negative again moves payback.
/// assert_eq!(simple_payback(&[-1000.0, 600.0, 600.0, -500.0, 600.0]), Some(3.5));
/// ```
pub fn simple_payback(flows: &[f64]) -> Option<f64> {
    payback(flows.iter().copied())
}

/// Years until the cumulative discounted cash flow at `rate` turns non-negative, interpolated
/// within the year; `None` if it never does.
///
/// ```
/// use voltlex_engine::tco::finance::discounted_payback;
/// // At 10 % the second year's 660 is worth 545.45: −1000 + 550 + 545.45 turns in year 2.
/// let years = discounted_payback(0.10, &[-1000.0, 605.0, 660.0])?.unwrap();
/// assert!((years - (1.0 + 450.0 / 545.4545)).abs() < 1e-4);
/// # Ok::<(), voltlex_engine::tco::finance::FinanceError>(())
/// ```
///
/// # Errors
///
/// As [`npv`].
pub fn discounted_payback(rate: f64, flows: &[f64]) -> Result<Option<f64>, FinanceError> {
    if !rate.is_finite() || rate <= -1.0 {
        return Err(FinanceError::Rate(rate));
    }
    check(flows)?;
    let mut factor = 1.0;
    let discounted = flows.iter().map(|flow| {
        let value = flow / factor;
        factor *= 1.0 + rate;
        value
    });
    Ok(payback(discounted))
}

/// The year the cumulative flow turns non-negative for good (it stays so to the end),
/// interpolated linearly within that year; 0 when it never goes negative.
fn payback(flows: impl Iterator<Item = f64>) -> Option<f64> {
    let mut cumulative = 0.0;
    // (year, cumulative before it) of the last turn from negative to non-negative.
    let mut turned: Option<(usize, f64, f64)> = Some((0, 0.0, 0.0));
    for (year, flow) in flows.enumerate() {
        let before = cumulative;
        cumulative += flow;
        if cumulative < 0.0 {
            turned = None;
        } else if turned.is_none() {
            turned = Some((year, before, flow));
        }
    }
    turned.map(|(year, before, flow)| {
        if before >= 0.0 || year == 0 || flow <= 0.0 {
            year as f64
        } else {
            (year - 1) as f64 + (-before / flow)
        }
    })
}

/// Return on investment: (total inflows − total outflows) / total outflows, undiscounted;
/// `None` without outflows.
///
/// ```
/// use voltlex_engine::tco::finance::roi;
/// assert_eq!(roi(&[-1000.0, 600.0, 600.0]), Some(0.2));
/// ```
pub fn roi(flows: &[f64]) -> Option<f64> {
    let outflows: f64 = flows.iter().filter(|f| **f < 0.0).map(|f| -f).sum();
    let inflows: f64 = flows.iter().filter(|f| **f > 0.0).sum();
    (outflows > 0.0).then(|| (inflows - outflows) / outflows)
}
