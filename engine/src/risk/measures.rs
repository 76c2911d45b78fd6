//! Risk measures of a profit sample: VaR and CVaR with confidence intervals, histograms.
//!
//! Sign convention: the sample holds **profits** (JPY, positive = money earned); the measures
//! are about **losses** `L = −profit`. VaR at confidence α is the α-quantile of the loss,
//! `inf{l : P(L ≤ l) ≥ α}` (VaR 95 % = −(5th percentile of profit), up to one order
//! statistic in a finite sample): a positive VaR is a loss, a negative VaR means even the
//! bad case α earns money. CVaR is the mean loss beyond VaR.

use super::RiskError;

/// z of the two-sided 95 % normal interval.
const Z_95: f64 = 1.959_963_984_540_054;
/// Nominal coverage of every interval here.
const COVERAGE: f64 = 0.95;

/// A confidence interval on an estimate.
///
/// ```
/// use voltlex_engine::risk::Interval;
///
/// let interval = Interval { lower: -2.0, upper: 3.0, coverage: 0.95 };
/// assert!(interval.contains(3.0) && !interval.contains(3.5));
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    /// Lower end.
    pub lower: f64,
    /// Upper end.
    pub upper: f64,
    /// Its coverage probability: exact for the order-statistic VaR interval (below 95 % only
    /// when the sample is too small to reach it), asymptotic for CVaR.
    pub coverage: f64,
}

impl Interval {
    /// Whether `value` lies in the interval (ends included).
    pub fn contains(&self, value: f64) -> bool {
        self.lower <= value && value <= self.upper
    }
}

/// VaR and CVaR of a profit sample at one confidence level.
///
/// - VaR = `L_(k)`, the k-th smallest loss with `k = ⌈n·α⌉` (the empirical α-quantile);
///   its interval is the distribution-free one between order statistics `L_(l)` and
///   `L_(u)`, with `l`, `u` from the Binomial(n, α) distribution of the number of losses
///   below the true quantile, 2.5 % in each tail;
/// - CVaR = `VaR + Σ max(L_i − VaR, 0) / (n·(1 − α))` (Rockafellar–Uryasev; equal to the
///   mean of the worst `n·(1 − α)` losses when that is whole); its interval is
///   `± 1.96·sd(max(L − VaR, 0)) / ((1 − α)·√n)`, the normal approximation of this estimator
///   (VaR's own error has no first-order effect on it).
///
/// ```
/// use voltlex_engine::risk::RiskReport;
///
/// // Profits 1..=100: losses −100..=−1.
/// let profits: Vec<f64> = (1..=100).map(f64::from).collect();
/// let report = RiskReport::of(&profits, 0.95).unwrap();
/// assert_eq!(report.scenarios, 100);
/// // 95 of the 100 losses are ≤ −6: VaR is −6 (even the bad case earns 6).
/// assert_eq!(report.value_at_risk, -6.0);
/// // CVaR: the mean of −5, −4, −3, −2, −1 (to round-off in 1 − 0.95).
/// assert!((report.conditional_value_at_risk - -3.0).abs() < 1e-12);
/// assert!(report.value_at_risk_interval.contains(-6.0));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct RiskReport {
    /// The confidence level α (e.g. 0.95).
    pub confidence: f64,
    /// Sample size.
    pub scenarios: usize,
    /// Mean profit.
    pub mean_profit: f64,
    /// The loss quantile at α.
    pub value_at_risk: f64,
    /// Its distribution-free confidence interval.
    pub value_at_risk_interval: Interval,
    /// The mean loss beyond VaR.
    pub conditional_value_at_risk: f64,
    /// Its normal-approximation confidence interval.
    pub conditional_value_at_risk_interval: Interval,
}

impl RiskReport {
    /// The measures of a profit sample at confidence `confidence` ∈ (0, 1).
    ///
    /// # Errors
    ///
    /// [`RiskError::InvalidParameter`] for a confidence outside (0, 1),
    /// [`RiskError::BadSample`] for an empty sample or one with a non-finite value.
    pub fn of(profits: &[f64], confidence: f64) -> Result<RiskReport, RiskError> {
        if !(confidence > 0.0 && confidence < 1.0) {
            return Err(RiskError::InvalidParameter {
                name: "confidence",
                value: confidence,
            });
        }
        check_sample(profits)?;
        let n = profits.len();
        let mut losses: Vec<f64> = profits.iter().map(|p| -p).collect();
        losses.sort_by(f64::total_cmp);
        let order = |rank: usize| {
            losses
                .get(rank.clamp(1, n) - 1)
                .copied()
                .unwrap_or(f64::NAN)
        };

        // ⌈n·α⌉ with a guard against 0.95·100 = 95.000…01.
        let rank = ((n as f64 * confidence - 1e-9).ceil() as usize).clamp(1, n);
        let value_at_risk = order(rank);

        let (lower_rank, upper_rank, coverage) = order_statistic_ranks(n, confidence);
        let value_at_risk_interval = Interval {
            lower: order(lower_rank),
            upper: order(upper_rank),
            coverage,
        };

        let tail = 1.0 - confidence;
        let excess: Vec<f64> = losses
            .iter()
            .map(|l| (l - value_at_risk).max(0.0))
            .collect();
        let mean_excess = excess.iter().sum::<f64>() / n as f64;
        let conditional_value_at_risk = value_at_risk + mean_excess / tail;
        let variance = if n > 1 {
            excess
                .iter()
                .map(|e| (e - mean_excess).powi(2))
                .sum::<f64>()
                / (n as f64 - 1.0)
        } else {
            0.0
        };
        let half_width = Z_95 * (variance / n as f64).sqrt() / tail;
        Ok(RiskReport {
            confidence,
            scenarios: n,
            mean_profit: profits.iter().sum::<f64>() / n as f64,
            value_at_risk,
            value_at_risk_interval,
            conditional_value_at_risk,
            conditional_value_at_risk_interval: Interval {
                lower: conditional_value_at_risk - half_width,
                upper: conditional_value_at_risk + half_width,
                coverage: COVERAGE,
            },
        })
    }
}

