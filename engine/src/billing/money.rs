//! Decimal money arithmetic for bills: kWh and kW quantities as decimals, checked products
//! and sums, and the rounding that applies to a line.

use rust_decimal::Decimal;
use voltlex_dsl::rules::{Currency, Rounding, RoundingMode};

use super::error::BillingError;
use crate::month::YearMonth;

/// Largest energy or power figure accepted (kWh or kW); far beyond any meter.
const MAX_QUANTITY: f64 = 1.0e15;

/// A kWh or kW figure as a decimal rounded to 3 places, half away from zero; `None` when it
/// is not finite or beyond any plausible meter reading.
///
/// The figure is scaled to thousandths in `f64` and rounded there, which is exact for
/// meter-sized values and keeps the conversion cheap enough for per-interval use.
pub(crate) fn quantity(value: f64) -> Option<Decimal> {
    if !value.is_finite() || value.abs() > MAX_QUANTITY {
        return None;
    }
    let thousandths = (value * 1000.0).round();
    Some(Decimal::new(thousandths as i64, 3).normalize())
}

/// [`quantity`] for a figure of a month, with an error naming it when out of range.
pub(crate) fn month_quantity(
    value: f64,
    what: &str,
    month: YearMonth,
) -> Result<Decimal, BillingError> {
    quantity(value).ok_or_else(|| overflow(what, month))
}

/// `a × b`, or an overflow error naming the step.
pub(crate) fn mul(
    a: Decimal,
    b: Decimal,
    what: &str,
    month: YearMonth,
) -> Result<Decimal, BillingError> {
    a.checked_mul(b).ok_or_else(|| overflow(what, month))
}

/// `a + b`, or an overflow error naming the step.
pub(crate) fn add(
    a: Decimal,
    b: Decimal,
    what: &str,
    month: YearMonth,
) -> Result<Decimal, BillingError> {
    a.checked_add(b).ok_or_else(|| overflow(what, month))
}

/// `a − b`, or an overflow error naming the step.
pub(crate) fn sub(
    a: Decimal,
    b: Decimal,
    what: &str,
    month: YearMonth,
) -> Result<Decimal, BillingError> {
    a.checked_sub(b).ok_or_else(|| overflow(what, month))
}

/// `a ÷ b`, or an overflow error naming the step (`b` is never zero here).
pub(crate) fn div(
    a: Decimal,
    b: Decimal,
    what: &str,
    month: YearMonth,
) -> Result<Decimal, BillingError> {
    a.checked_div(b).ok_or_else(|| overflow(what, month))
}

/// Round `amount` by `rounding` (no rounding: unchanged).
pub(crate) fn round(
    amount: Decimal,
    rounding: Option<Rounding>,
    what: &str,
    month: YearMonth,
) -> Result<Decimal, BillingError> {
    match rounding {
        None => Ok(amount),
        Some(rule) if rule.step.is_zero() => Ok(amount),
        Some(rule) => {
            // `Rounding::apply` divides by the step; make sure that cannot overflow.
            amount
                .checked_div(rule.step)
                .ok_or_else(|| overflow(what, month))?;
            Ok(rule.apply(amount))
        }
    }
}

/// The smallest unit of a currency: 1 JPY, 0.01 USD.
pub(crate) fn currency_unit(currency: Currency) -> Decimal {
    match currency {
        Currency::Jpy => Decimal::ONE,
        Currency::Usd => Decimal::new(1, 2),
    }
}

/// Rounding down (toward zero) to the currency's smallest unit.
pub(crate) fn down_to_unit(currency: Currency) -> Rounding {
    Rounding {
        step: currency_unit(currency),
        mode: RoundingMode::Down,
    }
}

fn overflow(what: &str, month: YearMonth) -> BillingError {
    BillingError::Overflow {
        what: what.to_string(),
        month,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities_round_to_three_places() {
        assert_eq!(quantity(412.5), Some(Decimal::new(4125, 1)));
        assert_eq!(quantity(0.0004), Some(Decimal::ZERO));
        assert_eq!(quantity(1.0006), Some(Decimal::new(1001, 3)));
        assert_eq!(quantity(-2.25), Some(Decimal::new(-225, 2)));
        assert_eq!(quantity(f64::NAN), None);
        assert_eq!(quantity(1e300), None);
    }

    #[test]
    fn rounding_none_keeps_the_amount() {
        let month = YearMonth::new(2024, 4).unwrap();
        let amount = Decimal::new(12345, 3);
        assert_eq!(round(amount, None, "x", month).unwrap(), amount);
        let yen = down_to_unit(Currency::Jpy);
        assert_eq!(
            round(amount, Some(yen), "x", month).unwrap(),
            Decimal::new(12, 0)
        );
        assert!(round(
            Decimal::MAX,
            Some(Rounding {
                step: Decimal::new(1, 2),
                mode: RoundingMode::Down
            }),
            "x",
            month
        )
        .is_err());
    }
}
