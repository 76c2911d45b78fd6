//! Adapters for a V2G risk-sharing deal settled over Monte Carlo scenarios
//! ([`voltlex_engine::sharing`]): each party against the status quo, the distribution of each
//! party's net over the scenarios, the expected cash by month as paid, the fairness view.
//!
//! Thin like [`results`](crate::results): the figures are the engine's [`SharingOutcome`],
//! [`PartyOutcome`] and [`FairnessView`] as they are; the only computing here is binning a
//! party's scenario totals ([`voltlex_engine::risk::Histogram::of`]) and the sums of a footer.
//!
//! ```
//! use voltlex_engine::sharing::{PartyOutcome, SharingOutcome};
//! let party = |name: &str, totals: Vec<f64>| PartyOutcome {
//!     party: name.into(), expected: totals.iter().sum::<f64>() / totals.len() as f64,
//!     status_quo_expected: 0.0, value_at_risk: 0.0, conditional_value_at_risk: 0.0,
//!     status_quo_value_at_risk: 0.0, probability_of_loss: 0.0,
//!     status_quo_probability_of_loss: 0.0, yearly_expected: vec![],
//!     monthly_expected_paid: vec![1.0, 2.0], totals };
//! let outcome = SharingOutcome { deal: "Deal".into(), currency: "JPY".into(),
//!     confidence: 0.95, scenarios: 3, months: 2, system_expected: 30.0,
//!     parties: vec![party("fleet", vec![10.0, 20.0, 30.0]), party("oem", vec![5.0, 5.0, 5.0])],
//!     conservation_error: 0.0 };
//! let html = voltlex_html::sharing::parties_table(&outcome).to_html();
//! assert!(html.contains("fleet") && html.contains("oem"));
//! ```

use chrono::{Months, NaiveDate};
use voltlex_engine::risk::RiskError;
use voltlex_engine::sharing::{FairPoint, FairnessView, PartyOutcome, SharingOutcome};

use crate::chart::{Histogram, LineChart, Marker, Series};
use crate::escape::format_number;
use crate::table::{Align, Table};

/// A share as a percentage (`0.125` → `12.5 %`).
fn percent(value: f64) -> String {
    format!("{} %", format_number(value * 100.0, 1))
}

/// Money to the unit (`126,078`).
fn money(value: f64) -> String {
    format_number(value, 0)
}

/// The confidence as a label (`0.95` → `95 %`).
fn level(confidence: f64) -> String {
    format!("{} %", format_number(confidence * 100.0, 0))
}

