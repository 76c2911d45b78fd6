//! The syntax tree: what the text says, with the byte span of every piece, before any
//! meaning is checked. Numbers, dates and units are kept as written; the checker reads them.

use crate::source::{FileId, Span};

/// A piece of text and where it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spanned<T> {
    /// The value.
    pub value: T,
    /// Where it was written.
    pub span: Span,
}

/// One parsed rule file.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleFile {
    /// The file it came from.
    pub file: FileId,
    /// Its tariffs, in order.
    pub tariffs: Vec<TariffDecl>,
    /// Its `contract aggregator` blocks, in order.
    pub contracts: Vec<ContractDecl>,
    /// Its `chemistry` blocks, in order.
    pub chemistries: Vec<ChemistryDecl>,
    /// Its `subsidy` blocks, in order.
    pub subsidies: Vec<SubsidyDecl>,
    /// Its `risk_sharing` blocks, in order.
    pub risk_sharings: Vec<SharingDecl>,
}

/// `tariff "name" { … }`.
#[derive(Debug, Clone, PartialEq)]
pub struct TariffDecl {
    /// The quoted name.
    pub name: Spanned<String>,
    /// The whole declaration.
    pub span: Span,
    /// Its items in order.
    pub items: Vec<Item>,
}

/// A number with its unit as written: `16.56 JPY/kWh`, `3 months`, `85%`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quantity {
    /// The number's text (may hold `_` separators).
    pub number: Spanned<String>,
    /// The unit's atoms in order (`["JPY", "kW", "month"]` for `JPY/kW per month`).
    pub unit: Vec<Spanned<String>>,
    /// The unit as written.
    pub unit_text: Spanned<String>,
    /// The whole quantity.
    pub span: Span,
}

/// One value of a timeline and the date it takes effect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timed {
    /// The value.
    pub quantity: Quantity,
    /// `from DATE`, as written.
    pub from: Option<Spanned<String>>,
}

/// `VALUE [from DATE] {, VALUE from DATE} [until DATE]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timeline {
    /// The values in written order.
    pub steps: Vec<Timed>,
    /// `until DATE`, as written.
    pub until: Option<Spanned<String>>,
    /// The whole timeline.
    pub span: Span,
}

/// Rounding direction keyword.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoundMode {
    /// `down`
    Down,
    /// `up`
    Up,
    /// `nearest`
    Nearest,
}

/// `down|up|nearest to QUANTITY`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoundingSpec {
    /// Direction.
    pub mode: RoundMode,
    /// The step (`1 JPY`, `0.01 JPY/kWh`).
    pub step: Quantity,
    /// The whole clause.
    pub span: Span,
}

/// One end of a season range: `Jul` or `07-01`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SeasonPoint {
    /// A month name (`Jul`).
    Month(Spanned<String>),
    /// A month-day (`07-01`).
    MonthDay(Spanned<String>),
}

/// A day set keyword of a period clause.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DayWord {
    /// `weekdays`
    Weekdays,
    /// `weekends`
    Weekends,
    /// `saturdays`
    Saturdays,
    /// `sundays`
    Sundays,
    /// `holidays`
    Holidays,
    /// `every day`
    EveryDay,
}

/// `days [and days] [HH:MM..HH:MM, …] [in season, …]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeriodClause {
    /// Day sets, joined by `and`.
    pub days: Vec<Spanned<DayWord>>,
    /// Time ranges as written (start, end).
    pub times: Vec<(Spanned<String>, Spanned<String>)>,
    /// Season names.
    pub seasons: Vec<Spanned<String>>,
    /// The whole clause.
    pub span: Span,
}

/// `name = clause or clause … [except p, q]` or `name = otherwise`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeriodDef {
    /// The period's name.
    pub name: Spanned<String>,
    /// Alternatives; empty for `otherwise`.
    pub clauses: Vec<PeriodClause>,
    /// Periods taken out.
    pub except: Vec<Spanned<String>>,
    /// `true` for `otherwise`.
    pub otherwise: bool,
    /// The whole definition.
    pub span: Span,
}

/// How contract demand is set, as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContractSpec {
    /// `max demand over N months`
    Ratchet(Quantity),
    /// `monthly peak`
    MonthlyPeak,
    /// `agreed`
    Agreed,
}

