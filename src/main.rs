//! The `voltlex` command line: check rule files, bill meter data, run golden tests.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{anyhow, Context};
use clap::{Parser, Subcommand, ValueEnum};
use voltlex::golden;
use voltlex::report;
use voltlex::request::{BillRequest, PowerFactorSource, RequestError};
use voltlex_dsl::diagnostic::{codes, Severity};
use voltlex_engine::month::YearMonth;

/// `println!` that returns the write error instead of panicking (a closed pipe, e.g. `| head`).
macro_rules! outln {
    ($($arg:tt)*) => {
        writeln!(std::io::stdout().lock(), $($arg)*)?
    };
}

/// `print!` that returns the write error instead of panicking.
macro_rules! out {
    ($($arg:tt)*) => {
        write!(std::io::stdout().lock(), $($arg)*)?
    };
}

mod packages_cli;

#[derive(Parser)]
#[command(
    name = "voltlex",
    version,
    about = "Tariff rules in, bills out: check .vlx rule files and bill interval meter data."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check rule files or packages; exit 1 if any has errors.
    Check {
        /// `.vlx` files or package folders.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// `human` (compiler-style) or `json` (one object per diagnostic, for editors and CI).
        #[arg(long, value_enum, default_value = "human")]
        format: CheckFormat,
    },
    /// Bill interval meter data under a tariff.
    Bill(BillArgs),
    /// Show how every line of one month's bill was computed.
    Explain {
        #[command(flatten)]
        bill: BillArgs,
        /// The month to explain (YYYY-MM); default the first month billed.
        #[arg(long)]
        month: Option<YearMonth>,
    },
    /// Schedule a fleet's charging: every strategy side by side, the chosen one in detail.
    Schedule(ScheduleArgs),
    /// Price V2B/V2G for a scenario with a `v2g` section: the revenue waterfall per month and
    /// vehicle, battery wear, bills, balancing offers, and VaR/CVaR of the monthly net.
    V2g(V2gArgs),
    /// Settle a three-party V2G deal (`risk_sharing` rules) over a V2G study's Monte Carlo:
    /// each party's expected net, VaR/CVaR and probability of loss against the status quo,
    /// cash by month as paid, and the free parameters that leave every party better off.
    RiskShare(RiskShareArgs),
    /// VPP portfolio: `plan` the day ahead (forecasts with backtests, site schedules, bids per
    /// product meeting minimum sizes, participation cost per vehicle) or `settle` the day's
    /// activations and early departures (re-dispatch, delivery, money per product, site and
    /// vehicle).
    #[command(subcommand)]
    Vpp(VppCommand),
    /// Total cost of ownership over the horizon: diesel today against electric vehicles
    /// charged uncontrolled, optimised, and optimised with V2B/V2G (with the file's PV,
    /// storage, subsidies and financing), year by year, with NPV, payback, IRR, ROI and CO2.
    Tco(TcoArgs),
    /// The inverse question: the cheapest design (EV count, chargers, PV, storage, V2G,
    /// charging) that meets the targets (payback, crossover, NPV, CO2), with runner-ups and
    /// the binding target — or the closest design and why nothing meets them.
    GoalSeek(GoalSeekArgs),
    /// Write the input workbook for `voltlex study`: a blank, documented template (or, with
    /// `--example`, the filled example).
    Template {
        /// The workbook to write (`.xlsx`; an existing file is never overwritten).
        #[arg(long, short)]
        output: PathBuf,
        /// Fill it with the example study (20 kei vans).
        #[arg(long)]
        example: bool,
        /// The rule packages whose tariffs and subsidies the drop-downs list.
        #[arg(long, default_value = "tariff-rules")]
        packages: PathBuf,
    },
    /// Run the study a filled input workbook describes and write the result workbook
    /// (summary, TCO, energy profile, bills, schedule, goal seek, what-if, checklists).
    Study {
        /// The filled input workbook.
        input: PathBuf,
        /// The result workbook to write (`.xlsx`, atomically; never the input).
        #[arg(long, short)]
        output: PathBuf,
        /// Also save the study the workbook became (`study.json`, with its site load and
        /// catalogue files) in this new or empty folder, for `voltlex tco` / `goal-seek`.
        #[arg(long, value_name = "DIR")]
        save_study: Option<PathBuf>,
    },
    /// Run a package's golden bills (`tests/*.toml`).
    Test {
        /// Package folders.
        #[arg(required = true)]
        packages: Vec<PathBuf>,
    },
    /// Rewrite rule files in the canonical layout (in place, only files that change).
    Fmt {
        /// `.vlx` files, or folders: every `.vlx` in them and their subfolders.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Change nothing: print the files that would change with a diff; exit 1 if any would.
        #[arg(long)]
        check: bool,
    },
    /// Explain a diagnostic code, e.g. `voltlex explain-error E0204`; without a code, list all.
    ExplainError {
        /// The code.
        code: Option<String>,
    },
    /// Build a rule archive (`.vlxpkg`: one tar file with a MANIFEST of SHA-256 digests) from
    /// a package that checks and passes its golden tests.
    Pack(packages_cli::PackArgs),
    /// Check a rule archive's integrity and, with `--key`, its ed25519 signature; exit 1 when
    /// refused (tampered, unsigned when a key is given, signed by another key).
    Verify {
        /// The archive.
        file: PathBuf,
        /// The publisher's public key file (`voltlex keygen`): require a signature by it.
        #[arg(long)]
        key: Option<PathBuf>,
    },
    /// Sign a rule archive with a secret key file (replaces an earlier signature).
    Sign {
        /// The archive.
        file: PathBuf,
        /// The secret key file (`NAME.key` from `voltlex keygen`).
        #[arg(long)]
        key: PathBuf,
        /// Write the signed archive here instead of replacing FILE.
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
    /// Make an ed25519 key pair: NAME.key (secret) and NAME.pub (public), hex text files.
    Keygen {
        /// NAME (the extensions are added); existing files are never overwritten.
        #[arg(long, short)]
        output: PathBuf,
    },
    /// Verify a rule archive and write its files into a new or empty folder (never outside
    /// it: absolute paths, `..` and links are refused).
    Unpack {
        /// The archive.
        file: PathBuf,
        /// The folder to unpack into.
        #[arg(long, short)]
        output: PathBuf,
        /// Require a signature by this public key.
        #[arg(long)]
        key: Option<PathBuf>,
    },
    /// Compare two versions of rules: changed rate lines by tariff and, with `--loads`, the
    /// bill impact per customer (percentiles, biggest winners and losers).
    Diff(packages_cli::DiffArgs),
    /// Turn another format's rate into a rule package.
    Import {
        #[command(subcommand)]
        format: ImportFormat,
    },
}

