//! The Risk sharing sheet: a three-party V2G deal (`risk_sharing` rules) settled over a V2G
//! study's price scenarios, as `voltlex risk-share` reports it — the deal's terms, the
//! operation per year, each party against the status quo, the expected cash by month as paid
//! (with `=SUM` totals) and, when the deal has free parameters, the fairness view: the
//! feasible ranges, the fairest point and, for two parameters, the grid as ✓ cells with a
//! conditional fill.
//!
//! The data are plain structs ([`RiskSharingSheet`]); the root crate fills them from its
//! `RiskShareReport`.

use rust_xlsxwriter::{
    Color, ConditionalFormatCell, ConditionalFormatCellRule, Format, FormatAlign, FormatBorder,
    Worksheet,
};

use super::style::{column_sum, headers, number, print_setup, Styles};
use crate::ExcelError;

/// The sheet's name.
pub(super) const NAME: &str = "Risk sharing";

/// A deal settled over a V2G study: everything the Risk sharing sheet shows.
///
/// ```
/// use voltlex_excel::study::{RiskParty, RiskSharingSheet, RiskSystemYear};
/// let sheet = RiskSharingSheet {
///     deal: "Depot deal".into(),
///     study: "Depot V2G".into(),
///     currency: "JPY".into(),
///     basis: "12 month(s) from 2024-07, 200 price scenarios (seed 42)".into(),
///     fleet: "24 enrolled vehicles, 57.5 kWh packs".into(),
///     terms: vec!["revenue fleet 60%, aggregator 40% (owner: fleet)".into()],
///     system_per_year: RiskSystemYear { margin: 500.0, wear: 100.0, net: 400.0, discharged_kwh: 15_000.0 },
///     confidence: 0.95,
///     parties: vec![RiskParty { party: "fleet".into(), expected: 240.0, monthly_paid: vec![20.0; 12], ..Default::default() }],
///     conservation_error: 0.0,
///     months: (1..=12).map(|m| format!("2024-{m:02}")).collect(),
///     fairness: None,
/// };
/// assert_eq!(sheet.parties[0].monthly_paid.len(), sheet.months.len());
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RiskSharingSheet {
    /// The deal's name.
    pub deal: String,
    /// The V2G study's name.
    pub study: String,
    /// Currency of every amount (`JPY`: whole yen).
    pub currency: String,
    /// How it was computed: months, first month, price scenarios, price model, seed, wear.
    pub basis: String,
    /// The enrolled fleet (vehicles, pack, replacement cost), as text.
    pub fleet: String,
    /// The deal's terms, one line each.
    pub terms: Vec<String>,
    /// The operation before any deal, expected per contract year.
    pub system_per_year: RiskSystemYear,
    /// Confidence of the VaR and CVaR (0.95).
    pub confidence: f64,
    /// Each party, in the deal's order.
    pub parties: Vec<RiskParty>,
    /// Largest gap between the parties' flows and the system's (conservation check).
    pub conservation_error: f64,
    /// Labels (`YYYY-MM`) of the months as paid: the rows of the cash table, matching each
    /// party's `monthly_paid`.
    pub months: Vec<String>,
    /// The fairness view, when the deal has free parameters.
    pub fairness: Option<RiskFairness>,
}

/// The V2G operation before any deal, expected per year.
///
/// ```
/// let year = voltlex_excel::study::RiskSystemYear { margin: 500.0, wear: 100.0, net: 400.0, discharged_kwh: 9.0 };
/// assert_eq!(year.margin - year.wear, year.net);
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RiskSystemYear {
    /// Margin before battery wear.
    pub margin: f64,
    /// Extra battery wear from V2G.
    pub wear: f64,
    /// Margin − wear: what there is to share.
    pub net: f64,
    /// Battery-side kWh discharged.
    pub discharged_kwh: f64,
}

