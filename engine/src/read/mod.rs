//! Readers for the files a bill needs: interval meter data, past peaks, power factors,
//! monthly index values and JEPX spot prices.
//!
//! Every reader comes in two forms: one taking a path, and a `*_from_reader` one taking any
//! [`std::io::Read`] plus a source name for its messages. Text may be UTF-8 (with or without
//! a byte-order mark) or Shift-JIS (cp932). Errors are [`ReadError`]s that say where
//! (`file:line`, and the column), what was expected and what was found; nothing is filled
//! in silently — a missing interval, an empty cell or a repeated month is an error.
//!
//! | file | reader | gives |
//! |---|---|---|
//! | `timestamp,kw` or `timestamp,kwh` interval data | [`load_csv`] | [`LoadProfile`](crate::inputs::LoadProfile) |
//! | `month,peak_kw` | [`peak_history_csv`] | [`PeakHistory`](crate::inputs::PeakHistory) |
//! | `month,power_factor` | [`power_factor_csv`] | month → percent |
//! | `month,value` | [`monthly_index_csv`] | [`IndexSeries::Monthly`](crate::inputs::IndexSeries::Monthly) |
//! | JEPX `spot_summary_YYYY.csv` | [`jepx_spot_summary`] | [`IndexSeries::Interval`](crate::inputs::IndexSeries::Interval) |
//! | either of the last two | [`index_file`], [`index_files`] | [`IndexSeries`](crate::inputs::IndexSeries) |
//! | `id,max_kw,efficiency,v2g,dc,vehicles` | [`chargers_csv`] | [`FleetCharger`](crate::schedule::fleet::FleetCharger)s |
//! | `id,battery_kwh,…,arrival,departure,…` (one row per stay) | [`vehicles_csv`] | [`FleetVehicle`](crate::schedule::fleet::FleetVehicle)s |

mod error;
mod fleet;
mod index;
mod jepx;
mod load;
mod monthly;
mod prices;
mod text;
mod trips;

pub use error::{ReadError, SequenceProblem};
pub use fleet::{chargers_csv, chargers_csv_from_reader, vehicles_csv, vehicles_csv_from_reader};
pub use index::{
    area_for_index_name, index_file, index_file_from_reader, index_files, merge_index,
};
pub use jepx::{jepx_spot_summary, jepx_spot_summary_from_reader, JepxArea, ParseAreaError};
pub use load::{load_csv, load_csv_from_reader};
pub use monthly::{
    monthly_index_csv, monthly_index_csv_from_reader, peak_history_csv,
    peak_history_csv_from_reader, power_factor_csv, power_factor_csv_from_reader,
};
pub use prices::{interval_prices_csv, interval_prices_csv_from_reader};
pub use trips::{trips_csv, trips_csv_from_reader, Trip};