/// An item of a `demand { … }` block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DemandItem {
    /// `interval 30 min`
    Interval(Quantity),
    /// `contract = …`
    Contract(ContractSpec),
    /// `charge TIMELINE`
    Charge(Timeline),
    /// `power_factor base Q step Q`
    PowerFactor {
        /// Base power factor.
        base: Quantity,
        /// Change per point.
        step: Quantity,
    },
    /// `waived until DATE`
    Waived(Spanned<String>),
    /// `phase in TIMELINE`
    PhaseIn(Timeline),
    /// `subscription block Q at TIMELINE`
    Subscription {
        /// Block size.
        block: Quantity,
        /// Price per block per month.
        price: Timeline,
    },
    /// `overage TIMELINE`
    Overage(Timeline),
    /// `round …`
    Round(RoundingSpec),
    /// An unrecognised statement.
    Unknown(Spanned<String>),
}

/// The body of an `energy` item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnergyBody {
    /// `energy TIMELINE`
    Flat(Timeline),
    /// `energy { key TIMELINE … }`
    Keyed(Vec<(Spanned<String>, Timeline)>),
    /// `energy tiers { up to Q at TIMELINE … rest at TIMELINE }`
    Tiers(Vec<(Option<Quantity>, Timeline, Span)>),
}

/// A clause of an `adjustment`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AdjustmentClause {
    /// `index "name"`
    Index(Spanned<String>),
    /// `lag N months`
    Lag(Quantity),
    /// `average [over] N months`
    Average(Quantity),
    /// `reflect P% [over TIMELINE]`
    Reflect(Quantity, Option<Timeline>),
    /// `per interval`
    PerInterval,
    /// `unit round …`
    UnitRound(RoundingSpec),
    /// `round …`
    Round(RoundingSpec),
}

/// What a tariff-level `round` applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoundTarget {
    /// `round each line …`
    EachLine,
    /// `round total …`
    Total,
}

/// One statement inside a tariff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ItemKind {
    /// `currency JPY`
    Currency(Spanned<String>),
    /// `calendar japan [{ add D, …; remove D, … }]`
    Calendar {
        /// Calendar name.
        name: Spanned<String>,
        /// Added holidays.
        add: Vec<Spanned<String>>,
        /// Removed holidays.
        remove: Vec<Spanned<String>>,
    },
    /// `timezone "Asia/Tokyo"`
    TimeZone(Spanned<String>),
    /// `interval 30 min`
    Interval(Quantity),
    /// `season name = ranges | otherwise`
    Season {
        /// Season name.
        name: Spanned<String>,
        /// Ranges; `None` for `otherwise`.
        ranges: Option<Vec<(SeasonPoint, SeasonPoint)>>,
    },
    /// `periods { … }`
    Periods(Vec<PeriodDef>),
    /// `demand { … }`
    Demand(Vec<Spanned<DemandItem>>),
    /// `energy …`
    Energy {
        /// Pricing.
        body: EnergyBody,
        /// Rounding of the energy lines.
        rounding: Option<RoundingSpec>,
    },
    /// `adjustment name clauses`
    Adjustment {
        /// Name.
        name: Spanned<String>,
        /// Clauses.
        clauses: Vec<Spanned<AdjustmentClause>>,
    },
    /// `surcharge name TIMELINE [round …]`
    Surcharge {
        /// Name.
        name: Spanned<String>,
        /// Rate.
        rate: Timeline,
        /// Rounding.
        rounding: Option<RoundingSpec>,
    },
    /// `fixed name TIMELINE`
    Fixed {
        /// Name.
        name: Spanned<String>,
        /// Amount per month.
        amount: Timeline,
    },
    /// `minimum TIMELINE`
    Minimum(Timeline),
    /// `tax name RATE included|added`
    Tax {
        /// Name.
        name: Spanned<String>,
        /// Rate.
        rate: Quantity,
        /// Prices include the tax.
        included: bool,
    },
    /// `round each line|total …`
    Round(RoundTarget, RoundingSpec),
    /// `computed name { script … | plugin …; index …; returns UNIT; round … }`
    Computed {
        /// Name.
        name: Spanned<String>,
        /// Clauses.
        clauses: Vec<Spanned<ComputedClause>>,
    },
    /// A statement the grammar does not know (the first word, and the rest).
    Unknown(Spanned<String>),
}

