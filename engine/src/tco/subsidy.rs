//! Subsidy awards: which compiled `subsidy` rules pay for an item, and how much.
//!
//! For each item, the rules of its kind are tried national programmes first, then local ones,
//! each group in source order. A rule pays when the purchase date lies in its window, no
//! subsidy it `excludes` has already paid for the item, and its condition holds. Its amount is
//! computed with `awarded` = what earlier rules already gave the item, rounded as the rule says
//! (default: down to 1 JPY), never below zero, and capped so that the item's awards together
//! never exceed its cost (`price`, or `equipment_price + works_price` for a charger); the trace
//! says when a cap binds. Amounts are per item: the caller multiplies by counts.
//!
//! Design and the Japanese package's figures: `docs/subsidies.md`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::str::FromStr;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use voltlex_dsl::rules::{
    AmountExpr, AttributeType, CompareValue, RuleRef, SubsidyCondition, SubsidyRule, AWARDED,
};

/// What an item is (the language's `applies to` word).
pub use voltlex_dsl::rules::SubsidyItemKind as ItemKind;

/// The value of one attribute of an item.
#[derive(Debug, Clone, PartialEq)]
pub enum AttributeValue {
    /// kW, kWh or t (the unit is the attribute's, see `ItemKind::attributes`).
    Number(f64),
    /// JPY, before tax.
    Money(Decimal),
    /// A text (`"BEV"`, `"fast"`).
    Text(String),
    /// Yes or no.
    Flag(bool),
}

impl AttributeValue {
    fn describe(&self) -> String {
        match self {
            AttributeValue::Number(x) => format!("the number {x}"),
            AttributeValue::Money(m) => format!("the amount {m} JPY"),
            AttributeValue::Text(t) => format!("the text \"{t}\""),
            AttributeValue::Flag(f) => format!("the flag {f}"),
        }
    }
}

/// One thing bought: a vehicle, a charger, a stationary battery, solar panels.
///
/// ```
/// use rust_decimal::Decimal;
/// use voltlex_engine::tco::subsidy::{AttributeValue, Item, ItemKind};
/// let charger = Item::new(ItemKind::Charger, "depot charger")
///     .with("type", AttributeValue::Text("normal".into()))
///     .with("power", AttributeValue::Number(6.0))
///     .with("equipment_price", AttributeValue::Money(Decimal::from(400_000)))
///     .with("works_price", AttributeValue::Money(Decimal::from(800_000)));
/// assert_eq!(charger.cost(), Some(Decimal::from(1_200_000)));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    /// What it is.
    pub kind: ItemKind,
    /// Its name, for awards and errors.
    pub name: String,
    /// Its attributes by name (see `ItemKind::attributes` for the known ones).
    pub attributes: BTreeMap<String, AttributeValue>,
}

impl Item {
    /// An item without attributes.
    pub fn new(kind: ItemKind, name: impl Into<String>) -> Item {
        Item {
            kind,
            name: name.into(),
            attributes: BTreeMap::new(),
        }
    }

    /// The item with one more attribute.
    pub fn with(mut self, attribute: impl Into<String>, value: AttributeValue) -> Item {
        self.attributes.insert(attribute.into(), value);
        self
    }

    /// What the item costs, which its subsidies together may not exceed: `price`, or for a
    /// charger `equipment_price + works_price`; `None` when one of them is not given as money.
    pub fn cost(&self) -> Option<Decimal> {
        self.kind
            .cost_attributes()
            .iter()
            .map(|name| match self.attributes.get(*name) {
                Some(AttributeValue::Money(m)) => Some(*m),
                _ => None,
            })
            .sum()
    }
}

/// Money a subsidy gives one item.
#[derive(Debug, Clone, PartialEq)]
pub struct Award {
    /// The subsidy's name.
    pub subsidy: String,
    /// Its programme.
    pub programme: String,
    /// The item's name.
    pub item: String,
    /// JPY, above zero.
    pub amount: Decimal,
    /// The arithmetic, with the item's values, rounding and any cap.
    pub trace: String,
    /// Where the subsidy's `amount` is written.
    pub rule: RuleRef,
}

