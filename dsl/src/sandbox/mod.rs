//! Escape hatches: a `computed` rule's price comes from a rhai script or a wasm plugin, run in
//! a sandbox that cannot read files, reach a network, print, loop for ever or eat memory.
//!
//! The engine builds a [`ComputeInput`] per bill month and calls [`Sandboxes::evaluate`]; a
//! breach of any limit is a [`SandboxError`] naming the limit, turned by the engine into an
//! error naming the rule. [`Sandboxes`] keeps compiled scripts and modules for the whole run
//! (compiled once, evaluated every month). [`Sandboxes::evaluate_values`] runs a wasm plugin
//! of another ABI on a plain list of numbers (the degradation ABI v1 of `docs/plugins.md`, a
//! battery maker's wear model), under the same limits.
//!
//! Limits ([`Limits`]) are the same for every rule and every run, so results are
//! deterministic: wasm plugins are metered by fuel (instructions), rhai scripts by operation
//! count; the wall-clock deadline is a last resort that a well-behaved rule never meets.

pub mod rhai_script;
#[cfg(feature = "wasm")]
pub mod wasm_plugin;

use std::collections::BTreeMap;
use std::time::Duration;

use crate::rules::{Computed, ComputedSource};

/// What a computed rule sees of one bill month. Plain numbers: kWh, kW, JPY/kWh as the index is.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ComputeInput {
    /// Billing month as `YYYY-MM`.
    pub month: String,
    /// Year of the billing month.
    pub year: i32,
    /// Month number, 1–12.
    pub month_number: u32,
    /// Days in the month.
    pub days: u32,
    /// Energy of the month, kWh.
    pub energy_kwh: f64,
    /// The month's peak demand, kW.
    pub peak_kw: f64,
    /// The month's contract demand, kW.
    pub contract_kw: f64,
    /// Interval length of `interval_kwh`, minutes.
    pub interval_minutes: u32,
    /// Energy of every interval of the month, kWh, in time order.
    pub interval_kwh: Vec<f64>,
    /// The values of each declared index in its month (the billing month less its lag), in
    /// time order: every interval of an interval series, or the one value of a monthly one.
    /// Keyed by index name; a map, so iterated (and passed to plugins) sorted by name.
    pub index: BTreeMap<String, Vec<f64>>,
}

/// The limits every script and plugin runs under.
#[derive(Debug, Clone, PartialEq)]
pub struct Limits {
    /// rhai: operations per evaluation.
    pub max_operations: u64,
    /// rhai: call depth.
    pub max_call_depth: usize,
    /// rhai: expression nesting depth (global and in functions).
    pub max_expression_depth: usize,
    /// rhai: characters in one string.
    pub max_string_size: usize,
    /// rhai: elements in one array (a month of 15-minute data is under 3,000).
    pub max_array_size: usize,
    /// rhai: entries in one object map.
    pub max_map_size: usize,
    /// rhai: variables in scope.
    pub max_variables: usize,
    /// rhai: functions a script may define.
    pub max_functions: usize,
    /// wasm: fuel (roughly instructions) per call.
    pub fuel: u64,
    /// wasm: linear memory, bytes.
    pub max_memory_bytes: usize,
    /// Both: wall-clock deadline per evaluation.
    pub deadline: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_operations: 5_000_000,
            max_call_depth: 32,
            max_expression_depth: 64,
            max_string_size: 4_096,
            max_array_size: 100_000,
            max_map_size: 1_000,
            max_variables: 256,
            max_functions: 64,
            fuel: 200_000_000,
            max_memory_bytes: 32 * 1024 * 1024,
            deadline: Duration::from_millis(800),
        }
    }
}

/// Why a computed rule gave no price. Messages say which limit or what was wrong.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SandboxError {
    /// The script or module could not be compiled (syntax error, invalid module).
    #[error("cannot compile {what}: {message}")]
    Compile {
        /// `script scripts/x.rhai` or `plugin plugins/x.wasm`.
        what: String,
        /// The compiler's message, with the script's line where known.
        message: String,
    },
    /// A resource limit was hit: `limit` names it ("operations", "fuel", "memory", "deadline",
    /// "call depth", "array size", …).
    #[error("hit the {limit} limit ({detail})")]
    Limit {
        /// The limit.
        limit: &'static str,
        /// Its value and what was going on.
        detail: String,
    },
    /// The script failed or the module trapped.
    #[error("failed: {0}")]
    Failed(String),
    /// The result is not a quantity in the declared unit, or not finite.
    #[error("wrong result: {0}")]
    WrongResult(String),
    /// The module does not follow the plugin ABI (exports, imports, signature).
    #[error("breaks the plugin ABI: {0}")]
    Abi(String),
    /// This build has no support for the rule's kind of escape hatch.
    #[error("{0}")]
    Unsupported(String),
}