/// A clause of a `computed` block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ComputedClause {
    /// `script rhai "file.rhai"` or `script rhai """ … """`.
    Script {
        /// The file path, or the inline code (span of the code itself).
        text: Spanned<String>,
        /// `true` for inline code.
        inline: bool,
    },
    /// `plugin wasm "file.wasm" export "name"`.
    Plugin {
        /// The module's path.
        file: Spanned<String>,
        /// The export to call.
        export: Spanned<String>,
    },
    /// `index "name" [lag N months]`.
    Index {
        /// The series name.
        name: Spanned<String>,
        /// The lag.
        lag: Option<Quantity>,
    },
    /// `returns UNIT` (the unit as a quantity of 1, for the unit reader).
    Returns(Quantity),
    /// `round …`
    Round(RoundingSpec),
    /// An unrecognised clause.
    Unknown(Spanned<String>),
}

/// A statement with the span of its keyword and of the whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// What it says.
    pub kind: ItemKind,
    /// The leading keyword.
    pub keyword: Span,
    /// The whole statement.
    pub span: Span,
}

/// `contract aggregator "name" { … }`.
///
/// ```
/// use voltlex_dsl::ast::ContractItemKind;
/// use voltlex_dsl::syntax::parse;
/// let text = "contract aggregator \"VPP\" { markets spot, capacity share fleet 70%, aggregator 30% }";
/// let file = parse(0, text).unwrap();
/// let contract = &file.contracts[0];
/// assert_eq!(contract.name.value, "VPP");
/// let ContractItemKind::Markets(markets) = &contract.items[0].kind else { panic!() };
/// assert_eq!(markets[1].value, "capacity");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContractDecl {
    /// The quoted name.
    pub name: Spanned<String>,
    /// The whole declaration.
    pub span: Span,
    /// Its statements in order.
    pub items: Vec<ContractItem>,
}

/// Who a revenue share goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShareParty {
    /// `fleet`
    Fleet,
    /// `aggregator`
    Aggregator,
}

/// One statement of an aggregator contract, as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContractItemKind {
    /// `markets spot, tertiary2, …`
    Markets(Vec<Spanned<String>>),
    /// `minimum bid 1 MW`
    MinimumBid(Quantity),
    /// `minimum soc 30%`
    MinimumSoc(Quantity),
    /// `share fleet 70%, aggregator 30%`
    Share(Vec<(Spanned<ShareParty>, Quantity)>),
    /// `fee 2 JPY per kWh`, `fee 10000 JPY per month`, `fee 500 JPY per vehicle per month`.
    Fee {
        /// The amount and its unit (`JPY` alone when `per vehicle per month` follows).
        amount: Quantity,
        /// The span of `per vehicle per month`, when written.
        per_vehicle_month: Option<Span>,
    },
    /// `max cycles 1.5 per day` (the number as written).
    MaxCycles(Spanned<String>),
    /// `penalty 100 JPY per kW`
    Penalty(Quantity),
    /// An unrecognised statement.
    Unknown(Spanned<String>),
}

/// A statement of an aggregator contract with the span of its leading words and of the whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContractItem {
    /// What it says.
    pub kind: ContractItemKind,
    /// The leading keywords (`minimum bid`).
    pub keyword: Span,
    /// The whole statement.
    pub span: Span,
}

/// `chemistry "name" { … }`.
///
/// ```
/// use voltlex_dsl::ast::ChemistryItemKind;
/// use voltlex_dsl::syntax::parse;
/// let text = "chemistry \"Pack\" { cycle life 3000 at 100% DoD, 9000 at 40% DoD }";
/// let file = parse(0, text).unwrap();
/// let ChemistryItemKind::CycleLife(points) = &file.chemistries[0].items[0].kind else { panic!() };
/// assert_eq!(points[1].cycles.value, "9000");
/// assert_eq!(points[1].depth_of_discharge.unit_text.value, "%");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChemistryDecl {
    /// The quoted name.
    pub name: Spanned<String>,
    /// The whole declaration.
    pub span: Span,
    /// Its statements in order.
    pub items: Vec<ChemistryItem>,
}

/// `CYCLES at DEPTH% DoD`: one point of a cycle-life curve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CyclePoint {
    /// The number of cycles as written.
    pub cycles: Spanned<String>,
    /// The depth of discharge (`80%`).
    pub depth_of_discharge: Quantity,
    /// The whole point.
    pub span: Span,
}

