//! wasm plugins (ABI v1, docs/plugins.md) under their limits: the input layout, caching, fuel,
//! memory, traps, imports, the ABI's exports, results and state between evaluations.
//! The modules are WAT text in `tests/plugins/`. No test measures time.

// Test code: a failed expectation should panic.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
#![cfg(feature = "wasm")]

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use voltlex_dsl::sandbox::wasm_plugin::{check_plugin, encode_input, PluginCache};
use voltlex_dsl::sandbox::{ComputeInput, Limits, SandboxError};

/// `tests/plugins/NAME.wat`: its file name (as a rule would give it) and its text.
fn plugin(name: &str) -> (String, Vec<u8>) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/plugins")
        .join(format!("{name}.wat"));
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    (format!("plugins/{name}.wat"), bytes)
}

/// July 2025: 10,000 kWh, three intervals, two indices declared "jepx" then "fuel".
fn july() -> ComputeInput {
    ComputeInput {
        month: "2025-07".into(),
        year: 2025,
        month_number: 7,
        days: 31,
        energy_kwh: 10_000.0,
        peak_kw: 80.0,
        contract_kw: 100.0,
        interval_minutes: 30,
        interval_kwh: vec![1.25, 2.5, 4.0],
        index: BTreeMap::from([
            ("jepx".to_owned(), vec![10.0, 12.0, 14.5]),
            ("fuel".to_owned(), vec![3.25]),
        ]),
    }
}

fn run(name: &str, export: &str, input: &ComputeInput) -> Result<f64, SandboxError> {
    run_with(&Limits::default(), name, export, input)
}

fn run_with(
    limits: &Limits,
    name: &str,
    export: &str,
    input: &ComputeInput,
) -> Result<f64, SandboxError> {
    let (file, bytes) = plugin(name);
    PluginCache::new(limits).evaluate("test", &file, &bytes, export, input)
}

fn run_text(text: &str, export: &str) -> Result<f64, SandboxError> {
    PluginCache::new(&Limits::default()).evaluate(
        "test",
        "plugins/inline.wat",
        text.as_bytes(),
        export,
        &july(),
    )
}

fn abi_error(result: Result<f64, SandboxError>) -> String {
    match result {
        Err(SandboxError::Abi(message)) => message,
        other => panic!("expected an ABI error, got {other:?}"),
    }
}

fn limit(result: Result<f64, SandboxError>) -> (&'static str, String) {
    match result {
        Err(SandboxError::Limit { limit, detail }) => (limit, detail),
        other => panic!("expected a limit, got {other:?}"),
    }
}

fn failure(result: Result<f64, SandboxError>) -> String {
    match result {
        Err(SandboxError::Failed(message)) => message,
        other => panic!("expected a failure, got {other:?}"),
    }
}

/// A minimal module that follows the ABI; `price` returns 12.5.
const MINIMAL: &str = r#"(module
  (memory (export "memory") 1)
  (func (export "voltlex_alloc") (param i32) (result i32) i32.const 1024)
  (func (export "price") (param i32 i32) (result f64) f64.const 12.5))"#;

// ---- a working plugin reads the input as the ABI lays it out ----------------------------

#[test]
fn the_price_is_computed_from_the_month() {
    assert_eq!(
        run("tariff", "price", &july()).unwrap(),
        12.5 + 0.001 * 10_000.0
    );
    assert_eq!(run("tariff", "price", &july()).unwrap(), 22.5);
    let small = ComputeInput {
        energy_kwh: 1_234.5,
        ..july()
    };
    assert_eq!(
        run("tariff", "price", &small).unwrap(),
        12.5 + 0.001 * 1_234.5
    );
}

#[test]
fn the_header_values_are_in_their_places() {
    assert_eq!(run("tariff", "calendar", &july()).unwrap(), 20_250_731.0);
    assert_eq!(
        run("tariff", "demand", &july()).unwrap(),
        80.0 / 100.0 * 30.0
    );
    assert_eq!(run("tariff", "intervals", &july()).unwrap(), 7.75);
    let no_intervals = ComputeInput {
        interval_kwh: vec![],
        ..july()
    };
    assert_eq!(run("tariff", "intervals", &no_intervals).unwrap(), 0.0);
}

