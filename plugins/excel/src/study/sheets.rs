//! The Summary, TCO, Energy profile, Bills, Schedule and Goal seek sheets.

use rust_xlsxwriter::{
    utility::row_col_to_cell, Chart, ChartFormat, ChartLegendPosition, ChartLine,
    ChartLineDashType, ChartType, Formula, Worksheet,
};
use voltlex_engine::tco::model::YearCosts;

use super::style::{
    column_sum, headers, number, optional, print_setup, row_sum, serial, width_of, Styles,
};
use super::{GoalSeekSheet, ScenarioResult, ScheduleSheet, StudyResults};
use crate::bills::{write_line_item, Formats, ScaledFormats, LINES_HEADERS, LINES_WIDTHS};
use crate::ExcelError;

/// The TCO sheet's columns: header and the year's figure.
type Line = (&'static str, fn(&YearCosts) -> f64);
const COST_LINES: [Line; 11] = [
    ("Purchase", |y| y.purchase),
    ("Financing", |y| y.financing),
    ("Subsidies", |y| y.subsidies),
    ("Infrastructure", |y| y.infrastructure),
    ("Energy", |y| y.energy),
    ("Maintenance", |y| y.maintenance),
    ("Insurance", |y| y.insurance),
    ("Taxes", |y| y.taxes),
    ("Battery replacement", |y| y.battery_replacement),
    ("Market revenue", |y| y.market_revenue),
    ("Residual value", |y| y.residual),
];

/// Where the saving against the baseline comes from: (component, shown in the doughnut?,
/// the lines it adds up). Together the components cover every cost line, so they sum to the
/// difference of the totals.
const SAVING_PARTS: [(&str, bool, &[usize]); 5] = [
    ("Energy (fuel vs electricity)", true, &[4]),
    ("Maintenance, insurance, taxes", true, &[5, 6, 7]),
    ("V2G / market revenue", true, &[9]),
    ("Subsidies", true, &[2]),
    (
        "Purchase, financing, infrastructure, batteries, residual",
        false,
        &[0, 1, 3, 8, 10],
    ),
];

fn total_of(years: &[YearCosts], line: fn(&YearCosts) -> f64) -> f64 {
    years.iter().map(line).sum()
}

/// The saving of `scenario` against `baseline` over the horizon, undiscounted, per part.
pub(super) fn saving_breakdown(
    baseline: &ScenarioResult,
    scenario: &ScenarioResult,
) -> Vec<(&'static str, bool, f64)> {
    SAVING_PARTS
        .iter()
        .map(|(name, charted, lines)| {
            let saving = lines
                .iter()
                .filter_map(|&index| COST_LINES.get(index))
                .map(|(_, line)| {
                    total_of(&baseline.years, *line) - total_of(&scenario.years, *line)
                })
                .sum();
            (*name, *charted, saving)
        })
        .collect()
}

pub(super) fn summary(
    sheet: &mut Worksheet,
    results: &StudyResults,
    s: &Styles,
) -> Result<(), ExcelError> {
    let years = results.horizon_years;
    let currency = &results.currency;
    sheet.set_name("Summary")?;
    sheet.write_string_with_format(0, 0, format!("Study: {}", results.title), &s.title)?;
    sheet.write_string_with_format(
        1,
        0,
        format!(
            "{years} years, amounts in {currency}; the year simulated by {}",
            results.simulation
        ),
        &s.note,
    )?;
    let recommended = results.scenarios.get(results.recommended);
    let headline = match recommended {
        Some(r) if r.design.is_empty() => format!("Recommended: {}", r.label),
        Some(r) => format!("Recommended: {} — {}", r.label, r.design),
        None => format!(
            "No recommended scenario (index {} of {} scenarios)",
            results.recommended,
            results.scenarios.len()
        ),
    };
    sheet.write_string_with_format(2, 0, headline, &s.label)?;

    // Large figures, top left.
    let big_labels = [
        format!("Saving over {years} years (NPV, {currency})"),
        "Simple payback".to_string(),
        "Return on investment".to_string(),
        format!("CO2 saved over {years} years"),
    ];
    for (col, label) in [0u16, 2, 4, 6].into_iter().zip(&big_labels) {
        sheet.write_string_with_format(4, col, label, &s.big_label)?;
    }
    sheet.set_row_height(4, 30)?;
    sheet.set_row_height(5, 30)?;
    if let Some(r) = recommended {
        optional(sheet, 5, 0, r.savings_npv, "none", &s.big_money)?;
        optional(sheet, 5, 2, r.simple_payback_years, "never", &s.big_years)?;
        optional(sheet, 5, 4, r.roi, "n/a", &s.big_percent)?;
        number(sheet, 5, 6, r.co2_saved_tonnes, &s.big_tonnes)?;
    }

    // Every scenario side by side.
    let mut row = 7;
    sheet.write_string_with_format(row, 0, "Scenarios", &s.section)?;
    row += 1;
    let titles: Vec<(String, f64)> = [
        ("Scenario", 30.0),
        ("Design", 34.0),
        (&*format!("Cost over {years} years ({currency})"), 17.0),
        (&*format!("Saving, NPV ({currency})"), 17.0),
        ("Simple payback (years)", 16.0),
        ("Discounted payback (years)", 16.0),
        ("IRR", 10.0),
        ("ROI", 10.0),
        ("Crossover year", 11.0),
        ("CO2 saved (t)", 11.0),
    ]
    .iter()
    .map(|(t, w)| (t.to_string(), *w))
    .collect();
    headers(sheet, row, 0, &titles, s)?;
    row += 1;
    sheet.write_string(row, 0, &results.baseline.label)?;
    sheet.write_string(row, 1, &results.baseline.design)?;
    number(
        sheet,
        row,
        2,
        total_of(&results.baseline.years, |y| y.total),
        &s.money,
    )?;
    sheet.write_string_with_format(row, 3, "baseline", &s.note)?;
    for scenario in &results.scenarios {
        row += 1;
        sheet.write_string(row, 0, &scenario.label)?;
        sheet.write_string(row, 1, &scenario.design)?;
        number(
            sheet,
            row,
            2,
            total_of(&scenario.years, |y| y.total),
            &s.money,
        )?;
        optional(sheet, row, 3, scenario.savings_npv, "none", &s.money)?;
        optional(
            sheet,
            row,
            4,
            scenario.simple_payback_years,
            "never",
            &s.years,
        )?;
        optional(
            sheet,
            row,
            5,
            scenario.discounted_payback_years,
            "never",
            &s.years,
        )?;
        optional(sheet, row, 6, scenario.irr, "n/a", &s.percent)?;
        optional(sheet, row, 7, scenario.roi, "n/a", &s.percent)?;
        optional(
            sheet,
            row,
            8,
            scenario.crossover_year.map(f64::from),
            "never",
            &s.count,
        )?;
        number(sheet, row, 9, scenario.co2_saved_tonnes, &s.tonnes)?;
    }

    // Cumulative cost by year: the line chart's data.
    row += 2;
    sheet.write_string_with_format(
        row,
        0,
        format!("Cumulative cost by year ({currency})"),
        &s.section,
    )?;
    row += 1;
    let cumulative_header = row;
    let all: Vec<&ScenarioResult> = std::iter::once(&results.baseline)
        .chain(&results.scenarios)
        .collect();
    sheet.write_string_with_format(row, 0, "Year", &s.header)?;
    for (col, scenario) in (1u16..).zip(&all) {
        sheet.write_string_with_format(row, col, &scenario.label, &s.header)?;
    }
    sheet.set_row_height(row, 30)?;
    let year_count = all.iter().map(|r| r.years.len()).max().unwrap_or(0);
    for index in 0..year_count {
        row += 1;
        let year = all
            .iter()
            .find_map(|r| r.years.get(index))
            .map_or(index as f64, |y| f64::from(y.year));
        sheet.write_number_with_format(row, 0, year, &s.count)?;
        for (col, scenario) in (1u16..).zip(&all) {
            if scenario.years.len() > index {
                let cumulative = scenario.years.iter().take(index + 1).map(|y| y.total).sum();
                number(sheet, row, col, cumulative, &s.money)?;
            }
        }
    }
    let cumulative_last = row;
    if year_count > 0 {
        let mut chart = Chart::new(ChartType::Line);
        for (col, _) in (1u16..).zip(&all) {
            chart
                .add_series()
                .set_name(("Summary", cumulative_header, col))
                .set_categories(("Summary", cumulative_header + 1, 0, cumulative_last, 0))
                .set_values(("Summary", cumulative_header + 1, col, cumulative_last, col));
        }
        chart.title().set_name("Cumulative cost by year");
        chart.x_axis().set_name("Year");
        chart.y_axis().set_num_format(&s.money_code);
        chart.legend().set_position(ChartLegendPosition::Bottom);
        chart.set_width(620).set_height(340);
        sheet.insert_chart(0, 11, &chart)?;
    }

    // Where the recommended scenario's saving comes from.
    row += 2;
    if let Some(r) = recommended {
        sheet.write_string_with_format(
            row,
            0,
            format!(
                "Saving against {} over {years} years, undiscounted ({currency})",
                results.baseline.label
            ),
            &s.section,
        )?;
        row += 1;
        let header = row;
        for (col, title) in [(0u16, "Component"), (1, "Saving"), (2, "In the chart")] {
            sheet.write_string_with_format(row, col, title, &s.header)?;
        }
        let parts = saving_breakdown(&results.baseline, r);
        let first = row + 1;
        for (name, charted, saving) in &parts {
            row += 1;
            sheet.write_string(row, 0, *name)?;
            number(sheet, row, 1, *saving, &s.money)?;
            if *charted {
                number(sheet, row, 2, saving.max(0.0), &s.money)?;
            } else {
                sheet.write_string_with_format(row, 2, "not charted", &s.note)?;
            }
        }
        let last = row;
        row += 1;
        sheet.write_string_with_format(row, 0, "Total", &s.total_label)?;
        let total: f64 = parts.iter().map(|(_, _, saving)| saving).sum();
        sheet.write_formula_with_format(
            row,
            1,
            column_sum(first, last, 1, total),
            &s.total_money,
        )?;
        sheet.write_blank(row, 2, &s.total_label)?;
        if parts
            .iter()
            .any(|(_, charted, saving)| *charted && *saving > 0.0)
        {
            let charted_last = first + parts.iter().filter(|p| p.1).count() as u32 - 1;
            let mut doughnut = Chart::new(ChartType::Doughnut);
            doughnut
                .add_series()
                .set_name(("Summary", header, 2))
                .set_categories(("Summary", first, 0, charted_last, 0))
                .set_values(("Summary", first, 2, charted_last, 2));
            doughnut.title().set_name("Where the saving comes from");
            doughnut.legend().set_position(ChartLegendPosition::Right);
            doughnut.set_width(620).set_height(300);
            sheet.insert_chart(18, 11, &doughnut)?;
        }
        row += 1;
    }

    // The defaults the study applied.
    row += 1;
    sheet.write_string_with_format(row, 0, "Defaults used", &s.section)?;
    row += 1;
    if results.defaults_used.is_empty() {
        sheet.write_string_with_format(row, 0, "none: every input was given", &s.note)?;
    } else {
        sheet.write_string_with_format(row, 0, "Input", &s.header)?;
        sheet.write_string_with_format(row, 1, "Value used", &s.header)?;
        for (input, value) in &results.defaults_used {
            row += 1;
            sheet.write_string(row, 0, input)?;
            sheet.write_string(row, 1, value)?;
        }
    }
    print_setup(sheet, None)?;
    Ok(())
}

pub(super) fn tco(
    sheet: &mut Worksheet,
    results: &StudyResults,
    s: &Styles,
) -> Result<(), ExcelError> {
    sheet.set_name("TCO")?;
    sheet.write_string_with_format(
        0,
        0,
        format!(
            "Yearly costs ({}): costs positive, income and subsidies negative; year 0 is the purchase",
            results.currency
        ),
        &s.title,
    )?;
    let header = 2;
    let mut titles = vec![("Year".to_string(), 8.0)];
    titles.extend(COST_LINES.iter().map(|(name, _)| (name.to_string(), 14.0)));
    titles.push(("Total".to_string(), 15.0));
    titles.push(("CO2 (t)".to_string(), 10.0));
    headers(sheet, header, 0, &titles, s)?;
    let last_line = COST_LINES.len() as u16;
    let total_col = last_line + 1;
    let co2_col = last_line + 2;

    let mut row = header;
    for scenario in std::iter::once(&results.baseline).chain(&results.scenarios) {
        row += 2;
        let label = if scenario.design.is_empty() {
            scenario.label.clone()
        } else {
            format!("{} — {}", scenario.label, scenario.design)
        };
        sheet.write_string_with_format(row, 0, label, &s.section)?;
        let first = row + 1;
        for year in &scenario.years {
            row += 1;
            sheet.write_number_with_format(row, 0, f64::from(year.year), &s.count)?;
            for (col, (_, line)) in (1u16..).zip(COST_LINES) {
                number(sheet, row, col, line(year), &s.money)?;
            }
            let formula = row_sum(row, 1, last_line, year.total);
            sheet.write_formula_with_format(row, total_col, formula, &s.money)?;
            number(sheet, row, co2_col, year.co2_tonnes, &s.tonnes)?;
        }
        if scenario.years.is_empty() {
            row += 1;
            sheet.write_string_with_format(row, 0, "no years", &s.note)?;
            continue;
        }
        let last = row;
        row += 1;
        sheet.write_string_with_format(row, 0, "Total", &s.total_label)?;
        for (col, (_, line)) in (1u16..).zip(COST_LINES) {
            let formula = column_sum(first, last, col, total_of(&scenario.years, line));
            sheet.write_formula_with_format(row, col, formula, &s.total_money)?;
        }
        let total = column_sum(
            first,
            last,
            total_col,
            total_of(&scenario.years, |y| y.total),
        );
        sheet.write_formula_with_format(row, total_col, total, &s.total_money)?;
        let co2 = column_sum(
            first,
            last,
            co2_col,
            total_of(&scenario.years, |y| y.co2_tonnes),
        );
        sheet.write_formula_with_format(row, co2_col, co2, &s.total_tonnes)?;
    }
    sheet.set_freeze_panes(header + 1, 1)?;
    print_setup(sheet, Some((header, header)))?;
    Ok(())
}

pub(super) fn energy(
    sheet: &mut Worksheet,
    results: &StudyResults,
    s: &Styles,
) -> Result<(), ExcelError> {
    sheet.set_name("Energy profile")?;
    sheet.write_string_with_format(0, 0, "Site power by slot (kW, slot averages)", &s.title)?;
    let header = 3;
    let data_first = header + 1;
    let longest = results
        .energy_days
        .iter()
        .map(|d| d.slot_count())
        .max()
        .unwrap_or(0) as u32;
    let chart_row = data_first + longest + 2;
    let mut col0: u16 = 0;
    for day in &results.energy_days {
        sheet.write_string_with_format(
            header - 1,
            col0,
            format!("{} ({} min slots)", day.label, day.slot_minutes),
            &s.section,
        )?;
        let mut titles = vec![("Time".to_string(), 17.0)];
        titles.extend(
            day.series
                .iter()
                .map(|(name, _)| (format!("{name} (kW)"), 13.0)),
        );
        titles.push(("Contract (kW)".to_string(), 11.0));
        headers(sheet, header, col0, &titles, s)?;
        let contract_col = col0 + day.series.len() as u16 + 1;
        let slots = day.slot_count();
        for slot in 0..slots {
            let row = data_first + slot as u32;
            let start =
                day.start + chrono::Duration::minutes(i64::from(day.slot_minutes) * slot as i64);
            sheet.write_number_with_format(row, col0, serial(start), &s.time)?;
            for (col, (_, values)) in (col0 + 1..).zip(&day.series) {
                if let Some(kw) = values.get(slot) {
                    number(sheet, row, col, *kw, &s.kw)?;
                }
            }
            number(sheet, row, contract_col, day.contract_kw, &s.kw)?;
        }
        if slots > 0 {
            let last = data_first + slots as u32 - 1;
            let mut chart = Chart::new(ChartType::Line);
            for col in col0 + 1..=contract_col {
                let series = chart
                    .add_series()
                    .set_name(("Energy profile", header, col))
                    .set_categories(("Energy profile", data_first, col0, last, col0))
                    .set_values(("Energy profile", data_first, col, last, col));
                if col == contract_col {
                    series.set_format(
                        ChartFormat::new().set_line(
                            ChartLine::new()
                                .set_color("#C00000")
                                .set_dash_type(ChartLineDashType::Dash),
                        ),
                    );
                }
            }
            chart.title().set_name(&day.label);
            // A text axis: a date axis would gather a day's slots into one category.
            chart.x_axis().set_text_axis(true).set_num_format("hh:mm");
            chart.y_axis().set_name("kW").set_num_format("0");
            chart.legend().set_position(ChartLegendPosition::Bottom);
            // As wide as the day's columns and the gap after them (about 7 pixels a
            // character and 5 of padding per column), so the days' charts do not overlap.
            let characters: f64 = titles.iter().map(|(_, width)| width).sum::<f64>() + 8.43;
            let pixels = characters * 7.0 + 5.0 * (titles.len() as f64 + 1.0) - 12.0;
            chart
                .set_width(pixels.clamp(420.0, 1200.0) as u32)
                .set_height(320);
            sheet.insert_chart(chart_row, col0, &chart)?;
        }
        col0 = contract_col + 2;
    }
    if results.energy_days.is_empty() {
        sheet.write_string_with_format(header, 0, "no day simulated", &s.note)?;
    }
    sheet.set_freeze_panes(data_first, 0)?;
    print_setup(sheet, Some((header, header)))?;
    Ok(())
}

pub(super) fn bills(
    sheet: &mut Worksheet,
    results: &StudyResults,
    s: &Styles,
) -> Result<(), ExcelError> {
    sheet.set_name("Bills")?;
    let currency = &results.currency;
    sheet.write_string_with_format(0, 0, "Site bills, line by line", &s.title)?;
    sheet.write_string_with_format(
        1,
        0,
        "Informational lines (tax contained in tax-inclusive prices) are not part of a total.",
        &s.note,
    )?;
    let runs = &results.bills;
    let totals_header = 3;
    let lines_header = totals_header + runs.len() as u32 + 2;
    let line_count: usize = runs
        .iter()
        .flat_map(|(_, run)| &run.months)
        .map(|m| m.lines.len())
        .sum();
    let first_line = lines_header + 1;
    let last_line = lines_header + line_count as u32;

    for (col, title) in (0u16..).zip(["Run", "Tariff", "Months", "Total"]) {
        let title = if title == "Total" {
            format!("Total ({currency})")
        } else {
            title.to_string()
        };
        sheet.write_string_with_format(totals_header, col, title, &s.header)?;
    }
    let amount_col = 6;
    let info_col = 7;
    for (row, (label, run)) in (totals_header + 1..).zip(runs) {
        sheet.write_string(row, 0, label)?;
        sheet.write_string(row, 1, &run.tariff)?;
        sheet.write_number_with_format(row, 2, run.months.len() as f64, &s.count)?;
        let total = crate::bills::number(run.total);
        if line_count == 0 {
            number(sheet, row, 3, total, &s.money)?;
            continue;
        }
        // The run's non-informational amounts: a total the reader can audit against the lines.
        let range = |col: u16| {
            format!(
                "{}:{}",
                rust_xlsxwriter::utility::row_col_to_cell_absolute(first_line, col),
                rust_xlsxwriter::utility::row_col_to_cell_absolute(last_line, col)
            )
        };
        let formula = Formula::new(format!(
            "=SUMPRODUCT(({}={})*({}=FALSE),{})",
            range(0),
            row_col_to_cell(row, 0),
            range(info_col),
            range(amount_col)
        ))
        .set_result(format!("{total}"));
        sheet.write_formula_with_format(row, 3, formula, &s.money)?;
    }

    let mut titles = vec![(
        "Run".to_string(),
        width_of(runs.iter().map(|(l, _)| l.as_str()), 14.0, 40.0),
    )];
    titles.extend(
        LINES_HEADERS
            .iter()
            .zip(LINES_WIDTHS)
            .map(|(title, width)| match *title {
                "Unit price" | "Amount" => (format!("{title} ({currency})"), width),
                _ => (title.to_string(), width),
            }),
    );
    headers(sheet, lines_header, 0, &titles, s)?;
    let longest = runs
        .iter()
        .flat_map(|(_, run)| &run.months)
        .flat_map(|m| &m.lines)
        .map(|l| l.calculation.as_str());
    sheet.set_column_width(9, width_of(longest, 40.0, 160.0))?;

    let mut scaled = ScaledFormats::default();
    let mut row = lines_header;
    for (label, run) in runs {
        let formats = Formats::new(run.currency);
        for bill in &run.months {
            let month = bill.month.to_string();
            for line in &bill.lines {
                row += 1;
                sheet.write_string(row, 0, label)?;
                write_line_item(sheet, row, 1, &month, line, &formats, &mut scaled)?;
            }
        }
    }
    sheet.autofilter(lines_header, 0, row, 9)?;
    sheet.set_freeze_panes(first_line, 0)?;
    print_setup(sheet, Some((lines_header, lines_header)))?;
    Ok(())
}

pub(super) fn schedule(
    sheet: &mut Worksheet,
    plan: &ScheduleSheet,
    s: &Styles,
) -> Result<(), ExcelError> {
    sheet.set_name("Schedule")?;
    let mut titles = vec![(format!("Slot start ({} min)", plan.slot_minutes), 18.0)];
    titles.extend(plan.vehicles.iter().map(|(name, _)| {
        (
            format!("{name} (kW)"),
            width_of(std::iter::once(name.as_str()), 10.0, 24.0) + 5.0,
        )
    }));
    titles.push(("Fleet total (kW)".to_string(), 12.0));
    headers(sheet, 0, 0, &titles, s)?;
    let last_vehicle = plan.vehicles.len() as u16;
    let total_col = last_vehicle + 1;
    let slots = plan
        .vehicles
        .iter()
        .map(|(_, kw)| kw.len())
        .chain(std::iter::once(plan.slot_starts.len()))
        .max()
        .unwrap_or(0);
    for slot in 0..slots {
        let row = slot as u32 + 1;
        if let Some(start) = plan.slot_starts.get(slot) {
            sheet.write_number_with_format(row, 0, serial(*start), &s.time)?;
        }
        let mut total = 0.0;
        for (col, (_, kw)) in (1u16..).zip(&plan.vehicles) {
            if let Some(kw) = kw.get(slot) {
                number(sheet, row, col, *kw, &s.kw)?;
                total += kw;
            }
        }
        if last_vehicle > 0 {
            let formula = row_sum(row, 1, last_vehicle, total);
            sheet.write_formula_with_format(row, total_col, formula, &s.total_kw)?;
        }
    }
    sheet.set_freeze_panes(1, 1)?;
    print_setup(sheet, Some((0, 0)))?;
    Ok(())
}

pub(super) fn goal_seek(
    sheet: &mut Worksheet,
    answer: &GoalSeekSheet,
    currency: &str,
    s: &Styles,
) -> Result<(), ExcelError> {
    sheet.set_name("Goal seek")?;
    sheet.write_string_with_format(
        0,
        0,
        "Goal seek: the cheapest designs that meet the targets",
        &s.title,
    )?;
    sheet.write_string_with_format(1, 0, "Targets", &s.label)?;
    sheet.write_string(1, 1, &answer.targets)?;
    let header = 3;
    let titles: Vec<(String, f64)> = vec![
        ("Rank".into(), 7.0),
        (
            "Design".into(),
            width_of(answer.rows.iter().map(|r| r.design.as_str()), 30.0, 80.0),
        ),
        (format!("Investment ({currency})"), 16.0),
        ("Simple payback (years)".into(), 13.0),
        ("Crossover year".into(), 11.0),
        (format!("Saving, NPV ({currency})"), 16.0),
        ("CO2 saved (t)".into(), 11.0),
    ];
    headers(sheet, header, 0, &titles, s)?;
    let mut row = header;
    for design in &answer.rows {
        row += 1;
        sheet.write_number_with_format(row, 0, f64::from(design.rank), &s.count)?;
        sheet.write_string(row, 1, &design.design)?;
        number(sheet, row, 2, design.investment, &s.money)?;
        optional(
            sheet,
            row,
            3,
            design.simple_payback_years,
            "never",
            &s.years,
        )?;
        optional(
            sheet,
            row,
            4,
            design.crossover_year.map(f64::from),
            "never",
            &s.count,
        )?;
        optional(sheet, row, 5, design.savings_npv, "none", &s.money)?;
        number(sheet, row, 6, design.co2_saved_tonnes, &s.tonnes)?;
    }
    if answer.rows.is_empty() {
        row += 1;
        sheet.write_string_with_format(row, 1, "no design meets the targets", &s.note)?;
    }
    row += 2;
    sheet.write_string_with_format(row, 0, "Binding", &s.label)?;
    sheet.write_string(row, 1, &answer.binding)?;
    if let Some(closest) = &answer.closest {
        row += 1;
        sheet.write_string_with_format(row, 0, "Closest", &s.label)?;
        sheet.write_string(row, 1, closest)?;
    }
    sheet.set_freeze_panes(header + 1, 0)?;
    print_setup(sheet, Some((header, header)))?;
    Ok(())
}
