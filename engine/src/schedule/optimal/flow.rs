//! The inner problem of the optimal strategy: with every slot's capacity fixed, deliver the
//! energy at least cost.
//!
//! **Model.** A transportation network: sessions (supply = grid kWh they still need) →
//! slots of their window (arc capacity = the session's kWh per slot) → the site (slot
//! capacity = headroom × slot hours). Delivering one grid kWh of session `v` in slot `t`
//! costs `price[t]` and earns `value[v]` (the penalty it avoids). Costs sit on slots only,
//! which is the structure this module exploits.
//!
//! **Algorithm.** Successive shortest paths. Every augmenting path starts at a session and
//! ends at a slot (flow through intermediate slots only re-routes, their totals stay), so
//! its cost is `price[end slot] − value[start session]`. Sessions are grouped by value;
//! the algorithm visits the (group, slot) pairs in increasing `price − value` and pushes as
//! much as the residual network allows from that group into that slot — first directly,
//! then along re-routing paths found by a breadth-first search over slots. Because
//! shortest-path lengths never decrease during successive shortest paths, no pair has to be
//! visited twice, and the result is a minimum-cost flow (the same argument as the greedy
//! algorithm over a polymatroid: cheaper slots are filled maximally first).
//!
//! When a slot cannot take every session that wants it, the direct pass serves the sessions
//! with the fewest remaining options first; that choice affects only speed (fewer re-routing
//! paths later), never the cost.

// PANIC SAFETY: this is the solver kernel. Every index is built here from a validated
// `Problem`: session windows lie inside the horizon (`Problem::validate`), `offset[v] + k`
// for `k < len[v]` lies inside `flow` by construction, slot lists hold session indices < n.
// Bounds-checked accessors in the inner loops would cost the speed this module exists for.
#![allow(clippy::indexing_slicing)]

use crate::schedule::Problem;

/// The network of a problem, built once and solved for many slot capacities.
pub(super) struct Network {
    pub slots: usize,
    /// Energy price per grid kWh, per slot.
    pub price: Vec<f64>,
    /// First slot of each session.
    pub first: Vec<usize>,
    /// Window length of each session.
    pub len: Vec<usize>,
    /// Start of each session's window in the flow vector.
    pub offset: Vec<usize>,
    /// Grid kWh a session can take per slot.
    pub per_slot_kwh: Vec<f64>,
    /// `by_slot[by_slot_start[t]..by_slot_start[t + 1]]`: sessions plugged in during slot `t`.
    by_slot_start: Vec<usize>,
    by_slot: Vec<u32>,
    /// Amounts below this are zero (kWh).
    pub eps: f64,
}

impl Network {
    pub fn new(problem: &Problem) -> Self {
        let hours = problem.slot_hours();
        let slots = problem.slots();
        let n = problem.sessions.len();
        let mut first = Vec::with_capacity(n);
        let mut len = Vec::with_capacity(n);
        let mut offset = Vec::with_capacity(n);
        let mut per_slot_kwh = Vec::with_capacity(n);
        let mut counts = vec![0usize; slots + 1];
        let mut total = 0;
        let mut scale: f64 = 1.0;
        for session in &problem.sessions {
            first.push(session.first_slot);
            len.push(session.window_len());
            offset.push(total);
            total += session.window_len();
            let kwh = session.max_kw * hours;
            scale = scale.max(kwh);
            per_slot_kwh.push(kwh);
            for count in &mut counts[session.first_slot..session.end_slot] {
                *count += 1;
            }
        }
        let mut by_slot_start = Vec::with_capacity(slots + 1);
        let mut running = 0;
        for count in &counts[..slots] {
            by_slot_start.push(running);
            running += count;
        }
        by_slot_start.push(running);
        let mut fill = by_slot_start.clone();
        let mut by_slot = vec![0u32; running];
        for (index, session) in problem.sessions.iter().enumerate() {
            for slot in session.first_slot..session.end_slot {
                by_slot[fill[slot]] = index as u32;
                fill[slot] += 1;
            }
        }
        Network {
            slots,
            price: problem.energy_price.clone(),
            first,
            len,
            offset,
            per_slot_kwh,
            by_slot_start,
            by_slot,
            eps: 1e-10 * scale,
        }
    }

