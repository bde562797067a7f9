//! Preparing and validating requests by method name, and batching charges actions.

use std::ffi::c_char;

use crmcom_netflix::{
    prepare_batch_json, prepare_json, validate_json, FieldsSet, Method, PreparedRequest,
};

use crate::boundary::{
    fallible, free_box, guarded, opt_str_arg, out_arg, owned_string, ref_arg, str_arg, text_out,
    Fail, Text,
};
use crate::charges::crmnf_charge;
use crate::error::crmnf_error;
use crate::status::crmnf_status;

/// A request ready to send: HTTP verb, path, query string or JSON body.
///
/// Made by `crmnf_prepare`, `crmnf_prepare_batch` (inside a `crmnf_requests`) and
/// `crmnf_charge_sync_next_request`. Immutable: it may be read from several threads at once.
/// Strings it returns live as long as the request. It holds the login token (in the query or the
/// body): treat its strings as secrets, and free it with `crmnf_request_free` (requests inside a
/// `crmnf_requests` are freed with the list).
pub struct crmnf_request {
    prepared: PreparedRequest,
    verb: Text,
    path: Text,
    query: Text,
    body: Option<Text>,
    json: Text,
    fields_set: Option<Text>,
    headers: Vec<(Text, Text)>,
}

impl crmnf_request {
    pub(crate) fn new(prepared: PreparedRequest) -> Self {
        crmnf_request {
            verb: Text::new(prepared.verb.as_str()),
            path: Text::new(prepared.path),
            query: Text::new(&prepared.query_string()),
            body: prepared
                .body_bytes()
                .map(|b| Text::new(&String::from_utf8_lossy(&b))),
            json: Text::new(&prepared.to_json().to_string()),
            fields_set: prepared
                .fields_set
                .as_ref()
                .map(|names| Text::new(&FieldsSet::<()>::new(names.iter()).to_query_value())),
            headers: prepared
                .headers
                .iter()
                .map(|(k, v)| (Text::new(k), Text::new(v)))
                .collect(),
            prepared,
        }
    }

    pub(crate) fn boxed(prepared: PreparedRequest) -> *mut crmnf_request {
        Box::into_raw(Box::new(crmnf_request::new(prepared)))
    }
}

/// A list of requests made by `crmnf_prepare_batch`. Immutable; freed with
/// `crmnf_requests_free`, which also frees every request it holds.
pub struct crmnf_requests {
    requests: Vec<crmnf_request>,
}

fn with_request<T: Copy>(
    request: *const crmnf_request,
    default: T,
    f: impl FnOnce(&crmnf_request) -> T,
) -> T {
    // SAFETY: when not NULL, the caller promised a live request from this library.
    match unsafe { request.as_ref() } {
        Some(r) => guarded(default, || f(r)),
        None => default,
    }
}

/// Prepares a request by method name.
///
/// - `method`: the API path, `"netflix/charges/list"`; must not be NULL.
/// - `params_json`: the parameters as a JSON object, without the token (`"{}"` for none); must not
///   be NULL.
/// - `token`: the login token; NULL means none (every method but `authentication/token` then
///   fails with a `required` violation at `token`).
/// - `release`: the target release, `"R12.0.0"` style; NULL means the newest.
/// - `out`: receives a new `crmnf_request` on success, owned by the caller
///   (`crmnf_request_free`); must not be NULL.
/// - `err`: receives a new `crmnf_error` on failure, owned by the caller (`crmnf_error_free`);
///   may be NULL. Written only on failure: initialise it to NULL.
///
/// Returns `CRMNF_OK`, or `CRMNF_INVALID_REQUEST` with every violation at once (an unknown method
/// or release name is `invalid_enum` at `method` or `release`), or `CRMNF_NULL_ARGUMENT` /
/// `CRMNF_INVALID_UTF8` for a bad argument. `*out` is written only on success. The strings need
/// only live for the call. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn crmnf_prepare(
    method: *const c_char,
    params_json: *const c_char,
    token: *const c_char,
    release: *const c_char,
    out: *mut *mut crmnf_request,
    err: *mut *mut crmnf_error,
) -> crmnf_status {
    fallible("crmnf_prepare", err, || {
        let out = out_arg(out, "out")?;
        let method = str_arg(method, "method")?;
        let params_json = str_arg(params_json, "params_json")?;
        let token = opt_str_arg(token, "token")?;
        let release = opt_str_arg(release, "release")?;
        let prepared = prepare_json(method, params_json, token, release)?;
        *out = crmnf_request::boxed(prepared);
        Ok(())
    })
}

