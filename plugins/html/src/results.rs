//! Adapters from result data to tables and charts: thin, so the pictures show exactly the
//! engine's figures (no arithmetic here beyond sums for totals and cumulative lines).
//!
//! Results the engine defines are taken as they are ([`BillRun`], [`Waterfall`],
//! [`YearCosts`], [`SeekOutcome`], [`risk::Histogram`](voltlex_engine::risk::Histogram));
//! results assembled by the root crate (a dispatched day, a Monte Carlo summary) are taken
//! as plain slices, so this crate does not depend on the root crate.

use rust_decimal::prelude::ToPrimitive;
use voltlex_engine::billing::BillRun;
use voltlex_engine::goalseek::{Found, SeekOutcome};
use voltlex_engine::inputs::LoadProfile;
use voltlex_engine::tco::model::YearCosts;
use voltlex_engine::v2g::waterfall::Waterfall;

use crate::chart::{BarChart, Histogram, LineChart, Marker, Series};
use crate::escape::{format_decimal, format_number};
use crate::table::{Align, Table};

fn decimal(value: rust_decimal::Decimal) -> f64 {
    value.to_f64().unwrap_or(f64::NAN)
}

/// A bill's line items, month by month: item, quantity, unit price, amount; the run's total
/// in the footer.
///
/// ```
/// fn line_items(run: &voltlex_engine::billing::BillRun) -> String {
///     voltlex_html::results::bill_lines(run).to_html()
/// }
/// ```
pub fn bill_lines(run: &BillRun) -> Table {
    let currency = run.currency.code();
    let mut table = Table::new([
        "month".to_string(),
        "item".into(),
        "quantity".into(),
        "unit price".into(),
        format!("amount ({currency})"),
    ])
    .caption(format!("{} — line items", run.tariff))
    .align([
        Align::Left,
        Align::Left,
        Align::Right,
        Align::Right,
        Align::Right,
    ]);
    for month in &run.months {
        for line in &month.lines {
            let quantity = match (&line.quantity, &line.unit) {
                (Some(q), Some(unit)) => format!("{q} {unit}"),
                (Some(q), None) => q.to_string(),
                _ => String::new(),
            };
            let item = if line.informational {
                format!("{} (informational)", line.item)
            } else {
                line.item.clone()
            };
            table.push_row([
                month.month.to_string(),
                item,
                quantity,
                line.unit_price.map(|p| p.to_string()).unwrap_or_default(),
                format_decimal(&line.amount.to_string()),
            ]);
        }
    }
    table.footer([
        "total".to_string(),
        String::new(),
        String::new(),
        String::new(),
        format_decimal(&run.total.to_string()),
    ])
}

/// One row per month: peak, contract demand, energy, total.
///
/// ```
/// fn summary(run: &voltlex_engine::billing::BillRun) -> String {
///     voltlex_html::results::monthly_summary(run).to_html()
/// }
/// ```
pub fn monthly_summary(run: &BillRun) -> Table {
    let currency = run.currency.code();
    let mut table = Table::new([
        "month".to_string(),
        "peak kW".into(),
        "contract kW".into(),
        "energy kWh".into(),
        format!("total ({currency})"),
    ])
    .caption(format!("{} — monthly bills", run.tariff))
    .align([
        Align::Left,
        Align::Right,
        Align::Right,
        Align::Right,
        Align::Right,
    ]);
    for month in &run.months {
        table.push_row([
            month.month.to_string(),
            format_number(month.peak_kw, 1),
            format_number(month.contract_kw, 1),
            format_number(month.energy_kwh, 0),
            format_decimal(&month.total.to_string()),
        ]);
    }
    table.footer([
        "total".to_string(),
        String::new(),
        String::new(),
        format_number(run.months.iter().map(|m| m.energy_kwh).sum(), 0),
        format_decimal(&run.total.to_string()),
    ])
}

/// The monthly totals as bars.
///
/// ```
/// fn totals(run: &voltlex_engine::billing::BillRun) -> String {
///     voltlex_html::results::monthly_totals(run).to_svg()
/// }
/// ```
pub fn monthly_totals(run: &BillRun) -> BarChart {
    run.months.iter().fold(
        BarChart::new(
            format!("{} — monthly totals", run.tariff),
            run.currency.code(),
        ),
        |chart, month| chart.bar(month.month.to_string(), decimal(month.total)),
    )
}

