//! Output of `voltlex tco` and `voltlex goal-seek`: the scenarios side by side, the yearly
//! lines, the search's answer — as a table or JSON.

use serde::Serialize;
use voltlex_engine::goalseek::{SeekOutcome, Target};
use voltlex_engine::tco::model::YearCosts;

use crate::goal_seek::GoalSeek;
use crate::tco_scenario::{Charging, DesignResult, Simulation, TcoStudy};

/// The scenarios of a study side by side.
#[derive(Debug, Clone, Serialize)]
pub struct TcoReport {
    /// The study.
    pub name: String,
    /// Currency code.
    pub currency: String,
    /// Years.
    pub horizon_years: u32,
    /// How the year was simulated.
    pub simulation: Simulation,
    /// The combustion fleet's yearly costs.
    pub baseline: Vec<YearCosts>,
    /// The electric scenarios: uncontrolled, optimal, optimal + V2G (when the study has a
    /// `v2g` section).
    pub scenarios: Vec<(String, DesignResult)>,
}

/// Evaluate the study's scenarios.
///
/// # Errors
///
/// A scenario that cannot be simulated or costed.
pub fn run(study: &TcoStudy, progress: &mut dyn FnMut(&str)) -> anyhow::Result<TcoReport> {
    let mut designs = vec![
        (
            "EV, uncontrolled charging",
            study.design(Charging::Uncontrolled, false),
        ),
        (
            "EV, optimised charging",
            study.design(Charging::Optimal, false),
        ),
    ];
    if study.has_v2g() {
        designs.push((
            "EV, optimised + V2B/V2G",
            study.design(Charging::Optimal, true),
        ));
    }
    let mut scenarios = Vec::new();
    for (label, design) in designs {
        progress(label);
        scenarios.push((label.to_string(), study.evaluate(&design)?));
    }
    Ok(TcoReport {
        name: study.name.clone(),
        currency: study.currency().to_string(),
        horizon_years: study.horizon_years(),
        simulation: study.simulation,
        baseline: study.baseline_years()?,
        scenarios,
    })
}

fn money(value: f64) -> String {
    let rounded = value.round();
    let digits = format!("{:.0}", rounded.abs());
    let mut grouped = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    if rounded < 0.0 {
        format!("-{grouped}")
    } else {
        grouped
    }
}

fn years(value: Option<f64>) -> String {
    value.map_or("never".into(), |v| format!("{v:.1}"))
}

fn percent(value: Option<f64>) -> String {
    value.map_or("-".into(), |v| format!("{:.1} %", v * 100.0))
}