/// Prepares a login with a Web API key (`authentication/web_api_key/token`): the key goes in the
/// request's `Authorization` header (`crmnf_request_header_name` / `_value`), the body carries
/// only the unit. Send it, then decode the response with `crmnf_decode` (method
/// `"authentication/web_api_key/token"`), whose `data.token` is the login token.
///
/// - `api_key`: the key, printable ASCII without spaces or colons; must not be NULL. Never
///   echoed in an error.
/// - `unit`: the unit for the session; NULL for the key's default unit.
/// - `release`, `out`, `err`: as for `crmnf_prepare`.
///
/// Returns `CRMNF_OK`, `CRMNF_INVALID_REQUEST` (`required` or `invalid_format` at `api_key`),
/// `CRMNF_NULL_ARGUMENT` or `CRMNF_INVALID_UTF8`. `*out` is written only on success. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn crmnf_prepare_web_api_key_login(
    api_key: *const c_char,
    unit: *const c_char,
    release: *const c_char,
    out: *mut *mut crmnf_request,
    err: *mut *mut crmnf_error,
) -> crmnf_status {
    fallible("crmnf_prepare_web_api_key_login", err, || {
        let out = out_arg(out, "out")?;
        let api_key = str_arg(api_key, "api_key")?;
        let unit = opt_str_arg(unit, "unit")?;
        let release = opt_str_arg(release, "release")?;
        let mut params = serde_json::Map::new();
        params.insert("api_key".into(), api_key.into());
        if let Some(unit) = unit {
            params.insert("unit".into(), unit.into());
        }
        let params = serde_json::Value::Object(params).to_string();
        let prepared = prepare_json(
            Method::AuthenticationWebApiKeyToken.name(),
            &params,
            None,
            release,
        )?;
        *out = crmnf_request::boxed(prepared);
        Ok(())
    })
}

/// Checks parameters against a method's rules for a release, without a token (so a missing token
/// is not a violation here).
///
/// `method` and `params_json` must not be NULL; `release` NULL means the newest; `err` as for
/// `crmnf_prepare`. Returns `CRMNF_OK` when the parameters pass, else `CRMNF_INVALID_REQUEST`
/// with every violation, or `CRMNF_NULL_ARGUMENT` / `CRMNF_INVALID_UTF8`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn crmnf_validate(
    method: *const c_char,
    params_json: *const c_char,
    release: *const c_char,
    err: *mut *mut crmnf_error,
) -> crmnf_status {
    fallible("crmnf_validate", err, || {
        let method = str_arg(method, "method")?;
        let params_json = str_arg(params_json, "params_json")?;
        let release = opt_str_arg(release, "release")?;
        validate_json(method, params_json, release)?;
        Ok(())
    })
}

