//! Why a portfolio cannot be planned or settled.

/// A portfolio that cannot be planned or settled; messages say what and where.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum VppError {
    /// A site's schedule failed (for example its base load alone above its cap).
    #[error("site {site}: {message}")]
    Site {
        /// The site.
        site: String,
        /// What the scheduler said.
        message: String,
    },
    /// A stay of a vehicle the portfolio does not list.
    #[error("site {site}: a stay of vehicle {vehicle}, which is not in the portfolio")]
    UnknownVehicle {
        /// The vehicle.
        vehicle: String,
        /// The site.
        site: String,
    },
    /// A per-slot series of the wrong length.
    #[error("site {site}: {what} has {found} slot(s), the horizon {expected}")]
    Horizon {
        /// The site.
        site: String,
        /// The series.
        what: &'static str,
        /// Slots in the horizon.
        expected: usize,
        /// Slots found.
        found: usize,
    },
    /// Anything else about the input, said in words.
    #[error("{0}")]
    Input(String),
}
