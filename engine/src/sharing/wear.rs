//! Capacity loss per scenario-year under degradation uncertainty.
//!
//! Two models. The engine's own ([`WearModel::Spread`]): the expected loss of a year without
//! V2G (calendar ageing and driving cycles, from the chemistry) plus the discharged kWh times
//! the expected loss per kWh (the wear price the dispatch used, turned back into capacity),
//! both times one log-normal factor per scenario-year with mean 1 (the pack-to-pack and
//! model uncertainty: `exp(σz − σ²/2)`). Or a battery maker's model as a wasm plugin
//! ([`WearModel::Plugin`], degradation ABI v1 in `docs/plugins.md`), called with and without
//! the year's V2G throughput and the scenario-year's uniform draw.
//!
//! The draws come from their own seeded stream per scenario, so a scenario's wear does not
//! depend on how many scenarios run or on the price model.

use voltlex_dsl::rules::WearPlugin;
use voltlex_dsl::sandbox::Sandboxes;

use super::{SharingError, YearWear};
use crate::risk::random::{scenario_rng, Draws};

/// What the wear models need to know of the fleet's packs (per vehicle).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WearInputs {
    /// Nominal pack capacity, kWh.
    pub battery_kwh: f64,
    /// Age at the start of the first contract year, years.
    pub age_years: f64,
    /// Mean cell temperature, °C.
    pub temperature_c: f64,
    /// Battery-side kWh driven a year.
    pub driving_kwh_per_year: f64,
    /// The engine model's expected loss a year without V2G (fraction of capacity).
    pub base_loss_per_year: f64,
    /// The engine model's expected loss per battery-side kWh discharged.
    pub loss_per_kwh: f64,
}

/// How capacity loss is drawn.
#[derive(Debug, Clone, PartialEq)]
pub enum WearModel {
    /// The engine's model with a log-normal factor of this σ (0: no uncertainty).
    Spread {
        /// σ of the log of the factor.
        sigma: f64,
    },
    /// A battery maker's model (degradation ABI v1).
    Plugin(WearPlugin),
}

impl WearModel {
    /// The wear of contract year `year` (0-based) with `v2g_kwh` discharged per vehicle,
    /// for the scenario-year's uniform draw `draw` in (0, 1).
    ///
    /// ```
    /// use voltlex_dsl::sandbox::Sandboxes;
    /// use voltlex_engine::sharing::{WearInputs, WearModel};
    /// let inputs = WearInputs { battery_kwh: 40.0, age_years: 1.0, temperature_c: 25.0,
    ///     driving_kwh_per_year: 4_000.0, base_loss_per_year: 0.02, loss_per_kwh: 1e-5 };
    /// let model = WearModel::Spread { sigma: 0.0 };
    /// let wear = model.year_wear(&inputs, 0, 1_000.0, 0.5, &mut Sandboxes::default())?;
    /// assert!((wear.loss_without_v2g - 0.02).abs() < 1e-12);
    /// assert!((wear.loss_with_v2g - 0.03).abs() < 1e-12);
    /// # Ok::<(), voltlex_engine::sharing::SharingError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`SharingError::Plugin`] when the plugin fails or returns a loss outside [0, 1).
    pub fn year_wear(
        &self,
        inputs: &WearInputs,
        year: usize,
        v2g_kwh: f64,
        draw: f64,
        sandboxes: &mut Sandboxes,
    ) -> Result<YearWear, SharingError> {
        match self {
            WearModel::Spread { sigma } => {
                let factor = (sigma * inverse_normal(draw) - sigma * sigma / 2.0).exp();
                Ok(YearWear {
                    loss_with_v2g: (inputs.base_loss_per_year + v2g_kwh * inputs.loss_per_kwh)
                        * factor,
                    loss_without_v2g: inputs.base_loss_per_year * factor,
                })
            }
            WearModel::Plugin(plugin) => {
                let mut call = |v2g: f64| -> Result<f64, SharingError> {
                    let values = [
                        1.0,
                        inputs.battery_kwh,
                        inputs.age_years + year as f64,
                        inputs.temperature_c,
                        inputs.driving_kwh_per_year,
                        v2g,
                        draw,
                    ];
                    let loss = sandboxes
                        .evaluate_values(&plugin.file, &plugin.module, &plugin.export, &values)
                        .map_err(|e| SharingError::Plugin {
                            file: plugin.file.clone(),
                            message: e.to_string(),
                        })?;
                    if !(0.0..1.0).contains(&loss) {
                        return Err(SharingError::Plugin {
                            file: plugin.file.clone(),
                            message: format!(
                                "`{}` returned a capacity loss of {loss} for {values:?}; expected a fraction from 0 to below 1",
                                plugin.export
                            ),
                        });
                    }
                    Ok(loss)
                };
                let with = call(v2g_kwh)?;
                let without = call(0.0)?;
                Ok(YearWear {
                    loss_with_v2g: with.max(without),
                    loss_without_v2g: without,
                })
            }
        }
    }
}

/// The uniform draws of scenario `scenario`'s contract years under `seed`.
///
/// ```
/// use voltlex_engine::sharing::wear::year_draws;
/// let a = year_draws(7, 3, 2);
/// assert_eq!(a, year_draws(7, 3, 2)); // seeded
/// assert_ne!(a, year_draws(7, 4, 2)); // each scenario its own stream
/// assert!(a.iter().all(|u| *u > 0.0 && *u < 1.0));
/// ```
pub fn year_draws(seed: u64, scenario: usize, years: usize) -> Vec<f64> {
    // A stream apart from the price model's (which uses the plain seed).
    let mut draws = Draws::new(scenario_rng(seed ^ 0x5745_4152_5f56_3247, scenario));
    (0..years).map(|_| draws.uniform()).collect()
}

/// The standard normal quantile (Acklam's rational approximation, relative error below
/// 1.2e-9 on (0, 1)).
///
/// ```
/// use voltlex_engine::sharing::wear::inverse_normal;
/// assert!(inverse_normal(0.5).abs() < 1e-12);
/// assert!((inverse_normal(0.975) - 1.959964).abs() < 1e-6);
/// assert!((inverse_normal(0.001) + 3.090232).abs() < 1e-6);
/// ```
pub fn inverse_normal(probability: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    let p = probability.clamp(1e-300, 1.0 - 1e-16);
    let tail = |q: f64| {
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    const LOW: f64 = 0.024_25;
    if p < LOW {
        tail((-2.0 * p.ln()).sqrt())
    } else if p > 1.0 - LOW {
        -tail((-2.0 * (1.0 - p).ln()).sqrt())
    } else {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    }
}
