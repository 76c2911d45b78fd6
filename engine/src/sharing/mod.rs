//! Three-party V2G risk sharing: a `risk_sharing` deal settled in every Monte Carlo scenario
//! of the fleet's V2G operation (design and decisions: `docs/risk-sharing.md`).
//!
//! - [`system`] — what the operation does in one scenario before any deal ([`SystemScenario`]:
//!   the monthly margin and discharged kWh, the year's capacity loss with and without V2G)
//!   and the fleet it is about ([`FleetFacts`]);
//! - [`wear`] — the capacity loss of each scenario-year under degradation uncertainty: the
//!   engine's own model with a log-normal spread, or a battery maker's wasm plugin;
//! - [`settle`] — one scenario settled under a deal: every party's accrued and paid cash flows
//!   per month; the parties' flows add up to the system's in every month (conservation);
//! - [`outcome`] — expected value, VaR/CVaR and probability of loss per party over all
//!   scenarios, beside the status quo (the owner carries everything);
//! - [`fairness`] — the deal's free parameters searched for the set where every party gains
//!   and stays within its VaR limit; [`fairness::brute_force`] is the reference.

pub mod fairness;
pub mod outcome;
pub mod settle;
pub mod system;
pub mod wear;

mod error;

pub use error::SharingError;
pub use fairness::{search, FairPoint, FairnessView};
pub use outcome::{evaluate, PartyOutcome, SharingOutcome};
pub use settle::{settle, with_values, ScenarioSettlement};
pub use system::{FleetFacts, SystemMonth, SystemScenario, YearWear};
pub use wear::{WearInputs, WearModel};