/// Each party over the horizon beside the status quo (the owner carries everything, the
/// others are not involved): expected net, its change, VaR and CVaR at the outcome's
/// confidence (losses: negative means even the bad case earns), probability of a loss. The
/// footer adds the parties up: under the deal they share exactly the system's net.
///
/// ```
/// use voltlex_engine::sharing::{PartyOutcome, SharingOutcome};
/// let party = |name: &str, expected: f64, status_quo: f64| PartyOutcome {
///     party: name.into(), expected, status_quo_expected: status_quo, value_at_risk: -20.0,
///     conditional_value_at_risk: -10.0, status_quo_value_at_risk: 0.0,
///     probability_of_loss: 0.25, status_quo_probability_of_loss: 0.0,
///     yearly_expected: vec![], monthly_expected_paid: vec![], totals: vec![] };
/// let outcome = SharingOutcome { deal: "Depot deal".into(), currency: "JPY".into(),
///     confidence: 0.95, scenarios: 4, months: 12, system_expected: 3000.0,
///     parties: vec![party("fleet", 1800.0, 3000.0), party("aggregator", 1200.0, 0.0)],
///     conservation_error: 0.0 };
/// let table = voltlex_html::sharing::parties_table(&outcome);
/// assert_eq!(table.rows(), 2);
/// let html = table.to_html();
/// assert!(html.contains("<td>aggregator</td>"));
/// assert!(html.contains(">1,800</td>") && html.contains(">-1,200</td>")); // fleet's change
/// assert!(html.contains(">25.0 %</td>"));
/// ```
pub fn parties_table(outcome: &SharingOutcome) -> Table {
    let at = level(outcome.confidence);
    let headers = [
        "party".to_string(),
        "expected".into(),
        "status quo".into(),
        "change".into(),
        format!("VaR {at}"),
        format!("VaR {at} status quo"),
        format!("CVaR {at}"),
        "P(loss)".into(),
        "P(loss) status quo".into(),
    ];
    let mut table = Table::new(headers)
        .caption(format!(
            "{}: each party's net over {} month(s) ({}), {} scenarios; status quo: the owner \
             carries everything. VaR and CVaR are losses (negative: even the bad case earns)",
            outcome.deal, outcome.months, outcome.currency, outcome.scenarios
        ))
        .align(std::iter::once(Align::Left).chain(std::iter::repeat_n(Align::Right, 8)));
    for party in &outcome.parties {
        table.push_row([
            party.party.clone(),
            money(party.expected),
            money(party.status_quo_expected),
            money(party.expected - party.status_quo_expected),
            money(party.value_at_risk),
            money(party.status_quo_value_at_risk),
            money(party.conditional_value_at_risk),
            percent(party.probability_of_loss),
            percent(party.status_quo_probability_of_loss),
        ]);
    }
    let expected: f64 = outcome.parties.iter().map(|p| p.expected).sum();
    let status_quo: f64 = outcome.parties.iter().map(|p| p.status_quo_expected).sum();
    table.footer([
        "all parties".to_string(),
        money(expected),
        money(status_quo),
        money(expected - status_quo),
        String::new(),
        String::new(),
        String::new(),
        String::new(),
        String::new(),
    ])
}

/// The distribution of one party's net over the horizon, one value per scenario
/// ([`PartyOutcome::totals`]) in `bins` equal bins, with markers at the expected net and at
/// −VaR and −CVaR (`confidence` names their level; VaR is a loss, so on the axis of the net
/// it stands at its negative).
///
/// ```
/// use voltlex_engine::sharing::PartyOutcome;
/// let fleet = PartyOutcome { party: "fleet".into(), expected: 2.5, status_quo_expected: 4.0,
///     value_at_risk: -1.0, conditional_value_at_risk: -0.5, status_quo_value_at_risk: 0.0,
///     probability_of_loss: 0.0, status_quo_probability_of_loss: 0.0, yearly_expected: vec![],
///     monthly_expected_paid: vec![], totals: vec![1.0, 2.0, 3.0, 4.0] };
/// let svg = voltlex_html::sharing::party_histogram(&fleet, "JPY", 0.95, 5)?.to_svg();
/// assert_eq!(svg.matches("class=\"bar\"").count(), 5);
/// assert_eq!(svg.matches("class=\"marker\"").count(), 3);
/// # Ok::<(), voltlex_engine::risk::RiskError>(())
/// ```
///
/// # Errors
///
/// [`RiskError`] for zero bins, no scenarios, or a total that is not finite.
pub fn party_histogram(
    party: &PartyOutcome,
    currency: &str,
    confidence: f64,
    bins: usize,
) -> Result<Histogram, RiskError> {
    let binned = voltlex_engine::risk::Histogram::of(&party.totals, bins)?;
    let at = level(confidence);
    Ok(Histogram::new(
        format!(
            "{}: net over the horizon in each of {} scenarios",
            party.party,
            party.totals.len()
        ),
        currency,
        binned.edges,
        binned.counts,
    )
    .marker(Marker::new("expected", party.expected))
    .marker(Marker::new(format!("VaR {at}"), -party.value_at_risk))
    .marker(Marker::new(
        format!("CVaR {at}"),
        -party.conditional_value_at_risk,
    )))
}

/// `count` month labels (`YYYY-MM`) from `first`; a month beyond the calendar reads `+n`.
///
/// ```
/// let first = chrono::NaiveDate::from_ymd_opt(2024, 11, 1).unwrap();
/// assert_eq!(voltlex_html::sharing::month_labels(first, 3), ["2024-11", "2024-12", "2025-01"]);
/// ```
pub fn month_labels(first: NaiveDate, count: usize) -> Vec<String> {
    (0..count)
        .map(|offset| {
            u32::try_from(offset)
                .ok()
                .and_then(|months| first.checked_add_months(Months::new(months)))
                .map_or_else(|| format!("+{offset}"), |d| d.format("%Y-%m").to_string())
        })
        .collect()
}

