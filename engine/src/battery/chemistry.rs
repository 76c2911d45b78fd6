//! Battery chemistries: cycle-life curve, calendar ageing and cycle stress factors, the LFP and
//! NMC presets, and custom chemistries from `chemistry` rule blocks.
//!
//! Sources (see `docs/battery.md`):
//! - cycle lives: the closed-form cell-level cycle lives to 20 % loss at 25 °C and 50 % mean
//!   state of charge collected in `FACTS.md` ("Battery degradation"); packs last 20–30 % less;
//! - LFP calendar ageing and the cycle temperature and C-rate factors: NREL BLAST-Lite,
//!   model `lfp_gr_250AhPrismatic_2019` (large-format LFP–graphite cell, test data in
//!   <https://doi.org/10.1016/j.est.2023.109042>);
//! - NMC calendar ageing and cycle temperature factor: NREL BLAST-Lite, model
//!   `nmc111_gr_Kokam75Ah_2017` (Kokam 75 Ah NMC111–graphite pouch cell);
//! - anode potential Ua(SoC): graphite open-circuit potential of M. Safari and C. Delacourt,
//!   J. Electrochem. Soc. 158(5) A562 (2011), with the lithiation fraction mapping BLAST-Lite
//!   takes from Schimpe et al. (2018).

use rust_decimal::prelude::ToPrimitive;
use serde::{Deserialize, Serialize};
use thiserror::Error;
use voltlex_dsl::rules::{ChemistryRule, CycleLifePoint, RuleRef};

/// Reference temperature of every curve and factor, K (25 °C).
pub const REFERENCE_TEMPERATURE_K: f64 = 298.15;
/// Reference mean state of charge of the curves (50 %).
pub const REFERENCE_STATE_OF_CHARGE: f64 = 0.5;
/// Days in the "first year" of `calendar_loss_first_year` (as in BLAST-Lite).
pub const DAYS_PER_YEAR: f64 = 365.0;
/// 0 °C in kelvin.
const ZERO_CELSIUS_K: f64 = 273.15;

/// Graphite anode potential against lithium (V) at a state of charge (fraction 0..1).
///
/// Safari & Delacourt (2011) open-circuit potential of graphite, evaluated at the lithiation
/// fraction x = 0.0085 + SoC × (0.78 − 0.0085) (the stoichiometry window BLAST-Lite assumes
/// for every cell). It falls steeply at low SoC and flattens above ~30 %: a low anode
/// potential (high SoC) speeds up SEI growth, so calendar ageing grows with SoC.
///
/// ```
/// use voltlex_engine::battery::chemistry::anode_potential;
/// assert!((anode_potential(0.5) - 0.12330).abs() < 1e-5);
/// assert!(anode_potential(0.9) < anode_potential(0.5));
/// ```
pub fn anode_potential(state_of_charge: f64) -> f64 {
    let x = 0.0085 + state_of_charge * (0.78 - 0.0085);
    0.6379 + 0.5416 * (-305.5309 * x).exp() + 0.044 * (-(x - 0.1958) / 0.1088).tanh()
        - 0.1978 * ((x - 1.0571) / 0.0854).tanh()
        - 0.6875 * ((x + 0.0117) / 0.0529).tanh()
        - 0.0175 * ((x - 0.5692) / 0.0875).tanh()
}

/// Calendar ageing: loss = first_year_loss × f(T, SoC) × (days / 365)^exponent.
///
/// This is BLAST-Lite's `k_cal · days^z` with `k_cal` normalised so that f(25 °C, 50 %) = 1:
/// f(T, SoC) = exp(−Ea·(1/T − 1/T_ref)) · exp(−b·(Ua(SoC)/T − Ua(0.5)/T_ref)).
///
/// ```
/// use voltlex_engine::battery::Chemistry;
/// let calendar = Chemistry::lfp().calendar;
/// assert!((calendar.loss(365.0, 25.0, 0.5) - calendar.first_year_loss).abs() < 1e-15);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CalendarAgeing {
    /// Capacity loss (fraction) after 365 days at 25 °C and 50 % state of charge.
    pub first_year_loss: f64,
    /// Time exponent z of loss ∝ days^z.
    pub exponent: f64,
    /// Arrhenius temperature Ea/R, K (the `exp(−Ea/T)` factor).
    pub activation_temperature_k: f64,
    /// Sensitivity b to the anode potential, K/V (the `exp(−b·Ua/T)` factor).
    pub anode_potential_sensitivity_k_per_v: f64,
}

