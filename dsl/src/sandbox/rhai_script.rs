//! rhai scripts in a locked-down engine.
//!
//! A `computed` rule's script is a small [rhai](https://rhai.rs) program that reads one bill
//! month's [`ComputeInput`] and ends with a *quantity in the rule's declared unit*:
//!
//! ```rhai
//! // 30 % of the load-weighted average JEPX price
//! let price = input.index["jepx-tokyo"];
//! let load = input.interval_kwh;
//! let weighted = 0.0;
//! let energy = 0.0;
//! for i in 0..load.len() {
//!     weighted += price[i] * load[i];
//!     energy += load[i];
//! }
//! quantity(0.3 * weighted / energy, "JPY/kWh")
//! ```
//!
//! # What a script sees
//!
//! One constant, `input`, an object map of the bill month (ints are rhai `int`s, `i64`; the
//! other numbers are `float`s, `f64`):
//!
//! | field                    | type                         | meaning                              |
//! |--------------------------|------------------------------|--------------------------------------|
//! | `input.month`            | string                       | billing month, `"2024-07"`           |
//! | `input.year`             | int                          | `2024`                               |
//! | `input.month_number`     | int                          | 1–12                                 |
//! | `input.days`             | int                          | days in the month                    |
//! | `input.energy_kwh`       | float                        | energy of the month, kWh             |
//! | `input.peak_kw`          | float                        | the month's peak demand, kW          |
//! | `input.contract_kw`      | float                        | the month's contract demand, kW      |
//! | `input.interval_minutes` | int                          | length of one interval, minutes      |
//! | `input.interval_kwh`     | array of floats              | kWh of every interval, in time order |
//! | `input.index`            | map: name → array of floats  | each declared index in its month     |
//!
//! Reading a field that does not exist (`input.energy`) is an error, not `()`.
//!
//! The result must be built with `quantity(value, "UNIT")` (`value` an int or a float; the
//! method form `12.3.quantity("JPY/kWh")` works too). Its unit must be the rule's declared
//! unit; spaces do not matter and `per X` is the same as `/X` (`"JPY/kW per month"` ==
//! `"JPY/kW/month"`). A quantity's parts can be read back as `q.value` and `q.unit`.
//!
//! # What a script can do
//!
//! The engine is [`Engine::new_raw`] plus only these packages: arithmetic (incl. `abs`),
//! logic and comparison (incl. `min`, `max`), maths (`floor`, `ceiling`, `round`, `sqrt`,
//! `exp`, `ln`, `log`, `**`, …), ranges and iteration (`for i in 0..n`, `for x in array`),
//! arrays (`len`, indexing, `push`, `map`/`filter`/`reduce`, …), object maps, basic string
//! functions and function pointers. Scripts may define functions and closures.
//!
//! # What a script cannot do
//!
//! - read or write files, reach a network, read the clock or the environment: a raw engine
//!   has no such function and none is registered (the `no_time` feature drops timestamps);
//! - `import` modules (the `no_module` feature makes `import` a reserved word: a syntax
//!   error), `eval` text or use `this` (both symbols are disabled: syntax errors);
//! - print: `print` and `debug` are swallowed, nothing reaches stdout or stderr;
//! - `sleep` or `exit`: the core-language package that has them is not registered;
//! - run away: every rhai limit of [`Limits`] applies (operations, call depth, expression
//!   depth, string, array and map sizes, variables, functions), and the wall-clock
//!   [`Limits::deadline`] is checked every 16 operations, so even a script whose operations
//!   are expensive native calls stops soon after it. (One native call is not interrupted; the
//!   size limits keep each one short.)
//!
//! rhai checks sizes after most operations but not all: a map that grows by
//! `map[key] = value`, or an array or map whose *elements* grow (`a[0][key] = v`,
//! `a[i] = big_array`, `a[i].push(x)`), escapes its checks. The sandbox closes that gap:
//! every access of a variable checks the size of the map or array it holds, and about every
//! millisecond of evaluation the whole scope is measured as rhai measures values (elements
//! of nested arrays, entries of nested maps and bytes of strings added up; the month's data
//! in `input` is allowed on top of the limits), with arrays and maps nested more than 64
//! deep refused (limit "nesting depth"). Each evaluation runs on a thread of its own with a
//! 64 MiB stack, so deeply nested data cannot overflow the caller's stack, and a panic of
//! the engine is an error of the script (`Failed`), not of the run.
//!
//! As in rhai, a limit of 0 means *no limit* for operations, expression depth and string,
//! array and map sizes (the deadline still applies), and *none allowed* for call depth,
//! variables and functions.
//!
//! Lines in messages count from the script's first line.