/// Months of cash as paid: the longest party's list (the horizon plus the payment delay).
fn paid_months(outcome: &SharingOutcome) -> usize {
    outcome
        .parties
        .iter()
        .map(|p| p.monthly_expected_paid.len())
        .max()
        .unwrap_or(0)
}

/// The expected cash each party receives (negative: pays) by calendar month as paid, one line
/// per party, from the horizon's `first` month.
///
/// ```
/// use voltlex_engine::sharing::{PartyOutcome, SharingOutcome};
/// let party = |name: &str, paid: Vec<f64>| PartyOutcome {
///     party: name.into(), expected: 0.0, status_quo_expected: 0.0, value_at_risk: 0.0,
///     conditional_value_at_risk: 0.0, status_quo_value_at_risk: 0.0,
///     probability_of_loss: 0.0, status_quo_probability_of_loss: 0.0,
///     yearly_expected: vec![], monthly_expected_paid: paid, totals: vec![] };
/// let outcome = SharingOutcome { deal: "D".into(), currency: "JPY".into(), confidence: 0.95,
///     scenarios: 1, months: 3, system_expected: 0.0, conservation_error: 0.0,
///     parties: vec![party("fleet", vec![5.0, 5.0, -3.0, 0.0]),
///                   party("aggregator", vec![0.0, 0.0, 0.0, 3.0])] };
/// let first = chrono::NaiveDate::from_ymd_opt(2024, 7, 1).unwrap();
/// let svg = voltlex_html::sharing::cash_by_month(&outcome, first).to_svg();
/// assert_eq!(svg.matches("<polyline").count(), 2);
/// assert!(svg.contains(">2024-10</text>"));
/// ```
pub fn cash_by_month(outcome: &SharingOutcome, first: NaiveDate) -> LineChart {
    let months = paid_months(outcome);
    outcome.parties.iter().fold(
        LineChart::new(
            format!("Expected cash by month as paid, {}", outcome.deal),
            outcome.currency.as_str(),
        )
        .x_labels(month_labels(first, months)),
        |chart, party| {
            let mut values = party.monthly_expected_paid.clone();
            values.resize(months, 0.0);
            chart.series(Series::new(party.party.as_str(), values))
        },
    )
}

/// [`cash_by_month`]'s figures as a table: one row per month, one column per party.
///
/// ```
/// use voltlex_engine::sharing::{PartyOutcome, SharingOutcome};
/// let party = |name: &str, paid: Vec<f64>| PartyOutcome {
///     party: name.into(), expected: 0.0, status_quo_expected: 0.0, value_at_risk: 0.0,
///     conditional_value_at_risk: 0.0, status_quo_value_at_risk: 0.0,
///     probability_of_loss: 0.0, status_quo_probability_of_loss: 0.0,
///     yearly_expected: vec![], monthly_expected_paid: paid, totals: vec![] };
/// let outcome = SharingOutcome { deal: "D".into(), currency: "JPY".into(), confidence: 0.95,
///     scenarios: 1, months: 2, system_expected: 0.0, conservation_error: 0.0,
///     parties: vec![party("fleet", vec![1500.0, -200.0])] };
/// let first = chrono::NaiveDate::from_ymd_opt(2024, 7, 1).unwrap();
/// let table = voltlex_html::sharing::cash_table(&outcome, first);
/// assert_eq!(table.rows(), 2);
/// assert!(table.to_html().contains(">1,500</td>"));
/// ```
pub fn cash_table(outcome: &SharingOutcome, first: NaiveDate) -> Table {
    let months = paid_months(outcome);
    let mut table = Table::new(
        std::iter::once("month".to_string()).chain(outcome.parties.iter().map(|p| p.party.clone())),
    )
    .caption(format!(
        "Expected cash by month as paid ({})",
        outcome.currency
    ))
    .align(
        std::iter::once(Align::Left)
            .chain(std::iter::repeat_n(Align::Right, outcome.parties.len())),
    );
    for (month, label) in month_labels(first, months).into_iter().enumerate() {
        table.push_row(
            std::iter::once(label).chain(
                outcome
                    .parties
                    .iter()
                    .map(|p| money(p.monthly_expected_paid.get(month).copied().unwrap_or(0.0))),
            ),
        );
    }
    table
}

