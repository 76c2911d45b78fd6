//! Rule packages: a folder with `package.toml`, `.vlx` files and `tests/`.
//!
//! ```toml
//! [package]
//! name = "jp-tepco-hv"
//! version = "2025.4.0"
//! publisher = "…"
//! description = "…"
//! valid_from = "2024-04-01"     # first day the package's figures apply
//! valid_until = "2026-04-01"    # first day they no longer apply (exclusive)
//! files = ["basic.vlx"]         # optional: default every *.vlx in the folder, sorted
//! sources = ["https://…"]       # the tariff sheets transcribed
//! tests = ["tests/april.toml"]  # optional: default every tests/*.toml, sorted
//!
//! [package.exports]             # optional: what the package promises to define
//! tariffs = ["TEPCO EP High-Voltage Basic Plan"]
//! subsidies = []
//! contracts = []                # `contract aggregator` blocks
//! chemistries = []
//! risk_sharings = []            # `risk_sharing` blocks
//!
//! [dependencies]                # optional: other packages, loaded (and checked) first
//! jp-calendar = { version = "^2025.1", path = "../jp-calendar" }
//! ```

use chrono::NaiveDate;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use crate::check::{check_files_with, FolderResources, NoResources, Resources};
use crate::diagnostic::{codes, Diagnostic};
use crate::rules::CompiledRules;
use crate::source::{FileId, SourceMap, Span};
use crate::syntax::parse;

/// The `[package]` table of `package.toml`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manifest {
    /// Package name.
    pub name: String,
    /// Version (semver).
    pub version: String,
    /// Who publishes it.
    pub publisher: String,
    /// What it holds.
    pub description: String,
    /// First day the package's figures apply.
    pub valid_from: NaiveDate,
    /// First day they no longer apply.
    pub valid_until: NaiveDate,
    /// Rule files, relative to the package folder.
    pub files: Vec<String>,
    /// Where the figures come from.
    pub sources: Vec<String>,
    /// What the package promises to define (`[package.exports]`); `None` when not declared.
    pub exports: Option<Exports>,
    /// Other packages this one needs, in the order written (`[dependencies]`).
    pub dependencies: Vec<DependencySpec>,
    /// Golden test files, relative to the package folder (`tests`, default every
    /// `tests/*.toml`, sorted).
    pub tests: Vec<String>,
}

impl Manifest {
    /// The version as a parsed semantic version (checked when the manifest was read).
    pub fn semver(&self) -> Option<semver::Version> {
        semver::Version::parse(&self.version).ok()
    }
}

/// `[package.exports]`: the names a package promises to define; `voltlex check` refuses a
/// package whose rule files do not define one of them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Exports {
    /// `tariff "NAME"` blocks.
    #[serde(default)]
    pub tariffs: Vec<String>,
    /// `subsidy "NAME"` blocks.
    #[serde(default)]
    pub subsidies: Vec<String>,
    /// `contract aggregator "NAME"` blocks.
    #[serde(default)]
    pub contracts: Vec<String>,
    /// `chemistry "NAME"` blocks.
    #[serde(default)]
    pub chemistries: Vec<String>,
    /// `risk_sharing "NAME"` blocks.
    #[serde(default)]
    pub risk_sharings: Vec<String>,
}

/// One entry of `[dependencies]`: `NAME = { version = "REQ", path = "DIR" }`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DependencySpec {
    /// The dependency's package name (must equal the `name` in its package.toml).
    pub name: String,
    /// The semantic-version requirement its version must meet (`^2025.1`, `>=1.2, <2`).
    pub requirement: String,
    /// Its folder, relative to this package's folder.
    pub path: String,
}

