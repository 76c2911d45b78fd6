//! OpenEI Utility Rate Database (URDB) rates → a `.vlx` package with a golden test.
//!
//! What is imported (field names as in the URDB API):
//! - `energyratestructure` (periods × tiers of `rate` + `adj`, unit `kWh`) with
//!   `energyweekdayschedule` / `energyweekendschedule` (12 months × 24 hours of period
//!   indices): months with the same pair of schedules become one season, each period the
//!   hours it holds on weekdays and weekends of that season; tiers (cumulative `max`, kWh per
//!   month) only when a single period is in use (the language's tiers are on the month's kWh);
//! - `flatdemandstructure` / `flatdemandmonths`: one charge per kW of the month's peak when
//!   every month has the same rate; a `demandratestructure` of one period and one tier (a TOU
//!   demand charge that covers every hour) adds to it; `demandwindow` is the demand interval;
//! - `fixedchargefirstmeter` in `$/month`, `mincharge` in `$/month`;
//! - `lookbackPercent` = 1 (100 %) with `lookbackRange` R months: the ratchet
//!   `max demand over R + 1 months` (this month and the R before it).
//!
//! Everything else the language cannot say is refused with the field named (seasonal or TOU
//! demand charges, demand tiers, partial ratchets, per-day units, coincident demand, sell
//! rates, …), never dropped. The golden test bills one month of a made-up load (10 kW flat
//! with a 25 kW hour) whose expected total is computed here straight from the URDB figures,
//! not from the generated rules, so `voltlex test` proves the translation.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime};
use rust_decimal::Decimal;
use serde_json::Value;

use crate::PackageError;

/// A package made from a URDB rate: file names relative to the package folder and their
/// text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedPackage {
    /// The package's name.
    pub name: String,
    /// The files, relative path → text.
    pub files: BTreeMap<String, String>,
}

impl ImportedPackage {
    /// Writes the files into `dir`, which must not exist or be empty.
    pub fn write(&self, dir: &Path) -> Result<(), PackageError> {
        if dir.exists()
            && std::fs::read_dir(dir)
                .map_err(|e| PackageError::io(dir, e))?
                .next()
                .is_some()
        {
            return Err(PackageError::Other(format!(
                "{} is not empty: import into a new or empty folder",
                dir.display()
            )));
        }
        for (name, text) in &self.files {
            let path = dir.join(name);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).map_err(|e| PackageError::io(parent, e))?;
            }
            std::fs::write(&path, text).map_err(|e| PackageError::io(&path, e))?;
        }
        Ok(())
    }
}

fn refuse(field: &str, why: impl std::fmt::Display) -> PackageError {
    PackageError::Other(format!("URDB field `{field}`: {why}"))
}

/// Fields whose meaning the language has no way to state: present and not empty, they stop
/// the import.
const INEXPRESSIBLE: [(&str, &str); 6] = [
    ("coincidentratestructure", "coincident-peak demand charges"),
    ("coincidentrateschedule", "coincident-peak demand charges"),
    ("demandreactivepowercharge", "a reactive power charge"),
    ("fueladjustmentsmonthly", "monthly fuel adjustments (a voltlex `adjustment` reads an index series instead: add one by hand)"),
    ("energyattrs", "free-form energy attributes"),
    ("demandattrs", "free-form demand attributes"),
];

fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        Value::String(s) => s.is_empty(),
        Value::Number(n) => n.as_f64() == Some(0.0),
        Value::Bool(b) => !b,
    }
}

fn decimal(value: &Value, field: &str) -> Result<Decimal, PackageError> {
    match value {
        Value::Number(n) => n
            .to_string()
            .parse::<Decimal>()
            .or_else(|_| Decimal::try_from(n.as_f64().unwrap_or(f64::NAN)))
            .map_err(|_| refuse(field, format!("{n} is not a usable number"))),
        Value::String(s) => s
            .parse::<Decimal>()
            .map_err(|_| refuse(field, format!("`{s}` is not a number"))),
        Value::Null => Ok(Decimal::ZERO),
        other => Err(refuse(field, format!("expected a number, found {other}"))),
    }
}

