//! `contract aggregator` blocks: checked and lowered to [`AggregatorContract`].
//!
//! Money in a contract (fees, penalty) is in one currency, the first amount's; a contract
//! without any amount is in JPY. Shares become exact decimal fractions (`70%` → `0.7`), the
//! minimum bid kW (`1 MW` → `1000.0`), the state-of-charge floor an `f64` fraction.

use rust_decimal::Decimal;

use super::Checker;
use crate::ast::{ContractDecl, ContractItemKind, Quantity, ShareParty, Spanned};
use crate::diagnostic::{codes, did_you_mean, Diagnostic};
use crate::rules::{AggregatorContract, AggregatorFee, Currency, FeeBasis, Market};
use crate::source::Span;
use crate::units::{read_unit, UnitKind};

/// The statements of a contract, for "did you mean" and the help line.
const CONTRACT_ITEMS: &[&str] = &[
    "markets",
    "minimum bid",
    "minimum soc",
    "share",
    "fee",
    "max cycles",
    "penalty",
];

/// The minimum bid when a contract does not give one: 1 MW, the size from which a resource
/// bids alone in the balancing and capacity markets (FACTS.md, "Balancing market").
pub(super) const DEFAULT_MINIMUM_BID_KW: f64 = 1000.0;

/// The currency of a contract's money so far, and where it was first written.
pub(super) type MoneySeen = Option<(Currency, Span)>;

