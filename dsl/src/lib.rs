//! voltlex-dsl: the rules language.
pub mod calendar;
pub mod rules;
