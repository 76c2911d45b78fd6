//! wasm plugins under wasmtime: plugin ABI v1 (`docs/plugins.md`).
//!
//! A plugin is a WebAssembly module (binary, or WAT text) that
//!
//! - imports nothing: no WASI, no host functions, so it cannot read files, reach a network,
//!   print or read the clock;
//! - exports its linear `memory`, an allocator `voltlex_alloc: (i32 n) -> i32 ptr` (a pointer
//!   to `n` bytes the host may write), and the rule's function `(i32 ptr, i32 len) -> f64`.
//!
//! The host writes the month's [`ComputeInput`] as little-endian `f64` values
//! ([`encode_input`]) into a buffer from `voltlex_alloc`, calls the rule's export with the
//! buffer's pointer and byte length and takes the result as the price in the rule's declared
//! unit.
//!
//! Every evaluation gets a fresh `Store` and `Instance`, so nothing (globals, memory) survives
//! from one month or rule to the next. It runs under [`Limits`]:
//!
//! - `fuel` per evaluation (instantiation, `voltlex_alloc` and the export together), metered
//!   by wasmtime, deterministic: out of fuel is [`SandboxError::Limit`] `"fuel"`;
//! - `max_memory_bytes` of linear memory: growing beyond it traps (not the spec's `-1`), so a
//!   memory bomb is [`SandboxError::Limit`] `"memory"`;
//! - `deadline` of wall-clock time, a backstop by epoch interruption: a watchdog thread (one
//!   per [`PluginCache`], started by its first evaluation, stopped when the cache is dropped)
//!   ticks the engine's epoch; a call running past the deadline is [`SandboxError::Limit`]
//!   `"deadline"`. With the default limits fuel runs out long before.
//!
//! Modules are compiled once per [`PluginCache`] (one wasmtime `Engine`), cached by file and
//! content hash.

use std::collections::hash_map::DefaultHasher;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use wasmtime::{
    Config, Engine, ExternType, Linker, Module, ResourceLimiter, Store, StoreLimits,
    StoreLimitsBuilder, Trap, ValType, WasmBacktrace,
};

use super::{ComputeInput, Limits, SandboxError};

/// The plugin ABI version, the first value of every input buffer.
pub const ABI_VERSION: u32 = 1;
/// The export through which the host asks the module for input space: `(i32 n) -> i32 ptr`.
pub const ALLOC_EXPORT: &str = "voltlex_alloc";
/// The exported linear memory the input is written to.
pub const MEMORY_EXPORT: &str = "memory";

/// The deadline is split into this many epoch ticks; a call is interrupted between
/// `deadline` and `deadline × (1 + 1/DEADLINE_TICKS)` after it starts.
const DEADLINE_TICKS: u32 = 8;
/// Elements of one table (Rust modules have one small table for indirect calls).
const MAX_TABLE_ELEMENTS: usize = 100_000;
/// What the export of a `computed` rule takes and gives, for ABI errors.
const PRICE_MEANING: &str = "the input's pointer and byte length, and the price";
/// What the export called by [`PluginCache::evaluate_values`] takes and gives.
const VALUES_MEANING: &str = "the input's pointer and byte length, and the result";