/// One tier of a rate structure.
#[derive(Debug, Clone, PartialEq)]
struct UrdbTier {
    /// Upper bound (cumulative), if any.
    max: Option<Decimal>,
    /// `rate + adj`.
    price: Decimal,
}

fn structure(
    rate: &Value,
    field: &str,
    unit_allowed: &str,
) -> Result<Vec<Vec<UrdbTier>>, PackageError> {
    let Some(periods) = rate.get(field) else {
        return Ok(Vec::new());
    };
    let Some(periods) = periods.as_array() else {
        return Err(refuse(field, "expected an array of periods"));
    };
    let mut out = Vec::new();
    for (p, period) in periods.iter().enumerate() {
        let Some(tiers) = period.as_array() else {
            return Err(refuse(
                &format!("{field}[{p}]"),
                "expected an array of tiers",
            ));
        };
        let mut list = Vec::new();
        for (t, tier) in tiers.iter().enumerate() {
            let at = format!("{field}[{p}][{t}]");
            if let Some(unit) = tier.get("unit").and_then(Value::as_str) {
                if unit != unit_allowed {
                    return Err(refuse(
                        &format!("{at}.unit"),
                        format!("unit `{unit}` cannot be expressed: only `{unit_allowed}` (per month) is imported"),
                    ));
                }
            }
            if tier.get("sell").is_some_and(|v| !is_empty(v)) {
                return Err(refuse(
                    &format!("{at}.sell"),
                    "sell (export) rates cannot be expressed in a tariff",
                ));
            }
            let rate = decimal(
                tier.get("rate").unwrap_or(&Value::Null),
                &format!("{at}.rate"),
            )?;
            let adj = decimal(
                tier.get("adj").unwrap_or(&Value::Null),
                &format!("{at}.adj"),
            )?;
            let max = match tier.get("max") {
                None | Some(Value::Null) => None,
                Some(v) => Some(decimal(v, &format!("{at}.max"))?),
            };
            list.push(UrdbTier {
                max,
                price: rate + adj,
            });
        }
        if list.is_empty() {
            return Err(refuse(&format!("{field}[{p}]"), "a period without tiers"));
        }
        out.push(list);
    }
    Ok(out)
}

/// A 12 × 24 schedule of period indices.
fn schedule(rate: &Value, field: &str, periods: usize) -> Result<[[usize; 24]; 12], PackageError> {
    let rows = rate.get(field).and_then(Value::as_array).ok_or_else(|| {
        refuse(
            field,
            "missing: expected 12 rows (months) of 24 period indices (hours)",
        )
    })?;
    if rows.len() != 12 {
        return Err(refuse(
            field,
            format!("expected 12 rows (months), found {}", rows.len()),
        ));
    }
    let mut out = [[0usize; 24]; 12];
    for (m, (row, slot)) in rows.iter().zip(out.iter_mut()).enumerate() {
        let hours = row.as_array().filter(|h| h.len() == 24).ok_or_else(|| {
            refuse(
                &format!("{field}[{m}]"),
                "expected 24 period indices (hours)",
            )
        })?;
        for (h, (value, cell)) in hours.iter().zip(slot.iter_mut()).enumerate() {
            let index = value
                .as_u64()
                .and_then(|v| usize::try_from(v).ok())
                .filter(|&v| v < periods);
            *cell = index.ok_or_else(|| {
                refuse(
                    &format!("{field}[{m}][{h}]"),
                    format!("{value} is not a period of energyratestructure (0..{periods})"),
                )
            })?;
        }
    }
    Ok(out)
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Runs of consecutive values as (first, last) pairs.
fn runs(values: &[usize]) -> Vec<(usize, usize)> {
    let mut out: Vec<(usize, usize)> = Vec::new();
    for &v in values {
        match out.last_mut() {
            Some((_, last)) if *last + 1 == v => *last = v,
            _ => out.push((v, v)),
        }
    }
    out
}

fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}

