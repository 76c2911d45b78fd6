//! The checker: gives the syntax tree its meaning and lowers it to [`crate::rules`].
//!
//! It reports every problem it can find in one pass (units, dates, names, coverage of time
//! and validity) and produces compiled rules only for tariffs with no errors.

mod chemistry;
mod computed;
mod contract;
mod lints;
mod sharing;
mod subsidy;
mod time;
mod values;

pub use computed::{FolderResources, NoResources, Resources};

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::ast::{
    self, AdjustmentClause, ContractSpec, DemandItem, EnergyBody, ItemKind, RoundTarget, Spanned,
};
use crate::diagnostic::{codes, did_you_mean, Diagnostic};
use crate::rules::{
    Adjustment, AdjustmentMode, CompiledRules, ContractDemand, Currency, Demand, DemandHoliday,
    EnergyCharge, EnergyPricing, FixedCharge, KeyedRate, MinimumBill, PowerFactorRule,
    RoundingPolicy, RuleRef, Season, Subscription, Surcharge, Tariff, Tax, Tier, Timeline,
};
use crate::source::{SourceMap, Span};
use crate::units::UnitKind;

const TARIFF_ITEMS: &[&str] = &[
    "currency",
    "calendar",
    "timezone",
    "interval",
    "season",
    "periods",
    "demand",
    "energy",
    "adjustment",
    "surcharge",
    "fixed",
    "minimum",
    "tax",
    "round",
    "computed",
];
const DEMAND_ITEMS: &[&str] = &[
    "interval",
    "contract",
    "charge",
    "power_factor",
    "waived",
    "phase",
    "subscription",
    "overage",
    "round",
];

/// Checks parsed rule files and lowers every error-free tariff.
///
/// `validity` is the package's window `[valid_from, valid_until)`: every time-varying value
/// must cover it.
///
/// ```
/// use voltlex_dsl::check::check_files;
/// use voltlex_dsl::source::SourceMap;
/// use voltlex_dsl::syntax::parse;
/// let mut sources = SourceMap::default();
/// let id = sources.add("a.vlx", "tariff \"A\" { currency JPY energy 16.56 JPY/kWh }");
/// let file = parse(id, &sources.file(id).unwrap().text).unwrap();
/// let (rules, diagnostics) = check_files(&sources, &[file], None);
/// assert!(diagnostics.is_empty());
/// assert_eq!(rules.tariffs[0].name, "A");
/// ```
pub fn check_files(
    sources: &SourceMap,
    files: &[ast::RuleFile],
    validity: Option<(NaiveDate, NaiveDate)>,
) -> (CompiledRules, Vec<Diagnostic>) {
    check_files_with(sources, files, validity, &NoResources)
}