/// Compiled modules of one run, and the engine and limits they run under.
///
/// ```
/// use voltlex_dsl::sandbox::{wasm_plugin::PluginCache, ComputeInput, Limits};
///
/// // price = 12.5 + 0.001 × energy_kwh (input value 4, see `encode_input`)
/// let wat = r#"(module
///   (memory (export "memory") 1)
///   (func (export "voltlex_alloc") (param i32) (result i32) i32.const 1024)
///   (func (export "price") (param $ptr i32) (param $len i32) (result f64)
///     (f64.add (f64.const 12.5)
///              (f64.mul (f64.const 0.001) (f64.load offset=32 (local.get $ptr))))))"#;
/// let mut cache = PluginCache::new(&Limits::default());
/// let input = ComputeInput { energy_kwh: 10_000.0, ..ComputeInput::default() };
/// let price = cache.evaluate("adjuster", "plugins/adjuster.wat", wat.as_bytes(), "price", &input)?;
/// assert_eq!(price, 22.5);
/// // The second month reuses the compiled module.
/// cache.evaluate("adjuster", "plugins/adjuster.wat", wat.as_bytes(), "price", &input)?;
/// assert_eq!(cache.compiled_count(), 1);
/// # Ok::<(), voltlex_dsl::sandbox::SandboxError>(())
/// ```
pub struct PluginCache {
    engine: Result<Engine, String>,
    linker: Option<Linker<Guard>>,
    limits: Limits,
    modules: HashMap<(String, u64), Compiled>,
    compiled: usize,
    last_fuel_used: Option<u64>,
    watchdog: Option<Watchdog>,
}

/// One module's bytes and what compiling them gave.
struct Compiled {
    bytes: Vec<u8>,
    module: Result<Module, SandboxError>,
}

impl PluginCache {
    /// A cache whose stores enforce `limits`.
    pub fn new(limits: &Limits) -> Self {
        let engine = plugin_engine();
        let linker = engine.as_ref().ok().map(Linker::new);
        PluginCache {
            engine,
            linker,
            limits: limits.clone(),
            modules: HashMap::new(),
            compiled: 0,
            last_fuel_used: None,
            watchdog: None,
        }
    }

    /// How many times a module was compiled (a failed compilation counts): once per distinct
    /// (file, bytes) for the life of the cache.
    pub fn compiled_count(&self) -> usize {
        self.compiled
    }

    /// Fuel the last successful evaluation used (instantiation, `voltlex_alloc` and the
    /// export); the same for the same module and input, run after run.
    pub fn last_fuel_used(&self) -> Option<u64> {
        self.last_fuel_used
    }

    /// Calls a plugin on one month's input: `module` (binary wasm or WAT text, read from
    /// `file`) is compiled on first use, instantiated afresh, given the input
    /// ([`encode_input`]) and its `export` called. `name` is the rule's; the engine names the
    /// rule in its error, so messages here name the file and export.
    ///
    /// The result is the export's `f64`, which must be finite.
    pub fn evaluate(
        &mut self,
        name: &str,
        file: &str,
        module: &[u8],
        export: &str,
        input: &ComputeInput,
    ) -> Result<f64, SandboxError> {
        let _ = name;
        self.run(file, module, export, &encode_input(input), PRICE_MEANING)
    }

    /// Calls a plugin's `export` on a plain list of numbers, for ABIs other than the
    /// `computed` one (the degradation ABI v1 of `docs/plugins.md`): the `values` are written
    /// as little-endian `f64`s (the encoding of [`encode_input`], without its layout) into a
    /// buffer from `voltlex_alloc`, and the export is called with the buffer's pointer and
    /// byte length. Same module requirements (no imports, `memory`, `voltlex_alloc`, the export
    /// `(i32, i32) -> f64`), same limits, same cache of compiled modules as
    /// [`PluginCache::evaluate`]; the result must be finite.
    ///
    /// ```
    /// use voltlex_dsl::sandbox::{wasm_plugin::PluginCache, Limits, SandboxError};
    ///
    /// // result = values[0] × values[1]; NaN unless given exactly two values (16 bytes)
    /// let wat = r#"(module
    ///   (memory (export "memory") 1)
    ///   (func (export "voltlex_alloc") (param i32) (result i32) i32.const 1024)
    ///   (func (export "product") (param $ptr i32) (param $len i32) (result f64)
    ///     (if (i32.ne (local.get $len) (i32.const 16)) (then (return (f64.const nan))))
    ///     (f64.mul (f64.load (local.get $ptr)) (f64.load offset=8 (local.get $ptr)))))"#;
    /// let mut cache = PluginCache::new(&Limits::default());
    /// let file = "plugins/product.wat";
    /// assert_eq!(cache.evaluate_values(file, wat.as_bytes(), "product", &[1.5, 4.0])?, 6.0);
    /// assert!(matches!(
    ///     cache.evaluate_values(file, wat.as_bytes(), "product", &[1.5]),
    ///     Err(SandboxError::WrongResult(_))
    /// ));
    /// assert_eq!(cache.compiled_count(), 1);
    /// # Ok::<(), SandboxError>(())
    /// ```
    pub fn evaluate_values(
        &mut self,
        file: &str,
        module: &[u8],
        export: &str,
        values: &[f64],
    ) -> Result<f64, SandboxError> {
        let bytes: Vec<u8> = values
            .iter()
            .flat_map(|value| value.to_le_bytes())
            .collect();
        self.run(file, module, export, &bytes, VALUES_MEANING)
    }

