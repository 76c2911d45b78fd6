//! The result workbook of a study: what `voltlex study input.xlsx -o result.xlsx` writes.
//!
//! The caller (the root crate) runs the study, fills a [`StudyResults`] — plain data, no
//! dependency on how it was computed — and calls [`write_study`] (or [`study_workbook`] to
//! add sheets of its own). The sheets, in order (the optional ones only when their part of
//! the results is present):
//!
//! | sheet | what |
//! |---|---|
//! | `Summary` | the recommended scenario's saving (NPV), payback, ROI and CO2 saved in large figures; every scenario side by side; a line chart of the cumulative cost per scenario by year; a doughnut of where the saving comes from; the defaults the study applied |
//! | `TCO` | each scenario's yearly lines (purchase … residual), a `=SUM` total per year and per line |
//! | `Energy profile` | each [`DayProfile`] as a table and a line chart with the contract kW |
//! | `Bills` | every bill's line items with their rule reference; a total per run (`=SUMPRODUCT`) |
//! | `V2G` | the revenue waterfall (stacked columns over an invisible base), VaR/CVaR, the histogram |
//! | `Schedule` | kW per vehicle per slot, a fleet total per slot |
//! | `Goal seek` | the targets, the best design and its runner-ups, the binding target |
//! | `What-if` | a sensitivity grid with a drop-down page and `INDEX`/`MATCH` lookups |
//! | `Risk sharing` | a V2G deal settled over a V2G study: terms, the operation per year, each party against the status quo, cash by month as paid, the fairness view ([`RiskSharingSheet`]) |
//! | `Checklists` | V2G interconnection readiness, EV-Ready adoption phases, answered where the study knows |
//!
//! Every formula is written with its computed value (`Formula::set_result`), so a reader that
//! does not recalculate shows the same numbers as one that does. `docs/excel.md` ("Result
//! workbook") describes the sheets, the waterfall technique and the what-if mechanics.
//!
//! ```
//! use voltlex_excel::study::{study_workbook, ScenarioResult, StudyResults};
//! use voltlex_engine::tco::model::YearCosts;
//!
//! let year = |year, total| YearCosts { year, total, ..Default::default() };
//! let results = StudyResults {
//!     title: "Kei vans".into(),
//!     currency: "JPY".into(),
//!     horizon_years: 1,
//!     baseline: ScenarioResult { label: "Combustion fleet".into(), years: vec![year(0, 0.0), year(1, 900.0)], ..Default::default() },
//!     scenarios: vec![ScenarioResult {
//!         label: "EV, optimised charging".into(),
//!         years: vec![year(0, 500.0), year(1, 300.0)],
//!         savings_npv: Some(100.0),
//!         ..Default::default()
//!     }],
//!     ..Default::default()
//! };
//! let bytes = study_workbook(&results)?.save_to_buffer()?;
//! assert!(bytes.starts_with(b"PK"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod checklists;
mod risk_sharing;
mod sheets;
mod style;
mod v2g;
mod what_if;

use std::path::Path;

use chrono::NaiveDateTime;
use rust_xlsxwriter::{DocProperties, Workbook};
use voltlex_engine::billing::BillRun;
use voltlex_engine::tco::model::YearCosts;

pub use checklists::{ev_ready_checklist, v2g_interconnection_checklist, ReadinessFacts};
pub use risk_sharing::{
    FairestPoint, FreeParameter, RiskFairness, RiskParty, RiskSharingSheet, RiskSystemYear,
};

use crate::ExcelError;

/// Everything the result workbook shows. Plain data: the root crate fills it from a study run.
///
/// ```
/// use voltlex_excel::study::StudyResults;
/// let results = StudyResults { title: "Depot".into(), currency: "JPY".into(), horizon_years: 10, ..Default::default() };
/// assert!(results.scenarios.is_empty());
/// ```
#[derive(Debug, Clone, Default)]
pub struct StudyResults {
    /// The study's name (the workbook's title).
    pub title: String,
    /// Currency code of every amount (`JPY`: whole yen; any other code: 2 decimals).
    pub currency: String,
    /// Years operated after the purchase (year 0).
    pub horizon_years: u32,
    /// How the year was simulated, e.g. "one dispatched day per month".
    pub simulation: String,
    /// The Quick sheet's defaults the study applied: (input, value used), shown on Summary.
    pub defaults_used: Vec<(String, String)>,
    /// The combustion fleet of today: only its `label`, `design` and `years` are shown.
    pub baseline: ScenarioResult,
    /// The electric scenarios (uncontrolled, optimised, optimised + V2G …).
    pub scenarios: Vec<ScenarioResult>,
    /// Index into `scenarios` of the one shown in large figures; out of range shows a note.
    pub recommended: usize,
    /// Days of site power ("Typical day", "Peak day").
    pub energy_days: Vec<DayProfile>,
    /// Bill runs by label (each scenario's site bills, "Site without fleet" …).
    pub bills: Vec<(String, BillRun)>,
    /// The V2G revenue waterfall and market risk, when the study has V2G.
    pub v2g: Option<V2gSheet>,
    /// A day's charging plan per vehicle.
    pub schedule: Option<ScheduleSheet>,
    /// The goal-seek answer.
    pub goal_seek: Option<GoalSeekSheet>,
    /// A precomputed sensitivity grid.
    pub what_if: Option<WhatIf>,
    /// A V2G risk-sharing deal settled over a V2G study (the input's RiskSharing sheet).
    pub risk_sharing: Option<RiskSharingSheet>,
    /// Readiness checklists (see [`v2g_interconnection_checklist`], [`ev_ready_checklist`]).
    pub checklists: Vec<Checklist>,
}