use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use rhai::packages::{
    ArithmeticPackage, BasicArrayPackage, BasicFnPackage, BasicIteratorPackage, BasicMapPackage,
    BasicMathPackage, BasicStringPackage, LogicPackage, MoreStringPackage, Package,
};
use rhai::{
    Array, Dynamic, Engine, EvalAltResult, EvalContext, ImmutableString, Map, OptimizationLevel,
    ParseError, ParseErrorType, Position, Scope, AST,
};

use super::{ComputeInput, Limits, SandboxError};

/// The clock is read once per this many operations (deadline, and when to measure the scope).
const CLOCK_EVERY: u64 = 16;

/// How often the whole scope is measured during an evaluation.
const MEASURE_EVERY: Duration = Duration::from_millis(1);

/// Arrays and maps nested deeper than this are refused (limit "nesting depth").
const MAX_NESTING: usize = 64;

/// Stack of the thread an evaluation runs on (reserved, used only as deep as the script goes).
const STACK_BYTES: usize = 64 * 1024 * 1024;

/// A script's result: a number and its unit (`quantity(12.3, "JPY/kWh")`).
#[derive(Debug, Clone, PartialEq)]
struct Quantity {
    value: f64,
    unit: String,
}

/// Compiled scripts of one run, and the locked-down engine they run in.
///
/// Each script is compiled once per (file, code) and its syntax tree (or its compile error)
/// kept; [`ScriptCache::evaluate`] runs it with a fresh scope every month. One cache belongs
/// to one run: `evaluate` takes `&mut self`, so a cache runs one script at a time (its
/// deadline bookkeeping is per cache). The cache is `Send + Sync` (rhai's `sync` feature),
/// so a run may move between threads.
///
/// ```
/// use voltlex_dsl::sandbox::{rhai_script::ScriptCache, ComputeInput, Limits};
///
/// let mut scripts = ScriptCache::new(&Limits::default());
/// let input = ComputeInput { contract_kw: 500.0, ..ComputeInput::default() };
/// let code = r#"quantity(1000 + 2 * input.contract_kw, "JPY per month")"#;
/// for _month in 0..12 {
///     let price = scripts.evaluate("base", "base.rhai", code, "JPY per month", &input).unwrap();
///     assert_eq!(price, 2000.0);
/// }
/// assert_eq!(scripts.compilations(), 1);
/// ```
pub struct ScriptCache {
    engine: Engine,
    limits: Limits,
    watch: Arc<Watch>,
    /// file → code → compiled script (or why it does not compile).
    scripts: HashMap<String, HashMap<String, Result<Arc<AST>, SandboxError>>>,
    compilations: usize,
}

impl ScriptCache {
    /// A cache whose engine enforces `limits`: every rhai limit, and the wall-clock deadline
    /// of each evaluation.
    ///
    /// ```
    /// use voltlex_dsl::sandbox::{rhai_script::ScriptCache, ComputeInput, Limits, SandboxError};
    ///
    /// let mut scripts = ScriptCache::new(&Limits { max_operations: 1_000, ..Limits::default() });
    /// let err = scripts.evaluate("spin", "spin.rhai", "loop {}", "JPY/kWh", &ComputeInput::default());
    /// assert!(matches!(err, Err(SandboxError::Limit { limit: "operations", .. })));
    /// ```
    pub fn new(limits: &Limits) -> Self {
        let watch = Arc::new(Watch::new(limits));
        let mut engine = sandbox_engine(limits);
        let clock = Arc::clone(&watch);
        engine.on_progress(move |operations| clock.on_progress(operations));
        let guard = Arc::clone(&watch);
        // `on_var` is stable; rhai marks it deprecated only to say that it may change.
        #[allow(deprecated)]
        engine.on_var(move |name, index, context| {
            guard.on_variable(name, index, &context).map(|()| None)
        });
        ScriptCache {
            engine,
            limits: limits.clone(),
            watch,
            scripts: HashMap::new(),
            compilations: 0,
        }
    }

