//! `crmnf_charge_sync`: the core's `ChargeSync`, the nightly charge loop as a sans-IO state
//! machine, behind an opaque handle.

use std::ffi::c_char;

use crmcom_netflix::{ChargeSync, SyncOptions, SyncState, Token};

use crate::boundary::{
    bytes_arg, fallible, free_box, guarded, opt_str_arg, out_arg, owned_string, put, ref_arg,
    str_arg, Fail,
};
use crate::charges::crmnf_charges;
use crate::error::crmnf_error;
use crate::request::crmnf_request;
use crate::status::crmnf_status;

/// The nightly charge loop: list charges 50 at a time, hand them to the billing system,
/// acknowledge the ones it confirms as taken, never skip a charge nor hand one over twice.
///
/// It does no I/O: `crmnf_charge_sync_next_request` says what to send, the caller sends it and
/// gives the response body to `crmnf_charge_sync_feed`, takes the charges with
/// `crmnf_charge_sync_take_charges`, bills them, and confirms the ones it billed with
/// `crmnf_charge_sync_confirm`; `crmnf_charge_sync_report` sums up the run.
///
/// Its whole state is a small JSON text (`crmnf_charge_sync_save`, `crmnf_charge_sync_resume`).
/// Save it after every step and before acting on what the step returned (write ahead): then a
/// crash at any point loses nothing and bills nothing twice.
///
/// Owned by the caller, freed with `crmnf_charge_sync_free`. Not thread-safe: use it from one
/// thread at a time (it may move between threads). A call that fails with an API error or a
/// malformed response changes nothing, so the same request can be sent again; after
/// `CRMNF_PANIC`, free it and resume from the last saved state.
pub struct crmnf_charge_sync {
    sync: ChargeSync,
}

fn sync_mut<'a>(sync: *mut crmnf_charge_sync) -> Result<&'a mut ChargeSync, Fail> {
    Ok(&mut out_arg(sync, "sync")?.sync)
}

fn sync_ref<'a>(sync: *const crmnf_charge_sync) -> Result<&'a ChargeSync, Fail> {
    Ok(&ref_arg(sync, "sync")?.sync)
}

/// Makes a sync at the start of its first run.
///
/// - `options_json`: NULL for the defaults (the billing loop: acknowledge mode, `PROCESSED`
///   charges, pages of 50, the newest release), or a JSON object whose fields override them:
///   `release` (`"R14.1.0"`), `mode` (`"acknowledge"` or `"read_only"`), `charge_status`
///   (`"PROCESSED"` or `"NOT_PROCESSED"`, the latter in read-only mode only), `page_size` (1 to
///   50), `max_ack_attempts`, `max_pages_per_run`, `already_acknowledged_codes` (a list).
/// - `out`: receives a new sync on success, owned by the caller (`crmnf_charge_sync_free`); must
///   not be NULL.
/// - `err`: as for `crmnf_prepare`.
///
/// Returns `CRMNF_OK`, or `CRMNF_INVALID_REQUEST` with every violation of the options (paths are
/// option names), or `CRMNF_NULL_ARGUMENT` / `CRMNF_INVALID_UTF8`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn crmnf_charge_sync_new(
    options_json: *const c_char,
    out: *mut *mut crmnf_charge_sync,
    err: *mut *mut crmnf_error,
) -> crmnf_status {
    fallible("crmnf_charge_sync_new", err, || {
        let out = out_arg(out, "out")?;
        let options = match opt_str_arg(options_json, "options_json")? {
            Some(json) => SyncOptions::from_json(json)?,
            None => SyncOptions::default(),
        };
        let sync = ChargeSync::new(options)?;
        *out = Box::into_raw(Box::new(crmnf_charge_sync { sync }));
        Ok(())
    })
}

