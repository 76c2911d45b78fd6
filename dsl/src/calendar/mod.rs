//! Calendars: which days are holidays. `japan` computes Japanese national holidays by rule.

pub mod japan;