/// Several bills of the same months side by side (tariff comparison): a line per bill over
/// the months of the first.
///
/// ```
/// use voltlex_engine::billing::BillRun;
/// fn comparison(a: &BillRun, b: &BillRun) -> String {
///     voltlex_html::results::compare_monthly(&[a, b]).to_svg()
/// }
/// ```
pub fn compare_monthly(runs: &[&BillRun]) -> LineChart {
    let currency = runs.first().map_or("", |r| r.currency.code());
    let months: Vec<String> = runs
        .first()
        .map(|r| r.months.iter().map(|m| m.month.to_string()).collect())
        .unwrap_or_default();
    runs.iter().fold(
        LineChart::new("Monthly bill by tariff", currency).x_labels(months.clone()),
        |chart, run| {
            // Aligned by month label: a bill missing a month shows a gap, not a shifted line.
            let values = months
                .iter()
                .map(|label| {
                    run.months
                        .iter()
                        .find(|m| m.month.to_string() == *label)
                        .map_or(f64::NAN, |m| decimal(m.total))
                })
                .collect();
            chart.series(Series::new(run.tariff.clone(), values))
        },
    )
}

/// Bills side by side: tariff, total, difference to the cheapest.
///
/// ```
/// fn totals(a: &voltlex_engine::billing::BillRun) -> String {
///     voltlex_html::results::compare_totals(&[a]).to_html()
/// }
/// ```
pub fn compare_totals(runs: &[&BillRun]) -> Table {
    let currency = runs.first().map_or("", |r| r.currency.code());
    let cheapest = runs
        .iter()
        .map(|r| decimal(r.total))
        .fold(f64::INFINITY, f64::min);
    let mut table = Table::new([
        "tariff".to_string(),
        "months".into(),
        format!("total ({currency})"),
        "vs cheapest".into(),
    ])
    .caption("Bills compared")
    .align([Align::Left, Align::Right, Align::Right, Align::Right]);
    for run in runs {
        table.push_row([
            run.tariff.clone(),
            run.months.len().to_string(),
            format_decimal(&run.total.to_string()),
            format_number(decimal(run.total) - cheapest, 0),
        ]);
    }
    table
}

/// Several series over one day (or any horizon) of equal slots, in kW: x labels from the
/// slots' start times.
///
/// ```
/// use chrono::NaiveDate;
/// let start = NaiveDate::from_ymd_opt(2024, 7, 1).unwrap().and_hms_opt(12, 0, 0).unwrap();
/// let base = vec![100.0; 48];
/// let svg = voltlex_html::results::energy_profile("Site, 1 July", start, 30,
///     &[("base load", base.as_slice())]).to_svg();
/// assert!(svg.contains(">12:00</text>"));
/// ```
pub fn energy_profile(
    title: &str,
    start: chrono::NaiveDateTime,
    slot_minutes: u32,
    series: &[(&str, &[f64])],
) -> LineChart {
    let slots = series.iter().map(|(_, v)| v.len()).max().unwrap_or(0);
    let labels = (0..slots).map(|slot| {
        (start + chrono::Duration::minutes(i64::from(slot_minutes) * slot as i64))
            .format("%H:%M")
            .to_string()
    });
    series.iter().fold(
        LineChart::new(title, "kW").x_labels(labels),
        |chart, (name, values)| chart.series(Series::new(*name, values.to_vec())),
    )
}

/// A day of meter data (average kW per interval) from `date`'s first interval, as a line.
///
/// ```
/// use chrono::NaiveDate;
/// use voltlex_engine::inputs::LoadProfile;
/// let start = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap().and_hms_opt(0, 0, 0).unwrap();
/// let load = LoadProfile { start, interval_minutes: 60, kwh: vec![10.0; 48] };
/// let day = NaiveDate::from_ymd_opt(2024, 1, 2).unwrap();
/// let svg = voltlex_html::results::load_day(&load, day).to_svg();
/// let points = svg.split("points=\"").nth(1).unwrap().split('"').next().unwrap();
/// assert_eq!(points.split(' ').count(), 24);
/// ```
pub fn load_day(load: &LoadProfile, date: chrono::NaiveDate) -> LineChart {
    let per_day = (24 * 60 / load.interval_minutes.max(1)) as usize;
    let first = (0..load.kwh.len()).find(|i| load.interval_start(*i).date() == date);
    let values: Vec<f64> = match first {
        Some(first) => (first..first + per_day)
            .filter_map(|i| load.average_kw(i))
            .collect(),
        None => Vec::new(),
    };
    let start = date.and_time(chrono::NaiveTime::MIN);
    energy_profile(
        &format!("Site load, {date}"),
        start,
        load.interval_minutes,
        &[("load", values.as_slice())],
    )
}