/// Resumes a sync from a state saved by `crmnf_charge_sync_save`, after a crash or a restart.
/// Every charge that had been handed over and not confirmed is handed over again, marked
/// redelivered; a request that was in flight is handed out again.
///
/// `state_json` and `out` must not be NULL; `*out` receives a new sync on success, owned by the
/// caller. `err` as for `crmnf_prepare`. Returns `CRMNF_OK`, or `CRMNF_INVALID_REQUEST` for a
/// state that cannot be read (`invalid_format` at `state`) or of another format version, or
/// `CRMNF_NULL_ARGUMENT` / `CRMNF_INVALID_UTF8`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn crmnf_charge_sync_resume(
    state_json: *const c_char,
    out: *mut *mut crmnf_charge_sync,
    err: *mut *mut crmnf_error,
) -> crmnf_status {
    fallible("crmnf_charge_sync_resume", err, || {
        let out = out_arg(out, "out")?;
        let state = SyncState::from_json(str_arg(state_json, "state_json")?)?;
        let sync = ChargeSync::from_state(state)?;
        *out = Box::into_raw(Box::new(crmnf_charge_sync { sync }));
        Ok(())
    })
}

/// The whole state as JSON text, to store durably and give back to `crmnf_charge_sync_resume`.
/// It never holds the token.
///
/// `sync` and `out_json` must not be NULL; `*out_json` receives a new string on success, owned by
/// the caller (`crmnf_string_free`). `err` as for `crmnf_prepare`. Returns `CRMNF_OK` or
/// `CRMNF_NULL_ARGUMENT`. Not while another thread changes the sync.
#[no_mangle]
pub unsafe extern "C" fn crmnf_charge_sync_save(
    sync: *const crmnf_charge_sync,
    out_json: *mut *mut c_char,
    err: *mut *mut crmnf_error,
) -> crmnf_status {
    fallible("crmnf_charge_sync_save", err, || {
        let out = out_arg(out_json, "out_json")?;
        let state = sync_ref(sync)?.state().to_json();
        *out = owned_string(state);
        Ok(())
    })
}

/// Starts the next run (the next night): the cursor goes back to 0 and the counters to zero.
/// Confirmed charges not yet acknowledged are acknowledged first; charges handed over and not
/// confirmed are handed over again, marked redelivered, when the new run lists them.
///
/// `sync` must not be NULL. `err` as for `crmnf_prepare`. Returns `CRMNF_OK` or
/// `CRMNF_NULL_ARGUMENT`. One thread at a time.
#[no_mangle]
pub unsafe extern "C" fn crmnf_charge_sync_start_run(
    sync: *mut crmnf_charge_sync,
    err: *mut *mut crmnf_error,
) -> crmnf_status {
    fallible("crmnf_charge_sync_start_run", err, || {
        sync_mut(sync)?.start_run();
        Ok(())
    })
}

/// The next request to send (a `netflix/charges/list` page or a `netflix/charges/acknowledge`
/// set), prepared with `token`.
///
/// - `sync`, `token`, `out` must not be NULL.
/// - On success `*out` receives a new request owned by the caller (`crmnf_request_free`), or NULL
///   when there is nothing more to send in this run. While a request is in flight (no successful
///   `crmnf_charge_sync_feed` yet) it is that same request again, prepared with the token given
///   now (so a new token after an expired one is picked up).
/// - `err` as for `crmnf_prepare`.
///
/// Returns `CRMNF_OK`; `CRMNF_INVALID_REQUEST` when the token is blank (`required` at `token`) or
/// holds a control character (`invalid_format` at `token`), also when there is nothing more to
/// send; `CRMNF_NULL_ARGUMENT` / `CRMNF_INVALID_UTF8`. One thread at a time.
#[no_mangle]
pub unsafe extern "C" fn crmnf_charge_sync_next_request(
    sync: *mut crmnf_charge_sync,
    token: *const c_char,
    out: *mut *mut crmnf_request,
    err: *mut *mut crmnf_error,
) -> crmnf_status {
    fallible("crmnf_charge_sync_next_request", err, || {
        let out = out_arg(out, "out")?;
        let sync = sync_mut(sync)?;
        let token = Token::new(str_arg(token, "token")?);
        let next = sync.next_request(&token)?;
        *out = next.map_or(std::ptr::null_mut(), crmnf_request::boxed);
        Ok(())
    })
}

