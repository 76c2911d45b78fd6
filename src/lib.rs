//! voltlex: tariffs as rules, bills from meter data — the facade over the language
//! ([`voltlex_dsl`]) and the engine ([`voltlex_engine`]), and what the CLI is made of.
//!
//! ```no_run
//! use voltlex::request::{BillRequest, PowerFactorSource};
//! let request = BillRequest {
//!     rules: "tariff-rules/jp-tepco-hv".into(),
//!     tariff: Some("TEPCO EP High-Voltage Basic Plan".into()),
//!     load: "workbooks/examples/site-2024-load.csv".into(),
//!     power_factor: Some(PowerFactorSource::parse("98")),
//!     ..Default::default()
//! };
//! let (_, run) = request.run().unwrap();
//! println!("{}", voltlex::report::to_table(&run));
//! ```

pub mod fleet_routines;
pub mod goal_seek;
pub mod golden;
pub mod golden_sharing;
pub mod notebook;
pub mod prelude;
pub mod report;
pub mod request;
pub mod risk_share;
pub mod risk_share_report;
pub mod scenario;
pub mod schedule_report;
pub mod study;
pub mod tco_report;
pub mod tco_scenario;
pub mod v2g_report;
pub mod v2g_scenario;
pub mod vpp;
pub mod vpp_report;

pub use voltlex_dsl as dsl;
pub use voltlex_engine as engine;

use std::path::Path;

/// Writes `bytes` to `path` through a temporary file in the same folder and a rename, so a
/// reader never sees half a file and a failure leaves the old file intact (one implementation
/// for every file voltlex writes: [`voltlex_excel::save::write_atomically`]).
pub fn write_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    use anyhow::Context;
    voltlex_excel::save::write_atomically(path, bytes)
        .with_context(|| format!("cannot write {}", path.display()))
}