/// A V2G waterfall (gross value to net) as a chart.
///
/// ```
/// use voltlex_engine::v2g::waterfall::{Waterfall, WaterfallLine};
/// let w = Waterfall { subject: "fleet".into(), gross: 100.0, net: 60.0, lines: vec![
///     WaterfallLine { label: "spot sales".into(), amount: 100.0 },
///     WaterfallLine { label: "battery wear".into(), amount: -40.0 }] };
/// let svg = voltlex_html::results::waterfall_chart(&w, "JPY").to_svg();
/// assert_eq!(svg.matches("class=\"bar\"").count(), 3);
/// ```
pub fn waterfall_chart(waterfall: &Waterfall, currency: &str) -> BarChart {
    waterfall
        .lines
        .iter()
        .fold(
            BarChart::new(format!("V2G value, {}", waterfall.subject), currency),
            |chart, line| chart.bar(line.label.clone(), line.amount),
        )
        .waterfall("net")
}

/// The waterfall's lines as a table, gross and net in the footer.
///
/// ```
/// use voltlex_engine::v2g::waterfall::{Waterfall, WaterfallLine};
/// let w = Waterfall { subject: "fleet".into(), gross: 5.0, net: 5.0,
///     lines: vec![WaterfallLine { label: "a".into(), amount: 5.0 }] };
/// assert_eq!(voltlex_html::results::waterfall_table(&w, "JPY").rows(), 1);
/// ```
pub fn waterfall_table(waterfall: &Waterfall, currency: &str) -> Table {
    let mut table = Table::new(["line".to_string(), format!("amount ({currency})")])
        .caption(format!("V2G waterfall, {}", waterfall.subject))
        .align([Align::Left, Align::Right]);
    for line in &waterfall.lines {
        table.push_row([line.label.clone(), format_number(line.amount, 0)]);
    }
    table.footer([
        format!("net (gross {})", format_number(waterfall.gross, 0)),
        format_number(waterfall.net, 0),
    ])
}

/// The distribution of a Monte Carlo figure (bin `edges`, `counts`) with VaR/CVaR markers
/// (`(label, value)`; a VaR is a loss, so its marker stands at `-value` on the profit axis —
/// the caller passes the axis position).
///
/// ```
/// let svg = voltlex_html::results::risk_histogram("Monthly V2G net", "JPY",
///     &[0.0, 5.0, 10.0], &[2, 3], &[("VaR 95 %", 1.0)]).to_svg();
/// assert!(svg.contains("class=\"marker\""));
/// ```
pub fn risk_histogram(
    title: &str,
    unit: &str,
    edges: &[f64],
    counts: &[usize],
    markers: &[(&str, f64)],
) -> Histogram {
    markers.iter().fold(
        Histogram::new(title, unit, edges.to_vec(), counts.to_vec()),
        |chart, (label, value)| chart.marker(Marker::new(*label, *value)),
    )
}

/// [`risk_histogram`] of the engine's [`Histogram`](voltlex_engine::risk::Histogram).
///
/// ```
/// use voltlex_engine::risk::Histogram;
/// let h = Histogram { edges: vec![0.0, 1.0, 2.0], counts: vec![1, 1] };
/// let svg = voltlex_html::results::histogram(&h, "t", "JPY", &[]).to_svg();
/// assert_eq!(svg.matches("class=\"bar\"").count(), 2);
/// ```
pub fn histogram(
    histogram: &voltlex_engine::risk::Histogram,
    title: &str,
    unit: &str,
    markers: &[(&str, f64)],
) -> Histogram {
    risk_histogram(title, unit, &histogram.edges, &histogram.counts, markers)
}

/// Cumulative cost per scenario, year 0 to N (the baseline first): where the lines cross is
/// the payback.
///
/// ```
/// use voltlex_engine::tco::model::YearCosts;
/// let year = |year, total| YearCosts { year, total, ..YearCosts::default() };
/// let diesel = vec![year(0, 0.0), year(1, 10.0), year(2, 10.0)];
/// let ev = vec![year(0, 12.0), year(1, 4.0), year(2, 4.0)];
/// let svg = voltlex_html::results::cumulative_costs("JPY", &[("diesel", &diesel), ("EV", &ev)])
///     .to_svg();
/// assert_eq!(svg.matches("<polyline").count(), 2);
/// ```
pub fn cumulative_costs(currency: &str, scenarios: &[(&str, &[YearCosts])]) -> LineChart {
    let years = scenarios
        .iter()
        .flat_map(|(_, years)| years.iter().map(|y| y.year))
        .max()
        .unwrap_or(0);
    scenarios.iter().fold(
        LineChart::new("Cumulative cost", currency)
            .x_labels((0..=years).map(|y| format!("year {y}"))),
        |chart, (name, years)| {
            let values = years
                .iter()
                .scan(0.0, |sum, y| {
                    *sum += y.total;
                    Some(*sum)
                })
                .collect();
            chart.series(Series::new(*name, values))
        },
    )
}

