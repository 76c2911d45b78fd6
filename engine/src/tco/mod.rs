//! Fleet economics (issue 6, in progress): so far the discounted cash-flow arithmetic every
//! TCO and goal-seek figure is built on.
//!
//! - `finance.rs` — NPV, IRR, simple and discounted payback, ROI.

pub mod finance;
