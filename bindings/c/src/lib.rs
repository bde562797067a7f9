//! # libcrmnf
//!
//! The C library of the CRM.COM netflix Web API SDK: the Rust core behind a C ABI. It adds no rule
//! of its own; it converts types and errors, and keeps the boundary safe: every exported function
//! catches panics, checks every pointer for NULL and every string for UTF-8, and reports a status
//! instead of crashing. Every object has one `_free`, and freeing NULL is a no-op.
//!
//! The header `include/crmnf.h` is generated from this crate by cbindgen
//! (`cargo run -p crmcom-netflix-c --example generate_header`) and committed; `make test` fails
//! when it is stale.

#![allow(non_camel_case_types)]
#![deny(unsafe_op_in_unsafe_fn)]
#![allow(clippy::missing_safety_doc)] // Each function's contract is in its doc comment.

mod boundary;
pub mod charges;
pub mod error;
pub mod json;
pub mod request;
pub mod status;
pub mod sync;

pub use charges::{crmnf_charge, crmnf_charge_status, crmnf_charges, crmnf_datetime};
pub use error::crmnf_error;
pub use request::{crmnf_request, crmnf_requests};
pub use status::crmnf_status;
pub use sync::crmnf_charge_sync;

/// The library version (`"0.1.0"`), a static string: never free it. Thread-safe.
#[no_mangle]
pub extern "C" fn crmnf_version() -> *const std::ffi::c_char {
    const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), "\0");
    // Nothing here can panic; the guard keeps the rule "every export catches panics" uniform.
    boundary::guarded(VERSION, || VERSION).as_ptr().cast()
}

#[cfg(test)]
mod tests;