#[test]
fn indices_come_after_the_intervals_sorted_by_name() {
    assert_eq!(run("tariff", "index_count", &july()).unwrap(), 2.0);
    // "fuel" sorts before "jepx": the first index is fuel (3.25), the second jepx.
    assert_eq!(run("tariff", "spot", &july()).unwrap(), 22.5 + 3.25);
    assert_eq!(run("tariff", "second_index_last", &july()).unwrap(), 14.5);
    let only_jepx = ComputeInput {
        index: BTreeMap::from([("jepx".to_owned(), vec![10.0, 12.0, 14.5])]),
        ..july()
    };
    assert_eq!(
        run("tariff", "spot", &only_jepx).unwrap(),
        22.5 + (10.0 + 12.0 + 14.5) / 3.0
    );
    // A plugin that looks for a second index where there is none traps.
    assert!(failure(run("tariff", "second_index_last", &only_jepx)).starts_with("trap: "));
}

#[test]
fn the_export_gets_the_byte_length_of_the_input() {
    let input = july();
    // 9 header values + 3 intervals + 1 count + (1 + 1) fuel + (1 + 3) jepx = 19 values
    assert_eq!(encode_input(&input).len(), 19 * 8);
    assert_eq!(run("tariff", "byte_length", &input).unwrap(), 152.0);
}

#[test]
fn a_month_of_quarter_hours_fits() {
    // 31 days of 15-minute intervals, and an index value per interval; the allocator grows
    // the module's memory past its first page.
    let n = 31 * 96;
    let input = ComputeInput {
        interval_minutes: 15,
        interval_kwh: vec![0.5; n],
        index: BTreeMap::from([("jepx".to_owned(), vec![11.0; n])]),
        ..july()
    };
    assert_eq!(run("tariff", "intervals", &input).unwrap(), 0.5 * n as f64);
    assert_eq!(run("tariff", "spot", &input).unwrap(), 22.5 + 11.0);
}

#[test]
fn the_example_of_the_documentation_runs() {
    let docs =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/plugins.md"))
            .unwrap();
    let start = docs
        .find("```wat\n")
        .expect("docs/plugins.md has a ```wat example")
        + "```wat\n".len();
    let wat = &docs[start..start + docs[start..].find("```").unwrap()];
    assert_eq!(check_plugin(wat.as_bytes(), "price"), Ok(()));
    let mut cache = PluginCache::new(&Limits::default());
    let only_jepx = ComputeInput {
        index: BTreeMap::from([("jepx".to_owned(), vec![10.0, 12.0, 14.5])]),
        ..july()
    };
    let price = cache
        .evaluate(
            "spot",
            "plugins/spot.wat",
            wat.as_bytes(),
            "price",
            &only_jepx,
        )
        .unwrap();
    assert_eq!(price, 22.5 + (10.0 + 12.0 + 14.5) / 3.0);
    // The example refuses a month without exactly one index.
    assert!(
        failure(cache.evaluate("spot", "plugins/spot.wat", wat.as_bytes(), "price", &july()))
            .starts_with("trap: ")
    );
}

#[test]
fn binary_modules_work_like_text() {
    // MINIMAL as binary wasm.
    #[rustfmt::skip]
    let binary: &[u8] = &[
        0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
        // types: (i32) -> i32, (i32, i32) -> f64
        0x01, 0x0c, 0x02, 0x60, 0x01, 0x7f, 0x01, 0x7f, 0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7c,
        // functions: type 0, type 1
        0x03, 0x03, 0x02, 0x00, 0x01,
        // memory: 1 page
        0x05, 0x03, 0x01, 0x00, 0x01,
        // exports: memory, voltlex_alloc, price
        0x07, 0x22, 0x03,
        0x06, b'm', b'e', b'm', b'o', b'r', b'y', 0x02, 0x00,
        0x0d, b'v', b'o', b'l', b't', b'l', b'e', b'x', b'_', b'a', b'l', b'l', b'o', b'c', 0x00, 0x00,
        0x05, b'p', b'r', b'i', b'c', b'e', 0x00, 0x01,
        // code: i32.const 1024; f64.const 12.5
        0x0a, 0x13, 0x02,
        0x05, 0x00, 0x41, 0x80, 0x08, 0x0b,
        0x0b, 0x00, 0x44, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x29, 0x40, 0x0b,
    ];
    assert_eq!(check_plugin(binary, "price"), Ok(()));
    let mut cache = PluginCache::new(&Limits::default());
    assert_eq!(
        cache.evaluate("test", "plugins/minimal.wasm", binary, "price", &july()),
        Ok(12.5)
    );
    assert_eq!(run_text(MINIMAL, "price"), Ok(12.5));
}

// ---- compiled once per run; nothing kept between evaluations -----------------------------

