//! The rhai sandbox: scripts compute prices, and cannot escape their fence.
//!
//! Limits are small where a test means to hit one, and the deadline long where it must not
//! interfere, so every test proves which limit stopped the script without timing anything.

// Test code: a failed expectation should panic.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::BTreeMap;
use std::time::Duration;

use voltlex_dsl::sandbox::rhai_script::{check_script, ScriptCache};
use voltlex_dsl::sandbox::{ComputeInput, Limits, SandboxError};

/// Limits for tests: small enough to be hit in a few milliseconds of a debug build, with a
/// deadline no test meets unless it means to.
fn limits() -> Limits {
    Limits {
        max_operations: 50_000,
        max_string_size: 1_000,
        max_array_size: 5_000,
        max_map_size: 100,
        deadline: Duration::from_secs(120),
        ..Limits::default()
    }
}

fn cache() -> ScriptCache {
    ScriptCache::new(&limits())
}

/// A July with four half-hours and a JEPX price for each.
fn july() -> ComputeInput {
    let mut index = BTreeMap::new();
    index.insert("jepx-tokyo".to_string(), vec![10.0, 20.0, 30.0, 40.0]);
    ComputeInput {
        month: "2024-07".to_string(),
        year: 2024,
        month_number: 7,
        days: 31,
        energy_kwh: 10.0,
        peak_kw: 8.0,
        contract_kw: 500.0,
        interval_minutes: 30,
        interval_kwh: vec![1.0, 2.0, 3.0, 4.0],
        index,
    }
}

fn run(code: &str, returns: &str) -> Result<f64, SandboxError> {
    cache().evaluate("test", "test.rhai", code, returns, &july())
}

fn limit_of(result: Result<f64, SandboxError>) -> (&'static str, String) {
    match result {
        Err(SandboxError::Limit { limit, detail }) => (limit, detail),
        other => panic!("expected a limit, got {other:?}"),
    }
}

fn failure_of(result: Result<f64, SandboxError>) -> String {
    match result {
        Err(SandboxError::Failed(message)) => message,
        other => panic!("expected a failure, got {other:?}"),
    }
}

fn wrong_result_of(result: Result<f64, SandboxError>) -> String {
    match result {
        Err(SandboxError::WrongResult(message)) => message,
        other => panic!("expected a wrong result, got {other:?}"),
    }
}

fn compile_error_of(result: Result<f64, SandboxError>) -> (String, String) {
    match result {
        Err(SandboxError::Compile { what, message }) => (what, message),
        other => panic!("expected a compile error, got {other:?}"),
    }
}

const MARKET_PRICE: &str = r#"
// 30 % of the load-weighted average JEPX price
let price = input.index["jepx-tokyo"];
let load = input.interval_kwh;
let weighted = 0.0;
let energy = 0.0;
for i in 0..load.len() {
    weighted += price[i] * load[i];
    energy += load[i];
}
quantity(0.3 * weighted / energy, "JPY/kWh")
"#;

#[test]
fn a_price_script_reads_the_index_and_the_load() {
    // (10·1 + 20·2 + 30·3 + 40·4) / 10 = 30 JPY/kWh; 30 % of it
    let price = run(MARKET_PRICE, "JPY/kWh").unwrap();
    assert!((price - 9.0).abs() < 1e-12, "{price}");
}

#[test]
fn a_script_sees_every_input_field() {
    let code = r#"
        let ok = input.month == "2024-07" && input.year == 2024 && input.month_number == 7
            && input.days == 31 && input.energy_kwh == 10.0 && input.peak_kw == 8.0
            && input.contract_kw == 500.0 && input.interval_minutes == 30
            && input.interval_kwh.len() == 4 && input.index.len() == 1
            && type_of(input.year) == "i64" && type_of(input.energy_kwh) == "f64";
        if !ok { throw "unexpected input"; }
        quantity(1, "JPY per month")
    "#;
    assert_eq!(run(code, "JPY per month"), Ok(1.0));
}

