//! rhai scripts in a locked-down engine.
//!
//! A `computed` rule's script is a small [rhai](https://rhai.rs) program that reads one bill
//! month's [`ComputeInput`] and ends with a *quantity in the rule's declared unit*:
//!
//! ```rhai
//! // a load-weighted average of the JPEX price, 30 % of it
//! let price = input.index["jepx-tokyo"];
//! let weighted = 0.0;
//! let energy = 0.0;
//! for i in 0..input.interval_kwh.len() {
//!     weighted += price[i] * input.interval_kwh[i];
//!     energy += input.interval_kwh[i];
//! }
//! quantity(0.3 * weighted / energy, "JPY/kWh")
//! ```
//!
//! # What a script sees
//!
//! One constant, `input`, an object map of the bill month (integers are rhai `int`s, `i64`;
//! the rest are `float`s, `f64`):
//!
//! | field                    | type                      | meaning                              |
//! |--------------------------|---------------------------|--------------------------------------|
//! | `input.month`            | string                    | billing month, `"2024-07"`           |
//! | `input.year`             | int                       | `2024`                               |
//! | `input.month_number`     | int                       | 1–12                                 |
//! | `input.days`             | int                       | days in the month                    |
//! | `input.energy_kwh`       | float                     | energy of the month, kWh             |
//! | `input.peak_kw`          | float                     | the month's peak demand, kW          |
//! | `input.contract_kw`      | float                     | the month's contract demand, kW      |
//! | `input.interval_minutes` | int                       | length of one interval, minutes      |
//! | `input.interval_kwh`     | array of floats           | kWh of every interval, in time order |
//! | `input.index`            | map: name → array of floats | each declared index in its month   |
//!
//! Reading a field that does not exist (`input.energy`) is an error, not `()`.
//!
//! The result must be built with `quantity(value, "UNIT")` (`value` an int or a float; the
//! method form `12.3.quantity("JPY/kWh")` works too). Its unit must be the rule's declared unit;
//! spaces do not matter and `per X` is the same as `/X` (`"JPY/kW per month"` ==
//! `"JPY/kW/month"`). A quantity's parts are readable as `q.value` and `q.unit`.
//!
//! # What a script can do
//!
//! The engine is [`Engine::new_raw`] plus only these packages: arithmetic (incl. `abs`),
//! logic and comparison (incl. `min`, `max`), maths (`floor`, `ceiling`, `round`, `sqrt`, `exp`,
//! `ln`, `log`, `**`, …), ranges and iteration (`for i in 0..n`, `for x in array`), arrays
//! (`len`, indexing, `push`, `map`/`filter`/`reduce`, …), object maps and basic string
//! functions. Scripts may define functions and closures.
//!
//! # What a script cannot do
//!
//! - read or write files, reach a network, read the clock or the environment: a raw engine has
//!   no such functions and none are registered (the `no_time` feature drops timestamps);
//! - `import` modules (the `no_module` feature makes `import` a reserved word: a syntax error);
//! - `eval` text (the symbol is disabled: a syntax error);
//! - print: `print` and `debug` are swallowed, nothing reaches stdout or stderr;
//! - `sleep` or `exit`: the core-language package that has them is not registered;
//! - run away: every rhai limit of [`Limits`] is applied (operations, call depth, expression
//!   depth, string, array and map sizes, variables, functions), and the wall-clock
//!   [`Limits::deadline`] is checked every 256 operations, so even a script whose operations
//!   are expensive native calls stops soon after the deadline. (A single native call is not
//!   interrupted; the size limits keep each one short.)
//!
//! As in rhai, a limit of 0 means *no limit* for operations, expression depth and string,
//! array and map sizes (the deadline still applies), and *none allowed* for call depth,
//! variables and functions.
//!
//! Line numbers in messages count from the script's first line.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Instant;

use rhai::packages::{
    ArithmeticPackage, BasicArrayPackage, BasicFnPackage, BasicIteratorPackage, BasicMapPackage,
    BasicMathPackage, BasicStringPackage, LogicPackage, MoreStringPackage, Package,
};
use rhai::{
    Array, Dynamic, Engine, EvalAltResult, ImmutableString, Map, ParseError, ParseErrorType,
    Position, Scope, AST,
};

use super::{ComputeInput, Limits, SandboxError};

/// The wall-clock deadline is checked once per this many operations.
const DEADLINE_CHECK_EVERY: u64 = 256;

/// A script's result: a number and its unit (`quantity(12.3, "JPY/kWh")`).
#[derive(Debug, Clone, PartialEq)]
struct Quantity {
    value: f64,
    unit: String,
}

/// The deadline of the evaluation under way, shared with the engine's progress callback.
#[derive(Debug)]
struct Clock {
    base: Instant,
    /// Nanoseconds after `base`; `u64::MAX` when no evaluation is under way.
    deadline: AtomicU64,
}

impl Clock {
    fn new() -> Self {
        Clock {
            base: Instant::now(),
            deadline: AtomicU64::new(u64::MAX),
        }
    }

    fn now(&self) -> u64 {
        u64::try_from(self.base.elapsed().as_nanos()).unwrap_or(u64::MAX)
    }

    fn arm(&self, limits: &Limits) {
        let budget = u64::try_from(limits.deadline.as_nanos()).unwrap_or(u64::MAX);
        self.deadline
            .store(self.now().saturating_add(budget), Ordering::Relaxed);
    }

    fn disarm(&self) {
        self.deadline.store(u64::MAX, Ordering::Relaxed);
    }

    fn expired(&self) -> bool {
        self.now() > self.deadline.load(Ordering::Relaxed)
    }
}

