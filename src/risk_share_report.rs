//! `voltlex risk-share`'s table: the deal, the system, each party against the status quo,
//! the expected cash by month as paid, and the fairness view.

use std::fmt::Write;

use voltlex_html::sharing::parameter_value;

use crate::risk_share::RiskShareReport;
use crate::v2g_report::money;

fn percent(value: f64) -> String {
    format!("{:.1} %", value * 100.0)
}

/// The report as a plain-text table.
///
/// ```
/// use voltlex::risk_share_report::to_table;
/// # use voltlex::risk_share::RiskShareReport;
/// # fn show(report: &RiskShareReport) {
/// print!("{}", to_table(report));
/// # }
/// ```
pub fn to_table(report: &RiskShareReport) -> String {
    let mut out = String::new();
    let outcome = &report.outcome;
    let cur = &outcome.currency;
    let level = format!("{:.0} %", outcome.confidence * 100.0);
    let _ = writeln!(
        out,
        "{} — over \"{}\"\n{} month(s) from {}, {} price scenarios ({}, seed {}); wear: {}",
        outcome.deal,
        report.scenario,
        outcome.months,
        report.first_month,
        outcome.scenarios,
        report.price_model,
        report.seed,
        report.wear_model
    );
    let _ = writeln!(
        out,
        "fleet: {} enrolled vehicles, {:.1} kWh packs, replacement {} {cur}/kWh",
        report.vehicles,
        report.battery_kwh,
        money(report.replacement_cost_per_kwh)
    );
    let _ = writeln!(out, "\nTerms");
    for line in &report.terms {
        let _ = writeln!(out, "  {line}");
    }
    let system = &report.system_per_year;
    let _ = writeln!(
        out,
        "\nThe V2G operation, expected per year ({cur}): margin {}, extra battery wear {}, net {} ({:.0} kWh discharged)",
        money(system.margin),
        money(system.wear),
        money(system.net),
        system.discharged_kwh
    );
    let _ = writeln!(
        out,
        "\nPer party over the horizon ({cur}); status quo = the owner carries everything, the others are not involved"
    );
    let _ = writeln!(
        out,
        "  {:<14} {:>12} {:>12} {:>12} {:>12} {:>12} {:>9} {:>9}",
        "party",
        "expected",
        "status quo",
        format!("VaR {level}"),
        "VaR s.q.",
        format!("CVaR {level}"),
        "P(loss)",
        "P s.q."
    );
    for party in &outcome.parties {
        let _ = writeln!(
            out,
            "  {:<14} {:>12} {:>12} {:>12} {:>12} {:>12} {:>9} {:>9}",
            party.party,
            money(party.expected),
            money(party.status_quo_expected),
            money(party.value_at_risk),
            money(party.status_quo_value_at_risk),
            money(party.conditional_value_at_risk),
            percent(party.probability_of_loss),
            percent(party.status_quo_probability_of_loss)
        );
    }
    let _ = writeln!(
        out,
        "  (VaR and CVaR are losses: negative means even the bad case earns)\n  conservation: the parties' flows add up to the system's in every scenario and month (largest gap {:.2e} {cur})",
        outcome.conservation_error
    );

    // Expected cash by month as paid.
    let columns = outcome
        .parties
        .iter()
        .map(|p| p.monthly_expected_paid.len())
        .max()
        .unwrap_or(0);
    let _ = writeln!(out, "\nExpected cash by month as paid ({cur})");
    let _ = write!(out, "  {:<8}", "month");
    for party in &outcome.parties {
        let _ = write!(out, " {:>12}", party.party);
    }
    let _ = writeln!(out);
    for (month, label) in report.paid_month_labels().iter().enumerate().take(columns) {
        let _ = write!(out, "  {label:<8}");
        for party in &outcome.parties {
            let value = party
                .monthly_expected_paid
                .get(month)
                .copied()
                .unwrap_or(0.0);
            let _ = write!(out, " {:>12}", money(value));
        }
        let _ = writeln!(out);
    }

    if let Some(view) = &report.fairness {
        let limits: Vec<String> = view
            .parties
            .iter()
            .zip(&view.limits)
            .filter_map(|(party, limit)| limit.map(|l| format!("{party} ≤ {}", money(l))))
            .collect();
        let _ = writeln!(
            out,
            "\nFairness: {} of {} grid points leave every party better off than without V2G{} ({} settled{})",
            view.feasible.len(),
            view.grid_points,
            if limits.is_empty() {
                String::new()
            } else {
                format!(
                    " with VaR {:.0} % within {}",
                    view.confidence * 100.0,
                    limits.join(", ")
                )
            },
            view.evaluated,
            if view.bisected { ", by bisection" } else { "" }
        );
        let shown = |name: &str, value: f64| format!("{name} {}", parameter_value(name, value));
        for (index, name) in view.parameters.iter().enumerate() {
            let values: Vec<f64> = view
                .feasible
                .iter()
                .filter_map(|p| p.values.get(index).copied())
                .collect();
            let low = values.iter().copied().fold(f64::INFINITY, f64::min);
            let high = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            if values.is_empty() {
                let _ = writeln!(out, "  {name}: no value works");
            } else {
                let _ = writeln!(out, "  {} … {}", shown(name, low), shown(name, high));
            }
        }
        if let Some(best) = &view.best {
            let settings: Vec<String> = view
                .parameters
                .iter()
                .zip(&best.values)
                .map(|(name, value)| shown(name, *value))
                .collect();
            let gains: Vec<String> = view
                .parties
                .iter()
                .zip(&best.expected)
                .map(|(party, value)| format!("{party} {}", money(*value)))
                .collect();
            let _ = writeln!(
                out,
                "  fairest (the worst-off party gains most): {} → {}",
                settings.join(", "),
                gains.join(", ")
            );
        }
        // Two parameters: the grid as a map.
        if let ([first, second], [rows, cols]) = (view.parameters.as_slice(), view.grids.as_slice())
        {
            let _ = writeln!(
                out,
                "  grid: rows {first}, columns {second} (■ every party gains)"
            );
            for row in rows {
                let mut line = format!("  {:>14} ", shown(first, *row));
                for col in cols {
                    let hit = view
                        .feasible
                        .iter()
                        .any(|p| p.values.first() == Some(row) && p.values.get(1) == Some(col));
                    line.push(if hit { '■' } else { '·' });
                }
                let _ = writeln!(out, "{line}");
            }
        }
    }
    out
}