#[test]
fn a_module_is_compiled_once_per_run() {
    let (file, bytes) = plugin("tariff");
    let mut cache = PluginCache::new(&Limits::default());
    assert_eq!(cache.compiled_count(), 0);
    for month in 1..=12 {
        let input = ComputeInput {
            month_number: month,
            ..july()
        };
        assert_eq!(
            cache.evaluate("test", &file, &bytes, "price", &input),
            Ok(22.5)
        );
    }
    // Another export of the same module: the same compiled module.
    assert_eq!(
        cache.evaluate("test", &file, &bytes, "calendar", &july()),
        Ok(20_250_731.0)
    );
    assert_eq!(cache.compiled_count(), 1);
    // Other bytes under the same name, or the same bytes under another name: compiled anew.
    assert_eq!(
        cache.evaluate("test", &file, MINIMAL.as_bytes(), "price", &july()),
        Ok(12.5)
    );
    assert_eq!(
        cache.evaluate("test", "plugins/copy.wat", &bytes, "price", &july()),
        Ok(22.5)
    );
    assert_eq!(cache.compiled_count(), 3);
    assert_eq!(
        cache.evaluate("test", &file, &bytes, "price", &july()),
        Ok(22.5)
    );
    assert_eq!(cache.compiled_count(), 3);
}

#[test]
fn a_module_that_does_not_compile_is_reported_once() {
    let mut cache = PluginCache::new(&Limits::default());
    for _ in 0..3 {
        match cache.evaluate(
            "test",
            "plugins/broken.wat",
            b"(module (func (export \"price\")",
            "price",
            &july(),
        ) {
            Err(SandboxError::Compile { what, message }) => {
                assert_eq!(what, "plugin plugins/broken.wat");
                assert!(!message.is_empty());
            }
            other => panic!("expected a compile error, got {other:?}"),
        }
    }
    assert!(matches!(
        cache.evaluate(
            "test",
            "plugins/garbage.wasm",
            &[0x00, 0x61, 0x73, 0x6d, 0x09],
            "price",
            &july()
        ),
        Err(SandboxError::Compile { .. })
    ));
    assert_eq!(cache.compiled_count(), 2);
}

#[test]
fn no_state_survives_from_one_evaluation_to_the_next() {
    let (file, bytes) = plugin("counter");
    let mut cache = PluginCache::new(&Limits::default());
    for _ in 0..3 {
        // one call counted in the global (× 1000) and one in memory
        assert_eq!(
            cache.evaluate("test", &file, &bytes, "calls", &july()),
            Ok(1_001.0)
        );
    }
}

#[test]
fn fuel_use_is_the_same_every_time() {
    let (file, bytes) = plugin("tariff");
    let mut cache = PluginCache::new(&Limits::default());
    cache
        .evaluate("test", &file, &bytes, "spot", &july())
        .unwrap();
    let first = cache.last_fuel_used().unwrap();
    assert!(first > 0);
    cache
        .evaluate("test", &file, &bytes, "spot", &july())
        .unwrap();
    assert_eq!(cache.last_fuel_used(), Some(first));
    // So a budget of exactly that much is enough (fuel is checked at function entries and
    // loop heads, so a little less may be too), and a tenth of it is not.
    let exact = Limits {
        fuel: first,
        ..Limits::default()
    };
    assert_eq!(
        PluginCache::new(&exact).evaluate("test", &file, &bytes, "spot", &july()),
        Ok(22.5 + 3.25)
    );
    let short = Limits {
        fuel: first / 10,
        ..Limits::default()
    };
    assert_eq!(
        limit(PluginCache::new(&short).evaluate("test", &file, &bytes, "spot", &july())).0,
        "fuel"
    );
}

// ---- limits ---------------------------------------------------------------------------

#[test]
fn an_endless_loop_runs_out_of_fuel() {
    let limits = Limits {
        fuel: 1_000_000,
        ..Limits::default()
    };
    let (name, detail) = limit(run_with(&limits, "endless_loop", "price", &july()));
    assert_eq!(name, "fuel");
    assert!(detail.contains("1000000 units per call"), "{detail}");
    assert!(
        detail.contains("plugin plugins/endless_loop.wat used them all in `price`"),
        "{detail}"
    );
}

#[test]
fn a_memory_bomb_hits_the_memory_limit() {
    let (name, detail) = limit(run("memory_bomb", "price", &july()));
    assert_eq!(name, "memory");
    assert!(
        detail.starts_with(&format!(
            "{} bytes of linear memory",
            Limits::default().max_memory_bytes
        )),
        "{detail}"
    );
    let small = Limits {
        max_memory_bytes: 4 << 20,
        ..Limits::default()
    };
    let (name, detail) = limit(run_with(&small, "memory_bomb", "price", &july()));
    assert_eq!(name, "memory");
    // 1 MiB steps from 64 KiB: the fifth step would pass 4 MiB
    assert_eq!(detail, "4194304 bytes of linear memory; plugin plugins/memory_bomb.wat asked for 4259840 bytes in `price`");
}