    /// Runs a script on one month's input and returns its result's value, which is in the
    /// unit `returns` (the rule's declared unit) and finite.
    ///
    /// The script is compiled on its first use and kept for the run. `name` is the rule's
    /// name (unused: the caller names the rule); messages name the script's `file` and line,
    /// counted from the script's first line. Errors:
    ///
    /// - [`SandboxError::Compile`]: a syntax error, `LINE:COLUMN: message`;
    /// - [`SandboxError::Limit`]: `"operations"`, `"call depth"`, `"expression depth"`,
    ///   `"string size"`, `"array size"`, `"map size"`, `"nesting depth"`, `"variables"`,
    ///   `"functions"` or `"deadline"`, with the limit's value and `at FILE:LINE`;
    /// - [`SandboxError::Failed`]: a run-time error (an undefined variable, a type mismatch,
    ///   an index out of bounds, a division by zero, `throw`), `FILE:LINE: message`;
    /// - [`SandboxError::WrongResult`]: the result is not a finite quantity in `returns`.
    ///
    /// ```
    /// use voltlex_dsl::sandbox::{rhai_script::ScriptCache, ComputeInput, Limits, SandboxError};
    ///
    /// let mut scripts = ScriptCache::new(&Limits::default());
    /// let input = ComputeInput { energy_kwh: 1200.0, ..ComputeInput::default() };
    /// let code = r#"
    ///     let rate = if input.energy_kwh > 1000.0 { 14.5 } else { 16.0 };
    ///     rate.quantity("JPY/kWh")
    /// "#;
    /// assert_eq!(scripts.evaluate("step", "step.rhai", code, "JPY/kWh", &input), Ok(14.5));
    ///
    /// let err = scripts.evaluate("bare", "bare.rhai", "12.3", "JPY/kWh", &input).unwrap_err();
    /// assert_eq!(
    ///     err,
    ///     SandboxError::WrongResult(
    ///         r#"expected a quantity in JPY/kWh, e.g. quantity(12.3, "JPY/kWh"); found a number 12.3"#.into()
    ///     )
    /// );
    /// ```
    pub fn evaluate(
        &mut self,
        _name: &str,
        file: &str,
        code: &str,
        returns: &str,
        input: &ComputeInput,
    ) -> Result<f64, SandboxError> {
        let cached = self.scripts.get(file).and_then(|by_code| by_code.get(code));
        let compiled = match cached {
            Some(compiled) => compiled.clone(),
            None => {
                let compiled = match catch_unwind(AssertUnwindSafe(|| self.engine.compile(code))) {
                    Ok(Ok(ast)) => Ok(Arc::new(ast)),
                    Ok(Err(err)) => Err(compile_error(&err, file, code, &self.limits)),
                    Err(panic) => Err(SandboxError::Compile {
                        what: format!("script {file}"),
                        message: panicked(&*panic),
                    }),
                };
                self.compilations += 1;
                self.scripts
                    .entry(file.to_string())
                    .or_default()
                    .insert(code.to_string(), compiled.clone());
                compiled
            }
        };
        let compiled = compiled?;
        let ast: &AST = &compiled;

        let engine = &self.engine;
        let run = || {
            let mut scope = Scope::new();
            scope.push_constant_dynamic("input", input_map(input));
            engine.eval_ast_with_scope::<Dynamic>(&mut scope, ast)
        };
        self.watch.arm(input);
        let result = isolated(run);
        self.watch.disarm();
        match result {
            Ok(Ok(value)) => quantity_in(value, returns),
            Ok(Err(err)) => Err(run_error(*err, file, &self.limits)),
            Err(panic) => Err(SandboxError::Failed(format!("{file}: {panic}"))),
        }
    }

    /// How many scripts this cache has compiled: each (file, code) once, whether or not it
    /// compiled.
    ///
    /// ```
    /// use voltlex_dsl::sandbox::{rhai_script::ScriptCache, ComputeInput, Limits};
    ///
    /// let mut scripts = ScriptCache::new(&Limits::default());
    /// let input = ComputeInput::default();
    /// scripts.evaluate("a", "a.rhai", r#"quantity(1, "JPY/kWh")"#, "JPY/kWh", &input).unwrap();
    /// scripts.evaluate("a", "a.rhai", r#"quantity(1, "JPY/kWh")"#, "JPY/kWh", &input).unwrap();
    /// scripts.evaluate("b", "b.rhai", r#"quantity(2, "JPY/kWh")"#, "JPY/kWh", &input).unwrap();
    /// assert_eq!(scripts.compilations(), 2);
    /// ```
    pub fn compilations(&self) -> usize {
        self.compilations
    }
}

