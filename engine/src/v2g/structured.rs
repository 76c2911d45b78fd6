//! The V2G programme (see [`super::problem`]) as a structured matrix for the interior-point
//! method: how its variables and rows are laid out, and how `A Θ Aᵀ` is factored.
//!
//! **Layout.** Each session is a block: per slot of its window a charge and (if it may) a
//! discharge variable, the battery energy at the end of the slot (the last one is a constant
//! when the departure energy is fixed), and, with a cycle cap, one slack. Its rows are the
//! energy balances `e_k − e_{k−1} − hη·c_k + (h/η)·d_k = 0` (one per slot) and the cycle row.
//! The site adds per slot an import, an export (where allowed), a balance row
//! `import − export − Σ c + Σ d = base`, and with a demand price a peak row
//! `import − excess + slack = ratchet` sharing one `excess` variable.
//!
//! **Why this is fast.** In `A Θ Aᵀ` a session's rows touch only each other (a tridiagonal
//! matrix, plus a border for the cycle row) and the balance rows of their own slots. Block
//! elimination therefore costs O(window²) per session: the inverse of a tridiagonal matrix
//! is built row by row from its LDLᵀ factors, and the session's contribution to the dense
//! slots × slots Schur complement is `Kᵀ M⁻¹ K`, a window × window block. The site's rows
//! (balance, and peak rows sharing one `excess`) are then factored densely: 2 × slots rows.
//! A general sparse Cholesky would instead fill the dense slot rows across every session's
//! rows.

// PANIC SAFETY: the offsets stored in `Block` and `StructuredLp` are computed once in
// `StructuredLp::new` from the same counts used to size `cost`, `lower`, `upper`, `rhs` and the
// factor arrays; `multiply`/`solve` receive vectors of `cols`/`rows` entries (checked by the
// interior-point driver). Indexing keeps the numeric kernel readable and fast.
#![allow(clippy::indexing_slicing)]
// Block loops index several per-slot arrays at offsets; see above.
#![allow(clippy::needless_range_loop)]

use rayon::prelude::*;

use super::ipm::NormalEquations;
use super::problem::V2gProblem;
use crate::schedule::Mode;

/// Pivots below this are treated as zero: the row is (numerically) fixed and its direction
/// component set to 0 — the usual interior-point treatment of dependent rows.
const TINY_PIVOT: f64 = 1e-30;
/// A pivot below this share of its diagonal entry is rounding left over from cancellation
/// (near a degenerate optimum whole rows of `A Θ Aᵀ` cancel), treated as zero like a tiny one.
const CANCELLATION: f64 = 1e-13;
/// Value a tiny pivot is replaced with (an "infinite" pivot).
const HUGE_PIVOT: f64 = 1e128;

/// One session's variables and rows.
#[derive(Debug, Clone)]
pub(crate) struct Block {
    /// Session index in the problem.
    pub session: usize,
    /// First slot of the window.
    pub first_slot: usize,
    /// Slots in the window (≥ 1).
    pub len: usize,
    /// `h·η`: battery kWh per kW charged for one slot.
    pub h_eta: f64,
    /// `h/η`: battery kWh per kW discharged for one slot.
    pub h_over_eta: f64,
    /// Offset of `c_0`, if the session can charge.
    pub charge: Option<usize>,
    /// Offset of `d_0`, if the session can discharge.
    pub discharge: Option<usize>,
    /// Offset of `e_0`.
    pub energy: usize,
    /// Energy variables: `len`, or `len − 1` when the departure energy is fixed.
    pub energy_vars: usize,
    /// Offset of the cycle-cap slack, if capped.
    pub cycle: Option<usize>,
    /// First row.
    pub row: usize,
}

/// The site's per-slot peak rows.
#[derive(Debug, Clone, Copy)]
struct Peak {
    /// Offset of the first slack `q_0` (one per slot).
    slack: usize,
    /// Offset of `excess`.
    excess: usize,
    /// First peak row.
    row: usize,
}

