//! Why a deal cannot be settled.

/// A deal or its inputs that cannot be settled; messages say what and where.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SharingError {
    /// A scenario whose years of wear do not match its months.
    #[error(
        "scenario {scenario}: {months} month(s) need {expected} year(s) of wear, found {found}"
    )]
    Years {
        /// Scenario index.
        scenario: usize,
        /// Its months.
        months: usize,
        /// Years the months span.
        expected: usize,
        /// Years given.
        found: usize,
    },
    /// The deal names a party it does not declare (a deal that did not come from the checker).
    #[error("deal \"{deal}\": unknown party `{party}`")]
    UnknownParty {
        /// The deal.
        deal: String,
        /// The party.
        party: String,
    },
    /// Nothing to settle.
    #[error("no scenarios to settle")]
    NoScenarios,
    /// A fleet figure that is not a positive number.
    #[error("fleet: {name} must be a positive number, found {value}")]
    Fleet {
        /// The figure.
        name: &'static str,
        /// Its value.
        value: f64,
    },
    /// A free parameter value the deal cannot take.
    #[error("free parameter: {0}")]
    Parameter(String),
    /// The degradation plugin failed.
    #[error("degradation plugin {file}: {message}")]
    Plugin {
        /// The module.
        file: String,
        /// What went wrong.
        message: String,
    },
    /// The risk measures failed (an empty or non-finite sample).
    #[error(transparent)]
    Risk(#[from] crate::risk::RiskError),
}
