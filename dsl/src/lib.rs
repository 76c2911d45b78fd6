//! voltlex-dsl: the rules language — text in, checked and compiled rules out.
//!
//! The pipeline is [`syntax::parse`] (pest grammar → [`ast`] with spans), then
//! [`check::check_files`] (units, dates, names, coverage of time and validity → [`rules`]),
//! with [`diagnostic::Diagnostic`]s rendered like a compiler's. [`package`] reads rule
//! packages and drives the pipeline; [`calendar`] knows holidays.
//!
//! ```
//! let compilation = voltlex_dsl::compile_text("plan.vlx", r#"
//!     tariff "Flat" {
//!       currency JPY
//!       energy 16.56 JPY/kWh
//!       round each line down to 1 JPY
//!     }"#);
//! assert!(!compilation.has_errors());
//! assert_eq!(compilation.rules.tariffs[0].name, "Flat");
//! ```
pub mod ast;
pub mod calendar;
pub mod check;
pub mod diagnostic;
pub mod format;
pub mod package;
pub mod rules;
pub mod sandbox;
pub mod source;
pub mod syntax;
pub mod units;

pub use package::{compile_package, compile_path, compile_text, Compilation, LoadError, Manifest};