/// One block's factors: LDLᵀ pivots (and their inverses: the solves multiply) and
/// multipliers of its tridiagonal part, its coupling to the balance rows (κ), the cycle row's
/// coupling (κ_cycle), the border w and T⁻¹w, and the cycle row's Schur complement γ.
#[derive(Debug, Clone)]
struct BlockFactor {
    pivot: Vec<f64>,
    inverse_pivot: Vec<f64>,
    multiplier: Vec<f64>,
    kappa: Vec<f64>,
    kappa_cycle: Vec<f64>,
    border: Vec<f64>,
    border_solved: Vec<f64>,
    gamma: f64,
}

impl BlockFactor {
    fn new(len: usize) -> Self {
        BlockFactor {
            pivot: vec![0.0; len],
            inverse_pivot: vec![0.0; len],
            multiplier: vec![0.0; len],
            kappa: vec![0.0; len],
            kappa_cycle: vec![0.0; len],
            border: vec![0.0; len],
            border_solved: vec![0.0; len],
            gamma: 0.0,
        }
    }

    /// Solve `M y = r` in place (`r`: the block's `len` energy rows, then its cycle row).
    fn solve(&self, block: &Block, r: &mut [f64]) {
        let n = block.len;
        // T⁻¹ r by LDLᵀ: forward, scale, backward.
        for k in 1..n {
            r[k] -= self.multiplier[k - 1] * r[k - 1];
        }
        for k in 0..n {
            r[k] *= self.inverse_pivot[k];
        }
        for k in (0..n.saturating_sub(1)).rev() {
            r[k] -= self.multiplier[k] * r[k + 1];
        }
        if block.cycle.is_some() {
            // Bordered system: β = (ρ − wᵀT⁻¹r)/γ, a = T⁻¹r − gβ (r now holds T⁻¹r).
            let w_t_r: f64 = (0..n).map(|k| self.border[k] * r[k]).sum();
            let beta = (r[n] - w_t_r) / self.gamma;
            for k in 0..n {
                r[k] -= self.border_solved[k] * beta;
            }
            r[n] = beta;
        }
    }

    /// Factor the block for `theta` and subtract its Schur contribution `Kᵀ M⁻¹ K` from the
    /// slots × slots matrix `master` (lower triangle), adding its columns' own diagonal.
    /// `inverse_row` and `diagonal` are scratch of at least `len`.
    fn factor(
        &mut self,
        block: &Block,
        theta: &[f64],
        master: &mut [f64],
        slots: usize,
        inverse_row: &mut [f64],
        diagonal: &mut [f64],
    ) {
        let n = block.len;
        let hc = block.h_eta;
        let hd = block.h_over_eta;
        let theta_energy = |k: usize| {
            if k < block.energy_vars {
                theta[block.energy + k]
            } else {
                0.0
            }
        };
        let mut gamma = block.cycle.map_or(0.0, |c| theta[c]);
        for k in 0..n {
            let tc = block.charge.map_or(0.0, |c| theta[c + k]);
            let td = block.discharge.map_or(0.0, |d| theta[d + k]);
            let previous = if k > 0 { theta_energy(k - 1) } else { 0.0 };
            diagonal[k] = theta_energy(k) + previous + hc * hc * tc + hd * hd * td;
            self.kappa[k] = hc * tc + hd * td;
            self.kappa_cycle[k] = hd * td;
            self.border[k] = hd * hd * td;
            gamma += hd * hd * td;
            let slot = block.first_slot + k;
            master[slot * slots + slot] += tc + td;
        }
        // LDLᵀ of the tridiagonal part; off-diagonal T[k][k+1] = −θe_k.
        for k in 0..n {
            let mut pivot = diagonal[k];
            if k > 0 {
                let m = self.multiplier[k - 1];
                pivot -= m * m * self.pivot[k - 1];
            }
            if pivot.is_nan() || pivot <= TINY_PIVOT.max(CANCELLATION * diagonal[k]) {
                pivot = HUGE_PIVOT;
            }
            self.pivot[k] = pivot;
            self.inverse_pivot[k] = 1.0 / pivot;
            if k + 1 < n {
                self.multiplier[k] = -theta_energy(k) / pivot;
            }
        }
        if block.cycle.is_some() {
            // g = T⁻¹ w, γ = γ0 − wᵀg.
            self.border_solved.copy_from_slice(&self.border);
            for k in 1..n {
                self.border_solved[k] -= self.multiplier[k - 1] * self.border_solved[k - 1];
            }
            for k in 0..n {
                self.border_solved[k] *= self.inverse_pivot[k];
            }
            for k in (0..n.saturating_sub(1)).rev() {
                self.border_solved[k] -= self.multiplier[k] * self.border_solved[k + 1];
            }
            let w_g: f64 = (0..n).map(|k| self.border[k] * self.border_solved[k]).sum();
            gamma -= w_g;
            if gamma.is_nan() || gamma <= TINY_PIVOT {
                gamma = HUGE_PIVOT;
            }
        }
        self.gamma = gamma;

        // Schur contribution −κ_i κ_j X_ij (X = T⁻¹), built row by row from the bottom:
        // X[i][j] = −l_i X[i+1][j] (j > i), X[i][i] = 1/d_i + l_i² X[i+1][i+1].
        let cycle = block.cycle.is_some();
        for i in (0..n).rev() {
            if i + 1 == n {
                inverse_row[i] = self.inverse_pivot[i];
            } else {
                let l = self.multiplier[i];
                let next_diagonal = inverse_row[i + 1];
                for value in inverse_row.iter_mut().take(n).skip(i + 1) {
                    *value *= -l;
                }
                inverse_row[i] = self.inverse_pivot[i] + l * l * next_diagonal;
            }
            let kappa_i = self.kappa[i];
            let u_i = if cycle {
                self.kappa[i] * self.border_solved[i] - self.kappa_cycle[i]
            } else {
                0.0
            };
            let row_slot = block.first_slot + i;
            for j in i..n {
                let mut value = kappa_i * self.kappa[j] * inverse_row[j];
                if cycle {
                    let u_j = self.kappa[j] * self.border_solved[j] - self.kappa_cycle[j];
                    value += u_i * u_j / gamma;
                }
                // Lower triangle: row = later slot.
                let col_slot = block.first_slot + j;
                master[col_slot * slots + row_slot] -= value;
            }
        }
    }
}