/// One party over the horizon, under the deal and in the status quo (the owner carries
/// everything; the others are not involved).
///
/// ```
/// let party = voltlex_excel::study::RiskParty { party: "oem".into(), probability_of_loss: 0.1, ..Default::default() };
/// assert_eq!(party.expected, 0.0);
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RiskParty {
    /// The party.
    pub party: String,
    /// Expected net under the deal.
    pub expected: f64,
    /// Expected net in the status quo.
    pub status_quo_expected: f64,
    /// VaR of the net (a loss: negative = even the bad case earns).
    pub value_at_risk: f64,
    /// VaR in the status quo.
    pub status_quo_value_at_risk: f64,
    /// CVaR of the net.
    pub conditional_value_at_risk: f64,
    /// Share of scenarios with a loss, a fraction.
    pub probability_of_loss: f64,
    /// The same in the status quo.
    pub status_quo_probability_of_loss: f64,
    /// Expected cash per month as paid (one per `RiskSharingSheet::months`).
    pub monthly_paid: Vec<f64>,
}

/// The fairness view: which values of the deal's free parameters leave every party better
/// off than without V2G (and within its VaR limit).
///
/// ```
/// use voltlex_excel::study::{FairestPoint, FreeParameter, RiskFairness};
/// let view = RiskFairness {
///     parameters: vec![FreeParameter { name: "revenue fleet".into(), share: true, grid: vec![0.4, 0.6] }],
///     parties: vec!["fleet".into(), "aggregator".into()],
///     confidence: 0.95,
///     limits: vec![None, Some(150_000.0)],
///     feasible: vec![vec![0.6]],
///     evaluated: 2,
///     bisected: true,
///     best: Some(FairestPoint { values: vec![0.6], expected: vec![10.0, 5.0] }),
/// };
/// assert_eq!(view.range(0), Some((0.6, 0.6)));
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RiskFairness {
    /// The free parameters, in the deal's order.
    pub parameters: Vec<FreeParameter>,
    /// The parties, in the deal's order.
    pub parties: Vec<String>,
    /// Confidence of the VaR limits.
    pub confidence: f64,
    /// The VaR limit per party (`None`: no limit).
    pub limits: Vec<Option<f64>>,
    /// The feasible points: each one's parameter values, in the parameters' order.
    pub feasible: Vec<Vec<f64>>,
    /// Grid points settled.
    pub evaluated: usize,
    /// Whether the grid lines were searched by bisection (else scanned).
    pub bisected: bool,
    /// The fairest feasible point (the worst-off party gains most).
    pub best: Option<FairestPoint>,
}

impl RiskFairness {
    /// The grid's points in all.
    ///
    /// ```
    /// # use voltlex_excel::study::{FreeParameter, RiskFairness};
    /// let grid = |n: usize| FreeParameter { grid: vec![0.0; n], ..Default::default() };
    /// let view = RiskFairness { parameters: vec![grid(3), grid(4)], ..Default::default() };
    /// assert_eq!(view.grid_points(), 12);
    /// ```
    pub fn grid_points(&self) -> usize {
        self.parameters.iter().map(|p| p.grid.len()).product()
    }

    /// The lowest and highest feasible value of parameter `index` (`None`: no value works).
    ///
    /// ```
    /// # use voltlex_excel::study::RiskFairness;
    /// let view = RiskFairness { feasible: vec![vec![0.3, 5.0], vec![0.5, 1.0]], ..Default::default() };
    /// assert_eq!(view.range(1), Some((1.0, 5.0)));
    /// assert_eq!(view.range(2), None);
    /// ```
    pub fn range(&self, index: usize) -> Option<(f64, f64)> {
        let values: Vec<f64> = self
            .feasible
            .iter()
            .filter_map(|point| point.get(index).copied())
            .collect();
        let low = values.iter().copied().reduce(f64::min)?;
        let high = values.iter().copied().reduce(f64::max)?;
        Some((low, high))
    }

    /// Whether the point with these two first parameters' values is feasible.
    fn feasible_at(&self, first: f64, second: f64) -> bool {
        self.feasible
            .iter()
            .any(|p| p.first() == Some(&first) && p.get(1) == Some(&second))
    }
}