/// One statement of a chemistry, as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChemistryItemKind {
    /// `based on "LFP"`
    BasedOn(Spanned<String>),
    /// `cycle life 3000 at 100% DoD, …`
    CycleLife(Vec<CyclePoint>),
    /// `end of life 80%` (capacity remaining).
    EndOfLife(Quantity),
    /// `calendar loss 2.5% after 1 year`
    CalendarLoss {
        /// The capacity lost.
        loss: Quantity,
        /// After how long (`1 year`).
        after: Quantity,
    },
    /// `calendar exponent 0.5` (the number as written).
    CalendarExponent(Spanned<String>),
    /// `replacement cost 25000 JPY/kWh`
    ReplacementCost(Quantity),
    /// An unrecognised statement.
    Unknown(Spanned<String>),
}

/// A statement of a chemistry with the span of its leading words and of the whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChemistryItem {
    /// What it says.
    pub kind: ChemistryItemKind,
    /// The leading keywords (`cycle life`).
    pub keyword: Span,
    /// The whole statement.
    pub span: Span,
}

/// `subsidy "name" { … }`.
///
/// ```
/// use voltlex_dsl::ast::{ItemClass, SubsidyItemKind};
/// use voltlex_dsl::syntax::parse;
/// let text = "subsidy \"S\" { programme \"CEV\" national applies to charger amount 1000 JPY }";
/// let file = parse(0, text).unwrap();
/// let subsidy = &file.subsidies[0];
/// assert_eq!(subsidy.name.value, "S");
/// let SubsidyItemKind::AppliesTo { item, .. } = &subsidy.items[1].kind else { panic!() };
/// assert_eq!(item.value, ItemClass::Charger);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubsidyDecl {
    /// The quoted name.
    pub name: Spanned<String>,
    /// The whole declaration.
    pub span: Span,
    /// Its statements in order.
    pub items: Vec<SubsidyItem>,
}

/// A statement of a subsidy with the span of its leading words and of the whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubsidyItem {
    /// What it says.
    pub kind: SubsidyItemKind,
    /// The leading keywords (`applies to`).
    pub keyword: Span,
    /// The whole statement.
    pub span: Span,
}

/// The level of government a programme belongs to, as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LevelWord {
    /// `national`
    National,
    /// `local`
    Local,
}

/// What a subsidy pays for, as written after `applies to`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemClass {
    /// `vehicle`
    Vehicle,
    /// `charger`
    Charger,
    /// `battery` (stationary storage)
    Battery,
    /// `pv`
    Pv,
}

/// One statement of a subsidy, as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubsidyItemKind {
    /// `programme "CEV" national`
    Programme {
        /// The programme's name.
        name: Spanned<String>,
        /// `national` or `local`.
        level: Spanned<LevelWord>,
    },
    /// `applies to charger [where CONDITION]`
    AppliesTo {
        /// The kind of item.
        item: Spanned<ItemClass>,
        /// The eligibility condition.
        condition: Option<Condition>,
    },
    /// `amount MONEY-EXPRESSION`
    Amount(MoneyExpr),
    /// `window DATE..DATE`
    Window {
        /// First day (as written).
        start: Spanned<String>,
        /// Last day (as written).
        end: Spanned<String>,
    },
    /// `excludes "name", …`
    Excludes(Vec<Spanned<String>>),
    /// `round down to 1000 JPY`
    Round(RoundingSpec),
    /// An unrecognised statement.
    Unknown(Spanned<String>),
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareWord {
    /// `==`
    Equal,
    /// `!=`
    NotEqual,
    /// `<`
    Less,
    /// `<=`
    LessOrEqual,
    /// `>`
    Greater,
    /// `>=`
    GreaterOrEqual,
}

/// The right-hand side of a comparison, as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConditionValue {
    /// `50 kW`, `8400000 JPY`
    Quantity(Quantity),
    /// A number without a unit.
    Number(Spanned<String>),
    /// `"normal"`
    Text(Spanned<String>),
    /// `true` / `false`
    Flag(Spanned<bool>),
}