impl CalendarAgeing {
    /// f(T, SoC): the rate relative to 25 °C and 50 % state of charge.
    ///
    /// ```
    /// use voltlex_engine::battery::Chemistry;
    /// let calendar = Chemistry::lfp().calendar;
    /// assert!((calendar.rate_factor(25.0, 0.5) - 1.0).abs() < 1e-12);
    /// assert!(calendar.rate_factor(35.0, 0.5) > 1.0);
    /// assert!(calendar.rate_factor(25.0, 0.9) > 1.0);
    /// ```
    pub fn rate_factor(&self, temperature_c: f64, state_of_charge: f64) -> f64 {
        let kelvin = temperature_c + ZERO_CELSIUS_K;
        let temperature =
            (-self.activation_temperature_k * (1.0 / kelvin - 1.0 / REFERENCE_TEMPERATURE_K)).exp();
        let anode = (-self.anode_potential_sensitivity_k_per_v
            * (anode_potential(state_of_charge) / kelvin
                - anode_potential(REFERENCE_STATE_OF_CHARGE) / REFERENCE_TEMPERATURE_K))
            .exp();
        temperature * anode
    }

    /// Loss (fraction) after `days` of rest at a constant temperature and state of charge,
    /// from new. Not additive over spans: see [`CalendarAgeing::loss_between`].
    ///
    /// ```
    /// use voltlex_engine::battery::Chemistry;
    /// let calendar = Chemistry::lfp().calendar;
    /// assert!(calendar.loss(730.0, 25.0, 0.5) < 2.0 * calendar.loss(365.0, 25.0, 0.5));
    /// ```
    pub fn loss(&self, days: f64, temperature_c: f64, state_of_charge: f64) -> f64 {
        self.loss_between(0.0, days, self.rate_factor(temperature_c, state_of_charge))
    }

    /// Loss from age `from_days` to age `to_days` at a given [`rate_factor`]: the power law
    /// is not additive, so a span's loss depends on the battery's age at its start.
    ///
    /// [`rate_factor`]: CalendarAgeing::rate_factor
    ///
    /// ```
    /// use voltlex_engine::battery::Chemistry;
    /// let calendar = Chemistry::lfp().calendar;
    /// let first = calendar.loss_between(0.0, 365.0, 1.0);
    /// let second = calendar.loss_between(365.0, 730.0, 1.0);
    /// assert!(second < first);
    /// ```
    pub fn loss_between(&self, from_days: f64, to_days: f64, rate_factor: f64) -> f64 {
        let at = |days: f64| (days.max(0.0) / DAYS_PER_YEAR).powf(self.exponent);
        self.first_year_loss * rate_factor * (at(to_days) - at(from_days))
    }
}

/// How temperature and C-rate scale cycle ageing relative to the cycle-life curve's
/// conditions (25 °C, [`CycleStress::reference_c_rate`]).
///
/// Temperature: g(T) = cold_weight·exp(cold_activation_k/T) + hot_weight·exp(−hot_activation_k/T),
/// factor g(T)/g(25 °C), with T clamped to `temperature_range_c` (the fitted range: the
/// forms extrapolate badly). C-rate: (intercept + per_depth·depth + per_c_rate·rate) /
/// (intercept + per_depth·depth + per_c_rate·reference rate).
///
/// ```
/// use voltlex_engine::battery::Chemistry;
/// let stress = Chemistry::lfp().cycle_stress;
/// assert!((stress.temperature_factor(25.0) - 1.0).abs() < 1e-12);
/// assert!((stress.c_rate_factor(0.8, 0.5) - 1.0).abs() < 1e-12);
/// assert!(stress.c_rate_factor(0.8, 1.0) > 1.0);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CycleStress {
    /// Weight of the low-temperature term (0 disables it).
    pub cold_weight: f64,
    /// Low-temperature term `exp(+cold_activation_k / T)`, K: more wear when colder.
    pub cold_activation_k: f64,
    /// Weight of the high-temperature term (0 disables it).
    pub hot_weight: f64,
    /// High-temperature term `exp(−hot_activation_k / T)`, K: more wear when hotter.
    pub hot_activation_k: f64,
    /// Temperatures outside this range (°C, low, high) are clamped to it.
    pub temperature_range_c: (f64, f64),
    /// C-rate form: constant term.
    pub rate_intercept: f64,
    /// C-rate form: coefficient of the depth of discharge.
    pub rate_per_depth: f64,
    /// C-rate form: coefficient of the C-rate (1/h).
    pub rate_per_c_rate: f64,
    /// C-rate (1/h) at which the cycle-life curve applies.
    pub reference_c_rate: f64,
}