/// Split `data` into the disjoint sub-slices `ranges` (sorted, non-overlapping, `(start,
/// len)`), so that blocks can write their own parts in parallel.
fn split_ranges(
    mut data: &mut [f64],
    ranges: impl Iterator<Item = (usize, usize)>,
) -> Vec<&mut [f64]> {
    let mut parts = Vec::new();
    let mut consumed = 0;
    for (start, len) in ranges {
        let rest = std::mem::take(&mut data);
        let (_, rest) = rest.split_at_mut(start - consumed);
        let (part, rest) = rest.split_at_mut(len);
        parts.push(part);
        data = rest;
        consumed = start + len;
    }
    parts
}

/// Blocks per parallel task: enough work to outweigh the task (and, in `factor`, the
/// slots × slots accumulator each task sums into).
const BLOCKS_PER_TASK: usize = 256;

/// The programme's data and its normal-equation factors.
pub(crate) struct StructuredLp {
    /// Slots of the horizon.
    slots: usize,
    /// Sessions with a window.
    pub blocks: Vec<Block>,
    /// Offset of `import_0` (one per slot).
    pub import: usize,
    /// Offset of each slot's export, if allowed.
    pub export: Vec<Option<usize>>,
    peak: Option<Peak>,
    /// First balance row.
    balance_row: usize,
    rows: usize,
    cols: usize,
    /// Costs.
    pub cost: Vec<f64>,
    /// Lower bounds.
    pub lower: Vec<f64>,
    /// Upper bounds.
    pub upper: Vec<f64>,
    /// Right-hand sides.
    pub rhs: Vec<f64>,
    /// Constant part of the objective (the unmet-energy penalty's offset in cost mode).
    pub objective_offset: f64,
    /// Per block, its factors (parallel to `blocks`).
    factors: Vec<BlockFactor>,
    /// Dense Cholesky factor of the site's rows (lower triangle, row-major; see
    /// `master_size`).
    master: Vec<f64>,
    /// Scratch (interior mutability is avoided: `solve` allocates per call instead).
    longest_window: usize,
}