fn date_of(rate: &Value, field: &str) -> Result<Option<NaiveDate>, PackageError> {
    match rate.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => {
            let seconds = v
                .as_i64()
                .ok_or_else(|| refuse(field, "expected seconds since 1970 (UTC)"))?;
            chrono::DateTime::from_timestamp(seconds, 0)
                .map(|t| Some(t.date_naive()))
                .ok_or_else(|| refuse(field, "a timestamp out of range"))
        }
    }
}

/// The translated rate: everything the golden test's independent bill needs.
struct Plan {
    energy: Vec<Vec<UrdbTier>>,
    weekday: [[usize; 24]; 12],
    weekend: [[usize; 24]; 12],
    demand_charge: Option<Decimal>,
    demand_minutes: u32,
    ratchet_months: Option<u32>,
    fixed: Option<Decimal>,
    minimum: Option<Decimal>,
}

/// Reads a URDB rate (a rate object, or `{"items": [rate]}` as the API answers) and writes
/// the package. `source` names the file in messages and in `sources`.
pub fn import(json: &str, source: &str) -> Result<ImportedPackage, PackageError> {
    let root: Value = serde_json::from_str(json).map_err(|e| {
        PackageError::Other(format!(
            "not JSON at line {}, column {}: {e}",
            e.line(),
            e.column()
        ))
    })?;
    let rate = match root.get("items").and_then(Value::as_array) {
        Some(items) if items.len() == 1 => items.first().unwrap_or(&Value::Null),
        Some(items) => {
            return Err(refuse(
                "items",
                format!("{} rates: give a file with exactly one", items.len()),
            ))
        }
        None => &root,
    };
    if !rate.is_object() {
        return Err(PackageError::Other("expected a URDB rate object".into()));
    }
    for (field, what) in INEXPRESSIBLE {
        if rate.get(field).is_some_and(|v| !is_empty(v)) {
            return Err(refuse(
                field,
                format!("{what} cannot be expressed in the .vlx language"),
            ));
        }
    }
    let plan = plan_of(rate)?;
    let name = rate
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or("URDB rate")
        .replace('"', "'");
    let utility = rate
        .get("utility")
        .and_then(Value::as_str)
        .unwrap_or("unknown utility");
    let label = rate.get("label").and_then(Value::as_str).unwrap_or("");
    let valid_from = date_of(rate, "startdate")?.ok_or_else(|| {
        refuse(
            "startdate",
            "missing: a package needs the first day its figures apply",
        )
    })?;
    let valid_until = match date_of(rate, "enddate")? {
        Some(end) => end,
        None => valid_from
            .with_year(valid_from.year() + 10)
            .unwrap_or(valid_from + Duration::days(3652)),
    };
    if valid_until <= valid_from {
        return Err(refuse(
            "enddate",
            format!("{valid_until} is not after startdate {valid_from}"),
        ));
    }
    let package_name = if label.is_empty() {
        format!("urdb-{}", slug(&format!("{utility} {name}")))
    } else {
        format!("urdb-{}", slug(label))
    };
    let rules = rules_text(&name, &plan, label, utility);
    let mut files = BTreeMap::new();
    let uri = rate.get("uri").and_then(Value::as_str).unwrap_or("");
    files.insert(
        "package.toml".to_string(),
        format!(
            "[package]\nname = \"{package_name}\"\nversion = \"1.0.0\"\npublisher = {}\ndescription = {}\nvalid_from = \"{valid_from}\"\nvalid_until = \"{valid_until}\"\nfiles = [\"rate.vlx\"]\nsources = [{}]\n\n[package.exports]\ntariffs = [{}]\n",
            toml_string(&format!("{utility} (imported from OpenEI URDB by voltlex import urdb)")),
            toml_string(&format!("{name}: imported from the OpenEI Utility Rate Database{}", if label.is_empty() { String::new() } else { format!(", rate {label}") })),
            toml_string(&format!("OpenEI URDB {label} {uri} (file {source})")),
            toml_string(&name),
        ),
    );
    files.insert("rate.vlx".to_string(), rules);
    // The golden month: the first whole month inside the window.
    let first = if valid_from.day() == 1 {
        valid_from
    } else {
        let next = valid_from + Duration::days(32);
        NaiveDate::from_ymd_opt(next.year(), next.month(), 1).unwrap_or(valid_from)
    };
    let (load_csv, total) = golden_month(&plan, first)?;
    let month = format!("{:04}-{:02}", first.year(), first.month());
    files.insert("tests/data/load.csv".to_string(), load_csv);
    files.insert(
        "tests/golden-month.toml".to_string(),
        format!(
            "# Written by `voltlex import urdb`: one month of a made-up load (10 kW flat, 25 kW on the\n# 10th from 17:00 to 18:00). The expected total is computed by the importer straight from\n# the URDB figures (schedules, tiers, demand, fixed and minimum charges), not by billing\n# rate.vlx: the test proves the translation.\ntariff = {}\nload = \"data/load.csv\"\nsupply_start = \"{month}\"\n\n[[month]]\nmonth = \"{month}\"\ntotal = \"{total}\"\n",
            toml_string(&name)
        ),
    );
    Ok(ImportedPackage {
        name: package_name,
        files,
    })
}

