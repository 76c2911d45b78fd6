//! The degradation ABI v1 (docs/plugins.md) through `Sandboxes::evaluate_values`, with the
//! example carmaker's model `tariff-rules/examples-risk-sharing/plugins/oem-wear.wat`: its
//! results against a plain Rust reimplementation of the model, monotonicity, what it answers
//! to a wrong input, and the host's fences (imports, limits) around it.

// Test code: a failed expectation should panic.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use voltlex_dsl::sandbox::{SandboxError, Sandboxes};

/// The example plugin's file, as the risk-sharing block names it, and its text.
fn oem_wear() -> (&'static str, Vec<u8>) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tariff-rules/examples-risk-sharing/plugins/oem-wear.wat");
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    ("plugins/oem-wear.wat", bytes)
}

const EXPORT: &str = "capacity_loss";

/// Degradation ABI v1 input: [1, capacity kWh, age years, °C, driving kWh, V2G kWh, u].
fn input(capacity: f64, age: f64, celsius: f64, driving: f64, v2g: f64, u: f64) -> [f64; 7] {
    [1.0, capacity, age, celsius, driving, v2g, u]
}

/// A 60 kWh van, two years old, 25 °C, 12,000 kWh driving, 3,000 kWh V2G, the median pack.
fn van() -> [f64; 7] {
    input(60.0, 2.0, 25.0, 12_000.0, 3_000.0, 0.5)
}

#[cfg(not(feature = "wasm"))]
#[test]
fn without_the_wasm_feature_a_degradation_plugin_is_unsupported() {
    let (file, module) = oem_wear();
    let error = Sandboxes::default()
        .evaluate_values(file, &module, EXPORT, &van())
        .unwrap_err();
    match error {
        SandboxError::Unsupported(message) => {
            assert!(message.contains("plugins/oem-wear.wat"), "{message}");
            assert!(message.contains("no wasm support"), "{message}");
        }
        other => panic!("expected Unsupported, got {other:?}"),
    }
}

#[cfg(feature = "wasm")]
mod with_wasm {
    use super::*;
    use voltlex_dsl::sandbox::wasm_plugin::check_plugin;
    use voltlex_dsl::sandbox::Limits;

    /// The model of oem-wear.wat in plain Rust (std's exp, ln and sqrt).
    fn model(values: &[f64; 7]) -> f64 {
        let [_, capacity, age, celsius, driving, v2g, u] = *values;
        let calendar = 0.018 * ((age + 1.0).sqrt() - age.sqrt()) * (0.045 * (celsius - 25.0)).exp();
        let cycle = (driving + v2g) / capacity / 3000.0 * 0.2;
        let factor = (0.25 * normal_quantile(u)).exp();
        ((calendar + cycle) * factor).clamp(0.0, 0.99)
    }

    /// Abramowitz & Stegun 26.2.23: the x with P(Z > x) ≈ p, for 0 < p ≤ 0.5.
    fn upper_tail(p: f64) -> f64 {
        let t = (-2.0 * p.max(1e-300).ln()).sqrt();
        t - (2.515517 + 0.802853 * t + 0.010328 * t * t)
            / (1.0 + 1.432788 * t + 0.189269 * t * t + 0.001308 * t * t * t)
    }

    /// The quantile, shifted so that z(0.5) = 0.
    fn normal_quantile(u: f64) -> f64 {
        let median = upper_tail(0.5);
        if u < 0.5 {
            -(upper_tail(u) - median)
        } else {
            upper_tail(1.0 - u) - median
        }
    }

    fn loss(sandboxes: &mut Sandboxes, values: &[f64]) -> Result<f64, SandboxError> {
        let (file, module) = oem_wear();
        sandboxes.evaluate_values(file, &module, EXPORT, values)
    }

    #[test]
    fn the_median_van_loses_its_calendar_and_cycle_wear() {
        let mut sandboxes = Sandboxes::default();
        let got = loss(&mut sandboxes, &van()).unwrap();
        // at 25 °C and u = 0.5 both exp factors are 1: 1.8 % × (√3 − √2) + 15,000 / 60 / 3000 × 20 %
        let by_hand = 0.018 * (3f64.sqrt() - 2f64.sqrt()) + 15_000.0 / 60.0 / 3000.0 * 0.2;
        assert!((got - by_hand).abs() < 1e-12, "{got} vs {by_hand}");
        assert!((got - 0.022_387_7).abs() < 1e-7, "{got}");
    }

