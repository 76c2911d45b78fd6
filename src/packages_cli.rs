//! `voltlex pack | verify | sign | keygen | unpack | diff | import`: rule packages as files
//! (issue 11). The work is in `voltlex_packages`; this module reads arguments, prints, and
//! picks exit codes (0 fine, 1 refused or failed, 2 usage or I/O error from `main`).

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{anyhow, bail, Context};
use rust_decimal::Decimal;
use voltlex_packages::archive::{self, SignatureStatus};
use voltlex_packages::diff::{self, Comparison, Failure, TariffChange};
use voltlex_packages::{urdb, versions};

/// `println!` that returns the write error instead of panicking.
macro_rules! outln {
    ($($arg:tt)*) => {
        writeln!(std::io::stdout().lock(), $($arg)*)?
    };
}

/// The `voltlex pack` arguments.
#[derive(clap::Args)]
pub struct PackArgs {
    /// The package folder (with package.toml).
    pub package: PathBuf,
    /// The archive to write (`.vlxpkg`; an existing file is replaced atomically).
    #[arg(long, short)]
    pub output: PathBuf,
    /// Pack without running the package's golden tests (they are run by default).
    #[arg(long)]
    pub skip_tests: bool,
}

/// `voltlex pack`: check, test, then archive.
pub fn pack(args: &PackArgs) -> anyhow::Result<ExitCode> {
    let compilation = voltlex_dsl::compile_package(&args.package)?;
    let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    eprint!("{}", compilation.render_diagnostics(color));
    let Some(manifest) = compilation
        .manifest
        .as_ref()
        .filter(|_| !compilation.has_errors())
    else {
        eprintln!(
            "refused: {} has errors; a package is packed only when `voltlex check` passes",
            args.package.display()
        );
        return Ok(ExitCode::from(1));
    };
    if !args.skip_tests {
        let mut failed = 0;
        for test in &manifest.tests {
            let outcome = voltlex::golden::run_test(&args.package, &args.package.join(test));
            if !outcome.passed() {
                failed += 1;
                eprintln!("FAIL {test}");
                for failure in &outcome.failures {
                    eprintln!("  {failure}");
                }
            }
        }
        if failed > 0 {
            eprintln!(
                "refused: {failed} golden test(s) of {} fail (`voltlex test {}`)",
                args.package.display(),
                args.package.display()
            );
            return Ok(ExitCode::from(1));
        }
    }
    let bytes = archive::pack(&args.package, &manifest.name, &manifest.version)?;
    voltlex::write_atomically(&args.output, &bytes)?;
    let verified = archive::verify(&bytes, None)?;
    eprintln!(
        "packed {} {} ({} files, {} tests run) into {}; MANIFEST sha256 {}",
        manifest.name,
        manifest.version,
        verified.files.len(),
        if args.skip_tests {
            0
        } else {
            manifest.tests.len()
        },
        args.output.display(),
        verified.manifest_digest
    );
    Ok(ExitCode::SUCCESS)
}

fn read_archive(path: &Path) -> anyhow::Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))
}