/// A syntax error in a script, found by [`check_script`].
///
/// ```
/// use voltlex_dsl::sandbox::rhai_script::{check_script, ScriptSyntaxError};
///
/// let err: ScriptSyntaxError = check_script("let x = ;").unwrap_err();
/// assert_eq!((err.line, err.column), (1, 9));
/// assert!(err.to_string().starts_with("1:9: "));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{line}:{column}: {message}")]
pub struct ScriptSyntaxError {
    /// Line in the script, 1-based.
    pub line: usize,
    /// Column in the line, in characters, 1-based.
    pub column: usize,
    /// What is wrong.
    pub message: String,
}

/// Checks that a script compiles in the sandbox (with [`Limits::default`]): its syntax, that
/// it uses nothing refused (`eval`, `import`, `this`), and the limits checked when compiling
/// (expression depth, number of functions, length of string literals). Does not run it.
///
/// ```
/// use voltlex_dsl::sandbox::rhai_script::check_script;
///
/// assert!(check_script(r#"quantity(input.peak_kw * 2.0, "JPY/kW per month")"#).is_ok());
///
/// let err = check_script("let a = 1;\nlet b = eval(\"a\");").unwrap_err();
/// assert_eq!((err.line, err.column), (2, 9));
/// ```
pub fn check_script(code: &str) -> Result<(), ScriptSyntaxError> {
    static CHECKER: OnceLock<Engine> = OnceLock::new();
    let engine = CHECKER.get_or_init(|| sandbox_engine(&Limits::default()));
    match catch_unwind(AssertUnwindSafe(|| engine.compile(code))) {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(err)) => {
            let (line, column) = line_column(err.position(), code);
            Err(ScriptSyntaxError {
                line,
                column,
                message: parse_message(err.err_type()),
            })
        }
        Err(panic) => Err(ScriptSyntaxError {
            line: 1,
            column: 1,
            message: panicked(&*panic),
        }),
    }
}

/// The locked-down engine, without the callbacks of an evaluation (deadline, data watch).
fn sandbox_engine(limits: &Limits) -> Engine {
    let mut engine = Engine::new_raw();
    ArithmeticPackage::new().register_into_engine(&mut engine);
    LogicPackage::new().register_into_engine(&mut engine);
    BasicMathPackage::new().register_into_engine(&mut engine);
    BasicIteratorPackage::new().register_into_engine(&mut engine);
    BasicArrayPackage::new().register_into_engine(&mut engine);
    BasicMapPackage::new().register_into_engine(&mut engine);
    BasicStringPackage::new().register_into_engine(&mut engine);
    MoreStringPackage::new().register_into_engine(&mut engine);
    BasicFnPackage::new().register_into_engine(&mut engine);

    engine
        .set_max_operations(limits.max_operations)
        .set_max_call_levels(limits.max_call_depth)
        .set_max_expr_depths(limits.max_expression_depth, limits.max_expression_depth)
        .set_max_string_size(limits.max_string_size)
        .set_max_array_size(limits.max_array_size)
        .set_max_map_size(limits.max_map_size)
        .set_max_variables(limits.max_variables)
        .set_max_functions(limits.max_functions)
        .set_fail_on_invalid_map_property(true)
        // Constant propagation can make rhai panic (`const M = #{}; M["x"] = 1;`); formulas
        // this small gain nothing from it.
        .set_optimization_level(OptimizationLevel::None)
        .disable_symbol("eval")
        // Without `this`, a function cannot change its caller's data: every change goes
        // through a variable of the running function, which `Watch` sees.
        .disable_symbol("this")
        .on_print(|_| {})
        .on_debug(|_, _, _| {});

    engine
        .register_type_with_name::<Quantity>("Quantity")
        .register_fn("quantity", |value: f64, unit: ImmutableString| Quantity {
            value,
            unit: unit.to_string(),
        })
        .register_fn("quantity", |value: i64, unit: ImmutableString| Quantity {
            value: value as f64,
            unit: unit.to_string(),
        })
        .register_get("value", |q: &mut Quantity| q.value)
        .register_get("unit", |q: &mut Quantity| {
            ImmutableString::from(q.unit.as_str())
        })
        .register_fn("to_string", |q: &mut Quantity| {
            format!("{} {}", q.value, q.unit)
        })
        .register_fn("to_debug", |q: &mut Quantity| {
            format!("quantity({:?}, {:?})", q.value, q.unit)
        });
    engine
}

