//! The input workbook's layout: sheets, rows and columns, shared by the template writer and the
//! reader so the two cannot disagree.
//!
//! A field's `id` is where its value goes in the study JSON (`docs/tco.md`) as a dotted path
//! (`site.import_cap_kw`); ids starting with `quick.`, `fleet-override.` or `x.` are read by the
//! reader's own code (Quick defaults, the catalogue overlay, values that combine several cells).

/// Row (0-based) of a sheet's title.
pub(crate) const TITLE_ROW: u32 = 0;
/// Row (0-based) of the sheet's one-line explanation.
pub(crate) const INTRO_ROW: u32 = 1;
/// Row (0-based) of the header.
pub(crate) const HEADER_ROW: u32 = 2;
/// First row (0-based) of inputs.
pub(crate) const FIRST_ROW: u32 = 3;

/// The hidden sheet holding the drop-down lists (and the tariff → rules package map).
pub(crate) const LISTS: &str = "Lists";
/// The sheet of pasted site load.
pub(crate) const SITE_LOAD: &str = "SiteLoad";
/// The pasted market prices' sheet.
pub(crate) const MARKET_PRICES: &str = "MarketPrices";

/// Chemistries of the battery model's presets.
pub(crate) const CHEMISTRIES: &[&str] = &["LFP", "NMC"];
/// Charging strategies of the study.
pub(crate) const STRATEGIES: &[&str] = &["uncontrolled", "optimal"];
/// `fleet.operating_days`.
pub(crate) const OPERATING_DAYS: &[&str] = &["weekdays", "all"];
/// `simulation`.
pub(crate) const SIMULATIONS: &[&str] = &["representative-days", "every-day"];
/// `finance.financing`.
pub(crate) const FINANCING: &[&str] = &["cash", "loan", "lease"];
/// Yes/no cells.
pub(crate) const YES_NO: &[&str] = &["yes", "no"];
/// JEPX areas as `voltlex_engine::read::JepxArea` parses them.
pub(crate) const JEPX_AREAS: &[&str] = &[
    "system", "hokkaido", "tohoku", "tokyo", "chubu", "hokuriku", "kansai", "chugoku", "shikoku",
    "kyushu",
];

/// A column of the hidden Lists sheet (its drop-down source).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ListColumn {
    /// Tariff names (column A; column B holds each one's rules package).
    Tariff,
    /// Rules packages, each once (column G).
    RulesPackage,
    /// Vehicle models of the catalogue (column C).
    Vehicle,
    /// Charger models (column D).
    Charger,
    /// ICE comparators (column E).
    Ice,
    /// Packages of subsidy rules (column F).
    SubsidyPackage,
}

impl ListColumn {
    /// Column index on the Lists sheet.
    pub(crate) fn column(self) -> u16 {
        match self {
            ListColumn::Tariff => 0,
            ListColumn::RulesPackage => 6,
            ListColumn::Vehicle => 2,
            ListColumn::Charger => 3,
            ListColumn::Ice => 4,
            ListColumn::SubsidyPackage => 5,
        }
    }

    /// Whether a value outside the list is refused (catalogue names) or only warned about in
    /// Excel (paths the user may add).
    pub(crate) fn strict(self) -> bool {
        matches!(
            self,
            ListColumn::Vehicle | ListColumn::Charger | ListColumn::Ice
        )
    }
}

/// What a cell holds.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Kind {
    /// A number of `unit`, `min..=max`; `whole` for counts, years, minutes.
    Number {
        unit: &'static str,
        min: f64,
        max: f64,
        whole: bool,
    },
    /// Free text (a name, a path).
    Text,
    /// One of the words (matched ignoring case).
    Choice(&'static [&'static str]),
    /// A name from a drop-down of the Lists sheet.
    Listed(ListColumn),
    /// A time of day (`17:30` or an Excel time).
    Time,
    /// A date (`2025-06-02` or an Excel date).
    Date,
    /// A month (`2024-04` or an Excel date in it).
    Month,
    /// A percentage 0–100, or the path of a CSV file (ending in `.csv`).
    PercentOrFile,
    /// Comma-separated numbers.
    NumberList { unit: &'static str, whole: bool },
    /// Comma-separated words of a list.
    ChoiceList(&'static [&'static str]),
    /// Comma-separated names of a Lists column.
    ListedList,
    /// `name=file; name=file` (index files).
    Indices,
    /// A heading row (key/value sheets only): not an input.
    Section,
}

