//! Comparing two versions of rules: which rate lines changed, tariff by tariff, and what the
//! change does to each customer's bill (billed by the engine under both, in parallel).
//!
//! **Decision (validity windows)**: the bill impact asks what the *same* load would cost
//! under each set of rules, so both tariffs are billed with their package validity window
//! lifted; each timeline still gives the value in force at the load's own dates. A customer
//! whose load one of the tariffs cannot bill (a missing index, a timeline that starts after
//! the load) is reported with the reason, never counted as zero.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};

use rayon::prelude::*;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use serde_json::Value;
use voltlex_dsl::rules::{CompiledRules, EnergyPricing, Tariff, Timeline};
use voltlex_engine::billing::bill;
use voltlex_engine::inputs::{BillingInputs, LoadProfile};
use voltlex_engine::month::YearMonth;

/// One rate line that differs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineChange {
    /// What the line is (`energy peak`, `demand charge`, `fixed customer`, `periods`).
    pub line: String,
    /// Its value in the old rules (`None`: added).
    pub old: Option<String>,
    /// Its value in the new rules (`None`: removed).
    pub new: Option<String>,
}

/// How one tariff differs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TariffChange {
    /// Only in the new rules.
    Added(String),
    /// Only in the old rules.
    Removed(String),
    /// In both, with these lines different.
    Changed(String, Vec<LineChange>),
}

fn timeline(values: &Timeline<Decimal>, unit: &str) -> String {
    let mut parts: Vec<String> = values
        .steps
        .iter()
        .map(|step| match step.from {
            Some(from) => format!("{} {unit} from {from}", step.value.normalize()),
            None => format!("{} {unit}", step.value.normalize()),
        })
        .collect();
    if let Some(until) = values.until {
        parts.push(format!("until {until}"));
    }
    parts.join(", ")
}

/// A rule as JSON without its source positions (which move when a line is inserted above).
fn without_origins(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .filter(|(key, _)| key != "origin")
                .map(|(key, value)| (key, without_origins(value)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(without_origins).collect()),
        other => other,
    }
}

fn structure<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .map(without_origins)
        .map(|v| v.to_string())
        .unwrap_or_default()
}

/// The tariff as named lines: prices in words, the rest (periods, seasons, calendar,
/// rounding, demand rules) as their structure, so any change shows up under some line.
pub fn rate_lines(tariff: &Tariff) -> BTreeMap<String, String> {
    let currency = tariff.currency.code();
    let per_kwh = format!("{currency}/kWh");
    let per_month = format!("{currency} per month");
    let mut lines = BTreeMap::new();
    if let Some(energy) = &tariff.energy {
        match &energy.pricing {
            EnergyPricing::Flat(rate) => {
                lines.insert("energy".to_string(), timeline(rate, &per_kwh));
            }
            EnergyPricing::BySeason(rates) | EnergyPricing::ByPeriod(rates) => {
                for rate in rates {
                    lines.insert(
                        format!("energy {}", rate.key),
                        timeline(&rate.rate, &per_kwh),
                    );
                }
            }
            EnergyPricing::Tiered(tiers) => {
                for tier in tiers {
                    let name = match tier.up_to_kwh {
                        Some(limit) => format!("energy tier up to {limit} kWh"),
                        None => "energy tier rest".to_string(),
                    };
                    lines.insert(name, timeline(&tier.rate, &per_kwh));
                }
            }
        }
        lines.insert("energy rounding".into(), structure(&energy.rounding));
    }
    if let Some(demand) = &tariff.demand {
        if let Some(charge) = &demand.charge_per_kw {
            lines.insert(
                "demand charge".into(),
                timeline(charge, &format!("{currency}/kW per month")),
            );
        }
        if let Some(subscription) = &demand.subscription {
            lines.insert(
                format!("demand subscription block {} kW", subscription.block_kw),
                timeline(&subscription.block_price, &per_month),
            );
            lines.insert(
                "demand overage".into(),
                timeline(&subscription.overage_per_kw, &format!("{currency}/kW")),
            );
        }
        lines.insert("demand contract".into(), structure(&demand.contract));
        lines.insert(
            "demand interval".into(),
            format!("{} min", demand.interval_minutes),
        );
        lines.insert(
            "demand power factor".into(),
            structure(&demand.power_factor),
        );
        lines.insert("demand holiday".into(), structure(&demand.holiday));
        lines.insert("demand rounding".into(), structure(&demand.rounding));
    }
    for adjustment in &tariff.adjustments {
        lines.insert(
            format!("adjustment {}", adjustment.name),
            structure(adjustment),
        );
    }
    for surcharge in &tariff.surcharges {
        lines.insert(
            format!("surcharge {}", surcharge.name),
            timeline(&surcharge.rate, &per_kwh),
        );
    }
    for fixed in &tariff.fixed_charges {
        lines.insert(
            format!("fixed {}", fixed.name),
            timeline(&fixed.amount, &per_month),
        );
    }
    for computed in &tariff.computed {
        lines.insert(format!("computed {}", computed.name), structure(computed));
    }
    if let Some(minimum) = &tariff.minimum_bill {
        lines.insert("minimum".into(), timeline(&minimum.amount, &per_month));
    }
    if let Some(tax) = &tariff.tax {
        lines.insert("tax".into(), structure(tax));
    }
    lines.insert("currency".into(), currency.to_string());
    lines.insert("calendar".into(), structure(&tariff.calendar));
    lines.insert(
        "interval".into(),
        format!("{} min", tariff.interval_minutes),
    );
    lines.insert("seasons".into(), structure(&tariff.seasons));
    lines.insert("periods".into(), structure(&tariff.periods));
    lines.insert("rounding".into(), structure(&tariff.rounding));
    lines
}

