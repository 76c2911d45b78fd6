//! The input workbook: a documented template ([`template_workbook`], [`write_template`]) and
//! its strict reader ([`read_input`]), which turns a filled workbook into a TCO study
//! (`docs/tco.md`'s JSON). The layout, keys, defaults and error messages are described in
//! `docs/excel.md` ("Input workbook").
//!
//! Sheets: **Quick** (nine inputs with their defaults beside them — a first answer),
//! **Scenario**, **SiteLoad**, **Fleet**, **Trips**, **Chargers**, **Finance**, **Subsidies**,
//! **Markets** (V2G terms and the site assets PV and storage), **Goal**, the optional
//! **RiskSharing** (a V2G deal settled over a V2G study, read into
//! [`StudyInput::risk_sharing`]), and a hidden **Lists** sheet with the drop-down lists (and
//! each tariff's rules package).
//!
//! ```
//! use voltlex_excel::input::{read_input_bytes, template_workbook, TemplateOptions};
//!
//! let options = TemplateOptions {
//!     tariffs: vec![("tariff-rules/jp-tepco-hv".into(), "TEPCO EP High-Voltage Basic Plan".into())],
//!     vehicle_models: vec!["Mitsubishi Minicab EV".into()],
//!     charger_models: vec!["AC wall box 6 kW".into()],
//!     ice_models: vec!["Suzuki Every PA (petrol)".into()],
//!     subsidy_packages: vec!["tariff-rules/jp-subsidies".into()],
//! };
//! let bytes = template_workbook(&options, None)?.save_to_buffer()?;
//! // The empty template is a valid minimal study: the Quick defaults.
//! let input = read_input_bytes(&bytes).map_err(|e| e.to_string())?;
//! assert_eq!(input.study["fleet"]["vehicle"], "Mitsubishi Minicab EV");
//! assert_eq!(input.study["site"]["rules"], "tariff-rules/jp-tepco-hv");
//! assert!(input.site_load.is_none());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod cells;
mod layout;
mod percent;
mod read;
mod template;

use std::fmt;

pub use read::{read_input, read_input_bytes};
pub use template::{template_workbook, write_template};

/// What the template's drop-down lists offer (the CLI fills it from the rule packages and
/// the catalogue).
///
/// ```
/// let options = voltlex_excel::input::TemplateOptions::default();
/// assert!(options.tariffs.is_empty());
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TemplateOptions {
    /// (rules package folder, tariff name), e.g. (`tariff-rules/jp-tepco-hv`,
    /// `TEPCO EP High-Voltage Basic Plan`). The first is the Quick sheet's default tariff.
    pub tariffs: Vec<(String, String)>,
    /// Vehicle models of the catalogue; the first is the Quick sheet's default.
    pub vehicle_models: Vec<String>,
    /// Charger models of the catalogue; the first is the Quick sheet's default.
    pub charger_models: Vec<String>,
    /// ICE comparators of the catalogue.
    pub ice_models: Vec<String>,
    /// Folders of rule packages with subsidy rules.
    pub subsidy_packages: Vec<String>,
}

/// Fills the example copy of the template: 20 kei vans (Mitsubishi Minicab EV) driving 60 km
/// on weekdays, back at 17:30 and out at 08:30, one Nichicon V2H charger each, the site capped
/// at 600 kW under `tariff`, 10 years at 5 %, fuel 159 JPY/L, battery packs 30,000 JPY/kWh,
/// the subsidies of `subsidy_package` applied for on 2025-06-02, and a goal of payback within
/// 6 years over 5–20 EVs, two charger models and both charging strategies — the study of
/// `workbooks/examples/fleet/tco-kei-vans.json` without its PV, storage and V2G. The site's
/// files (demand history, power factor, indices) are the caller's to name: their paths depend
/// on where the example is saved.
///
/// ```
/// let example = voltlex_excel::input::ExampleValues::kei_vans();
/// assert_eq!(example.rules_package, "tariff-rules/jp-tepco-hv");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExampleValues {
    /// The tariff's rules package folder, as the workbook shows it.
    pub rules_package: String,
    /// The tariff's name.
    pub tariff: String,
    /// The subsidy rules package folder.
    pub subsidy_package: String,
    /// Scenario › Demand history CSV (the 12-month ratchet needs the months before the load
    /// year), if the example should name one.
    pub history: Option<String>,
    /// Scenario › Power factor: a % or a CSV file, if any.
    pub power_factor: Option<String>,
    /// Scenario › Index files (`name=file; name=file`), if any.
    pub indices: Option<String>,
    /// The RiskSharing sheet, if the example should fill it (its paths, like the site's
    /// files, depend on where the example is saved).
    pub risk_sharing: Option<RiskSharingExample>,
}

/// What the example copy writes on the RiskSharing sheet: paths as the workbook shows them
/// (relative to its folder).
///
/// ```
/// let example = voltlex_excel::input::RiskSharingExample {
///     contract: "../../tariff-rules/examples-risk-sharing".into(),
///     deal: Some("Depot V2G three-party deal".into()),
///     study: "fleet/v2g-risk-share.json".into(),
///     scenarios: Some(200),
/// };
/// assert_eq!(example.scenarios, Some(200));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RiskSharingExample {
    /// RiskSharing › Contract rules.
    pub contract: String,
    /// RiskSharing › Deal name.
    pub deal: Option<String>,
    /// RiskSharing › V2G study file.
    pub study: String,
    /// RiskSharing › Scenarios.
    pub scenarios: Option<u32>,
}