/// A free parameter's value as the deal writes it: shares (`revenue …`, `cover`, `above`) in
/// percent, amounts (`floor`, `cap`, `premium`) in money.
///
/// ```
/// use voltlex_html::sharing::parameter_value;
/// assert_eq!(parameter_value("revenue fleet", 0.45), "45 %");
/// assert_eq!(parameter_value("floor", 1250.0), "1,250");
/// ```
pub fn parameter_value(name: &str, value: f64) -> String {
    if name.starts_with("revenue") || name == "cover" || name == "above" {
        format!("{} %", format_number(value * 100.0, 0))
    } else {
        money(value)
    }
}

/// The caption of the fairness view: how many grid points leave every party better off than
/// without V2G and within its VaR limit.
fn fairness_caption(view: &FairnessView) -> String {
    let limits: Vec<String> = view
        .parties
        .iter()
        .zip(&view.limits)
        .filter_map(|(party, limit)| limit.map(|l| format!("{party} ≤ {}", money(l))))
        .collect();
    format!(
        "Fairness: {} of {} grid points leave every party better off than without V2G{} \
         ({} settled{})",
        view.feasible.len(),
        view.grid_points,
        if limits.is_empty() {
            String::new()
        } else {
            format!(
                " with VaR {} within {}",
                level(view.confidence),
                limits.join(", ")
            )
        },
        view.evaluated,
        if view.bisected { ", by bisection" } else { "" }
    )
}

/// The fairness view in one table: per free parameter, the values that work (lowest to
/// highest feasible value) and the fairest point's value (the worst-off party gains most);
/// then per party, its expected net and VaR at the fairest point, and its VaR limit.
///
/// ```
/// use voltlex_engine::sharing::{FairPoint, FairnessView};
/// let point = |share: f64, fleet: f64| FairPoint { values: vec![share],
///     expected: vec![fleet, 100.0 - fleet], value_at_risk: vec![0.0, 0.0] };
/// let view = FairnessView { parameters: vec!["revenue fleet".into()],
///     grids: vec![vec![0.3, 0.5, 0.7]], shares: vec![true],
///     parties: vec!["fleet".into(), "aggregator".into()],
///     confidence: 0.95, limits: vec![Some(5000.0), None],
///     feasible: vec![point(0.5, 50.0), point(0.7, 70.0)], evaluated: 3, grid_points: 3,
///     best: Some(point(0.5, 50.0)), bisected: false };
/// let html = voltlex_html::sharing::fairness_table(&view).to_html();
/// assert!(html.contains("2 of 3 grid points"));
/// assert!(html.contains(">50 % … 70 %</td>") && html.contains(">5,000</td>"));
/// ```
pub fn fairness_table(view: &FairnessView) -> Table {
    let mut table = Table::new([
        "",
        "feasible",
        "at the fairest point",
        "VaR there",
        "VaR limit",
    ])
    .caption(fairness_caption(view))
    .align([
        Align::Left,
        Align::Right,
        Align::Right,
        Align::Right,
        Align::Right,
    ]);
    let best = view.best.as_ref();
    for (index, name) in view.parameters.iter().enumerate() {
        let values = view.feasible.iter().filter_map(|p| p.values.get(index));
        let low = values.clone().copied().fold(f64::INFINITY, f64::min);
        let high = values.copied().fold(f64::NEG_INFINITY, f64::max);
        table.push_row([
            name.clone(),
            if low.is_finite() && high.is_finite() {
                format!(
                    "{} … {}",
                    parameter_value(name, low),
                    parameter_value(name, high)
                )
            } else {
                "no value works".into()
            },
            best.and_then(|b| b.values.get(index))
                .map_or_else(String::new, |v| parameter_value(name, *v)),
            String::new(),
            String::new(),
        ]);
    }
    for (index, party) in view.parties.iter().enumerate() {
        let figure = |pick: fn(&FairPoint) -> &Vec<f64>| {
            best.and_then(|b| pick(b).get(index))
                .map_or_else(String::new, |v| money(*v))
        };
        table.push_row([
            format!("{party} (expected net)"),
            String::new(),
            figure(|b| &b.expected),
            figure(|b| &b.value_at_risk),
            view.limits
                .get(index)
                .copied()
                .flatten()
                .map_or_else(String::new, money),
        ]);
    }
    table
}

