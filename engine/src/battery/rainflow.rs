//! Rainflow cycle counting, ASTM E1049-85 §5.4.4.
//!
//! This is the standard's plain procedure, not the "repeating history" variant (§5.4.5): a
//! range that involves the starting point is counted as a half cycle, and the ranges left
//! over at the end (the residue) are counted as half cycles too. A constant-amplitude history
//! therefore comes out as half cycles; full cycles are the inner ranges that a larger swing
//! closes.

use thiserror::Error;

/// One counted cycle or half cycle.
///
/// ```
/// use voltlex_engine::battery::rainflow::count;
/// let cycles = count(&[0.0, 3.0, 1.0, 2.0, 0.0]);
/// // The inner swing 1 → 2 is closed by the fall to 0: one full cycle of range 1.
/// assert!(cycles.iter().any(|c| c.range == 1.0 && c.count == 1.0));
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cycle {
    /// Range: the absolute difference of the two reversals (for a state of charge: the depth
    /// of discharge, as a fraction of capacity).
    pub range: f64,
    /// Mean of the two reversals.
    pub mean: f64,
    /// 0.5 for a half cycle, 1.0 for a full cycle.
    pub count: f64,
    /// Index into the input of the range's first reversal.
    pub start: usize,
    /// Index into the input of the range's second reversal (`start < end`).
    pub end: usize,
}

/// A state-of-charge trajectory that cannot be counted.
///
/// ```
/// use voltlex_engine::battery::rainflow::{count_state_of_charge, SocError};
/// assert_eq!(
///     count_state_of_charge(&[0.5, 1.2]),
///     Err(SocError { index: 1, found: 1.2 })
/// );
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Error)]
#[error("state of charge at point {index}: expected a fraction in 0..=1, found {found}")]
pub struct SocError {
    /// Index of the offending value in the trajectory.
    pub index: usize,
    /// The value found.
    pub found: f64,
}

/// A reversal (peak or valley) of the input: its value and index.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Reversal {
    value: f64,
    index: usize,
}

/// The peaks and valleys of `series` with their indices, first and last point included.
///
/// Runs of equal values count once (at their first index); points on a monotone stretch are
/// not reversals. Non-finite values are skipped: they have no place on a load history, and a
/// caller that must not lose data validates first (as [`count_state_of_charge`] does).
///
/// ```
/// use voltlex_engine::battery::rainflow::reversal_indices;
/// assert_eq!(reversal_indices(&[0.0, 1.0, 2.0, 2.0, 1.0, 1.0, 3.0]), vec![0, 2, 4, 6]);
/// ```
pub fn reversal_indices(series: &[f64]) -> Vec<usize> {
    reversals(series).iter().map(|r| r.index).collect()
}

fn reversals(series: &[f64]) -> Vec<Reversal> {
    let mut out: Vec<Reversal> = Vec::new();
    for (index, &value) in series.iter().enumerate() {
        if !value.is_finite() {
            continue;
        }
        let point = Reversal { value, index };
        match out.as_slice() {
            [] => out.push(point),
            [.., last] if last.value == value => {}
            [.., before, last] if (last.value - before.value) * (value - last.value) > 0.0 => {
                // Same direction as the previous step: the last point was on the way, not a
                // reversal. Replace it by the new extreme.
                if let Some(slot) = out.last_mut() {
                    *slot = point;
                }
            }
            _ => out.push(point),
        }
    }
    out
}

fn cycle(first: Reversal, second: Reversal, count: f64) -> Cycle {
    Cycle {
        range: (second.value - first.value).abs(),
        mean: (first.value + second.value) / 2.0,
        count,
        start: first.index,
        end: second.index,
    }
}

/// Rainflow-counts `series` per ASTM E1049-85 §5.4.4.
///
/// Steps: reduce to reversals; for each new reversal, let X be the range it forms with the
/// previous one and Y the range before that; while X ≥ Y, count Y — as a half cycle dropping
/// its first point if Y contains the starting point, else as a full cycle dropping both
/// points. At the end every remaining range is a half cycle. Cycles are returned in the order
/// they are counted. Twice the total count equals the number of reversals minus one.
///
/// The standard's example history −2, 1, −3, 5, −1, 3, −4, 4, −2 gives range 3 × 0.5,
/// range 4 × 1.5, range 6 × 0.5, range 8 × 1.0 and range 9 × 0.5:
///
/// ```
/// use voltlex_engine::battery::rainflow::count;
/// let cycles = count(&[-2.0, 1.0, -3.0, 5.0, -1.0, 3.0, -4.0, 4.0, -2.0]);
/// let of_range = |r: f64| -> f64 {
///     cycles.iter().filter(|c| c.range == r).map(|c| c.count).sum()
/// };
/// assert_eq!(
///     [3.0, 4.0, 6.0, 8.0, 9.0].map(of_range),
///     [0.5, 1.5, 0.5, 1.0, 0.5]
/// );
/// ```
pub fn count(series: &[f64]) -> Vec<Cycle> {
    let mut cycles = Vec::new();
    // The stack of reversals not yet counted; its first element is the starting point S.
    let mut stack: Vec<Reversal> = Vec::new();
    for reversal in reversals(series) {
        stack.push(reversal);
        while let [.., a, b, c] = stack.as_slice() {
            let (a, b, c) = (*a, *b, *c);
            let x = (c.value - b.value).abs();
            let y = (b.value - a.value).abs();
            if x < y {
                break;
            }
            if stack.len() == 3 {
                // Y contains the starting point: half cycle, S moves to Y's second point.
                cycles.push(cycle(a, b, 0.5));
                stack.remove(0);
            } else {
                cycles.push(cycle(a, b, 1.0));
                stack.truncate(stack.len() - 3);
                stack.push(c);
            }
        }
    }
    cycles.extend(stack.windows(2).filter_map(|pair| match pair {
        [first, second] => Some(cycle(*first, *second, 0.5)),
        _ => None,
    }));
    cycles
}

/// Rainflow-counts a state-of-charge trajectory (fractions of capacity, `0.0..=1.0`): each
/// cycle's `range` is a depth of discharge and its `mean` the cycle's mean state of charge.
///
/// Refuses a value outside `0..=1` or not finite, naming the first one.
///
/// ```
/// use voltlex_engine::battery::rainflow::count_state_of_charge;
/// // Down from 90 % to 10 % and back up: two half cycles of depth 0.8.
/// let cycles = count_state_of_charge(&[0.9, 0.5, 0.1, 0.5, 0.9])?;
/// assert_eq!(cycles.len(), 2);
/// assert!(cycles.iter().all(|c| (c.range - 0.8).abs() < 1e-12 && c.count == 0.5));
/// # Ok::<(), voltlex_engine::battery::rainflow::SocError>(())
/// ```
pub fn count_state_of_charge(state_of_charge: &[f64]) -> Result<Vec<Cycle>, SocError> {
    validate_state_of_charge(state_of_charge)?;
    Ok(count(state_of_charge))
}

/// Checks that every value is a finite fraction in `0..=1`.
pub(crate) fn validate_state_of_charge(state_of_charge: &[f64]) -> Result<(), SocError> {
    match state_of_charge
        .iter()
        .enumerate()
        .find(|(_, soc)| !(0.0..=1.0).contains(*soc))
    {
        Some((index, &found)) => Err(SocError { index, found }),
        None => Ok(()),
    }
}