/// One input: a row of a key/value sheet or a column of a table sheet.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Field {
    /// Where it goes (see the module documentation).
    pub id: &'static str,
    /// Column A of a key/value sheet; the header (with `unit`) of a table's column.
    pub label: &'static str,
    /// Unit shown beside the value ("" when none).
    pub unit: &'static str,
    /// How error messages name it.
    pub what: &'static str,
    /// What the cell holds.
    pub kind: Kind,
    /// The explanation in the Note column.
    pub note: &'static str,
}

impl Field {
    /// The table header: `Battery (kWh)`.
    pub(crate) fn header(&self) -> String {
        if self.unit.is_empty() {
            self.label.to_string()
        } else {
            format!("{} ({})", self.label, self.unit)
        }
    }
}

const fn number(unit: &'static str, min: f64, max: f64) -> Kind {
    Kind::Number {
        unit,
        min,
        max,
        whole: false,
    }
}

const fn whole(unit: &'static str, min: f64, max: f64) -> Kind {
    Kind::Number {
        unit,
        min,
        max,
        whole: true,
    }
}

const INF: f64 = f64::INFINITY;

const fn field(
    id: &'static str,
    label: &'static str,
    unit: &'static str,
    what: &'static str,
    kind: Kind,
    note: &'static str,
) -> Field {
    Field {
        id,
        label,
        unit,
        what,
        kind,
        note,
    }
}

/// How a sheet is laid out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Shape {
    /// One row per input: Input | Value | Unit | Note (Quick adds Default before Note).
    KeyValue,
    /// One column per input, one row per item (the study reads one row).
    Table,
    /// The pasted site load: Start | kW.
    Series,
}

/// One sheet of the input workbook.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Sheet {
    pub name: &'static str,
    pub title: &'static str,
    pub intro: &'static str,
    pub shape: Shape,
    pub fields: &'static [Field],
}

/// Quick: the first answer.
pub(crate) const QUICK: Sheet = Sheet {
    name: "Quick",
    title: "Quick study: a first answer from nine inputs",
    intro: "Fill the Value column; an empty value takes the Default beside it (shown in the result). A value on a detailed sheet (Scenario, Fleet, Trips, Chargers, Finance) overrides this sheet.",
    shape: Shape::KeyValue,
    fields: &[
        field("quick.size", "Fleet size", "vehicles", "fleet size", whole("vehicles", 1.0, 100_000.0),
            "Vehicles in the fleet today; all become electric unless Fleet says how many. Overridden by Fleet › Vehicles."),
        field("quick.vehicle", "Vehicle model", "", "vehicle model", Kind::Listed(ListColumn::Vehicle),
            "An electric model of the catalogue (docs/catalogue.md). Overridden by Fleet › Model."),
        field("quick.km", "Distance per day", "km", "distance per day", number("km", 0.0, 2_000.0),
            "Kilometres each vehicle drives on an operating day. Overridden by Trips › Distance."),
        field("quick.import_cap", "Site contract", "kW", "site contract", number("kW", 0.0, INF),
            "The site's import limit (contract kW): charging never draws above it. Overridden by Scenario › Import cap."),
        field("quick.tariff", "Tariff plan", "", "tariff plan", Kind::Listed(ListColumn::Tariff),
            "The site's electricity plan (a tariff of the rule packages). Overridden by Scenario › Tariff."),
        field("quick.horizon", "Horizon", "years", "horizon", whole("years", 1.0, 50.0),
            "Years compared (vehicles bought in year 0). Overridden by Finance › Horizon."),
        field("quick.charger", "Charger model", "", "charger model", Kind::Listed(ListColumn::Charger),
            "One charger per electric vehicle. Overridden by Chargers › Model."),
        field("quick.fuel", "Fuel price", "JPY/L", "fuel price", number("JPY/L", 0.0, INF),
            "Your fuel price before consumption tax: the figure a TCO is most sensitive to. Overridden by Finance › Fuel price."),
        field("quick.battery", "Battery replacement", "JPY/kWh", "battery replacement cost", number("JPY/kWh", 0.0, INF),
            "Price of a replacement pack per kWh, if the battery wears out within the horizon. Overridden by Finance › Battery replacement."),
    ],
};

