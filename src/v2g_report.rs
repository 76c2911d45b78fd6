//! `voltlex v2g`'s table: the fleet waterfall, per-vehicle nets and wear, bills, balancing,
//! power factor, and the risk of the monthly net.

use std::fmt::Write;

use crate::v2g_scenario::V2gReport;

pub(crate) fn money(value: f64) -> String {
    // Whole currency units with thousands separators, sign kept.
    let rounded = value.round();
    let digits = format!("{:.0}", rounded.abs());
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    if rounded < 0.0 {
        format!("-{grouped}")
    } else {
        grouped
    }
}

/// The report as a plain-text table.
///
/// ```
/// use voltlex::v2g_report::to_table;
/// # use voltlex::v2g_scenario::V2gReport;
/// # fn show(report: &V2gReport) {
/// print!("{}", to_table(report));
/// # }
/// ```
pub fn to_table(report: &V2gReport) -> String {
    let mut out = String::new();
    let cur = &report.currency;
    let _ = writeln!(
        out,
        "{} — {} day(s) from {}",
        report.scenario, report.days, report.first_day
    );
    let contract = if report.contract.is_empty() {
        "own use (V2B only)".to_string()
    } else {
        format!(
            "contract {:?}, markets: {}",
            report.contract,
            if report.markets.is_empty() {
                "none".to_string()
            } else {
                report.markets.join(", ")
            }
        )
    };
    let _ = writeln!(out, "{contract}");
    let discharged: f64 = report.daily.iter().map(|d| d.discharged_kwh).sum();
    let exported: f64 = report.daily.iter().map(|d| d.exported_kwh).sum();
    let peak_v2g = report
        .daily
        .iter()
        .map(|d| d.v2g_peak_kw)
        .fold(0.0, f64::max);
    let peak_base = report
        .daily
        .iter()
        .map(|d| d.baseline_peak_kw)
        .fold(0.0, f64::max);
    let _ = writeln!(
        out,
        "discharged {discharged:.0} kWh (battery side), exported {exported:.0} kWh; peak {peak_v2g:.1} kW with V2G vs {peak_base:.1} kW charging only; checker: {}",
        if report.checker_failures == 0 {
            "every plan ok".to_string()
        } else {
            format!("{} plan(s) FAILED", report.checker_failures)
        }
    );

    let _ = writeln!(out, "\nRevenue waterfall, fleet ({cur})");
    for line in &report.fleet.lines {
        let _ = writeln!(out, "  {:<42} {:>14}", line.label, money(line.amount));
    }
    let _ = writeln!(
        out,
        "  {:<42} {:>14}",
        "gross value",
        money(report.fleet.gross)
    );
    let _ = writeln!(
        out,
        "  {:<42} {:>14}",
        "NET TO THE FLEET",
        money(report.fleet.net)
    );

    if !report.vehicles.is_empty() {
        let _ = writeln!(
            out,
            "\nPer vehicle ({cur})\n  {:<10} {:>10} {:>12} {:>12} {:>12}",
            "vehicle", "gross", "wear", "net", "discharged"
        );
        for (waterfall, (_, kwh, wear)) in report.vehicles.iter().zip(&report.wear) {
            let _ = writeln!(
                out,
                "  {:<10} {:>10} {:>12} {:>12} {:>9.1} kWh",
                waterfall.subject,
                money(waterfall.gross),
                money(-wear),
                money(waterfall.net),
                kwh
            );
        }
    }

    if let Some(bills) = &report.bills {
        let _ = writeln!(
            out,
            "\nBills of the month (billing engine): charging only {} {cur}, with V2G {} {cur}; saving {}\n  contract demand {:.1} kW → {:.1} kW; demand saving incl. the ratchet's further months {}",
            bills.baseline_total,
            bills.v2g_total,
            money(bills.saving),
            bills.contract_kw.0,
            bills.contract_kw.1,
            money(bills.demand_saving)
        );
    }
    for b in &report.balancing {
        let _ = writeln!(
            out,
            "\nBalancing {}: {} block(s) offered, {} not offered (largest headroom {:.0} kW against a minimum bid of {:.0} kW); net {} {cur}",
            b.market,
            b.blocks_offered,
            b.blocks_skipped,
            b.largest_headroom_kw,
            b.minimum_bid_kw,
            money(b.net_revenue)
        );
    }
    for pf in &report.power_factor {
        let _ = writeln!(
            out,
            "\nPower factor {}: {:.0} % → {:.0} % with {:.0} kvarh of inverter support; bill saving {} {cur}",
            pf.month, pf.before_pct, pf.after_pct, pf.support_kvarh, money(pf.saving)
        );
    }
    if let Some(risk) = &report.risk {
        let _ = writeln!(
            out,
            "\nRisk of the net ({}; {} scenarios, seed {}): mean {} {cur}",
            risk.model,
            risk.scenarios,
            risk.seed,
            money(risk.mean_net)
        );
        for level in &risk.levels {
            let _ = writeln!(
                out,
                "  {:>4.1} %  VaR {:>10} [{} … {}]   CVaR {:>10} [{} … {}]",
                level.confidence * 100.0,
                money(level.value_at_risk),
                money(level.value_at_risk_interval.0),
                money(level.value_at_risk_interval.1),
                money(level.conditional_value_at_risk),
                money(level.conditional_value_at_risk_interval.0),
                money(level.conditional_value_at_risk_interval.1),
            );
        }
        let _ = writeln!(
            out,
            "  (VaR and CVaR are losses: negative means even the bad case earns; 95 % intervals)"
        );
        for stress in &risk.stress {
            let _ = writeln!(
                out,
                "  stress: {:<44} net {:>10} {cur} ({} days of prices)",
                stress.name,
                money(stress.net),
                stress.days
            );
        }
    }
    out
}