#[test]
fn a_memory_larger_than_the_limit_from_the_start_is_refused() {
    let huge = r#"(module
      (memory (export "memory") 1000)
      (func (export "voltlex_alloc") (param i32) (result i32) i32.const 1024)
      (func (export "price") (param i32 i32) (result f64) f64.const 1))"#;
    let (name, detail) = limit(run_text(huge, "price"));
    assert_eq!(name, "memory");
    assert!(detail.ends_with("in instantiation"), "{detail}");
}

#[test]
fn growing_past_the_modules_own_maximum_is_a_memory_error_too() {
    let capped = r#"(module
      (memory (export "memory") 1 2)
      (func (export "voltlex_alloc") (param i32) (result i32) i32.const 1024)
      (func (export "price") (param i32 i32) (result f64)
        (drop (memory.grow (i32.const 5)))
        f64.const 1))"#;
    let (name, detail) = limit(run_text(capped, "price"));
    assert_eq!(name, "memory");
    assert!(
        detail.contains("beyond its memory's own maximum of 131072 bytes"),
        "{detail}"
    );
}

#[test]
fn the_deadline_stops_what_fuel_does_not() {
    // Practically unlimited fuel: only the wall-clock backstop stops the loop.
    let limits = Limits {
        fuel: u64::MAX,
        deadline: Duration::from_millis(20),
        ..Limits::default()
    };
    let (name, detail) = limit(run_with(&limits, "endless_loop", "price", &july()));
    assert_eq!(name, "deadline");
    assert!(
        detail.starts_with("20 ms of wall-clock time per call"),
        "{detail}"
    );
}

// ---- traps ----------------------------------------------------------------------------

#[test]
fn traps_are_failures_naming_the_trap() {
    let message = failure(run("traps", "unreachable", &july()));
    assert!(
        message.starts_with("trap: wasm `unreachable` instruction executed"),
        "{message}"
    );
    assert!(message.contains("plugins/traps.wat"), "{message}");
    let message = failure(run("traps", "divide_by_zero", &july()));
    assert!(
        message.starts_with("trap: integer divide by zero"),
        "{message}"
    );
    let message = failure(run("traps", "out_of_bounds", &july()));
    assert!(
        message.starts_with("trap: out of bounds memory access"),
        "{message}"
    );
    let message = failure(run("traps", "stack_overflow", &july()));
    assert!(
        message.starts_with("trap: call stack exhausted"),
        "{message}"
    );
}

#[test]
fn a_trap_names_the_function_where_the_module_names_it() {
    let message = failure(run("traps", "unreachable", &july()));
    assert!(message.contains("in function `fail`"), "{message}");
}

// ---- the ABI ---------------------------------------------------------------------------

#[test]
fn imports_are_refused_wasi_first_of_all() {
    let expected = "plugins may not import anything: found import wasi_snapshot_preview1.fd_write";
    assert_eq!(abi_error(run("wasi", "price", &july())), expected);
    let (_, bytes) = plugin("wasi");
    assert_eq!(check_plugin(&bytes, "price").unwrap_err(), expected);
    let host = r#"(module
      (import "env" "x" (global i32))
      (memory (export "memory") 1)
      (func (export "voltlex_alloc") (param i32) (result i32) i32.const 1024)
      (func (export "price") (param i32 i32) (result f64) f64.const 1))"#;
    assert_eq!(
        abi_error(run_text(host, "price")),
        "plugins may not import anything: found import env.x"
    );
}

#[test]
fn a_missing_export_is_named_with_the_exports_there_are() {
    let message = abi_error(run("tariff", "tariff", &july()));
    assert!(
        message.starts_with("the module has no export `tariff`: a function (i32, i32) -> f64"),
        "{message}"
    );
    assert!(message.contains("`price`"), "{message}");
    assert_eq!(check_plugin(MINIMAL.as_bytes(), "tariff").unwrap_err(), "the module has no export `tariff`: a function (i32, i32) -> f64 (exported functions: `voltlex_alloc`, `price`)");
}

