//! The Checklists sheet and the two standard lists, answered from what the study knows.
//!
//! The items are the voltlex team's own: what a depot has to settle before its vehicles
//! discharge into the site or the grid, and the order in which fleets usually adopt EVs
//! (assess, prepare the site, pilot, scale, add V2B/V2G). They are not a regulation or a
//! standard; the network operator's interconnection rules and the aggregator's contract are
//! authoritative.

use rust_xlsxwriter::{DataValidation, Format, FormatAlign, Worksheet};

use super::style::{print_setup, Styles};
use super::Checklist;
use crate::ExcelError;

const SOURCE: &str = "voltlex team's own checklist (not a regulation or standard); the network \
                      operator's interconnection rules and the contracts are authoritative";

/// What the study knows about a site's readiness; `None` where it does not know.
///
/// ```
/// use voltlex_excel::study::ReadinessFacts;
/// let facts = ReadinessFacts { ev_count: 8, charger_count: 8, contract_kw: Some(120.0), ..Default::default() };
/// assert_eq!(facts.peak_kw_optimised, None);
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReadinessFacts {
    /// Electric vehicles in the design.
    pub ev_count: u32,
    /// Chargers in the design.
    pub charger_count: u32,
    /// Whether the vehicle model can discharge (V2H/V2G capable).
    pub vehicles_can_discharge: Option<bool>,
    /// Whether the charger model can discharge.
    pub chargers_can_discharge: Option<bool>,
    /// Whether the vehicle model is approved for export to the grid (otherwise V2B only).
    pub export_approved: Option<bool>,
    /// The export limit the study assumed.
    pub export_cap_kw: Option<f64>,
    /// The site's contract demand.
    pub contract_kw: Option<f64>,
    /// The site's peak with uncontrolled charging.
    pub peak_kw_uncontrolled: Option<f64>,
    /// The site's peak with optimised charging (or with V2B/V2G when studied).
    pub peak_kw_optimised: Option<f64>,
    /// The minimum state of charge kept for the next day's trips, %.
    pub minimum_soc_pct: Option<f64>,
    /// Whether aggregator terms (share, fees) were modelled.
    pub aggregator_terms: Option<bool>,
    /// Daily distance per vehicle, km.
    pub km_per_day: Option<f64>,
    /// Subsidies found by the rules: (count, total amount with currency as text).
    pub subsidies: Option<(usize, String)>,
    /// The recommended design's simple payback, years (`None`: never or unknown).
    pub payback_years: Option<f64>,
}

fn yes_no(value: Option<bool>, yes: &str, no: &str) -> Option<String> {
    value.map(|v| if v { yes.to_string() } else { no.to_string() })
}

fn peak_vs_contract(peak: Option<f64>, contract: Option<f64>) -> Option<String> {
    let (peak, contract) = (peak?, contract?);
    let verdict = if peak <= contract {
        format!("within, {:.1} kW to spare", contract - peak)
    } else {
        format!("exceeds by {:.1} kW", peak - contract)
    };
    Some(format!(
        "peak {peak:.1} kW vs contract {contract:.1} kW: {verdict}"
    ))
}

/// V2G/V2B interconnection readiness, answered where the study knows.
///
/// ```
/// use voltlex_excel::study::{v2g_interconnection_checklist, ReadinessFacts};
/// let facts = ReadinessFacts { chargers_can_discharge: Some(false), ..Default::default() };
/// let list = v2g_interconnection_checklist(&facts);
/// let (_, answer) = list.items.iter().find(|(item, _)| item.starts_with("Chargers can discharge")).unwrap();
/// assert_eq!(answer.as_deref(), Some("no: charging only"));
/// ```
pub fn v2g_interconnection_checklist(facts: &ReadinessFacts) -> Checklist {
    let items = vec![
        (
            "Vehicles can discharge (a V2H/V2G-capable model)".to_string(),
            yes_no(facts.vehicles_can_discharge, "yes", "no: charging only"),
        ),
        (
            "Chargers can discharge (bidirectional)".to_string(),
            yes_no(facts.chargers_can_discharge, "yes", "no: charging only"),
        ),
        (
            "Vehicle model approved for export to the grid (otherwise discharge serves the site only: V2B)"
                .to_string(),
            yes_no(facts.export_approved, "yes: V2G", "no: V2B only"),
        ),
        (
            "Export limit agreed with the network operator".to_string(),
            facts
                .export_cap_kw
                .map(|kw| format!("the study assumes {kw:.1} kW; to be confirmed")),
        ),
        (
            "Interconnection application filed; protection (anti-islanding, reverse power) specified"
                .to_string(),
            None,
        ),
        (
            "Site peak stays within the contract demand".to_string(),
            peak_vs_contract(facts.peak_kw_optimised, facts.contract_kw),
        ),
        (
            "Meter records export separately (interval data)".to_string(),
            None,
        ),
        (
            "Aggregator contract (revenue share, fees) signed".to_string(),
            yes_no(
                facts.aggregator_terms,
                "terms modelled in this study; contract to be signed",
                "no aggregator terms modelled",
            ),
        ),
        (
            "Minimum state of charge for the next day's trips agreed with operations".to_string(),
            facts
                .minimum_soc_pct
                .map(|pct| format!("the study keeps {pct:.0} %")),
        ),
        (
            "Battery warranty allows discharge to the site or grid".to_string(),
            None,
        ),
    ];
    Checklist {
        title: "V2G / V2B interconnection readiness".to_string(),
        source: SOURCE.to_string(),
        items,
    }
}

