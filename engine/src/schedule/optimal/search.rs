//! Minimising a convex, piecewise-linear function of one variable exactly.
//!
//! The optimal strategy's outer problem: the cost of the best schedule whose site load stays
//! under a peak limit `P`, plus the demand charge of `P`, is convex and piecewise linear in
//! `P` (it is the optimal value of a linear program whose right-hand side moves linearly with
//! `P`). Kelley's cutting-plane method in one dimension finds its minimum in a handful of
//! evaluations: two supporting lines (one from each side of the minimum) meet at a point
//! whose value is a lower bound; evaluating there either closes the gap (the lines are the
//! pieces adjacent to the minimum) or gives a better line.
//!
//! Slopes are one-sided difference quotients over a small `step`. A secant over `[m, m+step]`
//! is at least the left derivative at `m`, so the line through `(m, F(m))` with that slope
//! lies under `F` left of `m`; symmetrically the line through `(m+step, F(m+step))` lies under
//! `F` right of `m+step`. The lower bound is therefore valid except inside a window of width
//! `step` around the evaluated points, where it can be off by at most `step` × slope.

/// The result of [`minimize`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Minimum {
    /// The best point evaluated.
    pub at: f64,
    /// Its value.
    pub value: f64,
    /// A lower bound on the minimum (see the module documentation).
    pub lower_bound: f64,
    /// Evaluations made.
    pub evaluations: usize,
}

/// A line known to lie under the function on one side of its anchor.
#[derive(Clone, Copy)]
struct Cut {
    at: f64,
    value: f64,
    slope: f64,
}

impl Cut {
    fn value_at(self, x: f64) -> f64 {
        self.value + self.slope * (x - self.at)
    }
}

/// Minimise convex piecewise-linear `f` on `[lo, hi]` to a relative gap of `tolerance`,
/// with at most `max_evaluations` calls of `f` (the tests below show typical counts).
pub fn minimize(
    mut f: impl FnMut(f64) -> f64,
    lo: f64,
    hi: f64,
    step: f64,
    tolerance: f64,
    max_evaluations: usize,
) -> Minimum {
    let mut evaluations = 0;
    let mut best = (lo, f64::INFINITY);
    let mut eval = |x: f64, best: &mut (f64, f64), evaluations: &mut usize| {
        let value = f(x);
        *evaluations += 1;
        if value < best.1 {
            *best = (x, value);
        }
        value
    };
    let done = |best: (f64, f64), lower_bound: f64, evaluations: usize| Minimum {
        at: best.0,
        value: best.1,
        lower_bound: lower_bound.min(best.1),
        evaluations,
    };
    let f_lo = eval(lo, &mut best, &mut evaluations);
    if hi - lo <= 2.0 * step {
        eval(hi, &mut best, &mut evaluations);
        return done(best, best.1, evaluations);
    }
    let f_lo_next = eval(lo + step, &mut best, &mut evaluations);
    let mut left = Cut {
        at: lo + step,
        value: f_lo_next,
        slope: (f_lo_next - f_lo) / step,
    };
    if left.slope >= 0.0 {
        return done(best, best.1, evaluations);
    }
    let f_hi = eval(hi, &mut best, &mut evaluations);
    let f_hi_prev = eval(hi - step, &mut best, &mut evaluations);
    let mut right = Cut {
        at: hi - step,
        value: f_hi_prev,
        slope: (f_hi - f_hi_prev) / step,
    };
    if right.slope <= 0.0 {
        return done(best, best.1, evaluations);
    }
    let mut lower_bound = f64::NEG_INFINITY;
    while evaluations + 2 <= max_evaluations {
        if left.at >= right.at {
            break;
        }
        let meet = (right.value - left.value + left.slope * left.at - right.slope * right.at)
            / (left.slope - right.slope);
        let meet = meet.clamp(left.at, right.at);
        lower_bound = left.value_at(meet).max(right.value_at(meet));
        if best.1 - lower_bound <= tolerance * best.1.abs().max(1.0) {
            break;
        }
        let next = (meet + step).min(hi);
        let f_meet = eval(meet, &mut best, &mut evaluations);
        let f_next = eval(next, &mut best, &mut evaluations);
        let slope = if next > meet {
            (f_next - f_meet) / (next - meet)
        } else {
            0.0
        };
        if slope < 0.0 {
            left = Cut {
                at: next,
                value: f_next,
                slope,
            };
        } else {
            right = Cut {
                at: meet,
                value: f_meet,
                slope,
            };
        }
    }
    done(best, lower_bound, evaluations)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_kink_of_piecewise_linear_functions() {
        let cases: [(&dyn Fn(f64) -> f64, f64); 3] = [
            (&|x: f64| (x - 3.0).abs() + 0.5 * x, 3.0),
            (
                &|x: f64| (100.0 - 7.0 * x).max(2.0 * x - 5.0).max(20.0),
                80.0 / 7.0,
            ),
            (&|x: f64| (1e6 * (40.0 - x)).max(0.0) + 22_800.0 * x, 40.0),
        ];
        for (f, expected) in cases {
            let m = minimize(f, 0.0, 100.0, 1e-6, 1e-12, 200);
            assert!(
                (m.value - f(expected)).abs() <= 1e-6 * f(expected).abs().max(1.0),
                "{m:?} vs {expected}"
            );
            assert!(m.lower_bound <= m.value);
            assert!(m.evaluations < 40, "{m:?}");
        }
    }

    #[test]
    fn monotone_functions_end_at_a_bound() {
        let m = minimize(|x| 2.0 * x, 1.0, 9.0, 1e-6, 1e-12, 50);
        assert_eq!(m.at, 1.0);
        let m = minimize(|x| -2.0 * x, 1.0, 9.0, 1e-6, 1e-12, 50);
        assert_eq!(m.at, 9.0);
    }
}