/// Splits charges into `netflix/charges/acknowledge`, `accept` or `decline` requests of at most 50
/// items each, in order, dropping a repeated charge number (the first wins) and an item whose
/// reference number was already used, then prepares each with the token.
///
/// - `method`: `"netflix/charges/acknowledge"`, `"netflix/charges/accept"` or
///   `"netflix/charges/decline"`; any other method is `invalid_enum` at `method`.
/// - `charges`: `count` charges from a `crmnf_charges` (their number and customer identifier are
///   used); may be NULL only when `count` is 0; no element may be NULL.
/// - `reference_numbers`: NULL for none, or `count` strings, each NULL or the operator's reference
///   for the charge at the same index.
/// - `token`, `release`, `err`: as for `crmnf_prepare`.
/// - `out`: receives a new `crmnf_requests` on success (empty when `count` is 0), owned by the
///   caller (`crmnf_requests_free`); must not be NULL.
///
/// A violation's path names the charge by its index in `charges`
/// (`accepted_charges_set[57].billing_system_customer_identifier`). The charges need only live
/// for the call. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn crmnf_prepare_batch(
    method: *const c_char,
    charges: *const *const crmnf_charge,
    reference_numbers: *const *const c_char,
    count: usize,
    token: *const c_char,
    release: *const c_char,
    out: *mut *mut crmnf_requests,
    err: *mut *mut crmnf_error,
) -> crmnf_status {
    fallible("crmnf_prepare_batch", err, || {
        let out = out_arg(out, "out")?;
        let method = str_arg(method, "method")?;
        let token = opt_str_arg(token, "token")?;
        let release = opt_str_arg(release, "release")?;
        let charges: &[*const crmnf_charge] = if count == 0 {
            &[]
        } else if charges.is_null() {
            return Err(Fail::Null("charges".into()));
        } else {
            // SAFETY: not NULL; the caller promised `count` readable pointers.
            unsafe { std::slice::from_raw_parts(charges, count) }
        };
        let references: Option<&[*const c_char]> = if reference_numbers.is_null() || count == 0 {
            None
        } else {
            // SAFETY: not NULL; the caller promised `count` readable pointers.
            Some(unsafe { std::slice::from_raw_parts(reference_numbers, count) })
        };
        let mut items = Vec::with_capacity(count);
        for (i, charge) in charges.iter().enumerate() {
            let charge = ref_arg(*charge, "charges[]")
                .map_err(|_| Fail::Null(format!("charges[{i}]").into()))?;
            let reference = match references {
                Some(refs) => opt_str_arg(refs[i], format!("reference_numbers[{i}]"))?,
                None => None,
            };
            let c = charge.charge();
            items.push((
                c.number.as_deref().unwrap_or(""),
                c.billing_system_customer_identifier
                    .as_deref()
                    .unwrap_or(""),
                reference,
            ));
        }
        let prepared = prepare_batch_json(method, items, token, release)?;
        let requests = prepared.into_iter().map(crmnf_request::new).collect();
        *out = Box::into_raw(Box::new(crmnf_requests { requests }));
        Ok(())
    })
}

/// The number of requests in the list; 0 for NULL. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn crmnf_requests_count(requests: *const crmnf_requests) -> usize {
    // SAFETY: when not NULL, the caller promised a live list from this library.
    match unsafe { requests.as_ref() } {
        Some(r) => guarded(0, || r.requests.len()),
        None => 0,
    }
}

/// The `index`-th request of the list, or NULL when `requests` is NULL or `index` is out of range.
/// Borrowed from the list: valid until `crmnf_requests_free`; do not free it. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn crmnf_requests_get(
    requests: *const crmnf_requests,
    index: usize,
) -> *const crmnf_request {
    // SAFETY: when not NULL, the caller promised a live list from this library.
    match unsafe { requests.as_ref() } {
        Some(r) => guarded(std::ptr::null(), || {
            r.requests
                .get(index)
                .map_or(std::ptr::null(), |r| r as *const crmnf_request)
        }),
        None => std::ptr::null(),
    }
}

/// Frees a list of requests and every request in it. NULL is a no-op. Call it once, when no other
/// thread is reading the list or one of its requests.
#[no_mangle]
pub unsafe extern "C" fn crmnf_requests_free(requests: *mut crmnf_requests) {
    free_box(requests);
}

/// `"GET"` or `"POST"`; NULL for a NULL request. Owned by the request. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn crmnf_request_verb(request: *const crmnf_request) -> *const c_char {
    with_request(request, std::ptr::null(), |r| r.verb.ptr())
}

/// The path relative to `{server}/crmapi/rest/v2/` (`"netflix/charges/list"`); NULL for a NULL
/// request. Owned by the request. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn crmnf_request_path(request: *const crmnf_request) -> *const c_char {
    with_request(request, std::ptr::null(), |r| r.path.ptr())
}

/// The percent-encoded query string of a GET, token first, without `?` (`""` for a POST); its
/// length in `*len` when `len` is not NULL. NULL for a NULL request. Owned by the request; holds
/// the token. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn crmnf_request_query(
    request: *const crmnf_request,
    len: *mut usize,
) -> *const c_char {
    with_request(request, std::ptr::null(), |r| r.query.out(len))
}