impl StructuredLp {
    /// Lay out the programme of `problem` in `mode`. The problem must be valid.
    pub fn new(problem: &V2gProblem, mode: Mode) -> Self {
        let charging = &problem.charging;
        let slots = charging.slots();
        let hours = charging.slot_hours();
        let mut cost = Vec::new();
        let mut lower = Vec::new();
        let mut upper = Vec::new();
        let mut rhs = Vec::new();
        let mut objective_offset = 0.0;
        let mut blocks = Vec::new();
        let mut push = |c: f64, l: f64, u: f64, cost: &mut Vec<f64>| {
            cost.push(c);
            lower.push(l);
            upper.push(u);
        };

        for (index, session) in charging.sessions.iter().enumerate() {
            let len = session.window_len();
            let first_slot = session.first_slot;
            if len == 0 || first_slot + len > slots {
                continue;
            }
            let efficiency = charging.efficiency_of(session);
            let charger_kw = charging
                .chargers
                .get(session.charger)
                .map_or(0.0, |c| c.max_kw);
            let charge_kw = session.max_kw.min(charger_kw).max(0.0);
            let discharge_kw = problem.discharge_limit_kw(index);
            let v2g = problem.sessions.get(index);
            let wear = v2g.map_or(0.0, |v| v.degradation_per_kwh);
            let cap_kwh = v2g.map_or(f64::INFINITY, |v| v.max_discharge_kwh);
            let floor = problem.floor_of(index);
            let capacity = session.battery_kwh.max(session.arrival_kwh);
            let target = session.arrival_kwh + session.energy_kwh;
            let least = match mode {
                Mode::Availability => target,
                Mode::Cost => session.arrival_kwh + session.reserved_kwh.min(session.energy_kwh),
            };
            if capacity - floor <= 1e-12 {
                // The battery cannot move: nothing to decide (the departure need is 0 here,
                // since arrival + need ≤ capacity and floor ≤ arrival).
                continue;
            }
            let h_eta = hours * efficiency;
            let h_over_eta = hours / efficiency;
            let charge = (charge_kw > 1e-12).then(|| {
                let at = cost.len();
                for _ in 0..len {
                    push(0.0, 0.0, charge_kw, &mut cost);
                }
                at
            });
            let may_discharge = discharge_kw > 1e-12 && cap_kwh > 1e-12;
            let discharge = may_discharge.then(|| {
                let at = cost.len();
                for _ in 0..len {
                    push(wear * h_over_eta, 0.0, discharge_kw, &mut cost);
                }
                at
            });
            let final_fixed = target - least <= 1e-12;
            let energy = cost.len();
            let energy_vars = if final_fixed { len - 1 } else { len };
            for k in 0..energy_vars {
                if k + 1 == len {
                    // Departure energy in cost mode: each kWh short costs the unmet price.
                    let price = charging.unmet_price_per_kwh;
                    push(-price, least, target, &mut cost);
                    objective_offset += price * target;
                } else {
                    push(0.0, floor, capacity, &mut cost);
                }
            }
            let cycle = (may_discharge && cap_kwh.is_finite()).then(|| {
                let at = cost.len();
                push(0.0, 0.0, f64::INFINITY, &mut cost);
                at
            });
            let row = rhs.len();
            for k in 0..len {
                let mut value = if k == 0 { session.arrival_kwh } else { 0.0 };
                if final_fixed && k + 1 == len {
                    value -= target;
                }
                rhs.push(value);
            }
            if cycle.is_some() {
                rhs.push(cap_kwh);
            }
            blocks.push(Block {
                session: index,
                first_slot,
                len,
                h_eta,
                h_over_eta,
                charge,
                discharge,
                energy,
                energy_vars,
                cycle,
                row,
            });
        }

        let import = cost.len();
        for slot in 0..slots {
            let price = charging.energy_price.get(slot).copied().unwrap_or(0.0);
            push(
                price * hours,
                0.0,
                charging.import_cap_kw.max(1e-9),
                &mut cost,
            );
        }
        let mut export = Vec::with_capacity(slots);
        for slot in 0..slots {
            let limit = problem.export_limit_kw(slot);
            export.push((limit > 1e-12).then(|| {
                let at = cost.len();
                push(-problem.sell_price(slot) * hours, 0.0, limit, &mut cost);
                at
            }));
        }
        let balance_row = rhs.len();
        rhs.extend(charging.base_kw.iter().copied());
        let peak = (charging.demand_price_per_kw > 0.0
            && charging.ratchet_kw < charging.import_cap_kw)
            .then(|| {
                let slack = cost.len();
                for _ in 0..slots {
                    push(0.0, 0.0, f64::INFINITY, &mut cost);
                }
                let excess = cost.len();
                push(charging.demand_price_per_kw, 0.0, f64::INFINITY, &mut cost);
                let row = rhs.len();
                rhs.extend(std::iter::repeat_n(charging.ratchet_kw, slots));
                Peak { slack, excess, row }
            });

        let cols = cost.len();
        let rows = rhs.len();
        let longest_window = blocks.iter().map(|b| b.len).max().unwrap_or(0);
        StructuredLp {
            slots,
            import,
            export,
            peak,
            balance_row,
            rows,
            cols,
            cost,
            lower,
            upper,
            rhs,
            objective_offset,
            factors: blocks.iter().map(|b| BlockFactor::new(b.len)).collect(),
            master: vec![0.0; slots * slots],
            longest_window,
            blocks,
        }
    }