/// Tariff by tariff (by name), what changed from `old` to `new`; unchanged tariffs are left
/// out. Tariffs in the order of `old`, then the added ones in the order of `new`.
pub fn diff_rules(old: &CompiledRules, new: &CompiledRules) -> Vec<TariffChange> {
    let mut changes = Vec::new();
    for old_tariff in &old.tariffs {
        let Some(new_tariff) = new.tariff(&old_tariff.name) else {
            changes.push(TariffChange::Removed(old_tariff.name.clone()));
            continue;
        };
        let lines = diff_tariff(old_tariff, new_tariff);
        if !lines.is_empty() {
            changes.push(TariffChange::Changed(old_tariff.name.clone(), lines));
        }
    }
    for new_tariff in &new.tariffs {
        if old.tariff(&new_tariff.name).is_none() {
            changes.push(TariffChange::Added(new_tariff.name.clone()));
        }
    }
    changes
}

/// The lines of two tariffs that differ (by line name).
pub fn diff_tariff(old: &Tariff, new: &Tariff) -> Vec<LineChange> {
    let old_lines = rate_lines(old);
    let new_lines = rate_lines(new);
    let mut changes = Vec::new();
    for (line, value) in &old_lines {
        match new_lines.get(line) {
            Some(new_value) if new_value == value => {}
            other => changes.push(LineChange {
                line: line.clone(),
                old: Some(value.clone()),
                new: other.cloned(),
            }),
        }
    }
    for (line, value) in &new_lines {
        if !old_lines.contains_key(line) {
            changes.push(LineChange {
                line: line.clone(),
                old: None,
                new: Some(value.clone()),
            });
        }
    }
    changes
}

/// One customer's bill under both tariffs.
#[derive(Debug, Clone, PartialEq)]
pub struct Impact {
    /// The customer (their load file's name).
    pub customer: String,
    /// Total of all months under the old tariff.
    pub old_total: Decimal,
    /// Total under the new tariff.
    pub new_total: Decimal,
}

impl Impact {
    /// New minus old: positive, the customer pays more.
    pub fn change(&self) -> Decimal {
        self.new_total - self.old_total
    }

    /// The change as a percentage of the old bill (`None` when the old bill is zero).
    pub fn percent(&self) -> Option<f64> {
        if self.old_total.is_zero() {
            return None;
        }
        (self.change() / self.old_total * Decimal::ONE_HUNDRED).to_f64()
    }
}

/// A customer that could not be billed under one of the tariffs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The customer.
    pub customer: String,
    /// Why.
    pub reason: String,
}

/// The two tariffs to compare, with their validity windows lifted (see the module's
/// decision).
#[derive(Debug, Clone)]
pub struct Comparison {
    old: Tariff,
    new: Tariff,
}

impl Comparison {
    /// Compares `old` with `new`.
    pub fn new(old: &Tariff, new: &Tariff) -> Self {
        let mut old = old.clone();
        let mut new = new.clone();
        old.validity = None;
        new.validity = None;
        Comparison { old, new }
    }

    /// Bills one customer's load under both tariffs. Supply is taken to start with the load
    /// (a ratchet needs no earlier history).
    pub fn impact(&self, customer: &str, load: &LoadProfile) -> Result<Impact, Failure> {
        let inputs = BillingInputs {
            supply_start: Some(YearMonth::of(load.start.date())),
            ..BillingInputs::default()
        };
        let fail = |which: &str, error: voltlex_engine::billing::BillingError| Failure {
            customer: customer.to_string(),
            reason: format!("{which} tariff: {error}"),
        };
        let old = bill(&self.old, load, &inputs).map_err(|e| fail("old", e))?;
        let new = bill(&self.new, load, &inputs).map_err(|e| fail("new", e))?;
        Ok(Impact {
            customer: customer.to_string(),
            old_total: old.total,
            new_total: new.total,
        })
    }

    /// Bills `count` customers in parallel (rayon); `load_of(i)` gives customer `i`'s name
    /// and load (read or generated on demand, so no more than one load per thread is held),
    /// `progress` is called after each customer. Results in customer order.
    pub fn impacts<F>(
        &self,
        count: usize,
        load_of: F,
        progress: &(dyn Fn(usize) + Sync),
    ) -> Vec<Result<Impact, Failure>>
    where
        F: Fn(usize) -> Result<(String, LoadProfile), Failure> + Sync,
    {
        let done = AtomicUsize::new(0);
        (0..count)
            .into_par_iter()
            .map(|i| {
                let result = load_of(i).and_then(|(name, load)| self.impact(&name, &load));
                progress(done.fetch_add(1, Ordering::Relaxed) + 1);
                result
            })
            .collect()
    }