    #[test]
    fn the_plugin_gives_what_the_rust_model_gives() {
        let cases = [
            van(),
            input(60.0, 0.0, 25.0, 0.0, 0.0, 0.5),
            input(75.0, 0.0, 35.0, 15_000.0, 0.0, 0.9),
            input(40.0, 5.5, 10.0, 8_000.0, 6_000.0, 0.1),
            input(100.0, 12.0, -20.0, 2_000.0, 500.0, 0.3),
            input(60.0, 1.0, 45.0, 20_000.0, 10_000.0, 0.975),
            input(60.0, 3.0, 25.0, 12_000.0, 3_000.0, 0.025),
            input(60.0, 3.0, 30.0, 12_000.0, 3_000.0, 1e-12),
            input(60.0, 3.0, 30.0, 12_000.0, 3_000.0, 1.0 - 1e-12),
            input(60.0, 3.0, 30.0, 12_000.0, 3_000.0, 5e-310), // subnormal u
            input(22.5, 8.0, 18.5, 1_234.5, 678.9, 0.666),
            input(1.0, 0.0, 60.0, 1.0e6, 1.0e6, 0.99), // beyond the clamp
        ];
        let mut sandboxes = Sandboxes::default();
        for case in cases {
            let got = loss(&mut sandboxes, &case).unwrap();
            let want = model(&case);
            assert!(
                (got - want).abs() <= 1e-9,
                "{case:?}: plugin {got}, Rust model {want}, difference {}",
                got - want
            );
            // exp and ln in the module are good to about 1e-15: far closer than the ABI needs
            assert!(
                (got - want).abs() <= 1e-13 * want,
                "{case:?}: plugin {got}, Rust model {want}, relative difference {}",
                (got - want) / want
            );
            assert!((0.0..0.99 + 1e-15).contains(&got), "{case:?}: {got}");
        }
        assert_eq!(
            loss(&mut sandboxes, &input(1.0, 0.0, 60.0, 1.0e6, 1.0e6, 0.99)).unwrap(),
            0.99
        );
    }

    #[test]
    fn the_uncertainty_factor_follows_the_normal_quantile() {
        // Known quantiles of the standard normal; A&S 26.2.23 is within 4.5e-4 of them, so the
        // factor loss(u) / loss(0.5) = exp(0.25 z) within 1.2e-4 relative.
        let mut sandboxes = Sandboxes::default();
        let median = loss(&mut sandboxes, &van()).unwrap();
        for (u, z) in [
            (0.975, 1.959_963_985_f64),
            (0.841_344_746, 1.0),
            (0.1, -1.281_551_566),
            (0.001, -3.090_232_306),
            (0.5, 0.0),
        ] {
            let mut values = van();
            values[6] = u;
            let factor = loss(&mut sandboxes, &values).unwrap() / median;
            let want = (0.25 * z).exp();
            assert!(
                (factor / want - 1.0).abs() < 1.2e-4,
                "u = {u}: factor {factor}, exp(0.25 × {z}) = {want}"
            );
        }
    }

    #[test]
    fn more_v2g_wears_more() {
        let mut sandboxes = Sandboxes::default();
        let mut previous = f64::NEG_INFINITY;
        for step in 0..=40 {
            let values = input(60.0, 2.0, 25.0, 12_000.0, 250.0 * f64::from(step), 0.5);
            let got = loss(&mut sandboxes, &values).unwrap();
            assert!(got > previous, "v2g {}: {got} after {previous}", values[5]);
            previous = got;
        }
    }

    #[test]
    fn a_worse_draw_wears_more() {
        // u over (0, 1), finely around the median where the two halves of the quantile meet.
        let mut draws: Vec<f64> = (1..1000).map(|k| f64::from(k) / 1000.0).collect();
        draws.extend((-50..=50).map(|k| 0.5 + f64::from(k) * 1e-9));
        draws.extend([1e-300, 1e-15, 1.0 - 1e-15]);
        draws.sort_by(f64::total_cmp);
        draws.dedup();
        let mut sandboxes = Sandboxes::default();
        let mut previous = f64::NEG_INFINITY;
        for u in draws {
            let got = loss(
                &mut sandboxes,
                &input(60.0, 2.0, 25.0, 12_000.0, 3_000.0, u),
            )
            .unwrap();
            assert!(got >= previous, "u = {u}: {got} after {previous}");
            previous = got;
        }
        // and strictly so where the quantile moves
        let at = |u: f64| {
            loss(
                &mut Sandboxes::default(),
                &input(60.0, 2.0, 25.0, 12_000.0, 3_000.0, u),
            )
            .unwrap()
        };
        assert!(at(0.2) < at(0.5) && at(0.5) < at(0.8));
    }