/// `voltlex verify FILE [--key PUB]`.
pub fn verify(file: &Path, key: Option<&Path>) -> anyhow::Result<ExitCode> {
    let bytes = read_archive(file)?;
    let key = key.map(archive::read_public_key).transpose()?;
    match archive::verify(&bytes, key.as_ref()) {
        Ok(verified) => {
            outln!(
                "{}: {} {}, {} files, every digest matches MANIFEST (sha256 {})",
                file.display(),
                verified.name,
                verified.version,
                verified.files.len(),
                verified.manifest_digest
            );
            match verified.signature {
                SignatureStatus::Valid => outln!("signature: valid for the key given"),
                SignatureStatus::Unchecked => {
                    outln!("signature: present but NOT checked (give --key PUB to check it)")
                }
                SignatureStatus::Unsigned => outln!("signature: none"),
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(error) => {
            eprintln!("{}: {error}", file.display());
            Ok(ExitCode::from(1))
        }
    }
}

/// `voltlex sign FILE --key SECRET [-o OUT]`.
pub fn sign(file: &Path, key: &Path, output: Option<&Path>) -> anyhow::Result<ExitCode> {
    let bytes = read_archive(file)?;
    let key = archive::read_secret_key(key)?;
    let signed = match archive::sign(&bytes, &key) {
        Ok(signed) => signed,
        Err(error) => {
            eprintln!("{}: {error}", file.display());
            return Ok(ExitCode::from(1));
        }
    };
    let output = output.unwrap_or(file);
    voltlex::write_atomically(output, &signed)?;
    eprintln!(
        "signed {} with the key whose public half is {}",
        output.display(),
        voltlex_packages::hex::encode(key.verifying_key().as_bytes())
    );
    Ok(ExitCode::SUCCESS)
}

/// `voltlex keygen -o NAME`: NAME.key (secret) and NAME.pub.
pub fn keygen(output: &Path) -> anyhow::Result<ExitCode> {
    let secret_path = output.with_extension("key");
    let public_path = output.with_extension("pub");
    for path in [&secret_path, &public_path] {
        if path.exists() {
            bail!("{} exists: keygen never overwrites a key", path.display());
        }
    }
    let key = archive::generate_key()?;
    voltlex::write_atomically(&secret_path, archive::secret_key_text(&key).as_bytes())?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&secret_path, std::fs::Permissions::from_mode(0o600))
            .with_context(|| format!("cannot restrict {}", secret_path.display()))?;
    }
    voltlex::write_atomically(
        &public_path,
        archive::public_key_text(&key.verifying_key()).as_bytes(),
    )?;
    eprintln!(
        "wrote {} (secret: keep it private) and {} (public: publish it)",
        secret_path.display(),
        public_path.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// `voltlex unpack FILE -o DIR [--key PUB]`.
pub fn unpack(file: &Path, output: &Path, key: Option<&Path>) -> anyhow::Result<ExitCode> {
    let bytes = read_archive(file)?;
    let key = key.map(archive::read_public_key).transpose()?;
    match archive::unpack(&bytes, output, key.as_ref()) {
        Ok(verified) => {
            eprintln!(
                "unpacked {} {} ({} files) into {}",
                verified.name,
                verified.version,
                verified.files.len(),
                output.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(error) => {
            eprintln!("{}: {error}", file.display());
            Ok(ExitCode::from(1))
        }
    }
}

/// The `voltlex diff` arguments.
#[derive(clap::Args)]
pub struct DiffArgs {
    /// The old rules: a package folder or a `.vlx` file.
    pub old: PathBuf,
    /// The new rules.
    pub new: PathBuf,
    /// A folder of customer load CSVs (`timestamp,kw` or `timestamp,kwh`, one customer per
    /// file): bill each under both tariffs and report the impact.
    #[arg(long, value_name = "DIR")]
    pub loads: Option<PathBuf>,
    /// The tariff to bill (needed when the rules hold several tariffs).
    #[arg(long)]
    pub tariff: Option<String>,
    /// How many winners and losers to list.
    #[arg(long, default_value_t = 5)]
    pub top: usize,
}

fn compiled(path: &Path) -> anyhow::Result<voltlex_dsl::Compilation> {
    let compilation = voltlex_dsl::compile_path(path)?;
    if compilation.has_errors() {
        eprint!("{}", compilation.render_diagnostics(false));
        bail!("the rules in {} have errors", path.display());
    }
    Ok(compilation)
}

fn money(value: Decimal) -> String {
    let value = value.round_dp(2);
    if value > Decimal::ZERO {
        format!("+{value}")
    } else {
        value.to_string()
    }
}

/// `voltlex diff OLD NEW [--loads DIR]`.
pub fn diff(args: &DiffArgs) -> anyhow::Result<ExitCode> {
    let old = compiled(&args.old)?;
    let new = compiled(&args.new)?;
    if let (Some(old_manifest), Some(new_manifest)) = (&old.manifest, &new.manifest) {
        outln!(
            "{} {} → {} {}",
            old_manifest.name,
            old_manifest.version,
            new_manifest.name,
            new_manifest.version
        );
        match versions::supersedes(old_manifest, new_manifest) {
            Ok(from) => outln!(
                "version {} supersedes {} from {from} (its valid_from)",
                new_manifest.version,
                old_manifest.version
            ),
            Err(why) => outln!("note: {why}"),
        }
    }
    let changes = diff::diff_rules(&old.rules, &new.rules);
    if changes.is_empty() {
        outln!("no rule changed");
    }
    for change in &changes {
        match change {
            TariffChange::Added(name) => outln!("+ tariff \"{name}\" (added)"),
            TariffChange::Removed(name) => outln!("- tariff \"{name}\" (removed)"),
            TariffChange::Changed(name, lines) => {
                outln!("~ tariff \"{name}\"");
                for line in lines {
                    match (&line.old, &line.new) {
                        (None, Some(new)) => outln!("    + {}: {new}", line.line),
                        (Some(old), None) => outln!("    - {}: {old}", line.line),
                        (Some(old), Some(new)) => {
                            outln!("    ~ {}: {old}  →  {new}", line.line)
                        }
                        (None, None) => {}
                    }
                }
            }
        }
    }
    let Some(loads) = &args.loads else {
        return Ok(ExitCode::SUCCESS);
    };
    let (old_tariff, new_tariff) =
        diff::pair(&old.rules, &new.rules, args.tariff.as_deref()).map_err(|e| anyhow!(e))?;
    let mut files: Vec<PathBuf> = std::fs::read_dir(loads)
        .with_context(|| format!("cannot read the folder {}", loads.display()))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x.eq_ignore_ascii_case("csv")))
        .collect();
    files.sort();
    if files.is_empty() {
        bail!("{} holds no .csv load files", loads.display());
    }
    let comparison = Comparison::new(old_tariff, new_tariff);
    let bar = if std::io::stderr().is_terminal() {
        indicatif::ProgressBar::new(files.len() as u64)
    } else {
        indicatif::ProgressBar::hidden()
    };
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} customers, {eta} left")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let results = comparison.impacts(
        files.len(),
        |i| {
            let path = files.get(i).ok_or_else(|| Failure {
                customer: format!("#{i}"),
                reason: "no such file".into(),
            })?;
            let name = path.file_stem().map_or_else(
                || path.display().to_string(),
                |s| s.to_string_lossy().into(),
            );
            let load = voltlex_engine::read::load_csv(path).map_err(|e| Failure {
                customer: name.clone(),
                reason: e.to_string(),
            })?;
            Ok((name, load))
        },
        &|_| bar.inc(1),
    );
    bar.finish_and_clear();
    let mut impacts = Vec::new();
    let mut failures = Vec::new();
    for result in results {
        match result {
            Ok(impact) => impacts.push(impact),
            Err(failure) => failures.push(failure),
        }
    }
    let currency = old_tariff.currency.code();
    let summary = diff::summarize(&impacts, args.top);
    outln!();
    outln!(
        "bill impact, \"{}\" → \"{}\", {} customers billed ({} up, {} down, {} unchanged), {} failed",
        old_tariff.name,
        new_tariff.name,
        summary.customers,
        summary.up,
        summary.down,
        summary.same,
        failures.len()
    );
    if summary.customers > 0 {
        outln!("percentile  change ({currency})  change (%)");
        for (p, change) in &summary.change_percentiles {
            let percent = summary
                .percent_percentiles
                .iter()
                .find(|(q, _)| q == p)
                .map_or("-".to_string(), |(_, v)| format!("{v:+.2}"));
            outln!("p{p:<10} {:>14}  {percent:>10}", money(*change));
        }
        let show = |title: &str, list: &[diff::Impact]| -> std::io::Result<()> {
            let mut out = std::io::stdout().lock();
            writeln!(out, "{title}")?;
            if list.is_empty() {
                writeln!(out, "  none")?;
            }
            for impact in list {
                let percent = impact
                    .percent()
                    .map_or(String::new(), |p| format!(" ({p:+.2} %)"));
                writeln!(
                    out,
                    "  {}: {} → {} {currency}, {}{percent}",
                    impact.customer,
                    impact.old_total.round_dp(2),
                    impact.new_total.round_dp(2),
                    money(impact.change())
                )?;
            }
            Ok(())
        };
        show("biggest winners (bill falls most):", &summary.winners)?;
        show("biggest losers (bill rises most):", &summary.losers)?;
    }
    for failure in &failures {
        eprintln!("not billed: {}: {}", failure.customer, failure.reason);
    }
    Ok(if failures.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// `voltlex import urdb FILE.json -o DIR`.
pub fn import_urdb(file: &Path, output: &Path) -> anyhow::Result<ExitCode> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    match urdb::import(&text, &file.display().to_string()) {
        Ok(package) => {
            package.write(output)?;
            eprintln!(
                "wrote package {} into {} (rules, package.toml, golden test); check it with `voltlex check {}` and `voltlex test {}`",
                package.name,
                output.display(),
                output.display(),
                output.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(error) => {
            eprintln!("{}: {error}", file.display());
            Ok(ExitCode::from(1))
        }
    }
}