/// Runs `job` on a thread of its own with a large stack; a panic becomes its message.
fn isolated<T: Send>(job: impl Fn() -> T + Sync) -> Result<T, String> {
    std::thread::scope(|threads| {
        let spawned = std::thread::Builder::new()
            .name("voltlex-script".to_string())
            .stack_size(STACK_BYTES)
            .spawn_scoped(threads, &job);
        match spawned {
            Ok(thread) => thread.join().map_err(|panic| panicked(&*panic)),
            // No thread to be had: run here, on the caller's stack.
            Err(_) => catch_unwind(AssertUnwindSafe(&job)).map_err(|panic| panicked(&*panic)),
        }
    })
}

/// What the engine's callbacks watch during an evaluation: the deadline, and the data held in
/// variables (see the module documentation).
#[derive(Debug)]
struct Watch {
    limits: Limits,
    base: Instant,
    /// Nanoseconds after `base`; `u64::MAX` when no evaluation is under way.
    deadline: AtomicU64,
    /// When the scope is next measured, nanoseconds after `base`.
    next_measure: AtomicU64,
    /// Measure the scope at the next variable access.
    measure_due: AtomicBool,
    /// Sizes of the month's `input`, which may be larger than the limits of the script's own
    /// data (a month of 1-minute data with two indices is 134,000 numbers): they are allowed
    /// in `input` on top of the limits.
    input: Mutex<Sizes>,
}

impl Watch {
    fn new(limits: &Limits) -> Self {
        Watch {
            limits: limits.clone(),
            base: Instant::now(),
            deadline: AtomicU64::new(u64::MAX),
            next_measure: AtomicU64::new(u64::MAX),
            measure_due: AtomicBool::new(false),
            input: Mutex::new(Sizes::default()),
        }
    }

    fn now(&self) -> u64 {
        nanos(self.base.elapsed())
    }

    /// Starts an evaluation of `input`.
    fn arm(&self, input: &ComputeInput) {
        *self
            .input
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = Sizes {
            arrays: input.interval_kwh.len() + input.index.values().map(Vec::len).sum::<usize>(),
            maps: INPUT_FIELDS + input.index.len(),
            strings: input.month.len(),
        };
        let now = self.now();
        self.deadline.store(
            now.saturating_add(nanos(self.limits.deadline)),
            Ordering::Relaxed,
        );
        self.next_measure
            .store(now.saturating_add(nanos(MEASURE_EVERY)), Ordering::Relaxed);
        self.measure_due.store(false, Ordering::Relaxed);
    }

    /// Ends an evaluation.
    fn disarm(&self) {
        self.deadline.store(u64::MAX, Ordering::Relaxed);
        self.next_measure.store(u64::MAX, Ordering::Relaxed);
    }

    /// The engine's progress callback: stops the script at the deadline, and schedules the
    /// measuring of the scope.
    fn on_progress(&self, operations: u64) -> Option<Dynamic> {
        if !operations.is_multiple_of(CLOCK_EVERY) {
            return None;
        }
        let now = self.now();
        if now > self.deadline.load(Ordering::Relaxed) {
            return Some(Dynamic::from("deadline"));
        }
        if now >= self.next_measure.load(Ordering::Relaxed) {
            // Until the measuring (at the next variable access) sets the next time.
            self.next_measure.store(u64::MAX, Ordering::Relaxed);
            self.measure_due.store(true, Ordering::Relaxed);
        }
        None
    }

