//! On-site PV and stationary storage dispatched with the fleet (being written, issue 6).