/// [`check_files`] with a way to read the scripts and plugins rules refer to.
pub fn check_files_with(
    sources: &SourceMap,
    files: &[ast::RuleFile],
    validity: Option<(NaiveDate, NaiveDate)>,
    resources: &dyn Resources,
) -> (CompiledRules, Vec<Diagnostic>) {
    let mut diagnostics = Vec::new();
    let mut rules = CompiledRules::default();
    let mut names: Vec<(String, Span)> = Vec::new();
    for file in files {
        for decl in &file.tariffs {
            if let Some((_, first)) = names.iter().find(|(n, _)| *n == decl.name.value) {
                diagnostics.push(
                    Diagnostic::error(
                        codes::DUPLICATE_TARIFF,
                        format!("a tariff named \"{}\" already exists", decl.name.value),
                        decl.name.span,
                        "second tariff with this name",
                    )
                    .with_label(*first, "first defined here"),
                );
                continue;
            }
            names.push((decl.name.value.clone(), decl.name.span));
            let mut checker = Checker {
                sources,
                diagnostics: Vec::new(),
                currency: Currency::Jpy,
                currency_span: decl.name.span,
                validity,
                resources,
            };
            let tariff = checker.tariff(decl);
            let failed = checker.diagnostics.iter().any(Diagnostic::is_error);
            diagnostics.append(&mut checker.diagnostics);
            if !failed {
                diagnostics.extend(lints::warnings(decl, &tariff));
                rules.tariffs.push(tariff);
            }
        }
    }
    // The currencies of the money rules, for a chemistry's replacement cost.
    let mut currencies: Vec<(Currency, String, RuleRef)> = rules
        .tariffs
        .iter()
        .map(|t| {
            (
                t.currency,
                format!("tariff \"{}\"", t.name),
                t.origin.clone(),
            )
        })
        .collect();
    let new_checker = |diagnostics: Vec<Diagnostic>, name_span: Span| Checker {
        sources,
        diagnostics,
        currency: Currency::Jpy,
        currency_span: name_span,
        validity,
        resources,
    };
    let mut contract_names: Vec<(String, Span)> = Vec::new();
    for decl in files.iter().flat_map(|f| &f.contracts) {
        if !first_of_name(
            &mut contract_names,
            &decl.name,
            "contract",
            &mut diagnostics,
        ) {
            continue;
        }
        let mut checker = new_checker(Vec::new(), decl.name.span);
        let contract = checker.contract(decl);
        diagnostics.append(&mut checker.diagnostics);
        if let Some(contract) = contract {
            currencies.push((
                contract.currency,
                format!("contract \"{}\"", contract.name),
                contract.origin.clone(),
            ));
            rules.aggregator_contracts.push(contract);
        }
    }
    let mut chemistry_names: Vec<(String, Span)> = Vec::new();
    for decl in files.iter().flat_map(|f| &f.chemistries) {
        if !first_of_name(
            &mut chemistry_names,
            &decl.name,
            "chemistry",
            &mut diagnostics,
        ) {
            continue;
        }
        let mut checker = new_checker(Vec::new(), decl.name.span);
        let chemistry = checker.chemistry(decl);
        diagnostics.append(&mut checker.diagnostics);
        let Some(chemistry) = chemistry else { continue };
        // The rule has no currency of its own: its cost is read in the other rules' currency.
        let other = chemistry.cost_currency.and_then(|(currency, span)| {
            let (other, what, origin) = currencies.iter().find(|(c, _, _)| *c != currency)?;
            Some((currency, span, *other, what, origin))
        });
        if let Some((currency, span, other, what, origin)) = other {
            diagnostics.push(
                Diagnostic::error(
                    codes::CURRENCY_MISMATCH,
                    format!("replacement cost in {currency}, but {what} ({origin}) is in {other}"),
                    span,
                    format!("expected {other}/kWh"),
                )
                .with_help(format!(
                    "a chemistry's cost is compared with the package's other amounts: convert it to {other}"
                )),
            );
            continue;
        }
        rules.chemistries.push(chemistry.rule);
    }
    let mut subsidy_names: Vec<(String, Span)> = Vec::new();
    let subsidy_decls: Vec<&ast::SubsidyDecl> = files.iter().flat_map(|f| &f.subsidies).collect();
    for decl in &subsidy_decls {
        if !first_of_name(&mut subsidy_names, &decl.name, "subsidy", &mut diagnostics) {
            continue;
        }
        let mut checker = new_checker(Vec::new(), decl.name.span);
        let subsidy = checker.subsidy(decl);
        diagnostics.append(&mut checker.diagnostics);
        // `excludes` names subsidies of the package (checked or not: one error is enough).
        let mut excludes_ok = true;
        for excluded in decl.items.iter().flat_map(|item| match &item.kind {
            ast::SubsidyItemKind::Excludes(names) => names.as_slice(),
            _ => &[],
        }) {
            let found = subsidy_decls.iter().any(|d| d.name.value == excluded.value);
            if found && excluded.value != decl.name.value {
                continue;
            }
            excludes_ok = false;
            let diagnostic = if found {
                Diagnostic::error(
                    codes::UNKNOWN_SUBSIDY,
                    format!("subsidy \"{}\" excludes itself", excluded.value),
                    excluded.span,
                    "the subsidy being defined",
                )
                .with_help(
                    "`excludes` names another subsidy that rules this one out when it already paid",
                )
            } else {
                let names = subsidy_decls.iter().map(|d| d.name.value.as_str());
                let help = match did_you_mean(&excluded.value, names) {
                    Some(suggestion) => format!("did you mean \"{suggestion}\"?"),
                    None => format!(
                        "the package's subsidies are: {}",
                        subsidy_decls
                            .iter()
                            .map(|d| format!("\"{}\"", d.name.value))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                };
                Diagnostic::error(
                    codes::UNKNOWN_SUBSIDY,
                    format!("no subsidy named \"{}\" in this package", excluded.value),
                    excluded.span,
                    "excluded here",
                )
                .with_help(help)
            };
            diagnostics.push(diagnostic);
        }
        if let (Some(subsidy), true) = (subsidy, excludes_ok) {
            rules.subsidies.push(subsidy);
        }
    }
    let mut deal_names: Vec<(String, Span)> = Vec::new();
    for decl in files.iter().flat_map(|f| &f.risk_sharings) {
        if !first_of_name(
            &mut deal_names,
            &decl.name,
            "risk_sharing",
            &mut diagnostics,
        ) {
            continue;
        }
        let mut checker = new_checker(Vec::new(), decl.name.span);
        let deal = checker.risk_sharing(decl);
        diagnostics.append(&mut checker.diagnostics);
        if let Some(deal) = deal {
            rules.risk_sharings.push(deal);
        }
    }
    // Report in reading order, file by file.
    diagnostics.sort_by_key(|d| (d.span.file, d.span.start));
    (rules, diagnostics)
}

/// Records a contract's or chemistry's name; `false` (and an error) when the package already
/// has one of that kind with this name.
fn first_of_name(
    names: &mut Vec<(String, Span)>,
    name: &Spanned<String>,
    kind: &str,
    diagnostics: &mut Vec<Diagnostic>,
) -> bool {
    if let Some((_, first)) = names.iter().find(|(n, _)| *n == name.value) {
        diagnostics.push(
            Diagnostic::error(
                codes::DUPLICATE_NAME,
                format!("a {kind} named \"{}\" already exists", name.value),
                name.span,
                format!("second {kind} with this name"),
            )
            .with_label(*first, "first defined here")
            .with_help(format!(
                "{} are looked up by name: rename one of them",
                match kind.strip_suffix('y') {
                    Some(stem) => format!("{stem}ies"),
                    None => format!("{kind}s"),
                }
            )),
        );
        return false;
    }
    names.push((name.value.clone(), name.span));
    true
}

/// State while checking one tariff.
pub(crate) struct Checker<'a> {
    sources: &'a SourceMap,
    diagnostics: Vec<Diagnostic>,
    currency: Currency,
    currency_span: Span,
    validity: Option<(NaiveDate, NaiveDate)>,
    resources: &'a dyn Resources,
}

