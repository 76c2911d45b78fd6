//! `risk_sharing` blocks: checked and lowered to [`RiskSharingRule`].
//!
//! What the checker proves (the engine relies on it): the parties are declared once each;
//! the owner is one of them; the revenue shares name declared parties once each and add up
//! to exactly 100 % (decimal arithmetic); every money statement has a payer and a payee that
//! are declared and different; amounts are not negative and in one currency; a `free`
//! parameter varies exactly one statement over a finite, ascending grid. A party that neither
//! shares revenue nor pays or receives anything is a warning (W0604).

use rust_decimal::Decimal;

use super::contract::{decimal_f64, MoneySeen};
use super::Checker;
use crate::ast::{
    FreeTargetWord, InsuranceClause, PaymentWord, Quantity, SharingAmount as AstAmount,
    SharingDecl, SharingItemKind, Spanned,
};
use crate::diagnostic::{codes, did_you_mean, Diagnostic};
use crate::rules::{
    AmountBasis, Currency, FreeParameter, FreeTarget, PaymentTiming, RevenueShare, RiskSharingRule,
    SharingAmount, SharingTerm, TermKind, Trigger, VarLimits, WearPlugin,
};
use crate::source::Span;
use crate::units::UnitKind;

/// The statements of a deal, for "did you mean" and the help line.
const SHARING_ITEMS: &[&str] = &[
    "parties",
    "owner",
    "revenue",
    "fee",
    "cover",
    "floor",
    "cap",
    "above",
    "insurance",
    "payment",
    "wear",
    "free",
    "var",
];

/// Grid points the fairness view may evaluate (the product of all free parameters' values).
pub const MAX_FREE_POINTS: usize = 100_000;