    pub fn sessions(&self) -> usize {
        self.first.len()
    }

    fn at_slot(&self, slot: usize) -> &[u32] {
        &self.by_slot[self.by_slot_start[slot]..self.by_slot_start[slot + 1]]
    }

    /// Index into the flow vector of session `v` at slot `slot` (which must be in its window).
    fn cell(&self, v: usize, slot: usize) -> usize {
        self.offset[v] + slot - self.first[v]
    }
}

/// One round of supply: how much each session offers, and what a delivered kWh earns.
pub(super) struct Phase {
    /// Grid kWh each session offers in this phase.
    pub amount: Vec<f64>,
    /// Group of each session (index into `value`).
    pub group: Vec<u16>,
    /// Value of one delivered grid kWh, per group.
    pub value: Vec<f64>,
}

/// A flow: grid kWh per session per slot of its window, and per-slot totals.
pub(super) struct Flow {
    pub kwh: Vec<f64>,
    pub slot_kwh: Vec<f64>,
    /// Grid kWh delivered per session.
    pub delivered: Vec<f64>,
}

/// Work arrays reused across solves (allocation-free inner loops).
pub(super) struct Solver<'a> {
    net: &'a Network,
    flow: Flow,
    residual: Vec<f64>,
    /// Per-slot capacity, kWh.
    capacity: Vec<f64>,
    // Breadth-first search state.
    stamp: Vec<u32>,
    epoch: u32,
    parent: Vec<Option<(usize, usize)>>,
    queue: Vec<usize>,
    candidates: Vec<(f64, u32)>,
    /// Sessions of each group of the current phase that may still have supply.
    members: Vec<Vec<u32>>,
    /// `pending[group * slots + slot]`: 1 while the pair is still to be visited, and the
    /// prefix sums of the current group's row.
    pending: Vec<u32>,
    pending_prefix: Vec<u32>,
}

impl<'a> Solver<'a> {
    pub fn new(net: &'a Network) -> Self {
        let total: usize = net.len.iter().sum();
        Solver {
            net,
            flow: Flow {
                kwh: vec![0.0; total],
                slot_kwh: vec![0.0; net.slots],
                delivered: vec![0.0; net.sessions()],
            },
            residual: vec![0.0; net.sessions()],
            capacity: vec![0.0; net.slots],
            stamp: vec![0; net.sessions()],
            epoch: 0,
            parent: vec![None; net.slots],
            queue: Vec::new(),
            candidates: Vec::new(),
            members: Vec::new(),
            pending: Vec::new(),
            pending_prefix: vec![0; net.slots + 1],
        }
    }

    /// Per-slot fleet kWh of the last solve.
    pub fn flow_slot_kwh(&self) -> &[f64] {
        &self.flow.slot_kwh
    }

    /// Minimum-cost flow for slot capacities `capacity_kwh` and the phases in order.
    pub fn solve(&mut self, capacity_kwh: &[f64], phases: &[Phase]) -> &Flow {
        self.capacity.clear();
        self.capacity
            .extend(capacity_kwh.iter().map(|c| c.max(0.0)));
        self.flow.kwh.iter_mut().for_each(|x| *x = 0.0);
        self.flow.slot_kwh.iter_mut().for_each(|x| *x = 0.0);
        self.flow.delivered.iter_mut().for_each(|x| *x = 0.0);
        for phase in phases {
            self.run_phase(phase);
        }
        &self.flow
    }