/// Gives the sync the response body of the request in flight.
///
/// `sync` and `body` must not be NULL; `body_len` bytes are read during the call. `err` as for
/// `crmnf_prepare`. Returns `CRMNF_OK`; `CRMNF_API_ERROR` (an expired token, say) or
/// `CRMNF_MALFORMED_RESPONSE`, which change nothing, so the same request is handed out again;
/// `CRMNF_INVALID_REQUEST` (`required` at `request`) when no request is waiting for a response;
/// `CRMNF_NULL_ARGUMENT`. One thread at a time.
#[no_mangle]
pub unsafe extern "C" fn crmnf_charge_sync_feed(
    sync: *mut crmnf_charge_sync,
    body: *const u8,
    body_len: usize,
    err: *mut *mut crmnf_error,
) -> crmnf_status {
    fallible("crmnf_charge_sync_feed", err, || {
        let sync = sync_mut(sync)?;
        let body = bytes_arg(body, body_len, "body")?;
        sync.feed(body)?;
        Ok(())
    })
}

/// Hands over the charges received and not yet handed over, in the order received (possibly
/// none). `crmnf_charge_redelivered` tells which ones may have been handed over before.
///
/// `sync` and `out` must not be NULL; `*out` receives a new `crmnf_charges` on success, owned by
/// the caller (`crmnf_charges_free`). `err` as for `crmnf_prepare`. Returns `CRMNF_OK` or
/// `CRMNF_NULL_ARGUMENT`. One thread at a time; the charges handed out are the caller's and may
/// be read from any thread.
#[no_mangle]
pub unsafe extern "C" fn crmnf_charge_sync_take_charges(
    sync: *mut crmnf_charge_sync,
    out: *mut *mut crmnf_charges,
    err: *mut *mut crmnf_error,
) -> crmnf_status {
    fallible("crmnf_charge_sync_take_charges", err, || {
        let out = out_arg(out, "out")?;
        let sync = sync_mut(sync)?;
        let charges = crmnf_charges::delivered(sync.take_charges());
        *out = Box::into_raw(Box::new(charges));
        Ok(())
    })
}

/// Records that the billing system has taken these charges (by charge number); in acknowledge
/// mode the next requests acknowledge them. Confirming a charge again is harmless.
///
/// - `sync` must not be NULL; `numbers` may be NULL only when `count` is 0; no element may be NULL.
/// - `newly_confirmed`: may be NULL; on success receives how many charges were newly confirmed.
/// - `err` as for `crmnf_prepare`.
///
/// Returns `CRMNF_OK`; `CRMNF_INVALID_REQUEST` (`invalid_enum` at `numbers[i]`) when a number
/// was not handed over, in which case nothing is recorded; `CRMNF_NULL_ARGUMENT` /
/// `CRMNF_INVALID_UTF8`. One thread at a time.
#[no_mangle]
pub unsafe extern "C" fn crmnf_charge_sync_confirm(
    sync: *mut crmnf_charge_sync,
    numbers: *const *const c_char,
    count: usize,
    newly_confirmed: *mut usize,
    err: *mut *mut crmnf_error,
) -> crmnf_status {
    fallible("crmnf_charge_sync_confirm", err, || {
        let sync = sync_mut(sync)?;
        let pointers: &[*const c_char] = if count == 0 {
            &[]
        } else if numbers.is_null() {
            return Err(Fail::Null("numbers".into()));
        } else {
            // SAFETY: not NULL; the caller promised `count` readable pointers.
            unsafe { std::slice::from_raw_parts(numbers, count) }
        };
        let mut list = Vec::with_capacity(count);
        for (i, p) in pointers.iter().enumerate() {
            list.push(str_arg_indexed(*p, "numbers", i)?);
        }
        let n = sync.confirm(list)?;
        put(newly_confirmed, n);
        Ok(())
    })
}