impl Checker<'_> {
    fn report(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }

    fn rule_ref(&self, span: Span) -> RuleRef {
        self.sources.rule_ref(span)
    }

    /// The first word of a statement (its keyword).
    fn keyword_span(&self, span: Span) -> Span {
        let text = self.sources.text(span);
        let len = text
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(text.len());
        if len == 0 {
            return span;
        }
        Span {
            end: span.start + len,
            ..span
        }
    }

    /// Reports the second of two statements that may appear once.
    fn once(
        &mut self,
        seen: &mut Vec<(&'static str, Span)>,
        what: &'static str,
        item: &ast::Item,
    ) -> bool {
        if let Some(&(_, first)) = seen.iter().find(|(w, _)| *w == what) {
            self.report(Diagnostic::error(codes::DUPLICATE, format!("`{what}` is given twice"), item.keyword, "given again here").with_label(first, "first given here").with_help("keep one; a value that changes over time is one timeline: `A from DATE, B from DATE`"));
            return false;
        }
        seen.push((what, item.keyword));
        true
    }

    fn tariff(&mut self, decl: &ast::TariffDecl) -> Tariff {
        let mut seen: Vec<(&'static str, Span)> = Vec::new();
        // Currency first: every money unit is checked against it.
        let currency = decl.items.iter().find_map(|i| match &i.kind {
            ItemKind::Currency(code) => Some(code),
            _ => None,
        });
        match currency {
            Some(code) => {
                self.currency_span = code.span;
                match code.value.as_str() {
                    "JPY" => self.currency = Currency::Jpy,
                    "USD" => self.currency = Currency::Usd,
                    other => {
                        let mut d = Diagnostic::error(
                            codes::UNKNOWN_CURRENCY,
                            format!("unknown currency `{other}`"),
                            code.span,
                            "expected JPY or USD",
                        );
                        d = match did_you_mean(other, ["JPY", "USD"]) {
                            Some(s) => d.with_help(format!("did you mean `{s}`?")),
                            None => d.with_help(
                                "voltlex bills in JPY or USD; convert the figures to one of them",
                            ),
                        };
                        self.report(d);
                    }
                }
            }
            None => self.report(
                Diagnostic::error(
                    codes::MISSING,
                    format!("tariff \"{}\" has no currency", decl.name.value),
                    decl.name.span,
                    "needs `currency JPY` or `currency USD`",
                )
                .with_help("add `currency JPY` as the tariff's first line"),
            ),
        }
        let interval_minutes = self.interval_of(decl.items.iter().find_map(|i| match &i.kind {
            ItemKind::Interval(q) => Some(q),
            _ => None,
        }));
        let season_decls: Vec<time::SeasonDecl<'_>> = decl
            .items
            .iter()
            .filter_map(|i| match &i.kind {
                ItemKind::Season { name, ranges } => Some(time::SeasonDecl {
                    name,
                    ranges: ranges.as_deref(),
                    span: i.span,
                }),
                _ => None,
            })
            .collect();
        let seasons = self.seasons(&season_decls);

        let mut tariff = Tariff {
            name: decl.name.value.clone(),
            origin: self.rule_ref(decl.span),
            currency: self.currency,
            calendar: crate::rules::Calendar {
                kind: crate::rules::CalendarKind::WeekendsOnly,
                time_zone: "UTC".into(),
                added: vec![],
                removed: vec![],
            },
            interval_minutes,
            seasons,
            periods: vec![],
            demand: None,
            energy: None,
            adjustments: vec![],
            surcharges: vec![],
            fixed_charges: vec![],
            computed: vec![],
            minimum_bill: None,
            tax: None,
            rounding: RoundingPolicy::default(),
            validity: self.validity,
        };
        let zone = decl.items.iter().find_map(|i| match &i.kind {
            ItemKind::TimeZone(z) => Some(z),
            _ => None,
        });
        let mut energy_item = None;
        // First declaration of each named adjustment and surcharge, for "first given here".
        let mut named: Vec<(&'static str, &str, Span)> = Vec::new();
        for item in &decl.items {
            match &item.kind {
                ItemKind::Currency(_) => {
                    self.once(&mut seen, "currency", item);
                }
                ItemKind::Calendar { name, add, remove } => {
                    if self.once(&mut seen, "calendar", item) {
                        tariff.calendar = self.calendar(name, add, remove, zone);
                    }
                }
                ItemKind::TimeZone(_) => {
                    self.once(&mut seen, "timezone", item);
                }
                ItemKind::Interval(_) => {
                    self.once(&mut seen, "interval", item);
                }
                ItemKind::Season { .. } => {}
                ItemKind::Periods(defs) => {
                    if self.once(&mut seen, "periods", item) {
                        let seasons = tariff.seasons.clone();
                        tariff.periods = self.periods(defs, &seasons, interval_minutes);
                    }
                }
                ItemKind::Demand(items) => {
                    if self.once(&mut seen, "demand", item) {
                        tariff.demand = self.demand(items, item, interval_minutes);
                    }
                }
                ItemKind::Energy { .. } => {
                    if self.once(&mut seen, "energy", item) {
                        energy_item = Some(item);
                    }
                }
                ItemKind::Adjustment { name, clauses } => {
                    if let Some(&(_, _, first)) = named
                        .iter()
                        .find(|(k, n, _)| *k == "adjustment" && *n == name.value)
                    {
                        self.report(
                            Diagnostic::error(
                                codes::DUPLICATE,
                                format!("adjustment `{}` is given twice", name.value),
                                name.span,
                                "second adjustment with this name",
                            )
                            .with_label(first, "first given here")
                            .with_help("give each adjustment its own name, or merge the two"),
                        );
                        continue;
                    }
                    named.push(("adjustment", &name.value, name.span));
                    if let Some(adjustment) = self.adjustment(name, clauses, item) {
                        tariff.adjustments.push(adjustment);
                    }
                }
                ItemKind::Surcharge {
                    name,
                    rate,
                    rounding,
                } => {
                    if let Some(&(_, _, first)) = named
                        .iter()
                        .find(|(k, n, _)| *k == "surcharge" && *n == name.value)
                    {
                        self.report(Diagnostic::error(codes::DUPLICATE, format!("surcharge `{}` is given twice", name.value), name.span, "second surcharge with this name").with_label(first, "first given here").with_help("a rate that changes over time is one timeline: `A from DATE, B from DATE`"));
                        continue;
                    }
                    named.push(("surcharge", &name.value, name.span));
                    if let Some(rate) = self.timeline(rate, UnitKind::MoneyPerKwh) {
                        let rounding = rounding
                            .as_ref()
                            .and_then(|r| self.rounding(r, UnitKind::Money));
                        tariff.surcharges.push(Surcharge {
                            name: name.value.clone(),
                            rate,
                            rounding,
                            origin: self.rule_ref(item.span),
                        });
                    }
                }
                ItemKind::Fixed { name, amount } => {
                    if let Some(amount) = self.timeline(amount, UnitKind::MoneyPerMonth) {
                        tariff.fixed_charges.push(FixedCharge {
                            name: name.value.clone(),
                            amount,
                            origin: self.rule_ref(item.span),
                        });
                    }
                }
                ItemKind::Minimum(amount) => {
                    if self.once(&mut seen, "minimum", item) {
                        if let Some(amount) = self.timeline(amount, UnitKind::MoneyPerMonth) {
                            tariff.minimum_bill = Some(MinimumBill {
                                amount,
                                origin: self.rule_ref(item.span),
                            });
                        }
                    }
                }
                ItemKind::Tax {
                    name,
                    rate,
                    included,
                } => {
                    if self.once(&mut seen, "tax", item) {
                        if let Some(rate) = self.percent_in(
                            rate,
                            Decimal::ZERO,
                            Decimal::ONE,
                            "a tax rate from 0% to 100%",
                        ) {
                            tariff.tax = Some(Tax {
                                name: name.value.clone(),
                                rate,
                                included: *included,
                                origin: self.rule_ref(item.span),
                            });
                        }
                    }
                }
                ItemKind::Round(target, spec) => {
                    let what = match target {
                        RoundTarget::EachLine => "round each line",
                        RoundTarget::Total => "round total",
                    };
                    if self.once(&mut seen, what, item) {
                        if let Some(rounding) = self.rounding(spec, UnitKind::Money) {
                            let entry = Some((rounding, self.rule_ref(item.span)));
                            match target {
                                RoundTarget::EachLine => tariff.rounding.each_line = entry,
                                RoundTarget::Total => tariff.rounding.total = entry,
                            }
                        }
                    }
                }
                ItemKind::Computed { name, clauses } => {
                    if tariff.computed.iter().any(|c| c.name == name.value) {
                        self.report(Diagnostic::error(
                            codes::DUPLICATE,
                            format!("computed `{}` is given twice", name.value),
                            name.span,
                            "second computed line with this name",
                        ));
                    } else if let Some(computed) = self.computed(name, clauses, item) {
                        tariff.computed.push(computed);
                    }
                }
                ItemKind::Unknown(word) => self.unknown(word, TARIFF_ITEMS, "tariff"),
            }
        }
        if !seen.iter().any(|(w, _)| *w == "calendar") {
            tariff.calendar.time_zone = zone.map_or("UTC".to_string(), |z| z.value.clone());
        }
        if let Some(item) = energy_item {
            if let ItemKind::Energy { body, rounding } = &item.kind {
                tariff.energy = self.energy(
                    body,
                    rounding.as_ref(),
                    item,
                    &tariff.seasons,
                    &tariff.periods,
                );
            }
        }
        tariff
    }

    fn unknown(&mut self, word: &Spanned<String>, known: &[&str], block: &str) {
        let mut d = Diagnostic::error(
            codes::UNKNOWN_ITEM,
            format!("unknown {block} item `{}`", word.value),
            word.span,
            "not a statement here",
        );
        d = match did_you_mean(&word.value, known.iter().copied()) {
            Some(s) => d.with_help(format!("did you mean `{s}`?")),
            None => d.with_help(format!("a {block} block holds: {}", known.join(", "))),
        };
        self.report(d);
    }

    fn interval_of(&mut self, quantity: Option<&ast::Quantity>) -> u32 {
        let Some(quantity) = quantity else { return 30 };
        match self.quantity(quantity, UnitKind::Minutes) {
            Some(v)
                if v == Decimal::from(15) || v == Decimal::from(30) || v == Decimal::from(60) =>
            {
                v.trunc().to_string().parse().unwrap_or(30)
            }
            Some(_) => {
                self.report(Diagnostic::error(
                    codes::BAD_INTERVAL,
                    format!(
                        "interval of {} minutes is not supported",
                        quantity.number.value
                    ),
                    quantity.span,
                    "expected 15, 30 or 60 min",
                )
                .with_help("meter data comes in 15-, 30- or 60-minute intervals: write `interval 30 min`"));
                30
            }
            None => 30,
        }
    }

    fn percent_in(
        &mut self,
        quantity: &ast::Quantity,
        low: Decimal,
        high: Decimal,
        what: &str,
    ) -> Option<Decimal> {
        let value = self.quantity(quantity, UnitKind::Percent)?;
        if value < low || value > high {
            self.report(Diagnostic::error(
                codes::BAD_PERCENT,
                format!("{}% is out of range", quantity.number.value),
                quantity.span,
                format!("expected {what}"),
            ));
            return None;
        }
        Some(value)
    }

    fn demand(
        &mut self,
        items: &[Spanned<DemandItem>],
        block: &ast::Item,
        tariff_interval: u32,
    ) -> Option<Demand> {
        let mut seen: Vec<(&'static str, Span)> = Vec::new();
        let mut once = |checker: &mut Self, what: &'static str, span: Span| -> bool {
            // Underline the keyword, not the whole statement.
            let span = checker.keyword_span(span);
            if let Some(&(_, first)) = seen.iter().find(|(w, _)| *w == what) {
                checker.report(
                    Diagnostic::error(
                        codes::DUPLICATE,
                        format!("`{what}` is given twice in the demand block"),
                        span,
                        "given again here",
                    )
                    .with_label(first, "first given here")
                    .with_help("keep one; a value that changes over time is one timeline: `A from DATE, B from DATE`"),
                );
                return false;
            }
            seen.push((what, span));
            true
        };
        let mut interval = None;
        let mut contract = None;
        let mut charge = None;
        let mut power_factor = None;
        let mut waived: Option<(NaiveDate, Span)> = None;
        let mut phase_in: Option<(Timeline<Decimal>, Span, &ast::Timeline)> = None;
        let mut subscription: Option<(Decimal, Timeline<Decimal>, Span)> = None;
        let mut overage: Option<(Timeline<Decimal>, Span)> = None;
        let mut rounding = None;
        let mut ok = true;
        for item in items {
            match &item.value {
                DemandItem::Interval(q) => {
                    if once(self, "interval", item.span) {
                        interval = Some(self.interval_of(Some(q)));
                    }
                }
                DemandItem::Contract(spec) => {
                    if once(self, "contract", item.span) {
                        contract = match spec {
                            ContractSpec::Ratchet(q) => self
                                .whole(q, UnitKind::Months, 1..=36)
                                .map(|months| ContractDemand::Ratchet { months }),
                            ContractSpec::MonthlyPeak => Some(ContractDemand::MonthlyPeak),
                            ContractSpec::Agreed => Some(ContractDemand::Agreed),
                        };
                        ok &= contract.is_some();
                    }
                }
                DemandItem::Charge(t) => {
                    if once(self, "charge", item.span) {
                        charge = self.timeline(t, UnitKind::MoneyPerKwMonth);
                        ok &= charge.is_some();
                    }
                }
                DemandItem::PowerFactor { base, step } => {
                    if once(self, "power_factor", item.span) {
                        let base = self.percent_in(
                            base,
                            Decimal::ZERO,
                            Decimal::ONE,
                            "a base power factor from 0% to 100%",
                        );
                        let step_value = self.percent_in(
                            step,
                            Decimal::ZERO,
                            Decimal::ONE,
                            "a step from 0% to 100% per point",
                        );
                        match (base, step_value) {
                            (Some(base), Some(step)) => {
                                power_factor = Some(PowerFactorRule {
                                    base,
                                    step,
                                    origin: self.rule_ref(item.span),
                                })
                            }
                            _ => ok = false,
                        }
                    }
                }
                DemandItem::Waived(date) => {
                    if once(self, "waived", item.span) {
                        match self.date(date) {
                            Some(d) => waived = Some((d, item.span)),
                            None => ok = false,
                        }
                    }
                }
                DemandItem::PhaseIn(t) => {
                    if once(self, "phase in", item.span) {
                        // Phase-in steps are dated shares; they need not cover the whole window.
                        let saved = self.validity.take();
                        let timeline = self.timeline(t, UnitKind::Percent);
                        self.validity = saved;
                        match timeline {
                            Some(timeline) => phase_in = Some((timeline, item.span, t)),
                            None => ok = false,
                        }
                    }
                }
                DemandItem::Subscription { block, price } => {
                    if once(self, "subscription", item.span) {
                        let size = self.quantity(block, UnitKind::Power);
                        let price = self.timeline(price, UnitKind::MoneyPerMonth);
                        match (size, price) {
                            (Some(size), Some(price)) if size > Decimal::ZERO => {
                                subscription = Some((size, price, item.span))
                            }
                            (Some(_), Some(_)) => {
                                self.report(Diagnostic::error(
                                    codes::BAD_NUMBER,
                                    "subscription block must be larger than 0 kW",
                                    block.span,
                                    "expected a positive kW",
                                ));
                                ok = false;
                            }
                            _ => ok = false,
                        }
                    }
                }
                DemandItem::Overage(t) => {
                    if once(self, "overage", item.span) {
                        match self.timeline(t, UnitKind::MoneyPerKw) {
                            Some(t) => overage = Some((t, item.span)),
                            None => ok = false,
                        }
                    }
                }
                DemandItem::Round(spec) => {
                    if once(self, "round", item.span) {
                        rounding = self.rounding(spec, UnitKind::Money);
                    }
                }
                DemandItem::Unknown(word) => {
                    self.unknown(word, DEMAND_ITEMS, "demand");
                    ok = false;
                }
            }
        }
        let head = block.keyword;
        // Where a statement was given, even if its value was wrong (already reported): a
        // wrong value is not also a missing statement.
        let given = |what: &str| seen.iter().find(|(w, _)| *w == what).map(|s| s.1);
        if charge.is_none() && subscription.is_none() && ok {
            self.report(
                Diagnostic::error(codes::MISSING, "demand block has neither a `charge` nor a `subscription`", head, "charges nothing")
                    .with_help("add `charge 1890.00 JPY/kW per month` or `subscription block 50 kW at … per month`"),
            );
            ok = false;
        }
        if charge.is_some() && given("contract").is_none() && given("subscription").is_none() {
            self.report(
                Diagnostic::error(codes::MISSING, "demand charge without a contract demand rule", head, "how is the billed kW found?")
                    .with_help("add `contract = max demand over 12 months` (ratchet), `contract = monthly peak` or `contract = agreed`"),
            );
            ok = false;
        }
        if let Some((_, _, span)) = &subscription {
            if overage.is_none() {
                self.report(
                    Diagnostic::error(
                        codes::MISSING,
                        "subscription without an overage price",
                        *span,
                        "what does a kW above the blocks cost?",
                    )
                    .with_help("add `overage 3.82 USD/kW`"),
                );
                ok = false;
            }
            if matches!(
                contract,
                Some(ContractDemand::Ratchet { .. } | ContractDemand::Agreed)
            ) {
                let mut d = Diagnostic::error(codes::CONFLICT, "a subscription is billed on the month's own peak; it cannot have a ratchet or agreed contract", *span, "subscription here");
                if let Some(contract) = given("contract") {
                    d = d.with_label(contract, "contract demand rule here");
                }
                self.report(
                    d.with_help("remove the `contract` line or write `contract = monthly peak`"),
                );
                ok = false;
            }
        }
        if let (Some((_, span)), None) = (&overage, given("subscription")) {
            self.report(
                Diagnostic::error(
                    codes::MISSING,
                    "overage without a subscription",
                    *span,
                    "overage of what?",
                )
                .with_help("add `subscription block 50 kW at … per month`"),
            );
            ok = false;
        }
        if power_factor.is_some() && given("charge").is_none() {
            let span = given("power_factor").unwrap_or(head);
            self.report(
                Diagnostic::error(
                    codes::MISSING,
                    "power-factor adjustment without a demand charge to adjust",
                    span,
                    "adjusts nothing",
                )
                .with_help("add `charge … JPY/kW per month`"),
            );
            ok = false;
        }
        let holiday = match (waived, phase_in) {
            (None, Some((_, span, _))) => {
                self.report(
                    Diagnostic::error(
                        codes::DEMAND_HOLIDAY,
                        "phase-in without a demand-charge holiday",
                        span,
                        "phased in from what?",
                    )
                    .with_help("add `waived until DATE` before the phase-in"),
                );
                ok = false;
                None
            }
            (Some((until, span)), phase) => {
                let mut steps = Vec::new();
                if let Some((timeline, _, written)) = phase {
                    let mut last = Decimal::ZERO;
                    // The checked timeline has one step per written step.
                    for (step, text) in timeline.steps.into_iter().zip(&written.steps) {
                        match step.from {
                            Some(from) if from >= until => {}
                            _ => {
                                let at = text.from.as_ref().map_or(text.quantity.span, |f| f.span);
                                self.report(
                                    Diagnostic::error(codes::DEMAND_HOLIDAY, format!("phase-in step must start on or after the end of the holiday ({until})"), at, "starts before the holiday ends")
                                        .with_label(span, "the holiday ends here")
                                        .with_help(format!("the first step can start the day the holiday ends: `from {until}`")),
                                );
                                ok = false;
                            }
                        }
                        if step.value < last || step.value > Decimal::ONE {
                            self.report(Diagnostic::error(
                                codes::DEMAND_HOLIDAY,
                                "phase-in shares must rise from 0% to at most 100%",
                                text.quantity.span,
                                if step.value > Decimal::ONE {
                                    "above 100%"
                                } else {
                                    "lower than the step before"
                                },
                            ).with_help("each step charges a larger share of the demand charge, up to 100%"));
                            ok = false;
                        }
                        last = step.value;
                        if let Some(from) = step.from {
                            steps.push((from, step.value));
                        }
                    }
                }
                Some(DemandHoliday {
                    waived_until: until,
                    phase_in: steps,
                    origin: self.rule_ref(span),
                })
            }
            (None, None) => None,
        };
        if !ok {
            return None;
        }
        let demand_interval = interval.unwrap_or(tariff_interval);
        let subscription = subscription
            .zip(overage)
            .map(|((size, price, span), (overage, _))| Subscription {
                block_kw: size.to_string().parse().unwrap_or(0.0),
                block_price: price,
                overage_per_kw: overage,
                origin: self.rule_ref(span),
            });
        Some(Demand {
            origin: self.rule_ref(block.span),
            interval_minutes: demand_interval,
            contract: contract.unwrap_or(ContractDemand::MonthlyPeak),
            charge_per_kw: charge,
            power_factor,
            holiday,
            subscription,
            rounding,
        })
    }

    fn energy(
        &mut self,
        body: &EnergyBody,
        rounding: Option<&ast::RoundingSpec>,
        item: &ast::Item,
        seasons: &[Season],
        periods: &[crate::rules::Period],
    ) -> Option<EnergyCharge> {
        let rounding = rounding.and_then(|r| self.rounding(r, UnitKind::Money));
        let pricing = match body {
            EnergyBody::Flat(t) => EnergyPricing::Flat(self.timeline(t, UnitKind::MoneyPerKwh)?),
            EnergyBody::Keyed(entries) => self.keyed_energy(entries, item, seasons, periods)?,
            EnergyBody::Tiers(tiers) => {
                let mut out = Vec::new();
                let mut last: Option<(Decimal, Span)> = None;
                let mut ok = true;
                for (index, (limit, rate, span)) in tiers.iter().enumerate() {
                    let rate = self.timeline(rate, UnitKind::MoneyPerKwh);
                    let up_to = match limit {
                        Some(q) => {
                            let value = self.quantity(q, UnitKind::Energy);
                            if let Some(v) = value {
                                match last {
                                    Some((l, previous)) if v <= l => {
                                        self.report(
                                            Diagnostic::error(
                                                codes::TIER_ORDER,
                                                "tier limits must increase",
                                                q.span,
                                                "not above the previous limit",
                                            )
                                            .with_label(previous, "previous limit")
                                            .with_help("list the tiers from the smallest limit up; each `up to` is a total for the month, not the size of the tier"),
                                        );
                                        ok = false;
                                    }
                                    _ if v <= Decimal::ZERO => {
                                        self.report(Diagnostic::error(
                                            codes::TIER_ORDER,
                                            "tier limits must be above 0 kWh",
                                            q.span,
                                            "not above 0 kWh",
                                        ));
                                        ok = false;
                                    }
                                    _ => {}
                                }
                                last = Some((v, q.span));
                            }
                            if index + 1 == tiers.len() {
                                self.report(
                                    Diagnostic::error(
                                        codes::TIER_ORDER,
                                        "the last tier must be `rest at PRICE`",
                                        *span,
                                        "kWh above this limit would have no price",
                                    )
                                    .with_help("add a last tier `rest at … JPY/kWh`"),
                                );
                                ok = false;
                            }
                            value.map(|v| v.to_string().parse::<f64>().unwrap_or(0.0))
                        }
                        None => {
                            if index + 1 != tiers.len() {
                                self.report(
                                    Diagnostic::error(
                                        codes::TIER_ORDER,
                                        "`rest` must be the last tier",
                                        *span,
                                        "tiers after this one are never reached",
                                    )
                                    .with_help("move `rest at …` to the end of the tiers"),
                                );
                                ok = false;
                            }
                            None
                        }
                    };
                    match rate {
                        Some(rate) => out.push(Tier {
                            up_to_kwh: up_to,
                            rate,
                        }),
                        None => ok = false,
                    }
                }
                if out.is_empty() && ok {
                    self.report(Diagnostic::error(
                        codes::TIER_ORDER,
                        "energy tiers without any tier",
                        item.span,
                        "no prices",
                    ));
                    ok = false;
                }
                if !ok {
                    return None;
                }
                EnergyPricing::Tiered(out)
            }
        };
        Some(EnergyCharge {
            pricing,
            origin: self.rule_ref(item.span),
            rounding,
        })
    }

    fn keyed_energy(
        &mut self,
        entries: &[(Spanned<String>, ast::Timeline)],
        item: &ast::Item,
        seasons: &[Season],
        periods: &[crate::rules::Period],
    ) -> Option<EnergyPricing> {
        let is_period = |k: &str| periods.iter().any(|p| p.name == k);
        let is_season = |k: &str| seasons.iter().any(|s| s.name == k);
        let by_period = entries
            .first()
            .is_some_and(|(k, _)| is_period(&k.value) || !is_season(&k.value));
        let mut ok = true;
        let mut rates = Vec::new();
        for (key, timeline) in entries {
            let known = if by_period {
                is_period(&key.value)
            } else {
                is_season(&key.value)
            };
            if !known {
                let (code, what, names): (&str, &str, Vec<&str>) = if by_period {
                    (
                        codes::UNKNOWN_PERIOD,
                        "period",
                        periods.iter().map(|p| p.name.as_str()).collect(),
                    )
                } else {
                    (
                        codes::UNKNOWN_SEASON,
                        "season",
                        seasons.iter().map(|s| s.name.as_str()).collect(),
                    )
                };
                let mut d = Diagnostic::error(
                    code,
                    format!("no {what} named `{}`", key.value),
                    key.span,
                    format!("not a declared {what}"),
                );
                d = match did_you_mean(&key.value, names.iter().copied()) {
                    Some(s) => d.with_help(format!("did you mean `{s}`?")),
                    None if names.is_empty() => d.with_help(format!(
                        "declare the {what}s first (`periods {{ … }}` or `season NAME = …`)"
                    )),
                    None => d.with_help(format!("the {what}s are: {}", names.join(", "))),
                };
                self.report(d);
                ok = false;
                continue;
            }
            if rates.iter().any(|r: &KeyedRate| r.key == key.value) {
                self.report(Diagnostic::error(
                    codes::DUPLICATE,
                    format!("price for `{}` given twice", key.value),
                    key.span,
                    "again here",
                ));
                ok = false;
                continue;
            }
            match self.timeline(timeline, UnitKind::MoneyPerKwh) {
                Some(rate) => rates.push(KeyedRate {
                    key: key.value.clone(),
                    rate,
                }),
                None => ok = false,
            }
        }
        if ok {
            let all: Vec<&str> = if by_period {
                periods.iter().map(|p| p.name.as_str()).collect()
            } else {
                seasons.iter().map(|s| s.name.as_str()).collect()
            };
            let missing: Vec<&str> = all
                .into_iter()
                .filter(|k| !rates.iter().any(|r| r.key == *k))
                .collect();
            if let Some(first_missing) = missing.first() {
                self.report(
                    Diagnostic::error(
                        codes::ENERGY_KEYS,
                        format!(
                            "no energy price for {} `{}`",
                            if by_period { "period" } else { "season" },
                            missing.join("`, `")
                        ),
                        item.keyword,
                        "every kWh needs a price",
                    )
                    .with_help(format!(
                        "add `{first_missing} … JPY/kWh` to the energy block"
                    )),
                );
                ok = false;
            }
        }
        if !ok {
            return None;
        }
        Some(if by_period {
            EnergyPricing::ByPeriod(rates)
        } else {
            EnergyPricing::BySeason(rates)
        })
    }

    fn adjustment(
        &mut self,
        name: &Spanned<String>,
        clauses: &[Spanned<AdjustmentClause>],
        item: &ast::Item,
    ) -> Option<Adjustment> {
        let mut index = None;
        let mut lag = None;
        let mut average = None;
        let mut share = Decimal::ONE;
        let mut baseline = None;
        let mut per_interval: Option<Span> = None;
        let mut unit_rounding = None;
        let mut rounding = None;
        let mut ok = true;
        for clause in clauses {
            match &clause.value {
                AdjustmentClause::Index(text) => index = Some(text.value.clone()),
                AdjustmentClause::Lag(q) => {
                    lag = self
                        .whole(q, UnitKind::Months, 0..=24)
                        .map(|v| (v, clause.span));
                    ok &= lag.is_some();
                }
                AdjustmentClause::Average(q) => {
                    average = self
                        .whole(q, UnitKind::Months, 1..=24)
                        .map(|v| (v, clause.span));
                    ok &= average.is_some();
                }
                AdjustmentClause::Reflect(q, base) => {
                    match self.percent_in(
                        q,
                        Decimal::ZERO,
                        Decimal::from(10),
                        "a share from 0% to 1000%",
                    ) {
                        Some(v) => share = v,
                        None => ok = false,
                    }
                    if let Some(base) = base {
                        baseline = self.timeline(base, UnitKind::MoneyPerKwh);
                        ok &= baseline.is_some();
                    }
                }
                AdjustmentClause::PerInterval => per_interval = Some(clause.span),
                AdjustmentClause::UnitRound(spec) => {
                    unit_rounding = self.rounding(spec, UnitKind::MoneyPerKwh)
                }
                AdjustmentClause::Round(spec) => rounding = self.rounding(spec, UnitKind::Money),
            }
        }
        if index.is_none() {
            self.report(Diagnostic::error(codes::MISSING, format!("adjustment `{}` has no index", name.value), name.span, "adjusts by what?").with_help("add `index \"NAME\"`; the series is given at billing time with `--index NAME=FILE`"));
            ok = false;
        }
        if let Some(span) = per_interval {
            for (what, value) in [
                ("lag", lag.filter(|(v, _)| *v > 0)),
                ("average", average.filter(|(v, _)| *v > 1)),
            ] {
                if let Some((_, other)) = value {
                    self.report(
                        Diagnostic::error(
                            codes::CONFLICT,
                            format!("`per interval` pricing cannot have a {what} window"),
                            other,
                            "conflicts with `per interval`",
                        )
                        .with_label(span, "prices each interval at its own index value")
                        .with_help(format!(
                            "remove the `{what}`, or remove `per interval` to price the month at {}",
                            if what == "lag" { "an earlier month's index" } else { "an average of the index" }
                        )),
                    );
                    ok = false;
                }
            }
        }
        if !ok {
            return None;
        }
        let origin = self.rule_ref(item.span);
        Some(Adjustment {
            name: name.value.clone(),
            index: index.unwrap_or_default(),
            lag_months: lag.map_or(0, |(v, _)| v),
            average_months: average.map_or(1, |(v, _)| v),
            mode: if per_interval.is_some() {
                AdjustmentMode::PerInterval
            } else {
                AdjustmentMode::Monthly
            },
            share,
            baseline: baseline.unwrap_or_else(|| Timeline::constant(Decimal::ZERO, origin.clone())),
            unit_rounding,
            rounding,
            origin,
        })
    }
}
