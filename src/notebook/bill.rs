//! Bills: one tariff, or several tariffs on the same meter data.

use std::path::PathBuf;

use rust_decimal::prelude::ToPrimitive;
use voltlex_engine::billing::BillRun;
use voltlex_html::results;

use super::{displayed_as_html, folded, stack};
use crate::request::{BillRequest, PowerFactorSource};

/// A bill to compute, built fluently over [`BillRequest`] (what `voltlex bill` runs).
///
/// ```no_run
/// use voltlex::notebook::Bill;
/// let bill = Bill::new("tariff-rules/jp-tepco-hv")
///     .tariff("TEPCO EP High-Voltage Basic Plan")
///     .load("workbooks/examples/site-2024-load.csv")
///     .history("workbooks/examples/site-2024-history.csv")
///     .power_factor("98")
///     .index("tepco-fuel-cost", "workbooks/examples/fuel-cost-tepco-hv.csv")
///     .run()?;
/// assert_eq!(bill.run.months.len(), 12);
/// # Ok::<(), anyhow::Error>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct Bill {
    /// The request as built so far.
    pub request: BillRequest,
}

impl Bill {
    /// A bill under the rules at `rules` (a package folder or a `.vlx` file).
    pub fn new(rules: impl Into<PathBuf>) -> Self {
        Bill {
            request: BillRequest {
                rules: rules.into(),
                ..BillRequest::default()
            },
        }
    }

    /// The tariff's name (may be left out when the rules hold one tariff).
    pub fn tariff(mut self, name: impl Into<String>) -> Self {
        self.request.tariff = Some(name.into());
        self
    }

    /// The interval load CSV.
    pub fn load(mut self, path: impl Into<PathBuf>) -> Self {
        self.request.load = path.into();
        self
    }

    /// The prior months' peaks CSV (for the ratchet).
    pub fn history(mut self, path: impl Into<PathBuf>) -> Self {
        self.request.history = Some(path.into());
        self
    }

    /// The power factor: a percentage (`"98"`) or a `month,power_factor` CSV.
    pub fn power_factor(mut self, value: &str) -> Self {
        self.request.power_factor = Some(PowerFactorSource::parse(value));
        self
    }

    /// An index series the tariff reads (`tepco-fuel-cost`, `jepx-tokyo`, …) from a file;
    /// called again with the same name, the files are merged.
    pub fn index(mut self, name: impl Into<String>, path: impl Into<PathBuf>) -> Self {
        self.request
            .indices
            .entry(name.into())
            .or_default()
            .push(path.into());
        self
    }

    /// The agreed contract demand, kW.
    pub fn contract_kw(mut self, kw: f64) -> Self {
        self.request.contract_kw = Some(kw);
        self
    }

    /// The subscribed demand, kW.
    pub fn subscription_kw(mut self, kw: f64) -> Self {
        self.request.subscription_kw = Some(kw);
        self
    }

    /// Compiles the rules, reads the files and bills.
    ///
    /// # Errors
    ///
    /// Rules with errors, an unknown tariff (with the closest names), a malformed input
    /// file (file:line), a month the tariff cannot bill.
    pub fn run(&self) -> anyhow::Result<BillResult> {
        let (_, run) = self.request.run().map_err(super::describe)?;
        Ok(BillResult { run })
    }

    /// The same inputs billed under each of `tariffs` (all in these rules): a tariff
    /// comparison.
    ///
    /// ```no_run
    /// use voltlex::notebook::Bill;
    /// let bills = Bill::new("tariff-rules/jp-tepco-hv")
    ///     .load("workbooks/examples/site-2024-load.csv")
    ///     .power_factor("98")
    ///     .compare(["TEPCO EP High-Voltage Basic Plan", "TEPCO EP High-Voltage Market-Adjustment-Zero Plan"])?;
    /// let cheapest = bills.cheapest();
    /// # Ok::<(), anyhow::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`run`](Self::run), naming the tariff.
    pub fn compare<S: Into<String>>(
        &self,
        tariffs: impl IntoIterator<Item = S>,
    ) -> anyhow::Result<Bills> {
        let mut bills = Vec::new();
        for tariff in tariffs {
            let tariff = tariff.into();
            let result = self.clone().tariff(tariff.clone()).run();
            bills.push(result.map_err(|e| e.context(format!("tariff {tariff:?}")))?);
        }
        Ok(Bills { bills })
    }
}

/// A computed bill: the engine's [`BillRun`] (months, line items with their rules and
/// arithmetic).
#[derive(Debug, Clone)]
pub struct BillResult {
    /// The run.
    pub run: BillRun,
}

impl BillResult {
    /// The total over all months.
    pub fn total(&self) -> f64 {
        self.run.total.to_f64().unwrap_or(f64::NAN)
    }

    /// `(month, total)` per month.
    pub fn monthly(&self) -> Vec<(String, f64)> {
        self.run
            .months
            .iter()
            .map(|m| (m.month.to_string(), m.total.to_f64().unwrap_or(f64::NAN)))
            .collect()
    }

    /// Monthly summary, monthly totals chart, line items (folded).
    pub fn to_html(&self) -> String {
        stack(&[
            results::monthly_summary(&self.run).to_html(),
            results::monthly_totals(&self.run).to_svg(),
            folded("line items", &results::bill_lines(&self.run).to_html()),
        ])
    }
}

/// Bills of several tariffs over the same data.
#[derive(Debug, Clone)]
pub struct Bills {
    /// One per tariff, in the order asked.
    pub bills: Vec<BillResult>,
}

impl Bills {
    /// The cheapest bill (`None` when there is none).
    pub fn cheapest(&self) -> Option<&BillResult> {
        self.bills
            .iter()
            .min_by(|a, b| a.total().total_cmp(&b.total()))
    }

    /// Totals side by side and the monthly lines of each tariff.
    pub fn to_html(&self) -> String {
        let runs: Vec<&BillRun> = self.bills.iter().map(|b| &b.run).collect();
        stack(&[
            results::compare_totals(&runs).to_html(),
            results::compare_monthly(&runs).to_svg(),
        ])
    }
}

displayed_as_html!(BillResult, Bills);
