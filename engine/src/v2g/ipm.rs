//! A primal–dual interior-point method (Mehrotra's predictor–corrector) for
//! `min cᵀx  s.t.  A x = b,  l ≤ x ≤ u`, over any constraint matrix that can multiply and
//! solve its own normal equations `A Θ Aᵀ y = r`.
//!
//! The method is textbook (Wright, *Primal-Dual Interior-Point Methods*, 1997, ch. 10;
//! Mehrotra 1992): infeasible start, one factorisation and two solves per iteration, separate
//! primal and dual step lengths. What is not textbook lives behind [`NormalEquations`]: the
//! V2G programme's structure (one small banded block per session, one dense block for the
//! site's slots) lets `structured.rs` factor `A Θ Aᵀ` in time linear in the number of
//! sessions, which is why this solver beats a general LP code on large fleets.
//!
//! Every lower bound is finite (the V2G programme has no free variables); upper bounds may be
//! infinite. Costs are scaled to a largest magnitude of 1 inside the method.

// PANIC SAFETY: every vector indexed here is allocated in `solve` with `cols` or `rows`
// entries, and `solve` refuses inputs whose lengths differ from the matrix's shape; the
// loops run over `0..cols` / `0..rows`. Indexing keeps the numeric kernel readable.
#![allow(clippy::indexing_slicing)]
// The kernel walks eight parallel per-column arrays by index; zipped iterators over all of
// them would hide the arithmetic.
#![allow(clippy::needless_range_loop)]

use rayon::prelude::*;

/// Columns per parallel task in the per-column loops.
const CHUNK: usize = 8192;

/// Added to `Z/S + V/W` before inverting (see [`solve`]); in units of the scaled costs.
const PRIMAL_REGULARISATION: f64 = 1e-10;

/// A constraint matrix `A` (rows × cols) that can form and solve its normal equations.
pub(crate) trait NormalEquations {
    /// Number of rows (equality constraints).
    fn rows(&self) -> usize;
    /// Number of columns (variables).
    fn cols(&self) -> usize;
    /// `out = A x`.
    fn multiply(&self, x: &[f64], out: &mut [f64]);
    /// `out = Aᵀ y`.
    fn multiply_transposed(&self, y: &[f64], out: &mut [f64]);
    /// Factor `A Θ Aᵀ` for the diagonal `theta` (one entry per column, all > 0).
    fn factor(&mut self, theta: &[f64]);
    /// Overwrite `rhs` with `(A Θ Aᵀ)⁻¹ rhs`, using the last factorisation.
    fn solve(&self, rhs: &mut [f64]);
}

/// Why the method stopped without an optimum.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum IpmError {
    /// The iteration limit was reached; the residuals say how far it got.
    #[error(
        "the interior-point method did not converge in {iterations} iterations \
         (primal residual {primal:.2e}, dual residual {dual:.2e}, gap {gap:.2e}); \
         the problem is probably infeasible"
    )]
    NotConverged {
        /// Iterations run.
        iterations: usize,
        /// Relative primal infeasibility.
        primal: f64,
        /// Relative dual infeasibility.
        dual: f64,
        /// Relative duality gap.
        gap: f64,
    },
    /// Costs, bounds or right-hand sides do not match the matrix's shape.
    #[error("the linear programme's vectors do not match its {rows} × {cols} matrix")]
    Shape {
        /// Rows of the matrix.
        rows: usize,
        /// Columns of the matrix.
        cols: usize,
    },
    /// A number became NaN or infinite (an ill-posed problem).
    #[error("the interior-point method met a non-finite number at iteration {iterations}")]
    NonFinite {
        /// Iteration at which it happened.
        iterations: usize,
    },
}

/// Stopping tolerances and limits.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct IpmOptions {
    /// Relative primal and dual infeasibility accepted.
    pub feasibility: f64,
    /// Relative duality gap accepted.
    pub gap: f64,
    /// When the normal equations become too ill-conditioned to go on (near the optimum of
    /// a degenerate programme), the best iterate is returned if its three measures are
    /// within this.
    pub acceptable: f64,
    /// Iteration limit.
    pub max_iterations: usize,
}

