//! `crmnf_error`: the core's error (violations, API error, malformed response) as an opaque object,
//! plus the failures of the C contract itself.

use std::ffi::c_char;

use crmcom_netflix::Error;

use crate::boundary::{free_box, guarded, text_out, Fail, Text};
use crate::status::crmnf_status;

struct Violation {
    path: Text,
    code: Text,
    message: Text,
}

/// An error: a status code, a message for a person, and the details of its kind (the violations of
/// an invalid request, the status of an API error, the path of a malformed response).
///
/// Written to `*err` by a fallible function that fails (when `err` is not NULL); owned by the
/// caller, who frees it with `crmnf_error_free`. Immutable: it may be read from several threads at
/// once. Strings it returns live as long as the error. Messages never contain the login token or
/// the password.
pub struct crmnf_error {
    code: crmnf_status,
    message: Text,
    violations: Vec<Violation>,
    api_code: Option<Text>,
    api_description: Option<Text>,
    api_message: Option<Text>,
    path: Option<Text>,
}

impl crmnf_error {
    fn plain(code: crmnf_status, message: &str) -> Self {
        crmnf_error {
            code,
            message: Text::new(message),
            violations: Vec::new(),
            api_code: None,
            api_description: None,
            api_message: None,
            path: None,
        }
    }

    pub(crate) fn from_fail(fail: Fail) -> Self {
        match fail {
            Fail::Null(name) => crmnf_error::plain(
                crmnf_status::CRMNF_NULL_ARGUMENT,
                &format!("the argument `{name}` must not be NULL"),
            ),
            Fail::Utf8(name) => crmnf_error::plain(
                crmnf_status::CRMNF_INVALID_UTF8,
                &format!("the argument `{name}` is not valid UTF-8"),
            ),
            Fail::Panic(function) => crmnf_error::plain(
                crmnf_status::CRMNF_PANIC,
                &format!("internal error in {function}: the call was abandoned (please report it)"),
            ),
            Fail::Core(e) => crmnf_error::from_core(&e),
        }
    }

    fn from_core(e: &Error) -> Self {
        let mut out = crmnf_error::plain(crmnf_status::CRMNF_OK, &e.to_string());
        match e {
            Error::InvalidRequest(violations) => {
                out.code = crmnf_status::CRMNF_INVALID_REQUEST;
                out.violations = violations
                    .iter()
                    .map(|v| Violation {
                        path: Text::new(&v.path),
                        code: Text::new(v.code.as_str()),
                        message: Text::new(&v.message),
                    })
                    .collect();
            }
            Error::Api(api) => {
                out.code = crmnf_status::CRMNF_API_ERROR;
                out.api_code = Some(Text::new(&api.code));
                out.api_description = api.description.as_deref().map(Text::new);
                out.api_message = api.message.as_deref().map(Text::new);
            }
            Error::MalformedResponse(m) => {
                out.code = crmnf_status::CRMNF_MALFORMED_RESPONSE;
                out.path = Some(Text::new(&m.path));
            }
        }
        out
    }
}

fn with_error<T: Copy>(
    err: *const crmnf_error,
    default: T,
    f: impl FnOnce(&crmnf_error) -> T,
) -> T {
    // SAFETY: when not NULL, the caller promised a live error from this library.
    match unsafe { err.as_ref() } {
        Some(e) => guarded(default, || f(e)),
        None => default,
    }
}

/// The status code of the error (never `CRMNF_OK`); `CRMNF_NULL_ARGUMENT` when `err` is NULL.
/// Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn crmnf_error_code(err: *const crmnf_error) -> crmnf_status {
    with_error(err, crmnf_status::CRMNF_NULL_ARGUMENT, |e| e.code)
}

/// A sentence for a person describing the whole error (every violation, or the API status, or the
/// malformed path). Never NULL for a non-NULL `err`; NULL when `err` is NULL. Owned by the error:
/// valid until `crmnf_error_free`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn crmnf_error_message(err: *const crmnf_error) -> *const c_char {
    with_error(err, std::ptr::null(), |e| e.message.ptr())
}