    /// Charge and discharge of a block at window offset `k` in the solution `x`.
    pub fn powers(&self, block: &Block, x: &[f64], k: usize) -> (f64, f64) {
        let charge = block.charge.map_or(0.0, |c| x[c + k]);
        let discharge = block.discharge.map_or(0.0, |d| x[d + k]);
        (charge, discharge)
    }

    /// Rows of the site's dense system: the balance rows, and the peak rows with a demand
    /// price.
    fn master_size(&self) -> usize {
        self.slots * (1 + usize::from(self.peak.is_some()))
    }

    /// Rows of a block (energy rows plus the cycle row).
    fn block_rows(block: &Block) -> usize {
        block.len + usize::from(block.cycle.is_some())
    }

    /// First column and number of columns of a block (its variables are contiguous).
    fn block_columns(block: &Block) -> (usize, usize) {
        let first = block
            .charge
            .or(block.discharge)
            .unwrap_or(block.energy)
            .min(block.energy);
        let end = block
            .cycle
            .map_or(block.energy + block.energy_vars, |c| c + 1);
        (first, end - first)
    }
}

impl NormalEquations for StructuredLp {
    fn rows(&self) -> usize {
        self.rows
    }

    fn cols(&self) -> usize {
        self.cols
    }

    fn multiply(&self, x: &[f64], out: &mut [f64]) {
        let slots = self.slots;
        let (block_rows, site_rows) = out.split_at_mut(self.balance_row);
        let parts = split_ranges(
            block_rows,
            self.blocks.iter().map(|b| (b.row, Self::block_rows(b))),
        );
        // Block rows: each block writes its own; the balance rows collect every block.
        let balance = parts
            .into_par_iter()
            .zip(self.blocks.par_iter())
            .with_min_len(BLOCKS_PER_TASK)
            .fold(
                || vec![0.0; slots],
                |mut balance, (rows, block)| {
                    let n = block.len;
                    for k in 0..n {
                        let mut value = 0.0;
                        if k < block.energy_vars {
                            value += x[block.energy + k];
                        }
                        if k > 0 {
                            value -= x[block.energy + k - 1];
                        }
                        let (charge, discharge) = self.powers(block, x, k);
                        value += -block.h_eta * charge + block.h_over_eta * discharge;
                        rows[k] = value;
                        balance[block.first_slot + k] += discharge - charge;
                    }
                    if let (Some(cycle), Some(d)) = (block.cycle, block.discharge) {
                        let drained: f64 = (0..n).map(|k| x[d + k]).sum::<f64>() * block.h_over_eta;
                        rows[n] = drained + x[cycle];
                    }
                    balance
                },
            )
            .reduce(|| vec![0.0; slots], add_vectors);
        site_rows.fill(0.0);
        for slot in 0..slots {
            let import = x[self.import + slot];
            let export = self.export[slot].map_or(0.0, |e| x[e]);
            site_rows[slot] = balance[slot] + import - export;
            if let Some(peak) = self.peak {
                site_rows[peak.row - self.balance_row + slot] =
                    import - x[peak.excess] + x[peak.slack + slot];
            }
        }
    }