/// Scenario: the site and the study.
pub(crate) const SCENARIO: Sheet = Sheet {
    name: "Scenario",
    title: "Scenario: the site and its tariff",
    intro: "One row per input. Empty rows take the Quick sheet's value (tariff, import cap) or voltlex's default (see Note). Paths are relative to the workbook's folder.",
    shape: Shape::KeyValue,
    fields: &[
        field("name", "Study name", "", "study name", Kind::Text, "Shown on the result."),
        field("site.rules", "Rules package", "", "rules package", Kind::Listed(ListColumn::RulesPackage),
            "Folder of the tariff's rule package. Empty: the package of the chosen tariff (Lists sheet)."),
        field("site.tariff", "Tariff", "", "tariff", Kind::Listed(ListColumn::Tariff),
            "Tariff name within the package. Empty: Quick › Tariff plan."),
        field("simulation", "Simulation", "", "simulation", Kind::Choice(SIMULATIONS),
            "representative-days (one day per month, default) or every-day (slower)."),
        field("site.import_cap_kw", "Import cap", "kW", "import cap", number("kW", 0.0, INF),
            "The site's import limit. Empty: Quick › Site contract."),
        field("site.demand_charge_months", "Demand-charge months", "months", "demand-charge months", whole("months", 1.0, 12.0),
            "Months a new peak is paid for (the ratchet). Default 12."),
        field("site.power_factor", "Power factor", "% or CSV file", "power factor", Kind::PercentOrFile,
            "A flat power factor in % (e.g. 98), or a CSV file of monthly power factors. Needed by tariffs that adjust the basic charge by it."),
        field("site.history", "Demand history CSV", "", "demand history file", Kind::Text,
            "Optional: the peaks of the months before the load year (for the ratchet)."),
        field("site.indices", "Index files", "", "index files", Kind::Indices,
            "Optional: name=file pairs separated by ';', e.g. tepco-fuel-cost=fuel-cost.csv; jepx-tokyo=spot.csv"),
        field("site.supply_start", "Supply start", "YYYY-MM", "supply start", Kind::Month,
            "Optional: the month supply began, when it is within the load year (no demand history needed before it)."),
    ],
};

/// Fleet: the vehicle group.
pub(crate) const FLEET: Sheet = Sheet {
    name: "Fleet",
    title: "Fleet: the vehicle group",
    intro: "One row (one vehicle group per study). Empty cells take the catalogue's figure for the model (or Quick's fleet size and model).",
    shape: Shape::Table,
    fields: &[
        field("fleet.vehicle", "Model", "", "vehicle model", Kind::Listed(ListColumn::Vehicle),
            "Electric model of the catalogue."),
        field("fleet.size", "Vehicles", "count", "number of vehicles", whole("vehicles", 1.0, 100_000.0),
            "Vehicles in the fleet today."),
        field("fleet.electric", "Electric", "count", "number of electric vehicles", whole("vehicles", 0.0, 100_000.0),
            "How many become electric (default all)."),
        field("fleet-override.battery_kwh", "Battery", "kWh", "battery capacity", number("kWh", 0.0, 10_000.0),
            "Overrides the catalogue's battery capacity."),
        field("fleet-override.chemistry", "Chemistry", "", "chemistry", Kind::Choice(CHEMISTRIES),
            "Overrides the catalogue's chemistry (battery ageing)."),
        field("fleet-override.kwh_per_km", "Consumption", "kWh/km", "consumption", number("kWh/km", 0.0, 10.0),
            "Overrides the catalogue's energy use from the grid side."),
        field("fleet-override.list_price", "Price", "JPY", "vehicle price", number("JPY", 0.0, INF),
            "Overrides the catalogue's price (before consumption tax)."),
        field("fleet.ice", "ICE comparator", "", "ICE comparator", Kind::Listed(ListColumn::Ice),
            "The combustion vehicle compared with (default: the catalogue's for the model's class)."),
    ],
};