/// An eligibility condition, as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Condition {
    /// `A or B or …`
    Any(Vec<Condition>, Span),
    /// `A and B and …`
    All(Vec<Condition>, Span),
    /// `not A`
    Not(Box<Condition>, Span),
    /// `attribute OP value`
    Compare {
        /// The attribute.
        attribute: Spanned<String>,
        /// The operator.
        op: Spanned<CompareWord>,
        /// The value compared with.
        value: ConditionValue,
    },
    /// A flag attribute on its own (`v2g`): true when the flag is set.
    Flag(Spanned<String>),
}

impl Condition {
    /// Where the condition is written.
    pub fn span(&self) -> Span {
        match self {
            Condition::Any(_, span) | Condition::All(_, span) | Condition::Not(_, span) => *span,
            Condition::Compare {
                attribute, value, ..
            } => {
                let end = match value {
                    ConditionValue::Quantity(q) => q.span.end,
                    ConditionValue::Number(n) | ConditionValue::Text(n) => n.span.end,
                    ConditionValue::Flag(f) => f.span.end,
                };
                Span {
                    end,
                    ..attribute.span
                }
            }
            Condition::Flag(attribute) => attribute.span,
        }
    }
}

/// An arithmetic operator of an amount.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MoneyOp {
    /// `+`
    Add,
    /// `-`
    Subtract,
    /// `*`
    Multiply,
}

/// `min` or `max`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MoneyFunction {
    /// `min(…)`
    Min,
    /// `max(…)`
    Max,
}

/// The share of a `… of X` expression: `50%` or `2/3`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Share {
    /// `50%` (any quantity; the checker wants a percentage).
    Percent(Quantity),
    /// `2/3`
    Fraction(Spanned<String>),
}

/// An amount expression, as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MoneyExpr {
    /// What it says.
    pub kind: MoneyExprKind,
    /// Where.
    pub span: Span,
}

/// The forms of an amount expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MoneyExprKind {
    /// `A + B`, `A - B`, `A * B`
    Binary {
        /// The operator.
        op: Spanned<MoneyOp>,
        /// Left operand.
        left: Box<MoneyExpr>,
        /// Right operand.
        right: Box<MoneyExpr>,
    },
    /// `min(A, B, …)`, `max(A, B, …)`
    Call {
        /// The function.
        function: Spanned<MoneyFunction>,
        /// Its arguments.
        arguments: Vec<MoneyExpr>,
    },
    /// `50% of X`, `2/3 of X`
    ShareOf {
        /// The share.
        share: Share,
        /// What it is a share of.
        of: Box<MoneyExpr>,
    },
    /// `350000 JPY`, `60000 JPY per kW`
    Quantity(Quantity),
    /// A number without a unit.
    Number(Spanned<String>),
    /// An attribute of the item, or `awarded`.
    Attribute(Spanned<String>),
}

/// `risk_sharing "name" { … }`: a V2G deal between parties.
///
/// ```
/// use voltlex_dsl::ast::SharingItemKind;
/// use voltlex_dsl::syntax::parse;
/// let text = "risk_sharing \"Deal\" { parties fleet, oem fee 2 JPY/kWh from fleet to oem }";
/// let file = parse(0, text).unwrap();
/// let deal = &file.risk_sharings[0];
/// assert_eq!(deal.name.value, "Deal");
/// let SharingItemKind::Fee { flow, .. } = &deal.items[1].kind else { panic!() };
/// assert_eq!((flow.from.value.as_str(), flow.to.value.as_str()), ("fleet", "oem"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharingDecl {
    /// The quoted name.
    pub name: Spanned<String>,
    /// The whole declaration.
    pub span: Span,
    /// Its statements in order.
    pub items: Vec<SharingItem>,
}

/// A statement of a `risk_sharing` block with the span of its leading words and of the whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharingItem {
    /// What it says.
    pub kind: SharingItemKind,
    /// The leading keyword (`floor`).
    pub keyword: Span,
    /// The whole statement.
    pub span: Span,
}

/// `from PAYER to PAYEE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flow {
    /// The party that pays.
    pub from: Spanned<String>,
    /// The party that receives.
    pub to: Spanned<String>,
}

/// An amount with its basis as written: `300 JPY per vehicle per month`, `10000 JPY per month`,
/// `1.5 JPY/kWh`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharingAmount {
    /// The number and its unit (`JPY` alone when `per vehicle per month` follows).
    pub quantity: Quantity,
    /// The span of `per vehicle per month`, when written.
    pub per_vehicle_month: Option<Span>,
}