    /// Compiles `module` on first use, instantiates it afresh under the limits, writes `bytes`
    /// into a buffer from `voltlex_alloc` and calls `export` with (pointer, byte length).
    /// `meaning` says what the export's parameters and result are, for ABI errors.
    fn run(
        &mut self,
        file: &str,
        module: &[u8],
        export: &str,
        bytes: &[u8],
        meaning: &str,
    ) -> Result<f64, SandboxError> {
        self.last_fuel_used = None;
        let engine = match &self.engine {
            Ok(engine) => engine.clone(),
            Err(message) => {
                return Err(SandboxError::Unsupported(format!(
                    "plugin {file}: cannot start wasmtime: {message}"
                )))
            }
        };
        let module = self.module(&engine, file, module)?;
        check_abi(&module, export, meaning).map_err(SandboxError::Abi)?;
        self.start_watchdog(&engine);
        let linker = self.linker.get_or_insert_with(|| Linker::new(&engine));
        let call = Call {
            limits: &self.limits,
            file,
        };

        let mut store = Store::new(&engine, Guard::new(&self.limits));
        store.limiter(|guard| guard);
        store
            .set_fuel(self.limits.fuel)
            .map_err(|e| SandboxError::Failed(format!("cannot meter fuel: {e}")))?;
        store.set_epoch_deadline(u64::from(DEADLINE_TICKS) + 1);

        let instance = linker
            .instantiate(&mut store, &module)
            .map_err(|e| call.error(&store, &e, "instantiation"))?;
        let memory = instance
            .get_memory(&mut store, MEMORY_EXPORT)
            .ok_or_else(|| {
                SandboxError::Abi(format!("the module exports no memory `{MEMORY_EXPORT}`"))
            })?;
        let alloc = instance
            .get_typed_func::<i32, i32>(&mut store, ALLOC_EXPORT)
            .map_err(|e| SandboxError::Abi(format!("export `{ALLOC_EXPORT}`: {e}")))?;
        let price = instance
            .get_typed_func::<(i32, i32), f64>(&mut store, export)
            .map_err(|e| SandboxError::Abi(format!("export `{export}`: {e}")))?;

        let len = i32::try_from(bytes.len()).map_err(|_| {
            SandboxError::Failed(format!(
                "the input is {} bytes, more than a wasm32 call can pass",
                bytes.len()
            ))
        })?;
        let ptr = alloc
            .call(&mut store, len)
            .map_err(|e| call.error(&store, &e, &format!("{ALLOC_EXPORT}({len})")))?;
        if ptr == 0 {
            return Err(SandboxError::Failed(format!(
                "{ALLOC_EXPORT}({len}) returned 0: the module could not allocate the input"
            )));
        }
        // wasm32 pointers are unsigned.
        let offset = ptr as u32 as usize;
        memory.write(&mut store, offset, bytes).map_err(|_| {
            SandboxError::Abi(format!(
                "{ALLOC_EXPORT}({len}) returned {offset:#x}, but {len} bytes from there are outside the module's memory ({} bytes)",
                memory.data_size(&store)
            ))
        })?;
        let value = price
            .call(&mut store, (ptr, len))
            .map_err(|e| call.error(&store, &e, &format!("`{export}`")))?;
        self.last_fuel_used = store
            .get_fuel()
            .ok()
            .map(|left| self.limits.fuel.saturating_sub(left));
        if value.is_finite() {
            Ok(value)
        } else {
            Err(SandboxError::WrongResult(format!(
                "plugin {file} `{export}` returned {value}, not a finite number"
            )))
        }
    }

