//! The Excel door: `voltlex template` writes the input workbook, `voltlex study` reads a filled
//! one, runs the TCO study it describes (scenarios, goal seek, a what-if grid) and writes the
//! result workbook. The workbooks themselves are `voltlex_excel::input` and
//! `voltlex_excel::study`; this module turns one into a [`TcoStudy`] and the study's results
//! into the other.
//!
//! The optional RiskSharing sheet names a `risk_sharing` deal and a V2G study: the deal is
//! settled as `voltlex risk-share` does ([`crate::risk_share`]) and shown on the result's
//! Risk sharing sheet.
//!
//! Paths in a workbook are relative to the workbook's folder. A pasted SiteLoad year and the
//! Fleet sheet's overrides of catalogue figures are written to a scratch folder (removed
//! afterwards) and the study points at them; the input workbook is never written.

use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};

use anyhow::{anyhow, bail, Context};
use voltlex_engine::tco::catalogue::Catalogue;
use voltlex_excel::input::{
    ExampleValues, RiskSharingExample, RiskSharingInput, StudyInput, TemplateOptions,
};
use voltlex_excel::study::{
    ev_ready_checklist, v2g_interconnection_checklist, Checklist, DayProfile, FairestPoint,
    FreeParameter, GoalSeekRow, GoalSeekSheet, HistogramBin, ReadinessFacts, RiskFairness,
    RiskParty, RiskSharingSheet, RiskSystemYear, ScenarioResult, ScheduleSheet, StudyResults,
    V2gSheet, WhatIf,
};

use crate::goal_seek::{GoalSeek, TargetOverrides};
use crate::tco_report;
use crate::tco_scenario::{Charging, DayProfileData, DesignResult, Outlook, TcoStudy};