/// Which statement a `free` parameter varies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FreeTargetWord {
    /// `revenue PARTY`: that party's revenue share, %.
    Revenue(Spanned<String>),
    /// `floor`: the floor's amount.
    Floor,
    /// `cap`: the cap's amount.
    Cap,
    /// `cover`: the share of excess wear covered, %.
    Cover,
    /// `premium`: the insurance premium.
    Premium,
    /// `above`: the share of revenue above the threshold, %.
    Above,
}

/// One clause of an `insurance` statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InsuranceClause {
    /// `premium AMOUNT`
    Premium(SharingAmount),
    /// `deductible AMOUNT` (per contract year)
    Deductible(Quantity),
    /// `limit AMOUNT` (per contract year)
    Limit(Quantity),
    /// `trigger loss` (`true`) or `trigger wear` (`false`), with the word's span.
    Trigger(Spanned<bool>),
}

/// `payment monthly|quarterly|yearly`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaymentWord {
    /// `monthly`
    Monthly,
    /// `quarterly`
    Quarterly,
    /// `yearly`
    Yearly,
}

/// One statement of a `risk_sharing` block, as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SharingItemKind {
    /// `parties fleet, aggregator, oem`
    Parties(Vec<Spanned<String>>),
    /// `owner fleet`: who carries the V2G operation without the deal.
    Owner(Spanned<String>),
    /// `revenue fleet 60%, aggregator 40%`
    Revenue(Vec<(Spanned<String>, Quantity)>),
    /// `fee AMOUNT from A to B`
    Fee {
        /// The fee.
        amount: SharingAmount,
        /// Payer and payee.
        flow: Flow,
    },
    /// `cover 100% of wear beyond 3% per year from oem to fleet [cap N JPY per vehicle per year]`
    Cover {
        /// Share of the excess wear covered.
        share: Quantity,
        /// The warranty curve: capacity loss allowed per year.
        beyond: Quantity,
        /// Payer (the warrantor) and payee.
        flow: Flow,
        /// The cap per vehicle per year.
        cap: Option<Quantity>,
    },
    /// `floor AMOUNT from A to B`: A tops B's revenue share up to the amount.
    Floor {
        /// The floor.
        amount: SharingAmount,
        /// Payer and payee.
        flow: Flow,
    },
    /// `cap AMOUNT from A to B`: A hands B its revenue share above the amount.
    Cap {
        /// The cap.
        amount: SharingAmount,
        /// Payer and payee.
        flow: Flow,
    },
    /// `above AMOUNT SHARE from A to B`: A hands B a share of its revenue above the amount.
    Above {
        /// The threshold.
        threshold: SharingAmount,
        /// The share above it.
        share: Quantity,
        /// Payer and payee.
        flow: Flow,
    },
    /// `insurance from insurer to fleet premium … deductible … limit … trigger …`
    Insurance {
        /// The insurer (pays claims) and the insured (pays the premium).
        flow: Flow,
        /// The clauses in order.
        clauses: Vec<Spanned<InsuranceClause>>,
    },
    /// `payment quarterly lag 1 month`
    Payment {
        /// How often transfers are paid.
        period: Spanned<PaymentWord>,
        /// Delay after the period's end.
        lag: Option<Quantity>,
    },
    /// `wear plugin wasm "plugins/wear.wasm" export "capacity_loss"`
    WearPlugin {
        /// The module's path in the package.
        file: Spanned<String>,
        /// The export to call.
        export: Spanned<String>,
    },
    /// `free revenue fleet 40..90 step 5`
    Free {
        /// What it varies.
        target: Spanned<FreeTargetWord>,
        /// First value, as written (in the varied statement's unit).
        from: Spanned<String>,
        /// Last value.
        to: Spanned<String>,
        /// Step.
        step: Spanned<String>,
    },
    /// `var limit 95% fleet 30000 JPY, aggregator 100000 JPY`
    VarLimit {
        /// Confidence level.
        confidence: Quantity,
        /// Per party: the largest yearly VaR it accepts.
        limits: Vec<(Spanned<String>, Quantity)>,
    },
    /// An unrecognised statement.
    Unknown(Spanned<String>),
}