/// Compiled scripts and modules of one run, and the limits they run under.
pub struct Sandboxes {
    limits: Limits,
    scripts: rhai_script::ScriptCache,
    #[cfg(feature = "wasm")]
    plugins: wasm_plugin::PluginCache,
}

impl Default for Sandboxes {
    fn default() -> Self {
        Sandboxes::new(Limits::default())
    }
}

impl Sandboxes {
    /// Sandboxes with these limits.
    pub fn new(limits: Limits) -> Self {
        Sandboxes {
            scripts: rhai_script::ScriptCache::new(&limits),
            #[cfg(feature = "wasm")]
            plugins: wasm_plugin::PluginCache::new(&limits),
            limits,
        }
    }

    /// The limits in force.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Runs a computed rule on one month's input; the result is in the rule's declared unit
    /// (`computed.returns`), checked to be finite.
    pub fn evaluate(
        &mut self,
        computed: &Computed,
        input: &ComputeInput,
    ) -> Result<f64, SandboxError> {
        let value = match &computed.source {
            ComputedSource::Script { code, file } => {
                self.scripts
                    .evaluate(&computed.name, file, code, &computed.returns, input)?
            }
            #[cfg(feature = "wasm")]
            ComputedSource::Plugin {
                module,
                file,
                export,
            } => self
                .plugins
                .evaluate(&computed.name, file, module, export, input)?,
            #[cfg(not(feature = "wasm"))]
            ComputedSource::Plugin { file, .. } => {
                return Err(SandboxError::Unsupported(format!(
                    "plugin {file}: this build of voltlex has no wasm support (feature `wasm`)"
                )))
            }
        };
        if value.is_finite() {
            Ok(value)
        } else {
            Err(SandboxError::WrongResult(format!(
                "{value} is not a finite number"
            )))
        }
    }
    /// Calls the wasm plugin `module` (binary wasm or WAT text, read from `file`) on a plain
    /// list of numbers, for plugin ABIs other than the `computed` one — the degradation ABI v1
    /// of `docs/plugins.md` passes seven. `values` are written as little-endian `f64`s into a
    /// buffer from the module's `voltlex_alloc`, and `export` (`(i32 ptr, i32 len) -> f64`) is
    /// called with its pointer and byte length, under the same [`Limits`] (fuel, memory,
    /// deadline) and rules (no imports) as a `computed` rule's plugin; the module is compiled
    /// once per run. A NaN or infinite result is [`SandboxError::WrongResult`]. A build
    /// without the `wasm` feature answers [`SandboxError::Unsupported`].
    ///
    /// ```
    /// use voltlex_dsl::sandbox::{SandboxError, Sandboxes};
    ///
    /// // result = the sum of the values; NaN when given none
    /// let wat = r#"(module
    ///   (memory (export "memory") 1)
    ///   (func (export "voltlex_alloc") (param i32) (result i32) i32.const 1024)
    ///   (func (export "sum") (param $ptr i32) (param $len i32) (result f64)
    ///     (local $end i32) (local $sum f64)
    ///     (if (i32.eqz (local.get $len)) (then (return (f64.const nan))))
    ///     (local.set $end (i32.add (local.get $ptr) (local.get $len)))
    ///     (block $done (loop $next
    ///       (br_if $done (i32.ge_u (local.get $ptr) (local.get $end)))
    ///       (local.set $sum (f64.add (local.get $sum) (f64.load (local.get $ptr))))
    ///       (local.set $ptr (i32.add (local.get $ptr) (i32.const 8)))
    ///       (br $next)))
    ///     (local.get $sum)))"#;
    /// let mut sandboxes = Sandboxes::default();
    /// let sum = sandboxes.evaluate_values("plugins/sum.wat", wat.as_bytes(), "sum", &[0.5, 0.25, 2.0]);
    /// if cfg!(feature = "wasm") {
    ///     assert_eq!(sum?, 2.75);
    ///     let none = sandboxes.evaluate_values("plugins/sum.wat", wat.as_bytes(), "sum", &[]);
    ///     assert!(matches!(none, Err(SandboxError::WrongResult(_))), "{none:?}");
    /// } else {
    ///     assert!(matches!(sum, Err(SandboxError::Unsupported(_))));
    /// }
    /// # Ok::<(), SandboxError>(())
    /// ```
    pub fn evaluate_values(
        &mut self,
        file: &str,
        module: &[u8],
        export: &str,
        values: &[f64],
    ) -> Result<f64, SandboxError> {
        #[cfg(feature = "wasm")]
        {
            self.plugins.evaluate_values(file, module, export, values)
        }
        #[cfg(not(feature = "wasm"))]
        {
            let _ = (module, export, values);
            Err(SandboxError::Unsupported(format!(
                "plugin {file}: this build of voltlex has no wasm support (feature `wasm`)"
            )))
        }
    }
}
