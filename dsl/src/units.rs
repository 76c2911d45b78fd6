//! Units of measure: reading `JPY/kW per month` and checking it is what a place needs.
//!
//! A unit is a numerator atom over zero or more denominator atoms. Only the combinations a
//! tariff can use are meaningful ([`UnitKind`]); the checker asks for one kind per place.

use std::fmt;

use crate::ast::Quantity;
use crate::diagnostic::{codes, did_you_mean, Diagnostic};
use crate::rules::Currency;

/// One unit word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Atom {
    /// A currency.
    Money(Currency),
    /// kW
    Kilowatt,
    /// kWh
    KilowattHour,
    /// %
    Percent,
    /// min
    Minute,
    /// month
    Month,
}

/// Every unit word and its spelling.
pub const ATOMS: &[(&str, Atom)] = &[
    ("JPY", Atom::Money(Currency::Jpy)),
    ("USD", Atom::Money(Currency::Usd)),
    ("kW", Atom::Kilowatt),
    ("kWh", Atom::KilowattHour),
    ("%", Atom::Percent),
    ("min", Atom::Minute),
    ("minutes", Atom::Minute),
    ("month", Atom::Month),
    ("months", Atom::Month),
];

/// Units of another scale or spelling, with how to write them here.
const OTHER_SCALES: &[(&str, &str)] = &[
    (
        "MWh",
        "energy is counted in kWh: 1 JPY/MWh is 0.001 JPY/kWh",
    ),
    ("Wh", "energy is counted in kWh: 1 kWh is 1000 Wh"),
    ("MW", "power is counted in kW: 1 MW is 1000 kW"),
    ("W", "power is counted in kW: 1 kW is 1000 W"),
    ("yen", "write yen as `JPY`"),
];

/// The meaningful units, by what they measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnitKind {
    /// An amount of money.
    Money,
    /// Money per kWh (energy prices, adjustments, surcharges).
    MoneyPerKwh,
    /// Money per kW per month (demand charges).
    MoneyPerKwMonth,
    /// Money per kW (overage on the month's peak).
    MoneyPerKw,
    /// Money per month (fixed charges, subscription blocks, minimum bills).
    MoneyPerMonth,
    /// Power, kW.
    Power,
    /// Energy, kWh.
    Energy,
    /// A percentage.
    Percent,
    /// Minutes.
    Minutes,
    /// Months.
    Months,
}

impl UnitKind {
    /// How to write a unit of this kind in `currency` (for "expected …" messages).
    pub fn example(self, currency: Currency) -> String {
        let c = currency.code();
        match self {
            UnitKind::Money => c.to_string(),
            UnitKind::MoneyPerKwh => format!("{c}/kWh"),
            UnitKind::MoneyPerKwMonth => format!("{c}/kW per month"),
            UnitKind::MoneyPerKw => format!("{c}/kW"),
            UnitKind::MoneyPerMonth => format!("{c} per month"),
            UnitKind::Power => "kW".into(),
            UnitKind::Energy => "kWh".into(),
            UnitKind::Percent => "%".into(),
            UnitKind::Minutes => "min".into(),
            UnitKind::Months => "months".into(),
        }
    }
}

/// A unit as read: its kind and, for money units, the currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unit {
    /// What it measures.
    pub kind: UnitKind,
    /// The currency of a money unit.
    pub currency: Option<Currency>,
}

impl fmt::Display for Unit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.kind.example(self.currency.unwrap_or(Currency::Jpy)))
    }
}

/// Reads the unit of a quantity: an error for an unknown word, `None` for known words in a
/// combination no tariff uses (`JPY/kWh per month`).
///
/// ```
/// use voltlex_dsl::source::SourceMap;
/// use voltlex_dsl::syntax::parse;
/// use voltlex_dsl::ast::{EnergyBody, ItemKind};
/// use voltlex_dsl::units::{read_unit, UnitKind};
/// let mut sources = SourceMap::default();
/// let id = sources.add("a.vlx", "tariff \"A\" { energy 16.56 JPY/kWh }");
/// let file = parse(id, &sources.file(id).unwrap().text).unwrap();
/// let ItemKind::Energy { body: EnergyBody::Flat(timeline), .. } = &file.tariffs[0].items[0].kind else { panic!() };
/// assert_eq!(read_unit(&timeline.steps[0].quantity).unwrap().unwrap().kind, UnitKind::MoneyPerKwh);
/// ```
pub fn read_unit(quantity: &Quantity) -> Result<Option<Unit>, Box<Diagnostic>> {
    let mut atoms = Vec::with_capacity(quantity.unit.len());
    for word in &quantity.unit {
        match ATOMS.iter().find(|(spelling, _)| *spelling == word.value) {
            Some(&(_, atom)) => atoms.push(atom),
            None => {
                let mut diagnostic = Diagnostic::error(
                    codes::UNKNOWN_UNIT,
                    format!("unknown unit `{}`", word.value),
                    word.span,
                    "not a unit",
                );
                let other_scale = OTHER_SCALES.iter().find(|(w, _)| *w == word.value);
                diagnostic = match (other_scale, did_you_mean(&word.value, ATOMS.iter().map(|(s, _)| *s))) {
                    (Some((_, help)), _) => diagnostic.with_help(*help),
                    (None, Some(suggestion)) if suggestion.eq_ignore_ascii_case(&word.value) => diagnostic.with_help(format!("did you mean `{suggestion}`? (units are case-sensitive)")),
                    (None, Some(suggestion)) => diagnostic.with_help(format!("did you mean `{suggestion}`?")),
                    (None, None) => diagnostic.with_help("units are JPY, USD, kW, kWh, %, min, month(s) and their ratios, e.g. JPY/kWh"),
                };
                return Err(Box::new(diagnostic));
            }
        }
    }
    use Atom::*;
    let (kind, currency) = match atoms.as_slice() {
        [Money(c)] => (UnitKind::Money, Some(*c)),
        [Money(c), KilowattHour] => (UnitKind::MoneyPerKwh, Some(*c)),
        [Money(c), Kilowatt, Month] => (UnitKind::MoneyPerKwMonth, Some(*c)),
        [Money(c), Kilowatt] => (UnitKind::MoneyPerKw, Some(*c)),
        [Money(c), Month] => (UnitKind::MoneyPerMonth, Some(*c)),
        [Kilowatt] => (UnitKind::Power, None),
        [KilowattHour] => (UnitKind::Energy, None),
        [Percent] => (UnitKind::Percent, None),
        [Minute] => (UnitKind::Minutes, None),
        [Month] => (UnitKind::Months, None),
        // Known words in a combination no tariff uses: the caller says what it expected.
        _ => return Ok(None),
    };
    Ok(Some(Unit { kind, currency }))
}