/// The number of violations: at least one for `CRMNF_INVALID_REQUEST`, zero for every other code
/// and for a NULL `err`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn crmnf_error_violation_count(err: *const crmnf_error) -> usize {
    with_error(err, 0, |e| e.violations.len())
}

/// The path of the `index`-th violation into the input as given
/// (`"acknowledged_charges_set[3].number"`; `""` is the parameters object itself, `"method"`,
/// `"release"` and `"token"` are the other arguments). NULL when `err` is NULL or `index` is out
/// of range. Owned by the error. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn crmnf_error_violation_path(
    err: *const crmnf_error,
    index: usize,
) -> *const c_char {
    with_error(err, std::ptr::null(), |e| {
        text_out(
            e.violations.get(index).map(|v| &v.path),
            std::ptr::null_mut(),
        )
    })
}

/// The stable code of the `index`-th violation: one of `"required"`, `"one_of_required"`,
/// `"unknown_field"`, `"invalid_type"`, `"invalid_enum"`, `"invalid_format"`, `"out_of_range"`,
/// `"too_many_items"`, `"too_few_items"`, `"duplicate"`, `"not_in_release"`. NULL when `err` is
/// NULL or `index` is out of range. Owned by the error. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn crmnf_error_violation_code(
    err: *const crmnf_error,
    index: usize,
) -> *const c_char {
    with_error(err, std::ptr::null(), |e| {
        text_out(
            e.violations.get(index).map(|v| &v.code),
            std::ptr::null_mut(),
        )
    })
}

/// The sentence of the `index`-th violation. NULL when `err` is NULL or `index` is out of range.
/// Owned by the error. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn crmnf_error_violation_message(
    err: *const crmnf_error,
    index: usize,
) -> *const c_char {
    with_error(err, std::ptr::null(), |e| {
        text_out(
            e.violations.get(index).map(|v| &v.message),
            std::ptr::null_mut(),
        )
    })
}

/// For `CRMNF_API_ERROR`: the `status.code` the server sent (commonly `"ERROR"`). NULL for other
/// codes and a NULL `err`. Owned by the error. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn crmnf_error_api_code(err: *const crmnf_error) -> *const c_char {
    with_error(err, std::ptr::null(), |e| {
        text_out(e.api_code.as_ref(), std::ptr::null_mut())
    })
}

/// For `CRMNF_API_ERROR`: the `status.description` the server sent, or NULL when it sent none
/// (or `null`). NULL for other codes and a NULL `err`. Owned by the error. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn crmnf_error_api_description(err: *const crmnf_error) -> *const c_char {
    with_error(err, std::ptr::null(), |e| {
        text_out(e.api_description.as_ref(), std::ptr::null_mut())
    })
}

/// For `CRMNF_API_ERROR`: the `status.message` the server sent, or NULL when it sent none (or
/// `null`). NULL for other codes and a NULL `err`. Owned by the error. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn crmnf_error_api_message(err: *const crmnf_error) -> *const c_char {
    with_error(err, std::ptr::null(), |e| {
        text_out(e.api_message.as_ref(), std::ptr::null_mut())
    })
}

/// For `CRMNF_MALFORMED_RESPONSE`: the path of the offending value in the body
/// (`"data.charges_set[0].amount"`; `""` for the body itself). NULL for other codes and a NULL
/// `err`. Owned by the error. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn crmnf_error_path(err: *const crmnf_error) -> *const c_char {
    with_error(err, std::ptr::null(), |e| {
        text_out(e.path.as_ref(), std::ptr::null_mut())
    })
}

/// Frees an error and every string it handed out. NULL is a no-op. Call it once per error, from
/// any thread, when no other thread is reading it.
#[no_mangle]
pub unsafe extern "C" fn crmnf_error_free(err: *mut crmnf_error) {
    free_box(err);
}