/// A scenario's yearly costs, one row per year, one column per cost line.
///
/// ```
/// use voltlex_engine::tco::model::YearCosts;
/// let years = vec![YearCosts { year: 0, purchase: 5.0, total: 5.0, ..YearCosts::default() }];
/// assert_eq!(voltlex_html::results::years_table("EV", "JPY", &years).rows(), 1);
/// ```
pub fn years_table(name: &str, currency: &str, years: &[YearCosts]) -> Table {
    let headers = [
        "year",
        "purchase",
        "financing",
        "subsidies",
        "infrastructure",
        "energy",
        "maintenance",
        "insurance",
        "taxes",
        "battery",
        "market",
        "residual",
        "total",
        "CO2 t",
    ];
    let mut table = Table::new(headers)
        .caption(format!("{name} — yearly costs ({currency})"))
        .align(headers.iter().map(|h| {
            if *h == "year" {
                Align::Left
            } else {
                Align::Right
            }
        }));
    for y in years {
        let mut row = vec![y.year.to_string()];
        row.extend(
            [
                y.purchase,
                y.financing,
                y.subsidies,
                y.infrastructure,
                y.energy,
                y.maintenance,
                y.insurance,
                y.taxes,
                y.battery_replacement,
                y.market_revenue,
                y.residual,
                y.total,
            ]
            .iter()
            .map(|v| format_number(*v, 0)),
        );
        row.push(format_number(y.co2_tonnes, 1));
        table.push_row(row);
    }
    table
}

fn found_row(rank: &str, found: &Found, currency: &str) -> Vec<String> {
    let e = &found.evaluation;
    vec![
        rank.to_string(),
        found.description.clone(),
        format!("{} {currency}", format_number(e.cost, 0)),
        e.payback_years
            .map_or("never".into(), |y| format_number(y, 1)),
        e.crossover_year.map_or("never".into(), |y| y.to_string()),
        format_number(e.npv, 0),
        format_number(e.co2_saved_tonnes, 1),
    ]
}

