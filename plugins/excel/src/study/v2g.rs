//! The V2G sheet: the revenue waterfall, VaR/CVaR and the histogram of the risk measure.
//!
//! Excel's own waterfall chart type (2016) is not in the OOXML chart schema rust_xlsxwriter
//! and LibreOffice share, so the waterfall is the classic stacked-column construction: a
//! first series with no fill and no border lifts each visible bar to where the running total
//! stands. Stacked columns pile positive values up from zero and negative values down from
//! zero, so a bar is split by where it lies: wholly above zero (invisible base = its bottom),
//! wholly below (invisible base = its top, a negative value), or across zero (no base, one
//! part above and one below).

use rust_xlsxwriter::{
    Chart, ChartFormat, ChartLine, ChartPoint, ChartSolidFill, ChartType, Worksheet,
};

use super::style::{headers, number, print_setup, Styles};
use super::V2gSheet;
use crate::ExcelError;

/// A step's bar: what the chart's three series hold, and how it is coloured.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Bar {
    /// Running total after the step.
    pub running: f64,
    /// The invisible series.
    pub base: f64,
    /// The visible part above zero (≥ 0).
    pub above: f64,
    /// The visible part below zero (≤ 0).
    pub below: f64,
    pub kind: Kind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Total,
    Increase,
    Decrease,
}

/// The bars of a waterfall whose first and last steps are totals (drawn from zero) and whose
/// other steps change the running total.
pub(super) fn bars(steps: &[(String, f64)]) -> Vec<Bar> {
    let last = steps.len().saturating_sub(1);
    let mut running = 0.0;
    steps
        .iter()
        .enumerate()
        .map(|(index, (_, amount))| {
            let (from, kind) = if index == 0 || index == last {
                (0.0, Kind::Total)
            } else if *amount >= 0.0 {
                (running, Kind::Increase)
            } else {
                (running, Kind::Decrease)
            };
            let to = if kind == Kind::Total {
                *amount
            } else {
                running + amount
            };
            running = to;
            let (low, high) = (from.min(to), from.max(to));
            let (base, above, below) = if low >= 0.0 {
                (low, high - low, 0.0)
            } else if high <= 0.0 {
                (high, 0.0, low - high)
            } else {
                (0.0, high, low)
            };
            Bar {
                running,
                base,
                above,
                below,
                kind,
            }
        })
        .collect()
}

fn colour(kind: Kind) -> &'static str {
    match kind {
        Kind::Total => "#2F5597",
        Kind::Increase => "#70AD47",
        Kind::Decrease => "#C00000",
    }
}

