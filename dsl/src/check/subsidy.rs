//! `subsidy` blocks: checked and lowered to [`SubsidyRule`].
//!
//! Every attribute is looked up in the item kind's table ([`SubsidyItemKind::attributes`]),
//! every value compared with one is checked against its type and unit, and an amount is
//! type-checked to come out in money: money ± money, money per unit × quantity of that unit,
//! money × plain number, a share of money, min/max of one kind. Amounts are in JPY, like the
//! money attributes. `excludes` is checked against the package's subsidy names by the driver.

use rust_decimal::Decimal;

use super::contract::decimal_f64;
use super::Checker;
use crate::ast::{
    self, CompareWord, ConditionValue, ItemClass, LevelWord, MoneyExpr, MoneyExprKind,
    MoneyFunction, MoneyOp, Quantity, Share, Spanned, SubsidyDecl, SubsidyItemKind as Stmt,
};
use crate::diagnostic::{codes, did_you_mean, Diagnostic};
use crate::rules::{
    AmountExpr, AttributeSpec, AttributeType, CompareOp, CompareValue, ProgrammeLevel, Rounding,
    RoundingMode, SubsidyCondition, SubsidyItemKind, SubsidyRule, AWARDED,
};
use crate::source::Span;
use crate::units::UnitKind;

/// The statements of a subsidy, for "did you mean" and the help line.
const SUBSIDY_ITEMS: &[&str] = &[
    "programme",
    "applies to",
    "amount",
    "window",
    "excludes",
    "round",
];

/// What a quantity, an attribute or a part of an amount measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ty {
    /// JPY.
    Money,
    /// JPY per kW, kWh or t.
    MoneyPer(AttributeType),
    /// kW, kWh or t.
    Measure(AttributeType),
    /// A number without a unit.
    Plain,
}

impl Ty {
    fn describe(self) -> String {
        match self {
            Ty::Money => "money (JPY)".to_string(),
            Ty::MoneyPer(unit) => format!("JPY per {}", unit.unit().unwrap_or("unit")),
            Ty::Measure(unit) => format!("a quantity in {}", unit.unit().unwrap_or("units")),
            Ty::Plain => "a plain number".to_string(),
        }
    }
}

/// The unit atoms a measure may be written in.
fn measure_of(atom: &str) -> Option<AttributeType> {
    match atom {
        "kW" => Some(AttributeType::Power),
        "kWh" => Some(AttributeType::Energy),
        "t" => Some(AttributeType::Mass),
        _ => None,
    }
}

fn item_kind(class: ItemClass) -> SubsidyItemKind {
    match class {
        ItemClass::Vehicle => SubsidyItemKind::Vehicle,
        ItemClass::Charger => SubsidyItemKind::Charger,
        ItemClass::Battery => SubsidyItemKind::Battery,
        ItemClass::Pv => SubsidyItemKind::Pv,
    }
}

