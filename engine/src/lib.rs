//! voltlex-engine: physics and money. Bills interval meter data under compiled tariff rules.
pub mod battery;
pub mod billing;
pub mod goalseek;
pub mod inputs;
pub mod month;
pub mod read;
pub mod risk;
pub mod schedule;
pub mod sharing;
pub mod site;
pub mod tco;
pub mod v2g;
pub mod vpp;