#[derive(Subcommand)]
enum ImportFormat {
    /// An OpenEI URDB rate (JSON, one rate object or `{"items": [rate]}`) into a package
    /// folder with a golden test; features the language cannot express are refused by name.
    Urdb {
        /// The URDB JSON file.
        file: PathBuf,
        /// The package folder to write (new or empty).
        #[arg(long, short)]
        output: PathBuf,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum CheckFormat {
    Human,
    Json,
}

#[derive(Clone, Copy, ValueEnum, PartialEq)]
enum BillFormat {
    Table,
    Json,
    Csv,
    /// An Excel workbook (Summary with chart, Lines); needs `--output FILE.xlsx`.
    Xlsx,
}

#[derive(Clone, Copy, ValueEnum, PartialEq)]
enum ScheduleFormat {
    Table,
    Json,
    Csv,
}

#[derive(Clone, Copy, ValueEnum, PartialEq)]
enum ModeArg {
    /// Minimise cost; a vehicle may leave short (priced per unmet kWh), never below a
    /// reservation.
    Cost,
    /// Meet every departure; name the vehicles that cannot be served and why.
    Availability,
}

#[derive(clap::Args)]
struct ScheduleArgs {
    /// The scenario (JSON): site, tariff, horizon, chargers, vehicles.
    #[arg(long)]
    scenario: PathBuf,
    /// The strategy shown in detail (and written as OCPP profiles): uncontrolled,
    /// balance-equal, balance-proportional, rotation, priority, optimal. All are compared.
    #[arg(long, default_value = "optimal")]
    strategy: String,
    /// Cost-minimising or availability-guaranteeing.
    #[arg(long, value_enum, default_value = "availability")]
    mode: ModeArg,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    format: ScheduleFormat,
    /// Write the output to this file (atomically) instead of standard output.
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// Write OCPP 1.6J SetChargingProfile payloads, one JSON file per charger, into DIR
    /// (existing files are never overwritten).
    #[arg(long, value_name = "DIR")]
    ocpp: Option<PathBuf>,
}

#[derive(clap::Args)]
struct V2gArgs {
    /// The scenario (JSON) with a `v2g` section.
    #[arg(long)]
    scenario: PathBuf,
    /// Markets to enter, a subset of the contract's (e.g. `spot,tertiary2`).
    #[arg(long, value_delimiter = ',')]
    market: Vec<String>,
    /// Monte Carlo price scenarios (overrides the file's `v2g.risk.scenarios`).
    #[arg(long)]
    scenarios: Option<usize>,
    /// Monte Carlo seed (overrides `v2g.risk.seed`); the same seed gives the same numbers.
    #[arg(long)]
    seed: Option<u64>,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    format: V2gFormat,
    /// Write the output to this file (atomically) instead of standard output.
    #[arg(long, short)]
    output: Option<PathBuf>,
}

#[derive(clap::Subcommand)]
enum VppCommand {
    /// The day-ahead plan of a portfolio file.
    Plan(VppArgs),
    /// The day's events re-dispatched and settled.
    Settle(VppSettleArgs),
}

#[derive(clap::Args)]
struct VppArgs {
    /// The portfolio file (JSON; see docs/vpp.md).
    #[arg(long)]
    portfolio: PathBuf,
    /// Probability the planned stays and base loads hold (overrides the file's).
    #[arg(long)]
    confidence: Option<f64>,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    format: V2gFormat,
    /// Write the output to this file (atomically) instead of standard output.
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// Write each site's OCPP SetChargingProfile requests into DIR/SITE/.
    #[arg(long)]
    ocpp: Option<PathBuf>,
}

#[derive(clap::Args)]
struct VppSettleArgs {
    /// The portfolio file (JSON; see docs/vpp.md).
    #[arg(long)]
    portfolio: PathBuf,
    /// The day's events (JSON list), instead of the file's `events`.
    #[arg(long)]
    events: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    format: V2gFormat,
    /// Write the output to this file (atomically) instead of standard output.
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// Write each site's re-dispatched OCPP SetChargingProfile requests into DIR/SITE/.
    #[arg(long)]
    ocpp: Option<PathBuf>,
}

#[derive(clap::Args)]
struct RiskShareArgs {
    /// The rule file or package with the `risk_sharing` deal.
    #[arg(long)]
    contract: PathBuf,
    /// The deal's name, when the rules hold more than one.
    #[arg(long)]
    name: Option<String>,
    /// The V2G study (scenario JSON with `v2g` and `v2g.risk` sections).
    #[arg(long)]
    scenario: PathBuf,
    /// Price scenarios (overrides `v2g.risk_sharing.scenarios`).
    #[arg(long)]
    scenarios: Option<usize>,
    /// Seed (overrides `v2g.risk.seed`); the same seed gives the same numbers.
    #[arg(long)]
    seed: Option<u64>,
    /// Months of the contract horizon (overrides `v2g.risk_sharing.months`).
    #[arg(long)]
    months: Option<usize>,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    format: V2gFormat,
    /// Write the output to this file (atomically) instead of standard output.
    #[arg(long, short)]
    output: Option<PathBuf>,
}

#[derive(clap::Args)]
struct TcoArgs {
    /// The TCO study (JSON; see docs/tco.md).
    #[arg(long)]
    study: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    format: V2gFormat,
    /// Write the output to this file (atomically) instead of standard output.
    #[arg(long, short)]
    output: Option<PathBuf>,
}

#[derive(clap::Args)]
struct GoalSeekArgs {
    /// The TCO study (JSON) with a `goal_seek` section (space and targets).
    #[arg(long)]
    study: PathBuf,
    /// Target: payback within this many years (overrides the file's).
    #[arg(long)]
    payback: Option<f64>,
    /// Target: cumulative cost at or below diesel's from this year on.
    #[arg(long)]
    crossover: Option<u32>,
    /// Target: NPV of the savings at least this (currency).
    #[arg(long, allow_hyphen_values = true)]
    npv: Option<f64>,
    /// Target: CO2 saved over the horizon at least this many tonnes.
    #[arg(long)]
    co2: Option<f64>,
    /// Evaluate every design (no pruning): the reference the search is tested against.
    #[arg(long)]
    exhaustive: bool,
    /// No progress bar.
    #[arg(long, short)]
    quiet: bool,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    format: V2gFormat,
    /// Write the output to this file (atomically) instead of standard output.
    #[arg(long, short)]
    output: Option<PathBuf>,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum V2gFormat {
    Table,
    Json,
}

#[derive(clap::Args)]
struct BillArgs {
    /// A `.vlx` file or a package folder.
    #[arg(long)]
    rules: PathBuf,
    /// The tariff's name (may be left out when the rules hold one tariff).
    #[arg(long)]
    tariff: Option<String>,
    /// Interval data CSV: `timestamp,kw` or `timestamp,kwh`, labelled by interval start.
    #[arg(long)]
    load: PathBuf,
    /// Prior months' peaks for the ratchet: CSV `month,peak_kw`.
    #[arg(long)]
    history: Option<PathBuf>,
    /// First month of supply (YYYY-MM): no history is needed before it.
    #[arg(long)]
    supply_start: Option<YearMonth>,
    /// Power factor: a percentage for every month (`98`) or a CSV `month,power_factor`.
    #[arg(long)]
    pf: Option<String>,
    /// An index series, `NAME=FILE` (a `month,value` CSV or a JEPX spot_summary CSV); repeat
    /// the flag for more series, or for more files of one series.
    #[arg(long = "index", value_name = "NAME=FILE")]
    indices: Vec<String>,
    /// Agreed contract demand in kW (tariffs with `contract = agreed`).
    #[arg(long)]
    contract_kw: Option<f64>,
    /// Subscribed demand in kW (subscription tariffs; default: the cheapest level each month).
    #[arg(long)]
    subscription_kw: Option<f64>,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    format: BillFormat,
    /// Write the output to this file (atomically) instead of standard output.
    #[arg(long, short)]
    output: Option<PathBuf>,
}

impl BillArgs {
    fn request(&self) -> anyhow::Result<BillRequest> {
        let mut indices: BTreeMap<String, Vec<PathBuf>> = BTreeMap::new();
        for spec in &self.indices {
            let (name, file) = spec
                .split_once('=')
                .filter(|(n, f)| !n.is_empty() && !f.is_empty())
                .ok_or_else(|| anyhow!("--index expects NAME=FILE (e.g. jepx-tokyo=spot_summary_2024.csv), found {spec:?}"))?;
            indices
                .entry(name.to_string())
                .or_default()
                .push(PathBuf::from(file));
        }
        Ok(BillRequest {
            rules: self.rules.clone(),
            tariff: self.tariff.clone(),
            load: self.load.clone(),
            history: self.history.clone(),
            supply_start: self.supply_start,
            power_factor: self.pf.as_deref().map(PowerFactorSource::parse),
            indices,
            contract_kw: self.contract_kw,
            subscription_kw: self.subscription_kw,
        })
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        // The reader of our output went away (`voltlex … | head`): stop quietly.
        Err(error)
            if error
                .downcast_ref::<std::io::Error>()
                .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe) =>
        {
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Check { paths, format } => check(&paths, format),
        Command::Bill(args) => {
            if args.format == BillFormat::Xlsx {
                xlsx_output(&args)?; // before the billing work
            }
            let Some(run) = bill(&args)? else {
                return Ok(ExitCode::from(1));
            };
            let text = match args.format {
                BillFormat::Table => report::to_table(&run),
                BillFormat::Json => serde_json::to_string_pretty(&report::to_json(&run))? + "\n",
                BillFormat::Csv => report::to_csv(&run),
                BillFormat::Xlsx => {
                    voltlex_excel::write_bills(&run, xlsx_output(&args)?)?;
                    return Ok(ExitCode::SUCCESS);
                }
            };
            emit(&text, args.output.as_deref())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Explain { bill: args, month } => {
            let Some(run) = bill(&args)? else {
                return Ok(ExitCode::from(1));
            };
            let chosen = match month {
                Some(m) => run.months.iter().find(|b| b.month == m).ok_or_else(|| {
                    anyhow!(
                        "no bill for {m}: the load covers {}",
                        run.months
                            .iter()
                            .map(|b| b.month.to_string())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                })?,
                None => run
                    .months
                    .first()
                    .ok_or_else(|| anyhow!("the load covers no whole month"))?,
            };
            emit(&report::explain(&run, chosen), args.output.as_deref())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Schedule(args) => schedule(&args),
        Command::V2g(args) => v2g(&args),
        Command::RiskShare(args) => risk_share(&args),
        Command::Vpp(command) => vpp(&command),
        Command::Tco(args) => tco(&args),
        Command::GoalSeek(args) => goal_seek(&args),
        Command::Template {
            output,
            example,
            packages,
        } => {
            voltlex::study::write_template(&output, &packages, example)?;
            eprintln!("wrote {}", output.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Study {
            input,
            output,
            save_study,
        } => {
            let terminal = std::io::stderr().is_terminal();
            voltlex::study::run(&input, &output, save_study.as_deref(), &mut |what| {
                if terminal {
                    eprint!("\r\x1b[2K{what}…");
                }
            })?;
            if terminal {
                eprint!("\r\x1b[2K");
            }
            eprintln!("wrote {}", output.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Test { packages } => test(&packages),
        Command::Pack(args) => packages_cli::pack(&args),
        Command::Verify { file, key } => packages_cli::verify(&file, key.as_deref()),
        Command::Sign { file, key, output } => packages_cli::sign(&file, &key, output.as_deref()),
        Command::Keygen { output } => packages_cli::keygen(&output),
        Command::Unpack { file, output, key } => {
            packages_cli::unpack(&file, &output, key.as_deref())
        }
        Command::Diff(args) => packages_cli::diff(&args),
        Command::Import {
            format: ImportFormat::Urdb { file, output },
        } => packages_cli::import_urdb(&file, &output),
        Command::Fmt { paths, check } => fmt(&paths, check),
        Command::ExplainError { code } => {
            match code {
                Some(code) => {
                    let (title, text) = codes::explain(&code).ok_or_else(|| {
                        anyhow!(
                            "no diagnostic code {code:?}; `voltlex explain-error` lists them all"
                        )
                    })?;
                    outln!("{}: {title}\n\n{text}", code.to_uppercase());
                }
                None => {
                    for (code, title, _) in codes::ALL {
                        outln!("{code}  {title}");
                    }
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn check(paths: &[PathBuf], format: CheckFormat) -> anyhow::Result<ExitCode> {
    let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let mut failed = false;
    let mut json_out = Vec::new();
    for path in paths {
        let compilation = voltlex_dsl::compile_path(path)?;
        failed |= compilation.has_errors();
        match format {
            CheckFormat::Human => {
                eprint!("{}", compilation.render_diagnostics(color));
                if !compilation.has_errors() {
                    let rules = &compilation.rules;
                    // What the file or package holds: each kind of block it has, counted,
                    // tariffs named.
                    let count = |n: usize, one: &str, many: &str| {
                        format!("{n} {}", if n == 1 { one } else { many })
                    };
                    let mut held = Vec::new();
                    if !rules.tariffs.is_empty() || rules.subsidies.is_empty() {
                        let names: Vec<String> = rules
                            .tariffs
                            .iter()
                            .map(|t| format!("\"{}\"", t.name))
                            .collect();
                        held.push(format!(
                            "{}: {}",
                            count(names.len(), "tariff", "tariffs"),
                            names.join(", ")
                        ));
                    }
                    for (n, one, many) in [
                        (rules.aggregator_contracts.len(), "contract", "contracts"),
                        (rules.chemistries.len(), "chemistry", "chemistries"),
                        (rules.subsidies.len(), "subsidy", "subsidies"),
                    ] {
                        if n > 0 {
                            held.push(count(n, one, many));
                        }
                    }
                    outln!("{}: ok ({})", path.display(), held.join("; "));
                }
            }
            CheckFormat::Json => {
                for d in &compilation.diagnostics {
                    // Every diagnostic's span is in a file of its compilation; were one not,
                    // it is reported against the path checked, at line 0.
                    let (name, (line, column), (end_line, end_column)) =
                        match compilation.sources.file(d.span.file) {
                            Some(file) => (
                                file.name.clone(),
                                file.line_column(d.span.start),
                                file.line_column(d.span.end),
                            ),
                            None => (path.display().to_string(), (0, 0), (0, 0)),
                        };
                    json_out.push(serde_json::json!({
                        "file": name,
                        "line": line, "column": column,
                        "end_line": end_line, "end_column": end_column,
                        "severity": match d.severity { Severity::Error => "error", Severity::Warning => "warning" },
                        "code": d.code,
                        "message": d.message,
                        "help": d.help,
                    }));
                }
            }
        }
    }
    if let CheckFormat::Json = format {
        outln!("{}", serde_json::to_string_pretty(&json_out)?);
    }
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Bills; `None` after printing diagnostics when the rules have errors.
fn bill(args: &BillArgs) -> anyhow::Result<Option<voltlex_engine::billing::BillRun>> {
    let request = args.request()?;
    match request.run() {
        Ok((_, run)) => Ok(Some(run)),
        Err(RequestError::Rules(path, compilation)) => {
            let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
            eprint!("{}", compilation.render_diagnostics(color));
            eprintln!(
                "error: the rules in {} have errors; nothing was billed",
                path.display()
            );
            Ok(None)
        }
        Err(e) => Err(e.into()),
    }
}

fn test(packages: &[PathBuf]) -> anyhow::Result<ExitCode> {
    let (mut passed, mut failed) = (0usize, 0usize);
    for package in packages {
        let files = golden::test_files(package)
            .with_context(|| format!("cannot list the golden tests of {}", package.display()))?;
        if files.is_empty() {
            outln!("{}: no golden tests in tests/", package.display());
            failed += 1;
            continue;
        }
        for file in files {
            let outcome = golden::run_test(package, &file);
            if outcome.passed() {
                passed += 1;
                outln!("test {} ... ok ({} checks)", file.display(), outcome.checks);
            } else {
                failed += 1;
                outln!("test {} ... FAILED", file.display());
                for failure in &outcome.failures {
                    outln!("    {}", failure.replace('\n', "\n    "));
                }
            }
        }
    }
    outln!("{passed} passed, {failed} failed");
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// The workbook `--format xlsx` writes: `--output` is required (a workbook is not text).
fn xlsx_output(args: &BillArgs) -> anyhow::Result<&Path> {
    args.output.as_deref().ok_or_else(|| {
        anyhow!("--format xlsx writes a workbook, not text: give the file with --output FILE.xlsx")
    })
}

/// Prints, or writes to a temporary file beside `path` and renames it into place.
fn emit(text: &str, path: Option<&Path>) -> anyhow::Result<()> {
    match path {
        None => {
            std::io::stdout().write_all(text.as_bytes())?;
            Ok(())
        }
        Some(path) => voltlex::write_atomically(path, text.as_bytes()),
    }
}

/// `voltlex fmt`: formats every file; rewrites (atomically) those that change, or with
/// `--check` prints their diff. A file with a syntax error is reported and left alone.
fn fmt(paths: &[PathBuf], check: bool) -> anyhow::Result<ExitCode> {
    let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let mut files = Vec::new();
    for path in paths {
        let before = files.len();
        vlx_files(path, &mut files)?;
        if files.len() == before {
            return Err(anyhow!("no .vlx files in {}", path.display()));
        }
    }
    let (mut failed, mut unformatted) = (false, 0);
    for file in &files {
        let text = std::fs::read_to_string(file)
            .with_context(|| format!("cannot read {}", file.display()))?;
        let formatted = match voltlex_dsl::format::format_source(&text) {
            Ok(formatted) => formatted,
            Err(diagnostic) => {
                let mut sources = voltlex_dsl::source::SourceMap::default();
                sources.add(file.display().to_string(), text);
                eprint!("{}", diagnostic.render_with(&sources, color));
                failed = true;
                continue;
            }
        };
        if formatted == text {
            continue;
        }
        if check {
            unformatted += 1;
            outln!("--- {}\n+++ {} (formatted)", file.display(), file.display());
            out!("{}", voltlex_dsl::format::unified_diff(&text, &formatted));
        } else {
            voltlex::write_atomically(file, formatted.as_bytes())?;
            outln!("{}", file.display());
        }
    }
    if unformatted > 0 {
        eprintln!(
            "{unformatted} file{} not formatted: `voltlex fmt` rewrites {}",
            if unformatted == 1 { " is" } else { "s are" },
            if unformatted == 1 { "it" } else { "them" }
        );
    }
    Ok(if failed || unformatted > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// A file as given; a folder's `.vlx` files, sorted, subfolders included (not hidden ones).
fn vlx_files(path: &Path, files: &mut Vec<PathBuf>) -> anyhow::Result<()> {
    if !path.is_dir() {
        files.push(path.to_path_buf());
        return Ok(());
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
        .and_then(|dir| dir.map(|e| e.map(|e| e.path())).collect())
        .with_context(|| format!("cannot list {}", path.display()))?;
    entries.sort();
    for entry in entries {
        let hidden = entry
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with('.'));
        if hidden {
            continue;
        }
        if entry.is_dir() {
            vlx_files(&entry, files)?;
        } else if entry.extension().is_some_and(|e| e == "vlx") {
            files.push(entry);
        }
    }
    Ok(())
}

fn v2g(args: &V2gArgs) -> anyhow::Result<ExitCode> {
    use voltlex::v2g_scenario::{run, V2gOptions};
    let markets = if args.market.is_empty() {
        None
    } else {
        let mut markets = Vec::new();
        for name in &args.market {
            let market =
                voltlex_dsl::rules::Market::from_keyword(name.trim()).ok_or_else(|| {
                    anyhow!(
                        "--market {name}: expected one of {}",
                        voltlex_dsl::rules::Market::ALL
                            .iter()
                            .map(|m| m.keyword())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                })?;
            markets.push(market);
        }
        Some(markets)
    };
    let options = V2gOptions {
        markets,
        scenarios: args.scenarios,
        seed: args.seed,
    };
    let terminal = std::io::stderr().is_terminal();
    let mut progress = |what: &str| {
        if terminal {
            eprint!("\r\x1b[2K{what}…");
        }
    };
    let report = run(&args.scenario, &options, &mut progress)?;
    if terminal {
        eprint!("\r\x1b[2K");
    }
    let text = match args.format {
        V2gFormat::Table => voltlex::v2g_report::to_table(&report),
        V2gFormat::Json => serde_json::to_string_pretty(&report)? + "\n",
    };
    match &args.output {
        Some(path) => voltlex::write_atomically(path, text.as_bytes())?,
        None => out!("{text}"),
    }
    Ok(if report.checker_failures > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn write_site_profiles(
    dir: &std::path::Path,
    sites: &[(
        String,
        &voltlex_engine::schedule::Problem,
        &voltlex_engine::schedule::Schedule,
    )],
) -> anyhow::Result<()> {
    let mut count = 0;
    for (site, problem, schedule) in sites {
        let profiles = voltlex_ocpp::charging_profiles(
            problem,
            schedule,
            &voltlex_ocpp::OcppOptions::default(),
        );
        count += voltlex_ocpp::write_profiles(&dir.join(site), &profiles)?.len();
    }
    eprintln!(
        "wrote {count} OCPP SetChargingProfile files to {}",
        dir.display()
    );
    Ok(())
}

fn vpp(command: &VppCommand) -> anyhow::Result<ExitCode> {
    match command {
        VppCommand::Plan(args) => {
            let planned = voltlex::vpp::plan_file(&args.portfolio, args.confidence)?;
            let text = match args.format {
                V2gFormat::Table => voltlex::vpp_report::plan_table(&planned.report),
                V2gFormat::Json => serde_json::to_string_pretty(&planned.report)? + "\n",
            };
            emit(&text, args.output.as_deref())?;
            if let Some(dir) = &args.ocpp {
                let sites: Vec<_> = planned
                    .plan
                    .sites
                    .iter()
                    .map(|s| (s.site.clone(), &s.problem, &s.schedule))
                    .collect();
                write_site_profiles(dir, &sites)?;
            }
            Ok(ExitCode::SUCCESS)
        }
        VppCommand::Settle(args) => {
            let events = match &args.events {
                Some(path) => {
                    let text = std::fs::read_to_string(path)
                        .map_err(|e| anyhow!("cannot read {}: {e}", path.display()))?;
                    Some(serde_json::from_str(&text).map_err(|e| {
                        anyhow!("{}:{}:{}: {e}", path.display(), e.line(), e.column())
                    })?)
                }
                None => None,
            };
            let (report, after, _) = voltlex::vpp::settle_file(&args.portfolio, events)?;
            let text = match args.format {
                V2gFormat::Table => voltlex::vpp_report::settle_table(&report),
                V2gFormat::Json => serde_json::to_string_pretty(&report)? + "\n",
            };
            emit(&text, args.output.as_deref())?;
            if let Some(dir) = &args.ocpp {
                let sites: Vec<_> = after
                    .sites
                    .iter()
                    .map(|s| (s.site.clone(), &s.problem, &s.schedule))
                    .collect();
                write_site_profiles(dir, &sites)?;
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn risk_share(args: &RiskShareArgs) -> anyhow::Result<ExitCode> {
    use voltlex::risk_share::{read_deal, run, RiskShareOptions};
    let deal = read_deal(&args.contract, args.name.as_deref())?;
    let options = RiskShareOptions {
        name: args.name.clone(),
        scenarios: args.scenarios,
        seed: args.seed,
        months: args.months,
    };
    let terminal = std::io::stderr().is_terminal();
    let mut progress = |what: &str| {
        if terminal {
            eprint!("\r\x1b[2K{what}…");
        }
    };
    let report = run(&deal, &args.scenario, &options, &mut progress)?;
    if terminal {
        eprint!("\r\x1b[2K");
    }
    let text = match args.format {
        V2gFormat::Table => voltlex::risk_share_report::to_table(&report),
        V2gFormat::Json => serde_json::to_string_pretty(&report)? + "\n",
    };
    emit(&text, args.output.as_deref())?;
    Ok(ExitCode::SUCCESS)
}

fn tco(args: &TcoArgs) -> anyhow::Result<ExitCode> {
    let study = voltlex::tco_scenario::TcoStudy::read(&args.study)?;
    let terminal = std::io::stderr().is_terminal();
    let report = voltlex::tco_report::run(&study, &mut |what| {
        if terminal {
            eprint!("\r\x1b[2K{what}…");
        }
    })?;
    if terminal {
        eprint!("\r\x1b[2K");
    }
    let text = match args.format {
        V2gFormat::Table => voltlex::tco_report::to_table(&report),
        V2gFormat::Json => serde_json::to_string_pretty(&report)? + "\n",
    };
    emit(&text, args.output.as_deref())?;
    Ok(ExitCode::SUCCESS)
}

fn goal_seek(args: &GoalSeekArgs) -> anyhow::Result<ExitCode> {
    use voltlex::goal_seek::{GoalSeek, TargetOverrides};
    let study = voltlex::tco_scenario::TcoStudy::read(&args.study)?;
    let overrides = TargetOverrides {
        payback_years: args.payback,
        crossover_year: args.crossover,
        npv_at_least: args.npv,
        co2_saved_tonnes: args.co2,
    };
    let seek = GoalSeek::of(&study, &overrides)?;
    let bar = if args.quiet || !std::io::stderr().is_terminal() {
        indicatif::ProgressBar::hidden()
    } else {
        let bar = indicatif::ProgressBar::new(seek.space.size() as u64);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{bar:30} {pos}/{len} designs ({msg}) {elapsed}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    };
    let outcome = seek.run(args.exhaustive, &|progress| {
        bar.set_position((progress.evaluated + progress.pruned) as u64);
        bar.set_message(format!(
            "{} evaluated, {} pruned",
            progress.evaluated, progress.pruned
        ));
    })?;
    bar.finish_and_clear();
    let text = match args.format {
        V2gFormat::Table => voltlex::tco_report::seek_to_table(&seek, &outcome, study.currency()),
        V2gFormat::Json => serde_json::to_string_pretty(&outcome)? + "\n",
    };
    emit(&text, args.output.as_deref())?;
    Ok(ExitCode::SUCCESS)
}

fn schedule(args: &ScheduleArgs) -> anyhow::Result<ExitCode> {
    use voltlex::scenario;
    use voltlex::schedule_report;
    use voltlex_engine::schedule::strategy::Strategy;
    use voltlex_engine::schedule::Mode;

    let strategy: Strategy = args.strategy.parse().map_err(|e: String| anyhow!(e))?;
    let mode = match args.mode {
        ModeArg::Cost => Mode::Cost,
        ModeArg::Availability => Mode::Availability,
    };
    let scenario = scenario::read(&args.scenario)?;
    // Progress on a terminal only: redirected output stays clean.
    let terminal = std::io::stderr().is_terminal();
    let mut progress = |strategy: Strategy, p: voltlex_engine::schedule::optimal::Progress| {
        if terminal {
            eprint!(
                "\r{strategy}: {} solves, best objective {:.0}   ",
                p.evaluations, p.best
            );
        }
    };
    if terminal {
        eprint!(
            "scheduling {} stays…",
            scenario.fleet.problem.sessions.len()
        );
    }
    let outcomes = scenario.run(&Strategy::ALL, mode, &mut progress)?;
    if terminal {
        eprint!("\r\x1b[2K");
    }
    let text = match args.format {
        ScheduleFormat::Table => schedule_report::to_table(&scenario, &outcomes, strategy),
        ScheduleFormat::Json => {
            serde_json::to_string_pretty(&schedule_report::to_json(&scenario, &outcomes, strategy))?
                + "\n"
        }
        ScheduleFormat::Csv => schedule_report::to_csv(&scenario, &outcomes, strategy),
    };
    match &args.output {
        Some(path) => voltlex::write_atomically(path, text.as_bytes())?,
        None => out!("{text}"),
    }
    let chosen = schedule_report::chosen(&outcomes, strategy)
        .ok_or_else(|| anyhow!("strategy {strategy} did not run"))?;
    if let Some(dir) = &args.ocpp {
        let profiles = voltlex_ocpp::charging_profiles(
            &scenario.fleet.problem,
            &chosen.run.schedule,
            &voltlex_ocpp::OcppOptions::default(),
        );
        let written = voltlex_ocpp::write_profiles(dir, &profiles)?;
        eprintln!(
            "wrote {} OCPP SetChargingProfile files to {}",
            written.len(),
            dir.display()
        );
    }
    let unserved = !chosen.run.unservable.is_empty() || !scenario.fleet.unassigned.is_empty();
    Ok(if mode == Mode::Availability && unserved {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