fn toml_string(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

fn plan_of(rate: &Value) -> Result<Plan, PackageError> {
    let energy = structure(rate, "energyratestructure", "kWh")?;
    if energy.is_empty() {
        return Err(refuse(
            "energyratestructure",
            "missing or empty: a rate without energy prices is not imported",
        ));
    }
    let weekday = schedule(rate, "energyweekdayschedule", energy.len())?;
    let weekend = schedule(rate, "energyweekendschedule", energy.len())?;
    let used: Vec<usize> = {
        let mut used: Vec<usize> = weekday
            .iter()
            .chain(weekend.iter())
            .flatten()
            .copied()
            .collect();
        used.sort_unstable();
        used.dedup();
        used
    };
    if used.len() > 1 {
        if let Some(p) = used
            .iter()
            .find(|&&p| energy.get(p).is_some_and(|t| t.len() > 1))
        {
            return Err(refuse(
                &format!("energyratestructure[{p}]"),
                "tiers inside a time-of-use period cannot be expressed: the language's tiers apply to the month's total kWh, with one price per tier",
            ));
        }
    }
    // Flat demand: one rate for every month.
    let flat = structure(rate, "flatdemandstructure", "kW")?;
    let mut demand_charge: Option<Decimal> = None;
    if !flat.is_empty() {
        if let Some((p, _)) = flat.iter().enumerate().find(|(_, t)| t.len() > 1) {
            return Err(refuse(
                &format!("flatdemandstructure[{p}]"),
                "demand tiers cannot be expressed",
            ));
        }
        let months: Vec<usize> = match rate.get("flatdemandmonths").and_then(Value::as_array) {
            Some(months) if months.len() == 12 => months
                .iter()
                .enumerate()
                .map(|(m, v)| {
                    v.as_u64()
                        .and_then(|v| usize::try_from(v).ok())
                        .filter(|&v| v < flat.len())
                        .ok_or_else(|| {
                            refuse(
                                &format!("flatdemandmonths[{m}]"),
                                format!("{v} is not a period of flatdemandstructure"),
                            )
                        })
                })
                .collect::<Result<_, _>>()?,
            Some(months) => {
                return Err(refuse(
                    "flatdemandmonths",
                    format!("expected 12 months, found {}", months.len()),
                ))
            }
            None if flat.len() == 1 => vec![0; 12],
            None => {
                return Err(refuse(
                    "flatdemandmonths",
                    "missing: which period applies in which month",
                ))
            }
        };
        let prices: Vec<Decimal> = months
            .iter()
            .filter_map(|&p| flat.get(p).and_then(|t| t.first()).map(|t| t.price))
            .collect();
        let first = prices.first().copied().unwrap_or_default();
        if prices.iter().any(|p| *p != first) {
            return Err(refuse(
                "flatdemandmonths",
                "flat demand charges that differ by month cannot be expressed: the language's demand block has one charge per kW for the whole year",
            ));
        }
        if !first.is_zero() {
            demand_charge = Some(first);
        }
    }
    let tou = structure(rate, "demandratestructure", "kW")?;
    match tou.as_slice() {
        [] => {}
        [only] => match only.as_slice() {
            [tier] => {
                if !tier.price.is_zero() {
                    demand_charge = Some(demand_charge.unwrap_or_default() + tier.price);
                }
            }
            _ => {
                return Err(refuse(
                    "demandratestructure[0]",
                    "demand tiers cannot be expressed",
                ))
            }
        },
        several => {
            if several.iter().flatten().any(|t| !t.price.is_zero()) {
                return Err(refuse(
                    "demandratestructure",
                    format!("time-of-use demand charges ({} periods) cannot be expressed: the language's demand block charges one price on the month's peak", several.len()),
                ));
            }
        }
    }
    let demand_minutes = match rate.get("demandwindow").and_then(Value::as_u64) {
        None => 60,
        Some(w @ (15 | 30 | 60)) => w as u32,
        Some(other) => {
            return Err(refuse(
                "demandwindow",
                format!("{other} minutes: the language settles on 15, 30 or 60"),
            ))
        }
    };
    let percent = decimal(
        rate.get("lookbackPercent").unwrap_or(&Value::Null),
        "lookbackPercent",
    )?;
    let ratchet_months = if percent.is_zero() {
        None
    } else if percent == Decimal::ONE {
        if let Some(months) = rate.get("lookbackMonths").and_then(Value::as_array) {
            if months
                .iter()
                .any(|m| m.as_bool() == Some(false) || m.as_u64() == Some(0))
            {
                return Err(refuse(
                    "lookbackMonths",
                    "a ratchet on some months only cannot be expressed",
                ));
            }
        }
        let range = rate
            .get("lookbackRange")
            .and_then(Value::as_u64)
            .filter(|&r| (1..=36).contains(&r))
            .ok_or_else(|| {
                refuse(
                    "lookbackRange",
                    "expected 1 to 36 months with lookbackPercent",
                )
            })?;
        if demand_charge.is_none() {
            return Err(refuse(
                "lookbackPercent",
                "a ratchet without a demand charge",
            ));
        }
        Some(range as u32 + 1)
    } else {
        return Err(refuse(
            "lookbackPercent",
            format!("{percent}: a ratchet on {} % of the past peak cannot be expressed; the language's ratchet takes the full past peak (1.0)", percent * Decimal::ONE_HUNDRED),
        ));
    };
    let per_month = |value_field: &str,
                     unit_field: &str|
     -> Result<Option<Decimal>, PackageError> {
        let amount = decimal(rate.get(value_field).unwrap_or(&Value::Null), value_field)?;
        if amount.is_zero() {
            return Ok(None);
        }
        match rate.get(unit_field).and_then(Value::as_str) {
            None | Some("$/month") => Ok(Some(amount)),
            Some(unit) => Err(refuse(
                unit_field,
                format!("`{unit}` cannot be expressed: fixed and minimum charges are per month"),
            )),
        }
    };
    Ok(Plan {
        energy,
        weekday,
        weekend,
        demand_charge,
        demand_minutes,
        ratchet_months,
        fixed: per_month("fixedchargefirstmeter", "fixedchargeunits")?,
        minimum: per_month("mincharge", "minchargeunits")?,
    })
}

fn hours_text(hours: &[usize]) -> String {
    if hours.len() == 24 {
        return String::new();
    }
    let ranges: Vec<String> = runs(hours)
        .into_iter()
        .map(|(a, b)| format!("{a:02}:00..{:02}:00", b + 1))
        .collect();
    format!(" {}", ranges.join(", "))
}

fn rules_text(name: &str, plan: &Plan, label: &str, utility: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Imported from the OpenEI Utility Rate Database by `voltlex import urdb`"
    );
    let _ = writeln!(
        out,
        "# ({utility}, rate {label}). Rates are URDB `rate` + `adj`; the calendar has no"
    );
    let _ = writeln!(
        out,
        "# holidays (URDB schedules know weekdays and weekends only).\n"
    );
    let _ = writeln!(out, "tariff \"{name}\" {{");
    let _ = writeln!(out, "  currency USD");
    let _ = writeln!(out, "  calendar weekends-only");
    let _ = writeln!(out, "  interval {} min", plan.demand_minutes);
    // Seasons: months with the same weekday and weekend schedules.
    let mut seasons: Vec<(Vec<usize>, [usize; 24], [usize; 24])> = Vec::new();
    for (m, (wd, we)) in plan.weekday.iter().zip(&plan.weekend).enumerate() {
        match seasons.iter_mut().find(|(_, a, b)| a == wd && b == we) {
            Some((months, _, _)) => months.push(m),
            None => seasons.push((vec![m], *wd, *we)),
        }
    }
    let seasonal = seasons.len() > 1;
    if seasonal {
        for (i, (months, _, _)) in seasons.iter().enumerate() {
            let ranges: Vec<String> = runs(months)
                .into_iter()
                .map(|(a, b)| {
                    let name = |m: usize| MONTHS.get(m).copied().unwrap_or("Jan");
                    format!("{}..{}", name(a), name(b))
                })
                .collect();
            let _ = writeln!(out, "  season s{} = {}", i + 1, ranges.join(", "));
        }
    }
    let mut used: Vec<usize> = plan
        .weekday
        .iter()
        .chain(&plan.weekend)
        .flatten()
        .copied()
        .collect();
    used.sort_unstable();
    used.dedup();
    let price = |p: usize, t: usize| {
        plan.energy
            .get(p)
            .and_then(|tiers| tiers.get(t))
            .map_or(Decimal::ZERO, |t| t.price.normalize())
    };
    if let [only] = used.as_slice() {
        let tiers = plan.energy.get(*only).map_or(&[][..], Vec::as_slice);
        if tiers.len() > 1 {
            let _ = writeln!(out, "  energy tiers {{");
            for (t, tier) in tiers.iter().enumerate() {
                match tier.max.filter(|_| t + 1 < tiers.len()) {
                    Some(max) => {
                        let _ = writeln!(
                            out,
                            "    up to {} kWh at {} USD/kWh",
                            max.normalize(),
                            price(*only, t)
                        );
                    }
                    None => {
                        let _ = writeln!(out, "    rest at {} USD/kWh", price(*only, t));
                    }
                }
            }
            let _ = writeln!(out, "  }}");
        } else {
            let _ = writeln!(out, "  energy {} USD/kWh", price(*only, 0));
        }
    } else {
        // The period of weekend midnight in the first season takes `otherwise`: it then also
        // covers holidays on weekdays, which the checker's coverage proof asks about but a
        // `weekends-only` calendar never has.
        let rest = plan
            .weekend
            .first()
            .and_then(|r| r.first())
            .copied()
            .unwrap_or(0);
        let _ = writeln!(out, "  periods {{");
        for &p in &used {
            if p == rest {
                let _ = writeln!(out, "    p{p} = otherwise");
                continue;
            }
            let mut clauses = Vec::new();
            for (i, (_, wd, we)) in seasons.iter().enumerate() {
                let suffix = if seasonal {
                    format!(" in s{}", i + 1)
                } else {
                    String::new()
                };
                for (days, row) in [("weekdays", wd), ("weekends", we)] {
                    let hours: Vec<usize> = (0..24).filter(|&h| row.get(h) == Some(&p)).collect();
                    if !hours.is_empty() {
                        clauses.push(format!("{days}{}{suffix}", hours_text(&hours)));
                    }
                }
            }
            let _ = writeln!(out, "    p{p} = {}", clauses.join(" or "));
        }
        let _ = writeln!(out, "  }}");
        let _ = writeln!(out, "  energy {{");
        for &p in &used {
            let _ = writeln!(out, "    p{p} {} USD/kWh", price(p, 0));
        }
        let _ = writeln!(out, "  }}");
    }
    if let Some(charge) = plan.demand_charge {
        let _ = writeln!(out, "  demand {{");
        let _ = writeln!(out, "    interval {} min", plan.demand_minutes);
        match plan.ratchet_months {
            Some(months) => {
                let _ = writeln!(out, "    contract = max demand over {months} months");
            }
            None => {
                let _ = writeln!(out, "    contract = monthly peak");
            }
        }
        let _ = writeln!(out, "    charge {} USD/kW per month", charge.normalize());
        let _ = writeln!(out, "  }}");
    }
    if let Some(fixed) = plan.fixed {
        let _ = writeln!(out, "  fixed customer {} USD per month", fixed.normalize());
    }
    if let Some(minimum) = plan.minimum {
        let _ = writeln!(out, "  minimum {} USD per month", minimum.normalize());
    }
    let _ = writeln!(out, "  round total nearest to 0.01 USD");
    let _ = writeln!(out, "}}");
    out
}