#[test]
fn a_wrong_signature_is_refused() {
    let wrong = r#"(module
      (memory (export "memory") 1)
      (func (export "voltlex_alloc") (param i32) (result i32) i32.const 1024)
      (func (export "price") (param f64) (result f64) local.get 0)
      (func (export "price32") (param i32 i32) (result f32) f32.const 1)
      (global (export "rate") f64 (f64.const 1)))"#;
    assert_eq!(
        abi_error(run_text(wrong, "price")),
        "export `price` has type (f64) -> f64; the plugin ABI needs (i32, i32) -> f64 (the input's pointer and byte length, and the price)"
    );
    assert!(abi_error(run_text(wrong, "price32"))
        .starts_with("export `price32` has type (i32, i32) -> f32;"));
    assert_eq!(
        abi_error(run_text(wrong, "rate")),
        "export `rate` must be a function (i32, i32) -> f64, found a global"
    );
    // The rule's export may not be the allocator either.
    assert!(abi_error(run_text(wrong, "voltlex_alloc"))
        .starts_with("export `voltlex_alloc` has type (i32) -> i32;"));
}

#[test]
fn memory_and_allocator_are_required() {
    let no_memory = r#"(module
      (memory 1)
      (func (export "voltlex_alloc") (param i32) (result i32) i32.const 1024)
      (func (export "price") (param i32 i32) (result f64) f64.const 1))"#;
    assert_eq!(
        abi_error(run_text(no_memory, "price")),
        "the module exports no memory `memory`"
    );
    let no_alloc = r#"(module
      (memory (export "memory") 1)
      (func (export "price") (param i32 i32) (result f64) f64.const 1))"#;
    assert!(abi_error(run_text(no_alloc, "price"))
        .starts_with("the module has no export `voltlex_alloc`: a function (i32) -> i32"));
    let wrong_alloc = r#"(module
      (memory (export "memory") 1)
      (func (export "voltlex_alloc") (param i64) (result i64) i64.const 1024)
      (func (export "price") (param i32 i32) (result f64) f64.const 1))"#;
    assert!(abi_error(run_text(wrong_alloc, "price")).starts_with(
        "export `voltlex_alloc` has type (i64) -> i64; the plugin ABI needs (i32) -> i32"
    ));
    let memory_is_a_function = r#"(module
      (memory 1)
      (func (export "memory") (param i32 i32) (result f64) f64.const 1)
      (func (export "voltlex_alloc") (param i32) (result i32) i32.const 1024)
      (func (export "price") (param i32 i32) (result f64) f64.const 1))"#;
    assert_eq!(
        abi_error(run_text(memory_is_a_function, "price")),
        "export `memory` must be a memory, found a function"
    );
}

#[test]
fn the_allocator_must_give_room_inside_memory() {
    let outside = r#"(module
      (memory (export "memory") 1)
      (func (export "voltlex_alloc") (param i32) (result i32) i32.const 65500)
      (func (export "price") (param i32 i32) (result f64) f64.const 1))"#;
    assert_eq!(
        abi_error(run_text(outside, "price")),
        "voltlex_alloc(152) returned 0xffdc, but 152 bytes from there are outside the module's memory (65536 bytes)"
    );
    let null = r#"(module
      (memory (export "memory") 1)
      (func (export "voltlex_alloc") (param i32) (result i32) i32.const 0)
      (func (export "price") (param i32 i32) (result f64) f64.const 1))"#;
    assert_eq!(
        failure(run_text(null, "price")),
        "voltlex_alloc(152) returned 0: the module could not allocate the input"
    );
}

// ---- results ---------------------------------------------------------------------------

#[test]
fn a_result_that_is_not_a_number_is_a_wrong_result() {
    for export in ["nan", "infinity"] {
        match run("not_finite", export, &july()) {
            Err(SandboxError::WrongResult(message)) => {
                assert!(
                    message.starts_with(&format!(
                        "plugin plugins/not_finite.wat `{export}` returned "
                    )),
                    "{message}"
                );
                assert!(message.ends_with("not a finite number"), "{message}");
            }
            other => panic!("expected a wrong result, got {other:?}"),
        }
    }
}

#[test]
fn errors_read_as_sentences() {
    let limits = Limits {
        fuel: 1_000,
        ..Limits::default()
    };
    let error = run_with(&limits, "endless_loop", "price", &july()).unwrap_err();
    assert_eq!(
        error.to_string(),
        "hit the fuel limit (1000 units per call; plugin plugins/endless_loop.wat used them all in `price`: an endless loop?)"
    );
}

#[test]
fn the_cache_can_move_between_threads() {
    fn send<T: Send>() {}
    send::<PluginCache>();
}