/// The fairness grid as a map when the deal has one or two free parameters: a row per value
/// of the first, a column per value of the second (one column when there is none); `■` where
/// every party gains and stays within its VaR limit, `★` the fairest of those, `·` elsewhere.
/// `None` for three or more free parameters (their feasible ranges are in
/// [`fairness_table`]).
///
/// ```
/// use voltlex_engine::sharing::{FairPoint, FairnessView};
/// let point = |share: f64, floor: f64| FairPoint { values: vec![share, floor],
///     expected: vec![1.0, 1.0], value_at_risk: vec![0.0, 0.0] };
/// let view = FairnessView { parameters: vec!["revenue fleet".into(), "floor".into()],
///     grids: vec![vec![0.3, 0.6], vec![0.0, 500.0, 1000.0]], shares: vec![true, false],
///     parties: vec!["fleet".into(), "aggregator".into()], confidence: 0.95,
///     limits: vec![None, None], feasible: vec![point(0.6, 0.0), point(0.6, 500.0)],
///     evaluated: 6, grid_points: 6, best: Some(point(0.6, 500.0)), bisected: true };
/// let table = voltlex_html::sharing::fairness_grid(&view).unwrap();
/// assert_eq!((table.rows(), table.columns()), (2, 4));
/// let html = table.to_html();
/// assert_eq!(html.matches(">■</td>").count(), 1);
/// assert_eq!(html.matches(">★</td>").count(), 1);
/// assert_eq!(html.matches(">·</td>").count(), 4);
/// ```
pub fn fairness_grid(view: &FairnessView) -> Option<Table> {
    let (rows_name, rows, columns_name, columns): (&str, &[f64], Option<&str>, &[f64]) =
        match (view.parameters.as_slice(), view.grids.as_slice()) {
            ([first], [rows]) => (first, rows, None, &[f64::NAN]),
            ([first, second], [rows, columns]) => (first, rows, Some(second), columns),
            _ => return None,
        };
    let at = |row: f64, column: f64| -> Vec<f64> {
        if columns_name.is_some() {
            vec![row, column]
        } else {
            vec![row]
        }
    };
    let headers = std::iter::once(match columns_name {
        Some(second) => format!("{rows_name} ↓ {second} →"),
        None => rows_name.to_string(),
    })
    .chain(columns.iter().map(|c| match columns_name {
        Some(second) => parameter_value(second, *c),
        None => "every party gains".into(),
    }));
    let mut table = Table::new(headers)
        .caption(format!(
            "Fairness grid: ■ every party gains (and stays within its VaR limit), ★ the \
             fairest, · not ({} of {} points)",
            view.feasible.len(),
            view.grid_points
        ))
        .align(
            std::iter::once(Align::Left).chain(std::iter::repeat_n(Align::Right, columns.len())),
        );
    let best = view.best.as_ref().map(|b| b.values.as_slice());
    for row in rows {
        let cells = columns.iter().map(|column| {
            let values = at(*row, *column);
            if best == Some(values.as_slice()) {
                "★"
            } else if view.feasible.iter().any(|p| p.values == values) {
                "■"
            } else {
                "·"
            }
            .to_string()
        });
        table.push_row(std::iter::once(parameter_value(rows_name, *row)).chain(cells));
    }
    Some(table)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> roxmltree::Document<'_> {
        match roxmltree::Document::parse(text) {
            Ok(document) => document,
            Err(error) => panic!("not well-formed: {error}\n{text}"),
        }
    }

    fn party(name: &str, totals: Vec<f64>, status_quo: f64) -> PartyOutcome {
        let expected = totals.iter().sum::<f64>() / totals.len() as f64;
        PartyOutcome {
            party: name.into(),
            expected,
            status_quo_expected: status_quo,
            value_at_risk: -expected / 2.0,
            conditional_value_at_risk: -expected / 3.0,
            status_quo_value_at_risk: -status_quo / 2.0,
            probability_of_loss: totals.iter().filter(|t| **t < 0.0).count() as f64
                / totals.len() as f64,
            status_quo_probability_of_loss: 0.0,
            yearly_expected: vec![expected],
            monthly_expected_paid: vec![expected / 4.0; 4],
            totals,
        }
    }

    fn outcome() -> SharingOutcome {
        SharingOutcome {
            deal: "Depot <deal> & co".into(),
            currency: "JPY".into(),
            confidence: 0.95,
            scenarios: 6,
            months: 3,
            system_expected: 300_000.0,
            parties: vec![
                party(
                    "fleet",
                    vec![
                        90_000.0, 110_000.0, 100_000.0, 95_000.0, 105_000.0, 100_000.0,
                    ],
                    300_000.0,
                ),
                party(
                    "aggregator",
                    vec![
                        250_000.0, 150_000.0, 200_000.0, 190_000.0, 210_000.0, 200_000.0,
                    ],
                    0.0,
                ),
                party(
                    "insurer",
                    vec![-40_000.0, 12_000.0, 12_000.0, 12_000.0, 2_000.0, 2_000.0],
                    0.0,
                ),
            ],
            conservation_error: 0.0,
        }
    }

    #[test]
    fn parties_table_shows_every_party_and_its_figures() {
        let outcome = outcome();
        let html = parties_table(&outcome).to_html();
        let document = parse(&html);
        let rows: Vec<Vec<String>> = document
            .descendants()
            .filter(|n| n.has_tag_name("tr"))
            .map(|tr| {
                tr.children()
                    .filter(|c| c.has_tag_name("td") || c.has_tag_name("th"))
                    .map(|c| c.text().unwrap_or("").to_string())
                    .collect()
            })
            .collect();
        // Header, three parties, footer.
        assert_eq!(rows.len(), 5);
        for (row, party) in rows[1..4].iter().zip(&outcome.parties) {
            assert_eq!(row[0], party.party);
            assert_eq!(row[1], format_number(party.expected, 0));
            assert_eq!(row[2], format_number(party.status_quo_expected, 0));
            assert_eq!(
                row[3],
                format_number(party.expected - party.status_quo_expected, 0)
            );
            assert_eq!(row[4], format_number(party.value_at_risk, 0));
        }
        // The insurer loses in one scenario of six.
        assert_eq!(rows[3][7], "16.7 %");
        // The footer adds the parties up: 100,000 + 200,000 − 2,000/3 ≈ 299,333.
        let total: f64 = outcome.parties.iter().map(|p| p.expected).sum();
        assert_eq!(rows[4][1], format_number(total, 0));
        assert_eq!(rows[4][2], "300,000");
        // The deal's name is text, escaped.
        assert!(html.contains("Depot &lt;deal&gt; &amp; co"));
    }

    #[test]
    fn histogram_has_one_bar_per_bin_holding_every_scenario() {
        for bins in [1, 4, 12] {
            let fleet = &outcome().parties[0];
            let svg = party_histogram(fleet, "JPY", 0.95, bins)
                .map(|h| h.to_svg())
                .unwrap_or_default();
            let document = parse(&svg);
            let counts: Vec<usize> = document
                .descendants()
                .filter(|n| n.attribute("class") == Some("bar"))
                .filter_map(|n| n.attribute("data-value").and_then(|v| v.parse().ok()))
                .collect();
            assert_eq!(counts.len(), bins);
            assert_eq!(counts.iter().sum::<usize>(), fleet.totals.len());
            let markers: Vec<f64> = document
                .descendants()
                .filter(|n| n.attribute("class") == Some("marker"))
                .filter_map(|n| n.attribute("data-value").and_then(|v| v.parse().ok()))
                .collect();
            assert_eq!(
                markers,
                [
                    fleet.expected,
                    -fleet.value_at_risk,
                    -fleet.conditional_value_at_risk
                ]
            );
        }
    }

    #[test]
    fn histogram_of_a_constant_net_still_has_its_bins() {
        let fee = party("oem", vec![5_000.0; 10], 0.0);
        let svg = party_histogram(&fee, "JPY", 0.95, 8)
            .map(|h| h.to_svg())
            .unwrap_or_default();
        assert_eq!(svg.matches("class=\"bar\"").count(), 8);
        assert!(party_histogram(&fee, "JPY", 0.95, 0).is_err());
        assert!(party_histogram(&party("none", vec![f64::NAN], 0.0), "JPY", 0.95, 3).is_err());
    }

    #[test]
    fn cash_by_month_has_a_point_per_month_paid() {
        let mut outcome = outcome();
        // One party's cash runs a month longer (the payment delay).
        if let Some(first) = outcome.parties.first_mut() {
            first.monthly_expected_paid.push(7.0);
        }
        let first = NaiveDate::from_ymd_opt(2024, 11, 1).unwrap_or_default();
        let svg = cash_by_month(&outcome, first).to_svg();
        let document = parse(&svg);
        let lines: Vec<_> = document
            .descendants()
            .filter(|n| n.has_tag_name("polyline"))
            .collect();
        assert_eq!(lines.len(), 3);
        for line in &lines {
            assert_eq!(line.attribute("points").unwrap_or("").split(' ').count(), 5);
        }
        assert!(svg.contains(">2025-03</text>"));
        let table = cash_table(&outcome, first);
        assert_eq!((table.rows(), table.columns()), (5, 4));
        parse(&table.to_html());
    }

    #[test]
    fn fairness_grid_marks_feasible_points_and_the_fairest() {
        let point = |values: Vec<f64>| FairPoint {
            values,
            expected: vec![10.0, 20.0],
            value_at_risk: vec![-1.0, -2.0],
        };
        let mut view = FairnessView {
            parameters: vec!["revenue fleet".into(), "floor".into()],
            grids: vec![vec![0.3, 0.6, 0.9], vec![0.0, 1000.0]],
            shares: vec![true, false],
            parties: vec!["fleet".into(), "aggregator".into()],
            confidence: 0.95,
            limits: vec![Some(100_000.0), None],
            feasible: vec![point(vec![0.6, 0.0]), point(vec![0.9, 1000.0])],
            evaluated: 5,
            grid_points: 6,
            best: Some(point(vec![0.6, 0.0])),
            bisected: true,
        };
        let html = fairness_grid(&view)
            .map(|t| t.to_html())
            .unwrap_or_default();
        parse(&html);
        let cells: Vec<&str> = html
            .split("<td")
            .skip(1)
            .filter_map(|c| c.split('>').nth(1))
            .filter_map(|c| c.split('<').next())
            .collect();
        assert_eq!(
            cells,
            ["30 %", "·", "·", "60 %", "★", "·", "90 %", "·", "■"]
        );
        let summary = fairness_table(&view).to_html();
        parse(&summary);
        assert!(summary.contains("2 of 6 grid points"));
        assert!(summary.contains("fleet ≤ 100,000"));
        assert!(summary.contains(">60 % … 90 %</td>"));
        assert!(summary.contains(">0 … 1,000</td>"));
        // One parameter: one column; three: no map.
        view.parameters.truncate(1);
        view.grids.truncate(1);
        view.feasible = vec![point(vec![0.6])];
        view.best = Some(point(vec![0.6]));
        let one = fairness_grid(&view);
        assert_eq!(one.as_ref().map(|t| (t.rows(), t.columns())), Some((3, 2)));
        view.parameters = vec!["a".into(), "b".into(), "c".into()];
        view.grids = vec![vec![1.0]; 3];
        assert!(fairness_grid(&view).is_none());
        // Nothing feasible: said so.
        view.feasible.clear();
        view.best = None;
        assert!(fairness_table(&view).to_html().contains("no value works"));
    }
}