impl CycleStress {
    fn temperature_term(&self, kelvin: f64) -> f64 {
        self.cold_weight * (self.cold_activation_k / kelvin).exp()
            + self.hot_weight * (-self.hot_activation_k / kelvin).exp()
    }

    /// Cycle wear at `temperature_c` relative to 25 °C.
    ///
    /// ```
    /// use voltlex_engine::battery::Chemistry;
    /// // BLAST-Lite's LFP fit: cycling wears more when colder (within 10–45 °C).
    /// assert!(Chemistry::lfp().cycle_stress.temperature_factor(10.0) > 1.0);
    /// // The NMC fit: more when hotter.
    /// assert!(Chemistry::nmc().cycle_stress.temperature_factor(40.0) > 1.0);
    /// ```
    pub fn temperature_factor(&self, temperature_c: f64) -> f64 {
        let (low, high) = self.temperature_range_c;
        let clamped = temperature_c.max(low).min(high);
        self.temperature_term(clamped + ZERO_CELSIUS_K)
            / self.temperature_term(REFERENCE_TEMPERATURE_K)
    }

    /// Cycle wear of a cycle of `depth_of_discharge` at `c_rate` (1/h) relative to the
    /// reference C-rate at the same depth (the depth itself is priced by the cycle-life curve).
    ///
    /// ```
    /// use voltlex_engine::battery::Chemistry;
    /// let stress = Chemistry::lfp().cycle_stress;
    /// assert!(stress.c_rate_factor(1.0, 0.25) < 1.0);
    /// ```
    pub fn c_rate_factor(&self, depth_of_discharge: f64, c_rate: f64) -> f64 {
        let base = self.rate_intercept + self.rate_per_depth * depth_of_discharge;
        (base + self.rate_per_c_rate * c_rate)
            / (base + self.rate_per_c_rate * self.reference_c_rate)
    }
}

/// A battery chemistry for the degradation model.
///
/// Cycle life N(depth) is given as points at 25 °C and 50 % mean state of charge, and
/// interpolated linearly in log(depth)–log(cycles) (a Wöhler-type power law between points),
/// exact at the points, extrapolated with the first and last segments' slopes.
///
/// ```
/// use voltlex_engine::battery::Chemistry;
/// let lfp = Chemistry::lfp();
/// assert_eq!(lfp.cycle_life(0.8)?, 4750.0);
/// assert!(lfp.cycle_life(0.6)? > 4750.0 && lfp.cycle_life(0.6)? < 10_000.0);
/// # Ok::<(), voltlex_engine::battery::ChemistryProblem>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Chemistry {
    /// Name (`"LFP"`, `"NMC"`, or the rule's name).
    pub name: String,
    /// Full cycles to end of life by depth of discharge, at 25 °C, 50 % mean state of charge
    /// and the reference C-rate; depths strictly ascending, cycles non-increasing.
    pub cycle_life: Vec<CycleLifePoint>,
    /// Capacity loss (fraction) at end of life: the cycle lives are to this loss.
    pub end_of_life_loss: f64,
    /// Calendar ageing.
    pub calendar: CalendarAgeing,
    /// Temperature and C-rate factors of cycle ageing.
    pub cycle_stress: CycleStress,
}