    /// The compiled module of `file` with these bytes, compiling it on first use.
    fn module(
        &mut self,
        engine: &Engine,
        file: &str,
        bytes: &[u8],
    ) -> Result<Module, SandboxError> {
        let key = (file.to_owned(), content_hash(bytes));
        if let Some(compiled) = self.modules.get(&key) {
            if compiled.bytes == bytes {
                return compiled.module.clone();
            }
        }
        self.compiled += 1;
        let module = Module::new(engine, bytes).map_err(|e| SandboxError::Compile {
            what: format!("plugin {file}"),
            message: format!("{e:#}"),
        });
        self.modules.insert(
            key,
            Compiled {
                bytes: bytes.to_vec(),
                module: module.clone(),
            },
        );
        module
    }

    fn start_watchdog(&mut self, engine: &Engine) {
        if self.watchdog.is_none() {
            let tick = (self.limits.deadline / DEADLINE_TICKS).max(Duration::from_micros(100));
            self.watchdog = Watchdog::start(engine.clone(), tick);
        }
    }
}

/// Compiles `module` (binary wasm or WAT text) and checks it against the plugin ABI for
/// `export`, for `voltlex check`: no imports, a 32-bit `memory`, `voltlex_alloc: (i32) -> i32`,
/// `export: (i32, i32) -> f64`. The error is a sentence for a diagnostic.
///
/// ```
/// use voltlex_dsl::sandbox::wasm_plugin::check_plugin;
///
/// let good = br#"(module
///   (memory (export "memory") 1)
///   (func (export "voltlex_alloc") (param i32) (result i32) i32.const 1024)
///   (func (export "price") (param i32 i32) (result f64) f64.const 12.5))"#;
/// assert_eq!(check_plugin(good, "price"), Ok(()));
///
/// let wasi = br#"(module
///   (import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32 i32) (result i32)))
///   (memory (export "memory") 1)
///   (func (export "voltlex_alloc") (param i32) (result i32) i32.const 1024)
///   (func (export "price") (param i32 i32) (result f64) f64.const 12.5))"#;
/// assert_eq!(
///     check_plugin(wasi, "price").unwrap_err(),
///     "plugins may not import anything: found import wasi_snapshot_preview1.fd_write"
/// );
/// assert!(check_plugin(good, "tariff").unwrap_err().contains("no export `tariff`"));
/// assert!(check_plugin(b"(module", "price").unwrap_err().starts_with("cannot compile"));
/// ```
pub fn check_plugin(module: &[u8], export: &str) -> Result<(), String> {
    let engine = plugin_engine()?;
    let module = Module::new(&engine, module).map_err(|e| format!("cannot compile: {e:#}"))?;
    check_abi(&module, export, PRICE_MEANING)
}

