//! A bill request: which rules, which tariff, which files — read, compiled and billed.
//!
//! Shared by `voltlex bill` and `voltlex test` so a golden test bills exactly as a user does.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rust_decimal::Decimal;
use voltlex_dsl::rules::Tariff;
use voltlex_dsl::Compilation;
use voltlex_engine::billing::{bill, BillRun};
use voltlex_engine::inputs::{BillingInputs, PowerFactorInput};
use voltlex_engine::month::YearMonth;
use voltlex_engine::read;

/// Where the power factor comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum PowerFactorSource {
    /// One percentage for every month.
    Flat(Decimal),
    /// A `month,power_factor` CSV.
    File(PathBuf),
}

impl PowerFactorSource {
    /// `98` (a percentage) or a path to a CSV.
    pub fn parse(text: &str) -> Self {
        match text.trim().trim_end_matches('%').parse::<Decimal>() {
            Ok(value) => PowerFactorSource::Flat(value),
            Err(_) => PowerFactorSource::File(PathBuf::from(text)),
        }
    }
}

/// Everything `voltlex bill` is asked for.
#[derive(Debug, Clone, Default)]
pub struct BillRequest {
    /// A `.vlx` file or a package folder.
    pub rules: PathBuf,
    /// The tariff's name; may be omitted when the rules hold one tariff.
    pub tariff: Option<String>,
    /// Interval load CSV.
    pub load: PathBuf,
    /// Prior months' peaks CSV.
    pub history: Option<PathBuf>,
    /// First month of supply (new-supply ratchet rule).
    pub supply_start: Option<YearMonth>,
    /// Power factor.
    pub power_factor: Option<PowerFactorSource>,
    /// Index series: name → files (several files of one series are merged).
    pub indices: BTreeMap<String, Vec<PathBuf>>,
    /// Agreed contract demand, kW.
    pub contract_kw: Option<f64>,
    /// Subscribed demand, kW.
    pub subscription_kw: Option<f64>,
}

/// Why a bill could not be produced.
#[derive(Debug, thiserror::Error)]
pub enum RequestError {
    /// The rules could not be read.
    #[error(transparent)]
    Load(#[from] voltlex_dsl::LoadError),
    /// The rules have errors (diagnostics are in the compilation).
    #[error("the rules in {0} have errors")]
    Rules(PathBuf, Box<Compilation>),
    /// No tariff of that name.
    #[error("{0}")]
    Tariff(String),
    /// An input file is wrong.
    #[error(transparent)]
    Read(#[from] read::ReadError),
    /// The engine could not bill.
    #[error(transparent)]
    Billing(#[from] voltlex_engine::billing::BillingError),
}

/// Compiles rules and insists on no errors.
pub fn compile(rules: &Path) -> Result<Compilation, RequestError> {
    let compilation = voltlex_dsl::compile_path(rules)?;
    if compilation.has_errors() {
        return Err(RequestError::Rules(
            rules.to_path_buf(),
            Box::new(compilation),
        ));
    }
    Ok(compilation)
}

/// Picks a tariff by name (or the only one).
pub fn select_tariff<'c>(
    compilation: &'c Compilation,
    name: Option<&str>,
    rules: &Path,
) -> Result<&'c Tariff, RequestError> {
    let tariffs = &compilation.rules.tariffs;
    let names = || {
        tariffs
            .iter()
            .map(|t| format!("  \"{}\"", t.name))
            .collect::<Vec<_>>()
            .join("\n")
    };
    match name {
        Some(name) => tariffs.iter().find(|t| t.name == name).ok_or_else(|| {
            let suggestion = voltlex_dsl::diagnostic::did_you_mean(
                name,
                tariffs.iter().map(|t| t.name.as_str()),
            )
            .map(|s| format!(" (did you mean \"{s}\"?)"))
            .unwrap_or_default();
            RequestError::Tariff(format!(
                "no tariff named \"{name}\" in {}{suggestion}; it has:\n{}",
                rules.display(),
                names()
            ))
        }),
        None => match tariffs.as_slice() {
            [only] => Ok(only),
            _ => Err(RequestError::Tariff(format!(
                "{} holds {} tariffs: choose one with --tariff NAME:\n{}",
                rules.display(),
                tariffs.len(),
                names()
            ))),
        },
    }
}

impl BillRequest {
    /// Reads the input files into [`BillingInputs`].
    pub fn inputs(&self) -> Result<BillingInputs, RequestError> {
        let history = match &self.history {
            Some(path) => read::peak_history_csv(path)?,
            None => BTreeMap::new(),
        };
        let power_factor = match &self.power_factor {
            None => None,
            Some(PowerFactorSource::Flat(value)) => Some(PowerFactorInput::Flat(*value)),
            Some(PowerFactorSource::File(path)) => {
                Some(PowerFactorInput::Monthly(read::power_factor_csv(path)?))
            }
        };
        let mut indices = BTreeMap::new();
        for (name, files) in &self.indices {
            indices.insert(name.clone(), read::index_files(files, name)?);
        }
        Ok(BillingInputs {
            history,
            supply_start: self.supply_start,
            power_factor,
            indices,
            contract_kw: self.contract_kw,
            subscription_kw: self.subscription_kw,
        })
    }

    /// Compiles, reads and bills.
    pub fn run(&self) -> Result<(Compilation, BillRun), RequestError> {
        let compilation = compile(&self.rules)?;
        let tariff = select_tariff(&compilation, self.tariff.as_deref(), &self.rules)?;
        let load = read::load_csv(&self.load)?;
        let inputs = self.inputs()?;
        let run = bill(tariff, &load, &inputs)?;
        Ok((compilation, run))
    }
}