/// What is wrong with a chemistry's parameters ("expected …, found …").
///
/// ```
/// use voltlex_engine::battery::{Chemistry, ChemistryProblem};
/// let mut chemistry = Chemistry::lfp();
/// chemistry.end_of_life_loss = 1.5;
/// assert!(matches!(chemistry.validate(), Err(ChemistryProblem::LossOutOfRange { .. })));
/// ```
#[derive(Debug, Clone, PartialEq, Error)]
pub enum ChemistryProblem {
    /// Fewer than two cycle-life points.
    #[error("cycle_life: expected at least 2 points, found {found}")]
    TooFewPoints {
        /// Number of points found.
        found: usize,
    },
    /// A depth of discharge outside (0, 1].
    #[error("cycle_life point {index}: expected a depth of discharge in (0, 1], found {found}")]
    DepthOutOfRange {
        /// 0-based index of the point.
        index: usize,
        /// The depth found.
        found: f64,
    },
    /// Depths not strictly ascending.
    #[error(
        "cycle_life point {index}: expected depths in strictly ascending order, found {found} after {previous}"
    )]
    DepthsNotAscending {
        /// 0-based index of the point.
        index: usize,
        /// The depth found.
        found: f64,
        /// The previous point's depth.
        previous: f64,
    },
    /// A cycle count that is not a positive number.
    #[error("cycle_life point {index}: expected a positive number of cycles, found {found}")]
    CyclesNotPositive {
        /// 0-based index of the point.
        index: usize,
        /// The cycles found.
        found: f64,
    },
    /// More cycles at a deeper discharge.
    #[error(
        "cycle_life point {index}: expected cycles non-increasing with depth (at most {previous}), found {found}"
    )]
    CyclesIncreaseWithDepth {
        /// 0-based index of the point.
        index: usize,
        /// The cycles found.
        found: f64,
        /// The previous (shallower) point's cycles.
        previous: f64,
    },
    /// A loss fraction outside (0, 1).
    #[error("{field}: expected a fraction in (0, 1), found {found}")]
    LossOutOfRange {
        /// The parameter.
        field: &'static str,
        /// The value found.
        found: f64,
    },
    /// A calendar exponent outside (0, 1].
    #[error("calendar_exponent: expected a number in (0, 1], found {found}")]
    ExponentOutOfRange {
        /// The value found.
        found: f64,
    },
    /// A stress-factor parameter that is not finite or makes a factor non-positive.
    #[error("{field}: expected {expected}, found {found}")]
    StressParameter {
        /// The parameter.
        field: &'static str,
        /// What was expected.
        expected: &'static str,
        /// The value found.
        found: f64,
    },
    /// A depth of discharge outside (0, 1] asked of the cycle-life curve.
    #[error("depth of discharge: expected a number in (0, 1], found {found}")]
    DepthQuery {
        /// The depth asked for.
        found: f64,
    },
    /// `based_on` names no preset.
    #[error("based_on: expected \"LFP\" or \"NMC\", found \"{found}\"")]
    UnknownPreset {
        /// The name found.
        found: String,
    },
    /// A replacement cost that is negative or not representable.
    #[error("replacement_cost_per_kwh: expected a non-negative amount, found {found}")]
    ReplacementCost {
        /// The amount found, as written.
        found: String,
    },
}

/// A `chemistry` rule block that does not make a valid chemistry: which one, where, and why.
///
/// ```
/// use voltlex_dsl::rules::{ChemistryRule, RuleRef};
/// use voltlex_engine::battery::Chemistry;
/// let rule = ChemistryRule {
///     name: "Mystery".into(),
///     origin: RuleRef { file: "fleet.vlx".into(), line: 3, column: 1 },
///     based_on: Some("LTO".into()),
///     cycle_life: vec![],
///     end_of_life_loss: None,
///     calendar_loss_first_year: None,
///     calendar_exponent: None,
///     replacement_cost_per_kwh: None,
/// };
/// let error = Chemistry::from_rule(&rule).unwrap_err();
/// assert_eq!(
///     error.to_string(),
///     "chemistry `Mystery` (fleet.vlx:3): based_on: expected \"LFP\" or \"NMC\", found \"LTO\""
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Error)]
#[error("chemistry `{chemistry}` ({origin}): {problem}")]
pub struct ChemistryError {
    /// The chemistry's name.
    pub chemistry: String,
    /// Where its block starts.
    pub origin: RuleRef,
    /// What is wrong.
    pub problem: ChemistryProblem,
}

