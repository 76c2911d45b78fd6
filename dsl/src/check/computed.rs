//! `computed` lines: a script or plugin, the indices it reads, and the unit it returns.
//! Scripts and modules are read here, at compile time, through [`Resources`], which keeps
//! a package from reading anything outside its own folder.

use std::path::{Component, Path, PathBuf};

use super::Checker;
use crate::ast::{self, ComputedClause, Spanned};
use crate::diagnostic::{codes, Diagnostic};
use crate::rules::{Computed, ComputedBasis, ComputedIndex, ComputedSource};
use crate::units::{read_unit, UnitKind};

/// Where the files a rule refers to (scripts, plugins) come from.
pub trait Resources {
    /// The bytes of `relative`, named in a rule of `rule_file`; an error message otherwise.
    fn read(&self, rule_file: &str, relative: &str) -> Result<Vec<u8>, String>;
}

/// No files at all: rules compiled from text alone.
///
/// ```
/// use voltlex_dsl::check::{NoResources, Resources};
/// assert!(NoResources.read("a.vlx", "x.rhai").is_err());
/// ```
pub struct NoResources;

impl Resources for NoResources {
    fn read(&self, _rule_file: &str, relative: &str) -> Result<Vec<u8>, String> {
        Err(format!("cannot read {relative}: rules compiled from text alone cannot load files; use an inline script (script rhai \"\"\" … \"\"\")"))
    }
}

/// Files inside one folder (a package, or the folder of a lone rule file). Absolute paths
/// and `..` are refused, so a published package cannot read anything outside itself.
///
/// ```
/// use voltlex_dsl::check::{FolderResources, Resources};
/// let here = FolderResources::new(".");
/// assert!(here.read("a.vlx", "../secret").unwrap_err().contains("inside the package"));
/// assert!(here.read("a.vlx", "/etc/passwd").unwrap_err().contains("inside the package"));
/// ```
pub struct FolderResources {
    root: PathBuf,
}

impl FolderResources {
    /// Files under `root`.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        FolderResources { root: root.into() }
    }
}

impl Resources for FolderResources {
    fn read(&self, _rule_file: &str, relative: &str) -> Result<Vec<u8>, String> {
        let path = Path::new(relative);
        let inside = !relative.is_empty()
            && path
                .components()
                .all(|c| matches!(c, Component::Normal(_) | Component::CurDir));
        if !inside {
            return Err(format!("`{relative}` must be a relative path inside the package (no `..`, no absolute path)"));
        }
        let full = self.root.join(path);
        std::fs::read(&full).map_err(|e| format!("cannot read {}: {e}", full.display()))
    }
}

