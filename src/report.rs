//! Bills as the user reads them: a table, JSON, CSV, or one month explained line by line.

use rust_decimal::Decimal;
use serde_json::{json, Value};
use std::fmt::Write;
use voltlex_engine::billing::{BillRun, MonthlyBill};

/// Formats an amount with thousands separators: `1234567.5` → `1,234,567.5`.
///
/// ```
/// use rust_decimal::Decimal;
/// assert_eq!(voltlex::report::grouped(Decimal::new(-123456789, 2)), "-1,234,567.89");
/// ```
pub fn grouped(amount: Decimal) -> String {
    let text = amount.to_string();
    let (sign, digits) = text
        .strip_prefix('-')
        .map_or(("", text.as_str()), |d| ("-", d));
    let (whole, fraction) = digits
        .split_once('.')
        .map_or((digits, None), |(w, f)| (w, Some(f)));
    let mut out = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    match fraction {
        Some(f) => format!("{sign}{out}.{f}"),
        None => format!("{sign}{out}"),
    }
}

/// The JSON document of `voltlex bill --format json`: amounts as decimal strings.
pub fn to_json(run: &BillRun) -> Value {
    json!({
        "tariff": run.tariff,
        "currency": run.currency.code(),
        "months": run.months.iter().map(month_json).collect::<Vec<_>>(),
        "total": run.total.to_string(),
    })
}

fn month_json(bill: &MonthlyBill) -> Value {
    json!({
        "month": bill.month.to_string(),
        "peak_kw": round3(bill.peak_kw),
        "contract_kw": round3(bill.contract_kw),
        "contract_basis": bill.contract_basis,
        "energy_kwh": round3(bill.energy_kwh),
        "power_factor": bill.power_factor.map(|pf| pf.to_string()),
        "energy_by_period": bill.energy_by_period.iter().map(|(name, kwh)| json!({"period": name, "kwh": round3(*kwh)})).collect::<Vec<_>>(),
        "lines": bill.lines.iter().map(|line| json!({
            "item": line.item,
            "amount": line.amount.to_string(),
            "quantity": line.quantity.map(|q| q.to_string()),
            "unit": line.unit,
            "unit_price": line.unit_price.map(|p| p.to_string()),
            "rule": line.rule.to_string(),
            "calculation": line.calculation,
            "informational": line.informational,
        })).collect::<Vec<_>>(),
        "total": bill.total.to_string(),
    })
}

fn round3(value: f64) -> f64 {
    (value * 1000.0).round() / 1000.0
}

/// One CSV row per line item: `month,item,quantity,unit,unit_price,amount,informational,rule`.
pub fn to_csv(run: &BillRun) -> String {
    let mut out = String::from("month,item,quantity,unit,unit_price,amount,informational,rule\n");
    for bill in &run.months {
        for line in &bill.lines {
            let fields = [
                bill.month.to_string(),
                line.item.clone(),
                line.quantity.map(|q| q.to_string()).unwrap_or_default(),
                line.unit.clone().unwrap_or_default(),
                line.unit_price.map(|p| p.to_string()).unwrap_or_default(),
                line.amount.to_string(),
                line.informational.to_string(),
                line.rule.to_string(),
            ];
            let row: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
            out.push_str(&row.join(","));
            out.push('\n');
        }
        let _ = writeln!(out, "{},total,,,,{},false,", bill.month, bill.total);
    }
    out
}

fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

/// A table: one row per month with peak, contract demand, kWh and total; then the sum.
pub fn to_table(run: &BillRun) -> String {
    let currency = run.currency.code();
    let mut out = String::new();
    let _ = writeln!(out, "{} ({currency})", run.tariff);
    let _ = writeln!(
        out,
        "{:<8} {:>10} {:>12} {:>14} {:>16}",
        "month", "peak kW", "contract kW", "energy kWh", "total"
    );
    for bill in &run.months {
        let _ = writeln!(
            out,
            "{:<8} {:>10.1} {:>12.1} {:>14} {:>16}",
            bill.month.to_string(),
            bill.peak_kw,
            bill.contract_kw,
            grouped(
                Decimal::from_f64_retain(bill.energy_kwh.round())
                    .unwrap_or_default()
                    .round()
            ),
            grouped(bill.total)
        );
    }
    let _ = writeln!(
        out,
        "{:<8} {:>10} {:>12} {:>14} {:>16}",
        "total",
        "",
        "",
        "",
        grouped(run.total)
    );
    out
}

/// How each line of one month's bill was computed, with the rule behind it.
pub fn explain(run: &BillRun, bill: &MonthlyBill) -> String {
    let currency = run.currency.code();
    let mut out = String::new();
    let _ = writeln!(out, "{} — {} ({currency})", run.tariff, bill.month);
    let _ = writeln!(out, "  peak demand     {:.3} kW", bill.peak_kw);
    let _ = writeln!(
        out,
        "  contract demand {:.3} kW  ({})",
        bill.contract_kw, bill.contract_basis
    );
    let _ = writeln!(out, "  energy          {:.3} kWh", bill.energy_kwh);
    for (period, kwh) in &bill.energy_by_period {
        let _ = writeln!(out, "    {period:<14}{kwh:.3} kWh");
    }
    if let Some(pf) = bill.power_factor {
        let _ = writeln!(out, "  power factor    {pf} %");
    }
    let _ = writeln!(out);
    let width = bill
        .lines
        .iter()
        .map(|l| l.item.chars().count())
        .max()
        .unwrap_or(10)
        .max(10);
    for line in &bill.lines {
        let amount = if line.informational {
            format!("({})", grouped(line.amount))
        } else {
            grouped(line.amount)
        };
        let _ = writeln!(
            out,
            "  {:<width$}  {:>16}   {}",
            line.item, amount, line.rule
        );
        let _ = writeln!(out, "  {:<width$}    = {}", "", line.calculation);
    }
    let _ = writeln!(out, "  {:<width$}  {:>16}", "total", grouped(bill.total));
    if bill.lines.iter().any(|l| l.informational) {
        let _ = writeln!(
            out,
            "  (amounts in parentheses are shown for information and not added)"
        );
    }
    out
}
