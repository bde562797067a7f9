//! Rust-side checks of the boundary itself; the C and C++ tests exercise the whole API.

use std::ffi::CStr;
use std::ptr;

use crate::boundary::{fallible, Fail};
use crate::error::*;
use crate::status::crmnf_status;

fn text(p: *const std::ffi::c_char) -> String {
    assert!(!p.is_null());
    unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
}

#[test]
fn a_panic_inside_a_function_becomes_a_panic_status_and_an_error() {
    let mut err: *mut crmnf_error = ptr::null_mut();
    let status = fallible("crmnf_test", &mut err, || -> Result<(), Fail> {
        panic!("boom");
    });
    assert_eq!(status, crmnf_status::CRMNF_PANIC);
    // SAFETY: `err` is the error the boundary just made; it is freed once.
    unsafe {
        assert_eq!(crmnf_error_code(err), crmnf_status::CRMNF_PANIC);
        assert!(text(crmnf_error_message(err)).contains("crmnf_test"));
        crmnf_error_free(err);
    }
}

#[test]
fn a_failure_without_an_error_pointer_still_returns_its_status() {
    let status = fallible("crmnf_test", ptr::null_mut(), || {
        Err(Fail::Null("x".into()))
    });
    assert_eq!(status, crmnf_status::CRMNF_NULL_ARGUMENT);
}

#[test]
fn success_leaves_the_error_pointer_untouched() {
    let sentinel = 8usize as *mut crmnf_error;
    let mut err = sentinel;
    let status = fallible("crmnf_test", &mut err, || Ok(()));
    assert_eq!(status, crmnf_status::CRMNF_OK);
    assert_eq!(err, sentinel);
}

#[test]
fn status_names_cover_every_code_and_unknown_values() {
    for (code, name) in [
        (0, "CRMNF_OK"),
        (1, "CRMNF_INVALID_REQUEST"),
        (6, "CRMNF_PANIC"),
        (7, "CRMNF_UNKNOWN"),
        (-1, "CRMNF_UNKNOWN"),
    ] {
        assert_eq!(text(crate::status::crmnf_status_name(code)), name);
    }
}

#[test]
fn the_version_is_the_crate_version() {
    assert_eq!(text(crate::crmnf_version()), env!("CARGO_PKG_VERSION"));
}