/// A free parameter of the deal and its grid.
///
/// ```
/// let floor = voltlex_excel::study::FreeParameter { name: "floor".into(), share: false, grid: vec![0.0, 250.0] };
/// assert!(!floor.share);
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FreeParameter {
    /// `revenue fleet`, `floor`, `cover` …
    pub name: String,
    /// A share (shown as %; the values are fractions) rather than an amount of money.
    pub share: bool,
    /// The values searched.
    pub grid: Vec<f64>,
}

/// The fairest point: the parameters' values and each party's expected net there.
///
/// ```
/// let best = voltlex_excel::study::FairestPoint { values: vec![0.45, 1250.0], expected: vec![1.0, 2.0] };
/// assert_eq!(best.values.len(), 2);
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FairestPoint {
    /// The free parameters' values, in their order.
    pub values: Vec<f64>,
    /// Expected net per party, in the parties' order.
    pub expected: Vec<f64>,
}

fn percent_label(confidence: f64) -> String {
    format!("{:.0} %", confidence * 100.0)
}

pub(super) fn sheet(
    sheet: &mut Worksheet,
    risk: &RiskSharingSheet,
    s: &Styles,
) -> Result<(), ExcelError> {
    sheet.set_name(NAME)?;
    let cur = &risk.currency;
    let level = percent_label(risk.confidence);
    sheet.write_string_with_format(0, 0, format!("Risk sharing: {}", risk.deal), &s.title)?;
    sheet.write_string_with_format(
        1,
        0,
        format!("over \"{}\": {}", risk.study, risk.basis),
        &s.note,
    )?;
    sheet.write_string_with_format(2, 0, &risk.fleet, &s.note)?;

    // Terms.
    let mut row = 4;
    sheet.write_string_with_format(row, 0, "The deal's terms", &s.section)?;
    for term in &risk.terms {
        row += 1;
        sheet.write_string(row, 0, term)?;
    }

    // The system.
    row += 2;
    sheet.write_string_with_format(
        row,
        0,
        format!("The V2G operation, expected per year ({cur})"),
        &s.section,
    )?;
    let system = &risk.system_per_year;
    for (label, value, format) in [
        ("Margin before wear", system.margin, &s.money),
        ("Extra battery wear", system.wear, &s.money),
        ("Net: what there is to share", system.net, &s.money),
        ("Discharged (kWh)", system.discharged_kwh, &s.count),
    ] {
        row += 1;
        sheet.write_string(row, 0, label)?;
        number(sheet, row, 1, value, format)?;
    }

    // Per party.
    row += 2;
    sheet.write_string_with_format(
        row,
        0,
        format!("Per party over the horizon ({cur})"),
        &s.section,
    )?;
    row += 1;
    sheet.write_string_with_format(
        row,
        0,
        "Status quo: the owner carries everything, the others are not involved. VaR and CVaR are losses: negative means even the bad case earns.",
        &s.note,
    )?;
    row += 1;
    let party_header = row;
    let titles: Vec<(String, f64)> = vec![
        ("Party".into(), 34.0),
        ("Expected".into(), 14.0),
        ("Status quo".into(), 14.0),
        (format!("VaR {level}"), 14.0),
        ("VaR status quo".into(), 14.0),
        (format!("CVaR {level}"), 14.0),
        ("P(loss)".into(), 11.0),
        ("P(loss) status quo".into(), 11.0),
    ];
    headers(sheet, party_header, 0, &titles, s)?;
    for party in &risk.parties {
        row += 1;
        sheet.write_string_with_format(row, 0, &party.party, &s.label)?;
        for (col, value) in (1u16..).zip([
            party.expected,
            party.status_quo_expected,
            party.value_at_risk,
            party.status_quo_value_at_risk,
            party.conditional_value_at_risk,
        ]) {
            number(sheet, row, col, value, &s.money)?;
        }
        number(sheet, row, 6, party.probability_of_loss, &s.percent)?;
        number(
            sheet,
            row,
            7,
            party.status_quo_probability_of_loss,
            &s.percent,
        )?;
    }
    row += 1;
    sheet.write_string_with_format(
        row,
        0,
        format!(
            "Conservation: the parties' flows add up to the system's in every scenario and month (largest gap {:.2e} {cur})",
            risk.conservation_error
        ),
        &s.note,
    )?;

    // Cash by month as paid.
    row += 2;
    sheet.write_string_with_format(
        row,
        0,
        format!("Expected cash by month as paid ({cur})"),
        &s.section,
    )?;
    row += 1;
    let cash_header = row;
    sheet.write_string_with_format(row, 0, "Month", &s.header)?;
    for (col, party) in (1u16..).zip(&risk.parties) {
        sheet.write_string_with_format(row, col, &party.party, &s.header)?;
    }
    for (index, month) in risk.months.iter().enumerate() {
        row += 1;
        sheet.write_string(row, 0, month)?;
        for (col, party) in (1u16..).zip(&risk.parties) {
            let value = party.monthly_paid.get(index).copied().unwrap_or(0.0);
            number(sheet, row, col, value, &s.money)?;
        }
    }
    row += 1;
    sheet.write_string_with_format(row, 0, "Total", &s.total_label)?;
    if !risk.months.is_empty() {
        for (col, party) in (1u16..).zip(&risk.parties) {
            let total: f64 = party.monthly_paid.iter().take(risk.months.len()).sum();
            sheet.write_formula_with_format(
                row,
                col,
                column_sum(cash_header + 1, row - 1, col, total),
                &s.total_money,
            )?;
        }
    }

    if let Some(view) = &risk.fairness {
        fairness(sheet, view, risk, row + 2, s)?;
    }
    print_setup(sheet, None)?;
    Ok(())
}