/// The names of a kind's attributes, for messages.
fn attribute_list(kind: SubsidyItemKind) -> String {
    kind.attributes()
        .iter()
        .map(|a| match a.kind.unit() {
            Some(unit) => format!("{} ({unit})", a.name),
            None if a.kind == AttributeType::Flag => format!("{} (flag)", a.name),
            None => format!("{} (text)", a.name),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

impl Checker<'_> {
    /// Checks one subsidy; `None` when it has an error (reported).
    pub(super) fn subsidy(&mut self, decl: &SubsidyDecl) -> Option<SubsidyRule> {
        let errors_before = self.error_count();
        let mut seen: Vec<(&'static str, Span)> = Vec::new();
        let mut programme = None;
        let mut applies = None;
        let mut amount_stmt = None;
        let mut window = None;
        let mut excludes: Vec<String> = Vec::new();
        let mut rounding = Rounding {
            step: Decimal::ONE,
            mode: RoundingMode::Down,
        };
        for item in &decl.items {
            let what = match &item.kind {
                Stmt::Programme { .. } => "programme",
                Stmt::AppliesTo { .. } => "applies to",
                Stmt::Amount(_) => "amount",
                Stmt::Window { .. } => "window",
                Stmt::Excludes(_) => "excludes",
                Stmt::Round(_) => "round",
                Stmt::Unknown(word) => {
                    self.unknown(word, SUBSIDY_ITEMS, "subsidy");
                    continue;
                }
            };
            if !self.once_in_block(&mut seen, what, item.keyword) {
                continue;
            }
            match &item.kind {
                Stmt::Programme { name, level } => {
                    let level = match level.value {
                        LevelWord::National => ProgrammeLevel::National,
                        LevelWord::Local => ProgrammeLevel::Local,
                    };
                    programme = Some((name.value.clone(), level));
                }
                Stmt::AppliesTo {
                    item: class,
                    condition,
                } => {
                    let kind = item_kind(class.value);
                    let condition = match condition {
                        Some(condition) => self.condition(kind, condition).map(Some),
                        None => Some(None),
                    };
                    applies = Some((kind, condition, item.span));
                }
                Stmt::Amount(expr) => amount_stmt = Some((expr, item.span)),
                Stmt::Window { start, end } => window = self.window(start, end),
                Stmt::Excludes(names) => {
                    excludes = names.iter().map(|n| n.value.clone()).collect();
                }
                Stmt::Round(spec) => {
                    if let Some(read) = self.rounding(spec, UnitKind::Money) {
                        rounding = read;
                    }
                }
                Stmt::Unknown(_) => {}
            }
        }
        // A misspelt statement is likely the missing one: say only that.
        let misspelt = decl
            .items
            .iter()
            .any(|item| matches!(item.kind, Stmt::Unknown(_)));
        let mut missing = |what: &str, example: &str| {
            if misspelt {
                return;
            }
            self.report(
                Diagnostic::error(
                    codes::MISSING,
                    format!("subsidy \"{}\" has no `{what}`", decl.name.value),
                    decl.name.span,
                    format!("needs `{what} …`"),
                )
                .with_help(format!("add a line such as `{example}`")),
            );
        };
        if programme.is_none() {
            missing("programme", "programme \"CEV\" national");
        }
        if applies.is_none() {
            missing("applies to", "applies to charger where type == \"normal\"");
        }
        if amount_stmt.is_none() {
            missing("amount", "amount min(350000 JPY, 50% of equipment_price)");
        }
        // The amount is checked against the kind `applies to` names.
        let amount = match (&applies, amount_stmt) {
            (Some((kind, _, _)), Some((expr, span))) => {
                self.amount(*kind, expr).map(|a| (a, expr, span))
            }
            _ => None,
        };
        if self.error_count() != errors_before {
            return None;
        }
        let ((programme, level), (kind, Some(condition), applies_span), (amount, expr, span)) =
            (programme?, applies?, amount?)
        else {
            return None;
        };
        Some(SubsidyRule {
            name: decl.name.value.clone(),
            origin: self.rule_ref(decl.span),
            programme,
            level,
            applies_to: kind,
            condition,
            condition_origin: self.rule_ref(applies_span),
            amount,
            amount_text: self.sources.text(expr.span).to_string(),
            amount_origin: self.rule_ref(span),
            window,
            excludes,
            rounding,
        })
    }

    /// `window FIRST..LAST`: both days exist, LAST not before FIRST.
    fn window(
        &mut self,
        start: &Spanned<String>,
        end: &Spanned<String>,
    ) -> Option<(chrono::NaiveDate, chrono::NaiveDate)> {
        let first = self.date(start);
        let last = self.date(end);
        let (first, last) = (first?, last?);
        if last < first {
            self.report(
                Diagnostic::error(
                    codes::BAD_WINDOW,
                    format!("the window ends on {last}, before it starts on {first}"),
                    end.span,
                    "the last day is before the first",
                )
                .with_label(start.span, "first day")
                .with_help("write the first eligible day, `..`, then the last (both included): `window 2025-04-01..2026-03-31`"),
            );
            return None;
        }
        Some((first, last))
    }

    /// The attribute `name` of `kind`, or an error naming the known ones.
    fn attribute_of(
        &mut self,
        kind: SubsidyItemKind,
        name: &Spanned<String>,
        in_amount: bool,
    ) -> Option<&'static AttributeSpec> {
        if let Some(spec) = kind.attribute(&name.value) {
            return Some(spec);
        }
        let mut candidates: Vec<&str> = kind.attributes().iter().map(|a| a.name).collect();
        if in_amount {
            candidates.push(AWARDED);
        }
        let diagnostic = Diagnostic::error(
            codes::UNKNOWN_ATTRIBUTE,
            format!("a {kind} has no attribute `{}`", name.value),
            name.span,
            format!("not an attribute of a {kind}"),
        );
        let known = format!(
            "a {kind} has {}{}",
            attribute_list(kind),
            if in_amount {
                ", and amounts may use `awarded` (JPY)"
            } else {
                ""
            }
        );
        let help = if name.value == AWARDED {
            "`awarded` (what earlier programmes gave the item) may be used in amounts, not in conditions".to_string()
        } else {
            match did_you_mean(&name.value, candidates) {
                Some(suggestion) => format!("did you mean `{suggestion}`? ({known})"),
                None => known,
            }
        };
        self.report(diagnostic.with_help(help));
        None
    }

    fn condition(
        &mut self,
        kind: SubsidyItemKind,
        condition: &ast::Condition,
    ) -> Option<SubsidyCondition> {
        match condition {
            ast::Condition::Any(terms, _) | ast::Condition::All(terms, _) => {
                let lowered: Vec<Option<SubsidyCondition>> =
                    terms.iter().map(|t| self.condition(kind, t)).collect();
                let lowered: Option<Vec<SubsidyCondition>> = lowered.into_iter().collect();
                let lowered = lowered?;
                Some(if matches!(condition, ast::Condition::Any(..)) {
                    SubsidyCondition::Any(lowered)
                } else {
                    SubsidyCondition::All(lowered)
                })
            }
            ast::Condition::Not(inner, _) => Some(SubsidyCondition::Not(Box::new(
                self.condition(kind, inner)?,
            ))),
            ast::Condition::Flag(name) => {
                let spec = self.attribute_of(kind, name, false)?;
                if spec.kind != AttributeType::Flag {
                    self.report(
                        Diagnostic::error(
                            codes::CONDITION_TYPE,
                            format!("`{}` is not a flag", name.value),
                            name.span,
                            "a condition on its own needs a flag",
                        )
                        .with_help(format!(
                            "compare it: `{} {}`",
                            name.value,
                            match spec.kind {
                                AttributeType::Text =>
                                    format!("== \"{}\"", spec.values.first().unwrap_or(&"…")),
                                other => format!(">= 1 {}", other.unit().unwrap_or("")),
                            }
                        )),
                    );
                    return None;
                }
                Some(SubsidyCondition::Flag(name.value.clone()))
            }
            ast::Condition::Compare {
                attribute,
                op,
                value,
            } => {
                let spec = self.attribute_of(kind, attribute, false)?;
                let compare = match op.value {
                    CompareWord::Equal => CompareOp::Equal,
                    CompareWord::NotEqual => CompareOp::NotEqual,
                    CompareWord::Less => CompareOp::Less,
                    CompareWord::LessOrEqual => CompareOp::LessOrEqual,
                    CompareWord::Greater => CompareOp::Greater,
                    CompareWord::GreaterOrEqual => CompareOp::GreaterOrEqual,
                };
                let value = self.compare_value(spec, attribute, op, compare, value)?;
                Some(SubsidyCondition::Compare {
                    attribute: attribute.value.clone(),
                    op: compare,
                    value,
                })
            }
        }
    }

    /// The value compared with attribute `spec`, checked against its type.
    fn compare_value(
        &mut self,
        spec: &AttributeSpec,
        attribute: &Spanned<String>,
        op: &Spanned<CompareWord>,
        compare: CompareOp,
        value: &ConditionValue,
    ) -> Option<CompareValue> {
        let value_span = match value {
            ConditionValue::Quantity(q) => q.span,
            ConditionValue::Number(n) | ConditionValue::Text(n) => n.span,
            ConditionValue::Flag(f) => f.span,
        };
        let mismatch = |what: &str, expected: String, help: String| {
            Diagnostic::error(
                codes::CONDITION_TYPE,
                format!(
                    "`{}` is {what}, compared with {}",
                    attribute.value,
                    describe_value(value)
                ),
                value_span,
                expected,
            )
            .with_label(
                attribute.span,
                format!("{}: {}", attribute.value, spec.meaning),
            )
            .with_help(help)
        };
        match spec.kind {
            AttributeType::Text | AttributeType::Flag => {
                let is_text = spec.kind == AttributeType::Text;
                if !matches!(compare, CompareOp::Equal | CompareOp::NotEqual) {
                    self.report(
                        Diagnostic::error(
                            codes::CONDITION_TYPE,
                            format!(
                                "`{}` is a {} and cannot be ordered with `{}`",
                                attribute.value,
                                if is_text { "text" } else { "flag" },
                                compare.symbol()
                            ),
                            op.span,
                            "expected `==` or `!=`",
                        )
                        .with_label(attribute.span, "this attribute"),
                    );
                    return None;
                }
                match (value, is_text) {
                    (ConditionValue::Text(text), true) => {
                        if !spec.values.contains(&text.value.as_str()) {
                            let known = spec
                                .values
                                .iter()
                                .map(|v| format!("\"{v}\""))
                                .collect::<Vec<_>>()
                                .join(", ");
                            let help = match did_you_mean(&text.value, spec.values.iter().copied())
                            {
                                Some(s) => format!(
                                    "did you mean \"{s}\"? ({} is one of {known})",
                                    attribute.value
                                ),
                                None => format!("{} is one of {known}", attribute.value),
                            };
                            self.report(
                                Diagnostic::error(
                                    codes::UNKNOWN_VALUE,
                                    format!("`{}` is never \"{}\"", attribute.value, text.value),
                                    text.span,
                                    "not a value of this attribute",
                                )
                                .with_help(help),
                            );
                            return None;
                        }
                        Some(CompareValue::Text(text.value.clone()))
                    }
                    (ConditionValue::Flag(flag), false) => Some(CompareValue::Flag(flag.value)),
                    (_, true) => {
                        let example = spec.values.first().unwrap_or(&"…");
                        self.report(mismatch(
                            "a text",
                            "expected a quoted text".into(),
                            format!("write `{} == \"{example}\"`", attribute.value),
                        ));
                        None
                    }
                    (_, false) => {
                        self.report(mismatch(
                            "a flag",
                            "expected `true` or `false`".into(),
                            format!("write `{0}` or `not {0}`", attribute.value),
                        ));
                        None
                    }
                }
            }
            measured => {
                let unit = measured.unit().unwrap_or("");
                let quantity = match value {
                    ConditionValue::Quantity(q) => q,
                    ConditionValue::Number(number) => {
                        self.report(
                            Diagnostic::error(
                                codes::WRONG_UNIT,
                                format!(
                                    "`{}` is in {unit}: the number needs its unit",
                                    attribute.value
                                ),
                                number.span,
                                format!("expected {unit}"),
                            )
                            .with_help(format!("write `{} {unit}`", number.value)),
                        );
                        return None;
                    }
                    _ => {
                        self.report(mismatch(
                            &format!("a number in {unit}"),
                            format!("expected a number in {unit}"),
                            format!(
                                "write e.g. `{} {} 50 {unit}`",
                                attribute.value,
                                compare.symbol()
                            ),
                        ));
                        return None;
                    }
                };
                let written = quantity.unit_text.value.as_str();
                if written != unit {
                    self.report(
                        Diagnostic::error(
                            codes::WRONG_UNIT,
                            format!(
                                "`{}` is in {unit}, compared with {written}",
                                attribute.value
                            ),
                            quantity.unit_text.span,
                            format!("expected {unit}"),
                        )
                        .with_label(
                            attribute.span,
                            format!("{}: {}", attribute.value, spec.meaning),
                        )
                        .with_help(format!("write the value in {unit}")),
                    );
                    return None;
                }
                let number = self.number(&quantity.number)?;
                if measured == AttributeType::Money {
                    Some(CompareValue::Money(number.normalize()))
                } else {
                    Some(CompareValue::Number(decimal_f64(number)?))
                }
            }
        }
    }

    /// The amount, checked to come out in money.
    fn amount(&mut self, kind: SubsidyItemKind, expr: &MoneyExpr) -> Option<AmountExpr> {
        let (lowered, ty) = self.money(kind, expr)?;
        if ty != Ty::Money {
            self.report(
                Diagnostic::error(
                    codes::AMOUNT_TYPE,
                    format!("the amount is {}, not money", ty.describe()),
                    expr.span,
                    "expected an amount in JPY",
                )
                .with_help("a price per unit needs its quantity: `60000 JPY per kW * power`"),
            );
            return None;
        }
        Some(lowered)
    }

    fn money(&mut self, kind: SubsidyItemKind, expr: &MoneyExpr) -> Option<(AmountExpr, Ty)> {
        match &expr.kind {
            MoneyExprKind::Quantity(quantity) => self.money_quantity(quantity),
            MoneyExprKind::Number(number) => Some((
                AmountExpr::Constant(self.number(number)?.normalize()),
                Ty::Plain,
            )),
            MoneyExprKind::Attribute(name) if name.value == AWARDED => {
                Some((AmountExpr::Awarded, Ty::Money))
            }
            MoneyExprKind::Attribute(name) => {
                let spec = self.attribute_of(kind, name, true)?;
                let ty = match spec.kind {
                    AttributeType::Money => Ty::Money,
                    AttributeType::Text | AttributeType::Flag => {
                        self.report(
                            Diagnostic::error(
                                codes::AMOUNT_TYPE,
                                format!(
                                    "`{}` is a {}, not a number",
                                    name.value,
                                    if spec.kind == AttributeType::Text {
                                        "text"
                                    } else {
                                        "flag"
                                    }
                                ),
                                name.span,
                                "cannot be computed with",
                            )
                            .with_help(
                                "test it in `applies to … where …` and write one subsidy per case",
                            ),
                        );
                        return None;
                    }
                    measure => Ty::Measure(measure),
                };
                Some((AmountExpr::Attribute(name.value.clone()), ty))
            }
            MoneyExprKind::ShareOf { share, of } => {
                let share_read = self.share(share);
                let inner = self.money(kind, of);
                let ((share_text, share), (of_lowered, of_ty)) = (share_read?, inner?);
                if of_ty != Ty::Money {
                    self.report(
                        Diagnostic::error(
                            codes::AMOUNT_TYPE,
                            format!("a share is taken of money, not of {}", of_ty.describe()),
                            of.span,
                            "expected money",
                        )
                        .with_help("write e.g. `50% of equipment_price`"),
                    );
                    return None;
                }
                Some((
                    AmountExpr::ShareOf {
                        share_text,
                        share,
                        of: Box::new(of_lowered),
                    },
                    Ty::Money,
                ))
            }
            MoneyExprKind::Call {
                function,
                arguments,
            } => {
                let read: Vec<Option<(AmountExpr, Ty)>> =
                    arguments.iter().map(|a| self.money(kind, a)).collect();
                let read: Vec<(AmountExpr, Ty)> = read.into_iter().collect::<Option<_>>()?;
                let first_ty = read.first().map(|r| r.1)?;
                for (argument, (_, ty)) in arguments.iter().zip(&read) {
                    if *ty != first_ty {
                        self.report(
                            Diagnostic::error(
                                codes::AMOUNT_TYPE,
                                format!(
                                    "{} of values of different kinds: {} and {}",
                                    if function.value == MoneyFunction::Min {
                                        "min"
                                    } else {
                                        "max"
                                    },
                                    first_ty.describe(),
                                    ty.describe()
                                ),
                                argument.span,
                                format!("expected {}", first_ty.describe()),
                            )
                            .with_label(function.span, "compared here"),
                        );
                        return None;
                    }
                }
                let items = read.into_iter().map(|r| r.0).collect();
                let lowered = match function.value {
                    MoneyFunction::Min => AmountExpr::Min(items),
                    MoneyFunction::Max => AmountExpr::Max(items),
                };
                Some((lowered, first_ty))
            }
            MoneyExprKind::Binary { op, left, right } => {
                let l = self.money(kind, left);
                let r = self.money(kind, right);
                let ((left_lowered, lt), (right_lowered, rt)) = (l?, r?);
                let result = match op.value {
                    MoneyOp::Add | MoneyOp::Subtract => (lt == rt).then_some(lt),
                    MoneyOp::Multiply => match (lt, rt) {
                        (Ty::MoneyPer(a), Ty::Measure(b)) | (Ty::Measure(b), Ty::MoneyPer(a))
                            if a == b =>
                        {
                            Some(Ty::Money)
                        }
                        (Ty::Plain, other) | (other, Ty::Plain) => Some(other),
                        _ => None,
                    },
                };
                let Some(ty) = result else {
                    let (symbol, help) = match op.value {
                        MoneyOp::Add => ("+", "add money to money"),
                        MoneyOp::Subtract => ("-", "subtract money from money"),
                        MoneyOp::Multiply => (
                            "*",
                            "multiply a price per unit by a quantity of that unit (`60000 JPY per kW * power`), or money by a plain number",
                        ),
                    };
                    self.report(
                        Diagnostic::error(
                            codes::AMOUNT_TYPE,
                            format!(
                                "cannot compute {} {symbol} {}",
                                lt.describe(),
                                rt.describe()
                            ),
                            op.span,
                            "the two sides do not match",
                        )
                        .with_label(left.span, lt.describe())
                        .with_label(right.span, rt.describe())
                        .with_help(help),
                    );
                    return None;
                };
                let (a, b) = (Box::new(left_lowered), Box::new(right_lowered));
                let lowered = match op.value {
                    MoneyOp::Add => AmountExpr::Add(a, b),
                    MoneyOp::Subtract => AmountExpr::Subtract(a, b),
                    MoneyOp::Multiply => AmountExpr::Multiply(a, b),
                };
                Some((lowered, ty))
            }
        }
    }

    /// A quantity in an amount: JPY, JPY per kW/kWh/t, or kW/kWh/t.
    fn money_quantity(&mut self, quantity: &Quantity) -> Option<(AmountExpr, Ty)> {
        let atoms: Vec<&str> = quantity.unit.iter().map(|a| a.value.as_str()).collect();
        let ty = match atoms.as_slice() {
            ["JPY"] => Some(Ty::Money),
            ["JPY", per] => measure_of(per).map(Ty::MoneyPer),
            [one] => measure_of(one).map(Ty::Measure),
            _ => None,
        };
        let Some(ty) = ty else {
            let (message, help) = if atoms.contains(&"USD") {
                (
                    "subsidy amounts are in JPY".to_string(),
                    "the money attributes (prices) are JPY: convert the figure to JPY",
                )
            } else if atoms == ["%"] {
                (
                    "a percentage needs what it is a share of".to_string(),
                    "write `50% of equipment_price`",
                )
            } else {
                (
                    format!(
                        "`{}` is not a unit of subsidy amounts",
                        quantity.unit_text.value
                    ),
                    "amounts use JPY, JPY per kW, JPY per kWh, JPY per t, and kW, kWh, t",
                )
            };
            self.report(
                Diagnostic::error(
                    if atoms.contains(&"USD") {
                        codes::CURRENCY_MISMATCH
                    } else {
                        codes::WRONG_UNIT
                    },
                    message,
                    quantity.unit_text.span,
                    "expected JPY, JPY per kW/kWh/t or kW/kWh/t",
                )
                .with_help(help),
            );
            return None;
        };
        let value = self.number(&quantity.number)?;
        if ty == Ty::Money || matches!(ty, Ty::MoneyPer(_)) {
            self.not_negative(value, quantity, "an amount")?;
        }
        Some((AmountExpr::Constant(value.normalize()), ty))
    }

    /// `50%` (0 to 100 %) or `2/3` (at most 1): the text and the fraction.
    fn share(&mut self, share: &Share) -> Option<(String, Decimal)> {
        match share {
            Share::Percent(quantity) => {
                let value = self.quantity(quantity, UnitKind::Percent)?;
                if value < Decimal::ZERO || value > Decimal::ONE {
                    self.report(
                        Diagnostic::error(
                            codes::BAD_PERCENT,
                            format!("{}% is out of range", quantity.number.value),
                            quantity.span,
                            "expected 0% to 100%",
                        )
                        .with_help("a subsidy pays a share of a cost, at most all of it"),
                    );
                    return None;
                }
                Some((format!("{}%", quantity.number.value), value))
            }
            Share::Fraction(text) => {
                let mut parts = text.value.split('/');
                let numerator = parts.next().and_then(|n| n.parse::<Decimal>().ok());
                let denominator = parts.next().and_then(|n| n.parse::<Decimal>().ok());
                match (numerator, denominator) {
                    (Some(n), Some(d)) if !d.is_zero() && n <= d => {
                        Some((text.value.clone(), n / d))
                    }
                    _ => {
                        self.report(
                            Diagnostic::error(
                                codes::BAD_NUMBER,
                                format!("`{}` is not a share between 0 and 1", text.value),
                                text.span,
                                "expected a fraction such as 2/3",
                            )
                            .with_help("the denominator is above zero and not below the numerator"),
                        );
                        None
                    }
                }
            }
        }
    }
}

fn describe_value(value: &ConditionValue) -> String {
    match value {
        ConditionValue::Quantity(q) => format!("a number in {}", q.unit_text.value),
        ConditionValue::Number(_) => "a number".to_string(),
        ConditionValue::Text(t) => format!("the text \"{}\"", t.value),
        ConditionValue::Flag(f) => format!("`{}`", f.value),
    }
}