/// The input buffer of ABI v1: little-endian `f64` values
///
/// ```text
/// [abi_version = 1, year, month_number, days, energy_kwh, peak_kw, contract_kw,
///  interval_minutes, n_intervals, kwh_1 … kwh_n,
///  n_indices, then per index, sorted by name: n_values, value_1 … value_m]
/// ```
///
/// Indices come in the order of [`ComputeInput::index`], a `BTreeMap`: sorted by name
/// (byte-wise, so `JEPX` before `fuel`), whatever the order of the rule's declaration.
///
/// ```
/// use std::collections::BTreeMap;
/// use voltlex_dsl::sandbox::{wasm_plugin::encode_input, ComputeInput};
///
/// let input = ComputeInput {
///     month: "2025-07".into(),
///     year: 2025,
///     month_number: 7,
///     days: 31,
///     energy_kwh: 1200.0,
///     peak_kw: 80.0,
///     contract_kw: 100.0,
///     interval_minutes: 30,
///     interval_kwh: vec![10.0, 20.0],
///     index: BTreeMap::from([("jepx".into(), vec![11.0, 12.0]), ("fuel".into(), vec![3.5])]),
/// };
/// let values: Vec<f64> =
///     encode_input(&input).chunks(8).map(|b| f64::from_le_bytes(b.try_into().unwrap())).collect();
/// assert_eq!(
///     values,
///     [1.0, 2025.0, 7.0, 31.0, 1200.0, 80.0, 100.0, 30.0, 2.0, 10.0, 20.0, // intervals
///      2.0, 1.0, 3.5, 2.0, 11.0, 12.0] // "fuel" then "jepx"
/// );
/// ```
pub fn encode_input(input: &ComputeInput) -> Vec<u8> {
    let count = 11
        + input.interval_kwh.len()
        + input
            .index
            .values()
            .map(|values| values.len() + 1)
            .sum::<usize>();
    let mut bytes = Vec::with_capacity(count * 8);
    let mut push = |value: f64| bytes.extend_from_slice(&value.to_le_bytes());
    push(f64::from(ABI_VERSION));
    push(f64::from(input.year));
    push(f64::from(input.month_number));
    push(f64::from(input.days));
    push(input.energy_kwh);
    push(input.peak_kw);
    push(input.contract_kw);
    push(f64::from(input.interval_minutes));
    push(input.interval_kwh.len() as f64);
    input.interval_kwh.iter().copied().for_each(&mut push);
    push(input.index.len() as f64);
    for values in input.index.values() {
        push(values.len() as f64);
        values.iter().copied().for_each(&mut push);
    }
    bytes
}

/// The engine plugins compile and run on: fuel, epoch interruption, deterministic floats.
fn plugin_engine() -> Result<Engine, String> {
    let mut config = Config::new();
    config
        .consume_fuel(true)
        .epoch_interruption(true)
        // NaN bit patterns and relaxed SIMD the same on every machine: same input, same price.
        .cranelift_nan_canonicalization(true)
        .relaxed_simd_deterministic(true);
    Engine::new(&config).map_err(|e| format!("{e:#}"))
}

/// The module against ABI v1 for `export`; `meaning` says what the export's parameters and
/// result are.
fn check_abi(module: &Module, export: &str, meaning: &str) -> Result<(), String> {
    if let Some(import) = module.imports().next() {
        return Err(format!(
            "plugins may not import anything: found import {}.{}",
            import.module(),
            import.name()
        ));
    }
    match module.get_export(MEMORY_EXPORT) {
        Some(ExternType::Memory(memory)) if memory.is_64() => {
            return Err(format!(
                "export `{MEMORY_EXPORT}` is a 64-bit memory; the plugin ABI needs a 32-bit one"
            ))
        }
        Some(ExternType::Memory(memory)) if memory.is_shared() => {
            return Err(format!(
                "export `{MEMORY_EXPORT}` is a shared memory; the plugin ABI needs an unshared one"
            ))
        }
        Some(ExternType::Memory(_)) => {}
        Some(other) => {
            return Err(format!(
                "export `{MEMORY_EXPORT}` must be a memory, found {}",
                kind(&other)
            ))
        }
        None => return Err(format!("the module exports no memory `{MEMORY_EXPORT}`")),
    }
    check_function(
        module,
        ALLOC_EXPORT,
        &[ValType::I32],
        &[ValType::I32],
        "the byte count it must make room for, and the pointer to it",
    )?;
    check_function(
        module,
        export,
        &[ValType::I32, ValType::I32],
        &[ValType::F64],
        meaning,
    )
}