/// Which attribute of which item a rule could not read.
#[derive(Debug, Clone, PartialEq)]
pub struct AttributeProblem {
    /// The item's kind.
    pub kind: ItemKind,
    /// The item.
    pub item: String,
    /// The attribute.
    pub attribute: String,
    /// What the rule needs (empty when the attribute is missing).
    pub expected: String,
    /// What the item has (empty when the attribute is missing).
    pub found: String,
    /// The subsidy.
    pub subsidy: String,
    /// Where the rule reads it.
    pub rule: RuleRef,
}

/// Why awards cannot be computed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SubsidyError {
    /// A rule needs an attribute the item lacks.
    #[error(
        "{} \"{}\" has no `{}`, which subsidy \"{}\" ({}) needs",
        .0.kind, .0.item, .0.attribute, .0.subsidy, .0.rule
    )]
    MissingAttribute(Box<AttributeProblem>),
    /// An attribute holds a value of the wrong kind.
    #[error(
        "{} \"{}\": `{}` should be {}, found {} (subsidy \"{}\", {})",
        .0.kind, .0.item, .0.attribute, .0.expected, .0.found, .0.subsidy, .0.rule
    )]
    WrongAttribute(Box<AttributeProblem>),
    /// Arithmetic left the range of decimal numbers.
    #[error("subsidy \"{subsidy}\" ({rule}) for \"{item}\": the amount overflows")]
    Overflow {
        /// The item.
        item: String,
        /// The subsidy.
        subsidy: String,
        /// Where the amount is written.
        rule: RuleRef,
    },
}

/// The awards of `rules` to `items` bought on `date`, item by item in the order given, each
/// item's awards in the order they were stacked (national, then local; source order within).
///
/// ```
/// use chrono::NaiveDate;
/// use rust_decimal::Decimal;
/// use voltlex_engine::tco::subsidy::{awards, AttributeValue, Item, ItemKind};
/// let rules = voltlex_dsl::compile_text("s.vlx", r#"
/// subsidy "National" {
///   programme "N" national
///   applies to charger where type == "normal"
///   amount min(350000 JPY, 50% of equipment_price) + min(1350000 JPY, works_price)
/// }
/// subsidy "Local" {
///   programme "L" local
///   applies to charger
///   amount min(680000 JPY, works_price - awarded)
/// }"#).rules;
/// let charger = Item::new(ItemKind::Charger, "c1")
///     .with("type", AttributeValue::Text("normal".into()))
///     .with("equipment_price", AttributeValue::Money(Decimal::from(400_000)))
///     .with("works_price", AttributeValue::Money(Decimal::from(2_000_000)));
/// let date = NaiveDate::from_ymd_opt(2025, 6, 1).unwrap();
/// let got = awards(&rules.subsidies, &[charger], date).unwrap();
/// // National: 200,000 + 1,350,000; local: min(680,000, 2,000,000 − 1,550,000).
/// assert_eq!(got[0].amount, Decimal::from(1_550_000));
/// assert_eq!(got[1].amount, Decimal::from(450_000));
/// ```
pub fn awards(
    rules: &[SubsidyRule],
    items: &[Item],
    date: NaiveDate,
) -> Result<Vec<Award>, SubsidyError> {
    // National first, then local; a stable sort keeps source order within each.
    let mut ordered: Vec<&SubsidyRule> = rules.iter().collect();
    ordered.sort_by_key(|rule| rule.level);
    let mut out = Vec::new();
    for item in items {
        let mut awarded = Decimal::ZERO;
        let mut paid: Vec<&str> = Vec::new();
        for rule in ordered.iter().filter(|r| r.applies_to == item.kind) {
            if rule
                .window
                .is_some_and(|(first, last)| date < first || date > last)
            {
                continue;
            }
            if rule.excludes.iter().any(|e| paid.contains(&e.as_str())) {
                continue;
            }
            let context = Context {
                rule,
                item,
                awarded,
            };
            if let Some(condition) = &rule.condition {
                if !context.holds(condition)? {
                    continue;
                }
            }
            let (raw, arithmetic) = context.amount(&rule.amount)?;
            let mut trace = format!("{} = {arithmetic}", rule.amount_text);
            let rounded = rule.rounding.apply(raw);
            if rounded != raw {
                let _ = write!(
                    trace,
                    "; rounded {} to {} JPY: {}",
                    match rule.rounding.mode {
                        voltlex_dsl::rules::RoundingMode::Down => "down",
                        voltlex_dsl::rules::RoundingMode::Up => "up",
                        voltlex_dsl::rules::RoundingMode::Nearest => "to nearest",
                    },
                    rule.rounding.step,
                    rounded
                );
            }
            let mut amount = rounded;
            if amount < Decimal::ZERO {
                let _ = write!(trace, "; below zero: nothing");
                amount = Decimal::ZERO;
            }
            let cost = context.cost()?;
            let room = (cost - awarded).max(Decimal::ZERO);
            if amount > room {
                let _ = write!(
                    trace,
                    "; capped at the item's cost {cost} less {awarded} already awarded: {room}"
                );
                amount = room;
            }
            if amount > Decimal::ZERO {
                awarded += amount;
                paid.push(&rule.name);
                out.push(Award {
                    subsidy: rule.name.clone(),
                    programme: rule.programme.clone(),
                    item: item.name.clone(),
                    amount: amount.normalize(),
                    trace,
                    rule: rule.amount_origin.clone(),
                });
            }
        }
    }
    Ok(out)
}