    /// The engine's callback before each variable access: refuses a map or array over its
    /// size limit, and measures the whole scope when that is due.
    fn on_variable(
        &self,
        name: &str,
        index: usize,
        context: &EvalContext,
    ) -> Result<(), Box<EvalAltResult>> {
        let scope = context.scope();
        if self.measure_due.swap(false, Ordering::Relaxed) {
            let start = self.now();
            for (name, constant, value) in scope.iter_raw() {
                self.measure(value, &self.allowed(name, constant))?;
            }
            // Measuring takes at most a tenth of the time (it is slow in debug builds).
            let end = self.now();
            let pause = nanos(MEASURE_EVERY).max(end.saturating_sub(start).saturating_mul(10));
            self.next_measure
                .store(end.saturating_add(pause), Ordering::Relaxed);
        }
        // `index` counts from the end of the scope, from 1; 0 means "search by name".
        let value = match index {
            0 => scope.iter_raw().find(|(n, _, _)| *n == name),
            index => scope.iter_raw().nth(index - 1),
        };
        let Some((name, constant, value)) = value else {
            return Ok(());
        };
        if value.is_map() {
            let len = value.read_lock::<Map>().map_or(0, |map| map.len());
            if len > self.allowed(name, constant).maps {
                return Err(too_large(MAP_SIZE));
            }
        } else if value.is_array() {
            let len = value.read_lock::<Array>().map_or(0, |array| array.len());
            if len > self.allowed(name, constant).arrays {
                return Err(too_large(ARRAY_SIZE));
            }
        }
        Ok(())
    }

    /// The sizes a variable may have: the limits (0: no limit), plus the month's data in
    /// `input`.
    fn allowed(&self, name: &str, constant: bool) -> Sizes {
        let extra = if constant && name == "input" {
            *self
                .input
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
        } else {
            Sizes::default()
        };
        let allow = |limit: usize, extra: usize| match limit {
            0 => usize::MAX,
            limit => limit.saturating_add(extra),
        };
        Sizes {
            arrays: allow(self.limits.max_array_size, extra.arrays),
            maps: allow(self.limits.max_map_size, extra.maps),
            strings: allow(self.limits.max_string_size, extra.strings),
        }
    }

    /// Measures a value as rhai does and refuses it if it is larger than `allowed`.
    fn measure(&self, value: &Dynamic, allowed: &Sizes) -> Result<(), Box<EvalAltResult>> {
        let mut sizes = Sizes::default();
        sizes.add(value, 0)?;
        if sizes.strings > allowed.strings {
            return Err(too_large(STRING_SIZE));
        }
        if sizes.arrays > allowed.arrays {
            return Err(too_large(ARRAY_SIZE));
        }
        if sizes.maps > allowed.maps {
            return Err(too_large(MAP_SIZE));
        }
        Ok(())
    }
}

/// Entries of the `input` map (see [`input_map`]).
const INPUT_FIELDS: usize = 10;

fn nanos(duration: Duration) -> u64 {
    u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX)
}

// What rhai calls its data limits in `ErrorDataTooLarge`, and ours.
const STRING_SIZE: &str = "Length of string";
const ARRAY_SIZE: &str = "Size of array/BLOB";
const MAP_SIZE: &str = "Size of object map";
const NESTING: &str = "Nesting of arrays and object maps";

fn too_large(what: &str) -> Box<EvalAltResult> {
    Box::new(EvalAltResult::ErrorDataTooLarge(
        what.to_string(),
        Position::NONE,
    ))
}

/// Totals of a value, as rhai counts them: elements of all its arrays, entries of all its
/// maps, bytes of all its strings.
#[derive(Debug, Default, Clone, Copy)]
struct Sizes {
    arrays: usize,
    maps: usize,
    strings: usize,
}

impl Sizes {
    /// Adds `value`'s sizes; refuses nesting deeper than [`MAX_NESTING`], which also bounds
    /// this recursion.
    fn add(&mut self, value: &Dynamic, depth: usize) -> Result<(), Box<EvalAltResult>> {
        // `is_*` first: most values are numbers, and these are the cheapest tests.
        if value.is_array() {
            if depth >= MAX_NESTING {
                return Err(too_large(NESTING));
            }
            if let Some(array) = value.read_lock::<Array>() {
                self.arrays += array.len();
                for item in array.iter() {
                    self.add(item, depth + 1)?;
                }
            }
        } else if value.is_map() {
            if depth >= MAX_NESTING {
                return Err(too_large(NESTING));
            }
            if let Some(map) = value.read_lock::<Map>() {
                self.maps += map.len();
                for item in map.values() {
                    self.add(item, depth + 1)?;
                }
            }
        } else if value.is_string() {
            if let Some(text) = value.read_lock::<ImmutableString>() {
                self.strings += text.len();
            }
        }
        Ok(())
    }
}