/// One fleet option over the horizon, compared with the baseline.
///
/// ```
/// use voltlex_excel::study::ScenarioResult;
/// let ev = ScenarioResult { label: "EV, optimised charging".into(), roi: Some(0.42), ..Default::default() };
/// assert_eq!(ev.irr, None);
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ScenarioResult {
    /// Short name ("EV, optimised charging").
    pub label: String,
    /// What it is made of ("8 × Minicab EV, 8 × 6 kW AC").
    pub design: String,
    /// Years 0..=N (costs positive, income and subsidies negative).
    pub years: Vec<YearCosts>,
    /// NPV of the saving against the baseline.
    pub savings_npv: Option<f64>,
    /// Years until the cumulative saving stays positive (`None`: never).
    pub simple_payback_years: Option<f64>,
    /// The same with discounted savings.
    pub discounted_payback_years: Option<f64>,
    /// Internal rate of return of the saving, a fraction (0.12 = 12 %).
    pub irr: Option<f64>,
    /// Return on investment over the horizon, a fraction.
    pub roi: Option<f64>,
    /// First year whose cumulative cost is below the baseline's.
    pub crossover_year: Option<u32>,
    /// CO2 avoided over the horizon, tonnes.
    pub co2_saved_tonnes: f64,
    /// Subsidies awarded: (programme, amount).
    pub subsidies: Vec<(String, f64)>,
}

/// The site's power over one day, slot by slot.
///
/// ```
/// use voltlex_excel::study::DayProfile;
/// let day = DayProfile { label: "Typical day".into(), slot_minutes: 30, contract_kw: 120.0,
///     series: vec![("Base load".into(), vec![80.0; 48])], ..Default::default() };
/// assert_eq!(day.slot_count(), 48);
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DayProfile {
    /// "Typical day", "Peak day".
    pub label: String,
    /// Start of the first slot.
    pub start: NaiveDateTime,
    /// Slot length.
    pub slot_minutes: u32,
    /// The site's contract demand, drawn as a line.
    pub contract_kw: f64,
    /// (name, kW per slot): "Base load", "Uncontrolled charging", "Optimised charging",
    /// "V2G/V2B discharge" …
    pub series: Vec<(String, Vec<f64>)>,
}

impl DayProfile {
    /// The number of slots: the longest series.
    ///
    /// ```
    /// # use voltlex_excel::study::DayProfile;
    /// let day = DayProfile { series: vec![("a".into(), vec![1.0; 3]), ("b".into(), vec![2.0; 5])], ..Default::default() };
    /// assert_eq!(day.slot_count(), 5);
    /// ```
    pub fn slot_count(&self) -> usize {
        self.series.iter().map(|(_, v)| v.len()).max().unwrap_or(0)
    }
}

/// The V2G sheet: the revenue waterfall and the market risk.
///
/// ```
/// use voltlex_excel::study::{HistogramBin, V2gSheet};
/// let sheet = V2gSheet {
///     waterfall: vec![("Gross".into(), 100.0), ("Charging".into(), -30.0), ("Net".into(), 70.0)],
///     risk_measure: "monthly profit (JPY)".into(),
///     confidence: 0.95, value_at_risk: -12.0, conditional_value_at_risk: -20.0,
///     histogram: vec![HistogramBin { from: -20.0, to: 0.0, count: 3 }],
/// };
/// assert_eq!(sheet.waterfall.len(), 3);
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct V2gSheet {
    /// Steps: the first and last are totals drawn from zero (gross, net), the others changes
    /// (charging, degradation, fee … — negative for a cost).
    pub waterfall: Vec<(String, f64)>,
    /// What VaR and the histogram measure, e.g. "monthly profit (JPY)".
    pub risk_measure: String,
    /// Confidence level of VaR/CVaR, a fraction (0.95).
    pub confidence: f64,
    /// Value at risk at `confidence`, in the measure's unit, as the engine reports it.
    pub value_at_risk: f64,
    /// Conditional value at risk (expected shortfall beyond VaR).
    pub conditional_value_at_risk: f64,
    /// The distribution of the measure over the price scenarios.
    pub histogram: Vec<HistogramBin>,
}