/// Trips: the daily routine.
pub(crate) const TRIPS: Sheet = Sheet {
    name: "Trips",
    title: "Trips: the daily routine",
    intro: "One row for the whole fleet, or one row per vehicle group (say how many vehicles each). Times as 17:30 (Excel times work too).",
    shape: Shape::Table,
    fields: &[
        field(
            "fleet.departure",
            "Departure",
            "time",
            "departure",
            Kind::Time,
            "When the vehicles leave in the morning (default 08:00).",
        ),
        field(
            "fleet.arrival",
            "Return",
            "time",
            "return",
            Kind::Time,
            "When they are back and plugged in (default 18:00).",
        ),
        field(
            "fleet.km_per_day",
            "Distance",
            "km/day",
            "distance per day",
            number("km", 0.0, 2_000.0),
            "Kilometres per operating day (empty: Quick › Distance per day).",
        ),
        field(
            "fleet.operating_days",
            "Operating days",
            "",
            "operating days",
            Kind::Choice(OPERATING_DAYS),
            "weekdays (default) or all.",
        ),
        field(
            "fleet.arrival_spread_minutes",
            "Arrival spread",
            "minutes",
            "arrival spread",
            whole("minutes", 0.0, 1_440.0),
            "Arrivals spread evenly over this many minutes (default 120).",
        ),
        field(
            "fleet.target_soc_pct",
            "Target SoC",
            "%",
            "target state of charge",
            number("%", 0.0, 100.0),
            "Charged to this state of charge by departure (default 90).",
        ),
        field(
            "fleet.kwh_per_day",
            "Energy",
            "kWh/day",
            "energy per day",
            number("kWh", 0.0, 2_000.0),
            "Instead of Distance: the battery energy each vehicle uses per operating day (from a telematics log). Leave Distance empty.",
        ),
        field(
            "x.trips.vehicles",
            "Vehicles",
            "count",
            "vehicles in the group",
            whole("vehicles", 1.0, 100_000.0),
            "With several rows: the row's vehicles; the rows add up to the fleet. The top rows' vehicles become electric first.",
        ),
        field(
            "x.trips.booked",
            "Booked",
            "yes/no",
            "booked trips",
            Kind::Choice(YES_NO),
            "yes: trips booked ahead; the energy needed at departure is reserved (charged first, never traded for price or V2G).",
        ),
        field(
            "x.trips.group",
            "Group",
            "",
            "group name",
            Kind::Text,
            "A name for the row's vehicles (default: group 1, group 2, …).",
        ),
    ],
};

/// Chargers.
pub(crate) const CHARGERS: Sheet = Sheet {
    name: "Chargers",
    title: "Chargers",
    intro: "One row. Every electric vehicle needs its own charger overnight.",
    shape: Shape::Table,
    fields: &[
        field(
            "chargers.model",
            "Model",
            "",
            "charger model",
            Kind::Listed(ListColumn::Charger),
            "Charger model of the catalogue (empty: Quick › Charger model).",
        ),
        field(
            "chargers.count",
            "Chargers",
            "count",
            "number of chargers",
            whole("chargers", 1.0, 100_000.0),
            "Default: one per electric vehicle.",
        ),
    ],
};

/// Finance.
pub(crate) const FINANCE: Sheet = Sheet {
    name: "Finance",
    title: "Finance: money terms",
    intro: "Rates in percent (5 for 5 %). Empty rows take voltlex's default (see Note) or the Quick sheet's value.",
    shape: Shape::KeyValue,
    fields: &[
        field("finance.horizon_years", "Horizon", "years", "horizon", whole("years", 1.0, 50.0),
            "Empty: Quick › Horizon."),
        field("finance.discount_rate_pct", "Discount rate", "%", "discount rate", number("%", 0.0, 100.0),
            "For the NPV (default 5)."),
        field("finance.electricity_escalation_pct", "Electricity escalation", "% per year", "electricity escalation", number("% per year", -100.0, 100.0),
            "Yearly change of electricity prices (default 0)."),
        field("finance.fuel_escalation_pct", "Fuel escalation", "% per year", "fuel escalation", number("% per year", -100.0, 100.0),
            "Yearly change of the fuel price (default 0)."),
        field("finance.fuel_price_per_litre", "Fuel price", "JPY/L", "fuel price", number("JPY/L", 0.0, INF),
            "Before consumption tax. Empty: Quick › Fuel price."),
        field("finance.battery_replacement_per_kwh", "Battery replacement", "JPY/kWh", "battery replacement cost", number("JPY/kWh", 0.0, INF),
            "Empty: Quick › Battery replacement."),
        field("finance.battery_temperature_c", "Battery temperature", "°C", "battery temperature", number("°C", -40.0, 60.0),
            "Average battery temperature for ageing (default 25)."),
        field("x.financing", "Financing", "", "financing", Kind::Choice(FINANCING),
            "cash (default), loan (fill the three loan rows) or lease (fill the lease row)."),
        field("x.loan_financed_pct", "Loan financed share", "%", "loan financed share", number("%", 0.0, 100.0),
            "Loan only: share of the net purchase borrowed."),
        field("x.loan_rate_pct", "Loan rate", "% per year", "loan rate", number("% per year", 0.0, 100.0),
            "Loan only: interest rate."),
        field("x.loan_years", "Loan term", "years", "loan term", whole("years", 1.0, 50.0),
            "Loan only: repayment years."),
        field("x.lease_per_vehicle_per_year", "Lease", "JPY per vehicle-year", "lease price", number("JPY per vehicle-year", 0.0, INF),
            "Lease only: yearly lease per vehicle (the lessor gets the subsidy and keeps the vehicle)."),
        field("co2.grid_kg_per_kwh", "Grid CO2 factor", "kg/kWh", "grid CO2 factor", number("kg/kWh", 0.0, 5.0),
            "Your supplier's emission factor (default: the catalogue's)."),
    ],
};