impl Chemistry {
    /// Lithium iron phosphate (LFP–graphite), cell level; packs last 20–30 % less.
    ///
    /// - Cycle life 10,000 / 4,750 / 3,700 cycles at 40 / 80 / 100 % depth of discharge to
    ///   20 % loss at 25 °C, 50 % mean SoC (FACTS.md, "closed-form cycle lives", cell level).
    /// - Calendar: BLAST-Lite `lfp_gr_250AhPrismatic_2019`, k_cal = 8.37e4·exp(−5.21e3/T)·
    ///   exp(−3.56e3·Ua(SoC)/T), loss = k_cal·days^0.526. At 298.15 K and Ua(0.5) = 0.123304 V:
    ///   k_cal = 8.37e4 × 2.57604e-8 × 0.229401 = 4.94623e-4 and 365^0.526 = 22.2722, so the
    ///   first-year loss is 1.10164 %.
    /// - Cycle temperature: BLAST-Lite LFP `exp(2.19e3/T) + exp(−1.55e5/T)` (fitted 10–45 °C;
    ///   wears more when colder: the fit absorbed the calendar term's opposite trend).
    /// - C-rate: BLAST-Lite LFP `4.38e-8 + 1.55e-8·DoD + 1.68e-7·Crate`, reference 0.5C
    ///   (assumed rate of the cycle-life figures, which state none).
    ///
    /// ```
    /// use voltlex_engine::battery::Chemistry;
    /// assert_eq!(Chemistry::lfp().cycle_life(1.0)?, 3700.0);
    /// # Ok::<(), voltlex_engine::battery::ChemistryProblem>(())
    /// ```
    pub fn lfp() -> Self {
        Self {
            name: "LFP".to_string(),
            cycle_life: points(&[(0.4, 10_000.0), (0.8, 4_750.0), (1.0, 3_700.0)]),
            end_of_life_loss: 0.2,
            calendar: CalendarAgeing {
                first_year_loss: blast_lfp_first_year_loss(),
                exponent: 0.526,
                activation_temperature_k: 5.21e3,
                anode_potential_sensitivity_k_per_v: 3.56e3,
            },
            cycle_stress: CycleStress {
                cold_weight: 1.0,
                cold_activation_k: 2.19e3,
                hot_weight: 1.0,
                hot_activation_k: 1.55e5,
                temperature_range_c: (10.0, 45.0),
                rate_intercept: 4.38e-8,
                rate_per_depth: 1.55e-8,
                rate_per_c_rate: 1.68e-7,
                reference_c_rate: 0.5,
            },
        }
    }

    /// Nickel manganese cobalt oxide (NMC–graphite), cell level; packs last 20–30 % less.
    ///
    /// - Cycle life 19,400 / 8,000 / 3,450 cycles at 40 / 80 / 100 % depth of discharge to
    ///   20 % loss at 25 °C, 50 % mean SoC (FACTS.md, "closed-form cycle lives", cell level).
    /// - Calendar: BLAST-Lite `nmc111_gr_Kokam75Ah_2017` (Kokam 75 Ah NMC111 pouch cell),
    ///   q1 = 2.66e7·exp(−17.8/T_N)·exp(−5.21·(Ua/0.123)/T_N), T_N = T/308.15, loss =
    ///   q1·days^0.357; i.e. Ea = 17.8 × 308.15 = 5485.07 K and b = 5.21 × 308.15 / 0.123 =
    ///   13052.5 K/V. At 25 °C, 50 % SoC: q1 = 1.23260e-3 and 365^0.357 = 8.2175, so the
    ///   first-year loss is 1.01289 %.
    /// - Cycle temperature: the same model's LLI cycling term exp(−18.4/T_N), i.e. an
    ///   Arrhenius term of 18.4 × 308.15 = 5669.96 K (fitted 0–45 °C).
    /// - C-rate: that NMC model has no C-rate term (its authors call this unrealistic); the
    ///   LFP form above is borrowed. UNVERIFIED for NMC.
    ///
    /// ```
    /// use voltlex_engine::battery::Chemistry;
    /// assert_eq!(Chemistry::nmc().cycle_life(0.4)?, 19_400.0);
    /// # Ok::<(), voltlex_engine::battery::ChemistryProblem>(())
    /// ```
    pub fn nmc() -> Self {
        const T_NORMALISE: f64 = 273.15 + 35.0;
        let anode_normalise = 0.123;
        let first_year_factor = (-17.8 * T_NORMALISE / REFERENCE_TEMPERATURE_K).exp()
            * (-5.21 * T_NORMALISE / anode_normalise * anode_potential(REFERENCE_STATE_OF_CHARGE)
                / REFERENCE_TEMPERATURE_K)
                .exp();
        let exponent = 0.357;
        Self {
            name: "NMC".to_string(),
            cycle_life: points(&[(0.4, 19_400.0), (0.8, 8_000.0), (1.0, 3_450.0)]),
            end_of_life_loss: 0.2,
            calendar: CalendarAgeing {
                first_year_loss: 2.66e7 * first_year_factor * DAYS_PER_YEAR.powf(exponent),
                exponent,
                activation_temperature_k: 17.8 * T_NORMALISE,
                anode_potential_sensitivity_k_per_v: 5.21 * T_NORMALISE / anode_normalise,
            },
            cycle_stress: CycleStress {
                cold_weight: 0.0,
                cold_activation_k: 0.0,
                hot_weight: 1.0,
                hot_activation_k: 18.4 * T_NORMALISE,
                temperature_range_c: (0.0, 45.0),
                ..Self::lfp().cycle_stress
            },
        }
    }