fn str_arg_indexed<'a>(ptr: *const c_char, name: &str, i: usize) -> Result<&'a str, Fail> {
    match opt_str_arg(ptr, format!("{name}[{i}]"))? {
        Some(s) => Ok(s),
        None => Err(Fail::Null(format!("{name}[{i}]").into())),
    }
}

/// Confirms one charge with the operator's reference number, sent with its acknowledgement
/// (unique per operator).
///
/// `sync`, `number` and `reference_number` must not be NULL. `newly_confirmed` may be NULL; on
/// success it receives whether the charge was newly confirmed (confirming again keeps the first
/// reference). `err` as for `crmnf_prepare`. Returns `CRMNF_OK`; `CRMNF_INVALID_REQUEST` when the
/// charge was not handed over (`invalid_enum` at `number`), the reference is blank (`required`)
/// or already given to another charge (`duplicate` at `reference_number`);
/// `CRMNF_NULL_ARGUMENT` / `CRMNF_INVALID_UTF8`. One thread at a time.
#[no_mangle]
pub unsafe extern "C" fn crmnf_charge_sync_confirm_with_reference(
    sync: *mut crmnf_charge_sync,
    number: *const c_char,
    reference_number: *const c_char,
    newly_confirmed: *mut bool,
    err: *mut *mut crmnf_error,
) -> crmnf_status {
    fallible("crmnf_charge_sync_confirm_with_reference", err, || {
        let sync = sync_mut(sync)?;
        let number = str_arg(number, "number")?;
        let reference_number = str_arg(reference_number, "reference_number")?;
        let newly = sync.confirm_with_reference(number, reference_number)?;
        put(newly_confirmed, newly);
        Ok(())
    })
}

/// Whether the run is over: nothing to send, nothing to take. False for NULL. Not while another
/// thread changes the sync.
#[no_mangle]
pub unsafe extern "C" fn crmnf_charge_sync_is_finished(sync: *const crmnf_charge_sync) -> bool {
    // SAFETY: when not NULL, the caller promised a live sync from this library.
    match unsafe { sync.as_ref() } {
        Some(s) => guarded(false, || s.sync.is_finished()),
        None => false,
    }
}

/// The summary of the current run as JSON: `run`, `mode`, `charge_status`, `pages`, `listed`,
/// `handed_over`, `redelivered`, `confirmed`, `acknowledged`, `acknowledge_requests`,
/// `unconfirmed`, `billable_confirmed`, `billable_total` (exact decimal strings per currency code:
/// what was billed), `failed` (charges the server refused to acknowledge, with `error_code`,
/// `error_description`, `attempts`, `deferred`), `page_limit_reached`, `finished`.
///
/// `sync` and `out_json` must not be NULL; `*out_json` receives a new string on success, owned by
/// the caller (`crmnf_string_free`). `err` as for `crmnf_prepare`. Returns `CRMNF_OK` or
/// `CRMNF_NULL_ARGUMENT`. Not while another thread changes the sync.
#[no_mangle]
pub unsafe extern "C" fn crmnf_charge_sync_report(
    sync: *const crmnf_charge_sync,
    out_json: *mut *mut c_char,
    err: *mut *mut crmnf_error,
) -> crmnf_status {
    fallible("crmnf_charge_sync_report", err, || {
        let out = out_arg(out_json, "out_json")?;
        let report = sync_ref(sync)?.report();
        // Plain data with string keys: serializing cannot fail.
        let json = serde_json::to_string(&report).unwrap_or_default();
        *out = owned_string(json);
        Ok(())
    })
}

/// Frees a sync. NULL is a no-op. Save its state first if the run is to go on later. Not while
/// another thread uses it.
#[no_mangle]
pub unsafe extern "C" fn crmnf_charge_sync_free(sync: *mut crmnf_charge_sync) {
    free_box(sync);
}
