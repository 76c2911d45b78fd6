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
//! ```

use chrono::NaiveDate;
use serde::Deserialize;
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
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    package: toml::Spanned<RawPackage>,
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
}

impl Compilation {
    /// Are there errors?
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
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

/// Compiles a package folder: reads package.toml, then its rule files, checked against its
/// validity window.
pub fn compile_package(dir: &Path) -> Result<Compilation, LoadError> {
    let manifest_path = dir.join("package.toml");
    if !manifest_path.is_file() {
        return Err(LoadError::NotAPackage(dir.to_path_buf()));
    }
    let mut sources = SourceMap::default();
    let manifest_name = manifest_path.display().to_string();
    let manifest_text = read(&manifest_path)?;
    let manifest_id = sources.add(manifest_name.clone(), manifest_text.clone());
    let (manifest, mut diagnostics) = read_manifest(manifest_id, &manifest_name, &manifest_text);
    let Some(manifest) = manifest else {
        return Ok(Compilation {
            sources,
            rules: CompiledRules::default(),
            diagnostics,
            manifest: None,
            package_dir: Some(dir.to_path_buf()),
        });
    };
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
    diagnostics.append(&mut compilation.diagnostics);
    diagnostics.extend(untested_indices(&compilation, dir));
    compilation.diagnostics = diagnostics;
    Ok(compilation)
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
fn read_manifest(id: FileId, name: &str, text: &str) -> (Option<Manifest>, Vec<Diagnostic>) {
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
    let version_ok = {
        let parts: Vec<&str> = package
            .version
            .get_ref()
            .split(['-', '+'])
            .next()
            .unwrap_or("")
            .split('.')
            .collect();
        parts.len() == 3
            && parts
                .iter()
                .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
    };
    if !version_ok {
        diagnostics.push(Diagnostic::error(
            codes::PACKAGE,
            format!(
                "version `{}` is not a semantic version",
                package.version.get_ref()
            ),
            span_of(id, package.version.span()),
            "expected MAJOR.MINOR.PATCH, e.g. 2025.4.0",
        ));
    }
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
        return (None, diagnostics);
    }
    let (Some(valid_from), Some(valid_until)) = (valid_from, valid_until) else {
        return (None, diagnostics);
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
        }),
        diagnostics,
    )
}