/// The `input` object map of a month.
fn input_map(input: &ComputeInput) -> Dynamic {
    fn floats(values: &[f64]) -> Dynamic {
        Dynamic::from_array(
            values
                .iter()
                .map(|&v| Dynamic::from_float(v))
                .collect::<Array>(),
        )
    }
    let mut map = Map::new();
    map.insert("month".into(), Dynamic::from(input.month.clone()));
    map.insert("year".into(), Dynamic::from_int(i64::from(input.year)));
    map.insert(
        "month_number".into(),
        Dynamic::from_int(i64::from(input.month_number)),
    );
    map.insert("days".into(), Dynamic::from_int(i64::from(input.days)));
    map.insert("energy_kwh".into(), Dynamic::from_float(input.energy_kwh));
    map.insert("peak_kw".into(), Dynamic::from_float(input.peak_kw));
    map.insert("contract_kw".into(), Dynamic::from_float(input.contract_kw));
    map.insert(
        "interval_minutes".into(),
        Dynamic::from_int(i64::from(input.interval_minutes)),
    );
    map.insert("interval_kwh".into(), floats(&input.interval_kwh));
    let index: Map = input
        .index
        .iter()
        .map(|(name, values)| (name.as_str().into(), floats(values)))
        .collect();
    map.insert("index".into(), Dynamic::from_map(index));
    Dynamic::from_map(map)
}

/// The value of a script's result, if it is a finite quantity in `returns`.
fn quantity_in(result: Dynamic, returns: &str) -> Result<f64, SandboxError> {
    let wrong = |found: String| {
        SandboxError::WrongResult(format!(
            "expected a quantity in {returns}, e.g. quantity(12.3, \"{returns}\"); found {found}"
        ))
    };
    match result.try_cast_result::<Quantity>() {
        Ok(q) if normalise_unit(&q.unit) != normalise_unit(returns) => {
            Err(wrong(format!("a quantity in {} ({})", q.unit, q.value)))
        }
        Ok(q) if !q.value.is_finite() => Err(wrong(format!(
            "a quantity whose value is not finite ({} {})",
            q.value, q.unit
        ))),
        Ok(q) => Ok(q.value),
        Err(other) => Err(wrong(describe(other))),
    }
}

/// A unit as compared: single spaces, `per X` as `/X`, no spaces around `/`.
fn normalise_unit(unit: &str) -> String {
    let words: Vec<&str> = unit
        .split_whitespace()
        .map(|w| if w == "per" { "/" } else { w })
        .collect();
    words.join(" ").replace(" /", "/").replace("/ ", "/")
}

/// What a (wrong) result is, for a message.
fn describe(value: Dynamic) -> String {
    if let Ok(x) = value.as_float() {
        format!("a number {x}")
    } else if let Ok(n) = value.as_int() {
        format!("a number {n}")
    } else if let Ok(b) = value.as_bool() {
        format!("a boolean {b}")
    } else if value.is_unit() {
        "no value (the script's last statement has none)".to_string()
    } else if value.is_array() {
        format!(
            "an array of {} elements",
            value.into_array().map_or(0, |a| a.len())
        )
    } else if value.is_map() {
        "an object map".to_string()
    } else if value.is_string() {
        format!("a string {:?}", value.into_string().unwrap_or_default())
    } else {
        format!("a value of type {}", value.type_name())
    }
}

/// 1-based line and column of a position; a position-less error (the end of the text) is put
/// after the last character.
fn line_column(pos: Position, code: &str) -> (usize, usize) {
    match (pos.line(), pos.position()) {
        (Some(line), Some(column)) => (line, column),
        (Some(line), None) => (line, 1),
        _ => {
            let lines = code.lines().count().max(1);
            let last = code.lines().last().map_or(0, |l| l.chars().count());
            (lines, last + 1)
        }
    }
}

/// A parse error's message, with the sandbox's reason for a refused feature.
fn parse_message(err: &ParseErrorType) -> String {
    match err {
        ParseErrorType::BadInput(rhai::LexError::ImproperSymbol(symbol, _))
            if symbol == "eval" || symbol == "this" =>
        {
            format!("`{symbol}` is not available in voltlex scripts")
        }
        ParseErrorType::Reserved(word) if word == "import" || word == "export" => {
            format!("`{word}` is not available in voltlex scripts: scripts cannot load modules")
        }
        other => other.to_string(),
    }
}