    fn run_phase(&mut self, phase: &Phase) {
        let net = self.net;
        self.residual.clear();
        self.residual.extend(phase.amount.iter().copied());
        // Residual supply per group, to skip searches for a group that has nothing left.
        let mut group_left = vec![0.0; phase.value.len()];
        for (v, amount) in phase.amount.iter().enumerate() {
            if let Some(left) = group_left.get_mut(usize::from(phase.group[v])) {
                *left += amount;
            }
        }
        self.members.clear();
        self.members.resize(phase.value.len(), Vec::new());
        for (v, group) in phase.group.iter().enumerate() {
            if let Some(members) = self.members.get_mut(usize::from(*group)) {
                if phase.amount[v] > net.eps {
                    members.push(v as u32);
                }
            }
        }
        // (price − value, group, slot), cheapest first; pairs that cost more than they earn
        // are never worth a path.
        let mut steps: Vec<(f64, usize, usize)> = Vec::new();
        for (group, value) in phase.value.iter().enumerate() {
            for (slot, price) in net.price.iter().enumerate() {
                if price < value {
                    steps.push((price - value, group, slot));
                }
            }
        }
        steps.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.2.cmp(&b.2)));
        self.pending.clear();
        self.pending.resize(phase.value.len() * net.slots, 0);
        for &(_, group, slot) in &steps {
            self.pending[group * net.slots + slot] = 1;
        }
        for &(_, group, slot) in &steps {
            self.pending[group * net.slots + slot] = 0;
            if group_left[group] <= net.eps {
                continue;
            }
            let pushed = self.fill(slot, group, phase);
            group_left[group] -= pushed;
        }
    }

    /// Push as much as possible from `group` into `slot`; returns the kWh pushed.
    fn fill(&mut self, slot: usize, group: usize, phase: &Phase) -> f64 {
        let net = self.net;
        let eps = net.eps;
        let mut spare = self.capacity[slot] - self.flow.slot_kwh[slot];
        if spare <= eps {
            return 0.0;
        }
        let start = spare;
        // Direct arcs.
        self.candidates.clear();
        let mut wanted = 0.0;
        // Scan whichever is shorter: the sessions plugged in during the slot, or the group's
        // sessions (many small groups — e.g. one per charger efficiency in cost mode).
        let by_group = self.members[group].len() < net.at_slot(slot).len();
        let count = if by_group {
            self.members[group].len()
        } else {
            net.at_slot(slot).len()
        };
        for index in 0..count {
            let v = if by_group {
                self.members[group][index] as usize
            } else {
                net.at_slot(slot)[index] as usize
            };
            if by_group && !(net.first[v] <= slot && slot < net.first[v] + net.len[v]) {
                continue;
            }
            if usize::from(phase.group[v]) != group || self.residual[v] <= eps {
                continue;
            }
            let room = net.per_slot_kwh[v] - self.flow.kwh[net.cell(v, slot)];
            if room <= eps {
                continue;
            }
            wanted += room.min(self.residual[v]);
            self.candidates.push((0.0, v as u32));
        }
        if wanted > spare {
            // Not everyone fits: serve the sessions with the least slack in the slots this
            // group has still to visit.
            let mut running = 0;
            let row = &self.pending[group * net.slots..(group + 1) * net.slots];
            for (p, count) in row.iter().enumerate() {
                self.pending_prefix[p] = running;
                running += count;
            }
            self.pending_prefix[net.slots] = running;
            for candidate in &mut self.candidates {
                let v = candidate.1 as usize;
                let later = self.pending_prefix[net.first[v] + net.len[v]]
                    - self.pending_prefix[net.first[v]];
                candidate.0 = f64::from(later) * net.per_slot_kwh[v] - self.residual[v];
            }
            self.candidates.sort_by(|a, b| a.0.total_cmp(&b.0));
        }
        for index in 0..self.candidates.len() {
            if spare <= eps {
                break;
            }
            let v = self.candidates[index].1 as usize;
            let cell = net.cell(v, slot);
            let amount = (net.per_slot_kwh[v] - self.flow.kwh[cell])
                .min(self.residual[v])
                .min(spare);
            self.flow.kwh[cell] += amount;
            self.residual[v] -= amount;
            self.flow.delivered[v] += amount;
            spare -= amount;
        }
        // Re-routing paths: label the slots that can pass energy on towards `slot`, then
        // try every session with supply left against those labels; search again only while
        // that makes progress (labels go stale as paths are applied).
        while spare > eps {
            self.members[group].retain(|&v| self.residual[v as usize] > eps);
            if self.members[group].is_empty() {
                break;
            }
            self.label_from(slot);
            let mut progressed = false;
            let mut index = 0;
            while let Some(&v) = self.members[group].get(index) {
                index += 1;
                let v = v as usize;
                for q in net.first[v]..net.first[v] + net.len[v] {
                    if spare <= eps || self.residual[v] <= eps {
                        break;
                    }
                    if q != slot && self.parent[q].is_none() {
                        continue;
                    }
                    if net.per_slot_kwh[v] - self.flow.kwh[net.cell(v, q)] <= eps {
                        continue;
                    }
                    let amount = self.push_path(v, q, slot, spare);
                    if amount > 0.0 {
                        spare -= amount;
                        progressed = true;
                    }
                }
                if spare <= eps {
                    break;
                }
            }
            if !progressed {
                break;
            }
        }
        let pushed = start - spare.max(0.0);
        self.flow.slot_kwh[slot] += pushed;
        pushed
    }

    /// Breadth-first search backwards from `target`: `parent[s] = Some((q, w))` when
    /// session `w` holds energy in slot `s` and can take more in slot `q`, which is itself
    /// labelled (or is the target): moving `w`'s energy from `s` to `q` frees room in `s`.
    fn label_from(&mut self, target: usize) {
        let net = self.net;
        let eps = net.eps;
        self.epoch = self.epoch.wrapping_add(1);
        if self.epoch == 0 {
            self.stamp.iter_mut().for_each(|s| *s = 0);
            self.epoch = 1;
        }
        self.parent.iter_mut().for_each(|p| *p = None);
        self.queue.clear();
        self.queue.push(target);
        // Only a slot that holds energy can be labelled: stop once all of them are.
        let mut unlabelled = self
            .flow
            .slot_kwh
            .iter()
            .enumerate()
            .filter(|&(s, &kwh)| s != target && kwh > eps)
            .count();
        let mut head = 0;
        while let Some(&q) = self.queue.get(head) {
            head += 1;
            for &w in net.at_slot(q) {
                if unlabelled == 0 {
                    return;
                }
                let w = w as usize;
                if self.stamp[w] == self.epoch
                    || net.per_slot_kwh[w] - self.flow.kwh[net.cell(w, q)] <= eps
                {
                    continue;
                }
                // Scanning `w` once labels every slot it holds energy in; a later scan from
                // another slot would label the same ones.
                self.stamp[w] = self.epoch;
                let base = net.offset[w];
                for k in 0..net.len[w] {
                    let s = net.first[w] + k;
                    if s != target && self.parent[s].is_none() && self.flow.kwh[base + k] > eps {
                        self.parent[s] = Some((q, w));
                        self.queue.push(s);
                        unlabelled -= 1;
                    }
                }
            }
        }
    }

    /// Push from `source` (which adds energy in slot `start`) along the labels to `target`;
    /// returns the kWh pushed (0 when a label has gone stale).
    fn push_path(&mut self, source: usize, start: usize, target: usize, spare: f64) -> f64 {
        let net = self.net;
        let mut amount = spare
            .min(self.residual[source])
            .min(net.per_slot_kwh[source] - self.flow.kwh[net.cell(source, start)]);
        let mut q = start;
        let mut hops = 0;
        while q != target {
            let Some((next, via)) = self.parent[q] else {
                return 0.0;
            };
            if via == source {
                // The source would both add and re-route in one slot: leave it to a fresh search.
                return 0.0;
            }
            amount = amount
                .min(self.flow.kwh[net.cell(via, q)])
                .min(net.per_slot_kwh[via] - self.flow.kwh[net.cell(via, next)]);
            q = next;
            hops += 1;
            if hops > net.slots {
                return 0.0;
            }
        }
        if amount <= net.eps {
            return 0.0;
        }
        let cell = net.cell(source, start);
        self.flow.kwh[cell] += amount;
        self.residual[source] -= amount;
        self.flow.delivered[source] += amount;
        let mut q = start;
        while q != target {
            let Some((next, via)) = self.parent[q] else {
                break;
            };
            let from = net.cell(via, q);
            self.flow.kwh[from] = (self.flow.kwh[from] - amount).max(0.0);
            self.flow.kwh[net.cell(via, next)] += amount;
            q = next;
        }
        amount
    }
}