impl Checker<'_> {
    /// Checks one contract; `None` when it has an error (reported).
    pub(super) fn contract(&mut self, decl: &ContractDecl) -> Option<AggregatorContract> {
        let errors_before = self.error_count();
        let mut seen: Vec<(&'static str, Span)> = Vec::new();
        let mut money: MoneySeen = None;
        let mut markets: Option<Vec<Market>> = None;
        let mut minimum_bid_kw = Some(DEFAULT_MINIMUM_BID_KW);
        let mut shares: Option<(Decimal, Decimal)> = None;
        let mut share_given = false;
        let mut fees = Vec::new();
        let mut max_cycles_per_day = None;
        let mut minimum_soc = None;
        let mut penalty_per_kw = None;
        for item in &decl.items {
            let statement = match &item.kind {
                ContractItemKind::Markets(_) => Some("markets"),
                ContractItemKind::MinimumBid(_) => Some("minimum bid"),
                ContractItemKind::MinimumSoc(_) => Some("minimum soc"),
                ContractItemKind::Share(_) => Some("share"),
                ContractItemKind::MaxCycles(_) => Some("max cycles"),
                ContractItemKind::Penalty(_) => Some("penalty"),
                ContractItemKind::Fee { .. } | ContractItemKind::Unknown(_) => None,
            };
            if let Some(what) = statement {
                if !self.once_in_block(&mut seen, what, item.keyword) {
                    continue;
                }
            }
            match &item.kind {
                ContractItemKind::Markets(names) => markets = self.markets(names),
                ContractItemKind::MinimumBid(quantity) => {
                    minimum_bid_kw = self.minimum_bid(quantity);
                }
                ContractItemKind::MinimumSoc(quantity) => {
                    minimum_soc = self
                        .percent_in(
                            quantity,
                            Decimal::ZERO,
                            Decimal::ONE,
                            "a state of charge from 0% to 100%",
                        )
                        .and_then(decimal_f64);
                }
                ContractItemKind::Share(parts) => {
                    share_given = true;
                    shares = self.shares(parts, item.span);
                }
                ContractItemKind::Fee {
                    amount,
                    per_vehicle_month,
                } => {
                    if let Some(fee) = self.fee(amount, *per_vehicle_month, &mut money) {
                        fees.push(AggregatorFee {
                            origin: self.rule_ref(item.span),
                            ..fee
                        });
                    }
                }
                ContractItemKind::MaxCycles(number) => {
                    max_cycles_per_day = self.positive(number, "cycles per day");
                }
                ContractItemKind::Penalty(quantity) => {
                    let currency = money.map_or(Currency::Jpy, |(c, _)| c);
                    let expected = format!("{currency} per kW");
                    penalty_per_kw = self
                        .contract_money(quantity, &[UnitKind::MoneyPerKw], &expected, &mut money)
                        .and_then(|(amount, _)| self.not_negative(amount, quantity, "a penalty"));
                }
                ContractItemKind::Unknown(word) => self.unknown(word, CONTRACT_ITEMS, "contract"),
            }
        }
        for (what, example) in [
            ("markets", "markets spot, tertiary2"),
            ("share", "share fleet 70%, aggregator 30%"),
        ] {
            let given = if what == "share" {
                share_given
            } else {
                seen.iter().any(|(w, _)| *w == what)
            };
            if !given {
                self.report(
                    Diagnostic::error(
                        codes::MISSING,
                        format!("contract \"{}\" has no `{what}`", decl.name.value),
                        decl.name.span,
                        format!("needs `{what} …`"),
                    )
                    .with_help(format!("add `{example}`")),
                );
            }
        }
        if self.error_count() > errors_before {
            return None;
        }
        let (fleet_share, aggregator_share) = shares?;
        Some(AggregatorContract {
            name: decl.name.value.clone(),
            origin: self.rule_ref(decl.span),
            currency: money.map_or(Currency::Jpy, |(c, _)| c),
            markets: markets?,
            minimum_bid_kw: minimum_bid_kw?,
            fleet_share,
            aggregator_share,
            fees,
            max_cycles_per_day,
            minimum_soc,
            penalty_per_kw,
        })
    }

    /// How many errors have been reported so far.
    pub(super) fn error_count(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.is_error()).count()
    }

    /// Reports the second of two statements that may appear once in a block (`what` as the
    /// user writes it, `keyword` the span of its leading words).
    pub(super) fn once_in_block(
        &mut self,
        seen: &mut Vec<(&'static str, Span)>,
        what: &'static str,
        keyword: Span,
    ) -> bool {
        if let Some(&(_, first)) = seen.iter().find(|(w, _)| *w == what) {
            self.report(
                Diagnostic::error(
                    codes::DUPLICATE,
                    format!("`{what}` is given twice"),
                    keyword,
                    "given again here",
                )
                .with_label(first, "first given here")
                .with_help("keep one of them"),
            );
            return false;
        }
        seen.push((what, keyword));
        true
    }

    fn markets(&mut self, names: &[Spanned<String>]) -> Option<Vec<Market>> {
        let mut markets: Vec<(Market, Span)> = Vec::new();
        let mut ok = true;
        for name in names {
            let Some(market) = Market::from_keyword(&name.value) else {
                let known = Market::ALL.map(Market::keyword);
                let diagnostic = Diagnostic::error(
                    codes::UNKNOWN_MARKET,
                    format!("unknown market `{}`", name.value),
                    name.span,
                    "not a market",
                );
                self.report(match did_you_mean(&name.value, known) {
                    Some(suggestion) => {
                        diagnostic.with_help(format!("did you mean `{suggestion}`?"))
                    }
                    None => diagnostic.with_help(format!("markets are {}", known.join(", "))),
                });
                ok = false;
                continue;
            };
            if let Some(&(_, first)) = markets.iter().find(|(m, _)| *m == market) {
                self.report(
                    Diagnostic::error(
                        codes::DUPLICATE_MARKET,
                        format!("market `{market}` is listed twice"),
                        name.span,
                        "listed again here",
                    )
                    .with_label(first, "first listed here")
                    .with_help("list each market once"),
                );
                ok = false;
                continue;
            }
            markets.push((market, name.span));
        }
        ok.then(|| markets.into_iter().map(|(m, _)| m).collect())
    }

    /// `minimum bid Q` in kW or MW, above zero, as kW.
    fn minimum_bid(&mut self, quantity: &Quantity) -> Option<f64> {
        let unit = quantity.unit_text.value.as_str();
        let scale = match unit {
            "kW" => Decimal::ONE,
            "MW" => Decimal::ONE_THOUSAND,
            _ => {
                let diagnostic = match read_unit(quantity) {
                    // A word that is no unit at all: a case slip of kW or MW is said so.
                    Err(diagnostic) => match did_you_mean(unit, ["kW", "MW"]) {
                        Some(s) if s.eq_ignore_ascii_case(unit) => (*diagnostic)
                            .with_help(format!("did you mean `{s}`? (units are case-sensitive)")),
                        _ => *diagnostic,
                    },
                    Ok(_) => Diagnostic::error(
                        codes::WRONG_UNIT,
                        format!("expected kW or MW, found {unit}"),
                        quantity.unit_text.span,
                        "expected kW or MW",
                    )
                    .with_help("a minimum bid is a power: write it in kW or MW (1 MW = 1000 kW)"),
                };
                self.report(diagnostic);
                return None;
            }
        };
        let value = self.number(&quantity.number)? * scale;
        if value <= Decimal::ZERO {
            self.report(
                Diagnostic::error(
                    codes::BAD_NUMBER,
                    format!(
                        "a minimum bid of {} {unit} is not above zero",
                        quantity.number.value
                    ),
                    quantity.span,
                    "expected a power above zero",
                )
                .with_help("leave `minimum bid` out for the usual 1 MW"),
            );
            return None;
        }
        decimal_f64(value)
    }

    /// `share fleet P%, aggregator Q%`: both parties once, each 0–100 %, summing to 100 %.
    fn shares(
        &mut self,
        parts: &[(Spanned<ShareParty>, Quantity)],
        statement: Span,
    ) -> Option<(Decimal, Decimal)> {
        let mut fleet: Option<(Option<Decimal>, Span)> = None;
        let mut aggregator: Option<(Option<Decimal>, Span)> = None;
        let mut ok = true;
        for (party, quantity) in parts {
            let (earlier, name) = match party.value {
                ShareParty::Fleet => (fleet, "fleet"),
                ShareParty::Aggregator => (aggregator, "aggregator"),
            };
            if let Some((_, first)) = earlier {
                self.report(
                    Diagnostic::error(
                        codes::SHARES,
                        format!("the {name}'s share is given twice"),
                        party.span,
                        "given again here",
                    )
                    .with_label(first, "first given here")
                    .with_help("write `share fleet 70%, aggregator 30%`: each party once"),
                );
                ok = false;
                continue;
            }
            let value = self.percent_in(
                quantity,
                Decimal::ZERO,
                Decimal::ONE,
                "a share from 0% to 100%",
            );
            ok &= value.is_some();
            match party.value {
                ShareParty::Fleet => fleet = Some((value, party.span)),
                ShareParty::Aggregator => aggregator = Some((value, party.span)),
            }
        }
        for (slot, name) in [(&fleet, "fleet"), (&aggregator, "aggregator")] {
            if slot.is_none() {
                self.report(
                    Diagnostic::error(
                        codes::SHARES,
                        format!("the {name}'s share is missing"),
                        statement,
                        format!("no `{name}` share"),
                    )
                    .with_help("name both parties: `share fleet 70%, aggregator 30%`"),
                );
                ok = false;
            }
        }
        if !ok {
            return None;
        }
        let ((Some(fleet), fleet_span), (Some(aggregator), _)) = (fleet?, aggregator?) else {
            return None;
        };
        let sum = fleet + aggregator;
        if sum != Decimal::ONE {
            let percent = |d: Decimal| (d * Decimal::ONE_HUNDRED).normalize();
            self.report(
                Diagnostic::error(
                    codes::SHARES,
                    format!("the shares add up to {}%, not 100%", percent(sum)),
                    Span {
                        start: fleet_span.start,
                        ..statement
                    },
                    format!(
                        "{}% + {}% = {}%",
                        percent(fleet),
                        percent(aggregator),
                        percent(sum)
                    ),
                )
                .with_help(format!(
                    "the fleet and the aggregator split the whole revenue: with the fleet at {}%, the aggregator's share is {}%",
                    percent(fleet),
                    percent(Decimal::ONE - fleet)
                )),
            );
            return None;
        }
        Some((fleet.normalize(), aggregator.normalize()))
    }

    /// `fee AMOUNT per kWh | per month | per vehicle per month`.
    fn fee(
        &mut self,
        amount: &Quantity,
        per_vehicle_month: Option<Span>,
        money: &mut MoneySeen,
    ) -> Option<AggregatorFee> {
        let currency = money.map_or(Currency::Jpy, |(c, _)| c);
        let (allowed, expected): (&[UnitKind], String) = if per_vehicle_month.is_some() {
            (
                &[UnitKind::Money],
                format!("{currency} before `per vehicle per month`"),
            )
        } else {
            (
                &[UnitKind::MoneyPerKwh, UnitKind::MoneyPerMonth],
                format!(
                    "{currency} per kWh, {currency} per month or {currency} per vehicle per month"
                ),
            )
        };
        let (value, kind) = self.contract_money(amount, allowed, &expected, money)?;
        let value = self.not_negative(value, amount, "a fee")?;
        let basis = match kind {
            UnitKind::MoneyPerKwh => FeeBasis::Kwh,
            UnitKind::MoneyPerMonth => FeeBasis::Month,
            _ => FeeBasis::VehicleMonth,
        };
        Some(AggregatorFee {
            amount: value,
            basis,
            origin: self.rule_ref(amount.span),
        })
    }

    /// An amount of money of one of the `allowed` kinds, in the contract's one currency
    /// (set by the first amount).
    pub(super) fn contract_money(
        &mut self,
        quantity: &Quantity,
        allowed: &[UnitKind],
        expected: &str,
        money: &mut MoneySeen,
    ) -> Option<(Decimal, UnitKind)> {
        let unit = match read_unit(quantity) {
            Ok(unit) => unit,
            Err(diagnostic) => {
                self.report(*diagnostic);
                return None;
            }
        };
        let Some(unit) = unit.filter(|u| allowed.contains(&u.kind)) else {
            let mut diagnostic = Diagnostic::error(
                codes::WRONG_UNIT,
                format!("expected {expected}, found {}", quantity.unit_text.value),
                quantity.unit_text.span,
                format!("expected {expected}"),
            );
            if allowed.contains(&UnitKind::MoneyPerMonth) {
                diagnostic = diagnostic.with_help(
                    "say what the fee is charged on: `per kWh`, `per month` or `per vehicle per month`",
                );
            }
            self.report(diagnostic);
            return None;
        };
        if let Some(currency) = unit.currency {
            match *money {
                Some((first, first_span)) if first != currency => {
                    self.report(
                        Diagnostic::error(
                            codes::CURRENCY_MISMATCH,
                            format!("amount in {currency}, but the contract's amounts are in {first}"),
                            quantity.unit_text.span,
                            format!("expected {first}"),
                        )
                        .with_label(first_span, "the contract's first amount")
                        .with_help(format!(
                            "a contract's fees and penalty are in one currency: convert the figure to {first}"
                        )),
                    );
                    return None;
                }
                Some(_) => {}
                None => *money = Some((currency, quantity.unit_text.span)),
            }
        }
        let value = self.number(&quantity.number)?;
        Some((value, unit.kind))
    }

    /// `value`, unless it is below zero (reported as `what` cannot be negative).
    pub(super) fn not_negative(
        &mut self,
        value: Decimal,
        quantity: &Quantity,
        what: &str,
    ) -> Option<Decimal> {
        if value < Decimal::ZERO {
            self.report(Diagnostic::error(
                codes::BAD_NUMBER,
                format!("{what} cannot be negative"),
                quantity.number.span,
                "expected 0 or more",
            ));
            return None;
        }
        Some(value.normalize())
    }

    /// A bare number (`max cycles 1.5 per day`) that must be above zero.
    pub(super) fn positive(&mut self, number: &Spanned<String>, what: &str) -> Option<f64> {
        let value = self.number(number)?;
        if value <= Decimal::ZERO {
            self.report(Diagnostic::error(
                codes::BAD_NUMBER,
                format!("{} {what} is not above zero", number.value),
                number.span,
                "expected a number above zero",
            ));
            return None;
        }
        decimal_f64(value)
    }
}

/// A decimal as the nearest `f64` (through its shortest text, which Rust's float parser
/// rounds correctly: `0.3` becomes the same `f64` as the literal `0.3`).
pub(super) fn decimal_f64(value: Decimal) -> Option<f64> {
    value.normalize().to_string().parse().ok()
}