/// Compiled scripts of one run, and the locked-down engine they run in.
///
/// Each script is compiled once per (file, code) and its syntax tree (or its compile error)
/// kept; [`ScriptCache::evaluate`] runs it with a fresh scope for every month. One cache
/// belongs to one run: `evaluate` takes `&mut self`, so a cache evaluates one script at a time.
/// The cache is `Send + Sync` (rhai's `sync` feature), so a run may move between threads.
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
    clock: Arc<Clock>,
    /// file → code → compiled script (or why it does not compile).
    scripts: HashMap<String, HashMap<String, Result<AST, SandboxError>>>,
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
        let clock = Arc::new(Clock::new());
        let mut engine = sandbox_engine(limits);
        let progress_clock = Arc::clone(&clock);
        engine.on_progress(move |operations| {
            (operations % DEADLINE_CHECK_EVERY == 0 && progress_clock.expired())
                .then(|| Dynamic::from("deadline"))
        });
        ScriptCache {
            engine,
            limits: limits.clone(),
            clock,
            scripts: HashMap::new(),
            compilations: 0,
        }
    }

    /// Runs a script on one month's input and returns its result's value, which is in the
    /// unit `returns` (the rule's declared unit) and finite.
    ///
    /// The script is compiled on its first use and the compiled form kept for the run.
    /// `name` is the rule's name; messages name the script's `file` and line (counted from the
    /// script's first line), the caller names the rule. Errors:
    /// [`SandboxError::Compile`] for a syntax error (`LINE:COLUMN: message`),
    /// [`SandboxError::Limit`] for a limit hit (`"operations"`, `"call depth"`,
    /// `"expression depth"`, `"string size"`, `"array size"`, `"map size"`, `"variables"`,
    /// `"functions"`, `"deadline"`), [`SandboxError::Failed`] for a run-time error
    /// (`FILE:LINE: message`: an undefined variable, a type mismatch, an index out of bounds,
    /// a division by zero, `throw`), [`SandboxError::WrongResult`] when the result is not a
    /// finite quantity in `returns`.
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
        let known = self
            .scripts
            .get(file)
            .is_some_and(|by_code| by_code.contains_key(code));
        if !known {
            let compiled = self
                .engine
                .compile(code)
                .map_err(|err| compile_error(&err, file, code, &self.limits));
            self.compilations += 1;
            self.scripts
                .entry(file.to_string())
                .or_default()
                .insert(code.to_string(), compiled);
        }
        let ast = match &self.scripts[file][code] {
            Ok(ast) => ast,
            Err(err) => return Err(err.clone()),
        };

        let mut scope = Scope::new();
        scope.push_constant_dynamic("input", input_map(input));
        self.clock.arm(&self.limits);
        let result = self.engine.eval_ast_with_scope::<Dynamic>(&mut scope, ast);
        self.clock.disarm();
        match result {
            Ok(value) => quantity_in(value, returns),
            Err(err) => Err(run_error(*err, file, &self.limits)),
        }
    }

    /// How many scripts this cache has compiled (each (file, code) once, whether or not it
    /// compiled).
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
    /// Column (in characters), 1-based.
    pub column: usize,
    /// What is wrong.
    pub message: String,
}

/// Checks that a script compiles in the sandbox (with [`Limits::default`]): its syntax, and
/// that it uses no disabled feature (`eval`, `import`) and stays within the limits checked at
/// compile time (expression depth, number of functions, string literal size). Does not run it.
///
/// ```
/// use voltlex_dsl::sandbox::rhai_script::check_script;
///
/// assert!(check_script(r#"quantity(input.peak_kw * 2.0, "JPY/kW per month")"#).is_ok());
///
/// let err = check_script("let a = 1;\nlet b = eval(\"a\");").unwrap_err();
/// assert_eq!(err.line, 2);
/// ```
pub fn check_script(code: &str) -> Result<(), ScriptSyntaxError> {
    static CHECKER: OnceLock<Engine> = OnceLock::new();
    let engine = CHECKER.get_or_init(|| sandbox_engine(&Limits::default()));
    engine.compile(code).map(drop).map_err(|err| {
        let (line, column) = line_column(err.position(), code);
        ScriptSyntaxError {
            line,
            column,
            message: parse_message(err.err_type()),
        }
    })
}

/// The locked-down engine, without its deadline callback.
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
        .disable_symbol("eval")
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

/// A parse error's message, with the sandbox's reasons for refused features.
fn parse_message(err: &ParseErrorType) -> String {
    match err {
        ParseErrorType::BadInput(rhai::LexError::ImproperSymbol(symbol, _)) if symbol == "eval" => {
            "`eval` is not available in voltlex scripts".to_string()
        }
        ParseErrorType::Reserved(word) if word == "import" || word == "export" => {
            format!("`{word}` is not available in voltlex scripts: scripts cannot load modules")
        }
        other => other.to_string(),
    }
}

/// Which size limit a rhai "… too large" names.
fn size_limit(what: &str) -> &'static str {
    let what = what.to_ascii_lowercase();
    if what.contains("string") {
        "string size"
    } else if what.contains("map") {
        "map size"
    } else if what.contains("array") {
        "array size"
    } else {
        "data size"
    }
}

fn size_value(limit: &str, limits: &Limits) -> usize {
    match limit {
        "string size" => limits.max_string_size,
        "map size" => limits.max_map_size,
        _ => limits.max_array_size,
    }
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
            detail: format!("more than {} functions defined, {at}", limits.max_functions),
        },
        ParseErrorType::LiteralTooLarge(what, max) => {
            let limit = size_limit(what);
            SandboxError::Limit {
                limit,
                detail: format!("a literal over {max}, {at}"),
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
            limit(name, format!("{what} over {}", size_value(name, limits)))
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
