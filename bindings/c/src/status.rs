//! Status codes of fallible functions.

use std::ffi::c_char;

/// What a fallible function returns. `CRMNF_OK` is zero, every failure is non-zero; the error
/// object written to `*err` carries the same code plus the details.
///
/// The first three are the core's error kinds (the same as the Rust `Error` enum and the Python
/// exceptions); the others mean that the caller broke the C contract, or that the library hit a
/// bug (which it reports instead of crashing).
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum crmnf_status {
    /// Success: the outputs were written.
    CRMNF_OK = 0,
    /// The request breaks one or more rules; the error lists every violation.
    CRMNF_INVALID_REQUEST = 1,
    /// The server answered with a `status.code` other than `OK`; the error carries the code,
    /// description and message it sent.
    CRMNF_API_ERROR = 2,
    /// The response does not have the documented shape; the error carries the path of the
    /// offending value.
    CRMNF_MALFORMED_RESPONSE = 3,
    /// A pointer argument that must not be NULL was NULL.
    CRMNF_NULL_ARGUMENT = 4,
    /// A string argument was not valid UTF-8.
    CRMNF_INVALID_UTF8 = 5,
    /// A bug inside the library (a Rust panic), caught at the boundary. Outputs were not written.
    CRMNF_PANIC = 6,
}

impl crmnf_status {
    pub(crate) const fn name(self) -> &'static [u8] {
        match self {
            crmnf_status::CRMNF_OK => b"CRMNF_OK\0",
            crmnf_status::CRMNF_INVALID_REQUEST => b"CRMNF_INVALID_REQUEST\0",
            crmnf_status::CRMNF_API_ERROR => b"CRMNF_API_ERROR\0",
            crmnf_status::CRMNF_MALFORMED_RESPONSE => b"CRMNF_MALFORMED_RESPONSE\0",
            crmnf_status::CRMNF_NULL_ARGUMENT => b"CRMNF_NULL_ARGUMENT\0",
            crmnf_status::CRMNF_INVALID_UTF8 => b"CRMNF_INVALID_UTF8\0",
            crmnf_status::CRMNF_PANIC => b"CRMNF_PANIC\0",
        }
    }

    const ALL: [crmnf_status; 7] = [
        crmnf_status::CRMNF_OK,
        crmnf_status::CRMNF_INVALID_REQUEST,
        crmnf_status::CRMNF_API_ERROR,
        crmnf_status::CRMNF_MALFORMED_RESPONSE,
        crmnf_status::CRMNF_NULL_ARGUMENT,
        crmnf_status::CRMNF_INVALID_UTF8,
        crmnf_status::CRMNF_PANIC,
    ];
}

/// The name of a status code as a static string (`"CRMNF_API_ERROR"`), or `"CRMNF_UNKNOWN"` for
/// a value that is not a `crmnf_status`.
///
/// Takes an `int` so that any value, even one that is not a member of the enum, is safe to pass.
/// The string is static: never free it. Thread-safe.
#[no_mangle]
pub extern "C" fn crmnf_status_name(status: i32) -> *const c_char {
    const UNKNOWN: &[u8] = b"CRMNF_UNKNOWN\0";
    let name = crate::boundary::guarded(UNKNOWN, || {
        crmnf_status::ALL
            .iter()
            .find(|s| **s as i32 == status)
            .map_or(UNKNOWN, |s| s.name())
    });
    name.as_ptr().cast()
}