/// Subsidies.
pub(crate) const SUBSIDIES: Sheet = Sheet {
    name: "Subsidies",
    title: "Subsidies",
    intro: "A package of subsidy rules and the application date (budget windows depend on it).",
    shape: Shape::KeyValue,
    fields: &[
        field(
            "x.subsidy_package",
            "Package",
            "",
            "subsidy package",
            Kind::Listed(ListColumn::SubsidyPackage),
            "Folder of a rule package with subsidy rules. Empty: no subsidies.",
        ),
        field(
            "x.subsidy_date",
            "Application date",
            "date",
            "application date",
            Kind::Date,
            "Required with a package, e.g. 2025-06-02.",
        ),
        field(
            "x.subsidy_apply",
            "Apply",
            "yes/no",
            "apply subsidies",
            Kind::Choice(YES_NO),
            "no: leave the package out without deleting it (default yes).",
        ),
    ],
};

/// Markets and site assets.
pub(crate) const MARKETS: Sheet = Sheet {
    name: "Markets",
    title: "Markets (V2G/V2B) and site assets (PV, storage)",
    intro: "V2G rows are read only when V2G is yes. PV and storage are optional site assets.",
    shape: Shape::KeyValue,
    fields: &[
        field(
            "x.v2g",
            "V2G",
            "yes/no",
            "V2G",
            Kind::Choice(YES_NO),
            "yes: the study adds an 'optimised with V2B/V2G' scenario (market terms below).",
        ),
        field(
            "x.spot_file",
            "JEPX spot file",
            "",
            "JEPX spot file",
            Kind::Text,
            "Required with V2G unless prices are pasted on MarketPrices: a JEPX spot_summary CSV, or a CSV with an interval start and a price column.",
        ),
        field(
            "x.spot_area",
            "JEPX area",
            "",
            "JEPX area",
            Kind::Choice(JEPX_AREAS),
            "Required with V2G: the price area.",
        ),
        field(
            "v2g.export_cap_kw",
            "Export cap",
            "kW",
            "export cap",
            number("kW", 0.0, INF),
            "Largest export to the grid (default 0: V2B only).",
        ),
        field(
            "v2g.aggregator_share_pct",
            "Aggregator share",
            "%",
            "aggregator share",
            number("%", 0.0, 100.0),
            "Share of market revenue kept by the aggregator (default 30).",
        ),
        field(
            "v2g.fee_per_vehicle_month",
            "Aggregator fee",
            "JPY per vehicle-month",
            "aggregator fee",
            number("JPY per vehicle-month", 0.0, INF),
            "Default 0.",
        ),
        field(
            "v2g.minimum_soc_pct",
            "Minimum SoC",
            "%",
            "minimum state of charge",
            number("%", 0.0, 100.0),
            "Discharge never below this (default 40).",
        ),
        field("x.section.assets", "Site assets", "", "", Kind::Section, ""),
        field(
            "pv.kwp",
            "PV",
            "kWp",
            "PV size",
            number("kWp", 0.0, INF),
            "Optional rooftop PV (empty: none).",
        ),
        field(
            "pv.price_per_kwp",
            "PV price",
            "JPY/kWp",
            "PV price",
            number("JPY/kWp", 0.0, INF),
            "Required with PV.",
        ),
        field(
            "pv.tilt_deg",
            "PV tilt",
            "°",
            "PV tilt",
            number("°", 0.0, 90.0),
            "Default 20.",
        ),
        field(
            "storage.kwh",
            "Storage energy",
            "kWh",
            "storage energy",
            number("kWh", 0.0, INF),
            "Optional stationary battery (empty: none).",
        ),
        field(
            "storage.kw",
            "Storage power",
            "kW",
            "storage power",
            number("kW", 0.0, INF),
            "Required with storage.",
        ),
        field(
            "storage.price",
            "Storage price",
            "JPY",
            "storage price",
            number("JPY", 0.0, INF),
            "Required with storage: installed price.",
        ),
    ],
};