impl Checker<'_> {
    /// Checks one deal; `None` when it has an error (reported).
    pub(super) fn risk_sharing(&mut self, decl: &SharingDecl) -> Option<RiskSharingRule> {
        let errors_before = self.error_count();
        let mut seen: Vec<(&'static str, Span)> = Vec::new();
        let mut money: MoneySeen = None;
        // The parties first: every other statement names them.
        let mut parties: Vec<Spanned<String>> = Vec::new();
        for item in &decl.items {
            if let SharingItemKind::Parties(names) = &item.kind {
                if !self.once_in_block(&mut seen, "parties", item.keyword) {
                    continue;
                }
                for name in names {
                    if let Some(first) = parties.iter().find(|p| p.value == name.value) {
                        self.report(
                            Diagnostic::error(
                                codes::DUPLICATE,
                                format!("party `{}` is listed twice", name.value),
                                name.span,
                                "listed again here",
                            )
                            .with_label(first.span, "first listed here"),
                        );
                    } else {
                        parties.push(name.clone());
                    }
                }
            }
        }
        if parties.is_empty() {
            self.missing(decl, "parties", "parties fleet, aggregator, oem, insurer");
            return None;
        }
        let names: Vec<&str> = parties.iter().map(|p| p.value.as_str()).collect();
        let mut owner = None;
        let mut revenue: Option<Vec<RevenueShare>> = None;
        let mut revenue_given = false;
        let mut terms: Vec<(SharingTerm, Span)> = Vec::new();
        let mut payment = PaymentTiming::default();
        let mut wear_plugin = None;
        let mut free_items = Vec::new();
        let mut var_limits = None;
        for item in &decl.items {
            let once = match &item.kind {
                SharingItemKind::Owner(_) => Some("owner"),
                SharingItemKind::Revenue(_) => Some("revenue"),
                SharingItemKind::Payment { .. } => Some("payment"),
                SharingItemKind::WearPlugin { .. } => Some("wear"),
                SharingItemKind::VarLimit { .. } => Some("var limit"),
                _ => None,
            };
            if let Some(what) = once {
                if !self.once_in_block(&mut seen, what, item.keyword) {
                    continue;
                }
            }
            let origin = self.rule_ref(item.span);
            let term = |payer: &Spanned<String>, payee: &Spanned<String>, kind| SharingTerm {
                payer: payer.value.clone(),
                payee: payee.value.clone(),
                kind,
                origin: origin.clone(),
            };
            match &item.kind {
                SharingItemKind::Parties(_) => {}
                SharingItemKind::Owner(name) => {
                    owner = self.party(name, &names).then(|| name.value.clone());
                }
                SharingItemKind::Revenue(parts) => {
                    revenue_given = true;
                    revenue = self.revenue(parts, &names, item.span);
                }
                SharingItemKind::Fee { amount, flow } => {
                    let flows = self.flow(&flow.from, &flow.to, &names);
                    let amount = self.sharing_amount(amount, "a fee", &mut money);
                    if let (true, Some(amount)) = (flows, amount) {
                        let kind = TermKind::Fee(amount);
                        terms.push((term(&flow.from, &flow.to, kind), item.span));
                    }
                }
                SharingItemKind::Floor { amount, flow } | SharingItemKind::Cap { amount, flow } => {
                    let is_floor = matches!(item.kind, SharingItemKind::Floor { .. });
                    let flows = self.flow(&flow.from, &flow.to, &names);
                    let what = if is_floor { "a floor" } else { "a cap" };
                    let amount = self.sharing_amount(amount, what, &mut money);
                    if let (true, Some(amount)) = (flows, amount) {
                        let kind = if is_floor {
                            TermKind::Floor(amount)
                        } else {
                            TermKind::Cap(amount)
                        };
                        terms.push((term(&flow.from, &flow.to, kind), item.span));
                    }
                }
                SharingItemKind::Above {
                    threshold,
                    share,
                    flow,
                } => {
                    let flows = self.flow(&flow.from, &flow.to, &names);
                    let threshold = self.sharing_amount(threshold, "a threshold", &mut money);
                    let share = self.fraction(share, "a share from 0% to 100%");
                    if let (true, Some(threshold), Some(share)) = (flows, threshold, share) {
                        let kind = TermKind::Above { threshold, share };
                        terms.push((term(&flow.from, &flow.to, kind), item.span));
                    }
                }
                SharingItemKind::Cover {
                    share,
                    beyond,
                    flow,
                    cap,
                } => {
                    let flows = self.flow(&flow.from, &flow.to, &names);
                    let share = self.fraction(share, "a share from 0% to 100%");
                    let allowance = self.allowance(beyond);
                    let cap = match cap {
                        Some(cap) => self
                            .contract_money(
                                cap,
                                &[UnitKind::Money],
                                "an amount of money",
                                &mut money,
                            )
                            .and_then(|(value, _)| self.not_negative(value, cap, "a cap"))
                            .and_then(decimal_f64)
                            .map(Some),
                        None => Some(None),
                    };
                    if let (true, Some(share), Some(allowance), Some(cap)) =
                        (flows, share, allowance, cap)
                    {
                        let kind = TermKind::Cover {
                            share,
                            allowance_per_year: allowance,
                            cap_per_vehicle_year: cap,
                        };
                        terms.push((term(&flow.from, &flow.to, kind), item.span));
                    }
                }
                SharingItemKind::Insurance { flow, clauses } => {
                    let flows = self.flow(&flow.from, &flow.to, &names);
                    if let (true, Some(kind)) =
                        (flows, self.insurance(clauses, item.keyword, &mut money))
                    {
                        terms.push((term(&flow.from, &flow.to, kind), item.span));
                    }
                }
                SharingItemKind::Payment { period, lag } => {
                    let lag_months = match lag {
                        Some(lag) => self.whole_months(lag).unwrap_or(payment.lag_months),
                        None => 0,
                    };
                    payment = PaymentTiming {
                        period_months: match period.value {
                            PaymentWord::Monthly => 1,
                            PaymentWord::Quarterly => 3,
                            PaymentWord::Yearly => 12,
                        },
                        lag_months,
                    };
                }
                SharingItemKind::WearPlugin { file, export } => {
                    wear_plugin = self.plugin_module(file, export).map(|module| WearPlugin {
                        file: file.value.clone(),
                        module,
                        export: export.value.clone(),
                    });
                }
                SharingItemKind::Free {
                    target,
                    from,
                    to,
                    step,
                } => free_items.push((target, from, to, step, item.span)),
                SharingItemKind::VarLimit { confidence, limits } => {
                    var_limits = self.var_limits(confidence, limits, &names, &mut money);
                }
                SharingItemKind::Unknown(word) => self.unknown(word, SHARING_ITEMS, "risk_sharing"),
            }
        }
        if seen.iter().all(|(what, _)| *what != "owner") {
            self.missing(decl, "owner", "owner fleet");
        }
        if !revenue_given {
            self.missing(decl, "revenue", "revenue fleet 60%, aggregator 40%");
        }
        let free = self.free_parameters(&free_items, &terms, revenue.as_deref());
        if self.error_count() > errors_before {
            return None;
        }
        let owner = owner?;
        let revenue = revenue?;
        let free = free?;
        for party in &parties {
            let shares = revenue
                .iter()
                .any(|share| share.party == party.value && share.share > 0.0);
            let in_terms = terms
                .iter()
                .any(|(t, _)| t.payer == party.value || t.payee == party.value);
            if !shares && !in_terms && party.value != owner {
                self.report(
                    Diagnostic::warning(
                        codes::IDLE_PARTY,
                        format!("party `{}` neither shares revenue nor pays or receives anything", party.value),
                        party.span,
                        "idle party",
                    )
                    .with_help("give it a revenue share or a term (`fee … from … to …`), or leave it out of `parties`"),
                );
            }
        }
        Some(RiskSharingRule {
            name: decl.name.value.clone(),
            origin: self.rule_ref(decl.span),
            currency: money.map_or(Currency::Jpy, |(c, _)| c),
            parties: names.iter().map(|n| n.to_string()).collect(),
            owner,
            revenue,
            terms: terms.into_iter().map(|(t, _)| t).collect(),
            payment,
            wear_plugin,
            free,
            var_limits,
        })
    }

    fn missing(&mut self, decl: &SharingDecl, what: &str, example: &str) {
        self.report(
            Diagnostic::error(
                codes::MISSING,
                format!("risk_sharing \"{}\" has no `{what}`", decl.name.value),
                decl.name.span,
                format!("needs `{what} …`"),
            )
            .with_help(format!("add `{example}`")),
        );
    }

    /// `true` when `name` is a declared party (else reported, with the closest name).
    fn party(&mut self, name: &Spanned<String>, parties: &[&str]) -> bool {
        if parties.contains(&name.value.as_str()) {
            return true;
        }
        let diagnostic = Diagnostic::error(
            codes::UNKNOWN_PARTY,
            format!("`{}` is not a party of this deal", name.value),
            name.span,
            "not declared in `parties`",
        );
        self.report(match did_you_mean(&name.value, parties.iter().copied()) {
            Some(suggestion) => diagnostic.with_help(format!("did you mean `{suggestion}`?")),
            None => diagnostic.with_help(format!(
                "the parties are {}; add it to `parties` if it takes part",
                parties.join(", ")
            )),
        });
        false
    }

    /// A payer and a payee: both declared, and different.
    fn flow(&mut self, from: &Spanned<String>, to: &Spanned<String>, parties: &[&str]) -> bool {
        let known = self.party(from, parties) & self.party(to, parties);
        if known && from.value == to.value {
            self.report(
                Diagnostic::error(
                    codes::SAME_PARTY,
                    format!("`{}` pays itself", from.value),
                    Span {
                        start: from.span.start,
                        ..to.span
                    },
                    "payer and payee are the same party",
                )
                .with_help("a term moves money from one party to another: name two parties"),
            );
            return false;
        }
        known
    }

    /// `revenue A p%, B q%, …`: declared parties once each, 0–100 %, summing to exactly 100 %.
    fn revenue(
        &mut self,
        parts: &[(Spanned<String>, Quantity)],
        parties: &[&str],
        statement: Span,
    ) -> Option<Vec<RevenueShare>> {
        let mut shares: Vec<(String, Decimal, Span)> = Vec::new();
        let mut ok = true;
        for (party, quantity) in parts {
            if !self.party(party, parties) {
                ok = false;
                continue;
            }
            if let Some((_, _, first)) = shares.iter().find(|(p, _, _)| *p == party.value) {
                self.report(
                    Diagnostic::error(
                        codes::SHARING_SHARES,
                        format!("the share of `{}` is given twice", party.value),
                        party.span,
                        "given again here",
                    )
                    .with_label(*first, "first given here"),
                );
                ok = false;
                continue;
            }
            match self.percent_in(
                quantity,
                Decimal::ZERO,
                Decimal::ONE,
                "a share from 0% to 100%",
            ) {
                Some(value) => shares.push((party.value.clone(), value, party.span)),
                None => ok = false,
            }
        }
        if !ok {
            return None;
        }
        let sum: Decimal = shares.iter().map(|(_, share, _)| *share).sum();
        if sum != Decimal::ONE {
            let percent = |d: Decimal| (d * Decimal::ONE_HUNDRED).normalize();
            let terms: Vec<String> = shares
                .iter()
                .map(|(_, share, _)| format!("{}%", percent(*share)))
                .collect();
            self.report(
                Diagnostic::error(
                    codes::SHARING_SHARES,
                    format!("the revenue shares add up to {}%, not 100%", percent(sum)),
                    statement,
                    format!("{} = {}%", terms.join(" + "), percent(sum)),
                )
                .with_help(
                    "the parties split the whole V2G margin: make the shares add up to 100%",
                ),
            );
            return None;
        }
        shares
            .into_iter()
            .map(|(party, share, _)| decimal_f64(share).map(|share| RevenueShare { party, share }))
            .collect()
    }

    /// A percentage in 0..=100 % as a fraction.
    fn fraction(&mut self, quantity: &Quantity, what: &str) -> Option<f64> {
        self.percent_in(quantity, Decimal::ZERO, Decimal::ONE, what)
            .and_then(decimal_f64)
    }

    /// `beyond 3% per year`: the warranty curve's capacity loss a year, below 100 %.
    fn allowance(&mut self, quantity: &Quantity) -> Option<f64> {
        let atoms: Vec<&str> = quantity.unit.iter().map(|a| a.value.as_str()).collect();
        if atoms != ["%", "year"] {
            self.report(
                Diagnostic::error(
                    codes::WRONG_UNIT,
                    format!("expected % per year, found {}", quantity.unit_text.value),
                    quantity.unit_text.span,
                    "expected % per year",
                )
                .with_help("the warranty curve is the capacity loss it allows each year: `beyond 3% per year`"),
            );
            return None;
        }
        let value = self.number(&quantity.number)? / Decimal::ONE_HUNDRED;
        if value < Decimal::ZERO || value >= Decimal::ONE {
            self.report(Diagnostic::error(
                codes::BAD_PERCENT,
                format!("{}% per year is out of range", quantity.number.value),
                quantity.span,
                "expected a capacity loss from 0% to below 100% a year",
            ));
            return None;
        }
        decimal_f64(value)
    }

    /// `N JPY per vehicle per month`, `N JPY per month` or `N JPY/kWh`, not negative.
    fn sharing_amount(
        &mut self,
        amount: &AstAmount,
        what: &str,
        money: &mut MoneySeen,
    ) -> Option<SharingAmount> {
        let currency = money.map_or(Currency::Jpy, |(c, _)| c);
        let (allowed, expected): (&[UnitKind], String) = if amount.per_vehicle_month.is_some() {
            (
                &[UnitKind::Money],
                format!("{currency} before `per vehicle per month`"),
            )
        } else {
            (
                &[UnitKind::MoneyPerKwh, UnitKind::MoneyPerMonth],
                format!("{currency}/kWh, {currency} per month or {currency} per vehicle per month"),
            )
        };
        let quantity = &amount.quantity;
        let (value, kind) = self.contract_money(quantity, allowed, &expected, money)?;
        let value = self
            .not_negative(value, quantity, what)
            .and_then(decimal_f64)?;
        let basis = match kind {
            UnitKind::MoneyPerKwh => AmountBasis::KwhDischarged,
            UnitKind::MoneyPerMonth => AmountBasis::Month,
            _ => AmountBasis::VehicleMonth,
        };
        Some(SharingAmount {
            amount: value,
            basis,
        })
    }

    /// A yearly amount (deductible, limit), not negative.
    fn yearly_money(
        &mut self,
        quantity: &Quantity,
        what: &str,
        money: &mut MoneySeen,
    ) -> Option<f64> {
        let currency = money.map_or(Currency::Jpy, |(c, _)| c);
        let expected = format!("{currency} (per contract year)");
        self.contract_money(quantity, &[UnitKind::Money], &expected, money)
            .and_then(|(value, _)| self.not_negative(value, quantity, what))
            .and_then(decimal_f64)
    }

    fn insurance(
        &mut self,
        clauses: &[Spanned<InsuranceClause>],
        keyword: Span,
        money: &mut MoneySeen,
    ) -> Option<TermKind> {
        let mut seen: Vec<(&'static str, Span)> = Vec::new();
        let mut premium = None;
        let mut deductible = Some(0.0);
        let mut limit = None;
        let mut trigger = Trigger::Loss;
        let mut ok = true;
        for clause in clauses {
            let what = match clause.value {
                InsuranceClause::Premium(_) => "premium",
                InsuranceClause::Deductible(_) => "deductible",
                InsuranceClause::Limit(_) => "limit",
                InsuranceClause::Trigger(_) => "trigger",
            };
            if !self.once_in_block(&mut seen, what, clause.span) {
                ok = false;
                continue;
            }
            match &clause.value {
                InsuranceClause::Premium(amount) => {
                    premium = self.sharing_amount(amount, "a premium", money);
                    ok &= premium.is_some();
                }
                InsuranceClause::Deductible(q) => {
                    deductible = self.yearly_money(q, "a deductible", money);
                    ok &= deductible.is_some();
                }
                InsuranceClause::Limit(q) => {
                    let value = self.yearly_money(q, "a limit", money);
                    ok &= value.is_some();
                    limit = value;
                }
                InsuranceClause::Trigger(word) => {
                    trigger = if word.value {
                        Trigger::Loss
                    } else {
                        Trigger::Wear
                    };
                }
            }
        }
        if premium.is_none() && ok {
            self.report(
                Diagnostic::error(
                    codes::MISSING,
                    "insurance without a premium",
                    keyword,
                    "needs `premium …`",
                )
                .with_help(
                    "add `premium 15000 JPY per month` (paid by the insured, the `to` party)",
                ),
            );
            return None;
        }
        if !ok {
            return None;
        }
        Some(TermKind::Insurance {
            premium: premium?,
            deductible: deductible?,
            limit,
            trigger,
        })
    }

    fn whole_months(&mut self, quantity: &Quantity) -> Option<u32> {
        let value = self.quantity(quantity, UnitKind::Months)?;
        if value < Decimal::ZERO || value.fract() != Decimal::ZERO || value > Decimal::from(24) {
            self.report(Diagnostic::error(
                codes::BAD_NUMBER,
                format!("a lag of {} months", quantity.number.value),
                quantity.span,
                "expected whole months from 0 to 24",
            ));
            return None;
        }
        value.to_string().parse().ok()
    }

    fn var_limits(
        &mut self,
        confidence: &Quantity,
        limits: &[(Spanned<String>, Quantity)],
        parties: &[&str],
        money: &mut MoneySeen,
    ) -> Option<VarLimits> {
        let level = self.percent_in(
            confidence,
            Decimal::new(50, 2),
            Decimal::new(9999, 4),
            "a confidence level from 50% to 99.99%",
        );
        let mut out = Vec::new();
        for (party, amount) in limits {
            if !self.party(party, parties) {
                continue;
            }
            if let Some(value) = self.yearly_money(amount, "a VaR limit", money) {
                out.push((party.value.clone(), value));
            }
        }
        (out.len() == limits.len()).then_some(())?;
        Some(VarLimits {
            confidence: decimal_f64(level?)?,
            limits: out,
        })
    }

    #[allow(clippy::type_complexity)]
    fn free_parameters(
        &mut self,
        items: &[(
            &Spanned<FreeTargetWord>,
            &Spanned<String>,
            &Spanned<String>,
            &Spanned<String>,
            Span,
        )],
        terms: &[(SharingTerm, Span)],
        revenue: Option<&[RevenueShare]>,
    ) -> Option<Vec<FreeParameter>> {
        let mut out: Vec<(FreeParameter, Span)> = Vec::new();
        let mut ok = true;
        let mut points: usize = 1;
        for &(target, from, to, step, span) in items {
            let (free_target, what, percent) = match &target.value {
                FreeTargetWord::Revenue(party) => {
                    let Some(shares) = revenue else {
                        ok = false;
                        continue;
                    };
                    if !shares.iter().any(|s| s.party == party.value) {
                        self.report(
                            Diagnostic::error(
                                codes::FREE_PARAMETER,
                                format!("`{}` has no revenue share to vary", party.value),
                                party.span,
                                "not in `revenue`",
                            )
                            .with_help("give the party a share in `revenue` first"),
                        );
                        ok = false;
                        continue;
                    }
                    if !shares
                        .iter()
                        .any(|s| s.party != party.value && s.share > 0.0)
                    {
                        self.report(Diagnostic::error(
                            codes::FREE_PARAMETER,
                            format!("no other party's share can make room for `{}`", party.value),
                            party.span,
                            "the other shares are all 0%",
                        ).with_help("the other parties' shares scale to fill the rest: give one of them a share above 0%"));
                        ok = false;
                        continue;
                    }
                    (FreeTarget::Revenue(party.value.clone()), "revenue", true)
                }
                FreeTargetWord::Floor => (FreeTarget::Floor, "floor", false),
                FreeTargetWord::Cap => (FreeTarget::Cap, "cap", false),
                FreeTargetWord::Cover => (FreeTarget::Cover, "cover", true),
                FreeTargetWord::Premium => (FreeTarget::Premium, "insurance", false),
                FreeTargetWord::Above => (FreeTarget::Above, "above", true),
            };
            if !matches!(free_target, FreeTarget::Revenue(_)) {
                let count = terms
                    .iter()
                    .filter(|(term, _)| {
                        matches!(
                            (&free_target, &term.kind),
                            (FreeTarget::Floor, TermKind::Floor(_))
                                | (FreeTarget::Cap, TermKind::Cap(_))
                                | (FreeTarget::Cover, TermKind::Cover { .. })
                                | (FreeTarget::Premium, TermKind::Insurance { .. })
                                | (FreeTarget::Above, TermKind::Above { .. })
                        )
                    })
                    .count();
                if count != 1 {
                    self.report(
                        Diagnostic::error(
                            codes::FREE_PARAMETER,
                            format!("`free` varies the deal's `{what}`, but it has {count} of them"),
                            target.span,
                            format!("expected exactly one `{what}` statement"),
                        )
                        .with_help(format!("write one `{what}` statement (with the value to start from) to vary it")),
                    );
                    ok = false;
                    continue;
                }
            }
            if let Some((_, first)) = out.iter().find(|(p, _)| p.target == free_target) {
                self.report(
                    Diagnostic::error(
                        codes::DUPLICATE,
                        format!("`free {what}` is given twice"),
                        span,
                        "given again here",
                    )
                    .with_label(*first, "first given here"),
                );
                ok = false;
                continue;
            }
            let (Some(low), Some(high), Some(step_value)) =
                (self.number(from), self.number(to), self.number(step))
            else {
                ok = false;
                continue;
            };
            let range_error = if step_value <= Decimal::ZERO {
                Some((step.span, "expected a step above zero".to_string()))
            } else if high < low {
                Some((
                    to.span,
                    format!("expected a value of at least {}", from.value),
                ))
            } else if low < Decimal::ZERO {
                Some((from.span, "expected 0 or more".to_string()))
            } else if percent && high > Decimal::ONE_HUNDRED {
                Some((to.span, "expected a share of at most 100 (%)".to_string()))
            } else {
                None
            };
            if let Some((at, label)) = range_error {
                self.report(
                    Diagnostic::error(
                        codes::FREE_PARAMETER,
                        format!("the range {}..{} step {} is not a grid", from.value, to.value, step.value),
                        at,
                        label,
                    )
                    .with_help("write `free revenue fleet 40..90 step 5` (shares in %, amounts in the statement's unit)"),
                );
                ok = false;
                continue;
            }
            let count = ((high - low) / step_value).floor() + Decimal::ONE;
            let count: usize = count.to_string().parse().unwrap_or(usize::MAX);
            points = points.saturating_mul(count);
            if count > MAX_FREE_POINTS || points > MAX_FREE_POINTS {
                self.report(
                    Diagnostic::error(
                        codes::FREE_PARAMETER,
                        format!(
                            "the free parameters make more than {MAX_FREE_POINTS} combinations"
                        ),
                        span,
                        format!("{count} values here"),
                    )
                    .with_help("use a coarser step"),
                );
                ok = false;
                continue;
            }
            let scale = if percent {
                Decimal::ONE_HUNDRED
            } else {
                Decimal::ONE
            };
            let values: Option<Vec<f64>> = (0..count)
                .map(|index| decimal_f64((low + step_value * Decimal::from(index)) / scale))
                .collect();
            let Some(values) = values else {
                ok = false;
                continue;
            };
            out.push((
                FreeParameter {
                    target: free_target,
                    values,
                    origin: self.rule_ref(span),
                },
                span,
            ));
        }
        ok.then(|| out.into_iter().map(|(p, _)| p).collect())
    }
}
