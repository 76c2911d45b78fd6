//! `voltlex schedule` output: the strategies side by side, then the chosen strategy's
//! schedule — as a table, JSON or CSV.

use std::fmt::Write as _;

use serde_json::{json, Value};
use voltlex_engine::schedule::strategy::Strategy;

use crate::scenario::{Outcome, Scenario};

/// The outcome of `strategy`, if it ran.
pub fn chosen(outcomes: &[Outcome], strategy: Strategy) -> Option<&Outcome> {
    outcomes.iter().find(|o| o.run.strategy == strategy)
}

fn optimum(outcomes: &[Outcome]) -> Option<f64> {
    chosen(outcomes, Strategy::Optimal).map(|o| o.run.cost.total)
}

fn gap(total: f64, optimum: Option<f64>) -> Option<f64> {
    optimum.map(|best| (total - best) / best.abs().max(1.0) * 100.0)
}

fn money(value: f64) -> String {
    let rounded = value.round() as i64;
    let digits = rounded.unsigned_abs().to_string();
    let mut grouped = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    if rounded < 0 {
        format!("-{grouped}")
    } else {
        grouped
    }
}

fn decimal_money(text: &str) -> String {
    text.parse::<f64>()
        .map(money)
        .unwrap_or_else(|_| text.to_string())
}

/// The human-readable report: the strategies side by side, then `strategy`'s schedule.
///
/// ```
/// # use std::path::Path;
/// use voltlex::schedule_report::{to_csv, to_json, to_table};
/// use voltlex_engine::schedule::{strategy::Strategy, Mode};
///
/// let scenario = voltlex::scenario::read(Path::new("workbooks/examples/fleet/depot-night.json"))?;
/// let outcomes = scenario.run(&Strategy::ALL, Mode::Cost, &mut |_, _| {})?;
/// let table = to_table(&scenario, &outcomes, Strategy::Priority);
/// assert!(table.contains("priority schedule (Cost mode)"));
/// let json = to_json(&scenario, &outcomes, Strategy::Optimal);
/// assert_eq!(json["strategies"].as_array().unwrap().len(), 6);
/// let csv = to_csv(&scenario, &outcomes, Strategy::Optimal);
/// assert_eq!(csv.lines().count(), 1 + 48);
/// # Ok::<(), anyhow::Error>(())
/// ```
pub fn to_table(scenario: &Scenario, outcomes: &[Outcome], strategy: Strategy) -> String {
    let problem = &scenario.fleet.problem;
    let mut out = String::new();
    let cur = &scenario.currency;
    let _ = writeln!(
        out,
        "{} — {} slots of {} min from {} ({} stays on {} chargers)",
        scenario.name,
        problem.slots(),
        problem.slot_minutes,
        problem.start.format("%Y-%m-%d %H:%M"),
        problem.sessions.len(),
        problem.chargers.len()
    );
    let _ = writeln!(
        out,
        "import cap {} kW · contract demand (ratchet) {:.1} kW · demand {:.1} {cur}/kW-month × {} months · unmet energy {} {cur}/kWh",
        problem.import_cap_kw,
        problem.ratchet_kw,
        scenario.demand_per_kw_month,
        scenario.demand_charge_months,
        problem.unmet_price_per_kwh
    );
    let best = optimum(outcomes);
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "{:<21} {:>9} {:>10} {:>13} {:>12} {:>10} {:>14} {:>9} {:>15} {:>15}  check",
        "strategy",
        "peak kW",
        "> contract",
        format!("energy {cur}"),
        format!("demand {cur}"),
        "unmet kWh",
        format!("objective {cur}"),
        "vs opt.",
        format!("bill Δ {cur}"),
        format!("+ ratchet {cur}")
    );
    for outcome in outcomes {
        let run = &outcome.run;
        let cost = &run.cost;
        let gap = gap(cost.total, best).map_or("-".into(), |g| format!("{g:+.2}%"));
        let bill = outcome
            .bill
            .as_ref()
            .map_or("-".into(), |b| decimal_money(&b.delta));
        let carry = outcome
            .bill
            .as_ref()
            .map_or("-".into(), |b| money(b.ratchet_carry_over));
        let verdict = if run.check.is_ok() {
            "ok".to_string()
        } else {
            match run.check.violations.len() {
                1 => "1 violation".to_string(),
                n => format!("{n} violations"),
            }
        };
        let _ = writeln!(
            out,
            "{:<21} {:>9.1} {:>10.1} {:>13} {:>12} {:>10.1} {:>14} {:>9} {:>15} {:>15}  {verdict}",
            run.strategy.name(),
            cost.peak_kw,
            (cost.peak_kw - problem.ratchet_kw).max(0.0),
            money(cost.energy),
            money(cost.demand),
            cost.unmet_kwh,
            money(cost.total),
            gap,
            bill,
            carry
        );
    }
    if let Some(bill) = outcomes.first().and_then(|o| o.bill.as_ref()) {
        let _ = writeln!(
            out,
            "bill Δ: the site's bill for {} with the strategy's charging minus with uncontrolled charging (billing engine);\n+ ratchet: the change in contract demand × {:.1} {cur}/kW × the {} further months the ratchet keeps it.",
            bill.months,
            scenario.demand_per_kw_month,
            scenario.demand_charge_months.saturating_sub(1)
        );
    }
    let Some(outcome) = chosen(outcomes, strategy) else {
        return out;
    };
    let run = &outcome.run;
    let schedule = &run.schedule;
    let _ = writeln!(out);
    let _ = writeln!(out, "{} schedule ({:?} mode)", run.strategy, run.mode);
    let _ = writeln!(
        out,
        "{:<17} {:>9} {:>9} {:>9} {:>12}",
        "slot",
        "base kW",
        "fleet kW",
        "site kW",
        format!("{cur}/kWh")
    );
    for (slot, fleet) in schedule.fleet_kw(problem).iter().enumerate() {
        let base = problem.base_kw.get(slot).copied().unwrap_or(0.0);
        let price = problem.energy_price.get(slot).copied().unwrap_or(0.0);
        let _ = writeln!(
            out,
            "{:<17} {:>9.1} {:>9.1} {:>9.1} {:>12.2}",
            problem.slot_start(slot).format("%Y-%m-%d %H:%M"),
            base,
            fleet,
            base + fleet,
            price
        );
    }
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "{:<12} {:<10} {:<17} {:<17} {:>9} {:>12} {:>9}",
        "vehicle", "charger", "plugged in", "leaves", "need kWh", "charged kWh", "short"
    );
    let delivered = schedule.delivered_kwh(problem);
    for (session, delivered) in problem.sessions.iter().zip(&delivered) {
        let charger = problem
            .chargers
            .get(session.charger)
            .map_or("?", |c| c.id.as_str());
        let _ = writeln!(
            out,
            "{:<12} {:<10} {:<17} {:<17} {:>9.1} {:>12.1} {:>9.1}",
            session.vehicle,
            charger,
            problem
                .slot_start(session.first_slot)
                .format("%Y-%m-%d %H:%M"),
            problem
                .slot_start(session.end_slot)
                .format("%Y-%m-%d %H:%M"),
            session.energy_kwh,
            delivered,
            (session.energy_kwh - delivered).max(0.0)
        );
    }
    for unservable in &run.unservable {
        let _ = writeln!(
            out,
            "cannot serve {}: {:.1} kWh short — {}",
            unservable.vehicle,
            unservable.short_kwh,
            describe(scenario, &unservable.reason)
        );
    }
    for stay in &scenario.fleet.unassigned {
        let _ = writeln!(
            out,
            "not scheduled: {} ({} to {}, needs {:.1} kWh) — {}",
            stay.vehicle, stay.arrival, stay.departure, stay.needed_kwh, stay.reason
        );
    }
    for violation in run.check.violations.iter().take(10) {
        let _ = writeln!(out, "check: {violation}");
    }
    if run.check.violations.len() > 10 {
        let _ = writeln!(out, "check: … and {} more", run.check.violations.len() - 10);
    }
    out
}