/// `name` is an exported function of type `params -> results`.
fn check_function(
    module: &Module,
    name: &str,
    params: &[ValType],
    results: &[ValType],
    meaning: &str,
) -> Result<(), String> {
    let wanted = signature(params.iter().cloned(), results.iter().cloned());
    match module.get_export(name) {
        Some(ExternType::Func(func)) => {
            let same = |found: Vec<ValType>, wanted: &[ValType]| {
                found.len() == wanted.len()
                    && found.iter().zip(wanted).all(|(a, b)| ValType::eq(a, b))
            };
            if same(func.params().collect(), params) && same(func.results().collect(), results) {
                Ok(())
            } else {
                Err(format!(
                    "export `{name}` has type {}; the plugin ABI needs {wanted} ({meaning})",
                    signature(func.params(), func.results())
                ))
            }
        }
        Some(other) => Err(format!(
            "export `{name}` must be a function {wanted}, found {}",
            kind(&other)
        )),
        None => {
            let functions: Vec<String> = module
                .exports()
                .filter(|e| matches!(e.ty(), ExternType::Func(_)))
                .map(|e| format!("`{}`", e.name()))
                .collect();
            let found = if functions.is_empty() {
                "none".to_owned()
            } else {
                functions.join(", ")
            };
            Err(format!("the module has no export `{name}`: a function {wanted} (exported functions: {found})"))
        }
    }
}

/// `(i32, i32) -> f64`.
fn signature(
    params: impl Iterator<Item = ValType>,
    results: impl Iterator<Item = ValType>,
) -> String {
    let list = |types: &mut dyn Iterator<Item = ValType>| {
        types.map(|t| t.to_string()).collect::<Vec<_>>().join(", ")
    };
    let (mut params, mut results) = (params, results);
    let results = list(&mut results);
    format!(
        "({}) -> {}",
        list(&mut params),
        if results.is_empty() {
            "()".to_owned()
        } else {
            results
        }
    )
}

fn kind(ty: &ExternType) -> &'static str {
    match ty {
        ExternType::Func(_) => "a function",
        ExternType::Global(_) => "a global",
        ExternType::Table(_) => "a table",
        ExternType::Memory(_) => "a memory",
        _ => "another kind of export",
    }
}

fn content_hash(bytes: &[u8]) -> u64 {
    let mut hasher = DefaultHasher::new();
    bytes.hash(&mut hasher);
    hasher.finish()
}

/// One evaluation, for turning wasmtime's errors into [`SandboxError`]s.
struct Call<'a> {
    limits: &'a Limits,
    file: &'a str,
}

impl Call<'_> {
    /// What went wrong while `stage` ran.
    fn error(&self, store: &Store<Guard>, error: &wasmtime::Error, stage: &str) -> SandboxError {
        let Call { limits, file } = self;
        if let Some(refused) = store.data().memory_refused {
            let detail = match refused {
                Refused::Limit { desired } => {
                    format!("{} bytes of linear memory; plugin {file} asked for {desired} bytes in {stage}", limits.max_memory_bytes)
                }
                Refused::OwnMaximum { desired, maximum } => {
                    format!("plugin {file} asked for {desired} bytes in {stage}, beyond its memory's own maximum of {maximum} bytes")
                }
                Refused::Failed { desired } => {
                    format!("the system could not give plugin {file} {desired} bytes of linear memory in {stage}")
                }
            };
            return SandboxError::Limit {
                limit: "memory",
                detail,
            };
        }
        match error.downcast_ref::<Trap>() {
            Some(Trap::OutOfFuel) => SandboxError::Limit {
                limit: "fuel",
                detail: format!(
                    "{} units per call; plugin {file} used them all in {stage}: an endless loop?",
                    limits.fuel
                ),
            },
            Some(Trap::Interrupt) => SandboxError::Limit {
                limit: "deadline",
                detail: format!(
                    "{} ms of wall-clock time per call; plugin {file} was still in {stage}",
                    limits.deadline.as_millis()
                ),
            },
            Some(trap) => {
                let trap = trap.to_string();
                let trap = trap.strip_prefix("wasm trap: ").unwrap_or(&trap);
                SandboxError::Failed(format!(
                    "trap: {trap}{} (plugin {file}, {stage})",
                    location(error)
                ))
            }
            None => SandboxError::Failed(format!("plugin {file}, {stage}: {error:#}")),
        }
    }
}