fn check_sample(values: &[f64]) -> Result<(), RiskError> {
    if values.is_empty() {
        return Err(RiskError::BadSample {
            problem: "is empty".to_string(),
        });
    }
    if let Some(position) = values.iter().position(|v| !v.is_finite()) {
        return Err(RiskError::BadSample {
            problem: format!("holds a non-finite value at position {position}"),
        });
    }
    Ok(())
}

/// 1-based ranks `(l, u)` with `P(L_(l) ≤ q_α < L_(u)) = P(l ≤ B ≤ u − 1)`, B ~ Bin(n, α),
/// at least 95 % when n allows, 2.5 % left out on each side; and that probability.
fn order_statistic_ranks(n: usize, alpha: f64) -> (usize, usize, f64) {
    // The binomial CDF F(i) = P(B ≤ i), pmf by its ratio recurrence in logs (no underflow
    // of (1 − α)^n for large n).
    let log_ratio = (alpha / (1.0 - alpha)).ln();
    let mut log_pmf = n as f64 * (1.0 - alpha).ln();
    let mut cdf = Vec::with_capacity(n + 1);
    let mut total = 0.0;
    for i in 0..=n {
        total += log_pmf.exp();
        cdf.push(total.min(1.0));
        log_pmf += ((n - i) as f64 / (i + 1) as f64).ln() + log_ratio;
    }
    let tail = (1.0 - COVERAGE) / 2.0;
    let below = |rank: usize| -> f64 {
        // P(B ≤ rank − 1); 0 for rank 0.
        rank.checked_sub(1)
            .and_then(|i| cdf.get(i).copied())
            .unwrap_or(0.0)
    };
    // Largest l ≥ 1 with P(B ≤ l − 1) ≤ tail; 1 (the minimum) if none.
    let lower = (1..=n)
        .take_while(|&l| below(l) <= tail)
        .last()
        .unwrap_or(1);
    // Smallest u ≤ n with P(B ≤ u − 1) ≥ 1 − tail; n (the maximum) if none.
    let upper = (lower..=n).find(|&u| below(u) >= 1.0 - tail).unwrap_or(n);
    (lower, upper, (below(upper) - below(lower)).max(0.0))
}

/// Counts of a sample in equal-width bins, for charts.
///
/// The bins span the sample's minimum to maximum (the maximum falls in the last bin); a
/// sample of one repeated value gets the unit range centred on it.
///
/// ```
/// use voltlex_engine::risk::Histogram;
///
/// let histogram = Histogram::of(&[0.0, 1.0, 1.5, 4.0], 4).unwrap();
/// assert_eq!(histogram.edges, vec![0.0, 1.0, 2.0, 3.0, 4.0]);
/// assert_eq!(histogram.counts, vec![1, 2, 0, 1]);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Histogram {
    /// `bins + 1` bin edges, increasing.
    pub edges: Vec<f64>,
    /// Values per bin; they sum to the sample size.
    pub counts: Vec<usize>,
}

impl Histogram {
    /// A histogram of `values` with `bins` bins.
    ///
    /// # Errors
    ///
    /// [`RiskError::InvalidParameter`] for zero bins, [`RiskError::BadSample`] for an empty
    /// sample or a non-finite value.
    pub fn of(values: &[f64], bins: usize) -> Result<Histogram, RiskError> {
        if bins == 0 {
            return Err(RiskError::InvalidParameter {
                name: "bins",
                value: 0.0,
            });
        }
        check_sample(values)?;
        let (mut low, mut high) = values
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
                (lo.min(v), hi.max(v))
            });
        if high <= low {
            low -= 0.5;
            high += 0.5;
        }
        let width = (high - low) / bins as f64;
        let edges = (0..=bins)
            .map(|i| {
                if i == bins {
                    high
                } else {
                    low + width * i as f64
                }
            })
            .collect();
        let mut counts = vec![0usize; bins];
        for &value in values {
            let bin = (((value - low) / width) as usize).min(bins - 1);
            if let Some(count) = counts.get_mut(bin) {
                *count += 1;
            }
        }
        Ok(Histogram { edges, counts })
    }
}