#[test]
fn a_monthly_charge_from_the_contract_demand() {
    let code = r#"
        fn charge(kw) { if kw <= 50.0 { 1000.0 } else { 1000.0 + (kw - 50.0) * 2.5 } }
        quantity(charge(input.contract_kw).round(), "JPY per month")
    "#;
    assert_eq!(run(code, "JPY per month"), Ok(2125.0));
    // per X == /X, and spaces do not matter
    let code = r#"(input.contract_kw * 0 + 1234).quantity("JPY/kW  per month")"#;
    assert_eq!(run(code, "JPY/kW per month"), Ok(1234.0));
    let code = r#"12.5.quantity("JPY / kW/month")"#;
    assert_eq!(run(code, "JPY/kW per month"), Ok(12.5));
}

#[test]
fn maths_arrays_maps_and_strings_are_available() {
    let code = r#"
        let xs = input.interval_kwh;
        let total = xs.reduce(|sum, x| sum + x, 0.0);
        let biggest = xs.reduce(|m, x| max(m, x), 0.0);
        let m = #{ a: 1, b: 2 };
        m.c = 3;
        let s = `${input.month}-01`;
        let checks = [
            floor(2.7) == 2.0, ceiling(2.2) == 3.0, round(2.5) == 3.0, abs(-2) == 2,
            min(3, 4) == 3, sqrt(16.0) == 4.0, exp(0.0) == 1.0, ln(1.0) == 0.0,
            m.len() == 3, s.len() == 10, s.sub_string(0, 4) == "2024", xs.filter(|x| x > 2.0).len() == 2,
        ];
        if !checks.all(|c| c) { throw `a check failed: ${checks}`; }
        quantity(total + biggest, "JPY/kWh")
    "#;
    assert_eq!(run(code, "JPY/kWh"), Ok(14.0));
}

#[test]
fn a_script_is_compiled_once_per_file_and_code() {
    let mut scripts = cache();
    let input = july();
    for _ in 0..12 {
        scripts
            .evaluate("market", "market.rhai", MARKET_PRICE, "JPY/kWh", &input)
            .unwrap();
    }
    assert_eq!(scripts.compilations(), 1);
    // another file with the same code, and the same file with other code, are other scripts
    scripts
        .evaluate("market", "other.rhai", MARKET_PRICE, "JPY/kWh", &input)
        .unwrap();
    scripts
        .evaluate(
            "market",
            "market.rhai",
            r#"quantity(1, "JPY/kWh")"#,
            "JPY/kWh",
            &input,
        )
        .unwrap();
    assert_eq!(scripts.compilations(), 3);
    // a script that does not compile is not compiled again either
    for _ in 0..3 {
        assert!(scripts
            .evaluate("bad", "bad.rhai", "let = 1;", "JPY/kWh", &input)
            .is_err());
    }
    assert_eq!(scripts.compilations(), 4);
}

#[test]
fn each_evaluation_starts_from_a_fresh_scope() {
    let mut scripts = cache();
    let code = r#"
        if is_def_var("seen") { throw "state leaked from an earlier month"; }
        let seen = true;
        quantity(input.month_number, "JPY/kWh")
    "#;
    let mut input = july();
    for month in 1..=3 {
        input.month_number = month;
        assert_eq!(
            scripts.evaluate("fresh", "fresh.rhai", code, "JPY/kWh", &input),
            Ok(f64::from(month))
        );
    }
}

#[test]
fn the_input_cannot_be_modified() {
    let message = failure_of(run(
        "input.energy_kwh = 0.0; quantity(1, \"JPY/kWh\")",
        "JPY/kWh",
    ));
    assert!(message.starts_with("test.rhai:1: "), "{message}");
    assert!(message.contains("constant"), "{message}");
}

#[test]
fn a_misspelt_input_field_is_an_error_not_unit() {
    let message = failure_of(run("\nquantity(input.energy, \"JPY/kWh\")", "JPY/kWh"));
    assert!(message.starts_with("test.rhai:2: "), "{message}");
    assert!(message.contains("energy"), "{message}");
}

#[test]
fn an_endless_loop_hits_the_operations_limit() {
    let (limit, detail) = limit_of(run("loop {}", "JPY/kWh"));
    assert_eq!(limit, "operations");
    assert!(
        detail.contains("50000") && detail.contains("test.rhai:1"),
        "{detail}"
    );
}