/// The lists the template's drop-downs offer: the tariffs of the rule packages under
/// `packages` (paths written relative to `workbook_folder`), the catalogue's models, the
/// packages with subsidy rules.
///
/// # Errors
///
/// A folder that cannot be listed, the built-in catalogue unreadable.
pub fn template_options(
    packages: &Path,
    workbook_folder: &Path,
) -> anyhow::Result<TemplateOptions> {
    let mut options = TemplateOptions::default();
    let mut folders: Vec<PathBuf> = std::fs::read_dir(packages)
        .with_context(|| format!("{}: cannot list the rule packages", packages.display()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.join("package.toml").is_file())
        .collect();
    folders.sort();
    for folder in folders {
        let Ok(compilation) = voltlex_dsl::compile_path(&folder) else {
            continue;
        };
        if compilation.has_errors() {
            continue;
        }
        let written = relative_to(&folder, workbook_folder);
        for tariff in &compilation.rules.tariffs {
            options.tariffs.push((written.clone(), tariff.name.clone()));
        }
        if !compilation.rules.subsidies.is_empty() {
            options.subsidy_packages.push(written);
        }
    }
    let catalogue = Catalogue::builtin()?;
    options.vehicle_models = catalogue.vehicles.iter().map(|v| v.name.clone()).collect();
    options.charger_models = catalogue.chargers.iter().map(|c| c.name.clone()).collect();
    options.ice_models = catalogue.ice.iter().map(|i| i.name.clone()).collect();
    Ok(options)
}

/// `path` written relative to `from` (both made absolute from the current folder), with
/// forward slashes: what a workbook holds.
fn relative_to(path: &Path, from: &Path) -> String {
    let absolute = |p: &Path| {
        let joined = if p.is_absolute() {
            p.to_path_buf()
        } else {
            std::env::current_dir().unwrap_or_default().join(p)
        };
        let mut parts: Vec<Component> = Vec::new();
        for part in joined.components() {
            match part {
                Component::CurDir => {}
                Component::ParentDir => {
                    parts.pop();
                }
                other => parts.push(other),
            }
        }
        parts.into_iter().collect::<PathBuf>()
    };
    let (target, base) = (absolute(path), absolute(from));
    let common = target
        .components()
        .zip(base.components())
        .take_while(|(a, b)| a == b)
        .count();
    let mut relative = PathBuf::new();
    for _ in base.components().skip(common) {
        relative.push("..");
    }
    for part in target.components().skip(common) {
        relative.push(part);
    }
    relative.to_string_lossy().replace('\\', "/")
}

/// Write the blank template (or, with `example`, the filled example) to `path`.
///
/// # Errors
///
/// An existing file (never overwritten), a path not ending in `.xlsx`, packages that cannot
/// be listed.
pub fn write_template(path: &Path, packages: &Path, example: bool) -> anyhow::Result<()> {
    let folder = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let options = template_options(packages, folder)?;
    let example_values = example.then(|| {
        let mut values = ExampleValues::kei_vans();
        let package = |name: &str| {
            options
                .tariffs
                .iter()
                .map(|(package, _)| package.clone())
                .chain(options.subsidy_packages.iter().cloned())
                .find(|p| p.ends_with(name))
        };
        if let Some(rules) = package("jp-tepco-hv") {
            values.rules_package = rules;
        }
        if let Some(subsidies) = package("jp-subsidies") {
            values.subsidy_package = subsidies;
        }
        values.risk_sharing = example_risk_sharing(packages, folder);
        values
    });
    voltlex_excel::input::write_template(path, &options, example_values.as_ref())?;
    Ok(())
}

/// The example's RiskSharing sheet: the deal of `<packages>/examples-risk-sharing` over the
/// repository's `workbooks/examples/fleet/v2g-risk-share.json` (the repository being the
/// packages' parent folder), both written relative to `workbook_folder` as the template's
/// other paths; 200 price scenarios keep the study quick. `None` when either is not there.
fn example_risk_sharing(packages: &Path, workbook_folder: &Path) -> Option<RiskSharingExample> {
    const STUDY: &str = "workbooks/examples/fleet/v2g-risk-share.json";
    let contract = packages.join("examples-risk-sharing");
    let root = packages.parent().unwrap_or(Path::new(""));
    let study = root.join(STUDY);
    if !contract.is_dir() || !study.is_file() {
        return None;
    }
    let deal = crate::risk_share::read_deal(&contract, None).ok()?;
    Some(RiskSharingExample {
        contract: relative_to(&contract, workbook_folder),
        deal: Some(deal.name),
        study: relative_to(&study, workbook_folder),
        scenarios: Some(200),
    })
}

/// A scratch folder for the files a workbook's study needs, removed when dropped.
/// With `keep`, the folder the user asked for (kept); else a temporary one.
struct Scratch(PathBuf, bool);

impl Scratch {
    fn new(keep: Option<&Path>) -> anyhow::Result<Self> {
        let (dir, kept) = match keep {
            Some(dir) => {
                if dir.exists() && std::fs::read_dir(dir)?.next().is_some() {
                    bail!(
                        "{}: the folder for the study's files must be new or empty (nothing is overwritten)",
                        dir.display()
                    );
                }
                (dir.to_path_buf(), true)
            }
            None => {
                let dir =
                    std::env::temp_dir().join(format!("voltlex-study-{}", std::process::id()));
                let _ = std::fs::remove_dir_all(&dir);
                (dir, false)
            }
        };
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("{}: cannot create the folder", dir.display()))?;
        // Absolute, so the study's paths hold wherever it is read from.
        let dir = dir.canonicalize().unwrap_or(dir);
        Ok(Scratch(dir, kept))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if !self.1 {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

/// Read the input workbook and build its study (SiteLoad and catalogue overrides written to
/// `scratch`).
fn study_of(input: &Path, scratch: &Scratch) -> anyhow::Result<(TcoStudy, StudyInput)> {
    let read = voltlex_excel::input::read_input(input).map_err(|errors| {
        anyhow!(
            "{}: the workbook has {} problem(s); nothing was run:\n{errors}",
            input.display(),
            errors.0.len()
        )
    })?;
    let mut study = read.study.clone();
    let folder = input
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if let Some(series) = &read.site_load {
        let csv = scratch.0.join("site-load.csv");
        let mut text = String::from("timestamp,kw\n");
        for (at, kw) in series {
            text.push_str(&format!("{},{kw}\n", at.format("%Y-%m-%d %H:%M")));
        }
        std::fs::write(&csv, text).with_context(|| format!("{}: cannot write", csv.display()))?;
        set_key(
            &mut study,
            &["site", "load"],
            csv.to_string_lossy().into_owned().into(),
        )?;
    }
    if let (Some(prices), Some(spot)) = (&read.market_prices, study.pointer("/v2g/spot")) {
        if spot.get("file").is_none() {
            let csv = scratch.0.join("market-prices.csv");
            let mut text = String::from("start,price\n");
            for (at, price) in prices {
                text.push_str(&format!("{},{price}\n", at.format("%Y-%m-%d %H:%M")));
            }
            std::fs::write(&csv, text)
                .with_context(|| format!("{}: cannot write", csv.display()))?;
            set_key(
                &mut study,
                &["v2g", "spot", "file"],
                csv.to_string_lossy().into_owned().into(),
            )?;
        }
    }
    let mut defaults = read.defaults_used.clone();
    if study
        .pointer("/site/load")
        .is_none_or(serde_json::Value::is_null)
    {
        default_site(&mut study, scratch, &mut defaults)
            .with_context(|| format!("{}: SiteLoad is empty", input.display()))?;
    }
    if let Some(overlay) = &read.catalogue_overlay {
        let toml = scratch.0.join("catalogue.toml");
        std::fs::write(&toml, overlay)
            .with_context(|| format!("{}: cannot write", toml.display()))?;
        set_key(
            &mut study,
            &["catalogue"],
            toml.to_string_lossy().into_owned().into(),
        )?;
    }
    let origin = folder.join(input.file_name().unwrap_or_default());
    let mut read = read;
    read.defaults_used = defaults;
    if scratch.1 {
        // The study the workbook became, for `voltlex tco` / `goal-seek` and for reading.
        let json = scratch.0.join("study.json");
        let mut relative = study.clone();
        let folder_abs = folder.canonicalize().unwrap_or(folder.to_path_buf());
        rebase_paths(&mut relative, &folder_abs, &scratch.0);
        crate::write_atomically(
            &json,
            (serde_json::to_string_pretty(&relative)? + "\n").as_bytes(),
        )?;
    }
    Ok((TcoStudy::from_json(study, &origin)?, read))
}

/// Set the key at `path` of a JSON object, creating the objects on the way.
fn set_key(
    value: &mut serde_json::Value,
    path: &[&str],
    new: serde_json::Value,
) -> anyhow::Result<()> {
    let mut at = value;
    let mut keys = path.iter().peekable();
    while let Some(key) = keys.next() {
        let map = at
            .as_object_mut()
            .ok_or_else(|| anyhow!("the study's {} is not a table", path.join(".")))?;
        if keys.peek().is_none() {
            map.insert((*key).to_string(), new);
            return Ok(());
        }
        at = map
            .entry((*key).to_string())
            .or_insert_with(|| serde_json::Value::Object(serde_json::Map::new()));
    }
    Ok(())
}

/// Paths of `study` (relative to `from`, or absolute) rewritten relative to `to`: the saved
/// study reads the same files from its own folder.
fn rebase_paths(study: &mut serde_json::Value, from: &Path, to: &Path) {
    let rebase = |value: &mut serde_json::Value| {
        if let Some(text) = value.as_str() {
            let path = Path::new(text);
            let absolute = if path.is_absolute() {
                path.to_path_buf()
            } else {
                from.join(path)
            };
            *value = serde_json::Value::from(relative_to(&absolute, to));
        }
    };
    // `pointer_mut`, not indexing: indexing a missing key would create it.
    for pointer in [
        "/site/rules",
        "/site/load",
        "/site/history",
        "/subsidies/rules",
        "/catalogue",
        "/v2g/spot/file",
        "/pv/profile",
    ] {
        if let Some(value) = study.pointer_mut(pointer) {
            rebase(value);
        }
    }
    // A power factor is a percentage or a file.
    if let Some(value) = study.pointer_mut("/site/power_factor") {
        if value
            .as_str()
            .is_some_and(|t| t.trim().parse::<f64>().is_err())
        {
            rebase(value);
        }
    }
    if let Some(indices) = study
        .pointer_mut("/site/indices")
        .and_then(|v| v.as_object_mut())
    {
        for files in indices.values_mut() {
            match files.as_array_mut() {
                Some(many) => many.iter_mut().for_each(rebase),
                None => rebase(files),
            }
        }
    }
}

/// The repository's example site-year (found from the current folder, where the README's
/// commands run), scaled so that its peak is 80 % of the site's import cap — the Quick
/// sheet's default site when no SiteLoad is pasted; a new supply (no demand history), power
/// factor 85 % (the base of the Japanese high-voltage adjustment: no discount, no surcharge),
/// and the example's fuel-cost and JEPX index files when the study gives none.
fn default_site(
    study: &mut serde_json::Value,
    scratch: &Scratch,
    defaults: &mut Vec<(String, String)>,
) -> anyhow::Result<()> {
    const EXAMPLE: &str = "workbooks/examples/site-2024-load.csv";
    let cwd = std::env::current_dir()?;
    let source = cwd.join(EXAMPLE);
    let load = voltlex_engine::read::load_csv(&source).with_context(|| {
        format!("the default site is the repository's {EXAMPLE}: run from the repository's folder or paste a year")
    })?;
    let cap = study
        .pointer("/site/import_cap_kw")
        .and_then(serde_json::Value::as_f64)
        .unwrap_or(0.0);
    let hours = f64::from(load.interval_minutes) / 60.0;
    let peak = load.kwh.iter().map(|kwh| kwh / hours).fold(0.0, f64::max);
    let scale = if cap > 0.0 && peak > 0.0 {
        0.8 * cap / peak
    } else {
        1.0
    };
    let csv = scratch.0.join("default-site-load.csv");
    let mut text = String::from("timestamp,kw\n");
    for (index, kwh) in load.kwh.iter().enumerate() {
        text.push_str(&format!(
            "{},{:.3}\n",
            load.interval_start(index).format("%Y-%m-%d %H:%M"),
            kwh / hours * scale
        ));
    }
    std::fs::write(&csv, text).with_context(|| format!("{}: cannot write", csv.display()))?;
    set_key(
        study,
        &["site", "load"],
        csv.to_string_lossy().into_owned().into(),
    )?;
    let missing = |study: &serde_json::Value, key: &str| {
        study
            .pointer(&format!("/site/{key}"))
            .is_none_or(serde_json::Value::is_null)
    };
    defaults.push((
        "Site load".into(),
        format!(
            "{EXAMPLE} scaled ×{scale:.2} (peak {:.0} kW = 80 % of the import cap)",
            peak * scale
        ),
    ));
    if missing(study, "history") && missing(study, "supply_start") {
        let month = load.start.format("%Y-%m").to_string();
        set_key(study, &["site", "supply_start"], month.clone().into())?;
        defaults.push((
            "Demand history".into(),
            format!("none: a new supply from {month}"),
        ));
    }
    if missing(study, "power_factor") {
        set_key(study, &["site", "power_factor"], "85".into())?;
        defaults.push(("Power factor".into(), "85 % (no adjustment)".into()));
    }
    if missing(study, "indices") {
        let fuel = cwd.join("workbooks/examples/fuel-cost-tepco-hv.csv");
        let jepx = cwd.join("../shared/data/jepx/spot_summary_2024.csv");
        let indices = serde_json::json!({
            "tepco-fuel-cost": fuel.to_string_lossy(),
            "jepx-tokyo": jepx.to_string_lossy(),
        });
        set_key(study, &["site", "indices"], indices)?;
        defaults.push((
            "Index files".into(),
            "the example's TEPCO fuel-cost adjustment and JEPX Tokyo 2024".into(),
        ));
    }
    Ok(())
}

/// Run the study a filled input workbook describes and write the result workbook to
/// `output` (atomically; never the input). `progress` hears what runs.
///
/// # Errors
///
/// Every problem of the workbook at once (`Sheet!Cell: …`), then anything the study refuses.
pub fn run(
    input: &Path,
    output: &Path,
    keep: Option<&Path>,
    progress: &mut dyn FnMut(&str),
) -> anyhow::Result<()> {
    let same = |a: &Path, b: &Path| match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    if same(input, output) {
        bail!(
            "{}: the result would overwrite the input workbook; choose another -o",
            output.display()
        );
    }
    let scratch = Scratch::new(keep)?;
    progress("reading the workbook");
    let (study, read) = study_of(input, &scratch)?;
    let risk_sharing = match &read.risk_sharing {
        Some(sheet) => Some(risk_sharing(input, sheet, progress)?),
        None => None,
    };
    let mut results = results(&study, &read, progress)?;
    results.risk_sharing = risk_sharing;
    progress("writing the result workbook");
    voltlex_excel::study::write_study(&results, output)?;
    Ok(())
}

fn scenario_result(label: &str, result: &DesignResult) -> ScenarioResult {
    let c = &result.comparison;
    ScenarioResult {
        label: label.to_string(),
        design: result.design.describe(),
        years: result.years.clone(),
        savings_npv: Some(c.savings_npv),
        simple_payback_years: c.simple_payback_years,
        discounted_payback_years: c.discounted_payback_years,
        irr: c.irr,
        roi: c.roi,
        crossover_year: c.crossover_year,
        co2_saved_tonnes: c.co2_saved_tonnes,
        subsidies: result.subsidies.clone(),
    }
}

/// Everything the result workbook shows.
fn results(
    study: &TcoStudy,
    read: &StudyInput,
    progress: &mut dyn FnMut(&str),
) -> anyhow::Result<StudyResults> {
    let report = tco_report::run(study, progress)?;
    let baseline = ScenarioResult {
        label: "Combustion today".into(),
        design: format!("{} combustion vehicles", study.fleet_size_today()),
        years: report.baseline.clone(),
        savings_npv: None,
        simple_payback_years: None,
        discounted_payback_years: None,
        irr: None,
        roi: None,
        crossover_year: None,
        co2_saved_tonnes: 0.0,
        subsidies: Vec::new(),
    };
    let scenarios: Vec<ScenarioResult> = report
        .scenarios
        .iter()
        .map(|(label, result)| scenario_result(label, result))
        .collect();
    // Recommended: the scenario with the best NPV of the saving.
    let recommended = report
        .scenarios
        .iter()
        .enumerate()
        .max_by(|(_, a), (_, b)| {
            a.1.comparison
                .savings_npv
                .total_cmp(&b.1.comparison.savings_npv)
        })
        .map_or(0, |(index, _)| index);

    let find = |prefix: &str| {
        report
            .scenarios
            .iter()
            .find(|(label, _)| label.starts_with(prefix))
            .map(|(_, result)| result)
    };
    let uncontrolled = find("EV, uncontrolled");
    let optimised = find("EV, optimised charging");
    let v2g = find("EV, optimised + V2B");

    let mut bills = vec![(
        "Site without fleet".to_string(),
        study.baseline_bills().clone(),
    )];
    for (label, result) in &report.scenarios {
        if let Some(run) = &result.energy.bills {
            bills.push((label.clone(), run.clone()));
        }
    }

    let energy_days = energy_days(uncontrolled, optimised, v2g);
    let schedule = optimised.and_then(|result| {
        let day = typical_day(&result.energy.days)?;
        let profile = result.energy.days.get(day)?;
        Some(ScheduleSheet {
            slot_minutes: profile.slot_minutes,
            slot_starts: (0..profile.base_kw.len())
                .map(|slot| {
                    profile.start
                        + chrono::Duration::minutes(i64::from(profile.slot_minutes) * slot as i64)
                })
                .collect(),
            vehicles: profile.vehicles_kw.clone(),
        })
    });

    progress("goal seek");
    let goal_seek = match study.goal_seek_section() {
        Some(_) => match GoalSeek::of(study, &TargetOverrides::default()) {
            Ok(seek) => Some(goal_seek_sheet(&seek, &seek.run(false, &|_| {})?)),
            Err(_) => None,
        },
        None => None,
    };

    progress("what-if grid");
    let what_if = Some(what_if(study)?);
    let checklists = checklists(study, &report, uncontrolled, optimised, v2g);
    Ok(StudyResults {
        title: report.name.clone(),
        currency: report.currency.clone(),
        horizon_years: report.horizon_years,
        simulation: match report.simulation {
            crate::tco_scenario::Simulation::RepresentativeDays => {
                "one dispatched day per month".into()
            }
            crate::tco_scenario::Simulation::EveryDay => "every operating day dispatched".into(),
        },
        defaults_used: read.defaults_used.clone(),
        baseline,
        scenarios,
        recommended,
        energy_days,
        bills,
        v2g: match (optimised, v2g) {
            (Some(optimised), Some(v2g)) => v2g_sheet(study, optimised, v2g)?,
            _ => None,
        },
        schedule,
        goal_seek,
        what_if,
        risk_sharing: None,
        checklists,
    })
}

/// The RiskSharing sheet's deal settled over its V2G study ([`crate::risk_share::run`]), as
/// the result's Risk sharing sheet. Paths are relative to the input workbook's folder; an
/// error names the cell that gave the file.
fn risk_sharing(
    input: &Path,
    sheet: &RiskSharingInput,
    progress: &mut dyn FnMut(&str),
) -> anyhow::Result<RiskSharingSheet> {
    let folder = input
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let contract = folder.join(&sheet.contract);
    let study = folder.join(&sheet.study);
    progress("risk sharing: reading the deal");
    let deal = crate::risk_share::read_deal(&contract, sheet.deal.as_deref()).map_err(|e| {
        anyhow!(
            "{}: {} (contract rules {}): {e}",
            input.display(),
            sheet.contract_cell,
            sheet.contract
        )
    })?;
    let options = crate::risk_share::RiskShareOptions {
        name: sheet.deal.clone(),
        scenarios: sheet.scenarios,
        seed: sheet.seed,
        months: sheet.months,
    };
    let report = crate::risk_share::run(&deal, &study, &options, progress).map_err(|e| {
        anyhow!(
            "{}: {} (V2G study {}, settling {:?}): {e:#}",
            input.display(),
            sheet.study_cell,
            sheet.study,
            deal.name
        )
    })?;
    Ok(risk_sharing_sheet(&report))
}

/// `voltlex risk-share`'s report as the Risk sharing sheet's plain data.
fn risk_sharing_sheet(report: &crate::risk_share::RiskShareReport) -> RiskSharingSheet {
    let outcome = &report.outcome;
    let cur = &outcome.currency;
    let fairness = report.fairness.as_ref().map(|view| RiskFairness {
        parameters: view
            .parameters
            .iter()
            .zip(&view.grids)
            .zip(&view.shares)
            .map(|((name, grid), share)| FreeParameter {
                name: name.clone(),
                share: *share,
                grid: grid.clone(),
            })
            .collect(),
        parties: view.parties.clone(),
        confidence: view.confidence,
        limits: view.limits.clone(),
        feasible: view.feasible.iter().map(|p| p.values.clone()).collect(),
        evaluated: view.evaluated,
        bisected: view.bisected,
        best: view.best.as_ref().map(|best| FairestPoint {
            values: best.values.clone(),
            expected: best.expected.clone(),
        }),
    });
    RiskSharingSheet {
        deal: outcome.deal.clone(),
        study: report.scenario.clone(),
        currency: cur.clone(),
        basis: format!(
            "{} month(s) from {}, {} price scenarios ({}, seed {}); wear: {}",
            outcome.months,
            report.first_month,
            outcome.scenarios,
            report.price_model,
            report.seed,
            report.wear_model
        ),
        fleet: format!(
            "{} enrolled vehicles, {:.1} kWh packs, battery replacement {} {cur}/kWh",
            report.vehicles,
            report.battery_kwh,
            crate::v2g_report::money(report.replacement_cost_per_kwh)
        ),
        terms: report.terms.clone(),
        system_per_year: RiskSystemYear {
            margin: report.system_per_year.margin,
            wear: report.system_per_year.wear,
            net: report.system_per_year.net,
            discharged_kwh: report.system_per_year.discharged_kwh,
        },
        confidence: outcome.confidence,
        parties: outcome
            .parties
            .iter()
            .map(|p| RiskParty {
                party: p.party.clone(),
                expected: p.expected,
                status_quo_expected: p.status_quo_expected,
                value_at_risk: p.value_at_risk,
                status_quo_value_at_risk: p.status_quo_value_at_risk,
                conditional_value_at_risk: p.conditional_value_at_risk,
                probability_of_loss: p.probability_of_loss,
                status_quo_probability_of_loss: p.status_quo_probability_of_loss,
                monthly_paid: p.monthly_expected_paid.clone(),
            })
            .collect(),
        conservation_error: outcome.conservation_error,
        months: report.paid_month_labels(),
        fairness,
    }
}

/// Market-price scenarios behind the V2G sheet's risk figures.
pub const RISK_SCENARIOS: usize = 1000;
/// Their seed (written on the sheet; same seed, same numbers).
pub const RISK_SEED: u64 = 2024;

/// The V2G sheet: a year's waterfall from gross to net, and the year's net under
/// [`RISK_SCENARIOS`] market-price scenarios (VaR/CVaR at 95 % and a histogram). The net is
/// the V2G scenario's bill saving against optimised charging, plus the market net, minus the
/// extra battery wear; each price scenario moves it by the change of the behind-the-meter
/// discharge value ([`TcoStudy::v2g_price_risk`], seed [`RISK_SEED`]).
fn v2g_sheet(
    study: &TcoStudy,
    optimised: &DesignResult,
    v2g: &DesignResult,
) -> anyhow::Result<Option<V2gSheet>> {
    let (Some(with), Some(without)) = (&v2g.energy.bills, &optimised.energy.bills) else {
        return Ok(None);
    };
    let money = |d: rust_decimal::Decimal| d.to_string().parse::<f64>().unwrap_or(0.0);
    let monthly_saving: Vec<f64> = without
        .months
        .iter()
        .filter_map(|month| {
            with.months
                .iter()
                .find(|m| m.month == month.month)
                .map(|m| money(month.total) - money(m.total))
        })
        .collect();
    let bill_saving: f64 = monthly_saving.iter().sum();
    let market_net = -v2g.years.get(1).map_or(0.0, |y| y.market_revenue);
    let spot_sales = v2g.energy.export_revenue;
    let share_and_fees = market_net - spot_sales;
    let horizon = f64::from(study.horizon_years().max(1));
    let replacements =
        |r: &DesignResult| r.years.iter().map(|y| y.battery_replacement).sum::<f64>();
    let extra_wear = (replacements(v2g) - replacements(optimised)) / horizon;
    let gross = bill_saving + spot_sales;
    let net = gross + share_and_fees - extra_wear;
    let risk = study.v2g_price_risk(&v2g.design, RISK_SCENARIOS, RISK_SEED)?;
    let yearly_net: Vec<f64> = risk.changes.iter().map(|change| net + change).collect();
    let confidence = 0.95;
    let report = voltlex_engine::risk::RiskReport::of(&yearly_net, confidence)
        .map_err(|e| anyhow!("the V2G sheet's price scenarios: {e}"))?;
    let histogram = voltlex_engine::risk::Histogram::of(&yearly_net, 12)
        .map_err(|e| anyhow!("the V2G sheet's histogram: {e}"))?;
    Ok(Some(V2gSheet {
        waterfall: vec![
            ("Gross: bill saving (V2B) + spot sales".into(), gross),
            ("Aggregator share and fees".into(), share_and_fees),
            ("Extra battery wear (a year)".into(), -extra_wear),
            ("Net a year".into(), net),
        ],
        risk_measure: format!(
            "the year's V2G net under {} market-price scenarios ({}, seed {}; {})",
            risk.changes.len(),
            risk.model,
            risk.seed,
            study.currency()
        ),
        confidence,
        value_at_risk: report.value_at_risk,
        conditional_value_at_risk: report.conditional_value_at_risk,
        histogram: histogram
            .edges
            .windows(2)
            .zip(&histogram.counts)
            .filter_map(|(edges, count)| match edges {
                [from, to] => Some(HistogramBin {
                    from: *from,
                    to: *to,
                    count: *count as u64,
                }),
                _ => None,
            })
            .collect(),
    }))
}

/// The simulated day whose base load energy is the median of the days.
fn typical_day(days: &[DayProfileData]) -> Option<usize> {
    let mut energy: Vec<(usize, f64)> = days
        .iter()
        .enumerate()
        .map(|(index, day)| (index, day.base_kw.iter().sum()))
        .collect();
    energy.sort_by(|a, b| a.1.total_cmp(&b.1));
    energy.get(energy.len() / 2).map(|(index, _)| *index)
}

/// The simulated day with the highest site import under uncontrolled charging.
fn peak_day(days: &[DayProfileData]) -> Option<usize> {
    days.iter()
        .enumerate()
        .map(|(index, day)| (index, day.import_kw().into_iter().fold(0.0, f64::max)))
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(index, _)| index)
}

fn energy_days(
    uncontrolled: Option<&DesignResult>,
    optimised: Option<&DesignResult>,
    v2g: Option<&DesignResult>,
) -> Vec<DayProfile> {
    let Some(reference) = uncontrolled.or(optimised) else {
        return Vec::new();
    };
    let days = &reference.energy.days;
    let contract_of = |result: &DesignResult, profile: &DayProfileData| {
        let month = voltlex_engine::month::YearMonth::of(profile.start.date());
        result
            .energy
            .bills
            .as_ref()
            .and_then(|run| run.months.iter().find(|m| m.month == month))
            .map_or(0.0, |m| m.contract_kw)
    };
    let mut out = Vec::new();
    for (label, index) in [
        ("Typical day", typical_day(days)),
        ("Peak day", peak_day(days)),
    ] {
        let Some(index) = index else { continue };
        let Some(profile) = days.get(index) else {
            continue;
        };
        let mut series = vec![("Base load".to_string(), profile.base_kw.clone())];
        if profile.pv_kw.iter().any(|kw| *kw > 0.0) {
            series.push(("PV".to_string(), profile.pv_kw.clone()));
        }
        fn day_of(result: Option<&DesignResult>, index: usize) -> Option<&DayProfileData> {
            result.and_then(|r| r.energy.days.get(index))
        }
        if let Some(day) = day_of(uncontrolled, index) {
            series.push(("Uncontrolled charging".into(), day.charge_kw.clone()));
        }
        if let Some(day) = day_of(optimised, index) {
            series.push(("Optimised charging".into(), day.charge_kw.clone()));
            series.push(("Site import, optimised".into(), day.import_kw()));
        }
        if let Some(day) = day_of(v2g, index) {
            series.push(("V2G/V2B discharge".into(), day.discharge_kw.clone()));
        }
        out.push(DayProfile {
            label: format!("{label} ({})", profile.start.format("%Y-%m-%d")),
            start: profile.start,
            slot_minutes: profile.slot_minutes,
            contract_kw: contract_of(optimised.unwrap_or(reference), profile),
            series,
        });
    }
    out
}

fn goal_seek_sheet(
    seek: &GoalSeek<'_>,
    outcome: &voltlex_engine::goalseek::SeekOutcome,
) -> GoalSeekSheet {
    let row = |rank: u32, found: &voltlex_engine::goalseek::Found| {
        let e = &found.evaluation;
        GoalSeekRow {
            rank,
            design: seek.design(&found.candidate).describe(),
            investment: e.cost,
            simple_payback_years: e.payback_years,
            crossover_year: e.crossover_year,
            savings_npv: Some(e.npv),
            co2_saved_tonnes: e.co2_saved_tonnes,
        }
    };
    let mut rows = Vec::new();
    if let Some(best) = &outcome.best {
        rows.push(row(1, best));
    }
    for (rank, found) in outcome.runner_ups.iter().enumerate() {
        rows.push(row(rank as u32 + 2, found));
    }
    GoalSeekSheet {
        targets: seek
            .targets
            .iter()
            .map(|t| t.to_string())
            .collect::<Vec<_>>()
            .join("; "),
        rows,
        binding: outcome
            .binding
            .iter()
            .map(|slack| slack.to_string())
            .collect::<Vec<_>>()
            .join("; "),
        closest: outcome.closest.as_ref().map(|(found, shortfalls)| {
            format!(
                "{}: {}",
                seek.design(&found.candidate).describe(),
                shortfalls
                    .iter()
                    .map(|s| s.to_string())
                    .collect::<Vec<_>>()
                    .join("; ")
            )
        }),
    }
}

/// NPV of the saving by EV count × electricity price outlook × subsidies on/off (optimised
/// charging; the simulated years are shared, only the money changes).
fn what_if(study: &TcoStudy) -> anyhow::Result<WhatIf> {
    let size = study.fleet_size_today().max(1);
    let counts: BTreeSet<u32> = [size / 4, size / 2, 3 * size / 4, size]
        .into_iter()
        .map(|n| n.max(1))
        .collect();
    let factors = [
        (0.8, "electricity −20 %"),
        (1.0, "as billed"),
        (1.2, "electricity +20 %"),
    ];
    let pages = [(true, "subsidies on"), (false, "subsidies off")];
    let mut values = Vec::new();
    for (subsidies, _) in pages {
        let mut page = Vec::new();
        for &count in &counts {
            let mut design = study.design(Charging::Optimal, false);
            design.electric = count;
            design.chargers = count;
            let mut row = Vec::new();
            for (factor, _) in factors {
                let outlook = Outlook {
                    electricity_price_factor: factor,
                    fuel_price_factor: 1.0,
                    subsidies,
                };
                row.push(
                    study
                        .evaluate_with(&design, &outlook)?
                        .comparison
                        .savings_npv,
                );
            }
            page.push(row);
        }
        values.push(page);
    }
    Ok(WhatIf {
        row_name: "Electric vehicles".into(),
        rows: counts.iter().map(|n| n.to_string()).collect(),
        column_name: "Electricity price outlook".into(),
        columns: factors.iter().map(|(_, label)| label.to_string()).collect(),
        page_name: "Subsidies".into(),
        pages: pages.iter().map(|(_, label)| label.to_string()).collect(),
        measure: format!("NPV of the saving vs today ({})", study.currency()),
        values,
    })
}

/// The two checklists (`voltlex_excel::study`'s lists), answered from what the study knows.
fn checklists(
    study: &TcoStudy,
    report: &tco_report::TcoReport,
    uncontrolled: Option<&DesignResult>,
    optimised: Option<&DesignResult>,
    v2g: Option<&DesignResult>,
) -> Vec<Checklist> {
    let vehicle = study.vehicle_model();
    let design = study.design(Charging::Optimal, false);
    let charger = study.charger(&design.charger).ok();
    let peak = |result: Option<&DesignResult>| {
        result
            .and_then(|r| r.energy.bills.as_ref())
            .map(|run| run.months.iter().map(|m| m.peak_kw).fold(0.0, f64::max))
    };
    let contract_kw = optimised
        .and_then(|r| r.energy.bills.as_ref())
        .map(|run| run.months.iter().map(|m| m.contract_kw).fold(0.0, f64::max));
    let best = report.scenarios.iter().max_by(|a, b| {
        a.1.comparison
            .savings_npv
            .total_cmp(&b.1.comparison.savings_npv)
    });
    let subsidies = best.map(|(_, r)| {
        let total: f64 = r.subsidies.iter().map(|(_, amount)| amount).sum();
        (
            r.subsidies.len(),
            format!("{total:.0} {}", study.currency()),
        )
    });
    let facts = ReadinessFacts {
        ev_count: design.electric,
        charger_count: design.chargers,
        vehicles_can_discharge: Some(vehicle.v2h || vehicle.v2g),
        chargers_can_discharge: charger.map(|c| c.v2g),
        export_approved: Some(vehicle.v2g),
        export_cap_kw: study.export_cap_kw(),
        contract_kw,
        peak_kw_uncontrolled: peak(uncontrolled),
        peak_kw_optimised: peak(v2g.or(optimised)),
        minimum_soc_pct: study.v2g_minimum_soc_pct(),
        aggregator_terms: Some(study.export_cap_kw().is_some()),
        km_per_day: Some(study.km_per_day()),
        subsidies,
        payback_years: best.and_then(|(_, r)| r.comparison.simple_payback_years),
    };
    vec![
        v2g_interconnection_checklist(&facts),
        ev_ready_checklist(&facts),
    ]
}

#[cfg(test)]
mod tests {
    use super::relative_to;
    use std::path::Path;

    #[test]
    fn relative_paths_climb_and_descend() {
        assert_eq!(
            relative_to(Path::new("/a/b/c"), Path::new("/a/d")),
            "../b/c"
        );
        assert_eq!(relative_to(Path::new("/a/b"), Path::new("/a/b")), "");
        assert_eq!(relative_to(Path::new("/a/b/c"), Path::new("/a")), "b/c");
    }
}
