//! Support shared by the test files.

pub mod json;
pub mod outcome;
