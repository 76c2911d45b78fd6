//! Subsidy awards from compiled `subsidy` rules (being written, issue 6).