    /// The preset of that name, case-insensitive: `"LFP"` or `"NMC"`.
    ///
    /// ```
    /// use voltlex_engine::battery::Chemistry;
    /// assert_eq!(Chemistry::preset("lfp"), Some(Chemistry::lfp()));
    /// assert_eq!(Chemistry::preset("LTO"), None);
    /// ```
    pub fn preset(name: &str) -> Option<Self> {
        if name.eq_ignore_ascii_case("LFP") {
            Some(Self::lfp())
        } else if name.eq_ignore_ascii_case("NMC") {
            Some(Self::nmc())
        } else {
            None
        }
    }

    /// The chemistry a `chemistry` rule block describes.
    ///
    /// Fields left out come from the `based_on` preset, else from LFP; an empty `cycle_life`
    /// takes the preset's curve when `based_on` is given (without it, the curve is required).
    /// Temperature, state-of-charge and C-rate sensitivities always come from the preset: a
    /// rule cannot set them. The replacement cost is money and stays out of the chemistry:
    /// read it with [`Chemistry::replacement_cost_from_rule`].
    ///
    /// ```
    /// use voltlex_dsl::rules::{ChemistryRule, CycleLifePoint, RuleRef};
    /// use voltlex_engine::battery::Chemistry;
    /// let rule = ChemistryRule {
    ///     name: "Depot LFP".into(),
    ///     origin: RuleRef { file: "fleet.vlx".into(), line: 3, column: 1 },
    ///     based_on: Some("LFP".into()),
    ///     cycle_life: vec![],
    ///     end_of_life_loss: Some(0.3),
    ///     calendar_loss_first_year: None,
    ///     calendar_exponent: None,
    ///     replacement_cost_per_kwh: None,
    /// };
    /// let chemistry = Chemistry::from_rule(&rule)?;
    /// assert_eq!(chemistry.end_of_life_loss, 0.3);
    /// assert_eq!(chemistry.cycle_life, Chemistry::lfp().cycle_life);
    /// # Ok::<(), voltlex_engine::battery::ChemistryError>(())
    /// ```
    pub fn from_rule(rule: &ChemistryRule) -> Result<Self, ChemistryError> {
        let error = |problem| ChemistryError {
            chemistry: rule.name.clone(),
            origin: rule.origin.clone(),
            problem,
        };
        let base = match &rule.based_on {
            Some(name) => Self::preset(name).ok_or_else(|| {
                error(ChemistryProblem::UnknownPreset {
                    found: name.clone(),
                })
            })?,
            None if rule.cycle_life.is_empty() => {
                return Err(error(ChemistryProblem::TooFewPoints { found: 0 }))
            }
            None => Self::lfp(),
        };
        let chemistry = Self {
            name: rule.name.clone(),
            cycle_life: if rule.cycle_life.is_empty() {
                base.cycle_life
            } else {
                rule.cycle_life.clone()
            },
            end_of_life_loss: rule.end_of_life_loss.unwrap_or(base.end_of_life_loss),
            calendar: CalendarAgeing {
                first_year_loss: rule
                    .calendar_loss_first_year
                    .unwrap_or(base.calendar.first_year_loss),
                exponent: rule.calendar_exponent.unwrap_or(base.calendar.exponent),
                ..base.calendar
            },
            cycle_stress: base.cycle_stress,
        };
        chemistry.validate().map_err(error)?;
        Ok(chemistry)
    }

    /// The rule's replacement cost per kWh of capacity as a solver price (`f64`), if given.
    ///
    /// ```
    /// use rust_decimal::Decimal;
    /// use voltlex_dsl::rules::{ChemistryRule, RuleRef};
    /// use voltlex_engine::battery::Chemistry;
    /// let rule = ChemistryRule {
    ///     name: "Depot LFP".into(),
    ///     origin: RuleRef { file: "fleet.vlx".into(), line: 3, column: 1 },
    ///     based_on: Some("LFP".into()),
    ///     cycle_life: vec![],
    ///     end_of_life_loss: None,
    ///     calendar_loss_first_year: None,
    ///     calendar_exponent: None,
    ///     replacement_cost_per_kwh: Some(Decimal::new(25_000, 0)),
    /// };
    /// assert_eq!(Chemistry::replacement_cost_from_rule(&rule)?, Some(25_000.0));
    /// # Ok::<(), voltlex_engine::battery::ChemistryError>(())
    /// ```
    pub fn replacement_cost_from_rule(rule: &ChemistryRule) -> Result<Option<f64>, ChemistryError> {
        let Some(amount) = rule.replacement_cost_per_kwh else {
            return Ok(None);
        };
        match amount.to_f64() {
            Some(cost) if cost >= 0.0 && cost.is_finite() => Ok(Some(cost)),
            _ => Err(ChemistryError {
                chemistry: rule.name.clone(),
                origin: rule.origin.clone(),
                problem: ChemistryProblem::ReplacementCost {
                    found: amount.to_string(),
                },
            }),
        }
    }