/// The RiskSharing sheet, read: which deal to settle over which V2G study, with the cells
/// that gave each file (for messages about them). Paths are as written (relative to the
/// workbook's folder, by the template's convention).
///
/// ```
/// let risk = voltlex_excel::input::RiskSharingInput {
///     contract: "tariff-rules/examples-risk-sharing".into(),
///     contract_cell: "RiskSharing!B4".into(),
///     deal: None,
///     study: "workbooks/examples/fleet/v2g-risk-share.json".into(),
///     study_cell: "RiskSharing!B6".into(),
///     scenarios: Some(200),
///     seed: None,
///     months: None,
/// };
/// assert_eq!(risk.contract_cell, "RiskSharing!B4");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RiskSharingInput {
    /// Contract rules: a `.vlx` file or a rule package folder with the `risk_sharing` block.
    pub contract: String,
    /// Where the contract was given (`RiskSharing!B4`).
    pub contract_cell: String,
    /// The deal's name, when the rules hold several.
    pub deal: Option<String>,
    /// The V2G study (scenario JSON with `v2g` and `v2g.risk`).
    pub study: String,
    /// Where the study was given (`RiskSharing!B6`).
    pub study_cell: String,
    /// Price scenarios (overrides the study's `v2g.risk_sharing.scenarios`).
    pub scenarios: Option<usize>,
    /// Seed (overrides the study's `v2g.risk.seed`).
    pub seed: Option<u64>,
    /// Months of the contract horizon (overrides the study's `v2g.risk_sharing.months`).
    pub months: Option<usize>,
}

impl ExampleValues {
    /// The kei-van depot of `workbooks/examples/fleet/tco-kei-vans.json`, with the package
    /// folders relative to the repository's root.
    ///
    /// ```
    /// let example = voltlex_excel::input::ExampleValues::kei_vans();
    /// assert_eq!(example.tariff, "TEPCO EP High-Voltage Basic Plan");
    /// ```
    pub fn kei_vans() -> Self {
        ExampleValues {
            rules_package: "tariff-rules/jp-tepco-hv".into(),
            tariff: "TEPCO EP High-Voltage Basic Plan".into(),
            subsidy_package: "tariff-rules/jp-subsidies".into(),
            history: None,
            power_factor: None,
            indices: None,
            risk_sharing: None,
        }
    }
}

/// A filled input workbook, read.
///
/// ```
/// let input = voltlex_excel::input::StudyInput {
///     study: serde_json::json!({ "fleet": { "size": 20 } }),
///     site_load: None,
///     market_prices: None,
///     defaults_used: vec![],
///     catalogue_overlay: None,
///     risk_sharing: None,
/// };
/// assert_eq!(input.study["fleet"]["size"], 20);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct StudyInput {
    /// The TCO study as `docs/tco.md`'s JSON: every key the workbook gave, with the Quick
    /// defaults applied where the detailed sheets are empty; without `site.load` (the CLI adds
    /// it: the SiteLoad sheet written as a CSV, or a file of its own), and with `site.rules`
    /// the package folder as written in the workbook. Paths are as written (relative to the
    /// workbook's folder, by the template's convention).
    pub study: serde_json::Value,
    /// The pasted SiteLoad year (interval start, kW), if any.
    pub site_load: Option<Vec<(chrono::NaiveDateTime, f64)>>,
    /// The prices pasted on MarketPrices (interval start, price per kWh), if any. With V2G
    /// on, `study`'s `v2g.spot` then has no `file`: the CLI writes these as a `start,price`
    /// CSV and sets it.
    pub market_prices: Option<Vec<(chrono::NaiveDateTime, f64)>>,
    /// (input, value) for every Quick default that was applied, to be shown in the result.
    pub defaults_used: Vec<(String, String)>,
    /// A catalogue file (TOML, `docs/catalogue.md`) to lay over the built-in catalogue when
    /// the Fleet sheet overrides the model's battery, chemistry, consumption or price: the
    /// catalogue's entry with the workbook's figures, under the same name. The CLI writes it
    /// beside the study and sets the study's `catalogue` key to it. `None` when no override.
    pub catalogue_overlay: Option<String>,
    /// The RiskSharing sheet's deal and V2G study, when it names contract rules (the sheet
    /// is optional; empty Contract rules: `None`).
    pub risk_sharing: Option<RiskSharingInput>,
}

/// One problem of the workbook, at its cell.
///
/// ```
/// let error = voltlex_excel::input::CellError {
///     sheet: "Fleet".into(),
///     cell: "D7".into(),
///     message: "battery capacity must be a number of kWh, found \"40kwh\"".into(),
/// };
/// assert_eq!(error.to_string(), "Fleet!D7: battery capacity must be a number of kWh, found \"40kwh\"");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CellError {
    /// Sheet name (empty when the file itself cannot be read).
    pub sheet: String,
    /// Cell reference such as `D7`.
    pub cell: String,
    /// What is wrong, what was expected and what was found.
    pub message: String,
}

impl fmt::Display for CellError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.sheet.is_empty() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "{}!{}: {}", self.sheet, self.cell, self.message)
        }
    }
}

/// Every problem of a workbook, in sheet order, one per line when displayed.
///
/// ```
/// use voltlex_excel::input::{CellError, InputErrors};
/// let errors = InputErrors(vec![
///     CellError { sheet: "Fleet".into(), cell: "B4".into(), message: "a".into() },
///     CellError { sheet: "Trips".into(), cell: "A4".into(), message: "b".into() },
/// ]);
/// assert_eq!(errors.to_string(), "Fleet!B4: a\nTrips!A4: b");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputErrors(pub Vec<CellError>);

impl fmt::Display for InputErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, error) in self.0.iter().enumerate() {
            if index > 0 {
                writeln!(f)?;
            }
            write!(f, "{error}")?;
        }
        Ok(())
    }
}

impl std::error::Error for InputErrors {}