/// The JSON body of a POST, token first (send it with `Content-Type: application/json`); its
/// length in `*len` when `len` is not NULL. NULL for a GET (and `*len` untouched) and for a NULL
/// request. Owned by the request; holds the token. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn crmnf_request_body(
    request: *const crmnf_request,
    len: *mut usize,
) -> *const c_char {
    with_request(request, std::ptr::null(), |r| {
        text_out(r.body.as_ref(), len)
    })
}

/// The whole request as JSON, `{"verb", "path", "query": [[name, value], ...], "body"}`, plus
/// `"headers": [[name, value], ...]` when the request carries any (the `Authorization` of a Web
/// API key login): the form the other languages return and the spec vectors compare. Its length in
/// `*len` when `len` is not NULL. NULL for a NULL request. Owned by the request; holds the token
/// and, for a Web API key login, the key: never log it.
#[no_mangle]
pub unsafe extern "C" fn crmnf_request_json(
    request: *const crmnf_request,
    len: *mut usize,
) -> *const c_char {
    with_request(request, std::ptr::null(), |r| r.json.out(len))
}

/// The `fields_set` the request sends, comma-separated (`"number,amount"`), to pass to
/// `crmnf_decode` or `crmnf_charges_decode` with the response; NULL when it sends none and for a
/// NULL request. Owned by the request. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn crmnf_request_fields_set(request: *const crmnf_request) -> *const c_char {
    with_request(request, std::ptr::null(), |r| {
        text_out(r.fields_set.as_ref(), std::ptr::null_mut())
    })
}

/// How many HTTP headers the request needs besides `Content-Type` and `Accept`: 1 for a Web API
/// key login (`Authorization`), 0 for every other method and for NULL. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn crmnf_request_header_count(request: *const crmnf_request) -> usize {
    with_request(request, 0, |r| r.headers.len())
}

/// The name of the `index`-th header (`"Authorization"`), or NULL when `request` is NULL or
/// `index` is out of range. Owned by the request. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn crmnf_request_header_name(
    request: *const crmnf_request,
    index: usize,
) -> *const c_char {
    with_request(request, std::ptr::null(), |r| {
        r.headers
            .get(index)
            .map_or(std::ptr::null(), |(name, _)| name.ptr())
    })
}

/// The value of the `index`-th header, its length in `*len` when `len` is not NULL; NULL (and
/// `*len` untouched) when `request` is NULL or `index` is out of range. Owned by the request; an
/// `Authorization` value holds the Web API key: treat it as a secret. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn crmnf_request_header_value(
    request: *const crmnf_request,
    index: usize,
    len: *mut usize,
) -> *const c_char {
    with_request(request, std::ptr::null(), |r| {
        text_out(r.headers.get(index).map(|(_, value)| value), len)
    })
}

/// The full URL of the request under `base` (such as `"https://host/crmapi/rest/v2"`), with the
/// query string for a GET.
///
/// `request`, `base` and `out` must not be NULL. On success `*out` receives a new string owned by
/// the caller (`crmnf_string_free`); it holds the token of a GET. `err` as for `crmnf_prepare`.
/// Returns `CRMNF_OK`, `CRMNF_NULL_ARGUMENT` or `CRMNF_INVALID_UTF8`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn crmnf_request_url(
    request: *const crmnf_request,
    base: *const c_char,
    out: *mut *mut c_char,
    err: *mut *mut crmnf_error,
) -> crmnf_status {
    fallible("crmnf_request_url", err, || {
        let out = out_arg(out, "out")?;
        let request = ref_arg(request, "request")?;
        let base = str_arg(base, "base")?;
        *out = owned_string(request.prepared.url(base));
        Ok(())
    })
}

/// Frees a request made by `crmnf_prepare` or `crmnf_charge_sync_next_request`. NULL is a no-op.
/// Never pass a request borrowed from a `crmnf_requests`. Call it once, when no other thread is
/// reading it.
#[no_mangle]
pub unsafe extern "C" fn crmnf_request_free(request: *mut crmnf_request) {
    free_box(request);
}