/// The EV-Ready adoption phases, answered where the study knows.
///
/// ```
/// use voltlex_excel::study::{ev_ready_checklist, ReadinessFacts};
/// let facts = ReadinessFacts { ev_count: 8, charger_count: 8, ..Default::default() };
/// let list = ev_ready_checklist(&facts);
/// assert!(list.items.iter().any(|(_, answer)| answer.as_deref() == Some("8 chargers for 8 EVs")));
/// ```
pub fn ev_ready_checklist(facts: &ReadinessFacts) -> Checklist {
    let items = vec![
        (
            "1 Assess — daily distances and dwell times of each vehicle known".to_string(),
            facts
                .km_per_day
                .map(|km| format!("{km:.0} km a day per vehicle in this study")),
        ),
        (
            "1 Assess — site contract demand and tariff known".to_string(),
            facts.contract_kw.map(|kw| format!("contract {kw:.1} kW")),
        ),
        (
            "2 Prepare the site — one charger per EV for the overnight stay".to_string(),
            (facts.ev_count > 0 || facts.charger_count > 0).then(|| {
                format!(
                    "{} chargers for {} EVs",
                    facts.charger_count, facts.ev_count
                )
            }),
        ),
        (
            "2 Prepare the site — peak with uncontrolled charging within the contract".to_string(),
            peak_vs_contract(facts.peak_kw_uncontrolled, facts.contract_kw),
        ),
        (
            "2 Prepare the site — subsidies applied for before ordering".to_string(),
            facts
                .subsidies
                .as_ref()
                .map(|(count, total)| format!("{count} awards found, {total}")),
        ),
        (
            "3 Pilot — smart (optimised) charging configured and measured".to_string(),
            peak_vs_contract(facts.peak_kw_optimised, facts.contract_kw)
                .map(|text| format!("optimised: {text}")),
        ),
        (
            "4 Scale — the business case meets the payback target".to_string(),
            Some(match facts.payback_years {
                Some(years) => format!("simple payback {years:.1} years"),
                None => "no payback within the horizon".to_string(),
            }),
        ),
        (
            "5 Add V2B/V2G — see the interconnection readiness list".to_string(),
            yes_no(
                facts
                    .vehicles_can_discharge
                    .zip(facts.chargers_can_discharge)
                    .map(|(v, c)| v && c),
                "vehicles and chargers can discharge",
                "not with the present vehicles and chargers",
            ),
        ),
    ];
    Checklist {
        title: "EV-Ready adoption phases".to_string(),
        source: SOURCE.to_string(),
        items,
    }
}

pub(super) fn sheet(
    sheet: &mut Worksheet,
    lists: &[Checklist],
    s: &Styles,
) -> Result<(), ExcelError> {
    sheet.set_name("Checklists")?;
    sheet.set_column_width(0, 70.0)?;
    sheet.set_column_width(1, 50.0)?;
    sheet.set_column_width(2, 14.0)?;
    sheet.write_string_with_format(0, 0, "Checklists", &s.title)?;
    let wrap = Format::new().set_text_wrap().set_align(FormatAlign::Top);
    // The reader ticks items off from a list.
    let done = DataValidation::new().allow_list_strings(&["yes", "no", "n/a"])?;
    let mut row = 1;
    if lists.is_empty() {
        sheet.write_string_with_format(row + 1, 0, "no checklist", &s.note)?;
    }
    for list in lists {
        row += 2;
        sheet.write_string_with_format(row, 0, &list.title, &s.section)?;
        row += 1;
        sheet.write_string_with_format(row, 0, format!("Source: {}", list.source), &s.note)?;
        row += 1;
        for (col, title) in [(0u16, "Item"), (1, "The study's answer"), (2, "Done?")] {
            sheet.write_string_with_format(row, col, title, &s.header)?;
        }
        let first = row + 1;
        for (item, answer) in &list.items {
            row += 1;
            sheet.write_string_with_format(row, 0, item, &wrap)?;
            match answer {
                Some(answer) => sheet.write_string_with_format(row, 1, answer, &wrap)?,
                None => sheet.write_string_with_format(row, 1, "to check", &s.note)?,
            };
        }
        if row >= first {
            sheet.add_data_validation(first, 2, row, 2, &done)?;
        }
    }
    print_setup(sheet, None)?;
    Ok(())
}