/// ` in function `f`` of the innermost wasm frame, when known.
fn location(error: &wasmtime::Error) -> String {
    let Some(frame) = error
        .downcast_ref::<WasmBacktrace>()
        .and_then(|trace| trace.frames().first())
    else {
        return String::new();
    };
    match frame.func_name() {
        Some(name) => format!(" in function `{name}`"),
        None => format!(" in function #{}", frame.func_index()),
    }
}

/// Why the store refused linear memory.
#[derive(Debug, Clone, Copy)]
enum Refused {
    /// More than `Limits::max_memory_bytes`.
    Limit { desired: usize },
    /// More than the memory's declared maximum.
    OwnMaximum { desired: usize, maximum: usize },
    /// The system could not provide it.
    Failed { desired: usize },
}

/// A store's data: wasmtime's `StoreLimits`, and a note of a refused memory growth so a
/// growth trap is reported as the memory limit.
struct Guard {
    limits: StoreLimits,
    max_memory_bytes: usize,
    memory_refused: Option<Refused>,
    desired: usize,
}

impl Guard {
    fn new(limits: &Limits) -> Self {
        Guard {
            limits: StoreLimitsBuilder::new()
                .memory_size(limits.max_memory_bytes)
                .table_elements(MAX_TABLE_ELEMENTS)
                .instances(1)
                .tables(1)
                .memories(1)
                .trap_on_grow_failure(true)
                .build(),
            max_memory_bytes: limits.max_memory_bytes,
            memory_refused: None,
            desired: 0,
        }
    }
}

impl ResourceLimiter for Guard {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        self.desired = desired;
        let answer = self.limits.memory_growing(current, desired, maximum);
        if !matches!(answer, Ok(true)) {
            self.memory_refused = Some(match maximum {
                Some(maximum) if desired > maximum && desired <= self.max_memory_bytes => {
                    Refused::OwnMaximum { desired, maximum }
                }
                _ => Refused::Limit { desired },
            });
        }
        answer
    }

    fn memory_grow_failed(&mut self, error: wasmtime::Error) -> wasmtime::Result<()> {
        self.memory_refused.get_or_insert(Refused::Failed {
            desired: self.desired,
        });
        self.limits.memory_grow_failed(error)
    }

    fn table_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        self.limits.table_growing(current, desired, maximum)
    }

    fn table_grow_failed(&mut self, error: wasmtime::Error) -> wasmtime::Result<()> {
        self.limits.table_grow_failed(error)
    }

    fn instances(&self) -> usize {
        self.limits.instances()
    }

    fn tables(&self) -> usize {
        self.limits.tables()
    }

    fn memories(&self) -> usize {
        self.limits.memories()
    }
}

/// A thread that increments the engine's epoch every tick until dropped.
struct Watchdog {
    stop: mpsc::Sender<()>,
    thread: Option<thread::JoinHandle<()>>,
}

impl Watchdog {
    /// `None` when no thread can be started: then fuel alone bounds a call.
    fn start(engine: Engine, tick: Duration) -> Option<Watchdog> {
        let (stop, stopped) = mpsc::channel::<()>();
        let thread = thread::Builder::new()
            .name("voltlex-wasm-watchdog".into())
            .spawn(move || {
                while let Err(mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(tick) {
                    engine.increment_epoch();
                }
            })
            .ok()?;
        Some(Watchdog {
            stop,
            thread: Some(thread),
        })
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        let _ = self.stop.send(());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