#[test]
fn deep_recursion_hits_the_call_depth_limit() {
    let code = "fn down(n) { down(n + 1) }\ndown(0)";
    let (limit, detail) = limit_of(run(code, "JPY/kWh"));
    assert_eq!(limit, "call depth");
    assert!(detail.contains("32"), "{detail}");
}

#[test]
fn deeply_nested_expressions_hit_the_expression_depth_limit() {
    let code = format!("{}1{}", "(".repeat(200), ")".repeat(200));
    let (limit, detail) = limit_of(run(&code, "JPY/kWh"));
    assert_eq!(limit, "expression depth");
    assert!(detail.contains("64"), "{detail}");
}

#[test]
fn a_string_bomb_hits_the_string_size_limit() {
    let (limit, detail) = limit_of(run(r#"let s = "x"; loop { s += s; }"#, "JPY/kWh"));
    assert_eq!(limit, "string size");
    assert!(detail.contains("1000"), "{detail}");
}

#[test]
fn an_array_bomb_hits_the_array_size_limit() {
    let (limit, detail) = limit_of(run("let a = [1]; loop { a += a; }", "JPY/kWh"));
    assert_eq!(limit, "array size");
    assert!(detail.contains("5000"), "{detail}");
    // native calls are size-checked too
    let (limit, _) = limit_of(run("let a = []; a.pad(1000000, 0); a.len()", "JPY/kWh"));
    assert_eq!(limit, "array size");
}

#[test]
fn a_map_bomb_hits_the_map_size_limit() {
    let (limit, detail) = limit_of(run(
        "let m = #{}; let i = 0; loop { m[`k${i}`] = i; i += 1; }",
        "JPY/kWh",
    ));
    assert_eq!(limit, "map size");
    assert!(detail.contains("100"), "{detail}");
}

#[test]
fn too_many_variables_hit_the_variables_limit() {
    let limits = Limits {
        max_variables: 3,
        ..limits()
    };
    let code = "let a = 1; let b = 2; let c = 3; let d = 4; quantity(a, \"JPY/kWh\")";
    let (limit, _) =
        limit_of(ScriptCache::new(&limits).evaluate("v", "v.rhai", code, "JPY/kWh", &july()));
    assert_eq!(limit, "variables");
}

#[test]
fn too_many_functions_hit_the_functions_limit() {
    let limits = Limits {
        max_functions: 2,
        ..limits()
    };
    let code = "fn a() { 1 } fn b() { 2 } fn c() { 3 } quantity(a(), \"JPY/kWh\")";
    let (limit, _) =
        limit_of(ScriptCache::new(&limits).evaluate("f", "f.rhai", code, "JPY/kWh", &july()));
    assert_eq!(limit, "functions");
}

#[test]
fn a_slow_script_hits_the_deadline() {
    let limits = Limits {
        deadline: Duration::from_millis(1),
        max_operations: u64::MAX,
        ..Limits::default()
    };
    let mut scripts = ScriptCache::new(&limits);
    let code = "let x = 0; loop { x += 1; }";
    let (limit, detail) = limit_of(scripts.evaluate("slow", "slow.rhai", code, "JPY/kWh", &july()));
    assert_eq!(limit, "deadline");
    assert!(detail.contains("1ms"), "{detail}");
    // the next evaluation has its own deadline
    assert_eq!(
        scripts.evaluate(
            "fast",
            "fast.rhai",
            r#"quantity(1, "JPY/kWh")"#,
            "JPY/kWh",
            &july()
        ),
        Ok(1.0)
    );
}

#[test]
fn eval_is_refused_at_compile_time() {
    let (what, message) = compile_error_of(run(
        r#"let x = eval("1"); quantity(x, "JPY/kWh")"#,
        "JPY/kWh",
    ));
    assert_eq!(what, "script test.rhai");
    assert!(
        message.starts_with("1:9: ") && message.contains("eval"),
        "{message}"
    );
    assert!(check_script(r#"eval("1")"#).is_err());
}

#[test]
fn import_is_refused_at_compile_time() {
    let (_, message) = compile_error_of(run(
        "import \"x\" as y;\nquantity(1, \"JPY/kWh\")",
        "JPY/kWh",
    ));
    assert!(
        message.starts_with("1:1: ") && message.contains("import"),
        "{message}"
    );
    let err = check_script("import \"x\" as y;").unwrap_err();
    assert_eq!((err.line, err.column), (1, 1));
}

#[test]
fn sleep_exit_and_the_clock_do_not_exist() {
    for call in ["sleep(1)", "exit(1)", "timestamp()"] {
        let message = failure_of(run(call, "JPY/kWh"));
        assert!(message.contains("Function not found"), "{call}: {message}");
    }
}

#[test]
fn print_and_debug_are_swallowed() {
    // The engine's print and debug callbacks discard the text; the script still runs.
    let code = r#"print("hi"); debug("there"); quantity(2, "JPY/kWh")"#;
    assert_eq!(run(code, "JPY/kWh"), Ok(2.0));
}

#[test]
fn a_plain_number_is_a_wrong_result() {
    let message = wrong_result_of(run("12.3", "JPY/kWh"));
    assert_eq!(
        message,
        r#"expected a quantity in JPY/kWh, e.g. quantity(12.3, "JPY/kWh"); found a number 12.3"#
    );
    let message = wrong_result_of(run("42", "JPY per month"));
    assert!(message.ends_with("found a number 42"), "{message}");
}

#[test]
fn a_string_is_a_wrong_result() {
    let message = wrong_result_of(run(r#""12.3 JPY/kWh""#, "JPY/kWh"));
    assert!(
        message.starts_with("expected a quantity in JPY/kWh"),
        "{message}"
    );
    assert!(
        message.ends_with(r#"found a string "12.3 JPY/kWh""#),
        "{message}"
    );
}

#[test]
fn a_quantity_in_another_unit_is_a_wrong_result() {
    let message = wrong_result_of(run(r#"quantity(3030, "JPY/kW per month")"#, "JPY/kWh"));
    assert_eq!(
        message,
        r#"expected a quantity in JPY/kWh, e.g. quantity(12.3, "JPY/kWh"); found a quantity in JPY/kW per month (3030)"#
    );
}

#[test]
fn a_non_finite_quantity_is_a_wrong_result() {
    let message = wrong_result_of(run(r#"quantity(1.0 / 0.0, "JPY/kWh")"#, "JPY/kWh"));
    assert!(message.contains("not finite"), "{message}");
}

#[test]
fn no_value_is_a_wrong_result() {
    let message = wrong_result_of(run("let x = 1;", "JPY/kWh"));
    assert!(message.contains("found no value"), "{message}");
}

#[test]
fn a_division_by_zero_fails_with_its_line() {
    let message = failure_of(run(
        "let a = 1;\nlet b = 0;\nlet c = a / b;\nquantity(c, \"JPY/kWh\")",
        "JPY/kWh",
    ));
    assert!(message.starts_with("test.rhai:3: "), "{message}");
    assert!(message.contains("Division by zero"), "{message}");
}

#[test]
fn an_undefined_variable_fails_with_its_line() {
    let message = failure_of(run(
        "let a = 1;\n\nquantity(a * rate, \"JPY/kWh\")",
        "JPY/kWh",
    ));
    assert!(message.starts_with("test.rhai:3: "), "{message}");
    assert!(message.contains("rate"), "{message}");
}

#[test]
fn an_error_in_a_function_names_its_line_and_the_call() {
    let code = "fn price(xs) {\n  xs[10]\n}\nquantity(price(input.interval_kwh), \"JPY/kWh\")";
    let message = failure_of(run(code, "JPY/kWh"));
    assert!(message.starts_with("test.rhai:2: "), "{message}");
    assert!(
        message.contains("out of bounds") && message.contains("in price called at line 4"),
        "{message}"
    );
}

#[test]
fn a_thrown_error_fails_with_its_line() {
    let message = failure_of(run(
        "\nif input.index.len() < 2 { throw \"need two indices\"; }",
        "JPY/kWh",
    ));
    assert!(
        message.starts_with("test.rhai:2: ") && message.contains("need two indices"),
        "{message}"
    );
}

#[test]
fn a_syntax_error_is_a_compile_error_with_line_and_column() {
    let (what, message) = compile_error_of(run("let a = 1;\nlet b = a +;\n", "JPY/kWh"));
    assert_eq!(what, "script test.rhai");
    assert!(message.starts_with("2:"), "{message}");
    let err = check_script("let a = 1;\nlet b = a +;\n").unwrap_err();
    assert_eq!(err.line, 2);
    assert!(err.column > 1);
    assert!(
        message.starts_with(&format!("{}:{}: ", err.line, err.column)),
        "{message}"
    );
    assert!(check_script(MARKET_PRICE).is_ok());
}

#[test]
fn a_script_cache_is_send_and_sync() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<ScriptCache>();
}

/// Limits under which only a data limit (or a two-minute deadline) can stop a script.
fn unmetered() -> Limits {
    Limits {
        max_operations: 0,
        ..limits()
    }
}

#[test]
fn a_map_growing_inside_an_array_hits_the_map_size_limit() {
    // rhai checks only the element it assigns; the sandbox measures the whole variable
    let code = "let a = [#{}]; let i = 0; loop { a[0][`k${i}`] = i; i += 1; }";
    let (limit, _) =
        limit_of(ScriptCache::new(&unmetered()).evaluate("m", "m.rhai", code, "JPY/kWh", &july()));
    assert_eq!(limit, "map size");
}

#[test]
fn arrays_stored_into_elements_hit_the_array_size_limit() {
    let code = "let b = []; b.pad(4000, 1); let a = []; a.pad(4000, 0); let i = 0; loop { a[i % 4000] = b; i += 1; }";
    let (limit, detail) =
        limit_of(ScriptCache::new(&unmetered()).evaluate("a", "a.rhai", code, "JPY/kWh", &july()));
    assert_eq!(limit, "array size");
    assert!(detail.contains("5000"), "{detail}");
}

#[test]
fn deeply_nested_data_hits_the_nesting_depth_limit() {
    // Unchecked, this overflows the stack of rhai's (recursive) size checks and aborts.
    let code = "let a = []; loop { a = [a]; }";
    let (limit, detail) =
        limit_of(ScriptCache::new(&unmetered()).evaluate("n", "n.rhai", code, "JPY/kWh", &july()));
    assert_eq!(limit, "nesting depth");
    assert!(detail.contains("64"), "{detail}");
}

#[test]
fn this_is_refused_at_compile_time() {
    let code =
        "fn grow(k) { this[k] = 1; }\nlet m = #{};\nm.grow(\"a\");\nquantity(1, \"JPY/kWh\")";
    let (_, message) = compile_error_of(run(code, "JPY/kWh"));
    assert!(
        message.starts_with("1:14: ") && message.contains("`this`"),
        "{message}"
    );
}

#[test]
fn assigning_into_a_constant_map_does_not_crash_the_engine() {
    // With constant propagation on, rhai panics on this script.
    let code = r#"const M = #{}; M["x"] = 1; quantity(M.len(), "JPY/kWh")"#;
    assert!(run(code, "JPY/kWh").is_ok());
}

#[test]
fn a_month_of_data_may_exceed_the_limits_of_the_scripts_own_data() {
    // 3 × 3,000 numbers in `input`, over the 5,000-element limit for data a script makes; a
    // loop of some milliseconds, so that the sandbox measures the scope while it runs.
    let mut input = july();
    input.interval_kwh = vec![1.0; 3_000];
    input
        .index
        .insert("jepx-tokyo".to_string(), vec![20.0; 3_000]);
    input
        .index
        .insert("jepx-kansai".to_string(), vec![10.0; 3_000]);
    let code = r#"
        let total = 0.0;
        for round in 0..3 {
            for i in 0..input.interval_kwh.len() {
                total += input.index["jepx-tokyo"][i] * input.interval_kwh[i];
            }
        }
        quantity(total / 3.0 / input.interval_kwh.len(), "JPY/kWh")
    "#;
    let mut scripts = ScriptCache::new(&unmetered());
    assert_eq!(
        scripts.evaluate("big", "big.rhai", code, "JPY/kWh", &input),
        Ok(20.0)
    );
    // but what the script adds to it counts
    let code = "let i = 0; loop { input.index[`k${i}`] = [i]; i += 1; }";
    let (limit, _) = limit_of(scripts.evaluate("grow", "grow.rhai", code, "JPY/kWh", &input));
    assert_eq!(limit, "map size");
}