/// Goal seek.
pub(crate) const GOAL: Sheet = Sheet {
    name: "Goal",
    title: "Goal seek: the cheapest design that meets the targets",
    intro: "Optional. Targets must all hold. Search lists are comma-separated (5, 10, 15, 20); an empty list keeps the study's value.",
    shape: Shape::KeyValue,
    fields: &[
        field("goal_seek.targets.payback_years", "Payback at most", "years", "payback target", number("years", 0.0, 100.0),
            "Simple payback no later than this."),
        field("goal_seek.targets.crossover_year", "Crossover by", "year", "crossover target", whole("years", 0.0, 100.0),
            "Cumulative cost at or below the combustion fleet's from this year on."),
        field("goal_seek.targets.npv_at_least", "NPV at least", "JPY", "NPV target", number("JPY", -INF, INF),
            "Net present value of the savings."),
        field("goal_seek.targets.co2_saved_tonnes", "CO2 saved at least", "t", "CO2 target", number("t", 0.0, INF),
            "Over the horizon."),
        field("goal_seek.space.electric", "Electric counts", "vehicles", "electric counts", Kind::NumberList { unit: "vehicles", whole: true },
            "e.g. 5, 10, 15, 20"),
        field("goal_seek.space.charger", "Charger models", "", "charger models", Kind::ListedList,
            "Catalogue names separated by commas."),
        field("goal_seek.space.pv_kwp", "PV sizes", "kWp", "PV sizes", Kind::NumberList { unit: "kWp", whole: false },
            "Needs a PV price on Markets."),
        field("goal_seek.space.storage_kwh", "Storage sizes", "kWh", "storage sizes", Kind::NumberList { unit: "kWh", whole: false },
            "Needs storage power and price on Markets."),
        field("goal_seek.space.v2g", "V2G options", "yes/no", "V2G options", Kind::ChoiceList(YES_NO),
            "e.g. no, yes"),
        field("goal_seek.space.charging", "Charging strategies", "", "charging strategies", Kind::ChoiceList(STRATEGIES),
            "uncontrolled, optimal"),
        field("goal_seek.runner_ups", "Runner-ups", "designs", "runner-ups", whole("designs", 0.0, 100.0),
            "Designs shown after the best (default 3)."),
    ],
};

/// The optional risk-sharing sheet's name.
pub(crate) const RISK_SHARING_NAME: &str = "RiskSharing";

/// Risk sharing: a three-party V2G deal settled over a V2G study's Monte Carlo
/// (`voltlex risk-share`). Optional: a workbook without the sheet, or with an empty Contract
/// rules row, has no risk sharing.
pub(crate) const RISK_SHARING: Sheet = Sheet {
    name: RISK_SHARING_NAME,
    title: "Risk sharing: a V2G deal between the fleet, the aggregator, the carmaker and an insurer (optional)",
    intro: "Optional. A risk_sharing deal (.vlx rules) settled over a V2G study's price scenarios, as voltlex risk-share does. Empty Contract rules: no risk sharing. Paths are relative to the workbook's folder.",
    shape: Shape::KeyValue,
    fields: &[
        field("x.risk.contract", "Contract rules", "", "contract rules", Kind::Text,
            "A .vlx file or a rule package folder with the risk_sharing block, e.g. tariff-rules/examples-risk-sharing."),
        field("x.risk.deal", "Deal name", "", "deal name", Kind::Text,
            "The risk_sharing block's name, when the rules hold more than one (empty: the only one)."),
        field("x.risk.study", "V2G study file", "", "V2G study file", Kind::Text,
            "Required with contract rules: a scenario JSON with v2g and v2g.risk sections (voltlex v2g's file), e.g. workbooks/examples/fleet/v2g-risk-share.json."),
        field("x.risk.scenarios", "Scenarios", "count", "price scenarios", whole("scenarios", 1.0, 100_000.0),
            "Price scenarios (empty: the study's v2g.risk_sharing.scenarios, else 500). Fewer run faster."),
        field("x.risk.seed", "Seed", "", "seed", whole("", 0.0, 999_999_999_999_999.0),
            "Same seed, same numbers (empty: the study's v2g.risk.seed)."),
        field("x.risk.months", "Months", "months", "contract months", whole("months", 1.0, 120.0),
            "Months of the contract horizon from the study's month (empty: the study's v2g.risk_sharing.months, else 12)."),
    ],
};

