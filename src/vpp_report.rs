//! `voltlex vpp`'s tables.

use std::fmt::Write;

use crate::v2g_report::money;
use crate::vpp::{PlanReport, SettleReport};

/// The day-ahead plan as a plain-text table.
///
/// ```
/// use voltlex::vpp_report::plan_table;
/// # use voltlex::vpp::PlanReport;
/// # fn show(report: &PlanReport) {
/// print!("{}", plan_table(report));
/// # }
/// ```
pub fn plan_table(report: &PlanReport) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} — day-ahead plan from {}\n{} vehicles, {} sites, {} stays planned at {:.0} % confidence ({} booked); the fleets' share {:.0} %",
        report.name,
        report.start,
        report.vehicles,
        report.sites,
        report.stays,
        report.confidence * 100.0,
        report.booked,
        report.fleet_share * 100.0
    );
    if let Some(b) = &report.backtests {
        let _ = writeln!(
            out,
            "\nForecast backtest over the last {} days: {} of {} stays predicted; {:.1} % of stays inside the plan (arrived no later, left no earlier, used no more); median errors {:.0} min arrival, {:.0} min departure, {:.1} kWh\n  base load: MAPE {:.1} % (naive same-slot-last-week {:.1} %), {:.1} % of slots under the planned level",
            b.days,
            b.stays.0,
            b.stays.1,
            b.usage_coverage * 100.0,
            b.usage_mae.0,
            b.usage_mae.1,
            b.usage_mae.2,
            b.base_load_mape * 100.0,
            b.base_load_naive_mape * 100.0,
            b.base_load_coverage * 100.0
        );
    }
    let _ = writeln!(
        out,
        "\nBids (vehicle use and site caps first, then products in stacking order)"
    );
    let _ = writeln!(
        out,
        "  {:<16} {:<17} {:<6} {:>10} {:>6} {:>12}",
        "product", "from", "until", "kW", "sites", "revenue"
    );
    for bid in &report.bids {
        let _ = writeln!(
            out,
            "  {:<16} {:<17} {:<6} {:>10.0} {:>6} {:>12}",
            bid.product,
            bid.from.format("%Y-%m-%d %H:%M"),
            bid.until.format("%H:%M"),
            bid.kw,
            bid.sites,
            money(bid.revenue)
        );
    }
    let _ = writeln!(
        out,
        "  availability revenue {}",
        money(report.availability_revenue)
    );
    if !report.below_minimum.is_empty() {
        let _ = writeln!(out, "  not bid (below the minimum bid):");
        for (product, from, offered, minimum) in &report.below_minimum {
            let _ = writeln!(
                out,
                "    {product} {}: {offered:.0} kW < {minimum:.0} kW",
                from.format("%H:%M")
            );
        }
    }
    let unplugged: usize = report.site_lines.iter().map(|s| s.unplugged.len()).sum();
    let unservable: usize = report.site_lines.iter().map(|s| s.unservable.len()).sum();
    let charging: f64 = report.site_lines.iter().map(|s| s.charging_kwh).sum();
    let cost: f64 = report.site_lines.iter().map(|s| s.charging_cost).sum();
    let _ = writeln!(
        out,
        "\nSites: {charging:.0} kWh of charging for the vehicles' own use, cost {}; {unplugged} vehicle(s) without a free charger, {unservable} short",
        money(cost)
    );
    let mut lines: Vec<_> = report.site_lines.iter().collect();
    lines.sort_by(|a, b| (b.peak_kw / b.cap_kw).total_cmp(&(a.peak_kw / a.cap_kw)));
    let _ = writeln!(out, "  tightest sites (peak / cap):");
    for line in lines.iter().take(5) {
        let _ = writeln!(
            out,
            "    {:<10} {:>4} vehicles  peak {:>7.1} kW of {:>7.1} kW  charging {:>7.0} kWh",
            line.site, line.sessions, line.peak_kw, line.cap_kw, line.charging_kwh
        );
    }
    let _ = writeln!(
        out,
        "\nParticipation per vehicle and month (the platform shared by the portfolio)"
    );
    let _ = writeln!(
        out,
        "  {:>9} {:>10} {:>12} {:>22}",
        "vehicles", "OCPP", "proprietary", "revenue to the fleet"
    );
    for point in &report.cost_curve {
        let _ = writeln!(
            out,
            "  {:>9} {:>10} {:>12} {:>22}",
            point.vehicles,
            money(point.ocpp),
            money(point.proprietary),
            money(point.revenue)
        );
    }
    out
}

/// The settled day as a plain-text table.
///
/// ```
/// use voltlex::vpp_report::settle_table;
/// # use voltlex::vpp::SettleReport;
/// # fn show(report: &SettleReport) {
/// print!("{}", settle_table(report));
/// # }
/// ```
pub fn settle_table(report: &SettleReport) -> String {
    let mut out = plan_table(&report.plan);
    let _ = writeln!(out, "\nThe day: {} event(s)", report.events.len());
    let _ = writeln!(
        out,
        "  {:<16} {:<6} {:>10} {:>10} {:>10}",
        "product", "from", "committed", "activated", "delivered"
    );
    for (product, from, committed, activated, delivered) in &report.deliveries {
        let _ = writeln!(
            out,
            "  {product:<16} {:<6} {committed:>10.0} {activated:>10.0} {delivered:>10.0}",
            from.format("%H:%M")
        );
    }
    if !report.short.is_empty() {
        let _ = writeln!(out, "  vehicles that left short:");
        for (vehicle, kwh) in &report.short {
            let _ = writeln!(out, "    {vehicle}: {kwh:.1} kWh");
        }
    }
    let s = &report.settlement;
    let _ = writeln!(out, "\nSettlement");
    let _ = writeln!(
        out,
        "  {:<16} {:>12} {:>12} {:>12} {:>12}",
        "product", "availability", "energy", "penalties", "net"
    );
    for p in &s.products {
        let _ = writeln!(
            out,
            "  {:<16} {:>12} {:>12} {:>12} {:>12}",
            p.product,
            money(p.availability),
            money(p.energy),
            money(-p.penalties),
            money(p.net)
        );
    }
    let _ = writeln!(
        out,
        "  total {}: to the fleets {}, to the aggregator {}",
        money(s.total),
        money(s.to_fleets),
        money(s.to_aggregator)
    );
    if let Some(deal) = &report.risk_sharing {
        let _ = writeln!(
            out,
            "\nHanded to the deal \"{}\", as a month of {:.0} such days ({} vehicles, margin {}, {:.0} kWh discharged):",
            deal.deal,
            deal.days,
            deal.vehicles,
            money(deal.margin),
            deal.discharged_kwh
        );
        for (party, net) in &deal.parties {
            let _ = writeln!(out, "  {party:<14} {:>12}", money(*net));
        }
    }
    let mut vehicles: Vec<_> = s.vehicles.iter().collect();
    vehicles.sort_by(|a, b| a.net.total_cmp(&b.net));
    if let Some(worst) = vehicles.first() {
        let _ = writeln!(
            out,
            "  {} vehicles with commitments; lowest net {} ({} at {}), highest {}",
            vehicles.len(),
            money(worst.net),
            worst.vehicle,
            worst.site,
            money(vehicles.last().map_or(0.0, |v| v.net))
        );
    }
    out
}
