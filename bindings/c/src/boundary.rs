//! The boundary itself: no panic crosses it, every pointer is checked for NULL, every string for
//! UTF-8, and outputs are written only once everything has succeeded.

use std::borrow::Cow;
use std::ffi::{c_char, CStr};
use std::panic::{catch_unwind, AssertUnwindSafe};

use crmcom_netflix::Error;

use crate::error::crmnf_error;
use crate::status::crmnf_status;

/// Why a call failed: the core said no, or the caller broke the C contract, or a bug panicked.
pub(crate) enum Fail {
    Core(Error),
    Null(Cow<'static, str>),
    Utf8(Cow<'static, str>),
    Panic(&'static str),
}

impl Fail {
    pub(crate) fn status(&self) -> crmnf_status {
        match self {
            Fail::Core(Error::InvalidRequest(_)) => crmnf_status::CRMNF_INVALID_REQUEST,
            Fail::Core(Error::Api(_)) => crmnf_status::CRMNF_API_ERROR,
            Fail::Core(Error::MalformedResponse(_)) => crmnf_status::CRMNF_MALFORMED_RESPONSE,
            Fail::Null(_) => crmnf_status::CRMNF_NULL_ARGUMENT,
            Fail::Utf8(_) => crmnf_status::CRMNF_INVALID_UTF8,
            Fail::Panic(_) => crmnf_status::CRMNF_PANIC,
        }
    }
}

impl From<Error> for Fail {
    fn from(e: Error) -> Self {
        Fail::Core(e)
    }
}

/// Runs the body of a fallible function: a status out, and on failure a new error object in
/// `*err` (when `err` is not NULL). The body writes its outputs as its last step, so a failure
/// leaves them untouched.
pub(crate) fn fallible(
    function: &'static str,
    err: *mut *mut crmnf_error,
    body: impl FnOnce() -> Result<(), Fail>,
) -> crmnf_status {
    let fail = match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => return crmnf_status::CRMNF_OK,
        Ok(Err(fail)) => fail,
        Err(_) => Fail::Panic(function),
    };
    let status = fail.status();
    if !err.is_null() {
        if let Ok(error) = catch_unwind(AssertUnwindSafe(|| crmnf_error::from_fail(fail))) {
            // SAFETY: `err` is not NULL and the caller promised it points to writable storage.
            unsafe { *err = Box::into_raw(Box::new(error)) };
        }
    }
    status
}

/// Runs the body of an accessor that cannot report an error: `default` if it panics.
pub(crate) fn guarded<T>(default: T, body: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(body)).unwrap_or(default)
}

/// Frees a boxed object given back by the caller; NULL is a no-op.
pub(crate) fn free_box<T>(ptr: *mut T) {
    if ptr.is_null() {
        return;
    }
    let _ = catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: the pointer came from `Box::into_raw` in this library and is freed once.
        drop(unsafe { Box::from_raw(ptr) });
    }));
}

/// A mandatory NUL-terminated UTF-8 string argument.
pub(crate) fn str_arg<'a>(ptr: *const c_char, name: &'static str) -> Result<&'a str, Fail> {
    opt_str_arg(ptr, name)?.ok_or(Fail::Null(name.into()))
}

/// An optional NUL-terminated UTF-8 string argument (NULL means absent).
pub(crate) fn opt_str_arg<'a>(
    ptr: *const c_char,
    name: impl Into<Cow<'static, str>>,
) -> Result<Option<&'a str>, Fail> {
    if ptr.is_null() {
        return Ok(None);
    }
    // SAFETY: not NULL; the caller promised a NUL-terminated string that outlives the call.
    let bytes = unsafe { CStr::from_ptr(ptr) }.to_bytes();
    std::str::from_utf8(bytes)
        .map(Some)
        .map_err(|_| Fail::Utf8(name.into()))
}

/// A mandatory byte buffer argument.
pub(crate) fn bytes_arg<'a>(
    ptr: *const u8,
    len: usize,
    name: &'static str,
) -> Result<&'a [u8], Fail> {
    if ptr.is_null() {
        return Err(Fail::Null(name.into()));
    }
    // SAFETY: not NULL; the caller promised `len` readable bytes that outlive the call.
    Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
}

/// A mandatory output pointer, checked before any work is done.
pub(crate) fn out_arg<'a, T>(ptr: *mut T, name: &'static str) -> Result<&'a mut T, Fail> {
    // SAFETY: when not NULL, the caller promised it points to writable storage for a `T`.
    unsafe { ptr.as_mut() }.ok_or(Fail::Null(name.into()))
}

/// A mandatory handle argument.
pub(crate) fn ref_arg<'a, T>(ptr: *const T, name: &'static str) -> Result<&'a T, Fail> {
    // SAFETY: when not NULL, the caller promised a live handle from this library.
    unsafe { ptr.as_ref() }.ok_or(Fail::Null(name.into()))
}

/// A string owned by a handle, NUL-terminated for C, with its length (which may be larger than
/// `strlen` when the text holds a NUL).
pub(crate) struct Text(Box<[u8]>);

impl Text {
    pub(crate) fn new(s: &str) -> Text {
        let mut bytes = Vec::with_capacity(s.len() + 1);
        bytes.extend_from_slice(s.as_bytes());
        bytes.push(0);
        Text(bytes.into_boxed_slice())
    }

    pub(crate) fn ptr(&self) -> *const c_char {
        self.0.as_ptr().cast()
    }

    pub(crate) fn len(&self) -> usize {
        self.0.len() - 1
    }

    /// The pointer, storing the length in `*len` when `len` is not NULL.
    pub(crate) fn out(&self, len: *mut usize) -> *const c_char {
        if !len.is_null() {
            // SAFETY: not NULL; the caller promised writable storage for a `size_t`.
            unsafe { *len = self.len() };
        }
        self.ptr()
    }
}

/// The pointer of an optional text (NULL when absent), and its length in `*len` when present.
pub(crate) fn text_out(text: Option<&Text>, len: *mut usize) -> *const c_char {
    match text {
        Some(t) => t.out(len),
        None => std::ptr::null(),
    }
}

/// Writes a value through an optional output pointer.
pub(crate) fn put<T>(ptr: *mut T, value: T) {
    if !ptr.is_null() {
        // SAFETY: not NULL; the caller promised writable storage for a `T`.
        unsafe { *ptr = value };
    }
}

/// A heap string for the caller to free with `crmnf_string_free`.
pub(crate) fn owned_string(s: String) -> *mut c_char {
    match std::ffi::CString::new(s) {
        Ok(c) => c.into_raw(),
        // JSON text never holds a raw NUL (serde_json escapes it); should one come, drop it
        // rather than hand out a string whose length C would misread.
        Err(e) => {
            let mut bytes = e.into_vec();
            bytes.retain(|&b| b != 0);
            std::ffi::CString::new(bytes)
                .map(std::ffi::CString::into_raw)
                .unwrap_or(std::ptr::null_mut())
        }
    }
}