fn table(rows: &[Vec<String>]) -> String {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|s| s.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for row in rows {
        let mut line = String::new();
        for (c, (cell, width)) in row.iter().zip(&widths).enumerate() {
            if c == 0 {
                line.push_str(&format!("{cell:<width$}"));
            } else {
                line.push_str(&format!("  {cell:>width$}"));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// The report as a table: figures per scenario, then each scenario's years.
pub fn to_table(report: &TcoReport) -> String {
    let mut out = format!(
        "TCO — {} ({} years, {}; the year simulated by {})\n\n",
        report.name,
        report.horizon_years,
        report.currency,
        match report.simulation {
            Simulation::RepresentativeDays => "one dispatched day per month",
            Simulation::EveryDay => "dispatching every operating day",
        }
    );
    let mut rows = vec![{
        let mut header = vec![String::new(), "Combustion today".to_string()];
        header.extend(report.scenarios.iter().map(|(label, _)| label.clone()));
        header
    }];
    let baseline_total: f64 = report.baseline.iter().map(|y| y.total).sum();
    let baseline_upfront = report.baseline.first().map_or(0.0, |y| y.total);
    let mut line = |name: &str, baseline: String, value: &dyn Fn(&DesignResult) -> String| {
        let mut row = vec![name.to_string(), baseline];
        row.extend(report.scenarios.iter().map(|(_, result)| value(result)));
        rows.push(row);
    };
    line("Up front after subsidies", money(baseline_upfront), &|r| {
        money(r.years.first().map_or(0.0, |y| y.total))
    });
    line("  of which subsidies", money(0.0), &|r| {
        money(r.years.first().map_or(0.0, |y| y.subsidies))
    });
    line(
        "Fuel / electricity, year 1",
        money(report.baseline.get(1).map_or(0.0, |y| y.energy)),
        &|r| money(r.years.get(1).map_or(0.0, |y| y.energy)),
    );
    line("Market revenue, year 1", money(0.0), &|r| {
        money(-r.years.get(1).map_or(0.0, |y| y.market_revenue))
    });
    line("Battery replacements", money(0.0), &|r| {
        money(r.years.iter().map(|y| y.battery_replacement).sum())
    });
    line("Total cost, undiscounted", money(baseline_total), &|r| {
        money(r.years.iter().map(|y| y.total).sum())
    });
    line("Total cost, NPV", String::new(), &|r| {
        money(r.comparison.option_cost_npv)
    });
    line("Savings NPV vs today", String::new(), &|r| {
        money(r.comparison.savings_npv)
    });
    line("Simple payback (years)", String::new(), &|r| {
        years(r.comparison.simple_payback_years)
    });
    line("Discounted payback (years)", String::new(), &|r| {
        years(r.comparison.discounted_payback_years)
    });
    line("IRR", String::new(), &|r| percent(r.comparison.irr));
    line("ROI", String::new(), &|r| percent(r.comparison.roi));
    line("Crossover year", String::new(), &|r| {
        r.comparison
            .crossover_year
            .map_or("never".into(), |y| y.to_string())
    });
    line("CO2 saved (t)", String::new(), &|r| {
        format!("{:.1}", r.comparison.co2_saved_tonnes)
    });
    line("Grid imports change, year 1 (kWh)", String::new(), &|r| {
        money(r.energy.import_change_kwh)
    });
    line("Vehicle battery life (years)", String::new(), &|r| {
        r.energy
            .vehicle_battery_life_years
            .map_or(format!("> {}", report.horizon_years), |y| y.to_string())
    });
    out.push_str(&table(&rows));
    for (label, result) in &report.scenarios {
        out.push_str(&format!("\n{label}: {}\n", result.design.describe()));
        if !result.subsidies.is_empty() {
            let list: Vec<String> = result
                .subsidies
                .iter()
                .map(|(name, amount)| format!("{name} {}", money(*amount)))
                .collect();
            out.push_str(&format!("  subsidies: {}\n", list.join("; ")));
        }
        out.push_str(&years_table(&result.years));
    }
    out.push_str(&format!(
        "\nCombustion today\n{}",
        years_table(&report.baseline)
    ));
    out
}

/// Yearly lines of one option.
pub fn years_table(years: &[YearCosts]) -> String {
    let mut rows = vec![[
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
    ]
    .iter()
    .map(|s| s.to_string())
    .collect::<Vec<_>>()];
    for y in years {
        rows.push(vec![
            y.year.to_string(),
            money(y.purchase),
            money(y.financing),
            money(y.subsidies),
            money(y.infrastructure),
            money(y.energy),
            money(y.maintenance),
            money(y.insurance),
            money(y.taxes),
            money(y.battery_replacement),
            money(y.market_revenue),
            money(y.residual),
            money(y.total),
            format!("{:.1}", y.co2_tonnes),
        ]);
    }
    table(&rows)
}

fn target_text(target: &Target) -> String {
    match target {
        Target::PaybackWithin { years } => format!("payback within {years} years"),
        Target::CrossoverBy { year } => {
            format!("TCO crossover with the combustion fleet by year {year}")
        }
        Target::NpvAtLeast { amount } => format!("NPV of savings at least {}", money(*amount)),
        Target::Co2SavedAtLeast { tonnes } => format!("CO2 saved at least {tonnes} t"),
    }
}

/// The goal seek's answer as a table.
pub fn seek_to_table(seek: &GoalSeek<'_>, outcome: &SeekOutcome, currency: &str) -> String {
    let (computed, reused) = seek.simulations();
    let mut out = format!(
        "Goal seek — targets: {}\nSearched {} designs: {} evaluated, {} pruned by their investment; \
         {computed} years simulated, {reused} reused by designs that dispatch alike.\n\n",
        seek.targets
            .iter()
            .map(target_text)
            .collect::<Vec<_>>()
            .join("; "),
        outcome.total,
        outcome.evaluated,
        outcome.pruned
    );
    let describe = |found: &voltlex_engine::goalseek::Found| {
        let e = &found.evaluation;
        format!(
            "{}\n    investment {} {currency}, payback {}, crossover {}, NPV {} {currency}, CO2 saved {:.1} t",
            seek.design(&found.candidate).describe(),
            money(e.cost),
            years(e.payback_years),
            e.crossover_year.map_or("never".into(), |y| format!("year {y}")),
            money(e.npv),
            e.co2_saved_tonnes
        )
    };
    match &outcome.best {
        Some(best) => {
            out.push_str(&format!(
                "Cheapest design that meets the targets:\n  {}\n",
                describe(best)
            ));
            if !outcome.binding.is_empty() {
                out.push_str("Slack of each target (the smallest binds):\n");
                for slack in &outcome.binding {
                    out.push_str(&format!("  {slack}\n"));
                }
            }
            if !outcome.runner_ups.is_empty() {
                out.push_str("Runner-ups:\n");
                for (rank, found) in outcome.runner_ups.iter().enumerate() {
                    out.push_str(&format!("  {}. {}\n", rank + 2, describe(found)));
                }
            }
        }
        None => {
            out.push_str("No design meets the targets.\n");
            if let Some((closest, shortfalls)) = &outcome.closest {
                out.push_str(&format!("Closest:\n  {}\nWhy:\n", describe(closest)));
                for shortfall in shortfalls {
                    out.push_str(&format!("  {shortfall}\n"));
                }
            }
        }
    }
    out
}