/// One rule applied to one item.
struct Context<'a> {
    rule: &'a SubsidyRule,
    item: &'a Item,
    awarded: Decimal,
}

impl Context<'_> {
    fn problem(&self, attribute: &str, rule: &RuleRef) -> Box<AttributeProblem> {
        Box::new(AttributeProblem {
            kind: self.item.kind,
            item: self.item.name.clone(),
            attribute: attribute.to_string(),
            expected: String::new(),
            found: String::new(),
            subsidy: self.rule.name.clone(),
            rule: rule.clone(),
        })
    }

    fn missing(&self, attribute: &str, rule: &RuleRef) -> SubsidyError {
        SubsidyError::MissingAttribute(self.problem(attribute, rule))
    }

    fn wrong(
        &self,
        attribute: &str,
        expected: &str,
        found: &AttributeValue,
        rule: &RuleRef,
    ) -> SubsidyError {
        let mut problem = self.problem(attribute, rule);
        problem.expected = expected.to_string();
        problem.found = found.describe();
        SubsidyError::WrongAttribute(problem)
    }

    fn attribute(&self, name: &str, rule: &RuleRef) -> Result<&AttributeValue, SubsidyError> {
        self.item
            .attributes
            .get(name)
            .ok_or_else(|| self.missing(name, rule))
    }

    /// The item's cost, which caps its awards.
    fn cost(&self) -> Result<Decimal, SubsidyError> {
        let origin = &self.rule.origin;
        let mut cost = Decimal::ZERO;
        for name in self.item.kind.cost_attributes() {
            match self.attribute(name, origin)? {
                AttributeValue::Money(m) => cost += *m,
                other => return Err(self.wrong(name, "money (JPY)", other, origin)),
            }
        }
        Ok(cost)
    }

    fn holds(&self, condition: &SubsidyCondition) -> Result<bool, SubsidyError> {
        let origin = &self.rule.condition_origin;
        Ok(match condition {
            SubsidyCondition::All(terms) => {
                for term in terms {
                    if !self.holds(term)? {
                        return Ok(false);
                    }
                }
                true
            }
            SubsidyCondition::Any(terms) => {
                for term in terms {
                    if self.holds(term)? {
                        return Ok(true);
                    }
                }
                false
            }
            SubsidyCondition::Not(inner) => !self.holds(inner)?,
            SubsidyCondition::Flag(name) => match self.attribute(name, origin)? {
                AttributeValue::Flag(flag) => *flag,
                other => return Err(self.wrong(name, "a flag", other, origin)),
            },
            SubsidyCondition::Compare {
                attribute,
                op,
                value,
            } => {
                let found = self.attribute(attribute, origin)?;
                let ordering = match (found, value) {
                    (AttributeValue::Number(x), CompareValue::Number(y)) if x.is_finite() => {
                        x.total_cmp(y)
                    }
                    (AttributeValue::Money(x), CompareValue::Money(y)) => x.cmp(y),
                    (AttributeValue::Text(x), CompareValue::Text(y)) => x.cmp(y),
                    (AttributeValue::Flag(x), CompareValue::Flag(y)) => x.cmp(y),
                    (other, expected) => {
                        let expected = match expected {
                            CompareValue::Number(_) => "a finite number",
                            CompareValue::Money(_) => "money (JPY)",
                            CompareValue::Text(_) => "a text",
                            CompareValue::Flag(_) => "a flag",
                        };
                        return Err(self.wrong(attribute, expected, other, origin));
                    }
                };
                op.holds(ordering)
            }
        })
    }

    /// The amount's value and its arithmetic with the item's values.
    fn amount(&self, expr: &AmountExpr) -> Result<(Decimal, String), SubsidyError> {
        let overflow = || SubsidyError::Overflow {
            item: self.item.name.clone(),
            subsidy: self.rule.name.clone(),
            rule: self.rule.amount_origin.clone(),
        };
        let origin = &self.rule.amount_origin;
        Ok(match expr {
            AmountExpr::Constant(value) => (*value, value.to_string()),
            AmountExpr::Awarded => (self.awarded, format!("{} ({AWARDED})", self.awarded)),
            AmountExpr::Attribute(name) => {
                let found = self.attribute(name, origin)?;
                let wanted = self
                    .rule
                    .applies_to
                    .attribute(name)
                    .map_or(AttributeType::Money, |spec| spec.kind);
                let value = match (wanted, found) {
                    (AttributeType::Money, AttributeValue::Money(m)) => *m,
                    (AttributeType::Money, other) => {
                        return Err(self.wrong(name, "money (JPY)", other, origin))
                    }
                    (_, AttributeValue::Number(x)) => decimal(*x)
                        .ok_or_else(|| self.wrong(name, "a finite number", found, origin))?,
                    (_, other) => return Err(self.wrong(name, "a number", other, origin)),
                };
                (value, format!("{value} ({name})"))
            }
            AmountExpr::ShareOf {
                share_text,
                share,
                of,
            } => {
                let (value, text) = self.amount(of)?;
                let result = share.checked_mul(value).ok_or_else(overflow)?;
                (result, format!("{share_text} of {}", grouped(of, text)))
            }
            AmountExpr::Add(a, b) | AmountExpr::Subtract(a, b) | AmountExpr::Multiply(a, b) => {
                let (x, x_text) = self.amount(a)?;
                let (y, y_text) = self.amount(b)?;
                let (value, symbol) = match expr {
                    AmountExpr::Add(..) => (x.checked_add(y), "+"),
                    AmountExpr::Subtract(..) => (x.checked_sub(y), "-"),
                    _ => (x.checked_mul(y), "×"),
                };
                let value = value.ok_or_else(overflow)?;
                let (x_text, y_text) = match expr {
                    AmountExpr::Add(..) => (x_text, y_text),
                    AmountExpr::Subtract(..) => (x_text, grouped(b, y_text)),
                    _ => (grouped(a, x_text), grouped(b, y_text)),
                };
                (value, format!("{x_text} {symbol} {y_text}"))
            }
            AmountExpr::Min(items) | AmountExpr::Max(items) => {
                let is_min = matches!(expr, AmountExpr::Min(_));
                let mut best: Option<Decimal> = None;
                let mut texts = Vec::with_capacity(items.len());
                for item in items {
                    let (value, text) = self.amount(item)?;
                    texts.push(text);
                    best = Some(match best {
                        None => value,
                        Some(b) if is_min => b.min(value),
                        Some(b) => b.max(value),
                    });
                }
                let value = best.unwrap_or(Decimal::ZERO);
                let name = if is_min { "min" } else { "max" };
                (
                    value,
                    format!("{name}({}) = {}", texts.join(", "), value.normalize()),
                )
            }
        })
    }
}

/// `text` in parentheses when `expr` is a sum or difference inside a product or share.
fn grouped(expr: &AmountExpr, text: String) -> String {
    match expr {
        AmountExpr::Add(..) | AmountExpr::Subtract(..) => format!("({text})"),
        _ => text,
    }
}

/// An `f64` as the decimal of its shortest text (`6.6` stays 6.6); `None` if not finite.
fn decimal(x: f64) -> Option<Decimal> {
    if !x.is_finite() {
        return None;
    }
    Decimal::from_str(&x.to_string())
        .or_else(|_| Decimal::from_scientific(&format!("{x:e}")))
        .ok()
}