fn describe(scenario: &Scenario, reason: &voltlex_engine::schedule::optimal::Shortfall) -> String {
    use voltlex_engine::schedule::optimal::Shortfall;
    let problem = &scenario.fleet.problem;
    match reason {
        Shortfall::WindowTooShort {
            max_kw,
            hours,
            possible_kwh,
        } => format!(
            "window too short or charger too small: {max_kw} kW for {hours} h gives at most {possible_kwh:.1} kWh"
        ),
        Shortfall::CapTooLow {
            congested_from,
            congested_to,
            cap_kw,
        } => format!(
            "cap too low: the site is at its {cap_kw} kW import cap from {} to {}",
            problem.slot_start(*congested_from).format("%H:%M"),
            problem
                .slot_start(congested_to + 1)
                .format("%H:%M")
        ),
    }
}

/// The JSON report (an example is at [`to_table`]).
pub fn to_json(scenario: &Scenario, outcomes: &[Outcome], strategy: Strategy) -> Value {
    let problem = &scenario.fleet.problem;
    let best = optimum(outcomes);
    let strategies: Vec<Value> = outcomes
        .iter()
        .map(|outcome| {
            let run = &outcome.run;
            let cost = &run.cost;
            json!({
                "strategy": run.strategy.name(),
                "mode": run.mode,
                "peak_kw": cost.peak_kw,
                "above_contract_kw": (cost.peak_kw - problem.ratchet_kw).max(0.0),
                "energy_cost": cost.energy,
                "demand_cost": cost.demand,
                "unmet_cost": cost.unmet,
                "unmet_kwh": cost.unmet_kwh,
                "objective": cost.total,
                "gap_to_optimal_pct": gap(cost.total, best),
                "bill": outcome.bill,
                "seconds": run.seconds,
                "violations": run.check.violations.iter().map(|v| v.to_string()).collect::<Vec<_>>(),
                "unservable": run.unservable,
            })
        })
        .collect();
    let schedule = chosen(outcomes, strategy).map(|outcome| {
        let schedule = &outcome.run.schedule;
        let fleet = schedule.fleet_kw(problem);
        let delivered = schedule.delivered_kwh(problem);
        json!({
            "strategy": outcome.run.strategy.name(),
            "slots": fleet.iter().enumerate().map(|(slot, fleet)| {
                let base = problem.base_kw.get(slot).copied().unwrap_or(0.0);
                json!({
                    "start": problem.slot_start(slot).format("%Y-%m-%dT%H:%M").to_string(),
                    "base_kw": base,
                    "fleet_kw": fleet,
                    "site_kw": base + fleet,
                    "price_per_kwh": problem.energy_price.get(slot),
                })
            }).collect::<Vec<_>>(),
            "sessions": problem.sessions.iter().zip(&schedule.power_kw).zip(&delivered).map(|((s, power), delivered)| json!({
                "vehicle": s.vehicle,
                "charger": problem.chargers.get(s.charger).map(|c| c.id.clone()),
                "plugged_in": problem.slot_start(s.first_slot).format("%Y-%m-%dT%H:%M").to_string(),
                "leaves": problem.slot_start(s.end_slot).format("%Y-%m-%dT%H:%M").to_string(),
                "energy_kwh": s.energy_kwh,
                "reserved_kwh": s.reserved_kwh,
                "delivered_kwh": delivered,
                "power_kw": power,
            })).collect::<Vec<_>>(),
        })
    });
    json!({
        "scenario": scenario.name,
        "currency": scenario.currency,
        "start": problem.start.format("%Y-%m-%dT%H:%M").to_string(),
        "slot_minutes": problem.slot_minutes,
        "import_cap_kw": problem.import_cap_kw,
        "contract_kw": problem.ratchet_kw,
        "demand_price_per_kw_month": scenario.demand_per_kw_month,
        "demand_charge_months": scenario.demand_charge_months,
        "strategies": strategies,
        "schedule": schedule,
        "not_scheduled": scenario.fleet.unassigned,
    })
}

