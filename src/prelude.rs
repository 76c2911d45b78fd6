//! Everything a notebook needs in one `use voltlex::prelude::*;`: the notebook API, the
//! engine's choices it takes (strategies, modes, charging), the renderer's primitives.
//!
//! ```no_run
//! use voltlex::prelude::*;
//! let bills = Bill::new("tariff-rules/jp-tepco-hv")
//!     .load("workbooks/examples/site-2024-load.csv")
//!     .power_factor("98")
//!     .compare(["TEPCO EP High-Voltage Basic Plan"])?;
//! bills.evcxr_display();
//! # Ok::<(), anyhow::Error>(())
//! ```

pub use crate::goal_seek::TargetOverrides;
pub use crate::notebook::{
    evcxr_html, jepx, load_csv, rules, workbook, Bill, BillResult, Bills, DesignRow,
    GoalSeekResult, Html, Load, Prices, RiskShare, RiskShareResult, Rules, Schedule,
    ScheduleResult, Sweep, Tco, TcoResult, V2g, V2gResult, Workbook,
};
pub use crate::tco_scenario::{Charging, Design, DesignResult};
pub use voltlex_engine::schedule::strategy::Strategy;
pub use voltlex_engine::schedule::Mode;
pub use voltlex_html::{
    results as charts, Align, BarChart, Histogram, LineChart, Marker, Series, Table,
};