impl Default for IpmOptions {
    fn default() -> Self {
        IpmOptions {
            feasibility: 1e-9,
            gap: 1e-9,
            acceptable: 1e-6,
            max_iterations: 200,
        }
    }
}

/// An optimum.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct IpmSolution {
    /// Primal values.
    pub x: Vec<f64>,
    /// `cᵀx` (unscaled).
    pub objective: f64,
    /// Iterations used.
    pub iterations: usize,
}

/// The linear programme handed to [`solve`].
pub(crate) struct LinearProgram<'a, A> {
    /// The constraint matrix and its normal-equation solver.
    pub matrix: &'a mut A,
    /// Costs, one per column.
    pub cost: &'a [f64],
    /// Right-hand sides, one per row.
    pub rhs: &'a [f64],
    /// Lower bounds (finite).
    pub lower: &'a [f64],
    /// Upper bounds (`f64::INFINITY` for none); `upper > lower` for every column.
    pub upper: &'a [f64],
}

fn norm_inf(values: &[f64]) -> f64 {
    values.iter().fold(0.0, |m, v| m.max(v.abs()))
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Per-column state of the method: slacks to the bounds and their duals.
struct Iterate {
    /// `x − l`.
    s: Vec<f64>,
    /// `u − x` (0 and unused where `u` is infinite).
    w: Vec<f64>,
    /// Dual of the lower bound.
    z: Vec<f64>,
    /// Dual of the upper bound (0 where `u` is infinite).
    v: Vec<f64>,
    /// Row duals.
    y: Vec<f64>,
}

/// Newton direction.
struct Direction {
    dx: Vec<f64>,
    dy: Vec<f64>,
    dz: Vec<f64>,
    dv: Vec<f64>,
}

impl Direction {
    fn zeros(cols: usize, rows: usize) -> Self {
        Direction {
            dx: vec![0.0; cols],
            dy: vec![0.0; rows],
            dz: vec![0.0; cols],
            dv: vec![0.0; cols],
        }
    }
}

/// Solve `lp` to the tolerances of `options`.
pub(crate) fn solve<A: NormalEquations>(
    lp: LinearProgram<'_, A>,
    options: IpmOptions,
) -> Result<IpmSolution, IpmError> {
    let cols = lp.matrix.cols();
    let rows = lp.matrix.rows();
    if lp.cost.len() != cols
        || lp.lower.len() != cols
        || lp.upper.len() != cols
        || lp.rhs.len() != rows
    {
        return Err(IpmError::Shape { rows, cols });
    }
    // Costs scaled to a largest magnitude of 1. (Scaling to the mean magnitude saved 6 %
    // of the iterations on large depots but lost accuracy near the optimum on small ones.)
    let cost_scale = norm_inf(lp.cost).max(1e-12);
    let cost: Vec<f64> = lp.cost.iter().map(|c| c / cost_scale).collect();
    let bounded: Vec<bool> = lp.upper.iter().map(|u| u.is_finite()).collect();

    // Start: mid-range where both bounds exist, one unit above the lower bound otherwise;
    // unit duals. Infeasible starts are fine for this method.
    let mut it = Iterate {
        s: vec![1.0; cols],
        w: vec![0.0; cols],
        z: vec![1.0; cols],
        v: vec![0.0; cols],
        y: vec![0.0; rows],
    };
    for j in 0..cols {
        if bounded[j] {
            let half = 0.5 * (lp.upper[j] - lp.lower[j]);
            it.s[j] = half;
            it.w[j] = half;
            it.v[j] = 1.0;
        }
    }
    let pairs = (cols + bounded.iter().filter(|b| **b).count()).max(1) as f64;
    let rhs_norm = norm_inf(lp.rhs);
    let cost_norm = norm_inf(&cost);

    let mut x = vec![0.0; cols];
    let mut ax = vec![0.0; rows];
    let mut aty = vec![0.0; cols];
    let mut r_b = vec![0.0; rows];
    let mut r_c = vec![0.0; cols];
    let mut theta = vec![0.0; cols];
    let mut work = Work {
        rho: vec![0.0; cols],
        target_cols: vec![0.0; cols],
        rows: vec![0.0; rows],
        cols: vec![0.0; cols],
    };
    let mut affine = Direction::zeros(cols, rows);
    let mut step = Direction::zeros(cols, rows);
    let mut r_sz = vec![0.0; cols];
    let mut r_wv = vec![0.0; cols];

    let mut last = (f64::INFINITY, f64::INFINITY, f64::INFINITY);
    let mut best = Best {
        merit: f64::INFINITY,
        x: Vec::new(),
        iteration: 0,
    };
    let mut iterations = 0;
    for iteration in 0..options.max_iterations {
        iterations = iteration + 1;
        x.par_iter_mut()
            .zip(lp.lower.par_iter().zip(it.s.par_iter()))
            .for_each(|(x, (l, s))| *x = l + s);
        lp.matrix.multiply(&x, &mut ax);
        lp.matrix.multiply_transposed(&it.y, &mut aty);
        for i in 0..rows {
            r_b[i] = lp.rhs[i] - ax[i];
        }
        let (complementarity, bound_terms) = r_c
            .par_chunks_mut(CHUNK)
            .enumerate()
            .map(|(chunk, r_c)| {
                let mut complementarity = 0.0;
                let mut bound_terms = 0.0;
                for (k, r) in r_c.iter_mut().enumerate() {
                    let j = chunk * CHUNK + k;
                    *r = cost[j] - aty[j] - it.z[j] + it.v[j];
                    complementarity += it.s[j] * it.z[j];
                    bound_terms += lp.lower[j] * it.z[j];
                    if bounded[j] {
                        complementarity += it.w[j] * it.v[j];
                        bound_terms -= lp.upper[j] * it.v[j];
                    }
                }
                (complementarity, bound_terms)
            })
            .reduce(|| (0.0, 0.0), |a, b| (a.0 + b.0, a.1 + b.1));
        let dual_objective = dot(lp.rhs, &it.y) + bound_terms;
        let mu = complementarity / pairs;
        let primal_objective = dot(&cost, &x);
        let primal_res = norm_inf(&r_b) / (1.0 + rhs_norm);
        let dual_res = norm_inf(&r_c) / (1.0 + cost_norm);
        let gap = (primal_objective - dual_objective).abs() / (1.0 + primal_objective.abs());
        let merit = primal_res.max(dual_res).max(gap);
        if !merit.is_finite() || (best.merit <= 1e-6 && merit > 1e3 * best.merit) {
            // Lost accuracy near the optimum (the iterate got worse by orders of magnitude):
            // stop and fall back on the best iterate.
            break;
        }
        if merit < best.merit && merit <= options.acceptable {
            // Kept only when it could be returned (a copy of every column).
            best = Best {
                merit,
                x: x.clone(),
                iteration,
            };
        }
        last = (primal_res, dual_res, gap);
        if primal_res <= options.feasibility
            && dual_res <= options.feasibility
            && gap <= options.gap
        {
            return Ok(IpmSolution {
                objective: dot(lp.cost, &x),
                x,
                iterations: iteration,
            });
        }

        theta
            .par_chunks_mut(CHUNK)
            .enumerate()
            .for_each(|(chunk, theta)| {
                for (k, t) in theta.iter_mut().enumerate() {
                    let j = chunk * CHUNK + k;
                    let mut inverse = it.z[j] / it.s[j];
                    if bounded[j] {
                        inverse += it.v[j] / it.w[j];
                    }
                    // Primal regularisation: Θ ≤ 1/ρ keeps Δx = Θ(AᵀΔy − ρ) from amplifying
                    // the normal equations' rounding for variables inside their bounds.
                    *t = 1.0 / (inverse + PRIMAL_REGULARISATION);
                }
            });
        lp.matrix.factor(&theta);

        // Predictor (affine scaling): target complementarity 0.
        r_sz.par_chunks_mut(CHUNK)
            .zip(r_wv.par_chunks_mut(CHUNK))
            .enumerate()
            .for_each(|(chunk, (r_sz, r_wv))| {
                for (k, (a, b)) in r_sz.iter_mut().zip(r_wv.iter_mut()).enumerate() {
                    let j = chunk * CHUNK + k;
                    *a = -it.s[j] * it.z[j];
                    *b = if bounded[j] { -it.w[j] * it.v[j] } else { 0.0 };
                }
            });
        direction(
            lp.matrix,
            &it,
            &bounded,
            &theta,
            &r_b,
            &r_c,
            &r_sz,
            &r_wv,
            &mut work,
            &mut affine,
            0,
        );
        let (alpha_p, alpha_d) = step_lengths(&it, &bounded, &affine);
        let mu_affine = (0..cols)
            .into_par_iter()
            .with_min_len(CHUNK)
            .map(|j| {
                let mut value =
                    (it.s[j] + alpha_p * affine.dx[j]) * (it.z[j] + alpha_d * affine.dz[j]);
                if bounded[j] {
                    value +=
                        (it.w[j] - alpha_p * affine.dx[j]) * (it.v[j] + alpha_d * affine.dv[j]);
                }
                value
            })
            .sum::<f64>()
            / pairs;
        let sigma = (mu_affine / mu.max(1e-300)).powi(3).min(1.0);

        // Corrector: centre with σμ and correct the predictor's second-order term.
        r_sz.par_chunks_mut(CHUNK)
            .zip(r_wv.par_chunks_mut(CHUNK))
            .enumerate()
            .for_each(|(chunk, (r_sz, r_wv))| {
                for (k, (a, b)) in r_sz.iter_mut().zip(r_wv.iter_mut()).enumerate() {
                    let j = chunk * CHUNK + k;
                    *a = sigma * mu - it.s[j] * it.z[j] - affine.dx[j] * affine.dz[j];
                    *b = if bounded[j] {
                        sigma * mu - it.w[j] * it.v[j] + affine.dx[j] * affine.dv[j]
                    } else {
                        0.0
                    };
                }
            });
        direction(
            lp.matrix, &it, &bounded, &theta, &r_b, &r_c, &r_sz, &r_wv, &mut work, &mut step, 2,
        );
        let (alpha_p, alpha_d) = step_lengths(&it, &bounded, &step);
        let damping = 0.995;
        let alpha_p = (damping * alpha_p).min(1.0);
        let alpha_d = (damping * alpha_d).min(1.0);
        it.s.par_chunks_mut(CHUNK)
            .zip(it.z.par_chunks_mut(CHUNK))
            .zip(it.w.par_chunks_mut(CHUNK).zip(it.v.par_chunks_mut(CHUNK)))
            .enumerate()
            .for_each(|(chunk, ((s, z), (w, v)))| {
                for k in 0..s.len() {
                    let j = chunk * CHUNK + k;
                    s[k] += alpha_p * step.dx[j];
                    z[k] += alpha_d * step.dz[j];
                    if bounded[j] {
                        w[k] -= alpha_p * step.dx[j];
                        v[k] += alpha_d * step.dv[j];
                    }
                }
            });
        for i in 0..rows {
            it.y[i] += alpha_d * step.dy[i];
        }
    }
    if best.merit <= options.acceptable {
        return Ok(IpmSolution {
            objective: dot(lp.cost, &best.x),
            x: best.x,
            iterations: best.iteration,
        });
    }
    if !best.merit.is_finite() {
        return Err(IpmError::NonFinite { iterations });
    }
    Err(IpmError::NotConverged {
        iterations,
        primal: last.0,
        dual: last.1,
        gap: last.2,
    })
}

/// The best iterate seen (by the largest of the three relative measures).
struct Best {
    merit: f64,
    x: Vec<f64>,
    iteration: usize,
}

/// Largest primal and dual steps (≤ 1, or more for an unbounded ray: capped at 1) keeping
/// every slack and dual non-negative.
fn step_lengths(it: &Iterate, bounded: &[bool], d: &Direction) -> (f64, f64) {
    (0..it.s.len())
        .into_par_iter()
        .with_min_len(CHUNK)
        .fold(
            || (1.0_f64, 1.0_f64),
            |(mut primal, mut dual), j| {
                if d.dx[j] < 0.0 {
                    primal = primal.min(-it.s[j] / d.dx[j]);
                }
                if d.dz[j] < 0.0 {
                    dual = dual.min(-it.z[j] / d.dz[j]);
                }
                if bounded[j] {
                    if d.dx[j] > 0.0 {
                        primal = primal.min(it.w[j] / d.dx[j]);
                    }
                    if d.dv[j] < 0.0 {
                        dual = dual.min(-it.v[j] / d.dv[j]);
                    }
                }
                (primal, dual)
            },
        )
        .reduce(|| (1.0, 1.0), |a, b| (a.0.min(b.0), a.1.min(b.1)))
}

/// Scratch vectors of [`direction`].
struct Work {
    rho: Vec<f64>,
    target_cols: Vec<f64>,
    rows: Vec<f64>,
    cols: Vec<f64>,
}

/// One Newton direction for the complementarity targets `r_sz` (lower bounds) and `r_wv`
/// (upper bounds).
#[allow(clippy::too_many_arguments)]
fn direction<A: NormalEquations>(
    matrix: &A,
    it: &Iterate,
    bounded: &[bool],
    theta: &[f64],
    r_b: &[f64],
    r_c: &[f64],
    r_sz: &[f64],
    r_wv: &[f64],
    work: &mut Work,
    out: &mut Direction,
    refinements: usize,
) {
    // ρ = r_c − r_sz/s + r_wv/w ;  (A Θ Aᵀ) Δy = r_b + A Θ ρ ;  Δx = Θ (AᵀΔy − ρ)
    work.rho
        .par_chunks_mut(CHUNK)
        .zip(work.cols.par_chunks_mut(CHUNK))
        .enumerate()
        .for_each(|(chunk, (rho, scaled))| {
            for (k, (rho, scaled)) in rho.iter_mut().zip(scaled.iter_mut()).enumerate() {
                let j = chunk * CHUNK + k;
                let mut value = r_c[j] - r_sz[j] / it.s[j];
                if bounded[j] {
                    value += r_wv[j] / it.w[j];
                }
                *rho = value;
                *scaled = theta[j] * value;
            }
        });
    matrix.multiply(&work.cols, &mut work.rows);
    for i in 0..out.dy.len() {
        out.dy[i] = r_b[i] + work.rows[i];
    }
    matrix.solve(&mut out.dy);
    matrix.multiply_transposed(&out.dy, &mut work.cols);
    out.dx
        .par_iter_mut()
        .zip(theta.par_iter())
        .zip(work.cols.par_iter().zip(work.rho.par_iter()))
        .for_each(|((dx, t), (a, r))| *dx = t * (a - r));
    // Refinement of what matters, A·Δx = r_b: near the optimum Θ spans twenty orders of
    // magnitude and Δx = Θ(AᵀΔy − ρ) amplifies the normal equations' rounding; a correction
    // δy with (AΘAᵀ)δy = r_b − AΔx, Δx += ΘAᵀδy removes it (cheap next to the factorisation).
    let scale = r_b.iter().fold(1.0_f64, |m, v| m.max(v.abs()));
    for _ in 0..refinements {
        matrix.multiply(&out.dx, &mut work.rows);
        let mut residual = 0.0_f64;
        for i in 0..out.dy.len() {
            work.rows[i] = r_b[i] - work.rows[i];
            residual = residual.max(work.rows[i].abs());
        }
        if residual <= 1e-12 * scale {
            break;
        }
        matrix.solve(&mut work.rows);
        for i in 0..out.dy.len() {
            out.dy[i] += work.rows[i];
        }
        matrix.multiply_transposed(&work.rows, &mut work.target_cols);
        out.dx
            .par_iter_mut()
            .zip(theta.par_iter().zip(work.target_cols.par_iter()))
            .for_each(|(dx, (t, a))| *dx += t * a);
    }
    let dx = &out.dx;
    out.dz
        .par_chunks_mut(CHUNK)
        .zip(out.dv.par_chunks_mut(CHUNK))
        .enumerate()
        .for_each(|(chunk, (dz, dv))| {
            for (k, (dz, dv)) in dz.iter_mut().zip(dv.iter_mut()).enumerate() {
                let j = chunk * CHUNK + k;
                *dz = (r_sz[j] - it.z[j] * dx[j]) / it.s[j];
                *dv = if bounded[j] {
                    (r_wv[j] + it.v[j] * dx[j]) / it.w[j]
                } else {
                    0.0
                };
            }
        });
}