    fn multiply_transposed(&self, y: &[f64], out: &mut [f64]) {
        let (block_columns, site_columns) = out.split_at_mut(self.import);
        let parts = split_ranges(block_columns, self.blocks.iter().map(Self::block_columns));
        parts
            .into_par_iter()
            .zip(self.blocks.par_iter())
            .with_min_len(BLOCKS_PER_TASK)
            .for_each(|(columns, block)| {
                let (first, _) = Self::block_columns(block);
                let n = block.len;
                let cycle_dual = block.cycle.map_or(0.0, |_| y[block.row + n]);
                for k in 0..n {
                    let row_dual = y[block.row + k];
                    let balance_dual = y[self.balance_row + block.first_slot + k];
                    if let Some(c) = block.charge {
                        columns[c - first + k] = -block.h_eta * row_dual - balance_dual;
                    }
                    if let Some(d) = block.discharge {
                        columns[d - first + k] =
                            block.h_over_eta * (row_dual + cycle_dual) + balance_dual;
                    }
                    if k < block.energy_vars {
                        let next = if k + 1 < n { y[block.row + k + 1] } else { 0.0 };
                        columns[block.energy - first + k] = row_dual - next;
                    }
                }
                if let Some(cycle) = block.cycle {
                    columns[cycle - first] = cycle_dual;
                }
            });
        site_columns.fill(0.0);
        let at = |column: usize| column - self.import;
        let mut excess_dual = 0.0;
        for slot in 0..self.slots {
            let balance_dual = y[self.balance_row + slot];
            let mut import = balance_dual;
            if let Some(peak) = self.peak {
                let peak_dual = y[peak.row + slot];
                import += peak_dual;
                site_columns[at(peak.slack + slot)] = peak_dual;
                excess_dual -= peak_dual;
            }
            site_columns[at(self.import + slot)] = import;
            if let Some(e) = self.export[slot] {
                site_columns[at(e)] = -balance_dual;
            }
        }
        if let Some(peak) = self.peak {
            site_columns[at(peak.excess)] = excess_dual;
        }
    }

    fn factor(&mut self, theta: &[f64]) {
        let slots = self.slots;
        let longest = self.longest_window;
        let blocks = &self.blocks;
        // Every block factors itself and sums its Schur contribution into a task's own
        // slots × slots accumulator; the accumulators are added up.
        let mut master = self
            .factors
            .par_iter_mut()
            .zip(blocks.par_iter())
            .with_min_len(BLOCKS_PER_TASK)
            .fold(
                || {
                    (
                        vec![0.0; slots * slots],
                        vec![0.0; longest],
                        vec![0.0; longest],
                    )
                },
                |(mut master, mut inverse_row, mut diagonal), (factor, block)| {
                    factor.factor(
                        block,
                        theta,
                        &mut master,
                        slots,
                        &mut inverse_row,
                        &mut diagonal,
                    );
                    (master, inverse_row, diagonal)
                },
            )
            .map(|(master, _, _)| master)
            .reduce(|| vec![0.0; slots * slots], add_vectors);
        for slot in 0..slots {
            let import = theta[self.import + slot];
            let export = self.export[slot].map_or(0.0, |e| theta[e]);
            master[slot * slots + slot] += import + export;
        }
        // The site's rows: balance rows, then (with a demand price) the peak rows, whose
        // block is diag(θimport + θslack) + θexcess·11ᵀ and which meet the balance rows through
        // diag(θimport). They are factored together, densely: eliminating the peak rows in
        // closed form (Sherman–Morrison) cancels catastrophically when a slot's import sits at
        // its cap while `excess` is inside its bounds.
        let size = self.master_size();
        let mut site = vec![0.0; size * size];
        for t in 0..slots {
            site[t * size..t * size + slots].copy_from_slice(&master[t * slots..(t + 1) * slots]);
        }
        if let Some(peak) = self.peak {
            let theta_excess = theta[peak.excess];
            for t in 0..slots {
                let row = slots + t;
                site[row * size + t] = theta[self.import + t];
                for s in 0..t {
                    site[row * size + slots + s] = theta_excess;
                }
                site[row * size + row] =
                    theta[self.import + t] + theta[peak.slack + t] + theta_excess;
            }
        }

        // Dense Cholesky (lower triangle).
        for j in 0..size {
            let diagonal = site[j * size + j];
            let mut pivot = diagonal;
            for k in 0..j {
                let v = site[j * size + k];
                pivot -= v * v;
            }
            let pivot = if pivot > TINY_PIVOT.max(CANCELLATION * diagonal) {
                pivot.sqrt()
            } else {
                HUGE_PIVOT
            };
            site[j * size + j] = pivot;
            for i in j + 1..size {
                let mut value = site[i * size + j];
                for k in 0..j {
                    value -= site[i * size + k] * site[j * size + k];
                }
                site[i * size + j] = value / pivot;
            }
        }
        self.master = site;
    }