/// The pasted site load.
pub(crate) const SITE_LOAD_SHEET: Sheet = Sheet {
    name: SITE_LOAD,
    title: "Site load: a year of 30-minute meter data (optional)",
    intro: "Paste interval starts and average kW from row 4 down. Empty: the study needs the site's load file from the command line.",
    shape: Shape::Series,
    fields: &[
        field("x.load.start", "Start", "date-time", "interval start", Kind::Text,
            "Interval start, e.g. 2024-04-01 00:30 (Excel date-times work too)."),
        field("x.load.kw", "kW", "", "load", number("kW", -INF, INF),
            "Average kW over the interval."),
    ],
};

/// Pasted market prices (instead of a JEPX file).
pub(crate) const MARKET_PRICES_SHEET: Sheet = Sheet {
    name: MARKET_PRICES,
    title: "Market prices: 30-minute spot prices (optional)",
    intro: "Paste interval starts and prices from row 4 down, instead of Markets › JEPX spot file: the V2G scenario sells and values discharge at these prices (the JEPX area on Markets says which tariff index they move). Used only with V2G = yes.",
    shape: Shape::Series,
    fields: &[
        field("x.prices.start", "Start", "date-time", "interval start", Kind::Text,
            "Interval start, e.g. 2024-04-01 00:30 (Excel date-times work too)."),
        field("x.prices.price", "Price", "JPY/kWh", "price", number("JPY/kWh", -INF, INF),
            "The market's price for the interval (may be negative)."),
    ],
};

/// Every input sheet in workbook order (the Lists sheet follows, hidden).
pub(crate) const SHEETS: &[Sheet] = &[
    QUICK,
    SCENARIO,
    SITE_LOAD_SHEET,
    FLEET,
    TRIPS,
    CHARGERS,
    FINANCE,
    SUBSIDIES,
    MARKETS,
    MARKET_PRICES_SHEET,
    GOAL,
    RISK_SHARING,
];

/// Sheets a workbook may leave out (a workbook written before they existed still reads).
pub(crate) const OPTIONAL_SHEETS: &[&str] = &[RISK_SHARING_NAME];

/// Column of a key/value sheet's value.
pub(crate) const VALUE_COLUMN: u16 = 1;
/// Column of a key/value sheet's unit.
pub(crate) const UNIT_COLUMN: u16 = 2;
/// Column of the Quick sheet's defaults.
pub(crate) const DEFAULT_COLUMN: u16 = 3;

/// The note column of a key/value sheet.
pub(crate) fn note_column(sheet: &Sheet) -> u16 {
    if sheet.name == QUICK.name {
        4
    } else {
        3
    }
}

/// `A`, `B`, …, `Z`, `AA`, … for a 0-based column.
pub(crate) fn column_name(column: u32) -> String {
    let mut name = Vec::new();
    let mut n = column + 1;
    while n > 0 {
        let rem = (n - 1) % 26;
        name.push(char::from(b'A' + rem as u8));
        n = (n - 1) / 26;
    }
    name.iter().rev().collect()
}

/// `D7` for 0-based (6, 3).
pub(crate) fn cell_name(row: u32, column: u32) -> String {
    format!("{}{}", column_name(column), row + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cell_names() {
        assert_eq!(cell_name(6, 3), "D7");
        assert_eq!(cell_name(0, 25), "Z1");
        assert_eq!(cell_name(0, 26), "AA1");
        assert_eq!(cell_name(9, 27), "AB10");
    }

    #[test]
    fn labels_are_unique_per_sheet() {
        for sheet in SHEETS {
            let mut labels: Vec<String> = sheet
                .fields
                .iter()
                .map(|f| f.label.to_lowercase())
                .collect();
            labels.sort();
            let count = labels.len();
            labels.dedup();
            assert_eq!(labels.len(), count, "{}", sheet.name);
        }
    }
}