    /// The same as [`Comparison::impacts`] on one thread: the reference the benchmark
    /// measures the parallel run against.
    pub fn impacts_serial<F>(&self, count: usize, load_of: F) -> Vec<Result<Impact, Failure>>
    where
        F: Fn(usize) -> Result<(String, LoadProfile), Failure>,
    {
        (0..count)
            .map(|i| load_of(i).and_then(|(name, load)| self.impact(&name, &load)))
            .collect()
    }
}

/// The distribution of bill changes over the customers billed.
#[derive(Debug, Clone, PartialEq)]
pub struct ImpactSummary {
    /// Customers billed under both tariffs.
    pub customers: usize,
    /// Percentiles of the change in money: (percentile, value) for 0, 10, 25, 50, 75, 90, 100.
    pub change_percentiles: Vec<(u8, Decimal)>,
    /// The same for the change in percent of the old bill (customers with an old bill).
    pub percent_percentiles: Vec<(u8, f64)>,
    /// Customers whose bill rose, fell, stayed.
    pub up: usize,
    /// Customers whose bill fell.
    pub down: usize,
    /// Customers whose bill did not change.
    pub same: usize,
    /// The biggest decreases, largest first.
    pub winners: Vec<Impact>,
    /// The biggest increases, largest first.
    pub losers: Vec<Impact>,
}

const PERCENTILES: [u8; 7] = [0, 10, 25, 50, 75, 90, 100];

/// Nearest-rank percentile of sorted values (`p` in 0..=100).
fn nearest_rank<T: Copy>(sorted: &[T], p: u8) -> Option<T> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (usize::from(p) * sorted.len()).div_ceil(100).max(1);
    sorted.get(rank - 1).copied()
}

/// Percentiles, counts and the `top` biggest winners and losers of `impacts`.
pub fn summarize(impacts: &[Impact], top: usize) -> ImpactSummary {
    let mut changes: Vec<Decimal> = impacts.iter().map(Impact::change).collect();
    changes.sort();
    let mut percents: Vec<f64> = impacts.iter().filter_map(Impact::percent).collect();
    percents.sort_by(f64::total_cmp);
    let mut by_change: Vec<&Impact> = impacts.iter().collect();
    by_change.sort_by(|a, b| {
        a.change()
            .cmp(&b.change())
            .then(a.customer.cmp(&b.customer))
    });
    let winners = by_change
        .iter()
        .take_while(|i| i.change().is_sign_negative() && !i.change().is_zero())
        .take(top)
        .map(|i| (*i).clone())
        .collect();
    let losers = by_change
        .iter()
        .rev()
        .take_while(|i| i.change() > Decimal::ZERO)
        .take(top)
        .map(|i| (*i).clone())
        .collect();
    ImpactSummary {
        customers: impacts.len(),
        change_percentiles: PERCENTILES
            .iter()
            .filter_map(|&p| Some((p, nearest_rank(&changes, p)?)))
            .collect(),
        percent_percentiles: PERCENTILES
            .iter()
            .filter_map(|&p| Some((p, nearest_rank(&percents, p)?)))
            .collect(),
        up: changes.iter().filter(|c| **c > Decimal::ZERO).count(),
        down: changes.iter().filter(|c| **c < Decimal::ZERO).count(),
        same: changes.iter().filter(|c| c.is_zero()).count(),
        winners,
        losers,
    }
}

/// Picks the tariff pair to bill: `name` in both, or — without a name — the only tariff of
/// each side, or the only name both sides share.
pub fn pair<'r>(
    old: &'r CompiledRules,
    new: &'r CompiledRules,
    name: Option<&str>,
) -> Result<(&'r Tariff, &'r Tariff), String> {
    if let Some(name) = name {
        let old_tariff = old
            .tariff(name)
            .ok_or_else(|| format!("the old rules have no tariff named \"{name}\""))?;
        let new_tariff = new
            .tariff(name)
            .ok_or_else(|| format!("the new rules have no tariff named \"{name}\""))?;
        return Ok((old_tariff, new_tariff));
    }
    if let ([old_tariff], [new_tariff]) = (old.tariffs.as_slice(), new.tariffs.as_slice()) {
        return Ok((old_tariff, new_tariff));
    }
    let shared: Vec<&Tariff> = old
        .tariffs
        .iter()
        .filter(|t| new.tariff(&t.name).is_some())
        .collect();
    match shared.as_slice() {
        [only] => Ok((only, new.tariff(&only.name).unwrap_or(only))),
        _ => Err(format!(
            "choose the tariff to bill with --tariff NAME; both versions have: {}",
            shared
                .iter()
                .map(|t| format!("\"{}\"", t.name))
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}