/// One bar of a histogram: `count` scenarios in `[from, to)`.
///
/// ```
/// let bin = voltlex_excel::study::HistogramBin { from: 0.0, to: 10.0, count: 4 };
/// assert!(bin.to > bin.from);
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HistogramBin {
    /// Lower edge.
    pub from: f64,
    /// Upper edge.
    pub to: f64,
    /// Scenarios in the bin.
    pub count: u64,
}

/// A charging plan: kW per vehicle per slot.
///
/// ```
/// use voltlex_excel::study::ScheduleSheet;
/// let plan = ScheduleSheet { slot_minutes: 30, slot_starts: vec![], vehicles: vec![("Van 1".into(), vec![])] };
/// assert_eq!(plan.vehicles.len(), 1);
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ScheduleSheet {
    /// Slot length.
    pub slot_minutes: u32,
    /// Start of each slot.
    pub slot_starts: Vec<NaiveDateTime>,
    /// (vehicle, kW per slot — negative when discharging), one column each.
    pub vehicles: Vec<(String, Vec<f64>)>,
}

/// The goal-seek answer.
///
/// ```
/// use voltlex_excel::study::{GoalSeekRow, GoalSeekSheet};
/// let answer = GoalSeekSheet { targets: "payback ≤ 6 years".into(), rows: vec![GoalSeekRow { rank: 1, ..Default::default() }],
///     binding: "payback (slack 0.4 years)".into(), closest: None };
/// assert_eq!(answer.rows[0].rank, 1);
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GoalSeekSheet {
    /// The targets as text.
    pub targets: String,
    /// The best design first, then the runner-ups.
    pub rows: Vec<GoalSeekRow>,
    /// Which target binds the best design, as text.
    pub binding: String,
    /// When nothing meets the targets: the closest candidate, as text.
    pub closest: Option<String>,
}

/// One design found by goal seek.
///
/// ```
/// let row = voltlex_excel::study::GoalSeekRow { rank: 2, design: "6 EVs".into(), investment: 9.0e6, ..Default::default() };
/// assert_eq!(row.simple_payback_years, None);
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GoalSeekRow {
    /// 1 = best.
    pub rank: u32,
    /// The design described.
    pub design: String,
    /// Net investment (after subsidies).
    pub investment: f64,
    /// Simple payback in years (`None`: never).
    pub simple_payback_years: Option<f64>,
    /// Crossover year (`None`: never).
    pub crossover_year: Option<u32>,
    /// NPV of the saving.
    pub savings_npv: Option<f64>,
    /// CO2 avoided over the horizon, tonnes.
    pub co2_saved_tonnes: f64,
}

/// A precomputed sensitivity grid of `measure`: `values[page][row][column]`.
///
/// ```
/// use voltlex_excel::study::WhatIf;
/// let grid = WhatIf {
///     row_name: "EVs".into(), rows: vec!["4".into(), "8".into()],
///     column_name: "Prices".into(), columns: vec!["low".into(), "high".into()],
///     page_name: "Subsidy".into(), pages: vec!["on".into(), "off".into()],
///     measure: "NPV of the saving (JPY)".into(),
///     values: vec![vec![vec![1.0, 2.0], vec![3.0, 4.0]], vec![vec![5.0, 6.0], vec![7.0, 8.0]]],
/// };
/// assert_eq!(grid.value(1, 0, 1), Some(6.0));
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WhatIf {
    /// What the rows vary ("EV count").
    pub row_name: String,
    /// Row labels.
    pub rows: Vec<String>,
    /// What the columns vary ("Price outlook").
    pub column_name: String,
    /// Column labels.
    pub columns: Vec<String>,
    /// What the pages vary ("Subsidy") — chosen with the drop-down.
    pub page_name: String,
    /// Page labels (the first is shown when the workbook opens).
    pub pages: Vec<String>,
    /// What the values are ("NPV of the saving (JPY)").
    pub measure: String,
    /// `values[page][row][column]`.
    pub values: Vec<Vec<Vec<f64>>>,
}

