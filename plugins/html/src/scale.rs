//! Axis arithmetic: a linear map from data to pixels, and "nice" tick values.

/// A linear map from a data interval (`domain`) onto a pixel interval (`range`); the range
/// may run backwards (SVG's y axis grows downwards).
///
/// ```
/// use voltlex_html::LinearScale;
/// let y = LinearScale::new((0.0, 100.0), (300.0, 20.0));
/// assert_eq!(y.map(0.0), 300.0);
/// assert_eq!(y.map(100.0), 20.0);
/// assert_eq!(y.map(50.0), 160.0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LinearScale {
    /// Data values at the two ends.
    pub domain: (f64, f64),
    /// Pixels at the two ends.
    pub range: (f64, f64),
}

impl LinearScale {
    /// The scale mapping `domain.0` to `range.0` and `domain.1` to `range.1`. A domain of
    /// zero width (or not finite) is widened by 1 on each side so every value still maps
    /// inside the range.
    ///
    /// ```
    /// use voltlex_html::LinearScale;
    /// let flat = LinearScale::new((5.0, 5.0), (0.0, 100.0));
    /// assert_eq!(flat.map(5.0), 50.0);
    /// ```
    pub fn new(domain: (f64, f64), range: (f64, f64)) -> Self {
        let (low, high) = domain;
        let domain = if !low.is_finite() || !high.is_finite() {
            (0.0, 1.0)
        } else if (high - low).abs() < f64::EPSILON * low.abs().max(1.0) {
            (low - 1.0, high + 1.0)
        } else {
            domain
        };
        LinearScale { domain, range }
    }

    /// The pixel position of `value`.
    ///
    /// ```
    /// use voltlex_html::LinearScale;
    /// assert_eq!(LinearScale::new((-10.0, 10.0), (0.0, 200.0)).map(-5.0), 50.0);
    /// ```
    pub fn map(&self, value: f64) -> f64 {
        let (d0, d1) = self.domain;
        let (r0, r1) = self.range;
        r0 + (value - d0) / (d1 - d0) * (r1 - r0)
    }
}

/// About `count` round tick values (steps of 1, 2 or 5 × 10ⁿ) covering `[low, high]`: the
/// first tick is at or below `low`, the last at or above `high`. Empty when the bounds are
/// not finite.
///
/// ```
/// use voltlex_html::nice_ticks;
/// assert_eq!(nice_ticks(0.0, 95.0, 5), vec![0.0, 20.0, 40.0, 60.0, 80.0, 100.0]);
/// assert_eq!(nice_ticks(-3.0, 7.0, 5), vec![-4.0, -2.0, 0.0, 2.0, 4.0, 6.0, 8.0]);
/// ```
pub fn nice_ticks(low: f64, high: f64, count: usize) -> Vec<f64> {
    if !low.is_finite() || !high.is_finite() {
        return Vec::new();
    }
    let (low, high) = if low <= high {
        (low, high)
    } else {
        (high, low)
    };
    let (low, high) = if high - low < f64::EPSILON * low.abs().max(1.0) {
        (low - 1.0, high + 1.0)
    } else {
        (low, high)
    };
    let raw = (high - low) / count.max(1) as f64;
    let magnitude = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * magnitude)
        .find(|s| *s >= raw * (1.0 - 1e-9))
        .unwrap_or(10.0 * magnitude);
    let first = (low / step).floor();
    let last = (high / step).ceil();
    let steps = (last - first).max(0.0) as usize;
    (0..=steps)
        // Multiplying the index (not adding steps) keeps 0.1 × 3 from drifting; the rounding
        // removes what drift remains (0.30000000000000004 → 0.3).
        .map(|i| {
            let value = (first + i as f64) * step;
            let digits = (-step.log10().floor()).max(0.0) as i32 + 1;
            let factor = 10f64.powi(digits);
            (value * factor).round() / factor
        })
        .collect()
}