    /// `error` is the host's WrongResult for a NaN from the plugin.
    fn assert_nan_refused(error: SandboxError, what: &str) {
        match error {
            SandboxError::WrongResult(message) => assert_eq!(
                message,
                "plugin plugins/oem-wear.wat `capacity_loss` returned NaN, not a finite number",
                "{what}"
            ),
            other => panic!("{what}: expected WrongResult, got {other:?}"),
        }
    }

    #[test]
    fn a_wrong_input_is_answered_with_nan_which_the_host_refuses() {
        let mut sandboxes = Sandboxes::default();
        // fewer than seven values, more than seven, none
        for len in [0, 1, 6] {
            let error = loss(&mut sandboxes, &van()[..len]).unwrap_err();
            assert_nan_refused(error, &format!("{len} values"));
        }
        let eight = [van().as_slice(), &[0.0]].concat();
        assert_nan_refused(loss(&mut sandboxes, &eight).unwrap_err(), "8 values");
        // another ABI version, values out of range
        for (position, value) in [
            (0, 2.0),
            (1, 0.0),
            (1, -60.0),
            (2, -1.0),
            (3, f64::INFINITY),
            (4, -1.0),
            (5, -0.5),
            (5, f64::NAN),
            (6, 0.0),
            (6, 1.0),
            (6, f64::NAN),
        ] {
            let mut values = van();
            values[position] = value;
            let error = loss(&mut sandboxes, &values).unwrap_err();
            assert_nan_refused(error, &format!("value {position} = {value}"));
        }
        // and the next good input is fine: nothing survives a refused call
        assert!(loss(&mut sandboxes, &van()).is_ok());
    }

    #[test]
    fn the_same_input_gives_the_same_loss() {
        let values = input(40.0, 5.5, 10.0, 8_000.0, 6_000.0, 0.1);
        let first = loss(&mut Sandboxes::default(), &values).unwrap();
        let mut sandboxes = Sandboxes::default();
        for _ in 0..3 {
            assert_eq!(
                loss(&mut sandboxes, &values).unwrap().to_bits(),
                first.to_bits()
            );
        }
    }

    #[test]
    fn a_degradation_plugin_that_imports_something_is_refused() {
        let (file, module) = oem_wear();
        let text = String::from_utf8(module).unwrap();
        assert_eq!(text.matches("\n(module\n").count(), 1);
        let importing = text.replacen(
            "\n(module\n",
            "\n(module\n  (import \"env\" \"log\" (func $log (param f64)))\n",
            1,
        );
        let error = Sandboxes::default()
            .evaluate_values(file, importing.as_bytes(), EXPORT, &van())
            .unwrap_err();
        assert_eq!(
            error,
            SandboxError::Abi("plugins may not import anything: found import env.log".into())
        );
        assert_eq!(
            check_plugin(importing.as_bytes(), EXPORT).unwrap_err(),
            "plugins may not import anything: found import env.log"
        );
    }

    #[test]
    fn a_wrong_export_names_the_result_not_a_price() {
        let (file, module) = oem_wear();
        let error = Sandboxes::default()
            .evaluate_values(file, &module, "loss", &van())
            .unwrap_err();
        match error {
            SandboxError::Abi(message) => {
                assert!(message.contains("no export `loss`"), "{message}");
                assert!(message.contains("`capacity_loss`"), "{message}");
            }
            other => panic!("expected an ABI error, got {other:?}"),
        }
    }

    #[test]
    fn the_limits_apply_to_degradation_plugins() {
        let (file, module) = oem_wear();
        let limits = Limits {
            fuel: 50,
            ..Limits::default()
        };
        let error = Sandboxes::new(limits)
            .evaluate_values(file, &module, EXPORT, &van())
            .unwrap_err();
        assert!(
            matches!(error, SandboxError::Limit { limit: "fuel", .. }),
            "{error:?}"
        );
    }

    #[test]
    fn the_checker_accepts_the_wat_text_of_oem_wear() {
        let (_, module) = oem_wear();
        assert!(module.starts_with(b";;"), "the example is WebAssembly text");
        assert_eq!(check_plugin(&module, EXPORT), Ok(()));
        assert!(check_plugin(&module, "price")
            .unwrap_err()
            .contains("no export `price`"));
    }
}