    fn solve(&self, rhs: &mut [f64]) {
        let slots = self.slots;
        let longest = self.longest_window + 1;
        // 1. Eliminate the session blocks from the balance rows' right-hand side.
        let eliminated = {
            let rhs: &[f64] = rhs;
            self.factors
                .par_iter()
                .zip(self.blocks.par_iter())
                .with_min_len(BLOCKS_PER_TASK)
                .fold(
                    || (vec![0.0; slots], vec![0.0; longest]),
                    |(mut balance, mut scratch), (factor, block)| {
                        let rows = Self::block_rows(block);
                        scratch[..rows].copy_from_slice(&rhs[block.row..block.row + rows]);
                        factor.solve(block, &mut scratch[..rows]);
                        let cycle = if block.cycle.is_some() {
                            scratch[block.len]
                        } else {
                            0.0
                        };
                        for k in 0..block.len {
                            balance[block.first_slot + k] +=
                                factor.kappa[k] * scratch[k] + factor.kappa_cycle[k] * cycle;
                        }
                        (balance, scratch)
                    },
                )
                .map(|(balance, _)| balance)
                .reduce(|| vec![0.0; slots], add_vectors)
        };
        for (value, minus) in rhs[self.balance_row..self.balance_row + slots]
            .iter_mut()
            .zip(&eliminated)
        {
            *value -= minus;
        }
        // 2. The site's rows (balance, then peak: contiguous in `rhs`), densely.
        let size = self.master_size();
        let site = &mut rhs[self.balance_row..self.balance_row + size];
        for i in 0..size {
            let mut value = site[i];
            for k in 0..i {
                value -= self.master[i * size + k] * site[k];
            }
            site[i] = value / self.master[i * size + i];
        }
        for i in (0..size).rev() {
            let mut value = site[i];
            for k in i + 1..size {
                value -= self.master[k * size + i] * site[k];
            }
            site[i] = value / self.master[i * size + i];
        }
        // 3. Session duals: y_i = M_i⁻¹ (r_i − K_i y_b), each block in its own rows.
        let (block_rows, site_rows) = rhs.split_at_mut(self.balance_row);
        let y_balance: &[f64] = &site_rows[..slots];
        let parts = split_ranges(
            block_rows,
            self.blocks.iter().map(|b| (b.row, Self::block_rows(b))),
        );
        parts
            .into_par_iter()
            .zip(self.factors.par_iter().zip(self.blocks.par_iter()))
            .with_min_len(BLOCKS_PER_TASK)
            .for_each(|(rows, (factor, block))| {
                let n = block.len;
                let mut cycle_coupling = 0.0;
                for k in 0..n {
                    let y = y_balance[block.first_slot + k];
                    rows[k] -= factor.kappa[k] * y;
                    cycle_coupling += factor.kappa_cycle[k] * y;
                }
                if block.cycle.is_some() {
                    rows[n] -= cycle_coupling;
                }
                factor.solve(block, rows);
            });
    }
}

/// `a + b`, element by element (the reduction of the per-task accumulators).
fn add_vectors(mut a: Vec<f64>, b: Vec<f64>) -> Vec<f64> {
    for (x, y) in a.iter_mut().zip(&b) {
        *x += y;
    }
    a
}