impl WhatIf {
    /// `values[page][row][column]`, if present.
    ///
    /// ```
    /// # use voltlex_excel::study::WhatIf;
    /// assert_eq!(WhatIf::default().value(0, 0, 0), None);
    /// ```
    pub fn value(&self, page: usize, row: usize, column: usize) -> Option<f64> {
        self.values.get(page)?.get(row)?.get(column).copied()
    }
}

/// A checklist: items with the study's answer where it knows one.
///
/// ```
/// use voltlex_excel::study::Checklist;
/// let list = Checklist { title: "Site".into(), source: "the team's own".into(),
///     items: vec![("Meter installed".into(), None)] };
/// assert_eq!(list.items.len(), 1);
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Checklist {
    /// Heading.
    pub title: String,
    /// Where the items come from.
    pub source: String,
    /// (item, the study's answer — `None` when only the reader can answer).
    pub items: Vec<(String, Option<String>)>,
}

/// Builds the result workbook [`write_study`] saves.
///
/// # Errors
///
/// [`ExcelError::Xlsx`] when a sheet cannot be built (a limit of the format, or a what-if
/// grid whose values do not match its labels).
///
/// ```
/// use voltlex_excel::study::{study_workbook, StudyResults};
/// let bytes = study_workbook(&StudyResults::default())?.save_to_buffer()?;
/// let book = calamine::open_workbook_from_rs::<calamine::Xlsx<_>, _>(std::io::Cursor::new(bytes))?;
/// use calamine::Reader;
/// assert_eq!(book.sheet_names(), ["Summary", "TCO", "Energy profile", "Bills", "Checklists"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn study_workbook(results: &StudyResults) -> Result<Workbook, ExcelError> {
    let styles = style::Styles::new(&results.currency);
    let mut workbook = Workbook::new();
    workbook.set_properties(
        &DocProperties::new()
            .set_title(format!("Study: {}", results.title))
            .set_subject(format!(
                "Fleet TCO over {} years ({})",
                results.horizon_years, results.currency
            ))
            .set_comment(
                "Written by voltlex. Amounts are spreadsheet numbers; formulas carry their \
                 computed values.",
            ),
    );
    sheets::summary(workbook.add_worksheet(), results, &styles)?;
    sheets::tco(workbook.add_worksheet(), results, &styles)?;
    sheets::energy(workbook.add_worksheet(), results, &styles)?;
    sheets::bills(workbook.add_worksheet(), results, &styles)?;
    if let Some(sheet) = &results.v2g {
        v2g::sheet(workbook.add_worksheet(), sheet, &styles)?;
    }
    if let Some(plan) = &results.schedule {
        sheets::schedule(workbook.add_worksheet(), plan, &styles)?;
    }
    if let Some(answer) = &results.goal_seek {
        sheets::goal_seek(workbook.add_worksheet(), answer, &results.currency, &styles)?;
    }
    if let Some(grid) = &results.what_if {
        what_if::sheet(workbook.add_worksheet(), grid, &styles)?;
    }
    if let Some(risk) = &results.risk_sharing {
        // The deal's own currency (the study's is the TCO's).
        let styles = style::Styles::new(&risk.currency);
        risk_sharing::sheet(workbook.add_worksheet(), risk, &styles)?;
    }
    checklists::sheet(workbook.add_worksheet(), &results.checklists, &styles)?;
    Ok(workbook)
}

/// Writes the result workbook at `path`, atomically (a temporary file in the same folder,
/// synced, renamed), as [`write_bills`](crate::write_bills) does.
///
/// # Errors
///
/// [`ExcelError::NotXlsx`] for a path not ending in `.xlsx` (nothing is written);
/// [`ExcelError::Xlsx`] as [`study_workbook`]; [`ExcelError::Io`] when the file cannot be
/// written (nothing is left at `path`, an existing file is unchanged).
///
/// ```
/// use voltlex_excel::study::{write_study, StudyResults};
/// let dir = std::env::temp_dir().join(format!("voltlex-study-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// assert!(write_study(&StudyResults::default(), &dir.join("result.csv")).is_err());
/// write_study(&StudyResults::default(), &dir.join("result.xlsx"))?;
/// assert!(dir.join("result.xlsx").exists());
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn write_study(results: &StudyResults, path: &Path) -> Result<(), ExcelError> {
    let is_xlsx = path
        .extension()
        .is_some_and(|ext| ext.eq_ignore_ascii_case("xlsx"));
    if !is_xlsx {
        return Err(ExcelError::NotXlsx(path.to_path_buf()));
    }
    let bytes = study_workbook(results)?.save_to_buffer()?;
    crate::save::write_atomically(path, &bytes).map_err(|source| ExcelError::Io {
        path: path.to_path_buf(),
        source,
    })
}
