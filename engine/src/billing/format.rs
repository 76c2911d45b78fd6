//! Numbers as a bill's `calculation` text shows them: thousands separators, money with at
//! least two decimals, quantities as short as they are exact, roundings in words.
//!
//! Each helper returns a small value that implements `Display`, so a calculation is built
//! by one `format!` without a string per number.

use std::fmt::{self, Display, Write};

use rust_decimal::Decimal;
use voltlex_dsl::rules::{Currency, Rounding, RoundingMode};

use super::money::quantity;

/// Money or a price: `1,890.00`, `779,625.00`, `101,351.25`, `-0.35`.
pub(crate) fn money(value: Decimal) -> Shown {
    let mut value = value.normalize();
    if value.scale() < 2 {
        value.rescale(2);
    }
    Shown(value)
}

/// A quantity (kW, kWh, count): `412.5`, `12,345.678`, `0`.
pub(crate) fn number(value: Decimal) -> Shown {
    Shown(value.normalize())
}

/// An `f64` kW or kWh figure as its 3-decimal quantity.
pub(crate) fn measure(value: f64) -> Measure {
    Measure(value)
}

/// A fraction as a percentage: `0.30` → `30 %`, `0.125` → `12.5 %`.
pub(crate) fn percent(fraction: Decimal) -> Percent {
    Percent(fraction)
}

/// ` → round down to 1 JPY` (nothing when the line is not rounded).
pub(crate) fn rounding(rounding: Option<Rounding>, currency: Currency) -> RoundingText {
    RoundingText(rounding, currency)
}

/// A decimal shown with thousands separators, as scaled.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Shown(Decimal);

impl Display for Shown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut buffer = Buffer::default();
        write!(buffer, "{}", self.0)?;
        group(buffer.as_str(), f)
    }
}

/// An `f64` measure shown as its 3-decimal quantity.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Measure(f64);

impl Display for Measure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match quantity(self.0) {
            Some(value) => number(value).fmt(f),
            None => self.0.fmt(f),
        }
    }
}

/// A fraction shown as a percentage.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Percent(Decimal);

impl Display for Percent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.checked_mul(Decimal::ONE_HUNDRED) {
            Some(points) => write!(f, "{} %", number(points)),
            None => write!(f, "{} × 100 %", number(self.0)),
        }
    }
}

/// A rounding in words, or nothing.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RoundingText(Option<Rounding>, Currency);

impl Display for RoundingText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Some(rule) = self.0 else {
            return Ok(());
        };
        let mode = match rule.mode {
            RoundingMode::Down => "round down to",
            RoundingMode::Up => "round up to",
            RoundingMode::Nearest => "round to the nearest",
        };
        write!(f, " → {mode} {} {}", number(rule.step), self.1)
    }
}

/// A fixed stack buffer for one decimal's digits (at most 29 digits, sign and point).
struct Buffer {
    bytes: [u8; 64],
    len: usize,
}

impl Default for Buffer {
    fn default() -> Self {
        Buffer {
            bytes: [0; 64],
            len: 0,
        }
    }
}

impl Buffer {
    fn as_str(&self) -> &str {
        self.bytes
            .get(..self.len)
            .and_then(|bytes| std::str::from_utf8(bytes).ok())
            .unwrap_or("")
    }
}

impl Write for Buffer {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        let end = self.len + text.len();
        let Some(free) = self.bytes.get_mut(self.len..end) else {
            return Err(fmt::Error);
        };
        free.copy_from_slice(text.as_bytes());
        self.len = end;
        Ok(())
    }
}

/// Write a plain decimal string with thousands separators in its integer part.
fn group(text: &str, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let (sign, rest) = match text.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", text),
    };
    let (int, frac) = match rest.split_once('.') {
        Some((int, frac)) => (int, Some(frac)),
        None => (rest, None),
    };
    f.write_str(sign)?;
    let lead = int.len() % 3;
    if lead > 0 {
        f.write_str(&int[..lead])?;
    }
    for (i, start) in (lead..int.len()).step_by(3).enumerate() {
        if i > 0 || lead > 0 {
            f.write_char(',')?;
        }
        f.write_str(&int[start..start + 3])?;
    }
    if let Some(frac) = frac {
        f.write_char('.')?;
        f.write_str(frac)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_and_numbers() {
        assert_eq!(money(Decimal::new(189000, 2)).to_string(), "1,890.00");
        assert_eq!(money(Decimal::new(779625, 0)).to_string(), "779,625.00");
        assert_eq!(money(Decimal::new(-10135125, 2)).to_string(), "-101,351.25");
        assert_eq!(money(Decimal::new(-35, 2)).to_string(), "-0.35");
        assert_eq!(money(Decimal::new(123456, 4)).to_string(), "12.3456");
        assert_eq!(
            money(Decimal::new(123456789, 0)).to_string(),
            "123,456,789.00"
        );
        assert_eq!(number(Decimal::new(4125000, 4)).to_string(), "412.5");
        assert_eq!(number(Decimal::new(12345678, 3)).to_string(), "12,345.678");
        assert_eq!(number(Decimal::new(100, 0)).to_string(), "100");
        assert_eq!(number(Decimal::ZERO).to_string(), "0");
        assert_eq!(
            number(Decimal::MAX).to_string(),
            "79,228,162,514,264,337,593,543,950,335"
        );
        assert_eq!(measure(1234567.0).to_string(), "1,234,567");
        assert_eq!(measure(f64::NAN).to_string(), "NaN");
        assert_eq!(percent(Decimal::new(30, 2)).to_string(), "30 %");
        assert_eq!(percent(Decimal::new(125, 3)).to_string(), "12.5 %");
    }

    #[test]
    fn roundings_in_words() {
        let yen = Rounding {
            step: Decimal::ONE,
            mode: RoundingMode::Down,
        };
        assert_eq!(
            rounding(Some(yen), Currency::Jpy).to_string(),
            " → round down to 1 JPY"
        );
        let cent = Rounding {
            step: Decimal::new(1, 2),
            mode: RoundingMode::Nearest,
        };
        assert_eq!(
            rounding(Some(cent), Currency::Usd).to_string(),
            " → round to the nearest 0.01 USD"
        );
        assert_eq!(rounding(None, Currency::Jpy).to_string(), "");
    }
}