pub(super) fn sheet(sheet: &mut Worksheet, v2g: &V2gSheet, s: &Styles) -> Result<(), ExcelError> {
    sheet.set_name("V2G")?;
    sheet.write_string_with_format(0, 0, "V2G/V2B revenue, gross to net", &s.title)?;
    let header = 2;
    let titles: Vec<(String, f64)> = [
        ("Step", 26.0),
        ("Amount", 15.0),
        ("Running total", 15.0),
        ("Chart: base (invisible)", 13.0),
        ("Chart: above zero", 13.0),
        ("Chart: below zero", 13.0),
    ]
    .iter()
    .map(|(t, w)| (t.to_string(), *w))
    .collect();
    headers(sheet, header, 0, &titles, s)?;
    let bars = bars(&v2g.waterfall);
    let mut row = header;
    for ((label, amount), bar) in v2g.waterfall.iter().zip(&bars) {
        row += 1;
        let label_format = if bar.kind == Kind::Total {
            &s.label
        } else {
            &s.text
        };
        sheet.write_string_with_format(row, 0, label, label_format)?;
        number(sheet, row, 1, *amount, &s.money)?;
        number(sheet, row, 2, bar.running, &s.money)?;
        number(sheet, row, 3, bar.base, &s.money)?;
        number(sheet, row, 4, bar.above, &s.money)?;
        number(sheet, row, 5, bar.below, &s.money)?;
    }
    if !bars.is_empty() {
        let (first, last) = (header + 1, row);
        let points: Vec<ChartPoint> = bars
            .iter()
            .map(|bar| {
                ChartPoint::new().set_format(
                    ChartFormat::new()
                        .set_solid_fill(ChartSolidFill::new().set_color(colour(bar.kind))),
                )
            })
            .collect();
        let mut chart = Chart::new(ChartType::ColumnStacked);
        chart
            .add_series()
            .set_name(("V2G", header, 3))
            .set_categories(("V2G", first, 0, last, 0))
            .set_values(("V2G", first, 3, last, 3))
            .set_format(
                ChartFormat::new()
                    .set_no_fill()
                    .set_line(ChartLine::new().set_hidden(true)),
            )
            .set_gap(60);
        for col in [4u16, 5] {
            chart
                .add_series()
                .set_name(("V2G", header, col))
                .set_categories(("V2G", first, 0, last, 0))
                .set_values(("V2G", first, col, last, col))
                .set_points(&points);
        }
        chart.title().set_name("Gross to net");
        chart.y_axis().set_num_format(&s.money_code);
        chart.legend().set_hidden();
        chart.set_width(560).set_height(320);
        sheet.insert_chart(header, 7, &chart)?;
    }

    // Market risk.
    row += 2;
    sheet.write_string_with_format(
        row,
        0,
        format!("Market risk of the {}", v2g.risk_measure),
        &s.section,
    )?;
    let confidence = format!("{:.0} %", v2g.confidence * 100.0);
    row += 1;
    sheet.write_string(row, 0, format!("Value at risk ({confidence})"))?;
    number(sheet, row, 1, v2g.value_at_risk, &s.money)?;
    row += 1;
    sheet.write_string(row, 0, format!("Conditional VaR ({confidence})"))?;
    number(sheet, row, 1, v2g.conditional_value_at_risk, &s.money)?;
    row += 1;
    sheet.write_string(row, 0, "Confidence level")?;
    number(sheet, row, 1, v2g.confidence, &s.percent)?;

    row += 2;
    let histogram_header = row;
    let titles: Vec<(String, f64)> = vec![
        ("Bin".into(), 26.0),
        ("From".into(), 15.0),
        ("To".into(), 15.0),
        ("Scenarios".into(), 13.0),
    ];
    headers(sheet, row, 0, &titles, s)?;
    for bin in &v2g.histogram {
        row += 1;
        sheet.write_string(row, 0, format!("{:.0} to {:.0}", bin.from, bin.to))?;
        number(sheet, row, 1, bin.from, &s.money)?;
        number(sheet, row, 2, bin.to, &s.money)?;
        sheet.write_number_with_format(row, 3, bin.count as f64, &s.count)?;
    }
    if !v2g.histogram.is_empty() {
        let (first, last) = (histogram_header + 1, row);
        let mut chart = Chart::new(ChartType::Column);
        chart
            .add_series()
            .set_name(("V2G", histogram_header, 3))
            .set_categories(("V2G", first, 0, last, 0))
            .set_values(("V2G", first, 3, last, 3))
            .set_gap(5);
        chart
            .title()
            .set_name(&format!("Distribution of the {}", v2g.risk_measure));
        chart.legend().set_hidden();
        chart.set_width(560).set_height(300);
        // Below the waterfall chart (about 16 rows high), or beside its table if lower.
        sheet.insert_chart(histogram_header.max(header + 18), 7, &chart)?;
    }
    print_setup(sheet, Some((header, header)))?;
    sheet.set_freeze_panes(header + 1, 0)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn steps(amounts: &[f64]) -> Vec<(String, f64)> {
        amounts.iter().map(|a| (String::new(), *a)).collect()
    }

    #[test]
    fn falling_steps_hang_from_the_running_total() {
        let bars = bars(&steps(&[100.0, -30.0, -20.0, 50.0]));
        assert_eq!(
            bars[0],
            Bar {
                running: 100.0,
                base: 0.0,
                above: 100.0,
                below: 0.0,
                kind: Kind::Total
            }
        );
        assert_eq!(
            bars[1],
            Bar {
                running: 70.0,
                base: 70.0,
                above: 30.0,
                below: 0.0,
                kind: Kind::Decrease
            }
        );
        assert_eq!(
            bars[2],
            Bar {
                running: 50.0,
                base: 50.0,
                above: 20.0,
                below: 0.0,
                kind: Kind::Decrease
            }
        );
        assert_eq!(
            bars[3],
            Bar {
                running: 50.0,
                base: 0.0,
                above: 50.0,
                below: 0.0,
                kind: Kind::Total
            }
        );
    }

    #[test]
    fn bars_below_and_across_zero_stack_downwards() {
        let bars = bars(&steps(&[10.0, -30.0, -5.0, 8.0, -17.0]));
        // 10 → -20 crosses zero: 10 above, -20 below, no base.
        assert_eq!(
            (bars[1].base, bars[1].above, bars[1].below),
            (0.0, 10.0, -20.0)
        );
        // -20 → -25: wholly below, the invisible base reaches down to -20.
        assert_eq!(
            (bars[2].base, bars[2].above, bars[2].below),
            (-20.0, 0.0, -5.0)
        );
        // -25 → -17 rises below zero.
        assert_eq!(
            (bars[3].base, bars[3].above, bars[3].below),
            (-17.0, 0.0, -8.0)
        );
        assert_eq!(bars[3].kind, Kind::Increase);
        // The net is a total from zero.
        assert_eq!((bars[4].base, bars[4].below), (0.0, -17.0));
    }
}