    /// Checks every parameter (see [`ChemistryProblem`] for the rules).
    ///
    /// ```
    /// use voltlex_engine::battery::Chemistry;
    /// assert_eq!(Chemistry::nmc().validate(), Ok(()));
    /// ```
    pub fn validate(&self) -> Result<(), ChemistryProblem> {
        if self.cycle_life.len() < 2 {
            return Err(ChemistryProblem::TooFewPoints {
                found: self.cycle_life.len(),
            });
        }
        let mut previous: Option<&CycleLifePoint> = None;
        for (index, point) in self.cycle_life.iter().enumerate() {
            let depth = point.depth_of_discharge;
            if !(depth > 0.0 && depth <= 1.0) {
                return Err(ChemistryProblem::DepthOutOfRange {
                    index,
                    found: depth,
                });
            }
            if !(point.cycles > 0.0 && point.cycles.is_finite()) {
                return Err(ChemistryProblem::CyclesNotPositive {
                    index,
                    found: point.cycles,
                });
            }
            if let Some(before) = previous {
                if depth <= before.depth_of_discharge {
                    return Err(ChemistryProblem::DepthsNotAscending {
                        index,
                        found: depth,
                        previous: before.depth_of_discharge,
                    });
                }
                if point.cycles > before.cycles {
                    return Err(ChemistryProblem::CyclesIncreaseWithDepth {
                        index,
                        found: point.cycles,
                        previous: before.cycles,
                    });
                }
            }
            previous = Some(point);
        }
        for (field, found) in [
            ("end_of_life_loss", self.end_of_life_loss),
            ("calendar_loss_first_year", self.calendar.first_year_loss),
        ] {
            if !(found > 0.0 && found < 1.0) {
                return Err(ChemistryProblem::LossOutOfRange { field, found });
            }
        }
        let exponent = self.calendar.exponent;
        if !(exponent > 0.0 && exponent <= 1.0) {
            return Err(ChemistryProblem::ExponentOutOfRange { found: exponent });
        }
        self.validate_stress()
    }

    fn validate_stress(&self) -> Result<(), ChemistryProblem> {
        let calendar = &self.calendar;
        let stress = &self.cycle_stress;
        let finite = "a finite number";
        let non_negative = "a finite number ≥ 0";
        let checks: [(&'static str, f64, &'static str, bool); 11] = [
            (
                "activation_temperature_k",
                calendar.activation_temperature_k,
                finite,
                calendar.activation_temperature_k.is_finite(),
            ),
            (
                "anode_potential_sensitivity_k_per_v",
                calendar.anode_potential_sensitivity_k_per_v,
                finite,
                calendar.anode_potential_sensitivity_k_per_v.is_finite(),
            ),
            (
                "cold_weight",
                stress.cold_weight,
                non_negative,
                stress.cold_weight >= 0.0 && stress.cold_weight.is_finite(),
            ),
            (
                "cold_activation_k",
                stress.cold_activation_k,
                finite,
                stress.cold_activation_k.is_finite(),
            ),
            (
                "hot_weight",
                stress.hot_weight,
                non_negative,
                stress.hot_weight >= 0.0 && stress.hot_weight.is_finite(),
            ),
            (
                "hot_activation_k",
                stress.hot_activation_k,
                finite,
                stress.hot_activation_k.is_finite(),
            ),
            (
                "temperature_range_c",
                stress.temperature_range_c.1,
                "a range low ≤ high above −273.15 °C",
                stress.temperature_range_c.0 > -ZERO_CELSIUS_K
                    && stress.temperature_range_c.0 <= stress.temperature_range_c.1
                    && stress.temperature_range_c.1.is_finite(),
            ),
            (
                "rate_intercept",
                stress.rate_intercept,
                non_negative,
                stress.rate_intercept >= 0.0 && stress.rate_intercept.is_finite(),
            ),
            (
                "rate_per_depth",
                stress.rate_per_depth,
                non_negative,
                stress.rate_per_depth >= 0.0 && stress.rate_per_depth.is_finite(),
            ),
            (
                "rate_per_c_rate",
                stress.rate_per_c_rate,
                non_negative,
                stress.rate_per_c_rate >= 0.0 && stress.rate_per_c_rate.is_finite(),
            ),
            (
                "reference_c_rate",
                stress.reference_c_rate,
                non_negative,
                stress.reference_c_rate >= 0.0 && stress.reference_c_rate.is_finite(),
            ),
        ];
        if let Some((field, found, expected, _)) = checks.into_iter().find(|check| !check.3) {
            return Err(ChemistryProblem::StressParameter {
                field,
                expected,
                found,
            });
        }
        let reference = stress.temperature_term(REFERENCE_TEMPERATURE_K);
        if !(reference > 0.0 && reference.is_finite()) {
            return Err(ChemistryProblem::StressParameter {
                field: "cold_weight/hot_weight",
                expected: "a temperature term that is positive and finite at 25 °C",
                found: reference,
            });
        }
        let rate_base = stress.rate_intercept + stress.rate_per_c_rate * stress.reference_c_rate;
        if rate_base <= 0.0 {
            return Err(ChemistryProblem::StressParameter {
                field: "rate_intercept",
                expected: "a C-rate form that is positive at the reference C-rate",
                found: rate_base,
            });
        }
        Ok(())
    }