/// The designs a goal seek found: the best, the runner-ups, or (when nothing meets the
/// targets) the closest.
///
/// ```
/// use voltlex_engine::goalseek::SeekOutcome;
/// let none = SeekOutcome { best: None, runner_ups: vec![], binding: vec![], closest: None,
///     nearest_cheaper: None, evaluated: 0, pruned: 0, total: 0 };
/// assert_eq!(voltlex_html::results::goal_seek_designs(&none, "JPY").rows(), 0);
/// ```
pub fn goal_seek_designs(outcome: &SeekOutcome, currency: &str) -> Table {
    let mut table = Table::new([
        "rank",
        "design",
        "investment",
        "payback (years)",
        "crossover year",
        "NPV",
        "CO2 saved (t)",
    ])
    .caption(format!(
        "Goal seek: {} of {} designs evaluated, {} pruned by their cost bound",
        outcome.evaluated, outcome.total, outcome.pruned
    ))
    .align([
        Align::Left,
        Align::Left,
        Align::Right,
        Align::Right,
        Align::Right,
        Align::Right,
        Align::Right,
    ]);
    if let Some(best) = &outcome.best {
        table.push_row(found_row("best", best, currency));
    }
    for (index, found) in outcome.runner_ups.iter().enumerate() {
        table.push_row(found_row(&format!("{}", index + 2), found, currency));
    }
    if outcome.best.is_none() {
        if let Some((closest, _)) = &outcome.closest {
            table.push_row(found_row("closest (misses)", closest, currency));
        }
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;
    use voltlex_engine::v2g::waterfall::WaterfallLine;

    fn parse(text: &str) -> roxmltree::Document<'_> {
        match roxmltree::Document::parse(text) {
            Ok(document) => document,
            Err(error) => panic!("not well-formed: {error}\n{text}"),
        }
    }

    #[test]
    fn waterfall_bars_float_on_the_running_sum() {
        let w = Waterfall {
            subject: "fleet <&\"".into(),
            gross: 300.0,
            net: 150.0,
            lines: vec![
                WaterfallLine {
                    label: "bill saving".into(),
                    amount: 200.0,
                },
                WaterfallLine {
                    label: "spot".into(),
                    amount: 100.0,
                },
                WaterfallLine {
                    label: "wear".into(),
                    amount: -150.0,
                },
            ],
        };
        let svg = waterfall_chart(&w, "JPY").to_svg();
        let document = parse(&svg);
        let bars: Vec<_> = document
            .descendants()
            .filter(|n| n.attribute("class") == Some("bar"))
            .collect();
        assert_eq!(bars.len(), 4);
        let attr = |n: &roxmltree::Node<'_, '_>, name: &str| -> f64 {
            n.attribute(name)
                .and_then(|v| v.parse().ok())
                .unwrap_or(f64::NAN)
        };
        // Heights proportional to the amounts (|amount| / height equal for all bars).
        let ratios: Vec<f64> = bars
            .iter()
            .zip([200.0, 100.0, 150.0, 150.0])
            .map(|(bar, amount)| attr(bar, "height") / amount)
            .collect();
        for ratio in &ratios {
            assert!((ratio - ratios[0]).abs() < 1e-3, "{ratios:?}");
        }
        // The second bar starts where the first ended (top of bar 1 = bottom of bar 2).
        let bottom_of_second = attr(&bars[1], "y") + attr(&bars[1], "height");
        assert!((bottom_of_second - attr(&bars[0], "y")).abs() < 0.02);
        // The title is escaped text, not markup.
        let title = document
            .descendants()
            .find(|n| n.attribute("class") == Some("title"))
            .and_then(|n| n.text());
        assert_eq!(title, Some("V2G value, fleet <&\""));
    }

    #[test]
    fn cumulative_costs_have_one_point_per_year() {
        let years = |totals: &[f64]| -> Vec<YearCosts> {
            totals
                .iter()
                .enumerate()
                .map(|(year, total)| YearCosts {
                    year: year as u32,
                    total: *total,
                    ..YearCosts::default()
                })
                .collect()
        };
        let diesel = years(&[0.0, 100.0, 100.0, 100.0]);
        let ev = years(&[150.0, 40.0, 40.0, 40.0]);
        let svg = cumulative_costs("JPY", &[("diesel", &diesel), ("EV", &ev)]).to_svg();
        let document = parse(&svg);
        let lines: Vec<_> = document
            .descendants()
            .filter(|n| n.has_tag_name("polyline"))
            .collect();
        assert_eq!(lines.len(), 2);
        for line in &lines {
            let points = line.attribute("points").unwrap_or("");
            assert_eq!(points.split(' ').count(), 4);
        }
        // Cumulative: the EV line ends lower (270) than the diesel (300): smaller y is higher.
        let last_y = |line: &roxmltree::Node<'_, '_>| -> f64 {
            line.attribute("points")
                .and_then(|p| p.split(' ').next_back())
                .and_then(|p| p.split(',').nth(1))
                .and_then(|y| y.parse().ok())
                .unwrap_or(f64::NAN)
        };
        assert!(last_y(&lines[0]) < last_y(&lines[1]));
    }

    #[test]
    fn risk_histogram_draws_each_bin_and_marker() {
        let edges = [-100.0, -50.0, 0.0, 50.0, 100.0];
        let counts = [1, 4, 10, 5];
        let svg = risk_histogram(
            "Monthly net",
            "JPY",
            &edges,
            &counts,
            &[("VaR 95 %", -60.0), ("CVaR 95 %", -80.0)],
        )
        .to_svg();
        let document = parse(&svg);
        let bars: Vec<f64> = document
            .descendants()
            .filter(|n| n.attribute("class") == Some("bar"))
            .filter_map(|n| n.attribute("height").and_then(|h| h.parse().ok()))
            .collect();
        assert_eq!(bars.len(), 4);
        // Heights proportional to counts.
        for (height, count) in bars.iter().zip(counts) {
            assert!((height / count as f64 - bars[2] / 10.0).abs() < 1e-2);
        }
        let markers: Vec<f64> = document
            .descendants()
            .filter(|n| n.attribute("class") == Some("marker"))
            .filter_map(|n| n.attribute("x1").and_then(|x| x.parse().ok()))
            .collect();
        assert_eq!(markers.len(), 2);
        // CVaR (−80) lies left of VaR (−60).
        assert!(markers[1] < markers[0]);
    }

    #[test]
    fn goal_seek_without_result_is_an_empty_table() {
        let outcome = SeekOutcome {
            best: None,
            runner_ups: vec![],
            binding: vec![],
            closest: None,
            nearest_cheaper: None,
            evaluated: 3,
            pruned: 1,
            total: 4,
        };
        let html = goal_seek_designs(&outcome, "JPY").to_html();
        let document = parse(&html);
        assert_eq!(
            document
                .descendants()
                .filter(|n| n.has_tag_name("tr"))
                .count(),
            1
        );
        assert!(html.contains("3 of 4 designs evaluated"));
    }
}