/// A dependency that was found, matched its requirement and compiled without errors.
#[derive(Debug, Clone)]
pub struct LoadedDependency {
    /// Its manifest.
    pub manifest: Manifest,
    /// Its folder as given (this package's folder joined with the dependency's `path`).
    pub dir: PathBuf,
    /// Its compiled rules.
    pub rules: CompiledRules,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    package: toml::Spanned<RawPackage>,
    #[serde(default)]
    dependencies: BTreeMap<String, toml::Spanned<RawDependency>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDependency {
    version: toml::Spanned<String>,
    path: toml::Spanned<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawExports {
    #[serde(default)]
    tariffs: Vec<toml::Spanned<String>>,
    #[serde(default)]
    subsidies: Vec<toml::Spanned<String>>,
    #[serde(default)]
    contracts: Vec<toml::Spanned<String>>,
    #[serde(default)]
    chemistries: Vec<toml::Spanned<String>>,
    #[serde(default)]
    risk_sharings: Vec<toml::Spanned<String>>,
}

/// Where each part of package.toml was written, for diagnostics found after reading it.
#[derive(Default)]
struct ManifestSpans {
    /// (kind, name, span) of every export.
    exports: Vec<(ExportKind, String, Span)>,
    /// (version span, path span) of every dependency, in `Manifest::dependencies` order.
    dependencies: Vec<(Span, Span)>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ExportKind {
    Tariff,
    Subsidy,
    Contract,
    Chemistry,
    RiskSharing,
}

impl ExportKind {
    fn word(self) -> &'static str {
        match self {
            ExportKind::Tariff => "tariff",
            ExportKind::Subsidy => "subsidy",
            ExportKind::Contract => "contract aggregator",
            ExportKind::Chemistry => "chemistry",
            ExportKind::RiskSharing => "risk_sharing",
        }
    }

    fn defined(self, rules: &CompiledRules) -> Vec<&str> {
        match self {
            ExportKind::Tariff => rules.tariffs.iter().map(|t| t.name.as_str()).collect(),
            ExportKind::Subsidy => rules.subsidies.iter().map(|s| s.name.as_str()).collect(),
            ExportKind::Contract => rules
                .aggregator_contracts
                .iter()
                .map(|c| c.name.as_str())
                .collect(),
            ExportKind::Chemistry => rules.chemistries.iter().map(|c| c.name.as_str()).collect(),
            ExportKind::RiskSharing => rules
                .risk_sharings
                .iter()
                .map(|d| d.name.as_str())
                .collect(),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPackage {
    name: String,
    version: toml::Spanned<String>,
    #[serde(default)]
    publisher: String,
    #[serde(default)]
    description: String,
    valid_from: toml::Spanned<String>,
    valid_until: toml::Spanned<String>,
    #[serde(default)]
    files: Option<Vec<toml::Spanned<String>>>,
    #[serde(default)]
    sources: Vec<String>,
    #[serde(default)]
    exports: Option<RawExports>,
    #[serde(default)]
    tests: Option<Vec<toml::Spanned<String>>>,
}

/// The result of compiling a file or package: the texts, the rules, and every diagnostic.
#[derive(Debug, Clone)]
pub struct Compilation {
    /// Every file read (rule files and package.toml), for rendering diagnostics.
    pub sources: SourceMap,
    /// The tariffs that checked without error.
    pub rules: CompiledRules,
    /// Errors and warnings in source order of files.
    pub diagnostics: Vec<Diagnostic>,
    /// The package manifest, when a package was compiled.
    pub manifest: Option<Manifest>,
    /// The package folder, when a package was compiled.
    pub package_dir: Option<PathBuf>,
    /// The package's dependencies (and theirs), each loaded once, dependencies before the
    /// packages that need them.
    pub dependencies: Vec<LoadedDependency>,
}

impl Compilation {
    /// Are there errors?
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }

    /// The package's own rules followed by every dependency's: what a consumer of the package
    /// can use. `rules` alone stays the package's own, so selecting "the only tariff" of a
    /// package is not changed by its dependencies.
    pub fn rules_with_dependencies(&self) -> CompiledRules {
        let mut all = self.rules.clone();
        for dependency in &self.dependencies {
            all.tariffs.extend(dependency.rules.tariffs.iter().cloned());
            all.subsidies
                .extend(dependency.rules.subsidies.iter().cloned());
            all.aggregator_contracts
                .extend(dependency.rules.aggregator_contracts.iter().cloned());
            all.chemistries
                .extend(dependency.rules.chemistries.iter().cloned());
            all.risk_sharings
                .extend(dependency.rules.risk_sharings.iter().cloned());
        }
        all
    }

    /// All diagnostics rendered as text, one after another.
    pub fn render_diagnostics(&self, color: bool) -> String {
        self.diagnostics
            .iter()
            .map(|d| d.render_with(&self.sources, color))
            .collect()
    }
}

/// Why a path could not be compiled at all (as opposed to rules with diagnostics).
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The path could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A folder without package.toml.
    #[error("{0} is a folder without package.toml: give a .vlx file or a package folder")]
    NotAPackage(PathBuf),
}

fn read(path: &Path) -> Result<String, LoadError> {
    std::fs::read_to_string(path).map_err(|source| LoadError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// Compiles one rule text on its own (no package, no validity window).
///
/// ```
/// let compilation = voltlex_dsl::package::compile_text("a.vlx", "tariff \"A\" { currency JPY energy 16.56 JPY/kWh }");
/// assert!(!compilation.has_errors());
/// assert_eq!(compilation.rules.tariffs.len(), 1);
/// ```
pub fn compile_text(name: &str, text: &str) -> Compilation {
    let mut sources = SourceMap::default();
    let id = sources.add(name, text);
    compile_files(sources, &[id], None, None, None, &NoResources)
}

/// Compiles a `.vlx` file or a package folder.
pub fn compile_path(path: &Path) -> Result<Compilation, LoadError> {
    if path.is_dir() {
        return compile_package(path);
    }
    let text = read(path)?;
    let mut sources = SourceMap::default();
    let id = sources.add(path.display().to_string(), text);
    // A lone rule file may use scripts and plugins in its own folder.
    let folder = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let resources = FolderResources::new(folder);
    Ok(compile_files(sources, &[id], None, None, None, &resources))
}

/// Compiles a package folder: reads package.toml, loads its dependencies (each compiled
/// first; a cycle, a missing folder, a name or version that does not match, or a dependency
/// with errors is an error in package.toml), then its rule files, checked against its
/// validity window, and finally checks the exports against what the rules define.
pub fn compile_package(dir: &Path) -> Result<Compilation, LoadError> {
    compile_package_within(dir, &mut Vec::new())
}

/// [`compile_package`] with the chain of packages being loaded (canonical folders), to refuse
/// dependency cycles.
fn compile_package_within(dir: &Path, chain: &mut Vec<PathBuf>) -> Result<Compilation, LoadError> {
    let manifest_path = dir.join("package.toml");
    if !manifest_path.is_file() {
        return Err(LoadError::NotAPackage(dir.to_path_buf()));
    }
    let mut sources = SourceMap::default();
    let manifest_name = manifest_path.display().to_string();
    let manifest_text = read(&manifest_path)?;
    let manifest_id = sources.add(manifest_name.clone(), manifest_text.clone());
    let (manifest, mut diagnostics, spans) =
        read_manifest(manifest_id, &manifest_name, &manifest_text);
    let Some(manifest) = manifest else {
        return Ok(Compilation {
            sources,
            rules: CompiledRules::default(),
            diagnostics,
            manifest: None,
            package_dir: Some(dir.to_path_buf()),
            dependencies: Vec::new(),
        });
    };
    let here = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
    chain.push(here);
    let dependencies = load_dependencies(dir, &manifest, &spans, chain, &mut diagnostics);
    chain.pop();
    let mut ids = Vec::new();
    for file in &manifest.files {
        let path = dir.join(file);
        match std::fs::read_to_string(&path) {
            Ok(text) => ids.push(sources.add(file.clone(), text)),
            Err(error) => {
                let span = find_in(&sources, manifest_id, file);
                diagnostics.push(Diagnostic::error(
                    codes::PACKAGE,
                    format!("cannot read rule file {}: {error}", path.display()),
                    span,
                    "listed here",
                ));
            }
        }
    }
    let validity = Some((manifest.valid_from, manifest.valid_until));
    let resources = FolderResources::new(dir);
    let mut compilation = compile_files(
        sources,
        &ids,
        validity,
        Some(manifest),
        Some(dir.to_path_buf()),
        &resources,
    );
    let rules_have_errors = compilation.has_errors();
    diagnostics.append(&mut compilation.diagnostics);
    // A tariff with errors is missing from the rules: its export would be reported twice.
    if !rules_have_errors {
        diagnostics.extend(missing_exports(&compilation.rules, &spans));
    }
    diagnostics.extend(untested_indices(&compilation, dir));
    compilation.diagnostics = diagnostics;
    compilation.dependencies = dependencies;
    Ok(compilation)
}

/// Errors for exports the rule files do not define, at the export's name in package.toml.
fn missing_exports(rules: &CompiledRules, spans: &ManifestSpans) -> Vec<Diagnostic> {
    let mut errors = Vec::new();
    for (kind, name, span) in &spans.exports {
        let defined = kind.defined(rules);
        if defined.contains(&name.as_str()) {
            continue;
        }
        let mut error = Diagnostic::error(
            codes::PACKAGE,
            format!(
                "the package exports {} \"{name}\" but its rule files define no such {}",
                kind.word(),
                kind.word()
            ),
            *span,
            "exported here, defined nowhere",
        );
        error = match crate::diagnostic::did_you_mean(name, defined.iter().copied()) {
            Some(similar) => error.with_help(format!("did you mean \"{similar}\"?")),
            None if defined.is_empty() => {
                error.with_help(format!("the rule files define no {} at all", kind.word()))
            }
            None => error.with_help(format!(
                "they define: {}",
                defined
                    .iter()
                    .map(|d| format!("\"{d}\""))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        };
        errors.push(error);
    }
    errors
}

/// Compiles every dependency of `manifest` (recursively, each folder once), checking its
/// name, version requirement and errors; problems become errors at the dependency in
/// package.toml. Returns the loaded dependencies, theirs before them.
fn load_dependencies(
    dir: &Path,
    manifest: &Manifest,
    spans: &ManifestSpans,
    chain: &mut Vec<PathBuf>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<LoadedDependency> {
    let mut loaded: Vec<LoadedDependency> = Vec::new();
    let mut seen: Vec<PathBuf> = Vec::new();
    for (dependency, (version_span, path_span)) in
        manifest.dependencies.iter().zip(&spans.dependencies)
    {
        let dependency_dir = dir.join(&dependency.path);
        let mut refuse = |message: String, span: Span, label: &str| {
            diagnostics.push(Diagnostic::error(codes::PACKAGE, message, span, label));
        };
        let Ok(canonical) = dependency_dir.canonicalize() else {
            refuse(
                format!(
                    "dependency `{}`: no package folder at {}",
                    dependency.name,
                    dependency_dir.display()
                ),
                *path_span,
                "not found",
            );
            continue;
        };
        if let Some(first) = chain.iter().position(|p| *p == canonical) {
            let cycle: Vec<String> = chain
                .get(first..)
                .unwrap_or_default()
                .iter()
                .chain(std::iter::once(&canonical))
                .map(|p| p.display().to_string())
                .collect();
            refuse(
                format!("dependency cycle: {}", cycle.join(" → ")),
                *path_span,
                "this package is already being loaded",
            );
            continue;
        }
        if seen.contains(&canonical) {
            continue;
        }
        seen.push(canonical);
        let compilation = match compile_package_within(&dependency_dir, chain) {
            Ok(compilation) => compilation,
            Err(error) => {
                refuse(
                    format!("dependency `{}`: {error}", dependency.name),
                    *path_span,
                    "cannot be loaded",
                );
                continue;
            }
        };
        let errors: Vec<&Diagnostic> = compilation
            .diagnostics
            .iter()
            .filter(|d| d.is_error())
            .collect();
        let Some(dependency_manifest) = compilation.manifest.clone().filter(|_| errors.is_empty())
        else {
            let first = errors
                .first()
                .map(|d| format!("; the first: {}", d.message))
                .unwrap_or_default();
            refuse(
                format!(
                    "dependency `{}` at {} has {} error(s){first}; run `voltlex check {}`",
                    dependency.name,
                    dependency_dir.display(),
                    errors.len(),
                    dependency_dir.display()
                ),
                *path_span,
                "this dependency does not check",
            );
            continue;
        };
        if dependency_manifest.name != dependency.name {
            refuse(
                format!(
                    "dependency `{}`: the package at {} is named `{}`",
                    dependency.name,
                    dependency_dir.display(),
                    dependency_manifest.name
                ),
                *path_span,
                "a different package",
            );
            continue;
        }
        let requirement = semver::VersionReq::parse(&dependency.requirement);
        let version = dependency_manifest.semver();
        if let (Ok(requirement), Some(version)) = (requirement, version) {
            if !requirement.matches(&version) {
                refuse(
                    format!(
                        "dependency `{}` requires version {requirement}, but {} is version {version}",
                        dependency.name,
                        dependency_dir.display()
                    ),
                    *version_span,
                    "not met",
                );
                continue;
            }
        }
        for transitive in compilation.dependencies {
            let canonical = transitive
                .dir
                .canonicalize()
                .unwrap_or(transitive.dir.clone());
            if !seen.contains(&canonical) {
                seen.push(canonical);
                loaded.push(transitive);
            }
        }
        loaded.push(LoadedDependency {
            manifest: dependency_manifest,
            dir: dependency_dir,
            rules: compilation.rules,
        });
    }
    loaded
}

/// Warnings for indices the rules read that no golden test (`tests/*.toml`, key `[index]`)
/// provides: such a line is never proven by the package's own tests.
fn untested_indices(compilation: &Compilation, dir: &Path) -> Vec<Diagnostic> {
    let Ok(entries) = std::fs::read_dir(dir.join("tests")) else {
        return Vec::new();
    };
    let mut provided: Vec<String> = Vec::new();
    for entry in entries.filter_map(Result::ok) {
        let path = entry.path();
        if path.extension().is_none_or(|x| x != "toml") {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        if let Ok(table) = toml::from_str::<toml::Table>(&text) {
            if let Some(toml::Value::Table(index)) = table.get("index") {
                provided.extend(index.keys().cloned());
            }
        }
    }
    let mut warnings = Vec::new();
    let mut warned: Vec<String> = Vec::new();
    for tariff in &compilation.rules.tariffs {
        let reads = tariff
            .adjustments
            .iter()
            .map(|a| (a.index.as_str(), &a.origin))
            .chain(
                tariff
                    .computed
                    .iter()
                    .flat_map(|c| c.indices.iter().map(move |i| (i.name.as_str(), &c.origin))),
            );
        for (index, origin) in reads {
            if provided.iter().any(|p| p == index) || warned.iter().any(|w| w == index) {
                continue;
            }
            warned.push(index.to_string());
            let Some(file) = compilation
                .sources
                .files()
                .iter()
                .position(|f| f.name == origin.file)
            else {
                continue;
            };
            let span = index_clause_span(&compilation.sources, file, origin.line, index);
            warnings.push(
                Diagnostic::warning(
                    codes::INDEX_NEVER_PROVIDED,
                    format!("index \"{index}\" is never provided by a golden test of this package"),
                    span,
                    "read here, tested nowhere",
                )
                .with_help(format!(
                    "add a golden bill under tests/ with `[index]` `{index} = \"data/….csv\"`"
                )),
            );
        }
    }
    warnings
}

fn compile_files(
    sources: SourceMap,
    ids: &[FileId],
    validity: Option<(NaiveDate, NaiveDate)>,
    manifest: Option<Manifest>,
    package_dir: Option<PathBuf>,
    resources: &dyn Resources,
) -> Compilation {
    let mut diagnostics = Vec::new();
    let mut files = Vec::new();
    for (id, file) in ids.iter().filter_map(|&id| Some((id, sources.file(id)?))) {
        match parse(id, &file.text) {
            Ok(file) => files.push(file),
            Err(diagnostic) => diagnostics.push(*diagnostic),
        }
    }
    let (rules, mut more) = check_files_with(&sources, &files, validity, resources);
    diagnostics.append(&mut more);
    Compilation {
        sources,
        rules,
        diagnostics,
        manifest,
        package_dir,
        dependencies: Vec::new(),
    }
}

fn span_of(file: FileId, range: Range<usize>) -> Span {
    Span {
        file,
        start: range.start,
        end: range.end,
    }
}

/// Where a rule starting on `line` (1-based) names `"index"`: the first such string from that
/// line on outside comments, so the warning points at the rule's own clause.
fn index_clause_span(sources: &SourceMap, file: FileId, line: u32, index: &str) -> Span {
    let needle = format!("\"{index}\"");
    let text = sources.file(file).map_or("", |f| f.text.as_str());
    let mut offset = 0;
    for (number, content) in text.split_inclusive('\n').enumerate() {
        if number + 1 >= line as usize {
            let code = content.split('#').next().unwrap_or("");
            if let Some(at) = code.find(&needle) {
                let start = offset + at;
                return Span {
                    file,
                    start,
                    end: start + needle.len(),
                };
            }
        }
        offset += content.len();
    }
    find_in(sources, file, &needle)
}

fn find_in(sources: &SourceMap, file: FileId, needle: &str) -> Span {
    let text = sources.file(file).map_or("", |f| f.text.as_str());
    text.find(needle).map_or(
        Span {
            file,
            start: 0,
            end: 0,
        },
        |start| Span {
            file,
            start,
            end: start + needle.len(),
        },
    )
}

/// `package.toml`, file `id` of the compilation, named `name`.
fn read_manifest(
    id: FileId,
    name: &str,
    text: &str,
) -> (Option<Manifest>, Vec<Diagnostic>, ManifestSpans) {
    let raw: RawFile = match toml::from_str(text) {
        Ok(raw) => raw,
        Err(error) => {
            let range = error.span().unwrap_or(0..0);
            let message = error.message().to_string();
            return (
                None,
                vec![Diagnostic::error(
                    codes::PACKAGE,
                    format!("package.toml: {message}"),
                    span_of(id, range),
                    message.clone(),
                )
                .with_help("see `voltlex explain-error E0401` for the fields of package.toml")],
                ManifestSpans::default(),
            );
        }
    };
    let package_span = span_of(id, raw.package.span());
    let package = raw.package.into_inner();
    let mut diagnostics = Vec::new();
    let mut date = |field: &toml::Spanned<String>, what: &str| match NaiveDate::parse_from_str(
        field.get_ref(),
        "%Y-%m-%d",
    ) {
        Ok(d) => Some(d),
        Err(_) => {
            diagnostics.push(Diagnostic::error(
                codes::PACKAGE,
                format!("{what} `{}` is not a date", field.get_ref()),
                span_of(id, field.span()),
                "expected YYYY-MM-DD",
            ));
            None
        }
    };
    let valid_from = date(&package.valid_from, "valid_from");
    let valid_until = date(&package.valid_until, "valid_until");
    if let (Some(from), Some(until)) = (valid_from, valid_until) {
        if from >= until {
            diagnostics.push(Diagnostic::error(
                codes::PACKAGE,
                format!("valid_until {until} is not after valid_from {from}"),
                span_of(id, package.valid_until.span()),
                "must be later than valid_from",
            ));
        }
    }
    if let Err(error) = semver::Version::parse(package.version.get_ref()) {
        diagnostics.push(Diagnostic::error(
            codes::PACKAGE,
            format!(
                "version `{}` is not a semantic version: {error}",
                package.version.get_ref()
            ),
            span_of(id, package.version.span()),
            "expected MAJOR.MINOR.PATCH, e.g. 2025.4.0",
        ));
    }
    let folder = Path::new(name)
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let mut spans = ManifestSpans::default();
    let exports = package.exports.as_ref().map(|raw| {
        let mut list = |kind: ExportKind, names: &[toml::Spanned<String>]| -> Vec<String> {
            for name in names {
                spans
                    .exports
                    .push((kind, name.get_ref().clone(), span_of(id, name.span())));
            }
            names.iter().map(|n| n.get_ref().clone()).collect()
        };
        Exports {
            tariffs: list(ExportKind::Tariff, &raw.tariffs),
            subsidies: list(ExportKind::Subsidy, &raw.subsidies),
            contracts: list(ExportKind::Contract, &raw.contracts),
            chemistries: list(ExportKind::Chemistry, &raw.chemistries),
            risk_sharings: list(ExportKind::RiskSharing, &raw.risk_sharings),
        }
    });
    let mut dependencies = Vec::new();
    for (dependency_name, raw) in &raw.dependencies {
        let raw = raw.get_ref();
        if let Err(error) = semver::VersionReq::parse(raw.version.get_ref()) {
            diagnostics.push(Diagnostic::error(
                codes::PACKAGE,
                format!(
                    "dependency `{dependency_name}`: `{}` is not a version requirement: {error}",
                    raw.version.get_ref()
                ),
                span_of(id, raw.version.span()),
                "expected a semver requirement, e.g. \"^2025.4\" or \">=1.2, <2\"",
            ));
        }
        spans.dependencies.push((
            span_of(id, raw.version.span()),
            span_of(id, raw.path.span()),
        ));
        dependencies.push(DependencySpec {
            name: dependency_name.clone(),
            requirement: raw.version.get_ref().clone(),
            path: raw.path.get_ref().clone(),
        });
    }
    let tests = match &package.tests {
        Some(tests) => {
            for test in tests {
                let relative = Path::new(test.get_ref());
                let leaves = relative.is_absolute()
                    || relative
                        .components()
                        .any(|c| !matches!(c, std::path::Component::Normal(_)));
                let problem = if leaves {
                    Some("a test file must be a path inside the package folder")
                } else if relative.extension().is_none_or(|x| x != "toml") {
                    Some("a golden test is a .toml file")
                } else if !folder.join(relative).is_file() {
                    Some("no such file in the package")
                } else {
                    None
                };
                if let Some(problem) = problem {
                    diagnostics.push(Diagnostic::error(
                        codes::PACKAGE,
                        format!("test file `{}`: {problem}", test.get_ref()),
                        span_of(id, test.span()),
                        problem,
                    ));
                }
            }
            tests.iter().map(|t| t.get_ref().clone()).collect()
        }
        None => default_tests(&folder),
    };
    let files = match &package.files {
        Some(files) => files.iter().map(|f| f.get_ref().clone()).collect(),
        None => {
            let dir = Path::new(name)
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or_default();
            let mut found: Vec<String> = std::fs::read_dir(&dir)
                .map(|entries| {
                    entries
                        .filter_map(Result::ok)
                        .filter(|e| e.path().extension().is_some_and(|x| x == "vlx"))
                        .filter_map(|e| e.file_name().to_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default();
            found.sort();
            if found.is_empty() {
                diagnostics.push(
                    Diagnostic::error(
                        codes::PACKAGE,
                        "the package has no .vlx files",
                        package_span,
                        "no rules",
                    )
                    .with_help("put rule files next to package.toml or list them in `files`"),
                );
            }
            found
        }
    };
    if !diagnostics.is_empty() {
        return (None, diagnostics, spans);
    }
    let (Some(valid_from), Some(valid_until)) = (valid_from, valid_until) else {
        return (None, diagnostics, spans);
    };
    (
        Some(Manifest {
            name: package.name,
            version: package.version.into_inner(),
            publisher: package.publisher,
            description: package.description,
            valid_from,
            valid_until,
            files,
            sources: package.sources,
            exports,
            dependencies,
            tests,
        }),
        diagnostics,
        spans,
    )
}

/// Every `tests/*.toml` of the package folder, as `tests/NAME.toml`, sorted.
fn default_tests(folder: &Path) -> Vec<String> {
    let mut found: Vec<String> = std::fs::read_dir(folder.join("tests"))
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter(|e| e.path().extension().is_some_and(|x| x == "toml"))
                .filter_map(|e| e.file_name().to_str().map(|n| format!("tests/{n}")))
                .collect()
        })
        .unwrap_or_default();
    found.sort();
    found
}
