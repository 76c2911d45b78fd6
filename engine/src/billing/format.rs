//! Numbers as a bill's `calculation` text shows them: thousands separators, money with at
//! least two decimals, quantities as short as they are exact, roundings in words.

use rust_decimal::Decimal;
use voltlex_dsl::rules::{Currency, Rounding, RoundingMode};

use super::money::quantity;

/// Money or a price: `1,890.00`, `779,625.00`, `101,351.25`, `-0.35`.
pub(crate) fn money(value: Decimal) -> String {
    let mut value = value.normalize();
    if value.scale() < 2 {
        value.rescale(2);
    }
    group(&value.to_string())
}

/// A quantity (kW, kWh, count): `412.5`, `12,345.678`, `0`.
pub(crate) fn number(value: Decimal) -> String {
    group(&value.normalize().to_string())
}

/// An `f64` kW or kWh figure as its 3-decimal quantity.
pub(crate) fn measure(value: f64) -> String {
    quantity(value).map_or_else(|| value.to_string(), number)
}

/// A fraction as a percentage: `0.30` → `30 %`, `0.125` → `12.5 %`.
pub(crate) fn percent(fraction: Decimal) -> String {
    format!("{} %", number(fraction * Decimal::ONE_HUNDRED))
}

/// ` → round down to 1 JPY` (empty when the line is not rounded).
pub(crate) fn rounding(rounding: Option<Rounding>, currency: Currency) -> String {
    match rounding {
        None => String::new(),
        Some(rule) => {
            let mode = match rule.mode {
                RoundingMode::Down => "round down to",
                RoundingMode::Up => "round up to",
                RoundingMode::Nearest => "round to the nearest",
            };
            format!(" → {mode} {} {currency}", number(rule.step))
        }
    }
}

/// Insert thousands separators into the integer part of a plain decimal string.
fn group(text: &str) -> String {
    let (sign, rest) = match text.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", text),
    };
    let (int, frac) = match rest.split_once('.') {
        Some((int, frac)) => (int, Some(frac)),
        None => (rest, None),
    };
    let mut out = String::with_capacity(text.len() + int.len() / 3);
    out.push_str(sign);
    for (i, digit) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    if let Some(frac) = frac {
        out.push('.');
        out.push_str(frac);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_and_numbers() {
        assert_eq!(money(Decimal::new(189000, 2)), "1,890.00");
        assert_eq!(money(Decimal::new(779625, 0)), "779,625.00");
        assert_eq!(money(Decimal::new(-10135125, 2)), "-101,351.25");
        assert_eq!(money(Decimal::new(-35, 2)), "-0.35");
        assert_eq!(money(Decimal::new(123456, 4)), "12.3456");
        assert_eq!(number(Decimal::new(4125000, 4)), "412.5");
        assert_eq!(number(Decimal::new(12345678, 3)), "12,345.678");
        assert_eq!(number(Decimal::new(100, 0)), "100");
        assert_eq!(number(Decimal::ZERO), "0");
        assert_eq!(measure(1234567.0), "1,234,567");
        assert_eq!(percent(Decimal::new(30, 2)), "30 %");
        assert_eq!(percent(Decimal::new(125, 3)), "12.5 %");
    }

    #[test]
    fn roundings_in_words() {
        let yen = Rounding {
            step: Decimal::ONE,
            mode: RoundingMode::Down,
        };
        assert_eq!(rounding(Some(yen), Currency::Jpy), " → round down to 1 JPY");
        let cent = Rounding {
            step: Decimal::new(1, 2),
            mode: RoundingMode::Nearest,
        };
        assert_eq!(
            rounding(Some(cent), Currency::Usd),
            " → round to the nearest 0.01 USD"
        );
        assert_eq!(rounding(None, Currency::Jpy), "");
    }
}
