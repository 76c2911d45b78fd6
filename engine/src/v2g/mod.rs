//! V2B and V2G dispatch: discharge into the site and the markets, priced against wear.