    /// Full cycles to end of life at `depth_of_discharge` (fraction, in (0, 1]), at 25 °C,
    /// 50 % mean state of charge and the reference C-rate.
    ///
    /// Linear in log(depth)–log(cycles) between points, exact at the points, extrapolated with
    /// the first or last segment's slope.
    ///
    /// ```
    /// use voltlex_engine::battery::Chemistry;
    /// let nmc = Chemistry::nmc();
    /// assert_eq!(nmc.cycle_life(1.0)?, 3450.0);
    /// assert!(nmc.cycle_life(0.1)? > nmc.cycle_life(0.4)?);
    /// assert!(nmc.cycle_life(0.0).is_err());
    /// # Ok::<(), voltlex_engine::battery::ChemistryProblem>(())
    /// ```
    pub fn cycle_life(&self, depth_of_discharge: f64) -> Result<f64, ChemistryProblem> {
        let depth = depth_of_discharge;
        if !(depth > 0.0 && depth <= 1.0) {
            return Err(ChemistryProblem::DepthQuery { found: depth });
        }
        if let Some(point) = self
            .cycle_life
            .iter()
            .find(|point| point.depth_of_discharge == depth)
        {
            return Ok(point.cycles);
        }
        // The segment whose upper end is the first point deeper than `depth`; past the last
        // point, the last segment; before the first, the first segment.
        let upper = self
            .cycle_life
            .iter()
            .position(|point| point.depth_of_discharge > depth)
            .unwrap_or(self.cycle_life.len().saturating_sub(1))
            .max(1);
        let (Some(low), Some(high)) = (self.cycle_life.get(upper - 1), self.cycle_life.get(upper))
        else {
            return Err(ChemistryProblem::TooFewPoints {
                found: self.cycle_life.len(),
            });
        };
        let slope = (high.cycles.ln() - low.cycles.ln())
            / (high.depth_of_discharge.ln() - low.depth_of_discharge.ln());
        Ok((low.cycles.ln() + slope * (depth.ln() - low.depth_of_discharge.ln())).exp())
    }
}

fn points(pairs: &[(f64, f64)]) -> Vec<CycleLifePoint> {
    pairs
        .iter()
        .map(|&(depth_of_discharge, cycles)| CycleLifePoint {
            depth_of_discharge,
            cycles,
        })
        .collect()
}

/// BLAST-Lite LFP: k_cal(25 °C, 50 %) × 365^0.526.
fn blast_lfp_first_year_loss() -> f64 {
    let kelvin = REFERENCE_TEMPERATURE_K;
    let k_cal = 8.37e4
        * (-5.21e3 / kelvin).exp()
        * (-3.56e3 * anode_potential(REFERENCE_STATE_OF_CHARGE) / kelvin).exp();
    k_cal * DAYS_PER_YEAR.powf(0.526)
}
