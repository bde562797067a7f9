//! Decoding and projecting by method name, with normalized JSON out: everything the typed charge
//! accessors do not cover.

use std::ffi::c_char;

use crmcom_netflix::{decode_json, project_json, FieldsSet};

use crate::boundary::{bytes_arg, fallible, opt_str_arg, out_arg, owned_string, str_arg};
use crate::error::crmnf_error;
use crate::status::crmnf_status;

/// Decodes a response body of a method given by name into its normalized `data` as JSON: dates
/// canonical (`yyyy-MM-ddTHH:mm:ss`), amounts as the wire number, unknown fields and unknown enum
/// values kept as they came, `netflix_sate` written as `netflix_state`, `subscriptions/show`
/// always an array, `failed_charges_set` always present.
///
/// - `method`: the API path (`"netflix/promotions/list"`); must not be NULL.
/// - `body`, `body_len`: the response bytes (not NUL-terminated); `body` must not be NULL.
/// - `fields_set`: the comma-separated `fields_set` that was sent (`crmnf_request_fields_set`),
///   or NULL when none was.
/// - `out_json`: receives a new NUL-terminated string on success, owned by the caller
///   (`crmnf_string_free`); must not be NULL.
/// - `err`: as for `crmnf_prepare`.
///
/// Returns `CRMNF_OK`; `CRMNF_API_ERROR` for a status code other than `OK`;
/// `CRMNF_MALFORMED_RESPONSE` with the path of the offending value; `CRMNF_INVALID_REQUEST`
/// (`invalid_enum` at `method`) for an unknown method name; `CRMNF_NULL_ARGUMENT` /
/// `CRMNF_INVALID_UTF8` for a bad argument. `*out_json` is written only on success. Arguments
/// need only live for the call. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn crmnf_decode(
    method: *const c_char,
    body: *const u8,
    body_len: usize,
    fields_set: *const c_char,
    out_json: *mut *mut c_char,
    err: *mut *mut crmnf_error,
) -> crmnf_status {
    fallible("crmnf_decode", err, || {
        let out = out_arg(out_json, "out_json")?;
        let method = str_arg(method, "method")?;
        let body = bytes_arg(body, body_len, "body")?;
        let fields = opt_str_arg(fields_set, "fields_set")?.map(FieldsSet::<()>::from_query_value);
        let data = decode_json(method, body, fields.as_ref().map(FieldsSet::names))?;
        *out = owned_string(data.to_string());
        Ok(())
    })
}

/// Keeps only the fields a `fields_set` names, at the level it applies to (each charge of
/// `charges/list`, each promotion, each subscription; other methods' data unchanged): what the
/// server does with a `fields_set`.
///
/// - `method`: the API path; must not be NULL.
/// - `data_json`: the response `data` as JSON; must not be NULL.
/// - `fields_set`: comma-separated field names (`"number,amount"`); must not be NULL.
/// - `out_json`: receives a new string on success, owned by the caller (`crmnf_string_free`);
///   must not be NULL.
/// - `err`: as for `crmnf_prepare`.
///
/// Returns `CRMNF_OK`; `CRMNF_INVALID_REQUEST` (`invalid_enum` at `method`) for an unknown
/// method; `CRMNF_MALFORMED_RESPONSE` (path `""`) when `data_json` is not JSON;
/// `CRMNF_NULL_ARGUMENT` / `CRMNF_INVALID_UTF8` for a bad argument. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn crmnf_project(
    method: *const c_char,
    data_json: *const c_char,
    fields_set: *const c_char,
    out_json: *mut *mut c_char,
    err: *mut *mut crmnf_error,
) -> crmnf_status {
    fallible("crmnf_project", err, || {
        let out = out_arg(out_json, "out_json")?;
        let method = str_arg(method, "method")?;
        let data_json = str_arg(data_json, "data_json")?;
        let fields = FieldsSet::<()>::from_query_value(str_arg(fields_set, "fields_set")?);
        let data = project_json(method, data_json, fields.names())?;
        *out = owned_string(data.to_string());
        Ok(())
    })
}

/// Frees a string this library returned as `char *` (from `crmnf_decode`, `crmnf_project`,
/// `crmnf_request_url`, `crmnf_charge_sync_report`, `crmnf_charge_sync_save`). NULL is a no-op.
/// Never pass a `const char *` that a handle owns, nor a string from elsewhere. Call it once per
/// string, from any thread, when no other thread is reading it.
#[no_mangle]
pub unsafe extern "C" fn crmnf_string_free(string: *mut c_char) {
    if string.is_null() {
        return;
    }
    let _ = std::panic::catch_unwind(|| {
        // SAFETY: the string came from `CString::into_raw` in this library and is freed once.
        drop(unsafe { std::ffi::CString::from_raw(string) });
    });
}