impl Checker<'_> {
    pub(super) fn computed(
        &mut self,
        name: &Spanned<String>,
        clauses: &[Spanned<ComputedClause>],
        item: &ast::Item,
    ) -> Option<Computed> {
        let rule_file = self
            .sources
            .file(item.span.file)
            .map(|f| f.name.clone())
            .unwrap_or_default();
        let mut source: Option<(ComputedSource, Spanned<()>)> = None;
        let mut returns: Option<(UnitKind, String)> = None;
        let mut indices: Vec<ComputedIndex> = Vec::new();
        let mut rounding = None;
        let mut ok = true;
        for clause in clauses {
            match &clause.value {
                ComputedClause::Script { text, .. } | ComputedClause::Plugin { file: text, .. }
                    if source.is_some() =>
                {
                    let first = source.as_ref().map_or(clause.span, |(_, s)| s.span);
                    self.report(
                        Diagnostic::error(
                            codes::DUPLICATE,
                            format!("computed `{}` has two sources", name.value),
                            text.span,
                            "second script or plugin",
                        )
                        .with_label(first, "first given here")
                        .with_help("a computed line has one script or one plugin"),
                    );
                    ok = false;
                }
                ComputedClause::Script { text, inline } => {
                    let code = if *inline {
                        Some(text.value.clone())
                    } else {
                        self.resource_text(&rule_file, text)
                    };
                    match code {
                        Some(code) => {
                            let file = if *inline {
                                format!("{rule_file} (inline script)")
                            } else {
                                text.value.clone()
                            };
                            if self.script_compiles(&code, &file, text, *inline) {
                                source = Some((
                                    ComputedSource::Script { code, file },
                                    Spanned {
                                        value: (),
                                        span: clause.span,
                                    },
                                ));
                            } else {
                                ok = false;
                            }
                        }
                        None => ok = false,
                    }
                }
                ComputedClause::Plugin { file, export } => {
                    match self.resources.read(&rule_file, &file.value) {
                        Ok(module) => {
                            if self.plugin_loads(&module, file, export) {
                                source = Some((
                                    ComputedSource::Plugin {
                                        module,
                                        file: file.value.clone(),
                                        export: export.value.clone(),
                                    },
                                    Spanned {
                                        value: (),
                                        span: clause.span,
                                    },
                                ));
                            } else {
                                ok = false;
                            }
                        }
                        Err(message) => {
                            self.report(Diagnostic::error(
                                codes::RESOURCE,
                                message,
                                file.span,
                                "cannot load this module",
                            ));
                            ok = false;
                        }
                    }
                }
                ComputedClause::Index { name: index, lag } => {
                    let lag_months = match lag {
                        Some(q) => match self.whole(q, UnitKind::Months, 0..=24) {
                            Some(v) => v,
                            None => {
                                ok = false;
                                0
                            }
                        },
                        None => 0,
                    };
                    if indices.iter().any(|i| i.name == index.value) {
                        self.report(Diagnostic::error(
                            codes::DUPLICATE,
                            format!("index \"{}\" is read twice", index.value),
                            index.span,
                            "given again here",
                        ));
                        ok = false;
                    }
                    indices.push(ComputedIndex {
                        name: index.value.clone(),
                        lag_months,
                    });
                }
                ComputedClause::Returns(unit) => {
                    if returns.is_some() {
                        self.report(Diagnostic::error(
                            codes::DUPLICATE,
                            "`returns` is given twice",
                            clause.span,
                            "given again here",
                        ));
                        ok = false;
                        continue;
                    }
                    returns = self.returns_unit(unit);
                    ok &= returns.is_some();
                }
                ComputedClause::Round(spec) => rounding = self.rounding(spec, UnitKind::Money),
                ComputedClause::Unknown(word) => {
                    self.unknown(
                        word,
                        &["script", "plugin", "index", "returns", "round"],
                        "computed",
                    );
                    ok = false;
                }
            }
        }
        if source.is_none() && ok {
            self.report(
                Diagnostic::error(codes::MISSING, format!("computed `{}` has no script or plugin", name.value), name.span, "computed by what?")
                    .with_help("add `script rhai \"scripts/price.rhai\"` or `plugin wasm \"plugins/price.wasm\" export \"price\"`"),
            );
            ok = false;
        }
        if returns.is_none() && ok {
            self.report(
                Diagnostic::error(
                    codes::MISSING,
                    format!("computed `{}` does not say what it returns", name.value),
                    name.span,
                    "returns what?",
                )
                .with_help(format!(
                    "add `returns {}` (or money/kW per month, or money per month)",
                    UnitKind::MoneyPerKwh.example(self.currency)
                )),
            );
            ok = false;
        }
        if !ok {
            return None;
        }
        let (source, _) = source?;
        let (kind, returns) = returns?;
        let basis = match kind {
            UnitKind::MoneyPerKwh => ComputedBasis::PerKwh,
            UnitKind::MoneyPerKwMonth => ComputedBasis::PerKwMonth,
            _ => ComputedBasis::PerMonth,
        };
        Some(Computed {
            name: name.value.clone(),
            source,
            returns,
            basis,
            indices,
            rounding,
            origin: self.rule_ref(item.span),
        })
    }

    fn returns_unit(&mut self, unit: &ast::Quantity) -> Option<(UnitKind, String)> {
        let wanted = [
            UnitKind::MoneyPerKwh,
            UnitKind::MoneyPerKwMonth,
            UnitKind::MoneyPerMonth,
        ];
        let kind = match read_unit(unit) {
            Ok(Some(u)) if wanted.contains(&u.kind) => {
                if u.currency != Some(self.currency) {
                    self.report(
                        Diagnostic::error(
                            codes::CURRENCY_MISMATCH,
                            format!(
                                "returns {}, but the tariff bills in {}",
                                unit.unit_text.value, self.currency
                            ),
                            unit.unit_text.span,
                            "other currency",
                        )
                        .with_label(self.currency_span, "the tariff's currency"),
                    );
                    return None;
                }
                u.kind
            }
            Ok(_) => {
                let expected = wanted.map(|k| k.example(self.currency)).join(", ");
                self.report(
                    Diagnostic::error(codes::WRONG_UNIT, format!("a computed line returns one of {expected}; found {}", unit.unit_text.value), unit.unit_text.span, "not a price")
                        .with_help("per kWh multiplies the month's kWh, per kW per month the contract demand, per month is the amount"),
                );
                return None;
            }
            Err(diagnostic) => {
                self.report(*diagnostic);
                return None;
            }
        };
        Some((kind, kind.example(self.currency)))
    }

    /// A wasm module named in a rule (`plugin wasm "file" export "name"`), read from the
    /// package and checked against the plugin ABI's shape; `None` when either fails (reported).
    pub(super) fn plugin_module(
        &mut self,
        file: &Spanned<String>,
        export: &Spanned<String>,
    ) -> Option<Vec<u8>> {
        let rule_file = self
            .sources
            .file(file.span.file)
            .map(|f| f.name.clone())
            .unwrap_or_default();
        match self.resources.read(&rule_file, &file.value) {
            Ok(module) => self.plugin_loads(&module, file, export).then_some(module),
            Err(message) => {
                self.report(Diagnostic::error(
                    codes::RESOURCE,
                    message,
                    file.span,
                    "cannot load this module",
                ));
                None
            }
        }
    }

    fn resource_text(&mut self, rule_file: &str, path: &Spanned<String>) -> Option<String> {
        match self.resources.read(rule_file, &path.value) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(text) => Some(text),
                Err(_) => {
                    self.report(Diagnostic::error(
                        codes::RESOURCE,
                        format!("{} is not UTF-8 text", path.value),
                        path.span,
                        "expected a rhai script",
                    ));
                    None
                }
            },
            Err(message) => {
                self.report(Diagnostic::error(
                    codes::RESOURCE,
                    message,
                    path.span,
                    "cannot load this script",
                ));
                None
            }
        }
    }

    /// Reports a script that does not compile; for an inline script, at its own line.
    fn script_compiles(
        &mut self,
        code: &str,
        file: &str,
        text: &Spanned<String>,
        inline: bool,
    ) -> bool {
        match crate::sandbox::rhai_script::check_script(code) {
            Ok(()) => true,
            Err(error) => {
                let span = if inline {
                    inline_span(text, code, error.line, error.column)
                } else {
                    text.span
                };
                self.report(
                    Diagnostic::error(
                        codes::SCRIPT,
                        format!("script does not compile: {}", error.message),
                        span,
                        format!("{file}:{}:{}", error.line, error.column),
                    )
                    .with_help("scripts are rhai; see docs/scripts.md for what a script may use"),
                );
                false
            }
        }
    }

    #[cfg(feature = "wasm")]
    fn plugin_loads(
        &mut self,
        module: &[u8],
        file: &Spanned<String>,
        export: &Spanned<String>,
    ) -> bool {
        match crate::sandbox::wasm_plugin::check_plugin(module, &export.value) {
            Ok(()) => true,
            Err(message) => {
                self.report(Diagnostic::error(
                    codes::PLUGIN,
                    format!("plugin {} cannot be used: {message}", file.value),
                    file.span,
                    "see docs/plugins.md for the plugin ABI",
                ));
                false
            }
        }
    }

    /// Without wasm support a plugin cannot be checked here; the engine refuses it at billing.
    #[cfg(not(feature = "wasm"))]
    fn plugin_loads(
        &mut self,
        _module: &[u8],
        _file: &Spanned<String>,
        _export: &Spanned<String>,
    ) -> bool {
        true
    }
}

/// The span of `line:column` (1-based) inside an inline script.
fn inline_span(
    text: &Spanned<String>,
    code: &str,
    line: usize,
    column: usize,
) -> crate::source::Span {
    let mut offset = 0;
    for (index, content) in code.split_inclusive('\n').enumerate() {
        if index + 1 == line {
            let within: usize = content
                .chars()
                .take(column.saturating_sub(1))
                .map(char::len_utf8)
                .sum();
            let start = text.span.start + offset + within;
            let end = (start + 1).min(text.span.end.max(start + 1));
            return crate::source::Span {
                file: text.span.file,
                start,
                end,
            };
        }
        offset += content.len();
    }
    text.span
}
