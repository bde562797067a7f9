//! Support shared by the test files.

pub mod outcome;