/// The chosen strategy's schedule as CSV: one row per slot, the site columns, then one
/// column of kW per vehicle (its stays added up). An example is at [`to_table`].
pub fn to_csv(scenario: &Scenario, outcomes: &[Outcome], strategy: Strategy) -> String {
    let problem = &scenario.fleet.problem;
    let Some(outcome) = chosen(outcomes, strategy) else {
        return String::new();
    };
    let mut vehicles: Vec<&str> = problem
        .sessions
        .iter()
        .map(|s| s.vehicle.as_str())
        .collect();
    vehicles.sort_unstable();
    vehicles.dedup();
    let mut per_vehicle = vec![vec![0.0; problem.slots()]; vehicles.len()];
    for (session, power) in problem.sessions.iter().zip(&outcome.run.schedule.power_kw) {
        let Ok(column) = vehicles.binary_search(&session.vehicle.as_str()) else {
            continue;
        };
        if let Some(row) = per_vehicle.get_mut(column) {
            for (slot, kw) in row.iter_mut().skip(session.first_slot).zip(power) {
                *slot += kw;
            }
        }
    }
    let mut out = String::from("start,base_kw,fleet_kw,site_kw,price_per_kwh");
    for vehicle in &vehicles {
        out.push(',');
        out.push_str(&csv_cell(vehicle));
    }
    out.push('\n');
    for (slot, fleet) in outcome.run.schedule.fleet_kw(problem).iter().enumerate() {
        let base = problem.base_kw.get(slot).copied().unwrap_or(0.0);
        let price = problem.energy_price.get(slot).copied().unwrap_or(0.0);
        let _ = write!(
            out,
            "{},{},{},{},{}",
            problem.slot_start(slot).format("%Y-%m-%d %H:%M"),
            round3(base),
            round3(*fleet),
            round3(base + fleet),
            price
        );
        for column in &per_vehicle {
            let _ = write!(out, ",{}", round3(column.get(slot).copied().unwrap_or(0.0)));
        }
        out.push('\n');
    }
    out
}

fn round3(value: f64) -> f64 {
    (value * 1000.0).round() / 1000.0 + 0.0
}

fn csv_cell(text: &str) -> String {
    if text.contains([',', '"', '\n']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}