/// A parameter's value as the sheet shows it: a share as %, an amount as money.
fn parameter_format<'a>(parameter: &FreeParameter, s: &'a Styles) -> &'a Format {
    if parameter.share {
        &s.percent
    } else {
        &s.money
    }
}

fn fairness(
    sheet: &mut Worksheet,
    view: &RiskFairness,
    risk: &RiskSharingSheet,
    first_row: u32,
    s: &Styles,
) -> Result<(), ExcelError> {
    let cur = &risk.currency;
    let mut row = first_row;
    sheet.write_string_with_format(
        row,
        0,
        "Fairness: the free parameters that leave every party better off than without V2G",
        &s.section,
    )?;
    let limits: Vec<String> = view
        .parties
        .iter()
        .zip(&view.limits)
        .filter_map(|(party, limit)| limit.map(|l| format!("{party} ≤ {l:.0} {cur}")))
        .collect();
    row += 1;
    sheet.write_string_with_format(
        row,
        0,
        format!(
            "{} of {} grid points leave every party better off{} ({} settled{})",
            view.feasible.len(),
            view.grid_points(),
            if limits.is_empty() {
                String::new()
            } else {
                format!(
                    ", with VaR {} within {}",
                    percent_label(view.confidence),
                    limits.join(", ")
                )
            },
            view.evaluated,
            if view.bisected { ", by bisection" } else { "" }
        ),
        &s.note,
    )?;

    // Feasible ranges.
    row += 2;
    let titles: Vec<(String, f64)> = vec![
        ("Free parameter".into(), 34.0),
        ("Lowest feasible".into(), 14.0),
        ("Highest feasible".into(), 14.0),
    ];
    headers(sheet, row, 0, &titles, s)?;
    for (index, parameter) in view.parameters.iter().enumerate() {
        row += 1;
        sheet.write_string_with_format(row, 0, &parameter.name, &s.label)?;
        match view.range(index) {
            Some((low, high)) => {
                let format = parameter_format(parameter, s);
                number(sheet, row, 1, low, format)?;
                number(sheet, row, 2, high, format)?;
            }
            None => {
                sheet.write_string(row, 1, "no value works")?;
            }
        }
    }

    // The fairest point.
    if let Some(best) = &view.best {
        row += 2;
        sheet.write_string_with_format(
            row,
            0,
            "The fairest point (the worst-off party gains most)",
            &s.section,
        )?;
        row += 1;
        headers(
            sheet,
            row,
            0,
            &[("Free parameter".into(), 34.0), ("Value".into(), 14.0)],
            s,
        )?;
        for (parameter, value) in view.parameters.iter().zip(&best.values) {
            row += 1;
            sheet.write_string_with_format(row, 0, &parameter.name, &s.label)?;
            number(sheet, row, 1, *value, parameter_format(parameter, s))?;
        }
        row += 1;
        headers(
            sheet,
            row,
            0,
            &[
                ("Party".into(), 34.0),
                (format!("Expected there ({cur})"), 14.0),
            ],
            s,
        )?;
        for (party, value) in view.parties.iter().zip(&best.expected) {
            row += 1;
            sheet.write_string_with_format(row, 0, party, &s.label)?;
            number(sheet, row, 1, *value, &s.money)?;
        }
    }

    // Two parameters: the grid.
    if let [first, second] = view.parameters.as_slice() {
        row += 2;
        sheet.write_string_with_format(
            row,
            0,
            format!(
                "The grid: rows {}, columns {} (✓ every party gains)",
                first.name, second.name
            ),
            &s.section,
        )?;
        row += 1;
        let header = row;
        sheet.write_string_with_format(
            header,
            0,
            format!("{} \\ {}", first.name, second.name),
            &s.header,
        )?;
        let header_number = s.header.clone().set_num_format(if second.share {
            "0%"
        } else {
            s.money_code.as_str()
        });
        for (col, value) in (1u16..).zip(&second.grid) {
            number(sheet, header, col, *value, &header_number)?;
            sheet.set_column_width(col, 11)?;
        }
        let label_format = s.label.clone().set_num_format(if first.share {
            "0%"
        } else {
            s.money_code.as_str()
        });
        let cell = Format::new()
            .set_align(FormatAlign::Center)
            .set_border(FormatBorder::Thin)
            .set_border_color(Color::RGB(0xBFBFBF));
        let fairest = cell
            .clone()
            .set_bold()
            .set_border(FormatBorder::Medium)
            .set_border_color(Color::RGB(0x1F3864));
        let best = view.best.as_ref().map(|b| b.values.as_slice());
        for value in &first.grid {
            row += 1;
            number(sheet, row, 0, *value, &label_format)?;
            for (col, other) in (1u16..).zip(&second.grid) {
                let mark = if view.feasible_at(*value, *other) {
                    "✓"
                } else {
                    ""
                };
                let format = if best == Some(&[*value, *other][..]) {
                    &fairest
                } else {
                    &cell
                };
                if mark.is_empty() {
                    sheet.write_blank(row, col, format)?;
                } else {
                    sheet.write_string_with_format(row, col, mark, format)?;
                }
            }
        }
        let last_col = u16::try_from(second.grid.len()).unwrap_or(u16::MAX);
        if row > header && last_col > 0 {
            let fill = Format::new()
                .set_background_color(Color::RGB(0xC6EFCE))
                .set_font_color(Color::RGB(0x006100));
            let rule = ConditionalFormatCell::new()
                .set_rule(ConditionalFormatCellRule::EqualTo("✓"))
                .set_format(fill);
            sheet.add_conditional_format(header + 1, 1, row, last_col, &rule)?;
        }
        row += 1;
        if view.best.is_some() {
            sheet.write_string_with_format(
                row,
                0,
                "The fairest point has a dark border.",
                &s.note,
            )?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_and_grid_points() {
        let view = RiskFairness {
            parameters: vec![
                FreeParameter {
                    name: "revenue fleet".into(),
                    share: true,
                    grid: vec![0.3, 0.4, 0.5],
                },
                FreeParameter {
                    name: "floor".into(),
                    share: false,
                    grid: vec![0.0, 500.0],
                },
            ],
            feasible: vec![vec![0.4, 500.0], vec![0.5, 0.0], vec![0.5, 500.0]],
            ..Default::default()
        };
        assert_eq!(view.grid_points(), 6);
        assert_eq!(view.range(0), Some((0.4, 0.5)));
        assert_eq!(view.range(1), Some((0.0, 500.0)));
        assert!(view.feasible_at(0.4, 500.0));
        assert!(!view.feasible_at(0.3, 500.0));
    }
}
