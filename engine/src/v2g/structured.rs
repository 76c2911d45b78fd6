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
//! slots × slots Schur complement is `Kᵀ M⁻¹ K`, a window × window block. The peak rows are
//! a diagonal plus a rank-one term (`excess` is in all of them) and are eliminated in closed
//! form (Sherman–Morrison). A general sparse Cholesky would instead fill the dense slot rows
//! across every session's rows.

// PANIC SAFETY: the offsets stored in `Block` and `StructuredLp` are computed once in
// `StructuredLp::new` from the same counts used to size `cost`, `lower`, `upper`, `rhs` and the
// factor arrays; `multiply`/`solve` receive vectors of `cols`/`rows` entries (checked by the
// interior-point driver). Indexing keeps the numeric kernel readable and fast.
#![allow(clippy::indexing_slicing)]
// Block loops index several per-slot arrays at offsets; see above.
#![allow(clippy::needless_range_loop)]

use super::ipm::NormalEquations;
use super::problem::V2gProblem;
use crate::schedule::Mode;

/// Pivots below this are treated as zero: the row is (numerically) fixed and its direction
/// component set to 0 — the usual interior-point treatment of dependent rows.
const TINY_PIVOT: f64 = 1e-30;
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
    /// Offset into the per-slot factor arrays.
    pub factor: usize,
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
    // Factors: per block slot — LDLᵀ pivots and multipliers of the tridiagonal part, its
    // coupling to the balance rows (κ), the cycle row's coupling (κ_cycle) and T⁻¹·border (g).
    pivot: Vec<f64>,
    /// `1 / pivot` (the solves multiply; divisions dominated their time).
    inverse_pivot: Vec<f64>,
    multiplier: Vec<f64>,
    kappa: Vec<f64>,
    kappa_cycle: Vec<f64>,
    border: Vec<f64>,
    border_solved: Vec<f64>,
    /// Per block: Schur complement of the cycle row (0 without one).
    gamma: Vec<f64>,
    /// Dense slots × slots Cholesky factor (lower triangle, row-major).
    master: Vec<f64>,
    /// Peak elimination: `P_t`, `D_t` and the rank-one weight β.
    peak_p: Vec<f64>,
    peak_d: Vec<f64>,
    peak_beta: f64,
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
        let mut factor = 0;
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
                factor,
            });
            factor += len;
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
            pivot: vec![0.0; factor],
            inverse_pivot: vec![0.0; factor],
            multiplier: vec![0.0; factor],
            kappa: vec![0.0; factor],
            kappa_cycle: vec![0.0; factor],
            border: vec![0.0; factor],
            border_solved: vec![0.0; factor],
            gamma: vec![0.0; blocks.len()],
            master: vec![0.0; slots * slots],
            peak_p: vec![0.0; slots],
            peak_d: vec![0.0; slots],
            peak_beta: 0.0,
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

    /// Solve the block system `M y = r` in place (`r` holds the block's rows: `len` energy
    /// rows and, with a cycle cap, the cycle row last).
    fn solve_block(&self, index: usize, block: &Block, r: &mut [f64]) {
        let n = block.len;
        let f = block.factor;
        // T⁻¹ r by LDLᵀ: forward, scale, backward.
        for k in 1..n {
            r[k] -= self.multiplier[f + k - 1] * r[k - 1];
        }
        for k in 0..n {
            r[k] *= self.inverse_pivot[f + k];
        }
        for k in (0..n.saturating_sub(1)).rev() {
            r[k] -= self.multiplier[f + k] * r[k + 1];
        }
        if block.cycle.is_some() {
            // Bordered system: β = (ρ − wᵀT⁻¹r)/γ, a = T⁻¹r − gβ, with wᵀT⁻¹r computed as
            // gᵀr_original; here r already holds T⁻¹r, so use wᵀ(T⁻¹r) instead.
            let w_t_r: f64 = (0..n).map(|k| self.border[f + k] * r[k]).sum();
            let beta = (r[n] - w_t_r) / self.gamma[index];
            for k in 0..n {
                r[k] -= self.border_solved[f + k] * beta;
            }
            r[n] = beta;
        }
    }

    /// Rows of a block (energy rows plus the cycle row).
    fn block_rows(block: &Block) -> usize {
        block.len + usize::from(block.cycle.is_some())
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
        out.fill(0.0);
        for block in &self.blocks {
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
                out[block.row + k] = value;
                out[self.balance_row + block.first_slot + k] += discharge - charge;
            }
            if let (Some(cycle), Some(d)) = (block.cycle, block.discharge) {
                let drained: f64 = (0..n).map(|k| x[d + k]).sum::<f64>() * block.h_over_eta;
                out[block.row + n] = drained + x[cycle];
            }
        }
        for slot in 0..self.slots {
            let import = x[self.import + slot];
            let export = self.export[slot].map_or(0.0, |e| x[e]);
            out[self.balance_row + slot] += import - export;
            if let Some(peak) = self.peak {
                out[peak.row + slot] = import - x[peak.excess] + x[peak.slack + slot];
            }
        }
    }

    fn multiply_transposed(&self, y: &[f64], out: &mut [f64]) {
        out.fill(0.0);
        for block in &self.blocks {
            let n = block.len;
            let cycle_dual = block.cycle.map_or(0.0, |_| y[block.row + n]);
            for k in 0..n {
                let row_dual = y[block.row + k];
                let balance_dual = y[self.balance_row + block.first_slot + k];
                if let Some(c) = block.charge {
                    out[c + k] = -block.h_eta * row_dual - balance_dual;
                }
                if let Some(d) = block.discharge {
                    out[d + k] = block.h_over_eta * (row_dual + cycle_dual) + balance_dual;
                }
                if k < block.energy_vars {
                    let next = if k + 1 < n { y[block.row + k + 1] } else { 0.0 };
                    out[block.energy + k] = row_dual - next;
                }
            }
            if let Some(cycle) = block.cycle {
                out[cycle] = cycle_dual;
            }
        }
        let mut excess_dual = 0.0;
        for slot in 0..self.slots {
            let balance_dual = y[self.balance_row + slot];
            let mut import = balance_dual;
            if let Some(peak) = self.peak {
                let peak_dual = y[peak.row + slot];
                import += peak_dual;
                out[peak.slack + slot] = peak_dual;
                excess_dual -= peak_dual;
            }
            out[self.import + slot] = import;
            if let Some(e) = self.export[slot] {
                out[e] = -balance_dual;
            }
        }
        if let Some(peak) = self.peak {
            out[peak.excess] = excess_dual;
        }
    }

    fn factor(&mut self, theta: &[f64]) {
        let slots = self.slots;
        self.master.fill(0.0);
        for slot in 0..slots {
            let import = theta[self.import + slot];
            let export = self.export[slot].map_or(0.0, |e| theta[e]);
            self.master[slot * slots + slot] = import + export;
        }
        let mut inverse_row = vec![0.0; self.longest_window];
        let mut diagonal = vec![0.0; self.longest_window];
        let blocks = std::mem::take(&mut self.blocks);
        for (index, block) in blocks.iter().enumerate() {
            let n = block.len;
            let f = block.factor;
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
                self.kappa[f + k] = hc * tc + hd * td;
                self.kappa_cycle[f + k] = hd * td;
                self.border[f + k] = hd * hd * td;
                gamma += hd * hd * td;
                let slot = block.first_slot + k;
                self.master[slot * slots + slot] += tc + td;
            }
            // LDLᵀ of the tridiagonal part; off-diagonal T[k][k+1] = −θe_k.
            for k in 0..n {
                let mut pivot = diagonal[k];
                if k > 0 {
                    let m = self.multiplier[f + k - 1];
                    pivot -= m * m * self.pivot[f + k - 1];
                }
                if pivot.is_nan() || pivot <= TINY_PIVOT {
                    pivot = HUGE_PIVOT;
                }
                self.pivot[f + k] = pivot;
                self.inverse_pivot[f + k] = 1.0 / pivot;
                if k + 1 < n {
                    self.multiplier[f + k] = -theta_energy(k) / pivot;
                }
            }
            if block.cycle.is_some() {
                // g = T⁻¹ w, γ = γ0 − wᵀg.
                for k in 0..n {
                    self.border_solved[f + k] = self.border[f + k];
                }
                for k in 1..n {
                    self.border_solved[f + k] -=
                        self.multiplier[f + k - 1] * self.border_solved[f + k - 1];
                }
                for k in 0..n {
                    self.border_solved[f + k] /= self.pivot[f + k];
                }
                for k in (0..n.saturating_sub(1)).rev() {
                    self.border_solved[f + k] -=
                        self.multiplier[f + k] * self.border_solved[f + k + 1];
                }
                let w_g: f64 = (0..n)
                    .map(|k| self.border[f + k] * self.border_solved[f + k])
                    .sum();
                gamma -= w_g;
                if gamma.is_nan() || gamma <= TINY_PIVOT {
                    gamma = HUGE_PIVOT;
                }
            }
            self.gamma[index] = gamma;

            // Schur contribution −κ_i κ_j X_ij (X = T⁻¹), built row by row from the bottom:
            // X[i][j] = −l_i X[i+1][j] (j > i), X[i][i] = 1/d_i + l_i² X[i+1][i+1].
            for i in (0..n).rev() {
                if i + 1 == n {
                    inverse_row[i] = 1.0 / self.pivot[f + i];
                } else {
                    let l = self.multiplier[f + i];
                    let next_diagonal = inverse_row[i + 1];
                    for value in inverse_row.iter_mut().take(n).skip(i + 1) {
                        *value *= -l;
                    }
                    inverse_row[i] = 1.0 / self.pivot[f + i] + l * l * next_diagonal;
                }
                let kappa_i = self.kappa[f + i];
                let u_i = if block.cycle.is_some() {
                    self.kappa[f + i] * self.border_solved[f + i] - self.kappa_cycle[f + i]
                } else {
                    0.0
                };
                let row_slot = block.first_slot + i;
                for j in i..n {
                    let mut value = kappa_i * self.kappa[f + j] * inverse_row[j];
                    if block.cycle.is_some() {
                        let u_j =
                            self.kappa[f + j] * self.border_solved[f + j] - self.kappa_cycle[f + j];
                        value += u_i * u_j / gamma;
                    }
                    // Lower triangle: row = later slot.
                    let col_slot = block.first_slot + j;
                    self.master[col_slot * slots + row_slot] -= value;
                }
            }
        }
        self.blocks = blocks;

        // Peak rows: P = diag(θimport + θslack) + θexcess·11ᵀ, coupled to the balance rows by
        // D = diag(θimport). Eliminate: S −= D P⁻¹ D − β (D P⁻¹ 1)(D P⁻¹ 1)ᵀ.
        if let Some(peak) = self.peak {
            let theta_excess = theta[peak.excess];
            let mut inverse_sum = 0.0;
            for slot in 0..slots {
                let d = theta[self.import + slot];
                let p = d + theta[peak.slack + slot];
                self.peak_p[slot] = p;
                self.peak_d[slot] = d;
                inverse_sum += 1.0 / p;
            }
            self.peak_beta = theta_excess / (1.0 + theta_excess * inverse_sum);
            for t in 0..slots {
                let wt = self.peak_d[t] / self.peak_p[t];
                self.master[t * slots + t] -= self.peak_d[t] * wt;
                for s in 0..=t {
                    let ws = self.peak_d[s] / self.peak_p[s];
                    self.master[t * slots + s] += self.peak_beta * wt * ws;
                }
            }
        }

        // Dense Cholesky of the slots × slots Schur complement (lower triangle).
        for j in 0..slots {
            let mut pivot = self.master[j * slots + j];
            for k in 0..j {
                let v = self.master[j * slots + k];
                pivot -= v * v;
            }
            let pivot = if pivot > TINY_PIVOT {
                pivot.sqrt()
            } else {
                HUGE_PIVOT
            };
            self.master[j * slots + j] = pivot;
            for i in j + 1..slots {
                let mut value = self.master[i * slots + j];
                for k in 0..j {
                    value -= self.master[i * slots + k] * self.master[j * slots + k];
                }
                self.master[i * slots + j] = value / pivot;
            }
        }
    }

    fn solve(&self, rhs: &mut [f64]) {
        let slots = self.slots;
        let mut scratch = vec![0.0; self.longest_window + 1];
        // 1. Eliminate the session blocks from the balance rows' right-hand side.
        for (index, block) in self.blocks.iter().enumerate() {
            let rows = Self::block_rows(block);
            scratch[..rows].copy_from_slice(&rhs[block.row..block.row + rows]);
            self.solve_block(index, block, &mut scratch[..rows]);
            let cycle = if block.cycle.is_some() {
                scratch[block.len]
            } else {
                0.0
            };
            for k in 0..block.len {
                let f = block.factor + k;
                rhs[self.balance_row + block.first_slot + k] -=
                    self.kappa[f] * scratch[k] + self.kappa_cycle[f] * cycle;
            }
        }
        // 2. Eliminate the peak rows: r_b −= D (P + θx 11ᵀ)⁻¹ r_p.
        let apply_peak_inverse = |r: &mut [f64]| {
            let weighted: f64 = (0..slots).map(|t| r[t] / self.peak_p[t]).sum();
            for t in 0..slots {
                r[t] = r[t] / self.peak_p[t] - self.peak_beta * weighted / self.peak_p[t];
            }
        };
        let mut peak_rhs = Vec::new();
        if let Some(peak) = self.peak {
            peak_rhs.extend_from_slice(&rhs[peak.row..peak.row + slots]);
            let mut eliminated = peak_rhs.clone();
            apply_peak_inverse(&mut eliminated);
            for t in 0..slots {
                rhs[self.balance_row + t] -= self.peak_d[t] * eliminated[t];
            }
        }
        // 3. The slots × slots system.
        let balance = &mut rhs[self.balance_row..self.balance_row + slots];
        for i in 0..slots {
            let mut value = balance[i];
            for k in 0..i {
                value -= self.master[i * slots + k] * balance[k];
            }
            balance[i] = value / self.master[i * slots + i];
        }
        for i in (0..slots).rev() {
            let mut value = balance[i];
            for k in i + 1..slots {
                value -= self.master[k * slots + i] * balance[k];
            }
            balance[i] = value / self.master[i * slots + i];
        }
        // 4. Peak duals: y_p = (P + θx 11ᵀ)⁻¹ (r_p − D y_b).
        if let Some(peak) = self.peak {
            for t in 0..slots {
                peak_rhs[t] -= self.peak_d[t] * rhs[self.balance_row + t];
            }
            apply_peak_inverse(&mut peak_rhs);
            rhs[peak.row..peak.row + slots].copy_from_slice(&peak_rhs);
        }
        // 5. Session duals: y_i = M_i⁻¹ (r_i − K_i y_b).
        for (index, block) in self.blocks.iter().enumerate() {
            let n = block.len;
            let mut cycle_coupling = 0.0;
            for k in 0..n {
                let f = block.factor + k;
                let y_balance = rhs[self.balance_row + block.first_slot + k];
                rhs[block.row + k] -= self.kappa[f] * y_balance;
                cycle_coupling += self.kappa_cycle[f] * y_balance;
            }
            if block.cycle.is_some() {
                rhs[block.row + n] -= cycle_coupling;
            }
            let rows = Self::block_rows(block);
            self.solve_block(index, block, &mut rhs[block.row..block.row + rows]);
        }
    }
}