/// The golden month's load CSV and its expected total, computed from the URDB plan directly:
/// hour by hour through the schedules, tiers on the month's kWh, the peak times the demand
/// charge, fixed and minimum charges, the total rounded to the cent.
fn golden_month(plan: &Plan, first: NaiveDate) -> Result<(String, Decimal), PackageError> {
    let minutes = plan.demand_minutes;
    let next = NaiveDate::from_ymd_opt(
        if first.month() == 12 {
            first.year() + 1
        } else {
            first.year()
        },
        if first.month() == 12 {
            1
        } else {
            first.month() + 1
        },
        1,
    )
    .ok_or_else(|| PackageError::Other("the golden month is out of range".into()))?;
    let start: NaiveDateTime = first.and_hms_opt(0, 0, 0).unwrap_or_default();
    let end: NaiveDateTime = next.and_hms_opt(0, 0, 0).unwrap_or_default();
    let mut csv = String::from("timestamp,kw\n");
    let mut kwh_by_period: BTreeMap<usize, Decimal> = BTreeMap::new();
    let mut peak = Decimal::ZERO;
    let step = Duration::minutes(i64::from(minutes));
    let hours_per_interval = Decimal::from(minutes) / Decimal::from(60);
    let mut at = start;
    while at < end {
        let spike = at.day() == 10 && at.format("%H").to_string() == "17";
        let kw = if spike {
            Decimal::from(25)
        } else {
            Decimal::from(10)
        };
        let _ = writeln!(csv, "{},{kw}", at.format("%Y-%m-%d %H:%M"));
        let month = at.month0() as usize;
        let hour = at.format("%H").to_string().parse::<usize>().unwrap_or(0);
        let weekend = matches!(at.weekday(), chrono::Weekday::Sat | chrono::Weekday::Sun);
        let rows = if weekend {
            &plan.weekend
        } else {
            &plan.weekday
        };
        let period = rows
            .get(month)
            .and_then(|r| r.get(hour))
            .copied()
            .unwrap_or(0);
        *kwh_by_period.entry(period).or_default() += kw * hours_per_interval;
        peak = peak.max(kw);
        at += step;
    }
    let mut total = Decimal::ZERO;
    for (period, kwh) in &kwh_by_period {
        let tiers = plan.energy.get(*period).map_or(&[][..], Vec::as_slice);
        let mut below = Decimal::ZERO;
        for (t, tier) in tiers.iter().enumerate() {
            let last = t + 1 == tiers.len();
            let upper = if last { None } else { tier.max };
            let in_tier = match upper {
                Some(max) => ((*kwh).min(max) - below).max(Decimal::ZERO),
                None => (*kwh - below).max(Decimal::ZERO),
            };
            total += in_tier * tier.price;
            if let Some(max) = upper {
                below = below.max(max);
            }
        }
    }
    if let Some(charge) = plan.demand_charge {
        total += peak * charge;
    }
    if let Some(fixed) = plan.fixed {
        total += fixed;
    }
    if let Some(minimum) = plan.minimum {
        total = total.max(minimum);
    }
    let total =
        total.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
    Ok((csv, total.normalize()))
}