/// Which of our limits a rhai "… too large" names.
fn size_limit(what: &str) -> &'static str {
    let what = what.to_ascii_lowercase();
    if what.contains("nesting") {
        "nesting depth"
    } else if what.contains("string") {
        "string size"
    } else if what.contains("map") {
        "map size"
    } else {
        "array size"
    }
}

/// What a size limit allows, for a message.
fn size_detail(limit: &str, limits: &Limits) -> String {
    match limit {
        "nesting depth" => format!("arrays and maps nested more than {MAX_NESTING} deep"),
        "string size" => format!(
            "a string (or the strings of one array or map) over {} bytes",
            limits.max_string_size
        ),
        "map size" => format!(
            "a map (with the maps in it) of more than {} entries",
            limits.max_map_size
        ),
        _ => format!(
            "an array (with the arrays in it) of more than {} elements",
            limits.max_array_size
        ),
    }
}

/// A panic of the script engine (a rhai bug), as a message.
fn panicked(panic: &(dyn std::any::Any + Send)) -> String {
    let what = panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "no message".to_string());
    format!("the script engine failed on this script ({what})")
}

fn compile_error(err: &ParseError, file: &str, code: &str, limits: &Limits) -> SandboxError {
    let (line, column) = line_column(err.position(), code);
    let at = format!("at {file}:{line}:{column}");
    match err.err_type() {
        ParseErrorType::ExprTooDeep => SandboxError::Limit {
            limit: "expression depth",
            detail: format!(
                "expressions nested more than {} deep, {at}",
                limits.max_expression_depth
            ),
        },
        ParseErrorType::TooManyFunctions => SandboxError::Limit {
            limit: "functions",
            detail: format!("more than {} functions, {at}", limits.max_functions),
        },
        ParseErrorType::LiteralTooLarge(what, _) => {
            let limit = size_limit(what);
            SandboxError::Limit {
                limit,
                detail: format!("{} (a literal), {at}", size_detail(limit, limits)),
            }
        }
        other => SandboxError::Compile {
            what: format!("script {file}"),
            message: format!("{line}:{column}: {}", parse_message(other)),
        },
    }
}

/// Maps a run-time error (through any function calls) to the sandbox's error.
fn run_error(err: EvalAltResult, file: &str, limits: &Limits) -> SandboxError {
    let mut root = err;
    let mut calls = Vec::new();
    while let EvalAltResult::ErrorInFunctionCall(name, _, inner, pos) = root {
        calls.push((name, pos));
        root = *inner;
    }
    let mut pos = root.take_position();
    if pos.is_none() {
        pos = calls
            .iter()
            .rev()
            .map(|(_, p)| *p)
            .find(|p| !p.is_none())
            .unwrap_or(Position::NONE);
    }
    let at = match pos.line() {
        Some(line) => format!("{file}:{line}"),
        None => file.to_string(),
    };
    let limit = |limit: &'static str, what: String| SandboxError::Limit {
        limit,
        detail: format!("{what}, at {at}"),
    };
    match root {
        EvalAltResult::ErrorTooManyOperations(..) => limit(
            "operations",
            format!("more than {} operations", limits.max_operations),
        ),
        EvalAltResult::ErrorStackOverflow(..) => limit(
            "call depth",
            format!(
                "function calls nested more than {} deep",
                limits.max_call_depth
            ),
        ),
        EvalAltResult::ErrorTooManyVariables(..) => limit(
            "variables",
            format!("more than {} variables", limits.max_variables),
        ),
        EvalAltResult::ErrorTerminated(..) => limit(
            "deadline",
            format!("still running after {:?}", limits.deadline),
        ),
        EvalAltResult::ErrorDataTooLarge(what, ..) => {
            let name = size_limit(&what);
            limit(name, size_detail(name, limits))
        }
        other => {
            let mut message = format!("{at}: {other}");
            for (name, call) in calls.iter().rev() {
                let name = if name.starts_with("anon$") {
                    "a closure"
                } else {
                    name.as_str()
                };
                match call.line() {
                    Some(line) => message.push_str(&format!("; in {name} called at line {line}")),
                    None => message.push_str(&format!("; in {name}")),
                }
            }
            SandboxError::Failed(message)
        }
    }
}
